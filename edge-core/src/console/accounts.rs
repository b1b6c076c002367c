//! Console decisions: accounts. What a user name, a display name and a store may be; who may
//! create, change or list which accounts (admins any, leads the agents of their own store,
//! no one their own role or their own disabling); what a change does and what the audit log
//! says about it; how a sign-in attempt goes at each step; and an account as the console
//! shows it, locked or not at a `now` the caller passes in.

use haoka_shared::{
    api::console::{Account, AccountChange, Me, NewAccount},
    refusal::Refusal,
};
use serde::Deserialize;

use crate::auth::{self, Attempts, PasswordError, Permission, Phc, Role};

/// An account as stored (`accounts` in D1; `password` is its PHC string).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct AccountRecord {
    /// User name (lower case).
    pub username: String,
    /// Display name.
    pub display_name: String,
    /// Role name.
    pub role: String,
    /// Store.
    pub store: String,
    /// The password's PHC string.
    pub password: String,
    /// 1 when disabled.
    pub disabled: i64,
    /// Wrong passwords in a row.
    pub failures: i64,
    /// Locked until, Unix ms.
    pub locked_until_ms: Option<i64>,
    /// Created, Unix ms.
    pub created_at_ms: i64,
}

impl AccountRecord {
    /// Its role; `None` for a name no role has (a row written by hand).
    pub fn role(&self) -> Option<Role> {
        Role::parse(&self.role)
    }

    /// Whether an admin or a lead disabled it.
    pub fn is_disabled(&self) -> bool {
        self.disabled != 0
    }

    /// Its sign-in state.
    pub fn attempts(&self) -> Attempts {
        Attempts {
            failures: self.failures,
            locked_until_ms: self.locked_until_ms,
        }
    }

    /// As the console shows it at `now` (never the password hash).
    pub fn view(&self, now: i64) -> Account {
        Account {
            username: self.username.clone(),
            display_name: self.display_name.clone(),
            role: self.role.clone(),
            store: self.store.clone(),
            disabled: self.is_disabled(),
            locked: self.attempts().locked(now),
            created_at_ms: self.created_at_ms,
        }
    }

    /// Who is signed in, with the session's CSRF token and end.
    pub fn me(&self, csrf: String, expires_at_ms: i64) -> Me {
        Me {
            username: self.username.clone(),
            display_name: self.display_name.clone(),
            role: self.role.clone(),
            store: self.store.clone(),
            csrf,
            expires_at_ms,
        }
    }
}

/// A user name as typed, the way it is stored and looked up (trimmed, lower case).
pub fn normalise_username(raw: &str) -> String {
    raw.trim().to_lowercase()
}

/// A user name: 3–32 of `a-z 0-9 . _ -` (lower-cased first).
pub fn username_ok(name: &str) -> bool {
    (3..=32).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-".contains(&b))
}

/// A display name: 1–40 characters once trimmed, no control characters.
pub fn check_display_name(name: &str) -> Result<(), Refusal> {
    let n = name.trim().chars().count();
    if n == 0 || n > 40 || name.chars().any(char::is_control) {
        return Err(Refusal::InvalidDisplayName);
    }
    Ok(())
}

/// A store: at most 40 characters, no control characters (empty is no store).
pub fn check_store(store: &str) -> Result<(), Refusal> {
    if store.chars().count() > 40 || store.chars().any(char::is_control) {
        return Err(Refusal::InvalidStore);
    }
    Ok(())
}

/// A new account's values, checked and as they are stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidAccount {
    /// User name, lower case.
    pub username: String,
    /// Display name, trimmed.
    pub display_name: String,
    /// Store, trimmed.
    pub store: String,
}

