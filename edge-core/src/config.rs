//! The edge's configuration, read from named values (the Worker's secrets and `[vars]`): every
//! name, default and unit lives here, with the checks a value must pass (upstream URLs https or
//! loopback, the PII keyring's shape, Turnstile's site key beside its secret). Values never
//! reach a log or an error; only names do.

use crate::{
    budget::{Budgets, PerMinute},
    crypto::Sealer,
    realme::RealmeCredentials,
    retry::SendPolicy,
    vendor::{OrderVendor, VendorKind},
    xingguang::{Credentials, Xingguang},
};

/// Why the configuration cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    /// A required value is not set.
    #[error("configuration {0} is not set")]
    Missing(String),
    /// A value was refused.
    #[error("configuration {name} refused: {why}")]
    Refused {
        /// Its name.
        name: String,
        /// Why (never the value).
        why: String,
    },
}

/// Everything the edge needs besides its bindings.
#[derive(Clone)]
pub struct Config {
    /// Which vendor fulfils orders (`ORDER_VENDOR`, default Xingguang).
    pub order_vendor: VendorKind,
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
    pub sealer: crate::crypto::Sealer,
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
    pub budgets: crate::budget::Budgets,
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
    pub session_life: crate::auth::Lifetimes,
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
    /// `TEST_CLOCK=on`: the operator may move the edge's clock forward
    /// (`POST /api/admin/clock`), so the suite waits out a time rule without sleeping. Off
    /// unless set; never set outside the tests.
    pub test_clock: bool,
}

const DAY_MS: i64 = 86_400_000;

/// Where values come from: the Worker's secrets and vars, or a map in a test.
trait Lookup {
    fn get(&self, name: &str) -> Option<String>;
}

impl<F: Fn(&str) -> Option<String>> Lookup for F {
    fn get(&self, name: &str) -> Option<String> {
        self(name)
    }
}

fn text(env: &dyn Lookup, name: &str) -> Option<String> {
    env.get(name).filter(|v| !v.trim().is_empty())
}

fn required(env: &dyn Lookup, name: &str) -> Result<String, ConfigError> {
    text(env, name).ok_or_else(|| ConfigError::Missing(name.to_owned()))
}

/// An upstream URL: https, or plain http to loopback only (PII, ID photos and credentials
/// never travel in clear over a network).
fn upstream(env: &dyn Lookup, name: &str) -> Result<String, ConfigError> {
    let url = required(env, name)?;
    crate::netpolicy::upstream_url_ok(&url).map_err(|e| ConfigError::Refused {
        name: name.to_owned(),
        why: e.to_string(),
    })?;
    Ok(url)
}

