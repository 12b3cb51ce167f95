//! [`ExactOrigin`]: an origin configured by the app, compared with `event.origin` by exact
//! string equality, after one normalisation of the configured text.
//!
//! The configured text goes through [`WebUrl`] (the WHATWG parse: scheme and host lower
//! case, the scheme's default port dropped, IPv6 canonical), so `HTTPS://CRM.Example:443`
//! is `https://crm.example`, the form in which a browser reports `event.origin`. Then the
//! received origin must equal that text byte for byte: `https://crm.example.evil`,
//! `https://crm.example:444`, `http://crm.example`, `https://sub.crm.example` and `null`
//! (a sandboxed or `data:` document) are refused. A received origin is never normalised: a
//! browser sends it normalised, and anything else is not from a browser.

use crate::core::weburl::WebUrl;

use super::EmbedError;

/// An origin (`scheme://host[:port]`) the bridge trusts: https, or http on a loopback host
/// (development). Made only by [`ExactOrigin::parse`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExactOrigin(String);

impl ExactOrigin {
    /// Parses a configured origin: `scheme://host[:port]`, optionally with a final `/`, and
    /// nothing else (no path, query, fragment or credentials: a URL with a path is a page,
    /// not an origin, and would hide a mistake). `null`, `*`, other schemes and plain http
    /// off loopback are `invalid_origin`.
    pub fn parse(text: &str) -> Result<ExactOrigin, EmbedError> {
        if text == "*" || text.eq_ignore_ascii_case("null") {
            return Err(EmbedError::InvalidOrigin(
                "an origin must be exact: not '*' and not 'null'",
            ));
        }
        let url = WebUrl::parse(text).map_err(|_| {
            EmbedError::InvalidOrigin("must be an http(s) origin such as https://app.example")
        })?;
        let bare = url.path() == "/" && url.query().is_none() && url.fragment().is_none();
        // `https://crm.example/` parses with path "/"; so does `https://crm.example`; but
        // `https://crm.example/?` or `/#` do not reach here (query/fragment present).
        // A byte search for "://", not `str::find` with a string pattern: that one brings
        // the Two-Way searcher into the .wasm for this line alone (2 KB before wasm-opt).
        let written_path = text
            .as_bytes()
            .windows(3)
            .position(|w| w == b"://")
            .map(|i| &text[i + 3..])
            .and_then(|rest| rest.find('/').map(|j| &rest[j..]))
            .unwrap_or("");
        if !bare || !(written_path.is_empty() || written_path == "/") {
            return Err(EmbedError::InvalidOrigin(
                "an origin is scheme://host[:port], without a path, query or fragment",
            ));
        }
        if !url.is_https() && !url.is_loopback() {
            return Err(EmbedError::InvalidOrigin(
                "an origin must be https (http only on localhost, 127.0.0.1 or [::1])",
            ));
        }
        Ok(ExactOrigin(url.origin().to_string()))
    }

    /// The origin as a browser serialises it (`https://crm.example`, `http://127.0.0.1:8081`):
    /// the `targetOrigin` of every `postMessage` to it.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether a received `event.origin` is this origin: exact string equality, nothing else.
    pub fn matches(&self, event_origin: &str) -> bool {
        self.0 == event_origin
    }
}
