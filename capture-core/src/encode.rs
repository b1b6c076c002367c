//! The JPEG quality search: a small state machine the browser drives.
//!
//! The browser encodes (`canvas.toBlob(…, "image/jpeg", quality)`) what [`QualitySearch::step`]
//! asks for, reports the byte count with [`QualitySearch::report`] and gets the next
//! [`Step`]: encode again, done (use the blob just made), or failed.
//!
//! The plan: encode at [`FIRST_QUALITY`]; at or under [`AIM_BYTES`] that is it. Otherwise
//! estimate the quality that lands at 90 % of the aim from a log-linear model
//! (`ln bytes ≈ a + k·quality`; `k` assumed [`DEFAULT_SLOPE`] after one point, measured
//! between the last two points after that), never below [`MIN_QUALITY`], at most
//! [`QUALITY_ENCODES`] encodes in all. A result over the aim but within [`HARD_CAP_BYTES`] is
//! accepted once the quality steps are spent. Only if the last quality is still over the cap
//! are the dimensions shrunk, by `√(cap / bytes) × 0.9`, keeping the quality. Every report
//! counts, and after [`MAX_ENCODES`] the search stops, so it cannot loop forever; `Done` is
//! only ever answered for a blob within the cap.

use serde::{Deserialize, Serialize};

use crate::plan::{Size, shrink};

/// The vendor's hard limit, 2 MiB: a result is never larger.
pub const HARD_CAP_BYTES: u64 = 2 * 1024 * 1024;

/// What the search aims for, 1 MiB: uploads on mobile networks stay quick.
pub const AIM_BYTES: u64 = 1024 * 1024;

/// The first quality tried (`toBlob`'s 0–1 scale): text edges stay clean.
pub const FIRST_QUALITY: f32 = 0.85;

/// The lowest quality asked for; below it JPEG blocking smears ID text.
pub const MIN_QUALITY: f32 = 0.5;

/// Encodes that may vary the quality (the first included).
pub const QUALITY_ENCODES: u32 = 3;

/// Encodes in all, shrinking included; the search fails rather than go on.
pub const MAX_ENCODES: u32 = 6;

/// Assumed `d ln(bytes) / d quality` before a second point is measured. Photos measure
/// 1.6–2.8 between 0.5 and 0.85 (steeper near the top); the low end errs toward landing
/// under the aim in one step.
pub const DEFAULT_SLOPE: f64 = 1.8;

/// Measured slopes are clamped to this range (noise-like images barely shrink).
const SLOPE_RANGE: (f64, f64) = (0.2, 8.0);

/// The quality estimate aims this far under [`AIM_BYTES`].
const AIM_MARGIN: f64 = 0.9;

/// Each quality step lowers the quality by at least this much.
const MIN_QUALITY_STEP: f32 = 0.05;

/// Shrinking aims this far under the cap (bytes scale a little slower than pixels).
const SHRINK_MARGIN: f64 = 0.9;

/// One encode to do.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct EncodeRequest {
    /// JPEG quality for `toBlob`, in `MIN_QUALITY..=FIRST_QUALITY`, two decimals.
    pub quality: f32,
    /// Draw the canvas at this size before encoding.
    pub size: Size,
}

/// The blob to use.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Outcome {
    /// The quality it was encoded at.
    pub quality: f32,
    /// Its pixel size.
    pub size: Size,
    /// Its byte count (≤ the cap).
    pub bytes: u64,
    /// How many encodes the search took.
    pub encodes: u32,
}

/// Why the search gave up.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum SearchError {
    /// The image to encode has no pixels.
    EmptyImage,
    /// The encoder produced 0 bytes (`toBlob` gave `null`).
    EncoderFailed,
    /// After every allowed encode the blob is still over the cap.
    StillTooLarge {
        /// The last byte count.
        bytes: u64,
    },
}

/// What the browser does next.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub enum Step {
    /// Encode as asked, then [`QualitySearch::report`] the byte count.
    Encode(EncodeRequest),
    /// Finished: use the blob just reported.
    Done(Outcome),
    /// Finished without a usable blob.
    Failed(SearchError),
}

/// The search's state. Start with [`QualitySearch::new`], encode what [`Self::step`] asks,
/// [`Self::report`] each result.
#[derive(Debug, Clone, PartialEq)]
pub struct QualitySearch {
    aim: u64,
    cap: u64,
    request: EncodeRequest,
    /// The previous (quality, bytes) at the current size, for the measured slope.
    previous: Option<(f32, u64)>,
    shrunk: bool,
    encodes: u32,
    finished: Option<Step>,
}

