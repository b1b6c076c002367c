//! haoka-frontend: the customer's browser app (Leptos 0.8, client-side rendered, built by
//! trunk from the repository root: `trunk build --offline --release`). Two pages: `/`, the
//! order journey (product, details, identity pre-check, photos, review, confirmation), and
//! `/orders/:id?t=…`, an order's live status. All input is validated here as the customer
//! types, with the same `haoka-shared` rules the edge re-applies. The app lives in this
//! library so tests can import it; `main.rs` only mounts it.

pub mod api;
pub mod components;
pub mod i18n;
pub mod pages;
pub mod photo;
pub mod storage;

use leptos::prelude::*;
use leptos_router::{
    components::Router,
    hooks::{use_location, use_query_map},
    location::{BrowserUrl, LocationProvider},
};

use crate::{
    i18n::{Lang, tr},
    pages::{Page, TOKEN_QUERY, not_found::NotFound, order::OrderPage, status::StatusPage},
};

/// The whole app: a header with the language switch, and the page at the current URL.
#[component]
pub fn App() -> impl IntoView {
    let lang = RwSignal::new(Lang::initial());
    provide_context(lang);
    Effect::new(move |_| lang.get().remember());
    view! {
        <Router>
            <header class="top">
                // A plain <a>: the router turns same-origin link clicks into in-app navigation.
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
                <CurrentPage />
            </main>
        </Router>
    }
}

/// The page at the router's current URL. `Page::parse` matches the two paths directly: the
/// router's own `<Routes>` matching would add 15 kB gzip to the first load for them.
#[component]
fn CurrentPage() -> impl IntoView {
    let location = use_location();
    let query = use_query_map();
    let page =
        Memo::new(move |_| Page::parse(&location.pathname.read(), query.read().get(TOKEN_QUERY)));
    // As `<Routes>` would: once the new page is drawn, let the router write the URL into the
    // address bar and history (it holds a link's navigation until told).
    let browser = use_context::<BrowserUrl>();
    Effect::new(move |_| {
        location.pathname.track();
        query.track();
        if let Some(b) = &browser {
            b.ready_to_complete();
        }
    });
    // Only a change of page (or of order) builds a new view.
    move || match page.get() {
        Some(Page::Home) => view! { <OrderPage /> }.into_any(),
        Some(Page::Order(order)) => view! { <StatusPage order /> }.into_any(),
        None => view! { <NotFound /> }.into_any(),
    }
}
