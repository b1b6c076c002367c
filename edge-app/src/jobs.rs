//! Background work on Cloudflare's own machinery: a Queue (`JOBS`, consumed by this same
//! Worker) carries "advance order X" messages; the cron re-enqueues what is due in case a
//! message was lost. Advancing does whatever the order's state needs next — the pre-check,
//! `pushorder` (resent with the same `api_xid` when its outcome was unknown), `getimg` — under
//! a lease that names its holder and is renewed before every upstream call, so two consumers
//! never call out for the same order at once, and only when the order's work is due, so a
//! duplicate or redelivered message changes nothing. A step that fails (D1, bad data) backs
//! the order off and, after a few failures in a row, flags it for an operator; it never
//! returns to the head of the line. Messages the queue gives up on land in the dead-letter
//! queue, whose consumer flags their orders.

use haoka_edge_core::orders::{self, Decision, Effect, Work};
use haoka_edge_core::retry;
use haoka_edge_core::sql::{
    self,
    orders::{OrderRow, Patch},
};
use haoka_edge_core::vendor::{GetimgOutcome, PushOrder, PushOutcome};
use haoka_shared::lifecycle::{OrderState, Source};
use serde::{Deserialize, Serialize};

use crate::{
    Config,
    error::AppError,
    photos,
    pii::open,
    platform::{Platform, Transport, random},
    precheck,
};

/// The dead-letter queue (`wrangler.toml`): messages the queue gave up on.
pub const DEAD_LETTERS: &str = "haoka-jobs-dead";

/// One consumer's hold on an order: its own random token, renewed before each upstream call.
pub struct Lease {
    owner: String,
    timeout_ms: u32,
}

impl Lease {
    /// Extend the lease to cover `calls` upstream calls from now; false when it is no longer
    /// ours (then nothing may be sent).
    async fn renew(&self, p: &impl Platform, order_id: &str, calls: u32) -> Result<bool, AppError> {
        let ms = retry::lease_ms(self.timeout_ms).saturating_mul(i64::from(calls.max(1)));
        let renewed = sql::orders::renew(order_id, &self.owner, p.now_ms(), ms);
        let ours = p.run(renewed).await?.changes > 0;
        if !ours {
            crate::warn!(
                p,
                "advance {order_id}: lease lost before an upstream call; stopping"
            );
        }
        Ok(ours)
    }
}

/// A queue message.
#[derive(Debug, Serialize, Deserialize)]
pub struct Job {
    /// The order to advance.
    pub order_id: String,
}

/// Put "advance `order_id`" on the queue after `delay_s` seconds. Failure is logged, not
/// raised: `next_try_ms` is already set, so the cron picks the order up.
pub async fn enqueue(p: &impl Platform, order_id: &str, delay_s: u32) {
    if let Err(e) = p.enqueue(order_id, delay_s).await {
        crate::warn!(
            p,
            "enqueue {order_id} failed ({e}); the cron will pick it up"
        );
    }
}

/// What the queue is to do with a message once it was handled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ack {
    /// Done with it: acknowledge.
    Ack,
    /// Deliver it again (after the queue's retries it goes to the dead-letter queue).
    Retry,
}

/// The queue consumer, for one message: advance its order. Never lets an error escape (it
/// would kill the isolate): a failed step backs the order off in D1 and the message is
/// acknowledged (the cron brings the order back when it is due); only when even that write
/// fails is the message retried, and after the queue's retries it goes to the dead-letter
/// queue. Each message is one order: the adapter advances a batch's side by side (a slow
/// vendor delays one only).
pub async fn on_message(p: &impl Platform, cfg: &Config, order_id: &str) -> Ack {
    match advance(p, cfg, order_id, Source::Retry).await {
        Ok(()) => Ack::Ack,
        Err(e) => {
            crate::error!(p, "advance {order_id} failed: {e}");
            match failed(p, order_id).await {
                Ok(()) => Ack::Ack,
                Err(e) => {
                    crate::error!(p, "advance {order_id}: could not back off ({e})");
                    Ack::Retry
                }
            }
        }
    }
}

/// The dead-letter queue's consumer, for one message: flag its order for an operator; retried
/// when even that write fails.
pub async fn on_dead_letter(p: &impl Platform, order_id: &str) -> Ack {
    match flag_dead(p, order_id).await {
        Ok(()) => Ack::Ack,
        Err(e) => {
            crate::error!(p, "dead letter {order_id}: {e}");
            Ack::Retry
        }
    }
}

