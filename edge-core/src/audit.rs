//! The console's audit log as a hash chain, with no I/O: each entry's hash covers the
//! previous entry's hash and every field of its own, so changing, removing or reordering an
//! entry breaks every hash after it ([`verify`]). The worker appends rows with the next
//! sequence number (a primary key, so two appends cannot both take it) and never updates them
//! (a D1 trigger refuses it).

use sha2::{Digest, Sha256};

/// The `prev_hash` of the first entry.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// One entry, as stored (without its hashes).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Entry {
    /// Position in the chain, from 1.
    pub seq: i64,
    /// When, Unix ms.
    pub at_ms: i64,
    /// Who: a user name, `operator` (the bearer token), or `anonymous`.
    pub actor: String,
    /// What: `login`, `login_failed`, `forbidden`, `account_create` …
    pub action: String,
    /// On what: a user name, a path, a case id (never a secret or unmasked PII).
    pub target: String,
    /// More, as short text (masked).
    pub detail: String,
}

/// The hash of `entry` after `prev` (lower-case hex SHA-256 over length-prefixed fields, so
/// no two different entries give the same input).
pub fn hash(prev: &str, entry: &Entry) -> String {
    let mut h = Sha256::new();
    let seq = entry.seq.to_string();
    let at = entry.at_ms.to_string();
    for field in [
        prev,
        seq.as_str(),
        at.as_str(),
        entry.actor.as_str(),
        entry.action.as_str(),
        entry.target.as_str(),
        entry.detail.as_str(),
    ] {
        h.update((field.len() as u64).to_be_bytes());
        h.update(field.as_bytes());
    }
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// Check a run of stored entries `(entry, prev_hash, hash)` in sequence order: consecutive
/// numbers, each linked to the one before, each hash right. The first entry's `prev_hash` is
/// taken as given (older entries may have been purged by retention). `Err(seq)` names the
/// first entry that does not hold.
pub fn verify(rows: &[(Entry, String, String)]) -> Result<(), i64> {
    let mut expected_prev: Option<&str> = None;
    let mut expected_seq: Option<i64> = None;
    for (entry, prev, stored) in rows {
        let linked = expected_prev.is_none_or(|p| p == prev);
        let numbered = expected_seq.is_none_or(|s| s == entry.seq);
        if !linked || !numbered || hash(prev, entry) != *stored {
            return Err(entry.seq);
        }
        expected_prev = Some(stored);
        expected_seq = Some(entry.seq + 1);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(seq: i64, action: &str) -> Entry {
        Entry {
            seq,
            at_ms: 1_800_000_000_000 + seq,
            actor: "admin".into(),
            action: action.into(),
            target: "wang".into(),
            detail: String::new(),
        }
    }

    fn chain(n: i64) -> Vec<(Entry, String, String)> {
        let mut prev = GENESIS.to_owned();
        (1..=n)
            .map(|i| {
                let e = entry(i, "login");
                let h = hash(&prev, &e);
                let row = (e, prev.clone(), h.clone());
                prev = h;
                row
            })
            .collect()
    }

    #[test]
    fn an_intact_chain_verifies_and_any_change_shows() {
        let rows = chain(5);
        assert_eq!(verify(&rows), Ok(()));
        assert_eq!(verify(&rows[2..]), Ok(()), "a purged head still verifies");
        let mut changed = rows.clone();
        changed[2].0.target = "li".into();
        assert_eq!(verify(&changed), Err(3));
        let mut removed = rows.clone();
        removed.remove(1);
        assert_eq!(verify(&removed), Err(3));
        let mut swapped = rows.clone();
        swapped.swap(1, 2);
        assert_eq!(verify(&swapped), Err(3));
        // Re-hashing a changed entry is not enough: the next link breaks.
        let mut rehashed = rows;
        rehashed[2].0.detail = "quietly".into();
        rehashed[2].2 = hash(&rehashed[2].1, &rehashed[2].0);
        assert_eq!(verify(&rehashed), Err(4));
    }

    #[test]
    fn fields_cannot_be_shifted_into_each_other() {
        let a = Entry {
            actor: "ab".into(),
            action: "c".into(),
            ..entry(1, "")
        };
        let b = Entry {
            actor: "a".into(),
            action: "bc".into(),
            ..entry(1, "")
        };
        assert_ne!(hash(GENESIS, &a), hash(GENESIS, &b));
        assert_eq!(hash(GENESIS, &a).len(), 64);
    }
}
