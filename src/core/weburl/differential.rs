//! The differential check against the `url` crate: one text, both parsers, and an explanation
//! for every difference, or a failure.
//!
//! Test code only, shared by two users: `tests.rs` (generated inputs; stable) and the `url`
//! fuzz target (`fuzz/fuzz_targets/url.rs` includes this file with `#[path]`). Both have
//! `WebUrl` and `UrlError` in scope of the parent module, and the `url` crate.
//!
//! Where we accept, `url::Url::parse` must accept too, to the same serialization, host, port,
//! path, query, fragment, origin and query pairs; our derived URLs (query appended, pairs
//! removed, fragment dropped) must equal what `url`'s own setters make.
//!
//! Where we refuse and `url` accepts, the refusal must be one of the deliberate ones
//! ([`Stricter`]), each checked on the text: WHATWG repairs these, we refuse them.

use super::{UrlError, WebUrl};

/// A deliberate refusal of a text that the `url` crate (WHATWG) accepts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Stricter {
    /// A scheme other than http(s) (`url` parses any scheme).
    OtherScheme,
    /// Not exactly `//` after `http:` (WHATWG accepts `http:x`, `http:/x`, `http:///x`).
    Slashes,
    /// A C0 control or space at either end (WHATWG trims it).
    EdgeCharacter,
    /// A tab, CR or LF inside (WHATWG drops it).
    TabOrNewline,
    /// A backslash (WHATWG reads it as `/`).
    Backslash,
    /// A raw `^` or `|` in the path (Chromium encodes them, WHATWG does not).
    CaretOrPipeInPath,
    /// A `..` removing a segment like `c:`: the `url` crate keeps such a Windows drive letter
    /// in every scheme (WHATWG only in file: URLs; Node and browsers remove it).
    DriveLetterDotDot,
    /// `@` before the host (WHATWG reads credentials).
    Credentials,
    /// A host character outside `[A-Za-z0-9.-]`: percent, non-ASCII, `_`, `*`...
    HostCharacter,
    /// An empty label other than one final dot (`.a`, `a..b`, `.`).
    EmptyLabel,
    /// An IPv4 address not in canonical dotted decimal (WHATWG rewrites it).
    NonCanonicalIpv4,
    /// An `xn--` label outside the characters every implementation agrees on.
    Idn,
    /// An empty port or one with a leading zero (WHATWG rewrites it).
    PortForm,
}

/// How one text went, when it went as it should.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Both parsed it, to the same URL.
    BothAccept,
    /// Both refused it.
    BothReject,
    /// We refused it on purpose; `url` parsed it.
    Stricter(Stricter),
}

/// Compares our parser with the `url` crate on `text`; `Err` names an unexplained difference.
pub fn check(text: &str) -> Result<Outcome, &'static str> {
    let ours = WebUrl::parse(text);
    let theirs = if non_ascii_authority(text) {
        Err(url::ParseError::IdnaError)
    } else {
        url::Url::parse(text)
    };
    match (ours, theirs) {
        (Ok(a), Ok(b)) => same(&a, &b).map(|()| Outcome::BothAccept),
        (Err(_), Err(_)) => Ok(Outcome::BothReject),
        (Ok(_), Err(_)) => Err("we accept what url refuses"),
        (Err(e), Ok(b)) => match explain(text, e, &b) {
            Some(why) => Ok(Outcome::Stricter(why)),
            None => Err("we refuse what url accepts, for no listed reason"),
        },
    }
}

