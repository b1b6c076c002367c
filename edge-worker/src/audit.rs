//! Appending to the console's hash-chained audit log (rules in `haoka_edge_core::audit`).

use haoka_edge_core::audit::{self, Entry, GENESIS};
use serde::Deserialize;
use worker::{D1Database, console_error};

use crate::{config::now_ms, error::AppError, store::int};

#[derive(Deserialize)]
struct Last {
    seq: i64,
    hash: String,
}

/// Append one entry after the last. Two appends racing for the same number: the loser reads
/// the new last entry and tries again.
pub async fn append(
    db: &D1Database,
    actor: &str,
    action: &str,
    target: &str,
    detail: &str,
) -> Result<(), AppError> {
    for _ in 0..8 {
        let last = db
            .prepare("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1")
            .first::<Last>(None)
            .await?;
        let (seq, prev) = last.map_or((1, GENESIS.to_owned()), |l| (l.seq + 1, l.hash));
        let entry = Entry {
            seq,
            at_ms: now_ms(),
            actor: actor.to_owned(),
            action: action.to_owned(),
            target: target.to_owned(),
            detail: detail.to_owned(),
        };
        let hash = audit::hash(&prev, &entry);
        let taken = db
            .prepare(
                "INSERT INTO audit_log (seq, at_ms, actor, action, target, detail, prev_hash, hash) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) ON CONFLICT (seq) DO NOTHING RETURNING seq",
            )
            .bind(&[
                int(seq),
                int(entry.at_ms),
                actor.into(),
                action.into(),
                target.into(),
                detail.into(),
                prev.into(),
                hash.into(),
            ])?
            .first::<serde_json::Value>(None)
            .await?;
        if taken.is_some() {
            return Ok(());
        }
    }
    Err(AppError::Internal("audit append kept colliding".into()))
}

/// Append, logging (not failing the caller) if the log cannot be written: for refusals, whose
/// answer must not turn into a 500.
pub async fn note(db: &D1Database, actor: &str, action: &str, target: &str, detail: &str) {
    if let Err(e) = append(db, actor, action, target, detail).await {
        console_error!("audit append failed for {action}: {e}");
    }
}

/// One stored row.
#[derive(Deserialize)]
pub struct Row {
    /// Sequence number.
    pub seq: i64,
    /// When.
    pub at_ms: i64,
    /// Who.
    pub actor: String,
    /// What.
    pub action: String,
    /// On what.
    pub target: String,
    /// More.
    pub detail: String,
    /// The previous hash.
    pub prev_hash: String,
    /// This entry's hash.
    pub hash: String,
}

impl Row {
    /// As the chain's rules see it.
    pub fn link(&self) -> (Entry, String, String) {
        (
            Entry {
                seq: self.seq,
                at_ms: self.at_ms,
                actor: self.actor.clone(),
                action: self.action.clone(),
                target: self.target.clone(),
                detail: self.detail.clone(),
            },
            self.prev_hash.clone(),
            self.hash.clone(),
        )
    }
}
