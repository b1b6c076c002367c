//! The catalogue, from D1 (`products`, seeded by a migration): an operator changes a product
//! with one SQL statement and no deploy. `GET /api/products` lists what is on sale.

use haoka_edge_core::sql::products as store;
use haoka_shared::product::{Catalogue, Product};

use crate::{error::AppError, http::Reply, platform::Platform};

/// Products on sale, in display order.
pub async fn on_sale(p: &impl Platform) -> Result<Vec<Product>, AppError> {
    let rows = p.rows(store::on_sale()).await?;
    Ok(rows.into_iter().map(Product::from).collect())
}

/// One product on sale, by its vendor id.
pub async fn find(p: &impl Platform, pid: &str) -> Result<Option<Product>, AppError> {
    let row = p.one(store::find(pid.trim())).await?;
    Ok(row.map(Product::from))
}

/// `GET /api/products`.
pub async fn get(p: &impl Platform) -> Result<Reply, AppError> {
    let body = Catalogue {
        products: on_sale(p).await?,
    };
    Reply::json(&body)
}
