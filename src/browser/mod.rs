//! The only code that touches the browser: thin adapters from browser APIs to the core's
//! traits. JavaScript exceptions become typed [`Error`]s here, in one place per API.

pub mod crypto;
pub mod fetch;
pub mod frames;
pub mod guest;
pub mod handlers;
pub mod location;
pub mod popup;
pub mod runtime;
pub mod storage;
pub mod tabs;
pub mod timers;

use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;

use serde::ser::{SerializeMap, SerializeSeq};
use serde::{Serialize, Serializer};
use wasm_bindgen::JsValue;

use crate::core::json::Value;
use crate::core::ChannelKey;
use crate::core::Jwk;
use crate::core::JwsAlg;
use crate::core::LockGuard;
use crate::core::Platform;
use crate::core::{Error, JsErrorName};
use crate::core::{HttpRequest, HttpResponse};

/// The browser [`Platform`]: WebCrypto (random, digest, signature verification, AES-GCM),
/// `fetch`,
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

// The async methods return the browser function's future itself (`fn ... -> impl Future`,
// which the trait's `async fn` allows), not a state machine wrapping it (size).
impl Platform for BrowserPlatform {
    fn random_bytes(&self, buf: &mut [u8]) -> Result<(), Error> {
        crypto::random_bytes(buf)
    }

    fn sha256(&self, data: &[u8]) -> impl Future<Output = Result<[u8; 32], Error>> {
        crypto::sha256(data)
    }

    fn fetch(&self, request: HttpRequest) -> impl Future<Output = Result<HttpResponse, Error>> {
        fetch::send(request)
    }

    fn verify_signature(
        &self,
        alg: JwsAlg,
        key: &Jwk,
        signing_input: &[u8],
        signature: &[u8],
    ) -> impl Future<Output = Result<bool, Error>> {
        crypto::verify_signature(alg, key, signing_input, signature)
    }

    fn aes_gcm(
        &self,
        encrypt: bool,
        key: &ChannelKey,
        iv: &[u8; 12],
        aad: &[u8],
        data: &[u8],
    ) -> impl Future<Output = Result<Vec<u8>, Error>> {
        crypto::aes_gcm(encrypt, key, iv, aad, data)
    }

    fn now_ms(&self) -> u64 {
        js_sys::Date::now() as u64
    }

    fn sleep(&self, ms: u64) -> impl Future<Output = ()> {
        timers::sleep(ms)
    }

    fn lock(&self, name: &str) -> impl Future<Output = LockGuard> {
        tabs::lock(name)
    }

    fn broadcast(&self, message: &str) -> bool {
        self.channel.as_ref().is_some_and(|c| c.post(message))
    }
}

/// Runs `task` on the page's event loop (`spawn_local`), boxed first so that the task
/// machinery exists once in the .wasm, not once per kind of task (size).
pub fn spawn(task: impl Future<Output = ()> + 'static) {
    wasm_bindgen_futures::spawn_local(Box::pin(task) as Pin<Box<dyn Future<Output = ()>>>);
}

/// The `window` object, or a typed error where there is none (e.g. a worker).
pub fn window() -> Result<web_sys::Window, Error> {
    web_sys::window().ok_or(Error::Platform(
        "no window: pixie-auth runs in a browser page",
    ))
}

/// `target[key]`: a plain property read, as web-sys's getters make (`undefined` when it
/// throws). The popup and frame code read the DOM through this one import, not one import
/// (and one glue function) per getter (size).
pub fn get(target: &JsValue, key: &str) -> JsValue {
    js_sys::Reflect::get(target, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
}

/// `target[key](...args)` with at most two arguments, through the `Function.prototype.call`
/// imports every module already has (see [`get`]). `Err` when the member is not a function
/// or the call throws.
pub fn invoke(target: &JsValue, key: &str, args: &[&JsValue]) -> Result<JsValue, JsValue> {
    use wasm_bindgen::JsCast;
    let f: js_sys::Function = get(target, key).dyn_into()?;
    match args {
        [] => f.call0(target),
        [a] => f.call1(target, a),
        [a, b, ..] => f.call2(target, a, b),
    }
}

/// A plain JS object from string properties. WebCrypto's algorithm parameters, JWKs and
/// `fetch`'s `RequestInit` are dictionaries, so plain objects do, and cost less than web-sys's
/// typed dictionaries (an import and a glue function per member).
pub fn object(props: &[(&str, &JsValue)]) -> js_sys::Object {
    let o = js_sys::Object::new();
    for (k, v) in props {
        let _ = js_sys::Reflect::set(&o, &JsValue::from_str(k), v);
    }
    o
}

/// The name of a thrown JavaScript value (`TypeError`, a `DOMException`'s name...), kept in
/// the typed error so a CORS refusal is told from a time-out. `None` for a value that is not
/// an exception; never its message.
pub fn js_error_name(thrown: &JsValue) -> Option<JsErrorName> {
    let name = js_sys::Reflect::get(thrown, &"name".into())
        .ok()?
        .as_string()?;
    Some(JsErrorName::from_name(&name))
}

/// A JS value from a JSON value the core built (events, summaries, results), through
/// serde-wasm-bindgen: one `Serialize` impl, so its machinery exists once in the .wasm.
/// Objects become plain objects, `null` stays `null`. The core builds only integer numbers; claims, whose numbers
/// may have fractions, are handed over with `JSON.parse` of their text instead.
pub fn json_to_js(value: &Value) -> Result<JsValue, Error> {
    // JSON null is JavaScript null, as the TypeScript declarations say (serde-wasm-bindgen
    // would make it undefined).
    let serializer = serde_wasm_bindgen::Serializer::new()
        .serialize_maps_as_objects(true)
        .serialize_missing_as_null(true);
    AsJs(value)
        .serialize(&serializer)
        .map_err(|_| Error::Platform("serialize"))
}

struct AsJs<'a>(&'a Value);

impl Serialize for AsJs<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self.0 {
            Value::Null => s.serialize_unit(),
            Value::Bool(b) => s.serialize_bool(*b),
            Value::Number(n) => match (n.as_u64(), n.as_i64()) {
                (Some(u), _) => s.serialize_u64(u),
                (None, Some(i)) => s.serialize_i64(i),
                (None, None) => s.serialize_str(n.as_str()),
            },
            Value::String(text) => s.serialize_str(text),
            Value::Array(items) => {
                let mut seq = s.serialize_seq(Some(items.len()))?;
                for item in items {
                    seq.serialize_element(&AsJs(item))?;
                }
                seq.end()
            }
            Value::Object(members) => {
                let mut map = s.serialize_map(Some(members.len()))?;
                for (k, v) in members {
                    map.serialize_entry(k, &AsJs(v))?;
                }
                map.end()
            }
        }
    }
}
