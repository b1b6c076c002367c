//! The agent console's identity checks: any of RealMe's 27 (validated against the one table
//! in `haoka_shared::realme`, signed and parsed by `haoka_edge_core::checks`) and phone
//! three-factor (failing over to RealMe `mobilecheck` when its centre is busy). Each check
//! needs the customer's consent confirmed by the agent (a separate one for face images and
//! bank cards); the same question within the reuse window answers from the last result
//! instead of paying again; asynchronous checks settle by RealMe's signed notification
//! (`/callbacks/realme`) or by the cron's `checkresult` polling, whichever comes first, and
//! time out otherwise. Images and carrier secrets are sent, never stored.

use std::collections::BTreeMap;

use haoka_edge_core::{
    checks::{self, CheckResult, Outcome, Verdict},
    crypto, phone3,
    verdict::Verdict as Phone3Verdict,
};
use haoka_shared::{
    ChinaDateTime,
    consent::{CHECK_CONSENT_VERSION, needs_sensitive_consent},
    ids, mask,
    realme::{self, Check, Kind},
    realme_form,
    refusal::Refusal,
};
use serde::{Deserialize, Serialize};
use worker::{D1Database, Env, Request, Response, console_log, console_warn};

use crate::{
    audit,
    body::{body_bytes, read_json},
    config::{Config, DB, now_ms, random},
    console::{self, Actor},
    error::AppError,
    ratelimit,
    store::{int, opt},
    upstream::{Transport, execute},
};

/// Images are BASE64 in the form: up to three of 2 MiB each, with room.
const MAX_BODY: usize = 9 * 1024 * 1024;
/// The pseudo-check name of phone three-factor.
pub const PHONE3: &str = "phone3";

/// What the agent confirmed.
#[derive(Deserialize)]
struct Consent {
    version: String,
    confirmed: bool,
    #[serde(default)]
    sensitive: bool,
}

/// `POST /api/console/checks`.
#[derive(Deserialize)]
struct RunCheck {
    check: String,
    fields: BTreeMap<String, String>,
    consent: Consent,
    #[serde(default)]
    case_id: Option<String>,
    /// Fields to fill from the case's subject instead of typed ones (name and ID-number
    /// fields), so the agent does not type personal data again.
    #[serde(default)]
    from_case: Vec<String>,
}

/// One check as the console shows it.
#[derive(Serialize)]
struct CheckView {
    id: String,
    check: String,
    title_zh: String,
    title_en: String,
    case_id: Option<String>,
    agent: String,
    state: String,
    verdict: Option<String>,
    explanation_zh: String,
    explanation_en: String,
    /// Result fields (OCR and the like), masked where they are personal.
    fields: BTreeMap<String, String>,
    /// `return_code resp_code mp_ssim` for the detail line.
    raw: String,
    via: String,
    reused_from: Option<String>,
    cost_fen: i64,
    inputs: BTreeMap<String, String>,
    created_at_ms: i64,
    settled_at_ms: Option<i64>,
}

/// One row of `checks`.
#[derive(Deserialize, Clone)]
struct Row {
    id: String,
    case_id: Option<String>,
    agent: String,
    store: String,
    check_name: String,
    inputs_masked: String,
    state: String,
    verdict: Option<String>,
    result_json: Option<String>,
    error_code: Option<String>,
    #[serde(default)]
    error_message: Option<String>,
    seq_id: Option<String>,
    via: String,
    /// The face-score pass mark the result was judged with.
    #[serde(default)]
    pass_score: Option<f64>,
    reused_from: Option<String>,
    cost_fen: i64,
    polls: i64,
    created_at_ms: i64,
    settled_at_ms: Option<i64>,
}

fn titles(name: &str) -> (&'static str, &'static str) {
    match realme::check(name) {
        Some(c) => (c.title_zh, c.title_en),
        None => ("手机号三要素核验", "Phone three-factor check"),
    }
}

/// Mask a value of a personal kind for lists and views.
fn mask_value(kind: Option<Kind>, name: &str, value: &str) -> String {
    match kind {
        Some(Kind::Name) => mask::mask_name(value),
        Some(Kind::IdNumber) => mask::mask_middle(value, 6, 4),
        Some(Kind::Mobile) => mask::mask_phone(value),
        Some(Kind::BankCard) => mask::mask_card(value),
        Some(Kind::Image) => "<图片 image>".into(),
        Some(Kind::Secret | Kind::CodeList) => "<不保存 not kept>".into(),
        _ if name.contains("id_no") || name.contains("id_number") || name.contains("idcard") => {
            mask::mask_middle(value, 6, 4)
        }
        _ if name.contains("card_no") || name.contains("acct") => mask::mask_card(value),
        _ => mask::mask_result(name, value),
    }
}

