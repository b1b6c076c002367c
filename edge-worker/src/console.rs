//! The agent console's accounts and sessions (rules in `haoka_edge_core::auth`): the first
//! admin (created with the operator token), sign-in with lockout and per-IP throttling, the
//! session cookie and its CSRF token, sign-out (here and everywhere), and account management
//! by admins and leads. Every permission is checked here, per request, from the account's row
//! (a role change counts at once); a refusal is a 403 and an audit entry.

use haoka_edge_core::{
    auth::{
        self, Attempts, CSRF_HEADER, Lifetimes, PasswordError, Permission, Role, Session,
        SessionEnd,
    },
    crypto, handoff,
};
use haoka_shared::refusal::Refusal;
use serde::{Deserialize, Serialize};
use worker::{D1Database, Env, Request, Response};

use crate::{
    admin, audit,
    body::read_json,
    config::{Config, DB, now_ms, random},
    error::AppError,
    passwords, ratelimit,
    store::int,
};

/// Console JSON bodies are small.
const MAX_JSON_BYTES: usize = 4096;

/// A user name: 3–32 of `a-z 0-9 . _ -` (lower-cased first).
fn username_ok(name: &str) -> bool {
    (3..=32).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-".contains(&b))
}

fn check_display_name(name: &str) -> Result<(), AppError> {
    let n = name.trim().chars().count();
    if n == 0 || n > 40 || name.chars().any(char::is_control) {
        return Err(Refusal::InvalidDisplayName.into());
    }
    Ok(())
}

fn check_store(store: &str) -> Result<(), AppError> {
    if store.chars().count() > 40 || store.chars().any(char::is_control) {
        return Err(Refusal::InvalidStore.into());
    }
    Ok(())
}

/// One row of `accounts`.
#[derive(Debug, Clone, Deserialize)]
struct AccountRow {
    username: String,
    display_name: String,
    role: String,
    store: String,
    password: String,
    disabled: i64,
    failures: i64,
    locked_until_ms: Option<i64>,
    created_at_ms: i64,
}

impl AccountRow {
    fn role(&self) -> Result<Role, AppError> {
        Role::parse(&self.role).ok_or_else(|| {
            AppError::Internal(format!("account {} has role {}", self.username, self.role))
        })
    }

    fn view(&self) -> AccountView {
        AccountView {
            username: self.username.clone(),
            display_name: self.display_name.clone(),
            role: self.role.clone(),
            store: self.store.clone(),
            disabled: self.disabled != 0,
            locked: Attempts {
                failures: self.failures,
                locked_until_ms: self.locked_until_ms,
            }
            .locked(now_ms()),
            created_at_ms: self.created_at_ms,
        }
    }
}

/// An account as the console shows it (never its password hash).
#[derive(Serialize)]
struct AccountView {
    username: String,
    display_name: String,
    role: String,
    store: String,
    disabled: bool,
    locked: bool,
    created_at_ms: i64,
}

/// Who is signed in, and the session's CSRF token.
#[derive(Serialize)]
struct Me {
    username: String,
    display_name: String,
    role: String,
    store: String,
    csrf: String,
    expires_at_ms: i64,
}

/// The signed-in account behind a request.
pub struct Actor {
    /// User name.
    pub username: String,
    /// Role, as of this request.
    pub role: Role,
    /// Store.
    pub store: String,
    display_name: String,
    csrf: String,
    token_hash: String,
    expires_at_ms: i64,
}

impl Actor {
    fn me(&self) -> Me {
        Me {
            username: self.username.clone(),
            display_name: self.display_name.clone(),
            role: self.role.as_str().into(),
            store: self.store.clone(),
            csrf: self.csrf.clone(),
            expires_at_ms: self.expires_at_ms,
        }
    }
}

async fn load_account(db: &D1Database, username: &str) -> Result<Option<AccountRow>, AppError> {
    Ok(db
        .prepare("SELECT * FROM accounts WHERE username = ?1")
        .bind(&[username.into()])?
        .first::<AccountRow>(None)
        .await?)
}

