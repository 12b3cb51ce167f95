//! What the fuzz checks share: reading a fuzz input piece by piece ([`FuzzBytes`]), and the
//! rules every refusal must keep ([`check_error`]). That a message holds no secret is checked
//! differentially where the secret is (the same input with other secrets must be refused in
//! the same words): a substring search would be gamed by the fuzzer itself, which learns the
//! messages' words from the comparison and offers them back as a "code".

use crate::core::error::Error;

/// A fuzz input read from the front: selector bytes, numbers, separated pieces, the rest.
/// Reading past the end gives zeros and empty pieces, so every input means something.
pub struct FuzzBytes<'a> {
    data: &'a [u8],
}

impl<'a> FuzzBytes<'a> {
    /// Reads `data` from its start.
    pub fn new(data: &'a [u8]) -> FuzzBytes<'a> {
        FuzzBytes { data }
    }

    /// The next byte, 0 at the end.
    pub fn byte(&mut self) -> u8 {
        match self.data.split_first() {
            Some((b, rest)) => {
                self.data = rest;
                *b
            }
            None => 0,
        }
    }

    /// The next 8 bytes as a little-endian number (missing bytes are 0).
    pub fn u64(&mut self) -> u64 {
        let mut bytes = [0u8; 8];
        for b in &mut bytes {
            *b = self.byte();
        }
        u64::from_le_bytes(bytes)
    }

    /// The bytes up to the next `separator` (consumed, not returned), or all that is left.
    pub fn bytes_until(&mut self, separator: u8) -> &'a [u8] {
        let end = self
            .data
            .iter()
            .position(|b| *b == separator)
            .unwrap_or(self.data.len());
        let (piece, rest) = self.data.split_at(end);
        self.data = rest.get(1..).unwrap_or_default();
        piece
    }

    /// [`FuzzBytes::bytes_until`] as text (invalid UTF-8 replaced).
    pub fn text_until(&mut self, separator: u8) -> String {
        String::from_utf8_lossy(self.bytes_until(separator)).into_owned()
    }

    /// Everything left.
    pub fn rest(self) -> &'a [u8] {
        self.data
    }

    /// Everything left, as text (invalid UTF-8 replaced).
    pub fn rest_text(self) -> String {
        String::from_utf8_lossy(self.data).into_owned()
    }
}

/// The rules of every refusal, whatever the input: a stable snake_case `code`, and a message
/// that is one printable line (no control character, no line separator, so a server's text
/// cannot forge a log line), made of our own words (no serde or JavaScript engine message).
/// Returns the message.
pub fn check_error(error: &Error) -> String {
    let code = error.code();
    assert!(
        !code.is_empty()
            && code
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_'),
        "an error code is not snake_case: {code:?}"
    );
    let message = error.message();
    assert!(!message.is_empty(), "an error without a message ({code})");
    assert!(
        !message
            .chars()
            .any(|c| c.is_control() || c == '\u{2028}' || c == '\u{2029}'),
        "a control character or line break in the message of {code}"
    );
    for word in [
        "invalid type",
        "expected struct",
        "unit value",
        "Reflect.",
        "RuntimeError",
    ] {
        assert!(
            !message.contains(word),
            "a library's words in the message of {code}: {word}"
        );
    }
    message
}
