//! The edge's one error type, mapped once to a status code and a JSON body with words a
//! customer understands (Chinese first). Internal details go to the log, never the body.

use haoka_shared::{FieldIssue, api::ApiError};
use worker::{Response, console_error};

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
    /// A refusal with its own status, code and words (401, 404, 409, 422, 429 …).
    #[error("refused {status} {code}")]
    Refused {
        /// HTTP status.
        status: u16,
        /// Stable machine code (`order_limit`, `idempotency_mismatch`, `rate_limited` …).
        code: &'static str,
        /// Chinese words.
        zh: &'static str,
        /// English words.
        en: &'static str,
    },
    /// An identity check's form failed the table's rules (HTTP 422), per parameter.
    #[error("check form invalid on {} parameter(s)", .0.len())]
    Params(Vec<haoka_shared::realme_form::ParamIssue>),
    /// Anything else (HTTP 500): the detail is logged, not shown.
    #[error("internal: {0}")]
    Internal(String),
}

impl AppError {
    /// The same key came back with a different body (HTTP 422).
    pub const IDEMPOTENCY_MISMATCH: AppError = AppError::Refused {
        status: 422,
        code: "idempotency_mismatch",
        zh: "该订单已提交过且内容不同，请刷新页面后重新填写",
        en: "This order was already submitted with different details; reload the page and start again",
    };
    /// Too many calls from one address (HTTP 429).
    pub const RATE_LIMITED: AppError = AppError::Refused {
        status: 429,
        code: "rate_limited",
        zh: "操作过于频繁，请一分钟后再试",
        en: "Too many attempts; please try again in a minute",
    };
    /// No order with that number and token (HTTP 404; says nothing about which part is wrong).
    pub const ORDER_NOT_FOUND: AppError = AppError::Refused {
        status: 404,
        code: "order_not_found",
        zh: "订单不存在或链接已失效",
        en: "No such order, or the link is no longer valid",
    };
    /// Missing or wrong operator token (HTTP 401).
    pub const UNAUTHORIZED: AppError = AppError::Refused {
        status: 401,
        code: "unauthorized",
        zh: "需要管理员身份",
        en: "Operator credentials required",
    };
}

impl From<worker::Error> for AppError {
    fn from(e: worker::Error) -> Self {
        AppError::Internal(e.to_string())
    }
}

impl AppError {
    fn status(&self) -> u16 {
        match self {
            AppError::Validation(_) | AppError::Params(_) => 422,
            AppError::BadRequest(_) => 400,
            AppError::PayloadTooLarge => 413,
            AppError::NotFound => 404,
            AppError::MethodNotAllowed => 405,
            AppError::Refused { status, .. } => *status,
            AppError::Internal(_) => 500,
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
            AppError::Params(_) => (
                "validation",
                "核验信息有误，请按提示修改",
                "Some of the check's fields are not valid; please correct them",
                vec![],
            ),
            AppError::BadRequest(_) => (
                "bad_request",
                "请求格式不正确",
                "The request is malformed",
                vec![],
            ),
            AppError::PayloadTooLarge => (
                "payload_too_large",
                "提交的内容过大",
                "The request is too large",
                vec![],
            ),
            AppError::NotFound => ("not_found", "接口不存在", "No such API endpoint", vec![]),
            AppError::MethodNotAllowed => (
                "method_not_allowed",
                "请求方法不允许",
                "Method not allowed",
                vec![],
            ),
            AppError::Refused { code, zh, en, .. } => (code, zh, en, vec![]),
            AppError::Internal(_) => (
                "internal",
                "服务暂时不可用，请稍后再试",
                "Something went wrong; please try again later",
                vec![],
            ),
        };
        ApiError {
            error: error.into(),
            message_zh: zh.into(),
            message_en: en.into(),
            fields,
        }
    }

    /// The JSON response for this error.
    pub fn into_response(self) -> worker::Result<Response> {
        if let AppError::Internal(detail) = &self {
            console_error!("internal error: {detail}");
        }
        let status = self.status();
        if let AppError::Params(params) = self {
            // The table's parameter names, not the order form's fields.
            let body = serde_json::json!({
                "error": "validation",
                "message_zh": "核验信息有误，请按提示修改",
                "message_en": "Some of the check's fields are not valid; please correct them",
                "params": params,
            });
            return Ok(Response::from_json(&body)?.with_status(status));
        }
        Ok(Response::from_json(&self.body())?.with_status(status))
    }
}

/// The refusal for a per-person limit (the order submit and the pre-check say the same).
pub const fn limit_error(limit: haoka_edge_core::budget::Limit) -> AppError {
    match limit {
        haoka_edge_core::budget::Limit::Product => AppError::Refused {
            status: 409,
            code: "order_limit_product",
            zh: "您已有一张该产品的订单正在办理，请等它完成后再下单",
            en: "You already have an open order for this product; please wait until it is done",
        },
        haoka_edge_core::budget::Limit::Total => AppError::Refused {
            status: 409,
            code: "order_limit_total",
            zh: "您名下正在办理的号卡订单已达上限",
            en: "You have reached the limit of open number-card orders",
        },
    }
}
