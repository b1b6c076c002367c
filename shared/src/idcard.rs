//! 18-digit resident identity numbers (GB 11643-1999) and HK/MO/TW residence permits.
//!
//! Hard rules: length, characters, ISO 7064 MOD 11-2 check character, a real birth date not
//! after today, a province code. The full 6-digit region code is only a soft warning,
//! because codes retired since issue stay valid for the holder's life.

use time::{Date, Month};

use crate::ValidationError;

/// Weights of ISO 7064 MOD 11-2 for the first 17 digits (2^(17-i) mod 11).
const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
/// Check character for each remainder 0..=10.
const CHECK_CHARS: [u8; 11] = *b"10X98765432";

/// Province-level codes that issue resident IDs, plus 81/82/83 for residence permits of
/// Hong Kong, Macao and Taiwan residents.
pub const PROVINCE_CODES: [u8; 34] = [
    11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44, 45, 46, 50, 51, 52,
    53, 54, 61, 62, 63, 64, 65, 81, 82, 83,
];

/// A resident ID number that passed every hard rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResidentId {
    normalized: String,
    birth: Date,
}

impl ResidentId {
    /// The number with a lower-case `x` normalised to `X`.
    pub fn as_str(&self) -> &str {
        &self.normalized
    }

    /// Birth date encoded in digits 7–14.
    pub fn birth_date(&self) -> Date {
        self.birth
    }

    /// Two-digit province code.
    pub fn province_code(&self) -> u8 {
        self.normalized[..2].parse().unwrap_or(0)
    }

    /// Six-digit region code of the issuing authority.
    pub fn region_code(&self) -> &str {
        &self.normalized[..6]
    }

    /// True for a residence permit of a Hong Kong, Macao or Taiwan resident (81/82/83).
    pub fn is_residence_permit(&self) -> bool {
        matches!(self.province_code(), 81..=83)
    }

    /// Whether the 17th digit is odd (male) — the standard's sequence-code rule.
    pub fn is_male(&self) -> bool {
        self.normalized.as_bytes()[16] % 2 == 1
    }

    /// Completed years of age on `on`.
    pub fn age_on(&self, on: Date) -> u32 {
        age_on(self.birth, on)
    }

    /// Masked for logs and lists: first 3 and last 4 characters kept.
    pub fn masked(&self) -> String {
        crate::mask::mask_id(&self.normalized)
    }
}

/// The check character (`0`–`9` or `X`) for the first 17 digits. `None` unless exactly 17
/// ASCII digits are given.
pub fn check_char(first17: &str) -> Option<char> {
    let bytes = first17.as_bytes();
    if bytes.len() != 17 || !bytes.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let sum: u32 = bytes
        .iter()
        .zip(WEIGHTS)
        .map(|(b, w)| u32::from(b - b'0') * w)
        .sum();
    CHECK_CHARS.get((sum % 11) as usize).map(|&c| char::from(c))
}

/// Parse and check an ID number as of `today` (China time at the caller).
pub fn parse_resident_id(input: &str, today: Date) -> Result<ResidentId, ValidationError> {
    let trimmed = input.trim();
    if trimmed.is_empty() {
        return Err(ValidationError::Required);
    }
    let normalized = trimmed.to_ascii_uppercase();
    let chars: Vec<char> = normalized.chars().collect();
    if chars.len() != 18 {
        return Err(if chars.iter().all(|c| c.is_ascii_alphanumeric()) {
            ValidationError::IdLength
        } else {
            ValidationError::IdChars
        });
    }
    let body_ok = chars[..17].iter().all(char::is_ascii_digit);
    let last = chars[17];
    if !body_ok || !(last.is_ascii_digit() || last == 'X') {
        return Err(ValidationError::IdChars);
    }
    let province: u8 = normalized[..2]
        .parse()
        .map_err(|_| ValidationError::IdChars)?;
    if !PROVINCE_CODES.contains(&province) {
        return Err(ValidationError::IdProvince);
    }
    let birth = parse_birth(&normalized[6..14]).ok_or(ValidationError::IdBirthDate)?;
    if birth > today {
        return Err(ValidationError::IdFutureBirthDate);
    }
    if check_char(&normalized[..17]) != Some(last) {
        return Err(ValidationError::IdChecksum);
    }
    Ok(ResidentId { normalized, birth })
}

/// Parse the 8-digit `YYYYMMDD` birth date, refusing anything that is not a real date or is
/// before 1900.
fn parse_birth(digits: &str) -> Option<Date> {
    parse_yyyymmdd(digits).filter(|d| d.year() >= 1900)
}

/// Parse exactly eight ASCII digits `YYYYMMDD` as a real calendar date (RealMe's
/// `order_date` and `query_date`, the birth date inside an ID number).
pub fn parse_yyyymmdd(s: &str) -> Option<Date> {
    if s.len() != 8 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let year: i32 = s[0..4].parse().ok()?;
    let month = Month::try_from(s[4..6].parse::<u8>().ok()?).ok()?;
    let day: u8 = s[6..8].parse().ok()?;
    Date::from_calendar_date(year, month, day).ok()
}

