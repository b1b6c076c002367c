//! haoka-e2e: harness for the end-to-end tests in `tests/tests/`.
//!
//! It starts the real worker in workerd (`wrangler dev` on 127.0.0.1, a fresh local D1 per
//! instance) and chromedriver for the browser journeys. Every server runs under
//! `support/watchdog.sh`, so it stops when the test process ends, even on a panic. The
//! artifacts (`dist/`, `edge-worker/build/`) must be built first: `scripts/test.sh` does.
//! Run with `bash scripts/test.sh` (or, after a build, `cargo test -p haoka-e2e`).

#![allow(clippy::panic, clippy::expect_used, clippy::unwrap_used)] // a test harness fails loudly by design

pub mod chrome;
pub mod console;
pub mod http;

pub use http::{client, client_within, count, json_of, reply, reply_with_cookies};

use std::{
    net::TcpStream,
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

/// Repository root.
pub fn root() -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    root.canonicalize().unwrap_or(root)
}

/// A free port on 127.0.0.1 (bound, read, released).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .unwrap_or_else(|e| panic!("no free port on 127.0.0.1: {e}"))
}

/// Wait (bounded) until something listens on `port`.
pub fn wait_for_port(port: u16, within: Duration, what: &str, log: &Path) {
    let start = Instant::now();
    while start.elapsed() < within {
        if TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return;
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    let log = std::fs::read_to_string(log).unwrap_or_default();
    panic!("{what} did not listen on 127.0.0.1:{port} within {within:?}; log:\n{log}");
}

/// A server process under the watchdog; killed on drop and when the test process exits.
pub struct Server {
    child: Child,
    /// Its port on 127.0.0.1.
    pub port: u16,
    /// Where its output goes.
    pub log: PathBuf,
}

impl Server {
    /// Start `cmd args…` in `cwd` under the watchdog (at most `max_secs`), logging to a file.
    pub fn spawn(
        name: &str,
        cwd: &Path,
        port: u16,
        cmd: &str,
        args: &[String],
        env: &[(&str, String)],
    ) -> Server {
        let dir = root().join("target").join("e2e");
        std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("create {dir:?}: {e}"));
        let log = dir.join(format!("{name}-{}-{port}.log", std::process::id()));
        let out = std::fs::File::create(&log).unwrap_or_else(|e| panic!("create {log:?}: {e}"));
        let err = out.try_clone().unwrap_or_else(|e| panic!("clone log: {e}"));
        let watchdog = root().join("tests/support/watchdog.sh");
        let mut c = Command::new("bash");
        c.arg(watchdog)
            .arg(std::process::id().to_string())
            .arg("900")
            .arg(cmd)
            .args(args);
        c.current_dir(cwd)
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(err);
        for (k, v) in env {
            c.env(k, v);
        }
        let child = c.spawn().unwrap_or_else(|e| panic!("spawn {cmd}: {e}"));
        Server { child, port, log }
    }

    /// `http://127.0.0.1:{port}`.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// The server's output so far (for assertions on logs).
    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Wait (bounded) until the output contains `needle` — output reaches the file a little
    /// after the response it belongs to. Returns the whole output.
    pub fn wait_log(&self, needle: &str, within: Duration) -> String {
        let start = Instant::now();
        loop {
            let text = self.log_text();
            if text.contains(needle) {
                return text;
            }
            if start.elapsed() > within {
                panic!(
                    "{needle:?} did not appear in {:?} within {within:?}; log:\n{text}",
                    self.log
                );
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Server {
    /// Wait (bounded) until the server listens on its port; false if it exited first or the
    /// time ran out.
    pub fn listens_within(&mut self, within: Duration) -> bool {
        let start = Instant::now();
        while start.elapsed() < within {
            if TcpStream::connect(("127.0.0.1", self.port)).is_ok() {
                return true;
            }
            if matches!(self.child.try_wait(), Ok(Some(_))) {
                return false;
            }
            std::thread::sleep(Duration::from_millis(200));
        }
        false
    }
}

impl Server {
    /// Stop the server and wait for it (again is harmless).
    pub fn stop(&mut self) {
        if matches!(self.child.try_wait(), Ok(Some(_))) {
            return;
        }
        // SIGTERM to the watchdog makes it kill the server's whole process group.
        let _ = Command::new("kill")
            .arg("-TERM")
            .arg(self.child.id().to_string())
            .status();
        let _ = self.child.wait();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop();
    }
}

/// How much of the worker to start.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Face {
    /// `wrangler.toml` as is: the API and the SPA's static assets.
    Full,
    /// The same worker, bindings and Cron trigger without `[assets]`. Under `wrangler dev`
    /// (wrangler 4.86) a worker with assets sits behind miniflare's RPC proxy, which has no
    /// `scheduled` method and forwards the call to the worker as RPC, where the
    /// `ScheduledController` cannot be serialized (DataCloneError). Without assets,
    /// `/cdn-cgi/handler/scheduled` reaches the `#[event(scheduled)]` handler as Cloudflare's
    /// scheduler does.
    ApiOnly,
}

/// `wrangler.toml` without its `[assets]` table, written into `dir`, its paths made absolute
/// (wrangler resolves them against the config file's directory).
fn api_only_config(root: &Path, dir: &Path) -> PathBuf {
    let text = std::fs::read_to_string(root.join("wrangler.toml"))
        .unwrap_or_else(|e| panic!("read wrangler.toml: {e}"));
    let mut out = String::new();
    let mut in_assets = false;
    for line in text.lines() {
        let trimmed = line.trim_start();
        if trimmed.starts_with('[') {
            in_assets = trimmed == "[assets]";
        }
        if in_assets {
            continue;
        }
        let line = match trimmed.split_once(" = ") {
            Some((key @ ("main" | "migrations_dir"), value)) => {
                let rel = value.trim_matches('"');
                format!("{key} = \"{}\"", root.join(rel).display())
            }
            _ => line.to_owned(),
        };
        out.push_str(&line);
        out.push('\n');
    }
    let path = dir.join("wrangler-api-only.toml");
    std::fs::write(&path, out).unwrap_or_else(|e| panic!("write {path:?}: {e}"));
    path
}

/// The environment of every wrangler run on `state`.
fn wrangler_env(state: &Path) -> [(&'static str, String); 4] {
    [
        ("WRANGLER_SEND_METRICS", "false".to_owned()),
        ("CLOUDFLARE_CF_FETCH_ENABLED", "false".to_owned()),
        ("CI", "true".to_owned()),
        // Each instance its own dev registry: in the shared one, every other test's
        // `wrangler dev` starting or stopping makes this one reload its runtime, which
        // answers its requests in flight with 503 "worker restarted mid-request".
        (
            "WRANGLER_REGISTRY_PATH",
            state.join("registry").display().to_string(),
        ),
    ]
}

/// `wrangler dev` on `state` with `vars` (and its own URL as `PUBLIC_BASE_URL` with
/// `public_base`), on a fresh loopback port.
fn spawn_wrangler(
    state: &Path,
    vars: &[(String, String)],
    public_base: bool,
    face: Face,
) -> Server {
    let root = root();
    let wrangler = root.join("node_modules/.bin/wrangler");
    let env = wrangler_env(state);
    let port = free_port();
    // A port from `free_port` is free when read, not when wrangler binds it: another
    // instance starting at the same moment may take it first ("Address already in use").
    // Then this one exits at once, and it is started again on a fresh port (bounded).
    let mut attempt = 0;
    loop {
        attempt += 1;
        let port = if attempt == 1 { port } else { free_port() };
        let mut args: Vec<String> = vec!["dev".into()];
        if face == Face::ApiOnly {
            args.push("--config".into());
            args.push(api_only_config(&root, state).display().to_string());
        }
        args.extend([
            "--ip".into(),
            "127.0.0.1".into(),
            "--port".into(),
            port.to_string(),
            "--persist-to".into(),
            state.display().to_string(),
            "--show-interactive-dev-session=false".into(),
            "--inspector-port".into(),
            free_port().to_string(),
        ]);
        let own = format!("http://127.0.0.1:{port}");
        let public = public_base.then_some(("PUBLIC_BASE_URL", own));
        let public = public.map(|(k, v)| (k.to_owned(), v));
        for (k, v) in vars.iter().cloned().chain(public) {
            args.push("--var".into());
            args.push(format!("{k}:{v}"));
        }
        let mut server = Server::spawn(
            "wrangler",
            &root,
            port,
            &wrangler.display().to_string(),
            &args,
            &env,
        );
        if server.listens_within(Duration::from_secs(90)) {
            break server;
        }
        let log = server.log_text();
        assert!(
            attempt < 3 && log.contains("Address already in use"),
            "wrangler dev did not listen on 127.0.0.1:{port} (attempt {attempt}); log:\n{log}"
        );
        eprintln!("wrangler dev lost its port {port} to another process; starting it again");
    }
}

/// The worker in workerd via `wrangler dev`, with its own fresh local D1.
pub struct Workerd {
    /// The wrangler process.
    pub server: Server,
    state: PathBuf,
    vars: Vec<(String, String)>,
    public_base: bool,
    face: Face,
}

impl Workerd {
    /// Apply the migrations to a fresh state dir and start `wrangler dev`; `vars` override
    /// `[vars]` from wrangler.toml.
    pub fn start(vars: &[(&str, String)]) -> Workerd {
        Workerd::start_with(vars, false, Face::Full)
    }

    /// As [`Workerd::start`]; with `public_base`, `PUBLIC_BASE_URL` is set to this instance's
    /// own URL (so the vendor's callbacks come back to it).
    pub fn start_with(vars: &[(&str, String)], public_base: bool, face: Face) -> Workerd {
        let root = root();
        for needed in [
            "dist/index.html",
            "edge-worker/build/index.js",
            "node_modules/.bin/wrangler",
        ] {
            assert!(
                root.join(needed).exists(),
                "{needed} is missing: run `bash scripts/test.sh` (it builds first)"
            );
        }
        let port = free_port();
        let state = root
            .join("target")
            .join("e2e")
            .join(format!("state-{}-{port}", std::process::id()));
        let _ = std::fs::remove_dir_all(&state);
        std::fs::create_dir_all(&state).unwrap_or_else(|e| panic!("create {state:?}: {e}"));
        let wrangler = root.join("node_modules/.bin/wrangler");
        let env = wrangler_env(&state);
        let migrate = Command::new(&wrangler)
            .args(["d1", "migrations", "apply", "DB", "--local", "--persist-to"])
            .arg(&state)
            .current_dir(&root)
            .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
            .output()
            .unwrap_or_else(|e| panic!("run wrangler: {e}"));
        assert!(
            migrate.status.success(),
            "migrations failed: {}",
            String::from_utf8_lossy(&migrate.stderr)
        );
        let vars: Vec<(String, String)> = vars
            .iter()
            .map(|(k, v)| ((*k).to_owned(), v.clone()))
            .collect();
        let server = spawn_wrangler(&state, &vars, public_base, face);
        Workerd {
            server,
            state,
            vars,
            public_base,
            face,
        }
    }

    /// Stop this instance and start it again on the same local D1 and R2 (no migration),
    /// with `changes` set and `removed` unset: a deployment's secrets changed, as after a key
    /// rotation. The new instance listens on a new port.
    pub fn restart(&mut self, changes: &[(&str, String)], removed: &[&str]) {
        self.vars.retain(|(k, _)| {
            !removed.contains(&k.as_str()) && !changes.iter().any(|(c, _)| c == k)
        });
        self.vars
            .extend(changes.iter().map(|(k, v)| ((*k).to_owned(), v.clone())));
        // The old process goes first: two wranglers on one state dir would share its locks.
        self.server.stop();
        self.server = spawn_wrangler(&self.state, &self.vars, self.public_base, self.face);
    }

    /// Run a read-only SQL query against this instance's local D1 and return the rows. It
    /// reads the SQLite file workerd writes, read-only: the file is in WAL mode, so a reader
    /// never blocks the running worker (`wrangler d1 execute` would take a lock and make the
    /// worker's own writes fail with SQLITE_BUSY).
    pub fn query(&self, sql: &str) -> Vec<serde_json::Value> {
        let db = self
            .sqlite_file("d1/miniflare-D1DatabaseObject")
            .unwrap_or_else(|| panic!("no local D1 file under {:?}", self.state));
        sqlite_read(&db, sql, &[])
    }

    /// Run `sql` on this instance's local D1 file directly, read-write, as someone with the
    /// database itself would (bypassing the Worker): for tests of what tampering shows. The
    /// error text of a statement D1 refuses (a trigger's), or `Ok(())`.
    pub fn tamper(&self, sql: &str) -> Result<(), String> {
        let db = self
            .sqlite_file("d1/miniflare-D1DatabaseObject")
            .unwrap_or_else(|| panic!("no local D1 file under {:?}", self.state));
        const SCRIPT: &str = "import sqlite3, sys\n\
            c = sqlite3.connect(sys.argv[1], timeout=10)\n\
            c.executescript(sys.argv[2])\n\
            c.commit()\n";
        let out = Command::new("python3")
            .arg("-c")
            .arg(SCRIPT)
            .arg(&db)
            .arg(sql)
            .output()
            .unwrap_or_else(|e| panic!("run python3: {e}"));
        if out.status.success() {
            Ok(())
        } else {
            Err(String::from_utf8_lossy(&out.stderr).into_owned())
        }
    }

    /// The database file of a local binding (not its `metadata.sqlite`), once it exists.
    fn sqlite_file(&self, under: &str) -> Option<PathBuf> {
        let dir = self.state.join("v3").join(under);
        std::fs::read_dir(&dir)
            .ok()?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .find(|p| {
                p.extension().is_some_and(|x| x == "sqlite")
                    && p.file_name().is_some_and(|n| n != "metadata.sqlite")
            })
    }

    /// Base URL.
    pub fn url(&self) -> String {
        self.server.url()
    }

    /// Whether the local R2 bucket holds `key` (read from its object index, read-only).
    pub fn r2_has(&self, key: &str) -> bool {
        match self.sqlite_file("r2/miniflare-R2BucketObject") {
            None => false,
            Some(db) => {
                !sqlite_read(&db, "SELECT key FROM _mf_objects WHERE key = ?", &[key]).is_empty()
            }
        }
    }

    /// Every key in the local R2 bucket starting with `prefix`, sorted.
    pub fn r2_keys(&self, prefix: &str) -> Vec<String> {
        let Some(db) = self.sqlite_file("r2/miniflare-R2BucketObject") else {
            return Vec::new();
        };
        let like = format!("{}%", prefix.replace('%', "\\%").replace('_', "\\_"));
        sqlite_read(
            &db,
            "SELECT key FROM _mf_objects WHERE key LIKE ? ESCAPE '\\' ORDER BY key",
            &[&like],
        )
        .into_iter()
        .filter_map(|r| r["key"].as_str().map(str::to_owned))
        .collect()
    }
}

/// Rows of a read-only query on a SQLite file, through Python's sqlite3 (on every machine of
/// this kind), as JSON objects.
fn sqlite_read(db: &Path, sql: &str, params: &[&str]) -> Vec<serde_json::Value> {
    const SCRIPT: &str = "import json, sqlite3, sys\n\
        c = sqlite3.connect('file:' + sys.argv[1] + '?mode=ro', uri=True, timeout=10)\n\
        c.row_factory = sqlite3.Row\n\
        rows = c.execute(sys.argv[2], sys.argv[3:]).fetchall()\n\
        print(json.dumps([dict(r) for r in rows], ensure_ascii=False))\n";
    let out = Command::new("python3")
        .arg("-c")
        .arg(SCRIPT)
        .arg(db)
        .arg(sql)
        .args(params)
        .output()
        .unwrap_or_else(|e| panic!("run python3: {e}"));
    assert!(
        out.status.success(),
        "query {sql:?} on {db:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "query output is not JSON ({e}): {}",
            String::from_utf8_lossy(&out.stdout)
        )
    })
}

/// Random hex for test-only secrets.
fn random_hex(bytes: usize) -> String {
    let mut out = String::new();
    let mut seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0)
        ^ u128::from(std::process::id());
    for _ in 0..bytes {
        // xorshift: test secrets need to be unique, not unpredictable.
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        out.push_str(&format!("{:02x}", (seed & 0xff) as u8));
    }
    out
}

/// Send, and send again (at most twice more) when `wrangler dev`'s proxy answers that the
/// local runtime restarted under the request: under this suite's load (several instances on
/// two cores) miniflare now and then restarts a runtime, and its proxy answers a non-GET in
/// flight 503 "Your worker restarted mid-request" without the Worker having answered. That is
/// the dev server, not the product; a real client retries the same way (orders carry their
/// idempotency key). Every other answer is returned as it came.
pub async fn send_retrying(make: impl Fn() -> reqwest::RequestBuilder) -> reqwest::Response {
    let mut tries = 0;
    loop {
        let resp = make().send().await.expect("request");
        tries += 1;
        let restarted = resp.status().as_u16() == 503
            && resp
                .headers()
                .get("content-type")
                .and_then(|v| v.to_str().ok())
                .is_none_or(|t| !t.contains("json"));
        if !restarted || tries == 3 {
            return resp;
        }
        eprintln!("dev server restarted under a request; sending it again");
    }
}

/// A valid ID number (a Beijing 东城区 one) born on `born` (`YYYYMMDD`), distinct per `seq`
/// (000–999).
pub fn id_number(born: &str, seq: u32) -> String {
    let body = format!("110101{born}{:03}", seq % 1000);
    let check = haoka_shared::idcard::check_char(&body).expect("17 digits");
    format!("{body}{check}")
}

/// An order's JSON for this product, person and address (天津市 和平区, mobile 18888888336,
/// the current notice consented to).
pub fn order_json(product: &str, name: &str, id_number: &str, address: &str) -> serde_json::Value {
    serde_json::json!({
        "product_id": product,
        "name": name,
        "mobile": "18888888336",
        "id_number": id_number,
        "province": "天津市",
        "city": "天津市",
        "district": "和平区",
        "address": address,
        "consent": true,
        "consent_version": haoka_shared::consent::NOTICE_VERSION,
    })
}

/// Budgets no journey of the suite reaches (later `--var`s override them).
pub const WIDE_BUDGETS: [(&str, &str); 9] = [
    ("ORDERS_PER_MINUTE", "100000"),
    ("ORDERS_PER_MINUTE_PERSON", "100000"),
    ("ORDERS_PER_MINUTE_DEVICE", "100000"),
    ("ORDERS_PER_MINUTE_ALL", "100000"),
    ("PRECHECKS_PER_MINUTE_PERSON", "100000"),
    ("PRECHECKS_PER_MINUTE_DEVICE", "100000"),
    ("PRECHECKS_PER_MINUTE_ALL", "100000"),
    ("LOOKUPS_PER_MINUTE_DEVICE", "100000"),
    ("LOOKUPS_PER_MINUTE_ALL", "100000"),
];

/// The whole product on loopback: the upstream sandbox (with its admin API) and the worker
/// in workerd pointed at it, sharing fresh test-only secrets.
pub struct Stack {
    /// The sandbox process.
    pub sandbox: Server,
    /// The worker.
    pub worker: Workerd,
    /// The operator bearer token.
    pub admin_token: String,
    /// Every test-only secret the worker and the sandbox share (`XINGGUANG_API_KEY`, …).
    pub secrets: Vec<(&'static str, String)>,
}

impl Stack {
    /// Start both; `vars` add to or override the worker's configuration, `xg_step_ms` is the
    /// time between the sandbox's status callbacks.
    pub fn start(vars: &[(&str, String)], xg_step_ms: u64) -> Stack {
        Stack::start_face(vars, xg_step_ms, Face::Full)
    }

    /// As [`Stack::start`], with the worker's [`Face`] chosen.
    pub fn start_face(vars: &[(&str, String)], xg_step_ms: u64, face: Face) -> Stack {
        let root = root();
        let bin = root.join("target/debug/haoka-sandbox");
        assert!(
            bin.exists(),
            "{bin:?} is missing: run `bash scripts/test.sh` (it builds the sandbox first)"
        );
        let secrets: Vec<(&'static str, String)> = vec![
            ("XINGGUANG_API_USER", "haoka-e2e".to_owned()),
            ("XINGGUANG_API_KEY", random_hex(16)),
            ("REALME_APP_TOKEN", random_hex(16)),
            ("REALME_SIGN_KEY", random_hex(16)),
            ("PHONE3_TOKEN", random_hex(16)),
            ("CALLBACK_HMAC_KEY", random_hex(24)),
            ("SESSION_KEY", random_hex(24)),
            ("PII_KEYS", format!("e2e1:{}", random_hex(24))),
            ("LOOKUP_KEY", random_hex(24)),
            ("ADMIN_TOKEN", random_hex(24)),
            ("AUDIT_KEY", random_hex(24)),
        ];
        let port = free_port();
        let dir = root.join("target").join("e2e");
        std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("create {dir:?}: {e}"));
        let dev_vars = dir.join(format!("dev-vars-{}-{port}", std::process::id()));
        let text: String = secrets.iter().map(|(k, v)| format!("{k}={v}\n")).collect();
        std::fs::write(&dev_vars, text).unwrap_or_else(|e| panic!("write {dev_vars:?}: {e}"));
        let sandbox = Server::spawn(
            "sandbox",
            &root,
            port,
            &bin.display().to_string(),
            &[
                "--port".into(),
                port.to_string(),
                "--dev-vars".into(),
                dev_vars.display().to_string(),
                "--admin".into(),
                "--xg-step-ms".into(),
                xg_step_ms.to_string(),
                "--realme-rate".into(),
                "1000".into(),
            ],
            &[],
        );
        wait_for_port(port, Duration::from_secs(30), "sandbox", &sandbox.log);
        let base = format!("http://127.0.0.1:{port}");
        let mut all: Vec<(&str, String)> = vec![
            ("XINGGUANG_BASE_URL", base.clone()),
            ("REALME_BASE_URL", format!("{base}/api/realme/")),
            ("PHONE3_URL", format!("{base}/tech/ai/celerity/universal")),
            // Turnstile stays off unless a test sets TURNSTILE_SECRET; its siteverify is the
            // sandbox's.
            (
                "TURNSTILE_SITEVERIFY_URL",
                format!("{base}/turnstile/v0/siteverify"),
            ),
            ("TURNSTILE_SITEKEY", "local-sitekey".into()),
            (
                "TURNSTILE_SCRIPT_URL",
                format!("{base}/turnstile/v0/api.js"),
            ),
        ];
        // The suite moves the edge's clock instead of sleeping out a time rule
        // ([`Stack::move_clock`]).
        all.push(("TEST_CLOCK", "on".into()));
        // Every test comes from 127.0.0.1: the per-minute abuse budgets are wide unless a
        // test sets its own (the abuse suite runs the real defaults).
        all.extend(WIDE_BUDGETS.iter().map(|(k, v)| (*k, (*v).to_owned())));
        // A test's own value of a secret replaces the default one.
        all.extend(
            secrets
                .iter()
                .filter(|(k, _)| !vars.iter().any(|(v, _)| v == k))
                .cloned(),
        );
        all.extend(vars.iter().cloned());
        let worker = Workerd::start_with(&all, true, face);
        Stack {
            sandbox,
            worker,
            admin_token: secrets
                .iter()
                .find(|(k, _)| *k == "ADMIN_TOKEN")
                .map(|(_, v)| v.clone())
                .unwrap_or_default(),
            secrets,
        }
    }

    /// One reconciler pass (the cron's) through the operator endpoint: its report (asserts 200).
    pub async fn reconcile(&self) -> serde_json::Value {
        let resp = reqwest::Client::new()
            .post(format!("{}/api/admin/reconcile", self.worker.url()))
            .bearer_auth(&self.admin_token)
            .json(&serde_json::json!({}))
            .send()
            .await
            .expect("POST /api/admin/reconcile");
        let status = resp.status().as_u16();
        let report: serde_json::Value = resp.json().await.unwrap_or_default();
        assert_eq!(status, 200, "{report}");
        report
    }

    /// Move the edge's clock forward by `ms` (the test clock, `POST /api/admin/clock`): a
    /// session, a poll or a retention runs out without the test sleeping.
    pub async fn move_clock(&self, ms: i64) {
        let resp = reqwest::Client::new()
            .post(format!("{}/api/admin/clock", self.worker.url()))
            .bearer_auth(&self.admin_token)
            .json(&serde_json::json!({ "advance_ms": ms }))
            .send()
            .await
            .expect("POST /api/admin/clock");
        let status = resp.status().as_u16();
        let body = resp.text().await.unwrap_or_default();
        assert_eq!(status, 200, "moving the clock: {body}");
    }

    /// Restart the worker on the same D1 and R2 with `changes` set and `removed` unset
    /// (see [`Workerd::restart`]).
    pub fn restart_worker(&mut self, changes: &[(&str, String)], removed: &[&str]) {
        self.worker.restart(changes, removed);
    }

    /// Fire the worker's Cron trigger once, as Cloudflare's scheduler would (needs
    /// [`Face::ApiOnly`]); miniflare's answer (status, body).
    pub async fn fire_cron(&self) -> (u16, String) {
        let url = format!(
            "{}/cdn-cgi/handler/scheduled?cron=*+*+*+*+*",
            self.worker.url()
        );
        let resp = reqwest::get(&url)
            .await
            .unwrap_or_else(|e| panic!("GET {url}: {e}"));
        let status = resp.status().as_u16();
        (status, resp.text().await.unwrap_or_default())
    }

    /// The sandbox's base URL.
    pub fn sandbox_url(&self) -> String {
        self.sandbox.url()
    }

    /// Place a 三照 order without its photos (it waits in 待补传照片 for them); its id and
    /// status-page token.
    pub async fn order_waiting_for_photos(&self, idempotency_key: &str) -> (String, String) {
        let order = order_json("2201", "张三", "110101200007282906", "先锋大楼 3单元 208");
        let accepted: serde_json::Value = reqwest::Client::new()
            .post(format!("{}/api/orders", self.worker.url()))
            .header("Idempotency-Key", idempotency_key)
            .json(&order)
            .send()
            .await
            .expect("submit")
            .json()
            .await
            .expect("json");
        let field = |k: &str| accepted[k].as_str().expect(k).to_owned();
        (field("order_id"), field("token"))
    }

    /// The orders the sandbox (the vendor) holds.
    pub async fn vendor_orders(&self) -> Vec<serde_json::Value> {
        reqwest::get(format!("{}/__sandbox/orders", self.sandbox_url()))
            .await
            .expect("sandbox orders")
            .json()
            .await
            .expect("json")
    }

    /// One of the shared secrets (empty if unknown).
    pub fn secret(&self, name: &str) -> String {
        self.secrets
            .iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    }
}

/// An ID-card-like picture: a light card with dark text strokes, a photo box and lines, on a
/// grey table. Sharp and evenly lit, it passes every photo check.
pub fn id_card_picture(width: u32, height: u32) -> image::RgbImage {
    let mut img = image::RgbImage::from_pixel(width, height, image::Rgb([96, 100, 104]));
    let (cw, ch) = (width * 86 / 100, width * 86 / 100 * 54 / 86);
    let (x0, y0) = ((width - cw) / 2, (height.saturating_sub(ch)) / 2);
    let mut fill = |x: u32, y: u32, w: u32, h: u32, c: [u8; 3]| {
        for yy in y..(y + h).min(height) {
            for xx in x..(x + w).min(width) {
                img.put_pixel(xx, yy, image::Rgb(c));
            }
        }
    };
    fill(x0, y0, cw, ch, [196, 194, 186]);
    // The photo box, right.
    fill(
        x0 + cw * 68 / 100,
        y0 + ch * 14 / 100,
        cw * 26 / 100,
        ch * 58 / 100,
        [150, 140, 132],
    );
    // Text: rows of "characters" of varied width (a small deterministic generator).
    let mut seed = 0x9E37_79B9_7F4A_7C15u64;
    let mut next = move |n: u32| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        (seed % u64::from(n.max(1))) as u32
    };
    let glyph = (ch / 22).max(6);
    let mut y = y0 + ch * 12 / 100;
    while y + glyph < y0 + ch * 92 / 100 {
        let mut x = x0 + cw * 6 / 100;
        let end = if y < y0 + ch * 75 / 100 {
            x0 + cw * 64 / 100
        } else {
            x0 + cw * 94 / 100
        };
        while x + glyph < end {
            let w = glyph * (6 + next(5)) / 10;
            fill(x, y, w, glyph / 5 + 1, [30, 30, 34]);
            fill(x + next(w.max(2)), y, glyph / 6 + 1, glyph, [30, 30, 34]);
            fill(x, y + glyph * 3 / 5, w, glyph / 6 + 1, [30, 30, 34]);
            x += w + glyph / 3;
        }
        y += glyph * 2;
    }
    img
}

