//! The parser: one pass over the bytes of the text, building the serialization as it goes.
//! The rules are stated in `mod.rs`; the WHATWG URL Standard's state machine is followed for
//! everything we accept (its state names in the comments), and each refusal says which rule
//! it enforces.
//!
//! It works on bytes, slicing only with `get`, so that no string slicing (whose failure path
//! formats a message) is linked in; the output is ASCII and checked to be UTF-8 once, at the
//! end.

use super::{HostKind, UrlError, WebUrl};

/// Bytes below 0x80 that a component's percent-encode set holds beyond the C0 controls
/// (U+0000 to U+001F) and U+007F, which every set holds; every byte of a non-ASCII character
/// is encoded too. A list searched with `contains` (a 128-bit mask would link a 128-bit shift
/// routine).
///
/// WHATWG "path percent-encode set" as the `url` crate and Node apply it (`?` and `#` never
/// reach it: they end the path).
const PATH_SET: &[u8] = b" \"#<>?`{}";
/// WHATWG "special-query percent-encode set" (`#` never reaches it).
const QUERY_SET: &[u8] = b" \"#<>'";
/// WHATWG "fragment percent-encode set".
const FRAGMENT_SET: &[u8] = b" \"<>`";

pub(super) const HEX_UPPER: &[u8; 16] = b"0123456789ABCDEF";
const HEX_LOWER: &[u8; 16] = b"0123456789abcdef";

/// WHATWG "UTF-8 percent-encode" of `text` with `set`, appended to `out`.
fn encode_into(out: &mut Vec<u8>, text: &[u8], set: &[u8]) {
    for &b in text {
        if !(0x20..0x7f).contains(&b) || set.contains(&b) {
            out.push(b'%');
            out.push(hex(HEX_UPPER, b >> 4));
            out.push(hex(HEX_UPPER, b & 0xf));
        } else {
            out.push(b);
        }
    }
}

pub(super) fn hex(digits: &[u8; 16], nibble: u8) -> u8 {
    digits
        .get(usize::from(nibble & 0xf))
        .copied()
        .unwrap_or(b'0')
}

pub(super) fn hex_value(b: u8) -> Option<u16> {
    match b {
        b'0'..=b'9' => Some(u16::from(b - b'0')),
        b'a'..=b'f' => Some(u16::from(b - b'a') + 10),
        b'A'..=b'F' => Some(u16::from(b - b'A') + 10),
        _ => None,
    }
}

#[cold]
#[inline(never)]
fn fail<T>(error: UrlError) -> Result<T, UrlError> {
    Err(error)
}

/// The position of the first byte of `bytes` that `stop` returns true for, or its length.
fn find(bytes: &[u8], stop: fn(u8) -> bool) -> usize {
    bytes.iter().position(|&b| stop(b)).unwrap_or(bytes.len())
}

/// `bytes` cut at `at`: both halves, the second empty when `at` is past the end.
fn cut(bytes: &[u8], at: usize) -> (&[u8], &[u8]) {
    bytes.split_at_checked(at).unwrap_or((bytes, &[]))
}

