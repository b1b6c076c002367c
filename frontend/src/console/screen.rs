//! The console's screens and their URLs under `/console/`: the one place its route strings
//! live. Every link and every navigation is built by [`Screen::href`], and a URL read back by
//! [`Screen::parse`]. Plain functions, tested natively.

use haoka_shared::api::console::{CHECKS, CheckFilter};

use crate::i18n::Lang;

/// Where the console is served: trunk's `public_url`, the worker's `/console/*`.
pub const BASE: &str = "/console";
/// `/console/cases/{id}`: one case.
pub const CASES_SEGMENT: &str = "cases";
/// `/console/checks/{id}`: one check's result.
pub const CHECKS_SEGMENT: &str = "checks";
/// `/console/history?check=&verdict=`: the checks run, filtered.
pub const HISTORY_SEGMENT: &str = "history";
/// `/console/audit`: the audit log.
pub const AUDIT_SEGMENT: &str = "audit";
/// `/console/manage`: accounts, spend, prices, settings, stuck orders.
pub const MANAGE_SEGMENT: &str = "manage";

/// One screen of the console.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Screen {
    /// `/console/`: the agent's cases and a new one.
    Cases,
    /// `/console/cases/{id}`.
    Case(String),
    /// `/console/checks/{id}`.
    Check(String),
    /// `/console/history`, with the check and the verdict it is filtered by.
    History(CheckFilter),
    /// `/console/audit`.
    Audit,
    /// `/console/manage`.
    Manage,
    /// Any other path under `/console/`.
    NotFound,
}

impl Screen {
    /// The screen's URL (path and query), as the address bar shows it.
    pub fn href(&self) -> String {
        match self {
            Screen::Cases | Screen::NotFound => format!("{BASE}/"),
            Screen::Case(id) => format!("{BASE}/{CASES_SEGMENT}/{}", encode(id)),
            Screen::Check(id) => format!("{BASE}/{CHECKS_SEGMENT}/{}", encode(id)),
            Screen::History(filter) => {
                // Only what is picked from a list goes into the URL: the ID number or mobile
                // searched for stays out of the browser's history.
                let query = query(&[
                    ("check", filter.check.as_deref().unwrap_or_default()),
                    ("verdict", filter.verdict.as_deref().unwrap_or_default()),
                ]);
                let sep = if query.is_empty() { "" } else { "?" };
                format!("{BASE}/{HISTORY_SEGMENT}{sep}{query}")
            }
            Screen::Audit => format!("{BASE}/{AUDIT_SEGMENT}"),
            Screen::Manage => format!("{BASE}/{MANAGE_SEGMENT}"),
        }
    }

    /// The screen at a URL's path (as `location.pathname` has it) and query string (with or
    /// without its `?`); [`Screen::NotFound`] for any other path.
    pub fn parse(path: &str, search: &str) -> Screen {
        let Some(rest) = path.strip_prefix(BASE) else {
            return Screen::NotFound;
        };
        if !(rest.is_empty() || rest.starts_with('/')) {
            return Screen::NotFound;
        }
        let segments: Vec<String> = rest
            .split('/')
            .filter(|s| !s.is_empty())
            .map(decode)
            .collect();
        let named = |name: &str| {
            let pairs = query_pairs(search);
            pairs.into_iter().find(|(k, _)| k == name).map(|(_, v)| v)
        };
        match segments.iter().map(String::as_str).collect::<Vec<_>>()[..] {
            [] => Screen::Cases,
            [CASES_SEGMENT, id] => Screen::Case(id.to_owned()),
            [CHECKS_SEGMENT, id] => Screen::Check(id.to_owned()),
            [HISTORY_SEGMENT] => Screen::History(history_filter(
                named("check").as_deref(),
                named("verdict").as_deref(),
            )),
            [AUDIT_SEGMENT] => Screen::Audit,
            [MANAGE_SEGMENT] => Screen::Manage,
            _ => Screen::NotFound,
        }
    }

    /// The page's title (the browser tab, the history list) in `lang`.
    pub fn title(&self, lang: Lang) -> String {
        let (zh, en) = match self {
            Screen::Cases => ("案件", "Cases"),
            Screen::Case(_) => ("案件", "Case"),
            Screen::Check(_) => ("核验结果", "Check result"),
            Screen::History(_) => ("核验历史", "History"),
            Screen::Audit => ("审计日志", "Audit log"),
            Screen::Manage => ("管理", "Manage"),
            Screen::NotFound => ("页面不存在", "Page not found"),
        };
        let what = match self {
            Screen::Case(id) | Screen::Check(id) => format!("{} {id}", lang.pick(zh, en)),
            _ => lang.pick(zh, en).to_owned(),
        };
        title_with(&what, lang)
    }
}

