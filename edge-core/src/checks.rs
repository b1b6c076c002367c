//! The agent console's RealMe checks, any of the 27 in `haoka_shared::realme::CHECKS`: the
//! signed request (edge-set `source_channel` and `mer_bg_url` added here, never taken from
//! the agent), the synchronous reply, `checkresult` polling and the signed notification, all
//! read into one [`Outcome`]; the verdict of a result against the configured face-score
//! threshold; and plain words for the agent (Chinese, English) for every verdict and every
//! upstream error class. Vendor page: `shared/upstream/realme.md`; the project's reading:
//! `shared/API-CONTRACTS.md` ("RealMe").

use std::collections::BTreeMap;

use haoka_shared::{
    realme::{
        CHECKRESULT_PATH, CHECKRESULT_PENDING, CHECKRESULT_UNKNOWN, Check, CodeClass, Mode,
        classify,
    },
    sign::{realme_sign, realme_verify},
};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::{
    http::{Body, HttpRequest, Method, join_url},
    realme::{CODE_TOO_FREQUENT, RealmeCredentials, SOURCE_CHANNEL, says_no_record, trade_request},
    reply::{self, Object},
};

/// Checks whose `resp_code` says yes or no about the person (the rest are look-ups: OCR,
/// lists, scores, carrier data, whose `resp_code` 00 only says the look-up worked).
pub const VERIFYING: [&str; 8] = [
    "namecheck",
    "mobilecheck",
    "cardcheck",
    "staticfacecheck",
    "dynamicfacecheck",
    "idcardcheck",
    "picturematch",
    "defensehack",
];

/// Whether the same question may be answered from a recent result instead of asking again:
/// every check that asks about a person, not the steps of a Moxie carrier task (its status,
/// code and report change as the task goes on).
pub fn reusable(check_name: &str) -> bool {
    !check_name.starts_with("getmoxie")
}

/// Reply keys that are the call's envelope, not the result.
const ENVELOPE: [&str; 13] = [
    "return_code",
    "return_message",
    "realme_date",
    "seq_id",
    "order_date",
    "order_id",
    "app_token",
    "sign",
    "resp_code",
    "resp_info",
    "mp_ssim",
    "check",
    "original_order_date",
];

/// A check's result, as stored with it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CheckResult {
    /// The call's `return_code` (`phone3` for the phone three-factor service).
    pub return_code: String,
    /// The verification code (`00` match, `01` mismatch, `99` exception, mobilecheck's 02–05).
    pub resp_code: Option<String>,
    /// The vendor's words for `resp_code` (shown on the detail line only).
    pub resp_info: Option<String>,
    /// Face similarity, 0–100.
    pub mp_ssim: Option<f64>,
    /// RealMe's serial number.
    pub seq_id: Option<String>,
    /// Every other result field (OCR fields, lists, scores), as text.
    pub fields: BTreeMap<String, String>,
    /// Whether `resp_code` is a yes/no about the person (see [`VERIFYING`]).
    #[serde(default = "yes")]
    pub verifies: bool,
}

fn yes() -> bool {
    true
}

/// What a result says, in the console's terms.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// The data belong together.
    Match,
    /// They do not.
    Mismatch,
    /// The authority has no record of this ID number.
    NoRecord,
    /// mobilecheck 02: mobile and ID number agree, the name could not be checked.
    MobilePartial,
    /// A face score under the configured threshold.
    FaceBelowThreshold,
    /// The vendor reported an exception (`99`) or an unknown code: no conclusion.
    Inconclusive,
    /// A look-up finished (OCR, lists, scores): the fields are the answer.
    Done,
}

impl Verdict {
    /// Every verdict, for parsing stored names.
    pub const ALL: [Verdict; 7] = [
        Verdict::Match,
        Verdict::Mismatch,
        Verdict::NoRecord,
        Verdict::MobilePartial,
        Verdict::FaceBelowThreshold,
        Verdict::Inconclusive,
        Verdict::Done,
    ];

    /// Stable name (stored, sent to the console, used in filters).
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Match => "match",
            Verdict::Mismatch => "mismatch",
            Verdict::NoRecord => "no_record",
            Verdict::MobilePartial => "mobile_partial",
            Verdict::FaceBelowThreshold => "face_below_threshold",
            Verdict::Inconclusive => "inconclusive",
            Verdict::Done => "done",
        }
    }

    /// The verdict of a stored name.
    pub fn parse(name: &str) -> Option<Verdict> {
        Verdict::ALL.into_iter().find(|v| v.as_str() == name)
    }
}

impl CheckResult {
    /// The verdict, with face scores judged against `pass_score` (configuration; the
    /// vendor's own default is 60): the vendor's `resp_code` 00/01 on a scored check is
    /// replaced by our threshold, as the vendor's page invites.
    pub fn verdict(&self, pass_score: f64) -> Verdict {
        let code = self.resp_code.as_deref();
        if code == Some("99") {
            let info = self.resp_info.as_deref().unwrap_or_default();
            return if says_no_record(info) {
                Verdict::NoRecord
            } else {
                Verdict::Inconclusive
            };
        }
        let Some(code) = code else {
            return Verdict::Done;
        };
        if !self.verifies {
            return Verdict::Done;
        }
        match (code, self.mp_ssim) {
            ("00" | "01", Some(score)) if score >= pass_score => Verdict::Match,
            ("00" | "01", Some(_)) => Verdict::FaceBelowThreshold,
            ("00", None) => Verdict::Match,
            ("01" | "03" | "04" | "05", None) => Verdict::Mismatch,
            ("02", None) => Verdict::MobilePartial,
            _ => Verdict::Inconclusive,
        }
    }

