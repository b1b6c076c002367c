//! Image formats from their first bytes, and the EXIF orientation of a JPEG.
//!
//! For the fallback path: when the browser cannot decode a picked file, [`sniff`] tells the
//! page what it was (an iPhone's HEIC, say) so it can say what to do instead. The EXIF
//! reader only diagnoses (the browser applies the orientation itself); both are bounded
//! scans over the given bytes that never panic, whatever the input.

use crate::Message;

/// What the first bytes say an image is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ImageFormat {
    /// JPEG: `FF D8 FF`.
    Jpeg,
    /// PNG: `89 50 4E 47 0D 0A 1A 0A`.
    Png,
    /// WebP: `RIFF` ‥ `WEBP`.
    WebP,
    /// GIF: `GIF87a` / `GIF89a`.
    Gif,
    /// HEIF/HEIC (ISO-BMFF `ftyp` with a HEIF brand): iPhone photos; most browsers other than
    /// Safari cannot decode them.
    Heif,
    /// AVIF (ISO-BMFF `ftyp` with brand `avif`/`avis`).
    Avif,
    /// Anything else, or too few bytes to tell.
    Unknown,
}

/// HEIF brands (ISO/IEC 23008-12 and common variants). `avci`/`avcs` are AVC-coded HEIF;
/// `avic` is also accepted, as seen in the wild.
const HEIF_BRANDS: [&[u8; 4]; 12] = [
    b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"hevm", b"hevs", b"mif1", b"msf1",
    b"avci", b"avic",
];

/// AVIF brands: checked before the HEIF ones, since AVIF files also carry `mif1`.
const AVIF_BRANDS: [&[u8; 4]; 2] = [b"avif", b"avis"];

/// At most this many compatible brands are read from an `ftyp` box.
const MAX_BRANDS: usize = 64;

/// The format of an image from its first bytes (16 are enough except for `ftyp` brand
/// lists; pass what you have).
pub fn sniff(bytes: &[u8]) -> ImageFormat {
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        ImageFormat::Jpeg
    } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        ImageFormat::Png
    } else if bytes.starts_with(b"GIF87a") || bytes.starts_with(b"GIF89a") {
        ImageFormat::Gif
    } else if bytes.starts_with(b"RIFF") && bytes.get(8..12) == Some(b"WEBP") {
        ImageFormat::WebP
    } else if bytes.get(4..8) == Some(b"ftyp") {
        sniff_ftyp(bytes)
    } else {
        ImageFormat::Unknown
    }
}

/// Classify an ISO-BMFF file by the major and compatible brands of its leading `ftyp` box.
fn sniff_ftyp(bytes: &[u8]) -> ImageFormat {
    let Some(size) = read_u32(bytes, 0, true) else {
        return ImageFormat::Unknown;
    };
    // size 1: a 64-bit size follows the type; size 0: the box runs to the end.
    let (header, end) = match size {
        0 => (8usize, bytes.len()),
        1 => {
            let large = bytes
                .get(8..16)
                .and_then(|b| <[u8; 8]>::try_from(b).ok())
                .map(u64::from_be_bytes);
            match large {
                Some(n) => (16, usize::try_from(n).unwrap_or(usize::MAX)),
                None => return ImageFormat::Unknown,
            }
        }
        n => (8, n as usize),
    };
    let end = end.min(bytes.len());
    // Major brand, minor version, then compatible brands.
    let major = bytes.get(header..header.saturating_add(4));
    let compatible = bytes
        .get(header.saturating_add(8)..end)
        .unwrap_or_default()
        .chunks_exact(4)
        .take(MAX_BRANDS);
    let brands: Vec<&[u8]> = major.into_iter().chain(compatible).collect();
    let has = |set: &[&[u8; 4]]| {
        brands
            .iter()
            .any(|b| set.iter().any(|s| s.as_slice() == *b))
    };
    if has(&AVIF_BRANDS) {
        ImageFormat::Avif
    } else if has(&HEIF_BRANDS) {
        ImageFormat::Heif
    } else {
        ImageFormat::Unknown
    }
}

impl ImageFormat {
    /// The MIME type, if the format is known.
    pub fn mime(self) -> Option<&'static str> {
        match self {
            ImageFormat::Jpeg => Some("image/jpeg"),
            ImageFormat::Png => Some("image/png"),
            ImageFormat::WebP => Some("image/webp"),
            ImageFormat::Gif => Some("image/gif"),
            ImageFormat::Heif => Some("image/heic"),
            ImageFormat::Avif => Some("image/avif"),
            ImageFormat::Unknown => None,
        }
    }

    /// What to tell the customer when the browser could not decode a file of this format.
    pub fn undecodable_message(self) -> Message {
        match self {
            ImageFormat::Heif => Message {
                zh: "此浏览器无法读取 HEIC 格式的照片，请选择 JPEG 或 PNG 照片，或直接使用相机拍摄",
                en: "This browser cannot read HEIC photos; choose a JPEG or PNG, or use the camera",
            },
            _ => Message {
                zh: "无法读取这张照片，请选择 JPEG 或 PNG 照片，或直接使用相机拍摄",
                en: "This photo cannot be read; choose a JPEG or PNG, or use the camera",
            },
        }
    }
}

