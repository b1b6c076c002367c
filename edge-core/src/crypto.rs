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
/// Prefix of a value sealed before keyrings (no key id: [`LEGACY_KEY_ID`]'s).
const SEALED_PREFIX: &str = "v1.";
/// Prefix of a value sealed under a keyring: `v2.{key id}.…`.
const SEALED_V2: &str = "v2.";
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
    /// Neither a `v1.` nor a `v2.` value.
    #[error("sealed value of an unknown version")]
    UnknownVersion,
    /// Sealed under a key id the keyring does not hold (a key dropped too early).
    #[error("sealed under a key this keyring does not hold")]
    UnknownKey,
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

/// Why a keyring specification (`PII_KEYS`) was refused. Never carries a secret.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyringError {
    /// No key at all.
    #[error("no key given")]
    Empty,
    /// An entry is not `id:secret`, or its id is not 1–16 of `a-z 0-9 _ -`.
    #[error("entry {0} is not id:secret with an id of 1-16 characters a-z 0-9 _ -")]
    BadEntry(usize),
    /// A new key's secret shorter than [`KEY_SECRET_MIN`] characters (the `legacy` key,
    /// the `PII_KEY` of before keyrings, is taken as it was).
    #[error("the secret of key {0} is shorter than 32 characters")]
    ShortSecret(String),
    /// The same id twice.
    #[error("key id {0} is listed twice")]
    DuplicateId(String),
}

/// Shortest secret a keyring accepts (e.g. 32 hex characters = 128 bits).
pub const KEY_SECRET_MIN: usize = 32;
/// The id under which a keyring holds the single `PII_KEY` of before keyrings; it also opens
/// the `v1.` values sealed then (which carry no id).
pub const LEGACY_KEY_ID: &str = "legacy";

/// Seals personal data at rest with AES-256-GCM under a keyring: the first key seals, every
/// key opens. Each key is `derive_key(secret, "haoka pii v1")`. The associated data binds a
/// value to its place (e.g. `{order id}:name_enc`), so a sealed value copied elsewhere does not
/// open.
///
/// Format: `"v2." + key id + "." + base64url-nopad(nonce ‖ ciphertext ‖ tag)`. Values from
/// before keyrings, `"v1." + base64url-nopad(…)`, open under the key with id
/// [`LEGACY_KEY_ID`]. [`Sealer::reseal`] moves a value under the current key (the cron does it
/// after a rotation).
#[derive(Clone)]
pub struct Sealer {
    /// `(id, cipher)`, the current key first.
    keys: Vec<(String, Aes256Gcm)>,
}

impl fmt::Debug for Sealer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ids: Vec<&str> = self.keys.iter().map(|(id, _)| id.as_str()).collect();
        write!(f, "Sealer {{ ids: {ids:?}, keys: <redacted> }}")
    }
}

fn key_id_ok(id: &str) -> bool {
    (1..=16).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-')
}

impl Sealer {
    /// A keyring of one key, the `PII_KEY` of before keyrings: id [`LEGACY_KEY_ID`].
    pub fn new(pii_key: &str) -> Sealer {
        Sealer::from_keys(&[(LEGACY_KEY_ID, pii_key)])
    }

    fn from_keys(keys: &[(&str, &str)]) -> Sealer {
        Sealer {
            keys: keys
                .iter()
                .map(|(id, secret)| {
                    let key = derive_key(secret, PII_PURPOSE);
                    ((*id).to_owned(), Aes256Gcm::new(&key.into()))
                })
                .collect(),
        }
    }

