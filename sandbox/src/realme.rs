//! RealMe: the 27 checks of `haoka_shared::realme::CHECKS`, `checkresult`, signed
//! notifications. Strict on the common parameters and the signature (API-CONTRACTS.md).

use std::{
    collections::HashSet,
    sync::Arc,
    time::{Duration, Instant},
};

use axum::{
    Json,
    body::Bytes,
    extract::{Path, RawQuery, State},
    http::{HeaderMap, StatusCode},
    response::{IntoResponse, Response},
};
use haoka_shared::{
    idcard, mobile, name,
    realme::{self, Check, Kind, Mode, Rule},
    sign,
};
use serde_json::{Map, Value, json};

use crate::{
    Shared, faults,
    fields::decode_image,
    scenario::{self, DEFAULT_SCORE, Verdict},
    state::{AsyncResult, MoxieState, MoxieTask, Pending, RecordId, china_yyyymmdd, now_millis},
};

type Fields = Vec<(String, String)>;

/// A refusal: HTTP status, return_code, message.
struct Refusal(StatusCode, String, String);

fn common_error(code: &str, msg: impl Into<String>) -> Refusal {
    Refusal(StatusCode::BAD_REQUEST, code.into(), msg.into())
}

fn reply(status: StatusCode, fields: Vec<(String, Value)>) -> Response {
    let map: Map<String, Value> = fields.into_iter().collect();
    (status, Json(Value::Object(map))).into_response()
}

fn refusal_response(r: Refusal, order: Option<(&str, &str)>) -> Response {
    let mut f = vec![
        ("return_code".to_owned(), json!(r.1)),
        ("return_message".to_owned(), json!(r.2)),
    ];
    if let Some((date, id)) = order {
        f.push(("realme_date".into(), json!(china_yyyymmdd())));
        f.push(("order_date".into(), json!(date)));
        f.push(("order_id".into(), json!(id)));
    }
    reply(r.0, f)
}

fn get<'a>(params: &'a Fields, key: &str) -> &'a str {
    params
        .iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.as_str())
        .unwrap_or("")
}

/// Checks shared by every call: rate, form, common parameters, app_token, signature.
fn admit(
    shared: &Shared,
    body: &[u8],
    headers: Option<&HeaderMap>,
    dedupe: bool,
) -> Result<Fields, Refusal> {
    {
        let mut s = shared.lock();
        let now = Instant::now();
        while s
            .realme_calls
            .front()
            .is_some_and(|t| now.duration_since(*t) > Duration::from_secs(1))
        {
            s.realme_calls.pop_front();
        }
        if s.realme_calls.len() >= shared.config.realme_rate_per_sec {
            return Err(common_error("90105", "操作过于频繁"));
        }
        s.realme_calls.push_back(now);
    }
    if let Some(h) = headers {
        let ct = h
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        if !ct
            .to_ascii_lowercase()
            .starts_with("application/x-www-form-urlencoded")
        {
            return Err(common_error(
                "90101",
                "参数校验失败:请使用application/x-www-form-urlencoded",
            ));
        }
    }
    let params: Fields = serde_urlencoded::from_bytes(body)
        .map_err(|_| common_error("90101", "参数校验失败:无法解析"))?;
    let mut seen = HashSet::new();
    if let Some((k, _)) = params.iter().find(|(k, _)| !seen.insert(k.as_str())) {
        return Err(common_error("90101", format!("参数校验失败:{k}重复")));
    }
    for key in realme::COMMON_PARAMS {
        if get(&params, key).is_empty() {
            return Err(common_error("90101", format!("参数校验失败:{key}不能为空")));
        }
    }
    if !is_date(get(&params, "order_date")) {
        return Err(common_error(
            "90101",
            "参数校验失败:order_date格式应为YYYYMMDD",
        ));
    }
    if !haoka_shared::ids::is_valid_id(get(&params, "order_id")) {
        return Err(common_error("90101", "参数校验失败:order_id格式错误"));
    }
    let sig = get(&params, "sign");
    if sig.len() != 32
        || !sig
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'A'..=b'F').contains(&b))
    {
        return Err(common_error("90101", "参数校验失败:sign格式错误"));
    }
    if !sign::constant_time_eq(
        get(&params, "app_token").as_bytes(),
        shared.config.realme_app_token.as_bytes(),
    ) {
        return Err(common_error("90103", "没有权限使用此接口"));
    }
    let pairs = params.iter().map(|(k, v)| (k.as_str(), v.as_str()));
    if !sign::realme_verify(pairs, &shared.config.realme_sign_key) {
        return Err(common_error("90102", "验证签名错误"));
    }
    if dedupe
        && !shared
            .lock()
            .realme_order_ids
            .insert(get(&params, "order_id").to_owned())
    {
        return Err(common_error("90104", "重复请求"));
    }
    Ok(params)
}

