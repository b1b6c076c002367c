//! The agent console's accounts and sessions through workerd: the first admin by the
//! documented command's endpoint, the password policy, PBKDF2 hashes a native implementation
//! verifies at the Workers cap, sign-in and its cookie, CSRF, roles enforced at the edge (403
//! and an audit entry), a role change and a disable taking effect at once, lockout and unlock,
//! sign-out here and everywhere, idle and absolute expiry, per-IP throttling, and the audit
//! chain verifying.

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)] // test helpers fail loudly

use base64::{Engine, engine::general_purpose::STANDARD_NO_PAD};
use haoka_e2e::{
    Stack,
    console::{Console, bootstrap, first_admin},
};
use serde_json::json;

const ADMIN_PW: &str = "correct horse battery staple";
const AGENT_PW: &str = "月光下的号卡代理人很认真";
const LEAD_PW: &str = "lead of the beijing store";

async fn audit_actions(admin: &Console) -> Vec<(String, String, String)> {
    let (code, log) = admin.get("/api/console/audit").await;
    assert_eq!(code, 200, "{log}");
    assert_eq!(log["chain_ok"], true, "{log}");
    log["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            let f = |k: &str| e[k].as_str().unwrap_or_default().to_owned();
            (f("actor"), f("action"), f("target"))
        })
        .collect()
}

