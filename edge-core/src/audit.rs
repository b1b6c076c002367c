//! The console's audit log as a keyed hash chain, with no I/O: each entry's hash is an
//! HMAC-SHA256, under the audit key (`AUDIT_KEY`, a secret of its own), of the previous
//! entry's hash and every field of its own. Changing, removing or reordering an entry breaks
//! every hash after it, and without the key nobody can re-hash a forged tail ([`verify`]).
//!
//! The worker appends rows with the next sequence number (a primary key, so two appends
//! cannot both take it); D1 triggers refuse updates, and deletes except by the retention
//! purge, which first records where it cut ([`Purge`], itself keyed). What a trigger cannot
//! stop (someone with the database itself) still shows: a cut head needs a purge record whose
//! hash is the first kept entry's `prev_hash`, and the chain head the cron writes to R2 on
//! every pass ([`Checkpoint`]) must still be in the table, so a truncated tail shows. Reads
//! verify from the nearest stored checkpoint, not the whole table.

use crate::crypto::{derive_key, hmac_sha256};

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

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// HMAC over length-prefixed fields (so no two different field lists give the same input).
fn mac(audit_key: &str, purpose: &str, fields: &[&str]) -> String {
    let key = derive_key(audit_key, purpose);
    let lengths: Vec<[u8; 8]> = fields
        .iter()
        .map(|f| (f.len() as u64).to_be_bytes())
        .collect();
    let mut parts: Vec<&[u8]> = Vec::with_capacity(fields.len() * 2);
    for (len, field) in lengths.iter().zip(fields) {
        parts.push(len);
        parts.push(field.as_bytes());
    }
    hex(&hmac_sha256(&key, &parts))
}

/// The hash of `entry` after `prev`, under the audit key (lower-case hex HMAC-SHA256).
pub fn hash(audit_key: &str, prev: &str, entry: &Entry) -> String {
    let seq = entry.seq.to_string();
    let at = entry.at_ms.to_string();
    mac(
        audit_key,
        "audit-entry",
        &[
            prev,
            &seq,
            &at,
            &entry.actor,
            &entry.action,
            &entry.target,
            &entry.detail,
        ],
    )
}

/// A point of the chain: the entry `seq` had hash `hash`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Checkpoint {
    /// Sequence number.
    pub seq: i64,
    /// That entry's hash.
    pub hash: String,
}

/// The seal of a checkpoint (stored in D1 and written to R2): only the key's holder makes one.
pub fn checkpoint_seal(audit_key: &str, cp: &Checkpoint) -> String {
    mac(
        audit_key,
        "audit-checkpoint",
        &[&cp.seq.to_string(), &cp.hash],
    )
}

/// What the retention purge cut: every entry up to `upto`, the last of which had `cut_hash`
/// (so the first entry kept has it as `prev_hash`), with a keyed seal over both.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Purge {
    /// The last entry deleted.
    pub upto: i64,
    /// Its hash.
    pub cut_hash: String,
    /// [`purge_seal`] of the two.
    pub seal: String,
}

/// The seal of a purge record (someone without the key cannot invent one to hide a cut head).
pub fn purge_seal(audit_key: &str, upto: i64, cut_hash: &str) -> String {
    mac(audit_key, "audit-purge", &[&upto.to_string(), cut_hash])
}

/// A run of stored entries `(entry, prev_hash, hash)` in sequence order.
pub type Rows = [(Entry, String, String)];

/// Check a run of entries: consecutive numbers, each linked to the one before, each hash
/// right under the key. `anchor` is what the first entry must follow: [`GENESIS`] for entry 1,
/// the newest purge's `cut_hash` (or a checkpoint's hash) otherwise; `None` when nothing
/// vouches for it (then the run is checked from its first entry on). `Err(seq)` names the
/// first entry that does not hold.
pub fn verify(audit_key: &str, rows: &Rows, anchor: Option<&str>) -> Result<(), i64> {
    let mut expected_prev: Option<&str> = anchor;
    let mut expected_seq: Option<i64> = None;
    for (entry, prev, stored) in rows {
        let linked = expected_prev.is_none_or(|p| p == prev);
        let numbered = expected_seq.is_none_or(|s| s == entry.seq);
        if !linked || !numbered || hash(audit_key, prev, entry) != *stored {
            return Err(entry.seq);
        }
        expected_prev = Some(stored);
        expected_seq = Some(entry.seq + 1);
    }
    Ok(())
}

/// What the first stored entry must follow: [`GENESIS`] when it is entry 1; the newest
/// purge's cut when its seal holds and it cut just before; otherwise nothing can vouch for
/// it (`Err(first seq)`: entries were removed at the head without a purge).
pub fn head_anchor(audit_key: &str, first_seq: i64, purge: Option<&Purge>) -> Result<String, i64> {
    if first_seq == 1 {
        return Ok(GENESIS.to_owned());
    }
    match purge {
        Some(p)
            if p.upto + 1 == first_seq && purge_seal(audit_key, p.upto, &p.cut_hash) == p.seal =>
        {
            Ok(p.cut_hash.clone())
        }
        _ => Err(first_seq),
    }
}

