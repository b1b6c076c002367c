//! The desktop → phone photo handoff's rules. A desktop without a camera (or whose user
//! prefers the phone) opens a handoff and shows its link as a QR code. The phone claims the
//! link once: the link's token is single-use and short-lived. The phone then uploads the
//! photos asked for with the upload token the claim returned. The desktop polls the handoff
//! with its own token and takes each photo as it arrives. Only keyed hashes of the three
//! tokens are stored ([`crate::crypto::lookup_hash`]); the state, the time checks, the
//! tokens' shape, the phone's link and its QR code are here, so the worker only reads and
//! writes rows.

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use haoka_shared::refusal::Refusal;
use qrcode::{EcLevel, QrCode, render::svg};

/// How long a handoff lives, from its creation, unless configured otherwise.
pub const DEFAULT_TTL_MS: i64 = 10 * 60 * 1000;

/// The photos, as the vendor's part names, in bit order.
pub const PARTS: [&str; 3] = ["face", "back", "hand"];

/// The longest lifetime a deployment may configure (an hour): the link is a bearer token on
/// a screen, so it must not live long.
pub const MAX_TTL_MS: i64 = 60 * 60 * 1000;

/// Random bytes in the QR link's token (128 bits: short enough for a small QR code).
pub const LINK_TOKEN_BYTES: usize = 16;
/// Random bytes in the desktop's and the upload tokens.
pub const TOKEN_BYTES: usize = 32;

/// A handoff as stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Handoff {
    /// Created, Unix ms.
    pub created_at_ms: i64,
    /// Expires, Unix ms: nothing is accepted from this instant on.
    pub expires_at_ms: i64,
    /// When the phone claimed the link, if it has.
    pub claimed_at_ms: Option<i64>,
    /// The photos asked for: bit `i` is [`PARTS`]`[i]` (see [`parts_mask`]).
    pub wanted: u8,
    /// The photos received, same bits.
    pub photos: u8,
}

/// The bit mask of photo parts named (each a [`PARTS`] name; duplicates are fine); `None` if
/// one is unknown or none is named.
pub fn parts_mask<S: AsRef<str>>(parts: &[S]) -> Option<u8> {
    let mut mask = 0u8;
    for part in parts {
        let bit = PARTS.iter().position(|p| *p == part.as_ref())?;
        mask |= 1 << bit;
    }
    (mask != 0).then_some(mask)
}

/// The part names of a mask, in [`PARTS`] order.
pub fn mask_parts(mask: u8) -> Vec<&'static str> {
    PARTS
        .iter()
        .enumerate()
        .filter(|(i, _)| mask & (1 << i) != 0)
        .map(|(_, p)| *p)
        .collect()
}

/// A token for the wire and the URL (URL-safe base64, no padding) from random bytes.
pub fn token(random: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(random)
}

/// Whether `s` has the shape of a token of `bytes` random bytes: anything else is refused
/// before a database lookup.
pub fn token_shape_ok(s: &str, bytes: usize) -> bool {
    s.len() == (bytes * 4).div_ceil(3)
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// The link the phone opens: the capture page in phone mode.
pub fn phone_url(public_base: &str, link_token: &str) -> String {
    format!(
        "{}/capture/?h={link_token}",
        public_base.trim_end_matches('/')
    )
}

/// The QR code of `text` as a standalone SVG document (black on white, with its quiet zone,
/// error correction M), or `None` if the text is too long for a QR code.
pub fn qr_svg(text: &str) -> Option<String> {
    let code = QrCode::with_error_correction_level(text.as_bytes(), EcLevel::M).ok()?;
    Some(
        code.render::<svg::Color<'_>>()
            .min_dimensions(240, 240)
            .quiet_zone(true)
            .build(),
    )
}

/// Why a handoff call is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HandoffError {
    /// Past its lifetime.
    Expired,
    /// The link was already opened (on this phone or another).
    AlreadyClaimed,
    /// Uploads need the claim first.
    NotClaimed,
    /// Not one of `face`, `back`, `hand`.
    UnknownPart,
}

