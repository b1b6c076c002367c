//! The console's accounts, sessions and settings on the fake platform (the fast native
//! counterpart of `tests/tests/console_auth.rs` through workerd): the first admin with the
//! operator token and only once, sign-in with its cookie and `Me`, the lockout after five
//! wrong passwords answering as an unknown name does, CSRF on a change, and a settings change
//! audited for an admin and refused (403, audited) for a lead.

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)] // test helpers fail loudly

use futures_executor::block_on;
use haoka_edge_app::{
    Config, console,
    error::AppError,
    http::{Method, Reply},
    pool, settings,
    testing::{ADMIN_TOKEN, Fake, PUBLIC_BASE},
};
use haoka_edge_core::auth::{CSRF_HEADER, SESSION_COOKIE};
use serde_json::{Value, json};

const ADMIN_PW: &str = "correct horse battery staple";
const LEAD_PW: &str = "lead of the beijing store";
const IP: &str = "203.0.113.7";

/// An answer as the router gives it: a route's error becomes its JSON refusal.
fn answer(f: &Fake, r: Result<Reply, AppError>) -> (u16, Value) {
    let reply = r.unwrap_or_else(|e| e.into_reply(f));
    let body = if reply.body.is_empty() {
        Value::Null
    } else {
        reply.decode().expect("a JSON body")
    };
    (reply.status, body)
}

/// `POST /api/console/bootstrap` with this bearer token, if any.
fn bootstrap(f: &Fake, cfg: &Config, bearer: Option<&str>, body: &Value) -> (u16, Value) {
    let auth = bearer.map(|b| format!("Bearer {b}"));
    let mut headers = vec![];
    if let Some(a) = &auth {
        headers.push(("authorization", a.as_str()));
    }
    let req = f.json(Method::Post, "/api/console/bootstrap", &headers, body);
    answer(f, block_on(console::bootstrap(&req, f, cfg)))
}

/// One browser signed in: its cookie (`name=value`) and CSRF token.
#[derive(Clone)]
struct Browser {
    cookie: String,
    csrf: Option<String>,
    origin: String,
}

/// `POST /api/console/login` as the console's own page sends it; the browser when signed in.
fn login(f: &Fake, cfg: &Config, username: &str, password: &str) -> (u16, Value, Option<Browser>) {
    let req = f.json(
        Method::Post,
        "/api/console/login",
        &[
            ("origin", PUBLIC_BASE),
            ("sec-fetch-site", "same-origin"),
            ("cf-connecting-ip", IP),
        ],
        &json!({ "username": username, "password": password }),
    );
    let reply = block_on(console::login(&req, f, cfg));
    let cookie = reply
        .as_ref()
        .ok()
        .and_then(|r| r.header("set-cookie").map(str::to_owned));
    let (code, body) = answer(f, reply);
    let browser = cookie.map(|c| Browser {
        cookie: c.split(';').next().unwrap().to_owned(),
        csrf: body["csrf"].as_str().map(str::to_owned),
        origin: PUBLIC_BASE.to_owned(),
    });
    (code, body, browser)
}

/// The first admin (asserts 201) signed in (asserts 200).
fn first_admin(f: &Fake, cfg: &Config) -> Browser {
    let body = json!({ "username": "root.admin", "display_name": "王管理", "password": ADMIN_PW });
    let (code, made) = bootstrap(f, cfg, Some(ADMIN_TOKEN), &body);
    assert_eq!(code, 201, "{made}");
    let (code, me, browser) = login(f, cfg, "root.admin", ADMIN_PW);
    assert_eq!(code, 200, "{me}");
    browser.expect("a session cookie")
}

impl Browser {
    /// This browser's headers (cookie, CSRF token when it has one, origin).
    fn headers(&self) -> Vec<(&str, &str)> {
        let mut h = vec![
            ("cookie", self.cookie.as_str()),
            ("origin", self.origin.as_str()),
            ("cf-connecting-ip", IP),
        ];
        if let Some(t) = &self.csrf {
            h.push((CSRF_HEADER, t.as_str()));
        }
        h
    }

    fn me(&self, f: &Fake, cfg: &Config) -> (u16, Value) {
        let req = f.request(Method::Get, "/api/console/me", &self.headers(), b"");
        answer(f, block_on(console::me(&req, f, cfg)))
    }

    fn create_account(&self, f: &Fake, cfg: &Config, body: &Value) -> (u16, Value) {
        let req = f.json(Method::Post, "/api/console/accounts", &self.headers(), body);
        answer(f, block_on(console::create_account(&req, f, cfg)))
    }

    fn change_setting(&self, f: &Fake, cfg: &Config, key: &str, value: &str) -> (u16, Value) {
        let req = f.json(
            Method::Post,
            "/api/console/settings",
            &self.headers(),
            &json!({ "key": key, "value": value }),
        );
        answer(f, block_on(settings::change(&req, f, cfg)))
    }
}

