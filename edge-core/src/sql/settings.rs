//! The `settings` statements (being moved here from the worker's `db::settings`).
