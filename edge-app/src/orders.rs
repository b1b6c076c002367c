//! Customers' order endpoints: placing an order (idempotent, held to the person's limits and
//! the abuse budgets, answered at once: the vendor is called in the background), the status
//! page's view, photos sent later, and the lookup by order number plus the ID number's last 6
//! (locked after a few wrong tries).

use haoka_capture_core::QualityFlags;
use haoka_edge_core::budget::{self, Action, Limit, limit_reached};
use haoka_edge_core::{
    crypto::{self, SealedColumn},
    sql::{
        self,
        orders::{Limits, NewOrder, OrderRow, Patch},
    },
    vendor::Photos,
};
use haoka_shared::{
    Field, FieldIssue, ValidationError,
    api::{
        IDEMPOTENCY_HEADER, IDEMPOTENCY_KEY_MAX, OrderAccepted, OrderLink, OrderLookupRequest,
        OrderView, QUALITY_PART, ReasonView, TimelineEntry,
    },
    china_date_from_unix_millis, ids,
    lifecycle::{OrderState, RejectReason},
    mask,
    order::{DraftOrderRequest, ValidDraft, validate_draft},
    refusal::Refusal,
};
use serde::Deserialize;

use crate::{
    Config,
    body::parse_json,
    error::AppError,
    http::{Form, Incoming, Reply},
    jobs, photos,
    pii::open,
    platform::{Platform, random},
    precheck, products, ratelimit,
};

/// Orders without photos are small JSON documents.
const MAX_JSON_BYTES: usize = 16 * 1024;
/// The `quality` part: three flags with all six problems each (about 110 bytes a flag) fit in
/// well under this.
const MAX_FLAGS_BYTES: usize = 1024;
/// Three 2 MiB photos and the form, with room for multipart framing.
const MAX_MULTIPART_BYTES: usize = 3 * haoka_shared::photo::PHOTO_MAX_BYTES + 64 * 1024;

fn today(p: &impl Platform) -> haoka_shared::Date {
    china_date_from_unix_millis(p.now_ms())
}

/// The `Idempotency-Key` header: 8–64 letters, digits, `-` or `_`.
fn idempotency_key(req: &Incoming) -> Result<String, AppError> {
    let key = req.header(IDEMPOTENCY_HEADER).unwrap_or_default();
    let ok = (8..=IDEMPOTENCY_KEY_MAX).contains(&key.len())
        && key
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if ok {
        Ok(key)
    } else {
        Err(Refusal::IdempotencyKeyRequired.into())
    }
}

/// The `quality` part, normalised and re-serialised (`None` when absent or empty); a part
/// that is not `QualityFlags` JSON is a 400.
fn read_flags(form: &Form) -> Result<Option<String>, AppError> {
    let Some(text) = form.text(QUALITY_PART) else {
        return Ok(None);
    };
    let bad = || AppError::BadRequest("the `quality` part is not a list of photo flags".into());
    if text.len() > MAX_FLAGS_BYTES {
        return Err(bad());
    }
    let flags: QualityFlags = serde_json::from_str(text).map_err(|_| bad())?;
    let flags = flags.normalised();
    if flags.is_empty() {
        return Ok(None);
    }
    serde_json::to_string(&flags)
        .map(Some)
        .map_err(|e| AppError::Internal(e.to_string()))
}

/// What a submit carries: the fields, and for multipart its photos (all three or none) and
/// their quality flags.
type Submitted = (DraftOrderRequest, Option<Photos>, Option<String>);

/// The order's fields and, for multipart, its photos (all three or none) and their flags.
async fn read_order(p: &impl Platform, req: &Incoming) -> Result<Submitted, AppError> {
    let content_type = req.header("content-type").unwrap_or_default();
    if !content_type
        .to_ascii_lowercase()
        .starts_with("multipart/form-data")
    {
        let body = p.body(MAX_JSON_BYTES).await?;
        return Ok((parse_json(&body)?, None, None));
    }
    let body = p.body(MAX_MULTIPART_BYTES).await?;
    let form = read_form(p, &content_type, &body).await?;
    let json = form
        .text("order")
        .ok_or_else(|| AppError::BadRequest("multipart without an `order` part".into()))?;
    let order: DraftOrderRequest = parse_json(json.as_bytes())?;
    let flags = read_flags(&form)?;
    let any_photo = haoka_shared::api::PHOTO_PARTS
        .iter()
        .any(|part| form.has(part));
    let photos = if any_photo {
        Some(photos::from_form(&form).map_err(AppError::Validation)?)
    } else {
        None
    };
    Ok((order, photos, flags))
}

