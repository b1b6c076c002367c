//! Xingguang: `pushorder` (form or multipart with photos) and `getimg` (the three photos
//! later), with status callbacks on a timeline.

use std::{sync::Arc, time::Instant};

use axum::{
    Json,
    extract::{Request, State},
    http::StatusCode,
    response::{IntoResponse, Response},
};
use haoka_shared::{idcard, mobile, photo, region::Regions, sign};
use serde_json::json;

use crate::{
    Shared, faults,
    fields::{self, Body},
    scenario,
    server::Closer,
    state::{Pending, RecordId, XgOrder, china_datetime, now_millis},
};

/// Submit-order path.
pub const PUSHORDER_PATH: &str = "/order/api/haoteam/pushorder";
/// Photo re-upload path.
pub const GETIMG_PATH: &str = "/order/api/haoteam/getimg";

/// Status texts, in timeline order.
pub const STATUS_SUBMITTED: &str = "已提交";
/// Waiting for the three photos (三照 product submitted without them).
pub const STATUS_AWAITING_PHOTOS: &str = "待上传照片";
/// Under review.
pub const STATUS_REVIEWING: &str = "审核中";
/// Shipped.
pub const STATUS_SHIPPED: &str = "已发货";
/// Review failed.
pub const STATUS_REJECTED: &str = "审核失败";

const PHOTO_FIELDS: [&str; 3] = ["face", "back", "hand"];
const REQUIRED: [&str; 8] = [
    "order_Name",
    "order_Phone",
    "order_IDCard",
    "order_Province",
    "order_Address",
    "api_xid",
    "pid",
    "apiuser",
];

fn reject(status: StatusCode, code: &str, reason: &str) -> Response {
    (status, Json(json!({ "code": code, "reason": reason }))).into_response()
}

/// `POST /order/api/haoteam/pushorder`.
pub async fn pushorder(State(shared): State<Arc<Shared>>, req: Request) -> Response {
    let record = req.extensions().get::<RecordId>().copied();
    let closer = req.extensions().get::<Closer>().cloned();
    let body = match fields::read(req).await {
        Ok(b) => b,
        Err(e) => {
            return reject(
                StatusCode::BAD_REQUEST,
                "400",
                &format!("请求格式错误: {}", e.0),
            );
        }
    };
    let mut summary = body.summary();
    for (k, v) in &mut summary {
        if k == "apipwd" && !v.is_empty() {
            *v = "<md5>".into();
        }
    }
    shared.annotate(record, summary);

    let cfg = &shared.config;
    for f in REQUIRED.iter().chain(std::iter::once(&"apipwd")) {
        if body.get(f).is_none_or(|v| v.trim().is_empty()) {
            return reject(StatusCode::NOT_FOUND, "404", &format!("缺少必填参数{f}"));
        }
    }
    let get = |k: &str| body.get(k).unwrap_or("").to_owned();
    let apipwd_ok = sign::constant_time_eq(
        get("apipwd").as_bytes(),
        sign::xingguang_apipwd(&cfg.xg_api_key).as_bytes(),
    );
    if get("apiuser") != cfg.xg_api_user || !apipwd_ok {
        return reject(StatusCode::UNAUTHORIZED, "21", "对接账号或密钥错误");
    }
    let api_xid = get("api_xid");
    // A repeated api_xid: "完全拒绝并不做返回" — the connection closes with no answer.
    if shared.lock().xg_orders.contains_key(&api_xid) {
        if let Some(c) = closer {
            return c.hang_up().await;
        }
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    }
    if let Err(reason) = check_order(&shared, &body) {
        return reject(StatusCode::NOT_FOUND, "404", &reason);
    }
    let given: Vec<&str> = PHOTO_FIELDS
        .iter()
        .copied()
        .filter(|f| body.file(f).is_some() || body.get(f).is_some_and(|v| !v.is_empty()))
        .collect();
    for f in &given {
        match body.file(f) {
            Some(bytes) => {
                if let Err(e) = photo::check_photo(bytes) {
                    return reject(
                        StatusCode::NOT_FOUND,
                        "404",
                        &format!("照片{f}不符合要求: {}", e.zh()),
                    );
                }
            }
            None => {
                return reject(
                    StatusCode::NOT_FOUND,
                    "404",
                    &format!("照片{f}必须以文件上传"),
                );
            }
        }
    }
    let pid = get("pid");
    let needs_photos = shared.config.photo_products.contains(&pid);
    let photos = given.len() == PHOTO_FIELDS.len();
    if !given.is_empty() && !photos {
        return reject(StatusCode::NOT_FOUND, "404", "三张照片必须全部上传!");
    }

    let n = shared.next();
    let apiorder = format!("ZEYI{}{:05}", now_millis(), n % 100_000);
    let order = XgOrder {
        api_xid: api_xid.clone(),
        apiorder: apiorder.clone(),
        pid: pid.clone(),
        status: if needs_photos && !photos {
            STATUS_AWAITING_PHOTOS
        } else {
            STATUS_SUBMITTED
        }
        .into(),
        photos,
        callbackurl: get("callbackurl"),
        fails_with: scenario::xingguang_review_failure(&get("order_Name"), &get("order_Address")),
    };
    let start_timeline = !needs_photos || photos;
    let status = order.status.clone();
    shared.lock().xg_orders.insert(api_xid.clone(), order);
    if start_timeline {
        schedule_timeline(&shared, &api_xid, PUSHORDER_PATH);
    }
    Json(json!({
        "code": "200",
        "pid": pid,
        "apiorder": apiorder,
        "apistatus": status,
        "c_time": china_datetime(),
    }))
    .into_response()
}

