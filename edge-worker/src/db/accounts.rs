//! D1: accounts and sessions. The first admin is inserted by one statement that checks no
//! working admin exists (two bootstraps at once make one admin); a wrong password is counted,
//! and the account locked at the limit, by one statement (parallel wrong passwords all count);
//! a sign-in's reset of the count and its new session land in one batch.

use haoka_edge_core::{
    auth::{self, Role},
    console::accounts::{AccountRecord, ChangePlan},
};
use serde::Deserialize;
use worker::D1Database;

use super::int;
use crate::error::AppError;

/// The account named `username` (exactly as stored).
pub async fn load(db: &D1Database, username: &str) -> Result<Option<AccountRecord>, AppError> {
    Ok(db
        .prepare("SELECT * FROM accounts WHERE username = ?1")
        .bind(&[username.into()])?
        .first::<AccountRecord>(None)
        .await?)
}

/// Every account, or a store's (`Some(store)`), by user name.
pub async fn list(db: &D1Database, store: Option<&str>) -> Result<Vec<AccountRecord>, AppError> {
    let rows = match store {
        None => {
            db.prepare("SELECT * FROM accounts ORDER BY username")
                .all()
                .await?
        }
        Some(store) => {
            db.prepare("SELECT * FROM accounts WHERE store = ?1 ORDER BY username")
                .bind(&[store.into()])?
                .all()
                .await?
        }
    };
    Ok(rows.results::<AccountRecord>()?)
}

/// Whether an admin account that is not disabled exists.
pub async fn working_admin(db: &D1Database) -> Result<bool, AppError> {
    let n: Option<i64> = db
        .prepare("SELECT COUNT(*) AS n FROM accounts WHERE role = 'admin' AND disabled = 0")
        .first(Some("n"))
        .await?;
    Ok(n.unwrap_or(0) > 0)
}

/// A new account's stored values.
pub struct NewRow<'a> {
    /// User name (lower case, checked).
    pub username: &'a str,
    /// Display name (trimmed).
    pub display_name: &'a str,
    /// Role.
    pub role: Role,
    /// Store (trimmed).
    pub store: &'a str,
    /// The password's PHC string.
    pub password: &'a str,
}

/// Insert an account at `now`, in one statement; with `only_first_admin`, only while no
/// working admin exists. Whether a row was inserted (not: the name is taken, or an admin
/// exists).
pub async fn insert(
    db: &D1Database,
    a: &NewRow<'_>,
    now: i64,
    only_first_admin: bool,
) -> Result<bool, AppError> {
    let inserted = db
        .prepare(
            "INSERT INTO accounts (username, display_name, role, store, password, created_at_ms, updated_at_ms) \
             SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?6 WHERE ?7 = 0 OR NOT EXISTS \
             (SELECT 1 FROM accounts WHERE role = 'admin' AND disabled = 0) \
             ON CONFLICT (username) DO NOTHING RETURNING username",
        )
        .bind(&[
            a.username.into(),
            a.display_name.into(),
            a.role.as_str().into(),
            a.store.into(),
            a.password.into(),
            int(now),
            int(i64::from(only_first_admin)),
        ])?
        .first::<serde_json::Value>(None)
        .await?;
    Ok(inserted.is_some())
}

