//! Cloudflare Turnstile, server side: the browser's widget token is sent to siteverify with
//! our secret, and the reply says whether a person solved the challenge. Sans-IO like every
//! upstream here: [`siteverify_request`] builds the call, [`parse_siteverify_reply`] reads the
//! answer, [`unavailable`] stands for a call that got no answer.
//!
//! Cloudflare's reply: `{"success":true,"challenge_ts":"…","hostname":"example.com",
//! "error-codes":[],"action":"login","cdata":"…"}`, or `{"success":false,"error-codes":[…]}`
//! with `missing-input-secret`, `invalid-input-secret`, `missing-input-response`,
//! `invalid-input-response`, `bad-request`, `timeout-or-duplicate`, `internal-error`.

use serde_json::Value;

use crate::{
    http::{Body, HttpRequest, Method},
    reply,
};

/// Cloudflare's siteverify endpoint (the default of `TURNSTILE_SITEVERIFY_URL`).
pub const SITEVERIFY_URL: &str = "https://challenges.cloudflare.com/turnstile/v0/siteverify";
/// Cloudflare's widget script (the default of `TURNSTILE_SCRIPT_URL`).
pub const SCRIPT_URL: &str = "https://challenges.cloudflare.com/turnstile/v0/api.js";
/// Header in which the browser sends the widget's token to the edge.
pub const TOKEN_HEADER: &str = haoka_shared::api::TURNSTILE_HEADER;
/// Longest token accepted (Cloudflare documents 2048 characters).
pub const TOKEN_MAX: usize = 2048;

/// Our own code: siteverify passed the token for another action than expected.
const ACTION_MISMATCH: &str = "action-mismatch";
/// Our own code: siteverify passed the token for another hostname than expected.
const HOSTNAME_MISMATCH: &str = "hostname-mismatch";
/// Cloudflare's code for its own failure.
const INTERNAL_ERROR: &str = "internal-error";
/// At most this many error codes are kept from a reply (they end up in a log line).
const MAX_CODES: usize = 8;

/// Whether a token has a plausible shape: 1..=TOKEN_MAX of ASCII graphic characters (no spaces/controls).
pub fn token_shape_ok(token: &str) -> bool {
    !token.is_empty() && token.len() <= TOKEN_MAX && token.bytes().all(|b| b.is_ascii_graphic())
}

/// The siteverify request: form POST (Body::Form) with `secret`, `response` (the token), `remoteip` (when Some) and `idempotency_key`.
pub fn siteverify_request(
    url: &str,
    secret: &str,
    token: &str,
    remote_ip: Option<&str>,
    idempotency_key: &str,
) -> HttpRequest {
    let mut fields = vec![
        ("secret".to_owned(), secret.to_owned()),
        ("response".to_owned(), token.to_owned()),
    ];
    if let Some(ip) = remote_ip {
        fields.push(("remoteip".to_owned(), ip.to_owned()));
    }
    fields.push(("idempotency_key".to_owned(), idempotency_key.to_owned()));
    HttpRequest {
        method: Method::Post,
        url: url.to_owned(),
        headers: Vec::new(),
        body: Body::Form(fields),
    }
}

/// What siteverify said.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// A real person solved it (success true, and action/hostname match when expected).
    Passed,
    /// Not solved, expired, re-used, wrong action/hostname, or a bad secret: `codes` are Cloudflare's error-codes (or our own "action-mismatch" / "hostname-mismatch").
    Failed {
        /// Cloudflare's `error-codes` (each cut to log length), or our own mismatch codes.
        codes: Vec<String>,
    },
    /// siteverify could not answer (HTTP 5xx, 429, a body that is not its JSON, a transport failure): the caller decides what an outage means.
    Unavailable {
        /// A short reason for the log (the reply's shape, never its content).
        why: String,
    },
}

