//! Pixel size from the first bytes of a JPEG or PNG, as stored (before EXIF orientation), so
//! the browser can be asked to resize while it decodes instead of after. Reads only what the
//! headers say; `None` for anything else, truncated or malformed.

use crate::plan::Size;

/// JPEG start-of-frame markers (baseline, progressive, lossless, arithmetic …): all but the
/// DHT (C4), JPG (C8) and DAC (CC) codes in C0–CF.
fn is_sof(marker: u8) -> bool {
    (0xC0..=0xCF).contains(&marker) && !matches!(marker, 0xC4 | 0xC8 | 0xCC)
}

fn be16(bytes: &[u8], at: usize) -> Option<u32> {
    let b = bytes.get(at..at.checked_add(2)?)?;
    Some(u32::from(b[0]) << 8 | u32::from(b[1]))
}

fn be32(bytes: &[u8], at: usize) -> Option<u32> {
    let b = bytes.get(at..at.checked_add(4)?)?;
    Some(u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
}

/// The stored size of a JPEG (its first start-of-frame) or a PNG (its IHDR).
pub fn dimensions(bytes: &[u8]) -> Option<Size> {
    let size = if bytes.starts_with(&[0xFF, 0xD8]) {
        jpeg(bytes)?
    } else if bytes.starts_with(&[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A]) {
        if bytes.get(12..16)? != b"IHDR" {
            return None;
        }
        Size::new(be32(bytes, 16)?, be32(bytes, 20)?)
    } else {
        return None;
    };
    (!size.is_empty()).then_some(size)
}

fn jpeg(bytes: &[u8]) -> Option<Size> {
    let mut at = 2usize;
    // Each step moves forward by at least 2 bytes, so this ends within `bytes.len()` steps.
    while at < bytes.len() {
        if *bytes.get(at)? != 0xFF {
            return None;
        }
        let marker = *bytes.get(at + 1)?;
        match marker {
            // Fill bytes before a marker.
            0xFF => at += 1,
            // Markers without a length: TEM, RSTn, SOI.
            0x01 | 0xD0..=0xD8 => at += 2,
            // End of image, or the scan starts before any frame header: no size here.
            0xD9 | 0xDA => return None,
            _ => {
                let length = be16(bytes, at + 2)? as usize;
                if length < 2 {
                    return None;
                }
                if is_sof(marker) {
                    let height = be16(bytes, at + 5)?;
                    let width = be16(bytes, at + 7)?;
                    return Some(Size::new(width, height));
                }
                at = at.checked_add(2 + length)?;
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(name: &str) -> Vec<u8> {
        let path = format!("{}/../tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
        std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
    }

    #[test]
    fn the_fixture_jpegs_are_480_by_300() {
        for name in ["face.jpg", "back.jpg", "hand.jpg"] {
            assert_eq!(
                dimensions(&fixture(name)),
                Some(Size::new(480, 300)),
                "{name}"
            );
        }
    }

    #[test]
    fn a_png_header_gives_its_size() {
        let mut png = vec![0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13];
        png.extend_from_slice(b"IHDR");
        png.extend_from_slice(&6000u32.to_be_bytes());
        png.extend_from_slice(&4000u32.to_be_bytes());
        assert_eq!(dimensions(&png), Some(Size::new(6000, 4000)));
        png[12] = b'X';
        assert_eq!(dimensions(&png), None);
    }

    #[test]
    fn a_progressive_frame_after_an_app_segment_is_found() {
        // SOI, APP0 (length 6), SOF2 with height 3024 and width 4032.
        let jpeg = [
            0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x06, b'J', b'F', b'I', b'F', 0xFF, 0xC2, 0x00, 0x11,
            0x08, 0x0B, 0xD0, 0x0F, 0xC0, 0x03,
        ];
        assert_eq!(dimensions(&jpeg), Some(Size::new(4032, 3024)));
        // The DHT marker (C4) is not a frame header.
        let mut dht = jpeg;
        dht[11] = 0xC4;
        assert_eq!(dimensions(&dht), None);
    }

    #[test]
    fn truncated_and_garbage_input_gives_none_without_panicking() {
        let real = fixture("face.jpg");
        for cut in 0..real.len().min(2048) {
            let _ = dimensions(&real[..cut]);
        }
        let mut seed = 0x2545_F491_4F6C_DD1Du64;
        for len in 0..600 {
            let mut bytes = vec![0xFF, 0xD8];
            for _ in 0..len {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                bytes.push((seed >> 24) as u8);
            }
            let _ = dimensions(&bytes);
        }
        assert_eq!(dimensions(&[]), None);
        assert_eq!(dimensions(b"GIF89a"), None);
        assert_eq!(dimensions(&[0xFF, 0xD8, 0xFF, 0xC0, 0x00, 0x01]), None);
    }
}
