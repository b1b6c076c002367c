//! Typed client for the edge's `/api/*`: one error enum, one place ([`into_json`]) that checks
//! the status and decodes the shared error body, one function per call.

use gloo_net::http::{Request, RequestBuilder, Response};
use haoka_shared::{
    FieldIssue,
    api::{
        ApiError, IDEMPOTENCY_HEADER, ORDER_LOOKUP_PATH, ORDERS_PATH, OrderAccepted, OrderLink,
        OrderLookupRequest, OrderView, PHOTO_PARTS, PRECHECK_PATH, PRODUCTS_PATH, PrecheckReply,
        PrecheckRequest, order_path, order_photos_path,
    },
    order::DraftOrderRequest,
    product::Catalogue,
};
use serde::de::DeserializeOwned;

use crate::{i18n::Lang, photo::ChosenPhoto};

/// The query parameter carrying an order's token on the edge's order endpoints.
const TOKEN_PARAM: &str = "token";

/// What a call to the edge can end in, other than success.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ClientError {
    /// The edge refused some fields (HTTP 422 `validation`).
    #[error("validation failed")]
    Validation(Vec<FieldIssue>),
    /// The idempotency key was used before with a different body (HTTP 422).
    #[error("idempotency key reused with another body")]
    IdempotencyMismatch,
    /// Too many open orders for this person (HTTP 409 `order_limit`); the body has the words.
    #[error("order limit")]
    OrderLimit(ApiError),
    /// Too many requests (HTTP 429).
    #[error("rate limited")]
    RateLimited,
    /// Our 404 body: an unknown order, or a wrong token.
    #[error("not found")]
    NotFound,
    /// Another refusal with our JSON error body (400, 413, …).
    #[error("refused {status}: {}", .body.error)]
    Refused {
        /// HTTP status.
        status: u16,
        /// The decoded body.
        body: ApiError,
    },
    /// The edge is down or answered something that is not ours (5xx, or a non-JSON error).
    #[error("unavailable: HTTP {0}")]
    Unavailable(u16),
    /// No answer at all (offline, DNS, connection reset), or an unreadable success body.
    #[error("network: {0}")]
    Network(String),
}

impl ClientError {
    /// Whether sending the same request again may succeed (offer "重试 / Retry").
    pub fn is_retryable(&self) -> bool {
        matches!(
            self,
            ClientError::RateLimited | ClientError::Unavailable(_) | ClientError::Network(_)
        )
    }

    /// Words for the customer (never raw upstream or debug text).
    pub fn message(&self, lang: Lang) -> String {
        let words = match self {
            ClientError::Validation(_) => (
                "提交的信息有误，请按提示修改",
                "Some details are not valid; please correct them",
            ),
            ClientError::IdempotencyMismatch => (
                "订单信息在上次提交后有改动，请再次点击提交",
                "Your details changed since the last try; please press submit again",
            ),
            ClientError::OrderLimit(body) | ClientError::Refused { body, .. } => {
                return lang.pick(&body.message_zh, &body.message_en).to_owned();
            }
            ClientError::RateLimited => (
                "操作太频繁，请稍等一分钟再试",
                "Too many tries; please wait a minute and try again",
            ),
            ClientError::NotFound => ("未找到相关内容", "Not found"),
            ClientError::Unavailable(_) => (
                "服务暂时不可用，请稍后重试",
                "The service is unavailable right now; please try again shortly",
            ),
            ClientError::Network(_) => (
                "网络异常，请检查网络后重试",
                "Network problem; please check your connection and retry",
            ),
        };
        lang.pick(words.0, words.1).to_owned()
    }
}

/// Map a non-2xx answer to an error, given its body if it was our JSON error body.
pub fn classify(status: u16, body: Option<ApiError>) -> ClientError {
    match (status, body) {
        (404, Some(_)) => ClientError::NotFound,
        (429, _) => ClientError::RateLimited,
        (422, Some(b)) if b.error == "idempotency_mismatch" => ClientError::IdempotencyMismatch,
        (422, Some(b)) if !b.fields.is_empty() => ClientError::Validation(b.fields),
        (409, Some(b)) if b.error == "order_limit" => ClientError::OrderLimit(b),
        (500.., _) | (_, None) => ClientError::Unavailable(status),
        (status, Some(body)) => ClientError::Refused { status, body },
    }
}

/// The one decoder: a 2xx body as `T`, anything else through [`classify`].
async fn into_json<T: DeserializeOwned>(resp: Response) -> Result<T, ClientError> {
    let status = resp.status();
    if (200..300).contains(&status) {
        return resp
            .json::<T>()
            .await
            .map_err(|e| ClientError::Network(e.to_string()));
    }
    Err(classify(status, resp.json::<ApiError>().await.ok()))
}

async fn send(req: Result<Request, gloo_net::Error>) -> Result<Response, ClientError> {
    req.map_err(|e| ClientError::Network(e.to_string()))?
        .send()
        .await
        .map_err(|e| ClientError::Network(e.to_string()))
}