/// Parse multipart bytes already read (and size-checked) with the platform's parser.
async fn read_form(p: &impl Platform, content_type: &str, body: &[u8]) -> Result<Form, AppError> {
    if !content_type.is_ascii() {
        return Err(AppError::BadRequest("non-ASCII content type".into()));
    }
    p.form(content_type, body).await
}

/// Compare a repeat with the stored order: the same request gets the same answer.
fn repeat(order: &OrderRow, hash: &str, cfg: &Config) -> Result<Reply, AppError> {
    if order.request_hash != hash {
        return Err(Refusal::IdempotencyMismatch.into());
    }
    let reply = OrderAccepted {
        order_id: order.id.clone(),
        token: crypto::order_token(&cfg.session_key, &order.id),
        state: order.state()?,
        warnings: vec![],
    };
    Ok(Reply::json(&reply)?.with_status(200))
}

/// Whether the attempt whose hold token hashes to `hold_hash` still holds `number`.
async fn still_held(
    p: &impl Platform,
    product_id: &str,
    number: &str,
    hold_hash: &str,
) -> Result<bool, AppError> {
    let now = p.now_ms();
    Ok(!p
        .rows(sql::numbers::still_held(product_id, number, hold_hash, now))
        .await?
        .is_empty())
}

/// Which limit refused an insert that stored nothing and had no key conflict.
async fn limit_refusal(
    p: &impl Platform,
    cfg: &Config,
    id_hash: &str,
    product_id: &str,
) -> Result<AppError, AppError> {
    let (same, total) =
        sql::orders::same_and_total(p.one(sql::orders::open_counts(id_hash, product_id)).await?);
    Ok(crate::error::limit_error(
        limit_reached(same, total, cfg.limit_per_product, cfg.limit_total).unwrap_or(Limit::Total),
    ))
}

/// The draft's personal data sealed for order `id`: name, mobile, ID number, address.
fn sealed_columns(
    p: &impl Platform,
    cfg: &Config,
    id: &str,
    valid: &ValidDraft,
) -> Result<[String; 4], AppError> {
    let seal = |column: SealedColumn, value: &str| {
        cfg.sealer
            .seal(&column.aad_for(id), value, random::<12>(p)?)
            .map_err(|e| AppError::Internal(format!("seal {}: {e}", column.column)))
    };
    Ok([
        seal(crypto::ORDER_NAME, &valid.name)?,
        seal(crypto::ORDER_MOBILE, &valid.mobile)?,
        seal(crypto::ORDER_ID_NUMBER, &valid.id_number)?,
        seal(crypto::ORDER_ADDRESS, &valid.address)?,
    ])
}

