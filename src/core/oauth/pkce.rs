//! Proof Key for Code Exchange (RFC 7636), S256 only.
//!
//! The randomness and the SHA-256 digest come from the platform (WebCrypto in the browser);
//! this module turns their bytes into protocol values. There is deliberately no `plain` method
//! (RFC 7636 §4.2: "S256 is Mandatory To Implement"; RFC 9700 §2.1.1).

use crate::core::b64;
use crate::core::secret::{CodeVerifier, Nonce, State};

/// Bytes of randomness behind a verifier: 32 bytes give the 43-character minimum of
/// RFC 7636 §4.1 with 256 bits of entropy, as §7.1 recommends.
pub const VERIFIER_ENTROPY_BYTES: usize = 32;
/// Bytes of randomness behind `state` and `nonce` (256 bits, above the 128 required).
pub const STATE_ENTROPY_BYTES: usize = 32;

/// The only `code_challenge_method` this library sends.
pub const CODE_CHALLENGE_METHOD: &str = "S256";

/// A `code_challenge` (RFC 7636 §4.2): BASE64URL(SHA256(ASCII(code_verifier))).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodeChallenge(String);

impl CodeChallenge {
    /// Builds the challenge from the SHA-256 digest of the verifier's ASCII bytes.
    pub fn from_sha256_digest(digest: &[u8; 32]) -> Self {
        Self(b64::encode_url(digest))
    }

    /// The value for the `code_challenge` parameter.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl CodeVerifier {
    /// Encodes random bytes as a verifier (RFC 7636 §4.1, base64url without padding).
    pub fn from_random_bytes(bytes: &[u8; VERIFIER_ENTROPY_BYTES]) -> Self {
        Self::new(b64::encode_url(bytes))
    }

    /// Checks a verifier read back from storage: 43 to 128 characters of
    /// `[A-Z] / [a-z] / [0-9] / "-" / "." / "_" / "~"` (RFC 7636 §4.1).
    pub fn is_well_formed(&self) -> bool {
        let v = self.secret();
        (43..=128).contains(&v.len())
            && v.bytes()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'.' | b'_' | b'~'))
    }
}

impl State {
    /// Encodes random bytes as a `state` value.
    pub fn from_random_bytes(bytes: &[u8; STATE_ENTROPY_BYTES]) -> Self {
        Self::new(b64::encode_url(bytes))
    }
}

impl Nonce {
    /// Encodes random bytes as a `nonce` value.
    pub fn from_random_bytes(bytes: &[u8; STATE_ENTROPY_BYTES]) -> Self {
        Self::new(b64::encode_url(bytes))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sha2::{Digest, Sha256};

    /// RFC 7636 Appendix B.
    #[test]
    fn rfc7636_appendix_b_vector() {
        let random: [u8; 32] = [
            116, 24, 223, 180, 151, 153, 224, 37, 79, 250, 96, 125, 216, 173, 187, 186, 22, 212,
            37, 77, 105, 214, 191, 240, 91, 88, 5, 88, 83, 132, 141, 121,
        ];
        let verifier = CodeVerifier::from_random_bytes(&random);
        assert_eq!(
            verifier.secret(),
            "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
        );
        let digest: [u8; 32] = Sha256::digest(verifier.secret().as_bytes()).into();
        let challenge = CodeChallenge::from_sha256_digest(&digest);
        assert_eq!(
            challenge.as_str(),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
    }

    #[test]
    fn verifier_length_and_charset() {
        for seed in 0..=255u8 {
            let bytes = [seed; 32];
            let v = CodeVerifier::from_random_bytes(&bytes);
            assert_eq!(v.secret().len(), 43);
            assert!(v.is_well_formed());
        }
        assert!(!CodeVerifier::new("short").is_well_formed());
        assert!(!CodeVerifier::new("a".repeat(129)).is_well_formed());
        assert!(!CodeVerifier::new(format!("{}+", "a".repeat(42))).is_well_formed());
        assert!(CodeVerifier::new("a~b.c_d-".repeat(6)).is_well_formed());
    }

    #[test]
    fn state_has_enough_entropy() {
        let s = State::from_random_bytes(&[7; STATE_ENTROPY_BYTES]);
        // 32 bytes -> 43 base64url characters, 256 bits.
        assert_eq!(s.secret().len(), 43);
    }
}
