//! An order's background steps, decided (sans-IO): which work an order's state asks for, and
//! what each upstream answer comes to — the state-machine input with its event, the columns to
//! set (a typed [`OrderPatch`], never column names), and the effects to run after it
//! ([`Effect`]: forget the photos, enqueue another try). The worker loads the order, makes the
//! call, hands the answer here, then writes and runs what comes back. Time arrives as `now`.

use haoka_shared::lifecycle::{
    self, ALL_STATES, Input, OrderState, RejectReason, Source, VendorStatus,
};

use crate::{
    MismatchPart,
    retry::SendPolicy,
    vendor::{Callback, GetimgOutcome, PushOutcome},
};

/// What an order needs next from the background.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Work {
    /// The identity pre-check (three calls at most: RealMe, phone three-factor, failover).
    Check,
    /// `pushorder` (resent with the same `api_xid` while its outcome is unknown).
    Send,
    /// Re-upload the photos the vendor is waiting for (`getimg`).
    UploadPhotos,
    /// Nothing: it waits for the vendor, the customer or an operator, or it has ended.
    Nothing,
}

impl Work {
    /// The upstream calls a step of this work may make (what the lease must cover).
    pub fn calls(self) -> u32 {
        match self {
            Work::Check => 3,
            Work::Send | Work::UploadPhotos => 1,
            Work::Nothing => 0,
        }
    }
}

/// The work an order in `state` needs, `has_photos` telling whether its photos are in R2.
pub fn work_for(state: OrderState, has_photos: bool) -> Work {
    match state {
        OrderState::Received | OrderState::Checking => Work::Check,
        OrderState::Sending => Work::Send,
        OrderState::AwaitingPhotos if has_photos => Work::UploadPhotos,
        _ => Work::Nothing,
    }
}

/// The states whose orders have background work whatever their photos, and those that have
/// it only with photos in R2 — what the reconciler binds into its "due" query, so the states
/// are never spelled in SQL.
pub fn states_with_work() -> (Vec<&'static str>, Vec<&'static str>) {
    let always = ALL_STATES
        .iter()
        .filter(|s| work_for(**s, false) != Work::Nothing)
        .map(|s| s.as_str())
        .collect();
    let with_photos = ALL_STATES
        .iter()
        .filter(|s| work_for(**s, false) == Work::Nothing && work_for(**s, true) != Work::Nothing)
        .map(|s| s.as_str())
        .collect();
    (always, with_photos)
}

/// What of an order its steps decide by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Snapshot {
    /// Its state as read.
    pub state: OrderState,
    /// The product needs the three photos.
    pub wants_photos: bool,
    /// Pre-check attempts so far.
    pub check_attempts: i64,
    /// Sends so far (this one included, once counted).
    pub send_attempts: i64,
    /// Its photos are in R2.
    pub has_photos: bool,
    /// The vendor's order number is known.
    pub has_apiorder: bool,
}

/// Columns a step sets (absent: unchanged).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OrderPatch {
    /// The vendor's order number.
    pub apiorder: Option<String>,
    /// The vendor's status word as sent.
    pub vendor_status: Option<String>,
    /// Courier company and tracking number, once shipped.
    pub express: Option<(String, String)>,
    /// Why it was refused ([`RejectReason`] or [`MismatchPart`] name).
    pub reason_code: Option<String>,
    /// The last upstream trouble, for an operator.
    pub last_error: Option<String>,
    /// Pre-check attempts.
    pub check_attempts: Option<i64>,
    /// When the next try is due: `Some(None)` clears it (nothing scheduled).
    pub next_try_ms: Option<Option<i64>>,
}

/// A state-machine move and its event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Move {
    /// The input.
    pub input: Input,
    /// Who caused it.
    pub source: Source,
    /// The event's detail.
    pub detail: String,
}