fn token_hash(cfg: &Config, token: &str) -> String {
    crypto::lookup_hash(&cfg.lookup_key, "session", token)
}

#[derive(Deserialize)]
struct SessionRow {
    token_hash: String,
    username: String,
    csrf: String,
    created_ms: i64,
    seen_ms: i64,
}

/// The signed-in account, or 401. The session's idle clock moves on.
pub async fn actor(req: &Request, env: &Env, cfg: &Config) -> Result<Actor, AppError> {
    let cookies = req.headers().get("cookie")?.unwrap_or_default();
    let token = auth::token_from_cookies(&cookies)
        .filter(|t| handoff::token_shape_ok(t, handoff::TOKEN_BYTES))
        .ok_or(Refusal::NotSignedIn)?;
    let db = env.d1(DB)?;
    let row = db
        .prepare("SELECT * FROM sessions WHERE token_hash = ?1")
        .bind(&[token_hash(cfg, token).into()])?
        .first::<SessionRow>(None)
        .await?
        .ok_or(Refusal::NotSignedIn)?;
    let now = now_ms();
    let session = Session {
        created_ms: row.created_ms,
        seen_ms: row.seen_ms,
    };
    let live = match session.check(now, cfg.session_life) {
        Ok(live) => live,
        Err(end) => {
            db.prepare("DELETE FROM sessions WHERE token_hash = ?1")
                .bind(&[row.token_hash.as_str().into()])?
                .run()
                .await?;
            return Err(match end {
                SessionEnd::Idle => Refusal::SessionIdle,
                SessionEnd::Absolute => Refusal::SessionExpired,
            }
            .into());
        }
    };
    let account = load_account(&db, &row.username)
        .await?
        .ok_or(Refusal::NotSignedIn)?;
    if account.disabled != 0 {
        return Err(Refusal::NotSignedIn.into());
    }
    db.prepare("UPDATE sessions SET seen_ms = ?1 WHERE token_hash = ?2")
        .bind(&[int(live.seen_ms), row.token_hash.as_str().into()])?
        .run()
        .await?;
    Ok(Actor {
        role: account.role()?,
        username: account.username,
        store: account.store,
        display_name: account.display_name,
        csrf: row.csrf,
        token_hash: row.token_hash,
        expires_at_ms: live.created_ms + cfg.session_life.absolute_ms,
    })
}

/// The signed-in account, for a state-changing call: also the CSRF token and the origin.
pub async fn actor_for_change(req: &Request, env: &Env, cfg: &Config) -> Result<Actor, AppError> {
    let who = actor(req, env, cfg).await?;
    let header = req.headers().get(CSRF_HEADER)?;
    let origin = req.headers().get("origin")?;
    if !auth::csrf_ok(
        &who.csrf,
        header.as_deref(),
        origin.as_deref(),
        &cfg.public_base,
    ) {
        audit::note(
            &env.d1(DB)?,
            &cfg.audit_key,
            &who.username,
            "csrf_refused",
            &req.path(),
            "",
        )
        .await;
        return Err(Refusal::Csrf.into());
    }
    Ok(who)
}

/// Refuse (403, audited) unless `who` may do `what`.
pub async fn require(
    env: &Env,
    cfg: &Config,
    req: &Request,
    who: &Actor,
    what: Permission,
) -> Result<(), AppError> {
    if who.role.can(what) {
        return Ok(());
    }
    Err(forbidden(env, cfg, req, who, &format!("{what:?}")).await)
}

/// The 403 for `who` on this request, written to the audit log first.
pub async fn forbidden(
    env: &Env,
    cfg: &Config,
    req: &Request,
    who: &Actor,
    detail: &str,
) -> AppError {
    let target = format!("{} {}", req.method(), req.path());
    match env.d1(DB) {
        Ok(db) => {
            audit::note(
                &db,
                &cfg.audit_key,
                &who.username,
                "forbidden",
                &target,
                detail,
            )
            .await
        }
        Err(e) => return e.into(),
    }
    AppError::Refused(Refusal::Forbidden)
}

