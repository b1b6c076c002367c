//! D1, and nothing else: binding the statements `haoka_edge_core::sql` builds (each tested
//! there on SQLite with the migrations applied) and reading D1's replies as [`Done`]. The
//! platform adapter runs them; no decision is made here, and the races are held by the
//! statements themselves (a compare-and-set, a limit counted in the insert that spends it).

use haoka_edge_core::sql::{Arg, Done, Stmt};
use wasm_bindgen::JsValue;
use worker::{D1Database, D1PreparedStatement, D1Result};

/// `s` prepared on `db` with its values bound.
pub fn prepared(db: &D1Database, s: &Stmt) -> worker::Result<D1PreparedStatement> {
    let args: Vec<JsValue> = s.args.iter().map(arg).collect();
    db.prepare(&s.sql).bind(&args)
}

fn arg(a: &Arg) -> JsValue {
    match a {
        Arg::Null => JsValue::NULL,
        Arg::Int(v) => int(*v),
        Arg::Real(v) => JsValue::from_f64(*v),
        Arg::Text(v) => JsValue::from_str(v),
    }
}

/// A statement's reply as a [`Done`]: its rows and how many it changed.
pub fn done(r: &D1Result) -> worker::Result<Done> {
    let changes = r.meta()?.and_then(|m| m.changes).unwrap_or(0);
    Ok(Done {
        changes: u64::try_from(changes).unwrap_or(u64::MAX),
        rows: r.results::<serde_json::Value>()?,
    })
}

/// A bound value for D1 (integers as f64: D1 refuses BigInt).
fn int(v: i64) -> JsValue {
    JsValue::from_f64(v as f64)
}

/// Whether D1 answers a trivial query (`SELECT 1`), for the health check.
pub async fn ping(db: &D1Database) -> worker::Result<bool> {
    let one: Option<i64> = db.prepare("SELECT 1 AS one").first(Some("one")).await?;
    Ok(one == Some(1))
}