/// Parses `input` into a [`WebUrl`]; see the module documentation for what is accepted.
pub(super) fn parse(input: &str) -> Result<WebUrl, UrlError> {
    let bytes = input.as_bytes();
    let (Some(&first), Some(&last)) = (bytes.first(), bytes.last()) else {
        return fail(UrlError::NotAbsolute);
    };
    // WHATWG trims C0 controls and spaces at both ends and drops tabs and newlines anywhere;
    // it reads `\` as `/` in http(s) URLs. We refuse all of them: what the text shows is what
    // the URL is.
    if first <= b' ' || last <= b' ' {
        return fail(UrlError::Character);
    }
    if bytes
        .iter()
        .any(|&b| matches!(b, b'\t' | b'\n' | b'\r' | b'\\'))
    {
        return fail(UrlError::Character);
    }

    // Scheme state: ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ) ":". Anything else is a
    // relative reference.
    let Some(colon) = scheme_end(bytes) else {
        return fail(UrlError::NotAbsolute);
    };
    let (scheme, rest) = cut(bytes, colon);
    let https = if scheme.eq_ignore_ascii_case(b"https") {
        true
    } else if scheme.eq_ignore_ascii_case(b"http") {
        false
    } else {
        return fail(UrlError::Scheme);
    };
    // Special authority slashes state: WHATWG accepts any number of slashes (`http:x`,
    // `http:///x`); we want exactly two, followed by the host.
    let [b':', b'/', b'/', rest @ ..] = rest else {
        return fail(UrlError::Scheme);
    };

    // Authority state: up to the first `/`, `?` or `#`.
    let (authority, tail) = cut(rest, find(rest, |b| matches!(b, b'/' | b'?' | b'#')));
    if authority.contains(&b'@') {
        // `user:pass@host`, `@host`, and `api.example@evil.com` (whose host is evil.com).
        return fail(UrlError::Credentials);
    }

    let mut out: Vec<u8> = Vec::with_capacity(input.len() + 8);
    out.extend_from_slice(if https { b"https://" } else { b"http://" });
    let host_start = out.len();

    // Host state: `:` outside brackets starts the port.
    let (host, port) = if authority.first() == Some(&b'[') {
        let (host, after) = cut(authority, find(authority, |b| b == b']') + 1);
        match after.split_first() {
            None => (host, None),
            Some((b':', port)) => (host, Some(port)),
            Some(_) => return fail(UrlError::Host),
        }
    } else {
        let (host, after) = cut(authority, find(authority, |b| b == b':'));
        (host, after.get(1..))
    };
    let host_kind = parse_host(host, &mut out)?;
    let host_end = out.len();
    let port = match port {
        Some(text) => parse_port(text, if https { 443 } else { 80 })?,
        None => None,
    };
    if let Some(port) = port {
        out.push(b':');
        push_decimal(&mut out, port);
    }

    // Path state, then query and fragment.
    let path_start = out.len();
    let (path, tail) = cut(tail, find(tail, |b| b == b'?' || b == b'#'));
    parse_path(path, &mut out)?;
    let (query, fragment) = cut(tail, find(tail, |b| b == b'#'));
    let query_start = match query.split_first() {
        Some((_, query)) => {
            let start = out.len();
            out.push(b'?');
            encode_into(&mut out, query, QUERY_SET);
            Some(start)
        }
        None => None,
    };
    let fragment_start = match fragment.split_first() {
        Some((_, fragment)) => {
            let start = out.len();
            out.push(b'#');
            encode_into(&mut out, fragment, FRAGMENT_SET);
            Some(start)
        }
        None => None,
    };
    let Ok(text) = String::from_utf8(out) else {
        return fail(UrlError::Character); // never: the output is ASCII
    };
    Ok(WebUrl {
        text,
        host_start,
        host_end,
        host_kind,
        port,
        path_start,
        query_start,
        fragment_start,
    })
}

/// Where the scheme's `:` is, when `bytes` starts with a URL scheme.
pub(super) fn scheme_end(bytes: &[u8]) -> Option<usize> {
    if !bytes.first()?.is_ascii_alphabetic() {
        return None;
    }
    for (i, &b) in bytes.iter().enumerate() {
        match b {
            b':' => return Some(i),
            b'+' | b'-' | b'.' => {}
            _ if b.is_ascii_alphanumeric() => {}
            _ => return None,
        }
    }
    None
}

