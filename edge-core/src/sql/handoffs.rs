//! The `handoffs` statements (being moved here from the worker's `db::handoffs`).
