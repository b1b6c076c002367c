//! Being ported from `edge-worker/src/numbers.rs`.
