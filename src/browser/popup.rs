//! Logins that stay on the page, the browser side: the popup (`window.open`), the hidden
//! frame of a silent renewal, the wait for the redirect page's answer, and the redirect
//! page's relay. Every decision is the core's ([`Client::in_page_login`],
//! [`Client::relays_callback`]).
//!
//! An answer is accepted only from a `message` event whose `origin` equals this page's own
//! origin exactly (string equality: scheme, host and port) and whose `source` is the window
//! that was opened (the popup, or the frame's `contentWindow`); anything else is ignored and
//! the wait goes on. The redirect page posts to its opener or parent with `targetOrigin` its
//! own origin, never `'*'`, so the code reaches no other origin even if the opener navigated
//! away.

use std::cell::{Cell, RefCell};
use std::future::Future;
use std::rc::Rc;

use js_sys::{Function, Object, Promise, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use web_sys::Window;

use super::frames::{admit, on_message};
use super::handlers::{callback, Callback, Listener};
use super::tabs::deferred;
use super::{get, invoke, json_to_js, window, BrowserPlatform};
use crate::core::json;
use crate::core::{
    read_relay_message, relay_message, CallbackError, CallbackParams, Client, Error, InPageOptions,
    PopupError, SessionSummary, WebUrl,
};

/// The popup's window name: a second popup login of the page reuses the window.
const POPUP_NAME: &str = "pixie-auth-login";
/// The popup's size and kind (`popup`: a window without the browser's toolbars).
const POPUP_FEATURES: &str = "popup=yes,width=520,height=680";
/// How often the popup is checked for having been closed (and the frame for showing another
/// origin's page, and both for the time-out), in ms.
const CLOSED_POLL_MS: i32 = 400;
/// The largest answer read, as JSON text (32 KiB): a bigger one is ignored.
const RELAY_MAX_LEN: usize = 32 * 1024;

thread_local! {
    /// The popup logins in progress: the client's key, the popup, the login's promise. A
    /// second `loginPopup()` of that client focuses the popup and returns the same promise.
    static OPEN: RefCell<Vec<(usize, JsValue, Promise)>> = const { RefCell::new(Vec::new()) };
}

/// Takes the popup login of the client `key` out of the list (there is at most one) and, with
/// `put`, puts that one in instead. The one access to the list: one `LocalKey::with` in the
/// .wasm for the three uses below (size).
fn swap_entry(key: usize, put: Option<(JsValue, Promise)>) -> Option<(JsValue, Promise)> {
    OPEN.with(|open| {
        let mut open = open.borrow_mut();
        let old = open.iter().position(|(k, _, _)| *k == key).map(|i| {
            let (_, popup, promise) = open.swap_remove(i);
            (popup, promise)
        });
        if let Some((popup, promise)) = put {
            open.push((key, popup, promise));
        }
        old
    })
}

/// The promise of the popup login in progress for the client `key`, after focusing its
/// popup; `None` when there is none (or its popup was closed).
pub fn focus_open(key: usize) -> Option<Promise> {
    let (popup, promise) = swap_entry(key, None)?;
    // Back in the list as it was, before anything else runs.
    swap_entry(key, Some((popup.clone(), promise.clone())));
    if is_closed(&popup) {
        return None;
    }
    let _ = invoke(&popup, "focus", &[]);
    Some(promise)
}

/// Remembers the popup login of the client `key` (see [`focus_open`]), in place of one before.
pub fn remember(key: usize, popup: &Window, promise: &Promise) {
    swap_entry(key, Some((popup.into(), promise.clone())));
}

/// Forgets the popup login of the client `key`.
pub fn forget(key: usize) {
    swap_entry(key, None);
}

/// `w.closed` (true when unreadable).
fn is_closed(w: &JsValue) -> bool {
    get(w, "closed").as_bool().unwrap_or(true)
}

/// `location.origin` of the window `w`.
fn origin_of(w: &JsValue) -> Result<String, Error> {
    get(&get(w, "location"), "origin")
        .as_string()
        .ok_or(Error::Platform("location.origin is unreadable"))
}

/// Opens an empty popup, synchronously: call it in the user's gesture (a click), before any
/// `await`, or the browser blocks it. `popup_blocked` when the browser refuses.
pub fn open_blank() -> Result<Window, Error> {
    window()?
        .open_with_url_and_target_and_features("", POPUP_NAME, POPUP_FEATURES)
        .ok()
        .flatten()
        .ok_or(Error::Popup(PopupError::Blocked))
}

/// Where a login that stays on the page runs: a popup opened by [`open_blank`], or a hidden
/// frame (the `<iframe>` element). Closes the popup or removes the frame when dropped (the
/// login ended, whichever way).
enum Place {
    Popup(JsValue),
    Frame(JsValue),
}

impl Drop for Place {
    fn drop(&mut self) {
        let (target, method) = match self {
            Place::Popup(w) => (w, "close"),
            Place::Frame(f) => (f, "remove"),
        };
        let _ = invoke(target, method, &[]);
    }
}

/// A popup login (`popup`: the window [`open_blank`] opened in the user's gesture) or, with
/// `None`, a silent renewal (`renewSilently()`, a hidden frame with `prompt=none`: one tab of
/// a session's family at a time, the result shared with the siblings), both through
/// [`Client::in_page_login`]: builds the authorization URL (the pending login stays in
/// memory), sends the popup or the frame there, waits for the redirect page's answer
/// ([`Wait`]), closes the popup or removes the frame, and finishes the login. Not an `async fn`
/// of its own, and one `drive` for both kinds: one instantiation of the core's flow (size).
pub fn in_page_login<'a>(
    client: &'a Client<BrowserPlatform>,
    popup: Option<Window>,
    options: InPageOptions,
) -> impl Future<Output = Result<SessionSummary, Error>> + 'a {
    let timeout = options.timeout_ms;
    let silent = popup.is_none();
    // Owned from the start, so the popup closes on any early return (the closure dropped unrun).
    let popup = popup.map(|w| Place::Popup(w.into()));
    // Only the wait itself is async: the set-up and the tear-down are plain functions, so the
    // state machine holds the place, a promise and a [`Wait`] (size).
    let drive = async move |url: &WebUrl| {
        let place = match popup {
            Some(place) => place,
            None => hidden_frame()?,
        };
        let (promise, wait) = Wait::start(&place, url, timeout)?;
        let _ = JsFuture::from(promise).await;
        let answer = wait.finish();
        drop(place);
        answer
    };
    client.in_page_login(options.login, silent, drive)
}

