//! The reconciler, run by the Cron trigger: re-enqueue work that is due (unknown-outcome
//! resends, pre-checks and `getimg` waiting for a retry, orders whose queue message was lost),
//! purge photos past their retention and expired photo handoffs, list orders stuck in 待确认
//! for an operator, write the audit chain's head (a checkpoint in D1, the sealed head in R2),
//! sweep orphan photos and re-seal personal data under the current key (`upkeep`), and drop
//! expired rate-limit and pre-check rows and console sessions.

use serde::{Deserialize, Serialize};
use worker::{Env, console_log, console_warn};

use crate::{
    config::{Config, DB, now_ms},
    db::int,
    error::AppError,
    handoff, jobs,
};

#[derive(Deserialize)]
struct Id {
    id: String,
}

/// What one pass did.
#[derive(Debug, Serialize)]
pub struct Report {
    /// Orders re-enqueued because work on them was due.
    pub due: usize,
    /// Orders whose photos were purged.
    pub photos_purged: usize,
    /// Expired photo handoffs deleted with their photos.
    pub handoffs_purged: usize,
    /// Ended orders past their retention, deleted with their events and callbacks.
    pub orders_purged: usize,
    /// Pending identity checks settled by polling `checkresult`.
    pub checks_settled: usize,
    /// Checks, cases and audit entries past their retention time.
    pub purged: crate::checks::Purged,
    /// Orders waiting in 待确认 past the alert time.
    pub unconfirmed: Vec<String>,
    /// Sealed values moved under the current PII key (and how many are left behind).
    pub resealed: crate::upkeep::Resealed,
    /// R2 photo objects deleted because their order or handoff was gone.
    pub orphans_deleted: usize,
}

/// Ended orders past `ORDER_RECORDS_DAYS` go with their events and callbacks (at most 200 a
/// pass), and raw callbacks past `VENDOR_CALLBACKS_DAYS` in any case. The ended states are
/// bound from `OrderState::is_terminal`, never spelled here. Returns the orders deleted.
async fn purge_orders(env: &Env, cfg: &Config, now: i64) -> Result<usize, AppError> {
    let db = env.d1(DB)?;
    let ended: Vec<&str> = haoka_shared::lifecycle::ALL_STATES
        .iter()
        .filter(|s| s.is_terminal())
        .map(|s| s.as_str())
        .collect();
    let marks: Vec<String> = (0..ended.len()).map(|i| format!("?{}", i + 2)).collect();
    let mut binds = vec![int(now - cfg.order_records_ms)];
    binds.extend(ended.iter().map(|s| wasm_bindgen::JsValue::from_str(s)));
    let doomed = db
        .prepare(format!(
            "SELECT id FROM orders WHERE updated_at_ms < ?1 AND state IN ({}) \
             AND photos_expire_ms IS NULL LIMIT 200",
            marks.join(", ")
        ))
        .bind(&binds)?
        .all()
        .await?
        .results::<Id>()?;
    let mut statements = Vec::with_capacity(doomed.len() * 3 + 1);
    for o in &doomed {
        for sql in [
            "DELETE FROM order_events WHERE order_id = ?1",
            "DELETE FROM vendor_callbacks WHERE order_id = ?1",
            "DELETE FROM orders WHERE id = ?1",
        ] {
            statements.push(db.prepare(sql).bind(&[o.id.as_str().into()])?);
        }
    }
    statements.push(
        db.prepare("DELETE FROM vendor_callbacks WHERE received_ms < ?1")
            .bind(&[int(now - cfg.vendor_callbacks_ms)])?,
    );
    db.batch(statements).await?;
    if !doomed.is_empty() {
        console_log!("retention: {} ended orders deleted", doomed.len());
    }
    Ok(doomed.len())
}

