//! JSON Web Signature in compact serialization ([RFC 7515 §7.1]), as far as ID tokens need:
//! splitting, decoding, and refusing headers we must not act on, all before any cryptography.
//!
//! The checks follow the JWT Best Current Practices ([RFC 8725 §3.1]): the algorithm is taken
//! from an allow-list of asymmetric algorithms, never from the token alone; `none` and the
//! HMAC family are refused outright (a public client has no shared secret, and an HMAC "key"
//! made of the provider's public RSA key is the classic algorithm-confusion attack).
//!
//! [RFC 7515 §7.1]: https://www.rfc-editor.org/rfc/rfc7515#section-7.1
//! [RFC 8725 §3.1]: https://www.rfc-editor.org/rfc/rfc8725#section-3.1

use crate::core::b64::decode_url;
use crate::core::error::IdTokenError;
use crate::core::json::{self, Object, Value};
use crate::core::sanitize::sanitize;

/// The JWS algorithms accepted for signatures ([RFC 7518 §3.1]), all asymmetric.
///
/// [RFC 7518 §3.1]: https://www.rfc-editor.org/rfc/rfc7518#section-3.1
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum JwsAlg {
    /// RSASSA-PKCS1-v1_5 with SHA-256 (the OpenID Connect default, OIDC Core §15.1).
    Rs256,
    /// RSASSA-PKCS1-v1_5 with SHA-384.
    Rs384,
    /// RSASSA-PKCS1-v1_5 with SHA-512.
    Rs512,
    /// RSASSA-PSS with SHA-256, MGF1 with SHA-256, 32-byte salt (RFC 7518 §3.5).
    Ps256,
    /// RSASSA-PSS with SHA-384, 48-byte salt.
    Ps384,
    /// RSASSA-PSS with SHA-512, 64-byte salt.
    Ps512,
    /// ECDSA on P-256 with SHA-256; the signature is `r || s`, 64 bytes (RFC 7518 §3.4).
    Es256,
    /// ECDSA on P-384 with SHA-384; the signature is `r || s`, 96 bytes.
    Es384,
}

/// How a [`JwsAlg`] signs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AlgFamily {
    /// RSASSA-PKCS1-v1_5.
    RsaPkcs1,
    /// RSASSA-PSS.
    RsaPss,
    /// ECDSA.
    Ecdsa,
}

impl JwsAlg {
    /// Every accepted algorithm.
    pub const ALL: [JwsAlg; 8] = [
        JwsAlg::Rs256,
        JwsAlg::Rs384,
        JwsAlg::Rs512,
        JwsAlg::Ps256,
        JwsAlg::Ps384,
        JwsAlg::Ps512,
        JwsAlg::Es256,
        JwsAlg::Es384,
    ];

    /// The algorithm named `name` in a JOSE header, if it is one we accept.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.name() == name)
    }

    /// The JOSE name (`"RS256"`, ...).
    pub fn name(self) -> &'static str {
        match self {
            JwsAlg::Rs256 => "RS256",
            JwsAlg::Rs384 => "RS384",
            JwsAlg::Rs512 => "RS512",
            JwsAlg::Ps256 => "PS256",
            JwsAlg::Ps384 => "PS384",
            JwsAlg::Ps512 => "PS512",
            JwsAlg::Es256 => "ES256",
            JwsAlg::Es384 => "ES384",
        }
    }

    /// The signing scheme.
    pub fn family(self) -> AlgFamily {
        match self {
            JwsAlg::Rs256 | JwsAlg::Rs384 | JwsAlg::Rs512 => AlgFamily::RsaPkcs1,
            JwsAlg::Ps256 | JwsAlg::Ps384 | JwsAlg::Ps512 => AlgFamily::RsaPss,
            JwsAlg::Es256 | JwsAlg::Es384 => AlgFamily::Ecdsa,
        }
    }

    /// The digest size in bytes: 32, 48 or 64 (also the PSS salt length, RFC 7518 §3.5).
    pub fn hash_len(self) -> usize {
        match self {
            JwsAlg::Rs256 | JwsAlg::Ps256 | JwsAlg::Es256 => 32,
            JwsAlg::Rs384 | JwsAlg::Ps384 | JwsAlg::Es384 => 48,
            JwsAlg::Rs512 | JwsAlg::Ps512 => 64,
        }
    }

    /// The WebCrypto name of the digest: `"SHA-256"`, `"SHA-384"` or `"SHA-512"`.
    pub fn hash_name(self) -> &'static str {
        match self.hash_len() {
            32 => "SHA-256",
            48 => "SHA-384",
            _ => "SHA-512",
        }
    }

    /// The JWK `kty` of the keys that verify this algorithm (RFC 7518 §6.1).
    pub fn key_type(self) -> &'static str {
        match self.family() {
            AlgFamily::RsaPkcs1 | AlgFamily::RsaPss => "RSA",
            AlgFamily::Ecdsa => "EC",
        }
    }

    /// The JWK `crv` for ECDSA (`"P-256"`, `"P-384"`), `None` for RSA.
    pub fn curve(self) -> Option<&'static str> {
        match self {
            JwsAlg::Es256 => Some("P-256"),
            JwsAlg::Es384 => Some("P-384"),
            _ => None,
        }
    }
}