/// A hidden, empty frame in the document's body.
fn hidden_frame() -> Result<Place, Error> {
    let failed = |_| Error::Platform("the hidden frame could not be made");
    let document: JsValue = window()?
        .document()
        .ok_or(Error::Platform("no document"))?
        .into();
    let frame = invoke(&document, "createElement", &[&"iframe".into()]).map_err(failed)?;
    for (name, value) in [
        ("aria-hidden", "true"),
        ("tabindex", "-1"),
        (
            "style",
            "position:absolute;width:0;height:0;border:0;visibility:hidden",
        ),
    ] {
        let _ = invoke(&frame, "setAttribute", &[&name.into(), &value.into()]);
    }
    let parent = Some(get(&document, "body"))
        .filter(JsValue::is_object)
        .or_else(|| Some(get(&document, "documentElement")).filter(JsValue::is_object))
        .ok_or(Error::Platform("no document body"))?;
    invoke(&parent, "appendChild", &[&frame]).map_err(failed)?;
    Ok(Place::Frame(frame))
}

/// The wait's outcome, set once, and the function that ends the wait.
struct Outcome {
    value: RefCell<Option<Result<Result<CallbackParams, CallbackError>, Error>>>,
    resolve: Function,
}

impl Outcome {
    fn settle(&self, value: Result<Result<CallbackParams, CallbackError>, Error>) {
        let mut slot = self.value.borrow_mut();
        if slot.is_none() {
            *slot = Some(value);
            let _ = self.resolve.call0(&JsValue::UNDEFINED);
        }
    }
}

/// A wait for the redirect page's answer from the popup or the frame: a `message` of this
/// page's own origin from exactly that window, carrying a relayed callback
/// ([`read_relay_message`]). Other messages are ignored. Ends early with `popup_closed` when
/// the popup is closed, `silent_frame_refused` when the frame shows a page of another origin
/// (framing refused, or the server showed a page despite `prompt=none`), and `popup_timeout` /
/// `silent_timeout` after the time-out. Dropping it removes the listener and the interval.
struct Wait {
    outcome: Rc<Outcome>,
    _on_message: Listener,
    _on_tick: Callback,
    tick: Option<JsValue>,
}

