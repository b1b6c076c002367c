//! Quality checks on the grey analysis copy: blur, too dark, overexposed, glare, too small
//! (and, for the portrait, no face: found by [`crate::face`], recorded in [`Metrics::face`]);
//! their thresholds per photo slot in one table ([`THRESHOLDS`]); the customer-facing words;
//! and the retake policy (after [`FREE_RETAKES`] retakes the customer may continue, and the
//! photo is flagged for an agent).
//!
//! The metrics ([`measure`]) are two passes over a ≤ 512 px grey image: a histogram-style
//! pass (mean, clipped share, clipped share per grid cell) and a 4-neighbour Laplacian pass.

use serde::{Deserialize, Serialize};

use crate::Message;
use crate::face::FaceFinding;
use crate::gray::GrayImage;
use crate::plan::Size;

/// Which of the three photos (三照) is being taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PhotoSlot {
    /// The ID card's portrait side (人像面).
    IdFace,
    /// The ID card's national-emblem side (国徽面).
    IdBack,
    /// The half-body portrait (半身照).
    Portrait,
}

impl PhotoSlot {
    /// All slots, in the order the form asks for them.
    pub const ALL: [PhotoSlot; 3] = [PhotoSlot::IdFace, PhotoSlot::IdBack, PhotoSlot::Portrait];

    /// This slot's row of [`THRESHOLDS`].
    pub fn thresholds(self) -> &'static Thresholds {
        match self {
            PhotoSlot::IdFace => &THRESHOLDS[0],
            PhotoSlot::IdBack => &THRESHOLDS[1],
            PhotoSlot::Portrait => &THRESHOLDS[2],
        }
    }
}

/// A luma at or above this counts as clipped (blown out).
///
/// 253, not 250: JPEG ringing puts saturated areas at 253–255, while bright but intact white
/// paper sits at 240–250 (the fixture cards' background is exactly 250).
pub const CLIP_LEVEL: u8 = 253;

/// The clipped share is also counted per cell of a `GLARE_GRID × GLARE_GRID` grid: glare is
/// a concentrated blob, scattered specks are not.
pub const GLARE_GRID: usize = 8;

/// What [`measure`] found on one photo.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Metrics {
    /// The original photo's size (before any downscale): decides [`Problem::TooSmall`].
    pub original: Size,
    /// Mean luma, 0–255.
    pub mean: f32,
    /// Share of pixels at or above [`CLIP_LEVEL`], 0–1.
    pub clipped_share: f32,
    /// The largest clipped share within one cell of the [`GLARE_GRID`] grid, 0–1.
    pub clipped_peak: f32,
    /// Variance of the 4-neighbour Laplacian over the interior pixels (0 for images under
    /// 3 × 3): high for crisp edges, low for blur.
    pub laplacian_variance: f32,
    /// What the face check found ([`crate::face`]), or `None` when it did not run ([`measure`]
    /// never runs it; the page adds it for the portrait with [`Metrics::with_face`]).
    #[serde(default)]
    pub face: Option<FaceFinding>,
}

impl Metrics {
    /// These metrics with the face check's finding.
    pub fn with_face(self, face: FaceFinding) -> Metrics {
        Metrics {
            face: Some(face),
            ..self
        }
    }
}

/// Measure `gray` (the analysis copy, see [`crate::plan::analysis_size`]) of a photo whose
/// original size was `original`.
pub fn measure(gray: &GrayImage, original: Size) -> Metrics {
    let w = gray.width() as usize;
    let h = gray.height() as usize;
    let px = gray.pixels();

    // Pass 1: sum, clipped count, clipped count per grid cell.
    let cell_x: Vec<usize> = (0..w).map(|x| x * GLARE_GRID / w.max(1)).collect();
    let mut cell_clipped = [0u32; GLARE_GRID * GLARE_GRID];
    let mut cell_total = [0u32; GLARE_GRID * GLARE_GRID];
    let mut sum = 0u64;
    let mut clipped = 0u64;
    for (y, row) in px.chunks_exact(w.max(1)).enumerate() {
        let row_cell = (y * GLARE_GRID / h.max(1)) * GLARE_GRID;
        let mut row_sum = 0u32;
        for (&v, &cx) in row.iter().zip(&cell_x) {
            row_sum += u32::from(v);
            let cell = row_cell + cx;
            if let Some(t) = cell_total.get_mut(cell) {
                *t += 1;
            }
            if v >= CLIP_LEVEL {
                clipped += 1;
                if let Some(c) = cell_clipped.get_mut(cell) {
                    *c += 1;
                }
            }
        }
        sum += u64::from(row_sum);
    }
    let n = px.len().max(1) as f64;
    let clipped_peak = cell_clipped
        .iter()
        .zip(&cell_total)
        .filter(|&(_, &t)| t > 0)
        .map(|(&c, &t)| c as f32 / t as f32)
        .fold(0.0f32, f32::max);

    Metrics {
        original,
        mean: (sum as f64 / n) as f32,
        clipped_share: (clipped as f64 / n) as f32,
        clipped_peak,
        laplacian_variance: laplacian_variance(px, w, h) as f32,
        face: None,
    }
}

