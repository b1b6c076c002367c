//! Routing: `/api/*` to the handlers, everything else to the SPA's files.

use haoka_shared::api::{DRAFT_PATH, HEALTH_PATH};
use worker::{Env, Method, Request, Response, Result};

use crate::{ASSETS_BINDING, error::AppError, health, orders};

/// Answer one request. API errors become JSON bodies here, once.
pub async fn handle(req: Request, env: Env) -> Result<Response> {
    let path = req.path();
    if path == "/api" || path.starts_with("/api/") {
        let result = match (req.method(), path.as_str()) {
            (Method::Get, HEALTH_PATH) => health::get(&env).await,
            (Method::Post, DRAFT_PATH) => orders::create_draft(req, &env).await,
            (_, HEALTH_PATH | DRAFT_PATH) => Err(AppError::MethodNotAllowed),
            _ => Err(AppError::NotFound),
        };
        let mut resp = match result {
            Ok(resp) => resp,
            Err(e) => e.into_response()?,
        };
        resp.headers_mut().set("cache-control", "no-store")?;
        return Ok(resp);
    }
    // Normally the assets layer answers these before the worker runs (run_worker_first only
    // lists /api/*); this keeps the worker correct if it is ever reached.
    env.assets(ASSETS_BINDING)?.fetch_request(req).await
}
