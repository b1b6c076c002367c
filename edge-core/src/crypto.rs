//! The edge's own cryptography: purpose-bound keys, the callback URL token, the per-order
//! status token, keyed lookup hashes, body fingerprints, and sealing personal data at rest
//! (AES-256-GCM). Pure: nonces are passed in by the caller, never drawn here.
//!
//! Known-answer vectors in the tests come from Python's `hmac`, `hashlib` and
//! `cryptography`, never from this code.

use std::fmt;

use aes_gcm::{
    Aes256Gcm, KeyInit, Nonce,
    aead::{Aead, Payload},
};
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use haoka_shared::sign::constant_time_eq;
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

type HmacSha256 = Hmac<Sha256>;

/// Purpose of the per-order status token key.
const ORDER_TOKEN_PURPOSE: &str = "haoka order token v1";
/// Purpose of the lookup-hash key.
const LOOKUP_PURPOSE: &str = "haoka lookup v1";
/// Purpose of the sealing key.
const PII_PURPOSE: &str = "haoka pii v1";
/// Prefix of a sealed value (the format's version).
const SEALED_PREFIX: &str = "v1.";
const NONCE_LEN: usize = 12;
const TAG_LEN: usize = 16;

/// HMAC-SHA256 of the concatenated `parts` under `key` (any length, RFC 2104).
pub(crate) fn hmac_sha256(key: &[u8], parts: &[&[u8]]) -> [u8; 32] {
    // RFC 2104 §2: a key longer than the block is hashed, a shorter one zero-padded. Doing it
    // here gives the block-sized key `Mac::new` takes, with no fallible constructor to handle.
    let mut block = hmac::digest::Key::<HmacSha256>::default();
    if key.len() > block.len() {
        let digest = Sha256::digest(key);
        block[..digest.len()].copy_from_slice(&digest);
    } else {
        block[..key.len()].copy_from_slice(key);
    }
    let mut mac = <HmacSha256 as Mac>::new(&block);
    for part in parts {
        mac.update(part);
    }
    mac.finalize().into_bytes().into()
}

/// Lower-case hex.
fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A 32-byte key for one purpose: HMAC-SHA256(key = `secret`, message = `purpose`). One
/// configured secret thus yields independent keys, and a leak of one reveals no other.
pub fn derive_key(secret: &str, purpose: &str) -> [u8; 32] {
    hmac_sha256(secret.as_bytes(), &[purpose.as_bytes()])
}

/// The token in a callback URL `…/callbacks/xingguang/{api_xid}/{token}`: lower-case hex
/// HMAC-SHA256 of `api_xid` under the callback key (API-CONTRACTS). The vendor does not sign
/// callbacks, so the unguessable URL is the authentication.
pub fn callback_token(callback_key: &str, api_xid: &str) -> String {
    hex(&hmac_sha256(callback_key.as_bytes(), &[api_xid.as_bytes()]))
}

/// Whether `token` is the callback token of `api_xid` (constant time).
pub fn verify_callback_token(callback_key: &str, api_xid: &str, token: &str) -> bool {
    constant_time_eq(
        callback_token(callback_key, api_xid).as_bytes(),
        token.as_bytes(),
    )
}

/// The unguessable per-order status-page token: HMAC-SHA256 of `order_id` under
/// `derive_key(session_key, "haoka order token v1")`, first 16 bytes, lower-case hex (32
/// characters).
pub fn order_token(session_key: &str, order_id: &str) -> String {
    let key = derive_key(session_key, ORDER_TOKEN_PURPOSE);
    hex(&hmac_sha256(&key, &[order_id.as_bytes()])[..16])
}

/// Whether `token` is the status token of `order_id` (constant time).
pub fn verify_order_token(session_key: &str, order_id: &str, token: &str) -> bool {
    constant_time_eq(
        order_token(session_key, order_id).as_bytes(),
        token.as_bytes(),
    )
}

