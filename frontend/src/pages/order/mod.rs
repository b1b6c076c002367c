//! `/`: the order journey, in steps on one page — product and details (checked as typed,
//! then the identity pre-check), the three photos when the product needs them, review and
//! the one submit, confirmation — under "my orders", the orders placed from this browser.

mod details;
mod done;
pub mod form;
mod photos;
mod review;

use haoka_shared::{
    api::{OrderAccepted, PrecheckReply},
    product::{Catalogue, Product},
};
use leptos::{prelude::*, task::spawn_local};

use crate::{
    api::{self, ClientError},
    bot_check::BotCheck,
    components::{
        find_order::FindOrder,
        inapp_notice::InAppNotice,
        my_orders::MyOrders,
        notice::{ErrorNotice, InfoNotice},
        steps::StepBar,
    },
    i18n::{Lang, tr, use_lang},
    photo::PhotoSet,
    storage::{self, Attempt, MyOrder, add_order},
};
use details::DetailsStep;
use done::Confirmation;
use form::OrderForm;
use photos::PhotosStep;
use review::ReviewStep;

/// Where the customer is in the journey.
#[derive(Debug, Clone, PartialEq)]
pub enum Step {
    /// Product, name, mobile, ID number, region, address; then the pre-check.
    Details,
    /// The three photos (only for products that need them).
    Photos,
    /// The summary and the one submit button.
    Review,
    /// The order was accepted.
    Done(OrderAccepted),
}

impl Step {
    /// The step's name in its history entry (`history.state.haokaStep`).
    fn name(&self) -> &'static str {
        match self {
            Step::Details => "details",
            Step::Photos => "photos",
            Step::Review => "review",
            Step::Done(_) => "done",
        }
    }

    /// The step a history entry names, if the journey can be there now: the photos only for
    /// a product that needs them, the review only with details that pass; anything else (an
    /// entry from before the app, the confirmation of an order already placed) is the start.
    fn from_history(name: Option<&str>, needs_photos: bool, details_ok: bool) -> Step {
        match name {
            Some("photos") if needs_photos && details_ok => Step::Photos,
            Some("review") if details_ok => Step::Review,
            _ => Step::Details,
        }
    }

    /// The step's heading and page title.
    fn title(&self, lang: Lang) -> &'static str {
        match self {
            Step::Details => lang.pick("填写信息", "Your details"),
            Step::Photos => lang.pick("上传照片", "Photos"),
            Step::Review => lang.pick("请确认订单信息", "Please check your order"),
            Step::Done(_) => lang.pick("订单已提交", "Order placed"),
        }
    }

    /// The step after the details (and the pre-check).
    fn after_details(needs_photos: bool) -> Step {
        if needs_photos {
            Step::Photos
        } else {
            Step::Review
        }
    }

    /// The step "上一步" on the review goes back to.
    fn before_review(needs_photos: bool) -> Step {
        if needs_photos {
            Step::Photos
        } else {
            Step::Details
        }
    }
}

/// The home page: loads the catalogue, then runs the journey.
#[component]
pub fn OrderPage() -> impl IntoView {
    // A signal filled by one request, rather than a `LocalResource`: the same behaviour here
    // (load once, reload on "重试") for 10 kB less gzip in the first load.
    // The region table is fetched alongside (it is data, kept out of the app's first load):
    // the form shows once both are in, so it never validates against a missing table.
    let catalogue = RwSignal::new(None::<Result<Catalogue, ClientError>>);
    let regions = RwSignal::new(None::<Result<(), ClientError>>);
    let load = move || {
        catalogue.set(None);
        regions.set(None);
        spawn_local(async move { catalogue.set(Some(api::products().await)) });
        spawn_local(async move { regions.set(Some(api::regions().await)) });
    };
    let ready = move || match (catalogue.get(), regions.get()) {
        (Some(Err(e)), _) | (_, Some(Err(e))) => Some(Err(e)),
        (Some(Ok(c)), Some(Ok(()))) => Some(Ok(c)),
        _ => None,
    };
    load();
    let my_orders = RwSignal::new(storage::my_orders());
    let on_placed = Callback::new(move |order: MyOrder| {
        storage::remember_order(order.clone());
        my_orders.update(|list| *list = add_order(std::mem::take(list), order));
    });
    view! {
        // First, so a returning customer finds their orders without scrolling past the form.
        <MyOrders orders=my_orders />
        <FindOrder />
        {move || match ready() {
            None => {
                let text = tr("正在加载产品…", "Loading products…");
                view! { <p class="card loading" id="loading">{text}</p> }.into_any()
            }
            Some(Ok(c)) if !c.products.is_empty() => {
                view! { <Journey products=c.products on_placed /> }.into_any()
            }
            Some(Ok(_)) => {
                let text = tr(
                    "暂无可办理的产品，请稍后再来",
                    "No products are on offer right now; please come back later",
                );
                view! { <InfoNotice id="no-products" text /> }.into_any()
            }
            Some(Err(e)) => {
                let error = Signal::stored(Some(e));
                view! { <ErrorNotice id="products-error" error on_retry=move || load() /> }.into_any()
            }
        }}
    }
}

