//! Settings an admin changes from the console (`settings` in D1; the rules and ranges are
//! `haoka_edge_core::settings`), laid over the `[vars]` defaults for the checks' paths; every
//! change is audited with the old and the new value.

use haoka_edge_core::{
    auth::Permission,
    settings::{self, SETTINGS, SettingError},
};
use haoka_shared::refusal::Refusal;
use serde::Deserialize;
use serde_json::{Value, json};
use worker::{D1Database, Env, Request, Response};

use crate::{
    audit,
    body::read_json,
    config::{Config, DB, now_ms},
    console,
    error::AppError,
    store::int,
};

#[derive(Deserialize)]
struct Row {
    key: String,
    value: f64,
    #[serde(default)]
    updated_by: String,
    #[serde(default)]
    updated_at_ms: f64,
}

async fn rows(db: &D1Database) -> Result<Vec<Row>, AppError> {
    Ok(db
        .prepare("SELECT key, value, updated_by, updated_at_ms FROM settings")
        .all()
        .await?
        .results::<Row>()?)
}

/// Set `key` on `cfg` (an unknown key changes nothing).
fn set(cfg: &mut Config, key: &str, v: f64) {
    match key {
        "REALME_PASS_SCORE" => cfg.realme_pass_score = v,
        "CHECK_REUSE_S" => cfg.check_reuse_ms = (v as i64).saturating_mul(1000),
        "CHECKS_PER_MINUTE_AGENT" => cfg.checks_per_minute_agent = v as u32,
        "CHECKS_PER_MINUTE_IP" => cfg.checks_per_minute_ip = v as u32,
        "CHECK_TIMEOUT_S" => cfg.check_timeout_ms = (v as i64).saturating_mul(1000),
        _ => {}
    }
}

/// The value `key` has in `cfg`.
fn get(cfg: &Config, key: &str) -> f64 {
    match key {
        "REALME_PASS_SCORE" => cfg.realme_pass_score,
        "CHECK_REUSE_S" => (cfg.check_reuse_ms / 1000) as f64,
        "CHECKS_PER_MINUTE_AGENT" => f64::from(cfg.checks_per_minute_agent),
        "CHECKS_PER_MINUTE_IP" => f64::from(cfg.checks_per_minute_ip),
        "CHECK_TIMEOUT_S" => (cfg.check_timeout_ms / 1000) as f64,
        _ => 0.0,
    }
}

/// `cfg` with the console's changes laid over it (values still checked: a row out of range,
/// e.g. written by hand, is ignored).
pub async fn effective(env: &Env, cfg: &Config) -> Result<Config, AppError> {
    let mut out = cfg.clone();
    for row in rows(&env.d1(DB)?).await? {
        if settings::parse(&row.key, &row.value.to_string()).is_ok() {
            set(&mut out, &row.key, row.value);
        }
    }
    Ok(out)
}

/// `GET /api/console/settings`: every setting with its value, its `[vars]` default and who
/// changed it last (admins and compliance).
pub async fn list(req: &Request, env: &Env, cfg: &Config) -> Result<Response, AppError> {
    let who = console::actor(req, env, cfg).await?;
    if !who.role.can(Permission::Administer) && !who.role.can(Permission::ReadAudit) {
        return Err(console::forbidden(env, cfg, req, &who, "settings").await);
    }
    let now = effective(env, cfg).await?;
    let stored = rows(&env.d1(DB)?).await?;
    let list: Vec<Value> = SETTINGS
        .iter()
        .map(|s| {
            let row = stored.iter().find(|r| r.key == s.key);
            json!({
                "key": s.key, "zh": s.zh, "en": s.en, "min": s.min, "max": s.max,
                "value": get(&now, s.key), "default": get(cfg, s.key),
                "changed_by": row.map(|r| r.updated_by.clone()),
                "changed_at_ms": row.map(|r| r.updated_at_ms as i64),
            })
        })
        .collect();
    Ok(Response::from_json(&json!({ "settings": list }))?)
}

#[derive(Deserialize)]
struct Change {
    key: String,
    value: String,
}

/// `POST /api/console/settings` `{key, value}`: an admin changes one setting, audited.
pub async fn change(mut req: Request, env: &Env, cfg: &Config) -> Result<Response, AppError> {
    let who = console::actor_for_change(&req, env, cfg).await?;
    console::require(env, cfg, &req, &who, Permission::Administer).await?;
    let body: Change = read_json(&mut req, 1024).await?;
    let value = settings::parse(&body.key, &body.value).map_err(|e| match e {
        SettingError::Unknown => Refusal::UnknownSetting,
        SettingError::OutOfRange => Refusal::SettingOutOfRange,
    })?;
    let before = get(&effective(env, cfg).await?, &body.key);
    let db = env.d1(DB)?;
    db.prepare(
        "INSERT INTO settings (key, value, updated_by, updated_at_ms) VALUES (?1, ?2, ?3, ?4) \
         ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_by = excluded.updated_by, \
         updated_at_ms = excluded.updated_at_ms",
    )
    .bind(&[
        body.key.as_str().into(),
        value.into(),
        who.username.as_str().into(),
        int(now_ms()),
    ])?
    .run()
    .await?;
    audit::append(
        &db,
        &cfg.audit_key,
        &who.username,
        "settings_change",
        &body.key,
        &format!("{before} -> {value}"),
    )
    .await?;
    Ok(Response::from_json(
        &json!({ "key": body.key, "value": value }),
    )?)
}
