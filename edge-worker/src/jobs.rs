//! Background work on Cloudflare's own machinery: a Queue (`JOBS`, consumed by this same
//! Worker) carries "advance order X" messages; the cron re-enqueues what is due in case a
//! message was lost. Advancing does whatever the order's state needs next — the pre-check,
//! `pushorder` (resent with the same `api_xid` when its outcome was unknown), `getimg` — under
//! a lease, so two consumers never send the same order at once.

use haoka_edge_core::xingguang::{
    GetimgOutcome, PushOrder, PushOutcome, getimg_request, parse_getimg_reply,
    parse_pushorder_reply, pushorder_request,
};
use haoka_shared::lifecycle::{Input, OrderState, RejectReason, Source, VendorStatus};
use serde::{Deserialize, Serialize};
use worker::{Env, MessageBatch, MessageExt, console_error, console_log, console_warn};

use crate::{
    config::{Config, DB, JOBS, now_ms},
    error::AppError,
    orders::open,
    photos, precheck,
    store::{self, OrderRow, Patch, int},
    upstream::{self, Transport},
};

/// How long one consumer may hold an order (longer than two upstream timeouts).
const LEASE_MS: i64 = 60_000;

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

/// The queue consumer: advance each order; never let an error escape (it would kill the
/// isolate), retry the message instead.
pub async fn consume(batch: MessageBatch<Job>, env: Env) {
    let messages = match batch.messages() {
        Ok(m) => m,
        Err(e) => {
            console_error!("queue batch unreadable: {e}");
            batch.ack_all();
            return;
        }
    };
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
        match result {
            Ok(()) => m.ack(),
            Err(e) => {
                console_error!("advance {} failed: {e}", m.body().order_id);
                m.retry();
            }
        }
    }
}

/// Do the next step for one order, under its lease.
pub async fn advance(
    env: &Env,
    cfg: &Config,
    order_id: &str,
    source: Source,
) -> Result<(), AppError> {
    let db = env.d1(DB)?;
    let now = now_ms();
    if !store::lease(&db, order_id, now, LEASE_MS).await? {
        console_log!("advance {order_id}: leased elsewhere");
        return Ok(());
    }
    let result = step(env, cfg, order_id, source).await;
    store::release(&db, order_id).await?;
    result
}

async fn step(env: &Env, cfg: &Config, order_id: &str, source: Source) -> Result<(), AppError> {
    let db = env.d1(DB)?;
    let mut order = store::load(&db, order_id)
        .await?
        .ok_or_else(|| AppError::Internal(format!("no order {order_id}")))?;
    // Each pass may unlock the next (a pass → send; an accepted send → getimg).
    for _ in 0..3 {
        let moved = match order.state()? {
            OrderState::Received | OrderState::Checking => check(env, cfg, &order).await?,
            OrderState::Sending => send(env, cfg, &order, source).await?,
            OrderState::AwaitingPhotos if order.has_photos() => {
                upload_photos(env, cfg, &order).await?
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
        store::update(&db, &order.id, Patch::new().set("photos", int(0))).await?;
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
