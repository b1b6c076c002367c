//! The `cases` statements (being moved here from the worker's `db::cases`).