/// A keyed hash for finding rows by a personal value without storing it in clear (e.g.
/// `kind` = `id_number`): hex HMAC-SHA256 of `kind:value` under
/// `derive_key(pii_key, "haoka lookup v1")`. The caller normalises `value` first.
pub fn lookup_hash(pii_key: &str, kind: &str, value: &str) -> String {
    let key = derive_key(pii_key, LOOKUP_PURPOSE);
    hex(&hmac_sha256(
        &key,
        &[kind.as_bytes(), b":", value.as_bytes()],
    ))
}

/// SHA-256 hex over the parts, each preceded by its length as a big-endian u64, so that
/// `["ab", "c"]` and `["a", "bc"]` differ. Compares the bodies of idempotent requests.
pub fn fingerprint(parts: &[&[u8]]) -> String {
    let mut hasher = Sha256::new();
    for part in parts {
        hasher.update((part.len() as u64).to_be_bytes());
        hasher.update(part);
    }
    hex(&hasher.finalize())
}

/// Why a sealed value could not be opened or a value sealed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum CryptoError {
    /// Not a `v1.` value.
    #[error("sealed value of an unknown version")]
    UnknownVersion,
    /// Not base64url, too short, or not UTF-8 inside.
    #[error("sealed value is malformed")]
    Malformed,
    /// Wrong key, wrong associated data, or tampered.
    #[error("sealed value does not authenticate")]
    Rejected,
    /// Plaintext too long for AES-GCM.
    #[error("value too long to seal")]
    TooLong,
}

/// Seals personal data at rest with AES-256-GCM under `derive_key(pii_key, "haoka pii v1")`.
/// The associated data binds a value to its place (e.g. `orders.id_number:{order id}`), so a
/// sealed value copied elsewhere does not open.
#[derive(Clone)]
pub struct Sealer {
    cipher: Aes256Gcm,
}

impl fmt::Debug for Sealer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Sealer { key: <redacted> }")
    }
}

impl Sealer {
    /// A sealer for the configured PII key.
    pub fn new(pii_key: &str) -> Sealer {
        let key = derive_key(pii_key, PII_PURPOSE);
        Sealer {
            cipher: Aes256Gcm::new(&key.into()),
        }
    }

