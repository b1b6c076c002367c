//! Being written: the native platform.
