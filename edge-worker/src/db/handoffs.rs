//! D1: the desktop → phone photo handoffs (`handoffs`) and the photos received for them
//! (`handoff_photos`). Tokens are stored as keyed hashes only. A link is claimed by one
//! conditional statement (`… WHERE claimed_at_ms IS NULL AND expires_at_ms > now RETURNING
//! id`), so of two phones racing exactly one wins; a photo is recorded, with its bit, in one
//! batch and only while the handoff still exists.

use haoka_edge_core::handoff::Handoff;
use serde::Deserialize;
use worker::D1Database;

use super::int;
use crate::error::AppError;

/// One row of `handoffs`.
#[derive(Deserialize)]
pub struct HandoffRow {
    /// Id.
    pub id: String,
    /// The photos asked for (bit mask).
    pub wanted: i64,
    /// The photos received (bit mask).
    pub received: i64,
    /// Opened, Unix ms.
    pub created_at_ms: i64,
    /// Expires, Unix ms.
    pub expires_at_ms: i64,
    /// When the phone claimed the link.
    pub claimed_at_ms: Option<i64>,
}

impl HandoffRow {
    /// As the handoff's rules see it.
    pub fn state(&self) -> Handoff {
        Handoff {
            created_at_ms: self.created_at_ms,
            expires_at_ms: self.expires_at_ms,
            claimed_at_ms: self.claimed_at_ms,
            wanted: u8::try_from(self.wanted & 0b111).unwrap_or(0),
            photos: u8::try_from(self.received & 0b111).unwrap_or(0),
        }
    }
}

/// One row of `handoff_photos`.
#[derive(Deserialize)]
pub struct PhotoRow {
    /// `face`, `back` or `hand`.
    pub part: String,
    /// Size.
    pub bytes: i64,
    /// Pixels across.
    pub width: i64,
    /// Pixels down.
    pub height: i64,
    /// The kept quality flag (JSON) or ''.
    pub flag: String,
    /// Received, Unix ms.
    pub at_ms: i64,
}

/// The handoff whose desktop token hashes to `hash`.
pub async fn by_desk_hash(db: &D1Database, hash: &str) -> Result<Option<HandoffRow>, AppError> {
    load(db, "SELECT * FROM handoffs WHERE desk_hash = ?1", hash).await
}

/// The handoff whose phone link token hashes to `hash`.
pub async fn by_link_hash(db: &D1Database, hash: &str) -> Result<Option<HandoffRow>, AppError> {
    load(db, "SELECT * FROM handoffs WHERE link_hash = ?1", hash).await
}

/// The handoff whose upload token hashes to `hash`.
pub async fn by_upload_hash(db: &D1Database, hash: &str) -> Result<Option<HandoffRow>, AppError> {
    load(db, "SELECT * FROM handoffs WHERE upload_hash = ?1", hash).await
}

async fn load(db: &D1Database, sql: &str, value: &str) -> Result<Option<HandoffRow>, AppError> {
    Ok(db
        .prepare(sql)
        .bind(&[value.into()])?
        .first::<HandoffRow>(None)
        .await?)
}

/// Store a new handoff (`wanted`: the photos' bit mask).
pub async fn insert(
    db: &D1Database,
    id: &str,
    desk_hash: &str,
    link_hash: &str,
    wanted: i64,
    created_at_ms: i64,
    expires_at_ms: i64,
) -> Result<(), AppError> {
    db.prepare(
        "INSERT INTO handoffs (id, desk_hash, link_hash, wanted, created_at_ms, expires_at_ms) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )
    .bind(&[
        id.into(),
        desk_hash.into(),
        link_hash.into(),
        int(wanted),
        int(created_at_ms),
        int(expires_at_ms),
    ])?
    .run()
    .await?;
    Ok(())
}

/// Claim handoff `id` for the upload token hashing to `upload_hash`, if it is unclaimed and
/// not expired at `now`: one statement, so of two phones racing only one wins. Whether this
/// call won.
pub async fn claim(
    db: &D1Database,
    id: &str,
    upload_hash: &str,
    now: i64,
) -> Result<bool, AppError> {
    let won = db
        .prepare(
            "UPDATE handoffs SET claimed_at_ms = ?1, upload_hash = ?2 \
             WHERE id = ?3 AND claimed_at_ms IS NULL AND expires_at_ms > ?1 RETURNING id",
        )
        .bind(&[int(now), upload_hash.into(), id.into()])?
        .first::<serde_json::Value>(None)
        .await?;
    Ok(won.is_some())
}

/// A photo received for a handoff.
pub struct Received<'a> {
    /// The handoff.
    pub handoff_id: &'a str,
    /// `face`, `back` or `hand`.
    pub part: &'a str,
    /// Its bit in `received`.
    pub bit: i64,
    /// Size.
    pub bytes: i64,
    /// Pixels across.
    pub width: i64,
    /// Pixels down.
    pub height: i64,
    /// The kept quality flag (JSON) or ''.
    pub flag: &'a str,
    /// Received, Unix ms.
    pub at_ms: i64,
}

/// Record photo `p` (a retake replaces it) and set its bit, in one batch, only while the
/// handoff still exists; whether it did (false: the handoff ended meanwhile).
pub async fn add_photo(db: &D1Database, p: &Received<'_>) -> Result<bool, AppError> {
    let done = db
        .batch(vec![
            db.prepare(
                "INSERT OR REPLACE INTO handoff_photos (handoff_id, part, bytes, width, height, flag, at_ms) \
                 SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7 WHERE EXISTS (SELECT 1 FROM handoffs WHERE id = ?1)",
            )
            .bind(&[
                p.handoff_id.into(),
                p.part.into(),
                int(p.bytes),
                int(p.width),
                int(p.height),
                p.flag.into(),
                int(p.at_ms),
            ])?,
            db.prepare("UPDATE handoffs SET received = received | ?1 WHERE id = ?2")
                .bind(&[int(p.bit), p.handoff_id.into()])?,
        ])
        .await?;
    let updated = done
        .get(1)
        .and_then(|r| r.meta().ok().flatten())
        .and_then(|m| m.changes)
        .unwrap_or(0);
    Ok(updated != 0)
}

/// The photos received for handoff `id`, by part.
pub async fn photos(db: &D1Database, id: &str) -> Result<Vec<PhotoRow>, AppError> {
    Ok(db
        .prepare("SELECT * FROM handoff_photos WHERE handoff_id = ?1 ORDER BY part")
        .bind(&[id.into()])?
        .all()
        .await?
        .results::<PhotoRow>()?)
}

/// Delete handoff `id` and its photo rows, in one batch.
pub async fn delete(db: &D1Database, id: &str) -> Result<(), AppError> {
    db.batch(vec![
        db.prepare("DELETE FROM handoff_photos WHERE handoff_id = ?1")
            .bind(&[id.into()])?,
        db.prepare("DELETE FROM handoffs WHERE id = ?1")
            .bind(&[id.into()])?,
    ])
    .await?;
    Ok(())
}

/// Up to 100 handoffs expired at `now`: their ids.
pub async fn expired(db: &D1Database, now: i64) -> Result<Vec<String>, AppError> {
    #[derive(Deserialize)]
    struct Id {
        id: String,
    }
    Ok(db
        .prepare("SELECT id FROM handoffs WHERE expires_at_ms <= ?1 LIMIT 100")
        .bind(&[int(now)])?
        .all()
        .await?
        .results::<Id>()?
        .into_iter()
        .map(|h| h.id)
        .collect())
}
