//! The console's money view: the price of each check (configuration in D1, changed by an
//! admin and audited) and spend and pass rates per agent, store and check for a China-time
//! month. Leads see their own store; admins and compliance see every store.

use haoka_edge_core::auth::Permission;
use haoka_shared::{china_month_bounds_ms, realme, refusal::Refusal};
use serde::Deserialize;
use serde_json::{Value, json};
use worker::{Env, Request, Response};

use crate::{
    audit,
    body::read_json,
    config::{Config, DB, now_ms},
    console,
    error::AppError,
    store::int,
};

/// Verdicts that say yes or no about a person (the denominator of a pass rate).
const JUDGED: &str = "('match','mismatch','no_record','mobile_partial','face_below_threshold')";

/// `GET /api/console/reports/spend?month=YYYY-MM` (this month by default).
pub async fn spend(req: &Request, env: &Env, cfg: &Config) -> Result<Response, AppError> {
    let who = console::actor(req, env, cfg).await?;
    let all = who.role.can(Permission::ReadAll);
    if !all && !who.role.can(Permission::ReadStore) {
        return Err(console::forbidden(env, cfg, req, &who, "spend report").await);
    }
    let url = req.url()?;
    let month = url
        .query_pairs()
        .find(|(k, _)| k == "month")
        .map(|(_, v)| v.into_owned())
        .unwrap_or_else(|| {
            let d = haoka_shared::china_date_from_unix_millis(now_ms());
            format!("{:04}-{:02}", d.year(), u8::from(d.month()))
        });
    let (from, to) = china_month_bounds_ms(&month).ok_or(Refusal::InvalidMonth)?;
    let db = env.d1(DB)?;
    let store_clause = if all { "" } else { " AND store = ?3" };
    let mut binds = vec![int(from), int(to)];
    if !all {
        binds.push(who.store.as_str().into());
    }
    let mut groups = serde_json::Map::new();
    for (name, by) in [
        ("by_agent", "agent, store"),
        ("by_store", "store"),
        ("by_check", "check_name"),
    ] {
        let sql = format!(
            "SELECT {by}, COUNT(*) AS checks, SUM(cost_fen) AS fen, \
             SUM(CASE WHEN verdict = 'match' THEN 1 ELSE 0 END) AS passed, \
             SUM(CASE WHEN verdict IN {JUDGED} THEN 1 ELSE 0 END) AS judged, \
             SUM(CASE WHEN via = 'reuse' THEN 1 ELSE 0 END) AS reused \
             FROM checks WHERE created_at_ms >= ?1 AND created_at_ms < ?2{store_clause} \
             GROUP BY {by} ORDER BY fen DESC, checks DESC LIMIT 500"
        );
        let rows = db
            .prepare(&sql)
            .bind(&binds)?
            .all()
            .await?
            .results::<Value>()?;
        let rows: Vec<Value> = rows.into_iter().map(with_rate).collect();
        groups.insert(name.into(), Value::Array(rows));
    }
    let total: f64 = groups["by_store"]
        .as_array()
        .map(|a| a.iter().filter_map(|r| r["fen"].as_f64()).sum())
        .unwrap_or_default();
    groups.insert("month".into(), json!(month));
    groups.insert("total_fen".into(), json!(total as i64));
    groups.insert("scope".into(), json!(if all { "all" } else { &who.store }));
    Ok(Response::from_json(&Value::Object(groups))?)
}

/// A row with `pass_rate` (passed ÷ judged, `null` when nothing was judged).
fn with_rate(mut row: Value) -> Value {
    let passed = row["passed"].as_f64().unwrap_or_default();
    let judged = row["judged"].as_f64().unwrap_or_default();
    row["pass_rate"] = if judged > 0.0 {
        json!((passed / judged * 1000.0).round() / 1000.0)
    } else {
        Value::Null
    };
    row
}

