//! The `PkceClient` class: one login client, its session and its lifecycle.

use std::cell::{Cell, RefCell};
use std::future::{poll_fn, Future};
use std::rc::Rc;
use std::task::{Poll, Waker};

use js_sys::Promise;
use wasm_bindgen::prelude::*;
use web_sys::Request;

use super::convert::{
    self, function_argument, invalid_argument, login_options, logout_options, logout_result,
    parse_json, promise, raw_config, string_argument, to_js, url_argument, PromiseBody,
    URL_ARGUMENT,
};
use super::functions::page_documents;
use crate::browser::handlers::Handlers;
use crate::browser::runtime::Runtime;
use crate::browser::storage::{open_stores, Stores};
use crate::browser::{fetch, location, spawn, BrowserPlatform};
use crate::core::{
    discover_config, discovery_needs_fetch, has_stored_session, AccessToken, Client, Config, Error,
    LogoutOptions, Platform, RawConfig, Session, StorageMode, EVENT_NAMES,
};

/// What an event name must be, in `invalid_argument` messages.
pub(super) const EVENT_NAME: &str = "the event name must be a string";

/// `on` (`add`) or `off` of `handler` for the event `name` on `handlers`: the one body of the
/// `on` and `off` methods of every class (size). `invalid_argument` for a name that is not a
/// string (checked first) or a handler that is not a function; `invalid_config` for a string
/// that names no event.
pub(super) fn change_handler(
    handlers: &Handlers,
    name: &JsValue,
    handler: JsValue,
    add: bool,
) -> Result<(), JsValue> {
    let name = string_argument(name, EVENT_NAME)?;
    let handler = function_argument(handler)?;
    Ok(if add {
        handlers.on(&name, handler)
    } else {
        handlers.off(&name, &handler)
    }?)
}

/// A PKCE login client. See the README for the full JavaScript API.
#[wasm_bindgen]
pub struct PkceClient {
    state: Rc<State>,
}

/// A started client: the core client and the runtime that drives its lifecycle.
#[derive(Clone)]
pub(super) struct Started {
    /// The core client.
    pub client: Rc<Client<BrowserPlatform>>,
    /// Its lifecycle driver (events, timer, tab channel).
    pub runtime: Rc<Runtime>,
}

/// A client that is started, or waiting for its discovery document (fetched in the
/// background: see [`PkceClient::discovered`]).
struct State {
    mode: StorageMode,
    handlers: Rc<Handlers>,
    started: RefCell<Option<Started>>,
    /// Until started: the configuration to complete with the document, and the stores.
    waiting: RefCell<Option<(RawConfig, Stores)>>,
    /// Whether a discovery attempt runs, and who waits for it.
    running: Cell<bool>,
    wakers: RefCell<Vec<Waker>>,
}

impl State {
    fn new(mode: StorageMode) -> Rc<State> {
        Rc::new(State {
            mode,
            handlers: Rc::new(Handlers::new(&EVENT_NAMES)),
            started: RefCell::default(),
            waiting: RefCell::default(),
            running: Cell::new(false),
            wakers: RefCell::default(),
        })
    }

    fn start(&self, config: Config, stores: Stores) -> Started {
        let runtime = Runtime::start(config, stores, page_documents(), self.handlers.clone());
        let started = Started {
            client: runtime.client().clone(),
            runtime,
        };
        *self.started.borrow_mut() = Some(started.clone());
        started
    }

    fn started(&self) -> Option<Started> {
        self.started.borrow().clone()
    }

    /// The started client; fetches the discovery document first if still waiting for it
    /// (or waits for the attempt under way). A failed attempt is tried again by the next call.
    async fn ready(self: Rc<Self>) -> Result<Started, JsValue> {
        if self.running.get() {
            poll_fn(|cx| {
                if self.running.get() {
                    self.wakers.borrow_mut().push(cx.waker().clone());
                    Poll::Pending
                } else {
                    Poll::Ready(())
                }
            })
            .await;
        }
        if let Some(started) = self.started() {
            return Ok(started);
        }
        self.running.set(true);
        let result = self.discover().await;
        self.running.set(false);
        for waker in self.wakers.take() {
            waker.wake();
        }
        Ok(result?)
    }

