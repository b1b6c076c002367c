//! Console decisions: reports. Which verdicts count towards a pass rate, who sees which
//! stores' spend, how the spend report adds up, which month is "this month" at a `now` the
//! caller passes in, what a price may be, and how a month's checks become export lines.

use haoka_shared::{
    ChinaDateTime,
    api::console::{NewPrice, Price, Prices, Spend, SpendRow},
    realme,
    refusal::Refusal,
};
use serde::Deserialize;

use super::accounts::{Stores, Who};
use crate::{auth::Permission, checks::Verdict, export::CheckLine};

/// Verdicts that say yes or no about a person: the denominator of a pass rate.
pub const JUDGED: [Verdict; 5] = [
    Verdict::Match,
    Verdict::Mismatch,
    Verdict::NoRecord,
    Verdict::MobilePartial,
    Verdict::FaceBelowThreshold,
];

/// The verdict that counts as passed.
pub const PASSED: Verdict = Verdict::Match;

/// The phone three-factor check's name, title and price key (it is not a RealMe check).
pub const PHONE3: (&str, &str, &str) = ("phone3", "手机号三要素核验", "Phone three-factor check");

/// Highest price of one check, in fen.
pub const MAX_PRICE_FEN: i64 = 100_000;

/// The stores whose spend `who` sees: every store for admins and compliance, their own for
/// leads, none (`None`: forbidden) for agents.
pub fn spend_scope(who: Who<'_>) -> Option<Stores<'_>> {
    if who.role.can(Permission::ReadAll) {
        Some(Stores::All)
    } else if who.role.can(Permission::ReadStore) {
        Some(Stores::One(who.store))
    } else {
        None
    }
}

/// The China-time month (`YYYY-MM`) `now` falls in.
pub fn month_of(now_ms: i64) -> String {
    let d = haoka_shared::china_date_from_unix_millis(now_ms);
    format!("{:04}-{:02}", d.year(), u8::from(d.month()))
}

/// `passed ÷ judged` to three places; `None` when nothing was judged.
pub fn pass_rate(passed: i64, judged: i64) -> Option<f64> {
    (judged > 0).then(|| (passed as f64 / judged as f64 * 1000.0).round() / 1000.0)
}

/// The spend report of `month` for `scope` from its three groupings (as counted, without
/// rates): each row gets its pass rate, the total is what the stores spent.
pub fn spend(
    month: &str,
    scope: Stores<'_>,
    by_agent: Vec<SpendRow>,
    by_store: Vec<SpendRow>,
    by_check: Vec<SpendRow>,
) -> Spend {
    let rated = |rows: Vec<SpendRow>| -> Vec<SpendRow> {
        rows.into_iter()
            .map(|r| SpendRow {
                pass_rate: pass_rate(r.passed, r.judged),
                ..r
            })
            .collect()
    };
    Spend {
        month: month.into(),
        total_fen: by_store.iter().map(|r| r.fen).sum(),
        scope: scope.label(),
        by_agent: rated(by_agent),
        by_store: rated(by_store),
        by_check: rated(by_check),
    }
}

/// Every check with its price (`stored`: check name and fen; a check with none costs 0), in
/// the RealMe table's order, phone three-factor last.
pub fn prices(stored: &[(String, i64)]) -> Prices {
    let fen_of = |name: &str| {
        stored
            .iter()
            .find(|(n, _)| n == name)
            .map_or(0, |(_, fen)| *fen)
    };
    let (p3, p3_zh, p3_en) = PHONE3;
    let prices = realme::CHECKS
        .iter()
        .map(|c| (c.name, c.title_zh, c.title_en))
        .chain([(p3, p3_zh, p3_en)])
        .map(|(name, zh, en)| Price {
            check: name.into(),
            title_zh: zh.into(),
            title_en: en.into(),
            fen: fen_of(name),
        })
        .collect();
    Prices { prices }
}

/// A new price: a known check (RealMe's or phone three-factor), 0 to [`MAX_PRICE_FEN`].
pub fn check_price(p: &NewPrice) -> Result<(), Refusal> {
    let known = p.check == PHONE3.0 || realme::check(&p.check).is_some();
    if !known || !(0..=MAX_PRICE_FEN).contains(&p.fen) {
        return Err(Refusal::InvalidPrice);
    }
    Ok(())
}

/// One check as the export reads it from D1.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct ExportRow {
    /// Check id.
    pub id: String,
    /// Agent.
    pub agent: String,
    /// Store.
    pub store: String,
    /// Check name.
    pub check_name: String,
    /// State.
    pub state: String,
    /// Verdict, if settled.
    pub verdict: Option<String>,
    /// How it was answered.
    pub via: String,
    /// Cost in fen.
    pub cost_fen: i64,
    /// Case, if any.
    pub case_id: Option<String>,
    /// Masked inputs (JSON object).
    pub inputs_masked: String,
    /// Run at, Unix ms.
    pub created_at_ms: i64,
}

/// The export's line for `row` (its time in China time).
pub fn export_line(row: ExportRow) -> CheckLine {
    CheckLine {
        id: row.id,
        created: ChinaDateTime::from_unix_millis(row.created_at_ms).display(),
        agent: row.agent,
        store: row.store,
        check_name: row.check_name,
        state: row.state,
        verdict: row.verdict,
        via: row.via,
        cost_fen: row.cost_fen,
        case_id: row.case_id,
        inputs_masked: row.inputs_masked,
    }
}