/// Back a failed order off; flag it once it keeps failing.
async fn failed(p: &impl Platform, order_id: &str) -> Result<(), AppError> {
    let now = p.now_ms();
    let failures = p
        .one(sql::orders::job_failed(
            order_id,
            now,
            retry::JOB_FLAG_AFTER,
        ))
        .await?
        .map_or(0, |r| r.job_failures);
    p.run(sql::orders::back_off(order_id, failures, now))
        .await?;
    if failures >= retry::JOB_FLAG_AFTER {
        crate::warn!(
            p,
            "order {order_id} failed {failures} background steps in a row: flagged for an operator (GET /api/admin/orders?flagged=true)"
        );
    }
    Ok(())
}

/// A message the queue gave up on: its order is flagged for an operator.
async fn flag_dead(p: &impl Platform, order_id: &str) -> Result<(), AppError> {
    p.run(sql::orders::flag(order_id, p.now_ms())).await?;
    crate::warn!(
        p,
        "order {order_id}: its job reached the dead-letter queue; flagged for an operator"
    );
    Ok(())
}

/// Do the next step for one order, under its lease, if its work is due.
pub async fn advance(
    p: &impl Platform,
    cfg: &Config,
    order_id: &str,
    source: Source,
) -> Result<(), AppError> {
    let now = p.now_ms();
    let lease = Lease {
        owner: haoka_edge_core::handoff::token(&random::<16>(p)?),
        timeout_ms: cfg.upstream_timeout_ms,
    };
    let taken = sql::orders::lease(
        order_id,
        &lease.owner,
        now,
        retry::lease_ms(cfg.upstream_timeout_ms),
    );
    if p.run(taken).await?.changes == 0 {
        crate::info!(p, "advance {order_id}: leased elsewhere");
        return Ok(());
    }
    let result = step(p, cfg, order_id, source, &lease).await;
    p.run(sql::orders::release(order_id, &lease.owner)).await?;
    result
}

async fn step(
    p: &impl Platform,
    cfg: &Config,
    order_id: &str,
    source: Source,
    lease: &Lease,
) -> Result<(), AppError> {
    let mut order = p
        .one(sql::orders::load(order_id))
        .await?
        .ok_or_else(|| AppError::Internal(format!("no order {order_id}")))?;
    if !retry::due(order.next_try_ms, p.now_ms(), source == Source::Operator)
        && !order.state()?.is_terminal()
    {
        crate::info!(p, "advance {order_id}: not due");
        return Ok(());
    }
    // Each pass may unlock the next (a pass → send; an accepted send → getimg).
    for _ in 0..3 {
        let work = orders::work_for(order.state()?, order.has_photos());
        if work == Work::Nothing || !lease.renew(p, order_id, work.calls()).await? {
            break;
        }
        let decision = match work {
            Work::Check => check(p, cfg, &order).await?,
            Work::Send => send(p, cfg, &order, source).await?,
            Work::UploadPhotos => upload_photos(p, cfg, &order).await?,
            Work::Nothing => break,
        };
        let go_on = decision.go_on_in;
        if !go_on.goes_on(apply(p, &order, decision, p.now_ms()).await?) {
            break;
        }
        order = p
            .one(sql::orders::load(order_id))
            .await?
            .ok_or_else(|| AppError::Internal(format!("no order {order_id}")))?;
    }
    if order.state()?.is_terminal() && order.has_photos() {
        forget_photos(p, &order.id).await?;
    }
    if order.job_failures > 0 {
        p.run(sql::orders::job_ok(order_id)).await?;
    }
    crate::info!(p, "advance {order_id}: done in {}", order.state);
    Ok(())
}

/// Write a decision (the move and its columns together, or the columns alone) and run its
/// effects; the state the move reached (`None`: no move, or it did not apply).
pub async fn apply(
    p: &impl Platform,
    order: &OrderRow,
    d: Decision,
    now: i64,
) -> Result<Option<OrderState>, AppError> {
    let patch = Patch::from(&d.patch);
    let reached = match &d.change {
        Some(m) => {
            match sql::orders::transition(order, m.input, m.source, &m.detail, &patch, now)? {
                Some(t) => sql::orders::changed(&p.atomically(t.stmts).await?).then_some(t.to),
                None => None,
            }
        }
        None => {
            if let Some(s) = sql::orders::update(&order.id, &patch) {
                p.run(s).await?;
            }
            None
        }
    };
    let effects = if d.effects_need_move && reached.is_none() {
        &[][..]
    } else {
        &d.effects[..]
    };
    for effect in effects {
        match effect {
            Effect::ForgetPhotos => forget_photos(p, &order.id).await?,
            Effect::Enqueue { delay_s } => enqueue(p, &order.id, *delay_s).await,
        }
    }
    Ok(reached)
}

