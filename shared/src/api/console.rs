//! Wire types and paths of the agents' console (`/api/console/*`, and the operator's order
//! list it shows): the edge serialises them, the console app decodes them, so a field renamed
//! on one side fails to compile on the other.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// `POST` the first admin (operator bearer token), once.
pub const BOOTSTRAP: &str = "/api/console/bootstrap";
/// `POST` [`Login`] → [`Me`] and the session cookie.
pub const LOGIN: &str = "/api/console/login";
/// `POST` this session ends.
pub const LOGOUT: &str = "/api/console/logout";
/// `POST` every session of this account ends.
pub const LOGOUT_ALL: &str = "/api/console/logout-all";
/// `GET` [`Me`].
pub const ME: &str = "/api/console/me";
/// `GET` [`Accounts`]; `POST` [`NewAccount`] → [`Account`].
pub const ACCOUNTS: &str = "/api/console/accounts";
/// `GET` [`Audit`] (`?before=seq`).
pub const AUDIT: &str = "/api/console/audit";
/// `GET` [`Checks`] (filters: [`CheckFilter`]); `POST` [`RunCheck`] → [`CheckView`].
pub const CHECKS: &str = "/api/console/checks";
/// `GET` [`Cases`] (`?state=`); `POST` [`NewCase`] → [`Case`].
pub const CASES: &str = "/api/console/cases";
/// `GET` [`Spend`] (`?month=YYYY-MM`).
pub const SPEND: &str = "/api/console/reports/spend";
/// `GET` [`Prices`]; `POST` [`NewPrice`].
pub const PRICES: &str = "/api/console/prices";
/// `GET` a month's checks as CSV (`?month=YYYY-MM`).
pub const EXPORT_CHECKS: &str = "/api/console/exports/checks.csv";
/// `GET` [`Settings`]; `POST` [`SettingChange`].
pub const SETTINGS: &str = "/api/console/settings";
/// `GET` [`AdminOrders`] (`?state=&older_than_min=&flagged=`), operator or admin.
pub const ADMIN_ORDERS: &str = "/api/admin/orders";

/// `POST` [`AccountChange`] → [`Account`].
pub fn account_path(username: &str) -> String {
    format!("{ACCOUNTS}/{username}")
}

/// `GET` [`CaseDetail`].
pub fn case_path(id: &str) -> String {
    format!("{CASES}/{id}")
}

/// `POST` [`CloseCase`] → [`Case`].
pub fn case_close_path(id: &str) -> String {
    format!("{CASES}/{id}/close")
}

/// `GET` [`CheckView`].
pub fn check_path(id: &str) -> String {
    format!("{CHECKS}/{id}")
}

/// `POST` [`Reveal`] → [`Revealed`].
pub fn reveal_path(id: &str) -> String {
    format!("{CHECKS}/{id}/reveal")
}

/// `POST` [`Settle`] (operator or admin).
pub fn settle_path(order_id: &str) -> String {
    format!("{ADMIN_ORDERS}/{order_id}/settle")
}

/// Who is signed in, and the session's CSRF token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Me {
    /// User name.
    pub username: String,
    /// Display name.
    pub display_name: String,
    /// `agent`, `lead`, `admin` or `compliance`.
    pub role: String,
    /// Store.
    pub store: String,
    /// The session's CSRF token (the console keeps it in memory only).
    pub csrf: String,
    /// When the session ends at the latest, Unix ms.
    #[serde(default)]
    pub expires_at_ms: i64,
}

impl Me {
    /// Whether the audit log is theirs to read.
    pub fn reads_audit(&self) -> bool {
        matches!(self.role.as_str(), "admin" | "compliance")
    }
}

/// `POST /api/console/login`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Login {
    /// User name (lower-cased by the edge).
    pub username: String,
    /// Password.
    pub password: String,
}

/// An account as the console shows it (never its password hash).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Account {
    /// User name.
    pub username: String,
    /// Display name.
    pub display_name: String,
    /// Role name.
    pub role: String,
    /// Store.
    pub store: String,
    /// Disabled by an admin or a lead.
    pub disabled: bool,
    /// Locked after too many wrong passwords.
    pub locked: bool,
    /// Created, Unix ms.
    pub created_at_ms: i64,
}

/// `GET /api/console/accounts`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Accounts {
    /// By user name.
    pub accounts: Vec<Account>,
}

/// `POST /api/console/accounts` (and the bootstrap).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewAccount {
    /// User name: 3–32 of `a-z 0-9 . _ -`.
    pub username: String,
    /// Display name.
    pub display_name: String,
    /// Password.
    pub password: String,
    /// Role name (`agent` when absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
    /// Store.
    #[serde(default)]
    pub store: String,
}

