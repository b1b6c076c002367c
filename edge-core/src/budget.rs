//! Abuse budgets: how many orders, pre-checks and status lookups one client may make per
//! minute, and how many paid identity checks the shop pays for per day.
//!
//! A budget is counted per *address* (IPv6 by its /64, see [`crate::netpolicy::client_key`]),
//! per *person* (a keyed hash of the ID number) and per *device* (the random id the browser
//! keeps), and once for everyone (*global*). The address budget is the backstop against one
//! machine; it is generous enough for a carrier NAT or a shop's Wi-Fi, and larger still when
//! the request carries a solved bot check (Turnstile): there each order already cost a person's
//! effort, so the bot check carries most of the load. Person and device budgets are tight:
//! they are what a real customer meets, and they never lock out a neighbour.
//!
//! Pure: the worker counts each bucket with one atomic upsert and asks [`first_over`] which
//! budget, if any, is spent, and [`refusal`] which refusal says so.

/// One minute, the window of every per-minute budget.
pub const MINUTE_MS: i64 = 60_000;
/// One day in China time (UTC+8), the window of the paid-check budget.
pub const DAY_MS: i64 = 86_400_000;
const CHINA_OFFSET_MS: i64 = 8 * 3_600_000;
/// How much larger the address budget is when the request passed the bot check.
pub const BOT_CHECKED_FACTOR: u32 = 3;
pub use haoka_shared::api::DEVICE_HEADER;
use haoka_shared::refusal::Refusal;

/// What is being budgeted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// `POST /api/orders` (each order costs an identity check at the vendor).
    Order,
    /// `POST /api/precheck` (a paid check, answered at once).
    Precheck,
    /// `POST /api/orders/lookup`.
    Lookup,
    /// A paid identity check (background pre-check or `/api/precheck`), per China day.
    PaidCheck,
}

impl Action {
    fn name(self) -> &'static str {
        match self {
            Action::Order => "order",
            Action::Precheck => "precheck",
            Action::Lookup => "lookup",
            Action::PaidCheck => "paid",
        }
    }
}

/// Whose budget.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// The client address (IPv4, or IPv6 /64).
    Address,
    /// The person (ID number's keyed hash).
    Person,
    /// The browser's device id.
    Device,
    /// Everyone together.
    Global,
}

impl Scope {
    fn name(self) -> &'static str {
        match self {
            Scope::Address => "ip",
            Scope::Person => "person",
            Scope::Device => "device",
            Scope::Global => "all",
        }
    }
}

/// Per-minute limits of one action (0 = no budget of that scope).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PerMinute {
    /// Per address.
    pub address: u32,
    /// Per person.
    pub person: u32,
    /// Per device.
    pub device: u32,
    /// For everyone.
    pub global: u32,
}

/// Every budget (configuration: `[vars]`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Budgets {
    /// Orders.
    pub orders: PerMinute,
    /// Pre-checks.
    pub prechecks: PerMinute,
    /// Status lookups.
    pub lookups: PerMinute,
    /// Paid identity checks per China day, for everyone (0 = no cap).
    pub paid_checks_per_day: u32,
}

impl Default for Budgets {
    fn default() -> Self {
        Budgets {
            orders: PerMinute {
                address: 10,
                person: 3,
                device: 3,
                global: 120,
            },
            prechecks: PerMinute {
                address: 10,
                person: 5,
                device: 5,
                global: 240,
            },
            lookups: PerMinute {
                address: 10,
                person: 0,
                device: 10,
                global: 600,
            },
            paid_checks_per_day: 5000,
        }
    }
}

/// Who is asking, as keys already hashed by the caller (never a raw IP or ID number).
#[derive(Debug, Clone, Copy)]
pub struct Client<'a> {
    /// Keyed hash of the address key.
    pub address: &'a str,
    /// Keyed hash of the ID number, when the request names a person.
    pub person: Option<&'a str>,
    /// Keyed hash of the device id, when the browser sent a well-formed one.
    pub device: Option<&'a str>,
    /// Whether the request passed the bot check.
    pub bot_checked: bool,
}

/// One counter to bump: its D1 key, its limit and when it can be forgotten.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bucket {
    /// The `rate_limits.bucket` key: `{action}:{scope}:{key}:{window}`.
    pub key: String,
    /// Calls allowed in the window.
    pub limit: u32,
    /// The end of the window, Unix ms.
    pub expires_ms: i64,
    /// Whose budget it is.
    pub scope: Scope,
}

fn window(now_ms: i64, len_ms: i64, offset_ms: i64) -> (i64, i64) {
    let w = (now_ms + offset_ms).div_euclid(len_ms);
    (w, (w + 1) * len_ms - offset_ms)
}

