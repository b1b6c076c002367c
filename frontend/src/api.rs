//! Typed client for the edge's `/api/*`: one error enum, one place ([`decode`]) that checks
//! the status and decodes the shared error body, one function per call.

use haoka_shared::{
    FieldIssue,
    api::{
        ApiError, DEVICE_HEADER, HANDOFF_CLAIM_PATH, HANDOFF_PATH, HANDOFF_PHOTOS_PATH,
        HANDOFF_QUALITY_HEADER, HandoffClaim, HandoffClaimed, HandoffCreated, HandoffRequest,
        HandoffStatus, IDEMPOTENCY_HEADER, NUMBER_HOLD_PATH, NUMBERS_PATH, NumberChoices,
        NumberHeld, NumberHold, ORDER_LOOKUP_PATH, ORDERS_PATH, OrderAccepted, OrderLink,
        OrderLookupRequest, OrderView, PHOTO_PARTS, PRECHECK_PATH, PRODUCTS_PATH, PrecheckReply,
        PrecheckRequest, QUALITY_PART, TURNSTILE_HEADER, order_path, order_photos_path,
    },
    order::DraftOrderRequest,
    product::Catalogue,
    refusal::Refusal,
    region::Regions,
};
use leptos::prelude::window;
use serde::de::DeserializeOwned;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

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
    /// Too many open orders for this person (HTTP 409 `order_limit_product` or
    /// `order_limit_total`, [`Refusal::is_order_limit`]); the body has the words.
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

/// Map a non-2xx answer to an error, given its body if it was our JSON error body. Codes are
/// matched through the shared [`Refusal`] table, never as strings of our own.
pub fn classify(status: u16, body: Option<ApiError>) -> ClientError {
    let refusal = body.as_ref().and_then(|b| Refusal::parse(&b.error));
    match (status, body) {
        // The handoff's 404 has words to show ("scan the QR code again").
        (404, Some(_)) if !refusal.is_some_and(Refusal::is_handoff) => ClientError::NotFound,
        (429, _) => ClientError::RateLimited,
        (422, Some(_)) if refusal == Some(Refusal::IdempotencyMismatch) => {
            ClientError::IdempotencyMismatch
        }
        (422, Some(b)) if !b.fields.is_empty() => ClientError::Validation(b.fields),
        (409, Some(b)) if refusal.is_some_and(Refusal::is_order_limit) => {
            ClientError::OrderLimit(b)
        }
        // Today's places are gone: the edge's words ("come back tomorrow"), not "unavailable".
        (503, Some(body)) if refusal == Some(Refusal::DailyCapacity) => {
            ClientError::Refused { status, body }
        }
        (500.., _) | (_, None) => ClientError::Unavailable(status),
        (status, Some(body)) => ClientError::Refused { status, body },
    }
}

/// The one decoder: a 2xx body as `T`, anything else through [`classify`]. Generic only
/// here; the I/O in [`call`] is written once, not once per answer type.
fn decode<T: DeserializeOwned>((status, body): (u16, String)) -> Result<T, ClientError> {
    if (200..300).contains(&status) {
        // A body that is not the promised type: reported as a network fault (the words shown
        // are the same), without linking serde_json's error texts into the first load.
        return serde_json::from_str(&body).map_err(|_| ClientError::Network("decode".into()));
    }
    Err(classify(
        status,
        serde_json::from_str::<ApiError>(&body).ok(),
    ))
}

/// What a request carries.
pub(crate) enum Body<'a> {
    /// Nothing (GET).
    Empty,
    /// A JSON document.
    Json(String),
    /// A multipart form (the browser sets the boundary).
    Form(&'a web_sys::FormData),
    /// A file as it is (its own type).
    Blob(&'a web_sys::Blob),
}

impl Body<'_> {
    /// `value` as a JSON body.
    fn json<T: serde::Serialize>(value: &T) -> Result<Body<'static>, ClientError> {
        serde_json::to_string(value)
            .map(Body::Json)
            .map_err(|_| ClientError::Network("encode".into()))
    }
}

/// Send one request with the browser's `fetch`; the answer's status and body text.
pub(crate) async fn call(
    method: &str,
    url: &str,
    headers: &[(&str, &str)],
    body: Body<'_>,
) -> Result<(u16, String), ClientError> {
    let resp = send(method, url, headers, body).await?;
    let text = JsFuture::from(
        resp.text()
            .map_err(|_| ClientError::Network("body".into()))?,
    )
    .await
    .map_err(|_| ClientError::Network("body".into()))?;
    Ok((resp.status(), text.as_string().unwrap_or_default()))
}