fn is_date(s: &str) -> bool {
    haoka_shared::idcard::parse_yyyymmdd(s).is_some()
}

/// Validate one parameter's value by its kind.
fn valid(kind: Kind, v: &str) -> bool {
    let today = haoka_shared::china_date_from_unix_millis(now_millis());
    match kind {
        Kind::Name => name::parse_name(v).is_ok_and(|n| n == v),
        Kind::IdNumber => idcard::parse_resident_id(v, today).is_ok_and(|id| id.as_str() == v),
        Kind::Mobile => mobile::parse_mobile(v).is_ok_and(|m| m.as_str() == v),
        Kind::Image => decode_image(v).is_some(),
        Kind::BankCard => (12..=19).contains(&v.len()) && v.bytes().all(|b| b.is_ascii_digit()),
        Kind::OneOf(options) => options.contains(&v),
        Kind::Url => v.starts_with("http://") || v.starts_with("https://"),
        Kind::Date => is_date(v),
        Kind::MonthYear => {
            v.len() == 4
                && v.bytes().all(|b| b.is_ascii_digit())
                && matches!(v[..2].parse::<u8>(), Ok(1..=12))
        }
        Kind::Secret | Kind::Text => !v.is_empty() && v.chars().count() <= 256,
        Kind::CodeList => serde_json::from_str::<Vec<Value>>(v).is_ok_and(|list| {
            !list.is_empty()
                && list
                    .iter()
                    .all(|e| e["type"].is_string() && e["value"].is_string())
        }),
        Kind::Ip => v.parse::<std::net::IpAddr>().is_ok(),
    }
}

/// The check's own parameter rules.
fn validate_params(check: &Check, params: &Fields) -> Result<(), Refusal> {
    for p in check.params {
        let v = get(params, p.name);
        if v.is_empty() {
            if p.required {
                return Err(common_error(
                    "90101",
                    format!("参数校验失败:{}不能为空", p.name),
                ));
            }
            continue;
        }
        if !valid(p.kind, v) {
            return Err(common_error(
                "90101",
                format!("参数校验失败:{}格式错误", p.name),
            ));
        }
    }
    let has = |k: &str| !get(params, k).is_empty();
    let ok = match check.rule {
        Rule::None => true,
        Rule::AnyOf(keys) => keys.iter().any(|k| has(k)),
        Rule::NamePlusTwoOf(keys) => {
            has("full_name") && keys.iter().filter(|k| has(k)).count() >= 2
        }
        Rule::ImageOrFileId => has("image") || has("file_id"),
    };
    if !ok {
        return Err(common_error("90101", "参数校验失败:缺少必要的参数组合"));
    }
    Ok(())
}

fn s(k: &str, v: impl Into<String>) -> (String, String) {
    (k.to_owned(), v.into())
}

