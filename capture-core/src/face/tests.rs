//! Synthetic colour photos at the analysis copy's size (long side 512, as the page draws it):
//! half-length portraits of pale, medium and dark skin, one off-centre, one holding an ID
//! card; and what is not a portrait: ID cards (close up, smaller, in a portrait frame, on a
//! wooden desk), a bare wall, a dark room.

use super::*;
use proptest::prelude::*;

/// A colour scene; values are 0–255 per channel.
#[derive(Clone)]
struct Scene {
    w: usize,
    h: usize,
    px: Vec<[f32; 3]>,
}

impl Scene {
    fn new(w: usize, h: usize, f: impl Fn(usize, usize) -> [f32; 3]) -> Self {
        let px = (0..h)
            .flat_map(|y| (0..w).map(move |x| (x, y)))
            .map(|(x, y)| f(x, y))
            .collect();
        Self { w, h, px }
    }

    /// Paint where `inside(x, y)` (coordinates as shares of width and height).
    fn paint(&mut self, inside: impl Fn(f32, f32) -> bool, colour: impl Fn(f32, f32) -> [f32; 3]) {
        for y in 0..self.h {
            for x in 0..self.w {
                let (fx, fy) = (x as f32 / self.w as f32, y as f32 / self.h as f32);
                if inside(fx, fy) {
                    self.px[y * self.w + x] = colour(fx, fy);
                }
            }
        }
    }

    fn rect(&mut self, x0: f32, y0: f32, x1: f32, y1: f32, c: [f32; 3]) {
        self.paint(|x, y| x >= x0 && x < x1 && y >= y0 && y < y1, |_, _| c);
    }

    /// An ellipse at `(cx, cy)` with radii as shares of the width and height, shaded toward
    /// its rim by `shade` (0 = flat).
    fn ellipse(&mut self, cx: f32, cy: f32, rx: f32, ry: f32, c: [f32; 3], shade: f32) {
        let r = move |x: f32, y: f32| ((x - cx) / rx).powi(2) + ((y - cy) / ry).powi(2);
        self.paint(
            move |x, y| r(x, y) <= 1.0,
            move |x, y| c.map(|v| v * (1.0 - shade * r(x, y))),
        );
    }

    /// Canvas RGBA with ±3 sensor noise.
    fn capture(&self) -> Vec<u8> {
        let mut seed = 0x2545_F491_4F6C_DD1Du64;
        let mut out = Vec::with_capacity(self.px.len() * 4);
        for p in &self.px {
            for v in p {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                let noise = (seed % 7) as f32 - 3.0;
                out.push((v + noise).round().clamp(0.0, 255.0) as u8);
            }
            out.push(255);
        }
        out
    }

    fn blob(&self) -> Option<SkinBlob> {
        skin_blob(&self.capture(), self.w as u32, self.h as u32)
    }

    fn found(&self) -> bool {
        judge_skin(self.blob().as_ref()).found
    }
}

const WALL: [f32; 3] = [186.0, 191.0, 197.0];
const SHIRT: [f32; 3] = [42.0, 56.0, 92.0];
const HAIR: [f32; 3] = [34.0, 28.0, 26.0];
const MEDIUM: [f32; 3] = [214.0, 164.0, 134.0];
const PALE: [f32; 3] = [246.0, 218.0, 200.0];
const DARK: [f32; 3] = [104.0, 68.0, 48.0];
/// A second-generation ID card's pale blue-grey stock.
const CARD: [f32; 3] = [222.0, 230.0, 236.0];
const INK: [f32; 3] = [40.0, 40.0, 46.0];

