//! The console's calls to `/api/console/*`: the session cookie goes by itself (same origin),
//! every change carries the session's CSRF token, and a refusal comes back with the edge's
//! words and, for a form, the fields it names. The wire types and paths are
//! `haoka_shared::api::console`'s, the edge's own.

use haoka_shared::realme_form::ParamIssue;
use serde::{Deserialize, Serialize, de::DeserializeOwned, de::IgnoredAny};

use crate::{
    api::{Body, call},
    i18n::Lang,
};

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

/// `POST path` with `body` as JSON and the CSRF token, as `T`.
pub async fn post<T: DeserializeOwned, B: Serialize + ?Sized>(
    path: &str,
    csrf: &str,
    body: &B,
) -> Result<T, Failure> {
    let text = serde_json::to_string(body).map_err(|_| Failure {
        status: 0,
        problem: Problem::default(),
    })?;
    let headers = [("x-haoka-csrf", csrf)];
    decode(
        call("POST", path, &headers, Body::Json(text))
            .await
            .map_err(offline)?,
    )
}

/// `POST path` with no body (sign-out), its answer unread.
pub async fn post_empty(path: &str, csrf: &str) -> Result<(), Failure> {
    let headers = [("x-haoka-csrf", csrf)];
    decode::<IgnoredAny>(
        call("POST", path, &headers, Body::Empty)
            .await
            .map_err(offline)?,
    )
    .map(|_| ())
}