/// Whether the chain head last written outside D1 (R2) is still in the table: `found` is the
/// hash of the entry with `head.seq`, if that entry exists. A missing or different entry means
/// the tail was cut or rewritten (`Err(head.seq)`).
pub fn tail_ok(head: &Checkpoint, found: Option<&str>) -> Result<(), i64> {
    if found == Some(head.hash.as_str()) {
        Ok(())
    } else {
        Err(head.seq)
    }
}

/// The checkpoint to verify a page from: the newest at or before the page's first entry.
pub fn nearest(checkpoints: &[Checkpoint], first_seq: i64) -> Option<&Checkpoint> {
    checkpoints
        .iter()
        .filter(|c| c.seq <= first_seq)
        .max_by_key(|c| c.seq)
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "test audit key";

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
                let h = hash(KEY, &prev, &e);
                let row = (e, prev.clone(), h.clone());
                prev = h;
                row
            })
            .collect()
    }

    #[test]
    fn an_intact_chain_verifies_and_any_change_shows() {
        let rows = chain(5);
        assert_eq!(verify(KEY, &rows, Some(GENESIS)), Ok(()));
        assert_eq!(verify(KEY, &rows[2..], Some(&rows[1].2)), Ok(()));
        let mut changed = rows.clone();
        changed[2].0.target = "li".into();
        assert_eq!(verify(KEY, &changed, Some(GENESIS)), Err(3));
        let mut removed = rows.clone();
        removed.remove(1);
        assert_eq!(verify(KEY, &removed, Some(GENESIS)), Err(3));
        let mut swapped = rows.clone();
        swapped.swap(1, 2);
        assert_eq!(verify(KEY, &swapped, Some(GENESIS)), Err(3));
        // Re-hashing a changed entry is not enough: the next link breaks.
        let mut rehashed = rows.clone();
        rehashed[2].0.detail = "quietly".into();
        rehashed[2].2 = hash(KEY, &rehashed[2].1, &rehashed[2].0);
        assert_eq!(verify(KEY, &rehashed, Some(GENESIS)), Err(4));
        // A wrong anchor breaks the first entry.
        assert_eq!(verify(KEY, &rows[2..], Some(GENESIS)), Err(3));
    }

    #[test]
    fn without_the_key_a_whole_forged_chain_does_not_verify() {
        let mut prev = GENESIS.to_owned();
        let forged: Vec<_> = (1..=3)
            .map(|i| {
                let e = entry(i, "login");
                let h = hash("a guessed key", &prev, &e);
                let row = (e, prev.clone(), h.clone());
                prev = h;
                row
            })
            .collect();
        assert_eq!(verify(KEY, &forged, Some(GENESIS)), Err(1));
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
        assert_ne!(hash(KEY, GENESIS, &a), hash(KEY, GENESIS, &b));
        assert_eq!(hash(KEY, GENESIS, &a).len(), 64);
    }

    #[test]
    fn a_cut_head_needs_a_sealed_purge_record_that_cut_just_before() {
        let rows = chain(6);
        assert_eq!(head_anchor(KEY, 1, None), Ok(GENESIS.to_owned()));
        assert_eq!(head_anchor(KEY, 4, None), Err(4), "cut without a purge");
        let purge = Purge {
            upto: 3,
            cut_hash: rows[2].2.clone(),
            seal: purge_seal(KEY, 3, &rows[2].2),
        };
        let anchor = head_anchor(KEY, 4, Some(&purge)).expect("sealed purge");
        assert_eq!(verify(KEY, &rows[3..], Some(&anchor)), Ok(()));
        assert_eq!(
            head_anchor(KEY, 5, Some(&purge)),
            Err(5),
            "more cut than recorded"
        );
        let forged = Purge {
            seal: purge_seal("a guessed key", 3, &rows[2].2),
            ..purge
        };
        assert_eq!(head_anchor(KEY, 4, Some(&forged)), Err(4));
    }

    #[test]
    fn a_truncated_tail_shows_against_the_head_kept_outside() {
        let rows = chain(4);
        let head = Checkpoint {
            seq: 4,
            hash: rows[3].2.clone(),
        };
        assert_eq!(tail_ok(&head, Some(&rows[3].2)), Ok(()));
        assert_eq!(tail_ok(&head, None), Err(4), "the newest entries deleted");
        assert_eq!(tail_ok(&head, Some(&rows[2].2)), Err(4), "rewritten");
    }

    #[test]
    fn checkpoints_are_sealed() {
        let cp = Checkpoint {
            seq: 3,
            hash: "ab".into(),
        };
        let seal = checkpoint_seal(KEY, &cp);
        assert_eq!(seal, checkpoint_seal(KEY, &cp.clone()));
        assert_ne!(seal, checkpoint_seal("other", &cp));
        let moved = Checkpoint { seq: 4, ..cp };
        assert_ne!(seal, checkpoint_seal(KEY, &moved));
    }

    #[test]
    fn pages_verify_from_the_nearest_checkpoint() {
        let cps = [
            Checkpoint {
                seq: 10,
                hash: "a".into(),
            },
            Checkpoint {
                seq: 50,
                hash: "b".into(),
            },
            Checkpoint {
                seq: 90,
                hash: "c".into(),
            },
        ];
        assert_eq!(nearest(&cps, 60).map(|c| c.seq), Some(50));
        assert_eq!(nearest(&cps, 50).map(|c| c.seq), Some(50));
        assert_eq!(nearest(&cps, 5), None);
    }
}
