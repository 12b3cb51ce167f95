//! `loginPopup()` and `renewSilently()`: logins that stay on the page (see
//! [`crate::browser::popup`] and the core's `client/popup`). Conversion only.

use js_sys::Promise;
use wasm_bindgen::prelude::*;

use super::client::PkceClient;
use super::convert::{from_js, parse_json, refused, to_js};
use crate::browser::popup;
use crate::core::InPageOptions;
use web_sys::Window;

/// What `handleCallback()` resolves with on a redirect page that relayed the callback: a
/// summary of no session (this page redeemed nothing) with `relayed: "opener" | "parent"`.
pub(super) fn relayed(to: popup::RelayedTo) -> JsValue {
    // JSON text and one `JSON.parse`, not ten members built one by one (size).
    let mut text = String::from(r#"{"relayed":""#);
    text.push_str(to.as_str());
    text.push_str(
        r#"","expiresAt":null,"scope":null,"lastRefreshAt":null,"clockOffsetMs":null,"hasRefreshToken":false,"hasIdToken":false,"refreshCount":0}"#,
    );
    parse_json(&text).unwrap_or(JsValue::NULL)
}

/// The options of `loginPopup()` (`silent: false`) or `renewSilently()`.
fn in_page_options(options: &JsValue, silent: bool) -> Result<InPageOptions, JsValue> {
    let what = if silent {
        "renewSilentlyOptions"
    } else {
        "loginPopupOptions"
    };
    InPageOptions::from_json(&from_js(options, what)?, silent).map_err(refused)
}

#[wasm_bindgen]
impl PkceClient {
    /// Logs in in a popup, for an app that must not leave its page (one inside an iframe,
    /// where the login page refuses to be framed and a redirect would leave the host). Call it
    /// from a user gesture (a click): the popup opens before anything else happens, and a
    /// blocked popup rejects at once with `popup_blocked`. The verifier, state and nonce stay
    /// in this page's memory (no storage: it works with sessionStorage blocked). The redirect
    /// page, in the popup, relays the callback with `handleCallback()` and closes; this page
    /// accepts it only from the popup at its own origin, checks it as `handleCallback()` does,
    /// exchanges the code and resolves with the session summary. Rejects with `popup_closed`
    /// when the user closes the popup, `popup_timeout` after `timeoutSeconds` (default 300),
    /// or the callback's and exchange's codes. A second call while the popup is open focuses
    /// it and returns the same promise.
    #[wasm_bindgen(js_name = loginPopup, unchecked_return_type = "Promise<SessionSummary>")]
    pub fn login_popup(
        &self,
        #[wasm_bindgen(unchecked_optional_param_type = "LoginPopupOptions")] options: JsValue,
    ) -> Promise {
        let key = self as *const PkceClient as usize;
        if let Some(open) = popup::focus_open(key) {
            return open;
        }
        let options = match in_page_options(&options, false) {
            Ok(options) => options,
            Err(e) => return Promise::reject(&e),
        };
        // Synchronously, inside the user's gesture: after an await the browser would block it.
        let window = match popup::open_blank() {
            Ok(window) => window,
            Err(e) => return Promise::reject(&e.into()),
        };
        // Forgets the login when the body ends or is dropped unrun (the client failed to start).
        let login = self.in_page(Some((Forget(key), window.clone())), options);
        popup::remember(key, &window, &login);
        login
    }

    /// Renews the session without the user: the authorization request with `prompt=none` in a
    /// hidden iframe, whose redirect page relays the callback to this page (its own origin,
    /// from that frame only), then the exchange and the checks of `handleCallback()`; the new
    /// session must be the same user's. Resolves with the session summary (and emits
    /// `tokenRefreshed`). Rejects, leaving the session as it was, with `login_required` (the
    /// server has no session for the user: sign in with `login()` or `loginPopup()`),
    /// `interaction_required` (consent or an account choice is needed), `silent_frame_refused`
    /// (the server forbids framing), `silent_timeout` after `timeoutSeconds` (default 10), or
    /// the callback's and exchange's codes. Needs the provider's cookies in a frame: where the
    /// browser blocks third-party cookies for a provider on another site, it gets
    /// `login_required`.
    #[wasm_bindgen(js_name = renewSilently, unchecked_return_type = "Promise<SessionSummary>")]
    pub fn renew_silently(
        &self,
        #[wasm_bindgen(unchecked_optional_param_type = "RenewSilentlyOptions")] options: JsValue,
    ) -> Promise {
        match in_page_options(&options, true) {
            Ok(options) => self.in_page(None, options),
            Err(e) => Promise::reject(&e),
        }
    }
}

impl PkceClient {
    /// The login of `loginPopup()` (`popup`: its window, and the entry to forget when the login
    /// ends) or of `renewSilently()` (`None`), resolving with the session summary. One body for
    /// both (size).
    fn in_page(&self, popup: Option<(Forget, Window)>, options: InPageOptions) -> Promise {
        self.with_client(move |client| async move {
            let (forget, window) = popup.unzip();
            let summary = popup::in_page_login(&client, window, options).await;
            drop(forget);
            to_js(&summary?.to_value())
        })
    }
}

/// Forgets the popup login of a client when dropped (see [`popup::forget`]).
struct Forget(usize);

impl Drop for Forget {
    fn drop(&mut self) {
        popup::forget(self.0);
    }
}
