//! Orders in D1: load, create (idempotently), patch, and move through the state machine with
//! the event written in the same batch — a transition and its event land together or not at
//! all, and only if the order was still in the state it was read in (compare-and-set).

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
}

/// A bound value for D1 (integers as f64: D1 refuses BigInt).
pub fn int(v: i64) -> JsValue {
    JsValue::from_f64(v as f64)
}

/// An integer or NULL.
pub fn opt_int(v: Option<i64>) -> JsValue {
    v.map_or(JsValue::NULL, int)
}

/// A text or NULL.
pub fn opt(v: Option<&str>) -> JsValue {
    v.map_or(JsValue::NULL, JsValue::from_str)
}

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

/// Load an order by id.
pub async fn load(db: &D1Database, id: &str) -> Result<Option<OrderRow>, AppError> {
    Ok(db
        .prepare("SELECT * FROM orders WHERE id = ?1")
        .bind(&[id.into()])?
        .first::<OrderRow>(None)
        .await?)
}

/// Load an order by `api_xid`.
pub async fn load_by_xid(db: &D1Database, api_xid: &str) -> Result<Option<OrderRow>, AppError> {
    Ok(db
        .prepare("SELECT * FROM orders WHERE api_xid = ?1")
        .bind(&[api_xid.into()])?
        .first::<OrderRow>(None)
        .await?)
}

/// Load an order by the browser's idempotency key.
pub async fn load_by_key(db: &D1Database, key: &str) -> Result<Option<OrderRow>, AppError> {
    Ok(db
        .prepare("SELECT * FROM orders WHERE idempotency_key = ?1")
        .bind(&[key.into()])?
        .first::<OrderRow>(None)
        .await?)
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

/// Insert a new order (columns and values as given) unless its idempotency key, id or
/// `api_xid` exists; its creation event is written with it. Returns whether it was inserted.
pub async fn insert(
    db: &D1Database,
    columns: &[(&'static str, JsValue)],
    order_id: &str,
    now: i64,
) -> Result<bool, AppError> {
    let names: Vec<&str> = columns.iter().map(|(c, _)| *c).collect();
    let marks: Vec<String> = (1..=columns.len()).map(|i| format!("?{i}")).collect();
    let sql = format!(
        "INSERT INTO orders ({}) VALUES ({}) ON CONFLICT DO NOTHING",
        names.join(", "),
        marks.join(", ")
    );
    let values: Vec<JsValue> = columns.iter().map(|(_, v)| v.clone()).collect();
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

/// Take the order's lease for `ms` (one background worker at a time); false if held.
pub async fn lease(db: &D1Database, id: &str, now: i64, ms: i64) -> Result<bool, AppError> {
    let r = db
        .prepare(
            "UPDATE orders SET lease_until_ms = ?2 WHERE id = ?1 \
             AND (lease_until_ms IS NULL OR lease_until_ms < ?3)",
        )
        .bind(&[id.into(), int(now + ms), int(now)])?
        .run()
        .await?;
    Ok(changed(Some(&r)))
}

/// Give the lease back.
pub async fn release(db: &D1Database, id: &str) -> Result<(), AppError> {
    update(db, id, Patch::new().set("lease_until_ms", JsValue::NULL)).await
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
