//! haoka-frontend: the customer's browser app (Leptos 0.8, client-side rendered, built by
//! trunk from the repository root: `trunk build --offline --release`). Two pages: `/`, the
//! order journey (product, details, identity pre-check, photos, review, confirmation), and
//! `/orders/:id?t=…`, an order's live status. All input is validated here as the customer
//! types, with the same `haoka-shared` rules the edge re-applies. The app lives in this
//! library so tests can import it; `main.rs` only mounts it.

pub mod api;
pub mod bot_check;
pub mod capture;
pub mod components;
pub mod console;
pub mod i18n;
pub mod inapp;
pub mod nav;
pub mod pages;
pub mod photo;
pub mod storage;

use leptos::prelude::*;

use crate::{
    i18n::{Lang, tr},
    pages::{
        Page, TOKEN_QUERY, not_found::NotFound, order::OrderPage, product::ProductPage,
        status::StatusPage,
    },
};

/// Wait `ms` milliseconds (the browser's timer).
pub(crate) async fn sleep(ms: i32) {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        let _ = leptos::prelude::window()
            .set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms);
    });
    let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
}

/// Give `el` the keyboard focus, if it is an element that can take it (`HtmlElement`).
pub(crate) fn focus(el: Option<web_sys::Element>) {
    if let Some(el) =
        el.and_then(|el| wasm_bindgen::JsCast::dyn_into::<web_sys::HtmlElement>(el).ok())
    {
        let _ = el.focus();
    }
}

/// Put `text` on the clipboard (`navigator.clipboard.writeText`), where the browser has it
/// (not every in-app view does); whether the call was made.
pub(crate) fn copy_to_clipboard(text: &str) -> bool {
    use wasm_bindgen::JsCast;
    let navigator = leptos::prelude::window().navigator();
    let Ok(clipboard) = js_sys::Reflect::get(&navigator, &"clipboard".into()) else {
        return false;
    };
    js_sys::Reflect::get(&clipboard, &"writeText".into())
        .ok()
        .and_then(|f| f.dyn_into::<js_sys::Function>().ok())
        .is_some_and(|f| f.call1(&clipboard, &text.into()).is_ok())
}

/// Send panic messages to the browser console (a panic in wasm otherwise shows only as
/// "unreachable"). What `console_error_panic_hook` does, without its JS stack capture: the
/// message and its location are what a report needs, and it costs the first load less.
pub fn log_panics() {
    std::panic::set_hook(Box::new(|info| {
        web_sys::console::error_1(&info.to_string().into());
    }));
}

/// The whole app: a header with the language switch, and the page at the current URL.
#[component]
pub fn App() -> impl IntoView {
    let lang = RwSignal::new(Lang::initial());
    provide_context(lang);
    Effect::new(move |_| lang.get().remember());
    let location = nav::provide();
    view! {
            <header class="top">
                // A plain <a>: `nav` turns same-origin link clicks into in-app navigation.
                <a href=Page::Home.path()>
                    <h1>{tr("号卡在线办理", "Order a number card")}</h1>
                </a>
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
                <CurrentPage location />
            </main>
    }
}

/// The page at the current URL.
#[component]
fn CurrentPage(location: nav::Location) -> impl IntoView {
    let page = Memo::new(move |_| Page::parse(&location.path.read(), location.query(TOKEN_QUERY)));
    // Only a change of page (or of order) builds a new view.
    move || match page.get() {
        Some(Page::Home) => view! { <OrderPage /> }.into_any(),
        Some(Page::Order(order)) => view! { <StatusPage order /> }.into_any(),
        Some(Page::Product(pid)) => view! { <ProductPage pid /> }.into_any(),
        None => view! { <NotFound /> }.into_any(),
    }
}
