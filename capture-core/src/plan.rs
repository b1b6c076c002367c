//! Sizing: how large the browser draws the upload copy and the analysis copy.
//!
//! Both are "fit within a long side": the aspect ratio is kept, an image is never upscaled,
//! and no side may exceed what iOS Safari can allocate for a canvas (4096 px a side and
//! 16,777,216 px in area; a larger canvas silently draws nothing). Degenerate inputs (0 or
//! 1 px, 100000 × 1) give a defined answer instead of a panic.

use serde::{Deserialize, Serialize};

/// Long side of the uploaded copy, in pixels.
///
/// Why 2048: an ID-1 card (85.6 × 54 mm) that fills ~80 % of a 2048 px frame is ~1600 px
/// wide, about 19 px/mm. The smallest glyphs on a resident ID card (issuing authority,
/// validity dates) are 1.5–2 mm tall, so they get 28–38 px, well above the ~10–12 px OCR
/// and a human reviewer need, while a 2048 × 1536 JPEG stays around 0.5–1 MiB at quality
/// 0.85, under the vendor's 2 MiB cap. Phone cameras (12 MP and up) are thereby always
/// downscaled; larger copies would cost upload time on mobile networks without adding
/// legibility.
pub const MAX_LONG_SIDE: u32 = 2048;

/// Long side of the grey copy the quality metrics run on.
///
/// 512 px keeps an ID card's text strokes (2–4 px wide at 2048) about 1 px wide, so blur is
/// still visible to the Laplacian, while the metrics cost ~0.2 M pixel visits.
pub const ANALYSIS_LONG_SIDE: u32 = 512;

/// iOS Safari's largest canvas side, in pixels.
pub const CANVAS_MAX_SIDE: u32 = 4096;

/// iOS Safari's largest canvas area, in pixels (4096 × 4096).
pub const CANVAS_MAX_AREA: u64 = 16_777_216;

/// Width and height of an image, in pixels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Size {
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
}

impl Size {
    /// A size of `width` × `height`.
    pub const fn new(width: u32, height: u32) -> Self {
        Self { width, height }
    }

    /// The longer side.
    pub const fn long_side(self) -> u32 {
        if self.width >= self.height {
            self.width
        } else {
            self.height
        }
    }

    /// The shorter side.
    pub const fn short_side(self) -> u32 {
        if self.width <= self.height {
            self.width
        } else {
            self.height
        }
    }

    /// Number of pixels (cannot overflow: computed in `u64`).
    pub const fn area(self) -> u64 {
        self.width as u64 * self.height as u64
    }

    /// Whether either side is zero (nothing to draw).
    pub const fn is_empty(self) -> bool {
        self.width == 0 || self.height == 0
    }
}

/// The largest size with `source`'s aspect ratio whose long side is at most `max_long_side`
/// (itself capped at [`CANVAS_MAX_SIDE`]) and whose area is at most [`CANVAS_MAX_AREA`];
/// never larger than `source`.
///
/// Sides are rounded to the nearest pixel and kept at least 1 (an extreme 100000 × 1 strip
/// becomes 2048 × 1). An empty source (a zero side) gives `0 × 0`; `max_long_side == 0` is
/// treated as 1.
pub fn fit_within(source: Size, max_long_side: u32) -> Size {
    if source.is_empty() {
        return Size::new(0, 0);
    }
    let limit = max_long_side.clamp(1, CANVAS_MAX_SIDE);
    let by_side = f64::from(limit) / f64::from(source.long_side());
    let by_area = (CANVAS_MAX_AREA as f64 / source.area() as f64).sqrt();
    let scale = by_side.min(by_area);
    if scale >= 1.0 {
        return source;
    }
    let rounded = Size::new(
        scale_side(source.width, scale, f64::round),
        scale_side(source.height, scale, f64::round),
    );
    if rounded.area() <= CANVAS_MAX_AREA {
        rounded
    } else {
        // Rounding both sides up can overshoot the area by a sliver; flooring cannot.
        Size::new(
            scale_side(source.width, scale, f64::floor),
            scale_side(source.height, scale, f64::floor),
        )
    }
}

/// The size to draw the upload copy at: [`fit_within`] [`MAX_LONG_SIDE`].
pub fn upload_size(source: Size) -> Size {
    fit_within(source, MAX_LONG_SIDE)
}

/// The size of the grey analysis copy: [`fit_within`] [`ANALYSIS_LONG_SIDE`].
pub fn analysis_size(source: Size) -> Size {
    fit_within(source, ANALYSIS_LONG_SIDE)
}

