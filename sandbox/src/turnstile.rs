//! Cloudflare Turnstile, faked: siteverify, where the token decides the answer (`pass…`,
//! `pass:ACTION…`, `fail…`, `outage`) and a passing token is good once, as on Cloudflare; and
//! the widget script `api.js` for the browser tests, which hands out such `pass-…` tokens.
//!
//! siteverify takes a form-urlencoded, multipart or JSON body with `secret`, `response`,
//! `remoteip`, `idempotency_key`; every answer but the outage is HTTP 200 with Cloudflare's
//! JSON.

use std::sync::Arc;

use axum::{
    Json,
    extract::{Request, State},
    http::{StatusCode, header::CONTENT_TYPE},
    response::{IntoResponse, Response},
};
use haoka_shared::{Date, sign};
use serde_json::{Value, json};

use crate::{
    BODY_LIMIT, Shared, fields,
    state::{RecordId, now_millis},
};

/// siteverify's path (Cloudflare's, so switching is a base-URL change).
pub const PATH: &str = "/turnstile/v0/siteverify";
/// The widget script's path (Cloudflare's `api.js`).
pub const SCRIPT_PATH: &str = "/turnstile/v0/api.js";

/// Hostname a passing token was solved on.
pub const HOSTNAME: &str = "127.0.0.1";
/// Longest token siteverify accepts (Cloudflare documents 2048 characters).
pub const TOKEN_MAX: usize = 2048;

/// A passing token already verified: a second call with the same `idempotency_key` gets the
/// same answer, any other call `timeout-or-duplicate`.
#[derive(Debug, Clone)]
pub struct Used {
    /// The `idempotency_key` of the first call (may be empty: then no retry is recognised).
    pub idempotency_key: String,
    /// The first call's answer.
    pub answer: Value,
}

fn failure(code: &str) -> Response {
    Json(json!({ "success": false, "error-codes": [code] })).into_response()
}

/// The request's fields: JSON object members that are strings, or form/multipart text fields.
async fn read_fields(req: Request) -> Option<Vec<(String, String)>> {
    let json = req
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.to_ascii_lowercase().starts_with("application/json"));
    if json {
        let bytes = axum::body::to_bytes(req.into_body(), BODY_LIMIT)
            .await
            .ok()?;
        let Ok(Value::Object(map)) = serde_json::from_slice::<Value>(&bytes) else {
            return None;
        };
        Some(
            map.into_iter()
                .filter_map(|(k, v)| v.as_str().map(|s| (k, s.to_owned())))
                .collect(),
        )
    } else {
        fields::read(req).await.ok().map(|b| b.text)
    }
}

/// `POST /turnstile/v0/siteverify`.
pub async fn siteverify(State(shared): State<Arc<Shared>>, req: Request) -> Response {
    let record = req.extensions().get::<RecordId>().copied();
    let Some(fields) = read_fields(req).await else {
        return failure("bad-request");
    };
    let get = |k: &str| {
        fields
            .iter()
            .find(|(name, _)| name == k)
            .map(|(_, v)| v.as_str())
            .unwrap_or("")
    };
    let (secret, token, key) = (get("secret"), get("response"), get("idempotency_key"));
    shared.annotate(
        record,
        fields
            .iter()
            .map(|(k, v)| {
                let shown = if k == "secret" && !v.is_empty() {
                    "***".to_owned()
                } else {
                    v.clone()
                };
                (k.clone(), shown)
            })
            .collect(),
    );
    // siteverify is down whatever was sent.
    if token == "outage" {
        return (StatusCode::SERVICE_UNAVAILABLE, "upstream unavailable").into_response();
    }
    if secret.is_empty()
        || !sign::constant_time_eq(secret.as_bytes(), shared.config.turnstile_secret.as_bytes())
    {
        return failure("invalid-input-secret");
    }
    if token.is_empty() {
        return failure("missing-input-response");
    }
    if !token.starts_with("pass") || token.len() > TOKEN_MAX {
        return failure("invalid-input-response");
    }
    let mut s = shared.lock();
    if let Some(used) = s.turnstile_used.get(token) {
        if !key.is_empty() && used.idempotency_key == key {
            return Json(used.answer.clone()).into_response();
        }
        return failure("timeout-or-duplicate");
    }
    let mut answer = json!({
        "success": true,
        "challenge_ts": iso_utc(now_millis()),
        "hostname": HOSTNAME,
        "error-codes": [],
    });
    if let Some(action) = token
        .strip_prefix("pass:")
        .and_then(|rest| rest.split(':').next())
        .filter(|a| !a.is_empty())
    {
        answer["action"] = json!(action);
    }
    s.turnstile_used.insert(
        token.to_owned(),
        Used {
            idempotency_key: key.to_owned(),
            answer: answer.clone(),
        },
    );
    Json(answer).into_response()
}

