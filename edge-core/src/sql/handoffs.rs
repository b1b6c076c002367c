//! The desktop → phone photo handoffs (`handoffs`) and the photos received for them
//! (`handoff_photos`). Tokens are stored as keyed hashes only. A link is claimed by one
//! conditional statement (`… WHERE claimed_at_ms IS NULL AND expires_at_ms > now RETURNING
//! id`), so of two phones racing exactly one wins; a photo is recorded, with its bit, in one
//! batch and only while the handoff still exists.

use serde::Deserialize;

use super::{Done, Query, Stmt};
use crate::handoff::Handoff;

/// One row of `handoffs`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct HandoffRow {
    /// Id.
    pub id: String,
    /// The photos asked for (bit mask).
    pub wanted: i64,
    /// The photos received (bit mask).
    pub received: i64,
    /// Opened, Unix ms.
    pub created_at_ms: i64,
    /// Expires, Unix ms.
    pub expires_at_ms: i64,
    /// When the phone claimed the link.
    pub claimed_at_ms: Option<i64>,
}

impl HandoffRow {
    /// As the handoff's rules see it.
    pub fn state(&self) -> Handoff {
        Handoff {
            created_at_ms: self.created_at_ms,
            expires_at_ms: self.expires_at_ms,
            claimed_at_ms: self.claimed_at_ms,
            wanted: u8::try_from(self.wanted & 0b111).unwrap_or(0),
            photos: u8::try_from(self.received & 0b111).unwrap_or(0),
        }
    }
}

/// One row of `handoff_photos`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct PhotoRow {
    /// `face`, `back` or `hand`.
    pub part: String,
    /// Size.
    pub bytes: i64,
    /// Pixels across.
    pub width: i64,
    /// Pixels down.
    pub height: i64,
    /// The kept quality flag (JSON) or ''.
    pub flag: String,
    /// Received, Unix ms.
    pub at_ms: i64,
}

/// A handoff's id.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct HandoffId {
    /// Id.
    pub id: String,
}

/// The handoff whose desktop token hashes to `hash`.
pub fn by_desk_hash(hash: &str) -> Query<HandoffRow> {
    Stmt::new("SELECT * FROM handoffs WHERE desk_hash = ?1", [hash.into()]).rows()
}

/// The handoff whose phone link token hashes to `hash`.
pub fn by_link_hash(hash: &str) -> Query<HandoffRow> {
    Stmt::new("SELECT * FROM handoffs WHERE link_hash = ?1", [hash.into()]).rows()
}

/// The handoff whose upload token hashes to `hash`.
pub fn by_upload_hash(hash: &str) -> Query<HandoffRow> {
    Stmt::new(
        "SELECT * FROM handoffs WHERE upload_hash = ?1",
        [hash.into()],
    )
    .rows()
}

/// A new handoff, as stored (unclaimed, nothing received yet).
#[derive(Debug, Clone, Copy)]
pub struct NewHandoff<'a> {
    /// Id.
    pub id: &'a str,
    /// The desktop token's keyed hash.
    pub desk_hash: &'a str,
    /// The phone link token's keyed hash.
    pub link_hash: &'a str,
    /// The photos asked for (bit mask).
    pub wanted: i64,
    /// Opened, Unix ms.
    pub created_at_ms: i64,
    /// Expires, Unix ms.
    pub expires_at_ms: i64,
}

/// Store a new handoff.
pub fn insert(h: &NewHandoff<'_>) -> Stmt {
    Stmt::new(
        "INSERT INTO handoffs (id, desk_hash, link_hash, wanted, created_at_ms, expires_at_ms) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        [
            h.id.into(),
            h.desk_hash.into(),
            h.link_hash.into(),
            h.wanted.into(),
            h.created_at_ms.into(),
            h.expires_at_ms.into(),
        ],
    )
}

/// Claim handoff `id` for the upload token hashing to `upload_hash`, if it is unclaimed and
/// not expired at `now`: one statement, so of two phones racing only one wins (see
/// [`won`]).
pub fn claim(id: &str, upload_hash: &str, now: i64) -> Stmt {
    Stmt::new(
        "UPDATE handoffs SET claimed_at_ms = ?1, upload_hash = ?2 \
         WHERE id = ?3 AND claimed_at_ms IS NULL AND expires_at_ms > ?1 RETURNING id",
        [now.into(), upload_hash.into(), id.into()],
    )
}

/// Whether the [`claim`] that gave `done` was the one that landed (its row came back).
pub fn won(done: &Done) -> bool {
    !done.rows.is_empty()
}

/// A photo received for a handoff.
#[derive(Debug, Clone, Copy)]
pub struct Received<'a> {
    /// The handoff.
    pub handoff_id: &'a str,
    /// `face`, `back` or `hand`.
    pub part: &'a str,
    /// Its bit in `received`.
    pub bit: i64,
    /// Size.
    pub bytes: i64,
    /// Pixels across.
    pub width: i64,
    /// Pixels down.
    pub height: i64,
    /// The kept quality flag (JSON) or ''.
    pub flag: &'a str,
    /// Received, Unix ms.
    pub at_ms: i64,
}