/// The vendor's documented checks on an order's fields.
fn check_order(shared: &Shared, body: &Body) -> Result<(), String> {
    let get = |k: &str| body.get(k).unwrap_or("");
    let api_xid = get("api_xid");
    if !haoka_shared::ids::is_valid_id(api_xid) {
        return Err("订单号api_xid格式错误".into());
    }
    if !shared.config.products.iter().any(|p| p == get("pid")) {
        return Err("产品ID不存在".into());
    }
    if haoka_shared::name::parse_name(get("order_Name")).is_err() {
        return Err("姓名格式错误".into());
    }
    // The vendor validates the raw value: no trimming, no +86 stripping.
    let phone = get("order_Phone");
    if phone.len() != 11 || mobile::parse_mobile(phone).is_err() {
        return Err("手机号码不正确".into());
    }
    let today = haoka_shared::china_date_from_unix_millis(now_millis());
    let id = get("order_IDCard");
    if id.len() != 18
        || idcard::parse_resident_id(id, today)
            .map(|i| i.as_str() != id)
            .unwrap_or(true)
    {
        return Err("身份证号码不正确".into());
    }
    Regions::get()
        .parse_order_province(get("order_Province"))
        .map_err(|_| "省市区格式错误,需以空格隔开".to_owned())?;
    if get("order_Address").chars().count() <= 4 {
        return Err("详细地址必须大于四个字符".into());
    }
    let haoma = get("haoma");
    if !haoma.is_empty()
        && mobile::parse_mobile(haoma)
            .map(|m| m.as_str() != haoma)
            .unwrap_or(true)
    {
        return Err("选择号码不正确".into());
    }
    if let Some(reason) = scenario::xingguang_number_refusal(haoma) {
        return Err(reason);
    }
    let cb = get("callbackurl");
    if !(cb.is_empty() || cb.starts_with("http://") || cb.starts_with("https://")) {
        return Err("回调地址格式错误".into());
    }
    Ok(())
}

/// Queue 审核中 then 已发货 / 审核失败 callbacks, `xg_step` apart.
fn schedule_timeline(shared: &Shared, api_xid: &str, endpoint: &str) {
    let Some(order) = shared.lock().xg_orders.get(api_xid).cloned() else {
        return;
    };
    if order.callbackurl.is_empty() {
        return;
    }
    let step = shared.config.xg_step;
    let withheld = faults::take(shared, endpoint, &[faults::Mode::WithholdCallback]).is_some();
    let now = Instant::now();
    let last = match &order.fails_with {
        Some(reason) => (STATUS_REJECTED, reason.clone()),
        None => (STATUS_SHIPPED, String::new()),
    };
    let mut s = shared.lock();
    for (i, (status, reason)) in [(STATUS_REVIEWING, String::new()), last]
        .into_iter()
        .enumerate()
    {
        let mut fields = vec![
            ("api_xid".to_owned(), order.api_xid.clone()),
            ("apiorder".to_owned(), order.apiorder.clone()),
            ("pid".to_owned(), order.pid.clone()),
            ("apistatus".to_owned(), status.to_owned()),
            ("reason".to_owned(), reason),
        ];
        if status == STATUS_SHIPPED {
            fields.push(("express".to_owned(), "顺丰速运".into()));
            fields.push((
                "express_no".to_owned(),
                format!(
                    "SF{}",
                    &order.apiorder[4..].chars().take(12).collect::<String>()
                ),
            ));
        }
        s.pending.push(Pending {
            vendor: "xingguang",
            endpoint: endpoint.to_owned(),
            url: order.callbackurl.clone(),
            fields,
            due: now + step * (u32::try_from(i).unwrap_or(0) + 1),
            withheld,
        });
    }
}

/// `POST /order/api/haoteam/getimg`: all three photos for the vendor's order number.
pub async fn getimg(State(shared): State<Arc<Shared>>, req: Request) -> Response {
    let record = req.extensions().get::<RecordId>().copied();
    let body = match fields::read(req).await {
        Ok(b) => b,
        Err(e) => {
            return Json(json!({ "code": 400, "msg": format!("请求格式错误: {}", e.0) }))
                .into_response();
        }
    };
    shared.annotate(record, body.summary());
    if PHOTO_FIELDS.iter().any(|f| body.file(f).is_none()) {
        return Json(json!({ "code": 400, "msg": "三张照片必须全部上传!" })).into_response();
    }
    for f in PHOTO_FIELDS {
        if photo::check_photo(body.file(f).unwrap_or_default()).is_err() {
            return Json(json!({ "code": 400, "msg": "照片格式错误,仅支持PNG/JPG,且不大于2MB" }))
                .into_response();
        }
    }
    let order_id = body.get("order_id").unwrap_or("").to_owned();
    let found = {
        let mut s = shared.lock();
        let order = s.xg_orders.values_mut().find(|o| o.apiorder == order_id);
        order.map(|o| {
            let start = !o.photos && o.status == STATUS_AWAITING_PHOTOS;
            o.photos = true;
            if start {
                o.status = STATUS_SUBMITTED.into();
            }
            (o.api_xid.clone(), start)
        })
    };
    match found {
        None => Json(json!({ "code": 404, "msg": "订单不存在" })).into_response(),
        Some((api_xid, start)) => {
            if start {
                schedule_timeline(&shared, &api_xid, GETIMG_PATH);
            }
            Json(json!({ "code": 200, "msg": "提交成功" })).into_response()
        }
    }
}
