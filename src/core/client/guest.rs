//! Guest tokens carried out ([`GuestTokens`]): one fetch cycle at a time however many callers
//! wait, retries with backoff and `Retry-After` ([`retry_decision`], at most three requests a
//! cycle), optional verification with the ID token's code ([`verify_id_token`]), the
//! schedule's steps, and the events. The token lives in this struct and nowhere else: no
//! storage, no URL, no log line, no event payload.

use std::cell::RefCell;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

use super::oidc::verify_id_token;
use crate::core::cache::DocumentCache;
use crate::core::error::{Error, GuestTokenError};
use crate::core::guest::{
    guest_refresh_at, guest_token_request, is_usable, next_guest_step,
    process_guest_token_response, GuestEvent, GuestFailures, GuestOptions, GuestStep, GuestTimes,
    GuestToken,
};
use crate::core::oauth::DEFAULT_CLOCK_TOLERANCE_S;
use crate::core::oidc::IdTokenCheck;
use crate::core::platform::Platform;
use crate::core::secret::{GuestJwt, IdToken};
use crate::core::session::{retry_decision, Retry, MAX_WAIT_MS};

/// The app's `body()`: the request body's JSON text for each request (`None`: `{}`).
pub type GuestBody = Box<dyn Fn() -> Result<Option<String>, Error>>;
/// Where events go (the browser layer calls the app's handlers at once).
pub type GuestSink = Box<dyn Fn(GuestEvent)>;

/// The token held.
struct Held {
    jwt: GuestJwt,
    times: GuestTimes,
}

/// Memory only, per source.
#[derive(Default)]
struct State {
    held: Option<Held>,
    failures: GuestFailures,
    /// How many tokens came so far.
    tokens: u32,
    in_flight: bool,
    stopped: bool,
    /// Counts finished cycles (and `stop()`): a waiter wakes when it changes.
    generation: u32,
    /// How the last cycle ended, for the callers that waited on it: its error shared, not
    /// cloned (no `Error::clone` in the .wasm: size).
    outcome: Option<Result<(), Rc<Error>>>,
    waiters: Vec<Waker>,
}

/// A source of guest tokens for one endpoint: see `GuestTokenSource` in the README.
pub struct GuestTokens<P: Platform> {
    options: GuestOptions,
    platform: P,
    documents: Rc<DocumentCache>,
    body: GuestBody,
    sink: GuestSink,
    state: RefCell<State>,
}

/// Resolves when the cycle running at `generation` has ended.
struct CycleEnded<'a> {
    state: &'a RefCell<State>,
    generation: u32,
}

impl Future for CycleEnded<'_> {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let mut s = self.state.borrow_mut();
        if s.generation != self.generation {
            return Poll::Ready(());
        }
        s.waiters.push(cx.waker().clone());
        Poll::Pending
    }
}

fn stopped() -> Error {
    GuestTokenError::Stopped.into()
}

/// `tokenExpired` for `error`, with the expiry of the token still held (if any) and the time of
/// the next automatic cycle.
fn expired(error: &Error, expires_at: Option<u64>, retry_at: u64) -> GuestEvent {
    GuestEvent::Expired {
        code: error.code(),
        status: error.http_status(),
        retry_after: error.retry_after(),
        expires_at,
        retry_at,
    }
}

impl<P: Platform> GuestTokens<P> {
    /// A source fetching from `options.endpoint` (absolute by now) with the request body
    /// `body` gives, telling `sink` what happens. Nothing is fetched until
    /// [`GuestTokens::tick`] or [`GuestTokens::get_token`]. JWK Sets come from `documents`.
    pub fn new(
        options: GuestOptions,
        platform: P,
        documents: Rc<DocumentCache>,
        body: GuestBody,
        sink: GuestSink,
    ) -> Self {
        GuestTokens {
            options,
            platform,
            documents,
            body,
            sink,
            state: RefCell::default(),
        }
    }

    /// The platform.
    pub fn platform(&self) -> &P {
        &self.platform
    }

    /// The token held, if it has not expired (for an `onToken` handler added late).
    pub fn current(&self) -> Option<GuestJwt> {
        let now = self.platform.now_ms();
        let s = self.state.borrow();
        s.held
            .as_ref()
            .filter(|h| now < h.times.expires_at)
            .map(|h| h.jwt.clone())
    }

