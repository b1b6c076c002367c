//! The `orders` statements (being moved here from the worker's `db::orders`).
