//! The desktop → phone photo handoff's rules (issue 7; the endpoints come next). A desktop
//! without a camera opens a handoff and shows its link as a QR code. The phone claims the
//! link once: the link's token is single-use and short-lived. The phone then uploads the three
//! photos with the upload token the claim returned. The desktop polls the handoff and takes
//! each photo as it arrives. Only keyed hashes of the tokens are stored
//! ([`crate::crypto::lookup_hash`]); the state and the time checks are here, so the worker
//! only reads and writes rows.

/// How long a handoff lives, from its creation, unless configured otherwise.
pub const DEFAULT_TTL_MS: i64 = 10 * 60 * 1000;

/// The photos, as the vendor's part names, in bit order.
pub const PARTS: [&str; 3] = ["face", "back", "hand"];

/// A handoff as stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Handoff {
    /// Created, Unix ms.
    pub created_at_ms: i64,
    /// Expires, Unix ms: nothing is accepted from this instant on.
    pub expires_at_ms: i64,
    /// When the phone claimed the link, if it has.
    pub claimed_at_ms: Option<i64>,
    /// The photos received: bit `i` is [`PARTS`]`[i]`.
    pub photos: u8,
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
    /// Words for the person holding the phone (Chinese, English).
    pub fn message(self) -> (&'static str, &'static str) {
        match self {
            HandoffError::Expired => (
                "二维码已过期，请在电脑上重新生成",
                "This QR code has expired; make a new one on the computer",
            ),
            HandoffError::AlreadyClaimed => (
                "二维码已被使用，请在电脑上重新生成",
                "This QR code was already used; make a new one on the computer",
            ),
            HandoffError::NotClaimed | HandoffError::UnknownPart => (
                "链接无效，请重新扫描电脑上的二维码",
                "This link is not valid; scan the QR code on the computer again",
            ),
        }
    }
}

impl Handoff {
    /// A new handoff at `now` living `ttl_ms` (at least one second).
    pub fn new(now: i64, ttl_ms: i64) -> Handoff {
        Handoff {
            created_at_ms: now,
            expires_at_ms: now.saturating_add(ttl_ms.max(1000)),
            claimed_at_ms: None,
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

    /// The phone uploads photo `part` (a retake replaces it): after the claim, before expiry.
    pub fn receive(self, part: &str, now: i64) -> Result<Handoff, HandoffError> {
        self.live(now)?;
        if self.claimed_at_ms.is_none() {
            return Err(HandoffError::NotClaimed);
        }
        let bit = PARTS
            .iter()
            .position(|p| *p == part)
            .ok_or(HandoffError::UnknownPart)?;
        Ok(Handoff {
            photos: self.photos | 1 << bit,
            ..self
        })
    }

    /// The parts received so far, in [`PARTS`] order.
    pub fn received(&self) -> Vec<&'static str> {
        PARTS
            .iter()
            .enumerate()
            .filter(|(i, _)| self.photos & (1 << i) != 0)
            .map(|(_, p)| *p)
            .collect()
    }

    /// Whether all three photos are in (the desktop then goes on by itself).
    pub fn complete(&self) -> bool {
        self.photos & 0b111 == 0b111
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
        let h = Handoff::new(T0, DEFAULT_TTL_MS);
        assert_eq!(h.receive("face", T0 + 1), Err(HandoffError::NotClaimed));
        let h = h.claim(T0 + 1000).unwrap();
        assert_eq!(h.claim(T0 + 2000), Err(HandoffError::AlreadyClaimed));
        let h = h.receive("back", T0 + 3000).unwrap();
        assert_eq!(h.received(), ["back"]);
        assert!(!h.complete());
        let h = h.receive("back", T0 + 3500).unwrap(); // a retake replaces it
        let h = h.receive("hand", T0 + 4000).unwrap();
        let h = h.receive("face", T0 + 5000).unwrap();
        assert_eq!(h.received(), ["face", "back", "hand"]);
        assert!(h.complete());
        assert_eq!(
            h.receive("selfie", T0 + 6000),
            Err(HandoffError::UnknownPart)
        );
    }

    #[test]
    fn nothing_is_accepted_from_the_expiry_instant_on() {
        let h = Handoff::new(T0, 60_000);
        assert_eq!(h.claim(T0 + 60_000), Err(HandoffError::Expired));
        let claimed = h.claim(T0 + 59_999).unwrap();
        assert_eq!(
            claimed.receive("face", T0 + 60_000),
            Err(HandoffError::Expired)
        );
        assert!(!claimed.purgeable(T0 + 59_999));
        assert!(claimed.purgeable(T0 + 60_000));
        // A zero or negative lifetime still gives the phone a second.
        assert_eq!(Handoff::new(T0, -5).expires_at_ms, T0 + 1000);
        assert_eq!(
            Handoff::new(i64::MAX - 10, DEFAULT_TTL_MS).expires_at_ms,
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
            let (zh, en) = e.message();
            assert!(!zh.is_empty() && en.is_ascii() && !en.is_empty(), "{e:?}");
        }
    }
}
