//! D1: the catalogue (`products`, seeded by a migration; an operator changes a product with
//! one SQL statement and no deploy). Read only.

use serde::Deserialize;
use worker::D1Database;

use crate::error::AppError;

/// One row of `products`, as read.
#[derive(Deserialize)]
pub struct ProductRow {
    /// Vendor product id.
    pub pid: String,
    /// Chinese name.
    pub name_zh: String,
    /// English name.
    pub name_en: String,
    /// Monthly fee, fen.
    pub monthly_fen: i64,
    /// 1 for 三照 products.
    pub needs_photos: i64,
    /// 1 when the pre-check also runs phone three-factor.
    pub needs_phone3: i64,
    /// Youngest age allowed.
    pub min_age: i64,
    /// Oldest age allowed.
    pub max_age: i64,
    /// Comma-separated words refused in addresses.
    pub deny_keywords: String,
    /// Carrier name.
    pub carrier: String,
    /// General data, GB.
    pub general_gb: i64,
    /// Targeted data, GB.
    pub targeted_gb: i64,
    /// Call minutes.
    pub call_minutes: i64,
    /// How the first month is billed.
    pub first_month: String,
    /// Months at the promotional price.
    pub promo_months: i64,
    /// Comma-separated provinces it is not sold in.
    pub excluded_provinces: String,
    /// Chinese description.
    pub description_zh: String,
    /// English description.
    pub description_en: String,
}

const COLUMNS: &str = "pid, name_zh, name_en, monthly_fen, needs_photos, needs_phone3, min_age, max_age, deny_keywords, \
    carrier, general_gb, targeted_gb, call_minutes, first_month, promo_months, excluded_provinces, \
    description_zh, description_en";

/// Products on sale, in display order.
pub async fn on_sale(db: &D1Database) -> Result<Vec<ProductRow>, AppError> {
    Ok(db
        .prepare(format!(
            "SELECT {COLUMNS} FROM products WHERE active = 1 ORDER BY sort, pid"
        ))
        .all()
        .await?
        .results::<ProductRow>()?)
}

/// One product on sale, by its vendor id (as given: the caller trims it).
pub async fn find(db: &D1Database, pid: &str) -> Result<Option<ProductRow>, AppError> {
    Ok(db
        .prepare(format!(
            "SELECT {COLUMNS} FROM products WHERE active = 1 AND pid = ?1"
        ))
        .bind(&[pid.into()])?
        .first::<ProductRow>(None)
        .await?)
}
