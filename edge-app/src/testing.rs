//! The native platform, for tests: [`Fake`] runs the routes on SQLite with the project's
//! migrations applied (`haoka_edge_core::sql::sqlite`, D1 is SQLite), objects in memory, a
//! recorded queue, scripted upstream answers, a clock the test sets and moves, deterministic
//! randomness and PBKDF2 from the `pbkdf2` crate, so a route is tested with `cargo test` in
//! milliseconds. Compiled for this crate's own tests and, behind the `testing` feature, for
//! its integration tests; never in the Worker's build.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a test harness fails loudly

use std::{
    cell::{Cell, RefCell},
    collections::{BTreeMap, VecDeque},
    sync::{Mutex, PoisonError},
};

use haoka_edge_core::{
    http::HttpRequest,
    sql::{Done, Query, Stmt, sqlite::Db},
};
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::{
    Config,
    error::AppError,
    http::{Form, Incoming, Method, Part},
    platform::{Level, Listed, Platform, Transport},
};

/// The fake's clock at the start: 2027-01-15T08:00:00Z, in Unix ms.
pub const T0: i64 = 1_800_000_000_000;

/// The edge's public origin in [`Fake::config`] (what `Origin` says on a same-origin call).
pub const PUBLIC_BASE: &str = "https://haoka.example";

/// The operator's bearer token in [`Fake::config`].
pub const ADMIN_TOKEN: &str = "test-operator-token";

/// The configuration values [`Fake::config`] reads: every required one, upstreams on
/// loopback (so `TEST_CLOCK=on` is honoured).
const VARS: [(&str, &str); 17] = [
    ("XINGGUANG_BASE_URL", "http://127.0.0.1:8788"),
    ("REALME_BASE_URL", "http://127.0.0.1:8788/api/realme/"),
    ("PHONE3_URL", "http://127.0.0.1:8788/phone3"),
    ("PUBLIC_BASE_URL", PUBLIC_BASE),
    ("XINGGUANG_API_USER", "test-user"),
    ("XINGGUANG_API_KEY", "test-api-key"),
    ("REALME_APP_TOKEN", "test-app-token"),
    ("REALME_SIGN_KEY", "test-sign-key"),
    ("PHONE3_TOKEN", "test-phone3-token"),
    ("CALLBACK_HMAC_KEY", "test-callback-key"),
    ("SESSION_KEY", "test-session-key"),
    ("PII_KEYS", "k1:0123456789abcdef0123456789abcdef"),
    ("LOOKUP_KEY", "test-lookup-key"),
    ("ADMIN_TOKEN", ADMIN_TOKEN),
    ("AUDIT_KEY", "test-audit-key"),
    ("TEST_CLOCK", "on"),
    ("UPSTREAM_TIMEOUT_MS", "10000"),
];

/// The platform of one test: every piece of state is public, for the test to set up and look
/// at. Everything runs at once: no future of it ever waits, so `block_on` finishes a route.
pub struct Fake {
    /// The store: SQLite in memory with every migration applied.
    pub db: RefCell<Db>,
    /// The object store: key → (bytes, written at, Unix ms).
    pub objects: RefCell<BTreeMap<String, (Vec<u8>, i64)>>,
    /// Every job put on the queue: (order id, delay in seconds), in order.
    pub queue: RefCell<Vec<(String, u32)>>,
    /// The clock (Unix ms): the test sets it and moves it; [`Platform::advance_clock`]
    /// moves it too.
    pub clock: Cell<i64>,
    /// How far [`Platform::advance_clock`] has moved the clock (what it returns).
    pub ahead: Cell<i64>,
    /// The state of the random bytes (xorshift64*): deterministic, not secret. Tests need
    /// the same bytes on every run, never unguessable ones.
    pub seed: Cell<u64>,
    /// The upstream answers still to give, first first; none left: `Transport::Failed`.
    pub answers: RefCell<VecDeque<Transport>>,
    /// Every upstream request sent, with its timeout (ms), in order.
    pub calls: RefCell<Vec<(HttpRequest, u32)>>,
    /// The current request's body (set by [`Fake::request`]; read once, as the Worker's).
    pub body: RefCell<Vec<u8>>,
    /// Every log line, as `info: …`, `warn: …`, `error: …`.
    pub logs: RefCell<Vec<String>>,
}

