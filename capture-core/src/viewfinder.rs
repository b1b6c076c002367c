//! The viewfinder shows what is saved: the camera's whole frame, in a box of the frame's own
//! aspect ratio, with the framing guide placed in the frame's coordinates.
//!
//! Why the whole frame rather than a crop to a fixed 3:4 box: the saved photo is the whole
//! frame (the ID card's text keeps every pixel the camera gave; a 3:4 crop of a 16:9 frame
//! would throw away more than half of them), and a customer who lines the card up with the
//! guide sees exactly the edges the photo will have — nothing they framed is cut off later,
//! and nothing outside what they saw is added. The box takes the frame's aspect ratio (its
//! width is capped so its height stays within the screen), so there are no black bars.
//!
//! The guide is drawn in an SVG whose view box is [`VIEW_WIDTH`] wide and as high as the
//! frame's aspect ratio makes it ([`view_box`]); the guide's design (an ID-1 card, or a head
//! and shoulders in a 100 × 133 box) is moved and scaled into it by [`placement`].

use crate::plan::Size;

/// The view box's width; its height follows the frame ([`view_box`]).
pub const VIEW_WIDTH: f64 = 100.0;

/// The share of the frame's width (or height, when that is the tighter side) the card guide
/// spans: room at the edges for a hand holding the card.
pub const CARD_SPAN: f64 = 0.9;

/// An ID-1 card's width ÷ height (85.6 × 54 mm).
pub const CARD_ASPECT: f64 = 85.6 / 54.0;

/// The frame shown before the camera reports its size, and on the example beside the advice:
/// 3:4, a phone held upright.
pub const DEFAULT_FRAME: Size = Size::new(3, 4);

/// Which guide.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Guide {
    /// An ID card outline, designed as the rectangle [`CARD_DESIGN`].
    Card,
    /// A head and shoulders outline, designed in [`PORTRAIT_DESIGN`].
    Portrait,
}

/// A rectangle in view box units: left, top, width, height.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rect {
    /// Left edge.
    pub x: f64,
    /// Top edge.
    pub y: f64,
    /// Width.
    pub width: f64,
    /// Height.
    pub height: f64,
}

/// The card guide as designed (the card's details are drawn relative to it).
pub const CARD_DESIGN: Rect = Rect {
    x: 5.0,
    y: 38.0,
    width: 90.0,
    height: 90.0 / CARD_ASPECT,
};

/// The head-and-shoulders guide's design box (a 3:4 portrait frame).
pub const PORTRAIT_DESIGN: Rect = Rect {
    x: 0.0,
    y: 0.0,
    width: 100.0,
    height: 133.0,
};

/// The view box of `frame`: [`VIEW_WIDTH`] wide, as high as the frame's aspect ratio makes
/// it; [`DEFAULT_FRAME`]'s for an empty frame.
pub fn view_box(frame: Size) -> (f64, f64) {
    let frame = if frame.is_empty() {
        DEFAULT_FRAME
    } else {
        frame
    };
    (
        VIEW_WIDTH,
        VIEW_WIDTH * f64::from(frame.height) / f64::from(frame.width),
    )
}

/// How the guide's design is placed: `design × scale + (dx, dy)`, in view box units.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Placement {
    /// The scale.
    pub scale: f64,
    /// The horizontal shift.
    pub dx: f64,
    /// The vertical shift.
    pub dy: f64,
}

impl Placement {
    /// Where a design rectangle ends up.
    pub fn apply(self, r: Rect) -> Rect {
        Rect {
            x: r.x * self.scale + self.dx,
            y: r.y * self.scale + self.dy,
            width: r.width * self.scale,
            height: r.height * self.scale,
        }
    }

    /// As an SVG `transform` attribute.
    pub fn transform(self) -> String {
        format!(
            "translate({:.3} {:.3}) scale({:.4})",
            self.dx, self.dy, self.scale
        )
    }
}

