//! The three photos in R2, only as long as the flow needs them: written when the customer
//! sends them, read to send them to the vendor, deleted once the vendor has them (or the
//! order ends), and purged by the cron after the retention limit in any case.

use haoka_edge_core::vendor::Photos;
use haoka_shared::{Field, FieldIssue, api::PHOTO_PARTS, photo::check_photo};

use crate::{error::AppError, http::Form, platform::Platform};

fn key(order_id: &str, part: &str) -> String {
    haoka_edge_core::sweep::order_photo_key(order_id, part)
}

/// The form field of a photo part.
pub fn field(part: &str) -> Field {
    match part {
        "face" => Field::PhotoFace,
        "back" => Field::PhotoBack,
        _ => Field::PhotoHand,
    }
}

/// Read and check the three photo parts of a multipart form: each JPEG/PNG by its magic
/// bytes and at most 2 MiB; every problem is a field issue.
pub fn from_form(form: &Form) -> Result<Photos, Vec<FieldIssue>> {
    let mut got: Vec<Vec<u8>> = Vec::with_capacity(3);
    let mut issues = Vec::new();
    for part in PHOTO_PARTS {
        let bytes = form.file(part).map(<[u8]>::to_vec).unwrap_or_default();
        match check_photo(&bytes) {
            Ok(_) => got.push(bytes),
            Err(e) => issues.push(e.for_field(field(part))),
        }
    }
    match (issues.is_empty(), <[Vec<u8>; 3]>::try_from(got)) {
        (true, Ok([face, back, hand])) => Ok(Photos { face, back, hand }),
        _ => Err(issues),
    }
}

/// Store the three photos under the order.
pub async fn put(p: &impl Platform, order_id: &str, photos: &Photos) -> Result<(), AppError> {
    for (part, bytes) in PHOTO_PARTS
        .iter()
        .zip([&photos.face, &photos.back, &photos.hand])
    {
        p.put_object(&key(order_id, part), bytes.clone()).await?;
    }
    Ok(())
}

/// The three photos, if all are still there.
pub async fn get(p: &impl Platform, order_id: &str) -> Result<Option<Photos>, AppError> {
    let mut got = Vec::with_capacity(3);
    for part in PHOTO_PARTS {
        let Some(bytes) = p.get_object(&key(order_id, part)).await? else {
            return Ok(None);
        };
        got.push(bytes);
    }
    Ok(<[Vec<u8>; 3]>::try_from(got)
        .ok()
        .map(|[face, back, hand]| Photos { face, back, hand }))
}

/// Delete the order's photos (absent ones are fine).
pub async fn delete(p: &impl Platform, order_id: &str) -> Result<(), AppError> {
    let keys: Vec<String> = PHOTO_PARTS.iter().map(|part| key(order_id, part)).collect();
    p.delete_objects(keys).await
}
