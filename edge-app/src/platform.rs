//! What the edge needs from the machine it runs on, and nothing more: a SQL store that runs
//! `haoka_edge_core::sql` statements, an object store (photos in flight, the audit head), a
//! queue, outbound HTTP with a deadline, a clock, randomness, PBKDF2 and a log. The Worker
//! implements it on D1, R2, Queues, `fetch` and WebCrypto; the native tests on SQLite and
//! memory. Every route and background step in this crate reaches the world only through it.

use haoka_edge_core::{
    http::HttpRequest,
    sql::{Done, Query, Stmt},
};
use serde::de::DeserializeOwned;

use crate::{error::AppError, http::Form};

/// How loud a log line is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    /// What happened.
    Info,
    /// Something an operator may want to look at.
    Warn,
    /// Something failed.
    Error,
}

/// What an upstream call came to.
#[derive(Debug)]
pub enum Transport {
    /// An HTTP answer (any status).
    Reply {
        /// HTTP status.
        status: u16,
        /// The body.
        body: Vec<u8>,
    },
    /// No answer: timeout, connection closed or refused. The outcome is unknown.
    Failed {
        /// For the log.
        why: String,
    },
}

/// One object of a listing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listed {
    /// Its key.
    pub key: String,
    /// When it was written (Unix ms).
    pub uploaded_ms: i64,
}

/// The machine under the edge. The Worker runs on one thread: no `Send` bound is wanted.
#[allow(async_fn_in_trait)]
pub trait Platform {
    /// Milliseconds since the Unix epoch.
    fn now_ms(&self) -> i64;
    /// Fill `buf` from a CSPRNG.
    fn fill_random(&self, buf: &mut [u8]) -> Result<(), AppError>;
    /// Write one log line (already masked: no PII, no secret).
    fn log(&self, level: Level, line: &str);
    /// Wait `ms` milliseconds (only for jitter between retries of a contended write).
    async fn sleep_ms(&self, ms: u64);
    /// Move the test clock forward by `ms` (callers check `Config::test_clock`); the lead.
    fn advance_clock(&self, ms: i64) -> i64;

    /// The first row of `q`.
    async fn one<T: DeserializeOwned>(&self, q: Query<T>) -> Result<Option<T>, AppError>;
    /// Every row of `q`.
    async fn rows<T: DeserializeOwned>(&self, q: Query<T>) -> Result<Vec<T>, AppError>;
    /// Run `s`: the rows it returned and how many it changed.
    async fn run(&self, s: Stmt) -> Result<Done, AppError>;
    /// Run `stmts` as one batch (all or none), each one's [`Done`].
    async fn atomically(&self, stmts: Vec<Stmt>) -> Result<Vec<Done>, AppError>;
    /// Whether the store answers at all (the health check).
    async fn store_ok(&self) -> bool;

    /// Write an object.
    async fn put_object(&self, key: &str, bytes: Vec<u8>) -> Result<(), AppError>;
    /// Read an object (`None`: no such key).
    async fn get_object(&self, key: &str) -> Result<Option<Vec<u8>>, AppError>;
    /// Delete objects (missing keys are fine).
    async fn delete_objects(&self, keys: Vec<String>) -> Result<(), AppError>;
    /// At most `limit` objects under `prefix`, in key order, after `start_after` (`""`: from
    /// the first).
    async fn list_objects(
        &self,
        prefix: &str,
        start_after: &str,
        limit: u32,
    ) -> Result<Vec<Listed>, AppError>;

    /// Put "advance `order_id`" on the job queue after `delay_s` seconds.
    async fn enqueue(&self, order_id: &str, delay_s: u32) -> Result<(), AppError>;

    /// Send `req` and wait at most `timeout_ms` for the whole answer.
    async fn call(&self, req: &HttpRequest, timeout_ms: u32) -> Transport;

    /// PBKDF2-HMAC-SHA256 of `password`, `bytes` long.
    async fn pbkdf2(
        &self,
        password: &str,
        salt: &[u8],
        iterations: u32,
        bytes: usize,
    ) -> Result<Vec<u8>, AppError>;

    /// The request's body, at most `cap` bytes (HTTP 413 beyond; refused unread when its
    /// declared length is over). Empty outside a request.
    async fn body(&self, cap: usize) -> Result<Vec<u8>, AppError>;
    /// Parse a multipart body already read (and size-checked).
    async fn form(&self, content_type: &str, body: &[u8]) -> Result<Form, AppError>;
}

/// `N` random bytes from the platform's CSPRNG.
pub fn random<const N: usize>(p: &impl Platform) -> Result<[u8; N], AppError> {
    let mut buf = [0u8; N];
    p.fill_random(&mut buf)?;
    Ok(buf)
}

/// Log a line at info level: `info!(p, "…", …)`.
#[macro_export]
macro_rules! info {
    ($p:expr, $($arg:tt)*) => {
        $crate::platform::Platform::log($p, $crate::platform::Level::Info, &format!($($arg)*))
    };
}

/// Log a line at warn level: `warn!(p, "…", …)`.
#[macro_export]
macro_rules! warn {
    ($p:expr, $($arg:tt)*) => {
        $crate::platform::Platform::log($p, $crate::platform::Level::Warn, &format!($($arg)*))
    };
}

/// Log a line at error level: `error!(p, "…", …)`.
#[macro_export]
macro_rules! error {
    ($p:expr, $($arg:tt)*) => {
        $crate::platform::Platform::log($p, $crate::platform::Level::Error, &format!($($arg)*))
    };
}
