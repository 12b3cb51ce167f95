//! The provider's signing keys: the JWK Set at `jwks_uri` ([RFC 7517 §5], [OIDC Core §10.1]),
//! and choosing the one key that may verify a given ID token.
//!
//! Only public-key parameters are read (`n`, `e`, `crv`, `x`, `y`); a private parameter a
//! broken server might publish is never parsed, kept or passed on.
//!
//! [RFC 7517 §5]: https://www.rfc-editor.org/rfc/rfc7517#section-5
//! [OIDC Core §10.1]: https://openid.net/specs/openid-connect-core-1_0.html#Signing

use crate::core::WebUrl;

use super::jwt::{AlgFamily, JwsAlg, JwsHeader};
use crate::core::b64::decode_url;
use crate::core::error::{IdTokenError, JwksError};
use crate::core::http::{HttpRequest, HttpResponse};
use crate::core::json::{self, Object, Value};

/// The smallest RSA modulus accepted, in bits (RFC 7518 §3.3: "2048 bits or larger MUST be
/// used").
pub const MIN_RSA_BITS: usize = 2048;

/// One public JSON Web Key (RFC 7517 §4, RFC 7518 §6). Public material only, so `Debug` is fine.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Jwk {
    /// Key type: `RSA` or `EC` (§4.1).
    pub kty: String,
    /// Key id (§4.5).
    pub kid: Option<String>,
    /// Intended use (§4.2, the `use` member): absent or `sig` for signing keys.
    pub use_: Option<String>,
    /// Operations allowed (§4.3): absent, or must include `verify`.
    pub key_ops: Option<Vec<String>>,
    /// The one algorithm the key is for (§4.4), when restricted.
    pub alg: Option<String>,
    /// RSA modulus, base64url (RFC 7518 §6.3.1.1).
    pub n: Option<String>,
    /// RSA public exponent, base64url (RFC 7518 §6.3.1.2).
    pub e: Option<String>,
    /// EC curve (RFC 7518 §6.2.1.1): `P-256` or `P-384`.
    pub crv: Option<String>,
    /// EC x coordinate, base64url (RFC 7518 §6.2.1.2).
    pub x: Option<String>,
    /// EC y coordinate, base64url (RFC 7518 §6.2.1.3).
    pub y: Option<String>,
}

/// An optional string member: `Ok(None)` when absent or null, `Err` when of another type.
pub(crate) fn opt_string(map: &Object, key: &str) -> Result<Option<String>, ()> {
    map.opt_str(key).map(|s| s.map(str::to_owned))
}

/// The string members of a [`Jwk`] (all but `key_ops`), in the order of its fields.
const JWK_STRINGS: [&str; 9] = ["kty", "kid", "use", "alg", "n", "e", "crv", "x", "y"];

impl Jwk {
    /// Reads a JWK object (read by hand rather than with a serde derive: smaller in wasm).
    /// `None` when a member has the wrong type or `kty` is missing.
    pub fn from_json(value: &Value) -> Option<Jwk> {
        let map = value.as_object()?;
        let key_ops = match map.get("key_ops") {
            None | Some(Value::Null) => None,
            Some(Value::Array(ops)) => Some(
                ops.iter()
                    .map(|o| o.as_str().map(str::to_string))
                    .collect::<Option<Vec<String>>>()?,
            ),
            Some(_) => return None,
        };
        let mut strings: [Option<String>; 9] = Default::default();
        for (slot, key) in strings.iter_mut().zip(JWK_STRINGS) {
            *slot = opt_string(map, key).ok()?;
        }
        let [kty, kid, use_, alg, n, e, crv, x, y] = strings;
        Some(Jwk {
            kty: kty?,
            kid,
            use_,
            key_ops,
            alg,
            n,
            e,
            crv,
            x,
            y,
        })
    }
}

/// A JWK Set (RFC 7517 §5): the keys that could be read. Keys of unknown types or with
/// unreadable members are skipped (RFC 7517 §5: "implementations SHOULD ignore JWKs within a
/// JWK Set that use kty values that are not understood").
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct JwkSet {
    /// The usable keys, in document order.
    pub keys: Vec<Jwk>,
}

/// The largest JWK Set read, in bytes (64 KiB: a provider's set is a few KiB); a larger body
/// is refused before parsing.
pub const MAX_JWKS_LEN: usize = 64 * 1024;

