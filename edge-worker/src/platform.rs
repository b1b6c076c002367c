//! The edge app's [`Platform`] on Cloudflare: D1 for the store, R2 (`PHOTOS`) for objects,
//! the `JOBS` Queue, `fetch` with a deadline for the upstreams, WebCrypto for PBKDF2, the
//! Worker's clock and CSPRNG, and the console for the log. One [`Cf`] serves one invocation;
//! for a request it holds the runtime's request, whose body is read once, on demand.

use std::{cell::RefCell, fmt::Display};

use haoka_edge_app::{
    error::AppError,
    http::{Form, Part},
    jobs::Job,
    platform::{Level, Listed, Platform, Transport},
};
use haoka_edge_core::{
    http::HttpRequest,
    sql::{Done, Query, Stmt},
};
use js_sys::{Array, Reflect, Uint8Array};
use serde::de::DeserializeOwned;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{CryptoKey, Pbkdf2Params};
use worker::{
    Bucket, D1Database, Env, Headers, Request, RequestInit, console_error, console_log,
    console_warn,
};

use crate::{
    config::{DB, JOBS, PHOTOS, move_clock_forward, now_ms},
    db::{done, ping, prepared},
    upstream,
};

/// The platform for one invocation: the Worker's bindings and, for a fetch, its request.
pub struct Cf {
    env: Env,
    req: RefCell<Option<Request>>,
}

impl Cf {
    /// The platform over `env`; `req` is the request whose body [`Platform::body`] reads
    /// (`None` for the queue and the cron).
    pub fn new(env: Env, req: Option<Request>) -> Cf {
        Cf {
            env,
            req: RefCell::new(req),
        }
    }

    fn db(&self) -> Result<D1Database, AppError> {
        self.env.d1(DB).map_err(internal)
    }

    fn bucket(&self) -> Result<Bucket, AppError> {
        self.env.bucket(PHOTOS).map_err(internal)
    }
}

/// A runtime error as the app's (HTTP 500; the detail is logged, not shown).
fn internal(e: impl Display) -> AppError {
    AppError::Internal(e.to_string())
}

fn failed(what: &str) -> impl Fn(JsValue) -> AppError + '_ {
    move |e| AppError::Internal(format!("webcrypto {what}: {e:?}"))
}

impl Platform for Cf {
    fn now_ms(&self) -> i64 {
        now_ms()
    }

    fn fill_random(&self, buf: &mut [u8]) -> Result<(), AppError> {
        getrandom::getrandom(buf).map_err(|e| AppError::Internal(format!("getrandom: {e}")))
    }

    fn log(&self, level: Level, line: &str) {
        match level {
            Level::Info => console_log!("{line}"),
            Level::Warn => console_warn!("{line}"),
            Level::Error => console_error!("{line}"),
        }
    }

    async fn sleep_ms(&self, ms: u64) {
        worker::Delay::from(std::time::Duration::from_millis(ms)).await;
    }

    fn advance_clock(&self, ms: i64) -> i64 {
        move_clock_forward(ms)
    }

    async fn one<T: DeserializeOwned>(&self, q: Query<T>) -> Result<Option<T>, AppError> {
        prepared(&self.db()?, &q.stmt)
            .map_err(internal)?
            .first::<T>(None)
            .await
            .map_err(internal)
    }

    async fn rows<T: DeserializeOwned>(&self, q: Query<T>) -> Result<Vec<T>, AppError> {
        prepared(&self.db()?, &q.stmt)
            .map_err(internal)?
            .all()
            .await
            .map_err(internal)?
            .results::<T>()
            .map_err(internal)
    }

    async fn run(&self, s: Stmt) -> Result<Done, AppError> {
        let reply = prepared(&self.db()?, &s)
            .map_err(internal)?
            .all()
            .await
            .map_err(internal)?;
        done(&reply).map_err(internal)
    }

    async fn atomically(&self, stmts: Vec<Stmt>) -> Result<Vec<Done>, AppError> {
        let db = self.db()?;
        let prepared = stmts
            .iter()
            .map(|s| prepared(&db, s))
            .collect::<Result<Vec<_>, _>>()
            .map_err(internal)?;
        db.batch(prepared)
            .await
            .map_err(internal)?
            .iter()
            .map(|r| done(r).map_err(internal))
            .collect()
    }

    async fn store_ok(&self) -> bool {
        let answered = match self.env.d1(DB) {
            Ok(db) => ping(&db).await.map_err(|e| e.to_string()),
            Err(e) => Err(e.to_string()),
        };
        // The health check answers "degraded" rather than failing; the cause goes to the log.
        answered.unwrap_or_else(|e| {
            console_error!("health: D1 did not answer: {e}");
            false
        })
    }

    async fn put_object(&self, key: &str, bytes: Vec<u8>) -> Result<(), AppError> {
        self.bucket()?
            .put(key, bytes)
            .execute()
            .await
            .map_err(internal)?;
        Ok(())
    }

