//! Cases, decided: who may see or work on one, what opening one keeps of the customer (masked
//! words to show, the validated name and ID number to seal for later checks), and what
//! closing one needs. Agents see their own, leads their store's, admins and compliance all.

use haoka_shared::{
    Date,
    api::console::{Case, CloseCase, NewCase},
    idcard, ids, mask, name,
    refusal::Refusal,
};
use serde::Deserialize;

use crate::{
    auth::{self, Permission, Role},
    checks::Subject,
};

/// One row of `cases`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct CaseRow {
    /// Id (`CS…`).
    pub id: String,
    /// Who opened it.
    pub agent: String,
    /// Their store.
    pub store: String,
    /// Masked subject words.
    pub subject_masked: String,
    /// What the sealed subject holds (`name,id_number`).
    #[serde(default)]
    pub subject_parts: String,
    /// The sealed [`Subject`] (empty: none, or cleared by the retention pass); never sent.
    #[serde(default)]
    pub subject_enc: String,
    /// The order it is about.
    pub order_id: Option<String>,
    /// `open`, `approved`, `rejected`, `recapture`.
    pub state: String,
    /// The closing reason.
    pub reason: String,
    /// Who closed it.
    pub closed_by: Option<String>,
    /// Opened, Unix ms.
    pub created_at_ms: i64,
    /// Last change, Unix ms.
    pub updated_at_ms: i64,
}

impl CaseRow {
    /// The case as the console shows it (the sealed subject stays behind).
    pub fn view(&self) -> Case {
        Case {
            id: self.id.clone(),
            agent: self.agent.clone(),
            store: self.store.clone(),
            subject_masked: self.subject_masked.clone(),
            subject_parts: self.subject_parts.clone(),
            order_id: self.order_id.clone(),
            state: self.state.clone(),
            reason: self.reason.clone(),
            closed_by: self.closed_by.clone(),
            created_at_ms: self.created_at_ms,
            updated_at_ms: self.updated_at_ms,
        }
    }
}

/// Whether an account may see `case`.
pub fn may_see(role: Role, username: &str, store: &str, case: &CaseRow) -> bool {
    auth::may_see(role, username, store, &case.agent, &case.store)
}

/// Whether an account may add checks to `case` or close it: the agent who opened it, an
/// admin, or a lead of its store.
pub fn may_work_on(role: Role, username: &str, store: &str, case: &CaseRow) -> bool {
    (case.agent == username && role.can(Permission::RunChecks))
        || role.can(Permission::Administer)
        || (role.can(Permission::ManageStoreAgents) && case.store == store)
}

/// A new case's subject: the masked words to show and what to seal (either part may be left
/// empty), validated as of `today`.
pub fn subject_of(body: &NewCase, today: Date) -> Result<(String, Subject), Refusal> {
    let mut words = Vec::new();
    let mut subject = Subject::default();
    if !body.subject_name.trim().is_empty() {
        let n = name::parse_name(&body.subject_name).map_err(|_| Refusal::InvalidName)?;
        words.push(mask::mask_name(&n));
        subject.name = Some(n);
    }
    if !body.id_number.trim().is_empty() {
        let id = idcard::parse_resident_id(&body.id_number, today)
            .map_err(|_| Refusal::InvalidIdNumber)?;
        words.push(mask::mask_middle(id.as_str(), 6, 4));
        subject.id_number = Some(id.as_str().to_owned());
    }
    if body
        .order_id
        .as_deref()
        .is_some_and(|o| !ids::is_valid_id(o))
    {
        return Err(Refusal::BadRequest);
    }
    Ok((words.join(" "), subject))
}

/// A closing: `approved`, `rejected` or `recapture`, with a reason of 2–200 characters (no
/// control characters), trimmed.
pub fn closing(body: &CloseCase) -> Result<(&str, &str), Refusal> {
    if !["approved", "rejected", "recapture"].contains(&body.decision.as_str()) {
        return Err(Refusal::InvalidDecision);
    }
    let reason = body.reason.trim();
    let n = reason.chars().count();
    if !(2..=200).contains(&n) || reason.chars().any(char::is_control) {
        return Err(Refusal::InvalidReason);
    }
    Ok((body.decision.as_str(), reason))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn case(agent: &str, store: &str) -> CaseRow {
        CaseRow {
            id: "CS1".into(),
            agent: agent.into(),
            store: store.into(),
            subject_masked: String::new(),
            subject_parts: String::new(),
            subject_enc: "sealed".into(),
            order_id: None,
            state: "open".into(),
            reason: String::new(),
            closed_by: None,
            created_at_ms: 1,
            updated_at_ms: 1,
        }
    }

    fn today() -> Date {
        haoka_shared::china_date_from_unix_millis(1_790_000_000_000)
    }

    #[test]
    fn the_agent_their_lead_and_admins_work_on_a_case() {
        let c = case("li", "north");
        assert!(may_work_on(Role::Agent, "li", "north", &c));
        assert!(!may_work_on(Role::Agent, "wang", "north", &c));
        assert!(may_work_on(Role::Lead, "zhao", "north", &c));
        assert!(!may_work_on(Role::Lead, "zhao", "south", &c));
        assert!(may_work_on(Role::Admin, "boss", "", &c));
        assert!(!may_work_on(Role::Compliance, "audit", "", &c));
        assert!(may_see(Role::Compliance, "audit", "", &c));
        assert!(!may_see(Role::Agent, "wang", "north", &c));
    }

    #[test]
    fn a_subject_is_masked_to_show_and_kept_whole_to_seal() {
        let body = NewCase {
            subject_name: "张三".into(),
            id_number: "110101200007282906".into(),
            order_id: None,
        };
        let (words, subject) = subject_of(&body, today()).unwrap();
        assert_eq!(words, "张* 110101********2906");
        assert_eq!(subject.id_number.as_deref(), Some("110101200007282906"));
        assert_eq!(subject.parts(), ["name", "id_number"]);
        let empty = subject_of(&NewCase::default(), today()).unwrap();
        assert_eq!(empty, (String::new(), Subject::default()));
    }

    #[test]
    fn a_bad_subject_or_order_id_is_refused() {
        let bad_id = NewCase {
            id_number: "110101200007282907".into(),
            ..NewCase::default()
        };
        assert_eq!(subject_of(&bad_id, today()), Err(Refusal::InvalidIdNumber));
        let bad_order = NewCase {
            order_id: Some("x; DROP".into()),
            ..NewCase::default()
        };
        assert_eq!(subject_of(&bad_order, today()), Err(Refusal::BadRequest));
    }

    #[test]
    fn a_closing_needs_a_known_decision_and_a_reason() {
        let close = |d: &str, r: &str| {
            let body = CloseCase {
                decision: d.into(),
                reason: r.into(),
            };
            closing(&body).map(|(d, r)| (d.to_owned(), r.to_owned()))
        };
        assert_eq!(
            close("approved", " 核验一致 "),
            Ok(("approved".into(), "核验一致".into()))
        );
        assert_eq!(close("maybe", "核验一致"), Err(Refusal::InvalidDecision));
        assert_eq!(close("rejected", "x"), Err(Refusal::InvalidReason));
        assert_eq!(close("rejected", "a\u{7}b"), Err(Refusal::InvalidReason));
    }
}