    async fn discover(&self) -> Result<Started, Error> {
        let raw = match &*self.waiting.borrow() {
            Some((raw, _)) => raw.clone(),
            None => return Err(Error::LoginRequired("the client is not configured")),
        };
        let config = discover_config(&BrowserPlatform::default(), &page_documents(), raw).await?;
        let (_, stores) = self
            .waiting
            .take()
            .ok_or(Error::LoginRequired("no client"))?;
        Ok(self.start(config, stores))
    }
}

impl PkceClient {
    /// A client on the validated configuration: sessionStorage (or memory, with a warning and
    /// a `storageFallback` event, where it is blocked), sharing the page's provider documents.
    fn from_config(config: Config) -> PkceClient {
        let stores = open_stores(config.storage);
        PkceClient::started_on(config, stores)
    }

    /// A started client on `config` and the stores opened for it.
    fn started_on(config: Config, stores: Stores) -> PkceClient {
        let state = State::new(stores.mode);
        state.start(config, stores);
        PkceClient { state }
    }

    /// The client and its runtime, once started: an `await`, since `PkceClient.discover` may
    /// still be fetching the discovery document in the background. Owns what it needs (a
    /// `'static` future), so call it before the `async move` of a promise.
    pub(super) fn ready(&self) -> impl Future<Output = Result<Started, JsValue>> + 'static {
        self.state.clone().ready()
    }

    /// The client and its runtime if started already. Before that there is no session in
    /// this tab (a client waits for its document only then).
    pub(super) fn started(&self) -> Option<Started> {
        self.state.started()
    }

    /// Runs `body` on the started client as a promise (waiting for a discovery under way),
    /// then delivers the events it queued and re-arms the timer.
    pub(super) fn with_client<F>(
        &self,
        body: impl FnOnce(Rc<Client<BrowserPlatform>>) -> F + 'static,
    ) -> Promise
    where
        F: Future<Output = Result<JsValue, JsValue>> + 'static,
    {
        let body = Box::new(move |client| Box::pin(body(client)) as PromiseBody);
        self.run(Operation::Body(body), false)
    }

    /// Runs `operation` on the started client as a promise (waiting for a discovery under way),
    /// then delivers the events it queued and re-arms the timer. With `needs_session`, before
    /// the client started there is no session in this tab, so it rejects at once with
    /// `login_required` (no request), as a started client without a session does.
    fn run(&self, operation: Operation, needs_session: bool) -> Promise {
        if needs_session && self.started().is_none() {
            return Promise::reject(&Error::LoginRequired("there is no session").into());
        }
        let ready = self.ready();
        promise(async move {
            let started = ready.await?;
            let result = operation.run(&started.client).await;
            started.runtime.pump();
            result
        })
    }

    /// A promise of `then` of the client [`PkceClient::discovered`] makes: one future type
    /// for `PkceClient.discover` and `configureWithDiscovery` (size).
    pub(super) fn discover_then(config: JsValue, then: fn(PkceClient) -> JsValue) -> Promise {
        promise(async move { Ok(then(PkceClient::discovered(config).await?)) })
    }

    /// `PkceClient.discover` without the promise. The configuration is checked first
    /// (`invalid_config`). On a page with nothing to do with the provider yet — no session in
    /// this tab, not an authorization response, the document not kept for the tab, storage
    /// not blocked — the client is made at once and the document fetched in the background:
    /// a failure then rejects the first call that needs it (`login()`...), and the next call
    /// tries again. Otherwise the document is fetched (or read from the tab) first.
    async fn discovered(config: JsValue) -> Result<PkceClient, JsValue> {
        let raw = raw_config(&config)?;
        let checked = raw.precheck_discovery().map_err(Error::from)?;
        let documents = page_documents();
        let platform = BrowserPlatform::default();
        // Opened once, whichever way the client starts (the storage probe is I/O).
        let stores = open_stores(checked.storage);
        if discovery_needs_fetch(&documents, &raw, platform.now_ms())
            && !location::is_callback_url(None)
            && stores.mode != StorageMode::MemoryFallback
            && !has_stored_session(&*stores.sessions, &checked.client_id)
        {
            let state = State::new(stores.mode);
            *state.waiting.borrow_mut() = Some((raw, stores));
            spawn({
                let state = state.clone();
                async move {
                    let _ = state.ready().await;
                }
            });
            return Ok(PkceClient { state });
        }
        let config = discover_config(&platform, &documents, raw).await?;
        Ok(PkceClient::started_on(config, stores))
    }
}

