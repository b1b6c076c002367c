//! haoka-edge-app: the edge's routes and background work, written once over a
//! [`Platform`](platform::Platform).
//!
//! Each route reads an [`Incoming`](http::Incoming) request, asks `haoka-edge-core` what to
//! do, runs its statements, calls and object writes through the platform, and answers with a
//! [`Reply`](http::Reply). The Cloudflare Worker (`haoka-edge`) implements the platform on
//! D1, R2, Queues, `fetch` and WebCrypto and converts requests and answers; the native tests
//! (`testing`) implement it on SQLite with the migrations applied, objects in memory and
//! scripted upstream answers, so a route is tested with `cargo test` in milliseconds.

pub mod admin;
pub mod audit;
pub mod body;
pub mod callbacks;
pub mod cases;
pub mod checks;
pub mod console;
pub mod error;
pub mod handoff;
pub mod health;
pub mod http;
pub mod jobs;
pub mod numbers;
pub mod operator;
pub mod orders;
pub mod passwords;
pub mod photos;
pub mod pii;
pub mod platform;
pub mod pool;
pub mod precheck;
pub mod products;
pub mod ratelimit;
pub mod reconcile;
pub mod reports;
pub mod router;
pub mod settings;
#[cfg(any(test, feature = "testing"))]
pub mod testing;
pub mod upkeep;

pub use haoka_edge_core::config::Config;
