//! haoka-frontend: the customer's browser app (Leptos 0.8, client-side rendered, built by
//! trunk). All input is validated here as the customer types, with the same `haoka-shared`
//! rules the edge re-applies. The app lives in this library so tests can import it;
//! `main.rs` only mounts it.

pub mod api;
pub mod components;
pub mod i18n;
pub mod pages;

use leptos::prelude::*;

use crate::{i18n::Lang, pages::order::OrderPage};

/// The whole app: a header with the language switch and the order page.
#[component]
pub fn App() -> impl IntoView {
    let lang = RwSignal::new(Lang::initial());
    provide_context(lang);
    Effect::new(move |_| lang.get().remember());
    view! {
        <header class="top">
            <h1>{move || lang.get().pick("号卡在线办理", "Order a number card")}</h1>
            // A real button, so keyboards and screen readers can switch language too.
            <button
                type="button"
                class="lang"
                on:click=move |_| lang.update(|l| *l = l.other())
            >
                {move || lang.get().pick("English", "中文")}
            </button>
        </header>
        <main>
            <OrderPage />
        </main>
    }
}
