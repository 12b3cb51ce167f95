//! The session lifecycle against a fake platform: refresh and rotation, scheduling with an
//! injected clock (lead time, clock offset, sleep and wake), backoff, the 401 path, sibling
//! tabs, and logout.

use std::rc::Rc;

use sha2::{Digest, Sha256};

use crate::core::testing::{
    block_on, generic_config, genesys_config, jwt, open_as, openid_config, revocation_config,
    tokens, Peer, TestTab, ISSUER, T0,
};
use crate::core::Method::{Delete, Post};
use crate::core::*;

fn family(token: &str) -> String {
    family_id(&Sha256::digest(token.as_bytes()).into())
}

const HOUR: u64 = 3_600_000;

// The configurations are plain OAuth 2.0: the ID tokens below are unsigned stand-ins, never
// verified (OpenID Connect has its own tests in oidc.rs).

fn names(events: &[Event]) -> Vec<&'static str> {
    events.iter().map(Event::name).collect()
}

// ---------------------------------------------------------------------------------------------
// Refresh and rotation bookkeeping

#[test]
fn refresh_rotates_and_stores_the_new_refresh_token() {
    let tab = TestTab::new(generic_config());
    let c = tab.client();
    tab.login(&c, tokens("AT-1", Some("RT-1"), Some(3600)));
    tab.platform.now.set(T0 + 1000);
    tab.platform
        .on(Post, "/token")
        .respond(200, tokens("AT-2", Some("RT-2"), Some(3600)));
    assert_eq!(block_on(c.refresh()), Ok(RefreshOutcome::Refreshed));

    // The request: grant_type=refresh_token, the old token, client_id, no secret.
    let reqs = tab.platform.requests.borrow();
    assert_eq!(reqs.len(), 1);
    assert_eq!(reqs[0].url, "http://127.0.0.1:9000/token");
    let form = reqs[0].form_params();
    let keys: Vec<&str> = form.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(keys, ["grant_type", "refresh_token", "client_id"]);
    assert_eq!(tab.platform.form(0, "grant_type").unwrap(), "refresh_token");
    assert_eq!(tab.platform.form(0, "refresh_token").unwrap(), "RT-1");
    assert_eq!(tab.platform.form(0, "client_id").unwrap(), "demo");
    drop(reqs);

    // Under the family's lock, released afterwards.
    assert_eq!(
        *tab.platform.locks.borrow(),
        [format!("pixie:demo:refresh:{}", family("RT-1"))]
    );
    assert_eq!(tab.platform.held.get(), 0);
    assert!(
        !tab.platform.locks.borrow()[0].contains("RT-1"),
        "the lock is named by a hash"
    );

    let s = c.stored_session().unwrap();
    assert_eq!(s.access_token.secret(), "AT-2");
    assert_eq!(s.refresh_token.as_ref().unwrap().secret(), "RT-2");
    assert_eq!(s.expires_at, Some(T0 + 1000 + HOUR));
    assert_eq!(s.refresh_count, 1);
    assert_eq!(s.last_refresh_at, Some(T0 + 1000));
    assert_eq!(s.lineage, [family("RT-1")]);
    assert_eq!(s.scope.as_deref(), Some("profile"), "omitted scope kept");
    let summary = c.session().unwrap().summary();
    assert_eq!(summary.refresh_count, 1);
    assert_eq!(summary.last_refresh_at, Some(T0 + 1000));

    let events = c.take_events();
    assert_eq!(names(&events), ["tokenRefreshed"]);
    match &events[0] {
        Event::TokenRefreshed(e) => {
            assert!(e.rotated);
            assert_eq!(e.origin, Origin::ThisTab);
            assert_eq!(e.refresh_count, 1);
            assert_eq!(e.expires_at, Some(T0 + 1000 + HOUR));
        }
        other => panic!("{other:?}"),
    }
    // The new session went to the siblings, tagged with its family and the replaced one,
    // sealed under the replaced family's key (which the siblings hold).
    let sent = tab.platform.broadcasts.borrow();
    let Some(TabMessage::Refreshed { families, session }) = open_as("RT-1", sent.last().unwrap())
    else {
        panic!("no refreshed message")
    };
    assert_eq!(families, [family("RT-2"), family("RT-1")]);
    assert_eq!(session.access_token.secret(), "AT-2");
}

#[test]
fn refresh_without_a_new_refresh_token_keeps_the_old_one() {
    let tab = TestTab::new(openid_config());
    let c = tab.client();
    tab.login_openid(&c, tokens("AT-1", Some("RT-1"), Some(3600)), |_| {});
    tab.platform
        .on(Post, "/token")
        .respond(200, tokens("AT-2", None, Some(60)));
    block_on(c.refresh()).unwrap();
    let s = c.stored_session().unwrap();
    assert_eq!(s.access_token.secret(), "AT-2");
    assert_eq!(s.refresh_token.as_ref().unwrap().secret(), "RT-1");
    assert!(
        s.id_token.is_some(),
        "the ID token is kept for id_token_hint"
    );
    assert!(s.lineage.is_empty());
    assert!(matches!(&c.take_events()[0], Event::TokenRefreshed(e) if !e.rotated));
    // The same refresh token again, as the server did not rotate it.
    tab.platform
        .on(Post, "/token")
        .respond(200, tokens("AT-3", Some("RT-1"), Some(60)));
    block_on(c.refresh()).unwrap();
    assert_eq!(tab.platform.form(1, "refresh_token").unwrap(), "RT-1");
    assert!(c.stored_session().unwrap().lineage.is_empty());
    assert_eq!(c.stored_session().unwrap().refresh_count, 2);
}