#[derive(Deserialize)]
struct NewAccount {
    username: String,
    display_name: String,
    password: String,
    #[serde(default)]
    role: Option<String>,
    #[serde(default)]
    store: String,
}

/// Which condition an account is inserted under.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Insert {
    /// Any new name.
    Any,
    /// The first admin: only while no working admin exists, decided in the same statement
    /// (two bootstraps at once make one admin).
    OnlyAdmin,
}

/// Whether an admin account that is not disabled exists.
async fn working_admin(db: &D1Database) -> Result<bool, AppError> {
    let n: Option<i64> = db
        .prepare("SELECT COUNT(*) AS n FROM accounts WHERE role = 'admin' AND disabled = 0")
        .first(Some("n"))
        .await?;
    Ok(n.unwrap_or(0) > 0)
}

/// Insert an account; `None` when `Insert::OnlyAdmin` found a working admin already.
async fn insert_account(
    db: &D1Database,
    a: &NewAccount,
    role: Role,
    when: Insert,
) -> Result<Option<AccountRow>, AppError> {
    let username = a.username.trim().to_lowercase();
    if !username_ok(&username) {
        return Err(Refusal::InvalidUsername.into());
    }
    check_display_name(&a.display_name)?;
    check_store(&a.store)?;
    auth::check_password(&a.password, &username).map_err(PasswordError::refusal)?;
    if when == Insert::OnlyAdmin && working_admin(db).await? {
        // The cheap early answer; the insert below decides for certain.
        return Ok(None);
    }
    if load_account(db, &username).await?.is_some() {
        return Err(Refusal::AccountExists.into());
    }
    let phc = passwords::hash(&a.password).await?;
    let now = now_ms();
    let only_first = i64::from(when == Insert::OnlyAdmin);
    let inserted = db
        .prepare(
            "INSERT INTO accounts (username, display_name, role, store, password, created_at_ms, updated_at_ms) \
             SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?6 WHERE ?7 = 0 OR NOT EXISTS \
             (SELECT 1 FROM accounts WHERE role = 'admin' AND disabled = 0) \
             ON CONFLICT (username) DO NOTHING RETURNING username",
        )
        .bind(&[
            username.as_str().into(),
            a.display_name.trim().into(),
            role.as_str().into(),
            a.store.trim().into(),
            phc.into(),
            int(now),
            int(only_first),
        ])?
        .first::<serde_json::Value>(None)
        .await?;
    if inserted.is_none() {
        if when == Insert::OnlyAdmin && working_admin(db).await? {
            return Ok(None);
        }
        return Err(Refusal::AccountExists.into());
    }
    load_account(db, &username)
        .await?
        .ok_or_else(|| AppError::Internal("account vanished".into()))
        .map(Some)
}

/// `POST /api/console/bootstrap` (operator bearer): the first admin, once.
pub async fn bootstrap(mut req: Request, env: &Env, cfg: &Config) -> Result<Response, AppError> {
    admin::authorise(&req, cfg)?;
    let body: NewAccount = read_json(&mut req, MAX_JSON_BYTES).await?;
    let db = env.d1(DB)?;
    let row = insert_account(&db, &body, Role::Admin, Insert::OnlyAdmin)
        .await?
        .ok_or(Refusal::BootstrapDone)?;
    audit::append(
        &db,
        &cfg.audit_key,
        "operator",
        "account_create",
        &row.username,
        "role=admin (first admin)",
    )
    .await?;
    Ok(Response::from_json(&row.view())?.with_status(201))
}

