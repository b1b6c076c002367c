//! The agent's journey in the console, in real headless Chromium at 360 × 740 (a phone) with
//! a fake camera, against the worker in workerd and the sandbox: sign in, open a case, run
//! `namecheck` (answered at once), run `staticfacecheck` with a portrait taken in the capture
//! page (pending, then settled by RealMe's notification without a reload), reveal the masked
//! ID number with a reason, and, signed in as the admin, find that reveal in the audit log.
//! On the way: the picker is sectioned by what the agent wants to know, in the table's group
//! order, without the Moxie steps; a vendor field is explained under it; the picker and a
//! form pass axe-core and do not scroll sideways. The Moxie flow runs every carrier step from
//! inside the flow. Screenshots go to `target/e2e/screens/console-*.png` and `moxie-*.png`.

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)] // test helpers fail loudly

use std::time::Duration;

use fantoccini::{Client, Locator};
use haoka_e2e::{
    Stack, camera_picture,
    chrome::{
        Camera, assert_accessible, attr, browser, chromedriver, click, desktop_browser,
        enter_capture_frame, screenshot, shoot, wait_text,
    },
    root,
};
use haoka_shared::{
    api::console::{CASES, CHECKS as CHECKS_PATH, Consent, NewCase, RunCheck},
    consent::CHECK_CONSENT_VERSION,
    realme::{CHECKS, Group},
};
use serde_json::{Value, json};

const PW: &str = "correct horse battery staple";

async fn post(s: &Stack, path: &str, body: Value, cookie: Option<(&str, &str)>) -> Value {
    let mut req = reqwest::Client::new()
        .post(format!("{}{path}", s.worker.url()))
        .json(&body);
    match cookie {
        Some((cookie, csrf)) => {
            req = req.header("cookie", cookie).header("x-haoka-csrf", csrf);
        }
        None => req = req.bearer_auth(&s.admin_token),
    }
    let resp = req.send().await.expect(path);
    let status = resp.status().as_u16();
    let body: Value = resp.json().await.unwrap_or(Value::Null);
    assert!((200..300).contains(&status), "{path}: {status} {body}");
    body
}

/// The first admin, as `scripts/create-admin.sh` makes it (that script has its own test).
async fn first_admin(s: &Stack) {
    post(
        s,
        "/api/console/bootstrap",
        json!({ "username": "boss", "display_name": "老板", "password": PW }),
        None,
    )
    .await;
}

