//! The agent console over HTTP: one browser's worth of state (session cookie, CSRF token,
//! origin, address) and the first-admin set-up every console suite starts with.

use serde_json::{Value, json};

use crate::{Stack, http::client, http::reply, http::reply_with_cookies, send_retrying};

/// One browser's worth of console state: its session cookie and CSRF token, and optionally
/// the `Origin` it sends and the address it comes from (`CF-Connecting-IP`, which miniflare
/// keeps as Cloudflare sets it).
#[derive(Clone, Default)]
pub struct Console {
    /// The worker's base URL.
    pub base: String,
    /// The session cookie (`name=value`), once signed in.
    pub cookie: Option<String>,
    /// The session's CSRF token, sent as `x-haoka-csrf`.
    pub csrf: Option<String>,
    /// The `Origin` header sent, if any.
    pub origin: Option<String>,
    /// The `CF-Connecting-IP` sent, if any.
    pub ip: Option<String>,
}

impl Console {
    /// Signed out, against this stack's worker.
    pub fn new(s: &Stack) -> Console {
        Console {
            base: s.worker.url(),
            ..Console::default()
        }
    }

    /// Signed out, coming from `ip`.
    pub fn from_ip(s: &Stack, ip: &str) -> Console {
        Console {
            ip: Some(ip.to_owned()),
            ..Console::new(s)
        }
    }

    /// A console signed in as `username` (asserts 200, the session cookie and a CSRF token).
    pub async fn sign_in(s: &Stack, username: &str, password: &str) -> Console {
        let mut c = Console::new(s);
        let (code, body) = c.login(username, password).await;
        assert_eq!(code, 200, "{body}");
        assert!(c.csrf.is_some(), "no csrf in {body}");
        c
    }

    /// This console's headers on `req`.
    pub fn with(&self, req: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        let mut req = req;
        if let Some(c) = &self.cookie {
            req = req.header("cookie", c);
        }
        if let Some(t) = &self.csrf {
            req = req.header("x-haoka-csrf", t);
        }
        if let Some(o) = &self.origin {
            req = req.header("origin", o);
        }
        if let Some(ip) = &self.ip {
            req = req.header("CF-Connecting-IP", ip);
        }
        req
    }

    /// `GET` with this console's headers; status and body (JSON, or its text).
    pub async fn get(&self, path: &str) -> (u16, Value) {
        let req = client().get(format!("{}{path}", self.base));
        reply(self.with(req).send().await.expect(path)).await
    }

    /// `POST` JSON with this console's headers; status and body (JSON, or its text).
    pub async fn post(&self, path: &str, body: Value) -> (u16, Value) {
        let req = client().post(format!("{}{path}", self.base)).json(&body);
        reply(self.with(req).send().await.expect(path)).await
    }

    /// Sign in; on success (200) this console holds the session, whose cookie must be
    /// `__Host-` with `Path=/`, `Secure`, `HttpOnly`, `SameSite=Strict` and no `Domain`.
    pub async fn login(&mut self, username: &str, password: &str) -> (u16, Value) {
        self.login_sent(username, password, false).await
    }

    /// As [`Console::login`], sent again when the dev server restarted under it (see
    /// [`send_retrying`]).
    pub async fn login_retrying(&mut self, username: &str, password: &str) -> (u16, Value) {
        self.login_sent(username, password, true).await
    }

    async fn login_sent(&mut self, username: &str, password: &str, retry: bool) -> (u16, Value) {
        let make = || {
            let mut req = client()
                .post(format!("{}/api/console/login", self.base))
                .json(&json!({ "username": username, "password": password }));
            if let Some(ip) = &self.ip {
                req = req.header("CF-Connecting-IP", ip);
            }
            req
        };
        let resp = if retry {
            send_retrying(make).await
        } else {
            make().send().await.expect("login")
        };
        let (status, body, cookies) = reply_with_cookies(resp).await;
        if status == 200 {
            let cookie = cookies
                .iter()
                .find(|c| c.starts_with("__Host-haoka_session="))
                .unwrap_or_else(|| panic!("no session cookie in {cookies:?}"));
            for part in ["; Path=/", "; Secure", "; HttpOnly", "; SameSite=Strict"] {
                assert!(cookie.contains(part), "{cookie}");
            }
            assert!(!cookie.contains("Domain"), "{cookie}");
            self.cookie = Some(cookie.split(';').next().unwrap().to_owned());
            self.csrf = body["csrf"].as_str().map(str::to_owned);
        }
        (status, body)
    }
}

/// `POST /api/console/bootstrap` (the documented first-admin command's endpoint) with this
/// bearer token, if any.
pub async fn bootstrap(s: &Stack, bearer: Option<&str>, body: Value) -> (u16, Value) {
    let mut req = client()
        .post(format!("{}/api/console/bootstrap", s.worker.url()))
        .json(&body);
    if let Some(b) = bearer {
        req = req.bearer_auth(b);
    }
    reply(req.send().await.expect("bootstrap")).await
}

/// The first admin, created with the operator token (asserts 201) and signed in by the
/// lower-cased username (usernames are case-insensitive; asserts 200).
pub async fn first_admin(s: &Stack, username: &str, display_name: &str, password: &str) -> Console {
    let (code, body) = bootstrap(
        s,
        Some(&s.admin_token),
        json!({ "username": username, "display_name": display_name, "password": password }),
    )
    .await;
    assert_eq!(code, 201, "{body}");
    Console::sign_in(s, &username.to_lowercase(), password).await
}
