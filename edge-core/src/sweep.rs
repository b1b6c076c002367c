//! Photos in flight in R2: where each object lives, who owns it, and when an object with no
//! live owner is an orphan for the cron's sweep to delete. Pure: the caller lists the bucket,
//! asks D1 which owners are live and passes the time in.
//!
//! Every path that drops a row or its photo flag deletes the objects itself; the sweep is the
//! net under the paths that cannot (a handoff upload that lands after the handoff was ended, a
//! worker that died between a put and the row's update), and the bucket's lifecycle rule is
//! the net under the sweep.

/// Prefix of an order's photos.
pub const ORDER_PREFIX: &str = "orders/";
/// Prefix of a desktop → phone handoff's photos.
pub const HANDOFF_PREFIX: &str = "handoffs/";
/// How long after its upload an object with no live owner is left alone: longer than any
/// request that writes its row before its objects (or its objects before the row) takes.
pub const ORPHAN_GRACE_MS: i64 = 3_600_000;
/// Objects one sweep looks at per prefix (the rest wait for the next pass).
pub const SWEEP_PAGE: u32 = 500;

/// The key of an order's photo `part` (`face`, `back`, `hand`).
pub fn order_photo_key(order_id: &str, part: &str) -> String {
    format!("{ORDER_PREFIX}{order_id}/{part}")
}

/// The key of a handoff's photo `part`.
pub fn handoff_photo_key(handoff_id: &str, part: &str) -> String {
    format!("{HANDOFF_PREFIX}{handoff_id}/{part}")
}

/// Who owns an object.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Owner<'a> {
    /// An order (live while its photos are expected: `photos_expire_ms` set).
    Order(&'a str),
    /// A handoff (live while its row exists).
    Handoff(&'a str),
}

/// The owner of `key`, or `None` for a key that is not a photo (the audit head, anything
/// unknown): the sweep never deletes those.
pub fn owner(key: &str) -> Option<Owner<'_>> {
    let (order, rest) = if let Some(rest) = key.strip_prefix(ORDER_PREFIX) {
        (true, rest)
    } else {
        (false, key.strip_prefix(HANDOFF_PREFIX)?)
    };
    let (id, part) = rest.split_once('/')?;
    if id.is_empty() || part.is_empty() || part.contains('/') {
        return None;
    }
    Some(if order {
        Owner::Order(id)
    } else {
        Owner::Handoff(id)
    })
}

impl<'a> Owner<'a> {
    /// The owner's row id.
    pub fn id(self) -> &'a str {
        match self {
            Owner::Order(id) | Owner::Handoff(id) => id,
        }
    }
}

/// Whether an object uploaded at `uploaded_ms` whose owner is (not) `live` is to be deleted
/// at `now_ms`, with `grace_ms` (normally [`ORPHAN_GRACE_MS`]).
pub fn is_orphan(uploaded_ms: i64, now_ms: i64, live: bool, grace_ms: i64) -> bool {
    !live && now_ms.saturating_sub(uploaded_ms) >= grace_ms
}

/// Where the next sweep of a prefix starts: after the last key looked at while the listing
/// had more, from the beginning once it is through.
pub fn next_start(last_key: Option<&str>, truncated: bool) -> String {
    match (last_key, truncated) {
        (Some(k), true) => k.to_owned(),
        _ => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_and_owners() {
        let k = order_photo_key("HK1", "face");
        assert_eq!(k, "orders/HK1/face");
        assert_eq!(owner(&k), Some(Owner::Order("HK1")));
        let h = handoff_photo_key("ho9", "back");
        assert_eq!(owner(&h), Some(Owner::Handoff("ho9")));
        for never in [
            "audit/head.json",
            "orders/",
            "orders/HK1",
            "orders//face",
            "orders/HK1/",
            "orders/HK1/face/x",
            "handoffsx/a/b",
            "",
        ] {
            assert_eq!(owner(never), None, "{never}");
        }
    }

    #[test]
    fn orphans_need_a_dead_owner_and_the_grace_past() {
        let g = ORPHAN_GRACE_MS;
        assert!(is_orphan(0, g, false, g));
        assert!(!is_orphan(0, g - 1, false, g));
        assert!(!is_orphan(0, 10 * g, true, g));
        // A clock behind the upload time never deletes.
        assert!(!is_orphan(10 * g, 0, false, g));
        assert!(is_orphan(5, 5, false, 0));
        assert!(!is_orphan(i64::MIN, i64::MAX, true, g));
        assert!(is_orphan(i64::MIN, i64::MAX, false, g));
    }

    #[test]
    fn the_sweep_walks_on_and_starts_over() {
        assert_eq!(next_start(Some("orders/b/face"), true), "orders/b/face");
        assert_eq!(next_start(Some("orders/b/face"), false), "");
        assert_eq!(next_start(None, true), "");
    }
}