/// Encode `img` as JPEG (quality 92); with `orientation`, an EXIF APP1 segment carrying that
/// orientation tag goes right after SOI (as phones write it).
pub fn jpeg_bytes(img: &image::RgbImage, orientation: Option<u16>) -> Vec<u8> {
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 92)
        .encode_image(img)
        .unwrap_or_else(|e| panic!("encode jpeg: {e}"));
    let Some(o) = orientation else {
        return out;
    };
    let [hi, lo] = o.to_be_bytes();
    // APP1, length 34: "Exif\0\0", a big-endian TIFF header, IFD0 with one SHORT entry
    // (0x0112 Orientation), no next IFD.
    let app1: [u8; 36] = [
        0xFF, 0xE1, 0x00, 0x22, b'E', b'x', b'i', b'f', 0, 0, b'M', b'M', 0x00, 0x2A, 0, 0, 0, 8,
        0, 1, 0x01, 0x12, 0, 3, 0, 0, 0, 1, hi, lo, 0, 0, 0, 0, 0, 0,
    ];
    let mut with = out[..2].to_vec();
    with.extend_from_slice(&app1);
    with.extend_from_slice(&out[2..]);
    with
}

/// Write the fake camera's picture as a one-frame MJPEG for Chromium's fake camera
/// (`--use-file-for-fake-video-capture`): a person holding their ID card in front of the
/// chest ([`holding_id_picture`], the 手持身份证 half-length photo). The fake camera shows
/// one picture for every photo of a journey, so it must pass the ID card's checks (the card's
/// sharp text keeps the blur measure well above the ID limit) and the portrait's face check
/// (the head is where a half-length photo has it); the ID checks look at blur, light and
/// glare, never for the card itself, so the person beside the card does not help them pass.
pub fn camera_picture(path: &Path, width: u32, height: u32) {
    let bytes = jpeg_bytes(&holding_id_picture(width, height), None);
    std::fs::write(path, bytes).unwrap_or_else(|e| panic!("write {path:?}: {e}"));
}

