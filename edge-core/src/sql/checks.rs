//! The `checks` table and the check prices. A pending check is settled or timed out by one
//! conditional statement (`… WHERE state = 'pending'`), so a notification and a poll that
//! arrive together settle it once.

use haoka_shared::api::console::{CheckBrief, CheckFilter};
use serde::{Deserialize, Serialize};

use super::{Arg, Query, Stmt};
use crate::console::{
    Scope,
    checks::{CheckPatch, CheckRow},
};

/// A check's row.
pub fn load(id: &str) -> Query<CheckRow> {
    Stmt::new("SELECT * FROM checks WHERE id = ?1", [id.into()]).rows()
}

/// A check's sealed inputs (empty once the retention pass cleared them).
#[derive(Debug, Deserialize)]
pub struct Inputs {
    /// Sealed JSON.
    pub inputs_enc: String,
}

/// A check's sealed inputs.
pub fn sealed_inputs(id: &str) -> Query<Inputs> {
    Stmt::new("SELECT inputs_enc FROM checks WHERE id = ?1", [id.into()]).rows()
}

/// A check's price, fen.
#[derive(Debug, Deserialize)]
pub struct Price {
    /// Fen.
    pub fen: i64,
}

/// The price of check `name` (no row: none is set).
pub fn price(name: &str) -> Query<Price> {
    Stmt::new(
        "SELECT fen FROM check_prices WHERE check_name = ?1",
        [name.into()],
    )
    .rows()
}

/// The newest paid answer to `question` settled at or after `since`.
pub fn latest_answer(question: &str, since: i64) -> Query<CheckRow> {
    Stmt::new(
        "SELECT * FROM checks WHERE question_hash = ?1 AND state = 'settled' AND reused_from IS NULL \
         AND settled_at_ms >= ?2 ORDER BY settled_at_ms DESC LIMIT 1",
        [question.into(), since.into()],
    )
    .rows()
}

/// A new check's row, as stored (its field names are the columns).
#[derive(Serialize)]
pub struct NewCheck<'a> {
    /// Id.
    pub id: &'a str,
    /// Case.
    pub case_id: Option<&'a str>,
    /// Agent.
    pub agent: &'a str,
    /// Store.
    pub store: &'a str,
    /// Check name.
    pub check_name: &'a str,
    /// Sealed kept inputs.
    pub inputs_enc: &'a str,
    /// Masked inputs JSON.
    pub inputs_masked: &'a str,
    /// Question hash.
    pub question_hash: &'a str,
    /// ID number hash.
    pub id_hash: Option<&'a str>,
    /// Mobile hash.
    pub phone_hash: Option<&'a str>,
    /// Consent version.
    pub consent_version: &'a str,
    /// Sensitive consent given.
    pub consent_sensitive: bool,
    /// What its outcome writes (state, verdict, sealed result, error, serial, pass mark).
    #[serde(flatten)]
    pub outcome: Settling<'a>,
    /// How it was answered.
    pub via: &'a str,
    /// The answer reused.
    pub reused_from: Option<&'a str>,
    /// Cost, fen.
    pub cost_fen: i64,
    /// Next poll.
    pub next_poll_ms: Option<i64>,
    /// Created.
    pub created_at_ms: i64,
    /// Settled.
    pub settled_at_ms: Option<i64>,
}

/// Store a new check.
pub fn insert(c: &NewCheck<'_>) -> Stmt {
    Stmt::insert("checks", c, "")
}

/// What a check's outcome writes: stored with a new check, or settling a pending one.
#[derive(Serialize)]
pub struct Settling<'a> {
    /// `settled` or `failed`.
    pub state: &'a str,
    /// Verdict.
    pub verdict: Option<&'a str>,
    /// Sealed result.
    #[serde(rename = "result_json")]
    pub result_sealed: Option<&'a str>,
    /// Error code.
    pub error_code: Option<&'a str>,
    /// Error words.
    pub error_message: Option<&'a str>,
    /// Serial number (kept when `None`).
    pub seq_id: Option<&'a str>,
    /// Pass mark judged with.
    pub pass_score: f64,
}

