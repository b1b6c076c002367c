//! The agent console's sign-in rules, with no I/O: roles and what each may do, the password
//! policy, the PHC strings passwords are stored as, session lifetimes, failed-attempt lockout
//! and the CSRF check. The worker derives the hashes (WebCrypto PBKDF2-SHA256) and keeps the
//! rows; every decision is here.
//!
//! **Password hashing.** PBKDF2-HMAC-SHA256 through WebCrypto, at [`PBKDF2_ITERATIONS`] =
//! 100,000, the most a deployed Worker allows per call (`wrangler dev` does not enforce the cap,
//! so [`Phc::parse`] refuses anything above it and a test pins the constant). Argon2id in wasm
//! would be stronger per CPU-second only if wasm ran as fast as native code; it does not, and
//! WebCrypto's PBKDF2 is native. Stored as a PHC string, `$pbkdf2-sha256$i=100000,l=32$salt$hash`
//! (unpadded standard base64), so a later, higher count is applied at the next sign-in
//! ([`Phc::needs_rehash`]).

use base64::{Engine, engine::general_purpose::STANDARD_NO_PAD};
use haoka_shared::refusal::Refusal;
use serde::{Deserialize, Serialize};

/// PBKDF2 iterations for new hashes: the Workers cap per `deriveBits` call.
pub const PBKDF2_ITERATIONS: u32 = 100_000;
/// What deployed Workers allow at most; a stored hash above it could never be checked there.
pub const WORKERS_PBKDF2_CAP: u32 = 100_000;
/// Salt bytes per password.
pub const SALT_BYTES: usize = 16;
/// Derived key bytes.
pub const HASH_BYTES: usize = 32;

/// Shortest and longest password, in characters.
pub const PASSWORD_CHARS: (usize, usize) = (12, 128);

/// Sessions end after this long without a request (unless configured otherwise).
pub const IDLE_MS: i64 = 30 * 60 * 1000;
/// Sessions end this long after sign-in whatever happens (unless configured otherwise).
pub const ABSOLUTE_MS: i64 = 12 * 60 * 60 * 1000;

/// How long sessions live.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Lifetimes {
    /// Without a request.
    pub idle_ms: i64,
    /// Since sign-in.
    pub absolute_ms: i64,
}

impl Default for Lifetimes {
    fn default() -> Self {
        Lifetimes {
            idle_ms: IDLE_MS,
            absolute_ms: ABSOLUTE_MS,
        }
    }
}
/// Failed sign-ins in a row that lock an account.
pub const MAX_FAILURES: i64 = 5;
/// How long a locked account stays locked.
pub const LOCK_MS: i64 = 15 * 60 * 1000;

/// The session cookie (`__Host-`: Secure, Path=/, no Domain — the browser enforces it).
pub const SESSION_COOKIE: &str = "__Host-haoka_session";
/// The header every state-changing console call carries: the session's CSRF token.
pub const CSRF_HEADER: &str = "x-haoka-csrf";

const COMMON: &str = include_str!("../data/common-passwords.txt");

/// Who an account is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Runs checks; sees their own cases.
    Agent,
    /// Sees and manages the agents of their store.
    Lead,
    /// Accounts, prices, settings, stuck orders, exports.
    Admin,
    /// Reads everything, changes nothing.
    Compliance,
}

impl Role {
    /// All roles.
    pub const ALL: [Role; 4] = [Role::Agent, Role::Lead, Role::Admin, Role::Compliance];

    /// Its stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Agent => "agent",
            Role::Lead => "lead",
            Role::Admin => "admin",
            Role::Compliance => "compliance",
        }
    }

    /// The role of a stored name.
    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == s)
    }

    /// Whether this role may do `what`.
    pub fn can(self, what: Permission) -> bool {
        use Permission as P;
        match self {
            Role::Admin => true,
            Role::Lead => matches!(
                what,
                P::RunChecks | P::ReadStore | P::ManageStoreAgents | P::Reveal
            ),
            Role::Agent => matches!(what, P::RunChecks | P::Reveal),
            Role::Compliance => {
                matches!(what, P::ReadAll | P::ReadStore | P::ReadAudit | P::Reveal)
            }
        }
    }
}

