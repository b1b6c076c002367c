//! Sending the three photos later, when the vendor asks for them (`photos_wanted`).

use haoka_shared::api::OrderView;
use leptos::{prelude::*, task::spawn_local};

use crate::{
    api::{self, ClientError},
    components::{inapp_notice::InAppNotice, notice::ErrorNotice, photo_picker::PhotoFields},
    i18n::{tr, use_lang},
    pages::OrderRef,
    photo::PhotoSet,
};

/// The same three inputs as the order journey, and a button posting them
/// (`#photos-submit`); the edge's answer replaces the shown order.
#[component]
pub fn PhotoUpload(
    /// Which order.
    target: OrderRef,
    /// Called with the order as the edge sees it after the upload.
    #[prop(into)]
    on_done: Callback<OrderView>,
) -> impl IntoView {
    let lang = use_lang();
    let photos = PhotoSet::new();
    let sending = RwSignal::new(false);
    let failure = RwSignal::new(None::<ClientError>);
    let target = StoredValue::new(target);
    let send = move || {
        photos.require_all();
        let Some(chosen) = photos.ready() else { return };
        if sending.get_untracked() {
            return;
        }
        sending.set(true);
        failure.set(None);
        let OrderRef { id, token } = target.get_value();
        spawn_local(async move {
            let result = api::send_photos(&id, &token, &chosen).await;
            sending.set(false);
            match result {
                Ok(view) => on_done.run(view),
                Err(ClientError::Validation(fields)) if photos.refuse(&fields) => {}
                Err(e) => failure.set(Some(e)),
            }
        });
    };
    view! {
        <div class="upload" id="photo-upload">
            <p class="notice info">
                {tr("运营商需要您补传三张照片。", "The carrier needs your three photos.")}
            </p>
            <InAppNotice />
            <PhotoFields photos />
            <ErrorNotice id="photos-error" error=failure on_retry=move || send() />
            <button
                type="button"
                class="submit"
                id="photos-submit"
                disabled=sending
                on:click=move |_| send()
            >
                {move || match sending.get() {
                    true => lang.get().pick("正在上传…", "Uploading…"),
                    false => lang.get().pick("上传照片", "Send the photos"),
                }}
            </button>
        </div>
    }
}
