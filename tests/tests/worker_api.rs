//! The real worker in workerd, called over HTTP: drafts stored, each invalid field → 422 with
//! its code, health, SPA fallback, JSON 404s.

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)] // test helpers fail loudly

use std::{sync::OnceLock, time::Duration};

use haoka_e2e::Workerd;
use serde_json::{Value, json};

fn worker() -> &'static Workerd {
    static W: OnceLock<Workerd> = OnceLock::new();
    W.get_or_init(|| Workerd::start(&[]))
}

fn good() -> Value {
    json!({
        "product_id": "2188",
        "name": "张三",
        "mobile": "18888888336",
        "id_number": "110101200007282906",
        "province": "天津市",
        "city": "天津市",
        "district": "和平区",
        "address": "先锋大楼 3单元 201",
    })
}

async fn post(body: &Value) -> (u16, Value) {
    let resp = reqwest::Client::new()
        .post(format!("{}/api/orders/draft", worker().url()))
        .json(body)
        .send()
        .await
        .expect("POST draft");
    let status = resp.status().as_u16();
    (status, resp.json().await.expect("JSON body"))
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
async fn valid_draft_is_stored_with_an_id() {
    let (status, body) = post(&good()).await;
    assert_eq!(status, 201, "{body}");
    let id = body["draft_id"].as_str().expect("draft_id");
    assert!(
        id.starts_with("DR") && haoka_shared::ids::is_valid_id(id),
        "{id}"
    );
    // A second identical draft gets a different id.
    let (_, again) = post(&good()).await;
    assert_ne!(again["draft_id"], body["draft_id"]);
    // The log masks PII.
    let log = worker()
        .server
        .wait_log(&format!("draft stored id={id}"), Duration::from_secs(10));
    assert!(
        log.contains("188****8336") && !log.contains("18888888336"),
        "{log}"
    );
    assert!(!log.contains("110101200007282906"), "{log}");
}

#[tokio::test]
async fn stored_draft_holds_the_normalised_values() {
    // An ID number whose check character is X, typed in lower case with spaces around.
    let body17 = (0..1000)
        .map(|seq| format!("12010119900101{seq:03}"))
        .find(|b| haoka_shared::idcard::check_char(b) == Some('X'))
        .expect("some sequence gives X");
    let mut draft = good();
    draft["id_number"] = json!(format!(" {body17}x "));
    draft["name"] = json!(" 阿依古丽•买买提 ");
    draft["address"] = json!("  先锋大楼   3单元 ");
    let (status, reply) = post(&draft).await;
    assert_eq!(status, 201, "{reply}");
    let id = reply["draft_id"].as_str().expect("id");
    let rows = worker().query(&format!(
        "SELECT name, mobile, id_number, order_province, address, status FROM draft_orders WHERE id = '{id}'"
    ));
    assert_eq!(rows.len(), 1, "{rows:?}");
    let row = &rows[0];
    assert_eq!(row["id_number"], format!("{body17}X"));
    assert_eq!(row["name"], "阿依古丽·买买提");
    assert_eq!(row["order_province"], "天津市 天津市 和平区");
    assert_eq!(row["address"], "先锋大楼 3单元");
    assert_eq!(row["mobile"], "18888888336");
    assert_eq!(row["status"], "draft");
    // A refused draft stores nothing.
    let before = worker().query("SELECT COUNT(*) AS n FROM draft_orders")[0]["n"].clone();
    let mut bad = good();
    bad["mobile"] = json!("15412345678");
    assert_eq!(post(&bad).await.0, 422);
    assert_eq!(
        worker().query("SELECT COUNT(*) AS n FROM draft_orders")[0]["n"],
        before
    );
}

#[tokio::test]
async fn each_invalid_field_gets_422_with_its_code() {
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
    for (key, value, field, code) in cases {
        let mut body = good();
        body[*key] = value.clone();
        let (status, reply) = post(&body).await;
        assert_eq!(status, 422, "{key}={value}: {reply}");
        assert_eq!(reply["error"], "validation");
        let fields = reply["fields"].as_array().expect("fields");
        assert_eq!(fields.len(), 1, "{key}={value}: {reply}");
        assert_eq!(fields[0]["field"], *field, "{reply}");
        assert_eq!(fields[0]["code"], *code, "{reply}");
        assert!(!fields[0]["message_zh"].as_str().unwrap_or("").is_empty());
        assert!(!fields[0]["message_en"].as_str().unwrap_or("").is_empty());
    }
}

#[tokio::test]
async fn malformed_and_oversized_bodies_get_json_errors() {
    let client = reqwest::Client::new();
    let url = format!("{}/api/orders/draft", worker().url());
    let resp = client
        .post(&url)
        .body("not json")
        .send()
        .await
        .expect("post");
    assert_eq!(resp.status().as_u16(), 400);
    let body: Value = resp.json().await.expect("json");
    assert_eq!(body["error"], "bad_request");
    let resp = client
        .post(&url)
        .body(vec![b' '; 20_000])
        .send()
        .await
        .expect("post");
    assert_eq!(resp.status().as_u16(), 413);
    let resp = client.get(&url).send().await.expect("get");
    assert_eq!(resp.status().as_u16(), 405);
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
        // 'self', wasm compilation, and the three apps' start-up scripts (order form, capture
        // page, console): nothing else runs.
        let sources: Vec<&str> = script_src.split_whitespace().skip(1).collect();
        assert_eq!(sources[..2], ["'self'", "'wasm-unsafe-eval'"], "{path}");
        assert_eq!(sources.len(), 5, "{path}: {script_src}");
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
