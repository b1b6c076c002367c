//! D1, and nothing else: every SQL statement of the worker lives under this module, one file
//! per table family. Functions take plain values and typed rows and return typed rows; no
//! decision is made here beyond what a single conditional statement guarantees (a
//! compare-and-set, a limit counted in the statement that spends it).

use wasm_bindgen::JsValue;

pub mod accounts;
pub mod audit;
pub mod budgets;
pub mod cases;
pub mod checks;
pub mod handoffs;
pub mod orders;
pub mod prechecks;
pub mod products;
pub mod reports;
pub mod settings;
pub mod upkeep;

/// A bound value for D1 (integers as f64: D1 refuses BigInt).
pub fn int(v: i64) -> JsValue {
    JsValue::from_f64(v as f64)
}

/// An integer or NULL.
pub fn opt_int(v: Option<i64>) -> JsValue {
    v.map_or(JsValue::NULL, int)
}

/// A text or NULL.
pub fn opt(v: Option<&str>) -> JsValue {
    v.map_or(JsValue::NULL, JsValue::from_str)
}

/// Run a `… RETURNING id` statement with one bound cutoff; how many rows it touched.
pub async fn returned_count(
    db: &worker::D1Database,
    sql: &str,
    cutoff: i64,
) -> Result<usize, crate::error::AppError> {
    Ok(db
        .prepare(sql)
        .bind(&[int(cutoff)])?
        .all()
        .await?
        .results::<serde_json::Value>()?
        .len())
}

/// Whether D1 answers a trivial query (`SELECT 1`), for the health check.
pub async fn ping(db: &worker::D1Database) -> Result<bool, crate::error::AppError> {
    let one: Option<i64> = db.prepare("SELECT 1 AS one").first(Some("one")).await?;
    Ok(one == Some(1))
}
