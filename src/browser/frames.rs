//! The session bridge's two ends over `window.postMessage`: [`HostBridge`] (the page that
//! embeds a frame and shares its session) and [`HostedLink`] (the framed app).
//!
//! Every received message passes four checks before the core reads it, in this order, and
//! one that fails is counted ([`BridgeStats`]) and dropped, never thrown:
//!
//! 1. `event.isTrusted`: a script's `dispatchEvent(new MessageEvent(...))` can write any
//!    `origin` and `source`;
//! 2. `event.source` is the one window this end talks to (`iframe.contentWindow` on the
//!    host, `window.parent` in the frame), compared by identity;
//! 3. `event.origin` equals the configured origin exactly ([`ExactOrigin::matches`]);
//! 4. the data is a plain object whose JSON text is at most [`MAX_BRIDGE_MESSAGE_LEN`] bytes,
//!    of one of the core's shapes ([`FrameMessage`], [`HostMessage`]).
//!
//! Every message sent goes to that one window with `targetOrigin` set to that exact origin,
//! never `'*'`: if the frame has navigated elsewhere, the browser drops it undelivered.

use std::cell::{Cell, RefCell};
use std::rc::{Rc, Weak};

use js_sys::{Function, Object, Reflect, JSON};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use web_sys::{Request, Response};

use super::handlers::{Handlers, Listener};
use super::runtime::{Runtime, TapId};
use super::tabs::deferred;
use super::{fetch, get, json_to_js, spawn, timers, window, BrowserPlatform};
use crate::core::json::ObjectWriter;
use crate::core::{
    forced_refresh_allowed, host_token_step, hosted_api_url, AccessToken, BridgeStats, Client,
    DropReason, EmbedError, Error, Event, ExactOrigin, FrameMessage, FrameToken, HostMessage,
    HostStep, HostedOptions, Platform, ShareOptions, MAX_BRIDGE_MESSAGE_LEN,
};

/// The events of a [`HostedLink`]: a new token from the host, and the host's logout.
pub const HOSTED_EVENT_NAMES: [&str; 2] = ["tokenRefreshed", "loggedOut"];

/// A `message` listener on `window` calling `on_message` with each event; removed on drop.
/// One helper for both ends of the bridge and the popup's wait
/// ([`crate::browser::popup`]).
pub fn on_message(on_message: Box<dyn FnMut(JsValue)>) -> Result<Listener, Error> {
    Listener::add(None, "message", on_message)
}

/// Checks 1 to 3 of the module documentation (`origin`: exact string equality, as
/// [`ExactOrigin::matches`]), then the data's JSON text (check 4's first half): a plain object
/// (its prototype `Object.prototype` or `null`: no class instance, array, Date or Map), whose
/// `JSON.stringify` does not throw and is at most `max_len` UTF-16 units. The one check of
/// every received message: both bridge ends, and the popup's and silent frame's answer.
///
/// The event's members are read with [`get`] (plain property reads, as web-sys's getters make:
/// one import for all of them).
pub fn admit(
    event: &JsValue,
    from: &JsValue,
    origin: &str,
    max_len: usize,
) -> Result<String, DropReason> {
    if get(event, "isTrusted").as_bool() != Some(true) {
        return Err(DropReason::Untrusted);
    }
    // `===`: the very window object, not one that looks like it.
    if get(event, "source") != *from {
        return Err(DropReason::Source);
    }
    if get(event, "origin").as_string().as_deref() != Some(origin) {
        return Err(DropReason::Origin);
    }
    let data = get(event, "data");
    if !data.is_object() || data.is_function() {
        return Err(DropReason::Invalid);
    }
    let proto: JsValue = Object::get_prototype_of(&data).into();
    let object_proto: JsValue = Object::get_prototype_of(&Object::new().into()).into();
    if !(proto.is_null() || proto == object_proto) {
        return Err(DropReason::Invalid);
    }
    let text = JSON::stringify(&data).map_err(|_| DropReason::Invalid)?;
    // Its length in UTF-16 units, before the text is copied into the module's memory (a
    // primitive string: `JsString::length`, not `Reflect.get`, which refuses non-objects).
    if text.length() as usize > max_len {
        return Err(DropReason::Invalid);
    }
    text.as_string().ok_or(DropReason::Invalid)
}

