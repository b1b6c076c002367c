//! D1: accounts (filled in by this change).
