//! The grey analysis copy: RGBA bytes from a canvas → an area-averaged, downscaled 8-bit
//! luma image (ITU-R BT.601 weights), the input of [`crate::quality::measure`].

use crate::plan::{Size, fit_within};

/// Why RGBA bytes could not be turned into a grey image.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GrayError {
    /// Width or height is zero.
    Empty,
    /// `width × height × channels` does not fit in memory (`usize` overflow).
    TooLarge,
    /// The buffer is not `width × height × channels` bytes long.
    LengthMismatch {
        /// The length the dimensions call for.
        expected: usize,
        /// The length that was passed.
        actual: usize,
    },
}

impl std::fmt::Display for GrayError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            GrayError::Empty => f.write_str("the image has no pixels"),
            GrayError::TooLarge => f.write_str("the image dimensions overflow"),
            GrayError::LengthMismatch { expected, actual } => {
                write!(f, "expected {expected} bytes of pixels, got {actual}")
            }
        }
    }
}

impl std::error::Error for GrayError {}

/// An 8-bit grey image, row-major, one byte a pixel; never empty.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GrayImage {
    width: u32,
    height: u32,
    pixels: Vec<u8>,
}

impl GrayImage {
    /// Wrap `pixels` (row-major luma, `width × height` bytes).
    pub fn from_luma(width: u32, height: u32, pixels: Vec<u8>) -> Result<Self, GrayError> {
        let expected = checked_len(width, height, 1)?;
        if pixels.len() != expected {
            return Err(GrayError::LengthMismatch {
                expected,
                actual: pixels.len(),
            });
        }
        Ok(Self {
            width,
            height,
            pixels,
        })
    }

    /// Width in pixels (≥ 1).
    pub fn width(&self) -> u32 {
        self.width
    }

    /// Height in pixels (≥ 1).
    pub fn height(&self) -> u32 {
        self.height
    }

    /// Width and height.
    pub fn size(&self) -> Size {
        Size::new(self.width, self.height)
    }

    /// The luma bytes, row-major, `width × height` long.
    pub fn pixels(&self) -> &[u8] {
        &self.pixels
    }
}

/// `width × height × channels` as a `usize`, or why not.
fn checked_len(width: u32, height: u32, channels: usize) -> Result<usize, GrayError> {
    if width == 0 || height == 0 {
        return Err(GrayError::Empty);
    }
    usize::try_from(width)
        .ok()
        .and_then(|w| usize::try_from(height).ok().and_then(|h| w.checked_mul(h)))
        .and_then(|n| n.checked_mul(channels))
        .ok_or(GrayError::TooLarge)
}

/// BT.601 luma weights scaled by 256 (0.299, 0.587, 0.114 → 77, 150, 29; they sum to 256,
/// so white stays 255).
const LUMA_R: u32 = 77;
const LUMA_G: u32 = 150;
const LUMA_B: u32 = 29;

/// Convert canvas RGBA bytes (`width × height × 4`, as `getImageData` returns them) to grey,
/// downscaled by area averaging so the long side is at most `max_long_side` (never upscaled;
/// see [`fit_within`]).
///
/// Each source pixel lands in exactly one destination pixel (integer bins of ⌊sw/dw⌋ or
/// ⌈sw/dw⌉ columns, likewise rows) and each destination pixel is the rounded mean of its
/// bin's luma. Alpha is ignored: photos drawn on a canvas are opaque.
pub fn rgba_to_gray(
    rgba: &[u8],
    width: u32,
    height: u32,
    max_long_side: u32,
) -> Result<GrayImage, GrayError> {
    let expected = checked_len(width, height, 4)?;
    if rgba.len() != expected {
        return Err(GrayError::LengthMismatch {
            expected,
            actual: rgba.len(),
        });
    }
    let dst = fit_within(Size::new(width, height), max_long_side);
    let (sw, sh) = (u64::from(width), u64::from(height));
    let (dw, dh) = (u64::from(dst.width), u64::from(dst.height));
    // Destination column of each source column; bins are contiguous since dw ≤ sw.
    let col_bin: Vec<usize> = (0..sw).map(|x| (x * dw / sw) as usize).collect();
    let mut cols_per_bin = vec![0u64; dst.width as usize];
    for &b in &col_bin {
        if let Some(c) = cols_per_bin.get_mut(b) {
            *c += 1;
        }
    }
    let mut pixels = Vec::with_capacity(dst.area() as usize);
    let mut acc = vec![0u64; dst.width as usize];
    let mut rows_in_bin = 0u64;
    let mut current_bin = 0u64;
    let row_bytes = (width as usize).saturating_mul(4).max(4);
    for (y, row) in (0..sh).zip(rgba.chunks_exact(row_bytes)) {
        let bin = y * dh / sh;
        if bin != current_bin {
            flush(&mut acc, &cols_per_bin, rows_in_bin, &mut pixels);
            current_bin = bin;
            rows_in_bin = 0;
        }
        rows_in_bin += 1;
        for (px, &b) in row.chunks_exact(4).zip(&col_bin) {
            if let ([r, g, bl, _], Some(a)) = (px, acc.get_mut(b)) {
                *a += u64::from(
                    LUMA_R * u32::from(*r) + LUMA_G * u32::from(*g) + LUMA_B * u32::from(*bl),
                );
            }
        }
    }
    flush(&mut acc, &cols_per_bin, rows_in_bin, &mut pixels);
    GrayImage::from_luma(dst.width, dst.height, pixels)
}

