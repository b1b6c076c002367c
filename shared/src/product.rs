//! The product catalogue: what one number-card product is and the rules it adds (three photos,
//! age range, address keywords, phone three-factor). The catalogue itself lives in D1 (table
//! `products`, seeded by `migrations/0002_orders.sql`) so an operator changes it with one SQL
//! statement and no deploy; the browser reads it from `GET /api/products`.

use serde::{Deserialize, Serialize};

/// One number-card product, as stored in D1 and sent to the browser.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Product {
    /// The vendor's product id (`pid`).
    pub pid: String,
    /// Chinese name.
    pub name_zh: String,
    /// English name.
    pub name_en: String,
    /// Monthly price in fen (1/100 yuan).
    pub monthly_fen: u32,
    /// Whether the three photos (三照) are required.
    pub needs_photos: bool,
    /// Whether the identity pre-check also runs phone three-factor.
    #[serde(default)]
    pub needs_phone3: bool,
    /// Youngest customer allowed.
    pub min_age: u32,
    /// Oldest customer allowed.
    pub max_age: u32,
    /// Address keywords this product refuses.
    #[serde(default)]
    pub deny_keywords: Vec<String>,
}

impl Product {
    /// `¥29/月` style price.
    pub fn price_zh(&self) -> String {
        format!("{}元/月", yuan(self.monthly_fen))
    }

    /// `¥29/month` style price.
    pub fn price_en(&self) -> String {
        format!("¥{}/month", yuan(self.monthly_fen))
    }

    /// The deny list as string slices (for [`crate::address::parse_address`]).
    pub fn deny(&self) -> Vec<&str> {
        self.deny_keywords.iter().map(String::as_str).collect()
    }
}

fn yuan(fen: u32) -> String {
    if fen.is_multiple_of(100) {
        format!("{}", fen / 100)
    } else {
        format!("{}.{:02}", fen / 100, fen % 100)
    }
}

/// `GET /api/products` reply.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Catalogue {
    /// Products on sale, in display order.
    pub products: Vec<Product>,
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// The seed's data card (no photos, 16–60).
    pub(crate) fn data_card() -> Product {
        Product {
            pid: "2188".into(),
            name_zh: "星光流量卡".into(),
            name_en: "Xingguang data card".into(),
            monthly_fen: 2900,
            needs_photos: false,
            needs_phone3: false,
            min_age: 16,
            max_age: 60,
            deny_keywords: vec![],
        }
    }

    /// The seed's 三照 card (photos, 18–60, common deny list).
    pub(crate) fn king_card() -> Product {
        Product {
            pid: "2201".into(),
            name_zh: "星光大王卡".into(),
            name_en: "Xingguang king card".into(),
            monthly_fen: 3950,
            needs_photos: true,
            needs_phone3: true,
            min_age: 18,
            max_age: 60,
            deny_keywords: crate::address::COMMON_DENY_KEYWORDS
                .iter()
                .map(|s| (*s).to_owned())
                .collect(),
        }
    }

    #[test]
    fn prices_read_naturally() {
        assert_eq!(data_card().price_zh(), "29元/月");
        assert_eq!(king_card().price_en(), "¥39.50/month");
        let json = serde_json::to_value(data_card()).unwrap();
        assert_eq!(json["pid"], "2188");
        let back: Product = serde_json::from_value(json).unwrap();
        assert_eq!(back, data_card());
    }
}
