//! The agent console's accounts and sessions (rules in `haoka_edge_core::auth`, decisions in
//! `haoka_edge_core::console::accounts`, statements in `haoka_edge_core::sql::accounts`): the
//! first admin (created with the operator token), sign-in with lockout and per-IP throttling,
//! the session cookie and its CSRF token, sign-out (here and everywhere), and account
//! management by admins and leads. Every permission is checked per request, from the account's
//! row (a role change counts at once); a refusal is a 403 and an audit entry.

use haoka_edge_core::{
    auth::{self, CSRF_HEADER, PasswordError, Permission, Role, Session},
    console::accounts::{self, AccountRecord, Denied, SignIn, SignInGate, Who},
    crypto, handoff,
    sql::accounts::{self as sql, NewRow, NewSession},
};
use haoka_shared::{
    api::console::{AccountChange, Accounts, Audit, AuditEntry, Login, Me, NewAccount},
    refusal::Refusal,
};

use crate::{
    Config, audit,
    body::read_json,
    error::AppError,
    http::{Incoming, Reply},
    passwords,
    platform::{Platform, random},
    ratelimit,
};

/// Console JSON bodies are small.
const MAX_JSON_BYTES: usize = 4096;

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
    /// The account as the core's decisions take it.
    pub fn who(&self) -> Who<'_> {
        Who {
            username: &self.username,
            role: self.role,
            store: &self.store,
        }
    }

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

/// The account's role; a row with a role no one has is an internal error.
fn role_of(a: &AccountRecord) -> Result<Role, AppError> {
    a.role()
        .ok_or_else(|| AppError::Internal(format!("account {} has role {}", a.username, a.role)))
}

fn token_hash(cfg: &Config, token: &str) -> String {
    crypto::lookup_hash(&cfg.lookup_key, "session", token)
}

/// The signed-in account, or 401. The session's idle clock moves on.
pub async fn actor(req: &Incoming, p: &impl Platform, cfg: &Config) -> Result<Actor, AppError> {
    let cookies = req.header("cookie").unwrap_or_default();
    let token = auth::token_from_cookies(&cookies)
        .filter(|t| handoff::token_shape_ok(t, handoff::TOKEN_BYTES))
        .ok_or(Refusal::NotSignedIn)?;
    let row = p
        .one(sql::session(&token_hash(cfg, token)))
        .await?
        .ok_or(Refusal::NotSignedIn)?;
    let session = Session {
        created_ms: row.created_ms,
        seen_ms: row.seen_ms,
    };
    let live = match session.check(p.now_ms(), cfg.session_life) {
        Ok(live) => live,
        Err(end) => {
            p.run(sql::end_session(&row.token_hash)).await?;
            return Err(end.refusal().into());
        }
    };
    let account = p
        .one(sql::load(&row.username))
        .await?
        .filter(|a| !a.is_disabled())
        .ok_or(Refusal::NotSignedIn)?;
    p.run(sql::touch_session(&row.token_hash, live.seen_ms))
        .await?;
    Ok(Actor {
        role: role_of(&account)?,
        username: account.username,
        store: account.store,
        display_name: account.display_name,
        csrf: row.csrf,
        token_hash: row.token_hash,
        expires_at_ms: live.expires_at_ms(cfg.session_life),
    })
}

/// The signed-in account, for a state-changing call: also the CSRF token and the origin.
pub async fn actor_for_change(
    req: &Incoming,
    p: &impl Platform,
    cfg: &Config,
) -> Result<Actor, AppError> {
    let who = actor(req, p, cfg).await?;
    let header = req.header(CSRF_HEADER);
    let origin = req.header("origin");
    if !auth::csrf_ok(
        &who.csrf,
        header.as_deref(),
        origin.as_deref(),
        &cfg.public_base,
    ) {
        audit::note(
            p,
            &cfg.audit_key,
            &who.username,
            "csrf_refused",
            &req.path.clone(),
            "",
        )
        .await;
        return Err(Refusal::Csrf.into());
    }
    Ok(who)
}

/// Refuse (403, audited) unless `who` may do `what`.
pub async fn require(
    p: &impl Platform,
    cfg: &Config,
    req: &Incoming,
    who: &Actor,
    what: Permission,
) -> Result<(), AppError> {
    if who.role.can(what) {
        return Ok(());
    }
    Err(forbidden(p, cfg, req, who, &format!("{what:?}")).await)
}

