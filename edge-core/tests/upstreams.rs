//! The edge core against the upstream sandbox, in process: each builder's request goes over
//! real HTTP on 127.0.0.1 to `haoka-sandbox` (strict like the vendors), and each parser reads
//! the sandbox's real reply. A small executor below plays the worker's part (moving bytes).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::{
    sync::{
        Arc,
        atomic::{AtomicU64, Ordering},
    },
    time::{Duration, SystemTime, UNIX_EPOCH},
};

use axum::{Router, body::Bytes, extract::State, http::HeaderMap, routing::post};
use haoka_edge_core::{
    MismatchPart, Verdict,
    crypto::{callback_token, verify_callback_token},
    http::{Body, HttpRequest, Method},
    phone3::{parse_phone3_reply, phone3_request},
    realme::{
        RealmeCredentials, mobilecheck_request, namecheck_request, parse_trade_reply, trade_request,
    },
    xingguang::{
        Callback, Credentials, GetimgOutcome, Photos, PushOrder, PushOutcome, getimg_request,
        parse_callback, parse_getimg_reply, parse_pushorder_reply, pushorder_request,
    },
};
use haoka_sandbox::{Config, Shared, delivery, router, server};
use haoka_shared::{
    ChinaDateTime,
    lifecycle::{RejectReason, VendorStatus},
    realme::check,
};
use reqwest::multipart::{Form, Part};
use serde_json::{Value, json};
use tokio::sync::{Mutex, mpsc};

const CALLBACK_KEY: &str = "test-callback-key";

/// A sandbox on 127.0.0.1:0 with fast timelines and the admin API.
struct Sbx {
    url: String,
    config: Config,
    http: reqwest::Client,
    _shared: Arc<Shared>,
}

fn fast_config() -> Config {
    Config {
        admin: true,
        xg_step: Duration::from_millis(100),
        realme_delay: Duration::from_millis(200),
        realme_rate_per_sec: 1000,
        ..Config::default()
    }
}

async fn start(config: Config) -> Sbx {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let shared = Shared::new(config.clone());
    tokio::spawn(delivery::run(shared.clone()));
    tokio::spawn(server::serve(listener, router(shared.clone())));
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap();
    Sbx {
        url,
        config,
        http,
        _shared: shared,
    }
}

impl Sbx {
    fn xg_creds(&self) -> Credentials {
        Credentials {
            api_user: self.config.xg_api_user.clone(),
            api_key: self.config.xg_api_key.clone(),
        }
    }

    fn realme_creds(&self) -> RealmeCredentials {
        RealmeCredentials {
            app_token: self.config.realme_app_token.clone(),
            sign_key: self.config.realme_sign_key.clone(),
        }
    }

    fn realme_base(&self) -> String {
        format!("{}/api/realme/", self.url)
    }

    fn phone3_url(&self) -> String {
        format!("{}{}", self.url, haoka_sandbox::phone3::PATH)
    }

    async fn send(&self, req: &HttpRequest) -> Result<(u16, Vec<u8>), Transport> {
        send(&self.http, req).await
    }

    async fn admin_get(&self, path: &str) -> Value {
        let resp = self.http.get(format!("{}/__sandbox{path}", self.url));
        resp.send().await.unwrap().json().await.unwrap()
    }

    async fn arm(&self, fault: Value) {
        let resp = self
            .http
            .post(format!("{}/__sandbox/faults", self.url))
            .json(&fault)
            .send()
            .await
            .unwrap();
        assert!(resp.status().is_success());
    }

    /// Fields the sandbox recorded for its requests under `path`.
    async fn recorded(&self, path: &str) -> Vec<Value> {
        let v = self.admin_get(&format!("/requests?path={path}")).await;
        v.as_array().unwrap().clone()
    }
}

