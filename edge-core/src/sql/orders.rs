//! The `orders` table, its events and the raw vendor callbacks. Orders are loaded, created
//! (idempotently), patched and moved through the state machine with the event written in the
//! same batch — a transition and its event land together or not at all, and only if the order
//! was still in the state it was read in (compare-and-set). A callback body is stored once
//! (`INSERT … ON CONFLICT DO NOTHING`). Also the reconciler's queries (work due, photos past
//! their purge time, orders stuck in 待确认) and the retention purge of ended orders, which
//! deletes them with their events and callbacks in one batch; state names are always bound
//! from [`OrderState`], never spelled in SQL.

use haoka_shared::lifecycle::{self, Input, OrderState, Source};
use serde::{Deserialize, Serialize};

use super::{Arg, Done, Query, Stmt};
use crate::orders::{OrderPatch, Snapshot};

/// One row of `orders`.
#[derive(Debug, Clone, Deserialize)]
pub struct OrderRow {
    /// Our order number.
    pub id: String,
    /// The vendor-facing id, minted once.
    pub api_xid: String,
    /// SHA-256 of the request that created it.
    pub request_hash: String,
    /// Vendor product id.
    pub product_id: String,
    /// 1 for 三照 products.
    pub needs_photos: i64,
    /// 1 when the pre-check also runs phone three-factor.
    pub needs_phone3: i64,
    /// [`OrderState`] name.
    pub state: String,
    /// Sealed name.
    pub name_enc: String,
    /// Sealed mobile.
    pub mobile_enc: String,
    /// Sealed ID number.
    pub id_number_enc: String,
    /// Sealed street address.
    pub address_enc: String,
    /// `省 市 区`.
    pub order_province: String,
    /// Chosen number or empty.
    pub number: String,
    /// 1 while the three photos are in R2.
    pub photos: i64,
    /// The vendor's order number.
    pub apiorder: Option<String>,
    /// Resends so far.
    pub send_attempts: i64,
    /// Pre-check attempts so far.
    pub check_attempts: i64,
    /// Refusal code.
    pub reason_code: Option<String>,
    /// Carrier.
    pub express: Option<String>,
    /// Tracking number.
    pub express_no: Option<String>,
    /// The photos' kept quality problems (`QualityFlags` JSON), if any.
    #[serde(default)]
    pub photo_flags: Option<String>,
    /// Background steps that failed in a row.
    #[serde(default)]
    pub job_failures: i64,
    /// When background work is next due (`None`: nothing scheduled).
    #[serde(default)]
    pub next_try_ms: Option<i64>,
    /// Set when an operator should look at it (background steps kept failing).
    #[serde(default)]
    pub flagged_ms: Option<i64>,
    /// Until when the order refuses status lookups (too many wrong ID tails).
    #[serde(default)]
    pub lookup_locked_until_ms: Option<i64>,
    /// Created, Unix ms.
    pub created_at_ms: i64,
    /// Last change, Unix ms.
    pub updated_at_ms: i64,
}

/// A stored order whose state is no [`OrderState`] name (a data error).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("order {id} has state {state:?}")]
pub struct UnknownState {
    /// The order.
    pub id: String,
    /// What its `state` column holds.
    pub state: String,
}

impl OrderRow {
    /// The current state (an unknown name is a data error).
    pub fn state(&self) -> Result<OrderState, UnknownState> {
        OrderState::parse(&self.state).ok_or_else(|| UnknownState {
            id: self.id.clone(),
            state: self.state.clone(),
        })
    }

    /// Whether the product needs the three photos.
    pub fn wants_photos(&self) -> bool {
        self.needs_photos != 0
    }

    /// Whether the three photos are in R2.
    pub fn has_photos(&self) -> bool {
        self.photos != 0
    }

    /// What the background steps decide by.
    pub fn snapshot(&self) -> Result<Snapshot, UnknownState> {
        Ok(Snapshot {
            state: self.state()?,
            wants_photos: self.wants_photos(),
            check_attempts: self.check_attempts,
            send_attempts: self.send_attempts,
            has_photos: self.has_photos(),
            has_apiorder: self.apiorder.is_some(),
        })
    }
}

/// Columns to set along with a change (or alone): each `None` is left as it is; the
/// `Option<Option<_>>` ones set `NULL` with `Some(None)`. The field names are the columns.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Patch {
    /// The vendor's order number.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub apiorder: Option<String>,
    /// The vendor's status word as sent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vendor_status: Option<String>,
    /// Courier company.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub express: Option<String>,
    /// Tracking number.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub express_no: Option<String>,
    /// Refusal code.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason_code: Option<String>,
    /// The last upstream trouble, for an operator.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_error: Option<String>,
    /// Pre-check attempts.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub check_attempts: Option<i64>,
    /// Sends so far.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub send_attempts: Option<i64>,
    /// When background work is next due (`Some(None)`: nothing scheduled).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_try_ms: Option<Option<i64>>,
    /// Whether the three photos are in R2.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub photos: Option<bool>,
    /// The photos' purge time (`Some(None)`: none pending).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub photos_expire_ms: Option<Option<i64>>,
    /// The photos' kept quality problems (`Some(None)`: none).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub photo_flags: Option<Option<String>>,
}

impl Patch {
    /// Whether it sets nothing.
    pub fn is_empty(&self) -> bool {
        *self == Patch::default()
    }
}

impl From<&OrderPatch> for Patch {
    fn from(p: &OrderPatch) -> Patch {
        let (express, express_no) = p
            .express
            .clone()
            .map_or((None, None), |(e, n)| (Some(e), Some(n)));
        Patch {
            apiorder: p.apiorder.clone(),
            vendor_status: p.vendor_status.clone(),
            express,
            express_no,
            reason_code: p.reason_code.clone(),
            last_error: p.last_error.clone(),
            check_attempts: p.check_attempts,
            next_try_ms: p.next_try_ms,
            ..Patch::default()
        }
    }
}

/// Set `patch`'s columns of order `id` without a state change (`None` when it sets nothing:
/// there is no statement to run).
pub fn update(id: &str, patch: &Patch) -> Option<Stmt> {
    (!patch.is_empty()).then(|| Stmt::update("orders", patch, "id = ?1", [id.into()]))
}

/// Count send number `attempt` before it goes (a crash mid-send still counts towards 待确认).
pub fn count_send(id: &str, attempt: i64) -> Stmt {
    let patch = Patch {
        send_attempts: Some(attempt),
        ..Patch::default()
    };
    Stmt::update("orders", &patch, "id = ?1", [id.into()])
}

/// An order by id.
pub fn load(id: &str) -> Query<OrderRow> {
    Stmt::new("SELECT * FROM orders WHERE id = ?1", [id.into()]).rows()
}

/// An order by `api_xid`.
pub fn load_by_xid(api_xid: &str) -> Query<OrderRow> {
    Stmt::new("SELECT * FROM orders WHERE api_xid = ?1", [api_xid.into()]).rows()
}

