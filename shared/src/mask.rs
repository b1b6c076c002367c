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

#[cfg(test)]
mod tests {
    use super::*;

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