/// `POST /api/console/accounts/{username}`: what to change (absent: unchanged).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountChange {
    /// New display name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    /// New role name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
    /// New store.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub store: Option<String>,
    /// Disable or re-enable.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disabled: Option<bool>,
    /// New password.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password: Option<String>,
    /// One's own current password, needed to change it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub current_password: Option<String>,
    /// Clear a lockout.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unlock: Option<bool>,
}

/// One case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Case {
    /// Id.
    pub id: String,
    /// Who opened it.
    pub agent: String,
    /// Their store.
    #[serde(default)]
    pub store: String,
    /// Masked subject (`张* 110101********2906`).
    pub subject_masked: String,
    /// What the case holds sealed for checks to use (`name,id_number`), in the order of the
    /// masked subject's words.
    #[serde(default)]
    pub subject_parts: String,
    /// The order it is about, if any.
    #[serde(default)]
    pub order_id: Option<String>,
    /// `open`, `approved`, `rejected`, `recapture`.
    pub state: String,
    /// The closing reason.
    #[serde(default)]
    pub reason: String,
    /// Who closed it.
    #[serde(default)]
    pub closed_by: Option<String>,
    /// Opened at.
    pub created_at_ms: i64,
    /// Last change.
    #[serde(default)]
    pub updated_at_ms: i64,
}

impl Case {
    /// The case's subject parts with their masked words: (`name`, `张*`), (`id_number`, …).
    pub fn subject(&self) -> Vec<(String, String)> {
        self.subject_parts
            .split(',')
            .filter(|p| !p.is_empty())
            .zip(self.subject_masked.split(' '))
            .map(|(p, m)| (p.to_owned(), m.to_owned()))
            .collect()
    }
}

/// `GET /api/console/cases`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cases {
    /// Newest first.
    pub cases: Vec<Case>,
}

/// `POST /api/console/cases`: the subject is optional (either part may be empty).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewCase {
    /// The customer's name.
    #[serde(default)]
    pub subject_name: String,
    /// The customer's ID number.
    #[serde(default)]
    pub id_number: String,
    /// The order it is about.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order_id: Option<String>,
}

/// `POST /api/console/cases/{id}/close`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CloseCase {
    /// `approved`, `rejected` or `recapture`.
    pub decision: String,
    /// Why (2–200 characters).
    pub reason: String,
}

/// A check in a case's list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckBrief {
    /// Check id.
    pub id: String,
    /// Check name.
    #[serde(default)]
    pub check_name: String,
    /// State.
    #[serde(default)]
    pub state: String,
    /// Verdict, once settled.
    #[serde(default)]
    pub verdict: Option<String>,
    /// Run at.
    #[serde(default)]
    pub created_at_ms: i64,
}

/// `GET /api/console/cases/{id}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseDetail {
    /// The case.
    pub case: Case,
    /// Its checks, newest first.
    pub checks: Vec<CheckBrief>,
}

/// What the agent confirmed before a check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Consent {
    /// The consent text's version (`consent::CHECK_CONSENT_VERSION`).
    pub version: String,
    /// The customer agreed.
    pub confirmed: bool,
    /// The customer also agreed to face images or bank card data being checked.
    #[serde(default)]
    pub sensitive: bool,
}

/// `POST /api/console/checks`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunCheck {
    /// `phone3` or a RealMe check name.
    pub check: String,
    /// The form's values by parameter name.
    pub fields: BTreeMap<String, String>,
    /// What the agent confirmed.
    pub consent: Consent,
    /// The case the check belongs to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub case_id: Option<String>,
    /// Fields to fill from the case's subject instead of typed ones (name and ID-number
    /// fields), so the agent does not type personal data again.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub from_case: Vec<String>,
}

/// A check as the console shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CheckView {
    /// Id.
    pub id: String,
    /// Check name (`phone3` or a RealMe name).
    pub check: String,
    /// Chinese title.
    pub title_zh: String,
    /// English title.
    pub title_en: String,
    /// The case it belongs to.
    #[serde(default)]
    pub case_id: Option<String>,
    /// Who ran it.
    pub agent: String,
    /// `settled`, `pending`, `failed`, `timed_out`.
    pub state: String,
    /// The verdict, once settled.
    pub verdict: Option<String>,
    /// Plain words.
    pub explanation_zh: String,
    /// Plain words.
    pub explanation_en: String,
    /// Result fields (OCR and the like), masked where they are personal.
    #[serde(default)]
    pub fields: BTreeMap<String, String>,
    /// `return_code resp_code mp_ssim`, for the detail line.
    #[serde(default)]
    pub raw: String,
    /// `realme`, `phone3`, `mobilecheck_failover`, `reuse`.
    pub via: String,
    /// The check whose result a reuse answered with.
    #[serde(default)]
    pub reused_from: Option<String>,
    /// Cost in fen.
    pub cost_fen: i64,
    /// Inputs, masked.
    #[serde(default)]
    pub inputs: BTreeMap<String, String>,
    /// Run at.
    pub created_at_ms: i64,
    /// Settled, failed or timed out at.
    #[serde(default)]
    pub settled_at_ms: Option<i64>,
}

