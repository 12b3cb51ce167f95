//! Sibling tabs: a BroadcastChannel per client id, and Web Locks (`navigator.locks.request`).
//!
//! web-sys marks its `LockManager` bindings unstable (they need `--cfg=web_sys_unstable_apis`),
//! so the lock request goes through `js_sys::Reflect` instead. Where either API is missing
//! (older browsers, some embedded webviews), the library degrades to per-tab behaviour, a lock
//! within this tab and no messages, and says so once with `console.warn`.

use std::cell::{Cell, RefCell};

use js_sys::{Function, Promise, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use web_sys::BroadcastChannel;

use super::handlers::{callback, Callback};
use super::{get, window};
use crate::core::Error;
use crate::core::LockGuard;

thread_local! {
    static WARNED: Cell<bool> = const { Cell::new(false) };
    /// Per-tab locks: for each name, the promise its last taker resolves on release. (A few
    /// names at most: a `Vec` keeps hashbrown out of the binary.)
    static LOCAL_TAILS: RefCell<Vec<(String, Promise)>> = const { RefCell::new(Vec::new()) };
}

/// Warns once per page that sibling tabs cannot be coordinated. Returns whether this call
/// warned.
pub fn warn_degraded(what: &str) -> bool {
    if WARNED.with(|w| w.replace(true)) {
        return false;
    }
    let mut message = String::from("pixie-auth: ");
    message.push_str(what);
    message.push_str(
        " is unavailable in this browser; tabs sharing a session are not coordinated (each \
         tab refreshes on its own, logout does not reach the others)",
    );
    web_sys::console::warn_1(&message.into());
    true
}

/// Whether the degradation warning was given on this page.
pub fn degraded_warning_given() -> bool {
    WARNED.with(Cell::get)
}

/// A promise and the functions that resolve and reject it.
pub fn deferred() -> (Promise, Function, Function) {
    let mut out = None;
    let promise = Promise::new(&mut |resolve: Function, reject: Function| {
        out = Some((resolve, reject));
    });
    let (resolve, reject) = out.expect("the executor runs synchronously");
    (promise, resolve, reject)
}

/// This client's BroadcastChannel. Messages are text, sealed by the core
/// ([`crate::core::Envelope`]): this only moves them. A channel object does not receive its
/// own messages. Dropping it closes the channel.
pub struct TabChannel {
    channel: BroadcastChannel,
    _on_message: Callback,
}

impl TabChannel {
    /// Opens the channel `name`, calling `on_message` with each text message from another
    /// channel object of the same name (a sibling tab, or another client in this page).
    /// `None` where BroadcastChannel is missing (after warning once).
    pub fn open(name: &str, on_message: impl Fn(String) + 'static) -> Option<TabChannel> {
        let channel = match BroadcastChannel::new(name) {
            Ok(c) => c,
            Err(_) => {
                warn_degraded("BroadcastChannel");
                return None;
            }
        };
        let on_message = callback(Box::new(move |e| {
            if let Some(text) = get(&e, "data").as_string() {
                on_message(text);
            }
        }));
        channel.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        Some(TabChannel {
            channel,
            _on_message: on_message,
        })
    }

    /// Posts a text message to the other channel objects of this name.
    pub fn post(&self, message: &str) -> bool {
        self.channel.post_message(&message.into()).is_ok()
    }
}

impl Drop for TabChannel {
    fn drop(&mut self) {
        self.channel.set_onmessage(None);
        self.channel.close();
    }
}

/// `navigator.locks` and its `request` function, where Web Locks exist (secure contexts of
/// current browsers).
fn web_locks() -> Option<(JsValue, Function)> {
    let navigator = window().ok()?.navigator();
    let locks = Reflect::get(&navigator, &"locks".into()).ok()?;
    if locks.is_undefined() || locks.is_null() {
        return None;
    }
    let request = Reflect::get(&locks, &"request".into()).ok()?;
    Some((locks, request.dyn_into().ok()?))
}

/// Whether Web Locks are available.
pub fn web_locks_available() -> bool {
    web_locks().is_some()
}

/// Takes the Web Lock `name` (exclusive, shared by every tab of the origin), waiting for it.
/// The lock is held until the guard drops.
pub async fn web_lock(name: &str) -> Result<LockGuard, Error> {
    const FAILED: Error = Error::Platform("navigator.locks.request failed");
    let (locks, request) = web_locks().ok_or(FAILED)?;
    // `held` is what the lock callback returns: the lock lasts until it resolves.
    let (held, release, _) = deferred();
    let (granted, grant, fail) = deferred();
    let granted_cb = Closure::once_into_js(move |_lock: JsValue| -> JsValue {
        let _ = grant.call0(&JsValue::UNDEFINED);
        held.into()
    });
    let pending: Promise = request
        .call2(&locks, &name.into(), &granted_cb)
        .map_err(|_| FAILED)?
        .dyn_into()
        .map_err(|_| FAILED)?;
    // A request refused before granting (e.g. an opaque origin) must not leave us waiting.
    let on_fail = callback(Box::new(move |e| {
        let _ = fail.call1(&JsValue::UNDEFINED, &e);
    }));
    let _ = super::invoke(&pending, "catch", &[on_fail.as_ref()]);
    JsFuture::from(granted).await.map_err(|_| FAILED)?;
    Ok(LockGuard::new(move || {
        let _ = release.call0(&JsValue::UNDEFINED);
        drop(on_fail);
    }))
}

/// Takes the per-tab lock `name` (first come, first served), waiting for it.
pub async fn local_lock(name: &str) -> LockGuard {
    let (mine, release, _) = deferred();
    let previous = LOCAL_TAILS.with(|t| {
        let mut tails = t.borrow_mut();
        match tails.iter_mut().find(|(n, _)| n == name) {
            Some((_, tail)) => Some(std::mem::replace(tail, mine.clone())),
            None => {
                tails.push((name.to_string(), mine.clone()));
                None
            }
        }
    });
    if let Some(previous) = previous {
        let _ = JsFuture::from(previous).await;
    }
    LockGuard::new(move || {
        let _ = release.call0(&JsValue::UNDEFINED);
        // The last taker of the name gone: forget it.
        LOCAL_TAILS.with(|t| {
            t.borrow_mut().retain(|(_, tail)| {
                let tail: &JsValue = tail.as_ref();
                tail != AsRef::<JsValue>::as_ref(&mine)
            })
        });
    })
}

/// Takes the lock `name` across tabs with Web Locks, or within this tab where they are missing
/// or refuse (after warning once).
pub async fn lock(name: &str) -> LockGuard {
    if web_locks_available() {
        if let Ok(guard) = web_lock(name).await {
            return guard;
        }
    }
    warn_degraded("Web Locks (navigator.locks)");
    local_lock(name).await
}