#[test]
fn refresh_needs_a_session_and_a_refresh_token() {
    let tab = TestTab::new(generic_config());
    let c = tab.client();
    assert_eq!(block_on(c.refresh()).unwrap_err().code(), "login_required");
    tab.login(&c, tokens("AT-1", None, Some(3600)));
    assert_eq!(block_on(c.refresh()).unwrap_err(), Error::NoRefreshToken);
    assert_eq!(Error::NoRefreshToken.code(), "no_refresh_token");
    assert!(tab.platform.requests.borrow().is_empty());
}

// ---------------------------------------------------------------------------------------------
// Scheduling with an injected clock

#[test]
fn the_scheduler_refreshes_lead_before_expiry() {
    let tab = TestTab::new(generic_config());
    let c = tab.client();
    tab.login(&c, tokens("AT-1", Some("RT-1"), Some(3600)));
    assert_eq!(c.next_wake(), Some(T0 + HOUR - 60_000));
    tab.platform.now.set(T0 + HOUR - 60_001);
    block_on(c.tick());
    assert!(tab.platform.requests.borrow().is_empty(), "not yet");
    tab.platform.now.set(T0 + HOUR - 60_000);
    tab.platform
        .on(Post, "/token")
        .respond(200, tokens("AT-2", Some("RT-2"), Some(3600)));
    block_on(c.tick());
    assert_eq!(tab.platform.requests.borrow().len(), 1);
    assert_eq!(tab.stored_at().as_deref(), Some("AT-2"));
    assert_eq!(c.next_wake(), Some(T0 + 2 * HOUR - 120_000));
}

#[test]
fn the_refresh_lead_is_configurable() {
    let tab = TestTab::new(RawConfig {
        refresh_lead_seconds: Some(600),
        ..generic_config()
    });
    let c = tab.client();
    tab.login(&c, tokens("AT-1", Some("RT-1"), Some(3600)));
    assert_eq!(c.next_wake(), Some(T0 + HOUR - 600_000));
}

/// Logs in with the browser clock `skew_ms` ahead of the server's (negative: behind) and
/// returns when the refresh is scheduled, in SERVER time, and the real expiry.
fn scheduled_refresh_in_server_time(
    skew_ms: i64,
    headers: &[(&str, &str)],
    body: &dyn Fn(u64) -> String,
) -> (u64, u64) {
    let server_now = T0;
    let browser_now = (T0 as i64 + skew_ms) as u64;
    let tab = TestTab::new(generic_config());
    tab.platform.now.set(browser_now);
    let c = tab.client();
    tab.login_with(&c, headers, body(server_now / 1000));
    let due_browser = c.next_wake().unwrap();
    // The refresh also fires when a tick comes at that browser time.
    tab.platform.now.set(due_browser);
    assert_eq!(c.next_step(), Step::Refresh);
    ((due_browser as i64 - skew_ms) as u64, server_now + HOUR)
}