    /// `return_code … · resp_code … · mp_ssim …`, for the detail line.
    pub fn raw_line(&self) -> String {
        let mut parts = vec![format!("return_code {}", self.return_code)];
        if let Some(c) = &self.resp_code {
            parts.push(format!("resp_code {c}"));
        }
        if let Some(i) = &self.resp_info {
            parts.push(reply::short(i));
        }
        if let Some(s) = self.mp_ssim {
            parts.push(format!("mp_ssim {s}"));
        }
        parts.join(" · ")
    }

    fn from_map(check: &Check, map: &Object) -> CheckResult {
        let fields = map
            .iter()
            .filter(|(k, _)| !ENVELOPE.contains(&k.as_str()))
            .filter_map(|(k, v)| {
                let text = match v {
                    Value::Null => return None,
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                };
                Some((k.clone(), text))
            })
            .collect();
        CheckResult {
            return_code: reply::field(map, "return_code").unwrap_or_default(),
            resp_code: reply::field(map, "resp_code"),
            resp_info: reply::field(map, "resp_info"),
            mp_ssim: reply::field(map, "mp_ssim")
                .and_then(|s| s.parse::<f64>().ok())
                .filter(|s| s.is_finite()),
            seq_id: reply::field(map, "seq_id"),
            fields,
            verifies: VERIFYING.contains(&check.name),
        }
    }
}

/// What a call (or a poll, or a notification) came to.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// A result.
    Settled(CheckResult),
    /// Accepted; the result comes later (notification or `checkresult`).
    Pending {
        /// RealMe's serial number, when it sent one (poll by it; else by our `order_id`).
        seq_id: Option<String>,
    },
    /// Not now: the upstream is down, busy or throttling. Asking again later may answer.
    Busy {
        /// The code to explain ([`explain_error`]): a `return_code` or `http_5xx`.
        code: String,
        /// The vendor's words or the reason, for the detail line.
        message: String,
    },
    /// Refused or unreadable: the same call would fail the same way.
    Failed {
        /// The code to explain ([`explain_error`]).
        code: String,
        /// The vendor's words or the reason, for the detail line.
        message: String,
    },
}

/// The signed request of `check` with the agent's validated `params` (edge-set keys among
/// them are dropped), `source_channel` when the check takes it, and `mer_bg_url` (the edge's
/// own `/callbacks/realme`) when the check takes one and `bg_url` is given. `order_id` must be
/// fresh per call.
pub fn check_request(
    base_url: &str,
    creds: &RealmeCredentials,
    check: &Check,
    order_id: &str,
    order_date: &str,
    params: &[(&str, String)],
    bg_url: Option<&str>,
) -> HttpRequest {
    let edge_set = ["source_channel", "mer_bg_url"];
    let mut all: Vec<(&str, &str)> = params
        .iter()
        .filter(|(k, _)| !edge_set.contains(k))
        .map(|(k, v)| (*k, v.as_str()))
        .collect();
    if check.params.iter().any(|p| p.name == "source_channel") {
        all.push(("source_channel", SOURCE_CHANNEL));
    }
    if let Some(url) = bg_url.filter(|_| check.takes_callback()) {
        all.push(("mer_bg_url", url));
    }
    trade_request(base_url, creds, check, order_id, order_date, &all)
}

/// Read the reply to [`check_request`]. An asynchronous check (or cardcheck's asynchronous
/// branch) accepted without a `resp_code` is pending; any other success is the result.
pub fn parse_reply(check: &Check, status: u16, body: &[u8]) -> Outcome {
    let map = match envelope(status, body) {
        Ok(map) => map,
        Err(refused) => return refused.into(),
    };
    let pending = check.mode != Mode::Sync && !map.contains_key("resp_code");
    match classify_map(check, &map, Some(check.interface)) {
        Ok(()) if pending => only_2xx(
            status,
            Outcome::Pending {
                seq_id: reply::field(&map, "seq_id"),
            },
        ),
        Ok(()) => only_2xx(status, Outcome::Settled(CheckResult::from_map(check, &map))),
        Err(refused) => refused.into(),
    }
}

