//! The `GuestTokenSource` class: a guest token for web messaging, from the site's own
//! endpoint, kept in memory only and renewed before it expires.

use std::rc::Rc;

use js_sys::{Function, Promise, Reflect};
use wasm_bindgen::prelude::*;

use super::convert::{config_error, from_js, promise};
use super::functions::page_documents;
use crate::browser::guest::GuestRuntime;
use crate::core::{Error, GuestOptions};

/// A source of guest tokens for web messaging. See the README ("Guest tokens for web
/// messaging") and `GuestTokenOptions` in the TypeScript declarations.
#[wasm_bindgen]
pub struct GuestTokenSource {
    runtime: Rc<GuestRuntime>,
}

fn function(value: JsValue, what: &'static str) -> Result<Function, JsValue> {
    value.dyn_into().map_err(|_| not_a_function(what))
}

#[cold]
#[inline(never)]
fn not_a_function(what: &'static str) -> JsValue {
    config_error(what, "must be a function")
}

#[wasm_bindgen]
impl GuestTokenSource {
    /// Validates the options (throws `invalid_config`, naming an unknown key) and starts:
    /// the first token is fetched on a microtask, so `onToken` handlers added right after
    /// construction get it.
    #[wasm_bindgen(constructor)]
    pub fn new(
        #[wasm_bindgen(unchecked_param_type = "GuestTokenOptions")] options: JsValue,
    ) -> Result<GuestTokenSource, JsValue> {
        // `body` is a function, which JSON.stringify leaves out of the options' JSON.
        let body = match Reflect::get(&options, &"body".into()) {
            Ok(b) if b.is_function() => Some(function(b, "body")?),
            _ => None,
        };
        let parsed =
            GuestOptions::from_json(&from_js(&options, "options")?).map_err(Error::from)?;
        Ok(GuestTokenSource {
            runtime: GuestRuntime::start(parsed, body, page_documents())?,
        })
    }

    /// Calls `handler(token)` with every new token, the first included (at once with the
    /// token held, when there is one). A handler is added once, like `addEventListener`.
    #[wasm_bindgen(js_name = onToken)]
    pub fn on_token(
        &self,
        #[wasm_bindgen(unchecked_param_type = "(token: string) => void")] handler: JsValue,
    ) -> Result<(), JsValue> {
        self.runtime.on_token(function(handler, "handler")?);
        Ok(())
    }

    /// Removes a handler added with `onToken`.
    #[wasm_bindgen(js_name = offToken)]
    pub fn off_token(
        &self,
        #[wasm_bindgen(unchecked_param_type = "(token: string) => void")] handler: JsValue,
    ) -> Result<(), JsValue> {
        self.runtime.off_token(&function(handler, "handler")?);
        Ok(())
    }

    /// Resolves with a token valid for at least `minValidity` seconds (or half its lifetime
    /// when that is shorter): the one held, else a new one (one request however many callers
    /// wait). Rejects with `guest_token_failed` (`status`), `rate_limited` (`retryAfter`),
    /// `guest_token_invalid`, `network_error` or `invalid_config` (`body()`); the next call
    /// tries again.
    #[wasm_bindgen(js_name = getToken, unchecked_return_type = "Promise<string>")]
    pub fn get_token(&self) -> Promise {
        let runtime = self.runtime.clone();
        promise(async move { Ok(runtime.get_token().await?.secret().into()) })
    }

    /// Adds an event handler (TypeScript signature in `GuestTokenSource`'s interface).
    #[wasm_bindgen(skip_typescript)]
    pub fn on(&self, name: &str, handler: JsValue) -> Result<(), JsValue> {
        let handler = function(handler, "handler")?;
        Ok(self.runtime.handlers().on(name, handler)?)
    }

    /// Removes an event handler.
    #[wasm_bindgen(skip_typescript)]
    pub fn off(&self, name: &str, handler: JsValue) -> Result<(), JsValue> {
        let handler = function(handler, "handler")?;
        Ok(self.runtime.handlers().off(name, &handler)?)
    }

    /// Stops for good: forgets the token, stops the timer, and makes `getToken()` reject
    /// with `guest_token_failed`.
    pub fn stop(&self) {
        self.runtime.stop();
    }
}
