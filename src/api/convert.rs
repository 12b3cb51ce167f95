//! Conversions between JavaScript values and the core's: errors into `PixieAuthError`s,
//! options objects into core options, results into plain objects (through `Serialize` view
//! types), and futures into promises.

use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;

use js_sys::{Promise, Reflect};
use serde::Serialize;
use wasm_bindgen::prelude::*;

use crate::browser::runtime::Runtime;
use crate::core::{
    CallbackError, ConfigError, Error, LoginOptions, LogoutOptions, LogoutOutcome,
    MessengerAuthCode, RevocationStatus,
};

/// Converts a core error into a JS `Error` named `PixieAuthError`, with `code` and, when
/// known, `oauthError`, `errorDescription`, `status` and `jsErrorName`. Its message never
/// holds a secret.
pub fn to_js_error(error: &Error) -> JsValue {
    let e = js_sys::Error::new(&error.to_string());
    e.set_name("PixieAuthError");
    let set = |k: &str, v: JsValue| {
        let _ = Reflect::set(&e, &k.into(), &v);
    };
    set("code", error.code().into());
    if let Some(oauth) = error.oauth_error() {
        set("oauthError", oauth.into());
    }
    if let Some(status) = error.http_status() {
        set("status", status.into());
    }
    if let Some(name) = error.js_error_name() {
        set("jsErrorName", name.as_str().into());
    }
    if let Error::Callback(CallbackError::Authorization {
        description: Some(d),
        ..
    }) = error
    {
        set("errorDescription", d.as_str().into());
    }
    e.into()
}

impl From<Error> for JsValue {
    fn from(error: Error) -> JsValue {
        to_js_error(&error)
    }
}

/// An `invalid_config` error about `field`.
pub fn config_error(field: &'static str, reason: impl ToString) -> JsValue {
    Error::from(ConfigError::Invalid {
        field,
        reason: reason.to_string(),
    })
    .into()
}

/// A plain JS object from a view type (missing fields become `null`).
pub fn to_js<T: Serialize>(value: &T) -> Result<JsValue, JsValue> {
    let serializer = serde_wasm_bindgen::Serializer::new().serialize_missing_as_null(true);
    value
        .serialize(&serializer)
        .map_err(|_| Error::Platform("serialize").into())
}

/// `login()` / `loginUrl()` options; `undefined` or `null` for none.
pub fn login_options(options: JsValue) -> Result<LoginOptions, JsValue> {
    if options.is_undefined() || options.is_null() {
        return Ok(LoginOptions::default());
    }
    serde_wasm_bindgen::from_value(options).map_err(|e| config_error("loginOptions", e))
}

/// `logout()` options; `undefined` or `null` for none.
pub fn logout_options(options: JsValue) -> Result<LogoutOptions, JsValue> {
    if options.is_undefined() || options.is_null() {
        return Ok(LogoutOptions::default());
    }
    serde_wasm_bindgen::from_value(options).map_err(|e| config_error("logoutOptions", e))
}

/// What `logout()` resolves with (TypeScript `LogoutResult`).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct LogoutResultView {
    revocation: &'static str,
    #[serde(with = "serde_wasm_bindgen::preserve")]
    error: JsValue,
    redirect_to: Option<String>,
}

/// The `LogoutResult` object of a logout outcome.
pub fn logout_result(outcome: &LogoutOutcome) -> JsValue {
    let view = LogoutResultView {
        revocation: match outcome.revocation {
            RevocationStatus::Revoked => "revoked",
            RevocationStatus::Failed => "failed",
            RevocationStatus::Skipped => "skipped",
        },
        error: outcome.error.as_ref().map_or(JsValue::NULL, to_js_error),
        redirect_to: outcome.redirect_to.as_ref().map(|u| u.as_str().to_string()),
    };
    to_js(&view).unwrap_or(JsValue::NULL)
}

/// What `messengerAuthCode()` resolves with (TypeScript `MessengerAuthCode`): the one view
/// that carries the code and the verifier, on purpose.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct MessengerAuthCodeView<'a> {
    auth_code: &'a str,
    redirect_uri: &'a str,
    code_verifier: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    nonce: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    max_age: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    iss: Option<&'a str>,
}

/// The `MessengerAuthCode` object of a hand-off.
pub fn messenger_auth_code(handoff: &MessengerAuthCode) -> Result<JsValue, JsValue> {
    to_js(&MessengerAuthCodeView {
        auth_code: handoff.auth_code.secret(),
        redirect_uri: &handoff.redirect_uri,
        code_verifier: handoff.code_verifier.secret(),
        nonce: handoff.nonce.as_ref().map(|n| n.secret()),
        max_age: handoff.max_age,
        iss: handoff.iss.as_deref(),
    })
}

/// A JSON text the core made (claims), as a JS value.
pub fn parse_json(text: &str) -> Result<JsValue, JsValue> {
    js_sys::JSON::parse(text).map_err(|_| Error::Platform("JSON.parse").into())
}

/// The body of every promise-returning method.
type PromiseBody = Pin<Box<dyn Future<Output = Result<JsValue, JsValue>>>>;

/// Runs `body` as a promise. The future is boxed first so that `future_to_promise` and its
/// task machinery exist once in the .wasm, not once per method (size).
pub fn promise(body: impl Future<Output = Result<JsValue, JsValue>> + 'static) -> Promise {
    wasm_bindgen_futures::future_to_promise(Box::pin(body) as PromiseBody)
}

/// Runs `body` as a promise, then delivers the events it queued and re-arms the timer.
pub fn promise_delivering_events(
    runtime: Rc<Runtime>,
    body: impl Future<Output = Result<JsValue, JsValue>> + 'static,
) -> Promise {
    deliver_after(runtime, Box::pin(body))
}

fn deliver_after(runtime: Rc<Runtime>, body: PromiseBody) -> Promise {
    promise(async move {
        let result = body.await;
        runtime.pump();
        result
    })
}
