//! Being ported from `edge-worker/src/jobs.rs`.
