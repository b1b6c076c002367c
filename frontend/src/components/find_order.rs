//! "查询订单 / Find an order": for a customer without the confirmation link (another phone, a
//! cleared browser), the order number plus the ID number's last 6 characters open its status
//! page. The edge rate-limits these lookups per IP and does not say which part was wrong.

use haoka_shared::api::OrderLookupRequest;
use leptos::{prelude::*, task::spawn_local};

use crate::{
    api,
    i18n::{tr, use_lang},
    nav,
    pages::Page,
};

/// A collapsed form under "My orders".
#[component]
pub fn FindOrder() -> impl IntoView {
    let lang = use_lang();
    let order_id = RwSignal::new(String::new());
    let last6 = RwSignal::new(String::new());
    let busy = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        error.set(None);
        let ask = OrderLookupRequest {
            order_id: order_id.get_untracked(),
            id_last6: last6.get_untracked(),
        };
        spawn_local(async move {
            match api::lookup(&ask).await {
                Ok(link) => nav::navigate(&Page::order(&link.order_id, &link.token).path()),
                Err(e) => error.set(Some(e.message(lang.get_untracked()))),
            }
            busy.set(false);
        });
    };
    view! {
        <details class="card find-order" id="find-order">
            <summary>{tr("查询已有订单", "Find an order")}</summary>
            <form novalidate on:submit=on_submit>
                <div class="field">
                    <label for="lookup-order-id">{tr("订单号", "Order number")}</label>
                    <input id="lookup-order-id" type="text" autocomplete="off" maxlength="32"
                        prop:value=move || order_id.get()
                        on:input=move |ev| order_id.set(event_target_value(&ev)) />
                </div>
                <div class="field">
                    <label for="lookup-id-last6">{tr("身份证号码后6位", "Last 6 of the ID number")}</label>
                    <input id="lookup-id-last6" type="text" autocomplete="off" maxlength="6"
                        prop:value=move || last6.get()
                        on:input=move |ev| last6.set(event_target_value(&ev)) />
                </div>
                <p class="error" id="lookup-error" role="alert">{move || error.get().unwrap_or_default()}</p>
                <button type="submit" class="secondary" id="lookup-submit" disabled=move || busy.get()>
                    {tr("查询", "Find")}
                </button>
            </form>
        </details>
    }
}
