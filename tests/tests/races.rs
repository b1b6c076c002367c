//! The race and abuse suite: the real worker in workerd against the sandbox, pushed the way a
//! busy day or an attacker would. Every race runs its requests at once and repeats enough to
//! fail on a read-then-write; every budget is checked by what reached the vendors (nothing,
//! for a refused request).

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)] // test helpers fail loudly

use std::{
    sync::OnceLock,
    time::{Duration, Instant},
};

use futures_util::future::join_all;
use haoka_e2e::{
    Face, Stack, client,
    console::{Console, bootstrap, first_admin},
    count, order_json, reply, send_retrying,
};
use serde_json::{Value, json};

/// Orders with the shop's limits (1 per product, 5 in all), the sandbox's callbacks far off
/// (the tests send them), budgets wide (each test that needs a budget has its own stack).
fn stack() -> &'static Stack {
    static S: OnceLock<Stack> = OnceLock::new();
    S.get_or_init(|| {
        Stack::start(
            &[
                ("ORDER_LIMIT_PER_PRODUCT", "1".into()),
                ("ORDER_LIMIT_TOTAL", "5".into()),
            ],
            600_000,
        )
    })
}

/// A valid ID number born 1990-03-07, distinct per `seq` (000–999).
fn id_number(seq: u32) -> String {
    haoka_e2e::id_number("19900307", seq)
}

fn order(seq: u32) -> Value {
    order_json("2188", "张三", &id_number(seq), "先锋大楼 3单元 208")
}

/// `POST /api/orders` with this key, from `ip` (miniflare keeps a client's CF-Connecting-IP,
/// as Cloudflare sets it), with extra headers.
async fn submit(
    s: &Stack,
    key: &str,
    body: &Value,
    ip: &str,
    extra: &[(&str, &str)],
) -> (u16, Value) {
    let make = || {
        let mut req = client()
            .post(format!("{}/api/orders", s.worker.url()))
            .header("Idempotency-Key", key)
            .header("CF-Connecting-IP", ip)
            .json(body);
        for (k, v) in extra {
            req = req.header(*k, *v);
        }
        req
    };
    reply(send_retrying(make).await).await
}