/// `GET {base}v4/checkresult`: by `seq_id` when RealMe sent one (then `order_id` is a fresh
/// `poll_order_id`, dated `today`), else by the original `order_id` and its date, as the
/// vendor's page says.
pub fn checkresult_request(
    base_url: &str,
    creds: &RealmeCredentials,
    today: &str,
    original: (&str, &str),
    seq_id: Option<&str>,
    poll_order_id: &str,
) -> HttpRequest {
    let (original_date, original_id) = original;
    let seq_id = seq_id.filter(|s| !s.is_empty());
    let (date, id) = match seq_id {
        Some(_) => (today, poll_order_id),
        None => (original_date, original_id),
    };
    let mut fields: Vec<(String, String)> = [
        ("order_date", date),
        ("order_id", id),
        ("app_token", creds.app_token.as_str()),
    ]
    .into_iter()
    .chain(seq_id.map(|s| ("seq_id", s)))
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect();
    let sign = realme_sign(
        fields.iter().map(|(k, v)| (k.as_str(), v.as_str())),
        &creds.sign_key,
    );
    fields.push(("sign".to_owned(), sign));
    let query = serde_urlencoded::to_string(&fields).unwrap_or_default();
    HttpRequest {
        method: Method::Get,
        url: format!("{}?{query}", join_url(base_url, CHECKRESULT_PATH)),
        headers: Vec::new(),
        body: Body::Empty,
    }
}

/// Read a `checkresult` reply for a pending `check`: 20012 (running) and 20011 (not known
/// yet) stay pending; a success is the result.
pub fn parse_checkresult(check: &Check, status: u16, body: &[u8]) -> Outcome {
    let map = match envelope(status, body) {
        Ok(map) => map,
        Err(refused) => return refused.into(),
    };
    let code = reply::field(&map, "return_code");
    if matches!(
        code.as_deref(),
        Some(CHECKRESULT_PENDING | CHECKRESULT_UNKNOWN)
    ) {
        return Outcome::Pending {
            seq_id: reply::field(&map, "seq_id"),
        };
    }
    match classify_map(check, &map, None) {
        Ok(()) => only_2xx(status, Outcome::Settled(CheckResult::from_map(check, &map))),
        Err(refused) => refused.into(),
    }
}

/// A notification whose sign verified.
#[derive(Debug, Clone, PartialEq)]
pub struct Notification {
    /// Our `order_id` (the check's id).
    pub order_id: String,
    /// RealMe's serial number.
    pub seq_id: Option<String>,
    form: Object,
}

impl Notification {
    /// What it says about `check` (the check stored under `order_id`).
    pub fn outcome(&self, check: &Check) -> Outcome {
        match classify_map(check, &self.form, Some(check.interface)) {
            Ok(()) => Outcome::Settled(CheckResult::from_map(check, &self.form)),
            Err(refused) => refused.into(),
        }
    }
}

/// Why a notification is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NotificationError {
    /// No `sign`, or one that does not verify: refuse (401) and store nothing.
    BadSign,
    /// A signed notification without this field.
    Missing(&'static str),
}

/// Verify and read a notification posted to `/callbacks/realme` (form fields in order). The
/// sign covers every field it carries (API-CONTRACTS.md).
pub fn read_notification(
    form: &[(String, String)],
    sign_key: &str,
) -> Result<Notification, NotificationError> {
    let pairs = form.iter().map(|(k, v)| (k.as_str(), v.as_str()));
    let mut keys: Vec<&str> = form.iter().map(|(k, _)| k.as_str()).collect();
    keys.sort_unstable();
    let repeated = keys.windows(2).any(|w| w[0] == w[1]);
    if repeated || !realme_verify(pairs, sign_key) {
        return Err(NotificationError::BadSign);
    }
    let map: Object = form
        .iter()
        .map(|(k, v)| (k.clone(), Value::String(v.clone())))
        .collect();
    let order_id = reply::field(&map, "order_id").ok_or(NotificationError::Missing("order_id"))?;
    if reply::field(&map, "return_code").is_none() {
        return Err(NotificationError::Missing("return_code"));
    }
    Ok(Notification {
        order_id,
        seq_id: reply::field(&map, "seq_id"),
        form: map,
    })
}

/// A call that came to no result: Busy (`busy`) or Failed.
struct Refused {
    busy: bool,
    code: String,
    message: String,
}

impl From<Refused> for Outcome {
    fn from(r: Refused) -> Outcome {
        let Refused {
            busy,
            code,
            message,
        } = r;
        if busy {
            Outcome::Busy { code, message }
        } else {
            Outcome::Failed { code, message }
        }
    }
}

/// The body as an object, or why there is none.
fn envelope(status: u16, body: &[u8]) -> Result<Object, Refused> {
    if reply::is_server_error(status) {
        return Err(Refused {
            busy: true,
            code: format!("http_{status}"),
            message: format!("HTTP {status}"),
        });
    }
    reply::json_object(body).map_err(|why| Refused {
        busy: false,
        code: "unreadable".into(),
        message: format!("HTTP {status}, {why}"),
    })
}

/// `Ok` when the call succeeded; else its Busy/Failed outcome. `own` is the interface whose
/// codes are expected (`None` for checkresult, interface 200).
fn classify_map(check: &Check, map: &Object, own: Option<u16>) -> Result<(), Refused> {
    let Some(code) = reply::field(map, "return_code") else {
        return Err(Refused {
            busy: false,
            code: "unreadable".into(),
            message: "no return_code".into(),
        });
    };
    let message = reply::short(&reply::field(map, "return_message").unwrap_or_default());
    let ours = own.is_none_or(|i| code.starts_with(&i.to_string()));
    let busy = |code: String| {
        Err(Refused {
            busy: true,
            code,
            message: message.clone(),
        })
    };
    let failed = |code: String| {
        Err(Refused {
            busy: false,
            code,
            message: format!("{}: {message}", check.name),
        })
    };
    match classify(&code) {
        CodeClass::Success | CodeClass::Failure if !ours => failed(code),
        CodeClass::Success | CodeClass::CommonSuccess => Ok(()),
        CodeClass::Failure => busy(code),
        CodeClass::CommonError if code == CODE_TOO_FREQUENT => busy(code),
        CodeClass::CommonError | CodeClass::Unknown => failed(code),
    }
}