/// One more wrong password at `now`, in one statement: counted afresh once a lock ran out,
/// and the `MAX_FAILURES`th locks the account for `LOCK_MS` (the rule of
/// `auth::Attempts::failed`). Returns the failures in a row.
pub async fn count_failure(db: &D1Database, username: &str, now: i64) -> Result<i64, AppError> {
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

/// Store a change of `username` at `now`, as `plan` decided, with `password` (the PHC string
/// to keep: the new one's, or the old one).
pub async fn update(
    db: &D1Database,
    username: &str,
    plan: &ChangePlan,
    password: &str,
    now: i64,
) -> Result<(), AppError> {
    db.prepare(
        "UPDATE accounts SET display_name = ?1, role = ?2, store = ?3, password = ?4, disabled = ?5, \
         failures = CASE WHEN ?6 THEN 0 ELSE failures END, \
         locked_until_ms = CASE WHEN ?6 THEN NULL ELSE locked_until_ms END, updated_at_ms = ?7 \
         WHERE username = ?8",
    )
    .bind(&[
        plan.display_name.as_str().into(),
        plan.role.as_str().into(),
        plan.store.as_str().into(),
        password.into(),
        int(i64::from(plan.disabled)),
        int(i64::from(plan.unlock)),
        int(now),
        username.into(),
    ])?
    .run()
    .await?;
    Ok(())
}

/// One row of `sessions` (the token itself is stored only as a keyed hash).
#[derive(Debug, Clone, Deserialize)]
pub struct SessionRow {
    /// Keyed hash of the token.
    pub token_hash: String,
    /// Whose.
    pub username: String,
    /// The session's CSRF token.
    pub csrf: String,
    /// Signed in, Unix ms.
    pub created_ms: i64,
    /// Last request, Unix ms.
    pub seen_ms: i64,
}

/// The session whose token hashes to `token_hash`.
pub async fn session(db: &D1Database, token_hash: &str) -> Result<Option<SessionRow>, AppError> {
    Ok(db
        .prepare("SELECT * FROM sessions WHERE token_hash = ?1")
        .bind(&[token_hash.into()])?
        .first::<SessionRow>(None)
        .await?)
}

/// The session's idle clock moves to `seen_ms`.
pub async fn touch_session(
    db: &D1Database,
    token_hash: &str,
    seen_ms: i64,
) -> Result<(), AppError> {
    db.prepare("UPDATE sessions SET seen_ms = ?1 WHERE token_hash = ?2")
        .bind(&[int(seen_ms), token_hash.into()])?
        .run()
        .await?;
    Ok(())
}

/// One session ends.
pub async fn end_session(db: &D1Database, token_hash: &str) -> Result<(), AppError> {
    db.prepare("DELETE FROM sessions WHERE token_hash = ?1")
        .bind(&[token_hash.into()])?
        .run()
        .await?;
    Ok(())
}

/// Every session of `username` ends.
pub async fn end_sessions(db: &D1Database, username: &str) -> Result<(), AppError> {
    db.prepare("DELETE FROM sessions WHERE username = ?1")
        .bind(&[username.into()])?
        .run()
        .await?;
    Ok(())
}

/// A sign-in's new session.
pub struct NewSession<'a> {
    /// Whose.
    pub username: &'a str,
    /// Keyed hash of the token.
    pub token_hash: &'a str,
    /// Its CSRF token.
    pub csrf: &'a str,
    /// Keyed hash of the address it signed in from.
    pub ip_hash: &'a str,
}

/// A good sign-in at `now`, in one batch: the failure count and any lock cleared (and, with
/// `rehash`, the password's new PHC string stored), and the new session.
pub async fn sign_in(
    db: &D1Database,
    s: &NewSession<'_>,
    rehash: Option<&str>,
    now: i64,
) -> Result<(), AppError> {
    let reset = match rehash {
        None => db
            .prepare("UPDATE accounts SET failures = 0, locked_until_ms = NULL WHERE username = ?1")
            .bind(&[s.username.into()])?,
        Some(phc) => db
            .prepare("UPDATE accounts SET failures = 0, locked_until_ms = NULL, password = ?1 WHERE username = ?2")
            .bind(&[phc.into(), s.username.into()])?,
    };
    db.batch(vec![
        reset,
        db.prepare(
            "INSERT INTO sessions (token_hash, username, csrf, created_ms, seen_ms, ip_hash) \
             VALUES (?1, ?2, ?3, ?4, ?4, ?5)",
        )
        .bind(&[
            s.token_hash.into(),
            s.username.into(),
            s.csrf.into(),
            int(now),
            s.ip_hash.into(),
        ])?,
    ])
    .await?;
    Ok(())
}
