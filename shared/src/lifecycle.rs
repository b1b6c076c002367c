//! The order's life: one state machine, pure and total. The edge feeds it every input (the
//! customer's submit, identity-check results, the vendor's replies and callbacks, retries, an
//! operator's decision) and writes each change to the `order_events` table; the status page
//! renders the same states in plain words.
//!
//! Two rules shape it. A late or out-of-order input never moves an order backwards (已发货
//! never returns to 审核中): [`next`] answers `None` and the input is ignored. And an order
//! whose send had an unknown outcome is never failed or resubmitted under a new `api_xid`: it
//! is resent with the same one, then waits in [`OrderState::Unconfirmed`] until a callback or
//! an operator settles it.

use serde::{Deserialize, Serialize};

/// Where an order is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrderState {
    /// 已受理: stored, nothing checked or sent yet.
    Received,
    /// 身份核验中: the identity pre-check is pending (upstream busy or down: retried).
    Checking,
    /// 身份核验未通过: the pre-check found a mismatch; nothing was sent to the vendor.
    CheckFailed,
    /// 正在提交: `pushorder` is due, in flight, or being resent with the same `api_xid`.
    Sending,
    /// 待确认: resends went unanswered; the vendor probably has the order. Waits for a
    /// callback or an operator.
    Unconfirmed,
    /// 已提交运营商: the vendor accepted the order.
    Submitted,
    /// 待补传照片: the vendor has the order but still needs the three photos (`getimg`).
    AwaitingPhotos,
    /// 审核中: the vendor is reviewing.
    Reviewing,
    /// 已发货: shipped (terminal).
    Shipped,
    /// 审核失败: refused by the vendor or closed by an operator (terminal).
    Rejected,
}

/// Every state, in timeline order (for tests and admin filters).
pub const ALL_STATES: [OrderState; 10] = [
    OrderState::Received,
    OrderState::Checking,
    OrderState::CheckFailed,
    OrderState::Sending,
    OrderState::Unconfirmed,
    OrderState::Submitted,
    OrderState::AwaitingPhotos,
    OrderState::Reviewing,
    OrderState::Shipped,
    OrderState::Rejected,
];

impl OrderState {
    /// Wire and database name (`snake_case`).
    pub fn as_str(self) -> &'static str {
        match self {
            OrderState::Received => "received",
            OrderState::Checking => "checking",
            OrderState::CheckFailed => "check_failed",
            OrderState::Sending => "sending",
            OrderState::Unconfirmed => "unconfirmed",
            OrderState::Submitted => "submitted",
            OrderState::AwaitingPhotos => "awaiting_photos",
            OrderState::Reviewing => "reviewing",
            OrderState::Shipped => "shipped",
            OrderState::Rejected => "rejected",
        }
    }

    /// Parse a database name.
    pub fn parse(s: &str) -> Option<OrderState> {
        ALL_STATES.into_iter().find(|st| st.as_str() == s)
    }

    /// What the customer reads, in Chinese.
    pub fn label_zh(self) -> &'static str {
        match self {
            OrderState::Received => "已受理",
            OrderState::Checking => "身份核验中",
            OrderState::CheckFailed => "身份核验未通过",
            OrderState::Sending => "正在提交运营商",
            OrderState::Unconfirmed => "已提交，等待运营商确认",
            OrderState::Submitted => "已提交运营商",
            OrderState::AwaitingPhotos => "待补传照片",
            OrderState::Reviewing => "审核中",
            OrderState::Shipped => "已发货",
            OrderState::Rejected => "审核失败",
        }
    }

    /// What the customer reads, in English.
    pub fn label_en(self) -> &'static str {
        match self {
            OrderState::Received => "Received",
            OrderState::Checking => "Checking your identity",
            OrderState::CheckFailed => "Identity check failed",
            OrderState::Sending => "Sending to the carrier",
            OrderState::Unconfirmed => "Sent, awaiting the carrier's confirmation",
            OrderState::Submitted => "Submitted to the carrier",
            OrderState::AwaitingPhotos => "Photos needed",
            OrderState::Reviewing => "Under review",
            OrderState::Shipped => "Shipped",
            OrderState::Rejected => "Not approved",
        }
    }

    /// Nothing moves an order out of a terminal state.
    pub fn is_terminal(self) -> bool {
        matches!(
            self,
            OrderState::CheckFailed | OrderState::Shipped | OrderState::Rejected
        )
    }

    /// Open orders count towards the per-person limit.
    pub fn is_open(self) -> bool {
        !self.is_terminal()
    }

    /// Whether the vendor may already hold the order (so a callback is meaningful).
    fn vendor_may_have_it(self) -> bool {
        matches!(
            self,
            OrderState::Sending
                | OrderState::Unconfirmed
                | OrderState::Submitted
                | OrderState::AwaitingPhotos
                | OrderState::Reviewing
        )
    }
}

