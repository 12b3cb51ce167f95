//! [`WebUrl`]: an absolute `http`/`https` URL, strictly parsed, held in the serialized form of
//! the [WHATWG URL Standard] — the text a browser's `URL` parser, Node's and the `url` crate
//! give for it — so that what we check is what the browser requests or navigates to.
//!
//! Why our own: the `url` crate's `Url` (its parser, IDNA tables and smallvec) costs about
//! 29 KB gzip of `.wasm`; this module costs a few. The `url` crate stays, as the reference:
//! its `Url` is what this parser is differentially tested against (`differential.rs`, tests
//! and fuzzing), and its `form_urlencoded` what our own smaller form codec (`form.rs`, which
//! reads and writes query strings here) is tested against.
//!
//! The rules. Everything accepted is serialized exactly as WHATWG does it; where WHATWG would
//! *repair* a text (trim it, drop characters, rewrite a host or a port), we refuse it instead:
//! a URL that means something else than it shows is an attack surface (issue 10: `callApi`,
//! `returnTo`), and a configuration value that is not what it looks like is a bug.
//!
//! - **Scheme** `http` or `https`, any case (serialized lower case), then exactly `//`
//!   ([`UrlError::Scheme`]); no scheme at all is [`UrlError::NotAbsolute`] (`/path`,
//!   `//evil.com`).
//! - **Refused characters** ([`UrlError::Character`]): a C0 control or space at either end
//!   (WHATWG trims them), a tab, CR or LF anywhere (WHATWG drops them), a backslash anywhere
//!   (WHATWG reads it as `/`), a raw `^` or `|` in the path (Chromium percent-encodes them
//!   there, the standard does not: write `%5E`, `%7C`), a `..` segment that would remove a
//!   segment like `c:` (the `url` crate keeps such a "drive letter" in every scheme).
//! - **No credentials** ([`UrlError::Credentials`]): no `@` before the host, so neither
//!   `user:pw@host`, nor `@host`, nor `https://api.example@evil.com/` (whose host is evil.com).
//! - **Host** ([`UrlError::Host`]): ASCII letters, digits, `.` and `-`, lower-cased; no empty
//!   label except one final dot (`example.com.`). A label `xn--…` must be Punycode of a small
//!   set of characters every implementation agrees on (see `parse.rs`); give an
//!   internationalized name in that form, never raw or percent-encoded. A host that WHATWG
//!   reads as IPv4 (its last label is a number) must be canonical dotted decimal
//!   (`127.0.0.1`; not `127.1`, `0x7f.0.0.1`, `0177.0.0.1`, `1.2.3.4.`). IPv6 in brackets is
//!   parsed as WHATWG does (embedded IPv4 too) and re-serialized its way: lower-case hex,
//!   the first longest run of two or more zero pieces as `::`, `[::ffff:1.2.3.4]` as
//!   `[::ffff:102:304]`; no zone.
//! - **Port** ([`UrlError::Port`]): decimal without a leading zero, at most 65535; the
//!   scheme's default (80, 443) is dropped as WHATWG does; an empty port is refused.
//! - **Path**: empty becomes `/`; `.` and `..` segments — also `%2e`, `.%2E`, `%2e%2E`… —
//!   resolved as WHATWG does, so [`WebUrl::path`] is the path the browser requests; the path
//!   percent-encode set (C0 controls, space, `"`, `<`, `>`, `` ` ``, `{`, `}`, DEL, every
//!   non-ASCII byte) percent-encoded; existing `%XX`, even invalid, kept as written.
//! - **Query** (after `?`, before `#`) encoded with the special-query set (C0, space, `"`,
//!   `#`, `<`, `>`, `'`, DEL, non-ASCII); **fragment** with the fragment set (C0, space, `"`,
//!   `<`, `>`, `` ` ``, DEL, non-ASCII).
//!
//! Errors never echo the input: a URL can hold a code or a token. For the same reason
//! `Debug` of a [`WebUrl`] leaves out its query and fragment.
//!
//! The code: no `format!`, no float, no panic reachable from input (no indexing that can
//! fail), error paths `#[cold]`, nothing generic per caller.
//!
//! [WHATWG URL Standard]: https://url.spec.whatwg.org/

