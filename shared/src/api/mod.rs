//! Wire types of the edge's own HTTP API (`/api/*`), shared with the browser app.

pub mod console;

use serde::{Deserialize, Serialize};

use crate::FieldIssue;

/// Header in which the browser sends its device id (random, kept in `localStorage`): the
/// edge budgets orders, pre-checks and lookups per device as well as per address.
pub const DEVICE_HEADER: &str = "x-haoka-device";

/// Path of the health check.
pub const HEALTH_PATH: &str = "/api/health";

/// Every non-2xx JSON body the edge sends.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiError {
    /// Stable machine code: `validation`, `not_found`, `bad_request`, `internal`, …
    pub error: String,
    /// Chinese message.
    pub message_zh: String,
    /// English message.
    pub message_en: String,
    /// Field issues (for `validation`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<FieldIssue>,
}

/// `GET /api/health` reply.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Health {
    /// `ok` when the worker and D1 answer.
    pub status: String,
    /// Whether D1 answered a query.
    pub d1: bool,
    /// Crate version of the worker.
    pub version: String,
}

/// `GET` what the browser app needs to know about this deployment ([`ClientConfig`]).
pub const CLIENT_CONFIG_PATH: &str = "/api/client-config";

/// Header in which the browser sends a solved Turnstile token with an order or a pre-check.
pub const TURNSTILE_HEADER: &str = "x-haoka-turnstile";

/// `GET /api/client-config` reply: public settings the order form follows.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClientConfig {
    /// The bot check to solve before a pre-check and before the submit, when the edge has
    /// Turnstile on (`TURNSTILE_SECRET` set). `None`: no widget, nothing to send.
    #[serde(default)]
    pub turnstile: Option<TurnstileWidget>,
}

/// How to show Cloudflare Turnstile: the public site key and the script to load (Cloudflare's
/// `api.js`; the sandbox's fake one in the tests).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TurnstileWidget {
    /// Public site key (`data-sitekey`).
    pub sitekey: String,
    /// URL of the widget script, loaded with `?render=explicit`.
    pub script_url: String,
}

/// `GET` the product catalogue.
pub const PRODUCTS_PATH: &str = "/api/products";
/// `POST` an order (JSON [`crate::order::DraftOrderRequest`], or multipart with a JSON part
/// `order` and file parts `face`, `back`, `hand`).
pub const ORDERS_PATH: &str = "/api/orders";
/// Header carrying the browser's once-per-order-attempt key.
pub const IDEMPOTENCY_HEADER: &str = "Idempotency-Key";
/// Longest idempotency key accepted (a UUID is 36).
pub const IDEMPOTENCY_KEY_MAX: usize = 64;
/// Multipart part names of the three photos, in the vendor's order.
pub const PHOTO_PARTS: [&str; 3] = ["face", "back", "hand"];

/// The optional multipart part beside the photos: the quality problems the customer chose to
/// keep (capture-core's `QualityFlags` JSON), for an agent to look at.
pub const QUALITY_PART: &str = "quality";

/// `GET /api/orders/{id}?token=…`: the status of one order.
pub fn order_path(order_id: &str) -> String {
    format!("{ORDERS_PATH}/{order_id}")
}

/// `POST /api/orders/{id}/photos?token=…`: the three photos, later (multipart).
pub fn order_photos_path(order_id: &str) -> String {
    format!("{ORDERS_PATH}/{order_id}/photos")
}

/// The SPA's status page of an order (the confirmation link).
pub fn status_page_path(order_id: &str, token: &str) -> String {
    format!("/orders/{order_id}?t={token}")
}

/// Reply to an accepted order (201 the first time, 200 for a repeat with the same key).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderAccepted {
    /// Our order number (`HK…`).
    pub order_id: String,
    /// The unguessable per-order token that opens its status page.
    pub token: String,
    /// Where the order is now.
    pub state: crate::lifecycle::OrderState,
    /// Soft warnings (as for drafts).
    #[serde(default)]
    pub warnings: Vec<FieldIssue>,
}

/// One step of an order's timeline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimelineEntry {
    /// When, Unix milliseconds.
    pub at_ms: i64,
    /// The state entered.
    pub state: crate::lifecycle::OrderState,
}

/// A refusal in words a customer understands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReasonView {
    /// Stable code ([`crate::lifecycle::RejectReason::as_str`] or a pre-check code).
    pub code: String,
    /// Chinese words.
    pub message_zh: String,
    /// English words.
    pub message_en: String,
}

/// `GET /api/orders/{id}` reply: what the status page shows. PII is masked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderView {
    /// Our order number.
    pub order_id: String,
    /// Vendor product id.
    pub product_id: String,
    /// Product name, Chinese.
    pub product_name_zh: String,
    /// Product name, English.
    pub product_name_en: String,
    /// Current state.
    pub state: crate::lifecycle::OrderState,
    /// Masked name (`张*`).
    pub name: String,
    /// Masked mobile (`188****8336`).
    pub mobile: String,
    /// Masked ID number.
    pub id_number: String,
    /// `省 市 区`.
    pub region: String,
    /// When the order was received, Unix milliseconds.
    pub created_at_ms: i64,
    /// Every state entered, oldest first.
    pub timeline: Vec<TimelineEntry>,
    /// Carrier (express company) once shipped.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub express: Option<String>,
    /// Tracking number once shipped.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub express_no: Option<String>,
    /// Why it failed, for `rejected` and `check_failed`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<ReasonView>,
    /// The customer can (re)send the three photos now.
    #[serde(default)]
    pub photos_wanted: bool,
}

/// `POST` the identity pre-check ([`PrecheckRequest`] → [`PrecheckReply`]).
pub const PRECHECK_PATH: &str = "/api/precheck";

