//! Mainland China mobile numbers: 11 digits whose prefix MIIT has allocated to a carrier.
//!
//! The allocation table below is the data; lookups go by the first four digits. Number
//! portability (携号转网) means the carrier is only a hint.

use serde::{Deserialize, Serialize};

use crate::ValidationError;

/// The carrier a prefix was allocated to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Carrier {
    /// China Telecom (中国电信).
    Telecom,
    /// China Mobile (中国移动).
    Mobile,
    /// China Unicom (中国联通).
    Unicom,
    /// China Broadnet (中国广电).
    Broadnet,
}

impl Carrier {
    /// Chinese name.
    pub fn zh(self) -> &'static str {
        match self {
            Carrier::Telecom => "中国电信",
            Carrier::Mobile => "中国移动",
            Carrier::Unicom => "中国联通",
            Carrier::Broadnet => "中国广电",
        }
    }

    /// English name.
    pub fn en(self) -> &'static str {
        match self {
            Carrier::Telecom => "China Telecom",
            Carrier::Mobile => "China Mobile",
            Carrier::Unicom => "China Unicom",
            Carrier::Broadnet => "China Broadnet",
        }
    }
}

use Carrier::{Broadnet as B, Mobile as M, Telecom as T, Unicom as U};

/// MIIT allocation as of 2023, as inclusive ranges of 4-digit prefixes. A 3-digit block such
/// as 133 is 1330–1339. Kept sorted; a unit test checks order and overlap.
pub const ALLOCATION: &[(u16, u16, Carrier)] = &[
    (1300, 1329, U), // 130–132
    (1330, 1339, T), // 133
    (1340, 1348, M), // 1340–1348 (1349 was satellite, withdrawn)
    (1350, 1399, M), // 135–139
    (1450, 1469, U), // 145 146
    (1470, 1489, M), // 147 148
    (1490, 1499, T), // 149
    (1500, 1529, M), // 150–152
    (1530, 1539, T), // 153
    (1550, 1569, U), // 155 156
    (1570, 1599, M), // 157–159
    (1620, 1629, T), // 162
    (1650, 1659, M), // 165
    (1660, 1679, U), // 166 167
    (1700, 1702, T), // 1700–1702
    (1703, 1703, M), // 1703
    (1704, 1704, U), // 1704
    (1705, 1706, M), // 1705 1706
    (1707, 1709, U), // 1707–1709
    (1710, 1719, U), // 171
    (1720, 1729, M), // 172
    (1730, 1739, T), // 173
    (1750, 1769, U), // 175 176
    (1770, 1779, T), // 177
    (1780, 1789, M), // 178
    (1800, 1819, T), // 180 181
    (1820, 1849, M), // 182–184
    (1850, 1869, U), // 185 186
    (1870, 1889, M), // 187 188
    (1890, 1919, T), // 189–191
    (1920, 1929, B), // 192
    (1930, 1939, T), // 193
    (1950, 1959, M), // 195
    (1960, 1969, U), // 196
    (1970, 1989, M), // 197 198
    (1990, 1999, T), // 199
];

/// The carrier MIIT allocated a 4-digit prefix to, if any.
pub fn carrier_of_prefix(prefix4: u16) -> Option<Carrier> {
    ALLOCATION
        .binary_search_by(|&(lo, hi, _)| {
            if hi < prefix4 {
                std::cmp::Ordering::Less
            } else if lo > prefix4 {
                std::cmp::Ordering::Greater
            } else {
                std::cmp::Ordering::Equal
            }
        })
        .ok()
        .map(|i| ALLOCATION[i].2)
}

/// A mobile number that passed validation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MobileNumber {
    digits: String,
    carrier: Carrier,
}

impl MobileNumber {
    /// The 11 digits.
    pub fn as_str(&self) -> &str {
        &self.digits
    }

    /// The carrier the prefix was allocated to (a hint only, because of portability).
    pub fn carrier_hint(&self) -> Carrier {
        self.carrier
    }

    /// Masked for logs and lists.
    pub fn masked(&self) -> String {
        crate::mask::mask_phone(&self.digits)
    }
}

