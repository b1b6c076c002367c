//! Being ported from `edge-worker/src/reconcile.rs`.