/// resp_code / resp_info for a person-level verdict.
fn verdict_fields(v: Verdict, mobilecheck: bool) -> Fields {
    let (code, info) = match v {
        Verdict::Match | Verdict::Phone3Busy => ("00", "认证通过"),
        Verdict::Mismatch | Verdict::NameRejected => ("01", "认证不一致"),
        Verdict::NoRecord | Verdict::Busy => ("99", "库中无此记录"),
        Verdict::Partial(c) if mobilecheck => (
            c,
            match c {
                "02" => "手机号身份证号验证一致,手机号姓名验证结果未知",
                "03" => "手机号身份证号验证不一致,手机号姓名验证结果未知",
                "04" => "手机号身份证号验证一致,手机号姓名验证不一致",
                _ => "手机号身份证号验证不一致,手机号姓名验证一致",
            },
        ),
        Verdict::Partial(_) => ("00", "认证通过"),
    };
    vec![s("resp_code", code), s("resp_info", info)]
}

fn face_fields(score: u8, threshold: u8) -> Fields {
    let (code, info) = if score >= threshold {
        ("00", "认证通过")
    } else {
        ("01", "不是同一个人")
    };
    vec![
        s("resp_code", code),
        s("resp_info", info),
        s("mp_ssim", score.to_string()),
    ]
}

fn image_score(params: &Fields, key: &str) -> u8 {
    decode_image(get(params, key))
        .and_then(|b| scenario::marks(&b).score)
        .unwrap_or(DEFAULT_SCORE)
}

/// What a check answers: its result fields, whether they come later, or a refusal.
enum Outcome {
    Now(Fields),
    Later(Fields),
    Failed(String),
}