async fn fill(c: &Client, css: &str, text: &str) {
    let el = c
        .wait()
        .at_most(Duration::from_secs(20))
        .for_element(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"));
    el.clear().await.expect("clear");
    el.send_keys(text).await.expect("type");
}

async fn sign_in(c: &Client, base: &str, username: &str) {
    c.goto(&format!("{base}/console/"))
        .await
        .expect("open the console");
    fill(c, "#login-username", username).await;
    fill(c, "#login-password", PW).await;
    click(c, "#login-submit").await;
}

async fn wait_for(c: &Client, css: &str, within: Duration) -> fantoccini::elements::Element {
    c.wait()
        .at_most(within)
        .for_element(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css} within {within:?}: {e}"))
}

async fn choose_check(c: &Client, name: &str) {
    wait_for(c, "#check-picker", Duration::from_secs(20))
        .await
        .select_by_value(name)
        .await
        .unwrap_or_else(|e| panic!("choose {name}: {e}"));
}

#[tokio::test]
async fn agent_runs_checks_on_a_phone_and_the_admin_sees_the_reveal_audited() {
    let s = Stack::start(&[], 600);
    first_admin(&s).await;
    let base = s.worker.url();
    let driver = chromedriver();
    let camera = root()
        .join("target/e2e")
        .join(format!("console-camera-{}.mjpeg", std::process::id()));
    camera_picture(&camera, 2560, 1600);

    // The admin adds the agent on the management screen.
    let admin = browser(&driver, Camera::Shows(&camera)).await;
    admin
        .goto(&format!("{base}/console/"))
        .await
        .expect("open the console");
    wait_for(&admin, "#login-username", Duration::from_secs(20)).await;
    assert_accessible(&admin, "console sign-in").await;
    sign_in(&admin, &base, "boss").await;
    click(&admin, "#nav-admin").await;
    fill(&admin, "#account-username", "wang").await;
    fill(&admin, "#account-display_name", "王坐席").await;
    fill(&admin, "#account-store", "北京一店").await;
    fill(&admin, "#account-password", PW).await;
    click(&admin, "#account-create").await;
    wait_for(&admin, "[data-account='wang']", Duration::from_secs(20)).await;
    screenshot(&admin, "console-0-accounts").await;
    assert_accessible(&admin, "console accounts").await;
    admin.close().await.expect("close the admin's browser");

    let c = browser(&driver, Camera::Shows(&camera)).await;

    sign_in(&c, &base, "wang").await;
    wait_for(&c, "#new-case-name", Duration::from_secs(20)).await;
    screenshot(&c, "console-1-home").await;
    assert_accessible(&c, "console home (cases)").await;
    fill(&c, "#new-case-name", "张三").await;
    fill(&c, "#new-case-id", "110101200007282906").await;
    click(&c, "#new-case-submit").await;

    // The picker: one labelled section per group, in the table's order, the carrier data
    // reached only through the guided flow.
    wait_for(&c, "#check-picker optgroup", Duration::from_secs(20)).await;
    let sections = c
        .execute(
            "return [...document.querySelectorAll('#check-picker optgroup')].map(g => \
             [g.label, g.dataset.group, [...g.querySelectorAll('option')].map(o => o.value)]);",
            vec![],
        )
        .await
        .unwrap();
    let sections = sections.as_array().unwrap();
    let labels: Vec<&str> = sections.iter().map(|g| g[0].as_str().unwrap()).collect();
    let expected: Vec<&str> = Group::ALL.iter().map(|g| g.label_zh()).collect();
    assert_eq!(labels, expected, "sections in order");
    assert_eq!(
        labels,
        [
            "身份",
            "手机号",
            "人脸",
            "银行卡",
            "证件识别",
            "风险",
            "运营商数据"
        ]
    );
    for g in sections {
        assert!(!g[2].as_array().unwrap().is_empty(), "empty section: {g}");
    }
    let offered: Vec<&str> = sections
        .iter()
        .flat_map(|g| g[2].as_array().unwrap().iter())
        .map(|v| v.as_str().unwrap())
        .collect();
    assert!(
        !offered.contains(&"getmoxieinput"),
        "a Moxie step in the picker"
    );
    for check in CHECKS {
        assert_eq!(
            offered.contains(&check.name),
            !check.flow_only,
            "{}",
            check.name
        );
    }
    assert_eq!(sections[6][2], json!(["moxie-flow"]), "{}", sections[6]);
    assert_accessible(&c, "console picker").await;
    // A screenshot cannot show the system's drop-down: lay the list open in place to look at
    // it, then put the picker back.
    c.execute(
        "const p = document.getElementById('check-picker'); p.size = 14; p.scrollIntoView();",
        vec![],
    )
    .await
    .unwrap();
    screenshot(&c, "console-1b-picker").await;
    c.execute("document.getElementById('check-picker').size = 0;", vec![])
        .await
        .unwrap();

    // A form with vendor fields: each explained under it, read out with its input.
    choose_check(&c, "faceregister").await;
    let hint = wait_for(&c, "[data-hint='group_ids']", Duration::from_secs(10))
        .await
        .text()
        .await
        .unwrap();
    assert!(hint.contains("人像库"), "{hint}");
    let described = wait_for(&c, "[data-param='group_ids']", Duration::from_secs(5))
        .await
        .attr("aria-describedby")
        .await
        .unwrap();
    assert_eq!(described.as_deref(), Some("param-group_ids-hint"));
    wait_for(
        &c,
        "[data-hint='authorization_info']",
        Duration::from_secs(5),
    )
    .await;
    assert_accessible(&c, "console check form").await;
    c.execute(
        "document.querySelector('[data-hint=group_ids]').scrollIntoView({ block: 'center' });",
        vec![],
    )
    .await
    .unwrap();
    screenshot(&c, "console-1c-form-hints").await;

    // namecheck: answered at once. The name and ID number come from the case, masked; the
    // agent types nothing personal again.
    choose_check(&c, "namecheck").await;
    let from_case = wait_for(&c, "[data-from-case='full_name']", Duration::from_secs(10))
        .await
        .text()
        .await
        .unwrap();
    assert!(from_case.contains("张*"), "{from_case}");
    let from_case = wait_for(&c, "[data-from-case='id_number']", Duration::from_secs(5))
        .await
        .text()
        .await
        .unwrap();
    assert!(from_case.contains("110101********2906"), "{from_case}");
    click(&c, "#consent-main").await;
    click(&c, "#check-submit").await;
    let card = wait_for(
        &c,
        "[data-check='namecheck'][data-state='settled'][data-verdict='match']",
        Duration::from_secs(20),
    )
    .await;
    let words = card.text().await.unwrap();
    assert!(words.contains("一致"), "{words}");
    assert!(!words.contains("110101200007282906"), "unmasked: {words}");
    screenshot(&c, "console-2-namecheck").await;
    assert_accessible(&c, "console result card").await;
    // English is one tap away.
    click(&c, "#lang-toggle").await;
    let english = card.text().await.unwrap();
    assert!(english.contains("Match"), "{english}");
    screenshot(&c, "console-2-namecheck-en").await;
    click(&c, "#lang-toggle").await;

    // staticfacecheck: the portrait from the capture page, both consents, pending, then
    // settled by the notification while the page stays open.
    // The agent may type a field instead of taking it from the case.
    choose_check(&c, "staticfacecheck").await;
    click(&c, "[data-type-instead='id_number']").await;
    fill(&c, "[data-param='id_number']", "110101200007282906").await;
    click(&c, "[data-param='video_pic']").await;
    enter_capture_frame(&c).await;
    shoot(&c, "portrait", true).await;
    click(&c, "#use-photo").await;
    c.enter_parent_frame().await.expect("back to the console");
    click(&c, "#consent-main").await;
    click(&c, "#consent-sensitive").await;
    screenshot(&c, "console-3-face-form").await;
    click(&c, "#check-submit").await;
    wait_for(
        &c,
        "[data-check='staticfacecheck'][data-state='pending']",
        Duration::from_secs(20),
    )
    .await;
    screenshot(&c, "console-4-pending").await;
    wait_for(
        &c,
        "[data-check='staticfacecheck'][data-state='settled'][data-verdict='match']",
        Duration::from_secs(30),
    )
    .await;
    screenshot(&c, "console-5-settled").await;
    assert_accessible(&c, "console settled face check").await;

    // Reveal the namecheck's ID number with a reason.
    click(&c, "[data-check='namecheck'] [data-reveal='id_number']").await;
    fill(&c, "#reveal-reason", "客户来电核对身份证号").await;
    click(&c, "#reveal-submit").await;
    let shown = wait_for(&c, "[data-revealed='id_number']", Duration::from_secs(20))
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(shown.trim(), "110101200007282906");
    screenshot(&c, "console-6-revealed").await;
    assert_accessible(&c, "console reveal").await;
    click(&c, "#nav-history").await;
    wait_for(&c, "#history-search", Duration::from_secs(20)).await;
    click(&c, "#history-search").await;
    wait_for(&c, "[data-check='namecheck']", Duration::from_secs(20)).await;
    screenshot(&c, "console-6b-history").await;
    assert_accessible(&c, "console history").await;
    c.close().await.expect("close the agent's browser");

    // The admin sees the reveal in the audit log, the chain intact, and the spend.
    let admin = browser(&driver, Camera::Shows(&camera)).await;
    sign_in(&admin, &base, "boss").await;
    click(&admin, "#nav-audit").await;
    let row = wait_for(
        &admin,
        "[data-audit-action='reveal']",
        Duration::from_secs(20),
    )
    .await
    .text()
    .await
    .unwrap();
    assert!(row.contains("wang"), "{row}");
    assert!(row.contains("客户来电核对身份证号"), "{row}");
    assert_eq!(
        wait_for(&admin, "#audit-chain", Duration::from_secs(5))
            .await
            .attr("data-chain-ok")
            .await
            .unwrap()
            .as_deref(),
        Some("true")
    );
    screenshot(&admin, "console-7-audit").await;
    assert_accessible(&admin, "console audit").await;
    click(&admin, "#nav-admin").await;
    let total = wait_for(&admin, "#spend-total", Duration::from_secs(20))
        .await
        .text()
        .await
        .unwrap();
    // namecheck 0.30 + staticfacecheck 0.80 (migration 0007's prices).
    assert!(total.contains("¥1.10"), "{total}");
    // The spend tables: headed columns, the checks by their titles, the agent with their store.
    let by_check = wait_for(&admin, "#spend-by-check", Duration::from_secs(5))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        by_check.contains("通过率") && by_check.contains("身份证实名认证"),
        "{by_check}"
    );
    let by_agent = wait_for(&admin, "#spend-by-agent", Duration::from_secs(5))
        .await
        .text()
        .await
        .unwrap();
    assert!(by_agent.contains("wang · 北京一店"), "{by_agent}");
    screenshot(&admin, "console-8-manage").await;
    assert_accessible(&admin, "console manage (spend)").await;
    admin.close().await.expect("close the admin's browser");
}