/// Send one request with the browser's `fetch`; the answer, unread.
async fn send(
    method: &str,
    url: &str,
    headers: &[(&str, &str)],
    body: Body<'_>,
) -> Result<web_sys::Response, ClientError> {
    let failed = |stage: &str| {
        let stage = stage.to_owned();
        move |_| ClientError::Network(stage)
    };
    let init = web_sys::RequestInit::new();
    init.set_method(method);
    let head = web_sys::Headers::new().map_err(failed("headers"))?;
    for (name, value) in headers {
        head.set(name, value).map_err(failed("headers"))?;
    }
    match body {
        Body::Empty => {}
        Body::Json(text) => {
            head.set("Content-Type", "application/json")
                .map_err(failed("headers"))?;
            init.set_body(&JsValue::from_str(&text));
        }
        Body::Form(form) => init.set_body(form),
        Body::Blob(blob) => init.set_body(blob),
    }
    init.set_headers(&head);
    let req = web_sys::Request::new_with_str_and_init(url, &init).map_err(failed("request"))?;
    Ok(JsFuture::from(window().fetch_with_request(&req))
        .await
        .map_err(failed("fetch"))?
        .unchecked_into())
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
    // The kept problems travel as one JSON list, built from each photo's flag as it came.
    let flags: Vec<&str> = photos
        .iter()
        .map(|p| p.flag.as_str())
        .filter(|f| !f.is_empty())
        .collect();
    if !flags.is_empty() {
        form.append_with_str(QUALITY_PART, &format!("[{}]", flags.join(",")))
            .map_err(failed)?;
    }
    for (part, photo) in PHOTO_PARTS.iter().zip(photos) {
        let name = format!("{part}.{}", photo.kind.extension());
        form.append_with_blob_and_filename(part, &photo.file, &name)
            .map_err(failed)?;
    }
    Ok(form)
}

/// `path?token=…`, the token URL-encoded.
fn with_token(path: &str, token: &str) -> String {
    let token = String::from(js_sys::encode_uri_component(token));
    format!("{path}?{TOKEN_PARAM}={token}")
}

/// Where the region table is served (a static file next to the app, copied by trunk).
pub const REGIONS_PATH: &str = "/regions.txt";

/// Fetch the region table once and install it for the shared validators (a no-op when it is
/// already in use). The table is data, not code: fetched alongside the catalogue, it keeps
/// the app's first load 26 kB gzip lighter and stays cached across app releases.
pub async fn regions() -> Result<(), ClientError> {
    if Regions::is_loaded() {
        return Ok(());
    }
    let (status, text) = call("GET", REGIONS_PATH, &[], Body::Empty).await?;
    if !(200..300).contains(&status) {
        return Err(ClientError::Unavailable(status));
    }
    // Leaked once per page load: the table borrows its names from the text for the app's life.
    let text: &'static str = Box::leak(text.into_boxed_str());
    // A page served in its place (a wrong deploy) is "unavailable", never a half-empty form.
    let table = Regions::parse_table(text).map_err(|_| ClientError::Unavailable(status))?;
    Regions::install(table);
    Ok(())
}

/// `GET /api/products`.
pub async fn products() -> Result<Catalogue, ClientError> {
    decode(call("GET", PRODUCTS_PATH, &[], Body::Empty).await?)
}

/// `GET /api/numbers`: a page of `product`'s free numbers for the search (选号; empty for a
/// product without a pool). `after` is the previous page's `next`.
pub async fn numbers(
    product: &str,
    ending: &str,
    no_four: bool,
    birthday: bool,
    after: Option<&str>,
) -> Result<NumberChoices, ClientError> {
    let enc = |v: &str| String::from(js_sys::encode_uri_component(v));
    let mut url = format!(
        "{NUMBERS_PATH}?product={}&ending={}",
        enc(product),
        enc(ending)
    );
    if no_four {
        url.push_str("&no4=1");
    }
    if birthday {
        url.push_str("&birthday=1");
    }
    if let Some(a) = after {
        url.push_str(&format!("&after={}", enc(a)));
    }
    decode(call("GET", &url, &[], Body::Empty).await?)
}

/// `POST /api/numbers/hold`: hold a number for this attempt (15 minutes).
pub async fn hold_number(hold: &NumberHold) -> Result<NumberHeld, ClientError> {
    let id = device();
    let headers: Vec<(&str, &str)> = id.iter().map(|d| (DEVICE_HEADER, d.as_str())).collect();
    decode(call("POST", NUMBER_HOLD_PATH, &headers, Body::json(hold)?).await?)
}