/// An order by the browser's idempotency key.
pub fn load_by_key(key: &str) -> Query<OrderRow> {
    Stmt::new(
        "SELECT * FROM orders WHERE idempotency_key = ?1",
        [key.into()],
    )
    .rows()
}

/// The event of a change, written only when the statement before it in the batch changed a
/// row (`changes() = 1`).
fn event(
    order_id: &str,
    now: i64,
    source: Source,
    from: Option<OrderState>,
    to: OrderState,
    detail: &str,
) -> Stmt {
    Stmt::new(
        "INSERT INTO order_events (order_id, at_ms, source, from_state, to_state, detail) \
         SELECT ?1, ?2, ?3, ?4, ?5, ?6 WHERE changes() = 1",
        [
            order_id.into(),
            now.into(),
            source.as_str().into(),
            from.map(OrderState::as_str).into(),
            to.as_str().into(),
            detail.into(),
        ],
    )
}

/// Whether a batch's first statement (an insert held to its conditions, a compare-and-set)
/// changed a row — then the event after it was written too.
pub fn changed(done: &[Done]) -> bool {
    done.first().is_some_and(|d| d.changes > 0)
}

/// The per-person limits an insert is held to.
pub struct Limits<'a> {
    /// Keyed hash of the ID number.
    pub id_hash: &'a str,
    /// The product ordered.
    pub product_id: &'a str,
    /// Open orders allowed for this product.
    pub per_product: u32,
    /// Open orders allowed in all.
    pub total: u32,
    /// The attempt's hold on the chosen number (its keyed hash), when the order names one:
    /// the order is stored only while that hold is the attempt's and in time, and takes the
    /// number in the same batch.
    pub hold_hash: Option<&'a str>,
}

/// The open states, for `state IN (…)`: the names come from [`OrderState::is_open`], never
/// spelled here.
fn open_states() -> Vec<&'static str> {
    lifecycle::ALL_STATES
        .iter()
        .filter(|s| s.is_open())
        .map(|s| s.as_str())
        .collect()
}

/// `?from, …` for `n` binds.
fn marks(from: usize, n: usize) -> String {
    (from..from + n)
        .map(|i| format!("?{i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A new order's row, as stored (its field names are the columns; a `None` skipped is left to
/// the column's default). Its state is [`OrderState::Received`], set by [`insert`].
#[derive(Debug, Serialize)]
pub struct NewOrder<'a> {
    /// Our order number.
    pub id: &'a str,
    /// The vendor-facing id.
    pub api_xid: &'a str,
    /// The browser's idempotency key.
    pub idempotency_key: &'a str,
    /// Fingerprint of the request.
    pub request_hash: &'a str,
    /// Vendor product id.
    pub product_id: &'a str,
    /// The product needs the three photos.
    pub needs_photos: bool,
    /// The pre-check also runs phone three-factor.
    pub needs_phone3: bool,
    /// Keyed hash of the ID number.
    pub id_hash: &'a str,
    /// `省 市 区`.
    pub order_province: &'a str,
    /// Chosen number or empty.
    pub number: &'a str,
    /// When background work is first due.
    pub next_try_ms: i64,
    /// When the customer agreed to the notice.
    pub consent_at_ms: i64,
    /// The notice's version.
    pub consent_version: &'a str,
    /// Created, Unix ms (also the creation event's time).
    pub created_at_ms: i64,
    /// Last change, Unix ms.
    pub updated_at_ms: i64,
    /// The photos' purge time, stored before any object is written (only with photos).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub photos_expire_ms: Option<i64>,
    /// Keyed hash of the device, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub device_hash: Option<&'a str>,
    /// Sealed name (`crypto::ORDER_NAME`).
    pub name_enc: &'a str,
    /// Sealed mobile (`crypto::ORDER_MOBILE`).
    pub mobile_enc: &'a str,
    /// Sealed ID number (`crypto::ORDER_ID_NUMBER`).
    pub id_number_enc: &'a str,
    /// Sealed street address (`crypto::ORDER_ADDRESS`).
    pub address_enc: &'a str,
}

/// Insert `order` unless its idempotency key, id or `api_xid` exists, or the person already
/// holds `limits` open orders, or it names a number its attempt does not hold (in time), with
/// its creation event and the number taken from the pool: one batch. One statement decides
/// and inserts, so parallel submits for one person cannot all pass a count that was read
/// before any of them was stored, and a hold that ran out cannot be ordered. [`changed`] of
/// the batch says whether it was inserted.
pub fn insert(order: &NewOrder<'_>, limits: &Limits<'_>) -> Vec<Stmt> {
    #[derive(Serialize)]
    struct Row<'a> {
        #[serde(flatten)]
        order: &'a NewOrder<'a>,
        state: &'static str,
    }
    let fields = super::fields_of(&Row {
        order,
        state: OrderState::Received.as_str(),
    });
    let n = fields.len();
    let names: Vec<&str> = fields.iter().map(|(c, _)| c.as_str()).collect();
    let states = open_states();
    let open = marks(n + 5, states.len());
    let chosen = !order.number.is_empty();
    let sql = format!(
        "INSERT INTO orders ({}) SELECT {} WHERE \
         (SELECT COUNT(*) FROM orders WHERE id_hash = ?{a} AND product_id = ?{b} AND state IN ({open})) < ?{c} \
         AND (SELECT COUNT(*) FROM orders WHERE id_hash = ?{a} AND state IN ({open})) < ?{d} \
         {held} ON CONFLICT DO NOTHING",
        names.join(", "),
        marks(1, n),
        a = n + 1,
        b = n + 2,
        c = n + 3,
        d = n + 4,
        held = if chosen {
            format!(
                "AND EXISTS (SELECT 1 FROM number_pool WHERE product_id = ?{b} AND number = ?{e} \
                 AND state = 'held' AND hold_hash = ?{f} AND held_until_ms > ?{g})",
                b = n + 2,
                e = n + 5 + states.len(),
                f = n + 6 + states.len(),
                g = n + 7 + states.len(),
            )
        } else {
            String::new()
        },
    );
    let held_args = chosen.then(|| {
        [
            Arg::from(order.number),
            limits.hold_hash.into(),
            order.created_at_ms.into(),
        ]
    });
    let args = fields
        .into_iter()
        .map(|(_, v)| v)
        .chain([
            limits.id_hash.into(),
            limits.product_id.into(),
            limits.per_product.into(),
            limits.total.into(),
        ])
        .chain(states.into_iter().map(Arg::from))
        .chain(held_args.into_iter().flatten());
    let mut stmts = vec![
        Stmt::new(sql, args),
        event(
            order.id,
            order.created_at_ms,
            Source::Customer,
            None,
            OrderState::Received,
            "",
        ),
    ];
    if chosen {
        stmts.push(super::numbers::take(
            order.product_id,
            order.number,
            limits.hold_hash.unwrap_or_default(),
            order.id,
            order.created_at_ms,
        ));
    }
    stmts
}

/// A person's open orders: of one product (`same`), and in all.
#[derive(Debug, Clone, Copy, Deserialize)]
pub struct OpenCounts {
    /// Of this product (`NULL` when there are none at all).
    pub same: Option<i64>,
    /// In all.
    pub total: Option<i64>,
}

/// A person's open orders, of this product and in all (to say which limit refused).
pub fn open_counts(id_hash: &str, product_id: &str) -> Query<OpenCounts> {
    let states = open_states();
    let sql = format!(
        "SELECT SUM(product_id = ?2) AS same, COUNT(*) AS total FROM orders \
         WHERE id_hash = ?1 AND state IN ({})",
        marks(3, states.len())
    );
    let args = [id_hash.into(), product_id.into()]
        .into_iter()
        .chain(states.into_iter().map(Arg::from));
    Stmt::new(sql, args).rows()
}

/// [`open_counts`]' answer as (this product, in all), 0 for none.
pub fn same_and_total(row: Option<OpenCounts>) -> (i64, i64) {
    row.map_or((0, 0), |c| (c.same.unwrap_or(0), c.total.unwrap_or(0)))
}

/// A move of an order by the state machine: the batch that writes it and where it goes.
#[derive(Debug, Clone, PartialEq)]
pub struct Transition {
    /// The state it moves to, if the batch's compare-and-set [`changed`] the row.
    pub to: OrderState,
    /// The compare-and-set update (new state, `patch`) and its event.
    pub stmts: Vec<Stmt>,
}

/// Apply `input` to `order`: if the state machine moves it, the batch that writes the new
/// state, `patch` and the event, only if the order is still in the state it was read in.
/// `None` when the input does not apply (then nothing is written, `patch` neither).
pub fn transition(
    order: &OrderRow,
    input: Input,
    source: Source,
    detail: &str,
    patch: &Patch,
    now: i64,
) -> Result<Option<Transition>, UnknownState> {
    #[derive(Serialize)]
    struct Set<'a> {
        state: &'static str,
        updated_at_ms: i64,
        #[serde(flatten)]
        patch: &'a Patch,
    }
    let from = order.state()?;
    let Some(to) = lifecycle::next(from, input) else {
        return Ok(None);
    };
    let set = Set {
        state: to.as_str(),
        updated_at_ms: now,
        patch,
    };
    let update = Stmt::update(
        "orders",
        &set,
        "id = ?1 AND state = ?2",
        [order.id.as_str().into(), from.as_str().into()],
    );
    let mut stmts = vec![
        update,
        event(&order.id, now, source, Some(from), to, detail),
    ];
    // A chosen number follows its order: sold when it ships, free again when it ends unsent
    // or refused (the vendor's refusal of the number included). Each checks the order's new
    // state itself, so it does nothing if the update above did not land.
    let number = match to {
        OrderState::Shipped => Some(super::numbers::sell(&order.id, now)),
        OrderState::Rejected | OrderState::CheckFailed => Some(super::numbers::release(&order.id)),
        _ => None,
    };
    stmts.extend(number);
    Ok(Some(Transition { to, stmts }))
}

