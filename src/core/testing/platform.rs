//! A fake [`Platform`] that answers HTTP requests by method and path.
//!
//! Answers are queued per route (`platform.on(Post, "/token").respond(200, body)`) and given
//! first in, first out for that route only, so a test says which endpoint gets which answer
//! and the order of requests across endpoints does not matter to the fake. A request for which
//! no answer is queued panics with its method and URL and the routes that do have answers
//! (oauth4webapi's `test/_setup.ts` fails the same way). Every request is recorded, so a test
//! that cares about the order across endpoints asserts it on [`FakePlatform::sent`].
//!
//! The rest is deterministic too: random bytes from a counter, a settable clock that `sleep`
//! advances, recorded locks and broadcasts, hooks that run at a point of the flow (a sibling
//! tab acting meanwhile), and signature checks and AES-256-GCM with RustCrypto.

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::fmt::Display;
use std::rc::Rc;

use crate::core::WebUrl;
use sha2::{Digest, Sha256};

use super::keys;
use crate::core::error::Error;
use crate::core::http::{HttpRequest, HttpResponse, Method};
use crate::core::oidc::{Jwk, JwsAlg};
use crate::core::platform::{LockGuard, Platform};
use crate::core::secret::ChannelKey;

/// A hook run by the fake platform at a point of the flow (simulates a sibling tab).
pub type Hook = Box<dyn FnOnce()>;

/// What the fake gives back for one request: a response, or a network failure.
type Answer = Result<HttpResponse, Error>;

/// The answers queued for one method and target.
struct Route {
    method: Method,
    /// A path (`/token`), compared with the request URL's path (the host is not compared), or
    /// an absolute URL, compared with the request URL up to its path (query left out).
    target: String,
    answers: VecDeque<Answer>,
}

impl Route {
    fn matches(&self, method: Method, url: &WebUrl) -> bool {
        self.method == method
            && if self.target.starts_with('/') {
                url.path() == self.target
            } else {
                self.target
                    .strip_prefix(url.origin())
                    .is_some_and(|path| path == url.path())
            }
    }

    fn name(&self) -> String {
        format!("{} {}", self.method.as_str(), self.target)
    }
}

/// A platform with a deterministic random source, a settable clock, and answers queued per
/// route. `sleep` advances the clock and records the delay; locks are recorded (and `on_lock`
/// runs while "waiting" for one); broadcasts are recorded and reach siblings only when
/// `siblings` is set.
#[derive(Default)]
pub struct FakePlatform {
    pub now: Cell<u64>,
    counter: Cell<u8>,
    routes: RefCell<Vec<Route>>,
    /// Every request sent, in order.
    pub requests: RefCell<Vec<HttpRequest>>,
    /// How many signatures were checked.
    pub verifications: Cell<u32>,
    pub sleeps: RefCell<Vec<u64>>,
    pub locks: RefCell<Vec<String>>,
    pub held: Rc<Cell<u32>>,
    pub broadcasts: RefCell<Vec<String>>,
    pub siblings: Cell<bool>,
    pub on_lock: RefCell<Option<Hook>>,
    pub on_sleep: RefCell<Option<Hook>>,
    pub on_fetch: RefCell<Option<Hook>>,
    /// When set, every fetch is in flight across one suspension (run with
    /// [`super::block_on_yielding`]), and its start and end go to `fetch_log`: to see which
    /// requests overlap.
    pub slow_fetch: Cell<bool>,
    /// `"start GET /jwks"`, `"end GET /jwks"`... while `slow_fetch` is set.
    pub fetch_log: RefCell<Vec<String>>,
}

/// The answers of one route, to queue more on: see [`FakePlatform::on`].
pub struct Answers<'a> {
    platform: &'a FakePlatform,
    method: Method,
    target: String,
}

impl Answers<'_> {
    fn push(&self, answer: Answer) -> &Self {
        let mut routes = self.platform.routes.borrow_mut();
        let existing = routes
            .iter_mut()
            .find(|r| r.method == self.method && r.target == self.target);
        match existing {
            Some(route) => route.answers.push_back(answer),
            None => routes.push(Route {
                method: self.method,
                target: self.target.clone(),
                answers: VecDeque::from([answer]),
            }),
        }
        self
    }

    /// Queues a JSON response (`content-type: application/json`) with this status and body.
    pub fn respond(&self, status: u16, body: impl Display) -> &Self {
        self.respond_with(status, &[("content-type", "application/json")], body)
    }

    /// Queues a response with exactly these headers (names as the browser gives them:
    /// lower-case).
    pub fn respond_with(&self, status: u16, headers: &[(&str, &str)], body: impl Display) -> &Self {
        self.push(Ok(HttpResponse {
            status,
            headers: headers
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            body: body.to_string(),
        }))
    }

    /// Queues a network failure (what `fetch` rejects with when the server cannot be reached).
    pub fn fail_network(&self) -> &Self {
        self.push(Err(Error::Network(None)))
    }
}

