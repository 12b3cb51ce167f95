//! Conversions between JavaScript values and the core's: errors into `PixieAuthError`s,
//! options objects into core options (as JSON values), results into plain objects (the core
//! builds them as JSON values; serde-wasm-bindgen makes the JS objects), and futures into
//! promises.

use std::future::Future;
use std::pin::Pin;

use js_sys::{Promise, Reflect};
use wasm_bindgen::prelude::*;

use crate::browser::json_to_js;
use crate::core::json::{self, Object, Value};
use crate::core::{
    CallbackError, ConfigError, Error, LoginOptions, LogoutOptions, LogoutOutcome,
    MessengerAuthCode, RawConfig, RevocationStatus,
};

/// Converts a core error into a JS `Error` named `PixieAuthError`, with `code` and, when
/// known, `oauthError`, `errorDescription`, `status`, `retryAfter` and `jsErrorName`. Its message never
/// holds a secret.
pub fn to_js_error(error: &Error) -> JsValue {
    let e = js_sys::Error::new(&error.message());
    e.set_name("PixieAuthError");
    let set = |k: &str, v: JsValue| set_property(&e, k, &v);
    set("code", error.code().into());
    if let Some(oauth) = error.oauth_error() {
        set("oauthError", oauth.into());
    }
    if let Some(status) = error.http_status() {
        set("status", status.into());
    }
    if let Some(seconds) = error.retry_after() {
        set("retryAfter", (seconds as f64).into());
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

/// Sets `key` of the object `target` (one out-of-line copy for every object built here).
#[inline(never)]
fn set_property(target: &JsValue, key: &str, value: &JsValue) {
    let _ = Reflect::set(target, &key.into(), value);
}

/// `isPixieAuthError(e)`: whether `e` has the shape [`to_js_error`] makes: an object whose
/// `name` is `"PixieAuthError"` and whose `code` is a string (one of [`Error::CODES`] when the
/// error is ours; the list is not searched, which would cost 177 B of gzipped wasm for no
/// caller's benefit). TypeScript sees a type guard (`e is PixieAuthError`, declared in
/// types.d.ts), so a `catch (e)` can read `e.code` under `--strict`. A property that throws
/// when read (a hostile getter or proxy) makes it `false`.
#[wasm_bindgen(js_name = isPixieAuthError, skip_typescript)]
pub fn is_pixie_auth_error(e: &JsValue) -> bool {
    if !e.is_object() {
        return false;
    }
    let text = |key: &str| {
        Reflect::get(e, &key.into())
            .ok()
            .and_then(|v| v.as_string())
    };
    text("name").as_deref() == Some("PixieAuthError") && text("code").is_some()
}

impl From<Error> for JsValue {
    fn from(error: Error) -> JsValue {
        to_js_error(&error)
    }
}

/// What a `string | URL` argument that is a URL must be, in `invalid_argument` messages.
pub const URL_ARGUMENT: &str = "a URL must be a string or a URL object";

/// An `invalid_argument` error: `why` says which argument, and what it must be.
#[cold]
#[inline(never)]
pub fn invalid_argument(why: &'static str) -> JsValue {
    Error::InvalidArgument(why).into()
}

/// A `string | URL` argument: the text, or the `URL`'s `href`; `None` when `undefined` or
/// `null` (an omitted optional argument). Anything else is `invalid_argument` (`why`), never a
/// trap: a wasm-bindgen `String` parameter given a number or an object reads the wasm memory
/// out of bounds, which is why every such parameter is a `JsValue` converted here.
pub fn url_argument(value: &JsValue, why: &'static str) -> Result<Option<String>, JsValue> {
    if value.is_undefined() || value.is_null() {
        return Ok(None);
    }
    if let Some(text) = value.as_string() {
        return Ok(Some(text));
    }
    // `instanceof URL` (false, not a throw, for a proxy whose traps throw), then `href` read
    // with Reflect.get, so a subclass's throwing getter is an error too, not an exception.
    value
        .dyn_ref::<web_sys::Url>()
        .and_then(|url| Reflect::get(url, &"href".into()).ok())
        .and_then(|href| href.as_string())
        .map(Some)
        .ok_or_else(|| invalid_argument(why))
}

/// A string argument (an event name): `invalid_argument` (`why`) for anything else.
pub fn string_argument(value: &JsValue, why: &'static str) -> Result<String, JsValue> {
    value.as_string().ok_or_else(|| invalid_argument(why))
}

/// A function argument (an event handler): `invalid_argument` for anything else.
pub fn function_argument(value: JsValue) -> Result<js_sys::Function, JsValue> {
    value
        .dyn_into()
        .map_err(|_| invalid_argument("the event handler must be a function"))
}

/// An `invalid_config` error about `field`; out of line.
#[cold]
#[inline(never)]
pub fn config_error(field: &'static str, reason: &str) -> JsValue {
    Error::from(ConfigError::Invalid {
        field,
        reason: reason.to_string(),
    })
    .into()
}

/// A JS value from a JSON value the core built (see [`json_to_js`]).
pub fn to_js(value: &Value) -> Result<JsValue, JsValue> {
    Ok(json_to_js(value)?)
}

/// An options object the app passed, as a JSON value (`JSON.stringify`, so a `URL` becomes
/// its text and `undefined` members are left out); `undefined` and `null` are `null`. A value
/// `JSON.stringify` throws on (a `BigInt`, a cycle, a throwing getter) is refused as
/// `invalid_config` naming `what`.
pub fn from_js(value: &JsValue, what: &'static str) -> Result<Value, JsValue> {
    if value.is_undefined() || value.is_null() {
        return Ok(Value::Null);
    }
    let text = js_sys::JSON::stringify(value)
        .ok()
        .and_then(|t| t.as_string());
    match text.as_deref().map(json::parse) {
        Some(Ok(value)) => Ok(value),
        _ => Err(config_error(what, "must be a plain object of settings")),
    }
}

/// An `invalid_config` error the core found in an options object, as a JS value; out of line.
#[cold]
#[inline(never)]
pub fn refused(error: ConfigError) -> JsValue {
    Error::Config(error).into()
}

/// The configuration object of `new PkceClient(config)` and `PkceClient.discover(config)`.
pub fn raw_config(config: &JsValue) -> Result<RawConfig, JsValue> {
    RawConfig::from_json(&from_js(config, "config")?).map_err(refused)
}

/// An options object read by `read` from its JSON value; `undefined` or `null` for none.
fn options<T: Default>(
    options: &JsValue,
    what: &'static str,
    read: fn(&Value) -> Result<T, ConfigError>,
) -> Result<T, JsValue> {
    let value = from_js(options, what)?;
    if value.is_null() {
        return Ok(T::default());
    }
    read(&value).map_err(refused)
}

/// `login()` / `loginUrl()` options; `undefined` or `null` for none.
pub fn login_options(value: &JsValue) -> Result<LoginOptions, JsValue> {
    options(value, "loginOptions", LoginOptions::from_json)
}

/// `logout()` options; `undefined` or `null` for none.
pub fn logout_options(value: &JsValue) -> Result<LogoutOptions, JsValue> {
    options(value, "logoutOptions", LogoutOptions::from_json)
}

/// The `LogoutResult` object of a logout outcome (built directly: three properties).
pub fn logout_result(outcome: &LogoutOutcome) -> JsValue {
    let result: JsValue = js_sys::Object::new().into();
    let revocation = match outcome.revocation {
        RevocationStatus::Revoked => "revoked",
        RevocationStatus::Failed => "failed",
        RevocationStatus::Skipped => "skipped",
    };
    set_property(&result, "revocation", &revocation.into());
    set_property(
        &result,
        "error",
        &outcome.error.as_ref().map_or(JsValue::NULL, to_js_error),
    );
    set_property(
        &result,
        "redirectTo",
        &outcome
            .redirect_to
            .as_ref()
            .map_or(JsValue::NULL, |u| u.as_str().into()),
    );
    result
}

/// The `MessengerAuthCode` object of a hand-off: the one result that carries the code and
/// the verifier, on purpose.
pub fn messenger_auth_code(handoff: &MessengerAuthCode) -> Result<JsValue, JsValue> {
    let mut o = Object::new();
    o.insert("authCode".into(), handoff.auth_code.secret().into());
    o.insert("redirectUri".into(), handoff.redirect_uri.as_str().into());
    o.insert("codeVerifier".into(), handoff.code_verifier.secret().into());
    if let Some(nonce) = &handoff.nonce {
        o.insert("nonce".into(), nonce.secret().into());
    }
    if let Some(max_age) = handoff.max_age {
        o.insert("maxAge".into(), max_age.into());
    }
    if let Some(iss) = &handoff.iss {
        o.insert("iss".into(), iss.as_str().into());
    }
    to_js(&o.into())
}

/// A JSON text the core made (claims), as a JS value.
pub fn parse_json(text: &str) -> Result<JsValue, JsValue> {
    js_sys::JSON::parse(text).map_err(|_| Error::Platform("JSON.parse").into())
}

/// The body of every promise-returning method.
pub type PromiseBody = Pin<Box<dyn Future<Output = Result<JsValue, JsValue>>>>;

/// Runs `body` as a promise. The future is boxed first so that `future_to_promise` and its
/// task machinery exist once in the .wasm, not once per method (size).
pub fn promise(body: impl Future<Output = Result<JsValue, JsValue>> + 'static) -> Promise {
    wasm_bindgen_futures::future_to_promise(Box::pin(body) as PromiseBody)
}
