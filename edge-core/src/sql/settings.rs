//! Settings: the console's changes of the `[vars]` tunables (who changed which, when).

use super::{Query, Stmt};
use crate::settings::StoredSetting;

/// Every stored setting.
pub fn all() -> Query<StoredSetting> {
    Stmt::new(
        "SELECT key, value, updated_by, updated_at_ms FROM settings",
        [],
    )
    .rows()
}

/// Store `key = value`, changed by `by` at `now` (the newest change wins).
pub fn put(key: &str, value: f64, by: &str, now: i64) -> Stmt {
    Stmt::new(
        "INSERT INTO settings (key, value, updated_by, updated_at_ms) VALUES (?1, ?2, ?3, ?4) \
         ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_by = excluded.updated_by, \
         updated_at_ms = excluded.updated_at_ms",
        [key.into(), value.into(), by.into(), now.into()],
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sql::sqlite::Db;

    #[test]
    fn a_setting_is_stored_then_replaced_by_the_next_change() {
        let db = Db::migrated();
        assert!(db.all(&all()).is_empty());
        db.run(&put("check_poll_s", 30.0, "root.admin", 1_000));
        db.run(&put("check_poll_s", 45.0, "zhao.admin", 2_000));
        db.run(&put("realme_pass_score", 70.5, "root.admin", 3_000));
        let rows = db.all(&all());
        assert_eq!(rows.len(), 2);
        let poll = rows.iter().find(|r| r.key == "check_poll_s");
        assert_eq!(
            poll.map(|r| (r.value, r.updated_by.as_str(), r.updated_at_ms)),
            Some((45.0, "zhao.admin", 2_000.0))
        );
    }
}