/// Three photos as multipart parts named by [`PHOTO_PARTS`], plus an optional JSON part.
fn photo_form(
    order_json: Option<&str>,
    photos: &[ChosenPhoto; 3],
) -> Result<web_sys::FormData, ClientError> {
    let failed = |_| ClientError::Network("form data".into());
    let form = web_sys::FormData::new().map_err(failed)?;
    if let Some(json) = order_json {
        form.append_with_str("order", json).map_err(failed)?;
    }
    for (part, photo) in PHOTO_PARTS.iter().zip(photos) {
        let name = format!("{part}.{}", photo.kind.extension());
        form.append_with_blob_and_filename(part, &photo.file, &name)
            .map_err(failed)?;
    }
    Ok(form)
}

fn with_token(builder: RequestBuilder, token: &str) -> RequestBuilder {
    builder.query([(TOKEN_PARAM, token)])
}

/// `GET /api/products`.
pub async fn products() -> Result<Catalogue, ClientError> {
    into_json(send(Request::get(PRODUCTS_PATH).build()).await?).await
}

/// `POST /api/precheck`.
pub async fn precheck(req: &PrecheckRequest) -> Result<PrecheckReply, ClientError> {
    into_json(send(Request::post(PRECHECK_PATH).json(req)).await?).await
}

/// `POST /api/orders` with the attempt's idempotency key: JSON, or multipart with the three
/// photos when `photos` is given. The browser sets the multipart boundary itself.
pub async fn place_order(
    key: &str,
    draft: &DraftOrderRequest,
    photos: Option<&[ChosenPhoto; 3]>,
) -> Result<OrderAccepted, ClientError> {
    let builder = Request::post(ORDERS_PATH).header(IDEMPOTENCY_HEADER, key);
    let req = match photos {
        None => builder.json(draft),
        Some(photos) => {
            let json =
                serde_json::to_string(draft).map_err(|e| ClientError::Network(e.to_string()))?;
            builder.body(photo_form(Some(&json), photos)?)
        }
    };
    into_json(send(req).await?).await
}

/// `POST /api/orders/lookup`: order number + the ID number's last 6 → the status-page link.
pub async fn lookup(req: &OrderLookupRequest) -> Result<OrderLink, ClientError> {
    into_json(send(Request::post(ORDER_LOOKUP_PATH).json(req)).await?).await
}

/// `GET /api/orders/{id}?token=…`.
pub async fn order(order_id: &str, token: &str) -> Result<OrderView, ClientError> {
    into_json(send(with_token(Request::get(&order_path(order_id)), token).build()).await?).await
}

/// `POST /api/orders/{id}/photos?token=…` with the three photos.
pub async fn send_photos(
    order_id: &str,
    token: &str,
    photos: &[ChosenPhoto; 3],
) -> Result<OrderView, ClientError> {
    let builder = with_token(Request::post(&order_photos_path(order_id)), token);
    into_json(send(builder.body(photo_form(None, photos)?)).await?).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use haoka_shared::{Field, ValidationError};

    fn body(error: &str, fields: Vec<FieldIssue>) -> ApiError {
        ApiError {
            error: error.into(),
            message_zh: "中文".into(),
            message_en: "English".into(),
            fields,
        }
    }

    #[test]
    fn statuses_map_to_what_the_customer_can_do() {
        let issue = ValidationError::PhotoType.for_field(Field::PhotoFace);
        assert_eq!(
            classify(422, Some(body("validation", vec![issue.clone()]))),
            ClientError::Validation(vec![issue])
        );
        assert_eq!(
            classify(422, Some(body("idempotency_mismatch", vec![]))),
            ClientError::IdempotencyMismatch
        );
        assert!(matches!(
            classify(409, Some(body("order_limit", vec![]))),
            ClientError::OrderLimit(_)
        ));
        assert_eq!(classify(429, None), ClientError::RateLimited);
        assert_eq!(
            classify(404, Some(body("not_found", vec![]))),
            ClientError::NotFound
        );
        // A 404 that is not ours means the API is not there (yet): try again later.
        assert_eq!(classify(404, None), ClientError::Unavailable(404));
        assert_eq!(
            classify(503, Some(body("internal", vec![]))),
            ClientError::Unavailable(503)
        );
        // A proxy's HTML error page is not ours: never shown, just "unavailable".
        assert_eq!(classify(400, None), ClientError::Unavailable(400));
        assert!(matches!(
            classify(413, Some(body("too_large", vec![]))),
            ClientError::Refused { status: 413, .. }
        ));
    }

    #[test]
    fn only_transient_failures_offer_a_retry() {
        assert!(ClientError::Network("reset".into()).is_retryable());
        assert!(ClientError::Unavailable(502).is_retryable());
        assert!(ClientError::RateLimited.is_retryable());
        assert!(!ClientError::NotFound.is_retryable());
        assert!(!ClientError::Validation(vec![]).is_retryable());
        assert!(!ClientError::OrderLimit(body("order_limit", vec![])).is_retryable());
    }

    #[test]
    fn messages_never_show_internal_text() {
        let e = ClientError::Network("TypeError: Failed to fetch".into());
        assert!(!e.message(Lang::En).contains("TypeError"));
        assert!(e.message(Lang::Zh).contains("网络"));
        let limit = ClientError::OrderLimit(body("order_limit", vec![]));
        assert_eq!(limit.message(Lang::Zh), "中文");
        assert_eq!(limit.message(Lang::En), "English");
    }
}