impl Default for Fake {
    fn default() -> Fake {
        Fake::new()
    }
}

impl Fake {
    /// A fresh platform: a migrated database, nothing stored, queued or scripted, the clock
    /// at [`T0`].
    pub fn new() -> Fake {
        Fake {
            db: RefCell::new(Db::migrated()),
            objects: RefCell::new(BTreeMap::new()),
            queue: RefCell::new(Vec::new()),
            clock: Cell::new(T0),
            ahead: Cell::new(0),
            seed: Cell::new(0x9E37_79B9_7F4A_7C15),
            answers: RefCell::new(VecDeque::new()),
            calls: RefCell::new(Vec::new()),
            body: RefCell::new(Vec::new()),
            logs: RefCell::new(Vec::new()),
        }
    }

    /// The test configuration: every required value, upstreams on loopback, [`PUBLIC_BASE`],
    /// [`ADMIN_TOKEN`], `TEST_CLOCK=on`.
    pub fn config() -> Config {
        Fake::config_with(&[])
    }

    /// The test configuration with some values set or replaced (`("LOGINS_PER_MINUTE",
    /// "1000")`; `""` unsets one).
    pub fn config_with(extra: &[(&str, &str)]) -> Config {
        let mut vars: BTreeMap<String, String> = VARS
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        for (k, v) in extra {
            vars.insert((*k).to_owned(), (*v).to_owned());
        }
        Config::from_lookup(|name| vars.get(name).cloned())
            .unwrap_or_else(|e| panic!("test configuration: {e}"))
    }

