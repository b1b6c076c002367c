//! D1: reports (filled in by this change).