/// The request for the JWK Set: a plain GET.
pub fn jwks_request(jwks_uri: &WebUrl) -> HttpRequest {
    HttpRequest::get_json(jwks_uri, None)
}

/// Reads a JWK Set response: status 200, a JSON object with a `keys` array.
pub fn process_jwks_response(response: &HttpResponse) -> Result<JwkSet, JwksError> {
    if response.status != 200 {
        return Err(JwksError::HttpStatus(response.status));
    }
    let doc = json::parse_object(&response.body, MAX_JWKS_LEN)
        .ok_or(JwksError::Invalid("the JWK Set is not a JSON object"))?;
    let Some(Value::Array(keys)) = doc.get("keys") else {
        return Err(JwksError::Invalid("the JWK Set has no keys array"));
    };
    let mut set = JwkSet::default();
    for key in keys.iter().filter_map(Jwk::from_json) {
        if key.kty == "RSA" || key.kty == "EC" {
            set.keys.push(key);
        }
    }
    Ok(set)
}

/// Where a JWK Set came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeySource {
    /// From the page's cache: it may predate a key rotation.
    Cached,
    /// Fetched just now.
    Fetched,
}

impl Jwk {
    /// Whether this key may verify `alg`: its type and curve fit, its `use` is absent or `sig`,
    /// its `key_ops` (if any) include `verify`, and its `alg` (if any) is `alg`.
    pub fn fits(&self, alg: JwsAlg) -> bool {
        self.kty == alg.key_type()
            && (alg.curve().is_none() || self.crv.as_deref() == alg.curve())
            && self.use_.as_deref().is_none_or(|u| u == "sig")
            && self
                .key_ops
                .as_ref()
                .is_none_or(|ops| ops.iter().any(|o| o == "verify"))
            && self.alg.as_deref().is_none_or(|a| a == alg.name())
    }

    /// Checks the key material before it reaches the crypto: an RSA modulus of at least
    /// [`MIN_RSA_BITS`] and an odd exponent of at least 3; EC coordinates of the curve's size
    /// (whether the point is on the curve is WebCrypto's check, at import).
    pub fn check_material(&self, alg: JwsAlg) -> Result<(), JwksError> {
        let field = |v: &Option<String>| v.as_deref().and_then(decode_url);
        match alg.family() {
            AlgFamily::RsaPkcs1 | AlgFamily::RsaPss => {
                let n = field(&self.n).ok_or(JwksError::Invalid("an RSA key has no valid n"))?;
                let e = field(&self.e).ok_or(JwksError::Invalid("an RSA key has no valid e"))?;
                // Leading zero bytes do not count; an empty or all-zero modulus has 0 bits.
                let first = n.iter().position(|b| *b != 0).unwrap_or(n.len());
                let bits =
                    (n.len() - first) * 8 - n.get(first).map_or(0, |b| b.leading_zeros() as usize);
                if bits < MIN_RSA_BITS {
                    return Err(JwksError::Invalid("an RSA key is shorter than 2048 bits"));
                }
                // An odd exponent of at least 3 (RFC 8017 §3.1). With e = 1 a "signature" is
                // the padded digest itself, which anyone can write.
                let odd = e.last().is_some_and(|b| b & 1 == 1);
                let at_least_3 =
                    e.iter().rev().skip(1).any(|b| *b != 0) || e.last().is_some_and(|b| *b >= 3);
                if !(odd && at_least_3) {
                    return Err(JwksError::Invalid("an RSA key has no valid e"));
                }
            }
            AlgFamily::Ecdsa => {
                let size = alg.hash_len(); // P-256: 32 bytes, P-384: 48 bytes
                let x = field(&self.x).filter(|x| x.len() == size);
                let y = field(&self.y).filter(|y| y.len() == size);
                if x.is_none() || y.is_none() {
                    return Err(JwksError::Invalid("an EC key has invalid coordinates"));
                }
            }
        }
        Ok(())
    }
}

