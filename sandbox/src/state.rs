//! The sandbox's memory: every request received, faults armed, orders, checks, callbacks.

use std::{
    collections::{HashMap, HashSet, VecDeque},
    sync::{Arc, Mutex, MutexGuard},
    time::{Instant, SystemTime, UNIX_EPOCH},
};

use axum::{
    extract::{Request, State as AxState},
    middleware::Next,
    response::Response,
};
use serde::Serialize;

use crate::{Config, faults::Fault};

/// A request as received, for assertions (`GET /__sandbox/requests`). Secrets are redacted
/// and images summarised by the handler that parsed them.
#[derive(Debug, Clone, Serialize)]
pub struct Recorded {
    /// Sequence number.
    pub n: usize,
    /// HTTP method.
    pub method: String,
    /// Path.
    pub path: String,
    /// Query string.
    pub query: String,
    /// Content type.
    pub content_type: String,
    /// Whether an `Authorization` header came (its value is never recorded).
    pub authorization: bool,
    /// Parsed fields, once a handler has read them.
    pub fields: Vec<(String, String)>,
}

/// The request log keeps this many of the newest requests, so a long local run stays small.
pub const MAX_RECORDED: usize = 10_000;

/// Recorded id of the current request, in its extensions.
#[derive(Debug, Clone, Copy)]
pub struct RecordId(pub usize);

/// A callback the sandbox owes someone.
#[derive(Debug, Clone, Serialize)]
pub struct Pending {
    /// Which vendor: `xingguang` or `realme`.
    pub vendor: &'static str,
    /// The endpoint that caused it (for the `withhold_callback` fault).
    pub endpoint: String,
    /// Where to POST.
    pub url: String,
    /// Form fields to send.
    pub fields: Vec<(String, String)>,
    /// Not delivered before this instant.
    #[serde(skip)]
    pub due: Instant,
    /// Held back by a fault until fired by hand.
    pub withheld: bool,
}

/// A delivery attempt's outcome.
#[derive(Debug, Clone, Serialize)]
pub struct Delivery {
    /// Which vendor.
    pub vendor: &'static str,
    /// Where it went.
    pub url: String,
    /// Fields sent.
    pub fields: Vec<(String, String)>,
    /// HTTP status, or 0 if the receiver did not answer.
    pub status: u16,
    /// The receiver's body (first 200 bytes).
    pub body: String,
}

/// One Xingguang order.
#[derive(Debug, Clone, Serialize)]
pub struct XgOrder {
    /// Our `api_xid`.
    pub api_xid: String,
    /// The vendor's order number.
    pub apiorder: String,
    /// Product id.
    pub pid: String,
    /// Current status text.
    pub status: String,
    /// Photos received (with the order or via getimg).
    pub photos: bool,
    /// Where callbacks go.
    pub callbackurl: String,
    /// Scenario: the order will fail review with this reason.
    pub fails_with: Option<String>,
}

/// A RealMe async result.
#[derive(Debug, Clone)]
pub struct AsyncResult {
    /// Check name.
    pub check: &'static str,
    /// Caller's order id.
    pub order_id: String,
    /// Caller's order date.
    pub order_date: String,
    /// When it is ready.
    pub ready: Instant,
    /// Result fields (resp_code, resp_info, …).
    pub fields: Vec<(String, String)>,
}

/// Moxie task progress.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum MoxieState {
    /// Waiting for the SMS code.
    WaitCode,
    /// Collecting (until `ready`).
    Collecting,
    /// Report available.
    Done,
}

/// A Moxie carrier task (passwords are never kept).
#[derive(Debug, Clone)]
pub struct MoxieTask {
    /// Mobile the task is for.
    pub mobile: String,
    /// State.
    pub state: MoxieState,
    /// When collecting finishes.
    pub ready: Instant,
    /// Reset task (password reset) rather than collection.
    pub reset: bool,
    /// Notification URL.
    pub mer_bg_url: String,
}

