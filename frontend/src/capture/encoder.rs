//! The JPEG encoder in a Web Worker, where the browser has one with `OffscreenCanvas`: the
//! page transfers the decoded bitmap to `encode-worker.js` (served beside the page) once, and
//! each encode of the quality search is a message there and a `Blob` back, so drawing and
//! encoding never block the page (its progress bar, its camera). One worker serves every
//! photo of the page. Where there is none — no `Worker`, no `OffscreenCanvas` in workers
//! (Safari before 16.4), the script not loading, or a worker that failed once — the pipeline
//! encodes on the page instead ([`super::pipeline`]).

use std::cell::{Cell, RefCell};

use js_sys::{Array, Object, Promise, Reflect};
use wasm_bindgen::{JsCast, JsValue, closure::Closure};
use wasm_bindgen_futures::JsFuture;
use web_sys::{Blob, ImageBitmap, MessageEvent, Worker};

/// The worker script, relative to the capture page (`/capture/encode-worker.js`).
const SCRIPT: &str = "encode-worker.js";
/// How long the worker has to say hello before the page does the work itself.
const HELLO_MS: i32 = 3000;

/// What the page knows of its worker.
enum State {
    /// Not tried yet.
    Untried,
    /// Said hello with `OffscreenCanvas` support.
    Ready(Worker),
    /// None here, or it failed: the page encodes.
    Off,
}

thread_local! {
    static STATE: RefCell<State> = const { RefCell::new(State::Untried) };
    static ALLOWED: Cell<bool> = const { Cell::new(true) };
}

/// Let (or stop) the pipeline use the worker, which stays started either way: for the
/// benchmark's side-by-side runs.
pub fn allow(on: bool) {
    ALLOWED.with(|a| a.set(on));
}

/// Give up on the worker (after it failed): the page encodes from now on.
fn fail() {
    let old = STATE.with(|s| std::mem::replace(&mut *s.borrow_mut(), State::Off));
    if let State::Ready(w) = old {
        w.terminate();
    }
}

/// The page's encode worker, started on first use; `None` where there is none.
pub async fn worker() -> Option<EncodeWorker> {
    if !ALLOWED.with(Cell::get) {
        return None;
    }
    let untried = STATE.with(|s| match &*s.borrow() {
        State::Ready(w) => Err(Some(w.clone())),
        State::Off => Err(None),
        State::Untried => Ok(()),
    });
    if let Err(known) = untried {
        return known.map(|worker| EncodeWorker { worker });
    }
    let started = Worker::new(SCRIPT).ok();
    let ready = match &started {
        Some(w) => hello(w).await,
        None => false,
    };
    STATE.with(|s| {
        *s.borrow_mut() = match (&started, ready) {
            (Some(w), true) => State::Ready(w.clone()),
            _ => State::Off,
        }
    });
    match (started, ready) {
        (Some(worker), true) => Some(EncodeWorker { worker }),
        (Some(w), false) => {
            w.terminate();
            None
        }
        (None, _) => None,
    }
}

/// Whether the worker answers hello, with `OffscreenCanvas`, in time.
async fn hello(worker: &Worker) -> bool {
    let answer = request(worker, &message(&[("op", "hello".into())]), None);
    let timeout = Promise::new(&mut |resolve, _| {
        let _ = leptos::prelude::window()
            .set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, HELLO_MS);
    });
    let race = Promise::race(&Array::of2(&answer, &timeout));
    match JsFuture::from(race).await {
        Ok(reply) => Reflect::get(&reply, &"ok".into()).is_ok_and(|ok| ok.is_truthy()),
        Err(_) => false,
    }
}

fn message(fields: &[(&str, JsValue)]) -> Object {
    let m = Object::new();
    for (k, v) in fields {
        let _ = Reflect::set(&m, &JsValue::from_str(k), v);
    }
    m
}

/// Post `message` (transferring `transfer`) and resolve with the reply's data; an `error`
/// reply, a worker error or an unreadable message rejects. Requests are one at a time (the
/// search awaits each encode), so each sets the handlers for its own reply.
fn request(worker: &Worker, message: &Object, transfer: Option<&Array>) -> Promise {
    let worker = worker.clone();
    let message = message.clone();
    let transfer = transfer.cloned();
    Promise::new(&mut |resolve, reject| {
        let fail = reject.clone();
        let on_message = Closure::once_into_js(move |event: MessageEvent| {
            let data = event.data();
            let op = Reflect::get(&data, &"op".into()).unwrap_or_default();
            let settle = if op.as_string().as_deref() == Some("error") {
                &fail
            } else {
                &resolve
            };
            let _ = settle.call1(&JsValue::NULL, &data);
        });
        let on_error = Closure::once_into_js(move |event: JsValue| {
            let _ = reject.call1(&JsValue::NULL, &event);
        });
        worker.set_onmessage(Some(on_message.unchecked_ref()));
        worker.set_onerror(Some(on_error.unchecked_ref()));
        worker.set_onmessageerror(Some(on_error.unchecked_ref()));
        let posted = match &transfer {
            Some(t) => worker.post_message_with_transfer(&message, t),
            None => worker.post_message(&message),
        };
        if let Err(e) = posted {
            let _ = on_error
                .unchecked_ref::<js_sys::Function>()
                .call1(&JsValue::NULL, &e);
        }
    })
}

/// The page's worker, ready to encode.
pub struct EncodeWorker {
    worker: Worker,
}

impl EncodeWorker {
    /// Encode at `width × height` and `quality`; `bitmap`, when given, is the picture (moved
    /// to the worker: unusable on the page afterwards). A failure turns the worker off.
    pub async fn encode(
        &self,
        bitmap: Option<&ImageBitmap>,
        width: u32,
        height: u32,
        quality: f32,
    ) -> Result<Blob, JsValue> {
        let mut fields = vec![
            ("op", JsValue::from_str("encode")),
            ("width", width.into()),
            ("height", height.into()),
            ("quality", f64::from(quality).into()),
        ];
        if let Some(b) = bitmap {
            fields.push(("bitmap", b.into()));
        }
        let transfer = bitmap.map(|b| Array::of1(b.as_ref()));
        let reply = JsFuture::from(request(&self.worker, &message(&fields), transfer.as_ref()))
            .await
            .and_then(|data| Reflect::get(&data, &"blob".into()))
            .and_then(|blob| blob.dyn_into::<Blob>());
        if reply.is_err() {
            fail();
        }
        reply
    }

    /// Let the worker drop the picture and its canvas.
    pub async fn release(&self) {
        let done = request(&self.worker, &message(&[("op", "release".into())]), None);
        if JsFuture::from(done).await.is_err() {
            fail();
        }
    }
}
