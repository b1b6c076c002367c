//! Reading the vendors' request bodies: form-urlencoded or multipart, text fields and files.

use axum::{
    extract::{FromRequest, Multipart, Request},
    http::header::CONTENT_TYPE,
};
use base64::Engine;

/// A parsed body.
#[derive(Debug, Default)]
pub struct Body {
    /// Text fields in order.
    pub text: Vec<(String, String)>,
    /// File parts by field name.
    pub files: Vec<(String, Vec<u8>)>,
}

impl Body {
    /// The first text value of `name`.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.text
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// The file part `name`.
    pub fn file(&self, name: &str) -> Option<&[u8]> {
        self.files
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_slice())
    }

    /// Fields for the request log: files summarised.
    pub fn summary(&self) -> Vec<(String, String)> {
        let mut out = self.text.clone();
        out.extend(
            self.files
                .iter()
                .map(|(k, v)| (k.clone(), describe_bytes(v))),
        );
        out
    }
}

/// `<jpeg 1234 bytes>` and the like.
pub fn describe_bytes(bytes: &[u8]) -> String {
    let kind = haoka_shared::photo::sniff(bytes)
        .map(|k| k.extension())
        .unwrap_or("unknown");
    format!("<{kind} {} bytes>", bytes.len())
}

/// Why a body could not be read.
#[derive(Debug)]
pub struct Unreadable(pub String);

/// Read a form-urlencoded or multipart body.
pub async fn read(req: Request) -> Result<Body, Unreadable> {
    let ct = req
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase();
    if ct.starts_with("multipart/form-data") {
        let mut mp = Multipart::from_request(req, &())
            .await
            .map_err(|e| Unreadable(e.body_text()))?;
        let mut body = Body::default();
        while let Some(field) = mp
            .next_field()
            .await
            .map_err(|e| Unreadable(e.body_text()))?
        {
            let name = field.name().unwrap_or("").to_owned();
            let is_file = field.file_name().is_some();
            let bytes = field.bytes().await.map_err(|e| Unreadable(e.body_text()))?;
            if is_file {
                body.files.push((name, bytes.to_vec()));
            } else {
                body.text
                    .push((name, String::from_utf8_lossy(&bytes).into_owned()));
            }
        }
        Ok(body)
    } else if ct.starts_with("application/x-www-form-urlencoded") || ct.is_empty() {
        let bytes = axum::body::to_bytes(req.into_body(), crate::BODY_LIMIT)
            .await
            .map_err(|e| Unreadable(e.to_string()))?;
        let text: Vec<(String, String)> =
            serde_urlencoded::from_bytes(&bytes).map_err(|e| Unreadable(e.to_string()))?;
        Ok(Body {
            text,
            files: Vec::new(),
        })
    } else {
        Err(Unreadable(format!("unsupported content type {ct}")))
    }
}

/// Decode a BASE64 image parameter (a `data:image/…;base64,` prefix is accepted), returning
/// the bytes when they are a JPEG or PNG of at most 2 MB.
pub fn decode_image(value: &str) -> Option<Vec<u8>> {
    let b64 = match value.split_once(";base64,") {
        Some((head, rest)) if head.starts_with("data:") => rest,
        _ => value,
    };
    let cleaned: String = b64.chars().filter(|c| !c.is_whitespace()).collect();
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(cleaned)
        .ok()?;
    haoka_shared::photo::check_photo(&bytes).ok()?;
    Some(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn images() {
        let jpeg = base64::engine::general_purpose::STANDARD.encode([0xFF, 0xD8, 0xFF, 0xE0, 1, 2]);
        assert!(decode_image(&jpeg).is_some());
        assert!(decode_image(&format!("data:image/jpeg;base64,{jpeg}")).is_some());
        assert!(decode_image("not base64!").is_none());
        let gif = base64::engine::general_purpose::STANDARD.encode(b"GIF89a");
        assert!(decode_image(&gif).is_none());
    }
}