impl HandoffError {
    /// The refusal the person holding the phone reads (status, code and words from the
    /// shared table).
    pub const fn refusal(self) -> Refusal {
        match self {
            HandoffError::Expired => Refusal::HandoffExpired,
            HandoffError::AlreadyClaimed => Refusal::HandoffClaimed,
            HandoffError::NotClaimed => Refusal::HandoffNotClaimed,
            HandoffError::UnknownPart => Refusal::HandoffUnknownPart,
        }
    }
}

impl Handoff {
    /// A new handoff at `now` for the photos of mask `wanted`, living `ttl_ms` (at least one
    /// second, at most [`MAX_TTL_MS`]).
    pub fn new(now: i64, ttl_ms: i64, wanted: u8) -> Handoff {
        Handoff {
            created_at_ms: now,
            expires_at_ms: now.saturating_add(ttl_ms.clamp(1000, MAX_TTL_MS)),
            claimed_at_ms: None,
            wanted: wanted & 0b111,
            photos: 0,
        }
    }

    fn live(&self, now: i64) -> Result<(), HandoffError> {
        if now >= self.expires_at_ms {
            Err(HandoffError::Expired)
        } else {
            Ok(())
        }
    }

    /// The phone opens the link: allowed once, before expiry.
    pub fn claim(self, now: i64) -> Result<Handoff, HandoffError> {
        self.live(now)?;
        if self.claimed_at_ms.is_some() {
            return Err(HandoffError::AlreadyClaimed);
        }
        Ok(Handoff {
            claimed_at_ms: Some(now),
            ..self
        })
    }

    /// The phone uploads photo `part` (a retake replaces it): after the claim, before expiry,
    /// and only a part asked for. Returns the part's bit with the new state.
    pub fn receive(self, part: &str, now: i64) -> Result<(Handoff, u8), HandoffError> {
        self.live(now)?;
        if self.claimed_at_ms.is_none() {
            return Err(HandoffError::NotClaimed);
        }
        let bit = parts_mask(&[part])
            .filter(|b| self.wanted & b != 0)
            .ok_or(HandoffError::UnknownPart)?;
        Ok((
            Handoff {
                photos: self.photos | bit,
                ..self
            },
            bit,
        ))
    }

