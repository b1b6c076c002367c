//! Routing: the API and the callbacks to the edge app (`haoka_edge_app::router`), everything
//! else to the SPA's files through the assets layer.

use haoka_edge_app::router::is_api;
use worker::{Env, Request, RequestInit, Response, Result};

use crate::{
    config::{ASSETS, Config, FromEnv},
    http,
    platform::Cf,
};

/// Answer one request.
pub async fn handle(req: Request, env: Env) -> Result<Response> {
    let path = req.path();
    if !is_api(&path) {
        // The app's files. The assets layer answers most before the worker runs; /console/*
        // comes here first (run_worker_first) because its SPA fallback is the shop's
        // /index.html: a console screen's URL gets the console's page instead. Either way the
        // assets layer answers, so dist/_headers (CSP and friends) applies as to any file.
        let assets = env.assets(ASSETS)?;
        if is_console_screen(&path) {
            let mut url = req.url()?;
            url.set_path(CONSOLE_PAGE);
            url.set_query(None);
            let mut init = RequestInit::new();
            init.with_method(req.method())
                .with_headers(req.headers().clone());
            return assets
                .fetch_request(Request::new_with_init(url.as_str(), &init)?)
                .await;
        }
        return assets.fetch_request(req).await;
    }
    let incoming = http::incoming(&req)?;
    let platform = Cf::new(env.clone(), Some(req));
    let reply =
        haoka_edge_app::router::handle(&incoming, &platform, || Config::from_env(&env)).await;
    http::response(reply)
}

/// The console's page (`dist/console/index.html`, as the assets layer names it).
const CONSOLE_PAGE: &str = "/console/";

/// Whether `path` is one of the console's screens (`/console/`, `/console/cases/CS1`, …)
/// rather than one of its files (`/console/haoka-console-….js`): under `/console/`, with no
/// dot in its last segment.
fn is_console_screen(path: &str) -> bool {
    path.strip_prefix(CONSOLE_PAGE)
        .is_some_and(|rest| !rest.rsplit('/').next().unwrap_or_default().contains('.'))
}
