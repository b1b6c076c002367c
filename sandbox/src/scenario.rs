//! Deterministic outcomes: which inputs produce which results (documented in the README).
//! Every scenario input is valid under the real rules, so tests need no special headers.

/// The verdict a person-level check gives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Everything matches (default).
    Match,
    /// The data belong to different people.
    Mismatch,
    /// No record at the source.
    NoRecord,
    /// The source is busy (retryable).
    Busy,
    /// Only phone3's centre is busy (-11); RealMe answers normally (a match): the case the
    /// edge fails over from phone3 to RealMe `mobilecheck`.
    Phone3Busy,
    /// The name fails the source's own check (phone3 -8).
    NameRejected,
    /// mobilecheck partial results 02–05.
    Partial(&'static str),
}

/// Verdict by the person's name.
pub fn by_name(name: &str) -> Verdict {
    match name.trim() {
        "李四" => Verdict::Mismatch,
        "王五" => Verdict::NoRecord,
        "赵六" => Verdict::Busy,
        "孙八" => Verdict::Phone3Busy,
        "钱七" => Verdict::NameRejected,
        "周二" => Verdict::Partial("02"),
        "吴三" => Verdict::Partial("03"),
        "郑四" => Verdict::Partial("04"),
        "冯五" => Verdict::Partial("05"),
        _ => Verdict::Match,
    }
}

/// Scenario marks carried inside an image: the ASCII text `HAOKA:` followed by
/// `key=value` pairs separated by `;`, anywhere in the bytes (e.g. a JPEG comment or bytes
/// after the end marker, which decoders ignore).
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Marks {
    /// Face similarity 0–100 (`score=30`).
    pub score: Option<u8>,
    /// OCR name (`name=李四`, UTF-8).
    pub name: Option<String>,
    /// OCR ID number (`id=…`).
    pub id: Option<String>,
    /// OCR bank card number (`card=…`).
    pub card: Option<String>,
}

/// Read the marks of an image.
pub fn marks(bytes: &[u8]) -> Marks {
    let mut out = Marks::default();
    let tag = b"HAOKA:";
    let Some(start) = bytes.windows(tag.len()).position(|w| w == tag) else {
        return out;
    };
    let rest = &bytes[start + tag.len()..];
    let end = rest
        .iter()
        .position(|b| matches!(b, 0 | b'\n' | 0xFF))
        .unwrap_or(rest.len());
    let text = String::from_utf8_lossy(&rest[..end]);
    for pair in text.split(';') {
        match pair.split_once('=') {
            Some(("score", v)) => out.score = v.trim().parse().ok().filter(|s| *s <= 100),
            Some(("name", v)) => out.name = Some(v.trim().to_owned()),
            Some(("id", v)) => out.id = Some(v.trim().to_owned()),
            Some(("card", v)) => out.card = Some(v.trim().to_owned()),
            _ => {}
        }
    }
    out
}

/// Default face similarity when an image carries no score.
pub const DEFAULT_SCORE: u8 = 88;

/// Xingguang review: the reason an order fails review, if it does.
pub fn xingguang_review_failure(name: &str, address: &str) -> Option<String> {
    if by_name(name) == Verdict::Mismatch {
        Some("身份信息不一致,审核不通过".into())
    } else if address.contains("偏远") {
        Some("收货地址不在配送范围".into())
    } else {
        None
    }
}

/// Xingguang's answer to a chosen number it will not give out (one ending in 0000: taken by
/// another channel meanwhile): `pushorder` refuses the order with this reason.
pub fn xingguang_number_refusal(haoma: &str) -> Option<String> {
    haoma
        .ends_with("0000")
        .then(|| "所选号码已被占用,请重新选号".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn image_marks() {
        let mut jpeg = vec![0xFF, 0xD8, 0xFF, 0xE0];
        jpeg.extend_from_slice("HAOKA:score=30;name=李四;id=110101200007282906\n".as_bytes());
        let m = marks(&jpeg);
        assert_eq!(m.score, Some(30));
        assert_eq!(m.name.as_deref(), Some("李四"));
        assert_eq!(m.id.as_deref(), Some("110101200007282906"));
        assert_eq!(marks(&[0xFF, 0xD8, 0xFF]), Marks::default());
        assert_eq!(marks(b"HAOKA:score=101").score, None);
    }

    #[test]
    fn names() {
        assert_eq!(by_name("张三"), Verdict::Match);
        assert_eq!(by_name("李四"), Verdict::Mismatch);
        assert_eq!(by_name("周二"), Verdict::Partial("02"));
        assert_eq!(by_name("孙八"), Verdict::Phone3Busy);
    }

    #[test]
    fn numbers_ending_0000_are_refused() {
        assert!(xingguang_number_refusal("13800000000").is_some());
        assert!(xingguang_number_refusal("13800000001").is_none());
        assert!(xingguang_number_refusal("").is_none());
    }
}
