//! Being ported from `edge-worker/src/precheck.rs`.
