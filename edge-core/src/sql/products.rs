//! The catalogue (`products`, seeded by a migration; an operator changes a product with one
//! SQL statement and no deploy). Read only.

use haoka_shared::product::{Carrier, FirstMonth, Product, Terms};
use serde::Deserialize;

use super::{Query, Stmt};

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
pub fn on_sale() -> Query<ProductRow> {
    Stmt::new(
        format!("SELECT {COLUMNS} FROM products WHERE active = 1 ORDER BY sort, pid"),
        [],
    )
    .rows()
}

/// One product on sale, by its vendor id (as given: the caller trims it).
pub fn find(pid: &str) -> Query<ProductRow> {
    Stmt::new(
        format!("SELECT {COLUMNS} FROM products WHERE active = 1 AND pid = ?1"),
        [pid.into()],
    )
    .rows()
}

/// A comma-separated column (either comma) as its trimmed, non-empty items.
fn list(column: &str) -> Vec<String> {
    column
        .split([',', '，'])
        .map(str::trim)
        .filter(|k| !k.is_empty())
        .map(str::to_owned)
        .collect()
}

impl From<ProductRow> for Product {
    fn from(r: ProductRow) -> Product {
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

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use crate::sql::sqlite::Db;

    #[test]
    fn the_seeded_catalogue_reads_in_display_order_and_a_product_off_sale_is_gone() {
        let db = Db::migrated();
        let on = db.all(&on_sale());
        assert!(on.len() >= 2, "the migrations seed the catalogue");
        let first = on[0].pid.clone();
        let found = db.first(&find(&first)).unwrap();
        assert_eq!(found.name_zh, on[0].name_zh);
        let product = Product::from(found);
        assert_eq!(product.pid, first);
        assert!(product.min_age > 0 && product.max_age >= product.min_age);
        assert!(db.first(&find("no-such-pid")).is_none());
        db.exec(&format!(
            "UPDATE products SET active = 0 WHERE pid = '{first}'"
        ));
        assert!(db.first(&find(&first)).is_none());
        assert!(db.all(&on_sale()).iter().all(|p| p.pid != first));
    }
}