/// `GET /api/console/checks`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Checks {
    /// Newest first, at most 100.
    pub checks: Vec<CheckView>,
}

/// `GET /api/console/checks?…`: the history's filters (absent or empty: any).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckFilter {
    /// Check name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub check: Option<String>,
    /// Verdict.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verdict: Option<String>,
    /// Agent's user name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent: Option<String>,
    /// Run at or after, Unix ms.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from_ms: Option<i64>,
    /// Run before, Unix ms.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to_ms: Option<i64>,
    /// An ID number or a mobile (searched by keyed hash).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub q: Option<String>,
}

impl CheckFilter {
    /// The filter from a query string's pairs: empty values and unknown keys are ignored, a
    /// time that is not a number is no filter.
    pub fn from_pairs<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> CheckFilter {
        let mut f = CheckFilter::default();
        for (k, v) in pairs {
            let v = v.trim();
            if v.is_empty() {
                continue;
            }
            match k {
                "check" => f.check = Some(v.to_owned()),
                "verdict" => f.verdict = Some(v.to_owned()),
                "agent" => f.agent = Some(v.to_owned()),
                "from_ms" => f.from_ms = v.parse().ok(),
                "to_ms" => f.to_ms = v.parse().ok(),
                "q" => f.q = Some(v.to_owned()),
                _ => {}
            }
        }
        f
    }
}

/// `POST /api/console/checks/{id}/reveal`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reveal {
    /// The input to show in clear.
    pub field: String,
    /// Why (3–200 characters), audited.
    pub reason: String,
}

/// The reveal's answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Revealed {
    /// The input.
    pub field: String,
    /// Its clear value.
    pub value: String,
}

/// One audit entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    /// Sequence number.
    pub seq: i64,
    /// When.
    pub at_ms: i64,
    /// Who.
    pub actor: String,
    /// What (`shared::audit` names them).
    pub action: String,
    /// On what.
    pub target: String,
    /// Details.
    #[serde(default)]
    pub detail: String,
}

/// `GET /api/console/audit`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Audit {
    /// Newest first.
    pub entries: Vec<AuditEntry>,
    /// Whether the hash chain verified.
    pub chain_ok: bool,
    /// The first entry that did not verify.
    #[serde(default)]
    pub first_bad_seq: Option<i64>,
}

/// One check's price.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Price {
    /// Check name.
    pub check: String,
    /// Chinese title.
    pub title_zh: String,
    /// English title.
    pub title_en: String,
    /// Price in fen.
    pub fen: i64,
}

/// `GET /api/console/prices`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Prices {
    /// Every check, in the table's order, phone three-factor last.
    pub prices: Vec<Price>,
}

/// `POST /api/console/prices` (and its answer).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewPrice {
    /// Check name.
    pub check: String,
    /// Price in fen, 0–100000.
    pub fen: i64,
}

/// One group of the spend report.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SpendRow {
    /// The agent (in `by_agent`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent: Option<String>,
    /// The store (in `by_agent` and `by_store`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub store: Option<String>,
    /// The check (in `by_check`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub check_name: Option<String>,
    /// Checks run.
    pub checks: i64,
    /// Spent, fen.
    pub fen: i64,
    /// Verdict `match`.
    pub passed: i64,
    /// Verdicts that say yes or no about a person.
    pub judged: i64,
    /// Answered by reuse (free).
    pub reused: i64,
    /// `passed ÷ judged`, to three places; `None` when nothing was judged.
    pub pass_rate: Option<f64>,
}

/// `GET /api/console/reports/spend`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Spend {
    /// `YYYY-MM`, China time.
    pub month: String,
    /// Total, fen.
    pub total_fen: i64,
    /// `all` or the lead's store.
    pub scope: String,
    /// Per agent.
    pub by_agent: Vec<SpendRow>,
    /// Per store.
    pub by_store: Vec<SpendRow>,
    /// Per check.
    pub by_check: Vec<SpendRow>,
}

/// One setting.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Setting {
    /// Key (`REALME_PASS_SCORE`, …).
    pub key: String,
    /// Chinese words.
    pub zh: String,
    /// English words.
    pub en: String,
    /// Lowest allowed.
    pub min: f64,
    /// Highest allowed.
    pub max: f64,
    /// In force now.
    pub value: f64,
    /// The `[vars]` default.
    pub default: f64,
    /// Who changed it last.
    #[serde(default)]
    pub changed_by: Option<String>,
    /// When.
    #[serde(default)]
    pub changed_at_ms: Option<i64>,
}

