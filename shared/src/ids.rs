//! Identifiers the edge mints: draft ids, `api_xid` for Xingguang and `order_id` for RealMe.
//! ASCII letters and digits only, at most 32 characters: prefix + China-time timestamp +
//! random suffix.

/// Longest id the vendors accept.
pub const MAX_ID_LEN: usize = 32;

const ALPHABET: &[u8] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// Build an id from a prefix, a Unix time in milliseconds and random bytes (one character per
/// byte, from a 32-letter alphabet without I, L, O, U). The caller supplies the randomness so
/// that this stays pure.
pub fn mint_id(prefix: &str, unix_millis: i64, random: &[u8]) -> String {
    let mut id = format!(
        "{prefix}{}",
        crate::ChinaDateTime::from_unix_millis(unix_millis).compact()
    );
    id.extend(
        random
            .iter()
            .map(|b| char::from(ALPHABET[usize::from(b % 32)])),
    );
    id.truncate(MAX_ID_LEN);
    id
}

/// Whether `s` is a well-formed id: 1–32 ASCII letters and digits.
pub fn is_valid_id(s: &str) -> bool {
    !s.is_empty() && s.len() <= MAX_ID_LEN && s.bytes().all(|b| b.is_ascii_alphanumeric())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn minted_ids_are_well_formed() {
        let id = mint_id(
            "HK",
            1_795_276_800_000,
            &[0, 1, 31, 32, 255, 7, 8, 9, 10, 11],
        );
        assert_eq!(id, "HK2026112200000001Z0Z789AB");
        assert!(is_valid_id(&id));
        let long = mint_id("DR", 1_795_276_800_000, &[5; 40]);
        assert_eq!(long.len(), 32);
        assert!(is_valid_id(&long));
        assert!(!is_valid_id(""));
        assert!(!is_valid_id("abc-def"));
        assert!(!is_valid_id(&"a".repeat(33)));
    }
}
