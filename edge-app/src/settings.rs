//! Settings an admin changes from the console (`settings` in D1; the rules, ranges and the
//! overlay are `haoka_edge_core::settings`), laid over the `[vars]` defaults for the checks'
//! paths; every change is audited with the old and the new value.

use haoka_edge_core::{
    auth::Permission,
    settings::{self, Tunables},
    sql::settings as sql,
};
use haoka_shared::api::console::{SettingChange, SettingChanged};

use crate::{
    Config, audit,
    body::read_json,
    console,
    error::AppError,
    http::{Incoming, Reply},
    platform::Platform,
};

/// The tunables `cfg` holds.
fn tunables(cfg: &Config) -> Tunables {
    Tunables {
        realme_pass_score: cfg.realme_pass_score,
        check_reuse_ms: cfg.check_reuse_ms,
        checks_per_minute_agent: cfg.checks_per_minute_agent,
        checks_per_minute_ip: cfg.checks_per_minute_ip,
        check_timeout_ms: cfg.check_timeout_ms,
    }
}

/// `cfg` with the tunables `t`.
fn with_tunables(cfg: &Config, t: Tunables) -> Config {
    Config {
        realme_pass_score: t.realme_pass_score,
        check_reuse_ms: t.check_reuse_ms,
        checks_per_minute_agent: t.checks_per_minute_agent,
        checks_per_minute_ip: t.checks_per_minute_ip,
        check_timeout_ms: t.check_timeout_ms,
        ..cfg.clone()
    }
}

/// `cfg` with the console's changes laid over it (values still checked: a row out of range,
/// e.g. written by hand, is ignored).
pub async fn effective(p: &impl Platform, cfg: &Config) -> Result<Config, AppError> {
    let stored = p.rows(sql::all()).await?;
    Ok(with_tunables(cfg, tunables(cfg).with(&stored)))
}

/// `GET /api/console/settings`: every setting with its value, its `[vars]` default and who
/// changed it last (admins and compliance).
pub async fn list(req: &Incoming, p: &impl Platform, cfg: &Config) -> Result<Reply, AppError> {
    let who = console::actor(req, p, cfg).await?;
    if !settings::may_read(who.role) {
        return Err(console::forbidden(p, cfg, req, &who, "settings").await);
    }
    let stored = p.rows(sql::all()).await?;
    Reply::json(&settings::list(tunables(cfg), &stored))
}

/// `POST /api/console/settings` `{key, value}`: an admin changes one setting, audited.
pub async fn change(req: &Incoming, p: &impl Platform, cfg: &Config) -> Result<Reply, AppError> {
    let who = console::actor_for_change(req, p, cfg).await?;
    console::require(p, cfg, req, &who, Permission::Administer).await?;
    let body: SettingChange = read_json(p, 1024).await?;
    let value = settings::parse(&body.key, &body.value).map_err(|e| e.refusal())?;
    let before = tunables(cfg)
        .with(&p.rows(sql::all()).await?)
        .get(&body.key);
    p.run(sql::put(&body.key, value, &who.username, p.now_ms()))
        .await?;
    audit::append(
        p,
        &cfg.audit_key,
        &who.username,
        "settings_change",
        &body.key,
        &settings::change_detail(before, value),
    )
    .await?;
    Reply::json(&SettingChanged {
        key: body.key,
        value,
    })
}
