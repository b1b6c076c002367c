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

use haoka_edge_core::retry;
use haoka_edge_core::xingguang::{
    GetimgOutcome, PushOrder, PushOutcome, getimg_request, parse_getimg_reply,
    parse_pushorder_reply, pushorder_request,
};
use haoka_shared::lifecycle::{Input, OrderState, RejectReason, Source, VendorStatus};
use serde::{Deserialize, Serialize};
use worker::{D1Database, Env, MessageBatch, MessageExt, console_error, console_log, console_warn};

use crate::{
    config::{Config, DB, JOBS, now_ms, random},
    error::AppError,
    orders::open,
    photos, precheck,
    store::{self, OrderRow, Patch, int},
    upstream::{self, Transport},
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
    async fn renew(&self, db: &D1Database, order_id: &str, calls: u32) -> Result<bool, AppError> {
        let ms = retry::lease_ms(self.timeout_ms).saturating_mul(i64::from(calls.max(1)));
        let ours = store::renew(db, order_id, &self.owner, now_ms(), ms).await?;
        if !ours {
            console_warn!("advance {order_id}: lease lost before an upstream call; stopping");
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
pub async fn enqueue(env: &Env, order_id: &str, delay_s: u32) {
    let job = Job {
        order_id: order_id.to_owned(),
    };
    let sent = match env.queue(JOBS) {
        Ok(q) => {
            q.send(
                worker::MessageBuilder::new(job)
                    .delay_seconds(delay_s)
                    .build(),
            )
            .await
        }
        Err(e) => Err(e),
    };
    if let Err(e) = sent {
        console_warn!("enqueue {order_id} failed ({e}); the cron will pick it up");
    }
}

/// The queue consumer: advance each order. Never lets an error escape (it would kill the
/// isolate): a failed step backs the order off in D1 and the message is acknowledged (the cron
/// brings the order back when it is due); only when even that write fails is the message
/// retried, and after the queue's retries it goes to the dead-letter queue.
pub async fn consume(batch: MessageBatch<Job>, env: Env) {
    let messages = match batch.messages() {
        Ok(m) => m,
        Err(e) => {
            console_error!("queue batch unreadable: {e}");
            batch.ack_all();
            return;
        }
    };
    if batch.queue() == DEAD_LETTERS {
        for m in &messages {
            match flag_dead(&env, &m.body().order_id).await {
                Ok(()) => m.ack(),
                Err(e) => {
                    console_error!("dead letter {}: {e}", m.body().order_id);
                    m.retry();
                }
            }
        }
        return;
    }
    let cfg = match Config::from_env(&env) {
        Ok(c) => c,
        Err(e) => {
            console_error!("queue: {e}");
            batch.retry_all();
            return;
        }
    };
    // Each message is one order: advance them side by side (a slow vendor delays one only).
    let runs = messages
        .iter()
        .map(|m| advance(&env, &cfg, &m.body().order_id, Source::Retry));
    let results = futures_util::future::join_all(runs).await;
    for (m, result) in messages.iter().zip(results) {
        let order_id = &m.body().order_id;
        match result {
            Ok(()) => m.ack(),
            Err(e) => {
                console_error!("advance {order_id} failed: {e}");
                match failed(&env, order_id).await {
                    Ok(()) => m.ack(),
                    Err(e) => {
                        console_error!("advance {order_id}: could not back off ({e})");
                        m.retry();
                    }
                }
            }
        }
    }
}

/// Back a failed order off; flag it once it keeps failing.
async fn failed(env: &Env, order_id: &str) -> Result<(), AppError> {
    let failures =
        store::job_failed(&env.d1(DB)?, order_id, now_ms(), retry::JOB_FLAG_AFTER).await?;
    if failures >= retry::JOB_FLAG_AFTER {
        console_warn!(
            "order {order_id} failed {failures} background steps in a row: flagged for an operator (GET /api/admin/orders?flagged=true)"
        );
    }
    Ok(())
}

/// A message the queue gave up on: its order is flagged for an operator.
async fn flag_dead(env: &Env, order_id: &str) -> Result<(), AppError> {
    env.d1(DB)?
        .prepare("UPDATE orders SET flagged_ms = COALESCE(flagged_ms, ?2) WHERE id = ?1")
        .bind(&[order_id.into(), int(now_ms())])?
        .run()
        .await?;
    console_warn!(
        "order {order_id}: its job reached the dead-letter queue; flagged for an operator"
    );
    Ok(())
}

/// Do the next step for one order, under its lease, if its work is due.
pub async fn advance(
    env: &Env,
    cfg: &Config,
    order_id: &str,
    source: Source,
) -> Result<(), AppError> {
    let db = env.d1(DB)?;
    let now = now_ms();
    let lease = Lease {
        owner: haoka_edge_core::handoff::token(&random::<16>()?),
        timeout_ms: cfg.upstream_timeout_ms,
    };
    if !store::lease(
        &db,
        order_id,
        &lease.owner,
        now,
        retry::lease_ms(cfg.upstream_timeout_ms),
    )
    .await?
    {
        console_log!("advance {order_id}: leased elsewhere");
        return Ok(());
    }
    let result = step(env, cfg, order_id, source, &lease).await;
    store::release(&db, order_id, &lease.owner).await?;
    result
}

async fn step(
    env: &Env,
    cfg: &Config,
    order_id: &str,
    source: Source,
    lease: &Lease,
) -> Result<(), AppError> {
    let db = env.d1(DB)?;
    let mut order = store::load(&db, order_id)
        .await?
        .ok_or_else(|| AppError::Internal(format!("no order {order_id}")))?;
    if !retry::due(order.next_try_ms, now_ms(), source == Source::Operator)
        && !order.state()?.is_terminal()
    {
        console_log!("advance {order_id}: not due");
        return Ok(());
    }
    // Each pass may unlock the next (a pass → send; an accepted send → getimg).
    for _ in 0..3 {
        let moved = match order.state()? {
            OrderState::Received | OrderState::Checking => {
                lease.renew(&db, order_id, 3).await? && check(env, cfg, &order).await?
            }
            OrderState::Sending => {
                lease.renew(&db, order_id, 1).await? && send(env, cfg, &order, source).await?
            }
            OrderState::AwaitingPhotos if order.has_photos() => {
                lease.renew(&db, order_id, 1).await? && upload_photos(env, cfg, &order).await?
            }
            _ => false,
        };
        if !moved {
            break;
        }
        order = store::load(&db, order_id)
            .await?
            .ok_or_else(|| AppError::Internal(format!("no order {order_id}")))?;
    }
    if order.state()?.is_terminal() && order.has_photos() {
        forget_photos(env, &order.id).await?;
    }
    if order.job_failures > 0 {
        store::job_ok(&db, order_id).await?;
    }
    console_log!("advance {order_id}: done in {}", order.state);
    Ok(())
}

async fn check(env: &Env, cfg: &Config, order: &OrderRow) -> Result<bool, AppError> {
    let db = env.d1(DB)?;
    let now = now_ms();
    let name = open(cfg, order, "name_enc", &order.name_enc)?;
    let id_number = open(cfg, order, "id_number_enc", &order.id_number_enc)?;
    let mobile = open(cfg, order, "mobile_enc", &order.mobile_enc)?;
    let person = precheck::Person {
        name: &name,
        id_number: &id_number,
        mobile: &mobile,
        phone3: order.needs_phone3 != 0,
    };
    let (input, patch) = match precheck::run(&db, cfg, &person, now).await? {
        precheck::Outcome::Pass => (
            Input::CheckPassed,
            Patch::new().set("next_try_ms", int(now)),
        ),
        precheck::Outcome::Mismatch(part) => (
            Input::CheckMismatch,
            Patch::new().set("reason_code", part.as_str()),
        ),
        precheck::Outcome::Pending => {
            // Busy or down: the same backoff as unknown sends, without end (an order waits
            // in 身份核验中; it is never refused for an upstream's trouble).
            let attempts = order.check_attempts + 1;
            let delay = cfg
                .send_policy
                .delay_after(u32::try_from(attempts).unwrap_or(u32::MAX));
            let patch = Patch::new()
                .set("check_attempts", int(attempts))
                .set("next_try_ms", int(now + i64::from(delay) * 1000));
            if order.state()? == OrderState::Checking {
                store::update(&db, &order.id, patch).await?;
            } else {
                store::transition(
                    &db,
                    order,
                    Input::CheckPending,
                    Source::VendorReply,
                    "pre-check pending",
                    patch,
                    now,
                )
                .await?;
            }
            enqueue(env, &order.id, delay).await;
            return Ok(false);
        }
    };
    let moved = store::transition(
        &db,
        order,
        input,
        Source::VendorReply,
        "pre-check",
        patch,
        now,
    )
    .await?;
    Ok(moved == Some(OrderState::Sending))
}

async fn send(env: &Env, cfg: &Config, order: &OrderRow, source: Source) -> Result<bool, AppError> {
    let db = env.d1(DB)?;
    let photos = if order.wants_photos() && order.has_photos() {
        photos::get(env, &order.id).await?
    } else {
        None
    };
    let name = open(cfg, order, "name_enc", &order.name_enc)?;
    let phone = open(cfg, order, "mobile_enc", &order.mobile_enc)?;
    let id_number = open(cfg, order, "id_number_enc", &order.id_number_enc)?;
    let address = open(cfg, order, "address_enc", &order.address_enc)?;
    let callback_url = format!(
        "{}/callbacks/xingguang/{}/{}",
        cfg.public_base.trim_end_matches('/'),
        order.api_xid,
        haoka_edge_core::crypto::callback_token(&cfg.callback_key, &order.api_xid)
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
    let req = pushorder_request(&cfg.xingguang_base, &cfg.xingguang, &push);
    let attempt = order.send_attempts + 1;
    // Count the attempt before sending: a crash mid-send still counts towards 待确认.
    store::update(
        &db,
        &order.id,
        Patch::new().set("send_attempts", int(attempt)),
    )
    .await?;
    let outcome = match upstream::execute(&req, cfg.upstream_timeout_ms).await {
        Transport::Reply { status, body } => parse_pushorder_reply(status, &body),
        Transport::Failed { why } => PushOutcome::Unknown { why },
    };
    let now = now_ms();
    console_log!(
        "pushorder id={} api_xid={} attempt={attempt} photos={} outcome={}",
        order.id,
        order.api_xid,
        photos.is_some(),
        describe(&outcome)
    );
    match outcome {
        PushOutcome::Accepted {
            apiorder,
            status,
            status_text,
        } => {
            let photos_missing = order.wants_photos()
                && (photos.is_none() || status == VendorStatus::AwaitingPhotos);
            let patch = Patch::new()
                .set("apiorder", apiorder.as_str())
                .set("vendor_status", status_text.as_str())
                .set("next_try_ms", int(now));
            let moved = store::transition(
                &db,
                order,
                Input::VendorAccepted { photos_missing },
                source_of(source),
                &format!("pushorder accepted: {apiorder}"),
                patch,
                now,
            )
            .await?;
            if photos.is_some() && !photos_missing {
                // The vendor confirmed the order with its photos: ours go.
                forget_photos(env, &order.id).await?;
            }
            Ok(moved.is_some())
        }
        PushOutcome::Rejected { code, plain, .. } => {
            let patch = Patch::new().set("reason_code", plain.as_str()).set(
                "last_error",
                format!("pushorder refused, code {code}").as_str(),
            );
            store::transition(
                &db,
                order,
                Input::VendorRejected,
                Source::VendorReply,
                "pushorder refused",
                patch,
                now,
            )
            .await?;
            forget_photos(env, &order.id).await?;
            Ok(false)
        }
        PushOutcome::CredentialsRefused { .. } | PushOutcome::Unknown { .. } => {
            let why = describe(&outcome);
            let attempts = u32::try_from(attempt).unwrap_or(u32::MAX);
            if cfg.send_policy.exhausted(attempts) {
                // Silence after resends: the vendor probably has it. Never failed, never a
                // new api_xid: a callback or an operator settles it.
                store::transition(
                    &db,
                    order,
                    Input::SendsExhausted,
                    Source::Retry,
                    &format!("no answer after {attempt} sends"),
                    Patch::new()
                        .set("last_error", why.as_str())
                        .set("next_try_ms", wasm_bindgen::JsValue::NULL),
                    now,
                )
                .await?;
            } else {
                let delay = cfg.send_policy.delay_after(attempts);
                store::update(
                    &db,
                    &order.id,
                    Patch::new()
                        .set("last_error", why.as_str())
                        .set("next_try_ms", int(now + i64::from(delay) * 1000)),
                )
                .await?;
                enqueue(env, &order.id, delay).await;
            }
            Ok(false)
        }
    }
}

/// The event source of a send: the first is the customer's, resends are retries.
fn source_of(source: Source) -> Source {
    match source {
        Source::Operator => Source::Operator,
        _ => Source::VendorReply,
    }
}

fn describe(outcome: &PushOutcome) -> String {
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

async fn upload_photos(env: &Env, cfg: &Config, order: &OrderRow) -> Result<bool, AppError> {
    let db = env.d1(DB)?;
    let now = now_ms();
    let (Some(apiorder), Some(photos)) = (
        order.apiorder.as_deref(),
        photos::get(env, &order.id).await?,
    ) else {
        // Nothing to send them with (no vendor number yet) or not all there: drop what is
        // there (flag and objects together), so the customer is asked again.
        forget_photos(env, &order.id).await?;
        return Ok(false);
    };
    let req = getimg_request(&cfg.xingguang_base, apiorder, &photos);
    let outcome = match upstream::execute(&req, cfg.upstream_timeout_ms).await {
        Transport::Reply { status, body } => parse_getimg_reply(status, &body),
        Transport::Failed { why } => GetimgOutcome::Unknown { why },
    };
    console_log!(
        "getimg id={} apiorder={apiorder} outcome={outcome:?}",
        order.id
    );
    match outcome {
        GetimgOutcome::Delivered => {
            let moved = store::transition(
                &db,
                order,
                Input::PhotosDelivered,
                Source::VendorReply,
                "getimg accepted",
                Patch::new(),
                now,
            )
            .await?;
            forget_photos(env, &order.id).await?;
            Ok(moved.is_some())
        }
        GetimgOutcome::Refused { code, .. } => {
            // The vendor will not take these photos: drop them so the customer is asked for
            // new ones on the status page.
            forget_photos(env, &order.id).await?;
            store::update(
                &db,
                &order.id,
                Patch::new()
                    .set("reason_code", RejectReason::Photos.as_str())
                    .set(
                        "last_error",
                        format!("getimg refused, code {code}").as_str(),
                    ),
            )
            .await?;
            Ok(false)
        }
        GetimgOutcome::Unknown { why } => {
            let attempts = u32::try_from(order.send_attempts.max(1)).unwrap_or(1);
            let delay = cfg.send_policy.delay_after(attempts);
            store::update(
                &db,
                &order.id,
                Patch::new()
                    .set("last_error", format!("getimg: {why}").as_str())
                    .set("next_try_ms", int(now + i64::from(delay) * 1000)),
            )
            .await?;
            enqueue(env, &order.id, delay).await;
            Ok(false)
        }
    }
}

/// Delete the order's photos from R2 and mark them gone.
pub async fn forget_photos(env: &Env, order_id: &str) -> Result<(), AppError> {
    photos::delete(env, order_id).await?;
    store::update(
        &env.d1(DB)?,
        order_id,
        Patch::new()
            .set("photos", int(0))
            .set("photos_expire_ms", wasm_bindgen::JsValue::NULL),
    )
    .await?;
    console_log!("photos deleted id={order_id}");
    Ok(())
}
