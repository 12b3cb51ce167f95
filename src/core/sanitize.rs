//! Untrusted text from servers, made safe to show: the one filter every error message that
//! carries server-provided text (an OAuth `error` code, an `error_description`) goes through.

/// Keeps server-provided text to the RFC 6749 §5.2 `error` character set
/// (%x20-21 / %x23-5B / %x5D-7E) and at most `max` characters.
pub fn sanitize(text: &str, max: usize) -> String {
    text.chars()
        .filter(|c| matches!(*c as u32, 0x20..=0x21 | 0x23..=0x5B | 0x5D..=0x7E))
        .take(max)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sanitize_strips_quotes_backslashes_and_controls() {
        assert_eq!(sanitize("a\"b\\c\nd<e>", 100), "abcd<e>");
        assert_eq!(sanitize("abcdef", 3), "abc");
    }
}