    async fn get_object(&self, key: &str) -> Result<Option<Vec<u8>>, AppError> {
        let Some(object) = self.bucket()?.get(key).execute().await.map_err(internal)? else {
            return Ok(None);
        };
        let Some(body) = object.body() else {
            return Ok(None);
        };
        Ok(Some(body.bytes().await.map_err(internal)?))
    }

    async fn delete_objects(&self, keys: Vec<String>) -> Result<(), AppError> {
        if keys.is_empty() {
            return Ok(());
        }
        self.bucket()?.delete_multiple(keys).await.map_err(internal)
    }

    async fn list_objects(
        &self,
        prefix: &str,
        start_after: &str,
        limit: u32,
    ) -> Result<Vec<Listed>, AppError> {
        let bucket = self.bucket()?;
        let mut list = bucket.list().prefix(prefix).limit(limit);
        if !start_after.is_empty() {
            list = list.start_after(start_after);
        }
        let page = list.execute().await.map_err(internal)?;
        Ok(page
            .objects()
            .iter()
            .map(|o| Listed {
                key: o.key(),
                uploaded_ms: i64::try_from(o.uploaded().as_millis()).unwrap_or(0),
            })
            .collect())
    }

    async fn enqueue(&self, order_id: &str, delay_s: u32) -> Result<(), AppError> {
        let job = Job {
            order_id: order_id.to_owned(),
        };
        self.env
            .queue(JOBS)
            .map_err(internal)?
            .send(
                worker::MessageBuilder::new(job)
                    .delay_seconds(delay_s)
                    .build(),
            )
            .await
            .map_err(internal)
    }

    async fn call(&self, req: &HttpRequest, timeout_ms: u32) -> Transport {
        upstream::execute(req, timeout_ms).await
    }

    async fn pbkdf2(
        &self,
        password: &str,
        salt: &[u8],
        iterations: u32,
        bytes: usize,
    ) -> Result<Vec<u8>, AppError> {
        let bits = bytes
            .checked_mul(8)
            .and_then(|b| u32::try_from(b).ok())
            .ok_or_else(|| AppError::Internal(format!("pbkdf2 length {bytes} too large")))?;
        let crypto: web_sys::Crypto = Reflect::get(&js_sys::global(), &"crypto".into())
            .map_err(failed("global"))?
            .unchecked_into();
        let subtle = crypto.subtle();
        let usages = Array::of1(&"deriveBits".into());
        let raw = Uint8Array::from(password.as_bytes());
        let key: CryptoKey = JsFuture::from(
            subtle
                .import_key_with_str("raw", &raw, "PBKDF2", false, &usages)
                .map_err(failed("importKey"))?,
        )
        .await
        .map_err(failed("importKey"))?
        .unchecked_into();
        let params = Pbkdf2Params::new(
            "PBKDF2",
            &"SHA-256".into(),
            iterations,
            &Uint8Array::from(salt),
        );
        let bits = JsFuture::from(
            subtle
                .derive_bits_with_object(&params, &key, bits)
                .map_err(failed("deriveBits"))?,
        )
        .await
        .map_err(failed("deriveBits"))?;
        Ok(Uint8Array::new(&bits).to_vec())
    }

    async fn body(&self, cap: usize) -> Result<Vec<u8>, AppError> {
        // Taken out first: no borrow is held across the read.
        let taken = self.req.borrow_mut().take();
        let Some(mut req) = taken else {
            return Ok(Vec::new());
        };
        crate::body::body_bytes(&mut req, cap).await
    }

    /// Parse multipart bytes already read (and size-checked) with the runtime's own parser.
    async fn form(&self, content_type: &str, body: &[u8]) -> Result<Form, AppError> {
        if !content_type.is_ascii() {
            return Err(AppError::BadRequest("non-ASCII content type".into()));
        }
        let headers = Headers::new();
        headers
            .set("content-type", content_type)
            .map_err(internal)?;
        let mut init = RequestInit::new();
        init.with_method(worker::Method::Post)
            .with_headers(headers)
            .with_body(Some(Uint8Array::from(body).into()));
        let mut copy = Request::new_with_init("http://local/form", &init).map_err(internal)?;
        let form = copy
            .form_data()
            .await
            .map_err(|_| AppError::BadRequest("broken multipart body".into()))?;
        // Every entry in order: a file's bytes (empty when they cannot be read, as the photo
        // check then says), a field's text.
        let form: web_sys::FormData = JsValue::from(form).unchecked_into();
        let mut parts = Vec::new();
        for entry in form.entries() {
            let pair: Array = entry
                .map_err(|e| internal(format!("{e:?}")))?
                .unchecked_into();
            let Some(name) = pair.get(0).as_string() else {
                continue;
            };
            let value = pair.get(1);
            if value.is_instance_of::<web_sys::File>() {
                let file = worker::File::from(value.unchecked_into::<web_sys::File>());
                parts.push((name, Part::File(file.bytes().await.unwrap_or_default())));
            } else if let Some(text) = value.as_string() {
                parts.push((name, Part::Text(text)));
            }
        }
        Ok(Form { parts })
    }
}
