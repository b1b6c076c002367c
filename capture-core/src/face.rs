//! Is there a person in the half-length portrait (半身照)? The check that refuses an ID card
//! (or a wall, or the floor) shot as the portrait.
//!
//! Two ways to look, one rule for where a half-length photo puts a face:
//!
//! - **The browser's face detector** (Shape Detection API `FaceDetector`, where a browser has
//!   one: some Chromium builds on Android, macOS and ChromeOS; not desktop Linux Chromium, not
//!   Safari or Firefox). The page passes the boxes it found to [`judge_detected`].
//! - **A skin-colour model** ([`skin_blob`], then [`judge_skin`]) everywhere else: the
//!   analysis copy is cut into a grid of at most [`SKIN_GRID`] cells on its long side, each
//!   cell's mean colour is classified as skin or not in YCbCr ([`is_skin`]), and the largest
//!   4-connected skin region must be the size, place and shape of a head (with its neck) in
//!   a half-length photo ([`HEAD`]).
//!
//! What this can tell: a photo with no skin-coloured region (an ID card on a grey or white
//! desk, a wall, a dark room) or with a face that is small or far off-centre (an ID card's
//! printed portrait sits in the card's right third) is not a half-length photo of a person.
//!
//! What it cannot tell: whether the face is a live person or a printed one held up to the
//! camera, whose face it is, or whether it is a face at all — a skin-coloured object of a
//! head's size in the upper middle (a hand, a beige cushion, a wooden door knob) passes the
//! skin model, and a large beige wall or wooden table behind the person merges with the face
//! into one region too large to be a head, so such a photo is refused although a person is in
//! it. Skin colour also shifts under coloured light. The retake policy bounds the cost of a
//! wrong refusal: after two retakes the customer may keep the photo, and it is flagged for an
//! agent, who looks at every portrait anyway.

use serde::{Deserialize, Serialize};

/// The skin grid's long side, in cells: a 512 px analysis copy gives 8 × 8 px cells, about a
/// fifth of an eye's width in a half-length photo, so a face is dozens of cells.
pub const SKIN_GRID: u32 = 64;

/// How the face check looked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FaceMethod {
    /// The browser's `FaceDetector`.
    Detector,
    /// The skin-colour model on the analysis copy.
    SkinModel,
}

impl FaceMethod {
    /// A short name for diagnostics and tests (`detector`, `skin`).
    pub fn name(self) -> &'static str {
        match self {
            FaceMethod::Detector => "detector",
            FaceMethod::SkinModel => "skin",
        }
    }
}

/// What the face check found on one photo.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct FaceFinding {
    /// How it looked.
    pub method: FaceMethod,
    /// Whether a face was found where a half-length photo has one.
    pub found: bool,
}

/// A rectangle as shares of the photo's width and height (0–1, origin top left).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Region {
    /// Left edge.
    pub x: f32,
    /// Top edge.
    pub y: f32,
    /// Width.
    pub width: f32,
    /// Height.
    pub height: f32,
}

impl Region {
    /// A rectangle given in pixels of a `frame_width × frame_height` photo, as shares; `None`
    /// for an empty frame or a non-finite box.
    pub fn from_pixels(
        x: f64,
        y: f64,
        width: f64,
        height: f64,
        frame_width: u32,
        frame_height: u32,
    ) -> Option<Region> {
        let (fw, fh) = (f64::from(frame_width), f64::from(frame_height));
        if fw == 0.0 || fh == 0.0 || ![x, y, width, height].iter().all(|v| v.is_finite()) {
            return None;
        }
        Some(Region {
            x: (x / fw) as f32,
            y: (y / fh) as f32,
            width: (width / fw) as f32,
            height: (height / fh) as f32,
        })
    }

    /// Its area as a share of the photo's area.
    pub fn area(self) -> f32 {
        self.width.max(0.0) * self.height.max(0.0)
    }

    /// Its centre, as shares.
    pub fn centre(self) -> (f32, f32) {
        (self.x + self.width / 2.0, self.y + self.height / 2.0)
    }
}

/// Where and how large a face is in a half-length photo; see [`HEAD`] for the values.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct HeadLimits {
    /// The face's centre must lie within this share range of the width …
    pub centre_x: (f32, f32),
    /// … and this share range of the height.
    pub centre_y: (f32, f32),
    /// A detected face box covers at least this share of the photo.
    pub min_detected_area: f32,
    /// The skin region covers at least this share of the photo …
    pub min_skin_area: f32,
    /// … and at most this (larger is a wall, a table or a close-up of skin, not a head).
    pub max_skin_area: f32,
    /// The skin region fills at least this share of its bounding box (a head and neck fill
    /// ~0.7; a ring of table around a card, or scattered specks, much less).
    pub min_fill: f32,
    /// The skin region's bounding box height ÷ width, in pixels, lies within this range.
    pub aspect: (f32, f32),
}