impl QualitySearch {
    /// A search for an image drawn at `size` (see [`crate::plan::upload_size`]), aiming at
    /// [`AIM_BYTES`] under [`HARD_CAP_BYTES`].
    pub fn new(size: Size) -> Self {
        Self::with_limits(size, AIM_BYTES, HARD_CAP_BYTES)
    }

    /// A search with other limits (the aim is capped at `cap`; `cap` is at least 1).
    pub fn with_limits(size: Size, aim: u64, cap: u64) -> Self {
        let cap = cap.max(1);
        Self {
            aim: aim.clamp(1, cap),
            cap,
            request: EncodeRequest {
                quality: FIRST_QUALITY,
                size,
            },
            previous: None,
            shrunk: false,
            encodes: 0,
            finished: size
                .is_empty()
                .then_some(Step::Failed(SearchError::EmptyImage)),
        }
    }

    /// What to do now: the pending encode, or the final answer.
    pub fn step(&self) -> Step {
        self.finished.unwrap_or(Step::Encode(self.request))
    }

    /// How many results have been reported.
    pub fn encodes(&self) -> u32 {
        self.encodes
    }

    /// Report the byte count of the encode [`Self::step`] asked for; get the next step.
    /// After the search finished, reports are ignored and the final answer repeated.
    pub fn report(&mut self, bytes: u64) -> Step {
        if let Some(done) = self.finished {
            return done;
        }
        self.encodes = self.encodes.saturating_add(1);
        let next = self.decide(bytes);
        match next {
            Step::Encode(request) => self.request = request,
            Step::Done(_) | Step::Failed(_) => self.finished = Some(next),
        }
        next
    }

    fn decide(&mut self, bytes: u64) -> Step {
        let EncodeRequest { quality, size } = self.request;
        let done = Step::Done(Outcome {
            quality,
            size,
            bytes,
            encodes: self.encodes,
        });
        if bytes == 0 {
            return Step::Failed(SearchError::EncoderFailed);
        }
        if bytes <= self.aim {
            return done;
        }
        if self.encodes >= MAX_ENCODES {
            return if bytes <= self.cap {
                done
            } else {
                Step::Failed(SearchError::StillTooLarge { bytes })
            };
        }
        if !self.shrunk && self.encodes < QUALITY_ENCODES && quality > MIN_QUALITY {
            let next = self.next_quality(quality, bytes);
            self.previous = Some((quality, bytes));
            return Step::Encode(EncodeRequest {
                quality: next,
                size,
            });
        }
        if bytes <= self.cap {
            return done;
        }
        let factor = ((self.cap as f64 / bytes as f64).sqrt() * SHRINK_MARGIN).clamp(0.05, 0.9);
        let smaller = shrink(size, factor);
        if smaller == size {
            // Already 1 × 1 (or as small as rounding allows): nothing left to try.
            return Step::Failed(SearchError::StillTooLarge { bytes });
        }
        self.shrunk = true;
        self.previous = None;
        Step::Encode(EncodeRequest {
            quality,
            size: smaller,
        })
    }

