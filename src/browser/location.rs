//! The address bar: reading the current URL, taking an authorization response out of it, and
//! navigating.

use crate::core::WebUrl;

use super::window;
use crate::core::{clean_callback_url, is_callback, CallbackError, Error};

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

/// An authorization response to handle: its URL, and whether it is the current page's.
pub struct CallbackPage {
    url: WebUrl,
    from_page: bool,
}

/// The authorization response at `url`, or at the current page when `url` is `None`.
///
/// For the current page, the response parameters (`code`, `state`, `iss`, `error`...) leave
/// the address bar and the history at once (`history.replaceState`), before anything else
/// happens, so that no later failure can leave the code behind. A string that is not an
/// absolute URL is refused with `not_a_callback`.
pub fn take_callback(url: Option<String>) -> Result<CallbackPage, Error> {
    let from_page = url.is_none();
    let href = match url {
        Some(u) => u,
        None => current_url()?,
    };
    let url = WebUrl::parse(&href).map_err(|_| CallbackError::NotACallback)?;
    if from_page && is_callback(&url) {
        replace_url(clean_callback_url(&url).as_str())?;
    }
    Ok(CallbackPage { url, from_page })
}

/// Whether `url` (default: the current page) is an authorization response.
pub fn is_callback_url(url: Option<String>) -> bool {
    url.or_else(|| current_url().ok())
        .and_then(|h| WebUrl::parse(&h).ok())
        .is_some_and(|u| is_callback(&u))
}

impl CallbackPage {
    /// The response's URL.
    pub fn url(&self) -> &WebUrl {
        &self.url
    }

    /// Whether the response is the current page's (no URL was given).
    pub fn is_current_page(&self) -> bool {
        self.from_page
    }

    /// Puts the login's `returnTo` path (validated as same-origin when the login started) in
    /// the address bar, when the response was the current page's.
    pub fn restore(&self, return_to: Option<&str>) -> Result<(), Error> {
        match return_to {
            Some(path) if self.from_page => replace_url(path),
            _ => Ok(()),
        }
    }
}
