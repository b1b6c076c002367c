//! Exports for admins: the console's checks of a month as CSV (UTF-8 with a BOM so that Excel
//! reads the Chinese; written by the `csv` crate). Only masked values are exported, and a
//! cell that a spreadsheet would run as a formula (`=`, `+`, `-`, `@`, tab, CR) is prefixed
//! with `'` so it stays text.

use serde::Deserialize;

/// One exported check (masked; what the history list shows).
#[derive(Debug, Clone, Deserialize)]
pub struct CheckLine {
    /// Check id.
    pub id: String,
    /// When it was run, China time (`2026-11-24 12:00:00`).
    #[serde(default)]
    pub created: String,
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
}

const HEADER: [&str; 11] = [
    "id",
    "created_china_time",
    "agent",
    "store",
    "check",
    "state",
    "verdict",
    "via",
    "cost_fen",
    "case_id",
    "inputs_masked",
];

/// A cell a spreadsheet will not evaluate.
pub fn defuse(cell: &str) -> String {
    match cell.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{cell}"),
        _ => cell.to_owned(),
    }
}

/// The CSV document (BOM, header, one line per check).
pub fn checks_csv(lines: &[CheckLine]) -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut ok = w.write_record(HEADER).is_ok();
    for l in lines {
        let cost = l.cost_fen.to_string();
        let record = [
            l.id.as_str(),
            &l.created,
            &l.agent,
            &l.store,
            &l.check_name,
            &l.state,
            l.verdict.as_deref().unwrap_or_default(),
            &l.via,
            &cost,
            l.case_id.as_deref().unwrap_or_default(),
            &l.inputs_masked,
        ]
        .map(defuse);
        ok &= w.write_record(&record).is_ok();
    }
    let body = w.into_inner().ok().filter(|_| ok).unwrap_or_default();
    format!("\u{FEFF}{}", String::from_utf8_lossy(&body))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(agent: &str, inputs: &str) -> CheckLine {
        CheckLine {
            id: "CK1".into(),
            created: "2026-11-24 12:00:00".into(),
            agent: agent.into(),
            store: "北京一店".into(),
            check_name: "namecheck".into(),
            state: "settled".into(),
            verdict: Some("match".into()),
            via: "realme".into(),
            cost_fen: 30,
            case_id: None,
            inputs_masked: inputs.into(),
        }
    }

    #[test]
    fn quoted_defused_and_read_back() {
        let doc = checks_csv(&[
            line(
                "=HYPERLINK(\"http://x\")",
                r#"{"full_name":"张*","note":"a,b"}"#,
            ),
            line("wang", "{}"),
        ]);
        assert!(doc.starts_with('\u{FEFF}'));
        let mut r = csv::Reader::from_reader(doc.trim_start_matches('\u{FEFF}').as_bytes());
        let rows: Vec<csv::StringRecord> = r.records().filter_map(Result::ok).collect();
        assert_eq!(rows.len(), 2);
        assert_eq!(&rows[0][2], "'=HYPERLINK(\"http://x\")");
        assert_eq!(&rows[0][10], r#"{"full_name":"张*","note":"a,b"}"#);
        assert_eq!(&rows[1][2], "wang");
        assert_eq!(&rows[1][8], "30");
        assert_eq!(r.headers().map(|h| h.len()).unwrap_or_default(), 11);
        for (cell, want) in [
            ("-1", "'-1"),
            ("+x", "'+x"),
            ("@a", "'@a"),
            ("ok", "ok"),
            ("", ""),
        ] {
            assert_eq!(defuse(cell), want);
        }
    }
}
