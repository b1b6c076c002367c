//! The seam between an order's life and the vendor that fulfils it: what the edge sends
//! ([`PushOrder`], [`Photos`]), what comes back ([`PushOutcome`], [`GetimgOutcome`], a status
//! [`Callback`]) in vendor-neutral terms, and the [`OrderVendor`] trait a vendor's module
//! implements (build a request, read a reply, read a callback; sans-IO). The order steps
//! (`orders`) and the worker only speak these; Xingguang's paths, field names and status words
//! stay in `xingguang.rs`. A second vendor is one module implementing the trait and one
//! [`VendorKind`] entry (`ORDER_VENDOR`).

use std::fmt;

use haoka_shared::{
    lifecycle::{RejectReason, VendorStatus},
    photo::sniff,
};

use crate::http::{FilePart, HttpRequest};

/// An order vendor, sans-IO.
pub trait OrderVendor {
    /// Its name in logs and configuration.
    fn name(&self) -> &'static str;
    /// The request that submits `order`.
    fn push_request(&self, order: &PushOrder<'_>) -> HttpRequest;
    /// What a submit's reply means.
    fn read_push(&self, status: u16, body: &[u8]) -> PushOutcome;
    /// The request that sends the photos of the vendor's order `vendor_order` again.
    fn photos_request(&self, vendor_order: &str, photos: &Photos) -> HttpRequest;
    /// What that reply means.
    fn read_photos(&self, status: u16, body: &[u8]) -> GetimgOutcome;
    /// A status callback's body.
    fn read_callback(&self, content_type: &str, body: &[u8]) -> Result<Callback, CallbackError>;
}

/// Which vendor fulfils orders (`ORDER_VENDOR`, default `xingguang`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VendorKind {
    /// Xingguang (`xingguang.rs`).
    Xingguang,
}

impl VendorKind {
    /// The kind named `name` (case-insensitive); `None` for a vendor this build lacks.
    pub fn parse(name: &str) -> Option<VendorKind> {
        match name.trim().to_ascii_lowercase().as_str() {
            "" | "xingguang" => Some(VendorKind::Xingguang),
            _ => None,
        }
    }
}

/// Where the vendor named `vendor` posts an order's status: `{public_base}/callbacks/{vendor}/
/// {api_xid}/{token}` (the token proves the path was ours to give; `crypto::callback_token`).
pub fn callback_url(public_base: &str, vendor: &str, api_xid: &str, token: &str) -> String {
    format!(
        "{}{CALLBACKS}{vendor}/{api_xid}/{token}",
        public_base.trim_end_matches('/')
    )
}

/// The callback paths' common prefix (RealMe's `/callbacks/realme` shares it).
pub const CALLBACKS: &str = "/callbacks/";

/// For a request to `path`: the order id and token of a status callback meant for the vendor
/// named `vendor`, or `None` when `path` is not one (another vendor's, or malformed).
pub fn callback_target<'a>(path: &'a str, vendor: &str) -> Option<(&'a str, &'a str)> {
    let rest = path
        .strip_prefix(CALLBACKS)?
        .strip_prefix(vendor)?
        .strip_prefix('/')?;
    let mut parts = rest.split('/');
    match (parts.next(), parts.next(), parts.next()) {
        (Some(xid), Some(token), None) if !xid.is_empty() && !token.is_empty() => {
            Some((xid, token))
        }
        _ => None,
    }
}

/// The three photos of a 三照 product: JPEG or PNG bytes, already checked with
/// `haoka_shared::photo::check_photo`.
#[derive(Clone, PartialEq, Eq)]
pub struct Photos {
    /// ID card, portrait side (`face`).
    pub face: Vec<u8>,
    /// ID card, national-emblem side (`back`).
    pub back: Vec<u8>,
    /// Half-body portrait (`hand`).
    pub hand: Vec<u8>,
}

impl Photos {
    /// The multipart files `face`, `back`, `hand`, each named and typed by its magic bytes
    /// (`face.jpg`, `image/jpeg`). Bytes that are neither JPEG nor PNG go as
    /// `application/octet-stream`, for the vendor to refuse.
    pub(crate) fn parts(&self) -> Vec<FilePart> {
        [
            ("face", &self.face),
            ("back", &self.back),
            ("hand", &self.hand),
        ]
        .into_iter()
        .map(|(name, bytes)| {
            let (ext, mime) = sniff(bytes).map_or(("bin", "application/octet-stream"), |k| {
                (k.extension(), k.mime())
            });
            FilePart {
                name: name.to_owned(),
                filename: format!("{name}.{ext}"),
                mime,
                bytes: bytes.clone(),
            }
        })
        .collect()
    }
}

impl fmt::Debug for Photos {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Photos")
            .field("face", &self.face.len())
            .field("back", &self.back.len())
            .field("hand", &self.hand.len())
            .finish()
    }
}

/// One order, as validated and stored by the edge. No `Debug`: it is personal data.
#[derive(Clone, Copy)]
pub struct PushOrder<'a> {
    /// `order_Name`: the customer's legal name.
    pub name: &'a str,
    /// `order_Phone`: the contact mobile, 11 digits.
    pub phone: &'a str,
    /// `order_IDCard`: the 18-character resident ID.
    pub id_number: &'a str,
    /// `order_Province`: province, city and district joined by single spaces.
    pub order_province: &'a str,
    /// `order_Address`: the street address (longer than four characters).
    pub address: &'a str,
    /// `api_xid`: our order number, minted once per order.
    pub api_xid: &'a str,
    /// `haoma`: the chosen number, empty for products without a number choice.
    pub haoma: &'a str,
    /// `pid`: the vendor's product id.
    pub pid: &'a str,
    /// `callbackurl`: our callback URL; not sent when empty.
    pub callback_url: &'a str,
    /// The three photos, sent with the order (multipart) when given.
    pub photos: Option<&'a Photos>,
}