/// A head (with neck and hair) and shoulders, the head centred at `(cx, cy)`, its half-width
/// `rx` and half-height `ry` as shares.
fn person(s: &mut Scene, cx: f32, cy: f32, rx: f32, ry: f32, skin: [f32; 3]) {
    // Shirt from the shoulders down: a wide rounded body.
    let top = cy + ry * 1.45;
    s.paint(
        |x, y| y > top + 2.0 * (x - cx).powi(2) && (x - cx).abs() < rx * 3.2,
        |_, _| SHIRT,
    );
    s.rect(
        cx - rx * 0.42,
        cy + ry * 0.7,
        cx + rx * 0.42,
        top + 0.02,
        skin,
    ); // neck
    s.ellipse(cx, cy, rx, ry, skin, 0.12);
    // Hair over the top of the head.
    s.paint(
        |x, y| {
            ((x - cx) / (rx * 1.08)).powi(2) + ((y - cy + ry * 0.1) / (ry * 1.05)).powi(2) <= 1.0
                && y < cy - ry * 0.55
        },
        |_, _| HAIR,
    );
    for ex in [cx - rx * 0.4, cx + rx * 0.4] {
        s.rect(
            ex - rx * 0.15,
            cy - ry * 0.12,
            ex + rx * 0.15,
            cy - ry * 0.04,
            HAIR,
        );
    }
    s.rect(
        cx - rx * 0.3,
        cy + ry * 0.45,
        cx + rx * 0.3,
        cy + ry * 0.5,
        [150.0, 80.0, 80.0],
    );
}

/// A half-length selfie in a 3:4 frame (front camera, phone upright).
fn selfie(skin: [f32; 3]) -> Scene {
    let mut s = Scene::new(384, 512, |_, y| WALL.map(|v| v - 20.0 * y as f32 / 512.0));
    person(&mut s, 0.5, 0.34, 0.2, 0.19, skin);
    s
}

/// An ID card with text rows and a printed portrait (a skin-coloured face on a white
/// ground) in its right third, `width` shares wide, centred at `(cx, cy)` in a `w × h` frame.
fn card(s: &mut Scene, cx: f32, cy: f32, width: f32) {
    let (w, h) = (s.w as f32, s.h as f32);
    let height = width * 54.0 / 85.6 * w / h;
    let (x0, y0) = (cx - width / 2.0, cy - height / 2.0);
    s.rect(x0, y0, x0 + width, y0 + height, CARD);
    // The portrait box and its face.
    let (bx0, by0, bw, bh) = (
        x0 + width * 0.64,
        y0 + height * 0.12,
        width * 0.3,
        height * 0.62,
    );
    s.rect(bx0, by0, bx0 + bw, by0 + bh, [246.0, 246.0, 244.0]);
    s.ellipse(
        bx0 + bw / 2.0,
        by0 + bh * 0.45,
        bw * 0.3,
        bh * 0.36,
        MEDIUM,
        0.1,
    );
    s.rect(
        bx0 + bw * 0.1,
        by0 + bh * 0.82,
        bx0 + bw * 0.9,
        by0 + bh,
        SHIRT,
    );
    // Text rows.
    let row = height / 12.0;
    let mut y = y0 + height * 0.12;
    while y + row < y0 + height * 0.9 {
        let end = if y < by0 + bh {
            bx0 - width * 0.04
        } else {
            x0 + width * 0.94
        };
        let mut x = x0 + width * 0.06;
        while x + row < end {
            s.rect(x, y, x + row * 0.7, y + row * 0.18, INK);
            s.rect(x + row * 0.3, y, x + row * 0.42, y + row * 0.7, INK);
            x += row;
        }
        y += row * 1.6;
    }
}

/// A desk seen from above with an ID card on it, in a 16:10 frame.
fn id_card_on_desk(width: f32) -> Scene {
    let mut s = Scene::new(512, 320, |x, _| {
        [112.0, 114.0, 118.0].map(|v| v + 20.0 * x as f32 / 512.0)
    });
    card(&mut s, 0.5, 0.5, width);
    s
}

/// The fake camera's picture in the browser tests: a person holding their ID card in front
/// of the chest (手持身份证), 16:10.
fn holding_card() -> Scene {
    let mut s = Scene::new(512, 320, |_, y| WALL.map(|v| v - 20.0 * y as f32 / 320.0));
    person(&mut s, 0.5, 0.3, 0.085, 0.17, MEDIUM);
    card(&mut s, 0.5, 0.76, 0.42);
    s
}