/// Take the order's lease for `ms` as `owner` (one background worker at a time): it changes
/// no row when someone else holds it.
pub fn lease(id: &str, owner: &str, now: i64, ms: i64) -> Stmt {
    Stmt::new(
        "UPDATE orders SET lease_until_ms = ?2, lease_owner = ?4 WHERE id = ?1 \
         AND (lease_until_ms IS NULL OR lease_until_ms < ?3 OR lease_owner = ?4)",
        [id.into(), (now + ms).into(), now.into(), owner.into()],
    )
}

/// Extend `owner`'s lease to `now + ms` before an upstream call: it changes no row when the
/// lease is no longer `owner`'s (it ran out and someone else took it): then no call goes out.
pub fn renew(id: &str, owner: &str, now: i64, ms: i64) -> Stmt {
    Stmt::new(
        "UPDATE orders SET lease_until_ms = ?2 WHERE id = ?1 AND lease_owner = ?3 \
         AND lease_until_ms >= ?4",
        [id.into(), (now + ms).into(), owner.into(), now.into()],
    )
}

/// Give `owner`'s lease back (someone else's is left alone).
pub fn release(id: &str, owner: &str) -> Stmt {
    Stmt::new(
        "UPDATE orders SET lease_until_ms = NULL, lease_owner = NULL \
         WHERE id = ?1 AND lease_owner = ?2",
        [id.into(), owner.into()],
    )
}

/// Background steps failed in a row, as [`job_failed`] returns them.
#[derive(Debug, Clone, Copy, Deserialize)]
pub struct Failures {
    /// Failures so far.
    pub job_failures: i64,
}

/// A background step failed: one more failure in a row, and the order flagged for an
/// operator from the `flag_after`th failure, in one statement (parallel failures all count);
/// the failures so far come back. Then [`back_off`].
pub fn job_failed(id: &str, now: i64, flag_after: i64) -> Query<Failures> {
    Stmt::new(
        "UPDATE orders SET job_failures = job_failures + 1, \
         flagged_ms = CASE WHEN job_failures + 1 >= ?3 THEN COALESCE(flagged_ms, ?2) ELSE flagged_ms END \
         WHERE id = ?1 RETURNING job_failures",
        [id.into(), now.into(), flag_after.into()],
    )
    .rows()
}

/// The next try of an order that has failed `failures` background steps in a row, backed off
/// from `now` (`retry::job_backoff_ms`).
pub fn back_off(id: &str, failures: i64, now: i64) -> Stmt {
    let at = now + crate::retry::job_backoff_ms(failures);
    Stmt::new(
        "UPDATE orders SET next_try_ms = ?2 WHERE id = ?1",
        [id.into(), at.into()],
    )
}

/// A background step succeeded: the failures in a row start again from 0 (a flag stays for
/// the operator who looks at it).
pub fn job_ok(id: &str) -> Stmt {
    Stmt::new(
        "UPDATE orders SET job_failures = 0 WHERE id = ?1 AND job_failures > 0",
        [id.into()],
    )
}

/// One timeline row.
#[derive(Debug, Clone, Deserialize)]
pub struct EventRow {
    /// Unix ms.
    pub at_ms: i64,
    /// State entered.
    pub to_state: String,
}

/// The order's events, oldest first.
pub fn events(id: &str) -> Query<EventRow> {
    Stmt::new(
        "SELECT at_ms, to_state FROM order_events WHERE order_id = ?1 ORDER BY seq",
        [id.into()],
    )
    .rows()
}

/// Until when an order refuses lookups, as [`lookup_missed`] returns it.
#[derive(Debug, Clone, Copy, Deserialize)]
pub struct LookupLock {
    /// Locked until, Unix ms.
    pub lookup_locked_until_ms: Option<i64>,
}

