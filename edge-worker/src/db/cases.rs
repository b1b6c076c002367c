//! D1: cases (filled in by this change).
