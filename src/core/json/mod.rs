//! The crate's own JSON: a small reader and writer over a tiny [`Value`], for every document the
//! client reads (token responses, JWT headers and payloads, JWK Sets, discovery, stored
//! sessions) and writes.
//!
//! Why not serde_json: with derive it monomorphises per type, and it formats floats; together
//! that is tens of kilobytes of the `.wasm`. This module is one non-generic code path, and it
//! has no float at all.
//!
//! The rules, chosen so that we read a document exactly as the browser's `JSON.parse` would,
//! and refuse what a hostile server could use against us:
//!
//! - **Strict [RFC 8259] grammar.** No trailing commas, comments, single quotes, leading zeros,
//!   `NaN`/`Infinity`, byte order mark, or non-whitespace after the value. Raw control
//!   characters (U+0000 to U+001F) in strings are refused; every escape is understood, `\uXXXX`
//!   surrogate pairs included. A lone surrogate is refused (a Rust string cannot hold one;
//!   serde_json refuses it too).
//! - **Duplicate member names: the last value wins**, like `JSON.parse`, and the member keeps
//!   the position of its first occurrence (`JSON.parse` keeps the property where it was first
//!   created). An [`Object`] is a `Vec` of members in document order, never a map: smaller.
//! - **Limits.** Nesting deeper than [`MAX_DEPTH`] (64) arrays and objects is refused, so
//!   recursion is bounded. A document longer than its limit is refused before a single byte is
//!   parsed: [`parse`] uses [`DEFAULT_MAX_LEN`] (256 KiB); [`parse_limited`] and
//!   [`parse_bytes`] take the limit of the document kind (a token response needs far less
//!   than a discovery document).
//! - **No floats.** A [`Number`] keeps its validated lexeme. [`Number::as_u64`] and
//!   [`Number::as_i64`] succeed only for an exact integer, written without fraction or
//!   exponent, in range: `1.0`, `1e3` and `-0` are *not* exact integers (serde_json reads all
//!   three as floats), nor is `18446744073709551616`. A member that is absent is
//!   `Object::get(..) == None`; a member that is present but not an exact integer is
//!   `Some(value)` whose `as_u64()` is `None`: callers tell the two apart, and refuse the
//!   second. [`Number::scaled_u64`] reads a non-negative decimal exactly, fixed-point, for a
//!   NumericDate with a fraction (RFC 7519 §2) counted in milliseconds.
//! - **Errors never echo input.** An [`Error`] is a kind and a byte offset, nothing else: a
//!   body can hold tokens. `Debug` of a [`Value`] prints its shape, numbers and member names,
//!   never string contents.
//! - **No panic reachable from input**: no indexing that can fail, no `unwrap` on what the
//!   input decides; error paths are `#[cold]` and out of line.
//!
//! Writing ([`Value::to_json`], [`ObjectWriter`]) gives compact JSON that `JSON.parse` and
//! serde_json read back to the same value. Strings escape `"`, `\`, every control character
//! and U+2028/U+2029 (line terminators in older JavaScript); integers are written exactly.
//!
//! The reader is differentially tested against serde_json on generated and mutated documents
//! (see `tests.rs`, `differential.rs`) and fuzzed (`fuzz/`, target `json`, whose checks are in
//! [`fuzzing`]).
//!
//! [RFC 8259]: https://www.rfc-editor.org/rfc/rfc8259

mod read;
mod value;
mod write;

#[doc(hidden)]
pub mod fuzzing;

#[cfg(test)]
mod tests;

pub use read::{
    parse, parse_bytes, parse_bytes_object, parse_limited, parse_object, Error, ErrorKind,
};
pub use value::{parse_u64, push_u64};
pub use value::{Number, Object, Value};
pub use write::{write_string, ObjectWriter};

/// The deepest nesting of arrays and objects accepted: `[[…]]` with 64 brackets parses, 65 is
/// [`ErrorKind::TooDeep`]. No document of the protocol nests more than four deep; serde_json's
/// own limit is 128.
pub const MAX_DEPTH: usize = 64;

/// The document size [`parse`] accepts, in bytes (256 KiB): larger is [`ErrorKind::TooLarge`],
/// refused before parsing. A generous bound for the largest document we read (a discovery
/// document or a JWK Set is a few KiB); pick a tighter one per document kind with
/// [`parse_limited`].
pub const DEFAULT_MAX_LEN: usize = 256 * 1024;