/// No HTTP answer came (connection closed, refused, timed out): for the worker an unknown
/// outcome.
#[derive(Debug)]
struct Transport(#[allow(dead_code)] String);

/// The worker's part, for tests: an `HttpRequest` sent with reqwest.
async fn send(http: &reqwest::Client, req: &HttpRequest) -> Result<(u16, Vec<u8>), Transport> {
    let method = match req.method {
        Method::Get => reqwest::Method::GET,
        Method::Post => reqwest::Method::POST,
    };
    let mut rb = http.request(method, &req.url);
    for (k, v) in &req.headers {
        rb = rb.header(k, v);
    }
    if let Some(ct) = req.content_type() {
        rb = rb.header("content-type", ct);
    }
    rb = match &req.body {
        Body::Empty => rb,
        Body::Form(_) => rb.body(req.body.urlencoded().unwrap()),
        Body::Json(s) => rb.body(s.clone()),
        Body::Multipart { fields, files } => {
            let mut form = Form::new();
            for (k, v) in fields {
                form = form.text(k.clone(), v.clone());
            }
            for f in files {
                let part = Part::bytes(f.bytes.clone())
                    .file_name(f.filename.clone())
                    .mime_str(f.mime)
                    .unwrap();
                form = form.part(f.name.clone(), part);
            }
            rb.multipart(form)
        }
    };
    let resp = rb.send().await.map_err(|e| Transport(e.to_string()))?;
    let status = resp.status().as_u16();
    let body = resp.bytes().await.map_err(|e| Transport(e.to_string()))?;
    Ok((status, body.to_vec()))
}

/// A callback as received: path, content type, body.
type Received = (String, String, Vec<u8>);

/// A local callback receiver answering `success`.
struct Receiver {
    url: String,
    rx: Mutex<mpsc::UnboundedReceiver<Received>>,
}

impl Receiver {
    async fn start() -> Receiver {
        let (tx, rx) = mpsc::unbounded_channel::<Received>();
        let app = Router::new()
            .route(
                "/{*rest}",
                post(
                    |State(tx): State<mpsc::UnboundedSender<Received>>,
                     uri: axum::http::Uri,
                     headers: HeaderMap,
                     body: Bytes| async move {
                        let ct = headers
                            .get("content-type")
                            .and_then(|v| v.to_str().ok())
                            .unwrap_or("")
                            .to_owned();
                        let _ = tx.send((uri.path().to_owned(), ct, body.to_vec()));
                        "success"
                    },
                ),
            )
            .with_state(tx);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await });
        Receiver {
            url,
            rx: Mutex::new(rx),
        }
    }

    /// Our callback URL for `api_xid`: `…/callbacks/xingguang/{api_xid}/{token}`.
    fn callback_url(&self, api_xid: &str) -> String {
        format!(
            "{}/callbacks/xingguang/{api_xid}/{}",
            self.url,
            callback_token(CALLBACK_KEY, api_xid)
        )
    }

    /// The next callback (within 10 s), its URL token checked, its body parsed.
    async fn next(&self) -> Callback {
        let (path, ct, body) =
            tokio::time::timeout(Duration::from_secs(10), self.rx.lock().await.recv())
                .await
                .expect("a callback within 10 s")
                .expect("receiver open");
        let segs: Vec<&str> = path.trim_start_matches('/').split('/').collect();
        let ["callbacks", "xingguang", api_xid, token] = segs.as_slice() else {
            panic!("callback path {path}");
        };
        assert!(verify_callback_token(CALLBACK_KEY, api_xid, token));
        let cb = parse_callback(&ct, &body).unwrap();
        assert_eq!(cb.api_xid.as_deref(), Some(*api_xid));
        cb
    }
}

static COUNTER: AtomicU64 = AtomicU64::new(0);

/// A fresh id (letters and digits, ≤ 32).
fn fresh_id(prefix: &str) -> String {
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    format!("{prefix}{}{n:06}", std::process::id())
}

fn today() -> String {
    let ms = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_millis();
    ChinaDateTime::from_unix_millis(i64::try_from(ms).unwrap()).yyyymmdd()
}

