//! The order form's state: one signal per field, the draft they make, and its issues from
//! `validate_draft` (as the customer types) and from the edge (until the next edit).

use haoka_shared::{
    Field, FieldIssue, ValidationError,
    api::PrecheckRequest,
    china_date_from_unix_millis,
    order::{DraftOrderRequest, ValidDraft, validate_draft},
    product::Product,
};
use leptos::prelude::*;

use crate::i18n::use_lang;

/// Today's date in China, from the browser clock.
fn today() -> haoka_shared::Date {
    china_date_from_unix_millis(js_sys::Date::now() as i64)
}

/// Whether a local issue shows: everything after "下一步" (`all`); before it, only what is
/// wrong in a field the customer left (`touched`), never "required" for one left empty.
fn shows(issue: &FieldIssue, all: bool, touched: bool) -> bool {
    all || (touched && issue.code != ValidationError::Required.code())
}

/// The form's signals. `Copy`, so views and handlers take it by value.
#[derive(Debug, Clone, Copy)]
pub struct OrderForm {
    /// Chosen product id.
    pub product_id: RwSignal<String>,
    /// Name.
    pub name: RwSignal<String>,
    /// Mobile.
    pub mobile: RwSignal<String>,
    /// ID number.
    pub id_number: RwSignal<String>,
    /// Province.
    pub province: RwSignal<String>,
    /// City.
    pub city: RwSignal<String>,
    /// District.
    pub district: RwSignal<String>,
    /// Street address.
    pub address: RwSignal<String>,
    /// The chosen number (选号), empty for "assign one" or a product without a pool.
    pub number: RwSignal<String>,
    /// The attempt's hold token (made at the first hold, kept with the attempt).
    pub hold_token: RwSignal<String>,
    /// The edge said the hold on the chosen number was lost (at submit): pick again.
    pub number_lost: RwSignal<bool>,
    /// Agreement to the personal-information notice.
    pub consent: RwSignal<bool>,
    /// Fields the customer has left: only their errors show, so an empty form is not red.
    pub touched: RwSignal<Vec<Field>>,
    /// Show every error (after "下一步" was pressed).
    pub show_all: RwSignal<bool>,
    /// The edge's verdict on fields, kept until the form changes.
    pub server_issues: RwSignal<Vec<FieldIssue>>,
    /// The chosen product's catalogue entry.
    pub product: Memo<Option<Product>>,
    /// The request the fields make.
    pub draft: Memo<DraftOrderRequest>,
    /// The shared validation of the draft.
    pub valid: Memo<Result<ValidDraft, Vec<FieldIssue>>>,
}

impl OrderForm {
    /// A form over `products`, filled from `saved` (a restored attempt, or empty). With no
    /// product saved, the first one is chosen.
    pub fn new(products: Vec<Product>, saved: DraftOrderRequest) -> OrderForm {
        let first = products.first().map(|p| p.pid.clone()).unwrap_or_default();
        let known = products.iter().any(|p| p.pid == saved.product_id);
        let product_id = RwSignal::new(if known { saved.product_id } else { first });
        let product = Memo::new(move |_| {
            let pid = product_id.get();
            products.iter().find(|p| p.pid == pid).cloned()
        });
        let name = RwSignal::new(saved.name);
        let mobile = RwSignal::new(saved.mobile);
        let id_number = RwSignal::new(saved.id_number);
        let province = RwSignal::new(saved.province);
        let city = RwSignal::new(saved.city);
        let district = RwSignal::new(saved.district);
        let address = RwSignal::new(saved.address);
        let consent = RwSignal::new(saved.consent);
        let number = RwSignal::new(saved.number);
        let hold_token = RwSignal::new(saved.hold_token);
        // A number is chosen for one product: another product starts without one.
        Effect::new(move |prev: Option<String>| {
            let now = product_id.get();
            if prev.is_some_and(|p| p != now) {
                number.set(String::new());
            }
            now
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
            number: number.get(),
            hold_token: hold_token.get(),
            consent: consent.get(),
            consent_version: haoka_shared::consent::NOTICE_VERSION.into(),
        });
        let valid =
            Memo::new(move |_| validate_draft(&draft.get(), product.get().as_ref(), today()));
        let server_issues = RwSignal::new(Vec::new());
        // The edge's verdict stands until the customer edits the form again.
        Effect::new(move |prev: Option<DraftOrderRequest>| {
            let now = draft.get();
            if prev.is_some_and(|p| p != now) {
                server_issues.set(Vec::new());
            }
            now
        });
        OrderForm {
            product_id,
            name,
            mobile,
            id_number,
            province,
            city,
            district,
            address,
            number,
            hold_token,
            number_lost: RwSignal::new(false),
            consent,
            touched: RwSignal::new(Vec::new()),
            show_all: RwSignal::new(false),
            server_issues,
            product,
            draft,
            valid,
        }
    }

    /// The message to show under `field` in the current language: the local check once the
    /// field was left (or everything is shown), else the edge's verdict. A field left empty
    /// says nothing until "下一步" is pressed: moving through the form is not a mistake.
    pub fn error_for(self, field: Field) -> Signal<Option<String>> {
        let lang = use_lang();
        Signal::derive(move || {
            let all = self.show_all.get();
            let touched = self.touched.with(|t| t.contains(&field));
            let local = self.valid.with(|v| match v {
                Err(all) => all.iter().find(|i| i.field == field).cloned(),
                Ok(_) => None,
            });
            let shown = |i: &FieldIssue| shows(i, all, touched);
            let local = local.filter(shown);
            let remote = self
                .server_issues
                .with(|all| all.iter().find(|i| i.field == field).cloned());
            local.or(remote).map(|i| lang.get().issue(&i))
        })
    }

    /// Marks `field` as left, so its errors show.
    pub fn mark_touched(self, field: Field) {
        if !self.touched.with_untracked(|t| t.contains(&field)) {
            self.touched.update(|t| t.push(field));
        }
    }

    /// [`OrderForm::mark_touched`] as a callback (for a field's `on_blur`).
    pub fn touch(self, field: Field) -> Callback<()> {
        Callback::new(move |()| self.mark_touched(field))
    }

    /// What the pre-check asks about (normalised), when the draft is valid.
    pub fn precheck_request(self) -> Option<PrecheckRequest> {
        self.valid.with_untracked(|v| {
            v.as_ref().ok().map(|d| PrecheckRequest {
                product_id: d.product_id.clone(),
                name: d.name.clone(),
                id_number: d.id_number.clone(),
                mobile: d.mobile.clone(),
            })
        })
    }

    /// Empty every personal field (after an order was placed); the product stays chosen.
    pub fn reset(self) {
        for s in [
            self.name,
            self.mobile,
            self.id_number,
            self.province,
            self.city,
            self.district,
            self.address,
        ] {
            s.set(String::new());
        }
        self.number.set(String::new());
        self.hold_token.set(String::new());
        self.number_lost.set(false);
        self.consent.set(false);
        self.touched.set(Vec::new());
        self.show_all.set(false);
        self.server_issues.set(Vec::new());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_empty_field_says_nothing_until_next_is_pressed() {
        let required = ValidationError::Required.for_field(Field::Name);
        let wrong = ValidationError::IdChecksum.for_field(Field::IdNumber);
        // Moving through the form: a field left empty is not shouted at, a wrong one is.
        assert!(!shows(&required, false, true));
        assert!(shows(&wrong, false, true));
        // Not yet left: nothing.
        assert!(!shows(&wrong, false, false));
        // After 下一步: everything.
        assert!(shows(&required, true, false));
        assert!(shows(&wrong, true, true));
    }
}
