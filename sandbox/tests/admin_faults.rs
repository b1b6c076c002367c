//! Faults on demand, the admin API, and its absence without `--admin`.
#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)]

mod common;

use std::time::{Duration, Instant};

use common::*;
use haoka_sandbox::Config;
use serde_json::{Value, json};

async fn namecheck(s: &Sbx) -> reqwest::Result<reqwest::Response> {
    namecheck_as(s, &oid()).await
}

/// A namecheck with this `order_id`.
async fn namecheck_as(s: &Sbx, order_id: &str) -> reqwest::Result<reqwest::Response> {
    let form = signed(
        &s.shared.config,
        order_id,
        &[
            ("full_name", "张三"),
            ("id_number", "110101200007282906"),
            ("source_channel", "1"),
        ],
    );
    s.http
        .post(format!("{}/api/realme/v4/trade/namecheck", s.url))
        .form(&form)
        .send()
        .await
}

#[tokio::test]
async fn admin_api_is_off_without_the_flag() {
    let s = start(Config {
        admin: false,
        ..test_config()
    })
    .await;
    for path in ["/__sandbox/requests", "/__sandbox/health"] {
        let resp = s.http.get(format!("{}{path}", s.url)).send().await.unwrap();
        assert_eq!(resp.status().as_u16(), 404, "{path}");
    }
    let resp = s
        .http
        .post(format!("{}/__sandbox/reset", s.url))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 404);
}

#[tokio::test]
async fn each_fault_mode() {
    let s = start(test_config()).await;
    let prefix = "/api/realme/v4/trade/namecheck";

    s.admin_post(
        "/faults",
        json!({ "path_prefix": prefix, "mode": "error", "count": 2, "status": 503 }),
    )
    .await;
    assert_eq!(namecheck(&s).await.unwrap().status().as_u16(), 503);
    assert_eq!(namecheck(&s).await.unwrap().status().as_u16(), 503);
    assert_eq!(
        namecheck(&s).await.unwrap().status().as_u16(),
        200,
        "count runs out"
    );

    s.admin_post(
        "/faults",
        json!({ "path_prefix": prefix, "mode": "garbage" }),
    )
    .await;
    let resp = namecheck(&s).await.unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    assert!(resp.json::<Value>().await.is_err(), "garbage is not JSON");

    s.admin_post("/faults", json!({ "path_prefix": prefix, "mode": "close" }))
        .await;
    let err = namecheck(&s).await.expect_err("closed without a response");
    assert!(!err.is_timeout());

    // lose_reply does the work (the order id is now taken: a repeat answers 90104), then
    // closes unanswered.
    s.admin_post(
        "/faults",
        json!({ "path_prefix": prefix, "mode": "lose_reply" }),
    )
    .await;
    let order_id = oid();
    namecheck_as(&s, &order_id)
        .await
        .expect_err("processed, then closed without a response");
    let again: Value = namecheck_as(&s, &order_id)
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(again["return_code"], "90104", "{again}");

    s.admin_post(
        "/faults",
        json!({ "path_prefix": prefix, "mode": "slow", "delay_ms": 600 }),
    )
    .await;
    let t = Instant::now();
    assert_eq!(namecheck(&s).await.unwrap().status().as_u16(), 200);
    assert!(
        t.elapsed() >= Duration::from_millis(600),
        "{:?}",
        t.elapsed()
    );

    // Faults apply by path prefix only.
    s.admin_post(
        "/faults",
        json!({ "path_prefix": "/order/", "mode": "error" }),
    )
    .await;
    assert_eq!(namecheck(&s).await.unwrap().status().as_u16(), 200);
    assert_eq!(s.admin_get("/faults").await.as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn withheld_callback_waits_until_fired() {
    let s = start(test_config()).await;
    let rx = receiver().await;
    s.admin_post("/faults", json!({ "path_prefix": "/api/realme/v4/trade/staticfacecheck", "mode": "withhold_callback" })).await;
    let pic = b64(&jpeg(""));
    let form = signed(
        &s.shared.config,
        &oid(),
        &[
            ("full_name", "张三"),
            ("id_number", "110101200007282906"),
            ("video_pic", &pic),
            ("source_channel", "1"),
            ("mer_bg_url", &rx.url),
        ],
    );
    assert_eq!(
        s.realme("v4/trade/staticfacecheck", &form).await.1["return_code"],
        "10001"
    );
    assert!(
        rx.silent_for(Duration::from_millis(900)).await,
        "withheld past its due time"
    );
    assert_eq!(
        s.admin_get("/callbacks").await["pending"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    let fired = s.admin_post("/callbacks/fire", Value::Null).await;
    assert_eq!(fired["fired"], 1);
    assert_eq!(field(&rx.next().await, "resp_code"), "00");
}

#[tokio::test]
async fn requests_are_recorded_and_reset_forgets() {
    let s = start(test_config()).await;
    namecheck(&s).await.unwrap();
    let reqs = s.admin_get("/requests?path=/api/realme").await;
    assert_eq!(reqs.as_array().unwrap().len(), 1);
    assert_eq!(reqs[0]["method"], "POST");
    assert!(
        reqs[0]["content_type"]
            .as_str()
            .unwrap()
            .starts_with("application/x-www-form-urlencoded")
    );
    assert!(
        reqs[0]["fields"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f[0] == "full_name" && f[1] == "张三")
    );
    s.admin_post("/reset", Value::Null).await;
    assert_eq!(s.admin_get("/requests").await.as_array().unwrap().len(), 0);
}
