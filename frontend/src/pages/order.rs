//! The order form: product, name, mobile, ID number, region, address. Every field is checked
//! as the customer types with `haoka_shared::order::validate_draft`; the edge checks again.

use haoka_shared::{
    Field, FieldIssue, china_date_from_unix_millis,
    order::{DraftOrderRequest, validate_draft},
    product::PRODUCTS,
    region::Regions,
};
use leptos::{prelude::*, task::spawn_local};

use crate::{
    api::{self, ClientError},
    components::field::{SelectField, TextField},
    i18n::{Lang, use_lang},
};

/// What happened to the last submission.
#[derive(Debug, Clone)]
enum Outcome {
    Idle,
    Sending,
    Accepted {
        draft_id: String,
        warnings: Vec<FieldIssue>,
    },
    Failed(ClientError),
}

/// Today's date in China, from the browser clock.
fn today() -> haoka_shared::Date {
    china_date_from_unix_millis(js_sys::Date::now() as i64)
}

/// The order form page.
#[component]
pub fn OrderPage() -> impl IntoView {
    let lang = use_lang();
    let product_id = RwSignal::new(
        PRODUCTS
            .first()
            .map(|p| p.pid.to_owned())
            .unwrap_or_default(),
    );
    let name = RwSignal::new(String::new());
    let mobile = RwSignal::new(String::new());
    let id_number = RwSignal::new(String::new());
    let province = RwSignal::new(String::new());
    let city = RwSignal::new(String::new());
    let district = RwSignal::new(String::new());
    let address = RwSignal::new(String::new());
    // Fields the customer has left (or everything, after a submit attempt): only their
    // errors show, so an empty form is not a wall of red.
    let touched = RwSignal::new(Vec::<Field>::new());
    let submitted = RwSignal::new(false);
    let server_issues = RwSignal::new(Vec::<FieldIssue>::new());
    let outcome = RwSignal::new(Outcome::Idle);

    // Changing a parent clears the children that no longer belong to it.
    Effect::new(move |prev: Option<String>| {
        let p = province.get();
        if prev.is_some_and(|prev| prev != p) {
            city.set(String::new());
            district.set(String::new());
        }
        p
    });
    Effect::new(move |prev: Option<String>| {
        let c = city.get();
        if prev.is_some_and(|prev| prev != c) {
            district.set(String::new());
        }
        c
    });

    let draft = Memo::new(move |_| DraftOrderRequest {
        product_id: product_id.get(),
        name: name.get(),
        mobile: mobile.get(),
        id_number: id_number.get(),
        province: province.get(),
        city: city.get(),
        district: district.get(),
        address: address.get(),
        number: String::new(),
    });
    let issues = Memo::new(move |_| match validate_draft(&draft.get(), today()) {
        Ok(_) => Vec::new(),
        Err(issues) => issues,
    });
    // A server verdict stands until the customer edits the form again.
    Effect::new(move |_| {
        draft.track();
        server_issues.set(Vec::new());
    });

    let error_for = move |field: Field| {
        Signal::derive(move || {
            let lang = lang.get();
            let shown = submitted.get() || touched.with(|t| t.contains(&field));
            let local = issues.with(|all| all.iter().find(|i| i.field == field).cloned());
            let remote = server_issues.with(|all| all.iter().find(|i| i.field == field).cloned());
            local.filter(|_| shown).or(remote).map(|i| lang.issue(&i))
        })
    };
    let touch = move |field: Field| {
        Callback::new(move |()| {
            touched.update(|t| {
                if !t.contains(&field) {
                    t.push(field);
                }
            })
        })
    };
    let text = move |zh: &'static str, en: &'static str| {
        Signal::derive(move || lang.get().pick(zh, en).to_owned())
    };

    let province_options = Signal::derive(|| {
        Regions::get()
            .provinces()
            .iter()
            .map(|p| (p.name.to_owned(), p.name.to_owned()))
            .collect::<Vec<_>>()
    });
    let city_options = Signal::derive(move || {
        Regions::get()
            .cities(&province.get())
            .iter()
            .map(|c| (c.name.to_owned(), c.name.to_owned()))
            .collect::<Vec<_>>()
    });
    let district_options = Signal::derive(move || {
        Regions::get()
            .districts(&province.get(), &city.get())
            .iter()
            .map(|d| (d.name.to_owned(), d.name.to_owned()))
            .collect::<Vec<_>>()
    });
    let product_options = Signal::derive(move || {
        let lang = lang.get();
        PRODUCTS
            .iter()
            .map(|p| (p.pid.to_owned(), lang.pick(p.name_zh, p.name_en).to_owned()))
            .collect::<Vec<_>>()
    });

    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        submitted.set(true);
        if !issues.with(Vec::is_empty) || matches!(outcome.get_untracked(), Outcome::Sending) {
            return;
        }
        outcome.set(Outcome::Sending);
        let body = draft.get_untracked();
        spawn_local(async move {
            match api::post_draft(&body).await {
                Ok(ok) => outcome.set(Outcome::Accepted {
                    draft_id: ok.draft_id,
                    warnings: ok.warnings,
                }),
                Err(ClientError::Validation(fields)) => {
                    server_issues.set(fields.clone());
                    outcome.set(Outcome::Failed(ClientError::Validation(fields)));
                }
                Err(e) => outcome.set(Outcome::Failed(e)),
            }
        });
    };

    view! {
        <form class="order" novalidate on:submit=on_submit>
            <SelectField
                id="product"
                label=text("产品", "Product")
                value=product_id
                options=product_options
                prompt=text("请选择产品", "Choose a product")
            />
            <TextField
                id="name"
                label=text("姓名", "Name")
                value=name
                error=error_for(Field::Name)
                on_blur=touch(Field::Name)
                autocomplete="name"
                maxlength=20
                placeholder=text("与身份证一致", "As on the ID card")
            />
            <TextField
                id="mobile"
                label=text("手机号码", "Mobile number")
                value=mobile
                error=error_for(Field::Mobile)
                on_blur=touch(Field::Mobile)
                inputmode="tel"
                autocomplete="tel-national"
                maxlength=16
            />
            <TextField
                id="id_number"
                label=text("身份证号码", "ID number")
                value=id_number
                error=error_for(Field::IdNumber)
                on_blur=touch(Field::IdNumber)
                maxlength=18
                placeholder=text("18位身份证号码", "18-character resident ID")
            />
            <fieldset class="region">
                <legend>{move || lang.get().pick("所在地区", "Region")}</legend>
                <SelectField id="province" label=text("省份", "Province") value=province options=province_options prompt=text("请选择省份", "Province") />
                <SelectField id="city" label=text("城市", "City") value=city options=city_options prompt=text("请选择城市", "City") />
                <SelectField id="district" label=text("区县", "District") value=district options=district_options prompt=text("请选择区县", "District") />
                <p class="error" id="region-error" role="alert">
                    {move || {
                        let shown = submitted.get() || !district.get().is_empty();
                        error_for(Field::Region).get().filter(|_| shown).unwrap_or_default()
                    }}
                </p>
            </fieldset>
            <TextField
                id="address"
                label=text("详细地址", "Street address")
                value=address
                error=error_for(Field::Address)
                on_blur=touch(Field::Address)
                autocomplete="street-address"
                placeholder=text("街道、小区、门牌号", "Street, building, door number")
            />
            <p class="error" id="product-error" role="alert">
                {move || error_for(Field::ProductId).get().unwrap_or_default()}
            </p>
            <button type="submit" class="submit" disabled=move || matches!(outcome.get(), Outcome::Sending)>
                {move || lang.get().pick("提交订单", "Submit order")}
            </button>
            <OutcomeView outcome=outcome lang=lang />
        </form>
    }
}

/// The status line under the form.
#[component]
fn OutcomeView(
    /// The last submission's outcome.
    outcome: RwSignal<Outcome>,
    /// Current language.
    lang: Signal<Lang>,
) -> impl IntoView {
    move || {
        let lang = lang.get();
        match outcome.get() {
            Outcome::Idle => view! { <p class="status" id="status"></p> }.into_any(),
            Outcome::Sending => view! { <p class="status" id="status">{lang.pick("正在提交…", "Submitting…")}</p> }.into_any(),
            Outcome::Accepted { draft_id, warnings } => view! {
                <div class="status ok" id="status" role="status">
                    <p>{lang.pick("订单草稿已保存，编号：", "Draft order saved, number: ")}<strong id="draft-id">{draft_id}</strong></p>
                    {warnings.into_iter().map(|w| view! { <p class="warning">{lang.issue(&w)}</p> }).collect_view()}
                </div>
            }
            .into_any(),
            Outcome::Failed(e) => view! { <p class="status failed" id="status" role="alert">{e.message(lang)}</p> }.into_any(),
        }
    }
}
