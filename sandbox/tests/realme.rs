//! RealMe: every check's happy path from one table, common-parameter and signature rules,
//! async results by notification and by polling, scenarios, Moxie flows.
#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)]

mod common;

use common::*;
use haoka_shared::realme::{CHECKS, Check, CodeClass, Kind, Mode, classify};
use serde_json::Value;

/// A valid value for each kind (the sandbox's default scenario: a match).
fn sample(kind: Kind, cb: &str) -> String {
    match kind {
        Kind::Name => "张三".into(),
        Kind::IdNumber => "110101200007282906".into(),
        Kind::Mobile => "18888888336".into(),
        Kind::Image => b64(&jpeg("")),
        Kind::BankCard => "6222020200112233445".into(),
        Kind::OneOf(options) => options[0].into(),
        Kind::Url => cb.into(),
        Kind::Date => "20261122".into(),
        Kind::MonthYear => "1228".into(),
        Kind::Secret => "123456".into(),
        Kind::CodeList => {
            r#"[{"type":"sms","value":"123456"},{"type":"pwd","value":"n3wpass"}]"#.into()
        }
        Kind::Ip => "127.0.0.1".into(),
        Kind::Text => "g1".into(),
    }
}

fn params_for(check: &Check, cb: &str, task: Option<&str>) -> Vec<(String, String)> {
    check
        .params
        .iter()
        .filter(|p| p.name != "file_id")
        .map(|p| {
            let v = if p.name == "task_id" {
                task.unwrap_or("none").to_owned()
            } else {
                sample(p.kind, cb)
            };
            (p.name.to_owned(), v)
        })
        .collect()
}

async fn call(s: &Sbx, check: &Check, params: &[(String, String)]) -> (u16, Value) {
    let refs: Vec<(&str, &str)> = params
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    s.realme(&check.path(), &signed(&s.shared.config, &oid(), &refs))
        .await
}

fn check(name: &str) -> &'static Check {
    haoka_shared::realme::check(name).unwrap()
}

/// A Moxie task id, collected and done (or a reset task for the reset input).
async fn task_for(s: &Sbx, check: &Check, cb: &str) -> Option<String> {
    if !check.params.iter().any(|p| p.name == "task_id") {
        return None;
    }
    let create = if check.name == "getmoxieresetinput" {
        "getmoxieresettask"
    } else {
        "getmoxietask"
    };
    let (_, body) = call(
        s,
        self::check(create),
        &params_for(self::check(create), cb, None),
    )
    .await;
    let result: Value = serde_json::from_str(body["result"].as_str().unwrap()).unwrap();
    let task = result["task_id"].as_str().unwrap().to_owned();
    if matches!(
        check.name,
        "getmoxiereport" | "getmoxiedata" | "getmoxiestatus"
    ) {
        let (_, body) = call(
            s,
            self::check("getmoxieinput"),
            &params_for(self::check("getmoxieinput"), cb, Some(&task)),
        )
        .await;
        assert_eq!(body["return_code"], "11600", "{body}");
        s.admin_post("/callbacks/fire", Value::Null).await;
    }
    Some(task)
}

#[tokio::test]
async fn every_check_answers_its_happy_path() {
    let s = start(test_config()).await;
    let rx = receiver().await;
    assert_eq!(CHECKS.len(), 27);
    for check in CHECKS {
        let task = task_for(&s, check, &rx.url).await;
        let params = params_for(check, &rx.url, task.as_deref());
        let (status, body) = call(&s, check, &params).await;
        assert_eq!(status, 200, "{}: {body}", check.name);
        let code = body["return_code"].as_str().unwrap();
        assert_eq!(classify(code), CodeClass::Success, "{}: {body}", check.name);
        assert!(
            code.starts_with(&check.interface.to_string()),
            "{}: {code}",
            check.name
        );
        for common in ["realme_date", "seq_id", "order_date", "order_id"] {
            assert!(
                body[common].is_string(),
                "{}: {common} missing in {body}",
                check.name
            );
        }
        match check.mode {
            Mode::Async => assert_eq!(code, check.accepted_code, "{}", check.name),
            Mode::Sync | Mode::Either => {}
        }
        if matches!(
            check.name,
            "namecheck" | "mobilecheck" | "cardcheck" | "picturematch"
        ) {
            assert_eq!(body["resp_code"], "00", "{}: {body}", check.name);
        }
    }
}