/// Read siteverify's reply. `expected_action` / `expected_hostname`: when Some, a success whose `action` / `hostname` differ is `Failed`. An `error-codes` containing only "internal-error" is `Unavailable`. A 200 with `success:false` and "invalid-input-secret"/"missing-input-secret" is Failed with those codes (the caller logs it as a configuration error).
///
/// Also `Unavailable`: `success` missing or not a boolean, and `success:true` under a status
/// other than 2xx (contradictory). A `success:false` under a 4xx is `Failed` with its codes
/// (Cloudflare answers a malformed call with `bad-request`). The hostname is compared
/// ASCII case-insensitively, the action exactly.
pub fn parse_siteverify_reply(
    status: u16,
    body: &[u8],
    expected_action: Option<&str>,
    expected_hostname: Option<&str>,
) -> Outcome {
    if status == 429 || reply::is_server_error(status) {
        return unavailable(&format!("HTTP {status}"));
    }
    let map = match reply::json_object(body) {
        Ok(map) => map,
        Err(why) => return unavailable(&format!("HTTP {status}, {why}")),
    };
    let Some(success) = map.get("success").and_then(Value::as_bool) else {
        return unavailable(&format!("HTTP {status}, no boolean success"));
    };
    let codes: Vec<String> = match map.get("error-codes") {
        Some(Value::Array(list)) => list
            .iter()
            .filter_map(Value::as_str)
            .take(MAX_CODES)
            .map(reply::short)
            .collect(),
        _ => Vec::new(),
    };
    if !success {
        if !codes.is_empty() && codes.iter().all(|c| c == INTERNAL_ERROR) {
            return unavailable(&format!("HTTP {status}, {INTERNAL_ERROR}"));
        }
        return Outcome::Failed { codes };
    }
    if !reply::is_success(status) {
        return unavailable(&format!("HTTP {status} with success true"));
    }
    let mut mismatches = Vec::new();
    if let Some(want) = expected_action
        && map.get("action").and_then(Value::as_str) != Some(want)
    {
        mismatches.push(ACTION_MISMATCH.to_owned());
    }
    if let Some(want) = expected_hostname
        && !map
            .get("hostname")
            .and_then(Value::as_str)
            .is_some_and(|h| h.eq_ignore_ascii_case(want))
    {
        mismatches.push(HOSTNAME_MISMATCH.to_owned());
    }
    if mismatches.is_empty() {
        Outcome::Passed
    } else {
        Outcome::Failed { codes: mismatches }
    }
}

