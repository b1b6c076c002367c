//! Phone three-factor: token, request shape, every documented result code.
#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)]

mod common;

use common::*;
use serde_json::{Value, json};

async fn verify(s: &Sbx, token: &str, body: Value) -> Value {
    s.http
        .post(format!("{}/tech/ai/celerity/universal", s.url))
        .header("Authorization", token)
        .json(&body)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

fn req(name: &str, id: &str, phone: &str) -> Value {
    json!({ "buscode": "PhoneVerification", "group": "real", "data": { "IdCard": id, "Name": name, "Phone": phone } })
}

#[tokio::test]
async fn documented_success_shape() {
    let s = start(test_config()).await;
    let token = s.shared.config.phone3_token.clone();
    let body = verify(&s, &token, req("张三", "110101200007282906", "13800138000")).await;
    assert_eq!(body["errcode"], 0);
    assert_eq!(body["errmsg"], "SUCCESS");
    assert_eq!(body["data"]["status"], "success");
    assert!(
        body["data"]["traceNo"]
            .as_str()
            .is_some_and(|t| !t.is_empty())
    );
    let r = &body["data"]["result"]["responseJson"]["Response"];
    assert_eq!(r["Result"], "0");
    assert_eq!(r["Isp"], "移动");
    assert!(r["RequestId"].as_str().is_some_and(|t| !t.is_empty()));
    // The Authorization header is recorded as present, its value never.
    let reqs = s.admin_get("/requests").await;
    assert_eq!(reqs[0]["authorization"], true);
    assert!(!reqs.to_string().contains(&token));
}

#[tokio::test]
async fn token_and_shape_errors() {
    let s = start(test_config()).await;
    let token = s.shared.config.phone3_token.clone();
    let good = req("张三", "110101200007282906", "13800138000");
    assert_eq!(verify(&s, "wrong", good.clone()).await["errcode"], 40001);
    assert_eq!(verify(&s, "", good.clone()).await["errcode"], 40001);
    let mut no_group = good.clone();
    no_group.as_object_mut().unwrap().remove("group");
    assert_eq!(
        verify(&s, &token, no_group).await["errcode"],
        40004,
        "the vendor's example omits group; it is required"
    );
    let mut bad_bus = good.clone();
    bad_bus["buscode"] = json!("Other");
    assert_eq!(verify(&s, &token, bad_bus).await["errcode"], 40003);
    assert_eq!(
        verify(&s, &token, req("", "110101200007282906", "13800138000")).await["errcode"],
        40005
    );
    let resp = s
        .http
        .post(format!("{}/tech/ai/celerity/universal", s.url))
        .header("Authorization", &token)
        .body("{")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.json::<Value>().await.unwrap()["errcode"], 40002);
}

#[tokio::test]
async fn every_result_code() {
    let s = start(test_config()).await;
    let token = s.shared.config.phone3_token.clone();
    let cases = [
        (
            req("张三", "110101200007282906", "13300000000"),
            "0",
            "电信",
        ),
        (
            req("李四", "110101200007282906", "13000000000"),
            "-4",
            "联通",
        ),
        (req("张三", "110101200007282906", "15400000000"), "-6", ""),
        (
            req("张三", "110101200007282907", "13800138000"),
            "-7",
            "移动",
        ),
        (
            req("Zhang", "110101200007282906", "13800138000"),
            "-8",
            "移动",
        ),
        (
            req("钱七", "110101200007282906", "13800138000"),
            "-8",
            "移动",
        ),
        (
            req("王五", "110101200007282906", "13800138000"),
            "-9",
            "移动",
        ),
        (
            req("赵六", "110101200007282906", "13800138000"),
            "-11",
            "移动",
        ),
    ];
    for (body, result, isp) in cases {
        let reply = verify(&s, &token, body.clone()).await;
        assert_eq!(reply["errcode"], 0, "{body}");
        let r = &reply["data"]["result"]["responseJson"]["Response"];
        assert_eq!(r["Result"], result, "{body}: {reply}");
        assert_eq!(r["Isp"], isp, "{body}");
        assert!(!r["Description"].as_str().unwrap_or("").is_empty());
    }
}
