//! The operator minimum (the full console comes later), behind `Authorization: Bearer
//! {ADMIN_TOKEN}`: list orders by state (PII masked), and settle an order stuck in 待确认 —
//! confirm the vendor has it, resend it with the same `api_xid`, or close it.

use haoka_edge_core::sql::{
    self,
    orders::{OrderRow, Patch},
};
use haoka_shared::{
    lifecycle::{Input, OrderState, RejectReason, Source},
    mask,
    refusal::Refusal,
};
use serde::{Deserialize, Serialize};

use crate::{
    Config,
    error::AppError,
    http::{Incoming, Reply},
    jobs,
    pii::open,
    platform::Platform,
};

/// Who may operate orders: the operator token, or a console account with the administer
/// permission (a change also needs the session's CSRF token). Returns who, for the audit log.
async fn operator(
    req: &Incoming,
    p: &impl Platform,
    cfg: &Config,
    change: bool,
) -> Result<String, AppError> {
    let bearer = req.header("authorization").is_some();
    if bearer {
        crate::operator::authorise(req, cfg)?;
        return Ok("operator-token".into());
    }
    let who = if change {
        crate::console::actor_for_change(req, p, cfg).await?
    } else {
        crate::console::actor(req, p, cfg).await?
    };
    crate::console::require(
        p,
        cfg,
        req,
        &who,
        haoka_edge_core::auth::Permission::Administer,
    )
    .await?;
    Ok(who.username)
}

#[derive(Deserialize)]
struct ListQuery {
    state: Option<String>,
    /// Only orders unchanged for at least this many minutes.
    older_than_min: Option<i64>,
    /// Only orders flagged for an operator (background steps kept failing).
    #[serde(default)]
    flagged: Option<bool>,
}

/// One order as an operator sees it in a list.
#[derive(Serialize)]
struct Row {
    order_id: String,
    state: String,
    product_id: String,
    name: String,
    mobile: String,
    id_number: String,
    api_xid: String,
    apiorder: Option<String>,
    send_attempts: i64,
    photos_in_r2: bool,
    /// Problems the customer kept on photos (after two retakes), for an agent to look at.
    photo_flags: Option<serde_json::Value>,
    created_at_ms: i64,
    updated_at_ms: i64,
    stuck: bool,
    /// Background steps kept failing (or its job reached the dead-letter queue): look at it.
    flagged: bool,
}

/// A sealed column, opened and masked; one no key of the ring opens (a key dropped from
/// `PII_KEYS` too early) shows as such rather than hiding every other order.
fn shown(
    p: &impl Platform,
    cfg: &Config,
    o: &OrderRow,
    column: &str,
    sealed: &str,
    mask: fn(&str) -> String,
) -> String {
    match open(cfg, o, column, sealed) {
        Ok(clear) => mask(&clear),
        Err(e) => {
            crate::warn!(p, "{e}");
            "‹无法解密 unreadable›".to_owned()
        }
    }
}

fn row(p: &impl Platform, cfg: &Config, o: &OrderRow, now: i64) -> Result<Row, AppError> {
    let state = o.state()?;
    Ok(Row {
        order_id: o.id.clone(),
        state: o.state.clone(),
        product_id: o.product_id.clone(),
        name: shown(p, cfg, o, "name_enc", &o.name_enc, mask::mask_name),
        mobile: shown(p, cfg, o, "mobile_enc", &o.mobile_enc, mask::mask_phone),
        id_number: shown(p, cfg, o, "id_number_enc", &o.id_number_enc, mask::mask_id),
        api_xid: o.api_xid.clone(),
        apiorder: o.apiorder.clone(),
        send_attempts: o.send_attempts,
        photos_in_r2: o.has_photos(),
        photo_flags: o
            .photo_flags
            .as_deref()
            .and_then(|f| serde_json::from_str(f).ok()),
        created_at_ms: o.created_at_ms,
        updated_at_ms: o.updated_at_ms,
        stuck: state == OrderState::Unconfirmed && now - o.updated_at_ms > cfg.unconfirmed_alert_ms,
        flagged: o.flagged_ms.is_some(),
    })
}

/// `GET /api/admin/orders?state=…&older_than_min=…` (newest first, at most 200).
pub async fn list(req: &Incoming, p: &impl Platform, cfg: &Config) -> Result<Reply, AppError> {
    operator(req, p, cfg, false).await?;
    let q: ListQuery = req.query_as()?;
    let state = match q.state.as_deref().filter(|s| !s.is_empty()) {
        Some(s) => Some(
            OrderState::parse(s)
                .ok_or_else(|| AppError::BadRequest(format!("unknown state {s:.40}")))?,
        ),
        None => None,
    };
    let now = p.now_ms();
    let before = now - q.older_than_min.unwrap_or(0).clamp(0, 525_600) * 60_000;
    let orders = p
        .rows(sql::orders::for_operator(
            state,
            before,
            q.flagged == Some(true),
        ))
        .await?;
    let rows = orders
        .iter()
        .map(|o| row(p, cfg, o, now))
        .collect::<Result<Vec<_>, _>>()?;
    Reply::json(&serde_json::json!({ "orders": rows }))
}

