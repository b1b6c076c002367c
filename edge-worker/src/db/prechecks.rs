//! D1: the pre-check's kept passes (`identity_checks`), one row per person under a keyed hash
//! of the person, so a repeat within the reuse time does not pay again. A pass is stored by
//! one upsert (`INSERT … ON CONFLICT (person_hash) DO UPDATE`).

use worker::D1Database;

use super::int;
use crate::error::AppError;

/// When `person` last passed, if after `since`.
pub async fn passed_since(
    db: &D1Database,
    person: &str,
    since: i64,
) -> Result<Option<i64>, AppError> {
    Ok(db
        .prepare("SELECT passed_ms FROM identity_checks WHERE person_hash = ?1 AND passed_ms > ?2")
        .bind(&[person.into(), int(since)])?
        .first(Some("passed_ms"))
        .await?)
}

/// Keep `person`'s pass at `now`, by `method` (replacing an older one).
pub async fn store_pass(
    db: &D1Database,
    person: &str,
    method: &str,
    now: i64,
) -> Result<(), AppError> {
    db.prepare(
        "INSERT INTO identity_checks (person_hash, method, passed_ms) VALUES (?1, ?2, ?3) \
         ON CONFLICT (person_hash) DO UPDATE SET method = ?2, passed_ms = ?3",
    )
    .bind(&[person.into(), method.into(), int(now)])?
    .run()
    .await?;
    Ok(())
}