/// A port: decimal digits without a leading zero, at most 65535. The scheme's default port
/// gives `None` (WHATWG drops it). WHATWG also accepts an empty port and leading zeros,
/// rewriting them; we refuse them.
fn parse_port(text: &[u8], default: u16) -> Result<Option<u16>, UrlError> {
    if text.is_empty() || (text.len() > 1 && text.first() == Some(&b'0')) {
        return fail(UrlError::Port);
    }
    let mut value: u16 = 0;
    for &b in text {
        if !b.is_ascii_digit() {
            return fail(UrlError::Port);
        }
        let Some(next) = value
            .checked_mul(10)
            .and_then(|v| v.checked_add(u16::from(b - b'0')))
        else {
            return fail(UrlError::Port);
        };
        value = next;
    }
    Ok(if value == default { None } else { Some(value) })
}

fn push_decimal(out: &mut Vec<u8>, value: u16) {
    let mut divisor: u16 = 10_000;
    let mut started = false;
    while divisor > 0 {
        let digit = (value / divisor % 10) as u8;
        if digit != 0 || started || divisor == 1 {
            started = true;
            out.push(b'0' + digit);
        }
        divisor /= 10;
    }
}

// ---- host -----------------------------------------------------------------------------------

/// WHATWG "host parsing" for a special URL, restricted: a bracketed IPv6 address, a canonical
/// dotted-decimal IPv4 address, or an ASCII domain of letters, digits, dots and hyphens.
fn parse_host(host: &[u8], out: &mut Vec<u8>) -> Result<HostKind, UrlError> {
    if host.first() == Some(&b'[') {
        let [b'[', inner @ .., b']'] = host else {
            return fail(UrlError::Host);
        };
        let Some(pieces) = parse_ipv6(inner) else {
            return fail(UrlError::Host);
        };
        out.push(b'[');
        write_ipv6(&pieces, out);
        out.push(b']');
        return Ok(HostKind::Ipv6);
    }
    // UTS #46 maps ASCII upper case to lower case; every other byte we refuse: non-ASCII and
    // `%` (an internationalized or percent-encoded host: give the punycode form), `_`, and
    // the rest of what WHATWG would accept or reject.
    let start = out.len();
    for &b in host {
        let b = b.to_ascii_lowercase();
        if !(b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'.' || b == b'-') {
            return fail(UrlError::Host);
        }
        out.push(b);
    }
    let domain = out.get(start..).unwrap_or(&[]);
    // Empty labels: WHATWG accepts `.`, `.a`, `a..b`; we accept only one final dot after a
    // name (`example.com.`). The empty host is refused by WHATWG too.
    let name = match domain {
        [name @ .., b'.'] => name,
        _ => domain,
    };
    if name.is_empty() || name.split(|&b| b == b'.').any(<[u8]>::is_empty) {
        return fail(UrlError::Host);
    }
    if ends_in_a_number(domain) {
        // WHATWG would read `127.1`, `0x7f.1`, `0177.0.0.1`, `1.2.3.4.` as IPv4 addresses and
        // rewrite them; `example.123` would fail. We accept only the canonical form.
        return if is_canonical_ipv4(domain) {
            Ok(HostKind::Ipv4)
        } else {
            fail(UrlError::Host)
        };
    }
    for label in name.split(|&b| b == b'.') {
        if let [b'x', b'n', b'-', b'-', encoded @ ..] = label {
            if !punycode_label_ok(encoded) {
                return fail(UrlError::Host);
            }
        }
    }
    Ok(HostKind::Domain)
}

/// WHATWG "ends in a number checker": the last label (ignoring one trailing dot) is all digits,
/// or `0x`/`0X` followed by hexadecimal digits (possibly none).
fn ends_in_a_number(domain: &[u8]) -> bool {
    let name = match domain {
        [name @ .., b'.'] => name,
        _ => domain,
    };
    let start = name
        .iter()
        .rposition(|&b| b == b'.')
        .map_or(0, |dot| dot + 1);
    let last = name.get(start..).unwrap_or(&[]);
    if !last.is_empty() && last.iter().all(u8::is_ascii_digit) {
        return true;
    }
    match last {
        [b'0', b'x' | b'X', hex @ ..] => hex.iter().all(u8::is_ascii_hexdigit),
        _ => false,
    }
}

