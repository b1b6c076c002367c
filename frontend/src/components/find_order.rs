//! "查询订单 / Find an order": for a customer without the confirmation link (another phone, a
//! cleared browser), the order number plus the ID number's last 6 characters open its status
//! page, and the order joins 我的订单 on this device. The edge budgets these lookups, locks an
//! order's after 5 misses, and does not say which part was wrong.

use haoka_shared::api::OrderLookupRequest;
use leptos::{prelude::*, task::spawn_local};

use crate::{
    api::{self, ClientError},
    i18n::{Lang, tr, use_lang},
    nav,
    pages::Page,
    storage::{self, MyOrder},
};

/// What a failed lookup says: for "not found", what to check (the edge does not say which
/// part was wrong, and counts the misses); for too many tries, how long to wait.
fn lookup_words(e: &ClientError, lang: Lang) -> String {
    match e {
        ClientError::NotFound => lang
            .pick(
                "没有找到这笔订单。请核对订单号（HK 开头，见下单后的确认页）和身份证号码后 6 位（末位 X 大小写均可）。连续输错 5 次，这笔订单的查询将锁定 1 小时。",
                "No order matches. Check the order number (it starts with HK, on the confirmation page) and the last 6 characters of the ID number (X in either case). After 5 wrong tries the order's lookup locks for an hour.",
            )
            .to_owned(),
        ClientError::RateLimited => lang
            .pick(
                "查询次数过多，请 1 小时后再试；如需帮助请联系客服。",
                "Too many tries: please try again in an hour, or contact customer service.",
            )
            .to_owned(),
        other => other.message(lang),
    }
}

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
                Ok(link) => {
                    // Found: kept under 我的订单 on this device too, with its product's name.
                    if let Ok(view) = api::order(&link.order_id, &link.token).await {
                        storage::remember_order(MyOrder {
                            order_id: link.order_id.clone(),
                            token: link.token.clone(),
                            product_zh: view.product_name_zh,
                            product_en: view.product_name_en,
                            created_ms: view.created_at_ms,
                            draft: None,
                        });
                    }
                    nav::navigate(&Page::order(&link.order_id, &link.token).path());
                }
                Err(e) => error.set(Some(lookup_words(&e, lang.get_untracked()))),
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