/// The export's audit detail: `2026-11: 3 rows`.
pub fn export_detail(month: &str, rows: usize) -> String {
    format!("{month}: {rows} rows")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::Role;

    fn row(store: &str, fen: i64, passed: i64, judged: i64) -> SpendRow {
        SpendRow {
            store: Some(store.into()),
            checks: judged + 1,
            fen,
            passed,
            judged,
            ..SpendRow::default()
        }
    }

    #[test]
    fn only_verdicts_about_a_person_are_judged() {
        assert!(JUDGED.contains(&PASSED));
        assert!(!JUDGED.contains(&Verdict::Inconclusive));
        assert!(!JUDGED.contains(&Verdict::Done));
        assert_eq!(
            JUDGED.map(Verdict::as_str),
            [
                "match",
                "mismatch",
                "no_record",
                "mobile_partial",
                "face_below_threshold"
            ]
        );
        // The names go into SQL as literals: they must stay plain words.
        for v in JUDGED {
            assert!(
                v.as_str()
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b == b'_')
            );
        }
    }

    #[test]
    fn pass_rates_round_to_three_places_and_need_something_judged() {
        assert_eq!(pass_rate(2, 3), Some(0.667));
        assert_eq!(pass_rate(1, 8), Some(0.125));
        assert_eq!(pass_rate(3, 3), Some(1.0));
        assert_eq!(pass_rate(0, 4), Some(0.0));
        assert_eq!(pass_rate(0, 0), None);
    }

    #[test]
    fn the_spend_report_rates_every_row_and_totals_the_stores() {
        let report = spend(
            "2026-11",
            Stores::One("north"),
            vec![SpendRow {
                agent: Some("li".into()),
                ..row("north", 90, 1, 2)
            }],
            vec![row("north", 90, 1, 2), row("south", 10, 0, 0)],
            vec![SpendRow {
                check_name: Some("idcheck".into()),
                ..row("", 100, 2, 3)
            }],
        );
        assert_eq!(report.month, "2026-11");
        assert_eq!(report.scope, "north");
        assert_eq!(report.total_fen, 100);
        assert_eq!(report.by_agent[0].pass_rate, Some(0.5));
        assert_eq!(report.by_store[1].pass_rate, None);
        assert_eq!(report.by_check[0].pass_rate, Some(0.667));
        let json = serde_json::to_value(&report).unwrap();
        assert_eq!(json["by_store"][1]["pass_rate"], serde_json::Value::Null);
        assert!(json["by_store"][0].get("agent").is_none(), "{json}");
        let empty = spend("2026-12", Stores::All, vec![], vec![], vec![]);
        assert_eq!((empty.total_fen, empty.scope.as_str()), (0, "all"));
    }

    #[test]
    fn leads_see_their_stores_spend_agents_none() {
        let who = |role| Who {
            username: "x",
            role,
            store: "north",
        };
        assert_eq!(spend_scope(who(Role::Admin)), Some(Stores::All));
        assert_eq!(spend_scope(who(Role::Compliance)), Some(Stores::All));
        assert_eq!(spend_scope(who(Role::Lead)), Some(Stores::One("north")));
        assert_eq!(spend_scope(who(Role::Agent)), None);
    }

    #[test]
    fn this_month_is_the_china_time_month() {
        // 2026-10-31 16:00 UTC is 2026-11-01 00:00 in China.
        let start_nov = 1_793_462_400_000;
        assert_eq!(month_of(start_nov), "2026-11");
        assert_eq!(month_of(start_nov - 1), "2026-10");
        let (from, _) = haoka_shared::china_month_bounds_ms("2026-11").unwrap();
        assert_eq!(from, start_nov);
    }

    #[test]
    fn prices_list_every_check_with_phone3_last_and_unpriced_as_free() {
        let list = prices(&[("namecheck".into(), 30), ("phone3".into(), 40)]).prices;
        assert_eq!(list.len(), realme::CHECKS.len() + 1);
        assert_eq!(list[0].check, realme::CHECKS[0].name);
        let last = list.last().unwrap();
        assert_eq!((last.check.as_str(), last.fen), ("phone3", 40));
        assert_eq!(last.title_zh, "手机号三要素核验");
        let name = list.iter().find(|p| p.check == "namecheck").unwrap();
        assert_eq!(name.fen, 30);
        assert!(
            list.iter()
                .filter(|p| p.check != "namecheck" && p.check != "phone3")
                .all(|p| p.fen == 0)
        );
    }

    #[test]
    fn a_price_is_for_a_known_check_and_within_range() {
        let p = |check: &str, fen| NewPrice {
            check: check.into(),
            fen,
        };
        assert_eq!(check_price(&p("phone3", 0)), Ok(()));
        assert_eq!(
            check_price(&p(realme::CHECKS[0].name, MAX_PRICE_FEN)),
            Ok(())
        );
        for bad in [
            p("phone3", -1),
            p("phone3", MAX_PRICE_FEN + 1),
            p("nosuchcheck", 10),
            p("", 10),
        ] {
            assert_eq!(check_price(&bad), Err(Refusal::InvalidPrice), "{bad:?}");
        }
    }

    #[test]
    fn an_export_line_carries_the_china_time() {
        let line = export_line(ExportRow {
            id: "CK1".into(),
            agent: "li".into(),
            store: "north".into(),
            check_name: "namecheck".into(),
            state: "settled".into(),
            verdict: Some("match".into()),
            via: "realme".into(),
            cost_fen: 30,
            case_id: None,
            inputs_masked: "{}".into(),
            created_at_ms: 1_793_462_400_000,
        });
        assert_eq!(line.created, "2026-11-01 00:00:00");
        assert_eq!((line.id.as_str(), line.cost_fen), ("CK1", 30));
        assert_eq!(export_detail("2026-11", 3), "2026-11: 3 rows");
    }
}
