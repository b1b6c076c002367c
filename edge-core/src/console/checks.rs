//! Console decisions: checks (filled in by this change).
