//! Turnstile siteverify, through the router without a socket: secret, token scenarios,
//! single use and idempotent retries, the outage, faults and the request log; and the fake
//! widget script (`api.js`) the browser tests load.
#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)]

use std::sync::Arc;

use axum::{
    Router,
    body::{Body, to_bytes},
    http::{Request, header::CONTENT_TYPE},
};
use haoka_sandbox::{
    Config, Shared, router,
    turnstile::{PATH, SCRIPT_PATH},
};
use serde_json::{Value, json};
use tower::ServiceExt;

struct Sbx {
    app: Router,
    shared: Arc<Shared>,
}

fn sandbox() -> Sbx {
    let shared = Shared::new(Config {
        admin: true,
        ..Config::default()
    });
    Sbx {
        app: router(shared.clone()),
        shared,
    }
}

impl Sbx {
    fn secret(&self) -> String {
        self.shared.config.turnstile_secret.clone()
    }

    /// POST `body` with `content_type` to `path`: (HTTP status, body bytes).
    async fn post(&self, path: &str, content_type: &str, body: String) -> (u16, Vec<u8>) {
        let req = Request::post(path)
            .header(CONTENT_TYPE, content_type)
            .body(Body::from(body))
            .unwrap();
        let resp = self.app.clone().oneshot(req).await.unwrap();
        let status = resp.status().as_u16();
        let bytes = to_bytes(resp.into_body(), usize::MAX).await.unwrap();
        (status, bytes.to_vec())
    }

    /// siteverify with these form fields: (HTTP status, body bytes).
    async fn verify_raw(&self, fields: &[(&str, &str)]) -> (u16, Vec<u8>) {
        let form = serde_urlencoded::to_string(fields).unwrap();
        self.post(
            PATH,
            "application/x-www-form-urlencoded; charset=UTF-8",
            form,
        )
        .await
    }

    /// siteverify with the right secret: the JSON answer (HTTP 200 asserted).
    async fn verify(&self, token: &str, key: &str) -> Value {
        let secret = self.secret();
        let (status, body) = self
            .verify_raw(&[
                ("secret", &secret),
                ("response", token),
                ("remoteip", "203.0.113.7"),
                ("idempotency_key", key),
            ])
            .await;
        assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
        serde_json::from_slice(&body).unwrap()
    }

    async fn admin_get(&self, path: &str) -> Value {
        let req = Request::get(format!("/__sandbox{path}"))
            .body(Body::empty())
            .unwrap();
        let resp = self.app.clone().oneshot(req).await.unwrap();
        serde_json::from_slice(&to_bytes(resp.into_body(), usize::MAX).await.unwrap()).unwrap()
    }
}

fn failure(code: &str) -> Value {
    json!({ "success": false, "error-codes": [code] })
}

#[tokio::test]
async fn passing_token_shape() {
    let s = sandbox();
    let v = s.verify("pass:login:abc123", "k1").await;
    assert_eq!(v["success"], true, "{v}");
    assert_eq!(v["hostname"], "127.0.0.1");
    assert_eq!(v["action"], "login");
    assert_eq!(v["error-codes"], json!([]));
    let ts = v["challenge_ts"].as_str().unwrap();
    assert!(
        ts.len() == 24 && ts.ends_with('Z') && ts.as_bytes()[10] == b'T',
        "{ts}"
    );

    // No `pass:ACTION`: no action.
    for token in ["pass", "pass-xyz", "pass:", "passABC:login"] {
        let v = s.verify(token, "k").await;
        assert_eq!(v["success"], true, "{token}: {v}");
        assert!(v.get("action").is_none(), "{token}: {v}");
    }
    let v = s.verify("pass:signup", "k").await;
    assert_eq!(v["action"], "signup");
}

#[tokio::test]
async fn single_use_and_idempotent_retry() {
    let s = sandbox();
    let first = s.verify("pass:login:once", "idem-1").await;
    assert_eq!(first["success"], true);
    // The same idempotency_key: the first answer again, word for word.
    assert_eq!(s.verify("pass:login:once", "idem-1").await, first);
    // Any other call with the token: used.
    assert_eq!(
        s.verify("pass:login:once", "idem-2").await,
        failure("timeout-or-duplicate")
    );
    assert_eq!(
        s.verify("pass:login:once", "").await,
        failure("timeout-or-duplicate")
    );
    // Without a key the first time, no retry is recognised.
    assert_eq!(s.verify("pass:nokey", "").await["success"], true);
    assert_eq!(
        s.verify("pass:nokey", "").await,
        failure("timeout-or-duplicate")
    );
    // A reset forgets used tokens.
    s.shared.reset();
    assert_eq!(s.verify("pass:login:once", "idem-3").await["success"], true);
}