    /// The quality the log-linear model puts at `AIM_MARGIN × aim`, from the point
    /// (`quality`, `bytes`) and the slope measured against the previous point if any.
    fn next_quality(&self, quality: f32, bytes: u64) -> f32 {
        let slope = match self.previous {
            Some((q0, b0)) if q0 - quality > 0.01 && b0 > 0 => {
                let k = (b0 as f64 / bytes as f64).ln() / f64::from(q0 - quality);
                if k.is_finite() {
                    k.clamp(SLOPE_RANGE.0, SLOPE_RANGE.1)
                } else {
                    DEFAULT_SLOPE
                }
            }
            _ => DEFAULT_SLOPE,
        };
        let target = self.aim as f64 * AIM_MARGIN;
        let estimate = f64::from(quality) - (bytes as f64 / target).ln() / slope;
        let ceiling = f64::from(quality - MIN_QUALITY_STEP);
        let q = estimate.min(ceiling).max(f64::from(MIN_QUALITY));
        // Two decimals, and never under the floor after rounding.
        (((q * 100.0).round() / 100.0) as f32).max(MIN_QUALITY)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Bits per pixel against quality for two photos (libjpeg, measured: a detailed 20 MP
    /// street scene and a 720 × 477 product photo), normalised to 1.0 at quality 0.85.
    const PHOTO_CURVES: [[(f32, f64); 8]; 2] = [
        [
            (0.30, 0.440),
            (0.40, 0.507),
            (0.50, 0.574),
            (0.65, 0.680),
            (0.75, 0.793),
            (0.85, 1.000),
            (0.92, 1.445),
            (0.95, 1.741),
        ],
        [
            (0.30, 0.398),
            (0.40, 0.465),
            (0.50, 0.527),
            (0.65, 0.640),
            (0.75, 0.760),
            (0.85, 1.000),
            (0.92, 1.356),
            (0.95, 1.769),
        ],
    ];

    /// Piecewise log-linear interpolation of `curve` at `q`.
    fn curve_at(curve: &[(f32, f64)], q: f32) -> f64 {
        let q = q.clamp(curve[0].0, curve[curve.len() - 1].0);
        for pair in curve.windows(2) {
            let ((q0, b0), (q1, b1)) = (pair[0], pair[1]);
            if q <= q1 {
                let t = f64::from((q - q0) / (q1 - q0));
                return (b0.ln() * (1.0 - t) + b1.ln() * t).exp();
            }
        }
        curve[curve.len() - 1].1
    }

    /// A photo-like encoder: `bpp85` bits per pixel at quality 0.85; bytes grow a bit
    /// slower than pixels (a downscaled photo is denser in detail).
    fn photo_encoder(curve: usize, bpp85: f64) -> impl Fn(f32, Size) -> u64 {
        move |q, size| {
            let px = size.area() as f64;
            let full = 2048.0 * 1536.0;
            let density = (full / px).powf(0.15).max(1.0);
            (px * bpp85 * density * curve_at(&PHOTO_CURVES[curve], q) / 8.0) as u64
        }
    }

    /// Noise: about 3 bytes a pixel whatever the quality.
    fn noise_encoder(q: f32, size: Size) -> u64 {
        (size.area() as f64 * (2.8 + 0.4 * f64::from(q))) as u64
    }

    /// Drive a search to the end; returns the final step and every request made.
    fn run(size: Size, encoder: impl Fn(f32, Size) -> u64) -> (Step, Vec<EncodeRequest>) {
        let mut search = QualitySearch::new(size);
        let mut asked = Vec::new();
        let mut step = search.step();
        while let Step::Encode(req) = step {
            asked.push(req);
            assert!(
                asked.len() <= MAX_ENCODES as usize,
                "runaway search: {asked:?}"
            );
            step = search.report(encoder(req.quality, req.size));
        }
        (step, asked)
    }

    #[test]
    fn typical_phone_photo_is_done_in_one_encode() {
        // 2 bits a pixel at 0.85: 786 kB for 2048 × 1536.
        let (step, asked) = run(Size::new(2048, 1536), photo_encoder(0, 2.0));
        assert_eq!(asked.len(), 1);
        let Step::Done(out) = step else {
            panic!("{step:?}")
        };
        assert_eq!(out.quality, FIRST_QUALITY);
        assert!(out.bytes <= AIM_BYTES);
    }

    #[test]
    fn realistic_curves_finish_within_three_encodes_under_the_cap() {
        let sizes = [
            Size::new(2048, 1536),
            Size::new(1536, 2048),
            Size::new(2048, 1152),
            Size::new(1600, 1200),
            Size::new(640, 480),
        ];
        for curve in 0..PHOTO_CURVES.len() {
            for bpp in [0.5, 1.0, 1.5, 2.0, 2.5, 3.0, 3.5, 4.0, 5.0, 6.0, 8.0] {
                for size in sizes {
                    let (step, asked) = run(size, photo_encoder(curve, bpp));
                    let Step::Done(out) = step else {
                        panic!("{bpp} {size:?}: {step:?}")
                    };
                    assert!(asked.len() <= 3, "{bpp} {size:?}: {asked:?}");
                    assert!(out.bytes <= HARD_CAP_BYTES, "{bpp} {size:?}: {out:?}");
                    for req in &asked {
                        assert!(req.quality >= MIN_QUALITY && req.quality <= FIRST_QUALITY);
                    }
                    // The quality only drops below 0.85 when the first encode was over the aim.
                    if asked.len() > 1 {
                        assert!(photo_encoder(curve, bpp)(FIRST_QUALITY, size) > AIM_BYTES);
                    }
                }
            }
        }
    }

    #[test]
    fn a_dense_photo_lands_near_the_aim_not_at_the_floor() {
        // 3 bits a pixel at 0.85: 1.18 MB, just over the aim.
        let (step, asked) = run(Size::new(2048, 1536), photo_encoder(0, 3.0));
        let Step::Done(out) = step else {
            panic!("{step:?}")
        };
        assert_eq!(asked.len(), 2, "{asked:?}");
        assert!(out.bytes <= AIM_BYTES, "{out:?}");
        assert!(out.quality >= 0.6, "{out:?}");
    }

    #[test]
    fn a_flatter_curve_is_corrected_with_the_measured_slope() {
        // ln(bytes) falls by only 1.0 per unit quality: the assumed 1.8 overshoots, so the
        // third encode uses the slope measured between the first two.
        let flat = |q: f32, _: Size| (1.3e6 * (f64::from(q) - 0.85).exp()) as u64;
        let (step, asked) = run(Size::new(2048, 1536), flat);
        let Step::Done(out) = step else {
            panic!("{step:?}")
        };
        assert_eq!(asked.len(), 3, "{asked:?}");
        assert!(asked[2].quality < asked[1].quality, "{asked:?}");
        assert!(
            out.bytes <= AIM_BYTES && out.quality > MIN_QUALITY,
            "{out:?}"
        );
    }

    #[test]
    fn noisy_image_is_shrunk_once_and_ends_under_the_cap() {
        let size = Size::new(2048, 1536);
        let (step, asked) = run(size, noise_encoder);
        let Step::Done(out) = step else {
            panic!("{step:?}")
        };
        assert!(out.bytes <= HARD_CAP_BYTES, "{out:?}");
        assert!(asked.len() <= 4, "{asked:?}");
        // Quality went to the floor first, then the size shrank at that quality.
        let shrunk: Vec<_> = asked.iter().filter(|r| r.size != size).collect();
        assert_eq!(shrunk.len(), 1, "{asked:?}");
        assert_eq!(shrunk[0].quality, MIN_QUALITY);
        let Size { width, height } = shrunk[0].size;
        assert!(width < 2048, "{asked:?}");
        assert!(
            (f64::from(width) / f64::from(height) - 4.0 / 3.0).abs() < 0.01,
            "{asked:?}"
        );
    }

    #[test]
    fn quality_never_goes_below_the_floor() {
        let (_, asked) = run(Size::new(4096, 4096), |_, _| 50 * 1024 * 1024);
        assert!(asked.iter().all(|r| r.quality >= MIN_QUALITY), "{asked:?}");
    }

    #[test]
    fn an_encoder_that_never_shrinks_fails_after_a_bounded_number_of_steps() {
        let (step, asked) = run(Size::new(2048, 1536), |_, _| HARD_CAP_BYTES + 1);
        assert_eq!(
            step,
            Step::Failed(SearchError::StillTooLarge {
                bytes: HARD_CAP_BYTES + 1
            })
        );
        assert!(asked.len() <= MAX_ENCODES as usize);
    }

    #[test]
    fn a_failed_encode_and_an_empty_image_are_failures() {
        let mut s = QualitySearch::new(Size::new(100, 100));
        assert_eq!(s.report(0), Step::Failed(SearchError::EncoderFailed));
        let s = QualitySearch::new(Size::new(0, 100));
        assert_eq!(s.step(), Step::Failed(SearchError::EmptyImage));
    }

    #[test]
    fn reports_after_the_end_repeat_the_answer() {
        let mut s = QualitySearch::new(Size::new(100, 100));
        let done = s.report(1000);
        assert!(matches!(
            done,
            Step::Done(Outcome {
                bytes: 1000,
                encodes: 1,
                ..
            })
        ));
        assert_eq!(s.report(99_999_999), done);
        assert_eq!(s.step(), done);
        assert_eq!(s.encodes(), 1);
    }

    #[test]
    fn over_the_aim_but_under_the_cap_is_accepted_at_the_floor() {
        // Bytes barely depend on quality: 1.5 MB at any quality.
        let (step, asked) = run(Size::new(2048, 1536), |_, _| 1_500_000);
        let Step::Done(out) = step else {
            panic!("{step:?}")
        };
        assert_eq!(out.bytes, 1_500_000);
        assert!(asked.len() <= 3);
        assert!(asked.iter().all(|r| r.size == Size::new(2048, 1536)));
    }

    proptest! {
        #[test]
        fn any_encoder_behaviour_ends_bounded_and_done_means_within_the_cap(
            replies in proptest::collection::vec(0u64..20_000_000, 1..12),
            w in 0u32..5000, h in 0u32..5000,
            aim in 0u64..4_000_000, cap in 0u64..4_000_000,
        ) {
            let mut s = QualitySearch::with_limits(Size::new(w, h), aim, cap);
            let mut steps = 0;
            let mut last = s.step();
            for &bytes in &replies {
                let Step::Encode(req) = last else { break };
                prop_assert!(req.quality >= MIN_QUALITY && req.quality <= FIRST_QUALITY);
                prop_assert!(req.size.width <= w && req.size.height <= h);
                steps += 1;
                last = s.report(bytes);
                if let Step::Done(out) = last {
                    prop_assert_eq!(out.bytes, bytes);
                    prop_assert!(bytes <= cap.max(1));
                }
            }
            prop_assert!(steps <= MAX_ENCODES);
            if replies.len() >= MAX_ENCODES as usize {
                prop_assert!(!matches!(last, Step::Encode(_)), "{last:?}");
            }
        }
    }
}
