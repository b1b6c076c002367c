//! What the browser keeps between page loads.
//!
//! - `sessionStorage` (this tab only): the order attempt in progress — the form's text fields
//!   and, once the customer pressed submit, the attempt's idempotency key — so a reload
//!   mid-submit restores the form and sends with the same key. Photos are never stored.
//! - `localStorage`: "my orders", the links to the status pages of orders placed here.
//!
//! Storage is best effort: private modes may refuse it, and then nothing is kept.

use haoka_shared::{
    api::{IDEMPOTENCY_KEY_MAX, OrderAccepted},
    order::DraftOrderRequest,
    product::Product,
};
use leptos::prelude::window;
use serde::{Deserialize, Serialize, de::DeserializeOwned};

const ATTEMPT_KEY: &str = "haoka.attempt";
const ORDERS_KEY: &str = "haoka.orders";
const DEVICE_KEY: &str = "haoka.device";
/// How many orders "my orders" remembers.
pub const MY_ORDERS_MAX: usize = 20;

/// The order attempt in progress.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attempt {
    /// The form's fields as typed.
    pub draft: DraftOrderRequest,
    /// The idempotency key, made when submit was first pressed; kept until an order is
    /// accepted, so every retry of this attempt carries the same key.
    #[serde(default)]
    pub key: Option<String>,
}

impl Attempt {
    /// Nothing worth keeping: no key and no personal field typed.
    pub fn is_blank(&self) -> bool {
        let d = &self.draft;
        self.key.is_none()
            && [
                &d.name,
                &d.mobile,
                &d.id_number,
                &d.province,
                &d.city,
                &d.district,
                &d.address,
            ]
            .iter()
            .all(|f| f.is_empty())
    }

    /// The attempt's key, making one with `make` the first time.
    pub fn key_or_make(&mut self, make: impl FnOnce() -> String) -> String {
        self.key.get_or_insert_with(make).clone()
    }
}

/// One order placed from this browser.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MyOrder {
    /// Order number.
    pub order_id: String,
    /// The token that opens its status page.
    pub token: String,
    /// Product name, Chinese.
    pub product_zh: String,
    /// Product name, English.
    pub product_en: String,
    /// When it was placed here, Unix milliseconds.
    pub created_ms: i64,
    /// The details as typed, kept on this device only while the order may still be refused,
    /// so a refusal can be answered by a prefilled new order ([`reorder_draft`]); dropped
    /// once the order ships or is re-placed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub draft: Option<DraftOrderRequest>,
}

impl MyOrder {
    /// The entry for an accepted order.
    pub fn new(accepted: &OrderAccepted, product: Option<&Product>, now_ms: i64) -> MyOrder {
        MyOrder {
            order_id: accepted.order_id.clone(),
            token: accepted.token.clone(),
            product_zh: product.map(|p| p.name_zh.clone()).unwrap_or_default(),
            product_en: product.map(|p| p.name_en.clone()).unwrap_or_default(),
            created_ms: now_ms,
            draft: None,
        }
    }

    /// The same entry keeping the details as typed (for a reorder after a refusal).
    pub fn with_draft(self, draft: DraftOrderRequest) -> MyOrder {
        MyOrder {
            draft: Some(draft),
            ..self
        }
    }
}

/// The form to start a new order from a refused one: the details typed for it on this
/// device, else what the status page knows (the product, and the region as `省 市 区`). The
/// new attempt gets a new idempotency key, and the customer goes through every step again.
pub fn reorder_draft(
    typed: Option<DraftOrderRequest>,
    product_id: &str,
    region: &str,
) -> DraftOrderRequest {
    let mut draft = typed.unwrap_or_else(|| {
        let mut parts = region.split_whitespace().map(str::to_owned);
        DraftOrderRequest {
            province: parts.next().unwrap_or_default(),
            city: parts.next().unwrap_or_default(),
            district: parts.next().unwrap_or_default(),
            ..DraftOrderRequest::default()
        }
    });
    draft.product_id = product_id.to_owned();
    // Agreement is given for each order, never carried over; nor is a chosen number (the
    // refused order's is free again, or was the reason): the customer picks again.
    draft.consent = false;
    draft.number.clear();
    draft.hold_token.clear();
    draft
}

