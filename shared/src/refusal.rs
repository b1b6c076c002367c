//! Every refusal the edge sends, in one table: its HTTP status, its stable code (the
//! `error` of [`ApiError`]) and its words, Chinese first.
//!
//! It lives in `shared` because both sides read it: the edge builds each refusal's body from
//! its row, and the browser, which depends only on `haoka-shared`, matches a body's code with
//! [`Refusal::parse`] and the groupings ([`Refusal::is_order_limit`], [`Refusal::is_handoff`])
//! instead of comparing strings that can drift from what the edge sends.
//!
//! Not here: the bodies that are not a fixed refusal — `validation` (it carries the fields or
//! the check form's parameters at fault) and `internal` (HTTP 500, the detail is logged). The
//! edge's `AppError` builds those itself.
//!
//! Each accessor is its own `match`, generated from the one table, so a caller that only
//! parses codes (the browser) links the codes and not the words.

use crate::api::ApiError;

/// Declares [`Refusal`] from rows `Variant(status, "code", "中文", "English")`: the enum (each
/// variant documented by its row), [`Refusal::ALL`] and one accessor per column.
macro_rules! refusals {
    ($( $variant:ident($status:literal, $code:literal, $zh:literal, $en:literal) ),+ $(,)?) => {
        /// A refusal the edge sends: one variant per code (and per wording, see
        /// [`Refusal::RateLimited`]).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Refusal {
            $(
                #[doc = concat!("HTTP ", stringify!($status), " `", $code, "`: ", $en)]
                $variant,
            )+
        }

        impl Refusal {
            /// Every refusal, in table order.
            pub const ALL: &'static [Refusal] = &[$(Refusal::$variant),+];

            /// The HTTP status it is sent with.
            pub const fn status(self) -> u16 {
                match self {
                    $(Refusal::$variant => $status,)+
                }
            }

            /// The stable machine code (the body's `error`).
            pub const fn code(self) -> &'static str {
                match self {
                    $(Refusal::$variant => $code,)+
                }
            }

            /// The words in Chinese.
            pub const fn zh(self) -> &'static str {
                match self {
                    $(Refusal::$variant => $zh,)+
                }
            }

            /// The words in English.
            pub const fn en(self) -> &'static str {
                match self {
                    $(Refusal::$variant => $en,)+
                }
            }
        }
    };
}

