//! Hostile input: hundreds of malformed requests against every endpoint the edge serves — bad
//! JSON, wrong types, missing fields, unknown products, huge bodies, broken multipart, photos
//! that are not images or are 2 MiB + 1, path tricks in ids, SQL metacharacters and odd Unicode
//! in every text field, bad idempotency keys, tokens and bearer tokens, wrong methods. Each
//! must get a JSON 4xx with a string `error` (never a 5xx), and nothing may be stored: no
//! order, event, callback or identity check in D1, and no request reaches the sandbox.
//!
//! The requests go over a raw HTTP/1.1 socket, so paths, header bytes and bodies reach the
//! worker exactly as written here (no client normalises `..`, refuses invalid UTF-8 or buffers
//! a 20 MB upload). A field the edge may rightly accept (an address can hold an apostrophe) is
//! sent with one sure defect elsewhere — no consent, a bad chosen number, a bad mobile — so the
//! suite never places anything; the edge reports every field at once, so each validator still
//! reads the hostile value. Failures are collected and listed together at the end.
//!
//! Run after a build: `cargo test -p haoka-e2e --test hostile -- --nocapture`.

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)] // test helpers fail loudly

use std::{
    collections::BTreeMap,
    sync::{
        OnceLock,
        atomic::{AtomicU32, Ordering},
    },
    time::Duration,
};

use haoka_e2e::Stack;
use serde_json::{Value, json};
use tokio::net::{
    TcpStream,
    tcp::{OwnedReadHalf, OwnedWriteHalf},
};

/// One stack for the file; rate limits high enough that malformed requests meet the
/// validators rather than a 429.
fn stack() -> &'static Stack {
    static S: OnceLock<Stack> = OnceLock::new();
    S.get_or_init(|| {
        Stack::start(
            &[
                ("PRECHECKS_PER_MINUTE", "100000".into()),
                ("LOOKUPS_PER_MINUTE", "100000".into()),
                ("HANDOFFS_PER_MINUTE", "100000".into()),
                ("LOGINS_PER_MINUTE", "100000".into()),
            ],
            600,
        )
    })
}

/// Well-formed but never minted: every lookup of it misses.
const GHOST_ID: &str = "HK2026010112000000ABCDEFGH";
/// A token of the right shape that opens nothing.
const WRONG_TOKEN: &str = "0000000000000000000000000000000000000000000000000000000000000000";
const URLENCODED: &str = "application/x-www-form-urlencoded";
const BOUNDARY: &str = "hostile-boundary-7d3f";
const PHOTO_MAX: usize = 2 * 1024 * 1024;
const HUGE: usize = 20 * 1024 * 1024;
/// Placeholders replaced in the serialised JSON by bytes a `String` cannot hold.
const RAW_INVALID_UTF8: &str = "@@raw-invalid-utf8@@";
const RAW_LONE_SURROGATE: &str = "@@raw-lone-surrogate@@";

// ---------------------------------------------------------------------------------------
// Cases
// ---------------------------------------------------------------------------------------

// Endpoint labels, for names and the summary.
const HEALTH: &str = "GET /api/health";
const PRODUCTS: &str = "GET /api/products";
const ORDERS: &str = "POST /api/orders";
const ORDER: &str = "GET /api/orders/{id}";
const PHOTOS: &str = "POST /api/orders/{id}/photos";
const LOOKUP: &str = "POST /api/orders/lookup";
const PRECHECK: &str = "POST /api/precheck";
const ADMIN_LIST: &str = "GET /api/admin/orders";
const SETTLE: &str = "POST /api/admin/orders/{id}/settle";
const HANDOFF_OPEN: &str = "POST /api/handoff";
const HANDOFF_CLAIM: &str = "POST /api/handoff/claim";
const HANDOFF_STATUS: &str = "GET /api/handoff";
const HANDOFF_END: &str = "DELETE /api/handoff";
const HANDOFF_UPLOAD: &str = "PUT /api/handoff/photos/{part}";
const HANDOFF_PHOTO: &str = "GET /api/handoff/photos/{part}";
const CONSOLE_LOGIN: &str = "POST /api/console/login";
const CONSOLE_BOOTSTRAP: &str = "POST /api/console/bootstrap";
const CONSOLE_ME: &str = "GET /api/console/me";
const CONSOLE_ACCOUNTS_LIST: &str = "GET /api/console/accounts";
const CONSOLE_ACCOUNTS: &str = "POST /api/console/accounts";
const CONSOLE_ACCOUNT: &str = "POST /api/console/accounts/{username}";
const CONSOLE_AUDIT: &str = "GET /api/console/audit";
const CONSOLE_LOGOUT: &str = "POST /api/console/logout";
const CONSOLE_LOGOUT_ALL: &str = "POST /api/console/logout-all";
const CALLBACK: &str = "POST /callbacks/xingguang/{api_xid}/{token}";
const REALME_CALLBACK: &str = "POST /callbacks/realme";
const CONSOLE_CHECK_RUN: &str = "POST /api/console/checks";
const CONSOLE_CHECK_LIST: &str = "GET /api/console/checks";
const CONSOLE_CHECK: &str = "GET /api/console/checks/{id}";
const CONSOLE_REVEAL: &str = "POST /api/console/checks/{id}/reveal";
const CONSOLE_CASE_OPEN: &str = "POST /api/console/cases";
const CONSOLE_CASE_LIST: &str = "GET /api/console/cases";
const CONSOLE_CASE: &str = "GET /api/console/cases/{id}";
const CONSOLE_CASE_CLOSE: &str = "POST /api/console/cases/{id}/close";
const ELSEWHERE: &str = "other paths";

enum Body {
    Empty,
    /// Sent with `Content-Length`.
    Sized(Vec<u8>),
    /// Sent with `Transfer-Encoding: chunked` (no length declared up front).
    Chunked(Vec<u8>),
}

/// One malformed request and what must come back.
struct Case {
    /// For the summary: which endpoint, which kind of hostility.
    endpoint: &'static str,
    category: &'static str,
    name: String,
    method: &'static str,
    /// Path and query exactly as sent.
    target: String,
    headers: Vec<(&'static str, Vec<u8>)>,
    body: Body,
    /// A precise status, where the edge's answer is certain (any 4xx otherwise).
    status: Option<u16>,
    /// A field that must be named in `fields` (for 422s).
    field: Option<&'static str>,
}

impl Case {
    fn new(method: &'static str, endpoint: &'static str, target: impl Into<String>) -> Case {
        Case {
            endpoint,
            category: "",
            name: String::new(),
            method,
            target: target.into(),
            headers: vec![],
            body: Body::Empty,
            status: None,
            field: None,
        }
    }

    fn get(endpoint: &'static str, target: impl Into<String>) -> Case {
        Case::new("GET", endpoint, target)
    }

    fn post(endpoint: &'static str, target: impl Into<String>) -> Case {
        Case::new("POST", endpoint, target)
    }

    /// Its kind of hostility and what exactly is wrong.
    fn named(mut self, category: &'static str, what: impl std::fmt::Display) -> Case {
        self.category = category;
        self.name = format!("{} · {category}: {what}", self.endpoint);
        self
    }

    fn header(mut self, name: &'static str, value: impl Into<Vec<u8>>) -> Case {
        self.headers.push((name, value.into()));
        self
    }

    fn bearer(self, token: &str) -> Case {
        self.header("Authorization", format!("Bearer {token}"))
    }

    fn key(self) -> Case {
        self.header("Idempotency-Key", fresh_key())
    }

    fn body(mut self, content_type: &str, bytes: Vec<u8>) -> Case {
        self.body = Body::Sized(bytes);
        self.header("Content-Type", content_type)
    }

    fn chunked(mut self, content_type: &str, bytes: Vec<u8>) -> Case {
        self.body = Body::Chunked(bytes);
        self.header("Content-Type", content_type)
    }

    fn json(self, bytes: Vec<u8>) -> Case {
        self.body("application/json", bytes)
    }

    fn status(mut self, status: u16) -> Case {
        self.status = Some(status);
        self
    }

    fn field(mut self, field: &'static str) -> Case {
        self.field = Some(field);
        self.status(422)
    }