/// At most this many JPEG segments are walked looking for EXIF.
const MAX_SEGMENTS: usize = 64;

/// At most this many IFD0 entries are read.
const MAX_IFD_ENTRIES: usize = 512;

/// The EXIF orientation (1–8) of a JPEG, or `None` when there is none, it is malformed, or
/// the bytes are not a JPEG.
///
/// Walks the marker segments before the image data (SOS), finds an APP1 `Exif\0\0`
/// segment, reads the TIFF header (`II`/`MM`, 42) and IFD0's tag `0x0112` (SHORT).
pub fn jpeg_exif_orientation(bytes: &[u8]) -> Option<u8> {
    if !bytes.starts_with(&[0xFF, 0xD8]) {
        return None;
    }
    let mut pos = 2usize;
    for _ in 0..MAX_SEGMENTS {
        // Markers may be preceded by fill bytes (FF FF …).
        while bytes.get(pos) == Some(&0xFF) && bytes.get(pos + 1) == Some(&0xFF) {
            pos += 1;
        }
        if *bytes.get(pos)? != 0xFF {
            return None;
        }
        let marker = *bytes.get(pos + 1)?;
        match marker {
            // Start of scan, end of image: no EXIF before the pixels.
            0xDA | 0xD9 => return None,
            // Standalone markers carry no length.
            0x01 | 0xD0..=0xD7 => {
                pos += 2;
                continue;
            }
            _ => {}
        }
        let len = usize::from(read_u16(bytes, pos + 2, true)?);
        if len < 2 {
            return None;
        }
        let data = bytes.get(pos + 4..pos + 2 + len)?;
        if marker == 0xE1
            && let Some(tiff) = data.strip_prefix(b"Exif\0\0")
            && let Some(o) = tiff_orientation(tiff)
        {
            return Some(o);
        }
        pos += 2 + len;
    }
    None
}

/// Orientation from IFD0 of a TIFF structure.
fn tiff_orientation(tiff: &[u8]) -> Option<u8> {
    let big_endian = match tiff.get(0..2)? {
        b"II" => false,
        b"MM" => true,
        _ => return None,
    };
    if read_u16(tiff, 2, big_endian)? != 42 {
        return None;
    }
    let ifd = usize::try_from(read_u32(tiff, 4, big_endian)?).ok()?;
    let count = usize::from(read_u16(tiff, ifd, big_endian)?).min(MAX_IFD_ENTRIES);
    for i in 0..count {
        let entry = ifd.checked_add(2)?.checked_add(i.checked_mul(12)?)?;
        let tag = read_u16(tiff, entry, big_endian)?;
        if tag != 0x0112 {
            continue;
        }
        // Type 3 (SHORT), count 1: the value sits in the first two bytes of the value field.
        let kind = read_u16(tiff, entry + 2, big_endian)?;
        let n = read_u32(tiff, entry + 4, big_endian)?;
        if kind != 3 || n != 1 {
            return None;
        }
        let value = read_u16(tiff, entry + 8, big_endian)?;
        return u8::try_from(value).ok().filter(|v| (1..=8).contains(v));
    }
    None
}

fn read_u16(bytes: &[u8], at: usize, big_endian: bool) -> Option<u16> {
    let b: [u8; 2] = bytes.get(at..at.checked_add(2)?)?.try_into().ok()?;
    Some(if big_endian {
        u16::from_be_bytes(b)
    } else {
        u16::from_le_bytes(b)
    })
}