/// Keeps the attempt in this tab's `sessionStorage` as it changes (and drops it once blank).
fn keep_attempt(form: OrderForm, key: RwSignal<Option<String>>) {
    Effect::new(move |_| {
        let attempt = Attempt {
            draft: form.draft.get(),
            key: key.get(),
        };
        if attempt.is_blank() {
            storage::clear_attempt();
        } else {
            storage::save_attempt(&attempt);
        }
    });
}

/// The steps over one form. A saved attempt (this tab, `sessionStorage`) is restored: its
/// fields, and — if submit had been pressed — its idempotency key and the step that sends.
#[component]
fn Journey(
    /// The catalogue.
    products: Vec<Product>,
    /// Called with the order just placed.
    #[prop(into)]
    on_placed: Callback<MyOrder>,
) -> impl IntoView {
    let saved = storage::load_attempt().unwrap_or_default();
    let saved_pid = saved.draft.product_id.clone();
    let form = OrderForm::new(products.clone(), saved.draft);
    let key = RwSignal::new(saved.key);
    let photos = PhotoSet::new();
    let needs_photos = Memo::new(move |_| {
        form.product
            .with(|p| p.as_ref().is_some_and(|p| p.needs_photos))
    });
    // Back to where it was sent, unless its product has gone meanwhile.
    let resend = key.get_untracked().is_some() && form.product_id.get_untracked() == saved_pid;
    let first = if resend {
        Step::after_details(needs_photos.get_untracked())
    } else {
        Step::Details
    };
    // A reload comes back to the step it was on (the history entry says which).
    let first = match history_step() {
        Some(name) if !resend => Step::from_history(
            Some(&name),
            needs_photos.get_untracked(),
            form.valid.with_untracked(Result::is_ok),
        ),
        _ => first,
    };
    let step = RwSignal::new(first);
    remember_step(&step.get_untracked(), false);
    let pending = RwSignal::new(None::<PrecheckReply>);
    keep_attempt(form, key);
    // Each step is a history entry: the phone's back button (Android's, WeChat's) goes back
    // one step instead of leaving the site with the order.
    let handle = window_event_listener(leptos::ev::popstate, move |_| {
        let wanted = Step::from_history(
            history_step().as_deref(),
            needs_photos.get_untracked(),
            form.valid.with_untracked(Result::is_ok),
        );
        if step.get_untracked() != wanted {
            step.set(wanted);
        }
    });
    on_cleanup(move || handle.remove());
    // Each step starts at the top (on a phone the previous one was scrolled down), names
    // itself in the page title, and — when the customer moved to it — takes the focus on its
    // heading, so a screen reader says where it is instead of starting over at BODY.
    let lang = use_lang();
    Effect::new(move |prev: Option<Step>| {
        let now = step.get();
        let l = lang.get();
        if let Some(d) = window().document() {
            d.set_title(&format!("{} · {}", now.title(l), l.pick("号卡", "haoka")));
        }
        if prev.is_some_and(|p| p != now) {
            window().scroll_to_with_x_and_y(0.0, 0.0);
            request_animation_frame(focus_step_heading);
        }
        now
    });

    let go = Callback::new(move |s: Step| {
        remember_step(&s, true);
        step.set(s);
    });
    let checked = Callback::new(move |note: Option<PrecheckReply>| {
        pending.set(note);
        go.run(Step::after_details(needs_photos.get_untracked()));
    });
    let placed = Callback::new(move |accepted: OrderAccepted| {
        let now = js_sys::Date::now() as i64;
        on_placed.run(
            MyOrder::new(&accepted, form.product.get_untracked().as_ref(), now)
                .with_draft(form.draft.get_untracked()),
        );
        // The attempt is over: a new order gets a new key and an empty form.
        key.set(None);
        storage::clear_attempt();
        form.reset();
        photos.clear();
        pending.set(None);
        // The confirmation replaces the review's entry: back from it starts afresh rather
        // than showing the review of an order already placed.
        remember_step(&Step::Done(accepted.clone()), false);
        step.set(Step::Done(accepted));
    });
    let products = Signal::stored(products);
    BotCheck::provide();
    view! {
        <Progress step needs_photos pending />
        // Inside WeChat and other apps the camera may not open: say so before anything is
        // typed (another browser does not get this tab's draft), and again at the photos.
        <Show when=move || needs_photos.get() && matches!(step.get(), Step::Details | Step::Photos)>
            <InAppNotice />
        </Show>
        {move || match step.get() {
            Step::Details => view! { <DetailsStep form products on_next=checked /> }.into_any(),
            Step::Photos => view! {
                <PhotosStep
                    photos
                    on_back=move || go.run(Step::Details)
                    on_next=move || go.run(Step::Review)
                />
            }.into_any(),
            Step::Review => view! {
                <ReviewStep
                    form
                    photos=needs_photos.get_untracked().then_some(photos)
                    key
                    on_back=move || go.run(Step::before_review(needs_photos.get_untracked()))
                    on_fix=go
                    on_placed=placed
                />
            }.into_any(),
            Step::Done(accepted) => {
                view! { <Confirmation accepted on_again=move || go.run(Step::Details) /> }.into_any()
            }
        }}
    }
}

