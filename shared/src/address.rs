//! Street addresses: longer than four characters (the vendor's rule), bounded, no markup, and
//! optionally free of a product's deny-listed keywords (快递, 驿站, 学校 …).

use crate::ValidationError;

/// The vendor requires strictly more than this many characters.
pub const ADDRESS_MIN_EXCLUSIVE: usize = 4;
/// Longest accepted address, in characters.
pub const ADDRESS_MAX_CHARS: usize = 120;

/// Keywords the 号卡 shops commonly refuse, for products that opt in.
pub const COMMON_DENY_KEYWORDS: &[&str] = &["快递", "驿站", "菜鸟", "代收", "自提", "学校"];

/// Validate an address; `deny` is the product's keyword list (may be empty). Returns the
/// trimmed address with runs of whitespace collapsed to one space.
pub fn parse_address(input: &str, deny: &[&str]) -> Result<String, ValidationError> {
    let collapsed = input.split_whitespace().collect::<Vec<_>>().join(" ");
    if collapsed.is_empty() {
        return Err(ValidationError::Required);
    }
    if collapsed
        .chars()
        .any(|c| c.is_control() || matches!(c, '<' | '>' | '{' | '}' | '\\' | '`'))
    {
        return Err(ValidationError::AddressChars);
    }
    let len = collapsed.chars().count();
    if len <= ADDRESS_MIN_EXCLUSIVE {
        return Err(ValidationError::AddressTooShort);
    }
    if len > ADDRESS_MAX_CHARS {
        return Err(ValidationError::AddressTooLong);
    }
    if let Some(k) = deny
        .iter()
        .find(|k| !k.is_empty() && collapsed.contains(*k))
    {
        return Err(ValidationError::AddressKeyword((*k).to_owned()));
    }
    Ok(collapsed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn length_rule_is_strictly_more_than_four() {
        assert_eq!(
            parse_address("先锋大楼", &[]),
            Err(ValidationError::AddressTooShort)
        );
        assert_eq!(parse_address("先锋大楼1", &[]).unwrap(), "先锋大楼1");
        assert_eq!(
            parse_address("  先锋大楼  ", &[]),
            Err(ValidationError::AddressTooShort)
        );
        assert_eq!(parse_address("", &[]), Err(ValidationError::Required));
        assert_eq!(parse_address("   ", &[]), Err(ValidationError::Required));
        assert!(parse_address(&"路".repeat(120), &[]).is_ok());
        assert_eq!(
            parse_address(&"路".repeat(121), &[]),
            Err(ValidationError::AddressTooLong)
        );
    }

    #[test]
    fn whitespace_collapses() {
        assert_eq!(
            parse_address(" 解放路  100号\t2单元 ", &[]).unwrap(),
            "解放路 100号 2单元"
        );
    }

    #[test]
    fn markup_and_control_refused() {
        assert_eq!(
            parse_address("<script>路100号", &[]),
            Err(ValidationError::AddressChars)
        );
        assert_eq!(
            parse_address("解放路100号\u{0}", &[]),
            Err(ValidationError::AddressChars)
        );
    }

    #[test]
    fn deny_list() {
        assert_eq!(
            parse_address("解放路菜鸟驿站100号", COMMON_DENY_KEYWORDS),
            Err(ValidationError::AddressKeyword("驿站".into()))
        );
        assert!(parse_address("解放路菜鸟驿站100号", &[]).is_ok());
        assert!(parse_address("解放路100号2单元", COMMON_DENY_KEYWORDS).is_ok());
    }
}