refusals! {
    // The HTTP layer: requests the edge cannot read or route.
    BadRequest(400, "bad_request", "请求格式不正确", "The request is malformed"),
    PayloadTooLarge(413, "payload_too_large", "提交的内容过大", "The request is too large"),
    NotFound(404, "not_found", "接口不存在", "No such API endpoint"),
    MethodNotAllowed(405, "method_not_allowed", "请求方法不允许", "Method not allowed"),

    // Budgets and the bot check (orders, pre-checks, lookups).
    RateLimited(429, "rate_limited",
        "操作过于频繁，请一分钟后再试",
        "Too many attempts; please try again in a minute"),
    LookupRateLimited(429, "rate_limited",
        "查询过于频繁，请一分钟后再试",
        "Too many lookups; please try again in a minute"),
    Busy(429, "busy",
        "当前办理的人数较多，请几分钟后再试",
        "We are very busy right now; please try again in a few minutes"),
    OrderBudgetAddress(429, "order_budget_address",
        "当前网络下提交的订单过多，请几分钟后再试，或换用手机网络",
        "Too many orders from this network; try again in a few minutes or use mobile data"),
    OrderBudget(429, "order_budget",
        "提交过于频繁，请一分钟后再试",
        "Too many orders in a short time; please try again in a minute"),
    PrecheckBudgetAddress(429, "precheck_budget_address",
        "当前网络下的身份核验过多，请几分钟后再试，或换用手机网络",
        "Too many identity checks from this network; try again in a few minutes or use mobile data"),
    DailyCapacity(503, "daily_capacity",
        "今日的办理名额已满，请明天再来",
        "Today's capacity for new orders is used up; please come back tomorrow"),
    BotCheckFailed(403, "bot_check_failed",
        "人机验证未通过或已过期，请重新验证后再提交",
        "The human check failed or expired; please complete it again and resubmit"),

    // Orders.
    IdempotencyKeyRequired(400, "idempotency_key_required",
        "请求缺少有效的幂等键，请刷新页面后重试",
        "A valid Idempotency-Key header is required; reload the page and retry"),
    IdempotencyMismatch(422, "idempotency_mismatch",
        "该订单已提交过且内容不同，请刷新页面后重新填写",
        "This order was already submitted with different details; reload the page and start again"),
    OrderLimitProduct(409, "order_limit_product",
        "您已有一张该产品的订单正在办理，请等它完成后再下单",
        "You already have an open order for this product; please wait until it is done"),
    OrderLimitTotal(409, "order_limit_total",
        "您名下正在办理的号卡订单已达上限",
        "You have reached the limit of open number-card orders"),
    OrderNotFound(404, "order_not_found",
        "订单不存在或链接已失效",
        "No such order, or the link is no longer valid"),
    LookupLocked(429, "lookup_locked",
        "该订单的查询错误次数过多，已暂停查询 1 小时；请使用下单后收到的链接，或稍后再试",
        "Too many wrong tries for this order: lookups are paused for an hour; use the link you got when ordering, or try later"),
    NumberTaken(409, "number_taken",
        "这个号码刚被别人选走了，请换一个",
        "Someone has just chosen this number; please pick another"),
    NumberHoldLost(409, "number_hold_lost",
        "号码保留已过期或已被别人选走，请重新选号",
        "The hold on your chosen number ran out or the number was taken; please choose again"),
    BadNumberSearch(422, "bad_number_search",
        "请输入 1 到 8 位数字作为尾号",
        "Type 1 to 8 digits for the ending"),
    PhotosNotNeeded(409, "photos_not_needed",
        "该订单当前不需要上传照片",
        "This order does not need photos now"),

    // The desktop → phone photo handoff.
    HandoffNotFound(404, "handoff_not_found",
        "链接无效，请重新扫描电脑上的二维码",
        "This link is not valid; scan the QR code on the computer again"),
    HandoffExpired(410, "handoff_expired",
        "二维码已过期，请在电脑上重新生成",
        "This QR code has expired; make a new one on the computer"),
    HandoffClaimed(409, "handoff_claimed",
        "二维码已被使用，请在电脑上重新生成",
        "This QR code was already used; make a new one on the computer"),
    HandoffNotClaimed(409, "handoff_not_claimed",
        "链接无效，请重新扫描电脑上的二维码",
        "This link is not valid; scan the QR code on the computer again"),
    HandoffUnknownPart(404, "handoff_unknown_part",
        "链接无效，请重新扫描电脑上的二维码",
        "This link is not valid; scan the QR code on the computer again"),
    HandoffPhotoMissing(404, "handoff_photo_missing",
        "手机尚未上传这张照片",
        "The phone has not sent this photo yet"),

    // Operators and callbacks.
    Unauthorized(401, "unauthorized", "需要管理员身份", "Operator credentials required"),
    SettleNotApplicable(409, "settle_not_applicable",
        "该订单当前状态不能执行此操作",
        "That action does not apply to the order's current state"),
    BadSign(401, "bad_sign", "签名错误", "Bad signature"),

    // The console: sign-in and sessions.
    NotSignedIn(401, "not_signed_in", "请先登录", "Please sign in"),
    SessionIdle(401, "session_idle",
        "长时间未操作，已自动退出，请重新登录",
        "You were signed out after a while without activity; please sign in again"),
    SessionExpired(401, "session_expired",
        "登录已超过 12 小时，请重新登录",
        "Your sign-in is over 12 hours old; please sign in again"),
    BadCredentials(401, "bad_credentials",
        "用户名或密码错误；连续输错 5 次，账号会锁定 15 分钟（管理员可解锁）",
        "Wrong user name or password; after 5 wrong passwords in a row the account is locked for 15 minutes (an admin can unlock it)"),
    LoginRefused(403, "login_refused",
        "请从本站的登录页面登录",
        "Please sign in from this site's sign-in page"),
    LoginThrottled(429, "login_throttled",
        "登录尝试过于频繁，请一分钟后再试",
        "Too many sign-in attempts from here; try again in a minute"),
    AccountDisabled(403, "account_disabled",
        "账号已停用，请联系管理员",
        "This account is disabled; ask an admin"),
    Forbidden(403, "forbidden", "没有权限执行此操作", "You are not allowed to do this"),
    Csrf(403, "csrf",
        "页面已过期，请刷新后重试",
        "This page is out of date; reload it and try again"),

    // The console: accounts.
    BootstrapDone(409, "bootstrap_done",
        "已有管理员，请由管理员创建账号",
        "An admin exists already; admins create the other accounts"),
    AccountExists(409, "account_exists", "该用户名已被使用", "This user name is taken"),
    AccountNotFound(404, "account_not_found", "没有这个账号", "No such account"),
    InvalidUsername(422, "invalid_username",
        "用户名为 3–32 个小写字母、数字或 . _ -",
        "User names are 3–32 of lower-case letters, digits and . _ -"),
    InvalidDisplayName(422, "invalid_display_name",
        "姓名需为 1–40 个字符",
        "The display name needs 1–40 characters"),
    InvalidStore(422, "invalid_store",
        "门店名称最多 40 个字符",
        "The store name has at most 40 characters"),
    InvalidRole(422, "invalid_role", "角色无效", "Unknown role"),
    OwnAccount(422, "own_account",
        "不能停用自己的账号或修改自己的角色",
        "You cannot disable your own account or change your own role"),
    CurrentPasswordRequired(422, "current_password_required",
        "修改自己的密码需要输入当前密码",
        "Changing your own password needs your current password"),
    PasswordTooShort(422, "password_too_short",
        "密码至少 12 个字符（可以是一句话）",
        "Use at least 12 characters (a phrase works well)"),
    PasswordTooLong(422, "password_too_long", "密码最多 128 个字符", "Use at most 128 characters"),
    PasswordCommon(422, "password_common",
        "这个密码太常见，容易被猜中，请换一个",
        "This password is too common and easy to guess; choose another"),

    // The console: identity checks.
    UnknownCheck(404, "unknown_check", "没有这项核验", "No such check"),
    CheckNotFound(404, "check_not_found", "没有这条核验记录", "No such check"),
    ConsentRequired(422, "consent_required",
        "请先确认客户已同意本次核验",
        "Confirm the customer agreed to this check first"),
    SensitiveConsentRequired(422, "sensitive_consent_required",
        "此项核验使用人脸图像或银行卡信息，请另行确认客户已单独同意",
        "This check uses a face image or bank card: confirm the customer's separate consent"),
    FromCaseWithoutCase(422, "from_case_without_case",
        "没有所属案件，无法带入案件中的信息",
        "There is no case to take the details from"),
    FromCaseNotFillable(422, "from_case_not_fillable",
        "只有姓名和身份证号可以从案件带入",
        "Only the name and the ID number can come from the case"),
    FromCaseMissing(422, "from_case_missing",
        "案件中没有这项信息（或已按保留期清除），请手动填写",
        "The case does not hold this (or it was cleared after its retention): type it in"),
    ReasonRequired(422, "reason_required",
        "请填写查看原文的理由（3–200 字）",
        "Give a reason for revealing the value (3–200 characters)"),
    NotRevealable(404, "not_revealable",
        "这项核验没有保存该字段（图片和密码从不保存）",
        "This check kept no such field (images and passwords are never kept)"),
    InputsPurged(410, "inputs_purged",
        "该核验的原始信息已过保留期并已删除",
        "This check's inputs are past their retention time and were deleted"),

    // The console: cases.
    CaseNotFound(404, "case_not_found", "没有这个案件", "No such case"),
    CaseClosed(409, "case_closed", "案件已结案", "This case is closed"),
    InvalidName(422, "invalid_name", "姓名格式不正确", "The name is not valid"),
    InvalidIdNumber(422, "invalid_id_number", "身份证号不正确", "The ID number is not valid"),
    InvalidDecision(422, "invalid_decision",
        "结论须为通过、拒绝或需重新拍照",
        "The decision is approved, rejected or recapture"),
    InvalidReason(422, "invalid_reason",
        "请写明结案理由（2–200 个字）",
        "Give a reason (2–200 characters)"),

    // The console: reports and settings.
    InvalidMonth(422, "invalid_month", "月份格式应为 YYYY-MM", "The month must be YYYY-MM"),
    InvalidPrice(422, "invalid_price",
        "没有这项核验，或价格不在 0–100000 分之间",
        "No such check, or the price is not 0–100000 fen"),
    UnknownSetting(422, "unknown_setting", "没有这项设置", "No such setting"),
    UnknownProduct(404, "unknown_product", "没有这个产品", "No such product"),
    SettingOutOfRange(422, "setting_out_of_range",
        "设置值不是数字或超出允许范围",
        "The value is not a number or is out of range"),
}

