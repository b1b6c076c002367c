//! RealMe identity pre-checks: signed form requests built from the shared check table, and
//! replies read into a [`Verdict`]. Vendor page: `shared/upstream/realme.md` (namecheck,
//! mobilecheck, return codes); the project's reading: `shared/API-CONTRACTS.md` ("Outcome
//! classes" — codes are classified, never matched against the vendor's contradictory lists).

use std::fmt;

use haoka_shared::{
    realme::{COMMON_PARAMS, Check, CodeClass, check, classify},
    sign::realme_sign,
};

use crate::{
    http::{Body, HttpRequest, Method, join_url},
    reply::{self, Object},
    verdict::{MismatchPart, Verdict, only_on_success},
};

/// `source_channel` for our calls. The vendor offers 0 PC, 1 Android, 2 iOS and nothing for
/// the mobile web; the customer's device is unknown to the edge, so the browser channel is
/// reported as "PC".
pub const SOURCE_CHANNEL: &str = "0";
/// Common error 90105 "操作过于频繁" (too frequent): retry later.
pub const CODE_TOO_FREQUENT: &str = "90105";

/// The RealMe account. Both values are edge-only secrets, so `Debug` shows neither.
#[derive(Clone, PartialEq, Eq)]
pub struct RealmeCredentials {
    /// `REALME_APP_TOKEN` (sent as `app_token`).
    pub app_token: String,
    /// `REALME_SIGN_KEY` (never sent; signs every request).
    pub sign_key: String,
}

impl fmt::Debug for RealmeCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RealmeCredentials")
            .field("app_token", &"<redacted>")
            .field("sign_key", &"<redacted>")
            .finish()
    }
}

/// A signed form POST to `{base_url}{version}/trade/{name}`: the common parameters
/// `order_date`, `order_id`, `app_token`, then `params`, then `sign`.
///
/// `params` with an empty value are not sent (the signature skips them anyway, so the
/// vendor cannot disagree about them), nor are keys that are common parameters (they come
/// from the arguments only, so no key is ever sent twice). `order_id` must be fresh for
/// every call: RealMe answers a repeated one with 90104.
pub fn trade_request(
    base_url: &str,
    creds: &RealmeCredentials,
    check: &Check,
    order_id: &str,
    order_date: &str,
    params: &[(&str, &str)],
) -> HttpRequest {
    let own = params
        .iter()
        .copied()
        .filter(|(k, v)| !v.is_empty() && !COMMON_PARAMS.contains(k));
    let mut fields: Vec<(String, String)> = [
        ("order_date", order_date),
        ("order_id", order_id),
        ("app_token", creds.app_token.as_str()),
    ]
    .into_iter()
    .chain(own)
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect();
    let sign = realme_sign(
        fields.iter().map(|(k, v)| (k.as_str(), v.as_str())),
        &creds.sign_key,
    );
    fields.push(("sign".to_owned(), sign));
    HttpRequest {
        method: Method::Post,
        url: join_url(base_url, &check.path()),
        headers: Vec::new(),
        body: Body::Form(fields),
    }
}

/// `namecheck` (身份证实名认证): do this name and ID number belong together? `None` only if
/// the shared table lacks the check.
pub fn namecheck_request(
    base_url: &str,
    creds: &RealmeCredentials,
    order_id: &str,
    order_date: &str,
    name: &str,
    id_number: &str,
) -> Option<HttpRequest> {
    let params = [
        ("full_name", name),
        ("id_number", id_number),
        ("source_channel", SOURCE_CHANNEL),
    ];
    let c = check("namecheck")?;
    Some(trade_request(
        base_url, creds, c, order_id, order_date, &params,
    ))
}

/// `mobilecheck` (手机号实名认证): is this mobile registered to this name and ID number?
/// `None` only if the shared table lacks the check.
pub fn mobilecheck_request(
    base_url: &str,
    creds: &RealmeCredentials,
    order_id: &str,
    order_date: &str,
    name: &str,
    id_number: &str,
    mobile: &str,
) -> Option<HttpRequest> {
    let params = [
        ("full_name", name),
        ("id_number", id_number),
        ("mobile_no", mobile),
        ("source_channel", SOURCE_CHANNEL),
    ];
    let c = check("mobilecheck")?;
    Some(trade_request(
        base_url, creds, c, order_id, order_date, &params,
    ))
}

