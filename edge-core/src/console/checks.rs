//! A console check's life, decided: which form a name asks for, what a run needs before it may
//! cost money (the table's validation, case fields, consent), what of the inputs is kept
//! (masked for lists, sealed for a reveal, images and carrier secrets never), whether the same
//! question lately answers for free, what an outcome writes to the row, when a pending check
//! is polled again or given up, and what an agent reads about a row. The worker does the
//! calls and the statements; every clock reading arrives as `now`.

use std::collections::BTreeMap;

use haoka_shared::{
    ChinaDateTime, Date,
    api::console::{CheckView, RunCheck},
    consent::{CHECK_CONSENT_VERSION, needs_sensitive_consent},
    mask,
    realme::{self, Check, Kind},
    realme_form::{self, ParamIssue},
    refusal::Refusal,
};
use serde::Deserialize;

use crate::{
    MismatchPart,
    checks::{self, CheckResult, FillError, Outcome, Subject, Verdict},
    crypto::{self, CryptoError, Sealer},
    verdict::Verdict as Phone3Verdict,
};

/// The pseudo-check name of phone three-factor.
pub const PHONE3: &str = "phone3";
/// `via` of a phone three-factor question RealMe's `mobilecheck` answered (the centre was busy).
pub const VIA_FAILOVER: &str = "mobilecheck_failover";
/// `via` of an answer taken from an earlier result of the same question.
pub const VIA_REUSE: &str = "reuse";

/// The tunables a check follows (the console's settings laid over `[vars]`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CheckPolicy {
    /// Face-similarity pass mark.
    pub pass_score: f64,
    /// First wait before polling a pending check, ms (later waits grow to six times it).
    pub poll_ms: i64,
    /// A pending check older than this is given up, ms.
    pub timeout_ms: i64,
    /// The same question within this answers from the last result, ms.
    pub reuse_ms: i64,
}

/// One row of `checks` (its sealed inputs are read apart, for a reveal only).
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct CheckRow {
    /// Id (`CK…`, also RealMe's `order_id`).
    pub id: String,
    /// Its case.
    pub case_id: Option<String>,
    /// Who ran it.
    pub agent: String,
    /// Their store.
    pub store: String,
    /// `phone3` or a RealMe name.
    pub check_name: String,
    /// Inputs, masked, as JSON.
    pub inputs_masked: String,
    /// `pending`, `settled`, `failed`, `timed_out`.
    pub state: String,
    /// Verdict name, once settled.
    pub verdict: Option<String>,
    /// The result, sealed (or plain JSON from before sealing).
    pub result_json: Option<String>,
    /// Why it failed.
    pub error_code: Option<String>,
    /// The vendor's words for it.
    #[serde(default)]
    pub error_message: Option<String>,
    /// RealMe's serial number.
    pub seq_id: Option<String>,
    /// `realme`, `phone3`, `mobilecheck_failover`, `reuse`.
    pub via: String,
    /// The face-score pass mark the result was judged with.
    #[serde(default)]
    pub pass_score: Option<f64>,
    /// The check whose result a reuse answered with.
    pub reused_from: Option<String>,
    /// Cost, fen.
    pub cost_fen: i64,
    /// Polls so far.
    pub polls: i64,
    /// Run at, Unix ms.
    pub created_at_ms: i64,
    /// Settled at, Unix ms.
    pub settled_at_ms: Option<i64>,
}

/// A RealMe check by name; `Ok(None)` is phone three-factor.
pub fn check_of(name: &str) -> Result<Option<&'static Check>, Refusal> {
    if name == PHONE3 {
        return Ok(None);
    }
    realme::check(name).map(Some).ok_or(Refusal::UnknownCheck)
}

/// The form a check is asked with: its own, or `mobilecheck`'s for phone three-factor (the
/// same question).
pub fn form_of(check: Option<&'static Check>) -> Result<&'static Check, Refusal> {
    check
        .or_else(|| realme::check("mobilecheck"))
        .ok_or(Refusal::UnknownCheck)
}

/// The check that answered a row: its own, or `mobilecheck` for a failover.
pub fn answered_by(row: &CheckRow) -> Option<&'static Check> {
    realme::check(&row.check_name).or_else(|| {
        (row.via == VIA_FAILOVER)
            .then(|| realme::check("mobilecheck"))
            .flatten()
    })
}