/// Variance of `L = up + down + left + right − 4·centre` over the interior pixels.
fn laplacian_variance<'a>(px: &'a [u8], w: usize, h: usize) -> f64 {
    if w < 3 || h < 3 {
        return 0.0;
    }
    let mut sum = 0i64;
    let mut sum_sq = 0u64;
    let mut count = 0u64;
    let inner = |row: &'a [u8]| row.get(1..w - 1).unwrap_or_default();
    let ups = px.chunks_exact(w);
    let mids = px.chunks_exact(w).skip(1);
    let downs = px.chunks_exact(w).skip(2);
    for ((up, mid), down) in ups.zip(mids).zip(downs) {
        let mut row_sum = 0i32;
        let mut row_sq = 0u64;
        for ((&u, &d), m) in inner(up).iter().zip(inner(down)).zip(mid.windows(3)) {
            let [l, centre, r] = m else { continue };
            let lap = i32::from(u) + i32::from(d) + i32::from(*l) + i32::from(*r)
                - 4 * i32::from(*centre);
            row_sum += lap;
            row_sq += u64::from(lap.unsigned_abs().pow(2));
            count += 1;
        }
        sum += i64::from(row_sum);
        sum_sq += row_sq;
    }
    if count == 0 {
        return 0.0;
    }
    let n = count as f64;
    let mean = sum as f64 / n;
    (sum_sq as f64 / n - mean * mean).max(0.0)
}

/// Limits for one photo slot; see [`THRESHOLDS`] for the values and why.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Thresholds {
    /// The slot this row is for.
    pub slot: PhotoSlot,
    /// [`Problem::TooSmall`] below this short side of the ORIGINAL photo, in pixels.
    pub min_short_side: u32,
    /// [`Problem::TooDark`] below this mean luma.
    pub dark_mean: f32,
    /// [`Problem::Overexposed`] when the mean luma is at least this …
    pub bright_mean: f32,
    /// … and at least this share of the pixels is clipped.
    pub overexposed_clipped: f32,
    /// [`Problem::Blurry`] below this Laplacian variance.
    pub min_laplacian_variance: f32,
    /// Glare limits, or `None` when the slot is not checked for glare.
    pub glare: Option<GlareLimits>,
    /// Whether a photo without a face ([`Metrics::face`] says not found) is refused.
    pub needs_face: bool,
}

/// When clipped pixels count as glare: enough of them, and concentrated.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GlareLimits {
    /// [`Metrics::clipped_share`] at least this …
    pub min_share: f32,
    /// … and [`Metrics::clipped_peak`] at least this (a blob fills a grid cell).
    pub min_peak: f32,
}