impl<'a> Settling<'a> {
    /// The columns of `patch`, its result sealed as `result_sealed`, judged with `pass_score`.
    pub fn of(patch: &'a CheckPatch, result_sealed: Option<&'a str>, pass_score: f64) -> Self {
        Settling {
            state: patch.state,
            verdict: patch.verdict,
            result_sealed,
            error_code: patch.error_code.as_deref(),
            error_message: patch.error_message.as_deref(),
            seq_id: patch.seq_id.as_deref(),
            pass_score,
        }
    }
}

/// Settle check `id` if it is still pending (a failure costs nothing): a row comes back when
/// it was.
pub fn settle(id: &str, s: &Settling<'_>, now: i64) -> Stmt {
    Stmt::new(
        "UPDATE checks SET state = ?1, verdict = ?2, result_json = ?3, error_code = ?4, \
         seq_id = COALESCE(?5, seq_id), settled_at_ms = ?6, next_poll_ms = NULL, error_message = ?8, \
         pass_score = ?9, cost_fen = CASE WHEN ?1 = 'settled' THEN cost_fen ELSE 0 END \
         WHERE id = ?7 AND state = 'pending' RETURNING id",
        [
            s.state.into(),
            s.verdict.into(),
            s.result_sealed.into(),
            s.error_code.into(),
            s.seq_id.into(),
            now.into(),
            id.into(),
            s.error_message.into(),
            s.pass_score.into(),
        ],
    )
}

/// Time out check `id` if it is still pending (free): a row comes back when it was.
pub fn time_out(id: &str, now: i64) -> Stmt {
    Stmt::new(
        "UPDATE checks SET state = 'timed_out', cost_fen = 0, settled_at_ms = ?1, next_poll_ms = NULL \
         WHERE id = ?2 AND state = 'pending' RETURNING id",
        [now.into(), id.into()],
    )
}

/// Pending checks due for a poll at `now`, oldest due first, at most 20.
pub fn due(now: i64) -> Query<CheckRow> {
    Stmt::new(
        "SELECT * FROM checks WHERE state = 'pending' AND next_poll_ms <= ?1 \
         ORDER BY next_poll_ms LIMIT 20",
        [now.into()],
    )
    .rows()
}

/// One more unanswered poll of a pending check; the next at `at`.
pub fn poll_later(id: &str, at: i64) -> Stmt {
    Stmt::new(
        "UPDATE checks SET polls = polls + 1, next_poll_ms = ?1 WHERE id = ?2 AND state = 'pending'",
        [at.into(), id.into()],
    )
}

/// The newest 100 checks in `scope` that pass `filter`; `q_hashes` are the keyed hashes of
/// the filter's `q` as an ID number and as a mobile.
pub fn list(
    scope: &Scope,
    filter: &CheckFilter,
    q_hashes: Option<(String, String)>,
) -> Query<CheckRow> {
    let mut sql = String::from("SELECT * FROM checks WHERE 1 = 1");
    let mut args: Vec<Arg> = Vec::new();
    let mut add = |clause: &str, v: Arg| {
        args.push(v);
        sql.push_str(&clause.replace('?', &format!("?{}", args.len())));
    };
    match scope {
        Scope::All => {}
        Scope::Store(store) => add(" AND store = ?", store.into()),
        Scope::Agent(agent) => add(" AND agent = ?", agent.into()),
    }
    if let Some(v) = &filter.check {
        add(" AND check_name = ?", v.into());
    }
    if let Some(v) = &filter.verdict {
        add(" AND verdict = ?", v.into());
    }
    if let Some(v) = &filter.agent {
        add(" AND agent = ?", v.into());
    }
    if let Some(v) = filter.from_ms {
        add(" AND created_at_ms >= ?", v.into());
    }
    if let Some(v) = filter.to_ms {
        add(" AND created_at_ms < ?", v.into());
    }
    if let Some((id, phone)) = q_hashes {
        add(" AND (id_hash = ?", id.into());
        add(" OR phone_hash = ?)", phone.into());
    }
    sql.push_str(" ORDER BY created_at_ms DESC LIMIT 100");
    Stmt::new(sql, args).rows()
}

