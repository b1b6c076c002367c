//! `GET /api/health`: proves the worker runs and D1 answers.

use haoka_shared::api::Health;
use worker::{Env, Response};

use crate::{config::DB, error::AppError};

/// Query D1 and report.
pub async fn get(env: &Env) -> Result<Response, AppError> {
    let db = env.d1(DB)?;
    let one: Option<i64> = db.prepare("SELECT 1 AS one").first(Some("one")).await?;
    let d1 = one == Some(1);
    let body = Health {
        status: if d1 { "ok".into() } else { "degraded".into() },
        d1,
        version: env!("CARGO_PKG_VERSION").into(),
    };
    let status = if d1 { 200 } else { 503 };
    Ok(Response::from_json(&body)?.with_status(status))
}
