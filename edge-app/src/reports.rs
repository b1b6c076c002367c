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

use crate::{
    Config, audit,
    body::read_json,
    console,
    error::AppError,
    http::{Incoming, Reply},
    platform::Platform,
};

/// The `month` of the query string, if there is one.
fn month_asked(req: &Incoming) -> Option<String> {
    req.param("month").map(str::to_owned)
}

/// `GET /api/console/reports/spend?month=YYYY-MM` (this month by default).
pub async fn spend(req: &Incoming, p: &impl Platform, cfg: &Config) -> Result<Reply, AppError> {
    let who = console::actor(req, p, cfg).await?;
    let Some(scope) = core::spend_scope(who.who()) else {
        return Err(console::forbidden(p, cfg, req, &who, "spend report").await);
    };
    let month = month_asked(req).unwrap_or_else(|| core::month_of(p.now_ms()));
    let (from, to) = china_month_bounds_ms(&month).ok_or(Refusal::InvalidMonth)?;
    let store = scope.store();
    let by_agent = p.rows(sql::spend(Group::Agent, from, to, store)).await?;
    let by_store = p.rows(sql::spend(Group::Store, from, to, store)).await?;
    let by_check = p.rows(sql::spend(Group::Check, from, to, store)).await?;
    let report = core::spend(&month, scope, by_agent, by_store, by_check);
    Reply::json(&report)
}

/// `GET /api/console/prices`: every check with its price in fen.
pub async fn prices(req: &Incoming, p: &impl Platform, cfg: &Config) -> Result<Reply, AppError> {
    console::actor(req, p, cfg).await?;
    let stored: Vec<(String, i64)> = p
        .rows(sql::prices())
        .await?
        .into_iter()
        .map(|price| (price.check_name, price.fen))
        .collect();
    Reply::json(&core::prices(&stored))
}

/// `POST /api/console/prices` `{check, fen}`: an admin sets one price (0–100000 fen), audited.
pub async fn set_price(req: &Incoming, p: &impl Platform, cfg: &Config) -> Result<Reply, AppError> {
    let who = console::actor_for_change(req, p, cfg).await?;
    console::require(p, cfg, req, &who, Permission::Administer).await?;
    let body: NewPrice = read_json(p, 1024).await?;
    core::check_price(&body)?;
    p.run(sql::set_price(&body.check, body.fen)).await?;
    audit::append(
        p,
        &cfg.audit_key,
        &who.username,
        "price_change",
        &body.check,
        &format!("{} fen", body.fen),
    )
    .await?;
    Reply::json(&body)
}

/// `GET /api/console/exports/checks.csv?month=YYYY-MM`: an admin's export of a month's checks
/// (masked, as the history shows them), audited.
pub async fn export_checks(
    req: &Incoming,
    p: &impl Platform,
    cfg: &Config,
) -> Result<Reply, AppError> {
    let who = console::actor(req, p, cfg).await?;
    console::require(p, cfg, req, &who, Permission::Administer).await?;
    let month = month_asked(req).unwrap_or_default();
    let (from, to) = china_month_bounds_ms(&month).ok_or(Refusal::InvalidMonth)?;
    let lines: Vec<export::CheckLine> = p
        .rows(sql::month_checks(from, to))
        .await?
        .into_iter()
        .map(core::export_line)
        .collect();
    audit::append(
        p,
        &cfg.audit_key,
        &who.username,
        "export",
        "checks",
        &core::export_detail(&month, lines.len()),
    )
    .await?;
    let csv = export::checks_csv(&lines);
    Ok(Reply::bytes("text/csv; charset=utf-8", csv.into_bytes())
        .with_header(
            "content-disposition",
            &format!("attachment; filename=\"haoka-checks-{month}.csv\""),
        )
        .with_header("cache-control", "no-store"))
}
