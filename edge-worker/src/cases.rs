//! Cases: the checks run for one customer, optionally linked to an order, closed by the
//! agent or their lead as approved, rejected or needing new photos, with a reason. Agents see
//! their own, leads their store's, admins and compliance all.

use haoka_edge_core::{auth::Permission, checks::Subject, crypto::CASE_SUBJECT};
use haoka_shared::{idcard, ids, mask, name, refusal::Refusal};
use serde::{Deserialize, Serialize};
use worker::{D1Database, Env, Request, Response};

use crate::{
    audit,
    body::read_json,
    config::{Config, DB, now_ms, random},
    console::{self, Actor},
    error::AppError,
    store::{int, opt},
};

/// One row of `cases`.
#[derive(Deserialize, Serialize, Clone)]
pub struct CaseRow {
    id: String,
    agent: String,
    store: String,
    subject_masked: String,
    /// What the sealed subject holds (`name,id_number`): the check form offers those.
    #[serde(default)]
    subject_parts: String,
    /// Sealed; never sent.
    #[serde(default, skip_serializing)]
    subject_enc: String,
    order_id: Option<String>,
    state: String,
    reason: String,
    closed_by: Option<String>,
    created_at_ms: i64,
    updated_at_ms: i64,
}

async fn load(db: &D1Database, id: &str) -> Result<Option<CaseRow>, AppError> {
    Ok(db
        .prepare("SELECT * FROM cases WHERE id = ?1")
        .bind(&[id.into()])?
        .first::<CaseRow>(None)
        .await?)
}

fn may_see(who: &Actor, case: &CaseRow) -> bool {
    haoka_edge_core::auth::may_see(
        who.role,
        &who.username,
        &who.store,
        &case.agent,
        &case.store,
    )
}

fn may_work_on(who: &Actor, case: &CaseRow) -> bool {
    (case.agent == who.username && who.role.can(Permission::RunChecks))
        || who.role.can(Permission::Administer)
        || (who.role.can(Permission::ManageStoreAgents) && case.store == who.store)
}

/// Refuse (404 / 403 audited / 409) unless `who` may add checks to the open case `id`; the
/// case's subject (empty when none was given or it was cleared by the retention pass).
pub async fn may_use(
    env: &Env,
    cfg: &Config,
    req: &Request,
    who: &Actor,
    db: &D1Database,
    id: &str,
) -> Result<Subject, AppError> {
    let case = load(db, id).await?.ok_or(Refusal::CaseNotFound)?;
    if !may_work_on(who, &case) {
        return Err(console::forbidden(env, cfg, req, who, &format!("case {id}")).await);
    }
    if case.state != "open" {
        return Err(Refusal::CaseClosed.into());
    }
    if case.subject_enc.is_empty() {
        return Ok(Subject::default());
    }
    let json = cfg
        .sealer
        .open(&CASE_SUBJECT.aad_for(&case.id), &case.subject_enc)
        .map_err(|e| AppError::Internal(format!("case {} subject: {e}", case.id)))?;
    serde_json::from_str(&json).map_err(|e| AppError::Internal(format!("case subject: {e}")))
}

#[derive(Deserialize)]
struct NewCase {
    #[serde(default)]
    subject_name: String,
    #[serde(default)]
    id_number: String,
    #[serde(default)]
    order_id: Option<String>,
}

/// `POST /api/console/cases`.
pub async fn create(mut req: Request, env: &Env, cfg: &Config) -> Result<Response, AppError> {
    let who = console::actor_for_change(&req, env, cfg).await?;
    console::require(env, cfg, &req, &who, Permission::RunChecks).await?;
    let body: NewCase = read_json(&mut req, 2048).await?;
    let mut subject = Vec::new();
    let mut sealed = haoka_edge_core::checks::Subject::default();
    if !body.subject_name.trim().is_empty() {
        let n = name::parse_name(&body.subject_name).map_err(|_| Refusal::InvalidName)?;
        subject.push(mask::mask_name(&n));
        sealed.name = Some(n);
    }
    if !body.id_number.trim().is_empty() {
        let today = haoka_shared::china_date_from_unix_millis(now_ms());
        let id = idcard::parse_resident_id(&body.id_number, today)
            .map_err(|_| Refusal::InvalidIdNumber)?;
        subject.push(mask::mask_middle(id.as_str(), 6, 4));
        sealed.id_number = Some(id.as_str().to_owned());
    }
    if let Some(o) = &body.order_id
        && !ids::is_valid_id(o)
    {
        return Err(AppError::BadRequest("order_id".into()));
    }
    let now = now_ms();
    let id = ids::mint_id("CS", now, &random::<6>()?);
    let parts = sealed.parts().join(",");
    let subject_enc = if parts.is_empty() {
        String::new()
    } else {
        let json = serde_json::to_string(&sealed).map_err(|e| AppError::Internal(e.to_string()))?;
        cfg.sealer
            .seal(&CASE_SUBJECT.aad_for(&id), &json, random::<12>()?)
            .map_err(|e| AppError::Internal(format!("seal case subject: {e}")))?
    };
    let db = env.d1(DB)?;
    db.prepare(
        "INSERT INTO cases (id, agent, store, subject_masked, subject_enc, subject_parts, order_id, \
         created_at_ms, updated_at_ms) VALUES (?1, ?2, ?3, ?4, ?7, ?8, ?5, ?6, ?6)",
    )
    .bind(&[
        id.as_str().into(),
        who.username.as_str().into(),
        who.store.as_str().into(),
        subject.join(" ").into(),
        opt(body.order_id.as_deref()),
        int(now),
        subject_enc.into(),
        parts.into(),
    ])?
    .run()
    .await?;
    audit::append(&db, &cfg.audit_key, &who.username, "case_open", &id, "").await?;
    let case = load(&db, &id).await?.ok_or(Refusal::CaseNotFound)?;
    Ok(Response::from_json(&case)?.with_status(201))
}