/// A promise-returning method of [`PkceClient`] with its arguments. Every one runs in the one
/// state machine of [`Operation::run`] (one future type, one poll function, one drop glue) rather
/// than in a future type of its own (size).
enum Operation {
    /// `loginUrl()` (`false`: the URL is the result) and `login()` (`true`: it is navigated
    /// to), one await of `start_login` for both.
    Login(JsValue, bool),
    /// `handleCallback(url)`.
    HandleCallback(JsValue),
    /// `messengerAuthCode(url)`.
    MessengerAuthCode(JsValue),
    /// `loadUserInfo()`.
    LoadUserInfo,
    /// `callApi(path, init)`.
    CallApi(JsValue, JsValue),
    /// `refresh()`.
    Refresh,
    /// `getAccessToken()`.
    AccessToken,
    /// `logout(options)`: the parsed options, and the session `logout()` ended at once
    /// (`None` when the client had not started: it is ended once it has).
    Logout(Result<LogoutOptions, JsValue>, Option<Option<Session>>),
    /// Any other body ([`PkceClient::with_client`]), boxed: its generics end here.
    Body(Box<dyn FnOnce(Rc<Client<BrowserPlatform>>) -> PromiseBody>),
}

impl Operation {
    /// Runs the operation on the started client `inner`.
    async fn run(self, inner: &Rc<Client<BrowserPlatform>>) -> Result<JsValue, JsValue> {
        match self {
            Operation::Body(body) => body(inner.clone()).await,
            Operation::Login(options, redirect) => {
                let options = login_options(&options)?;
                if redirect {
                    inner.check_redirect_login()?;
                }
                let url = inner.start_login(options).await?;
                if !redirect {
                    return Ok(JsValue::from(url.as_str()));
                }
                location::navigate(url.as_str())?;
                Ok(JsValue::UNDEFINED)
            }
            Operation::HandleCallback(url) => {
                let page = location::take_callback(url_argument(&url, URL_ARGUMENT)?)?;
                // A popup's or a silent frame's redirect page: relayed to its opener or parent.
                if page.is_current_page() {
                    if let Some(to) = crate::browser::popup::relay_callback(inner, page.url())? {
                        return Ok(super::popup::relayed(to));
                    }
                }
                let summary = inner.handle_callback(page.url()).await?;
                page.restore(summary.return_to.as_deref())?;
                to_js(&summary.to_value())
            }
            Operation::MessengerAuthCode(url) => {
                let page = location::take_callback(url_argument(&url, URL_ARGUMENT)?)?;
                let handoff = inner.messenger_auth_code(page.url())?;
                page.restore(handoff.return_to.as_deref())?;
                convert::messenger_auth_code(&handoff)
            }
            Operation::LoadUserInfo => {
                let info = inner.load_userinfo().await?;
                parse_json(info.to_json())
            }
            Operation::CallApi(path, init) => {
                let send = api_sender(inner, &path, &init)?;
                let response = inner.call_api(send).await?;
                Ok(response.into())
            }
            Operation::Refresh => {
                inner.refresh().await?;
                match inner.stored_session() {
                    Some(s) => to_js(&s.summary().to_value()),
                    None => Err(Error::LoginRequired("there is no session").into()),
                }
            }
            Operation::AccessToken => {
                let token = inner.api_token().await?;
                Ok(JsValue::from(token.secret()))
            }
            Operation::Logout(parsed, ended) => {
                let session = ended.unwrap_or_else(|| inner.end_local_session());
                let default = LogoutOptions::default();
                let options = parsed.as_ref().unwrap_or(&default);
                let outcome = inner.finish_logout(session, options).await;
                let options_ok = parsed?;
                let outcome = outcome?;
                if let (true, Some(url)) = (options_ok.redirect, &outcome.redirect_to) {
                    location::navigate(url.as_str())?;
                }
                Ok(logout_result(&outcome))
            }
        }
    }
}

