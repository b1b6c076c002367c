//! Configuration and secrets, read once per invocation from the Worker's bindings. Names are
//! constants here; values never reach a response or a log.

use haoka_edge_core::{
    budget::{Budgets, PerMinute},
    realme::RealmeCredentials,
    retry::SendPolicy,
    xingguang::Credentials,
};
use worker::Env;

use crate::error::AppError;

/// Binding name of the D1 database.
pub const DB: &str = "DB";
/// Binding name of the static-assets fetcher (the trunk `dist/` directory).
pub const ASSETS: &str = "ASSETS";
/// Binding name of the R2 bucket holding photos in flight.
pub const PHOTOS: &str = "PHOTOS";
/// Binding name of the job queue (producer; the same Worker consumes it).
pub const JOBS: &str = "JOBS";

/// Everything the edge needs besides its bindings.
#[derive(Clone)]
pub struct Config {
    /// Xingguang base URL (`http://xg.tkcdk.cn` or the sandbox).
    pub xingguang_base: String,
    /// RealMe base URL, ending in `/`.
    pub realme_base: String,
    /// Phone three-factor URL.
    pub phone3_url: String,
    /// The edge's own public origin, for `callbackurl`.
    pub public_base: String,
    /// Xingguang credentials.
    pub xingguang: Credentials,
    /// RealMe credentials.
    pub realme: RealmeCredentials,
    /// Phone three-factor token.
    pub phone3_token: String,
    /// Key of the callback URL tokens.
    pub callback_key: String,
    /// Key of the status-page tokens.
    pub session_key: String,
    /// The keyring sealing PII at rest (`PII_KEYS`, or the single `PII_KEY` of before).
    pub sealer: haoka_edge_core::crypto::Sealer,
    /// Key of the lookup hashes (`LOOKUP_KEY`; `PII_KEY` where no keyring is configured).
    pub lookup_key: String,
    /// Bearer token of the operator endpoints.
    pub admin_token: String,
    /// Key of the audit chain's HMACs (its own secret).
    pub audit_key: String,
    /// Upstream call timeout.
    pub upstream_timeout_ms: u32,
    /// Resend policy for unknown-outcome sends.
    pub send_policy: SendPolicy,
    /// How long photos may stay in R2 in any case.
    pub photo_retention_ms: i64,
    /// After how long an unconfirmed order is listed for an operator.
    pub unconfirmed_alert_ms: i64,
    /// Open orders one person may hold per product.
    pub limit_per_product: u32,
    /// Open orders one person may hold in all.
    pub limit_total: u32,
    /// Orders, pre-checks and lookups per address, person, device and for everyone per
    /// minute, and paid checks per day.
    pub budgets: haoka_edge_core::budget::Budgets,
    /// Cloudflare Turnstile's secret: when set, orders and pre-checks need a solved widget.
    pub turnstile_secret: Option<String>,
    /// Turnstile's siteverify URL (the sandbox's locally).
    pub turnstile_url: String,
    /// What the browser needs to show the widget (public): set exactly when
    /// `turnstile_secret` is.
    pub turnstile_widget: Option<haoka_shared::api::TurnstileWidget>,
    /// The host of `public_base` (siteverify must say the widget was solved there).
    pub public_host: String,
    /// How long a desktop → phone handoff's QR code lives.
    pub handoff_ttl_ms: i64,
    /// Handoffs opened or claimed per IP per minute.
    pub handoffs_per_minute: u32,
    /// Console sign-in attempts per IP per minute.
    pub logins_per_minute: u32,
    /// Console session lifetimes.
    pub session_life: haoka_edge_core::auth::Lifetimes,
    /// Face similarity (`mp_ssim`, 0–100) from which a face check passes.
    pub realme_pass_score: f64,
    /// Identity checks per agent per minute.
    pub checks_per_minute_agent: u32,
    /// Identity checks per IP per minute.
    pub checks_per_minute_ip: u32,
    /// The same question within this long answers from the last result.
    pub check_reuse_ms: i64,
    /// First poll of a pending check after this long (later polls wait longer).
    pub check_poll_ms: i64,
    /// A check with no result after this long is timed out.
    pub check_timeout_ms: i64,
    /// A check's sealed inputs (what a reveal opens) are cleared after this long.
    pub check_inputs_ms: i64,
    /// Checks and closed cases are deleted after this long.
    pub check_records_ms: i64,
    /// Audit entries are deleted after this long (oldest first; the chain still verifies).
    pub audit_ms: i64,
    /// Ended orders (shipped, rejected, check failed) and their events are deleted this long
    /// after their last change.
    pub order_records_ms: i64,
    /// Raw vendor callbacks are deleted after this long.
    pub vendor_callbacks_ms: i64,
    /// An R2 photo with no live order or handoff is deleted once it is this old.
    pub orphan_grace_ms: i64,
}

