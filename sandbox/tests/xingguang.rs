//! Xingguang: the documented example, every rejection rule, duplicate silence, getimg,
//! status callbacks.
#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)]

mod common;

use common::*;
use reqwest::multipart::{Form, Part};
use serde_json::Value;

fn apipwd() -> String {
    // Computed by Python's hashlib, not by the shared code (tests/vectors).
    include_str!("../../tests/vectors/md5_local_xingguang_key.txt")
        .trim()
        .to_owned()
}

/// The vendor's documented example, with our sandbox credentials.
fn example(api_xid: &str) -> Vec<(String, String)> {
    [
        ("order_Name", "张三"),
        ("order_Phone", "18888888336"),
        ("order_IDCard", "110101200007282906"),
        ("order_Province", "天津市 天津市 和平区"),
        ("order_Address", "先锋大楼 3单元"),
        ("api_xid", api_xid),
        ("haoma", "16677667766"),
        ("pid", "2188"),
        ("apiuser", "haoka-local"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .chain([("apipwd".to_owned(), apipwd())])
    .collect()
}

async fn push(s: &Sbx, form: &[(String, String)]) -> (u16, Value) {
    let resp = s
        .http
        .post(format!("{}/order/api/haoteam/pushorder", s.url))
        .form(form)
        .send()
        .await
        .unwrap();
    (resp.status().as_u16(), resp.json().await.unwrap())
}

fn set(form: &mut [(String, String)], key: &str, value: &str) {
    form.iter_mut().find(|(k, _)| k == key).unwrap().1 = value.to_owned();
}

#[tokio::test]
async fn documented_example_is_accepted() {
    let s = start(test_config()).await;
    let (status, body) = push(&s, &example("Hm2023111015044046891")).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["code"], "200");
    assert_eq!(body["pid"], "2188");
    assert_eq!(body["apistatus"], "已提交");
    assert!(body["apiorder"].as_str().unwrap().starts_with("ZEYI"));
    assert_eq!(body["c_time"].as_str().unwrap().len(), 19);
    let reqs = s.admin_get("/requests?path=/order").await;
    let fields = reqs[0]["fields"].as_array().unwrap();
    assert!(
        fields.iter().any(|f| f[0] == "apipwd" && f[1] == "<md5>"),
        "apipwd not kept: {fields:?}"
    );
}

#[tokio::test]
async fn every_rejection_rule() {
    let s = start(test_config()).await;
    let cases: &[(&str, &str, u16, &str)] = &[
        ("apiuser", "someone-else", 401, "21"),
        ("apipwd", "2c8a5b8cdd09ce8be4ce0e7ab71550e9", 401, "21"),
        ("order_Name", "", 404, "404"),
        ("order_Name", "Zhang3", 404, "404"),
        ("order_Phone", "15488888336", 404, "404"),
        ("order_Phone", "1888888833", 404, "404"),
        ("order_Phone", "+8618888888336", 404, "404"),
        ("order_IDCard", "110101200007282907", 404, "404"),
        ("order_IDCard", "11010519491231002x", 404, "404"),
        ("order_Province", "天津市,天津市,和平区", 404, "404"),
        ("order_Province", "天津市 天津市", 404, "404"),
        ("order_Province", "天津市 北京市 和平区", 404, "404"),
        ("order_Address", "先锋大楼", 404, "404"),
        ("pid", "9999", 404, "404"),
        ("api_xid", "bad-xid!", 404, "404"),
        ("haoma", "154", 404, "404"),
    ];
    for (i, (key, value, status, code)) in cases.iter().enumerate() {
        let mut form = example(&format!("REJ{i:04}"));
        set(&mut form, key, value);
        let (got, body) = push(&s, &form).await;
        assert_eq!(got, *status, "{key}={value}: {body}");
        assert_eq!(body["code"], *code, "{key}={value}: {body}");
        assert!(
            !body["reason"].as_str().unwrap_or("").is_empty(),
            "{key}: {body}"
        );
    }
    // A refused order leaves no trace: the same api_xid can then be accepted.
    let (status, body) = push(&s, &example("REJ0002")).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (200, Some("200")),
        "{body}"
    );
}

#[tokio::test]
async fn repeated_api_xid_gets_no_answer_at_all() {
    let s = start(test_config()).await;
    let (status, _) = push(&s, &example("DUP0001")).await;
    assert_eq!(status, 200);
    let err = s
        .http
        .post(format!("{}/order/api/haoteam/pushorder", s.url))
        .form(&example("DUP0001"))
        .send()
        .await
        .expect_err("the vendor closes the connection without a response");
    assert!(!err.is_timeout(), "closed, not hung: {err}");
    // Only one order exists.
    let orders = s.admin_get("/orders").await;
    assert_eq!(orders.as_array().unwrap().len(), 1);
}

/// POST a multipart form; (HTTP status, JSON body).
async fn post_multipart(s: &Sbx, url: &str, form: Form) -> (u16, Value) {
    let resp = s.http.post(url).multipart(form).send().await.unwrap();
    (resp.status().as_u16(), resp.json().await.unwrap())
}

