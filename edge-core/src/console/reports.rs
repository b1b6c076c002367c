//! Console decisions: reports (filled in by this change).
