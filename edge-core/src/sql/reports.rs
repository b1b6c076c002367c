//! What the money view reads: check prices, the spend of a month grouped three ways (the
//! verdicts counted as judged come from `console::reports::JUDGED`), and a month's checks for
//! the export.

use haoka_shared::api::console::SpendRow;
use serde::Deserialize;

use super::{Arg, Query, Stmt};
use crate::console::reports::{ExportRow, JUDGED, PASSED};

/// A stored price.
#[derive(Debug, Deserialize)]
pub struct PriceRow {
    /// Check name.
    pub check_name: String,
    /// Fen.
    pub fen: i64,
}

/// Every stored price.
pub fn prices() -> Query<PriceRow> {
    Stmt::new("SELECT check_name, fen FROM check_prices", []).rows()
}

/// Set the price of `check`.
pub fn set_price(check: &str, fen: i64) -> Stmt {
    Stmt::new(
        "INSERT INTO check_prices (check_name, fen) VALUES (?1, ?2) \
         ON CONFLICT (check_name) DO UPDATE SET fen = excluded.fen",
        [check.into(), fen.into()],
    )
}

/// How a spend report groups the checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Group {
    /// Per agent (and their store).
    Agent,
    /// Per store.
    Store,
    /// Per check.
    Check,
}

impl Group {
    fn columns(self) -> &'static str {
        match self {
            Group::Agent => "agent, store",
            Group::Store => "store",
            Group::Check => "check_name",
        }
    }
}

/// `('match','mismatch',…)`: the judged verdicts as an SQL list (plain words, checked by a
/// test in the core).
fn judged_list() -> String {
    let names: Vec<String> = JUDGED.iter().map(|v| format!("'{}'", v.as_str())).collect();
    format!("({})", names.join(","))
}

/// Checks run in `[from, to)` (of `store` only, when given), grouped by `by`, most spent
/// first, at most 500 groups; rows without their pass rate.
pub fn spend(by: Group, from: i64, to: i64, store: Option<&str>) -> Query<SpendRow> {
    let columns = by.columns();
    let store_clause = if store.is_some() {
        " AND store = ?3"
    } else {
        ""
    };
    let sql = format!(
        "SELECT {columns}, COUNT(*) AS checks, SUM(cost_fen) AS fen, \
         SUM(CASE WHEN verdict = '{passed}' THEN 1 ELSE 0 END) AS passed, \
         SUM(CASE WHEN verdict IN {judged} THEN 1 ELSE 0 END) AS judged, \
         SUM(CASE WHEN via = 'reuse' THEN 1 ELSE 0 END) AS reused \
         FROM checks WHERE created_at_ms >= ?1 AND created_at_ms < ?2{store_clause} \
         GROUP BY {columns} ORDER BY fen DESC, checks DESC LIMIT 500",
        passed = PASSED.as_str(),
        judged = judged_list(),
    );
    let mut args: Vec<Arg> = vec![from.into(), to.into()];
    if let Some(store) = store {
        args.push(store.into());
    }
    Stmt::new(sql, args).rows()
}

/// The checks run in `[from, to)`, oldest first, at most 10000.
pub fn month_checks(from: i64, to: i64) -> Query<ExportRow> {
    Stmt::new(
        "SELECT id, agent, store, check_name, state, verdict, via, cost_fen, case_id, \
         inputs_masked, created_at_ms FROM checks WHERE created_at_ms >= ?1 AND created_at_ms < ?2 \
         ORDER BY created_at_ms LIMIT 10000",
        [from.into(), to.into()],
    )
    .rows()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use crate::sql::sqlite::Db;

    /// A settled check: id, agent, store, verdict, via, fen, run at.
    type Ran<'a> = (&'a str, &'a str, &'a str, &'a str, &'a str, i64, i64);

    fn check(db: &Db, (id, agent, store, verdict, via, fen, at): Ran<'_>) {
        db.exec(&format!(
            "INSERT INTO checks (id, agent, store, check_name, inputs_enc, inputs_masked, question_hash, \
             consent_version, state, verdict, via, cost_fen, created_at_ms) VALUES ('{id}', '{agent}', \
             '{store}', 'namecheck', '', '{{}}', 'q{id}', 'v1', 'settled', '{verdict}', '{via}', {fen}, {at})"
        ));
    }

    #[test]
    fn prices_are_set_and_replaced() {
        let db = Db::migrated();
        db.run(&set_price("namecheck", 35));
        db.run(&set_price("brandnew", 7));
        let all = db.all(&prices());
        let fen = |n: &str| all.iter().find(|p| p.check_name == n).map(|p| p.fen);
        assert_eq!((fen("namecheck"), fen("brandnew")), (Some(35), Some(7)));
    }

    #[test]
    fn spend_groups_counts_passes_and_reuse_within_the_month_and_store() {
        let db = Db::migrated();
        check(&db, ("CK1", "li", "north", "match", "realme", 30, 1_000));
        check(&db, ("CK2", "li", "north", "mismatch", "realme", 30, 2_000));
        check(&db, ("CK3", "li", "north", "match", "reuse", 0, 3_000));
        check(&db, ("CK4", "wang", "south", "match", "realme", 30, 4_000));
        check(&db, ("CK5", "wang", "south", "match", "realme", 30, 9_000)); // next month
        let rows = db.all(&spend(Group::Agent, 0, 5_000, None));
        assert_eq!(rows.len(), 2);
        let li = rows
            .iter()
            .find(|r| r.agent.as_deref() == Some("li"))
            .unwrap();
        assert_eq!(
            (li.checks, li.fen, li.passed, li.judged, li.reused),
            (3, 60, 2, 3, 1)
        );
        let south = db.all(&spend(Group::Store, 0, 5_000, Some("south")));
        assert_eq!(south.len(), 1);
        assert_eq!((south[0].checks, south[0].fen), (1, 30));
        let by_check = db.all(&spend(Group::Check, 0, 10_000, None));
        assert_eq!(by_check[0].checks, 5);
        let month: Vec<String> = db
            .all(&month_checks(0, 5_000))
            .into_iter()
            .map(|r| r.id)
            .collect();
        assert_eq!(month, ["CK1", "CK2", "CK3", "CK4"]);
    }
}
