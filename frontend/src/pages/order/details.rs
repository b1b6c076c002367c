//! Step 1: product and personal details, checked as typed; "下一步" runs the identity
//! pre-check at the edge.

use haoka_shared::{
    Field,
    api::{PrecheckReply, PrecheckResult},
    product::Product,
};
use leptos::{prelude::*, task::spawn_local};

use super::{STEP_HEADING, form::OrderForm};
use crate::{
    api::{self, ClientError},
    bot_check::{self, BotCheck, BotCheckBox, NotReady},
    components::{
        field::TextField, notice::ErrorNotice, number_choice::NumberChoice,
        product_choice::ProductChoice, region::RegionFields,
    },
    i18n::{tr, use_lang},
    pages::Page,
    storage,
};

/// The details form. `on_next` runs once the pre-check passed (`None`) or could not answer
/// yet (`Some(reply)`, the order may still be placed); a mismatch keeps the customer here with
/// the fields to check marked.
#[component]
pub fn DetailsStep(
    /// The form's state.
    form: OrderForm,
    /// The catalogue.
    #[prop(into)]
    products: Signal<Vec<Product>>,
    /// Go on to the next step.
    #[prop(into)]
    on_next: Callback<Option<PrecheckReply>>,
) -> impl IntoView {
    let lang = use_lang();
    let checking = RwSignal::new(false);
    let failure = RwSignal::new(None::<ClientError>);
    let mismatch = RwSignal::new(None::<PrecheckReply>);
    // A verdict is about what was sent: editing the form drops it.
    Effect::new(move |prev: Option<()>| {
        form.draft.track();
        if prev.is_some() {
            mismatch.set(None);
            failure.set(None);
        }
    });
    // The region's error shows once a district is chosen (selects have no "left the field").
    Effect::new(move |_| {
        if !form.district.get().is_empty() {
            form.mark_touched(Field::Region);
        }
    });

    let next = move || {
        form.show_all.set(true);
        let Some(req) = form.precheck_request() else {
            // The first field to fix takes the focus (and scrolls into view), once the
            // errors are drawn.
            request_animation_frame(focus_first_invalid);
            return;
        };
        if checking.get_untracked() {
            return;
        }
        let bot = use_context::<BotCheck>();
        let bot_token = match bot.map_or(Ok(None), BotCheck::take) {
            Ok(token) => token,
            Err(NotReady) => return failure.set(Some(bot_check::not_ready())),
        };
        checking.set(true);
        failure.set(None);
        mismatch.set(None);
        spawn_local(async move {
            let result = api::precheck(&req, bot_token.as_deref()).await;
            checking.set(false);
            // A token works once, whatever the answer.
            if let (Some(bot), Some(_)) = (bot, &bot_token) {
                bot.used();
            }
            match result {
                Ok(reply) => match reply.result {
                    PrecheckResult::Pass => on_next.run(None),
                    PrecheckResult::Pending => on_next.run(Some(reply)),
                    PrecheckResult::Mismatch => {
                        form.server_issues.set(reply.fields.clone());
                        mismatch.set(Some(reply));
                        // The verdict shows at the top of the form.
                        window().scroll_to_with_x_and_y(0.0, 0.0);
                    }
                },
                Err(ClientError::Validation(fields)) => {
                    form.server_issues.set(fields.clone());
                    failure.set(Some(ClientError::Validation(fields)));
                }
                Err(e) => failure.set(Some(e)),
            }
        });
    };
    let invalid = move || form.show_all.get() && form.valid.with(Result::is_err);
    let next_label = move || {
        let l = lang.get();
        if checking.get() {
            l.pick("正在核验身份…", "Checking your identity…")
        } else {
            l.pick("下一步", "Next")
        }
    };

    view! {
        <form class="card order" novalidate aria-labelledby=STEP_HEADING
            on:submit=move |ev| { ev.prevent_default(); next(); }>
            <h2 id=STEP_HEADING tabindex="-1">{tr("填写信息", "Your details")}</h2>
            <Mismatch reply=mismatch />
            <ProductChoice
                products
                selected=form.product_id
                error=form.error_for(Field::ProductId)
            />
            <NumberChoice form />
            <TextField
                id="name"
                label=tr("姓名", "Name")
                value=form.name
                error=form.error_for(Field::Name)
                on_blur=form.touch(Field::Name)
                autocomplete="name"
                maxlength=20
                placeholder=tr("与身份证一致", "As on the ID card")
            />
            <TextField
                id="mobile"
                label=tr("手机号码", "Mobile number")
                value=form.mobile
                error=form.error_for(Field::Mobile)
                on_blur=form.touch(Field::Mobile)
                inputmode="tel"
                autocomplete="tel-national"
                maxlength=16
            />
            <TextField
                id="id_number"
                label=tr("身份证号码", "ID number")
                value=form.id_number
                error=form.error_for(Field::IdNumber)
                on_blur=form.touch(Field::IdNumber)
                maxlength=18
                placeholder=tr("18位身份证号码", "18-character resident ID")
            />
            <RegionFields
                province=form.province
                city=form.city
                district=form.district
                error=form.error_for(Field::Region)
            />
            <TextField
                id="address"
                label=tr("详细地址", "Street address")
                value=form.address
                error=form.error_for(Field::Address)
                on_blur=form.touch(Field::Address)
                autocomplete="street-address"
                placeholder=tr("街道、小区、门牌号", "Street, building, door number")
            />
            <p class="error summary" role="alert">
                {move || {
                    let l = lang.get();
                    invalid().then(|| l.pick("请按提示修改标红的项目", "Please correct the fields in red"))
                }}
            </p>
            <ErrorNotice id="precheck-error" error=failure />
            <Show when=move || failure.with(|f| matches!(f, Some(ClientError::OrderLimit(_))))>
                <LimitHelp />
            </Show>
            <BotCheckBox />
            <button
                type="submit"
                class="submit"
                id="precheck-next"
                disabled=checking
                aria-busy=move || checking.get().to_string()
            >
                {next_label}
            </button>
        </form>
    }
}