/// What the browser asks the edge to check before an order is placed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PrecheckRequest {
    /// Vendor product id (decides whether phone three-factor runs too).
    pub product_id: String,
    /// Legal name.
    pub name: String,
    /// Resident ID number.
    pub id_number: String,
    /// Contact mobile.
    pub mobile: String,
}

/// The pre-check's verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PrecheckResult {
    /// Name, ID (and mobile, when the product asks) belong together.
    Pass,
    /// Something does not match: `fields` says what to check.
    Mismatch,
    /// The check could not answer now; the order may still be placed and is checked in the
    /// background (状态：身份核验中).
    Pending,
}

/// `POST /api/precheck` reply (HTTP 200 for every verdict).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PrecheckReply {
    /// The verdict.
    pub result: PrecheckResult,
    /// For a mismatch: the fields to check, each with plain words.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<FieldIssue>,
    /// A sentence for the customer (Chinese).
    pub message_zh: String,
    /// A sentence for the customer (English).
    pub message_en: String,
}

/// `POST` a lookup by order number and the ID number's last 6 characters.
pub const ORDER_LOOKUP_PATH: &str = "/api/orders/lookup";

/// `GET ?product=&ending=&no4=1&birthday=1&after=`: a page of a product's free numbers (选号).
pub const NUMBERS_PATH: &str = "/api/numbers";

/// `POST`: hold a chosen number for this order attempt for 15 minutes.
pub const NUMBER_HOLD_PATH: &str = "/api/numbers/hold";

/// A page of numbers to choose from (empty for a product without a pool).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NumberChoices {
    /// Up to 12 numbers, in order.
    pub numbers: Vec<String>,
    /// The `after` of the next page, when there may be one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next: Option<String>,
}

/// `POST /api/numbers/hold` body. `hold_token` is the order attempt's own random token (the
/// browser makes it, like the idempotency key); only its keyed hash is stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NumberHold {
    /// Vendor product id.
    pub product: String,
    /// The chosen number.
    pub number: String,
    /// The attempt's token (16–64 of `A-Za-z0-9-_`).
    pub hold_token: String,
}

/// A number held for this attempt until `held_until_ms`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NumberHeld {
    /// The number.
    pub number: String,
    /// When the hold ends, Unix ms.
    pub held_until_ms: i64,
}

/// What a customer who lost the link types to find an order.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderLookupRequest {
    /// Our order number (`HK…`).
    pub order_id: String,
    /// The last 6 characters of the ID number on the order.
    pub id_last6: String,
}

/// The way back to an order's status page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderLink {
    /// Our order number.
    pub order_id: String,
    /// Its status-page token.
    pub token: String,
}

/// The desktop → phone photo handoff: `POST` [`HandoffRequest`] opens one (201
/// [`HandoffCreated`]); `GET` with the desktop's token as `Authorization: Bearer …` answers
/// [`HandoffStatus`]; `DELETE` the same way ends it and deletes its photos.
pub const HANDOFF_PATH: &str = "/api/handoff";
/// `POST` [`HandoffClaim`] from the phone: the QR link's single use (200 [`HandoffClaimed`]).
pub const HANDOFF_CLAIM_PATH: &str = "/api/handoff/claim";
/// `PUT {HANDOFF_PHOTOS_PATH}{part}`: the phone's upload (the JPEG/PNG as the body, the
/// upload token as bearer, an optional [`HANDOFF_QUALITY_HEADER`]); `GET` the same with the
/// desktop's token: the photo's bytes.
pub const HANDOFF_PHOTOS_PATH: &str = "/api/handoff/photos/";
/// The header carrying a photo's `QualityFlag` JSON when the person kept its problems.
pub const HANDOFF_QUALITY_HEADER: &str = "x-haoka-quality";

/// Which photos the desktop wants from the phone (`face`, `back`, `hand`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct HandoffRequest {
    /// Part names; at least one.
    pub photos: Vec<String>,
}

/// A new handoff, for the desktop.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HandoffCreated {
    /// The desktop's token (bearer of the status, the photos and the end).
    pub token: String,
    /// The link the phone opens (also shown as text beside the QR code).
    pub phone_url: String,
    /// The link as a QR code, a standalone SVG document.
    pub qr_svg: String,
    /// The parts asked for, in `face, back, hand` order.
    pub photos: Vec<String>,
    /// When the link and everything sent with it stop working, Unix ms.
    pub expires_at_ms: i64,
}

/// The phone's claim of the QR link.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct HandoffClaim {
    /// The `h` of the link.
    pub token: String,
}

/// The claim's answer: what to shoot and the token to send it with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HandoffClaimed {
    /// Bearer of the uploads.
    pub upload_token: String,
    /// The parts asked for.
    pub photos: Vec<String>,
    /// When uploads stop being accepted, Unix ms.
    pub expires_at_ms: i64,
}

/// One photo the phone sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HandoffPhoto {
    /// `face`, `back` or `hand`.
    pub part: String,
    /// Its byte count.
    pub bytes: u64,
    /// Its pixel size, from its header.
    pub width: u32,
    /// Its pixel height.
    pub height: u32,
    /// The `QualityFlag` JSON the phone sent with it (empty when it passed the checks).
    pub flag: String,
    /// Sent at, Unix ms (a retake changes it).
    pub at_ms: i64,
}

/// What the desktop sees while it waits.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HandoffStatus {
    /// The parts asked for.
    pub photos: Vec<String>,
    /// Whether the phone opened the link.
    pub claimed: bool,
    /// The photos in so far.
    pub received: Vec<HandoffPhoto>,
    /// Every photo asked for is in.
    pub complete: bool,
    /// When it stops working, Unix ms.
    pub expires_at_ms: i64,
}