#[tokio::test]
async fn signature_vector_computed_by_python_is_accepted() {
    let s = start(test_config()).await;
    let sign = include_str!("../../tests/vectors/realme_sign_namecheck.txt").trim();
    let form: Vec<(String, String)> = [
        ("order_date", "20261122"),
        ("order_id", "VEC0001"),
        ("app_token", "local-app-token"),
        ("full_name", "张三"),
        ("id_number", "110101200007282906"),
        ("source_channel", "0"),
        ("sign", sign),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect();
    let (status, body) = s.realme("v4/trade/namecheck", &form).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["return_code"], "10400");
    assert_eq!(body["resp_code"], "00");
}

#[tokio::test]
async fn common_rules_and_their_codes() {
    let s = start(test_config()).await;
    let cfg = s.shared.config.clone();
    let good = [
        ("full_name", "张三"),
        ("id_number", "110101200007282906"),
        ("source_channel", "1"),
    ];

    // Wrong signature.
    let mut form = signed(&cfg, &oid(), &good);
    form.last_mut().unwrap().1 = "0".repeat(32);
    let (status, body) = s.realme("v4/trade/namecheck", &form).await;
    assert_eq!(
        (status, body["return_code"].as_str()),
        (400, Some("90102")),
        "{body}"
    );

    // Signature over different values (tampered after signing).
    let mut form = signed(&cfg, &oid(), &good);
    form[3].1 = "李四".into();
    let (_, body) = s.realme("v4/trade/namecheck", &form).await;
    assert_eq!(body["return_code"], "90102");

    // Missing common parameter, malformed date, malformed sign.
    for drop in ["order_date", "order_id", "app_token", "sign"] {
        let form: Vec<_> = signed(&cfg, &oid(), &good)
            .into_iter()
            .filter(|(k, _)| k != drop)
            .collect();
        let (status, body) = s.realme("v4/trade/namecheck", &form).await;
        assert_eq!(
            (status, body["return_code"].as_str()),
            (400, Some("90101")),
            "without {drop}: {body}"
        );
    }
    let mut form = signed(&cfg, &oid(), &good);
    form[0].1 = "20261131".into();
    assert_eq!(
        s.realme("v4/trade/namecheck", &form).await.1["return_code"],
        "90101"
    );

    // Missing required, malformed field: 90101 naming the field.
    let (_, body) = s
        .realme("v4/trade/namecheck", &signed(&cfg, &oid(), &good[1..]))
        .await;
    assert_eq!(body["return_code"], "90101");
    assert!(
        body["return_message"]
            .as_str()
            .unwrap()
            .contains("full_name"),
        "{body}"
    );
    let bad_id = [
        ("full_name", "张三"),
        ("id_number", "110101200007282907"),
        ("source_channel", "1"),
    ];
    let (_, body) = s
        .realme("v4/trade/namecheck", &signed(&cfg, &oid(), &bad_id))
        .await;
    assert!(
        body["return_message"]
            .as_str()
            .unwrap()
            .contains("id_number"),
        "{body}"
    );
    let bad_channel = [
        ("full_name", "张三"),
        ("id_number", "110101200007282906"),
        ("source_channel", "3"),
    ];
    assert_eq!(
        s.realme("v4/trade/namecheck", &signed(&cfg, &oid(), &bad_channel))
            .await
            .1["return_code"],
        "90101"
    );

    // Wrong app_token → not permitted.
    let mut other = cfg.clone();
    other.realme_app_token = "someone-else".into();
    assert_eq!(
        s.realme("v4/trade/namecheck", &signed(&other, &oid(), &good))
            .await
            .1["return_code"],
        "90103"
    );

    // Repeated order_id.
    let id = oid();
    assert_eq!(
        s.realme("v4/trade/namecheck", &signed(&cfg, &id, &good))
            .await
            .1["return_code"],
        "10400"
    );
    let (status, body) = s
        .realme("v4/trade/namecheck", &signed(&cfg, &id, &good))
        .await;
    assert_eq!((status, body["return_code"].as_str()), (400, Some("90104")));

    // JSON instead of a form.
    let resp = s
        .http
        .post(format!("{}/api/realme/v4/trade/namecheck", s.url))
        .json(&serde_json::json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.json::<Value>().await.unwrap()["return_code"], "90101");

    // Wrong version for a check.
    let (status, _) = s
        .realme("v3/trade/namecheck", &signed(&cfg, &oid(), &good))
        .await;
    assert_eq!(status, 404);

    // Cross-field rule: antifraudquery needs a name and two more.
    let (_, body) = s
        .realme(
            "v5/trade/antifraudquery",
            &signed(
                &cfg,
                &oid(),
                &[("full_name", "张三"), ("id_number", "110101200007282906")],
            ),
        )
        .await;
    assert_eq!(body["return_code"], "90101");
}

