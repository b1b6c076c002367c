//! The `budgets` statements (being moved here from the worker's `db::budgets`).
