//! The session bridge's JavaScript face: `auth.shareWithFrame(iframe, options)` (a
//! [`FrameBridge`]), `PkceClient.fromHost(options)` (a [`HostedClient`]) and
//! `genesysHostOrigin(search, region?)`. See the README ("Embedded apps").

use std::rc::Rc;

use js_sys::Promise;
use wasm_bindgen::prelude::*;

use super::client::{change_handler, PkceClient};
use super::convert::{
    from_js, function_argument, invalid_argument, parse_json, promise, string_argument, to_js,
    url_argument, URL_ARGUMENT,
};
use crate::browser::frames::{HostBridge, HostedLink};
use crate::browser::handlers::Handlers;
use crate::browser::spawn;
use crate::core::json::ObjectWriter;
use crate::core::{app_event_type_ok, Error, HostedOptions, ShareOptions};

/// What an app event type must be, in `invalid_argument` messages.
const EVENT_TYPE: &str = "the event type must be a string of letters, digits, - _ . or :";

/// The host's end of a session bridge with one frame: made by `auth.shareWithFrame`.
#[wasm_bindgen]
pub struct FrameBridge {
    inner: Rc<HostBridge>,
}

/// `on` (`add`) or `off` of the frame's app event types on the host (any valid type), one body
/// for both methods; the frame's own `on`/`off` share `change_handler` with the other classes.
fn on_off(handlers: &Handlers, kind: &JsValue, handler: JsValue, add: bool) -> Result<(), JsValue> {
    let kind = kind
        .as_string()
        .filter(|k| app_event_type_ok(k))
        .ok_or_else(|| invalid_argument(EVENT_TYPE))?;
    let handler = function_argument(handler)?;
    if add {
        handlers.insert(kind.into(), handler);
    } else {
        handlers.remove(&kind, &handler);
    }
    Ok(())
}

#[wasm_bindgen]
impl FrameBridge {
    /// Calls `handler(message)` with each app event of `type` the frame posts (a plain copy
    /// of its object). Added once per type, like `addEventListener`.
    pub fn on(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string")] kind: JsValue,
        #[wasm_bindgen(unchecked_param_type = "(message: FrameEventMessage) => void")]
        handler: JsValue,
    ) -> Result<(), JsValue> {
        on_off(self.inner.handlers(), &kind, handler, true)
    }

    /// Removes a handler added with `on`.
    pub fn off(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string")] kind: JsValue,
        #[wasm_bindgen(unchecked_param_type = "(message: FrameEventMessage) => void")]
        handler: JsValue,
    ) -> Result<(), JsValue> {
        on_off(self.inner.handlers(), &kind, handler, false)
    }

    /// What the bridge received: `{ accepted, dropped, droppedBy: { untrusted, source,
    /// origin, invalid } }`.
    #[wasm_bindgen(unchecked_return_type = "BridgeStats")]
    pub fn stats(&self) -> Result<JsValue, JsValue> {
        to_js(&self.inner.stats().to_value())
    }

    /// Stops answering and pushing; the frame's next request gets no answer
    /// (`host_unavailable` there).
    pub fn close(&self) {
        self.inner.close();
    }
}

/// The frame's end: a client with no login of its own, whose access token comes from the
/// host page. Made by `PkceClient.fromHost`.
#[wasm_bindgen]
pub struct HostedClient {
    inner: Rc<HostedLink>,
}

#[wasm_bindgen]
impl HostedClient {
    /// `fetch` under `apiBase` with `Authorization: Bearer <the host's access token>`. After
    /// a 401 the host is asked to refresh and the request is sent once more; a second 401 is
    /// `login_required`. Rejects with `invalid_api_url` (outside `apiBase`, or none given),
    /// `invalid_argument`, `login_required` (the host has no session) or `host_unavailable`.
    #[wasm_bindgen(js_name = callApi, unchecked_return_type = "Promise<Response>")]
    pub fn call_api(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string | URL")] path: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "RequestInit")] init: JsValue,
    ) -> Promise {
        let inner = self.inner.clone();
        promise(async move {
            let path =
                url_argument(&path, URL_ARGUMENT)?.ok_or_else(|| invalid_argument(URL_ARGUMENT))?;
            Ok(inner.call_api(&path, &init).await?.into())
        })
    }

    /// The access token, from memory or asked from the host (refreshed there first when it
    /// would expire within the host's margin). Never log it or store it. Rejects with
    /// `login_required` or `host_unavailable`.
    #[wasm_bindgen(js_name = getAccessToken, unchecked_return_type = "Promise<string>")]
    pub fn get_access_token(&self) -> Promise {
        let inner = self.inner.clone();
        promise(async move {
            let token = inner.access_token(false).await?;
            Ok(JsValue::from(token.secret()))
        })
    }

    /// Whether a token from the host is held and has not expired.
    #[wasm_bindgen(js_name = isAuthenticated)]
    pub fn is_authenticated(&self) -> bool {
        self.inner.is_authenticated()
    }