/// What to do after the columns are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Effect {
    /// Delete the order's photos from R2 (and mark them gone).
    ForgetPhotos,
    /// Put "advance this order" on the queue after this many seconds.
    Enqueue {
        /// Delay, seconds.
        delay_s: u32,
    },
}

/// What a step's answer comes to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    /// Move the order (the patch is written with the move, only if it applies); `None`:
    /// write the patch alone.
    pub change: Option<Move>,
    /// Columns to set.
    pub patch: OrderPatch,
    /// Run after the write, in order.
    pub effects: Vec<Effect>,
    /// The effects run only if the move applied (else whatever the move's outcome).
    pub effects_need_move: bool,
    /// Whether the step loop goes on to the order's next work.
    pub go_on_in: GoOn,
}

/// When the step loop carries on after a decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GoOn {
    /// Stop here.
    Stop,
    /// Carry on if the move applied.
    IfMoved,
    /// Carry on if the move applied and reached this state.
    IfReached(OrderState),
}

impl GoOn {
    /// Whether the loop goes on, given the state the move reached (`None`: none applied).
    pub fn goes_on(self, reached: Option<OrderState>) -> bool {
        match self {
            GoOn::Stop => false,
            GoOn::IfMoved => reached.is_some(),
            GoOn::IfReached(state) => reached == Some(state),
        }
    }
}

fn decision(change: Option<Move>, patch: OrderPatch, effects: Vec<Effect>, go: GoOn) -> Decision {
    Decision {
        change,
        patch,
        effects,
        effects_need_move: false,
        go_on_in: go,
    }
}

fn moved(input: Input, source: Source, detail: impl Into<String>) -> Option<Move> {
    Some(Move {
        input,
        source,
        detail: detail.into(),
    })
}

fn later(now: i64, delay_s: u32) -> Option<Option<i64>> {
    Some(Some(now + i64::from(delay_s) * 1000))
}

/// The identity pre-check's verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CheckVerdict {
    /// Everything the product asks for matches.
    Pass,
    /// This part does not.
    Mismatch(MismatchPart),
    /// No verdict now (busy or down); ask again later.
    Pending,
}

/// After the pre-check: a pass sends at once, a mismatch ends the order, and no verdict waits
/// with the send backoff, without end (an order is never refused for an upstream's trouble).
pub fn after_check(
    order: &Snapshot,
    verdict: CheckVerdict,
    policy: &SendPolicy,
    now: i64,
) -> Decision {
    match verdict {
        CheckVerdict::Pass => decision(
            moved(Input::CheckPassed, Source::VendorReply, "pre-check"),
            OrderPatch {
                next_try_ms: Some(Some(now)),
                ..OrderPatch::default()
            },
            Vec::new(),
            GoOn::IfReached(OrderState::Sending),
        ),
        CheckVerdict::Mismatch(part) => decision(
            moved(Input::CheckMismatch, Source::VendorReply, "pre-check"),
            OrderPatch {
                reason_code: Some(part.as_str().to_owned()),
                ..OrderPatch::default()
            },
            Vec::new(),
            GoOn::Stop,
        ),
        CheckVerdict::Pending => {
            let attempts = order.check_attempts + 1;
            let delay = policy.delay_after(u32::try_from(attempts).unwrap_or(u32::MAX));
            let change = (order.state != OrderState::Checking).then(|| Move {
                input: Input::CheckPending,
                source: Source::VendorReply,
                detail: "pre-check pending".into(),
            });
            decision(
                change,
                OrderPatch {
                    check_attempts: Some(attempts),
                    next_try_ms: later(now, delay),
                    ..OrderPatch::default()
                },
                vec![Effect::Enqueue { delay_s: delay }],
                GoOn::Stop,
            )
        }
    }
}