/// Four decimal numbers 0 to 255 without leading zeros, and no trailing dot: the form WHATWG
/// serializes an IPv4 address in.
fn is_canonical_ipv4(domain: &[u8]) -> bool {
    let mut count = 0;
    for part in domain.split(|&b| b == b'.') {
        count += 1;
        let ok = match part {
            [d] => d.is_ascii_digit(),
            [b'1'..=b'9', d] => d.is_ascii_digit(),
            [b'1', d, e] => d.is_ascii_digit() && e.is_ascii_digit(),
            [b'2', b'0'..=b'4', e] => e.is_ascii_digit(),
            [b'2', b'5', b'0'..=b'5'] => true,
            _ => false,
        };
        if !ok {
            return false;
        }
    }
    count == 4
}

/// WHATWG "IPv6 parser", embedded IPv4 included; `None` where it returns failure.
fn parse_ipv6(input: &[u8]) -> Option<[u16; 8]> {
    let mut pieces = [0u16; 8];
    let mut piece: usize = 0;
    let mut compress: Option<usize> = None;
    let mut i = 0;
    let at = |i: usize| input.get(i).copied();
    if at(0) == Some(b':') {
        if at(1) != Some(b':') {
            return None;
        }
        i = 2;
        piece = 1;
        compress = Some(1);
    }
    while let Some(c) = at(i) {
        if piece == 8 {
            return None;
        }
        if c == b':' {
            if compress.is_some() {
                return None;
            }
            i += 1;
            piece += 1;
            compress = Some(piece);
            continue;
        }
        let mut value: u16 = 0;
        let mut length = 0;
        while length < 4 {
            match at(i).and_then(hex_value) {
                Some(d) => {
                    value = value * 16 + d;
                    i += 1;
                    length += 1;
                }
                None => break,
            }
        }
        match at(i) {
            Some(b'.') => {
                if length == 0 || piece > 6 {
                    return None;
                }
                return ipv4_in_ipv6(input.get(i - length..)?, pieces, piece, compress);
            }
            Some(b':') => {
                i += 1;
                at(i)?;
            }
            Some(_) => return None,
            None => {}
        }
        *pieces.get_mut(piece)? = value;
        piece += 1;
    }
    finish_ipv6(pieces, piece, compress)
}

/// The IPv4 part of the WHATWG IPv6 parser: four decimal numbers, no leading zero, each at
/// most 255, filling two pieces.
fn ipv4_in_ipv6(
    input: &[u8],
    mut pieces: [u16; 8],
    mut piece: usize,
    compress: Option<usize>,
) -> Option<[u16; 8]> {
    let mut seen = 0;
    let mut i = 0;
    while i < input.len() {
        if seen > 0 {
            if seen < 4 && input.get(i) == Some(&b'.') {
                i += 1;
            } else {
                return None;
            }
        }
        let mut number: Option<u16> = None;
        while let Some(&c) = input.get(i) {
            if !c.is_ascii_digit() {
                break;
            }
            let digit = u16::from(c - b'0');
            number = match number {
                None => Some(digit),
                Some(0) => return None,
                Some(n) => Some(n * 10 + digit),
            };
            if number > Some(255) {
                return None;
            }
            i += 1;
        }
        let slot = pieces.get_mut(piece)?;
        *slot = *slot * 0x100 + number?;
        seen += 1;
        if seen == 2 || seen == 4 {
            piece += 1;
        }
    }
    if seen != 4 {
        return None;
    }
    finish_ipv6(pieces, piece, compress)
}

/// The end of the WHATWG IPv6 parser: the pieces after `::` move to the end.
fn finish_ipv6(pieces: [u16; 8], piece: usize, compress: Option<usize>) -> Option<[u16; 8]> {
    let Some(compress) = compress else {
        return (piece == 8).then_some(pieces);
    };
    let moved = piece.checked_sub(compress)?;
    let mut out = [0u16; 8];
    for (o, p) in out.iter_mut().zip(pieces.iter().take(compress)) {
        *o = *p;
    }
    for (o, p) in out
        .iter_mut()
        .skip(8 - moved)
        .zip(pieces.iter().skip(compress))
    {
        *o = *p;
    }
    Some(out)
}

