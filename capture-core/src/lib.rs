//! haoka-capture-core: what the photo capture decides, with no browser and no I/O (sans-IO).
//!
//! The frontend (Leptos CSR, compiled to wasm) takes a photo from the camera or a file, lets
//! the browser decode it, draws a downscaled copy on a canvas and hands this crate plain RGBA
//! bytes and numbers. This crate answers:
//!
//! - [`plan`]: how large to draw the upload copy ([`plan::MAX_LONG_SIDE`], within the iOS
//!   canvas limits) and the small analysis copy.
//! - [`gray`]: RGBA → grey analysis copy (area-averaging downscale, BT.601 luma).
//! - [`quality`]: blur, exposure, glare and size checks per photo slot (人像面, 国徽面,
//!   半身照) with their thresholds in one table, plain-words problems (Chinese first), and the
//!   retake policy (after two retakes the customer may continue; the photo is flagged).
//! - [`face`]: whether the half-length portrait shows a face where one belongs (the browser's
//!   face detector where there is one, else a skin-colour model), so an ID card shot as the
//!   portrait is refused.
//! - [`viewfinder`]: where the framing guide goes over the camera's whole frame (the saved
//!   photo is exactly the frame the viewfinder shows).
//! - [`encode`]: the JPEG quality search the browser drives (≤ 3 encodes normally, the result
//!   never over the 2 MiB cap).
//! - [`mod@sniff`]: image formats from their first bytes (HEIC is recognised so the page can say
//!   why it cannot be read) and a defensive EXIF orientation reader for diagnostics.
//!
//! Everything is plain integer/float math, never panics on any input and is tested natively:
//! `cargo test -p haoka-capture-core`.

pub mod dims;
pub mod encode;
pub mod face;
pub mod gray;
pub mod plan;
pub mod quality;
pub mod sniff;
pub mod viewfinder;

pub use encode::{EncodeRequest, QualitySearch, Step};
pub use face::{FaceFinding, FaceMethod};
pub use gray::{GrayError, GrayImage, rgba_to_gray};
pub use plan::Size;
pub use quality::{
    Assessment, Metrics, PhotoSlot, Problem, QualityFlag, QualityFlags, assess, measure,
};
pub use sniff::{ImageFormat, jpeg_exif_orientation, sniff};

/// A sentence for the customer, in Chinese (shown first) and English.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Message {
    /// Simplified Chinese.
    pub zh: &'static str,
    /// English.
    pub en: &'static str,
}
