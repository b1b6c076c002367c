//! The `upkeep` statements (being moved here from the worker's `db::upkeep`).