/// The 403 for `who` on this request, written to the audit log first.
pub async fn forbidden(
    p: &impl Platform,
    cfg: &Config,
    req: &Incoming,
    who: &Actor,
    detail: &str,
) -> AppError {
    let target = format!("{} {}", req.method.as_str(), req.path);
    let key = &cfg.audit_key;
    audit::note(p, key, &who.username, "forbidden", &target, detail).await;
    AppError::Refused(Refusal::Forbidden)
}

/// The error for a decision that refused: a forbidden one is audited first.
async fn denied(
    p: &impl Platform,
    cfg: &Config,
    req: &Incoming,
    who: &Actor,
    d: Denied,
) -> AppError {
    match d {
        Denied::Refused(r) => r.into(),
        Denied::Forbidden(detail) => forbidden(p, cfg, req, who, &detail).await,
        Denied::Corrupt(why) => AppError::Internal(why),
    }
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

/// Insert an account; `None` when `Insert::OnlyAdmin` found a working admin already.
async fn insert_account(
    p: &impl Platform,
    a: &NewAccount,
    role: Role,
    when: Insert,
) -> Result<Option<AccountRecord>, AppError> {
    let valid = accounts::check_new(a)?;
    let only_admin = when == Insert::OnlyAdmin;
    if only_admin && sql::any_working(p.one(sql::working_admins()).await?) {
        // The cheap early answer; the insert below decides for certain.
        return Ok(None);
    }
    if p.one(sql::load(&valid.username)).await?.is_some() {
        return Err(Refusal::AccountExists.into());
    }
    let phc = passwords::hash(p, &a.password).await?;
    let row = NewRow {
        username: &valid.username,
        display_name: &valid.display_name,
        role,
        store: &valid.store,
        password: &phc,
    };
    if !sql::inserted(&p.run(sql::insert(&row, p.now_ms(), only_admin)).await?) {
        if only_admin && sql::any_working(p.one(sql::working_admins()).await?) {
            return Ok(None);
        }
        return Err(Refusal::AccountExists.into());
    }
    p.one(sql::load(&valid.username))
        .await?
        .ok_or_else(|| AppError::Internal("account vanished".into()))
        .map(Some)
}

/// `POST /api/console/bootstrap` (operator bearer): the first admin, once.
pub async fn bootstrap(req: &Incoming, p: &impl Platform, cfg: &Config) -> Result<Reply, AppError> {
    crate::operator::authorise(req, cfg)?;
    let body: NewAccount = read_json(p, MAX_JSON_BYTES).await?;
    let row = insert_account(p, &body, Role::Admin, Insert::OnlyAdmin)
        .await?
        .ok_or(Refusal::BootstrapDone)?;
    audit::append(
        p,
        &cfg.audit_key,
        "operator",
        "account_create",
        &row.username,
        "role=admin (first admin)",
    )
    .await?;
    Ok(Reply::json(&row.view(p.now_ms()))?.with_status(201))
}

/// `POST /api/console/login`: JSON from this origin only (login CSRF), throttled per address
/// (audited once per address and minute), the failure count kept by one atomic statement (so
/// parallel wrong passwords all count), and one answer for a wrong password, an unknown name
/// and a locked account, after the same work.
pub async fn login(req: &Incoming, p: &impl Platform, cfg: &Config) -> Result<Reply, AppError> {
    let key = &cfg.audit_key;
    if !auth::login_request_ok(
        req.header("content-type").as_deref(),
        req.header("origin").as_deref(),
        req.header("sec-fetch-site").as_deref(),
        &cfg.public_base,
    ) {
        return Err(Refusal::LoginRefused.into());
    }
    if let Err(e) = ratelimit::check(req, p, cfg, "login", cfg.logins_per_minute).await {
        let ip = ratelimit::address_hash(req, cfg)?;
        if ratelimit::first_in_window(p, "login_throttled", &ip).await? {
            let detail = "per-address limit";
            audit::note(p, key, "anonymous", "login_throttled", "", detail).await;
        }
        return Err(match e {
            AppError::Refused(r) if r.status() == 429 => Refusal::LoginThrottled.into(),
            other => other,
        });
    }
    let body: Login = read_json(p, MAX_JSON_BYTES).await?;
    let username = accounts::normalise_username(&body.username);
    let now = p.now_ms();
    // One answer (`bad_credentials`) for a wrong password, an unknown name and a locked account
    // alike, after the same work: the sign-in form tells no one which names exist or are locked.
    let loaded = p.one(sql::load(&username)).await?;
    let account = match accounts::sign_in_gate(&username, loaded.as_ref(), now) {
        SignInGate::Verify(account) => account,
        SignInGate::Unknown => {
            // The same work as a real check, so the answer's timing does not tell who exists.
            passwords::verify(p, &body.password, "").await?;
            let target = accounts::audit_name(&username);
            audit::note(
                p,
                key,
                "anonymous",
                "login_failed",
                &target,
                "no such account",
            )
            .await;
            return Err(Refusal::BadCredentials.into());
        }
        SignInGate::Locked => {
            // The same work and the same answer as a wrong password.
            passwords::verify(p, &body.password, "").await?;
            audit::note(p, key, &username, "login_locked", &username, "").await;
            return Err(Refusal::BadCredentials.into());
        }
    };
    let matched = !accounts::too_long_to_try(&body.password)
        && passwords::verify(p, &body.password, &account.password).await?;
    let rehash = match accounts::sign_in(account, matched) {
        SignIn::Welcome { rehash } => rehash,
        SignIn::Wrong => {
            let failures = p
                .one(sql::count_failure(&username, now))
                .await?
                .map_or(0, |r| r.failures);
            let detail = format!("failures={failures}");
            audit::note(p, key, &username, "login_failed", &username, &detail).await;
            return Err(Refusal::BadCredentials.into());
        }
        SignIn::Disabled => {
            audit::note(p, key, &username, "login_disabled", &username, "").await;
            return Err(Refusal::AccountDisabled.into());
        }
    };
    let new_hash = if rehash {
        Some(passwords::hash(p, &body.password).await?)
    } else {
        None
    };
    let token = handoff::token(&random::<{ handoff::TOKEN_BYTES }>(p)?);
    let csrf = handoff::token(&random::<16>(p)?);
    let started = NewSession {
        username: &username,
        token_hash: &token_hash(cfg, &token),
        csrf: &csrf,
        ip_hash: &ratelimit::address_hash(req, cfg)?,
    };
    p.atomically(sql::sign_in(&started, new_hash.as_deref(), now))
        .await?;
    audit::append(p, key, &username, "login", &username, "").await?;
    let session = Session {
        created_ms: now,
        seen_ms: now,
    };
    let life = cfg.session_life;
    let cookie = auth::session_cookie(&token, session.max_age_s(now, life));
    Ok(Reply::json(&account.me(csrf, session.expires_at_ms(life)))?
        .with_header("set-cookie", &cookie))
}

/// `GET /api/console/me`.
pub async fn me(req: &Incoming, p: &impl Platform, cfg: &Config) -> Result<Reply, AppError> {
    Reply::json(&actor(req, p, cfg).await?.me())
}

fn signed_out() -> Result<Reply, AppError> {
    Ok(Reply::empty().with_header("set-cookie", &auth::clear_cookie()))
}

/// `POST /api/console/logout`: this session ends, server-side.
pub async fn logout(req: &Incoming, p: &impl Platform, cfg: &Config) -> Result<Reply, AppError> {
    let who = actor_for_change(req, p, cfg).await?;
    p.run(sql::end_session(&who.token_hash)).await?;
    let name = &who.username;
    audit::append(p, &cfg.audit_key, name, "logout", name, "").await?;
    signed_out()
}

/// `POST /api/console/logout-all`: every session of this account ends.
pub async fn logout_all(
    req: &Incoming,
    p: &impl Platform,
    cfg: &Config,
) -> Result<Reply, AppError> {
    let who = actor_for_change(req, p, cfg).await?;
    p.run(sql::end_sessions(&who.username)).await?;
    let name = &who.username;
    audit::append(p, &cfg.audit_key, name, "logout_all", name, "").await?;
    signed_out()
}

/// `GET /api/console/accounts`: admins and compliance see all, leads their store's.
pub async fn list_accounts(
    req: &Incoming,
    p: &impl Platform,
    cfg: &Config,
) -> Result<Reply, AppError> {
    let who = actor(req, p, cfg).await?;
    let Some(scope) = accounts::list_scope(who.who()) else {
        return Err(forbidden(p, cfg, req, &who, "list accounts").await);
    };
    let rows = p.rows(sql::list(scope.store())).await?;
    let now = p.now_ms();
    let accounts = rows.iter().map(|a| a.view(now)).collect();
    Reply::json(&Accounts { accounts })
}

/// `POST /api/console/accounts`: admins create any account, leads agents of their store.
pub async fn create_account(
    req: &Incoming,
    p: &impl Platform,
    cfg: &Config,
) -> Result<Reply, AppError> {
    let who = actor_for_change(req, p, cfg).await?;
    let body: NewAccount = read_json(p, MAX_JSON_BYTES).await?;
    let role = match accounts::check_create(who.who(), &body) {
        Ok(role) => role,
        Err(d) => return Err(denied(p, cfg, req, &who, d).await),
    };
    let row = insert_account(p, &body, role, Insert::Any)
        .await?
        .ok_or(Refusal::AccountExists)?;
    let detail = format!("role={} store={}", row.role, row.store);
    audit::append(
        p,
        &cfg.audit_key,
        &who.username,
        "account_create",
        &row.username,
        &detail,
    )
    .await?;
    Ok(Reply::json(&row.view(p.now_ms()))?.with_status(201))
}

/// `POST /api/console/accounts/{username}`: change, disable or re-enable, reset the password.
pub async fn change_account(
    req: &Incoming,
    p: &impl Platform,
    cfg: &Config,
    username: &str,
) -> Result<Reply, AppError> {
    let who = actor_for_change(req, p, cfg).await?;
    let body: AccountChange = read_json(p, MAX_JSON_BYTES).await?;
    let Some(account) = p.one(sql::load(username)).await? else {
        let d = accounts::missing_account(who.who());
        return Err(denied(p, cfg, req, &who, d).await);
    };
    let plan = match accounts::plan_change(who.who(), &account, &body) {
        Ok(plan) => plan,
        Err(d) => return Err(denied(p, cfg, req, &who, d).await),
    };
    if plan.confirm_current {
        let current = body.current_password.as_deref().unwrap_or("");
        if !passwords::verify(p, current, &account.password).await? {
            let name = &who.username;
            audit::note(p, &cfg.audit_key, name, "password_change_refused", name, "").await;
            return Err(Refusal::CurrentPasswordRequired.into());
        }
    }
    let password = match &plan.new_password {
        Some(new) => {
            auth::check_password(new, &account.username).map_err(PasswordError::refusal)?;
            passwords::hash(p, new).await?
        }
        None => account.password.clone(),
    };
    p.run(sql::update(&account.username, &plan, &password, p.now_ms()))
        .await?;
    // A disabled account or a new password ends every session of the account.
    if plan.ends_sessions() {
        p.run(sql::end_sessions(&account.username)).await?;
    }
    audit::append(
        p,
        &cfg.audit_key,
        &who.username,
        "account_change",
        &account.username,
        &plan.detail(),
    )
    .await?;
    let row = p
        .one(sql::load(&account.username))
        .await?
        .ok_or(Refusal::AccountNotFound)?;
    Reply::json(&row.view(p.now_ms()))
}

/// `GET /api/console/audit?before=seq`: the newest 100 entries (before `before`), and whether
/// the chain holds for them (verified from the nearest checkpoint, and against the head kept
/// in R2).
pub async fn audit_log(req: &Incoming, p: &impl Platform, cfg: &Config) -> Result<Reply, AppError> {
    let who = actor(req, p, cfg).await?;
    require(p, cfg, req, &who, Permission::ReadAudit).await?;
    let before = req
        .param("before")
        .and_then(|v| v.parse::<i64>().ok())
        .unwrap_or(i64::MAX);
    let page = audit::page(p, &cfg.audit_key, before).await?;
    let entries = page
        .rows
        .into_iter()
        .map(|r| AuditEntry {
            seq: r.entry.seq,
            at_ms: r.entry.at_ms,
            actor: r.entry.actor,
            action: r.entry.action,
            target: r.entry.target,
            detail: r.entry.detail,
        })
        .collect();
    Reply::json(&Audit {
        entries,
        chain_ok: page.chain.is_ok(),
        first_bad_seq: page.chain.err(),
    })
}
