//! The in-app browser notice ([`crate::inapp`]): shown on a 三照 order's details and photo
//! steps — before anything is typed, since another browser does not get this tab's draft —
//! with the page's link and a copy button. Nothing shows in a real browser.

use leptos::prelude::*;

use crate::{
    i18n::{tr, use_lang},
    inapp,
};

/// The notice (`#inapp-notice`), when the page runs inside an app's web view.
#[component]
pub fn InAppNotice() -> impl IntoView {
    let lang = use_lang();
    let ua = window().navigator().user_agent().unwrap_or_default();
    let seen = inapp::detect(&ua)?;
    let link = window().location().href().unwrap_or_default();
    let copied = RwSignal::new(false);
    let to_copy = link.clone();
    let copy = move |_| {
        if crate::copy_to_clipboard(&to_copy) {
            copied.set(true);
        }
    };
    let (zh, en) = seen.advice();
    Some(view! {
        <div class="notice info inapp" id="inapp-notice" role="note">
            <p>{move || lang.get().pick(&zh, &en).to_owned()}</p>
            <p class="inapp-link">
                <input type="text" id="inapp-link" readonly value=link
                    aria-label=move || lang.get().pick("本页链接", "This page's link").to_owned() />
                <button type="button" class="link copy" id="inapp-copy" on:click=copy>
                    {move || if copied.get() { tr("已复制", "Copied").get() } else { tr("复制链接", "Copy link").get() }}
                </button>
            </p>
        </div>
    })
}
