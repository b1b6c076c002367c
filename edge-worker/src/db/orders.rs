//! D1: the `orders` table, its events and the raw vendor callbacks. Orders are loaded, created
//! (idempotently), patched and moved through the state machine with the event written in the
//! same batch — a transition and its event land together or not at all, and only if the order
//! was still in the state it was read in (compare-and-set). A callback body is stored once
//! (`INSERT … ON CONFLICT DO NOTHING`). Also the reconciler's queries (work due, photos past
//! their purge time, orders stuck in 待确认) and the retention purge of ended orders, which
//! deletes them with their events and callbacks in one batch; state names are always bound
//! from [`OrderState`], never spelled in SQL.

use haoka_edge_core::orders::{OrderPatch, Snapshot};
use haoka_shared::lifecycle::{self, Input, OrderState, Source};
use serde::Deserialize;
use wasm_bindgen::JsValue;
use worker::{D1Database, D1PreparedStatement};

use crate::error::AppError;

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

impl OrderRow {
    /// The current state (an unknown name is a data error).
    pub fn state(&self) -> Result<OrderState, AppError> {
        OrderState::parse(&self.state).ok_or_else(|| {
            AppError::Internal(format!("order {} has state {:?}", self.id, self.state))
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
    pub fn snapshot(&self) -> Result<Snapshot, AppError> {
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

use super::{int, opt};

/// Columns to set along with a change.
#[derive(Default)]
pub struct Patch(Vec<(&'static str, JsValue)>);

impl Patch {
    /// Nothing to set.
    pub fn new() -> Patch {
        Patch::default()
    }

    /// Set `column` to `value` (column names are always literals in this crate).
    pub fn set(mut self, column: &'static str, value: impl Into<JsValue>) -> Patch {
        self.0.push((column, value.into()));
        self
    }
}

impl From<&OrderPatch> for Patch {
    fn from(p: &OrderPatch) -> Patch {
        let mut out = Patch::new();
        if let Some(v) = &p.apiorder {
            out = out.set("apiorder", v.as_str());
        }
        if let Some(v) = &p.vendor_status {
            out = out.set("vendor_status", v.as_str());
        }
        if let Some((express, express_no)) = &p.express {
            out = out
                .set("express", express.as_str())
                .set("express_no", express_no.as_str());
        }
        if let Some(v) = &p.reason_code {
            out = out.set("reason_code", v.as_str());
        }
        if let Some(v) = &p.last_error {
            out = out.set("last_error", v.as_str());
        }
        if let Some(v) = p.check_attempts {
            out = out.set("check_attempts", int(v));
        }
        if let Some(v) = p.next_try_ms {
            out = out.set("next_try_ms", crate::db::opt_int(v));
        }
        out
    }
}

/// Count send number `attempt` before it goes (a crash mid-send still counts towards 待确认).
pub async fn count_send(db: &D1Database, id: &str, attempt: i64) -> Result<(), AppError> {
    update(db, id, Patch::new().set("send_attempts", int(attempt))).await
}

/// The one order a `SELECT * FROM orders WHERE <unique column> = ?1` finds.
async fn load_one(db: &D1Database, sql: &str, value: &str) -> Result<Option<OrderRow>, AppError> {
    Ok(db
        .prepare(sql)
        .bind(&[value.into()])?
        .first::<OrderRow>(None)
        .await?)
}

/// Load an order by id.
pub async fn load(db: &D1Database, id: &str) -> Result<Option<OrderRow>, AppError> {
    load_one(db, "SELECT * FROM orders WHERE id = ?1", id).await
}

/// Load an order by `api_xid`.
pub async fn load_by_xid(db: &D1Database, api_xid: &str) -> Result<Option<OrderRow>, AppError> {
    load_one(db, "SELECT * FROM orders WHERE api_xid = ?1", api_xid).await
}

/// Load an order by the browser's idempotency key.
pub async fn load_by_key(db: &D1Database, key: &str) -> Result<Option<OrderRow>, AppError> {
    load_one(db, "SELECT * FROM orders WHERE idempotency_key = ?1", key).await
}

fn event(
    db: &D1Database,
    order_id: &str,
    now: i64,
    source: Source,
    from: Option<OrderState>,
    to: OrderState,
    detail: &str,
) -> Result<D1PreparedStatement, AppError> {
    Ok(db
        .prepare(
            "INSERT INTO order_events (order_id, at_ms, source, from_state, to_state, detail) \
             SELECT ?1, ?2, ?3, ?4, ?5, ?6 WHERE changes() = 1",
        )
        .bind(&[
            order_id.into(),
            int(now),
            source.as_str().into(),
            opt(from.map(OrderState::as_str)),
            to.as_str().into(),
            detail.into(),
        ])?)
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

/// Insert a new order (columns and values as given) unless its idempotency key, id or
/// `api_xid` exists, or the person already holds `limits` open orders; its creation event is
/// written with it. One statement decides and inserts, so parallel submits for one person
/// cannot all pass a count that was read before any of them was stored. Returns whether it
/// was inserted.
pub async fn insert(
    db: &D1Database,
    columns: &[(&'static str, JsValue)],
    order_id: &str,
    now: i64,
    limits: &Limits<'_>,
) -> Result<bool, AppError> {
    let names: Vec<&str> = columns.iter().map(|(c, _)| *c).collect();
    let n = columns.len();
    let marks: Vec<String> = (1..=n).map(|i| format!("?{i}")).collect();
    let states = open_states();
    let open: Vec<String> = (0..states.len())
        .map(|i| format!("?{}", n + 5 + i))
        .collect();
    let open = open.join(", ");
    let sql = format!(
        "INSERT INTO orders ({}) SELECT {} WHERE \
         (SELECT COUNT(*) FROM orders WHERE id_hash = ?{a} AND product_id = ?{b} AND state IN ({open})) < ?{c} \
         AND (SELECT COUNT(*) FROM orders WHERE id_hash = ?{a} AND state IN ({open})) < ?{d} \
         ON CONFLICT DO NOTHING",
        names.join(", "),
        marks.join(", "),
        a = n + 1,
        b = n + 2,
        c = n + 3,
        d = n + 4,
    );
    let mut values: Vec<JsValue> = columns.iter().map(|(_, v)| v.clone()).collect();
    values.extend([
        JsValue::from_str(limits.id_hash),
        JsValue::from_str(limits.product_id),
        int(i64::from(limits.per_product)),
        int(i64::from(limits.total)),
    ]);
    values.extend(states.iter().map(|s| JsValue::from_str(s)));
    let results = db
        .batch(vec![
            db.prepare(sql).bind(&values)?,
            event(
                db,
                order_id,
                now,
                Source::Customer,
                None,
                OrderState::Received,
                "",
            )?,
        ])
        .await?;
    Ok(changed(results.first()))
}

/// A person's open orders: of this product, and in all (to say which limit refused).
pub async fn open_counts(
    db: &D1Database,
    id_hash: &str,
    product_id: &str,
) -> Result<(i64, i64), AppError> {
    #[derive(Deserialize)]
    struct Counts {
        same: Option<i64>,
        total: Option<i64>,
    }
    let states = open_states();
    let marks: Vec<String> = (0..states.len()).map(|i| format!("?{}", i + 3)).collect();
    let mut values = vec![JsValue::from_str(id_hash), JsValue::from_str(product_id)];
    values.extend(states.iter().map(|s| JsValue::from_str(s)));
    let counts = db
        .prepare(format!(
            "SELECT SUM(product_id = ?2) AS same, COUNT(*) AS total FROM orders \
             WHERE id_hash = ?1 AND state IN ({})",
            marks.join(", ")
        ))
        .bind(&values)?
        .first::<Counts>(None)
        .await?;
    Ok(counts.map_or((0, 0), |c| (c.same.unwrap_or(0), c.total.unwrap_or(0))))
}

fn changed(result: Option<&worker::D1Result>) -> bool {
    result
        .and_then(|r| r.meta().ok().flatten())
        .and_then(|m| m.changes)
        .unwrap_or(0)
        > 0
}

/// Set columns without a state change.
pub async fn update(db: &D1Database, id: &str, patch: Patch) -> Result<(), AppError> {
    if patch.0.is_empty() {
        return Ok(());
    }
    let sets: Vec<String> = patch
        .0
        .iter()
        .enumerate()
        .map(|(i, (c, _))| format!("{c} = ?{}", i + 2))
        .collect();
    let mut values = vec![JsValue::from_str(id)];
    values.extend(patch.0.into_iter().map(|(_, v)| v));
    db.prepare(format!(
        "UPDATE orders SET {} WHERE id = ?1",
        sets.join(", ")
    ))
    .bind(&values)?
    .run()
    .await?;
    Ok(())
}

/// Apply `input` to `order`: if the state machine moves it, write the new state, `patch` and
/// the event in one batch, only if the order is still in the state it was read in. Returns the
/// new state, or `None` when the input did not apply (or someone else moved it first); in
/// that case `patch` is not written.
pub async fn transition(
    db: &D1Database,
    order: &OrderRow,
    input: Input,
    source: Source,
    detail: &str,
    patch: Patch,
    now: i64,
) -> Result<Option<OrderState>, AppError> {
    let from = order.state()?;
    let Some(to) = lifecycle::next(from, input) else {
        return Ok(None);
    };
    let mut sets = vec!["state = ?3".to_owned(), "updated_at_ms = ?4".to_owned()];
    let mut values = vec![
        JsValue::from_str(&order.id),
        JsValue::from_str(from.as_str()),
        JsValue::from_str(to.as_str()),
        int(now),
    ];
    for (i, (c, v)) in patch.0.into_iter().enumerate() {
        sets.push(format!("{c} = ?{}", i + 5));
        values.push(v);
    }
    let update = db
        .prepare(format!(
            "UPDATE orders SET {} WHERE id = ?1 AND state = ?2",
            sets.join(", ")
        ))
        .bind(&values)?;
    let results = db
        .batch(vec![
            update,
            event(db, &order.id, now, source, Some(from), to, detail)?,
        ])
        .await?;
    Ok(changed(results.first()).then_some(to))
}

/// Take the order's lease for `ms` as `owner` (one background worker at a time); false if
/// someone else holds it.
pub async fn lease(
    db: &D1Database,
    id: &str,
    owner: &str,
    now: i64,
    ms: i64,
) -> Result<bool, AppError> {
    let r = db
        .prepare(
            "UPDATE orders SET lease_until_ms = ?2, lease_owner = ?4 WHERE id = ?1 \
             AND (lease_until_ms IS NULL OR lease_until_ms < ?3 OR lease_owner = ?4)",
        )
        .bind(&[id.into(), int(now + ms), int(now), owner.into()])?
        .run()
        .await?;
    Ok(changed(Some(&r)))
}

/// Extend `owner`'s lease to `now + ms` before an upstream call; false when the lease is no
/// longer `owner`'s (it ran out and someone else took it): the caller must not call out.
pub async fn renew(
    db: &D1Database,
    id: &str,
    owner: &str,
    now: i64,
    ms: i64,
) -> Result<bool, AppError> {
    let r = db
        .prepare(
            "UPDATE orders SET lease_until_ms = ?2 WHERE id = ?1 AND lease_owner = ?3 \
             AND lease_until_ms >= ?4",
        )
        .bind(&[id.into(), int(now + ms), owner.into(), int(now)])?
        .run()
        .await?;
    Ok(changed(Some(&r)))
}

/// Give `owner`'s lease back (someone else's is left alone).
pub async fn release(db: &D1Database, id: &str, owner: &str) -> Result<(), AppError> {
    db.prepare(
        "UPDATE orders SET lease_until_ms = NULL, lease_owner = NULL \
         WHERE id = ?1 AND lease_owner = ?2",
    )
    .bind(&[id.into(), owner.into()])?
    .run()
    .await?;
    Ok(())
}

/// A background step failed: one more failure in a row, the next try backed off, and the
/// order flagged for an operator from the `flag_after`th failure, in one statement (parallel
/// failures all count). Returns the failures so far.
pub async fn job_failed(
    db: &D1Database,
    id: &str,
    now: i64,
    flag_after: i64,
) -> Result<i64, AppError> {
    #[derive(Deserialize)]
    struct Row {
        job_failures: i64,
    }
    let row = db
        .prepare(
            "UPDATE orders SET job_failures = job_failures + 1, \
             flagged_ms = CASE WHEN job_failures + 1 >= ?3 THEN COALESCE(flagged_ms, ?2) ELSE flagged_ms END \
             WHERE id = ?1 RETURNING job_failures",
        )
        .bind(&[id.into(), int(now), int(flag_after)])?
        .first::<Row>(None)
        .await?;
    let failures = row.map_or(0, |r| r.job_failures);
    let backoff = haoka_edge_core::retry::job_backoff_ms(failures);
    db.prepare("UPDATE orders SET next_try_ms = ?2 WHERE id = ?1")
        .bind(&[id.into(), int(now + backoff)])?
        .run()
        .await?;
    Ok(failures)
}

/// A background step succeeded: the failures in a row start again from 0 (a flag stays for
/// the operator who looks at it).
pub async fn job_ok(db: &D1Database, id: &str) -> Result<(), AppError> {
    db.prepare("UPDATE orders SET job_failures = 0 WHERE id = ?1 AND job_failures > 0")
        .bind(&[id.into()])?
        .run()
        .await?;
    Ok(())
}

/// One timeline row.
#[derive(Debug, Deserialize)]
pub struct EventRow {
    /// Unix ms.
    pub at_ms: i64,
    /// State entered.
    pub to_state: String,
}

/// The order's events, oldest first.
pub async fn events(db: &D1Database, id: &str) -> Result<Vec<EventRow>, AppError> {
    Ok(db
        .prepare("SELECT at_ms, to_state FROM order_events WHERE order_id = ?1 ORDER BY seq")
        .bind(&[id.into()])?
        .all()
        .await?
        .results::<EventRow>()?)
}

/// A wrong ID tail in a status lookup: one more miss in a row (counted afresh once a lock has
/// run out), and the order locked for `lock_ms` from the `max`th. One statement, so parallel
/// guesses all count. Returns whether the order is now locked.
pub async fn lookup_missed(
    db: &D1Database,
    id: &str,
    now: i64,
    max: i64,
    lock_ms: i64,
) -> Result<bool, AppError> {
    #[derive(Deserialize)]
    struct Row {
        lookup_locked_until_ms: Option<i64>,
    }
    let row = db
        .prepare(
            "UPDATE orders SET \
             lookup_misses = CASE WHEN lookup_locked_until_ms IS NOT NULL AND lookup_locked_until_ms <= ?2 \
                 THEN 1 ELSE lookup_misses + 1 END, \
             lookup_locked_until_ms = CASE \
                 WHEN lookup_locked_until_ms IS NOT NULL AND lookup_locked_until_ms > ?2 THEN lookup_locked_until_ms \
                 WHEN (CASE WHEN lookup_locked_until_ms IS NOT NULL THEN 1 ELSE lookup_misses + 1 END) >= ?3 THEN ?4 \
                 ELSE NULL END \
             WHERE id = ?1 RETURNING lookup_locked_until_ms",
        )
        .bind(&[id.into(), int(now), int(max), int(now + lock_ms)])?
        .first::<Row>(None)
        .await?;
    Ok(row
        .and_then(|r| r.lookup_locked_until_ms)
        .is_some_and(|t| now < t))
}

/// A right answer: the misses start again from 0.
pub async fn lookup_hit(db: &D1Database, id: &str) -> Result<(), AppError> {
    db.prepare("UPDATE orders SET lookup_misses = 0 WHERE id = ?1 AND lookup_misses > 0")
        .bind(&[id.into()])?
        .run()
        .await?;
    Ok(())
}

/// A message the queue gave up on: flag the order for an operator (an earlier flag is kept).
pub async fn flag(db: &D1Database, id: &str, now: i64) -> Result<(), AppError> {
    db.prepare("UPDATE orders SET flagged_ms = COALESCE(flagged_ms, ?2) WHERE id = ?1")
        .bind(&[id.into(), int(now)])?
        .run()
        .await?;
    Ok(())
}

/// Store a vendor callback's raw body for order `order_id` unless the same body was stored
/// before (one `INSERT … ON CONFLICT DO NOTHING`); whether it is new.
pub async fn store_callback(
    db: &D1Database,
    order_id: &str,
    body_hash: &str,
    content_type: &str,
    raw: &str,
    status_text: &str,
    now: i64,
) -> Result<bool, AppError> {
    let stored = db
        .prepare(
            "INSERT INTO vendor_callbacks (order_id, body_hash, content_type, raw, status_text, received_ms) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT DO NOTHING",
        )
        .bind(&[
            order_id.into(),
            body_hash.into(),
            content_type.into(),
            raw.into(),
            status_text.into(),
            int(now),
        ])?
        .run()
        .await?;
    Ok(stored.meta()?.and_then(|m| m.changes).unwrap_or(0) != 0)
}

/// What an operator lists: orders in `state` (any when `None`) unchanged since `before`,
/// only the flagged ones when `flagged`; newest first, at most 200.
pub async fn for_operator(
    db: &D1Database,
    state: Option<OrderState>,
    before: i64,
    flagged: bool,
) -> Result<Vec<OrderRow>, AppError> {
    Ok(db
        .prepare(
            "SELECT * FROM orders WHERE (?1 IS NULL OR state = ?1) AND updated_at_ms <= ?2 \
             AND (?3 = 0 OR flagged_ms IS NOT NULL) ORDER BY created_at_ms DESC LIMIT 200",
        )
        .bind(&[
            opt(state.map(OrderState::as_str)),
            int(before),
            int(i64::from(flagged)),
        ])?
        .all()
        .await?
        .results::<OrderRow>()?)
}

#[derive(Deserialize)]
struct Id {
    id: String,
}

fn ids(rows: Vec<Id>) -> Vec<String> {
    rows.into_iter().map(|r| r.id).collect()
}

/// `?from, …` for `n` binds.
fn marks(from: usize, n: usize) -> String {
    (from..from + n)
        .map(|i| format!("?{i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Up to 100 orders whose background work is due at `now` and not leased: in one of the
/// `always` states, or in one of the `with_photos` states with the photos in R2 (the state
/// names come from the steps' own table, `orders::states_with_work`); soonest due first.
pub async fn due(
    db: &D1Database,
    now: i64,
    always: &[&str],
    with_photos: &[&str],
) -> Result<Vec<String>, AppError> {
    let mut binds = vec![int(now)];
    binds.extend(
        always
            .iter()
            .chain(with_photos)
            .map(|s| JsValue::from_str(s)),
    );
    let rows = db
        .prepare(format!(
            "SELECT id FROM orders WHERE next_try_ms <= ?1 \
             AND (lease_until_ms IS NULL OR lease_until_ms < ?1) \
             AND (state IN ({}) OR (state IN ({}) AND photos = 1)) \
             ORDER BY next_try_ms LIMIT 100",
            marks(2, always.len()),
            marks(2 + always.len(), with_photos.len()),
        ))
        .bind(&binds)?
        .all()
        .await?
        .results::<Id>()?;
    Ok(ids(rows))
}

/// Up to 100 orders whose photos are past their purge time at `now`. By the purge time
/// alone, not the flag: it is written before the first object, so objects left by a put that
/// failed half-way are purged too.
pub async fn photos_expired(db: &D1Database, now: i64) -> Result<Vec<String>, AppError> {
    let rows = db
        .prepare("SELECT id FROM orders WHERE photos_expire_ms < ?1 LIMIT 100")
        .bind(&[int(now)])?
        .all()
        .await?
        .results::<Id>()?;
    Ok(ids(rows))
}

/// Up to 100 orders waiting in 待确认 unchanged since `before` (the state bound from
/// [`OrderState::Unconfirmed`]).
pub async fn unconfirmed_since(db: &D1Database, before: i64) -> Result<Vec<String>, AppError> {
    let rows = db
        .prepare("SELECT id FROM orders WHERE state = ?2 AND updated_at_ms < ?1 LIMIT 100")
        .bind(&[int(before), OrderState::Unconfirmed.as_str().into()])?
        .all()
        .await?
        .results::<Id>()?;
    Ok(ids(rows))
}

/// Retention: ended orders unchanged since `ended_before` (with no photos pending purge; at
/// most 200) go with their events and callbacks, and raw callbacks received before
/// `callbacks_before` in any case, in one batch. The ended states are bound from
/// [`OrderState::is_terminal`], never spelled here. Returns the orders deleted.
pub async fn purge_ended(
    db: &D1Database,
    ended_before: i64,
    callbacks_before: i64,
) -> Result<usize, AppError> {
    let ended: Vec<&str> = lifecycle::ALL_STATES
        .iter()
        .filter(|s| s.is_terminal())
        .map(|s| s.as_str())
        .collect();
    let mut binds = vec![int(ended_before)];
    binds.extend(ended.iter().map(|s| JsValue::from_str(s)));
    let doomed = db
        .prepare(format!(
            "SELECT id FROM orders WHERE updated_at_ms < ?1 AND state IN ({}) \
             AND photos_expire_ms IS NULL LIMIT 200",
            marks(2, ended.len())
        ))
        .bind(&binds)?
        .all()
        .await?
        .results::<Id>()?;
    let mut statements = Vec::with_capacity(doomed.len() * 3 + 1);
    for o in &doomed {
        for sql in [
            "DELETE FROM order_events WHERE order_id = ?1",
            "DELETE FROM vendor_callbacks WHERE order_id = ?1",
            "DELETE FROM orders WHERE id = ?1",
        ] {
            statements.push(db.prepare(sql).bind(&[o.id.as_str().into()])?);
        }
    }
    statements.push(
        db.prepare("DELETE FROM vendor_callbacks WHERE received_ms < ?1")
            .bind(&[int(callbacks_before)])?,
    );
    db.batch(statements).await?;
    Ok(doomed.len())
}
