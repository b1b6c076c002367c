//! Console decisions: accounts (filled in by this change).
