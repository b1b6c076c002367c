//! An upstream request as a plain value: method, URL, headers, body. The worker turns it into
//! a `fetch`; the tests turn it into a reqwest call. `Debug` shows the shape only (field and
//! header names, file sizes), never values: bodies carry secrets (`apipwd`, `app_token`,
//! `sign`, the phone3 token) and customers' personal data.

use std::fmt;

/// `Content-Type` of a form body. The charset is stated because Java servers (RealMe's
/// samples use `UrlEncodedFormEntity`) otherwise decode percent-escapes as ISO-8859-1.
pub const FORM_CONTENT_TYPE: &str = "application/x-www-form-urlencoded; charset=UTF-8";
/// `Content-Type` of a JSON body.
pub const JSON_CONTENT_TYPE: &str = "application/json";

/// HTTP method.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// `GET`.
    Get,
    /// `POST`.
    Post,
}

impl Method {
    /// The method's name on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
        }
    }
}

/// One file of a multipart body.
#[derive(Clone, PartialEq, Eq)]
pub struct FilePart {
    /// Form field name (e.g. `face`).
    pub name: String,
    /// File name sent with it (e.g. `face.jpg`).
    pub filename: String,
    /// MIME type of the part.
    pub mime: &'static str,
    /// Content.
    pub bytes: Vec<u8>,
}

impl fmt::Debug for FilePart {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FilePart")
            .field("name", &self.name)
            .field("filename", &self.filename)
            .field("mime", &self.mime)
            .field("len", &self.bytes.len())
            .finish()
    }
}

/// A request body.
#[derive(Clone, PartialEq, Eq)]
pub enum Body {
    /// No body.
    Empty,
    /// `application/x-www-form-urlencoded` fields, in order.
    Form(Vec<(String, String)>),
    /// A JSON document.
    Json(String),
    /// `multipart/form-data`: text fields, then files. The runtime picks the boundary.
    Multipart {
        /// Text fields, in order.
        fields: Vec<(String, String)>,
        /// File parts, in order.
        files: Vec<FilePart>,
    },
}

impl Body {
    /// The form body encoded (`a=b&c=d`, UTF-8 percent-encoded); `None` unless a form.
    pub fn urlencoded(&self) -> Option<String> {
        match self {
            Body::Form(fields) => serde_urlencoded::to_string(fields).ok(),
            _ => None,
        }
    }

    /// The first text field `name` of a form or multipart body.
    pub fn field(&self, name: &str) -> Option<&str> {
        match self {
            Body::Form(fields) | Body::Multipart { fields, .. } => fields
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.as_str()),
            Body::Empty | Body::Json(_) => None,
        }
    }

    /// The file part `name` of a multipart body.
    pub fn file(&self, name: &str) -> Option<&FilePart> {
        match self {
            Body::Multipart { files, .. } => files.iter().find(|f| f.name == name),
            _ => None,
        }
    }
}

impl fmt::Debug for Body {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names = |fields: &[(String, String)]| -> Vec<String> {
            fields.iter().map(|(k, _)| k.clone()).collect()
        };
        match self {
            Body::Empty => f.write_str("Empty"),
            Body::Form(fields) => f.debug_tuple("Form").field(&names(fields)).finish(),
            Body::Json(s) => write!(f, "Json(<{} bytes>)", s.len()),
            Body::Multipart { fields, files } => f
                .debug_struct("Multipart")
                .field("fields", &names(fields))
                .field("files", files)
                .finish(),
        }
    }
}

/// A request to send.
#[derive(Clone, PartialEq, Eq)]
pub struct HttpRequest {
    /// Method.
    pub method: Method,
    /// Absolute URL.
    pub url: String,
    /// Headers besides `Content-Type` (see [`HttpRequest::content_type`]).
    pub headers: Vec<(String, String)>,
    /// Body.
    pub body: Body,
}