/// Focus the first field marked invalid, in page order.
fn focus_first_invalid() {
    crate::focus(window().document().and_then(|d| {
        d.query_selector("form.order [aria-invalid='true'], form.order .invalid input, form.order .invalid select")
            .ok()
            .flatten()
    }));
}

/// The pre-check's "does not match" verdict, in the edge's words (ours if it gave none).
#[component]
fn Mismatch(
    /// The verdict, while it stands.
    #[prop(into)]
    reply: Signal<Option<PrecheckReply>>,
) -> impl IntoView {
    let lang = use_lang();
    let words = move || {
        let l = lang.get();
        reply.with(|r| {
            let said = r
                .as_ref()
                .map(|r| l.pick(&r.message_zh, &r.message_en))
                .unwrap_or("");
            let said = if said.is_empty() {
                l.pick(
                    "身份信息核验未通过，请检查标红的项目",
                    "The identity check did not match; please check the fields in red",
                )
            } else {
                said
            };
            said.to_owned()
        })
    };
    view! {
        <Show when=move || reply.with(Option::is_some)>
            <div class="notice failed" id="precheck-mismatch" role="alert">
                <p>{words}</p>
            </div>
        </Show>
    }
}

/// Under the per-person limit (shown at the pre-check, before any photo): the orders placed
/// from this device, each linked to its status page (which takes missing photos and shows
/// the progress), and, for an order placed elsewhere, the way to find it.
#[component]
fn LimitHelp() -> impl IntoView {
    let lang = use_lang();
    let mine = storage::my_orders();
    let links = mine
        .into_iter()
        .take(3)
        .map(|o| {
            let href = Page::order(&o.order_id, &o.token).path();
            let (zh, en) = (o.product_zh, o.product_en);
            view! {
                <li>
                    <a href=href class="button secondary">
                        {tr("查看进度 / 补传照片", "Progress / send photos")}
                        <span class="order-no">{o.order_id}</span>
                        <span class="product">{move || lang.get().pick(&zh, &en).to_owned()}</span>
                    </a>
                </li>
            }
        })
        .collect_view();
    let find = move |_| {
        let doc = window().document();
        if let Some(d) = doc.as_ref().and_then(|d| d.get_element_by_id("find-order")) {
            let _ = d.set_attribute("open", "");
            d.scroll_into_view();
        }
        crate::focus(doc.and_then(|d| d.get_element_by_id("lookup-order-id")));
    };
    view! {
        <div class="limit-help" id="limit-help">
            <ul class="limit-orders" id="limit-orders">{links}</ul>
            <p class="hint">
                {tr(
                    "在别的手机上下的单？用订单号和身份证后 6 位查询：",
                    "Ordered on another device? Find it with the order number and the ID number's last 6:",
                )}
                <button type="button" class="link" id="limit-find" on:click=find>
                    {tr("查询已有订单", "Find an order")}
                </button>
            </p>
        </div>
    }
}
