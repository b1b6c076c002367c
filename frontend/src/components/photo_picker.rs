//! The three photo inputs (三照): plain file inputs, each checked in the browser with the
//! shared rule and shown as a thumbnail or an error. (A camera capture can replace
//! [`PhotoPicker`] later without touching its callers.)

use leptos::{prelude::*, task::spawn_local};
use web_sys::HtmlInputElement;

use crate::{
    i18n::{tr, use_lang},
    photo::{PhotoSet, PhotoSide, PhotoSlot, PhotoState, read_photo},
};

/// One photo: a file input (`#photo-face` …), then its thumbnail or its error.
#[component]
pub fn PhotoPicker(
    /// Which photo this is.
    side: PhotoSide,
    /// Where the picked photo goes.
    photo: PhotoSlot,
) -> impl IntoView {
    let lang = use_lang();
    let id = side.input_id();
    let error_id = format!("{id}-error");
    // Only the latest pick may land, should an earlier (larger) file finish reading later.
    let picks = StoredValue::new(0u32);
    let on_change = move |ev: leptos::ev::Event| {
        let input: HtmlInputElement = event_target(&ev);
        let Some(file) = input.files().and_then(|list| list.get(0)) else {
            return;
        };
        picks.update_value(|n| *n += 1);
        let pick = picks.get_value();
        photo.set(PhotoState::Reading);
        spawn_local(async move {
            let next = match read_photo(file).await {
                Ok(photo) => PhotoState::Ready(photo),
                Err(e) => PhotoState::Refused(e.for_field(side.field())),
            };
            if picks.try_get_value() == Some(pick) {
                photo.set(next);
            } else if let PhotoState::Ready(p) = next {
                let _ = web_sys::Url::revoke_object_url(&p.url);
            }
        });
    };
    let label = move || {
        let (zh, en) = side.label();
        lang.get().pick(zh, en).to_owned()
    };
    let refused = move || matches!(photo.0.get(), PhotoState::Refused(_));
    view! {
        <div class="photo" class:invalid=refused>
            <label for=id>{label}</label>
            <input
                type="file"
                id=id
                name=id
                accept="image/jpeg,image/png"
                aria-invalid=move || if refused() { "true" } else { "false" }
                aria-describedby=error_id.clone()
                on:change=on_change
            />
            {move || match photo.0.get() {
                PhotoState::Ready(p) => {
                    Some(view! { <img class="thumb" src=p.url alt=label /> }.into_any())
                }
                PhotoState::Reading => {
                    let text = tr("正在检查照片…", "Checking the photo…");
                    Some(view! { <p class="hint">{text}</p> }.into_any())
                }
                _ => None,
            }}
            <p class="error" id=error_id role="alert">
                {move || match photo.0.get() {
                    PhotoState::Refused(issue) => lang.get().issue(&issue),
                    _ => String::new(),
                }}
            </p>
        </div>
    }
}

/// The three photos of an order, with the format and size rule in words.
#[component]
pub fn PhotoFields(
    /// The three slots.
    photos: PhotoSet,
) -> impl IntoView {
    view! {
        <fieldset class="photos">
            <legend>{tr("上传三张照片", "Three photos")}</legend>
            <p class="hint">
                {tr(
                    "请拍摄清晰、完整的照片，JPG或PNG格式，每张不超过2MB",
                    "Clear, whole pictures; JPG or PNG, at most 2 MB each",
                )}
            </p>
            {PhotoSide::ALL
                .map(|side| view! { <PhotoPicker side=side photo=photos.slot(side) /> })
                .collect_view()}
        </fieldset>
    }
}