/// An order status at the vendor, vendor-neutral (each vendor's module reads its own words into
/// it: Xingguang's are `haoka_edge_core::xingguang::status_of`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VendorStatus {
    /// 已提交
    Submitted,
    /// 待上传照片
    AwaitingPhotos,
    /// 审核中
    Reviewing,
    /// 已发货
    Shipped,
    /// 审核失败 (or another refusal)
    Rejected,
    /// A text we do not know: stored, never acted on.
    Unknown,
}

/// What can happen to an order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Input {
    /// The identity pre-check passed (or a pass within 24 h was reused).
    CheckPassed,
    /// The pre-check could not answer (upstream busy or down): retry later.
    CheckPending,
    /// The pre-check found a mismatch.
    CheckMismatch,
    /// `pushorder` went unanswered too many times: the vendor probably has it.
    SendsExhausted,
    /// `pushorder` accepted; `photos_missing` when the vendor still needs the three photos.
    VendorAccepted {
        /// The vendor reported 待上传照片 (or the product needs photos we did not send).
        photos_missing: bool,
    },
    /// `pushorder` refused.
    VendorRejected,
    /// `getimg` accepted the three photos.
    PhotosDelivered,
    /// A status callback.
    Callback(VendorStatus),
    /// An operator confirmed the vendor holds the order.
    OperatorConfirm,
    /// An operator asked for a resend with the same `api_xid`.
    OperatorResend,
    /// An operator closed the order.
    OperatorClose,
}

/// Who or what caused an event (the `source` column of `order_events`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    /// The customer's own request.
    Customer,
    /// An upstream's reply to our call.
    VendorReply,
    /// A vendor's callback.
    Callback,
    /// A background retry (queue or cron).
    Retry,
    /// An operator.
    Operator,
}

impl Source {
    /// Database name.
    pub fn as_str(self) -> &'static str {
        match self {
            Source::Customer => "customer",
            Source::VendorReply => "vendor_reply",
            Source::Callback => "callback",
            Source::Retry => "retry",
            Source::Operator => "operator",
        }
    }
}

/// The state after `input`, or `None` when the input does not apply (ignored, never an error:
/// late, repeated and out-of-order inputs end here).
pub fn next(state: OrderState, input: Input) -> Option<OrderState> {
    use OrderState as S;
    if state.is_terminal() {
        return None;
    }
    let to = match (state, input) {
        (S::Received | S::Checking, Input::CheckPassed) => S::Sending,
        (S::Received, Input::CheckPending) => S::Checking,
        (S::Received | S::Checking, Input::CheckMismatch) => S::CheckFailed,
        (S::Sending, Input::SendsExhausted) => S::Unconfirmed,
        (S::Sending | S::Unconfirmed, Input::VendorAccepted { photos_missing }) => {
            if photos_missing {
                S::AwaitingPhotos
            } else {
                S::Submitted
            }
        }
        (S::Sending | S::Unconfirmed, Input::VendorRejected) => S::Rejected,
        (S::AwaitingPhotos, Input::PhotosDelivered) => S::Submitted,
        (s, Input::Callback(v)) if s.vendor_may_have_it() => match (s, v) {
            (S::Sending | S::Unconfirmed, VendorStatus::Submitted) => S::Submitted,
            (S::Sending | S::Unconfirmed | S::Submitted, VendorStatus::AwaitingPhotos) => {
                S::AwaitingPhotos
            }
            (S::Reviewing, VendorStatus::Reviewing) => return None,
            (_, VendorStatus::Reviewing) => S::Reviewing,
            (_, VendorStatus::Shipped) => S::Shipped,
            (_, VendorStatus::Rejected) => S::Rejected,
            _ => return None,
        },
        (S::Sending | S::Unconfirmed, Input::OperatorConfirm) => S::Submitted,
        (S::Unconfirmed, Input::OperatorResend) => S::Sending,
        (_, Input::OperatorClose) => S::Rejected,
        _ => return None,
    };
    (to != state).then_some(to)
}

