//! What the cron's upkeep passes read and write — the re-seal's pages of sealed values still
//! under an older key (`crypto::SEALED_COLUMNS`; each update a compare-and-set on the old
//! value, so a concurrent write wins), the orphan sweep's live-owner lookups and its cursors
//! (`upkeep_cursors`), and the one batch that forgets expired budget counters, audit markers,
//! kept pre-check passes and console sessions. Table and column names come from the
//! [`SealedColumn`] constants, never from input.

use serde::Deserialize;

use super::{Arg, Count, Done, Query, Stmt, orders::Id};
use crate::crypto::SealedColumn;

/// Ids per `IN (…)` (D1 binds at most 100 parameters).
const IN_CHUNK: usize = 90;

/// One sealed value and its row.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct SealedValue {
    /// Row id.
    pub id: String,
    /// The sealed value.
    pub v: String,
}

fn behind_clause(col: &SealedColumn) -> String {
    format!(
        "{c} IS NOT NULL AND {c} != '' AND substr({c}, 1, ?1) != ?2",
        c = col.column
    )
}

/// The prefix's length in characters, as `substr` counts.
fn prefix_len(prefix: &str) -> Arg {
    Arg::Int(i64::try_from(prefix.chars().count()).unwrap_or(i64::MAX))
}

/// Up to `page` values of `col` not sealed under the key whose sealed values start with
/// `prefix`, in rows after `after` by id.
pub fn behind_page(
    col: &SealedColumn,
    prefix: &str,
    after: &str,
    page: usize,
) -> Query<SealedValue> {
    Stmt::new(
        format!(
            "SELECT id, {c} AS v FROM {t} WHERE {w} AND id > ?3 ORDER BY id LIMIT {page}",
            c = col.column,
            t = col.table,
            w = behind_clause(col)
        ),
        [prefix_len(prefix), prefix.into(), after.into()],
    )
    .rows()
}

/// One re-sealed value: row id, the value read, the value to write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resealing<'a> {
    /// Row id.
    pub id: &'a str,
    /// The value as read.
    pub old: &'a str,
    /// Its new sealing.
    pub new: String,
}

/// One batch writing `updates` to `col`, each only if the row still holds the value read
/// (compare-and-set: a concurrent write wins); [`moved`] counts what was written. No
/// statements for no updates (there is no batch to run).
pub fn reseal(col: &SealedColumn, updates: &[Resealing<'_>]) -> Vec<Stmt> {
    updates
        .iter()
        .map(|u| {
            Stmt::new(
                format!(
                    "UPDATE {t} SET {c} = ?1 WHERE id = ?2 AND {c} = ?3",
                    t = col.table,
                    c = col.column
                ),
                [u.new.as_str().into(), u.id.into(), u.old.into()],
            )
        })
        .collect()
}

/// How many values a [`reseal`] batch wrote.
pub fn moved(done: &[Done]) -> usize {
    done.iter()
        .map(|d| usize::try_from(d.changes).unwrap_or(usize::MAX))
        .fold(0, usize::saturating_add)
}

/// How many values of `col` are not sealed under the key of `prefix` ([`behind`] reads it).
pub fn count_behind(col: &SealedColumn, prefix: &str) -> Query<Count> {
    Stmt::new(
        format!(
            "SELECT COUNT(*) AS n FROM {t} WHERE {w}",
            t = col.table,
            w = behind_clause(col)
        ),
        [prefix_len(prefix), prefix.into()],
    )
    .rows()
}

/// [`count_behind`]'s answer (none: 0).
pub fn behind(row: Option<Count>) -> usize {
    row.map_or(0, |c| usize::try_from(c.n).unwrap_or(0))
}

/// What owns photos in R2.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PhotoOwners {
    /// Orders: live while their photos are expected (`photos_expire_ms` set).
    Orders,
    /// Handoffs: live while their row exists.
    Handoffs,
}

/// The queries that find which of `ids` are live owners of photos, one per chunk of
/// [`IN_CHUNK`] (none for no ids); the live ones are the union of their rows.
pub fn live_ids(owners: PhotoOwners, ids: &[&str]) -> Vec<Query<Id>> {
    let (table, live_sql) = match owners {
        PhotoOwners::Orders => ("orders", " AND photos_expire_ms IS NOT NULL"),
        PhotoOwners::Handoffs => ("handoffs", ""),
    };
    ids.chunks(IN_CHUNK)
        .map(|chunk| {
            let marks: Vec<String> = (1..=chunk.len()).map(|i| format!("?{i}")).collect();
            Stmt::new(
                format!(
                    "SELECT id FROM {table} WHERE id IN ({}){live_sql}",
                    marks.join(", ")
                ),
                chunk.iter().map(|id| Arg::from(*id)),
            )
            .rows()
        })
        .collect()
}