/// `POST /api/orders`: validate, store once per idempotency key, answer at once; the pre-check
/// and the vendor call run in the background (queue consumer, cron as a safety net).
pub async fn create(req: &Incoming, p: &impl Platform, cfg: &Config) -> Result<Reply, AppError> {
    let key = idempotency_key(req)?;
    let (draft, photos, flags) = read_order(p, req).await?;
    // The fields are hashed in their canonical (re-serialised) form, so whitespace in the
    // JSON does not make a repeat look different; the photos by their bytes.
    let canonical = serde_json::to_vec(&draft).map_err(|e| AppError::Internal(e.to_string()))?;
    let mut hashed: Vec<&[u8]> = vec![&canonical];
    if let Some(ph) = &photos {
        hashed.extend([ph.face.as_slice(), ph.back.as_slice(), ph.hand.as_slice()]);
    }
    if let Some(f) = &flags {
        hashed.push(f.as_bytes());
    }
    let hash = crypto::fingerprint(&hashed);
    if let Some(existing) = p.one(sql::orders::load_by_key(&key)).await? {
        return repeat(&existing, &hash, cfg);
    }

    let product = products::find(p, &draft.product_id).await?;
    let now = p.now_ms();
    let mut valid = validate_draft(&draft, product.as_ref(), today(p));
    if !draft.consent || draft.consent_version != haoka_shared::consent::NOTICE_VERSION {
        let issue = ValidationError::ConsentRequired.for_field(Field::Consent);
        match &mut valid {
            Ok(_) => valid = Err(vec![issue]),
            Err(issues) => issues.push(issue),
        }
    }
    let valid = valid.map_err(AppError::Validation)?;
    let product = product.ok_or(AppError::Internal("validated without a product".into()))?;
    let id_hash = crypto::lookup_hash(&cfg.lookup_key, "id", &valid.id_number);
    // A chosen number is ordered only while this attempt holds it (the insert checks again,
    // atomically); a hold that ran out or was never had is said before anything is spent.
    let hold_hash = (!valid.number.is_empty())
        .then(|| crypto::lookup_hash(&cfg.lookup_key, "number_hold", &draft.hold_token));
    if let Some(h) = &hold_hash
        && !still_held(p, &product.pid, &valid.number, h).await?
    {
        return Err(Refusal::NumberHoldLost.into());
    }
    // The bot check and the order budgets first (so the limit is no free oracle of who has an
    // order), then the limit's cheap refusal before anything is paid for; the insert below
    // holds the limit atomically.
    let asker = ratelimit::asker(p, req, cfg, &key).await?;
    ratelimit::spend(p, cfg, Action::Order, &asker.client(Some(&id_hash))).await?;
    let (same, total) = sql::orders::same_and_total(
        p.one(sql::orders::open_counts(&id_hash, &product.pid))
            .await?,
    );
    if let Some(limit) = limit_reached(same, total, cfg.limit_per_product, cfg.limit_total) {
        return Err(crate::error::limit_error(limit));
    }
    ratelimit::spend(p, cfg, Action::PaidCheck, &asker.client(None)).await?;

    let id = ids::mint_id("HK", now, &random::<10>(p)?);
    let api_xid = ids::mint_id("XG", now, &random::<10>(p)?);
    let keep_photos = photos.as_ref().filter(|_| product.needs_photos);
    let [name_enc, mobile_enc, id_number_enc, address_enc] = sealed_columns(p, cfg, &id, &valid)?;
    let order = NewOrder {
        id: &id,
        api_xid: &api_xid,
        idempotency_key: &key,
        request_hash: &hash,
        product_id: &product.pid,
        needs_photos: product.needs_photos,
        needs_phone3: product.needs_phone3,
        id_hash: &id_hash,
        order_province: &valid.order_province,
        number: &valid.number,
        next_try_ms: now,
        consent_at_ms: now,
        consent_version: haoka_shared::consent::NOTICE_VERSION,
        created_at_ms: now,
        updated_at_ms: now,
        // The purge time is stored before any object is written: whatever happens between
        // the puts and the flag, the cron deletes the order's objects at that time.
        photos_expire_ms: keep_photos.map(|_| now + cfg.photo_retention_ms),
        device_hash: asker.device.as_deref(),
        name_enc: &name_enc,
        mobile_enc: &mobile_enc,
        id_number_enc: &id_number_enc,
        address_enc: &address_enc,
    };
    let limits = Limits {
        id_hash: &id_hash,
        product_id: &product.pid,
        per_product: cfg.limit_per_product,
        total: cfg.limit_total,
        hold_hash: hold_hash.as_deref(),
    };
    let inserted = p.atomically(sql::orders::insert(&order, &limits)).await?;
    if !sql::orders::changed(&inserted) {
        // Someone with the same key got there first (a double tap, a retry): same answer.
        if let Some(existing) = p.one(sql::orders::load_by_key(&key)).await? {
            return repeat(&existing, &hash, cfg);
        }
        // Or the hold ran out (or was taken over) meanwhile,
        if let Some(h) = &hold_hash
            && !still_held(p, &product.pid, &valid.number, h).await?
        {
            return Err(Refusal::NumberHoldLost.into());
        }
        // or a parallel submit for the same person took the last place.
        return Err(limit_refusal(p, cfg, &id_hash, &product.pid).await?);
    }
    if let Some(ph) = keep_photos {
        photos::put(p, &id, ph).await?;
        let kept = Patch {
            photos: Some(true),
            photos_expire_ms: Some(Some(now + cfg.photo_retention_ms)),
            photo_flags: Some(flags),
            ..Patch::default()
        };
        if let Some(s) = sql::orders::update(&id, &kept) {
            p.run(s).await?;
        }
    }
    crate::info!(
        p,
        "order received id={id} api_xid={api_xid} product={} photos={} name={} mobile={} id_number={}",
        product.pid,
        keep_photos.is_some(),
        mask::mask_name(&valid.name),
        mask::mask_phone(&valid.mobile),
        mask::mask_id(&valid.id_number),
    );
    jobs::enqueue(p, &id, 0).await;
    let reply = OrderAccepted {
        token: crypto::order_token(&cfg.session_key, &id),
        order_id: id,
        state: OrderState::Received,
        warnings: valid.warnings,
    };
    Ok(Reply::json(&reply)?.with_status(201))
}