/// A wrong ID tail in a status lookup: one more miss in a row (counted afresh once a lock has
/// run out), and the order locked for `lock_ms` from the `max`th. One statement, so parallel
/// guesses all count; [`locked`] reads its answer.
pub fn lookup_missed(id: &str, now: i64, max: i64, lock_ms: i64) -> Query<LookupLock> {
    Stmt::new(
        "UPDATE orders SET \
         lookup_misses = CASE WHEN lookup_locked_until_ms IS NOT NULL AND lookup_locked_until_ms <= ?2 \
             THEN 1 ELSE lookup_misses + 1 END, \
         lookup_locked_until_ms = CASE \
             WHEN lookup_locked_until_ms IS NOT NULL AND lookup_locked_until_ms > ?2 THEN lookup_locked_until_ms \
             WHEN (CASE WHEN lookup_locked_until_ms IS NOT NULL THEN 1 ELSE lookup_misses + 1 END) >= ?3 THEN ?4 \
             ELSE NULL END \
         WHERE id = ?1 RETURNING lookup_locked_until_ms",
        [id.into(), now.into(), max.into(), (now + lock_ms).into()],
    )
    .rows()
}

/// Whether [`lookup_missed`]'s answer leaves the order locked at `now`.
pub fn locked(row: Option<LookupLock>, now: i64) -> bool {
    row.and_then(|r| r.lookup_locked_until_ms)
        .is_some_and(|t| now < t)
}

/// A right answer: the misses start again from 0.
pub fn lookup_hit(id: &str) -> Stmt {
    Stmt::new(
        "UPDATE orders SET lookup_misses = 0 WHERE id = ?1 AND lookup_misses > 0",
        [id.into()],
    )
}

/// A message the queue gave up on: flag the order for an operator (an earlier flag is kept).
pub fn flag(id: &str, now: i64) -> Stmt {
    Stmt::new(
        "UPDATE orders SET flagged_ms = COALESCE(flagged_ms, ?2) WHERE id = ?1",
        [id.into(), now.into()],
    )
}

/// A vendor callback's raw body, as stored (its field names are the columns).
#[derive(Debug, Serialize)]
pub struct NewCallback<'a> {
    /// The order.
    pub order_id: &'a str,
    /// Fingerprint of the body.
    pub body_hash: &'a str,
    /// Its content type.
    pub content_type: &'a str,
    /// The body as text.
    pub raw: &'a str,
    /// The status word read from it (empty when unreadable).
    pub status_text: &'a str,
    /// Received, Unix ms.
    pub received_ms: i64,
}

/// Store a vendor callback's raw body unless the same body was stored for the order before
/// (one `INSERT … ON CONFLICT DO NOTHING`): it changes a row when it is new.
pub fn store_callback(cb: &NewCallback<'_>) -> Stmt {
    Stmt::insert("vendor_callbacks", cb, "ON CONFLICT DO NOTHING")
}

/// What an operator lists: orders in `state` (any when `None`) unchanged since `before`,
/// only the flagged ones when `flagged`; newest first, at most 200.
pub fn for_operator(state: Option<OrderState>, before: i64, flagged: bool) -> Query<OrderRow> {
    Stmt::new(
        "SELECT * FROM orders WHERE (?1 IS NULL OR state = ?1) AND updated_at_ms <= ?2 \
         AND (?3 = 0 OR flagged_ms IS NOT NULL) ORDER BY created_at_ms DESC LIMIT 200",
        [
            state.map(OrderState::as_str).into(),
            before.into(),
            flagged.into(),
        ],
    )
    .rows()
}

/// A row's id.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Id {
    /// The id.
    pub id: String,
}

/// The ids of `rows`.
pub fn ids(rows: Vec<Id>) -> Vec<String> {
    rows.into_iter().map(|r| r.id).collect()
}

/// Up to 100 orders whose background work is due at `now` and not leased: in a state whose
/// work needs nothing else, or in one whose work needs the photos with the photos in R2 (the
/// state names come from the steps' own table, `orders::states_with_work`); soonest due first.
pub fn due(now: i64) -> Query<Id> {
    let (always, with_photos) = crate::orders::states_with_work();
    let sql = format!(
        "SELECT id FROM orders WHERE next_try_ms <= ?1 \
         AND (lease_until_ms IS NULL OR lease_until_ms < ?1) \
         AND (state IN ({}) OR (state IN ({}) AND photos = 1)) \
         ORDER BY next_try_ms LIMIT 100",
        marks(2, always.len()),
        marks(2 + always.len(), with_photos.len()),
    );
    let args =
        std::iter::once(now.into()).chain(always.into_iter().chain(with_photos).map(Arg::from));
    Stmt::new(sql, args).rows()
}

/// Up to 100 orders whose photos are past their purge time at `now`. By the purge time
/// alone, not the flag: it is written before the first object, so objects left by a put that
/// failed half-way are purged too.
pub fn photos_expired(now: i64) -> Query<Id> {
    Stmt::new(
        "SELECT id FROM orders WHERE photos_expire_ms < ?1 LIMIT 100",
        [now.into()],
    )
    .rows()
}

/// Up to 100 orders waiting in 待确认 unchanged since `before` (the state bound from
/// [`OrderState::Unconfirmed`]).
pub fn unconfirmed_since(before: i64) -> Query<Id> {
    Stmt::new(
        "SELECT id FROM orders WHERE state = ?2 AND updated_at_ms < ?1 LIMIT 100",
        [before.into(), OrderState::Unconfirmed.as_str().into()],
    )
    .rows()
}

/// Retention, first step: ended orders unchanged since `ended_before` with no photos pending
/// purge, at most 200 (the ended states bound from [`OrderState::is_terminal`], never spelled
/// here). [`purge`] deletes them.
pub fn purgeable(ended_before: i64) -> Query<Id> {
    let ended: Vec<&str> = lifecycle::ALL_STATES
        .iter()
        .filter(|s| s.is_terminal())
        .map(|s| s.as_str())
        .collect();
    let sql = format!(
        "SELECT id FROM orders WHERE updated_at_ms < ?1 AND state IN ({}) \
         AND photos_expire_ms IS NULL LIMIT 200",
        marks(2, ended.len())
    );
    let args = std::iter::once(ended_before.into()).chain(ended.into_iter().map(Arg::from));
    Stmt::new(sql, args).rows()
}