/// The head limits, decided on the synthetic photos of `face/tests.rs` (print the values with
/// `cargo test -p haoka-capture-core face_values -- --nocapture`):
///
/// - `centre_x` 0.30–0.70: the synthetic half-length portraits put the head (with its neck)
///   at 0.50, one standing off-centre at 0.36, the person holding their card at 0.50; an ID
///   card's printed face sits in the card's right third: at 0.75 of the frame's width for a
///   card filling 86 % of it, 0.77 for a card across an upright frame, 0.70 at 70 %, 0.68 at
///   60 % and 0.62 at 40 % (those smaller ones are caught by the size).
/// - `centre_y` 0.10–0.70: the heads' regions centre at 0.35–0.42 of the height.
/// - `min_detected_area` 0.01: a face box in a half-length photo at arm's length covers
///   3–15 %; an ID card held out at arm's length covers less than 1 %.
/// - `min_skin_area` 0.035 and `max_skin_area` 0.45: the heads cover 4.4 % (holding a card,
///   landscape) to 12 % (upright selfies); the card's printed face 4.8 % (close up: caught
///   off-centre), 3.2 % at 70 % of the width, 2.4 % at 60 %, 1.2 % at 40 %. A card filling
///   about 70–74 % of a 16:9 frame is at the edge of both limits: the one gap left. A wooden
///   desk around a card covers 64 %.
/// - `min_fill` 0.4 and `aspect` 0.8–3.0: a head with its neck fills 0.70–0.74 of its box
///   and is 1.3–1.45 times as tall as wide; the desk around a card is 0.62 as tall as wide.
pub const HEAD: HeadLimits = HeadLimits {
    centre_x: (0.30, 0.70),
    centre_y: (0.10, 0.70),
    min_detected_area: 0.01,
    min_skin_area: 0.035,
    max_skin_area: 0.45,
    min_fill: 0.4,
    aspect: (0.8, 3.0),
};

/// Whether a centre at `(x, y)` (shares) is where a half-length photo puts the head.
fn centred(x: f32, y: f32) -> bool {
    let (x0, x1) = HEAD.centre_x;
    let (y0, y1) = HEAD.centre_y;
    (x0..=x1).contains(&x) && (y0..=y1).contains(&y)
}

/// The verdict on the boxes the browser's face detector found: a face if any box is large
/// enough and centred like a head in a half-length photo.
pub fn judge_detected(faces: &[Region]) -> FaceFinding {
    let found = faces.iter().any(|f| {
        let (x, y) = f.centre();
        f.area() >= HEAD.min_detected_area && centred(x, y)
    });
    FaceFinding {
        method: FaceMethod::Detector,
        found,
    }
}

/// Whether a mean colour is skin: luma at least 30 (a very dark skin tone in dim light is
/// ~40) and chroma in the skin cluster, Cb 77–127 and Cr 137–173 (Chai & Ngan's box, with Cr
/// from 137 instead of 133 so that grey-beige paper and card stock, Cr 130–135, stay out).
/// Skin tones from pale to very dark differ mostly in luma, which is why chroma decides.
pub fn is_skin(r: u8, g: u8, b: u8) -> bool {
    let (r, g, b) = (i32::from(r), i32::from(g), i32::from(b));
    let y = (77 * r + 150 * g + 29 * b) >> 8;
    let cb = 128 + ((-43 * r - 85 * g + 128 * b) >> 8);
    let cr = 128 + ((128 * r - 107 * g - 21 * b) >> 8);
    y >= 30 && (77..=127).contains(&cb) && (137..=173).contains(&cr)
}

/// The largest skin-coloured region of a photo, as the skin model measures it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SkinBlob {
    /// Its area as a share of the photo.
    pub area: f32,
    /// Its centre of mass, as shares of the width and height.
    pub centre: (f32, f32),
    /// Its bounding box, as shares.
    pub bounds: Region,
    /// Its area as a share of its bounding box's.
    pub fill: f32,
    /// Its bounding box's height ÷ width, in pixels.
    pub aspect: f32,
}

