//! `POST /api/orders/draft`: re-validate the customer's form and store a draft in D1.

use haoka_shared::{
    china_date_from_unix_millis, ids,
    order::{DraftAccepted, DraftOrderRequest, validate_draft},
};
use worker::{Env, Request, Response, console_log};

use crate::{DB_BINDING, error::AppError};

/// Drafts are small JSON documents; anything bigger is refused unread.
const MAX_DRAFT_BYTES: usize = 16 * 1024;

/// Validate, store, answer 201 with the draft id (or 422 with every bad field).
pub async fn create_draft(mut req: Request, env: &Env) -> Result<Response, AppError> {
    let body = req.bytes().await?;
    if body.len() > MAX_DRAFT_BYTES {
        return Err(AppError::PayloadTooLarge);
    }
    let draft: DraftOrderRequest =
        serde_json::from_slice(&body).map_err(|e| AppError::BadRequest(e.to_string()))?;
    let now = worker::Date::now().as_millis();
    let now = i64::try_from(now).unwrap_or(i64::MAX);
    let valid =
        validate_draft(&draft, china_date_from_unix_millis(now)).map_err(AppError::Validation)?;

    let mut random = [0u8; 10];
    getrandom::getrandom(&mut random).map_err(|e| AppError::Internal(e.to_string()))?;
    let id = ids::mint_id("DR", now, &random);

    let db = env.d1(DB_BINDING)?;
    db.prepare(
        "INSERT INTO draft_orders (id, product_id, name, mobile, id_number, order_province, address, number, status, created_at_ms) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 'draft', ?9)",
    )
    .bind(&[
        id.as_str().into(),
        valid.product_id.as_str().into(),
        valid.name.as_str().into(),
        valid.mobile.as_str().into(),
        valid.id_number.as_str().into(),
        valid.order_province.as_str().into(),
        valid.address.as_str().into(),
        valid.number.as_str().into(),
        (now as f64).into(),
    ])?
    .run()
    .await?;

    console_log!(
        "draft stored id={id} product={} name={} mobile={} id_number={}",
        valid.product_id,
        haoka_shared::mask::mask_name(&valid.name),
        haoka_shared::mask::mask_phone(&valid.mobile),
        haoka_shared::mask::mask_id(&valid.id_number),
    );
    let reply = DraftAccepted {
        draft_id: id,
        warnings: valid.warnings,
    };
    Ok(Response::from_json(&reply)?.with_status(201))
}