#[derive(Deserialize)]
struct TokenQuery {
    #[serde(default)]
    token: String,
}

/// The order named in the path, if the `token` query parameter opens it.
async fn authorised(
    req: &Incoming,
    p: &impl Platform,
    cfg: &Config,
    order_id: &str,
) -> Result<OrderRow, AppError> {
    let token = req
        .query_as::<TokenQuery>()
        .map(|q| q.token)
        .unwrap_or_default();
    if !ids::is_valid_id(order_id)
        || !crypto::verify_order_token(&cfg.session_key, order_id, &token)
    {
        return Err(Refusal::OrderNotFound.into());
    }
    p.one(sql::orders::load(order_id))
        .await?
        .ok_or(Refusal::OrderNotFound.into())
}

/// Whether the customer can (re)send the three photos now (`orders::photos_wanted`).
fn photos_wanted(order: &OrderRow, state: OrderState) -> bool {
    haoka_edge_core::orders::photos_wanted(state, order.wants_photos(), order.has_photos())
}

/// Words for a stored refusal code (vendor reasons and pre-check mismatches).
fn reason_view(code: &str) -> ReasonView {
    let (zh, en) = match RejectReason::parse(code) {
        Some(r) => (r.zh(), r.en()),
        None => precheck::words(code),
    };
    ReasonView {
        code: code.to_owned(),
        message_zh: zh.to_owned(),
        message_en: en.to_owned(),
    }
}

/// What the status page shows: PII masked, states in order.
pub async fn view(
    p: &impl Platform,
    cfg: &Config,
    order: &OrderRow,
) -> Result<OrderView, AppError> {
    let state = order.state()?;
    let product = products::find(p, &order.product_id).await?;
    let timeline = p
        .rows(sql::orders::events(&order.id))
        .await?
        .into_iter()
        .filter_map(|e| {
            OrderState::parse(&e.to_state).map(|state| TimelineEntry {
                at_ms: e.at_ms,
                state,
            })
        })
        .collect();
    let shows_reason = matches!(state, OrderState::Rejected | OrderState::CheckFailed);
    Ok(OrderView {
        order_id: order.id.clone(),
        product_id: order.product_id.clone(),
        product_name_zh: product
            .as_ref()
            .map(|prod| prod.name_zh.clone())
            .unwrap_or_default(),
        product_name_en: product.map(|prod| prod.name_en).unwrap_or_default(),
        state,
        name: mask::mask_name(&open(cfg, order, "name_enc", &order.name_enc)?),
        mobile: mask::mask_phone(&open(cfg, order, "mobile_enc", &order.mobile_enc)?),
        id_number: mask::mask_id(&open(cfg, order, "id_number_enc", &order.id_number_enc)?),
        region: order.order_province.clone(),
        created_at_ms: order.created_at_ms,
        timeline,
        express: order
            .express
            .clone()
            .filter(|_| state == OrderState::Shipped),
        express_no: order
            .express_no
            .clone()
            .filter(|_| state == OrderState::Shipped),
        reason: order
            .reason_code
            .as_deref()
            .filter(|_| shows_reason)
            .map(reason_view),
        photos_wanted: photos_wanted(order, state),
    })
}

/// `GET /api/orders/{id}?token=…`.
pub async fn get(
    req: &Incoming,
    p: &impl Platform,
    cfg: &Config,
    order_id: &str,
) -> Result<Reply, AppError> {
    let order = authorised(req, p, cfg, order_id).await?;
    Reply::json(&view(p, cfg, &order).await?)
}

