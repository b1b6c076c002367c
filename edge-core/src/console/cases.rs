//! Console decisions: cases (filled in by this change).
