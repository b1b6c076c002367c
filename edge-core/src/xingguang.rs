//! Xingguang (orders), the one order vendor behind [`crate::vendor::OrderVendor`]: `pushorder`
//! and `getimg` requests and replies, and the status callbacks it posts to us, in its own
//! words and field names. Vendor page: `shared/upstream/xingguang.md`; the project's
//! reading of it: `shared/API-CONTRACTS.md`.

use std::fmt;

use haoka_shared::{
    lifecycle::{RejectReason, VendorStatus},
    sign::xingguang_apipwd,
};
use serde_json::Value;

use crate::{
    http::{Body, HttpRequest, Method, join_url},
    reply::{self, Object},
};

pub use crate::vendor::{Callback, CallbackError, GetimgOutcome, Photos, PushOrder, PushOutcome};

/// Submit-order path, appended to `XINGGUANG_BASE_URL`.
pub const PUSHORDER_PATH: &str = "/order/api/haoteam/pushorder";
/// Photo re-upload path, appended to `XINGGUANG_BASE_URL`.
pub const GETIMG_PATH: &str = "/order/api/haoteam/getimg";
/// The reply code for success (a string in pushorder, a number in getimg).
pub const CODE_OK: &str = "200";
/// The reply code for refused credentials (documented as "21 (401)").
pub const CODE_CREDENTIALS: &str = "21";
/// Callback bodies longer than this are refused unread.
pub const CALLBACK_MAX_BYTES: usize = 64 * 1024;

/// Read Xingguang's status text (its reply's `apistatus` or a callback's status), tolerant of
/// spacing and the common synonyms; a text we do not know is [`VendorStatus::Unknown`].
pub fn status_of(text: &str) -> VendorStatus {
    let t: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    let has = |words: &[&str]| words.iter().any(|w| t.contains(w));
    if has(&["失败", "拒绝", "驳回", "不通过", "取消"]) {
        VendorStatus::Rejected
    } else if has(&["发货", "已寄出", "运输中", "已签收", "激活"]) {
        VendorStatus::Shipped
    } else if has(&["照片"]) {
        VendorStatus::AwaitingPhotos
    } else if has(&["审核"]) {
        VendorStatus::Reviewing
    } else if has(&["提交", "接收", "受理"]) {
        VendorStatus::Submitted
    } else {
        VendorStatus::Unknown
    }
}

/// Classify Xingguang's refusal text into the reason a customer is told in plain words.
pub fn reason_of(text: &str) -> RejectReason {
    let has = |words: &[&str]| words.iter().any(|w| text.contains(w));
    if has(&["地址", "配送", "偏远", "区域"]) {
        RejectReason::Address
    } else if has(&["照片", "图片", "人像"]) {
        RejectReason::Photos
    } else if has(&["年龄", "周岁"]) {
        RejectReason::Age
    } else if has(&["一证", "五户", "超限", "张数", "已办理"]) {
        RejectReason::CardLimit
    } else if has(&["号码", "选号", "haoma"]) && !has(&["手机号码不正确"]) {
        RejectReason::Number
    } else if has(&["身份", "实名", "姓名", "证件", "不一致", "手机号"]) {
        RejectReason::Identity
    } else {
        RejectReason::Other
    }
}

/// The integration account. Both values are edge-only secrets (API-CONTRACTS), so `Debug`
/// shows neither.
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    /// `XINGGUANG_API_USER`.
    pub api_user: String,
    /// `XINGGUANG_API_KEY`; only its MD5 (`apipwd`) is sent.
    pub api_key: String,
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("api_user", &"<redacted>")
            .field("api_key", &"<redacted>")
            .finish()
    }
}

