//! Phone three-factor check (手机号三要素): do mobile, name and ID number belong together?
//! Vendor page: `shared/upstream/phone3.md`. The whole URL is configuration (`PHONE3_URL`).

use serde_json::{Value, json};

use crate::{
    http::{Body, HttpRequest, Method},
    reply::{self, Object},
    verdict::{MismatchPart, Verdict, only_on_success},
};

/// 交易码 for the three-factor check.
pub const BUSCODE: &str = "PhoneVerification";
/// 分组编号 实名认证 (the vendor's example omits it; its table requires it).
pub const GROUP: &str = "real";

/// A JSON POST to `url` with header `Authorization: {token}` and body
/// `{"buscode","group","data":{"IdCard","Name","Phone"}}`.
pub fn phone3_request(
    url: &str,
    token: &str,
    name: &str,
    id_number: &str,
    mobile: &str,
) -> HttpRequest {
    let body = json!({
        "buscode": BUSCODE,
        "group": GROUP,
        "data": { "IdCard": id_number, "Name": name, "Phone": mobile },
    });
    HttpRequest {
        method: Method::Post,
        url: url.to_owned(),
        headers: vec![("Authorization".to_owned(), token.to_owned())],
        body: Body::Json(body.to_string()),
    }
}

/// Read a reply. A verdict needs `errcode` 0 AND a `Response.Result`:
///
/// | Result | vendor's words | verdict |
/// |---|---|---|
/// | 0 | 三要素信息一致 | `Match` |
/// | -4 | 三要素信息不一致 | `Mismatch(Mobile)`: the customer checks the mobile is in their own name |
/// | -6 | 手机号码不合法 | `Mismatch(Mobile)` |
/// | -7 | 身份证号码有误 | `Mismatch(NameOrId)` |
/// | -8 | 姓名校验不通过 | `Mismatch(NameOrId)` |
/// | -9 | 没有记录 | `Mismatch(NoRecord)` |
/// | -11 | 验证中心服务繁忙 | `Busy` |
///
/// `Busy` is kept for -11 alone, because it is the one case allowed to fail over to RealMe
/// `mobilecheck` (API-CONTRACTS). Everything else without a verdict is `Error`: `errcode`
/// ≠ 0 (e.g. a refused token), HTTP 5xx, a body that is not the vendor's format, an unknown
/// Result, or a verdict under a non-2xx status.
pub fn parse_phone3_reply(status: u16, body: &[u8]) -> Verdict {
    if reply::is_server_error(status) {
        return Verdict::Error {
            why: format!("phone3: HTTP {status}"),
        };
    }
    let map = match reply::json_object(body) {
        Ok(map) => map,
        Err(why) => {
            return Verdict::Error {
                why: format!("phone3: HTTP {status}, {why}"),
            };
        }
    };
    match reply::field(&map, "errcode").as_deref() {
        Some("0") => {}
        Some(code) => {
            return Verdict::Error {
                why: format!(
                    "phone3: errcode {code} ({})",
                    reply::short(&reply::field(&map, "errmsg").unwrap_or_default())
                ),
            };
        }
        None => {
            return Verdict::Error {
                why: format!("phone3: HTTP {status}, no errcode"),
            };
        }
    }
    let result = response(&map).and_then(|r| reply::field(&r, "Result"));
    let verdict = match result.as_deref() {
        Some("0") => Verdict::Match,
        Some("-4" | "-6") => Verdict::Mismatch(MismatchPart::Mobile),
        Some("-7" | "-8") => Verdict::Mismatch(MismatchPart::NameOrId),
        Some("-9") => Verdict::Mismatch(MismatchPart::NoRecord),
        Some("-11") => Verdict::Busy,
        Some(other) => Verdict::Error {
            why: format!("phone3: unknown Result {}", reply::short(other)),
        },
        None => Verdict::Error {
            why: "phone3: errcode 0 without Response.Result".into(),
        },
    };
    only_on_success(status, verdict)
}

/// `data.result.responseJson.Response`. `responseJson` is read as an object or, as its name
/// suggests it may be, a string holding one.
fn response(map: &Object) -> Option<Object> {
    let json = map.get("data")?.get("result")?.get("responseJson")?;
    let parsed;
    let json = match json {
        Value::String(s) => {
            parsed = serde_json::from_str::<Value>(s).ok()?;
            &parsed
        }
        v => v,
    };
    match json.get("Response")? {
        Value::Object(r) => Some(r.clone()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::JSON_CONTENT_TYPE;

    #[test]
    fn request_shape() {
        let req = phone3_request(
            "http://172.20.109.105:7007/tech/ai/celerity/universal",
            "tok",
            "张三",
            "440111201903211111",
            "13000000000",
        );
        assert_eq!(req.method, Method::Post);
        assert_eq!(
            req.url,
            "http://172.20.109.105:7007/tech/ai/celerity/universal"
        );
        assert_eq!(req.header("Authorization"), Some("tok"));
        assert_eq!(req.content_type(), Some(JSON_CONTENT_TYPE));
        let Body::Json(body) = &req.body else {
            panic!("{req:?}");
        };
        let v: Value = serde_json::from_str(body).unwrap();
        assert_eq!(
            v,
            json!({"buscode":"PhoneVerification","group":"real",
                   "data":{"IdCard":"440111201903211111","Name":"张三","Phone":"13000000000"}})
        );
    }

    fn reply(result: &str) -> Vec<u8> {
        format!(
            r#"{{ "errcode": 0, "data": {{ "traceNo": "1", "result": {{ "responseJson": {{ "Response": {{ "Result": "{result}", "Description": "x", "Isp": "移动", "RequestId": "r" }} }} }}, "status": "success" }}, "errmsg": "SUCCESS" }}"#
        )
        .into_bytes()
    }

    #[test]
    fn results() {
        for (r, want) in [
            ("0", Verdict::Match),
            ("-4", Verdict::Mismatch(MismatchPart::Mobile)),
            ("-6", Verdict::Mismatch(MismatchPart::Mobile)),
            ("-7", Verdict::Mismatch(MismatchPart::NameOrId)),
            ("-8", Verdict::Mismatch(MismatchPart::NameOrId)),
            ("-9", Verdict::Mismatch(MismatchPart::NoRecord)),
            ("-11", Verdict::Busy),
        ] {
            assert_eq!(parse_phone3_reply(200, &reply(r)), want, "{r}");
        }
        assert!(matches!(
            parse_phone3_reply(200, &reply("-99")),
            Verdict::Error { .. }
        ));
        // Result as a number, responseJson as a string.
        let odd = br#"{"errcode":"0","data":{"result":{"responseJson":"{\"Response\":{\"Result\":-11}}"}}}"#;
        assert_eq!(parse_phone3_reply(200, odd), Verdict::Busy);
    }

    #[test]
    fn errors() {
        for (status, body) in [
            (
                200,
                r#"{"errcode":40001,"errmsg":"Authorization无效或已过期"}"#.as_bytes(),
            ),
            (200, &br#"{"errcode":0}"#[..]),
            (200, br#"{"errmsg":"SUCCESS"}"#),
            (200, b"<html>"),
            (500, &reply("0")),
            (503, b""),
            (400, &reply("0")),
            (400, &reply("-4")),
        ] {
            let v = parse_phone3_reply(status, body);
            assert!(matches!(v, Verdict::Error { .. }), "{status}: {v:?}");
        }
        let Verdict::Error { why } =
            parse_phone3_reply(200, br#"{"errcode":40001,"errmsg":"bad"}"#)
        else {
            panic!()
        };
        assert!(why.contains("40001"), "{why}");
    }
}
