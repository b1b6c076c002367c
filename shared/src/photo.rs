//! Photos for the ID card and the portrait: JPEG or PNG by magic bytes, at most 2 MB.

use crate::ValidationError;

/// The vendor's limit: 2 × 1024 × 1024 bytes.
pub const PHOTO_MAX_BYTES: usize = 2 * 1024 * 1024;

const JPEG_MAGIC: &[u8] = &[0xFF, 0xD8, 0xFF];
const PNG_MAGIC: &[u8] = &[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A];

/// An accepted image format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PhotoKind {
    /// JPEG (starts FF D8 FF).
    Jpeg,
    /// PNG (starts 89 50 4E 47 0D 0A 1A 0A).
    Png,
}

impl PhotoKind {
    /// MIME type.
    pub fn mime(self) -> &'static str {
        match self {
            PhotoKind::Jpeg => "image/jpeg",
            PhotoKind::Png => "image/png",
        }
    }

    /// File extension without the dot.
    pub fn extension(self) -> &'static str {
        match self {
            PhotoKind::Jpeg => "jpg",
            PhotoKind::Png => "png",
        }
    }
}

/// Sniff the format from the content; the file name is never trusted.
pub fn sniff(bytes: &[u8]) -> Option<PhotoKind> {
    if bytes.starts_with(JPEG_MAGIC) {
        Some(PhotoKind::Jpeg)
    } else if bytes.starts_with(PNG_MAGIC) {
        Some(PhotoKind::Png)
    } else {
        None
    }
}

/// Validate photo bytes.
pub fn check_photo(bytes: &[u8]) -> Result<PhotoKind, ValidationError> {
    if bytes.is_empty() {
        return Err(ValidationError::Required);
    }
    let kind = sniff(bytes).ok_or(ValidationError::PhotoType)?;
    if bytes.len() > PHOTO_MAX_BYTES {
        return Err(ValidationError::PhotoTooLarge);
    }
    Ok(kind)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn magic_bytes() {
        assert_eq!(
            check_photo(&[0xFF, 0xD8, 0xFF, 0xE0, 0, 0]),
            Ok(PhotoKind::Jpeg)
        );
        assert_eq!(check_photo(b"\x89PNG\r\n\x1a\n rest"), Ok(PhotoKind::Png));
        assert_eq!(check_photo(b"GIF89a...."), Err(ValidationError::PhotoType));
        assert_eq!(check_photo(b"\x89PNG\r\n"), Err(ValidationError::PhotoType));
        assert_eq!(check_photo(&[0xFF, 0xD8]), Err(ValidationError::PhotoType));
        assert_eq!(check_photo(&[]), Err(ValidationError::Required));
    }

    #[test]
    fn size_limit_is_inclusive_two_mebibytes() {
        let mut ok = vec![0u8; PHOTO_MAX_BYTES];
        ok[..3].copy_from_slice(JPEG_MAGIC);
        assert_eq!(check_photo(&ok), Ok(PhotoKind::Jpeg));
        ok.push(0);
        assert_eq!(check_photo(&ok), Err(ValidationError::PhotoTooLarge));
        assert_eq!(PHOTO_MAX_BYTES, 2_097_152);
    }
}