/// Drop what [`MyOrder::draft`] kept of `order_id` in `list`, returning it.
pub fn take_draft(list: &mut [MyOrder], order_id: &str) -> Option<DraftOrderRequest> {
    list.iter_mut()
        .find(|o| o.order_id == order_id)
        .and_then(|o| o.draft.take())
}

/// `order` first, then the others without it, at most [`MY_ORDERS_MAX`].
pub fn add_order(mut list: Vec<MyOrder>, order: MyOrder) -> Vec<MyOrder> {
    list.retain(|o| o.order_id != order.order_id);
    list.insert(0, order);
    list.truncate(MY_ORDERS_MAX);
    list
}

/// 32 lowercase hex characters from 16 random bytes.
pub fn hex_key(bytes: [u8; 16]) -> String {
    let key: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    debug_assert!(key.len() <= IDEMPOTENCY_KEY_MAX);
    key
}

/// A fresh idempotency key from the browser's CSPRNG (`crypto.getRandomValues`). Should that
/// be missing, the clock and `Math.random` still make a key unique enough for one browser.
pub fn new_idempotency_key() -> String {
    let mut bytes = [0u8; 16];
    let filled = window()
        .crypto()
        .and_then(|c| c.get_random_values_with_u8_array(&mut bytes))
        .is_ok();
    if !filled {
        let now = js_sys::Date::now().to_bits().to_le_bytes();
        let rnd = js_sys::Math::random().to_bits().to_le_bytes();
        bytes[..8].copy_from_slice(&now);
        bytes[8..].copy_from_slice(&rnd);
    }
    hex_key(bytes)
}

/// This browser's device id (random, made once and kept in `localStorage`), sent with
/// orders, pre-checks and lookups so the edge can budget one device apart from the others
/// behind the same address (a carrier NAT, a shop's Wi-Fi). `None` without storage.
pub fn device_id() -> Option<String> {
    let store = local()?;
    if let Some(id) = store.get_item(DEVICE_KEY).ok().flatten() {
        return Some(id);
    }
    let id = new_idempotency_key();
    store.set_item(DEVICE_KEY, &id).ok()?;
    Some(id)
}

fn session() -> Option<web_sys::Storage> {
    window().session_storage().ok().flatten()
}

fn local() -> Option<web_sys::Storage> {
    window().local_storage().ok().flatten()
}

fn load<T: DeserializeOwned>(store: Option<web_sys::Storage>, key: &str) -> Option<T> {
    let text = store?.get_item(key).ok().flatten()?;
    serde_json::from_str(&text).ok()
}

fn save<T: Serialize>(store: Option<web_sys::Storage>, key: &str, value: &T) {
    if let (Some(store), Ok(text)) = (store, serde_json::to_string(value)) {
        let _ = store.set_item(key, &text);
    }
}

/// The attempt in progress in this tab, if any.
pub fn load_attempt() -> Option<Attempt> {
    load(session(), ATTEMPT_KEY)
}

/// Keep the attempt in progress.
pub fn save_attempt(attempt: &Attempt) {
    save(session(), ATTEMPT_KEY, attempt);
}

/// Forget the attempt (its order was accepted).
pub fn clear_attempt() {
    if let Some(s) = session() {
        let _ = s.remove_item(ATTEMPT_KEY);
    }
}

/// The orders placed from this browser, newest first.
pub fn my_orders() -> Vec<MyOrder> {
    load(local(), ORDERS_KEY).unwrap_or_default()
}

/// Remember an accepted order.
pub fn remember_order(order: MyOrder) {
    save(local(), ORDERS_KEY, &add_order(my_orders(), order));
}

/// Take (and forget) the details kept for `order_id` on this device.
pub fn forget_draft(order_id: &str) -> Option<DraftOrderRequest> {
    let mut list = my_orders();
    let draft = take_draft(&mut list, order_id);
    if draft.is_some() {
        save(local(), ORDERS_KEY, &list);
    }
    draft
}

#[cfg(test)]
mod tests {
    use super::*;

