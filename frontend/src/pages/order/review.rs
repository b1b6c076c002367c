//! The last step: the summary in full (the customer's own values on their own device, each
//! with 修改), the personal-information notice, and the ONE submit.
//! The idempotency key is made on the first press and kept (with the form, in this tab's
//! `sessionStorage`) until an order is accepted, so every retry — even after a reload — is
//! the same attempt to the edge.

use haoka_shared::{
    Field, FieldIssue, ValidationError, api::OrderAccepted, consent, refusal::Refusal,
};
use leptos::{prelude::*, task::spawn_local};

use super::{STEP_HEADING, Step, form::OrderForm};
use crate::{
    api::{self, ClientError},
    bot_check::{self, BotCheck, BotCheckBox, NotReady},
    components::notice::ErrorNotice,
    i18n::{Lang, tr, use_lang},
    photo::PhotoSet,
    storage::{self, Attempt},
};

fn is_photo(field: Field) -> bool {
    matches!(
        field,
        Field::Photo | Field::PhotoFace | Field::PhotoBack | Field::PhotoHand
    )
}

/// The summary rows: (label, value, the id of the field that changes it). The values are
/// the customer's own, on their own device, shown in full: this step is there to catch a
/// typo, which a mask would hide.
fn summary(form: OrderForm, lang: Lang) -> Vec<(&'static str, String, &'static str)> {
    let d = form.draft.get();
    let product = form.product.get().map(|p| match lang {
        Lang::Zh => format!("{} · {}", p.name_zh, p.price_zh()),
        Lang::En => format!("{} · {}", p.name_en, p.price_en()),
    });
    let mut rows = vec![
        (
            lang.pick("产品", "Product"),
            product.unwrap_or_default(),
            "products",
        ),
        (lang.pick("姓名", "Name"), d.name.trim().to_owned(), "name"),
        (
            lang.pick("手机号码", "Mobile"),
            d.mobile.trim().to_owned(),
            "mobile",
        ),
        (
            lang.pick("身份证号码", "ID number"),
            d.id_number.trim().to_uppercase(),
            "id_number",
        ),
        (
            lang.pick("收货地址", "Delivery address"),
            format!(
                "{} {} {} {}",
                d.province,
                d.city,
                d.district,
                d.address.trim()
            ),
            "address",
        ),
    ];
    if !d.number.is_empty() {
        let number = crate::components::number_choice::grouped(&d.number);
        rows.insert(1, (lang.pick("选号", "Number"), number, "numbers"));
    }
    rows
}

/// Put the focus on the details field with this id (or the first input inside it).
fn focus_field(id: &str) {
    let Some(el) = window().document().and_then(|d| d.get_element_by_id(id)) else {
        return;
    };
    let target = if el.tag_name().eq_ignore_ascii_case("input") {
        Some(el)
    } else {
        el.query_selector("input, select, textarea").ok().flatten()
    };
    crate::focus(target);
}

/// Where the edge's 422 field issues belong: photo issues under the photos, the consent
/// under its checkbox, the rest under the form's fields. Returns the step to go back to, or
/// `None` when everything can be shown on the review itself.
fn place_issues(
    fields: Vec<FieldIssue>,
    form: OrderForm,
    photos: Option<PhotoSet>,
    consent_issue: RwSignal<Option<FieldIssue>>,
) -> Option<Step> {
    let (photo_issues, rest): (Vec<_>, Vec<_>) =
        fields.into_iter().partition(|i| is_photo(i.field));
    let (consent, rest): (Vec<_>, Vec<_>) =
        rest.into_iter().partition(|i| i.field == Field::Consent);
    consent_issue.set(consent.into_iter().next());
    let photos_refused = photos.is_some_and(|p| p.refuse(&photo_issues));
    if !rest.is_empty() {
        form.show_all.set(true);
        form.server_issues.set(rest);
        Some(Step::Details)
    } else if photos_refused {
        Some(Step::Photos)
    } else {
        None
    }
}

