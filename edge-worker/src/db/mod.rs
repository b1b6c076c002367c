//! D1, and nothing else: every SQL statement of the worker lives under this module, one file
//! per table family. Functions take plain values and typed rows and return typed rows; no
//! decision is made here beyond what a single conditional statement guarantees (a
//! compare-and-set, a limit counted in the statement that spends it).

use haoka_edge_core::sql::{Arg, Done, Query, Stmt};
use serde::de::DeserializeOwned;
use wasm_bindgen::JsValue;
use worker::{D1Database, D1PreparedStatement, D1Result};

use crate::error::AppError;

pub mod accounts;
pub mod audit;
pub mod budgets;
pub mod cases;
pub mod handoffs;
pub mod orders;
pub mod prechecks;
pub mod products;
pub mod reports;
pub mod settings;
pub mod upkeep;

/// Running the statements `haoka_edge_core::sql` builds. Its names stay clear of
/// `D1Database`'s own `batch` and `exec`.
#[allow(async_fn_in_trait)] // the Worker runs on one thread: no `Send` bound is wanted
pub trait Run {
    /// The first row of `q`.
    async fn one<T: DeserializeOwned>(&self, q: Query<T>) -> Result<Option<T>, AppError>;
    /// Every row of `q`.
    async fn rows<T: DeserializeOwned>(&self, q: Query<T>) -> Result<Vec<T>, AppError>;
    /// Run `s`: the rows it returned and how many it changed.
    async fn run(&self, s: Stmt) -> Result<Done, AppError>;
    /// Run `stmts` as one batch (all or none), each one's [`Done`].
    #[allow(dead_code)] // used by the batches being moved next
    async fn atomically(&self, stmts: Vec<Stmt>) -> Result<Vec<Done>, AppError>;
}

fn prepared(db: &D1Database, s: &Stmt) -> Result<D1PreparedStatement, AppError> {
    let args: Vec<JsValue> = s.args.iter().map(arg).collect();
    Ok(db.prepare(&s.sql).bind(&args)?)
}

fn arg(a: &Arg) -> JsValue {
    match a {
        Arg::Null => JsValue::NULL,
        Arg::Int(v) => int(*v),
        Arg::Real(v) => JsValue::from_f64(*v),
        Arg::Text(v) => JsValue::from_str(v),
    }
}

fn done(r: &D1Result) -> Result<Done, AppError> {
    let changes = r.meta()?.and_then(|m| m.changes).unwrap_or(0);
    Ok(Done {
        changes: u64::try_from(changes).unwrap_or(u64::MAX),
        rows: r.results::<serde_json::Value>()?,
    })
}

impl Run for D1Database {
    async fn one<T: DeserializeOwned>(&self, q: Query<T>) -> Result<Option<T>, AppError> {
        Ok(prepared(self, &q.stmt)?.first::<T>(None).await?)
    }

    async fn rows<T: DeserializeOwned>(&self, q: Query<T>) -> Result<Vec<T>, AppError> {
        Ok(prepared(self, &q.stmt)?.all().await?.results::<T>()?)
    }

    async fn run(&self, s: Stmt) -> Result<Done, AppError> {
        done(&prepared(self, &s)?.all().await?)
    }

    #[allow(dead_code)] // used by the batches being moved next
    async fn atomically(&self, stmts: Vec<Stmt>) -> Result<Vec<Done>, AppError> {
        let prepared = stmts
            .iter()
            .map(|s| prepared(self, s))
            .collect::<Result<Vec<_>, _>>()?;
        self.batch(prepared).await?.iter().map(done).collect()
    }
}

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
