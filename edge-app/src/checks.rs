//! The agent console's identity checks, as routes: any of RealMe's 27 and phone three-factor
//! (failing over to RealMe `mobilecheck` when its centre is busy). What a run needs, what is
//! kept, reuse, outcomes, polling and time-outs are decided in
//! `haoka_edge_core::console::checks`; requests are built and replies read by
//! `haoka_edge_core::checks` and `phone3`; statements are `haoka_edge_core::sql::checks`. This file reads the
//! request, calls those, sends, stores and audits. Asynchronous checks settle by RealMe's
//! signed notification (`/callbacks/realme`) or by the cron's `checkresult` polling, whichever
//! comes first, and time out otherwise. Images and carrier secrets are sent, never stored.

use haoka_edge_core::{
    auth::Permission,
    checks::{self, Outcome},
    console::{
        self as core,
        checks::{
            CheckPatch, CheckPolicy, CheckRow, Phone3Next, PollStep, Prepared, RevealError,
            RunError, VIA_REUSE,
        },
    },
    crypto, phone3,
    sql::{cases as cases_sql, checks as sql},
    verdict::Verdict as Phone3Verdict,
};
use haoka_shared::{
    ChinaDateTime,
    api::console::{CheckFilter, Checks, Reveal, Revealed, RunCheck},
    ids,
    realme::{self, Check},
    refusal::Refusal,
};
use serde::Serialize;

use crate::{
    Config, audit,
    body::read_json,
    console::{self, Actor},
    error::AppError,
    http::{Incoming, Reply},
    platform::{Platform, Transport, random},
    ratelimit,
};

/// Images are BASE64 in the form: up to three of 2 MiB each, with room.
const MAX_BODY: usize = 9 * 1024 * 1024;

fn policy(cfg: &Config) -> CheckPolicy {
    CheckPolicy {
        pass_score: cfg.realme_pass_score,
        poll_ms: cfg.check_poll_ms,
        timeout_ms: cfg.check_timeout_ms,
        reuse_ms: cfg.check_reuse_ms,
    }
}

fn seal(
    p: &impl Platform,
    cfg: &Config,
    id: &str,
    json: Option<&str>,
) -> Result<Option<String>, AppError> {
    core::checks::seal_result(&cfg.sealer, id, json, random::<12>(p)?)
        .map_err(|e| AppError::Internal(format!("seal result of {id}: {e}")))
}

fn view_of(cfg: &Config, row: &CheckRow) -> haoka_shared::api::console::CheckView {
    let result = core::checks::result_of(&cfg.sealer, row);
    core::checks::view(row, result.as_ref(), cfg.realme_pass_score)
}

/// What one upstream call came to.
struct Ran {
    outcome: Outcome,
    via: &'static str,
}

async fn run_realme(
    p: &impl Platform,
    cfg: &Config,
    check: &Check,
    id: &str,
    now: i64,
    prepared: &Prepared,
) -> Ran {
    let date = ChinaDateTime::from_unix_millis(now).yyyymmdd();
    let refs: Vec<(&str, String)> = prepared
        .params
        .iter()
        .map(|(k, v)| (*k, v.clone()))
        .collect();
    let bg = format!("{}/callbacks/realme", cfg.public_base.trim_end_matches('/'));
    let req = checks::check_request(
        &cfg.realme_base,
        &cfg.realme,
        check,
        id,
        &date,
        &refs,
        Some(&bg),
    );
    let outcome = match p.call(&req, cfg.upstream_timeout_ms).await {
        Transport::Reply { status, body } => checks::parse_reply(check, status, &body),
        // No answer: RealMe may have it. Poll by our order_id until it answers or times out.
        Transport::Failed { why } => {
            crate::warn!(p, "check {id} {}: no answer ({why}); polling", check.name);
            Outcome::Pending { seq_id: None }
        }
    };
    Ran {
        outcome,
        via: "realme",
    }
}

async fn run_phone3(
    p: &impl Platform,
    cfg: &Config,
    id: &str,
    now: i64,
    prepared: &Prepared,
) -> Ran {
    let [name, id_number, mobile] = core::checks::phone3_inputs(&prepared.params);
    let req = phone3::phone3_request(&cfg.phone3_url, &cfg.phone3_token, name, id_number, mobile);
    let verdict = match p.call(&req, cfg.upstream_timeout_ms).await {
        Transport::Reply { status, body } => phone3::parse_phone3_reply(status, &body),
        Transport::Failed { .. } => Phone3Verdict::Busy,
    };
    if let Phone3Verdict::Error { why } = &verdict {
        crate::warn!(p, "check {id}: phone3 error: {why}");
    }
    match core::checks::after_phone3(&verdict) {
        Phone3Next::Done(outcome) => Ran {
            outcome,
            via: "phone3",
        },
        Phone3Next::FailOver => {
            crate::info!(p, "check {id}: phone3 busy, failing over to mobilecheck");
            match realme::check("mobilecheck") {
                Some(c) => Ran {
                    via: core::checks::VIA_FAILOVER,
                    ..run_realme(p, cfg, c, id, now, prepared).await
                },
                None => Ran {
                    outcome: Outcome::Busy {
                        code: "phone3_busy".into(),
                        message: String::new(),
                    },
                    via: "phone3",
                },
            }
        }
    }
}