/// Review and submit.
#[component]
pub fn ReviewStep(
    /// The form's state.
    form: OrderForm,
    /// The three photos, for products that need them.
    photos: Option<PhotoSet>,
    /// The attempt's idempotency key (made on the first press).
    key: RwSignal<Option<String>>,
    /// Back one step.
    #[prop(into)]
    on_back: Callback<()>,
    /// Go to the step where the edge found something to fix.
    #[prop(into)]
    on_fix: Callback<Step>,
    /// The order was accepted.
    #[prop(into)]
    on_placed: Callback<OrderAccepted>,
) -> impl IntoView {
    let lang = use_lang();
    let sending = RwSignal::new(false);
    let failure = RwSignal::new(None::<ClientError>);
    let consent_issue = RwSignal::new(None::<FieldIssue>);

    let submit = move || {
        // The button is disabled while sending; this guards a second tap that lands first.
        if sending.get_untracked() {
            return;
        }
        if !form.consent.get_untracked() {
            let issue = ValidationError::ConsentRequired.for_field(Field::Consent);
            return consent_issue.set(Some(issue));
        }
        let chosen = match photos.map(PhotoSet::ready) {
            None => None,
            Some(Some(all)) => Some(all),
            Some(None) => {
                if let Some(p) = photos {
                    p.require_all();
                }
                return on_fix.run(Step::Photos);
            }
        };
        let bot = use_context::<BotCheck>();
        let bot_token = match bot.map_or(Ok(None), BotCheck::take) {
            Ok(token) => token,
            Err(NotReady) => return failure.set(Some(bot_check::not_ready())),
        };
        let draft = form.draft.get_untracked();
        let mut attempt = Attempt {
            draft: draft.clone(),
            key: key.get_untracked(),
        };
        let k = attempt.key_or_make(storage::new_idempotency_key);
        // Stored before sending, so a reload mid-submit resends with this key.
        storage::save_attempt(&attempt);
        key.set(Some(k.clone()));
        sending.set(true);
        failure.set(None);
        spawn_local(async move {
            let result = api::place_order(&k, &draft, chosen.as_ref(), bot_token.as_deref()).await;
            sending.set(false);
            // A token works once, whatever the answer.
            if let (Some(bot), Some(_)) = (bot, &bot_token) {
                bot.used();
            }
            match result {
                Ok(accepted) => on_placed.run(accepted),
                Err(ClientError::Validation(fields)) => {
                    match place_issues(fields.clone(), form, photos, consent_issue) {
                        Some(step) => on_fix.run(step),
                        None if consent_issue.with_untracked(Option::is_some) => {}
                        None => failure.set(Some(ClientError::Validation(fields))),
                    }
                }
                Err(ClientError::Refused { body, .. })
                    if Refusal::parse(&body.error) == Some(Refusal::NumberHoldLost) =>
                {
                    // The hold ran out (or the number went): back to the picker, which says
                    // so; the order is placed with a new choice, or none.
                    form.number.set(String::new());
                    form.number_lost.set(true);
                    on_fix.run(Step::Details);
                    request_animation_frame(|| focus_field("numbers"));
                }
                Err(e) => {
                    if e == ClientError::IdempotencyMismatch {
                        // The edge holds this key for other details: the next press starts a
                        // new attempt.
                        key.set(None);
                    }
                    failure.set(Some(e));
                }
            }
        });
    };
    let retry =
        Signal::derive(move || failure.with(|f| f.as_ref().is_some_and(ClientError::is_retryable)));

    view! {
        <section class="card review">
            <h2 id=STEP_HEADING tabindex="-1">{tr("请确认订单信息", "Please check your order")}</h2>
            <dl class="summary" id="summary">
                {move || {
                    let rows = summary(form, lang.get()).into_iter();
                    rows.map(|(k, v, field)| view! {
                        <dt>{k}</dt>
                        <dd>
                            <span class="value" data-summary=field>{v}</span>
                            <button type="button" class="link edit" data-edit=field
                                aria-label=format!("{} {k}", lang.get().pick("修改", "Change"))
                                on:click=move |_| {
                                    on_fix.run(Step::Details);
                                    // On the details, the field itself takes the focus.
                                    request_animation_frame(move || focus_field(field));
                                }>
                                {tr("修改", "Change")}
                            </button>
                        </dd>
                    }).collect_view()
                }}
            </dl>
            {photos.map(|p| view! { <Thumbs photos=p /> })}
            <Consent checked=form.consent issue=consent_issue />
            // No retry button of its own: the one submit button turns into "重试" and
            // resends with the same key.
            <ErrorNotice id="submit-error" error=failure />
            <BotCheckBox />
            <div class="actions">
                <button
                    type="button"
                    class="secondary"
                    disabled=sending
                    on:click=move |_| on_back.run(())
                >
                    {tr("上一步", "Back")}
                </button>
                <SubmitButton sending retry on_submit=move || submit() />
            </div>
        </section>
    }
}

/// The one submit button (`#submit`): disabled while sending, "重试" after a transient failure.
#[component]
fn SubmitButton(
    /// An order is on its way.
    #[prop(into)]
    sending: Signal<bool>,
    /// The last try failed in a way a retry may fix.
    #[prop(into)]
    retry: Signal<bool>,
    /// Pressed.
    #[prop(into)]
    on_submit: Callback<()>,
) -> impl IntoView {
    let lang = use_lang();
    let label = move || {
        let l = lang.get();
        if sending.get() {
            l.pick("正在提交…", "Submitting…")
        } else if retry.get() {
            l.pick("重试", "Retry")
        } else {
            l.pick("提交订单", "Place order")
        }
    };
    view! {
        <button type="button" class="submit" id="submit" disabled=sending
            aria-busy=move || sending.get().to_string() on:click=move |_| on_submit.run(())>
            {label}
        </button>
    }
}

/// The personal-information notice and its checkbox (`#consent`).
#[component]
fn Consent(
    /// Whether the customer agreed.
    checked: RwSignal<bool>,
    /// The refusal to show (not agreed when submitting).
    issue: RwSignal<Option<FieldIssue>>,
) -> impl IntoView {
    let lang = use_lang();
    Effect::new(move |_| {
        if checked.get() {
            issue.set(None);
        }
    });
    view! {
        <div class="consent" class:invalid=move || issue.with(Option::is_some)>
            <details>
                <summary>{tr("《个人信息处理说明》", "Personal information notice")}</summary>
                <p>{tr(consent::NOTICE_ZH, consent::NOTICE_EN)}</p>
            </details>
            <label class="check">
                <input
                    type="checkbox"
                    id="consent"
                    name="consent"
                    aria-describedby="consent-error"
                    prop:checked=move || checked.get()
                    on:change=move |ev| checked.set(event_target_checked(&ev))
                />
                <span>
                    {tr(
                        "我已阅读并同意《个人信息处理说明》",
                        "I have read and agree to the personal information notice",
                    )}
                </span>
            </label>
            <p class="error" id="consent-error" role="alert">
                {move || issue.get().map(|i| lang.get().issue(&i))}
            </p>
        </div>
    }
}

/// Small thumbnails of the three photos.
#[component]
fn Thumbs(
    /// The photos.
    photos: PhotoSet,
) -> impl IntoView {
    let urls = move || photos.ready().map(|all| all.map(|p| p.url));
    view! {
        <div class="thumbs">
            {move || {
                urls().map(|all| {
                    let img = |src| view! { <img class="thumb small" src=src alt="" /> };
                    all.map(img).into_iter().collect_view()
                })
            }}
        </div>
    }
}