async fn check(p: &impl Platform, cfg: &Config, order: &OrderRow) -> Result<Decision, AppError> {
    let now = p.now_ms();
    let name = open(cfg, order, "name_enc", &order.name_enc)?;
    let id_number = open(cfg, order, "id_number_enc", &order.id_number_enc)?;
    let mobile = open(cfg, order, "mobile_enc", &order.mobile_enc)?;
    let person = precheck::Person {
        name: &name,
        id_number: &id_number,
        mobile: &mobile,
        phone3: order.needs_phone3 != 0,
    };
    let verdict = precheck::run(p, cfg, &person, now).await?;
    Ok(orders::after_check(
        &order.snapshot()?,
        verdict,
        &cfg.send_policy,
        now,
    ))
}

async fn send(
    p: &impl Platform,
    cfg: &Config,
    order: &OrderRow,
    source: Source,
) -> Result<Decision, AppError> {
    let photos = if order.wants_photos() && order.has_photos() {
        photos::get(p, &order.id).await?
    } else {
        None
    };
    let name = open(cfg, order, "name_enc", &order.name_enc)?;
    let phone = open(cfg, order, "mobile_enc", &order.mobile_enc)?;
    let id_number = open(cfg, order, "id_number_enc", &order.id_number_enc)?;
    let address = open(cfg, order, "address_enc", &order.address_enc)?;
    let callback_url = haoka_edge_core::vendor::callback_url(
        &cfg.public_base,
        cfg.vendor().name(),
        &order.api_xid,
        &haoka_edge_core::crypto::callback_token(&cfg.callback_key, &order.api_xid),
    );
    let push = PushOrder {
        name: &name,
        phone: &phone,
        id_number: &id_number,
        order_province: &order.order_province,
        address: &address,
        api_xid: &order.api_xid,
        haoma: &order.number,
        pid: &order.product_id,
        callback_url: &callback_url,
        photos: photos.as_ref(),
    };
    let vendor = cfg.vendor();
    let req = vendor.push_request(&push);
    let attempt = order.send_attempts + 1;
    // Count the attempt before sending: a crash mid-send still counts towards 待确认.
    p.run(sql::orders::count_send(&order.id, attempt)).await?;
    let outcome = match p.call(&req, cfg.upstream_timeout_ms).await {
        Transport::Reply { status, body } => vendor.read_push(status, &body),
        Transport::Failed { why } => PushOutcome::Unknown { why },
    };
    crate::info!(
        p,
        "push {} id={} api_xid={} attempt={attempt} photos={} outcome={}",
        vendor.name(),
        order.id,
        order.api_xid,
        photos.is_some(),
        orders::describe(&outcome)
    );
    Ok(orders::after_push(
        &order.snapshot()?,
        &outcome,
        attempt,
        photos.is_some(),
        source == Source::Operator,
        &cfg.send_policy,
        p.now_ms(),
    ))
}

async fn upload_photos(
    p: &impl Platform,
    cfg: &Config,
    order: &OrderRow,
) -> Result<Decision, AppError> {
    let (Some(apiorder), Some(photos)) =
        (order.apiorder.as_deref(), photos::get(p, &order.id).await?)
    else {
        return Ok(orders::photos_unsendable());
    };
    let vendor = cfg.vendor();
    let req = vendor.photos_request(apiorder, &photos);
    let outcome = match p.call(&req, cfg.upstream_timeout_ms).await {
        Transport::Reply { status, body } => vendor.read_photos(status, &body),
        Transport::Failed { why } => GetimgOutcome::Unknown { why },
    };
    crate::info!(
        p,
        "photos {} id={} apiorder={apiorder} outcome={outcome:?}",
        vendor.name(),
        order.id
    );
    Ok(orders::after_getimg(
        &order.snapshot()?,
        &outcome,
        &cfg.send_policy,
        p.now_ms(),
    ))
}

/// Delete the order's photos from R2 and mark them gone.
pub async fn forget_photos(p: &impl Platform, order_id: &str) -> Result<(), AppError> {
    photos::delete(p, order_id).await?;
    let gone = Patch {
        photos: Some(false),
        photos_expire_ms: Some(None),
        ..Patch::default()
    };
    if let Some(s) = sql::orders::update(order_id, &gone) {
        p.run(s).await?;
    }
    crate::info!(p, "photos deleted id={order_id}");
    Ok(())
}