/// Whether an account (`role`, `username`, `store`) may see a record (a case, a check) owned
/// by `owner` of `owner_store`: its own, its store's for leads, every one for admins and
/// compliance.
pub fn may_see(role: Role, username: &str, store: &str, owner: &str, owner_store: &str) -> bool {
    owner == username
        || role.can(Permission::ReadAll)
        || (role.can(Permission::ReadStore) && owner_store == store)
}

/// What a call needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Permission {
    /// Run identity checks.
    RunChecks,
    /// Read the cases and checks of one's own store.
    ReadStore,
    /// Read every store's.
    ReadAll,
    /// Create, change and disable the agents of one's own store.
    ManageStoreAgents,
    /// Create, change and disable any account.
    ManageAccounts,
    /// Read the audit log.
    ReadAudit,
    /// Reveal a masked field (with a stated reason; audited).
    Reveal,
    /// Prices, settings, stuck orders, exports.
    Administer,
}

/// Why a password is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PasswordError {
    /// Under 12 characters.
    TooShort,
    /// Over 128 characters.
    TooLong,
    /// On the common-password list, or the user name itself.
    Common,
}

impl PasswordError {
    /// The refusal that says so (code and words from the shared table).
    pub const fn refusal(self) -> Refusal {
        match self {
            PasswordError::TooShort => Refusal::PasswordTooShort,
            PasswordError::TooLong => Refusal::PasswordTooLong,
            PasswordError::Common => Refusal::PasswordCommon,
        }
    }
}

/// The policy: 12–128 characters, no composition rules, not common, not the user name.
pub fn check_password(password: &str, username: &str) -> Result<(), PasswordError> {
    let chars = password.chars().count();
    if chars < PASSWORD_CHARS.0 {
        return Err(PasswordError::TooShort);
    }
    if chars > PASSWORD_CHARS.1 {
        return Err(PasswordError::TooLong);
    }
    let lower = password.to_lowercase();
    if lower == username.to_lowercase() || is_common(&lower) {
        return Err(PasswordError::Common);
    }
    Ok(())
}

fn is_common(lower: &str) -> bool {
    COMMON
        .lines()
        .filter(|l| !l.starts_with('#'))
        .any(|l| l == lower)
}

/// A stored password hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Phc {
    /// PBKDF2 iterations.
    pub iterations: u32,
    /// The salt.
    pub salt: Vec<u8>,
    /// The derived key.
    pub hash: Vec<u8>,
}

impl Phc {
    /// A new hash record.
    pub fn new(iterations: u32, salt: &[u8], hash: &[u8]) -> Phc {
        Phc {
            iterations,
            salt: salt.to_vec(),
            hash: hash.to_vec(),
        }
    }

    /// `$pbkdf2-sha256$i=…,l=…$salt$hash`.
    pub fn encode(&self) -> String {
        format!(
            "$pbkdf2-sha256$i={},l={}${}${}",
            self.iterations,
            self.hash.len(),
            STANDARD_NO_PAD.encode(&self.salt),
            STANDARD_NO_PAD.encode(&self.hash)
        )
    }

    /// Parse a stored string; `None` for anything else, or an iteration count a Worker could
    /// not run.
    pub fn parse(s: &str) -> Option<Phc> {
        let mut parts = s.split('$');
        if !parts.next()?.is_empty() || parts.next()? != "pbkdf2-sha256" {
            return None;
        }
        let params = parts.next()?;
        let salt = STANDARD_NO_PAD.decode(parts.next()?).ok()?;
        let hash = STANDARD_NO_PAD.decode(parts.next()?).ok()?;
        if parts.next().is_some() {
            return None;
        }
        let mut iterations = None;
        let mut length = None;
        for kv in params.split(',') {
            match kv.split_once('=')? {
                ("i", v) => iterations = v.parse::<u32>().ok(),
                ("l", v) => length = v.parse::<usize>().ok(),
                _ => return None,
            }
        }
        let iterations = iterations.filter(|i| (1..=WORKERS_PBKDF2_CAP).contains(i))?;
        if length? != hash.len() || hash.is_empty() || salt.len() < 8 {
            return None;
        }
        Some(Phc {
            iterations,
            salt,
            hash,
        })
    }

