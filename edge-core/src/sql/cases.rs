//! The `cases` table. A case closes by one conditional statement (`… WHERE state = 'open'`),
//! so two closings at once close it once.

use serde::Serialize;

use super::{Query, Stmt};
use crate::console::{Scope, cases::CaseRow};

/// A case's row.
pub fn load(id: &str) -> Query<CaseRow> {
    Stmt::new("SELECT * FROM cases WHERE id = ?1", [id.into()]).rows()
}

/// A new case's row, as stored (its field names are the columns).
#[derive(Serialize)]
pub struct NewCase<'a> {
    /// Id.
    pub id: &'a str,
    /// Who opens it.
    pub agent: &'a str,
    /// Their store.
    pub store: &'a str,
    /// Masked subject words.
    pub subject_masked: &'a str,
    /// Sealed subject (may be empty).
    pub subject_enc: &'a str,
    /// What the sealed subject holds.
    pub subject_parts: &'a str,
    /// The order it is about.
    pub order_id: Option<&'a str>,
    /// Opened.
    pub created_at_ms: i64,
    /// Last change (the opening).
    pub updated_at_ms: i64,
}

/// Store a new case.
pub fn insert(c: &NewCase<'_>) -> Stmt {
    Stmt::insert("cases", c, "")
}

/// The newest 100 cases in `scope`, in `state` if given.
pub fn list(scope: &Scope, state: Option<&str>) -> Query<CaseRow> {
    let (clause, key) = match scope {
        Scope::All => ("1 = 1 OR ?1 = ?1", ""),
        Scope::Store(store) => ("store = ?1", store.as_str()),
        Scope::Agent(agent) => ("agent = ?1", agent.as_str()),
    };
    Stmt::new(
        format!(
            "SELECT * FROM cases WHERE ({clause}) AND (?2 IS NULL OR state = ?2) \
             ORDER BY created_at_ms DESC LIMIT 100"
        ),
        [key.into(), state.into()],
    )
    .rows()
}

/// Close case `id` if it is still open: a row comes back when it was.
pub fn close(id: &str, decision: &str, reason: &str, by: &str, now: i64) -> Stmt {
    Stmt::new(
        "UPDATE cases SET state = ?1, reason = ?2, closed_by = ?3, updated_at_ms = ?4 \
         WHERE id = ?5 AND state = 'open' RETURNING id",
        [
            decision.into(),
            reason.into(),
            by.into(),
            now.into(),
            id.into(),
        ],
    )
}

/// Clear the sealed subjects of cases opened before `cutoff` (at most 500); a row back for
/// each.
pub fn clear_subjects(cutoff: i64) -> Stmt {
    Stmt::new(
        "UPDATE cases SET subject_enc = '', subject_parts = '' WHERE id IN (SELECT id FROM cases \
         WHERE subject_enc != '' AND created_at_ms < ?1 LIMIT 500) RETURNING id",
        [cutoff.into()],
    )
}

/// Delete closed cases unchanged since before `cutoff` (at most 500); a row back for each.
pub fn delete_closed(cutoff: i64) -> Stmt {
    Stmt::new(
        "DELETE FROM cases WHERE id IN (SELECT id FROM cases \
         WHERE state != 'open' AND updated_at_ms < ?1 LIMIT 500) RETURNING id",
        [cutoff.into()],
    )
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use crate::sql::sqlite::Db;

    fn case<'a>(id: &'a str, agent: &'a str, store: &'a str, at: i64) -> NewCase<'a> {
        NewCase {
            id,
            agent,
            store,
            subject_masked: "张* 110101********2906",
            subject_enc: "sealed",
            subject_parts: "name,id_number",
            order_id: None,
            created_at_ms: at,
            updated_at_ms: at,
        }
    }

    #[test]
    fn a_case_is_stored_listed_by_scope_and_state_and_closed_once() {
        let db = Db::migrated();
        db.run(&insert(&case("CS1", "li.agent", "north", 1_000)));
        db.run(&insert(&case("CS2", "wang.agent", "south", 2_000)));
        let row = db.first(&load("CS1")).unwrap();
        assert_eq!((row.state.as_str(), row.created_at_ms), ("open", 1_000));
        let ids = |scope: &Scope, state: Option<&str>| -> Vec<String> {
            db.all(&list(scope, state))
                .into_iter()
                .map(|r| r.id)
                .collect()
        };
        assert_eq!(ids(&Scope::All, None), ["CS2", "CS1"]);
        assert_eq!(ids(&Scope::Store("north".into()), None), ["CS1"]);
        assert_eq!(ids(&Scope::Agent("wang.agent".into()), None), ["CS2"]);
        assert_eq!(
            db.run(&close("CS1", "approved", "ok", "zhao.lead", 3_000))
                .rows
                .len(),
            1
        );
        assert!(
            db.run(&close("CS1", "rejected", "late", "qian.lead", 4_000))
                .rows
                .is_empty(),
            "a second closing changes nothing"
        );
        let row = db.first(&load("CS1")).unwrap();
        assert_eq!((row.state.as_str(), row.updated_at_ms), ("approved", 3_000));
        assert_eq!(ids(&Scope::All, Some("open")), ["CS2"]);
    }

    #[test]
    fn retention_clears_subjects_then_deletes_closed_cases_only() {
        let db = Db::migrated();
        db.run(&insert(&case("CS1", "li.agent", "north", 1_000)));
        db.run(&insert(&case("CS2", "li.agent", "north", 1_000)));
        db.run(&close("CS1", "approved", "", "zhao.lead", 2_000));
        assert_eq!(db.run(&clear_subjects(1_001)).rows.len(), 2);
        assert_eq!(db.run(&clear_subjects(1_001)).rows.len(), 0, "once");
        assert_eq!(
            db.rows("SELECT subject_enc FROM cases WHERE id = 'CS2'")[0]["subject_enc"],
            ""
        );
        assert_eq!(
            db.run(&delete_closed(1_999)).rows.len(),
            0,
            "closed at 2 000"
        );
        assert_eq!(db.run(&delete_closed(2_001)).rows.len(), 1);
        assert!(db.first(&load("CS1")).is_none());
        assert!(db.first(&load("CS2")).is_some(), "an open case stays");
    }
}
