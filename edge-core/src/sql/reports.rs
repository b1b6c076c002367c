//! The `reports` statements (being moved here from the worker's `db::reports`).
