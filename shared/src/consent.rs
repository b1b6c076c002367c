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
