//! Typed client for the edge's `/api/*`: one error enum, one place that checks the status and
//! decodes the shared error body.

use gloo_net::http::{Request, Response};
use haoka_shared::{
    FieldIssue,
    api::{ApiError, DRAFT_PATH},
    order::{DraftAccepted, DraftOrderRequest},
};
use serde::de::DeserializeOwned;

/// What a call to the edge can end in, other than success.
#[derive(Debug, Clone, thiserror::Error)]
pub enum ClientError {
    /// The edge refused some fields (HTTP 422).
    #[error("validation failed")]
    Validation(Vec<FieldIssue>),
    /// The edge answered with another error body.
    #[error("server error {status}: {}", .body.error)]
    Server {
        /// HTTP status.
        status: u16,
        /// The decoded body.
        body: ApiError,
    },
    /// No usable answer (network down, or a body that is not ours).
    #[error("network: {0}")]
    Network(String),
}

impl ClientError {
    /// Words for the customer (never raw upstream or debug text).
    pub fn message(&self, lang: crate::i18n::Lang) -> String {
        match self {
            ClientError::Validation(_) => lang
                .pick(
                    "提交的信息有误，请按提示修改",
                    "Some fields are not valid; please correct them",
                )
                .into(),
            ClientError::Server { body, .. } => {
                lang.pick(&body.message_zh, &body.message_en).to_owned()
            }
            ClientError::Network(_) => lang
                .pick(
                    "网络异常，请检查网络后重试",
                    "Network problem; please check your connection and retry",
                )
                .into(),
        }
    }
}

async fn into_json<T: DeserializeOwned>(resp: Response) -> Result<T, ClientError> {
    let status = resp.status();
    if (200..300).contains(&status) {
        return resp
            .json::<T>()
            .await
            .map_err(|e| ClientError::Network(e.to_string()));
    }
    match resp.json::<ApiError>().await {
        Ok(body) if status == 422 => Err(ClientError::Validation(body.fields)),
        Ok(body) => Err(ClientError::Server { status, body }),
        Err(e) => Err(ClientError::Network(format!("HTTP {status}: {e}"))),
    }
}

/// `POST /api/orders/draft`.
pub async fn post_draft(draft: &DraftOrderRequest) -> Result<DraftAccepted, ClientError> {
    let resp = Request::post(DRAFT_PATH)
        .json(draft)
        .map_err(|e| ClientError::Network(e.to_string()))?
        .send()
        .await
        .map_err(|e| ClientError::Network(e.to_string()))?;
    into_json(resp).await
}
