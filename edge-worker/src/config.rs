//! Configuration and secrets, read once per invocation from the Worker's bindings; the names,
//! defaults and checks are `haoka_edge_core::config`. Values never reach a response or a log.

use std::sync::atomic::{AtomicI64, Ordering};

pub use haoka_edge_core::config::Config;
use worker::Env;

use haoka_edge_app::error::AppError;

/// Binding name of the D1 database.
pub const DB: &str = "DB";
/// Binding name of the static-assets fetcher (the trunk `dist/` directory).
pub const ASSETS: &str = "ASSETS";
/// Binding name of the R2 bucket holding photos in flight.
pub const PHOTOS: &str = "PHOTOS";
/// Binding name of the job queue (producer; the same Worker consumes it).
pub const JOBS: &str = "JOBS";

/// Reading the configuration from the Worker's bindings.
pub trait FromEnv: Sized {
    /// Every value; a missing secret is an internal error (logged by name, never value).
    fn from_env(env: &Env) -> Result<Self, AppError>;
}

impl FromEnv for Config {
    fn from_env(env: &Env) -> Result<Config, AppError> {
        Config::from_lookup(|name| {
            env.secret(name)
                .map(|s| s.to_string())
                .or_else(|_| env.var(name).map(|v| v.to_string()))
                .ok()
        })
        .map_err(|e| AppError::Internal(e.to_string()))
    }
}

/// How far the test suite has moved this isolate's clock forward: 0 unless `TEST_CLOCK` is
/// on ([`Config::test_clock`], loopback stacks only) and `POST /api/admin/clock` was called.
static AHEAD_MS: AtomicI64 = AtomicI64::new(0);

/// Milliseconds since the Unix epoch, from the Worker's clock (plus the test clock's lead).
pub fn now_ms() -> i64 {
    i64::try_from(worker::Date::now().as_millis())
        .unwrap_or(i64::MAX)
        .saturating_add(AHEAD_MS.load(Ordering::Relaxed))
}

/// Move the test clock forward by `ms`; the lead it now has. Callers check
/// [`Config::test_clock`] first.
pub fn move_clock_forward(ms: i64) -> i64 {
    AHEAD_MS.fetch_add(ms, Ordering::Relaxed).saturating_add(ms)
}
