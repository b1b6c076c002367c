//! The personal-information notice a customer agrees to before an order is placed (PIPL:
//! sensitive personal information — ID number, ID photos, a portrait — needs separate, informed
//! consent). The browser shows this text; the edge records which version was agreed to and
//! when, and refuses an order agreed to under another version.

/// Bump whenever the text changes; stored with each order as `consent_version`.
pub const NOTICE_VERSION: &str = "2026-11-23";

/// The notice, Chinese.
pub const NOTICE_ZH: &str = "为办理号卡并按规定完成实名登记，我们收集您填写的姓名、身份证号码、\
手机号码、收货地址，以及三照产品所需的身份证正反面照片和半身人像照（属敏感个人信息）。\
这些信息仅用于：身份核验（提交给实名核验服务商）、向号卡供应商及运营商提交订单、配送。\
姓名、身份证号码、手机号码和地址加密保存；照片在供应商确认收到后即删除，最长保留72小时。\
您可以联系客服查询或删除您的信息。";

/// The notice, English.
pub const NOTICE_EN: &str = "To issue the card and register it in your real name as the law \
requires, we collect your name, ID number, mobile, delivery address and, for three-photo \
products, photos of both sides of your ID card and a half-body portrait (sensitive personal \
information). They are used only to verify your identity (sent to an identity-verification \
provider), to place the order with the card supplier and the carrier, and to deliver it. Name, \
ID number, mobile and address are stored encrypted; photos are deleted once the supplier has \
them, after 72 hours at most. Contact support to see or delete your data.";

/// Bump whenever the console's consent texts change; stored with each identity check.
pub const CHECK_CONSENT_VERSION: &str = "2026-11-24";

/// What the agent confirms before any identity check, Chinese.
pub const CHECK_CONSENT_ZH: &str = "我确认：客户已知悉并同意本次身份核验，核验信息将提交给实名核验服务商，\
仅用于本次业务办理。";
/// The same, English.
pub const CHECK_CONSENT_EN: &str = "I confirm the customer knows of and agrees to this identity \
check: the details go to an identity-verification provider and are used for this business only.";

/// The separate confirmation a check that takes a face image or a bank card needs, Chinese
/// (PIPL: biometric and financial-account data are sensitive personal information).
pub const SENSITIVE_CONSENT_ZH: &str =
    "我确认：客户已单独同意提供人脸图像或银行卡信息（敏感个人信息）用于本次核验。";
/// The same, English.
pub const SENSITIVE_CONSENT_EN: &str = "I confirm the customer separately agreed to provide a \
face image or bank card details (sensitive personal information) for this check.";

/// Whether `check` takes a face image or a bank card, and so needs the separate confirmation.
pub fn needs_sensitive_consent(check: &crate::realme::Check) -> bool {
    use crate::realme::Kind;
    check
        .params
        .iter()
        .any(|p| matches!(p.kind, Kind::Image | Kind::BankCard))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::realme::check;

    #[test]
    fn face_and_card_checks_need_the_separate_confirmation() {
        let needs = |name: &str| check(name).map(needs_sensitive_consent);
        assert_eq!(needs("staticfacecheck"), Some(true));
        assert_eq!(needs("namecheck"), Some(false));
        assert_eq!(needs("mobilecheck"), Some(false));
        assert!(crate::realme::CHECKS.iter().any(|c| {
            c.params
                .iter()
                .any(|p| p.kind == crate::realme::Kind::BankCard)
                && needs_sensitive_consent(c)
        }));
    }
}