/// The thresholds, one row per slot ([`PhotoSlot::thresholds`] picks the row).
///
/// Tuned on synthetic photos (an ID card at 1600 × 1000 and a portrait at 1200 × 1600, with
/// ±3 sensor noise, analysed at 512 px) and the 480 × 300 fixture JPEGs; print the values
/// with `cargo test -p haoka-capture-core metric_values -- --nocapture`. Each limit sits
/// near the geometric middle of the gap it must separate:
///
/// - `min_short_side` 720 (ID): 1280 × 720 is the smallest camera mode still offered; a card
///   filling 80 % of it gets ~10 px/mm, 15–20 px for the smallest glyphs. 480 (portrait):
///   the face still spans ~150 px.
/// - `dark_mean` 60: dark (× 0.15) card 27, dark portrait 19; sharp card 182, portrait 124,
///   fixtures 205–208; dim but usable indoor shots sit around 80–110.
/// - `bright_mean` 220 and `overexposed_clipped` 0.30, both required: overexposed (+120)
///   card 247 / 72 %, the glare card 187 / 9 %, fixtures 205–208 / ≤ 1 % (a white card on a
///   white desk is bright without being blown).
/// - `min_laplacian_variance` 200 (ID): sharp card 4258, fixtures 1635–1772, still legible
///   blur (3 × box r2) 358; smeared (3 × box r3) 113, the blurred card (3 × box r4) 48.
///   40 (portrait): skin and backdrop are smooth, so the sharp portrait is only 150; blurred
///   (3 × box r4) 14.
/// - glare `min_share` 0.03 and `min_peak` 0.5, both required: the glare card (an ellipse
///   over 11 % of the card) has 9.3 % clipped and whole grid cells blown (peak 1.0); the
///   fixtures' JPEG specks 0.8–1.0 % with peak ≤ 0.09; sharp card 0. Portraits: not checked
///   (a bright window or white shirt is not a problem there).
/// - `needs_face`: the portrait only (its limits are in [`crate::face::HEAD`]).
pub const THRESHOLDS: [Thresholds; 3] = [
    ID_CARD,
    Thresholds {
        slot: PhotoSlot::IdBack,
        ..ID_CARD
    },
    Thresholds {
        slot: PhotoSlot::Portrait,
        min_short_side: 480,
        min_laplacian_variance: 40.0,
        glare: None,
        needs_face: true,
        ..ID_CARD
    },
];

/// Both ID card sides share one row (the emblem side differs only in its slot).
const ID_CARD: Thresholds = Thresholds {
    slot: PhotoSlot::IdFace,
    min_short_side: 720,
    dark_mean: 60.0,
    bright_mean: 220.0,
    overexposed_clipped: 0.30,
    min_laplacian_variance: 200.0,
    glare: Some(GlareLimits {
        min_share: 0.03,
        min_peak: 0.5,
    }),
    needs_face: false,
};

/// One thing wrong with a photo. The order is the order of importance: fix the first first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Problem {
    /// The original photo is too small for the ID text to be legible.
    TooSmall,
    /// The photo is too dark.
    TooDark,
    /// The photo is washed out: bright overall with large blown areas.
    Overexposed,
    /// The portrait shows no face where a half-length photo has one (an ID card, a wall).
    NoFace,
    /// The photo is out of focus or shaken.
    Blurry,
    /// A reflection blows out part of the card.
    Glare,
}

impl Problem {
    /// What the customer reads, Chinese first.
    pub fn message(self) -> Message {
        match self {
            Problem::TooSmall => Message {
                zh: "照片分辨率太低，请靠近一些或使用相机重拍",
                en: "The photo is too small to read; move closer or retake it with the camera",
            },
            Problem::TooDark => Message {
                zh: "照片太暗，请到光线充足处重拍",
                en: "The photo is too dark; move to better light and retake",
            },
            Problem::Overexposed => Message {
                zh: "照片过亮，请避开强光后重拍",
                en: "The photo is too bright; avoid strong light and retake",
            },
            Problem::NoFace => Message {
                zh: "没有检测到人脸，请拍摄本人半身照",
                en: "No face found: take a half-length photo of yourself",
            },
            Problem::Blurry => Message {
                zh: "照片模糊，请对焦后重拍",
                en: "The photo is blurry; hold still and retake",
            },
            Problem::Glare => Message {
                zh: "证件有反光，请调整角度避开反光后重拍",
                en: "There is glare on the card; tilt it away from the light and retake",
            },
        }
    }
}

/// The problems found on one photo, most important first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Assessment {
    /// The slot the photo was taken for.
    pub slot: PhotoSlot,
    /// The problems, most important first, each at most once.
    pub problems: Vec<Problem>,
}