    fn order(id: &str, at: i64) -> MyOrder {
        MyOrder {
            order_id: id.into(),
            token: "t".into(),
            product_zh: "星光流量卡".into(),
            product_en: "Xingguang data card".into(),
            created_ms: at,
            draft: None,
        }
    }

    #[test]
    fn a_reorder_starts_from_the_typed_details_or_from_what_the_status_page_knows() {
        let typed = DraftOrderRequest {
            name: "张三".into(),
            address: "先锋大楼".into(),
            product_id: "old".into(),
            number: "13800000001".into(),
            hold_token: "t".repeat(32),
            consent: true,
            ..DraftOrderRequest::default()
        };
        let again = reorder_draft(Some(typed), "2201", "天津市 天津市 和平区");
        // A number and agreement are chosen again for the new order.
        assert!(again.number.is_empty() && again.hold_token.is_empty() && !again.consent);
        assert_eq!(
            (again.name.as_str(), again.address.as_str()),
            ("张三", "先锋大楼")
        );
        assert_eq!(again.product_id, "2201");
        let bare = reorder_draft(None, "2201", "天津市 天津市 和平区");
        assert_eq!(
            (
                bare.province.as_str(),
                bare.city.as_str(),
                bare.district.as_str()
            ),
            ("天津市", "天津市", "和平区")
        );
        assert!(bare.name.is_empty() && bare.id_number.is_empty());
        // The details are kept once: taken for a reorder (or on shipping), they are gone.
        let mut list = vec![order("A", 1).with_draft(DraftOrderRequest::default())];
        assert!(take_draft(&mut list, "A").is_some());
        assert!(take_draft(&mut list, "A").is_none());
        assert!(take_draft(&mut list, "B").is_none());
        // An entry saved before drafts were kept still loads.
        let old =
            r#"[{"order_id":"A","token":"t","product_zh":"","product_en":"","created_ms":1}]"#;
        let back: Vec<MyOrder> = serde_json::from_str(old).unwrap_or_default();
        assert_eq!(back.len(), 1);
    }

    #[test]
    fn the_key_is_made_once_per_attempt() {
        let mut attempt = Attempt::default();
        let first = attempt.key_or_make(|| "a".repeat(32));
        let again = attempt.key_or_make(|| "b".repeat(32));
        assert_eq!(first, again);
        // A reload reads the same key back.
        let json = serde_json::to_string(&attempt).unwrap_or_default();
        let back: Attempt = serde_json::from_str(&json).unwrap_or_default();
        assert_eq!(back.key.as_deref(), Some(first.as_str()));
    }

    #[test]
    fn an_untouched_form_is_not_kept() {
        let mut attempt = Attempt::default();
        attempt.draft.product_id = "2188".into();
        assert!(attempt.is_blank());
        attempt.draft.name = "张".into();
        assert!(!attempt.is_blank());
        attempt.draft.name.clear();
        attempt.key = Some("k".into());
        assert!(!attempt.is_blank());
    }

    #[test]
    fn keys_are_32_hex() {
        let key = hex_key([0xab; 16]);
        assert_eq!(key.len(), 32);
        assert!(key.chars().all(|c| c.is_ascii_hexdigit()));
        assert_eq!(&key[..4], "abab");
    }

    #[test]
    fn my_orders_puts_the_newest_first_without_repeats() {
        let list = add_order(vec![order("A", 1), order("B", 2)], order("B", 3));
        let ids: Vec<_> = list.iter().map(|o| o.order_id.as_str()).collect();
        assert_eq!(ids, ["B", "A"]);
        let many = (0..30).fold(Vec::new(), |l, i| add_order(l, order(&i.to_string(), i)));
        assert_eq!(many.len(), MY_ORDERS_MAX);
        assert_eq!(many[0].order_id, "29");
    }

    #[test]
    fn an_old_attempt_without_a_key_still_loads() {
        let saved = r#"{"draft":{"product_id":"2188","name":"","mobile":"","id_number":"",
            "province":"","city":"","district":"","address":""}}"#;
        let back: Attempt = serde_json::from_str(saved).unwrap_or_default();
        assert_eq!(back.draft.product_id, "2188");
        assert_eq!(back.key, None);
    }
}