/// One reconciler pass.
pub async fn run(env: &Env, cfg: &Config) -> Result<Report, AppError> {
    let db = env.d1(DB)?;
    let now = now_ms();
    // The states come from the steps' own table (`orders::work_for`), never spelled here.
    let (always, with_photos) = haoka_edge_core::orders::states_with_work();
    let marks = |from: usize, n: usize| {
        (from..from + n)
            .map(|i| format!("?{i}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let mut binds = vec![int(now)];
    binds.extend(
        always
            .iter()
            .chain(&with_photos)
            .map(|s| wasm_bindgen::JsValue::from_str(s)),
    );
    let due = db
        .prepare(format!(
            "SELECT id FROM orders WHERE next_try_ms <= ?1 \
             AND (lease_until_ms IS NULL OR lease_until_ms < ?1) \
             AND (state IN ({}) OR (state IN ({}) AND photos = 1)) \
             ORDER BY next_try_ms LIMIT 100",
            marks(2, always.len()),
            marks(2 + always.len(), with_photos.len()),
        ))
        .bind(&binds)?
        .all()
        .await?
        .results::<Id>()?;
    for o in &due {
        jobs::enqueue(env, &o.id, 0).await;
    }
    let expired = db
        // By the purge time alone, not the flag: it is written before the first object, so
        // objects left by a put that failed half-way are purged too.
        .prepare("SELECT id FROM orders WHERE photos_expire_ms < ?1 LIMIT 100")
        .bind(&[int(now)])?
        .all()
        .await?
        .results::<Id>()?;
    for o in &expired {
        jobs::forget_photos(env, &o.id).await?;
    }
    let handoffs_purged = handoff::purge(env, now).await?;
    let orphans_deleted = crate::upkeep::sweep_photos(env, cfg, now).await?;
    let resealed = crate::upkeep::reseal(env, cfg).await?;
    let orders_purged = purge_orders(env, cfg, now).await?;
    let checks_settled = crate::checks::poll(env, cfg).await?;
    let purged = crate::checks::purge(env, cfg, now).await?;
    // After the purge (its own entry included): the chain head, sealed, to D1 and R2.
    crate::audit::checkpoint(env, &db, &cfg.audit_key).await?;
    let stuck = db
        .prepare("SELECT id FROM orders WHERE state = ?2 AND updated_at_ms < ?1 LIMIT 100")
        .bind(&[
            int(now - cfg.unconfirmed_alert_ms),
            haoka_shared::lifecycle::OrderState::Unconfirmed
                .as_str()
                .into(),
        ])?
        .all()
        .await?
        .results::<Id>()?;
    if !stuck.is_empty() {
        let ids: Vec<&str> = stuck.iter().map(|o| o.id.as_str()).collect();
        console_warn!(
            "{} order(s) awaiting confirmation for over {} min, settle at /api/admin/orders?state=unconfirmed: {}",
            ids.len(),
            cfg.unconfirmed_alert_ms / 60_000,
            ids.join(",")
        );
    }
    db.batch(vec![
        db.prepare("DELETE FROM rate_limits WHERE expires_ms < ?1")
            .bind(&[int(now)])?,
        db.prepare("DELETE FROM audit_once WHERE expires_ms < ?1")
            .bind(&[int(now)])?,
        db.prepare("DELETE FROM identity_checks WHERE passed_ms < ?1")
            .bind(&[int(now - 24 * 3_600_000)])?,
        // Console sessions past either lifetime (they are refused anyway; this forgets them).
        db.prepare("DELETE FROM sessions WHERE seen_ms < ?1 OR created_ms < ?2")
            .bind(&[
                int(now - cfg.session_life.idle_ms),
                int(now - cfg.session_life.absolute_ms),
            ])?,
    ])
    .await?;
    console_log!(
        "reconcile: {} due re-enqueued, {} photo sets purged, {} handoffs purged, {} unconfirmed listed",
        due.len(),
        expired.len(),
        handoffs_purged,
        stuck.len()
    );
    Ok(Report {
        due: due.len(),
        photos_purged: expired.len(),
        handoffs_purged,
        orders_purged,
        checks_settled,
        purged,
        unconfirmed: stuck.into_iter().map(|o| o.id).collect(),
        resealed,
        orphans_deleted,
    })
}