/// A case's checks, newest first.
pub fn of_case(case_id: &str) -> Query<CheckBrief> {
    Stmt::new(
        "SELECT id, check_name, state, verdict, created_at_ms FROM checks WHERE case_id = ?1 \
         ORDER BY created_at_ms DESC",
        [case_id.into()],
    )
    .rows()
}

/// Clear the sealed inputs and results of ended checks run before `cutoff` (at most 500); a
/// row back for each.
pub fn clear_inputs(cutoff: i64) -> Stmt {
    Stmt::new(
        "UPDATE checks SET inputs_enc = '', result_json = NULL WHERE id IN (SELECT id FROM checks \
         WHERE (inputs_enc != '' OR result_json IS NOT NULL) AND state != 'pending' \
         AND created_at_ms < ?1 LIMIT 500) RETURNING id",
        [cutoff.into()],
    )
}

/// Delete ended checks run before `cutoff` (at most 500); a row back for each.
pub fn delete_old(cutoff: i64) -> Stmt {
    Stmt::new(
        "DELETE FROM checks WHERE id IN (SELECT id FROM checks \
         WHERE state != 'pending' AND created_at_ms < ?1 LIMIT 500) RETURNING id",
        [cutoff.into()],
    )
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use crate::sql::sqlite::Db;

    fn pending<'a>(id: &'a str, question: &'a str, at: i64) -> NewCheck<'a> {
        NewCheck {
            id,
            case_id: Some("CS1"),
            agent: "li.agent",
            store: "north",
            check_name: "staticfacecheck",
            inputs_enc: "sealed",
            inputs_masked: "{}",
            question_hash: question,
            id_hash: Some("idh"),
            phone_hash: None,
            consent_version: "v1",
            consent_sensitive: true,
            outcome: Settling {
                state: "pending",
                verdict: None,
                result_sealed: None,
                error_code: None,
                error_message: None,
                seq_id: Some("SEQ1"),
                pass_score: 60.0,
            },
            via: "realme",
            reused_from: None,
            cost_fen: 80,
            next_poll_ms: Some(at + 30_000),
            created_at_ms: at,
            settled_at_ms: None,
        }
    }

    fn settling(state: &str) -> Settling<'_> {
        Settling {
            state,
            verdict: Some("match"),
            result_sealed: Some("sealed-result"),
            error_code: None,
            error_message: None,
            seq_id: None,
            pass_score: 70.0,
        }
    }

    #[test]
    fn a_new_check_is_stored_with_every_column_and_read_back() {
        let db = Db::migrated();
        assert_eq!(db.run(&insert(&pending("CK1", "q1", 1_000))).changes, 1);
        let row = db.first(&load("CK1")).unwrap();
        assert_eq!(
            (
                row.state.as_str(),
                row.seq_id.as_deref(),
                row.cost_fen,
                row.polls
            ),
            ("pending", Some("SEQ1"), 80, 0)
        );
        assert_eq!(row.pass_score, Some(60.0));
        assert_eq!(
            db.first(&sealed_inputs("CK1")).unwrap().inputs_enc,
            "sealed"
        );
        assert_eq!(
            db.rows("SELECT consent_sensitive FROM checks")[0]["consent_sensitive"],
            1
        );
        assert_eq!(db.first(&price("staticfacecheck")).unwrap().fen, 80);
        assert!(db.first(&price("nope")).is_none());
    }

    #[test]
    fn a_pending_check_settles_once_and_a_later_time_out_finds_nothing() {
        let db = Db::migrated();
        db.run(&insert(&pending("CK1", "q1", 1_000)));
        let first = db.run(&settle("CK1", &settling("settled"), 5_000));
        assert_eq!(first.rows.len(), 1, "the first settle wins");
        let again = db.run(&settle("CK1", &settling("failed"), 6_000));
        assert!(
            again.rows.is_empty(),
            "a second notification changes nothing"
        );
        assert!(db.run(&time_out("CK1", 7_000)).rows.is_empty());
        let row = db.first(&load("CK1")).unwrap();
        assert_eq!(
            (
                row.state.as_str(),
                row.verdict.as_deref(),
                row.seq_id.as_deref()
            ),
            ("settled", Some("match"), Some("SEQ1")),
            "the serial number is kept when the settle brings none"
        );
        assert_eq!((row.cost_fen, row.settled_at_ms), (80, Some(5_000)));
        // The answer is reusable from its settle time on.
        assert_eq!(db.first(&latest_answer("q1", 5_000)).unwrap().id, "CK1");
        assert!(db.first(&latest_answer("q1", 5_001)).is_none());
    }

    #[test]
    fn a_failed_or_timed_out_check_costs_nothing() {
        let db = Db::migrated();
        db.run(&insert(&pending("CK1", "q1", 1_000)));
        db.run(&insert(&pending("CK2", "q2", 1_000)));
        assert_eq!(
            db.run(&settle("CK1", &settling("failed"), 2_000))
                .rows
                .len(),
            1
        );
        assert_eq!(db.run(&time_out("CK2", 2_000)).rows.len(), 1);
        for id in ["CK1", "CK2"] {
            assert_eq!(db.first(&load(id)).unwrap().cost_fen, 0, "{id}");
        }
        assert_eq!(db.first(&load("CK2")).unwrap().state, "timed_out");
    }

    #[test]
    fn polls_come_due_in_order_and_move_on() {
        let db = Db::migrated();
        db.run(&insert(&pending("CK1", "q1", 1_000))); // due at 31 000
        db.run(&insert(&pending("CK2", "q2", 0))); // due at 30 000
        assert!(db.all(&due(29_999)).is_empty());
        let ids: Vec<String> = db.all(&due(31_000)).into_iter().map(|r| r.id).collect();
        assert_eq!(ids, ["CK2", "CK1"]);
        db.run(&poll_later("CK2", 90_000));
        let row = db.first(&load("CK2")).unwrap();
        assert_eq!(row.polls, 1);
        assert_eq!(db.all(&due(31_000)).len(), 1);
    }

    #[test]
    fn lists_keep_to_their_scope_and_filter() {
        let db = Db::migrated();
        db.run(&insert(&pending("CK1", "q1", 1_000)));
        let mut other = pending("CK2", "q2", 2_000);
        other.agent = "wang.agent";
        other.store = "south";
        other.id_hash = Some("other");
        db.run(&insert(&other));
        let ids = |scope: &Scope, f: &CheckFilter, q: Option<(String, String)>| -> Vec<String> {
            db.all(&list(scope, f, q))
                .into_iter()
                .map(|r| r.id)
                .collect()
        };
        let all = CheckFilter::default();
        assert_eq!(ids(&Scope::All, &all, None), ["CK2", "CK1"], "newest first");
        assert_eq!(ids(&Scope::Store("north".into()), &all, None), ["CK1"]);
        assert_eq!(ids(&Scope::Agent("wang.agent".into()), &all, None), ["CK2"]);
        let since = CheckFilter {
            from_ms: Some(1_500),
            ..CheckFilter::default()
        };
        assert_eq!(ids(&Scope::All, &since, None), ["CK2"]);
        let q = Some(("idh".to_owned(), "nobody".to_owned()));
        assert_eq!(ids(&Scope::All, &all, q), ["CK1"]);
        assert_eq!(db.all(&of_case("CS1")).len(), 2);
    }

    #[test]
    fn retention_clears_inputs_then_deletes_ended_checks_only() {
        let db = Db::migrated();
        db.run(&insert(&pending("CK1", "q1", 1_000)));
        db.run(&insert(&pending("CK2", "q2", 1_000)));
        db.run(&settle("CK1", &settling("settled"), 2_000));
        assert_eq!(
            db.run(&clear_inputs(5_000)).rows.len(),
            1,
            "CK2 is still pending"
        );
        assert_eq!(db.first(&sealed_inputs("CK1")).unwrap().inputs_enc, "");
        assert!(db.first(&load("CK1")).unwrap().result_json.is_none());
        assert_eq!(db.run(&delete_old(5_000)).rows.len(), 1);
        assert!(db.first(&load("CK1")).is_none());
        assert!(db.first(&load("CK2")).is_some());
    }
}
