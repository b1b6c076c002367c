//! Test helpers: a sandbox on 127.0.0.1:0, a callback receiver, signed RealMe requests.
#![allow(dead_code, clippy::expect_used, clippy::unwrap_used, clippy::panic)]

use std::{sync::Arc, time::Duration};

use axum::{Router, extract::State, routing::post};
use base64::Engine;
use haoka_sandbox::{Config, Shared, delivery, router, server};
use serde_json::Value;
use tokio::sync::{Mutex, mpsc};

/// A running sandbox.
pub struct Sbx {
    pub url: String,
    pub shared: Arc<Shared>,
    pub http: reqwest::Client,
}

/// Fast timelines for tests; admin on.
pub fn test_config() -> Config {
    Config {
        admin: true,
        xg_step: Duration::from_millis(150),
        realme_delay: Duration::from_millis(300),
        realme_rate_per_sec: 1000,
        ..Config::default()
    }
}

pub async fn start(config: Config) -> Sbx {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let shared = Shared::new(config);
    tokio::spawn(delivery::run(shared.clone()));
    tokio::spawn(server::serve(listener, router(shared.clone())));
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap();
    Sbx { url, shared, http }
}

/// Form posts received by the callback receiver.
pub struct Receiver {
    pub url: String,
    rx: Mutex<mpsc::UnboundedReceiver<Vec<(String, String)>>>,
}

impl Receiver {
    /// Wait (bounded) for the next callback.
    pub async fn next(&self) -> Vec<(String, String)> {
        tokio::time::timeout(Duration::from_secs(10), self.rx.lock().await.recv())
            .await
            .expect("callback within 10 s")
            .expect("receiver open")
    }

    /// Nothing arrives within `d`.
    pub async fn silent_for(&self, d: Duration) -> bool {
        tokio::time::timeout(d, self.rx.lock().await.recv())
            .await
            .is_err()
    }
}

/// A local receiver answering `success`.
pub async fn receiver() -> Receiver {
    let (tx, rx) = mpsc::unbounded_channel();
    let app = Router::new()
        .route(
            "/{*rest}",
            post(
                |State(tx): State<mpsc::UnboundedSender<Vec<(String, String)>>>,
                 body: axum::body::Bytes| async move {
                    let form: Vec<(String, String)> =
                        serde_urlencoded::from_bytes(&body).unwrap_or_default();
                    let _ = tx.send(form);
                    "success"
                },
            ),
        )
        .with_state(tx);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/cb", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    Receiver {
        url,
        rx: Mutex::new(rx),
    }
}

pub fn field<'a>(form: &'a [(String, String)], key: &str) -> &'a str {
    form.iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.as_str())
        .unwrap_or("")
}

/// A tiny JPEG-looking image (magic bytes), with optional scenario marks.
pub fn jpeg(marks: &str) -> Vec<u8> {
    let mut v = vec![
        0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, b'J', b'F', b'I', b'F', 0,
    ];
    v.extend_from_slice(&[0u8; 64]);
    if !marks.is_empty() {
        v.extend_from_slice(format!("HAOKA:{marks}\n").as_bytes());
    }
    v.extend_from_slice(&[0xFF, 0xD9]);
    v
}

pub fn png() -> Vec<u8> {
    let mut v = b"\x89PNG\r\n\x1a\n".to_vec();
    v.extend_from_slice(&[0u8; 64]);
    v
}

pub fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

static COUNTER: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// A unique order id.
pub fn oid() -> String {
    let n = COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    format!("T{}{n:06}", std::process::id())
}

/// Common parameters + the given ones, signed with the sandbox's key.
pub fn signed(config: &Config, order_id: &str, params: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut all: Vec<(String, String)> = vec![
        ("order_date".into(), "20261122".into()),
        ("order_id".into(), order_id.into()),
        ("app_token".into(), config.realme_app_token.clone()),
    ];
    all.extend(
        params
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned())),
    );
    let sig = haoka_shared::sign::realme_sign(
        all.iter().map(|(k, v)| (k.as_str(), v.as_str())),
        &config.realme_sign_key,
    );
    all.push(("sign".into(), sig));
    all
}

impl Sbx {
    /// POST a RealMe trade call; returns (HTTP status, JSON).
    pub async fn realme(&self, path: &str, form: &[(String, String)]) -> (u16, Value) {
        let resp = self
            .http
            .post(format!("{}/api/realme/{path}", self.url))
            .form(form)
            .send()
            .await
            .unwrap();
        let status = resp.status().as_u16();
        (status, resp.json().await.unwrap())
    }

    pub async fn admin_get(&self, path: &str) -> Value {
        self.http
            .get(format!("{}/__sandbox{path}", self.url))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }

    pub async fn admin_post(&self, path: &str, body: Value) -> Value {
        self.http
            .post(format!("{}/__sandbox{path}", self.url))
            .json(&body)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }
}
