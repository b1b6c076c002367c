//! Budgets and the bot check at the edge (rules in `haoka_edge_core::budget`, `netpolicy` and
//! `turnstile`): fixed-window counters in D1 (`rate_limits`), each bumped by one atomic
//! upsert, keyed by keyed hashes only (of the address, IPv6 by /64; of the person; of the
//! device id), and Cloudflare Turnstile verified with `siteverify` when `TURNSTILE_SECRET` is
//! set.

use haoka_edge_core::{
    budget::{self, Action, Bucket, Client},
    crypto, netpolicy,
    sql::{self, Done},
    turnstile,
};
use haoka_shared::refusal::Refusal;

use crate::{
    Config,
    error::AppError,
    http::Incoming,
    platform::{Platform, Transport, random},
};

/// The client's address as the edge sees it (`CF-Connecting-IP`; Cloudflare sets it).
fn client_ip(req: &Incoming) -> String {
    req.header("cf-connecting-ip")
        .unwrap_or_else(|| "unknown".into())
}

/// The keyed hash budgets and sessions store for the client's address (IPv6 by /64).
pub fn address_hash(req: &Incoming, cfg: &Config) -> Result<String, AppError> {
    let key = netpolicy::client_key(&client_ip(req));
    Ok(crypto::lookup_hash(&cfg.lookup_key, "ip", &key))
}

/// The keyed hash of the browser's device id, when it sent a well-formed one.
pub fn device_hash(req: &Incoming, cfg: &Config) -> Result<Option<String>, AppError> {
    Ok(req
        .header(budget::DEVICE_HEADER)
        .filter(|d| budget::device_ok(d))
        .map(|d| crypto::lookup_hash(&cfg.lookup_key, "device", &d)))
}

/// Bump every bucket once, in one batch (none sent for no bucket); read the counts with
/// `sql::budgets::hits` or `first_over`.
async fn bump(p: &impl Platform, buckets: &[Bucket]) -> Result<Vec<Done>, AppError> {
    if buckets.is_empty() {
        return Ok(vec![]);
    }
    p.atomically(sql::budgets::bump(buckets)).await
}

/// Spend one `action` from `client`'s budgets; a spent budget refuses in plain words (429,
/// or 503 for the day's paid checks) before anything costs money upstream.
pub async fn spend(
    p: &impl Platform,
    cfg: &Config,
    action: Action,
    client: &Client<'_>,
) -> Result<(), AppError> {
    let buckets = budget::buckets(action, client, &cfg.budgets, p.now_ms());
    let bumped = bump(p, &buckets).await?;
    match sql::budgets::first_over(&buckets, &bumped) {
        None => Ok(()),
        Some(scope) => {
            crate::info!(p, "budget spent: {action:?} by {scope:?}");
            Err(budget::refusal(action, scope).into())
        }
    }
}

/// The customer-facing client of `req`, with `person` when the request names one.
pub struct Asker {
    /// Keyed hash of the address.
    pub address: String,
    /// Keyed hash of the device id.
    pub device: Option<String>,
    /// Whether the request passed the bot check.
    pub bot_checked: bool,
}

impl Asker {
    /// As a budget client, for `person` (a keyed hash) if any.
    pub fn client<'a>(&'a self, person: Option<&'a str>) -> Client<'a> {
        Client {
            address: &self.address,
            person,
            device: self.device.as_deref(),
            bot_checked: self.bot_checked,
        }
    }
}

/// Who is asking, without a bot check (lookups: they cost nothing upstream).
pub fn asker_unchecked(req: &Incoming, cfg: &Config) -> Result<Asker, AppError> {
    Ok(Asker {
        address: address_hash(req, cfg)?,
        device: device_hash(req, cfg)?,
        bot_checked: false,
    })
}

/// Who is asking: the address and device keys, and the bot check's verdict. With Turnstile
/// on (`TURNSTILE_SECRET` set), a missing or failed token is refused (403); when siteverify
/// itself cannot answer, the request goes on with the narrower budgets of an unchecked
/// client, so an outage at Cloudflare does not stop real customers while the budgets still
/// cap what a bot can cost.
pub async fn asker(
    p: &impl Platform,
    req: &Incoming,
    cfg: &Config,
    idempotency: &str,
) -> Result<Asker, AppError> {
    let address = address_hash(req, cfg)?;
    let device = device_hash(req, cfg)?;
    let Some(secret) = cfg.turnstile_secret.as_deref() else {
        return Ok(Asker {
            address,
            device,
            bot_checked: false,
        });
    };
    let token = req
        .header(turnstile::TOKEN_HEADER)
        .filter(|t| turnstile::token_shape_ok(t))
        .ok_or(Refusal::BotCheckFailed)?;
    let ip = client_ip(req);
    let idempotency = match idempotency {
        "" => haoka_edge_core::handoff::token(&random::<16>(p)?),
        key => key.to_owned(),
    };
    let call = turnstile::siteverify_request(
        &cfg.turnstile_url,
        secret,
        &token,
        Some(ip.as_str()).filter(|i| *i != "unknown"),
        &idempotency,
    );
    let outcome = match p.call(&call, cfg.upstream_timeout_ms).await {
        Transport::Reply { status, body } => {
            turnstile::parse_siteverify_reply(status, &body, None, Some(&cfg.public_host))
        }
        Transport::Failed { why } => turnstile::unavailable(&why),
    };
    match outcome {
        turnstile::Outcome::Passed => Ok(Asker {
            address,
            device,
            bot_checked: true,
        }),
        turnstile::Outcome::Failed { codes } => {
            if codes
                .iter()
                .any(|c| c == "invalid-input-secret" || c == "missing-input-secret")
            {
                crate::warn!(
                    p,
                    "turnstile: siteverify refused TURNSTILE_SECRET (check the secret)"
                );
            }
            crate::info!(p, "turnstile failed: {}", codes.join(","));
            Err(Refusal::BotCheckFailed.into())
        }
        turnstile::Outcome::Unavailable { why } => {
            crate::warn!(
                p,
                "turnstile unavailable ({why}): going on with unchecked budgets"
            );
            Ok(Asker {
                address,
                device,
                bot_checked: false,
            })
        }
    }
}

/// Count one call of `what` from this client's address (IPv6 by /64); refuse (429) above
/// `per_minute`.
pub async fn check(
    req: &Incoming,
    p: &impl Platform,
    cfg: &Config,
    what: &str,
    per_minute: u32,
) -> Result<(), AppError> {
    check_key(p, what, &address_hash(req, cfg)?, per_minute).await
}

/// Count one call of `what` by `key` (an account name, an address's keyed hash); refuse
/// (429) above `per_minute`.
pub async fn check_key(
    p: &impl Platform,
    what: &str,
    key: &str,
    per_minute: u32,
) -> Result<(), AppError> {
    let bucket = budget::per_minute(what, key, per_minute, p.now_ms());
    let bumped = bump(p, std::slice::from_ref(&bucket)).await?;
    if sql::budgets::hits(&bumped).first().copied().unwrap_or(0) > i64::from(per_minute) {
        return Err(Refusal::RateLimited.into());
    }
    Ok(())
}

/// Whether `key` is new in this window: the first call answers true, every later one in the
/// same window false (one audit entry per address and window, however many tries).
pub async fn first_in_window(p: &impl Platform, what: &str, key: &str) -> Result<bool, AppError> {
    let bucket = budget::per_minute(what, key, 1, p.now_ms());
    let done = p
        .run(sql::audit::once(&bucket.key, bucket.expires_ms))
        .await?;
    Ok(sql::audit::marked(&done))
}
