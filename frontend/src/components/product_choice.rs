//! The product cards: name, monthly price, whether the three photos are needed, age range.

use haoka_shared::product::Product;
use leptos::prelude::*;

use crate::i18n::{Lang, tr, use_lang};

/// "需上传三张照片 (三照)" or "无需照片", and "16–60 周岁".
pub fn product_facts(p: &Product, lang: Lang) -> (String, String) {
    let photos = match (p.needs_photos, lang) {
        (true, Lang::Zh) => "需上传身份证和半身照（三照）",
        (true, Lang::En) => "Needs 3 photos: ID card both sides and you",
        (false, Lang::Zh) => "无需上传照片",
        (false, Lang::En) => "No photos needed",
    };
    let ages = match lang {
        Lang::Zh => format!("限{}–{}周岁", p.min_age, p.max_age),
        Lang::En => format!("Ages {}–{}", p.min_age, p.max_age),
    };
    (photos.to_owned(), ages)
}

/// One radio card per product (`input[name=product][value=PID]`), bound to `selected`.
#[component]
pub fn ProductChoice(
    /// The catalogue, in display order.
    #[prop(into)]
    products: Signal<Vec<Product>>,
    /// The chosen product id.
    selected: RwSignal<String>,
    /// The message to show under the cards, if any.
    #[prop(into)]
    error: Signal<Option<String>>,
) -> impl IntoView {
    let lang = use_lang();
    let card = move |p: Product| {
        let pid = p.pid.clone();
        let chosen = Memo::new({
            let pid = pid.clone();
            move |_| selected.with(|s| *s == pid)
        });
        let body = move || {
            let l = lang.get();
            let name = l.pick(&p.name_zh, &p.name_en).to_owned();
            let price = if l == Lang::Zh {
                p.price_zh()
            } else {
                p.price_en()
            };
            let (photos, ages) = product_facts(&p, l);
            view! {
                <span class="product-name">{name}</span>
                <span class="price">{price}</span>
                <span class="facts">
                    <span class="fact" class:photos=p.needs_photos>{photos}</span>
                    <span class="fact">{ages}</span>
                </span>
            }
        };
        view! {
            <label class="product" class:chosen=chosen>
                <input
                    type="radio"
                    name="product"
                    value=pid.clone()
                    prop:checked=chosen
                    on:change=move |_| selected.set(pid.clone())
                />
                <span class="product-body">{body}</span>
            </label>
        }
    };
    view! {
        <fieldset class="products" id="products" aria-describedby="product-error">
            <legend>{tr("选择产品", "Choose a product")}</legend>
            {move || products.get().into_iter().map(card).collect_view()}
            <p class="error" id="product-error" role="alert">
                {move || error.get().unwrap_or_default()}
            </p>
        </fieldset>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn facts_say_photos_and_ages_plainly() {
        let p = Product {
            pid: "2201".into(),
            name_zh: "星光大王卡".into(),
            name_en: "Xingguang king card".into(),
            monthly_fen: 3950,
            needs_photos: true,
            needs_phone3: true,
            min_age: 18,
            max_age: 60,
            deny_keywords: vec![],
        };
        let (photos, ages) = product_facts(&p, Lang::Zh);
        assert!(photos.contains("三照"));
        assert_eq!(ages, "限18–60周岁");
        assert_eq!(product_facts(&p, Lang::En).1, "Ages 18–60");
    }
}
