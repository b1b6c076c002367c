//! The capture page inside a frame: which photos it is asked for (`?photos=face,back`), and
//! the messages it posts to the page that opened it — same origin only, a finished photo as
//! a `Blob` (never a data URL), then "done" or "cancel".

use js_sys::{Object, Reflect};
use leptos::prelude::window;
use wasm_bindgen::JsValue;

use super::pipeline::Processed;
use crate::photo::PhotoSide;

/// The `type` of every message this page posts.
pub const MESSAGE_TYPE: &str = "haoka-capture";
/// The page's query parameter naming the photos to take.
pub const PHOTOS_QUERY: &str = "photos";
/// The page's query parameter carrying a handoff's QR link token (the phone's mode).
pub const HANDOFF_QUERY: &str = "h";

/// The photo part name of a side (`face`, `back`, `hand`).
pub fn part(side: PhotoSide) -> &'static str {
    match side {
        PhotoSide::Face => "face",
        PhotoSide::Back => "back",
        PhotoSide::Hand => "hand",
    }
}

/// The side named by a part name.
pub fn side_of(part: &str) -> Option<PhotoSide> {
    PhotoSide::ALL.into_iter().find(|s| self::part(*s) == part)
}

/// Parse a `photos` value: known parts, each once, in the order given; all three if none.
pub fn parse_sides(value: Option<&str>) -> Vec<PhotoSide> {
    let mut sides = Vec::new();
    for side in value.unwrap_or_default().split(',').filter_map(side_of) {
        if !sides.contains(&side) {
            sides.push(side);
        }
    }
    if sides.is_empty() {
        PhotoSide::ALL.to_vec()
    } else {
        sides
    }
}

/// What the capture page posted, as the page that opened it reads it.
pub enum Posted {
    /// A finished photo.
    Photo {
        /// Which photo it is (by its part name).
        side: Option<PhotoSide>,
        /// The JPEG.
        blob: web_sys::Blob,
        /// Its `QualityFlag` JSON (empty when it passed).
        flag: String,
    },
    /// The page is finished ("done") or was left ("cancel").
    Finished,
}

/// Read a message from the capture page; `None` for anything else, and for anything not
/// from this origin.
pub fn read_posted(e: &web_sys::MessageEvent) -> Option<Posted> {
    use wasm_bindgen::JsCast;
    let here = window().location().origin().unwrap_or_default();
    if e.origin() != here {
        return None;
    }
    let data = e.data();
    let field = |k: &str| Reflect::get(&data, &k.into()).ok();
    let text = |k: &str| field(k).and_then(|v| v.as_string()).unwrap_or_default();
    if text("type") != MESSAGE_TYPE {
        return None;
    }
    match text("event").as_str() {
        "photo" => Some(Posted::Photo {
            side: side_of(&text("side")),
            blob: field("blob")?.dyn_into::<web_sys::Blob>().ok()?,
            flag: text("flag"),
        }),
        "done" | "cancel" => Some(Posted::Finished),
        _ => None,
    }
}

fn query(name: &str) -> Option<String> {
    let search = window().location().search().unwrap_or_default();
    web_sys::UrlSearchParams::new_with_str(&search)
        .ok()
        .and_then(|q| q.get(name))
}

/// The photos this page was asked for.
pub fn requested_sides() -> Vec<PhotoSide> {
    parse_sides(query(PHOTOS_QUERY).as_deref())
}

/// The handoff link token, when a phone opened the page from a desktop's QR code.
pub fn handoff_link() -> Option<String> {
    query(HANDOFF_QUERY).filter(|t| !t.is_empty())
}

/// The `QualityFlag` JSON of a photo the person kept despite its problems after `retakes`
/// retakes; empty when it passed.
pub fn flag_json(done: &Processed, retakes: u32) -> String {
    done.assessment
        .accept_anyway(retakes)
        .and_then(|f| serde_json::to_string(&f).ok())
        .unwrap_or_default()
}

fn post(fields: &[(&str, JsValue)]) {
    let message = Object::new();
    let _ = Reflect::set(&message, &"type".into(), &MESSAGE_TYPE.into());
    for (k, v) in fields {
        let _ = Reflect::set(&message, &JsValue::from_str(k), v);
    }
    let w = window();
    let origin = w.location().origin().unwrap_or_default();
    if let Ok(Some(parent)) = w.parent() {
        let _ = parent.post_message(&message, &origin);
    }
}

/// Hand a finished photo to the opener: `{type, event: "photo", side, blob, width, height,
/// bytes, flag}` where `flag` is the `QualityFlag` JSON of problems the person chose to keep
/// after `retakes` retakes (empty when the photo passed).
pub fn post_photo(side: PhotoSide, done: &Processed, retakes: u32) {
    let size = (done.size.width, done.size.height);
    post_blob(
        side,
        &done.blob,
        size,
        done.bytes,
        &flag_json(done, retakes),
    );
}

/// Hand a finished photo to the opener from its parts (a photo the phone sent by handoff).
pub fn post_blob(side: PhotoSide, blob: &web_sys::Blob, size: (u32, u32), bytes: u64, flag: &str) {
    post(&[
        ("event", "photo".into()),
        ("side", part(side).into()),
        ("blob", blob.clone().into()),
        ("width", size.0.into()),
        ("height", size.1.into()),
        ("bytes", JsValue::from_f64(bytes as f64)),
        ("flag", flag.into()),
    ]);
}

/// All photos asked for were handed over.
pub fn post_done() {
    post(&[("event", "done".into())]);
}

/// The person closed the page without finishing.
pub fn post_cancel() {
    post(&[("event", "cancel".into())]);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn photos_query_names_known_parts_once_in_order() {
        assert_eq!(
            parse_sides(Some("back,face,back,x")),
            vec![PhotoSide::Back, PhotoSide::Face]
        );
        assert_eq!(parse_sides(Some("hand")), vec![PhotoSide::Hand]);
        assert_eq!(parse_sides(None), PhotoSide::ALL.to_vec());
        assert_eq!(parse_sides(Some("")), PhotoSide::ALL.to_vec());
    }
}
