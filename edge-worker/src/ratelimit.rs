//! Fixed-window rate limits per client IP (or per account), counted in D1 (`rate_limits`). The
//! IP is stored only as a keyed hash.

use haoka_edge_core::crypto;
use worker::{Env, Request};

use crate::{
    config::{Config, DB, now_ms},
    error::AppError,
    store::int,
};

const WINDOW_MS: i64 = 60_000;

/// Count one call of `what` from this client; refuse (429) above `per_minute`.
pub async fn check(
    req: &Request,
    env: &Env,
    cfg: &Config,
    what: &str,
    per_minute: u32,
) -> Result<(), AppError> {
    let ip = req
        .headers()
        .get("cf-connecting-ip")?
        .unwrap_or_else(|| "unknown".into());
    check_key(
        env,
        what,
        &crypto::lookup_hash(&cfg.pii_key, "ip", &ip),
        per_minute,
    )
    .await
}

/// Count one call of `what` by `key` (an account name, an IP's keyed hash); refuse (429)
/// above `per_minute`.
pub async fn check_key(env: &Env, what: &str, key: &str, per_minute: u32) -> Result<(), AppError> {
    let now = now_ms();
    let window = now / WINDOW_MS;
    let bucket = format!("{what}:{key}:{window}");
    let hits: Option<i64> = env
        .d1(DB)?
        .prepare(
            "INSERT INTO rate_limits (bucket, hits, expires_ms) VALUES (?1, 1, ?2) \
             ON CONFLICT (bucket) DO UPDATE SET hits = hits + 1 RETURNING hits",
        )
        .bind(&[bucket.into(), int((window + 1) * WINDOW_MS)])?
        .first(Some("hits"))
        .await?;
    if hits.unwrap_or(0) > i64::from(per_minute) {
        return Err(AppError::RATE_LIMITED);
    }
    Ok(())
}
