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

use crate::{
    Config,
    body::read_json,
    error::AppError,
    http::{Incoming, Reply},
    photos,
    platform::{Platform, random},
    ratelimit,
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
fn bearer(req: &Incoming) -> Result<String, AppError> {
    let given = req.header("authorization").unwrap_or_default();
    match given.strip_prefix("Bearer ") {
        Some(t) if handoff::token_shape_ok(t, TOKEN_BYTES) => Ok(t.to_owned()),
        _ => Err(Refusal::HandoffNotFound.into()),
    }
}

/// The desktop's handoff, refused past its expiry.
async fn desk(req: &Incoming, p: &impl Platform, cfg: &Config) -> Result<Row, AppError> {
    let token = bearer(req)?;
    let row = p
        .one(sql::by_desk_hash(&hash(cfg, "handoff-desk", &token)))
        .await?
        .ok_or(Refusal::HandoffNotFound)?;
    if row.state().purgeable(p.now_ms()) {
        return Err(Refusal::HandoffExpired.into());
    }
    Ok(row)
}

/// `POST /api/handoff`: open a handoff for the photos named (201).
pub async fn create(req: &Incoming, p: &impl Platform, cfg: &Config) -> Result<Reply, AppError> {
    ratelimit::check(req, p, cfg, "handoff", cfg.handoffs_per_minute).await?;
    let body: HandoffRequest = read_json(p, MAX_JSON_BYTES).await?;
    let wanted = parts_mask(&body.photos)
        .ok_or_else(|| AppError::BadRequest("`photos` must name face, back or hand".into()))?;
    let now = p.now_ms();
    let state = Handoff::new(now, cfg.handoff_ttl_ms, wanted);
    let id = ids::mint_id("HO", now, &random::<10>(p)?);
    let desk_token = handoff::token(&random::<TOKEN_BYTES>(p)?);
    let link_token = handoff::token(&random::<LINK_TOKEN_BYTES>(p)?);
    let phone_url = handoff::phone_url(&cfg.public_base, &link_token);
    let qr_svg = handoff::qr_svg(&phone_url)
        .ok_or_else(|| AppError::Internal("the phone link does not fit a QR code".into()))?;
    p.run(sql::insert(&sql::NewHandoff {
        id: &id,
        desk_hash: &hash(cfg, "handoff-desk", &desk_token),
        link_hash: &hash(cfg, "handoff-link", &link_token),
        wanted: i64::from(wanted),
        created_at_ms: now,
        expires_at_ms: state.expires_at_ms,
    }))
    .await?;
    crate::info!(
        p,
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
    Ok(Reply::json(&reply)?.with_status(201))
}

/// `POST /api/handoff/claim`: the phone opens the link, once (200 with the upload token).
pub async fn claim(req: &Incoming, p: &impl Platform, cfg: &Config) -> Result<Reply, AppError> {
    ratelimit::check(req, p, cfg, "handoff", cfg.handoffs_per_minute).await?;
    let body: HandoffClaim = read_json(p, MAX_JSON_BYTES).await?;
    if !handoff::token_shape_ok(&body.token, LINK_TOKEN_BYTES) {
        return Err(Refusal::HandoffNotFound.into());
    }
    let link_hash = hash(cfg, "handoff-link", &body.token);
    let row = p
        .one(sql::by_link_hash(&link_hash))
        .await?
        .ok_or(Refusal::HandoffNotFound)?;
    let now = p.now_ms();
    let claimed = row.state().claim(now).map_err(HandoffError::refusal)?;
    let upload_token = handoff::token(&random::<TOKEN_BYTES>(p)?);
    // Single use even when two phones race: only the update that finds it unclaimed wins.
    let done = p
        .run(sql::claim(
            &row.id,
            &hash(cfg, "handoff-upload", &upload_token),
            now,
        ))
        .await?;
    if !sql::won(&done) {
        return Err(Refusal::HandoffClaimed.into());
    }
    crate::info!(p, "handoff claimed id={}", row.id);
    let reply = HandoffClaimed {
        upload_token,
        photos: mask_parts(claimed.wanted)
            .into_iter()
            .map(String::from)
            .collect(),
        expires_at_ms: claimed.expires_at_ms,
    };
    Reply::json(&reply)
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
fn read_flag(req: &Incoming, part: &str) -> Result<String, AppError> {
    let Some(text) = req.header(HANDOFF_QUALITY_HEADER) else {
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
    req: &Incoming,
    p: &impl Platform,
    cfg: &Config,
    part: &str,
) -> Result<Reply, AppError> {
    let token = bearer(req)?;
    let row = p
        .one(sql::by_upload_hash(&hash(cfg, "handoff-upload", &token)))
        .await?
        .ok_or(Refusal::HandoffNotFound)?;
    let now = p.now_ms();
    let (after, bit) = row
        .state()
        .receive(part, now)
        .map_err(HandoffError::refusal)?;
    let flag = read_flag(req, part)?;
    let bytes = p.body(PHOTO_MAX_BYTES).await?;
    check_photo(&bytes)
        .map_err(|e| AppError::Validation(vec![e.for_field(photos::field(part))]))?;
    let size = dimensions(&bytes).ok_or_else(|| {
        AppError::Validation(vec![
            haoka_shared::ValidationError::PhotoType.for_field(photos::field(part)),
        ])
    })?;
    let len = bytes.len();
    p.put_object(&key(&row.id, part), bytes).await?;
    // Recorded only while the handoff still exists: a desktop that ended it (or the purge)
    // while this photo was on its way has deleted the objects it knew of, so this one goes too.
    let done = p
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
        p.delete_objects(vec![key(&row.id, part)]).await?;
        crate::info!(
            p,
            "handoff photo id={} part={part}: the handoff ended meanwhile",
            row.id
        );
        return Err(Refusal::HandoffNotFound.into());
    }
    crate::info!(p, "handoff photo id={} part={part} bytes={len}", row.id);
    let received: Vec<String> = after.received().into_iter().map(String::from).collect();
    Reply::json(&serde_json::json!({ "received": received }))
}

/// `GET /api/handoff`: what the desktop waits for.
pub async fn status(req: &Incoming, p: &impl Platform, cfg: &Config) -> Result<Reply, AppError> {
    let row = desk(req, p, cfg).await?;
    let received = p.rows(sql::photos(&row.id)).await?;
    let state = row.state();
    let reply = HandoffStatus {
        photos: mask_parts(state.wanted)
            .into_iter()
            .map(String::from)
            .collect(),
        claimed: state.claimed_at_ms.is_some(),
        received: received
            .into_iter()
            .map(|r| HandoffPhoto {
                part: r.part,
                bytes: u64::try_from(r.bytes).unwrap_or(0),
                width: u32::try_from(r.width).unwrap_or(0),
                height: u32::try_from(r.height).unwrap_or(0),
                flag: r.flag,
                at_ms: r.at_ms,
            })
            .collect(),
        complete: state.complete(),
        expires_at_ms: state.expires_at_ms,
    };
    Reply::json(&reply)
}

/// `GET /api/handoff/photos/{part}`: one photo's bytes, for the desktop.
pub async fn photo(
    req: &Incoming,
    p: &impl Platform,
    cfg: &Config,
    part: &str,
) -> Result<Reply, AppError> {
    let row = desk(req, p, cfg).await?;
    let bit = parts_mask(&[part]).ok_or(Refusal::HandoffUnknownPart)?;
    if row.state().photos & bit == 0 {
        return Err(Refusal::HandoffPhotoMissing.into());
    }
    let bytes = p
        .get_object(&key(&row.id, part))
        .await?
        .ok_or_else(|| AppError::Internal(format!("handoff {} lost its {part}", row.id)))?;
    let mime = if bytes.starts_with(&[0x89, b'P', b'N', b'G']) {
        "image/png"
    } else {
        "image/jpeg"
    };
    Ok(Reply::bytes(mime, bytes))
}

/// Delete a handoff's photos and rows.
async fn forget(p: &impl Platform, id: &str) -> Result<(), AppError> {
    let keys: Vec<String> = handoff::PARTS.iter().map(|part| key(id, part)).collect();
    p.delete_objects(keys).await?;
    p.atomically(sql::delete(id)).await?;
    Ok(())
}

/// `DELETE /api/handoff`: the desktop has the photos (or gave up); nothing is kept (204).
pub async fn end(req: &Incoming, p: &impl Platform, cfg: &Config) -> Result<Reply, AppError> {
    let token = bearer(req)?;
    let row = p
        .one(sql::by_desk_hash(&hash(cfg, "handoff-desk", &token)))
        .await?
        .ok_or(Refusal::HandoffNotFound)?;
    forget(p, &row.id).await?;
    crate::info!(p, "handoff ended id={}", row.id);
    Ok(Reply::empty())
}

/// The cron's purge: every expired handoff, its photos first. Returns how many.
pub async fn purge(p: &impl Platform, now: i64) -> Result<usize, AppError> {
    let expired = p.rows(sql::expired(now)).await?;
    for h in &expired {
        forget(p, &h.id).await?;
    }
    Ok(expired.len())
}
