//! `/products/{pid}`: one product in full — carrier, price, allowances, first month,
//! promotion period, photos, ages, where it does not ship, its description — shareable, with
//! "办理这张卡" starting the order form on it.

use haoka_shared::product::{Catalogue, Product};
use leptos::{prelude::*, task::spawn_local};

use crate::{
    api::{self, ClientError},
    components::{
        notice::ErrorNotice,
        product_choice::{product_facts, product_terms},
    },
    i18n::{Lang, tr, use_lang},
    nav,
    pages::{Page, not_found::NotFound},
    storage,
};

/// The product page: loads the catalogue and shows the product, or the dead end.
#[component]
pub fn ProductPage(
    /// The vendor product id from the URL.
    pid: String,
) -> impl IntoView {
    let catalogue = RwSignal::new(None::<Result<Catalogue, ClientError>>);
    let load = move || {
        catalogue.set(None);
        spawn_local(async move { catalogue.set(Some(api::products().await)) });
    };
    load();
    move || match catalogue.get() {
        None => {
            let text = tr("正在加载产品…", "Loading products…");
            view! { <p class="card loading" id="loading">{text}</p> }.into_any()
        }
        Some(Ok(c)) => match c.products.into_iter().find(|p| p.pid == pid) {
            Some(product) => view! { <ProductDetails product /> }.into_any(),
            None => view! { <NotFound /> }.into_any(),
        },
        Some(Err(e)) => {
            let error = Signal::stored(Some(e));
            view! { <ErrorNotice id="products-error" error on_retry=move || load() /> }.into_any()
        }
    }
}

/// One product's terms as a definition list, and the button that starts the order on it.
#[component]
fn ProductDetails(
    /// The product.
    product: Product,
) -> impl IntoView {
    let lang = use_lang();
    let pid = product.pid.clone();
    let start = move |_| {
        // The form opens on this product (the attempt keeps what was typed before, if any).
        let mut attempt = storage::load_attempt().unwrap_or_default();
        attempt.draft.product_id = pid.clone();
        storage::save_attempt(&attempt);
        nav::navigate(&Page::Home.path());
    };
    let body = move || {
        let l = lang.get();
        let p = &product;
        let title = l.pick(&p.name_zh, &p.name_en).to_owned();
        if let Some(d) = window().document() {
            d.set_title(&format!("{title} · {}", l.pick("号卡", "haoka")));
        }
        let price = if l == Lang::Zh {
            p.price_zh()
        } else {
            p.price_en()
        };
        let (photos, ages) = product_facts(p, l);
        let (carrier, allowances, billing, not_shipped) = product_terms(p, l);
        let description = l
            .pick(&p.terms.description_zh, &p.terms.description_en)
            .to_owned();
        let row = |label: (&str, &str), value: String| {
            (!value.is_empty()).then(|| {
                view! { <dt>{l.pick(label.0, label.1).to_owned()}</dt><dd>{value}</dd> }
            })
        };
        view! {
            <h2 id="product-title">{title}</h2>
            {(!description.is_empty()).then(|| view! { <p class="description">{description}</p> })}
            <dl class="summary" id="product-terms">
                {row(("运营商", "Carrier"), carrier)}
                {row(("月租", "Monthly fee"), price)}
                {row(("流量与通话", "Data and calls"), allowances)}
                {row(("资费说明", "Billing"), billing.join(l.pick("；", "; ")))}
                {row(("照片", "Photos"), photos)}
                {row(("年龄", "Ages"), ages)}
                {row(("发货范围", "Shipping"), not_shipped)}
            </dl>
        }
    };
    view! {
        <section class="card product-page" id="product-page">
            {body}
            <button type="button" class="submit" id="order-this" on:click=start>
                {tr("办理这张卡", "Order this card")}
            </button>
            <a href=Page::Home.path() class="button secondary" id="all-products">
                {tr("查看全部产品", "All products")}
            </a>
        </section>
    }
}