/// The device id header (see [`crate::storage::device_id`]), when there is one.
fn device() -> Option<String> {
    crate::storage::device_id()
}

/// `POST /api/precheck`, with the bot check's token when there is one.
pub async fn precheck(
    req: &PrecheckRequest,
    bot_token: Option<&str>,
) -> Result<PrecheckReply, ClientError> {
    let id = device();
    let mut headers: Vec<(&str, &str)> = id.iter().map(|d| (DEVICE_HEADER, d.as_str())).collect();
    headers.extend(bot_token.map(|t| (TURNSTILE_HEADER, t)));
    decode(call("POST", PRECHECK_PATH, &headers, Body::json(req)?).await?)
}

/// `POST /api/orders` with the attempt's idempotency key: JSON, or multipart with the three
/// photos when `photos` is given. The browser sets the multipart boundary itself.
pub async fn place_order(
    key: &str,
    draft: &DraftOrderRequest,
    photos: Option<&[ChosenPhoto; 3]>,
    bot_token: Option<&str>,
) -> Result<OrderAccepted, ClientError> {
    let id = device();
    let mut headers = vec![(IDEMPOTENCY_HEADER, key)];
    headers.extend(id.iter().map(|d| (DEVICE_HEADER, d.as_str())));
    headers.extend(bot_token.map(|t| (TURNSTILE_HEADER, t)));
    let reply = match photos {
        None => call("POST", ORDERS_PATH, &headers, Body::json(draft)?).await?,
        Some(photos) => {
            let json =
                serde_json::to_string(draft).map_err(|_| ClientError::Network("encode".into()))?;
            let form = photo_form(Some(&json), photos)?;
            call("POST", ORDERS_PATH, &headers, Body::Form(&form)).await?
        }
    };
    decode(reply)
}

/// `POST /api/orders/lookup`: order number + the ID number's last 6 → the status-page link.
pub async fn lookup(req: &OrderLookupRequest) -> Result<OrderLink, ClientError> {
    let id = device();
    let headers: Vec<(&str, &str)> = id.iter().map(|d| (DEVICE_HEADER, d.as_str())).collect();
    decode(call("POST", ORDER_LOOKUP_PATH, &headers, Body::json(req)?).await?)
}

/// `GET /api/orders/{id}?token=…`.
pub async fn order(order_id: &str, token: &str) -> Result<OrderView, ClientError> {
    decode(
        call(
            "GET",
            &with_token(&order_path(order_id), token),
            &[],
            Body::Empty,
        )
        .await?,
    )
}

/// `POST /api/orders/{id}/photos?token=…` with the three photos.
pub async fn send_photos(
    order_id: &str,
    token: &str,
    photos: &[ChosenPhoto; 3],
) -> Result<OrderView, ClientError> {
    let form = photo_form(None, photos)?;
    let url = with_token(&order_photos_path(order_id), token);
    decode(call("POST", &url, &[], Body::Form(&form)).await?)
}

/// `Authorization: Bearer …`.
fn bearer(token: &str) -> String {
    format!("Bearer {token}")
}

/// `POST /api/handoff`: open a desktop → phone handoff for these photos.
pub async fn handoff_open(photos: &[&str]) -> Result<HandoffCreated, ClientError> {
    let body = Body::json(&HandoffRequest {
        photos: photos.iter().map(|p| (*p).to_owned()).collect(),
    })?;
    decode(call("POST", HANDOFF_PATH, &[], body).await?)
}

/// `GET /api/handoff`: what the phone has sent so far.
pub async fn handoff_status(token: &str) -> Result<HandoffStatus, ClientError> {
    let auth = bearer(token);
    decode(
        call(
            "GET",
            HANDOFF_PATH,
            &[("Authorization", &auth)],
            Body::Empty,
        )
        .await?,
    )
}

/// `GET /api/handoff/photos/{part}`: one photo the phone sent.
pub async fn handoff_photo(token: &str, part: &str) -> Result<web_sys::Blob, ClientError> {
    let auth = bearer(token);
    let url = format!("{HANDOFF_PHOTOS_PATH}{part}");
    let resp = send("GET", &url, &[("Authorization", &auth)], Body::Empty).await?;
    if !resp.ok() {
        return Err(ClientError::Unavailable(resp.status()));
    }
    let blob = JsFuture::from(
        resp.blob()
            .map_err(|_| ClientError::Network("body".into()))?,
    )
    .await
    .map_err(|_| ClientError::Network("body".into()))?;
    Ok(blob.unchecked_into())
}

