//! The edge's one error type, mapped once to a status code and a JSON body with words a
//! customer understands (Chinese first). Internal details go to the log, never the body.

use haoka_shared::{FieldIssue, api::ApiError, refusal::Refusal};

use crate::{http::Reply, platform::Platform};

/// Everything a route can fail with.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// Field validation failed (HTTP 422).
    #[error("validation failed on {} field(s)", .0.len())]
    Validation(Vec<FieldIssue>),
    /// The body could not be read as the expected JSON (HTTP 400).
    #[error("bad request: {0}")]
    BadRequest(String),
    /// The body is larger than the route accepts (HTTP 413).
    #[error("payload too large")]
    PayloadTooLarge,
    /// No such API route (HTTP 404).
    #[error("not found")]
    NotFound,
    /// Wrong method on a known route (HTTP 405).
    #[error("method not allowed")]
    MethodNotAllowed,
    /// A refusal from the shared table: its status, code and words are its row.
    #[error("refused {} {}", .0.status(), .0.code())]
    Refused(Refusal),
    /// An identity check's form failed the table's rules (HTTP 422), per parameter.
    #[error("check form invalid on {} parameter(s)", .0.len())]
    Params(Vec<haoka_shared::realme_form::ParamIssue>),
    /// Anything else (HTTP 500): the detail is logged, not shown.
    #[error("internal: {0}")]
    Internal(String),
}

impl From<Refusal> for AppError {
    fn from(r: Refusal) -> Self {
        AppError::Refused(r)
    }
}

/// The words of a check form that failed the table's rules (`validation`, with `params`).
const PARAMS_ZH: &str = "核验信息有误，请按提示修改";
const PARAMS_EN: &str = "Some of the check's fields are not valid; please correct them";

impl AppError {
    /// The HTTP status this error answers with.
    pub fn status(&self) -> u16 {
        match self {
            AppError::Validation(_) | AppError::Params(_) => 422,
            AppError::Internal(_) => 500,
            other => other.refusal().map_or(500, Refusal::status),
        }
    }

    /// The table's row for an error with fixed words (everything but `validation` and
    /// `internal`).
    fn refusal(&self) -> Option<Refusal> {
        match self {
            AppError::BadRequest(_) => Some(Refusal::BadRequest),
            AppError::PayloadTooLarge => Some(Refusal::PayloadTooLarge),
            AppError::NotFound => Some(Refusal::NotFound),
            AppError::MethodNotAllowed => Some(Refusal::MethodNotAllowed),
            AppError::Refused(r) => Some(*r),
            AppError::Validation(_) | AppError::Params(_) | AppError::Internal(_) => None,
        }
    }

    fn body(self) -> ApiError {
        let (error, zh, en, fields) = match self {
            AppError::Validation(fields) => (
                "validation",
                "提交的信息有误，请按提示修改",
                "Some fields are not valid; please correct them",
                fields,
            ),
            AppError::Params(_) => ("validation", PARAMS_ZH, PARAMS_EN, vec![]),
            other => match other.refusal() {
                Some(r) => return r.into(),
                None => (
                    "internal",
                    "服务暂时不可用，请稍后再试",
                    "Something went wrong; please try again later",
                    vec![],
                ),
            },
        };
        ApiError {
            error: error.into(),
            message_zh: zh.into(),
            message_en: en.into(),
            fields,
        }
    }

    /// The JSON answer for this error (an internal one's detail goes to the log only).
    pub fn into_reply(self, p: &impl Platform) -> Reply {
        if let AppError::Internal(detail) = &self {
            crate::error!(p, "internal error: {detail}");
        }
        let status = self.status();
        if let AppError::Params(params) = self {
            // The table's parameter names, not the order form's fields.
            let body = serde_json::json!({
                "error": "validation",
                "message_zh": PARAMS_ZH,
                "message_en": PARAMS_EN,
                "params": params,
            });
            return json_or_500(&body, status);
        }
        json_or_500(&self.body(), status)
    }
}

/// The refusal for a per-person limit (the order submit and the pre-check say the same).
pub const fn limit_error(limit: haoka_edge_core::budget::Limit) -> AppError {
    AppError::Refused(match limit {
        haoka_edge_core::budget::Limit::Product => Refusal::OrderLimitProduct,
        haoka_edge_core::budget::Limit::Total => Refusal::OrderLimitTotal,
    })
}

/// A stored order in no known state is a data error (HTTP 500), wherever a row is read.
impl From<haoka_edge_core::sql::orders::UnknownState> for AppError {
    fn from(e: haoka_edge_core::sql::orders::UnknownState) -> Self {
        AppError::Internal(e.to_string())
    }
}

/// `body` as JSON with `status`; a body that does not serialise (it always does) is a bare 500.
fn json_or_500<T: serde::Serialize>(body: &T, status: u16) -> Reply {
    Reply::json(body).map_or_else(
        |_| Reply::empty().with_status(500),
        |r| r.with_status(status),
    )
}
