//! The three photos (三照) a product may need, as the capture page ([`crate::capture`]) hands
//! them over: a JPEG kept, with its thumbnail, until it is sent. The file itself stays in the
//! browser (never in wasm memory or storage).

use haoka_shared::{Field, FieldIssue, ValidationError, photo::PhotoKind};
use leptos::prelude::*;
use send_wrapper::SendWrapper;

/// Which of the three photos.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PhotoSide {
    /// 身份证人像面 (part `face`).
    Face,
    /// 身份证国徽面 (part `back`).
    Back,
    /// 半身照 (part `hand`).
    Hand,
}

impl PhotoSide {
    /// All three, in the order the vendor wants them (`face`, `back`, `hand`).
    pub const ALL: [PhotoSide; 3] = [PhotoSide::Face, PhotoSide::Back, PhotoSide::Hand];

    /// The form field the edge names in its errors for this photo.
    pub fn field(self) -> Field {
        match self {
            PhotoSide::Face => Field::PhotoFace,
            PhotoSide::Back => Field::PhotoBack,
            PhotoSide::Hand => Field::PhotoHand,
        }
    }

    /// The element id of its file input (`photo-face`, …).
    pub fn input_id(self) -> &'static str {
        match self {
            PhotoSide::Face => "photo-face",
            PhotoSide::Back => "photo-back",
            PhotoSide::Hand => "photo-hand",
        }
    }

    /// Label (Chinese, English).
    pub fn label(self) -> (&'static str, &'static str) {
        match self {
            PhotoSide::Face => ("身份证人像面", "ID card, photo side"),
            PhotoSide::Back => ("身份证国徽面", "ID card, emblem side"),
            PhotoSide::Hand => ("半身照", "Half-length photo of you"),
        }
    }

    /// "Not taken yet", naming this photo (code `required`, so the edge's word matches).
    pub fn missing(self) -> FieldIssue {
        let (zh, en) = match self {
            PhotoSide::Face => (
                "还没有拍人像面（有照片的一面）",
                "The photo side is not taken yet",
            ),
            PhotoSide::Back => (
                "还没有拍国徽面（有有效期的一面）",
                "The emblem side (with the dates) is not taken yet",
            ),
            PhotoSide::Hand => ("还没有拍本人半身照", "The photo of you is not taken yet"),
        };
        FieldIssue {
            message_zh: zh.into(),
            message_en: en.into(),
            ..ValidationError::Required.for_field(self.field())
        }
    }
}

/// A picked file that passed the check.
#[derive(Debug, Clone)]
pub struct ChosenPhoto {
    /// The browser's file (sent as is).
    pub file: SendWrapper<web_sys::File>,
    /// Its format, from its bytes.
    pub kind: PhotoKind,
    /// An object URL for the thumbnail; revoked when the photo is dropped ([`PhotoSlot::set`]).
    pub url: String,
    /// The quality problems the customer chose to keep: capture-core's `QualityFlag` JSON,
    /// empty when the photo passed its checks.
    pub flag: String,
}

/// Keep a photo the capture page made (a JPEG `Blob`) as the file to send, with a thumbnail.
pub fn from_capture(side: PhotoSide, blob: &web_sys::Blob, flag: String) -> Option<ChosenPhoto> {
    let kind = PhotoKind::Jpeg;
    let parts = js_sys::Array::of1(blob);
    let options = web_sys::FilePropertyBag::new();
    options.set_type(kind.mime());
    let name = format!("{}.{}", side.input_id(), kind.extension());
    let file = web_sys::File::new_with_blob_sequence_and_options(&parts, &name, &options).ok()?;
    let url = web_sys::Url::create_object_url_with_blob(&file).unwrap_or_default();
    Some(ChosenPhoto {
        file: SendWrapper::new(file),
        kind,
        url,
        flag,
    })
}

/// One photo's state.
#[derive(Debug, Clone, Default)]
pub enum PhotoState {
    /// Nothing picked yet.
    #[default]
    Empty,
    /// Being read and checked.
    Reading,
    /// Good to send.
    Ready(ChosenPhoto),
    /// Refused here or by the edge; the customer picks another.
    Refused(FieldIssue),
}

/// One photo slot: its state as a signal, which releases its thumbnail URL when replaced.
#[derive(Debug, Clone, Copy)]
pub struct PhotoSlot(pub RwSignal<PhotoState>);

impl PhotoSlot {
    /// Replace the state, revoking the old thumbnail's object URL.
    pub fn set(self, next: PhotoState) {
        if let Some(PhotoState::Ready(old)) = self.0.try_get_untracked() {
            let _ = web_sys::Url::revoke_object_url(&old.url);
        }
        self.0.set(next);
    }
}

/// The three photos of one order.
#[derive(Debug, Clone, Copy)]
pub struct PhotoSet {
    /// Slots in [`PhotoSide::ALL`] order.
    pub slots: [PhotoSlot; 3],
}

impl PhotoSet {
    /// Three empty slots; their thumbnails are released when the owner is cleaned up.
    pub fn new() -> PhotoSet {
        let set = PhotoSet {
            slots: PhotoSide::ALL.map(|_| PhotoSlot(RwSignal::new(PhotoState::Empty))),
        };
        on_cleanup(move || set.release());
        set
    }

    /// The slot of one side.
    pub fn slot(self, side: PhotoSide) -> PhotoSlot {
        match side {
            PhotoSide::Face => self.slots[0],
            PhotoSide::Back => self.slots[1],
            PhotoSide::Hand => self.slots[2],
        }
    }

    /// All three photos when every one is ready (not tracked: for handlers).
    pub fn ready(self) -> Option<[ChosenPhoto; 3]> {
        let [a, b, c] = self.slots.map(|s| match s.0.get_untracked() {
            PhotoState::Ready(p) => Some(p),
            _ => None,
        });
        Some([a?, b?, c?])
    }

    /// Mark empty slots as required, so the customer sees which are missing.
    pub fn require_all(self) {
        for side in PhotoSide::ALL {
            let slot = self.slot(side);
            if matches!(slot.0.get_untracked(), PhotoState::Empty) {
                slot.set(PhotoState::Refused(side.missing()));
            }
        }
    }

    /// Show the edge's verdict on photos under the right inputs; true if any was about a photo.
    pub fn refuse(self, issues: &[FieldIssue]) -> bool {
        let mut any = false;
        for side in PhotoSide::ALL {
            if let Some(issue) = issues.iter().find(|i| i.field == side.field()) {
                self.slot(side).set(PhotoState::Refused(issue.clone()));
                any = true;
            }
        }
        any
    }

    /// Forget all three (after they were delivered).
    pub fn clear(self) {
        for slot in self.slots {
            slot.set(PhotoState::Empty);
        }
    }

    /// Release the thumbnails' object URLs without touching the view (the page is going away).
    fn release(self) {
        for slot in self.slots {
            if let Some(PhotoState::Ready(p)) = slot.0.try_get_untracked() {
                let _ = web_sys::Url::revoke_object_url(&p.url);
            }
        }
    }
}

impl Default for PhotoSet {
    fn default() -> Self {
        PhotoSet::new()
    }
}