fn photo_form(base: Vec<(String, String)>, photos: &[(&str, Vec<u8>)]) -> Form {
    let mut form = Form::new();
    for (k, v) in base {
        form = form.text(k, v);
    }
    for (k, bytes) in photos {
        form = form.part(
            (*k).to_owned(),
            Part::bytes(bytes.clone()).file_name(format!("{k}.jpg")),
        );
    }
    form
}

#[tokio::test]
async fn photos_by_content_and_size() {
    let s = start(test_config()).await;
    let url = format!("{}/order/api/haoteam/pushorder", s.url);
    let mut base = example("PH0001");
    set(&mut base, "pid", "2201");
    let ok = photo_form(
        base.clone(),
        &[("face", jpeg("")), ("back", png()), ("hand", jpeg(""))],
    );
    let body = post_multipart(&s, &url, ok).await.1;
    assert_eq!(body["code"], "200", "{body}");

    // A GIF named .jpg is refused by content.
    set(&mut base, "api_xid", "PH0002");
    let gif = photo_form(
        base.clone(),
        &[
            ("face", b"GIF89a....".to_vec()),
            ("back", png()),
            ("hand", jpeg("")),
        ],
    );
    assert_eq!(post_multipart(&s, &url, gif).await.0, 404);
    // Over 2 MB.
    set(&mut base, "api_xid", "PH0003");
    let mut big = jpeg("");
    big.resize(2 * 1024 * 1024 + 1, 0);
    assert_eq!(
        post_multipart(
            &s,
            &url,
            photo_form(
                base.clone(),
                &[("face", big), ("back", png()), ("hand", jpeg(""))],
            )
        )
        .await
        .0,
        404
    );
    // Exactly 2 MB is fine.
    set(&mut base, "api_xid", "PH0004");
    let mut max = jpeg("");
    max.resize(2 * 1024 * 1024, 0);
    let body = post_multipart(
        &s,
        &url,
        photo_form(
            base.clone(),
            &[("face", max), ("back", png()), ("hand", jpeg(""))],
        ),
    )
    .await
    .1;
    assert_eq!(body["code"], "200", "{body}");
    // Two of three.
    set(&mut base, "api_xid", "PH0005");
    let body = post_multipart(
        &s,
        &url,
        photo_form(base, &[("face", jpeg("")), ("back", png())]),
    )
    .await
    .1;
    assert_eq!(body["reason"], "三张照片必须全部上传!");
}

#[tokio::test]
async fn getimg_needs_all_three_photos_and_the_vendor_order_number() {
    let s = start(test_config()).await;
    let rx = receiver().await;
    let mut form = example("IMG0001");
    set(&mut form, "pid", "2201");
    form.push(("callbackurl".into(), rx.url.clone()));
    let (_, body) = push(&s, &form).await;
    assert_eq!(body["apistatus"], "待上传照片", "{body}");
    let apiorder = body["apiorder"].as_str().unwrap().to_owned();
    // Photos are awaited: no timeline yet.
    assert!(rx.silent_for(std::time::Duration::from_millis(400)).await);

    let url = format!("{}/order/api/haoteam/getimg", s.url);
    let two = photo_form(
        vec![("order_id".into(), apiorder.clone())],
        &[("face", jpeg("")), ("back", jpeg(""))],
    );
    let body = post_multipart(&s, &url, two).await.1;
    assert_eq!(
        body,
        serde_json::json!({ "code": 400, "msg": "三张照片必须全部上传!" })
    );

    let unknown = photo_form(
        vec![("order_id".into(), "IMG0001".into())],
        &[("face", jpeg("")), ("back", jpeg("")), ("hand", jpeg(""))],
    );
    let body = post_multipart(&s, &url, unknown).await.1;
    assert_eq!(
        body["code"], 404,
        "our api_xid is not the vendor's order number: {body}"
    );

    let all = photo_form(
        vec![("order_id".into(), apiorder)],
        &[("face", jpeg("")), ("back", png()), ("hand", jpeg(""))],
    );
    let body = post_multipart(&s, &url, all).await.1;
    assert_eq!(body, serde_json::json!({ "code": 200, "msg": "提交成功" }));
    // Now the review starts.
    assert_eq!(field(&rx.next().await, "apistatus"), "审核中");
}

#[tokio::test]
async fn status_callbacks_follow_the_timeline() {
    let s = start(test_config()).await;
    let rx = receiver().await;
    let mut form = example("CB0001");
    form.push(("callbackurl".into(), rx.url.clone()));
    let (_, body) = push(&s, &form).await;
    let first = rx.next().await;
    assert_eq!(field(&first, "api_xid"), "CB0001");
    assert_eq!(
        field(&first, "apiorder"),
        body["apiorder"].as_str().unwrap()
    );
    assert_eq!(field(&first, "apistatus"), "审核中");
    let second = rx.next().await;
    assert_eq!(field(&second, "apistatus"), "已发货");
    assert!(field(&second, "express_no").starts_with("SF"));

    // Scenario: 李四 fails review with a reason.
    let mut form = example("CB0002");
    set(&mut form, "order_Name", "李四");
    form.push(("callbackurl".into(), rx.url.clone()));
    push(&s, &form).await;
    assert_eq!(field(&rx.next().await, "apistatus"), "审核中");
    let last = rx.next().await;
    assert_eq!(field(&last, "apistatus"), "审核失败");
    assert_eq!(field(&last, "reason"), "身份信息不一致,审核不通过");
}