/// A result or a pending acceptance counts under a 2xx status only.
fn only_2xx(status: u16, outcome: Outcome) -> Outcome {
    if reply::is_success(status) {
        outcome
    } else {
        Outcome::Failed {
            code: "contradictory".into(),
            message: format!("a success under HTTP {status}"),
        }
    }
}

/// Plain words for a settled result (Chinese, English), the face score against `pass_score`.
pub fn explain(check: &Check, result: &CheckResult, pass_score: f64) -> (String, String) {
    let verdict = result.verdict(pass_score);
    let score = result.mp_ssim.map(|s| format!("{s:.0}"));
    let (zh, en): (String, String) = match verdict {
        Verdict::Match => match (check.name, &score) {
            (_, Some(s)) => (
                format!("人像一致：相似度 {s}，不低于通过阈值 {pass_score:.0}"),
                format!("Same person: similarity {s}, at or above the pass mark {pass_score:.0}"),
            ),
            ("mobilecheck", _) => (
                "一致：手机号登记在此姓名和身份证号名下".into(),
                "Match: the mobile is registered to this name and ID number".into(),
            ),
            ("namecheck", _) => (
                "一致：姓名与身份证号相符（公安库）".into(),
                "Match: the name and ID number belong together (police record)".into(),
            ),
            ("cardcheck", _) => (
                "一致：银行卡与持卡人信息相符".into(),
                "Match: the bank card belongs to this person".into(),
            ),
            ("defensehack", _) => (
                "未发现翻拍或攻击迹象".into(),
                "No sign of a replayed or forged image".into(),
            ),
            _ => (
                format!("{}：一致", check.title_zh),
                format!("{}: match", check.title_en),
            ),
        },
        Verdict::Mismatch => match (check.name, result.resp_code.as_deref()) {
            ("mobilecheck", Some("03")) => (
                "不一致：手机号与身份证号不符（姓名未能核验）".into(),
                "Mismatch: the mobile and ID number do not agree (name not checked)".into(),
            ),
            ("mobilecheck", Some("04")) => (
                "不一致：手机号与身份证号相符，但与姓名不符".into(),
                "Mismatch: mobile and ID number agree, but not mobile and name".into(),
            ),
            ("mobilecheck", Some("05")) => (
                "不一致：手机号与姓名相符，但与身份证号不符，请核对身份证号".into(),
                "Mismatch: mobile and name agree, but not the ID number: check it".into(),
            ),
            ("mobilecheck", _) => (
                "不一致：手机号不在此姓名和身份证号名下".into(),
                "Mismatch: the mobile is not registered to this name and ID number".into(),
            ),
            ("defensehack", _) => (
                "疑似翻拍或攻击：请当面重新拍摄".into(),
                "Looks replayed or forged: take the photo again in person".into(),
            ),
            _ => (
                format!("{}：不一致，请核对填写的信息", check.title_zh),
                format!("{}: mismatch; check what was entered", check.title_en),
            ),
        },
        Verdict::NoRecord => (
            "查无此人：公安库中没有这个身份证号的记录，请核对身份证号".into(),
            "No record of this ID number at the authority: check the number".into(),
        ),
        Verdict::MobilePartial => (
            "手机号与身份证号相符，姓名未能核验".into(),
            "The mobile and ID number agree; the name could not be checked".into(),
        ),
        Verdict::FaceBelowThreshold => {
            let s = score.unwrap_or_default();
            (
                format!(
                    "不能认定为同一人：相似度 {s}，低于通过阈值 {pass_score:.0}。请重新拍摄或人工复核"
                ),
                format!(
                    "Not shown to be the same person: similarity {s}, under the pass mark {pass_score:.0}. Retake or review by hand"
                ),
            )
        }
        Verdict::Inconclusive => (
            "核验方返回异常，未得出结论：请稍后重试".into(),
            "The checker reported an exception and reached no conclusion: try again later".into(),
        ),
        Verdict::Done => (
            format!("{}已完成，结果见下方", check.title_zh),
            format!("{} done; the result is below", check.title_en),
        ),
    };
    (zh, en)
}