/// Posts `message` (JSON text: the object `JSON.parse` makes of it; or a JS value) to
/// `target` with `targetOrigin` = `origin` (never `'*'`). `postMessage` is read from the
/// window object itself: a cross-origin `WindowProxy` exposes it.
fn post(target: &JsValue, message: Result<JsValue, Error>, origin: &ExactOrigin) {
    let Ok(payload) = message else {
        return;
    };
    let send = Reflect::get(target, &"postMessage".into())
        .ok()
        .and_then(|f| f.dyn_into::<Function>().ok());
    if let Some(send) = send {
        let _ = send.call2(target, &payload, &origin.as_str().into());
    }
}

/// A library message's JSON text as the object to post (`None`: not sent).
fn parsed(text: Option<String>) -> Result<JsValue, Error> {
    text.and_then(|t| JSON::parse(&t).ok())
        .ok_or(Error::Platform("JSON.parse"))
}

/// The client whose session a host shares, and its lifecycle driver.
type Shared = (Rc<Client<BrowserPlatform>>, Rc<Runtime>);

/// The host's end: answers `iframe.contentWindow` at exactly `options.origin`, pushes a new
/// token after each refresh and `loggedOut` when the session ends.
pub struct HostBridge {
    iframe: JsValue,
    options: ShareOptions,
    /// The client and its runtime, once started ([`HostBridge::attach`]).
    started: RefCell<Option<Shared>>,
    stats: Cell<BridgeStats>,
    /// The app's handlers of the frame's events, by `type` (any name: the app's own types).
    handlers: Handlers,
    /// The frame has said `ready` (at this origin).
    greeted: Cell<bool>,
    /// The frame has been handed a token, so refreshed ones are pushed to it.
    served: Cell<bool>,
    /// When the token last handed to the frame was issued (answered or pushed).
    served_at: Cell<Option<u64>>,
    /// When the token a frame's 401 last refreshed was issued.
    forced_at: Cell<Option<u64>>,
    listener: RefCell<Option<Listener>>,
    tap: Cell<Option<TapId>>,
}

impl HostBridge {
    /// Starts listening to `iframe` (an `<iframe>` element); token requests are answered
    /// once the client is [attached](HostBridge::attach).
    pub fn start(iframe: JsValue, options: ShareOptions) -> Result<Rc<HostBridge>, Error> {
        let is_iframe = Reflect::get(&iframe, &"tagName".into())
            .ok()
            .and_then(|t| t.as_string())
            .is_some_and(|t| t.eq_ignore_ascii_case("iframe"));
        if !is_iframe {
            return Err(Error::InvalidArgument(
                "shareWithFrame needs an <iframe> element",
            ));
        }
        let bridge = Rc::new(HostBridge {
            iframe,
            options,
            started: RefCell::new(None),
            stats: Cell::default(),
            handlers: Handlers::new(&[]),
            greeted: Cell::new(false),
            served: Cell::new(false),
            served_at: Cell::new(None),
            forced_at: Cell::new(None),
            listener: RefCell::new(None),
            tap: Cell::new(None),
        });
        let weak = Rc::downgrade(&bridge);
        let listener = on_message(Box::new(move |event| {
            if let Some(b) = weak.upgrade() {
                b.receive(&event);
            }
        }))?;
        *bridge.listener.borrow_mut() = Some(listener);
        Ok(bridge)
    }

    /// Shares `client`'s session from now on: answers token requests, and follows its
    /// events (refreshes, logout) through `runtime`. Does nothing once closed.
    pub fn attach(self: &Rc<Self>, client: Rc<Client<BrowserPlatform>>, runtime: Rc<Runtime>) {
        if self.listener.borrow().is_none() {
            return;
        }
        let weak: Weak<HostBridge> = Rc::downgrade(self);
        let tap = runtime.tap(Rc::new(move |event: &Event| {
            if let Some(b) = weak.upgrade() {
                b.session_event(event);
            }
        }));
        self.tap.set(Some(tap));
        *self.started.borrow_mut() = Some((client, runtime));
    }

