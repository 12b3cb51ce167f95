//! Untrusted text from servers, made safe to show: the one filter every error message that
//! carries server-provided text (an OAuth `error` code, an `error_description`) goes through.

/// Keeps server-provided text to the RFC 6749 §5.2 `error` character set
/// (%x20-21 / %x23-5B / %x5D-7E) and at most `max` characters.
pub fn sanitize(text: &str, max: usize) -> String {
    // Every character kept is ASCII, and no byte of a non-ASCII character is in the set: a
    // walk over the bytes keeps the same characters, and the length counts them.
    let mut out = String::new();
    for &b in text.as_bytes() {
        if out.len() >= max {
            break;
        }
        if matches!(b, 0x20..=0x21 | 0x23..=0x5B | 0x5D..=0x7E) {
            out.push(char::from(b));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sanitize_strips_quotes_backslashes_and_controls() {
        assert_eq!(sanitize("a\"b\\c\nd<e>", 100), "abcd<e>");
        assert_eq!(sanitize("abcdef", 3), "abc");
        assert_eq!(sanitize("é€a😀\u{7f}bc", 2), "ab");
        assert_eq!(sanitize("abc", 0), "");
    }

    /// The byte walk keeps exactly what the definition (characters of the set, the first
    /// `max` of them) keeps.
    #[test]
    fn sanitize_matches_its_definition_on_generated_text() {
        let reference = |text: &str, max: usize| -> String {
            text.chars()
                .filter(|c| matches!(*c as u32, 0x20..=0x21 | 0x23..=0x5B | 0x5D..=0x7E))
                .take(max)
                .collect()
        };
        let pieces = [
            "a", "\"", "\\", " ", "!", "#", "[", "]", "~", "\u{7f}", "\n", "é", "€", "😀",
        ];
        let mut seed = 11u32;
        for _ in 0..5_000 {
            let mut text = String::new();
            seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12_345);
            for _ in 0..(seed >> 28) {
                seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12_345);
                text.push_str(pieces[(seed >> 16) as usize % pieces.len()]);
            }
            let max = (seed >> 8) as usize % 8;
            assert_eq!(
                sanitize(&text, max),
                reference(&text, max),
                "{text:?} {max}"
            );
        }
    }
}