/// Every synthetic photo with its expected verdict.
fn scenes() -> Vec<(&'static str, Scene, bool)> {
    let mut off_centre = Scene::new(384, 512, |_, _| WALL);
    person(&mut off_centre, 0.36, 0.36, 0.19, 0.18, MEDIUM);
    let mut card_in_portrait_frame = Scene::new(384, 512, |_, _| [120.0, 120.0, 124.0]);
    card(&mut card_in_portrait_frame, 0.5, 0.45, 0.92);
    let mut on_wood = Scene::new(512, 320, |x, _| {
        [168.0, 116.0, 74.0].map(|v| v + 8.0 * ((x / 9) % 2) as f32)
    });
    card(&mut on_wood, 0.5, 0.5, 0.6);
    vec![
        ("selfie, medium skin", selfie(MEDIUM), true),
        ("selfie, pale skin", selfie(PALE), true),
        ("selfie, dark skin", selfie(DARK), true),
        ("selfie, off centre", off_centre, true),
        ("holding the ID card", holding_card(), true),
        ("ID card close up", id_card_on_desk(0.86), false),
        ("ID card at 70 %", id_card_on_desk(0.7), false),
        ("ID card at 60 %", id_card_on_desk(0.6), false),
        ("ID card at 40 %", id_card_on_desk(0.4), false),
        ("ID card, portrait frame", card_in_portrait_frame, false),
        ("ID card on a wooden desk", on_wood, false),
        ("bare wall", Scene::new(384, 512, |_, _| WALL), false),
        (
            "dark room",
            {
                let mut s = selfie(MEDIUM);
                s.px.iter_mut().for_each(|p| *p = p.map(|v| v * 0.1));
                s
            },
            false,
        ),
    ]
}

#[test]
fn face_values() {
    for (name, scene, _) in scenes() {
        match scene.blob() {
            Some(b) => println!(
                "{name:26} area {:.3} centre ({:.2}, {:.2}) fill {:.2} aspect {:.2}",
                b.area, b.centre.0, b.centre.1, b.fill, b.aspect
            ),
            None => println!("{name:26} no skin"),
        }
    }
}

#[test]
fn half_length_portraits_have_a_face_and_id_cards_and_walls_do_not() {
    for (name, scene, expected) in scenes() {
        assert_eq!(scene.found(), expected, "{name}: {:?}", scene.blob());
    }
}

#[test]
fn skin_tones_from_pale_to_very_dark_are_skin_and_paper_is_not() {
    for (r, g, b) in [
        (246, 218, 200),
        (255, 224, 196),
        (214, 164, 134),
        (198, 134, 66),
        (141, 85, 36),
        (104, 68, 48),
        (60, 40, 30),
    ] {
        assert!(is_skin(r, g, b), "({r}, {g}, {b})");
    }
    for (r, g, b) in [
        // The browser tests' ID card picture (tests/src/lib.rs): card, photo box, desk.
        (196, 194, 186),
        (150, 140, 132),
        (96, 100, 104),
        // ID card stock, white paper, a blue backdrop, a grey wall, black, white.
        (222, 230, 236),
        (246, 246, 244),
        (60, 110, 190),
        (186, 191, 197),
        (0, 0, 0),
        (255, 255, 255),
        // Too dark to say.
        (30, 20, 15),
    ] {
        assert!(!is_skin(r, g, b), "({r}, {g}, {b})");
    }
}

#[test]
fn a_beige_wall_behind_the_person_is_refused_as_documented() {
    // The known failure: a skin-coloured wall merges with the face into one region far too
    // large for a head, so this portrait is refused (and may be kept after two retakes).
    let mut s = Scene::new(384, 512, |_, _| [232.0, 196.0, 166.0]);
    person(&mut s, 0.5, 0.34, 0.2, 0.19, MEDIUM);
    let blob = s.blob().expect("skin");
    assert!(blob.area > HEAD.max_skin_area, "{blob:?}");
    assert!(!s.found());
}