/// One more wrong password, in one statement: counted afresh once a lock ran out, and the
/// `MAX_FAILURES`th locks the account for `LOCK_MS` (the rule of `auth::Attempts::failed`).
/// Returns the failures in a row.
async fn count_failure(db: &D1Database, username: &str, now: i64) -> Result<i64, AppError> {
    #[derive(Deserialize)]
    struct Row {
        failures: i64,
    }
    let row = db
        .prepare(
            "UPDATE accounts SET \
             failures = CASE WHEN locked_until_ms IS NOT NULL AND locked_until_ms <= ?2 THEN 1 ELSE failures + 1 END, \
             locked_until_ms = CASE \
                 WHEN (CASE WHEN locked_until_ms IS NOT NULL AND locked_until_ms <= ?2 THEN 1 ELSE failures + 1 END) >= ?3 THEN ?4 \
                 WHEN locked_until_ms IS NOT NULL AND locked_until_ms > ?2 THEN locked_until_ms \
                 ELSE NULL END \
             WHERE username = ?1 RETURNING failures",
        )
        .bind(&[
            username.into(),
            int(now),
            int(auth::MAX_FAILURES),
            int(now + auth::LOCK_MS),
        ])?
        .first::<Row>(None)
        .await?;
    Ok(row.map_or(0, |r| r.failures))
}

#[derive(Deserialize)]
struct Login {
    username: String,
    password: String,
}

/// `POST /api/console/login`: JSON from this origin only (login CSRF), throttled per address
/// (audited once per address and minute), the failure count kept by one atomic statement (so
/// parallel wrong passwords all count), and one answer for a wrong password, an unknown name
/// and a locked account, after the same work.
pub async fn login(mut req: Request, env: &Env, cfg: &Config) -> Result<Response, AppError> {
    let db = env.d1(DB)?;
    let headers = req.headers();
    if !auth::login_request_ok(
        headers.get("content-type")?.as_deref(),
        headers.get("origin")?.as_deref(),
        headers.get("sec-fetch-site")?.as_deref(),
        &cfg.public_base,
    ) {
        return Err(Refusal::LoginRefused.into());
    }
    if let Err(e) = ratelimit::check(&req, env, cfg, "login", cfg.logins_per_minute).await {
        let ip = ratelimit::address_hash(&req, cfg)?;
        if ratelimit::first_in_window(env, "login_throttled", &ip).await? {
            audit::note(
                &db,
                &cfg.audit_key,
                "anonymous",
                "login_throttled",
                "",
                "per-address limit",
            )
            .await;
        }
        return Err(match e {
            AppError::Refused(r) if r.status() == 429 => Refusal::LoginThrottled.into(),
            other => other,
        });
    }
    let body: Login = read_json(&mut req, MAX_JSON_BYTES).await?;
    let username = body.username.trim().to_lowercase();
    let now = now_ms();
    // One answer (`bad_credentials`) for a wrong password, an unknown name and a locked account
    // alike, after the same work: the sign-in form tells no one which names exist or are locked.
    let Some(account) = load_account(&db, &username)
        .await?
        .filter(|_| username_ok(&username))
    else {
        // The same work as a real check, so the answer's timing does not tell who exists.
        passwords::verify(&body.password, "").await?;
        audit::note(
            &db,
            &cfg.audit_key,
            "anonymous",
            "login_failed",
            &username.chars().take(32).collect::<String>(),
            "no such account",
        )
        .await;
        return Err(Refusal::BadCredentials.into());
    };
    let attempts = Attempts {
        failures: account.failures,
        locked_until_ms: account.locked_until_ms,
    };
    if attempts.locked(now) {
        // The same work and the same answer as a wrong password.
        passwords::verify(&body.password, "").await?;
        audit::note(
            &db,
            &cfg.audit_key,
            &username,
            "login_locked",
            &username,
            "",
        )
        .await;
        return Err(Refusal::BadCredentials.into());
    }
    if body.password.chars().count() > auth::PASSWORD_CHARS.1
        || !passwords::verify(&body.password, &account.password).await?
    {
        let failures = count_failure(&db, &username, now).await?;
        let detail = format!("failures={failures}");
        audit::note(
            &db,
            &cfg.audit_key,
            &username,
            "login_failed",
            &username,
            &detail,
        )
        .await;
        return Err(Refusal::BadCredentials.into());
    }
    if account.disabled != 0 {
        audit::note(
            &db,
            &cfg.audit_key,
            &username,
            "login_disabled",
            &username,
            "",
        )
        .await;
        return Err(Refusal::AccountDisabled.into());
    }
    let mut reset = db
        .prepare("UPDATE accounts SET failures = 0, locked_until_ms = NULL WHERE username = ?1")
        .bind(&[username.as_str().into()])?;
    if auth::Phc::parse(&account.password).is_none_or(|p| p.needs_rehash()) {
        reset = db
            .prepare("UPDATE accounts SET failures = 0, locked_until_ms = NULL, password = ?1 WHERE username = ?2")
            .bind(&[passwords::hash(&body.password).await?.into(), username.as_str().into()])?;
    }
    let token = handoff::token(&random::<{ handoff::TOKEN_BYTES }>()?);
    let csrf = handoff::token(&random::<16>()?);
    db.batch(vec![
        reset,
        db.prepare(
            "INSERT INTO sessions (token_hash, username, csrf, created_ms, seen_ms, ip_hash) \
             VALUES (?1, ?2, ?3, ?4, ?4, ?5)",
        )
        .bind(&[
            token_hash(cfg, &token).into(),
            username.as_str().into(),
            csrf.as_str().into(),
            int(now),
            ratelimit::address_hash(&req, cfg)?.into(),
        ])?,
    ])
    .await?;
    audit::append(&db, &cfg.audit_key, &username, "login", &username, "").await?;
    let life: Lifetimes = cfg.session_life;
    let session = Session {
        created_ms: now,
        seen_ms: now,
    };
    let me = Me {
        username: account.username.clone(),
        display_name: account.display_name.clone(),
        role: account.role.clone(),
        store: account.store.clone(),
        csrf,
        expires_at_ms: now + life.absolute_ms,
    };
    let mut resp = Response::from_json(&me)?;
    resp.headers_mut().set(
        "set-cookie",
        &auth::session_cookie(&token, session.max_age_s(now, life)),
    )?;
    Ok(resp)
}

