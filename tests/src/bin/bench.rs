//! bench: the edge's cost, in figures. Starts one stack (the upstream sandbox and the worker
//! under `wrangler dev`, as the end-to-end tests do), then times, in one run and interleaved
//! round-robin so the machine's noise falls on every series alike, N calls each of
//! `GET /api/health` (the floor: `wrangler dev`'s own proxy and one D1 read), an order submit
//! (`POST /api/orders`) and a `pushorder` sent straight to the sandbox; then arms a slow
//! `pushorder` on the sandbox and times N submits again (interleaved with health), to show that
//! the answer does not wait for the vendor. It prints p50, p95, max and mean per series and
//! asserts nothing: the figures are to be read side by side.
//!
//! Run with `bash scripts/bench.sh` (it builds first and prints the artifact sizes too), or after
//! a build `cargo run -q -p haoka-e2e --bin bench -- --n 200` (`BENCH_N` works as well).

use std::{
    error::Error,
    process::ExitCode,
    time::{Duration, Instant},
};

use haoka_e2e::Stack;
use serde_json::{Value, json};

type Result<T> = std::result::Result<T, Box<dyn Error>>;

/// The sandbox's `pushorder` path (the slow fault's prefix as well).
const PUSHORDER: &str = "/order/api/haoteam/pushorder";
/// How long the armed fault holds each `pushorder` (far beyond the worker's upstream timeout).
const SLOW_MS: u64 = 30_000;
/// Calls of each kind before measuring (connections, workerd's and D1's first-call costs).
const WARMUP: usize = 20;

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("bench failed: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> Result<()> {
    let n = sample_size()?;
    eprintln!("starting the sandbox and the worker (wrangler dev)…");
    let big = || "100000".to_owned();
    let stack = Stack::start(
        &[
            ("ORDER_LIMIT_PER_PRODUCT", big()),
            ("ORDER_LIMIT_TOTAL", big()),
            ("PRECHECKS_PER_MINUTE", big()),
            ("LOOKUPS_PER_MINUTE", big()),
            ("LOGINS_PER_MINUTE", big()),
            ("CHECKS_PER_MINUTE_AGENT", big()),
            ("CHECKS_PER_MINUTE_IP", big()),
        ],
        600,
    );
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let outcome = runtime.block_on(async {
        let mut bench = Bench::new(&stack)?;
        let mut report = bench.measure(n).await?;
        report += &bench.sign_in(&stack.admin_token, n.min(SIGN_INS)).await?;
        report += &bench.checks(n).await?;
        Ok::<String, Box<dyn std::error::Error>>(report)
    });
    // Nothing of ours waits on the slow sandbox; the worker's own background calls to it end
    // with its process, which the stack's drop kills.
    runtime.shutdown_timeout(Duration::from_secs(1));
    drop(stack);
    print!("{}", outcome?);
    Ok(())
}

/// N from `--n N` (or `--n=N`), else `BENCH_N`, else 200.
fn sample_size() -> Result<usize> {
    let mut args = std::env::args().skip(1);
    let mut given = std::env::var("BENCH_N").ok();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--n" => given = Some(args.next().ok_or("--n needs a number")?),
            "-h" | "--help" => {
                println!("usage: bench [--n N]   (default 200, or BENCH_N; N calls per series)");
                std::process::exit(0);
            }
            other => match other.strip_prefix("--n=") {
                Some(v) => given = Some(v.to_owned()),
                None => return Err(format!("unknown argument {other:?} (try --help)").into()),
            },
        }
    }
    let n = match given {
        None => 200,
        Some(v) => v
            .trim()
            .parse::<usize>()
            .map_err(|e| format!("N must be a positive number, got {v:?}: {e}"))?,
    };
    if n == 0 {
        return Err("N must be at least 1".into());
    }
    if n < 200 {
        eprintln!("note: N = {n} is below the 200 the figures are meant for");
    }
    Ok(n)
}

