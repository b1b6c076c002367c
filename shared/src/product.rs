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
    /// What the customer compares: carrier, allowances, first month, term, where it ships.
    #[serde(default)]
    pub terms: Terms,
}

/// The four carriers a number card can be on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Carrier {
    /// 中国移动.
    Mobile,
    /// 中国联通.
    Unicom,
    /// 中国电信.
    Telecom,
    /// 中国广电.
    Broadnet,
}

impl Carrier {
    /// Every carrier, in the order shops list them.
    pub const ALL: [Carrier; 4] = [
        Carrier::Mobile,
        Carrier::Unicom,
        Carrier::Telecom,
        Carrier::Broadnet,
    ];

    /// The stored code (`mobile`, `unicom`, `telecom`, `broadnet`).
    pub fn code(self) -> &'static str {
        match self {
            Carrier::Mobile => "mobile",
            Carrier::Unicom => "unicom",
            Carrier::Telecom => "telecom",
            Carrier::Broadnet => "broadnet",
        }
    }

    /// A stored code back, if it is one.
    pub fn parse(code: &str) -> Option<Carrier> {
        Carrier::ALL.into_iter().find(|c| c.code() == code.trim())
    }

    /// The carrier's name (Chinese, English).
    pub fn name(self) -> (&'static str, &'static str) {
        match self {
            Carrier::Mobile => ("中国移动", "China Mobile"),
            Carrier::Unicom => ("中国联通", "China Unicom"),
            Carrier::Telecom => ("中国电信", "China Telecom"),
            Carrier::Broadnet => ("中国广电", "China Broadnet"),
        }
    }
}

/// How the month the card is activated in is billed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FirstMonth {
    /// 首月免费: the first month costs nothing.
    Free,
    /// 按天计费: the days left in the month, pro rata.
    Daily,
    /// 全月: the whole monthly fee.
    Full,
}

impl FirstMonth {
    /// The stored code (`free`, `daily`, `full`).
    pub fn code(self) -> &'static str {
        match self {
            FirstMonth::Free => "free",
            FirstMonth::Daily => "daily",
            FirstMonth::Full => "full",
        }
    }

    /// A stored code back, if it is one.
    pub fn parse(code: &str) -> Option<FirstMonth> {
        [FirstMonth::Free, FirstMonth::Daily, FirstMonth::Full]
            .into_iter()
            .find(|f| f.code() == code.trim())
    }

    /// The rule in words (Chinese, English).
    pub fn words(self) -> (&'static str, &'static str) {
        match self {
            FirstMonth::Free => ("首月免费", "First month free"),
            FirstMonth::Daily => ("首月按天计费", "First month charged by the day"),
            FirstMonth::Full => ("首月收全月费", "First month at the full fee"),
        }
    }
}

/// A product's terms, as a customer compares them. Every field may be unknown (empty or 0):
/// a product added before these existed shows what it has.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Terms {
    /// The carrier.
    pub carrier: Option<Carrier>,
    /// General data a month, GB.
    pub general_gb: u32,
    /// Targeted data a month (named apps only), GB.
    pub targeted_gb: u32,
    /// Call minutes a month.
    pub call_minutes: u32,
    /// How the first month is billed.
    pub first_month: Option<FirstMonth>,
    /// How long the promotional price lasts, months (0: not said).
    pub promo_months: u32,
    /// Provinces this product does not ship to (as in the region table, e.g. `新疆维吾尔自治区`).
    pub excluded_provinces: Vec<String>,
    /// A short description, Chinese.
    pub description_zh: String,
    /// A short description, English.
    pub description_en: String,
}

impl Terms {
    /// The allowances in a line (Chinese, English): `通用30GB + 定向30GB · 100分钟`.
    pub fn allowances(&self) -> (String, String) {
        let mut zh = Vec::new();
        let mut en = Vec::new();
        if self.general_gb > 0 {
            zh.push(format!("通用{}GB", self.general_gb));
            en.push(format!("{} GB general", self.general_gb));
        }
        if self.targeted_gb > 0 {
            zh.push(format!("定向{}GB", self.targeted_gb));
            en.push(format!("{} GB targeted", self.targeted_gb));
        }
        let data = (zh.join(" + "), en.join(" + "));
        let mut line = vec![data];
        if self.call_minutes > 0 {
            line.push((
                format!("{}分钟通话", self.call_minutes),
                format!("{} min calls", self.call_minutes),
            ));
        }
        let (zh, en): (Vec<_>, Vec<_>) = line.into_iter().filter(|(z, _)| !z.is_empty()).unzip();
        (zh.join(" · "), en.join(" · "))
    }

    /// The promotion period in words (Chinese, English), if one is set.
    pub fn promo(&self) -> Option<(String, String)> {
        (self.promo_months > 0).then(|| {
            (
                format!("优惠期{}个月", self.promo_months),
                format!("Promotional price for {} months", self.promo_months),
            )
        })
    }
}

impl Product {
    /// Whether the product ships to `province` (the region table's name).
    pub fn ships_to(&self, province: &str) -> bool {
        let province = province.trim();
        !self
            .terms
            .excluded_provinces
            .iter()
            .any(|p| p.trim() == province)
    }
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
            terms: Terms::default(),
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
            terms: Terms {
                carrier: Some(Carrier::Unicom),
                general_gb: 30,
                targeted_gb: 30,
                call_minutes: 100,
                first_month: Some(FirstMonth::Free),
                promo_months: 24,
                excluded_provinces: vec!["新疆维吾尔自治区".into(), "西藏自治区".into()],
                description_zh: String::new(),
                description_en: String::new(),
            },
        }
    }

    #[test]
    fn terms_read_as_a_customer_compares_them() {
        let king = king_card();
        let (zh, en) = king.terms.allowances();
        assert_eq!(zh, "通用30GB + 定向30GB · 100分钟通话");
        assert_eq!(en, "30 GB general + 30 GB targeted · 100 min calls");
        assert_eq!(king.terms.promo().map(|p| p.0), Some("优惠期24个月".into()));
        assert_eq!(
            data_card().terms.allowances(),
            (String::new(), String::new())
        );
        assert_eq!(data_card().terms.promo(), None);
        let only_minutes = Terms {
            call_minutes: 50,
            ..Terms::default()
        };
        assert_eq!(only_minutes.allowances().0, "50分钟通话");
        for c in Carrier::ALL {
            assert_eq!(Carrier::parse(c.code()), Some(c));
        }
        assert_eq!(Carrier::parse("cmcc"), None);
        assert_eq!(FirstMonth::parse("daily"), Some(FirstMonth::Daily));
        assert_eq!(FirstMonth::parse(""), None);
    }

    #[test]
    fn excluded_provinces_are_not_shipped_to() {
        let king = king_card();
        assert!(!king.ships_to("新疆维吾尔自治区"));
        assert!(!king.ships_to(" 西藏自治区 "));
        assert!(king.ships_to("天津市"));
        assert!(data_card().ships_to("新疆维吾尔自治区"));
    }

    #[test]
    fn a_catalogue_from_before_the_terms_still_reads() {
        let old = r#"{"pid":"1","name_zh":"a","name_en":"a","monthly_fen":100,
            "needs_photos":false,"min_age":16,"max_age":60}"#;
        let p: Product = serde_json::from_str(old).unwrap();
        assert_eq!(p.terms, Terms::default());
        let json = serde_json::to_value(king_card()).unwrap();
        assert_eq!(json["terms"]["carrier"], "unicom");
        assert_eq!(json["terms"]["first_month"], "free");
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
