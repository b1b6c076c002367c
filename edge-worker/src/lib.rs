//! haoka-edge: the Cloudflare Worker at the edge of haoka.
//!
//! It holds every secret, re-validates what the browser sends with the same `haoka-shared`
//! rules, keeps state in D1 and photos in flight in R2, runs the identity pre-check, sends
//! orders to Xingguang from a Queue consumer (so no customer waits on the vendor), takes the
//! vendor's callbacks, reconciles on a Cron trigger, and serves the SPA's files. Everything it
//! decides is in `haoka-edge-core` and `haoka-shared` (pure, natively tested); this crate is
//! the I/O shell. Built with `worker-build --release` (`scripts/build.sh`), run by `wrangler
//! dev` (README).

mod body;
mod config;
mod db;
mod http;
mod platform;
mod router;
mod upstream;

use haoka_edge_app::jobs::{self, Ack, DEAD_LETTERS, Job};
use platform::Cf;
use worker::{
    Context, Env, MessageBatch, MessageExt, Request, Response, Result, ScheduleContext,
    ScheduledEvent, console_error, event,
};

#[event(fetch)]
async fn fetch(req: Request, env: Env, _ctx: Context) -> Result<Response> {
    router::handle(req, env).await
}

/// Queue consumer: advance orders (a dead letter flags its order). Never returns an error
/// (that would kill the isolate).
#[event(queue)]
async fn queue(batch: MessageBatch<Job>, env: Env, _ctx: Context) -> Result<()> {
    let messages = match batch.messages() {
        Ok(m) => m,
        Err(e) => {
            console_error!("queue batch unreadable: {e}");
            batch.ack_all();
            return Ok(());
        }
    };
    let cf = Cf::new(env.clone(), None);
    let answers = if batch.queue() == DEAD_LETTERS {
        let runs = messages
            .iter()
            .map(|m| jobs::on_dead_letter(&cf, &m.body().order_id));
        futures_util::future::join_all(runs).await
    } else {
        let cfg = match <config::Config as config::FromEnv>::from_env(&env) {
            Ok(c) => c,
            Err(e) => {
                console_error!("queue: {e}");
                batch.retry_all();
                return Ok(());
            }
        };
        // Each message is one order: advance them side by side (a slow vendor delays one only).
        let runs = messages
            .iter()
            .map(|m| jobs::on_message(&cf, &cfg, &m.body().order_id));
        futures_util::future::join_all(runs).await
    };
    for (m, answer) in messages.iter().zip(answers) {
        match answer {
            Ack::Ack => m.ack(),
            Ack::Retry => m.retry(),
        }
    }
    Ok(())
}

/// Cron: the reconciler.
#[event(scheduled)]
async fn scheduled(_event: ScheduledEvent, env: Env, _ctx: ScheduleContext) {
    let cf = Cf::new(env.clone(), None);
    let result = match <config::Config as config::FromEnv>::from_env(&env) {
        Ok(cfg) => haoka_edge_app::reconcile::run(&cf, &cfg).await.map(|_| ()),
        Err(e) => Err(e),
    };
    if let Err(e) = result {
        console_error!("reconcile failed: {e}");
    }
}