    /// A token valid for at least `minValidity` (or half its lifetime when that is shorter):
    /// the one held, else a new one. However many callers ask at once, one cycle runs and
    /// they all get its outcome (the one error of a failed cycle, shared). After a failed
    /// cycle a new call tries again at once.
    pub async fn get_token(&self) -> Result<GuestJwt, Rc<Error>> {
        let now = self.platform.now_ms();
        let (in_flight, generation) = {
            let s = self.state.borrow();
            if s.stopped {
                return Err(Rc::new(stopped()));
            }
            if let Some(h) = &s.held {
                if is_usable(&h.times, self.options.min_validity_ms, now) {
                    return Ok(h.jwt.clone());
                }
            }
            (s.in_flight, s.generation)
        };
        if in_flight {
            CycleEnded {
                state: &self.state,
                generation,
            }
            .await;
        } else {
            self.run_cycle().await?;
        }
        if let Some(Err(e)) = &self.state.borrow().outcome {
            return Err(e.clone());
        }
        // Fresh from the cycle: handed out even below minValidity, it is the newest there is.
        self.current()
            .ok_or_else(|| Rc::new(GuestTokenError::Invalid("its exp is already past").into()))
    }

    fn step(&self) -> GuestStep {
        let s = self.state.borrow();
        if s.stopped || s.in_flight {
            return GuestStep::Wait(None);
        }
        next_guest_step(
            s.held.as_ref().map(|h| h.times),
            s.failures,
            self.options.refresh_lead_ms,
            self.platform.now_ms(),
        )
    }

    /// When to call [`GuestTokens::tick`] next (browser clock, ms): `None` when nothing is
    /// scheduled (stopped, or a cycle running: its end asks again), now when something is due.
    pub fn next_wake(&self) -> Option<u64> {
        match self.step() {
            GuestStep::Wait(at) => at,
            _ => Some(self.platform.now_ms()),
        }
    }

    /// Does what is due: fetch (the first token, a refresh, or a retry after the cooldown of
    /// a failed cycle) or forget an expired token. Call it from a timer and when the tab wakes.
    pub async fn tick(&self) {
        for _ in 0..3 {
            match self.step() {
                GuestStep::Wait(_) => return,
                GuestStep::Forget => self.forget(),
                GuestStep::Fetch => {
                    // A failure is reported by `tokenExpired` and paces the next cycle.
                    let _ = self.run_cycle().await;
                }
            }
        }
    }

    /// Forgets the held token at its expiry. When the last cycle failed, no token is left:
    /// `tokenExpired` again, now with no `expiresAt` (after a sleep without failures, the
    /// next step fetches at once instead).
    fn forget(&self) {
        let event = {
            let mut s = self.state.borrow_mut();
            s.held = None;
            match (&s.outcome, s.failures.count) {
                (Some(Err(e)), 1..) => Some(expired(e, None, s.failures.retry_at)),
                _ => None,
            }
        };
        if let Some(event) = event {
            (self.sink)(event);
        }
    }

    /// Stops for good: forgets the token, ends automatic fetching, and makes every waiting
    /// and later `get_token` fail with `guest_token_failed` (a cycle in flight is discarded).
    pub fn stop(&self) {
        let waiters = {
            let mut s = self.state.borrow_mut();
            s.stopped = true;
            s.held = None;
            s.generation = s.generation.wrapping_add(1);
            s.outcome = Some(Err(Rc::new(stopped())));
            std::mem::take(&mut s.waiters)
        };
        waiters.into_iter().for_each(Waker::wake);
    }

