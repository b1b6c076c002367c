//! Being ported from `edge-worker/src/health.rs`.