mod form;
mod parse;

#[doc(hidden)]
pub mod fuzzing;

#[cfg(test)]
mod generate;
#[cfg(test)]
mod tests;

pub use form::{form_pairs, push_form_pair, FormPairs};

/// Why a text is not a [`WebUrl`]. [`UrlError::message`] says it in words that never repeat
/// the input.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum UrlError {
    /// Not an absolute URL: no scheme (a path, `//host`, or empty).
    NotAbsolute,
    /// A scheme other than `http` or `https`, or not followed by `//`.
    Scheme,
    /// Credentials or an `@` before the host.
    Credentials,
    /// An empty or malformed host, a non-ASCII or percent-encoded one, or an IPv4 address not
    /// in canonical dotted decimal.
    Host,
    /// A port that is empty, not decimal, has a leading zero or exceeds 65535.
    Port,
    /// A character refused where it is: C0 control or space at an end, tab or newline,
    /// backslash, a raw `^` or `|` in the path, a `..` removing a segment like `c:`.
    Character,
    /// [`WebUrl::resolve_under`]: the result is not under the base.
    NotUnder,
}

impl UrlError {
    /// A sentence fragment to follow the name of what was parsed ("`apiBase` …").
    pub fn message(self) -> &'static str {
        match self {
            UrlError::NotAbsolute => "is not an absolute URL (it must start with https://)",
            UrlError::Scheme => "must be an https:// (or http://) URL",
            UrlError::Credentials => "must not contain credentials or an @ before the host",
            UrlError::Host => {
                "has an invalid host: use letters, digits, dots and hyphens (an \
                 internationalized name in its punycode xn-- form), a dotted-decimal IPv4 \
                 address or a bracketed IPv6 address"
            }
            UrlError::Port => "has an invalid port (digits, no leading zero, at most 65535)",
            UrlError::Character => {
                "contains a character not allowed there (a space or control character at an \
                 end, a tab or line break, a backslash, a raw ^ or | in the path, or .. after a \
                 segment like c:)"
            }
            UrlError::NotUnder => "is not under the base URL",
        }
    }
}

impl core::fmt::Display for UrlError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.message())
    }
}

impl std::error::Error for UrlError {}

/// What kind of host a [`WebUrl`] has.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum HostKind {
    Domain,
    Ipv4,
    Ipv6,
}

/// An absolute `http` or `https` URL in WHATWG serialized form; made only by
/// [`WebUrl::parse`] (and the methods that derive one URL from another), so holding one means
/// the rules of the module documentation hold.
///
/// Two `WebUrl`s are equal when their serializations are.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct WebUrl {
    /// The serialization; ASCII only.
    text: String,
    host_start: usize,
    host_end: usize,
    host_kind: HostKind,
    port: Option<u16>,
    /// Where the path starts: the end of the origin.
    path_start: usize,
    /// Where the `?` is.
    query_start: Option<usize>,
    /// Where the `#` is.
    fragment_start: Option<usize>,
}

impl WebUrl {
    /// Parses an absolute http(s) URL under the module's rules, giving its WHATWG
    /// serialization.
    pub fn parse(text: &str) -> Result<WebUrl, UrlError> {
        parse::parse(text)
    }

    /// The serialization (`https://host/path?query#fragment`), as `URL.href` gives it.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The serialization, as an owned string.
    pub fn into_string(self) -> String {
        self.text
    }

    /// `"https"` or `"http"`.
    pub fn scheme(&self) -> &str {
        if self.is_https() {
            "https"
        } else {
            "http"
        }
    }

    /// True for `https`.
    pub fn is_https(&self) -> bool {
        self.host_start == "https://".len()
    }

    /// The serialized host: a lower-case domain, a dotted-decimal IPv4 address, or an IPv6
    /// address in brackets (`URL.hostname`).
    pub fn host(&self) -> &str {
        self.slice(self.host_start, self.host_end)
    }

    /// The port when it is not the scheme's default (`URL.port`, as a number).
    pub fn port(&self) -> Option<u16> {
        self.port
    }

