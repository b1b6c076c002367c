//! Being ported from `edge-worker/src/admin.rs`.
