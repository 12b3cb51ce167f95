//! The JavaScript face: the `PkceClient` class and the free functions acting on one
//! configured client. Converts core errors into JS `Error`s with a stable `code`.

use std::cell::RefCell;
use std::rc::Rc;

use js_sys::{Promise, Reflect};
use url::Url;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::future_to_promise;
use web_sys::{Request, RequestInit};

use crate::browser::storage::SessionStore;
use crate::browser::{fetch, location, BrowserPlatform};
use crate::core::authorize::LoginOptions;
use crate::core::callback::{clean_callback_url, is_callback};
use crate::core::client::Client;
use crate::core::config::{RawConfig, StorageKind};
use crate::core::error::{CallbackError, ConfigError, Error};
use crate::core::store::{MemoryStore, Store};

#[wasm_bindgen(typescript_custom_section)]
const TS_TYPES: &'static str = r#"
/** A Genesys Cloud region: its domain or its id. */
export type GenesysRegion =
  | "mypurecloud.com" | "use2.us-gov-pure.cloud" | "usw2.pure.cloud" | "cac1.pure.cloud"
  | "sae1.pure.cloud" | "mxc1.pure.cloud" | "mypurecloud.ie" | "euw2.pure.cloud"
  | "mypurecloud.de" | "euc2.pure.cloud" | "edee1.eusc-pure.cloud" | "mec1.pure.cloud"
  | "aps1.pure.cloud" | "apse1.pure.cloud" | "mypurecloud.com.au" | "mypurecloud.jp"
  | "apne2.pure.cloud" | "apne3.pure.cloud"
  | "us_east_1" | "us_east_2" | "us_west_2" | "ca_central_1" | "sa_east_1" | "mx_central_1"
  | "eu_west_1" | "eu_west_2" | "eu_central_1" | "eu_central_2" | "eusc_de_east_1"
  | "me_central_1" | "ap_south_1" | "ap_southeast_1" | "ap_southeast_2" | "ap_northeast_1"
  | "ap_northeast_2" | "ap_northeast_3";

/** Settings shared by every configuration form. */
export interface CommonConfig {
  /** The OAuth client id (Genesys: the "Code Authorization" client with PKCE). */
  clientId: string;
  /** The redirect URI exactly as registered; https, or http on localhost/127.0.0.1/[::1]. */
  redirectUri: string;
  /** Scopes to request, one per item. */
  scopes?: string[];
  /** Extra authorization parameters (Genesys: org, provider, login_hint, prompt, target). */
  extraParams?: Record<string, string>;
  /** Where the session lives: "session" (sessionStorage, default) or "memory". */
  storage?: "session" | "memory";
}

/** Genesys Cloud preset: endpoints derive from the region. */
export interface GenesysConfig extends CommonConfig {
  region: GenesysRegion;
  /** Overrides https://api.<region domain>. */
  apiBase?: string;
}

/** Any standards-following OAuth 2.0 server. */
export interface GenericConfig extends CommonConfig {
  authorizationEndpoint: string;
  tokenEndpoint: string;
  /** Base URL for callApi paths. */
  apiBase?: string;
}

/** The configuration of a PkceClient. */
export type PkceConfig = GenesysConfig | GenericConfig;

/** Per-login options. */
export interface LoginOptions {
  /** Extra authorization parameters for this login only. */
  extraParams?: Record<string, string>;
  /** A same-origin path restored in the address bar after the callback. */
  returnTo?: string;
}

/** The non-secret view of a session. */
export interface SessionSummary {
  /** Access-token expiry in ms since the epoch (compare with Date.now()), or null if unknown. */
  expiresAt: number | null;
  /** Granted scope, space-separated, or null. */
  scope: string | null;
  hasRefreshToken: boolean;
  hasIdToken: boolean;
  /** After handleCallback: the returnTo given to login(), already restored. */
  returnTo?: string;
}

