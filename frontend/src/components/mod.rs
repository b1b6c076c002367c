//! Reusable view pieces, each small and driven by signals and callbacks.

pub mod field;
pub mod find_order;
pub mod inapp_notice;
pub mod my_orders;
pub mod notice;
pub mod number_choice;
pub mod photo_picker;
pub mod product_choice;
pub mod region;
pub mod steps;
pub mod timeline;
