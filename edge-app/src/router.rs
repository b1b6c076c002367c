//! Being ported from `edge-worker/src/router.rs`.
