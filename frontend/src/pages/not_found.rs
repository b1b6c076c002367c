//! Dead ends in plain words, each with the way home.

use leptos::prelude::*;

use crate::{i18n::tr, pages::Page};

/// A link back to the order page.
#[component]
fn HomeLink() -> impl IntoView {
    // A plain <a>: the router turns same-origin link clicks into in-app navigation.
    view! {
        <a href=Page::Home.path() class="button" id="home-link">
            {tr("返回首页", "Back to the home page")}
        </a>
    }
}

/// Any path the app does not know.
#[component]
pub fn NotFound() -> impl IntoView {
    view! {
        <section class="card dead-end" id="not-found">
            <h2>{tr("页面不存在", "Page not found")}</h2>
            <HomeLink />
        </section>
    }
}

/// An unknown order, or a link whose token is wrong or missing.
#[component]
pub fn OrderMissing() -> impl IntoView {
    view! {
        <section class="card dead-end" id="order-missing">
            <h2>
                {tr("订单不存在或链接已失效", "This order does not exist or the link has expired")}
            </h2>
            <p>
                {tr(
                    "请使用下单后保存的链接，或在首页“我的订单”中查看。",
                    "Use the link you got when ordering, or look under “My orders” on the home page.",
                )}
            </p>
            <HomeLink />
        </section>
    }
}