/// Plain words for a check that got no result (Chinese, English), by its code.
pub fn explain_error(code: &str) -> (&'static str, &'static str) {
    match code {
        "90101" => (
            "核验方认为参数有误，请检查填写的内容",
            "The checker found a parameter wrong: check what was entered",
        ),
        "90102" => (
            "与核验方的签名校验失败，请联系管理员检查配置",
            "The checker refused our signature: ask an admin to check the configuration",
        ),
        "90103" => (
            "本账户未开通此项核验，请联系管理员",
            "This check is not enabled for our account: ask an admin",
        ),
        "90104" => (
            "请求编号重复，请重新提交",
            "A repeated request number: submit again",
        ),
        CODE_TOO_FREQUENT => (
            "核验方繁忙（请求过于频繁），请稍后再试",
            "The checker is throttling requests: try again in a moment",
        ),
        "unreadable" | "contradictory" => (
            "核验方的应答无法识别，已记录，请联系管理员",
            "The checker's answer could not be read; it was logged: tell an admin",
        ),
        "timeout" | "unreachable" => (
            "核验服务暂时无法访问，未收费，请稍后再试",
            "The checking service could not be reached; nothing was charged: try again later",
        ),
        "phone3_error" => (
            "三要素核验服务拒绝了请求，请联系管理员",
            "The three-factor service refused the request: tell an admin",
        ),
        c if c.starts_with("http_5") => (
            "核验服务暂时不可用，未收费，请稍后再试",
            "The checking service is down for now; nothing was charged: try again later",
        ),
        c => match classify(c) {
            CodeClass::Failure => (
                "核验方处理失败，未收费：请检查填写的内容或稍后再试",
                "The checker could not process it; nothing was charged: check the input or try later",
            ),
            CodeClass::CommonError => (
                "核验方返回未知错误，未收费，请稍后再试",
                "The checker reported an unknown error; nothing was charged: try again later",
            ),
            _ => (
                "核验未完成，未收费，请稍后再试",
                "The check did not complete; nothing was charged: try again later",
            ),
        },
    }
}

#[cfg(test)]
mod tests {
    use haoka_shared::realme::{CHECKS, check};

    use super::*;

    fn creds() -> RealmeCredentials {
        RealmeCredentials {
            app_token: "t".into(),
            sign_key: "K".into(),
        }
    }

