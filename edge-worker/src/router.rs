//! Routing: `/api/*` and `/callbacks/*` to the handlers, everything else to the SPA's files.
//! API errors become JSON bodies here, once.

use haoka_shared::api::{
    CLIENT_CONFIG_PATH, ClientConfig, HANDOFF_CLAIM_PATH, HANDOFF_PATH, HANDOFF_PHOTOS_PATH,
    HEALTH_PATH, NUMBER_HOLD_PATH, NUMBERS_PATH, ORDER_LOOKUP_PATH, ORDERS_PATH, PRECHECK_PATH,
    PRODUCTS_PATH,
};
use worker::{Env, Method, Request, RequestInit, Response, Result};

use crate::{
    admin, callbacks, cases, checks,
    config::{ASSETS, Config, DB, FromEnv},
    console,
    error::AppError,
    handoff, health, numbers, orders, precheck, products, reports, settings,
};

const ADMIN_ORDERS: &str = "/api/admin/orders";
const ADMIN_RECONCILE: &str = "/api/admin/reconcile";
const ADMIN_CLOCK: &str = "/api/admin/clock";
const CONSOLE_BOOTSTRAP: &str = "/api/console/bootstrap";
const CONSOLE_LOGIN: &str = "/api/console/login";
const CONSOLE_LOGOUT: &str = "/api/console/logout";
const CONSOLE_LOGOUT_ALL: &str = "/api/console/logout-all";
const CONSOLE_ME: &str = "/api/console/me";
const CONSOLE_ACCOUNTS: &str = "/api/console/accounts";
const CONSOLE_AUDIT: &str = "/api/console/audit";
const CONSOLE_CHECKS: &str = "/api/console/checks";
const CONSOLE_CASES: &str = "/api/console/cases";
const REALME_CALLBACK: &str = "/callbacks/realme";
const CONSOLE_SPEND: &str = "/api/console/reports/spend";
const CONSOLE_PRICES: &str = "/api/console/prices";
const CONSOLE_EXPORT_CHECKS: &str = "/api/console/exports/checks.csv";
const CONSOLE_SETTINGS: &str = "/api/console/settings";