/// Read the reply of a synchronous person check (`namecheck`, `mobilecheck`).
///
/// - HTTP 5xx → `Busy` (the upstream is down for now; asking again may answer).
/// - Body not a JSON object, or no `return_code` → `Error`.
/// - `return_code` by class: interface success (x00–x09 of this check's interface) or common
///   success (90000–90009) → the verdict in `resp_code`; interface failure (`{iface}10`
///   "请求失败" and the rest of x10–x99) → `Busy`: the call failed upstream (the sandbox
///   models it as a busy channel) and says nothing about the person; 90105 too frequent →
///   `Busy`; every other common error (90101 parameters, 90102 signature, 90103 permission,
///   90104 repeated `order_id`, 90199 unknown) → `Error`: the same call would fail the same
///   way; a code of another interface or of no known class → `Error`.
/// - A match or mismatch counts under a 2xx status only (RealMe sends its errors as 400).
pub fn parse_trade_reply(check: &Check, status: u16, body: &[u8]) -> Verdict {
    if reply::is_server_error(status) {
        return Verdict::Busy;
    }
    let map = match reply::json_object(body) {
        Ok(map) => map,
        Err(why) => {
            return Verdict::Error {
                why: format!("HTTP {status}, {why}"),
            };
        }
    };
    let Some(code) = reply::field(&map, "return_code") else {
        return Verdict::Error {
            why: format!("HTTP {status}, no return_code"),
        };
    };
    let error = |what: &str| Verdict::Error {
        why: format!(
            "{}: return_code {code} {what} ({})",
            check.name,
            reply::short(&reply::field(&map, "return_message").unwrap_or_default())
        ),
    };
    let class = classify(&code);
    let ours = code.starts_with(&check.interface.to_string());
    let verdict = match class {
        CodeClass::Success | CodeClass::Failure if !ours => error("is another interface's"),
        CodeClass::Success | CodeClass::CommonSuccess => resp_verdict(check, &map),
        CodeClass::Failure => Verdict::Busy,
        CodeClass::CommonError if code == CODE_TOO_FREQUENT => Verdict::Busy,
        CodeClass::CommonError => error("is a common error"),
        CodeClass::Unknown => error("is of no known class"),
    };
    only_on_success(status, verdict)
}

/// The verification verdict in `resp_code` (00 match, 01 mismatch, 99 exception;
/// mobilecheck's partial results 02–05).
fn resp_verdict(check: &Check, map: &Object) -> Verdict {
    let mobile = check.name == "mobilecheck";
    let resp_code = reply::field(map, "resp_code");
    let info = reply::field(map, "resp_info").unwrap_or_default();
    match resp_code.as_deref() {
        Some("00") => Verdict::Match,
        // mobilecheck's 01: the mobile is not registered to this name and ID number.
        Some("01") if mobile => Verdict::Mismatch(MismatchPart::Mobile),
        Some("01") => Verdict::Mismatch(MismatchPart::NameOrId),
        // 99 is "异常" in the vendor's table; its no-record answer ("库中无此记录") is one
        // kind of it. Only a text that says so becomes NoRecord (ask the customer to check
        // the ID number); any other exception is not the customer's mistake.
        Some("99") if says_no_record(&info) => Verdict::Mismatch(MismatchPart::NoRecord),
        // 02: mobile and ID number agree, the name could not be checked. The mobile belongs
        // to the ID's holder, which is what the pre-check asks; the carrier checks the name
        // against the ID again at activation.
        Some("02") if mobile => Verdict::Match,
        // 03: mobile and ID number disagree, name unknown: not shown to be their mobile.
        Some("03") if mobile => Verdict::Mismatch(MismatchPart::Mobile),
        // 04: mobile and ID number agree, mobile and name disagree: the name is what to check.
        Some("04") if mobile => Verdict::Mismatch(MismatchPart::NameOrId),
        // 05: mobile and ID number disagree, mobile and name agree: most likely a mistyped ID
        // number, so the customer checks name and ID (never a pass either way).
        Some("05") if mobile => Verdict::Mismatch(MismatchPart::NameOrId),
        Some(other) => Verdict::Error {
            why: format!(
                "{}: resp_code {other} ({})",
                check.name,
                reply::short(&info)
            ),
        },
        None => Verdict::Error {
            why: format!("{}: success without resp_code", check.name),
        },
    }
}

