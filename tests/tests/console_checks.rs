//! Identity checks from the console, through workerd to the sandbox, driven by the one table
//! (`haoka_shared::realme::CHECKS`): every one of the 27 checks with a valid form gets the
//! verdict the sandbox's scenario inputs promise (asynchronous ones settled by RealMe's signed
//! notification); an invalid form per field kind is a 422 naming the field and nothing reaches
//! the sandbox; an asynchronous check settles by polling when notifications are withheld; a
//! forged notification is refused and a replayed one changes nothing; phone three-factor fails
//! over to `mobilecheck` when its centre is busy; the same question within the window is
//! answered from the last result, free; consent is required; cases group checks and close with
//! a reason; another store's agent gets 403.

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)] // test helpers fail loudly

use std::{
    collections::BTreeMap,
    time::{Duration, Instant},
};

use base64::{Engine, engine::general_purpose::STANDARD};
use haoka_e2e::{
    Stack,
    console::{Console, first_admin},
    id_card_picture, jpeg_bytes,
};
use haoka_shared::{
    consent::CHECK_CONSENT_VERSION,
    realme::{CHECKS, Check, Kind, Rule},
};
use serde_json::{Value, json};

const PW: &str = "correct horse battery staple";

/// The check calls of a signed-in console.
trait Checks {
    async fn run(&self, check: &str, fields: &BTreeMap<String, String>) -> (u16, Value);
    async fn run_with(
        &self,
        check: &str,
        fields: &BTreeMap<String, String>,
        consent: Value,
    ) -> (u16, Value);
    async fn settled(&self, id: &str, within: Duration) -> Value;
}

impl Checks for Console {
    async fn run(&self, check: &str, fields: &BTreeMap<String, String>) -> (u16, Value) {
        self.run_with(
            check,
            fields,
            json!({ "version": CHECK_CONSENT_VERSION, "confirmed": true, "sensitive": true }),
        )
        .await
    }

    async fn run_with(
        &self,
        check: &str,
        fields: &BTreeMap<String, String>,
        consent: Value,
    ) -> (u16, Value) {
        self.post(
            "/api/console/checks",
            json!({ "check": check, "fields": fields, "consent": consent }),
        )
        .await
    }