/// `size` shrunk by `factor` (clamped to `0..=1`; NaN counts as 1), sides rounded and kept
/// at least 1 px. Used by the JPEG search's last resort.
pub fn shrink(size: Size, factor: f64) -> Size {
    if size.is_empty() {
        return Size::new(0, 0);
    }
    let factor = if factor.is_nan() {
        1.0
    } else {
        factor.clamp(0.0, 1.0)
    };
    Size::new(
        scale_side(size.width, factor, f64::round),
        scale_side(size.height, factor, f64::round),
    )
}

/// `side × scale` rounded by `round`, within `1..=side` (float → int casts saturate).
fn scale_side(side: u32, scale: f64, round: fn(f64) -> f64) -> u32 {
    (round(f64::from(side) * scale) as u32).clamp(1, side.max(1))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn phone_photo_is_downscaled_to_2048_keeping_aspect() {
        assert_eq!(upload_size(Size::new(4032, 3024)), Size::new(2048, 1536));
        assert_eq!(upload_size(Size::new(3024, 4032)), Size::new(1536, 2048));
        assert_eq!(upload_size(Size::new(4000, 2250)), Size::new(2048, 1152));
    }

    #[test]
    fn small_images_are_never_upscaled() {
        assert_eq!(upload_size(Size::new(480, 300)), Size::new(480, 300));
        assert_eq!(upload_size(Size::new(2048, 10)), Size::new(2048, 10));
        assert_eq!(analysis_size(Size::new(300, 200)), Size::new(300, 200));
    }

    #[test]
    fn analysis_copy_has_a_512_long_side() {
        assert_eq!(analysis_size(Size::new(4032, 3024)), Size::new(512, 384));
        assert_eq!(analysis_size(Size::new(1600, 1000)), Size::new(512, 320));
    }

    #[test]
    fn empty_and_one_pixel_inputs_are_defined() {
        assert_eq!(upload_size(Size::new(0, 0)), Size::new(0, 0));
        assert_eq!(upload_size(Size::new(0, 5000)), Size::new(0, 0));
        assert_eq!(upload_size(Size::new(1, 1)), Size::new(1, 1));
        assert_eq!(upload_size(Size::new(1, 100_000)), Size::new(1, 2048));
        assert_eq!(upload_size(Size::new(100_000, 1)), Size::new(2048, 1));
        assert_eq!(fit_within(Size::new(640, 480), 0), Size::new(1, 1));
    }

    #[test]
    fn canvas_limits_hold_even_for_a_large_requested_side() {
        let s = fit_within(Size::new(u32::MAX, u32::MAX), u32::MAX);
        assert_eq!(s, Size::new(4096, 4096));
        let s = fit_within(Size::new(9000, 8000), 10_000);
        assert!(
            s.long_side() <= CANVAS_MAX_SIDE && s.area() <= CANVAS_MAX_AREA,
            "{s:?}"
        );
    }

    #[test]
    fn shrink_keeps_at_least_one_pixel_and_ignores_nonsense_factors() {
        assert_eq!(shrink(Size::new(2048, 1536), 0.5), Size::new(1024, 768));
        assert_eq!(shrink(Size::new(2048, 1536), 0.0), Size::new(1, 1));
        assert_eq!(
            shrink(Size::new(2048, 1536), f64::NAN),
            Size::new(2048, 1536)
        );
        assert_eq!(shrink(Size::new(2048, 1536), 7.0), Size::new(2048, 1536));
        assert_eq!(shrink(Size::new(0, 3), 0.5), Size::new(0, 0));
    }

    proptest! {
        #[test]
        fn fit_within_never_upscales_and_respects_limits(
            w in 0u32..200_000, h in 0u32..200_000, max in 0u32..10_000,
        ) {
            let src = Size::new(w, h);
            let out = fit_within(src, max);
            if src.is_empty() {
                prop_assert_eq!(out, Size::new(0, 0));
            } else {
                prop_assert!(out.width >= 1 && out.height >= 1);
                prop_assert!(out.width <= w && out.height <= h);
                prop_assert!(out.long_side() <= max.clamp(1, CANVAS_MAX_SIDE));
                prop_assert!(out.area() <= CANVAS_MAX_AREA);
                // Each side is the source side times one scale, to within a pixel.
                let limit = f64::from(max.clamp(1, CANVAS_MAX_SIDE));
                let scale = (limit / f64::from(src.long_side()))
                    .min((CANVAS_MAX_AREA as f64 / src.area() as f64).sqrt())
                    .min(1.0);
                for (got, side) in [(out.width, w), (out.height, h)] {
                    let want = (f64::from(side) * scale).max(1.0);
                    prop_assert!((f64::from(got) - want).abs() <= 1.0, "{src:?} -> {out:?}");
                }
            }
        }
    }
}
