//! Base64url without padding (RFC 4648 §5), the encoding of PKCE values and JWS parts.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;

/// Encodes bytes as base64url without padding.
pub fn encode_url(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// Decodes base64url without padding; `None` on any other alphabet, padding or bad length.
pub fn decode_url(text: &str) -> Option<Vec<u8>> {
    URL_SAFE_NO_PAD.decode(text).ok()
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
}
