//! WebCrypto: `crypto.getRandomValues`, `crypto.subtle.digest`, `crypto.subtle.importKey`
//! and `verify` for ID token signatures, and `encrypt`/`decrypt` with AES-GCM for the tab
//! channel.

use js_sys::{Array, Reflect, Uint8Array};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{CryptoKey, SubtleCrypto};

use super::{object, window};
use crate::core::ChannelKey;
use crate::core::Jwk;
use crate::core::{AlgFamily, JwsAlg};
use crate::core::{Error, JwksError};

fn crypto() -> Result<web_sys::Crypto, Error> {
    // A property read, not web-sys's getter: one import less (size).
    let crypto = super::get(&window()?.into(), "crypto");
    if !crypto.is_object() {
        return Err(Error::Platform("window.crypto is unavailable"));
    }
    Ok(crypto.unchecked_into())
}

/// Fills `buf` from `crypto.getRandomValues` (at most 65536 bytes per call, per the spec).
pub fn random_bytes(buf: &mut [u8]) -> Result<(), Error> {
    crypto()?
        .get_random_values_with_u8_array(buf)
        .map(|_| ())
        .map_err(|_| Error::Platform("crypto.getRandomValues failed"))
}

/// `crypto.subtle`, which exists only in secure contexts (https, or http on localhost), which
/// is also where a login page belongs.
fn subtle() -> Result<SubtleCrypto, Error> {
    const NO_SUBTLE: Error =
        Error::Platform("crypto.subtle is unavailable (the page must be served over https)");
    let crypto = crypto()?;
    let subtle = Reflect::get(&crypto, &"subtle".into()).map_err(|_| NO_SUBTLE)?;
    if subtle.is_undefined() {
        return Err(NO_SUBTLE);
    }
    Ok(subtle.unchecked_into())
}

/// SHA-256 through `crypto.subtle.digest`.
pub async fn sha256(data: &[u8]) -> Result<[u8; 32], Error> {
    let promise = subtle()?
        .digest_with_str_and_u8_array("SHA-256", data)
        .map_err(|_| Error::Platform("crypto.subtle.digest failed"))?;
    let buffer = JsFuture::from(promise)
        .await
        .map_err(|_| Error::Platform("crypto.subtle.digest failed"))?;
    let bytes = Uint8Array::new(&buffer);
    let mut out = [0u8; 32];
    if bytes.length() != 32 {
        return Err(Error::Platform(
            "crypto.subtle.digest returned a wrong length",
        ));
    }
    bytes.copy_to(&mut out);
    Ok(out)
}

