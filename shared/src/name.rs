//! Customer names: Chinese characters with the middle dot of ethnic-minority and transliterated
//! names (阿依古丽·买买提). Trimmed; 2–20 characters; no digits, Latin letters or markup.

use crate::ValidationError;

/// Shortest accepted name, in characters.
pub const NAME_MIN_CHARS: usize = 2;
/// Longest accepted name, in characters (including dots).
pub const NAME_MAX_CHARS: usize = 20;

/// The canonical separator written on ID cards (U+00B7 MIDDLE DOT).
pub const MIDDLE_DOT: char = '·';

/// Dots people type for the separator; all are normalised to [`MIDDLE_DOT`].
const DOT_VARIANTS: [char; 5] = ['·', '•', '・', '‧', '．'];

/// CJK ideographs: the unified block, extension A, and the supplementary planes (ext. B+,
/// where rare name characters live), plus 〇.
fn is_han(c: char) -> bool {
    matches!(c,
        '\u{4E00}'..='\u{9FFF}'
        | '\u{3400}'..='\u{4DBF}'
        | '\u{F900}'..='\u{FAFF}'
        | '\u{20000}'..='\u{3134F}'
        | '〇')
}

/// Validate and normalise a name: trimmed, dot variants become `·`.
pub fn parse_name(input: &str) -> Result<String, ValidationError> {
    let trimmed = input.trim();
    if trimmed.is_empty() {
        return Err(ValidationError::Required);
    }
    let normalized: String = trimmed
        .chars()
        .map(|c| {
            if DOT_VARIANTS.contains(&c) {
                MIDDLE_DOT
            } else {
                c
            }
        })
        .collect();
    if !normalized.chars().all(|c| is_han(c) || c == MIDDLE_DOT) {
        return Err(ValidationError::NameChars);
    }
    if normalized.starts_with(MIDDLE_DOT)
        || normalized.ends_with(MIDDLE_DOT)
        || normalized.contains("··")
    {
        return Err(ValidationError::NameChars);
    }
    let len = normalized.chars().count();
    if !(NAME_MIN_CHARS..=NAME_MAX_CHARS).contains(&len) {
        return Err(ValidationError::NameLength);
    }
    Ok(normalized)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn accepts_chinese_names() {
        assert_eq!(parse_name("张三").unwrap(), "张三");
        assert_eq!(parse_name("  欧阳娜娜 ").unwrap(), "欧阳娜娜");
        assert_eq!(parse_name("阿依古丽·买买提").unwrap(), "阿依古丽·买买提");
        assert_eq!(parse_name("阿依古丽•买买提").unwrap(), "阿依古丽·买买提");
        assert_eq!(parse_name("努尔·艾力·买买提").unwrap(), "努尔·艾力·买买提");
        assert_eq!(parse_name("𠀾明").unwrap(), "𠀾明");
        assert_eq!(parse_name("王〇").unwrap(), "王〇");
    }

    #[test]
    fn refuses_bad_names() {
        assert_eq!(parse_name(""), Err(ValidationError::Required));
        assert_eq!(parse_name("  "), Err(ValidationError::Required));
        assert_eq!(parse_name("张"), Err(ValidationError::NameLength));
        assert_eq!(
            parse_name(&"张".repeat(21)),
            Err(ValidationError::NameLength)
        );
        assert!(parse_name(&"张".repeat(20)).is_ok());
        assert_eq!(parse_name("张3"), Err(ValidationError::NameChars));
        assert_eq!(parse_name("张三Zhang"), Err(ValidationError::NameChars));
        assert_eq!(parse_name("<b>张三</b>"), Err(ValidationError::NameChars));
        assert_eq!(parse_name("张 三"), Err(ValidationError::NameChars));
        assert_eq!(parse_name("·张三"), Err(ValidationError::NameChars));
        assert_eq!(parse_name("张三·"), Err(ValidationError::NameChars));
        assert_eq!(parse_name("张··三"), Err(ValidationError::NameChars));
        assert_eq!(parse_name("张三😀"), Err(ValidationError::NameChars));
    }

    proptest! {
        #[test]
        fn names_with_digits_are_refused(a in "[\u{4E00}-\u{9FA5}]{1,5}", d in "[0-9]", b in "[\u{4E00}-\u{9FA5}]{0,5}") {
            prop_assert_eq!(parse_name(&format!("{a}{d}{b}")), Err(ValidationError::NameChars));
        }

        #[test]
        fn han_names_of_valid_length_pass(s in "[\u{4E00}-\u{9FA5}]{2,20}") {
            prop_assert_eq!(parse_name(&s).unwrap(), s);
        }
    }
}
