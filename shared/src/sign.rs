//! Digests the upstreams require: Xingguang's `apipwd` and RealMe's request signature
//! (API-CONTRACTS.md). Test vectors are computed independently (by hand and with Python's
//! hashlib), never with this code.

use md5::{Digest, Md5};

/// Lower-case hex MD5 of the UTF-8 bytes.
pub fn md5_hex_lower(input: &str) -> String {
    let digest = Md5::digest(input.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// Xingguang's `apipwd`: the lower-case hex MD5 of the integration key.
pub fn xingguang_apipwd(api_key: &str) -> String {
    md5_hex_lower(api_key)
}

/// The string RealMe's signature is computed over: every parameter except `sign` whose value is
/// non-empty, sorted by key in byte order, joined as `key=value` with `&`, then
/// `&key=<sign key>`.
pub fn realme_sign_base<'a>(
    params: impl IntoIterator<Item = (&'a str, &'a str)>,
    sign_key: &str,
) -> String {
    let mut pairs: Vec<(&str, &str)> = params
        .into_iter()
        .filter(|(k, v)| *k != "sign" && !v.is_empty())
        .collect();
    pairs.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()).then(a.1.cmp(b.1)));
    let mut base = pairs
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&");
    base.push_str("&key=");
    base.push_str(sign_key);
    base
}

/// RealMe's `sign`: upper-case hex MD5 of [`realme_sign_base`].
pub fn realme_sign<'a>(
    params: impl IntoIterator<Item = (&'a str, &'a str)>,
    sign_key: &str,
) -> String {
    md5_hex_lower(&realme_sign_base(params, sign_key)).to_ascii_uppercase()
}

/// Verify a `sign` field (case-sensitive: RealMe sends upper-case hex).
pub fn realme_verify<'a>(
    params: impl IntoIterator<Item = (&'a str, &'a str)> + Clone,
    sign_key: &str,
) -> bool {
    let given = params
        .clone()
        .into_iter()
        .find(|(k, _)| *k == "sign")
        .map(|(_, v)| v);
    match given {
        Some(g) => constant_time_eq(g.as_bytes(), realme_sign(params, sign_key).as_bytes()),
        None => false,
    }
}

/// Compare without an early exit on the first differing byte.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn md5_vectors_from_md5sum() {
        // printf '' | md5sum ; printf 'ceshi' | md5sum ; printf '张三' | md5sum
        assert_eq!(md5_hex_lower(""), "d41d8cd98f00b204e9800998ecf8427e");
        assert_eq!(md5_hex_lower("abc"), "900150983cd24fb0d6963f7d28e17f72");
        assert_eq!(xingguang_apipwd("ceshi"), md5_vector_ceshi());
    }

    /// `printf 'ceshi' | md5sum`, recorded from the shell (tests/vectors/md5_ceshi.txt).
    fn md5_vector_ceshi() -> String {
        include_str!("../../tests/vectors/md5_ceshi.txt")
            .trim()
            .to_owned()
    }

    #[test]
    fn sign_base_sorts_and_skips_empty_and_sign() {
        let base = realme_sign_base(
            [
                ("order_id", "2"),
                ("app_token", "t"),
                ("sign", "X"),
                ("imei", ""),
                ("order_date", "20261122"),
            ],
            "K",
        );
        assert_eq!(base, "app_token=t&order_date=20261122&order_id=2&key=K");
    }

    #[test]
    fn sign_vector_from_python() {
        // python3 -c "import hashlib;print(hashlib.md5('app_token=t&order_date=20261122&order_id=2&key=K'.encode()).hexdigest().upper())"
        let want = include_str!("../../tests/vectors/realme_sign_simple.txt").trim();
        let got = realme_sign(
            [
                ("order_id", "2"),
                ("app_token", "t"),
                ("order_date", "20261122"),
            ],
            "K",
        );
        assert_eq!(got, want);
        assert!(realme_verify(
            [
                ("order_id", "2"),
                ("app_token", "t"),
                ("order_date", "20261122"),
                ("sign", want)
            ],
            "K"
        ));
        assert!(!realme_verify(
            [
                ("order_id", "3"),
                ("app_token", "t"),
                ("order_date", "20261122"),
                ("sign", want)
            ],
            "K"
        ));
        assert!(!realme_verify([("order_id", "2")], "K"));
    }
}