/// Where `guide` goes over `frame`, centred: the card spans [`CARD_SPAN`] of the frame's
/// width, or of its height when the frame is too wide for that; the portrait's design box is
/// fitted whole into the frame (a landscape frame gets a smaller head outline, as the person
/// would appear smaller in it).
pub fn placement(frame: Size, guide: Guide) -> Placement {
    let (vw, vh) = view_box(frame);
    let design = match guide {
        Guide::Card => CARD_DESIGN,
        Guide::Portrait => PORTRAIT_DESIGN,
    };
    let span = match guide {
        Guide::Card => CARD_SPAN,
        Guide::Portrait => 1.0,
    };
    let scale = (vw * span / design.width).min(vh * span / design.height);
    Placement {
        scale,
        dx: (vw - design.width * scale) / 2.0 - design.x * scale,
        dy: (vh - design.height * scale) / 2.0 - design.y * scale,
    }
}

/// The CSS `aspect-ratio` of the viewfinder for `frame` (`"2560 / 1440"`); the default
/// frame's for an empty one.
pub fn aspect_ratio(frame: Size) -> String {
    let frame = if frame.is_empty() {
        DEFAULT_FRAME
    } else {
        frame
    };
    format!("{} / {}", frame.width, frame.height)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-9
    }

    #[test]
    fn the_view_box_has_the_frames_aspect_ratio() {
        assert_eq!(view_box(Size::new(2560, 1440)), (100.0, 56.25));
        assert_eq!(view_box(Size::new(1440, 2560)).1, 100.0 * 2560.0 / 1440.0);
        assert_eq!(view_box(Size::new(0, 0)), view_box(DEFAULT_FRAME));
        assert_eq!(aspect_ratio(Size::new(2560, 1440)), "2560 / 1440");
        assert_eq!(aspect_ratio(Size::new(0, 5)), "3 / 4");
    }

    #[test]
    fn the_card_guide_is_centred_card_shaped_and_inside_the_frame() {
        for frame in [
            Size::new(2560, 1440),
            Size::new(1440, 2560),
            Size::new(3, 4),
            Size::new(1000, 1000),
            Size::new(4000, 1000),
        ] {
            let (vw, vh) = view_box(frame);
            let card = placement(frame, Guide::Card).apply(CARD_DESIGN);
            assert!(close(card.width / card.height, CARD_ASPECT), "{frame:?}");
            assert!(close(card.x + card.width / 2.0, vw / 2.0), "{frame:?}");
            assert!(close(card.y + card.height / 2.0, vh / 2.0), "{frame:?}");
            // One side spans exactly 90 %, the other at most.
            let spans = (card.width / vw, card.height / vh);
            assert!(spans.0 <= CARD_SPAN + 1e-9 && spans.1 <= CARD_SPAN + 1e-9);
            assert!(
                close(spans.0.max(spans.1), CARD_SPAN),
                "{frame:?}: {spans:?}"
            );
        }
        // Upright phone: width-limited, as the old fixed 3:4 design drew it.
        let upright = placement(Size::new(3, 4), Guide::Card);
        assert!(close(upright.scale, 1.0) && close(upright.dx, 0.0));
        // 16:9 landscape: 90 % of the height, 80 % of the width.
        let wide = placement(Size::new(2560, 1440), Guide::Card).apply(CARD_DESIGN);
        assert!(close(wide.height, 0.9 * 56.25));
        assert!((wide.width / 100.0 - 0.80).abs() < 0.01, "{wide:?}");
    }

    #[test]
    fn the_portrait_guide_fits_whole_and_centred() {
        let wide = placement(Size::new(2560, 1440), Guide::Portrait);
        let r = wide.apply(PORTRAIT_DESIGN);
        assert!(close(r.height, 56.25) && close(r.y, 0.0), "{r:?}");
        assert!(close(r.x + r.width / 2.0, 50.0), "{r:?}");
        let tall = placement(Size::new(1440, 2560), Guide::Portrait).apply(PORTRAIT_DESIGN);
        assert!(close(tall.width, 100.0) && close(tall.x, 0.0), "{tall:?}");
        assert!(close(
            tall.y + tall.height / 2.0,
            view_box(Size::new(1440, 2560)).1 / 2.0
        ));
    }

    #[test]
    fn the_transform_reads_as_svg() {
        let p = Placement {
            scale: 0.5,
            dx: 1.0,
            dy: -2.25,
        };
        assert_eq!(p.transform(), "translate(1.000 -2.250) scale(0.5000)");
    }
}