fn jpeg() -> Vec<u8> {
    let mut v = vec![
        0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, b'J', b'F', b'I', b'F', 0,
    ];
    v.extend_from_slice(&[0u8; 64]);
    v.extend_from_slice(&[0xFF, 0xD9]);
    v
}

fn png() -> Vec<u8> {
    let mut v = b"\x89PNG\r\n\x1a\n".to_vec();
    v.extend_from_slice(&[0u8; 64]);
    v
}

fn photos() -> Photos {
    Photos {
        face: jpeg(),
        back: png(),
        hand: jpeg(),
    }
}

/// The vendor's documented order, with a valid ID, mobile and region.
fn doc_order<'a>(api_xid: &'a str, pid: &'a str, callback_url: &'a str) -> PushOrder<'a> {
    PushOrder {
        name: "张三",
        phone: "18888888336",
        id_number: "110101200007282906",
        order_province: "天津市 天津市 和平区",
        address: "先锋大楼 3单元 201",
        api_xid,
        haoma: "",
        pid,
        callback_url,
        photos: None,
    }
}

async fn push(s: &Sbx, order: &PushOrder<'_>) -> PushOutcome {
    let (status, body) = s
        .send(&pushorder_request(&s.url, &s.xg_creds(), order))
        .await
        .unwrap();
    parse_pushorder_reply(status, &body)
}

fn accepted(out: PushOutcome) -> (String, VendorStatus, String) {
    match out {
        PushOutcome::Accepted {
            apiorder,
            status,
            status_text,
        } => (apiorder, status, status_text),
        other => panic!("not accepted: {other:?}"),
    }
}

fn field<'a>(recorded: &'a Value, key: &str) -> Option<&'a str> {
    recorded["fields"]
        .as_array()?
        .iter()
        .find(|f| f[0] == key)
        .and_then(|f| f[1].as_str())
}

#[tokio::test]
async fn documented_order_is_accepted_then_shipped_by_callback() {
    let s = start(fast_config()).await;
    let rx = Receiver::start().await;
    let xid = fresh_id("DOC");
    let cb_url = rx.callback_url(&xid);
    let (apiorder, status, text) = accepted(push(&s, &doc_order(&xid, "2188", &cb_url)).await);
    assert!(apiorder.starts_with("ZEYI"), "{apiorder}");
    assert_eq!((status, text.as_str()), (VendorStatus::Submitted, "已提交"));

    let rec = s.recorded(haoka_edge_core::xingguang::PUSHORDER_PATH).await;
    assert_eq!(rec.len(), 1);
    let r = &rec[0];
    assert!(
        r["content_type"]
            .as_str()
            .unwrap()
            .starts_with("application/x-www-form-urlencoded")
    );
    assert_eq!(field(r, "apipwd"), Some("<md5>"), "the sandbox accepted it");
    assert_eq!(field(r, "order_Province"), Some("天津市 天津市 和平区"));
    assert_eq!(field(r, "order_Address"), Some("先锋大楼 3单元 201"));
    assert_eq!(field(r, "haoma"), Some(""));
    assert_eq!(field(r, "callbackurl"), Some(cb_url.as_str()));

    let reviewing = rx.next().await;
    assert_eq!(reviewing.status, VendorStatus::Reviewing);
    assert_eq!(reviewing.apiorder.as_deref(), Some(apiorder.as_str()));
    let shipped = rx.next().await;
    assert_eq!(shipped.status, VendorStatus::Shipped);
    assert_eq!(shipped.status_text, "已发货");
    assert_eq!(shipped.express.as_deref(), Some("顺丰速运"));
    assert!(shipped.express_no.unwrap().starts_with("SF"));
}

#[tokio::test]
async fn repeated_api_xid_gets_no_answer() {
    let s = start(fast_config()).await;
    let xid = fresh_id("DUP");
    let order = doc_order(&xid, "2188", "");
    accepted(push(&s, &order).await);
    let again = s
        .send(&pushorder_request(&s.url, &s.xg_creds(), &order))
        .await;
    assert!(again.is_err(), "expected a closed connection: {again:?}");
}