/// Outcome for a transport failure (timeout, connection refused).
pub fn unavailable(why: &str) -> Outcome {
    Outcome::Unavailable {
        why: format!("siteverify: {why}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::FORM_CONTENT_TYPE;

    const PASS: &[u8] = br#"{"success":true,"challenge_ts":"2022-02-28T15:14:30.096Z","hostname":"example.com","error-codes":[],"action":"login","cdata":"sessionid-123"}"#;

    fn failed(codes: &[&str]) -> Outcome {
        Outcome::Failed {
            codes: codes.iter().map(|c| (*c).to_owned()).collect(),
        }
    }

    fn is_unavailable(o: &Outcome) -> bool {
        matches!(o, Outcome::Unavailable { why } if why.starts_with("siteverify: "))
    }

    #[test]
    fn request_shape() {
        let req = siteverify_request(
            SITEVERIFY_URL,
            "0x4AAAA-SECRET",
            "tok-123",
            Some("203.0.113.7"),
            "idem-1",
        );
        assert_eq!(req.method, Method::Post);
        assert_eq!(req.url, SITEVERIFY_URL);
        assert!(req.headers.is_empty());
        assert_eq!(req.content_type(), Some(FORM_CONTENT_TYPE));
        assert_eq!(
            req.body,
            Body::Form(vec![
                ("secret".into(), "0x4AAAA-SECRET".into()),
                ("response".into(), "tok-123".into()),
                ("remoteip".into(), "203.0.113.7".into()),
                ("idempotency_key".into(), "idem-1".into()),
            ])
        );
        assert_eq!(
            req.body.urlencoded().as_deref(),
            Some(
                "secret=0x4AAAA-SECRET&response=tok-123&remoteip=203.0.113.7&idempotency_key=idem-1"
            )
        );
        // The log sees field names, never the secret or the token.
        let shown = format!("{req:?}");
        assert!(
            !shown.contains("SECRET") && !shown.contains("tok-123"),
            "{shown}"
        );
        assert!(
            shown.contains("secret") && shown.contains("response"),
            "{shown}"
        );

        let req = siteverify_request("http://127.0.0.1:8788/x", "s", "t", None, "k");
        assert_eq!(req.body.field("remoteip"), None);
        assert_eq!(req.body.field("response"), Some("t"));
        assert_eq!(req.body.field("idempotency_key"), Some("k"));
        let Body::Form(fields) = &req.body else {
            panic!("{req:?}");
        };
        assert_eq!(fields.len(), 3);
    }

    #[test]
    fn passed() {
        assert_eq!(
            parse_siteverify_reply(200, PASS, None, None),
            Outcome::Passed
        );
        assert_eq!(
            parse_siteverify_reply(200, PASS, Some("login"), Some("example.com")),
            Outcome::Passed
        );
        assert_eq!(
            parse_siteverify_reply(200, PASS, None, Some("EXAMPLE.com")),
            Outcome::Passed
        );
        // No error-codes at all is fine too.
        assert_eq!(
            parse_siteverify_reply(200, br#"{"success":true}"#, None, None),
            Outcome::Passed
        );
    }

    #[test]
    fn action_and_hostname_mismatch() {
        assert_eq!(
            parse_siteverify_reply(200, PASS, Some("signup"), None),
            failed(&["action-mismatch"])
        );
        assert_eq!(
            parse_siteverify_reply(200, PASS, None, Some("evil.example")),
            failed(&["hostname-mismatch"])
        );
        assert_eq!(
            parse_siteverify_reply(200, PASS, Some("signup"), Some("evil.example")),
            failed(&["action-mismatch", "hostname-mismatch"])
        );
        // Expected but absent is a mismatch too.
        assert_eq!(
            parse_siteverify_reply(200, br#"{"success":true}"#, Some("login"), None),
            failed(&["action-mismatch"])
        );
        assert_eq!(
            parse_siteverify_reply(200, br#"{"success":true}"#, None, Some("example.com")),
            failed(&["hostname-mismatch"])
        );
    }

    #[test]
    fn failed_with_cloudflare_codes() {
        for code in [
            "missing-input-secret",
            "invalid-input-secret",
            "missing-input-response",
            "invalid-input-response",
            "bad-request",
            "timeout-or-duplicate",
        ] {
            let body = format!(r#"{{"success":false,"error-codes":["{code}"]}}"#);
            assert_eq!(
                parse_siteverify_reply(200, body.as_bytes(), Some("login"), None),
                failed(&[code]),
                "{code}"
            );
        }
        assert_eq!(
            parse_siteverify_reply(
                200,
                br#"{"success":false,"error-codes":["internal-error","invalid-input-response"]}"#,
                None,
                None
            ),
            failed(&["internal-error", "invalid-input-response"])
        );
        assert_eq!(
            parse_siteverify_reply(200, br#"{"success":false}"#, None, None),
            failed(&[])
        );
        assert_eq!(
            parse_siteverify_reply(
                400,
                br#"{"success":false,"error-codes":["bad-request"]}"#,
                None,
                None
            ),
            failed(&["bad-request"])
        );
        // Codes are cut for the log.
        let long = format!(
            r#"{{"success":false,"error-codes":["{}",1,"x"]}}"#,
            "a".repeat(500)
        );
        let Outcome::Failed { codes } = parse_siteverify_reply(200, long.as_bytes(), None, None)
        else {
            panic!()
        };
        assert_eq!(codes.len(), 2);
        assert!(
            codes[0].chars().count() <= 61 && codes[1] == "x",
            "{codes:?}"
        );
    }

    #[test]
    fn unavailable_branches() {
        for (status, body) in [
            (500, PASS),
            (502, b"<html>502 Bad Gateway</html>"),
            (503, b"upstream unavailable"),
            (429, b""),
            (429, br#"{"success":false,"error-codes":["bad-request"]}"#),
            (200, b"<html>"),
            (200, b""),
            (200, b"[true]"),
            (200, b"{\"code\":\"20\x00\xff<html>"),
            (200, br#"{"success":"true"}"#),
            (200, br#"{"error-codes":[]}"#),
            (
                200,
                br#"{"success":false,"error-codes":["internal-error"]}"#,
            ),
            (
                200,
                br#"{"success":false,"error-codes":["internal-error","internal-error"]}"#,
            ),
            (404, PASS),
            (404, b"not found"),
        ] {
            let o = parse_siteverify_reply(status, body, None, None);
            assert!(
                is_unavailable(&o),
                "{status} {}: {o:?}",
                String::from_utf8_lossy(body)
            );
        }
        let Outcome::Unavailable { why } = parse_siteverify_reply(503, b"", None, None) else {
            panic!()
        };
        assert!(why.contains("503"), "{why}");
        assert_eq!(
            unavailable("timeout"),
            Outcome::Unavailable {
                why: "siteverify: timeout".into()
            }
        );
    }

    #[test]
    fn token_shapes() {
        assert!(token_shape_ok("0.abcDEF-_xyz.123"));
        assert!(token_shape_ok("x"));
        assert!(token_shape_ok(&"a".repeat(TOKEN_MAX)));
        assert!(!token_shape_ok(""));
        assert!(!token_shape_ok(&"a".repeat(TOKEN_MAX + 1)));
        assert!(!token_shape_ok("abc def"));
        assert!(!token_shape_ok("abc\tdef"));
        assert!(!token_shape_ok("abc\ndef"));
        assert!(!token_shape_ok("abc\u{7f}"));
        assert!(!token_shape_ok("tökén"));
        assert!(!token_shape_ok("令牌"));
    }
}