/// A send's outcome in words for the log and the order's `last_error` (never the body).
pub fn describe(outcome: &PushOutcome) -> String {
    match outcome {
        PushOutcome::Accepted {
            apiorder,
            status_text,
            ..
        } => format!("accepted {apiorder} {status_text}"),
        PushOutcome::Rejected { code, plain, .. } => {
            format!("rejected code={code} reason={}", plain.as_str())
        }
        PushOutcome::CredentialsRefused { .. } => {
            "credentials refused (check XINGGUANG_API_USER/KEY)".into()
        }
        PushOutcome::Unknown { why } => format!("unknown ({why})"),
    }
}

/// After send number `attempt` (counted before it went): accepted moves on (asking for photos
/// when the vendor has none of ours), refused ends the order, and no answer resends with the
/// same `api_xid` after a backoff until the budget is spent, then waits in 待确认 (never a
/// new `api_xid`: a callback or an operator settles it). `photos_sent`: the send carried the
/// three photos; `by_operator`: an operator asked for it.
pub fn after_push(
    order: &Snapshot,
    outcome: &PushOutcome,
    attempt: i64,
    photos_sent: bool,
    by_operator: bool,
    policy: &SendPolicy,
    now: i64,
) -> Decision {
    match outcome {
        PushOutcome::Accepted {
            apiorder,
            status,
            status_text,
        } => {
            let photos_missing =
                order.wants_photos && (!photos_sent || *status == VendorStatus::AwaitingPhotos);
            let source = if by_operator {
                Source::Operator
            } else {
                Source::VendorReply
            };
            let mut effects = Vec::new();
            if photos_sent && !photos_missing {
                // The vendor confirmed the order with its photos: ours go.
                effects.push(Effect::ForgetPhotos);
            }
            decision(
                moved(
                    Input::VendorAccepted { photos_missing },
                    source,
                    format!("pushorder accepted: {apiorder}"),
                ),
                OrderPatch {
                    apiorder: Some(apiorder.clone()),
                    vendor_status: Some(status_text.clone()),
                    next_try_ms: Some(Some(now)),
                    ..OrderPatch::default()
                },
                effects,
                GoOn::IfMoved,
            )
        }
        PushOutcome::Rejected { code, plain, .. } => decision(
            moved(
                Input::VendorRejected,
                Source::VendorReply,
                "pushorder refused",
            ),
            OrderPatch {
                reason_code: Some(plain.as_str().to_owned()),
                last_error: Some(format!("pushorder refused, code {code}")),
                ..OrderPatch::default()
            },
            vec![Effect::ForgetPhotos],
            GoOn::Stop,
        ),
        PushOutcome::CredentialsRefused { .. } | PushOutcome::Unknown { .. } => {
            let why = describe(outcome);
            let attempts = u32::try_from(attempt).unwrap_or(u32::MAX);
            if policy.exhausted(attempts) {
                decision(
                    moved(
                        Input::SendsExhausted,
                        Source::Retry,
                        format!("no answer after {attempt} sends"),
                    ),
                    OrderPatch {
                        last_error: Some(why),
                        next_try_ms: Some(None),
                        ..OrderPatch::default()
                    },
                    Vec::new(),
                    GoOn::Stop,
                )
            } else {
                let delay = policy.delay_after(attempts);
                decision(
                    None,
                    OrderPatch {
                        last_error: Some(why),
                        next_try_ms: later(now, delay),
                        ..OrderPatch::default()
                    },
                    vec![Effect::Enqueue { delay_s: delay }],
                    GoOn::Stop,
                )
            }
        }
    }
}

/// When the vendor waits for photos but they cannot be sent (no vendor number yet, or not all
/// three in R2): drop what is there, so the customer is asked again.
pub fn photos_unsendable() -> Decision {
    decision(
        None,
        OrderPatch::default(),
        vec![Effect::ForgetPhotos],
        GoOn::Stop,
    )
}