/// `GET /api/console/settings`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Settings {
    /// Every setting.
    pub settings: Vec<Setting>,
}

/// `POST`: an admin loads numbers into a product's 选号 pool.
pub const CONSOLE_NUMBERS_PATH: &str = "/api/console/numbers";

/// `POST /api/console/numbers`: the pool upload, one number per line or the first column of
/// a CSV.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PoolUploadRequest {
    /// Vendor product id.
    pub product: String,
    /// The file's text.
    pub csv: String,
}

/// A refused line of a pool upload.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PoolLineRefused {
    /// Line number, from 1.
    pub line: usize,
    /// The cell as it was.
    pub text: String,
    /// Why, Chinese.
    pub reason_zh: String,
    /// Why, English.
    pub reason_en: String,
}

/// What a pool upload did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PoolUploaded {
    /// Numbers new to the pool.
    pub added: usize,
    /// Valid numbers the pool already had (left as they were: free, held or sold).
    pub already: usize,
    /// Lines refused, in order.
    pub refused: Vec<PoolLineRefused>,
}

/// `POST /api/console/settings`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SettingChange {
    /// Key.
    pub key: String,
    /// The new value as typed.
    pub value: String,
}

/// The change's answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SettingChanged {
    /// Key.
    pub key: String,
    /// The value now in force.
    pub value: f64,
}

/// One order as an operator sees it in a list (PII masked).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AdminOrder {
    /// Our order number.
    pub order_id: String,
    /// State name.
    pub state: String,
    /// Vendor product id.
    pub product_id: String,
    /// Masked name.
    pub name: String,
    /// Masked mobile.
    pub mobile: String,
    /// Masked ID number.
    pub id_number: String,
    /// The vendor-facing id.
    pub api_xid: String,
    /// The vendor's order number.
    #[serde(default)]
    pub apiorder: Option<String>,
    /// Sends so far.
    pub send_attempts: i64,
    /// Whether the photos are still in R2.
    pub photos_in_r2: bool,
    /// Problems the customer kept on photos (after two retakes), for an agent to look at.
    #[serde(default)]
    pub photo_flags: Option<serde_json::Value>,
    /// Created, Unix ms.
    pub created_at_ms: i64,
    /// Last change, Unix ms.
    pub updated_at_ms: i64,
    /// Unconfirmed for longer than the alert time.
    pub stuck: bool,
    /// Background steps kept failing (or its job reached the dead-letter queue).
    pub flagged: bool,
}

/// `GET /api/admin/orders`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AdminOrders {
    /// Newest first, at most 200.
    pub orders: Vec<AdminOrder>,
}

/// `POST /api/admin/orders/{id}/settle`: an operator's decision on an unconfirmed order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "action")]
pub enum Settle {
    /// The vendor has it (optionally with its number).
    Confirm {
        /// The vendor's order number.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        apiorder: Option<String>,
    },
    /// The vendor does not have it: send again, same `api_xid`.
    Resend,
    /// Close the order (审核失败, reason "closed by our staff").
    Close,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_filter_reads_its_pairs_and_ignores_the_rest() {
        let f = CheckFilter::from_pairs([
            ("check", "idcheck"),
            ("verdict", ""),
            ("from_ms", "12"),
            ("to_ms", "soon"),
            ("q", " 110101200007282906 "),
            ("other", "x"),
        ]);
        assert_eq!(f.check.as_deref(), Some("idcheck"));
        assert_eq!(f.verdict, None);
        assert_eq!(f.from_ms, Some(12));
        assert_eq!(f.to_ms, None);
        assert_eq!(f.q.as_deref(), Some("110101200007282906"));
    }

    #[test]
    fn paths_name_their_resource() {
        assert_eq!(reveal_path("CK1"), "/api/console/checks/CK1/reveal");
        assert_eq!(case_close_path("CS1"), "/api/console/cases/CS1/close");
        assert_eq!(account_path("li"), "/api/console/accounts/li");
        assert_eq!(settle_path("HK1"), "/api/admin/orders/HK1/settle");
        let close = serde_json::to_string(&Settle::Close).unwrap();
        assert_eq!(close, r#"{"action":"close"}"#);
    }

    #[test]
    fn a_me_from_an_older_edge_still_decodes() {
        let me: Me = serde_json::from_str(
            r#"{"username":"a","display_name":"A","role":"admin","store":"","csrf":"t"}"#,
        )
        .unwrap();
        assert!(me.reads_audit());
        assert_eq!(me.expires_at_ms, 0);
    }
}