#[tokio::test]
async fn photo_product_without_photos_waits_for_getimg() {
    let s = start(fast_config()).await;
    let xid = fresh_id("PHL");
    let (apiorder, status, text) = accepted(push(&s, &doc_order(&xid, "2201", "")).await);
    assert_eq!(status, VendorStatus::AwaitingPhotos, "{text}");

    let (st, body) = s
        .send(&getimg_request(&s.url, &apiorder, &photos()))
        .await
        .unwrap();
    assert_eq!(parse_getimg_reply(st, &body), GetimgOutcome::Delivered);
    let orders = s.admin_get("/orders").await;
    let order = orders
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["api_xid"] == xid.as_str())
        .unwrap();
    assert_eq!(order["photos"], true, "{order}");
    assert_eq!(order["status"], "已提交");
    let rec = s.recorded(haoka_edge_core::xingguang::GETIMG_PATH).await;
    assert_eq!(field(&rec[0], "order_id"), Some(apiorder.as_str()));

    // Photos for an order the vendor does not know are refused with its code.
    let (st, body) = s
        .send(&getimg_request(&s.url, "ZEYI0", &photos()))
        .await
        .unwrap();
    assert!(matches!(
        parse_getimg_reply(st, &body),
        GetimgOutcome::Refused { code, .. } if code == "404"
    ));
}

#[tokio::test]
async fn photo_product_with_photos_goes_multipart() {
    let s = start(fast_config()).await;
    let xid = fresh_id("PHW");
    let p = photos();
    let order = PushOrder {
        photos: Some(&p),
        ..doc_order(&xid, "2201", "")
    };
    let (_, status, _) = accepted(push(&s, &order).await);
    assert_eq!(status, VendorStatus::Submitted);
    let rec = s.recorded(haoka_edge_core::xingguang::PUSHORDER_PATH).await;
    let r = &rec[0];
    assert!(
        r["content_type"]
            .as_str()
            .unwrap()
            .starts_with("multipart/form-data"),
        "{r}"
    );
    assert_eq!(field(r, "face"), Some("<jpg 77 bytes>"));
    assert_eq!(field(r, "back"), Some("<png 72 bytes>"));
    assert_eq!(field(r, "hand"), Some("<jpg 77 bytes>"));
    assert_eq!(field(r, "order_Name"), Some("张三"));
    let orders = s.admin_get("/orders").await;
    assert_eq!(orders[0]["photos"], true);
}

#[tokio::test]
async fn remote_address_fails_review_by_callback() {
    let s = start(fast_config()).await;
    let rx = Receiver::start().await;
    let xid = fresh_id("FAR");
    let cb_url = rx.callback_url(&xid);
    let order = PushOrder {
        address: "偏远山区 3单元 201",
        ..doc_order(&xid, "2188", &cb_url)
    };
    accepted(push(&s, &order).await);
    assert_eq!(rx.next().await.status, VendorStatus::Reviewing);
    let failed = rx.next().await;
    assert_eq!(failed.status, VendorStatus::Rejected);
    assert_eq!(failed.status_text, "审核失败");
    assert_eq!(
        haoka_edge_core::xingguang::reason_of(&failed.reason),
        RejectReason::Address
    );
}

#[tokio::test]
async fn refused_credentials_and_rejections() {
    let s = start(fast_config()).await;
    let xid = fresh_id("CRD");
    for creds in [
        Credentials {
            api_key: "wrong-key".into(),
            ..s.xg_creds()
        },
        Credentials {
            api_user: "someone-else".into(),
            ..s.xg_creds()
        },
    ] {
        let req = pushorder_request(&s.url, &creds, &doc_order(&xid, "2188", ""));
        let (st, body) = s.send(&req).await.unwrap();
        assert!(
            matches!(parse_pushorder_reply(st, &body), PushOutcome::CredentialsRefused { ref reason } if !reason.is_empty()),
            "{st}"
        );
    }
    let out = push(&s, &doc_order(&xid, "9999", "")).await;
    let PushOutcome::Rejected {
        code,
        reason,
        plain,
    } = out
    else {
        panic!("{out:?}");
    };
    assert_eq!((code.as_str(), plain), ("404", RejectReason::Other));
    assert!(!reason.is_empty());
    // Refused orders leave no trace: the same api_xid is then accepted.
    accepted(push(&s, &doc_order(&xid, "2188", "")).await);
}

