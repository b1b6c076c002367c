//! An agent's form for one of RealMe's 27 identity checks, validated against the declarative
//! table in [`crate::realme`] before the edge signs and sends it.
//!
//! Every parameter is checked by its [`Kind`] with the same acceptance as the upstream sandbox
//! (which enforces the same table), never looser; a few kinds are deliberately stricter: bank
//! cards must pass the Luhn check, URLs need a host and no whitespace, secrets are at most 64
//! characters, text and secrets may not hold control characters, and a code list has at most
//! ten entries. The cross-field [`Rule`]s are checked after the fields. Every problem is
//! reported at once, each with a stable code and words in Chinese and English that name the
//! field by its label.
//!
//! The values returned for sending are normalised so the vendor accepts them as sent:
//! trimmed, ID numbers with an upper-case `X`, mobile numbers as their 11 digits, bank cards
//! without spaces, images as bare BASE64. The parameters the edge sets itself ([`EDGE_SET`])
//! are never taken from the agent and never returned.
//!
//! Pure: no I/O and no clock, so it runs natively, in the edge worker and in the browser.

use std::collections::BTreeMap;

use base64::Engine;
use serde::{Deserialize, Serialize};
use time::Date;

use crate::{
    ValidationError, idcard, mobile, name, photo,
    realme::{Check, Kind, Param, Rule},
};

/// Parameters the edge fills in itself, never the agent: `mer_bg_url` (the edge's own callback
/// URL) and `source_channel` (the edge sends "0").
pub const EDGE_SET: [&str; 2] = ["mer_bg_url", "source_channel"];

/// Longest secret (carrier password, verification code, CVV2), in characters.
const SECRET_MAX_CHARS: usize = 64;
/// Longest free text, in characters (the table's 1–256).
const TEXT_MAX_CHARS: usize = 256;
/// Most entries in a Moxie `verify_code_list`.
const CODE_LIST_MAX_ITEMS: usize = 10;
/// Longest BASE64 text that can decode to at most [`photo::PHOTO_MAX_BYTES`] bytes.
const IMAGE_MAX_BASE64_CHARS: usize = photo::PHOTO_MAX_BYTES.div_ceil(3) * 4;
/// How much of an unknown key is quoted back in a message.
const KEY_QUOTE_MAX_CHARS: usize = 64;

/// The parameters an agent fills in for `check` (the table's params minus [`EDGE_SET`]), in
/// table order.
pub fn agent_params(check: &Check) -> impl Iterator<Item = &'static Param> + use<> {
    let params: &'static [Param] = check.params;
    params.iter().filter(|p| !EDGE_SET.contains(&p.name))
}

/// One problem with one field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ParamIssue {
    /// The parameter's wire name (e.g. `id_number`), or for a cross-field rule the first field
    /// the rule names.
    pub param: String,
    /// Stable machine code: `required`, `invalid_name`, `invalid_id_number`, `invalid_mobile`,
    /// `invalid_image`, `invalid_bank_card` (digits/length), `bank_card_checksum` (Luhn),
    /// `not_allowed` (OneOf), `invalid_url`, `invalid_date`, `invalid_month_year`,
    /// `invalid_secret`, `invalid_code_list`, `invalid_ip`, `invalid_text`, `unknown_param`,
    /// `rule_any_of`, `rule_name_plus_two`, `rule_image_or_file_id`.
    pub code: String,
    /// Chinese words for the agent, naming the field by its `label_zh`.
    pub message_zh: String,
    /// English words, naming the field by its `label_en`.
    pub message_en: String,
}

fn issue(param: &str, code: &str, message_zh: String, message_en: String) -> ParamIssue {
    ParamIssue {
        param: param.to_owned(),
        code: code.to_owned(),
        message_zh,
        message_en,
    }
}

/// Validate `fields` (wire name → value as typed) for `check`. On success, the values to send,
/// normalised (trimmed; ID numbers upper-case X; mobile digits only; images with any
/// `data:…;base64,` prefix and whitespace removed; dates/months as given once valid), in table
/// order, only non-empty ones, never including [`EDGE_SET`] params. On failure, every problem
/// (not just the first), in table order, then keys that are not this check's agent
/// parameters, then rule problems.
///
/// Without a clock, an ID number's birth date is not compared with today; callers that know
/// the date (the edge) use [`validate_form_on`], which also refuses future birth dates as the
/// vendor does.
pub fn validate_form(
    check: &Check,
    fields: &BTreeMap<String, String>,
) -> Result<Vec<(&'static str, String)>, Vec<ParamIssue>> {
    validate_form_on(check, fields, Date::MAX)
}

/// [`validate_form`] as of `today` (the date in China): an ID number whose birth date is
/// after `today` is refused too.
pub fn validate_form_on(
    check: &Check,
    fields: &BTreeMap<String, String>,
    today: Date,
) -> Result<Vec<(&'static str, String)>, Vec<ParamIssue>> {
    let mut issues = Vec::new();
    let mut values: Vec<(&'static str, String)> = Vec::new();
    for p in agent_params(check) {
        let v = fields.get(p.name).map_or("", |v| v.trim());
        if v.is_empty() {
            if p.required {
                issues.push(issue(
                    p.name,
                    "required",
                    format!("请填写{}", p.label_zh),
                    format!("Enter the {}", p.label_en),
                ));
            }
            continue;
        }
        match check_value(p, v, today) {
            Ok(v) => values.push((p.name, v)),
            Err(e) => issues.push(e),
        }
    }
    for key in fields.keys() {
        if !agent_params(check).any(|p| p.name == key) {
            issues.push(unknown_param(key));
        }
    }
    if let Some(e) = rule_issue(check, fields, &values) {
        issues.push(e);
    }
    if issues.is_empty() {
        Ok(values)
    } else {
        Err(issues)
    }
}

/// Whether a parameter is a secret (Kind::Secret or Kind::CodeList — carrier passwords and
/// codes): never stored or logged by callers.
pub fn is_secret(param: &Param) -> bool {
    matches!(param.kind, Kind::Secret | Kind::CodeList)
}

/// Luhn checksum over a string of ASCII digits (`false` if empty or anything else is in it).
pub fn luhn_ok(digits: &str) -> bool {
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return false;
    }
    let sum: u32 = digits
        .bytes()
        .rev()
        .enumerate()
        .map(|(i, b)| {
            let d = u32::from(b - b'0');
            if i % 2 == 1 {
                let d2 = d * 2;
                if d2 > 9 { d2 - 9 } else { d2 }
            } else {
                d
            }
        })
        .sum();
    sum.is_multiple_of(10)
}