/** Every code a pixie-auth rejection can carry. */
export type PixieErrorCode =
  | "invalid_config" | "invalid_callback" | "state_mismatch" | "missing_pending_login"
  | "pending_login_expired" | "issuer_mismatch" | "authorization_error"
  | "token_exchange_failed" | "invalid_token_response" | "network_error" | "login_required"
  | "storage_unavailable" | "platform_error" | "invalid_api_url";

/** The Error every pixie-auth rejection is. Its message never holds a secret. */
export interface PixieAuthError extends Error {
  name: "PixieAuthError";
  code: PixieErrorCode;
  /** The server's OAuth error code (e.g. "access_denied", "invalid_grant"). */
  oauthError?: string;
  /** The server's error_description for authorization errors (sanitized, for display). */
  errorDescription?: string;
  /** The HTTP status behind a token endpoint failure. */
  status?: number;
}
"#;

/// Converts a core error into a JS `Error` with `name`, `code` and, when known, `oauthError`,
/// `errorDescription` and `status`.
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
    if let Error::Callback(CallbackError::Authorization {
        description: Some(d),
        ..
    }) = error
    {
        set("errorDescription", d.as_str().into());
    }
    e.into()
}

fn js_err(error: Error) -> JsValue {
    to_js_error(&error)
}

fn config_error(field: &'static str, e: impl ToString) -> JsValue {
    js_err(
        ConfigError::Invalid {
            field,
            reason: e.to_string(),
        }
        .into(),
    )
}

fn warn(message: &str) {
    web_sys::console::warn_1(&message.into());
}

/// How a client keeps its session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum StorageMode {
    Session,
    Memory,
    /// sessionStorage was asked for but is blocked: memory, with a warning.
    MemoryFallback,
}

/// A PKCE login client. See the README for the full JavaScript API.
#[wasm_bindgen]
pub struct PkceClient {
    inner: Rc<Client<BrowserPlatform>>,
    mode: StorageMode,
}

#[wasm_bindgen]
impl PkceClient {
    /// Validates the configuration and picks up a stored session (so a reload keeps the user
    /// logged in). Throws a `PixieAuthError` with code `invalid_config` on bad configuration.
    #[wasm_bindgen(constructor)]
    pub fn new(
        #[wasm_bindgen(unchecked_param_type = "PkceConfig")] config: JsValue,
    ) -> Result<PkceClient, JsValue> {
        let raw: RawConfig =
            serde_wasm_bindgen::from_value(config).map_err(|e| config_error("config", e))?;
        let config = raw.validate().map_err(|e| js_err(e.into()))?;
        let session_store = SessionStore::open();
        if session_store.is_err() {
            warn(
                "pixie-auth: sessionStorage is unavailable (blocked by the browser); \
                 keeping the session in memory, where a reload or a redirect loses it",
            );
        }
        let memory = || Box::new(MemoryStore::default()) as Box<dyn Store>;
        let (sessions, pending, mode): (Box<dyn Store>, Box<dyn Store>, _) =
            match (&session_store, config.storage) {
                (Ok(s), StorageKind::Session) => (
                    Box::new(s.clone()),
                    Box::new(s.clone()),
                    StorageMode::Session,
                ),
                (Ok(s), StorageKind::Memory) => {
                    (memory(), Box::new(s.clone()), StorageMode::Memory)
                }
                (Err(_), StorageKind::Memory) => (memory(), memory(), StorageMode::Memory),
                (Err(_), StorageKind::Session) => (memory(), memory(), StorageMode::MemoryFallback),
            };
        Ok(PkceClient {
            inner: Rc::new(Client::new(config, BrowserPlatform::default(), sessions, pending)),
            mode,
        })
    }

    /// Where the session is kept: `"session"`, `"memory"`, or `"memory-fallback"` when
    /// sessionStorage was wanted but is blocked.
    #[wasm_bindgen(getter, js_name = storageMode)]
    pub fn storage_mode(&self) -> String {
        match self.mode {
            StorageMode::Session => "session",
            StorageMode::Memory => "memory",
            StorageMode::MemoryFallback => "memory-fallback",
        }
        .into()
    }