#[tokio::test]
async fn over_the_rate_is_too_frequent() {
    let s = start(Config {
        realme_rate_per_sec: 3,
        ..test_config()
    })
    .await;
    let cfg = s.shared.config.clone();
    let good = [
        ("full_name", "张三"),
        ("id_number", "110101200007282906"),
        ("source_channel", "1"),
    ];
    let mut codes = Vec::new();
    for _ in 0..4 {
        codes.push(
            s.realme("v4/trade/namecheck", &signed(&cfg, &oid(), &good))
                .await
                .1["return_code"]
                .as_str()
                .unwrap()
                .to_owned(),
        );
    }
    assert_eq!(codes, ["10400", "10400", "10400", "90105"]);
}

use haoka_sandbox::Config;

#[tokio::test]
async fn async_result_by_signed_notification_and_by_polling() {
    let s = start(test_config()).await;
    let rx = receiver().await;
    let cfg = s.shared.config.clone();
    let order_id = oid();
    let pic = b64(&jpeg(""));
    let form = signed(
        &cfg,
        &order_id,
        &[
            ("full_name", "张三"),
            ("id_number", "110101200007282906"),
            ("video_pic", &pic),
            ("source_channel", "1"),
            ("mer_bg_url", &rx.url),
        ],
    );
    let (_, body) = s.realme("v4/trade/staticfacecheck", &form).await;
    assert_eq!(body["return_code"], "10001");
    let seq = body["seq_id"].as_str().unwrap().to_owned();

    let poll = |seq: String, by_order: bool| {
        let s = &s;
        let cfg = cfg.clone();
        let order_id = order_id.clone();
        async move {
            let q = if by_order {
                signed(&cfg, &order_id, &[])
            } else {
                signed(&cfg, &oid(), &[("seq_id", &seq)])
            };
            let url = format!(
                "{}/api/realme/v4/checkresult?{}",
                s.url,
                serde_urlencoded::to_string(&q).unwrap()
            );
            s.http
                .get(url)
                .send()
                .await
                .unwrap()
                .json::<Value>()
                .await
                .unwrap()
        }
    };
    assert_eq!(poll(seq.clone(), false).await["return_code"], "20012");

    let note = rx.next().await;
    assert_eq!(field(&note, "seq_id"), seq);
    assert_eq!(field(&note, "order_id"), order_id);
    assert_eq!(field(&note, "resp_code"), "00");
    assert_eq!(field(&note, "mp_ssim"), "88");
    assert!(haoka_shared::sign::realme_verify(
        note.iter().map(|(k, v)| (k.as_str(), v.as_str())),
        &cfg.realme_sign_key
    ));
    let mut tampered = note.clone();
    tampered
        .iter_mut()
        .find(|(k, _)| k == "resp_code")
        .unwrap()
        .1 = "01".into();
    assert!(!haoka_shared::sign::realme_verify(
        tampered.iter().map(|(k, v)| (k.as_str(), v.as_str())),
        &cfg.realme_sign_key
    ));

    let done = poll(seq.clone(), false).await;
    assert_eq!(done["return_code"], "20000", "{done}");
    assert_eq!(done["resp_code"], "00");
    assert_eq!(done["mp_ssim"], "88");
    // Without a seq_id, by the original order_id (no duplicate error for it).
    assert_eq!(poll(String::new(), true).await["return_code"], "20000");
    assert_eq!(poll("999".into(), false).await["return_code"], "20011");
    // The delivery was answered "success".
    let cbs = s.admin_get("/callbacks").await;
    assert_eq!(cbs["delivered"][0]["status"], 200);
    assert_eq!(cbs["delivered"][0]["body"], "success");
}

