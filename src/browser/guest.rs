//! Runs one guest token source in a page: the core [`GuestTokens`] over the browser platform,
//! its [`Wakeup`], the app's `body()` and its handlers. Every decision is the core's; this
//! resolves the endpoint against the page, calls `body()` for each request, hands events to
//! the handlers and re-arms the timer.

use std::cell::RefCell;
use std::rc::Rc;

use js_sys::{Function, Promise, JSON};
use wasm_bindgen::{JsCast, JsValue};
use web_sys::Request;

use super::handlers::{call, Handlers};
use super::timers::Wakeup;
use super::{json_to_js, BrowserPlatform};
use crate::core::{
    ConfigError, DocumentCache, Error, GuestEvent, GuestJwt, GuestOptions, GuestTokens, Platform,
    GUEST_EVENT_NAMES,
};

/// The handler name under which `onToken` handlers are kept (not an event of `on()`).
const ON_TOKEN: &str = "onToken";

/// One guest token source's driver. The wake-up holds it weakly; `stop()` ends it.
pub struct GuestRuntime {
    source: GuestTokens<BrowserPlatform>,
    handlers: Rc<Handlers>,
    wakeup: RefCell<Option<Wakeup>>,
}

fn body_refused() -> Error {
    ConfigError::Invalid {
        field: "body",
        reason: "must return a plain object (it threw, returned a promise, or cannot be JSON)"
            .into(),
    }
    .into()
}

/// The app's `body()` for one request, as JSON text (`None`: none given, or it returned
/// nothing).
fn call_body(body: Option<&Function>) -> Result<Option<String>, Error> {
    let Some(body) = body else {
        return Ok(None);
    };
    let value = body.call0(&JsValue::NULL).map_err(|_| body_refused())?;
    if value.is_undefined() || value.is_null() {
        return Ok(None);
    }
    if value.is_instance_of::<Promise>() {
        return Err(body_refused());
    }
    JSON::stringify(&value)
        .ok()
        .and_then(|t| t.as_string())
        .map(Some)
        .ok_or_else(body_refused)
}

/// Hands an event to its handlers: a token to the `onToken` handlers, the others (times and
/// codes only) to the `on(name)` handlers.
fn deliver(handlers: &Handlers, event: GuestEvent) {
    match (&event, event.name()) {
        (GuestEvent::Token(jwt), _) => handlers.emit(ON_TOKEN, &jwt.secret().into()),
        (_, Some(name)) => {
            if let Ok(payload) = json_to_js(&event.payload()) {
                handlers.emit(name, &payload);
            }
        }
        _ => {}
    }
}

impl GuestRuntime {
    /// Resolves the endpoint against the page (as `fetch` would), makes the source, and
    /// schedules its first fetch on a microtask (after the caller's synchronous code, so
    /// handlers added right after construction see the first token).
    pub fn start(
        options: GuestOptions,
        body: Option<Function>,
        documents: Rc<DocumentCache>,
    ) -> Result<Rc<Self>, Error> {
        let absolute = Request::new_with_str(&options.endpoint)
            .map_err(|_| {
                Error::from(ConfigError::Invalid {
                    field: "endpoint",
                    reason: "is not a URL".into(),
                })
            })?
            .url();
        let options = options.with_endpoint(&absolute)?;
        let handlers = Rc::new(Handlers::new(&GUEST_EVENT_NAMES));
        let sink_handlers = handlers.clone();
        let runtime = Rc::new_cyclic(|weak: &std::rc::Weak<GuestRuntime>| {
            let w = weak.clone();
            let wakeup = Wakeup::new(move || {
                if let Some(rt) = w.upgrade() {
                    super::spawn(rt.tick());
                }
            })
            .ok();
            GuestRuntime {
                source: GuestTokens::new(
                    options,
                    BrowserPlatform::default(),
                    documents,
                    Box::new(move || call_body(body.as_ref())),
                    Box::new(move |event| deliver(&sink_handlers, event)),
                ),
                handlers,
                wakeup: RefCell::new(wakeup),
            }
        });
        super::spawn(runtime.clone().tick());
        Ok(runtime)
    }

    /// Does what is due, then re-arms the timer.
    pub async fn tick(self: Rc<Self>) {
        self.source.tick().await;
        self.arm();
    }

    /// Sets the timer for the next step.
    fn arm(&self) {
        if let Some(w) = &*self.wakeup.borrow() {
            w.arm(self.source.next_wake(), self.source.platform().now_ms());
        }
    }

    /// A token valid for at least `minValidity` ([`GuestTokens::get_token`]).
    pub async fn get_token(self: Rc<Self>) -> Result<GuestJwt, Rc<Error>> {
        let result = self.source.get_token().await;
        self.arm();
        result
    }

    /// Adds an `onToken` handler, calling it at once with the token held, if any.
    pub fn on_token(&self, handler: Function) {
        if self.handlers.add(ON_TOKEN, handler.clone()) {
            if let Some(jwt) = self.source.current() {
                call(&handler, ON_TOKEN, &jwt.secret().into());
            }
        }
    }

    /// Removes an `onToken` handler.
    pub fn off_token(&self, handler: &Function) {
        self.handlers.remove(ON_TOKEN, handler);
    }

    /// The event handlers (`on`, `off`).
    pub fn handlers(&self) -> &Handlers {
        &self.handlers
    }

    /// Stops the source, its timer and its listeners for good.
    pub fn stop(&self) {
        self.source.stop();
        self.wakeup.borrow_mut().take();
    }
}
