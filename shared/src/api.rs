//! Wire types of the edge's own HTTP API (`/api/*`), shared with the browser app.

use serde::{Deserialize, Serialize};

use crate::FieldIssue;

/// Path of the health check.
pub const HEALTH_PATH: &str = "/api/health";
/// Path the order form posts drafts to.
pub const DRAFT_PATH: &str = "/api/orders/draft";

/// Every non-2xx JSON body the edge sends.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiError {
    /// Stable machine code: `validation`, `not_found`, `bad_request`, `internal`, …
    pub error: String,
    /// Chinese message.
    pub message_zh: String,
    /// English message.
    pub message_en: String,
    /// Field issues (for `validation`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<FieldIssue>,
}

/// `GET /api/health` reply.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Health {
    /// `ok` when the worker and D1 answer.
    pub status: String,
    /// Whether D1 answered a query.
    pub d1: bool,
    /// Crate version of the worker.
    pub version: String,
}
