//! D1: what the money view reads — check prices, the spend of a month grouped three ways
//! (the verdicts counted as judged come from `console::reports::JUDGED`), and a month's
//! checks for the export.

use haoka_edge_core::console::reports::{ExportRow, JUDGED, PASSED};
use haoka_shared::api::console::SpendRow;
use serde::Deserialize;
use worker::D1Database;

use super::int;
use crate::error::AppError;

/// Every stored price: check name and fen.
pub async fn prices(db: &D1Database) -> Result<Vec<(String, i64)>, AppError> {
    #[derive(Deserialize)]
    struct Row {
        check_name: String,
        fen: i64,
    }
    Ok(db
        .prepare("SELECT check_name, fen FROM check_prices")
        .all()
        .await?
        .results::<Row>()?
        .into_iter()
        .map(|r| (r.check_name, r.fen))
        .collect())
}

/// Set the price of `check`.
pub async fn set_price(db: &D1Database, check: &str, fen: i64) -> Result<(), AppError> {
    db.prepare(
        "INSERT INTO check_prices (check_name, fen) VALUES (?1, ?2) \
         ON CONFLICT (check_name) DO UPDATE SET fen = excluded.fen",
    )
    .bind(&[check.into(), int(fen)])?
    .run()
    .await?;
    Ok(())
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
pub async fn spend(
    db: &D1Database,
    by: Group,
    from: i64,
    to: i64,
    store: Option<&str>,
) -> Result<Vec<SpendRow>, AppError> {
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
    let mut binds = vec![int(from), int(to)];
    if let Some(store) = store {
        binds.push(store.into());
    }
    Ok(db
        .prepare(&sql)
        .bind(&binds)?
        .all()
        .await?
        .results::<SpendRow>()?)
}

/// The checks run in `[from, to)`, oldest first, at most 10000.
pub async fn month_checks(db: &D1Database, from: i64, to: i64) -> Result<Vec<ExportRow>, AppError> {
    Ok(db
        .prepare(
            "SELECT id, agent, store, check_name, state, verdict, via, cost_fen, case_id, \
             inputs_masked, created_at_ms FROM checks WHERE created_at_ms >= ?1 AND created_at_ms < ?2 \
             ORDER BY created_at_ms LIMIT 10000",
        )
        .bind(&[int(from), int(to)])?
        .all()
        .await?
        .results::<ExportRow>()?)
}