    /// The request as bytes on the wire.
    fn wire(&self, port: u16) -> Vec<u8> {
        let mut out = format!(
            "{} {} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n",
            self.method, self.target
        )
        .into_bytes();
        for (name, value) in &self.headers {
            out.extend_from_slice(name.as_bytes());
            out.extend_from_slice(b": ");
            out.extend_from_slice(value);
            out.extend_from_slice(b"\r\n");
        }
        match &self.body {
            Body::Empty if self.method == "GET" => out.extend_from_slice(b"\r\n"),
            Body::Empty => out.extend_from_slice(b"Content-Length: 0\r\n\r\n"),
            Body::Sized(bytes) => {
                out.extend_from_slice(
                    format!("Content-Length: {}\r\n\r\n", bytes.len()).as_bytes(),
                );
                out.extend_from_slice(bytes);
            }
            Body::Chunked(bytes) => {
                out.extend_from_slice(b"Transfer-Encoding: chunked\r\n\r\n");
                for chunk in bytes.chunks(64 * 1024) {
                    out.extend_from_slice(format!("{:x}\r\n", chunk.len()).as_bytes());
                    out.extend_from_slice(chunk);
                    out.extend_from_slice(b"\r\n");
                }
                out.extend_from_slice(b"0\r\n\r\n");
            }
        }
        out
    }
}

/// A distinct valid idempotency key per request.
fn fresh_key() -> String {
    static N: AtomicU32 = AtomicU32::new(0);
    format!("hostile-{:06}", N.fetch_add(1, Ordering::Relaxed))
}

/// Percent-encode everything but unreserved characters (one path segment or query value).
fn pct(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                char::from(b).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// Serialise, then swap the placeholders for invalid UTF-8 and a lone surrogate escape.
fn raw_json(v: &Value) -> Vec<u8> {
    let text = v.to_string();
    let mut out = Vec::with_capacity(text.len());
    let mut rest = text.as_str();
    loop {
        let next = [
            (RAW_INVALID_UTF8, &[0xC3, 0x28, 0xFF, 0xFE][..]),
            (RAW_LONE_SURROGATE, b"\\ud800"),
        ]
        .into_iter()
        .filter_map(|(mark, bytes)| rest.find(mark).map(|at| (at, mark, bytes)))
        .min_by_key(|(at, ..)| *at);
        let Some((at, mark, bytes)) = next else {
            out.extend_from_slice(rest.as_bytes());
            return out;
        };
        out.extend_from_slice(&rest.as_bytes()[..at]);
        out.extend_from_slice(bytes);
        rest = &rest[at + mark.len()..];
    }
}

// ---------------------------------------------------------------------------------------
// The JSON endpoints
// ---------------------------------------------------------------------------------------

/// The endpoints that take a JSON document.
#[derive(Clone, Copy)]
enum Form {
    Order,
    Precheck,
    Lookup,
    Settle,
}

impl Form {
    const ALL: [Form; 4] = [Form::Order, Form::Precheck, Form::Lookup, Form::Settle];

    fn endpoint(self) -> &'static str {
        match self {
            Form::Order => ORDERS,
            Form::Precheck => PRECHECK,
            Form::Lookup => LOOKUP,
            Form::Settle => SETTLE,
        }
    }

    /// A body every check accepts (never sent as is, except behind a bad idempotency key).
    fn valid(self) -> Value {
        let order = json!({
            "product_id": "2188",
            "name": "张三",
            "mobile": "18888888336",
            "id_number": "110101200007282906",
            "province": "天津市",
            "city": "天津市",
            "district": "和平区",
            "address": "先锋大楼 3单元 201",
            "number": "",
            "consent": true,
            "consent_version": haoka_shared::consent::NOTICE_VERSION,
        });
        match self {
            Form::Order => order,
            Form::Precheck => json!({
                "product_id": "2188",
                "name": "张三",
                "id_number": "110101200007282906",
                "mobile": "18888888336",
            }),
            Form::Lookup => json!({ "order_id": GHOST_ID, "id_last6": "282906" }),
            Form::Settle => json!({ "action": "confirm", "apiorder": "XG2026010112000000ABCD" }),
        }
    }

    /// Fields that may be absent (serde defaults).
    fn optional(self) -> &'static [&'static str] {
        match self {
            Form::Order => &["number", "consent", "consent_version"],
            Form::Settle => &["apiorder"],
            Form::Precheck | Form::Lookup => &[],
        }
    }

    /// The sure defect that keeps a body from being stored while `field` is under test.
    /// Lookups and settlements need none: the order they name does not exist.
    fn poison(self, field: &str) -> Option<(&'static str, Value)> {
        match (self, field) {
            (Form::Order, "consent" | "consent_version") => Some(("number", json!("123"))),
            (Form::Order, _) => Some(("consent", json!(false))),
            (Form::Precheck, "mobile") => Some(("name", json!("张3"))),
            (Form::Precheck, _) => Some(("mobile", json!("15412345678"))),
            (Form::Lookup | Form::Settle, _) => None,
        }
    }

    /// The valid body, poisoned, with `field` set to `value` (or removed for `None`).
    fn with(self, field: &str, value: Option<Value>) -> Value {
        let mut body = self.valid();
        if let Some((p, v)) = self.poison(field) {
            body[p] = v;
        }
        let map = body.as_object_mut().expect("an object");
        match value {
            Some(v) => {
                map.insert(field.to_owned(), v);
            }
            None => {
                map.remove(field);
            }
        }
        body
    }

    fn fields(self) -> Vec<String> {
        self.valid()
            .as_object()
            .expect("an object")
            .keys()
            .cloned()
            .collect()
    }

    fn text_fields(self) -> Vec<String> {
        let valid = self.valid();
        self.fields()
            .into_iter()
            .filter(|f| valid[f.as_str()].is_string())
            .collect()
    }

    /// A realistic value of `field` to disguise hostile text as.
    fn seed(self, field: &str) -> String {
        match self.valid()[field].as_str() {
            Some("") | None => "18888888336".into(),
            Some(s) => s.to_owned(),
        }
    }

    /// A request to this endpoint (method, path, key or bearer) without a body.
    fn case(self, admin: &str, category: &'static str, what: impl std::fmt::Display) -> Case {
        let case = Case::post(self.endpoint(), self.path()).named(category, what);
        match self {
            Form::Order => case.key(),
            Form::Settle => case.bearer(admin),
            _ => case,
        }
    }

    fn path(self) -> String {
        match self {
            Form::Order => "/api/orders".into(),
            Form::Precheck => "/api/precheck".into(),
            Form::Lookup => "/api/orders/lookup".into(),
            Form::Settle => format!("/api/admin/orders/{GHOST_ID}/settle"),
        }
    }
}

