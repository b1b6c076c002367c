//! haoka-sandbox: one loopback program that behaves like haoka's three upstreams —
//! Xingguang (orders, photo re-upload), RealMe (27 identity checks, result polling, signed
//! notifications) and the phone three-factor service — faithfully and strictly, from
//! `../shared/upstream/` as read by `../shared/API-CONTRACTS.md`; and like Cloudflare
//! Turnstile's siteverify (`turnstile`), with the token choosing the answer, and a fake of its
//! widget script for the browser tests.
//!
//! Run: `cargo run -p haoka-sandbox -- --port 8788 --dev-vars .dev.vars [--admin]`.
//! Endpoints, scenario inputs and the admin API are in `sandbox/README.md`.

pub mod admin;
pub mod config;
pub mod delivery;
pub mod faults;
pub mod fields;
pub mod phone3;
pub mod realme;
pub mod scenario;
pub mod server;
pub mod state;
pub mod turnstile;
pub mod xingguang;

use std::sync::Arc;

use axum::{
    Router,
    extract::DefaultBodyLimit,
    middleware,
    routing::{get, post},
};

pub use config::Config;
pub use state::Shared;

/// Largest request the sandbox reads: three 2 MB photos and the form, with room to spare so
/// that an over-size photo is refused by the vendor's own rule, not by a transport limit.
pub const BODY_LIMIT: usize = 16 * 1024 * 1024;

/// The whole sandbox as a router (tests call it without a socket, `server::serve` with one).
pub fn router(shared: Arc<Shared>) -> Router {
    let vendors = Router::new()
        .route(xingguang::PUSHORDER_PATH, post(xingguang::pushorder))
        .route(xingguang::GETIMG_PATH, post(xingguang::getimg))
        .route("/api/realme/{version}/trade/{name}", post(realme::trade))
        .route("/api/realme/v4/checkresult", get(realme::checkresult))
        .route(phone3::PATH, post(phone3::verify))
        .route(turnstile::PATH, post(turnstile::siteverify))
        .route(turnstile::SCRIPT_PATH, get(turnstile::script))
        .layer(middleware::from_fn_with_state(
            shared.clone(),
            faults::apply,
        ))
        .layer(middleware::from_fn_with_state(
            shared.clone(),
            state::record,
        ));
    let mut app = vendors;
    if shared.config.admin {
        app = app.nest("/__sandbox", admin::router());
    }
    app.layer(DefaultBodyLimit::max(BODY_LIMIT))
        .with_state(shared)
}