    fn c(name: &str) -> &'static Check {
        check(name).unwrap_or_else(|| panic!("{name}"))
    }

    fn params(pairs: &[(&'static str, &str)]) -> Vec<(&'static str, String)> {
        pairs.iter().map(|(k, v)| (*k, (*v).to_owned())).collect()
    }

    #[test]
    fn requests_add_edge_set_params_only_where_the_check_takes_them() {
        let p = params(&[
            ("full_name", "张三"),
            ("id_number", "110101200007282906"),
            ("source_channel", "2"),
            ("mer_bg_url", "http://evil/"),
        ]);
        let req = check_request(
            "http://h/",
            &creds(),
            c("namecheck"),
            "CK1",
            "20261124",
            &p,
            Some("https://edge/callbacks/realme"),
        );
        assert_eq!(req.url, "http://h/v4/trade/namecheck");
        assert_eq!(req.body.field("source_channel"), Some(SOURCE_CHANNEL));
        // namecheck takes no callback.
        assert_eq!(req.body.field("mer_bg_url"), None);
        let face = check_request(
            "http://h/",
            &creds(),
            c("staticfacecheck"),
            "CK2",
            "20261124",
            &p,
            Some("https://edge/callbacks/realme"),
        );
        assert_eq!(
            face.body.field("mer_bg_url"),
            Some("https://edge/callbacks/realme")
        );
        let Body::Form(fields) = &face.body else {
            panic!("{face:?}")
        };
        assert_eq!(fields.iter().filter(|(k, _)| k == "mer_bg_url").count(), 1);
        // The sign covers what is sent.
        let pairs = fields.iter().map(|(k, v)| (k.as_str(), v.as_str()));
        assert!(realme_verify(pairs, "K"));
        // Moxie checks take no source_channel.
        let moxie = check_request(
            "http://h/",
            &creds(),
            c("getmoxiemobile"),
            "CK3",
            "20261124",
            &params(&[("mobile", "18888888336")]),
            None,
        );
        assert_eq!(moxie.body.field("source_channel"), None);
    }

    fn body(v: serde_json::Value) -> Vec<u8> {
        v.to_string().into_bytes()
    }

    #[test]
    fn sync_async_and_either_replies() {
        use serde_json::json;
        let sync = parse_reply(
            c("namecheck"),
            200,
            &body(
                json!({"return_code":"10400","seq_id":"S1","resp_code":"00","resp_info":"认证通过"}),
            ),
        );
        let Outcome::Settled(r) = &sync else {
            panic!("{sync:?}")
        };
        assert_eq!(r.verdict(60.0), Verdict::Match);
        assert_eq!(r.seq_id.as_deref(), Some("S1"));
        assert!(r.verifies);
        assert!(r.fields.is_empty(), "{:?}", r.fields);
        // Async accepted → pending with its seq_id.
        assert_eq!(
            parse_reply(
                c("staticfacecheck"),
                200,
                &body(json!({"return_code":"10001","seq_id":"S2"}))
            ),
            Outcome::Pending {
                seq_id: Some("S2".into())
            }
        );
        // cardcheck: 10200 with a verdict now, 10201 later.
        let now = parse_reply(
            c("cardcheck"),
            200,
            &body(
                json!({"return_code":"10200","resp_code":"01","resp_info":"不一致","full_name":"张三"}),
            ),
        );
        let Outcome::Settled(r) = &now else {
            panic!("{now:?}")
        };
        assert_eq!(r.verdict(60.0), Verdict::Mismatch);
        assert_eq!(r.fields.get("full_name").map(String::as_str), Some("张三"));
        assert!(matches!(
            parse_reply(c("cardcheck"), 200, &body(json!({"return_code":"10201"}))),
            Outcome::Pending { seq_id: None }
        ));
        // A look-up: fields are the answer, arrays kept as JSON text.
        let ocr = parse_reply(
            c("faceregister"),
            200,
            &body(json!({"return_code":"10900","face_set_resp":[{"respCd":"000001"}],"x":null})),
        );
        let Outcome::Settled(r) = &ocr else {
            panic!("{ocr:?}")
        };
        assert_eq!(r.verdict(60.0), Verdict::Done);
        assert_eq!(r.fields["face_set_resp"], r#"[{"respCd":"000001"}]"#);
        assert!(!r.fields.contains_key("x"));
        // A success under 400 is contradictory.
        assert!(matches!(
            parse_reply(
                c("namecheck"),
                400,
                &body(json!({"return_code":"10400","resp_code":"00"}))
            ),
            Outcome::Failed { code, .. } if code == "contradictory"
        ));
    }

    #[test]
    fn busy_and_failed() {
        use serde_json::json;
        let nc = c("namecheck");
        for (status, code, busy) in [
            (200, "10410", true),
            (200, "10499", true),
            (400, "90105", true),
            (400, "90101", false),
            (400, "90102", false),
            (400, "90199", false),
            (200, "10300", false), // another interface's success
            (200, "1040", false),
        ] {
            let out = parse_reply(
                nc,
                status,
                &body(json!({"return_code": code, "return_message": "请求失败:通道繁忙"})),
            );
            match (&out, busy) {
                (Outcome::Busy { code: c, message }, true) => {
                    assert_eq!(c, code);
                    assert!(message.contains("通道繁忙"));
                }
                (Outcome::Failed { code: c, .. }, false) => assert_eq!(c, code),
                _ => panic!("{code}: {out:?}"),
            }
        }
        assert!(
            matches!(parse_reply(nc, 502, b"<html>"), Outcome::Busy { code, .. } if code == "http_502")
        );
        for b in [&b"junk"[..], b"[]", b"{}"] {
            assert!(
                matches!(parse_reply(nc, 200, b), Outcome::Failed { code, .. } if code == "unreadable")
            );
        }
    }

    fn result(check: &str, resp: Option<&str>, info: &str, score: Option<f64>) -> CheckResult {
        CheckResult {
            return_code: "x".into(),
            resp_code: resp.map(str::to_owned),
            resp_info: Some(info.into()),
            mp_ssim: score,
            seq_id: None,
            fields: BTreeMap::new(),
            verifies: VERIFYING.contains(&check),
        }
    }

    #[test]
    fn verdicts_and_the_face_threshold() {
        let v = |check, resp, info, score, pass| result(check, resp, info, score).verdict(pass);
        assert_eq!(v("namecheck", Some("00"), "", None, 60.0), Verdict::Match);
        assert_eq!(
            v("namecheck", Some("01"), "", None, 60.0),
            Verdict::Mismatch
        );
        assert_eq!(
            v("namecheck", Some("99"), "库中无此记录", None, 60.0),
            Verdict::NoRecord
        );
        assert_eq!(
            v("namecheck", Some("99"), "系统异常", None, 60.0),
            Verdict::Inconclusive
        );
        assert_eq!(
            v("mobilecheck", Some("02"), "", None, 60.0),
            Verdict::MobilePartial
        );
        for code in ["03", "04", "05"] {
            assert_eq!(
                v("mobilecheck", Some(code), "", None, 60.0),
                Verdict::Mismatch
            );
        }
        assert_eq!(
            v("namecheck", Some("42"), "", None, 60.0),
            Verdict::Inconclusive
        );
        // Our threshold, not the vendor's resp_code, judges a score.
        assert_eq!(
            v("picturematch", Some("01"), "", Some(65.0), 60.0),
            Verdict::Match
        );
        assert_eq!(
            v("picturematch", Some("00"), "", Some(65.0), 70.0),
            Verdict::FaceBelowThreshold
        );
        assert_eq!(
            v("staticfacecheck", Some("00"), "", Some(70.0), 70.0),
            Verdict::Match
        );
        // A look-up's 00 only says it worked.
        assert_eq!(
            v("getmagicmirror", Some("00"), "", None, 60.0),
            Verdict::Done
        );
        assert_eq!(v("licenseocr", None, "", None, 60.0), Verdict::Done);
        for verdict in Verdict::ALL {
            assert_eq!(Verdict::parse(verdict.as_str()), Some(verdict));
        }
        assert_eq!(Verdict::parse("nope"), None);
    }

    #[test]
    fn checkresult_by_seq_id_or_by_order_id() {
        let by_seq = checkresult_request(
            "http://h/",
            &creds(),
            "20261124",
            ("20261123", "CK9"),
            Some("S9"),
            "CP1",
        );
        assert_eq!(by_seq.method, Method::Get);
        assert_eq!(by_seq.body, Body::Empty);
        let (path, query) = by_seq.url.split_once('?').unwrap_or_default();
        assert_eq!(path, "http://h/v4/checkresult");
        let q: Vec<(String, String)> = serde_urlencoded::from_str(query).unwrap_or_default();
        let get = |k: &str| q.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
        assert_eq!(
            (get("order_id"), get("order_date"), get("seq_id")),
            (Some("CP1"), Some("20261124"), Some("S9"))
        );
        assert!(realme_verify(
            q.iter().map(|(k, v)| (k.as_str(), v.as_str())),
            "K"
        ));
        let by_order = checkresult_request(
            "http://h/",
            &creds(),
            "20261124",
            ("20261123", "CK9"),
            None,
            "CP2",
        );
        assert!(by_order.url.contains("order_id=CK9"), "{}", by_order.url);
        assert!(by_order.url.contains("order_date=20261123"));
        assert!(!by_order.url.contains("seq_id"));
    }

    #[test]
    fn checkresult_replies() {
        use serde_json::json;
        let face = c("staticfacecheck");
        assert_eq!(
            parse_checkresult(
                face,
                200,
                &body(json!({"return_code":"20012","seq_id":"S"}))
            ),
            Outcome::Pending {
                seq_id: Some("S".into())
            }
        );
        assert!(matches!(
            parse_checkresult(face, 200, &body(json!({"return_code":"20011"}))),
            Outcome::Pending { seq_id: None }
        ));
        let done = parse_checkresult(
            face,
            200,
            &body(
                json!({"return_code":"20000","resp_code":"00","mp_ssim":"88","check":"staticfacecheck","original_order_date":"20261124"}),
            ),
        );
        let Outcome::Settled(r) = &done else {
            panic!("{done:?}")
        };
        assert_eq!(r.mp_ssim, Some(88.0));
        assert!(r.fields.is_empty(), "{:?}", r.fields);
        assert_eq!(r.verdict(60.0), Verdict::Match);
        assert!(matches!(
            parse_checkresult(face, 400, &body(json!({"return_code":"90102"}))),
            Outcome::Failed { code, .. } if code == "90102"
        ));
    }

    fn signed(pairs: &[(&str, &str)], key: &str) -> Vec<(String, String)> {
        let mut form: Vec<(String, String)> = pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        let sign = realme_sign(pairs.iter().copied(), key);
        form.push(("sign".into(), sign));
        form
    }

    #[test]
    fn notifications_are_verified_and_read() {
        let face = c("staticfacecheck");
        let form = signed(
            &[
                ("seq_id", "S1"),
                ("order_id", "CK1"),
                ("return_code", "10000"),
                ("resp_code", "00"),
                ("mp_ssim", "77"),
            ],
            "K",
        );
        let note = read_notification(&form, "K").unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!(note.order_id, "CK1");
        assert_eq!(note.seq_id.as_deref(), Some("S1"));
        let Outcome::Settled(r) = note.outcome(face) else {
            panic!()
        };
        assert_eq!(r.verdict(60.0), Verdict::Match);
        // Wrong key, edited field, missing sign, repeated field: refused.
        assert_eq!(
            read_notification(&form, "other"),
            Err(NotificationError::BadSign)
        );
        let mut edited = form.clone();
        edited[3].1 = "01".into();
        assert_eq!(
            read_notification(&edited, "K"),
            Err(NotificationError::BadSign)
        );
        assert_eq!(
            read_notification(&form[..form.len() - 1], "K"),
            Err(NotificationError::BadSign)
        );
        let mut twice = form.clone();
        twice.insert(0, ("resp_code".into(), "01".into()));
        assert_eq!(
            read_notification(&twice, "K"),
            Err(NotificationError::BadSign)
        );
        let no_order = signed(&[("return_code", "10000")], "K");
        assert_eq!(
            read_notification(&no_order, "K"),
            Err(NotificationError::Missing("order_id"))
        );
        // A failure notification is no result; another interface's code is not trusted.
        let failed = signed(&[("order_id", "CK1"), ("return_code", "10010")], "K");
        let note = read_notification(&failed, "K").unwrap_or_else(|e| panic!("{e:?}"));
        assert!(matches!(note.outcome(face), Outcome::Busy { .. }));
        let foreign = signed(
            &[
                ("order_id", "CK1"),
                ("return_code", "10400"),
                ("resp_code", "00"),
            ],
            "K",
        );
        let note = read_notification(&foreign, "K").unwrap_or_else(|e| panic!("{e:?}"));
        assert!(matches!(note.outcome(face), Outcome::Failed { .. }));
    }

    #[test]
    fn carrier_task_steps_are_never_reused() {
        for check in CHECKS {
            assert_eq!(
                reusable(check.name),
                !check.name.contains("moxie"),
                "{}",
                check.name
            );
        }
        assert!(reusable("phone3"));
    }

    #[test]
    fn every_verdict_and_error_has_words() {
        for check in CHECKS {
            for (resp, score) in [
                (Some("00"), None),
                (Some("01"), None),
                (Some("02"), None),
                (Some("05"), None),
                (Some("99"), None),
                (Some("00"), Some(30.0)),
                (None, None),
            ] {
                let r = result(check.name, resp, "库中无此记录", score);
                let (zh, en) = explain(check, &r, 60.0);
                assert!(!zh.is_empty() && !en.is_empty(), "{}", check.name);
                assert!(!zh.contains("resp_code"), "{zh}");
            }
        }
        let face = result("picturematch", Some("01"), "", Some(30.0));
        let (zh, en) = explain(c("picturematch"), &face, 60.0);
        assert!(zh.contains("30") && zh.contains("60"), "{zh}");
        assert!(en.contains("under the pass mark 60"), "{en}");
        let (zh, _) = explain(
            c("mobilecheck"),
            &result("mobilecheck", Some("05"), "", None),
            60.0,
        );
        assert!(zh.contains("身份证号"), "{zh}");
        for code in [
            "90101",
            "90102",
            "90103",
            "90104",
            "90105",
            "90199",
            "10410",
            "http_502",
            "timeout",
            "unreadable",
            "zzz",
        ] {
            let (zh, en) = explain_error(code);
            assert!(!zh.is_empty() && !en.is_empty(), "{code}");
        }
        assert_ne!(explain_error("90102").0, explain_error("10410").0);
        assert!(
            result("namecheck", Some("00"), "认证通过", None)
                .raw_line()
                .contains("resp_code 00")
        );
    }
}

/// The person a case is about, as the agent typed it when opening the case (sealed on the
/// case): what a check's name and ID-number fields can be filled from, so the agent does not
/// type personal data again for every check.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Subject {
    /// The name, as validated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The ID number, as validated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id_number: Option<String>,
}

impl Subject {
    /// Which parts it holds, as the case lists them (`name`, `id_number`).
    pub fn parts(&self) -> Vec<&'static str> {
        let mut parts = Vec::new();
        if self.name.is_some() {
            parts.push("name");
        }
        if self.id_number.is_some() {
            parts.push("id_number");
        }
        parts
    }
}

