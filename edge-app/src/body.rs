//! Reading request bodies, once for every route: the platform reads at most the route's cap
//! (HTTP 413 beyond, refused unread when the declared length is over), and one JSON decoder
//! whose failure is a 400.

use serde::Deserialize;

use crate::{error::AppError, platform::Platform};

/// Decode JSON (HTTP 400 when it does not fit `T`).
pub fn parse_json<T: for<'de> Deserialize<'de>>(body: &[u8]) -> Result<T, AppError> {
    serde_json::from_slice(body).map_err(|e| AppError::BadRequest(e.to_string()))
}

/// A JSON body of at most `cap` bytes.
pub async fn read_json<T: for<'de> Deserialize<'de>>(
    p: &impl Platform,
    cap: usize,
) -> Result<T, AppError> {
    parse_json(&p.body(cap).await?)
}