#[test]
fn a_browser_clock_ten_minutes_off_still_refreshes_before_real_expiry() {
    const TEN_MIN: i64 = 600_000;
    // A JWT access token with iat/exp and no expires_in: the offset comes from iat.
    let jwt_only = |iat: u64| {
        let at = jwt(&format!(r#"{{"iat":{iat},"exp":{}}}"#, iat + 3600));
        format!(r#"{{"access_token":"{at}","token_type":"Bearer","refresh_token":"RT"}}"#)
    };
    for skew in [TEN_MIN, -TEN_MIN, 0] {
        let (due, expiry) = scheduled_refresh_in_server_time(skew, &[], &jwt_only);
        assert_eq!(
            due,
            expiry - 60_000,
            "skew {skew}: refresh exactly 60 s before expiry"
        );
    }
    // Date header (1 s resolution) with expires_in.
    let date = [("date", "Fri, 15 Jan 2027 08:00:00 GMT")];
    let date_ms = crate::core::httpdate::parse_http_date(date[0].1).unwrap();
    let with_expires_in = |_| tokens("AT", Some("RT"), Some(3600));
    for skew in [TEN_MIN, -TEN_MIN] {
        let tab = TestTab::new(generic_config());
        let browser_now = (date_ms as i64 + skew) as u64;
        tab.platform.now.set(browser_now);
        let c = tab.client();
        tab.login_with(&c, &date, with_expires_in(0));
        let s = c.stored_session().unwrap();
        assert_eq!(s.clock_offset_ms, Some(-skew));
        assert_eq!(c.session().unwrap().summary().clock_offset_ms, Some(-skew));
        let due_server = (c.next_wake().unwrap() as i64 - skew) as u64;
        assert_eq!(due_server, date_ms + HOUR - 60_000);
    }
    // A JWT exp AND a Date header: the offset from Date translates exp.
    let (due, expiry) = scheduled_refresh_in_server_time(TEN_MIN, &[], &|iat| {
        let at = jwt(&format!(r#"{{"iat":{iat},"exp":{}}}"#, iat + 3600));
        format!(
            r#"{{"access_token":"{at}","token_type":"Bearer","refresh_token":"RT","expires_in":7200}}"#
        )
    });
    assert!(
        due < expiry,
        "the earlier of exp and expires_in wins: {due} < {expiry}"
    );
}

#[test]
fn a_due_time_that_passed_during_sleep_fires_at_once() {
    let tab = TestTab::new(generic_config());
    let c = tab.client();
    tab.login(&c, tokens("AT-1", Some("RT-1"), Some(3600)));
    // The laptop slept through the due time and the expiry.
    tab.platform.now.set(T0 + 5 * HOUR);
    assert_eq!(c.next_wake(), Some(T0 + 5 * HOUR));
    tab.platform
        .on(Post, "/token")
        .respond(200, tokens("AT-2", Some("RT-2"), Some(3600)));
    block_on(c.tick());
    assert_eq!(tab.platform.requests.borrow().len(), 1);
    assert!(c.is_authenticated());

    // Without a refresh token, waking after expiry ends the session.
    let tab = TestTab::new(generic_config());
    let c = tab.client();
    tab.login(&c, tokens("AT-1", None, Some(3600)));
    tab.platform.now.set(T0 + 5 * HOUR);
    block_on(c.tick());
    assert!(c.stored_session().is_none());
    assert_eq!(
        c.take_events(),
        [Event::session_expired(ExpiredReason::Expired)]
    );
    assert_eq!(c.next_wake(), None);
}

#[test]
fn without_a_refresh_token_the_app_is_warned_before_expiry() {
    let tab = TestTab::new(generic_config());
    let c = tab.client();
    tab.login(&c, tokens("AT-1", None, Some(3600)));
    let warn_at = T0 + HOUR - 300_000;
    assert_eq!(c.next_wake(), Some(warn_at));
    tab.platform.now.set(warn_at);
    block_on(c.tick());
    block_on(c.tick());
    let events = c.take_events();
    assert_eq!(names(&events), ["tokenExpiring"], "once per token");
    match &events[0] {
        Event::TokenExpiring(e) => {
            assert_eq!(e.expires_at, T0 + HOUR);
            assert_eq!(e.seconds_left, 300);
            assert!(!e.has_refresh_token);
        }
        other => panic!("{other:?}"),
    }
    assert!(c.is_authenticated(), "still usable until it expires");
    assert_eq!(c.next_wake(), Some(T0 + HOUR - EXPIRY_MARGIN_MS));
    tab.platform.now.set(T0 + HOUR - EXPIRY_MARGIN_MS);
    block_on(c.tick());
    assert_eq!(
        c.take_events(),
        [Event::session_expired(ExpiredReason::Expired)]
    );
    assert!(tab.platform.requests.borrow().is_empty());
}

// ---------------------------------------------------------------------------------------------
// Backoff

#[test]
fn transient_refresh_failures_are_retried_three_times_then_paced() {
    let tab = TestTab::new(generic_config());
    let c = tab.client();
    tab.login(&c, tokens("AT-1", Some("RT-1"), Some(3600)));
    let due = T0 + HOUR - 60_000;
    tab.platform.now.set(due);
    tab.platform.on(Post, "/token").respond(503, "");
    tab.platform.on(Post, "/token").respond_with(
        429,
        &[("retry-after", "4")],
        r#"{"error":"slow_down"}"#,
    );
    tab.platform.on(Post, "/token").fail_network();
    let e = block_on(c.refresh()).unwrap_err();
    assert_eq!(e, Error::Network(None));
    assert_eq!(tab.platform.requests.borrow().len(), MAX_ATTEMPTS as usize);
    let sleeps = tab.platform.sleeps.borrow().clone();
    assert_eq!(sleeps.len(), 2);
    assert!((500..=1_000).contains(&sleeps[0]), "{sleeps:?}");
    assert_eq!(sleeps[1], 4_000, "Retry-After honoured");
    // The session is kept; the next automatic attempt is paced, and the app is warned.
    let failed_at = tab.platform.now.get();
    assert_eq!(tab.stored_rt().as_deref(), Some("RT-1"));
    block_on(c.tick());
    assert!(
        names(&c.take_events()) == ["tokenExpiring"],
        "warned while refreshing fails"
    );
    assert_eq!(tab.platform.requests.borrow().len(), 3, "no request loop");
    assert_eq!(c.next_wake(), Some(failed_at + 15_000));
    tab.platform.now.set(failed_at + 15_000);
    tab.platform
        .on(Post, "/token")
        .respond(200, tokens("AT-2", Some("RT-2"), Some(3600)));
    block_on(c.tick());
    assert_eq!(tab.stored_at().as_deref(), Some("AT-2"));
}

#[test]
fn invalid_grant_ends_the_session_without_retry() {
    let tab = TestTab::new(generic_config());
    let c = tab.client();
    tab.login(&c, tokens("AT-1", Some("RT-1"), Some(3600)));
    tab.platform.on(Post, "/token").respond(
        400,
        r#"{"error":"invalid_grant","error_description":"RT-1 revoked"}"#,
    );
    let e = block_on(c.refresh()).unwrap_err();
    assert_eq!(e.code(), "login_required");
    assert_eq!(e.oauth_error(), Some("invalid_grant"));
    assert!(!e.to_string().contains("RT-1"));
    assert_eq!(tab.platform.requests.borrow().len(), 1);
    assert!(tab.platform.sleeps.borrow().is_empty());
    assert!(c.stored_session().is_none(), "session cleared");
    assert_eq!(
        c.take_events(),
        [Event::session_expired(ExpiredReason::RefreshRejected)]
    );
}

#[test]
fn a_refused_client_stops_automatic_refresh_but_keeps_the_session() {
    let tab = TestTab::new(generic_config());
    let c = tab.client();
    tab.login(&c, tokens("AT-1", Some("RT-1"), Some(3600)));
    tab.platform.now.set(T0 + HOUR - 60_000);
    tab.platform
        .on(Post, "/token")
        .respond(401, r#"{"error":"invalid_client"}"#);
    block_on(c.tick());
    assert_eq!(tab.platform.requests.borrow().len(), 1, "not retried");
    assert!(c.is_authenticated());
    assert_eq!(names(&c.take_events()), ["tokenExpiring"]);
    // No more refresh attempts: the session ends at expiry.
    tab.platform.now.set(T0 + HOUR);
    block_on(c.tick());
    assert_eq!(tab.platform.requests.borrow().len(), 1);
    assert_eq!(
        c.take_events(),
        [Event::session_expired(ExpiredReason::Expired)]
    );
    let e = Error::Refresh(crate::core::error::TokenError::OAuth {
        error: "invalid_client".into(),
        status: 401,
        retry_after: None,
    });
    assert_eq!(e.code(), "refresh_failed");
}

// ---------------------------------------------------------------------------------------------
// callApi: expired token, 401

#[test]
fn an_expired_token_is_refreshed_before_the_call() {
    let tab = TestTab::new(generic_config());
    let c = tab.client();
    tab.login(&c, tokens("AT-1", Some("RT-1"), Some(3600)));
    assert_eq!(block_on(c.api_token()).unwrap().secret(), "AT-1");
    assert!(tab.platform.requests.borrow().is_empty());
    tab.platform.now.set(T0 + HOUR);
    tab.platform
        .on(Post, "/token")
        .respond(200, tokens("AT-2", Some("RT-2"), Some(3600)));
    assert_eq!(block_on(c.api_token()).unwrap().secret(), "AT-2");

    // Without a refresh token: login_required, session ended, app told.
    let tab = TestTab::new(generic_config());
    let c = tab.client();
    tab.login(&c, tokens("AT-1", None, Some(3600)));
    tab.platform.now.set(T0 + HOUR);
    assert_eq!(
        block_on(c.api_token()).unwrap_err().code(),
        "login_required"
    );
    assert!(c.stored_session().is_none());
    assert_eq!(
        c.take_events(),
        [Event::session_expired(ExpiredReason::Expired)]
    );
}

#[test]
fn a_401_refreshes_once_and_retries_once() {
    let tab = TestTab::new(generic_config());
    let c = tab.client();
    tab.login(&c, tokens("AT-1", Some("RT-1"), Some(3600)));
    let used = AccessToken::new("AT-1");
    tab.platform
        .on(Post, "/token")
        .respond(200, tokens("AT-2", Some("RT-2"), Some(3600)));
    let retry_with = block_on(c.after_unauthorized(&used, false)).unwrap();
    assert_eq!(retry_with.secret(), "AT-2");
    assert_eq!(tab.platform.requests.borrow().len(), 1);
    // A concurrent call that also got a 401 with AT-1 picks up AT-2: no second refresh.
    let again = block_on(c.after_unauthorized(&used, false)).unwrap();
    assert_eq!(again.secret(), "AT-2");
    assert_eq!(tab.platform.requests.borrow().len(), 1);
    c.take_events();
    // The retry was refused too: the session ends.
    let e = block_on(c.after_unauthorized(&retry_with, true)).unwrap_err();
    assert_eq!(e.code(), "login_required");
    assert!(c.stored_session().is_none());
    assert_eq!(
        c.take_events(),
        [Event::session_expired(ExpiredReason::Unauthorized)]
    );

    // Without a refresh token a 401 ends the session at once.
    let tab = TestTab::new(generic_config());
    let c = tab.client();
    tab.login(&c, tokens("AT-1", None, Some(3600)));
    let e = block_on(c.after_unauthorized(&used, false)).unwrap_err();
    assert_eq!(e.code(), "login_required");
    assert!(c.stored_session().is_none());
    assert!(tab.platform.requests.borrow().is_empty());
}

/// The bearer tokens `call_api` sent, in order.
type SentTokens = Rc<std::cell::RefCell<Vec<String>>>;

/// The API as `call_api`'s send function sees it: answers each bearer token with a status.
fn api(
    answers: &[(&str, u16)],
) -> (
    impl AsyncFnMut(&AccessToken) -> Result<HttpResponse, Error>,
    SentTokens,
) {
    let answers: Vec<(String, u16)> = answers.iter().map(|(t, s)| (t.to_string(), *s)).collect();
    let sent = Rc::new(std::cell::RefCell::new(Vec::new()));
    let log = sent.clone();
    let send = async move |token: &AccessToken| {
        log.borrow_mut().push(token.secret().to_string());
        let status = answers
            .iter()
            .find(|(t, _)| t == token.secret())
            .map_or(401, |(_, s)| *s);
        Ok(HttpResponse {
            status,
            ..Default::default()
        })
    };
    (send, sent)
}

#[test]
fn call_api_retries_a_401_once_with_a_refreshed_token() {
    let tab = TestTab::new(generic_config());
    let c = tab.client();
    tab.login(&c, tokens("AT-1", Some("RT-1"), Some(3600)));
    tab.platform
        .on(Post, "/token")
        .respond(200, tokens("AT-2", Some("RT-2"), Some(3600)));
    let (send, sent) = api(&[("AT-1", 401), ("AT-2", 200)]);
    let response = block_on(c.call_api(send)).unwrap();
    assert_eq!(response.status, 200);
    assert_eq!(*sent.borrow(), ["AT-1", "AT-2"]);
    assert_eq!(tab.platform.requests.borrow().len(), 1, "one refresh");

    // Any other status is the app's: sent once, no refresh.
    let (send, sent) = api(&[("AT-2", 403)]);
    assert_eq!(block_on(c.call_api(send)).unwrap().status, 403);
    assert_eq!(*sent.borrow(), ["AT-2"]);

    // 401 on the retry too: login_required, the session ended, nothing sent a third time.
    tab.platform
        .on(Post, "/token")
        .respond(200, tokens("AT-3", Some("RT-3"), Some(3600)));
    let (send, sent) = api(&[]);
    assert_eq!(
        block_on(c.call_api(send)).unwrap_err().code(),
        "login_required"
    );
    assert_eq!(*sent.borrow(), ["AT-2", "AT-3"]);
    assert!(c.stored_session().is_none());

    // No session: nothing is sent.
    let (send, sent) = api(&[]);
    assert_eq!(
        block_on(c.call_api(send)).unwrap_err().code(),
        "login_required"
    );
    assert!(sent.borrow().is_empty());
}

#[test]
fn a_401_whose_refresh_is_rejected_requires_login() {
    let tab = TestTab::new(generic_config());
    let c = tab.client();
    tab.login(&c, tokens("AT-1", Some("RT-1"), Some(3600)));
    tab.platform
        .on(Post, "/token")
        .respond(400, r#"{"error":"invalid_grant"}"#);
    let e = block_on(c.after_unauthorized(&AccessToken::new("AT-1"), false)).unwrap_err();
    assert_eq!(e.code(), "login_required");
    assert!(c.stored_session().is_none());
}

#[test]
fn a_logout_during_the_refresh_request_wins() {
    let tab = TestTab::new(generic_config());
    let c = tab.client();
    tab.login(&c, tokens("AT-1", Some("RT-1"), Some(3600)));
    let (store, key) = (tab.sessions.clone(), tab.session_key());
    *tab.platform.on_fetch.borrow_mut() = Some(Box::new(move || {
        store.remove(&key).unwrap();
    }));
    tab.platform
        .on(Post, "/token")
        .respond(200, tokens("AT-2", Some("RT-2"), Some(3600)));
    assert_eq!(block_on(c.refresh()).unwrap_err().code(), "login_required");
    assert!(c.stored_session().is_none(), "not resurrected");
    assert!(c.take_events().is_empty());
}

// ---------------------------------------------------------------------------------------------
// Sibling tabs

#[test]
fn a_sibling_refreshed_while_this_tab_waited_for_the_lock() {
    let a = TestTab::new(generic_config());
    let ca = a.client();
    a.login(&ca, tokens("AT-1", Some("RT-1"), Some(3600)));
    let b = a.duplicate();
    let cb = b.client();
    // Tab A refreshes first.
    a.platform
        .on(Post, "/token")
        .respond(200, tokens("AT-2", Some("RT-2"), Some(3600)));
    block_on(ca.refresh()).unwrap();
    let shared = a.platform.broadcasts.borrow().last().unwrap().clone();
    // Tab B, waiting for the lock, receives A's message meanwhile.
    let (store, key) = (b.sessions.clone(), b.session_key());
    *b.platform.on_lock.borrow_mut() = Some(Box::new(move || {
        let Some(TabMessage::Refreshed { session, .. }) = open_as("RT-1", &shared) else {
            panic!()
        };
        store.set(&key, &session.to_json()).unwrap();
    }));
    assert_eq!(block_on(cb.refresh()), Ok(RefreshOutcome::AlreadyRefreshed));
    assert!(
        b.platform.requests.borrow().is_empty(),
        "RT-1 was not presented again"
    );
    assert_eq!(b.stored_rt().as_deref(), Some("RT-2"));
    assert_eq!(b.platform.held.get(), 0);
}

#[test]
fn inside_the_lock_a_tab_asks_its_siblings_first() {
    let a = TestTab::new(generic_config());
    let ca = a.client();
    a.login(&ca, tokens("AT-1", Some("RT-1"), Some(3600)));
    let b = a.duplicate();
    let cb = b.client();
    a.platform
        .on(Post, "/token")
        .respond(200, tokens("AT-2", Some("RT-2"), Some(3600)));
    block_on(ca.refresh()).unwrap();
    a.platform.broadcasts.borrow_mut().clear();

    // B (e.g. frozen while A refreshed) asks; A answers; B adopts during its short wait.
    b.platform.siblings.set(true);
    let answer: Rc<std::cell::RefCell<Option<String>>> = Rc::default();
    let slot = answer.clone();
    let (b_store, key) = (b.sessions.clone(), b.session_key());
    *b.platform.on_sleep.borrow_mut() = Some(Box::new(move || {
        let msg = slot.borrow().clone().expect("A answered");
        let Some(TabMessage::Refreshed { session, .. }) = open_as("RT-1", &msg) else {
            panic!()
        };
        b_store.set(&key, &session.to_json()).unwrap();
    }));
    // Deliver B's query to A before B sleeps: run B's refresh up to the query by hand.
    let query = TabMessage::Query {
        family: family("RT-1"),
    };
    let sealed = Peer::holding("RT-1").seal(&query, T0);
    assert_eq!(block_on(ca.receive_tab_message(&sealed)), Received::Applied);
    *answer.borrow_mut() = a.platform.broadcasts.borrow().last().cloned();
    assert_eq!(block_on(cb.refresh()), Ok(RefreshOutcome::AlreadyRefreshed));
    let posted = b.platform.broadcasts.borrow().clone();
    assert_eq!(posted.len(), 1, "B posted its query, and nothing else");
    assert!(
        matches!(open_as("RT-1", &posted[0]), Some(TabMessage::Query { family: f }) if f == family("RT-1"))
    );
    assert_eq!(*b.platform.sleeps.borrow(), [SIBLING_QUERY_MS]);
    assert!(b.platform.requests.borrow().is_empty());
    assert_eq!(b.stored_at().as_deref(), Some("AT-2"));
    // Without an answer, B waits the same short time and refreshes itself.
    let c3 = TestTab::new(generic_config());
    let cc = c3.client();
    c3.login(&cc, tokens("AT-1", Some("RT-9"), Some(3600)));
    c3.platform.siblings.set(true);
    c3.platform
        .on(Post, "/token")
        .respond(200, tokens("AT-2", Some("RT-10"), Some(3600)));
    assert_eq!(block_on(cc.refresh()), Ok(RefreshOutcome::Refreshed));
    assert_eq!(*c3.platform.sleeps.borrow(), [SIBLING_QUERY_MS]);
}

#[test]
fn siblings_adopt_a_refresh_of_their_family_only() {
    let a = TestTab::new(generic_config());
    let ca = a.client();
    a.login(&ca, tokens("AT-1", Some("RT-1"), Some(3600)));
    let b = a.duplicate();
    let cb = b.client();
    let unrelated = TestTab::new(generic_config());
    let cu = unrelated.client();
    unrelated.login(&cu, tokens("AT-X", Some("RT-X"), Some(3600)));

    a.platform.now.set(T0 + 10);
    a.platform
        .on(Post, "/token")
        .respond(200, tokens("AT-2", Some("RT-2"), Some(3600)));
    block_on(ca.refresh()).unwrap();
    let msg = a.platform.broadcasts.borrow().last().unwrap().clone();

    assert_eq!(block_on(cb.receive_tab_message(&msg)), Received::Applied);
    assert_eq!(b.stored_rt().as_deref(), Some("RT-2"));
    assert_eq!(b.stored_at().as_deref(), Some("AT-2"));
    let events = cb.take_events();
    assert!(
        matches!(&events[..], [Event::TokenRefreshed(e)] if e.origin == Origin::OtherTab && e.rotated && e.refresh_count == 1)
    );
    // B's next refresh presents RT-2, never the revoked RT-1.
    b.platform
        .on(Post, "/token")
        .respond(200, tokens("AT-3", Some("RT-3"), Some(3600)));
    block_on(cb.refresh()).unwrap();
    assert_eq!(b.platform.form(0, "refresh_token").unwrap(), "RT-2");

    assert_eq!(block_on(cu.receive_tab_message(&msg)), Received::Ignored);
    assert_eq!(unrelated.stored_rt().as_deref(), Some("RT-X"), "untouched");
    assert!(cu.take_events().is_empty());

    // A stale message (replayed, or arriving late) never rolls a tab back.
    assert_eq!(
        block_on(cb.receive_tab_message(&msg)),
        Received::Dropped(Dropped::Replayed)
    );
    assert_eq!(b.stored_rt().as_deref(), Some("RT-3"));
    // Junk on the channel is ignored.
    for junk in ["{\"hello\":{}}", "not json"] {
        assert_eq!(
            block_on(cb.receive_tab_message(junk)),
            Received::Dropped(Dropped::Malformed)
        );
    }
    assert_eq!(b.stored_rt().as_deref(), Some("RT-3"));
}

#[test]
fn a_query_is_answered_only_by_a_tab_of_the_family() {
    let a = TestTab::new(generic_config());
    let ca = a.client();
    a.login(&ca, tokens("AT-1", Some("RT-1"), Some(3600)));
    // A query sealed by a holder of `token`, about its family.
    let q = |token: &str| {
        let family = family(token);
        Peer::holding(token).seal(&TabMessage::Query { family }, T0)
    };
    assert_eq!(
        block_on(ca.receive_tab_message(&q("someone-else"))),
        Received::Ignored
    );
    assert!(a.platform.broadcasts.borrow().is_empty());
    assert_eq!(
        block_on(ca.receive_tab_message(&q("RT-1"))),
        Received::Applied
    );
    assert_eq!(a.platform.broadcasts.borrow().len(), 1);
}

#[test]
fn logout_in_one_tab_ends_its_siblings() {
    let a = TestTab::new(generic_config());
    let ca = a.client();
    a.login(&ca, tokens("AT-1", Some("RT-1"), Some(3600)));
    let b = a.duplicate();
    let cb = b.client();
    let unrelated = TestTab::new(generic_config());
    let cu = unrelated.client();
    unrelated.login(&cu, tokens("AT-X", Some("RT-X"), Some(3600)));
    // A rotates; B has not heard yet and still holds RT-1.
    a.platform
        .on(Post, "/token")
        .respond(200, tokens("AT-2", Some("RT-2"), Some(3600)));
    block_on(ca.refresh()).unwrap();
    a.platform.broadcasts.borrow_mut().clear();

    let outcome = block_on(ca.end_session(&LogoutOptions::default())).unwrap();
    assert_eq!(outcome.revocation, RevocationStatus::Skipped);
    // One message per family A can reach (RT-2's, and RT-1's from its lineage), each sealed
    // under that family's key.
    let sent = a.platform.broadcasts.borrow().clone();
    assert_eq!(sent.len(), 2);
    for msg in &sent {
        assert!(!msg.contains("RT-"), "no token in a logout message");
    }
    let received: Vec<Received> = sent
        .iter()
        .map(|msg| block_on(cb.receive_tab_message(msg)))
        .collect();
    assert_eq!(received, [Received::Ignored, Received::Applied]);
    assert!(cb.stored_session().is_none());
    assert_eq!(
        cb.take_events(),
        [Event::LoggedOut(crate::core::session::LoggedOut {
            origin: Origin::OtherTab
        })]
    );
    for msg in &sent {
        assert_eq!(block_on(cu.receive_tab_message(msg)), Received::Ignored);
    }
    assert!(cu.stored_session().is_some());
}

// ---------------------------------------------------------------------------------------------
// Logout

#[test]
fn logout_clears_storage_before_revoking_even_when_revocation_fails() {
    let tab = TestTab::new(revocation_config());
    let c = tab.client();
    tab.login(&c, tokens("AT-1", Some("RT-1"), Some(3600)));
    let (store, key) = (tab.sessions.clone(), tab.session_key());
    let seen_empty = Rc::new(std::cell::Cell::new(false));
    let flag = seen_empty.clone();
    *tab.platform.on_fetch.borrow_mut() = Some(Box::new(move || {
        flag.set(store.get(&key).unwrap().is_none());
    }));
    tab.platform.on(Post, "/revoke").respond(503, "");
    let outcome = block_on(c.end_session(&LogoutOptions::default())).unwrap();
    assert!(
        seen_empty.get(),
        "storage was empty when the revocation left"
    );
    assert_eq!(outcome.revocation, RevocationStatus::Failed);
    let e = outcome.error.unwrap();
    assert_eq!(e.code(), "revocation_failed");
    assert_eq!(e.http_status(), Some(503));
    assert!(c.stored_session().is_none());
    assert!(!c.has_pending_login());
    assert_eq!(names(&c.take_events()), ["loggedOut"]);
    assert_eq!(outcome.redirect_to, None);

    // The revocation request (RFC 7009 §2.1), not retried.
    let reqs = tab.platform.requests.borrow();
    assert_eq!(reqs.len(), 1);
    assert_eq!(reqs[0].method, Method::Post);
    assert_eq!(reqs[0].url, "http://127.0.0.1:9000/revoke");
    assert_eq!(
        reqs[0].body.as_deref(),
        Some("token=RT-1&token_type_hint=refresh_token&client_id=demo")
    );
}

#[test]
fn logout_revokes_and_redirects_to_end_session_with_id_token_hint() {
    let tab = TestTab::new(RawConfig {
        revocation_endpoint: Some(format!("{ISSUER}/revoke")),
        end_session_endpoint: Some(format!("{ISSUER}/session/end")),
        ..openid_config()
    });
    let c = tab.client();
    let id = tab.login_openid(&c, tokens("AT-1", None, Some(60)), |_| {});
    tab.platform.on(Post, "/revoke").respond(200, "");
    let options = LogoutOptions {
        redirect: true,
        return_to: Some("http://127.0.0.1:8080/bye".into()),
        send_id_token_hint: true,
    };
    let outcome = block_on(c.end_session(&options)).unwrap();
    assert_eq!(outcome.revocation, RevocationStatus::Revoked);
    assert!(outcome.error.is_none());
    assert_eq!(
        tab.platform.form(0, "token_type_hint").unwrap(),
        "access_token"
    );
    let url = outcome.redirect_to.unwrap();
    assert_eq!(url.path(), "/session/end");
    let q: Vec<(String, String)> = url.query_pairs().into_owned().collect();
    assert_eq!(q[0], ("id_token_hint".into(), id));
    assert_eq!(q[1], ("client_id".into(), "demo".into()));
    assert_eq!(
        q[2],
        (
            "post_logout_redirect_uri".into(),
            "http://127.0.0.1:8080/bye".into()
        )
    );
}

#[test]
fn genesys_logout_deletes_the_token_and_redirects() {
    let tab = TestTab::new(genesys_config());
    let c = tab.client();
    tab.login(&c, tokens("AT-G", None, Some(86399)));
    tab.platform
        .on(Delete, "https://api.mypurecloud.ie/api/v2/tokens/me")
        .respond(204, "");
    let options = LogoutOptions {
        redirect: true,
        return_to: None,
        send_id_token_hint: false,
    };
    let outcome = block_on(c.end_session(&options)).unwrap();
    assert_eq!(outcome.revocation, RevocationStatus::Revoked);
    let reqs = tab.platform.requests.borrow();
    assert_eq!(reqs.len(), 1);
    assert_eq!(reqs[0].method, Method::Delete);
    assert_eq!(reqs[0].url, "https://api.mypurecloud.ie/api/v2/tokens/me");
    assert_eq!(reqs[0].header("authorization"), Some("Bearer AT-G"));
    assert_eq!(
        outcome.redirect_to.unwrap().as_str(),
        "https://login.mypurecloud.ie/logout?client_id=demo&redirect_uri=https%3A%2F%2Fapp.example%2F"
    );
    drop(reqs);

    // A network failure is reported; the session is gone anyway.
    let tab = TestTab::new(genesys_config());
    let c = tab.client();
    tab.login(&c, tokens("AT-G", None, Some(86399)));
    tab.platform
        .on(Delete, "https://api.mypurecloud.ie/api/v2/tokens/me")
        .fail_network();
    let outcome = block_on(c.end_session(&LogoutOptions::default())).unwrap();
    assert_eq!(outcome.revocation, RevocationStatus::Failed);
    assert_eq!(outcome.error.unwrap().code(), "revocation_failed");
    assert!(c.stored_session().is_none());
}

#[test]
fn logout_without_a_session_or_with_bad_options() {
    let tab = TestTab::new(revocation_config());
    let c = tab.client();
    let outcome = block_on(c.end_session(&LogoutOptions::default())).unwrap();
    assert_eq!(outcome.revocation, RevocationStatus::Skipped);
    assert!(tab.platform.requests.borrow().is_empty());
    assert_eq!(names(&c.take_events()), ["loggedOut"]);

    // A bad returnTo is reported, but the session is ended and revoked all the same.
    tab.login(&c, tokens("AT-1", Some("RT-1"), Some(3600)));
    tab.platform.on(Post, "/revoke").respond(200, "");
    let bad = LogoutOptions {
        redirect: true,
        return_to: Some("javascript:alert(1)".into()),
        send_id_token_hint: false,
    };
    assert_eq!(
        block_on(c.end_session(&bad)).unwrap_err().code(),
        "invalid_config"
    );
    assert!(c.stored_session().is_none());
    assert_eq!(tab.platform.sent(), ["POST http://127.0.0.1:9000/revoke"]);
}

// ---------------------------------------------------------------------------------------------
// Events carry no secrets

#[test]
fn no_event_payload_holds_a_token() {
    let a = TestTab::new(generic_config());
    let ca = a.client();
    a.login(&ca, tokens("AT-1", Some("RT-1"), Some(3600)));
    let b = a.duplicate();
    let cb = b.client();
    a.platform
        .on(Post, "/token")
        .respond(200, tokens("AT-2", Some("RT-2"), Some(3600)));
    block_on(ca.refresh()).unwrap();
    let msg = a.platform.broadcasts.borrow().last().unwrap().clone();
    assert_eq!(block_on(cb.receive_tab_message(&msg)), Received::Applied);
    block_on(ca.end_session(&LogoutOptions::default())).unwrap();
    let mut all = ca.take_events();
    all.extend(cb.take_events());
    assert_eq!(
        names(&all),
        ["tokenRefreshed", "loggedOut", "tokenRefreshed"]
    );
    for e in all {
        let json = e.payload().to_json();
        assert!(!json.contains("AT-") && !json.contains("RT-"), "{json}");
    }
}

#[test]
fn a_server_issuing_expired_tokens_cannot_cause_a_request_loop() {
    let tab = TestTab::new(generic_config());
    let c = tab.client();
    tab.login(&c, tokens("AT-1", Some("RT-1"), Some(0)));
    for i in 0..3 {
        tab.platform
            .on(Post, "/token")
            .respond(200, tokens(&format!("AT-{i}"), Some("RT-1"), Some(0)));
    }
    // The first refresh is due at once; ticks right after it send nothing.
    block_on(c.tick());
    block_on(c.tick());
    assert_eq!(tab.platform.requests.borrow().len(), 1);
    assert_eq!(
        c.next_wake(),
        Some(T0 + crate::core::session::MIN_REFRESH_INTERVAL_MS)
    );
    tab.platform
        .now
        .set(T0 + crate::core::session::MIN_REFRESH_INTERVAL_MS);
    block_on(c.tick());
    assert_eq!(tab.platform.requests.borrow().len(), 2);
}