/// The JOSE header fields acted upon. Everything else (`typ`, `cty`, and in particular `jku`,
/// `jwk`, `x5u`, `x5c`, which would let a token bring its own key) is ignored: keys come only
/// from the provider's configured JWK Set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JwsHeader {
    /// The signature algorithm, from the allow-list.
    pub alg: JwsAlg,
    /// The key id (RFC 7515 §4.1.4), when given.
    pub kid: Option<String>,
}

/// A JWS split and decoded whose signature has **not** been verified yet. Its payload must not
/// be trusted until [`crate::core::verify_id_token`] has checked the signature.
pub struct UnverifiedJws<'a> {
    /// The checked header.
    pub header: JwsHeader,
    signing_input: &'a str,
    payload: Object,
    payload_json: String,
    signature: Vec<u8>,
}

impl<'a> UnverifiedJws<'a> {
    /// The JWS Signing Input, `BASE64URL(header) || '.' || BASE64URL(payload)` (RFC 7515 §5.1).
    pub fn signing_input(&self) -> &'a [u8] {
        self.signing_input.as_bytes()
    }

    /// The signature bytes.
    pub fn signature(&self) -> &[u8] {
        &self.signature
    }

    /// The payload's claims, and the payload's JSON text, to be trusted only after the
    /// signature verified.
    pub fn into_unverified_claims(self) -> (Object, String) {
        (self.payload, self.payload_json)
    }
}

/// The largest JOSE header or payload read, in bytes once decoded (16 KiB: an ID token is
/// at most a few KiB); a larger one is refused before parsing.
pub const MAX_JWS_PART_LEN: usize = 16 * 1024;

fn malformed(why: &'static str) -> IdTokenError {
    IdTokenError::Malformed(why)
}