    /// The client and runtime, waiting (bounded) while the client is still starting.
    async fn client(&self) -> Option<Shared> {
        for _ in 0..200 {
            if let Some(started) = self.started.borrow().clone() {
                return Some(started);
            }
            timers::sleep(50).await;
        }
        None
    }

    /// The frame's window now (a `WindowProxy` keeps its identity across the frame's
    /// navigations; its origin is checked on every message).
    fn frame_window(&self) -> JsValue {
        Reflect::get(&self.iframe, &"contentWindow".into()).unwrap_or(JsValue::NULL)
    }

    fn send(&self, message: &HostMessage) {
        post(
            &self.frame_window(),
            parsed(message.to_json()),
            &self.options.origin,
        );
    }

    fn count(&self, result: Result<(), DropReason>) {
        count(&self.stats, result);
    }

    fn receive(self: Rc<Self>, event: &JsValue) {
        if self.listener.borrow().is_none() {
            return;
        }
        let frame = self.frame_window();
        if frame.is_null() || frame.is_undefined() {
            return self.count(Err(DropReason::Source));
        }
        let message = admit(
            event,
            &frame,
            self.options.origin.as_str(),
            MAX_BRIDGE_MESSAGE_LEN,
        )
        .and_then(|text| FrameMessage::parse(&text));
        let message = match message {
            Ok(m) => m,
            Err(why) => return self.count(Err(why)),
        };
        self.count(Ok(()));
        match message {
            FrameMessage::Ready => {
                self.greeted.set(true);
                self.send(&HostMessage::Ack);
            }
            FrameMessage::TokenRequest { id, refresh } => {
                self.greeted.set(true);
                spawn(self.answer(id, refresh));
            }
            FrameMessage::AppEvent { kind, value } => {
                if let Ok(payload) = json_to_js(&value) {
                    self.handlers.emit(&kind, &payload);
                }
            }
        }
    }

    /// Answers token request `id`: the access token only, refreshed first when it expires
    /// within the margin or the frame's was refused ([`host_token_step`]). The decisions are
    /// [`HostBridge::step`]'s; only the waits are here (size).
    async fn answer(self: Rc<Self>, id: u64, forced: bool) {
        // Not started within 10 s: no answer (the frame's request times out).
        let Some((client, runtime)) = self.client().await else {
            return;
        };
        let mut refreshed = false;
        while self.step(&client, id, forced, refreshed) {
            let _ = client.refresh().await;
            runtime.pump();
            refreshed = true;
        }
    }

    /// One decision on request `id`: answers it (the token, or `login_required`) and returns
    /// false, or returns true when the session must be refreshed first.
    fn step(
        &self,
        client: &Client<BrowserPlatform>,
        id: u64,
        forced: bool,
        refreshed: bool,
    ) -> bool {
        let session = client.stored_session();
        let step = host_token_step(
            session.as_ref().map(|s| s.expires_at),
            client.platform().now_ms(),
            self.options.margin_ms,
            session.as_ref().is_some_and(|s| s.refresh_token.is_some()),
            forced
                && session.as_ref().is_some_and(|s| {
                    forced_refresh_allowed(s.issued_at, self.served_at.get(), self.forced_at.get())
                }),
            refreshed,
        );
        match (step, session) {
            (HostStep::Answer, Some(s)) => {
                self.served.set(true);
                self.served_at.set(Some(s.issued_at));
                self.send(&HostMessage::Token {
                    id: Some(id),
                    token: s.access_token,
                    expires_at: s.expires_at,
                });
                false
            }
            (HostStep::RefreshFirst, session) => {
                if forced {
                    self.forced_at.set(session.map(|s| s.issued_at));
                }
                true
            }
            _ => {
                self.send(&HostMessage::Error {
                    id: Some(id),
                    code: "login_required".into(),
                });
                false
            }
        }
    }