/// A stored cursor.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Cursor {
    /// Its value.
    pub value: String,
}

/// The stored value of cursor `name`, if any.
pub fn cursor(name: &str) -> Query<Cursor> {
    Stmt::new(
        "SELECT value FROM upkeep_cursors WHERE name = ?1",
        [name.into()],
    )
    .rows()
}

/// Store cursor `name` (one upsert).
pub fn set_cursor(name: &str, value: &str) -> Stmt {
    Stmt::new(
        "INSERT INTO upkeep_cursors (name, value) VALUES (?1, ?2) \
         ON CONFLICT (name) DO UPDATE SET value = excluded.value",
        [name.into(), value.into()],
    )
}

/// The cutoffs [`drop_expired`] forgets by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Expiry {
    /// Now: budget counters and audit markers whose window ended before it.
    pub now: i64,
    /// Kept pre-check passes from before it.
    pub passes_before: i64,
    /// Console sessions not seen since it.
    pub idle_before: i64,
    /// Console sessions created before it.
    pub created_before: i64,
}

/// One batch: forget expired budget counters and audit markers, old pre-check passes and
/// console sessions past either lifetime (they are refused anyway; this forgets them).
pub fn drop_expired(e: &Expiry) -> Vec<Stmt> {
    vec![
        Stmt::new(
            "DELETE FROM rate_limits WHERE expires_ms < ?1",
            [e.now.into()],
        ),
        Stmt::new(
            "DELETE FROM audit_once WHERE expires_ms < ?1",
            [e.now.into()],
        ),
        Stmt::new(
            "DELETE FROM identity_checks WHERE passed_ms < ?1",
            [e.passes_before.into()],
        ),
        Stmt::new(
            "DELETE FROM sessions WHERE seen_ms < ?1 OR created_ms < ?2",
            [e.idle_before.into(), e.created_before.into()],
        ),
    ]
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use crate::{crypto, sql::sqlite::Db};

    const SUBJECT: SealedColumn = crypto::CASE_SUBJECT;

    fn case(db: &Db, id: &str, subject_enc: &str) {
        db.exec(&format!(
            "INSERT INTO cases (id, agent, store, created_at_ms, updated_at_ms, subject_enc) \
             VALUES ('{id}', 'li', 'north', 1, 1, '{subject_enc}')"
        ));
    }

    fn subjects(db: &Db) -> Vec<String> {
        db.rows("SELECT subject_enc FROM cases ORDER BY id")
            .iter()
            .map(|r| r["subject_enc"].as_str().unwrap().to_owned())
            .collect()
    }

    #[test]
    fn the_reseal_pages_through_values_behind_and_writes_only_what_it_read() {
        let mut db = Db::migrated();
        case(&db, "CS1", "k1.old-a");
        case(&db, "CS2", "k2.new-b");
        case(&db, "CS3", "k1.old-c");
        case(&db, "CS4", "");
        case(&db, "CS5", "k1.old-e");
        let ids =
            |rows: Vec<SealedValue>| -> Vec<String> { rows.into_iter().map(|r| r.id).collect() };
        assert_eq!(
            ids(db.all(&behind_page(&SUBJECT, "k2.", "", 2))),
            ["CS1", "CS3"]
        );
        assert_eq!(
            ids(db.all(&behind_page(&SUBJECT, "k2.", "CS3", 2))),
            ["CS5"]
        );
        assert_eq!(behind(db.first(&count_behind(&SUBJECT, "k2."))), 3);
        let page = db.all(&behind_page(&SUBJECT, "k2.", "", 10));
        assert_eq!(page[0].v, "k1.old-a");
        // CS3 is written by someone else between the read and the re-seal: theirs stays.
        db.exec("UPDATE cases SET subject_enc = 'k2.theirs' WHERE id = 'CS3'");
        let updates: Vec<Resealing<'_>> = page
            .iter()
            .map(|r| Resealing {
                id: &r.id,
                old: &r.v,
                new: format!("k2.{}", r.id),
            })
            .collect();
        let done = db.batch(&reseal(&SUBJECT, &updates)).unwrap();
        assert_eq!(moved(&done), 2);
        assert_eq!(
            subjects(&db),
            ["k2.CS1", "k2.new-b", "k2.theirs", "", "k2.CS5"]
        );
        assert_eq!(behind(db.first(&count_behind(&SUBJECT, "k2."))), 0);
        assert!(reseal(&SUBJECT, &[]).is_empty());
        assert_eq!(behind(None), 0);
    }

    #[test]
    fn live_owners_are_orders_expecting_photos_and_handoffs_that_exist() {
        let db = Db::migrated();
        for (id, expire) in [("HK1", "5000"), ("HK2", "NULL")] {
            db.exec(&format!(
                "INSERT INTO orders (id, api_xid, idempotency_key, request_hash, product_id, \
                 needs_photos, needs_phone3, state, name_enc, mobile_enc, id_number_enc, \
                 address_enc, id_hash, order_province, consent_at_ms, created_at_ms, \
                 updated_at_ms, photos_expire_ms) VALUES ('{id}', '{id}', '{id}', 'h', '2201', \
                 1, 0, 'sending', 'n', 'm', 'i', 'a', 'p', 'x', 1, 1, 1, {expire})"
            ));
        }
        db.exec(
            "INSERT INTO handoffs (id, desk_hash, link_hash, wanted, created_at_ms, expires_at_ms) \
             VALUES ('HO1', 'd', 'l', 7, 1, 2)",
        );
        let live = |owners, ids: &[&str]| -> Vec<String> {
            let mut out: Vec<String> = live_ids(owners, ids)
                .iter()
                .flat_map(|q| db.all(q))
                .map(|r| r.id)
                .collect();
            out.sort();
            out
        };
        assert_eq!(
            live(PhotoOwners::Orders, &["HK1", "HK2", "HK9", "HO1"]),
            ["HK1"]
        );
        assert_eq!(live(PhotoOwners::Handoffs, &["HK1", "HO1", "HO2"]), ["HO1"]);
        assert!(live_ids(PhotoOwners::Orders, &[]).is_empty());
        // Past one chunk, every id is still looked at.
        let mut many: Vec<String> = (0..200).map(|i| format!("X{i}")).collect();
        many.push("HK1".into());
        let many: Vec<&str> = many.iter().map(String::as_str).collect();
        assert_eq!(live_ids(PhotoOwners::Orders, &many).len(), 3);
        assert_eq!(live(PhotoOwners::Orders, &many), ["HK1"]);
    }

    #[test]
    fn a_cursor_is_stored_and_replaced() {
        let db = Db::migrated();
        assert!(db.first(&cursor("sweep:orders/")).is_none());
        db.run(&set_cursor("sweep:orders/", "orders/HK1/face"));
        db.run(&set_cursor("sweep:orders/", "orders/HK2/face"));
        db.run(&set_cursor("sweep:handoffs/", ""));
        assert_eq!(
            db.first(&cursor("sweep:orders/")).unwrap().value,
            "orders/HK2/face"
        );
        assert_eq!(db.first(&cursor("sweep:handoffs/")).unwrap().value, "");
        assert_eq!(db.rows("SELECT name FROM upkeep_cursors").len(), 2);
    }

    #[test]
    fn expired_counters_markers_passes_and_sessions_go_in_one_batch() {
        let mut db = Db::migrated();
        db.exec(
            "INSERT INTO rate_limits (bucket, hits, expires_ms) VALUES ('old', 1, 99), ('new', 1, 100);
             INSERT INTO audit_once (bucket, expires_ms) VALUES ('old', 99), ('new', 100);
             INSERT INTO identity_checks (person_hash, method, passed_ms) VALUES ('old', 'm', 49), ('new', 'm', 50);
             INSERT INTO sessions (token_hash, username, csrf, created_ms, seen_ms, ip_hash) VALUES
                 ('idle', 'u', 'c', 30, 19, 'i'), ('aged', 'u', 'c', 29, 40, 'i'), ('live', 'u', 'c', 30, 20, 'i');",
        );
        let done = db
            .batch(&drop_expired(&Expiry {
                now: 100,
                passes_before: 50,
                idle_before: 20,
                created_before: 30,
            }))
            .unwrap();
        assert_eq!(
            done.iter().map(|d| d.changes).collect::<Vec<_>>(),
            [1, 1, 1, 2]
        );
        assert_eq!(
            db.rows("SELECT bucket FROM rate_limits")[0]["bucket"],
            "new"
        );
        assert_eq!(db.rows("SELECT bucket FROM audit_once")[0]["bucket"], "new");
        assert_eq!(
            db.rows("SELECT person_hash FROM identity_checks")[0]["person_hash"],
            "new"
        );
        let sessions = db.rows("SELECT token_hash FROM sessions");
        assert_eq!(sessions.len(), 1);
        assert_eq!(sessions[0]["token_hash"], "live");
    }
}
