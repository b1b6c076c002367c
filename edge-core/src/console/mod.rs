//! The agents' console's decisions, with no I/O: who may do what to which account, case or
//! check, what a check's row means to the agent who reads it, when a pending check is polled
//! or given up, and what the money view adds up to. The worker loads rows, calls these, and
//! stores or sends what they decide; time is always an argument.

pub mod accounts;
pub mod cases;
pub mod checks;
pub mod reports;

use crate::auth::{Permission, Role};

/// Whose cases and checks an account's lists hold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    /// Everyone's (admins, compliance).
    All,
    /// One store's (leads).
    Store(String),
    /// One agent's own.
    Agent(String),
}

/// The list scope of an account.
pub fn scope(role: Role, username: &str, store: &str) -> Scope {
    if role.can(Permission::ReadAll) {
        Scope::All
    } else if role.can(Permission::ReadStore) {
        Scope::Store(store.to_owned())
    } else {
        Scope::Agent(username.to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_are_scoped_by_role() {
        assert_eq!(scope(Role::Admin, "a", "s"), Scope::All);
        assert_eq!(scope(Role::Compliance, "c", ""), Scope::All);
        assert_eq!(scope(Role::Lead, "l", "s"), Scope::Store("s".into()));
        assert_eq!(scope(Role::Agent, "g", "s"), Scope::Agent("g".into()));
    }
}
