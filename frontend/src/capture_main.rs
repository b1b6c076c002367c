//! Entry point of the photo capture page (`/capture/`): mounts
//! [`haoka_frontend::capture::CaptureApp`]. Built by trunk from `capture.html`
//! (`trunk build --offline --release --config Trunk.capture.toml`).

use haoka_capture_core::PhotoSlot;
use haoka_frontend::capture::pipeline::{Source, process};
use js_sys::{Object, Reflect};
use wasm_bindgen::{JsValue, prelude::wasm_bindgen};

fn main() {
    haoka_frontend::log_panics();
    leptos::mount::mount_to_body(haoka_frontend::capture::CaptureApp);
}

/// Let the pipeline encode in its Web Worker (`true`, as the page does) or only on the page,
/// for the benchmark's side-by-side rows (`window.wasmBindings.benchUseWorker`).
#[wasm_bindgen(js_name = benchUseWorker)]
pub fn bench_use_worker(on: bool) {
    haoka_frontend::capture::encoder::allow(on);
}

/// The pipeline on one file, as the page runs it, for `scripts/bench-capture.sh` (trunk's
/// start-up script exposes it as `window.wasmBindings.benchProcess`): resolves to
/// `{ms, bytes, width, height, encodes}`, or rejects with the refusal's English words.
#[wasm_bindgen(js_name = benchProcess)]
pub async fn bench_process(file: web_sys::Blob) -> Result<JsValue, JsValue> {
    let done = process(Source::File(&file), PhotoSlot::IdFace, |_| {})
        .await
        .map_err(|e| JsValue::from_str(e.message().1))?;
    let out = Object::new();
    for (key, value) in [
        ("ms", done.millis),
        ("bytes", done.bytes as f64),
        ("width", f64::from(done.size.width)),
        ("height", f64::from(done.size.height)),
        ("encodes", f64::from(done.encodes)),
    ] {
        Reflect::set(&out, &key.into(), &value.into())?;
    }
    Ok(out.into())
}