    /// Wait (bounded) until the check is no longer pending.
    async fn settled(&self, id: &str, within: Duration) -> Value {
        let deadline = Instant::now() + within;
        loop {
            let (code, view) = self.get(&format!("/api/console/checks/{id}")).await;
            assert_eq!(code, 200, "{view}");
            if view["state"] != "pending" {
                return view;
            }
            assert!(Instant::now() < deadline, "{id} still pending: {view}");
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }
}

async fn setup(s: &Stack) -> Console {
    let admin = first_admin(s, "boss", "老板", PW).await;
    for (name, store) in [("agent1", "北京一店"), ("agent2", "上海二店")] {
        let (code, body) = admin
            .post(
                "/api/console/accounts",
                json!({ "username": name, "display_name": name, "role": "agent", "store": store, "password": PW }),
            )
            .await;
        assert_eq!(code, 201, "{body}");
    }
    Console::sign_in(s, "agent1", PW).await
}

/// A stack with the check rate limits out of the way plus `vars`, the accounts of
/// [`setup`], and agent1 signed in.
async fn started(vars: &[(&str, String)]) -> (Stack, Console) {
    let mut all = vec![
        ("CHECKS_PER_MINUTE_AGENT", "1000".to_owned()),
        ("CHECKS_PER_MINUTE_IP", "1000".to_owned()),
    ];
    all.extend(vars.iter().cloned());
    let s = Stack::start(&all, 600);
    let agent = setup(&s).await;
    (s, agent)
}

fn luhn_complete(prefix: &str) -> String {
    for d in 0..10 {
        let candidate = format!("{prefix}{d}");
        let sum: u32 = candidate
            .bytes()
            .rev()
            .enumerate()
            .map(|(i, b)| {
                let n = u32::from(b - b'0');
                if i % 2 == 1 {
                    let x = n * 2;
                    if x > 9 { x - 9 } else { x }
                } else {
                    n
                }
            })
            .sum();
        if sum.is_multiple_of(10) {
            return candidate;
        }
    }
    unreachable!()
}

/// A valid value of a kind, for the sandbox's default scenario (a match).
fn sample(kind: Kind, param: &str) -> String {
    match kind {
        Kind::Name => "张三".into(),
        Kind::IdNumber => "110101200007282906".into(),
        Kind::Mobile => "18888888336".into(),
        Kind::Image => STANDARD.encode(jpeg_bytes(&id_card_picture(96, 60), None)),
        Kind::BankCard => luhn_complete("622202020011223344"),
        Kind::OneOf(values) => values[0].into(),
        Kind::Url => "https://example.com/return".into(),
        Kind::Date => "20251120".into(),
        Kind::MonthYear => "1228".into(),
        Kind::Secret => "s3cret-pass".into(),
        Kind::CodeList => r#"[{"type":"sms","value":"123456"}]"#.into(),
        Kind::Ip => "10.1.2.3".into(),
        Kind::Text if param.contains("task") => "unused".into(),
        Kind::Text => "测试".into(),
    }
}

/// The required fields of a check (and what its cross-field rule needs), valid.
fn valid_form(check: &Check) -> BTreeMap<String, String> {
    let agent = |name: &str| name != "mer_bg_url" && name != "source_channel";
    let mut form: BTreeMap<String, String> = check
        .params
        .iter()
        .filter(|p| p.required && agent(p.name))
        .map(|p| (p.name.to_owned(), sample(p.kind, p.name)))
        .collect();
    let need: &[&str] = match check.rule {
        Rule::AnyOf(list) => &list[..1],
        Rule::NamePlusTwoOf(list) => &list[..2],
        Rule::ImageOrFileId => &["image"],
        Rule::None => &[],
    };
    for name in need
        .iter()
        .chain(if matches!(check.rule, Rule::NamePlusTwoOf(_)) {
            &["full_name"][..]
        } else {
            &[][..]
        })
    {
        if let Some(p) = check.params.iter().find(|p| p.name == *name) {
            form.entry(p.name.to_owned())
                .or_insert_with(|| sample(p.kind, p.name));
        }
    }
    form
}

/// The task id in a Moxie result (`fields.result` is the vendor's JSON).
fn task_id(view: &Value) -> String {
    let result: Value = serde_json::from_str(view["fields"]["result"].as_str().unwrap_or_default())
        .unwrap_or_else(|_| panic!("no result: {view}"));
    result["task_id"].as_str().unwrap().to_owned()
}

/// A Moxie check's task and code: the flow's task, the sandbox's SMS code.
fn moxie_inputs(check: &Check, form: &mut BTreeMap<String, String>, task: &str, reset: &str) {
    if form.contains_key("task_id") {
        let id = if check.name == "getmoxieresetinput" {
            reset
        } else {
            task
        };
        form.insert("task_id".into(), id.into());
    }
    if form.contains_key("verify_code") {
        form.insert("verify_code".into(), "123456".into());
    }
    if form.contains_key("verify_code_list") {
        form.insert(
            "verify_code_list".into(),
            r#"[{"type":"sms","value":"123456"},{"type":"pwd","value":"n3w-pass"}]"#.into(),
        );
    }
}

#[tokio::test]
async fn every_check_in_the_table_runs_and_invalid_forms_never_leave_the_edge() {
    let (s, agent) = started(&[("CHECK_REUSE_S", "0".into())]).await;
    let mut pending = Vec::new();
    let mut table = Vec::new();
    // Moxie's carrier flow runs in the table's order: create a task, enter the SMS code,
    // status; its report and bills are asked for once the task has collected (below).
    let (mut task, mut reset_task) = (String::new(), String::new());
    let mut deferred = Vec::new();
    for check in CHECKS {
        if ["getmoxiereport", "getmoxiedata"].contains(&check.name) {
            deferred.push(check);
            continue;
        }
        let mut form = valid_form(check);
        moxie_inputs(check, &mut form, &task, &reset_task);
        let (code, view) = agent.run(check.name, &form).await;
        assert_eq!(code, 201, "{}: {view}", check.name);
        let state = view["state"].as_str().unwrap().to_owned();
        assert!(
            state == "settled" || state == "pending",
            "{}: {view}",
            check.name
        );
        match check.name {
            "getmoxietask" => task = task_id(&view),
            "getmoxieresettask" => reset_task = task_id(&view),
            _ => {}
        }
        if state == "pending" {
            pending.push((check.name, view["id"].as_str().unwrap().to_owned()));
        }
        table.push((check.name, view));
    }
    // Asynchronous ones: RealMe's notification (about 2 s later) settles them.
    for (name, id) in &pending {
        let view = agent.settled(id, Duration::from_secs(20)).await;
        assert_eq!(view["state"], "settled", "{name}: {view}");
        table.retain(|(n, _)| n != name);
        table.push((name, view));
    }
    for check in deferred {
        let mut form = valid_form(check);
        moxie_inputs(check, &mut form, &task, &reset_task);
        let deadline = Instant::now() + Duration::from_secs(20);
        let view = loop {
            let (code, view) = agent.run(check.name, &form).await;
            assert_eq!(code, 201, "{}: {view}", check.name);
            if view["state"] == "settled" {
                break view;
            }
            // The sandbox's task is still collecting: its report is not ready yet.
            assert!(Instant::now() < deadline, "{}: {view}", check.name);
            tokio::time::sleep(Duration::from_millis(500)).await;
        };
        table.push((check.name, view));
    }
    assert_eq!(table.len(), CHECKS.len());
    for (name, view) in &table {
        let verdict = view["verdict"].as_str().unwrap_or_default();
        assert!(
            ["match", "done"].contains(&verdict),
            "{name}: the default scenario is a match (or a result without yes/no): {view}"
        );
        assert!(
            !view["explanation_zh"]
                .as_str()
                .unwrap_or_default()
                .is_empty(),
            "{name}"
        );
    }

    // Invalid forms, one per field kind: 422 naming the field, and nothing sent upstream.
    let before = s.sandbox_calls("/api/realme/", "").await;
    let bad: [(&str, &str, &str); 9] = [
        ("namecheck", "full_name", "Zhang3"),
        ("namecheck", "id_number", "110101200007282907"),
        ("mobilecheck", "mobile_no", "12345"),
        ("staticfacecheck", "video_pic", "bm90IGFuIGltYWdl"),
        ("idcardidentify", "id_pic", "R0lGODlh"),
        ("namecheck", "full_name", ""),
        ("cardcheck", "acct_no", "6222020200112233441"),
        ("namecheck", "source_channel", "0"),
        ("mobilecheck", "unknown_field", "x"),
    ];
    for (name, field, value) in bad {
        let check = CHECKS.iter().find(|c| c.name == name).unwrap();
        let mut form = valid_form(check);
        if value.is_empty() {
            form.remove(field);
        } else {
            form.insert(field.into(), value.into());
        }
        let (code, body) = agent.run(name, &form).await;
        assert_eq!(code, 422, "{name}.{field}={value}: {body}");
        let named = body["params"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["param"] == field);
        assert!(named, "{name}.{field}: {body}");
    }
    // Hostile values in every field of every check, signed in: each is a 422 naming it.
    let mut hostile = 0;
    for check in CHECKS {
        for p in haoka_shared::realme_form::agent_params(check) {
            for (what, value) in [
                ("5000 characters", "9".repeat(5000)),
                ("NUL", "张\u{0}三".to_owned()),
                ("RTL override", "1101\u{202E}01200007282906".to_owned()),
            ] {
                let mut form = valid_form(check);
                form.insert(p.name.into(), value);
                let (code, body) = agent.run(check.name, &form).await;
                assert_eq!(code, 422, "{}.{} {what}: {body}", check.name, p.name);
                assert!(
                    body["params"]
                        .as_array()
                        .is_some_and(|a| a.iter().any(|i| i["param"] == p.name)),
                    "{}.{} {what}: {body}",
                    check.name,
                    p.name
                );
                hostile += 1;
            }
        }
    }
    assert!(hostile > 200, "{hostile}");
    assert_eq!(
        s.sandbox_calls("/api/realme/", "").await,
        before,
        "an invalid form reached RealMe"
    );
}

async fn sandbox_post(s: &Stack, path: &str, body: Value) -> Value {
    reqwest::Client::new()
        .post(format!("{}{path}", s.sandbox_url()))
        .json(&body)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap_or(Value::Null)
}

fn form(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

#[tokio::test]
async fn async_results_failover_reuse_consent_and_cases() {
    let (s, agent) = started(&[("CHECK_POLL_S", "1".into())]).await;
    let face = CHECKS.iter().find(|c| c.name == "staticfacecheck").unwrap();

    // Consent first; face and bank card checks need the separate tick.
    let person = form(&[("full_name", "张三"), ("id_number", "110101200007282906")]);
    let (code, body) = agent
        .run_with(
            "namecheck",
            &person,
            json!({ "version": CHECK_CONSENT_VERSION, "confirmed": false }),
        )
        .await;
    assert_eq!(
        (code, body["error"].as_str()),
        (422, Some("consent_required"))
    );
    let (code, body) = agent
        .run_with(
            "namecheck",
            &person,
            json!({ "version": "1999-01-01", "confirmed": true }),
        )
        .await;
    assert_eq!(
        (code, body["error"].as_str()),
        (422, Some("consent_required"))
    );
    let (code, body) = agent
        .run_with(
            "staticfacecheck",
            &valid_form(face),
            json!({ "version": CHECK_CONSENT_VERSION, "confirmed": true }),
        )
        .await;
    assert_eq!(
        (code, body["error"].as_str()),
        (422, Some("sensitive_consent_required"))
    );

    // Reuse: the same question within the window is answered from the last result, free.
    let (code, first) = agent.run("namecheck", &person).await;
    assert_eq!(
        (code, first["verdict"].as_str()),
        (201, Some("match")),
        "{first}"
    );
    assert!(first["cost_fen"].as_i64().unwrap() > 0, "{first}");
    let sent = s.sandbox_calls("/api/realme/v4/trade/namecheck", "").await;
    let (code, again) = agent.run("namecheck", &person).await;
    assert_eq!(code, 201);
    assert_eq!(again["reused_from"], first["id"], "{again}");
    assert_eq!(
        (again["via"].as_str(), again["cost_fen"].as_i64()),
        (Some("reuse"), Some(0))
    );
    assert_eq!(again["verdict"], "match");
    assert_eq!(
        s.sandbox_calls("/api/realme/v4/trade/namecheck", "").await,
        sent,
        "paid twice"
    );
    // Scenario names give their verdicts, in plain words.
    for (name, verdict) in [("李四", "mismatch"), ("王五", "no_record")] {
        let (code, view) = agent
            .run(
                "namecheck",
                &form(&[("full_name", name), ("id_number", "110101200007282906")]),
            )
            .await;
        assert_eq!(
            (code, view["verdict"].as_str()),
            (201, Some(verdict)),
            "{name}: {view}"
        );
        assert!(!view["explanation_zh"].as_str().unwrap().is_empty());
    }

    // phone3: busy centre → RealMe mobilecheck, said so.
    let three = form(&[
        ("full_name", "孙八"),
        ("id_number", "110101200007282906"),
        ("mobile_no", "18888888336"),
    ]);
    let (code, view) = agent.run("phone3", &three).await;
    assert_eq!(code, 201, "{view}");
    assert_eq!(
        (view["via"].as_str(), view["verdict"].as_str()),
        (Some("mobilecheck_failover"), Some("match")),
        "{view}"
    );
    let plain = form(&[
        ("full_name", "张三"),
        ("id_number", "110101200007282906"),
        ("mobile_no", "18888888336"),
    ]);
    let (_, view) = agent.run("phone3", &plain).await;
    assert_eq!(
        (view["via"].as_str(), view["verdict"].as_str()),
        (Some("phone3"), Some("match")),
        "{view}"
    );

    // Asynchronous, notification withheld: the poller settles it.
    let armed = sandbox_post(
        &s,
        "/__sandbox/faults",
        json!({ "path_prefix": "/api/realme/v4/trade/staticfacecheck", "mode": "withhold_callback", "count": 1 }),
    )
    .await;
    assert!(!armed.is_null(), "fault armed");
    let (code, pending) = agent.run("staticfacecheck", &valid_form(face)).await;
    assert_eq!(
        (code, pending["state"].as_str()),
        (201, Some("pending")),
        "{pending}"
    );
    let id = pending["id"].as_str().unwrap().to_owned();
    // The first poll is due after 1 s, the second later: on the edge's clock, 2.5 s pass.
    s.move_clock(2_500).await;
    let deadline = Instant::now() + Duration::from_secs(20);
    let polled = loop {
        let (code, report) = s.admin("/api/admin/reconcile", Some(json!({}))).await;
        assert_eq!(code, 200, "{report}");
        let (_, view) = agent.get(&format!("/api/console/checks/{id}")).await;
        if view["state"] != "pending" {
            break view;
        }
        assert!(
            Instant::now() < deadline,
            "never settled by polling: {view}"
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    };
    assert_eq!(
        (polled["state"].as_str(), polled["verdict"].as_str()),
        (Some("settled"), Some("match")),
        "{polled}"
    );

    // Notifications: a forged sign is refused and changes nothing; a replay changes nothing.
    // Another picture: a new question, not a reuse of the one above.
    let mut another = valid_form(face);
    another.insert(
        "video_pic".into(),
        STANDARD.encode(jpeg_bytes(&id_card_picture(100, 64), None)),
    );
    let (code, other) = agent.run("staticfacecheck", &another).await;
    assert_eq!(
        (code, other["via"].as_str()),
        (201, Some("realme")),
        "{other}"
    );
    let other_id = other["id"].as_str().unwrap().to_owned();
    let forged = reqwest::Client::new()
        .post(format!("{}/callbacks/realme", s.worker.url()))
        .form(&[
            ("order_id", other_id.as_str()),
            ("return_code", "10400"),
            ("resp_code", "01"),
            ("sign", "00000000000000000000000000000000"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status().as_u16(), 401);
    let settled = agent.settled(&other_id, Duration::from_secs(20)).await;
    assert_eq!(
        settled["verdict"], "match",
        "the forged 01 did not count: {settled}"
    );
    let delivered: Value = reqwest::get(format!("{}/__sandbox/callbacks", s.sandbox_url()))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let original = delivered["delivered"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d.to_string().contains(&other_id))
        .unwrap_or_else(|| panic!("no delivery for {other_id}: {delivered}"))
        .clone();
    assert_eq!(original["body"], "success", "{original}");
    let fields: Vec<(String, String)> = serde_json::from_value(original["fields"].clone()).unwrap();
    let body = serde_urlencoded::to_string(&fields).unwrap();
    let replay = reqwest::Client::new()
        .post(format!("{}/callbacks/realme", s.worker.url()))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(replay.status().as_u16(), 200);
    assert_eq!(replay.text().await.unwrap(), "success");
    let after = agent
        .get(&format!("/api/console/checks/{other_id}"))
        .await
        .1;
    assert_eq!(
        after["settled_at_ms"], settled["settled_at_ms"],
        "a replay settled it again"
    );
    let events = s.worker.query(&format!(
        "SELECT COUNT(*) AS n FROM audit_log WHERE action = 'check_settled' AND target = '{other_id}'"
    ));
    assert_eq!(events[0]["n"], 1);

    // Cases: open, run a check in it, close with a reason; another store's agent is refused.
    let (code, case) = agent
        .post(
            "/api/console/cases",
            json!({ "subject_name": "张三", "id_number": "110101200007282906" }),
        )
        .await;
    assert_eq!(code, 201, "{case}");
    assert_eq!(case["subject_masked"], "张* 110101********2906");
    assert_eq!(case["subject_parts"], "name,id_number");
    assert!(case.get("subject_enc").is_none(), "{case}");
    let case_id = case["id"].as_str().unwrap().to_owned();
    let sealed = s.worker.query(&format!(
        "SELECT subject_enc FROM cases WHERE id = '{case_id}'"
    ));
    let sealed = sealed[0]["subject_enc"].as_str().unwrap();
    assert!(
        sealed.starts_with("v2.e2e1.") && !sealed.contains("110101"),
        "{sealed}"
    );
    // The name and ID number come from the case: the agent types only the mobile.
    let consent = json!({ "version": CHECK_CONSENT_VERSION, "confirmed": true });
    for (body, code_wanted) in [
        (
            json!({ "check": "mobilecheck", "case_id": case_id, "from_case": ["mobile_no"],
                    "fields": {}, "consent": consent }),
            "from_case_not_fillable",
        ),
        (
            json!({ "check": "mobilecheck", "from_case": ["full_name"],
                    "fields": { "mobile_no": "18888888336" }, "consent": consent }),
            "from_case_without_case",
        ),
    ] {
        let (code, refused) = agent.post("/api/console/checks", body).await;
        assert_eq!(
            (code, refused["error"].as_str()),
            (422, Some(code_wanted)),
            "{refused}"
        );
    }
    let (code, in_case) = agent
        .post(
            "/api/console/checks",
            json!({ "check": "mobilecheck", "case_id": case_id,
                    "from_case": ["full_name", "id_number"],
                    "fields": { "full_name": "李四", "mobile_no": "18888888336" },
                    "consent": consent }),
        )
        .await;
    assert_eq!(code, 201, "{in_case}");
    assert_eq!(in_case["inputs"]["full_name"], "张*", "{in_case}");
    assert_eq!(
        in_case["inputs"]["id_number"], "110101********2906",
        "{in_case}"
    );
    let (_, detail) = agent.get(&format!("/api/console/cases/{case_id}")).await;
    assert_eq!(detail["checks"][0]["id"], in_case["id"], "{detail}");
    let other_store = Console::sign_in(&s, "agent2", PW).await;
    let (code, _) = other_store
        .get(&format!("/api/console/cases/{case_id}"))
        .await;
    assert_eq!(code, 403);
    let (code, _) = other_store
        .get(&format!(
            "/api/console/checks/{}",
            in_case["id"].as_str().unwrap()
        ))
        .await;
    assert_eq!(code, 403);
    let (code, listed) = other_store.get("/api/console/checks").await;
    assert_eq!(
        (code, listed["checks"].as_array().map(Vec::len)),
        (200, Some(0)),
        "{listed}"
    );
    let (code, closed) = agent
        .post(
            &format!("/api/console/cases/{case_id}/close"),
            json!({ "decision": "approved", "reason": "三项核验一致" }),
        )
        .await;
    assert_eq!(
        (code, closed["state"].as_str()),
        (200, Some("approved")),
        "{closed}"
    );
    let (code, _) = agent
        .post(
            &format!("/api/console/cases/{case_id}/close"),
            json!({ "decision": "rejected", "reason": "again" }),
        )
        .await;
    assert_eq!(code, 409);

    // History: the agent's own, masked; search by ID number through the keyed hash.
    let (code, mine) = agent
        .get("/api/console/checks?q=110101200007282906&check=namecheck")
        .await;
    assert_eq!(code, 200);
    let rows = mine["checks"].as_array().unwrap();
    assert!(rows.len() >= 3, "{mine}");
    for r in rows {
        assert_eq!(r["inputs"]["id_number"], "110101********2906", "{r}");
        assert!(
            !r.to_string().contains("110101200007282906"),
            "unmasked: {r}"
        );
    }
    // Reveal: a reason is required; the clear value comes back once, audited with the
    // reason; images were never kept; another store's agent is refused.
    let first_id = rows[0]["id"].as_str().unwrap().to_owned();
    let reveal = format!("/api/console/checks/{first_id}/reveal");
    let (code, body) = agent
        .post(&reveal, json!({ "field": "id_number", "reason": " " }))
        .await;
    assert_eq!(
        (code, body["error"].as_str()),
        (422, Some("reason_required"))
    );
    let (code, body) = agent
        .post(
            &reveal,
            json!({ "field": "id_number", "reason": "客户来电核对身份证号" }),
        )
        .await;
    assert_eq!(code, 200, "{body}");
    assert_eq!(body["value"], "110101200007282906");
    let (code, body) = agent
        .post(
            &format!("/api/console/checks/{other_id}/reveal"),
            json!({ "field": "video_pic", "reason": "看看照片" }),
        )
        .await;
    assert_eq!(
        (code, body["error"].as_str()),
        (404, Some("not_revealable"))
    );
    let (code, _) = other_store
        .post(
            &reveal,
            json!({ "field": "id_number", "reason": "只是好奇看看" }),
        )
        .await;
    assert_eq!(code, 403);
    let revealed = s.worker.query(&format!(
        "SELECT actor, detail FROM audit_log WHERE action = 'reveal' AND target = '{first_id}'"
    ));
    assert_eq!(revealed.len(), 1, "{revealed:?}");
    assert_eq!(revealed[0]["actor"], "agent1");
    assert!(
        revealed[0]["detail"]
            .as_str()
            .unwrap()
            .contains("客户来电核对身份证号"),
        "{revealed:?}"
    );

    let stored = s
        .worker
        .query("SELECT inputs_enc, inputs_masked, result_json FROM checks");
    assert!(
        !format!("{stored:?}").contains("110101200007282906"),
        "an ID number in clear at rest"
    );
    // Results are sealed too (OCR names and ID numbers, credit and carrier data).
    assert!(
        stored
            .iter()
            .filter_map(|r| r["result_json"].as_str())
            .all(|r| r.starts_with("v2.e2e1.")),
        "a result in clear at rest: {stored:?}"
    );
    assert!(
        !s.worker.server.log_text().contains("110101200007282906"),
        "an ID number in the log"
    );
}

#[tokio::test]
async fn spend_prices_stuck_orders_and_retention() {
    let (s, agent) = started(&[
        ("CHECK_INPUTS_DAYS", "0".into()),
        ("CHECK_RECORDS_DAYS", "0".into()),
        ("AUDIT_DAYS", "0".into()),
    ])
    .await;
    let admin = Console::sign_in(&s, "boss", PW).await;

    // Prices: anyone signed in reads them, only an admin sets one (audited).
    let (code, list) = agent.get("/api/console/prices").await;
    assert_eq!(code, 200);
    assert_eq!(
        list["prices"].as_array().map(Vec::len),
        Some(CHECKS.len() + 1)
    );
    let (code, _) = agent
        .post(
            "/api/console/prices",
            json!({ "check": "namecheck", "fen": 1 }),
        )
        .await;
    assert_eq!(code, 403);
    for bad in [
        json!({ "check": "nocheck", "fen": 10 }),
        json!({ "check": "namecheck", "fen": -1 }),
    ] {
        let (code, body) = admin.post("/api/console/prices", bad).await;
        assert_eq!((code, body["error"].as_str()), (422, Some("invalid_price")));
    }
    let (code, _) = admin
        .post(
            "/api/console/prices",
            json!({ "check": "namecheck", "fen": 45 }),
        )
        .await;
    assert_eq!(code, 200);

    // Spend and pass rates for the month: two namechecks, one match and one mismatch.
    for name in ["张三", "李四"] {
        let (code, view) = agent
            .run(
                "namecheck",
                &form(&[("full_name", name), ("id_number", "110101200007282906")]),
            )
            .await;
        assert_eq!((code, view["cost_fen"].as_i64()), (201, Some(45)), "{view}");
    }
    let (code, _) = agent.get("/api/console/reports/spend").await;
    assert_eq!(code, 403, "an agent sees no spend report");
    let (code, report) = admin.get("/api/console/reports/spend").await;
    assert_eq!(code, 200, "{report}");
    assert_eq!(report["total_fen"], 90, "{report}");
    let row = &report["by_agent"][0];
    assert_eq!(
        (
            row["agent"].as_str(),
            row["checks"].as_i64(),
            row["pass_rate"].as_f64()
        ),
        (Some("agent1"), Some(2), Some(0.5)),
        "{report}"
    );
    assert_eq!(report["by_check"][0]["check_name"], "namecheck");
    let (code, body) = admin.get("/api/console/reports/spend?month=2026-13").await;
    assert_eq!((code, body["error"].as_str()), (422, Some("invalid_month")));
    let (code, old) = admin.get("/api/console/reports/spend?month=2020-01").await;
    assert_eq!((code, old["total_fen"].as_i64()), (200, Some(0)), "{old}");

    // Export: an admin downloads the month's checks as CSV, masked, audited; others 403.
    let month = report["month"].as_str().unwrap().to_owned();
    let csv = reqwest::Client::new()
        .get(format!(
            "{}/api/console/exports/checks.csv?month={month}",
            s.worker.url()
        ))
        .header("cookie", admin.cookie.as_deref().expect("signed in"))
        .send()
        .await
        .unwrap();
    assert_eq!(csv.status().as_u16(), 200);
    assert!(
        csv.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    let text = csv.text().await.unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 3, "{text}");
    assert!(lines[0].contains("created_china_time"), "{text}");
    assert!(text.contains("110101********2906"), "{text}");
    assert!(!text.contains("110101200007282906"), "unmasked: {text}");
    let (code, _) = agent
        .get(&format!("/api/console/exports/checks.csv?month={month}"))
        .await;
    assert_eq!(code, 403);
    let exports = s
        .worker
        .query("SELECT COUNT(*) AS n FROM audit_log WHERE action = 'export'");
    assert_eq!(exports[0]["n"], 1);

    // Settings: an admin raises the face pass mark; the next face comparison is judged by it
    // (the sandbox's pictures score 88), and the change is audited; agents cannot change it.
    let (code, _) = agent
        .post(
            "/api/console/settings",
            json!({ "key": "REALME_PASS_SCORE", "value": "95" }),
        )
        .await;
    assert_eq!(code, 403);
    for (bad, why) in [
        (
            json!({ "key": "REALME_PASS_SCORE", "value": "101" }),
            "setting_out_of_range",
        ),
        (json!({ "key": "PII_KEY", "value": "1" }), "unknown_setting"),
    ] {
        let (code, body) = admin.post("/api/console/settings", bad).await;
        assert_eq!((code, body["error"].as_str()), (422, Some(why)), "{body}");
    }
    let match_mark = CHECKS.iter().find(|c| c.name == "picturematch").unwrap();
    let (_, before) = agent.run("picturematch", &valid_form(match_mark)).await;
    assert_eq!(before["verdict"], "match", "{before}");
    let (code, _) = admin
        .post(
            "/api/console/settings",
            json!({ "key": "REALME_PASS_SCORE", "value": "95" }),
        )
        .await;
    assert_eq!(code, 200);
    let (code, listed) = admin.get("/api/console/settings").await;
    assert_eq!(code, 200);
    let mark = listed["settings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["key"] == "REALME_PASS_SCORE")
        .unwrap()
        .clone();
    assert_eq!(
        (mark["value"].as_f64(), mark["default"].as_f64()),
        (Some(95.0), Some(60.0))
    );
    let mut other_pictures = valid_form(match_mark);
    other_pictures.insert(
        "image1".into(),
        STANDARD.encode(jpeg_bytes(&id_card_picture(90, 58), None)),
    );
    let (_, after) = agent.run("picturematch", &other_pictures).await;
    assert_eq!(after["verdict"], "face_below_threshold", "{after}");
    assert!(
        after["explanation_zh"].as_str().unwrap().contains("95"),
        "{after}"
    );
    // The earlier result keeps the words of the mark it was judged with.
    let (_, again) = agent
        .get(&format!(
            "/api/console/checks/{}",
            before["id"].as_str().unwrap()
        ))
        .await;
    assert!(
        again["explanation_zh"].as_str().unwrap().contains("60"),
        "{again}"
    );
    let changes = s
        .worker
        .query("SELECT detail FROM audit_log WHERE action = 'settings_change'");
    assert_eq!(changes.len(), 1, "{changes:?}");

    // Stuck orders: an admin's session lists and settles them (CSRF required); an agent
    // gets 403.
    let (code, orders) = admin.get("/api/admin/orders?state=unconfirmed").await;
    assert_eq!(code, 200, "{orders}");
    assert!(orders["orders"].is_array());
    let (code, _) = agent.get("/api/admin/orders?state=unconfirmed").await;
    assert_eq!(code, 403);
    let no_csrf = reqwest::Client::new()
        .post(format!(
            "{}/api/admin/orders/HK20261124000000ABCDEF/settle",
            s.worker.url()
        ))
        .header("cookie", admin.cookie.as_deref().expect("signed in"))
        .json(&json!({ "action": "close" }))
        .send()
        .await
        .unwrap();
    assert_eq!(no_csrf.status().as_u16(), 403);
    let (code, body) = admin
        .post(
            "/api/admin/orders/HK20261124000000ABCDEF/settle",
            json!({ "action": "close" }),
        )
        .await;
    assert_eq!(code, 404, "{body}");

    // Retention (all set to 0 days here): the cron clears inputs, deletes checks and old
    // audit entries, and records that it did; the chain still verifies.
    let (code, report) = s.admin("/api/admin/reconcile", Some(json!({}))).await;
    assert_eq!(code, 200, "{report}");
    assert_eq!(report["purged"]["checks"], 4, "{report}");
    assert!(report["purged"]["audit"].as_i64().unwrap() > 5, "{report}");
    let left = s.worker.query("SELECT COUNT(*) AS n FROM checks");
    assert_eq!(left[0]["n"], 0);
    let (code, audit) = admin.get("/api/console/audit").await;
    assert_eq!(code, 200, "{audit}");
    assert_eq!(audit["chain_ok"], true, "{audit}");
    let actions: Vec<&str> = audit["entries"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["action"].as_str())
        .collect();
    assert!(actions.contains(&"retention_purge"), "{actions:?}");
}