/// `POST /api/console/checks`: validate against the table, confirm consent, reuse or run.
pub async fn run(req: &Incoming, p: &impl Platform, cfg: &Config) -> Result<Reply, AppError> {
    let cfg = &crate::settings::effective(p, cfg).await?;
    let who = console::actor_for_change(req, p, cfg).await?;
    console::require(p, cfg, req, &who, Permission::RunChecks).await?;
    ratelimit::check(req, p, cfg, "check-ip", cfg.checks_per_minute_ip).await?;
    ratelimit::check_key(p, "check-agent", &who.username, cfg.checks_per_minute_agent).await?;
    let body: RunCheck = read_json(p, MAX_BODY).await?;
    let check = core::checks::check_of(&body.check)?;
    core::checks::form_of(check)?;
    let subject = match &body.case_id {
        Some(case_id) => Some(crate::cases::may_use(p, cfg, req, &who, case_id).await?),
        None => None,
    };
    let now = p.now_ms();
    let today = haoka_shared::china_date_from_unix_millis(now);
    let prepared = core::checks::prepare(check, &body, subject.as_ref(), today, &cfg.lookup_key)
        .map_err(|e| match e {
            RunError::Refused(r) => AppError::Refused(r),
            RunError::Params(params) => AppError::Params(params),
        })?;
    let id = ids::mint_id("CK", now, &random::<6>(p)?);
    let inputs_enc = cfg
        .sealer
        .seal(
            &crypto::CHECK_INPUTS.aad_for(&id),
            &prepared.kept_json,
            random::<12>(p)?,
        )
        .map_err(|e| AppError::Internal(format!("seal: {e}")))?;
    let policy = policy(cfg);
    // The same question lately: answer from that result, free (not for a step of a carrier
    // task, whose answer changes as the task goes on).
    let reused = if checks::reusable(&body.check) {
        p.one(sql::latest_answer(
            &prepared.question,
            now - policy.reuse_ms,
        ))
        .await?
    } else {
        None
    };
    let (patch, via, cost): (CheckPatch, &str, i64) = match &reused {
        Some(prev) => {
            let result = core::checks::result_of(&cfg.sealer, prev);
            (
                core::checks::reuse_patch(prev, result, &policy, now),
                VIA_REUSE,
                0,
            )
        }
        None => {
            let ran = match check {
                Some(c) => run_realme(p, cfg, c, &id, now, &prepared).await,
                None => run_phone3(p, cfg, &id, now, &prepared).await,
            };
            let patch = core::checks::outcome_patch(&ran.outcome, &policy, now);
            let cost = if patch.charged {
                p.one(sql::price(core::checks::priced_as(&body.check, ran.via)))
                    .await?
                    .map_or(0, |price| price.fen)
            } else {
                0
            };
            (patch, ran.via, cost)
        }
    };
    let sealed = seal(p, cfg, &id, patch.result_json.as_deref())?;
    p.run(sql::insert(&sql::NewCheck {
        id: &id,
        case_id: body.case_id.as_deref(),
        agent: &who.username,
        store: &who.store,
        check_name: &body.check,
        inputs_enc: &inputs_enc,
        inputs_masked: &prepared.masked_json,
        question_hash: &prepared.question,
        id_hash: prepared.id_hash.as_deref(),
        phone_hash: prepared.phone_hash.as_deref(),
        consent_version: &body.consent.version,
        consent_sensitive: body.consent.sensitive,
        outcome: sql::Settling::of(&patch, sealed.as_deref(), policy.pass_score),
        via,
        reused_from: reused.as_ref().map(|r| r.id.as_str()),
        cost_fen: cost,
        next_poll_ms: patch.next_poll_ms,
        created_at_ms: now,
        settled_at_ms: patch.settled_at_ms,
    }))
    .await?;
    let detail = core::checks::run_detail(&body.check, &patch, reused.is_some());
    audit::append(p, &cfg.audit_key, &who.username, "check_run", &id, &detail).await?;
    let row = p.one(sql::load(&id)).await?.ok_or(Refusal::CheckNotFound)?;
    Ok(Reply::json(&view_of(cfg, &row))?.with_status(201))
}

