//! D1: the `checks` table and the check prices. A pending check is settled or timed out by
//! one conditional statement (`… WHERE state = 'pending'`), so a notification and a poll that
//! arrive together settle it once.

use haoka_edge_core::console::{
    Scope,
    checks::{CheckPatch, CheckRow},
};
use haoka_shared::api::console::{CheckBrief, CheckFilter};
use wasm_bindgen::JsValue;
use worker::D1Database;

use super::{int, opt, opt_int, returned_count};
use crate::error::AppError;

/// A check's row.
pub async fn load(db: &D1Database, id: &str) -> Result<Option<CheckRow>, AppError> {
    Ok(db
        .prepare("SELECT * FROM checks WHERE id = ?1")
        .bind(&[id.into()])?
        .first::<CheckRow>(None)
        .await?)
}

/// A check's sealed inputs (empty once the retention pass cleared them).
pub async fn sealed_inputs(db: &D1Database, id: &str) -> Result<Option<String>, AppError> {
    Ok(db
        .prepare("SELECT inputs_enc FROM checks WHERE id = ?1")
        .bind(&[id.into()])?
        .first::<String>(Some("inputs_enc"))
        .await?)
}

/// The price of a check, fen (0 when none is set).
pub async fn price(db: &D1Database, name: &str) -> Result<i64, AppError> {
    let fen: Option<i64> = db
        .prepare("SELECT fen FROM check_prices WHERE check_name = ?1")
        .bind(&[name.into()])?
        .first(Some("fen"))
        .await?;
    Ok(fen.unwrap_or(0))
}

/// The newest paid answer to `question` settled at or after `since`.
pub async fn latest_answer(
    db: &D1Database,
    question: &str,
    since: i64,
) -> Result<Option<CheckRow>, AppError> {
    Ok(db
        .prepare(
            "SELECT * FROM checks WHERE question_hash = ?1 AND state = 'settled' AND reused_from IS NULL \
             AND settled_at_ms >= ?2 ORDER BY settled_at_ms DESC LIMIT 1",
        )
        .bind(&[question.into(), int(since)])?
        .first::<CheckRow>(None)
        .await?)
}

/// A new check's row, as stored.
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
pub async fn insert(db: &D1Database, c: &NewCheck<'_>) -> Result<(), AppError> {
    db.prepare(
        "INSERT INTO checks (id, case_id, agent, store, check_name, inputs_enc, inputs_masked, question_hash, \
         id_hash, phone_hash, consent_version, consent_sensitive, state, verdict, result_json, error_code, seq_id, \
         via, reused_from, cost_fen, next_poll_ms, created_at_ms, settled_at_ms, error_message, pass_score) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22, ?23, ?24, ?25)",
    )
    .bind(&[
        c.id.into(),
        opt(c.case_id),
        c.agent.into(),
        c.store.into(),
        c.check_name.into(),
        c.inputs_enc.into(),
        c.inputs_masked.into(),
        c.question_hash.into(),
        opt(c.id_hash),
        opt(c.phone_hash),
        c.consent_version.into(),
        int(i64::from(c.consent_sensitive)),
        c.outcome.state.into(),
        opt(c.outcome.verdict),
        opt(c.outcome.result_sealed),
        opt(c.outcome.error_code),
        opt(c.outcome.seq_id),
        c.via.into(),
        opt(c.reused_from),
        int(c.cost_fen),
        opt_int(c.next_poll_ms),
        int(c.created_at_ms),
        opt_int(c.settled_at_ms),
        opt(c.outcome.error_message),
        c.outcome.pass_score.into(),
    ])?
    .run()
    .await?;
    Ok(())
}

/// What a check's outcome writes: stored with a new check, or settling a pending one.
pub struct Settling<'a> {
    /// `settled` or `failed`.
    pub state: &'a str,
    /// Verdict.
    pub verdict: Option<&'a str>,
    /// Sealed result.
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

/// Settle check `id` if it is still pending (a failure costs nothing); whether it was.
pub async fn settle(
    db: &D1Database,
    id: &str,
    s: &Settling<'_>,
    now: i64,
) -> Result<bool, AppError> {
    let changed = db
        .prepare(
            "UPDATE checks SET state = ?1, verdict = ?2, result_json = ?3, error_code = ?4, \
             seq_id = COALESCE(?5, seq_id), settled_at_ms = ?6, next_poll_ms = NULL, error_message = ?8, pass_score = ?9, \
             cost_fen = CASE WHEN ?1 = 'settled' THEN cost_fen ELSE 0 END \
             WHERE id = ?7 AND state = 'pending' RETURNING id",
        )
        .bind(&[
            s.state.into(),
            opt(s.verdict),
            opt(s.result_sealed),
            opt(s.error_code),
            opt(s.seq_id),
            int(now),
            id.into(),
            opt(s.error_message),
            s.pass_score.into(),
        ])?
        .first::<serde_json::Value>(None)
        .await?;
    Ok(changed.is_some())
}

