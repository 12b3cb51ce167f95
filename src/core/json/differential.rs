//! The differential check against serde_json: one input, both readers, and an explanation for
//! every difference, or a failure.
//!
//! Test code only, shared by two users: `tests.rs` (generated inputs, corpus replay; stable) and
//! the `json` fuzz target (`fuzz/fuzz_targets/json.rs` includes this file with `#[path]`).
//! Both have `json` (this crate's `core::json`) and `serde_json` in scope of the parent module.
//!
//! The deliberate differences, each accepted only with its reason checked:
//! - **depth**: we refuse nesting deeper than `MAX_DEPTH` (64); serde_json allows 127. Our
//!   `TooDeep` against serde_json's value is fine when the document's text nests more than 64
//!   deep.
//! - **size**: we refuse a document over `DEFAULT_MAX_LEN` (256 KiB) before parsing; serde_json
//!   has no limit. Our `TooLarge` is fine when the input is that long.
//! - **numbers out of f64 range**: serde_json refuses a document holding a number such as
//!   `1e400` ("number out of range"); `JSON.parse` reads it as `Infinity`, and we keep its
//!   lexeme (it is no exact integer, so callers refuse it where a number matters). Fine when
//!   serde_json says so, pointing at a number that it cannot read by itself and we can.
//!
//! Where both accept, the values must be equal: exact integers by value (serde_json's `u64` or
//! `i64`), any other number as the `f64` serde_json reads from our lexeme alone, objects as
//! serde_json's own last-wins map (same names, same values). And what we write must read back
//! in serde_json to the same value.

use super::json::{self, ErrorKind, Value};

type Theirs = serde_json::Value;

/// How one input went, when it went as it should.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Both read it, to the same value.
    BothAccept,
    /// Both refused it.
    BothReject,
    /// We refused it as nested deeper than 64; serde_json read it.
    OursTooDeep,
    /// We refused it as larger than the limit; serde_json read it.
    OursTooLarge,
    /// serde_json refused a number out of f64 range; we read it.
    TheirsOutOfRange,
}

/// Compares our reader with serde_json on `data`; `Err` names an unexplained difference.
pub fn check(data: &[u8]) -> Result<Outcome, &'static str> {
    let ours = json::parse_bytes(data, json::DEFAULT_MAX_LEN);
    let theirs = serde_json::from_slice::<Theirs>(data);
    match (ours, theirs) {
        (Ok(a), Ok(b)) => {
            if !same(&a, &b) {
                return Err("both accept, values differ");
            }
            if nesting(data) > json::MAX_DEPTH {
                return Err("we accept a document nested deeper than MAX_DEPTH");
            }
            match serde_json::from_str::<Theirs>(&a.to_json()) {
                Ok(back) if back == b => Ok(Outcome::BothAccept),
                Ok(_) => Err("serde_json reads our output to another value"),
                Err(_) => Err("serde_json refuses our output"),
            }
        }
        (Err(_), Err(_)) => Ok(Outcome::BothReject),
        (Err(e), Ok(_)) => match e.kind() {
            ErrorKind::TooDeep if nesting(data) > json::MAX_DEPTH => Ok(Outcome::OursTooDeep),
            ErrorKind::TooLarge if data.len() > json::DEFAULT_MAX_LEN => Ok(Outcome::OursTooLarge),
            _ => Err("we refuse what serde_json accepts"),
        },
        (Ok(_), Err(e)) => {
            if e.to_string().starts_with("number out of range") && out_of_range_at(data, &e) {
                Ok(Outcome::TheirsOutOfRange)
            } else {
                Err("we accept what serde_json refuses")
            }
        }
    }
}

/// Our value equals serde_json's.
pub fn same(a: &Value, b: &Theirs) -> bool {
    match (a, b) {
        (Value::Null, Theirs::Null) => true,
        (Value::Bool(x), Theirs::Bool(y)) => x == y,
        (Value::Number(n), Theirs::Number(m)) => same_number(n, m),
        (Value::String(s), Theirs::String(t)) => s == t,
        (Value::Array(x), Theirs::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(v, w)| same(v, w))
        }
        // Our names are unique, so equal counts and every name found is a bijection.
        (Value::Object(o), Theirs::Object(m)) => {
            o.len() == m.len() && o.iter().all(|(k, v)| m.get(k).is_some_and(|w| same(v, w)))
        }
        _ => false,
    }
}

fn same_number(n: &json::Number, m: &serde_json::Number) -> bool {
    if let Some(u) = n.as_u64() {
        return m.as_u64() == Some(u);
    }
    if let Some(i) = n.as_i64() {
        return m.as_i64() == Some(i);
    }
    // Not an exact integer for us (fraction, exponent, -0, or beyond 64 bits): serde_json has
    // a float, the one it reads from the lexeme alone.
    m.is_f64()
        && serde_json::from_str::<serde_json::Number>(n.as_str())
            .ok()
            .as_ref()
            == Some(m)
}

/// serde_json's error points at the last byte of a number (line and byte column, from 1)
/// that it cannot read even alone and that we read. (Our value may no longer hold that number:
/// a later duplicate name can replace it, while serde_json stops at it.)
fn out_of_range_at(data: &[u8], e: &serde_json::Error) -> bool {
    let line_start = match e.line() {
        1 => 0,
        line => match data
            .iter()
            .enumerate()
            .filter(|(_, b)| **b == b'\n')
            .nth(line - 2)
        {
            Some((i, _)) => i + 1,
            None => return false,
        },
    };
    let end = line_start + e.column();
    let Some(before) = data.get(..end) else {
        return false;
    };
    let start = before
        .iter()
        .rposition(|b| !matches!(b, b'0'..=b'9' | b'-' | b'+' | b'.' | b'e' | b'E'))
        .map_or(0, |i| i + 1);
    let Ok(lexeme) = core::str::from_utf8(&before[start..]) else {
        return false;
    };
    matches!(json::parse(lexeme), Ok(Value::Number(_)))
        && serde_json::from_str::<serde_json::Number>(lexeme).is_err()
}

/// How deep the text of a valid document nests arrays and objects (the value may nest less: a
/// deep member can be replaced by a later one of the same name).
pub fn nesting(data: &[u8]) -> usize {
    let (mut depth, mut deepest, mut in_string, mut escaped) = (0usize, 0, false, false);
    for &b in data {
        if in_string {
            match (escaped, b) {
                (true, _) => escaped = false,
                (false, b'\\') => escaped = true,
                (false, b'"') => in_string = false,
                _ => {}
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'[' | b'{' => {
                depth += 1;
                deepest = deepest.max(depth);
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    deepest
}