/// The largest 4-connected region of skin-coloured grid cells in `rgba` (`width × height × 4`
/// bytes, the analysis copy); `None` when there is no skin cell at all, or the buffer does not
/// match the dimensions.
pub fn skin_blob(rgba: &[u8], width: u32, height: u32) -> Option<SkinBlob> {
    let (w, h) = (width as usize, height as usize);
    if w == 0 || h == 0 || rgba.len() != w.checked_mul(h)?.checked_mul(4)? {
        return None;
    }
    let cell = (width.max(height).div_ceil(SKIN_GRID)).max(1) as usize;
    let (gw, gh) = (w.div_ceil(cell), h.div_ceil(cell));
    let grid = Grid { gw, gh, cell, w, h };
    // Sum of R, G, B and the pixel count per cell.
    let mut sums = vec![[0u32; 4]; gw * gh];
    for (y, row) in rgba.chunks_exact(w * 4).enumerate() {
        let row_cells = (y / cell) * gw;
        for (x, px) in row.chunks_exact(4).enumerate() {
            if let (Some(s), [r, g, b, _]) = (sums.get_mut(row_cells + x / cell), px) {
                s[0] += u32::from(*r);
                s[1] += u32::from(*g);
                s[2] += u32::from(*b);
                s[3] += 1;
            }
        }
    }
    let skin: Vec<bool> = sums
        .iter()
        .map(|&[r, g, b, n]| {
            let n = n.max(1);
            let mean = |v: u32| (v / n).min(255) as u8;
            is_skin(mean(r), mean(g), mean(b))
        })
        .collect();
    let mut seen = vec![false; skin.len()];
    let mut best: Option<Component> = None;
    for start in 0..skin.len() {
        if skin[start] && !seen[start] {
            let c = flood(start, grid, &skin, &mut seen);
            if best.is_none_or(|b| c.pixels > b.pixels) {
                best = Some(c);
            }
        }
    }
    let c = best?;
    let total = (w * h) as f32;
    let (bw, bh) = ((c.x1 - c.x0) as f32, (c.y1 - c.y0) as f32);
    Some(SkinBlob {
        area: c.pixels as f32 / total,
        centre: (
            (c.sum_x / c.pixels as f64 / w as f64) as f32,
            (c.sum_y / c.pixels as f64 / h as f64) as f32,
        ),
        bounds: Region {
            x: c.x0 as f32 / w as f32,
            y: c.y0 as f32 / h as f32,
            width: bw / w as f32,
            height: bh / h as f32,
        },
        fill: c.pixels as f32 / (bw * bh).max(1.0),
        aspect: bh / bw.max(1.0),
    })
}

/// One connected region of skin cells, in pixels of the analysis copy.
#[derive(Debug, Clone, Copy)]
struct Component {
    pixels: u64,
    sum_x: f64,
    sum_y: f64,
    x0: usize,
    y0: usize,
    x1: usize,
    y1: usize,
}

/// The skin grid: `gw × gh` cells of `cell × cell` pixels over a `w × h` image (the last
/// column and row of cells may be narrower).
#[derive(Debug, Clone, Copy)]
struct Grid {
    gw: usize,
    gh: usize,
    cell: usize,
    w: usize,
    h: usize,
}

impl Grid {
    /// Cell `i`'s pixel rectangle: left, top, width, height.
    fn extent(self, i: usize) -> (usize, usize, usize, usize) {
        let (x0, y0) = ((i % self.gw) * self.cell, (i / self.gw) * self.cell);
        (
            x0,
            y0,
            self.cell.min(self.w.saturating_sub(x0)),
            self.cell.min(self.h.saturating_sub(y0)),
        )
    }
}

/// The region of skin cells 4-connected to `start` (marked in `seen`), each cell weighed by
/// its pixel count.
fn flood(start: usize, grid: Grid, skin: &[bool], seen: &mut [bool]) -> Component {
    let mut c = Component {
        pixels: 0,
        sum_x: 0.0,
        sum_y: 0.0,
        x0: usize::MAX,
        y0: usize::MAX,
        x1: 0,
        y1: 0,
    };
    let mut stack = vec![start];
    if let Some(s) = seen.get_mut(start) {
        *s = true;
    }
    while let Some(i) = stack.pop() {
        let (px0, py0, pw, ph) = grid.extent(i);
        let n = (pw * ph) as u64;
        c.pixels += n;
        c.sum_x += n as f64 * (px0 as f64 + pw as f64 / 2.0);
        c.sum_y += n as f64 * (py0 as f64 + ph as f64 / 2.0);
        c.x0 = c.x0.min(px0);
        c.y0 = c.y0.min(py0);
        c.x1 = c.x1.max(px0 + pw);
        c.y1 = c.y1.max(py0 + ph);
        let (gx, gy) = (i % grid.gw, i / grid.gw);
        let neighbours = [
            (gx > 0).then(|| i - 1),
            (gx + 1 < grid.gw).then_some(i + 1),
            (gy > 0).then(|| i - grid.gw),
            (gy + 1 < grid.gh).then_some(i + grid.gw),
        ];
        for j in neighbours.into_iter().flatten() {
            if skin.get(j) == Some(&true)
                && let Some(s) = seen.get_mut(j)
                && !*s
            {
                *s = true;
                stack.push(j);
            }
        }
    }
    c
}

/// The skin model's verdict on the largest skin region: a face if it has the size, place and
/// shape of a head with its neck in a half-length photo ([`HEAD`]).
pub fn judge_skin(blob: Option<&SkinBlob>) -> FaceFinding {
    let found = blob.is_some_and(|b| {
        (HEAD.min_skin_area..=HEAD.max_skin_area).contains(&b.area)
            && centred(b.centre.0, b.centre.1)
            && b.fill >= HEAD.min_fill
            && (HEAD.aspect.0..=HEAD.aspect.1).contains(&b.aspect)
    });
    FaceFinding {
        method: FaceMethod::SkinModel,
        found,
    }
}

#[cfg(test)]
mod tests;