/// The audit log's (actor, action, target), oldest first.
fn audit(f: &Fake) -> Vec<(String, String, String)> {
    f.rows("SELECT actor, action, target FROM audit_log ORDER BY seq")
        .iter()
        .map(|r| {
            let s = |k: &str| r[k].as_str().unwrap().to_owned();
            (s("actor"), s("action"), s("target"))
        })
        .collect()
}

fn audited(f: &Fake, actor: &str, action: &str, target: &str) -> bool {
    audit(f)
        .iter()
        .any(|(a, b, c)| a == actor && b == action && c.contains(target))
}

#[test]
fn the_first_admin_needs_the_operator_token_and_is_made_once() {
    let f = Fake::new();
    let cfg = Fake::config();
    let body = json!({ "username": "Root.Admin", "display_name": "王管理", "password": ADMIN_PW });
    assert_eq!(bootstrap(&f, &cfg, None, &body).0, 401);
    assert_eq!(bootstrap(&f, &cfg, Some("not-the-token"), &body).0, 401);
    let (code, made) = bootstrap(&f, &cfg, Some(ADMIN_TOKEN), &body);
    assert_eq!(code, 201, "{made}");
    assert_eq!(
        (made["username"].as_str(), made["role"].as_str()),
        (Some("root.admin"), Some("admin")),
        "{made}"
    );
    assert!(made.get("password").is_none(), "{made}");
    let second = json!({ "username": "second", "display_name": "x", "password": ADMIN_PW });
    let (code, again) = bootstrap(&f, &cfg, Some(ADMIN_TOKEN), &second);
    assert_eq!(
        (code, again["error"].as_str()),
        (409, Some("bootstrap_done")),
        "{again}"
    );
    assert_eq!(
        f.rows("SELECT COUNT(*) AS n FROM accounts")[0]["n"],
        1,
        "one account"
    );
    let stored = f.rows("SELECT password FROM accounts")[0]["password"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(
        stored.starts_with("$pbkdf2-sha256$i=100000,l=32$"),
        "{stored}"
    );
    assert!(audited(&f, "operator", "account_create", "root.admin"));
    assert!(!f.logged(ADMIN_PW), "a password in the log");
}

#[test]
fn signing_in_sets_the_session_cookie_and_answers_me() {
    let f = Fake::new();
    let cfg = Fake::config();
    let body = json!({ "username": "root.admin", "display_name": "王管理", "password": ADMIN_PW });
    assert_eq!(bootstrap(&f, &cfg, Some(ADMIN_TOKEN), &body).0, 201);

    let req = f.json(
        Method::Post,
        "/api/console/login",
        &[("origin", PUBLIC_BASE), ("cf-connecting-ip", IP)],
        &json!({ "username": "root.admin", "password": ADMIN_PW }),
    );
    let reply = block_on(console::login(&req, &f, &cfg)).expect("signed in");
    assert_eq!(reply.status, 200);
    let cookie = reply.header("set-cookie").expect("a cookie").to_owned();
    assert!(
        cookie.starts_with(&format!("{SESSION_COOKIE}=")),
        "{cookie}"
    );
    for part in ["; Path=/", "; Secure", "; HttpOnly", "; SameSite=Strict"] {
        assert!(cookie.contains(part), "{cookie}");
    }
    assert!(!cookie.contains("Domain"), "{cookie}");
    let me: Value = reply.decode().unwrap();
    assert_eq!(
        (me["username"].as_str(), me["role"].as_str()),
        (Some("root.admin"), Some("admin")),
        "{me}"
    );
    assert!(me["csrf"].as_str().is_some_and(|t| !t.is_empty()), "{me}");
    assert_eq!(
        f.rows("SELECT COUNT(*) AS n FROM sessions WHERE username = 'root.admin'")[0]["n"],
        1
    );

    let browser = Browser {
        cookie: cookie.split(';').next().unwrap().to_owned(),
        csrf: None,
        origin: PUBLIC_BASE.to_owned(),
    };
    let (code, again) = browser.me(&f, &cfg);
    assert_eq!(
        (code, again["username"].as_str()),
        (200, Some("root.admin"))
    );
    assert_eq!(again["csrf"], me["csrf"], "the session's own token");
    assert!(audited(&f, "root.admin", "login", "root.admin"));

    // From another site, or not as JSON, sign-in is refused before any password is tried.
    for (headers, why) in [
        (
            vec![
                ("content-type", "application/json"),
                ("origin", "https://evil.example"),
            ],
            "another origin",
        ),
        (
            vec![
                ("content-type", "application/json"),
                ("sec-fetch-site", "cross-site"),
            ],
            "a cross-site fetch",
        ),
        (vec![("content-type", "text/plain")], "not JSON"),
    ] {
        let body = json!({ "username": "root.admin", "password": ADMIN_PW }).to_string();
        let req = f.request(
            Method::Post,
            "/api/console/login",
            &headers,
            body.as_bytes(),
        );
        let (code, refused) = answer(&f, block_on(console::login(&req, &f, &cfg)));
        assert_eq!(
            (code, refused["error"].as_str()),
            (403, Some("login_refused")),
            "{why}"
        );
    }

    let stranger = Browser {
        cookie: format!("{SESSION_COOKIE}=not-a-session"),
        ..browser
    };
    assert_eq!(stranger.me(&f, &cfg).0, 401);
}

#[test]
fn five_wrong_passwords_lock_the_account_with_the_same_answer() {
    let f = Fake::new();
    let cfg = Fake::config_with(&[("LOGINS_PER_MINUTE", "1000")]);
    let body = json!({ "username": "root.admin", "display_name": "王管理", "password": ADMIN_PW });
    assert_eq!(bootstrap(&f, &cfg, Some(ADMIN_TOKEN), &body).0, 201);

    let (_, unknown, _) = login(&f, &cfg, "nobody.at.all", "not the password at all");
    for i in 1..=5 {
        let (code, wrong, browser) = login(&f, &cfg, "root.admin", "wrong guess number x");
        assert_eq!(
            (code, wrong["error"].as_str()),
            (401, Some("bad_credentials")),
            "attempt {i}"
        );
        assert_eq!(
            wrong, unknown,
            "attempt {i}: a wrong password answers as a stranger"
        );
        assert!(browser.is_none());
    }
    let locked = &f.rows("SELECT failures, locked_until_ms FROM accounts")[0];
    assert_eq!(locked["failures"], 5, "{locked}");
    assert!(
        locked["locked_until_ms"]
            .as_i64()
            .is_some_and(|t| t > f.clock.get()),
        "{locked}"
    );

    // Even the right password is refused now, in the very words an unknown name gets.
    let (code, refused, browser) = login(&f, &cfg, "root.admin", ADMIN_PW);
    assert_eq!((code, &refused), (401, &unknown));
    assert!(browser.is_none(), "no session while locked");
    assert!(
        refused["message_zh"].as_str().unwrap().contains("锁定"),
        "the words say a lock may be why: {refused}"
    );
    assert!(audited(&f, "root.admin", "login_locked", "root.admin"));
    assert!(audited(&f, "anonymous", "login_failed", "nobody"));

    // The lock runs out (15 minutes on the edge's clock).
    f.tick(15 * 60 * 1000 + 1);
    assert_eq!(login(&f, &cfg, "root.admin", ADMIN_PW).0, 200);
}

#[test]
fn a_change_without_the_csrf_token_or_from_another_origin_is_refused() {
    let f = Fake::new();
    let cfg = Fake::config();
    let admin = first_admin(&f, &cfg);
    let no_token = Browser {
        csrf: None,
        ..admin.clone()
    };
    let (code, refused) = no_token.change_setting(&f, &cfg, "REALME_PASS_SCORE", "95");
    assert_eq!(
        (code, refused["error"].as_str()),
        (403, Some("csrf")),
        "{refused}"
    );
    let wrong_token = Browser {
        csrf: Some("not-the-token".into()),
        ..admin.clone()
    };
    assert_eq!(
        wrong_token
            .change_setting(&f, &cfg, "REALME_PASS_SCORE", "95")
            .0,
        403
    );
    let other_site = Browser {
        origin: "https://evil.example".into(),
        ..admin.clone()
    };
    let (code, refused) = other_site.change_setting(&f, &cfg, "REALME_PASS_SCORE", "95");
    assert_eq!((code, refused["error"].as_str()), (403, Some("csrf")));
    assert!(
        f.rows("SELECT * FROM settings").is_empty(),
        "nothing changed"
    );
    assert!(audited(
        &f,
        "root.admin",
        "csrf_refused",
        "/api/console/settings"
    ));
    assert!(!audited(&f, "root.admin", "settings_change", ""));

    // The same call with the token goes through.
    assert_eq!(
        admin.change_setting(&f, &cfg, "REALME_PASS_SCORE", "95").0,
        200
    );
}

#[test]
fn an_admin_changes_a_setting_audited_and_a_lead_may_not() {
    let f = Fake::new();
    let cfg = Fake::config();
    let admin = first_admin(&f, &cfg);
    let (code, changed) = admin.change_setting(&f, &cfg, "REALME_PASS_SCORE", "95");
    assert_eq!(code, 200, "{changed}");
    assert_eq!(
        changed,
        json!({ "key": "REALME_PASS_SCORE", "value": 95.0 })
    );
    let rows =
        f.rows("SELECT actor, target, detail FROM audit_log WHERE action = 'settings_change'");
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(
        (rows[0]["actor"].as_str(), rows[0]["target"].as_str()),
        (Some("root.admin"), Some("REALME_PASS_SCORE"))
    );
    assert!(
        rows[0]["detail"].as_str().unwrap().contains("95"),
        "{rows:?}"
    );
    let now = block_on(settings::effective(&f, &cfg)).unwrap();
    assert_eq!(now.realme_pass_score, 95.0, "the checks' paths see it");
    let (code, bad) = admin.change_setting(&f, &cfg, "REALME_PASS_SCORE", "101");
    assert_eq!(
        (code, bad["error"].as_str()),
        (422, Some("setting_out_of_range"))
    );

    let lead = json!({ "username": "lead1", "display_name": "李店长", "role": "lead",
                       "store": "北京一店", "password": LEAD_PW });
    let (code, made) = admin.create_account(&f, &cfg, &lead);
    assert_eq!(code, 201, "{made}");
    let (code, _, lead) = login(&f, &cfg, "lead1", LEAD_PW);
    assert_eq!(code, 200);
    let lead = lead.unwrap();
    let (code, refused) = lead.change_setting(&f, &cfg, "REALME_PASS_SCORE", "10");
    assert_eq!(
        (code, refused["error"].as_str()),
        (403, Some("forbidden")),
        "{refused}"
    );
    assert!(audited(
        &f,
        "lead1",
        "forbidden",
        "POST /api/console/settings"
    ));
    assert_eq!(
        block_on(settings::effective(&f, &cfg))
            .unwrap()
            .realme_pass_score,
        95.0,
        "the lead changed nothing"
    );
}

#[test]
fn an_admin_loads_a_number_pool_from_a_csv_and_gets_a_report_and_a_lead_cannot() {
    let f = Fake::new();
    let cfg = Fake::config();
    let admin = first_admin(&f, &cfg);
    let upload = |b: &Browser, product: &str, csv: &str| {
        let req = f.json(
            Method::Post,
            "/api/console/numbers",
            &b.headers(),
            &json!({ "product": product, "csv": csv }),
        );
        answer(&f, block_on(pool::upload(&req, &f, &cfg)))
    };
    let csv = "\u{feff}number,note\n13800000001,靓号\n\n\"13800000002\"\n13800000001\n12345\n+86 138 0000 0003\n";
    let (code, report) = upload(&admin, "2188", csv);
    assert_eq!(code, 200, "{report}");
    assert_eq!(
        (report["added"].as_u64(), report["already"].as_u64()),
        (Some(3), Some(0))
    );
    let refused: Vec<(u64, &str)> = report["refused"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["line"].as_u64().unwrap(),
                r["reason_en"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        refused,
        [
            (1, "Not a valid mobile number"),
            (5, "Repeats an earlier line"),
            (6, "Not a valid mobile number"),
        ]
    );
    let pool =
        f.rows("SELECT number, state FROM number_pool WHERE product_id = '2188' ORDER BY number");
    let numbers: Vec<&str> = pool.iter().map(|r| r["number"].as_str().unwrap()).collect();
    assert_eq!(numbers, ["13800000001", "13800000002", "13800000003"]);
    assert!(audited(&f, "root.admin", "number_pool_upload", "2188"));
    // Again: nothing new, nothing lost (a held number stays held).
    f.exec("UPDATE number_pool SET state = 'held', hold_hash = 'h', held_until_ms = 9e15 WHERE number = '13800000002'");
    let (_, again) = upload(&admin, "2188", "13800000002\n13800000004\n");
    assert_eq!(
        (again["added"].as_u64(), again["already"].as_u64()),
        (Some(1), Some(1))
    );
    assert_eq!(
        f.rows("SELECT state FROM number_pool WHERE number = '13800000002'")[0]["state"],
        "held"
    );
    let (code, unknown) = upload(&admin, "no-such-product", "13800000005\n");
    assert_eq!(
        (code, unknown["error"].as_str()),
        (404, Some("unknown_product"))
    );

    let lead = json!({ "username": "lead1", "display_name": "李店长", "role": "lead",
                       "store": "北京一店", "password": LEAD_PW });
    let (code, _) = admin.create_account(&f, &cfg, &lead);
    assert_eq!(code, 201);
    let lead = login(&f, &cfg, "lead1", LEAD_PW).2.unwrap();
    let (code, refused) = upload(&lead, "2188", "13800000009\n");
    assert_eq!((code, refused["error"].as_str()), (403, Some("forbidden")));
    assert!(
        f.rows("SELECT 1 FROM number_pool WHERE number = '13800000009'")
            .is_empty()
    );
}
