//! Rust values to and from JavaScript values through JSON (`JSON.stringify` / `JSON.parse`
//! and serde_json): the one serde format in the build, shared with storage and the server
//! responses, instead of a second (JsValue) deserializer instantiating every derive again.
//!
//! What JSON cannot carry never reaches us: `undefined` members are dropped (as if absent),
//! functions too; a `BigInt` or a cycle makes `JSON.stringify` throw.

use serde::de::DeserializeOwned;
use serde::Serialize;
use wasm_bindgen::JsValue;

use crate::core::error::Error;

/// Reads `value` (a plain object, as configuration and options are) into `T`. The error is
/// serde_json's message (`unknown field `clientID`, expected one of ...`) without its
/// position, which would point into JSON the caller never wrote.
pub fn from_js<T: DeserializeOwned>(value: &JsValue) -> Result<T, String> {
    let json = js_sys::JSON::stringify(value)
        .ok()
        .and_then(|s| s.as_string())
        .ok_or("is not a JSON-serializable value")?;
    serde_json::from_str(&json).map_err(|e| {
        let mut message = e.to_string();
        if let Some(at) = message.rfind(" at line ") {
            message.truncate(at);
        }
        message
    })
}

/// `value` as a plain JavaScript object (`None` fields become `null`).
pub fn to_js<T: Serialize>(value: &T) -> Result<JsValue, Error> {
    let json = serde_json::to_string(value).map_err(|_| Error::Platform("serialize"))?;
    js_sys::JSON::parse(&json).map_err(|_| Error::Platform("JSON.parse"))
}