/// `TEST_CLOCK=on` is honoured only on a stack whose vendor is on loopback (plain `http://`,
/// which [`upstream`] allows nowhere else): a deployed edge never lets its clock be moved.
fn test_clock(env: &dyn Lookup) -> Result<bool, ConfigError> {
    match text(env, "TEST_CLOCK").as_deref() {
        None | Some("off") => Ok(false),
        Some("on") if text(env, "XINGGUANG_BASE_URL").is_some_and(|u| u.starts_with("http://")) => {
            Ok(true)
        }
        Some(other) => Err(ConfigError::Refused {
            name: "TEST_CLOCK".to_owned(),
            why: format!(
                "{other:?}: only `on` with the vendor on loopback (the test suite), or `off`"
            ),
        }),
    }
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

fn number<T: std::str::FromStr>(env: &dyn Lookup, name: &str, default: T) -> T {
    text(env, name)
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(default)
}

fn per_minute(env: &dyn Lookup, what: &str, d: PerMinute) -> PerMinute {
    PerMinute {
        address: number(env, &format!("{what}_PER_MINUTE"), d.address),
        person: number(env, &format!("{what}_PER_MINUTE_PERSON"), d.person),
        device: number(env, &format!("{what}_PER_MINUTE_DEVICE"), d.device),
        global: number(env, &format!("{what}_PER_MINUTE_ALL"), d.global),
    }
}

fn budgets(env: &dyn Lookup) -> Budgets {
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
fn widget(env: &dyn Lookup) -> Result<Option<haoka_shared::api::TurnstileWidget>, ConfigError> {
    if text(env, "TURNSTILE_SECRET").is_none() {
        return Ok(None);
    }
    let sitekey = required(env, "TURNSTILE_SITEKEY")?;
    let script_url = match text(env, "TURNSTILE_SCRIPT_URL") {
        Some(_) => upstream(env, "TURNSTILE_SCRIPT_URL")?,
        None => crate::turnstile::SCRIPT_URL.to_owned(),
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
fn pii_keys(env: &dyn Lookup) -> Result<(Sealer, String), ConfigError> {
    match text(env, "PII_KEYS") {
        Some(spec) => {
            let sealer = Sealer::parse(&spec).map_err(|e| ConfigError::Refused {
                name: "PII_KEYS".into(),
                why: e.to_string(),
            })?;
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
    /// Read every value through `lookup` (a name's secret or var; empty counts as unset); a
    /// missing secret is an error naming it, never its value.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Config, ConfigError> {
        let env: &dyn Lookup = &lookup;
        let defaults = SendPolicy::default();
        let pii = pii_keys(env)?;
        let order_vendor = match text(env, "ORDER_VENDOR") {
            None => VendorKind::Xingguang,
            Some(name) => VendorKind::parse(&name).ok_or_else(|| ConfigError::Refused {
                name: "ORDER_VENDOR".into(),
                why: "not a vendor this build knows".into(),
            })?,
        };
        Ok(Config {
            order_vendor,
            xingguang_base: upstream(env, "XINGGUANG_BASE_URL")?,
            realme_base: upstream(env, "REALME_BASE_URL")?,
            phone3_url: upstream(env, "PHONE3_URL")?,
            public_base: required(env, "PUBLIC_BASE_URL")?,
            public_host: host_of(&required(env, "PUBLIC_BASE_URL")?),
            turnstile_secret: text(env, "TURNSTILE_SECRET"),
            turnstile_url: match text(env, "TURNSTILE_SITEVERIFY_URL") {
                Some(_) => upstream(env, "TURNSTILE_SITEVERIFY_URL")?,
                None => crate::turnstile::SITEVERIFY_URL.to_owned(),
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
                crate::sweep::ORPHAN_GRACE_MS / 1000,
            )
            .saturating_mul(1000),
            test_clock: test_clock(env)?,
            session_life: crate::auth::Lifetimes {
                idle_ms: number::<i64>(env, "CONSOLE_IDLE_S", 1800).saturating_mul(1000),
                absolute_ms: number::<i64>(env, "CONSOLE_ABSOLUTE_S", 43_200).saturating_mul(1000),
            },
        })
    }
}

impl Config {
    /// The order vendor, ready to build requests and read replies.
    pub fn vendor(&self) -> Box<dyn OrderVendor> {
        match self.order_vendor {
            VendorKind::Xingguang => Box::new(Xingguang {
                base_url: self.xingguang_base.clone(),
                credentials: self.xingguang.clone(),
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    fn vars(extra: &[(&str, &str)]) -> BTreeMap<String, String> {
        let mut m: BTreeMap<String, String> = [
            ("XINGGUANG_BASE_URL", "http://127.0.0.1:8788"),
            ("REALME_BASE_URL", "http://127.0.0.1:8788/api/realme/"),
            ("PHONE3_URL", "http://127.0.0.1:8788/phone3"),
            ("PUBLIC_BASE_URL", "https://haoka.example:8443"),
            ("XINGGUANG_API_USER", "u"),
            ("XINGGUANG_API_KEY", "k"),
            ("REALME_APP_TOKEN", "t"),
            ("REALME_SIGN_KEY", "s"),
            ("PHONE3_TOKEN", "p"),
            ("CALLBACK_HMAC_KEY", "c"),
            ("SESSION_KEY", "x"),
            ("PII_KEYS", "k1:0123456789abcdef0123456789abcdef"),
            ("LOOKUP_KEY", "l"),
            ("ADMIN_TOKEN", "a"),
            ("AUDIT_KEY", "au"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
        for (k, v) in extra {
            m.insert((*k).to_owned(), (*v).to_owned());
        }
        m
    }

    fn load(m: &BTreeMap<String, String>) -> Result<Config, ConfigError> {
        Config::from_lookup(|n| m.get(n).cloned())
    }

    #[test]
    fn defaults_and_units() {
        let c = load(&vars(&[])).unwrap();
        assert_eq!(c.public_host, "haoka.example");
        assert_eq!(c.photo_retention_ms, 72 * 3_600_000);
        assert_eq!(c.check_timeout_ms, 1_800_000);
        assert_eq!(c.limit_per_product, 1);
        assert_eq!(c.turnstile_widget, None);
        let c = load(&vars(&[
            ("CHECK_TIMEOUT_S", "60"),
            ("ORDER_LIMIT_TOTAL", "x"),
        ]))
        .unwrap();
        assert_eq!(c.check_timeout_ms, 60_000);
        assert_eq!(
            c.limit_total, 5,
            "a value that is not a number keeps the default"
        );
    }

    #[test]
    fn the_test_clock_is_off_unless_asked_for_on_loopback() {
        assert!(!load(&vars(&[])).unwrap().test_clock);
        assert!(load(&vars(&[("TEST_CLOCK", "on")])).unwrap().test_clock);
        let deployed = load(&vars(&[
            ("TEST_CLOCK", "on"),
            ("XINGGUANG_BASE_URL", "https://xg.example"),
        ]))
        .err();
        assert!(
            matches!(deployed, Some(ConfigError::Refused { name, .. }) if name == "TEST_CLOCK")
        );
        assert!(load(&vars(&[("TEST_CLOCK", "yes")])).is_err());
    }

    #[test]
    fn the_order_vendor_is_one_config_entry() {
        assert_eq!(load(&vars(&[])).unwrap().vendor().name(), "xingguang");
        let err = load(&vars(&[("ORDER_VENDOR", "acme")])).err();
        assert!(matches!(err, Some(ConfigError::Refused { name, .. }) if name == "ORDER_VENDOR"));
    }

    #[test]
    fn a_missing_or_empty_secret_is_named_never_shown() {
        let mut m = vars(&[]);
        m.insert("ADMIN_TOKEN".into(), "  ".into());
        assert_eq!(
            load(&m).err(),
            Some(ConfigError::Missing("ADMIN_TOKEN".into()))
        );
    }

    #[test]
    fn upstreams_travel_encrypted_unless_on_loopback() {
        let err = load(&vars(&[("XINGGUANG_BASE_URL", "http://vendor.example")])).err();
        assert!(
            matches!(err, Some(ConfigError::Refused { name, .. }) if name == "XINGGUANG_BASE_URL")
        );
    }

    #[test]
    fn turnstile_needs_its_site_key() {
        let err = load(&vars(&[("TURNSTILE_SECRET", "s")])).err();
        assert_eq!(err, Some(ConfigError::Missing("TURNSTILE_SITEKEY".into())));
        let c = load(&vars(&[
            ("TURNSTILE_SECRET", "s"),
            ("TURNSTILE_SITEKEY", "k"),
        ]))
        .unwrap();
        assert_eq!(c.turnstile_widget.unwrap().sitekey, "k");
    }

    #[test]
    fn a_deployment_from_before_keyrings_keeps_its_lookups() {
        let mut m = vars(&[("PII_KEY", "legacy-secret")]);
        m.remove("PII_KEYS");
        m.remove("LOOKUP_KEY");
        let c = load(&m).unwrap();
        assert_eq!(c.lookup_key, "legacy-secret");
        let mut m = vars(&[]);
        m.remove("LOOKUP_KEY");
        assert_eq!(
            load(&m).err(),
            Some(ConfigError::Missing("LOOKUP_KEY".into()))
        );
    }
}
