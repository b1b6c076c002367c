//! Two cron passes that keep data where it should be: the **re-seal** moves sealed personal
//! data under the keyring's current key after a rotation (`crypto::SEALED_COLUMNS`, bounded
//! per pass, each row a compare-and-set so a concurrent write wins), and the **orphan sweep**
//! deletes R2 photos whose order or handoff is gone (`sweep`, walked in pages with the cursor
//! in `upkeep_cursors`).

use std::collections::HashSet;

use haoka_edge_core::{
    crypto::{SEALED_COLUMNS, SealedColumn},
    sweep::{self, Owner},
};
use serde::{Deserialize, Serialize};
use wasm_bindgen::JsValue;
use worker::{D1Database, Env, console_log, console_warn};

use crate::{
    config::{Config, DB, PHOTOS, random},
    error::AppError,
};

/// Rows one re-seal pass looks at per column (pages of [`RESEAL_PAGE`]).
const RESEAL_ROWS: usize = 500;
const RESEAL_PAGE: usize = 100;
/// Ids per `IN (…)` (D1 binds at most 100 parameters).
const IN_CHUNK: usize = 90;

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

#[derive(Deserialize)]
struct Sealed {
    id: String,
    v: String,
}

fn behind_clause(col: &SealedColumn) -> String {
    format!(
        "{c} IS NOT NULL AND {c} != '' AND substr({c}, 1, ?1) != ?2",
        c = col.column
    )
}

/// Move sealed values under the current key.
pub async fn reseal(env: &Env, cfg: &Config) -> Result<Resealed, AppError> {
    let db = env.d1(DB)?;
    let prefix = cfg.sealer.current_prefix();
    let plen = JsValue::from_f64(prefix.chars().count() as f64);
    let mut done = Resealed::default();
    for col in &SEALED_COLUMNS {
        let mut after = String::new();
        let mut seen = 0;
        while seen < RESEAL_ROWS {
            let rows = db
                .prepare(format!(
                    "SELECT id, {c} AS v FROM {t} WHERE {w} AND id > ?3 ORDER BY id LIMIT {RESEAL_PAGE}",
                    c = col.column,
                    t = col.table,
                    w = behind_clause(col)
                ))
                .bind(&[plen.clone(), prefix.as_str().into(), after.as_str().into()])?
                .all()
                .await?
                .results::<Sealed>()?;
            let Some(last) = rows.last() else { break };
            after.clone_from(&last.id);
            seen += rows.len();
            let mut updates = Vec::new();
            for row in &rows {
                let aad = col.aad_for(&row.id);
                match cfg
                    .sealer
                    .reseal(&aad, &row.v, col.plain_before, random::<12>()?)
                {
                    Ok(Some(new)) => updates.push(
                        db.prepare(format!(
                            "UPDATE {t} SET {c} = ?1 WHERE id = ?2 AND {c} = ?3",
                            t = col.table,
                            c = col.column
                        ))
                        .bind(&[
                            new.into(),
                            row.id.as_str().into(),
                            row.v.as_str().into(),
                        ])?,
                    ),
                    Ok(None) => {}
                    Err(e) => {
                        done.unreadable += 1;
                        console_warn!("reseal: {}.{} of {}: {e}", col.table, col.column, row.id);
                    }
                }
            }
            if !updates.is_empty() {
                for result in db.batch(updates).await? {
                    let changed = result.meta()?.and_then(|m| m.changes).unwrap_or(0);
                    done.moved += changed;
                }
            }
            if rows.len() < RESEAL_PAGE {
                break;
            }
        }
        #[derive(Deserialize)]
        struct Count {
            n: f64,
        }
        let left = db
            .prepare(format!(
                "SELECT COUNT(*) AS n FROM {t} WHERE {w}",
                t = col.table,
                w = behind_clause(col)
            ))
            .bind(&[plen.clone(), prefix.as_str().into()])?
            .first::<Count>(None)
            .await?
            .map_or(0.0, |c| c.n);
        done.behind += left as usize;
    }
    if done.moved > 0 || done.unreadable > 0 {
        console_log!(
            "reseal under {}: {} moved, {} unreadable, {} behind",
            cfg.sealer.current_id(),
            done.moved,
            done.unreadable,
            done.behind
        );
    }
    Ok(done)
}

/// Which of `ids` are live in `table` (`live_sql` is the condition beside the id).
async fn live_ids(
    db: &D1Database,
    table: &str,
    live_sql: &str,
    ids: &[&str],
) -> Result<HashSet<String>, AppError> {
    #[derive(Deserialize)]
    struct Id {
        id: String,
    }
    let mut live = HashSet::new();
    for chunk in ids.chunks(IN_CHUNK) {
        let marks: Vec<String> = (1..=chunk.len()).map(|i| format!("?{i}")).collect();
        let binds: Vec<JsValue> = chunk.iter().map(|id| JsValue::from_str(id)).collect();
        let rows = db
            .prepare(format!(
                "SELECT id FROM {table} WHERE id IN ({}){live_sql}",
                marks.join(", ")
            ))
            .bind(&binds)?
            .all()
            .await?
            .results::<Id>()?;
        live.extend(rows.into_iter().map(|r| r.id));
    }
    Ok(live)
}

/// Delete the photos in R2 whose order or handoff is gone (past the grace time); returns how
/// many objects.
pub async fn sweep_photos(env: &Env, cfg: &Config, now: i64) -> Result<usize, AppError> {
    let db = env.d1(DB)?;
    let bucket = env.bucket(PHOTOS)?;
    let mut deleted = 0;
    for (prefix, table, live_sql) in [
        (
            sweep::ORDER_PREFIX,
            "orders",
            " AND photos_expire_ms IS NOT NULL",
        ),
        (sweep::HANDOFF_PREFIX, "handoffs", ""),
    ] {
        let cursor_name = format!("sweep:{prefix}");
        let start = db
            .prepare("SELECT value FROM upkeep_cursors WHERE name = ?1")
            .bind(&[cursor_name.as_str().into()])?
            .first::<String>(Some("value"))
            .await?
            .unwrap_or_default();
        let mut list = bucket.list().prefix(prefix).limit(sweep::SWEEP_PAGE);
        if !start.is_empty() {
            list = list.start_after(start);
        }
        let page = list.execute().await?;
        let objects = page.objects();
        let listed: Vec<(String, i64)> = objects
            .iter()
            .map(|o| {
                (
                    o.key(),
                    i64::try_from(o.uploaded().as_millis()).unwrap_or(0),
                )
            })
            .collect();
        let owners: Vec<&str> = listed
            .iter()
            .filter_map(|(k, _)| sweep::owner(k).map(Owner::id))
            .collect::<HashSet<_>>()
            .into_iter()
            .collect();
        let live = live_ids(&db, table, live_sql, &owners).await?;
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
            console_log!(
                "sweep: {} orphan photo object(s) under {prefix} deleted",
                orphans.len()
            );
            deleted += orphans.len();
            bucket.delete_multiple(orphans).await?;
        }
        let next = sweep::next_start(listed.last().map(|(k, _)| k.as_str()), page.truncated());
        db.prepare(
            "INSERT INTO upkeep_cursors (name, value) VALUES (?1, ?2) \
             ON CONFLICT (name) DO UPDATE SET value = excluded.value",
        )
        .bind(&[cursor_name.as_str().into(), next.into()])?
        .run()
        .await?;
    }
    Ok(deleted)
}