    /// One cycle: `tokenExpiring` (when a token is held) before the first request, up to three
    /// requests, then the token in (`onToken`, then `tokenRefreshed`) or `tokenExpired`; the
    /// callers waiting on the cycle wake.
    async fn run_cycle(&self) -> Result<(), Rc<Error>> {
        self.begin_cycle();
        let result = self.fetch_with_retries().await;
        self.end_cycle(result)
    }
    fn begin_cycle(&self) {
        let expiring = {
            let mut s = self.state.borrow_mut();
            s.in_flight = true;
            s.held.as_ref().map(|h| h.times.expires_at)
        };
        if let Some(expires_at) = expiring {
            let now = self.platform.now_ms();
            (self.sink)(GuestEvent::Expiring {
                expires_at,
                seconds_left: expires_at.saturating_sub(now) / 1000,
            });
        }
    }
    fn end_cycle(&self, result: Result<GuestToken, Error>) -> Result<(), Rc<Error>> {
        let now = self.platform.now_ms();
        let mut s = self.state.borrow_mut();
        s.in_flight = false;
        s.generation = s.generation.wrapping_add(1);
        let (token, event, outcome) = match result {
            _ if s.stopped => (None, None, Err(Rc::new(stopped()))),
            Ok(token) => {
                let times = GuestTimes {
                    issued_at: token.issued_at,
                    expires_at: token.expires_at,
                    received_at: now,
                };
                let event = GuestEvent::Refreshed {
                    expires_at: times.expires_at,
                    refresh_at: guest_refresh_at(&times, self.options.refresh_lead_ms),
                    refresh_count: s.tokens,
                    last_refresh_at: now,
                };
                s.tokens = s.tokens.saturating_add(1);
                s.failures = GuestFailures::default();
                s.held = Some(Held {
                    jwt: token.jwt.clone(),
                    times,
                });
                (Some(token.jwt), Some(event), Ok(()))
            }
            Err(e) => {
                s.failures.record(now, e.retry_after());
                if s.held.as_ref().is_some_and(|h| now >= h.times.expires_at) {
                    s.held = None;
                }
                let still = s.held.as_ref().map(|h| h.times.expires_at);
                let event = expired(&e, still, s.failures.retry_at);
                (None, Some(event), Err(Rc::new(e)))
            }
        };
        s.outcome = Some(outcome.clone());
        let waiters = std::mem::take(&mut s.waiters);
        drop(s);
        if let Some(jwt) = token {
            (self.sink)(GuestEvent::Token(jwt));
        }
        if let Some(event) = event {
            (self.sink)(event);
        }
        waiters.into_iter().for_each(Waker::wake);
        outcome
    }

    fn random_u32(&self) -> Result<u32, Error> {
        let mut b = [0u8; 4];
        self.platform.random_bytes(&mut b)?;
        Ok(u32::from_le_bytes(b))
    }

    /// Up to three requests: a network failure, a 429, a 408 or a 5xx is retried after the
    /// jittered backoff or the server's `Retry-After`, whichever is longer. A `Retry-After`
    /// longer than [`MAX_WAIT_MS`] ends the cycle at once (no caller waits that long; the
    /// next automatic cycle honours it).
    async fn fetch_with_retries(&self) -> Result<GuestToken, Error> {
        let mut attempt = 1;
        loop {
            let result = self.attempt().await;
            if self.state.borrow().stopped {
                return Err(stopped());
            }
            let error = match result {
                Ok(token) => return Ok(token),
                Err(e) => e,
            };
            let too_long = error
                .retry_after()
                .is_some_and(|s| s.saturating_mul(1000) > MAX_WAIT_MS);
            match retry_decision(&error, attempt, self.random_u32()?) {
                Retry::After(ms) if !too_long => self.platform.sleep(ms).await,
                _ => return Err(error),
            }
            attempt += 1;
        }
    }

    /// One request, its answer read, and the token verified when that is configured.
    async fn attempt(&self) -> Result<GuestToken, Error> {
        let current = self.current();
        let request = guest_token_request(&self.options, (self.body)()?, current.as_ref())?;
        let response = self.platform.fetch(request).await?;
        let token = process_guest_token_response(&response, self.platform.now_ms())?;
        if let Some(v) = &self.options.verification {
            // The ID token's checks: signature with the JWK Set's key, iss, aud (the
            // audience stands where an ID token has the client id), azp, exp, iat, nbf.
            let check = IdTokenCheck {
                issuer: &v.issuer,
                client_id: &v.audience,
                nonce: None,
                max_age: None,
                now_ms: token.server_now_ms,
                tolerance_s: DEFAULT_CLOCK_TOLERANCE_S,
            };
            let jwt = IdToken::new(token.jwt.secret());
            verify_id_token(&self.platform, &self.documents, &v.jwks_uri, &jwt, &check)
                .await
                .map_err(|e| match e {
                    Error::IdToken(e) => GuestTokenError::Unverified(e).into(),
                    other => other,
                })?;
        }
        Ok(token)
    }
}