/// Why fields could not be filled from the case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FillError {
    /// `param` is not a name or ID-number field of this check.
    NotFillable(String),
    /// The case does not hold what `param` needs.
    NotOnCase(String),
}

/// Fill the fields named in `from_case` from the case's `subject`, by each field's kind (a
/// name field gets the name, an ID-number field the ID number), replacing whatever the
/// browser sent for them. The result is validated like typed fields afterwards.
pub fn fill_from_case(
    check: &Check,
    fields: &mut BTreeMap<String, String>,
    from_case: &[String],
    subject: &Subject,
) -> Result<(), FillError> {
    use haoka_shared::realme::Kind;
    for wanted in from_case {
        let param = check
            .params
            .iter()
            .find(|p| p.name == wanted.as_str())
            .ok_or_else(|| FillError::NotFillable(wanted.clone()))?;
        let value = match param.kind {
            Kind::Name => subject.name.as_ref(),
            Kind::IdNumber => subject.id_number.as_ref(),
            _ => return Err(FillError::NotFillable(wanted.clone())),
        }
        .ok_or_else(|| FillError::NotOnCase(wanted.clone()))?;
        fields.insert(wanted.clone(), value.clone());
    }
    Ok(())
}

#[cfg(test)]
mod case_fill_tests {
    use super::*;