/// Whether `who` may see `row`: their own, their store's for leads, all for admins and
/// compliance.
fn may_see(who: &Actor, row: &CheckRow) -> bool {
    haoka_edge_core::auth::may_see(who.role, &who.username, &who.store, &row.agent, &row.store)
}

/// `GET /api/console/checks/{id}`.
pub async fn get(
    req: &Incoming,
    p: &impl Platform,
    cfg: &Config,
    id: &str,
) -> Result<Reply, AppError> {
    let who = console::actor(req, p, cfg).await?;
    let row = p.one(sql::load(id)).await?.ok_or(Refusal::CheckNotFound)?;
    if !may_see(&who, &row) {
        return Err(console::forbidden(p, cfg, req, &who, &format!("check {id}")).await);
    }
    Reply::json(&view_of(cfg, &row))
}

/// `GET /api/console/checks?check=&verdict=&agent=&from_ms=&to_ms=&q=`: newest 100 the
/// account may see; `q` is an ID number or a mobile, searched by keyed hash.
pub async fn list(req: &Incoming, p: &impl Platform, cfg: &Config) -> Result<Reply, AppError> {
    let who = console::actor(req, p, cfg).await?;
    let filter = CheckFilter::from_pairs(req.pairs());
    let q_hashes = filter.q.as_deref().map(|q| {
        let q = q.to_uppercase();
        (
            crypto::lookup_hash(&cfg.lookup_key, "id_number", &q),
            crypto::lookup_hash(&cfg.lookup_key, "mobile", &q),
        )
    });
    let scope = core::scope(who.role, &who.username, &who.store);
    let rows = p.rows(sql::list(&scope, &filter, q_hashes)).await?;
    let checks = rows.iter().map(|r| view_of(cfg, r)).collect();
    Reply::json(&Checks { checks })
}

/// Settle a pending check (once: a later notification or poll for it changes nothing).
async fn settle(
    p: &impl Platform,
    cfg: &Config,
    id: &str,
    outcome: &Outcome,
    by: &str,
) -> Result<bool, AppError> {
    let now = p.now_ms();
    let Some(patch) = core::checks::settle_patch(outcome, &policy(cfg), now) else {
        return Ok(false);
    };
    let sealed = seal(p, cfg, id, patch.result_json.as_deref())?;
    let settling = sql::Settling::of(&patch, sealed.as_deref(), cfg.realme_pass_score);
    let changed = !p
        .run(sql::settle(id, &settling, now))
        .await?
        .rows
        .is_empty();
    if changed {
        let detail = format!("{} by {by}", patch.verdict.unwrap_or(patch.state));
        audit::note(p, &cfg.audit_key, "realme", "check_settled", id, &detail).await;
    }
    Ok(changed)
}

/// `POST /callbacks/realme`: a signed notification settles its check; a bad sign is a 401
/// and nothing is stored; a repeat changes nothing. Answers `success`.
pub async fn notification(
    _req: &Incoming,
    p: &impl Platform,
    cfg: &Config,
) -> Result<Reply, AppError> {
    let cfg = &crate::settings::effective(p, cfg).await?;
    let body = p.body(256 * 1024).await?;
    let form: Vec<(String, String)> = serde_urlencoded::from_bytes(&body)
        .map_err(|_| AppError::BadRequest("not a form".into()))?;
    let note = match checks::read_notification(&form, &cfg.realme.sign_key) {
        Ok(n) => n,
        Err(checks::NotificationError::BadSign) => {
            crate::warn!(p, "realme notification refused: bad sign");
            return Err(Refusal::BadSign.into());
        }
        Err(checks::NotificationError::Missing(what)) => {
            return Err(AppError::BadRequest(format!("notification without {what}")));
        }
    };
    if ids::is_valid_id(&note.order_id) {
        let row = p.one(sql::load(&note.order_id)).await?;
        match row.as_ref().and_then(core::checks::answered_by) {
            Some(c) => {
                settle(p, cfg, &note.order_id, &note.outcome(c), "notification").await?;
            }
            None => crate::warn!(p, "realme notification for an unknown check"),
        }
    }
    Ok(Reply::text("success"))
}