    /// After a refresh, the new token to a frame that was served one; after a logout or an
    /// expired session, `loggedOut` to a frame that said hello.
    fn session_event(&self, event: &Event) {
        if self.listener.borrow().is_none() || !self.greeted.get() {
            return;
        }
        match event {
            Event::TokenRefreshed(_) if self.served.get() => {
                let session = self
                    .started
                    .borrow()
                    .as_ref()
                    .and_then(|(c, _)| c.session());
                if let Some(s) = session {
                    self.served_at.set(Some(s.issued_at));
                    self.send(&HostMessage::Token {
                        id: None,
                        token: s.access_token,
                        expires_at: s.expires_at,
                    });
                }
            }
            Event::LoggedOut(_) | Event::SessionExpired(_) => {
                self.served.set(false);
                self.send(&HostMessage::LoggedOut);
            }
            _ => {}
        }
    }

    /// The handlers of the frame's app events, by `type` ([`Handlers::insert`] and
    /// [`Handlers::remove`]: any name).
    pub fn handlers(&self) -> &Handlers {
        &self.handlers
    }

    /// What the bridge received.
    pub fn stats(&self) -> BridgeStats {
        self.stats.get()
    }

    /// Stops: removes the listener and the session tap; nothing more is answered or pushed.
    pub fn close(&self) {
        self.listener.borrow_mut().take();
        let started = self.started.borrow_mut().take();
        if let (Some(tap), Some((_, runtime))) = (self.tap.take(), started) {
            runtime.untap(tap);
        }
    }
}

/// [`HostedLink::ask`]'s result: the token held, or request `id` sent and its promise.
enum Ask {
    Held(AccessToken),
    Sent(u64, js_sys::Promise),
}

/// What the host answered to a request.
enum Answer {
    Token,
    Refused,
}

/// The frame's end: asks `window.parent` at exactly the host origin for a token, keeps it in
/// memory only (a field of this object: never Web Storage), and asks again when it has less
/// than `minValiditySeconds` left or the API refused it.
pub struct HostedLink {
    options: HostedOptions,
    /// `window.parent`, or `None` when the page is not framed (then every call is
    /// `host_unavailable` at once).
    parent: Option<JsValue>,
    token: RefCell<Option<FrameToken>>,
    /// Whether a token was ever received (a pushed one is only taken after that).
    had_token: Cell<bool>,
    pending: RefCell<Vec<(u64, Function)>>,
    answers: RefCell<Vec<(u64, Answer)>>,
    next_id: Cell<u64>,
    stats: Cell<BridgeStats>,
    handlers: Handlers,
    listener: RefCell<Option<Listener>>,
}

/// Removes the entry of request `id` (ids are unique) and returns its value. The order of
/// these lists does not matter: `swap_remove`, smaller than `remove`.
fn take_by_id<T>(list: &RefCell<Vec<(u64, T)>>, id: u64) -> Option<T> {
    let mut list = list.borrow_mut();
    let i = list.iter().position(|(p, _)| *p == id)?;
    Some(list.swap_remove(i).1)
}

/// Counts a received message in `stats` (both ends).
fn count(stats: &Cell<BridgeStats>, result: Result<(), DropReason>) {
    let mut s = stats.get();
    match result {
        Ok(()) => s.accept(),
        Err(why) => s.drop(why),
    }
    stats.set(s);
}

fn host_unavailable(why: &'static str) -> Error {
    EmbedError::HostUnavailable(why).into()
}

impl HostedLink {
    /// Starts listening to the parent and says `ready` to it.
    pub fn start(options: HostedOptions) -> Result<Rc<HostedLink>, Error> {
        let w = window()?;
        let me: JsValue = w.clone().into();
        let parent = Some(get(&me, "parent")).filter(|p| p.is_object() && *p != me);
        let link = Rc::new(HostedLink {
            options,
            parent,
            token: RefCell::new(None),
            had_token: Cell::new(false),
            pending: RefCell::default(),
            answers: RefCell::default(),
            next_id: Cell::new(0),
            stats: Cell::default(),
            handlers: Handlers::new(&HOSTED_EVENT_NAMES),
            listener: RefCell::new(None),
        });
        if link.parent.is_some() {
            let weak = Rc::downgrade(&link);
            let listener = on_message(Box::new(move |event| {
                if let Some(l) = weak.upgrade() {
                    l.receive(&event);
                }
            }))?;
            *link.listener.borrow_mut() = Some(listener);
            link.send(parsed(FrameMessage::Ready.to_json()));
        }
        Ok(link)
    }

