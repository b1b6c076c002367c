//! Orders reach the vendor: the real worker in workerd against the upstream sandbox. Each
//! journey waits (bounded) on the order's status, then checks what the sandbox received (its
//! admin request log and order list) and what the worker stored (local D1 and R2).

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)] // test helpers fail loudly

use std::{
    sync::OnceLock,
    time::{Duration, Instant, SystemTime, UNIX_EPOCH},
};

use haoka_e2e::{Face, Stack, client_within, json_of, order_json};
use serde_json::{Value, json};

/// One stack for the journeys that do not arm faults (faults are per path, so the fault
/// journeys get their own stack below).
fn stack() -> &'static Stack {
    static S: OnceLock<Stack> = OnceLock::new();
    S.get_or_init(|| Stack::start(&[("LOOKUPS_PER_MINUTE", "5".into())], 600))
}

/// A valid ID number born 2000-07-28 (26: fits both products), distinct per `seq`.
fn id_number(seq: u32) -> String {
    haoka_e2e::id_number("20000728", seq)
}

fn order(product: &str, name: &str, seq: u32, address: &str) -> Value {
    order_json(product, name, &id_number(seq), address)
}

/// A small JPEG (magic bytes, a comment, the end marker) distinct per `tag`.
fn jpeg(tag: &str) -> Vec<u8> {
    let mut b = vec![0xFF, 0xD8, 0xFF, 0xFE, 0x00, 0x10];
    b.extend_from_slice(format!("haoka test {tag:>4}").as_bytes());
    b.extend_from_slice(&[0xFF, 0xD9]);
    b
}

fn photos() -> [Vec<u8>; 3] {
    [jpeg("face"), jpeg("back"), jpeg("hand")]
}

fn client() -> reqwest::Client {
    client_within(Duration::from_secs(30))
}

async fn submit(s: &Stack, key: &str, body: &Value, photos: Option<&[Vec<u8>; 3]>) -> (u16, Value) {
    let req = client()
        .post(format!("{}/api/orders", s.worker.url()))
        .header("Idempotency-Key", key);
    let req = match photos {
        None => req.json(body),
        Some(p) => req.multipart(photo_form(
            reqwest::multipart::Form::new().text("order", body.to_string()),
            p.clone(),
        )),
    };
    // A multipart form cannot be cloned, so it is sent once; a JSON submit is resent (same
    // key) when the dev server restarted under it (see `haoka_e2e::send_retrying`).
    match photos {
        None => {
            let make = || {
                client()
                    .post(format!("{}/api/orders", s.worker.url()))
                    .header("Idempotency-Key", key)
                    .json(body)
            };
            json_of(haoka_e2e::send_retrying(make).await).await
        }
        Some(_) => json_of(req.send().await.expect("POST /api/orders")).await,
    }
}

/// `form` with the parts `face`, `back`, `hand` (named `.jpg` whatever the bytes are: the edge
/// goes by content).
fn photo_form(form: reqwest::multipart::Form, photos: [Vec<u8>; 3]) -> reqwest::multipart::Form {
    ["face", "back", "hand"]
        .into_iter()
        .zip(photos)
        .fold(form, |form, (name, bytes)| {
            let part = reqwest::multipart::Part::bytes(bytes)
                .file_name(format!("{name}.jpg"))
                .mime_str("image/jpeg")
                .expect("mime");
            form.part(name, part)
        })
}

/// `POST /api/orders/{id}/photos?token=…` with these three photos.
async fn send_photos(s: &Stack, id: &str, token: &str, photos: [Vec<u8>; 3]) -> (u16, Value) {
    let form = photo_form(reqwest::multipart::Form::new(), photos);
    json_of(
        client()
            .post(format!(
                "{}/api/orders/{id}/photos?token={token}",
                s.worker.url()
            ))
            .multipart(form)
            .send()
            .await
            .expect("POST photos"),
    )
    .await
}