/// The cron's pass: poll pending checks that are due, time out those past the limit.
pub async fn poll(p: &impl Platform, cfg: &Config) -> Result<usize, AppError> {
    let cfg = &crate::settings::effective(p, cfg).await?;
    let policy = policy(cfg);
    let now = p.now_ms();
    let mut settled = 0;
    for row in &p.rows(sql::due(now)).await? {
        let (check, run_on, today) = match core::checks::poll_step(row, &policy, now) {
            PollStep::TimeOut => {
                if !p.run(sql::time_out(&row.id, now)).await?.rows.is_empty() {
                    audit::note(
                        p,
                        &cfg.audit_key,
                        "cron",
                        "check_timed_out",
                        &row.id,
                        &row.check_name,
                    )
                    .await;
                }
                continue;
            }
            PollStep::Skip => continue,
            PollStep::Ask {
                check,
                run_on,
                today,
            } => (check, run_on, today),
        };
        let poll_id = ids::mint_id("CP", now, &random::<6>(p)?);
        let req = checks::checkresult_request(
            &cfg.realme_base,
            &cfg.realme,
            &today,
            (&run_on, &row.id),
            row.seq_id.as_deref(),
            &poll_id,
        );
        let outcome = match p.call(&req, cfg.upstream_timeout_ms).await {
            Transport::Reply { status, body } => checks::parse_checkresult(check, status, &body),
            Transport::Failed { .. } => Outcome::Pending { seq_id: None },
        };
        match outcome {
            Outcome::Settled(_) if settle(p, cfg, &row.id, &outcome, "poll").await? => settled += 1,
            // Not yet (or not known yet): look again later, a little later each time.
            _ => {
                let at = core::checks::next_poll_ms(row.polls, &policy, now);
                p.run(sql::poll_later(&row.id, at)).await?;
            }
        }
    }
    Ok(settled)
}

/// `POST /api/console/checks/{id}/reveal` `{field, reason}`: one input in clear, for an
/// account with the reveal permission that may see the check, with the reason audited first.
pub async fn reveal(
    req: &Incoming,
    p: &impl Platform,
    cfg: &Config,
    id: &str,
) -> Result<Reply, AppError> {
    let who = console::actor_for_change(req, p, cfg).await?;
    console::require(p, cfg, req, &who, Permission::Reveal).await?;
    let body: Reveal = read_json(p, 4096).await?;
    let reason = core::checks::reveal_reason(&body.reason)?;
    let row = p.one(sql::load(id)).await?.ok_or(Refusal::CheckNotFound)?;
    if !may_see(&who, &row) {
        return Err(console::forbidden(p, cfg, req, &who, &format!("reveal {id}")).await);
    }
    let sealed = p
        .one(sql::sealed_inputs(id))
        .await?
        .ok_or(Refusal::CheckNotFound)?
        .inputs_enc;
    let value =
        core::checks::reveal_value(&cfg.sealer, id, &sealed, &body.field).map_err(|e| match e {
            RevealError::Refused(r) => AppError::Refused(r),
            RevealError::Unreadable(why) => AppError::Internal(why),
        })?;
    audit::append(
        p,
        &cfg.audit_key,
        &who.username,
        "reveal",
        id,
        &format!("{}: {reason}", body.field),
    )
    .await?;
    Reply::json(&Revealed {
        field: body.field,
        value,
    })
}

/// What the retention pass removed.
#[derive(Debug, Default, Serialize)]
pub struct Purged {
    /// Checks whose sealed inputs, and cases whose sealed subject, were cleared.
    pub inputs_cleared: usize,
    /// Checks deleted.
    pub checks: usize,
    /// Closed cases deleted.
    pub cases: usize,
    /// Audit entries deleted.
    pub audit: usize,
}

/// The cron's retention pass (README's retention table), at most 500 rows of each kind per
/// pass: sealed inputs cleared, settled checks and closed cases deleted, the oldest audit
/// entries deleted (the chain verifies from the first entry kept).
pub async fn purge(p: &impl Platform, cfg: &Config, now: i64) -> Result<Purged, AppError> {
    let inputs_cutoff = now - cfg.check_inputs_ms;
    let records_cutoff = now - cfg.check_records_ms;
    let purged = Purged {
        inputs_cleared: p.run(sql::clear_inputs(inputs_cutoff)).await?.rows.len()
            + p.run(cases_sql::clear_subjects(inputs_cutoff))
                .await?
                .rows
                .len(),
        checks: p.run(sql::delete_old(records_cutoff)).await?.rows.len(),
        cases: p
            .run(cases_sql::delete_closed(records_cutoff))
            .await?
            .rows
            .len(),
        audit: audit::purge(p, &cfg.audit_key, now - cfg.audit_ms).await?,
    };
    if purged.inputs_cleared + purged.checks + purged.cases + purged.audit > 0 {
        let detail = format!(
            "inputs {} checks {} cases {} audit {}",
            purged.inputs_cleared, purged.checks, purged.cases, purged.audit
        );
        audit::note(p, &cfg.audit_key, "cron", "retention_purge", "", &detail).await;
    }
    Ok(purged)
}
