//! The `GuestTokenSource` class: a guest token for web messaging, from the site's own
//! endpoint, kept in memory only and renewed before it expires.

use std::rc::Rc;

use js_sys::{Function, Promise, Reflect};
use wasm_bindgen::prelude::*;

use super::client::change_handler;
use super::convert::{from_js, function_argument, promise, to_js_error};
use super::functions::page_documents;
use crate::browser::guest::GuestRuntime;
use crate::core::{Error, GuestOptions};

/// A source of guest tokens for web messaging. See the README ("Guest tokens for web
/// messaging") and `GuestTokenOptions` in the TypeScript declarations.
#[wasm_bindgen]
pub struct GuestTokenSource {
    runtime: Rc<GuestRuntime>,
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
            Ok(b) if b.is_function() => Some(b.unchecked_into::<Function>()),
            _ => None,
        };
        let parsed =
            GuestOptions::from_json(&from_js(&options, "options")?).map_err(Error::from)?;
        Ok(GuestTokenSource {
            runtime: GuestRuntime::start(parsed, body, page_documents())?,
        })
    }

    /// Calls `handler(token)` with every new token, the first included (at once with the
    /// token held, when there is one). A handler is added once, like `addEventListener`;
    /// one that is not a function throws `invalid_argument`.
    #[wasm_bindgen(js_name = onToken)]
    pub fn on_token(
        &self,
        #[wasm_bindgen(unchecked_param_type = "(token: string) => void")] handler: JsValue,
    ) -> Result<(), JsValue> {
        self.runtime.on_token(function_argument(handler)?);
        Ok(())
    }

    /// Removes a handler added with `onToken`.
    #[wasm_bindgen(js_name = offToken)]
    pub fn off_token(
        &self,
        #[wasm_bindgen(unchecked_param_type = "(token: string) => void")] handler: JsValue,
    ) -> Result<(), JsValue> {
        self.runtime.off_token(&function_argument(handler)?);
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
        promise(async move {
            match runtime.get_token().await {
                Ok(jwt) => Ok(jwt.secret().into()),
                Err(e) => Err(to_js_error(&e)),
            }
        })
    }

    /// Adds an event handler (TypeScript signature in `GuestTokenSource`'s interface).
    #[wasm_bindgen(skip_typescript)]
    pub fn on(&self, name: JsValue, handler: JsValue) -> Result<(), JsValue> {
        change_handler(self.runtime.handlers(), &name, handler, true)
    }

    /// Removes an event handler.
    #[wasm_bindgen(skip_typescript)]
    pub fn off(&self, name: JsValue, handler: JsValue) -> Result<(), JsValue> {
        change_handler(self.runtime.handlers(), &name, handler, false)
    }

    /// Stops for good: forgets the token, stops the timer, and makes `getToken()` reject
    /// with `guest_token_failed`.
    pub fn stop(&self) {
        self.runtime.stop();
    }
}
