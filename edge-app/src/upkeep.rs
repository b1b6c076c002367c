//! Two cron passes that keep data where it should be: the **re-seal** moves sealed personal
//! data under the keyring's current key after a rotation (`crypto::SEALED_COLUMNS`, bounded
//! per pass, each row a compare-and-set so a concurrent write wins), and the **orphan sweep**
//! deletes R2 photos whose order or handoff is gone (`sweep`, walked in pages with the cursor
//! in `upkeep_cursors`).

use std::collections::HashSet;

use haoka_edge_core::{
    crypto::SEALED_COLUMNS,
    sql::upkeep::{self as sql, PhotoOwners, Resealing},
    sweep::{self, Owner},
};
use serde::Serialize;

use crate::{
    Config,
    error::AppError,
    platform::{Platform, random},
};

/// Rows one re-seal pass looks at per column (pages of [`RESEAL_PAGE`]).
const RESEAL_ROWS: usize = 500;
const RESEAL_PAGE: usize = 100;

/// What the re-seal pass did.
#[derive(Debug, Default, Serialize)]
pub struct Resealed {
    /// Values moved under the current key.
    pub moved: usize,
    /// Values no key of the ring opens (a key dropped before the re-seal finished: put it
    /// back in `PII_KEYS`). Logged by column and row id, never by value.
    pub unreadable: usize,
    /// Values still under an older key after this pass (0: the old keys can go).
    pub behind: usize,
}

/// Move sealed values under the current key.
pub async fn reseal(p: &impl Platform, cfg: &Config) -> Result<Resealed, AppError> {
    let prefix = cfg.sealer.current_prefix();
    let mut done = Resealed::default();
    for col in &SEALED_COLUMNS {
        let mut after = String::new();
        let mut seen = 0;
        while seen < RESEAL_ROWS {
            let rows = p
                .rows(sql::behind_page(col, &prefix, &after, RESEAL_PAGE))
                .await?;
            let Some(last) = rows.last() else { break };
            after.clone_from(&last.id);
            seen += rows.len();
            let mut updates = Vec::new();
            for row in &rows {
                let aad = col.aad_for(&row.id);
                match cfg
                    .sealer
                    .reseal(&aad, &row.v, col.plain_before, random::<12>(p)?)
                {
                    Ok(Some(new)) => updates.push(Resealing {
                        id: &row.id,
                        old: &row.v,
                        new,
                    }),
                    Ok(None) => {}
                    Err(e) => {
                        done.unreadable += 1;
                        crate::warn!(p, "reseal: {}.{} of {}: {e}", col.table, col.column, row.id);
                    }
                }
            }
            let writes = sql::reseal(col, &updates);
            if !writes.is_empty() {
                done.moved += sql::moved(&p.atomically(writes).await?);
            }
            if rows.len() < RESEAL_PAGE {
                break;
            }
        }
        done.behind += sql::behind(p.one(sql::count_behind(col, &prefix)).await?);
    }
    if done.moved > 0 || done.unreadable > 0 {
        crate::info!(
            p,
            "reseal under {}: {} moved, {} unreadable, {} behind",
            cfg.sealer.current_id(),
            done.moved,
            done.unreadable,
            done.behind
        );
    }
    Ok(done)
}

/// Delete the photos in R2 whose order or handoff is gone (past the grace time); returns how
/// many objects.
pub async fn sweep_photos(p: &impl Platform, cfg: &Config, now: i64) -> Result<usize, AppError> {
    let mut deleted = 0;
    for (prefix, owners) in [
        (sweep::ORDER_PREFIX, PhotoOwners::Orders),
        (sweep::HANDOFF_PREFIX, PhotoOwners::Handoffs),
    ] {
        let cursor_name = format!("sweep:{prefix}");
        let start = p
            .one(sql::cursor(&cursor_name))
            .await?
            .map(|c| c.value)
            .unwrap_or_default();
        let page = p.list_objects(prefix, &start, sweep::SWEEP_PAGE).await?;
        // A full page may have more after it (the platform's listing has no `truncated`).
        let truncated = page.len() >= sweep::SWEEP_PAGE as usize;
        let listed: Vec<(String, i64)> = page.into_iter().map(|o| (o.key, o.uploaded_ms)).collect();
        let ids: Vec<&str> = listed
            .iter()
            .filter_map(|(k, _)| sweep::owner(k).map(Owner::id))
            .collect::<HashSet<_>>()
            .into_iter()
            .collect();
        let mut live = HashSet::new();
        for q in sql::live_ids(owners, &ids) {
            live.extend(p.rows(q).await?.into_iter().map(|r| r.id));
        }
        let orphans: Vec<String> = listed
            .iter()
            .filter(|(key, uploaded)| {
                sweep::owner(key).is_some_and(|o| {
                    let live = live.contains(o.id());
                    sweep::is_orphan(*uploaded, now, live, cfg.orphan_grace_ms)
                })
            })
            .map(|(k, _)| k.clone())
            .collect();
        if !orphans.is_empty() {
            crate::info!(
                p,
                "sweep: {} orphan photo object(s) under {prefix} deleted",
                orphans.len()
            );
            deleted += orphans.len();
            p.delete_objects(orphans).await?;
        }
        let next = sweep::next_start(listed.last().map(|(k, _)| k.as_str()), truncated);
        p.run(sql::set_cursor(&cursor_name, &next)).await?;
    }
    Ok(deleted)
}
