//! The `accounts` and `sessions` tables. The first admin is inserted by one statement that
//! checks no working admin exists (two bootstraps at once make one admin); a wrong password is
//! counted, and the account locked at the limit, by one statement (parallel wrong passwords
//! all count); a sign-in's reset of the count and its new session land in one batch.

use serde::Deserialize;

use super::{Count, Done, Query, Stmt};
use crate::{
    auth::{self, Role},
    console::accounts::{AccountRecord, ChangePlan},
};

/// The account named `username` (exactly as stored).
pub fn load(username: &str) -> Query<AccountRecord> {
    Stmt::new(
        "SELECT * FROM accounts WHERE username = ?1",
        [username.into()],
    )
    .rows()
}

/// Every account, or a store's (`Some(store)`), by user name.
pub fn list(store: Option<&str>) -> Query<AccountRecord> {
    match store {
        None => Stmt::new("SELECT * FROM accounts ORDER BY username", []),
        Some(store) => Stmt::new(
            "SELECT * FROM accounts WHERE store = ?1 ORDER BY username",
            [store.into()],
        ),
    }
    .rows()
}

/// How many admin accounts that are not disabled exist (a working admin exists when `n > 0`).
pub fn working_admins() -> Query<Count> {
    Stmt::new(
        "SELECT COUNT(*) AS n FROM accounts WHERE role = 'admin' AND disabled = 0",
        [],
    )
    .rows()
}

/// Whether [`working_admins`]' count says a working admin exists (no row: none).
pub fn any_working(count: Option<Count>) -> bool {
    count.map_or(0, |c| c.n) > 0
}

/// A new account's stored values.
#[derive(Debug, Clone, Copy)]
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
/// working admin exists. A row comes back when it was inserted ([`inserted`]); none when the
/// name is taken or an admin exists.
pub fn insert(a: &NewRow<'_>, now: i64, only_first_admin: bool) -> Stmt {
    Stmt::new(
        "INSERT INTO accounts (username, display_name, role, store, password, created_at_ms, updated_at_ms) \
         SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?6 WHERE ?7 = 0 OR NOT EXISTS \
         (SELECT 1 FROM accounts WHERE role = 'admin' AND disabled = 0) \
         ON CONFLICT (username) DO NOTHING RETURNING username",
        [
            a.username.into(),
            a.display_name.into(),
            a.role.as_str().into(),
            a.store.into(),
            a.password.into(),
            now.into(),
            only_first_admin.into(),
        ],
    )
}

/// Whether [`insert`] inserted the account (its `RETURNING` row came back).
pub fn inserted(done: &Done) -> bool {
    !done.rows.is_empty()
}

/// Wrong passwords in a row, as [`count_failure`] returns them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub struct Failures {
    /// Wrong passwords in a row.
    pub failures: i64,
}

/// One more wrong password of `username` at `now`, in one statement: counted afresh once a
/// lock ran out, and the `MAX_FAILURES`th locks the account for `LOCK_MS` (the rule of
/// `auth::Attempts::failed`). Its row is the failures in a row (none: no such account).
pub fn count_failure(username: &str, now: i64) -> Query<Failures> {
    Stmt::new(
        "UPDATE accounts SET \
         failures = CASE WHEN locked_until_ms IS NOT NULL AND locked_until_ms <= ?2 THEN 1 ELSE failures + 1 END, \
         locked_until_ms = CASE \
             WHEN (CASE WHEN locked_until_ms IS NOT NULL AND locked_until_ms <= ?2 THEN 1 ELSE failures + 1 END) >= ?3 THEN ?4 \
             WHEN locked_until_ms IS NOT NULL AND locked_until_ms > ?2 THEN locked_until_ms \
             ELSE NULL END \
         WHERE username = ?1 RETURNING failures",
        [
            username.into(),
            now.into(),
            auth::MAX_FAILURES.into(),
            (now + auth::LOCK_MS).into(),
        ],
    )
    .rows()
}