/// Verifies a JWS signature with WebCrypto: `importKey("jwk", ...)` then `verify(...)`.
///
/// - RS*: RSASSA-PKCS1-v1_5 with the algorithm's hash (RFC 7518 §3.3);
/// - PS*: RSA-PSS with `saltLength` equal to the hash size (RFC 7518 §3.5);
/// - ES*: ECDSA on the algorithm's curve and hash; JWS's raw `r || s` signature is WebCrypto's
///   format as is (RFC 7518 §3.4).
///
/// Only the public members (`kty`, `n`, `e` / `crv`, `x`, `y`) are passed to `importKey`, as a
/// non-extractable key for `verify` only. A key the browser refuses is `jwks_invalid`.
pub async fn verify_signature(
    alg: JwsAlg,
    key: &Jwk,
    signing_input: &[u8],
    signature: &[u8],
) -> Result<bool, Error> {
    const BAD_KEY: Error = Error::Jwks(JwksError::Invalid("the browser could not import a key"));
    const FAILED: Error = Error::Platform("crypto.subtle.verify failed");
    let subtle = subtle()?;
    let s = |v: &str| JsValue::from_str(v);
    let member = |v: &Option<String>| v.as_deref().map(JsValue::from_str).ok_or(BAD_KEY);
    let hash = s(alg.hash_name());
    let (jwk, import, verify) = match alg.family() {
        AlgFamily::RsaPkcs1 | AlgFamily::RsaPss => {
            let name = s(if alg.family() == AlgFamily::RsaPss {
                "RSA-PSS"
            } else {
                "RSASSA-PKCS1-v1_5"
            });
            let jwk = object(&[
                ("kty", &s("RSA")),
                ("n", &member(&key.n)?),
                ("e", &member(&key.e)?),
            ]);
            let import = object(&[("name", &name), ("hash", &hash)]);
            let salt = JsValue::from_f64(alg.hash_len() as f64);
            let verify = if alg.family() == AlgFamily::RsaPss {
                object(&[("name", &name), ("saltLength", &salt)])
            } else {
                object(&[("name", &name)])
            };
            (jwk, import, verify)
        }
        AlgFamily::Ecdsa => {
            let name = s("ECDSA");
            let curve = s(alg.curve().unwrap_or_default());
            let jwk = object(&[
                ("kty", &s("EC")),
                ("crv", &curve),
                ("x", &member(&key.x)?),
                ("y", &member(&key.y)?),
            ]);
            let import = object(&[("name", &name), ("namedCurve", &curve)]);
            let verify = object(&[("name", &name), ("hash", &hash)]);
            (jwk, import, verify)
        }
    };
    let usages = Array::of1(&s("verify"));
    let promise = subtle
        .import_key_with_object("jwk", &jwk, &import, false, &usages)
        .map_err(|_| BAD_KEY)?;
    // importKey resolves with a CryptoKey (or rejects): no instanceof check (an import).
    let key: CryptoKey = JsFuture::from(promise)
        .await
        .map_err(|_| BAD_KEY)?
        .unchecked_into();
    let promise = subtle
        .verify_with_object_and_u8_array_and_u8_array(&verify, &key, signature, signing_input)
        .map_err(|_| FAILED)?;
    let verdict = JsFuture::from(promise).await.map_err(|_| FAILED)?;
    Ok(verdict.as_bool() == Some(true))
}

/// AES-256-GCM with WebCrypto (`importKey("jwk")` of `{kty: "oct", k}`, the key's base64url
/// as it is, as a non-extractable key for this one operation, then `encrypt` or `decrypt`
/// with a 128-bit tag): `Ok` with the ciphertext and
/// tag (encrypt) or the plaintext (decrypt); `Err` when WebCrypto refuses, which for
/// `decrypt` is a tag that does not verify. The core chose the key, the IV and the data.
pub async fn aes_gcm(
    encrypt: bool,
    key: &ChannelKey,
    iv: &[u8; 12],
    aad: &[u8],
    data: &[u8],
) -> Result<Vec<u8>, Error> {
    const FAILED: Error = Error::Platform("crypto.subtle AES-GCM failed");
    let subtle = subtle()?;
    let name = JsValue::from_str("AES-GCM");
    let usage = JsValue::from_str(if encrypt { "encrypt" } else { "decrypt" });
    let jwk = object(&[
        ("kty", &JsValue::from_str("oct")),
        ("k", &JsValue::from_str(key.secret())),
    ]);
    let promise = subtle
        .import_key_with_object(
            "jwk",
            &jwk,
            &object(&[("name", &name)]),
            false,
            &Array::of1(&usage),
        )
        .map_err(|_| FAILED)?;
    // importKey resolves with a CryptoKey (or rejects): no instanceof check needed.
    let key: CryptoKey = JsFuture::from(promise)
        .await
        .map_err(|_| FAILED)?
        .unchecked_into();
    let params = object(&[
        ("name", &name),
        ("iv", &Uint8Array::from(&iv[..])),
        ("additionalData", &Uint8Array::from(aad)),
    ]);
    let promise = if encrypt {
        subtle.encrypt_with_object_and_u8_array(&params, &key, data)
    } else {
        subtle.decrypt_with_object_and_u8_array(&params, &key, data)
    }
    .map_err(|_| FAILED)?;
    let buffer = JsFuture::from(promise).await.map_err(|_| FAILED)?;
    Ok(Uint8Array::new(&buffer).to_vec())
}