#[tokio::test]
async fn xingguang_faults_are_unknown_outcomes() {
    let s = start(fast_config()).await;
    let prefix = haoka_edge_core::xingguang::PUSHORDER_PATH;
    s.arm(json!({ "path_prefix": prefix, "mode": "error", "status": 503 }))
        .await;
    assert!(matches!(
        push(&s, &doc_order(&fresh_id("F"), "2188", "")).await,
        PushOutcome::Unknown { .. }
    ));
    s.arm(json!({ "path_prefix": prefix, "mode": "garbage" }))
        .await;
    assert!(matches!(
        push(&s, &doc_order(&fresh_id("F"), "2188", "")).await,
        PushOutcome::Unknown { .. }
    ));
    s.arm(json!({ "path_prefix": prefix, "mode": "close" }))
        .await;
    let req = pushorder_request(
        &s.url,
        &s.xg_creds(),
        &doc_order(&fresh_id("F"), "2188", ""),
    );
    assert!(s.send(&req).await.is_err());
}

const ID: &str = "110101200007282906";
const MOBILE: &str = "18888888336";

async fn namecheck(s: &Sbx, name: &str) -> Verdict {
    let req = namecheck_request(
        &s.realme_base(),
        &s.realme_creds(),
        &fresh_id("NC"),
        &today(),
        name,
        ID,
    )
    .unwrap();
    let (st, body) = s.send(&req).await.unwrap();
    parse_trade_reply(check("namecheck").unwrap(), st, &body)
}

async fn mobilecheck(s: &Sbx, name: &str) -> Verdict {
    let req = mobilecheck_request(
        &s.realme_base(),
        &s.realme_creds(),
        &fresh_id("MC"),
        &today(),
        name,
        ID,
        MOBILE,
    )
    .unwrap();
    let (st, body) = s.send(&req).await.unwrap();
    parse_trade_reply(check("mobilecheck").unwrap(), st, &body)
}

#[tokio::test]
async fn realme_namecheck_scenarios() {
    let s = start(fast_config()).await;
    for (name, want) in [
        ("张三", Verdict::Match),
        ("李四", Verdict::Mismatch(MismatchPart::NameOrId)),
        ("钱七", Verdict::Mismatch(MismatchPart::NameOrId)),
        ("王五", Verdict::Mismatch(MismatchPart::NoRecord)),
        ("赵六", Verdict::Busy),
    ] {
        assert_eq!(namecheck(&s, name).await, want, "{name}");
    }
    let rec = s.recorded("/api/realme/v4/trade/namecheck").await;
    assert_eq!(field(&rec[0], "source_channel"), Some("0"));
}

#[tokio::test]
async fn realme_mobilecheck_scenarios() {
    let s = start(fast_config()).await;
    for (name, want) in [
        ("张三", Verdict::Match),
        ("李四", Verdict::Mismatch(MismatchPart::Mobile)),
        ("周二", Verdict::Match),
        ("吴三", Verdict::Mismatch(MismatchPart::Mobile)),
        ("郑四", Verdict::Mismatch(MismatchPart::NameOrId)),
        ("冯五", Verdict::Mismatch(MismatchPart::NameOrId)),
        ("赵六", Verdict::Busy),
    ] {
        assert_eq!(mobilecheck(&s, name).await, want, "{name}");
    }
}

fn error_mentions(v: &Verdict, code: &str) -> bool {
    matches!(v, Verdict::Error { why } if why.contains(code))
}