impl Wait {
    /// Sends `place` to `url` and starts waiting; the promise resolves when the wait ends.
    fn start(place: &Place, url: &WebUrl, timeout_ms: u64) -> Result<(Promise, Wait), Error> {
        let url = JsValue::from_str(url.as_str());
        let source = match place {
            Place::Popup(w) => {
                Reflect::set(&get(w, "location"), &"href".into(), &url)
                    .map_err(|_| Error::Popup(PopupError::Closed))?;
                w.clone()
            }
            Place::Frame(f) => {
                let _ = Reflect::set(f, &"src".into(), &url);
                Some(get(f, "contentWindow"))
                    .filter(JsValue::is_object)
                    .ok_or(Error::Platform("the hidden frame has no window"))?
            }
        };
        let window: JsValue = window()?.into();
        let own_origin = origin_of(&window)?;
        let (promise, resolve, _) = deferred();
        let outcome = Rc::new(Outcome {
            value: RefCell::new(None),
            resolve,
        });

        let on_message = {
            let outcome = outcome.clone();
            let source = source.clone();
            // Trusted, from exactly the window we opened, at exactly this page's origin.
            on_message(Box::new(move |e| {
                if let Some(relayed) = admit(&e, &source, &own_origin, RELAY_MAX_LEN)
                    .ok()
                    .and_then(|text| json::parse_limited(&text, RELAY_MAX_LEN).ok())
                    .and_then(|v| read_relay_message(&v))
                {
                    outcome.settle(Ok(relayed));
                }
            }))?
        };

        // One check every CLOSED_POLL_MS: the time-out; the popup closed (two checks in a row,
        // so an answer posted just before the redirect page closed itself is still delivered
        // first); the frame showing a page of another origin (the server's page, or the
        // browser's error page for a refused frame), which never answers here. The redirect
        // page is of this origin, and the server's redirects before it commit no page.
        let deadline = js_sys::Date::now() + timeout_ms as f64;
        let on_tick = {
            let outcome = outcome.clone();
            let popup = matches!(place, Place::Popup(_));
            let closed_seen = Cell::new(false);
            callback(Box::new(move |_| {
                let ended = if js_sys::Date::now() >= deadline {
                    Some(if popup {
                        PopupError::Timeout
                    } else {
                        PopupError::SilentTimeout
                    })
                } else if !popup {
                    Reflect::get(&get(&source, "location"), &"href".into())
                        .is_err()
                        .then_some(PopupError::FrameRefused)
                } else if is_closed(&source) {
                    closed_seen.replace(true).then_some(PopupError::Closed)
                } else {
                    closed_seen.set(false);
                    None
                };
                if let Some(e) = ended {
                    outcome.settle(Err(e.into()));
                }
            }))
        };
        let tick = invoke(
            &window,
            "setInterval",
            &[on_tick.as_ref(), &CLOSED_POLL_MS.into()],
        )
        .ok();
        let wait = Wait {
            outcome,
            _on_message: on_message,
            _on_tick: on_tick,
            tick,
        };
        Ok((promise, wait))
    }

    /// The answer, once the promise resolved; then the listener and the interval go.
    fn finish(self) -> Result<Result<CallbackParams, CallbackError>, Error> {
        let value = self.outcome.value.borrow_mut().take();
        value.unwrap_or(Err(Error::Platform("the wait ended without an answer")))
    }
}

impl Drop for Wait {
    fn drop(&mut self) {
        if let (Some(id), Ok(w)) = (&self.tick, window()) {
            let _ = invoke(&w.into(), "clearInterval", &[id]);
        }
    }
}

/// Where a redirect page relays: its opener (a popup) or its parent (a frame).
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum RelayedTo {
    /// `window.opener`.
    Opener,
    /// `window.parent`.
    Parent,
}

impl RelayedTo {
    /// `"opener"` or `"parent"`, as `handleCallback()`'s result says.
    pub fn as_str(self) -> &'static str {
        match self {
            RelayedTo::Opener => "opener",
            RelayedTo::Parent => "parent",
        }
    }
}

/// On the redirect page: when this page was opened as a popup or in a frame and the callback
/// at `url` is not this tab's to redeem ([`Client::relays_callback`]), posts it to the opener
/// (or parent) with `targetOrigin` this page's own origin — the response parameters only,
/// or a refusal when the callback is malformed — and, in a popup, closes the window. The code
/// is never redeemed here. `None` when the callback is this page's (a redirect login).
pub fn relay_callback(
    client: &Client<BrowserPlatform>,
    url: &WebUrl,
) -> Result<Option<RelayedTo>, Error> {
    let window: JsValue = window()?.into();
    let opener = Some(get(&window, "opener")).filter(JsValue::is_object);
    let parent = Some(get(&window, "parent")).filter(|p| p.is_object() && !Object::is(p, &window));
    let (target, to) = match (opener, parent) {
        (Some(o), _) => (o, RelayedTo::Opener),
        (None, Some(p)) => (p, RelayedTo::Parent),
        (None, None) => return Ok(None),
    };
    if !client.relays_callback(url) {
        return Ok(None);
    }
    let message = relay_message(url);
    let own_origin = origin_of(&window)?.into();
    invoke(
        &target,
        "postMessage",
        &[&json_to_js(&message)?, &own_origin],
    )
    .map_err(|_| Error::Platform("postMessage failed"))?;
    if to == RelayedTo::Opener {
        let _ = invoke(&window, "close", &[]);
    }
    Ok(Some(to))
}
