//! The real worker in workerd, called over HTTP: an order stored sealed, each invalid field →
//! 422 with its code and nothing stored, the walking skeleton's draft endpoint gone, health,
//! the security headers on every answer, SPA fallback, JSON 404s.

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)] // test helpers fail loudly

use std::{
    sync::{
        OnceLock,
        atomic::{AtomicU32, Ordering},
    },
    time::Duration,
};

use haoka_e2e::{Workerd, json_of, order_json};
use serde_json::{Value, json};

fn worker() -> &'static Workerd {
    static W: OnceLock<Workerd> = OnceLock::new();
    // No sandbox behind it: orders are stored and wait in the background; the budgets are
    // wide because every test here comes from 127.0.0.1.
    W.get_or_init(|| {
        Workerd::start(&[
            ("XINGGUANG_API_USER", "worker-api".into()),
            ("XINGGUANG_API_KEY", "worker-api-test-only".into()),
            ("REALME_APP_TOKEN", "worker-api-test-only".into()),
            ("REALME_SIGN_KEY", "worker-api-test-only".into()),
            ("PHONE3_TOKEN", "worker-api-test-only".into()),
            ("CALLBACK_HMAC_KEY", "worker-api-test-only-callback".into()),
            ("SESSION_KEY", "worker-api-test-only-session".into()),
            ("PII_KEY", "worker-api-test-only-pii".into()),
            ("ADMIN_TOKEN", "worker-api-test-only-admin".into()),
            ("AUDIT_KEY", "worker-api-test-only-audit".into()),
            ("ORDERS_PER_MINUTE", "1000".into()),
            ("ORDERS_PER_MINUTE_PERSON", "1000".into()),
            ("ORDER_LIMIT_PER_PRODUCT", "1000".into()),
            ("ORDER_LIMIT_TOTAL", "1000".into()),
        ])
    })
}

fn good() -> Value {
    order_json("2188", "张三", "110101200007282906", "先锋大楼 3单元 201")
}

