//! `application/x-www-form-urlencoded` ([WHATWG URL §5]), the two halves the client needs:
//! reading the pairs of a query or fragment, and writing a pair. Byte for byte what the `url`
//! crate's `form_urlencoded::parse` and `byte_serialize` do (the differential tests check
//! it), in a fraction of their code: no percent-encode table, no generic serializer.
//!
//! [WHATWG URL §5]: https://url.spec.whatwg.org/#application/x-www-form-urlencoded

use std::borrow::Cow;

use super::parse::{hex, hex_value, HEX_UPPER};

/// The pairs of a form-encoded text (`a=1&b=2`), decoded: `+` as a space, `%XX` as its byte
/// (a `%` not followed by two hexadecimal digits stays), invalid UTF-8 replaced by U+FFFD;
/// empty pieces skipped; a piece without `=` is a name with an empty value. Made by
/// [`form_pairs`] and [`super::WebUrl::query_pairs`].
/// No `Debug`: it holds a callback's query or fragment, code and state included.
#[derive(Clone)]
pub struct FormPairs<'a> {
    rest: &'a [u8],
}

/// The pairs of `text` read as a form ([`FormPairs`]), e.g. a URL's query or fragment.
pub fn form_pairs(text: &str) -> FormPairs<'_> {
    FormPairs {
        rest: text.as_bytes(),
    }
}

impl<'a> FormPairs<'a> {
    /// The pairs as owned strings.
    pub fn into_owned(self) -> impl Iterator<Item = (String, String)> + 'a {
        self.map(|(name, value)| (name.into_owned(), value.into_owned()))
    }
}

impl<'a> Iterator for FormPairs<'a> {
    type Item = (Cow<'a, str>, Cow<'a, str>);

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if self.rest.is_empty() {
                return None;
            }
            let end = self
                .rest
                .iter()
                .position(|&b| b == b'&')
                .unwrap_or(self.rest.len());
            let (piece, rest) = self.rest.split_at_checked(end).unwrap_or((self.rest, &[]));
            self.rest = rest.get(1..).unwrap_or(&[]);
            if piece.is_empty() {
                continue;
            }
            let eq = piece.iter().position(|&b| b == b'=').unwrap_or(piece.len());
            let (name, value) = piece.split_at_checked(eq).unwrap_or((piece, &[]));
            return Some((decode(name), decode(value.get(1..).unwrap_or(&[]))));
        }
    }
}

/// One name or value decoded: `+` to a space, `%XX` to its byte, then UTF-8, lossily.
fn decode(text: &[u8]) -> Cow<'_, str> {
    if !text.iter().any(|&b| b == b'+' || b == b'%') {
        return match core::str::from_utf8(text) {
            Ok(text) => Cow::Borrowed(text),
            Err(_) => Cow::Owned(lossy(text)),
        };
    }
    let mut out = Vec::with_capacity(text.len());
    let mut i = 0;
    while let Some(&b) = text.get(i) {
        i += 1;
        out.push(match b {
            b'+' => b' ',
            b'%' => match (
                text.get(i).copied().and_then(hex_value),
                text.get(i + 1).copied().and_then(hex_value),
            ) {
                (Some(high), Some(low)) => {
                    i += 2;
                    (high * 16 + low) as u8
                }
                _ => b'%',
            },
            _ => b,
        });
    }
    Cow::Owned(lossy(&out))
}

/// `String::from_utf8_lossy` (each maximal invalid subpart becomes one U+FFFD, as the
/// `Utf8Error` documentation says), over `core::str::from_utf8`, which the crate has anyway:
/// `from_utf8_lossy` itself would add a kilobyte.
fn lossy(mut bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len());
    loop {
        match core::str::from_utf8(bytes) {
            Ok(valid) => {
                out.push_str(valid);
                return out;
            }
            Err(e) => {
                let (valid, after) = bytes
                    .split_at_checked(e.valid_up_to())
                    .unwrap_or((bytes, &[]));
                out.push_str(core::str::from_utf8(valid).unwrap_or(""));
                out.push('\u{FFFD}');
                bytes = after
                    .get(e.error_len().unwrap_or(after.len())..)
                    .unwrap_or(&[]);
            }
        }
    }
}

/// Appends `text` form-encoded: ASCII letters, digits and `*-._` as they are, a space as
/// `+`, every other byte as `%XX` (upper case).
fn push_encoded(out: &mut String, text: &str) {
    for &b in text.as_bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'*' | b'-' | b'.' | b'_') {
            out.push(char::from(b));
        } else if b == b' ' {
            out.push('+');
        } else {
            out.push('%');
            out.push(char::from(hex(HEX_UPPER, b >> 4)));
            out.push(char::from(hex(HEX_UPPER, b & 0xf)));
        }
    }
}

/// Appends `name=value`, form-encoded, after a `&` unless `out` is no longer than `start` (the
/// form so far is empty): the `url` crate's `Serializer::append_pair`.
pub fn push_form_pair(out: &mut String, start: usize, name: &str, value: &str) {
    if out.len() > start {
        out.push('&');
    }
    push_encoded(out, name);
    out.push('=');
    push_encoded(out, value);
}
