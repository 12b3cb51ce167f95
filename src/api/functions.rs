//! The free functions: the same API on one client the page configures once.

use std::cell::RefCell;
use std::rc::Rc;

use js_sys::Promise;
use wasm_bindgen::prelude::*;

use super::client::PkceClient;
use super::convert::{config_error, logout_result};
use crate::browser::storage::document_cache;
use crate::core::{DocumentCache, LogoutOutcome, RevocationStatus};

thread_local! {
    static DEFAULT: RefCell<Option<Rc<PkceClient>>> = const { RefCell::new(None) };
    /// Discovery documents and JWK Sets, fetched once per page (and kept for the tab) and
    /// shared by every client.
    static DOCUMENTS: Rc<DocumentCache> = Rc::new(document_cache());
}

/// The provider documents of the page, shared by every client.
pub(super) fn page_documents() -> Rc<DocumentCache> {
    DOCUMENTS.with(Rc::clone)
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

/// Sets the client the free functions act on from the provider's discovery document, like
/// `PkceClient.discover`.
#[wasm_bindgen(js_name = configureWithDiscovery, unchecked_return_type = "Promise<void>")]
pub fn configure_with_discovery(
    #[wasm_bindgen(unchecked_param_type = "DiscoveryConfig")] config: JsValue,
) -> Promise {
    PkceClient::discover_then(config, |client| {
        DEFAULT.with(|d| *d.borrow_mut() = Some(Rc::new(client)));
        JsValue::UNDEFINED
    })
}

/// `login()` on the configured client.
#[wasm_bindgen(js_name = login, unchecked_return_type = "Promise<void>")]
pub fn login_fn(
    #[wasm_bindgen(unchecked_optional_param_type = "LoginOptions")] options: JsValue,
) -> Promise {
    default_client().map_or_else(reject, |c| c.login(options))
}

/// `handleCallback()` on the configured client.
#[wasm_bindgen(js_name = handleCallback, unchecked_return_type = "Promise<SessionSummary>")]
pub fn handle_callback_fn(
    #[wasm_bindgen(unchecked_optional_param_type = "string | URL")] url: JsValue,
) -> Promise {
    default_client().map_or_else(reject, |c| c.handle_callback(url))
}

/// `loginPopup()` on the configured client. Call it from a user gesture, as the method: the
/// popup opens before this returns.
#[wasm_bindgen(js_name = loginPopup, unchecked_return_type = "Promise<SessionSummary>")]
pub fn login_popup_fn(
    #[wasm_bindgen(unchecked_optional_param_type = "LoginPopupOptions")] options: JsValue,
) -> Promise {
    default_client().map_or_else(reject, |c| c.login_popup(options))
}

/// `renewSilently()` on the configured client.
#[wasm_bindgen(js_name = renewSilently, unchecked_return_type = "Promise<SessionSummary>")]
pub fn renew_silently_fn(
    #[wasm_bindgen(unchecked_optional_param_type = "RenewSilentlyOptions")] options: JsValue,
) -> Promise {
    default_client().map_or_else(reject, |c| c.renew_silently(options))
}

/// `callApi()` on the configured client.
#[wasm_bindgen(js_name = callApi, unchecked_return_type = "Promise<Response>")]
pub fn call_api_fn(
    #[wasm_bindgen(unchecked_param_type = "string | URL")] path: JsValue,
    #[wasm_bindgen(unchecked_optional_param_type = "RequestInit")] init: JsValue,
) -> Promise {
    default_client().map_or_else(reject, |c| c.call_api(path, init))
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

/// `getUser()` on the configured client (null when none is configured).
#[wasm_bindgen(js_name = getUser, unchecked_return_type = "IdTokenClaims | null")]
pub fn get_user_fn() -> JsValue {
    default_client().map_or(JsValue::NULL, |c| c.get_user())
}

/// `loadUserInfo()` on the configured client.
#[wasm_bindgen(js_name = loadUserInfo, unchecked_return_type = "Promise<UserInfo>")]
pub fn load_user_info_fn() -> Promise {
    default_client().map_or_else(reject, |c| c.load_user_info())
}

/// `messengerAuthCode()` on the configured client.
#[wasm_bindgen(js_name = messengerAuthCode, unchecked_return_type = "Promise<MessengerAuthCode>")]
pub fn messenger_auth_code_fn(
    #[wasm_bindgen(unchecked_optional_param_type = "string | URL")] url: JsValue,
) -> Promise {
    default_client().map_or_else(reject, |c| c.messenger_auth_code(url))
}

/// `logout()` on the configured client; without one, resolves with nothing done.
#[wasm_bindgen(js_name = logout, unchecked_return_type = "Promise<LogoutResult>")]
pub fn logout_fn(
    #[wasm_bindgen(unchecked_optional_param_type = "LogoutOptions")] options: JsValue,
) -> Promise {
    match default_client() {
        Ok(c) => c.logout(options),
        Err(_) => Promise::resolve(&logout_result(&LogoutOutcome {
            revocation: RevocationStatus::Skipped,
            error: None,
            redirect_to: None,
        })),
    }
}

/// `refresh()` on the configured client.
#[wasm_bindgen(js_name = refresh, unchecked_return_type = "Promise<SessionSummary>")]
pub fn refresh_fn() -> Promise {
    default_client().map_or_else(reject, |c| c.refresh())
}

/// `getAccessToken()` on the configured client: the raw token, on purpose.
#[wasm_bindgen(js_name = getAccessToken, unchecked_return_type = "Promise<string>")]
pub fn get_access_token_fn() -> Promise {
    default_client().map_or_else(reject, |c| c.get_access_token())
}

/// `on()` on the configured client (TypeScript signature in the custom section).
#[wasm_bindgen(js_name = on, skip_typescript)]
pub fn on_fn(name: JsValue, handler: JsValue) -> Result<(), JsValue> {
    default_client()?.on(name, handler)
}

/// `off()` on the configured client.
#[wasm_bindgen(js_name = off, skip_typescript)]
pub fn off_fn(name: JsValue, handler: JsValue) -> Result<(), JsValue> {
    default_client()?.off(name, handler)
}