impl HttpRequest {
    /// The `Content-Type` to send, or `None` when there is none to set by hand: an empty body,
    /// or multipart (the runtime sets it with the boundary it chose).
    pub fn content_type(&self) -> Option<&'static str> {
        match self.body {
            Body::Form(_) => Some(FORM_CONTENT_TYPE),
            Body::Json(_) => Some(JSON_CONTENT_TYPE),
            Body::Empty | Body::Multipart { .. } => None,
        }
    }

    /// The first header `name` (ASCII case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

impl fmt::Debug for HttpRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let headers: Vec<&str> = self.headers.iter().map(|(k, _)| k.as_str()).collect();
        f.debug_struct("HttpRequest")
            .field("method", &self.method)
            // A query string may carry signed parameters: the path is enough for a log.
            .field("url", &self.url.split('?').next().unwrap_or(""))
            .field("headers", &headers)
            .field("body", &self.body)
            .finish()
    }
}

/// `base` and `path` joined by exactly one `/` (an empty `path` leaves `base` as it is).
pub fn join_url(base: &str, path: &str) -> String {
    if path.is_empty() {
        return base.to_owned();
    }
    format!(
        "{}/{}",
        base.trim_end_matches('/'),
        path.trim_start_matches('/')
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn joins_with_one_slash() {
        for (base, path) in [
            ("http://h:1", "/a/b"),
            ("http://h:1/", "/a/b"),
            ("http://h:1/", "a/b"),
            ("http://h:1", "a/b"),
            ("http://h:1//", "//a/b"),
        ] {
            assert_eq!(join_url(base, path), "http://h:1/a/b", "{base} + {path}");
        }
        assert_eq!(
            join_url(
                "https://mertest.cloudpnr.com/realme-api/",
                "v4/trade/namecheck"
            ),
            "https://mertest.cloudpnr.com/realme-api/v4/trade/namecheck"
        );
        assert_eq!(join_url("http://h/x/", ""), "http://h/x/");
    }

    #[test]
    fn form_encoding_and_content_types() {
        let req = HttpRequest {
            method: Method::Post,
            url: "http://h/p?sign=SECRET".into(),
            headers: vec![("Authorization".into(), "tok".into())],
            body: Body::Form(vec![
                ("order_Name".into(), "张三".into()),
                ("order_Province".into(), "天津市 天津市 和平区".into()),
                ("haoma".into(), String::new()),
            ]),
        };
        assert_eq!(
            req.body.urlencoded().as_deref(),
            Some(
                "order_Name=%E5%BC%A0%E4%B8%89&order_Province=%E5%A4%A9%E6%B4%A5%E5%B8%82+%E5%A4%A9%E6%B4%A5%E5%B8%82+%E5%92%8C%E5%B9%B3%E5%8C%BA&haoma="
            )
        );
        assert_eq!(req.content_type(), Some(FORM_CONTENT_TYPE));
        assert_eq!(req.header("authorization"), Some("tok"));
        assert_eq!(req.body.field("haoma"), Some(""));
        let multipart = Body::Multipart {
            fields: vec![],
            files: vec![],
        };
        assert_eq!(multipart.urlencoded(), None);
        let mp = HttpRequest {
            body: multipart,
            ..req.clone()
        };
        assert_eq!(mp.content_type(), None);
        let json = HttpRequest {
            body: Body::Json("{}".into()),
            ..req.clone()
        };
        assert_eq!(json.content_type(), Some(JSON_CONTENT_TYPE));
        assert_eq!(Method::Get.as_str(), "GET");
    }

    #[test]
    fn debug_shows_shape_not_values() {
        let req = HttpRequest {
            method: Method::Post,
            url: "http://h/p?sign=SECRET".into(),
            headers: vec![("Authorization".into(), "tok-SECRET".into())],
            body: Body::Multipart {
                fields: vec![("apipwd".into(), "md5-SECRET".into())],
                files: vec![FilePart {
                    name: "face".into(),
                    filename: "face.jpg".into(),
                    mime: "image/jpeg",
                    bytes: vec![0xFF; 10],
                }],
            },
        };
        let shown = format!("{req:?}");
        assert!(!shown.contains("SECRET"), "{shown}");
        assert!(shown.contains("apipwd") && shown.contains("face.jpg") && shown.contains("10"));
    }
}
