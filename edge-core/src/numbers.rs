//! 选号, number choice: what a customer may search a product's pool for (ending digits, no 4,
//! 生日号), how long a chosen number is held for one order attempt, and what an operator's
//! pool upload keeps and refuses. The statements that hold, take, free and sell a number are
//! `sql::numbers`; every move there is one conditional statement.

use std::collections::BTreeSet;

use haoka_shared::mobile::parse_mobile;

/// How long a chosen number is held for the attempt that chose it.
pub const HOLD_MS: i64 = 15 * 60_000;

/// Numbers shown at a time.
pub const PAGE: u32 = 12;

/// The most ending digits a search takes (the part after the 3-digit prefix).
pub const MAX_ENDING: usize = 8;

/// A customer's search of one product's pool.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Search {
    /// The number ends with these digits.
    pub ending: Option<String>,
    /// No digit 4 after the 3-digit prefix (不含4).
    pub no_four: bool,
    /// The last four digits are a date, month then day (生日号, e.g. `…0728`).
    pub birthday: bool,
    /// The page after this number (numbers come in order).
    pub after: Option<String>,
}

/// Why a search was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SearchError {
    /// The ending is not 1–8 digits.
    Ending,
    /// `after` is not an 11-digit number.
    After,
}

impl Search {
    /// The search from a query string's pairs (`ending`, `no4=1`, `birthday=1`, `after`);
    /// unknown names are ignored.
    pub fn from_pairs<'a>(
        pairs: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Result<Search, SearchError> {
        let mut s = Search::default();
        for (k, v) in pairs {
            let v = v.trim();
            match k {
                "ending" if !v.is_empty() => {
                    if v.len() > MAX_ENDING || !v.bytes().all(|b| b.is_ascii_digit()) {
                        return Err(SearchError::Ending);
                    }
                    s.ending = Some(v.to_owned());
                }
                "no4" => s.no_four = matches!(v, "1" | "true"),
                "birthday" => s.birthday = matches!(v, "1" | "true"),
                "after" if !v.is_empty() => {
                    if v.len() != 11 || !v.bytes().all(|b| b.is_ascii_digit()) {
                        return Err(SearchError::After);
                    }
                    s.after = Some(v.to_owned());
                }
                _ => {}
            }
        }
        Ok(s)
    }

    /// Whether `number` is one this search finds (the SQL narrows, this decides: a 生日号's
    /// day must exist in its month).
    pub fn admits(&self, number: &str) -> bool {
        let tail = number.get(3..).unwrap_or("");
        self.ending
            .as_ref()
            .is_none_or(|e| number.ends_with(e.as_str()))
            && (!self.no_four || !tail.contains('4'))
            && (!self.birthday || is_birthday(number))
            && self.after.as_ref().is_none_or(|a| number > a.as_str())
    }
}

/// Whether the last four digits of `number` are a month and a day that exists (0229 counts).
pub fn is_birthday(number: &str) -> bool {
    let Some(tail) = number.len().checked_sub(4).and_then(|i| number.get(i..)) else {
        return false;
    };
    let (Ok(month), Ok(day)) = (tail[..2].parse::<u32>(), tail[2..].parse::<u32>()) else {
        return false;
    };
    let days = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 => 29,
        _ => return false,
    };
    (1..=days).contains(&day)
}

/// Whether `token` may be a hold token: 16–64 of `A-Za-z0-9-_` (the browser's random attempt
/// token, like the idempotency key).
pub fn hold_token_ok(token: &str) -> bool {
    (16..=64).contains(&token.len())
        && token
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// The page a customer sees from the rows the SQL narrowed (in order): those `search`
/// admits, at most [`PAGE`], and where the next page starts when there may be one.
pub fn page(rows: Vec<String>, search: &Search) -> haoka_shared::api::NumberChoices {
    let mut numbers: Vec<String> = rows.into_iter().filter(|n| search.admits(n)).collect();
    let more = numbers.len() > PAGE as usize;
    numbers.truncate(PAGE as usize);
    let next = more.then(|| numbers.last().cloned()).flatten();
    haoka_shared::api::NumberChoices { numbers, next }
}

/// What an operator's pool upload keeps and why it refuses the rest.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PoolUpload {
    /// Valid numbers, each once, in the upload's order.
    pub numbers: Vec<String>,
    /// Refused lines: line number (from 1), the text, why.
    pub refused: Vec<(usize, String, Refused)>,
}

/// Why a line of a pool upload was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refused {
    /// Not a mainland mobile number.
    NotANumber,
    /// The same number earlier in the upload.
    Repeated,
}

impl Refused {
    /// Why, in Chinese and English (the upload's report).
    pub fn words(self) -> (&'static str, &'static str) {
        match self {
            Refused::NotANumber => ("不是有效的手机号码", "Not a valid mobile number"),
            Refused::Repeated => ("与前面的行重复", "Repeats an earlier line"),
        }
    }
}

