//! Reading upstream reply bodies, shared by every parser: one JSON-object reader and one
//! tolerant scalar reader (the vendors send the same code as a string in one reply and a
//! number in another). Reasons given here describe the body's shape, never its content.

use serde_json::{Map, Value};

/// A JSON object.
pub(crate) type Object = Map<String, Value>;

/// The body as a JSON object, or a short reason for the log.
pub(crate) fn json_object(body: &[u8]) -> Result<Object, String> {
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(format!(
            "body is JSON but not an object ({} bytes)",
            body.len()
        )),
        Err(_) => Err(format!("body is not JSON ({} bytes)", body.len())),
    }
}

/// A scalar as text: strings trimmed, numbers in decimal. Absent, `null`, empty, arrays and
/// objects give `None`.
pub(crate) fn text(value: Option<&Value>) -> Option<String> {
    match value? {
        Value::String(s) => Some(s.trim()).filter(|s| !s.is_empty()).map(str::to_owned),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// The scalar field `key` of `map` as text (see [`text`]).
pub(crate) fn field(map: &Object, key: &str) -> Option<String> {
    text(map.get(key))
}

/// The first of `keys` present in `map` with a non-empty scalar value.
pub(crate) fn first(map: &Object, keys: &[&str]) -> Option<String> {
    keys.iter().find_map(|k| field(map, k))
}

/// A vendor's message cut to a length fit for a log line.
pub(crate) fn short(text: &str) -> String {
    const MAX_CHARS: usize = 60;
    let mut out: String = text.chars().take(MAX_CHARS).collect();
    if text.chars().nth(MAX_CHARS).is_some() {
        out.push('…');
    }
    out
}

/// Whether an HTTP status is 2xx.
pub(crate) fn is_success(status: u16) -> bool {
    (200..=299).contains(&status)
}

/// Whether an HTTP status is 5xx.
pub(crate) fn is_server_error(status: u16) -> bool {
    (500..=599).contains(&status)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn codes_as_strings_or_numbers() {
        let map = json_object(br#"{"a":"200","b":200,"c":" ","d":null,"e":[1],"f":-11}"#)
            .unwrap_or_default();
        assert_eq!(field(&map, "a").as_deref(), Some("200"));
        assert_eq!(field(&map, "b").as_deref(), Some("200"));
        assert_eq!(field(&map, "c"), None);
        assert_eq!(field(&map, "d"), None);
        assert_eq!(field(&map, "e"), None);
        assert_eq!(field(&map, "f").as_deref(), Some("-11"));
        assert_eq!(field(&map, "zz"), None);
        assert_eq!(first(&map, &["c", "zz", "b", "a"]).as_deref(), Some("200"));
        assert_eq!(text(Some(&json!(true))), None);
    }

    #[test]
    fn shapes_not_contents() {
        let secret = br#"["110101200007282906"]"#;
        let why = json_object(secret).err().unwrap_or_default();
        assert!(
            why.contains("not an object") && !why.contains("1101"),
            "{why}"
        );
        let why = json_object(b"<html>110101200007282906</html>")
            .err()
            .unwrap_or_default();
        assert!(why.contains("not JSON") && !why.contains("1101"), "{why}");
        assert_eq!(short("abc"), "abc");
        assert_eq!(short(&"字".repeat(61)).chars().count(), 61);
    }
}
