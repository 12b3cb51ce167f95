//! Guest tokens carried out, on the fake platform: the first token and the refresh before
//! `exp` (events in order, the same guest kept), `getToken()` and `minValidity`, retries
//! (429 with `Retry-After` in each form, 5xx, no answer) with at most three requests a cycle,
//! one request however many callers wait, verification with the ID token's code, wake-ups.

use std::cell::{Cell, RefCell};
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

use serde_json::json;

use crate::core::testing::{block_on, jwk_set, jwt, keys::test_keys, FakePlatform, T0};
use crate::core::Method::{Get, Post};
use crate::core::*;

const ENDPOINT: &str = "http://127.0.0.1:9100/api/internal/guest-token";
const PATH: &str = "/api/internal/guest-token";
const NOW_S: u64 = T0 / 1000;
const GUEST_ISSUER: &str = "http://127.0.0.1:9000/api/v2/webchat/guest";
const AUDIENCE: &str = "http://127.0.0.1:9000/api/webchat/messages";

/// What a test sees of a source: the events by name (the token's delivery as `token:<jwt>`)
/// with their payloads, and how often `body()` ran.
#[derive(Default)]
struct Seen {
    events: RefCell<Vec<(String, String)>>,
    bodies: Cell<u32>,
}

impl Seen {
    fn names(&self) -> Vec<String> {
        self.events
            .borrow()
            .iter()
            .map(|(n, _)| n.clone())
            .collect()
    }

    fn payload(&self, name: &str) -> serde_json::Value {
        let events = self.events.borrow();
        let (_, p) = events.iter().rev().find(|(n, _)| n == name).expect(name);
        serde_json::from_str(p).unwrap()
    }
}