    /// The port, the scheme's default included.
    pub fn port_or_default(&self) -> u16 {
        match (self.port, self.is_https()) {
            (Some(port), _) => port,
            (None, true) => 443,
            (None, false) => 80,
        }
    }

    /// The ASCII serialization of the origin, `scheme://host[:port]` (`URL.origin`); two URLs
    /// are same-origin exactly when these are equal.
    pub fn origin(&self) -> &str {
        self.slice(0, self.path_start)
    }

    /// The path, starting with `/`, dot segments resolved (`URL.pathname`).
    pub fn path(&self) -> &str {
        let end = self
            .query_start
            .or(self.fragment_start)
            .unwrap_or(self.text.len());
        self.slice(self.path_start, end)
    }

    /// The query without its `?`; `Some("")` for a bare `?` (unlike `URL.search`).
    pub fn query(&self) -> Option<&str> {
        let start = self.query_start?;
        let end = self.fragment_start.unwrap_or(self.text.len());
        Some(self.slice(start + 1, end))
    }

    /// The fragment without its `#`; `Some("")` for a bare `#`.
    pub fn fragment(&self) -> Option<&str> {
        let start = self.fragment_start?;
        Some(self.slice(start + 1, self.text.len()))
    }

    /// True for `localhost`, 127.0.0.0/8 and `[::1]`, where plain http is allowed for
    /// development.
    pub fn is_loopback(&self) -> bool {
        let host = self.host();
        match self.host_kind {
            HostKind::Domain => host == "localhost",
            HostKind::Ipv4 => host.starts_with("127."),
            HostKind::Ipv6 => host == "[::1]",
        }
    }

    /// The same URL without its fragment (`#…` removed).
    pub fn without_fragment(&self) -> WebUrl {
        match self.fragment_start {
            Some(start) => {
                self.with_text(String::from(self.slice(0, start)), self.query_start, None)
            }
            None => self.clone(),
        }
    }

