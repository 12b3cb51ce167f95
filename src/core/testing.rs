//! Test doubles for the core: a fake platform with a programmable token endpoint and clock.

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll, Waker};

use sha2::{Digest, Sha256};

use super::client::Platform;
use super::error::Error;
use super::http::{HttpRequest, HttpResponse};

/// Runs a future whose awaits all complete at once (the fake platform never waits).
pub fn block_on<F: Future>(fut: F) -> F::Output {
    let mut fut = pin!(fut);
    let mut cx = Context::from_waker(Waker::noop());
    match fut.as_mut().poll(&mut cx) {
        Poll::Ready(v) => v,
        Poll::Pending => panic!("the fake platform never suspends"),
    }
}

/// A platform with a deterministic random source, a settable clock, and queued responses.
#[derive(Default)]
pub struct FakePlatform {
    pub now: Cell<u64>,
    counter: Cell<u8>,
    pub responses: RefCell<VecDeque<Result<HttpResponse, Error>>>,
    pub requests: RefCell<Vec<HttpRequest>>,
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
        self.responses
            .borrow_mut()
            .pop_front()
            .expect("an unexpected request was sent")
    }

    fn now_ms(&self) -> u64 {
        self.now.get()
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
}
