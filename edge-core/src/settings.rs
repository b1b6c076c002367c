//! Settings an admin may change from the console without a deploy: the face-score pass mark,
//! the reuse window, the per-agent and per-IP check limits and the time-out of a pending
//! check. Each has its `[vars]` name (the default when no one changed it), a range, and words;
//! a change is validated here, stored in D1 (`settings`) and audited by the worker.

/// One setting.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Setting {
    /// The `[vars]` name, also the key in D1.
    pub key: &'static str,
    /// Smallest value allowed.
    pub min: f64,
    /// Largest value allowed.
    pub max: f64,
    /// Whole numbers only.
    pub integer: bool,
    /// Chinese words (with the unit).
    pub zh: &'static str,
    /// English words (with the unit).
    pub en: &'static str,
}

/// Every setting the console may change.
pub const SETTINGS: [Setting; 5] = [
    Setting {
        key: "REALME_PASS_SCORE",
        min: 0.0,
        max: 100.0,
        integer: false,
        zh: "人像比对通过阈值（0–100 分）",
        en: "Face similarity pass mark (0–100)",
    },
    Setting {
        key: "CHECK_REUSE_S",
        min: 0.0,
        max: 30.0 * 86_400.0,
        integer: true,
        zh: "相同核验复用结果的时间窗（秒，0 为不复用）",
        en: "Reuse window for the same question (seconds, 0 = never)",
    },
    Setting {
        key: "CHECKS_PER_MINUTE_AGENT",
        min: 1.0,
        max: 1000.0,
        integer: true,
        zh: "每位坐席每分钟核验次数上限",
        en: "Checks per agent per minute",
    },
    Setting {
        key: "CHECKS_PER_MINUTE_IP",
        min: 1.0,
        max: 10_000.0,
        integer: true,
        zh: "每个 IP 每分钟核验次数上限",
        en: "Checks per IP per minute",
    },
    Setting {
        key: "CHECK_TIMEOUT_S",
        min: 60.0,
        max: 7.0 * 86_400.0,
        integer: true,
        zh: "异步核验超时时间（秒）",
        en: "Time-out of a pending check (seconds)",
    },
];

/// Why a change is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SettingError {
    /// Not a setting the console may change.
    Unknown,
    /// Not a number, not whole where it must be, or out of range.
    OutOfRange,
}

/// The setting named `key`.
pub fn setting(key: &str) -> Option<&'static Setting> {
    SETTINGS.iter().find(|s| s.key == key)
}

/// Validate a new value for `key`: the number to store.
pub fn parse(key: &str, value: &str) -> Result<f64, SettingError> {
    let s = setting(key).ok_or(SettingError::Unknown)?;
    let v: f64 = value.trim().parse().map_err(|_| SettingError::OutOfRange)?;
    let whole = !s.integer || v.fract() == 0.0;
    if !v.is_finite() || !whole || v < s.min || v > s.max {
        return Err(SettingError::OutOfRange);
    }
    Ok(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_checked_against_their_range() {
        assert_eq!(parse("REALME_PASS_SCORE", "72.5"), Ok(72.5));
        assert_eq!(parse("CHECK_REUSE_S", " 0 "), Ok(0.0));
        assert_eq!(parse("CHECKS_PER_MINUTE_AGENT", "30"), Ok(30.0));
        for (key, bad) in [
            ("REALME_PASS_SCORE", "101"),
            ("REALME_PASS_SCORE", "-1"),
            ("REALME_PASS_SCORE", "NaN"),
            ("REALME_PASS_SCORE", "inf"),
            ("CHECK_REUSE_S", "1.5"),
            ("CHECKS_PER_MINUTE_AGENT", "0"),
            ("CHECK_TIMEOUT_S", "59"),
            ("CHECK_TIMEOUT_S", "abc"),
            ("CHECK_TIMEOUT_S", ""),
        ] {
            assert_eq!(
                parse(key, bad),
                Err(SettingError::OutOfRange),
                "{key}={bad}"
            );
        }
        assert_eq!(parse("PII_KEY", "1"), Err(SettingError::Unknown));
        assert_eq!(parse("DROP TABLE", "1"), Err(SettingError::Unknown));
        for s in SETTINGS {
            assert!(s.min <= s.max && !s.zh.is_empty() && !s.en.is_empty());
        }
    }
}
