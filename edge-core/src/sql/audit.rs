//! The `audit` statements (being moved here from the worker's `db::audit`).