    /// Whether `derived` (PBKDF2 of the candidate with this salt and count) matches, in
    /// constant time.
    pub fn matches(&self, derived: &[u8]) -> bool {
        haoka_shared::sign::constant_time_eq(derived, &self.hash)
    }

    /// Whether to re-hash at the next good sign-in (the policy's count has changed).
    pub fn needs_rehash(&self) -> bool {
        self.iterations != PBKDF2_ITERATIONS || self.hash.len() != HASH_BYTES
    }
}

/// A session as stored (the token itself is stored only as a hash).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Session {
    /// Signed in, Unix ms.
    pub created_ms: i64,
    /// Last request, Unix ms.
    pub seen_ms: i64,
}

/// Why a session no longer works.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionEnd {
    /// No request for the idle lifetime.
    Idle,
    /// Past the absolute lifetime since sign-in.
    Absolute,
}

impl SessionEnd {
    /// The refusal that says so.
    pub const fn refusal(self) -> Refusal {
        match self {
            SessionEnd::Idle => Refusal::SessionIdle,
            SessionEnd::Absolute => Refusal::SessionExpired,
        }
    }
}

impl Session {
    /// Whether it still works at `now` (then `seen_ms` moves to `now`), or why not.
    pub fn check(self, now: i64, life: Lifetimes) -> Result<Session, SessionEnd> {
        if now >= self.created_ms.saturating_add(life.absolute_ms) {
            return Err(SessionEnd::Absolute);
        }
        if now >= self.seen_ms.saturating_add(life.idle_ms) {
            return Err(SessionEnd::Idle);
        }
        Ok(Session {
            seen_ms: now,
            ..self
        })
    }

    /// When it ends at the latest (the absolute lifetime since sign-in), Unix ms.
    pub fn expires_at_ms(self, life: Lifetimes) -> i64 {
        self.created_ms.saturating_add(life.absolute_ms)
    }

    /// The cookie's `Max-Age`, in seconds: what is left of the absolute lifetime.
    pub fn max_age_s(self, now: i64, life: Lifetimes) -> i64 {
        (self.created_ms + life.absolute_ms - now).max(0) / 1000
    }
}

/// The `Set-Cookie` value carrying a session token.
pub fn session_cookie(token: &str, max_age_s: i64) -> String {
    format!(
        "{SESSION_COOKIE}={token}; Max-Age={max_age_s}; Path=/; Secure; HttpOnly; SameSite=Strict"
    )
}

/// The `Set-Cookie` value that removes it.
pub fn clear_cookie() -> String {
    format!("{SESSION_COOKIE}=; Max-Age=0; Path=/; Secure; HttpOnly; SameSite=Strict")
}

/// The session token in a `Cookie` header, if there is one.
pub fn token_from_cookies(header: &str) -> Option<&str> {
    header
        .split(';')
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == SESSION_COOKIE)
        .map(|(_, v)| v)
        .filter(|v| !v.is_empty())
}

/// An account's sign-in state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Attempts {
    /// Failures in a row.
    pub failures: i64,
    /// Locked until, Unix ms.
    pub locked_until_ms: Option<i64>,
}

impl Attempts {
    /// Whether sign-in is refused at `now` (without checking the password).
    pub fn locked(self, now: i64) -> bool {
        self.locked_until_ms.is_some_and(|t| now < t)
    }

