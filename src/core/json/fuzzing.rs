//! The check behind the `json` fuzz target (`fuzz/fuzz_targets/json.rs`, nightly) and the
//! corpus replay in `cargo test` (stable), so both check the same things; the list of every
//! target and the replay are in `src/core/fuzzing.rs`. Not part of the API: hidden from the
//! docs, and the release `.wasm` never calls it.
//!
//! A check panics when the code under test is wrong; that is the fuzzer's signal.

use super::{parse, parse_bytes, parse_limited, Number, Value, DEFAULT_MAX_LEN, MAX_DEPTH};

/// The JSON reader and writer on arbitrary bytes: parsing never panics; an error points
/// inside the input; what parses is written, read back to an equal value, and written again
/// to the same text; number accessors agree with each other.
pub fn json(data: &[u8]) {
    let parsed = parse_bytes(data, DEFAULT_MAX_LEN);
    if let Ok(text) = core::str::from_utf8(data) {
        assert!(parse(text) == parsed, "parse and parse_bytes disagree");
    }
    let value = match parsed {
        Ok(value) => value,
        Err(e) => {
            assert!(e.offset() <= data.len(), "error offset outside the input");
            return;
        }
    };
    let written = value.to_json();
    let again = parse_limited(&written, usize::MAX).expect("written JSON does not parse");
    assert!(again == value, "written JSON reads back differently");
    assert!(again.to_json() == written, "writing is not stable");
    assert!(
        depth(&value) <= MAX_DEPTH,
        "accepted a document nested too deep"
    );
    check_numbers(&value);
}

/// The nesting depth: 0 for a scalar, 1 for `[]`.
pub fn depth(value: &Value) -> usize {
    match value {
        Value::Array(items) => 1 + items.iter().map(depth).max().unwrap_or(0),
        Value::Object(o) => 1 + o.iter().map(|(_, v)| depth(v)).max().unwrap_or(0),
        _ => 0,
    }
}

fn check_numbers(value: &Value) {
    match value {
        Value::Number(n) => check_number(n),
        Value::Array(items) => items.iter().for_each(check_numbers),
        Value::Object(o) => o.iter().for_each(|(_, v)| check_numbers(v)),
        _ => {}
    }
}

/// An exact integer is canonical (written back the same from its value); `as_u64`,
/// `as_i64` and `scaled_u64` agree where they overlap.
fn check_number(n: &Number) {
    if let Some(u) = n.as_u64() {
        assert!(Number::from(u) == *n, "as_u64 is not exact");
        assert!(
            n.scaled_u64(0) == Some(u),
            "scaled_u64(0) differs from as_u64"
        );
    }
    if let Some(i) = n.as_i64() {
        assert!(Number::from(i) == *n, "as_i64 is not exact");
        if let Ok(u) = u64::try_from(i) {
            assert!(n.as_u64() == Some(u), "as_i64 and as_u64 disagree");
        }
    }
    let integer_lexeme = n.as_str().bytes().all(|b| b == b'-' || b.is_ascii_digit());
    if integer_lexeme && n.as_str() != "-0" && n.as_i64().is_none() {
        // Out of i64 range: then in u64 range only above i64::MAX.
        assert!(
            n.as_u64().is_none_or(|u| u > i64::MAX as u64),
            "as_i64 refused an integer in range"
        );
    }
    // scaled by more decimals is the same digits shifted, as long as it fits.
    for decimals in [0u32, 3, 9] {
        if let (Some(a), Some(b)) = (n.scaled_u64(decimals), n.scaled_u64(decimals + 1)) {
            assert!(b / 10 == a, "scaled_u64 is not a decimal shift");
        }
    }
}