    /// The keyring of `PII_KEYS`: `id:secret` entries separated by commas (spaces around them
    /// ignored), the current key first, e.g. `2026b:…,2026a:…,legacy:…`.
    pub fn parse(spec: &str) -> Result<Sealer, KeyringError> {
        let mut keys: Vec<(&str, &str)> = Vec::new();
        for (i, entry) in spec.split(',').map(str::trim).enumerate() {
            if entry.is_empty() && spec.trim().is_empty() {
                return Err(KeyringError::Empty);
            }
            let (id, secret) = entry
                .split_once(':')
                .filter(|(id, _)| key_id_ok(id))
                .ok_or(KeyringError::BadEntry(i + 1))?;
            // The legacy key is whatever `PII_KEY` was: refusing it would lock its rows away.
            if secret.is_empty() {
                return Err(KeyringError::BadEntry(i + 1));
            }
            if id != LEGACY_KEY_ID && secret.chars().count() < KEY_SECRET_MIN {
                return Err(KeyringError::ShortSecret(id.to_owned()));
            }
            if keys.iter().any(|(seen, _)| *seen == id) {
                return Err(KeyringError::DuplicateId(id.to_owned()));
            }
            keys.push((id, secret));
        }
        if keys.is_empty() {
            return Err(KeyringError::Empty);
        }
        Ok(Sealer::from_keys(&keys))
    }

    /// The id of the key that seals.
    pub fn current_id(&self) -> &str {
        self.keys.first().map_or("", |(id, _)| id.as_str())
    }

    /// The prefix every value sealed under the current key starts with (`v2.{id}.`): what
    /// the re-seal pass looks for.
    pub fn current_prefix(&self) -> String {
        format!("{SEALED_V2}{}.", self.current_id())
    }

    fn cipher(&self, id: &str) -> Option<&Aes256Gcm> {
        self.keys.iter().find(|(k, _)| k == id).map(|(_, c)| c)
    }

    /// Seal under the current key. `nonce` must be 12 fresh random bytes for every call (a
    /// repeated nonce under one key breaks GCM); the caller draws them
    /// (`crypto.getRandomValues` in the worker).
    pub fn seal(&self, aad: &str, plaintext: &str, nonce: [u8; 12]) -> Result<String, CryptoError> {
        let (id, cipher) = self.keys.first().ok_or(CryptoError::UnknownKey)?;
        let payload = Payload {
            msg: plaintext.as_bytes(),
            aad: aad.as_bytes(),
        };
        let sealed = cipher
            .encrypt(&Nonce::from(nonce), payload)
            .map_err(|_| CryptoError::TooLong)?;
        let mut out = Vec::with_capacity(NONCE_LEN + sealed.len());
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&sealed);
        Ok(format!("{SEALED_V2}{id}.{}", URL_SAFE_NO_PAD.encode(out)))
    }

    /// The plaintext of a value sealed (now or before keyrings) under any key of the ring,
    /// with the same `aad`.
    pub fn open(&self, aad: &str, sealed: &str) -> Result<String, CryptoError> {
        let (id, encoded) = if let Some(rest) = sealed.strip_prefix(SEALED_V2) {
            rest.split_once('.').ok_or(CryptoError::Malformed)?
        } else if let Some(rest) = sealed.strip_prefix(SEALED_PREFIX) {
            (LEGACY_KEY_ID, rest)
        } else {
            return Err(CryptoError::UnknownVersion);
        };
        let cipher = self.cipher(id).ok_or(CryptoError::UnknownKey)?;
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
        let plain = cipher
            .decrypt(&Nonce::from(*nonce), payload)
            .map_err(|_| CryptoError::Rejected)?;
        String::from_utf8(plain).map_err(|_| CryptoError::Malformed)
    }

    /// Whether `stored` is already sealed under the current key.
    pub fn is_current(&self, stored: &str) -> bool {
        stored.starts_with(&self.current_prefix())
    }

    /// The value to store instead of `stored` so that it is under the current key: `None` when
    /// it already is. `plain_ok` accepts a value that was never sealed (check results from
    /// before they were sealed) and seals it; otherwise such a value is
    /// [`CryptoError::UnknownVersion`].
    pub fn reseal(
        &self,
        aad: &str,
        stored: &str,
        plain_ok: bool,
        nonce: [u8; 12],
    ) -> Result<Option<String>, CryptoError> {
        if self.is_current(stored) {
            return Ok(None);
        }
        let plain = match self.open(aad, stored) {
            Err(CryptoError::UnknownVersion) if plain_ok => stored.to_owned(),
            other => other?,
        };
        self.seal(aad, &plain, nonce).map(Some)
    }
}

