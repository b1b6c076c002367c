//! D1, and nothing else: the one place the worker talks to its database. Every statement is
//! built (and every batch's reply read) by `haoka_edge_core::sql`, where each is tested on
//! SQLite with the migrations applied; [`Run`] runs them: bound values in, typed rows and
//! changes out. No decision is made here; the races are held by the statements themselves
//! (a compare-and-set, a limit counted in the insert that spends it, a claim made once).

use haoka_edge_core::sql::{Arg, Done, Query, Stmt};
use serde::de::DeserializeOwned;
use wasm_bindgen::JsValue;
use worker::{D1Database, D1PreparedStatement, D1Result};

use crate::error::AppError;

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

/// Whether D1 answers a trivial query (`SELECT 1`), for the health check.
pub async fn ping(db: &worker::D1Database) -> Result<bool, crate::error::AppError> {
    let one: Option<i64> = db.prepare("SELECT 1 AS one").first(Some("one")).await?;
    Ok(one == Some(1))
}
