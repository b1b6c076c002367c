//! D1: the console's audit log (`audit_log`), its retention purges (`audit_purges`), its
//! sealed checkpoints (`audit_checkpoints`) and the once-per-window markers (`audit_once`).
//! An entry takes its number by one `INSERT … ON CONFLICT (seq) DO NOTHING RETURNING seq`,
//! so of two appends racing for a number exactly one wins; a purge's record and its deletes
//! land in one batch; a marker is new in its window for exactly one caller (`ON CONFLICT DO
//! NOTHING`).

use haoka_edge_core::audit::{Checkpoint, Entry, Purge};
use serde::Deserialize;
use worker::D1Database;

use super::int;
use crate::error::AppError;

/// The newest entry's number and hash.
#[derive(Deserialize)]
pub struct Last {
    /// Sequence number.
    pub seq: i64,
    /// That entry's hash.
    pub hash: String,
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

/// The newest entry, if any.
pub async fn last(db: &D1Database) -> Result<Option<Last>, AppError> {
    Ok(db
        .prepare("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1")
        .first::<Last>(None)
        .await?)
}

/// Store `entry` with its chain hashes unless its number is taken (one statement: of two
/// appends racing for a number, one wins); whether it was stored.
pub async fn insert(
    db: &D1Database,
    entry: &Entry,
    prev_hash: &str,
    hash: &str,
) -> Result<bool, AppError> {
    let taken = db
        .prepare(
            "INSERT INTO audit_log (seq, at_ms, actor, action, target, detail, prev_hash, hash) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) ON CONFLICT (seq) DO NOTHING RETURNING seq",
        )
        .bind(&[
            int(entry.seq),
            int(entry.at_ms),
            entry.actor.as_str().into(),
            entry.action.as_str().into(),
            entry.target.as_str().into(),
            entry.detail.as_str().into(),
            prev_hash.into(),
            hash.into(),
        ])?
        .first::<serde_json::Value>(None)
        .await?;
    Ok(taken.is_some())
}

/// The newest purge record, if any.
pub async fn latest_purge(db: &D1Database) -> Result<Option<Purge>, AppError> {
    Ok(db
        .prepare("SELECT upto, cut_hash, seal FROM audit_purges ORDER BY upto DESC LIMIT 1")
        .first::<Purge>(None)
        .await?)
}

/// Where a purge would cut: the last of the oldest entries (at most 500) written before the
/// cutoff, and how many entries go with it.
#[derive(Deserialize)]
pub struct Cut {
    /// The last entry to go.
    pub seq: i64,
    /// Its hash.
    pub hash: String,
    /// Entries up to and including it.
    pub n: i64,
}

/// Where a purge of the entries written before `cutoff_ms` cuts (`None`: nothing to purge).
pub async fn purge_cut(db: &D1Database, cutoff_ms: i64) -> Result<Option<Cut>, AppError> {
    Ok(db
        .prepare(
            "SELECT seq, hash, (SELECT COUNT(*) FROM audit_log WHERE seq <= old.seq) AS n FROM \
             (SELECT seq, hash FROM audit_log WHERE at_ms < ?1 ORDER BY seq LIMIT 500) AS old \
             ORDER BY seq DESC LIMIT 1",
        )
        .bind(&[int(cutoff_ms)])?
        .first::<Cut>(None)
        .await?)
}

/// In one batch: record the cut (entry `upto`, its hash and the seal over both) and delete
/// the entries and checkpoints up to it.
pub async fn purge(
    db: &D1Database,
    upto: i64,
    cut_hash: &str,
    seal: &str,
    now: i64,
) -> Result<(), AppError> {
    db.batch(vec![
        db.prepare(
            "INSERT INTO audit_purges (upto, cut_hash, seal, at_ms) VALUES (?1, ?2, ?3, ?4) \
             ON CONFLICT (upto) DO NOTHING",
        )
        .bind(&[int(upto), cut_hash.into(), seal.into(), int(now)])?,
        db.prepare("DELETE FROM audit_log WHERE seq <= ?1")
            .bind(&[int(upto)])?,
        db.prepare("DELETE FROM audit_checkpoints WHERE seq <= ?1")
            .bind(&[int(upto)])?,
    ])
    .await?;
    Ok(())
}

/// Store checkpoint `cp` (a checkpoint already stored at that number is kept).
pub async fn insert_checkpoint(db: &D1Database, cp: &Checkpoint, now: i64) -> Result<(), AppError> {
    db.prepare(
        "INSERT INTO audit_checkpoints (seq, hash, at_ms) VALUES (?1, ?2, ?3) \
         ON CONFLICT (seq) DO NOTHING",
    )
    .bind(&[int(cp.seq), cp.hash.as_str().into(), int(now)])?
    .run()
    .await?;
    Ok(())
}

async fn rows(db: &D1Database, sql: &str, a: i64, b: i64) -> Result<Vec<Row>, AppError> {
    Ok(db
        .prepare(sql)
        .bind(&[int(a), int(b)])?
        .all()
        .await?
        .results::<Row>()?)
}

/// Up to `limit` entries before `before`, newest first.
pub async fn before(db: &D1Database, before: i64, limit: i64) -> Result<Vec<Row>, AppError> {
    rows(
        db,
        "SELECT * FROM audit_log WHERE seq < ?1 ORDER BY seq DESC LIMIT ?2",
        before,
        limit,
    )
    .await
}

/// Entries `from..=to`, oldest first.
pub async fn span(db: &D1Database, from: i64, to: i64) -> Result<Vec<Row>, AppError> {
    rows(
        db,
        "SELECT * FROM audit_log WHERE seq >= ?1 AND seq <= ?2 ORDER BY seq",
        from,
        to,
    )
    .await
}

/// The hash of entry `seq`, if it is still there.
pub async fn hash_at(db: &D1Database, seq: i64) -> Result<Option<String>, AppError> {
    #[derive(Deserialize)]
    struct Hash {
        hash: String,
    }
    Ok(db
        .prepare("SELECT hash FROM audit_log WHERE seq = ?1")
        .bind(&[int(seq)])?
        .first::<Hash>(None)
        .await?
        .map(|h| h.hash))
}

/// The newest 8 checkpoints at or before `seq`, newest first.
pub async fn checkpoints_upto(db: &D1Database, seq: i64) -> Result<Vec<Checkpoint>, AppError> {
    #[derive(Deserialize)]
    struct Cp {
        seq: i64,
        hash: String,
    }
    let cps = db
        .prepare(
            "SELECT seq, hash FROM audit_checkpoints WHERE seq <= ?1 ORDER BY seq DESC LIMIT 8",
        )
        .bind(&[int(seq)])?
        .all()
        .await?
        .results::<Cp>()?;
    Ok(cps
        .into_iter()
        .map(|c| Checkpoint {
            seq: c.seq,
            hash: c.hash,
        })
        .collect())
}

/// The oldest entry kept's number (`None`: the table is empty).
pub async fn first_seq(db: &D1Database) -> Result<Option<i64>, AppError> {
    #[derive(Deserialize)]
    struct First {
        seq: Option<i64>,
    }
    Ok(db
        .prepare("SELECT MIN(seq) AS seq FROM audit_log")
        .first::<First>(None)
        .await?
        .and_then(|f| f.seq))
}

/// Mark `bucket` (kept until `expires_ms`) unless it is marked already, in one statement:
/// whether this call marked it (parallel callers: exactly one).
pub async fn once(db: &D1Database, bucket: &str, expires_ms: i64) -> Result<bool, AppError> {
    let r = db
        .prepare(
            "INSERT INTO audit_once (bucket, expires_ms) VALUES (?1, ?2) ON CONFLICT DO NOTHING",
        )
        .bind(&[bucket.into(), int(expires_ms)])?
        .run()
        .await?;
    Ok(r.meta()?.and_then(|m| m.changes).unwrap_or(0) > 0)
}
