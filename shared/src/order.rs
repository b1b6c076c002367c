//! The draft order: what the browser posts, and the one validation both the browser and the
//! edge run on it.

use serde::{Deserialize, Serialize};
use time::Date;

use crate::{
    Field, FieldIssue, ValidationError, address::parse_address, idcard, mobile::parse_mobile,
    name::parse_name, product::Product, region::Regions,
};

/// `POST /api/orders/draft` body.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DraftOrderRequest {
    /// Vendor product id.
    pub product_id: String,
    /// Customer's legal name.
    pub name: String,
    /// Contact mobile.
    pub mobile: String,
    /// Resident ID number.
    pub id_number: String,
    /// Province name.
    pub province: String,
    /// City name.
    pub city: String,
    /// District name.
    pub district: String,
    /// Street address.
    pub address: String,
    /// Chosen number, empty when the product has no number choice.
    #[serde(default)]
    pub number: String,
    /// The token the chosen number was held with (`POST /api/numbers/hold`); empty without
    /// a chosen number. The order takes the number only while that hold lasts.
    #[serde(default)]
    pub hold_token: String,
    /// The customer agreed to the personal-information notice (required to place an order;
    /// the edge records when).
    #[serde(default)]
    pub consent: bool,
    /// The notice version agreed to ([`crate::consent::NOTICE_VERSION`]).
    #[serde(default)]
    pub consent_version: String,
}

/// A draft that passed every rule, normalised.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidDraft {
    /// Vendor product id.
    pub product_id: String,
    /// Normalised name.
    pub name: String,
    /// 11-digit mobile.
    pub mobile: String,
    /// 18-character ID number, X upper-case.
    pub id_number: String,
    /// The vendor's `order_Province` string.
    pub order_province: String,
    /// Normalised address.
    pub address: String,
    /// Chosen number or empty.
    pub number: String,
    /// Soft warnings (e.g. retired region code in the ID number).
    pub warnings: Vec<FieldIssue>,
}