/// `POST /api/admin/reconcile`: one reconciler pass now — what the Cron trigger runs each
/// minute. Under `wrangler dev` a worker with `[assets]` cannot have its trigger fired (see
/// the README, "How work outlives a request"), so `scripts/run.sh` calls this each minute;
/// deployed, the Cron trigger calls the same function.
pub async fn reconcile(req: &Incoming, p: &impl Platform, cfg: &Config) -> Result<Reply, AppError> {
    crate::operator::authorise(req, cfg)?;
    let report = crate::reconcile::run(p, cfg).await?;
    Reply::json(&report)
}

/// The clock's body is a few dozen bytes.
const MAX_CLOCK_BYTES: usize = 4096;

/// `POST /api/admin/clock` body: how far to move the clock forward.
#[derive(Deserialize)]
struct MoveClock {
    advance_ms: i64,
}

/// `POST /api/admin/clock` (test stacks only, `TEST_CLOCK=on`): move the edge's clock forward,
/// so the suite waits out a session, a poll or a retention without sleeping. Elsewhere the
/// endpoint does not exist.
pub async fn clock(p: &impl Platform, req: &Incoming, cfg: &Config) -> Result<Reply, AppError> {
    if !cfg.test_clock {
        return Err(Refusal::NotFound.into());
    }
    crate::operator::authorise(req, cfg)?;
    let body: MoveClock =
        serde_json::from_slice(&p.body(MAX_CLOCK_BYTES).await?).map_err(|_| Refusal::BadRequest)?;
    // Forward only, and at most a year at a time.
    if !(1..=366 * 86_400_000).contains(&body.advance_ms) {
        return Err(Refusal::BadRequest.into());
    }
    let ahead = p.advance_clock(body.advance_ms);
    crate::info!(
        p,
        "test clock moved forward {} ms (now {ahead} ms ahead)",
        body.advance_ms
    );
    Reply::json(&serde_json::json!({ "ahead_ms": ahead, "now_ms": p.now_ms() }))
}

/// `POST /api/admin/orders/{id}/settle` body.
#[derive(Deserialize)]
#[serde(rename_all = "snake_case", tag = "action")]
enum Settle {
    /// The vendor has it (optionally with its number).
    Confirm {
        #[serde(default)]
        apiorder: Option<String>,
    },
    /// The vendor does not have it: send again, same `api_xid`.
    Resend,
    /// Close the order (审核失败, reason "closed by our staff").
    Close,
}

/// Settle one order.
pub async fn settle(
    req: &Incoming,
    p: &impl Platform,
    cfg: &Config,
    order_id: &str,
) -> Result<Reply, AppError> {
    let actor = operator(req, p, cfg, true).await?;
    let action: Settle = crate::body::read_json(p, 4096).await?;
    let order = p
        .one(sql::orders::load(order_id))
        .await?
        .ok_or(Refusal::OrderNotFound)?;
    let now = p.now_ms();
    let (input, patch, detail) = match &action {
        Settle::Confirm { apiorder } => {
            let change = Patch {
                apiorder: apiorder
                    .clone()
                    .filter(|a| haoka_shared::ids::is_valid_id(a)),
                ..Patch::default()
            };
            (Input::OperatorConfirm, change, "operator: vendor has it")
        }
        Settle::Resend => (
            Input::OperatorResend,
            Patch {
                send_attempts: Some(0),
                next_try_ms: Some(Some(now)),
                ..Patch::default()
            },
            "operator: resend with the same api_xid",
        ),
        Settle::Close => (
            Input::OperatorClose,
            Patch {
                reason_code: Some(RejectReason::Operator.as_str().to_owned()),
                ..Patch::default()
            },
            "operator: closed",
        ),
    };
    let moved = match sql::orders::transition(&order, input, Source::Operator, detail, &patch, now)?
    {
        Some(t) => sql::orders::changed(&p.atomically(t.stmts).await?).then_some(t.to),
        None => None,
    };
    let Some(to) = moved else {
        return Err(Refusal::SettleNotApplicable.into());
    };
    crate::info!(p, "settled id={} -> {}", order.id, to.as_str());
    crate::audit::append(
        p,
        &cfg.audit_key,
        &actor,
        "order_settle",
        &order.id,
        &format!("{detail} -> {}", to.as_str()),
    )
    .await?;
    if to == OrderState::Sending {
        jobs::enqueue(p, &order.id, 0).await;
    }
    if to.is_terminal() && order.has_photos() {
        jobs::forget_photos(p, &order.id).await?;
    }
    Reply::json(&serde_json::json!({ "order_id": order.id, "state": to }))
}