/// `POST /api/precheck` for this person.
async fn precheck(s: &Stack, product: &str, name: &str, seq: u32) -> (u16, Value) {
    let ask = json!({"product_id": product, "name": name, "id_number": id_number(seq), "mobile": "18888888336"});
    json_of(
        client()
            .post(format!("{}/api/precheck", s.worker.url()))
            .json(&ask)
            .send()
            .await
            .expect("POST /api/precheck"),
    )
    .await
}

async fn status(s: &Stack, id: &str, token: &str) -> Value {
    let resp = client()
        .get(format!("{}/api/orders/{id}?token={token}", s.worker.url()))
        .send()
        .await
        .expect("GET order");
    let (code, body) = json_of(resp).await;
    assert_eq!(code, 200, "{body}");
    body
}

/// Wait (bounded) until the order is in `want`; returns its view.
async fn wait_state(s: &Stack, accepted: &Value, want: &str, within: Duration) -> Value {
    let id = accepted["order_id"].as_str().expect("order_id");
    let token = accepted["token"].as_str().expect("token");
    let deadline = Instant::now() + within;
    loop {
        let v = status(s, id, token).await;
        if v["state"] == want {
            return v;
        }
        assert!(
            Instant::now() < deadline,
            "order {id} did not reach {want} within {within:?}; last view {v}\nworker log:\n{}",
            s.worker.server.log_text()
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

fn states(view: &Value) -> Vec<String> {
    view["timeline"]
        .as_array()
        .expect("timeline")
        .iter()
        .map(|e| e["state"].as_str().unwrap_or("").to_owned())
        .collect()
}

/// The sandbox's orders with this `api_xid`.
async fn vendor_orders(s: &Stack, api_xid: &str) -> Vec<Value> {
    s.sandbox_get("orders")
        .await
        .as_array()
        .expect("orders")
        .iter()
        .filter(|o| o["api_xid"] == api_xid)
        .cloned()
        .collect()
}

fn api_xid(s: &Stack, order_id: &str) -> String {
    let rows = s.worker.query(&format!(
        "SELECT api_xid FROM orders WHERE id = '{order_id}'"
    ));
    rows[0]["api_xid"].as_str().expect("api_xid").to_owned()
}

#[tokio::test]
async fn a_product_without_photos_ships_on_the_vendors_callbacks() {
    let s = stack();
    let started = Instant::now();
    let (code, accepted) = submit(
        s,
        "journey-plain-0001",
        &order("2188", "张三", 1, "先锋大楼 3单元 201"),
        None,
    )
    .await;
    assert_eq!(code, 201, "{accepted}");
    assert_eq!(accepted["state"], "received");
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "submit waited on the vendor"
    );
    let shipped = wait_state(s, &accepted, "shipped", Duration::from_secs(40)).await;
    assert_eq!(
        states(&shipped),
        ["received", "sending", "submitted", "reviewing", "shipped"]
    );
    assert_eq!(shipped["express"], "顺丰速运");
    assert!(
        shipped["express_no"]
            .as_str()
            .unwrap_or("")
            .starts_with("SF"),
        "{shipped}"
    );
    // PII is masked on the status page.
    assert_eq!(shipped["name"], "张*");
    assert_eq!(shipped["mobile"], "188****8336");
    assert!(!shipped.to_string().contains(&id_number(1)));
    let xid = api_xid(s, accepted["order_id"].as_str().unwrap());
    let at_vendor = vendor_orders(s, &xid).await;
    assert_eq!(at_vendor.len(), 1, "{at_vendor:?}");
    // PII is sealed at rest: the row holds no plain name, mobile or ID number.
    let row = &s.worker.query(&format!(
        "SELECT name_enc, mobile_enc, id_number_enc, id_hash FROM orders WHERE api_xid = '{xid}'"
    ))[0];
    let raw = row.to_string();
    assert!(
        !raw.contains("张三") && !raw.contains("18888888336") && !raw.contains(&id_number(1)),
        "{raw}"
    );
    assert!(
        row["name_enc"].as_str().unwrap().starts_with("v2.e2e1."),
        "{raw}"
    );
    // Consent is recorded: which notice, and when.
    let consent = &s.worker.query(&format!(
        "SELECT consent_version, consent_at_ms FROM orders WHERE api_xid = '{xid}'"
    ))[0];
    assert_eq!(
        consent["consent_version"],
        haoka_shared::consent::NOTICE_VERSION
    );
    assert!(
        consent["consent_at_ms"].as_i64().unwrap_or(0) > 0,
        "{consent}"
    );
    // An order agreed under another version of the notice is refused.
    let mut stale = order("2188", "张三", 40, "先锋大楼 3单元 240");
    stale["consent_version"] = json!("2020-01-01");
    let (code, err) = submit(s, "journey-stale-consent", &stale, None).await;
    assert_eq!(code, 422, "{err}");
    assert_eq!(err["fields"][0]["field"], "consent");
    // Every transition is an event with its source.
    let events = s.worker.query(&format!(
        "SELECT source, from_state, to_state FROM order_events WHERE order_id = '{}' ORDER BY seq",
        accepted["order_id"].as_str().unwrap()
    ));
    let sources: Vec<&str> = events
        .iter()
        .map(|e| e["source"].as_str().unwrap())
        .collect();
    assert_eq!(
        sources,
        [
            "customer",
            "vendor_reply",
            "vendor_reply",
            "callback",
            "callback"
        ]
    );
}

#[tokio::test]
async fn three_photos_travel_as_multipart_and_leave_r2_once_the_vendor_has_them() {
    let s = stack();
    let (code, accepted) = submit(
        s,
        "journey-photos-0002",
        &order("2201", "张三", 2, "先锋大楼 3单元 202"),
        Some(&photos()),
    )
    .await;
    assert_eq!(code, 201, "{accepted}");
    let id = accepted["order_id"].as_str().unwrap().to_owned();
    let shipped = wait_state(s, &accepted, "shipped", Duration::from_secs(40)).await;
    assert!(
        !states(&shipped).contains(&"awaiting_photos".to_owned()),
        "{shipped}"
    );
    let xid = api_xid(s, &id);
    let pushes = s
        .sandbox_requests("/order/api/haoteam/pushorder", &xid)
        .await;
    assert_eq!(pushes.len(), 1, "{pushes:?}");
    let fields = pushes[0].to_string();
    for part in ["face", "back", "hand"] {
        assert!(
            fields.contains(&format!("\"{part}\"")),
            "{part} missing: {fields}"
        );
    }
    assert_eq!(vendor_orders(s, &xid).await[0]["photos"], true);
    for part in ["face", "back", "hand"] {
        assert!(
            !s.worker.r2_has(&format!("orders/{id}/{part}")),
            "{part} still in R2"
        );
    }
}

/// A submit with the three photos and a `quality` part.
async fn submit_flagged(s: &Stack, key: &str, body: &Value, quality: &str) -> (u16, Value) {
    let form = reqwest::multipart::Form::new()
        .text("order", body.to_string())
        .text("quality", quality.to_owned());
    let req = client()
        .post(format!("{}/api/orders", s.worker.url()))
        .header("Idempotency-Key", key)
        .multipart(photo_form(form, photos()));
    json_of(req.send().await.expect("POST /api/orders")).await
}

#[tokio::test]
async fn photos_kept_despite_their_problems_are_flagged_for_the_operator() {
    let s = stack();
    // Not a flag list: refused as a whole, nothing stored.
    let (code, body) = submit_flagged(
        s,
        "flags-bad-000041",
        &order("2201", "张三", 41, "先锋大楼 3单元 241"),
        r#"[{"slot":"id_face","problems":["smudged"],"retakes":2}]"#,
    )
    .await;
    assert_eq!(code, 400, "{body}");
    // Other tests share this stack and insert meanwhile: count this key's orders only.
    let stored = s
        .worker
        .query("SELECT count(*) AS n FROM orders WHERE idempotency_key = 'flags-bad-000041'");
    assert_eq!(stored[0]["n"], 0);
    // Kept flags are normalised (one per slot, each problem once) and shown to the operator.
    let quality = r#"[{"slot":"id_back","problems":["glare","blurry","glare"],"retakes":2},
        {"slot":"portrait","problems":[],"retakes":3}]"#;
    let (code, accepted) = submit_flagged(
        s,
        "flags-good-000042",
        &order("2201", "张三", 42, "先锋大楼 3单元 242"),
        quality,
    )
    .await;
    assert_eq!(code, 201, "{accepted}");
    let id = accepted["order_id"].as_str().unwrap();
    let (code, list) = s.admin("/api/admin/orders", None).await;
    assert_eq!(code, 200, "{list}");
    let row = list
        .as_array()
        .or_else(|| list["orders"].as_array())
        .and_then(|rows| rows.iter().find(|r| r["order_id"] == id))
        .cloned()
        .unwrap_or_else(|| panic!("{id} not listed: {list}"));
    assert_eq!(
        row["photo_flags"],
        json!([{"slot": "id_back", "problems": ["blurry", "glare"], "retakes": 2}]),
        "{row}"
    );
}

#[tokio::test]
async fn a_three_photo_order_without_photos_waits_then_getimg_sends_them() {
    let s = stack();
    let (code, accepted) = submit(
        s,
        "journey-later-00003",
        &order("2201", "张三", 3, "先锋大楼 3单元 203"),
        None,
    )
    .await;
    assert_eq!(code, 201, "{accepted}");
    let id = accepted["order_id"].as_str().unwrap().to_owned();
    let token = accepted["token"].as_str().unwrap().to_owned();
    let waiting = wait_state(s, &accepted, "awaiting_photos", Duration::from_secs(30)).await;
    assert_eq!(waiting["photos_wanted"], true);
    // A photo that is not an image is refused with a field error; nothing changes.
    let gif = b"GIF89a....".to_vec();
    let (code, body) = send_photos(s, &id, &token, [gif, jpeg("b"), jpeg("h")]).await;
    assert_eq!(code, 422, "{body}");
    assert_eq!(body["fields"][0]["field"], "photo_face");
    assert!(!s.worker.r2_has(&format!("orders/{id}/back")));
    let (code, body) = send_photos(s, &id, &token, photos()).await;
    assert_eq!(code, 200, "{body}");
    let shipped = wait_state(s, &accepted, "shipped", Duration::from_secs(40)).await;
    let seen = states(&shipped);
    let at = |st: &str| {
        seen.iter()
            .position(|x| x == st)
            .unwrap_or_else(|| panic!("{st} not in {seen:?}"))
    };
    assert!(
        at("awaiting_photos") < at("submitted") && at("submitted") < at("reviewing"),
        "{seen:?}"
    );
    let xid = api_xid(s, &id);
    let apiorder = vendor_orders(s, &xid).await[0]["apiorder"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        s.sandbox_calls("/order/api/haoteam/getimg", &apiorder)
            .await,
        1
    );
    assert!(!s.worker.r2_has(&format!("orders/{id}/face")));
}

#[tokio::test]
async fn a_vendor_rejection_ends_in_plain_words() {
    let s = stack();
    let (code, accepted) = submit(
        s,
        "journey-remote-0004",
        &order("2188", "张三", 4, "偏远山区 3单元 204"),
        None,
    )
    .await;
    assert_eq!(code, 201, "{accepted}");
    let rejected = wait_state(s, &accepted, "rejected", Duration::from_secs(40)).await;
    assert_eq!(rejected["reason"]["code"], "address");
    let words = rejected["reason"]["message_zh"].as_str().unwrap();
    assert!(
        words.contains("配送范围") && !words.contains("收货地址不在配送范围"),
        "{words}"
    );
}

#[tokio::test]
async fn twenty_concurrent_submits_with_one_key_make_one_order_and_one_pushorder() {
    let s = stack();
    let body = order("2188", "张三", 5, "先锋大楼 3单元 205");
    let runs = (0..20).map(|_| submit(s, "journey-twenty-0005", &body, None));
    let answers = futures_util::future::join_all(runs).await;
    let ids: std::collections::BTreeSet<String> = answers
        .iter()
        .map(|(code, v)| {
            assert!(*code == 201 || *code == 200, "{code} {v}");
            v["order_id"].as_str().unwrap().to_owned()
        })
        .collect();
    assert_eq!(ids.len(), 1, "{answers:?}");
    assert_eq!(answers.iter().filter(|(c, _)| *c == 201).count(), 1);
    let accepted = &answers[0].1;
    wait_state(s, accepted, "shipped", Duration::from_secs(40)).await;
    let xid = api_xid(s, accepted["order_id"].as_str().unwrap());
    assert_eq!(
        s.sandbox_calls("/order/api/haoteam/pushorder", &xid).await,
        1
    );
    // The same key with a different body is refused and stores nothing.
    let mut other = body.clone();
    other["address"] = json!("先锋大楼 9单元 999");
    let (code, err) = submit(s, "journey-twenty-0005", &other, None).await;
    assert_eq!(
        (code, err["error"].as_str()),
        (422, Some("idempotency_mismatch"))
    );
}

#[tokio::test]
async fn a_precheck_mismatch_says_what_to_check_and_sends_nothing() {
    let s = stack();
    let (code, reply) = precheck(s, "2188", "李四", 6).await;
    assert_eq!(code, 200, "{reply}");
    assert_eq!(reply["result"], "mismatch");
    let fields: Vec<&str> = reply["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["name", "id_number"]);
    assert!(
        !reply.to_string().contains("认证不一致"),
        "vendor text leaked: {reply}"
    );
    // Placed anyway, the order ends in check_failed and Xingguang never hears of it.
    let (code, accepted) = submit(
        s,
        "journey-mismatch-06",
        &order("2188", "李四", 6, "先锋大楼 3单元 206"),
        None,
    )
    .await;
    assert_eq!(code, 201, "{accepted}");
    let failed = wait_state(s, &accepted, "check_failed", Duration::from_secs(30)).await;
    assert_eq!(failed["reason"]["code"], "name_or_id");
    let xid = api_xid(s, accepted["order_id"].as_str().unwrap());
    assert!(
        s.sandbox_requests("/order/api/haoteam/pushorder", &xid)
            .await
            .is_empty()
    );
    // A passed check is reused: the second pre-check for 张三 (seq 7) calls RealMe once.
    for _ in 0..2 {
        let (_, r) = precheck(s, "2188", "张三", 7).await;
        assert_eq!(r["result"], "pass", "{r}");
    }
    assert_eq!(
        s.sandbox_calls("/api/realme/v4/trade/namecheck", &id_number(7))
            .await,
        1
    );
}

#[tokio::test]
async fn phone3_busy_fails_over_to_realme_mobilecheck() {
    let s = stack();
    let (code, reply) = precheck(s, "2201", "孙八", 8).await;
    assert_eq!(code, 200, "{reply}");
    assert_eq!(reply["result"], "pass", "{reply}");
    assert_eq!(
        s.sandbox_calls("/tech/ai/celerity/universal", &id_number(8))
            .await,
        1
    );
    assert_eq!(
        s.sandbox_calls("/api/realme/v4/trade/mobilecheck", &id_number(8))
            .await,
        1
    );
}

#[tokio::test]
async fn forged_callbacks_change_nothing_and_replays_add_no_event() {
    let s = stack();
    let (_, accepted) = submit(
        s,
        "journey-forged-0009",
        &order("2188", "张三", 9, "先锋大楼 3单元 209"),
        None,
    )
    .await;
    let id = accepted["order_id"].as_str().unwrap().to_owned();
    wait_state(s, &accepted, "shipped", Duration::from_secs(40)).await;
    let xid = api_xid(s, &id);
    let count = |sql: &str| s.worker.query(sql)[0]["n"].as_i64().unwrap();
    let callbacks_before = count(&format!(
        "SELECT COUNT(*) AS n FROM vendor_callbacks WHERE order_id = '{id}'"
    ));
    let events_before = count(&format!(
        "SELECT COUNT(*) AS n FROM order_events WHERE order_id = '{id}'"
    ));
    let forged = client()
        .post(format!(
            "{}/callbacks/xingguang/{xid}/{}",
            s.worker.url(),
            "0".repeat(64)
        ))
        .form(&[
            ("api_xid", xid.as_str()),
            ("apistatus", "审核失败"),
            ("reason", "x"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status().as_u16(), 404);
    assert_eq!(
        count(&format!(
            "SELECT COUNT(*) AS n FROM vendor_callbacks WHERE order_id = '{id}'"
        )),
        callbacks_before
    );
    // Replay what the vendor really sent (its delivery log has the URL and fields).
    let delivered = s.sandbox_get("callbacks").await["delivered"]
        .as_array()
        .unwrap()
        .clone();
    let real = delivered
        .iter()
        .find(|d| d.to_string().contains(&xid) && d.to_string().contains("审核中"))
        .expect("delivered");
    let fields: Vec<(String, String)> = real["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p[0].as_str().unwrap().to_owned(),
                p[1].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let replay = client()
        .post(real["url"].as_str().unwrap())
        .form(&fields)
        .send()
        .await
        .unwrap();
    assert_eq!(replay.status().as_u16(), 200);
    assert_eq!(
        count(&format!(
            "SELECT COUNT(*) AS n FROM vendor_callbacks WHERE order_id = '{id}'"
        )),
        callbacks_before
    );
    assert_eq!(
        count(&format!(
            "SELECT COUNT(*) AS n FROM order_events WHERE order_id = '{id}'"
        )),
        events_before
    );
    let view = status(s, &id, accepted["token"].as_str().unwrap()).await;
    assert_eq!(view["state"], "shipped");
}

#[tokio::test]
async fn lookups_limits_and_the_operator_endpoints() {
    let s = stack();
    let (_, accepted) = submit(
        s,
        "journey-lookup-0010",
        &order("2188", "张三", 10, "先锋大楼 3单元 210"),
        None,
    )
    .await;
    let id = accepted["order_id"].as_str().unwrap().to_owned();
    let lookup = |last6: String| {
        let id = id.clone();
        async move {
            json_of(
                client()
                    .post(format!("{}/api/orders/lookup", stack().worker.url()))
                    .json(&json!({"order_id": id, "id_last6": last6}))
                    .send()
                    .await
                    .unwrap(),
            )
            .await
        }
    };
    let tail: String = id_number(10).chars().skip(12).collect();
    // The lookup budget counts per clock minute (`budget::window`): start in the first 40 s
    // of one, so the seven lookups below share a window (a wait on the clock, bounded).
    let deadline = Instant::now() + Duration::from_secs(25);
    while SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_millis()
        % 60_000
        > 40_000
    {
        assert!(Instant::now() < deadline, "the minute never turned");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let (code, link) = lookup(tail.clone()).await;
    assert_eq!(code, 200, "{link}");
    assert_eq!(link["token"], accepted["token"]);
    let (code, _) = lookup("000000".into()).await;
    assert_eq!(code, 404);
    // LOOKUPS_PER_MINUTE = 5 for this stack: the 6th and later in the minute are refused
    // (this test is the only one that looks up).
    let mut codes = Vec::new();
    for _ in 0..5 {
        codes.push(lookup(tail.clone()).await.0);
    }
    assert!(codes.contains(&429), "{codes:?}");
    // (A second open order for the same person is refused: `races.rs` shows it on a stack whose
    // vendor never ships. Here the sandbox ships in 1.2 s, which frees the limit, as it should.)
    // Operators: the bearer token is required; lists mask PII.
    let unauthorised = format!("{}/api/admin/orders?state=", s.worker.url());
    assert_eq!(
        client()
            .get(&unauthorised)
            .send()
            .await
            .unwrap()
            .status()
            .as_u16(),
        401
    );
    let (code, list) = s.admin("/api/admin/orders?state=", None).await;
    assert_eq!(code, 200, "{list}");
    let text = list.to_string();
    assert!(
        text.contains(&id) && !text.contains(&id_number(10)) && !text.contains("18888888336"),
        "{text}"
    );
}

/// Each vendor fault ends with the order not lost and exactly one order at the vendor.
#[tokio::test]
async fn vendor_faults_lose_nothing_and_duplicate_nothing() {
    // API only: its Cron trigger is fired below (see `Face::ApiOnly`).
    let s = Stack::start_face(
        &[
            ("UPSTREAM_TIMEOUT_MS", "1500".into()),
            ("SEND_BASE_DELAY_S", "1".into()),
            ("SEND_MAX_ATTEMPTS", "3".into()),
            // Photos expire at once: the cron purges them on its next run.
            ("PHOTO_RETENTION_H", "0".into()),
        ],
        600,
        Face::ApiOnly,
    );
    let arm = |fault: Value| {
        let url = format!("{}/__sandbox/faults", s.sandbox_url());
        async move {
            let r = client().post(url).json(&fault).send().await.unwrap();
            assert_eq!(r.status().as_u16(), 200);
        }
    };
    let push = "/order/api/haoteam/pushorder";
    let cases: Vec<(&str, Value, &str)> = vec![
        (
            "slow",
            json!({"path_prefix": push, "mode": "slow", "delay_ms": 2500}),
            "shipped",
        ),
        (
            "error",
            json!({"path_prefix": push, "mode": "error", "status": 503}),
            "shipped",
        ),
        (
            "garbage",
            json!({"path_prefix": push, "mode": "garbage"}),
            "shipped",
        ),
        (
            "close",
            json!({"path_prefix": push, "mode": "close"}),
            "shipped",
        ),
    ];
    for (i, (name, fault, want)) in cases.into_iter().enumerate() {
        arm(fault).await;
        let seq = 20 + u32::try_from(i).unwrap();
        let (code, accepted) = submit(
            &s,
            &format!("fault-{name}-{seq:04}"),
            &order("2188", "张三", seq, "先锋大楼 3单元 301"),
            None,
        )
        .await;
        assert_eq!(code, 201, "{name}: {accepted}");
        let done = wait_state(&s, &accepted, want, Duration::from_secs(60)).await;
        let xid = api_xid(&s, accepted["order_id"].as_str().unwrap());
        let at_vendor = vendor_orders(&s, &xid).await;
        assert_eq!(at_vendor.len(), 1, "{name}: {at_vendor:?}\n{done}");
    }
    // The vendor takes the order but every answer is lost (and its callbacks are late): the
    // resends meet the vendor's silence for a repeated api_xid, the order waits in
    // unconfirmed — never failed, never resent under a new id — until the callbacks come.
    arm(json!({"path_prefix": push, "mode": "lose_reply"})).await;
    arm(json!({"path_prefix": push, "mode": "withhold_callback"})).await;
    let (_, accepted) = submit(
        &s,
        "fault-silence-0029",
        &order("2188", "张三", 29, "先锋大楼 3单元 303"),
        None,
    )
    .await;
    wait_state(&s, &accepted, "unconfirmed", Duration::from_secs(60)).await;
    let xid = api_xid(&s, accepted["order_id"].as_str().unwrap());
    assert_eq!(s.sandbox_calls(push, &xid).await, 3);
    assert_eq!(vendor_orders(&s, &xid).await.len(), 1);
    let fired = client()
        .post(format!("{}/__sandbox/callbacks/fire", s.sandbox_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(fired.status().as_u16(), 200);
    let done = wait_state(&s, &accepted, "shipped", Duration::from_secs(30)).await;
    assert!(states(&done).contains(&"unconfirmed".to_owned()), "{done}");
    // RealMe down: the order waits in checking and is retried, not refused.
    arm(json!({"path_prefix": "/api/realme/v4/trade/namecheck", "mode": "error", "status": 502, "count": 2})).await;
    let (_, accepted) = submit(
        &s,
        "fault-checking-0031",
        &order("2188", "张三", 31, "先锋大楼 3单元 304"),
        None,
    )
    .await;
    let done = wait_state(&s, &accepted, "shipped", Duration::from_secs(60)).await;
    assert_eq!(
        states(&done)[..3],
        ["received", "checking", "sending"],
        "{done}"
    );
    // A withheld callback leaves the order submitted until the vendor speaks.
    arm(json!({"path_prefix": push, "mode": "withhold_callback"})).await;
    let (_, accepted) = submit(
        &s,
        "fault-withheld-0030",
        &order("2188", "张三", 30, "先锋大楼 3单元 302"),
        None,
    )
    .await;
    wait_state(&s, &accepted, "submitted", Duration::from_secs(30)).await;
    // A day passes on the edge's clock and the reconciler runs: nothing moves it either.
    s.move_clock(86_400_000).await;
    let (code, body) = s.fire_cron().await;
    assert_eq!(code, 200, "{body}");
    assert_eq!(
        status(
            &s,
            accepted["order_id"].as_str().unwrap(),
            accepted["token"].as_str().unwrap()
        )
        .await["state"],
        "submitted"
    );
    let fired = client()
        .post(format!("{}/__sandbox/callbacks/fire", s.sandbox_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(fired.status().as_u16(), 200);
    wait_state(&s, &accepted, "shipped", Duration::from_secs(30)).await;

    // The cron: with the vendor down for good, a 三照 order's photos are purged when their
    // retention ends, and the order (due again) is re-enqueued; once the vendor is back it
    // goes without photos and waits for new ones.
    arm(json!({"path_prefix": push, "mode": "error", "count": 3})).await;
    let (_, accepted) = submit(
        &s,
        "fault-purge-000032",
        &order("2201", "张三", 32, "先锋大楼 3单元 305"),
        Some(&photos()),
    )
    .await;
    let id = accepted["order_id"].as_str().unwrap().to_owned();
    wait_state(&s, &accepted, "unconfirmed", Duration::from_secs(60)).await;
    assert!(s.worker.r2_has(&format!("orders/{id}/face")));
    // The Cron trigger, fired as Cloudflare's scheduler does: the reconciler purges them.
    let (code, body) = s.fire_cron().await;
    assert_eq!(code, 200, "{body}");
    s.worker
        .server
        .wait_log("1 photo sets purged", Duration::from_secs(10));
    assert!(!s.worker.r2_has(&format!("orders/{id}/face")));
    // The operator's pass finds nothing left to purge.
    let (code, report) = s.admin("/api/admin/reconcile", Some(json!({}))).await;
    assert_eq!(code, 200, "{report}");
    assert_eq!(report["photos_purged"], 0, "{report}");
    assert_eq!(
        s.worker
            .query(&format!("SELECT photos FROM orders WHERE id = '{id}'"))[0]["photos"],
        0
    );
    // An operator resends it (same api_xid); the vendor takes it and asks for photos.
    let (code, settled) = s
        .admin(
            &format!("/api/admin/orders/{id}/settle"),
            Some(json!({"action": "resend"})),
        )
        .await;
    assert_eq!(code, 200, "{settled}");
    let waiting = wait_state(&s, &accepted, "awaiting_photos", Duration::from_secs(30)).await;
    assert_eq!(waiting["photos_wanted"], true);
    let xid = api_xid(&s, &id);
    assert_eq!(vendor_orders(&s, &xid).await.len(), 1);
}