/// A fresh idempotency key per call.
fn key() -> String {
    static N: AtomicU32 = AtomicU32::new(0);
    format!(
        "worker-api-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    )
}

async fn post(body: &Value) -> (u16, Value) {
    post_keyed(body, &key()).await
}

async fn post_keyed(body: &Value, key: &str) -> (u16, Value) {
    let resp = reqwest::Client::new()
        .post(format!("{}/api/orders", worker().url()))
        .header("Idempotency-Key", key)
        .json(body)
        .send()
        .await
        .expect("POST /api/orders");
    json_of(resp).await
}

fn orders_count(key_prefix: &str) -> Value {
    worker().query(&format!(
        "SELECT COUNT(*) AS n FROM orders WHERE idempotency_key LIKE '{key_prefix}%'"
    ))[0]["n"]
        .clone()
}

#[tokio::test]
async fn health_reports_worker_and_d1() {
    let resp = reqwest::get(format!("{}/api/health", worker().url()))
        .await
        .expect("GET health");
    assert_eq!(resp.status().as_u16(), 200);
    let body: Value = resp.json().await.expect("json");
    assert_eq!(body["status"], "ok");
    assert_eq!(body["d1"], true);
}

#[tokio::test]
async fn a_valid_order_is_stored_sealed_and_logged_masked() {
    // An ID number whose check character is X, typed in lower case with spaces around.
    let body17 = (0..1000)
        .map(|seq| format!("12010119900101{seq:03}"))
        .find(|b| haoka_shared::idcard::check_char(b) == Some('X'))
        .expect("some sequence gives X");
    let mut order = good();
    order["id_number"] = json!(format!(" {body17}x "));
    order["name"] = json!(" 阿依古丽•买买提 ");
    let (status, body) = post(&order).await;
    assert_eq!(status, 201, "{body}");
    let id = body["order_id"].as_str().expect("order_id");
    assert!(
        id.starts_with("HK") && haoka_shared::ids::is_valid_id(id),
        "{id}"
    );
    let rows = worker().query(&format!("SELECT * FROM orders WHERE id = '{id}'"));
    assert_eq!(rows.len(), 1, "{rows:?}");
    let row = rows[0].to_string();
    assert_eq!(rows[0]["order_province"], "天津市 天津市 和平区");
    for clear in [body17.as_str(), "阿依古丽", "18888888336", "先锋大楼"] {
        assert!(!row.contains(clear), "{clear} in clear at rest: {row}");
    }
    // The status page shows the normalised values, masked.
    let view: Value = reqwest::get(format!(
        "{}/api/orders/{id}?token={}",
        worker().url(),
        body["token"].as_str().expect("token")
    ))
    .await
    .expect("GET order")
    .json()
    .await
    .expect("json");
    assert_eq!(view["name"], "阿*******", "{view}");
    assert!(
        view["id_number"].as_str().expect("id").ends_with("X"),
        "{view}"
    );
    // The log masks PII.
    let log = worker()
        .server
        .wait_log(&format!("order received id={id}"), Duration::from_secs(10));
    assert!(
        log.contains("188****8336") && !log.contains("18888888336"),
        "{log}"
    );
    assert!(!log.contains(&body17), "{log}");
}

#[tokio::test]
async fn the_draft_endpoint_and_its_table_are_gone() {
    let resp = reqwest::Client::new()
        .post(format!("{}/api/orders/draft", worker().url()))
        .json(&good())
        .send()
        .await
        .expect("POST draft");
    // The path now names an order (`/api/orders/{id}`), which takes no POST.
    assert_eq!(resp.status().as_u16(), 405);
    let tables = worker().query("SELECT name FROM sqlite_master WHERE name = 'draft_orders'");
    assert!(tables.is_empty(), "{tables:?}");
}

#[tokio::test]
async fn each_invalid_field_gets_422_with_its_code_and_nothing_is_stored() {
    let cases: &[(&str, Value, &str, &str)] = &[
        ("product_id", json!("9999"), "product_id", "unknown_product"),
        ("name", json!("张3"), "name", "name_chars"),
        ("name", json!(""), "name", "required"),
        ("mobile", json!("15412345678"), "mobile", "mobile_prefix"),
        ("mobile", json!("1381234567"), "mobile", "mobile_format"),
        (
            "id_number",
            json!("110101200007282907"),
            "id_number",
            "id_checksum",
        ),
        (
            "id_number",
            json!("11010120000728290"),
            "id_number",
            "id_length",
        ),
        (
            "id_number",
            json!("100101200007282906"),
            "id_number",
            "id_province",
        ),
        (
            "id_number",
            json!("11010519491231002X"),
            "id_number",
            "id_age",
        ),
        ("district", json!("朝阳区"), "region", "region_district"),
        ("city", json!("北京市"), "region", "region_city"),
        ("address", json!("先锋大楼"), "address", "address_too_short"),
        (
            "address",
            json!("<b>先锋大楼3单元</b>"),
            "address",
            "address_chars",
        ),
    ];
    for (i, (key, value, field, code)) in cases.iter().enumerate() {
        let mut body = good();
        body[*key] = value.clone();
        let (status, reply) = post_keyed(&body, &format!("invalid-field-{i:03}")).await;
        assert_eq!(status, 422, "{key}={value}: {reply}");
        assert_eq!(reply["error"], "validation");
        let fields = reply["fields"].as_array().expect("fields");
        assert_eq!(fields.len(), 1, "{key}={value}: {reply}");
        assert_eq!(fields[0]["field"], *field, "{reply}");
        assert_eq!(fields[0]["code"], *code, "{reply}");
        assert!(!fields[0]["message_zh"].as_str().unwrap_or("").is_empty());
        assert!(!fields[0]["message_en"].as_str().unwrap_or("").is_empty());
    }
    assert_eq!(
        orders_count("invalid-field-"),
        0,
        "a refused order stores nothing"
    );
}

#[tokio::test]
async fn malformed_and_oversized_bodies_get_json_errors() {
    let client = reqwest::Client::new();
    let url = format!("{}/api/orders", worker().url());
    let resp = client
        .post(&url)
        .header("Idempotency-Key", key())
        .body("not json")
        .send()
        .await
        .expect("post");
    assert_eq!(resp.status().as_u16(), 400);
    let body: Value = resp.json().await.expect("json");
    assert_eq!(body["error"], "bad_request");
    let resp = client
        .post(&url)
        .header("Idempotency-Key", key())
        .body(vec![b' '; 20_000])
        .send()
        .await
        .expect("post");
    assert_eq!(resp.status().as_u16(), 413);
    // The same without Content-Length (chunked): refused once the cap is passed, not read whole.
    let chunks: Vec<Result<Vec<u8>, std::io::Error>> =
        (0..64).map(|_| Ok(vec![b' '; 8192])).collect();
    let resp = client
        .post(&url)
        .header("Idempotency-Key", key())
        .body(reqwest::Body::wrap_stream(futures_util::stream::iter(
            chunks,
        )))
        .send()
        .await
        .expect("post chunked");
    assert_eq!(resp.status().as_u16(), 413);
    let resp = client.get(&url).send().await.expect("get");
    assert_eq!(resp.status().as_u16(), 405);
}

#[tokio::test]
async fn every_api_answer_carries_the_security_headers() {
    let client = reqwest::Client::new();
    let answers = [
        client
            .get(format!("{}/api/health", worker().url()))
            .send()
            .await
            .expect("health"),
        client
            .get(format!("{}/api/no/such", worker().url()))
            .send()
            .await
            .expect("404"),
        client
            .post(format!("{}/api/orders", worker().url()))
            .body("x")
            .send()
            .await
            .expect("400"),
    ];
    for resp in answers {
        let h = resp.headers();
        let get = |n: &str| {
            h.get(n)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("")
                .to_owned()
        };
        assert_eq!(get("cache-control"), "no-store", "{h:?}");
        assert_eq!(get("x-content-type-options"), "nosniff", "{h:?}");
        assert_eq!(get("referrer-policy"), "no-referrer", "{h:?}");
        assert!(
            get("strict-transport-security").starts_with("max-age="),
            "{h:?}"
        );
        assert!(
            get("content-security-policy").contains("frame-ancestors 'self'"),
            "{h:?}"
        );
    }
}

#[tokio::test]
async fn unknown_api_paths_get_json_404() {
    let resp = reqwest::get(format!("{}/api/no/such/thing", worker().url()))
        .await
        .expect("get");
    assert_eq!(resp.status().as_u16(), 404);
    assert!(
        resp.headers()["content-type"]
            .to_str()
            .unwrap_or("")
            .starts_with("application/json")
    );
    let body: Value = resp.json().await.expect("json");
    assert_eq!(body["error"], "not_found");
    assert!(!body["message_zh"].as_str().unwrap_or("").is_empty());
}

/// Open `path` as a browser navigation would.
async fn navigate(path: &str) -> reqwest::Response {
    reqwest::Client::new()
        .get(format!("{}{path}", worker().url()))
        .header("accept", "text/html")
        .header("sec-fetch-mode", "navigate")
        .send()
        .await
        .expect("get")
}

#[tokio::test]
async fn other_paths_get_the_spa() {
    for path in ["/", "/orders/anything", "/some/deep/link"] {
        let resp = navigate(path).await;
        assert_eq!(resp.status().as_u16(), 200, "{path}");
        let html = resp.text().await.expect("text");
        assert!(
            html.contains("haoka-frontend") && html.contains("<title>号卡"),
            "{path}: {html}"
        );
    }
}

/// The sha256 CSP source of each inline start-up script in a page.
fn inline_script_hashes(html: &str) -> Vec<String> {
    use base64::Engine as _;
    use sha2::Digest as _;
    html.split("<script type=module>")
        .skip(1)
        .filter_map(|rest| rest.split_once("</script>").map(|(script, _)| script))
        .map(|script| {
            let digest = sha2::Sha256::digest(script.as_bytes());
            format!(
                "'sha256-{}'",
                base64::engine::general_purpose::STANDARD.encode(digest)
            )
        })
        .collect()
}

#[tokio::test]
async fn pages_carry_a_csp_that_allows_their_own_start_up_script_and_no_other() {
    for (path, marker) in [
        ("/", "haoka-frontend"),
        ("/orders/anything", "haoka-frontend"),
        ("/capture/?photos=face", "haoka-capture"),
        ("/console/", "haoka-console"),
    ] {
        let resp = navigate(path).await;
        assert_eq!(resp.status().as_u16(), 200, "{path}");
        let header = |name: &str| {
            resp.headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_owned()
        };
        let csp = header("content-security-policy");
        let permissions = header("permissions-policy");
        assert_eq!(header("x-content-type-options"), "nosniff", "{path}");
        let html = resp.text().await.expect("text");
        assert!(html.contains(marker), "{path}: {html}");
        let script_src = csp
            .split(';')
            .map(str::trim)
            .find(|d| d.starts_with("script-src "))
            .unwrap_or_else(|| panic!("{path}: no script-src in {csp:?}"));
        // 'self', wasm compilation, Turnstile's script, and the three apps' start-up scripts
        // (order form, capture page, console): nothing else runs.
        let sources: Vec<&str> = script_src.split_whitespace().skip(1).collect();
        assert_eq!(
            sources[..3],
            [
                "'self'",
                "'wasm-unsafe-eval'",
                "https://challenges.cloudflare.com"
            ],
            "{path}"
        );
        assert_eq!(sources.len(), 6, "{path}: {script_src}");
        assert!(
            csp.contains("frame-src 'self' https://challenges.cloudflare.com"),
            "{path}: {csp}"
        );
        for hash in inline_script_hashes(&html) {
            assert!(
                sources.contains(&hash.as_str()),
                "{path}: {hash} not in {script_src}"
            );
        }
        for directive in [
            "object-src 'none'",
            "frame-ancestors 'self'",
            "connect-src 'self'",
        ] {
            assert!(
                csp.contains(directive),
                "{path}: {directive} missing from {csp}"
            );
        }
        assert!(!csp.contains("unsafe-inline"), "{path}: {csp}");
        assert!(
            permissions.contains("camera=(self)"),
            "{path}: {permissions}"
        );
    }
}

/// The names of the content-hashed files a page loads (`name-<16 hex>.js|_bg.wasm|.css`).
fn hashed_files(html: &str, dir: &str) -> Vec<String> {
    let mut found = Vec::new();
    for piece in html.split(['"', '\'', ' ', '=', '>', '<', '(', ')', ',']) {
        let name = piece.rsplit('/').next().unwrap_or_default();
        let hashed = ["_bg.wasm", ".js", ".css"].iter().any(|ext| {
            name.strip_suffix(ext)
                .and_then(|stem| stem.rsplit_once('-'))
                .is_some_and(|(_, hash)| {
                    hash.len() >= 15 && hash.bytes().all(|b| b.is_ascii_hexdigit())
                })
        });
        if hashed && !found.contains(&format!("{dir}{name}")) {
            found.push(format!("{dir}{name}"));
        }
    }
    found
}

#[tokio::test]
async fn hashed_files_are_cached_for_good_pages_revalidate_and_the_icon_is_an_icon() {
    let client = reqwest::Client::new();
    for (page, dir) in [
        ("/", "/"),
        ("/console/", "/console/"),
        ("/capture/?photos=face", "/capture/"),
    ] {
        let resp = navigate(page).await;
        let cache = resp.headers()["cache-control"].to_str().unwrap().to_owned();
        assert!(!cache.contains("immutable"), "{page}: {cache}");
        let html = resp.text().await.unwrap();
        let files = hashed_files(&html, dir);
        assert!(files.len() >= 3, "{page}: {files:?}");
        for file in files {
            let resp = client
                .get(format!("{}{file}", worker().url()))
                .send()
                .await
                .unwrap();
            assert_eq!(resp.status().as_u16(), 200, "{file}");
            let cache = resp.headers()["cache-control"].to_str().unwrap();
            assert!(
                cache.contains("immutable") && cache.contains("max-age=31536000"),
                "{file}: {cache}"
            );
        }
        assert!(html.contains("/favicon.svg"), "{page}");
    }
    let icon = client
        .get(format!("{}/favicon.ico", worker().url()))
        .send()
        .await
        .unwrap();
    assert_eq!(icon.status().as_u16(), 200);
    let kind = icon.headers()["content-type"].to_str().unwrap().to_owned();
    assert!(kind.starts_with("image/"), "{kind}");
    let bytes = icon.bytes().await.unwrap();
    assert_eq!(bytes[..4], [0, 0, 1, 0], "an ICO file, not the app's HTML");
    let svg = client
        .get(format!("{}/favicon.svg", worker().url()))
        .send()
        .await
        .unwrap();
    assert_eq!(svg.headers()["content-type"], "image/svg+xml");
}
