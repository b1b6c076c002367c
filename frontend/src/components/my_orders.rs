//! "我的订单 / My orders": links to the status pages of orders placed from this browser.

use leptos::prelude::*;

use crate::{
    i18n::{tr, use_lang},
    pages::Page,
    storage::MyOrder,
};

/// The list, or nothing when no order was placed here.
#[component]
pub fn MyOrders(
    /// Orders placed from this browser, newest first.
    #[prop(into)]
    orders: Signal<Vec<MyOrder>>,
) -> impl IntoView {
    let lang = use_lang();
    move || {
        let orders = orders.get();
        (!orders.is_empty()).then(|| {
            let items = orders
                .into_iter()
                .map(|o| {
                    let href = Page::order(&o.order_id, &o.token).path();
                    let (zh, en) = (o.product_zh, o.product_en);
                    let name = move || lang.get().pick(&zh, &en).to_owned();
                    // A plain <a>: the router turns same-origin link clicks into in-app navigation.
                    view! {
                        <li>
                            <a href=href class="my-order">
                                <span class="order-no">{o.order_id}</span>
                                <span class="product">{name}</span>
                            </a>
                        </li>
                    }
                })
                .collect_view();
            view! {
                <section class="card my-orders" id="my-orders">
                    <h2>{tr("我的订单", "My orders")}</h2>
                    <ul>{items}</ul>
                </section>
            }
        })
    }
}