    fn send(&self, message: Result<JsValue, Error>) {
        if let Some(parent) = &self.parent {
            post(parent, message, &self.options.host_origin);
        }
    }

    fn now(&self) -> u64 {
        BrowserPlatform::default().now_ms()
    }

    fn count(&self, result: Result<(), DropReason>) {
        count(&self.stats, result);
    }

    fn receive(&self, event: &JsValue) {
        let Some(parent) = &self.parent else {
            return;
        };
        let message = admit(
            event,
            parent,
            self.options.host_origin.as_str(),
            MAX_BRIDGE_MESSAGE_LEN,
        )
        .and_then(|text| HostMessage::parse(&text));
        let message = match message {
            Ok(m) => m,
            Err(why) => return self.count(Err(why)),
        };
        let answered = |id: u64, answer: Answer| -> bool {
            let resolve = take_by_id(&self.pending, id);
            match resolve {
                Some(resolve) => {
                    self.answers.borrow_mut().push((id, answer));
                    let _ = resolve.call0(&JsValue::UNDEFINED);
                    true
                }
                None => false,
            }
        };
        let ok = match message {
            HostMessage::Ack => true,
            // An answer to a request still waiting, or a push once a token was received.
            HostMessage::Token {
                id,
                token,
                expires_at,
            } => {
                let ok = match id {
                    Some(id) => self.pending.borrow().iter().any(|(p, _)| *p == id),
                    None => self.had_token.get(),
                };
                if ok {
                    *self.token.borrow_mut() = Some(FrameToken { token, expires_at });
                    match id {
                        Some(id) => {
                            self.had_token.set(true);
                            answered(id, Answer::Token);
                        }
                        None => self.emit_refreshed(expires_at),
                    }
                }
                ok
            }
            HostMessage::Error { id, .. } => id.is_some_and(|id| answered(id, Answer::Refused)),
            HostMessage::LoggedOut => {
                let had = self.token.borrow_mut().take().is_some();
                self.had_token.set(false);
                if had {
                    self.handlers.emit("loggedOut", &Object::new().into());
                }
                true
            }
        };
        self.count(if ok { Ok(()) } else { Err(DropReason::Invalid) });
    }

    fn emit_refreshed(&self, expires_at: Option<u64>) {
        // `{ expiresAt }` as JSON text and one `JSON.parse` (size). A time past 2^53 - 1 is
        // no JavaScript number: not emitted, as `json_to_js` refuses it.
        if expires_at.is_some_and(|at| at > (1 << 53) - 1) {
            return;
        }
        let mut text = String::new();
        let mut o = ObjectWriter::new(&mut text);
        match expires_at {
            Some(at) => o.u64("expiresAt", at),
            None => o.null("expiresAt"),
        };
        o.finish();
        if let Ok(p) = JSON::parse(&text) {
            self.handlers.emit("tokenRefreshed", &p);
        }
    }

    /// A usable access token: the one held, or a new one from the host (`refresh`: the API
    /// refused the one held, so the host refreshes first). `login_required` when the host has
    /// no session; `host_unavailable` when there is no parent or it did not answer in time.
    /// Only the wait is async ([`HostedLink::ask`], [`HostedLink::answer`]: size).
    pub async fn access_token(self: &Rc<Self>, refresh: bool) -> Result<AccessToken, Error> {
        let (id, promise) = match self.ask(refresh)? {
            Ask::Held(token) => return Ok(token),
            Ask::Sent(id, promise) => (id, promise),
        };
        let _ = JsFuture::from(promise).await;
        self.answer(id)
    }