impl FakePlatform {
    /// A platform whose clock reads `now` (ms since the Unix epoch).
    pub fn at(now: u64) -> Self {
        let p = FakePlatform::default();
        p.now.set(now);
        p
    }

    /// The route for `method` and `target`: a path such as `"/token"` (any host), or an
    /// absolute URL such as `"https://api.mypurecloud.ie/api/v2/tokens/me"` (that host only).
    pub fn on(&self, method: Method, target: &str) -> Answers<'_> {
        assert!(
            target.starts_with('/') || WebUrl::parse(target).is_ok(),
            "a route is a path or an absolute URL, not {target:?}"
        );
        assert!(!target.contains('?'), "routes do not match queries");
        Answers {
            platform: self,
            method,
            target: target.to_string(),
        }
    }

    /// The routes with answers still queued, as `"GET /jwks (1 left)"`.
    pub fn unanswered(&self) -> Vec<String> {
        self.routes
            .borrow()
            .iter()
            .filter(|r| !r.answers.is_empty())
            .map(|r| format!("{} ({} left)", r.name(), r.answers.len()))
            .collect()
    }

    /// The requests sent so far, in order, as `"POST http://127.0.0.1:9000/token"`.
    pub fn sent(&self) -> Vec<String> {
        self.requests
            .borrow()
            .iter()
            .map(|r| format!("{} {}", r.method.as_str(), r.url))
            .collect()
    }

    /// The form parameter `name` of request number `i`.
    pub fn form(&self, i: usize, name: &str) -> Option<String> {
        self.requests.borrow()[i]
            .form_params()
            .into_iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v)
    }

    /// The next answer for this request; panics, naming it, when none is queued.
    fn answer(&self, method: Method, url: &str) -> Answer {
        let parsed = WebUrl::parse(url)
            .unwrap_or_else(|_| panic!("the request URL {url:?} is not absolute"));
        let mut routes = self.routes.borrow_mut();
        let route = routes
            .iter_mut()
            .find(|r| r.matches(method, &parsed) && !r.answers.is_empty());
        match route {
            Some(route) => route.answers.pop_front().unwrap(),
            None => {
                drop(routes);
                let queued = self.unanswered();
                panic!(
                    "unexpected request: {} {url} (no answer queued for it; answers queued: {})",
                    method.as_str(),
                    if queued.is_empty() {
                        "none".to_string()
                    } else {
                        queued.join(", ")
                    }
                )
            }
        }
    }
}

impl Platform for FakePlatform {
    fn random_bytes(&self, buf: &mut [u8]) -> Result<(), Error> {
        let c = self.counter.get().wrapping_add(1);
        self.counter.set(c);
        for (i, b) in buf.iter_mut().enumerate() {
            *b = c.wrapping_mul(31).wrapping_add(i as u8);
        }
        Ok(())
    }

    async fn sha256(&self, data: &[u8]) -> Result<[u8; 32], Error> {
        Ok(Sha256::digest(data).into())
    }

    async fn fetch(&self, request: HttpRequest) -> Result<HttpResponse, Error> {
        let (method, url) = (request.method, request.url.clone());
        self.requests.borrow_mut().push(request);
        if self.slow_fetch.get() {
            let path = url
                .split('?')
                .next()
                .unwrap_or("")
                .rsplit('/')
                .next()
                .unwrap_or("");
            let what = format!("{} /{path}", method.as_str());
            self.fetch_log.borrow_mut().push(format!("start {what}"));
            super::YieldOnce(false).await;
            self.fetch_log.borrow_mut().push(format!("end {what}"));
        }
        if let Some(hook) = self.on_fetch.borrow_mut().take() {
            hook();
        }
        self.answer(method, &url)
    }

    async fn verify_signature(
        &self,
        alg: JwsAlg,
        key: &Jwk,
        signing_input: &[u8],
        signature: &[u8],
    ) -> Result<bool, Error> {
        self.verifications.set(self.verifications.get() + 1);
        keys::verify(alg, key, signing_input, signature)
    }

    async fn aes_gcm(
        &self,
        encrypt: bool,
        key: &ChannelKey,
        iv: &[u8; 12],
        aad: &[u8],
        data: &[u8],
    ) -> Result<Vec<u8>, Error> {
        let key = key.bytes().ok_or(Error::Platform("not an AES-256 key"))?;
        let done = if encrypt {
            keys::aes_gcm_seal(&key, iv, aad, data)
        } else {
            keys::aes_gcm_open(&key, iv, aad, data)
        };
        done.ok_or(Error::Platform("AES-GCM failed"))
    }

    fn now_ms(&self) -> u64 {
        self.now.get()
    }

    async fn sleep(&self, ms: u64) {
        self.sleeps.borrow_mut().push(ms);
        self.now.set(self.now.get() + ms);
        if let Some(hook) = self.on_sleep.borrow_mut().take() {
            hook();
        }
    }

    async fn lock(&self, name: &str) -> LockGuard {
        assert_eq!(self.held.get(), 0, "locks are not re-entered");
        self.locks.borrow_mut().push(name.to_string());
        if let Some(hook) = self.on_lock.borrow_mut().take() {
            hook();
        }
        self.held.set(1);
        let held = self.held.clone();
        LockGuard::new(move || held.set(0))
    }

