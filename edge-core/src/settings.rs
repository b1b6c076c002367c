//! Settings an admin may change from the console without a deploy: the face-score pass mark,
//! the reuse window, the per-agent and per-IP check limits and the time-out of a pending
//! check. Each has its `[vars]` name (the default when no one changed it), a range, and words;
//! a change is validated here, stored in D1 (`settings`) and audited by the worker. What is
//! in force is [`Tunables`]: the `[vars]` values with the stored changes laid over them.

use haoka_shared::{api::console, refusal::Refusal};
use serde::Deserialize;

use crate::auth::{Permission, Role};

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

impl SettingError {
    /// The refusal that says so.
    pub const fn refusal(self) -> Refusal {
        match self {
            SettingError::Unknown => Refusal::UnknownSetting,
            SettingError::OutOfRange => Refusal::SettingOutOfRange,
        }
    }
}

/// The setting named `key`.
pub fn setting(key: &str) -> Option<&'static Setting> {
    SETTINGS.iter().find(|s| s.key == key)
}

/// Validate a new value for `key`: the number to store.
pub fn parse(key: &str, value: &str) -> Result<f64, SettingError> {
    setting(key).ok_or(SettingError::Unknown)?;
    let v: f64 = value.trim().parse().map_err(|_| SettingError::OutOfRange)?;
    check(key, v)
}

/// Validate a number for `key` (as typed, or as stored: a row out of range is not used).
pub fn check(key: &str, v: f64) -> Result<f64, SettingError> {
    let s = setting(key).ok_or(SettingError::Unknown)?;
    let whole = !s.integer || v.fract() == 0.0;
    if !v.is_finite() || !whole || v < s.min || v > s.max {
        return Err(SettingError::OutOfRange);
    }
    Ok(v)
}

/// Whether `role` may read the settings (admins, and compliance who read the audit log).
pub fn may_read(role: Role) -> bool {
    role.can(Permission::Administer) || role.can(Permission::ReadAudit)
}

/// The values the settings set, as the edge uses them.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Tunables {
    /// `REALME_PASS_SCORE`: face similarity (0–100) from which a face check passes.
    pub realme_pass_score: f64,
    /// `CHECK_REUSE_S`, in ms: the same question within this long answers from the last result.
    pub check_reuse_ms: i64,
    /// `CHECKS_PER_MINUTE_AGENT`.
    pub checks_per_minute_agent: u32,
    /// `CHECKS_PER_MINUTE_IP`.
    pub checks_per_minute_ip: u32,
    /// `CHECK_TIMEOUT_S`, in ms: a check with no result after this long is timed out.
    pub check_timeout_ms: i64,
}

impl Tunables {
    /// Set `key` to `v` (seconds become ms; an unknown key changes nothing).
    pub fn set(&mut self, key: &str, v: f64) {
        match key {
            "REALME_PASS_SCORE" => self.realme_pass_score = v,
            "CHECK_REUSE_S" => self.check_reuse_ms = (v as i64).saturating_mul(1000),
            "CHECKS_PER_MINUTE_AGENT" => self.checks_per_minute_agent = v as u32,
            "CHECKS_PER_MINUTE_IP" => self.checks_per_minute_ip = v as u32,
            "CHECK_TIMEOUT_S" => self.check_timeout_ms = (v as i64).saturating_mul(1000),
            _ => {}
        }
    }

    /// The value of `key`, in the setting's unit (0 for an unknown key).
    pub fn get(&self, key: &str) -> f64 {
        match key {
            "REALME_PASS_SCORE" => self.realme_pass_score,
            "CHECK_REUSE_S" => (self.check_reuse_ms / 1000) as f64,
            "CHECKS_PER_MINUTE_AGENT" => f64::from(self.checks_per_minute_agent),
            "CHECKS_PER_MINUTE_IP" => f64::from(self.checks_per_minute_ip),
            "CHECK_TIMEOUT_S" => (self.check_timeout_ms / 1000) as f64,
            _ => 0.0,
        }
    }

    /// These values with the stored changes laid over them; a stored value that is not
    /// valid (an unknown key, out of range: written by hand) is ignored.
    pub fn with(mut self, stored: &[StoredSetting]) -> Tunables {
        for row in stored {
            if check(&row.key, row.value).is_ok() {
                self.set(&row.key, row.value);
            }
        }
        self
    }
}

/// A change as stored (`settings` in D1).
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct StoredSetting {
    /// The setting's key.
    pub key: String,
    /// Its value.
    pub value: f64,
    /// Who changed it last.
    #[serde(default)]
    pub updated_by: String,
    /// When, Unix ms.
    #[serde(default)]
    pub updated_at_ms: f64,
}