/// `GET /api/console/me`.
pub async fn me(req: &Request, env: &Env, cfg: &Config) -> Result<Response, AppError> {
    Ok(Response::from_json(&actor(req, env, cfg).await?.me())?)
}

fn signed_out() -> Result<Response, AppError> {
    let mut resp = Response::empty()?.with_status(204);
    resp.headers_mut()
        .set("set-cookie", &auth::clear_cookie())?;
    Ok(resp)
}

/// `POST /api/console/logout`: this session ends, server-side.
pub async fn logout(req: &Request, env: &Env, cfg: &Config) -> Result<Response, AppError> {
    let who = actor_for_change(req, env, cfg).await?;
    let db = env.d1(DB)?;
    db.prepare("DELETE FROM sessions WHERE token_hash = ?1")
        .bind(&[who.token_hash.as_str().into()])?
        .run()
        .await?;
    audit::append(
        &db,
        &cfg.audit_key,
        &who.username,
        "logout",
        &who.username,
        "",
    )
    .await?;
    signed_out()
}

/// `POST /api/console/logout-all`: every session of this account ends.
pub async fn logout_all(req: &Request, env: &Env, cfg: &Config) -> Result<Response, AppError> {
    let who = actor_for_change(req, env, cfg).await?;
    let db = env.d1(DB)?;
    end_sessions(&db, &who.username).await?;
    audit::append(
        &db,
        &cfg.audit_key,
        &who.username,
        "logout_all",
        &who.username,
        "",
    )
    .await?;
    signed_out()
}

async fn end_sessions(db: &D1Database, username: &str) -> Result<(), AppError> {
    db.prepare("DELETE FROM sessions WHERE username = ?1")
        .bind(&[username.into()])?
        .run()
        .await?;
    Ok(())
}

