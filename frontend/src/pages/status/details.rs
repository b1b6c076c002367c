//! What the status page shows of one order.

use haoka_shared::{api::OrderView, lifecycle::RejectReason};
use leptos::prelude::*;

use super::upload::PhotoUpload;
use crate::{
    api::ClientError,
    components::timeline::{Timeline, china_time},
    i18n::{Lang, tr, use_lang},
    nav,
    pages::{OrderRef, Page},
    storage,
};

/// A text drawn from the latest answer in the current language ("" while there is none).
fn from_order(
    order: RwSignal<Option<OrderView>>,
    lang: Signal<Lang>,
    f: fn(&OrderView, Lang) -> String,
) -> impl Fn() -> String + Copy {
    move || order.with(|o| o.as_ref().map(|o| f(o, lang.get())).unwrap_or_default())
}

/// The state (`#order-state`), shipping (`#express-no`), the reason of a refusal, the photo
/// upload when photos are wanted, the timeline, then the order's details.
#[component]
pub fn OrderDetails(
    /// The latest answer (always `Some` while shown; photo upload replaces it).
    order: RwSignal<Option<OrderView>>,
    /// Which order (for the photo upload).
    target: OrderRef,
    /// The last refresh's error, if it failed.
    #[prop(into)]
    refresh_error: Signal<Option<ClientError>>,
) -> impl IntoView {
    let lang = use_lang();
    let text = move |f| from_order(order, lang, f);
    let has = move |f: fn(&OrderView) -> bool| {
        Memo::new(move |_| order.with(|o| o.as_ref().is_some_and(f)))
    };
    let shipped = has(|o| o.express_no.is_some());
    let refused = has(|o| o.reason.is_some());
    let photos_wanted = has(|o| o.photos_wanted);
    let settled = has(|o| o.state.is_terminal());
    let reorder = has(|o| {
        o.state.is_terminal()
            && o.reason
                .as_ref()
                .is_some_and(|r| RejectReason::reorder_helps(&r.code))
    });
    // Shipped: the details this device kept for a reorder are no longer needed.
    Effect::new(move |_| {
        if shipped.get()
            && let Some(id) = order.with_untracked(|o| o.as_ref().map(|o| o.order_id.clone()))
        {
            storage::forget_draft(&id);
        }
    });
    // A new attempt from this one's details (or from its product and region), then the form.
    let again = move || {
        let Some((id, pid, region)) = order.with_untracked(|o| {
            o.as_ref()
                .map(|o| (o.order_id.clone(), o.product_id.clone(), o.region.clone()))
        }) else {
            return;
        };
        let draft = storage::reorder_draft(storage::forget_draft(&id), &pid, &region);
        storage::save_attempt(&storage::Attempt { draft, key: None });
        nav::navigate(&Page::Home.path());
    };
    let state_class = move || {
        let state = order.with(|o| o.as_ref().map(|o| o.state.as_str()).unwrap_or_default());
        format!("state state-{state}")
    };
    let timeline = Signal::derive(move || {
        order.with(|o| o.as_ref().map(|o| o.timeline.clone()).unwrap_or_default())
    });
    let refresh_note = move || match (settled.get(), refresh_error.get()) {
        (true, _) => String::new(),
        (false, Some(e)) => e.message(lang.get()),
        (false, None) => {
            let l = lang.get();
            l.pick("页面每3秒自动更新", "This page updates every 3 seconds")
                .to_owned()
        }
    };
    view! {
        <section class="card status" id="order-status">
            <h2>{tr("订单进度", "Order status")}</h2>
            <p class=state_class id="order-state" aria-live="polite">
                {text(|o, l| l.pick(o.state.label_zh(), o.state.label_en()).to_owned())}
            </p>
            <Show when=move || shipped.get()>
                <p class="express">
                    {text(|o, l| {
                        let carrier = o.express.as_deref().unwrap_or_default();
                        let (c, n) = (l.pick("快递：", "Carrier: "), l.pick("运单号：", "Tracking no.: "));
                        format!("{c}{carrier} · {n}")
                    })}
                    <strong id="express-no">
                        {text(|o, _| o.express_no.clone().unwrap_or_default())}
                    </strong>
                </p>
            </Show>
            <Show when=move || refused.get()>
                <p class="notice failed" id="order-reason">
                    {text(|o, l| {
                        let reason = o.reason.as_ref();
                        reason.map(|r| l.pick(&r.message_zh, &r.message_en).to_owned()).unwrap_or_default()
                    })}
                </p>
            </Show>
            <Show when=move || reorder.get()>
                <button type="button" class="submit" id="reorder" on:click=move |_| again()>
                    {tr("修改信息后重新下单", "Change the details and order again")}
                </button>
            </Show>
            <Show when=move || photos_wanted.get()>
                <PhotoUpload target=target.clone() on_done=move |v| order.set(Some(v)) />
            </Show>
            <Timeline entries=timeline />
            <p class="hint refresh">{refresh_note}</p>
        </section>
        <OrderFacts order />
        // A plain <a>: the router turns same-origin link clicks into in-app navigation.
        <a href=Page::Home.path() class="button secondary" id="home-link">
            {tr("返回首页", "Back to the home page")}
        </a>
    }
}

/// The order's masked details (`#order-id`, `#order-name`, …) as a definition list.
#[component]
fn OrderFacts(
    /// The latest answer.
    order: RwSignal<Option<OrderView>>,
) -> impl IntoView {
    let lang = use_lang();
    let row = move |label: Signal<String>, id: &'static str, f: fn(&OrderView, Lang) -> String| {
        view! { <dt>{label}</dt><dd id=id>{from_order(order, lang, f)}</dd> }
    };
    view! {
        <section class="card">
            <dl class="summary">
                {row(tr("订单号", "Order number"), "order-id", |o, _| o.order_id.clone())}
                {row(tr("产品", "Product"), "order-product", |o, l| {
                    l.pick(&o.product_name_zh, &o.product_name_en).to_owned()
                })}
                {row(tr("姓名", "Name"), "order-name", |o, _| o.name.clone())}
                {row(tr("手机号码", "Mobile"), "order-mobile", |o, _| o.mobile.clone())}
                {row(tr("身份证号码", "ID number"), "order-id-number", |o, _| {
                    o.id_number.clone()
                })}
                {row(tr("地区", "Region"), "order-region", |o, _| o.region.clone())}
                {row(tr("下单时间", "Placed"), "order-created", |o, _| {
                    let (date, time) = china_time(o.created_at_ms);
                    format!("{date} {time}")
                })}
            </dl>
        </section>
    }
}