/// Store a change of `username` at `now`, as `plan` decided, with `password` (the PHC string
/// to keep: the new one's, or the old one).
pub fn update(username: &str, plan: &ChangePlan, password: &str, now: i64) -> Stmt {
    Stmt::new(
        "UPDATE accounts SET display_name = ?1, role = ?2, store = ?3, password = ?4, disabled = ?5, \
         failures = CASE WHEN ?6 THEN 0 ELSE failures END, \
         locked_until_ms = CASE WHEN ?6 THEN NULL ELSE locked_until_ms END, updated_at_ms = ?7 \
         WHERE username = ?8",
        [
            plan.display_name.as_str().into(),
            plan.role.as_str().into(),
            plan.store.as_str().into(),
            password.into(),
            plan.disabled.into(),
            plan.unlock.into(),
            now.into(),
            username.into(),
        ],
    )
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
pub fn session(token_hash: &str) -> Query<SessionRow> {
    Stmt::new(
        "SELECT * FROM sessions WHERE token_hash = ?1",
        [token_hash.into()],
    )
    .rows()
}

/// The session's idle clock moves to `seen_ms`.
pub fn touch_session(token_hash: &str, seen_ms: i64) -> Stmt {
    Stmt::new(
        "UPDATE sessions SET seen_ms = ?1 WHERE token_hash = ?2",
        [seen_ms.into(), token_hash.into()],
    )
}

/// One session ends.
pub fn end_session(token_hash: &str) -> Stmt {
    Stmt::new(
        "DELETE FROM sessions WHERE token_hash = ?1",
        [token_hash.into()],
    )
}

/// Every session of `username` ends.
pub fn end_sessions(username: &str) -> Stmt {
    Stmt::new(
        "DELETE FROM sessions WHERE username = ?1",
        [username.into()],
    )
}

/// A sign-in's new session.
#[derive(Debug, Clone, Copy)]
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

/// A good sign-in at `now`, to run as one batch: the failure count and any lock cleared (and,
/// with `rehash`, the password's new PHC string stored), and the new session.
pub fn sign_in(s: &NewSession<'_>, rehash: Option<&str>, now: i64) -> Vec<Stmt> {
    let reset = match rehash {
        None => Stmt::new(
            "UPDATE accounts SET failures = 0, locked_until_ms = NULL WHERE username = ?1",
            [s.username.into()],
        ),
        Some(phc) => Stmt::new(
            "UPDATE accounts SET failures = 0, locked_until_ms = NULL, password = ?1 WHERE username = ?2",
            [phc.into(), s.username.into()],
        ),
    };
    vec![
        reset,
        Stmt::new(
            "INSERT INTO sessions (token_hash, username, csrf, created_ms, seen_ms, ip_hash) \
             VALUES (?1, ?2, ?3, ?4, ?4, ?5)",
            [
                s.token_hash.into(),
                s.username.into(),
                s.csrf.into(),
                now.into(),
                s.ip_hash.into(),
            ],
        ),
    ]
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use crate::{auth::Attempts, sql::sqlite::Db};

    const T0: i64 = 1_800_000_000_000;

    fn row<'a>(username: &'a str, role: Role, store: &'a str) -> NewRow<'a> {
        NewRow {
            username,
            display_name: "Wang Li",
            role,
            store,
            password: "$pbkdf2-sha256$i=1,l=32$salt$hash",
        }
    }

    fn add(db: &Db, username: &str, role: Role, store: &str) -> bool {
        inserted(&db.run(&insert(&row(username, role, store), T0, false)))
    }

    fn plan(unlock: bool) -> ChangePlan {
        ChangePlan {
            display_name: "Li Wang".into(),
            role: Role::Lead,
            store: "south".into(),
            disabled: true,
            unlock,
            new_password: None,
            confirm_current: false,
            changes: vec![],
        }
    }

    fn session_of<'a>(username: &'a str, token_hash: &'a str) -> NewSession<'a> {
        NewSession {
            username,
            token_hash,
            csrf: "csrf",
            ip_hash: "iph",
        }
    }

    #[test]
    fn an_account_is_inserted_and_read_back_and_a_taken_name_is_refused() {
        let db = Db::migrated();
        assert!(add(&db, "wang", Role::Agent, "north"));
        let a = db.first(&load("wang")).unwrap();
        assert_eq!(
            (a.display_name.as_str(), a.role(), a.store.as_str()),
            ("Wang Li", Some(Role::Agent), "north")
        );
        assert_eq!(
            (a.disabled, a.failures, a.locked_until_ms, a.created_at_ms),
            (0, 0, None, T0)
        );
        assert_eq!(
            db.rows("SELECT updated_at_ms FROM accounts")[0]["updated_at_ms"],
            T0
        );
        assert!(!add(&db, "wang", Role::Admin, "south"), "the name is taken");
        assert_eq!(db.first(&load("wang")).unwrap().role, "agent", "kept");
        assert!(db.first(&load("Wang")).is_none(), "names match exactly");
    }

    #[test]
    fn the_first_admin_insert_refuses_a_second_admin_while_one_works() {
        let mut db = Db::migrated();
        assert!(!any_working(db.first(&working_admins())));
        let first = insert(&row("root", Role::Admin, ""), T0, true);
        let second = insert(&row("root2", Role::Admin, ""), T0, true);
        // Two bootstraps at once: one batch each, the second after the first.
        let done = db.batch(&[first, second.clone()]).unwrap();
        assert!(inserted(&done[0]));
        assert!(!inserted(&done[1]), "a working admin exists");
        assert!(db.first(&load("root2")).is_none());
        assert!(any_working(db.first(&working_admins())));
        // Any other insert is not held back by the admin.
        assert!(add(&db, "wang", Role::Agent, "north"));
        // A disabled admin does not count: the first-admin insert lands again.
        db.exec("UPDATE accounts SET disabled = 1 WHERE username = 'root'");
        assert!(!any_working(db.first(&working_admins())));
        assert!(inserted(&db.run(&second)));
        assert_eq!(db.first(&working_admins()).unwrap().n, 1);
    }

    #[test]
    fn wrong_passwords_count_lock_at_the_limit_and_count_afresh_after_the_lock() {
        let db = Db::migrated();
        add(&db, "wang", Role::Agent, "north");
        let mut rule = Attempts {
            failures: 0,
            locked_until_ms: None,
        };
        let mut check = |now: i64| {
            let failures = db.first(&count_failure("wang", now)).unwrap().failures;
            rule = rule.failed(now);
            let a = db.first(&load("wang")).unwrap();
            assert_eq!(failures, a.failures);
            assert_eq!(a.attempts(), rule, "at {now}: the rule of Attempts::failed");
            a
        };
        for i in 1..auth::MAX_FAILURES {
            let a = check(T0 + i);
            assert_eq!((a.failures, a.locked_until_ms), (i, None));
        }
        let locked_at = T0 + auth::MAX_FAILURES;
        let a = check(locked_at);
        assert_eq!(a.locked_until_ms, Some(locked_at + auth::LOCK_MS), "locked");
        // While locked, failures still count and the lock is kept (or renewed at the limit).
        let a = check(locked_at + 1);
        assert_eq!(a.failures, auth::MAX_FAILURES + 1);
        assert!(a.attempts().locked(locked_at + 2));
        // Once the lock ran out, counting starts afresh and the lock goes.
        let later = a.locked_until_ms.unwrap();
        let a = check(later);
        assert_eq!((a.failures, a.locked_until_ms), (1, None));
        assert!(db.first(&count_failure("nobody", T0)).is_none());
    }

    #[test]
    fn a_change_is_stored_and_unlocks_only_when_asked() {
        let db = Db::migrated();
        add(&db, "wang", Role::Agent, "north");
        for i in 0..auth::MAX_FAILURES {
            db.first(&count_failure("wang", T0 + i));
        }
        assert_eq!(
            db.run(&update("wang", &plan(false), "newphc", T0 + 10))
                .changes,
            1
        );
        let a = db.first(&load("wang")).unwrap();
        assert_eq!(
            (
                a.display_name.as_str(),
                a.role.as_str(),
                a.store.as_str(),
                a.password.as_str(),
                a.disabled
            ),
            ("Li Wang", "lead", "south", "newphc", 1)
        );
        assert_eq!(a.failures, auth::MAX_FAILURES, "not unlocked");
        assert!(a.locked_until_ms.is_some());
        assert_eq!(
            db.rows("SELECT updated_at_ms FROM accounts")[0]["updated_at_ms"],
            T0 + 10
        );
        db.run(&update("wang", &plan(true), "newphc", T0 + 20));
        let a = db.first(&load("wang")).unwrap();
        assert_eq!((a.failures, a.locked_until_ms), (0, None), "unlocked");
        assert_eq!(db.run(&update("nobody", &plan(true), "x", T0)).changes, 0);
    }

    #[test]
    fn accounts_list_all_or_by_store_by_name() {
        let db = Db::migrated();
        add(&db, "zhao", Role::Agent, "north");
        add(&db, "li", Role::Lead, "north");
        add(&db, "wang", Role::Agent, "south");
        let names = |store: Option<&str>| -> Vec<String> {
            db.all(&list(store))
                .into_iter()
                .map(|a| a.username)
                .collect()
        };
        assert_eq!(names(None), ["li", "wang", "zhao"]);
        assert_eq!(names(Some("north")), ["li", "zhao"]);
        assert_eq!(names(Some("south")), ["wang"]);
        assert!(names(Some("east")).is_empty());
    }

    #[test]
    fn a_sign_in_clears_the_count_and_starts_a_session_in_one_batch() {
        let mut db = Db::migrated();
        add(&db, "wang", Role::Agent, "north");
        for i in 0..auth::MAX_FAILURES {
            db.first(&count_failure("wang", T0 + i));
        }
        db.batch(&sign_in(&session_of("wang", "tok1"), None, T0 + 100))
            .unwrap();
        let a = db.first(&load("wang")).unwrap();
        assert_eq!((a.failures, a.locked_until_ms), (0, None));
        assert_eq!(a.password, "$pbkdf2-sha256$i=1,l=32$salt$hash", "kept");
        let s = db.first(&session("tok1")).unwrap();
        assert_eq!(
            (
                s.username.as_str(),
                s.csrf.as_str(),
                s.created_ms,
                s.seen_ms
            ),
            ("wang", "csrf", T0 + 100, T0 + 100)
        );
        assert_eq!(db.rows("SELECT ip_hash FROM sessions")[0]["ip_hash"], "iph");
        // With a rehash, the new PHC string is stored too.
        db.batch(&sign_in(
            &session_of("wang", "tok2"),
            Some("rehashed"),
            T0 + 200,
        ))
        .unwrap();
        assert_eq!(db.first(&load("wang")).unwrap().password, "rehashed");
        // The same token twice: the batch fails and its reset does not land either.
        db.first(&count_failure("wang", T0 + 300));
        assert!(
            db.batch(&sign_in(
                &session_of("wang", "tok2"),
                Some("other"),
                T0 + 400
            ))
            .is_err()
        );
        let a = db.first(&load("wang")).unwrap();
        assert_eq!(
            (a.failures, a.password.as_str()),
            (1, "rehashed"),
            "all or none"
        );
    }

    #[test]
    fn sessions_are_touched_and_end_one_or_all_of_a_users() {
        let mut db = Db::migrated();
        add(&db, "wang", Role::Agent, "north");
        add(&db, "li", Role::Agent, "north");
        for (user, tok) in [("wang", "w1"), ("wang", "w2"), ("wang", "w3"), ("li", "l1")] {
            db.batch(&sign_in(&session_of(user, tok), None, T0))
                .unwrap();
        }
        assert_eq!(db.run(&touch_session("w1", T0 + 5)).changes, 1);
        let s = db.first(&session("w1")).unwrap();
        assert_eq!((s.created_ms, s.seen_ms), (T0, T0 + 5));
        assert_eq!(
            db.first(&session("w2")).unwrap().seen_ms,
            T0,
            "only that one"
        );
        assert_eq!(db.run(&end_session("w1")).changes, 1);
        assert!(db.first(&session("w1")).is_none());
        assert!(db.first(&session("w2")).is_some());
        assert_eq!(db.run(&end_sessions("wang")).changes, 2);
        assert!(db.first(&session("w2")).is_none() && db.first(&session("w3")).is_none());
        assert!(db.first(&session("l1")).is_some(), "another user's is kept");
    }
}