/// Console sign-ins measured at most (each hashes 100,000 PBKDF2 rounds).
const SIGN_INS: usize = 40;
const BENCH_PASSWORD: &str = "a bench password of some length";

/// What one measured call is.
#[derive(Clone, Copy)]
enum Call {
    Health,
    Submit,
    Push,
}

/// The client side: one keep-alive client, the two base URLs, the vendor credentials, and a
/// counter that makes every order distinct.
struct Bench {
    client: reqwest::Client,
    worker: String,
    sandbox: String,
    api_user: String,
    api_pwd: String,
    seq: u32,
}

impl Bench {
    fn new(stack: &Stack) -> Result<Bench> {
        let (api_user, api_key) = (
            stack.secret("XINGGUANG_API_USER"),
            stack.secret("XINGGUANG_API_KEY"),
        );
        Ok(Bench {
            client: reqwest::Client::builder()
                .timeout(Duration::from_secs(15))
                .build()?,
            worker: stack.worker.url(),
            sandbox: stack.sandbox_url(),
            api_user,
            api_pwd: haoka_shared::sign::xingguang_apipwd(&api_key),
            seq: 0,
        })
    }

    /// Warm up, measure the three series, arm the slow vendor, measure again; the report.
    async fn measure(&mut self, n: usize) -> Result<String> {
        eprintln!("warming up ({WARMUP} calls each)…");
        self.rounds(WARMUP, &[Call::Health, Call::Submit, Call::Push])
            .await?;
        eprintln!("measuring health, submit and pushorder, {n} each, interleaved…");
        let normal = self
            .rounds(n, &[Call::Health, Call::Submit, Call::Push])
            .await?;
        self.arm_slow_vendor().await?;
        eprintln!("vendor slow ({SLOW_MS} ms per pushorder): health and submit, {n} each…");
        let slow = self.rounds(n, &[Call::Health, Call::Submit]).await?;
        let held = self.slow_calls_taken().await?;

        let [health, submit, push] = [&normal[0], &normal[1], &normal[2]].map(|s| Stats::of(s));
        let [slow_health, slow_submit] = [&slow[0], &slow[1]].map(|s| Stats::of(s));
        let mut out = format!(
            "\nhaoka edge bench: N = {n} per series, interleaved round-robin in one run \
             (worker {}, sandbox {})\n\n",
            self.worker, self.sandbox
        );
        out += &format!(
            "{:<44}{:>9}{:>9}{:>9}{:>9}\n",
            "series (ms)", "p50", "p95", "max", "mean"
        );
        for (label, s) in [
            ("GET /api/health", &health),
            ("POST /api/orders (submit)", &submit),
            ("pushorder straight to the sandbox", &push),
            ("GET /api/health, vendor slow", &slow_health),
            ("POST /api/orders, vendor slow", &slow_submit),
        ] {
            out += &format!("{label:<44}{}\n", s.row());
        }
        out += &format!(
            "\nworker's own cost (submit − health): p50 {:.1} ms, p95 {:.1} ms\n",
            submit.p50 - health.p50,
            submit.p95 - health.p95
        );
        out += &format!(
            "submit while the vendor is slow: p50 {:.1} ms, p95 {:.1} ms, max {:.1} ms \
             (budget: < 1000 ms)\n",
            slow_submit.p50, slow_submit.p95, slow_submit.max
        );
        out += &format!(
            "(meanwhile the sandbox took {held} of the worker's background pushorder calls and \
             held each for {SLOW_MS} ms)\n"
        );
        Ok(out)
    }

