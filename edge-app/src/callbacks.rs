//! `POST /callbacks/{vendor}/{api_xid}/{token}` (`/callbacks/xingguang/…` today): the order
//! vendor's status callbacks. The vendor does not sign them, so the URL's HMAC token is the
//! authentication: a wrong token is a 404 and nothing is stored. The body is stored raw (once: a
//! repeat is recognised by its hash) and read; the state machine decides whether it moves the
//! order. A callback is applied even when its body was seen before (a vendor's retry after our
//! answer was lost must still land), and one that loses the compare-and-set to a concurrent
//! callback reloads the order and applies again: the state machine refuses backward and repeated
//! moves, so 审核中 and 已发货 arriving together always end at 已发货, with one event each.

use haoka_edge_core::{
    crypto, orders,
    sql::{self, orders::OrderRow},
    vendor::Callback,
};
use haoka_shared::ids;
use serde_json::json;

use crate::{
    Config,
    error::AppError,
    http::{Incoming, Reply},
    jobs,
    platform::Platform,
};

/// Largest callback body read.
const MAX_BODY: usize = 64 * 1024;

fn ok(msg: &str) -> Result<Reply, AppError> {
    Reply::json(&json!({ "code": 200, "msg": msg }))
}

/// Handle one status callback of the order vendor (`vendor::callback_target` read the path).
pub async fn order_vendor(
    req: &Incoming,
    p: &impl Platform,
    cfg: &Config,
    api_xid: &str,
    token: &str,
) -> Result<Reply, AppError> {
    if !ids::is_valid_id(api_xid)
        || !crypto::verify_callback_token(&cfg.callback_key, api_xid, token)
    {
        crate::warn!(p, "callback refused: bad token for {api_xid:.32}");
        return Err(AppError::NotFound);
    }
    let Some(order) = p.one(sql::orders::load_by_xid(api_xid)).await? else {
        return Err(AppError::NotFound);
    };
    let body = p.body(MAX_BODY).await?;
    let content_type = req.header("content-type").unwrap_or_default();
    let parsed = cfg.vendor().read_callback(&content_type, &body);
    let now = p.now_ms();
    let stored = sql::orders::store_callback(&sql::orders::NewCallback {
        order_id: &order.id,
        body_hash: &crypto::fingerprint(&[&body]),
        content_type: &content_type,
        raw: &String::from_utf8_lossy(&body),
        status_text: parsed
            .as_ref()
            .map(|c| c.status_text.as_str())
            .unwrap_or(""),
        received_ms: now,
    });
    let new = p.run(stored).await?.changes != 0;
    let repeat = !new;
    let cb = match parsed {
        Ok(cb) => cb,
        Err(e) => {
            crate::warn!(p, "callback for {} unreadable: {e}", order.id);
            return Err(AppError::BadRequest(e.to_string()));
        }
    };
    let mut order = order;
    for _ in 0..APPLY_TRIES {
        match apply(p, &order, &cb, now).await? {
            Applied::Done => return ok(if repeat { "duplicate" } else { "ok" }),
            Applied::Raced => {
                // Another callback moved the order between our read and our write: read it
                // again and apply this one to what it is now.
                order = p
                    .one(sql::orders::load(&order.id))
                    .await?
                    .ok_or(AppError::NotFound)?;
            }
        }
    }
    // Still racing after every try: answer an error, so the vendor sends it again.
    Err(AppError::Internal(format!(
        "callback for {} lost {APPLY_TRIES} compare-and-sets",
        order.id
    )))
}

/// How often a callback that lost its compare-and-set is applied again.
const APPLY_TRIES: usize = 8;

/// What applying one callback did.
enum Applied {
    /// Moved the order, or the state machine said it does not apply (late, repeated).
    Done,
    /// The order changed under us: reload and apply again.
    Raced,
}

async fn apply(
    p: &impl Platform,
    order: &OrderRow,
    cb: &Callback,
    now: i64,
) -> Result<Applied, AppError> {
    let Some(decision) = orders::after_callback(&order.snapshot()?, cb, now) else {
        crate::info!(
            p,
            "callback id={} status={} does not apply in {}",
            order.id,
            cb.status_text,
            order.state
        );
        return Ok(Applied::Done);
    };
    let moved = jobs::apply(p, order, decision, now).await?;
    crate::info!(
        p,
        "callback id={} status={} moved={}",
        order.id,
        cb.status_text,
        moved.map_or("no", |s| s.as_str())
    );
    Ok(if moved.is_some() {
        Applied::Done
    } else {
        Applied::Raced
    })
}
