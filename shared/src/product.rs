//! The product catalogue the shop offers: vendor product id, names, and the rules each
//! product adds (three photos, age range, address keywords).

use crate::address::COMMON_DENY_KEYWORDS;

/// One number-card product.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Product {
    /// The vendor's product id (`pid`).
    pub pid: &'static str,
    /// Chinese name.
    pub name_zh: &'static str,
    /// English name.
    pub name_en: &'static str,
    /// Whether the three photos (三照) are required.
    pub needs_photos: bool,
    /// Youngest customer allowed.
    pub min_age: u32,
    /// Oldest customer allowed.
    pub max_age: u32,
    /// Address keywords this product refuses.
    pub deny_keywords: &'static [&'static str],
}

/// Products on sale. `2188` is the vendor's documented sample product.
pub const PRODUCTS: &[Product] = &[
    Product {
        pid: "2188",
        name_zh: "星光流量卡 29元/月",
        name_en: "Xingguang data card ¥29/month",
        needs_photos: false,
        min_age: 16,
        max_age: 60,
        deny_keywords: &[],
    },
    Product {
        pid: "2201",
        name_zh: "星光大王卡 39元/月（需三照）",
        name_en: "Xingguang king card ¥39/month (three photos)",
        needs_photos: true,
        min_age: 18,
        max_age: 60,
        deny_keywords: COMMON_DENY_KEYWORDS,
    },
];

/// Look a product up by its vendor id.
pub fn product(pid: &str) -> Option<&'static Product> {
    PRODUCTS.iter().find(|p| p.pid == pid)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lookup() {
        assert_eq!(product("2188").map(|p| p.needs_photos), Some(false));
        assert_eq!(product("2201").map(|p| p.needs_photos), Some(true));
        assert!(product("9999").is_none());
        for p in PRODUCTS {
            assert!(p.min_age <= p.max_age);
        }
    }
}