/// Chinese and English titles of a check name.
pub fn titles(name: &str) -> (&'static str, &'static str) {
    match realme::check(name) {
        Some(c) => (c.title_zh, c.title_en),
        None => ("手机号三要素核验", "Phone three-factor check"),
    }
}

/// A value of a personal kind, masked for lists and views (images and secrets by a word).
pub fn mask_value(kind: Option<Kind>, name: &str, value: &str) -> String {
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

/// The kind of `param` on `check`'s form (phone three-factor's is `mobilecheck`'s).
pub fn kind_of(check: Option<&Check>, param: &str) -> Option<Kind> {
    let from = check.or_else(|| realme::check("mobilecheck"))?;
    from.params.iter().find(|p| p.name == param).map(|p| p.kind)
}

/// The question's keyed hash: the check and every input, images by their digest.
pub fn question_hash(lookup_key: &str, name: &str, params: &[(&'static str, String)]) -> String {
    let mut text = String::from(name);
    for (k, v) in params {
        text.push('\n');
        text.push_str(k);
        text.push('=');
        text.push_str(&crypto::fingerprint(&[v.as_bytes()]));
    }
    crypto::lookup_hash(lookup_key, "question", &text)
}

/// Why a run is refused before anything is paid.
#[derive(Debug, Clone, PartialEq)]
pub enum RunError {
    /// A refusal with its code.
    Refused(Refusal),
    /// The form's problems, per field.
    Params(Vec<ParamIssue>),
}

impl From<Refusal> for RunError {
    fn from(r: Refusal) -> RunError {
        RunError::Refused(r)
    }
}

/// A run that may go ahead: the validated inputs and what is kept of them.
#[derive(Debug, Clone, PartialEq)]
pub struct Prepared {
    /// The RealMe check (`None`: phone three-factor).
    pub check: Option<&'static Check>,
    /// Validated inputs, edge-set keys dropped.
    pub params: Vec<(&'static str, String)>,
    /// Every input, masked, as JSON (for lists).
    pub masked_json: String,
    /// The inputs kept for a reveal (no image, secret or code list), as JSON, to be sealed.
    pub kept_json: String,
    /// The question's keyed hash (reuse).
    pub question: String,
    /// The ID number's keyed hash (history search).
    pub id_hash: Option<String>,
    /// The mobile's keyed hash (history search).
    pub phone_hash: Option<String>,
}

/// Validate a run: fields from the case's `subject` where asked (`None`: no case), the
/// table's rules as of `today`, then the consent (a separate one for face images and bank
/// cards). Nothing is paid for a refused run.
pub fn prepare(
    check: Option<&'static Check>,
    body: &RunCheck,
    subject: Option<&Subject>,
    today: Date,
    lookup_key: &str,
) -> Result<Prepared, RunError> {
    let form = form_of(check)?;
    let mut fields = body.fields.clone();
    if !body.from_case.is_empty() {
        let subject = subject.ok_or(Refusal::FromCaseWithoutCase)?;
        checks::fill_from_case(form, &mut fields, &body.from_case, subject).map_err(
            |e| match e {
                FillError::NotFillable(_) => Refusal::FromCaseNotFillable,
                FillError::NotOnCase(_) => Refusal::FromCaseMissing,
            },
        )?;
    }
    let params = realme_form::validate_form_on(form, &fields, today).map_err(RunError::Params)?;
    if body.consent.version != CHECK_CONSENT_VERSION || !body.consent.confirmed {
        return Err(Refusal::ConsentRequired.into());
    }
    if check.is_some_and(needs_sensitive_consent) && !body.consent.sensitive {
        return Err(Refusal::SensitiveConsentRequired.into());
    }
    let masked: BTreeMap<&str, String> = params
        .iter()
        .map(|(k, v)| (*k, mask_value(kind_of(check, k), k, v)))
        .collect();
    let kept: BTreeMap<&str, &str> = params
        .iter()
        .filter(|(k, _)| {
            !matches!(
                kind_of(check, k),
                Some(Kind::Image | Kind::Secret | Kind::CodeList)
            )
        })
        .map(|(k, v)| (*k, v.as_str()))
        .collect();
    let value_of = |k: &str| {
        params
            .iter()
            .find(|(p, _)| *p == k)
            .map(|(_, v)| v.as_str())
    };
    let id_hash = value_of("id_number").map(|v| crypto::lookup_hash(lookup_key, "id_number", v));
    let phone_hash = value_of("mobile_no")
        .or(value_of("mobile"))
        .map(|v| crypto::lookup_hash(lookup_key, "mobile", v));
    Ok(Prepared {
        check,
        question: question_hash(lookup_key, &body.check, &params),
        masked_json: serde_json::to_string(&masked).unwrap_or_default(),
        kept_json: serde_json::to_string(&kept).unwrap_or_default(),
        id_hash,
        phone_hash,
        params,
    })
}

/// Phone three-factor's three inputs (name, ID number, mobile) from `mobilecheck`'s form.
pub fn phone3_inputs<'a>(params: &'a [(&'static str, String)]) -> [&'a str; 3] {
    let get = |k: &str| {
        params
            .iter()
            .find(|(p, _)| *p == k)
            .map(|(_, v)| v.as_str())
            .unwrap_or_default()
    };
    [get("full_name"), get("id_number"), get("mobile_no")]
}

/// What phone three-factor's answer leads to.
#[derive(Debug, Clone, PartialEq)]
pub enum Phone3Next {
    /// Answered (or refused): store this outcome, `via` phone3.
    Done(Outcome),
    /// The centre is busy: ask RealMe's `mobilecheck` the same question.
    FailOver,
}

/// Phone three-factor's verdict as a check outcome.
pub fn after_phone3(verdict: &Phone3Verdict) -> Phone3Next {
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
        Phone3Verdict::Match => Phone3Next::Done(settled("00")),
        Phone3Verdict::Mismatch(MismatchPart::NoRecord) => Phone3Next::Done(settled("99")),
        Phone3Verdict::Mismatch(_) => Phone3Next::Done(settled("01")),
        Phone3Verdict::Busy if realme::check("mobilecheck").is_some() => Phone3Next::FailOver,
        Phone3Verdict::Busy => Phone3Next::Done(Outcome::Busy {
            code: "phone3_busy".into(),
            message: String::new(),
        }),
        Phone3Verdict::Error { .. } => Phone3Next::Done(Outcome::Failed {
            code: "phone3_error".into(),
            message: String::new(),
        }),
    }
}

/// What an outcome writes to a check's row.
#[derive(Debug, Clone, PartialEq)]
pub struct CheckPatch {
    /// `settled`, `pending` or `failed`.
    pub state: &'static str,
    /// Verdict name, when settled.
    pub verdict: Option<&'static str>,
    /// The result as JSON (to be sealed), when settled.
    pub result_json: Option<String>,
    /// Why it failed.
    pub error_code: Option<String>,
    /// The vendor's words for it (none when empty).
    pub error_message: Option<String>,
    /// RealMe's serial number.
    pub seq_id: Option<String>,
    /// When it ended.
    pub settled_at_ms: Option<i64>,
    /// When to poll, while pending.
    pub next_poll_ms: Option<i64>,
    /// Whether the vendor charges for it (a failed or busy call costs nothing).
    pub charged: bool,
}

/// The row an outcome of `now` comes to.
pub fn outcome_patch(outcome: &Outcome, policy: &CheckPolicy, now: i64) -> CheckPatch {
    match outcome {
        Outcome::Settled(r) => CheckPatch {
            state: "settled",
            verdict: Some(r.verdict(policy.pass_score).as_str()),
            result_json: serde_json::to_string(r).ok(),
            error_code: None,
            error_message: None,
            seq_id: r.seq_id.clone(),
            settled_at_ms: Some(now),
            next_poll_ms: None,
            charged: true,
        },
        Outcome::Pending { seq_id } => CheckPatch {
            state: "pending",
            verdict: None,
            result_json: None,
            error_code: None,
            error_message: None,
            seq_id: seq_id.clone(),
            settled_at_ms: None,
            next_poll_ms: Some(now + policy.poll_ms),
            charged: true,
        },
        Outcome::Busy { code, message } | Outcome::Failed { code, message } => CheckPatch {
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

/// The row of a run answered from `prev` (the same question lately): its result and verdict,
/// free. A result that can no longer be read fails as `reuse`.
pub fn reuse_patch(
    prev: &CheckRow,
    prev_result: Option<CheckResult>,
    policy: &CheckPolicy,
    now: i64,
) -> CheckPatch {
    let outcome = prev_result.map_or(
        Outcome::Failed {
            code: "reuse".into(),
            message: String::new(),
        },
        Outcome::Settled,
    );
    let mut patch = outcome_patch(&outcome, policy, now);
    patch.verdict = prev
        .verdict
        .as_deref()
        .and_then(Verdict::parse)
        .map(Verdict::as_str);
    patch.charged = false;
    patch
}

/// Whose price a run pays: `mobilecheck`'s for a failover, else its own.
pub fn priced_as<'a>(check_name: &'a str, via: &str) -> &'a str {
    if via == VIA_FAILOVER {
        "mobilecheck"
    } else {
        check_name
    }
}

/// The audit detail of a run: `idcheck match`, `… (reused)`.
pub fn run_detail(check_name: &str, patch: &CheckPatch, reused: bool) -> String {
    format!(
        "{check_name} {}{}",
        patch.verdict.unwrap_or(patch.state),
        if reused { " (reused)" } else { "" }
    )
}

/// What a later answer (notification or poll) settles a pending check with; `None` while it
/// is still pending.
pub fn settle_patch(outcome: &Outcome, policy: &CheckPolicy, now: i64) -> Option<CheckPatch> {
    let patch = outcome_patch(outcome, policy, now);
    (patch.state != "pending").then_some(patch)
}

/// What the cron does with a pending check that is due.
#[derive(Debug, Clone, PartialEq)]
pub enum PollStep {
    /// Past the time-out: give it up (free: RealMe charges nothing it never answered).
    TimeOut,
    /// Ask RealMe's `checkresult`, by the date it was run and the date today.
    Ask {
        /// The check.
        check: &'static Check,
        /// `yyyymmdd` (China) it was run.
        run_on: String,
        /// `yyyymmdd` (China) now.
        today: String,
    },
    /// Nothing to ask (phone three-factor never pends).
    Skip,
}

/// The cron's step for a due pending `row` at `now`.
pub fn poll_step(row: &CheckRow, policy: &CheckPolicy, now: i64) -> PollStep {
    if now >= row.created_at_ms + policy.timeout_ms {
        return PollStep::TimeOut;
    }
    match realme::check(&row.check_name) {
        Some(check) => PollStep::Ask {
            check,
            run_on: ChinaDateTime::from_unix_millis(row.created_at_ms).yyyymmdd(),
            today: ChinaDateTime::from_unix_millis(now).yyyymmdd(),
        },
        None => PollStep::Skip,
    }
}

/// When a check polled `polls` times without an answer is next polled: a little later each
/// time, up to six times the first wait.
pub fn next_poll_ms(polls: i64, policy: &CheckPolicy, now: i64) -> i64 {
    now + policy.poll_ms * (polls + 1).clamp(1, 6)
}

/// A reveal's reason, trimmed: 3–200 characters, no control characters.
pub fn reveal_reason(reason: &str) -> Result<&str, Refusal> {
    let reason = reason.trim();
    let n = reason.chars().count();
    if !(3..=200).contains(&n) || reason.chars().any(char::is_control) {
        return Err(Refusal::ReasonRequired);
    }
    Ok(reason)
}

/// Why a reveal gives nothing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RevealError {
    /// A refusal with its code (purged inputs, a field not kept).
    Refused(Refusal),
    /// The sealed inputs could not be opened (a key gone from the ring): a data error.
    Unreadable(String),
}

/// The clear value of input `field` of check `id` from its sealed inputs. Empty sealed
/// inputs were cleared by the retention pass.
pub fn reveal_value(
    sealer: &Sealer,
    id: &str,
    sealed: &str,
    field: &str,
) -> Result<String, RevealError> {
    if sealed.is_empty() {
        return Err(RevealError::Refused(Refusal::InputsPurged));
    }
    let clear = sealer
        .open(&crypto::CHECK_INPUTS.aad_for(id), sealed)
        .map_err(|e| RevealError::Unreadable(format!("unseal {id}: {e}")))?;
    let inputs: BTreeMap<String, String> = serde_json::from_str(&clear)
        .map_err(|e| RevealError::Unreadable(format!("inputs of {id}: {e}")))?;
    inputs
        .get(field)
        .cloned()
        .ok_or(RevealError::Refused(Refusal::NotRevealable))
}

/// A check's result JSON, sealed under the PII key and bound to the check's id (OCR names and
/// ID numbers, credit and carrier data are personal data).
pub fn seal_result(
    sealer: &Sealer,
    id: &str,
    json: Option<&str>,
    nonce: [u8; 12],
) -> Result<Option<String>, CryptoError> {
    json.map(|j| sealer.seal(&crypto::CHECK_RESULT.aad_for(id), j, nonce))
        .transpose()
}

/// The result of a stored check (see [`seal_result`]): `None` when absent or unreadable. A
/// row from before results were sealed holds plain JSON (until the re-seal pass reaches it).
pub fn result_of(sealer: &Sealer, row: &CheckRow) -> Option<CheckResult> {
    let stored = row.result_json.as_deref()?;
    let json = match sealer.open(&crypto::CHECK_RESULT.aad_for(&row.id), stored) {
        Ok(json) => json,
        Err(CryptoError::UnknownVersion) => stored.to_owned(),
        Err(_) => return None,
    };
    serde_json::from_str(&json).ok()
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

/// A row as the console shows it: plain words for its state and result, result fields
/// masked; judged with the pass mark stored on the row (else `default_pass_score`).
pub fn view(row: &CheckRow, result: Option<&CheckResult>, default_pass_score: f64) -> CheckView {
    let pass_score = row.pass_score.unwrap_or(default_pass_score);
    let (explanation_zh, explanation_en) = match (row.state.as_str(), result) {
        ("settled", Some(r)) => match answered_by(row) {
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
        .map(|r| {
            r.fields
                .iter()
                .map(|(k, v)| (k.clone(), mask_value(None, k, v)))
                .collect()
        })
        .unwrap_or_default();
    let raw = result.map_or_else(
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

#[cfg(test)]
mod tests {
    use haoka_shared::api::console::Consent;

    use super::*;

    const POLICY: CheckPolicy = CheckPolicy {
        pass_score: 0.8,
        poll_ms: 10_000,
        timeout_ms: 600_000,
        reuse_ms: 86_400_000,
    };
    const KEY: &str = "lookup-key-for-tests";
    const NOW: i64 = 1_790_000_000_000;

    fn today() -> Date {
        haoka_shared::china_date_from_unix_millis(NOW)
    }

    fn row(check: &str, state: &str) -> CheckRow {
        CheckRow {
            id: "CK1".into(),
            case_id: None,
            agent: "li".into(),
            store: "s1".into(),
            check_name: check.into(),
            inputs_masked: r#"{"id_number":"110101********2906"}"#.into(),
            state: state.into(),
            verdict: None,
            result_json: None,
            error_code: None,
            error_message: None,
            seq_id: None,
            via: "realme".into(),
            pass_score: None,
            reused_from: None,
            cost_fen: 30,
            polls: 0,
            created_at_ms: NOW - 1_000,
            settled_at_ms: None,
        }
    }

    fn run(check: &str, fields: &[(&str, &str)]) -> RunCheck {
        RunCheck {
            check: check.into(),
            fields: fields
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
            consent: Consent {
                version: CHECK_CONSENT_VERSION.into(),
                confirmed: true,
                sensitive: false,
            },
            case_id: None,
            from_case: Vec::new(),
        }
    }

    fn namecheck() -> RunCheck {
        run(
            "namecheck",
            &[("full_name", "张三"), ("id_number", "110101200007282906")],
        )
    }

    fn prepared(body: &RunCheck) -> Result<Prepared, RunError> {
        let check = check_of(&body.check).map_err(RunError::Refused)?;
        prepare(check, body, None, today(), KEY)
    }

    #[test]
    fn an_unknown_name_is_refused_and_phone3_asks_mobilechecks_form() {
        assert_eq!(check_of("nosuch"), Err(Refusal::UnknownCheck));
        assert_eq!(check_of(PHONE3), Ok(None));
        assert_eq!(form_of(None).unwrap().name, "mobilecheck");
    }

    #[test]
    fn a_run_without_consent_or_with_old_consent_costs_nothing() {
        let mut body = namecheck();
        body.consent.confirmed = false;
        assert_eq!(
            prepared(&body),
            Err(RunError::Refused(Refusal::ConsentRequired))
        );
        let mut body = namecheck();
        body.consent.version = "2020-01-01".into();
        assert_eq!(
            prepared(&body),
            Err(RunError::Refused(Refusal::ConsentRequired))
        );
    }

    #[test]
    fn a_bank_card_check_needs_the_separate_consent() {
        let mut body = run(
            "cardcheck",
            &[("full_name", "张三"), ("acct_no", "4111111111111111")],
        );
        assert_eq!(
            prepared(&body),
            Err(RunError::Refused(Refusal::SensitiveConsentRequired))
        );
        body.consent.sensitive = true;
        let ok = prepared(&body).unwrap();
        assert!(ok.masked_json.contains("acct_no"));
        assert!(!ok.masked_json.contains("4111111111111111"));
    }

    #[test]
    fn bad_fields_answer_per_field_before_consent() {
        let mut body = run("namecheck", &[("full_name", "张三"), ("id_number", "123")]);
        body.consent.confirmed = false;
        match prepared(&body) {
            Err(RunError::Params(issues)) => {
                assert!(issues.iter().any(|i| i.param == "id_number"), "{issues:?}")
            }
            other => panic!("expected field problems, got {other:?}"),
        }
    }

    #[test]
    fn from_case_needs_a_case_holding_the_part() {
        let mut body = run("namecheck", &[("full_name", "张三")]);
        body.from_case = vec!["id_number".into()];
        assert_eq!(
            prepared(&body),
            Err(RunError::Refused(Refusal::FromCaseWithoutCase))
        );
        let check = check_of("namecheck").unwrap();
        let named = Subject {
            name: Some("张三".into()),
            id_number: None,
        };
        assert_eq!(
            prepare(check, &body, Some(&named), today(), KEY),
            Err(RunError::Refused(Refusal::FromCaseMissing))
        );
        let whole = Subject {
            id_number: Some("110101200007282906".into()),
            ..named
        };
        let ok = prepare(check, &body, Some(&whole), today(), KEY).unwrap();
        assert!(
            ok.params
                .contains(&("id_number", "110101200007282906".into()))
        );
    }

    #[test]
    fn kept_inputs_are_masked_for_lists_and_the_same_question_hashes_alike() {
        let a = prepared(&namecheck()).unwrap();
        assert!(
            a.masked_json.contains("110101********2906"),
            "{}",
            a.masked_json
        );
        assert!(!a.masked_json.contains("110101200007282906"));
        assert!(a.kept_json.contains("110101200007282906"));
        assert_eq!(
            a.id_hash.as_deref(),
            Some(crypto::lookup_hash(KEY, "id_number", "110101200007282906").as_str())
        );
        let b = prepared(&namecheck()).unwrap();
        assert_eq!(a.question, b.question);
        let other = prepared(&run(
            "namecheck",
            &[("full_name", "李四"), ("id_number", "110101200007282906")],
        ))
        .unwrap();
        assert_ne!(a.question, other.question);
    }

    #[test]
    fn images_and_secrets_are_never_kept() {
        assert_eq!(
            mask_value(Some(Kind::Image), "image", "AAAA"),
            "<图片 image>"
        );
        assert_eq!(
            mask_value(Some(Kind::Secret), "pwd", "123456"),
            "<不保存 not kept>"
        );
        assert_eq!(
            mask_value(Some(Kind::Mobile), "mobile", "13800138000"),
            mask::mask_phone("13800138000")
        );
    }

    #[test]
    fn phone3_answers_settle_and_a_busy_centre_fails_over() {
        let settled_code = |next: Phone3Next| match next {
            Phone3Next::Done(Outcome::Settled(r)) => r.resp_code,
            other => panic!("{other:?}"),
        };
        assert_eq!(
            settled_code(after_phone3(&Phone3Verdict::Match)).as_deref(),
            Some("00")
        );
        assert_eq!(
            settled_code(after_phone3(&Phone3Verdict::Mismatch(
                MismatchPart::NoRecord
            )))
            .as_deref(),
            Some("99")
        );
        assert_eq!(after_phone3(&Phone3Verdict::Busy), Phone3Next::FailOver);
        assert!(matches!(
            after_phone3(&Phone3Verdict::Error { why: "x".into() }),
            Phone3Next::Done(Outcome::Failed { code, .. }) if code == "phone3_error"
        ));
        assert_eq!(priced_as(PHONE3, VIA_FAILOVER), "mobilecheck");
        assert_eq!(priced_as(PHONE3, "phone3"), PHONE3);
    }

    #[test]
    fn outcomes_write_their_rows_and_only_answers_are_charged() {
        let pending = outcome_patch(&Outcome::Pending { seq_id: None }, &POLICY, NOW);
        assert_eq!(
            (pending.state, pending.next_poll_ms, pending.charged),
            ("pending", Some(NOW + POLICY.poll_ms), true)
        );
        let busy = outcome_patch(
            &Outcome::Busy {
                code: "http_503".into(),
                message: String::new(),
            },
            &POLICY,
            NOW,
        );
        assert_eq!(
            (busy.state, busy.charged, busy.error_message),
            ("failed", false, None)
        );
        assert_eq!(
            settle_patch(&Outcome::Pending { seq_id: None }, &POLICY, NOW),
            None
        );
    }

    #[test]
    fn a_reuse_is_free_and_keeps_the_earlier_verdict() {
        let mut prev = row("namecheck", "settled");
        prev.verdict = Some("mismatch".into());
        let result = CheckResult {
            return_code: "0000".into(),
            resp_code: Some("01".into()),
            resp_info: None,
            mp_ssim: None,
            seq_id: None,
            fields: BTreeMap::new(),
            verifies: true,
        };
        let patch = reuse_patch(&prev, Some(result), &POLICY, NOW);
        assert_eq!(
            (patch.state, patch.verdict, patch.charged),
            ("settled", Some("mismatch"), false)
        );
        let unreadable = reuse_patch(&prev, None, &POLICY, NOW);
        assert_eq!(unreadable.error_code.as_deref(), Some("reuse"));
        assert!(run_detail("namecheck", &patch, true).ends_with("mismatch (reused)"));
    }

    #[test]
    fn a_pending_check_times_out_at_the_limit_and_not_before() {
        let mut pending = row("staticfacecheck", "pending");
        pending.created_at_ms = NOW - POLICY.timeout_ms;
        assert_eq!(poll_step(&pending, &POLICY, NOW), PollStep::TimeOut);
        pending.created_at_ms = NOW - POLICY.timeout_ms + 1;
        assert!(matches!(
            poll_step(&pending, &POLICY, NOW),
            PollStep::Ask { check, .. } if check.name == "staticfacecheck"
        ));
        assert_eq!(
            poll_step(&row(PHONE3, "pending"), &POLICY, NOW),
            PollStep::Skip
        );
    }

    #[test]
    fn a_poll_asks_by_the_china_date_it_was_run() {
        let mut pending = row("namecheck", "pending");
        // 23:59:59 China time on one day, polled one second later on the next.
        let midnight = NOW - NOW.rem_euclid(86_400_000) + 16 * 3_600_000;
        pending.created_at_ms = midnight - 1_000;
        match poll_step(&pending, &POLICY, midnight) {
            PollStep::Ask { run_on, today, .. } => assert_ne!(run_on, today),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn polls_back_off_to_six_times_the_first_wait() {
        assert_eq!(next_poll_ms(0, &POLICY, NOW), NOW + POLICY.poll_ms);
        assert_eq!(next_poll_ms(2, &POLICY, NOW), NOW + 3 * POLICY.poll_ms);
        assert_eq!(next_poll_ms(40, &POLICY, NOW), NOW + 6 * POLICY.poll_ms);
    }

    #[test]
    fn a_reveal_needs_a_reason_and_kept_inputs() {
        assert_eq!(reveal_reason(" ab "), Err(Refusal::ReasonRequired));
        assert_eq!(reveal_reason("客户\n要求"), Err(Refusal::ReasonRequired));
        assert_eq!(reveal_reason("  客户来电核对  "), Ok("客户来电核对"));
        let sealer = Sealer::new("pii-key-for-tests");
        assert_eq!(
            reveal_value(&sealer, "CK1", "", "id_number"),
            Err(RevealError::Refused(Refusal::InputsPurged))
        );
        let sealed = sealer
            .seal(
                &crypto::CHECK_INPUTS.aad_for("CK1"),
                r#"{"id_number":"110101200007282906"}"#,
                [7; 12],
            )
            .unwrap();
        assert_eq!(
            reveal_value(&sealer, "CK1", &sealed, "id_number").as_deref(),
            Ok("110101200007282906")
        );
        assert_eq!(
            reveal_value(&sealer, "CK1", &sealed, "image"),
            Err(RevealError::Refused(Refusal::NotRevealable))
        );
        // Bound to its check: another check's id does not open it.
        assert!(matches!(
            reveal_value(&sealer, "CK2", &sealed, "id_number"),
            Err(RevealError::Unreadable(_))
        ));
    }

    #[test]
    fn results_are_sealed_to_their_check_and_old_plain_rows_still_read() {
        let sealer = Sealer::new("pii-key-for-tests");
        let json = r#"{"return_code":"0000","resp_code":"00","fields":{},"verifies":true}"#;
        let mut r = row("namecheck", "settled");
        r.result_json = seal_result(&sealer, "CK1", Some(json), [1; 12]).unwrap();
        assert!(!r.result_json.as_deref().unwrap().contains("0000"));
        assert_eq!(result_of(&sealer, &r).unwrap().return_code, "0000");
        r.result_json = Some(json.into());
        assert_eq!(result_of(&sealer, &r).unwrap().return_code, "0000");
        r.id = "CK9".into();
        r.result_json = seal_result(&sealer, "CK1", Some(json), [1; 12]).unwrap();
        assert_eq!(result_of(&sealer, &r), None);
    }

    #[test]
    fn views_explain_each_state() {
        let timed_out = view(&row("namecheck", "timed_out"), None, 0.8);
        assert!(timed_out.explanation_zh.contains("超时"));
        assert!(timed_out.explanation_en.contains("No result came back"));
        assert_eq!(timed_out.inputs["id_number"], "110101********2906");
        let pending = view(&row("namecheck", "pending"), None, 0.8);
        assert!(pending.explanation_zh.starts_with("等待"));
        let mut failed = row("namecheck", "failed");
        failed.error_code = Some("http_503".into());
        failed.error_message = Some("busy".into());
        assert_eq!(view(&failed, None, 0.8).raw, "http_503 · busy");
        let mut phone3 = row(PHONE3, "settled");
        phone3.verdict = Some("no_record".into());
        let r = CheckResult {
            return_code: "phone3".into(),
            resp_code: Some("99".into()),
            resp_info: None,
            mp_ssim: None,
            seq_id: None,
            fields: BTreeMap::new(),
            verifies: true,
        };
        let v = view(&phone3, Some(&r), 0.8);
        assert_eq!(v.explanation_zh, "查无此人记录");
        assert_eq!(v.title_zh, "手机号三要素核验");
    }

    #[test]
    fn a_failover_is_explained_as_mobilecheck() {
        let mut r = row(PHONE3, "settled");
        r.via = VIA_FAILOVER.into();
        assert_eq!(answered_by(&r).map(|c| c.name), Some("mobilecheck"));
        r.via = "phone3".into();
        assert_eq!(answered_by(&r), None);
    }
}