#[tokio::test]
async fn scenarios_choose_each_outcome() {
    let s = start(test_config()).await;
    let cfg = s.shared.config.clone();
    let name = |n: &'static str| {
        [
            ("full_name", n),
            ("id_number", "110101200007282906"),
            ("source_channel", "1"),
        ]
    };
    let expect = [
        ("张三", "10400", "00"),
        ("李四", "10400", "01"),
        ("王五", "10400", "99"),
        ("赵六", "10410", ""),
    ];
    for (n, code, resp) in expect {
        let (_, body) = s
            .realme("v4/trade/namecheck", &signed(&cfg, &oid(), &name(n)))
            .await;
        assert_eq!(body["return_code"], code, "{n}: {body}");
        assert_eq!(
            body["resp_code"].as_str().unwrap_or(""),
            resp,
            "{n}: {body}"
        );
    }
    for (n, resp) in [
        ("周二", "02"),
        ("吴三", "03"),
        ("郑四", "04"),
        ("冯五", "05"),
    ] {
        let form = signed(
            &cfg,
            &oid(),
            &[
                ("full_name", n),
                ("id_number", "110101200007282906"),
                ("mobile_no", "13912345678"),
                ("source_channel", "2"),
            ],
        );
        assert_eq!(
            s.realme("v4/trade/mobilecheck", &form).await.1["resp_code"],
            resp,
            "{n}"
        );
    }
    // Low face score from the image's marks.
    let (a, b) = (b64(&jpeg("score=30")), b64(&jpeg("")));
    let form = signed(
        &cfg,
        &oid(),
        &[
            ("image1", &a),
            ("image1_type", "1"),
            ("image2", &b),
            ("image2_type", "1"),
            ("source_channel", "0"),
        ],
    );
    let body = s.realme("v4/trade/picturematch", &form).await.1;
    assert_eq!(
        (body["resp_code"].as_str(), body["mp_ssim"].as_str()),
        (Some("01"), Some("30")),
        "{body}"
    );
    // The vendor's own cardcheck mock: IDs starting 8/9 mismatch (a valid HK permit here).
    let permit = "810000199001011234";
    let permit = format!(
        "{}{}",
        &permit[..17],
        haoka_shared::idcard::check_char(&permit[..17]).unwrap()
    );
    let form = signed(
        &cfg,
        &oid(),
        &[
            ("full_name", "张三"),
            ("id_number", &permit),
            ("acct_no", "6222020200112233445"),
            ("source_channel", "1"),
        ],
    );
    let body = s.realme("v4/trade/cardcheck", &form).await.1;
    assert_eq!(
        (body["return_code"].as_str(), body["resp_code"].as_str()),
        (Some("10200"), Some("01")),
        "{body}"
    );
    // Card numbers ending in 9 answer asynchronously.
    let form = signed(
        &cfg,
        &oid(),
        &[
            ("full_name", "张三"),
            ("acct_no", "6222020200112233449"),
            ("source_channel", "1"),
        ],
    );
    assert_eq!(
        s.realme("v4/trade/cardcheck", &form).await.1["return_code"],
        "10201"
    );
    // OCR reads the marks.
    let rx = receiver().await;
    let pic = b64(&jpeg("name=李四;id=110101200007282906"));
    let form = signed(
        &cfg,
        &oid(),
        &[
            ("id_pic", &pic),
            ("interface_id", "01"),
            ("source_channel", "1"),
            ("mer_bg_url", &rx.url),
        ],
    );
    assert_eq!(
        s.realme("v4/trade/idcardidentify", &form).await.1["return_code"],
        "10700"
    );
    let note = rx.next().await;
    assert_eq!(field(&note, "full_name"), "李四");
    assert_eq!(field(&note, "issue"), "北京市公安局东城分局");
}