    fn broadcast(&self, message: &str) -> bool {
        self.broadcasts.borrow_mut().push(message.to_string());
        self.siblings.get()
    }
}

impl<T: Platform> Platform for &T {
    fn random_bytes(&self, buf: &mut [u8]) -> Result<(), Error> {
        (**self).random_bytes(buf)
    }

    async fn sha256(&self, data: &[u8]) -> Result<[u8; 32], Error> {
        (**self).sha256(data).await
    }

    async fn fetch(&self, request: HttpRequest) -> Result<HttpResponse, Error> {
        (**self).fetch(request).await
    }

    async fn verify_signature(
        &self,
        alg: JwsAlg,
        key: &Jwk,
        signing_input: &[u8],
        signature: &[u8],
    ) -> Result<bool, Error> {
        (**self)
            .verify_signature(alg, key, signing_input, signature)
            .await
    }

    async fn aes_gcm(
        &self,
        encrypt: bool,
        key: &ChannelKey,
        iv: &[u8; 12],
        aad: &[u8],
        data: &[u8],
    ) -> Result<Vec<u8>, Error> {
        (**self).aes_gcm(encrypt, key, iv, aad, data).await
    }

    fn now_ms(&self) -> u64 {
        (**self).now_ms()
    }

    async fn sleep(&self, ms: u64) {
        (**self).sleep(ms).await
    }

    async fn lock(&self, name: &str) -> LockGuard {
        (**self).lock(name).await
    }

    fn broadcast(&self, message: &str) -> bool {
        (**self).broadcast(message)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::testing::block_on;
    use Method::{Delete, Get, Post};

    fn get(p: &FakePlatform, url: &str) -> Result<HttpResponse, Error> {
        let url = WebUrl::parse(url).unwrap();
        block_on(p.fetch(HttpRequest::get(&url, vec![])))
    }

    fn post(p: &FakePlatform, url: &str) -> Result<HttpResponse, Error> {
        let url = WebUrl::parse(url).unwrap();
        block_on(p.fetch(HttpRequest::form_post(&url, &[("a", "b")])))
    }

    #[test]
    fn answers_are_first_in_first_out_per_route_whatever_the_order_across_routes() {
        let p = FakePlatform::default();
        p.on(Post, "/token").respond(200, "first").fail_network();
        p.on(Get, "/jwks").respond(503, "");
        p.on(Post, "/token").respond(200, "third");
        assert_eq!(get(&p, "http://as.example/jwks").unwrap().status, 503);
        assert_eq!(post(&p, "http://as.example/token").unwrap().body, "first");
        assert_eq!(
            post(&p, "http://as.example/token"),
            Err(Error::Network(None))
        );
        assert_eq!(post(&p, "http://as.example/token").unwrap().body, "third");
        assert!(p.unanswered().is_empty());
        assert_eq!(
            p.sent(),
            [
                "GET http://as.example/jwks",
                "POST http://as.example/token",
                "POST http://as.example/token",
                "POST http://as.example/token",
            ]
        );
    }

    #[test]
    fn a_route_is_a_method_and_a_path_or_a_whole_url() {
        let p = FakePlatform::default();
        p.on(Delete, "https://api.example/api/v2/tokens/me")
            .respond(204, "");
        p.on(Get, "/me").respond(200, "{}");
        let me = WebUrl::parse("https://other.example/me?x=1").unwrap();
        let response = block_on(p.fetch(HttpRequest::get(&me, vec![]))).unwrap();
        assert_eq!(
            response.status, 200,
            "a path matches any host, query ignored"
        );
        assert_eq!(
            p.unanswered(),
            ["DELETE https://api.example/api/v2/tokens/me (1 left)"]
        );
        let mut delete = HttpRequest::get(
            &WebUrl::parse("https://api.example/api/v2/tokens/me").unwrap(),
            vec![],
        );
        delete.method = Delete;
        assert_eq!(block_on(p.fetch(delete)).unwrap().status, 204);
    }

    #[test]
    #[should_panic(
        expected = "unexpected request: POST http://as.example/token (no answer queued for it; \
                    answers queued: GET /token (1 left), POST https://elsewhere.example/token (1 left))"
    )]
    fn a_request_without_a_queued_answer_names_itself_and_the_queued_routes() {
        let p = FakePlatform::default();
        p.on(Get, "/token").respond(200, "{}");
        p.on(Post, "https://elsewhere.example/token")
            .respond(200, "{}");
        let _ = post(&p, "http://as.example/token");
    }

    #[test]
    #[should_panic(
        expected = "unexpected request: GET http://as.example/jwks (no answer queued \
                               for it; answers queued: none)"
    )]
    fn a_route_whose_answers_are_used_up_fails_the_next_request() {
        let p = FakePlatform::default();
        p.on(Get, "/jwks").respond(200, "{}");
        get(&p, "http://as.example/jwks").unwrap();
        let _ = get(&p, "http://as.example/jwks");
    }
}