    #[test]
    fn fields_fill_by_kind_from_the_case() {
        let check = haoka_shared::realme::check("namecheck").expect("namecheck");
        let names: Vec<&str> = check.params.iter().map(|p| p.name).collect();
        assert!(
            names.contains(&"full_name") && names.contains(&"id_number"),
            "{names:?}"
        );
        let subject = Subject {
            name: Some("张三".into()),
            id_number: Some("110101200007282906".into()),
        };
        assert_eq!(subject.parts(), vec!["name", "id_number"]);
        let mut fields = BTreeMap::from([("full_name".to_owned(), "typed".to_owned())]);
        fill_from_case(
            check,
            &mut fields,
            &["full_name".into(), "id_number".into()],
            &subject,
        )
        .unwrap();
        assert_eq!(fields["full_name"], "张三");
        assert_eq!(fields["id_number"], "110101200007282906");
        // Nothing asked: nothing changes.
        let mut untouched = BTreeMap::new();
        fill_from_case(check, &mut untouched, &[], &subject).unwrap();
        assert!(untouched.is_empty());
        // A field that is not a name or ID number, or not in the check, is refused.
        let mobile = haoka_shared::realme::check("mobilecheck").expect("mobilecheck");
        let mobile_param = mobile
            .params
            .iter()
            .find(|p| p.kind == haoka_shared::realme::Kind::Mobile)
            .expect("a mobile field")
            .name;
        assert_eq!(
            fill_from_case(
                mobile,
                &mut BTreeMap::new(),
                &[mobile_param.into()],
                &subject
            ),
            Err(FillError::NotFillable(mobile_param.into()))
        );
        assert_eq!(
            fill_from_case(check, &mut BTreeMap::new(), &["nope".into()], &subject),
            Err(FillError::NotFillable("nope".into()))
        );
        // A case without an ID number cannot fill one.
        let only_name = Subject {
            name: Some("张三".into()),
            id_number: None,
        };
        assert_eq!(only_name.parts(), vec!["name"]);
        assert_eq!(
            fill_from_case(
                check,
                &mut BTreeMap::new(),
                &["id_number".into()],
                &only_name
            ),
            Err(FillError::NotOnCase("id_number".into()))
        );
        assert_eq!(Subject::default().parts(), Vec::<&str>::new());
    }
}
