//! The product cards: carrier, name, monthly price, the allowances, the first-month rule and
//! the promotion period, whether the three photos are needed, age range, where it does not
//! ship.

use haoka_shared::product::Product;
use leptos::prelude::*;

use crate::{
    i18n::{Lang, tr, use_lang},
    pages::Page,
};

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

/// The card's terms in words: the carrier, the allowances line, the billing facts (first
/// month, promotion period) and where it does not ship (empty strings where not said).
pub fn product_terms(p: &Product, lang: Lang) -> (String, String, Vec<String>, String) {
    let t = &p.terms;
    let carrier = t
        .carrier
        .map(|c| lang.pick(c.name().0, c.name().1).to_owned())
        .unwrap_or_default();
    let (zh, en) = t.allowances();
    let allowances = lang.pick(&zh, &en).to_owned();
    let mut billing = Vec::new();
    if let Some(f) = t.first_month {
        billing.push(lang.pick(f.words().0, f.words().1).to_owned());
    }
    if let Some((zh, en)) = t.promo() {
        billing.push(lang.pick(&zh, &en).to_owned());
    }
    let not_shipped = if t.excluded_provinces.is_empty() {
        String::new()
    } else {
        let places = t.excluded_provinces.join("、");
        match lang {
            Lang::Zh => format!("不发货：{places}"),
            Lang::En => format!("Does not ship to: {places}"),
        }
    };
    (carrier, allowances, billing, not_shipped)
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
            let (carrier, allowances, billing, not_shipped) = product_terms(&p, l);
            view! {
                <span class="product-name">
                    {(!carrier.is_empty()).then(|| view! { <span class="carrier">{carrier}</span> })}
                    {name}
                </span>
                <span class="price">{price}</span>
                {(!allowances.is_empty()).then(|| view! { <span class="allowances">{allowances}</span> })}
                <span class="facts">
                    {billing.into_iter().map(|b| view! { <span class="fact billing">{b}</span> }).collect_view()}
                    <span class="fact" class:photos=p.needs_photos>{photos}</span>
                    <span class="fact">{ages}</span>
                </span>
                {(!not_shipped.is_empty()).then(|| view! { <span class="not-shipped">{not_shipped}</span> })}
                // The product's own page: every term, and a link to share.
                <a class="details-link" href=Page::Product(p.pid.clone()).path()
                    aria-label=format!("{} {}", l.pick("详情", "Details"), l.pick(&p.name_zh, &p.name_en))>
                    {l.pick("详情 ›", "Details ›")}
                </a>
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
    use haoka_shared::product::{Carrier, FirstMonth, Terms};

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
            terms: Terms::default(),
        };
        let (photos, ages) = product_facts(&p, Lang::Zh);
        assert!(photos.contains("三照"));
        assert_eq!(ages, "限18–60周岁");
        assert_eq!(product_facts(&p, Lang::En).1, "Ages 18–60");
        // Nothing said about the terms: nothing shown.
        let (carrier, allowances, billing, not_shipped) = product_terms(&p, Lang::Zh);
        assert!(carrier.is_empty() && allowances.is_empty() && billing.is_empty());
        assert!(not_shipped.is_empty());
    }

    #[test]
    fn terms_read_as_a_shop_lists_them() {
        let p = Product {
            pid: "2201".into(),
            name_zh: "星光大王卡".into(),
            name_en: "Xingguang king card".into(),
            monthly_fen: 3900,
            needs_photos: true,
            needs_phone3: true,
            min_age: 18,
            max_age: 60,
            deny_keywords: vec![],
            terms: Terms {
                carrier: Some(Carrier::Unicom),
                general_gb: 40,
                targeted_gb: 30,
                call_minutes: 100,
                first_month: Some(FirstMonth::Free),
                promo_months: 24,
                excluded_provinces: vec!["新疆维吾尔自治区".into(), "西藏自治区".into()],
                ..Terms::default()
            },
        };
        let (carrier, allowances, billing, not_shipped) = product_terms(&p, Lang::Zh);
        assert_eq!(carrier, "中国联通");
        assert_eq!(allowances, "通用40GB + 定向30GB · 100分钟通话");
        assert_eq!(
            billing,
            vec!["首月免费".to_owned(), "优惠期24个月".to_owned()]
        );
        assert_eq!(not_shipped, "不发货：新疆维吾尔自治区、西藏自治区");
        let (carrier, _, billing, _) = product_terms(&p, Lang::En);
        assert_eq!(carrier, "China Unicom");
        assert_eq!(billing[0], "First month free");
    }
}