/// Check a new account: its user name, display name, store and password, in that order.
pub fn check_new(a: &NewAccount) -> Result<ValidAccount, Refusal> {
    let username = normalise_username(&a.username);
    if !username_ok(&username) {
        return Err(Refusal::InvalidUsername);
    }
    check_display_name(&a.display_name)?;
    check_store(&a.store)?;
    auth::check_password(&a.password, &username).map_err(PasswordError::refusal)?;
    Ok(ValidAccount {
        username,
        display_name: a.display_name.trim().to_owned(),
        store: a.store.trim().to_owned(),
    })
}

/// The role a request names, or `default` when it names none.
pub fn role_asked(role: Option<&str>, default: Role) -> Result<Role, Refusal> {
    match role {
        None => Ok(default),
        Some(r) => Role::parse(r).ok_or(Refusal::InvalidRole),
    }
}

/// The signed-in account a decision is made for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Who<'a> {
    /// User name.
    pub username: &'a str,
    /// Role, as of this request.
    pub role: Role,
    /// Store.
    pub store: &'a str,
}

/// Whether `who` may create or change an account of `role` in `store`: admins any, leads the
/// agents of their own store.
pub fn may_manage(who: Who<'_>, role: Role, store: &str) -> bool {
    who.role.can(Permission::ManageAccounts)
        || (who.role.can(Permission::ManageStoreAgents)
            && role == Role::Agent
            && store == who.store)
}

/// Whose stores' records an account list or a spend report covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stores<'a> {
    /// Every store's.
    All,
    /// This one store's.
    One(&'a str),
}

impl<'a> Stores<'a> {
    /// The one store, if the scope is one store's.
    pub fn store(self) -> Option<&'a str> {
        match self {
            Stores::All => None,
            Stores::One(s) => Some(s),
        }
    }

    /// `all`, or the store's name (what the spend report says it covers).
    pub fn label(self) -> String {
        match self {
            Stores::All => "all".into(),
            Stores::One(s) => s.into(),
        }
    }
}

/// The accounts `who` may list: all for admins and compliance, their store's for leads, none
/// (`None`: forbidden) for agents.
pub fn list_scope(who: Who<'_>) -> Option<Stores<'_>> {
    if who.role.can(Permission::ManageAccounts) || who.role.can(Permission::ReadAll) {
        Some(Stores::All)
    } else if who.role.can(Permission::ManageStoreAgents) {
        Some(Stores::One(who.store))
    } else {
        None
    }
}

/// Why an account call is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Denied {
    /// A refusal from the shared table, said as it is.
    Refused(Refusal),
    /// Not this account's to do: a 403, audited with this detail.
    Forbidden(String),
    /// The stored row makes no sense (a role no one has): an internal error.
    Corrupt(String),
}

impl From<Refusal> for Denied {
    fn from(r: Refusal) -> Self {
        Denied::Refused(r)
    }
}

/// The role of a new account (`agent` unless named), if `who` may create it in its store.
pub fn check_create(who: Who<'_>, a: &NewAccount) -> Result<Role, Denied> {
    let role = role_asked(a.role.as_deref(), Role::Agent)?;
    if !may_manage(who, role, a.store.trim()) {
        return Err(Denied::Forbidden(format!(
            "create {} in {}",
            role.as_str(),
            a.store
        )));
    }
    Ok(role)
}

/// The answer to a change of an account that does not exist: only those who may manage
/// someone learn that it does not.
pub fn missing_account(who: Who<'_>) -> Denied {
    if who.role.can(Permission::ManageAccounts) || who.role.can(Permission::ManageStoreAgents) {
        Denied::Refused(Refusal::AccountNotFound)
    } else {
        Denied::Forbidden("change account".into())
    }
}

/// What a change of an account does, once allowed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChangePlan {
    /// The display name after it.
    pub display_name: String,
    /// The role after it.
    pub role: Role,
    /// The store after it.
    pub store: String,
    /// Whether it is disabled after it.
    pub disabled: bool,
    /// Whether a lockout is cleared.
    pub unlock: bool,
    /// The new password, as given (its policy is checked once the current one is confirmed).
    pub new_password: Option<String>,
    /// Whether one's own current password must be confirmed first (one changes one's own).
    pub confirm_current: bool,
    /// What changed, for the audit log (`role agent→lead`, `store a→b`, `disabled`, …).
    pub changes: Vec<String>,
}

