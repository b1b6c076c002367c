//! Turnstile against the sandbox's siteverify, in process: `siteverify_request` goes over
//! real HTTP on 127.0.0.1 to `haoka-sandbox`, and `parse_siteverify_reply` reads its real
//! reply (as in `upstreams.rs`, a few lines of reqwest play the worker's part).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::Duration;

use haoka_edge_core::{
    http::{Body, HttpRequest},
    netpolicy::upstream_url_ok,
    turnstile::{Outcome, parse_siteverify_reply, siteverify_request, unavailable},
};
use haoka_sandbox::{Config, Shared, router, server};
use serde_json::json;

/// The worker's part for a form POST: (status, body), or the outcome of no answer.
async fn send(http: &reqwest::Client, req: &HttpRequest) -> Result<(u16, Vec<u8>), Outcome> {
    assert!(matches!(req.body, Body::Form(_)), "{req:?}");
    let mut rb = http.post(&req.url).body(req.body.urlencoded().unwrap());
    if let Some(ct) = req.content_type() {
        rb = rb.header("content-type", ct);
    }
    let resp = rb.send().await.map_err(|e| unavailable(&e.to_string()))?;
    let status = resp.status().as_u16();
    let body = resp
        .bytes()
        .await
        .map_err(|e| unavailable(&e.to_string()))?;
    Ok((status, body.to_vec()))
}

#[tokio::test]
async fn siteverify_against_the_sandbox() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let config = Config {
        admin: true,
        ..Config::default()
    };
    let secret = config.turnstile_secret.clone();
    tokio::spawn(server::serve(listener, router(Shared::new(config))));
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap();
    let url = format!("{base}{}", haoka_sandbox::turnstile::PATH);
    assert_eq!(upstream_url_ok(&url), Ok(()), "loopback http is allowed");

    let verify = async |secret: &str, token: &str, key: &str, action: Option<&str>| {
        let req = siteverify_request(&url, secret, token, Some("203.0.113.7"), key);
        match send(&http, &req).await {
            Ok((status, body)) => parse_siteverify_reply(status, &body, action, Some("127.0.0.1")),
            Err(outcome) => outcome,
        }
    };
    let failed = |code: &str| Outcome::Failed {
        codes: vec![code.to_owned()],
    };

    assert_eq!(
        verify(&secret, "pass:login:1", "k1", Some("login")).await,
        Outcome::Passed
    );
    // A retry with the same idempotency key is the same answer; a replay is refused.
    assert_eq!(
        verify(&secret, "pass:login:1", "k1", Some("login")).await,
        Outcome::Passed
    );
    assert_eq!(
        verify(&secret, "pass:login:1", "k2", Some("login")).await,
        failed("timeout-or-duplicate")
    );
    assert_eq!(
        verify(&secret, "pass:signup:2", "k3", Some("login")).await,
        failed("action-mismatch")
    );
    assert_eq!(verify(&secret, "pass:3", "k4", None).await, Outcome::Passed);
    assert_eq!(
        verify(&secret, "fail:4", "k5", None).await,
        failed("invalid-input-response")
    );
    assert_eq!(
        verify("wrong-secret", "pass:login:5", "k6", Some("login")).await,
        failed("invalid-input-secret")
    );
    assert!(matches!(
        verify(&secret, "outage", "k7", None).await,
        Outcome::Unavailable { why } if why.contains("503")
    ));

    // Faults: a 5xx and garbage are outages, a closed connection a transport failure.
    for fault in [
        json!({ "path_prefix": haoka_sandbox::turnstile::PATH, "mode": "error", "status": 502 }),
        json!({ "path_prefix": haoka_sandbox::turnstile::PATH, "mode": "garbage" }),
        json!({ "path_prefix": haoka_sandbox::turnstile::PATH, "mode": "close" }),
    ] {
        let armed = http
            .post(format!("{base}/__sandbox/faults"))
            .json(&fault)
            .send()
            .await
            .unwrap();
        assert!(armed.status().is_success());
        let outcome = verify(&secret, "pass:login:6", "k8", Some("login")).await;
        assert!(
            matches!(outcome, Outcome::Unavailable { .. }),
            "{fault}: {outcome:?}"
        );
    }
    // None of the faulted calls reached the handler: the token is still good.
    assert_eq!(
        verify(&secret, "pass:login:6", "k9", Some("login")).await,
        Outcome::Passed
    );
}
