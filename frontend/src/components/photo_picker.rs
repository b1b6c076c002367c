//! The three photos (三照): a thumbnail (or what is missing) per photo, and the capture page
//! ([`crate::capture`]) opened over the form in a frame to take them. The frame is a separate
//! app, loaded only now, so the camera, the checks and the encoder stay out of the form's
//! first load; each finished photo comes back as a JPEG `Blob` by `postMessage`.

use leptos::{ev, prelude::*};

use crate::{
    capture::embed::{PHOTOS_QUERY, Posted, part, read_posted},
    i18n::{tr, use_lang},
    photo::{PhotoSet, PhotoSide, PhotoState, from_capture},
};

/// The capture page's path.
const CAPTURE_PATH: &str = "/capture/";

/// One photo: its thumbnail or what is wrong, and a button to take (or retake) it.
#[component]
fn PhotoPicker(
    /// Which photo this is.
    side: PhotoSide,
    /// The three slots.
    photos: PhotoSet,
    /// Open the capture page for these photos.
    #[prop(into)]
    on_take: Callback<Vec<PhotoSide>>,
) -> impl IntoView {
    let lang = use_lang();
    let photo = photos.slot(side);
    let id = side.input_id();
    let error_id = format!("{id}-error");
    let label = move || {
        let (zh, en) = side.label();
        lang.get().pick(zh, en).to_owned()
    };
    let ready = move || matches!(photo.0.get(), PhotoState::Ready(_));
    let refused = move || matches!(photo.0.get(), PhotoState::Refused(_));
    view! {
        <div class="photo" class:invalid=refused id=id>
            <span class="photo-label">{label}</span>
            {move || match photo.0.get() {
                PhotoState::Ready(p) => view! { <img class="thumb" src=p.url alt=label /> }.into_any(),
                _ => view! { <div class="thumb empty" aria-hidden="true"></div> }.into_any(),
            }}
            <button type="button" class="secondary take" on:click=move |_| on_take.run(vec![side])>
                {move || if ready() { tr("重拍", "Retake").get() } else { tr("拍摄", "Take").get() }}
            </button>
            <p class="error" id=error_id role="alert">
                {move || match photo.0.get() {
                    PhotoState::Refused(issue) => lang.get().issue(&issue),
                    _ => String::new(),
                }}
            </p>
        </div>
    }
}

/// The three photos of an order, and the capture page when it is open.
#[component]
pub fn PhotoFields(
    /// The three slots.
    photos: PhotoSet,
) -> impl IntoView {
    let lang = use_lang();
    // The photos the open capture page was asked for (`None`: closed).
    let open = RwSignal::new(None::<Vec<PhotoSide>>);
    let take = Callback::new(move |sides: Vec<PhotoSide>| open.set(Some(sides)));
    let missing = move || {
        PhotoSide::ALL
            .into_iter()
            .filter(|s| !matches!(photos.slot(*s).0.get_untracked(), PhotoState::Ready(_)))
            .collect::<Vec<_>>()
    };
    let take_all = move |_| {
        let sides = missing();
        open.set(Some(if sides.is_empty() {
            PhotoSide::ALL.to_vec()
        } else {
            sides
        }));
    };
    let handle = window_event_listener(ev::message, move |e| on_message(&e, photos, open));
    on_cleanup(move || handle.remove());
    view! {
        <fieldset class="photos">
            <legend>{tr("拍摄三张照片", "Three photos")}</legend>
            <p class="hint">
                {tr(
                    "身份证人像面、国徽面和本人半身照。照片会在手机上压缩并检查清晰度后再上传。",
                    "Both sides of your ID card and a half-length photo of you. Each is compressed and checked for sharpness on your phone before it is sent.",
                )}
            </p>
            <button type="button" class="submit" id="take-photos" on:click=take_all>
                {tr("开始拍照", "Take the photos")}
            </button>
            <div class="photo-grid">
                {PhotoSide::ALL
                    .map(|side| view! { <PhotoPicker side photos on_take=take /> })
                    .collect_view()}
            </div>
        </fieldset>
        {move || open.get().map(|sides| {
            let frame = NodeRef::<leptos::html::Iframe>::new();
            let list: Vec<&str> = sides.iter().map(|s| part(*s)).collect();
            let src = format!("{CAPTURE_PATH}?{PHOTOS_QUERY}={}", list.join(","));
            view! {
                <div class="capture-overlay" role="dialog" aria-modal="true" aria-label=move || lang.get().pick("拍摄照片", "Take the photos").to_owned()>
                    <button type="button" class="close" id="capture-close" on:click=move |_| open.set(None)>
                        {tr("关闭", "Close")}
                    </button>
                    // `allow="camera"`: a frame may use the camera only when its page allows it.
                    <iframe id="capture-frame" src=src allow="camera" node_ref=frame
                        title=move || lang.get().pick("拍照页面", "Photo capture page").to_owned()
                        on:load=move |_| { if let Some(f) = frame.get_untracked() { let _ = f.focus(); } }></iframe>
                </div>
            }
        })}
    }
}

/// A message from the capture page: a photo (kept in its slot), or the page is finished.
fn on_message(e: &web_sys::MessageEvent, photos: PhotoSet, open: RwSignal<Option<Vec<PhotoSide>>>) {
    match read_posted(e) {
        Some(Posted::Photo {
            side: Some(side),
            blob,
            flag,
        }) => {
            if let Some(photo) = from_capture(side, &blob, flag) {
                photos.slot(side).set(PhotoState::Ready(photo));
            }
        }
        Some(Posted::Finished) => open.set(None),
        _ => {}
    }
}
