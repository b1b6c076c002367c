//! The desktop → phone photo handoff's endpoints (rules in `haoka_edge_core::handoff`):
//! the desktop opens one and gets a QR code; the phone claims the link once and uploads the
//! photos; the desktop polls, fetches each photo and ends the handoff. Tokens are stored as
//! keyed hashes only (statements: `haoka_edge_core::sql::handoffs`); photos sit in R2 under
//! `handoffs/{id}/{part}` until the desktop ends the handoff or the cron purges it at expiry.

use haoka_capture_core::{PhotoSlot, QualityFlag, QualityFlags, dims::dimensions};
use haoka_edge_core::{
    crypto,
    handoff::{self, Handoff, HandoffError, LINK_TOKEN_BYTES, TOKEN_BYTES, mask_parts, parts_mask},
    sql::handoffs::{self as sql, HandoffRow as Row},
};
use haoka_shared::{
    api::{
        HANDOFF_QUALITY_HEADER, HandoffClaim, HandoffClaimed, HandoffCreated, HandoffPhoto,
        HandoffRequest, HandoffStatus,
    },
    ids,
    photo::{PHOTO_MAX_BYTES, check_photo},
    refusal::Refusal,
};
use worker::{D1Database, Env, Request, Response, console_log};

use crate::{
    body::{body_bytes, read_json},
    config::{Config, DB, PHOTOS, now_ms, random},
    db::Run,
    error::AppError,
    photos, ratelimit,
};

/// A handoff request or claim is a few dozen bytes.
const MAX_JSON_BYTES: usize = 1024;
/// A photo's `QualityFlag` header.
const MAX_FLAG_BYTES: usize = 512;

fn key(id: &str, part: &str) -> String {
    haoka_edge_core::sweep::handoff_photo_key(id, part)
}

fn hash(cfg: &Config, kind: &str, token: &str) -> String {
    crypto::lookup_hash(&cfg.lookup_key, kind, token)
}

/// The bearer token of a request, if it has the shape of one.
fn bearer(req: &Request) -> Result<String, AppError> {
    let given = req.headers().get("authorization")?.unwrap_or_default();
    match given.strip_prefix("Bearer ") {
        Some(t) if handoff::token_shape_ok(t, TOKEN_BYTES) => Ok(t.to_owned()),
        _ => Err(Refusal::HandoffNotFound.into()),
    }
}

/// The desktop's handoff, refused past its expiry.
async fn desk(req: &Request, env: &Env, cfg: &Config) -> Result<(D1Database, Row), AppError> {
    let token = bearer(req)?;
    let db = env.d1(DB)?;
    let row = db
        .one(sql::by_desk_hash(&hash(cfg, "handoff-desk", &token)))
        .await?
        .ok_or(Refusal::HandoffNotFound)?;
    if row.state().purgeable(now_ms()) {
        return Err(Refusal::HandoffExpired.into());
    }
    Ok((db, row))
}

/// `POST /api/handoff`: open a handoff for the photos named (201).
pub async fn create(mut req: Request, env: &Env, cfg: &Config) -> Result<Response, AppError> {
    ratelimit::check(&req, env, cfg, "handoff", cfg.handoffs_per_minute).await?;
    let body: HandoffRequest = read_json(&mut req, MAX_JSON_BYTES).await?;
    let wanted = parts_mask(&body.photos)
        .ok_or_else(|| AppError::BadRequest("`photos` must name face, back or hand".into()))?;
    let now = now_ms();
    let state = Handoff::new(now, cfg.handoff_ttl_ms, wanted);
    let id = ids::mint_id("HO", now, &random::<10>()?);
    let desk_token = handoff::token(&random::<TOKEN_BYTES>()?);
    let link_token = handoff::token(&random::<LINK_TOKEN_BYTES>()?);
    let phone_url = handoff::phone_url(&cfg.public_base, &link_token);
    let qr_svg = handoff::qr_svg(&phone_url)
        .ok_or_else(|| AppError::Internal("the phone link does not fit a QR code".into()))?;
    env.d1(DB)?
        .run(sql::insert(&sql::NewHandoff {
            id: &id,
            desk_hash: &hash(cfg, "handoff-desk", &desk_token),
            link_hash: &hash(cfg, "handoff-link", &link_token),
            wanted: i64::from(wanted),
            created_at_ms: now,
            expires_at_ms: state.expires_at_ms,
        }))
        .await?;
    console_log!(
        "handoff opened id={id} photos={}",
        mask_parts(wanted).join(",")
    );
    let reply = HandoffCreated {
        token: desk_token,
        phone_url,
        qr_svg,
        photos: mask_parts(wanted).into_iter().map(String::from).collect(),
        expires_at_ms: state.expires_at_ms,
    };
    Ok(Response::from_json(&reply)?.with_status(201))
}