    /// The query's `application/x-www-form-urlencoded` pairs, decoded (`+` as space, `%XX`,
    /// invalid UTF-8 replaced), in order, empty pieces skipped: the `url` crate's
    /// `query_pairs`, `URLSearchParams`' entries.
    pub fn query_pairs(&self) -> FormPairs<'_> {
        form_pairs(self.query().unwrap_or(""))
    }

    /// This URL with `pairs` appended to its query, each `name=value` form-encoded (as the
    /// `url` crate's `form_urlencoded` does) and joined with `&`, the fragment kept: byte for byte what the `url`
    /// crate's `query_pairs_mut().append_pair(..)` gives (a URL without a query gains one,
    /// even for no pair).
    pub fn with_query_appended(&self, pairs: &[(&str, &str)]) -> WebUrl {
        let end = self.fragment_start.unwrap_or(self.text.len());
        let mut text = String::with_capacity(self.text.len() + 64);
        text.push_str(self.slice(0, end));
        let query_start = match self.query_start {
            Some(start) => start,
            None => {
                text.push('?');
                end
            }
        };
        for (name, value) in pairs {
            push_form_pair(&mut text, query_start + 1, name, value);
        }
        let fragment_start = self.fragment_start.map(|_| text.len());
        text.push_str(self.slice(end, self.text.len()));
        self.with_text(text, Some(query_start), fragment_start)
    }

    /// This URL with the query pairs whose decoded name `remove` returns true for taken out;
    /// the others decoded and encoded again as `url`'s `query_pairs_mut().extend_pairs(..)`
    /// writes them; no query at all when no pair is left. The fragment is kept.
    pub fn with_query_pairs_removed(&self, remove: &dyn Fn(&str) -> bool) -> WebUrl {
        let end = self.fragment_start.unwrap_or(self.text.len());
        let query_start = self.query_start.unwrap_or(end);
        let mut text = String::with_capacity(self.text.len());
        text.push_str(self.slice(0, query_start));
        text.push('?');
        for (name, value) in self.query_pairs() {
            if !remove(&name) {
                push_form_pair(&mut text, query_start + 1, &name, &value);
            }
        }
        let query = if text.len() > query_start + 1 {
            Some(query_start)
        } else {
            text.pop(); // the `?` of an empty query
            None
        };
        let fragment_start = self.fragment_start.map(|_| text.len());
        text.push_str(self.slice(end, self.text.len()));
        self.with_text(text, query, fragment_start)
    }

    /// A URL of the same origin and path as this one, with another query and fragment.
    fn with_text(
        &self,
        text: String,
        query_start: Option<usize>,
        fragment_start: Option<usize>,
    ) -> WebUrl {
        WebUrl {
            text,
            host_start: self.host_start,
            host_end: self.host_end,
            host_kind: self.host_kind,
            port: self.port,
            path_start: self.path_start,
            query_start,
            fragment_start,
        }
    }

    /// True when `self` lies under `base`: the same origin, and a path that is `base`'s path
    /// or below it at a segment boundary. A base path's final `/` is not significant:
    /// `/v2` and `/v2/` both cover `/v2`, `/v2/` and `/v2/x`, never `/v2evil`. Dot segments are
    /// already resolved in both, so `/v2/../admin` (parsed `/admin`) is not under `/v2`.
    /// Query and fragment are ignored.
    pub fn is_under(&self, base: &WebUrl) -> bool {
        if self.origin() != base.origin() {
            return false;
        }
        let prefix = match base.path().as_bytes() {
            [prefix @ .., b'/'] => prefix,
            prefix => prefix,
        };
        let path = self.path().as_bytes();
        path.get(..prefix.len()) == Some(prefix)
            && path.get(prefix.len()).is_none_or(|&b| b == b'/')
    }

    /// Resolves a `callApi` target against this base: an absolute URL (anything starting with
    /// a scheme) is parsed as it is; a path (`/users/me?x=1`, `users/me`) is appended to this
    /// base's path (its final `/` dropped) with one `/` between, and a bare query (`?x=1`) or
    /// `""` keeps this base's path; the text is then parsed as a whole, so dot segments
    /// resolve exactly as the browser resolves them in the URL it requests. The result must
    /// lie [under](WebUrl::is_under) this base ([`UrlError::NotUnder`]). A target starting
    /// with `//` is refused ([`UrlError::NotAbsolute`]), as is one starting with a space or
    /// control character ([`UrlError::Character`]). This base's query and fragment are not
    /// used.
    pub fn resolve_under(&self, target: &str) -> Result<WebUrl, UrlError> {
        let bytes = target.as_bytes();
        let url = if parse::scheme_end(bytes).is_some() {
            WebUrl::parse(target)?
        } else {
            if bytes.first().is_some_and(|&b| b <= b' ') {
                return Err(UrlError::Character);
            }
            if target.starts_with("//") {
                return Err(UrlError::NotAbsolute);
            }
            let path = self.path();
            let mut text = String::with_capacity(self.path_start + path.len() + target.len() + 1);
            text.push_str(self.origin());
            match bytes.first() {
                None => text.push_str(path),
                Some(b'?' | b'#') => {
                    text.push_str(path);
                    text.push_str(target);
                }
                Some(_) => {
                    text.push_str(path.strip_suffix('/').unwrap_or(path));
                    text.push('/');
                    text.push_str(target.strip_prefix('/').unwrap_or(target));
                }
            }
            WebUrl::parse(&text)?
        };
        if url.is_under(self) {
            Ok(url)
        } else {
            Err(UrlError::NotUnder)
        }
    }

    fn slice(&self, start: usize, end: usize) -> &str {
        self.text.get(start..end).unwrap_or("")
    }
}

impl core::fmt::Debug for WebUrl {
    /// The origin and path; a query or fragment shows as `?…` / `#…` (they can hold secrets).
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("WebUrl(")?;
        f.write_str(self.origin())?;
        f.write_str(self.path())?;
        if self.query_start.is_some() {
            f.write_str("?…")?;
        }
        if self.fragment_start.is_some() {
            f.write_str("#…")?;
        }
        f.write_str(")")
    }
}

impl From<WebUrl> for String {
    fn from(url: WebUrl) -> String {
        url.text
    }
}

impl AsRef<str> for WebUrl {
    fn as_ref(&self) -> &str {
        &self.text
    }
}