fn outcome(shared: &Shared, check: &Check, params: &Fields, seq_id: &str) -> Outcome {
    // Phone3Busy concerns phone3 only: RealMe matches that person.
    let name_of = |k: &str| match scenario::by_name(get(params, k)) {
        Verdict::Phone3Busy => Verdict::Match,
        v => v,
    };
    let person = name_of("full_name");
    if person == Verdict::Busy {
        return Outcome::Failed("请求失败:通道繁忙,请稍后重试".into());
    }
    match check.name {
        "staticfacecheck" | "dynamicfacecheck" => {
            let mut f = verdict_fields(person, false);
            if person == Verdict::Match {
                f = face_fields(image_score(params, "video_pic"), 60);
            }
            Outcome::Later(f)
        }
        "cardcheck" => {
            // The vendor's own test-environment rule: IDs starting 8/9 mismatch.
            let v = if get(params, "id_number").starts_with(['8', '9']) {
                Verdict::Mismatch
            } else {
                person
            };
            let mut f = verdict_fields(v, false);
            f.push(s("full_name", get(params, "full_name")));
            if get(params, "acct_no").ends_with('9') {
                Outcome::Later(f)
            } else {
                Outcome::Now(f)
            }
        }
        "mobilecheck" => Outcome::Now(verdict_fields(person, true)),
        "namecheck" => Outcome::Now(verdict_fields(person, false)),
        "idcardcheck" => {
            let mut f = verdict_fields(person, false);
            f.push(s("full_name", get(params, "full_name")));
            f.push(s("id_number", get(params, "id_number")));
            Outcome::Later(f)
        }
        "picturematch" => Outcome::Now(face_fields(
            image_score(params, "image1").min(image_score(params, "image2")),
            60,
        )),
        "idcardidentify" => {
            let m = decode_image(get(params, "id_pic"))
                .map(|b| scenario::marks(&b))
                .unwrap_or_default();
            Outcome::Later(vec![
                s("resp_code", "00"),
                s("resp_info", "识别成功"),
                s("full_name", m.name.unwrap_or_else(|| "张三".into())),
                s(
                    "id_number",
                    m.id.unwrap_or_else(|| "110101200007282906".into()),
                ),
                s("addr", "北京市东城区景山前街4号"),
                s("issue", "北京市公安局东城分局"),
                s("expirydate", "20200101-20400101"),
            ])
        }
        "bankcardidentify" => {
            let m = decode_image(get(params, "bank_card_pic"))
                .map(|b| scenario::marks(&b))
                .unwrap_or_default();
            Outcome::Later(vec![
                s("resp_code", "00"),
                s("resp_info", "识别成功"),
                s(
                    "bank_card",
                    m.card.unwrap_or_else(|| "6222020200112233445".into()),
                ),
            ])
        }
        "faceregister" => {
            let resp = json!([{ "respCd": "000001", "respInfo": "成功", "groupId": get(params, "group_ids").split(';').next().unwrap_or(""),
                "personId": get(params, "person_id"), "faceId": format!("F{seq_id}") }]);
            Outcome::Now(vec![s("face_set_resp", resp.to_string())])
        }
        "faceretrieve" => {
            let score = image_score(params, "image");
            let list = json!([{ "personId": "P0001", "fileId": "J20170504123698547", "personName": "张三", "score": score.to_string() }]);
            Outcome::Later(vec![
                s("resp_code", "00"),
                s("resp_info", "检索成功"),
                s("face_identify_list", list.to_string()),
            ])
        }
        "defensehack" => {
            let score = image_score(params, "video_pic");
            let (code, info) = if score >= 60 {
                ("00", "未发现Hack")
            } else {
                ("01", "疑似Hack攻击")
            };
            Outcome::Now(vec![
                s("resp_code", code),
                s("resp_info", info),
                s("score", score.to_string()),
            ])
        }
        "licenseocr" => Outcome::Now(vec![
            s("credit_code", "9131212736617E"),
            s("reg_no", ""),
            s("ent_name", "上海晨星数据服务有限公司"),
            s("ent_type", "有限责任公司"),
            s("address", "上海市浦东新区新华路路123号"),
            s("fr_name", "张伟"),
            s("reg_cap", "壹仟万元整"),
            s("es_date", "2015年08月28日"),
            s(
                "operate_scope",
                "为银行卡支付、转帐业务提供技术平台,软件开发、数据处理服务和相关服务",
            ),
            s("open_range", "2015年08月28日至2035年08月28日"),
            s("serial_no", ""),
            s("org_code", ""),
            s("duty_no", ""),
            s("form", ""),
        ]),
        "antilaunderquery" => {
            let hit = if person == Verdict::Mismatch {
                "Y"
            } else {
                "N"
            };
            let list = json!({ "blackSign": "999", "blackPriorityLevel": "", "blackLisCheckResult": [
                { "fromSys": [], "priorityLevel": "", "kind": "008", "value": get(params, "full_name"), "hitResult": hit }] });
            Outcome::Now(vec![
                s("pep_result", ""),
                s("black_list_result", list.to_string()),
            ])
        }
        "getmagicmirror" => {
            let score = if person == Verdict::Mismatch {
                "420"
            } else {
                "680"
            };
            Outcome::Now(vec![
                s("resp_code", "00"),
                s("resp_info", "查询成功"),
                s("credit_score", score),
            ])
        }
        "getyyfinanceinfo" => Outcome::Now(vec![
            s("resp_code", "00"),
            s("resp_info", "查询成功"),
            s("data_count", "0"),
            s("data", "[]"),
        ]),
        "antifraudquery" => {
            let (found, risk) = match person {
                Verdict::NoRecord => ("-1", "0"),
                Verdict::Mismatch => ("1", "88"),
                _ => ("1", "12"),
            };
            Outcome::Now(vec![
                s("resp_code", "00"),
                s("resp_info", "查询成功"),
                s("found", found),
                s("id_found", found),
                s("risk_score", risk),
                s("risk_info", "[]"),
            ])
        }
        "getloaninfo" => {
            let trx = format!(
                "{:032x}",
                u128::from(shared.next()) << 64 | now_millis().unsigned_abs() as u128
            );
            let loans = if person == Verdict::NoRecord {
                json!([])
            } else {
                json!([{ "borrowType": "1", "borrowState": "2", "borrowAmount": "2", "contractDate": "1546272000000",
                    "loanPeriod": "12", "repayState": "1", "arrearsAmount": "0", "companyCode": "C001" }])
            };
            Outcome::Later(vec![
                s("resp_code", "00"),
                s("resp_info", "查询成功"),
                s("trxNo", trx),
                s("loanInfos", loans.to_string()),
            ])
        }
        _ => moxie(shared, check, params),
    }
}

