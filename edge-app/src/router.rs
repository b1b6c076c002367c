//! Routing: `/api/*` and `/callbacks/*` to the handlers, and API errors to JSON bodies, once.
//! The app's files (everything else) are the adapter's: the Worker hands them to its assets
//! layer.

use haoka_shared::api::{
    CLIENT_CONFIG_PATH, ClientConfig, HANDOFF_CLAIM_PATH, HANDOFF_PATH, HANDOFF_PHOTOS_PATH,
    HEALTH_PATH, NUMBER_HOLD_PATH, NUMBERS_PATH, ORDER_LOOKUP_PATH, ORDERS_PATH, PRECHECK_PATH,
    PRODUCTS_PATH,
};

use crate::{
    Config, admin, callbacks, cases, checks, console,
    error::AppError,
    handoff, health,
    http::{Incoming, Method, Reply},
    numbers, orders,
    platform::Platform,
    pool, precheck, products, reports, settings,
};
use haoka_shared::api::console::CONSOLE_NUMBERS_PATH;

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

/// Whether `path` is the API's or a callback's (everything else is the app's files).
pub fn is_api(path: &str) -> bool {
    path == "/api" || path.starts_with("/api/") || path.starts_with("/callbacks/")
}

/// Answer one API or callback request: errors become their JSON bodies here, and every
/// answer gets [`API_HEADERS`]. `cfg` reads the configuration (only the routes that need it
/// call it).
pub async fn handle(
    req: &Incoming,
    p: &impl Platform,
    cfg: impl Fn() -> Result<Config, AppError>,
) -> Reply {
    let mut reply = match route(req, p, &cfg).await {
        Ok(reply) => reply,
        Err(e) => e.into_reply(p),
    };
    for (name, value) in API_HEADERS {
        reply = reply.with_header(name, value);
    }
    reply
}

