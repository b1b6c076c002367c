//! haoka-shared: the pure-Rust core shared by the browser app, the edge worker and the
//! upstream sandbox — wire types, the validators customers and the vendor reject on, the
//! product catalogue, region table, and the upstreams' signing rules.
//!
//! No `worker`, no `leptos`: it compiles and tests natively (`cargo test -p haoka-shared`)
//! and for `wasm32-unknown-unknown`.

pub mod address;
pub mod api;
pub mod consent;
pub mod error;
pub mod idcard;
pub mod ids;
pub mod lifecycle;
pub mod mask;
pub mod mobile;
pub mod name;
pub mod order;
pub mod photo;
pub mod product;
pub mod realme;
pub mod realme_form;
pub mod region;
pub mod sign;

pub use error::{Field, FieldIssue, ValidationError};
pub use time::{Date, Month};

/// China Standard Time is UTC+8 all year.
pub const CHINA_UTC_OFFSET_SECONDS: i32 = 8 * 3600;

/// The calendar date in China at a Unix time in milliseconds.
pub fn china_date_from_unix_millis(millis: i64) -> Date {
    let secs = millis.div_euclid(1000) + i64::from(CHINA_UTC_OFFSET_SECONDS);
    let days = secs.div_euclid(86_400);
    // 2440588 is the Julian day number of 1970-01-01.
    let jd = i32::try_from(days + 2_440_588).unwrap_or(2_440_588);
    Date::from_julian_day(jd).unwrap_or(Date::MIN)
}

/// A moment in China time, to the second.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChinaDateTime {
    /// Calendar date.
    pub date: Date,
    /// Seconds since midnight.
    pub seconds_of_day: u32,
}

impl ChinaDateTime {
    /// The moment at a Unix time in milliseconds.
    pub fn from_unix_millis(millis: i64) -> ChinaDateTime {
        let secs = millis.div_euclid(1000) + i64::from(CHINA_UTC_OFFSET_SECONDS);
        ChinaDateTime {
            date: china_date_from_unix_millis(millis),
            seconds_of_day: u32::try_from(secs.rem_euclid(86_400)).unwrap_or(0),
        }
    }

    fn hms(&self) -> (u32, u32, u32) {
        let s = self.seconds_of_day;
        (s / 3600, s % 3600 / 60, s % 60)
    }

    /// `YYYYMMDD` (RealMe's `order_date`).
    pub fn yyyymmdd(&self) -> String {
        let d = self.date;
        format!("{:04}{:02}{:02}", d.year(), u8::from(d.month()), d.day())
    }

    /// `YYYYMMDDhhmmss` (inside minted ids).
    pub fn compact(&self) -> String {
        let (h, m, s) = self.hms();
        format!("{}{h:02}{m:02}{s:02}", self.yyyymmdd())
    }

    /// `YYYY-MM-DD HH:MM:SS` (Xingguang's `c_time`).
    pub fn display(&self) -> String {
        let (d, (h, m, s)) = (self.date, self.hms());
        format!(
            "{:04}-{:02}-{:02} {h:02}:{m:02}:{s:02}",
            d.year(),
            u8::from(d.month()),
            d.day()
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::Month;

    #[test]
    fn china_dates() {
        // 2026-11-21T16:00:00Z is midnight 2026-11-22 in China.
        let midnight = 1_795_276_800_000i64;
        assert_eq!(
            china_date_from_unix_millis(midnight),
            Date::from_calendar_date(2026, Month::November, 22).unwrap()
        );
        assert_eq!(
            china_date_from_unix_millis(midnight - 1),
            Date::from_calendar_date(2026, Month::November, 21).unwrap()
        );
        assert_eq!(
            china_date_from_unix_millis(0),
            Date::from_calendar_date(1970, Month::January, 1).unwrap()
        );
    }
}
