//! Console passwords: PBKDF2-HMAC-SHA256 through the platform (WebCrypto on the Worker), the
//! PHC string and its rules in `haoka_edge_core::auth`. An unreadable stored hash costs the
//! same work as a real one and never matches.

use haoka_edge_core::auth::{HASH_BYTES, PBKDF2_ITERATIONS, Phc, SALT_BYTES, WORKERS_PBKDF2_CAP};

use crate::{
    error::AppError,
    platform::{Platform, random},
};

/// PBKDF2 of `password` under `salt`, within the Workers' iteration cap.
async fn derive(
    p: &impl Platform,
    password: &str,
    salt: &[u8],
    iterations: u32,
) -> Result<Vec<u8>, AppError> {
    if iterations == 0 || iterations > WORKERS_PBKDF2_CAP {
        return Err(AppError::Internal(format!(
            "pbkdf2 count {iterations} over the cap"
        )));
    }
    p.pbkdf2(password, salt, iterations, HASH_BYTES).await
}

/// A new PHC string for `password`, with a fresh salt.
pub async fn hash(p: &impl Platform, password: &str) -> Result<String, AppError> {
    let salt = random::<SALT_BYTES>(p)?;
    let derived = derive(p, password, &salt, PBKDF2_ITERATIONS).await?;
    Ok(Phc::new(PBKDF2_ITERATIONS, &salt, &derived).encode())
}

/// Whether `password` matches the stored PHC string (an unreadable one: the same work, false).
pub async fn verify(p: &impl Platform, password: &str, stored: &str) -> Result<bool, AppError> {
    match Phc::parse(stored) {
        Some(phc) => Ok(phc.matches(&derive(p, password, &phc.salt, phc.iterations).await?)),
        None => {
            derive(p, password, &[0; SALT_BYTES], PBKDF2_ITERATIONS).await?;
            Ok(false)
        }
    }
}
