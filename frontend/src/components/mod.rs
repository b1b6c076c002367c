//! Reusable view pieces.

pub mod field;