/// Retention, one batch: the `doomed` orders go with their events and callbacks, and raw
/// callbacks received before `callbacks_before` in any case.
pub fn purge(doomed: &[Id], callbacks_before: i64) -> Vec<Stmt> {
    let mut stmts = Vec::with_capacity(doomed.len() * 3 + 1);
    for o in doomed {
        for sql in [
            "DELETE FROM order_events WHERE order_id = ?1",
            "DELETE FROM vendor_callbacks WHERE order_id = ?1",
            "DELETE FROM orders WHERE id = ?1",
        ] {
            stmts.push(Stmt::new(sql, [o.id.as_str().into()]));
        }
    }
    stmts.push(Stmt::new(
        "DELETE FROM vendor_callbacks WHERE received_ms < ?1",
        [callbacks_before.into()],
    ));
    stmts
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use haoka_shared::lifecycle::VendorStatus;

    use super::*;
    use crate::{crypto, sql::sqlite::Db};

    const PER_PRODUCT: u32 = 1;
    const TOTAL: u32 = 2;

    fn new_order<'a>(id: &'a str, key: &'a str, product: &'a str, at: i64) -> NewOrder<'a> {
        NewOrder {
            id,
            api_xid: id,
            idempotency_key: key,
            request_hash: "hash",
            product_id: product,
            needs_photos: true,
            needs_phone3: false,
            id_hash: "person",
            order_province: "广东省 深圳市 南山区",
            number: "",
            next_try_ms: at,
            consent_at_ms: at,
            consent_version: "v1",
            created_at_ms: at,
            updated_at_ms: at,
            photos_expire_ms: None,
            device_hash: Some("device"),
            name_enc: "n",
            mobile_enc: "m",
            id_number_enc: "i",
            address_enc: "a",
        }
    }

    /// The project's limits for `o`'s person and product.
    fn limits_of<'a>(o: &NewOrder<'a>) -> Limits<'a> {
        Limits {
            id_hash: o.id_hash,
            product_id: o.product_id,
            per_product: PER_PRODUCT,
            total: TOTAL,
            hold_hash: None,
        }
    }

    /// Insert an order as the worker does; whether it went in.
    fn place(db: &mut Db, o: &NewOrder<'_>) -> bool {
        changed(&db.batch(&insert(o, &limits_of(o))).unwrap())
    }

    fn ids_of(rows: &[Id]) -> Vec<&str> {
        rows.iter().map(|r| r.id.as_str()).collect()
    }

    fn set_state(db: &Db, id: &str, state: OrderState) {
        db.exec(&format!(
            "UPDATE orders SET state = '{}' WHERE id = '{id}'",
            state.as_str()
        ));
    }

    fn events_of(db: &Db, id: &str) -> Vec<String> {
        db.all(&events(id))
            .into_iter()
            .map(|e| e.to_state)
            .collect()
    }

    fn pool_state(db: &Db, number: &str) -> (String, Option<String>) {
        let row = &db.rows(&format!(
            "SELECT state, order_id FROM number_pool WHERE number = '{number}'"
        ))[0];
        (
            row["state"].as_str().unwrap().to_owned(),
            row["order_id"].as_str().map(str::to_owned),
        )
    }

    #[test]
    fn an_order_with_a_chosen_number_needs_its_attempts_hold_in_time_and_takes_it() {
        use crate::{numbers::HOLD_MS, sql::numbers};
        let mut db = Db::migrated();
        let pool: Vec<String> = ["13800000001", "13800000002", "13800000003"]
            .map(String::from)
            .into();
        db.batch(&numbers::add("2188", &pool, 1)).unwrap();
        db.batch(&numbers::hold("2188", "13800000001", "a", 10))
            .unwrap();
        db.batch(&numbers::hold("2188", "13800000002", "b", 10))
            .unwrap();
        let with = |id: &'static str, key: &'static str, number: &'static str, at: i64| {
            let mut o = new_order(id, key, "2188", at);
            o.number = number;
            o.id_hash = id; // each its own person: the limits are not what is tested
            o
        };
        let place_held = |db: &mut Db, o: &NewOrder<'_>, hold: Option<&str>| {
            let limits = Limits {
                hold_hash: hold,
                ..limits_of(o)
            };
            changed(&db.batch(&insert(o, &limits)).unwrap())
        };
        let o = with("HK1", "key-1", "13800000001", 20);
        assert!(!place_held(&mut db, &o, Some("b")), "not b's hold");
        assert!(!place_held(&mut db, &o, None), "no hold at all");
        assert_eq!(pool_state(&db, "13800000001").0, "held");
        assert!(db.first(&load("HK1")).is_none());
        assert!(place_held(&mut db, &o, Some("a")));
        assert_eq!(
            pool_state(&db, "13800000001"),
            ("ordered".into(), Some("HK1".into()))
        );
        assert_eq!(events_of(&db, "HK1"), ["received"]);
        // A hold that ran out cannot be ordered, and the number is not taken.
        let late = with("HK2", "key-2", "13800000002", 10 + HOLD_MS);
        assert!(!place_held(&mut db, &late, Some("b")));
        assert_eq!(pool_state(&db, "13800000002"), ("held".into(), None));
        // A number never held (or not in the pool) cannot be ordered either.
        let free = with("HK3", "key-3", "13800000003", 20);
        assert!(!place_held(&mut db, &free, Some("c")));
        assert_eq!(pool_state(&db, "13800000003"), ("free".into(), None));
        // Over the person's limit: nothing stored, the hold stays the attempt's.
        db.batch(&numbers::hold("2188", "13800000003", "c", 20))
            .unwrap();
        let mut again = with("HK4", "key-4", "13800000003", 30);
        again.id_hash = "HK1";
        let full = Limits {
            per_product: 1,
            hold_hash: Some("c"),
            ..limits_of(&again)
        };
        assert!(!changed(&db.batch(&insert(&again, &full)).unwrap()));
        assert_eq!(pool_state(&db, "13800000003"), ("held".into(), None));
        // The order's transitions move its number: shipped → sold for good; a refused or
        // failed order's number is free again for the next customer; other moves leave it.
        let step = |db: &mut Db, id: &str, input: Input| {
            let order = db.first(&load(id)).unwrap();
            let t = transition(&order, input, Source::Callback, "", &Patch::default(), 40)
                .unwrap()
                .unwrap();
            assert!(changed(&db.batch(&t.stmts).unwrap()));
        };
        step(&mut db, "HK1", Input::CheckPassed);
        assert_eq!(pool_state(&db, "13800000001").0, "ordered", "sending");
        step(&mut db, "HK1", Input::Callback(VendorStatus::Shipped));
        assert_eq!(pool_state(&db, "13800000001").0, "sold");
        assert!(
            db.run(&numbers::release("HK1")).rows.is_empty(),
            "sold stays sold"
        );
        let o3 = with("HK5", "key-5", "13800000003", 40);
        let limits = Limits {
            hold_hash: Some("c"),
            ..limits_of(&o3)
        };
        assert!(changed(&db.batch(&insert(&o3, &limits)).unwrap()));
        assert!(
            db.run(&numbers::release("HK5")).rows.is_empty(),
            "not while the order is open"
        );
        step(&mut db, "HK5", Input::CheckPassed);
        step(&mut db, "HK5", Input::VendorRejected);
        assert_eq!(pool_state(&db, "13800000003"), ("free".into(), None));
        // A failed check frees it too.
        db.batch(&numbers::hold("2188", "13800000003", "d", 50))
            .unwrap();
        let o6 = with("HK6", "key-6", "13800000003", 50);
        let limits = Limits {
            hold_hash: Some("d"),
            ..limits_of(&o6)
        };
        assert!(changed(&db.batch(&insert(&o6, &limits)).unwrap()));
        step(&mut db, "HK6", Input::CheckMismatch);
        assert_eq!(pool_state(&db, "13800000003"), ("free".into(), None));
    }

    #[test]
    fn a_new_order_is_stored_received_with_its_event_and_found_by_each_key() {
        let mut db = Db::migrated();
        let o = new_order("HK1", "key-1", "2188", 1_000);
        let stmts = insert(&o, &limits_of(&o));
        for c in [
            crypto::ORDER_NAME,
            crypto::ORDER_MOBILE,
            crypto::ORDER_ID_NUMBER,
            crypto::ORDER_ADDRESS,
        ] {
            assert!(stmts[0].sql.contains(c.column), "{}", c.column);
        }
        assert!(
            !stmts[0].sql.contains("'received'"),
            "the state is bound, not spelled"
        );
        assert!(changed(&db.batch(&stmts).unwrap()));
        let row = db.first(&load("HK1")).unwrap();
        assert_eq!(row.state().unwrap(), OrderState::Received);
        assert!(row.wants_photos() && !row.has_photos());
        assert_eq!(
            (row.next_try_ms, row.created_at_ms, row.send_attempts),
            (Some(1_000), 1_000, 0)
        );
        assert_eq!(db.first(&load_by_xid("HK1")).unwrap().id, "HK1");
        assert_eq!(db.first(&load_by_key("key-1")).unwrap().id, "HK1");
        assert!(db.first(&load_by_key("key-2")).is_none());
        let stored = db.rows("SELECT device_hash, photos_expire_ms, consent_version FROM orders");
        assert_eq!(stored[0]["device_hash"], "device");
        assert!(stored[0]["photos_expire_ms"].is_null());
        assert_eq!(events_of(&db, "HK1"), ["received"]);
        let ev = db.rows("SELECT source, from_state, at_ms FROM order_events");
        assert_eq!(ev[0]["source"], "customer");
        assert!(ev[0]["from_state"].is_null());
        assert_eq!(ev[0]["at_ms"], 1_000);
    }

    #[test]
    fn a_repeated_key_inserts_nothing_and_writes_no_event() {
        let mut db = Db::migrated();
        assert!(place(&mut db, &new_order("HK1", "key-1", "2188", 1_000)));
        assert!(!place(&mut db, &new_order("HK2", "key-1", "2201", 2_000)));
        assert!(db.first(&load("HK2")).is_none());
        assert_eq!(db.rows("SELECT seq FROM order_events").len(), 1);
    }

    #[test]
    fn the_insert_refuses_a_person_at_either_limit_and_counts_only_open_orders() {
        let mut db = Db::migrated();
        assert!(place(&mut db, &new_order("HK1", "key-1", "2188", 1_000)));
        assert_eq!(
            same_and_total(db.first(&open_counts("person", "2188"))),
            (1, 1)
        );
        // One open order of 2188 is the per-product limit.
        assert!(!place(&mut db, &new_order("HK2", "key-2", "2188", 2_000)));
        assert!(place(&mut db, &new_order("HK3", "key-3", "2201", 3_000)));
        // Two open orders in all is the total limit, whatever the product.
        assert!(!place(&mut db, &new_order("HK4", "key-4", "9999", 4_000)));
        assert_eq!(
            same_and_total(db.first(&open_counts("person", "9999"))),
            (0, 2)
        );
        assert_eq!(db.rows("SELECT seq FROM order_events").len(), 2);
        // An ended order no longer counts.
        set_state(&db, "HK1", OrderState::Shipped);
        assert_eq!(
            same_and_total(db.first(&open_counts("person", "2188"))),
            (0, 1)
        );
        assert!(place(&mut db, &new_order("HK5", "key-5", "2188", 5_000)));
        assert_eq!(
            same_and_total(db.first(&open_counts("nobody", "2188"))),
            (0, 0)
        );
    }

    #[test]
    fn a_transition_moves_once_with_its_patch_and_event_and_a_stale_read_writes_nothing() {
        let mut db = Db::migrated();
        place(&mut db, &new_order("HK1", "key-1", "2188", 1_000));
        let read = db.first(&load("HK1")).unwrap();
        let patch = Patch {
            check_attempts: Some(1),
            next_try_ms: Some(None),
            ..Patch::default()
        };
        let t = transition(
            &read,
            Input::CheckPassed,
            Source::Retry,
            "passed",
            &patch,
            2_000,
        )
        .unwrap()
        .unwrap();
        assert_eq!(t.to, OrderState::Sending);
        assert!(changed(&db.batch(&t.stmts).unwrap()));
        let row = db.first(&load("HK1")).unwrap();
        assert_eq!(
            (
                row.state().unwrap(),
                row.check_attempts,
                row.next_try_ms,
                row.updated_at_ms
            ),
            (OrderState::Sending, 1, None, 2_000)
        );
        // A second step that read the order before the move: its compare-and-set fails, and
        // neither its patch nor its event is written.
        let late = Patch {
            last_error: Some("late".into()),
            ..Patch::default()
        };
        let t = transition(&read, Input::CheckPending, Source::Retry, "", &late, 3_000)
            .unwrap()
            .unwrap();
        assert!(!changed(&db.batch(&t.stmts).unwrap()));
        assert!(db.rows("SELECT last_error FROM orders")[0]["last_error"].is_null());
        assert_eq!(events_of(&db, "HK1"), ["received", "sending"]);
        let ev = db.rows("SELECT source, from_state, detail FROM order_events ORDER BY seq");
        assert_eq!(ev[1]["source"], "retry");
        assert_eq!(ev[1]["from_state"], "received");
        assert_eq!(ev[1]["detail"], "passed");
        // An input the state machine refuses gives no batch at all.
        let row = db.first(&load("HK1")).unwrap();
        assert!(
            transition(
                &row,
                Input::PhotosDelivered,
                Source::Retry,
                "",
                &late,
                4_000
            )
            .unwrap()
            .is_none()
        );
        // A state that is no state is an error.
        let mut bad = row;
        bad.state = "lost".into();
        assert!(
            transition(
                &bad,
                Input::OperatorClose,
                Source::Operator,
                "",
                &late,
                4_000
            )
            .is_err()
        );
    }

    #[test]
    fn callbacks_in_a_race_end_at_shipped_with_one_event_each() {
        let mut db = Db::migrated();
        place(&mut db, &new_order("HK1", "key-1", "2188", 1_000));
        set_state(&db, "HK1", OrderState::Submitted);
        let read = db.first(&load("HK1")).unwrap();
        let none = Patch::default();
        let ship = Input::Callback(VendorStatus::Shipped);
        let review = Input::Callback(VendorStatus::Reviewing);
        let shipped = transition(&read, ship, Source::Callback, "", &none, 2_000)
            .unwrap()
            .unwrap();
        let reviewing = transition(&read, review, Source::Callback, "", &none, 2_000)
            .unwrap()
            .unwrap();
        assert!(changed(&db.batch(&reviewing.stmts).unwrap()));
        assert!(!changed(&db.batch(&shipped.stmts).unwrap()), "raced");
        let again = db.first(&load("HK1")).unwrap();
        let shipped = transition(&again, ship, Source::Callback, "", &none, 3_000)
            .unwrap()
            .unwrap();
        assert!(changed(&db.batch(&shipped.stmts).unwrap()));
        assert_eq!(events_of(&db, "HK1"), ["received", "reviewing", "shipped"]);
    }

    #[test]
    fn a_patch_sets_only_its_columns_and_an_empty_one_is_no_statement() {
        let mut db = Db::migrated();
        place(&mut db, &new_order("HK1", "key-1", "2188", 1_000));
        assert!(update("HK1", &Patch::default()).is_none());
        let from_step = Patch::from(&OrderPatch {
            apiorder: Some("XG9".into()),
            express: Some(("SF".into(), "SF123".into())),
            next_try_ms: Some(Some(9_000)),
            ..OrderPatch::default()
        });
        db.run(&update("HK1", &from_step).unwrap());
        db.run(&count_send("HK1", 2));
        let photos = Patch {
            photos: Some(true),
            photos_expire_ms: Some(Some(50_000)),
            photo_flags: Some(Some("[]".into())),
            ..Patch::default()
        };
        db.run(&update("HK1", &photos).unwrap());
        let row = db.first(&load("HK1")).unwrap();
        assert_eq!(
            (
                row.apiorder.as_deref(),
                row.express.as_deref(),
                row.express_no.as_deref(),
                row.next_try_ms,
                row.send_attempts,
                row.photo_flags.as_deref(),
            ),
            (
                Some("XG9"),
                Some("SF"),
                Some("SF123"),
                Some(9_000),
                2,
                Some("[]")
            )
        );
        assert!(row.has_photos());
        assert_eq!(
            row.updated_at_ms, 1_000,
            "a patch alone is no change of state"
        );
        // Forgetting the photos clears the purge time and the flag.
        let gone = Patch {
            photos: Some(false),
            photos_expire_ms: Some(None),
            ..Patch::default()
        };
        db.run(&update("HK1", &gone).unwrap());
        let row = db.first(&load("HK1")).unwrap();
        assert!(!row.has_photos());
        assert!(db.rows("SELECT photos_expire_ms FROM orders")[0]["photos_expire_ms"].is_null());
        assert_eq!(row.photo_flags.as_deref(), Some("[]"), "left as it was");
    }

    #[test]
    fn one_lease_holder_at_a_time_renewing_only_its_own() {
        let mut db = Db::migrated();
        place(&mut db, &new_order("HK1", "key-1", "2188", 1_000));
        assert_eq!(db.run(&lease("HK1", "a", 1_000, 100)).changes, 1);
        assert_eq!(
            db.run(&lease("HK1", "b", 1_050, 100)).changes,
            0,
            "held by a"
        );
        assert_eq!(db.run(&lease("HK1", "a", 1_050, 100)).changes, 1, "a again");
        assert_eq!(db.run(&renew("HK1", "b", 1_060, 100)).changes, 0);
        assert_eq!(db.run(&renew("HK1", "a", 1_060, 100)).changes, 1);
        // a's lease runs out (at 1 160): b takes it, and a may not renew.
        assert_eq!(db.run(&lease("HK1", "b", 1_161, 100)).changes, 1);
        assert_eq!(db.run(&renew("HK1", "a", 1_170, 100)).changes, 0);
        db.run(&release("HK1", "a"));
        assert_eq!(
            db.rows("SELECT lease_owner FROM orders")[0]["lease_owner"],
            "b",
            "someone else's lease is left alone"
        );
        db.run(&release("HK1", "b"));
        assert_eq!(db.run(&lease("HK1", "c", 1_200, 100)).changes, 1);
    }

    #[test]
    fn failures_back_off_and_flag_from_the_limit_and_success_resets_them() {
        let mut db = Db::migrated();
        place(&mut db, &new_order("HK1", "key-1", "2188", 1_000));
        let fail = |db: &Db, now| {
            let n = db.first(&job_failed("HK1", now, 3)).unwrap().job_failures;
            db.run(&back_off("HK1", n, now));
            n
        };
        assert_eq!(fail(&db, 10_000), 1);
        let row = db.first(&load("HK1")).unwrap();
        assert_eq!(
            (row.next_try_ms, row.flagged_ms),
            (Some(10_000 + crate::retry::job_backoff_ms(1)), None)
        );
        assert_eq!(fail(&db, 20_000), 2);
        assert_eq!(fail(&db, 30_000), 3);
        assert_eq!(db.first(&load("HK1")).unwrap().flagged_ms, Some(30_000));
        assert_eq!(fail(&db, 40_000), 4);
        assert_eq!(
            db.first(&load("HK1")).unwrap().flagged_ms,
            Some(30_000),
            "the first flag is kept"
        );
        assert_eq!(db.run(&job_ok("HK1")).changes, 1);
        assert_eq!(db.run(&job_ok("HK1")).changes, 0);
        let row = db.first(&load("HK1")).unwrap();
        assert_eq!((row.job_failures, row.flagged_ms), (0, Some(30_000)));
        assert!(db.first(&job_failed("nobody", 1, 3)).is_none());
        // The queue's dead letters flag too, keeping an earlier flag.
        place(&mut db, &new_order("HK2", "key-2", "2201", 1_000));
        db.run(&flag("HK2", 5_000));
        db.run(&flag("HK2", 6_000));
        assert_eq!(db.first(&load("HK2")).unwrap().flagged_ms, Some(5_000));
    }

    #[test]
    fn lookups_lock_at_the_limit_and_count_afresh_once_the_lock_ran_out() {
        let mut db = Db::migrated();
        place(&mut db, &new_order("HK1", "key-1", "2188", 1_000));
        let miss = |db: &Db, now| locked(db.first(&lookup_missed("HK1", now, 3, 1_000)), now);
        assert!(!miss(&db, 10));
        assert!(!miss(&db, 20));
        assert!(miss(&db, 30), "the third miss locks until 1 030");
        assert!(miss(&db, 40), "still locked, and the lock is not extended");
        assert_eq!(
            db.first(&load("HK1")).unwrap().lookup_locked_until_ms,
            Some(1_030)
        );
        assert!(
            !miss(&db, 2_000),
            "after the lock, the misses start again from 1"
        );
        assert!(!miss(&db, 2_010));
        assert_eq!(db.run(&lookup_hit("HK1")).changes, 1);
        assert!(!miss(&db, 2_020));
        assert!(!miss(&db, 2_030), "the hit reset the count");
        assert!(miss(&db, 2_040));
        assert!(!locked(None, 0));
    }

    #[test]
    fn a_callback_body_is_stored_once_per_order() {
        let db = Db::migrated();
        let cb = |order_id, body_hash, received_ms| NewCallback {
            order_id,
            body_hash,
            content_type: "application/json",
            raw: "{}",
            status_text: "已发货",
            received_ms,
        };
        assert_eq!(db.run(&store_callback(&cb("HK1", "h1", 1_000))).changes, 1);
        assert_eq!(
            db.run(&store_callback(&cb("HK1", "h1", 2_000))).changes,
            0,
            "a repeat"
        );
        assert_eq!(db.run(&store_callback(&cb("HK1", "h2", 2_000))).changes, 1);
        assert_eq!(db.run(&store_callback(&cb("HK2", "h1", 2_000))).changes, 1);
        let rows = db.rows("SELECT received_ms, status_text FROM vendor_callbacks ORDER BY seq");
        assert_eq!(rows.len(), 3);
        assert_eq!(rows[0]["received_ms"], 1_000, "the first one is kept");
        assert_eq!(rows[0]["status_text"], "已发货");
    }

    #[test]
    fn operators_list_by_state_age_and_flag() {
        let mut db = Db::migrated();
        place(&mut db, &new_order("HK1", "key-1", "2188", 1_000));
        place(&mut db, &new_order("HK2", "key-2", "2201", 2_000));
        set_state(&db, "HK2", OrderState::Unconfirmed);
        db.run(&flag("HK1", 3_000));
        let listed = |state, before, flagged| -> Vec<String> {
            db.all(&for_operator(state, before, flagged))
                .into_iter()
                .map(|r| r.id)
                .collect()
        };
        assert_eq!(listed(None, 5_000, false), ["HK2", "HK1"], "newest first");
        assert_eq!(listed(Some(OrderState::Unconfirmed), 5_000, false), ["HK2"]);
        assert_eq!(listed(None, 1_500, false), ["HK1"], "unchanged since");
        assert_eq!(listed(None, 5_000, true), ["HK1"]);
        assert!(listed(Some(OrderState::Shipped), 5_000, false).is_empty());
        assert_eq!(ids(db.all(&unconfirmed_since(2_001))), ["HK2"]);
        assert!(db.all(&unconfirmed_since(2_000)).is_empty());
    }

    #[test]
    fn due_work_is_what_the_steps_have_work_for_unleased_and_soonest_first() {
        let mut db = Db::migrated();
        for (i, state) in lifecycle::ALL_STATES.iter().enumerate() {
            let id = format!("HK{i}");
            let key = format!("key-{i}");
            let at = 1_000 - i64::try_from(i).unwrap();
            let mut o = new_order(&id, &key, "2188", at);
            o.id_hash = "someone"; // not held to `limits("person")`
            let stmts = insert(
                &o,
                &Limits {
                    id_hash: "someone",
                    product_id: "2188",
                    per_product: 99,
                    total: 99,
                    hold_hash: None,
                },
            );
            assert!(changed(&db.batch(&stmts).unwrap()));
            set_state(&db, &id, *state);
        }
        // HK0 received, HK1 checking, HK3 sending: always; HK6 awaiting photos, without them.
        assert_eq!(ids_of(&db.all(&due(1_000))), ["HK3", "HK1", "HK0"]);
        db.exec("UPDATE orders SET photos = 1 WHERE id = 'HK6'");
        assert_eq!(ids_of(&db.all(&due(1_000))), ["HK6", "HK3", "HK1", "HK0"]);
        assert_eq!(ids_of(&db.all(&due(997))), ["HK6", "HK3"], "not due yet");
        db.run(&lease("HK3", "w", 1_000, 100));
        assert_eq!(
            ids_of(&db.all(&due(1_000))),
            ["HK6", "HK1", "HK0"],
            "leased"
        );
        assert_eq!(
            ids_of(&db.all(&due(1_101))),
            ["HK6", "HK3", "HK1", "HK0"],
            "ran out"
        );
        db.exec("UPDATE orders SET next_try_ms = NULL WHERE id = 'HK0'");
        assert_eq!(
            ids_of(&db.all(&due(1_101))),
            ["HK6", "HK3", "HK1"],
            "nothing scheduled"
        );
    }

    #[test]
    fn photos_past_their_purge_time_are_found_by_the_time_alone() {
        let mut db = Db::migrated();
        let mut o = new_order("HK1", "key-1", "2188", 1_000);
        o.photos_expire_ms = Some(5_000);
        place(&mut db, &o);
        place(&mut db, &new_order("HK2", "key-2", "2201", 1_000));
        assert!(db.all(&photos_expired(5_000)).is_empty());
        assert_eq!(
            ids_of(&db.all(&photos_expired(5_001))),
            ["HK1"],
            "photos = 0 still"
        );
    }

    #[test]
    fn retention_deletes_ended_orders_with_their_events_and_callbacks_and_old_callbacks() {
        let mut db = Db::migrated();
        for (id, key, product) in [("HK1", "key-1", "2188"), ("HK2", "key-2", "2201")] {
            place(&mut db, &new_order(id, key, product, 1_000));
        }
        let mut o = new_order("HK3", "key-3", "2188", 1_000);
        o.id_hash = "other";
        o.photos_expire_ms = Some(90_000);
        assert!(place(&mut db, &o));
        set_state(&db, "HK1", OrderState::Shipped);
        set_state(&db, "HK3", OrderState::Rejected);
        let cb = |order_id, body_hash, received_ms| NewCallback {
            order_id,
            body_hash,
            content_type: "",
            raw: "",
            status_text: "",
            received_ms,
        };
        for c in [
            cb("HK1", "a", 50_000),
            cb("HK2", "b", 50_000),
            cb("HK2", "c", 10),
        ] {
            db.run(&store_callback(&c));
        }
        assert!(db.all(&purgeable(1_000)).is_empty(), "changed at 1 000");
        // HK2 is open, HK3 still has photos to purge: only HK1 goes.
        let doomed = db.all(&purgeable(1_001));
        assert_eq!(ids_of(&doomed), ["HK1"]);
        db.batch(&purge(&doomed, 100)).unwrap();
        let left: Vec<String> = db
            .rows("SELECT id FROM orders ORDER BY id")
            .iter()
            .map(|r| r["id"].as_str().unwrap().to_owned())
            .collect();
        assert_eq!(left, ["HK2", "HK3"]);
        assert!(events_of(&db, "HK1").is_empty());
        assert_eq!(events_of(&db, "HK2"), ["received"]);
        let callbacks = db.rows("SELECT body_hash FROM vendor_callbacks");
        assert_eq!(callbacks.len(), 1, "HK1's and the old one went");
        assert_eq!(callbacks[0]["body_hash"], "b");
        // Nothing doomed: the old callbacks still go.
        assert_eq!(purge(&[], 1).len(), 1);
    }
}
