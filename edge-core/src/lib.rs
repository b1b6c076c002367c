//! haoka-edge-core: everything the edge worker decides, with no I/O (sans-IO). Each upstream
//! call is two plain functions — build a request (method, URL, headers, body), parse a reply
//! into a typed outcome — and the worker only moves the bytes. Secrets are handled here and in
//! the worker only: the browser bundle never links this crate.
//!
//! Tested natively: `cargo test -p haoka-edge-core` (the upstream tests run the sandbox
//! in-process on 127.0.0.1).

pub mod audit;
pub mod auth;
pub mod budget;
pub mod checks;
pub mod config;
pub mod console;
pub mod crypto;
pub mod export;
pub mod handoff;
pub mod http;
pub mod netpolicy;
pub mod numbers;
pub mod orders;
pub mod phone3;
pub mod precheck;
pub mod realme;
mod reply;
pub mod retry;
pub mod settings;
pub mod sql;
pub mod sweep;
pub mod turnstile;
pub mod vendor;
pub mod verdict;
pub mod xingguang;

pub use verdict::{MismatchPart, Verdict};
