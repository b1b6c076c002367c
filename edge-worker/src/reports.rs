//! The console's money view: the price of each check (configuration in D1, changed by an
//! admin and audited) and spend and pass rates per agent, store and check for a China-time
//! month. Leads see their own store; admins and compliance see every store. What adds up to
//! what is `haoka_edge_core::console::reports`; the queries are `haoka_edge_core::sql::reports`.

use haoka_edge_core::{
    auth::Permission,
    console::reports as core,
    export,
    sql::reports::{self as sql, Group},
};
use haoka_shared::{api::console::NewPrice, china_month_bounds_ms, refusal::Refusal};
use worker::{Env, Request, Response};

use crate::{
    audit,
    body::read_json,
    config::{Config, DB, now_ms},
    console,
    db::Run,
    error::AppError,
};

/// The `month` of the query string, if there is one.
fn month_asked(req: &Request) -> Result<Option<String>, AppError> {
    Ok(req
        .url()?
        .query_pairs()
        .find(|(k, _)| k == "month")
        .map(|(_, v)| v.into_owned()))
}

/// `GET /api/console/reports/spend?month=YYYY-MM` (this month by default).
pub async fn spend(req: &Request, env: &Env, cfg: &Config) -> Result<Response, AppError> {
    let who = console::actor(req, env, cfg).await?;
    let Some(scope) = core::spend_scope(who.who()) else {
        return Err(console::forbidden(env, cfg, req, &who, "spend report").await);
    };
    let month = month_asked(req)?.unwrap_or_else(|| core::month_of(now_ms()));
    let (from, to) = china_month_bounds_ms(&month).ok_or(Refusal::InvalidMonth)?;
    let db = env.d1(DB)?;
    let store = scope.store();
    let by_agent = db.rows(sql::spend(Group::Agent, from, to, store)).await?;
    let by_store = db.rows(sql::spend(Group::Store, from, to, store)).await?;
    let by_check = db.rows(sql::spend(Group::Check, from, to, store)).await?;
    let report = core::spend(&month, scope, by_agent, by_store, by_check);
    Ok(Response::from_json(&report)?)
}

/// `GET /api/console/prices`: every check with its price in fen.
pub async fn prices(req: &Request, env: &Env, cfg: &Config) -> Result<Response, AppError> {
    console::actor(req, env, cfg).await?;
    let stored: Vec<(String, i64)> = env
        .d1(DB)?
        .rows(sql::prices())
        .await?
        .into_iter()
        .map(|p| (p.check_name, p.fen))
        .collect();
    Ok(Response::from_json(&core::prices(&stored))?)
}

/// `POST /api/console/prices` `{check, fen}`: an admin sets one price (0–100000 fen), audited.
pub async fn set_price(mut req: Request, env: &Env, cfg: &Config) -> Result<Response, AppError> {
    let who = console::actor_for_change(&req, env, cfg).await?;
    console::require(env, cfg, &req, &who, Permission::Administer).await?;
    let body: NewPrice = read_json(&mut req, 1024).await?;
    core::check_price(&body)?;
    let db = env.d1(DB)?;
    db.run(sql::set_price(&body.check, body.fen)).await?;
    audit::append(
        &db,
        &cfg.audit_key,
        &who.username,
        "price_change",
        &body.check,
        &format!("{} fen", body.fen),
    )
    .await?;
    Ok(Response::from_json(&body)?)
}

/// `GET /api/console/exports/checks.csv?month=YYYY-MM`: an admin's export of a month's checks
/// (masked, as the history shows them), audited.
pub async fn export_checks(req: &Request, env: &Env, cfg: &Config) -> Result<Response, AppError> {
    let who = console::actor(req, env, cfg).await?;
    console::require(env, cfg, req, &who, Permission::Administer).await?;
    let month = month_asked(req)?.unwrap_or_default();
    let (from, to) = china_month_bounds_ms(&month).ok_or(Refusal::InvalidMonth)?;
    let db = env.d1(DB)?;
    let lines: Vec<export::CheckLine> = db
        .rows(sql::month_checks(from, to))
        .await?
        .into_iter()
        .map(core::export_line)
        .collect();
    audit::append(
        &db,
        &cfg.audit_key,
        &who.username,
        "export",
        "checks",
        &core::export_detail(&month, lines.len()),
    )
    .await?;
    let mut resp = Response::ok(export::checks_csv(&lines))?;
    let headers = resp.headers_mut();
    headers.set("content-type", "text/csv; charset=utf-8")?;
    headers.set(
        "content-disposition",
        &format!("attachment; filename=\"haoka-checks-{month}.csv\""),
    )?;
    headers.set("cache-control", "no-store")?;
    Ok(resp)
}