fn kind_of(check: Option<&Check>, param: &str) -> Option<Kind> {
    let from = check.or_else(|| realme::check("mobilecheck"))?;
    from.params.iter().find(|p| p.name == param).map(|p| p.kind)
}

/// A check's result as stored: sealed (AES-256-GCM under the PII key, bound to the check's
/// id: OCR names and ID numbers, credit and carrier data are personal data), or, for a row
/// written before results were sealed, plain JSON.
fn seal_result(
    cfg: &Config,
    id: &str,
    json: Option<&str>,
) -> Result<wasm_bindgen::JsValue, AppError> {
    let Some(json) = json else {
        return Ok(wasm_bindgen::JsValue::NULL);
    };
    let sealed = cfg
        .sealer
        .seal(&crypto::CHECK_RESULT.aad_for(id), json, random::<12>()?)
        .map_err(|e| AppError::Internal(format!("seal result of {id}: {e}")))?;
    Ok(sealed.into())
}

/// The result of a stored check (see [`seal_result`]); `None` when absent or unreadable.
fn result_of(cfg: &Config, row: &Row) -> Option<CheckResult> {
    let stored = row.result_json.as_deref()?;
    // Results from before sealing are plain JSON (until the re-seal pass reaches them).
    let json = match cfg
        .sealer
        .open(&crypto::CHECK_RESULT.aad_for(&row.id), stored)
    {
        Ok(json) => json,
        Err(crypto::CryptoError::UnknownVersion) => stored.to_owned(),
        Err(_) => return None,
    };
    serde_json::from_str(&json).ok()
}

fn view(row: &Row, cfg: &Config) -> CheckView {
    let pass_score = row.pass_score.unwrap_or(cfg.realme_pass_score);
    let check = realme::check(&row.check_name);
    let result: Option<CheckResult> = result_of(cfg, row);
    // A failover's result is mobilecheck's.
    let answered_by = check.or_else(|| {
        (row.via == "mobilecheck_failover")
            .then(|| realme::check("mobilecheck"))
            .flatten()
    });
    let (explanation_zh, explanation_en) = match (row.state.as_str(), &result) {
        ("settled", Some(r)) => match answered_by {
            Some(c) => checks::explain(c, r, pass_score),
            None => phone3_words(row.verdict.as_deref()),
        },
        ("pending", _) => (
            "等待核验结果，结果返回后自动更新".into(),
            "Waiting for the result; this updates by itself".into(),
        ),
        ("timed_out", _) => (
            "核验超时未返回结果，未收费，请稍后重新核验".into(),
            "No result came back in time; try the check again later".into(),
        ),
        _ => {
            let (zh, en) = checks::explain_error(row.error_code.as_deref().unwrap_or(""));
            (zh.into(), en.into())
        }
    };
    let fields = result
        .as_ref()
        .map(|r| {
            r.fields
                .iter()
                .map(|(k, v)| (k.clone(), mask_value(None, k, v)))
                .collect()
        })
        .unwrap_or_default();
    let raw = result.as_ref().map_or_else(
        || {
            [row.error_code.as_deref(), row.error_message.as_deref()]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join(" · ")
        },
        CheckResult::raw_line,
    );
    let (title_zh, title_en) = titles(&row.check_name);
    CheckView {
        id: row.id.clone(),
        check: row.check_name.clone(),
        title_zh: title_zh.into(),
        title_en: title_en.into(),
        case_id: row.case_id.clone(),
        agent: row.agent.clone(),
        state: row.state.clone(),
        verdict: row.verdict.clone(),
        explanation_zh,
        explanation_en,
        fields,
        raw,
        via: row.via.clone(),
        reused_from: row.reused_from.clone(),
        cost_fen: row.cost_fen,
        inputs: serde_json::from_str(&row.inputs_masked).unwrap_or_default(),
        created_at_ms: row.created_at_ms,
        settled_at_ms: row.settled_at_ms,
    }
}

fn phone3_words(verdict: Option<&str>) -> (String, String) {
    match verdict {
        Some("match") => (
            "姓名、身份证号、手机号三要素一致".into(),
            "Name, ID number and mobile belong together".into(),
        ),
        Some("mismatch") => (
            "三要素不一致：手机号不在此人名下或姓名身份证号不符".into(),
            "They do not belong together: the mobile is not in this person's name, or name and ID differ".into(),
        ),
        Some("no_record") => ("查无此人记录".into(), "No record of this person".into()),
        _ => ("核验完成".into(), "Check done".into()),
    }
}

