//! Password hashing with WebCrypto: PBKDF2-HMAC-SHA256 (`crypto.subtle.deriveBits`), native
//! in the runtime, at the count `haoka_edge_core::auth` fixes. A count above what deployed
//! Workers accept is refused here too, so `wrangler dev` (which would run it) behaves like
//! production.

use haoka_edge_core::auth::{HASH_BYTES, PBKDF2_ITERATIONS, Phc, SALT_BYTES, WORKERS_PBKDF2_CAP};
use js_sys::{Array, Reflect, Uint8Array};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{CryptoKey, Pbkdf2Params};

use crate::{config::random, error::AppError};

fn failed(what: &str) -> impl Fn(JsValue) -> AppError + '_ {
    move |e| AppError::Internal(format!("webcrypto {what}: {e:?}"))
}

/// PBKDF2-HMAC-SHA256 of `password` with `salt`, `iterations` times, 32 bytes.
pub async fn derive(password: &str, salt: &[u8], iterations: u32) -> Result<Vec<u8>, AppError> {
    if iterations == 0 || iterations > WORKERS_PBKDF2_CAP {
        return Err(AppError::Internal(format!(
            "pbkdf2 count {iterations} over the cap"
        )));
    }
    let crypto: web_sys::Crypto = Reflect::get(&js_sys::global(), &"crypto".into())
        .map_err(failed("global"))?
        .unchecked_into();
    let subtle = crypto.subtle();
    let usages = Array::of1(&"deriveBits".into());
    let raw = Uint8Array::from(password.as_bytes());
    let key: CryptoKey = JsFuture::from(
        subtle
            .import_key_with_str("raw", &raw, "PBKDF2", false, &usages)
            .map_err(failed("importKey"))?,
    )
    .await
    .map_err(failed("importKey"))?
    .unchecked_into();
    let params = Pbkdf2Params::new(
        "PBKDF2",
        &"SHA-256".into(),
        iterations,
        &Uint8Array::from(salt),
    );
    let bits = JsFuture::from(
        subtle
            .derive_bits_with_object(&params, &key, (HASH_BYTES * 8) as u32)
            .map_err(failed("deriveBits"))?,
    )
    .await
    .map_err(failed("deriveBits"))?;
    Ok(Uint8Array::new(&bits).to_vec())
}

/// A new PHC string for `password` (fresh salt, today's count).
pub async fn hash(password: &str) -> Result<String, AppError> {
    let salt = random::<SALT_BYTES>()?;
    let derived = derive(password, &salt, PBKDF2_ITERATIONS).await?;
    Ok(Phc::new(PBKDF2_ITERATIONS, &salt, &derived).encode())
}

/// Whether `password` matches the stored PHC string (an unreadable one matches nothing, after
/// the same work, so timing does not tell).
pub async fn verify(password: &str, stored: &str) -> Result<bool, AppError> {
    match Phc::parse(stored) {
        Some(phc) => Ok(phc.matches(&derive(password, &phc.salt, phc.iterations).await?)),
        None => {
            derive(password, &[0; SALT_BYTES], PBKDF2_ITERATIONS).await?;
            Ok(false)
        }
    }
}
