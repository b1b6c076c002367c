//! Personal data sealed in stored rows, opened for the one use that needs it (a masked view,
//! a vendor call, a pre-check); never logged.

use haoka_edge_core::sql::orders::OrderRow;

use crate::{Config, error::AppError};

/// Open one sealed column of an order.
pub fn open(
    cfg: &Config,
    order: &OrderRow,
    column: &str,
    sealed: &str,
) -> Result<String, AppError> {
    // An order column's associated data is `{id}:{column}` (`crypto::ORDER_NAME` …).
    cfg.sealer
        .open(&format!("{}:{column}", order.id), sealed)
        .map_err(|e| AppError::Internal(format!("order {} {column}: {e}", order.id)))
}