/// Documents that are not the expected JSON; `valid` is the endpoint's own body.
fn bad_json(valid: &Value) -> Vec<(&'static str, Vec<u8>)> {
    let text = valid.to_string();
    vec![
        ("empty body", vec![]),
        ("whitespace only", b" \r\n\t ".to_vec()),
        ("lone brace", b"{".to_vec()),
        ("truncated", text.as_bytes()[..text.len() / 2].to_vec()),
        ("trailing garbage", format!("{text} trailing").into_bytes()),
        ("two documents", format!("{text}{text}").into_bytes()),
        ("an array of the body", format!("[{text}]").into_bytes()),
        ("empty array", b"[]".to_vec()),
        ("a number", b"42".to_vec()),
        ("a string", b"\"order\"".to_vec()),
        ("null", b"null".to_vec()),
        ("true", b"true".to_vec()),
        ("single quotes", text.replace('"', "'").into_bytes()),
        (
            "trailing comma",
            format!("{},}}", &text[..text.len() - 1]).into_bytes(),
        ),
        ("a comment", format!("/* hi */ {text}").into_bytes()),
        ("NaN", br#"{"product_id": NaN, "action": NaN}"#.to_vec()),
        (
            "byte-order mark",
            [b"\xEF\xBB\xBF".as_slice(), text.as_bytes()].concat(),
        ),
        (
            "UTF-16",
            text.encode_utf16().flat_map(u16::to_le_bytes).collect(),
        ),
        ("invalid UTF-8", vec![0xFF, 0xFE, 0xC3, 0x28]),
        (
            "form-encoded",
            b"product_id=2188&name=x&action=close".to_vec(),
        ),
        ("200 nested arrays", "[".repeat(200).into_bytes()),
        ("200 nested objects", "{\"a\":".repeat(200).into_bytes()),
    ]
}

/// Nesting far past the parser's depth limit; larger than the small endpoints' caps, so 400
/// or 413.
fn deep_json() -> [(&'static str, Vec<u8>); 2] {
    [
        ("10k nested arrays", "[".repeat(10_000).into_bytes()),
        ("10k nested objects", "{\"a\":".repeat(10_000).into_bytes()),
    ]
}

/// Values of the wrong JSON type for a string field.
fn wrong_types() -> Vec<(&'static str, Value)> {
    vec![
        ("a number", json!(42)),
        ("null", Value::Null),
        ("an array", json!(["2188"])),
        ("an object", json!({ "value": "x" })),
    ]
}

/// Hostile text, as a transformation of the field's realistic value.
type Disguise = fn(&str) -> String;

fn hostile_text() -> Vec<(&'static str, Disguise)> {
    fn insert_mid(v: &str, c: char) -> String {
        let mid = v.chars().count() / 2;
        v.chars()
            .take(mid)
            .chain(std::iter::once(c))
            .chain(v.chars().skip(mid))
            .collect()
    }
    fn shift(v: &str, zero: u32) -> String {
        v.chars()
            .map(|c| match c.to_digit(10) {
                Some(d) => char::from_u32(zero + d).unwrap_or(c),
                None => c,
            })
            .collect()
    }
    vec![
        ("SQL ' OR 1=1 --", |v| format!("{v}' OR 1=1 --")),
        ("SQL \"; DELETE FROM orders;", |_| {
            "\"; DELETE FROM orders; --".into()
        }),
        ("SQL '); DROP TABLE orders; --", |v| {
            format!("{v}'); DROP TABLE orders; --")
        }),
        ("SQL UNION SELECT", |v| {
            format!("{v}' UNION SELECT id, name_enc FROM orders --")
        }),
        ("RTL override U+202E", |v| insert_mid(v, '\u{202E}')),
        ("zero-width joiners", |v| {
            v.chars().flat_map(|c| [c, '\u{200D}']).collect()
        }),
        ("combining marks", |v| {
            v.chars()
                .flat_map(|c| [c, '\u{0301}', '\u{0338}'])
                .collect()
        }),
        ("full-width digits", |v| shift(v, 0xFF10)),
        ("Arabic-Indic digits", |v| shift(v, 0x0660)),
        ("NUL inside", |v| insert_mid(v, '\0')),
        ("byte-order mark first", |v| format!("\u{FEFF}{v}")),
        ("emoji", |v| format!("{v}📱👨‍👩‍👧")),
        ("5000 characters", |v| {
            v.chars().cycle().take(5000).collect()
        }),
        ("a lone surrogate escape", |v| {
            format!("{v}{RAW_LONE_SURROGATE}")
        }),
        ("raw invalid UTF-8", |v| format!("{v}{RAW_INVALID_UTF8}")),
    ]
}

fn json_cases(admin: &str) -> Vec<Case> {
    let mut cases = Vec::new();
    for form in Form::ALL {
        for (what, bytes) in bad_json(&form.valid()) {
            cases.push(form.case(admin, "bad JSON", what).json(bytes).status(400));
        }
        for (what, bytes) in deep_json() {
            cases.push(form.case(admin, "bad JSON", what).json(bytes));
        }
        for field in form.fields() {
            let missing = form.with(&field, None);
            let case = form
                .case(admin, "missing field", format!("no {field}"))
                .json(raw_json(&missing));
            cases.push(if form.optional().contains(&field.as_str()) {
                case
            } else {
                case.status(400)
            });
        }
        for field in form.text_fields() {
            for (what, value) in wrong_types() {
                // `null` is how JSON says "absent" for an optional field.
                let absent = value.is_null() && form.optional().contains(&field.as_str());
                let body = form.with(&field, Some(value));
                let case = form
                    .case(admin, "wrong type", format!("{field} is {what}"))
                    .json(raw_json(&body));
                cases.push(if absent { case } else { case.status(400) });
            }
            let seed = form.seed(&field);
            for (what, disguise) in hostile_text() {
                let category = if what.starts_with("SQL") {
                    "SQL metacharacters"
                } else {
                    "odd Unicode"
                };
                let body = form.with(&field, Some(json!(disguise(&seed))));
                cases.push(
                    form.case(admin, category, format!("{what} in {field}"))
                        .json(raw_json(&body)),
                );
            }
        }
    }
    for form in [Form::Order] {
        for (what, value) in [
            ("consent is \"true\"", json!("true")),
            ("consent is 1", json!(1)),
            ("consent is null", Value::Null),
            ("consent is [true]", json!([true])),
        ] {
            let body = form.with("consent", Some(value));
            cases.push(
                form.case(admin, "wrong type", what)
                    .json(raw_json(&body))
                    .status(400),
            );
        }
    }
    for form in [Form::Order, Form::Precheck] {
        for pid in ["9999", "0", "-2188", "02188", "2188.0", "2188 2201", "%"] {
            let body = form.with("product_id", Some(json!(pid)));
            cases.push(
                form.case(admin, "unknown product", format!("product {pid:?}"))
                    .json(raw_json(&body))
                    .field("product_id"),
            );
        }
    }
    for action in ["explode", "CONFIRM", "", "confirm ", "delete", "settle"] {
        cases.push(
            Form::Settle
                .case(admin, "unknown action", format!("action {action:?}"))
                .json(json!({ "action": action }).to_string().into_bytes())
                .status(400),
        );
    }
    cases
}

// ---------------------------------------------------------------------------------------
// Multipart and photos
// ---------------------------------------------------------------------------------------

/// One multipart part: a text field when `filename` is `None`.
struct Part {
    name: &'static str,
    filename: Option<&'static str>,
    bytes: Vec<u8>,
}

fn text(name: &'static str, value: impl Into<Vec<u8>>) -> Part {
    Part {
        name,
        filename: None,
        bytes: value.into(),
    }
}

fn file(name: &'static str, filename: &'static str, bytes: Vec<u8>) -> Part {
    Part {
        name,
        filename: Some(filename),
        bytes,
    }
}

fn multipart(parts: &[Part]) -> Vec<u8> {
    let mut out = Vec::new();
    for p in parts {
        out.extend_from_slice(format!("--{BOUNDARY}\r\n").as_bytes());
        let disposition = match p.filename {
            Some(f) => format!("form-data; name=\"{}\"; filename=\"{f}\"", p.name),
            None => format!("form-data; name=\"{}\"", p.name),
        };
        out.extend_from_slice(format!("Content-Disposition: {disposition}\r\n").as_bytes());
        if p.filename.is_some() {
            out.extend_from_slice(b"Content-Type: image/jpeg\r\n");
        }
        out.extend_from_slice(b"\r\n");
        out.extend_from_slice(&p.bytes);
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
    out
}

fn form_type() -> String {
    format!("multipart/form-data; boundary={BOUNDARY}")
}

/// A small JPEG by its magic bytes.
fn jpeg() -> Vec<u8> {
    let mut b = vec![0xFF, 0xD8, 0xFF, 0xFE, 0x00, 0x10];
    b.extend_from_slice(b"haoka hostile  ");
    b.extend_from_slice(&[0xFF, 0xD9]);
    b
}

/// JPEG magic bytes padded with zeros to `len` bytes.
fn jpeg_of(len: usize) -> Vec<u8> {
    let mut b = vec![0u8; len];
    b[..3].copy_from_slice(&[0xFF, 0xD8, 0xFF]);
    b
}

/// The `order` part: an order the edge refuses (no consent) whatever else is hostile.
fn order_part() -> Part {
    text("order", Form::Order.with("", None).to_string())
}

/// What one photo part holds.
#[derive(Clone, Copy)]
enum Photo {
    Jpeg,
    Gif,
    /// Text in a file named `.jpg`.
    Text,
    /// The first six of PNG's eight magic bytes.
    ShortPng,
    Empty,
    /// 2 MiB + 1 byte.
    Over,
    /// Exactly 2 MiB: accepted.
    Max,
    /// A text field instead of a file.
    Field,
    Absent,
}

fn photo_part(name: &'static str, photo: Photo) -> Option<Part> {
    let bytes = match photo {
        Photo::Jpeg | Photo::Field => jpeg(),
        Photo::Gif => b"GIF89a\x01\x00\x01\x00".to_vec(),
        Photo::Text => b"just some text, honest".to_vec(),
        Photo::ShortPng => b"\x89PNG\r\n".to_vec(),
        Photo::Empty => vec![],
        Photo::Over => jpeg_of(PHOTO_MAX + 1),
        Photo::Max => jpeg_of(PHOTO_MAX),
        Photo::Absent => return None,
    };
    Some(match photo {
        Photo::Field => text(name, bytes),
        _ => file(name, "photo.jpg", bytes),
    })
}

/// The order part and three photo parts.
fn with_photos(photos: [Photo; 3]) -> Vec<u8> {
    let named = ["face", "back", "hand"].into_iter().zip(photos);
    let parts: Vec<Part> = std::iter::once(order_part())
        .chain(named.filter_map(|(name, p)| photo_part(name, p)))
        .collect();
    multipart(&parts)
}

/// Content types that misdescribe a well-formed multipart body.
fn wrong_form_types() -> Vec<(&'static str, String)> {
    vec![
        ("no boundary parameter", "multipart/form-data".into()),
        (
            "another boundary",
            "multipart/form-data; boundary=other".into(),
        ),
        ("empty boundary", "multipart/form-data; boundary=".into()),
        (
            "non-ASCII boundary",
            "multipart/form-data; boundary=边界".into(),
        ),
        (
            "200-character boundary",
            format!("multipart/form-data; boundary={}", "b".repeat(200)),
        ),
        (
            "multipart/mixed",
            format!("multipart/mixed; boundary={BOUNDARY}"),
        ),
        ("form-urlencoded", URLENCODED.into()),
        ("empty content type", String::new()),
    ]
}

/// Multipart bodies, under the right content type, that the edge cannot read.
fn broken_forms() -> Vec<(&'static str, Vec<u8>)> {
    let good = with_photos([Photo::Jpeg; 3]);
    let closing = format!("--{BOUNDARY}--\r\n");
    let unnamed = format!("--{BOUNDARY}\r\nContent-Disposition: form-data\r\n\r\n{{}}\r\n");
    let order_file = file(
        "order",
        "order.json",
        Form::Order.with("", None).to_string().into(),
    );
    let order_of = |v: &[u8]| multipart(&[text("order", v)]);
    vec![
        ("empty body", vec![]),
        ("only the closing boundary", closing.clone().into_bytes()),
        (
            "no closing boundary",
            good[..good.len() - closing.len()].to_vec(),
        ),
        ("cut in half", good[..good.len() / 2].to_vec()),
        ("cut inside the first part's headers", good[..40].to_vec()),
        (
            "LF line endings",
            String::from_utf8_lossy(&good).replace("\r\n", "\n").into(),
        ),
        (
            "a part without a name",
            format!("{unnamed}{closing}").into_bytes(),
        ),
        ("no order part", multipart(&[file("face", "f.jpg", jpeg())])),
        ("order is not JSON", order_of(b"hello")),
        ("order is a JSON array", order_of(b"[]")),
        ("order has a number for a name", order_of(br#"{"name":42}"#)),
        ("order is invalid UTF-8", order_of(b"{\xFF\xFE}")),
        ("order is a file part", multipart(&[order_file])),
    ]
}

/// Photo parts the edge refuses (with an order it refuses too): what, photos, field named.
fn refused_photos() -> Vec<(&'static str, [Photo; 3], &'static str)> {
    use Photo::*;
    vec![
        ("only one photo", [Jpeg, Absent, Absent], "photo_back"),
        ("only two photos", [Jpeg, Jpeg, Absent], "photo_hand"),
        ("a GIF face", [Gif, Jpeg, Jpeg], "photo_face"),
        ("a text file renamed .jpg", [Jpeg, Text, Jpeg], "photo_back"),
        ("PNG magic cut short", [Jpeg, Jpeg, ShortPng], "photo_hand"),
        ("an empty face", [Empty, Jpeg, Jpeg], "photo_face"),
        ("face 2 MiB + 1", [Over, Jpeg, Jpeg], "photo_face"),
        ("back 2 MiB + 1", [Jpeg, Over, Jpeg], "photo_back"),
        ("hand 2 MiB + 1", [Jpeg, Jpeg, Over], "photo_hand"),
        ("all three 2 MiB + 1", [Over, Over, Over], "photo_hand"),
        ("photos as text fields", [Field, Field, Field], "photo_face"),
        // The photos pass; the order without consent is what is refused.
        ("exactly 2 MiB each", [Max, Max, Max], "consent"),
        ("three good photos", [Jpeg, Jpeg, Jpeg], "consent"),
    ]
}

fn multipart_cases() -> Vec<Case> {
    let good = with_photos([Photo::Jpeg; 3]);
    let mut bodies: Vec<(String, String, Vec<u8>, Option<&'static str>)> = Vec::new();
    for (what, content_type) in wrong_form_types() {
        bodies.push((what.into(), content_type, good.clone(), None));
    }
    for (what, body) in broken_forms() {
        bodies.push((what.into(), form_type(), body, None));
    }
    for (what, photos, field) in refused_photos() {
        bodies.push((what.into(), form_type(), with_photos(photos), Some(field)));
    }
    let tricky_names = multipart(&[
        order_part(),
        file("face", "../../../etc/passwd", jpeg()),
        file("back", "..\\..\\boot.ini", jpeg()),
        file("hand", "h\u{202E}gpj.exe", jpeg()),
    ]);
    let what = "path tricks in file names".to_owned();
    bodies.push((what, form_type(), tricky_names, Some("consent")));
    let mut cases = Vec::new();
    for (what, content_type, body, field) in bodies {
        let order = Case::post(ORDERS, "/api/orders")
            .named("broken multipart", &what)
            .key();
        let order = order.body(&content_type, body.clone());
        cases.push(match field {
            Some(f) => order.field(f),
            None => order,
        });
        // No order opens with a wrong token: refused before the body is read.
        let photos = format!("/api/orders/{GHOST_ID}/photos?token={WRONG_TOKEN}");
        let photos = Case::post(PHOTOS, photos).named("broken multipart", what);
        cases.push(photos.body(&content_type, body).status(404));
    }
    cases
}

// ---------------------------------------------------------------------------------------
// Huge bodies
// ---------------------------------------------------------------------------------------

/// A JSON document of at least `len` bytes: the endpoint's body with a long extra field.
fn padded(form: Form, len: usize) -> Vec<u8> {
    let mut body = form.with("", None);
    body["padding"] = json!("x".repeat(len));
    body.to_string().into_bytes()
}

fn huge_cases(admin: &str) -> Vec<Case> {
    let over = 16 * 1024 + 1; // past the largest JSON cap
    let sizes = [("20 MB", HUGE), ("16 KiB + 1", over)];
    let mut cases = Vec::new();
    for form in Form::ALL {
        for (size, len) in sizes {
            let case = form.case(admin, "huge body", format!("{size} JSON, length declared"));
            cases.push(case.json(padded(form, len)).status(413));
            let case = form.case(admin, "huge body", format!("{size} JSON, chunked"));
            cases.push(
                case.chunked("application/json", padded(form, len))
                    .status(413),
            );
        }
    }
    let form = multipart(&[order_part(), file("face", "f.jpg", jpeg_of(HUGE))]);
    let case = Form::Order.case(admin, "huge body", "20 MB multipart, length declared");
    cases.push(case.body(&form_type(), form.clone()).status(413));
    let case = Form::Order.case(admin, "huge body", "20 MB multipart, chunked");
    cases.push(case.chunked(&form_type(), form.clone()).status(413));
    // Refused on the token before the body is read.
    let photos = format!("/api/orders/{GHOST_ID}/photos?token={WRONG_TOKEN}");
    let photos = Case::post(PHOTOS, photos).named("huge body", "20 MB multipart, wrong token");
    cases.push(photos.body(&form_type(), form).status(404));
    let callback = format!("/callbacks/xingguang/{GHOST_ID}/{WRONG_TOKEN}");
    let callback = Case::post(CALLBACK, callback).named("huge body", "20 MB form, wrong token");
    let fields = format!("apistatus={}", "x".repeat(HUGE)).into_bytes();
    cases.push(callback.body(URLENCODED, fields).status(404));
    cases
}

// ---------------------------------------------------------------------------------------
// Ids, tokens, keys, bearer tokens, paths and methods
// ---------------------------------------------------------------------------------------

/// Hostile order ids, as path segments on the wire.
fn hostile_ids() -> Vec<(&'static str, String)> {
    let raw = [
        ("encoded ../ to admin", "..%2F..%2Fadmin%2Forders"),
        ("%2e%2e", "%2e%2e"),
        ("HK..%2F", "HK..%2F"),
        ("encoded backslashes", "..%5C..%5Cwindows"),
        ("percent-encoded NUL", "HK%00"),
        ("NUL in the middle", "HK2026%00ABCDEFGH"),
        ("invalid percent escape", "HK%ZZ"),
        ("encoded invalid UTF-8", "HK%FF%FE%C3%28"),
        ("overlong UTF-8 dots", "%C0%AE%C0%AE"),
        ("empty", ""),
        ("semicolon parameter", "HK2026;jsessionid=1"),
    ];
    let encoded = [
        ("lower case", GHOST_ID.to_ascii_lowercase()),
        ("33 characters", "H".repeat(33)),
        ("4000 characters", format!("HK{}", "9".repeat(3998))),
        ("SQL DROP", "'; DROP TABLE orders; --".into()),
        ("SQL OR", "' OR '1'='1".into()),
        ("Greek homoglyphs ΗΚ", "ΗΚ2026010112000000ABCDEFGH".into()),
        ("full-width ＨＫ", "ＨＫ２０２６０１０１".into()),
        ("RTL override", "HK2026\u{202E}HGFEDCBA".into()),
        (
            "zero-width joiner",
            "HK\u{200D}2026010112000000ABCDEFGH".into(),
        ),
        ("emoji", "📦📦".into()),
        ("a space", "HK 2026".into()),
        ("a query in the id", "HK?token=x".into()),
    ];
    raw.into_iter()
        .map(|(w, s)| (w, s.to_owned()))
        .chain(encoded.into_iter().map(|(w, s)| (w, pct(&s))))
        .collect()
}

fn id_cases(admin: &str) -> Vec<Case> {
    let callback_form = b"api_xid=x&apistatus=%E5%AE%A1%E6%A0%B8%E5%A4%B1%E8%B4%A5".to_vec();
    let cat = "path tricks in ids";
    let mut cases = Vec::new();
    for (what, id) in hostile_ids() {
        let what = format!("id {what}");
        cases.push(
            Case::get(ORDER, format!("/api/orders/{id}?token={WRONG_TOKEN}")).named(cat, &what),
        );
        cases.push(
            Case::post(
                PHOTOS,
                format!("/api/orders/{id}/photos?token={WRONG_TOKEN}"),
            )
            .named(cat, &what)
            .body(&form_type(), with_photos([Photo::Jpeg; 3])),
        );
        cases.push(
            Case::post(SETTLE, format!("/api/admin/orders/{id}/settle"))
                .named(cat, &what)
                .bearer(admin)
                .json(br#"{"action":"close"}"#.to_vec()),
        );
        cases.push(
            Case::post(CALLBACK, format!("/callbacks/xingguang/{id}/{WRONG_TOKEN}"))
                .named(cat, &what)
                .body(URLENCODED, callback_form.clone())
                .status(404),
        );
    }
    cases
}

/// Missing, wrong and malformed status-page and callback tokens (no order exists: all 404).
fn token_cases() -> Vec<Case> {
    let queries = [
        ("no token", String::new()),
        ("empty token", "?token=".into()),
        ("wrong token", format!("?token={WRONG_TOKEN}")),
        ("upper-case hex", format!("?token={}", "A".repeat(64))),
        ("SQL token", format!("?token={}", pct("' OR 1=1 --"))),
        (
            "5000-character token",
            format!("?token={}", "a".repeat(5000)),
        ),
        ("token twice", format!("?token={WRONG_TOKEN}&token=x")),
        ("NUL token", "?token=%00".into()),
        ("invalid UTF-8 token", "?token=%FF%FE".into()),
        ("token[] array", "?token[]=x".into()),
        ("misspelt parameter", format!("?tokn={WRONG_TOKEN}")),
    ];
    let mut cases = Vec::new();
    for (what, query) in queries {
        let order = Case::get(ORDER, format!("/api/orders/{GHOST_ID}{query}"));
        cases.push(order.named("bad token", what).status(404));
        let photos = Case::post(PHOTOS, format!("/api/orders/{GHOST_ID}/photos{query}"));
        let photos = photos.named("bad token", what).status(404);
        cases.push(photos.body(&form_type(), with_photos([Photo::Jpeg; 3])));
    }
    let segments = [
        ("empty token", String::new()),
        ("wrong token", WRONG_TOKEN.into()),
        ("short token", "x".into()),
        ("SQL token", pct("' OR 1=1 --")),
        ("5000-character token", "a".repeat(5000)),
        ("NUL token", "%00".into()),
        ("encoded slash in token", format!("{WRONG_TOKEN}%2Fx")),
    ];
    for (what, token) in segments {
        let callback = Case::post(CALLBACK, format!("/callbacks/xingguang/{GHOST_ID}/{token}"));
        let callback = callback.named("bad token", what).status(404);
        cases.push(callback.body(URLENCODED, b"api_xid=x&apistatus=shipped".to_vec()));
    }
    cases
}

/// The console: sign-in bodies that are not a sign-in (400), hostile names and passwords
/// (401, nothing signed in), calls without a session or with a forged cookie (401), the
/// operator's bootstrap without the token (401) or with bad JSON (400).
fn console_cases(admin: &str) -> Vec<Case> {
    let mut cases = Vec::new();
    let login = json!({ "username": "root.admin", "password": "correct horse battery staple" });
    // Login CSRF: what another site's page can send without asking (a form, text/plain) and
    // JSON that says it comes from elsewhere are refused before anything is read.
    for (what, content_type) in [
        ("text/plain", "text/plain"),
        ("text/plain; charset", "text/plain;charset=UTF-8"),
        ("a form", "application/x-www-form-urlencoded"),
        ("multipart", "multipart/form-data; boundary=xyz"),
        ("JSON-looking type", "application/json-patch+json"),
    ] {
        cases.push(
            Case::post(CONSOLE_LOGIN, "/api/console/login")
                .named("cross-origin sign-in", what)
                .body(content_type, raw_json(&login))
                .status(403),
        );
    }
    for (what, name, value) in [
        ("another origin", "Origin", "https://evil.example"),
        ("a null origin", "Origin", "null"),
        ("cross-site fetch", "Sec-Fetch-Site", "cross-site"),
        ("same-site fetch", "Sec-Fetch-Site", "same-site"),
    ] {
        cases.push(
            Case::post(CONSOLE_LOGIN, "/api/console/login")
                .named("cross-origin sign-in", what)
                .json(raw_json(&login))
                .header(name, value)
                .status(403),
        );
    }
    for (what, bytes) in bad_json(&login).into_iter().chain(deep_json()) {
        let deep = what.starts_with("10k");
        let case = Case::post(CONSOLE_LOGIN, "/api/console/login")
            .named("bad JSON", what)
            .json(bytes);
        cases.push(if deep { case } else { case.status(400) });
    }
    for field in ["username", "password"] {
        for (what, value) in wrong_types() {
            let mut body = login.clone();
            body[field] = value;
            cases.push(
                Case::post(CONSOLE_LOGIN, "/api/console/login")
                    .named("wrong type", format!("{field} is {what}"))
                    .json(raw_json(&body))
                    .status(400),
            );
        }
        for (what, disguise) in hostile_text() {
            let mut body = login.clone();
            let seed = body[field].as_str().unwrap_or_default().to_owned();
            body[field] = json!(disguise(&seed));
            let case = Case::post(CONSOLE_LOGIN, "/api/console/login")
                .named("hostile text", format!("{what} in {field}"))
                .json(raw_json(&body));
            // A 5000-character value is over the 4 kB body cap once JSON-escaped (413);
            // bytes that are not UTF-8 are not JSON (400); the rest sign nobody in (401).
            cases.push(if what.starts_with("5000") {
                case
            } else if what.contains("surrogate") || what.contains("invalid UTF-8") {
                case.status(400)
            } else {
                case.status(401)
            });
        }
    }
    let cookies = [
        ("no cookie", None),
        ("empty session", Some("__Host-haoka_session=".to_owned())),
        (
            "forged session",
            Some(format!("__Host-haoka_session={}", "A".repeat(43))),
        ),
        ("short session", Some("__Host-haoka_session=abc".to_owned())),
        (
            "SQL session",
            Some("__Host-haoka_session=' OR 1=1 --".to_owned()),
        ),
        (
            "unprefixed name",
            Some(format!("haoka_session={}", "A".repeat(43))),
        ),
        (
            "5000-character cookie",
            Some(format!("__Host-haoka_session={}", "a".repeat(5000))),
        ),
    ];
    for (what, cookie) in &cookies {
        let with = |c: Case| match cookie {
            Some(v) => c.header("Cookie", v.clone()),
            None => c,
        };
        for (endpoint, method, target) in [
            (CONSOLE_ME, "GET", "/api/console/me"),
            (CONSOLE_ACCOUNTS_LIST, "GET", "/api/console/accounts"),
            (CONSOLE_AUDIT, "GET", "/api/console/audit"),
            (CONSOLE_LOGOUT, "POST", "/api/console/logout"),
            (CONSOLE_LOGOUT_ALL, "POST", "/api/console/logout-all"),
        ] {
            cases.push(
                with(Case::new(method, endpoint, target))
                    .header("x-haoka-csrf", "x")
                    .named("no session", what)
                    .status(401),
            );
        }
        let create = json!({ "username": "mallory", "display_name": "M", "role": "admin",
                             "store": "", "password": "correct horse battery staple" });
        cases.push(
            with(Case::post(CONSOLE_ACCOUNTS, "/api/console/accounts"))
                .header("x-haoka-csrf", "x")
                .named("no session", what)
                .json(raw_json(&create))
                .status(401),
        );
        cases.push(
            with(Case::post(
                CONSOLE_ACCOUNT,
                "/api/console/accounts/root.admin",
            ))
            .header("x-haoka-csrf", "x")
            .named("no session", what)
            .json(raw_json(&json!({ "role": "admin" })))
            .status(401),
        );
    }
    let first = json!({ "username": "boss", "display_name": "B", "password": "correct horse battery staple" });
    for (what, bearer) in [("no token", None), ("wrong token", Some("x".repeat(64)))] {
        let case = Case::post(CONSOLE_BOOTSTRAP, "/api/console/bootstrap")
            .named("no operator token", what)
            .json(raw_json(&first))
            .status(401);
        cases.push(match bearer {
            Some(b) => case.bearer(&b),
            None => case,
        });
    }
    for (what, bytes) in bad_json(&first) {
        cases.push(
            Case::post(CONSOLE_BOOTSTRAP, "/api/console/bootstrap")
                .bearer(admin)
                .named("bad JSON", what)
                .json(bytes)
                .status(400),
        );
    }
    cases
}

/// The photo handoff: bodies that are not a handoff request or claim (400), claims and
/// bearers that open nothing (404), and nothing is stored.
fn handoff_cases() -> Vec<Case> {
    let mut cases = Vec::new();
    let open = json!({ "photos": ["face"] });
    for (what, bytes) in bad_json(&open).into_iter().chain(deep_json()) {
        let deep = what.starts_with("10k");
        let case = Case::post(HANDOFF_OPEN, "/api/handoff")
            .named("bad JSON", what)
            .json(bytes);
        cases.push(if deep { case } else { case.status(400) });
    }
    for (what, photos) in [
        ("no photos", json!([])),
        ("a string", json!("face")),
        ("null", Value::Null),
        ("numbers", json!([0, 1])),
        ("an unknown part", json!(["selfie"])),
        ("SQL in a part", json!(["face' OR 1=1 --"])),
        ("a part with NUL", json!(["fa\u{0}ce"])),
        ("full-width part", json!(["ｆａｃｅ"])),
        ("an object", json!({ "face": true })),
    ] {
        cases.push(
            Case::post(HANDOFF_OPEN, "/api/handoff")
                .named("bad photos", what)
                .json(json!({ "photos": photos }).to_string().into_bytes())
                .status(400),
        );
    }
    for (what, bytes) in bad_json(&json!({ "token": "A".repeat(22) })) {
        cases.push(
            Case::post(HANDOFF_CLAIM, "/api/handoff/claim")
                .named("bad JSON", what)
                .json(bytes)
                .status(400),
        );
    }
    let tokens = [
        ("empty token", String::new()),
        ("wrong token", "A".repeat(22)),
        ("desk-length token", "A".repeat(43)),
        ("SQL token", "' OR 1=1 --".into()),
        ("5000-character token", "a".repeat(5000)),
        ("token with NUL", "AAAAAAAAAAA\u{0}AAAAAAAAAA".into()),
        ("padded token", format!("{}==", "A".repeat(22))),
        ("RTL override", "AAAAAAAAAAA\u{202E}AAAAAAAAA".into()),
    ];
    for (what, token) in &tokens {
        let case = Case::post(HANDOFF_CLAIM, "/api/handoff/claim")
            .named("bad token", what)
            .json(json!({ "token": token }).to_string().into_bytes());
        // Past the claim's 1 kB cap it is a 413 before it is a token.
        cases.push(if token.len() > 1000 {
            case.status(413)
        } else {
            case.status(404)
        });
    }
    for (what, value) in wrong_types() {
        cases.push(
            Case::post(HANDOFF_CLAIM, "/api/handoff/claim")
                .named("wrong type", format!("token is {what}"))
                .json(json!({ "token": value }).to_string().into_bytes())
                .status(400),
        );
    }
    let bearers = [
        ("no bearer", None),
        ("empty bearer", Some(String::new())),
        ("wrong bearer", Some("A".repeat(43))),
        ("link-length bearer", Some("A".repeat(22))),
        ("SQL bearer", Some("' OR 1=1 --".to_owned())),
        ("5000-character bearer", Some("a".repeat(5000))),
    ];
    for (what, bearer) in &bearers {
        let with = |c: Case| match bearer {
            Some(b) => c.bearer(b),
            None => c,
        };
        let status = Case::get(HANDOFF_STATUS, "/api/handoff");
        cases.push(with(status).named("bad bearer", what).status(404));
        let end = Case::new("DELETE", HANDOFF_END, "/api/handoff");
        cases.push(with(end).named("bad bearer", what).status(404));
        let photo = Case::get(HANDOFF_PHOTO, "/api/handoff/photos/face");
        cases.push(with(photo).named("bad bearer", what).status(404));
        let upload = Case::new("PUT", HANDOFF_UPLOAD, "/api/handoff/photos/face");
        cases.push(
            with(upload)
                .named("bad bearer", what)
                .body("image/jpeg", jpeg())
                .status(404),
        );
    }
    for part in ["", "selfie", "..%2Fface", "face%00", "FACE"] {
        cases.push(
            Case::new("PUT", HANDOFF_UPLOAD, format!("/api/handoff/photos/{part}"))
                .bearer(&"A".repeat(43))
                .named("bad part", format!("part {part:?}"))
                .body("image/jpeg", jpeg())
                .status(404),
        );
    }
    cases.push(
        Case::new("PATCH", HANDOFF_STATUS, "/api/handoff")
            .named("wrong method", "PATCH")
            .status(405),
    );
    cases
}

/// Bad `Idempotency-Key` headers in front of an otherwise valid order: the key alone must
/// stop it.
fn key_cases() -> Vec<Case> {
    let keys: Vec<(&str, Vec<Vec<u8>>)> = vec![
        ("missing", vec![]),
        ("empty", vec![vec![]]),
        ("1 character", vec![b"k".to_vec()]),
        ("7 characters", vec![b"abcdefg".to_vec()]),
        ("65 characters", vec![vec![b'k'; 65]]),
        ("500 characters", vec![vec![b'k'; 500]]),
        ("non-ASCII", vec!["幂等键幂等键幂等键".into()]),
        ("Latin-1 bytes", vec![b"key-\xE9\xE9\xE9\xE9\xE9".to_vec()]),
        ("inner spaces", vec![b"abc def ghi jkl".to_vec()]),
        ("a tab inside", vec![b"abcdefgh\tijkl".to_vec()]),
        ("SQL", vec![b"' OR 1=1 --aaaa".to_vec()]),
        ("path", vec![b"../../../../etc/passwd".to_vec()]),
        (
            "percent-encoded",
            vec![b"%61%62%63%64%65%66%67%68".to_vec()],
        ),
        (
            "two keys",
            vec![b"hostile-dup-aaaa".to_vec(), b"hostile-dup-bbbb".to_vec()],
        ),
    ];
    let valid = raw_json(&Form::Order.valid());
    keys.into_iter()
        .map(|(what, values)| {
            let case = Case::post(ORDERS, "/api/orders").named("bad idempotency key", what);
            let case = values
                .into_iter()
                .fold(case, |c, v| c.header("Idempotency-Key", v));
            case.json(valid.clone()).status(400)
        })
        .collect()
}

/// The operator endpoints: bearer tokens, list queries, settlements of no order.
fn admin_cases(admin: &str) -> Vec<Case> {
    let auths: Vec<(&str, Option<String>)> = vec![
        ("no Authorization", None),
        ("bare Bearer", Some("Bearer".into())),
        ("lower-case bearer", Some(format!("bearer {admin}"))),
        ("Basic scheme", Some(format!("Basic {admin}"))),
        ("Token scheme", Some(format!("Token {admin}"))),
        ("token plus one", Some(format!("Bearer {admin}x"))),
        ("token minus one", Some(format!("Bearer {}", &admin[1..]))),
        ("two spaces", Some(format!("Bearer  {admin}"))),
        ("non-ASCII token", Some("Bearer 管理员令牌".into())),
        ("SQL token", Some("Bearer ' OR 1=1 --".into())),
        (
            "8000-character token",
            Some(format!("Bearer {}", "a".repeat(8000))),
        ),
    ];
    let mut cases = Vec::new();
    for (what, auth) in auths {
        let with = |case: Case| match &auth {
            Some(a) => case.header("Authorization", a.as_str()),
            None => case,
        };
        let list = Case::get(ADMIN_LIST, "/api/admin/orders?state=");
        cases.push(with(list.named("bad bearer", what)).status(401));
        let settle = Case::post(SETTLE, format!("/api/admin/orders/{GHOST_ID}/settle"));
        let settle = with(settle.named("bad bearer", what)).status(401);
        cases.push(settle.json(br#"{"action":"close"}"#.to_vec()));
    }
    let queries = [
        ("unknown state", "state=bogus".to_owned()),
        ("state in capitals", "state=RECEIVED".into()),
        ("SQL state", format!("state={}", pct("received' OR 1=1 --"))),
        ("NUL state", "state=%00".into()),
        ("invalid UTF-8 state", "state=%FF%FE".into()),
        ("state twice", "state=received&state=shipped".into()),
        ("older_than_min not a number", "older_than_min=abc".into()),
        (
            "older_than_min overflows",
            "older_than_min=99999999999999999999".into(),
        ),
        ("older_than_min a float", "older_than_min=1e9999".into()),
    ];
    for (what, query) in queries {
        let list = Case::get(ADMIN_LIST, format!("/api/admin/orders?{query}"));
        cases.push(list.named("bad query", what).bearer(admin).status(400));
    }
    for action in ["confirm", "resend", "close"] {
        let settle = Form::Settle.case(admin, "unknown order", format!("{action} a ghost"));
        cases.push(
            settle
                .json(json!({ "action": action }).to_string().into_bytes())
                .status(404),
        );
    }
    cases
}

/// Paths that climb, double up or name nothing, and wrong methods on every route.
fn route_cases() -> Vec<Case> {
    let g = GHOST_ID;
    // Where `..` may be resolved before the worker sees the path, either reading is a 4xx.
    let paths: Vec<(&str, String, Option<u16>)> = vec![
        ("GET", "/api/orders/../admin/orders".into(), None),
        ("GET", format!("/api/orders/./{g}"), None),
        ("GET", format!("/api/orders/{g}/photos/extra"), Some(404)),
        ("POST", format!("/api/orders/{g}/photos/.."), None),
        ("POST", format!("/api/orders/{g}/photos/extra"), Some(404)),
        (
            "POST",
            "/api/admin/orders/../../orders/x/settle".into(),
            None,
        ),
        ("GET", format!("/api/admin/orders/{g}"), Some(404)),
        ("POST", format!("/api/admin/orders/{g}/delete"), Some(404)),
        ("POST", "/callbacks/xingguang/../../api/orders".into(), None),
        ("POST", "/callbacks/xingguang/".into(), Some(404)),
        ("POST", "/callbacks/xingguang/a/b/c".into(), Some(404)),
        ("POST", "/callbacks/other/a/b".into(), Some(404)),
        ("GET", "/api".into(), Some(404)),
        ("GET", "/api/nope".into(), Some(404)),
        ("GET", "/api/ORDERS".into(), Some(404)),
        ("GET", "/api/orders%2Flookup".into(), Some(404)),
        ("GET", "/api/products/2188".into(), Some(404)),
        ("GET", "/api/products%00".into(), Some(404)),
        ("GET", format!("/api/{}", "a".repeat(4000)), Some(404)),
    ];
    let mut cases = Vec::new();
    for (method, path, status) in paths {
        let what = format!("{method} {path:.60}");
        let case = Case::new(method, ELSEWHERE, path).named("path tricks", what);
        cases.push(match status {
            Some(s) => case.status(s),
            None => case,
        });
    }
    let routes: [(&str, String, &[&str]); 10] = [
        (HEALTH, "/api/health".into(), &["POST", "DELETE"]),
        (
            PRODUCTS,
            "/api/products".into(),
            &["POST", "PUT", "DELETE", "PATCH", "OPTIONS"],
        ),
        (ORDERS, "/api/orders".into(), &["GET", "PUT", "DELETE"]),
        (ORDER, format!("/api/orders/{g}"), &["DELETE", "PUT"]),
        (PHOTOS, format!("/api/orders/{g}/photos"), &["GET", "PUT"]),
        (LOOKUP, "/api/orders/lookup".into(), &["GET"]),
        (PRECHECK, "/api/precheck".into(), &["GET"]),
        (ADMIN_LIST, "/api/admin/orders".into(), &["POST", "DELETE"]),
        (SETTLE, format!("/api/admin/orders/{g}/settle"), &["GET"]),
        (
            CALLBACK,
            format!("/callbacks/xingguang/{g}/{WRONG_TOKEN}"),
            &["GET"],
        ),
    ];
    for (endpoint, path, methods) in routes {
        for method in methods {
            let case = Case::new(method, endpoint, path.clone()).named("wrong method", method);
            cases.push(case.status(405));
        }
    }
    cases
}

fn all_cases(admin: &str) -> Vec<Case> {
    let mut cases = json_cases(admin);
    cases.extend(multipart_cases());
    cases.extend(huge_cases(admin));
    cases.extend(id_cases(admin));
    cases.extend(token_cases());
    cases.extend(key_cases());
    cases.extend(admin_cases(admin));
    cases.extend(route_cases());
    cases.extend(handoff_cases());
    cases.extend(console_cases(admin));
    cases.extend(check_cases());
    cases
}

/// The console's checks and cases without a working session (401, nothing run, nothing
/// stored), hostile ids in their paths, and RealMe notifications that are not signed by
/// RealMe (401) or too large (413): none settles or stores anything.
fn check_cases() -> Vec<Case> {
    let mut cases = Vec::new();
    let run = json!({ "check": "namecheck", "fields": { "full_name": "张三", "id_number": "110101200007282906" },
                      "consent": { "version": "2026-11-24", "confirmed": true } });
    let sessions = [
        ("no cookie", None),
        (
            "forged session",
            Some(format!("__Host-haoka_session={}", "A".repeat(43))),
        ),
        (
            "SQL session",
            Some("__Host-haoka_session=' OR 1=1 --".to_owned()),
        ),
        (
            "5000-character cookie",
            Some(format!("__Host-haoka_session={}", "a".repeat(5000))),
        ),
    ];
    let id = "CK20261124115655TKVYZM";
    let endpoints: [(&'static str, &'static str, String, Option<Value>); 8] = [
        (
            CONSOLE_CHECK_RUN,
            "POST",
            "/api/console/checks".into(),
            Some(run.clone()),
        ),
        (
            CONSOLE_CHECK_LIST,
            "GET",
            "/api/console/checks?q=110101200007282906".into(),
            None,
        ),
        (
            CONSOLE_CHECK,
            "GET",
            format!("/api/console/checks/{id}"),
            None,
        ),
        (
            CONSOLE_REVEAL,
            "POST",
            format!("/api/console/checks/{id}/reveal"),
            Some(json!({ "field": "id_number", "reason": "客户来电核对" })),
        ),
        (
            CONSOLE_CASE_OPEN,
            "POST",
            "/api/console/cases".into(),
            Some(json!({ "subject_name": "张三", "id_number": "110101200007282906" })),
        ),
        (CONSOLE_CASE_LIST, "GET", "/api/console/cases".into(), None),
        (
            CONSOLE_CASE,
            "GET",
            "/api/console/cases/CS20261124115655TKVYZM".into(),
            None,
        ),
        (
            CONSOLE_CASE_CLOSE,
            "POST",
            "/api/console/cases/CS20261124115655TKVYZM/close".into(),
            Some(json!({ "decision": "approved", "reason": "一致" })),
        ),
    ];
    for (what, cookie) in &sessions {
        for (endpoint, method, target, body) in &endpoints {
            let mut case = Case::new(method, endpoint, target.clone())
                .header("x-haoka-csrf", "x")
                .named("no session", what)
                .status(401);
            if let Some(v) = cookie {
                case = case.header("Cookie", v.clone());
            }
            if let Some(b) = body {
                case = case.json(raw_json(b));
            }
            cases.push(case);
        }
    }
    // Bad JSON to the check runner is still refused for want of a session first.
    for (what, bytes) in bad_json(&run) {
        cases.push(
            Case::post(CONSOLE_CHECK_RUN, "/api/console/checks")
                .named("bad JSON, no session", what)
                .json(bytes)
                .status(401),
        );
    }
    for (what, hostile) in hostile_ids() {
        let target = format!("/api/console/checks/{}", pct(&hostile));
        cases.push(Case::get(CONSOLE_CHECK, target).named("hostile id", what));
        let target = format!("/api/console/cases/{}/close", pct(&hostile));
        cases.push(
            Case::post(CONSOLE_CASE_CLOSE, target)
                .named("hostile id", what)
                .json(raw_json(
                    &json!({ "decision": "approved", "reason": "一致" }),
                )),
        );
    }
    // Notifications: RealMe signs with the key only it and the edge hold.
    let form = "application/x-www-form-urlencoded";
    let forged = [
        (
            "unsigned",
            format!("order_id={id}&return_code=10000&resp_code=00"),
        ),
        (
            "all-zero sign",
            format!(
                "order_id={id}&return_code=10000&resp_code=00&sign={}",
                "0".repeat(32)
            ),
        ),
        (
            "lower-case sign",
            format!(
                "order_id={id}&return_code=10000&resp_code=00&sign={}",
                "a".repeat(32)
            ),
        ),
        (
            "empty sign",
            format!("order_id={id}&return_code=10000&sign="),
        ),
        (
            "two signs",
            format!(
                "order_id={id}&return_code=10000&sign={}&sign={}",
                "0".repeat(32),
                "1".repeat(32)
            ),
        ),
        (
            "two order ids",
            format!(
                "order_id={id}&order_id=CK1&return_code=10000&sign={}",
                "0".repeat(32)
            ),
        ),
        (
            "SQL order id",
            format!(
                "order_id=%27%20OR%201%3D1%20--&return_code=10000&sign={}",
                "0".repeat(32)
            ),
        ),
        (
            "5000-character order id",
            format!(
                "order_id={}&return_code=10000&sign={}",
                "a".repeat(5000),
                "0".repeat(32)
            ),
        ),
        (
            "NUL in fields",
            format!("order_id={id}%00&return_code=10000&sign={}", "0".repeat(32)),
        ),
        ("percent garbage", "order_id=%ZZ&%%%=&sign=%".to_owned()),
        (
            "a JSON body",
            format!(
                r#"{{"order_id":"{id}","return_code":"10000","sign":"{}"}}"#,
                "0".repeat(32)
            ),
        ),
        ("empty body", String::new()),
    ];
    for (what, body) in forged {
        cases.push(
            Case::post(REALME_CALLBACK, "/callbacks/realme")
                .named("forged notification", what)
                .body(form, body.into_bytes())
                .status(401),
        );
    }
    cases.push(
        Case::post(REALME_CALLBACK, "/callbacks/realme")
            .named("forged notification", "300 kB body")
            .body(
                form,
                format!("order_id={id}&pad={}", "a".repeat(300 * 1024)).into_bytes(),
            )
            .status(413),
    );
    cases.push(
        Case::post(REALME_CALLBACK, "/callbacks/realme")
            .named("forged notification", "binary body")
            .body(
                "application/octet-stream",
                vec![0xff, 0xfe, 0x00, 0x01, 0x80],
            )
            .status(401),
    );
    cases
}

// ---------------------------------------------------------------------------------------
// The wire
// ---------------------------------------------------------------------------------------

struct Reply {
    status: u16,
    content_type: String,
    body: Vec<u8>,
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// The body of a chunked message, once complete.
fn dechunk(mut rest: &[u8]) -> Option<Vec<u8>> {
    let mut body = Vec::new();
    loop {
        let line_end = find(rest, b"\r\n")?;
        let size_text = std::str::from_utf8(&rest[..line_end]).ok()?;
        let size = usize::from_str_radix(size_text.split(';').next()?.trim(), 16).ok()?;
        rest = &rest[line_end + 2..];
        if size == 0 {
            return Some(body);
        }
        if rest.len() < size + 2 {
            return None;
        }
        body.extend_from_slice(&rest[..size]);
        rest = &rest[size + 2..];
    }
}

/// The response in `raw`, if it is complete (`eof`: the server closed the connection).
fn parse_reply(raw: &[u8], eof: bool) -> Option<Reply> {
    let head_end = find(raw, b"\r\n\r\n")?;
    let head = String::from_utf8_lossy(&raw[..head_end]);
    let mut lines = head.split("\r\n");
    let status = lines.next()?.split(' ').nth(1)?.parse().ok()?;
    let mut content_type = String::new();
    let mut length = None;
    let mut chunked = false;
    for (name, value) in lines.filter_map(|l| l.split_once(':')) {
        let value = value.trim();
        match name.trim().to_ascii_lowercase().as_str() {
            "content-type" => content_type = value.to_owned(),
            "content-length" => length = value.parse::<usize>().ok(),
            "transfer-encoding" => chunked = value.eq_ignore_ascii_case("chunked"),
            _ => {}
        }
    }
    let rest = &raw[head_end + 4..];
    let body = match (chunked, length) {
        (true, _) => dechunk(rest)?,
        (false, Some(n)) if rest.len() >= n => rest[..n].to_vec(),
        (false, Some(_)) => return None,
        (false, None) if eof => rest.to_vec(),
        (false, None) => return None,
    };
    Some(Reply {
        status,
        content_type,
        body,
    })
}

/// Write all of `bytes` (the harness's tokio has no `io-util`: readiness and `try_write`).
async fn write_all(w: &OwnedWriteHalf, mut bytes: &[u8]) -> std::io::Result<()> {
    while !bytes.is_empty() {
        w.writable().await?;
        match w.try_write(bytes) {
            Ok(n) => bytes = &bytes[n..],
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// Read what is there (0 at the end of the stream).
async fn read_some(r: &OwnedReadHalf, buf: &mut [u8]) -> std::io::Result<usize> {
    loop {
        r.readable().await?;
        match r.try_read(buf) {
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
            other => return other,
        }
    }
}

/// Send one case over a fresh connection. The body is written while the reply is read, so a
/// server that answers before reading a huge body is heard.
async fn send(port: u16, case: &Case) -> Result<Reply, String> {
    let stream = TcpStream::connect(("127.0.0.1", port))
        .await
        .map_err(|e| format!("connect: {e}"))?;
    let (reader, writer) = stream.into_split();
    let request = case.wire(port);
    // The write half is handed back (not dropped) so the socket is not half-closed early.
    let write = tokio::spawn(async move {
        let result = write_all(&writer, &request).await;
        (writer, result)
    });
    let mut raw = Vec::new();
    let mut buf = vec![0u8; 64 * 1024];
    let outcome = loop {
        match read_some(&reader, &mut buf).await {
            Ok(0) => break parse_reply(&raw, true).ok_or_else(|| "closed early".to_owned()),
            Ok(n) => {
                raw.extend_from_slice(&buf[..n]);
                if let Some(reply) = parse_reply(&raw, false) {
                    break Ok(reply);
                }
            }
            Err(e) => break parse_reply(&raw, true).ok_or_else(|| format!("read: {e}")),
        }
    };
    write.abort();
    outcome.map_err(|why| {
        format!(
            "no complete HTTP reply ({why}); got {} bytes: {}",
            raw.len(),
            String::from_utf8_lossy(&raw[..raw.len().min(300)])
        )
    })
}

/// What is wrong with the reply to `case`, if anything.
fn judge(case: &Case, reply: &Reply) -> Option<String> {
    let text = String::from_utf8_lossy(&reply.body);
    let shown: String = text.chars().take(400).collect();
    let problem = |why: &str| {
        Some(format!(
            "{} [{} {:.120}]: {why}; status {}, content-type {:?}, body {shown}",
            case.name, case.method, case.target, reply.status, reply.content_type
        ))
    };
    if !(400..=499).contains(&reply.status) {
        return problem("not a 4xx");
    }
    if !reply.content_type.starts_with("application/json") {
        return problem("not JSON");
    }
    let Ok(body) = serde_json::from_slice::<Value>(&reply.body) else {
        return problem("body does not parse as JSON");
    };
    if !body["error"].is_string() {
        return problem("no string `error`");
    }
    if let Some(want) = case.status
        && reply.status != want
    {
        return problem(&format!("expected {want}"));
    }
    if let Some(field) = case.field {
        let named = body["fields"]
            .as_array()
            .is_some_and(|fs| fs.iter().any(|f| f["field"] == field));
        if !named {
            return problem(&format!("expected field {field}"));
        }
    }
    None
}

// ---------------------------------------------------------------------------------------
// What is stored
// ---------------------------------------------------------------------------------------

const STORED: [&str; 10] = [
    "accounts",
    "cases",
    "checks",
    "sessions",
    "handoffs",
    "handoff_photos",
    "orders",
    "order_events",
    "vendor_callbacks",
    "identity_checks",
];

/// Row counts of every table a request could write to (one wrangler call).
fn stored(s: &Stack) -> Value {
    let columns: Vec<String> = STORED
        .iter()
        .map(|t| format!("(SELECT COUNT(*) FROM {t}) AS {t}"))
        .collect();
    let rows = s.worker.query(&format!("SELECT {}", columns.join(", ")));
    rows.first().cloned().unwrap_or(Value::Null)
}

#[tokio::test]
async fn every_hostile_request_gets_a_json_4xx_and_stores_nothing() {
    let s = stack();
    let cases = all_cases(&s.admin_token);
    let mut summary: BTreeMap<(&str, &str), usize> = BTreeMap::new();
    for c in &cases {
        *summary.entry((c.endpoint, c.category)).or_default() += 1;
    }
    println!("{} hostile cases:", cases.len());
    for ((endpoint, category), n) in &summary {
        println!("  {n:4}  {endpoint:45} {category}");
    }
    assert!(cases.len() >= 200, "only {} cases", cases.len());

    let before = stored(s);
    let mut failures = Vec::new();
    for case in &cases {
        let verdict =
            match tokio::time::timeout(Duration::from_secs(120), send(s.worker.server.port, case))
                .await
            {
                Ok(Ok(reply)) => judge(case, &reply),
                Ok(Err(e)) => Some(format!("{}: {e}", case.name)),
                Err(_) => Some(format!("{}: no reply within 120 s", case.name)),
            };
        failures.extend(verdict);
    }

    let after = stored(s);
    let zero: serde_json::Map<String, Value> =
        STORED.iter().map(|t| ((*t).to_owned(), json!(0))).collect();
    if after != Value::Object(zero) || after != before {
        failures.push(format!(
            "stored rows changed: before {before}, after {after}"
        ));
    }
    let upstream = s.sandbox_requests("", "").await;
    if !upstream.is_empty() {
        failures.push(format!(
            "{} request(s) reached the sandbox, first: {}",
            upstream.len(),
            upstream[0]
        ));
    }
    let log = s.worker.server.log_text();
    let alarming: Vec<&str> = log
        .lines()
        .filter(|l| l.contains("internal error") || l.contains("panicked"))
        .collect();
    if !alarming.is_empty() {
        failures.push(format!("worker log:\n{}", alarming.join("\n")));
    }
    assert!(
        failures.is_empty(),
        "{} of {} hostile cases failed:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}
