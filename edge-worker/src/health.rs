//! `GET /api/health`: proves the worker runs and D1 answers.

use haoka_shared::api::Health;
use worker::{Env, Response};

use crate::{config::DB, error::AppError};

/// Query D1 and report.
pub async fn get(env: &Env) -> Result<Response, AppError> {
    let db = env.d1(DB)?;
    let d1 = crate::db::ping(&db).await?;
    let body = Health {
        status: if d1 { "ok".into() } else { "degraded".into() },
        d1,
        version: env!("CARGO_PKG_VERSION").into(),
    };
    let status = if d1 { 200 } else { 503 };
    Ok(Response::from_json(&body)?.with_status(status))
}