/// Every setting as the console lists it: its words and range, the value in force (the
/// `defaults` with `stored` laid over them), the default, and who changed it last.
pub fn list(defaults: Tunables, stored: &[StoredSetting]) -> console::Settings {
    let now = defaults.with(stored);
    let settings = SETTINGS
        .iter()
        .map(|s| {
            let row = stored.iter().find(|r| r.key == s.key);
            console::Setting {
                key: s.key.into(),
                zh: s.zh.into(),
                en: s.en.into(),
                min: s.min,
                max: s.max,
                value: now.get(s.key),
                default: defaults.get(s.key),
                changed_by: row.map(|r| r.updated_by.clone()),
                changed_at_ms: row.map(|r| r.updated_at_ms as i64),
            }
        })
        .collect();
    console::Settings { settings }
}

/// The audit entry's detail for a change from `before` to `after`.
pub fn change_detail(before: f64, after: f64) -> String {
    format!("{before} -> {after}")
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
        assert_eq!(
            SettingError::OutOfRange.refusal(),
            Refusal::SettingOutOfRange
        );
        assert_eq!(SettingError::Unknown.refusal(), Refusal::UnknownSetting);
    }

    const DEFAULTS: Tunables = Tunables {
        realme_pass_score: 60.0,
        check_reuse_ms: 86_400_000,
        checks_per_minute_agent: 20,
        checks_per_minute_ip: 60,
        check_timeout_ms: 1_800_000,
    };

    fn stored(key: &str, value: f64) -> StoredSetting {
        StoredSetting {
            key: key.into(),
            value,
            updated_by: "root".into(),
            updated_at_ms: 1_800_000_000_000.0,
        }
    }

    #[test]
    fn every_setting_reads_back_what_is_set_in_its_own_unit() {
        for s in SETTINGS {
            let mut t = DEFAULTS;
            t.set(s.key, s.max);
            assert_eq!(t.get(s.key), s.max, "{}", s.key);
        }
        let mut t = DEFAULTS;
        t.set("CHECK_REUSE_S", 90.0);
        t.set("CHECK_TIMEOUT_S", 120.0);
        assert_eq!((t.check_reuse_ms, t.check_timeout_ms), (90_000, 120_000));
        t.set("PII_KEY", 1.0);
        assert_eq!(t.get("PII_KEY"), 0.0);
        assert_eq!(DEFAULTS.get("CHECKS_PER_MINUTE_IP"), 60.0);
    }

    #[test]
    fn stored_changes_lay_over_the_defaults_unless_they_are_invalid() {
        let rows = [
            stored("REALME_PASS_SCORE", 72.5),
            stored("CHECKS_PER_MINUTE_AGENT", 0.0),
            stored("CHECK_REUSE_S", 1.5),
            stored("CHECK_TIMEOUT_S", f64::NAN),
            stored("PII_KEY", 1.0),
        ];
        let t = DEFAULTS.with(&rows);
        assert_eq!(
            t,
            Tunables {
                realme_pass_score: 72.5,
                ..DEFAULTS
            },
            "only the valid row counts"
        );
        assert_eq!(DEFAULTS.with(&[]), DEFAULTS);
    }

    #[test]
    fn the_list_shows_each_settings_value_default_and_last_change() {
        let rows = [
            stored("REALME_PASS_SCORE", 72.5),
            stored("CHECK_TIMEOUT_S", 10.0),
        ];
        let list = list(DEFAULTS, &rows).settings;
        assert_eq!(
            list.iter().map(|s| s.key.as_str()).collect::<Vec<_>>(),
            SETTINGS.map(|s| s.key)
        );
        let mark = &list[0];
        assert_eq!((mark.value, mark.default), (72.5, 60.0));
        assert_eq!(mark.changed_by.as_deref(), Some("root"));
        assert_eq!(mark.changed_at_ms, Some(1_800_000_000_000));
        let timeout = list.iter().find(|s| s.key == "CHECK_TIMEOUT_S").unwrap();
        assert_eq!(
            (timeout.value, timeout.default),
            (1800.0, 1800.0),
            "a value out of range is listed as changed but not in force"
        );
        assert_eq!(timeout.changed_by.as_deref(), Some("root"));
        let reuse = list.iter().find(|s| s.key == "CHECK_REUSE_S").unwrap();
        assert_eq!(
            (reuse.changed_by.as_ref(), reuse.changed_at_ms),
            (None, None)
        );
        assert_eq!(reuse.min, 0.0);
        let json = serde_json::to_value(&list[1]).unwrap();
        assert_eq!(json["changed_by"], serde_json::Value::Null);
        assert_eq!(json["default"], 86_400.0);
        assert_eq!(change_detail(60.0, 72.5), "60 -> 72.5");
    }

    #[test]
    fn only_admins_and_compliance_read_the_settings() {
        assert!(may_read(Role::Admin) && may_read(Role::Compliance));
        assert!(!may_read(Role::Lead) && !may_read(Role::Agent));
    }
}
