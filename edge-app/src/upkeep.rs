//! Being ported from `edge-worker/src/upkeep.rs`.
