//! `/orders/:id?t=…`: one order's status, refreshed every 3 s while it can still change.
//! Polling stops when the state is terminal, when the order turns out unknown, and when the
//! page is left (the interval is cleared on cleanup).

mod details;
mod upload;

use std::time::Duration;

use haoka_shared::api::OrderView;
use leptos::{prelude::*, task::spawn_local};

use crate::{
    api::{self, ClientError},
    components::notice::ErrorNotice,
    i18n::tr,
    pages::{OrderRef, not_found::OrderMissing},
};
use details::OrderDetails;

/// How often the page asks again.
const REFRESH: Duration = Duration::from_secs(3);

/// One order's status; a link without its token is a dead end.
#[component]
pub fn StatusPage(
    /// Which order, from the URL.
    order: OrderRef,
) -> impl IntoView {
    if order.token.is_empty() {
        view! { <OrderMissing /> }.into_any()
    } else {
        view! { <OrderStatus order /> }.into_any()
    }
}

/// Set `signal` only when the value differs, so an unchanged answer every 3 s redraws nothing.
fn set_if_changed<T: PartialEq + Send + Sync + 'static>(signal: RwSignal<T>, value: T) {
    signal.maybe_update(|old| {
        let changed = *old != value;
        if changed {
            *old = value;
        }
        changed
    });
}

/// How far loading the order got.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    Loading,
    Shown,
    Missing,
    Failed,
}

/// Fetches the order now and every [`REFRESH`] until it is settled.
#[component]
fn OrderStatus(
    /// Which order.
    order: OrderRef,
) -> impl IntoView {
    let target = StoredValue::new(order);
    let latest = RwSignal::new(None::<OrderView>);
    let error = RwSignal::new(None::<ClientError>);
    let busy = StoredValue::new(false);
    let timer = StoredValue::new(None::<IntervalHandle>);
    let stop = move || {
        if let Some(Some(handle)) = timer.try_update_value(Option::take) {
            handle.clear();
        }
    };
    let fetch = move || {
        // One request at a time: a slow answer is not overtaken by the next tick.
        if busy.try_get_value() != Some(false) {
            return;
        }
        busy.set_value(true);
        let OrderRef { id, token } = target.get_value();
        spawn_local(async move {
            let result = api::order(&id, &token).await;
            busy.set_value(false);
            match result {
                Ok(v) => {
                    if v.state.is_terminal() {
                        stop();
                    }
                    set_if_changed(error, None);
                    set_if_changed(latest, Some(v));
                }
                Err(ClientError::NotFound) => {
                    stop();
                    set_if_changed(latest, None);
                    set_if_changed(error, Some(ClientError::NotFound));
                }
                // The last answer stays on screen; the next tick tries again.
                Err(e) => set_if_changed(error, Some(e)),
            }
        });
    };
    fetch();
    timer.set_value(set_interval_with_handle(fetch, REFRESH).ok());
    on_cleanup(stop);

    let phase = Memo::new(move |_| match (latest.with(Option::is_some), error.get()) {
        (true, _) => Phase::Shown,
        (false, None) => Phase::Loading,
        (false, Some(ClientError::NotFound)) => Phase::Missing,
        (false, Some(_)) => Phase::Failed,
    });
    move || match phase.get() {
        Phase::Loading => {
            let text = tr("正在查询订单…", "Looking up your order…");
            view! { <p class="card loading" id="loading">{text}</p> }.into_any()
        }
        Phase::Missing => view! { <OrderMissing /> }.into_any(),
        Phase::Failed => view! { <ErrorNotice id="order-error" error on_retry=fetch /> }.into_any(),
        Phase::Shown => {
            let target = target.get_value();
            view! { <OrderDetails order=latest target refresh_error=error /> }.into_any()
        }
    }
}