/// Moxie carrier flows: task → code → status → report, and password reset.
fn moxie(shared: &Shared, check: &Check, params: &Fields) -> Outcome {
    let task_id = get(params, "task_id");
    let result = |v: Value| Outcome::Now(vec![s("result", v.to_string())]);
    let mut st = shared.lock();
    let now = Instant::now();
    match check.name {
        "getmoxietask" | "getmoxieresettask" => {
            let reset = check.name == "getmoxieresettask";
            if !reset && get(params, "password") == "000000" {
                return Outcome::Failed("请求失败:服务密码错误".into());
            }
            st.counter += 1;
            let id = format!("TASK{}{:04}", now_millis(), st.counter % 10_000);
            st.moxie.insert(
                id.clone(),
                MoxieTask {
                    mobile: get(params, "mobile").into(),
                    state: MoxieState::WaitCode,
                    ready: now,
                    reset,
                    mer_bg_url: get(params, "mer_bg_url").into(),
                },
            );
            result(json!({ "task_id": id, "status": "WAIT_CODE", "message": "验证码已发送" }))
        }
        "getmoxiemobile" => {
            let carrier = mobile::parse_mobile(get(params, "mobile"))
                .map(|m| m.carrier_hint().zh())
                .unwrap_or("");
            result(
                json!({ "mobile": get(params, "mobile"), "carrier": carrier, "channel": "online" }),
            )
        }
        _ => {
            let Some(task) = st.moxie.get_mut(task_id) else {
                return Outcome::Failed("请求失败:任务不存在".into());
            };
            if task.state == MoxieState::Collecting && task.ready <= now {
                task.state = MoxieState::Done;
            }
            match check.name {
                "getmoxieverifycode" => result(
                    json!({ "task_id": task_id, "message_type": get(params, "message_type"), "sent": true }),
                ),
                "getmoxieinput" => {
                    if task.reset || task.state != MoxieState::WaitCode {
                        return Outcome::Failed("请求失败:任务当前不需要验证码".into());
                    }
                    if get(params, "verify_code") != "123456" {
                        return Outcome::Failed("请求失败:验证码错误".into());
                    }
                    task.state = MoxieState::Collecting;
                    task.ready = now + shared.config.realme_delay;
                    result(json!({ "task_id": task_id, "status": "COLLECTING" }))
                }
                "getmoxieresetinput" => {
                    let list: Vec<Value> =
                        serde_json::from_str(get(params, "verify_code_list")).unwrap_or_default();
                    let has = |t: &str| list.iter().any(|e| e["type"] == t);
                    if !task.reset || !has("sms") || !has("pwd") {
                        return Outcome::Failed("请求失败:需同时提供短信验证码与新密码".into());
                    }
                    if list
                        .iter()
                        .any(|e| e["type"] == "sms" && e["value"] != "123456")
                    {
                        return Outcome::Failed("请求失败:验证码错误".into());
                    }
                    task.state = MoxieState::Done;
                    result(json!({ "task_id": task_id, "status": "RESET_DONE" }))
                }
                "getmoxiestatus" => {
                    let status = match task.state {
                        MoxieState::WaitCode => "WAIT_CODE",
                        MoxieState::Collecting => "COLLECTING",
                        MoxieState::Done => "DONE",
                    };
                    result(json!({ "task_id": task_id, "status": status }))
                }
                "getmoxiereport" | "getmoxiedata" => {
                    if task.mobile != get(params, "mobile") {
                        return Outcome::Failed("请求失败:手机号与任务不符".into());
                    }
                    if task.state != MoxieState::Done || task.reset {
                        return Outcome::Failed("请求失败:报告尚未生成".into());
                    }
                    let body = if check.name == "getmoxiereport" {
                        json!({ "task_id": task_id, "report": { "mobile": task.mobile, "months": 6, "avg_bill": "58.00" } })
                    } else {
                        json!({ "task_id": task_id, "bills": [{ "month": "202610", "amount": "58.00" }] })
                    };
                    result(body)
                }
                _ => Outcome::Failed("请求失败".into()),
            }
        }
    }
}