/// `callApi`'s request to the target `path` resolved against the API base, with `init`, as
/// its send function. `invalid_argument` (nothing sent) for a path that is not a string or
/// a `URL`, or an `init` the browser's `Request` refuses.
fn api_sender(
    inner: &Rc<Client<BrowserPlatform>>,
    path: &JsValue,
    init: &JsValue,
) -> Result<impl AsyncFnMut(&AccessToken) -> Result<web_sys::Response, Error>, JsValue> {
    let path = url_argument(path, URL_ARGUMENT)?;
    let url = inner.api_url(&path.ok_or_else(|| invalid_argument(URL_ARGUMENT))?)?;
    // The browser's Request checks `init` (undefined and null are none; not an object,
    // a bad method or header, a throwing getter: a TypeError), as fetch() would.
    const INIT: &str = "callApi's init must be a RequestInit the browser accepts";
    let request = Request::new_with_str_and_init(&url, init.unchecked_ref())
        .map_err(|_| invalid_argument(INIT))?;
    fetch::bearer_sender(request).map_err(|_| invalid_argument(INIT))
}

#[wasm_bindgen]
impl PkceClient {
    /// Validates the configuration and picks up a stored session (so a reload keeps the user
    /// logged in). Throws a `PixieAuthError` with code `invalid_config` on bad configuration.
    #[wasm_bindgen(constructor)]
    pub fn new(
        #[wasm_bindgen(unchecked_param_type = "PkceConfig")] config: JsValue,
    ) -> Result<PkceClient, JsValue> {
        let config = raw_config(&config)?.validate().map_err(Error::from)?;
        Ok(PkceClient::from_config(config))
    }

    /// Makes a client from the provider's discovery document (OpenID Connect Discovery 1.0
    /// §4): fetches `<issuer>/.well-known/openid-configuration` (once per page), requires its
    /// `issuer` to equal the configured one exactly and `S256` among
    /// `code_challenge_methods_supported` when listed, and takes the endpoints from it (each
    /// https, or http on a loopback host). `apiBase` stays unset unless given.
    /// Rejects with `invalid_config` (checked first) and, where it fetches, `network_error`,
    /// `discovery_failed`, `invalid_discovery`, `discovery_issuer_mismatch` or
    /// `discovery_s256_unsupported`. On a page with nothing to do with the provider yet (no
    /// session in this tab, not a callback, the document not kept for the tab) it resolves at
    /// once and fetches in the background: the first call that needs the endpoints rejects
    /// with those codes instead, and the next one tries again.
    #[wasm_bindgen(unchecked_return_type = "Promise<PkceClient>")]
    pub fn discover(
        #[wasm_bindgen(unchecked_param_type = "DiscoveryConfig")] config: JsValue,
    ) -> Promise {
        PkceClient::discover_then(config, |client| client.into())
    }

    /// Where the session is kept: `"session"`, `"memory"`, or `"memory-fallback"` when
    /// sessionStorage was wanted but is blocked.
    #[wasm_bindgen(getter, js_name = storageMode, unchecked_return_type = "StorageMode")]
    pub fn storage_mode(&self) -> String {
        self.state.mode.as_str().into()
    }

    /// Builds the authorization URL and stores the pending login, without navigating.
    #[wasm_bindgen(js_name = loginUrl, unchecked_return_type = "Promise<string>")]
    pub fn login_url(
        &self,
        #[wasm_bindgen(unchecked_optional_param_type = "LoginOptions")] options: JsValue,
    ) -> Promise {
        self.run(Operation::Login(options, false), false)
    }

    /// Starts a login: stores the pending login and sends the browser to the authorization
    /// server. The promise resolves as the navigation starts. Where the pending login could
    /// not survive the redirect (sessionStorage blocked: it would live in memory), rejects at
    /// once with `storage_unavailable`, before storing or navigating: use the popup login.
    #[wasm_bindgen(unchecked_return_type = "Promise<void>")]
    pub fn login(
        &self,
        #[wasm_bindgen(unchecked_optional_param_type = "LoginOptions")] options: JsValue,
    ) -> Promise {
        self.run(Operation::Login(options, true), false)
    }

    /// Whether `url` (a string or a `URL`; default: the current page) is an authorization
    /// response. Any other value is not one: `false`.
    #[wasm_bindgen(js_name = isCallback)]
    pub fn is_callback(
        &self,
        #[wasm_bindgen(unchecked_optional_param_type = "string | URL")] url: JsValue,
    ) -> bool {
        url_argument(&url, URL_ARGUMENT).is_ok_and(location::is_callback_url)
    }