/// Why an order was refused, in words a customer understands (never the vendor's raw text).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RejectReason {
    /// The delivery address is outside the carrier's area.
    Address,
    /// The carrier's real-name check did not pass.
    Identity,
    /// Age outside the carrier's range.
    Age,
    /// The photos were not accepted.
    Photos,
    /// The person already holds too many cards.
    CardLimit,
    /// The chosen number is gone.
    Number,
    /// Closed by our operator.
    Operator,
    /// Anything else.
    Other,
}

impl RejectReason {
    /// Stable code (stored in D1, sent to the browser).
    pub fn as_str(self) -> &'static str {
        match self {
            RejectReason::Address => "address",
            RejectReason::Identity => "identity",
            RejectReason::Age => "age",
            RejectReason::Photos => "photos",
            RejectReason::CardLimit => "card_limit",
            RejectReason::Number => "number",
            RejectReason::Operator => "operator",
            RejectReason::Other => "other",
        }
    }

    /// Parse a stored code.
    pub fn parse(s: &str) -> Option<RejectReason> {
        use RejectReason::*;
        [
            Address, Identity, Age, Photos, CardLimit, Number, Operator, Other,
        ]
        .into_iter()
        .find(|r| r.as_str() == s)
    }

    /// Whether a new order with changed details can succeed where an order refused for the
    /// reason `code` (a [`RejectReason`] code or a pre-check mismatch code) failed: not for
    /// the person's age, their cards already held, or an order staff closed.
    pub fn reorder_helps(code: &str) -> bool {
        !matches!(
            RejectReason::parse(code),
            Some(RejectReason::Age | RejectReason::CardLimit | RejectReason::Operator)
        )
    }

    /// Chinese words.
    pub fn zh(self) -> &'static str {
        match self {
            RejectReason::Address => "收货地址不在运营商的配送范围内，请换一个地址重新下单",
            RejectReason::Identity => "运营商实名审核未通过，请核对姓名、身份证号码和手机号码",
            RejectReason::Age => "年龄不符合该产品的办理条件",
            RejectReason::Photos => "照片未通过审核，请重新拍摄清晰的证件照片",
            RejectReason::CardLimit => "名下号卡数量已达上限，无法再办理",
            RejectReason::Number => "所选号码已被占用，请重新选号下单",
            RejectReason::Operator => "订单已由客服关闭，如有疑问请联系客服",
            RejectReason::Other => "运营商未通过审核，请联系客服了解原因",
        }
    }

    /// English words.
    pub fn en(self) -> &'static str {
        match self {
            RejectReason::Address => {
                "The delivery address is outside the carrier's area; please order again with another address"
            }
            RejectReason::Identity => {
                "The carrier's real-name check did not pass; please check your name, ID number and mobile"
            }
            RejectReason::Age => "Your age does not meet this product's conditions",
            RejectReason::Photos => "The photos were not accepted; please take clear photos again",
            RejectReason::CardLimit => "You already hold the maximum number of cards",
            RejectReason::Number => "The chosen number is taken; please order again",
            RejectReason::Operator => "The order was closed by our staff; please contact support",
            RejectReason::Other => "The carrier did not approve the order; please contact support",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reorder_is_offered_only_where_changed_details_can_help() {
        for code in [
            "address",
            "identity",
            "photos",
            "number",
            "other",
            "name_mismatch",
        ] {
            assert!(RejectReason::reorder_helps(code), "{code}");
        }
        for code in ["age", "card_limit", "operator"] {
            assert!(!RejectReason::reorder_helps(code), "{code}");
        }
    }
    use OrderState as S;

    const ALL_VENDOR: [VendorStatus; 6] = [
        VendorStatus::Submitted,
        VendorStatus::AwaitingPhotos,
        VendorStatus::Reviewing,
        VendorStatus::Shipped,
        VendorStatus::Rejected,
        VendorStatus::Unknown,
    ];

    fn all_inputs() -> Vec<Input> {
        let mut v = vec![
            Input::CheckPassed,
            Input::CheckPending,
            Input::CheckMismatch,
            Input::SendsExhausted,
            Input::VendorAccepted {
                photos_missing: false,
            },
            Input::VendorAccepted {
                photos_missing: true,
            },
            Input::VendorRejected,
            Input::PhotosDelivered,
            Input::OperatorConfirm,
            Input::OperatorResend,
            Input::OperatorClose,
        ];
        v.extend(ALL_VENDOR.map(Input::Callback));
        v
    }

    #[test]
    fn happy_paths() {
        let run = |inputs: &[Input]| {
            inputs.iter().fold(S::Received, |s, i| {
                next(s, *i).unwrap_or_else(|| panic!("{s:?} + {i:?} ignored"))
            })
        };
        let ship = [
            Input::CheckPassed,
            Input::VendorAccepted {
                photos_missing: false,
            },
            Input::Callback(VendorStatus::Reviewing),
            Input::Callback(VendorStatus::Shipped),
        ];
        assert_eq!(run(&ship), S::Shipped);
        let photos_later = [
            Input::CheckPending,
            Input::CheckPassed,
            Input::VendorAccepted {
                photos_missing: true,
            },
            Input::PhotosDelivered,
            Input::Callback(VendorStatus::Reviewing),
            Input::Callback(VendorStatus::Rejected),
        ];
        assert_eq!(run(&photos_later), S::Rejected);
        let unknown_then_callback = [
            Input::CheckPassed,
            Input::SendsExhausted,
            Input::Callback(VendorStatus::Reviewing),
        ];
        assert_eq!(run(&unknown_then_callback), S::Reviewing);
        let operator = [
            Input::CheckPassed,
            Input::SendsExhausted,
            Input::OperatorResend,
            Input::SendsExhausted,
            Input::OperatorConfirm,
        ];
        assert_eq!(run(&operator), S::Submitted);
        assert_eq!(
            run(&[Input::CheckPending, Input::CheckMismatch]),
            S::CheckFailed
        );
    }

    /// Every (state, input) pair, written out: the whole table is the specification.
    #[test]
    fn every_transition() {
        let mut table = Vec::new();
        for s in ALL_STATES {
            for i in all_inputs() {
                if let Some(to) = next(s, i) {
                    table.push(format!("{} + {i:?} -> {}", s.as_str(), to.as_str()));
                }
            }
        }
        let want = include_str!("../tests/lifecycle_table.txt");
        let want: Vec<&str> = want.lines().filter(|l| !l.trim().is_empty()).collect();
        assert_eq!(table, want, "\n{}", table.join("\n"));
    }

    #[test]
    fn terminal_states_never_move() {
        for s in ALL_STATES.into_iter().filter(|s| s.is_terminal()) {
            for i in all_inputs() {
                assert_eq!(next(s, i), None, "{s:?} + {i:?}");
            }
        }
    }

    /// Callbacks never move an order backwards along the vendor's timeline.
    #[test]
    fn callbacks_never_go_backwards() {
        let rank = |s: S| match s {
            S::Sending | S::Unconfirmed => 0,
            S::Submitted => 1,
            S::AwaitingPhotos => 2,
            S::Reviewing => 3,
            S::Shipped | S::Rejected => 4,
            _ => -1,
        };
        for s in ALL_STATES {
            for v in ALL_VENDOR {
                if let Some(to) = next(s, Input::Callback(v)) {
                    assert!(rank(to) > rank(s), "{s:?} --{v:?}--> {to:?} goes backwards");
                }
            }
        }
        assert_eq!(
            next(S::Shipped, Input::Callback(VendorStatus::Reviewing)),
            None
        );
        assert_eq!(
            next(S::Reviewing, Input::Callback(VendorStatus::Submitted)),
            None
        );
        assert_eq!(
            next(S::Reviewing, Input::Callback(VendorStatus::AwaitingPhotos)),
            None
        );
    }

    #[test]
    fn an_unanswered_send_is_never_failed() {
        // Nothing but a vendor's word or an operator ends an order once it may have been sent.
        for i in all_inputs() {
            let to = next(S::Unconfirmed, i);
            if to == Some(S::Rejected) {
                assert!(
                    matches!(
                        i,
                        Input::VendorRejected
                            | Input::OperatorClose
                            | Input::Callback(VendorStatus::Rejected)
                    ),
                    "{i:?}"
                );
            }
        }
        assert_eq!(
            next(S::Sending, Input::SendsExhausted),
            Some(S::Unconfirmed)
        );
        assert_eq!(next(S::Unconfirmed, Input::SendsExhausted), None);
    }

    #[test]
    fn names_round_trip() {
        for s in ALL_STATES {
            assert_eq!(OrderState::parse(s.as_str()), Some(s));
            assert_eq!(
                serde_json::to_value(s).unwrap(),
                serde_json::json!(s.as_str())
            );
            assert!(!s.label_zh().is_empty() && !s.label_en().is_empty());
        }
        assert_eq!(OrderState::parse("nope"), None);
    }
}