/// WHATWG "IPv6 serializer": lower-case hexadecimal without leading zeros, the first longest
/// run of two or more zero pieces written `::`.
fn write_ipv6(pieces: &[u16; 8], out: &mut Vec<u8>) {
    let (mut best_start, mut best_len) = (8, 1);
    let (mut run_start, mut run_len) = (0, 0);
    for (i, &p) in pieces.iter().enumerate() {
        if p == 0 {
            if run_len == 0 {
                run_start = i;
            }
            run_len += 1;
            if run_len > best_len {
                best_start = run_start;
                best_len = run_len;
            }
        } else {
            run_len = 0;
        }
    }
    let mut i = 0;
    while let Some(&p) = pieces.get(i) {
        if i == best_start {
            out.extend_from_slice(if i == 0 { b"::" } else { b":" });
            i += best_len;
            continue;
        }
        let mut started = false;
        for shift in [12u16, 8, 4, 0] {
            let nibble = ((p >> shift) & 0xf) as u8;
            if nibble != 0 || started || shift == 0 {
                started = true;
                out.push(hex(HEX_LOWER, nibble));
            }
        }
        if i < 7 {
            out.push(b':');
        }
        i += 1;
    }
}

/// An `xn--` label's Punycode (RFC 3492 §6.2, after the prefix): it must decode, and every
/// character it encodes must be in [`is_idn_char`]. The `url` crate and browsers accept far
/// more (each with its own tables); this is the part where all of them agree. Longer than a
/// DNS label (63 with the prefix) is refused, which also bounds the work.
fn punycode_label_ok(encoded: &[u8]) -> bool {
    const BASE: u32 = 36;
    if encoded.is_empty() || encoded.len() > 59 || encoded.last() == Some(&b'-') {
        return false;
    }
    let (basic, digits) = match encoded.iter().rposition(|&b| b == b'-') {
        Some(0) => return false,
        Some(p) => (p as u32, encoded.get(p + 1..).unwrap_or(&[])),
        None => (0, encoded),
    };
    let mut length = basic;
    let mut code_point: u32 = 0x80;
    let mut bias: u32 = 72;
    let mut i: u32 = 0;
    let mut digits = digits.iter();
    while let Some(&first) = digits.next() {
        let previous = i;
        let mut weight: u32 = 1;
        let mut k = BASE;
        let mut byte = first;
        loop {
            let digit = match byte {
                b'a'..=b'z' => u32::from(byte - b'a'),
                b'0'..=b'9' => u32::from(byte - b'0') + 26,
                _ => return false,
            };
            let Some(next) = digit.checked_mul(weight).and_then(|p| i.checked_add(p)) else {
                return false;
            };
            i = next;
            let t = if k <= bias {
                1
            } else if k >= bias + 26 {
                26
            } else {
                k - bias
            };
            if digit < t {
                break;
            }
            let Some(next) = weight.checked_mul(BASE - t) else {
                return false;
            };
            weight = next;
            k += BASE;
            match digits.next() {
                Some(&b) => byte = b,
                None => return false,
            }
        }
        length += 1;
        bias = adapt(i - previous, length, previous == 0);
        let (Some(advance), Some(position)) = (i.checked_div(length), i.checked_rem(length)) else {
            return false;
        };
        let Some(next) = code_point.checked_add(advance) else {
            return false;
        };
        code_point = next;
        if !is_idn_char(code_point) {
            return false;
        }
        i = position + 1;
    }
    true
}