/// Validate every field against `product` (the catalogue entry for `req.product_id`, `None`
/// when there is none); all issues are reported at once, in form order.
pub fn validate_draft(
    req: &DraftOrderRequest,
    product: Option<&Product>,
    today: Date,
) -> Result<ValidDraft, Vec<FieldIssue>> {
    let mut issues = Vec::new();
    let mut warnings = Vec::new();
    let mut check = |field: Field, r: Result<String, ValidationError>| match r {
        Ok(v) => Some(v),
        Err(e) => {
            issues.push(e.for_field(field));
            None
        }
    };
    let prod = product.filter(|p| p.pid == req.product_id.trim());
    let product_id = check(
        Field::ProductId,
        prod.map(|p| p.pid.clone())
            .ok_or(ValidationError::UnknownProduct),
    );
    let name = check(Field::Name, parse_name(&req.name));
    let mobile = check(
        Field::Mobile,
        parse_mobile(&req.mobile).map(|m| m.as_str().to_owned()),
    );
    let id_number = check(
        Field::IdNumber,
        idcard::parse_resident_id(&req.id_number, today).and_then(|id| {
            if let Some(p) = prod {
                idcard::check_age(&id, today, p.min_age, p.max_age)?;
            }
            if !idcard::region_code_is_current(&id) {
                warnings.push(FieldIssue {
                    field: Field::IdNumber,
                    code: "id_region_not_current".into(),
                    message_zh: "身份证号码的地区代码已调整，将按原号码提交".into(),
                    message_en:
                        "The ID number's region code has since changed; it is submitted as is"
                            .into(),
                });
            }
            Ok(id.as_str().to_owned())
        }),
    );
    let region = check(
        Field::Region,
        Regions::get()
            .validate(&req.province, &req.city, &req.district)
            .and_then(|t| match prod {
                // Said at the region, not after submit.
                Some(p) if !p.ships_to(&req.province) => Err(ValidationError::NotShipped),
                _ => Ok(t.order_province()),
            }),
    );
    let deny = prod.map(Product::deny).unwrap_or_default();
    let address = check(Field::Address, parse_address(&req.address, &deny));
    let number = if req.number.trim().is_empty() {
        Some(String::new())
    } else {
        check(
            Field::Number,
            parse_mobile(&req.number)
                .map(|m| m.as_str().to_owned())
                .map_err(|_| ValidationError::NumberFormat),
        )
    };
    match (product_id, name, mobile, id_number, region, address, number) {
        (
            Some(product_id),
            Some(name),
            Some(mobile),
            Some(id_number),
            Some(order_province),
            Some(address),
            Some(number),
        ) => Ok(ValidDraft {
            product_id,
            name,
            mobile,
            id_number,
            order_province,
            address,
            number,
            warnings,
        }),
        _ => Err(issues),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::product::tests::{data_card, king_card};
    use time::Month;

    fn product_for(req: &DraftOrderRequest) -> Product {
        [data_card(), king_card()]
            .into_iter()
            .find(|p| p.pid == req.product_id)
            .unwrap_or_else(data_card)
    }

    fn today() -> Date {
        Date::from_calendar_date(2026, Month::November, 22).unwrap()
    }

    pub(crate) fn good() -> DraftOrderRequest {
        DraftOrderRequest {
            product_id: "2188".into(),
            name: "张三".into(),
            mobile: "18888888336".into(),
            id_number: "110101200007282906".into(),
            province: "天津市".into(),
            city: "天津市".into(),
            district: "和平区".into(),
            address: "先锋大楼 3单元 201".into(),
            number: String::new(),
            hold_token: String::new(),
            consent: true,
            consent_version: crate::consent::NOTICE_VERSION.into(),
        }
    }

    #[test]
    fn good_draft_validates_and_normalises() {
        let mut req = good();
        req.id_number = "11010519491231002x".into();
        req.product_id = "2188".into();
        let err = validate_draft(&req, Some(&product_for(&req)), today()).unwrap_err();
        // 1949 → 76 years old: outside 16–60.
        assert_eq!(err.len(), 1);
        assert_eq!(err[0].field, Field::IdNumber);
        assert_eq!(err[0].code, "id_age");
        let v = validate_draft(&good(), Some(&data_card()), today()).unwrap();
        assert_eq!(v.order_province, "天津市 天津市 和平区");
        assert!(v.warnings.is_empty());
    }

    #[test]
    fn every_bad_field_is_reported() {
        let req = DraftOrderRequest {
            product_id: "1".into(),
            name: "张3".into(),
            mobile: "15412345678".into(),
            id_number: "110101200007282907".into(),
            province: "天津市".into(),
            city: "天津市".into(),
            district: "朝阳区".into(),
            address: "先锋大楼".into(),
            number: "123".into(),
            hold_token: String::new(),
            consent: false,
            consent_version: String::new(),
        };
        let err = validate_draft(&req, Some(&product_for(&req)), today()).unwrap_err();
        let got: Vec<(Field, &str)> = err.iter().map(|i| (i.field, i.code.as_str())).collect();
        assert_eq!(
            got,
            vec![
                (Field::ProductId, "unknown_product"),
                (Field::Name, "name_chars"),
                (Field::Mobile, "mobile_prefix"),
                (Field::IdNumber, "id_checksum"),
                (Field::Region, "region_district"),
                (Field::Address, "address_too_short"),
                (Field::Number, "number_format"),
            ]
        );
        assert!(
            err.iter()
                .all(|i| !i.message_zh.is_empty() && !i.message_en.is_empty())
        );
    }

    #[test]
    fn a_province_the_product_does_not_ship_to_is_refused_at_the_region() {
        let mut req = good();
        req.product_id = "2201".into();
        req.province = "新疆维吾尔自治区".into();
        req.city = "乌鲁木齐市".into();
        req.district = "天山区".into();
        let err = validate_draft(&req, Some(&product_for(&req)), today()).unwrap_err();
        let got: Vec<(Field, &str)> = err.iter().map(|i| (i.field, i.code.as_str())).collect();
        assert_eq!(got, vec![(Field::Region, "not_shipped")]);
        // The same place is fine for a product that ships there.
        req.product_id = "2188".into();
        assert!(validate_draft(&req, Some(&product_for(&req)), today()).is_ok());
    }

    #[test]
    fn product_rules_apply() {
        let mut req = good();
        req.product_id = "2201".into();
        req.address = "解放路菜鸟驿站100号".into();
        let err = validate_draft(&req, Some(&product_for(&req)), today()).unwrap_err();
        assert_eq!(err[0].code, "address_keyword");
    }

    #[test]
    fn retired_region_code_is_a_warning() {
        let mut req = good();
        req.id_number = format!(
            "11010319900101123{}",
            crate::idcard::check_char("11010319900101123").unwrap()
        );
        let v = validate_draft(&req, Some(&product_for(&req)), today()).unwrap();
        assert_eq!(v.warnings.len(), 1);
        assert_eq!(v.warnings[0].code, "id_region_not_current");
    }

    #[test]
    fn wire_names_are_snake_case() {
        let json =
            serde_json::to_value(ValidationError::IdChecksum.for_field(Field::IdNumber)).unwrap();
        assert_eq!(json["field"], "id_number");
        assert_eq!(json["code"], "id_checksum");
    }
}
