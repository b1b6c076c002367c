//! Being ported from `edge-worker/src/cases.rs`.
