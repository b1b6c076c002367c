//! An error from the edge, in the customer's words, with "重试 / Retry" when trying again may
//! help.

use leptos::prelude::*;

use crate::{
    api::ClientError,
    i18n::{tr, use_lang},
};

/// Shows `error` (nothing while it is `None`). A retry button appears for transient errors
/// (network, 5xx, 429) when `on_retry` is given.
#[component]
pub fn ErrorNotice(
    /// The error to show.
    #[prop(into)]
    error: Signal<Option<ClientError>>,
    /// What "重试 / Retry" does.
    #[prop(optional, into)]
    on_retry: Option<Callback<()>>,
    /// Element id of the notice (tests and `aria-describedby` find it by this).
    #[prop(default = "error")]
    id: &'static str,
) -> impl IntoView {
    let lang = use_lang();
    move || {
        let e = error.get()?;
        let retry = on_retry.filter(|_| e.is_retryable()).map(|cb| {
            view! {
                <button
                    type="button"
                    class="retry"
                    id=format!("{id}-retry")
                    on:click=move |_| cb.run(())
                >
                    {tr("重试", "Retry")}
                </button>
            }
        });
        Some(view! {
            <div class="notice failed" id=id role="alert">
                <p>{move || e.message(lang.get())}</p>
                {retry}
            </div>
        })
    }
}

/// A plain message box (information, not an error).
#[component]
pub fn InfoNotice(
    /// The text (already in the current language).
    #[prop(into)]
    text: Signal<String>,
    /// Element id.
    #[prop(default = "info")]
    id: &'static str,
) -> impl IntoView {
    view! {
        <div class="notice info" id=id role="status">
            <p>{text}</p>
        </div>
    }
}
