//! The reader: strict RFC 8259, recursive descent bounded by [`MAX_DEPTH`], over the bytes of a
//! `&str` (so slices at ASCII delimiters are always valid UTF-8).

use super::value::{Number, Object, Value};
use super::{DEFAULT_MAX_LEN, MAX_DEPTH};

/// Why a document was refused. Never carries input: only a kind and a byte offset.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Error {
    kind: ErrorKind,
    offset: usize,
}

/// The kinds of [`Error`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorKind {
    /// Not JSON: a grammar error, a bad escape, a lone surrogate, a control character in a
    /// string, invalid UTF-8, or something after the value.
    Syntax,
    /// Arrays and objects nested deeper than [`MAX_DEPTH`].
    TooDeep,
    /// The document is longer than its limit (refused before parsing).
    TooLarge,
}

impl Error {
    /// What went wrong.
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// The byte offset in the document where it went wrong (for [`ErrorKind::TooLarge`], the
    /// limit).
    pub fn offset(&self) -> usize {
        self.offset
    }

    /// A stable snake_case code: `json_syntax`, `json_too_deep` or `json_too_large`.
    pub fn code(&self) -> &'static str {
        match self.kind {
            ErrorKind::Syntax => "json_syntax",
            ErrorKind::TooDeep => "json_too_deep",
            ErrorKind::TooLarge => "json_too_large",
        }
    }

    /// A human sentence for the kind; it never quotes the input.
    pub fn message(&self) -> &'static str {
        match self.kind {
            ErrorKind::Syntax => "the document is not valid JSON",
            ErrorKind::TooDeep => "the document nests arrays and objects too deeply",
            ErrorKind::TooLarge => "the document is larger than allowed",
        }
    }
}

impl core::fmt::Display for Error {
    /// The [`Error::message`], never the input.
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.message())
    }
}

impl std::error::Error for Error {}

/// Parses a whole document of at most [`DEFAULT_MAX_LEN`] bytes.
pub fn parse(text: &str) -> Result<Value, Error> {
    parse_limited(text, DEFAULT_MAX_LEN)
}

/// Parses a whole document of at most `max_len` bytes (longer is [`ErrorKind::TooLarge`],
/// checked before parsing).
pub fn parse_limited(text: &str, max_len: usize) -> Result<Value, Error> {
    if text.len() > max_len {
        return Err(too_large(max_len));
    }
    let mut reader = Reader {
        text,
        bytes: text.as_bytes(),
        pos: 0,
    };
    let value = reader.value(0)?;
    reader.skip_whitespace();
    if reader.pos != reader.bytes.len() {
        return Err(reader.syntax());
    }
    Ok(value)
}

/// Parses a whole document given as bytes (a decoded JWT part, say) of at most `max_len`
/// bytes: the length is checked first, then UTF-8 (invalid is [`ErrorKind::Syntax`]).
pub fn parse_bytes(bytes: &[u8], max_len: usize) -> Result<Value, Error> {
    if bytes.len() > max_len {
        return Err(too_large(max_len));
    }
    match core::str::from_utf8(bytes) {
        Ok(text) => parse_limited(text, max_len),
        Err(e) => Err(syntax_at(e.valid_up_to())),
    }
}

/// [`parse_limited`] for the readers that want an object and nothing else: `None` for any
/// error or another value. One out-of-line call instead of `.ok().and_then(..)` and the drops
/// of the error and of a non-object inlined at each reader.
#[inline(never)]
pub fn parse_object(text: &str, max_len: usize) -> Option<Object> {
    parse_limited(text, max_len).ok()?.into_object()
}

/// [`parse_bytes`] for the readers that want an object and nothing else (see
/// [`parse_object`]).
#[inline(never)]
pub fn parse_bytes_object(bytes: &[u8], max_len: usize) -> Option<Object> {
    parse_bytes(bytes, max_len).ok()?.into_object()
}

