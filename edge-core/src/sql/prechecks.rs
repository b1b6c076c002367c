//! The pre-check's kept passes (`identity_checks`), one row per person under a keyed hash of
//! the person, so a repeat within the reuse time does not pay again. A pass is stored by one
//! upsert (`INSERT … ON CONFLICT (person_hash) DO UPDATE`).

use serde::Deserialize;

use super::{Query, Stmt};

/// When a person last passed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub struct Passed {
    /// Unix ms.
    pub passed_ms: i64,
}

/// When `person` last passed, if after `since` (no row: not since then).
pub fn passed_since(person: &str, since: i64) -> Query<Passed> {
    Stmt::new(
        "SELECT passed_ms FROM identity_checks WHERE person_hash = ?1 AND passed_ms > ?2",
        [person.into(), since.into()],
    )
    .rows()
}

/// Keep `person`'s pass at `now`, by `method` (replacing an older one).
pub fn store_pass(person: &str, method: &str, now: i64) -> Stmt {
    Stmt::new(
        "INSERT INTO identity_checks (person_hash, method, passed_ms) VALUES (?1, ?2, ?3) \
         ON CONFLICT (person_hash) DO UPDATE SET method = ?2, passed_ms = ?3",
        [person.into(), method.into(), now.into()],
    )
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use crate::sql::sqlite::Db;

    #[test]
    fn a_pass_is_kept_once_per_person_and_found_only_when_recent() {
        let db = Db::migrated();
        assert!(db.first(&passed_since("p1", 0)).is_none());
        assert_eq!(db.run(&store_pass("p1", "namecheck", 1_000)).changes, 1);
        assert_eq!(db.first(&passed_since("p1", 999)).unwrap().passed_ms, 1_000);
        assert!(
            db.first(&passed_since("p1", 1_000)).is_none(),
            "after `since` only"
        );
        assert!(db.first(&passed_since("p2", 0)).is_none());
        // A later pass replaces the row.
        db.run(&store_pass("p1", "phone3", 5_000));
        let rows = db.rows("SELECT person_hash, method, passed_ms FROM identity_checks");
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0]["method"], "phone3");
        assert_eq!(rows[0]["passed_ms"], 5_000);
        assert_eq!(
            db.first(&passed_since("p1", 1_000)).unwrap().passed_ms,
            5_000
        );
    }
}