/// Record photo `p` (a retake replaces it) and set its bit, only while the handoff still
/// exists: one batch, to be run atomically (read its result with [`recorded`]).
pub fn add_photo(p: &Received<'_>) -> Vec<Stmt> {
    vec![
        Stmt::new(
            "INSERT OR REPLACE INTO handoff_photos (handoff_id, part, bytes, width, height, flag, at_ms) \
             SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7 WHERE EXISTS (SELECT 1 FROM handoffs WHERE id = ?1)",
            [
                p.handoff_id.into(),
                p.part.into(),
                p.bytes.into(),
                p.width.into(),
                p.height.into(),
                p.flag.into(),
                p.at_ms.into(),
            ],
        ),
        Stmt::new(
            "UPDATE handoffs SET received = received | ?1 WHERE id = ?2",
            [p.bit.into(), p.handoff_id.into()],
        ),
    ]
}

/// Whether the [`add_photo`] batch that gave `done` recorded the photo (its bit was set);
/// false: the handoff ended meanwhile.
pub fn recorded(done: &[Done]) -> bool {
    done.get(1).is_some_and(|d| d.changes != 0)
}

/// The photos received for handoff `id`, by part.
pub fn photos(id: &str) -> Query<PhotoRow> {
    Stmt::new(
        "SELECT * FROM handoff_photos WHERE handoff_id = ?1 ORDER BY part",
        [id.into()],
    )
    .rows()
}

/// Delete handoff `id` and its photo rows: one batch, to be run atomically.
pub fn delete(id: &str) -> Vec<Stmt> {
    vec![
        Stmt::new(
            "DELETE FROM handoff_photos WHERE handoff_id = ?1",
            [id.into()],
        ),
        Stmt::new("DELETE FROM handoffs WHERE id = ?1", [id.into()]),
    ]
}

