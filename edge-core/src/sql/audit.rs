//! The console's audit log (`audit_log`), its retention purges (`audit_purges`), its sealed
//! checkpoints (`audit_checkpoints`) and the once-per-window markers (`audit_once`). An entry
//! takes its number by one `INSERT … ON CONFLICT (seq) DO NOTHING RETURNING seq`, so of two
//! appends racing for a number exactly one wins; a purge's record and its deletes land in one
//! batch; a marker is new in its window for exactly one caller (`ON CONFLICT DO NOTHING`).

use serde::Deserialize;

use super::{Done, Query, Stmt};
use crate::audit::{Checkpoint, Entry, Purge};

/// The newest entry's number and hash.
#[derive(Debug, Clone, Deserialize)]
pub struct Last {
    /// Sequence number.
    pub seq: i64,
    /// That entry's hash.
    pub hash: String,
}

/// One stored row: the entry and its chain hashes.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Row {
    /// The entry (its columns are this row's).
    #[serde(flatten)]
    pub entry: Entry,
    /// The previous hash.
    pub prev_hash: String,
    /// This entry's hash.
    pub hash: String,
}

impl Row {
    /// As the chain's rules see it (`audit::verify`).
    pub fn link(&self) -> (Entry, String, String) {
        (
            self.entry.clone(),
            self.prev_hash.clone(),
            self.hash.clone(),
        )
    }
}

/// The newest entry, if any.
pub fn last() -> Query<Last> {
    Stmt::new(
        "SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1",
        [],
    )
    .rows()
}

/// Store `entry` with its chain hashes unless its number is taken (one statement: of two
/// appends racing for a number, one wins); a row comes back when it was stored ([`stored`]).
pub fn insert(entry: &Entry, prev_hash: &str, hash: &str) -> Stmt {
    Stmt::new(
        "INSERT INTO audit_log (seq, at_ms, actor, action, target, detail, prev_hash, hash) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) ON CONFLICT (seq) DO NOTHING RETURNING seq",
        [
            entry.seq.into(),
            entry.at_ms.into(),
            entry.actor.as_str().into(),
            entry.action.as_str().into(),
            entry.target.as_str().into(),
            entry.detail.as_str().into(),
            prev_hash.into(),
            hash.into(),
        ],
    )
}

/// Whether [`insert`] stored the entry (its `RETURNING` row came back): false when another
/// append took the number first.
pub fn stored(done: &Done) -> bool {
    !done.rows.is_empty()
}

/// The newest purge record, if any.
pub fn latest_purge() -> Query<Purge> {
    Stmt::new(
        "SELECT upto, cut_hash, seal FROM audit_purges ORDER BY upto DESC LIMIT 1",
        [],
    )
    .rows()
}

/// Where a purge would cut: the last of the oldest entries (at most 500) written before the
/// cutoff, and how many entries go with it.
#[derive(Debug, Clone, Deserialize)]
pub struct Cut {
    /// The last entry to go.
    pub seq: i64,
    /// Its hash.
    pub hash: String,
    /// Entries up to and including it.
    pub n: i64,
}

/// Where a purge of the entries written before `cutoff_ms` cuts (no row: nothing to purge).
pub fn purge_cut(cutoff_ms: i64) -> Query<Cut> {
    Stmt::new(
        "SELECT seq, hash, (SELECT COUNT(*) FROM audit_log WHERE seq <= old.seq) AS n FROM \
         (SELECT seq, hash FROM audit_log WHERE at_ms < ?1 ORDER BY seq LIMIT 500) AS old \
         ORDER BY seq DESC LIMIT 1",
        [cutoff_ms.into()],
    )
    .rows()
}

/// To run as one batch: record the cut (entry `upto`, its hash and the seal over both) and
/// delete the entries and checkpoints up to it (the record first: the delete trigger refuses
/// any entry no purge record covers).
pub fn purge(upto: i64, cut_hash: &str, seal: &str, now: i64) -> Vec<Stmt> {
    vec![
        Stmt::new(
            "INSERT INTO audit_purges (upto, cut_hash, seal, at_ms) VALUES (?1, ?2, ?3, ?4) \
             ON CONFLICT (upto) DO NOTHING",
            [upto.into(), cut_hash.into(), seal.into(), now.into()],
        ),
        Stmt::new("DELETE FROM audit_log WHERE seq <= ?1", [upto.into()]),
        Stmt::new(
            "DELETE FROM audit_checkpoints WHERE seq <= ?1",
            [upto.into()],
        ),
    ]
}

/// Store checkpoint `cp` at `now` (a checkpoint already stored at that number is kept).
pub fn insert_checkpoint(cp: &Checkpoint, now: i64) -> Stmt {
    Stmt::new(
        "INSERT INTO audit_checkpoints (seq, hash, at_ms) VALUES (?1, ?2, ?3) \
         ON CONFLICT (seq) DO NOTHING",
        [cp.seq.into(), cp.hash.as_str().into(), now.into()],
    )
}

