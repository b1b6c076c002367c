//! haoka-edge: the Cloudflare Worker at the edge of haoka.
//!
//! It holds every secret, re-validates what the browser sends with the same `haoka-shared`
//! rules, keeps state in D1 and photos in flight in R2, runs the identity pre-check, sends
//! orders to Xingguang from a Queue consumer (so no customer waits on the vendor), takes the
//! vendor's callbacks, reconciles on a Cron trigger, and serves the SPA's files. Everything it
//! decides is in `haoka-edge-core` and `haoka-shared` (pure, natively tested); this crate is
//! the I/O shell. Built with `worker-build --release` (`scripts/build.sh`), run by `wrangler
//! dev` (README).

mod admin;
mod audit;
mod body;
mod callbacks;
mod cases;
mod checks;
mod config;
mod console;
mod db;
mod error;
mod handoff;
mod health;
mod jobs;
mod numbers;
mod operator;
mod orders;
mod passwords;
mod photos;
mod pii;
mod precheck;
mod products;
mod ratelimit;
mod reconcile;
mod reports;
mod router;
mod settings;
mod upkeep;
mod upstream;

use worker::{
    Context, Env, MessageBatch, Request, Response, Result, ScheduleContext, ScheduledEvent,
    console_error, event,
};

#[event(fetch)]
async fn fetch(req: Request, env: Env, _ctx: Context) -> Result<Response> {
    router::handle(req, env).await
}

/// Queue consumer: advance orders. Never returns an error (that would kill the isolate).
#[event(queue)]
async fn queue(batch: MessageBatch<jobs::Job>, env: Env, _ctx: Context) -> Result<()> {
    jobs::consume(batch, env).await;
    Ok(())
}

/// Cron: the reconciler.
#[event(scheduled)]
async fn scheduled(_event: ScheduledEvent, env: Env, _ctx: ScheduleContext) {
    let result = match <config::Config as config::FromEnv>::from_env(&env) {
        Ok(cfg) => reconcile::run(&env, &cfg).await.map(|_| ()),
        Err(e) => Err(e),
    };
    if let Err(e) = result {
        console_error!("reconcile failed: {e}");
    }
}
