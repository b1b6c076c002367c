//! The agents' console's decisions, with no I/O: who may do what to which account, case or
//! check, what a check's row means to the agent who reads it, when a pending check is polled
//! or given up, and what the money view adds up to. The worker loads rows, calls these, and
//! stores or sends what they decide; time is always an argument.

pub mod accounts;
pub mod cases;
pub mod checks;
pub mod reports;