fn unknown_param(key: &str) -> ParamIssue {
    let quoted: String = key.chars().take(KEY_QUOTE_MAX_CHARS).collect();
    if EDGE_SET.contains(&key) {
        issue(
            key,
            "unknown_param",
            format!("{quoted}由系统自动填写，请勿填写"),
            format!("{quoted} is filled in by the system; leave it out"),
        )
    } else {
        issue(
            key,
            "unknown_param",
            format!("此项检查不接受参数{quoted}"),
            format!("This check does not take the parameter {quoted}"),
        )
    }
}

/// The labels of the check's parameter `name` (the name itself if the table lacks it).
fn labels(check: &Check, name: &'static str) -> (&'static str, &'static str) {
    check
        .params
        .iter()
        .find(|p| p.name == name)
        .map_or((name, name), |p| (p.label_zh, p.label_en))
}

fn joined_labels(check: &Check, names: &[&'static str]) -> (String, String) {
    let (zh, en): (Vec<_>, Vec<_>) = names.iter().map(|n| labels(check, n)).unzip();
    (zh.join("、"), en.join(", "))
}

/// The check's cross-field rule, after the fields: `values` holds the valid ones.
fn rule_issue(
    check: &Check,
    fields: &BTreeMap<String, String>,
    values: &[(&'static str, String)],
) -> Option<ParamIssue> {
    let present = |k: &str| fields.get(k).is_some_and(|v| !v.trim().is_empty());
    let valid = |k: &str| values.iter().any(|(n, _)| *n == k);
    match check.rule {
        Rule::None => None,
        Rule::AnyOf(list) => {
            if list.iter().any(|k| valid(k)) {
                return None;
            }
            let first = list.first().copied().unwrap_or("");
            let (zh, en) = match list {
                [one] => {
                    let (zh, en) = labels(check, one);
                    (format!("请填写{zh}"), format!("Enter the {en}"))
                }
                _ => {
                    let (zh, en) = joined_labels(check, list);
                    (
                        format!("请至少正确填写以下一项：{zh}"),
                        format!("Enter a valid value for at least one of: {en}"),
                    )
                }
            };
            Some(issue(first, "rule_any_of", zh, en))
        }
        Rule::NamePlusTwoOf(list) => {
            if present("full_name") && list.iter().filter(|k| present(k)).count() >= 2 {
                return None;
            }
            let (name_zh, name_en) = labels(check, "full_name");
            let (zh, en) = joined_labels(check, list);
            Some(issue(
                "full_name",
                "rule_name_plus_two",
                format!("请填写{name_zh}，并至少填写以下两项：{zh}"),
                format!("Enter the {name_en} and at least two of: {en}"),
            ))
        }
        Rule::ImageOrFileId => {
            if present("image") || present("file_id") {
                return None;
            }
            let (image_zh, image_en) = labels(check, "image");
            let (file_zh, file_en) = labels(check, "file_id");
            Some(issue(
                "image",
                "rule_image_or_file_id",
                format!("请填写{image_zh}或{file_zh}"),
                format!("Enter the {image_en} or the {file_en}"),
            ))
        }
    }
}

/// Check one trimmed, non-empty value by its parameter's kind; the value to send.
fn check_value(p: &Param, v: &str, today: Date) -> Result<String, ParamIssue> {
    let (zh, en) = (p.label_zh, p.label_en);
    let bad = |code: &str, message_zh: String, message_en: String| {
        issue(p.name, code, message_zh, message_en)
    };
    match p.kind {
        Kind::Name => name::parse_name(v).map_err(|e| {
            let (mz, me) = match e {
                ValidationError::NameLength => (
                    format!("{zh}应为2至20个字"),
                    format!("The {en} must be 2 to 20 characters"),
                ),
                _ => (
                    format!("{zh}只能包含汉字和间隔号·"),
                    format!("The {en} may only contain Chinese characters and the middle dot ·"),
                ),
            };
            bad("invalid_name", mz, me)
        }),
        Kind::IdNumber => idcard::parse_resident_id(v, today)
            .map(|id| id.as_str().to_owned())
            .map_err(|e| {
                let (mz, me) = match e {
                    ValidationError::IdLength => (
                        format!("{zh}应为18位"),
                        format!("The {en} must be 18 characters"),
                    ),
                    ValidationError::IdChecksum => (
                        format!("{zh}校验位不正确，请核对"),
                        format!("The {en}'s check character is wrong; check it"),
                    ),
                    ValidationError::IdBirthDate => (
                        format!("{zh}中的出生日期无效"),
                        format!("The birth date in the {en} is not a real date"),
                    ),
                    ValidationError::IdFutureBirthDate => (
                        format!("{zh}中的出生日期晚于今天"),
                        format!("The birth date in the {en} is in the future"),
                    ),
                    ValidationError::IdProvince => (
                        format!("{zh}前两位不是有效的省份代码"),
                        format!("The {en} does not start with a valid province code"),
                    ),
                    _ => (
                        format!("{zh}只能包含数字，最后一位可以是X"),
                        format!("The {en} may only contain digits, with X allowed last"),
                    ),
                };
                bad("invalid_id_number", mz, me)
            }),
        Kind::Mobile => mobile::parse_mobile(v)
            .map(|m| m.as_str().to_owned())
            .map_err(|e| {
                let (mz, me) = match e {
                    ValidationError::MobilePrefix => (
                        format!("{zh}号段不存在，请核对"),
                        format!("The {en} has a prefix no carrier uses; check it"),
                    ),
                    _ => (
                        format!("{zh}应为11位数字"),
                        format!("The {en} must be 11 digits"),
                    ),
                };
                bad("invalid_mobile", mz, me)
            }),
        Kind::Image => check_image(v).map_err(|e| {
            let (mz, me) = match e {
                ImageError::NotBase64 => (
                    format!("{zh}不是有效的BASE64编码"),
                    format!("The {en} is not valid BASE64"),
                ),
                ImageError::NotPhoto => (
                    format!("{zh}必须是JPEG或PNG图片"),
                    format!("The {en} must be a JPEG or PNG image"),
                ),
                ImageError::TooLarge => (
                    format!("{zh}不能大于2MB"),
                    format!("The {en} must be at most 2 MB"),
                ),
            };
            bad("invalid_image", mz, me)
        }),
        Kind::BankCard => {
            let digits: String = v.chars().filter(|&c| c != ' ').collect();
            if !(12..=19).contains(&digits.len()) || !digits.bytes().all(|b| b.is_ascii_digit()) {
                Err(bad(
                    "invalid_bank_card",
                    format!("{zh}应为12至19位数字"),
                    format!("The {en} must be 12 to 19 digits"),
                ))
            } else if !luhn_ok(&digits) {
                Err(bad(
                    "bank_card_checksum",
                    format!("{zh}校验位不正确，请核对"),
                    format!("The {en}'s check digit is wrong; check it"),
                ))
            } else {
                Ok(digits)
            }
        }
        Kind::OneOf(options) => {
            if options.contains(&v) {
                Ok(v.to_owned())
            } else {
                Err(bad(
                    "not_allowed",
                    format!("{zh}只能是以下之一：{}", options.join("、")),
                    format!("The {en} must be one of: {}", options.join(", ")),
                ))
            }
        }
        Kind::Url => ok_or(
            url_ok(v),
            v,
            bad(
                "invalid_url",
                format!("{zh}必须是以http://或https://开头的完整网址"),
                format!("The {en} must be a full http:// or https:// URL"),
            ),
        ),
        Kind::Date => ok_or(
            idcard::parse_yyyymmdd(v).is_some(),
            v,
            bad(
                "invalid_date",
                format!("{zh}应为有效日期，格式YYYYMMDD"),
                format!("The {en} must be a real date written YYYYMMDD"),
            ),
        ),
        Kind::MonthYear => ok_or(
            month_year_ok(v),
            v,
            bad(
                "invalid_month_year",
                format!("{zh}应为4位数字mmyy，月份01至12"),
                format!("The {en} must be four digits mmyy with a month from 01 to 12"),
            ),
        ),
        Kind::Secret => ok_or(
            plain_text_ok(v, SECRET_MAX_CHARS),
            v,
            bad(
                "invalid_secret",
                format!("{zh}应为1至{SECRET_MAX_CHARS}个字符，且不含控制字符"),
                format!(
                    "The {en} must be 1 to {SECRET_MAX_CHARS} characters with no control characters"
                ),
            ),
        ),
        Kind::CodeList => ok_or(
            code_list_ok(v),
            v,
            bad(
                "invalid_code_list",
                format!(
                    "{zh}应为JSON数组（1至{CODE_LIST_MAX_ITEMS}项），每项包含字符串type和value"
                ),
                format!(
                    "The {en} must be a JSON array of 1 to {CODE_LIST_MAX_ITEMS} objects, each with a string type and value"
                ),
            ),
        ),
        Kind::Ip => ok_or(
            v.parse::<std::net::IpAddr>().is_ok(),
            v,
            bad(
                "invalid_ip",
                format!("{zh}不是有效的IP地址"),
                format!("The {en} is not a valid IP address"),
            ),
        ),
        Kind::Text => ok_or(
            plain_text_ok(v, TEXT_MAX_CHARS),
            v,
            bad(
                "invalid_text",
                format!("{zh}应为1至{TEXT_MAX_CHARS}个字符，且不含控制字符或不可见字符"),
                format!(
                    "The {en} must be 1 to {TEXT_MAX_CHARS} characters with no control or invisible characters"
                ),
            ),
        ),
    }
}

fn ok_or(ok: bool, v: &str, e: ParamIssue) -> Result<String, ParamIssue> {
    if ok { Ok(v.to_owned()) } else { Err(e) }
}

/// Why an image parameter was refused.
enum ImageError {
    NotBase64,
    NotPhoto,
    TooLarge,
}

/// The bare BASE64 of a JPEG or PNG of at most 2 MB: a `data:…;base64,` prefix and all
/// whitespace removed, the standard alphabet with canonical padding (as the vendor decodes).
fn check_image(v: &str) -> Result<String, ImageError> {
    let b64 = match v.split_once(";base64,") {
        Some((head, rest)) if head.starts_with("data:") => rest,
        _ => v,
    };
    let cleaned: String = b64.chars().filter(|c| !c.is_whitespace()).collect();
    if cleaned.len() > IMAGE_MAX_BASE64_CHARS {
        return Err(ImageError::TooLarge);
    }
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(&cleaned)
        .map_err(|_| ImageError::NotBase64)?;
    match photo::check_photo(&bytes) {
        Ok(_) => Ok(cleaned),
        Err(ValidationError::PhotoTooLarge) => Err(ImageError::TooLarge),
        Err(_) => Err(ImageError::NotPhoto),
    }
}

/// `http://` or `https://`, a non-empty host, no whitespace or control characters.
fn url_ok(v: &str) -> bool {
    if v.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return false;
    }
    let Some(rest) = v
        .strip_prefix("https://")
        .or_else(|| v.strip_prefix("http://"))
    else {
        return false;
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let host_port = authority.rsplit('@').next().unwrap_or("");
    let host = if let Some(v6) = host_port.strip_prefix('[') {
        v6.split(']').next().unwrap_or("")
    } else {
        host_port.split(':').next().unwrap_or("")
    };
    !host.is_empty()
}

/// `mmyy`: four ASCII digits, month 01–12.
fn month_year_ok(v: &str) -> bool {
    v.len() == 4
        && v.bytes().all(|b| b.is_ascii_digit())
        && matches!(v[..2].parse::<u8>(), Ok(1..=12))
}

/// 1–`max` characters, none of them control characters or invisible format characters
/// (bidirectional overrides and isolates, zero-width characters, the BOM), which can make
/// a value display as something it is not.
fn plain_text_ok(v: &str, max: usize) -> bool {
    (1..=max).contains(&v.chars().count()) && !v.chars().any(|c| c.is_control() || invisible(c))
}

/// Unicode format characters that change how text displays without showing.
fn invisible(c: char) -> bool {
    matches!(c, '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{2069}' | '\u{FEFF}' | '\u{061C}')
}

/// A JSON array of 1–10 objects, each with a string `type` and a string `value`.
fn code_list_ok(v: &str) -> bool {
    serde_json::from_str::<Vec<serde_json::Value>>(v).is_ok_and(|list| {
        (1..=CODE_LIST_MAX_ITEMS).contains(&list.len())
            && list.iter().all(|e| {
                e.as_object().is_some_and(|o| {
                    o.get("type").is_some_and(serde_json::Value::is_string)
                        && o.get("value").is_some_and(serde_json::Value::is_string)
                })
            })
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use crate::realme::{CHECKS, check};
    use proptest::prelude::*;
    use time::Month;

    fn today() -> Date {
        Date::from_calendar_date(2026, Month::November, 22).unwrap()
    }

    fn b64(bytes: &[u8]) -> String {
        base64::engine::general_purpose::STANDARD.encode(bytes)
    }

    /// A tiny JPEG: SOI, an APP0 marker, then anything.
    fn jpeg() -> String {
        b64(&[
            0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, b'J', b'F', b'I', b'F', 0x00,
        ])
    }

    /// A Luhn-valid 16-digit card (6222021234567890 is not; its check digit is 4).
    const CARD: &str = "6222021234567894";

    /// A valid value for a parameter of `kind` named `param`.
    fn sample(kind: Kind, param: &str) -> String {
        match (kind, param) {
            (_, "group_ids") => "g1;g2".into(),
            (_, "task_id") => "TASK17951234560001".into(),
            (Kind::Name, _) => "张三".into(),
            (Kind::IdNumber, _) => "110101200007282906".into(),
            (Kind::Mobile, _) => "13812345678".into(),
            (Kind::Image, _) => jpeg(),
            (Kind::BankCard, _) => CARD.into(),
            (Kind::OneOf(options), _) => options[0].into(),
            (Kind::Url, _) => "https://edge.example.com/realme/notify".into(),
            (Kind::Date, _) => "20240229".into(),
            (Kind::MonthYear, _) => "1228".into(),
            (Kind::Secret, _) => "123456".into(),
            (Kind::CodeList, _) => {
                r#"[{"type":"sms","value":"123456"},{"type":"pwd","value":"n3wpass"}]"#.into()
            }
            (Kind::Ip, _) => "203.0.113.7".into(),
            (Kind::Text, _) => "g1".into(),
        }
    }

    fn form(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    /// Every agent parameter of `c` filled with its sample.
    fn full_form(c: &Check) -> BTreeMap<String, String> {
        agent_params(c)
            .map(|p| (p.name.to_owned(), sample(p.kind, p.name)))
            .collect()
    }

    /// The required agent parameters plus just enough to satisfy the rule.
    fn minimal_form(c: &Check) -> BTreeMap<String, String> {
        let mut names: Vec<&str> = agent_params(c)
            .filter(|p| p.required)
            .map(|p| p.name)
            .collect();
        match c.rule {
            Rule::None => {}
            Rule::AnyOf(list) => names.push(list[0]),
            Rule::NamePlusTwoOf(list) => names.extend(["full_name", list[0], list[1]]),
            Rule::ImageOrFileId => names.push("image"),
        }
        names
            .into_iter()
            .map(|n| {
                let p = c.params.iter().find(|p| p.name == n).unwrap();
                (n.to_owned(), sample(p.kind, n))
            })
            .collect()
    }

    fn errors(c: &Check, f: &BTreeMap<String, String>) -> Vec<(String, String)> {
        validate_form_on(c, f, today())
            .expect_err("should fail")
            .into_iter()
            .map(|i| (i.param, i.code))
            .collect()
    }

    fn one_error(c: &str, pairs: &[(&str, &str)]) -> (String, String) {
        let c = check(c).unwrap();
        let mut f = minimal_form(c);
        for (k, v) in pairs {
            f.insert((*k).to_owned(), (*v).to_owned());
        }
        let e = errors(c, &f);
        assert_eq!(e.len(), 1, "{e:?}");
        e.into_iter().next().unwrap()
    }

    fn pair(param: &str, code: &str) -> (String, String) {
        (param.to_owned(), code.to_owned())
    }

    /// The sandbox's acceptance of one value (`sandbox/src/realme.rs`, `valid` and
    /// `fields::decode_image`), to show that what this module lets through, it accepts.
    fn sandbox_accepts(kind: Kind, v: &str) -> bool {
        match kind {
            Kind::Name => name::parse_name(v).is_ok_and(|n| n == v),
            Kind::IdNumber => {
                idcard::parse_resident_id(v, today()).is_ok_and(|id| id.as_str() == v)
            }
            Kind::Mobile => mobile::parse_mobile(v).is_ok_and(|m| m.as_str() == v),
            Kind::Image => {
                let b64 = match v.split_once(";base64,") {
                    Some((head, rest)) if head.starts_with("data:") => rest,
                    _ => v,
                };
                let cleaned: String = b64.chars().filter(|c| !c.is_whitespace()).collect();
                base64::engine::general_purpose::STANDARD
                    .decode(cleaned)
                    .is_ok_and(|b| photo::check_photo(&b).is_ok())
            }
            Kind::BankCard => (12..=19).contains(&v.len()) && v.bytes().all(|b| b.is_ascii_digit()),
            Kind::OneOf(options) => options.contains(&v),
            Kind::Url => v.starts_with("http://") || v.starts_with("https://"),
            Kind::Date => idcard::parse_yyyymmdd(v).is_some(),
            Kind::MonthYear => {
                v.len() == 4
                    && v.bytes().all(|b| b.is_ascii_digit())
                    && matches!(v[..2].parse::<u8>(), Ok(1..=12))
            }
            Kind::Secret | Kind::Text => !v.is_empty() && v.chars().count() <= 256,
            Kind::CodeList => serde_json::from_str::<Vec<serde_json::Value>>(v).is_ok_and(|list| {
                !list.is_empty()
                    && list
                        .iter()
                        .all(|e| e["type"].is_string() && e["value"].is_string())
            }),
            Kind::Ip => v.parse::<std::net::IpAddr>().is_ok(),
        }
    }

    /// A throwaway parameter of `kind`, for checking kinds no agent parameter has (Url).
    fn param_of(kind: Kind) -> Param {
        Param {
            name: "x",
            kind,
            required: true,
            label_zh: "某项",
            label_en: "Thing",
            hint_zh: "",
            hint_en: "",
        }
    }

    fn kind_result(kind: Kind, v: &str) -> Result<String, String> {
        check_value(&param_of(kind), v.trim(), today()).map_err(|e| e.code)
    }

    const ALL_KINDS: [Kind; 13] = [
        Kind::Name,
        Kind::IdNumber,
        Kind::Mobile,
        Kind::Image,
        Kind::BankCard,
        Kind::OneOf(&["E", "P"]),
        Kind::Url,
        Kind::Date,
        Kind::MonthYear,
        Kind::Secret,
        Kind::CodeList,
        Kind::Ip,
        Kind::Text,
    ];

    #[test]
    fn every_check_accepts_its_full_and_minimal_sample_forms() {
        assert_eq!(CHECKS.len(), 27);
        for c in CHECKS {
            for f in [full_form(c), minimal_form(c)] {
                let sent = validate_form_on(c, &f, today());
                assert!(sent.is_ok(), "{}: {sent:?}", c.name);
                let sent = sent.unwrap();
                assert!(
                    sent.iter().all(|(k, _)| !EDGE_SET.contains(k)),
                    "{}",
                    c.name
                );
                // Exactly the filled-in parameters, in table order.
                let want: Vec<&str> = agent_params(c)
                    .map(|p| p.name)
                    .filter(|n| f.contains_key(*n))
                    .collect();
                let got: Vec<&str> = sent.iter().map(|(k, _)| *k).collect();
                assert_eq!(got, want, "{}", c.name);
                // And the sandbox accepts every value as sent.
                for (k, v) in &sent {
                    let p = c.params.iter().find(|p| p.name == *k).unwrap();
                    assert!(sandbox_accepts(p.kind, v), "{}.{k}={v}", c.name);
                }
                // The clock-free variant agrees on a valid form.
                assert_eq!(validate_form(c, &f), Ok(sent), "{}", c.name);
            }
        }
    }

    #[test]
    fn agent_params_drop_the_edge_set_only() {
        for c in CHECKS {
            let agent: Vec<&str> = agent_params(c).map(|p| p.name).collect();
            let table: Vec<&str> = c
                .params
                .iter()
                .map(|p| p.name)
                .filter(|n| !EDGE_SET.contains(n))
                .collect();
            assert_eq!(agent, table, "{}", c.name);
            assert!(!agent.is_empty(), "{}", c.name);
        }
        let namecheck: Vec<&str> = agent_params(check("namecheck").unwrap())
            .map(|p| p.name)
            .collect();
        assert_eq!(
            namecheck,
            ["full_name", "id_number", "imei", "authorization_info"]
        );
    }

    #[test]
    fn rules_name_agent_params_only() {
        for c in CHECKS {
            let names: Vec<&str> = match c.rule {
                Rule::None => vec![],
                Rule::AnyOf(l) => l.to_vec(),
                Rule::NamePlusTwoOf(l) => [&["full_name"][..], l].concat(),
                Rule::ImageOrFileId => vec!["image", "file_id"],
            };
            for n in names {
                assert!(agent_params(c).any(|p| p.name == n), "{}: {n}", c.name);
            }
        }
    }

    #[test]
    fn invalid_values_per_kind() {
        let gif = b64(b"GIF89a....");
        let cases: &[(&str, &str, &str, &str)] = &[
            ("namecheck", "full_name", "张3", "invalid_name"),
            ("namecheck", "full_name", "张", "invalid_name"),
            (
                "namecheck",
                "id_number",
                "110101200007282907",
                "invalid_id_number",
            ),
            (
                "namecheck",
                "id_number",
                "11010120000728290",
                "invalid_id_number",
            ),
            // 9x is no province: the sandbox refuses it too.
            (
                "cardcheck",
                "id_number",
                "910101200007282906",
                "invalid_id_number",
            ),
            ("mobilecheck", "mobile_no", "12012345678", "invalid_mobile"),
            ("mobilecheck", "mobile_no", "1381234567", "invalid_mobile"),
            ("defensehack", "video_pic", &gif, "invalid_image"),
            ("defensehack", "video_pic", "not base64!", "invalid_image"),
            (
                "defensehack",
                "video_pic",
                "data:image/gif;base64,R0lGODlh",
                "invalid_image",
            ),
            (
                "cardcheck",
                "acct_no",
                "6222021234567890",
                "bank_card_checksum",
            ),
            ("cardcheck", "acct_no", "62220212345", "invalid_bank_card"),
            (
                "cardcheck",
                "acct_no",
                "62220212345678901234",
                "invalid_bank_card",
            ),
            (
                "cardcheck",
                "acct_no",
                "6222-0212-3456-7894",
                "invalid_bank_card",
            ),
            ("cardcheck", "acct_type", "X", "not_allowed"),
            ("cardcheck", "acct_type", "e", "not_allowed"),
            ("getyyfinanceinfo", "query_date", "20230231", "invalid_date"),
            (
                "getyyfinanceinfo",
                "query_date",
                "2024-02-29",
                "invalid_date",
            ),
            ("cardcheck", "valid_date", "1328", "invalid_month_year"),
            ("cardcheck", "valid_date", "0028", "invalid_month_year"),
            ("cardcheck", "valid_date", "12/28", "invalid_month_year"),
            (
                "getmoxieinput",
                "verify_code",
                &"1".repeat(65),
                "invalid_secret",
            ),
            (
                "getmoxieinput",
                "verify_code",
                "12\u{0}34",
                "invalid_secret",
            ),
            (
                "getmoxieresetinput",
                "verify_code_list",
                "{}",
                "invalid_code_list",
            ),
            (
                "getmoxieresetinput",
                "verify_code_list",
                r#"{"type":"sms","value":"1"}"#,
                "invalid_code_list",
            ),
            (
                "getmoxieresetinput",
                "verify_code_list",
                "[]",
                "invalid_code_list",
            ),
            (
                "getmoxieresetinput",
                "verify_code_list",
                r#"[{"type":"sms","value":123456}]"#,
                "invalid_code_list",
            ),
            ("antifraudquery", "user_ip", "256.1.1.1", "invalid_ip"),
            ("antifraudquery", "user_ip", "example.com", "invalid_ip"),
            ("namecheck", "imei", "a\nb", "invalid_text"),
            ("namecheck", "imei", &"x".repeat(257), "invalid_text"),
        ];
        for (c, param, v, code) in cases {
            assert_eq!(
                one_error(c, &[(param, v)]),
                pair(param, code),
                "{c}.{param}={v}"
            );
        }
        // A code list of eleven entries is refused (the sandbox takes any length).
        let eleven = format!("[{}]", [r#"{"type":"sms","value":"1"}"#; 11].join(","));
        assert_eq!(
            one_error("getmoxieresetinput", &[("verify_code_list", &eleven)]),
            pair("verify_code_list", "invalid_code_list")
        );
    }

    #[test]
    fn urls() {
        for ok in [
            "http://a",
            "https://edge.example.com/realme/notify?x=1",
            "https://user@host:8443/p",
            "http://[::1]:8788/cb",
            "http://127.0.0.1:8788",
        ] {
            assert_eq!(kind_result(Kind::Url, ok), Ok(ok.to_owned()), "{ok}");
        }
        for bad in [
            "ftp://host/x",
            "https://",
            "http:///path",
            "https://:443/x",
            "http://host/a b",
            "HTTP://host",
            "host/path",
            "https://user@/x",
        ] {
            assert_eq!(
                kind_result(Kind::Url, bad),
                Err("invalid_url".into()),
                "{bad}"
            );
        }
    }

    #[test]
    fn dates_and_leap_years() {
        for ok in ["20240229", "20000229", "20261122", "19991231"] {
            assert!(kind_result(Kind::Date, ok).is_ok(), "{ok}");
        }
        for bad in [
            "20230229", "19000229", "20230231", "20241301", "20240100", "2024022",
        ] {
            assert_eq!(
                kind_result(Kind::Date, bad),
                Err("invalid_date".into()),
                "{bad}"
            );
        }
        for ok in ["0128", "1299", "0600"] {
            assert!(kind_result(Kind::MonthYear, ok).is_ok(), "{ok}");
        }
    }

    #[test]
    fn images() {
        let j = jpeg();
        let png = b64(b"\x89PNG\r\n\x1a\n rest");
        assert_eq!(kind_result(Kind::Image, &png), Ok(png.clone()));
        assert_eq!(
            kind_result(Kind::Image, &format!("data:image/jpeg;base64,{j}")),
            Ok(j.clone())
        );
        let wrapped = format!("data:image/jpeg;base64,{}\n{}\r\n", &j[..8], &j[8..]);
        assert_eq!(kind_result(Kind::Image, &wrapped), Ok(j.clone()));
        // As the vendor decodes: standard alphabet, canonical padding.
        let unpadded = j.trim_end_matches('=');
        assert_ne!(unpadded, j, "the sample needs padding for this test");
        assert_eq!(
            kind_result(Kind::Image, unpadded),
            Err("invalid_image".into())
        );
        let url_safe = base64::engine::general_purpose::URL_SAFE.encode([0xFF, 0xD8, 0xFF, 0xFE]);
        assert_eq!(
            kind_result(Kind::Image, &url_safe),
            Err("invalid_image".into())
        );
        // A prefix and nothing else.
        assert_eq!(
            kind_result(Kind::Image, "data:image/jpeg;base64,"),
            Err("invalid_image".into())
        );
        // Larger than 2 MB: one byte over is caught by decoding, more by length alone.
        for extra in [1, 2, 3, 4] {
            let mut big = vec![0u8; photo::PHOTO_MAX_BYTES + extra];
            big[..3].copy_from_slice(&[0xFF, 0xD8, 0xFF]);
            let big = b64(&big);
            assert_eq!(big.len() > IMAGE_MAX_BASE64_CHARS, extra > 1, "{extra}");
            assert_eq!(kind_result(Kind::Image, &big), Err("invalid_image".into()));
        }
        let mut max = vec![0u8; photo::PHOTO_MAX_BYTES];
        max[..3].copy_from_slice(&[0xFF, 0xD8, 0xFF]);
        let max = b64(&max);
        assert_eq!(max.len(), IMAGE_MAX_BASE64_CHARS);
        assert!(kind_result(Kind::Image, &max).is_ok());
    }

    #[test]
    fn values_are_normalised() {
        let c = check("cardcheck").unwrap();
        let j = jpeg();
        let f = form(&[
            ("full_name", " 阿依古丽•买买提 "),
            ("id_number", " 11010519491231002x "),
            ("mobile_no", "+86 138-1234-5678"),
            ("acct_no", " 6222 0212 3456 7894 "),
            ("acct_type", " P "),
            ("valid_date", "0130"),
            ("cvv2", " 123 "),
            ("imei", ""),
        ]);
        let sent = validate_form_on(c, &f, today()).unwrap();
        assert_eq!(
            sent,
            vec![
                ("full_name", "阿依古丽·买买提".to_owned()),
                ("id_number", "11010519491231002X".to_owned()),
                ("mobile_no", "13812345678".to_owned()),
                ("acct_no", CARD.to_owned()),
                ("acct_type", "P".to_owned()),
                ("valid_date", "0130".to_owned()),
                ("cvv2", "123".to_owned()),
            ]
        );
        let c = check("defensehack").unwrap();
        let f = form(&[("video_pic", &format!(" data:image/png;base64,{j} "))]);
        assert_eq!(
            validate_form_on(c, &f, today()).unwrap(),
            vec![("video_pic", j)]
        );
    }

    #[test]
    fn cardcheck_takes_residence_permits() {
        // The vendor's test mock answers "mismatch" for IDs starting 8/9; an 81… Hong Kong
        // residence permit is a valid scenario input and must pass.
        let permit = format!(
            "81000019900101123{}",
            idcard::check_char("81000019900101123").unwrap()
        );
        let c = check("cardcheck").unwrap();
        let f = form(&[
            ("full_name", "张三"),
            ("id_number", &permit),
            ("acct_no", CARD),
        ]);
        let sent = validate_form_on(c, &f, today()).unwrap();
        assert!(sent.contains(&("id_number", permit.clone())));
        assert!(sandbox_accepts(Kind::IdNumber, &permit));
        // The sandbox's asynchronous branch (card ending in 9) stays reachable.
        let nine = "6222021234567829";
        assert!(luhn_ok(nine));
        let f = form(&[("full_name", "张三"), ("acct_no", nine)]);
        assert!(validate_form_on(c, &f, today()).is_ok());
    }

    #[test]
    fn future_birth_dates_need_a_date() {
        let c = check("namecheck").unwrap();
        let body = "11010120261123123";
        let id = format!("{body}{}", idcard::check_char(body).unwrap());
        let f = form(&[("full_name", "张三"), ("id_number", &id)]);
        assert_eq!(errors(c, &f), [pair("id_number", "invalid_id_number")]);
        let e = validate_form_on(c, &f, today()).unwrap_err();
        assert_eq!(e[0].message_zh, "身份证号中的出生日期晚于今天");
        assert!(validate_form(c, &f).is_ok());
    }

    #[test]
    fn missing_required_and_unknown_keys() {
        let c = check("namecheck").unwrap();
        let e = validate_form(c, &form(&[("full_name", "张三"), ("id_number", "  ")])).unwrap_err();
        assert_eq!(
            e,
            [ParamIssue {
                param: "id_number".into(),
                code: "required".into(),
                message_zh: "请填写身份证号".into(),
                message_en: "Enter the ID number".into(),
            }]
        );
        assert_eq!(
            errors(c, &form(&[])),
            [pair("full_name", "required"), pair("id_number", "required")]
        );
        // Keys the agent may not set: strangers, the edge's own, and another check's.
        let mut f = minimal_form(c);
        for k in ["mer_bg_url", "source_channel", "acct_no", "zz"] {
            f.insert(k.into(), "1".into());
        }
        assert_eq!(
            errors(c, &f),
            [
                pair("acct_no", "unknown_param"),
                pair("mer_bg_url", "unknown_param"),
                pair("source_channel", "unknown_param"),
                pair("zz", "unknown_param"),
            ]
        );
        // Even empty.
        let mut f = minimal_form(c);
        f.insert("source_channel".into(), String::new());
        assert_eq!(errors(c, &f), [pair("source_channel", "unknown_param")]);
    }

    #[test]
    fn every_problem_in_order() {
        let c = check("cardcheck").unwrap();
        let f = form(&[
            ("full_name", "Zhang"),
            ("mobile_no", "123"),
            ("acct_no", "6222021234567890"),
            ("card_type", "Q"),
            ("valid_date", "1399"),
            ("bogus", "1"),
        ]);
        assert_eq!(
            errors(c, &f),
            [
                pair("full_name", "invalid_name"),
                pair("mobile_no", "invalid_mobile"),
                pair("acct_no", "bank_card_checksum"),
                pair("card_type", "not_allowed"),
                pair("valid_date", "invalid_month_year"),
                pair("bogus", "unknown_param"),
            ]
        );
        let c = check("antilaunderquery").unwrap();
        let f = form(&[("full_name", "张3"), ("zz", "1")]);
        assert_eq!(
            errors(c, &f),
            [
                pair("full_name", "invalid_name"),
                pair("zz", "unknown_param"),
                pair("full_name", "rule_any_of"),
            ]
        );
    }

    #[test]
    fn rule_any_of() {
        let c = check("antilaunderquery").unwrap();
        let e = validate_form(c, &form(&[("mobile_no", "13812345678")])).unwrap_err();
        assert_eq!(e.len(), 1);
        assert_eq!(
            (e[0].param.as_str(), e[0].code.as_str()),
            ("full_name", "rule_any_of")
        );
        assert_eq!(e[0].message_zh, "请至少正确填写以下一项：姓名、身份证号");
        assert_eq!(
            e[0].message_en,
            "Enter a valid value for at least one of: Full name, ID number"
        );
        assert!(validate_form(c, &form(&[("full_name", "张三")])).is_ok());
        assert!(validate_form(c, &form(&[("id_number", "110101200007282906")])).is_ok());
        // Present but invalid does not satisfy it.
        assert_eq!(
            errors(c, &form(&[("id_number", "110101200007282907")])),
            [
                pair("id_number", "invalid_id_number"),
                pair("full_name", "rule_any_of")
            ]
        );
        let c = check("getloaninfo").unwrap();
        assert_eq!(errors(c, &form(&[])), [pair("id_number", "rule_any_of")]);
        assert!(validate_form(c, &form(&[("full_name", "张三")])).is_ok());
        let c = check("licenseocr").unwrap();
        let e = validate_form(c, &form(&[("img_suffix", "jpg")])).unwrap_err();
        assert_eq!(
            (e[0].param.as_str(), e[0].code.as_str()),
            ("license_pic", "rule_any_of")
        );
        assert_eq!(e[0].message_zh, "请填写营业执照图片");
        assert!(validate_form(c, &form(&[("license_pic", &jpeg())])).is_ok());
    }

    #[test]
    fn rule_name_plus_two() {
        let c = check("antifraudquery").unwrap();
        let two = [("id_number", "110101200007282906"), ("imei", "dev-1")];
        assert_eq!(
            errors(c, &form(&two)),
            [pair("full_name", "rule_name_plus_two")]
        );
        assert_eq!(
            errors(c, &form(&[("full_name", "张三"), ("idfa", "A-1")])),
            [pair("full_name", "rule_name_plus_two")]
        );
        let e = validate_form(c, &form(&[("full_name", "张三")])).unwrap_err();
        assert_eq!(
            e[0].message_zh,
            "请填写姓名，并至少填写以下两项：身份证号、手机号、银行卡号、用户请求来源IP、设备号、iOS广告标示符"
        );
        assert!(validate_form(c, &form(&[("full_name", "张三"), two[0], two[1]])).is_ok());
        assert!(
            validate_form(
                c,
                &form(&[
                    ("full_name", "张三"),
                    ("user_ip", "2001:db8::1"),
                    ("card_no", CARD)
                ])
            )
            .is_ok()
        );
    }

    #[test]
    fn rule_image_or_file_id() {
        for name in ["faceregister", "faceretrieve"] {
            let c = check(name).unwrap();
            let mut f = minimal_form(c);
            f.remove("image");
            let e = validate_form(c, &f).unwrap_err();
            assert_eq!(e.len(), 1, "{name}");
            assert_eq!(
                (e[0].param.as_str(), e[0].code.as_str()),
                ("image", "rule_image_or_file_id")
            );
            assert_eq!(e[0].message_zh, "请填写人像图片或文件ID");
            assert_eq!(e[0].message_en, "Enter the Face image or the File id");
            f.insert("file_id".into(), "J20170504123698547".into());
            assert!(validate_form(c, &f).is_ok(), "{name}");
            f.remove("file_id");
            f.insert("image".into(), jpeg());
            assert!(validate_form(c, &f).is_ok(), "{name}");
        }
    }

    #[test]
    fn messages_name_the_field() {
        let (_, code) = one_error("antilaunderquery", &[("card_no", "6222021234567890")]);
        assert_eq!(code, "bank_card_checksum");
        let c = check("antilaunderquery").unwrap();
        let f = form(&[("full_name", "张三"), ("card_no", "6222021234567890")]);
        let e = validate_form(c, &f).unwrap_err();
        assert_eq!(e[0].message_zh, "银行卡号校验位不正确，请核对");
        assert_eq!(
            e[0].message_en,
            "The Bank card number's check digit is wrong; check it"
        );
        // Every kind's message names its field, in both languages.
        for kind in ALL_KINDS {
            let p = param_of(kind);
            let e = check_value(&p, "\u{1}", today()).unwrap_err();
            assert!(e.message_zh.contains(p.label_zh), "{kind:?}: {e:?}");
            assert!(e.message_en.contains(p.label_en), "{kind:?}: {e:?}");
            assert!(!e.message_zh.contains('\u{1}'), "{kind:?}: value echoed");
        }
        // Serialises with the documented field names.
        let v = serde_json::to_value(&e[0]).unwrap();
        assert_eq!(v["param"], "card_no");
        assert_eq!(v["code"], "bank_card_checksum");
        let back: ParamIssue = serde_json::from_value(v).unwrap();
        assert_eq!(back, e[0]);
    }

    /// Vendor codes and ids (free text, a choice, an IP, a date) on a form the picker offers are
    /// explained under the field; the ones the edge sets are never on a form.
    #[test]
    fn vendor_fields_on_picker_forms_are_explained() {
        for c in CHECKS.iter().filter(|c| !c.flow_only) {
            for p in agent_params(c) {
                let vendor = matches!(p.kind, Kind::Text | Kind::OneOf(_) | Kind::Ip | Kind::Date);
                if vendor {
                    assert!(
                        !p.hint_zh.is_empty() && !p.hint_en.is_empty(),
                        "{}.{} needs words under the field",
                        c.name,
                        p.name
                    );
                }
                assert!(!EDGE_SET.contains(&p.name));
            }
        }
        for name in ["faceregister", "picturematch", "idcardidentify"] {
            let c = check(name).unwrap();
            assert!(agent_params(c).any(|p| p.name == "authorization_info"));
        }
        let groups = check("faceregister")
            .unwrap()
            .params
            .iter()
            .find(|p| p.name == "group_ids")
            .unwrap();
        assert!(groups.hint_zh.contains("分组"), "{}", groups.hint_zh);
        assert!(
            groups.hint_en.contains("face library"),
            "{}",
            groups.hint_en
        );
    }

    #[test]
    fn luhn_vectors() {
        assert!(luhn_ok("79927398713"));
        assert!(!luhn_ok("79927398710"));
        assert!(luhn_ok("4111111111111111"));
        assert!(luhn_ok(CARD));
        assert!(!luhn_ok("6222021234567890"));
        assert!(luhn_ok("0"));
        assert!(!luhn_ok(""));
        assert!(!luhn_ok("7992 7398 713"));
        assert!(!luhn_ok("７９９２７３９８７１３"));
    }

    #[test]
    fn secrets() {
        let secret: Vec<&str> = CHECKS
            .iter()
            .flat_map(|c| c.params.iter())
            .filter(|p| is_secret(p))
            .map(|p| p.name)
            .collect();
        assert!(secret.contains(&"password"));
        assert!(secret.contains(&"verify_code"));
        assert!(secret.contains(&"verify_code_list"));
        assert!(secret.contains(&"cvv2"));
        assert!(
            CHECKS
                .iter()
                .flat_map(|c| c.params.iter())
                .filter(|p| !matches!(p.kind, Kind::Secret | Kind::CodeList))
                .all(|p| !is_secret(p))
        );
    }

    /// Inputs near each kind's edges: whatever this module accepts, the sandbox accepts as sent.
    #[test]
    fn never_looser_than_the_sandbox_on_edge_cases() {
        let j = jpeg();
        let inputs = [
            "张三",
            " 张三 ",
            "张·三",
            "张•三",
            "110101200007282906",
            "11010519491231002x",
            "13812345678",
            "138 1234 5678",
            "+8613812345678",
            "8613812345678",
            j.as_str(),
            "6222021234567894",
            "6222 0212 3456 7894",
            "E",
            " P ",
            "https://x",
            "http://x y",
            "20240229",
            "1228",
            "0028",
            "123456",
            r#"[{"type":"sms","value":"1"}]"#,
            "::1",
            "127.0.0.1",
            "a",
            "",
            " ",
            "\u{3000}",
        ];
        for kind in ALL_KINDS {
            for v in inputs {
                if let Ok(sent) = kind_result(kind, v) {
                    assert!(sandbox_accepts(kind, &sent), "{kind:?}: {v:?} → {sent:?}");
                }
            }
        }
    }

    #[test]
    fn free_text_refuses_invisible_characters() {
        for v in [
            "ab\u{202E}cd",
            "a\u{200B}b",
            "\u{FEFF}x",
            "a\u{2066}b",
            "a\u{0}b",
        ] {
            assert!(!plain_text_ok(v, 256), "{v:?}");
        }
        assert!(plain_text_ok("测试 device-1", 256));
    }

    proptest! {
        #[test]
        fn accepted_values_pass_the_sandbox(
            k in 0usize..ALL_KINDS.len(),
            v in prop_oneof![
                "\\PC{0,40}",
                "[0-9 ]{0,22}",
                "[0-9xX]{16,19}",
                "[ \t]{0,2}1[3-9][0-9]{9}[ \t]{0,2}",
                "[0-9a-fA-F:.\\[\\]]{0,20}",
                "(http|https|ftp)://[a-z@:/?#\\[\\] ]{0,12}",
                "\\[\\{\"type\":\"[a-z]{0,3}\",\"value\":(\"[0-9]{0,3}\"|[0-9]{1,3})\\}\\]",
            ],
        ) {
            let kind = ALL_KINDS[k];
            if let Ok(sent) = kind_result(kind, &v) {
                prop_assert!(sandbox_accepts(kind, &sent), "{:?}: {:?} → {:?}", kind, v, sent);
            }
        }

        #[test]
        fn forms_never_panic(
            c in 0usize..CHECKS.len(),
            pairs in proptest::collection::vec(("[a-z_]{1,20}", "\\PC{0,30}"), 0..8),
        ) {
            let f: BTreeMap<String, String> = pairs.into_iter().collect();
            let _ = validate_form(&CHECKS[c], &f);
        }
    }
}
