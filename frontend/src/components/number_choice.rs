//! 选号: for a product with a number pool, search its free numbers (ending digits, no 4,
//! 生日号), 12 at a time with "换一批", and hold one for this order attempt for 15 minutes.
//! Choosing is optional: without a choice the vendor assigns a number. A product without a
//! pool shows nothing.

use haoka_shared::{
    api::{NumberChoices, NumberHold},
    refusal::Refusal,
};
use leptos::{prelude::*, task::spawn_local};

use crate::{
    api::{self, ClientError},
    i18n::{Lang, tr, use_lang},
    pages::order::form::OrderForm,
    storage,
};

/// `13800138000` as `138 0013 8000` (how people read numbers aloud).
pub fn grouped(number: &str) -> String {
    match (number.get(..3), number.get(3..7), number.get(7..)) {
        (Some(a), Some(b), Some(c)) if number.len() == 11 => format!("{a} {b} {c}"),
        _ => number.to_owned(),
    }
}

/// `ms` (Unix) as China's wall-clock `HH:MM`.
pub fn china_hhmm(ms: i64) -> String {
    let secs = (ms / 1000 + 8 * 3600).rem_euclid(86_400);
    format!("{:02}:{:02}", secs / 3600, secs % 3600 / 60)
}

/// The words under the grid: the held number and until when, or that one is assigned.
pub fn chosen_words(lang: Lang, number: &str, until_ms: Option<i64>) -> String {
    match (number.is_empty(), until_ms, lang) {
        (true, _, Lang::Zh) => "未选号：将随机分配号码".to_owned(),
        (true, _, Lang::En) => "No number chosen: one will be assigned".to_owned(),
        (false, Some(t), Lang::Zh) => format!(
            "已为您保留 {}，请在 15 分钟内（{} 前）提交订单",
            grouped(number),
            china_hhmm(t)
        ),
        (false, Some(t), Lang::En) => format!(
            "{} is held for you: place the order within 15 minutes (by {})",
            grouped(number),
            china_hhmm(t)
        ),
        (false, None, Lang::Zh) => format!("已选号码 {}", grouped(number)),
        (false, None, Lang::En) => format!("Chosen number {}", grouped(number)),
    }
}

