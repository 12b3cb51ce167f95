//! Plain HTTP request and response values.
//!
//! The core describes requests and parses responses; the browser layer only moves the bytes
//! (the "request/process pair" habit). Tests assert on these values without a network.

use crate::core::json::parse_u64;
use crate::core::weburl::{form_pairs, push_form_pair};

use crate::core::WebUrl;

/// An HTTP method the library uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// GET
    Get,
    /// POST
    Post,
    /// DELETE
    Delete,
}

impl Method {
    /// The method's name.
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Delete => "DELETE",
        }
    }
}

/// Whether a request carries the browser's cookies (fetch's `credentials`). The protocol's
/// own requests never do ([`Credentials::Omit`]); a guest token endpoint may ask for them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Credentials {
    /// No cookies, no HTTP authentication (fetch `"omit"`): the default.
    #[default]
    Omit,
    /// Cookies only to the page's own origin (fetch `"same-origin"`).
    SameOrigin,
    /// Cookies everywhere (fetch `"include"`); a cross-origin server must then allow
    /// credentials in its CORS answer.
    Include,
}

impl Credentials {
    /// The names an app passes, in the order of the variants.
    pub const NAMES: [&'static str; 3] = ["omit", "same-origin", "include"];

    /// The variant named `name` (fetch's spelling).
    pub fn from_name(name: &str) -> Option<Credentials> {
        match name {
            "omit" => Some(Credentials::Omit),
            "same-origin" => Some(Credentials::SameOrigin),
            "include" => Some(Credentials::Include),
            _ => None,
        }
    }
}

/// A request for the platform to send. Its `Debug` omits the body, which may hold secrets.
#[derive(Clone, PartialEq, Eq)]
pub struct HttpRequest {
    /// The method.
    pub method: Method,
    /// The absolute URL.
    pub url: String,
    /// Header names and values.
    pub headers: Vec<(&'static str, String)>,
    /// The body, if any (form-encoded for the token endpoint).
    pub body: Option<String>,
    /// Whether the browser's cookies go along ([`Credentials::Omit`] but for guest tokens).
    pub credentials: Credentials,
}

impl core::fmt::Debug for HttpRequest {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("HttpRequest")
            .field("method", &self.method)
            .field("url", &self.url)
            .field("body", &self.body.as_ref().map(|_| "<redacted>"))
            .finish_non_exhaustive()
    }
}

impl HttpRequest {
    /// A form POST (`application/x-www-form-urlencoded`, RFC 6749 §4.1.3) accepting JSON.
    pub fn form_post(url: &WebUrl, params: &[(&str, &str)]) -> Self {
        let mut form = String::new();
        for (k, v) in params {
            push_form_pair(&mut form, 0, k, v);
        }
        HttpRequest {
            method: Method::Post,
            url: url.as_str().to_string(),
            headers: vec![
                (
                    "Content-Type",
                    "application/x-www-form-urlencoded".to_string(),
                ),
                ("Accept", "application/json".to_string()),
            ],
            body: Some(form),
            credentials: Credentials::Omit,
        }
    }

    /// A GET with these headers and no body (discovery, JWKS, UserInfo).
    pub fn get(url: &WebUrl, headers: Vec<(&'static str, String)>) -> Self {
        HttpRequest {
            method: Method::Get,
            url: url.as_str().to_string(),
            headers,
            body: None,
            credentials: Credentials::Omit,
        }
    }

    /// A GET accepting JSON (`Accept: application/json`), after an `Authorization` header
    /// when one is given (discovery, JWKS, UserInfo).
    #[inline(never)]
    pub fn get_json(url: &WebUrl, authorization: Option<String>) -> Self {
        let mut headers = Vec::with_capacity(2);
        if let Some(value) = authorization {
            headers.push(("Authorization", value));
        }
        headers.push(("Accept", String::from("application/json")));
        Self::get(url, headers)
    }

    /// Whether the request may follow an HTTP redirect: only when it carries no secret (no
    /// body, no `Authorization` header: discovery and the JWK Set). A request carrying the
    /// code, the verifier, a refresh token or a bearer token is sent with fetch's
    /// `redirect: "error"`: a 307 or 308 would re-send it, body and all, to wherever the
    /// `Location` points.
    pub fn follows_redirects(&self) -> bool {
        self.body.is_none() && self.header("authorization").is_none()
    }

    /// The value of a header, by case-insensitive name.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The form body's parameters (for tests and logging-free inspection).
    pub fn form_params(&self) -> Vec<(String, String)> {
        self.body
            .as_deref()
            .map(|b| form_pairs(b).into_owned().collect())
            .unwrap_or_default()
    }
}

/// A response as the platform received it. Its `Debug` omits the body.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct HttpResponse {
    /// The HTTP status.
    pub status: u16,
    /// The headers the core may read (at least `Date`, `Retry-After`, `Content-Type`,
    /// `Cache-Control`), names lower-case.
    pub headers: Vec<(String, String)>,
    /// The body as text.
    pub body: String,
}

impl core::fmt::Debug for HttpResponse {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("HttpResponse")
            .field("status", &self.status)
            .field("headers", &self.headers)
            .field("body", &"<redacted>")
            .finish()
    }
}

/// `text` without the `"` at either end (any number of them, as `trim_matches('"')`).
fn trim_quotes(text: &str) -> &str {
    let bytes = text.as_bytes();
    let start = bytes.iter().position(|&b| b != b'"').unwrap_or(bytes.len());
    let end = bytes
        .iter()
        .rposition(|&b| b != b'"')
        .map_or(start, |last| last + 1);
    text.get(start..end).unwrap_or("")
}

impl HttpResponse {
    /// How long the response may be kept, from `Cache-Control`: `max-age` in seconds, `0` for
    /// `no-store` or `no-cache`, `None` when the header says neither.
    pub fn max_age_s(&self) -> Option<u64> {
        let header = self.header("cache-control")?;
        let mut max_age = None;
        for directive in header.split(',').map(str::trim) {
            if directive.eq_ignore_ascii_case("no-store")
                || directive.eq_ignore_ascii_case("no-cache")
            {
                return Some(0);
            }
            if let Some((name, value)) = directive.split_once('=') {
                if name.trim().eq_ignore_ascii_case("max-age") {
                    max_age = parse_u64(trim_quotes(value.trim()));
                }
            }
        }
        max_age
    }

    /// The value of a header, by case-insensitive name.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trim_quotes_is_trim_matches() {
        for text in [
            "",
            "\"",
            "\"\"",
            "a",
            "\"a\"",
            "\"\"a\"",
            "a\"b",
            "\"600",
            "600\"\"\"",
            "é\"",
        ] {
            assert_eq!(trim_quotes(text), text.trim_matches('"'), "{text:?}");
        }
    }

    #[test]
    fn max_age_from_cache_control() {
        let with = |v: &str| HttpResponse {
            status: 200,
            headers: vec![("cache-control".into(), v.into())],
            body: String::new(),
        };
        assert_eq!(with("public, max-age=3600").max_age_s(), Some(3600));
        assert_eq!(with("Max-Age=\"60\"").max_age_s(), Some(60));
        assert_eq!(with("max-age=60, no-store").max_age_s(), Some(0));
        assert_eq!(with("no-cache").max_age_s(), Some(0));
        assert_eq!(with("public").max_age_s(), None);
        assert_eq!(with("max-age=-1").max_age_s(), None);
        assert_eq!(HttpResponse::default().max_age_s(), None);
    }
}