/// After `getimg`: delivered moves on and our copies go; refused drops them so the customer
/// is asked for new ones; no answer tries again after the send backoff.
pub fn after_getimg(
    order: &Snapshot,
    outcome: &GetimgOutcome,
    policy: &SendPolicy,
    now: i64,
) -> Decision {
    match outcome {
        GetimgOutcome::Delivered => decision(
            moved(
                Input::PhotosDelivered,
                Source::VendorReply,
                "getimg accepted",
            ),
            OrderPatch::default(),
            vec![Effect::ForgetPhotos],
            GoOn::IfMoved,
        ),
        GetimgOutcome::Refused { code, .. } => decision(
            None,
            OrderPatch {
                reason_code: Some(RejectReason::Photos.as_str().to_owned()),
                last_error: Some(format!("getimg refused, code {code}")),
                ..OrderPatch::default()
            },
            vec![Effect::ForgetPhotos],
            GoOn::Stop,
        ),
        GetimgOutcome::Unknown { why } => {
            let attempts = u32::try_from(order.send_attempts.max(1)).unwrap_or(1);
            let delay = policy.delay_after(attempts);
            decision(
                None,
                OrderPatch {
                    last_error: Some(format!("getimg: {why}")),
                    next_try_ms: later(now, delay),
                    ..OrderPatch::default()
                },
                vec![Effect::Enqueue { delay_s: delay }],
                GoOn::Stop,
            )
        }
    }
}

/// Whether the customer may (re)send the three photos now: the product needs them, none are
/// held, and the order is still on its way to the vendor or the vendor waits for them. Anything
/// else answers `photos_not_needed`.
pub fn photos_wanted(state: OrderState, wants_photos: bool, has_photos: bool) -> bool {
    wants_photos
        && !has_photos
        && matches!(
            state,
            OrderState::Received
                | OrderState::Checking
                | OrderState::Sending
                | OrderState::Unconfirmed
                | OrderState::AwaitingPhotos
        )
}

