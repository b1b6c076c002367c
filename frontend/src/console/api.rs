//! The console's calls to `/api/console/*`: the session cookie goes by itself (same origin),
//! every change carries the session's CSRF token, and a refusal comes back with the edge's
//! words and, for a form, the fields it names.

use std::collections::BTreeMap;

use haoka_shared::realme_form::ParamIssue;
use serde::{Deserialize, de::DeserializeOwned};

use crate::{
    api::{Body, call},
    i18n::Lang,
};

/// Who is signed in.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Me {
    /// User name.
    pub username: String,
    /// Display name.
    pub display_name: String,
    /// `agent`, `lead`, `admin` or `compliance`.
    pub role: String,
    /// Store.
    pub store: String,
    /// The session's CSRF token (kept in memory only).
    pub csrf: String,
}

impl Me {
    /// Whether the audit log is theirs to read.
    pub fn reads_audit(&self) -> bool {
        matches!(self.role.as_str(), "admin" | "compliance")
    }
}

/// A refusal's body.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
pub struct Problem {
    /// Stable code.
    #[serde(default)]
    pub error: String,
    /// Chinese words.
    #[serde(default)]
    pub message_zh: String,
    /// English words.
    #[serde(default)]
    pub message_en: String,
    /// A check form's problems, per field.
    #[serde(default)]
    pub params: Vec<ParamIssue>,
}

/// A call that did not succeed.
#[derive(Debug, Clone, PartialEq)]
pub struct Failure {
    /// HTTP status (0: no answer).
    pub status: u16,
    /// The edge's body, when it sent ours.
    pub problem: Problem,
}

impl Failure {
    /// Words for the agent.
    pub fn words(&self, lang: Lang) -> String {
        let p = &self.problem;
        if !p.message_zh.is_empty() {
            return lang.pick(&p.message_zh, &p.message_en).to_owned();
        }
        let (zh, en) = match self.status {
            0 => (
                "网络异常，请检查网络后重试",
                "Network problem; check the connection and retry",
            ),
            401 => ("请重新登录", "Please sign in again"),
            403 => ("没有权限", "Not allowed"),
            429 => (
                "操作太频繁，请稍后再试",
                "Too many requests; try again shortly",
            ),
            _ => (
                "服务暂时不可用，请稍后重试",
                "The service is unavailable; try again shortly",
            ),
        };
        lang.pick(zh, en).to_owned()
    }
}

fn decode<T: DeserializeOwned>((status, body): (u16, String)) -> Result<T, Failure> {
    if (200..300).contains(&status) {
        let text = if body.is_empty() { "null" } else { &body };
        return serde_json::from_str(text).map_err(|_| Failure {
            status: 0,
            problem: Problem::default(),
        });
    }
    Err(Failure {
        status,
        problem: serde_json::from_str(&body).unwrap_or_default(),
    })
}

fn offline(_: crate::api::ClientError) -> Failure {
    Failure {
        status: 0,
        problem: Problem::default(),
    }
}

/// `GET path` as `T`.
pub async fn get<T: DeserializeOwned>(path: &str) -> Result<T, Failure> {
    decode(call("GET", path, &[], Body::Empty).await.map_err(offline)?)
}

/// `POST path` with a JSON body and the CSRF token, as `T` (`()` for an empty answer).
pub async fn post<T: DeserializeOwned>(
    path: &str,
    csrf: &str,
    body: &serde_json::Value,
) -> Result<T, Failure> {
    let text = body.to_string();
    let headers = [("x-haoka-csrf", csrf)];
    decode(
        call("POST", path, &headers, Body::Json(text))
            .await
            .map_err(offline)?,
    )
}

/// One case.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Case {
    /// Id.
    pub id: String,
    /// Who opened it.
    pub agent: String,
    /// Masked subject (`张* 110101********2906`).
    pub subject_masked: String,
    /// What the case holds sealed for checks to use (`name,id_number`), in the order of the
    /// masked subject's words.
    #[serde(default)]
    pub subject_parts: String,
    /// `open`, `approved`, `rejected`, `recapture`.
    pub state: String,
    /// The closing reason.
    #[serde(default)]
    pub reason: String,
    /// Opened at.
    pub created_at_ms: i64,
}

/// `GET /api/console/cases`.
#[derive(Debug, Clone, Deserialize)]
pub struct Cases {
    /// Newest first.
    pub cases: Vec<Case>,
}

/// A check in a case's list.
#[derive(Debug, Clone, Deserialize)]
pub struct Brief {
    /// Check id.
    pub id: String,
}

impl Case {
    /// The case's subject parts with their masked words: (`name`, `张*`), (`id_number`, …).
    pub fn subject(&self) -> Vec<(String, String)> {
        self.subject_parts
            .split(',')
            .filter(|p| !p.is_empty())
            .zip(self.subject_masked.split(' '))
            .map(|(p, m)| (p.to_owned(), m.to_owned()))
            .collect()
    }
}

/// `GET /api/console/cases/{id}`.
#[derive(Debug, Clone, Deserialize)]
pub struct CaseDetail {
    /// The case.
    pub case: Case,
    /// Its checks, newest first.
    pub checks: Vec<Brief>,
}

/// A check as the edge shows it.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct CheckView {
    /// Id.
    pub id: String,
    /// Check name (`phone3` or a RealMe name).
    pub check: String,
    /// Chinese title.
    pub title_zh: String,
    /// English title.
    pub title_en: String,
    /// Who ran it.
    pub agent: String,
    /// `settled`, `pending`, `failed`, `timed_out`.
    pub state: String,
    /// The verdict, once settled.
    pub verdict: Option<String>,
    /// Plain words.
    pub explanation_zh: String,
    /// Plain words.
    pub explanation_en: String,
    /// Result fields, masked.
    #[serde(default)]
    pub fields: BTreeMap<String, String>,
    /// The codes, for the detail line.
    #[serde(default)]
    pub raw: String,
    /// `realme`, `phone3`, `mobilecheck_failover`, `reuse`.
    pub via: String,
    /// Cost in fen.
    pub cost_fen: i64,
    /// Inputs, masked.
    #[serde(default)]
    pub inputs: BTreeMap<String, String>,
    /// Run at.
    pub created_at_ms: i64,
}

/// `GET /api/console/checks`.
#[derive(Debug, Clone, Deserialize)]
pub struct Checks {
    /// Newest first.
    pub checks: Vec<CheckView>,
}

/// `POST …/reveal`.
#[derive(Debug, Clone, Deserialize)]
pub struct Revealed {
    /// The clear value.
    pub value: String,
}

/// One audit entry.
#[derive(Debug, Clone, Deserialize)]
pub struct AuditEntry {
    /// Sequence number.
    pub seq: i64,
    /// When.
    pub at_ms: i64,
    /// Who.
    pub actor: String,
    /// What.
    pub action: String,
    /// On what.
    pub target: String,
    /// Details.
    #[serde(default)]
    pub detail: String,
}

/// `GET /api/console/audit`.
#[derive(Debug, Clone, Deserialize)]
pub struct Audit {
    /// Newest first.
    pub entries: Vec<AuditEntry>,
    /// Whether the hash chain verified.
    pub chain_ok: bool,
}
