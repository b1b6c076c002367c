//! Being ported from `edge-worker/src/callbacks.rs`.