/// Up to `limit` entries before `before`, newest first.
pub fn before(before: i64, limit: i64) -> Query<Row> {
    Stmt::new(
        "SELECT * FROM audit_log WHERE seq < ?1 ORDER BY seq DESC LIMIT ?2",
        [before.into(), limit.into()],
    )
    .rows()
}

/// Entries `from..=to`, oldest first.
pub fn span(from: i64, to: i64) -> Query<Row> {
    Stmt::new(
        "SELECT * FROM audit_log WHERE seq >= ?1 AND seq <= ?2 ORDER BY seq",
        [from.into(), to.into()],
    )
    .rows()
}

/// An entry's hash.
#[derive(Debug, Clone, Deserialize)]
pub struct Hash {
    /// The hash.
    pub hash: String,
}

/// The hash of entry `seq` (no row: it is not there).
pub fn hash_at(seq: i64) -> Query<Hash> {
    Stmt::new("SELECT hash FROM audit_log WHERE seq = ?1", [seq.into()]).rows()
}

/// The newest 8 checkpoints at or before `seq`, newest first.
pub fn checkpoints_upto(seq: i64) -> Query<Checkpoint> {
    Stmt::new(
        "SELECT seq, hash FROM audit_checkpoints WHERE seq <= ?1 ORDER BY seq DESC LIMIT 8",
        [seq.into()],
    )
    .rows()
}

/// The oldest entry kept's number.
#[derive(Debug, Clone, Copy, Deserialize)]
pub struct First {
    /// Its number (`None`: the table is empty).
    pub seq: Option<i64>,
}

/// The oldest entry kept's number (one row always; its `seq` is `None` when the table is empty).
pub fn first_seq() -> Query<First> {
    Stmt::new("SELECT MIN(seq) AS seq FROM audit_log", []).rows()
}

/// Mark `bucket` (kept until `expires_ms`) unless it is marked already, in one statement:
/// [`marked`] says whether this call marked it (parallel callers: exactly one).
pub fn once(bucket: &str, expires_ms: i64) -> Stmt {
    Stmt::new(
        "INSERT INTO audit_once (bucket, expires_ms) VALUES (?1, ?2) ON CONFLICT DO NOTHING",
        [bucket.into(), expires_ms.into()],
    )
}

