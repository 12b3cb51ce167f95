//! The app's handlers of one object's events: each added once (like `addEventListener`),
//! removed by identity, and called in order with a payload. A handler that throws is reported
//! on the console and the others still run.
//!
//! And the library's own callbacks from the browser ([`Callback`], [`Listener`]): every DOM
//! listener and timer callback of the crate is one closure type.

use std::borrow::Cow;
use std::cell::RefCell;

use js_sys::Function;
use wasm_bindgen::prelude::*;

use web_sys::EventTarget;

use super::window;
use crate::core::{sanitize, ConfigError, Error};

/// A callback the browser calls with one value (an event; `undefined` from a timer). The one
/// closure type of the crate's listeners and timers, and the one `JsFuture` and the
/// micro-task queue already use: its invoke shim and JS adapter exist once in the .wasm
/// (size).
pub type Callback = Closure<dyn FnMut(JsValue) -> Result<(), JsError>>;

/// A [`Callback`] running `f`.
pub fn callback(f: Box<dyn FnMut(JsValue)>) -> Callback {
    let mut f = f;
    Closure::wrap(Box::new(move |value| {
        f(value);
        Ok(())
    }))
}

/// A [`Callback`] added with `addEventListener` to a target for one event type; removed when
/// dropped.
pub struct Listener {
    target: EventTarget,
    kind: &'static str,
    callback: Callback,
}

impl Listener {
    /// Adds `f` as a listener of `kind` events on `target` (`window` when `None`).
    pub fn add(
        target: Option<JsValue>,
        kind: &'static str,
        f: Box<dyn FnMut(JsValue)>,
    ) -> Result<Listener, Error> {
        let target: EventTarget = match target {
            Some(t) => t.unchecked_into(),
            None => window()?.into(),
        };
        let callback = callback(f);
        target
            .add_event_listener_with_callback(kind, callback.as_ref().unchecked_ref())
            .map_err(|_| Error::Platform("addEventListener failed"))?;
        Ok(Listener {
            target,
            kind,
            callback,
        })
    }
}

impl Drop for Listener {
    fn drop(&mut self) {
        let _ = self
            .target
            .remove_event_listener_with_callback(self.kind, self.callback.as_ref().unchecked_ref());
    }
}

/// The handlers of the events `names` (and, through [`Handlers::insert`], of names that are
/// not known in advance: the frame bridge's app event types).
pub struct Handlers {
    names: &'static [&'static str],
    list: RefCell<Vec<(Cow<'static, str>, Function)>>,
}

impl Handlers {
    /// No handlers yet, for the events `names`.
    pub fn new(names: &'static [&'static str]) -> Self {
        Handlers {
            names,
            list: RefCell::default(),
        }
    }

    /// The event `name`, or `invalid_config` naming the events there are.
    fn event(&self, name: &str) -> Result<&'static str, Error> {
        match self.names.iter().find(|n| **n == name) {
            Some(n) => Ok(n),
            None => Err(self.unknown(name)),
        }
    }

    #[cold]
    #[inline(never)]
    fn unknown(&self, name: &str) -> Error {
        let mut reason = String::from("\"");
        reason.push_str(&sanitize(name, 32));
        reason.push_str("\" is not an event; use one of ");
        reason.push_str(&self.names.join(", "));
        ConfigError::Invalid {
            field: "event",
            reason,
        }
        .into()
    }

    /// Adds `handler` for the event `name` (once: adding it again does nothing).
    pub fn on(&self, name: &str, handler: Function) -> Result<(), Error> {
        self.add(self.event(name)?, handler);
        Ok(())
    }

    /// Removes `handler` from the event `name`.
    pub fn off(&self, name: &str, handler: &Function) -> Result<(), Error> {
        self.remove(self.event(name)?, handler);
        Ok(())
    }

    /// Adds `handler` under `name`, which may be a name of the library's own (not one of
    /// `names`); false when it was there already.
    pub fn add(&self, name: &'static str, handler: Function) -> bool {
        self.insert(Cow::Borrowed(name), handler)
    }

    /// [`Handlers::add`] under any name, borrowed or owned (the host bridge's `bridge.on(type)`:
    /// one handler list type in the .wasm, not two).
    pub fn insert(&self, name: Cow<'static, str>, handler: Function) -> bool {
        let mut list = self.list.borrow_mut();
        let known = list.iter().any(|(n, f)| *n == name && f == &handler);
        if !known {
            list.push((name, handler));
        }
        !known
    }

    /// Removes `handler` from `name`.
    pub fn remove(&self, name: &str, handler: &Function) {
        self.list
            .borrow_mut()
            .retain(|(n, f)| !(*n == name && f == handler));
    }

    /// Calls every handler of `name` with `payload`, in the order they were added.
    pub fn emit(&self, name: &str, payload: &JsValue) {
        // A snapshot: a handler may call on() or off().
        let handlers: Vec<Function> = self
            .list
            .borrow()
            .iter()
            .filter(|(n, _)| *n == name)
            .map(|(_, f)| f.clone())
            .collect();
        for handler in handlers {
            call(&handler, name, payload);
        }
    }
}

/// Calls `handler(payload)`, reporting an exception on the console (with the handler's `name`).
pub fn call(handler: &Function, name: &str, payload: &JsValue) {
    if let Err(e) = handler.call1(&JsValue::NULL, payload) {
        let mut msg = String::from("pixie-auth: a \"");
        msg.push_str(name);
        msg.push_str("\" handler threw");
        web_sys::console::error_2(&msg.into(), &e);
    }
}