/// The counters one call of `action` by `client` bumps at `now_ms`.
pub fn buckets(action: Action, client: &Client<'_>, budgets: &Budgets, now_ms: i64) -> Vec<Bucket> {
    let mk = |scope: Scope, key: &str, limit: u32, (w, expires_ms): (i64, i64)| Bucket {
        key: format!("{}:{}:{key}:{w}", action.name(), scope.name()),
        limit,
        expires_ms,
        scope,
    };
    let minute = window(now_ms, MINUTE_MS, 0);
    let limits = match action {
        Action::Order => budgets.orders,
        Action::Precheck => budgets.prechecks,
        Action::Lookup => budgets.lookups,
        Action::PaidCheck => {
            if budgets.paid_checks_per_day == 0 {
                return vec![];
            }
            let day = window(now_ms, DAY_MS, CHINA_OFFSET_MS);
            return vec![mk(Scope::Global, "", budgets.paid_checks_per_day, day)];
        }
    };
    let address = if client.bot_checked {
        limits.address.saturating_mul(BOT_CHECKED_FACTOR)
    } else {
        limits.address
    };
    let mut out = Vec::with_capacity(4);
    if address > 0 {
        out.push(mk(Scope::Address, client.address, address, minute));
    }
    if let Some(p) = client.person.filter(|_| limits.person > 0) {
        out.push(mk(Scope::Person, p, limits.person, minute));
    }
    if let Some(d) = client.device.filter(|_| limits.device > 0) {
        out.push(mk(Scope::Device, d, limits.device, minute));
    }
    if limits.global > 0 {
        out.push(mk(Scope::Global, "", limits.global, minute));
    }
    out
}

/// The counter of a plain per-minute limit: `per_minute` calls of `what` by `key` (an account
/// name, an address's keyed hash) in the clock minute of `now_ms`.
pub fn per_minute(what: &str, key: &str, per_minute: u32, now_ms: i64) -> Bucket {
    let (w, expires_ms) = window(now_ms, MINUTE_MS, 0);
    Bucket {
        key: format!("{what}:{key}:{w}"),
        limit: per_minute,
        expires_ms,
        scope: Scope::Address,
    }
}

/// The first budget spent, given each bucket's count after this call (same order as
/// `buckets`). The narrowest scope is named first, so a customer hears about their own
/// budget before everyone's.
pub fn first_over(buckets: &[Bucket], hits: &[i64]) -> Option<Scope> {
    buckets
        .iter()
        .zip(hits)
        .find(|(b, h)| **h > i64::from(b.limit))
        .map(|(b, _)| b.scope)
}

/// A device id as the browser sends it: 16–64 of `A-Za-z0-9-_`; anything else is ignored
/// (no device budget, the address budget still applies).
pub fn device_ok(id: &str) -> bool {
    (16..=64).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// What the customer reads when `scope`'s budget for `action` is spent (HTTP 429, or 503 for
/// the day's paid checks); the words are the refusal's row in the shared table.
pub fn refusal(action: Action, scope: Scope) -> Refusal {
    match (action, scope) {
        (Action::PaidCheck, _) => Refusal::DailyCapacity,
        (_, Scope::Global) => Refusal::Busy,
        (Action::Order, Scope::Address) => Refusal::OrderBudgetAddress,
        (Action::Order, _) => Refusal::OrderBudget,
        (Action::Precheck, Scope::Address) => Refusal::PrecheckBudgetAddress,
        (Action::Precheck, _) => Refusal::RateLimited,
        (Action::Lookup, _) => Refusal::LookupRateLimited,
    }
}

/// Status lookups by order number + the ID number's last 6: wrong answers in a row before
/// the order refuses lookups, and for how long.
pub const LOOKUP_MISSES_MAX: i64 = 5;
/// How long a locked order refuses lookups.
pub const LOOKUP_LOCK_MS: i64 = 3_600_000;

/// Whether an order refuses lookups at `now_ms`.
pub fn lookup_locked(locked_until_ms: Option<i64>, now_ms: i64) -> bool {
    locked_until_ms.is_some_and(|t| now_ms < t)
}

/// The per-person order limit an order (or a pre-check for one) would break.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Limit {
    /// An open order for this product already (`ORDER_LIMIT_PER_PRODUCT`).
    Product,
    /// Open orders in all at the limit (`ORDER_LIMIT_TOTAL`).
    Total,
}

/// Which limit, if any, `same` open orders for this product and `total` open orders in all
/// reach under the limits `per_product` and `max_total`.
pub fn limit_reached(same: i64, total: i64, per_product: u32, max_total: u32) -> Option<Limit> {
    if same >= i64::from(per_product) {
        Some(Limit::Product)
    } else if total >= i64::from(max_total) {
        Some(Limit::Total)
    } else {
        None
    }
}

#[cfg(test)]
mod limit_tests {
    use super::*;