/// The picker, inside the details form.
#[component]
pub fn NumberChoice(
    /// The order form (its product, chosen number and hold token).
    form: OrderForm,
) -> impl IntoView {
    let lang = use_lang();
    let ending = RwSignal::new(String::new());
    let no_four = RwSignal::new(false);
    let birthday = RwSignal::new(false);
    let page = RwSignal::new(None::<NumberChoices>);
    // Whether the product has a pool at all (its unfiltered first page is not empty).
    let has_pool = RwSignal::new(false);
    let loading = RwSignal::new(false);
    let failure = RwSignal::new(None::<String>);
    let held_until = RwSignal::new(None::<i64>);

    let fetch = move |after: Option<String>, first: bool| {
        let product = form.product_id.get_untracked();
        let (e, n4, b) = if first {
            (String::new(), false, false)
        } else {
            (
                ending.get_untracked().trim().to_owned(),
                no_four.get_untracked(),
                birthday.get_untracked(),
            )
        };
        loading.set(true);
        spawn_local(async move {
            let result = api::numbers(&product, &e, n4, b, after.as_deref()).await;
            loading.set(false);
            // An answer for a product no longer chosen is dropped.
            if form.product_id.get_untracked() != product {
                return;
            }
            match result {
                Ok(choices) => {
                    if first {
                        has_pool.set(!choices.numbers.is_empty());
                    }
                    failure.set(None);
                    page.set(Some(choices));
                }
                Err(e) => failure.set(Some(e.message(lang.get_untracked()))),
            }
        });
    };
    // A product's first page when it is chosen (and when the form opens).
    Effect::new(move |_| {
        form.product_id.track();
        has_pool.set(false);
        page.set(None);
        held_until.set(None);
        fetch(None, true);
    });

    let search = move || fetch(None, false);
    let more = move || {
        // The last page's "next"; after the last page, from the start again.
        let next = page.with_untracked(|p| p.as_ref().and_then(|p| p.next.clone()));
        fetch(next, false);
    };
    let choose = move |number: String| {
        if form.hold_token.with_untracked(String::is_empty) {
            form.hold_token.set(storage::new_idempotency_key());
        }
        let hold = NumberHold {
            product: form.product_id.get_untracked(),
            number,
            hold_token: form.hold_token.get_untracked(),
        };
        failure.set(None);
        form.number_lost.set(false);
        spawn_local(async move {
            match api::hold_number(&hold).await {
                Ok(held) => {
                    held_until.set(Some(held.held_until_ms));
                    form.number.set(held.number);
                }
                Err(e) => {
                    let taken = matches!(&e, ClientError::Refused { body, .. }
                        if Refusal::parse(&body.error) == Some(Refusal::NumberTaken));
                    failure.set(Some(e.message(lang.get_untracked())));
                    if taken {
                        // What is still free, without the number just lost.
                        search();
                    }
                }
            }
        });
    };

    let grid = move || {
        let chosen = form.number.get();
        page.with(|p| {
            p.as_ref()
                .map(|p| p.numbers.clone())
                .unwrap_or_default()
                .into_iter()
                .map(|n| {
                    let pressed = n == chosen;
                    let label = grouped(&n);
                    let value = n.clone();
                    view! {
                        <li>
                            <button type="button" class="number" class:chosen=pressed
                                data-number=n.clone()
                                aria-pressed=pressed.to_string()
                                on:click=move |_| choose(value.clone())>
                                {label}
                            </button>
                        </li>
                    }
                })
                .collect_view()
        })
    };
    let empty = move || {
        page.with(|p| p.as_ref().is_some_and(|p| p.numbers.is_empty()))
            .then(|| {
                tr(
                    "没有符合条件的号码，换个条件试试",
                    "No numbers match; try other choices",
                )
            })
    };
    let status = move || {
        let l = lang.get();
        if form.number_lost.get() {
            let lost = Refusal::NumberHoldLost;
            return l.pick(lost.zh(), lost.en()).to_owned();
        }
        chosen_words(l, &form.number.get(), held_until.get())
    };

    view! {
        <Show when=move || has_pool.get()>
            <fieldset class="numbers" id="numbers">
                <legend>{tr("选号（可选）", "Choose your number (optional)")}</legend>
                <div class="number-search">
                    <label for="number-ending">{tr("尾号", "Ending")}</label>
                    <input id="number-ending" type="text" inputmode="numeric" maxlength="8"
                        autocomplete="off" placeholder=move || lang.get().pick("如 888", "e.g. 888")
                        prop:value=ending
                        on:input=move |ev| ending.set(event_target_value(&ev))
                        on:keydown=move |ev: web_sys::KeyboardEvent| {
                            if ev.key() == "Enter" { ev.prevent_default(); search(); }
                        } />
                    <label class="check">
                        <input type="checkbox" id="number-no4" prop:checked=no_four
                            on:change=move |ev| { no_four.set(event_target_checked(&ev)); search(); } />
                        {tr("不含 4", "No 4")}
                    </label>
                    <label class="check">
                        <input type="checkbox" id="number-birthday" prop:checked=birthday
                            on:change=move |ev| { birthday.set(event_target_checked(&ev)); search(); } />
                        {tr("生日号", "Birthday")}
                    </label>
                    <button type="button" class="secondary" id="number-search"
                        disabled=loading on:click=move |_| search()>
                        {tr("搜索", "Search")}
                    </button>
                </div>
                <ul class="number-grid" id="number-grid" aria-busy=move || loading.get().to_string()>
                    {grid}
                </ul>
                <p class="hint">{empty}</p>
                <div class="number-actions">
                    <button type="button" class="link" id="number-more" disabled=loading
                        on:click=move |_| more()>
                        {tr("换一批", "More numbers")}
                    </button>
                    <button type="button" class="link" id="number-none"
                        on:click=move |_| {
                            form.number.set(String::new());
                            form.number_lost.set(false);
                            held_until.set(None);
                        }>
                        {tr("不选，随机分配", "No choice: assign one")}
                    </button>
                </div>
                <p class="number-status" id="number-status" role="status" aria-live="polite"
                    class:error=move || form.number_lost.get()>
                    {status}
                </p>
                <p class="error" id="number-error" role="alert">{move || failure.get()}</p>
            </fieldset>
        </Show>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_read_in_groups_and_holds_say_until_when_in_china_time() {
        assert_eq!(grouped("13800138000"), "138 0013 8000");
        assert_eq!(grouped("138"), "138");
        // 2026-12-04 08:05 UTC is 16:05 in China.
        assert_eq!(china_hhmm(1_796_371_500_000), "16:05");
        let held = chosen_words(Lang::Zh, "13800138000", Some(1_796_371_500_000));
        assert!(
            held.contains("138 0013 8000") && held.contains("16:05"),
            "{held}"
        );
        assert!(chosen_words(Lang::En, "", None).contains("assigned"));
    }
}