    /// `"v1." + base64url-nopad(nonce ‖ ciphertext ‖ tag)`. `nonce` must be 12 fresh random
    /// bytes for every call (a repeated nonce under one key breaks GCM); the caller draws
    /// them (`crypto.getRandomValues` in the worker).
    pub fn seal(&self, aad: &str, plaintext: &str, nonce: [u8; 12]) -> Result<String, CryptoError> {
        let payload = Payload {
            msg: plaintext.as_bytes(),
            aad: aad.as_bytes(),
        };
        let sealed = self
            .cipher
            .encrypt(&Nonce::from(nonce), payload)
            .map_err(|_| CryptoError::TooLong)?;
        let mut out = Vec::with_capacity(NONCE_LEN + sealed.len());
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&sealed);
        Ok(format!("{SEALED_PREFIX}{}", URL_SAFE_NO_PAD.encode(out)))
    }

    /// The plaintext of a value from [`Sealer::seal`] with the same key and `aad`.
    pub fn open(&self, aad: &str, sealed: &str) -> Result<String, CryptoError> {
        let encoded = sealed
            .strip_prefix(SEALED_PREFIX)
            .ok_or(CryptoError::UnknownVersion)?;
        let bytes = URL_SAFE_NO_PAD
            .decode(encoded)
            .map_err(|_| CryptoError::Malformed)?;
        let (nonce, sealed) = bytes
            .split_first_chunk::<NONCE_LEN>()
            .filter(|(_, rest)| rest.len() >= TAG_LEN)
            .ok_or(CryptoError::Malformed)?;
        let payload = Payload {
            msg: sealed,
            aad: aad.as_bytes(),
        };
        let plain = self
            .cipher
            .decrypt(&Nonce::from(*nonce), payload)
            .map_err(|_| CryptoError::Rejected)?;
        String::from_utf8(plain).map_err(|_| CryptoError::Malformed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const XID: &str = "HK2026112200000001Z0Z789AB";

    #[test]
    fn hmac_known_answers() {
        // python3 -c "import hmac,hashlib;print(hmac.new(b'k',b'm',hashlib.sha256).hexdigest())"
        assert_eq!(
            hex(&hmac_sha256(b"k", &[b"m"])),
            "b60090e3052297aeb5a080889ce2fc4bca957e756faeb4df7d31800ca1e771ec"
        );
        // A key longer than the block is hashed first:
        // python3 -c "import hmac,hashlib;print(hmac.new(b'x'*100,b'm',hashlib.sha256).hexdigest())"
        assert_eq!(
            hex(&hmac_sha256(&[b'x'; 100], &[b"m"])),
            "2c9c063da64413c2bf25129ecb93872ac7e81ae680eee9678a148f90894e6391"
        );
        // A key of exactly one block is used as it is.
        let k64 = [b'y'; 64];
        assert_ne!(
            hmac_sha256(&k64, &[b"m"]),
            hmac_sha256(&[b'y'; 63], &[b"m"])
        );
        // Parts are concatenated.
        assert_eq!(hmac_sha256(b"k", &[b"m"]), hmac_sha256(b"k", &[b"", b"m"]));
    }

    #[test]
    fn derived_keys_and_tokens_known_answers() {
        // python3 -c "import hmac,hashlib;print(hmac.new(b'secret',b'haoka pii v1',hashlib.sha256).hexdigest())"
        assert_eq!(
            hex(&derive_key("secret", "haoka pii v1")),
            "012539582500194604349a096aadf156884d9845273570c8d0086652fdeba737"
        );
        // python3 -c "import hmac,hashlib;print(hmac.new(b'cbkey',b'HK2026112200000001Z0Z789AB',hashlib.sha256).hexdigest())"
        let cb = "9192d25043b4779027746291fea0b427619d41d3e48dd2c554547c726ac3559a";
        assert_eq!(callback_token("cbkey", XID), cb);
        assert!(verify_callback_token("cbkey", XID, cb));
        assert!(!verify_callback_token("cbkey", "HK2", cb));
        assert!(!verify_callback_token("other", XID, cb));
        assert!(!verify_callback_token(
            "cbkey",
            XID,
            &cb.to_ascii_uppercase()
        ));
        assert!(!verify_callback_token("cbkey", XID, &cb[..63]));
        // python3 -c "import hmac,hashlib;h=lambda k,m:hmac.new(k,m,hashlib.sha256).digest();
        //   print(h(h(b'sess',b'haoka order token v1'),b'HK2026112200000001Z0Z789AB')[:16].hex())"
        let ot = "9f8f7ceda343092760aac570b7eaa2eb";
        assert_eq!(order_token("sess", XID), ot);
        assert_eq!(ot.len(), 32);
        assert!(verify_order_token("sess", XID, ot));
        assert!(!verify_order_token("sess2", XID, ot));
        assert!(!verify_order_token("sess", XID, ""));
        // python3 -c "import hmac,hashlib;h=lambda k,m:hmac.new(k,m,hashlib.sha256).digest();
        //   print(h(h(b'pii',b'haoka lookup v1'),b'id_number:110101200007282906').hex())"
        assert_eq!(
            lookup_hash("pii", "id_number", "110101200007282906"),
            "fb05adfcc9ae006c58d94f5f05711dc85de1ae084078ec3d3491081438b95074"
        );
        assert_ne!(
            lookup_hash("pii", "mobile", "110101200007282906"),
            lookup_hash("pii", "id_number", "110101200007282906")
        );
    }

    #[test]
    fn fingerprints_are_length_prefixed() {
        // python3 -c "import hashlib,struct;h=hashlib.sha256()
        //   [h.update(struct.pack('>Q',len(p))+p) for p in [b'ab',b'c']];print(h.hexdigest())"
        assert_eq!(
            fingerprint(&[b"ab", b"c"]),
            "601d5476e2ccfe2c87a2bba7a322659734a05749d5b5aa781f513e4912db0d5f"
        );
        assert_eq!(
            fingerprint(&[b"a", b"bc"]),
            "3fafa1cf2f19a7c1129beb20cf0983f73a489a221fc0dd2f16d1be292d089205"
        );
    }

    const AAD: &str = "orders.name:HK1";

    #[test]
    fn seal_known_answer_and_round_trip() {
        let s = Sealer::new("pii");
        let nonce: [u8; 12] = core::array::from_fn(|i| i as u8);
        // python3 -c "import hmac,hashlib,base64
        // from cryptography.hazmat.primitives.ciphers.aead import AESGCM
        // k=hmac.new(b'pii',b'haoka pii v1',hashlib.sha256).digest();n=bytes(range(12))
        // print('v1.'+base64.urlsafe_b64encode(n+AESGCM(k).encrypt(n,'张三'.encode(),b'orders.name:HK1')).decode().rstrip('='))"
        let want = "v1.AAECAwQFBgcICQoLwrKdM-Quf_P0_b8igeYBLMLbajZeog";
        assert_eq!(s.seal(AAD, "张三", nonce), Ok(want.to_owned()));
        assert_eq!(s.open(AAD, want), Ok("张三".to_owned()));
        let empty = s.seal(AAD, "", [7; 12]).unwrap();
        assert_eq!(s.open(AAD, &empty), Ok(String::new()));
    }

    #[test]
    fn different_nonces_differ() {
        let s = Sealer::new("pii");
        let a = s.seal(AAD, "110101200007282906", [1; 12]).unwrap();
        let b = s.seal(AAD, "110101200007282906", [2; 12]).unwrap();
        assert_ne!(a, b);
        assert_eq!(s.open(AAD, &a), s.open(AAD, &b));
        assert!(!a.contains("110101"));
    }

    #[test]
    fn opening_fails_safely() {
        let s = Sealer::new("pii");
        let sealed = s.seal(AAD, "张三", [9; 12]).unwrap();
        assert_eq!(
            Sealer::new("other").open(AAD, &sealed),
            Err(CryptoError::Rejected)
        );
        assert_eq!(
            s.open("orders.name:HK2", &sealed),
            Err(CryptoError::Rejected)
        );
        // Tamper with every byte in turn: nonce, ciphertext and tag.
        let raw = URL_SAFE_NO_PAD.decode(&sealed[3..]).unwrap();
        for i in 0..raw.len() {
            let mut t = raw.clone();
            t[i] ^= 0x01;
            let tampered = format!("v1.{}", URL_SAFE_NO_PAD.encode(&t));
            assert_eq!(
                s.open(AAD, &tampered),
                Err(CryptoError::Rejected),
                "byte {i}"
            );
        }
        assert_eq!(
            s.open(AAD, &sealed.replacen("v1.", "v2.", 1)),
            Err(CryptoError::UnknownVersion)
        );
        assert_eq!(s.open(AAD, ""), Err(CryptoError::UnknownVersion));
        assert_eq!(s.open(AAD, "v1.***"), Err(CryptoError::Malformed));
        assert_eq!(s.open(AAD, "v1."), Err(CryptoError::Malformed));
        let short = format!("v1.{}", URL_SAFE_NO_PAD.encode([0u8; 27]));
        assert_eq!(s.open(AAD, &short), Err(CryptoError::Malformed));
        let tag_only = format!("v1.{}", URL_SAFE_NO_PAD.encode([0u8; 28]));
        assert_eq!(s.open(AAD, &tag_only), Err(CryptoError::Rejected));
        // Padding is not part of the format.
        assert_eq!(
            s.open(AAD, &format!("{sealed}=")),
            Err(CryptoError::Malformed)
        );
        assert_eq!(format!("{s:?}"), "Sealer { key: <redacted> }");
    }
}