/// The id of each step's heading (`tabindex=-1`, so it can take the focus).
pub const STEP_HEADING: &str = "step-heading";

/// Put the focus on the current step's heading, unless something on the new step already
/// took it (修改 on the review focuses the field itself): the control that moved the customer
/// was removed with the old step, which leaves the focus on BODY.
fn focus_step_heading() {
    let Some(doc) = window().document() else {
        return;
    };
    let on_body = doc
        .active_element()
        .is_none_or(|el| el.tag_name().eq_ignore_ascii_case("body"));
    if !on_body {
        return;
    }
    crate::focus(doc.get_element_by_id(STEP_HEADING));
}

/// The step named by the current history entry (`history.state.haokaStep`).
fn history_step() -> Option<String> {
    let state = window().history().ok()?.state().ok()?;
    js_sys::Reflect::get(&state, &"haokaStep".into())
        .ok()?
        .as_string()
}

/// Record `step` in the history: a new entry (`push`), or the current one replaced.
fn remember_step(step: &Step, push: bool) {
    let Ok(history) = window().history() else {
        return;
    };
    let state = js_sys::Object::new();
    let _ = js_sys::Reflect::set(&state, &"haokaStep".into(), &step.name().into());
    let _ = if push {
        history.push_state(&state, "")
    } else {
        history.replace_state(&state, "")
    };
}

/// The note shown while the identity pre-check goes on in the background.
const PENDING_ZH: &str =
    "身份核验暂时没有结果，将在后台继续核验。您可以继续下单，结果会显示在订单状态页。";
const PENDING_EN: &str = "Your identity check has no answer yet and goes on in the background. \
    You can place the order now and follow the result on its status page.";

/// The step bar, and the pre-check's "still checking" note on the steps after it.
#[component]
fn Progress(
    /// The current step.
    #[prop(into)]
    step: Signal<Step>,
    /// Whether the photos step is part of the journey.
    #[prop(into)]
    needs_photos: Signal<bool>,
    /// The pre-check's reply when it could not answer yet.
    #[prop(into)]
    pending: Signal<Option<PrecheckReply>>,
) -> impl IntoView {
    let lang = use_lang();
    let names = Signal::derive(move || {
        let l = lang.get();
        let mut names = vec![l.pick("填写信息", "Your details")];
        if needs_photos.get() {
            names.push(l.pick("上传照片", "Photos"));
        }
        names.push(l.pick("确认提交", "Review"));
        names.into_iter().map(str::to_owned).collect::<Vec<_>>()
    });
    let current = Signal::derive(move || match step.get() {
        Step::Details => 0,
        Step::Photos => 1,
        Step::Review | Step::Done(_) => 1 + usize::from(needs_photos.get()),
    });
    let done = move || matches!(step.get(), Step::Done(_));
    let note =
        move || pending.with(Option::is_some) && matches!(step.get(), Step::Photos | Step::Review);
    view! {
        <Show when=move || !done()>
            <StepBar steps=names current />
        </Show>
        <Show when=note>
            <InfoNotice id="precheck-pending" text=tr(PENDING_ZH, PENDING_EN) />
        </Show>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_history_entry_leads_only_where_the_journey_can_be() {
        assert_eq!(Step::from_history(Some("photos"), true, true), Step::Photos);
        assert_eq!(
            Step::from_history(Some("photos"), false, true),
            Step::Details
        );
        assert_eq!(
            Step::from_history(Some("photos"), true, false),
            Step::Details
        );
        assert_eq!(
            Step::from_history(Some("review"), false, true),
            Step::Review
        );
        assert_eq!(
            Step::from_history(Some("review"), true, false),
            Step::Details
        );
        assert_eq!(Step::from_history(Some("done"), true, true), Step::Details);
        assert_eq!(Step::from_history(None, true, true), Step::Details);
        assert_eq!(Step::from_history(Some("other"), true, true), Step::Details);
        for s in [Step::Details, Step::Photos, Step::Review] {
            assert_eq!(Step::from_history(Some(s.name()), true, true), s);
        }
    }

    #[test]
    fn the_photo_step_is_there_only_for_products_that_need_photos() {
        assert_eq!(Step::after_details(true), Step::Photos);
        assert_eq!(Step::after_details(false), Step::Review);
        assert_eq!(Step::before_review(true), Step::Photos);
        assert_eq!(Step::before_review(false), Step::Details);
    }
}
