//! The only code that touches the browser: thin adapters from browser APIs to the core's
//! traits. JavaScript exceptions become typed [`Error`]s here, in one place per API.

pub mod crypto;
pub mod fetch;
pub mod location;
pub mod runtime;
pub mod storage;
pub mod tabs;
pub mod timers;

use std::rc::Rc;

use crate::core::Jwk;
use crate::core::JwsAlg;
use crate::core::LockGuard;
use crate::core::Platform;
use crate::core::{Error, JsErrorName};
use crate::core::{HttpRequest, HttpResponse};

/// The browser [`Platform`]: WebCrypto (random, digest, signature verification), `fetch`,
/// `Date.now()`, `setTimeout`, Web Locks and this client's BroadcastChannel (none where
/// unsupported).
#[derive(Default, Clone)]
pub struct BrowserPlatform {
    channel: Option<Rc<tabs::TabChannel>>,
}

impl BrowserPlatform {
    /// A platform posting sibling-tab messages on `channel`.
    pub fn with_channel(channel: Option<tabs::TabChannel>) -> Self {
        BrowserPlatform {
            channel: channel.map(Rc::new),
        }
    }
}

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

    async fn sleep(&self, ms: u64) {
        timers::sleep(ms).await
    }

    async fn lock(&self, name: &str) -> LockGuard {
        tabs::lock(name).await
    }

    fn broadcast(&self, message: &str) -> bool {
        self.channel.as_ref().is_some_and(|c| c.post(message))
    }
}

/// The `window` object, or a typed error where there is none (e.g. a worker).
pub fn window() -> Result<web_sys::Window, Error> {
    web_sys::window().ok_or(Error::Platform(
        "no window: pixie-auth runs in a browser page",
    ))
}

/// The name of a thrown JavaScript value (`TypeError`, a `DOMException`'s name...), kept in
/// the typed error so a CORS refusal is told from a time-out. `None` for a value that is not
/// an exception; never its message.
pub fn js_error_name(thrown: &wasm_bindgen::JsValue) -> Option<JsErrorName> {
    let name = js_sys::Reflect::get(thrown, &"name".into())
        .ok()?
        .as_string()?;
    Some(JsErrorName::from_name(&name))
}