/// `GET /api/console/cases?state=`: newest 100 the account may see.
pub async fn list(req: &Request, env: &Env, cfg: &Config) -> Result<Response, AppError> {
    let who = console::actor(req, env, cfg).await?;
    let state = req
        .url()?
        .query_pairs()
        .find(|(k, _)| k == "state")
        .map(|(_, v)| v.into_owned());
    let db = env.d1(DB)?;
    let (scope, key) = if who.role.can(Permission::ReadAll) {
        ("1 = 1 OR ?1 = ?1", String::new())
    } else if who.role.can(Permission::ReadStore) {
        ("store = ?1", who.store.clone())
    } else {
        ("agent = ?1", who.username.clone())
    };
    let sql = format!(
        "SELECT * FROM cases WHERE ({scope}) AND (?2 IS NULL OR state = ?2) ORDER BY created_at_ms DESC LIMIT 100"
    );
    let rows = db
        .prepare(&sql)
        .bind(&[key.into(), opt(state.as_deref())])?
        .all()
        .await?
        .results::<CaseRow>()?;
    Ok(Response::from_json(&serde_json::json!({ "cases": rows }))?)
}

/// `GET /api/console/cases/{id}`: the case and the ids of its checks, newest first.
pub async fn get(req: &Request, env: &Env, cfg: &Config, id: &str) -> Result<Response, AppError> {
    let who = console::actor(req, env, cfg).await?;
    let db = env.d1(DB)?;
    let case = load(&db, id).await?.ok_or(Refusal::CaseNotFound)?;
    if !may_see(&who, &case) {
        return Err(console::forbidden(env, cfg, req, &who, &format!("case {id}")).await);
    }
    #[derive(Deserialize, Serialize)]
    struct Brief {
        id: String,
        check_name: String,
        state: String,
        verdict: Option<String>,
        created_at_ms: i64,
    }
    let checks = db
        .prepare("SELECT id, check_name, state, verdict, created_at_ms FROM checks WHERE case_id = ?1 ORDER BY created_at_ms DESC")
        .bind(&[id.into()])?
        .all()
        .await?
        .results::<Brief>()?;
    Ok(Response::from_json(
        &serde_json::json!({ "case": case, "checks": checks }),
    )?)
}

#[derive(Deserialize)]
struct Close {
    decision: String,
    reason: String,
}

/// `POST /api/console/cases/{id}/close`: approved, rejected or recapture, with a reason.
pub async fn close(
    mut req: Request,
    env: &Env,
    cfg: &Config,
    id: &str,
) -> Result<Response, AppError> {
    let who = console::actor_for_change(&req, env, cfg).await?;
    let body: Close = read_json(&mut req, 2048).await?;
    let db = env.d1(DB)?;
    let case = load(&db, id).await?.ok_or(Refusal::CaseNotFound)?;
    if !may_work_on(&who, &case) {
        return Err(console::forbidden(env, cfg, &req, &who, &format!("close case {id}")).await);
    }
    if !["approved", "rejected", "recapture"].contains(&body.decision.as_str()) {
        return Err(Refusal::InvalidDecision.into());
    }
    let reason = body.reason.trim();
    let n = reason.chars().count();
    if !(2..=200).contains(&n) || reason.chars().any(char::is_control) {
        return Err(Refusal::InvalidReason.into());
    }
    let changed = db
        .prepare(
            "UPDATE cases SET state = ?1, reason = ?2, closed_by = ?3, updated_at_ms = ?4 \
             WHERE id = ?5 AND state = 'open' RETURNING id",
        )
        .bind(&[
            body.decision.as_str().into(),
            reason.into(),
            who.username.as_str().into(),
            int(now_ms()),
            id.into(),
        ])?
        .first::<serde_json::Value>(None)
        .await?;
    if changed.is_none() {
        return Err(Refusal::CaseClosed.into());
    }
    audit::append(
        &db,
        &cfg.audit_key,
        &who.username,
        "case_close",
        id,
        &format!("{}: {reason}", body.decision),
    )
    .await?;
    let case = load(&db, id).await?.ok_or(Refusal::CaseNotFound)?;
    Ok(Response::from_json(&case)?)
}