/// Splits and decodes a compact JWS and checks its header (RFC 7515 §5.2 steps 1–5):
///
/// - exactly three parts separated by `.`, each non-empty strict base64url without padding
///   (so also no JWE, which has five);
/// - a JSON object header with a string `alg` from [`JwsAlg`]: `none`, `HS*` and anything
///   unknown are refused ([RFC 8725 §3.1](https://www.rfc-editor.org/rfc/rfc8725#section-3.1));
/// - no `crit` (RFC 7515 §4.1.11: extensions we do not understand make the JWS invalid, and
///   we understand none);
/// - a JSON object payload.
pub fn parse_compact(token: &str) -> Result<UnverifiedJws<'_>, IdTokenError> {
    let Some((h, p, s)) = token
        .split_once('.')
        .and_then(|(h, rest)| Some((h, rest.split_once('.')?)))
        .map(|(h, (p, s))| (h, p, s))
        .filter(|(_, _, s)| !s.contains('.'))
    else {
        return Err(malformed(
            "it is not three dot-separated parts (JWS compact form)",
        ));
    };
    if h.is_empty() || p.is_empty() || s.is_empty() {
        return Err(malformed("a part is empty"));
    }
    if h.len() > MAX_JWS_PART_LEN * 4 / 3 + 4 || p.len() > MAX_JWS_PART_LEN * 4 / 3 + 4 {
        return Err(malformed("it is too large"));
    }
    let header_bytes = decode_url(h).ok_or(malformed("the header is not base64url"))?;
    let header = json::parse_bytes_object(&header_bytes, MAX_JWS_PART_LEN)
        .ok_or(malformed("the header is not a JSON object"))?;
    let alg = match header.get("alg") {
        Some(Value::String(name)) => JwsAlg::from_name(name)
            .ok_or_else(|| IdTokenError::AlgUnsupported(sanitize(name, 16)))?,
        _ => return Err(malformed("the header has no alg")),
    };
    if header.get("crit").is_some() {
        return Err(IdTokenError::CritUnsupported);
    }
    let kid = match header.get("kid") {
        None | Some(Value::Null) => None,
        Some(Value::String(k)) => Some(k.clone()),
        Some(_) => return Err(malformed("the header's kid is not a string")),
    };
    let payload_bytes = decode_url(p).ok_or(malformed("the payload is not base64url"))?;
    let payload_json =
        String::from_utf8(payload_bytes).map_err(|_| malformed("the payload is not UTF-8"))?;
    let payload = json::parse_object(&payload_json, MAX_JWS_PART_LEN)
        .ok_or(malformed("the payload is not a JSON object"))?;
    let signature = decode_url(s).ok_or(malformed("the signature is not base64url"))?;
    Ok(UnverifiedJws {
        header: JwsHeader { alg, kid },
        signing_input: token.get(..h.len() + 1 + p.len()).unwrap_or(token),
        payload,
        payload_json,
        signature,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::b64::encode_url;

    fn token(header: &str, payload: &str) -> String {
        format!(
            "{}.{}.{}",
            encode_url(header.as_bytes()),
            encode_url(payload.as_bytes()),
            encode_url(b"sig")
        )
    }

    fn err(t: &str) -> IdTokenError {
        match parse_compact(t) {
            Ok(_) => panic!("accepted {t}"),
            Err(e) => e,
        }
    }

    #[test]
    fn good_token_parts() {
        let t = token(
            r#"{"alg":"RS256","kid":"k1","typ":"JWT"}"#,
            r#"{"sub":"a"}"#,
        );
        let jws = parse_compact(&t).unwrap();
        assert_eq!(jws.header.alg, JwsAlg::Rs256);
        assert_eq!(jws.header.kid.as_deref(), Some("k1"));
        assert_eq!(jws.signature(), b"sig");
        let dot = t.rfind('.').unwrap();
        assert_eq!(jws.signing_input(), &t.as_bytes()[..dot]);
        let (claims, json) = jws.into_unverified_claims();
        assert_eq!(claims["sub"], "a");
        assert_eq!(json, r#"{"sub":"a"}"#);
    }

    #[test]
    fn structure_is_strict() {
        let good = token(r#"{"alg":"RS256"}"#, "{}");
        let two = good.rsplit_once('.').unwrap().0.to_string();
        let four = format!("{good}.x");
        let five = format!("{good}.x.y");
        for t in [two.as_str(), &four, &five, "", "..", "a..c", "a.b."] {
            assert!(matches!(err(t), IdTokenError::Malformed(_)), "{t}");
        }
        // Padding, the standard alphabet, and non-canonical trailing bits are not base64url.
        let (h, rest) = good.split_once('.').unwrap();
        for bad_header in [format!("{h}="), h.replace('e', "+"), format!("{h}A")] {
            let t = format!("{bad_header}.{rest}");
            assert!(matches!(err(&t), IdTokenError::Malformed(_)), "{t}");
        }
        let t = format!("{}.!!!.{}", h, encode_url(b"s"));
        assert!(matches!(err(&t), IdTokenError::Malformed(_)));
    }

    #[test]
    fn header_and_payload_must_be_json_objects() {
        for (header, payload) in [
            ("not json", "{}"),
            ("[1]", "{}"),
            (r#"{"kid":"x"}"#, "{}"),
            (r#"{"alg":7}"#, "{}"),
            (r#"{"alg":"RS256","kid":5}"#, "{}"),
            (r#"{"alg":"RS256"}"#, "not json"),
            (r#"{"alg":"RS256"}"#, r#""a string""#),
        ] {
            assert!(
                matches!(err(&token(header, payload)), IdTokenError::Malformed(_)),
                "{header} {payload}"
            );
        }
    }

    #[test]
    fn none_hmac_and_unknown_algorithms_are_refused() {
        for alg in [
            "none", "None", "HS256", "HS384", "HS512", "RS1", "EdDSA", "ES512", "",
        ] {
            let t = token(&format!(r#"{{"alg":"{alg}"}}"#), "{}");
            assert_eq!(err(&t), IdTokenError::AlgUnsupported(alg.into()), "{alg}");
        }
        // alg none with an empty signature is not even three non-empty parts.
        let t = format!(
            "{}.{}.",
            encode_url(br#"{"alg":"none"}"#),
            encode_url(b"{}")
        );
        assert!(parse_compact(&t).is_err());
    }

    #[test]
    fn crit_is_refused() {
        for crit in [r#"["b64"]"#, r#"["exp"]"#, "[]", r#""x""#] {
            let t = token(
                &format!(r#"{{"alg":"ES256","crit":{crit},"b64":false}}"#),
                "{}",
            );
            assert_eq!(err(&t), IdTokenError::CritUnsupported, "{crit}");
        }
    }

    #[test]
    fn algorithm_table() {
        for alg in JwsAlg::ALL {
            assert_eq!(JwsAlg::from_name(alg.name()), Some(alg));
            assert_eq!(alg.curve().is_some(), alg.key_type() == "EC");
        }
        assert_eq!(JwsAlg::Ps384.hash_len(), 48);
        assert_eq!(JwsAlg::Rs512.hash_name(), "SHA-512");
        assert_eq!(JwsAlg::Es256.curve(), Some("P-256"));
        assert_eq!(JwsAlg::Ps256.family(), AlgFamily::RsaPss);
    }
}
