//! D1: settings (filled in by this change).