/// A fake of Cloudflare's widget script, with the explicit-render API the order form uses:
/// `turnstile.render(container, {sitekey, language, callback, …})` draws a small box
/// (`.fake-turnstile`, its `data-sitekey` and `data-language` as given) and, 30 ms later, calls
/// `callback` with a fresh `pass-<n>-<random>` token, which siteverify above passes once;
/// `reset(id)` solves again (a new token, `data-token-count` = tokens handed out on this page),
/// `remove(id)` takes the box away, `getResponse(id)` is the current token; `?onload=NAME`
/// calls `window[NAME]()` once loaded. There is no challenge and no expiry.
const FAKE_SCRIPT: &str = r#"(function () {
  var widgets = {}, next = 0, issued = 0;
  var SOLVING = "测试人机验证… / test bot check…", SOLVED = "测试人机验证 ✓ / test bot check ✓";
  function solve(w) {
    w.token = null;
    w.box.textContent = SOLVING;
    setTimeout(function () {
      if (!widgets[w.id]) { return; }
      issued += 1;
      w.token = "pass-" + issued + "-" + Math.random().toString(36).slice(2, 10);
      w.box.setAttribute("data-token-count", String(issued));
      w.box.textContent = SOLVED;
      if (typeof w.options.callback === "function") { w.options.callback(w.token); }
    }, 30);
  }
  window.turnstile = {
    render: function (container, options) {
      var el = typeof container === "string" ? document.querySelector(container) : container;
      if (!el) { throw new Error("turnstile: no container"); }
      options = options || {};
      var box = document.createElement("div");
      box.className = "fake-turnstile";
      box.setAttribute("role", "status");
      box.setAttribute("data-sitekey", options.sitekey || "");
      box.setAttribute("data-language", options.language || "auto");
      el.appendChild(box);
      var id = "fake-widget-" + (next += 1);
      widgets[id] = { id: id, options: options, box: box, token: null };
      solve(widgets[id]);
      return id;
    },
    reset: function (id) { if (widgets[id]) { solve(widgets[id]); } },
    remove: function (id) {
      if (widgets[id]) { widgets[id].box.remove(); delete widgets[id]; }
    },
    getResponse: function (id) { return widgets[id] ? widgets[id].token : undefined; }
  };
  var src = document.currentScript && document.currentScript.src;
  var onload = src && new URL(src).searchParams.get("onload");
  if (onload && typeof window[onload] === "function") { window[onload](); }
})();
"#;

/// `GET /turnstile/v0/api.js`: the fake widget script ([`FAKE_SCRIPT`]).
pub async fn script() -> Response {
    (
        [(CONTENT_TYPE, "application/javascript; charset=utf-8")],
        FAKE_SCRIPT,
    )
        .into_response()
}

/// A Unix time in milliseconds as `YYYY-MM-DDTHH:MM:SS.mmmZ` (siteverify's `challenge_ts`).
pub fn iso_utc(millis: i64) -> String {
    let secs = millis.div_euclid(1000);
    let ms = millis.rem_euclid(1000);
    let sod = secs.rem_euclid(86_400);
    // 2440588 is the Julian day number of 1970-01-01.
    let date = i32::try_from(secs.div_euclid(86_400) + 2_440_588)
        .ok()
        .and_then(|jd| Date::from_julian_day(jd).ok())
        .unwrap_or(Date::MIN);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{ms:03}Z",
        date.year(),
        u8::from(date.month()),
        date.day(),
        sod / 3600,
        sod % 3600 / 60,
        sod % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps() {
        assert_eq!(iso_utc(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(iso_utc(1_646_061_270_096), "2022-02-28T15:14:30.096Z");
        assert_eq!(iso_utc(951_782_400_001), "2000-02-29T00:00:00.001Z");
    }
}