/// Everything mutable.
#[derive(Debug, Default)]
pub struct State {
    /// Requests received, the newest [`MAX_RECORDED`] of them.
    pub requests: VecDeque<Recorded>,
    /// How many requests were ever received (the next `Recorded::n`).
    pub received: usize,
    /// Armed faults.
    pub faults: Vec<Fault>,
    /// Orders by api_xid.
    pub xg_orders: HashMap<String, XgOrder>,
    /// RealMe order ids seen (duplicates → 90104).
    pub realme_order_ids: HashSet<String>,
    /// RealMe async results by seq_id.
    pub realme_results: HashMap<String, AsyncResult>,
    /// seq_id by order_id.
    pub realme_seq_by_order: HashMap<String, String>,
    /// Recent RealMe call times (rate limit).
    pub realme_calls: VecDeque<Instant>,
    /// Moxie tasks by task id.
    pub moxie: HashMap<String, MoxieTask>,
    /// Callbacks owed.
    pub pending: Vec<Pending>,
    /// Callbacks delivered (or attempted).
    pub deliveries: Vec<Delivery>,
    /// Counter for ids.
    pub counter: u64,
    /// Turnstile tokens that passed siteverify, each good once.
    pub turnstile_used: HashMap<String, crate::turnstile::Used>,
}

/// Shared between handlers and the delivery task.
#[derive(Debug)]
pub struct Shared {
    /// Configuration.
    pub config: Config,
    state: Mutex<State>,
    /// Client for callbacks.
    pub http: reqwest::Client,
}

impl Shared {
    /// New, empty.
    pub fn new(config: Config) -> Arc<Shared> {
        let http = reqwest::Client::builder()
            .timeout(std::time::Duration::from_secs(5))
            .build()
            .unwrap_or_default();
        Arc::new(Shared {
            config,
            state: Mutex::new(State::default()),
            http,
        })
    }

    /// Lock the state (a poisoned lock is recovered: the sandbox keeps serving).
    pub fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Forget everything (admin reset).
    pub fn reset(&self) {
        *self.lock() = State::default();
    }

    /// Attach parsed fields to a recorded request.
    pub fn annotate(&self, id: Option<RecordId>, fields: Vec<(String, String)>) {
        if let Some(RecordId(n)) = id
            && let Some(r) = self.lock().requests.iter_mut().rev().find(|r| r.n == n)
        {
            r.fields = fields;
        }
    }

    /// A fresh number for ids.
    pub fn next(&self) -> u64 {
        let mut s = self.lock();
        s.counter += 1;
        s.counter
    }
}

/// Middleware: record every vendor request before anything else happens to it.
pub async fn record(
    AxState(shared): AxState<Arc<Shared>>,
    mut req: Request,
    next: Next,
) -> Response {
    let content_type = req
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    let n = {
        let mut s = shared.lock();
        let n = s.received;
        s.received += 1;
        if s.requests.len() >= MAX_RECORDED {
            s.requests.pop_front();
        }
        s.requests.push_back(Recorded {
            n,
            method: req.method().to_string(),
            path: req.uri().path().to_owned(),
            query: req.uri().query().unwrap_or("").to_owned(),
            content_type,
            authorization: req.headers().contains_key("authorization"),
            fields: Vec::new(),
        });
        n
    };
    req.extensions_mut().insert(RecordId(n));
    next.run(req).await
}

/// Unix time in milliseconds.
pub fn now_millis() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

/// Today in China as `YYYYMMDD`.
pub fn china_yyyymmdd() -> String {
    haoka_shared::ChinaDateTime::from_unix_millis(now_millis()).yyyymmdd()
}

/// Now in China as `YYYY-MM-DD HH:MM:SS` (Xingguang's `c_time`).
pub fn china_datetime() -> String {
    haoka_shared::ChinaDateTime::from_unix_millis(now_millis()).display()
}
