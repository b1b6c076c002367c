//! D1: what the cron's upkeep passes read and write — the re-seal's pages of sealed values
//! still under an older key (`crypto::SEALED_COLUMNS`; each update a compare-and-set on the
//! old value, so a concurrent write wins), the orphan sweep's live-owner lookups and its
//! cursors (`upkeep_cursors`), and the one batch that forgets expired budget counters, audit
//! markers, kept pre-check passes and console sessions.

use std::collections::HashSet;

use haoka_edge_core::crypto::SealedColumn;
use serde::Deserialize;
use wasm_bindgen::JsValue;
use worker::D1Database;

use super::int;
use crate::error::AppError;

/// Ids per `IN (…)` (D1 binds at most 100 parameters).
const IN_CHUNK: usize = 90;

/// One sealed value and its row.
#[derive(Deserialize)]
pub struct SealedValue {
    /// Row id.
    pub id: String,
    /// The sealed value.
    pub v: String,
}

fn behind_clause(col: &SealedColumn) -> String {
    format!(
        "{c} IS NOT NULL AND {c} != '' AND substr({c}, 1, ?1) != ?2",
        c = col.column
    )
}

fn prefix_len(prefix: &str) -> JsValue {
    JsValue::from_f64(prefix.chars().count() as f64)
}

/// Up to `page` values of `col` not sealed under the key whose sealed values start with
/// `prefix`, in rows after `after` by id.
pub async fn behind_page(
    db: &D1Database,
    col: &SealedColumn,
    prefix: &str,
    after: &str,
    page: usize,
) -> Result<Vec<SealedValue>, AppError> {
    Ok(db
        .prepare(format!(
            "SELECT id, {c} AS v FROM {t} WHERE {w} AND id > ?3 ORDER BY id LIMIT {page}",
            c = col.column,
            t = col.table,
            w = behind_clause(col)
        ))
        .bind(&[prefix_len(prefix), prefix.into(), after.into()])?
        .all()
        .await?
        .results::<SealedValue>()?)
}

/// One re-sealed value: row id, the value read, the value to write.
pub struct Resealing<'a> {
    /// Row id.
    pub id: &'a str,
    /// The value as read.
    pub old: &'a str,
    /// Its new sealing.
    pub new: String,
}

/// Write `updates` to `col` in one batch, each only if the row still holds the value read
/// (compare-and-set: a concurrent write wins); how many were written.
pub async fn reseal(
    db: &D1Database,
    col: &SealedColumn,
    updates: Vec<Resealing<'_>>,
) -> Result<usize, AppError> {
    if updates.is_empty() {
        return Ok(0);
    }
    let mut statements = Vec::with_capacity(updates.len());
    for u in updates {
        statements.push(
            db.prepare(format!(
                "UPDATE {t} SET {c} = ?1 WHERE id = ?2 AND {c} = ?3",
                t = col.table,
                c = col.column
            ))
            .bind(&[u.new.into(), u.id.into(), u.old.into()])?,
        );
    }
    let mut moved = 0;
    for result in db.batch(statements).await? {
        moved += result.meta()?.and_then(|m| m.changes).unwrap_or(0);
    }
    Ok(moved)
}

/// How many values of `col` are not sealed under the key of `prefix`.
pub async fn count_behind(
    db: &D1Database,
    col: &SealedColumn,
    prefix: &str,
) -> Result<usize, AppError> {
    #[derive(Deserialize)]
    struct Count {
        n: f64,
    }
    let left = db
        .prepare(format!(
            "SELECT COUNT(*) AS n FROM {t} WHERE {w}",
            t = col.table,
            w = behind_clause(col)
        ))
        .bind(&[prefix_len(prefix), prefix.into()])?
        .first::<Count>(None)
        .await?
        .map_or(0.0, |c| c.n);
    Ok(left as usize)
}

/// What owns photos in R2.
#[derive(Clone, Copy, Debug)]
pub enum PhotoOwners {
    /// Orders: live while their photos are expected (`photos_expire_ms` set).
    Orders,
    /// Handoffs: live while their row exists.
    Handoffs,
}

/// Which of `ids` are live owners of photos.
pub async fn live_ids(
    db: &D1Database,
    owners: PhotoOwners,
    ids: &[&str],
) -> Result<HashSet<String>, AppError> {
    #[derive(Deserialize)]
    struct Id {
        id: String,
    }
    let (table, live_sql) = match owners {
        PhotoOwners::Orders => ("orders", " AND photos_expire_ms IS NOT NULL"),
        PhotoOwners::Handoffs => ("handoffs", ""),
    };
    let mut live = HashSet::new();
    for chunk in ids.chunks(IN_CHUNK) {
        let marks: Vec<String> = (1..=chunk.len()).map(|i| format!("?{i}")).collect();
        let binds: Vec<JsValue> = chunk.iter().map(|id| JsValue::from_str(id)).collect();
        let rows = db
            .prepare(format!(
                "SELECT id FROM {table} WHERE id IN ({}){live_sql}",
                marks.join(", ")
            ))
            .bind(&binds)?
            .all()
            .await?
            .results::<Id>()?;
        live.extend(rows.into_iter().map(|r| r.id));
    }
    Ok(live)
}

/// The stored value of cursor `name`, if any.
pub async fn cursor(db: &D1Database, name: &str) -> Result<Option<String>, AppError> {
    Ok(db
        .prepare("SELECT value FROM upkeep_cursors WHERE name = ?1")
        .bind(&[name.into()])?
        .first::<String>(Some("value"))
        .await?)
}

/// Store cursor `name` (one upsert).
pub async fn set_cursor(db: &D1Database, name: &str, value: &str) -> Result<(), AppError> {
    db.prepare(
        "INSERT INTO upkeep_cursors (name, value) VALUES (?1, ?2) \
         ON CONFLICT (name) DO UPDATE SET value = excluded.value",
    )
    .bind(&[name.into(), value.into()])?
    .run()
    .await?;
    Ok(())
}

/// The cutoffs [`drop_expired`] forgets by.
pub struct Expiry {
    /// Now: budget counters and audit markers whose window ended before it.
    pub now: i64,
    /// Kept pre-check passes from before it.
    pub passes_before: i64,
    /// Console sessions not seen since it.
    pub idle_before: i64,
    /// Console sessions created before it.
    pub created_before: i64,
}

/// In one batch: forget expired budget counters and audit markers, old pre-check passes and
/// console sessions past either lifetime (they are refused anyway; this forgets them).
pub async fn drop_expired(db: &D1Database, e: &Expiry) -> Result<(), AppError> {
    db.batch(vec![
        db.prepare("DELETE FROM rate_limits WHERE expires_ms < ?1")
            .bind(&[int(e.now)])?,
        db.prepare("DELETE FROM audit_once WHERE expires_ms < ?1")
            .bind(&[int(e.now)])?,
        db.prepare("DELETE FROM identity_checks WHERE passed_ms < ?1")
            .bind(&[int(e.passes_before)])?,
        db.prepare("DELETE FROM sessions WHERE seen_ms < ?1 OR created_ms < ?2")
            .bind(&[int(e.idle_before), int(e.created_before)])?,
    ])
    .await?;
    Ok(())
}
