//! Cases, as routes: the checks run for one customer, optionally linked to an order, closed by
//! the agent or their lead as approved, rejected or needing new photos, with a reason. Who may
//! see or work on one, and what opening and closing need, is decided in
//! `haoka_edge_core::console::cases`; statements are `haoka_edge_core::sql::cases`.

use haoka_edge_core::{
    auth::Permission,
    checks::Subject,
    console::{self as core, cases::CaseRow},
    crypto::CASE_SUBJECT,
    sql::cases as sql,
};
use haoka_shared::{
    api::console::{CaseDetail, Cases, CloseCase, NewCase},
    ids,
    refusal::Refusal,
};

use crate::{
    Config, audit,
    body::read_json,
    console::{self, Actor},
    error::AppError,
    http::{Incoming, Reply},
    platform::{Platform, random},
};

fn may_see(who: &Actor, case: &CaseRow) -> bool {
    core::cases::may_see(who.role, &who.username, &who.store, case)
}

fn may_work_on(who: &Actor, case: &CaseRow) -> bool {
    core::cases::may_work_on(who.role, &who.username, &who.store, case)
}

/// Refuse (404 / 403 audited / 409) unless `who` may add checks to the open case `id`; the
/// case's subject (empty when none was given or it was cleared by the retention pass).
pub async fn may_use(
    p: &impl Platform,
    cfg: &Config,
    req: &Incoming,
    who: &Actor,
    id: &str,
) -> Result<Subject, AppError> {
    let case = p.one(sql::load(id)).await?.ok_or(Refusal::CaseNotFound)?;
    if !may_work_on(who, &case) {
        return Err(console::forbidden(p, cfg, req, who, &format!("case {id}")).await);
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

/// `POST /api/console/cases`.
pub async fn create(req: &Incoming, p: &impl Platform, cfg: &Config) -> Result<Reply, AppError> {
    let who = console::actor_for_change(req, p, cfg).await?;
    console::require(p, cfg, req, &who, Permission::RunChecks).await?;
    let body: NewCase = read_json(p, 2048).await?;
    let now = p.now_ms();
    let today = haoka_shared::china_date_from_unix_millis(now);
    let (masked, subject) = core::cases::subject_of(&body, today)?;
    let id = ids::mint_id("CS", now, &random::<6>(p)?);
    let parts = subject.parts().join(",");
    let subject_enc = if parts.is_empty() {
        String::new()
    } else {
        let json =
            serde_json::to_string(&subject).map_err(|e| AppError::Internal(e.to_string()))?;
        cfg.sealer
            .seal(&CASE_SUBJECT.aad_for(&id), &json, random::<12>(p)?)
            .map_err(|e| AppError::Internal(format!("seal case subject: {e}")))?
    };
    p.run(sql::insert(&sql::NewCase {
        id: &id,
        agent: &who.username,
        store: &who.store,
        subject_masked: &masked,
        subject_enc: &subject_enc,
        subject_parts: &parts,
        order_id: body.order_id.as_deref(),
        created_at_ms: now,
        updated_at_ms: now,
    }))
    .await?;
    audit::append(p, &cfg.audit_key, &who.username, "case_open", &id, "").await?;
    let case = p.one(sql::load(&id)).await?.ok_or(Refusal::CaseNotFound)?;
    Ok(Reply::json(&case.view())?.with_status(201))
}

/// `GET /api/console/cases?state=`: newest 100 the account may see.
pub async fn list(req: &Incoming, p: &impl Platform, cfg: &Config) -> Result<Reply, AppError> {
    let who = console::actor(req, p, cfg).await?;
    let state = req.param("state").map(str::to_owned);
    let scope = core::scope(who.role, &who.username, &who.store);
    let rows = p.rows(sql::list(&scope, state.as_deref())).await?;
    let cases = rows.iter().map(CaseRow::view).collect();
    Reply::json(&Cases { cases })
}

/// `GET /api/console/cases/{id}`: the case and the ids of its checks, newest first.
pub async fn get(
    req: &Incoming,
    p: &impl Platform,
    cfg: &Config,
    id: &str,
) -> Result<Reply, AppError> {
    let who = console::actor(req, p, cfg).await?;
    let case = p.one(sql::load(id)).await?.ok_or(Refusal::CaseNotFound)?;
    if !may_see(&who, &case) {
        return Err(console::forbidden(p, cfg, req, &who, &format!("case {id}")).await);
    }
    let checks = p.rows(haoka_edge_core::sql::checks::of_case(id)).await?;
    Reply::json(&CaseDetail {
        case: case.view(),
        checks,
    })
}

/// `POST /api/console/cases/{id}/close`: approved, rejected or recapture, with a reason.
pub async fn close(
    req: &Incoming,
    p: &impl Platform,
    cfg: &Config,
    id: &str,
) -> Result<Reply, AppError> {
    let who = console::actor_for_change(req, p, cfg).await?;
    let body: CloseCase = read_json(p, 2048).await?;
    let case = p.one(sql::load(id)).await?.ok_or(Refusal::CaseNotFound)?;
    if !may_work_on(&who, &case) {
        return Err(console::forbidden(p, cfg, req, &who, &format!("close case {id}")).await);
    }
    let (decision, reason) = core::cases::closing(&body)?;
    if p.run(sql::close(id, decision, reason, &who.username, p.now_ms()))
        .await?
        .rows
        .is_empty()
    {
        return Err(Refusal::CaseClosed.into());
    }
    audit::append(
        p,
        &cfg.audit_key,
        &who.username,
        "case_close",
        id,
        &format!("{decision}: {reason}"),
    )
    .await?;
    let case = p.one(sql::load(id)).await?.ok_or(Refusal::CaseNotFound)?;
    Reply::json(&case.view())
}