    /// Builds the authorization URL and stores the pending login, without navigating.
    #[wasm_bindgen(js_name = loginUrl, unchecked_return_type = "Promise<string>")]
    pub fn login_url(
        &self,
        #[wasm_bindgen(unchecked_param_type = "LoginOptions | undefined")] options: JsValue,
    ) -> Promise {
        let inner = self.inner.clone();
        future_to_promise(async move {
            let options = parse_login_options(options)?;
            let url = inner.start_login(options).await.map_err(js_err)?;
            Ok(JsValue::from(url.as_str()))
        })
    }

    /// Starts a login: stores the pending login and sends the browser to the authorization
    /// server. The promise resolves as the navigation starts.
    #[wasm_bindgen(unchecked_return_type = "Promise<void>")]
    pub fn login(
        &self,
        #[wasm_bindgen(unchecked_param_type = "LoginOptions | undefined")] options: JsValue,
    ) -> Promise {
        let inner = self.inner.clone();
        future_to_promise(async move {
            let options = parse_login_options(options)?;
            let url = inner.start_login(options).await.map_err(js_err)?;
            location::navigate(url.as_str()).map_err(js_err)?;
            Ok(JsValue::UNDEFINED)
        })
    }

    /// Whether `url` (default: the current page) is an authorization response.
    #[wasm_bindgen(js_name = isCallback)]
    pub fn is_callback(&self, url: Option<String>) -> bool {
        let href = url.or_else(|| location::current_url().ok());
        href.and_then(|h| Url::parse(&h).ok())
            .is_some_and(|u| is_callback(&u))
    }

    /// Handles the authorization response in `url` (default: the current page): removes the
    /// response parameters from the address bar at once, checks state, exchanges the code,
    /// stores the session, and restores `returnTo`. Rejects with a `PixieAuthError`; a failure
    /// leaves any existing session in place.
    #[wasm_bindgen(js_name = handleCallback, unchecked_return_type = "Promise<SessionSummary>")]
    pub fn handle_callback(&self, url: Option<String>) -> Promise {
        let inner = self.inner.clone();
        future_to_promise(async move {
            let from_page = url.is_none();
            let href = match url {
                Some(u) => u,
                None => location::current_url().map_err(js_err)?,
            };
            let parsed =
                Url::parse(&href).map_err(|_| js_err(CallbackError::NotACallback.into()))?;
            if from_page && is_callback(&parsed) {
                location::replace_url(clean_callback_url(&parsed).as_str()).map_err(js_err)?;
            }
            let summary = inner.handle_callback(&parsed).await.map_err(js_err)?;
            if let (true, Some(path)) = (from_page, &summary.return_to) {
                location::replace_url(path).map_err(js_err)?;
            }
            to_js(&summary)
        })
    }

    /// `fetch` with `Authorization: Bearer <access token>`. A path is resolved against the API
    /// base; an absolute URL must lie under it. Resolves with the `Response`. Without a valid
    /// session, or when the API answers 401, the session is cleared and the promise rejects
    /// with `login_required` (no redirect: the app decides when to call `login()`).
    #[wasm_bindgen(js_name = callApi, unchecked_return_type = "Promise<Response>")]
    pub fn call_api(
        &self,
        path_or_url: String,
        #[wasm_bindgen(unchecked_param_type = "RequestInit | undefined")] init: JsValue,
    ) -> Promise {
        let inner = self.inner.clone();
        future_to_promise(async move {
            let url = inner.api_url(&path_or_url).map_err(js_err)?;
            let token = inner.access_token().map_err(js_err)?;
            let init: RequestInit = if init.is_undefined() || init.is_null() {
                RequestInit::new()
            } else {
                init.unchecked_into()
            };
            // A malformed init (bad method, bad header) is the caller's error: rethrow it as is.
            let request = Request::new_with_str_and_init(&url, &init)?;
            let mut bearer = String::with_capacity(7 + token.secret().len());
            bearer.push_str("Bearer ");
            bearer.push_str(token.secret());
            request.headers().set("Authorization", &bearer)?;
            let response = fetch::fetch_request(&request).await.map_err(js_err)?;
            if response.status() == 401 {
                inner.clear_session();
                return Err(js_err(Error::LoginRequired(
                    "the API refused the access token (401)",
                )));
            }
            Ok(response.into())
        })
    }