    /// A request to `path` (a query after `?` is decoded into its pairs) with `headers`;
    /// `body` becomes the body [`Platform::body`] reads next.
    pub fn request(
        &self,
        method: Method,
        path: &str,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> Incoming {
        let (path, query) = path.split_once('?').unwrap_or((path, ""));
        let query: Vec<(String, String)> =
            serde_urlencoded::from_str(query).unwrap_or_else(|e| panic!("query of {path}: {e}"));
        *self.body.borrow_mut() = body.to_vec();
        let headers = headers
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        Incoming::new(method, path, query, headers)
    }

    /// A request whose body is `json` (with `Content-Type: application/json`).
    pub fn json(
        &self,
        method: Method,
        path: &str,
        headers: &[(&str, &str)],
        json: &Value,
    ) -> Incoming {
        let mut all = vec![("content-type", "application/json")];
        all.extend_from_slice(headers);
        self.request(method, path, &all, json.to_string().as_bytes())
    }

    /// Give `answer` to the next upstream call not answered yet.
    pub fn answer(&self, answer: Transport) {
        self.answers.borrow_mut().push_back(answer);
    }

    /// Move the clock by `ms` (not counted in [`Fake::ahead`]).
    pub fn tick(&self, ms: i64) {
        self.clock.set(self.clock.get() + ms);
    }

    /// Rows of plain SQL, for a test's own look at the tables.
    pub fn rows(&self, sql: &str) -> Vec<Value> {
        self.db.borrow().rows(sql)
    }

    /// A test's own write (setting a row up).
    pub fn exec(&self, sql: &str) {
        self.db.borrow().exec(sql);
    }

    /// Whether a log line contains `needle`.
    pub fn logged(&self, needle: &str) -> bool {
        self.logs.borrow().iter().any(|l| l.contains(needle))
    }

    /// The next random word (xorshift64*).
    fn next_word(&self) -> u64 {
        let mut x = self.seed.get();
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.seed.set(x);
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn exec_one(&self, s: &Stmt) -> Result<Done, AppError> {
        let done = self.db.borrow().try_run(s).map_err(AppError::Internal)?;
        Ok(as_d1(done))
    }
}

/// PBKDF2's answers so far, for every test of the process: it is a pure function, and its
/// 100 000 iterations cost about a second in a test build, so each (password, salt, count,
/// length) is paid for once (the deterministic salts repeat the same sign-ins test after test).
type Pbkdf2Key = (String, Vec<u8>, u32, usize);
static PBKDF2_MEMO: Mutex<BTreeMap<Pbkdf2Key, Vec<u8>>> = Mutex::new(BTreeMap::new());

/// A multipart body of `parts` and its content type, for [`Fake::request`] (a file part is
/// sent as `application/octet-stream` named `name.bin`).
pub fn multipart(parts: &[(&str, Part)]) -> (String, Vec<u8>) {
    const BOUNDARY: &str = "haoka-fake-boundary-7c15";
    let mut body = Vec::new();
    for (name, part) in parts {
        body.extend_from_slice(format!("--{BOUNDARY}\r\n").as_bytes());
        match part {
            Part::Text(text) => {
                body.extend_from_slice(
                    format!("Content-Disposition: form-data; name=\"{name}\"\r\n\r\n").as_bytes(),
                );
                body.extend_from_slice(text.as_bytes());
            }
            Part::File(bytes) => {
                body.extend_from_slice(
                    format!(
                        "Content-Disposition: form-data; name=\"{name}\"; filename=\"{name}.bin\"\r\n\
                         Content-Type: application/octet-stream\r\n\r\n"
                    )
                    .as_bytes(),
                );
                body.extend_from_slice(bytes);
            }
        }
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={BOUNDARY}"), body)
}

/// Rows as D1 gives them to the Worker (through JavaScript numbers): a real with no fraction
/// reads as an integer, as the Worker's `serde_wasm_bindgen` sees a safe integer.
fn as_d1(mut done: Done) -> Done {
    const SAFE: f64 = 9_007_199_254_740_991.0; // Number.MAX_SAFE_INTEGER
    for row in &mut done.rows {
        if let Value::Object(map) = row {
            for v in map.values_mut() {
                if v.is_f64()
                    && let Some(f) = v.as_f64()
                    && f.fract() == 0.0
                    && f.abs() <= SAFE
                {
                    *v = Value::from(f as i64); // integral and in range
                }
            }
        }
    }
    done
}

fn decode<T: DeserializeOwned>(row: Value) -> Result<T, AppError> {
    serde_json::from_value(row).map_err(|e| AppError::Internal(format!("row: {e}")))
}

/// A header's parameter (`boundary=…`, `name="…"`), unquoted.
fn parameter<'a>(header: &'a str, name: &str) -> Option<&'a str> {
    header.split(';').skip(1).find_map(|kv| {
        let (k, v) = kv.trim().split_once('=')?;
        k.trim()
            .eq_ignore_ascii_case(name)
            .then(|| v.trim().trim_matches('"'))
    })
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// A `multipart/form-data` body's parts (a part with a `filename` is a file), or `None` when
/// it is not one.
fn parse_multipart(content_type: &str, body: &[u8]) -> Option<Form> {
    let boundary = parameter(content_type, "boundary").filter(|b| !b.is_empty())?;
    let delimiter = format!("--{boundary}");
    let mut rest = &body[find(body, delimiter.as_bytes())? + delimiter.len()..];
    let mut parts = Vec::new();
    while !rest.starts_with(b"--") {
        rest = rest.strip_prefix(b"\r\n")?;
        let head_end = find(rest, b"\r\n\r\n")?;
        let head = std::str::from_utf8(&rest[..head_end]).ok()?;
        let content = &rest[head_end + 4..];
        let end = find(content, format!("\r\n{delimiter}").as_bytes())?;
        let disposition = head
            .split("\r\n")
            .find(|l| l.to_ascii_lowercase().starts_with("content-disposition:"))?;
        let name = parameter(disposition, "name")?.to_owned();
        let bytes = content[..end].to_vec();
        let part = if parameter(disposition, "filename").is_some() {
            Part::File(bytes)
        } else {
            Part::Text(String::from_utf8_lossy(&bytes).into_owned())
        };
        parts.push((name, part));
        rest = &content[end + 2 + delimiter.len()..];
    }
    Some(Form { parts })
}

impl Platform for Fake {
    fn now_ms(&self) -> i64 {
        self.clock.get()
    }

    /// Deterministic bytes (xorshift64* from [`Fake::seed`]): tests need the same run every
    /// time, not secrecy.
    fn fill_random(&self, buf: &mut [u8]) -> Result<(), AppError> {
        for chunk in buf.chunks_mut(8) {
            let word = self.next_word().to_le_bytes();
            chunk.copy_from_slice(&word[..chunk.len()]);
        }
        Ok(())
    }

    fn log(&self, level: Level, line: &str) {
        let level = match level {
            Level::Info => "info",
            Level::Warn => "warn",
            Level::Error => "error",
        };
        self.logs.borrow_mut().push(format!("{level}: {line}"));
    }

    async fn sleep_ms(&self, _ms: u64) {}

    fn advance_clock(&self, ms: i64) -> i64 {
        self.tick(ms);
        self.ahead.set(self.ahead.get().saturating_add(ms));
        self.ahead.get()
    }

    async fn one<T: DeserializeOwned>(&self, q: Query<T>) -> Result<Option<T>, AppError> {
        self.exec_one(&q.stmt)?
            .rows
            .into_iter()
            .next()
            .map(decode)
            .transpose()
    }

    async fn rows<T: DeserializeOwned>(&self, q: Query<T>) -> Result<Vec<T>, AppError> {
        self.exec_one(&q.stmt)?
            .rows
            .into_iter()
            .map(decode)
            .collect()
    }

    async fn run(&self, s: Stmt) -> Result<Done, AppError> {
        self.exec_one(&s)
    }

    async fn atomically(&self, stmts: Vec<Stmt>) -> Result<Vec<Done>, AppError> {
        let done = self
            .db
            .borrow_mut()
            .batch(&stmts)
            .map_err(AppError::Internal)?;
        Ok(done.into_iter().map(as_d1).collect())
    }

    async fn store_ok(&self) -> bool {
        self.db
            .borrow()
            .try_run(&Stmt::new("SELECT 1 AS one", []))
            .is_ok()
    }

    async fn put_object(&self, key: &str, bytes: Vec<u8>) -> Result<(), AppError> {
        let now = self.now_ms();
        self.objects
            .borrow_mut()
            .insert(key.to_owned(), (bytes, now));
        Ok(())
    }

    async fn get_object(&self, key: &str) -> Result<Option<Vec<u8>>, AppError> {
        Ok(self.objects.borrow().get(key).map(|(b, _)| b.clone()))
    }

    async fn delete_objects(&self, keys: Vec<String>) -> Result<(), AppError> {
        let mut objects = self.objects.borrow_mut();
        for k in keys {
            objects.remove(&k);
        }
        Ok(())
    }

    async fn list_objects(
        &self,
        prefix: &str,
        start_after: &str,
        limit: u32,
    ) -> Result<Vec<Listed>, AppError> {
        let limit = usize::try_from(limit).unwrap_or(usize::MAX);
        Ok(self
            .objects
            .borrow()
            .iter()
            .filter(|(k, _)| k.starts_with(prefix) && k.as_str() > start_after)
            .take(limit)
            .map(|(k, (_, at))| Listed {
                key: k.clone(),
                uploaded_ms: *at,
            })
            .collect())
    }

    async fn enqueue(&self, order_id: &str, delay_s: u32) -> Result<(), AppError> {
        self.queue.borrow_mut().push((order_id.to_owned(), delay_s));
        Ok(())
    }

    async fn call(&self, req: &HttpRequest, timeout_ms: u32) -> Transport {
        self.calls.borrow_mut().push((req.clone(), timeout_ms));
        self.answers
            .borrow_mut()
            .pop_front()
            .unwrap_or_else(|| Transport::Failed {
                why: "no scripted answer".into(),
            })
    }

    async fn pbkdf2(
        &self,
        password: &str,
        salt: &[u8],
        iterations: u32,
        bytes: usize,
    ) -> Result<Vec<u8>, AppError> {
        let key = (password.to_owned(), salt.to_vec(), iterations, bytes);
        let memo = || PBKDF2_MEMO.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(known) = memo().get(&key) {
            return Ok(known.clone());
        }
        let mut out = vec![0u8; bytes];
        pbkdf2::pbkdf2_hmac::<sha2::Sha256>(password.as_bytes(), salt, iterations, &mut out);
        memo().insert(key, out.clone());
        Ok(out)
    }

    async fn body(&self, cap: usize) -> Result<Vec<u8>, AppError> {
        let body = std::mem::take(&mut *self.body.borrow_mut());
        if body.len() > cap {
            return Err(AppError::PayloadTooLarge);
        }
        Ok(body)
    }

    /// A small parser of `multipart/form-data` (the boundary, each part's name, and a
    /// `filename` making it a file); what it cannot read is a 400, as the Worker's.
    async fn form(&self, content_type: &str, body: &[u8]) -> Result<Form, AppError> {
        parse_multipart(content_type, body)
            .ok_or_else(|| AppError::BadRequest("broken multipart body".into()))
    }
}

#[cfg(test)]
mod tests {
    use futures_executor::block_on;
    use haoka_edge_core::http::{Body, Method as Out};
    use serde::Deserialize;

    use super::*;

    #[derive(Debug, Deserialize, PartialEq)]
    struct Row {
        n: i64,
        score: i64,
        half: f64,
    }

    #[test]
    fn rows_read_as_the_worker_reads_d1s() {
        let f = Fake::new();
        let q = Stmt::new("SELECT 7 AS n, 60.0 AS score, 0.5 AS half", []).rows::<Row>();
        let row = block_on(f.one(q)).unwrap();
        assert_eq!(
            row,
            Some(Row {
                n: 7,
                score: 60,
                half: 0.5
            })
        );
        let bad = block_on(f.run(Stmt::new("SELECT * FROM no_such_table", [])));
        assert!(matches!(bad, Err(AppError::Internal(e)) if e.contains("no_such_table")));
    }

    #[test]
    fn a_batch_lands_whole_or_not_at_all() {
        let f = Fake::new();
        f.exec("CREATE TABLE t (k TEXT PRIMARY KEY)");
        let insert = |k: &str| Stmt::new("INSERT INTO t (k) VALUES (?1)", [k.into()]);
        let failed = block_on(f.atomically(vec![insert("a"), insert("a")]));
        assert!(failed.is_err());
        assert!(f.rows("SELECT k FROM t").is_empty());
        let done = block_on(f.atomically(vec![insert("a"), insert("b")])).unwrap();
        assert_eq!(done.iter().map(|d| d.changes).sum::<u64>(), 2);
    }

    #[test]
    fn randomness_is_the_same_every_run_and_not_constant() {
        let (a, b) = (Fake::new(), Fake::new());
        let x = crate::platform::random::<20>(&a).unwrap();
        assert_eq!(x, crate::platform::random::<20>(&b).unwrap());
        assert_ne!(x, crate::platform::random::<20>(&a).unwrap());
        assert_ne!(x[..8], x[8..16]);
    }

    #[test]
    fn the_clock_objects_queue_and_calls_are_the_tests() {
        let f = Fake::new();
        assert_eq!(f.now_ms(), T0);
        assert_eq!(f.advance_clock(500), 500);
        f.tick(100);
        assert_eq!(f.now_ms(), T0 + 600);
        assert_eq!(
            f.advance_clock(1),
            501,
            "the lead counts advance_clock only"
        );
        block_on(async {
            f.put_object("p/b", vec![2]).await.unwrap();
            f.put_object("p/a", vec![1]).await.unwrap();
            f.put_object("q/c", vec![3]).await.unwrap();
            let keys = |l: Vec<Listed>| l.into_iter().map(|o| o.key).collect::<Vec<_>>();
            assert_eq!(
                keys(f.list_objects("p/", "", 10).await.unwrap()),
                ["p/a", "p/b"]
            );
            assert_eq!(
                keys(f.list_objects("p/", "p/a", 10).await.unwrap()),
                ["p/b"]
            );
            assert_eq!(keys(f.list_objects("", "", 1).await.unwrap()), ["p/a"]);
            f.delete_objects(vec!["p/a".into(), "nope".into()])
                .await
                .unwrap();
            assert_eq!(f.get_object("p/a").await.unwrap(), None);
            assert_eq!(f.get_object("q/c").await.unwrap(), Some(vec![3]));
            f.enqueue("o1", 30).await.unwrap();
            let req = HttpRequest {
                method: Out::Get,
                url: "http://127.0.0.1:8788/x".into(),
                headers: vec![],
                body: Body::Empty,
            };
            f.answer(Transport::Reply {
                status: 200,
                body: b"ok".to_vec(),
            });
            assert!(matches!(
                f.call(&req, 5).await,
                Transport::Reply { status: 200, .. }
            ));
            assert!(
                matches!(f.call(&req, 5).await, Transport::Failed { why } if why == "no scripted answer")
            );
        });
        assert_eq!(*f.queue.borrow(), [("o1".to_owned(), 30)]);
        assert_eq!(f.calls.borrow().len(), 2);
    }

    #[test]
    fn a_body_is_read_once_within_its_cap() {
        let f = Fake::new();
        let req = f.request(
            Method::Post,
            "/x?a=1&b=%E4%B8%AD",
            &[("X-Y", "z")],
            b"12345",
        );
        assert_eq!((req.param("a"), req.param("b")), (Some("1"), Some("中")));
        assert_eq!(
            (req.path.as_str(), req.header("x-y")),
            ("/x", Some("z".into()))
        );
        assert!(matches!(
            block_on(f.body(4)),
            Err(AppError::PayloadTooLarge)
        ));
        f.request(Method::Post, "/x", &[], b"12345");
        assert_eq!(block_on(f.body(5)).unwrap(), b"12345");
        assert!(block_on(f.body(5)).unwrap().is_empty());
    }

    #[test]
    fn a_multipart_body_parses_back_into_its_parts() {
        let f = Fake::new();
        let parts = [
            ("name", Part::Text("张三".into())),
            ("photo", Part::File(b"\xff\xd8\r\n--x".to_vec())),
        ];
        let (ct, body) = multipart(&parts);
        let form = block_on(f.form(&ct, &body)).unwrap();
        assert_eq!(form.text("name"), Some("张三"));
        assert_eq!(form.file("photo"), Some(&b"\xff\xd8\r\n--x"[..]));
        assert!(!form.has("other"));
        assert!(block_on(f.form("multipart/form-data", &body)).is_err());
    }

    #[test]
    fn pbkdf2_is_the_standard_one() {
        // RFC 7914 §11's PBKDF2-HMAC-SHA256 vector ("passwd", "salt", 1 iteration).
        let f = Fake::new();
        let out = block_on(f.pbkdf2("passwd", b"salt", 1, 8)).unwrap();
        assert_eq!(out, [0x55, 0xac, 0x04, 0x6e, 0x56, 0xe3, 0x08, 0x9f]);
    }

    #[test]
    fn the_test_configuration_loads() {
        let cfg = Fake::config_with(&[("LOGINS_PER_MINUTE", "3")]);
        assert_eq!(
            (cfg.public_base.as_str(), cfg.logins_per_minute),
            (PUBLIC_BASE, 3)
        );
        assert!(cfg.test_clock);
        assert_eq!(cfg.admin_token, ADMIN_TOKEN);
    }
}