/// A vendor status callback on an order: `None` when the state machine says it does not apply
/// (late, repeated, backwards), else the move with the callback's columns. A move to an end
/// forgets photos still held; a move to 待补照片 with photos in hand sends them at once.
pub fn after_callback(order: &Snapshot, cb: &Callback, now: i64) -> Option<Decision> {
    let input = Input::Callback(cb.status);
    let to = lifecycle::next(order.state, input)?;
    let mut patch = OrderPatch {
        vendor_status: Some(cb.status_text.clone()),
        ..OrderPatch::default()
    };
    if !order.has_apiorder {
        // An unconfirmed order learns the vendor's number from its first callback.
        patch.apiorder = cb.apiorder.clone();
    }
    if cb.status == VendorStatus::Shipped {
        patch.express = Some((
            cb.express.clone().unwrap_or_default(),
            cb.express_no.clone().unwrap_or_default(),
        ));
    }
    if cb.status == VendorStatus::Rejected {
        patch.reason_code = Some(cb.plain.as_str().to_owned());
    }
    let mut effects = Vec::new();
    if to.is_terminal() && order.has_photos {
        effects.push(Effect::ForgetPhotos);
    } else if to == OrderState::AwaitingPhotos && order.has_photos {
        patch.next_try_ms = Some(Some(now));
        effects.push(Effect::Enqueue { delay_s: 0 });
    }
    let mut d = decision(
        moved(
            input,
            Source::Callback,
            format!("callback {}", cb.status_text),
        ),
        patch,
        effects,
        GoOn::Stop,
    );
    d.effects_need_move = true;
    Some(d)
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_790_000_000_000;

    fn order(state: OrderState) -> Snapshot {
        Snapshot {
            state,
            wants_photos: true,
            check_attempts: 0,
            send_attempts: 1,
            has_photos: true,
            has_apiorder: true,
        }
    }

    fn callback(status: VendorStatus, text: &str) -> Callback {
        Callback {
            api_xid: None,
            apiorder: Some("XG9".into()),
            status_text: text.into(),
            status,
            reason: "收货地址不支持".into(),
            plain: crate::xingguang::reason_of("收货地址不支持"),
            express: Some("顺丰".into()),
            express_no: Some("SF1".into()),
        }
    }

    fn policy() -> SendPolicy {
        SendPolicy::default()
    }

    fn accepted(status: VendorStatus) -> PushOutcome {
        PushOutcome::Accepted {
            apiorder: "XG1".into(),
            status,
            status_text: "待审核".into(),
        }
    }

    #[test]
    fn each_state_asks_for_its_work() {
        assert_eq!(work_for(OrderState::Received, false), Work::Check);
        assert_eq!(work_for(OrderState::Checking, false), Work::Check);
        assert_eq!(work_for(OrderState::Sending, false), Work::Send);
        assert_eq!(work_for(OrderState::AwaitingPhotos, false), Work::Nothing);
        assert_eq!(
            work_for(OrderState::AwaitingPhotos, true),
            Work::UploadPhotos
        );
        assert_eq!(work_for(OrderState::Unconfirmed, true), Work::Nothing);
        for s in lifecycle::ALL_STATES {
            if s.is_terminal() {
                assert_eq!(work_for(s, true), Work::Nothing, "{s:?}");
            }
        }
        assert_eq!(Work::Check.calls(), 3);
    }

    #[test]
    fn the_reconcilers_states_are_the_steps_states() {
        let (always, with_photos) = states_with_work();
        assert_eq!(always, ["received", "checking", "sending"]);
        assert_eq!(with_photos, ["awaiting_photos"]);
    }

    #[test]
    fn a_pass_sends_now_and_a_mismatch_ends_with_its_part() {
        let d = after_check(
            &order(OrderState::Received),
            CheckVerdict::Pass,
            &policy(),
            NOW,
        );
        assert_eq!(d.change.unwrap().input, Input::CheckPassed);
        assert_eq!(d.patch.next_try_ms, Some(Some(NOW)));
        assert_eq!(d.go_on_in, GoOn::IfReached(OrderState::Sending));
        assert!(d.go_on_in.goes_on(Some(OrderState::Sending)));
        assert!(!d.go_on_in.goes_on(Some(OrderState::CheckFailed)));
        assert!(!d.go_on_in.goes_on(None));
        let d = after_check(
            &order(OrderState::Received),
            CheckVerdict::Mismatch(MismatchPart::NoRecord),
            &policy(),
            NOW,
        );
        assert_eq!(d.change.unwrap().input, Input::CheckMismatch);
        assert_eq!(
            d.patch.reason_code.as_deref(),
            Some(MismatchPart::NoRecord.as_str())
        );
        assert!(d.effects.is_empty());
    }

    #[test]
    fn no_verdict_waits_longer_each_time_and_moves_to_checking_once() {
        let first = after_check(
            &order(OrderState::Received),
            CheckVerdict::Pending,
            &policy(),
            NOW,
        );
        assert_eq!(first.change.unwrap().input, Input::CheckPending);
        let delay = policy().delay_after(1);
        assert_eq!(first.effects, [Effect::Enqueue { delay_s: delay }]);
        assert_eq!(
            first.patch.next_try_ms,
            Some(Some(NOW + i64::from(delay) * 1000))
        );
        let mut again = order(OrderState::Checking);
        again.check_attempts = 3;
        let later = after_check(&again, CheckVerdict::Pending, &policy(), NOW);
        assert_eq!(later.change, None, "already checking: the patch alone");
        assert_eq!(later.patch.check_attempts, Some(4));
        assert_eq!(
            later.effects,
            [Effect::Enqueue {
                delay_s: policy().delay_after(4)
            }]
        );
    }

    #[test]
    fn an_accepted_send_with_photos_forgets_ours() {
        let d = after_push(
            &order(OrderState::Sending),
            &accepted(VendorStatus::Submitted),
            1,
            true,
            false,
            &policy(),
            NOW,
        );
        let m = d.change.unwrap();
        assert_eq!(
            m.input,
            Input::VendorAccepted {
                photos_missing: false
            }
        );
        assert_eq!(m.source, Source::VendorReply);
        assert_eq!(d.effects, [Effect::ForgetPhotos]);
        assert_eq!(d.patch.apiorder.as_deref(), Some("XG1"));
        assert_eq!(d.go_on_in, GoOn::IfMoved);
    }

    #[test]
    fn an_accepted_send_without_photos_or_awaiting_them_asks_for_them() {
        let no_photos = after_push(
            &order(OrderState::Sending),
            &accepted(VendorStatus::Submitted),
            1,
            false,
            true,
            &policy(),
            NOW,
        );
        let m = no_photos.change.unwrap();
        assert_eq!(
            m.input,
            Input::VendorAccepted {
                photos_missing: true
            }
        );
        assert_eq!(m.source, Source::Operator);
        assert!(no_photos.effects.is_empty());
        let awaiting = after_push(
            &order(OrderState::Sending),
            &accepted(VendorStatus::AwaitingPhotos),
            1,
            true,
            false,
            &policy(),
            NOW,
        );
        assert_eq!(
            awaiting.change.unwrap().input,
            Input::VendorAccepted {
                photos_missing: true
            }
        );
        assert!(awaiting.effects.is_empty(), "photos kept for getimg");
        let mut plain = order(OrderState::Sending);
        plain.wants_photos = false;
        let d = after_push(
            &plain,
            &accepted(VendorStatus::Submitted),
            1,
            false,
            false,
            &policy(),
            NOW,
        );
        assert_eq!(
            d.change.unwrap().input,
            Input::VendorAccepted {
                photos_missing: false
            }
        );
    }

    #[test]
    fn a_refused_send_ends_the_order_and_forgets_the_photos() {
        let d = after_push(
            &order(OrderState::Sending),
            &PushOutcome::Rejected {
                code: "7".into(),
                reason: "地址".into(),
                plain: RejectReason::Address,
            },
            1,
            true,
            false,
            &policy(),
            NOW,
        );
        assert_eq!(d.change.unwrap().input, Input::VendorRejected);
        assert_eq!(
            d.patch.reason_code.as_deref(),
            Some(RejectReason::Address.as_str())
        );
        assert_eq!(
            d.patch.last_error.as_deref(),
            Some("pushorder refused, code 7")
        );
        assert_eq!(d.effects, [Effect::ForgetPhotos]);
    }

    #[test]
    fn no_answer_resends_after_a_backoff_until_the_budget_is_spent() {
        let unknown = PushOutcome::Unknown {
            why: "timeout".into(),
        };
        let p = policy();
        let d = after_push(
            &order(OrderState::Sending),
            &unknown,
            1,
            false,
            false,
            &p,
            NOW,
        );
        assert_eq!(d.change, None);
        assert_eq!(
            d.effects,
            [Effect::Enqueue {
                delay_s: p.delay_after(1)
            }]
        );
        assert_eq!(d.patch.last_error.as_deref(), Some("unknown (timeout)"));
        let last = i64::from(p.max_attempts);
        let d = after_push(
            &order(OrderState::Sending),
            &unknown,
            last,
            false,
            false,
            &p,
            NOW,
        );
        let m = d.change.unwrap();
        assert_eq!(m.input, Input::SendsExhausted);
        assert_eq!(m.detail, format!("no answer after {last} sends"));
        assert_eq!(
            d.patch.next_try_ms,
            Some(None),
            "nothing scheduled in 待确认"
        );
        assert!(d.effects.is_empty());
        let refused = PushOutcome::CredentialsRefused {
            reason: "21".into(),
        };
        let d = after_push(
            &order(OrderState::Sending),
            &refused,
            1,
            false,
            false,
            &p,
            NOW,
        );
        assert!(d.patch.last_error.unwrap().contains("credentials refused"));
    }

    #[test]
    fn getimg_outcomes() {
        let o = order(OrderState::AwaitingPhotos);
        let d = after_getimg(&o, &GetimgOutcome::Delivered, &policy(), NOW);
        assert_eq!(d.change.unwrap().input, Input::PhotosDelivered);
        assert_eq!(d.effects, [Effect::ForgetPhotos]);
        let d = after_getimg(
            &o,
            &GetimgOutcome::Refused {
                code: "400".into(),
                msg: String::new(),
            },
            &policy(),
            NOW,
        );
        assert_eq!(d.change, None);
        assert_eq!(
            d.patch.reason_code.as_deref(),
            Some(RejectReason::Photos.as_str())
        );
        assert_eq!(d.effects, [Effect::ForgetPhotos]);
        let d = after_getimg(
            &o,
            &GetimgOutcome::Unknown { why: "5xx".into() },
            &policy(),
            NOW,
        );
        assert_eq!(
            d.effects,
            [Effect::Enqueue {
                delay_s: policy().delay_after(1)
            }]
        );
        assert_eq!(photos_unsendable().effects, [Effect::ForgetPhotos]);
    }

    #[test]
    fn a_callback_that_does_not_apply_changes_nothing() {
        let shipped = order(OrderState::Shipped);
        assert_eq!(
            after_callback(&shipped, &callback(VendorStatus::Reviewing, "审核中"), NOW),
            None
        );
    }

    #[test]
    fn a_shipping_callback_records_the_parcel_and_forgets_photos() {
        let d = after_callback(
            &order(OrderState::Submitted),
            &callback(VendorStatus::Shipped, "已发货"),
            NOW,
        )
        .unwrap();
        let m = d.change.clone().unwrap();
        assert_eq!(m.input, Input::Callback(VendorStatus::Shipped));
        assert_eq!(m.source, Source::Callback);
        assert_eq!(m.detail, "callback 已发货");
        assert_eq!(d.patch.express, Some(("顺丰".into(), "SF1".into())));
        assert_eq!(d.patch.apiorder, None, "the number was known already");
        assert_eq!(d.effects, [Effect::ForgetPhotos]);
        assert!(d.effects_need_move);
    }

    #[test]
    fn a_rejecting_callback_says_why_in_customer_words() {
        let mut o = order(OrderState::Unconfirmed);
        o.has_apiorder = false;
        o.has_photos = false;
        let d = after_callback(&o, &callback(VendorStatus::Rejected, "审核失败"), NOW).unwrap();
        assert_eq!(
            d.patch.reason_code.as_deref(),
            Some(crate::xingguang::reason_of("收货地址不支持").as_str())
        );
        assert_eq!(
            d.patch.apiorder.as_deref(),
            Some("XG9"),
            "learnt from the callback"
        );
        assert!(d.effects.is_empty());
    }

    #[test]
    fn awaiting_photos_with_photos_in_hand_sends_them_now() {
        let d = after_callback(
            &order(OrderState::Submitted),
            &callback(VendorStatus::AwaitingPhotos, "待补照片"),
            NOW,
        );
        if let Some(d) = d {
            assert_eq!(d.patch.next_try_ms, Some(Some(NOW)));
            assert_eq!(d.effects, [Effect::Enqueue { delay_s: 0 }]);
        } else {
            panic!("待补照片 applies to a submitted order");
        }
    }

    #[test]
    fn photos_are_wanted_only_while_they_can_still_help() {
        assert!(photos_wanted(OrderState::Received, true, false));
        assert!(photos_wanted(OrderState::AwaitingPhotos, true, false));
        assert!(photos_wanted(OrderState::Unconfirmed, true, false));
        assert!(
            !photos_wanted(OrderState::AwaitingPhotos, true, true),
            "held already"
        );
        assert!(
            !photos_wanted(OrderState::Received, false, false),
            "not a 三照 product"
        );
        for s in [
            OrderState::Submitted,
            OrderState::Reviewing,
            OrderState::Shipped,
            OrderState::Rejected,
            OrderState::CheckFailed,
        ] {
            assert!(!photos_wanted(s, true, false), "{s:?}");
        }
    }
}
