//! Test doubles for the core: a fake platform with a programmable token endpoint and clock.

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::future::Future;
use std::pin::pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

use sha2::{Digest, Sha256};

use super::client::Platform;
use super::error::Error;
use super::http::{HttpRequest, HttpResponse};
use super::tabs::LockGuard;

/// Runs a future whose awaits all complete at once (the fake platform never waits).
pub fn block_on<F: Future>(fut: F) -> F::Output {
    let mut fut = pin!(fut);
    let mut cx = Context::from_waker(Waker::noop());
    match fut.as_mut().poll(&mut cx) {
        Poll::Ready(v) => v,
        Poll::Pending => panic!("the fake platform never suspends"),
    }
}

/// A hook run by the fake platform at a point of the flow (simulates a sibling tab).
pub type Hook = Box<dyn FnOnce()>;

/// A platform with a deterministic random source, a settable clock, and queued responses.
/// `sleep` advances the clock and records the delay; locks are recorded (and `on_lock` runs
/// while "waiting" for one); broadcasts are recorded and reach siblings only when
/// `siblings` is set.
#[derive(Default)]
pub struct FakePlatform {
    pub now: Cell<u64>,
    counter: Cell<u8>,
    pub responses: RefCell<VecDeque<Result<HttpResponse, Error>>>,
    pub requests: RefCell<Vec<HttpRequest>>,
    pub sleeps: RefCell<Vec<u64>>,
    pub locks: RefCell<Vec<String>>,
    pub held: Rc<Cell<u32>>,
    pub broadcasts: RefCell<Vec<String>>,
    pub siblings: Cell<bool>,
    pub on_lock: RefCell<Option<Hook>>,
    pub on_sleep: RefCell<Option<Hook>>,
    pub on_fetch: RefCell<Option<Hook>>,
}

impl FakePlatform {
    pub fn at(now: u64) -> Self {
        let p = FakePlatform::default();
        p.now.set(now);
        p
    }

    pub fn respond(&self, status: u16, body: &str) {
        self.responses.borrow_mut().push_back(Ok(HttpResponse {
            status,
            headers: vec![("content-type".into(), "application/json".into())],
            body: body.into(),
        }));
    }

    pub fn fail_network(&self) {
        self.responses.borrow_mut().push_back(Err(Error::Network));
    }

    /// Queues a response with extra headers.
    pub fn respond_with(&self, status: u16, headers: &[(&str, &str)], body: &str) {
        self.responses.borrow_mut().push_back(Ok(HttpResponse {
            status,
            headers: headers
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            body: body.into(),
        }));
    }

    /// The form parameter `name` of request number `i`.
    pub fn form(&self, i: usize, name: &str) -> Option<String> {
        self.requests.borrow()[i]
            .form_params()
            .into_iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v)
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
        self.requests.borrow_mut().push(request);
        if let Some(hook) = self.on_fetch.borrow_mut().take() {
            hook();
        }
        self.responses
            .borrow_mut()
            .pop_front()
            .expect("an unexpected request was sent")
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