/// `GET /api/console/prices`: every check with its price in fen.
pub async fn prices(req: &Request, env: &Env, cfg: &Config) -> Result<Response, AppError> {
    console::actor(req, env, cfg).await?;
    let rows = env
        .d1(DB)?
        .prepare("SELECT check_name, fen FROM check_prices")
        .all()
        .await?
        .results::<Value>()?;
    let fen_of = |name: &str| {
        rows.iter()
            .find(|r| r["check_name"] == name)
            .and_then(|r| r["fen"].as_f64())
            .unwrap_or_default() as i64
    };
    let list: Vec<Value> = realme::CHECKS
        .iter()
        .map(|c| (c.name, c.title_zh, c.title_en))
        .chain([("phone3", "手机号三要素核验", "Phone three-factor check")])
        .map(|(name, zh, en)| json!({ "check": name, "title_zh": zh, "title_en": en, "fen": fen_of(name) }))
        .collect();
    Ok(Response::from_json(&json!({ "prices": list }))?)
}

#[derive(Deserialize)]
struct NewPrice {
    check: String,
    fen: i64,
}

/// `POST /api/console/prices` `{check, fen}`: an admin sets one price (0–100000 fen), audited.
pub async fn set_price(mut req: Request, env: &Env, cfg: &Config) -> Result<Response, AppError> {
    let who = console::actor_for_change(&req, env, cfg).await?;
    console::require(env, cfg, &req, &who, Permission::Administer).await?;
    let body: NewPrice = read_json(&mut req, 1024).await?;
    let known = body.check == "phone3" || realme::check(&body.check).is_some();
    if !known || !(0..=100_000).contains(&body.fen) {
        return Err(Refusal::InvalidPrice.into());
    }
    let db = env.d1(DB)?;
    db.prepare(
        "INSERT INTO check_prices (check_name, fen) VALUES (?1, ?2) \
         ON CONFLICT (check_name) DO UPDATE SET fen = excluded.fen",
    )
    .bind(&[body.check.as_str().into(), int(body.fen)])?
    .run()
    .await?;
    audit::append(
        &db,
        &cfg.audit_key,
        &who.username,
        "price_change",
        &body.check,
        &format!("{} fen", body.fen),
    )
    .await?;
    Ok(Response::from_json(
        &json!({ "check": body.check, "fen": body.fen }),
    )?)
}

/// `GET /api/console/exports/checks.csv?month=YYYY-MM`: an admin's export of a month's checks
/// (masked, as the history shows them), audited.
pub async fn export_checks(req: &Request, env: &Env, cfg: &Config) -> Result<Response, AppError> {
    let who = console::actor(req, env, cfg).await?;
    console::require(env, cfg, req, &who, Permission::Administer).await?;
    let url = req.url()?;
    let month = url
        .query_pairs()
        .find(|(k, _)| k == "month")
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default();
    let (from, to) = china_month_bounds_ms(&month).ok_or(Refusal::InvalidMonth)?;
    let db = env.d1(DB)?;
    let rows = db
        .prepare(
            "SELECT id, agent, store, check_name, state, verdict, via, cost_fen, case_id, \
             inputs_masked, created_at_ms FROM checks WHERE created_at_ms >= ?1 AND created_at_ms < ?2 \
             ORDER BY created_at_ms LIMIT 10000",
        )
        .bind(&[int(from), int(to)])?
        .all()
        .await?
        .results::<Value>()?;
    let lines: Vec<haoka_edge_core::export::CheckLine> = rows
        .into_iter()
        .filter_map(|mut r| {
            let at = r["created_at_ms"].as_f64().unwrap_or_default() as i64;
            r["created"] = json!(haoka_shared::ChinaDateTime::from_unix_millis(at).display());
            serde_json::from_value(r).ok()
        })
        .collect();
    audit::append(
        &db,
        &cfg.audit_key,
        &who.username,
        "export",
        "checks",
        &format!("{month}: {} rows", lines.len()),
    )
    .await?;
    let mut resp = Response::ok(haoka_edge_core::export::checks_csv(&lines))?;
    let headers = resp.headers_mut();
    headers.set("content-type", "text/csv; charset=utf-8")?;
    headers.set(
        "content-disposition",
        &format!("attachment; filename=\"haoka-checks-{month}.csv\""),
    )?;
    headers.set("cache-control", "no-store")?;
    Ok(resp)
}