/// namecheck for 张三 through the generic builder, with the given credentials and order id.
async fn call(s: &Sbx, creds: RealmeCredentials, order_id: String) -> Verdict {
    let nc = check("namecheck").unwrap();
    let params = [
        ("full_name", "张三"),
        ("id_number", ID),
        ("source_channel", "0"),
    ];
    let req = trade_request(&s.realme_base(), &creds, nc, &order_id, &today(), &params);
    let (st, body) = s.send(&req).await.unwrap();
    parse_trade_reply(nc, st, &body)
}

#[tokio::test]
async fn realme_refusals_and_faults() {
    let s = start(fast_config()).await;
    let wrong_key = RealmeCredentials {
        sign_key: "wrong".into(),
        ..s.realme_creds()
    };
    let v = call(&s, wrong_key, fresh_id("E")).await;
    assert!(error_mentions(&v, "90102"), "{v:?}");
    let wrong_token = RealmeCredentials {
        app_token: "wrong".into(),
        ..s.realme_creds()
    };
    let v = call(&s, wrong_token, fresh_id("E")).await;
    assert!(error_mentions(&v, "90103"), "{v:?}");
    let id = fresh_id("E");
    assert_eq!(call(&s, s.realme_creds(), id.clone()).await, Verdict::Match);
    let v = call(&s, s.realme_creds(), id).await;
    assert!(error_mentions(&v, "90104"), "{v:?}");

    let prefix = "/api/realme/v4/trade/namecheck";
    s.arm(json!({ "path_prefix": prefix, "mode": "error", "status": 503 }))
        .await;
    assert_eq!(
        call(&s, s.realme_creds(), fresh_id("E")).await,
        Verdict::Busy
    );
    s.arm(json!({ "path_prefix": prefix, "mode": "garbage" }))
        .await;
    assert!(matches!(
        call(&s, s.realme_creds(), fresh_id("E")).await,
        Verdict::Error { .. }
    ));
}

#[tokio::test]
async fn realme_rate_limit_is_busy() {
    let s = start(Config {
        realme_rate_per_sec: 1,
        ..fast_config()
    })
    .await;
    assert_eq!(namecheck(&s, "张三").await, Verdict::Match);
    assert_eq!(namecheck(&s, "张三").await, Verdict::Busy);
}

async fn phone3(s: &Sbx, token: &str, name: &str) -> Verdict {
    let req = phone3_request(&s.phone3_url(), token, name, ID, MOBILE);
    let (st, body) = s.send(&req).await.unwrap();
    parse_phone3_reply(st, &body)
}

#[tokio::test]
async fn phone3_scenarios() {
    let s = start(fast_config()).await;
    let token = s.config.phone3_token.clone();
    for (name, want) in [
        ("张三", Verdict::Match),
        ("李四", Verdict::Mismatch(MismatchPart::Mobile)),
        ("钱七", Verdict::Mismatch(MismatchPart::NameOrId)),
        ("王五", Verdict::Mismatch(MismatchPart::NoRecord)),
        ("赵六", Verdict::Busy),
    ] {
        assert_eq!(phone3(&s, &token, name).await, want, "{name}");
    }
    let rec = s.recorded(haoka_sandbox::phone3::PATH).await;
    assert_eq!(rec[0]["authorization"], true);
    assert_eq!(field(&rec[0], "group"), Some("real"));
    assert_eq!(field(&rec[0], "buscode"), Some("PhoneVerification"));

    let v = phone3(&s, "wrong-token", "张三").await;
    assert!(error_mentions(&v, "40001"), "{v:?}");
    s.arm(json!({ "path_prefix": haoka_sandbox::phone3::PATH, "mode": "error", "status": 502 }))
        .await;
    // Not Busy: only the vendor's own "busy" result fails over to RealMe.
    assert!(matches!(
        phone3(&s, &token, "张三").await,
        Verdict::Error { .. }
    ));
}
