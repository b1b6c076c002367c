//! D1: the budgets' fixed-window counters (`rate_limits`), keyed by keyed hashes only. Each
//! bucket is bumped by one atomic upsert (`INSERT … ON CONFLICT (bucket) DO UPDATE SET hits =
//! hits + 1 RETURNING hits`), so parallel calls all count and each sees its own count.

use haoka_edge_core::budget::Bucket;
use serde::Deserialize;
use worker::D1Database;

use super::int;
use crate::error::AppError;

/// Bump every bucket once, in one batch; each bucket's count after the bump.
pub async fn bump(db: &D1Database, buckets: &[Bucket]) -> Result<Vec<i64>, AppError> {
    if buckets.is_empty() {
        return Ok(vec![]);
    }
    let mut statements = Vec::with_capacity(buckets.len());
    for b in buckets {
        statements.push(
            db.prepare(
                "INSERT INTO rate_limits (bucket, hits, expires_ms) VALUES (?1, 1, ?2) \
                 ON CONFLICT (bucket) DO UPDATE SET hits = hits + 1 RETURNING hits",
            )
            .bind(&[b.key.as_str().into(), int(b.expires_ms)])?,
        );
    }
    let mut hits = Vec::with_capacity(buckets.len());
    for result in db.batch(statements).await? {
        #[derive(Deserialize)]
        struct Hits {
            hits: i64,
        }
        let row = result.results::<Hits>()?.into_iter().next();
        hits.push(row.map_or(0, |h| h.hits));
    }
    Ok(hits)
}
