//! The catalogue, from D1 (`products`, seeded by a migration): an operator changes a product
//! with one SQL statement and no deploy. `GET /api/products` lists what is on sale.

use haoka_edge_core::sql::products as store;
use haoka_shared::product::{Catalogue, Product};
use worker::{D1Database, Response};

use crate::{db::Run, error::AppError};

/// Products on sale, in display order.
pub async fn on_sale(db: &D1Database) -> Result<Vec<Product>, AppError> {
    let rows = db.rows(store::on_sale()).await?;
    Ok(rows.into_iter().map(Product::from).collect())
}

/// One product on sale, by its vendor id.
pub async fn find(db: &D1Database, pid: &str) -> Result<Option<Product>, AppError> {
    let row = db.one(store::find(pid.trim())).await?;
    Ok(row.map(Product::from))
}

/// `GET /api/products`.
pub async fn get(db: &D1Database) -> Result<Response, AppError> {
    let body = Catalogue {
        products: on_sale(db).await?,
    };
    Ok(Response::from_json(&body)?)
}
