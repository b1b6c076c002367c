//! The budgets' fixed-window counters (`rate_limits`), keyed by keyed hashes only. Each bucket
//! is bumped by one atomic upsert (`INSERT … ON CONFLICT (bucket) DO UPDATE SET hits = hits +
//! 1 RETURNING hits`), so parallel calls all count and each sees its own count: the spend is
//! counted in the statement that spends it.

use serde_json::Value;

use super::{Done, Stmt};
use crate::budget::{self, Bucket, Scope};

/// Bump `b` once; its row is the bucket's count after the bump.
pub fn bump_one(b: &Bucket) -> Stmt {
    Stmt::new(
        "INSERT INTO rate_limits (bucket, hits, expires_ms) VALUES (?1, 1, ?2) \
         ON CONFLICT (bucket) DO UPDATE SET hits = hits + 1 RETURNING hits",
        [b.key.as_str().into(), b.expires_ms.into()],
    )
}

/// Bump every bucket once, to run as one batch (none for no bucket: send no batch then).
pub fn bump(buckets: &[Bucket]) -> Vec<Stmt> {
    buckets.iter().map(bump_one).collect()
}

/// Each bucket's count after the bump, from [`bump`]'s batch (a result without a count
/// reads 0).
pub fn hits(done: &[Done]) -> Vec<i64> {
    done.iter()
        .map(|d| {
            d.rows
                .first()
                .and_then(|r| r.get("hits"))
                .and_then(Value::as_i64)
                .unwrap_or(0)
        })
        .collect()
}

/// The first budget [`bump`]'s batch found spent (`budget::first_over` of its [`hits`]);
/// `None`: every bucket is within its limit.
pub fn first_over(buckets: &[Bucket], done: &[Done]) -> Option<Scope> {
    budget::first_over(buckets, &hits(done))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use crate::budget::{Action, Budgets, Client, MINUTE_MS};

    use crate::sql::sqlite::Db;

    fn client<'a>() -> Client<'a> {
        Client {
            address: "A",
            person: Some("P"),
            device: Some("D"),
            bot_checked: false,
        }
    }

    #[test]
    fn bumping_n_times_in_a_window_counts_exactly_n() {
        let mut db = Db::migrated();
        let b = budget::buckets(Action::Order, &client(), &Budgets::default(), 125_000);
        for n in 1..=7 {
            let done = db.batch(&bump(&b)).unwrap();
            assert_eq!(hits(&done), [n, n, n, n], "after {n}");
        }
        let rows = db.rows("SELECT bucket, hits, expires_ms FROM rate_limits ORDER BY bucket");
        assert_eq!(rows.len(), 4);
        assert!(
            rows.iter()
                .all(|r| r["hits"] == 7 && r["expires_ms"] == 180_000)
        );
    }

    #[test]
    fn the_window_key_separates_minutes() {
        let mut db = Db::migrated();
        let budgets = Budgets::default();
        let this = budget::buckets(Action::Lookup, &client(), &budgets, MINUTE_MS - 1);
        let next = budget::buckets(Action::Lookup, &client(), &budgets, MINUTE_MS);
        for _ in 0..3 {
            db.batch(&bump(&this)).unwrap();
        }
        let done = db.batch(&bump(&next)).unwrap();
        assert!(
            hits(&done).iter().all(|h| *h == 1),
            "a new minute counts afresh"
        );
        let done = db.batch(&bump(&this)).unwrap();
        assert!(
            hits(&done).iter().all(|h| *h == 4),
            "the old minute keeps its count"
        );
    }

    #[test]
    fn a_budget_is_spent_past_its_limit_and_the_narrowest_is_named() {
        let mut db = Db::migrated();
        let budgets = Budgets::default();
        let b = budget::buckets(Action::Order, &client(), &budgets, 0);
        let person = usize::try_from(budgets.orders.person).unwrap();
        for _ in 0..person {
            let done = db.batch(&bump(&b)).unwrap();
            assert_eq!(first_over(&b, &done), None);
        }
        let done = db.batch(&bump(&b)).unwrap();
        assert_eq!(first_over(&b, &done), Some(Scope::Person));
        // Another person from the same device is still over on the device budget.
        let other = Client {
            person: Some("Q"),
            ..client()
        };
        let b = budget::buckets(Action::Order, &other, &budgets, 0);
        let done = db.batch(&bump(&b)).unwrap();
        assert_eq!(hits(&done), [5, 1, 5, 5]);
        assert_eq!(first_over(&b, &done), Some(Scope::Device));
        assert!(bump(&[]).is_empty());
        assert!(hits(&[]).is_empty());
    }
}