    /// Whether a session with an unexpired access token exists.
    #[wasm_bindgen(js_name = isAuthenticated)]
    pub fn is_authenticated(&self) -> bool {
        self.inner.is_authenticated()
    }

    /// The current session's summary, or `null`.
    #[wasm_bindgen(js_name = getSession, unchecked_return_type = "SessionSummary | null")]
    pub fn get_session(&self) -> JsValue {
        self.inner
            .session()
            .and_then(|s| to_js(&s.summary()).ok())
            .unwrap_or(JsValue::NULL)
    }

    /// Ends the session in this tab: deletes the session and any pending login.
    pub fn logout(&self) {
        self.inner.logout();
    }
}

fn parse_login_options(options: JsValue) -> Result<LoginOptions, JsValue> {
    if options.is_undefined() || options.is_null() {
        return Ok(LoginOptions::default());
    }
    serde_wasm_bindgen::from_value(options).map_err(|e| config_error("loginOptions", e))
}

fn to_js<T: serde::Serialize>(value: &T) -> Result<JsValue, JsValue> {
    let serializer = serde_wasm_bindgen::Serializer::new().serialize_missing_as_null(true);
    value
        .serialize(&serializer)
        .map_err(|_| js_err(Error::Platform("serialize")))
}

thread_local! {
    static DEFAULT: RefCell<Option<Rc<PkceClient>>> = const { RefCell::new(None) };
}

fn default_client() -> Result<Rc<PkceClient>, JsValue> {
    DEFAULT.with(|d| d.borrow().clone()).ok_or_else(|| {
        config_error(
            "config",
            "no client is configured: call configure(config) first",
        )
    })
}

fn reject(e: JsValue) -> Promise {
    Promise::reject(&e)
}

/// Sets the client the free functions act on. Throws `invalid_config` on bad configuration.
#[wasm_bindgen]
pub fn configure(
    #[wasm_bindgen(unchecked_param_type = "PkceConfig")] config: JsValue,
) -> Result<(), JsValue> {
    let client = Rc::new(PkceClient::new(config)?);
    DEFAULT.with(|d| *d.borrow_mut() = Some(client));
    Ok(())
}

/// `login()` on the configured client.
#[wasm_bindgen(js_name = login, unchecked_return_type = "Promise<void>")]
pub fn login_fn(
    #[wasm_bindgen(unchecked_param_type = "LoginOptions | undefined")] options: JsValue,
) -> Promise {
    default_client().map_or_else(reject, |c| c.login(options))
}

/// `handleCallback()` on the configured client.
#[wasm_bindgen(js_name = handleCallback, unchecked_return_type = "Promise<SessionSummary>")]
pub fn handle_callback_fn(url: Option<String>) -> Promise {
    default_client().map_or_else(reject, |c| c.handle_callback(url))
}

/// `callApi()` on the configured client.
#[wasm_bindgen(js_name = callApi, unchecked_return_type = "Promise<Response>")]
pub fn call_api_fn(
    path_or_url: String,
    #[wasm_bindgen(unchecked_param_type = "RequestInit | undefined")] init: JsValue,
) -> Promise {
    default_client().map_or_else(reject, |c| c.call_api(path_or_url, init))
}

/// `isAuthenticated()` on the configured client (false when none is configured).
#[wasm_bindgen(js_name = isAuthenticated)]
pub fn is_authenticated_fn() -> bool {
    default_client().is_ok_and(|c| c.is_authenticated())
}

/// `getSession()` on the configured client (null when none is configured).
#[wasm_bindgen(js_name = getSession, unchecked_return_type = "SessionSummary | null")]
pub fn get_session_fn() -> JsValue {
    default_client().map_or(JsValue::NULL, |c| c.get_session())
}

/// `logout()` on the configured client.
#[wasm_bindgen(js_name = logout)]
pub fn logout_fn() {
    if let Ok(c) = default_client() {
        c.logout();
    }
}
