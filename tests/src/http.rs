//! The one HTTP client of the suite and the ways its answers are read.

use std::time::Duration;

use serde_json::Value;

use crate::Stack;

/// A client that gives up on an answer after `timeout` (a hung worker fails the test there).
pub fn client_within(timeout: Duration) -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(timeout)
        .build()
        .expect("client")
}

/// The suite's client: 60 s per answer (bursts on two shared cores are slow, never that slow).
pub fn client() -> reqwest::Client {
    client_within(Duration::from_secs(60))
}

/// Status and JSON body; panics when the body is not JSON (every answer of ours is).
pub async fn json_of(resp: reqwest::Response) -> (u16, Value) {
    let status = resp.status().as_u16();
    let text = resp.text().await.expect("body");
    let body =
        serde_json::from_str(&text).unwrap_or_else(|_| panic!("not JSON ({status}): {text}"));
    (status, body)
}

/// Status and body: JSON when it parses, else the text as a JSON string (for answers that may
/// come from the dev server rather than the worker).
pub async fn reply(resp: reqwest::Response) -> (u16, Value) {
    let (status, body, _) = reply_with_cookies(resp).await;
    (status, body)
}

/// As [`reply`], with every `Set-Cookie` header of the answer.
pub async fn reply_with_cookies(resp: reqwest::Response) -> (u16, Value, Vec<String>) {
    let status = resp.status().as_u16();
    let cookies = resp
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap_or_default().to_owned())
        .collect();
    let text = resp.text().await.expect("body");
    let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
    (status, body, cookies)
}

/// A `COUNT(*) AS n` (or any query whose first row has a number `n`) on the worker's D1.
pub fn count(s: &Stack, sql: &str) -> i64 {
    s.worker.query(sql)[0]["n"].as_i64().expect("a count")
}

impl Stack {
    /// An operator call with the bearer token: `GET` when `body` is `None`, else `POST` it;
    /// JSON expected.
    pub async fn admin(&self, path: &str, body: Option<Value>) -> (u16, Value) {
        let url = format!("{}{path}", self.worker.url());
        let req = match body {
            None => client().get(url),
            Some(b) => client().post(url).json(&b),
        };
        json_of(req.bearer_auth(&self.admin_token).send().await.expect(path)).await
    }

    /// `GET /__sandbox/{path}` on the sandbox's admin API (JSON expected).
    pub async fn sandbox_get(&self, path: &str) -> Value {
        let resp = client()
            .get(format!("{}/__sandbox/{path}", self.sandbox_url()))
            .send()
            .await
            .expect("sandbox admin");
        json_of(resp).await.1
    }

    /// Requests the sandbox received under `path` (all of them for `""`) whose fields mention
    /// `needle` (all of them for `""`).
    pub async fn sandbox_requests(&self, path: &str, needle: &str) -> Vec<Value> {
        let list = if path.is_empty() {
            self.sandbox_get("requests").await
        } else {
            self.sandbox_get(&format!("requests?path={path}")).await
        };
        list.as_array()
            .expect("requests")
            .iter()
            .filter(|r| r.to_string().contains(needle))
            .cloned()
            .collect()
    }

    /// How many of [`Stack::sandbox_requests`] there are.
    pub async fn sandbox_calls(&self, path: &str, needle: &str) -> usize {
        self.sandbox_requests(path, needle).await.len()
    }
}
