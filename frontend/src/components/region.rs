//! Province, city and district: three selects over the shared region table, where changing
//! a parent clears the children that no longer belong to it.

use haoka_shared::region::Regions;
use leptos::prelude::*;

use crate::{components::field::SelectField, i18n::tr};

fn names<'a>(items: impl Iterator<Item = &'a str>) -> Vec<(String, String)> {
    items.map(|n| (n.to_owned(), n.to_owned())).collect()
}

/// The region fieldset, with one error line (`#region-error`) for the triple.
#[component]
pub fn RegionFields(
    /// Chosen province name.
    province: RwSignal<String>,
    /// Chosen city name.
    city: RwSignal<String>,
    /// Chosen district name.
    district: RwSignal<String>,
    /// The message for the region, if any.
    #[prop(into)]
    error: Signal<Option<String>>,
) -> impl IntoView {
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
    let regions = Regions::get();
    let provinces = Signal::derive(move || names(regions.provinces().iter().map(|p| p.name)));
    let cities =
        Signal::derive(move || names(regions.cities(&province.get()).iter().map(|c| c.name)));
    let districts = Signal::derive(move || {
        names(
            regions
                .districts(&province.get(), &city.get())
                .iter()
                .map(|d| d.name),
        )
    });
    view! {
        <fieldset class="region">
            <legend>{tr("所在地区", "Region")}</legend>
            <SelectField
                id="province"
                label=tr("省份", "Province")
                value=province
                options=provinces
                prompt=tr("请选择省份", "Province")
            />
            <SelectField
                id="city"
                label=tr("城市", "City")
                value=city
                options=cities
                prompt=tr("请选择城市", "City")
            />
            <SelectField
                id="district"
                label=tr("区县", "District")
                value=district
                options=districts
                prompt=tr("请选择区县", "District")
            />
            <p class="error" id="region-error" role="alert">
                {move || error.get().unwrap_or_default()}
            </p>
        </fieldset>
    }
}