/// Apply `slot`'s thresholds to `metrics`.
///
/// Exposure problems mask the blur check (on a crushed or blown image the Laplacian measures
/// the exposure, not the focus, and "retake in better light" is the useful advice), and an
/// overexposed photo is not also reported as glare. They mask the face check too (skin colour
/// cannot be judged in the dark or in blown-out light); a photo whose face check did not run
/// ([`Metrics::face`] `None`) is not refused for it.
pub fn assess(slot: PhotoSlot, metrics: &Metrics) -> Assessment {
    let t = slot.thresholds();
    let mut problems = Vec::new();
    if metrics.original.short_side() < t.min_short_side {
        problems.push(Problem::TooSmall);
    }
    let dark = metrics.mean < t.dark_mean;
    let overexposed =
        metrics.mean >= t.bright_mean && metrics.clipped_share >= t.overexposed_clipped;
    if dark {
        problems.push(Problem::TooDark);
    } else if overexposed {
        problems.push(Problem::Overexposed);
    }
    if t.needs_face && !dark && !overexposed && metrics.face.is_some_and(|f| !f.found) {
        problems.push(Problem::NoFace);
    }
    // Written as "sharp" so that a NaN variance (false) counts as blurry, never as sharp.
    let sharp = metrics.laplacian_variance >= t.min_laplacian_variance;
    if !dark && !overexposed && !sharp {
        problems.push(Problem::Blurry);
    }
    if let Some(g) = t.glare
        && !overexposed
        && metrics.clipped_share >= g.min_share
        && metrics.clipped_peak >= g.min_peak
    {
        problems.push(Problem::Glare);
    }
    Assessment { slot, problems }
}

/// Retakes after which the customer may continue with a flawed photo.
pub const FREE_RETAKES: u32 = 2;

/// Whether someone who has already retaken this photo `retakes` times may continue with a
/// flawed one (it is then flagged, see [`Assessment::accept_anyway`]).
pub fn may_continue_anyway(retakes: u32) -> bool {
    retakes >= FREE_RETAKES
}

/// What the page does with a photo.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// No problem: use it.
    Accept,
    /// Problems: ask for a retake (show the first problem's message).
    Retake,
    /// Problems, but retakes are used up: offer a retake or "continue anyway".
    RetakeOrContinue,
}

impl Assessment {
    /// Whether no problem was found.
    pub fn passes(&self) -> bool {
        self.problems.is_empty()
    }

    /// The most important problem, if any.
    pub fn first(&self) -> Option<Problem> {
        self.problems.first().copied()
    }

    /// What to do after `retakes` retakes of this photo.
    pub fn verdict(&self, retakes: u32) -> Verdict {
        if self.passes() {
            Verdict::Accept
        } else if may_continue_anyway(retakes) {
            Verdict::RetakeOrContinue
        } else {
            Verdict::Retake
        }
    }

    /// The flag to record when the customer continues with this photo: `None` when the photo
    /// passes or continuing is not yet allowed.
    pub fn accept_anyway(&self, retakes: u32) -> Option<QualityFlag> {
        (!self.passes() && may_continue_anyway(retakes)).then(|| QualityFlag {
            slot: self.slot,
            problems: self.problems.clone(),
            retakes,
        })
    }
}

/// A photo the customer sent despite its problems, for an agent to look at.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QualityFlag {
    /// Which photo.
    pub slot: PhotoSlot,
    /// Its problems, most important first.
    pub problems: Vec<Problem>,
    /// How many times it had been retaken.
    pub retakes: u32,
}

/// The flags of one order, at most one per slot; serialises as a plain list.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct QualityFlags(Vec<QualityFlag>);

impl QualityFlags {
    /// No flags.
    pub fn new() -> Self {
        Self::default()
    }

    /// Record the photo now chosen for `slot`: its flag replaces the slot's previous one, and
    /// a photo without a flag (`None`: it passed) clears it.
    pub fn set(&mut self, slot: PhotoSlot, flag: Option<QualityFlag>) {
        self.0.retain(|f| f.slot != slot);
        if let Some(f) = flag {
            self.0.push(QualityFlag { slot, ..f });
        }
    }

    /// The flags, in the order they were recorded.
    pub fn as_slice(&self) -> &[QualityFlag] {
        &self.0
    }

    /// Whether no photo is flagged.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The flags as received from a browser, made safe to keep: one per slot (the last
    /// wins), each with at least one problem and each problem once, at most 3 flags.
    pub fn normalised(self) -> Self {
        let mut out = QualityFlags::new();
        for mut flag in self.0 {
            let mut seen = Vec::new();
            flag.problems.retain(|p| {
                let new = !seen.contains(p);
                seen.push(*p);
                new
            });
            flag.problems.sort();
            if !flag.problems.is_empty() {
                out.set(flag.slot, Some(flag));
            }
        }
        out
    }
}

#[cfg(test)]
mod tests;