/// `GET /api/console/accounts`: admins and compliance see all, leads their store's.
pub async fn list_accounts(req: &Request, env: &Env, cfg: &Config) -> Result<Response, AppError> {
    let who = actor(req, env, cfg).await?;
    let db = env.d1(DB)?;
    let rows = if who.role.can(Permission::ManageAccounts) || who.role.can(Permission::ReadAll) {
        db.prepare("SELECT * FROM accounts ORDER BY username")
            .all()
            .await?
    } else if who.role.can(Permission::ManageStoreAgents) {
        db.prepare("SELECT * FROM accounts WHERE store = ?1 ORDER BY username")
            .bind(&[who.store.as_str().into()])?
            .all()
            .await?
    } else {
        return Err(forbidden(env, cfg, req, &who, "list accounts").await);
    };
    let accounts: Vec<AccountView> = rows
        .results::<AccountRow>()?
        .iter()
        .map(AccountRow::view)
        .collect();
    Ok(Response::from_json(
        &serde_json::json!({ "accounts": accounts }),
    )?)
}

/// Whether `who` may create or change an account of `role` in `store`.
fn may_manage(who: &Actor, role: Role, store: &str) -> bool {
    who.role.can(Permission::ManageAccounts)
        || (who.role.can(Permission::ManageStoreAgents)
            && role == Role::Agent
            && store == who.store)
}

/// `POST /api/console/accounts`: admins create any account, leads agents of their store.
pub async fn create_account(
    mut req: Request,
    env: &Env,
    cfg: &Config,
) -> Result<Response, AppError> {
    let who = actor_for_change(&req, env, cfg).await?;
    let body: NewAccount = read_json(&mut req, MAX_JSON_BYTES).await?;
    let role = match body.role.as_deref() {
        None => Role::Agent,
        Some(r) => Role::parse(r).ok_or(Refusal::InvalidRole)?,
    };
    if !may_manage(&who, role, body.store.trim()) {
        return Err(forbidden(
            env,
            cfg,
            &req,
            &who,
            &format!("create {} in {}", role.as_str(), body.store),
        )
        .await);
    }
    let db = env.d1(DB)?;
    let row = insert_account(&db, &body, role, Insert::Any)
        .await?
        .ok_or(Refusal::AccountExists)?;
    let detail = format!("role={} store={}", row.role, row.store);
    audit::append(
        &db,
        &cfg.audit_key,
        &who.username,
        "account_create",
        &row.username,
        &detail,
    )
    .await?;
    Ok(Response::from_json(&row.view())?.with_status(201))
}

#[derive(Deserialize)]
struct AccountChange {
    #[serde(default)]
    display_name: Option<String>,
    #[serde(default)]
    role: Option<String>,
    #[serde(default)]
    store: Option<String>,
    #[serde(default)]
    disabled: Option<bool>,
    #[serde(default)]
    password: Option<String>,
    /// One's own current password, needed to change it.
    #[serde(default)]
    current_password: Option<String>,
    /// Clear a lockout.
    #[serde(default)]
    unlock: Option<bool>,
}

