//! `POST /api/console/numbers`: an admin loads a product's 选号 pool from a CSV (one number
//! per line, or the first column). Each line is checked by the shared mobile validator
//! (`haoka_edge_core::numbers::read_pool`); repeats and non-numbers come back in a report,
//! numbers the pool has are left as they are (free, held or sold), the rest are added. Audited.

use haoka_edge_core::{auth::Permission, numbers, sql::numbers as sql};
use haoka_shared::{
    api::console::{PoolLineRefused, PoolUploadRequest, PoolUploaded},
    refusal::Refusal,
};

use crate::{
    Config, audit,
    body::read_json,
    console,
    error::AppError,
    http::{Incoming, Reply},
    platform::Platform,
    products,
};

/// The largest upload (about 10,000 lines).
const UPLOAD_MAX: usize = 128 * 1024;
/// Numbers added per batch.
const CHUNK: usize = 500;

/// `POST /api/console/numbers {product, csv}` (admins).
pub async fn upload(req: &Incoming, p: &impl Platform, cfg: &Config) -> Result<Reply, AppError> {
    let who = console::actor_for_change(req, p, cfg).await?;
    console::require(p, cfg, req, &who, Permission::Administer).await?;
    let body: PoolUploadRequest = read_json(p, UPLOAD_MAX).await?;
    let Some(product) = products::find(p, &body.product).await? else {
        return Err(Refusal::UnknownProduct.into());
    };
    let read = numbers::read_pool(&body.csv);
    let mut added = 0;
    for chunk in read.numbers.chunks(CHUNK) {
        let done = p
            .atomically(sql::add(&product.pid, chunk, p.now_ms()))
            .await?;
        added += sql::added(&done);
    }
    let report = PoolUploaded {
        added,
        already: read.numbers.len() - added,
        refused: read
            .refused
            .into_iter()
            .map(|(line, text, why)| {
                let (zh, en) = why.words();
                PoolLineRefused {
                    line,
                    text,
                    reason_zh: zh.to_owned(),
                    reason_en: en.to_owned(),
                }
            })
            .collect(),
    };
    audit::append(
        p,
        &cfg.audit_key,
        &who.username,
        "number_pool_upload",
        &product.pid,
        &format!(
            "added={} already={} refused={}",
            report.added,
            report.already,
            report.refused.len()
        ),
    )
    .await?;
    Reply::json(&report)
}