/// `POST /api/realme/{version}/trade/{name}`.
pub async fn trade(
    State(shared): State<Arc<Shared>>,
    Path((version, name)): Path<(String, String)>,
    record: Option<axum::Extension<RecordId>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let Some(check) = realme::check(&name).filter(|c| c.version == version) else {
        return refusal_response(
            Refusal(StatusCode::NOT_FOUND, "90103".into(), "接口不存在".into()),
            None,
        );
    };
    let parsed: Fields = serde_urlencoded::from_bytes(&body).unwrap_or_default();
    shared.annotate(record.map(|r| r.0), redact(check, &parsed));
    let params = match admit(&shared, &body, Some(&headers), true) {
        Ok(p) => p,
        Err(r) => {
            let order = (get(&parsed, "order_date"), get(&parsed, "order_id"));
            return refusal_response(
                r,
                Some(order).filter(|(d, i)| !d.is_empty() && !i.is_empty()),
            );
        }
    };
    let (order_date, order_id) = (
        get(&params, "order_date").to_owned(),
        get(&params, "order_id").to_owned(),
    );
    if let Err(r) = validate_params(check, &params) {
        return refusal_response(r, Some((&order_date, &order_id)));
    }
    let seq_id = format!("{}{:06}", now_millis(), shared.next() % 1_000_000);
    let common = |code: &str, msg: &str| {
        vec![
            ("return_code".to_owned(), json!(code)),
            ("return_message".to_owned(), json!(msg)),
            ("realme_date".to_owned(), json!(china_yyyymmdd())),
            ("seq_id".to_owned(), json!(seq_id)),
            ("order_date".to_owned(), json!(order_date)),
            ("order_id".to_owned(), json!(order_id)),
        ]
    };
    match outcome(&shared, check, &params, &seq_id) {
        Outcome::Failed(msg) => reply(StatusCode::OK, common(&check.failure_code(), &msg)),
        Outcome::Now(fields) => {
            // Sync checks and cardcheck's sync branch answer with the table's accepted code.
            let mut f = common(check.accepted_code, "成功");
            f.extend(fields.into_iter().map(|(k, v)| (k, json!(v))));
            reply(StatusCode::OK, f)
        }
        Outcome::Later(fields) => {
            let accepted = if check.mode == Mode::Either {
                format!("{}01", check.interface)
            } else {
                check.accepted_code.to_owned()
            };
            schedule(&shared, check, &params, &seq_id, fields);
            reply(StatusCode::OK, common(&accepted, "请求成功,需等待异步结果"))
        }
    }
}

/// Store an async result and, with `mer_bg_url`, queue its signed notification.
fn schedule(shared: &Shared, check: &'static Check, params: &Fields, seq_id: &str, fields: Fields) {
    let ready = Instant::now() + shared.config.realme_delay;
    let order_id = get(params, "order_id").to_owned();
    let url = get(params, "mer_bg_url").to_owned();
    let withheld = !url.is_empty()
        && faults::take(
            shared,
            &format!("/api/realme/{}", check.path()),
            &[faults::Mode::WithholdCallback],
        )
        .is_some();
    let mut s = shared.lock();
    s.realme_results.insert(
        seq_id.to_owned(),
        AsyncResult {
            check: check.name,
            order_id: order_id.clone(),
            order_date: get(params, "order_date").to_owned(),
            ready,
            fields: fields.clone(),
        },
    );
    s.realme_seq_by_order
        .insert(order_id.clone(), seq_id.to_owned());
    if url.is_empty() {
        return;
    }
    let mut note = vec![
        ("seq_id".to_owned(), seq_id.to_owned()),
        ("order_id".to_owned(), order_id),
        ("return_code".to_owned(), format!("{}00", check.interface)),
        ("return_message".to_owned(), "成功".to_owned()),
    ];
    note.extend(fields);
    let sig = sign::realme_sign(
        note.iter().map(|(k, v)| (k.as_str(), v.as_str())),
        &shared.config.realme_sign_key,
    );
    note.push(("sign".to_owned(), sig));
    s.pending.push(Pending {
        vendor: "realme",
        endpoint: format!("/api/realme/{}", check.path()),
        url,
        fields: note,
        due: ready,
        withheld,
    });
}

