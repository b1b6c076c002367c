//! Pages of the app.

pub mod order;