/// `DELETE /api/handoff`: the desktop has what it needs; the edge keeps nothing.
pub async fn handoff_end(token: &str) -> Result<(), ClientError> {
    let auth = bearer(token);
    let (status, body) = call(
        "DELETE",
        HANDOFF_PATH,
        &[("Authorization", &auth)],
        Body::Empty,
    )
    .await?;
    if (200..300).contains(&status) {
        Ok(())
    } else {
        decode::<()>((status, body))
    }
}

/// `POST /api/handoff/claim`: the phone opens the QR link (once).
pub async fn handoff_claim(link_token: &str) -> Result<HandoffClaimed, ClientError> {
    let body = Body::json(&HandoffClaim {
        token: link_token.to_owned(),
    })?;
    decode(call("POST", HANDOFF_CLAIM_PATH, &[], body).await?)
}

/// `PUT /api/handoff/photos/{part}`: the phone sends one photo, with its quality flag JSON
/// (empty when it passed the checks).
pub async fn handoff_upload(
    upload_token: &str,
    part: &str,
    photo: &web_sys::Blob,
    flag: &str,
) -> Result<(), ClientError> {
    let auth = bearer(upload_token);
    let url = format!("{HANDOFF_PHOTOS_PATH}{part}");
    let mut headers = vec![
        ("Authorization", auth.as_str()),
        ("Content-Type", "image/jpeg"),
    ];
    if !flag.is_empty() {
        headers.push((HANDOFF_QUALITY_HEADER, flag));
    }
    let (status, body) = call("PUT", &url, &headers, Body::Blob(photo)).await?;
    if (200..300).contains(&status) {
        Ok(())
    } else {
        decode::<()>((status, body))
    }
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
            classify(409, Some(body("order_limit_product", vec![]))),
            ClientError::OrderLimit(_)
        ));
        assert_eq!(classify(429, None), ClientError::RateLimited);
        assert_eq!(
            classify(404, Some(body("not_found", vec![]))),
            ClientError::NotFound
        );
        // The handoff's 404 carries the words the phone shows.
        assert!(matches!(
            classify(404, Some(body("handoff_not_found", vec![]))),
            ClientError::Refused { status: 404, .. }
        ));
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
    fn a_full_day_says_so_instead_of_unavailable() {
        let full = body("daily_capacity", vec![]);
        let e = classify(503, Some(full));
        assert!(
            matches!(e, ClientError::Refused { status: 503, .. }),
            "{e:?}"
        );
        assert!(!e.is_retryable());
        // Any other 503 is the edge being down.
        assert_eq!(
            classify(503, Some(body("busy", vec![]))),
            ClientError::Unavailable(503)
        );
        assert_eq!(classify(503, None), ClientError::Unavailable(503));
    }

    #[test]
    fn both_per_person_limits_the_edge_sends_are_the_limit() {
        for code in ["order_limit_product", "order_limit_total"] {
            let b = body(code, vec![]);
            assert_eq!(classify(409, Some(b.clone())), ClientError::OrderLimit(b));
        }
        // The edge sends no bare `order_limit`: a code we do not know is just a refusal.
        assert!(matches!(
            classify(409, Some(body("order_limit", vec![]))),
            ClientError::Refused { status: 409, .. }
        ));
        // Every handoff refusal keeps its words, whatever its status.
        for &r in Refusal::ALL.iter().filter(|r| r.is_handoff()) {
            assert!(
                matches!(
                    classify(r.status(), Some(body(r.code(), vec![]))),
                    ClientError::Refused { .. }
                ),
                "{r:?}"
            );
        }
    }

    #[test]
    fn only_transient_failures_offer_a_retry() {
        assert!(ClientError::Network("reset".into()).is_retryable());
        assert!(ClientError::Unavailable(502).is_retryable());
        assert!(ClientError::RateLimited.is_retryable());
        assert!(!ClientError::NotFound.is_retryable());
        assert!(!ClientError::Validation(vec![]).is_retryable());
        assert!(!ClientError::OrderLimit(body("order_limit_total", vec![])).is_retryable());
    }

    #[test]
    fn messages_never_show_internal_text() {
        let e = ClientError::Network("TypeError: Failed to fetch".into());
        assert!(!e.message(Lang::En).contains("TypeError"));
        assert!(e.message(Lang::Zh).contains("网络"));
        let limit = ClientError::OrderLimit(body("order_limit_product", vec![]));
        assert_eq!(limit.message(Lang::Zh), "中文");
        assert_eq!(limit.message(Lang::En), "English");
    }
}
