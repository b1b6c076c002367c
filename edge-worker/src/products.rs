//! The catalogue, from D1 (`products`, seeded by a migration): an operator changes a product
//! with one SQL statement and no deploy. `GET /api/products` lists what is on sale.

use haoka_shared::product::{Carrier, Catalogue, FirstMonth, Product, Terms};
use worker::{D1Database, Response};

use crate::{
    db::products::{self as store, ProductRow as Row},
    error::AppError,
};

/// A comma-separated column (either comma) as its trimmed, non-empty items.
fn list(column: &str) -> Vec<String> {
    column
        .split([',', '，'])
        .map(str::trim)
        .filter(|k| !k.is_empty())
        .map(str::to_owned)
        .collect()
}

impl From<Row> for Product {
    fn from(r: Row) -> Product {
        let small = |v: i64| u32::try_from(v).unwrap_or(0);
        Product {
            pid: r.pid,
            name_zh: r.name_zh,
            name_en: r.name_en,
            monthly_fen: small(r.monthly_fen),
            needs_photos: r.needs_photos != 0,
            needs_phone3: r.needs_phone3 != 0,
            min_age: small(r.min_age),
            max_age: small(r.max_age),
            deny_keywords: list(&r.deny_keywords),
            terms: Terms {
                carrier: Carrier::parse(&r.carrier),
                general_gb: small(r.general_gb),
                targeted_gb: small(r.targeted_gb),
                call_minutes: small(r.call_minutes),
                first_month: FirstMonth::parse(&r.first_month),
                promo_months: small(r.promo_months),
                excluded_provinces: list(&r.excluded_provinces),
                description_zh: r.description_zh,
                description_en: r.description_en,
            },
        }
    }
}

/// Products on sale, in display order.
pub async fn on_sale(db: &D1Database) -> Result<Vec<Product>, AppError> {
    let rows = store::on_sale(db).await?;
    Ok(rows.into_iter().map(Product::from).collect())
}

/// One product on sale, by its vendor id.
pub async fn find(db: &D1Database, pid: &str) -> Result<Option<Product>, AppError> {
    let row = store::find(db, pid.trim()).await?;
    Ok(row.map(Product::from))
}

/// `GET /api/products`.
pub async fn get(db: &D1Database) -> Result<Response, AppError> {
    let body = Catalogue {
        products: on_sale(db).await?,
    };
    Ok(Response::from_json(&body)?)
}
