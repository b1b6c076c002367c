//! The `number_pool` table (选号). A number moves free → held (one attempt, [`HOLD_MS`]) →
//! ordered (its order in flight) → sold (shipped), or back to free when a hold runs out or the
//! vendor refuses the order. Each move is one conditional statement: two attempts racing for a
//! number both send the same `UPDATE … WHERE` free-or-expired, and SQLite lets one of them
//! change the row. A hold whose time ran out counts as free at once, with no sweep.

use haoka_shared::lifecycle::OrderState;
use serde::Deserialize;

use super::{Arg, Done, Query, Stmt};
use crate::numbers::{HOLD_MS, PAGE, Search};

/// A number a customer may choose.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Choice {
    /// The 11 digits.
    pub number: String,
}

/// Add `numbers` to `product`'s pool; a number already in it is left as it is. A row comes
/// back for each number added.
pub fn add(product: &str, numbers: &[String], now: i64) -> Vec<Stmt> {
    numbers
        .iter()
        .map(|n| {
            Stmt::new(
                "INSERT INTO number_pool (product_id, number, added_at_ms) VALUES (?1, ?2, ?3) \
                 ON CONFLICT (product_id, number) DO NOTHING RETURNING number",
                [product.into(), n.into(), now.into()],
            )
        })
        .collect()
}

/// How many of a batch of [`add`]s were new.
pub fn added(done: &[Done]) -> usize {
    done.iter().filter(|d| !d.rows.is_empty()).count()
}

/// The free numbers of `product` that `search` may find at `now`, in order, one page (the SQL
/// narrows by ending, no 4, 生日号 month and day ranges, and the page; [`Search::admits`]
/// decides each row, so ask for a page and filter).
pub fn free(product: &str, search: &Search, now: i64) -> Query<Choice> {
    let mut sql = String::from(
        "SELECT number FROM number_pool WHERE product_id = ?1 \
         AND (state = 'free' OR (state = 'held' AND held_until_ms <= ?2))",
    );
    let mut args: Vec<Arg> = vec![product.into(), now.into()];
    if let Some(e) = &search.ending {
        args.push(format!("%{e}").into());
        sql.push_str(&format!(" AND number LIKE ?{}", args.len()));
    }
    if search.no_four {
        sql.push_str(" AND substr(number, 4) NOT LIKE '%4%'");
    }
    if search.birthday {
        sql.push_str(
            " AND CAST(substr(number, 8, 2) AS INTEGER) BETWEEN 1 AND 12 \
             AND CAST(substr(number, 10, 2) AS INTEGER) BETWEEN 1 AND 31",
        );
    }
    if let Some(a) = &search.after {
        args.push(a.into());
        sql.push_str(&format!(" AND number > ?{}", args.len()));
    }
    sql.push_str(&format!(" ORDER BY number LIMIT {}", PAGE * 2));
    Stmt::new(sql, args).rows()
}

/// Hold `number` of `product` for the attempt whose hold token hashes to `hold_hash`, until
/// `now + HOLD_MS`, if it is free (or its hold ran out). The attempt's earlier hold is let go
/// first, in the same batch: one attempt holds one number. The second statement returns the
/// number when the hold landed ([`held`]).
pub fn hold(product: &str, number: &str, hold_hash: &str, now: i64) -> Vec<Stmt> {
    vec![
        Stmt::new(
            "UPDATE number_pool SET state = 'free', hold_hash = NULL, held_until_ms = NULL \
             WHERE hold_hash = ?1 AND state = 'held'",
            [hold_hash.into()],
        ),
        Stmt::new(
            "UPDATE number_pool SET state = 'held', hold_hash = ?1, held_until_ms = ?2 \
             WHERE product_id = ?3 AND number = ?4 \
             AND (state = 'free' OR (state = 'held' AND held_until_ms <= ?5)) RETURNING number",
            [
                hold_hash.into(),
                (now + HOLD_MS).into(),
                product.into(),
                number.into(),
                now.into(),
            ],
        ),
    ]
}

/// Whether the [`hold`] batch held the number.
pub fn held(done: &[Done]) -> bool {
    done.get(1).is_some_and(|d| !d.rows.is_empty())
}

/// The order `order_id`, just inserted, takes the number its attempt holds (still in time): a
/// row comes back when it did. It runs in the insert's batch (`sql::orders::insert`), whose
/// insert was held to the same hold, and does nothing unless that insert landed.
pub fn take(product: &str, number: &str, hold_hash: &str, order_id: &str, now: i64) -> Stmt {
    Stmt::new(
        "UPDATE number_pool SET state = 'ordered', order_id = ?1, held_until_ms = NULL \
         WHERE product_id = ?2 AND number = ?3 AND state = 'held' AND hold_hash = ?4 \
         AND held_until_ms > ?5 AND EXISTS (SELECT 1 FROM orders WHERE id = ?1) \
         RETURNING number",
        [
            order_id.into(),
            product.into(),
            number.into(),
            hold_hash.into(),
            now.into(),
        ],
    )
}

/// The order `order_id` ended without shipping (refused by the vendor, the number among the
/// reasons, or failed its check): its number is free again. Only once the order is in such
/// a state (it runs in the transition's batch).
pub fn release(order_id: &str) -> Stmt {
    Stmt::new(
        "UPDATE number_pool SET state = 'free', order_id = NULL, hold_hash = NULL, \
         held_until_ms = NULL WHERE order_id = ?1 AND state = 'ordered' \
         AND EXISTS (SELECT 1 FROM orders WHERE id = ?1 AND state IN (?2, ?3)) RETURNING number",
        [
            order_id.into(),
            OrderState::Rejected.as_str().into(),
            OrderState::CheckFailed.as_str().into(),
        ],
    )
}