    /// Posts an app event to the host (`{ type: "queue-position", position: 3 }`): a plain
    /// object with a short `type`, at most 16 KiB as JSON. Throws `invalid_argument` for
    /// anything else, `host_unavailable` without a host.
    pub fn send(
        &self,
        #[wasm_bindgen(unchecked_param_type = "FrameEventMessage")] message: JsValue,
    ) -> Result<(), JsValue> {
        Ok(self.inner.emit_to_host(&message)?)
    }

    /// Adds an event handler (TypeScript signature in `HostedClient`'s interface).
    #[wasm_bindgen(skip_typescript)]
    pub fn on(&self, name: JsValue, handler: JsValue) -> Result<(), JsValue> {
        change_handler(self.inner.handlers(), &name, handler, true)
    }

    /// Removes an event handler.
    #[wasm_bindgen(skip_typescript)]
    pub fn off(&self, name: JsValue, handler: JsValue) -> Result<(), JsValue> {
        change_handler(self.inner.handlers(), &name, handler, false)
    }

    /// What the frame received from its parent (the same shape as `FrameBridge.stats()`).
    #[wasm_bindgen(unchecked_return_type = "BridgeStats")]
    pub fn stats(&self) -> Result<JsValue, JsValue> {
        to_js(&self.inner.stats().to_value())
    }

    /// Forgets the token and stops listening; calls then reject with `host_unavailable`.
    pub fn close(&self) {
        self.inner.close();
    }
}

#[wasm_bindgen]
impl PkceClient {
    /// Shares this client's session with the frame `iframe` (an `<iframe>` element) at
    /// exactly `options.origin`: answers its token requests with the access token only
    /// (never the refresh or ID token), refreshed first when it would expire within
    /// `minValiditySeconds` (default 60); pushes the new token after each refresh and
    /// `loggedOut` when the session ends. Everything else is dropped and counted. Throws
    /// `invalid_origin`, `invalid_config` or `invalid_argument`.
    #[wasm_bindgen(js_name = shareWithFrame)]
    pub fn share_with_frame(
        &self,
        #[wasm_bindgen(unchecked_param_type = "HTMLIFrameElement")] iframe: JsValue,
        #[wasm_bindgen(unchecked_param_type = "ShareWithFrameOptions")] options: JsValue,
    ) -> Result<FrameBridge, JsValue> {
        let options = ShareOptions::from_json(&from_js(&options, "options")?)?;
        let inner = HostBridge::start(iframe, options)?;
        match self.started() {
            Some(started) => inner.attach(started.client, started.runtime),
            None => {
                // Still starting (a lazy discovery): attach when it is; requests wait.
                let ready = self.ready();
                let bridge = inner.clone();
                spawn(async move {
                    if let Ok(started) = ready.await {
                        bridge.attach(started.client, started.runtime);
                    }
                });
            }
        }
        Ok(FrameBridge { inner })
    }

    /// A client for an app framed by a page that shares its session
    /// (`auth.shareWithFrame`): no login of its own; the token is asked from `window.parent`
    /// at exactly `options.hostOrigin` and kept in memory only. Throws `invalid_origin` or
    /// `invalid_config`.
    #[wasm_bindgen(js_name = fromHost)]
    pub fn from_host(
        #[wasm_bindgen(unchecked_param_type = "FromHostOptions")] options: JsValue,
    ) -> Result<HostedClient, JsValue> {
        let options = HostedOptions::from_json(&from_js(&options, "options")?)?;
        Ok(HostedClient {
            inner: HostedLink::start(options)?,
        })
    }
}

/// For an app embedded in Genesys Cloud: reads `gcHostOrigin` and `gcTargetEnv` from
/// `search` (`location.search`) and returns `{ origin, region, domain, targetEnv }` when
/// `gcHostOrigin` is an https origin with the default port on a host of the region table (of
/// `region` when given); throws `invalid_origin` otherwise. Pass `origin` to `fromHost` as
/// `hostOrigin`.
#[wasm_bindgen(js_name = genesysHostOrigin, unchecked_return_type = "GenesysHost")]
pub fn genesys_host_origin(
    #[wasm_bindgen(unchecked_param_type = "string")] search: JsValue,
    #[wasm_bindgen(unchecked_optional_param_type = "GenesysRegion")] region: JsValue,
) -> Result<JsValue, JsValue> {
    const SEARCH: &str = "genesysHostOrigin takes location.search, a string";
    let search = string_argument(&search, SEARCH)?;
    let region = match region.is_undefined() || region.is_null() {
        true => None,
        false => Some(string_argument(&region, "the region must be a string")?),
    };
    let host = crate::core::genesys_host_origin(&search, region.as_deref()).map_err(Error::from)?;
    // JSON text (escaped by the writer) and one `JSON.parse` (size).
    let mut text = String::new();
    let mut o = ObjectWriter::new(&mut text);
    o.string("origin", host.origin.as_str())
        .string("region", host.region)
        .string("domain", host.domain);
    match &host.target_env {
        Some(env) => o.string("targetEnv", env),
        None => o.null("targetEnv"),
    };
    o.finish();
    parse_json(&text)
}