    /// The console's sign-in (PBKDF2-SHA256, 100,000 iterations, in WebCrypto) against a
    /// signed-in `GET /api/console/me`, interleaved.
    async fn sign_in(&mut self, admin_token: &str, n: usize) -> Result<String> {
        let made = self
            .client
            .post(format!("{}/api/console/bootstrap", self.worker))
            .bearer_auth(admin_token)
            .json(
                &serde_json::json!({ "username": "bench", "display_name": "bench",
                                       "password": BENCH_PASSWORD }),
            )
            .send()
            .await?;
        if made.status().as_u16() != 201 {
            return Err(format!("bootstrap: HTTP {}", made.status()).into());
        }
        let login = || {
            self.client
                .post(format!("{}/api/console/login", self.worker))
                .json(&serde_json::json!({ "username": "bench", "password": BENCH_PASSWORD }))
        };
        let (cookie, _) = self.login().await?;
        let (mut logins, mut mes) = (Vec::with_capacity(n), Vec::with_capacity(n));
        for _ in 0..n {
            let t = std::time::Instant::now();
            let r = login().send().await?;
            let ok = r.status().as_u16() == 200;
            r.bytes().await?;
            logins.push(t.elapsed());
            let t = std::time::Instant::now();
            let r = self
                .client
                .get(format!("{}/api/console/me", self.worker))
                .header("cookie", &cookie)
                .send()
                .await?;
            let ok = ok && r.status().as_u16() == 200;
            r.bytes().await?;
            mes.push(t.elapsed());
            if !ok {
                return Err("a sign-in or /me failed".into());
            }
        }
        let [login, me] = [&logins, &mes].map(|s| Stats::of(s));
        let mut out = format!(
            "\nconsole sign-in, N = {n}, interleaved with a signed-in GET /api/console/me\n"
        );
        for (label, s) in [
            ("POST /api/console/login (PBKDF2 100k)", &login),
            ("GET /api/console/me", &me),
        ] {
            out += &format!("{label:<44}{}\n", s.row());
        }
        out += &format!(
            "password hashing's cost per sign-in (login − me): p50 {:.1} ms\n",
            login.p50 - me.p50
        );
        Ok(out)
    }

    /// Sign the bench account in: its session cookie and the `/login` answer.
    async fn login(&self) -> Result<(String, serde_json::Value)> {
        let resp = self
            .client
            .post(format!("{}/api/console/login", self.worker))
            .json(&serde_json::json!({ "username": "bench", "password": BENCH_PASSWORD }))
            .send()
            .await?;
        let cookie = resp
            .headers()
            .get("set-cookie")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .ok_or("no session cookie")?
            .to_owned();
        Ok((cookie, resp.json().await?))
    }

    /// A console `namecheck` that reaches the sandbox (a new name each time) against the same
    /// question again (answered from the last result, no upstream call) and a signed-in
    /// `GET /api/console/me`, interleaved: the check's own cost at the edge (validation,
    /// signing, sealing, audit, D1) next to the session floor.
    async fn checks(&mut self, n: usize) -> Result<String> {
        let (cookie, me) = self.login().await?;
        let csrf = me["csrf"].as_str().ok_or("no csrf")?.to_owned();
        const GIVEN: [char; 20] = [
            '伟', '芳', '娜', '敏', '静', '丽', '强', '磊', '军', '洋', '勇', '艳', '杰', '娟',
            '涛', '明', '超', '秀', '霞', '平',
        ];
        let run = |name: String| {
            self.client
                .post(format!("{}/api/console/checks", self.worker))
                .header("cookie", &cookie)
                .header("x-haoka-csrf", &csrf)
                .json(&serde_json::json!({
                    "check": "namecheck",
                    "fields": { "full_name": name, "id_number": "110101200007282906" },
                    "consent": { "version": haoka_shared::consent::CHECK_CONSENT_VERSION, "confirmed": true },
                }))
        };
        let (mut fresh, mut reused, mut mes) = (Vec::new(), Vec::new(), Vec::new());
        for i in 0..n {
            let name = format!("欧阳{}{}", GIVEN[i % 20], GIVEN[(i / 20) % 20]);
            let t = std::time::Instant::now();
            let r = run(name.clone()).send().await?;
            let ok = r.status().as_u16() == 201;
            let view: serde_json::Value = r.json().await?;
            fresh.push(t.elapsed());
            let ok = ok && view["via"] == "realme" && view["verdict"] == "match";
            let t = std::time::Instant::now();
            let r = run(name).send().await?;
            let again: serde_json::Value = r.json().await?;
            reused.push(t.elapsed());
            let ok = ok && again["via"] == "reuse";
            let t = std::time::Instant::now();
            let r = self
                .client
                .get(format!("{}/api/console/me", self.worker))
                .header("cookie", &cookie)
                .send()
                .await?;
            let ok = ok && r.status().as_u16() == 200;
            r.bytes().await?;
            mes.push(t.elapsed());
            if !ok {
                return Err(format!("check {i}: {view} / {again}").into());
            }
        }
        let [fresh, reused, me] = [&fresh, &reused, &mes].map(|s| Stats::of(s));
        let mut out = format!(
            "\nconsole checks, N = {n}, interleaved: namecheck to the sandbox, the same question again, GET /me\n"
        );
        for (label, s) in [
            ("POST /api/console/checks namecheck", &fresh),
            ("… the same question (reuse, no upstream)", &reused),
            ("GET /api/console/me", &me),
        ] {
            out += &format!("{label:<44}{}\n", s.row());
        }
        out += &format!(
            "a check's own cost at the edge (reuse − me): p50 {:.1} ms; the sandbox round trip adds {:.1} ms\n",
            reused.p50 - me.p50,
            fresh.p50 - reused.p50
        );
        Ok(out)
    }