fn read_u32(bytes: &[u8], at: usize, big_endian: bool) -> Option<u32> {
    let b: [u8; 4] = bytes.get(at..at.checked_add(4)?)?.try_into().ok()?;
    Some(if big_endian {
        u32::from_be_bytes(b)
    } else {
        u32::from_le_bytes(b)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// An `ftyp` box with `major` and `compatible` brands, then some `mdat` bytes.
    fn ftyp(major: &[u8; 4], compatible: &[&[u8; 4]]) -> Vec<u8> {
        let size = 16 + 4 * compatible.len();
        let mut v = (size as u32).to_be_bytes().to_vec();
        v.extend_from_slice(b"ftyp");
        v.extend_from_slice(major);
        v.extend_from_slice(&[0, 0, 0, 0]);
        for b in compatible {
            v.extend_from_slice(*b);
        }
        v.extend_from_slice(b"\0\0\0\x10mdatxxxxxxxx");
        v
    }

    /// A JPEG with an APP0, an APP1 EXIF whose IFD0 holds a few tags including orientation
    /// `o`, then SOS and data.
    fn jpeg_with_orientation(o: u16, big_endian: bool) -> Vec<u8> {
        let u16b = |v: u16| {
            if big_endian {
                v.to_be_bytes()
            } else {
                v.to_le_bytes()
            }
        };
        let u32b = |v: u32| {
            if big_endian {
                v.to_be_bytes()
            } else {
                v.to_le_bytes()
            }
        };
        let mut tiff = Vec::new();
        tiff.extend_from_slice(if big_endian { b"MM" } else { b"II" });
        tiff.extend_from_slice(&u16b(42));
        tiff.extend_from_slice(&u32b(8));
        tiff.extend_from_slice(&u16b(3)); // three entries
        for (tag, kind, value) in [
            (0x010F_u16, 2u16, 0u32),
            (0x0112, 3, u32::from(o)),
            (0x011A, 5, 0),
        ] {
            tiff.extend_from_slice(&u16b(tag));
            tiff.extend_from_slice(&u16b(kind));
            tiff.extend_from_slice(&u32b(1));
            if tag == 0x0112 {
                tiff.extend_from_slice(&u16b(value as u16));
                tiff.extend_from_slice(&[0, 0]);
            } else {
                tiff.extend_from_slice(&u32b(value));
            }
        }
        tiff.extend_from_slice(&u32b(0)); // no next IFD
        let mut app1 = b"Exif\0\0".to_vec();
        app1.extend_from_slice(&tiff);
        let mut v = vec![0xFF, 0xD8];
        v.extend_from_slice(&[0xFF, 0xE0, 0, 16]);
        v.extend_from_slice(b"JFIF\0\x01\x01\0\0\x01\0\x01\0\0");
        // An XMP APP1 first, which must be skipped.
        let xmp = b"http://ns.adobe.com/xap/1.0/\0<x/>";
        v.extend_from_slice(&[0xFF, 0xE1]);
        v.extend_from_slice(&((xmp.len() + 2) as u16).to_be_bytes());
        v.extend_from_slice(xmp);
        v.extend_from_slice(&[0xFF, 0xE1]);
        v.extend_from_slice(&((app1.len() + 2) as u16).to_be_bytes());
        v.extend_from_slice(&app1);
        v.extend_from_slice(&[0xFF, 0xDA, 0, 2, 0x12, 0x34, 0xFF, 0xD9]);
        v
    }

    #[test]
    fn common_formats_are_recognised() {
        assert_eq!(sniff(&[0xFF, 0xD8, 0xFF, 0xE0]), ImageFormat::Jpeg);
        assert_eq!(sniff(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR"), ImageFormat::Png);
        assert_eq!(sniff(b"GIF89a\x01\0"), ImageFormat::Gif);
        assert_eq!(sniff(b"GIF87a"), ImageFormat::Gif);
        assert_eq!(sniff(b"RIFF\x24\0\0\0WEBPVP8 "), ImageFormat::WebP);
        assert_eq!(sniff(b"RIFF\x24\0\0\0WAVEfmt "), ImageFormat::Unknown);
        assert_eq!(sniff(b""), ImageFormat::Unknown);
        assert_eq!(sniff(&[0xFF, 0xD8]), ImageFormat::Unknown);
        assert_eq!(sniff(b"%PDF-1.7"), ImageFormat::Unknown);
    }

    #[test]
    fn iphone_heic_is_heif() {
        assert_eq!(
            sniff(&ftyp(b"heic", &[b"mif1", b"heic"])),
            ImageFormat::Heif
        );
        for brand in HEIF_BRANDS {
            assert_eq!(sniff(&ftyp(brand, &[])), ImageFormat::Heif, "{brand:?}");
        }
        // A generic major brand with a HEIF compatible brand.
        assert_eq!(
            sniff(&ftyp(b"isom", &[b"iso8", b"msf1"])),
            ImageFormat::Heif
        );
        assert!(ImageFormat::Heif.undecodable_message().en.contains("HEIC"));
        assert!(!ImageFormat::Png.undecodable_message().en.contains("HEIC"));
    }

    #[test]
    fn avif_is_not_mistaken_for_heic_despite_mif1() {
        assert_eq!(
            sniff(&ftyp(b"avif", &[b"avif", b"mif1", b"miaf"])),
            ImageFormat::Avif
        );
        assert_eq!(sniff(&ftyp(b"mif1", &[b"avif"])), ImageFormat::Avif);
    }

    #[test]
    fn mp4_and_truncated_ftyp_are_unknown() {
        assert_eq!(
            sniff(&ftyp(b"isom", &[b"mp41", b"avc1"])),
            ImageFormat::Unknown
        );
        assert_eq!(sniff(b"\0\0\0\x18ftyp"), ImageFormat::Unknown);
        assert_eq!(sniff(b"\0\0\0\x18ftyphe"), ImageFormat::Unknown);
        // A box size smaller than its header, or huge: brands are read within the bytes only.
        assert_eq!(sniff(b"\0\0\0\x02ftypheic\0\0\0\0"), ImageFormat::Heif);
        assert_eq!(
            sniff(b"\xff\xff\xff\xffftypisom\0\0\0\0mif1"),
            ImageFormat::Heif
        );
    }

    #[test]
    fn large_and_open_ended_ftyp_sizes_are_handled() {
        let mut v = 1u32.to_be_bytes().to_vec();
        v.extend_from_slice(b"ftyp");
        v.extend_from_slice(&32u64.to_be_bytes());
        v.extend_from_slice(b"isom\0\0\0\0heixmif1");
        assert_eq!(sniff(&v), ImageFormat::Heif);
        assert_eq!(
            sniff(b"\0\0\0\0ftypisom\0\0\0\0mp41heic"),
            ImageFormat::Heif
        );
        assert_eq!(sniff(b"\0\0\0\x01ftyp\0\0"), ImageFormat::Unknown);
    }

    #[test]
    fn exif_orientation_is_read_in_both_byte_orders() {
        for o in 1..=8u16 {
            assert_eq!(
                jpeg_exif_orientation(&jpeg_with_orientation(o, false)),
                Some(o as u8)
            );
            assert_eq!(
                jpeg_exif_orientation(&jpeg_with_orientation(o, true)),
                Some(o as u8)
            );
        }
    }

    #[test]
    fn out_of_range_orientation_is_none() {
        for o in [0u16, 9, 256, 0xFFFF] {
            assert_eq!(
                jpeg_exif_orientation(&jpeg_with_orientation(o, false)),
                None
            );
        }
    }

    #[test]
    fn fixture_jpegs_have_no_exif_orientation() {
        for name in ["face.jpg", "back.jpg", "hand.jpg"] {
            let path = format!("{}/../tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
            let bytes = std::fs::read(path).unwrap();
            assert_eq!(sniff(&bytes), ImageFormat::Jpeg);
            assert_eq!(jpeg_exif_orientation(&bytes), None, "{name}");
        }
    }

    #[test]
    fn every_truncation_of_an_exif_jpeg_is_handled() {
        for big_endian in [false, true] {
            let full = jpeg_with_orientation(6, big_endian);
            let exif_end = full.len() - 8; // before SOS
            for cut in 0..full.len() {
                let got = jpeg_exif_orientation(&full[..cut]);
                if cut >= exif_end {
                    assert_eq!(got, Some(6), "cut {cut}");
                } else {
                    assert_eq!(got, None, "cut {cut}");
                }
            }
        }
    }

    #[test]
    fn every_single_byte_corruption_is_handled() {
        let full = jpeg_with_orientation(3, true);
        for i in 0..full.len() {
            for v in [0x00, 0x01, 0x12, 0x7F, 0xFF] {
                let mut bad = full.clone();
                bad[i] = v;
                if let Some(o) = jpeg_exif_orientation(&bad) {
                    assert!((1..=8).contains(&o));
                }
                let _ = sniff(&bad);
            }
        }
    }

    #[test]
    fn a_segment_chain_longer_than_the_bound_stops() {
        // 10 000 empty APP2 segments: the walk gives up after MAX_SEGMENTS.
        let mut v = vec![0xFF, 0xD8];
        for _ in 0..10_000 {
            v.extend_from_slice(&[0xFF, 0xE2, 0, 2]);
        }
        assert_eq!(jpeg_exif_orientation(&v), None);
        // A run of fill bytes and restart markers does not spin.
        let mut v = vec![0xFF, 0xD8];
        v.extend(std::iter::repeat_n(0xFF, 100_000));
        assert_eq!(jpeg_exif_orientation(&v), None);
    }

    proptest! {
        #[test]
        fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
            let _ = sniff(&bytes);
            if let Some(o) = jpeg_exif_orientation(&bytes) {
                prop_assert!((1..=8).contains(&o));
            }
        }

        #[test]
        fn random_bytes_after_a_jpeg_exif_header_never_panic(
            tail in proptest::collection::vec(any::<u8>(), 0..300),
            big_endian in any::<bool>(),
            len in any::<u16>(),
        ) {
            let mut v = vec![0xFF, 0xD8, 0xFF, 0xE1];
            v.extend_from_slice(&len.to_be_bytes());
            v.extend_from_slice(b"Exif\0\0");
            v.extend_from_slice(if big_endian { b"MM\0\x2a" } else { b"II\x2a\0" });
            v.extend_from_slice(&tail);
            if let Some(o) = jpeg_exif_orientation(&v) {
                prop_assert!((1..=8).contains(&o));
            }
        }
    }
}