/// Sign in through the API; the cookie and the CSRF token.
async fn api_session(s: &Stack, username: &str) -> (String, String) {
    let resp = reqwest::Client::new()
        .post(format!("{}/api/console/login", s.worker.url()))
        .json(&json!({ "username": username, "password": PW }))
        .send()
        .await
        .unwrap();
    let cookie = resp.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_owned();
    let me: Value = resp.json().await.unwrap();
    (cookie, me["csrf"].as_str().unwrap().to_owned())
}

#[tokio::test]
async fn agent_runs_the_moxie_carrier_flow_step_by_step() {
    let s = Stack::start(&[], 600);
    first_admin(&s).await;
    let (cookie, csrf) = api_session(&s, "boss").await;
    post(
        &s,
        "/api/console/accounts",
        json!({ "username": "li.na", "display_name": "李坐席", "role": "agent", "store": "上海二店", "password": PW }),
        Some((&cookie, &csrf)),
    )
    .await;
    let driver = chromedriver();
    let camera = root()
        .join("target/e2e")
        .join(format!("moxie-camera-{}.mjpeg", std::process::id()));
    camera_picture(&camera, 1280, 800);
    let c = browser(&driver, Camera::Shows(&camera)).await;
    sign_in(&c, &s.worker.url(), "li.na").await;
    fill(&c, "#new-case-name", "张三").await;
    fill(&c, "#new-case-id", "110101200007282906").await;
    click(&c, "#new-case-submit").await;
    choose_check(&c, "moxie-flow").await;
    wait_for(&c, "#moxie-flow", Duration::from_secs(10)).await;
    assert_accessible(&c, "moxie flow").await;

    // Before the task: the number's channel, and a forgotten service password reset (a reset
    // task, then the SMS code with the new password), all from inside the flow.
    click(&c, "#moxie-consent").await;
    fill(&c, "#moxie-mobile", "18888888336").await;
    click(&c, "#moxie-channel").await;
    wait_for(
        &c,
        "[data-check='getmoxiemobile'][data-state='settled']",
        Duration::from_secs(20),
    )
    .await;
    click(&c, "#moxie-reset").await;
    fill(&c, "#moxie-name", "张三").await;
    fill(&c, "#moxie-id", "110101200007282906").await;
    click(&c, "#moxie-reset-create").await;
    fill(&c, "#moxie-reset-code", "123456").await;
    fill(&c, "#moxie-new-password", "n3w-pass-77").await;
    screenshot(&c, "moxie-0-reset").await;
    click(&c, "#moxie-reset-submit").await;
    wait_for(&c, "#moxie-reset-done", Duration::from_secs(20)).await;
    wait_for(
        &c,
        "[data-check='getmoxieresetinput'][data-state='settled']",
        Duration::from_secs(20),
    )
    .await;

    // 1: the task, with the customer's service password (sent once, never kept).
    fill(&c, "#moxie-mobile", "18888888336").await;
    fill(&c, "#moxie-password", "s3cret-pass-42").await;
    fill(&c, "#moxie-name", "张三").await;
    fill(&c, "#moxie-id", "110101200007282906").await;
    click(&c, "#moxie-create").await;
    // 2: the SMS code (a wrong one first: the carrier's refusal is shown, the flow stays).
    fill(&c, "#moxie-code", "000000").await;
    click(&c, "#moxie-code-submit").await;
    wait_for(
        &c,
        "[data-check='getmoxieinput'][data-state='failed']",
        Duration::from_secs(20),
    )
    .await;
    screenshot(&c, "moxie-1-wrong-code").await;
    fill(&c, "#moxie-code", "123456").await;
    click(&c, "#moxie-code-submit").await;
    // 3: collecting, polled until the task is done (status is asked again, never reused).
    wait_for(&c, "#moxie-status", Duration::from_secs(20)).await;
    screenshot(&c, "moxie-2-collecting").await;
    // 4: the report.
    click(&c, "#moxie-report").await;
    wait_for(&c, "#moxie-done", Duration::from_secs(20)).await;
    let report = wait_for(
        &c,
        "[data-check='getmoxiereport'][data-state='settled']",
        Duration::from_secs(20),
    )
    .await
    .text()
    .await
    .unwrap();
    assert!(report.contains("avg_bill"), "{report}");
    assert!(report.contains("188****8336"), "{report}");
    assert!(
        !report.contains("18888888336"),
        "a mobile in clear: {report}"
    );
    screenshot(&c, "moxie-3-report").await;
    // The raw bills, from the same finished task.
    click(&c, "#moxie-bills").await;
    wait_for(
        &c,
        "[data-check='getmoxiedata'][data-state='settled']",
        Duration::from_secs(20),
    )
    .await;
    c.close().await.expect("close the browser");

    let statuses = s.worker.query(
        "SELECT COUNT(*) AS n FROM checks WHERE check_name = 'getmoxiestatus' AND via = 'realme'",
    );
    assert!(statuses[0]["n"].as_i64().unwrap() >= 1, "{statuses:?}");
    let reused = s.worker.query(
        "SELECT COUNT(*) AS n FROM checks WHERE check_name LIKE 'getmoxie%' AND via = 'reuse'",
    );
    assert_eq!(
        reused[0]["n"], 0,
        "a carrier step was answered from an old result"
    );
    let stored = s
        .worker
        .query("SELECT inputs_masked, inputs_enc FROM checks");
    for secret in ["s3cret-pass-42", "n3w-pass-77"] {
        assert!(!format!("{stored:?}").contains(secret), "{secret} kept");
        assert!(
            !s.worker.server.log_text().contains(secret),
            "{secret} logged"
        );
    }
}

