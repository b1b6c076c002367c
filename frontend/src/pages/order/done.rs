//! The confirmation: the order number and the link to its status page.

use haoka_shared::api::OrderAccepted;
use leptos::prelude::*;

use crate::{
    i18n::{tr, use_lang},
    pages::Page,
};

/// Shown once the edge accepted the order (`#order-id`, `#status-link`).
#[component]
pub fn Confirmation(
    /// The edge's answer.
    accepted: OrderAccepted,
    /// Start another order.
    #[prop(into)]
    on_again: Callback<()>,
) -> impl IntoView {
    let lang = use_lang();
    let href = Page::order(&accepted.order_id, &accepted.token).path();
    let state = accepted.state;
    let warnings = accepted.warnings;
    view! {
        <section class="card done" id="confirmation" role="status">
            <h2>{tr("订单已提交", "Order placed")}</h2>
            <p class="order-no">
                {tr("订单号：", "Order number: ")}
                <strong id="order-id">{accepted.order_id}</strong>
            </p>
            <p>
                {tr("当前状态：", "Status: ")}
                {move || lang.get().pick(state.label_zh(), state.label_en())}
            </p>
            {move || {
                let l = lang.get();
                warnings.iter().map(|w| view! { <p class="warning">{l.issue(w)}</p> }).collect_view()
            }}
            // A plain <a>: the router turns same-origin link clicks into in-app navigation.
            <a href=href id="status-link" class="button">
                {tr("查看订单进度", "Follow your order")}
            </a>
            <p class="hint">
                {tr(
                    "订单链接已保存在本机的“我的订单”中。",
                    "The link is kept under “My orders” on this device.",
                )}
            </p>
            <button type="button" class="secondary" on:click=move |_| on_again.run(())>
                {tr("再办一张", "Order another card")}
            </button>
        </section>
    }
}