    /// Handles the authorization response in `url` (a string or a `URL`; default: the current
    /// page; anything else rejects with `invalid_argument`): removes the
    /// response parameters from the address bar at once, checks state (and `iss`, RFC 9207),
    /// exchanges the code, verifies the ID token when `openid` was requested (OIDC Core
    /// §3.1.3.7, signature checked with WebCrypto against the provider's JWK Set), stores the
    /// session, and restores `returnTo`. Rejects with a `PixieAuthError`; a failure leaves any
    /// existing session in place.
    ///
    /// On a page opened by `loginPopup()` (a popup) or `renewSilently()` (a hidden frame),
    /// for a login not pending in this tab (`url` not given: the current page), it redeems
    /// nothing: it relays the response to the
    /// opener or parent (to this page's own origin only), closes the popup, and resolves with
    /// a summary of no session whose `relayed` is `"opener"` or `"parent"`.
    #[wasm_bindgen(js_name = handleCallback, unchecked_return_type = "Promise<SessionSummary>")]
    pub fn handle_callback(
        &self,
        #[wasm_bindgen(unchecked_optional_param_type = "string | URL")] url: JsValue,
    ) -> Promise {
        self.run(Operation::HandleCallback(url), false)
    }

    /// The Genesys Web Messenger hand-off, for an "OpenID Connect Messenger Configuration"
    /// where Messenger redeems the code itself: on the callback page (`url`, default: the
    /// current page), call this instead of `handleCallback()` and resolve the AuthProvider
    /// `getAuthCode` command with the result. It removes the code and state from the address
    /// bar, runs the same callback checks (pending login, state, `iss`), deletes the pending
    /// login, restores `returnTo`, and resolves with `{ authCode, redirectUri, codeVerifier,
    /// nonce?, maxAge?, iss? }` without exchanging the code. Single use: keep the result
    /// for the page if Messenger asks again.
    ///
    /// This is the only call that ever hands out the PKCE `code_verifier`: Genesys needs it
    /// to redeem the code (RFC 7636 §4.5). Rejects with `not_a_callback` when the URL is not an
    /// authorization response (start a login with `login()` then), or with the callback codes
    /// (`state_mismatch`, `missing_pending_login`, `issuer_mismatch`, `authorization_error`...).
    #[wasm_bindgen(js_name = messengerAuthCode, unchecked_return_type = "Promise<MessengerAuthCode>")]
    pub fn messenger_auth_code(
        &self,
        #[wasm_bindgen(unchecked_optional_param_type = "string | URL")] url: JsValue,
    ) -> Promise {
        self.run(Operation::MessengerAuthCode(url), false)
    }

    /// The claims of the verified ID token of the current session, or `null` (no session, an
    /// expired one, or no `openid` scope). Verified once, when the session was made; read back
    /// from the session after a reload without verifying again (the session lives in this
    /// origin's storage, where whoever could forge it could read the tokens as well).
    #[wasm_bindgen(js_name = getUser, unchecked_return_type = "IdTokenClaims | null")]
    pub fn get_user(&self) -> JsValue {
        self.started()
            .and_then(|s| s.client.user())
            .and_then(|c| parse_json(c.to_json()).ok())
            .unwrap_or(JsValue::NULL)
    }

    /// Fetches the user's claims from the UserInfo endpoint (OIDC Core §5.3) with the access
    /// token. Resolves only when the response's `sub` equals the ID token's; otherwise rejects
    /// with `userinfo_sub_mismatch` and the claims are dropped. A 401 clears the session
    /// (`login_required`); other failures are `userinfo_failed` or `userinfo_invalid`.
    #[wasm_bindgen(js_name = loadUserInfo, unchecked_return_type = "Promise<UserInfo>")]
    pub fn load_user_info(&self) -> Promise {
        self.run(Operation::LoadUserInfo, true)
    }