    #[test]
    fn the_product_limit_speaks_first() {
        assert_eq!(limit_reached(0, 0, 1, 5), None);
        assert_eq!(limit_reached(0, 4, 1, 5), None);
        assert_eq!(limit_reached(1, 1, 1, 5), Some(Limit::Product));
        assert_eq!(limit_reached(1, 5, 1, 5), Some(Limit::Product));
        assert_eq!(limit_reached(0, 5, 1, 5), Some(Limit::Total));
        assert_eq!(limit_reached(1, 1, 2, 5), None);
        // A limit of 0 closes the shop to everyone.
        assert_eq!(limit_reached(0, 0, 0, 5), Some(Limit::Product));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn client<'a>(bot: bool) -> Client<'a> {
        Client {
            address: "A",
            person: Some("P"),
            device: Some("D"),
            bot_checked: bot,
        }
    }

    #[test]
    fn a_per_minute_counter_is_one_key_per_clock_minute() {
        let a = per_minute("login", "ip1", 4, 120_000);
        let b = per_minute("login", "ip1", 4, 179_999);
        let c = per_minute("login", "ip1", 4, 180_000);
        assert_eq!(a.key, "login:ip1:2");
        assert_eq!(a.key, b.key, "the same minute");
        assert_ne!(b.key, c.key, "the next minute starts afresh");
        assert_eq!((a.limit, a.expires_ms, c.expires_ms), (4, 180_000, 240_000));
    }

    #[test]
    fn an_order_bumps_address_person_device_and_global_for_this_minute() {
        let b = buckets(Action::Order, &client(false), &Budgets::default(), 125_000);
        let keys: Vec<&str> = b.iter().map(|b| b.key.as_str()).collect();
        assert_eq!(
            keys,
            [
                "order:ip:A:2",
                "order:person:P:2",
                "order:device:D:2",
                "order:all::2"
            ]
        );
        assert!(b.iter().all(|b| b.expires_ms == 180_000));
        assert_eq!(b[0].limit, 10);
    }

    #[test]
    fn a_bot_check_widens_only_the_address_budget() {
        let plain = buckets(Action::Order, &client(false), &Budgets::default(), 0);
        let checked = buckets(Action::Order, &client(true), &Budgets::default(), 0);
        assert_eq!(checked[0].limit, plain[0].limit * BOT_CHECKED_FACTOR);
        assert_eq!(checked[1..], plain[1..]);
    }

    #[test]
    fn absent_keys_and_zero_limits_add_no_bucket() {
        let anon = Client {
            address: "A",
            person: None,
            device: None,
            bot_checked: false,
        };
        let b = buckets(Action::Lookup, &anon, &Budgets::default(), 0);
        assert_eq!(
            b.iter().map(|b| b.scope).collect::<Vec<_>>(),
            [Scope::Address, Scope::Global]
        );
        let none = Budgets {
            paid_checks_per_day: 0,
            ..Budgets::default()
        };
        assert!(buckets(Action::PaidCheck, &anon, &none, 0).is_empty());
    }

    #[test]
    fn the_paid_day_turns_at_china_midnight() {
        // 2026-12-01T15:59:59.999Z is 23:59:59.999 in China; a millisecond later is the next day.
        let before = 1_796_140_799_999;
        let a = buckets(
            Action::PaidCheck,
            &client(false),
            &Budgets::default(),
            before,
        );
        let b = buckets(
            Action::PaidCheck,
            &client(false),
            &Budgets::default(),
            before + 1,
        );
        assert_ne!(a[0].key, b[0].key);
        assert_eq!(a[0].expires_ms, before + 1);
        assert_eq!(a[0].scope, Scope::Global);
    }

    #[test]
    fn the_narrowest_spent_budget_is_named() {
        let b = buckets(Action::Order, &client(false), &Budgets::default(), 0);
        assert_eq!(first_over(&b, &[1, 1, 1, 1]), None);
        assert_eq!(first_over(&b, &[10, 3, 3, 120]), None);
        assert_eq!(first_over(&b, &[11, 1, 1, 121]), Some(Scope::Address));
        assert_eq!(first_over(&b, &[1, 4, 1, 1]), Some(Scope::Person));
        assert_eq!(first_over(&b, &[1, 1, 1, 121]), Some(Scope::Global));
        // Fewer counts than buckets (a failed bump) never refuses by accident.
        assert_eq!(first_over(&b, &[]), None);
    }

    #[test]
    fn every_refusal_has_words_in_both_languages() {
        for action in [
            Action::Order,
            Action::Precheck,
            Action::Lookup,
            Action::PaidCheck,
        ] {
            for scope in [Scope::Address, Scope::Person, Scope::Device, Scope::Global] {
                let r = refusal(action, scope);
                assert!(!r.zh().is_empty() && r.zh().chars().all(|c| !c.is_ascii_alphabetic()));
                assert!(r.en().is_ascii() && !r.en().is_empty());
                assert!(matches!(r.status(), 429 | 503));
            }
        }
        assert_eq!(
            refusal(Action::PaidCheck, Scope::Global).code(),
            "daily_capacity"
        );
    }

    #[test]
    fn device_ids_have_one_shape() {
        assert!(device_ok("abcdefgh12345678"));
        assert!(device_ok(&"a".repeat(64)));
        assert!(!device_ok("short"));
        assert!(!device_ok(&"a".repeat(65)));
        assert!(!device_ok("abcdefgh 12345678"));
        assert!(!device_ok("abcdefgh1234567é"));
    }

    #[test]
    fn a_lookup_lock_lasts_until_its_time() {
        assert!(!lookup_locked(None, 5));
        assert!(lookup_locked(Some(10), 9));
        assert!(!lookup_locked(Some(10), 10));
    }
}