/// `POST /api/orders/{id}/photos?token=…`: the three photos, when the order still wants them.
pub async fn put_photos(
    req: &Incoming,
    p: &impl Platform,
    cfg: &Config,
    order_id: &str,
) -> Result<Reply, AppError> {
    let order = authorised(req, p, cfg, order_id).await?;
    let content_type = req.header("content-type").unwrap_or_default();
    if !content_type
        .to_ascii_lowercase()
        .starts_with("multipart/form-data")
    {
        return Err(AppError::BadRequest(
            "photos must be multipart/form-data".into(),
        ));
    }
    let body = p.body(MAX_MULTIPART_BYTES).await?;
    let form = read_form(p, &content_type, &body).await?;
    let photos = photos::from_form(&form).map_err(AppError::Validation)?;
    let flags = read_flags(&form)?;
    if !photos_wanted(&order, order.state()?) {
        return Err(Refusal::PhotosNotNeeded.into());
    }
    let now = p.now_ms();
    // The purge time first (see `create`), then the objects, then the flag.
    let expiring = Patch {
        photos_expire_ms: Some(Some(now + cfg.photo_retention_ms)),
        ..Patch::default()
    };
    if let Some(s) = sql::orders::update(&order.id, &expiring) {
        p.run(s).await?;
    }
    photos::put(p, &order.id, &photos).await?;
    let kept = Patch {
        photos: Some(true),
        photo_flags: Some(flags),
        next_try_ms: Some(Some(now)),
        ..Patch::default()
    };
    if let Some(s) = sql::orders::update(&order.id, &kept) {
        p.run(s).await?;
    }
    crate::info!(p, "photos received id={}", order.id);
    jobs::enqueue(p, &order.id, 0).await;
    let order = p
        .one(sql::orders::load(&order.id))
        .await?
        .ok_or(Refusal::OrderNotFound)?;
    Reply::json(&view(p, cfg, &order).await?)
}

/// `POST /api/orders/lookup`: order number + the ID number's last 6 → the status-page link.
/// Held to the lookup budgets (address, device, everyone); a miss says nothing about which
/// part was wrong, and after `LOOKUP_MISSES_MAX` misses in a row the order refuses lookups for
/// an hour (counted by one atomic statement, so parallel guesses all count).
pub async fn lookup(req: &Incoming, p: &impl Platform, cfg: &Config) -> Result<Reply, AppError> {
    let body = p.body(1024).await?;
    let ask: OrderLookupRequest = parse_json(&body)?;
    let order_id = ask.order_id.trim().to_ascii_uppercase();
    let last6 = ask.id_last6.trim().to_ascii_uppercase();
    if !ids::is_valid_id(&order_id) || last6.chars().count() != 6 {
        return Err(AppError::Validation(vec![FieldIssue {
            field: Field::IdNumber,
            code: "lookup_format".into(),
            message_zh: "请输入订单号和身份证号码后6位".into(),
            message_en: "Enter the order number and the last 6 characters of the ID number".into(),
        }]));
    }
    let asker = ratelimit::asker_unchecked(req, cfg)?;
    ratelimit::spend(p, cfg, Action::Lookup, &asker.client(None)).await?;
    let order = p
        .one(sql::orders::load(&order_id))
        .await?
        .ok_or(Refusal::OrderNotFound)?;
    let now = p.now_ms();
    if budget::lookup_locked(order.lookup_locked_until_ms, now) {
        return Err(Refusal::LookupLocked.into());
    }
    let id_number = open(cfg, &order, "id_number_enc", &order.id_number_enc)?;
    let tail: String = id_number.chars().skip(12).collect();
    if !haoka_shared::sign::constant_time_eq(tail.as_bytes(), last6.as_bytes()) {
        let missed = sql::orders::lookup_missed(
            &order.id,
            now,
            budget::LOOKUP_MISSES_MAX,
            budget::LOOKUP_LOCK_MS,
        );
        let locked = sql::orders::locked(p.one(missed).await?, now);
        crate::info!(p, "lookup miss id={} locked={locked}", order.id);
        return Err(if locked {
            Refusal::LookupLocked
        } else {
            Refusal::OrderNotFound
        }
        .into());
    }
    p.run(sql::orders::lookup_hit(&order.id)).await?;
    let link = OrderLink {
        token: crypto::order_token(&cfg.session_key, &order.id),
        order_id: order.id,
    };
    Reply::json(&link)
}