#[test]
fn detected_faces_count_when_large_and_centred_like_a_head() {
    let face = |x: f32, y: f32, size: f32| Region {
        x: x - size / 2.0,
        y: y - size / 2.0,
        width: size,
        height: size * 1.2,
    };
    let found = |faces: &[Region]| judge_detected(faces).found;
    assert!(found(&[face(0.5, 0.35, 0.25)]), "a selfie's face");
    assert!(
        found(&[face(0.77, 0.45, 0.2), face(0.5, 0.3, 0.15)]),
        "any centred one"
    );
    assert!(!found(&[]), "none");
    assert!(
        !found(&[face(0.77, 0.45, 0.2)]),
        "an ID card's printed face, right third"
    );
    assert!(
        !found(&[face(0.5, 0.4, 0.05)]),
        "a card held far away: too small"
    );
    assert!(!found(&[face(0.5, 0.9, 0.2)]), "at the bottom edge");
    assert_eq!(judge_detected(&[]).method, FaceMethod::Detector);
}

#[test]
fn pixel_boxes_become_shares_and_bad_ones_are_dropped() {
    let r = Region::from_pixels(500.0, 200.0, 1000.0, 400.0, 2000, 1000).unwrap();
    assert_eq!((r.x, r.y, r.width, r.height), (0.25, 0.2, 0.5, 0.4));
    assert!((r.area() - 0.2).abs() < 1e-6);
    assert_eq!(r.centre(), (0.5, 0.4));
    assert!(Region::from_pixels(0.0, 0.0, 1.0, 1.0, 0, 10).is_none());
    assert!(Region::from_pixels(f64::NAN, 0.0, 1.0, 1.0, 10, 10).is_none());
}

#[test]
fn the_largest_region_wins_and_its_measures_are_exact_on_a_grid() {
    // 64 × 64, cells of 1 px: a 16 × 32 skin rectangle at (24, 8) and a 4 × 4 speck.
    let mut s = Scene::new(64, 64, |_, _| WALL);
    s.rect(24.0 / 64.0, 8.0 / 64.0, 40.0 / 64.0, 40.0 / 64.0, MEDIUM);
    s.rect(0.0, 0.0, 4.0 / 64.0, 4.0 / 64.0, MEDIUM);
    let b = s.blob().unwrap();
    assert!((b.area - 512.0 / 4096.0).abs() < 1e-6, "{b:?}");
    assert_eq!(b.centre, (0.5, 0.375));
    assert_eq!(b.fill, 1.0);
    assert_eq!(b.aspect, 2.0);
    assert_eq!(b.bounds.x, 24.0 / 64.0);
}

#[test]
fn no_skin_and_mismatched_buffers_give_none() {
    assert!(skin_blob(&[0; 16], 2, 2).is_none());
    assert!(
        skin_blob(&[200, 150, 120, 255], 2, 2).is_none(),
        "short buffer"
    );
    assert!(skin_blob(&[], 0, 0).is_none());
    assert!(!judge_skin(None).found);
}

proptest! {
    #[test]
    fn never_panics_on_any_size_or_bytes(w in 0u32..90, h in 0u32..90, seed in any::<u64>(), extra in 0usize..3) {
        let len = (w * h * 4) as usize + extra;
        let mut x = seed | 1;
        let bytes: Vec<u8> = (0..len).map(|_| { x ^= x << 13; x ^= x >> 7; x ^= x << 17; x as u8 }).collect();
        if let Some(b) = skin_blob(&bytes, w, h) {
            prop_assert!(b.area > 0.0 && b.area <= 1.0 + 1e-6);
            prop_assert!(b.fill > 0.0 && b.fill <= 1.0 + 1e-6);
        }
    }
}
