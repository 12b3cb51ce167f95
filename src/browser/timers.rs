//! Timers: `setTimeout` as a future, and a [`Wakeup`] that calls back at a due time, at least
//! every [`COARSE_CHECK_MS`], and whenever the tab becomes visible again or the network
//! returns. The callback asks the core what is due ([`crate::core::schedule`]): timers are
//! never trusted to have fired on time (sleeping laptops, throttled background tabs).

use std::cell::Cell;

use js_sys::Function;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

use super::handlers::{self, Callback, Listener};
use super::tabs::deferred;
use super::window;
use crate::core::Error;

/// The longest the wake-up timer is set for: a due time is compared with the clock at least
/// this often while something is scheduled.
pub const COARSE_CHECK_MS: u64 = 30_000;
/// The shortest re-arm delay, so a state that stays due can never spin the page.
pub const MIN_REARM_MS: u64 = 1_000;

/// Calls `resolve` after `ms` milliseconds (`setTimeout`; at most 2^31-1 ms), or at once
/// where no timer can be set.
pub fn resolve_after(resolve: &Function, ms: u64) {
    let ms = ms.min(i32::MAX as u64) as i32;
    let scheduled = window().map(|w| {
        w.set_timeout_with_callback_and_timeout_and_arguments_0(resolve, ms)
            .is_ok()
    });
    if scheduled != Ok(true) {
        let _ = resolve.call0(&JsValue::UNDEFINED);
    }
}

/// Resolves after `ms` milliseconds ([`resolve_after`]).
pub async fn sleep(ms: u64) {
    let (promise, resolve, _) = deferred();
    resolve_after(&resolve, ms);
    let _ = JsFuture::from(promise).await;
}

/// A re-armable timer plus `visibilitychange` (to visible) and `online` listeners, all
/// calling one callback. Dropping it clears the timer and removes the listeners.
pub struct Wakeup {
    on_timer: Callback,
    _on_visible: Listener,
    _on_online: Listener,
    timer: Cell<Option<i32>>,
    delay: Cell<Option<u64>>,
}

impl Wakeup {
    /// Installs the listeners; the timer starts unarmed.
    pub fn new(callback: impl Fn() + 'static) -> Result<Wakeup, Error> {
        Wakeup::with(std::rc::Rc::new(callback))
    }

    /// [`Wakeup::new`] for one type of callback, so its body exists once in the .wasm however
    /// many kinds of caller there are (size).
    fn with(callback: std::rc::Rc<dyn Fn()>) -> Result<Wakeup, Error> {
        let cb = callback.clone();
        let on_timer = handlers::callback(Box::new(move |_| cb()));
        let document = window()?
            .document()
            .ok_or(Error::Platform("addEventListener failed"))?;
        let cb = callback.clone();
        let doc = document.clone();
        let on_visible = Listener::add(
            Some(document.into()),
            "visibilitychange",
            Box::new(move |_| {
                if !doc.hidden() {
                    cb();
                }
            }),
        )?;
        let on_online = Listener::add(None, "online", Box::new(move |_| callback()))?;
        Ok(Wakeup {
            on_timer,
            _on_visible: on_visible,
            _on_online: on_online,
            timer: Cell::new(None),
            delay: Cell::new(None),
        })
    }

    /// Sets the timer for `due_ms` (browser clock), replacing the previous one: fires after
    /// `due_ms - now_ms`, clamped to [`MIN_REARM_MS`]..=[`COARSE_CHECK_MS`]. `None` disarms it.
    pub fn arm(&self, due_ms: Option<u64>, now_ms: u64) {
        self.disarm();
        let Some(due) = due_ms else {
            return;
        };
        let delay = due
            .saturating_sub(now_ms)
            .clamp(MIN_REARM_MS, COARSE_CHECK_MS);
        let Ok(w) = window() else {
            return;
        };
        if let Ok(handle) = w.set_timeout_with_callback_and_timeout_and_arguments_0(
            self.on_timer.as_ref().unchecked_ref(),
            delay as i32,
        ) {
            self.timer.set(Some(handle));
            self.delay.set(Some(delay));
        }
    }

    /// Clears the timer.
    pub fn disarm(&self) {
        if let (Some(handle), Ok(w)) = (self.timer.take(), window()) {
            w.clear_timeout_with_handle(handle);
        }
        self.delay.set(None);
    }

    /// The delay the timer was last armed with, while armed.
    pub fn armed_delay(&self) -> Option<u64> {
        self.delay.get()
    }
}

impl Drop for Wakeup {
    fn drop(&mut self) {
        self.disarm();
    }
}