#[tokio::test]
async fn failing_tokens_and_secrets() {
    let s = sandbox();
    let secret = s.secret();
    for token in ["fail", "fail:login", "xyz", "PASS", " pass"] {
        assert_eq!(
            s.verify(token, "k").await,
            failure("invalid-input-response"),
            "{token}"
        );
    }
    let long = format!("pass{}", "x".repeat(2045));
    assert_eq!(
        s.verify(&long, "k").await,
        failure("invalid-input-response")
    );
    assert_eq!(s.verify("", "k").await, failure("missing-input-response"));
    let (st, body) = s.verify_raw(&[("secret", &secret)]).await;
    assert_eq!(st, 200);
    assert_eq!(
        serde_json::from_slice::<Value>(&body).unwrap(),
        failure("missing-input-response")
    );

    for fields in [
        vec![("secret", "wrong"), ("response", "pass:login")],
        vec![("secret", ""), ("response", "pass:login")],
        vec![("response", "pass:login")],
    ] {
        let (st, body) = s.verify_raw(&fields).await;
        assert_eq!(st, 200);
        assert_eq!(
            serde_json::from_slice::<Value>(&body).unwrap(),
            failure("invalid-input-secret"),
            "{fields:?}"
        );
    }
    // A refused secret did not use the token up.
    assert_eq!(s.verify("pass:login", "k").await["success"], true);

    // Unreadable body.
    let (st, body) = s.post(PATH, "text/plain", "hello".into()).await;
    assert_eq!(st, 200);
    assert_eq!(
        serde_json::from_slice::<Value>(&body).unwrap(),
        failure("bad-request")
    );
}

#[tokio::test]
async fn json_body_is_accepted_too() {
    let s = sandbox();
    let body = json!({ "secret": s.secret(), "response": "pass:json", "idempotency_key": "j" });
    let (st, reply) = s.post(PATH, "application/json", body.to_string()).await;
    assert_eq!(st, 200);
    let v: Value = serde_json::from_slice(&reply).unwrap();
    assert_eq!(
        (v["success"].clone(), v["action"].clone()),
        (json!(true), json!("json"))
    );
}

#[tokio::test]
async fn outage() {
    let s = sandbox();
    let secret = s.secret();
    let (st, body) = s
        .verify_raw(&[("secret", &secret), ("response", "outage")])
        .await;
    assert_eq!(st, 503);
    assert_eq!(body, b"upstream unavailable");
    // Whatever the secret.
    let (st, _) = s
        .verify_raw(&[("secret", "wrong"), ("response", "outage")])
        .await;
    assert_eq!(st, 503);
}

#[tokio::test]
async fn faults_and_the_request_log_apply() {
    let s = sandbox();
    s.shared.lock().faults.push(
        serde_json::from_value(json!({ "path_prefix": PATH, "mode": "error", "status": 502 }))
            .unwrap(),
    );
    let secret = s.secret();
    let (st, _) = s
        .verify_raw(&[("secret", &secret), ("response", "pass:login")])
        .await;
    assert_eq!(st, 502);
    // The fault answered before the handler: the token is still good.
    assert_eq!(s.verify("pass:login", "k").await["success"], true);

    let log = s.admin_get(&format!("/requests?path={PATH}")).await;
    let log = log.as_array().unwrap();
    assert_eq!(log.len(), 2, "{log:?}");
    let fields = &log[1]["fields"];
    assert_eq!(
        fields,
        &json!([
            ["secret", "***"],
            ["response", "pass:login"],
            ["remoteip", "203.0.113.7"],
            ["idempotency_key", "k"]
        ])
    );
    assert!(!Value::Array(log.clone()).to_string().contains(&secret));
}

#[tokio::test]
async fn the_widget_script_is_served_and_its_tokens_pass_once() {
    let s = sandbox();
    let req = Request::get(format!("{SCRIPT_PATH}?render=explicit"))
        .body(Body::empty())
        .unwrap();
    let resp = s.app.clone().oneshot(req).await.unwrap();
    assert_eq!(resp.status(), 200);
    let ct = resp.headers()[CONTENT_TYPE].to_str().unwrap().to_owned();
    assert!(ct.starts_with("application/javascript"), "{ct}");
    let js = String::from_utf8(
        to_bytes(resp.into_body(), usize::MAX)
            .await
            .unwrap()
            .to_vec(),
    )
    .unwrap();
    // The explicit-render API the order form calls, and the tokens it hands out.
    for name in [
        "window.turnstile",
        "render:",
        "reset:",
        "remove:",
        "getResponse:",
        "\"pass-\"",
    ] {
        assert!(js.contains(name), "{name} missing from the script");
    }
    // A token of that shape is what siteverify passes, once.
    assert_eq!(s.verify("pass-1-k3j2h1", "").await["success"], true);
    assert_eq!(s.verify("pass-1-k3j2h1", "").await["success"], false);
}