/// Completed years between `birth` and `on` (0 if `on` is before `birth`). Someone born on
/// 29 February turns a year older on 1 March in common years.
pub fn age_on(birth: Date, on: Date) -> u32 {
    if on < birth {
        return 0;
    }
    let mut years = on.year() - birth.year();
    if (u8::from(on.month()), on.day()) < (u8::from(birth.month()), birth.day()) {
        years -= 1;
    }
    u32::try_from(years).unwrap_or(0)
}

/// Check the holder's age against a product's range.
pub fn check_age(id: &ResidentId, today: Date, min: u32, max: u32) -> Result<(), ValidationError> {
    let age = id.age_on(today);
    if age < min || age > max {
        return Err(ValidationError::IdAge { age, min, max });
    }
    Ok(())
}

/// Soft check: is the 6-digit region code a county-level code in the current dataset (or the
/// HK/MO/TW permit codes 810000/820000/830000)? `false` is a warning, never a rejection.
pub fn region_code_is_current(id: &ResidentId) -> bool {
    let code = id.region_code();
    matches!(code, "810000" | "820000" | "830000")
        || crate::region::Regions::get().has_district_code(code)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn d(y: i32, m: u8, day: u8) -> Date {
        Date::from_calendar_date(y, Month::try_from(m).unwrap(), day).unwrap()
    }

    fn today() -> Date {
        d(2026, 11, 22)
    }

    /// Build a valid ID from a 17-digit body by appending its check character.
    fn with_check(body: &str) -> String {
        format!("{body}{}", check_char(body).unwrap())
    }

    #[test]
    fn vendor_sample_is_valid() {
        let id = parse_resident_id("110101200007282906", today()).unwrap();
        assert_eq!(id.birth_date(), d(2000, 7, 28));
        assert_eq!(id.province_code(), 11);
        assert!(!id.is_male());
        assert!(region_code_is_current(&id));
    }

    #[test]
    fn check_chars_hand_computed() {
        // Worked by hand: 11010519491231002 → sum 167, 167 mod 11 = 2 → 'X'.
        assert_eq!(check_char("11010519491231002"), Some('X'));
        assert_eq!(check_char("11010120000728290"), Some('6'));
        assert_eq!(check_char("1101012000072829"), None);
        assert_eq!(check_char("1101012000072829a"), None);
    }

    #[test]
    fn lowercase_x_is_normalised() {
        let id = parse_resident_id("11010519491231002x", today()).unwrap();
        assert_eq!(id.as_str(), "11010519491231002X");
        let id = parse_resident_id("  11010519491231002X ", today()).unwrap();
        assert_eq!(id.as_str(), "11010519491231002X");
    }

    #[test]
    fn wrong_check_character_is_refused() {
        assert_eq!(
            parse_resident_id("110101200007282907", today()),
            Err(ValidationError::IdChecksum)
        );
        assert_eq!(
            parse_resident_id("110105194912310020", today()),
            Err(ValidationError::IdChecksum)
        );
    }

    #[test]
    fn length_and_chars() {
        assert_eq!(
            parse_resident_id("", today()),
            Err(ValidationError::Required)
        );
        assert_eq!(
            parse_resident_id("   ", today()),
            Err(ValidationError::Required)
        );
        assert_eq!(
            parse_resident_id("11010120000728290", today()),
            Err(ValidationError::IdLength)
        );
        assert_eq!(
            parse_resident_id("1101012000072829061", today()),
            Err(ValidationError::IdLength)
        );
        assert_eq!(
            parse_resident_id("11010120000728X906", today()),
            Err(ValidationError::IdChars)
        );
        assert_eq!(
            parse_resident_id("11010120000728290Y", today()),
            Err(ValidationError::IdChars)
        );
        assert_eq!(
            parse_resident_id("１１０１０１２０００７２８２９０６", today()),
            Err(ValidationError::IdChars)
        );
        assert_eq!(
            parse_resident_id("110101-200007-2829", today()),
            Err(ValidationError::IdChars)
        );
    }

    #[test]
    fn province_gate() {
        for code in [
            10u8, 16, 20, 24, 30, 38, 40, 47, 49, 55, 60, 66, 70, 71, 80, 84, 91, 99,
        ] {
            let id = with_check(&format!("{code:02}0101200007282{}", "90"));
            assert_eq!(
                parse_resident_id(&id, today()),
                Err(ValidationError::IdProvince),
                "{id}"
            );
        }
        for code in PROVINCE_CODES {
            let id = with_check(&format!("{code:02}0101200007282{}", "90"));
            assert!(parse_resident_id(&id, today()).is_ok(), "{id}");
        }
        let permit = parse_resident_id(&with_check("81000019900101123"), today()).unwrap();
        assert!(permit.is_residence_permit());
        assert!(region_code_is_current(&permit));
    }

    #[test]
    fn calendar_dates() {
        // Leap days: 2000 and 2004 are leap years, 1900 and 2023 are not.
        assert!(parse_resident_id(&with_check("11010120000229123"), today()).is_ok());
        assert!(parse_resident_id(&with_check("11010120040229123"), today()).is_ok());
        assert_eq!(
            parse_resident_id(&with_check("11010119000229123"), today()),
            Err(ValidationError::IdBirthDate)
        );
        assert_eq!(
            parse_resident_id(&with_check("11010120230229123"), today()),
            Err(ValidationError::IdBirthDate)
        );
        for bad in [
            "20001301", "20000001", "20000100", "20000431", "20001232", "18991231",
        ] {
            let id = with_check(&format!("110101{bad}123"));
            assert_eq!(
                parse_resident_id(&id, today()),
                Err(ValidationError::IdBirthDate),
                "{bad}"
            );
        }
        assert!(parse_resident_id(&with_check("11010119000101123"), today()).is_ok());
    }

    #[test]
    fn future_birth_dates() {
        assert!(parse_resident_id(&with_check("11010120261122123"), today()).is_ok());
        assert_eq!(
            parse_resident_id(&with_check("11010120261123123"), today()),
            Err(ValidationError::IdFutureBirthDate)
        );
        assert_eq!(
            parse_resident_id(&with_check("11010120991231123"), today()),
            Err(ValidationError::IdFutureBirthDate)
        );
    }

    #[test]
    fn yyyymmdd() {
        assert_eq!(parse_yyyymmdd("20240229"), Some(d(2024, 2, 29)));
        for bad in [
            "20230229",
            "2024022",
            "202402290",
            "2024-2-2",
            "20241301",
            "2024013a",
            "+2024010",
        ] {
            assert_eq!(parse_yyyymmdd(bad), None, "{bad}");
        }
    }

    #[test]
    fn ages_and_birthdays() {
        let birth = d(2000, 7, 28);
        assert_eq!(age_on(birth, d(2016, 7, 27)), 15);
        assert_eq!(age_on(birth, d(2016, 7, 28)), 16);
        assert_eq!(age_on(birth, d(1999, 1, 1)), 0);
        let leap = d(2004, 2, 29);
        assert_eq!(age_on(leap, d(2022, 2, 28)), 17);
        assert_eq!(age_on(leap, d(2022, 3, 1)), 18);
        assert_eq!(age_on(leap, d(2024, 2, 29)), 20);
        let id = parse_resident_id("110101200007282906", today()).unwrap();
        assert_eq!(id.age_on(today()), 26);
        assert!(check_age(&id, today(), 16, 60).is_ok());
        assert_eq!(
            check_age(&id, today(), 30, 60),
            Err(ValidationError::IdAge {
                age: 26,
                min: 30,
                max: 60
            })
        );
        assert!(check_age(&id, today(), 16, 26).is_ok());
        assert!(check_age(&id, today(), 26, 26).is_ok());
    }

    #[test]
    fn retired_region_code_is_only_a_warning() {
        // 110103 (崇文区) was merged into 东城区 in 2010: still a valid ID, flagged as not current.
        let id = parse_resident_id(&with_check("11010319800101123"), today()).unwrap();
        assert!(!region_code_is_current(&id));
    }

    #[test]
    fn masking_keeps_three_and_four() {
        let id = parse_resident_id("110101200007282906", today()).unwrap();
        assert_eq!(id.masked(), "110***********2906");
    }

    proptest! {
        #[test]
        fn every_valid_body_with_its_check_char_parses(
            p in proptest::sample::select(PROVINCE_CODES.to_vec()),
            rest in "[0-9]{4}",
            days in 0i64..40_000,
            seq in "[0-9]{3}",
        ) {
            let birth = d(1920, 1, 1) + time::Duration::days(days);
            prop_assume!(birth <= today());
            let body = format!(
                "{p:02}{rest}{:04}{:02}{:02}{seq}",
                birth.year(), u8::from(birth.month()), birth.day()
            );
            let id = with_check(&body);
            let parsed = parse_resident_id(&id, today()).unwrap();
            prop_assert_eq!(parsed.birth_date(), birth);
            prop_assert_eq!(parsed.as_str(), id.as_str());
        }

        #[test]
        fn any_single_digit_change_breaks_the_checksum(pos in 0usize..17, delta in 1u8..10) {
            let good = b"110101200007282906";
            let mut bad = good.to_vec();
            bad[pos] = b'0' + (bad[pos] - b'0' + delta) % 10;
            let s = String::from_utf8(bad).unwrap();
            prop_assert!(parse_resident_id(&s, today()).is_err());
        }

        #[test]
        fn never_panics(s in "\\PC{0,30}") {
            let _ = parse_resident_id(&s, today());
        }
    }
}