/// `POST /api/console/accounts/{username}`: change, disable or re-enable, reset the password.
pub async fn change_account(
    mut req: Request,
    env: &Env,
    cfg: &Config,
    username: &str,
) -> Result<Response, AppError> {
    let who = actor_for_change(&req, env, cfg).await?;
    let body: AccountChange = read_json(&mut req, MAX_JSON_BYTES).await?;
    let db = env.d1(DB)?;
    let Some(account) = load_account(&db, username).await? else {
        // Only those who may manage someone learn whether an account exists.
        if who.role.can(Permission::ManageAccounts) || who.role.can(Permission::ManageStoreAgents) {
            return Err(Refusal::AccountNotFound.into());
        }
        return Err(forbidden(env, cfg, &req, &who, "change account").await);
    };
    let old_role = account.role()?;
    let new_role = match body.role.as_deref() {
        None => old_role,
        Some(r) => Role::parse(r).ok_or(Refusal::InvalidRole)?,
    };
    let new_store = body
        .store
        .as_deref()
        .map_or(account.store.as_str(), str::trim)
        .to_owned();
    if !may_manage(&who, old_role, &account.store) || !may_manage(&who, new_role, &new_store) {
        return Err(forbidden(env, cfg, &req, &who, &format!("change {username}")).await);
    }
    if who.username == account.username && (body.disabled == Some(true) || new_role != old_role) {
        return Err(Refusal::OwnAccount.into());
    }
    let display_name = match &body.display_name {
        Some(n) => {
            check_display_name(n)?;
            n.trim().to_owned()
        }
        None => account.display_name.clone(),
    };
    check_store(&new_store)?;
    if body.password.is_some() && who.username == account.username {
        let current = body.current_password.as_deref().unwrap_or("");
        if !passwords::verify(current, &account.password).await? {
            audit::note(
                &db,
                &cfg.audit_key,
                &who.username,
                "password_change_refused",
                &who.username,
                "",
            )
            .await;
            return Err(Refusal::CurrentPasswordRequired.into());
        }
    }
    let password = match &body.password {
        Some(p) => {
            auth::check_password(p, &account.username).map_err(PasswordError::refusal)?;
            passwords::hash(p).await?
        }
        None => account.password.clone(),
    };
    let disabled = body.disabled.map_or(account.disabled != 0, |d| d);
    let unlock = body.unlock == Some(true);
    db.prepare(
        "UPDATE accounts SET display_name = ?1, role = ?2, store = ?3, password = ?4, disabled = ?5, \
         failures = CASE WHEN ?6 THEN 0 ELSE failures END, \
         locked_until_ms = CASE WHEN ?6 THEN NULL ELSE locked_until_ms END, updated_at_ms = ?7 \
         WHERE username = ?8",
    )
    .bind(&[
        display_name.into(),
        new_role.as_str().into(),
        new_store.as_str().into(),
        password.into(),
        int(i64::from(disabled)),
        int(i64::from(unlock)),
        int(now_ms()),
        account.username.as_str().into(),
    ])?
    .run()
    .await?;
    // A disabled account or a new password ends every session of the account.
    if disabled || body.password.is_some() {
        end_sessions(&db, &account.username).await?;
    }
    let mut changes = Vec::new();
    if new_role != old_role {
        changes.push(format!("role {}→{}", old_role.as_str(), new_role.as_str()));
    }
    if new_store != account.store {
        changes.push(format!("store {}→{new_store}", account.store));
    }
    if disabled != (account.disabled != 0) {
        changes.push(if disabled {
            "disabled".into()
        } else {
            "enabled".into()
        });
    }
    if body.password.is_some() {
        changes.push("password reset".into());
    }
    if unlock {
        changes.push("unlocked".into());
    }
    audit::append(
        &db,
        &cfg.audit_key,
        &who.username,
        "account_change",
        &account.username,
        &changes.join(", "),
    )
    .await?;
    let row = load_account(&db, &account.username)
        .await?
        .ok_or(Refusal::AccountNotFound)?;
    Ok(Response::from_json(&row.view())?)
}

#[derive(Serialize)]
struct AuditView {
    seq: i64,
    at_ms: i64,
    actor: String,
    action: String,
    target: String,
    detail: String,
}

/// `GET /api/console/audit?before=seq`: the newest 100 entries (before `before`), and whether
/// the chain holds for them (verified from the nearest checkpoint, and against the head kept
/// in R2).
pub async fn audit_log(req: &Request, env: &Env, cfg: &Config) -> Result<Response, AppError> {
    let who = actor(req, env, cfg).await?;
    require(env, cfg, req, &who, Permission::ReadAudit).await?;
    let db = env.d1(DB)?;
    let before = req
        .url()?
        .query_pairs()
        .find(|(k, _)| k == "before")
        .and_then(|(_, v)| v.parse::<i64>().ok())
        .unwrap_or(i64::MAX);
    let page = audit::page(env, &db, &cfg.audit_key, before).await?;
    let chain = page.chain;
    let entries: Vec<AuditView> = page
        .rows
        .into_iter()
        .map(|r| AuditView {
            seq: r.seq,
            at_ms: r.at_ms,
            actor: r.actor,
            action: r.action,
            target: r.target,
            detail: r.detail,
        })
        .collect();
    Ok(Response::from_json(&serde_json::json!({
        "entries": entries,
        "chain_ok": chain.is_ok(),
        "first_bad_seq": chain.err(),
    }))?)
}
