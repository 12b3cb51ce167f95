//! The native tests' fixture, one for every suite (as oauth2-rs's `src/tests.rs` has one
//! `new_client()`):
//!
//! - [`FakePlatform`] (`platform`): a fake platform that answers by method and path and
//!   names the request it did not expect, with a settable clock, recorded locks, sleeps and
//!   broadcasts, and RustCrypto signature checks;
//! - [`TestTab`] (`tab`): one browser tab (a platform, its storage, the page's document
//!   cache, a configuration) with `login()`, `duplicate()` and readers of what is stored, on
//!   the shared configurations ([`generic_config`], [`openid_config`], ...);
//! - [`Peer`] (`channel`): another document on the tab channel, sealing and opening with
//!   RustCrypto (a sibling holding a token, or an attacker);
//! - `builders`: token responses, ID-token claims, JWK Sets and discovery documents;
//! - `keys`: the provider's signing keys, made deterministically.
//!
//! `unwrap_err()` needs a `Debug` of the value, which a value holding a secret must not have
//! (`MessengerAuthCode`, `ValidatedCallback`, ...): [`err`] takes the error out without one.

mod builders;
mod channel;
pub mod keys;
mod platform;
mod tab;

pub use builders::*;
pub use channel::*;
pub use platform::FakePlatform;
pub use tab::*;

use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll, Waker};

/// Runs a future whose awaits all complete at once (the fake platform never waits).
pub fn block_on<F: Future>(fut: F) -> F::Output {
    let mut fut = pin!(fut);
    let mut cx = Context::from_waker(Waker::noop());
    match fut.as_mut().poll(&mut cx) {
        Poll::Ready(v) => v,
        Poll::Pending => panic!("the fake platform never suspends"),
    }
}

/// Runs a future that may suspend (a [`FakePlatform`] with `slow_fetch`), polling it until
/// it is done.
pub fn block_on_yielding<F: Future>(fut: F) -> F::Output {
    let mut fut = pin!(fut);
    let mut cx = Context::from_waker(Waker::noop());
    for _ in 0..10_000 {
        if let Poll::Ready(v) = fut.as_mut().poll(&mut cx) {
            return v;
        }
    }
    panic!("the future never finished")
}

/// A future that is pending once, then ready.
pub(crate) struct YieldOnce(pub(crate) bool);

impl Future for YieldOnce {
    type Output = ();
    fn poll(mut self: std::pin::Pin<&mut Self>, _: &mut Context<'_>) -> Poll<()> {
        if self.0 {
            Poll::Ready(())
        } else {
            self.0 = true;
            Poll::Pending
        }
    }
}

/// An unsigned JWT with the given payload (the signature part is junk: never checked).
pub fn jwt(payload: &str) -> String {
    format!(
        "{}.{}.c2ln",
        crate::core::b64::encode_url(br#"{"alg":"RS256"}"#),
        crate::core::b64::encode_url(payload.as_bytes())
    )
}

/// The error of an `Err`, for a value that has no `Debug` (so `unwrap_err()` is not
/// available); panics, without printing the value, on `Ok`.
#[track_caller]
pub fn err<T, E>(result: Result<T, E>) -> E {
    match result {
        Ok(_) => panic!("expected an error, got Ok"),
        Err(e) => e,
    }
}
