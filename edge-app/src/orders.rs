//! Being ported from `edge-worker/src/orders.rs`.
