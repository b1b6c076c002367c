//! Masking of personal data for logs and lists: names, phones, ID numbers.

/// Keep the first `head` and last `tail` characters, star the rest. Short values are starred
/// entirely so that nothing identifying leaks.
pub fn mask_middle(value: &str, head: usize, tail: usize) -> String {
    let chars: Vec<char> = value.chars().collect();
    if chars.len() <= head + tail {
        return "*".repeat(chars.len().max(1));
    }
    let mut out: String = chars[..head].iter().collect();
    out.extend(std::iter::repeat_n('*', chars.len() - head - tail));
    out.extend(&chars[chars.len() - tail..]);
    out
}

/// `110101200007282906` → `110***********2906`.
pub fn mask_id(id: &str) -> String {
    mask_middle(id, 3, 4)
}

/// `13812345678` → `138****5678`.
pub fn mask_phone(phone: &str) -> String {
    mask_middle(phone, 3, 4)
}

/// `张三` → `张*`, `欧阳娜娜` → `欧***`: only the first character stays.
pub fn mask_name(name: &str) -> String {
    let mut chars = name.chars();
    match chars.next() {
        Some(first) => {
            let rest = chars.count().max(1);
            format!("{first}{}", "*".repeat(rest))
        }
        None => "*".into(),
    }
}

/// `6222020200112233445` → `**** 3445`: only the last four characters stay.
pub fn mask_card(card: &str) -> String {
    let chars: Vec<char> = card.chars().collect();
    let tail: String = chars[chars.len().saturating_sub(4)..].iter().collect();
    format!("**** {tail}")
}

/// Digit runs in free text that look like a mobile (11 digits from 1), an ID number (17 digits
/// and a check character) or a card (12–19 digits other than those), masked; the rest kept.
pub fn mask_numbers_in(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < chars.len() {
        if !chars[i].is_ascii_digit() {
            out.push(chars[i]);
            i += 1;
            continue;
        }
        let start = i;
        while i < chars.len() && chars[i].is_ascii_digit() {
            i += 1;
        }
        // An ID number's check character may be X.
        if i - start == 17 && i < chars.len() && matches!(chars[i], 'X' | 'x') {
            i += 1;
        }
        let run: String = chars[start..i].iter().collect();
        let masked = match run.len() {
            11 if run.starts_with('1') => mask_phone(&run),
            18 => mask_middle(&run, 6, 4),
            12..=19 => mask_card(&run),
            _ => run,
        };
        out.push_str(&masked);
    }
    out
}

/// Whether a key names a person's name (`full_name`, `personName`, `fr_name`, `name`).
fn names_a_person(key: &str) -> bool {
    key.to_ascii_lowercase().contains("name")
}

/// A result field from an upstream, masked for lists and views: names under name-like keys
/// (`full_name`, `personName`…) keep their first character, numbers that look like mobiles,
/// ID numbers or cards are masked wherever they are, and a JSON value is masked leaf by leaf
/// under its own keys.
pub fn mask_result(key: &str, value: &str) -> String {
    let trimmed = value.trim_start();
    if (trimmed.starts_with('{') || trimmed.starts_with('['))
        && let Ok(mut doc) = serde_json::from_str::<serde_json::Value>(value)
    {
        mask_json(key, &mut doc);
        return doc.to_string();
    }
    mask_leaf(key, value)
}

/// Whether a key names one of the vendor's own identifiers (`task_id`, `personId`, `fileId`),
/// which the agent needs as they are and which say nothing about the person.
fn vendor_identifier(key: &str) -> bool {
    let lower = key.to_ascii_lowercase();
    lower.ends_with("id") && !lower.contains("card")
}

fn mask_leaf(key: &str, value: &str) -> String {
    if names_a_person(key) && !value.is_empty() && value.chars().count() <= 6 {
        return mask_name(value);
    }
    if vendor_identifier(key) {
        return value.to_owned();
    }
    mask_numbers_in(value)
}

fn mask_json(key: &str, doc: &mut serde_json::Value) {
    match doc {
        serde_json::Value::String(s) => *s = mask_leaf(key, s),
        serde_json::Value::Number(n) => {
            let masked = mask_numbers_in(&n.to_string());
            if masked != n.to_string() {
                *doc = serde_json::Value::String(masked);
            }
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(|v| mask_json(key, v)),
        serde_json::Value::Object(map) => map.iter_mut().for_each(|(k, v)| mask_json(k, v)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_are_masked_wherever_personal_data_hides() {
        assert_eq!(mask_card("6222020200112233445"), "**** 3445");
        assert_eq!(mask_card("卡号12"), "**** 卡号12");
        assert_eq!(
            mask_numbers_in(
                "tel 18888888336, id 11010120000728290X; card 6222020200112233445; 2026"
            ),
            "tel 188****8336, id 110101********290X; card **** 3445; 2026"
        );
        assert_eq!(mask_result("full_name", "张三"), "张*");
        assert_eq!(
            mask_result("addr", "北京市东城区景山前街4号"),
            "北京市东城区景山前街4号"
        );
        assert_eq!(
            mask_result(
                "result",
                r#"{"report":{"mobile":"18888888336","months":6},"task_id":"TASK1795495692941"}"#
            ),
            r#"{"report":{"mobile":"188****8336","months":6},"task_id":"TASK1795495692941"}"#
        );
        assert_eq!(
            mask_result(
                "face_identify_list",
                r#"[{"personName":"张三","score":"88","phone":18888888336}]"#
            ),
            r#"[{"personName":"张*","phone":"188****8336","score":"88"}]"#
        );
        assert_eq!(mask_result("x", "[not json"), "[not json");
        assert_eq!(mask_result("personId", "18888888336"), "18888888336");
        assert_eq!(
            mask_result("idcard", "110101200007282906"),
            "110101********2906"
        );
    }

    #[test]
    fn masks() {
        assert_eq!(mask_phone("13812345678"), "138****5678");
        assert_eq!(mask_id("11010519491231002X"), "110***********002X");
        assert_eq!(mask_name("张三"), "张*");
        assert_eq!(mask_name("阿依古丽·买买提"), "阿*******");
        assert_eq!(mask_name("张"), "张*");
        assert_eq!(mask_middle("1234", 3, 4), "****");
        assert_eq!(mask_middle("", 3, 4), "*");
    }
}
