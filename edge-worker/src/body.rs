//! Reading a request's body, once for every route: a cap checked against the declared length
//! before anything is read (so a huge body is refused unread) and again while it streams in
//! (so a body without a length is refused at the cap, not after reading it all).

use futures_util::StreamExt;
use worker::Request;

use haoka_edge_app::error::AppError;

/// The body, at most `cap` bytes (HTTP 413 beyond).
pub async fn body_bytes(req: &mut Request, cap: usize) -> Result<Vec<u8>, AppError> {
    let declared = req
        .headers()
        .get("content-length")
        .map_err(|e| AppError::Internal(e.to_string()))?
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|n| n > cap) {
        return Err(AppError::PayloadTooLarge);
    }
    // Read chunk by chunk and stop at the cap: a body sent without Content-Length (chunked)
    // is refused once it passes the cap, never read whole first.
    let Ok(mut stream) = req.stream() else {
        return Ok(Vec::new()); // no body at all
    };
    let mut body = Vec::new();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|e| AppError::BadRequest(format!("body: {e}")))?;
        if body.len().saturating_add(chunk.len()) > cap {
            // Nothing more is kept; the rest is read and dropped (up to DRAIN_MAX), so the
            // connection it came on stays usable (`wrangler dev`'s proxy breaks the next
            // requests on a connection whose chunked body was left unread).
            let mut seen = body.len().saturating_add(chunk.len());
            drop(body);
            while seen < DRAIN_MAX {
                match stream.next().await {
                    Some(Ok(more)) => seen = seen.saturating_add(more.len()),
                    _ => break,
                }
            }
            return Err(AppError::PayloadTooLarge);
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// How much of an over-size chunked body is read (and dropped) before the 413.
const DRAIN_MAX: usize = 32 * 1024 * 1024;