/// Time out check `id` if it is still pending (free); whether it was.
pub async fn time_out(db: &D1Database, id: &str, now: i64) -> Result<bool, AppError> {
    let changed = db
        .prepare(
            "UPDATE checks SET state = 'timed_out', cost_fen = 0, settled_at_ms = ?1, next_poll_ms = NULL \
             WHERE id = ?2 AND state = 'pending' RETURNING id",
        )
        .bind(&[int(now), id.into()])?
        .first::<serde_json::Value>(None)
        .await?;
    Ok(changed.is_some())
}

/// Pending checks due for a poll at `now`, oldest due first, at most 20.
pub async fn due(db: &D1Database, now: i64) -> Result<Vec<CheckRow>, AppError> {
    Ok(db
        .prepare(
            "SELECT * FROM checks WHERE state = 'pending' AND next_poll_ms <= ?1 \
             ORDER BY next_poll_ms LIMIT 20",
        )
        .bind(&[int(now)])?
        .all()
        .await?
        .results::<CheckRow>()?)
}

/// One more unanswered poll of a pending check; the next at `at`.
pub async fn poll_later(db: &D1Database, id: &str, at: i64) -> Result<(), AppError> {
    db.prepare(
        "UPDATE checks SET polls = polls + 1, next_poll_ms = ?1 WHERE id = ?2 AND state = 'pending'",
    )
    .bind(&[int(at), id.into()])?
    .run()
    .await?;
    Ok(())
}

/// The newest 100 checks in `scope` that pass `filter`; `q_hashes` are the keyed hashes of
/// the filter's `q` as an ID number and as a mobile.
pub async fn list(
    db: &D1Database,
    scope: &Scope,
    filter: &CheckFilter,
    q_hashes: Option<(String, String)>,
) -> Result<Vec<CheckRow>, AppError> {
    let mut sql = String::from("SELECT * FROM checks WHERE 1 = 1");
    let mut binds: Vec<JsValue> = Vec::new();
    let mut add = |clause: &str, v: JsValue| {
        binds.push(v);
        sql.push_str(&clause.replace('?', &format!("?{}", binds.len())));
    };
    match scope {
        Scope::All => {}
        Scope::Store(store) => add(" AND store = ?", store.as_str().into()),
        Scope::Agent(agent) => add(" AND agent = ?", agent.as_str().into()),
    }
    if let Some(v) = &filter.check {
        add(" AND check_name = ?", v.as_str().into());
    }
    if let Some(v) = &filter.verdict {
        add(" AND verdict = ?", v.as_str().into());
    }
    if let Some(v) = &filter.agent {
        add(" AND agent = ?", v.as_str().into());
    }
    if let Some(v) = filter.from_ms {
        add(" AND created_at_ms >= ?", int(v));
    }
    if let Some(v) = filter.to_ms {
        add(" AND created_at_ms < ?", int(v));
    }
    if let Some((id, phone)) = q_hashes {
        add(" AND (id_hash = ?", id.into());
        add(" OR phone_hash = ?)", phone.into());
    }
    sql.push_str(" ORDER BY created_at_ms DESC LIMIT 100");
    Ok(db
        .prepare(&sql)
        .bind(&binds)?
        .all()
        .await?
        .results::<CheckRow>()?)
}

/// A case's checks, newest first.
pub async fn of_case(db: &D1Database, case_id: &str) -> Result<Vec<CheckBrief>, AppError> {
    Ok(db
        .prepare(
            "SELECT id, check_name, state, verdict, created_at_ms FROM checks WHERE case_id = ?1 \
             ORDER BY created_at_ms DESC",
        )
        .bind(&[case_id.into()])?
        .all()
        .await?
        .results::<CheckBrief>()?)
}

/// Clear the sealed inputs and results of ended checks run before `cutoff` (at most 500);
/// how many.
pub async fn clear_inputs(db: &D1Database, cutoff: i64) -> Result<usize, AppError> {
    returned_count(
        db,
        "UPDATE checks SET inputs_enc = '', result_json = NULL WHERE id IN (SELECT id FROM checks \
         WHERE (inputs_enc != '' OR result_json IS NOT NULL) AND state != 'pending' \
         AND created_at_ms < ?1 LIMIT 500) RETURNING id",
        cutoff,
    )
    .await
}

/// Delete ended checks run before `cutoff` (at most 500); how many.
pub async fn delete_old(db: &D1Database, cutoff: i64) -> Result<usize, AppError> {
    returned_count(
        db,
        "DELETE FROM checks WHERE id IN (SELECT id FROM checks \
         WHERE state != 'pending' AND created_at_ms < ?1 LIMIT 500) RETURNING id",
        cutoff,
    )
    .await
}