/// `GET path` from the worker, as a browser's navigation would: its security and caching
/// headers (`dist/_headers`'s), and its body.
async fn page(base: &str, path: &str) -> (Vec<String>, String) {
    let resp = reqwest::get(format!("{base}{path}")).await.expect(path);
    assert_eq!(resp.status(), 200, "{path}");
    let headers = [
        "content-security-policy",
        "permissions-policy",
        "x-content-type-options",
        "referrer-policy",
        "strict-transport-security",
        "cache-control",
    ]
    .map(|name| match resp.headers().get(name) {
        Some(v) => format!("{name}: {}", v.to_str().unwrap()),
        None => format!("{name} missing"),
    })
    .to_vec();
    (headers, resp.text().await.unwrap())
}

/// Wait (bounded, 20 s) until the page's title is `want`.
async fn wait_title(c: &Client, want: &str) {
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    let mut last = String::new();
    while std::time::Instant::now() < deadline {
        last = c.title().await.unwrap_or_default();
        if last == want {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("title {want:?}, last {last:?}");
}

/// Wait (bounded, 20 s) until the address bar's path and query are `want`.
async fn wait_path(c: &Client, want: &str) {
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    let mut last = String::new();
    while std::time::Instant::now() < deadline {
        if let Ok(url) = c.current_url().await {
            last = match url.query() {
                Some(q) => format!("{}?{q}", url.path()),
                None => url.path().to_owned(),
            };
            if last == want {
                return;
            }
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("path {want:?}, last {last:?}");
}

#[tokio::test]
async fn console_screens_open_from_their_urls_and_the_back_button_returns() {
    let s = Stack::start(&[], 600);
    first_admin(&s).await;
    let base = s.worker.url();
    let (cookie, csrf) = api_session(&s, "boss").await;
    let session = Some((cookie.as_str(), csrf.as_str()));
    let new_case = NewCase {
        subject_name: "张三".into(),
        id_number: "110101200007282906".into(),
        order_id: None,
    };
    let case = post(&s, CASES, serde_json::to_value(&new_case).unwrap(), session).await;
    let case_id = case["id"].as_str().unwrap().to_owned();
    let run = RunCheck {
        check: "namecheck".into(),
        fields: Default::default(),
        consent: Consent {
            version: CHECK_CONSENT_VERSION.into(),
            confirmed: true,
            sensitive: false,
        },
        case_id: Some(case_id.clone()),
        from_case: vec!["full_name".into(), "id_number".into()],
    };
    let check = post(
        &s,
        CHECKS_PATH,
        serde_json::to_value(&run).unwrap(),
        session,
    )
    .await;
    let check_id = check["id"].as_str().unwrap().to_owned();

    // The worker answers a screen's URL with the console's page, under the same headers as
    // /console/ itself (dist/_headers), and the console's files as they are.
    let (headers, index) = page(&base, "/console/").await;
    assert!(index.contains("haoka-console"), "{index}");
    assert!(headers[0].contains("script-src 'self'"), "{headers:?}");
    assert!(
        !headers.iter().any(|h| h.ends_with("missing")),
        "{headers:?}"
    );
    for path in [
        format!("/console/cases/{case_id}"),
        "/console/audit".into(),
        "/console/history?check=namecheck".into(),
        "/console/xyz".into(),
    ] {
        assert_eq!(
            page(&base, &path).await,
            (headers.clone(), index.clone()),
            "{path}"
        );
    }
    let script = index
        .split(['"', '\'', ' ', '>', '<'])
        .find(|p| p.starts_with("/console/haoka-console-") && p.ends_with(".js"))
        .unwrap_or_else(|| panic!("no script in {index}"))
        .to_owned();
    let (_, js) = page(&base, &script).await;
    assert!(!js.contains("<html"), "the console's script is a script");

    // A case's link, opened signed out: the sign-in, then that case.
    let driver = chromedriver();
    let c = desktop_browser(&driver).await;
    let case_path = format!("/console/cases/{case_id}");
    c.goto(&format!("{base}{case_path}"))
        .await
        .expect("open the case's link");
    wait_title(&c, "登录 · 坐席台 · 号卡").await;
    fill(&c, "#login-username", "boss").await;
    fill(&c, "#login-password", PW).await;
    click(&c, "#login-submit").await;
    wait_for(
        &c,
        &format!("[data-case='{case_id}']"),
        Duration::from_secs(20),
    )
    .await;
    wait_for(
        &c,
        &format!("[data-check-id='{check_id}'][data-state='settled']"),
        Duration::from_secs(20),
    )
    .await;
    wait_path(&c, &case_path).await;
    wait_title(&c, &format!("案件 {case_id} · 坐席台 · 号卡")).await;
    assert_eq!(
        attr(&c, "#nav-home", "aria-current").await.as_deref(),
        Some("page")
    );
    screenshot(&c, "console-9-deep-link-case").await;
    assert_accessible(&c, "console deep-linked case").await;

    // The audit log's URL, opened directly while signed in.
    c.goto(&format!("{base}/console/audit"))
        .await
        .expect("open the audit log's link");
    wait_for(&c, "#audit-chain", Duration::from_secs(20)).await;
    wait_for(&c, "[data-audit-action='login']", Duration::from_secs(5)).await;
    wait_title(&c, "审计日志 · 坐席台 · 号卡").await;
    assert_eq!(
        attr(&c, "#nav-audit", "aria-current").await.as_deref(),
        Some("page")
    );
    assert_accessible(&c, "console deep-linked audit log").await;

    // Through two screens (the cases, a case, its check's page), then back and forward.
    click(&c, "#nav-home").await;
    wait_path(&c, "/console/").await;
    click(&c, &format!("[data-case-id='{case_id}']")).await;
    wait_path(&c, &case_path).await;
    click(&c, &format!("[data-check-link='{check_id}']")).await;
    wait_path(&c, &format!("/console/checks/{check_id}")).await;
    wait_for(
        &c,
        &format!("[data-check-id='{check_id}'] [data-case-link='{case_id}']"),
        Duration::from_secs(20),
    )
    .await;
    wait_title(&c, &format!("核验结果 {check_id} · 坐席台 · 号卡")).await;
    assert_eq!(
        attr(&c, "#nav-history", "aria-current").await.as_deref(),
        Some("page")
    );
    c.execute("window.history.back();", vec![]).await.unwrap();
    wait_path(&c, &case_path).await;
    wait_for(
        &c,
        &format!("[data-case='{case_id}']"),
        Duration::from_secs(20),
    )
    .await;
    wait_title(&c, &format!("案件 {case_id} · 坐席台 · 号卡")).await;
    c.execute("window.history.back();", vec![]).await.unwrap();
    wait_path(&c, "/console/").await;
    wait_for(&c, "#new-case-name", Duration::from_secs(20)).await;
    c.execute("window.history.back();", vec![]).await.unwrap();
    wait_path(&c, "/console/audit").await;
    wait_for(&c, "#audit-chain", Duration::from_secs(20)).await;
    c.execute("window.history.forward();", vec![])
        .await
        .unwrap();
    wait_path(&c, "/console/").await;
    wait_for(
        &c,
        &format!("[data-case-id='{case_id}']"),
        Duration::from_secs(20),
    )
    .await;

    // The history's filter is its URL's: a search is a new entry, back is the one before.
    click(&c, "#nav-history").await;
    wait_path(&c, "/console/history").await;
    click(&c, "#history-search").await;
    wait_for(&c, "#history-check", Duration::from_secs(20))
        .await
        .select_by_value("namecheck")
        .await
        .unwrap();
    fill(&c, "#history-q", "110101200007282906").await;
    click(&c, "#history-search").await;
    wait_path(&c, "/console/history?check=namecheck").await;
    wait_for(
        &c,
        &format!("[data-check-id='{check_id}']"),
        Duration::from_secs(20),
    )
    .await;
    c.execute("window.history.back();", vec![]).await.unwrap();
    wait_path(&c, "/console/history").await;
    c.execute("window.history.forward();", vec![])
        .await
        .unwrap();
    wait_path(&c, "/console/history?check=namecheck").await;
    let chosen = c
        .execute(
            "return document.getElementById('history-check').value;",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(
        chosen,
        json!("namecheck"),
        "the form shows the URL's filter"
    );

    // A path the console does not know says so, in Chinese first, English a tap away.
    c.goto(&format!("{base}/console/xyz"))
        .await
        .expect("open an unknown path");
    let words = wait_for(&c, "#not-found", Duration::from_secs(20))
        .await
        .text()
        .await
        .unwrap();
    assert!(words.contains("页面不存在"), "{words}");
    wait_title(&c, "页面不存在 · 坐席台 · 号卡").await;
    click(&c, "#lang-toggle").await;
    wait_text(&c, "#not-found h2", "English words", |t| {
        t.contains("Page not found")
    })
    .await;
    wait_title(&c, "Page not found · Agent console · haoka").await;
    screenshot(&c, "console-10-not-found-en").await;
    assert_accessible(&c, "console not found").await;
    click(&c, "#lang-toggle").await;
    click(&c, "#not-found-home").await;
    wait_path(&c, "/console/").await;
    wait_for(&c, "#new-case-name", Duration::from_secs(20)).await;

    // The manage screen's every panel reads the edge's typed answers.
    click(&c, "#nav-admin").await;
    wait_path(&c, "/console/manage").await;
    wait_title(&c, "管理 · 坐席台 · 号卡").await;
    wait_for(&c, "[data-account='boss']", Duration::from_secs(20)).await;
    wait_text(&c, "#spend-total", "the month's spend", |t| {
        t.contains("¥0.30")
    })
    .await;
    wait_for(&c, "#stuck-none", Duration::from_secs(20)).await;
    assert_eq!(
        attr(&c, "[data-price='namecheck']", "value")
            .await
            .as_deref(),
        Some("0.30")
    );
    assert_eq!(
        attr(&c, "[data-setting='REALME_PASS_SCORE']", "value")
            .await
            .as_deref(),
        Some("60")
    );
    c.close().await.expect("close the browser");
}