/// RFC 3492 §6.1 bias adaptation (`points` is at least 1).
fn adapt(delta: u32, points: u32, first: bool) -> u32 {
    let mut delta = if first { delta / 700 } else { delta / 2 };
    delta += delta.checked_div(points).unwrap_or(0);
    let mut k = 0;
    while delta > ((36 - 1) * 26) / 2 {
        delta /= 36 - 1;
        k += 36;
    }
    // `delta` is at most 455 here.
    k + (36 * delta).checked_div(delta + 38).unwrap_or(0)
}

/// The non-ASCII characters an `xn--` label may encode: lower-case letters that UTS #46
/// keeps as they are ("valid"), that are in NFC alone and in any sequence (no combining mark,
/// nothing that composes with a neighbour), left-to-right, and no joiner: Latin-1 letters
/// (not `ß`), Greek (not final `ς`), Cyrillic, hiragana, katakana and `ー`, the CJK unified
/// ideographs of Unicode 1.1, Hangul syllables. `tests/web_url.rs` checks every one of them
/// in the browsers.
pub(super) fn is_idn_char(c: u32) -> bool {
    matches!(c,
        0xE0..=0xF6 | 0xF8..=0xFF
        | 0x3B1..=0x3C1 | 0x3C3..=0x3C9
        | 0x430..=0x45F
        | 0x3041..=0x3096 | 0x30A1..=0x30FA | 0x30FC
        | 0x4E00..=0x9FA5
        | 0xAC00..=0xD7A3)
}

// ---- path -------------------------------------------------------------------------------------

/// WHATWG "path start state" and "path state" for a special URL: segments split on `/`, each
/// percent-encoded with the path set, `.` and `..` (and their `%2e` forms) resolved, an empty
/// path made `/`. A raw `^` or `|` is refused: Chromium encodes them in paths, the standard,
/// Node and the `url` crate do not; written `%5E` and `%7C` they mean the same everywhere. A
/// `..` that would remove a segment like `c:` is refused: the `url` crate keeps it.
fn parse_path(path: &[u8], out: &mut Vec<u8>) -> Result<(), UrlError> {
    if path.iter().any(|&b| b == b'^' || b == b'|') {
        return fail(UrlError::Character);
    }
    let path_start = out.len();
    // `path` is empty or starts with `/` (the authority ended there).
    if let Some((_, mut rest)) = path.split_first() {
        loop {
            let end = find(rest, |b| b == b'/');
            let (segment, more) = cut(rest, end);
            let last = more.is_empty();
            if is_double_dot(segment) {
                // Shorten the path: drop its last segment, if any.
                let keep = out
                    .get(path_start..)
                    .and_then(|p| p.iter().rposition(|&b| b == b'/'))
                    .map_or(path_start, |i| path_start + i);
                if let Some([b'/', letter, b':']) = out.get(keep..) {
                    if letter.is_ascii_alphabetic() {
                        // The `url` crate keeps a Windows drive letter here in every scheme
                        // (WHATWG: only in file: URLs), so `/c:/..` means two things.
                        return fail(UrlError::Character);
                    }
                }
                out.truncate(keep);
                if last {
                    out.push(b'/');
                }
            } else if is_single_dot(segment) {
                if last {
                    out.push(b'/');
                }
            } else {
                out.push(b'/');
                encode_into(out, segment, PATH_SET);
            }
            match more.split_first() {
                Some((_, next)) => rest = next,
                None => break,
            }
        }
    }
    if out.len() == path_start {
        out.push(b'/');
    }
    Ok(())
}

/// WHATWG "double-dot URL path segment": `..`, `.%2e`, `%2e.`, `%2e%2e`, any case of `E`.
fn is_double_dot(segment: &[u8]) -> bool {
    [b".." as &[u8], b".%2e", b"%2e.", b"%2e%2e"]
        .iter()
        .any(|d| segment.eq_ignore_ascii_case(d))
}

/// WHATWG "single-dot URL path segment": `.` or `%2e`, any case of `E`.
fn is_single_dot(segment: &[u8]) -> bool {
    segment == b"." || segment.eq_ignore_ascii_case(b"%2e")
}