    /// The parts received so far, in [`PARTS`] order.
    pub fn received(&self) -> Vec<&'static str> {
        mask_parts(self.photos)
    }

    /// Whether every photo asked for is in (the desktop then goes on by itself).
    pub fn complete(&self) -> bool {
        self.wanted != 0 && self.photos & self.wanted == self.wanted
    }

    /// Whether its photos may be purged: expired (the purge keeps nothing past the lifetime).
    pub fn purgeable(&self, now: i64) -> bool {
        self.live(now).is_err()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const T0: i64 = 1_700_000_000_000;

    #[test]
    fn the_link_is_claimed_once_and_then_takes_the_three_photos() {
        let h = Handoff::new(T0, DEFAULT_TTL_MS, 0b111);
        assert_eq!(h.receive("face", T0 + 1), Err(HandoffError::NotClaimed));
        let h = h.claim(T0 + 1000).unwrap();
        assert_eq!(h.claim(T0 + 2000), Err(HandoffError::AlreadyClaimed));
        let (h, bit) = h.receive("back", T0 + 3000).unwrap();
        assert_eq!(bit, 0b010);
        assert_eq!(h.received(), ["back"]);
        assert!(!h.complete());
        let (h, _) = h.receive("back", T0 + 3500).unwrap(); // a retake replaces it
        let (h, _) = h.receive("hand", T0 + 4000).unwrap();
        let (h, _) = h.receive("face", T0 + 5000).unwrap();
        assert_eq!(h.received(), ["face", "back", "hand"]);
        assert!(h.complete());
        assert_eq!(
            h.receive("selfie", T0 + 6000),
            Err(HandoffError::UnknownPart)
        );
    }

    #[test]
    fn nothing_is_accepted_from_the_expiry_instant_on() {
        let h = Handoff::new(T0, 60_000, 0b111);
        assert_eq!(h.claim(T0 + 60_000), Err(HandoffError::Expired));
        let claimed = h.claim(T0 + 59_999).unwrap();
        assert_eq!(
            claimed.receive("face", T0 + 60_000),
            Err(HandoffError::Expired)
        );
        assert!(!claimed.purgeable(T0 + 59_999));
        assert!(claimed.purgeable(T0 + 60_000));
        // A zero or negative lifetime still gives the phone a second.
        assert_eq!(Handoff::new(T0, -5, 1).expires_at_ms, T0 + 1000);
        assert_eq!(Handoff::new(T0, i64::MAX, 1).expires_at_ms, T0 + MAX_TTL_MS);
        assert_eq!(
            Handoff::new(i64::MAX - 10, DEFAULT_TTL_MS, 1).expires_at_ms,
            i64::MAX
        );
    }

    #[test]
    fn refusals_have_words_in_both_languages() {
        for e in [
            HandoffError::Expired,
            HandoffError::AlreadyClaimed,
            HandoffError::NotClaimed,
            HandoffError::UnknownPart,
        ] {
            let (zh, en) = (e.refusal().zh(), e.refusal().en());
            assert!(!zh.is_empty() && en.is_ascii() && !en.is_empty(), "{e:?}");
            assert!(e.refusal().is_handoff(), "{e:?}");
        }
    }

    #[test]
    fn only_the_photos_asked_for_are_taken_and_they_complete_it() {
        let mask = parts_mask(&["hand", "face", "hand"]).unwrap();
        assert_eq!(mask, 0b101);
        assert_eq!(mask_parts(mask), ["face", "hand"]);
        assert_eq!(parts_mask::<&str>(&[]), None);
        assert_eq!(parts_mask(&["face", "selfie"]), None);
        let h = Handoff::new(T0, DEFAULT_TTL_MS, mask).claim(T0).unwrap();
        assert_eq!(h.receive("back", T0), Err(HandoffError::UnknownPart));
        let (h, _) = h.receive("hand", T0).unwrap();
        assert!(!h.complete());
        let (h, _) = h.receive("face", T0).unwrap();
        assert!(h.complete());
        assert!(!Handoff::new(T0, DEFAULT_TTL_MS, 0).complete());
    }

    #[test]
    fn tokens_are_url_safe_and_anything_else_is_refused_by_shape() {
        let link = token(&[0xfb; LINK_TOKEN_BYTES]);
        assert_eq!(link.len(), 22);
        assert!(token_shape_ok(&link, LINK_TOKEN_BYTES));
        assert!(!link.contains(['+', '/', '=']));
        let desk = token(&[7; TOKEN_BYTES]);
        assert!(token_shape_ok(&desk, TOKEN_BYTES));
        assert!(!token_shape_ok(&desk, LINK_TOKEN_BYTES));
        assert!(!token_shape_ok("", LINK_TOKEN_BYTES));
        assert!(!token_shape_ok(
            &format!("{}%", &link[1..]),
            LINK_TOKEN_BYTES
        ));
        assert!(!token_shape_ok(&"é".repeat(11), LINK_TOKEN_BYTES));
    }

    #[test]
    fn the_qr_code_reads_back_as_the_phone_link() {
        let url = phone_url("https://haoka.example/", &token(&[42; LINK_TOKEN_BYTES]));
        assert_eq!(
            url,
            "https://haoka.example/capture/?h=KioqKioqKioqKioqKioqKg"
        );
        let svg = qr_svg(&url).unwrap();
        assert!(
            svg.starts_with("<?xml") && svg.contains("<svg") && svg.trim_end().ends_with("</svg>")
        );
        // Decode the same modules as an image with an independent reader.
        let code = QrCode::with_error_correction_level(url.as_bytes(), EcLevel::M).unwrap();
        let n = code.width();
        let colors = code.to_colors();
        let (scale, quiet) = (4, 4);
        let side = (n + 2 * quiet) * scale;
        let mut img = rqrr::PreparedImage::prepare_from_greyscale(side, side, |x, y| {
            let (mx, my) = (x / scale, y / scale);
            let dark = mx >= quiet
                && my >= quiet
                && mx < n + quiet
                && my < n + quiet
                && colors[(my - quiet) * n + (mx - quiet)] == qrcode::Color::Dark;
            if dark { 0 } else { 255 }
        });
        let grids = img.detect_grids();
        assert_eq!(grids.len(), 1);
        let (_, content) = grids[0].decode().unwrap();
        assert_eq!(content, url);
        assert!(qr_svg(&"x".repeat(5000)).is_none());
    }
}