impl JwkSet {
    /// Chooses the key for a token's header (OIDC Core §10.1): among the keys that
    /// [`Jwk::fits`] the algorithm, the one with the token's `kid` (or, without a `kid`, the
    /// only fitting key). Two fitting keys with the same `kid` (or two fitting keys and no
    /// `kid`) are [`IdTokenError::KeyAmbiguous`]: never "the first one".
    pub fn select(&self, header: &JwsHeader) -> Result<&Jwk, IdTokenError> {
        let mut chosen = None;
        for k in &self.keys {
            let fits = k.fits(header.alg)
                && header
                    .kid
                    .as_deref()
                    .is_none_or(|kid| k.kid.as_deref() == Some(kid));
            if fits && chosen.replace(k).is_some() {
                return Err(IdTokenError::KeyAmbiguous);
            }
        }
        chosen.ok_or(IdTokenError::UnknownKid)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::b64::encode_url;
    use serde_json::Value;

    fn response(status: u16, body: &str) -> HttpResponse {
        HttpResponse {
            status,
            headers: vec![],
            body: body.into(),
        }
    }

    fn rsa(kid: &str) -> Value {
        let mut n = vec![0xc5u8; 256];
        n[255] = 1;
        serde_json::json!({"kty":"RSA","kid":kid,"n":encode_url(&n),"e":"AQAB"})
    }

    fn ec(kid: &str, crv: &str, size: usize) -> Value {
        serde_json::json!({"kty":"EC","kid":kid,"crv":crv,
            "x":encode_url(&vec![1; size]),"y":encode_url(&vec![2; size])})
    }

    fn set(keys: Vec<Value>) -> JwkSet {
        let body = serde_json::json!({ "keys": keys }).to_string();
        process_jwks_response(&response(200, &body)).unwrap()
    }

    fn header(alg: JwsAlg, kid: Option<&str>) -> JwsHeader {
        JwsHeader {
            alg,
            kid: kid.map(str::to_string),
        }
    }

    #[test]
    fn response_shapes() {
        assert_eq!(
            process_jwks_response(&response(404, "")),
            Err(JwksError::HttpStatus(404))
        );
        for bad in ["", "[]", "{}", r#"{"keys":{}}"#] {
            assert!(matches!(
                process_jwks_response(&response(200, bad)),
                Err(JwksError::Invalid(_))
            ));
        }
        // Unknown key types and unreadable keys are skipped, not fatal.
        let s = set(vec![
            serde_json::json!({"kty":"OKP","crv":"Ed25519","x":"AA"}),
            serde_json::json!({"kty":"RSA","kid":7}),
            serde_json::json!("not a key"),
            rsa("r1"),
        ]);
        assert_eq!(s.keys.len(), 1);
        assert_eq!(s.keys[0].kid.as_deref(), Some("r1"));
    }

    #[test]
    fn selection_by_kid_type_use_and_alg() {
        let mut enc = rsa("enc");
        enc["use"] = "enc".into();
        let mut ops = rsa("ops");
        ops["key_ops"] = serde_json::json!(["encrypt"]);
        let mut ps_only = rsa("ps");
        ps_only["alg"] = "PS256".into();
        let s = set(vec![
            rsa("r1"),
            enc,
            ops,
            ps_only,
            ec("e1", "P-256", 32),
            ec("e2", "P-384", 48),
        ]);
        let pick = |alg, kid| s.select(&header(alg, kid)).map(|k| k.kid.clone().unwrap());
        assert_eq!(pick(JwsAlg::Rs256, Some("r1")), Ok("r1".into()));
        assert_eq!(pick(JwsAlg::Es256, Some("e1")), Ok("e1".into()));
        assert_eq!(pick(JwsAlg::Es384, Some("e2")), Ok("e2".into()));
        assert_eq!(pick(JwsAlg::Ps256, Some("ps")), Ok("ps".into()));
        // The kid exists but is for another algorithm, use or operation.
        assert_eq!(
            pick(JwsAlg::Rs256, Some("ps")),
            Err(IdTokenError::UnknownKid)
        );
        assert_eq!(
            pick(JwsAlg::Rs256, Some("enc")),
            Err(IdTokenError::UnknownKid)
        );
        assert_eq!(
            pick(JwsAlg::Rs256, Some("ops")),
            Err(IdTokenError::UnknownKid)
        );
        assert_eq!(
            pick(JwsAlg::Es256, Some("e2")),
            Err(IdTokenError::UnknownKid)
        );
        assert_eq!(
            pick(JwsAlg::Es256, Some("r1")),
            Err(IdTokenError::UnknownKid)
        );
        assert_eq!(
            pick(JwsAlg::Rs256, Some("nope")),
            Err(IdTokenError::UnknownKid)
        );
        // No kid: fine when exactly one key fits.
        assert_eq!(pick(JwsAlg::Es256, None), Ok("e1".into()));
        assert_eq!(pick(JwsAlg::Rs256, None), Ok("r1".into()));
        // r1 (any RSA algorithm) and ps (PS256 only) both fit PS256.
        assert_eq!(pick(JwsAlg::Ps256, None), Err(IdTokenError::KeyAmbiguous));
        assert_eq!(
            JwkSet::default().select(&header(JwsAlg::Rs256, None)).err(),
            Some(IdTokenError::UnknownKid)
        );
        // Two keys that fit the same kid and alg: ambiguous, never the first one.
        let twins = set(vec![rsa("same"), rsa("same"), rsa("other")]);
        assert_eq!(
            twins.select(&header(JwsAlg::Rs256, Some("same"))).err(),
            Some(IdTokenError::KeyAmbiguous)
        );
        assert!(twins.select(&header(JwsAlg::Rs256, Some("other"))).is_ok());
        // The same kid on an RSA and an EC key is not ambiguous: only one fits the alg.
        let mixed = set(vec![rsa("k"), ec("k", "P-256", 32)]);
        assert_eq!(pick_from(&mixed, JwsAlg::Es256, "k"), Some("EC"));
        assert_eq!(pick_from(&mixed, JwsAlg::Rs256, "k"), Some("RSA"));
    }

    fn pick_from(set: &JwkSet, alg: JwsAlg, kid: &str) -> Option<&'static str> {
        let key = set.select(&header(alg, Some(kid))).ok()?;
        Some(if key.kty == "EC" { "EC" } else { "RSA" })
    }