fn source_with<P: Platform>(platform: P, extra: serde_json::Value) -> (GuestTokens<P>, Rc<Seen>) {
    let mut o = json!({ "endpoint": ENDPOINT, "body": null });
    for (k, v) in extra.as_object().unwrap() {
        o[k] = v.clone();
    }
    let options = GuestOptions::from_json(&json::parse(&o.to_string()).unwrap())
        .unwrap()
        .with_endpoint(ENDPOINT)
        .unwrap();
    let seen = Rc::new(Seen::default());
    let (s1, s2) = (seen.clone(), seen.clone());
    let source = GuestTokens::new(
        options,
        platform,
        Rc::default(),
        Box::new(move || {
            s1.bodies.set(s1.bodies.get() + 1);
            Ok(Some(r#"{"name":"Site Visitor"}"#.into()))
        }),
        Box::new(move |event| {
            let name = match (&event, event.name()) {
                (GuestEvent::Token(t), _) => ["token:", t.secret()].concat(),
                (_, Some(n)) => n.to_string(),
                _ => unreachable!(),
            };
            s2.events
                .borrow_mut()
                .push((name, event.payload().to_json()));
        }),
    );
    (source, seen)
}

fn source(platform: &FakePlatform) -> (GuestTokens<&FakePlatform>, Rc<Seen>) {
    source_with(platform, json!({}))
}

/// An unsigned guest JWT issued now (the fake clock's second) living `lifetime` seconds.
fn guest_jwt(p: &FakePlatform, lifetime: u64, tag: &str) -> String {
    let now = p.now.get() / 1000;
    jwt(&format!(
        r#"{{"iat":{now},"exp":{},"jti":"{tag}"}}"#,
        now + lifetime
    ))
}

fn token_answer(token: &str) -> String {
    json!({ "accessToken": token }).to_string()
}

fn code(e: &Error) -> &'static str {
    e.code()
}

#[test]
fn the_first_token_then_a_refresh_before_exp_that_keeps_the_guest() {
    let p = FakePlatform::at(T0);
    let first = guest_jwt(&p, 1800, "1");
    p.on(Post, PATH).respond(200, token_answer(&first));
    let (s, seen) = source(&p);
    assert_eq!(s.next_wake(), Some(T0), "the first token is due at once");
    block_on(s.tick());
    assert_eq!(p.sent(), [format!("POST {ENDPOINT}")]);
    assert_eq!(
        seen.names(),
        [format!("token:{first}"), "tokenRefreshed".into()],
        "the first token: to onToken, then tokenRefreshed"
    );
    assert_eq!(
        seen.payload("tokenRefreshed"),
        json!({"expiresAt": T0 + 1_800_000, "refreshAt": T0 + 1_200_000, "refreshCount": 0,
            "lastRefreshAt": T0})
    );
    {
        let r = &p.requests.borrow()[0];
        assert_eq!(r.header("content-type"), Some("application/json"));
        assert_eq!(r.header("authorization"), None);
        assert_eq!(r.body.as_deref(), Some(r#"{"name":"Site Visitor"}"#));
        assert_eq!(r.credentials, Credentials::Omit);
    }
    // Refreshed 600 s (the default lead) before exp, on the scheduler's own.
    let refresh_at = T0 + 1_200_000;
    assert_eq!(s.next_wake(), Some(refresh_at));
    p.now.set(refresh_at - 1);
    block_on(s.tick());
    assert_eq!(p.requests.borrow().len(), 1, "not yet");
    p.now.set(refresh_at);
    let second = guest_jwt(&p, 1800, "2");
    p.on(Post, PATH).respond(200, token_answer(&second));
    block_on(s.tick());
    assert_eq!(
        seen.names(),
        [
            format!("token:{first}"),
            "tokenRefreshed".into(),
            "tokenExpiring".into(),
            format!("token:{second}"),
            "tokenRefreshed".into()
        ],
        "tokenExpiring before the request, the token, then tokenRefreshed"
    );
    assert_eq!(
        seen.payload("tokenExpiring"),
        json!({"expiresAt": T0 + 1_800_000, "secondsLeft": 600})
    );
    assert_eq!(
        seen.payload("tokenRefreshed"),
        json!({"expiresAt": refresh_at + 1_800_000, "refreshAt": refresh_at + 1_200_000,
            "refreshCount": 1, "lastRefreshAt": refresh_at})
    );
    // The token held went along, so the endpoint keeps the same guest.
    assert_eq!(
        p.requests.borrow()[1].header("authorization"),
        Some(["Bearer ", first.as_str()].concat().as_str())
    );
    assert_eq!(seen.bodies.get(), 2, "body() runs for each request");
    assert_eq!(block_on(s.get_token()).unwrap().secret(), second);
    assert_eq!(p.requests.borrow().len(), 2, "the held token, no request");
    // No payload holds a token.
    for (name, payload) in seen.events.borrow().iter() {
        assert!(
            !payload.contains(&first) && !payload.contains(&second),
            "{name}: {payload}"
        );
    }
}

#[test]
fn get_token_fetches_when_the_held_token_is_below_min_validity() {
    let p = FakePlatform::at(T0);
    let (s, seen) = source_with(&p, json!({ "minValidity": 120, "refreshLeadSeconds": 60 }));
    let first = guest_jwt(&p, 600, "1");
    p.on(Post, PATH).respond(200, token_answer(&first));
    assert_eq!(block_on(s.get_token()).unwrap().secret(), first);
    p.now.set(T0 + 479_000);
    assert_eq!(
        block_on(s.get_token()).unwrap().secret(),
        first,
        "121 s left"
    );
    p.now.set(T0 + 480_000);
    let second = guest_jwt(&p, 600, "2");
    p.on(Post, PATH).respond(200, token_answer(&second));
    assert_eq!(
        block_on(s.get_token()).unwrap().secret(),
        second,
        "120 s left: too little"
    );
    assert_eq!(seen.names()[2], "tokenExpiring");
    assert!(p.unanswered().is_empty());
}

#[test]
fn a_429_is_waited_out_for_its_retry_after_in_each_form() {
    for (headers, body, wait_s) in [
        (vec![("retry-after", "2")], "{}", 2),
        (vec![], r#"{"error":"rate_limited","retryAfter":3}"#, 3),
        (
            vec![
                ("date", "Fri, 15 Jan 2027 08:00:00 GMT"),
                ("retry-after", "Fri, 15 Jan 2027 08:00:04 GMT"),
            ],
            "{}",
            4,
        ),
        (vec![("retry-after", "2")], r#"{"retryAfter":2}"#, 2),
    ] {
        let p = FakePlatform::at(T0);
        p.on(Post, PATH).respond_with(429, &headers, body);
        let (s, seen) = source(&p);
        // The token is minted when the retry is answered, after the wait.
        let token = jwt(&format!(
            r#"{{"iat":{},"exp":{}}}"#,
            NOW_S + wait_s,
            NOW_S + wait_s + 60
        ));
        p.on(Post, PATH).respond(200, token_answer(&token));
        assert_eq!(block_on(s.get_token()).unwrap().secret(), token);
        assert_eq!(*p.sleeps.borrow(), [wait_s * 1000], "{headers:?} {body}");
        assert_eq!(p.requests.borrow().len(), 2);
        assert_eq!(
            seen.names(),
            [format!("token:{token}"), "tokenRefreshed".into()]
        );
    }
}

#[test]
fn three_attempts_a_cycle_then_token_expired_and_the_next_get_token_tries_again() {
    let p = FakePlatform::at(T0);
    let (s, seen) = source(&p);
    p.on(Post, PATH)
        .respond(503, r#"{"error":"temporarily_unavailable"}"#)
        .respond(502, r#"{"error":"upstream_failed","status":500}"#)
        .respond(503, "");
    let e = block_on(s.get_token()).unwrap_err();
    assert_eq!(
        (code(&e), e.http_status()),
        ("guest_token_failed", Some(503))
    );
    assert_eq!(p.requests.borrow().len(), MAX_ATTEMPTS as usize);
    let sleeps = p.sleeps.borrow().clone();
    assert_eq!(sleeps.len(), 2);
    assert!(
        (500..=1_000).contains(&sleeps[0]) && (1_000..=2_000).contains(&sleeps[1]),
        "{sleeps:?}"
    );
    assert_eq!(seen.names(), ["tokenExpired"]);
    let failed_at = p.now.get();
    assert_eq!(
        seen.payload("tokenExpired"),
        json!({"code": "guest_token_failed", "status": 503, "retryAfter": null,
            "expiresAt": null, "retryAt": failed_at + COOLDOWN_BASE_MS})
    );
    // Automatically again after the cooldown; getToken() at once.
    assert_eq!(s.next_wake(), Some(failed_at + COOLDOWN_BASE_MS));
    let token = guest_jwt(&p, 60, "1");
    p.on(Post, PATH).respond(200, token_answer(&token));
    assert_eq!(block_on(s.get_token()).unwrap().secret(), token);
    assert_eq!(p.requests.borrow().len(), 4);
    assert_eq!(
        seen.names()[1..],
        [format!("token:{token}"), "tokenRefreshed".into()]
    );
}

#[test]
fn what_another_attempt_cannot_fix_is_not_retried() {
    for (status, body, expected) in [
        (400, r#"{"error":"invalid_request"}"#, "guest_token_failed"),
        (
            403,
            r#"{"error":"origin_not_allowed"}"#,
            "guest_token_failed",
        ),
        (415, "{}", "guest_token_failed"),
        (200, r#"{"accessToken":"opaque"}"#, "guest_token_invalid"),
        (
            200,
            &token_answer(&jwt(r#"{"exp":1.5}"#)),
            "guest_token_invalid",
        ),
    ] {
        let p = FakePlatform::at(T0);
        p.on(Post, PATH).respond(status, body);
        let (s, seen) = source(&p);
        let e = block_on(s.get_token()).unwrap_err();
        assert_eq!(code(&e), expected, "{status} {body}");
        assert_eq!(p.requests.borrow().len(), 1, "{status} {body}: one request");
        assert!(p.sleeps.borrow().is_empty());
        assert_eq!(seen.names(), ["tokenExpired"]);
    }
}

#[test]
fn no_answer_is_retried_then_a_network_error() {
    let p = FakePlatform::at(T0);
    p.on(Post, PATH)
        .fail_network()
        .fail_network()
        .fail_network();
    let (s, _) = source(&p);
    assert_eq!(*block_on(s.get_token()).unwrap_err(), Error::Network(None));
    assert_eq!(p.requests.borrow().len(), 3);
}

#[test]
fn a_long_retry_after_ends_the_cycle_at_once_and_paces_the_next() {
    let p = FakePlatform::at(T0);
    p.on(Post, PATH)
        .respond_with(429, &[("retry-after", "120")], "{}");
    let (s, seen) = source(&p);
    let e = block_on(s.get_token()).unwrap_err();
    assert_eq!((code(&e), e.retry_after()), ("rate_limited", Some(120)));
    assert_eq!(p.requests.borrow().len(), 1, "no caller waits two minutes");
    assert_eq!(seen.payload("tokenExpired")["retryAfter"], 120);
    assert_eq!(s.next_wake(), Some(T0 + 120_000));
    p.now.set(T0 + 119_999);
    block_on(s.tick());
    assert_eq!(p.requests.borrow().len(), 1);
}

#[test]
fn a_failed_refresh_keeps_the_token_still_valid() {
    let p = FakePlatform::at(T0);
    let first = guest_jwt(&p, 1800, "1");
    p.on(Post, PATH).respond(200, token_answer(&first));
    let (s, seen) = source(&p);
    block_on(s.tick());
    p.now.set(T0 + 1_200_000);
    p.on(Post, PATH).respond(400, "{}");
    block_on(s.tick());
    assert_eq!(seen.names()[2..], ["tokenExpiring", "tokenExpired"]);
    assert_eq!(seen.payload("tokenExpired")["expiresAt"], T0 + 1_800_000);
    assert_eq!(
        block_on(s.get_token()).unwrap().secret(),
        first,
        "still valid for 10 minutes"
    );
    // Retried after the cooldown, then forgotten at exp if nothing worked.
    assert_eq!(s.next_wake(), Some(T0 + 1_200_000 + COOLDOWN_BASE_MS));
    p.now.set(T0 + 1_800_000);
    p.on(Post, PATH)
        .fail_network()
        .fail_network()
        .fail_network();
    block_on(s.tick());
    assert_eq!(s.current(), None, "the expired token is forgotten");
    assert_eq!(
        seen.names()[4..],
        ["tokenExpired", "tokenExpired"],
        "the token held ran out, then the next cycle failed"
    );
    assert_eq!(
        seen.payload("tokenExpired")["expiresAt"],
        serde_json::Value::Null
    );
    // The token held went along while it was valid; once expired, it is not sent.
    let reqs = p.requests.borrow();
    assert!(reqs[1].header("authorization").is_some());
    assert!(reqs[2..]
        .iter()
        .all(|r| r.header("authorization").is_none()));
}

#[test]
fn a_tab_woken_after_exp_forgets_the_token_and_starts_a_new_guest() {
    let p = FakePlatform::at(T0);
    let first = guest_jwt(&p, 60, "1");
    p.on(Post, PATH).respond(200, token_answer(&first));
    let (s, seen) = source(&p);
    block_on(s.tick());
    p.now.set(T0 + 3_600_000); // the laptop slept an hour: no timer fired
    let second = guest_jwt(&p, 60, "2");
    p.on(Post, PATH).respond(200, token_answer(&second));
    block_on(s.tick());
    assert_eq!(p.requests.borrow().len(), 2);
    assert_eq!(
        p.requests.borrow()[1].header("authorization"),
        None,
        "no expired token sent"
    );
    assert_eq!(
        seen.names()[2..],
        [format!("token:{second}"), "tokenRefreshed".into()]
    );
}

#[test]
fn a_body_function_that_fails_is_invalid_config_and_sends_nothing() {
    let p = FakePlatform::at(T0);
    let options =
        GuestOptions::from_json(&json::parse(&json!({"endpoint": ENDPOINT}).to_string()).unwrap())
            .unwrap()
            .with_endpoint(ENDPOINT)
            .unwrap();
    let s = GuestTokens::new(
        options,
        &p,
        Rc::default(),
        Box::new(|| Ok(Some("[1, 2]".into()))),
        Box::new(|_| {}),
    );
    assert_eq!(
        code(&block_on(s.get_token()).unwrap_err()),
        "invalid_config"
    );
    assert!(p.requests.borrow().is_empty());
}

// ---------------------------------------------------------------------------------------------
// One request however many callers wait

/// A platform whose `fetch` waits at a gate until the test opens it.
struct Gated<'a> {
    inner: &'a FakePlatform,
    open: Rc<Cell<bool>>,
}

struct Gate(Rc<Cell<bool>>);

impl Future for Gate {
    type Output = ();
    fn poll(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<()> {
        if self.0.get() {
            Poll::Ready(())
        } else {
            Poll::Pending
        }
    }
}

impl Platform for Gated<'_> {
    fn random_bytes(&self, buf: &mut [u8]) -> Result<(), Error> {
        self.inner.random_bytes(buf)
    }
    async fn sha256(&self, data: &[u8]) -> Result<[u8; 32], Error> {
        self.inner.sha256(data).await
    }
    async fn fetch(&self, request: HttpRequest) -> Result<HttpResponse, Error> {
        Gate(self.open.clone()).await;
        self.inner.fetch(request).await
    }
    async fn verify_signature(
        &self,
        alg: JwsAlg,
        key: &Jwk,
        input: &[u8],
        signature: &[u8],
    ) -> Result<bool, Error> {
        self.inner
            .verify_signature(alg, key, input, signature)
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
        self.inner.aes_gcm(encrypt, key, iv, aad, data).await
    }
    fn now_ms(&self) -> u64 {
        self.inner.now_ms()
    }
    async fn sleep(&self, ms: u64) {
        self.inner.sleep(ms).await
    }
    async fn lock(&self, name: &str) -> LockGuard {
        self.inner.lock(name).await
    }
    fn broadcast(&self, message: &str) -> bool {
        self.inner.broadcast(message)
    }
}

/// A `get_token` call in progress.
type Call<'a> = Pin<Box<dyn Future<Output = Result<GuestJwt, Rc<Error>>> + 'a>>;

/// Polls every future once (a no-op waker: the test decides when to poll again).
fn poll_all<T>(futures: &mut [Pin<Box<dyn Future<Output = T> + '_>>], done: &mut [Option<T>]) {
    let mut cx = Context::from_waker(Waker::noop());
    for (f, slot) in futures.iter_mut().zip(done.iter_mut()) {
        if slot.is_none() {
            if let Poll::Ready(v) = f.as_mut().poll(&mut cx) {
                *slot = Some(v);
            }
        }
    }
}

#[test]
fn one_request_however_many_callers_wait() {
    let p = FakePlatform::at(T0);
    let open = Rc::new(Cell::new(false));
    let (s, seen) = source_with(
        Gated {
            inner: &p,
            open: open.clone(),
        },
        json!({}),
    );
    let token = guest_jwt(&p, 60, "1");
    p.on(Post, PATH).respond(200, token_answer(&token));
    let mut calls: Vec<Call<'_>> = (0..5)
        .map(|_| Box::pin(s.get_token()) as Pin<Box<dyn Future<Output = _>>>)
        .collect();
    calls.push(Box::pin(async {
        s.tick().await;
        s.get_token().await
    }));
    let mut done: Vec<Option<Result<GuestJwt, Rc<Error>>>> =
        (0..calls.len()).map(|_| None).collect();
    poll_all(&mut calls, &mut done);
    assert!(
        done.iter().all(Option::is_none),
        "all wait on the one request"
    );
    assert_eq!(
        s.next_wake(),
        None,
        "a cycle is running: the timer waits for its end"
    );
    open.set(true);
    for _ in 0..3 {
        poll_all(&mut calls, &mut done);
    }
    for result in done {
        assert_eq!(result.unwrap().unwrap().secret(), token);
    }
    assert_eq!(p.requests.borrow().len(), 1, "one request for six callers");
    assert_eq!(
        seen.names(),
        [format!("token:{token}"), "tokenRefreshed".into()],
        "one token delivered once"
    );
}

#[test]
fn stop_fails_the_waiting_callers_and_discards_the_request_in_flight() {
    let p = FakePlatform::at(T0);
    let open = Rc::new(Cell::new(false));
    let (s, seen) = source_with(
        Gated {
            inner: &p,
            open: open.clone(),
        },
        json!({}),
    );
    p.on(Post, PATH)
        .respond(200, token_answer(&guest_jwt(&p, 60, "1")));
    let mut calls: Vec<Call<'_>> = (0..2)
        .map(|_| Box::pin(s.get_token()) as Pin<Box<dyn Future<Output = _>>>)
        .collect();
    let mut done: Vec<Option<Result<GuestJwt, Rc<Error>>>> = vec![None, None];
    poll_all(&mut calls, &mut done);
    s.stop();
    open.set(true);
    poll_all(&mut calls, &mut done);
    for result in done {
        assert_eq!(code(&result.unwrap().unwrap_err()), "guest_token_failed");
    }
    assert!(seen.names().is_empty(), "nothing is delivered after stop()");
    assert_eq!(s.current(), None);
    assert_eq!(s.next_wake(), None);
    assert_eq!(
        code(&block_on(s.get_token()).unwrap_err()),
        "guest_token_failed"
    );
}

// ---------------------------------------------------------------------------------------------
// Verification with the ID token's code

fn verifying(p: &FakePlatform) -> (GuestTokens<&FakePlatform>, Rc<Seen>) {
    source_with(
        p,
        json!({ "jwksUri": "http://127.0.0.1:9000/api/v2/webchat/guest/jwks",
            "issuer": GUEST_ISSUER, "audience": AUDIENCE }),
    )
}

fn signed(claims: serde_json::Value) -> String {
    test_keys().sign(JwsAlg::Rs256, "rsa", &claims)
}

fn guest_claims() -> serde_json::Value {
    json!({ "iss": GUEST_ISSUER, "aud": AUDIENCE, "sub": "guest-1", "iat": NOW_S,
        "exp": NOW_S + 1800, "webchat": { "guestId": "guest-1" } })
}

fn claims_with(key: &str, value: impl Into<serde_json::Value>) -> serde_json::Value {
    let mut c = guest_claims();
    c[key] = value.into();
    c
}

#[test]
fn with_jwks_uri_issuer_and_audience_the_token_is_verified() {
    let p = FakePlatform::at(T0);
    let token = signed(guest_claims());
    p.on(Post, PATH).respond(200, token_answer(&token));
    p.on(Get, "/api/v2/webchat/guest/jwks")
        .respond(200, jwk_set());
    let (s, _) = verifying(&p);
    assert_eq!(block_on(s.get_token()).unwrap().secret(), token);
    assert_eq!(p.verifications.get(), 1, "the signature was checked");
}

#[test]
fn a_token_that_fails_verification_is_guest_token_invalid() {
    let mut tampered = signed(guest_claims());
    tampered.pop();
    tampered.push('A');
    for (token, check) in [
        (signed(claims_with("aud", "someone-else")), "audience"),
        (
            signed(claims_with("iss", "https://elsewhere.example")),
            "issuer",
        ),
        (tampered, "signature"),
    ] {
        let p = FakePlatform::at(T0);
        p.on(Post, PATH).respond(200, token_answer(&token));
        p.on(Get, "/api/v2/webchat/guest/jwks")
            .respond(200, jwk_set());
        let (s, seen) = verifying(&p);
        let e = block_on(s.get_token()).unwrap_err();
        assert_eq!(code(&e), "guest_token_invalid", "{check}");
        assert!(
            e.message()
                .starts_with("the guest token failed verification"),
            "{check}"
        );
        assert!(!e.message().contains(&token));
        assert_eq!(p.requests.borrow().len(), 2, "{check}: not retried");
        assert_eq!(seen.names(), ["tokenExpired"]);
    }
}