#[cold]
#[inline(never)]
fn too_large(max_len: usize) -> Error {
    Error {
        kind: ErrorKind::TooLarge,
        offset: max_len,
    }
}

#[cold]
#[inline(never)]
fn syntax_at(offset: usize) -> Error {
    Error {
        kind: ErrorKind::Syntax,
        offset,
    }
}

struct Reader<'a> {
    text: &'a str,
    bytes: &'a [u8],
    pos: usize,
}

impl Reader<'_> {
    #[cold]
    #[inline(never)]
    fn syntax(&self) -> Error {
        syntax_at(self.pos)
    }

    #[cold]
    #[inline(never)]
    fn too_deep(&self) -> Error {
        Error {
            kind: ErrorKind::TooDeep,
            offset: self.pos,
        }
    }

    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    fn next(&mut self) -> Option<u8> {
        let b = self.peek()?;
        self.pos += 1;
        Some(b)
    }

    /// Consumes `b` when it comes next.
    fn eat(&mut self, b: u8) -> bool {
        let hit = self.peek() == Some(b);
        if hit {
            self.pos += 1;
        }
        hit
    }

    /// RFC 8259 §2: space, tab, line feed, carriage return; nothing else.
    fn skip_whitespace(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.peek() {
            self.pos += 1;
        }
    }

    /// One value; `depth` counts the arrays and objects already open around it.
    fn value(&mut self, depth: usize) -> Result<Value, Error> {
        self.skip_whitespace();
        match self.peek() {
            Some(b'{') => self.container(depth, true),
            Some(b'[') => self.container(depth, false),
            Some(b'"') => Ok(Value::String(self.string()?)),
            Some(b't') => self.literal("true", Value::Bool(true)),
            Some(b'f') => self.literal("false", Value::Bool(false)),
            Some(b'n') => self.literal("null", Value::Null),
            Some(b'-' | b'0'..=b'9') => self.number(),
            _ => Err(self.syntax()),
        }
    }

    fn literal(&mut self, word: &str, value: Value) -> Result<Value, Error> {
        let end = self.pos + word.len();
        if self.bytes.get(self.pos..end) == Some(word.as_bytes()) {
            self.pos = end;
            Ok(value)
        } else {
            Err(self.syntax())
        }
    }

    /// An object (`object`) or an array, at its opening bracket: one loop for both, smaller
    /// than two.
    fn container(&mut self, depth: usize, object: bool) -> Result<Value, Error> {
        if depth >= MAX_DEPTH {
            return Err(self.too_deep());
        }
        self.pos += 1; // '{' or '['
        let close = if object { b'}' } else { b']' };
        let mut members = Vec::new();
        let mut items = Vec::new();
        self.skip_whitespace();
        if !self.eat(close) {
            loop {
                let key = if object {
                    self.skip_whitespace();
                    if self.peek() != Some(b'"') {
                        return Err(self.syntax());
                    }
                    let key = self.string()?;
                    self.skip_whitespace();
                    if !self.eat(b':') {
                        return Err(self.syntax());
                    }
                    Some(key)
                } else {
                    None
                };
                let value = self.value(depth + 1)?;
                match key {
                    Some(key) => members.push((key, value)),
                    None => items.push(value),
                }
                self.skip_whitespace();
                match self.next() {
                    Some(b',') => {}
                    Some(b) if b == close => break,
                    _ => return Err(self.syntax_before()),
                }
            }
        }
        Ok(if object {
            // Last wins, at the first position: `JSON.parse`.
            Value::Object(Object::from_members(members))
        } else {
            Value::Array(items)
        })
    }

    /// A syntax error at the byte just consumed.
    #[cold]
    #[inline(never)]
    fn syntax_before(&self) -> Error {
        syntax_at(self.pos.saturating_sub(1).min(self.bytes.len()))
    }

    /// RFC 8259 §6: `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`, kept as written.
    fn number(&mut self) -> Result<Value, Error> {
        let start = self.pos;
        self.eat(b'-');
        match self.next() {
            Some(b'0') => {}
            Some(b'1'..=b'9') => self.digits(),
            _ => return Err(self.syntax_before()),
        }
        if self.eat(b'.') {
            self.digits1()?;
        }
        if let Some(b'e' | b'E') = self.peek() {
            self.pos += 1;
            if !self.eat(b'+') {
                self.eat(b'-');
            }
            self.digits1()?;
        }
        match self.text.get(start..self.pos) {
            Some(lexeme) => Ok(Value::Number(Number::from_lexeme(lexeme))),
            None => Err(self.syntax()),
        }
    }

    fn digits(&mut self) {
        while let Some(b'0'..=b'9') = self.peek() {
            self.pos += 1;
        }
    }

    /// One digit or more.
    fn digits1(&mut self) -> Result<(), Error> {
        match self.peek() {
            Some(b'0'..=b'9') => {
                self.digits();
                Ok(())
            }
            _ => Err(self.syntax()),
        }
    }

    /// RFC 8259 §7, at the opening quote.
    fn string(&mut self) -> Result<String, Error> {
        self.pos += 1; // '"'
        let mut out = String::new();
        let mut run = self.pos;
        loop {
            match self.peek() {
                Some(b'"') => {
                    self.push_run(&mut out, run)?;
                    self.pos += 1;
                    return Ok(out);
                }
                Some(b'\\') => {
                    self.push_run(&mut out, run)?;
                    self.pos += 1;
                    let c = self.escape()?;
                    out.push(c);
                    run = self.pos;
                }
                // Unescaped control characters are not allowed; the end of input is not a
                // closing quote.
                Some(0..=0x1f) | None => return Err(self.syntax()),
                Some(_) => self.pos += 1,
            }
        }
    }

    /// Appends the unescaped text from `run` to the current position (both at ASCII
    /// delimiters, so on character boundaries).
    fn push_run(&self, out: &mut String, run: usize) -> Result<(), Error> {
        match self.text.get(run..self.pos) {
            Some(part) => {
                out.push_str(part);
                Ok(())
            }
            None => Err(self.syntax()),
        }
    }

    /// The character of an escape, after its backslash.
    fn escape(&mut self) -> Result<char, Error> {
        let c = match self.next() {
            Some(b'"') => '"',
            Some(b'\\') => '\\',
            Some(b'/') => '/',
            Some(b'b') => '\u{8}',
            Some(b'f') => '\u{c}',
            Some(b'n') => '\n',
            Some(b'r') => '\r',
            Some(b't') => '\t',
            Some(b'u') => {
                let first = self.hex4()?;
                let code = if (0xD800..0xDC00).contains(&first) {
                    // A high surrogate must be followed by an escaped low one.
                    if !(self.eat(b'\\') && self.eat(b'u')) {
                        return Err(self.syntax());
                    }
                    let second = self.hex4()?;
                    if !(0xDC00..0xE000).contains(&second) {
                        return Err(self.syntax_before());
                    }
                    0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00)
                } else {
                    first
                };
                // A lone low surrogate is not a character.
                match char::from_u32(code) {
                    Some(c) => c,
                    None => return Err(self.syntax_before()),
                }
            }
            _ => return Err(self.syntax_before()),
        };
        Ok(c)
    }

    /// Four hex digits, either case.
    fn hex4(&mut self) -> Result<u32, Error> {
        let mut code = 0;
        for _ in 0..4 {
            let digit = match self.peek() {
                Some(b @ b'0'..=b'9') => b - b'0',
                Some(b @ b'a'..=b'f') => b - b'a' + 10,
                Some(b @ b'A'..=b'F') => b - b'A' + 10,
                _ => return Err(self.syntax()),
            };
            self.pos += 1;
            code = code << 4 | u32::from(digit);
        }
        Ok(code)
    }
}