    #[test]
    fn key_material_is_checked() {
        let s = set(vec![rsa("r1"), ec("e1", "P-256", 32)]);
        assert!(s.keys[0].check_material(JwsAlg::Rs256).is_ok());
        assert!(s.keys[1].check_material(JwsAlg::Es256).is_ok());
        let mut short = s.keys[0].clone();
        short.n = Some(encode_url(&[0xff; 128]));
        assert!(short.check_material(JwsAlg::Rs256).is_err());
        // A 2048-bit modulus with a leading zero byte is still 2048 bits.
        let mut padded = s.keys[0].clone();
        let mut n = vec![0u8];
        n.extend([0x80u8; 256]);
        padded.n = Some(encode_url(&n));
        assert!(padded.check_material(JwsAlg::Rs256).is_ok());
        let mut n2047 = vec![0x7fu8];
        n2047.extend([0xff; 255]);
        padded.n = Some(encode_url(&n2047));
        assert!(padded.check_material(JwsAlg::Rs256).is_err());
        let mut no_e = s.keys[0].clone();
        no_e.e = None;
        assert!(no_e.check_material(JwsAlg::Rs256).is_err());
        // The exponent: odd and at least 3 (e = 1 makes the padded digest a valid signature).
        let mut exponent = s.keys[0].clone();
        for (e, ok) in [
            (&[3u8][..], true),
            (&[1, 0, 1], true),
            (&[0, 1, 0, 1], true),
            (&[1, 1], true),
            (&[1], false),
            (&[0, 1], false),
            (&[2], false),
            (&[1, 0], false),
            (&[0, 0], false),
            (&[0], false),
        ] {
            exponent.e = Some(encode_url(e));
            assert_eq!(exponent.check_material(JwsAlg::Rs256).is_ok(), ok, "{e:?}");
        }
        let mut bad_ec = s.keys[1].clone();
        bad_ec.y = Some(encode_url(&[1; 31]));
        assert!(bad_ec.check_material(JwsAlg::Es256).is_err());
    }

    /// Found by the `jwks` fuzz target: an empty or all-zero `n` made the bit count
    /// `0 * 8 - 8`, a panic with overflow checks and, in the release build (no overflow
    /// checks), a wrapped count that passed as "at least 2048 bits". Such a modulus is now
    /// 0 bits, refused before it reaches WebCrypto.
    #[test]
    fn an_empty_or_all_zero_modulus_is_zero_bits() {
        let s = set(vec![rsa("r1")]);
        for n in [&[][..], &[0], &[0; 300]] {
            let mut key = s.keys[0].clone();
            key.n = Some(encode_url(n));
            assert_eq!(
                key.check_material(JwsAlg::Rs256),
                Err(JwksError::Invalid("an RSA key is shorter than 2048 bits")),
                "{} zero bytes",
                n.len()
            );
        }
    }
}