impl ChangePlan {
    /// Whether every session of the account ends: it is disabled, or has a new password.
    pub fn ends_sessions(&self) -> bool {
        self.disabled || self.new_password.is_some()
    }

    /// The audit entry's detail.
    pub fn detail(&self) -> String {
        self.changes.join(", ")
    }
}

/// Decide `change` of `account` by `who`: the new role must be a role; `who` must be allowed
/// the account both as it is and as it will be; no one disables their own account or changes
/// their own role; the display name and store must be valid.
pub fn plan_change(
    who: Who<'_>,
    account: &AccountRecord,
    change: &AccountChange,
) -> Result<ChangePlan, Denied> {
    let old_role = account.role().ok_or_else(|| {
        Denied::Corrupt(format!(
            "account {} has role {}",
            account.username, account.role
        ))
    })?;
    let role = role_asked(change.role.as_deref(), old_role)?;
    let store = change
        .store
        .as_deref()
        .map_or(account.store.as_str(), str::trim)
        .to_owned();
    if !may_manage(who, old_role, &account.store) || !may_manage(who, role, &store) {
        return Err(Denied::Forbidden(format!("change {}", account.username)));
    }
    let own = who.username == account.username;
    if own && (change.disabled == Some(true) || role != old_role) {
        return Err(Refusal::OwnAccount.into());
    }
    let display_name = match &change.display_name {
        Some(n) => {
            check_display_name(n)?;
            n.trim().to_owned()
        }
        None => account.display_name.clone(),
    };
    check_store(&store)?;
    let disabled = change.disabled.unwrap_or(account.is_disabled());
    let unlock = change.unlock == Some(true);
    let mut changes = Vec::new();
    if role != old_role {
        changes.push(format!("role {}→{}", old_role.as_str(), role.as_str()));
    }
    if store != account.store {
        changes.push(format!("store {}→{store}", account.store));
    }
    if disabled != account.is_disabled() {
        changes.push(if disabled { "disabled" } else { "enabled" }.into());
    }
    if change.password.is_some() {
        changes.push("password reset".into());
    }
    if unlock {
        changes.push("unlocked".into());
    }
    Ok(ChangePlan {
        display_name,
        role,
        store,
        disabled,
        unlock,
        new_password: change.password.clone(),
        confirm_current: own && change.password.is_some(),
        changes,
    })
}

/// How a sign-in goes before its password is checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignInGate<'a> {
    /// No such account (or a name no account could have).
    Unknown,
    /// Locked after too many wrong passwords.
    Locked,
    /// Check the password of this account.
    Verify(&'a AccountRecord),
}

/// The gate for `username` (normalised) with `account` as loaded, at `now`. `Unknown` and
/// `Locked` get the answer a wrong password gets, after the same work.
pub fn sign_in_gate<'a>(
    username: &str,
    account: Option<&'a AccountRecord>,
    now: i64,
) -> SignInGate<'a> {
    match account.filter(|_| username_ok(username)) {
        None => SignInGate::Unknown,
        Some(a) if a.attempts().locked(now) => SignInGate::Locked,
        Some(a) => SignInGate::Verify(a),
    }
}

/// Whether a password is too long to be worth deriving (no stored password is this long).
pub fn too_long_to_try(password: &str) -> bool {
    password.chars().count() > auth::PASSWORD_CHARS.1
}

/// How a sign-in that reached the password ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignIn {
    /// Wrong password: one more failure is counted.
    Wrong,
    /// The right password, on a disabled account.
    Disabled,
    /// Signed in; `rehash` when the stored hash is not of the current policy.
    Welcome {
        /// Store a new hash of the password just given.
        rehash: bool,
    },
}