/// The `url` crate's IDNA in this build has no Unicode tables (`idna_adapter` 1.0, chosen
/// for size): it refuses every host with a non-ASCII character, raw or percent-encoded, and a
/// debug build asserts on one where an upper-case ASCII letter follows a non-ASCII one. Texts
/// whose authority (as `url` finds it: after the scheme's slashes, tabs and newlines ignored)
/// holds one are not given to it: it would refuse them. We refuse them too.
fn non_ascii_authority(text: &str) -> bool {
    let Some((_, after)) = text.split_once(':') else {
        return false;
    };
    let rest = after.trim_start_matches(['/', '\\', '\t', '\n', '\r']);
    let end = rest.find(['/', '\\', '?', '#']).unwrap_or(rest.len());
    let authority: Vec<u8> = rest[..end]
        .bytes()
        .filter(|b| !matches!(b, b'\t' | b'\n' | b'\r'))
        .collect();
    authority.iter().any(|&b| b >= 0x80)
        || authority.windows(3).any(|w| {
            w[0] == b'%'
                && matches!(w[1], b'8'..=b'9' | b'a'..=b'f' | b'A'..=b'F')
                && w[2].is_ascii_hexdigit()
        })
}

fn same(a: &WebUrl, b: &url::Url) -> Result<(), &'static str> {
    let checks: [(bool, &'static str); 10] = [
        (a.as_str() == b.as_str(), "serializations differ"),
        (a.scheme() == b.scheme(), "schemes differ"),
        (Some(a.host()) == b.host_str(), "hosts differ"),
        (a.port() == b.port(), "ports differ"),
        (
            a.port_or_default() == b.port_or_known_default().unwrap_or(0),
            "default ports differ",
        ),
        (a.path() == b.path(), "paths differ"),
        (a.query() == b.query(), "queries differ"),
        (a.fragment() == b.fragment(), "fragments differ"),
        (
            a.origin() == b.origin().ascii_serialization(),
            "origins differ",
        ),
        (a.is_loopback() == loopback(b), "loopback differs"),
    ];
    if let Some((_, why)) = checks.iter().find(|(ok, _)| !ok) {
        return Err(why);
    }
    let ours: Vec<(String, String)> = a.query_pairs().into_owned().collect();
    let theirs: Vec<(String, String)> = b.query_pairs().into_owned().collect();
    if ours != theirs {
        return Err("query pairs differ");
    }

    // Derived URLs against url's own setters.
    let pairs: [(&str, &str); 3] = [("a b", "é&=+%"), ("", ""), ("code", "x/y?z#")];
    let mut appended = b.clone();
    appended
        .query_pairs_mut()
        .extend_pairs(pairs.iter().copied());
    if a.with_query_appended(&pairs).as_str() != appended.as_str() {
        return Err("with_query_appended differs from query_pairs_mut().append_pair");
    }
    let mut none = b.clone();
    none.query_pairs_mut();
    if a.with_query_appended(&[]).as_str() != none.as_str() {
        return Err("with_query_appended(&[]) differs from query_pairs_mut()");
    }
    let odd = |name: &str| name.len() % 2 == 1;
    for remove in [
        &odd as &dyn Fn(&str) -> bool,
        &|_: &str| true,
        &|_: &str| false,
    ] {
        let kept: Vec<(String, String)> = b
            .query_pairs()
            .filter(|(k, _)| !remove(k))
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        let mut removed = b.clone();
        if kept.is_empty() {
            removed.set_query(None);
        } else {
            removed.query_pairs_mut().clear().extend_pairs(kept);
        }
        if a.with_query_pairs_removed(remove).as_str() != removed.as_str() {
            return Err("with_query_pairs_removed differs from url's clear().extend_pairs()");
        }
    }
    let mut unfragmented = b.clone();
    unfragmented.set_fragment(None);
    if a.without_fragment().as_str() != unfragmented.as_str() {
        return Err("without_fragment differs from set_fragment(None)");
    }
    Ok(())
}

