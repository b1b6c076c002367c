//! D1: the `cases` table. A case closes by one conditional statement (`… WHERE state =
//! 'open'`), so two closings at once close it once.

use haoka_edge_core::console::{Scope, cases::CaseRow};
use worker::D1Database;

use super::{int, opt, returned_count};
use crate::error::AppError;

/// A case's row.
pub async fn load(db: &D1Database, id: &str) -> Result<Option<CaseRow>, AppError> {
    Ok(db
        .prepare("SELECT * FROM cases WHERE id = ?1")
        .bind(&[id.into()])?
        .first::<CaseRow>(None)
        .await?)
}

/// A new case's row, as stored.
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
    pub now: i64,
}

/// Store a new case.
pub async fn insert(db: &D1Database, c: &NewCase<'_>) -> Result<(), AppError> {
    db.prepare(
        "INSERT INTO cases (id, agent, store, subject_masked, subject_enc, subject_parts, order_id, \
         created_at_ms, updated_at_ms) VALUES (?1, ?2, ?3, ?4, ?7, ?8, ?5, ?6, ?6)",
    )
    .bind(&[
        c.id.into(),
        c.agent.into(),
        c.store.into(),
        c.subject_masked.into(),
        opt(c.order_id),
        int(c.now),
        c.subject_enc.into(),
        c.subject_parts.into(),
    ])?
    .run()
    .await?;
    Ok(())
}

/// The newest 100 cases in `scope`, in `state` if given.
pub async fn list(
    db: &D1Database,
    scope: &Scope,
    state: Option<&str>,
) -> Result<Vec<CaseRow>, AppError> {
    let (clause, key) = match scope {
        Scope::All => ("1 = 1 OR ?1 = ?1", ""),
        Scope::Store(store) => ("store = ?1", store.as_str()),
        Scope::Agent(agent) => ("agent = ?1", agent.as_str()),
    };
    let sql = format!(
        "SELECT * FROM cases WHERE ({clause}) AND (?2 IS NULL OR state = ?2) \
         ORDER BY created_at_ms DESC LIMIT 100"
    );
    Ok(db
        .prepare(&sql)
        .bind(&[key.into(), opt(state)])?
        .all()
        .await?
        .results::<CaseRow>()?)
}

/// Close case `id` if it is still open; whether it was.
pub async fn close(
    db: &D1Database,
    id: &str,
    decision: &str,
    reason: &str,
    by: &str,
    now: i64,
) -> Result<bool, AppError> {
    let changed = db
        .prepare(
            "UPDATE cases SET state = ?1, reason = ?2, closed_by = ?3, updated_at_ms = ?4 \
             WHERE id = ?5 AND state = 'open' RETURNING id",
        )
        .bind(&[
            decision.into(),
            reason.into(),
            by.into(),
            int(now),
            id.into(),
        ])?
        .first::<serde_json::Value>(None)
        .await?;
    Ok(changed.is_some())
}

/// Clear the sealed subjects of cases opened before `cutoff` (at most 500); how many.
pub async fn clear_subjects(db: &D1Database, cutoff: i64) -> Result<usize, AppError> {
    returned_count(
        db,
        "UPDATE cases SET subject_enc = '', subject_parts = '' WHERE id IN (SELECT id FROM cases \
         WHERE subject_enc != '' AND created_at_ms < ?1 LIMIT 500) RETURNING id",
        cutoff,
    )
    .await
}

/// Delete closed cases unchanged since before `cutoff` (at most 500); how many.
pub async fn delete_closed(db: &D1Database, cutoff: i64) -> Result<usize, AppError> {
    returned_count(
        db,
        "DELETE FROM cases WHERE id IN (SELECT id FROM cases \
         WHERE state != 'open' AND updated_at_ms < ?1 LIMIT 500) RETURNING id",
        cutoff,
    )
    .await
}
