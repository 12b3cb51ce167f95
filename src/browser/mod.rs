//! The only code that touches the browser: thin adapters from browser APIs to the core's
//! traits. JavaScript exceptions become typed [`Error`]s here, in one place per API.

pub mod crypto;
pub mod fetch;
pub mod location;
pub mod storage;

use crate::core::client::Platform;
use crate::core::error::Error;
use crate::core::http::{HttpRequest, HttpResponse};
use crate::core::jwks::Jwk;
use crate::core::jwt::JwsAlg;

/// The browser [`Platform`]: WebCrypto (random, digest, signature verification), `fetch` and
/// `Date.now()`.
#[derive(Debug, Default, Clone, Copy)]
pub struct BrowserPlatform;

impl Platform for BrowserPlatform {
    fn random_bytes(&self, buf: &mut [u8]) -> Result<(), Error> {
        crypto::random_bytes(buf)
    }

    async fn sha256(&self, data: &[u8]) -> Result<[u8; 32], Error> {
        crypto::sha256(data).await
    }

    async fn fetch(&self, request: HttpRequest) -> Result<HttpResponse, Error> {
        fetch::send(request).await
    }

    async fn verify_signature(
        &self,
        alg: JwsAlg,
        key: &Jwk,
        signing_input: &[u8],
        signature: &[u8],
    ) -> Result<bool, Error> {
        crypto::verify_signature(alg, key, signing_input, signature).await
    }

    fn now_ms(&self) -> u64 {
        js_sys::Date::now() as u64
    }
}

/// The `window` object, or a typed error where there is none (e.g. a worker).
pub fn window() -> Result<web_sys::Window, Error> {
    web_sys::window().ok_or(Error::Platform(
        "no window: pixie-auth runs in a browser page",
    ))
}