/// Whether [`once`] marked its bucket (it changed a row).
pub fn marked(done: &Done) -> bool {
    done.changes > 0
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use crate::{
        audit::{self, GENESIS},
        sql::sqlite::Db,
    };

    const KEY: &str = "test audit key";
    const T0: i64 = 1_800_000_000_000;

    /// Append as the worker does: after the last entry (or the newest purge, or genesis).
    fn append(db: &Db, action: &str, at_ms: i64) -> i64 {
        let (seq, prev) = match db.first(&last()) {
            Some(l) => (l.seq + 1, l.hash),
            None => db
                .first(&latest_purge())
                .map_or((1, GENESIS.to_owned()), |p| (p.upto + 1, p.cut_hash)),
        };
        let entry = Entry {
            seq,
            at_ms,
            actor: "admin".into(),
            action: action.into(),
            target: "wang".into(),
            detail: format!("#{seq}"),
        };
        let hash = audit::hash(KEY, &prev, &entry);
        assert!(stored(&db.run(&insert(&entry, &prev, &hash))));
        seq
    }

    fn links(rows: &[Row]) -> Vec<(Entry, String, String)> {
        rows.iter().map(Row::link).collect()
    }

    #[test]
    fn appends_keep_the_chain_in_order_and_read_back_whole() {
        let db = Db::migrated();
        assert!(db.first(&last()).is_none());
        assert_eq!(db.first(&first_seq()).unwrap().seq, None);
        for i in 1..=5 {
            assert_eq!(append(&db, "login", T0 + i), i);
        }
        let newest = db.first(&last()).unwrap();
        assert_eq!(newest.seq, 5);
        let span = db.all(&span(1, 5));
        assert_eq!(
            span.iter().map(|r| r.entry.seq).collect::<Vec<_>>(),
            [1, 2, 3, 4, 5]
        );
        assert_eq!(
            (
                span[2].entry.actor.as_str(),
                span[2].entry.detail.as_str(),
                span[2].entry.at_ms
            ),
            ("admin", "#3", T0 + 3)
        );
        assert_eq!(span[4].hash, newest.hash);
        assert_eq!(audit::verify(KEY, &links(&span), Some(GENESIS)), Ok(()));
        let page = db.all(&before(5, 3));
        assert_eq!(
            page.iter().map(|r| r.entry.seq).collect::<Vec<_>>(),
            [4, 3, 2],
            "newest first"
        );
        assert_eq!(db.all(&before(i64::MAX, 100)).len(), 5);
        assert_eq!(db.first(&hash_at(2)).unwrap().hash, span[1].hash);
        assert!(db.first(&hash_at(6)).is_none());
        assert_eq!(db.first(&first_seq()).unwrap().seq, Some(1));
    }

    #[test]
    fn of_two_appends_racing_for_a_number_one_wins() {
        let mut db = Db::migrated();
        append(&db, "login", T0);
        let last = db.first(&last()).unwrap();
        let mk = |actor: &str| Entry {
            seq: last.seq + 1,
            at_ms: T0 + 1,
            actor: actor.into(),
            action: "login".into(),
            target: String::new(),
            detail: String::new(),
        };
        let (a, b) = (mk("wang"), mk("li"));
        let won = db.run(&insert(&a, &last.hash, &audit::hash(KEY, &last.hash, &a)));
        let lost = db.run(&insert(&b, &last.hash, &audit::hash(KEY, &last.hash, &b)));
        assert!(stored(&won));
        assert!(!stored(&lost), "the number is taken");
        assert_eq!(db.first(&hash_at(2)).map(|_| ()), Some(()));
        assert_eq!(db.all(&span(2, 2))[0].entry.actor, "wang");
        // The entries cannot be changed.
        assert!(
            db.batch(&[Stmt::new(
                "UPDATE audit_log SET detail = 'x' WHERE seq = 1",
                []
            )])
            .is_err()
        );
    }

    #[test]
    fn a_purge_records_its_cut_then_deletes_up_to_it_and_the_chain_goes_on() {
        let mut db = Db::migrated();
        for i in 1..=6 {
            append(&db, "login", T0 + i * 10);
        }
        for seq in [2, 4, 6] {
            let hash = db.first(&hash_at(seq)).unwrap().hash;
            db.run(&insert_checkpoint(&Checkpoint { seq, hash }, T0));
        }
        // Without a purge record, no entry may be deleted.
        assert!(
            db.batch(&[Stmt::new("DELETE FROM audit_log WHERE seq <= 1", [])])
                .is_err()
        );
        assert!(
            db.first(&purge_cut(T0 + 10)).is_none(),
            "nothing before the cutoff"
        );
        let cut = db.first(&purge_cut(T0 + 35)).unwrap();
        assert_eq!((cut.seq, cut.n), (3, 3));
        let seal = audit::purge_seal(KEY, cut.seq, &cut.hash);
        let done = db
            .batch(&purge(cut.seq, &cut.hash, &seal, T0 + 100))
            .unwrap();
        assert_eq!(
            done.iter().map(|d| d.changes).collect::<Vec<_>>(),
            [1, 3, 1]
        );
        assert_eq!(db.first(&first_seq()).unwrap().seq, Some(4));
        let p = db.first(&latest_purge()).unwrap();
        assert_eq!((p.upto, p.cut_hash.as_str()), (3, cut.hash.as_str()));
        let cps: Vec<i64> = db
            .all(&checkpoints_upto(10))
            .into_iter()
            .map(|c| c.seq)
            .collect();
        assert_eq!(cps, [6, 4], "the checkpoints cut went with the entries");
        // What is kept verifies from the purge's cut.
        let anchor = audit::head_anchor(KEY, 4, Some(&p)).unwrap();
        assert_eq!(
            audit::verify(KEY, &links(&db.all(&span(4, 6))), Some(&anchor)),
            Ok(())
        );
        // Everything purged: the next entry follows the cut.
        let cut = db.first(&purge_cut(T0 + 1_000)).unwrap();
        assert_eq!((cut.seq, cut.n), (6, 3));
        let seal = audit::purge_seal(KEY, 6, &cut.hash);
        db.batch(&purge(6, &cut.hash, &seal, T0 + 200)).unwrap();
        assert!(db.first(&last()).is_none());
        assert_eq!(append(&db, "login", T0 + 300), 7);
        let row = &db.all(&span(7, 7))[0];
        assert_eq!(row.prev_hash, cut.hash);
    }

    #[test]
    fn checkpoints_keep_the_first_at_a_number_and_come_newest_first_eight_at_most() {
        let db = Db::migrated();
        let cp = |seq: i64, hash: &str| Checkpoint {
            seq,
            hash: hash.into(),
        };
        assert_eq!(db.run(&insert_checkpoint(&cp(1, "a"), T0)).changes, 1);
        assert_eq!(db.run(&insert_checkpoint(&cp(1, "b"), T0)).changes, 0);
        for seq in 2..=12 {
            db.run(&insert_checkpoint(&cp(seq, "h"), T0));
        }
        let upto = db.all(&checkpoints_upto(10));
        assert_eq!(
            upto.iter().map(|c| c.seq).collect::<Vec<_>>(),
            [10, 9, 8, 7, 6, 5, 4, 3]
        );
        assert_eq!(
            db.all(&checkpoints_upto(1)),
            [cp(1, "a")],
            "the first is kept"
        );
    }

    #[test]
    fn once_marks_a_bucket_only_once() {
        let mut db = Db::migrated();
        assert!(marked(&db.run(&once("login_throttled:iph:7", 480_000))));
        assert!(!marked(&db.run(&once("login_throttled:iph:7", 480_000))));
        let both = db
            .batch(&[
                once("login_throttled:iph:8", 540_000),
                once("login_throttled:iph:8", 540_000),
            ])
            .unwrap();
        assert_eq!(both.iter().map(marked).collect::<Vec<_>>(), [true, false]);
        assert_eq!(
            db.rows("SELECT expires_ms FROM audit_once WHERE bucket = 'login_throttled:iph:7'")[0]
                ["expires_ms"],
            480_000
        );
    }
}
