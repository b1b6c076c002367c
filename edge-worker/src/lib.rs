//! haoka-edge: the Cloudflare Worker at the edge of haoka.
//!
//! It holds every secret, re-validates what the browser sends with the same `haoka-shared`
//! rules (never trusting the browser), stores state in D1, and serves the SPA's files from the
//! `ASSETS` binding. Built with `worker-build --release` (see `scripts/build.sh`) and run by
//! `wrangler dev` (README). The entry point below is a thin shell: routing is in [`router`],
//! errors map to JSON once in [`error`].

mod error;
mod health;
mod orders;
mod router;

use worker::{Context, Env, Request, Response, Result, event};

/// Binding name of the D1 database.
pub const DB_BINDING: &str = "DB";
/// Binding name of the static-assets fetcher (the trunk `dist/` directory).
pub const ASSETS_BINDING: &str = "ASSETS";

#[event(fetch)]
async fn fetch(req: Request, env: Env, _ctx: Context) -> Result<Response> {
    router::handle(req, env).await
}