fn loopback(b: &url::Url) -> bool {
    match b.host() {
        Some(url::Host::Domain(d)) => d == "localhost",
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

/// The deliberate reason for refusing `text` with `error`, checked on the text, when there
/// is one.
fn explain(text: &str, error: UrlError, theirs: &url::Url) -> Option<Stricter> {
    let bytes = text.as_bytes();
    match error {
        UrlError::Character => {
            if bytes.first().is_some_and(|&b| b <= b' ') || bytes.last().is_some_and(|&b| b <= b' ')
            {
                Some(Stricter::EdgeCharacter)
            } else if bytes.iter().any(|&b| matches!(b, b'\t' | b'\n' | b'\r')) {
                Some(Stricter::TabOrNewline)
            } else if text.contains('\\') {
                Some(Stricter::Backslash)
            } else if parts(text)?.path.contains(['^', '|']) {
                Some(Stricter::CaretOrPipeInPath)
            } else if drive_letter_dot_dot(parts(text)?.path) {
                Some(Stricter::DriveLetterDotDot)
            } else {
                None
            }
        }
        UrlError::Scheme => {
            if !matches!(theirs.scheme(), "http" | "https") {
                Some(Stricter::OtherScheme)
            } else {
                let after = text.split_once(':')?.1;
                (!after.starts_with("//") || after.starts_with("///")).then_some(Stricter::Slashes)
            }
        }
        UrlError::Credentials => parts(text)?
            .authority
            .contains('@')
            .then_some(Stricter::Credentials),
        UrlError::Host => {
            let p = parts(text)?;
            if p.authority.is_empty() || p.authority.starts_with(':') {
                // `http:///x`: WHATWG skips the third slash; `http://:80` has no host.
                return p.authority.is_empty().then_some(Stricter::Slashes);
            }
            let host = p.host;
            if host.starts_with('[') {
                return None; // IPv6 is parsed exactly as WHATWG does
            }
            if !host
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-')
            {
                return Some(Stricter::HostCharacter);
            }
            let name = host.strip_suffix('.').unwrap_or(host);
            if name.split('.').any(str::is_empty) {
                return Some(Stricter::EmptyLabel);
            }
            if let Some(url::Host::Ipv4(_)) = theirs.host() {
                return (!host.eq_ignore_ascii_case(theirs.host_str()?))
                    .then_some(Stricter::NonCanonicalIpv4);
            }
            name.split('.')
                .any(|l| l.len() >= 4 && l[..4].eq_ignore_ascii_case("xn--"))
                .then_some(Stricter::Idn)
        }
        UrlError::Port => {
            let port = parts(text)?.port?;
            (port.is_empty() || port.starts_with('0') && port.len() > 1)
                .then_some(Stricter::PortForm)
        }
        UrlError::NotAbsolute | UrlError::NotUnder => None,
        // `UrlError` is non-exhaustive to the fuzz crate, which includes this file too.
        #[allow(unreachable_patterns)]
        _ => None,
    }
}

/// A `..` (any encoding) right after a segment of an ASCII letter and `:`, once the path's
/// other dot segments are resolved, as the url crate would see it.
fn drive_letter_dot_dot(path: &str) -> bool {
    let mut stack: Vec<&str> = Vec::new();
    let dot = |s: &str| s == "." || s.eq_ignore_ascii_case("%2e");
    let dot_dot = |s: &str| {
        [".." as &str, ".%2e", "%2e.", "%2e%2e"]
            .iter()
            .any(|d| s.eq_ignore_ascii_case(d))
    };
    for segment in path.split('/').skip(1) {
        if dot_dot(segment) {
            if let Some(last) = stack.pop() {
                let b = last.as_bytes();
                if b.len() == 2 && b[0].is_ascii_alphabetic() && b[1] == b':' {
                    return true;
                }
            }
        } else if !dot(segment) {
            stack.push(segment);
        }
    }
    false
}

/// The raw parts of `scheme://authority/path?query#fragment`, split as our parser splits.
struct Parts<'a> {
    authority: &'a str,
    host: &'a str,
    port: Option<&'a str>,
    path: &'a str,
}

fn parts(text: &str) -> Option<Parts<'_>> {
    let rest = text.split_once("//")?.1;
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(end);
    let (host, port) = if authority.starts_with('[') {
        match authority.find(']') {
            Some(close) => {
                let (h, after) = authority.split_at(close + 1);
                (h, after.strip_prefix(':'))
            }
            None => (authority, None),
        }
    } else {
        match authority.split_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (authority, None),
        }
    };
    let path = &tail[..tail.find(['?', '#']).unwrap_or(tail.len())];
    Some(Parts {
        authority,
        host,
        port,
        path,
    })
}
