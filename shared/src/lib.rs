//! haoka-shared: the pure-Rust core shared by the browser app, the edge worker and the
//! upstream sandbox — wire types, the validators customers and the vendor reject on, the
//! product catalogue, region table, and the upstreams' signing rules.
//!
//! No `worker`, no `leptos`: it compiles and tests natively (`cargo test -p haoka-shared`)
//! and for `wasm32-unknown-unknown`.

pub mod address;
pub mod api;
pub mod audit;
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
pub mod refusal;
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

/// The Unix milliseconds at which a China-time month `YYYY-MM` starts and the next one
/// starts (for monthly reports); `None` unless the text is such a month, 2000–2099.
pub fn china_month_bounds_ms(month: &str) -> Option<(i64, i64)> {
    let (y, m) = month.split_once('-')?;
    if y.len() != 4 || m.len() != 2 || !(y.bytes().chain(m.bytes())).all(|b| b.is_ascii_digit()) {
        return None;
    }
    let (year, mon): (i32, u8) = (y.parse().ok()?, m.parse().ok()?);
    if !(2000..=2099).contains(&year) {
        return None;
    }
    let start = Date::from_calendar_date(year, Month::try_from(mon).ok()?, 1).ok()?;
    let (ny, nm) = if mon == 12 {
        (year + 1, 1)
    } else {
        (year, mon + 1)
    };
    let next = Date::from_calendar_date(ny, Month::try_from(nm).ok()?, 1).ok()?;
    let ms = |d: Date| {
        (i64::from(d.to_julian_day()) - 2_440_588) * 86_400_000
            - i64::from(CHINA_UTC_OFFSET_SECONDS) * 1000
    };
    Some((ms(start), ms(next)))
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
    fn china_months() {
        let (start, end) = china_month_bounds_ms("2026-11").unwrap();
        // 2026-11-01T00:00+08:00 = 2026-10-31T16:00Z.
        assert_eq!(start, 1_793_462_400_000);
        assert_eq!(
            china_date_from_unix_millis(start),
            Date::from_calendar_date(2026, Month::November, 1).unwrap()
        );
        assert_eq!(
            china_date_from_unix_millis(start - 1),
            Date::from_calendar_date(2026, Month::October, 31).unwrap()
        );
        assert_eq!(end - start, 30 * 86_400_000);
        let (dec, jan) = china_month_bounds_ms("2026-12").unwrap();
        assert_eq!(
            china_date_from_unix_millis(jan),
            Date::from_calendar_date(2027, Month::January, 1).unwrap()
        );
        assert_eq!(jan - dec, 31 * 86_400_000);
        for bad in [
            "2026-13",
            "2026-00",
            "2026-1",
            "26-11",
            "2026/11",
            "",
            "１２３４-11",
            "2100-01",
        ] {
            assert_eq!(china_month_bounds_ms(bad), None, "{bad}");
        }
    }

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