    /// `n` rounds, each making every kind of call once; the starting kind rotates per round,
    /// so no series always runs first. The answer times per kind, in the order given.
    async fn rounds(&mut self, n: usize, kinds: &[Call]) -> Result<Vec<Vec<Duration>>> {
        let mut times = vec![Vec::with_capacity(n); kinds.len()];
        for round in 0..n {
            for k in 0..kinds.len() {
                let i = (round + k) % kinds.len();
                times[i].push(self.call(kinds[i]).await?);
            }
        }
        Ok(times)
    }

    /// One call, timed from send to the last byte of the answer; an unexpected answer is an
    /// error (the figures would mean nothing).
    async fn call(&mut self, kind: Call) -> Result<Duration> {
        self.seq += 1;
        let seq = self.seq;
        let pid = std::process::id();
        let (what, want, req) = match kind {
            Call::Health => (
                "GET /api/health",
                200,
                self.client.get(format!("{}/api/health", self.worker)),
            ),
            Call::Submit => (
                "POST /api/orders",
                201,
                self.client
                    .post(format!("{}/api/orders", self.worker))
                    .header("Idempotency-Key", format!("bench-{pid}-{seq:07}"))
                    .json(&order(seq)?),
            ),
            Call::Push => (
                "pushorder",
                200,
                // A fresh api_xid each time: the vendor closes the connection on a repeat.
                self.client
                    .post(format!("{}{PUSHORDER}", self.sandbox))
                    .form(&self.pushorder(&format!("BENCH{pid}X{seq}"), seq)?),
            ),
        };
        let start = Instant::now();
        let resp = req.send().await.map_err(|e| format!("{what}: {e}"))?;
        let status = resp.status().as_u16();
        let body = resp.text().await.map_err(|e| format!("{what}: {e}"))?;
        let took = start.elapsed();
        let vendor_ok = !matches!(kind, Call::Push) || body.contains(r#""code":"200""#);
        if status != want || !vendor_ok {
            return Err(format!("{what}: HTTP {status}, expected {want}: {body}").into());
        }
        Ok(took)
    }

    /// The vendor's form fields, as the worker sends them (no callback: nobody listens).
    fn pushorder(&self, api_xid: &str, seq: u32) -> Result<Vec<(&'static str, String)>> {
        Ok(vec![
            ("order_Name", "张三".into()),
            ("order_Phone", "18888888336".into()),
            ("order_IDCard", id_number(seq)?),
            ("order_Province", "天津市 天津市 和平区".into()),
            ("order_Address", "先锋大楼 3单元 201".into()),
            ("api_xid", api_xid.into()),
            ("haoma", String::new()),
            ("pid", "2188".into()),
            ("apiuser", self.api_user.clone()),
            ("apipwd", self.api_pwd.clone()),
        ])
    }

    /// Make the sandbox hold every `pushorder` for `SLOW_MS` from now on.
    async fn arm_slow_vendor(&self) -> Result<()> {
        let fault = json!({
            "path_prefix": PUSHORDER,
            "mode": "slow",
            "delay_ms": SLOW_MS,
            "count": 1000,
        });
        let resp = self
            .client
            .post(format!("{}/__sandbox/faults", self.sandbox))
            .json(&fault)
            .send()
            .await?;
        if !resp.status().is_success() {
            let status = resp.status();
            return Err(format!(
                "arming the slow fault: HTTP {status}: {}",
                resp.text().await?
            )
            .into());
        }
        Ok(())
    }

    /// How many `pushorder` calls the slow fault has held so far (evidence the worker did call
    /// the vendor in the background while its submits were answered).
    async fn slow_calls_taken(&self) -> Result<u64> {
        let armed: Value = self
            .client
            .get(format!("{}/__sandbox/faults", self.sandbox))
            .send()
            .await?
            .json()
            .await?;
        let left = armed
            .as_array()
            .into_iter()
            .flatten()
            .filter(|f| f["path_prefix"] == PUSHORDER && f["mode"] == "slow")
            .filter_map(|f| f["count"].as_u64())
            .sum::<u64>();
        Ok(1000u64.saturating_sub(left))
    }
}

/// A valid ID number, distinct per `seq` (1000 per birth date, dates from 1990-01-01 on, so the
/// age fits the product's 16–60).
fn id_number(seq: u32) -> Result<String> {
    let day = seq / 1000;
    let (year, month, date) = (1990 + day / 336, 1 + day / 28 % 12, 1 + day % 28);
    let body = format!("110101{year}{month:02}{date:02}{:03}", seq % 1000);
    let check = haoka_shared::idcard::check_char(&body)
        .ok_or_else(|| format!("{body} is not 17 digits"))?;
    Ok(format!("{body}{check}"))
}

/// A valid order for product 2188, distinct per `seq` (its own ID number).
fn order(seq: u32) -> Result<Value> {
    Ok(json!({
        "product_id": "2188",
        "name": "张三",
        "mobile": "18888888336",
        "id_number": id_number(seq)?,
        "province": "天津市",
        "city": "天津市",
        "district": "和平区",
        "address": "先锋大楼 3单元 201",
        "consent": true,
        "consent_version": haoka_shared::consent::NOTICE_VERSION,
    }))
}

/// One series' figures in milliseconds.
struct Stats {
    p50: f64,
    p95: f64,
    max: f64,
    mean: f64,
}

impl Stats {
    /// Nearest-rank percentiles.
    fn of(times: &[Duration]) -> Stats {
        let mut ms: Vec<f64> = times.iter().map(|d| d.as_secs_f64() * 1000.0).collect();
        ms.sort_by(f64::total_cmp);
        let rank = |p: f64| {
            let i = (p * ms.len() as f64).ceil() as usize;
            ms.get(i.saturating_sub(1)).copied().unwrap_or(f64::NAN)
        };
        Stats {
            p50: rank(0.50),
            p95: rank(0.95),
            max: ms.last().copied().unwrap_or(f64::NAN),
            mean: ms.iter().sum::<f64>() / ms.len().max(1) as f64,
        }
    }

    fn row(&self) -> String {
        format!(
            "{:>9.1}{:>9.1}{:>9.1}{:>9.1}",
            self.p50, self.p95, self.max, self.mean
        )
    }
}
