//! The live camera: `getUserMedia` with the rear camera for the ID card and the front one for
//! the portrait, and what can go wrong, sorted into what the person can do about it.

use js_sys::{Object, Reflect};
use leptos::prelude::window;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{MediaStream, MediaStreamTrack};

/// Which camera.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Facing {
    /// The rear camera (`environment`): the ID card.
    Rear,
    /// The front camera (`user`): the portrait.
    Front,
}

impl Facing {
    fn mode(self) -> &'static str {
        match self {
            Facing::Rear => "environment",
            Facing::Front => "user",
        }
    }

    /// The `capture` attribute for the file fallback (the phone's own camera app).
    pub fn capture_attr(self) -> &'static str {
        self.mode()
    }
}

/// Why there is no live camera.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CameraError {
    /// No `getUserMedia` here (an old browser, or not a secure context): use a file.
    Unsupported,
    /// The person or the browser refused the permission: say how to allow it.
    Denied,
    /// No camera, or it is in use by another app: use a file.
    Unavailable,
}

impl CameraError {
    /// Words for the person (Chinese, English).
    pub fn message(self) -> (&'static str, &'static str) {
        match self {
            CameraError::Unsupported => (
                "当前浏览器无法直接使用相机，请用下方按钮拍照或选择照片",
                "This browser cannot open the camera here; take or choose a photo below",
            ),
            CameraError::Denied => ("相机权限被拒绝", "Camera permission was denied"),
            CameraError::Unavailable => (
                "没有找到可用的相机（或相机正被其他应用使用），请用下方按钮拍照或选择照片",
                "No camera is available (or another app is using it); take or choose a photo below",
            ),
        }
    }
}

/// Open the camera facing `facing`, asking for a large frame (ID text must stay legible).
pub async fn open(facing: Facing) -> Result<MediaStream, CameraError> {
    let secure = window().is_secure_context();
    let navigator = window().navigator();
    let devices = Reflect::get(&navigator, &JsValue::from_str("mediaDevices"))
        .ok()
        .filter(|d| !d.is_undefined() && !d.is_null());
    let Some(devices) = devices.filter(|_| secure) else {
        return Err(CameraError::Unsupported);
    };
    let devices: web_sys::MediaDevices = devices.unchecked_into();
    let constraints = constraints(facing).map_err(|_| CameraError::Unsupported)?;
    let promise = devices
        .get_user_media_with_constraints(&constraints)
        .map_err(|_| CameraError::Unsupported)?;
    match JsFuture::from(promise).await {
        Ok(stream) => stream
            .dyn_into::<MediaStream>()
            .map_err(|_| CameraError::Unavailable),
        Err(e) => Err(classify(&e)),
    }
}

/// `{ audio: false, video: { facingMode: { ideal }, width: { ideal: 2560 }, height: { ideal: 1440 } } }`.
fn constraints(facing: Facing) -> Result<web_sys::MediaStreamConstraints, JsValue> {
    let ideal = |v: JsValue| -> Result<JsValue, JsValue> {
        let o = Object::new();
        Reflect::set(&o, &JsValue::from_str("ideal"), &v)?;
        Ok(o.into())
    };
    let video = Object::new();
    Reflect::set(
        &video,
        &JsValue::from_str("facingMode"),
        &ideal(JsValue::from_str(facing.mode()))?,
    )?;
    Reflect::set(&video, &JsValue::from_str("width"), &ideal(2560.into())?)?;
    Reflect::set(&video, &JsValue::from_str("height"), &ideal(1440.into())?)?;
    let c = web_sys::MediaStreamConstraints::new();
    c.set_audio(&JsValue::FALSE);
    c.set_video(&video);
    Ok(c)
}

/// Sort a `getUserMedia` rejection by its `DOMException` name.
fn classify(error: &JsValue) -> CameraError {
    let name = Reflect::get(error, &JsValue::from_str("name"))
        .ok()
        .and_then(|n| n.as_string())
        .unwrap_or_default();
    match name.as_str() {
        "NotAllowedError" | "SecurityError" | "PermissionDeniedError" => CameraError::Denied,
        "TypeError" => CameraError::Unsupported,
        _ => CameraError::Unavailable,
    }
}

/// Stop every track of `stream` (the camera light goes off).
pub fn stop(stream: &MediaStream) {
    for track in stream.get_tracks().iter() {
        if let Ok(track) = track.dyn_into::<MediaStreamTrack>() {
            track.stop();
        }
    }
}