/// The `pushorder` request: a form, or multipart with `face`, `back`, `hand` when the order
/// carries photos. `haoma` is always sent (empty when none); `callbackurl` only when set.
pub fn pushorder_request(
    base_url: &str,
    creds: &Credentials,
    order: &PushOrder<'_>,
) -> HttpRequest {
    let mut fields: Vec<(String, String)> = [
        ("order_Name", order.name),
        ("order_Phone", order.phone),
        ("order_IDCard", order.id_number),
        ("order_Province", order.order_province),
        ("order_Address", order.address),
        ("api_xid", order.api_xid),
        ("haoma", order.haoma),
        ("pid", order.pid),
        ("apiuser", creds.api_user.as_str()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect();
    fields.push(("apipwd".to_owned(), xingguang_apipwd(&creds.api_key)));
    if !order.callback_url.is_empty() {
        fields.push(("callbackurl".to_owned(), order.callback_url.to_owned()));
    }
    let body = match order.photos {
        None => Body::Form(fields),
        Some(photos) => Body::Multipart {
            fields,
            files: photos.parts(),
        },
    };
    HttpRequest {
        method: Method::Post,
        url: join_url(base_url, PUSHORDER_PATH),
        headers: Vec::new(),
        body,
    }
}

/// Read a `pushorder` reply.
///
/// HTTP 5xx is `Unknown` whatever the body says. HTTP 401 or code 21 is `CredentialsRefused`.
/// Code 200 with an `apiorder` under a 2xx status is `Accepted`; code 200 without one, or
/// under a non-2xx status, is `Unknown`. Any other code is `Rejected`. A body that is not a
/// JSON object or has no `code` is `Unknown` — including a bare 404 page, which may be a
/// wrong base URL rather than the vendor's "失败 (404)", so the order is not failed on it.
pub fn parse_pushorder_reply(status: u16, body: &[u8]) -> PushOutcome {
    if reply::is_server_error(status) {
        return PushOutcome::Unknown {
            why: format!("HTTP {status}"),
        };
    }
    let map = match reply::json_object(body) {
        Ok(map) => map,
        Err(why) if status == 401 => {
            return PushOutcome::CredentialsRefused {
                reason: format!("HTTP 401, {why}"),
            };
        }
        Err(why) => {
            return PushOutcome::Unknown {
                why: format!("HTTP {status}, {why}"),
            };
        }
    };
    let code = reply::field(&map, "code");
    let reason = reply::first(&map, &["reason", "msg"]).unwrap_or_default();
    if status == 401 || code.as_deref() == Some(CODE_CREDENTIALS) {
        return PushOutcome::CredentialsRefused { reason };
    }
    let Some(code) = code else {
        return PushOutcome::Unknown {
            why: format!("HTTP {status}, JSON without code"),
        };
    };
    if code != CODE_OK {
        return PushOutcome::Rejected {
            plain: reason_of(&reason),
            code,
            reason,
        };
    }
    if !reply::is_success(status) {
        return PushOutcome::Unknown {
            why: format!("code 200 under HTTP {status}"),
        };
    }
    match reply::field(&map, "apiorder") {
        Some(apiorder) => {
            let status_text = reply::field(&map, "apistatus").unwrap_or_default();
            let status = if status_text.is_empty() {
                VendorStatus::Submitted
            } else {
                status_of(&status_text)
            };
            PushOutcome::Accepted {
                apiorder,
                status,
                status_text,
            }
        }
        None => PushOutcome::Unknown {
            why: "code 200 without apiorder".into(),
        },
    }
}

/// The `getimg` request: multipart `face`, `back`, `hand` and `order_id` = the VENDOR's
/// order number (`apiorder`). The vendor documents no credentials for this call.
pub fn getimg_request(base_url: &str, apiorder: &str, photos: &Photos) -> HttpRequest {
    HttpRequest {
        method: Method::Post,
        url: join_url(base_url, GETIMG_PATH),
        headers: Vec::new(),
        body: Body::Multipart {
            fields: vec![("order_id".to_owned(), apiorder.to_owned())],
            files: photos.parts(),
        },
    }
}

/// Read a `getimg` reply: code 200 (number or string) under a 2xx status → `Delivered`; any
/// other code → `Refused`; 5xx, unreadable or contradictory → `Unknown`.
pub fn parse_getimg_reply(status: u16, body: &[u8]) -> GetimgOutcome {
    if reply::is_server_error(status) {
        return GetimgOutcome::Unknown {
            why: format!("HTTP {status}"),
        };
    }
    let map = match reply::json_object(body) {
        Ok(map) => map,
        Err(why) => {
            return GetimgOutcome::Unknown {
                why: format!("HTTP {status}, {why}"),
            };
        }
    };
    match reply::field(&map, "code") {
        None => GetimgOutcome::Unknown {
            why: format!("HTTP {status}, JSON without code"),
        },
        Some(code) if code == CODE_OK && reply::is_success(status) => GetimgOutcome::Delivered,
        Some(code) if code == CODE_OK => GetimgOutcome::Unknown {
            why: format!("code 200 under HTTP {status}"),
        },
        Some(code) => GetimgOutcome::Refused {
            code,
            msg: reply::first(&map, &["msg", "reason"]).unwrap_or_default(),
        },
    }
}

const STATUS_KEYS: &[&str] = &["apistatus", "status", "state", "order_status"];
const REASON_KEYS: &[&str] = &["reason", "msg", "remark"];
const EXPRESS_KEYS: &[&str] = &["express", "express_company", "logistics_company", "kuaidi"];
const EXPRESS_NO_KEYS: &[&str] = &[
    "express_no",
    "tracking_no",
    "express_number",
    "waybill_no",
    "logistics_no",
];

/// Read a callback body. JSON objects (values strings or numbers; a nested `data` object is
/// read too, top-level keys first) and `application/x-www-form-urlencoded` are accepted; with
/// a missing or other content type, JSON is tried, then form. Keys match ASCII
/// case-insensitively. The status is the first of `apistatus`, `status`, `state`,
/// `order_status`; a body without one is an error (the worker keeps the raw body anyway).
pub fn parse_callback(content_type: &str, body: &[u8]) -> Result<Callback, CallbackError> {
    if body.len() > CALLBACK_MAX_BYTES {
        return Err(CallbackError::TooLarge);
    }
    let media = content_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    let map = match media.as_str() {
        "application/json" => json_fields(body),
        "application/x-www-form-urlencoded" => form_fields(body),
        _ => json_fields(body).or_else(|| form_fields(body)),
    }
    .ok_or(CallbackError::Unreadable)?;
    let pick = |keys: &[&str]| {
        keys.iter().find_map(|want| {
            map.iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(want))
                .and_then(|(_, v)| reply::text(Some(v)))
        })
    };
    let status_text = pick(STATUS_KEYS).ok_or(CallbackError::NoStatus)?;
    Ok(Callback {
        api_xid: pick(&["api_xid"]),
        apiorder: pick(&["apiorder"]),
        status: status_of(&status_text),
        status_text,
        plain: reason_of(&pick(REASON_KEYS).unwrap_or_default()),
        reason: pick(REASON_KEYS).unwrap_or_default(),
        express: pick(EXPRESS_KEYS),
        express_no: pick(EXPRESS_NO_KEYS),
    })
}

/// A JSON object's entries, then those of its `data` object (so top-level keys win).
fn json_fields(body: &[u8]) -> Option<Object> {
    let mut map = reply::json_object(body).ok()?;
    if let Some(Value::Object(data)) = map.remove("data") {
        for (k, v) in data {
            map.entry(k).or_insert(v);
        }
    }
    Some(map)
}

/// A form's fields (the first of a repeated key wins).
fn form_fields(body: &[u8]) -> Option<Object> {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(body).ok()?;
    let mut map = Object::new();
    for (k, v) in pairs {
        map.entry(k).or_insert(Value::String(v));
    }
    Some(map)
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn vendor_texts() {
        use VendorStatus as V;
        for (t, want) in [
            ("已提交", V::Submitted),
            ("待上传照片", V::AwaitingPhotos),
            ("待补传照片", V::AwaitingPhotos),
            (" 审核中 ", V::Reviewing),
            ("已发货", V::Shipped),
            ("审核失败", V::Rejected),
            ("审核不通过", V::Rejected),
            ("", V::Unknown),
            ("whatever", V::Unknown),
        ] {
            assert_eq!(status_of(t), want, "{t}");
        }
    }

    #[test]
    fn reasons_in_plain_words() {
        use RejectReason as R;
        for (t, want) in [
            ("收货地址不在配送范围", R::Address),
            ("身份信息不一致", R::Identity),
            ("手机号码不正确", R::Identity),
            ("照片不清晰", R::Photos),
            ("一证五户超限", R::CardLimit),
            ("客户年龄超出范围", R::Age),
            ("系统繁忙", R::Other),
        ] {
            assert_eq!(reason_of(t), want, "{t}");
            assert_eq!(RejectReason::parse(want.as_str()), Some(want));
            assert!(!want.zh().contains(t));
        }
    }
    use crate::http::FORM_CONTENT_TYPE;

    fn creds() -> Credentials {
        Credentials {
            api_user: "ceshi".into(),
            api_key: "ceshi-key".into(),
        }
    }

    fn jpeg() -> Vec<u8> {
        vec![
            0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10, b'J', b'F', b'I', b'F', 0, 0xFF, 0xD9,
        ]
    }

    fn png() -> Vec<u8> {
        b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec()
    }

    fn photos() -> Photos {
        Photos {
            face: jpeg(),
            back: png(),
            hand: jpeg(),
        }
    }

    fn order<'a>(photos: Option<&'a Photos>, callback_url: &'a str) -> PushOrder<'a> {
        PushOrder {
            name: "张三",
            phone: "18888888336",
            id_number: "110101200007282906",
            order_province: "天津市 天津市 和平区",
            address: "先锋大楼 3单元 201",
            api_xid: "Hm2023111015044046891",
            haoma: "",
            pid: "2188",
            callback_url,
            photos,
        }
    }

    #[test]
    fn pushorder_form_has_the_vendor_fields() {
        let req = pushorder_request(
            "http://xg.tkcdk.cn/",
            &creds(),
            &order(None, "https://edge/callbacks/xingguang/X/T"),
        );
        assert_eq!(req.method, Method::Post);
        assert_eq!(req.url, "http://xg.tkcdk.cn/order/api/haoteam/pushorder");
        assert_eq!(req.content_type(), Some(FORM_CONTENT_TYPE));
        let Body::Form(fields) = &req.body else {
            panic!("not a form: {req:?}");
        };
        let names: Vec<&str> = fields.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(
            names,
            [
                "order_Name",
                "order_Phone",
                "order_IDCard",
                "order_Province",
                "order_Address",
                "api_xid",
                "haoma",
                "pid",
                "apiuser",
                "apipwd",
                "callbackurl"
            ]
        );
        let f = |k| req.body.field(k);
        assert_eq!(f("order_Province"), Some("天津市 天津市 和平区"));
        assert_eq!(f("order_Address"), Some("先锋大楼 3单元 201"));
        assert_eq!(f("haoma"), Some(""));
        assert_eq!(f("apiuser"), Some("ceshi"));
        // `printf 'ceshi-key' | md5sum`: the key's MD5, never the key or the user.
        assert_eq!(f("apipwd"), Some("a0622c00e86bbb9b0f14759fe3b048bd"));
        assert_eq!(
            f("callbackurl"),
            Some("https://edge/callbacks/xingguang/X/T")
        );
        let encoded = req.body.urlencoded().unwrap_or_default();
        assert!(encoded.contains("haoma=&"), "{encoded}");
        assert!(!encoded.contains("ceshi-key"));
    }

    #[test]
    fn pushorder_without_callback_omits_it() {
        let req = pushorder_request("http://h", &creds(), &order(None, ""));
        assert_eq!(req.body.field("callbackurl"), None);
        assert_eq!(req.url, "http://h/order/api/haoteam/pushorder");
    }

    #[test]
    fn pushorder_with_photos_is_multipart() {
        let p = photos();
        let req = pushorder_request("http://h", &creds(), &order(Some(&p), ""));
        assert_eq!(req.content_type(), None);
        let Body::Multipart { fields, files } = &req.body else {
            panic!("not multipart: {req:?}");
        };
        assert_eq!(fields.len(), 10);
        let names: Vec<(&str, &str, &str)> = files
            .iter()
            .map(|f| (f.name.as_str(), f.filename.as_str(), f.mime))
            .collect();
        assert_eq!(
            names,
            [
                ("face", "face.jpg", "image/jpeg"),
                ("back", "back.png", "image/png"),
                ("hand", "hand.jpg", "image/jpeg")
            ]
        );
        assert_eq!(req.body.file("back").map(|f| f.bytes.clone()), Some(png()));
        assert_eq!(req.body.field("order_Name"), Some("张三"));
    }

    #[test]
    fn unknown_photo_bytes_go_as_octet_stream() {
        let p = Photos {
            face: b"GIF89a".to_vec(),
            ..photos()
        };
        let parts = p.parts();
        assert_eq!(parts[0].filename, "face.bin");
        assert_eq!(parts[0].mime, "application/octet-stream");
    }

    #[test]
    fn secrets_stay_out_of_debug() {
        let c = Credentials {
            api_user: "user-SECRET".into(),
            api_key: "key-SECRET".into(),
        };
        assert!(!format!("{c:?}").contains("SECRET"));
        assert_eq!(
            format!("{:?}", photos()),
            "Photos { face: 13, back: 16, hand: 13 }"
        );
    }

    #[test]
    fn accepted_with_string_or_number_code() {
        let doc = r#"{ "code": "200", "pid": "2188", "apiorder": "ZEYI2023111015044046891", "apistatus": "已提交", "c_time": "2023-11-10 16:00:29" }"#;
        assert_eq!(
            parse_pushorder_reply(200, doc.as_bytes()),
            PushOutcome::Accepted {
                apiorder: "ZEYI2023111015044046891".into(),
                status: VendorStatus::Submitted,
                status_text: "已提交".into(),
            }
        );
        let numeric = r#"{"code":200,"apiorder":"Z1","apistatus":"待上传照片"}"#.as_bytes();
        assert_eq!(
            parse_pushorder_reply(200, numeric),
            PushOutcome::Accepted {
                apiorder: "Z1".into(),
                status: VendorStatus::AwaitingPhotos,
                status_text: "待上传照片".into(),
            }
        );
        let bare = br#"{"code":"200","apiorder":"Z2"}"#;
        assert_eq!(
            parse_pushorder_reply(200, bare),
            PushOutcome::Accepted {
                apiorder: "Z2".into(),
                status: VendorStatus::Submitted,
                status_text: String::new(),
            }
        );
    }

    #[test]
    fn code_200_without_apiorder_or_under_an_error_status_is_unknown() {
        for (status, body) in [
            (200, &br#"{"code":"200"}"#[..]),
            (200, br#"{"code":"200","apiorder":""}"#),
            (404, br#"{"code":"200","apiorder":"Z"}"#),
        ] {
            assert!(
                matches!(
                    parse_pushorder_reply(status, body),
                    PushOutcome::Unknown { .. }
                ),
                "{status}"
            );
        }
    }

    #[test]
    fn rejections_keep_the_reason_and_classify_it() {
        assert_eq!(
            parse_pushorder_reply(
                404,
                r#"{"code":"404","reason":"收货地址不在配送范围"}"#.as_bytes()
            ),
            PushOutcome::Rejected {
                code: "404".into(),
                reason: "收货地址不在配送范围".into(),
                plain: RejectReason::Address,
            }
        );
        assert_eq!(
            parse_pushorder_reply(200, r#"{"code":500,"msg":"一证五户超限"}"#.as_bytes()),
            PushOutcome::Rejected {
                code: "500".into(),
                reason: "一证五户超限".into(),
                plain: RejectReason::CardLimit,
            }
        );
        assert_eq!(
            parse_pushorder_reply(200, br#"{"code":"0"}"#),
            PushOutcome::Rejected {
                code: "0".into(),
                reason: String::new(),
                plain: RejectReason::Other,
            }
        );
    }

    #[test]
    fn credentials_refused_by_code_21_or_http_401() {
        let want = |r: &str| PushOutcome::CredentialsRefused { reason: r.into() };
        assert_eq!(
            parse_pushorder_reply(
                401,
                r#"{"code":"21","reason":"对接账号或密钥错误"}"#.as_bytes()
            ),
            want("对接账号或密钥错误")
        );
        assert_eq!(parse_pushorder_reply(200, br#"{"code":21}"#), want(""));
        assert_eq!(
            parse_pushorder_reply(401, br#"{"code":"404","reason":"x"}"#),
            want("x")
        );
        assert!(matches!(
            parse_pushorder_reply(401, b"Unauthorized"),
            PushOutcome::CredentialsRefused { .. }
        ));
    }

    #[test]
    fn server_errors_and_garbage_are_unknown() {
        let doc = br#"{"code":"404","reason":"x"}"#;
        for (status, body) in [
            (500, &doc[..]),
            (502, b"<html>bad gateway</html>"),
            (503, br#"{"code":"200","apiorder":"Z"}"#),
            (200, b"<html>ok</html>"),
            (200, b""),
            (200, b"[1,2]"),
            (200, br#"{"msg":"no code"}"#),
            (404, b"Not Found"),
        ] {
            let out = parse_pushorder_reply(status, body);
            let PushOutcome::Unknown { why } = &out else {
                panic!("{status}: {out:?}");
            };
            assert!(!why.contains("html") && !why.contains("no code"), "{why}");
        }
    }

    #[test]
    fn getimg_request_is_multipart_with_the_vendor_order_number() {
        let req = getimg_request("http://h/", "ZEYI123", &photos());
        assert_eq!(req.url, "http://h/order/api/haoteam/getimg");
        assert_eq!(req.method, Method::Post);
        assert_eq!(req.body.field("order_id"), Some("ZEYI123"));
        assert_eq!(req.body.field("apipwd"), None);
        for name in ["face", "back", "hand"] {
            assert!(req.body.file(name).is_some(), "{name}");
        }
        assert_eq!(req.content_type(), None);
    }

    #[test]
    fn getimg_replies() {
        assert_eq!(
            parse_getimg_reply(200, r#"{ "code": 200, "msg": "提交成功" }"#.as_bytes()),
            GetimgOutcome::Delivered
        );
        assert_eq!(
            parse_getimg_reply(200, br#"{"code":"200"}"#),
            GetimgOutcome::Delivered
        );
        assert_eq!(
            parse_getimg_reply(
                200,
                r#"{ "code": 400, "msg": "三张照片必须全部上传!" }"#.as_bytes()
            ),
            GetimgOutcome::Refused {
                code: "400".into(),
                msg: "三张照片必须全部上传!".into()
            }
        );
        for (status, body) in [
            (500, &br#"{"code":200}"#[..]),
            (200, b"garbage"),
            (200, b"{}"),
            (400, br#"{"code":200}"#),
        ] {
            assert!(
                matches!(
                    parse_getimg_reply(status, body),
                    GetimgOutcome::Unknown { .. }
                ),
                "{status}"
            );
        }
    }

    #[test]
    fn callbacks_as_form() {
        let body = serde_urlencoded::to_string([
            ("api_xid", "HK1"),
            ("apiorder", "ZEYI1"),
            ("pid", "2188"),
            ("apistatus", "已发货"),
            ("reason", ""),
            ("express", "顺丰速运"),
            ("express_no", "SF123"),
        ])
        .unwrap_or_default();
        let cb = parse_callback("application/x-www-form-urlencoded", body.as_bytes());
        assert_eq!(
            cb,
            Ok(Callback {
                api_xid: Some("HK1".into()),
                apiorder: Some("ZEYI1".into()),
                status_text: "已发货".into(),
                status: VendorStatus::Shipped,
                reason: String::new(),
                plain: reason_of(""),
                express: Some("顺丰速运".into()),
                express_no: Some("SF123".into()),
            })
        );
    }

    #[test]
    fn callbacks_as_json_with_other_names_and_numbers() {
        let body = r#"{"api_xid":"HK1","apiorder":12345,"state":"审核失败","msg":"身份信息不一致",
                       "logistics_company":null,"tracking_no":""}"#;
        let cb = parse_callback("application/json; charset=utf-8", body.as_bytes());
        let Ok(cb) = cb else {
            panic!("{cb:?}");
        };
        assert_eq!(cb.apiorder.as_deref(), Some("12345"));
        assert_eq!(cb.status, VendorStatus::Rejected);
        assert_eq!(cb.reason, "身份信息不一致");
        assert_eq!((cb.express, cb.express_no), (None, None));
        // Nested under `data`, status under a later name, an empty earlier one skipped.
        let nested = r#"{"code":200,"data":{"apistatus":"","order_status":"审核中","kuaidi":"EMS","waybill_no":"E1"}}"#;
        let cb = parse_callback("", nested.as_bytes());
        assert_eq!(cb.as_ref().map(|c| c.status), Ok(VendorStatus::Reviewing));
        assert_eq!(
            cb.as_ref().map(|c| c.express.clone()),
            Ok(Some("EMS".into()))
        );
        assert_eq!(cb.map(|c| c.express_no), Ok(Some("E1".into())));
    }

    #[test]
    fn callbacks_with_odd_content_types() {
        let json = r#"{"Status":"已提交","remark":"ok"}"#;
        let cb = parse_callback("text/plain", json.as_bytes());
        assert_eq!(cb.as_ref().map(|c| c.status), Ok(VendorStatus::Submitted));
        assert_eq!(cb.map(|c| c.reason), Ok("ok".into()));
        let form = "status=%E5%AE%A1%E6%A0%B8%E4%B8%AD&api_xid=HK2";
        let cb = parse_callback("", form.as_bytes());
        assert_eq!(cb.as_ref().map(|c| c.status), Ok(VendorStatus::Reviewing));
        assert_eq!(cb.map(|c| c.api_xid), Ok(Some("HK2".into())));
        let unknown = parse_callback("", "apistatus=whatever".as_bytes());
        assert_eq!(unknown.map(|c| c.status), Ok(VendorStatus::Unknown));
    }

    #[test]
    fn callbacks_refused() {
        assert_eq!(
            parse_callback("application/json", b"not json"),
            Err(CallbackError::Unreadable)
        );
        assert_eq!(
            parse_callback("application/json", b"[1]"),
            Err(CallbackError::Unreadable)
        );
        assert_eq!(
            parse_callback("application/json", br#"{"api_xid":"HK1"}"#),
            Err(CallbackError::NoStatus)
        );
        assert_eq!(
            parse_callback("application/x-www-form-urlencoded", b"api_xid=HK1&status="),
            Err(CallbackError::NoStatus)
        );
        assert_eq!(parse_callback("", b""), Err(CallbackError::NoStatus));
        let mut big = b"status=x&pad=".to_vec();
        big.resize(CALLBACK_MAX_BYTES + 1, b'a');
        assert_eq!(
            parse_callback(FORM_CONTENT_TYPE, &big),
            Err(CallbackError::TooLarge)
        );
        big.truncate(CALLBACK_MAX_BYTES);
        assert!(parse_callback(FORM_CONTENT_TYPE, &big).is_ok());
    }
}

/// Xingguang as an [`crate::vendor::OrderVendor`]: its base URL and account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Xingguang {
    /// `XINGGUANG_BASE_URL`.
    pub base_url: String,
    /// The integration account.
    pub credentials: Credentials,
}

impl crate::vendor::OrderVendor for Xingguang {
    fn name(&self) -> &'static str {
        "xingguang"
    }

    fn push_request(&self, order: &PushOrder<'_>) -> HttpRequest {
        pushorder_request(&self.base_url, &self.credentials, order)
    }

    fn read_push(&self, status: u16, body: &[u8]) -> PushOutcome {
        parse_pushorder_reply(status, body)
    }

    fn photos_request(&self, vendor_order: &str, photos: &Photos) -> HttpRequest {
        getimg_request(&self.base_url, vendor_order, photos)
    }

    fn read_photos(&self, status: u16, body: &[u8]) -> GetimgOutcome {
        parse_getimg_reply(status, body)
    }

    fn read_callback(&self, content_type: &str, body: &[u8]) -> Result<Callback, CallbackError> {
        parse_callback(content_type, body)
    }
}