    /// After a wrong password at `now`: one more failure; the [`MAX_FAILURES`]th locks it.
    pub fn failed(self, now: i64) -> Attempts {
        let failures = if self.locked_until_ms.is_some_and(|t| now >= t) {
            1 // the lock ran out: count afresh
        } else {
            self.failures + 1
        };
        Attempts {
            failures,
            locked_until_ms: (failures >= MAX_FAILURES)
                .then_some(now + LOCK_MS)
                .or(self.locked_until_ms.filter(|t| now < *t)),
        }
    }
}

/// Whether a sign-in request may be processed at all: its body is JSON (a browser posts a
/// form or `text/plain` from any other site without asking first, so those are refused: login
/// CSRF), and when the browser says where the request comes from, that is this origin
/// (`Origin`) and this site (`Sec-Fetch-Site`: `same-origin`, or `none` for a typed address).
pub fn login_request_ok(
    content_type: Option<&str>,
    origin: Option<&str>,
    fetch_site: Option<&str>,
    public_base: &str,
) -> bool {
    let json = content_type.is_some_and(|c| {
        c.split(';')
            .next()
            .is_some_and(|m| m.trim().eq_ignore_ascii_case("application/json"))
    });
    let same_origin =
        origin.is_none_or(|o| o.trim_end_matches('/') == public_base.trim_end_matches('/'));
    let same_site = fetch_site.is_none_or(|s| matches!(s.trim(), "same-origin" | "none"));
    json && same_origin && same_site
}

