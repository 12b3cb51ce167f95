//! Base64url without padding (RFC 4648 §5), the encoding of PKCE values and JWS parts.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;

/// Encodes bytes as base64url without padding.
pub fn encode_url(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// Decodes base64url without padding; `None` on any other alphabet, padding, bad length, or
/// non-zero trailing bits (so every byte string has exactly one accepted encoding).
///
/// Written by hand rather than with the `base64` engine: this is all JWS parsing needs, and
/// the generic decoder costs several KB of wasm.
pub fn decode_url(text: &str) -> Option<Vec<u8>> {
    let bytes = text.as_bytes();
    if bytes.len() % 4 == 1 {
        return None;
    }
    let mut out = Vec::with_capacity(bytes.len() / 4 * 3 + 2);
    let (mut acc, mut bits) = (0u32, 0u32);
    for &c in bytes {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'-' => 62,
            b'_' => 63,
            _ => return None,
        };
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    // The 2 or 4 bits left over must be zero.
    (acc == 0).then_some(out)
}

#[cfg(test)]
mod tests {
    #[test]
    fn round_trip_and_rejects() {
        assert_eq!(super::encode_url(&[0xfb, 0xff]), "-_8");
        assert_eq!(super::decode_url("-_8").unwrap(), vec![0xfb, 0xff]);
        assert!(super::decode_url("+/8").is_none());
        assert!(super::decode_url("-_8=").is_none());
    }

    #[test]
    fn decoder_agrees_with_the_base64_crate() {
        use base64::engine::general_purpose::URL_SAFE_NO_PAD;
        use base64::Engine;
        let mut seed = 7u32;
        for len in 0..70usize {
            let data: Vec<u8> = (0..len)
                .map(|_| {
                    seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12_345);
                    (seed >> 16) as u8
                })
                .collect();
            let text = super::encode_url(&data);
            assert_eq!(super::decode_url(&text).as_deref(), Some(&data[..]));
        }
        for text in [
            "", "A", "AA", "AB", "AAA", "AAB", "AAAA", "QQ", "QR", "QUI", "QUJ", "a+b", "a/b",
            "a b", "ab==", "YQ", "YR", "YWI", "YWJ", "-_-_", "é", "AAAAA",
        ] {
            assert_eq!(
                super::decode_url(text),
                URL_SAFE_NO_PAD.decode(text).ok(),
                "{text:?}"
            );
        }
    }
}