const DAY_MS: i64 = 86_400_000;

fn text(env: &Env, name: &str) -> Option<String> {
    env.secret(name)
        .map(|s| s.to_string())
        .or_else(|_| env.var(name).map(|v| v.to_string()))
        .ok()
        .filter(|v| !v.trim().is_empty())
}

fn required(env: &Env, name: &str) -> Result<String, AppError> {
    text(env, name).ok_or_else(|| AppError::Internal(format!("configuration {name} is not set")))
}

/// An upstream URL: https, or plain http to loopback only (PII, ID photos and credentials
/// never travel in clear over a network).
fn upstream(env: &Env, name: &str) -> Result<String, AppError> {
    let url = required(env, name)?;
    haoka_edge_core::netpolicy::upstream_url_ok(&url)
        .map_err(|e| AppError::Internal(format!("configuration {name} refused: {e}")))?;
    Ok(url)
}

/// The host part of an origin such as `https://haoka.example:8443`.
fn host_of(origin: &str) -> String {
    let rest = origin.split_once("://").map_or(origin, |(_, r)| r);
    let authority = rest.split('/').next().unwrap_or("");
    if let Some(v6) = authority.strip_prefix('[') {
        return v6.split(']').next().unwrap_or("").to_owned();
    }
    authority.split(':').next().unwrap_or("").to_owned()
}

fn number<T: std::str::FromStr>(env: &Env, name: &str, default: T) -> T {
    text(env, name)
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(default)
}

fn per_minute(env: &Env, what: &str, d: PerMinute) -> PerMinute {
    PerMinute {
        address: number(env, &format!("{what}_PER_MINUTE"), d.address),
        person: number(env, &format!("{what}_PER_MINUTE_PERSON"), d.person),
        device: number(env, &format!("{what}_PER_MINUTE_DEVICE"), d.device),
        global: number(env, &format!("{what}_PER_MINUTE_ALL"), d.global),
    }
}

fn budgets(env: &Env) -> Budgets {
    let d = Budgets::default();
    Budgets {
        orders: per_minute(env, "ORDERS", d.orders),
        prechecks: per_minute(env, "PRECHECKS", d.prechecks),
        lookups: per_minute(env, "LOOKUPS", d.lookups),
        paid_checks_per_day: number(env, "PAID_CHECKS_PER_DAY", d.paid_checks_per_day),
    }
}

/// The widget's public settings when Turnstile is on. A secret without a site key would refuse
/// every order while no browser could solve anything, so it is a configuration error.
fn widget(env: &Env) -> Result<Option<haoka_shared::api::TurnstileWidget>, AppError> {
    if text(env, "TURNSTILE_SECRET").is_none() {
        return Ok(None);
    }
    let sitekey = required(env, "TURNSTILE_SITEKEY")?;
    let script_url = match text(env, "TURNSTILE_SCRIPT_URL") {
        Some(_) => upstream(env, "TURNSTILE_SCRIPT_URL")?,
        None => haoka_edge_core::turnstile::SCRIPT_URL.to_owned(),
    };
    Ok(Some(haoka_shared::api::TurnstileWidget {
        sitekey,
        script_url,
    }))
}

/// The PII keyring and the lookup-hash key. With `PII_KEYS` (ids and secrets, the current one
/// first) the lookup key is its own secret, `LOOKUP_KEY`. Without it, the single `PII_KEY`
/// of before keyrings seals (as key id `legacy`) and keys the lookups unless `LOOKUP_KEY` is
/// set, so a deployment from before keeps finding its rows. README, "Rotating the PII key".
fn pii_keys(env: &Env) -> Result<(haoka_edge_core::crypto::Sealer, String), AppError> {
    use haoka_edge_core::crypto::Sealer;
    match text(env, "PII_KEYS") {
        Some(spec) => {
            let sealer = Sealer::parse(&spec)
                .map_err(|e| AppError::Internal(format!("configuration PII_KEYS refused: {e}")))?;
            Ok((sealer, required(env, "LOOKUP_KEY")?))
        }
        None => {
            let legacy = required(env, "PII_KEY")?;
            let lookup = text(env, "LOOKUP_KEY").unwrap_or_else(|| legacy.clone());
            Ok((Sealer::new(&legacy), lookup))
        }
    }
}

