//! The address bar: reading the current URL, cleaning it, and navigating.

use super::window;
use crate::core::Error;

/// The current page URL (`location.href`).
pub fn current_url() -> Result<String, Error> {
    window()?
        .location()
        .href()
        .map_err(|_| Error::Platform("location.href is unreadable"))
}

/// Replaces the current history entry's URL without reloading (`history.replaceState`), so
/// the code and state leave the address bar and the history.
pub fn replace_url(url: &str) -> Result<(), Error> {
    window()?
        .history()
        .and_then(|h| h.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(url)))
        .map_err(|_| Error::Platform("history.replaceState failed"))
}

/// Sends the browser to `url` (`location.assign`).
pub fn navigate(url: &str) -> Result<(), Error> {
    window()?
        .location()
        .assign(url)
        .map_err(|_| Error::Platform("location.assign failed"))
}
