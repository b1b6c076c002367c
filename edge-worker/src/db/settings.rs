//! D1: settings, the console's changes of the `[vars]` tunables (who changed which, when).

use haoka_edge_core::settings::StoredSetting;
use worker::D1Database;

use super::int;
use crate::error::AppError;

/// Every stored setting.
pub async fn all(db: &D1Database) -> Result<Vec<StoredSetting>, AppError> {
    Ok(db
        .prepare("SELECT key, value, updated_by, updated_at_ms FROM settings")
        .all()
        .await?
        .results::<StoredSetting>()?)
}

/// Store `key = value`, changed by `by` at `now`.
pub async fn put(
    db: &D1Database,
    key: &str,
    value: f64,
    by: &str,
    now: i64,
) -> Result<(), AppError> {
    db.prepare(
        "INSERT INTO settings (key, value, updated_by, updated_at_ms) VALUES (?1, ?2, ?3, ?4) \
         ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_by = excluded.updated_by, \
         updated_at_ms = excluded.updated_at_ms",
    )
    .bind(&[key.into(), value.into(), by.into(), int(now)])?
    .run()
    .await?;
    Ok(())
}