/// The synthetic person's skin: a medium tone, well inside capture-core's skin model.
const SKIN: [f32; 3] = [214.0, 164.0, 134.0];
/// The synthetic person's hair.
const HAIR: [f32; 3] = [34.0, 28.0, 26.0];
/// The synthetic person's shirt.
const SHIRT: [f32; 3] = [42.0, 56.0, 92.0];

/// Paint `colour(x, y)` where `inside(x, y)`, both in shares of the picture's width and height.
fn paint(
    img: &mut image::RgbImage,
    inside: impl Fn(f32, f32) -> bool,
    colour: impl Fn(f32, f32) -> [f32; 3],
) {
    let (w, h) = img.dimensions();
    for y in 0..h {
        for x in 0..w {
            let (fx, fy) = (x as f32 / w as f32, y as f32 / h as f32);
            if inside(fx, fy) {
                let c = colour(fx, fy).map(|v| v.round().clamp(0.0, 255.0) as u8);
                img.put_pixel(x, y, image::Rgb(c));
            }
        }
    }
}

/// Draw a head (with hair, eyes, brows and mouth), neck and shirted shoulders, the head
/// centred at `(cx, cy)` with half-width `rx` and half-height `ry` (shares of the picture).
fn draw_person(img: &mut image::RgbImage, cx: f32, cy: f32, rx: f32, ry: f32) {
    let top = cy + ry * 1.45;
    // The shirt, with a light stripe down the front and buttons.
    paint(
        img,
        |x, y| y > top + 2.0 * (x - cx).powi(2) && (x - cx).abs() < rx * 3.2,
        |x, y| {
            if (x - cx).abs() < rx * 0.03 {
                [200.0, 200.0, 204.0]
            } else if (x - cx).abs() < rx * 0.09 && ((y - top) / (ry * 0.3)).fract() < 0.15 {
                [220.0, 220.0, 224.0]
            } else {
                SHIRT
            }
        },
    );
    let rect = |img: &mut image::RgbImage, x0: f32, y0: f32, x1: f32, y1: f32, c: [f32; 3]| {
        paint(img, |x, y| x >= x0 && x < x1 && y >= y0 && y < y1, |_, _| c);
    };
    rect(
        img,
        cx - rx * 0.42,
        cy + ry * 0.7,
        cx + rx * 0.42,
        top + 0.02,
        SKIN,
    );
    let r = move |x: f32, y: f32| ((x - cx) / rx).powi(2) + ((y - cy) / ry).powi(2);
    paint(
        img,
        |x, y| r(x, y) <= 1.0,
        |x, y| SKIN.map(|v| v * (1.0 - 0.12 * r(x, y))),
    );
    // Hair over the top of the head, in strands.
    paint(
        img,
        |x, y| {
            ((x - cx) / (rx * 1.08)).powi(2) + ((y - cy + ry * 0.1) / (ry * 1.05)).powi(2) <= 1.0
                && y < cy - ry * 0.55
        },
        |x, _| {
            if ((x - cx) / (rx * 0.08)).fract().abs() < 0.25 {
                [70.0, 58.0, 52.0]
            } else {
                HAIR
            }
        },
    );
    for ex in [cx - rx * 0.4, cx + rx * 0.4] {
        rect(
            img,
            ex - rx * 0.15,
            cy - ry * 0.12,
            ex + rx * 0.15,
            cy - ry * 0.04,
            HAIR,
        );
        rect(
            img,
            ex - rx * 0.2,
            cy - ry * 0.3,
            ex + rx * 0.2,
            cy - ry * 0.26,
            [90.0, 70.0, 60.0],
        );
    }
    rect(
        img,
        cx - rx * 0.3,
        cy + ry * 0.45,
        cx + rx * 0.3,
        cy + ry * 0.5,
        [150.0, 80.0, 80.0],
    );
}