    /// The token held when it is usable; otherwise request `id` sent to the host, and the
    /// promise that resolves on its answer or after the time-out.
    fn ask(&self, refresh: bool) -> Result<Ask, Error> {
        if self.listener.borrow().is_none() {
            return Err(host_unavailable(if self.parent.is_none() {
                "this page is not in a frame, so there is no host to ask"
            } else {
                "the client was closed"
            }));
        }
        if !refresh {
            if let Some(t) = self.token.borrow().as_ref() {
                if t.usable(self.now(), self.options.min_validity_ms) {
                    return Ok(Ask::Held(t.token.clone()));
                }
            }
        }
        let id = self.next_id.get() + 1;
        self.next_id.set(id);
        let (promise, resolve, _) = deferred();
        timers::resolve_after(&resolve, self.options.timeout_ms);
        self.pending.borrow_mut().push((id, resolve));
        self.send(parsed(FrameMessage::TokenRequest { id, refresh }.to_json()));
        Ok(Ask::Sent(id, promise))
    }

    /// What the host answered to request `id` (nothing: it did not answer in time).
    fn answer(&self, id: u64) -> Result<AccessToken, Error> {
        take_by_id(&self.pending, id);
        let answer = take_by_id(&self.answers, id);
        match answer {
            Some(Answer::Token) => self
                .token
                .borrow()
                .as_ref()
                .map(|t| t.token.clone())
                .ok_or(Error::LoginRequired("the host ended its session")),
            Some(Answer::Refused) => Err(Error::LoginRequired("the host has no session")),
            None => Err(host_unavailable("the host did not answer in time")),
        }
    }

    /// `fetch` with the host's access token under `apiBase`: after a 401, once more with a
    /// token the host refreshed; a second 401 drops the token and is `login_required`.
    pub async fn call_api(self: &Rc<Self>, path: &str, init: &JsValue) -> Result<Response, Error> {
        const INIT: &str = "callApi's init must be a RequestInit the browser accepts";
        let url = hosted_api_url(self.options.api_base.as_ref(), path)?;
        let request = Request::new_with_str_and_init(&url, init.unchecked_ref())
            .map_err(|_| Error::InvalidArgument(INIT))?;
        let mut send = fetch::bearer_sender(request).map_err(|_| Error::InvalidArgument(INIT))?;
        // One loop, not two copies of the ask-and-send steps: one await point each (size).
        for refresh in [false, true] {
            let token = self.access_token(refresh).await?;
            let response = send(&token).await?;
            if response.status() != 401 {
                return Ok(response);
            }
        }
        self.token.borrow_mut().take();
        Err(Error::LoginRequired("the API refused the host's token"))
    }

    /// Whether a token is held that has not expired.
    pub fn is_authenticated(&self) -> bool {
        self.token
            .borrow()
            .as_ref()
            .is_some_and(|t| t.fresh(self.now()))
    }

    /// Posts an app event to the host: `message` must be a plain object with a valid `type`
    /// (not one of the library's own messages).
    pub fn emit_to_host(&self, message: &JsValue) -> Result<(), Error> {
        const BAD: &str =
            "send() takes a plain object with a short `type` (letters, digits, - _ . :)";
        let text = JSON::stringify(message)
            .ok()
            .and_then(|t| t.as_string())
            .ok_or(Error::InvalidArgument(BAD))?;
        match FrameMessage::parse(&text) {
            Ok(FrameMessage::AppEvent { value, .. }) => {
                if self.listener.borrow().is_none() {
                    return Err(host_unavailable("there is no host to send to"));
                }
                self.send(json_to_js(&value));
                Ok(())
            }
            _ => Err(Error::InvalidArgument(BAD)),
        }
    }

    /// The handlers of the frame's events ([`HOSTED_EVENT_NAMES`]).
    pub fn handlers(&self) -> &Handlers {
        &self.handlers
    }

    /// What the frame received.
    pub fn stats(&self) -> BridgeStats {
        self.stats.get()
    }

    /// Stops: forgets the token, removes the listener; calls now reject with
    /// `host_unavailable`.
    pub fn close(&self) {
        self.listener.borrow_mut().take();
        self.token.borrow_mut().take();
        for (_, resolve) in self.pending.borrow_mut().drain(..) {
            let _ = resolve.call0(&JsValue::UNDEFINED);
        }
    }
}
