//! Faults on demand: make the next calls to an endpoint slow, fail with 5xx, answer garbage,
//! close the connection (before or after doing the work), or withhold their callbacks.

use std::{sync::Arc, time::Duration};

use axum::{
    body::Body,
    extract::{Request, State},
    http::StatusCode,
    middleware::Next,
    response::{IntoResponse, Response},
};
use serde::{Deserialize, Serialize};

use crate::{Shared, server::Closer};

/// What to do to a call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    /// Wait `delay_ms`, then answer normally.
    Slow,
    /// Answer HTTP 500 (or `status`, if 5xx).
    Error,
    /// Answer 200 with a body that is not the vendor's format.
    Garbage,
    /// Close the connection without a response.
    Close,
    /// Process the call normally, then close the connection instead of answering: the
    /// vendor has the order, the caller never hears so.
    LoseReply,
    /// Process normally but hold back the callback until fired by hand.
    WithholdCallback,
}

/// An armed fault.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Fault {
    /// Applies to request paths starting with this.
    pub path_prefix: String,
    /// What happens.
    pub mode: Mode,
    /// How many more calls it applies to.
    #[serde(default = "one")]
    pub count: u32,
    /// For `slow`.
    #[serde(default)]
    pub delay_ms: u64,
    /// For `error`: the status (default 500).
    #[serde(default)]
    pub status: Option<u16>,
}

fn one() -> u32 {
    1
}

/// Take one use of the first armed fault of `modes` matching `path`.
pub fn take(shared: &Shared, path: &str, modes: &[Mode]) -> Option<Fault> {
    let mut s = shared.lock();
    let i = s
        .faults
        .iter()
        .position(|f| f.count > 0 && modes.contains(&f.mode) && path.starts_with(&f.path_prefix))?;
    let fault = s.faults[i].clone();
    s.faults[i].count -= 1;
    if s.faults[i].count == 0 {
        s.faults.remove(i);
    }
    Some(fault)
}

/// Middleware applying request-level faults.
pub async fn apply(State(shared): State<Arc<Shared>>, req: Request, next: Next) -> Response {
    let path = req.uri().path().to_owned();
    let Some(fault) = take(
        &shared,
        &path,
        &[
            Mode::Slow,
            Mode::Error,
            Mode::Garbage,
            Mode::Close,
            Mode::LoseReply,
        ],
    ) else {
        return next.run(req).await;
    };
    match fault.mode {
        Mode::Slow => {
            tokio::time::sleep(Duration::from_millis(fault.delay_ms)).await;
            next.run(req).await
        }
        Mode::Error => {
            let status = fault
                .status
                .and_then(|s| StatusCode::from_u16(s).ok())
                .filter(|s| s.is_server_error())
                .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            (status, "<html><body>502 Bad Gateway</body></html>").into_response()
        }
        Mode::Garbage => Response::builder()
            .status(200)
            .header("content-type", "application/json")
            .body(Body::from(&b"{\"code\":\"20\x00\xff<html>"[..]))
            .unwrap_or_default(),
        Mode::LoseReply => {
            let closer = req.extensions().get::<Closer>().cloned();
            let _answer = next.run(req).await;
            match closer {
                Some(closer) => closer.hang_up().await,
                None => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
            }
        }
        Mode::Close | Mode::WithholdCallback => match req.extensions().get::<Closer>().cloned() {
            Some(closer) => closer.hang_up().await,
            None => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
        },
    }
}