/// A light wall, a little darker toward the floor.
fn wall(width: u32, height: u32) -> image::RgbImage {
    image::RgbImage::from_fn(width, height, |_, y| {
        let d = (20 * y / height.max(1)) as u8;
        image::Rgb([186 - d, 191 - d, 197 - d])
    })
}

/// A half-length photo of a person (the 半身照): head and shoulders against a light wall, the
/// head in the upper middle as the page's guide asks. Sharp and evenly lit, it passes every
/// portrait check, including the face check's skin model.
pub fn person_picture(width: u32, height: u32) -> image::RgbImage {
    let mut img = wall(width, height);
    // The head spans 40 % of the width in a 3:4 frame; as wide in pixels in other frames.
    let rx = 0.2 * (0.75 * height as f32 / width.max(1) as f32).min(1.0);
    draw_person(&mut img, 0.5, 0.34, rx, 0.19);
    img
}

/// A person holding their ID card in front of the chest (手持身份证): [`draw_person`]'s figure
/// with the head in the upper middle, and [`id_card_picture`]'s card 42 % of the width wide
/// below it.
pub fn holding_id_picture(width: u32, height: u32) -> image::RgbImage {
    let mut img = wall(width, height);
    draw_person(&mut img, 0.5, 0.3, 0.085, 0.17);
    let card_w = width * 42 / 100;
    let card_h = card_w * 54 / 86;
    // id_card_picture draws its card 86 % of its width wide, vertically centred: as tall as
    // the card, it has no table above or below; cut the table off the sides.
    let source = id_card_picture(card_w * 100 / 86, card_h);
    let x0 = (source.width() - card_w) / 2;
    let card = image::imageops::crop_imm(&source, x0, 0, card_w, card_h).to_image();
    let top = (height as f32 * 0.72) as i64 - i64::from(card_h / 2);
    image::imageops::replace(&mut img, &card, i64::from((width - card_w) / 2), top);
    img
}
