//! Logins that stay on the page (popup, silent renewal) against a fake platform: nothing in
//! storage, the relayed callback held to every check of `handleCallback()`, `prompt=none` and
//! its errors, and `autoRenew: "silent"` in the lifecycle.

use crate::core::json;
use crate::core::testing::{
    block_on, channel_key_of, family_of_token as family, generic_config, id_claims, id_token,
    jwk_set, open_as, openid_config, tokens, TestClient, TestTab, CLIENT_ID, ISSUER, T0,
};
use crate::core::Method::Get;
use crate::core::*;

const HOUR: u64 = 3_600_000;

/// The query parameter `name` of `url`.
fn param(url: &WebUrl, name: &str) -> Option<String> {
    url.query_pairs()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

/// What the redirect page at `url` relays, read back as the opener reads it.
fn relayed(url: &str) -> Result<CallbackParams, CallbackError> {
    let message = relay_message(&WebUrl::parse(url).unwrap());
    // Through JSON text, as the opener reads the message's data.
    read_relay_message(&json::parse(&message.to_json()).unwrap()).expect("ours")
}

fn callback_for(url: &WebUrl, extra: &str) -> String {
    format!(
        "http://127.0.0.1:8080/?code=CODE-1&state={}{extra}",
        param(url, "state").unwrap()
    )
}

#[test]
fn a_popup_login_keeps_its_pending_login_in_memory_and_redeems_the_relayed_callback() {
    let h = TestTab::new(generic_config());
    let c = h.client();
    let (login, url) = block_on(c.start_in_page_login(LoginOptions::default(), false)).unwrap();
    assert!(!login.is_silent());
    assert_eq!(
        h.pending_record(),
        None,
        "nothing written to the redirect store"
    );
    assert!(!c.has_pending_login());
    assert_eq!(param(&url, "prompt"), None);
    h.token_endpoint()
        .respond(200, tokens("AT-1", Some("RT-1"), Some(3600)));
    let summary =
        block_on(c.finish_in_page_login(login, relayed(&callback_for(&url, "")))).unwrap();
    assert_eq!(summary.expires_at, Some(T0 + HOUR));
    assert_eq!(h.platform.form(0, "code").as_deref(), Some("CODE-1"));
    assert_eq!(
        h.platform.form(0, "redirect_uri").as_deref(),
        Some("http://127.0.0.1:8080/")
    );
    assert_eq!(h.platform.form(0, "code_verifier").unwrap().len(), 43);
    assert_eq!(c.access_token().unwrap().secret(), "AT-1");
}

#[test]
fn a_relayed_callback_gets_the_checks_of_handle_callback_and_keeps_the_session() {
    let h = TestTab::new(generic_config());
    let c = h.client();
    h.login(&c, tokens("AT-0", Some("RT-0"), Some(3600)));
    type Answer<'a> = &'a dyn Fn(&WebUrl) -> String;
    let cases: [(Answer, &str); 6] = [
        (
            &|_| "http://127.0.0.1:8080/?code=CODE-1&state=forged".into(),
            "state_mismatch",
        ),
        (
            &|_| "http://127.0.0.1:8080/?code=CODE-1".into(),
            "state_mismatch",
        ),
        (
            &|u| callback_for(u, "").replace(":8080/?", ":8080/other?"),
            "redirect_uri_mismatch",
        ),
        (
            &|u| callback_for(u, "").replace("127.0.0.1:8080", "127.0.0.1:8081"),
            "redirect_uri_mismatch",
        ),
        (&|u| callback_for(u, "&code=CODE-2"), "invalid_callback"),
        (&|u| callback_for(u, "#access_token=x"), "invalid_callback"),
    ];
    for (make, code) in cases {
        let (login, url) = block_on(c.start_in_page_login(LoginOptions::default(), false)).unwrap();
        let e = block_on(c.finish_in_page_login(login, relayed(&make(&url)))).unwrap_err();
        assert_eq!(e.code(), code, "{}", make(&url));
        assert_eq!(c.access_token().unwrap().secret(), "AT-0", "session kept");
    }
    assert!(h.platform.requests.borrow().is_empty(), "no code exchanged");

    // An error answer is reported only once state matched.
    let (login, url) = block_on(c.start_in_page_login(LoginOptions::default(), false)).unwrap();
    let answer = format!(
        "http://127.0.0.1:8080/?error=access_denied&state={}",
        param(&url, "state").unwrap()
    );
    let e = block_on(c.finish_in_page_login(login, relayed(&answer))).unwrap_err();
    assert_eq!(e.oauth_error(), Some("access_denied"));
}

#[test]
fn a_relayed_callback_from_another_issuer_is_refused() {
    let h = TestTab::new(openid_config());
    let c = h.client();
    let (login, url) = block_on(c.start_in_page_login(LoginOptions::default(), false)).unwrap();
    let e = block_on(c.finish_in_page_login(
        login,
        relayed(&callback_for(&url, "&iss=https%3A%2F%2Fevil.example")),
    ))
    .unwrap_err();
    assert_eq!(e.code(), "issuer_mismatch");
}

#[test]
fn relay_messages_that_are_not_ours_are_ignored() {
    let read = |text: &str| read_relay_message(&json::parse(text).unwrap());
    for text in [
        r#""pixie-auth:callback""#,
        r#"{"type":"other","url":"http://127.0.0.1:8080/?code=c&state=s"}"#,
        r#"{"url":"http://127.0.0.1:8080/?code=c&state=s"}"#,
        r#"{"type":"pixie-auth:callback"}"#,
        r#"{"type":"pixie-auth:callback","url":7}"#,
        r#"{"type":"pixie-auth:callback","url":"/?code=c&state=s"}"#,
        r#"{"type":"pixie-auth:callback","url":"javascript:alert(1)"}"#,
    ] {
        assert!(read(text).is_none(), "{text}");
    }
    let refused = read(r#"{"type":"pixie-auth:callback","invalid":true}"#);
    assert!(matches!(
        refused,
        Some(Err(CallbackError::UnexpectedResponse))
    ));
    let empty = read(r#"{"type":"pixie-auth:callback","url":"http://a/?state=s"}"#);
    assert!(matches!(empty, Some(Err(CallbackError::NotACallback))));
    // A relayed URL gets parse_callback's checks too.
    let doubled = read(r#"{"type":"pixie-auth:callback","url":"http://a/?code=a&code=b"}"#);
    assert!(matches!(
        doubled,
        Some(Err(CallbackError::DuplicateParameter(_)))
    ));
}

#[test]
fn the_relay_message_carries_the_response_parameters_only() {
    let relay = |url: &str| relay_message(&WebUrl::parse(url).unwrap()).to_json();
    assert_eq!(
        relay(
            "http://127.0.0.1:8080/app?keep=1&code=C&state=S&iss=http%3A%2F%2Fop&session_state=x"
        ),
        r#"{"type":"pixie-auth:callback","url":"http://127.0.0.1:8080/app?code=C&state=S&iss=http%3A%2F%2Fop&session_state=x"}"#
    );
    // Tokens in the URL (or a response in its fragment) are refused here, never relayed.
    for url in [
        "http://127.0.0.1:8080/?code=C&state=S&access_token=AT",
        "http://127.0.0.1:8080/?state=S#code=C",
        "http://127.0.0.1:8080/?code=C&code=D&state=S",
    ] {
        assert_eq!(
            relay(url),
            r#"{"type":"pixie-auth:callback","invalid":true}"#,
            "{url}"
        );
    }
}

#[test]
fn only_a_callback_this_tab_did_not_start_is_relayed() {
    let h = TestTab::new(generic_config());
    let c = h.client();
    let page = |q: &str| WebUrl::parse(&format!("http://127.0.0.1:8080/{q}")).unwrap();
    assert!(!c.relays_callback(&page("")), "not a callback");
    assert!(
        c.relays_callback(&page("?code=x&state=s")),
        "no pending login"
    );
    let sent = h.start_login(&c, LoginOptions::default());
    assert!(
        !c.relays_callback(&sent.callback("")),
        "this tab's redirect login"
    );
    assert!(c.relays_callback(&page("?code=x&state=other")));
    assert!(c.relays_callback(&page(&format!("?code=x&state={0}&state={0}", sent.state))));
    assert!(c.has_pending_login(), "deciding takes nothing");
}

#[test]
fn a_silent_login_asks_for_prompt_none_whatever_else_was_configured() {
    let mut raw = generic_config();
    raw.extra_params = [("prompt".to_string(), "login".to_string())].into();
    let h = TestTab::new(raw);
    let c = h.client();
    let options = LoginOptions {
        extra_params: vec![
            ("prompt".into(), "consent".into()),
            ("login_hint".into(), "ada".into()),
        ],
        ..Default::default()
    };
    let (login, url) = block_on(c.start_in_page_login(options, true)).unwrap();
    assert!(login.is_silent());
    let prompts: Vec<_> = url.query_pairs().filter(|(k, _)| k == "prompt").collect();
    assert_eq!(prompts.len(), 1);
    assert_eq!(prompts[0].1, "none");
    assert_eq!(param(&url, "login_hint").as_deref(), Some("ada"));
    assert_eq!(h.pending_record(), None);
}

#[test]
fn silent_errors_have_their_own_codes_and_keep_the_session() {
    let h = TestTab::new(generic_config());
    let c = h.client();
    h.login(&c, tokens("AT-0", None, Some(3600)));
    for (error, code) in [
        ("login_required", "login_required"),
        ("interaction_required", "interaction_required"),
        ("consent_required", "interaction_required"),
        ("account_selection_required", "interaction_required"),
        ("access_denied", "authorization_error"),
    ] {
        let (login, url) = block_on(c.start_in_page_login(LoginOptions::default(), true)).unwrap();
        let answer = format!(
            "http://127.0.0.1:8080/?error={error}&state={}",
            param(&url, "state").unwrap()
        );
        let e = block_on(c.finish_in_page_login(login, relayed(&answer))).unwrap_err();
        assert_eq!(e.code(), code, "{error}");
        assert_eq!(c.access_token().unwrap().secret(), "AT-0", "{error}: kept");
    }
    // A forged login_required (wrong state) is a state mismatch, not a verdict.
    let (login, _) = block_on(c.start_in_page_login(LoginOptions::default(), true)).unwrap();
    let forged = "http://127.0.0.1:8080/?error=login_required&state=forged";
    let e = block_on(c.finish_in_page_login(login, relayed(forged))).unwrap_err();
    assert_eq!(e.code(), "state_mismatch");
    assert!(c.take_events().is_empty(), "no event for a failed renewal");
}

fn openid_login(h: &TestTab) {
    let c = h.client();
    h.login_openid(&c, tokens("AT-0", None, Some(3600)).scope("openid"), |_| {});
}

/// A silent renewal on `h` whose ID token carries `sub`; the result.
fn renew_as(h: &TestTab, sub: &str) -> Result<SessionSummary, Error> {
    let c = h.client();
    let (login, url) = block_on(c.start_in_page_login(LoginOptions::default(), true)).unwrap();
    let mut claims = id_claims(&param(&url, "nonce").unwrap());
    claims["sub"] = sub.into();
    let id = id_token(JwsAlg::Rs256, &claims);
    h.token_endpoint().respond(
        200,
        tokens("AT-1", None, Some(3600))
            .scope("openid")
            .id_token(&id),
    );
    h.platform.on(Get, "/jwks").respond(200, jwk_set());
    let answer = callback_for(&url, &format!("&iss={}", ISSUER.replace(':', "%3A")));
    let result = block_on(c.finish_in_page_login(login, relayed(&answer)));
    let events = c.take_events();
    if result.is_ok() {
        assert_eq!(events.len(), 1);
        assert!(matches!(&events[0], Event::TokenRefreshed(e) if e.refresh_count == 1));
    } else {
        assert!(events.is_empty());
    }
    result
}

#[test]
fn a_silent_renewal_must_be_the_same_user() {
    let h = TestTab::new(openid_config());
    openid_login(&h);
    let e = renew_as(&h, "someone-else").unwrap_err();
    assert_eq!(e.code(), "id_token_sub_mismatch");
    assert_eq!(h.client().access_token().unwrap().secret(), "AT-0");
    assert_eq!(
        h.client().user().unwrap().sub(),
        Some("user-42"),
        "the session's user is unchanged"
    );

    let summary = renew_as(&h, "user-42").unwrap();
    assert_eq!(summary.refresh_count, 1);
    assert_eq!(h.client().access_token().unwrap().secret(), "AT-1");
    assert!(h.platform.sent().contains(&format!("POST {ISSUER}/token")));
}

#[test]
fn in_page_options_are_read_strictly() {
    let read = |text: &str, silent| InPageOptions::from_json(&json::parse(text).unwrap(), silent);
    assert_eq!(read("null", false).unwrap().timeout_ms, 300_000);
    assert_eq!(read("null", true).unwrap().timeout_ms, 10_000);
    assert_eq!(read("{}", true).unwrap().timeout_ms, 10_000);
    let o = read(
        r#"{"timeoutSeconds":30,"extraParams":{"login_hint":"a"},"returnTo":"/x"}"#,
        false,
    )
    .unwrap();
    assert_eq!(o.timeout_ms, 30_000);
    assert_eq!(o.login.param("login_hint"), Some("a"));
    assert_eq!(o.login.return_to.as_deref(), Some("/x"));
    for (bad, field) in [
        (r#"{"timeoutSeconds":0}"#, "timeoutSeconds"),
        (r#"{"timeoutSeconds":601}"#, "timeoutSeconds"),
        (r#"{"timeoutSeconds":"5"}"#, "timeoutSeconds"),
        (r#"{"timeout":5}"#, "loginPopupOptions"),
        (r#""fast""#, "loginPopupOptions"),
    ] {
        let e = Error::from(read(bad, false).unwrap_err());
        assert_eq!(e.code(), "invalid_config", "{bad}");
        assert!(e.message().contains(field), "{bad}: {}", e.message());
    }
}

#[test]
fn auto_renew_silent_renews_where_the_lifecycle_would_only_warn() {
    let mut raw = generic_config();
    raw.auto_renew_silent = true;
    let h = TestTab::new(raw);
    let c = h.client();
    h.login(&c, tokens("AT-1", None, Some(3600)));
    let warn_at = T0 + HOUR - 300_000;
    assert_eq!(c.next_wake(), Some(warn_at));
    h.platform.now.set(warn_at);
    block_on(c.tick());
    block_on(c.tick());
    assert!(c.take_events().is_empty(), "no warning yet");
    assert!(c.take_silent_renewal_due(), "a silent renewal is due");
    assert!(!c.take_silent_renewal_due(), "once per token");
    // It failed: the app gets the warning after all.
    c.silent_renewal_failed();
    let events = c.take_events();
    assert!(matches!(&events[..], [Event::TokenExpiring(e)] if e.seconds_left == 300));

    // Without the option: the warning, and no renewal.
    let h = TestTab::new(generic_config());
    let c = h.client();
    h.login(&c, tokens("AT-1", None, Some(3600)));
    h.platform.now.set(warn_at);
    block_on(c.tick());
    assert!(!c.take_silent_renewal_due());
    assert!(matches!(&c.take_events()[..], [Event::TokenExpiring(_)]));
}

#[test]
fn auto_renew_silent_does_not_loop_when_the_lead_exceeds_the_lifetime() {
    let mut raw = generic_config();
    raw.auto_renew_silent = true;
    let h = TestTab::new(raw);
    let c = h.client();
    // 60 s tokens, warned 300 s ahead: the warning would be due at once.
    h.login(&c, tokens("AT-1", None, Some(60)));
    block_on(c.tick());
    assert!(!c.take_silent_renewal_due(), "not at once");
    assert_eq!(c.next_wake(), Some(T0 + 30_000), "halfway through its life");
    h.platform.now.set(T0 + 30_000);
    block_on(c.tick());
    assert!(c.take_silent_renewal_due());
}

#[test]
fn auto_renew_is_read_from_the_configuration() {
    let read = |v: &str| {
        RawConfig::from_json(&json::parse(&format!(r#"{{"autoRenew":{v}}}"#)).unwrap())
            .map(|r| r.auto_renew_silent)
    };
    assert!(read(r#""silent""#).unwrap());
    assert!(!read(r#""refresh""#).unwrap());
    assert!(!read("null").unwrap());
    assert!(read(r#""iframe""#).is_err());
    assert!(read("true").is_err());
}

/// A silent renewal of `h`'s session through [`Client::renew_silently`], the frame answering
/// with a code for `at` (an OpenID configuration: with an ID token of `user-42`).
fn renew_shared(h: &TestTab, c: &TestClient<'_>, at: &str) -> Result<SessionSummary, Error> {
    let drive = async |url: &WebUrl| {
        let openid = h.config().is_openid();
        let mut answer = tokens(at, None, Some(3600));
        if openid {
            let id = id_token(JwsAlg::Rs256, &id_claims(&param(url, "nonce").unwrap()));
            answer = answer.scope("openid").id_token(&id);
            h.platform.on(Get, "/jwks").respond(200, jwk_set());
        }
        h.token_endpoint().respond(200, answer);
        let iss = format!("&iss={}", ISSUER.replace(':', "%3A"));
        Ok(relayed(&callback_for(url, if openid { &iss } else { "" })))
    };
    block_on(c.renew_silently(LoginOptions::default(), drive))
}

#[test]
fn a_silent_renewal_reaches_the_siblings_of_the_session_sealed_under_its_old_family() {
    // A session without a refresh token names its family (lock, channel key) by its access
    // token, which a duplicated tab holds too.
    let a = TestTab::new(openid_config());
    let ca = a.client();
    a.login_openid(
        &ca,
        tokens("AT-0", None, Some(3600)).scope("openid"),
        |_| {},
    );
    let b = a.duplicate();
    let cb = b.client();
    let late = a.duplicate();
    let unrelated = TestTab::new(openid_config());
    let cu = unrelated.client();
    unrelated.login_openid(
        &cu,
        tokens("AT-X", None, Some(3600)).scope("openid"),
        |_| {},
    );

    let summary = renew_shared(&a, &ca, "AT-1").unwrap();
    assert_eq!(summary.refresh_count, 1);
    assert_eq!(a.stored_at().as_deref(), Some("AT-1"));
    assert_eq!(
        *a.platform.locks.borrow(),
        [lock_name(CLIENT_ID, &family("AT-0"))],
        "the family's lock"
    );
    assert_eq!(a.platform.held.get(), 0);
    let posted = a.platform.broadcasts.borrow().clone();
    assert_eq!(posted.len(), 2, "the query, then the renewed session");
    assert!(
        matches!(open_as("AT-0", &posted[0]), Some(TabMessage::Query { family: f }) if f == family("AT-0"))
    );
    let shared = posted[1].clone();
    assert!(
        open_as("AT-1", &shared).is_none(),
        "sealed under the old family's key"
    );
    let Some(TabMessage::Refreshed { families, session }) = open_as("AT-0", &shared) else {
        panic!("a refreshed message")
    };
    assert_eq!(families, [family("AT-1"), family("AT-0")]);
    assert_eq!(session.access_token.secret(), "AT-1");
    let stored = ca.stored_session().unwrap();
    assert_eq!(stored.lineage, [family("AT-0")]);
    assert_eq!(stored.lineage_keys, [channel_key_of("AT-0")]);

    // The sibling adopts it, once its ID token verified again.
    b.platform.on(Get, "/jwks").respond(200, jwk_set());
    assert_eq!(block_on(cb.receive_tab_message(&shared)), Received::Applied);
    assert!(b.platform.verifications.get() > 0, "verified again");
    assert_eq!(b.stored_at().as_deref(), Some("AT-1"));
    assert_eq!(cb.user().unwrap().sub(), Some("user-42"));
    let events = cb.take_events();
    assert!(matches!(
        &events[..],
        [Event::TokenRefreshed(TokenRefreshed {
            origin: Origin::OtherTab,
            rotated: false,
            refresh_count: 1,
            ..
        })]
    ));
    // Another login of the origin learns nothing and keeps its session.
    assert_eq!(block_on(cu.receive_tab_message(&shared)), Received::Ignored);
    assert_eq!(unrelated.stored_at().as_deref(), Some("AT-X"));

    // A sibling that missed it still holds AT-0, in the renewed session's lineage: it can
    // ask for the session, and a logout ends it.
    a.platform.broadcasts.borrow_mut().clear();
    block_on(ca.end_session(&LogoutOptions::default())).unwrap();
    let logged_out = a.platform.broadcasts.borrow().clone();
    let cl = late.client();
    let applied = logged_out
        .iter()
        .filter(|m| block_on(cl.receive_tab_message(m)) == Received::Applied)
        .count();
    assert_eq!(applied, 1);
    assert_eq!(late.stored_at(), None, "ended with the renewed session");
}

#[test]
fn siblings_renewing_silently_at_the_same_moment_renew_one_at_a_time() {
    let a = TestTab::new(generic_config());
    let ca = a.client();
    a.login(&ca, tokens("AT-0", None, Some(3600)));
    let b = a.duplicate();
    let cb = b.client();
    renew_shared(&a, &ca, "AT-1").unwrap();
    let shared = a.platform.broadcasts.borrow().last().unwrap().clone();

    // B's lifecycle renews at the same moment: it waits for A's lock, and receives A's
    // message meanwhile; then it opens no frame and sends nothing.
    let (store, key) = (b.sessions.clone(), b.session_key());
    *b.platform.on_lock.borrow_mut() = Some(Box::new(move || {
        let Some(TabMessage::Refreshed { session, .. }) = open_as("AT-0", &shared) else {
            panic!()
        };
        store.set(&key, &session.to_json()).unwrap();
    }));
    let framed = std::cell::Cell::new(false);
    let drive = async |_: &WebUrl| {
        framed.set(true);
        Err(PopupError::SilentTimeout.into())
    };
    let summary = block_on(cb.renew_silently(LoginOptions::default(), drive)).unwrap();
    assert!(!framed.get(), "no frame");
    assert!(b.platform.requests.borrow().is_empty(), "no request");
    assert_eq!(summary.expires_at, Some(T0 + HOUR));
    assert_eq!(b.stored_at().as_deref(), Some("AT-1"));
    assert_eq!(b.platform.held.get(), 0);

    // With siblings reachable and none answering, a tab asks, waits briefly, and renews.
    let c = a.duplicate();
    c.platform.siblings.set(true);
    let cc = c.client();
    renew_shared(&c, &cc, "AT-2").unwrap();
    assert_eq!(*c.platform.sleeps.borrow(), [SIBLING_QUERY_MS]);
    assert_eq!(c.stored_at().as_deref(), Some("AT-2"));
}

#[test]
fn a_logout_during_a_silent_renewal_wins_and_nothing_is_redeemed() {
    let h = TestTab::new(generic_config());
    let c = h.client();
    h.login(&c, tokens("AT-0", None, Some(3600)));
    let drive = async |url: &WebUrl| {
        c.logout();
        Ok(relayed(&callback_for(url, "")))
    };
    let e = block_on(c.renew_silently(LoginOptions::default(), drive)).unwrap_err();
    assert_eq!(e.code(), "login_required");
    assert!(
        h.platform.requests.borrow().is_empty(),
        "the code was not redeemed"
    );
    assert_eq!(h.stored_at(), None);
}

#[test]
fn a_silent_login_without_a_session_takes_no_lock_and_shares_nothing() {
    let h = TestTab::new(generic_config());
    let c = h.client();
    renew_shared(&h, &c, "AT-1").unwrap();
    assert!(h.platform.locks.borrow().is_empty());
    assert!(h.platform.broadcasts.borrow().is_empty());
    assert_eq!(h.stored_at().as_deref(), Some("AT-1"));
}