/// `POST /api/handoff/claim`: the phone opens the link, once (200 with the upload token).
pub async fn claim(mut req: Request, env: &Env, cfg: &Config) -> Result<Response, AppError> {
    ratelimit::check(&req, env, cfg, "handoff", cfg.handoffs_per_minute).await?;
    let body: HandoffClaim = read_json(&mut req, MAX_JSON_BYTES).await?;
    if !handoff::token_shape_ok(&body.token, LINK_TOKEN_BYTES) {
        return Err(Refusal::HandoffNotFound.into());
    }
    let db = env.d1(DB)?;
    let link_hash = hash(cfg, "handoff-link", &body.token);
    let row = db
        .one(sql::by_link_hash(&link_hash))
        .await?
        .ok_or(Refusal::HandoffNotFound)?;
    let now = now_ms();
    let claimed = row.state().claim(now).map_err(HandoffError::refusal)?;
    let upload_token = handoff::token(&random::<TOKEN_BYTES>()?);
    // Single use even when two phones race: only the update that finds it unclaimed wins.
    let done = db
        .run(sql::claim(
            &row.id,
            &hash(cfg, "handoff-upload", &upload_token),
            now,
        ))
        .await?;
    if !sql::won(&done) {
        return Err(Refusal::HandoffClaimed.into());
    }
    console_log!("handoff claimed id={}", row.id);
    let reply = HandoffClaimed {
        upload_token,
        photos: mask_parts(claimed.wanted)
            .into_iter()
            .map(String::from)
            .collect(),
        expires_at_ms: claimed.expires_at_ms,
    };
    Ok(Response::from_json(&reply)?)
}

fn slot(part: &str) -> PhotoSlot {
    match part {
        "face" => PhotoSlot::IdFace,
        "back" => PhotoSlot::IdBack,
        _ => PhotoSlot::Portrait,
    }
}

/// The quality flag sent with a photo, made safe to keep ('' when none or it names no
/// problem); a header that is not a flag is a 400.
fn read_flag(req: &Request, part: &str) -> Result<String, AppError> {
    let Some(text) = req.headers().get(HANDOFF_QUALITY_HEADER)? else {
        return Ok(String::new());
    };
    if text.trim().is_empty() {
        return Ok(String::new());
    }
    let bad = || AppError::BadRequest(format!("`{HANDOFF_QUALITY_HEADER}` is not a photo flag"));
    if text.len() > MAX_FLAG_BYTES {
        return Err(bad());
    }
    let flag: QualityFlag = serde_json::from_str(&text).map_err(|_| bad())?;
    let mut flags = QualityFlags::new();
    flags.set(slot(part), Some(flag));
    match flags.normalised().as_slice().first() {
        Some(f) => serde_json::to_string(f).map_err(|e| AppError::Internal(e.to_string())),
        None => Ok(String::new()),
    }
}

/// `PUT /api/handoff/photos/{part}`: the phone sends one photo (a retake replaces it).
pub async fn upload(
    mut req: Request,
    env: &Env,
    cfg: &Config,
    part: &str,
) -> Result<Response, AppError> {
    let token = bearer(&req)?;
    let db = env.d1(DB)?;
    let row = db
        .one(sql::by_upload_hash(&hash(cfg, "handoff-upload", &token)))
        .await?
        .ok_or(Refusal::HandoffNotFound)?;
    let now = now_ms();
    let (after, bit) = row
        .state()
        .receive(part, now)
        .map_err(HandoffError::refusal)?;
    let flag = read_flag(&req, part)?;
    let bytes = body_bytes(&mut req, PHOTO_MAX_BYTES).await?;
    check_photo(&bytes)
        .map_err(|e| AppError::Validation(vec![e.for_field(photos::field(part))]))?;
    let size = dimensions(&bytes).ok_or_else(|| {
        AppError::Validation(vec![
            haoka_shared::ValidationError::PhotoType.for_field(photos::field(part)),
        ])
    })?;
    let len = bytes.len();
    env.bucket(PHOTOS)?
        .put(key(&row.id, part), bytes)
        .execute()
        .await?;
    // Recorded only while the handoff still exists: a desktop that ended it (or the purge)
    // while this photo was on its way has deleted the objects it knew of, so this one goes too.
    let done = db
        .atomically(sql::add_photo(&sql::Received {
            handoff_id: &row.id,
            part,
            bit: i64::from(bit),
            bytes: i64::try_from(len).unwrap_or(i64::MAX),
            width: i64::from(size.width),
            height: i64::from(size.height),
            flag: &flag,
            at_ms: now,
        }))
        .await?;
    if !sql::recorded(&done) {
        env.bucket(PHOTOS)?.delete(key(&row.id, part)).await?;
        console_log!(
            "handoff photo id={} part={part}: the handoff ended meanwhile",
            row.id
        );
        return Err(Refusal::HandoffNotFound.into());
    }
    console_log!("handoff photo id={} part={part} bytes={len}", row.id);
    let received: Vec<String> = after.received().into_iter().map(String::from).collect();
    Ok(Response::from_json(
        &serde_json::json!({ "received": received }),
    )?)
}