/// Read a pool upload: one number per line, or the first column of a CSV (a header line that
/// is not a number is refused like any other line). Blank lines are skipped.
pub fn read_pool(text: &str) -> PoolUpload {
    let mut out = PoolUpload::default();
    let mut seen = BTreeSet::new();
    for (i, line) in text.lines().enumerate() {
        let cell = line.split([',', '\t', ';']).next().unwrap_or("").trim();
        let cell = cell.trim_matches('"').trim_start_matches('\u{feff}');
        if cell.is_empty() {
            continue;
        }
        match parse_mobile(cell) {
            Err(_) => out
                .refused
                .push((i + 1, cell.to_owned(), Refused::NotANumber)),
            Ok(m) if !seen.insert(m.as_str().to_owned()) => {
                out.refused
                    .push((i + 1, cell.to_owned(), Refused::Repeated));
            }
            Ok(m) => out.numbers.push(m.as_str().to_owned()),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn a_search_reads_its_query_and_refuses_what_is_not_digits() {
        let s = Search::from_pairs([("ending", " 0728 "), ("no4", "1"), ("x", "y")]).unwrap();
        assert_eq!(s.ending.as_deref(), Some("0728"));
        assert!(s.no_four && !s.birthday);
        assert_eq!(
            Search::from_pairs([("ending", "12a")]),
            Err(SearchError::Ending)
        );
        assert_eq!(
            Search::from_pairs([("ending", "123456789")]),
            Err(SearchError::Ending)
        );
        assert_eq!(
            Search::from_pairs([("after", "1380")]),
            Err(SearchError::After)
        );
        assert_eq!(
            Search::from_pairs([("ending", "")]).unwrap(),
            Search::default()
        );
    }

    #[test]
    fn a_search_admits_by_ending_no_four_birthday_and_page() {
        let s = |pairs: &[(&'static str, &'static str)]| {
            Search::from_pairs(pairs.iter().copied()).unwrap()
        };
        assert!(s(&[("ending", "0728")]).admits("13800000728"));
        assert!(!s(&[("ending", "0728")]).admits("13800000729"));
        // The prefix's 4 does not count (many prefixes have one).
        assert!(s(&[("no4", "1")]).admits("14700000000"));
        assert!(!s(&[("no4", "1")]).admits("13800004000"));
        assert!(s(&[("birthday", "1")]).admits("13800001231"));
        assert!(!s(&[("birthday", "1")]).admits("13800001232"));
        assert!(s(&[("after", "13800000001")]).admits("13800000002"));
        assert!(!s(&[("after", "13800000001")]).admits("13800000001"));
    }

    #[test]
    fn a_page_shows_twelve_admitted_numbers_and_where_the_next_begins() {
        let rows: Vec<String> = (0..20).map(|i| format!("138000002{i:02}")).collect();
        let all = page(rows.clone(), &Search::default());
        assert_eq!(all.numbers.len(), 12);
        assert_eq!(all.next.as_deref(), Some("13800000211"));
        let birthday = Search::from_pairs([("birthday", "1")]).unwrap();
        let few = page(rows, &birthday);
        // 0200 and 0230–… are no dates; 0201–0219 are.
        assert_eq!(few.numbers.first().map(String::as_str), Some("13800000201"));
        assert_eq!(few.numbers.len(), 12);
        assert_eq!(page(vec![], &Search::default()).next, None);
    }

    #[test]
    fn a_hold_token_is_the_browsers_random_attempt_token() {
        assert!(hold_token_ok("abcdEFGH1234-_xy"));
        assert!(!hold_token_ok("short"));
        assert!(!hold_token_ok(&"a".repeat(65)));
        assert!(!hold_token_ok("abcdEFGH1234 _xy"));
    }

    #[test]
    fn a_birthday_is_a_day_that_exists_in_its_month() {
        for yes in ["13800000101", "13800000229", "13800000430", "13800001231"] {
            assert!(is_birthday(yes), "{yes}");
        }
        for no in [
            "13800000000",
            "13800000132",
            "13800000230",
            "13800000431",
            "13800001301",
        ] {
            assert!(!is_birthday(no), "{no}");
        }
        assert!(!is_birthday("12"));
    }

    #[test]
    fn a_pool_upload_keeps_valid_numbers_once_and_says_what_it_refused() {
        let up = read_pool(
            "\u{feff}number,note\n13800000001,a\n\n138 0000 0002\n13800000001\n12345\n\"13800000003\"\n",
        );
        assert_eq!(up.numbers, ["13800000001", "13800000002", "13800000003"]);
        assert_eq!(
            up.refused,
            vec![
                (1, "number".to_owned(), Refused::NotANumber),
                (5, "13800000001".to_owned(), Refused::Repeated),
                (6, "12345".to_owned(), Refused::NotANumber),
            ]
        );
    }
}
