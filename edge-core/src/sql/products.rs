//! The `products` statements (being moved here from the worker's `db::products`).
