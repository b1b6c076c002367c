//! The reconciler, run by the Cron trigger: re-enqueue work that is due (unknown-outcome
//! resends, pre-checks and `getimg` waiting for a retry, orders whose queue message was lost),
//! purge photos past their retention and expired photo handoffs, list orders stuck in 待确认
//! for an operator, write the audit chain's head (a checkpoint in D1, the sealed head in R2),
//! sweep orphan photos and re-seal personal data under the current key (`upkeep`), and drop
//! expired rate-limit and pre-check rows and console sessions.

use haoka_edge_core::sql::{self, upkeep::Expiry};
use serde::Serialize;

use crate::{Config, error::AppError, handoff, jobs, platform::Platform};

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
async fn purge_orders(p: &impl Platform, cfg: &Config, now: i64) -> Result<usize, AppError> {
    let doomed = p
        .rows(sql::orders::purgeable(now - cfg.order_records_ms))
        .await?;
    p.atomically(sql::orders::purge(&doomed, now - cfg.vendor_callbacks_ms))
        .await?;
    let deleted = doomed.len();
    if deleted > 0 {
        crate::info!(p, "retention: {deleted} ended orders deleted");
    }
    Ok(deleted)
}

/// One reconciler pass.
pub async fn run(p: &impl Platform, cfg: &Config) -> Result<Report, AppError> {
    let now = p.now_ms();
    // The states come from the steps' own table (`orders::work_for`), never spelled here.
    let due = sql::orders::ids(p.rows(sql::orders::due(now)).await?);
    for id in &due {
        jobs::enqueue(p, id, 0).await;
    }
    // By the purge time alone, not the flag (see `photos_expired`).
    let expired = sql::orders::ids(p.rows(sql::orders::photos_expired(now)).await?);
    for id in &expired {
        jobs::forget_photos(p, id).await?;
    }
    let handoffs_purged = handoff::purge(p, now).await?;
    let orphans_deleted = crate::upkeep::sweep_photos(p, cfg, now).await?;
    let resealed = crate::upkeep::reseal(p, cfg).await?;
    let orders_purged = purge_orders(p, cfg, now).await?;
    let checks_settled = crate::checks::poll(p, cfg).await?;
    let purged = crate::checks::purge(p, cfg, now).await?;
    // After the purge (its own entry included): the chain head, sealed, to D1 and R2.
    crate::audit::checkpoint(p, &cfg.audit_key).await?;
    let stuck = sql::orders::ids(
        p.rows(sql::orders::unconfirmed_since(
            now - cfg.unconfirmed_alert_ms,
        ))
        .await?,
    );
    if !stuck.is_empty() {
        let ids: Vec<&str> = stuck.iter().map(String::as_str).collect();
        crate::warn!(
            p,
            "{} order(s) awaiting confirmation for over {} min, settle at /api/admin/orders?state=unconfirmed: {}",
            ids.len(),
            cfg.unconfirmed_alert_ms / 60_000,
            ids.join(",")
        );
    }
    // Console sessions past either lifetime go too (they are refused anyway; this forgets
    // them).
    p.atomically(sql::upkeep::drop_expired(&Expiry {
        now,
        passes_before: now - 24 * 3_600_000,
        idle_before: now - cfg.session_life.idle_ms,
        created_before: now - cfg.session_life.absolute_ms,
    }))
    .await?;
    crate::info!(
        p,
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
        unconfirmed: stuck,
        resealed,
        orphans_deleted,
    })
}