impl Refusal {
    /// The refusal a body's `error` names; `None` for a code the edge does not send as a
    /// refusal (`validation`, `internal`, a proxy's page). A code with two wordings
    /// ([`Refusal::RateLimited`], [`Refusal::LookupRateLimited`]) parses as the first.
    pub fn parse(code: &str) -> Option<Refusal> {
        Refusal::ALL.iter().copied().find(|r| r.code() == code)
    }

    /// A per-person order limit (the form shows the edge's words and stops).
    pub const fn is_order_limit(self) -> bool {
        matches!(self, Refusal::OrderLimitProduct | Refusal::OrderLimitTotal)
    }

    /// A refusal of the desktop → phone photo handoff (its 404s have words to show).
    pub const fn is_handoff(self) -> bool {
        matches!(
            self,
            Refusal::HandoffNotFound
                | Refusal::HandoffExpired
                | Refusal::HandoffClaimed
                | Refusal::HandoffNotClaimed
                | Refusal::HandoffUnknownPart
                | Refusal::HandoffPhotoMissing
        )
    }
}

impl From<Refusal> for ApiError {
    /// The body the edge sends: code and words from the table, no fields.
    fn from(r: Refusal) -> ApiError {
        ApiError {
            error: r.code().into(),
            message_zh: r.zh().into(),
            message_en: r.en().into(),
            fields: Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    /// One code, two wordings: lookups say "查询", everything else "操作".
    const ALIASES: &[(Refusal, Refusal)] = &[(Refusal::LookupRateLimited, Refusal::RateLimited)];

    #[test]
    fn codes_are_unique_snake_case() {
        let mut seen = BTreeMap::new();
        for &r in Refusal::ALL {
            let c = r.code();
            assert!(!c.is_empty(), "{r:?}");
            assert!(
                c.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'),
                "{r:?}: {c}"
            );
            assert!(!c.starts_with('_') && !c.ends_with('_') && !c.contains("__"));
            if let Some(first) = seen.insert(c, r) {
                assert!(ALIASES.contains(&(r, first)), "{c} twice: {first:?}, {r:?}");
            }
        }
        assert_eq!(seen.len() + ALIASES.len(), Refusal::ALL.len());
    }

    #[test]
    fn statuses_are_client_errors() {
        for &r in Refusal::ALL {
            // The day's paid checks are spent: the shop, not the client, is out (503).
            if r == Refusal::DailyCapacity {
                assert_eq!(r.status(), 503);
                continue;
            }
            assert!((400..500).contains(&r.status()), "{r:?}");
        }
    }

    #[test]
    fn words_in_both_languages() {
        for &r in Refusal::ALL {
            assert!(!r.zh().trim().is_empty(), "{r:?}");
            assert!(!r.en().trim().is_empty(), "{r:?}");
            // Chinese first: the Chinese words are not the English ones again.
            assert!(!r.zh().is_ascii(), "{r:?}");
            assert!(r.en().chars().any(|c| c.is_ascii_alphabetic()), "{r:?}");
            assert!(
                !r.en()
                    .chars()
                    .any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c))
            );
        }
    }