/// Up to 100 handoffs expired at `now`.
pub fn expired(now: i64) -> Query<HandoffId> {
    Stmt::new(
        "SELECT id FROM handoffs WHERE expires_at_ms <= ?1 LIMIT 100",
        [now.into()],
    )
    .rows()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use crate::sql::sqlite::Db;

    const OPENED: i64 = 1_000;
    const EXPIRES: i64 = 601_000;

    fn open(db: &Db, id: &str) {
        let desk = format!("desk-{id}");
        let link = format!("link-{id}");
        let done = db.run(&insert(&NewHandoff {
            id,
            desk_hash: &desk,
            link_hash: &link,
            wanted: 0b011,
            created_at_ms: OPENED,
            expires_at_ms: EXPIRES,
        }));
        assert_eq!(done.changes, 1);
    }

    fn photo<'a>(id: &'a str, part: &'a str, bit: i64, bytes: i64, at_ms: i64) -> Received<'a> {
        Received {
            handoff_id: id,
            part,
            bit,
            bytes,
            width: 640,
            height: 480,
            flag: "",
            at_ms,
        }
    }

    fn ids(db: &Db, now: i64) -> Vec<String> {
        db.all(&expired(now)).into_iter().map(|h| h.id).collect()
    }

    #[test]
    fn a_new_handoff_is_stored_unclaimed_and_found_by_its_desk_and_link_hashes() {
        let db = Db::migrated();
        open(&db, "HO1");
        let row = db.first(&by_desk_hash("desk-HO1")).unwrap();
        assert_eq!(
            row,
            HandoffRow {
                id: "HO1".into(),
                wanted: 0b011,
                received: 0,
                created_at_ms: OPENED,
                expires_at_ms: EXPIRES,
                claimed_at_ms: None,
            }
        );
        assert_eq!(db.first(&by_link_hash("link-HO1")).unwrap(), row);
        assert!(db.first(&by_desk_hash("link-HO1")).is_none());
        assert!(db.first(&by_link_hash("desk-HO1")).is_none());
        assert!(db.first(&by_upload_hash("anything")).is_none());
        let state = row.state();
        assert_eq!((state.wanted, state.photos), (0b011, 0));
        assert_eq!(
            db.rows("SELECT upload_hash FROM handoffs")[0]["upload_hash"],
            serde_json::Value::Null
        );
    }

    #[test]
    fn a_link_is_claimed_once_and_a_second_phone_is_refused() {
        let db = Db::migrated();
        open(&db, "HO1");
        let first = db.run(&claim("HO1", "upload-a", 2_000));
        assert!(won(&first), "the first claim lands");
        let second = db.run(&claim("HO1", "upload-b", 2_001));
        assert!(!won(&second), "a second phone is refused");
        assert_eq!(second.changes, 0);
        let row = db.first(&by_upload_hash("upload-a")).unwrap();
        assert_eq!((row.id.as_str(), row.claimed_at_ms), ("HO1", Some(2_000)));
        assert!(
            db.first(&by_upload_hash("upload-b")).is_none(),
            "the refused phone's token opens nothing"
        );
        assert!(
            !won(&db.run(&claim("HO9", "upload-c", 2_000))),
            "no such handoff"
        );
    }

    #[test]
    fn a_claim_is_refused_from_the_expiry_instant_on() {
        let db = Db::migrated();
        open(&db, "HO1");
        open(&db, "HO2");
        assert!(!won(&db.run(&claim("HO1", "upload-a", EXPIRES))));
        assert!(
            db.first(&by_desk_hash("desk-HO1"))
                .unwrap()
                .claimed_at_ms
                .is_none()
        );
        assert!(won(&db.run(&claim("HO2", "upload-b", EXPIRES - 1))));
    }

    #[test]
    fn photos_are_recorded_with_their_bit_replaced_on_retake_and_listed_by_part() {
        let mut db = Db::migrated();
        open(&db, "HO1");
        let done = db
            .batch(&add_photo(&photo("HO1", "face", 0b001, 100, 3_000)))
            .unwrap();
        assert!(recorded(&done));
        let done = db
            .batch(&add_photo(&photo("HO1", "back", 0b010, 200, 3_100)))
            .unwrap();
        assert!(recorded(&done));
        // A retake of the face replaces its row.
        let retake = Received {
            flag: r#"{"kind":"blur"}"#,
            ..photo("HO1", "face", 0b001, 150, 3_200)
        };
        assert!(recorded(&db.batch(&add_photo(&retake)).unwrap()));
        let listed = db.all(&photos("HO1"));
        assert_eq!(
            listed,
            vec![
                PhotoRow {
                    part: "back".into(),
                    bytes: 200,
                    width: 640,
                    height: 480,
                    flag: String::new(),
                    at_ms: 3_100,
                },
                PhotoRow {
                    part: "face".into(),
                    bytes: 150,
                    width: 640,
                    height: 480,
                    flag: r#"{"kind":"blur"}"#.into(),
                    at_ms: 3_200,
                },
            ]
        );
        let row = db.first(&by_desk_hash("desk-HO1")).unwrap();
        assert_eq!(row.received, 0b011);
        assert_eq!(row.state().photos, 0b011);
        assert!(db.all(&photos("HO2")).is_empty());
    }

    #[test]
    fn a_photo_for_a_handoff_that_ended_is_not_recorded() {
        let mut db = Db::migrated();
        let done = db
            .batch(&add_photo(&photo("HO1", "face", 0b001, 100, 3_000)))
            .unwrap();
        assert!(!recorded(&done));
        assert_eq!(done[0].changes, 0);
        assert!(
            db.rows("SELECT * FROM handoff_photos").is_empty(),
            "no orphan row"
        );
        assert!(!recorded(&[]), "no reply records nothing");
    }

    #[test]
    fn ending_a_handoff_deletes_it_and_its_photos_only() {
        let mut db = Db::migrated();
        open(&db, "HO1");
        open(&db, "HO2");
        for id in ["HO1", "HO2"] {
            db.batch(&add_photo(&photo(id, "face", 0b001, 100, 3_000)))
                .unwrap();
            db.batch(&add_photo(&photo(id, "back", 0b010, 100, 3_000)))
                .unwrap();
        }
        let done = db.batch(&delete("HO1")).unwrap();
        assert_eq!((done[0].changes, done[1].changes), (2, 1));
        assert!(db.first(&by_desk_hash("desk-HO1")).is_none());
        assert!(db.all(&photos("HO1")).is_empty());
        assert!(db.first(&by_desk_hash("desk-HO2")).is_some());
        assert_eq!(db.all(&photos("HO2")).len(), 2);
        // A photo arriving after the end finds nothing to join.
        let late = db
            .batch(&add_photo(&photo("HO1", "hand", 0b100, 100, 4_000)))
            .unwrap();
        assert!(!recorded(&late));
        assert!(db.all(&photos("HO1")).is_empty());
    }

    #[test]
    fn handoffs_are_expired_from_their_expiry_instant_at_most_100_at_a_time() {
        let mut db = Db::migrated();
        open(&db, "HO1");
        assert!(ids(&db, EXPIRES - 1).is_empty());
        assert_eq!(ids(&db, EXPIRES), ["HO1"]);
        for i in 0..120 {
            db.exec(&format!(
                "INSERT INTO handoffs (id, desk_hash, link_hash, wanted, created_at_ms, expires_at_ms) \
                 VALUES ('X{i}', 'd{i}', 'l{i}', 1, 0, 10)"
            ));
        }
        assert_eq!(ids(&db, EXPIRES).len(), 100);
        db.batch(&delete("HO1")).unwrap();
        let left = ids(&db, 10);
        assert_eq!(left.len(), 100);
        assert!(!left.contains(&"HO1".to_owned()));
        assert_eq!(ids(&db, 9).len(), 0);
    }
}