/// Whether a state-changing call carries the session's CSRF token (and, when the browser
/// says where it comes from, comes from this origin).
pub fn csrf_ok(
    expected: &str,
    header: Option<&str>,
    origin: Option<&str>,
    public_base: &str,
) -> bool {
    let same_origin =
        origin.is_none_or(|o| o.trim_end_matches('/') == public_base.trim_end_matches('/'));
    same_origin
        && header.is_some_and(|h| {
            !expected.is_empty()
                && haoka_shared::sign::constant_time_eq(h.as_bytes(), expected.as_bytes())
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    const T0: i64 = 1_800_000_000_000;

    #[test]
    fn sign_in_takes_json_from_this_origin_only() {
        let base = "https://haoka.example";
        let ok = |ct, o, f| login_request_ok(ct, o, f, base);
        assert!(ok(Some("application/json"), None, None));
        assert!(ok(
            Some("application/json; charset=utf-8"),
            Some("https://haoka.example"),
            Some("same-origin")
        ));
        assert!(
            !ok(Some("text/plain"), None, None),
            "text/plain is what a cross-site form sends"
        );
        assert!(!ok(Some("application/x-www-form-urlencoded"), None, None));
        assert!(!ok(None, None, None));
        assert!(!ok(
            Some("application/json"),
            Some("https://evil.example"),
            None
        ));
        assert!(!ok(Some("application/json"), None, Some("cross-site")));
        assert!(!ok(Some("application/json"), None, Some("same-site")));
        assert!(ok(Some("Application/JSON"), None, Some("none")));
    }

    #[test]
    fn the_iteration_count_is_what_a_deployed_worker_accepts() {
        // Deployed Workers refuse PBKDF2 above 100,000 iterations; `wrangler dev` does not.
        const { assert!(PBKDF2_ITERATIONS <= WORKERS_PBKDF2_CAP) };
        let over = Phc::new(WORKERS_PBKDF2_CAP + 1, &[1; 16], &[2; 32]).encode();
        assert_eq!(Phc::parse(&over), None);
    }

    #[test]
    fn phc_strings_round_trip_and_anything_else_is_refused() {
        let phc = Phc::new(PBKDF2_ITERATIONS, &[7; SALT_BYTES], &[9; HASH_BYTES]);
        let s = phc.encode();
        assert!(s.starts_with("$pbkdf2-sha256$i=100000,l=32$"), "{s}");
        assert_eq!(Phc::parse(&s), Some(phc.clone()));
        assert!(!phc.needs_rehash());
        assert!(Phc::new(10_000, &[7; 16], &[9; 32]).needs_rehash());
        assert!(phc.matches(&[9; 32]));
        assert!(!phc.matches(&[9; 31]));
        for bad in [
            "",
            "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaA",
            "$pbkdf2-sha256$i=0,l=32$BwcHBwcHBwcHBwcHBwcHBw$CQ",
            "$pbkdf2-sha256$i=1000,l=31$BwcHBwcHBwcHBwcHBwcHBw$CQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQk",
            "$pbkdf2-sha256$i=1000,l=32$!!$CQ",
            "$pbkdf2-sha256$i=1000,x=1$BwcHBwcHBwcHBwcHBwcHBw$CQ",
            "$pbkdf2-sha256$i=1000,l=1$BwcHBwcHBwcHBwcHBwcHBw$CQ$extra",
        ] {
            assert_eq!(Phc::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn passwords_need_length_not_composition_and_not_a_common_one() {
        assert_eq!(
            check_password("short", "wang"),
            Err(PasswordError::TooShort)
        );
        // Characters, not bytes: eleven Chinese characters are too short, twelve are fine.
        assert_eq!(
            check_password(&"密".repeat(11), "wang"),
            Err(PasswordError::TooShort)
        );
        assert_eq!(check_password(&"密".repeat(12), "wang"), Ok(()));
        assert_eq!(
            check_password(&"a".repeat(129), "wang"),
            Err(PasswordError::TooLong)
        );
        assert_eq!(check_password("correct horse battery", "wang"), Ok(()));
        assert_eq!(check_password("all lower case words", "wang"), Ok(()));
        assert_eq!(
            check_password("1qaz2wsx3edc", "wang"),
            Err(PasswordError::Common)
        );
        assert_eq!(
            check_password("QWERTY123456", "wang"),
            Err(PasswordError::Common)
        );
        assert_eq!(
            check_password("wang.xiaoming", "Wang.XiaoMing"),
            Err(PasswordError::Common)
        );
        // The header lines of the list are not passwords.
        assert!(!is_common(
            "# common passwords of 12 or more characters (the shortest a password may be), lower-cased, one"
        ));
        for e in [
            PasswordError::TooShort,
            PasswordError::TooLong,
            PasswordError::Common,
        ] {
            assert!(!e.refusal().zh().is_empty() && e.refusal().code().starts_with("password_"));
        }
    }

    #[test]
    fn sessions_end_when_idle_or_old_whichever_comes_first() {
        let life = Lifetimes::default();
        let s = Session {
            created_ms: T0,
            seen_ms: T0,
        };
        let s = s.check(T0 + IDLE_MS - 1, life).unwrap();
        assert_eq!(s.seen_ms, T0 + IDLE_MS - 1);
        assert_eq!(s.check(s.seen_ms + IDLE_MS, life), Err(SessionEnd::Idle));
        // Busy all day still ends at 12 h.
        let mut s = Session {
            created_ms: T0,
            seen_ms: T0,
        };
        let mut now = T0;
        while now < T0 + ABSOLUTE_MS - 60_000 {
            now += 10 * 60_000;
            match s.check(now, life) {
                Ok(next) => s = next,
                Err(e) => {
                    assert_eq!(e, SessionEnd::Absolute);
                    break;
                }
            }
        }
        assert_eq!(s.check(T0 + ABSOLUTE_MS, life), Err(SessionEnd::Absolute));
        assert_eq!(
            Session {
                created_ms: T0,
                seen_ms: T0
            }
            .max_age_s(T0, life),
            43_200
        );
    }

    #[test]
    fn a_session_ends_at_the_latest_its_absolute_lifetime_after_sign_in() {
        let life = Lifetimes::default();
        let signed_in = Session {
            created_ms: T0,
            seen_ms: T0,
        };
        assert_eq!(signed_in.expires_at_ms(life), T0 + ABSOLUTE_MS);
        // A request later moves the idle clock, not the end.
        let later = signed_in.check(T0 + 60_000, life).unwrap();
        assert_eq!(later.expires_at_ms(life), T0 + ABSOLUTE_MS);
        assert_eq!(
            later.check(later.expires_at_ms(life), life),
            Err(SessionEnd::Absolute)
        );
        assert_eq!(SessionEnd::Idle.refusal(), Refusal::SessionIdle);
        assert_eq!(SessionEnd::Absolute.refusal(), Refusal::SessionExpired);
    }

    #[test]
    fn the_cookie_is_host_only_secure_http_only_and_strict() {
        let c = session_cookie("abc", 600);
        for part in [
            "__Host-haoka_session=abc",
            "Path=/",
            "Secure",
            "HttpOnly",
            "SameSite=Strict",
            "Max-Age=600",
        ] {
            assert!(c.contains(part), "{c}");
        }
        assert!(!c.contains("Domain"));
        assert!(clear_cookie().contains("Max-Age=0"));
        assert_eq!(
            token_from_cookies("a=1; __Host-haoka_session=tok; b=2"),
            Some("tok")
        );
        assert_eq!(token_from_cookies("haoka_session=tok"), None);
        assert_eq!(token_from_cookies("__Host-haoka_session="), None);
    }

    #[test]
    fn five_failures_lock_an_account_for_fifteen_minutes() {
        let mut a = Attempts {
            failures: 0,
            locked_until_ms: None,
        };
        for i in 1..MAX_FAILURES {
            a = a.failed(T0 + i);
            assert!(!a.locked(T0 + i), "after {i}");
        }
        a = a.failed(T0 + 100);
        assert!(a.locked(T0 + 100));
        assert!(a.locked(T0 + 100 + LOCK_MS - 1));
        assert!(!a.locked(T0 + 100 + LOCK_MS));
        // A wrong password after the lock ran out starts counting again.
        let after = a.failed(T0 + 100 + LOCK_MS);
        assert_eq!(after.failures, 1);
        assert!(!after.locked(T0 + 100 + LOCK_MS));
    }

    #[test]
    fn roles_grant_what_the_issue_lists() {
        use Permission as P;
        assert!(Role::Agent.can(P::RunChecks) && !Role::Agent.can(P::ReadStore));
        assert!(!Role::Agent.can(P::ManageAccounts) && !Role::Agent.can(P::ReadAudit));
        assert!(Role::Lead.can(P::ManageStoreAgents) && !Role::Lead.can(P::ManageAccounts));
        assert!(Role::Compliance.can(P::ReadAudit) && Role::Compliance.can(P::ReadAll));
        assert!(!Role::Compliance.can(P::RunChecks) && !Role::Compliance.can(P::Administer));
        assert!(Role::Admin.can(P::ManageAccounts) && Role::Admin.can(P::Administer));
        for r in Role::ALL {
            assert_eq!(Role::parse(r.as_str()), Some(r));
        }
        assert_eq!(Role::parse("root"), None);
    }

    #[test]
    fn csrf_needs_the_token_and_this_origin() {
        let base = "https://haoka.example";
        assert!(csrf_ok("t0ken", Some("t0ken"), None, base));
        assert!(csrf_ok(
            "t0ken",
            Some("t0ken"),
            Some("https://haoka.example"),
            base
        ));
        assert!(!csrf_ok(
            "t0ken",
            Some("t0ken"),
            Some("https://evil.example"),
            base
        ));
        assert!(!csrf_ok("t0ken", None, None, base));
        assert!(!csrf_ok("t0ken", Some("t0kem"), None, base));
        assert!(!csrf_ok("", Some(""), None, base));
    }

    #[test]
    fn who_sees_what() {
        let see = |role, me, store| may_see(role, me, store, "wang", "北京一店");
        assert!(see(Role::Agent, "wang", "北京一店"));
        assert!(!see(Role::Agent, "li", "北京一店"));
        assert!(see(Role::Lead, "boss", "北京一店"));
        assert!(!see(Role::Lead, "boss", "上海二店"));
        assert!(see(Role::Admin, "root", ""));
        assert!(see(Role::Compliance, "c", "上海二店"));
    }
}