#[tokio::test]
async fn moxie_flow_keeps_its_state_and_never_its_passwords() {
    let s = start(test_config()).await;
    let rx = receiver().await;
    let cfg = s.shared.config.clone();
    let result = |b: &Value| {
        serde_json::from_str::<Value>(b["result"].as_str().unwrap_or("null")).unwrap_or(Value::Null)
    };
    let create = [
        ("mobile", "18888888336"),
        ("password", "s3cret-pw"),
        ("full_name", "张三"),
        ("id_number", "110101200007282906"),
        ("mer_bg_url", rx.url.as_str()),
    ];
    let (_, body) = s
        .realme("v5/trade/getmoxietask", &signed(&cfg, &oid(), &create))
        .await;
    assert_eq!(body["return_code"], "11500", "{body}");
    let task = result(&body)["task_id"].as_str().unwrap().to_owned();

    let status = |s: &Sbx, cfg: &Config, task: &str| {
        let form = signed(cfg, &oid(), &[("task_id", task)]);
        let s = s
            .http
            .post(format!("{}/api/realme/v5/trade/getmoxiestatus", s.url))
            .form(&form)
            .send();
        async move { s.await.unwrap().json::<Value>().await.unwrap() }
    };
    assert_eq!(
        result(&status(&s, &cfg, &task).await)["status"],
        "WAIT_CODE"
    );
    let report = [("task_id", task.as_str()), ("mobile", "18888888336")];
    assert_eq!(
        s.realme("v5/trade/getmoxiereport", &signed(&cfg, &oid(), &report))
            .await
            .1["return_code"],
        "12310"
    );
    let wrong = [("task_id", task.as_str()), ("verify_code", "000000")];
    assert_eq!(
        s.realme("v5/trade/getmoxieinput", &signed(&cfg, &oid(), &wrong))
            .await
            .1["return_code"],
        "11610"
    );
    let again = [("task_id", task.as_str()), ("message_type", "sms")];
    assert_eq!(
        s.realme("v5/trade/getmoxieverifycode", &signed(&cfg, &oid(), &again))
            .await
            .1["return_code"],
        "11700"
    );
    let right = [("task_id", task.as_str()), ("verify_code", "123456")];
    assert_eq!(
        s.realme("v5/trade/getmoxieinput", &signed(&cfg, &oid(), &right))
            .await
            .1["return_code"],
        "11600"
    );
    assert_eq!(
        result(&status(&s, &cfg, &task).await)["status"],
        "COLLECTING"
    );
    s.admin_post("/callbacks/fire", Value::Null).await;
    assert_eq!(result(&status(&s, &cfg, &task).await)["status"], "DONE");
    let body = s
        .realme("v5/trade/getmoxiereport", &signed(&cfg, &oid(), &report))
        .await
        .1;
    assert_eq!(body["return_code"], "12300", "{body}");
    assert_eq!(result(&body)["report"]["mobile"], "18888888336");
    // Wrong password scenario, unknown task.
    let bad = [
        ("mobile", "18888888336"),
        ("password", "000000"),
        ("full_name", "张三"),
        ("id_number", "110101200007282906"),
        ("mer_bg_url", rx.url.as_str()),
    ];
    assert_eq!(
        s.realme("v5/trade/getmoxietask", &signed(&cfg, &oid(), &bad))
            .await
            .1["return_code"],
        "11510"
    );
    assert_eq!(result(&status(&s, &cfg, "TASKNOPE").await), Value::Null);
    // Passwords and codes are never kept.
    let log = s.admin_get("/requests").await.to_string();
    assert!(
        !log.contains("s3cret-pw") && !log.contains("123456"),
        "{log}"
    );
}
