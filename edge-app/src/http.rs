//! A request as the routes read it and an answer as they give it, free of any runtime: the
//! adapter copies the method, path, query and headers in, and the answer's status, headers
//! and bytes out. The body is read through the platform, with the route's own cap.

use serde::{Serialize, de::DeserializeOwned};

use crate::error::AppError;

/// The request's method.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// GET.
    Get,
    /// POST.
    Post,
    /// PUT.
    Put,
    /// DELETE.
    Delete,
    /// Anything else.
    Other,
}

impl Method {
    /// From the method's name.
    pub fn parse(name: &str) -> Method {
        match name.to_ascii_uppercase().as_str() {
            "GET" => Method::Get,
            "POST" => Method::Post,
            "PUT" => Method::Put,
            "DELETE" => Method::Delete,
            _ => Method::Other,
        }
    }

    /// The method's name.
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Put => "PUT",
            Method::Delete => "DELETE",
            Method::Other => "OTHER",
        }
    }
}

/// An incoming request, without its body.
#[derive(Debug, Clone)]
pub struct Incoming {
    /// Method.
    pub method: Method,
    /// Path (no query).
    pub path: String,
    /// The query's pairs, decoded, in order.
    pub query: Vec<(String, String)>,
    /// Headers, names in lower case.
    headers: Vec<(String, String)>,
}

impl Incoming {
    /// A request; header names are compared without case.
    pub fn new(
        method: Method,
        path: impl Into<String>,
        query: Vec<(String, String)>,
        headers: Vec<(String, String)>,
    ) -> Incoming {
        Incoming {
            method,
            path: path.into(),
            query,
            headers: headers
                .into_iter()
                .map(|(k, v)| (k.to_ascii_lowercase(), v))
                .collect(),
        }
    }

    /// A header's value.
    pub fn header(&self, name: &str) -> Option<String> {
        let name = name.to_ascii_lowercase();
        self.headers
            .iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.clone())
    }

    /// Every header, names in lower case.
    pub fn headers(&self) -> &[(String, String)] {
        &self.headers
    }

    /// A query parameter's first value.
    pub fn param(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// The query's pairs as borrowed strings.
    pub fn pairs(&self) -> impl Iterator<Item = (&str, &str)> {
        self.query.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }

    /// The query decoded into `T` (HTTP 400 when it does not fit).
    pub fn query_as<T: DeserializeOwned>(&self) -> Result<T, AppError> {
        let text = serde_urlencoded::to_string(&self.query)
            .map_err(|e| AppError::BadRequest(e.to_string()))?;
        serde_urlencoded::from_str(&text).map_err(|e| AppError::BadRequest(e.to_string()))
    }

    /// The request's content type, in lower case ("" when none).
    pub fn content_type(&self) -> String {
        self.header("content-type")
            .unwrap_or_default()
            .to_ascii_lowercase()
    }

    /// Whether the body is `multipart/form-data`.
    pub fn is_multipart(&self) -> bool {
        self.content_type().starts_with("multipart/form-data")
    }
}

/// An answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    /// HTTP status.
    pub status: u16,
    /// Headers (besides the ones every API answer gets).
    pub headers: Vec<(String, String)>,
    /// The bytes.
    pub body: Vec<u8>,
}

impl Reply {
    /// `value` as JSON, status 200.
    pub fn json<T: Serialize>(value: &T) -> Result<Reply, AppError> {
        let body = serde_json::to_vec(value).map_err(|e| AppError::Internal(e.to_string()))?;
        Ok(Reply {
            status: 200,
            headers: vec![("content-type".into(), "application/json".into())],
            body,
        })
    }

    /// Plain text, status 200.
    pub fn text(text: &str) -> Reply {
        Reply {
            status: 200,
            headers: vec![("content-type".into(), "text/plain;charset=UTF-8".into())],
            body: text.as_bytes().to_vec(),
        }
    }

    /// `bytes` of `content_type`, status 200.
    pub fn bytes(content_type: &str, bytes: Vec<u8>) -> Reply {
        Reply {
            status: 200,
            headers: vec![("content-type".into(), content_type.into())],
            body: bytes,
        }
    }

    /// No body, status 204.
    pub fn empty() -> Reply {
        Reply {
            status: 204,
            headers: vec![],
            body: vec![],
        }
    }

    /// The same answer with another status.
    #[must_use]
    pub fn with_status(mut self, status: u16) -> Reply {
        self.status = status;
        self
    }

    /// The same answer with one more header (or this value for one it had).
    #[must_use]
    pub fn with_header(mut self, name: &str, value: &str) -> Reply {
        let name = name.to_ascii_lowercase();
        self.headers.retain(|(k, _)| *k != name);
        self.headers.push((name, value.to_owned()));
        self
    }

    /// A header's value.
    pub fn header(&self, name: &str) -> Option<&str> {
        let name = name.to_ascii_lowercase();
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(&name))
            .map(|(_, v)| v.as_str())
    }

    /// The body decoded as JSON (tests).
    pub fn decode<T: DeserializeOwned>(&self) -> Result<T, serde_json::Error> {
        serde_json::from_slice(&self.body)
    }
}

/// One part of a multipart body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Part {
    /// A text field.
    Text(String),
    /// A file's bytes.
    File(Vec<u8>),
}

/// A multipart body, parsed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Form {
    /// The parts by name, in order.
    pub parts: Vec<(String, Part)>,
}

impl Form {
    /// A text part's value.
    pub fn text(&self, name: &str) -> Option<&str> {
        self.parts.iter().find_map(|(k, p)| match p {
            Part::Text(t) if k == name => Some(t.as_str()),
            _ => None,
        })
    }

    /// A file part's bytes.
    pub fn file(&self, name: &str) -> Option<&[u8]> {
        self.parts.iter().find_map(|(k, p)| match p {
            Part::File(b) if k == name => Some(b.as_slice()),
            _ => None,
        })
    }

    /// Whether a part of that name is there.
    pub fn has(&self, name: &str) -> bool {
        self.parts.iter().any(|(k, _)| k == name)
    }
}