/// What a `pushorder` reply means.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PushOutcome {
    /// The vendor has the order.
    Accepted {
        /// The vendor's order number (needed for `getimg`).
        apiorder: String,
        /// `apistatus` read; `Submitted` when the reply has none.
        status: VendorStatus,
        /// `apistatus` as sent (empty when absent).
        status_text: String,
    },
    /// The vendor refused the order.
    Rejected {
        /// The vendor's code.
        code: String,
        /// The vendor's `reason` (or `msg`), for the record; customers see `plain`.
        reason: String,
        /// `reason` in words a customer understands.
        plain: RejectReason,
    },
    /// Our credentials were refused (code 21 or HTTP 401): an operator's problem, not the
    /// customer's. The order is kept and resent once the configuration is fixed.
    CredentialsRefused {
        /// The vendor's words (for the log).
        reason: String,
    },
    /// No usable answer (5xx, unreadable, contradictory): the vendor may or may not have the
    /// order, so it is resent with the same `api_xid`, never failed.
    Unknown {
        /// For the log; describes the reply's shape, never quotes the body.
        why: String,
    },
}

/// What a `getimg` reply means.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GetimgOutcome {
    /// The vendor has the three photos.
    Delivered,
    /// The vendor refused them (e.g. code 400 "三张照片必须全部上传!", 404 unknown order).
    Refused {
        /// The vendor's code.
        code: String,
        /// The vendor's `msg` (for the record, not for customers).
        msg: String,
    },
    /// No usable answer: send again.
    Unknown {
        /// For the log.
        why: String,
    },
}

/// A status callback, read from its undocumented body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Callback {
    /// Our order number, when the body carries it (the URL carries it too).
    pub api_xid: Option<String>,
    /// The vendor's order number, when present.
    pub apiorder: Option<String>,
    /// The status as sent.
    pub status_text: String,
    /// The status read.
    pub status: VendorStatus,
    /// The vendor's reason (empty when none), for the record.
    pub reason: String,
    /// That reason in words a customer understands (read by the vendor's module).
    pub plain: RejectReason,
    /// Courier company, when shipped.
    pub express: Option<String>,
    /// Tracking number, when shipped.
    pub express_no: Option<String>,
}

/// Why a callback body could not be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum CallbackError {
    /// Longer than the vendor's callbacks can be.
    #[error("callback body longer than the vendor allows")]
    TooLarge,
    /// Neither a JSON object nor a form.
    #[error("callback body is neither a JSON object nor a form")]
    Unreadable,
    /// Readable, but no status field.
    #[error("callback body carries no status")]
    NoStatus,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::xingguang::{Credentials, Xingguang};

    fn vendor() -> Box<dyn OrderVendor> {
        Box::new(Xingguang {
            base_url: "http://127.0.0.1:9".into(),
            credentials: Credentials {
                api_user: "u".into(),
                api_key: "k".into(),
            },
        })
    }

    #[test]
    fn a_callback_path_names_its_vendor_and_carries_the_order_and_token() {
        let url = callback_url("https://haoka.example/", "xingguang", "HK1", "t0k");
        assert_eq!(url, "https://haoka.example/callbacks/xingguang/HK1/t0k");
        let path = url.trim_start_matches("https://haoka.example");
        assert_eq!(callback_target(path, "xingguang"), Some(("HK1", "t0k")));
        assert_eq!(callback_target(path, "acme"), None, "another vendor's path");
        for bad in [
            "/callbacks/xingguang/HK1",
            "/callbacks/xingguang/HK1/t0k/more",
            "/callbacks/xingguang//t0k",
            "/callbacks/xingguangx/HK1/t0k",
            "/callbacks/realme",
        ] {
            assert_eq!(callback_target(bad, "xingguang"), None, "{bad}");
        }
    }

    #[test]
    fn xingguang_is_the_default_and_unknown_vendors_are_refused() {
        assert_eq!(VendorKind::parse(""), Some(VendorKind::Xingguang));
        assert_eq!(
            VendorKind::parse(" XingGuang "),
            Some(VendorKind::Xingguang)
        );
        assert_eq!(VendorKind::parse("other"), None);
        assert_eq!(vendor().name(), "xingguang");
    }

    #[test]
    fn a_callback_arrives_in_neutral_terms() {
        let cb = vendor()
            .read_callback(
                "application/json",
                "{\"apistatus\":\"审核失败\",\"reason\":\"收货地址不支持\"}".as_bytes(),
            )
            .unwrap();
        assert_eq!(cb.status, VendorStatus::Rejected);
        assert_eq!(cb.plain, crate::xingguang::reason_of("收货地址不支持"));
    }

    #[test]
    fn replies_are_read_through_the_trait() {
        let v = vendor();
        assert!(matches!(v.read_push(503, b""), PushOutcome::Unknown { .. }));
        assert!(matches!(
            v.read_photos(503, b""),
            GetimgOutcome::Unknown { .. }
        ));
    }
}