/// A column holding sealed personal data: its place, and the associated data that binds a
/// value to its row (`{row id}:{aad}`). One table for the sealing code and the re-seal pass.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SealedColumn {
    /// Table.
    pub table: &'static str,
    /// Column (text; `''` or NULL once cleared).
    pub column: &'static str,
    /// What follows the row id in the associated data.
    pub aad: &'static str,
    /// Whether rows from before sealing may hold it in clear (check results did): the re-seal
    /// pass seals those too.
    pub plain_before: bool,
}

impl SealedColumn {
    /// The associated data of this column in row `row_id`.
    pub fn aad_for(&self, row_id: &str) -> String {
        format!("{row_id}:{}", self.aad)
    }
}

const fn order_column(column: &'static str) -> SealedColumn {
    SealedColumn {
        table: "orders",
        column,
        aad: column,
        plain_before: false,
    }
}

/// The customer's name on an order.
pub const ORDER_NAME: SealedColumn = order_column("name_enc");
/// The customer's mobile number on an order.
pub const ORDER_MOBILE: SealedColumn = order_column("mobile_enc");
/// The customer's ID number on an order.
pub const ORDER_ID_NUMBER: SealedColumn = order_column("id_number_enc");
/// The delivery address on an order.
pub const ORDER_ADDRESS: SealedColumn = order_column("address_enc");
/// A console check's inputs (JSON, no images).
pub const CHECK_INPUTS: SealedColumn = SealedColumn {
    table: "checks",
    column: "inputs_enc",
    aad: "inputs",
    plain_before: false,
};
/// A console check's result (JSON).
pub const CHECK_RESULT: SealedColumn = SealedColumn {
    table: "checks",
    column: "result_json",
    aad: "result_json",
    plain_before: true,
};
/// The person a console case is about (JSON `checks::Subject`).
pub const CASE_SUBJECT: SealedColumn = SealedColumn {
    table: "cases",
    column: "subject_enc",
    aad: "subject",
    plain_before: false,
};
/// Every sealed column.
pub const SEALED_COLUMNS: [SealedColumn; 7] = [
    ORDER_NAME,
    ORDER_MOBILE,
    ORDER_ID_NUMBER,
    ORDER_ADDRESS,
    CHECK_INPUTS,
    CHECK_RESULT,
    CASE_SUBJECT,
];

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

    /// `v1.…` from before keyrings; `v2.legacy.…` is the same bytes under the keyring format.
    const V1_ZHANG: &str = "v1.AAECAwQFBgcICQoLwrKdM-Quf_P0_b8igeYBLMLbajZeog";

    fn secret(c: char) -> String {
        std::iter::repeat_n(c, KEY_SECRET_MIN).collect()
    }

    #[test]
    fn seal_known_answer_and_round_trip() {
        let s = Sealer::new("pii");
        let nonce: [u8; 12] = core::array::from_fn(|i| i as u8);
        // python3 -c "import hmac,hashlib,base64
        // from cryptography.hazmat.primitives.ciphers.aead import AESGCM
        // k=hmac.new(b'pii',b'haoka pii v1',hashlib.sha256).digest();n=bytes(range(12))
        // print(base64.urlsafe_b64encode(n+AESGCM(k).encrypt(n,'张三'.encode(),b'orders.name:HK1')).decode().rstrip('='))"
        let want = "v2.legacy.AAECAwQFBgcICQoLwrKdM-Quf_P0_b8igeYBLMLbajZeog";
        assert_eq!(s.seal(AAD, "张三", nonce), Ok(want.to_owned()));
        assert_eq!(s.open(AAD, want), Ok("张三".to_owned()));
        // The same value from before keyrings still opens.
        assert_eq!(s.open(AAD, V1_ZHANG), Ok("张三".to_owned()));
        let empty = s.seal(AAD, "", [7; 12]).unwrap();
        assert_eq!(s.open(AAD, &empty), Ok(String::new()));
        assert_eq!(s.current_id(), LEGACY_KEY_ID);
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
    fn sealed_columns_bind_their_row() {
        // The formats rows were sealed under since the start: changing one would lock them away.
        assert_eq!(ORDER_NAME.aad_for("HK1"), "HK1:name_enc");
        assert_eq!(ORDER_ADDRESS.aad_for("HK1"), "HK1:address_enc");
        assert_eq!(CHECK_INPUTS.aad_for("ck1"), "ck1:inputs");
        assert_eq!(CHECK_RESULT.aad_for("ck1"), "ck1:result_json");
        assert_eq!(CASE_SUBJECT.aad_for("cs1"), "cs1:subject");
        let places: std::collections::HashSet<_> =
            SEALED_COLUMNS.iter().map(|c| (c.table, c.column)).collect();
        assert_eq!(places.len(), SEALED_COLUMNS.len());
        assert_eq!(SEALED_COLUMNS.iter().filter(|c| c.plain_before).count(), 1);
    }

    #[test]
    fn keyring_specs() {
        let (a, b) = (secret('a'), secret('b'));
        let ring = Sealer::parse(&format!(" k2:{b} , legacy:{a}")).unwrap();
        assert_eq!(ring.current_id(), "k2");
        assert_eq!(ring.current_prefix(), "v2.k2.");
        assert_eq!(Sealer::parse("").err(), Some(KeyringError::Empty));
        assert_eq!(Sealer::parse("  ").err(), Some(KeyringError::Empty));
        assert_eq!(Sealer::parse(&a).err(), Some(KeyringError::BadEntry(1)));
        assert_eq!(
            Sealer::parse(&format!("k1:{a},")).err(),
            Some(KeyringError::BadEntry(2))
        );
        assert_eq!(
            Sealer::parse(&format!("K1:{a}")).err(),
            Some(KeyringError::BadEntry(1))
        );
        assert_eq!(
            Sealer::parse(&format!("{}:{a}", "k".repeat(17))).err(),
            Some(KeyringError::BadEntry(1))
        );
        assert_eq!(
            Sealer::parse("k1:short").err(),
            Some(KeyringError::ShortSecret("k1".into()))
        );
        assert_eq!(
            Sealer::parse(&format!("k1:{a},k1:{b}")).err(),
            Some(KeyringError::DuplicateId("k1".into()))
        );
        // A secret may itself contain ':' (only the first one splits).
        assert!(Sealer::parse(&format!("k1:{a}:x")).is_ok());
        // No error ever carries a secret.
        let e = Sealer::parse(&format!("k1:{a},k1:{b}")).err().unwrap();
        assert!(!e.to_string().contains(&a[..8]));
        let dbg = format!("{ring:?}");
        assert_eq!(dbg, r#"Sealer { ids: ["k2", "legacy"], keys: <redacted> }"#);
    }

    #[test]
    fn rotation_old_values_open_new_ones_use_the_new_key_and_reseal_moves_them() {
        let (old, new) = (secret('o'), secret('n'));
        let before = Sealer::parse(&format!("k1:{old}")).unwrap();
        let v1 = before.seal(AAD, "张三", [1; 12]).unwrap();
        assert!(v1.starts_with("v2.k1."));
        let after = Sealer::parse(&format!("k2:{new},k1:{old}")).unwrap();
        // Old rows stay readable, new rows go under k2.
        assert_eq!(after.open(AAD, &v1), Ok("张三".to_owned()));
        let v2 = after.seal(AAD, "李四", [2; 12]).unwrap();
        assert!(v2.starts_with("v2.k2."));
        assert_eq!(before.open(AAD, &v2), Err(CryptoError::UnknownKey));
        // Re-seal: the old value moves, the current one is left alone.
        assert!(!after.is_current(&v1));
        let moved = after.reseal(AAD, &v1, false, [3; 12]).unwrap().unwrap();
        assert!(moved.starts_with("v2.k2."));
        assert_eq!(after.open(AAD, &moved), Ok("张三".to_owned()));
        assert_eq!(after.reseal(AAD, &moved, false, [4; 12]), Ok(None));
        assert_eq!(after.reseal(AAD, &v2, false, [4; 12]), Ok(None));
        // Once moved, the old key can go.
        let only_new = Sealer::parse(&format!("k2:{new}")).unwrap();
        assert_eq!(only_new.open(AAD, &moved), Ok("张三".to_owned()));
        assert_eq!(only_new.open(AAD, &v1), Err(CryptoError::UnknownKey));
        // The legacy single key moves into a ring under its id (whatever its length), v1
        // values included.
        let legacy = Sealer::parse(&format!("k3:{new},legacy:pii")).unwrap();
        assert_eq!(Sealer::parse("k1:").err(), Some(KeyringError::BadEntry(1)));
        let lifted = legacy
            .reseal(AAD, V1_ZHANG, false, [5; 12])
            .unwrap()
            .unwrap();
        assert!(lifted.starts_with("v2.k3."));
        assert_eq!(legacy.open(AAD, &lifted), Ok("张三".to_owned()));
        // A value never sealed is sealed when allowed (old check results), refused otherwise.
        let plain = r#"{"verdict":"match"}"#;
        let sealed = legacy.reseal(AAD, plain, true, [6; 12]).unwrap().unwrap();
        assert_eq!(legacy.open(AAD, &sealed), Ok(plain.to_owned()));
        assert_eq!(
            legacy.reseal(AAD, plain, false, [6; 12]),
            Err(CryptoError::UnknownVersion)
        );
        // A value whose key is gone is reported, never overwritten.
        assert_eq!(
            only_new.reseal(AAD, &v1, true, [7; 12]),
            Err(CryptoError::UnknownKey)
        );
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
        // Tamper with every byte in turn: nonce, ciphertext and tag, in both formats.
        let prefix = "v2.legacy.";
        let raw = URL_SAFE_NO_PAD.decode(&sealed[prefix.len()..]).unwrap();
        for i in 0..raw.len() {
            let mut t = raw.clone();
            t[i] ^= 0x01;
            for p in [prefix, "v1."] {
                let tampered = format!("{p}{}", URL_SAFE_NO_PAD.encode(&t));
                assert_eq!(
                    s.open(AAD, &tampered),
                    Err(CryptoError::Rejected),
                    "byte {i} {p}"
                );
            }
        }
        assert_eq!(
            s.open(AAD, &sealed.replacen("v2.", "v3.", 1)),
            Err(CryptoError::UnknownVersion)
        );
        assert_eq!(
            s.open(AAD, &sealed.replacen("legacy", "k9", 1)),
            Err(CryptoError::UnknownKey)
        );
        assert_eq!(s.open(AAD, "v2.legacy"), Err(CryptoError::Malformed));
        assert_eq!(s.open(AAD, ""), Err(CryptoError::UnknownVersion));
        assert_eq!(s.open(AAD, "v1.***"), Err(CryptoError::Malformed));
        assert_eq!(s.open(AAD, "v1."), Err(CryptoError::Malformed));
        assert_eq!(s.open(AAD, "v2.legacy."), Err(CryptoError::Malformed));
        let short = format!("v1.{}", URL_SAFE_NO_PAD.encode([0u8; 27]));
        assert_eq!(s.open(AAD, &short), Err(CryptoError::Malformed));
        let tag_only = format!("v1.{}", URL_SAFE_NO_PAD.encode([0u8; 28]));
        assert_eq!(s.open(AAD, &tag_only), Err(CryptoError::Rejected));
        // Padding is not part of the format.
        assert_eq!(
            s.open(AAD, &format!("{sealed}=")),
            Err(CryptoError::Malformed)
        );
        assert_eq!(
            format!("{s:?}"),
            r#"Sealer { ids: ["legacy"], keys: <redacted> }"#
        );
    }
}
