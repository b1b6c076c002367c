//! The operator's bearer token (`ADMIN_TOKEN`): what the admin endpoints and the first admin's
//! bootstrap accept instead of a console session. Compared in constant time.

use haoka_shared::{refusal::Refusal, sign::constant_time_eq};

use crate::{Config, error::AppError, http::Incoming};

/// Refuse unless the bearer token is the configured one.
pub fn authorise(req: &Incoming, cfg: &Config) -> Result<(), AppError> {
    let given = req.header("authorization").unwrap_or_default();
    let token = given.strip_prefix("Bearer ").unwrap_or("");
    if token.is_empty() || !constant_time_eq(token.as_bytes(), cfg.admin_token.as_bytes()) {
        return Err(Refusal::Unauthorized.into());
    }
    Ok(())
}