/// The question's keyed hash: the check and every input, images by their digest.
fn question_hash(cfg: &Config, name: &str, params: &[(&'static str, String)]) -> String {
    let mut text = String::from(name);
    for (k, v) in params {
        text.push('\n');
        text.push_str(k);
        text.push('=');
        text.push_str(&crypto::fingerprint(&[v.as_bytes()]));
    }
    crypto::lookup_hash(&cfg.lookup_key, "question", &text)
}

async fn price(db: &D1Database, name: &str) -> Result<i64, AppError> {
    let fen: Option<i64> = db
        .prepare("SELECT fen FROM check_prices WHERE check_name = ?1")
        .bind(&[name.into()])?
        .first(Some("fen"))
        .await?;
    Ok(fen.unwrap_or(0))
}

/// What one upstream call came to.
struct Ran {
    outcome: Outcome,
    via: &'static str,
}

async fn run_realme(
    cfg: &Config,
    check: &Check,
    id: &str,
    now: i64,
    params: &[(&'static str, String)],
) -> Ran {
    let date = ChinaDateTime::from_unix_millis(now).yyyymmdd();
    let refs: Vec<(&str, String)> = params.iter().map(|(k, v)| (*k, v.clone())).collect();
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
    let outcome = match execute(&req, cfg.upstream_timeout_ms).await {
        Transport::Reply { status, body } => checks::parse_reply(check, status, &body),
        // No answer: RealMe may have it. Poll by our order_id until it answers or times out.
        Transport::Failed { why } => {
            console_warn!("check {id} {}: no answer ({why}); polling", check.name);
            Outcome::Pending { seq_id: None }
        }
    };
    Ran {
        outcome,
        via: "realme",
    }
}

async fn run_phone3(cfg: &Config, id: &str, now: i64, params: &[(&'static str, String)]) -> Ran {
    let get = |k: &str| {
        params
            .iter()
            .find(|(p, _)| *p == k)
            .map(|(_, v)| v.as_str())
            .unwrap_or_default()
    };
    let req = phone3::phone3_request(
        &cfg.phone3_url,
        &cfg.phone3_token,
        get("full_name"),
        get("id_number"),
        get("mobile_no"),
    );
    let verdict = match execute(&req, cfg.upstream_timeout_ms).await {
        Transport::Reply { status, body } => phone3::parse_phone3_reply(status, &body),
        Transport::Failed { .. } => Phone3Verdict::Busy,
    };
    let settled = |resp: &str| {
        Outcome::Settled(CheckResult {
            return_code: "phone3".into(),
            resp_code: Some(resp.into()),
            resp_info: None,
            mp_ssim: None,
            seq_id: None,
            fields: BTreeMap::new(),
            verifies: true,
        })
    };
    match verdict {
        Phone3Verdict::Match => Ran {
            outcome: settled("00"),
            via: "phone3",
        },
        Phone3Verdict::Mismatch(part) => Ran {
            outcome: settled(if part == haoka_edge_core::MismatchPart::NoRecord {
                "99"
            } else {
                "01"
            }),
            via: "phone3",
        },
        Phone3Verdict::Busy => {
            // The centre is busy: RealMe's mobilecheck answers the same question.
            console_log!("check {id}: phone3 busy, failing over to mobilecheck");
            match realme::check("mobilecheck") {
                Some(c) => Ran {
                    via: "mobilecheck_failover",
                    ..run_realme(cfg, c, id, now, params).await
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
        Phone3Verdict::Error { why } => {
            console_warn!("check {id}: phone3 error: {why}");
            Ran {
                outcome: Outcome::Failed {
                    code: "phone3_error".into(),
                    message: String::new(),
                },
                via: "phone3",
            }
        }
    }
}

/// Columns of a settled, pending or failed outcome.
fn outcome_columns(outcome: &Outcome, pass_score: f64, now: i64, cfg: &Config) -> OutcomeCols {
    match outcome {
        Outcome::Settled(r) => OutcomeCols {
            state: "settled",
            verdict: Some(r.verdict(pass_score).as_str()),
            result_json: serde_json::to_string(r).ok(),
            error_code: None,
            error_message: None,
            seq_id: r.seq_id.clone(),
            settled_at_ms: Some(now),
            next_poll_ms: None,
            charged: true,
        },
        Outcome::Pending { seq_id } => OutcomeCols {
            state: "pending",
            verdict: None,
            result_json: None,
            error_code: None,
            error_message: None,
            seq_id: seq_id.clone(),
            settled_at_ms: None,
            next_poll_ms: Some(now + cfg.check_poll_ms),
            charged: true,
        },
        Outcome::Busy { code, message } | Outcome::Failed { code, message } => OutcomeCols {
            state: "failed",
            verdict: None,
            result_json: None,
            error_code: Some(code.clone()),
            error_message: Some(message.clone()).filter(|m| !m.is_empty()),
            seq_id: None,
            settled_at_ms: Some(now),
            next_poll_ms: None,
            charged: false,
        },
    }
}

struct OutcomeCols {
    state: &'static str,
    verdict: Option<&'static str>,
    result_json: Option<String>,
    error_code: Option<String>,
    error_message: Option<String>,
    seq_id: Option<String>,
    settled_at_ms: Option<i64>,
    next_poll_ms: Option<i64>,
    charged: bool,
}

fn opt_int(v: Option<i64>) -> wasm_bindgen::JsValue {
    crate::store::opt_int(v)
}

/// `POST /api/console/checks`: validate against the table, confirm consent, reuse or run.
pub async fn run(mut req: Request, env: &Env, cfg: &Config) -> Result<Response, AppError> {
    let cfg = &crate::settings::effective(env, cfg).await?;
    let who = console::actor_for_change(&req, env, cfg).await?;
    console::require(
        env,
        cfg,
        &req,
        &who,
        haoka_edge_core::auth::Permission::RunChecks,
    )
    .await?;
    ratelimit::check(&req, env, cfg, "check-ip", cfg.checks_per_minute_ip).await?;
    ratelimit::check_key(
        env,
        "check-agent",
        &who.username,
        cfg.checks_per_minute_agent,
    )
    .await?;
    let mut body: RunCheck = read_json(&mut req, MAX_BODY).await?;
    let db = env.d1(DB)?;
    let check = if body.check == PHONE3 {
        None
    } else {
        Some(realme::check(&body.check).ok_or(Refusal::UnknownCheck)?)
    };
    // phone3 asks mobilecheck's question: its form is mobilecheck's.
    let form = check
        .or_else(|| realme::check("mobilecheck"))
        .ok_or(Refusal::UnknownCheck)?;
    let subject = match &body.case_id {
        Some(case_id) => Some(crate::cases::may_use(env, cfg, &req, &who, &db, case_id).await?),
        None => None,
    };
    if !body.from_case.is_empty() {
        let subject = subject.as_ref().ok_or(Refusal::FromCaseWithoutCase)?;
        haoka_edge_core::checks::fill_from_case(form, &mut body.fields, &body.from_case, subject)
            .map_err(|e| match e {
            haoka_edge_core::checks::FillError::NotFillable(_) => Refusal::FromCaseNotFillable,
            haoka_edge_core::checks::FillError::NotOnCase(_) => Refusal::FromCaseMissing,
        })?;
    }
    let today = haoka_shared::china_date_from_unix_millis(now_ms());
    let params =
        realme_form::validate_form_on(form, &body.fields, today).map_err(AppError::Params)?;
    if body.consent.version != CHECK_CONSENT_VERSION || !body.consent.confirmed {
        return Err(Refusal::ConsentRequired.into());
    }
    if check.is_some_and(needs_sensitive_consent) && !body.consent.sensitive {
        return Err(Refusal::SensitiveConsentRequired.into());
    }
    let now = now_ms();
    let id = ids::mint_id("CK", now, &random::<6>()?);
    let question = question_hash(cfg, &body.check, &params);
    let kept: Vec<&(&'static str, String)> = params
        .iter()
        .filter(|(k, _)| {
            !matches!(
                kind_of(check, k),
                Some(Kind::Image | Kind::Secret | Kind::CodeList)
            )
        })
        .collect();
    let masked: BTreeMap<&str, String> = params
        .iter()
        .map(|(k, v)| (*k, mask_value(kind_of(check, k), k, v)))
        .collect();
    let sealed_json = serde_json::to_string(
        &kept
            .iter()
            .map(|(k, v)| (*k, v.as_str()))
            .collect::<BTreeMap<_, _>>(),
    )
    .map_err(|e| AppError::Internal(e.to_string()))?;
    let inputs_enc = cfg
        .sealer
        .seal(
            &crypto::CHECK_INPUTS.aad_for(&id),
            &sealed_json,
            random::<12>()?,
        )
        .map_err(|e| AppError::Internal(format!("seal: {e}")))?;
    let value_of = |k: &str| {
        params
            .iter()
            .find(|(p, _)| *p == k)
            .map(|(_, v)| v.as_str())
    };
    let id_hash =
        value_of("id_number").map(|v| crypto::lookup_hash(&cfg.lookup_key, "id_number", v));
    let phone_hash = value_of("mobile_no")
        .or(value_of("mobile"))
        .map(|v| crypto::lookup_hash(&cfg.lookup_key, "mobile", v));

    // The same question lately: answer from that result, free (not for a step of a carrier
    // task, whose answer changes as the task goes on).
    let reused = if checks::reusable(&body.check) {
        db.prepare(
            "SELECT * FROM checks WHERE question_hash = ?1 AND state = 'settled' AND reused_from IS NULL \
             AND settled_at_ms >= ?2 ORDER BY settled_at_ms DESC LIMIT 1",
        )
        .bind(&[question.as_str().into(), int(now - cfg.check_reuse_ms)])?
        .first::<Row>(None)
        .await?
    } else {
        None
    };
    let (cols, via, reused_from, cost) = match &reused {
        Some(prev) => {
            let r: Option<CheckResult> = result_of(cfg, prev);
            let outcome = r.map_or(
                Outcome::Failed {
                    code: "reuse".into(),
                    message: String::new(),
                },
                Outcome::Settled,
            );
            let mut cols = outcome_columns(&outcome, cfg.realme_pass_score, now, cfg);
            cols.verdict = prev
                .verdict
                .as_deref()
                .and_then(Verdict::parse)
                .map(Verdict::as_str);
            (cols, "reuse", Some(prev.id.clone()), 0)
        }
        None => {
            let ran = match check {
                Some(c) => run_realme(cfg, c, &id, now, &params).await,
                None => run_phone3(cfg, &id, now, &params).await,
            };
            let cols = outcome_columns(&ran.outcome, cfg.realme_pass_score, now, cfg);
            let cost = if cols.charged {
                price(
                    &db,
                    if ran.via == "mobilecheck_failover" {
                        "mobilecheck"
                    } else {
                        &body.check
                    },
                )
                .await?
            } else {
                0
            };
            (cols, ran.via, None, cost)
        }
    };
    db.prepare(
        "INSERT INTO checks (id, case_id, agent, store, check_name, inputs_enc, inputs_masked, question_hash, \
         id_hash, phone_hash, consent_version, consent_sensitive, state, verdict, result_json, error_code, seq_id, \
         via, reused_from, cost_fen, next_poll_ms, created_at_ms, settled_at_ms, error_message, pass_score) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22, ?23, ?24, ?25)",
    )
    .bind(&[
        id.as_str().into(),
        opt(body.case_id.as_deref()),
        who.username.as_str().into(),
        who.store.as_str().into(),
        body.check.as_str().into(),
        inputs_enc.into(),
        serde_json::to_string(&masked).unwrap_or_default().into(),
        question.into(),
        opt(id_hash.as_deref()),
        opt(phone_hash.as_deref()),
        body.consent.version.as_str().into(),
        int(i64::from(body.consent.sensitive)),
        cols.state.into(),
        opt(cols.verdict),
        seal_result(cfg, &id, cols.result_json.as_deref())?,
        opt(cols.error_code.as_deref()),
        opt(cols.seq_id.as_deref()),
        via.into(),
        opt(reused_from.as_deref()),
        int(cost),
        opt_int(cols.next_poll_ms),
        int(now),
        opt_int(cols.settled_at_ms),
        opt(cols.error_message.as_deref()),
        cfg.realme_pass_score.into(),
    ])?
    .run()
    .await?;
    let detail = format!(
        "{} {}{}",
        body.check,
        cols.verdict.unwrap_or(cols.state),
        if reused_from.is_some() {
            " (reused)"
        } else {
            ""
        }
    );
    audit::append(
        &db,
        &cfg.audit_key,
        &who.username,
        "check_run",
        &id,
        &detail,
    )
    .await?;
    let row = load(&db, &id).await?.ok_or(Refusal::CheckNotFound)?;
    Ok(Response::from_json(&view(&row, cfg))?.with_status(201))
}

async fn load(db: &D1Database, id: &str) -> Result<Option<Row>, AppError> {
    Ok(db
        .prepare("SELECT * FROM checks WHERE id = ?1")
        .bind(&[id.into()])?
        .first::<Row>(None)
        .await?)
}

/// Whether `who` may see `row`: their own, their store's for leads, all for admins and
/// compliance.
fn may_see(who: &Actor, row: &Row) -> bool {
    haoka_edge_core::auth::may_see(who.role, &who.username, &who.store, &row.agent, &row.store)
}

/// `GET /api/console/checks/{id}`.
pub async fn get(req: &Request, env: &Env, cfg: &Config, id: &str) -> Result<Response, AppError> {
    let who = console::actor(req, env, cfg).await?;
    let db = env.d1(DB)?;
    let row = load(&db, id).await?.ok_or(Refusal::CheckNotFound)?;
    if !may_see(&who, &row) {
        return Err(console::forbidden(env, cfg, req, &who, &format!("check {id}")).await);
    }
    Ok(Response::from_json(&view(&row, cfg))?)
}

/// `GET /api/console/checks?check=&verdict=&agent=&from_ms=&to_ms=&q=`: newest 100 the
/// account may see; `q` is an ID number or a mobile, searched by keyed hash.
pub async fn list(req: &Request, env: &Env, cfg: &Config) -> Result<Response, AppError> {
    let who = console::actor(req, env, cfg).await?;
    let url = req.url()?;
    let q: BTreeMap<String, String> = url
        .query_pairs()
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    let get = |k: &str| q.get(k).map(String::as_str).filter(|v| !v.is_empty());
    let mut sql = String::from("SELECT * FROM checks WHERE 1 = 1");
    let mut binds: Vec<wasm_bindgen::JsValue> = Vec::new();
    let mut add = |clause: &str, v: wasm_bindgen::JsValue| {
        binds.push(v);
        sql.push_str(&clause.replace("?", &format!("?{}", binds.len())));
    };
    use haoka_edge_core::auth::Permission;
    if !who.role.can(Permission::ReadAll) {
        if who.role.can(Permission::ReadStore) {
            add(" AND store = ?", who.store.as_str().into());
        } else {
            add(" AND agent = ?", who.username.as_str().into());
        }
    }
    if let Some(v) = get("check") {
        add(" AND check_name = ?", v.into());
    }
    if let Some(v) = get("verdict") {
        add(" AND verdict = ?", v.into());
    }
    if let Some(v) = get("agent") {
        add(" AND agent = ?", v.into());
    }
    if let Some(v) = get("from_ms").and_then(|v| v.parse::<i64>().ok()) {
        add(" AND created_at_ms >= ?", int(v));
    }
    if let Some(v) = get("to_ms").and_then(|v| v.parse::<i64>().ok()) {
        add(" AND created_at_ms < ?", int(v));
    }
    if let Some(v) = get("q") {
        let v = v.trim().to_uppercase();
        let id = crypto::lookup_hash(&cfg.lookup_key, "id_number", &v);
        let phone = crypto::lookup_hash(&cfg.lookup_key, "mobile", &v);
        add(" AND (id_hash = ?", id.into());
        add(" OR phone_hash = ?)", phone.into());
    }
    sql.push_str(" ORDER BY created_at_ms DESC LIMIT 100");
    let rows = env
        .d1(DB)?
        .prepare(&sql)
        .bind(&binds)?
        .all()
        .await?
        .results::<Row>()?;
    let views: Vec<CheckView> = rows.iter().map(|r| view(r, cfg)).collect();
    Ok(Response::from_json(
        &serde_json::json!({ "checks": views }),
    )?)
}

/// Settle a pending check (once: a later notification or poll for it changes nothing).
async fn settle(
    db: &D1Database,
    cfg: &Config,
    id: &str,
    outcome: &Outcome,
    by: &str,
) -> Result<bool, AppError> {
    let now = now_ms();
    let cols = outcome_columns(outcome, cfg.realme_pass_score, now, cfg);
    if cols.state == "pending" {
        return Ok(false);
    }
    let changed = db
        .prepare(
            "UPDATE checks SET state = ?1, verdict = ?2, result_json = ?3, error_code = ?4, \
             seq_id = COALESCE(?5, seq_id), settled_at_ms = ?6, next_poll_ms = NULL, error_message = ?8, pass_score = ?9, \
             cost_fen = CASE WHEN ?1 = 'settled' THEN cost_fen ELSE 0 END \
             WHERE id = ?7 AND state = 'pending' RETURNING id",
        )
        .bind(&[
            cols.state.into(),
            opt(cols.verdict),
            seal_result(cfg, id, cols.result_json.as_deref())?,
            opt(cols.error_code.as_deref()),
            opt(cols.seq_id.as_deref()),
            int(now),
            id.into(),
            opt(cols.error_message.as_deref()),
            cfg.realme_pass_score.into(),
        ])?
        .first::<serde_json::Value>(None)
        .await?;
    if changed.is_some() {
        let detail = format!("{} by {by}", cols.verdict.unwrap_or(cols.state));
        audit::note(db, &cfg.audit_key, "realme", "check_settled", id, &detail).await;
    }
    Ok(changed.is_some())
}

/// `POST /callbacks/realme`: a signed notification settles its check; a bad sign is a 401
/// and nothing is stored; a repeat changes nothing. Answers `success`.
pub async fn notification(mut req: Request, env: &Env, cfg: &Config) -> Result<Response, AppError> {
    let cfg = &crate::settings::effective(env, cfg).await?;
    let body = body_bytes(&mut req, 256 * 1024).await?;
    let form: Vec<(String, String)> = serde_urlencoded::from_bytes(&body)
        .map_err(|_| AppError::BadRequest("not a form".into()))?;
    let note = match checks::read_notification(&form, &cfg.realme.sign_key) {
        Ok(n) => n,
        Err(checks::NotificationError::BadSign) => {
            console_warn!("realme notification refused: bad sign");
            return Err(Refusal::BadSign.into());
        }
        Err(checks::NotificationError::Missing(what)) => {
            return Err(AppError::BadRequest(format!("notification without {what}")));
        }
    };
    let db = env.d1(DB)?;
    if ids::is_valid_id(&note.order_id) {
        let row = load(&db, &note.order_id).await?;
        let check = row
            .as_ref()
            .and_then(|r| realme::check(&r.check_name))
            .or_else(|| {
                row.as_ref()
                    .filter(|r| r.via == "mobilecheck_failover")
                    .and_then(|_| realme::check("mobilecheck"))
            });
        match check {
            Some(c) => {
                settle(&db, cfg, &note.order_id, &note.outcome(c), "notification").await?;
            }
            None => console_warn!("realme notification for an unknown check"),
        }
    }
    Ok(Response::ok("success")?)
}

/// The cron's pass: poll pending checks that are due, time out those past the limit.
pub async fn poll(env: &Env, cfg: &Config) -> Result<usize, AppError> {
    let cfg = &crate::settings::effective(env, cfg).await?;
    let db = env.d1(DB)?;
    let now = now_ms();
    let due = db
        .prepare("SELECT * FROM checks WHERE state = 'pending' AND next_poll_ms <= ?1 ORDER BY next_poll_ms LIMIT 20")
        .bind(&[int(now)])?
        .all()
        .await?
        .results::<Row>()?;
    let mut settled = 0;
    for row in &due {
        if now >= row.created_at_ms + cfg.check_timeout_ms {
            let changed = db
                .prepare(
                    "UPDATE checks SET state = 'timed_out', cost_fen = 0, settled_at_ms = ?1, next_poll_ms = NULL \
                     WHERE id = ?2 AND state = 'pending' RETURNING id",
                )
                .bind(&[int(now), row.id.as_str().into()])?
                .first::<serde_json::Value>(None)
                .await?;
            if changed.is_some() {
                audit::note(
                    &db,
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
        let Some(check) = realme::check(&row.check_name) else {
            continue;
        };
        let date = ChinaDateTime::from_unix_millis(row.created_at_ms).yyyymmdd();
        let today = ChinaDateTime::from_unix_millis(now).yyyymmdd();
        let poll_id = ids::mint_id("CP", now, &random::<6>()?);
        let req = checks::checkresult_request(
            &cfg.realme_base,
            &cfg.realme,
            &today,
            (&date, &row.id),
            row.seq_id.as_deref(),
            &poll_id,
        );
        let outcome = match execute(&req, cfg.upstream_timeout_ms).await {
            Transport::Reply { status, body } => checks::parse_checkresult(check, status, &body),
            Transport::Failed { .. } => Outcome::Pending { seq_id: None },
        };
        match outcome {
            Outcome::Settled(_) if settle(&db, cfg, &row.id, &outcome, "poll").await? => {
                settled += 1
            }
            _ => {
                // Not yet (or not known yet): look again later, a little later each time.
                let delay = cfg.check_poll_ms * (row.polls + 1).min(6);
                db.prepare("UPDATE checks SET polls = polls + 1, next_poll_ms = ?1 WHERE id = ?2 AND state = 'pending'")
                    .bind(&[int(now + delay), row.id.as_str().into()])?
                    .run()
                    .await?;
            }
        }
    }
    Ok(settled)
}

/// `POST /api/console/checks/{id}/reveal`.
#[derive(Deserialize)]
struct Reveal {
    field: String,
    reason: String,
}

/// `POST /api/console/checks/{id}/reveal` `{field, reason}`: one input in clear, for an
/// account with the reveal permission that may see the check, with the reason audited first.
pub async fn reveal(
    mut req: Request,
    env: &Env,
    cfg: &Config,
    id: &str,
) -> Result<Response, AppError> {
    let who = console::actor_for_change(&req, env, cfg).await?;
    console::require(
        env,
        cfg,
        &req,
        &who,
        haoka_edge_core::auth::Permission::Reveal,
    )
    .await?;
    let body: Reveal = read_json(&mut req, 4096).await?;
    let reason = body.reason.trim();
    let reason_len = reason.chars().count();
    if !(3..=200).contains(&reason_len) || reason.chars().any(char::is_control) {
        return Err(Refusal::ReasonRequired.into());
    }
    let db = env.d1(DB)?;
    let row = load(&db, id).await?.ok_or(Refusal::CheckNotFound)?;
    if !may_see(&who, &row) {
        return Err(console::forbidden(env, cfg, &req, &who, &format!("reveal {id}")).await);
    }
    let sealed = inputs_enc(&db, id).await?;
    if sealed.is_empty() {
        return Err(Refusal::InputsPurged.into());
    }
    let clear = cfg
        .sealer
        .open(&crypto::CHECK_INPUTS.aad_for(id), &sealed)
        .map_err(|e| AppError::Internal(format!("unseal: {e}")))?;
    let inputs: BTreeMap<String, String> =
        serde_json::from_str(&clear).map_err(|e| AppError::Internal(e.to_string()))?;
    let value = inputs.get(&body.field).ok_or(Refusal::NotRevealable)?;
    audit::append(
        &db,
        &cfg.audit_key,
        &who.username,
        "reveal",
        id,
        &format!("{}: {reason}", body.field),
    )
    .await?;
    Ok(Response::from_json(
        &serde_json::json!({ "field": body.field, "value": value }),
    )?)
}

async fn inputs_enc(db: &D1Database, id: &str) -> Result<String, AppError> {
    db.prepare("SELECT inputs_enc FROM checks WHERE id = ?1")
        .bind(&[id.into()])?
        .first::<String>(Some("inputs_enc"))
        .await?
        .ok_or(Refusal::CheckNotFound.into())
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

async fn count_returned(db: &D1Database, sql: &str, cutoff: i64) -> Result<usize, AppError> {
    Ok(db
        .prepare(sql)
        .bind(&[int(cutoff)])?
        .all()
        .await?
        .results::<serde_json::Value>()?
        .len())
}

/// The cron's retention pass (README's retention table), at most 500 rows of each kind per
/// pass: sealed inputs cleared, settled checks and closed cases deleted, the oldest audit
/// entries deleted (the chain verifies from the first entry kept).
pub async fn purge(env: &Env, cfg: &Config, now: i64) -> Result<Purged, AppError> {
    let db = env.d1(DB)?;
    let purged = Purged {
        inputs_cleared: count_returned(
            &db,
            "UPDATE checks SET inputs_enc = '', result_json = NULL WHERE id IN (SELECT id FROM checks \
             WHERE (inputs_enc != '' OR result_json IS NOT NULL) AND state != 'pending' \
             AND created_at_ms < ?1 LIMIT 500) RETURNING id",
            now - cfg.check_inputs_ms,
        )
        .await?
            + count_returned(
                &db,
                "UPDATE cases SET subject_enc = '', subject_parts = '' WHERE id IN (SELECT id FROM cases \
                 WHERE subject_enc != '' AND created_at_ms < ?1 LIMIT 500) RETURNING id",
                now - cfg.check_inputs_ms,
            )
            .await?,
        checks: count_returned(
            &db,
            "DELETE FROM checks WHERE id IN (SELECT id FROM checks \
             WHERE state != 'pending' AND created_at_ms < ?1 LIMIT 500) RETURNING id",
            now - cfg.check_records_ms,
        )
        .await?,
        cases: count_returned(
            &db,
            "DELETE FROM cases WHERE id IN (SELECT id FROM cases \
             WHERE state != 'open' AND updated_at_ms < ?1 LIMIT 500) RETURNING id",
            now - cfg.check_records_ms,
        )
        .await?,
        audit: audit::purge(&db, &cfg.audit_key, now - cfg.audit_ms).await?,
    };
    if purged.inputs_cleared + purged.checks + purged.cases + purged.audit > 0 {
        let detail = format!(
            "inputs {} checks {} cases {} audit {}",
            purged.inputs_cleared, purged.checks, purged.cases, purged.audit
        );
        audit::note(&db, &cfg.audit_key, "cron", "retention_purge", "", &detail).await;
    }
    Ok(purged)
}
