//! The admin API under `/__sandbox/`, served only with `--admin`: arm faults, fire callbacks,
//! read every request received and every callback sent, reset.

use std::sync::Arc;

use axum::{
    Json, Router,
    extract::{Query, State},
    response::{IntoResponse, Response},
    routing::{get, post},
};
use serde::Deserialize;
use serde_json::json;

use crate::{Shared, delivery, faults::Fault};

/// Routes, nested under `/__sandbox`.
pub fn router() -> Router<Arc<Shared>> {
    Router::new()
        .route("/health", get(|| async { Json(json!({ "status": "ok" })) }))
        .route("/requests", get(requests))
        .route("/faults", post(arm).get(list_faults))
        .route("/callbacks", get(callbacks))
        .route("/callbacks/fire", post(fire))
        .route("/orders", get(orders))
        .route("/reset", post(reset))
}

#[derive(Deserialize)]
struct PathFilter {
    path: Option<String>,
}

async fn requests(State(shared): State<Arc<Shared>>, Query(f): Query<PathFilter>) -> Response {
    let s = shared.lock();
    let list: Vec<_> = s
        .requests
        .iter()
        .filter(|r| f.path.as_deref().is_none_or(|p| r.path.starts_with(p)))
        .collect();
    Json(json!(list)).into_response()
}

async fn arm(State(shared): State<Arc<Shared>>, Json(fault): Json<Fault>) -> Response {
    shared.lock().faults.push(fault.clone());
    Json(json!({ "armed": fault })).into_response()
}

async fn list_faults(State(shared): State<Arc<Shared>>) -> Response {
    Json(json!(shared.lock().faults)).into_response()
}

async fn callbacks(State(shared): State<Arc<Shared>>) -> Response {
    let s = shared.lock();
    Json(json!({ "pending": s.pending, "delivered": s.deliveries })).into_response()
}

async fn fire(State(shared): State<Arc<Shared>>) -> Response {
    let n = delivery::fire_all(&shared);
    delivery::deliver_due(&shared).await;
    Json(json!({ "fired": n })).into_response()
}

async fn orders(State(shared): State<Arc<Shared>>) -> Response {
    Json(json!(shared.lock().xg_orders.values().collect::<Vec<_>>())).into_response()
}

async fn reset(State(shared): State<Arc<Shared>>) -> Response {
    shared.reset();
    Json(json!({ "reset": true })).into_response()
}