/// `GET /api/handoff`: what the desktop waits for.
pub async fn status(req: &Request, env: &Env, cfg: &Config) -> Result<Response, AppError> {
    let (db, row) = desk(req, env, cfg).await?;
    let received = db.rows(sql::photos(&row.id)).await?;
    let state = row.state();
    let reply = HandoffStatus {
        photos: mask_parts(state.wanted)
            .into_iter()
            .map(String::from)
            .collect(),
        claimed: state.claimed_at_ms.is_some(),
        received: received
            .into_iter()
            .map(|p| HandoffPhoto {
                part: p.part,
                bytes: u64::try_from(p.bytes).unwrap_or(0),
                width: u32::try_from(p.width).unwrap_or(0),
                height: u32::try_from(p.height).unwrap_or(0),
                flag: p.flag,
                at_ms: p.at_ms,
            })
            .collect(),
        complete: state.complete(),
        expires_at_ms: state.expires_at_ms,
    };
    Ok(Response::from_json(&reply)?)
}

/// `GET /api/handoff/photos/{part}`: one photo's bytes, for the desktop.
pub async fn photo(
    req: &Request,
    env: &Env,
    cfg: &Config,
    part: &str,
) -> Result<Response, AppError> {
    let (_, row) = desk(req, env, cfg).await?;
    let bit = parts_mask(&[part]).ok_or(Refusal::HandoffUnknownPart)?;
    if row.state().photos & bit == 0 {
        return Err(Refusal::HandoffPhotoMissing.into());
    }
    let object = env
        .bucket(PHOTOS)?
        .get(key(&row.id, part))
        .execute()
        .await?
        .ok_or_else(|| AppError::Internal(format!("handoff {} lost its {part}", row.id)))?;
    let bytes = match object.body() {
        Some(body) => body.bytes().await?,
        None => Vec::new(),
    };
    let mime = if bytes.starts_with(&[0x89, b'P', b'N', b'G']) {
        "image/png"
    } else {
        "image/jpeg"
    };
    let mut resp = Response::from_bytes(bytes)?;
    resp.headers_mut().set("content-type", mime)?;
    Ok(resp)
}

/// Delete a handoff's photos and rows.
async fn forget(env: &Env, db: &D1Database, id: &str) -> Result<(), AppError> {
    let keys: Vec<String> = handoff::PARTS.iter().map(|p| key(id, p)).collect();
    env.bucket(PHOTOS)?.delete_multiple(keys).await?;
    db.atomically(sql::delete(id)).await?;
    Ok(())
}

/// `DELETE /api/handoff`: the desktop has the photos (or gave up); nothing is kept (204).
pub async fn end(req: &Request, env: &Env, cfg: &Config) -> Result<Response, AppError> {
    let token = bearer(req)?;
    let db = env.d1(DB)?;
    let row = db
        .one(sql::by_desk_hash(&hash(cfg, "handoff-desk", &token)))
        .await?
        .ok_or(Refusal::HandoffNotFound)?;
    forget(env, &db, &row.id).await?;
    console_log!("handoff ended id={}", row.id);
    Ok(Response::empty()?.with_status(204))
}

/// The cron's purge: every expired handoff, its photos first. Returns how many.
pub async fn purge(env: &Env, now: i64) -> Result<usize, AppError> {
    let db = env.d1(DB)?;
    let expired = db.rows(sql::expired(now)).await?;
    for h in &expired {
        forget(env, &db, &h.id).await?;
    }
    Ok(expired.len())
}