/// Wait (bounded) until `sql` counts `want`.
fn wait_count(s: &Stack, sql: &str, want: i64, within: Duration) {
    let deadline = Instant::now() + within;
    loop {
        let n = count(s, sql);
        if n == want {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "{sql} counted {n}, not {want}, within {within:?}; worker log:\n{}",
            s.worker.server.log_text()
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// Wait until the current minute has at least 20 s left, so a burst lands in one budget window.
fn fresh_window() {
    let deadline = Instant::now() + Duration::from_secs(25);
    while std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() % 60_000)
        .unwrap_or(0)
        > 40_000
    {
        assert!(Instant::now() < deadline, "the clock does not move");
        std::thread::sleep(Duration::from_millis(200));
    }
}

#[tokio::test]
async fn parallel_orders_for_one_person_are_held_to_the_limit() {
    let s = stack();
    // Three people, twenty submits each, all at once, each with its own key: the per-person
    // limit (1 open order of this product) must hold every time.
    for person in 0..3u32 {
        let seq = 100 + person;
        let runs = (0..20).map(|i| {
            let key = format!("race-limit-{seq}-{i:02}");
            async move { submit(s, &key, &order(seq), "192.0.2.10", &[]).await }
        });
        let answers = join_all(runs).await;
        let accepted = answers
            .iter()
            .filter(|(c, _)| *c == 201 || *c == 200)
            .map(|(_, b)| b["order_id"].to_string())
            .collect::<std::collections::HashSet<_>>()
            .len();
        let limited = answers
            .iter()
            .filter(|(c, b)| *c == 409 && b["error"] == "order_limit_product")
            .count();
        assert_eq!((accepted, limited), (1, 19), "person {seq}: {answers:?}");
        assert_eq!(
            count(
                s,
                &format!(
                    "SELECT COUNT(*) AS n FROM orders WHERE idempotency_key LIKE 'race-limit-{seq}-%'"
                )
            ),
            1
        );
    }
    // The pre-check says so before any photo, and asks RealMe nothing: the limit is known.
    let before = s.sandbox_calls("/api/realme/", &id_number(100)).await;
    let ask = order(100);
    let (code, body) = reply(
        send_retrying(|| {
            client()
                .post(format!("{}/api/precheck", s.worker.url()))
                .header("CF-Connecting-IP", "192.0.2.10")
                .json(&ask)
        })
        .await,
    )
    .await;
    assert_eq!(
        (code, body["error"].as_str()),
        (409, Some("order_limit_product")),
        "{body}"
    );
    assert!(
        body["message_zh"]
            .as_str()
            .unwrap_or_default()
            .contains("订单"),
        "{body}"
    );
    assert_eq!(
        s.sandbox_calls("/api/realme/", &id_number(100)).await,
        before
    );
}

#[tokio::test]
async fn reviewing_and_shipped_at_once_always_end_shipped_with_one_event_each() {
    let s = stack();
    let seqs: Vec<u32> = (200..220).collect();
    let mut orders = Vec::new();
    for seq in &seqs {
        let (code, body) = submit(
            s,
            &format!("race-cb-{seq}"),
            &order(*seq),
            "192.0.2.11",
            &[],
        )
        .await;
        assert_eq!(code, 201, "{body}");
        orders.push(body["order_id"].as_str().expect("order_id").to_owned());
    }
    let ids: Vec<String> = orders.iter().map(|o| format!("'{o}'")).collect();
    let ids = ids.join(",");
    wait_count(
        s,
        &format!("SELECT COUNT(*) AS n FROM orders WHERE id IN ({ids}) AND state = 'submitted'"),
        20,
        Duration::from_secs(90),
    );
    let key = s.secret("CALLBACK_HMAC_KEY");
    let mut calls = Vec::new();
    for id in &orders {
        let xid = s
            .worker
            .query(&format!("SELECT api_xid FROM orders WHERE id = '{id}'"))[0]["api_xid"]
            .as_str()
            .expect("api_xid")
            .to_owned();
        let url = format!(
            "{}/callbacks/xingguang/{xid}/{}",
            s.worker.url(),
            haoka_edge_core::crypto::callback_token(&key, &xid)
        );
        let reviewing = vec![("api_xid", xid.clone()), ("apistatus", "审核中".to_owned())];
        let shipped = vec![
            ("api_xid", xid.clone()),
            ("apistatus", "已发货".to_owned()),
            ("express", "顺丰速运".to_owned()),
            ("express_no", format!("SF{}", &xid[xid.len() - 8..])),
        ];
        for fields in [reviewing, shipped] {
            let url = url.clone();
            calls.push(async move {
                reply(
                    client()
                        .post(url)
                        .form(&fields)
                        .send()
                        .await
                        .expect("callback"),
                )
                .await
            });
        }
    }
    let answers = join_all(calls).await;
    assert!(answers.iter().all(|(c, _)| *c == 200), "{answers:?}");
    assert_eq!(
        count(
            s,
            &format!("SELECT COUNT(*) AS n FROM orders WHERE id IN ({ids}) AND state = 'shipped'")
        ),
        20,
        "every order shipped; log:\n{}",
        s.worker.server.log_text()
    );
    for id in &orders {
        let shipped_events = count(
            s,
            &format!(
                "SELECT COUNT(*) AS n FROM order_events WHERE order_id = '{id}' AND to_state = 'shipped'"
            ),
        );
        let reviewing_events = count(
            s,
            &format!(
                "SELECT COUNT(*) AS n FROM order_events WHERE order_id = '{id}' AND to_state = 'reviewing'"
            ),
        );
        assert_eq!(shipped_events, 1, "{id}");
        assert!(reviewing_events <= 1, "{id}");
    }
    // The vendor's retry of a callback whose answer it lost still lands (and adds nothing).
    let id = &orders[0];
    let before = count(
        s,
        &format!("SELECT COUNT(*) AS n FROM order_events WHERE order_id = '{id}'"),
    );
    let xid = s
        .worker
        .query(&format!("SELECT api_xid FROM orders WHERE id = '{id}'"))[0]["api_xid"]
        .as_str()
        .unwrap()
        .to_owned();
    let (code, body) = reply(
        client()
            .post(format!(
                "{}/callbacks/xingguang/{xid}/{}",
                s.worker.url(),
                haoka_edge_core::crypto::callback_token(&key, &xid)
            ))
            .form(&[("api_xid", xid.as_str()), ("apistatus", "审核中")])
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(
        (code, body["msg"].as_str()),
        (200, Some("duplicate")),
        "{body}"
    );
    assert_eq!(
        count(
            s,
            &format!("SELECT COUNT(*) AS n FROM order_events WHERE order_id = '{id}'")
        ),
        before
    );
}

#[tokio::test]
async fn duplicate_job_messages_never_send_twice_and_attempts_stay_honest() {
    // Its own stack: a slow vendor (each pushorder outlives the time-out, so its outcome is
    // unknown) and a long resend delay, so one send is all that may happen in this test.
    let s = Stack::start_face(
        &[
            ("UPSTREAM_TIMEOUT_MS", "1500".into()),
            ("SEND_BASE_DELAY_S", "120".into()),
            ("SEND_MAX_ATTEMPTS", "4".into()),
        ],
        600_000,
        Face::Full,
    );
    let fault = json!({"path_prefix": "/order/api/haoteam/pushorder", "mode": "slow", "delay_ms": 2500, "count": 20});
    let armed = client()
        .post(format!("{}/__sandbox/faults", s.sandbox_url()))
        .json(&fault)
        .send()
        .await
        .unwrap();
    assert_eq!(armed.status().as_u16(), 200);
    for round in 0..3u32 {
        let seq = 300 + round;
        let (code, accepted) = submit(
            &s,
            &format!("race-lease-{seq}"),
            &order(seq),
            "192.0.2.12",
            &[],
        )
        .await;
        assert_eq!(code, 201, "{accepted}");
        let id = accepted["order_id"].as_str().unwrap().to_owned();
        // Eight reconcile passes at once, while the order is due: each puts another "advance"
        // message on the queue (a cron pass racing the queue, a redelivery).
        let passes =
            (0..8).map(|_| {
                let url = format!("{}/api/admin/reconcile", s.worker.url());
                let token = s.admin_token.clone();
                async move {
                    reply(send_retrying(|| client().post(&url).bearer_auth(&token)).await).await
                }
            });
        let reports = join_all(passes).await;
        let messages: usize = 1 + reports
            .iter()
            .map(|(code, r)| {
                assert_eq!(*code, 200, "{r}");
                usize::try_from(r["due"].as_u64().unwrap_or(0)).unwrap()
            })
            .sum::<usize>();
        // Every message handled: each advance logs exactly one outcome line.
        let needle = format!("advance {id}: ");
        let deadline = Instant::now() + Duration::from_secs(60);
        while s.worker.server.log_text().matches(&needle).count() < messages {
            assert!(
                Instant::now() < deadline,
                "{messages} messages for {id}, handled:\n{}",
                s.worker.server.log_text()
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        // The edge counts a send before making it, so `send_attempts` is every send; the
        // sandbox saw each as a request (whose fields it never read: the edge hung up after
        // its time-out, before the slow vendor got to them).
        let row = &s.worker.query(&format!(
            "SELECT send_attempts, state, lease_owner FROM orders WHERE id = '{id}'"
        ))[0];
        assert_eq!(
            row["send_attempts"], 1,
            "round {round}: {messages} messages: {row}"
        );
        let pushes = s.sandbox_calls("/order/api/haoteam/pushorder", "").await;
        assert_eq!(
            pushes,
            usize::try_from(round).unwrap() + 1,
            "{messages} messages, one send per round"
        );
        assert_eq!(row["state"], "sending", "{row}");
        assert!(
            row["lease_owner"].is_null(),
            "the lease was given back: {row}"
        );
    }
}

#[tokio::test]
async fn guessing_an_order_locks_its_lookup() {
    let s = stack();
    let seq = 400;
    let (code, accepted) = submit(s, "race-lookup-400", &order(seq), "192.0.2.13", &[]).await;
    assert_eq!(code, 201, "{accepted}");
    let id = accepted["order_id"].as_str().unwrap().to_owned();
    let right = id_number(seq)[12..].to_owned();
    // Forty guesses at once, each from its own address (no address budget helps here): the
    // order itself counts the misses.
    let guesses = (0..40u32).map(|i| {
        let body = json!({"order_id": id, "id_last6": format!("{:06}", 900_000 + i)});
        let url = format!("{}/api/orders/lookup", s.worker.url());
        async move {
            reply(
                client()
                    .post(url)
                    .header("CF-Connecting-IP", format!("203.0.113.{}", i + 1))
                    .json(&body)
                    .send()
                    .await
                    .unwrap(),
            )
            .await
        }
    });
    let answers = join_all(guesses).await;
    let misses = answers.iter().filter(|(c, _)| *c == 404).count();
    let locked = answers
        .iter()
        .filter(|(c, b)| *c == 429 && b["error"] == "lookup_locked")
        .count();
    assert_eq!((misses, locked), (4, 36), "{answers:?}");
    // Now even the right answer waits out the hour.
    let (code, body) = reply(
        client()
            .post(format!("{}/api/orders/lookup", s.worker.url()))
            .header("CF-Connecting-IP", "203.0.113.200")
            .json(&json!({"order_id": id, "id_last6": right}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(
        (code, body["error"].as_str()),
        (429, Some("lookup_locked")),
        "{body}"
    );
    assert!(
        body["message_zh"].as_str().unwrap().contains("1 小时"),
        "{body}"
    );
}

#[tokio::test]
async fn one_address_is_held_to_its_budget_and_refused_orders_cost_nothing_upstream() {
    // The shipped defaults for orders (10 a minute per address, 3 per person or device).
    let s = Stack::start(
        &[
            ("ORDERS_PER_MINUTE", "10".into()),
            ("ORDERS_PER_MINUTE_PERSON", "3".into()),
            ("ORDERS_PER_MINUTE_DEVICE", "3".into()),
            ("ORDERS_PER_MINUTE_ALL", "120".into()),
            ("PRECHECKS_PER_MINUTE", "10".into()),
        ],
        600_000,
    );
    fresh_window();
    // Fifty people from one address at once.
    let runs = (0..50u32).map(|i| {
        let s = &s;
        async move {
            let seq = 500 + i;
            (
                seq,
                submit(
                    s,
                    &format!("abuse-ip-{seq}"),
                    &order(seq),
                    "198.51.100.7",
                    &[],
                )
                .await,
            )
        }
    });
    let answers = join_all(runs).await;
    let accepted: Vec<u32> = answers
        .iter()
        .filter(|(_, (c, _))| *c == 201)
        .map(|(q, _)| *q)
        .collect();
    let refused: Vec<&Value> = answers
        .iter()
        .filter(|(_, (c, _))| *c == 429)
        .map(|(_, (_, b))| b)
        .collect();
    assert_eq!((accepted.len(), refused.len()), (10, 40), "{answers:?}");
    assert!(refused.iter().all(|b| b["error"] == "order_budget_address"
        && b["message_zh"].as_str().unwrap().contains("请几分钟后再试")));
    // Only the accepted people were checked at RealMe, once each; the refused ones nowhere.
    wait_count(
        &s,
        "SELECT COUNT(*) AS n FROM orders WHERE idempotency_key LIKE 'abuse-ip-%' AND state NOT IN ('received', 'checking')",
        10,
        Duration::from_secs(60),
    );
    for (seq, (code, _)) in &answers {
        let calls = s.sandbox_calls("/api/realme/", &id_number(*seq)).await;
        assert_eq!(calls, usize::from(*code == 201), "person {seq} ({code})");
    }
    // Neighbours in one IPv6 /64 share a budget; the next /64 has its own.
    let v6 = (0..11u32).map(|i| {
        let s = &s;
        async move {
            let seq = 600 + i;
            let ip = format!("2001:db8:7:7::{:x}", i + 1);
            submit(s, &format!("abuse-v6-{seq}"), &order(seq), &ip, &[])
                .await
                .0
        }
    });
    let codes = join_all(v6).await;
    assert_eq!(
        (
            codes.iter().filter(|c| **c == 201).count(),
            codes.iter().filter(|c| **c == 429).count()
        ),
        (10, 1),
        "{codes:?}"
    );
    let (code, body) = submit(&s, "abuse-v6-next", &order(611), "2001:db8:7:8::1", &[]).await;
    assert_eq!(code, 201, "{body}");
    // A device is held to 3 a minute; another device behind the same address is not.
    let device = [("x-haoka-device", "device-aaaaaaaaaaaaaaaa")];
    let mut codes = Vec::new();
    for i in 0..4u32 {
        codes.push(
            submit(
                &s,
                &format!("abuse-dev-{i}"),
                &order(700 + i),
                "198.51.100.8",
                &device,
            )
            .await
            .0,
        );
    }
    assert_eq!(codes, [201, 201, 201, 429]);
    let other = [("x-haoka-device", "device-bbbbbbbbbbbbbbbb")];
    assert_eq!(
        submit(&s, "abuse-dev-other", &order(710), "198.51.100.8", &other)
            .await
            .0,
        201
    );
    // Pre-checks from one address: the 11th in the minute is refused before RealMe hears of it.
    let mut codes = Vec::new();
    for i in 0..11u32 {
        let ask = json!({"product_id": "2188", "name": "张三", "id_number": id_number(800 + i), "mobile": "18888888336"});
        let resp = client()
            .post(format!("{}/api/precheck", s.worker.url()))
            .header("CF-Connecting-IP", "198.51.100.9")
            .json(&ask)
            .send()
            .await
            .unwrap();
        codes.push(resp.status().as_u16());
    }
    assert_eq!(codes.iter().filter(|c| **c == 200).count(), 10, "{codes:?}");
    assert_eq!(codes[10], 429, "{codes:?}");
    assert_eq!(s.sandbox_calls("/api/realme/", &id_number(810)).await, 0);
}

#[tokio::test]
async fn turnstile_passes_refuses_and_survives_an_outage() {
    let s = Stack::start(
        &[("TURNSTILE_SECRET", "local-turnstile-secret".into())],
        600_000,
    );
    let token = |t: &'static str| [("x-haoka-turnstile", t)];
    let (code, body) = submit(&s, "ts-none-0001", &order(900), "192.0.2.20", &[]).await;
    assert_eq!(
        (code, body["error"].as_str()),
        (403, Some("bot_check_failed")),
        "{body}"
    );
    let (code, _) = submit(
        &s,
        "ts-fail-0001",
        &order(901),
        "192.0.2.20",
        &token("fail-1"),
    )
    .await;
    assert_eq!(code, 403);
    let (code, body) = submit(
        &s,
        "ts-pass-0001",
        &order(902),
        "192.0.2.20",
        &token("pass:order:1"),
    )
    .await;
    assert_eq!(code, 201, "{body}");
    // A solved token works once: a second order with it (another key) is refused.
    let (code, _) = submit(
        &s,
        "ts-pass-0002",
        &order(903),
        "192.0.2.20",
        &token("pass:order:1"),
    )
    .await;
    assert_eq!(code, 403);
    // The same submit again (same key, e.g. a lost answer) is the same order, no new check.
    let (code, again) = submit(
        &s,
        "ts-pass-0001",
        &order(902),
        "192.0.2.20",
        &token("pass:order:1"),
    )
    .await;
    assert_eq!(
        (code, &again["order_id"]),
        (200, &body["order_id"]),
        "{again}"
    );
    // siteverify down: the order goes on (with an unchecked client's budgets), said in the log.
    let (code, body) = submit(
        &s,
        "ts-outage-01",
        &order(904),
        "192.0.2.20",
        &token("outage"),
    )
    .await;
    assert_eq!(code, 201, "{body}");
    s.worker
        .server
        .wait_log("turnstile unavailable", Duration::from_secs(10));
    // Nothing of the refused ones reached RealMe.
    wait_count(
        &s,
        "SELECT COUNT(*) AS n FROM orders WHERE idempotency_key LIKE 'ts-%' AND state NOT IN ('received', 'checking')",
        2,
        Duration::from_secs(60),
    );
    for (seq, reached) in [(900, 0), (901, 0), (902, 1), (903, 0), (904, 1)] {
        assert_eq!(
            s.sandbox_calls("/api/realme/", &id_number(seq)).await,
            reached,
            "{seq}"
        );
    }
    // The pre-check asks for the widget too.
    let ask = json!({"product_id": "2188", "name": "张三", "id_number": id_number(905), "mobile": "18888888336"});
    let url = format!("{}/api/precheck", s.worker.url());
    let bare = client().post(&url).json(&ask).send().await.unwrap();
    assert_eq!(bare.status().as_u16(), 403);
    let solved = client()
        .post(&url)
        .header("x-haoka-turnstile", "pass:precheck:2")
        .json(&ask)
        .send()
        .await
        .unwrap();
    assert_eq!(solved.status().as_u16(), 200);
}

#[tokio::test]
async fn bootstrap_once_lockout_counts_every_try_and_sign_in_refuses_other_sites() {
    let s = stack();
    const PW: &str = "a long enough admin password";
    // Ten first-admin requests at once: one admin.
    let boots = (0..10).map(|i| {
        let body = json!({"username": format!("boss{i}"), "display_name": "老板", "password": PW});
        bootstrap(s, Some(&s.admin_token), body)
    });
    let answers = join_all(boots).await;
    let created: Vec<&Value> = answers
        .iter()
        .filter(|(c, _)| *c == 201)
        .map(|(_, b)| b)
        .collect();
    assert_eq!(created.len(), 1, "{answers:?}");
    assert!(
        answers
            .iter()
            .filter(|(c, _)| *c != 201)
            .all(|(c, b)| *c == 409 && b["error"] == "bootstrap_done")
    );
    assert_eq!(
        count(s, "SELECT COUNT(*) AS n FROM accounts WHERE role = 'admin'"),
        1
    );
    let boss = created[0]["username"].as_str().unwrap().to_owned();

    // Sign-in takes JSON from this origin only.
    let url = format!("{}/api/console/login", s.worker.url());
    let body = json!({"username": boss, "password": PW}).to_string();
    let plain = send_retrying(|| {
        client()
            .post(&url)
            .header("content-type", "text/plain")
            .body(body.clone())
    })
    .await;
    let (code, refused) = reply(plain).await;
    assert_eq!(
        (code, refused["error"].as_str()),
        (403, Some("login_refused")),
        "{refused}"
    );
    for (name, value) in [
        ("origin", "https://evil.example"),
        ("sec-fetch-site", "cross-site"),
    ] {
        let resp = send_retrying(|| {
            client()
                .post(&url)
                .header("content-type", "application/json")
                .header(name, value)
                .body(body.clone())
        })
        .await;
        assert_eq!(resp.status().as_u16(), 403, "{name}: {value}");
    }
    assert_eq!(
        count(
            s,
            &format!("SELECT COUNT(*) AS n FROM sessions WHERE username = '{boss}'")
        ),
        0
    );

    // A signed-in admin changes their own password only with the current one.
    let mut admin = Console::from_ip(s, "192.0.2.30");
    let (code, body) = admin.login_retrying(&boss, PW).await;
    assert_eq!(code, 200, "{body}");
    let own = format!("/api/console/accounts/{boss}");
    let change = |body: Value| admin.post(&own, body);
    let (code, body) = change(json!({"password": "another long password 1"})).await;
    assert_eq!(
        (code, body["error"].as_str()),
        (422, Some("current_password_required")),
        "{body}"
    );
    let (code, _) =
        change(json!({"password": "another long password 1", "current_password": "wrong one"}))
            .await;
    assert_eq!(code, 422);
    let (code, body) =
        change(json!({"password": "another long password 1", "current_password": PW})).await;
    assert_eq!(code, 200, "{body}");
    const PW2: &str = "another long password 1";

    // Ten wrong passwords at once (from ten addresses, past any per-address throttle): every
    // one that finds the account unlocked counts — one atomic statement each, so the counter
    // hands out 1, 2, 3 … with none lost — and the fifth locks it; a try that loads the account
    // after that is answered the same and not counted (the lock holds it instead).
    let mark = s
        .worker
        .query("SELECT COALESCE(MAX(seq), 0) AS seq FROM audit_log")[0]["seq"]
        .as_i64()
        .unwrap_or(0);
    let guesses = (0..10u32).map(|i| {
        let boss = boss.clone();
        async move {
            let mut guesser = Console::from_ip(s, &format!("198.18.0.{}", i + 1));
            guesser
                .login_retrying(&boss, "wrong password guess")
                .await
                .0
        }
    });
    let codes = join_all(guesses).await;
    assert!(codes.iter().all(|c| *c == 401), "{codes:?}");
    let row = &s.worker.query(&format!(
        "SELECT failures, locked_until_ms FROM accounts WHERE username = '{boss}'"
    ))[0];
    let failures = row["failures"].as_i64().unwrap_or(0);
    assert!((5..=10).contains(&failures), "{row}");
    assert!(!row["locked_until_ms"].is_null(), "{row}");
    let audited = s.worker.query(&format!(
        "SELECT action, detail FROM audit_log WHERE seq > {mark} AND actor = '{boss}' \
         AND action IN ('login_failed', 'login_locked')"
    ));
    let mut counted: Vec<String> = audited
        .iter()
        .filter(|a| a["action"] == "login_failed")
        .map(|a| a["detail"].as_str().unwrap_or_default().to_owned())
        .collect();
    counted.sort_by_key(|d| {
        d.trim_start_matches("failures=")
            .parse::<i64>()
            .unwrap_or(0)
    });
    let expected: Vec<String> = (1..=failures).map(|n| format!("failures={n}")).collect();
    assert_eq!(
        counted, expected,
        "each counted try got its own number: {audited:?}"
    );
    assert_eq!(audited.len(), 10, "every try is accounted for: {audited:?}");
    let (code, _) = Console::from_ip(s, "198.18.1.1")
        .login_retrying(&boss, PW2)
        .await;
    assert_eq!(code, 401, "locked: even the right password is refused");
}

#[tokio::test]
async fn the_audit_chain_shows_a_deleted_newest_entry() {
    let s = Stack::start(&[], 600_000);
    const PW: &str = "a long enough admin password";
    let admin = first_admin(&s, "boss", "老板", PW).await;
    let audit = || async { admin.get("/api/console/audit").await.1 };
    // The cron's pass writes the head (a checkpoint, and the sealed head in R2).
    s.reconcile().await;
    let log = audit().await;
    assert_eq!(log["chain_ok"], true, "{log}");
    let newest = count(&s, "SELECT MAX(seq) AS n FROM audit_log");
    assert!(newest >= 2, "{log}");
    // D1 itself refuses to delete an entry no purge covers…
    let refused = s
        .worker
        .tamper(&format!("DELETE FROM audit_log WHERE seq = {newest}"))
        .expect_err("the trigger refuses");
    assert!(refused.contains("retention purge"), "{refused}");
    // …and when someone with the database drops the trigger and cuts the tail, it shows.
    s.worker
        .tamper(&format!(
            "DROP TRIGGER audit_log_no_delete; DELETE FROM audit_log WHERE seq = {newest}"
        ))
        .expect("tampered");
    let log = audit().await;
    assert_eq!(log["chain_ok"], false, "{log}");
    assert_eq!(log["first_bad_seq"], newest, "{log}");
}

#[tokio::test]
async fn ended_orders_go_with_their_events_after_their_retention() {
    let s = Stack::start(&[("ORDER_RECORDS_DAYS", "0".into())], 600_000);
    // 李四 fails the pre-check (the sandbox's mismatch): the order ends in check_failed.
    let mut ended = order(950);
    ended["name"] = json!("李四");
    let (code, gone) = submit(&s, "retention-ended", &ended, "192.0.2.50", &[]).await;
    assert_eq!(code, 201, "{gone}");
    let (code, kept) = submit(&s, "retention-open", &order(951), "192.0.2.50", &[]).await;
    assert_eq!(code, 201, "{kept}");
    let gone = gone["order_id"].as_str().unwrap().to_owned();
    let kept = kept["order_id"].as_str().unwrap().to_owned();
    wait_count(
        &s,
        &format!("SELECT COUNT(*) AS n FROM orders WHERE id = '{gone}' AND state = 'check_failed'"),
        1,
        Duration::from_secs(60),
    );
    wait_count(
        &s,
        &format!("SELECT COUNT(*) AS n FROM orders WHERE id = '{kept}' AND state = 'submitted'"),
        1,
        Duration::from_secs(60),
    );
    let report = s.reconcile().await;
    assert!(report["orders_purged"].as_u64().unwrap() >= 1, "{report}");
    for (id, want) in [(&gone, 0), (&kept, 1)] {
        assert_eq!(
            count(
                &s,
                &format!("SELECT COUNT(*) AS n FROM orders WHERE id = '{id}'")
            ),
            want
        );
        let events = count(
            &s,
            &format!("SELECT COUNT(*) AS n FROM order_events WHERE order_id = '{id}'"),
        );
        assert_eq!(events > 0, want == 1, "{id}: {events} events");
    }
}

/// The admin list's masked names by order id.
async fn listed_names(s: &Stack) -> Vec<(String, String)> {
    let (code, list) = s.admin("/api/admin/orders", None).await;
    assert_eq!(code, 200, "{list}");
    let mut names: Vec<(String, String)> = list["orders"]
        .as_array()
        .expect("orders")
        .iter()
        .map(|o| {
            (
                o["order_id"].as_str().unwrap().to_owned(),
                o["name"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    names.sort();
    names
}

/// How many sealed order values start with `prefix`.
fn sealed_with(s: &Stack, prefix: &str) -> i64 {
    count(
        s,
        &format!(
            "SELECT (SELECT COUNT(*) FROM orders WHERE name_enc LIKE '{prefix}%') \
             + (SELECT COUNT(*) FROM orders WHERE mobile_enc LIKE '{prefix}%') \
             + (SELECT COUNT(*) FROM orders WHERE id_number_enc LIKE '{prefix}%') \
             + (SELECT COUNT(*) FROM orders WHERE address_enc LIKE '{prefix}%') AS n"
        ),
    )
}

#[tokio::test]
async fn the_pii_key_rotates_old_rows_readable_new_rows_new_key_and_the_cron_reseals() {
    let k1 = format!("k1:{}", "a1".repeat(20));
    let k2 = format!("k2:{}", "b2".repeat(20));
    let mut s = Stack::start(&[("PII_KEYS", k1.clone())], 600_000);
    let (code, first) = submit(&s, "rotate-0001", &order(960), "192.0.2.60", &[]).await;
    assert_eq!(code, 201, "{first}");
    assert_eq!(sealed_with(&s, "v2.k1."), 4);
    let before = listed_names(&s).await;
    assert_eq!(before.len(), 1);
    assert_eq!(before[0].1, "张*");

    // Rotation: k2 seals from now on, k1 still opens.
    s.restart_worker(&[("PII_KEYS", format!("{k2},{k1}"))], &[]);
    assert_eq!(listed_names(&s).await, before, "old rows readable");
    // The lookup key did not change: the same person is still held to the limit.
    let (code, again) = submit(&s, "rotate-0002", &order(960), "192.0.2.60", &[]).await;
    assert_eq!(
        (code, again["error"].as_str()),
        (409, Some("order_limit_product")),
        "{again}"
    );
    let (code, second) = submit(&s, "rotate-0003", &order(961), "192.0.2.60", &[]).await;
    assert_eq!(code, 201, "{second}");
    assert_eq!(
        (sealed_with(&s, "v2.k1."), sealed_with(&s, "v2.k2.")),
        (4, 4)
    );

    // The cron's pass moves the old values under k2; a second pass has nothing to do.
    let report = s.reconcile().await;
    assert_eq!(report["resealed"]["moved"], 4, "{report}");
    assert_eq!(report["resealed"]["behind"], 0, "{report}");
    assert_eq!(report["resealed"]["unreadable"], 0, "{report}");
    assert_eq!(
        (sealed_with(&s, "v2.k1."), sealed_with(&s, "v2.k2.")),
        (0, 8)
    );
    assert_eq!(s.reconcile().await["resealed"]["moved"], 0);
    let after = listed_names(&s).await;
    assert_eq!(after.len(), 2);

    // k1 can go: everything still opens under k2 alone.
    s.restart_worker(&[("PII_KEYS", k2.clone())], &[]);
    assert_eq!(listed_names(&s).await, after);
    assert!(after.iter().all(|(_, name)| name == "张*"), "{after:?}");

    // Dropping the only key that opens them is reported, and nothing is overwritten.
    // (This worker also runs without the test clock: its endpoint is not there.)
    let k3 = format!("k3:{}", "c3".repeat(20));
    s.restart_worker(&[("PII_KEYS", k3)], &["TEST_CLOCK"]);
    let (code, body) = s
        .admin("/api/admin/clock", Some(json!({ "advance_ms": 60_000 })))
        .await;
    assert_eq!(
        (code, body["error"].as_str()),
        (404, Some("not_found")),
        "{body}"
    );
    let report = s.reconcile().await;
    assert_eq!(report["resealed"]["unreadable"], 8, "{report}");
    assert_eq!(report["resealed"]["moved"], 0, "{report}");
    assert_eq!(sealed_with(&s, "v2.k2."), 8);
    let listed = listed_names(&s).await;
    assert!(
        listed.iter().all(|(_, name)| name.contains("unreadable")),
        "{listed:?}"
    );
    let log = s.worker.server.log_text();
    assert!(!log.contains("110101"), "an ID number in the log");
}