async fn route(
    req: &Incoming,
    p: &impl Platform,
    cfg: &impl Fn() -> Result<Config, AppError>,
) -> Result<Reply, AppError> {
    let path = req.path.as_str();
    let method = req.method;
    match (method, path) {
        (Method::Get, HEALTH_PATH) => return health::get(p).await,
        (Method::Get, CLIENT_CONFIG_PATH) => {
            let turnstile = cfg()?.turnstile_widget;
            return Reply::json(&ClientConfig { turnstile });
        }
        (Method::Get, PRODUCTS_PATH) => return products::get(p).await,
        (Method::Post, PRECHECK_PATH) => return precheck::post(req, p, &cfg()?).await,
        (Method::Post, ORDERS_PATH) => return orders::create(req, p, &cfg()?).await,
        (Method::Post, ORDER_LOOKUP_PATH) => return orders::lookup(req, p, &cfg()?).await,
        (Method::Get, NUMBERS_PATH) => return numbers::list(req, p).await,
        (Method::Post, NUMBER_HOLD_PATH) => return numbers::hold(req, p, &cfg()?).await,
        (Method::Get, ADMIN_ORDERS) => return admin::list(req, p, &cfg()?).await,
        (Method::Post, ADMIN_RECONCILE) => return admin::reconcile(req, p, &cfg()?).await,
        (Method::Post, ADMIN_CLOCK) => return admin::clock(p, req, &cfg()?).await,
        (Method::Post, HANDOFF_PATH) => return handoff::create(req, p, &cfg()?).await,
        (Method::Get, HANDOFF_PATH) => return handoff::status(req, p, &cfg()?).await,
        (Method::Delete, HANDOFF_PATH) => return handoff::end(req, p, &cfg()?).await,
        (Method::Post, HANDOFF_CLAIM_PATH) => return handoff::claim(req, p, &cfg()?).await,
        (Method::Post, CONSOLE_BOOTSTRAP) => return console::bootstrap(req, p, &cfg()?).await,
        (Method::Post, CONSOLE_LOGIN) => return console::login(req, p, &cfg()?).await,
        (Method::Post, CONSOLE_LOGOUT) => return console::logout(req, p, &cfg()?).await,
        (Method::Post, CONSOLE_LOGOUT_ALL) => {
            return console::logout_all(req, p, &cfg()?).await;
        }
        (Method::Get, CONSOLE_ME) => return console::me(req, p, &cfg()?).await,
        (Method::Get, CONSOLE_ACCOUNTS) => return console::list_accounts(req, p, &cfg()?).await,
        (Method::Post, CONSOLE_ACCOUNTS) => {
            return console::create_account(req, p, &cfg()?).await;
        }
        (Method::Get, CONSOLE_AUDIT) => return console::audit_log(req, p, &cfg()?).await,
        (Method::Post, CONSOLE_CHECKS) => return checks::run(req, p, &cfg()?).await,
        (Method::Get, CONSOLE_CHECKS) => return checks::list(req, p, &cfg()?).await,
        (Method::Post, CONSOLE_CASES) => return cases::create(req, p, &cfg()?).await,
        (Method::Get, CONSOLE_CASES) => return cases::list(req, p, &cfg()?).await,
        (Method::Post, REALME_CALLBACK) => return checks::notification(req, p, &cfg()?).await,
        (Method::Get, CONSOLE_SPEND) => return reports::spend(req, p, &cfg()?).await,
        (Method::Get, CONSOLE_PRICES) => return reports::prices(req, p, &cfg()?).await,
        (Method::Post, CONSOLE_PRICES) => return reports::set_price(req, p, &cfg()?).await,
        (Method::Get, CONSOLE_SETTINGS) => return settings::list(req, p, &cfg()?).await,
        (Method::Post, CONSOLE_SETTINGS) => return settings::change(req, p, &cfg()?).await,
        (Method::Post, CONSOLE_NUMBERS_PATH) => return pool::upload(req, p, &cfg()?).await,
        (Method::Get, CONSOLE_EXPORT_CHECKS) => {
            return reports::export_checks(req, p, &cfg()?).await;
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
            | CONSOLE_EXPORT_CHECKS
            | CONSOLE_SETTINGS
            | CONSOLE_NUMBERS_PATH,
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
            Method::Post => callbacks::order_vendor(req, p, &cfg, api_xid, token).await,
            _ => Err(AppError::MethodNotAllowed),
        };
    }
    if let Some(part) = path.strip_prefix(HANDOFF_PHOTOS_PATH) {
        return match method {
            Method::Put => handoff::upload(req, p, &cfg()?, part).await,
            Method::Get => handoff::photo(req, p, &cfg()?, part).await,
            _ => Err(AppError::MethodNotAllowed),
        };
    }
    if let Some(rest) = path.strip_prefix("/api/console/checks/") {
        return match (method, rest.split_once('/')) {
            (Method::Get, None) => checks::get(req, p, &cfg()?, rest).await,
            (Method::Post, Some((id, "reveal"))) => checks::reveal(req, p, &cfg()?, id).await,
            (_, None | Some((_, "reveal"))) => Err(AppError::MethodNotAllowed),
            _ => Err(AppError::NotFound),
        };
    }
    if let Some(rest) = path.strip_prefix("/api/console/cases/") {
        return match (method, rest.split_once('/')) {
            (Method::Get, None) => cases::get(req, p, &cfg()?, rest).await,
            (Method::Post, Some((id, "close"))) => cases::close(req, p, &cfg()?, id).await,
            (_, None | Some((_, "close"))) => Err(AppError::MethodNotAllowed),
            _ => Err(AppError::NotFound),
        };
    }
    if let Some(username) = path.strip_prefix("/api/console/accounts/") {
        return match method {
            Method::Post => console::change_account(req, p, &cfg()?, username).await,
            _ => Err(AppError::MethodNotAllowed),
        };
    }
    if let Some(rest) = path.strip_prefix("/api/admin/orders/") {
        return match (method, rest.split_once('/')) {
            (Method::Post, Some((id, "settle"))) => admin::settle(req, p, &cfg()?, id).await,
            (_, Some((_, "settle"))) => Err(AppError::MethodNotAllowed),
            _ => Err(AppError::NotFound),
        };
    }
    if let Some(rest) = path.strip_prefix("/api/orders/") {
        return match (method, rest.split_once('/')) {
            (Method::Get, None) => orders::get(req, p, &cfg()?, rest).await,
            (Method::Post, Some((id, "photos"))) => orders::put_photos(req, p, &cfg()?, id).await,
            (_, None | Some((_, "photos"))) => Err(AppError::MethodNotAllowed),
            _ => Err(AppError::NotFound),
        };
    }
    Err(AppError::NotFound)
}
