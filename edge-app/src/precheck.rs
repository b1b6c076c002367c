//! The identity pre-check before anything reaches the vendor: RealMe `namecheck` (name + ID
//! number) for every product; phone three-factor too when the product asks, failing over to
//! RealMe `mobilecheck` when phone3 answers "centre busy" (-11). A pass is kept for 24 h under
//! a keyed hash of the person, so a repeat does not pay again. Upstreams that cannot answer
//! give `Pending`: the order waits in 身份核验中 and is retried, never refused.

use haoka_edge_core::{
    budget::Action, crypto, http::HttpRequest, phone3, realme, sql, verdict::Verdict,
};
use haoka_shared::{
    ChinaDateTime, Field,
    api::{IDEMPOTENCY_HEADER, PrecheckRequest},
    china_date_from_unix_millis, idcard, ids,
    mask::mask_id,
    mobile::parse_mobile,
    name::parse_name,
};

use crate::{
    Config,
    error::AppError,
    http::{Incoming, Reply},
    platform::{Platform, Transport, random},
    products, ratelimit,
};

/// The pre-check's answer (`orders::CheckVerdict`).
pub use haoka_edge_core::orders::CheckVerdict as Outcome;
use haoka_edge_core::precheck::{self as decide, PASS_REUSE_MS};

/// Who is checked (already validated and normalised).
pub struct Person<'a> {
    /// Legal name.
    pub name: &'a str,
    /// ID number.
    pub id_number: &'a str,
    /// Mobile.
    pub mobile: &'a str,
    /// Whether phone three-factor runs too.
    pub phone3: bool,
}

/// Words for a mismatch code (also used for `check_failed` orders' reasons).
pub fn words(code: &str) -> (&'static str, &'static str) {
    decide::words(code)
}

async fn ask(
    p: &impl Platform,
    cfg: &Config,
    what: &str,
    req: Option<HttpRequest>,
) -> Option<(u16, Vec<u8>)> {
    let Some(req) = req else {
        crate::warn!(p, "pre-check {what}: the check table lacks it");
        return None;
    };
    match p.call(&req, cfg.upstream_timeout_ms).await {
        Transport::Reply { status, body } => Some((status, body)),
        Transport::Failed { why } => {
            crate::warn!(p, "pre-check {what}: no answer ({why})");
            None
        }
    }
}

fn realme_ids(p: &impl Platform, now: i64) -> Result<(String, String), AppError> {
    Ok((
        ids::mint_id("RM", now, &random::<12>(p)?),
        ChinaDateTime::from_unix_millis(now).yyyymmdd(),
    ))
}

/// RealMe `namecheck` (name + ID) or, with `mobile`, `mobilecheck` (name + ID + mobile).
async fn realme_check(
    p: &impl Platform,
    cfg: &Config,
    who: &Person<'_>,
    now: i64,
    mobile: bool,
) -> Result<Verdict, AppError> {
    let (order_id, date) = realme_ids(p, now)?;
    let (name, req) = if mobile {
        let req = realme::mobilecheck_request(
            &cfg.realme_base,
            &cfg.realme,
            &order_id,
            &date,
            who.name,
            who.id_number,
            who.mobile,
        );
        ("mobilecheck", req)
    } else {
        let req = realme::namecheck_request(
            &cfg.realme_base,
            &cfg.realme,
            &order_id,
            &date,
            who.name,
            who.id_number,
        );
        ("namecheck", req)
    };
    Ok(
        match (
            ask(p, cfg, name, req).await,
            haoka_shared::realme::check(name),
        ) {
            (Some((status, body)), Some(check)) => realme::parse_trade_reply(check, status, &body),
            _ => Verdict::Busy,
        },
    )
}

async fn phone_check(
    p: &impl Platform,
    cfg: &Config,
    who: &Person<'_>,
    now: i64,
) -> Result<Verdict, AppError> {
    let req = phone3::phone3_request(
        &cfg.phone3_url,
        &cfg.phone3_token,
        who.name,
        who.id_number,
        who.mobile,
    );
    let verdict = match ask(p, cfg, "phone3", Some(req)).await {
        Some((status, body)) => phone3::parse_phone3_reply(status, &body),
        None => Verdict::Busy,
    };
    if verdict == Verdict::Busy {
        // phone3's centre is busy: RealMe's mobilecheck answers the same question.
        crate::info!(p, "pre-check phone3 busy: failing over to mobilecheck");
        return realme_check(p, cfg, who, now, true).await;
    }
    Ok(verdict)
}

