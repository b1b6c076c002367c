//! Being ported from `edge-worker/src/handoff.rs`.
