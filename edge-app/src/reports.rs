//! Being ported from `edge-worker/src/reports.rs`.