    #[test]
    fn every_code_parses_back() {
        for &r in Refusal::ALL {
            let canonical = ALIASES
                .iter()
                .find(|(alias, _)| *alias == r)
                .map_or(r, |(_, c)| *c);
            assert_eq!(Refusal::parse(r.code()), Some(canonical), "{r:?}");
            assert_eq!(canonical.status(), r.status());
        }
        for other in [
            "validation",
            "internal",
            "order_limit",
            "handoff",
            "",
            "Busy",
        ] {
            assert_eq!(Refusal::parse(other), None, "{other}");
        }
    }

    #[test]
    fn groupings() {
        let limits: Vec<_> = Refusal::ALL.iter().filter(|r| r.is_order_limit()).collect();
        assert_eq!(
            limits,
            [&Refusal::OrderLimitProduct, &Refusal::OrderLimitTotal]
        );
        for &r in Refusal::ALL {
            assert_eq!(r.is_handoff(), r.code().starts_with("handoff_"), "{r:?}");
            assert_eq!(r.is_order_limit(), r.code().starts_with("order_limit_"));
        }
        assert!(Refusal::HandoffNotFound.is_handoff());
        assert!(!Refusal::OrderNotFound.is_handoff());
    }

    #[test]
    fn the_body_is_the_row() {
        let body = ApiError::from(Refusal::OrderLimitTotal);
        assert_eq!(body.error, "order_limit_total");
        assert_eq!(body.message_zh, Refusal::OrderLimitTotal.zh());
        assert_eq!(body.message_en, Refusal::OrderLimitTotal.en());
        assert!(body.fields.is_empty());
        // The wire shape: `fields` is left out when empty.
        let json = serde_json::to_value(&body).unwrap_or_default();
        let mut keys: Vec<_> = json
            .as_object()
            .into_iter()
            .flat_map(|o| o.keys())
            .collect();
        keys.sort();
        assert_eq!(keys, ["error", "message_en", "message_zh"]);
    }
}
