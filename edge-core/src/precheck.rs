//! The identity pre-check, decided: RealMe `namecheck` first, then phone three-factor when the
//! product asks; the first verdict that is not a match decides, a verdict that cannot be had
//! waits (an order is never refused for an upstream's trouble). A pass is kept under a keyed
//! hash of the person for [`PASS_REUSE_MS`]. Also the customer's words for each mismatch, and
//! the form fields they point at.

use haoka_shared::{
    Field, FieldIssue,
    api::{PrecheckReply, PrecheckResult},
};

use crate::{
    orders::CheckVerdict,
    verdict::{MismatchPart, Verdict},
};

/// How long a pass is reused.
pub const PASS_REUSE_MS: i64 = 24 * 3_600_000;

/// What one check's verdict means for the pre-check: `None` goes on to the next check (a
/// match), `Some` decides (a mismatch, or no verdict to be had now).
pub fn decides(verdict: &Verdict) -> Option<CheckVerdict> {
    match verdict {
        Verdict::Match => None,
        Verdict::Mismatch(part) => Some(CheckVerdict::Mismatch(*part)),
        Verdict::Busy | Verdict::Error { .. } => Some(CheckVerdict::Pending),
    }
}

/// The text whose keyed hash names a person's pass: the name and ID number, and the mobile
/// when phone three-factor runs too (a pass without it does not stand for one with it).
pub fn person_subject(name: &str, id_number: &str, mobile: &str, phone3: bool) -> String {
    if phone3 {
        format!("{name}|{id_number}|{mobile}")
    } else {
        format!("{name}|{id_number}")
    }
}

/// What a stored pass was earned by.
pub fn method(phone3: bool) -> &'static str {
    if phone3 {
        "namecheck+phone3"
    } else {
        "namecheck"
    }
}

/// Words for a mismatch code (also used for `check_failed` orders' reasons).
pub fn words(code: &str) -> (&'static str, &'static str) {
    match code {
        "name_or_id" => (
            "姓名与身份证号码不一致，请核对后重新提交",
            "The name and the ID number do not match; please check them",
        ),
        "mobile" => (
            "该手机号码未登记在您本人名下，请使用本人实名登记的手机号码",
            "This mobile number is not registered to you; please use a number in your own name",
        ),
        "no_record" => (
            "未查到该身份证号码的登记信息，请核对身份证号码",
            "No record was found for this ID number; please check it",
        ),
        _ => (
            "订单未通过审核，请联系客服",
            "The order was not approved; please contact support",
        ),
    }
}

/// The form fields a mismatch points at, each with its words.
pub fn mismatch_fields(part: MismatchPart) -> Vec<FieldIssue> {
    let (zh, en) = words(part.as_str());
    let fields: &[Field] = match part {
        MismatchPart::NameOrId => &[Field::Name, Field::IdNumber],
        MismatchPart::Mobile => &[Field::Mobile],
        MismatchPart::NoRecord => &[Field::IdNumber],
    };
    fields
        .iter()
        .map(|f| FieldIssue {
            field: *f,
            code: format!("precheck_{}", part.as_str()),
            message_zh: zh.into(),
            message_en: en.into(),
        })
        .collect()
}

/// The customer's answer to a pre-check.
pub fn reply(verdict: CheckVerdict) -> PrecheckReply {
    match verdict {
        CheckVerdict::Pass => PrecheckReply {
            result: PrecheckResult::Pass,
            fields: vec![],
            message_zh: "身份核验通过".into(),
            message_en: "Identity check passed".into(),
        },
        CheckVerdict::Mismatch(part) => {
            let (zh, en) = words(part.as_str());
            PrecheckReply {
                result: PrecheckResult::Mismatch,
                fields: mismatch_fields(part),
                message_zh: zh.into(),
                message_en: en.into(),
            }
        }
        CheckVerdict::Pending => PrecheckReply {
            result: PrecheckResult::Pending,
            fields: vec![],
            message_zh: "核验服务繁忙，可以继续下单，我们会在后台完成核验".into(),
            message_en: "The check is busy; you can go on, and we will finish it in the background"
                .into(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_match_goes_on_and_anything_else_decides() {
        assert_eq!(decides(&Verdict::Match), None);
        assert_eq!(
            decides(&Verdict::Mismatch(MismatchPart::Mobile)),
            Some(CheckVerdict::Mismatch(MismatchPart::Mobile))
        );
        assert_eq!(decides(&Verdict::Busy), Some(CheckVerdict::Pending));
        assert_eq!(
            decides(&Verdict::Error { why: "x".into() }),
            Some(CheckVerdict::Pending)
        );
    }

    #[test]
    fn a_pass_without_phone3_does_not_stand_for_one_with_it() {
        assert_ne!(
            person_subject("张三", "110101200007282906", "13800138000", false),
            person_subject("张三", "110101200007282906", "13800138000", true)
        );
        assert_eq!(method(true), "namecheck+phone3");
    }

    #[test]
    fn a_mismatch_points_at_its_fields_in_both_languages() {
        let f = mismatch_fields(MismatchPart::NameOrId);
        assert_eq!(
            f.iter().map(|i| i.field).collect::<Vec<_>>(),
            [Field::Name, Field::IdNumber]
        );
        assert_eq!(f[0].code, "precheck_name_or_id");
        let r = reply(CheckVerdict::Mismatch(MismatchPart::Mobile));
        assert_eq!(r.result, PrecheckResult::Mismatch);
        assert!(r.message_zh.contains("手机号码"));
        assert!(r.message_en.contains("mobile"));
        assert_eq!(reply(CheckVerdict::Pending).result, PrecheckResult::Pending);
        assert_eq!(words("staff").0, "订单未通过审核，请联系客服");
    }
}
