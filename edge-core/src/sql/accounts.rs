//! The `accounts` statements (being moved here from the worker's `db::accounts`).