/// Validate a mainland mobile number. Spaces and hyphens typed for readability are removed,
/// as is a leading `+86`/`86` country code.
pub fn parse_mobile(input: &str) -> Result<MobileNumber, ValidationError> {
    let mut digits: String = input.chars().filter(|c| !matches!(c, ' ' | '-')).collect();
    if digits.is_empty() {
        return Err(ValidationError::Required);
    }
    if let Some(rest) = digits.strip_prefix("+86") {
        digits = rest.to_owned();
    } else if digits.len() == 13 && digits.starts_with("86") {
        digits = digits[2..].to_owned();
    }
    if digits.len() != 11 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(ValidationError::MobileFormat);
    }
    let prefix: u16 = digits[..4]
        .parse()
        .map_err(|_| ValidationError::MobileFormat)?;
    let carrier = carrier_of_prefix(prefix).ok_or(ValidationError::MobilePrefix)?;
    Ok(MobileNumber { digits, carrier })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The issue's list, transcribed independently of `ALLOCATION`, as (prefix, carrier).
    fn issue_list() -> Vec<(&'static str, Carrier)> {
        let t = "133 149 153 162 1700 1701 1702 173 177 180 181 189 190 191 193 199";
        let m = "1340 1341 1342 1343 1344 1345 1346 1347 1348 135 136 137 138 139 147 148 150 151 152 157 158 159 165 1703 1705 1706 172 178 182 183 184 187 188 195 197 198";
        let u = "130 131 132 145 146 155 156 166 167 1704 1707 1708 1709 171 175 176 185 186 196";
        let b = "192";
        let mut v = Vec::new();
        for (list, c) in [(t, T), (m, M), (u, U), (b, B)] {
            v.extend(list.split(' ').map(|p| (p, c)));
        }
        v
    }

    fn expected(prefix4: u16) -> Option<Carrier> {
        let s = prefix4.to_string();
        issue_list()
            .into_iter()
            .find(|(p, _)| s.starts_with(p))
            .map(|(_, c)| c)
    }

    #[test]
    fn table_is_sorted_and_disjoint() {
        for w in ALLOCATION.windows(2) {
            assert!(w[0].0 <= w[0].1 && w[0].1 < w[1].0, "{w:?}");
        }
    }

    #[test]
    fn every_four_digit_prefix_matches_the_issue_list() {
        for p in 1000..=1999u16 {
            assert_eq!(carrier_of_prefix(p), expected(p), "prefix {p}");
        }
        assert_eq!(carrier_of_prefix(999), None);
        assert_eq!(carrier_of_prefix(2000), None);
    }

    #[test]
    fn range_edges() {
        let cases = [
            ("13012345678", Some(U)),
            ("13212345678", Some(U)),
            ("13312345678", Some(T)),
            ("13402345678", Some(M)),
            ("13482345678", Some(M)),
            ("13492345678", None),
            ("13512345678", Some(M)),
            ("13912345678", Some(M)),
            ("14012345678", None),
            ("14412345678", None),
            ("14512345678", Some(U)),
            ("14912345678", Some(T)),
            ("15412345678", None),
            ("16112345678", None),
            ("16212345678", Some(T)),
            ("16412345678", None),
            ("16812345678", None),
            ("17002345678", Some(T)),
            ("17022345678", Some(T)),
            ("17032345678", Some(M)),
            ("17042345678", Some(U)),
            ("17052345678", Some(M)),
            ("17062345678", Some(M)),
            ("17072345678", Some(U)),
            ("17092345678", Some(U)),
            ("17412345678", None),
            ("17912345678", None),
            ("19212345678", Some(B)),
            ("19412345678", None),
            ("19612345678", Some(U)),
            ("19912345678", Some(T)),
            ("12012345678", None),
            ("18888888336", Some(M)),
        ];
        for (n, want) in cases {
            let got = parse_mobile(n).ok().map(|m| m.carrier_hint());
            assert_eq!(got, want, "{n}");
            if want.is_none() {
                assert_eq!(parse_mobile(n), Err(ValidationError::MobilePrefix), "{n}");
            }
        }
    }

    #[test]
    fn formats() {
        assert_eq!(parse_mobile(""), Err(ValidationError::Required));
        assert_eq!(
            parse_mobile("1381234567"),
            Err(ValidationError::MobileFormat)
        );
        assert_eq!(
            parse_mobile("138123456789"),
            Err(ValidationError::MobileFormat)
        );
        assert_eq!(
            parse_mobile("1381234567a"),
            Err(ValidationError::MobileFormat)
        );
        assert_eq!(
            parse_mobile("１３８１２３４５６７８"),
            Err(ValidationError::MobileFormat)
        );
        assert_eq!(
            parse_mobile("138 1234 5678").unwrap().as_str(),
            "13812345678"
        );
        assert_eq!(
            parse_mobile("+86 138-1234-5678").unwrap().as_str(),
            "13812345678"
        );
        assert_eq!(
            parse_mobile("8613812345678").unwrap().as_str(),
            "13812345678"
        );
        assert_eq!(parse_mobile("13812345678").unwrap().masked(), "138****5678");
    }

    proptest! {
        #[test]
        fn valid_iff_prefix_allocated(n in "1[0-9]{10}") {
            let p: u16 = n[..4].parse().unwrap();
            prop_assert_eq!(parse_mobile(&n).is_ok(), expected(p).is_some());
        }

        #[test]
        fn never_panics(s in "\\PC{0,20}") {
            let _ = parse_mobile(&s);
        }
    }
}