fn outcome(p: &impl Platform, what: &str, verdict: Verdict) -> Option<Outcome> {
    if let Verdict::Error { why } = &verdict {
        crate::warn!(p, "pre-check {what}: no verdict ({why})");
    }
    decide::decides(&verdict)
}

/// Run the pre-check for `who` (or reuse a pass from the last 24 h).
pub async fn run(
    p: &impl Platform,
    cfg: &Config,
    who: &Person<'_>,
    now: i64,
) -> Result<Outcome, AppError> {
    let subject = decide::person_subject(who.name, who.id_number, who.mobile, who.phone3);
    let person = crypto::lookup_hash(&cfg.lookup_key, "person", &subject);
    if p.one(sql::prechecks::passed_since(&person, now - PASS_REUSE_MS))
        .await?
        .is_some()
    {
        return Ok(Outcome::Pass);
    }
    if let Some(o) = outcome(p, "namecheck", realme_check(p, cfg, who, now, false).await?) {
        return Ok(o);
    }
    if who.phone3
        && let Some(o) = outcome(p, "phone3", phone_check(p, cfg, who, now).await?)
    {
        return Ok(o);
    }
    p.run(sql::prechecks::store_pass(
        &person,
        decide::method(who.phone3),
        now,
    ))
    .await?;
    Ok(Outcome::Pass)
}

/// `POST /api/precheck`: the customer's check before the photos and the review step.
pub async fn post(req: &Incoming, p: &impl Platform, cfg: &Config) -> Result<Reply, AppError> {
    let ask: PrecheckRequest = crate::body::read_json(p, 4096).await?;
    let now = p.now_ms();
    let today = china_date_from_unix_millis(now);
    let mut issues = Vec::new();
    let name = parse_name(&ask.name).map_err(|e| issues.push(e.for_field(Field::Name)));
    let id = idcard::parse_resident_id(&ask.id_number, today)
        .map_err(|e| issues.push(e.for_field(Field::IdNumber)));
    let mobile = parse_mobile(&ask.mobile).map_err(|e| issues.push(e.for_field(Field::Mobile)));
    let product = products::find(p, &ask.product_id).await?;
    if product.is_none() {
        issues.push(haoka_shared::ValidationError::UnknownProduct.for_field(Field::ProductId));
    }
    let (Ok(name), Ok(id), Ok(mobile), Some(product)) = (name, id, mobile, product) else {
        return Err(AppError::Validation(issues));
    };
    // The bot check and the budgets before anything is paid for: per address (IPv6 by /64),
    // person, device and everyone per minute, and the day's paid checks.
    let key = req.header(IDEMPOTENCY_HEADER).unwrap_or_default();
    let person_hash = crypto::lookup_hash(&cfg.lookup_key, "id", id.as_str());
    let asker = ratelimit::asker(p, req, cfg, &key).await?;
    ratelimit::spend(p, cfg, Action::Precheck, &asker.client(Some(&person_hash))).await?;
    // The per-person limit before any photo is taken or anything is paid for, and after the
    // bot check and the budgets (so it is no free oracle): the customer learns at the first
    // step that an open order blocks this one (the submit says the same).
    let (same, total) = sql::orders::same_and_total(
        p.one(sql::orders::open_counts(&person_hash, &product.pid))
            .await?,
    );
    if let Some(limit) =
        haoka_edge_core::budget::limit_reached(same, total, cfg.limit_per_product, cfg.limit_total)
    {
        return Err(crate::error::limit_error(limit));
    }
    ratelimit::spend(p, cfg, Action::PaidCheck, &asker.client(None)).await?;
    let person = Person {
        name: &name,
        id_number: id.as_str(),
        mobile: mobile.as_str(),
        phone3: product.needs_phone3,
    };
    let result = run(p, cfg, &person, now).await?;
    crate::info!(
        p,
        "pre-check id_number={} result={result:?}",
        mask_id(id.as_str())
    );
    let reply = decide::reply(result);
    Reply::json(&reply)
}