/// Append one destination row (bin means, rounded) and clear the accumulators.
fn flush(acc: &mut [u64], cols_per_bin: &[u64], rows: u64, out: &mut Vec<u8>) {
    for (a, &cols) in acc.iter_mut().zip(cols_per_bin) {
        let n = cols.saturating_mul(rows).saturating_mul(256).max(1);
        out.push(((*a + n / 2) / n).min(255) as u8);
        *a = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn rgba(w: u32, h: u32, f: impl Fn(u32, u32) -> [u8; 4]) -> Vec<u8> {
        let f = &f;
        (0..h)
            .flat_map(|y| (0..w).flat_map(move |x| f(x, y)))
            .collect::<Vec<_>>()
    }

    #[test]
    fn luma_uses_bt601_weights() {
        let px = |c: [u8; 4]| rgba_to_gray(&c, 1, 1, 512).unwrap().pixels()[0];
        assert_eq!(px([255, 255, 255, 255]), 255);
        assert_eq!(px([0, 0, 0, 255]), 0);
        assert_eq!(px([255, 0, 0, 255]), 77); // 0.299 × 255 = 76.2
        assert_eq!(px([0, 255, 0, 255]), 149); // 0.587 × 255 = 149.7
        assert_eq!(px([0, 0, 255, 255]), 29); // 0.114 × 255 = 29.1
    }

    #[test]
    fn downscale_averages_whole_areas() {
        // 4 × 2 checkerboard of 0 and 200 → 2 × 1, each bin half dark half light.
        let img = rgba(4, 2, |x, y| {
            let v = if (x + y) % 2 == 0 { 0 } else { 200 };
            [v, v, v, 255]
        });
        let g = rgba_to_gray(&img, 4, 2, 2).unwrap();
        assert_eq!(g.size(), Size::new(2, 1));
        assert_eq!(g.pixels(), &[100, 100]);
    }

    #[test]
    fn downscale_keeps_a_left_right_split() {
        let img = rgba(1600, 1000, |x, _| if x < 800 { [20; 4] } else { [220; 4] });
        let g = rgba_to_gray(&img, 1600, 1000, 512).unwrap();
        assert_eq!(g.size(), Size::new(512, 320));
        let row = &g.pixels()[..512];
        assert!(row[..255].iter().all(|&v| v == 20));
        assert!(row[257..].iter().all(|&v| v == 220));
    }

    #[test]
    fn small_images_are_not_upscaled() {
        let img = rgba(3, 2, |x, y| [(x * 50 + y) as u8; 4]);
        let g = rgba_to_gray(&img, 3, 2, 512).unwrap();
        assert_eq!(g.size(), Size::new(3, 2));
        assert_eq!(g.pixels(), &[0, 50, 100, 1, 51, 101]);
    }

    #[test]
    fn wrong_buffer_lengths_are_errors_not_panics() {
        assert_eq!(rgba_to_gray(&[], 0, 0, 512), Err(GrayError::Empty));
        assert_eq!(rgba_to_gray(&[0; 4], 1, 0, 512), Err(GrayError::Empty));
        assert_eq!(
            rgba_to_gray(&[0; 15], 2, 2, 512),
            Err(GrayError::LengthMismatch {
                expected: 16,
                actual: 15
            })
        );
        assert_eq!(
            rgba_to_gray(&[0; 17], 2, 2, 512),
            Err(GrayError::LengthMismatch {
                expected: 16,
                actual: 17
            })
        );
        assert!(rgba_to_gray(&[0; 8], u32::MAX, u32::MAX, 512).is_err());
        assert_eq!(
            GrayImage::from_luma(2, 2, vec![0; 3]),
            Err(GrayError::LengthMismatch {
                expected: 4,
                actual: 3
            })
        );
    }

    proptest! {
        #[test]
        fn any_consistent_buffer_converts_within_the_target(
            w in 1u32..70, h in 1u32..70, max in 0u32..80, seed in any::<u64>(),
        ) {
            let img = rgba(w, h, |x, y| {
                let v = (seed ^ u64::from(x * 31 + y * 17)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
                (v >> 32).to_le_bytes()[..4].try_into().unwrap()
            });
            let g = rgba_to_gray(&img, w, h, max).unwrap();
            prop_assert!(g.width() >= 1 && g.height() >= 1);
            prop_assert!(g.width() <= w && g.height() <= h);
            prop_assert!(g.size().long_side() <= max.max(1));
            prop_assert_eq!(g.pixels().len(), (g.width() * g.height()) as usize);
        }

        #[test]
        fn uniform_colour_stays_uniform(
            w in 1u32..90, h in 1u32..90, max in 1u32..40, v in any::<u8>(),
        ) {
            let img = rgba(w, h, |_, _| [v, v, v, 255]);
            let g = rgba_to_gray(&img, w, h, max).unwrap();
            prop_assert!(g.pixels().iter().all(|&p| p == v));
        }
    }
}