/// The history's filter from its URL's `check` and `verdict` (decoded; blank: any).
pub fn history_filter(check: Option<&str>, verdict: Option<&str>) -> CheckFilter {
    let read = CheckFilter::from_pairs(
        [("check", check), ("verdict", verdict)]
            .into_iter()
            .filter_map(|(k, v)| v.map(|v| (k, v))),
    );
    CheckFilter {
        check: read.check,
        verdict: read.verdict,
        ..CheckFilter::default()
    }
}

/// Whether the nav's entry for `screen` is the current place at URL path `path`: a case
/// belongs to the cases, a check to the history.
pub fn is_current(screen: &Screen, path: &str) -> bool {
    let rest = path
        .strip_prefix(BASE)
        .unwrap_or(path)
        .trim_start_matches('/');
    let first = rest.split('/').next().unwrap_or_default();
    match screen {
        Screen::Cases => first.is_empty() || first == CASES_SEGMENT,
        Screen::History(_) => first == HISTORY_SEGMENT || first == CHECKS_SEGMENT,
        Screen::Audit => first == AUDIT_SEGMENT,
        Screen::Manage => first == MANAGE_SEGMENT,
        Screen::Case(_) | Screen::Check(_) | Screen::NotFound => false,
    }
}

/// `what · 坐席台 · 号卡`, the console's title for a screen (or the sign-in).
pub fn title_with(what: &str, lang: Lang) -> String {
    format!(
        "{what} · {}",
        lang.pick("坐席台 · 号卡", "Agent console · haoka")
    )
}

/// `GET /api/console/checks?…` for `filter` (every filter the edge takes, the search too).
pub fn checks_path(filter: &CheckFilter) -> String {
    let from = filter.from_ms.map(|v| v.to_string()).unwrap_or_default();
    let to = filter.to_ms.map(|v| v.to_string()).unwrap_or_default();
    let query = query(&[
        ("check", filter.check.as_deref().unwrap_or_default()),
        ("verdict", filter.verdict.as_deref().unwrap_or_default()),
        ("agent", filter.agent.as_deref().unwrap_or_default()),
        ("from_ms", &from),
        ("to_ms", &to),
        ("q", filter.q.as_deref().unwrap_or_default()),
    ]);
    if query.is_empty() {
        CHECKS.to_owned()
    } else {
        format!("{CHECKS}?{query}")
    }
}

/// `k=v&…` for the pairs whose value is not blank, trimmed and percent-encoded.
pub fn query(pairs: &[(&str, &str)]) -> String {
    pairs
        .iter()
        .map(|(k, v)| (k, v.trim()))
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| format!("{k}={}", encode(v)))
        .collect::<Vec<_>>()
        .join("&")
}

/// A query string's pairs (with or without its `?`), decoded as a form's: `+` is a space.
pub fn query_pairs(search: &str) -> Vec<(String, String)> {
    search
        .trim_start_matches('?')
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (decode(&k.replace('+', " ")), decode(&v.replace('+', " ")))
        })
        .collect()
}