pub(crate) fn says_no_record(info: &str) -> bool {
    ["无此记录", "无记录", "查无", "库中无"]
        .iter()
        .any(|w| info.contains(w))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn creds() -> RealmeCredentials {
        RealmeCredentials {
            app_token: "t".into(),
            sign_key: "K".into(),
        }
    }

    fn namecheck() -> &'static Check {
        check("namecheck").unwrap()
    }

    fn mobilecheck() -> &'static Check {
        check("mobilecheck").unwrap()
    }

    #[test]
    fn trade_request_signs_the_common_and_given_params() {
        let req = trade_request(
            "http://127.0.0.1:8788/api/realme/",
            &creds(),
            namecheck(),
            "2",
            "20261122",
            &[("imei", ""), ("sign", "forged"), ("order_id", "dup")],
        );
        assert_eq!(
            req.url,
            "http://127.0.0.1:8788/api/realme/v4/trade/namecheck"
        );
        assert_eq!(req.method, Method::Post);
        let Body::Form(fields) = &req.body else {
            panic!("{req:?}");
        };
        let names: Vec<&str> = fields.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(names, ["order_date", "order_id", "app_token", "sign"]);
        // python3 -c "import hashlib;print(hashlib.md5('app_token=t&order_date=20261122&order_id=2&key=K'.encode()).hexdigest().upper())"
        assert_eq!(
            req.body.field("sign"),
            Some("6BB6DD1AB7A0D27495A8A74B119BAAA1")
        );
        assert_eq!(req.body.field("order_id"), Some("2"));
        assert!(format!("{:?}", creds()).contains("redacted"));
        assert!(!format!("{:?}", creds()).contains("\"K\""));
    }

    #[test]
    fn namecheck_and_mobilecheck_send_table_params() {
        let req = namecheck_request(
            "http://h/",
            &creds(),
            "O1",
            "20261122",
            "张三",
            "110101200007282906",
        )
        .unwrap();
        assert_eq!(req.url, "http://h/v4/trade/namecheck");
        assert_eq!(req.body.field("full_name"), Some("张三"));
        assert_eq!(req.body.field("id_number"), Some("110101200007282906"));
        assert_eq!(req.body.field("source_channel"), Some("0"));
        let req = mobilecheck_request(
            "http://h/",
            &creds(),
            "O2",
            "20261122",
            "张三",
            "110101200007282906",
            "18888888336",
        )
        .unwrap();
        assert_eq!(req.url, "http://h/v4/trade/mobilecheck");
        assert_eq!(req.body.field("mobile_no"), Some("18888888336"));
        // Every non-common key is a parameter of the check in the shared table, and every
        // required one is sent.
        for (c, req) in [
            (
                namecheck(),
                namecheck_request("h", &creds(), "O", "20261122", "a", "b").unwrap(),
            ),
            (
                mobilecheck(),
                mobilecheck_request("h", &creds(), "O", "20261122", "a", "b", "c").unwrap(),
            ),
        ] {
            let Body::Form(fields) = &req.body else {
                panic!()
            };
            for (k, _) in fields {
                assert!(
                    COMMON_PARAMS.contains(&k.as_str()) || c.params.iter().any(|p| p.name == k),
                    "{}: {k}",
                    c.name
                );
            }
            for p in c.params.iter().filter(|p| p.required) {
                assert!(req.body.field(p.name).is_some(), "{}: {}", c.name, p.name);
            }
        }
    }

    fn reply(code: &str, resp: &str, info: &str) -> Vec<u8> {
        format!(
            r#"{{"return_code":"{code}","return_message":"成功","realme_date":"20170101","seq_id":"1","order_date":"20170101","order_id":"1","resp_code":"{resp}","resp_info":"{info}"}}"#
        )
        .into_bytes()
    }

    #[test]
    fn namecheck_verdicts() {
        let nc = namecheck();
        let doc = r#"{ "return_code": "10400", "return_message": "成功", "realme_date": "20170101", "seq_id" : "2017010100000001", "order_date": "20170101", "order_id": "201701010000001", "resp_code": "00", "resp_info": "认证通过" }"#;
        assert_eq!(parse_trade_reply(nc, 200, doc.as_bytes()), Verdict::Match);
        // Any success code of the interface, not just the table's.
        assert_eq!(
            parse_trade_reply(nc, 200, &reply("10401", "00", "")),
            Verdict::Match
        );
        assert_eq!(
            parse_trade_reply(nc, 200, &reply("10400", "01", "认证不一致")),
            Verdict::Mismatch(MismatchPart::NameOrId)
        );
        assert_eq!(
            parse_trade_reply(nc, 200, &reply("10400", "99", "库中无此记录")),
            Verdict::Mismatch(MismatchPart::NoRecord)
        );
        assert!(matches!(
            parse_trade_reply(nc, 200, &reply("10400", "99", "系统异常")),
            Verdict::Error { .. }
        ));
        // Partial codes mean nothing outside mobilecheck.
        assert!(matches!(
            parse_trade_reply(nc, 200, &reply("10400", "02", "")),
            Verdict::Error { .. }
        ));
        assert!(matches!(
            parse_trade_reply(nc, 200, br#"{"return_code":"10400"}"#),
            Verdict::Error { .. }
        ));
    }

    #[test]
    fn mobilecheck_verdicts() {
        let mc = mobilecheck();
        for (resp, want) in [
            ("00", Verdict::Match),
            ("01", Verdict::Mismatch(MismatchPart::Mobile)),
            ("02", Verdict::Match),
            ("03", Verdict::Mismatch(MismatchPart::Mobile)),
            ("04", Verdict::Mismatch(MismatchPart::NameOrId)),
            ("05", Verdict::Mismatch(MismatchPart::NameOrId)),
            ("99", Verdict::Mismatch(MismatchPart::NoRecord)),
        ] {
            assert_eq!(
                parse_trade_reply(mc, 200, &reply("10300", resp, "库中无此记录")),
                want,
                "{resp}"
            );
        }
        // A namecheck code in a mobilecheck reply is not trusted.
        assert!(matches!(
            parse_trade_reply(mc, 200, &reply("10400", "00", "")),
            Verdict::Error { .. }
        ));
    }

    #[test]
    fn busy_and_errors() {
        let nc = namecheck();
        let common = |code: &str| {
            format!(r#"{{"return_code":"{code}","return_message":"参数校验失败"}}"#).into_bytes()
        };
        assert_eq!(parse_trade_reply(nc, 200, &common("10410")), Verdict::Busy);
        assert_eq!(parse_trade_reply(nc, 200, &common("10499")), Verdict::Busy);
        assert_eq!(parse_trade_reply(nc, 400, &common("90105")), Verdict::Busy);
        for status in [500, 502, 503] {
            assert_eq!(parse_trade_reply(nc, status, b"<html/>"), Verdict::Busy);
        }
        for code in [
            "90101", "90102", "90103", "90104", "90199", "91099", "20010", "99999", "1040",
        ] {
            let v = parse_trade_reply(nc, 400, &common(code));
            let Verdict::Error { why } = &v else {
                panic!("{code}: {v:?}");
            };
            assert!(why.contains(code), "{why}");
        }
        for body in [&b"garbage"[..], b"", b"[]", br#"{"resp_code":"00"}"#] {
            assert!(matches!(
                parse_trade_reply(nc, 200, body),
                Verdict::Error { .. }
            ));
        }
        // Numeric codes are read too; a match under HTTP 400 is contradictory.
        assert_eq!(
            parse_trade_reply(nc, 200, br#"{"return_code":10400,"resp_code":"00"}"#),
            Verdict::Match
        );
        assert!(matches!(
            parse_trade_reply(nc, 400, &reply("10400", "00", "")),
            Verdict::Error { .. }
        ));
        // 9000x is a success class: the verdict still comes from resp_code.
        assert_eq!(
            parse_trade_reply(nc, 200, &reply("90000", "01", "")),
            Verdict::Mismatch(MismatchPart::NameOrId)
        );
    }
}