    /// `fetch` with `Authorization: Bearer <access token>`. A path is resolved against the API
    /// base; an absolute URL must lie under it. Resolves with the `Response`. A path that is
    /// not a string or a `URL`, an `init` that is not an object, or one the browser's
    /// `Request` refuses (a bad method or header, a throwing getter) rejects with
    /// `invalid_argument`, sending nothing.
    ///
    /// An expired access token is refreshed first when a refresh token is held. When the API
    /// answers 401, the token is refreshed (or a newer one a concurrent call got is used) and
    /// the request is sent once more (a copy made before the first send, so the body goes
    /// again). Without a usable session, when the refresh is refused (`invalid_grant`), or when
    /// the retry gets 401 too, the session is ended (`sessionExpired`) and the promise rejects
    /// with `login_required` (no redirect: the app decides when to call `login()`).
    #[wasm_bindgen(js_name = callApi, unchecked_return_type = "Promise<Response>")]
    pub fn call_api(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string | URL")] path: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "RequestInit")] init: JsValue,
    ) -> Promise {
        self.run(Operation::CallApi(path, init), true)
    }

    /// Refreshes the access token now (normally automatic, `refreshLeadSeconds` before
    /// expiry). Tabs sharing the session refresh it once between them. Resolves with the
    /// session summary; rejects with `no_refresh_token`, `login_required` (no session, or the
    /// refresh token was refused: the session is ended), `refresh_failed` or `network_error`
    /// (the session is kept).
    #[wasm_bindgen(unchecked_return_type = "Promise<SessionSummary>")]
    pub fn refresh(&self) -> Promise {
        self.run(Operation::Refresh, true)
    }

    /// THE WAY TO READ THE RAW ACCESS TOKEN, on purpose: for an API `callApi` cannot reach
    /// (e.g. a WebSocket or a third-party SDK). Refreshes first when it expired. Never log it
    /// or store it; prefer `callApi`. Rejects with `login_required` without a usable session.
    #[wasm_bindgen(js_name = getAccessToken, unchecked_return_type = "Promise<string>")]
    pub fn get_access_token(&self) -> Promise {
        self.run(Operation::AccessToken, true)
    }

    /// Adds an event handler (TypeScript signature in `PkceClient`'s interface). Throws
    /// `invalid_config` for a string that names no event, `invalid_argument` for a name that
    /// is not a string or a handler that is not a function.
    #[wasm_bindgen(skip_typescript)]
    pub fn on(&self, name: JsValue, handler: JsValue) -> Result<(), JsValue> {
        change_handler(&self.state.handlers, &name, handler, true)
    }

    /// Removes an event handler (the same errors as `on`).
    #[wasm_bindgen(skip_typescript)]
    pub fn off(&self, name: JsValue, handler: JsValue) -> Result<(), JsValue> {
        change_handler(&self.state.handlers, &name, handler, false)
    }

    /// Whether a session with an unexpired access token exists.
    #[wasm_bindgen(js_name = isAuthenticated)]
    pub fn is_authenticated(&self) -> bool {
        self.started().is_some_and(|s| s.client.is_authenticated())
    }

    /// The current session's summary, or `null`.
    #[wasm_bindgen(js_name = getSession, unchecked_return_type = "SessionSummary | null")]
    pub fn get_session(&self) -> JsValue {
        self.started()
            .and_then(|s| s.client.session())
            .and_then(|s| to_js(&s.summary().to_value()).ok())
            .unwrap_or(JsValue::NULL)
    }

    /// Logs out. Synchronously, before the promise is even returned: deletes the session and
    /// any pending login from storage and emits `loggedOut`, so the user is logged out even if
    /// the promise is never awaited or the server fails. Then: ends the session in sibling tabs
    /// of the same session; revokes the refresh token (else the access token) at
    /// `revocationEndpoint` (RFC 7009) and, for Genesys Cloud, deletes the access token
    /// (`DELETE /api/v2/tokens/me`); with `{ redirect: true }`, sends the browser to the
    /// server's logout page. Resolves with a `LogoutResult` (a revocation failure is reported
    /// there, not as a rejection); rejects only for invalid options (`invalid_config`), after
    /// having logged out and revoked all the same.
    #[wasm_bindgen(unchecked_return_type = "Promise<LogoutResult>")]
    pub fn logout(
        &self,
        #[wasm_bindgen(unchecked_optional_param_type = "LogoutOptions")] options: JsValue,
    ) -> Promise {
        let parsed = logout_options(&options);
        // Not started yet: there was no session in this tab; the rest waits for the client.
        let ended = self.started().map(|s| {
            let session = s.client.end_local_session();
            s.runtime.pump();
            session
        });
        self.run(Operation::Logout(parsed, ended), false)
    }
}