/// The order shipped: its number is sold for good. Only once the order is shipped (it runs
/// in the transition's batch).
pub fn sell(order_id: &str, now: i64) -> Stmt {
    Stmt::new(
        "UPDATE number_pool SET state = 'sold', sold_at_ms = ?2 \
         WHERE order_id = ?1 AND state = 'ordered' \
         AND EXISTS (SELECT 1 FROM orders WHERE id = ?1 AND state = ?3) RETURNING number",
        [
            order_id.into(),
            now.into(),
            OrderState::Shipped.as_str().into(),
        ],
    )
}

/// Whether the attempt whose hold token hashes to `hold_hash` still holds `number` of
/// `product` at `now` (after a refused insert: a lost hold, or the limit?).
pub fn still_held(product: &str, number: &str, hold_hash: &str, now: i64) -> Query<Choice> {
    Stmt::new(
        "SELECT number FROM number_pool WHERE product_id = ?1 AND number = ?2 \
         AND state = 'held' AND hold_hash = ?3 AND held_until_ms > ?4",
        [product.into(), number.into(), hold_hash.into(), now.into()],
    )
    .rows()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use crate::{numbers::read_pool, sql::sqlite::Db};

    const P: &str = "2188";

    fn pool(db: &mut Db, numbers: &[&str]) -> usize {
        let numbers: Vec<String> = numbers.iter().map(|n| (*n).to_owned()).collect();
        added(&db.batch(&add(P, &numbers, 1)).unwrap())
    }

    fn free_now(db: &Db, search: &Search, now: i64) -> Vec<String> {
        db.all(&free(P, search, now))
            .into_iter()
            .map(|c| c.number)
            .filter(|n| search.admits(n))
            .collect()
    }

    fn state(db: &Db, number: &str) -> String {
        db.rows(&format!(
            "SELECT state FROM number_pool WHERE number = '{number}'"
        ))[0]["state"]
            .as_str()
            .unwrap()
            .to_owned()
    }

    #[test]
    fn an_upload_adds_each_number_once_per_product() {
        let mut db = Db::migrated();
        let up = read_pool("13800000001\n13800000002\n13800000001\n");
        assert_eq!(added(&db.batch(&add(P, &up.numbers, 1)).unwrap()), 2);
        assert_eq!(
            pool(&mut db, &["13800000002", "13800000003"]),
            1,
            "one was there"
        );
        let other: Vec<String> = vec!["13800000001".into()];
        assert_eq!(added(&db.batch(&add("2201", &other, 1)).unwrap()), 1);
    }

    #[test]
    fn of_two_attempts_racing_for_a_number_one_holds_it_until_it_runs_out() {
        let mut db = Db::migrated();
        pool(&mut db, &["13800000728", "13800000729"]);
        assert!(held(
            &db.batch(&hold(P, "13800000728", "attempt-a", 1_000))
                .unwrap()
        ));
        assert!(
            !held(
                &db.batch(&hold(P, "13800000728", "attempt-b", 1_001))
                    .unwrap()
            ),
            "the second attempt finds it held"
        );
        let all = Search::default();
        assert_eq!(free_now(&db, &all, 1_001), ["13800000729"]);
        // At the end of the quarter hour it is free again, for anyone.
        let end = 1_000 + HOLD_MS;
        assert_eq!(free_now(&db, &all, end - 1), ["13800000729"]);
        assert_eq!(free_now(&db, &all, end), ["13800000728", "13800000729"]);
        assert!(held(
            &db.batch(&hold(P, "13800000728", "attempt-b", end)).unwrap()
        ));
        // attempt-a's order comes too late: its hold is gone.
        assert!(
            db.run(&take(P, "13800000728", "attempt-a", "HK1", end + 1))
                .rows
                .is_empty()
        );
    }

    #[test]
    fn an_attempt_holds_one_number_choosing_again_lets_the_first_go() {
        let mut db = Db::migrated();
        pool(&mut db, &["13800000001", "13800000002"]);
        assert!(held(&db.batch(&hold(P, "13800000001", "a", 10)).unwrap()));
        assert!(held(&db.batch(&hold(P, "13800000002", "a", 20)).unwrap()));
        assert_eq!(state(&db, "13800000001"), "free");
        assert_eq!(state(&db, "13800000002"), "held");
    }

    #[test]
    fn the_choice_is_searched_by_ending_no_four_birthday_and_paged() {
        let mut db = Db::migrated();
        let mut numbers: Vec<String> = (0..30).map(|i| format!("138000010{i:02}")).collect();
        numbers.extend(["13800000728", "13800040728", "13800000230"].map(String::from));
        db.batch(&add(P, &numbers, 1)).unwrap();
        let search = |pairs: &[(&'static str, &'static str)]| {
            Search::from_pairs(pairs.iter().copied()).unwrap()
        };
        assert_eq!(
            free_now(&db, &search(&[("ending", "0728")]), 5),
            ["13800000728", "13800040728"]
        );
        assert_eq!(
            free_now(&db, &search(&[("ending", "0728"), ("no4", "1")]), 5),
            ["13800000728"]
        );
        let birthdays = free_now(&db, &search(&[("birthday", "1")]), 5);
        assert!(birthdays.contains(&"13800000728".to_owned()));
        assert!(
            !birthdays.contains(&"13800000230".to_owned()),
            "no 30 February"
        );
        assert!(birthdays.contains(&"13800001001".to_owned()), "1 October");
        let first: Vec<String> = free_now(&db, &Search::default(), 5)
            .into_iter()
            .take(PAGE as usize)
            .collect();
        assert_eq!(first.len(), 12);
        let after = search(&[("after", "13800001008")]);
        assert_eq!(free_now(&db, &after, 5)[0], "13800001009");
    }
}