/// The end of a sign-in on `account` whose password `matched` or not.
pub fn sign_in(account: &AccountRecord, matched: bool) -> SignIn {
    if !matched {
        SignIn::Wrong
    } else if account.is_disabled() {
        SignIn::Disabled
    } else {
        SignIn::Welcome {
            rehash: Phc::parse(&account.password).is_none_or(|p| p.needs_rehash()),
        }
    }
}

/// A name as typed, short enough for the audit log's target.
pub fn audit_name(username: &str) -> String {
    username.chars().take(32).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const T0: i64 = 1_800_000_000_000;

    fn record(username: &str, role: Role, store: &str) -> AccountRecord {
        AccountRecord {
            username: username.into(),
            display_name: format!("{username} name"),
            role: role.as_str().into(),
            store: store.into(),
            password: String::new(),
            disabled: 0,
            failures: 0,
            locked_until_ms: None,
            created_at_ms: T0,
        }
    }

    fn who(username: &'static str, role: Role, store: &'static str) -> Who<'static> {
        Who {
            username,
            role,
            store,
        }
    }

    fn new_account(username: &str, role: Option<&str>, store: &str) -> NewAccount {
        NewAccount {
            username: username.into(),
            display_name: "Li Lei".into(),
            password: "a long enough passphrase".into(),
            role: role.map(Into::into),
            store: store.into(),
        }
    }

    #[test]
    fn user_names_are_lower_case_words_of_3_to_32() {
        assert_eq!(normalise_username("  Li.Lei_2 "), "li.lei_2");
        assert!(username_ok("li.lei_2-x"));
        assert!(!username_ok("li"), "too short");
        assert!(!username_ok(&"a".repeat(33)), "too long");
        assert!(
            !username_ok("Li"),
            "upper case is normalised first, not accepted"
        );
        assert!(!username_ok("li lei"));
        assert!(!username_ok("李雷雷"));
    }

    #[test]
    fn display_names_and_stores_have_limits() {
        assert_eq!(check_display_name(" 李雷 "), Ok(()));
        assert_eq!(check_display_name("   "), Err(Refusal::InvalidDisplayName));
        assert_eq!(
            check_display_name(&"名".repeat(41)),
            Err(Refusal::InvalidDisplayName)
        );
        assert_eq!(check_display_name("a\nb"), Err(Refusal::InvalidDisplayName));
        assert_eq!(check_store(""), Ok(()));
        assert_eq!(check_store(&"店".repeat(40)), Ok(()));
        assert_eq!(check_store(&"店".repeat(41)), Err(Refusal::InvalidStore));
        assert_eq!(check_store("a\tb"), Err(Refusal::InvalidStore));
    }

    #[test]
    fn a_new_account_is_checked_in_order_and_stored_trimmed() {
        let mut a = new_account(" Li.Lei ", None, " North ");
        a.display_name = " 李雷 ".into();
        assert_eq!(
            check_new(&a),
            Ok(ValidAccount {
                username: "li.lei".into(),
                display_name: "李雷".into(),
                store: "North".into(),
            })
        );
        let bad_name = NewAccount {
            username: "x".into(),
            display_name: String::new(),
            ..a.clone()
        };
        assert_eq!(check_new(&bad_name), Err(Refusal::InvalidUsername));
        let bad_display = NewAccount {
            display_name: String::new(),
            password: "short".into(),
            ..a.clone()
        };
        assert_eq!(check_new(&bad_display), Err(Refusal::InvalidDisplayName));
        let bad_store = NewAccount {
            store: "a\u{7}".into(),
            ..a.clone()
        };
        assert_eq!(check_new(&bad_store), Err(Refusal::InvalidStore));
        let own_name = NewAccount {
            username: "lileilileilei".into(),
            password: "LILEILILEILEI".into(),
            ..a
        };
        assert_eq!(check_new(&own_name), Err(Refusal::PasswordCommon));
    }

    #[test]
    fn admins_manage_anyone_leads_only_their_stores_agents() {
        let admin = who("root", Role::Admin, "");
        let lead = who("lead", Role::Lead, "north");
        let agent = who("agent", Role::Agent, "north");
        let compliance = who("audit", Role::Compliance, "");
        assert!(may_manage(admin, Role::Lead, "south"));
        assert!(may_manage(lead, Role::Agent, "north"));
        assert!(!may_manage(lead, Role::Agent, "south"));
        assert!(!may_manage(lead, Role::Lead, "north"));
        assert!(!may_manage(agent, Role::Agent, "north"));
        assert!(!may_manage(compliance, Role::Agent, ""));
    }

    #[test]
    fn a_new_account_is_an_agent_unless_named_and_must_be_the_creators_to_make() {
        let lead = who("lead", Role::Lead, "north");
        assert_eq!(
            check_create(lead, &new_account("a1x", None, " north ")),
            Ok(Role::Agent)
        );
        assert_eq!(
            check_create(lead, &new_account("a1x", Some("lead"), "north")),
            Err(Denied::Forbidden("create lead in north".into()))
        );
        assert_eq!(
            check_create(lead, &new_account("a1x", None, "south")),
            Err(Denied::Forbidden("create agent in south".into()))
        );
        assert_eq!(
            check_create(lead, &new_account("a1x", Some("boss"), "north")),
            Err(Denied::Refused(Refusal::InvalidRole))
        );
        let admin = who("root", Role::Admin, "");
        assert_eq!(
            check_create(admin, &new_account("c1x", Some("compliance"), "")),
            Ok(Role::Compliance)
        );
    }

    #[test]
    fn lists_cover_all_the_store_or_nothing() {
        assert_eq!(list_scope(who("r", Role::Admin, "x")), Some(Stores::All));
        assert_eq!(
            list_scope(who("c", Role::Compliance, "x")),
            Some(Stores::All)
        );
        assert_eq!(
            list_scope(who("l", Role::Lead, "north")),
            Some(Stores::One("north"))
        );
        assert_eq!(list_scope(who("a", Role::Agent, "north")), None);
        assert_eq!(Stores::All.label(), "all");
        assert_eq!(
            (Stores::All.store(), Stores::One("n").store()),
            (None, Some("n"))
        );
        assert_eq!(Stores::One("north").label(), "north");
    }

    #[test]
    fn only_managers_learn_that_an_account_does_not_exist() {
        assert_eq!(
            missing_account(who("l", Role::Lead, "n")),
            Denied::Refused(Refusal::AccountNotFound)
        );
        assert_eq!(
            missing_account(who("r", Role::Admin, "")),
            Denied::Refused(Refusal::AccountNotFound)
        );
        assert_eq!(
            missing_account(who("a", Role::Agent, "n")),
            Denied::Forbidden("change account".into())
        );
        assert_eq!(
            missing_account(who("c", Role::Compliance, "")),
            Denied::Forbidden("change account".into())
        );
    }

    #[test]
    fn no_one_disables_their_own_account_or_changes_their_own_role() {
        let admin = who("root", Role::Admin, "");
        let me = record("root", Role::Admin, "");
        let disable = AccountChange {
            disabled: Some(true),
            ..Default::default()
        };
        assert_eq!(
            plan_change(admin, &me, &disable),
            Err(Denied::Refused(Refusal::OwnAccount))
        );
        let demote = AccountChange {
            role: Some("agent".into()),
            ..Default::default()
        };
        assert_eq!(
            plan_change(admin, &me, &demote),
            Err(Denied::Refused(Refusal::OwnAccount))
        );
        // The same rule does not stop the same change of someone else's account.
        let other = record("root2", Role::Admin, "");
        assert!(plan_change(admin, &other, &disable).is_ok());
        assert!(plan_change(admin, &other, &demote).is_ok());
    }

    #[test]
    fn one_may_still_rename_re_enable_and_re_password_oneself() {
        let admin = who("root", Role::Admin, "");
        let me = record("root", Role::Admin, "");
        let harmless = AccountChange {
            display_name: Some(" Root ".into()),
            role: Some("admin".into()),
            disabled: Some(false),
            password: Some("a new long passphrase".into()),
            ..Default::default()
        };
        let plan = plan_change(admin, &me, &harmless).unwrap();
        assert_eq!(plan.display_name, "Root");
        assert_eq!(plan.role, Role::Admin);
        assert!(!plan.disabled);
        assert!(
            plan.confirm_current,
            "one's own password needs the current one"
        );
        assert_eq!(plan.detail(), "password reset");
        // An admin resetting someone else's password needs no current password.
        let other = record("li", Role::Agent, "north");
        let reset = AccountChange {
            password: Some("a new long passphrase".into()),
            ..Default::default()
        };
        assert!(!plan_change(admin, &other, &reset).unwrap().confirm_current);
    }

    #[test]
    fn a_lead_changes_only_their_stores_agents_and_keeps_them_agents_there() {
        let lead = who("lead", Role::Lead, "north");
        let agent = record("li", Role::Agent, "north");
        let rename = AccountChange {
            display_name: Some("Li".into()),
            ..Default::default()
        };
        assert!(plan_change(lead, &agent, &rename).is_ok());
        let promote = AccountChange {
            role: Some("lead".into()),
            ..Default::default()
        };
        let moved = AccountChange {
            store: Some("south".into()),
            ..Default::default()
        };
        for change in [&promote, &moved] {
            assert_eq!(
                plan_change(lead, &agent, change),
                Err(Denied::Forbidden("change li".into()))
            );
        }
        let elsewhere = record("wang", Role::Agent, "south");
        assert_eq!(
            plan_change(lead, &elsewhere, &rename),
            Err(Denied::Forbidden("change wang".into()))
        );
        // A lead is not an agent: they cannot change themselves at all.
        let own = record("lead", Role::Lead, "north");
        assert_eq!(
            plan_change(lead, &own, &rename),
            Err(Denied::Forbidden("change lead".into()))
        );
    }

    #[test]
    fn bad_values_in_a_change_are_refused() {
        let admin = who("root", Role::Admin, "");
        let agent = record("li", Role::Agent, "north");
        let cases = [
            (
                AccountChange {
                    role: Some("boss".into()),
                    ..Default::default()
                },
                Refusal::InvalidRole,
            ),
            (
                AccountChange {
                    display_name: Some(" ".into()),
                    ..Default::default()
                },
                Refusal::InvalidDisplayName,
            ),
            (
                AccountChange {
                    store: Some("a\u{0}b".into()),
                    ..Default::default()
                },
                Refusal::InvalidStore,
            ),
        ];
        for (change, refusal) in cases {
            assert_eq!(
                plan_change(admin, &agent, &change),
                Err(Denied::Refused(refusal))
            );
        }
        let mut corrupt = agent;
        corrupt.role = "boss".into();
        assert!(matches!(
            plan_change(admin, &corrupt, &AccountChange::default()),
            Err(Denied::Corrupt(_))
        ));
    }

    #[test]
    fn the_audit_detail_lists_what_changed() {
        let admin = who("root", Role::Admin, "");
        let agent = record("li", Role::Agent, "north");
        let all = AccountChange {
            role: Some("lead".into()),
            store: Some(" south ".into()),
            disabled: Some(true),
            password: Some("a new long passphrase".into()),
            unlock: Some(true),
            ..Default::default()
        };
        let plan = plan_change(admin, &agent, &all).unwrap();
        assert_eq!(
            plan.detail(),
            "role agent→lead, store north→south, disabled, password reset, unlocked"
        );
        assert_eq!(plan.store, "south");
        assert!(plan.ends_sessions() && plan.unlock);
        let mut disabled = record("li", Role::Agent, "north");
        disabled.disabled = 1;
        let enable = AccountChange {
            disabled: Some(false),
            ..Default::default()
        };
        let plan = plan_change(admin, &disabled, &enable).unwrap();
        assert_eq!(plan.detail(), "enabled");
        assert!(!plan.ends_sessions());
        // Nothing asked, nothing changed: the same values, an empty detail.
        let plan = plan_change(admin, &agent, &AccountChange::default()).unwrap();
        assert_eq!(plan.detail(), "");
        assert_eq!(
            (plan.display_name.as_str(), plan.role, plan.store.as_str()),
            ("li name", Role::Agent, "north")
        );
        assert!(!plan.ends_sessions() && !plan.unlock && !plan.confirm_current);
        // A disabled account stays disabled (its sessions stay ended) unless re-enabled.
        assert!(
            plan_change(admin, &disabled, &AccountChange::default())
                .unwrap()
                .ends_sessions()
        );
    }

    #[test]
    fn an_account_view_is_locked_only_until_its_lock_runs_out() {
        let mut a = record("li", Role::Agent, "north");
        a.failures = 5;
        a.locked_until_ms = Some(T0 + 1000);
        let view = a.view(T0);
        assert!(view.locked && !view.disabled);
        assert_eq!(
            (view.username.as_str(), view.role.as_str()),
            ("li", "agent")
        );
        assert!(!a.view(T0 + 1000).locked);
        let json = serde_json::to_value(a.view(T0)).unwrap();
        assert!(json.get("password").is_none(), "never the hash: {json}");
        let me = a.me("csrf".into(), T0 + 5);
        assert_eq!((me.csrf.as_str(), me.expires_at_ms), ("csrf", T0 + 5));
    }

    #[test]
    fn a_sign_in_goes_through_the_gate_then_the_password() {
        let mut a = record("li", Role::Agent, "north");
        assert_eq!(sign_in_gate("li", None, T0), SignInGate::Unknown);
        assert_eq!(
            sign_in_gate("li", Some(&a), T0),
            SignInGate::Unknown,
            "a name no account could have is unknown even if a row has it"
        );
        a.username = "li.lei".into();
        assert_eq!(sign_in_gate("li.lei", Some(&a), T0), SignInGate::Verify(&a));
        a.locked_until_ms = Some(T0 + 1);
        assert_eq!(sign_in_gate("li.lei", Some(&a), T0), SignInGate::Locked);
        assert_eq!(
            sign_in_gate("li.lei", Some(&a), T0 + 1),
            SignInGate::Verify(&a),
            "a lock that ran out lets the password be checked"
        );

        assert!(too_long_to_try(&"x".repeat(129)));
        assert!(!too_long_to_try(&"x".repeat(128)));

        assert_eq!(sign_in(&a, false), SignIn::Wrong);
        assert_eq!(
            sign_in(&a, true),
            SignIn::Welcome { rehash: true },
            "an empty or unknown hash is replaced"
        );
        a.password = Phc::new(auth::PBKDF2_ITERATIONS, &[7; 16], &[9; 32]).encode();
        assert_eq!(sign_in(&a, true), SignIn::Welcome { rehash: false });
        a.password = Phc::new(1000, &[7; 16], &[9; 32]).encode();
        assert_eq!(sign_in(&a, true), SignIn::Welcome { rehash: true });
        a.disabled = 1;
        assert_eq!(sign_in(&a, true), SignIn::Disabled);
        assert_eq!(
            sign_in(&a, false),
            SignIn::Wrong,
            "a disabled account says so only to the right password"
        );

        assert_eq!(audit_name(&"名".repeat(40)).chars().count(), 32);
    }
}
