//! Being ported from `edge-worker/src/checks.rs`.