#[tokio::test]
async fn accounts_roles_sessions_and_the_audit_trail() {
    let s = Stack::start(&[("LOGINS_PER_MINUTE", "1000".into())], 600);

    // The first admin: only with the operator token, never a weak password, only once.
    let good = json!({ "username": "root.admin", "display_name": "王管理", "password": ADMIN_PW });
    assert_eq!(bootstrap(&s, None, good.clone()).await.0, 401);
    assert_eq!(
        bootstrap(&s, Some("not-the-token"), good.clone()).await.0,
        401
    );
    for (pw, code) in [
        ("short pass", "password_too_short"),
        ("1qaz2wsx3edc", "password_common"),
        ("ROOT.ADMIN", "password_too_short"),
        ("root.admin.x", "password_common"),
    ] {
        let mut body = good.clone();
        body["password"] = json!(pw);
        if pw == "root.admin.x" {
            body["username"] = json!("root.admin.x");
        }
        let (status, reply) = bootstrap(&s, Some(&s.admin_token), body).await;
        assert_eq!(
            (status, reply["error"].as_str()),
            (422, Some(code)),
            "{pw}: {reply}"
        );
    }
    let admin = first_admin(&s, "Root.Admin", "王管理", ADMIN_PW).await;
    let (code, again) = bootstrap(
        &s,
        Some(&s.admin_token),
        json!({ "username": "second", "display_name": "x", "password": ADMIN_PW }),
    )
    .await;
    assert_eq!(
        (code, again["error"].as_str()),
        (409, Some("bootstrap_done"))
    );

    // Stored as PBKDF2-SHA256 at the Workers cap, and a native PBKDF2 agrees with WebCrypto's.
    let rows = s
        .worker
        .query("SELECT password FROM accounts WHERE username = 'root.admin'");
    let phc = rows[0]["password"].as_str().unwrap().to_owned();
    let parts: Vec<&str> = phc.split('$').collect();
    assert_eq!(parts[1..3], ["pbkdf2-sha256", "i=100000,l=32"], "{phc}");
    let salt = STANDARD_NO_PAD.decode(parts[3]).unwrap();
    let stored = STANDARD_NO_PAD.decode(parts[4]).unwrap();
    let mut derived = [0u8; 32];
    pbkdf2::pbkdf2_hmac::<sha2::Sha256>(ADMIN_PW.as_bytes(), &salt, 100_000, &mut derived);
    assert_eq!(
        derived.to_vec(),
        stored,
        "WebCrypto's PBKDF2 is the standard one"
    );
    assert!(
        !s.worker.server.log_text().contains(ADMIN_PW),
        "a password in the log"
    );

    // Wrong password and unknown account: the same words.
    let mut stranger = Console::new(&s);
    let (code, wrong) = stranger
        .login("root.admin", "not the password at all")
        .await;
    assert_eq!(
        (code, wrong["error"].as_str()),
        (401, Some("bad_credentials"))
    );
    let (code, unknown) = stranger.login("nobody", "not the password at all").await;
    assert_eq!(code, 401);
    assert_eq!(unknown["message_zh"], wrong["message_zh"]);
    assert_eq!(stranger.get("/api/console/me").await.0, 401);

    let (code, me) = admin.get("/api/console/me").await;
    assert_eq!((code, me["role"].as_str()), (200, Some("admin")), "{me}");

    // CSRF: a state-changing call needs the session's token, and this origin when given.
    let agent1 = json!({ "username": "agent1", "display_name": "李代理", "role": "agent",
                          "store": "北京一店", "password": AGENT_PW });
    let no_token = Console {
        csrf: None,
        ..admin.clone()
    };
    let (code, refused) = no_token.post("/api/console/accounts", agent1.clone()).await;
    assert_eq!(
        (code, refused["error"].as_str()),
        (403, Some("csrf")),
        "{refused}"
    );
    let other_site = Console {
        origin: Some("https://evil.example".into()),
        ..admin.clone()
    };
    assert_eq!(
        other_site
            .post("/api/console/accounts", agent1.clone())
            .await
            .0,
        403
    );
    let (code, made) = admin.post("/api/console/accounts", agent1).await;
    assert_eq!(code, 201, "{made}");
    assert!(made.get("password").is_none(), "{made}");
    for (name, role, store, pw) in [
        ("lead1", "lead", "北京一店", LEAD_PW),
        ("agent2", "agent", "上海二店", AGENT_PW),
    ] {
        let body = json!({ "username": name, "display_name": name, "role": role, "store": store, "password": pw });
        assert_eq!(
            admin.post("/api/console/accounts", body).await.0,
            201,
            "{name}"
        );
    }
    let dup = json!({ "username": "AGENT1", "display_name": "x", "password": AGENT_PW });
    assert_eq!(admin.post("/api/console/accounts", dup).await.0, 409);

    // An agent may not manage accounts: 403 and an audit entry.
    let mut agent = Console::new(&s);
    assert_eq!(agent.login("agent1", AGENT_PW).await.0, 200);
    let (code, body) = agent.get("/api/console/accounts").await;
    assert_eq!((code, body["error"].as_str()), (403, Some("forbidden")));
    assert_eq!(agent.get("/api/console/audit").await.0, 403);

    // A lead manages the agents of their own store only.
    let mut lead = Console::new(&s);
    assert_eq!(lead.login("lead1", LEAD_PW).await.0, 200);
    let (code, list) = lead.get("/api/console/accounts").await;
    assert_eq!(code, 200);
    let names: Vec<&str> = list["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["username"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["agent1", "lead1"], "{list}");
    let elsewhere = json!({ "username": "agent3", "display_name": "x", "role": "agent",
                             "store": "上海二店", "password": AGENT_PW });
    assert_eq!(lead.post("/api/console/accounts", elsewhere).await.0, 403);
    let promote = json!({ "username": "agent4", "display_name": "x", "role": "admin",
                           "store": "北京一店", "password": AGENT_PW });
    assert_eq!(lead.post("/api/console/accounts", promote).await.0, 403);
    let own = json!({ "username": "agent5", "display_name": "赵五", "role": "agent",
                       "store": "北京一店", "password": AGENT_PW });
    assert_eq!(lead.post("/api/console/accounts", own).await.0, 201);
    let (code, _) = lead
        .post("/api/console/accounts/agent2", json!({ "disabled": true }))
        .await;
    assert_eq!(code, 403, "another store's agent");

    // A role change counts at once, in the session already open.
    let (code, changed) = admin
        .post(
            "/api/console/accounts/agent1",
            json!({ "role": "compliance" }),
        )
        .await;
    assert_eq!(
        (code, changed["role"].as_str()),
        (200, Some("compliance")),
        "{changed}"
    );
    assert_eq!(agent.get("/api/console/audit").await.0, 200);
    assert_eq!(agent.get("/api/console/me").await.1["role"], "compliance");
    // Compliance reads, never changes.
    let (code, _) = agent
        .post(
            "/api/console/accounts/agent5",
            json!({ "display_name": "x" }),
        )
        .await;
    assert_eq!(code, 403);

    // Disabling ends the account's sessions; the right password then says "disabled".
    let (code, _) = admin
        .post("/api/console/accounts/agent1", json!({ "disabled": true }))
        .await;
    assert_eq!(code, 200);
    assert_eq!(agent.get("/api/console/me").await.0, 401);
    let (code, body) = Console::new(&s).login("agent1", AGENT_PW).await;
    assert_eq!(
        (code, body["error"].as_str()),
        (403, Some("account_disabled"))
    );
    let (code, _) = admin
        .post(
            "/api/console/accounts/root.admin",
            json!({ "disabled": true }),
        )
        .await;
    assert_eq!(code, 422, "an admin cannot disable themself");

    // Five wrong passwords lock the account; even the right one is refused until unlocked,
    // with the very answer an unknown name gets (the form tells no one who is locked).
    let mut guesser = Console::new(&s);
    for i in 1..=5 {
        let (code, body) = guesser.login("lead1", "wrong guess number x").await;
        assert_eq!(code, 401, "attempt {i}: {body}");
    }
    let (code, locked) = guesser.login("lead1", LEAD_PW).await;
    let (_, unknown) = guesser.login("nobody.at.all", LEAD_PW).await;
    assert_eq!(
        (code, locked["error"].as_str()),
        (401, Some("bad_credentials"))
    );
    assert_eq!(locked, unknown, "locked and unknown answer alike");
    assert!(
        locked["message_zh"].as_str().unwrap().contains("锁定"),
        "the words say a lock may be why: {locked}"
    );
    let (code, _) = admin
        .post("/api/console/accounts/lead1", json!({ "unlock": true }))
        .await;
    assert_eq!(code, 200);
    assert_eq!(guesser.login("lead1", LEAD_PW).await.0, 200);

    // Sign out here; sign out everywhere.
    let mut second = Console::new(&s);
    assert_eq!(second.login("lead1", LEAD_PW).await.0, 200);
    assert_eq!(guesser.post("/api/console/logout", json!({})).await.0, 204);
    assert_eq!(guesser.get("/api/console/me").await.0, 401);
    assert_eq!(second.get("/api/console/me").await.0, 200);
    assert_eq!(lead.post("/api/console/logout-all", json!({})).await.0, 204);
    assert_eq!(second.get("/api/console/me").await.0, 401);
    assert_eq!(lead.get("/api/console/me").await.0, 401);
    assert_eq!(
        s.worker
            .query("SELECT COUNT(*) AS n FROM sessions WHERE username = 'lead1'")[0]["n"],
        0
    );

    // Malformed bodies are JSON 4xx.
    let (code, _) = admin.post("/api/console/login", json!("x")).await;
    assert_eq!(code, 400);
    let huge = json!({ "username": "a", "password": "p".repeat(10_000) });
    assert_eq!(admin.post("/api/console/login", huge).await.0, 413);

    // The audit trail: every kind of event, chained.
    let entries = audit_actions(&admin).await;
    let has = |actor: &str, action: &str, target: &str| {
        entries
            .iter()
            .any(|(a, b, c)| a == actor && b == action && c.contains(target))
    };
    assert!(
        has("operator", "account_create", "root.admin"),
        "{entries:?}"
    );
    assert!(has("root.admin", "login", "root.admin"));
    assert!(has("root.admin", "login_failed", "root.admin"));
    assert!(has("anonymous", "login_failed", "nobody"));
    assert!(has("root.admin", "csrf_refused", "/api/console/accounts"));
    assert!(has("agent1", "forbidden", "GET /api/console/accounts"));
    assert!(has("lead1", "forbidden", "POST /api/console/accounts"));
    assert!(has("root.admin", "account_change", "agent1"));
    assert!(has("agent1", "login_disabled", "agent1"));
    assert!(has("lead1", "login_locked", "lead1"));
    assert!(has("lead1", "logout_all", "lead1"));
    drop(stranger);
}

#[tokio::test]
async fn sessions_end_when_idle_or_too_old_and_sign_in_is_throttled_per_ip() {
    let s = Stack::start(
        &[
            ("CONSOLE_IDLE_S", "2".into()),
            ("CONSOLE_ABSOLUTE_S", "5".into()),
            ("LOGINS_PER_MINUTE", "4".into()),
        ],
        600,
    );
    // The first admin by the documented command: the password twice on stdin.
    let create = |input: &'static str| {
        let mut child = std::process::Command::new("bash")
            .arg(haoka_e2e::root().join("scripts/create-admin.sh"))
            .args(["root.admin", "王管理", &s.worker.url()])
            .env("ADMIN_TOKEN", &s.admin_token)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("create-admin.sh");
        use std::io::Write;
        child
            .stdin
            .take()
            .unwrap()
            .write_all(input.as_bytes())
            .unwrap();
        child.wait_with_output().expect("create-admin.sh")
    };
    let differ = create("correct horse battery staple\ncorrect horse battery stable\n");
    assert!(!differ.status.success());
    assert_eq!(
        s.worker.query("SELECT COUNT(*) AS n FROM accounts")[0]["n"],
        0
    );
    let made = create("correct horse battery staple\ncorrect horse battery staple\n");
    assert!(
        made.status.success(),
        "{}",
        String::from_utf8_lossy(&made.stderr)
    );
    let again = create("correct horse battery staple\ncorrect horse battery staple\n");
    assert!(!again.status.success(), "a second first admin");
    assert!(String::from_utf8_lossy(&again.stderr).contains("bootstrap_done"));
    let mut admin = Console::new(&s);
    assert_eq!(admin.login("root.admin", ADMIN_PW).await.0, 200);
    // Idle: nothing for over 2 s (on the edge's clock).
    s.move_clock(1_500).await;
    assert_eq!(
        admin.get("/api/console/me").await.0,
        200,
        "not idle yet at 1.5 s"
    );
    s.move_clock(2_100).await;
    let (code, body) = admin.get("/api/console/me").await;
    assert_eq!(
        (code, body["error"].as_str()),
        (401, Some("session_idle")),
        "{body}"
    );
    // Absolute: busy every 700 ms (on the edge's clock), still over at 5 s.
    assert_eq!(admin.login("root.admin", ADMIN_PW).await.0, 200);
    let mut moved = 0;
    let ended = loop {
        let (code, body) = admin.get("/api/console/me").await;
        if code != 200 {
            break (code, body);
        }
        assert!(moved < 8_000, "never expired");
        s.move_clock(700).await;
        moved += 700;
    };
    assert_eq!(
        (ended.0, ended.1["error"].as_str()),
        (401, Some("session_expired"))
    );
    // Over at 5 s: the moved clock plus the requests' own time (well under 0.8 s).
    assert!(
        (4_200..=5_600).contains(&moved),
        "expired after {moved} ms of moved clock"
    );

    // Per IP: over 4 attempts a minute, a clear 429 (within two windows at most).
    let mut seen = None;
    for _ in 0..10 {
        let (code, body) = Console::new(&s)
            .login("root.admin", "a wrong password here")
            .await;
        if code == 429 {
            seen = Some(body);
            break;
        }
    }
    let body = seen.expect("no throttling");
    assert_eq!(body["error"], "login_throttled");
    assert!(
        body["message_zh"]
            .as_str()
            .unwrap()
            .contains("登录尝试过于频繁"),
        "{body}"
    );
    // More throttled tries add no audit entry: one per address and window (two at most, if
    // the tries straddle a minute).
    for _ in 0..6 {
        Console::new(&s)
            .login("root.admin", "a wrong password here")
            .await;
    }
    let throttled = s
        .worker
        .query("SELECT COUNT(*) AS n FROM audit_log WHERE action = 'login_throttled'");
    let n = throttled[0]["n"].as_i64().unwrap();
    assert!((1..=2).contains(&n), "{throttled:?}");
}
