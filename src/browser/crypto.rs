//! WebCrypto: `crypto.getRandomValues` and `crypto.subtle.digest`.

use js_sys::Uint8Array;
use wasm_bindgen_futures::JsFuture;

use super::window;
use crate::core::error::Error;

fn crypto() -> Result<web_sys::Crypto, Error> {
    window()?
        .crypto()
        .map_err(|_| Error::Platform("window.crypto is unavailable"))
}

/// Fills `buf` from `crypto.getRandomValues` (at most 65536 bytes per call, per the spec).
pub fn random_bytes(buf: &mut [u8]) -> Result<(), Error> {
    crypto()?
        .get_random_values_with_u8_array(buf)
        .map(|_| ())
        .map_err(|_| Error::Platform("crypto.getRandomValues failed"))
}

/// SHA-256 through `crypto.subtle.digest`. SubtleCrypto exists only in secure contexts
/// (https, or http on localhost), which is also where a login page belongs.
pub async fn sha256(data: &[u8]) -> Result<[u8; 32], Error> {
    const NO_SUBTLE: Error =
        Error::Platform("crypto.subtle is unavailable (the page must be served over https)");
    let crypto = crypto()?;
    let subtle = js_sys::Reflect::get(&crypto, &"subtle".into()).map_err(|_| NO_SUBTLE)?;
    if subtle.is_undefined() {
        return Err(NO_SUBTLE);
    }
    let promise = crypto
        .subtle()
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
