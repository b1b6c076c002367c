//! The phone three-factor service: JSON POST with an `Authorization` token.

use std::sync::Arc;

use axum::{
    Json,
    body::Bytes,
    extract::State,
    http::HeaderMap,
    response::{IntoResponse, Response},
};
use haoka_shared::{
    idcard,
    mobile::{self, Carrier},
    name, sign,
};
use serde_json::{Value, json};

use crate::{
    Shared,
    scenario::{self, Verdict},
    state::{RecordId, now_millis},
};

/// The service's path.
pub const PATH: &str = "/tech/ai/celerity/universal";

fn err(code: i64, msg: &str) -> Response {
    Json(json!({ "errcode": code, "errmsg": msg })).into_response()
}

/// `POST /tech/ai/celerity/universal`.
pub async fn verify(
    State(shared): State<Arc<Shared>>,
    record: Option<axum::Extension<RecordId>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let token = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if !sign::constant_time_eq(token.as_bytes(), shared.config.phone3_token.as_bytes()) {
        return err(40001, "Authorization无效或已过期");
    }
    let Ok(v) = serde_json::from_slice::<Value>(&body) else {
        return err(40002, "请求体不是有效的JSON");
    };
    let data = &v["data"];
    let field = |k: &str| data[k].as_str().unwrap_or("").to_owned();
    shared.annotate(
        record.map(|r| r.0),
        vec![
            ("buscode".into(), v["buscode"].as_str().unwrap_or("").into()),
            ("group".into(), v["group"].as_str().unwrap_or("").into()),
            ("IdCard".into(), field("IdCard")),
            ("Name".into(), field("Name")),
            ("Phone".into(), field("Phone")),
        ],
    );
    if v["buscode"] != "PhoneVerification" {
        return err(40003, "buscode无效");
    }
    if v["group"] != "real" {
        return err(40004, "group无效");
    }
    if v.get("async").is_some_and(|a| !a.is_boolean()) {
        return err(40002, "async必须为布尔值");
    }
    let (id, nm, phone) = (field("IdCard"), field("Name"), field("Phone"));
    if id.is_empty() || nm.is_empty() || phone.is_empty() {
        return err(40005, "data.IdCard、data.Name、data.Phone均为必填");
    }
    let today = haoka_shared::china_date_from_unix_millis(now_millis());
    let parsed_phone = mobile::parse_mobile(&phone)
        .ok()
        .filter(|m| m.as_str() == phone);
    let (result, desc) = if parsed_phone.is_none() {
        ("-6", "手机号码不合法")
    } else if idcard::parse_resident_id(&id, today).is_err() {
        ("-7", "身份证号码有误")
    } else if name::parse_name(&nm).is_err() {
        ("-8", "姓名校验不通过")
    } else {
        match scenario::by_name(&nm) {
            Verdict::Mismatch => ("-4", "三要素信息不一致"),
            Verdict::NoRecord => ("-9", "没有记录"),
            Verdict::Busy | Verdict::Phone3Busy => ("-11", "验证中心服务繁忙"),
            Verdict::NameRejected => ("-8", "姓名校验不通过"),
            Verdict::Match | Verdict::Partial(_) => ("0", "认证通过"),
        }
    };
    let isp = match parsed_phone.map(|m| m.carrier_hint()) {
        Some(Carrier::Mobile) => "移动",
        Some(Carrier::Telecom) => "电信",
        Some(Carrier::Unicom) => "联通",
        _ => "",
    };
    let n = shared.next();
    Json(json!({
        "errcode": 0,
        "errmsg": "SUCCESS",
        "data": {
            "traceNo": format!("{}{:06}", now_millis(), n % 1_000_000),
            "result": { "responseJson": { "Response": {
                "Result": result,
                "Description": desc,
                "Isp": isp,
                "RequestId": format!("sbx-{:08x}-{n:012x}", now_millis() & 0xffff_ffff),
            } } },
            "status": "success"
        }
    }))
    .into_response()
}