/// `GET /api/realme/v4/checkresult?…`: 20011 unknown, 20012 pending, 20000 with the result.
pub async fn checkresult(
    State(shared): State<Arc<Shared>>,
    record: Option<axum::Extension<RecordId>>,
    RawQuery(query): RawQuery,
) -> Response {
    let query = query.unwrap_or_default();
    let parsed: Fields = serde_urlencoded::from_str(&query).unwrap_or_default();
    shared.annotate(record.map(|r| r.0), parsed.clone());
    // The caller may repeat the original order_id here, so no duplicate check.
    let params = match admit(&shared, query.as_bytes(), None, false) {
        Ok(p) => p,
        Err(r) => return refusal_response(r, None),
    };
    let seq = get(&params, "seq_id").to_owned();
    let (order_date, order_id) = (
        get(&params, "order_date").to_owned(),
        get(&params, "order_id").to_owned(),
    );
    let found = {
        let s = shared.lock();
        let key = if seq.is_empty() {
            s.realme_seq_by_order
                .get(&order_id)
                .cloned()
                .unwrap_or_default()
        } else {
            seq.clone()
        };
        s.realme_results.get(&key).cloned().map(|r| (key, r))
    };
    let mut f = vec![
        ("realme_date".to_owned(), json!(china_yyyymmdd())),
        ("order_date".to_owned(), json!(order_date)),
        ("order_id".to_owned(), json!(order_id)),
    ];
    let Some((seq_id, result)) = found else {
        f.insert(
            0,
            ("return_code".into(), json!(realme::CHECKRESULT_UNKNOWN)),
        );
        f.insert(1, ("return_message".into(), json!("没有查询到该笔验证")));
        return reply(StatusCode::OK, f);
    };
    f.push(("seq_id".into(), json!(seq_id)));
    if result.ready > Instant::now() {
        f.insert(
            0,
            ("return_code".into(), json!(realme::CHECKRESULT_PENDING)),
        );
        f.insert(1, ("return_message".into(), json!("该笔正在验证中")));
        return reply(StatusCode::OK, f);
    }
    f.insert(0, ("return_code".into(), json!(realme::CHECKRESULT_DONE)));
    f.insert(1, ("return_message".into(), json!("成功")));
    f.push(("check".into(), json!(result.check)));
    f.push(("original_order_date".into(), json!(result.order_date)));
    f.extend(result.fields.into_iter().map(|(k, v)| (k, json!(v))));
    reply(StatusCode::OK, f)
}

/// For the request log: secrets never kept, images summarised.
fn redact(check: &Check, params: &Fields) -> Fields {
    params
        .iter()
        .map(|(k, v)| {
            let kind = check.params.iter().find(|p| p.name == k).map(|p| p.kind);
            let shown = match kind {
                Some(Kind::Secret | Kind::CodeList) => "***".to_owned(),
                Some(Kind::Image) => match decode_image(v) {
                    Some(b) => crate::fields::describe_bytes(&b),
                    None => format!("<not an image, {} chars>", v.len()),
                },
                _ => v.clone(),
            };
            (k.clone(), shown)
        })
        .collect()
}
