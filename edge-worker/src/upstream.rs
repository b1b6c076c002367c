//! The only place the edge talks to an upstream: perform a [`HttpRequest`] built by
//! `haoka-edge-core` with a deadline, and hand back the status and bytes (or why there are
//! none). Parsing happens in the core.

use futures_util::future::{Either, select};
use haoka_edge_core::http::{Body, HttpRequest, Method};
use wasm_bindgen::JsValue;
use worker::{AbortController, Delay, Fetch, Headers, Request, RequestInit};

/// What came back: the platform's own type, so the adapter hands it on as it is.
pub use haoka_edge_app::platform::Transport;

fn build(req: &HttpRequest) -> Result<Request, String> {
    let headers = Headers::new();
    for (k, v) in &req.headers {
        headers.set(k, v).map_err(|e| e.to_string())?;
    }
    let mut init = RequestInit::new();
    init.with_method(match req.method {
        Method::Get => worker::Method::Get,
        Method::Post => worker::Method::Post,
    });
    let body: Option<JsValue> = match &req.body {
        Body::Empty => None,
        Body::Form(_) => {
            headers
                .set("content-type", "application/x-www-form-urlencoded")
                .map_err(|e| e.to_string())?;
            req.body.urlencoded().map(|s| JsValue::from_str(&s))
        }
        Body::Json(text) => {
            headers
                .set("content-type", "application/json")
                .map_err(|e| e.to_string())?;
            Some(JsValue::from_str(text))
        }
        Body::Multipart { fields, files } => {
            // The runtime writes the boundary and the content type.
            let form = web_sys::FormData::new().map_err(|e| format!("{e:?}"))?;
            for (k, v) in fields {
                form.append_with_str(k, v).map_err(|e| format!("{e:?}"))?;
            }
            for f in files {
                let bytes = js_sys::Uint8Array::from(f.bytes.as_slice());
                let parts = js_sys::Array::of1(&bytes);
                let opts = web_sys::BlobPropertyBag::new();
                opts.set_type(f.mime);
                let blob = web_sys::Blob::new_with_u8_array_sequence_and_options(&parts, &opts)
                    .map_err(|e| format!("{e:?}"))?;
                form.append_with_blob_and_filename(&f.name, &blob, &f.filename)
                    .map_err(|e| format!("{e:?}"))?;
            }
            Some(form.into())
        }
    };
    init.with_headers(headers).with_body(body);
    Request::new_with_init(&req.url, &init).map_err(|e| e.to_string())
}

/// Send `req`; give up after `timeout_ms` (the request is aborted, the outcome is unknown).
pub async fn execute(req: &HttpRequest, timeout_ms: u32) -> Transport {
    let request = match build(req) {
        Ok(r) => r,
        Err(why) => return Transport::Failed { why },
    };
    let controller = AbortController::default();
    let signal = controller.signal();
    let call = async move {
        let mut resp = Fetch::Request(request)
            .send_with_signal(&signal)
            .await
            .map_err(|e| e.to_string())?;
        let status = resp.status_code();
        let body = resp.bytes().await.map_err(|e| e.to_string())?;
        Ok::<_, String>((status, body))
    };
    let deadline = Delay::from(std::time::Duration::from_millis(u64::from(timeout_ms)));
    match select(Box::pin(call), deadline).await {
        Either::Left((Ok((status, body)), _)) => Transport::Reply { status, body },
        Either::Left((Err(why), _)) => Transport::Failed { why },
        Either::Right(((), _)) => {
            controller.abort();
            Transport::Failed {
                why: format!("no answer within {timeout_ms} ms"),
            }
        }
    }
}