/// Percent-decoding (a `%` not followed by two hex digits stays as it is; bytes that are not
/// UTF-8 become U+FFFD).
fn decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex) {
            (b'%', Some(b)) => {
                out.push(b);
                i += 3;
            }
            (b, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Percent-encoding of everything but RFC 3986's unreserved characters (a URL component).
fn encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_screen_lives_under_the_console() {
        assert_eq!(Screen::Cases.href(), "/console/");
        assert_eq!(Screen::Case("CS1".into()).href(), "/console/cases/CS1");
        assert_eq!(Screen::Check("CK1".into()).href(), "/console/checks/CK1");
        assert_eq!(
            Screen::History(CheckFilter::default()).href(),
            "/console/history"
        );
        assert_eq!(Screen::Audit.href(), "/console/audit");
        assert_eq!(Screen::Manage.href(), "/console/manage");
        assert_eq!(Screen::NotFound.href(), "/console/");
    }

    /// `href` split as the browser's `location` splits it.
    fn read_back(screen: &Screen) -> Screen {
        let href = screen.href();
        let (path, search) = href.split_once('?').unwrap_or((&href, ""));
        Screen::parse(path, search)
    }

    #[test]
    fn links_read_back_as_the_same_screen() {
        let history = Screen::History(CheckFilter {
            check: Some("namecheck".into()),
            verdict: Some("face_below_threshold".into()),
            ..CheckFilter::default()
        });
        for screen in [
            Screen::Cases,
            Screen::Case("CS20261203AB12CD".into()),
            Screen::Check("CK1".into()),
            Screen::History(CheckFilter::default()),
            history,
            Screen::Audit,
            Screen::Manage,
        ] {
            assert_eq!(read_back(&screen), screen, "{}", screen.href());
        }
    }

    #[test]
    fn an_id_is_one_segment_whatever_it_holds() {
        let odd = Screen::Case("a/b?c 张".into());
        assert_eq!(odd.href(), "/console/cases/a%2Fb%3Fc%20%E5%BC%A0");
        assert_eq!(read_back(&odd), odd);
    }

    #[test]
    fn other_paths_are_not_found_and_a_trailing_slash_is_the_same_screen() {
        assert_eq!(Screen::parse("/console", ""), Screen::Cases);
        assert_eq!(Screen::parse("/console/audit/", ""), Screen::Audit);
        assert_eq!(Screen::parse("/console/xyz", ""), Screen::NotFound);
        assert_eq!(Screen::parse("/console/cases", ""), Screen::NotFound);
        assert_eq!(Screen::parse("/console/cases/CS1/x", ""), Screen::NotFound);
        assert_eq!(Screen::parse("/consoles/audit", ""), Screen::NotFound);
        assert_eq!(Screen::parse("/", ""), Screen::NotFound);
        // The manage screen has no query of its own: one is ignored.
        assert_eq!(Screen::parse("/console/manage", "?x=1"), Screen::Manage);
    }

    #[test]
    fn a_query_is_decoded_as_a_form_is() {
        assert_eq!(
            query_pairs("?check=name+check&q=%E5%BC%A0&bad=%zz&flag"),
            [
                ("check".to_owned(), "name check".to_owned()),
                ("q".to_owned(), "张".to_owned()),
                ("bad".to_owned(), "%zz".to_owned()),
                ("flag".to_owned(), String::new()),
            ]
        );
        assert_eq!(
            Screen::parse("/console/history", "verdict=match&verdict=mismatch"),
            Screen::History(CheckFilter {
                verdict: Some("match".into()),
                ..CheckFilter::default()
            }),
            "the first of a repeated key"
        );
    }

    #[test]
    fn the_history_url_keeps_the_lists_choices_and_never_the_search() {
        let filter = CheckFilter {
            check: Some("namecheck".into()),
            verdict: Some("match".into()),
            q: Some("110101200007282906".into()),
            ..CheckFilter::default()
        };
        let href = Screen::History(filter).href();
        assert_eq!(href, "/console/history?check=namecheck&verdict=match");
        assert_eq!(
            history_filter(Some("namecheck"), Some("match")),
            CheckFilter {
                check: Some("namecheck".into()),
                verdict: Some("match".into()),
                ..CheckFilter::default()
            }
        );
        assert_eq!(
            history_filter(Some(" "), None),
            CheckFilter::default(),
            "blank is any"
        );
    }

    #[test]
    fn the_nav_marks_where_the_agent_is() {
        let history = Screen::History(CheckFilter::default());
        assert!(is_current(&Screen::Cases, "/console/"));
        assert!(is_current(&Screen::Cases, "/console"));
        assert!(is_current(&Screen::Cases, "/console/cases/CS1"));
        assert!(is_current(&history, "/console/history"));
        assert!(is_current(&history, "/console/checks/CK1"));
        assert!(is_current(&Screen::Audit, "/console/audit"));
        assert!(is_current(&Screen::Manage, "/console/manage"));
        assert!(!is_current(&Screen::Cases, "/console/audit"));
        assert!(!is_current(&Screen::Audit, "/console/xyz"));
    }

    #[test]
    fn the_checks_call_carries_every_filter_encoded() {
        assert_eq!(checks_path(&CheckFilter::default()), "/api/console/checks");
        let filter = CheckFilter {
            check: Some("phone3".into()),
            agent: Some("wang".into()),
            from_ms: Some(12),
            q: Some(" 张三 1 ".into()),
            ..CheckFilter::default()
        };
        assert_eq!(
            checks_path(&filter),
            "/api/console/checks?check=phone3&agent=wang&from_ms=12&q=%E5%BC%A0%E4%B8%89%201"
        );
    }

    #[test]
    fn titles_name_the_screen_then_the_console() {
        assert_eq!(
            Screen::Case("CS1".into()).title(Lang::Zh),
            "案件 CS1 · 坐席台 · 号卡"
        );
        assert_eq!(
            Screen::Audit.title(Lang::En),
            "Audit log · Agent console · haoka"
        );
        assert_eq!(
            Screen::NotFound.title(Lang::Zh),
            "页面不存在 · 坐席台 · 号卡"
        );
    }
}