impl Config {
    /// Read every value; a missing secret is an internal error (logged by name, never value).
    pub fn from_env(env: &Env) -> Result<Config, AppError> {
        let defaults = SendPolicy::default();
        let pii = pii_keys(env)?;
        Ok(Config {
            xingguang_base: upstream(env, "XINGGUANG_BASE_URL")?,
            realme_base: upstream(env, "REALME_BASE_URL")?,
            phone3_url: upstream(env, "PHONE3_URL")?,
            public_base: required(env, "PUBLIC_BASE_URL")?,
            public_host: host_of(&required(env, "PUBLIC_BASE_URL")?),
            turnstile_secret: text(env, "TURNSTILE_SECRET"),
            turnstile_url: match text(env, "TURNSTILE_SITEVERIFY_URL") {
                Some(_) => upstream(env, "TURNSTILE_SITEVERIFY_URL")?,
                None => haoka_edge_core::turnstile::SITEVERIFY_URL.to_owned(),
            },
            turnstile_widget: widget(env)?,
            xingguang: Credentials {
                api_user: required(env, "XINGGUANG_API_USER")?,
                api_key: required(env, "XINGGUANG_API_KEY")?,
            },
            realme: RealmeCredentials {
                app_token: required(env, "REALME_APP_TOKEN")?,
                sign_key: required(env, "REALME_SIGN_KEY")?,
            },
            phone3_token: required(env, "PHONE3_TOKEN")?,
            callback_key: required(env, "CALLBACK_HMAC_KEY")?,
            session_key: required(env, "SESSION_KEY")?,
            sealer: pii.0,
            lookup_key: pii.1,
            admin_token: required(env, "ADMIN_TOKEN")?,
            audit_key: required(env, "AUDIT_KEY")?,
            upstream_timeout_ms: number(env, "UPSTREAM_TIMEOUT_MS", 10_000),
            send_policy: SendPolicy {
                max_attempts: number(env, "SEND_MAX_ATTEMPTS", defaults.max_attempts),
                base_delay_secs: number(env, "SEND_BASE_DELAY_S", defaults.base_delay_secs),
                max_delay_secs: number(env, "SEND_MAX_DELAY_S", defaults.max_delay_secs),
            },
            photo_retention_ms: number::<i64>(env, "PHOTO_RETENTION_H", 72) * 3_600_000,
            unconfirmed_alert_ms: number::<i64>(env, "UNCONFIRMED_ALERT_MIN", 60) * 60_000,
            limit_per_product: number(env, "ORDER_LIMIT_PER_PRODUCT", 1),
            limit_total: number(env, "ORDER_LIMIT_TOTAL", 5),
            budgets: budgets(env),
            handoff_ttl_ms: number::<i64>(env, "HANDOFF_TTL_S", 600).saturating_mul(1000),
            handoffs_per_minute: number(env, "HANDOFFS_PER_MINUTE", 20),
            logins_per_minute: number(env, "LOGINS_PER_MINUTE", 10),
            realme_pass_score: number(env, "REALME_PASS_SCORE", 60.0),
            checks_per_minute_agent: number(env, "CHECKS_PER_MINUTE_AGENT", 20),
            checks_per_minute_ip: number(env, "CHECKS_PER_MINUTE_IP", 60),
            check_reuse_ms: number::<i64>(env, "CHECK_REUSE_S", 86_400).saturating_mul(1000),
            check_poll_ms: number::<i64>(env, "CHECK_POLL_S", 30).saturating_mul(1000),
            check_timeout_ms: number::<i64>(env, "CHECK_TIMEOUT_S", 1800).saturating_mul(1000),
            check_inputs_ms: number::<i64>(env, "CHECK_INPUTS_DAYS", 90).saturating_mul(DAY_MS),
            check_records_ms: number::<i64>(env, "CHECK_RECORDS_DAYS", 1095).saturating_mul(DAY_MS),
            audit_ms: number::<i64>(env, "AUDIT_DAYS", 1095).saturating_mul(DAY_MS),
            order_records_ms: number::<i64>(env, "ORDER_RECORDS_DAYS", 1095).saturating_mul(DAY_MS),
            vendor_callbacks_ms: number::<i64>(env, "VENDOR_CALLBACKS_DAYS", 90)
                .saturating_mul(DAY_MS),
            orphan_grace_ms: number::<i64>(
                env,
                "PHOTO_ORPHAN_GRACE_S",
                haoka_edge_core::sweep::ORPHAN_GRACE_MS / 1000,
            )
            .saturating_mul(1000),
            session_life: haoka_edge_core::auth::Lifetimes {
                idle_ms: number::<i64>(env, "CONSOLE_IDLE_S", 1800).saturating_mul(1000),
                absolute_ms: number::<i64>(env, "CONSOLE_ABSOLUTE_S", 43_200).saturating_mul(1000),
            },
        })
    }
}

/// Milliseconds since the Unix epoch, from the Worker's clock.
pub fn now_ms() -> i64 {
    i64::try_from(worker::Date::now().as_millis()).unwrap_or(i64::MAX)
}

/// `n` random bytes from the platform's CSPRNG.
pub fn random<const N: usize>() -> Result<[u8; N], AppError> {
    let mut buf = [0u8; N];
    getrandom::getrandom(&mut buf).map_err(|e| AppError::Internal(format!("getrandom: {e}")))?;
    Ok(buf)
}
