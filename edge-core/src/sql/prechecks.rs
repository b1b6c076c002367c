//! The `prechecks` statements (being moved here from the worker's `db::prechecks`).
