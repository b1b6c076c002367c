//! 选号 at the edge (rules in `haoka_edge_core::numbers`, statements in `sql::numbers`):
//! `GET /api/numbers` pages through a product's free numbers, `POST /api/numbers/hold` holds
//! one for the order attempt for 15 minutes — one conditional statement, so of two customers
//! racing for a number one gets it and the other hears `number_taken`. Holds are budgeted per
//! device (or address) and per address, so no one holds a pool hostage.

use haoka_edge_core::{
    crypto,
    numbers::{self, HOLD_MS, Search, SearchError},
    sql::numbers as sql,
};
use haoka_shared::{
    api::{NumberHeld, NumberHold},
    refusal::Refusal,
};

use crate::{
    Config,
    body::read_json,
    error::AppError,
    http::{Incoming, Reply},
    platform::Platform,
    ratelimit,
};

/// Holds per device (or address, without a device id) per minute.
const HOLDS_PER_MINUTE_DEVICE: u32 = 20;
/// Holds per address per minute (a shop's Wi-Fi or a carrier's NAT is many customers).
const HOLDS_PER_MINUTE_ADDRESS: u32 = 200;

/// `GET /api/numbers?product=&ending=&no4=1&birthday=1&after=`.
pub async fn list(req: &Incoming, p: &impl Platform) -> Result<Reply, AppError> {
    let product = req
        .query
        .iter()
        .find(|(k, _)| k == "product")
        .map(|(_, v)| v.trim().to_owned())
        .filter(|p| !p.is_empty())
        .ok_or(Refusal::BadRequest)?;
    let search = Search::from_pairs(req.pairs()).map_err(|e| match e {
        SearchError::Ending | SearchError::After => Refusal::BadNumberSearch,
    })?;
    let rows = p.rows(sql::free(&product, &search, p.now_ms())).await?;
    let choices = numbers::page(rows.into_iter().map(|c| c.number).collect(), &search);
    Reply::json(&choices)
}

/// `POST /api/numbers/hold {product, number, hold_token}`: 200 with the hold's end, or 409
/// `number_taken`.
pub async fn hold(req: &Incoming, p: &impl Platform, cfg: &Config) -> Result<Reply, AppError> {
    let asker = ratelimit::asker_unchecked(req, cfg)?;
    let device = asker.device.as_deref().unwrap_or(&asker.address);
    ratelimit::check_key(p, "hold_device", device, HOLDS_PER_MINUTE_DEVICE).await?;
    ratelimit::check_key(p, "hold_address", &asker.address, HOLDS_PER_MINUTE_ADDRESS).await?;
    let body: NumberHold = read_json(p, 1024).await?;
    if !numbers::hold_token_ok(&body.hold_token) {
        return Err(Refusal::BadRequest.into());
    }
    let hold_hash = crypto::lookup_hash(&cfg.lookup_key, "number_hold", &body.hold_token);
    let now = p.now_ms();
    let done = p
        .atomically(sql::hold(
            body.product.trim(),
            &body.number,
            &hold_hash,
            now,
        ))
        .await?;
    if !sql::held(&done) {
        return Err(Refusal::NumberTaken.into());
    }
    Reply::json(&NumberHeld {
        number: body.number,
        held_until_ms: now + HOLD_MS,
    })
}
