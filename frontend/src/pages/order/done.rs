//! The confirmation, first on the page: the order number (wrapping, with a copy button),
//! what happens next, and the link to its status page.

use haoka_shared::api::OrderAccepted;
use leptos::prelude::*;

use super::STEP_HEADING;
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
    let copied = RwSignal::new(false);
    let number = accepted.order_id.clone();
    let copy = move |_| {
        if crate::copy_to_clipboard(&number) {
            copied.set(true);
        }
    };
    view! {
        <section class="card done" id="confirmation" role="status">
            <h2 id=STEP_HEADING tabindex="-1">{tr("✓ 订单已提交", "✓ Order placed")}</h2>
            <p class="order-no">
                {tr("订单号：", "Order number: ")}
                <strong id="order-id">{accepted.order_id}</strong>
                <button type="button" class="link copy" id="copy-order-id" on:click=copy>
                    {move || if copied.get() { tr("已复制", "Copied").get() } else { tr("复制", "Copy").get() }}
                </button>
            </p>
            <p class="next" id="what-next">
                {tr(
                    "接下来：我们会审核您的资料（通常 1 个工作日内），通过后安排发货，发货后可在订单进度中查看快递单号；收到卡后按卡套说明激活即可使用。",
                    "Next: we review your details (usually within one working day), then ship the card; the tracking number shows on your order's page once it is sent. When the card arrives, activate it as its sleeve says.",
                )}
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
