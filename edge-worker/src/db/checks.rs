//! D1: checks (filled in by this change).