/// Answer one request.
pub async fn handle(req: Request, env: Env) -> Result<Response> {
    let path = req.path();
    let api = path == "/api" || path.starts_with("/api/");
    if !api && !path.starts_with("/callbacks/") {
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
    let mut resp = match route(req, &env, &path).await {
        Ok(resp) => resp,
        Err(e) => e.into_response()?,
    };
    let headers = resp.headers_mut();
    for (name, value) in API_HEADERS {
        headers.set(name, value)?;
    }
    Ok(resp)
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

/// On every API and callback answer: never cached (they carry personal data or tokens),
/// never sniffed into something executable, never framed by another site, no referrer
/// leaves, and HTTPS only from the first visit on. The app's files get the same from
/// `dist/_headers` (`frontend/headers.in`).
pub const API_HEADERS: [(&str, &str); 5] = [
    ("cache-control", "no-store"),
    ("x-content-type-options", "nosniff"),
    ("referrer-policy", "no-referrer"),
    (
        "content-security-policy",
        "default-src 'none'; frame-ancestors 'self'",
    ),
    (
        "strict-transport-security",
        "max-age=63072000; includeSubDomains",
    ),
];

async fn route(req: Request, env: &Env, path: &str) -> std::result::Result<Response, AppError> {
    let method = req.method();
    let cfg = || Config::from_env(env);
    match (method.clone(), path) {
        (Method::Get, HEALTH_PATH) => return health::get(env).await,
        (Method::Get, CLIENT_CONFIG_PATH) => {
            let turnstile = cfg()?.turnstile_widget;
            return Ok(Response::from_json(&ClientConfig { turnstile })?);
        }
        (Method::Get, PRODUCTS_PATH) => return products::get(&env.d1(DB)?).await,
        (Method::Post, PRECHECK_PATH) => return precheck::post(req, env, &cfg()?).await,
        (Method::Post, ORDERS_PATH) => return orders::create(req, env, &cfg()?).await,
        (Method::Post, ORDER_LOOKUP_PATH) => return orders::lookup(req, env, &cfg()?).await,
        (Method::Get, NUMBERS_PATH) => return numbers::list(&req, env).await,
        (Method::Post, NUMBER_HOLD_PATH) => return numbers::hold(req, env, &cfg()?).await,
        (Method::Get, ADMIN_ORDERS) => return admin::list(&req, env, &cfg()?).await,
        (Method::Post, ADMIN_RECONCILE) => return admin::reconcile(&req, env, &cfg()?).await,
        (Method::Post, ADMIN_CLOCK) => return admin::clock(req, &cfg()?).await,
        (Method::Post, HANDOFF_PATH) => return handoff::create(req, env, &cfg()?).await,
        (Method::Get, HANDOFF_PATH) => return handoff::status(&req, env, &cfg()?).await,
        (Method::Delete, HANDOFF_PATH) => return handoff::end(&req, env, &cfg()?).await,
        (Method::Post, HANDOFF_CLAIM_PATH) => return handoff::claim(req, env, &cfg()?).await,
        (Method::Post, CONSOLE_BOOTSTRAP) => return console::bootstrap(req, env, &cfg()?).await,
        (Method::Post, CONSOLE_LOGIN) => return console::login(req, env, &cfg()?).await,
        (Method::Post, CONSOLE_LOGOUT) => return console::logout(&req, env, &cfg()?).await,
        (Method::Post, CONSOLE_LOGOUT_ALL) => {
            return console::logout_all(&req, env, &cfg()?).await;
        }
        (Method::Get, CONSOLE_ME) => return console::me(&req, env, &cfg()?).await,
        (Method::Get, CONSOLE_ACCOUNTS) => return console::list_accounts(&req, env, &cfg()?).await,
        (Method::Post, CONSOLE_ACCOUNTS) => {
            return console::create_account(req, env, &cfg()?).await;
        }
        (Method::Get, CONSOLE_AUDIT) => return console::audit_log(&req, env, &cfg()?).await,
        (Method::Post, CONSOLE_CHECKS) => return checks::run(req, env, &cfg()?).await,
        (Method::Get, CONSOLE_CHECKS) => return checks::list(&req, env, &cfg()?).await,
        (Method::Post, CONSOLE_CASES) => return cases::create(req, env, &cfg()?).await,
        (Method::Get, CONSOLE_CASES) => return cases::list(&req, env, &cfg()?).await,
        (Method::Post, REALME_CALLBACK) => return checks::notification(req, env, &cfg()?).await,
        (Method::Get, CONSOLE_SPEND) => return reports::spend(&req, env, &cfg()?).await,
        (Method::Get, CONSOLE_PRICES) => return reports::prices(&req, env, &cfg()?).await,
        (Method::Post, CONSOLE_PRICES) => return reports::set_price(req, env, &cfg()?).await,
        (Method::Get, CONSOLE_SETTINGS) => return settings::list(&req, env, &cfg()?).await,
        (Method::Post, CONSOLE_SETTINGS) => return settings::change(req, env, &cfg()?).await,
        (Method::Get, CONSOLE_EXPORT_CHECKS) => {
            return reports::export_checks(&req, env, &cfg()?).await;
        }
        (
            _,
            HEALTH_PATH
            | CLIENT_CONFIG_PATH
            | PRODUCTS_PATH
            | PRECHECK_PATH
            | ORDERS_PATH
            | ORDER_LOOKUP_PATH
            | NUMBERS_PATH
            | NUMBER_HOLD_PATH
            | ADMIN_ORDERS
            | ADMIN_RECONCILE
            | HANDOFF_PATH
            | HANDOFF_CLAIM_PATH
            | CONSOLE_BOOTSTRAP
            | CONSOLE_LOGIN
            | CONSOLE_LOGOUT
            | CONSOLE_LOGOUT_ALL
            | CONSOLE_ME
            | CONSOLE_ACCOUNTS
            | CONSOLE_AUDIT
            | CONSOLE_CHECKS
            | CONSOLE_CASES
            | REALME_CALLBACK
            | CONSOLE_SPEND
            | CONSOLE_PRICES
            | CONSOLE_EXPORT_CHECKS,
        ) => {
            return Err(AppError::MethodNotAllowed);
        }
        _ => {}
    }
    if path.starts_with(haoka_edge_core::vendor::CALLBACKS) {
        let cfg = cfg()?;
        let Some((api_xid, token)) =
            haoka_edge_core::vendor::callback_target(path, cfg.vendor().name())
        else {
            return Err(AppError::NotFound);
        };
        return match method {
            Method::Post => callbacks::order_vendor(req, env, &cfg, api_xid, token).await,
            _ => Err(AppError::MethodNotAllowed),
        };
    }
    if let Some(part) = path.strip_prefix(HANDOFF_PHOTOS_PATH) {
        return match method {
            Method::Put => handoff::upload(req, env, &cfg()?, part).await,
            Method::Get => handoff::photo(&req, env, &cfg()?, part).await,
            _ => Err(AppError::MethodNotAllowed),
        };
    }
    if let Some(rest) = path.strip_prefix("/api/console/checks/") {
        return match (method, rest.split_once('/')) {
            (Method::Get, None) => checks::get(&req, env, &cfg()?, rest).await,
            (Method::Post, Some((id, "reveal"))) => checks::reveal(req, env, &cfg()?, id).await,
            (_, None | Some((_, "reveal"))) => Err(AppError::MethodNotAllowed),
            _ => Err(AppError::NotFound),
        };
    }
    if let Some(rest) = path.strip_prefix("/api/console/cases/") {
        return match (method, rest.split_once('/')) {
            (Method::Get, None) => cases::get(&req, env, &cfg()?, rest).await,
            (Method::Post, Some((id, "close"))) => cases::close(req, env, &cfg()?, id).await,
            (_, None | Some((_, "close"))) => Err(AppError::MethodNotAllowed),
            _ => Err(AppError::NotFound),
        };
    }
    if let Some(username) = path.strip_prefix("/api/console/accounts/") {
        return match method {
            Method::Post => console::change_account(req, env, &cfg()?, username).await,
            _ => Err(AppError::MethodNotAllowed),
        };
    }
    if let Some(rest) = path.strip_prefix("/api/admin/orders/") {
        return match (method, rest.split_once('/')) {
            (Method::Post, Some((id, "settle"))) => admin::settle(req, env, &cfg()?, id).await,
            (_, Some((_, "settle"))) => Err(AppError::MethodNotAllowed),
            _ => Err(AppError::NotFound),
        };
    }
    if let Some(rest) = path.strip_prefix("/api/orders/") {
        return match (method, rest.split_once('/')) {
            (Method::Get, None) => orders::get(&req, env, &cfg()?, rest).await,
            (Method::Post, Some((id, "photos"))) => orders::put_photos(req, env, &cfg()?, id).await,
            (_, None | Some((_, "photos"))) => Err(AppError::MethodNotAllowed),
            _ => Err(AppError::NotFound),
        };
    }
    Err(AppError::NotFound)
}
