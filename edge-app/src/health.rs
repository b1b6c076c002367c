//! `GET /api/health`: proves the edge runs and its store (D1) answers.

use haoka_shared::api::Health;

use crate::{error::AppError, http::Reply, platform::Platform};

/// Query D1 and report.
pub async fn get(p: &impl Platform) -> Result<Reply, AppError> {
    let d1 = p.store_ok().await;
    let body = Health {
        status: if d1 { "ok".into() } else { "degraded".into() },
        d1,
        version: env!("CARGO_PKG_VERSION").into(),
    };
    let status = if d1 { 200 } else { 503 };
    Ok(Reply::json(&body)?.with_status(status))
}
