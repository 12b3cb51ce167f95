//! The OpenID Connect login flow against a fake platform: login with `openid` → callback →
//! token response with an ID token signed by a test key → JWK Set fetched → session stored
//! with the verified claims; every failure leaves no new session. Also RFC 9207 `iss`, the
//! Genesys Messenger hand-off and UserInfo.

use crate::core::WebUrl;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use crate::core::testing::keys::test_keys;
use crate::core::testing::{
    block_on, discovery_document, err, id_claims, id_token, jwk_set, openid_config, tokens,
    FakePlatform, Sent, TestTab, Tokens, CLIENT_ID, ISSUER, REDIRECT_URI, T0,
};
use crate::core::Method::{Get, Post};
use crate::core::*;

fn tab() -> TestTab {
    TestTab::new(openid_config())
}

/// Starts a login on a fresh page of `h`.
fn start(h: &TestTab) -> Sent {
    h.start_login(&h.client(), LoginOptions::default())
}

/// An ID token signed with the provider's RSA key.
fn signed(claims: &Value) -> String {
    id_token(JwsAlg::Rs256, claims)
}

/// The token response of an OpenID login: AT-1 for an hour, scope `openid profile`, with
/// this ID token.
fn oidc_tokens(id_token: Option<&str>) -> Tokens {
    let t = tokens("AT-1", None, Some(3600)).scope("openid profile");
    match id_token {
        Some(id) => t.id_token(id),
        None => t,
    }
}

/// A full successful login (the JWK Set answered unless the page has it); returns what was
/// sent.
fn logged_in(h: &TestTab) -> Sent {
    let sent = start(h);
    h.platform
        .on(Post, "/token")
        .respond(200, oidc_tokens(Some(&signed(&id_claims(&sent.nonce)))));
    if h.documents.get(&format!("{ISSUER}/jwks"), 0).is_none() {
        h.platform.on(Get, "/jwks").respond(200, jwk_set());
    }
    block_on(h.client().handle_callback(&sent.callback(""))).unwrap();
    sent
}

#[test]
fn login_sends_a_nonce_and_stores_it_with_the_pending_login() {
    let h = tab();
    let sent = start(&h);
    assert_eq!(sent.nonce.len(), 43, "32 random bytes, base64url");
    assert_ne!(sent.nonce, sent.state);
    let pending = h.pending_record().unwrap();
    assert!(pending.contains(&sent.nonce));
}

#[test]
fn openid_login_verifies_the_id_token_and_keeps_the_claims() {
    let h = tab();
    let sent = start(&h);
    let id = signed(&id_claims(&sent.nonce));
    h.platform
        .on(Post, "/token")
        .respond(200, oidc_tokens(Some(&id)));
    h.platform.on(Get, "/jwks").respond(200, jwk_set());
    let summary = block_on(h.client().handle_callback(&sent.callback(""))).unwrap();
    assert!(summary.has_id_token);
    assert_eq!(
        h.platform.sent(),
        [format!("POST {ISSUER}/token"), format!("GET {ISSUER}/jwks")]
    );
    assert_eq!(h.platform.verifications.get(), 1);
    let user = h.client().user().unwrap();
    assert_eq!(user.sub(), Some("user-42"));
    assert_eq!(user.claims()["name"], "Grace Hopper");

    // After a reload the claims come from storage: no fetch, no verification.
    let reloaded = h.client();
    assert_eq!(reloaded.user().unwrap().sub(), Some("user-42"));
    assert_eq!(h.platform.requests.borrow().len(), 2);
    assert_eq!(h.platform.verifications.get(), 1);

    // A second login on the same page reuses the cached JWK Set.
    let sent = start(&h);
    let id = id_token(JwsAlg::Es256, &id_claims(&sent.nonce));
    h.platform
        .on(Post, "/token")
        .respond(200, oidc_tokens(Some(&id)));
    block_on(h.client().handle_callback(&sent.callback(""))).unwrap();
    assert_eq!(
        h.platform.sent()[2..],
        [format!("POST {ISSUER}/token")],
        "token only: the JWK Set is cached for the page"
    );

    // Once the access token expires, there is no user.
    h.platform.now.set(T0 + 3_600_000);
    assert!(h.client().user().is_none());
}

#[test]
fn every_id_token_failure_stores_no_session_and_keeps_the_earlier_one() {
    let h = tab();
    logged_in(&h);
    let earlier = h.client().access_token().unwrap();
    let k = test_keys();
    type Case = (&'static str, Box<dyn Fn(&str) -> Option<String>>);
    let cases: Vec<Case> = vec![
        ("invalid_token_response", Box::new(move |_| None)),
        (
            "id_token_nonce_mismatch",
            Box::new(move |_| Some(signed(&id_claims("another-login")))),
        ),
        (
            "id_token_nonce_mismatch",
            Box::new(move |n| {
                let mut c = id_claims(n);
                c.as_object_mut().unwrap().remove("nonce");
                Some(signed(&c))
            }),
        ),
        (
            "id_token_iss_mismatch",
            Box::new(move |n| {
                let mut c = id_claims(n);
                c["iss"] = "https://evil.example".into();
                Some(signed(&c))
            }),
        ),
        (
            "id_token_aud_mismatch",
            Box::new(move |n| {
                let mut c = id_claims(n);
                c["aud"] = "someone-else".into();
                Some(signed(&c))
            }),
        ),
        (
            "id_token_azp_mismatch",
            Box::new(move |n| {
                let mut c = id_claims(n);
                c["aud"] = json!([CLIENT_ID, "someone-else"]);
                Some(signed(&c))
            }),
        ),
        (
            "id_token_expired",
            Box::new(move |n| {
                let mut c = id_claims(n);
                c["exp"] = (T0 / 1000 - 3600).into();
                Some(signed(&c))
            }),
        ),
        (
            "id_token_iat_future",
            Box::new(move |n| {
                let mut c = id_claims(n);
                c["iat"] = (T0 / 1000 + 3600).into();
                Some(signed(&c))
            }),
        ),
        (
            "id_token_signature_invalid",
            Box::new(move |n| {
                let token = signed(&id_claims(n));
                let (input, _) = token.rsplit_once('.').unwrap();
                let other = k.sign_raw(JwsAlg::Rs256, b"something else");
                Some(format!("{input}.{}", encode_url(&other)))
            }),
        ),
        (
            "id_token_unknown_kid",
            Box::new(move |n| Some(k.sign(JwsAlg::Rs256, "gone", &id_claims(n)))),
        ),
        (
            "id_token_alg_unsupported",
            Box::new(move |n| {
                let h = encode_url(br#"{"alg":"none"}"#);
                let p = encode_url(id_claims(n).to_string().as_bytes());
                Some(format!("{h}.{p}.{}", encode_url(b"x")))
            }),
        ),
        (
            "id_token_alg_unsupported",
            Box::new(move |n| {
                let h = encode_url(br#"{"alg":"HS256","kid":"rsa"}"#);
                let p = encode_url(id_claims(n).to_string().as_bytes());
                Some(format!("{h}.{p}.{}", encode_url(&[7; 32])))
            }),
        ),
        ("id_token_malformed", Box::new(move |_| Some("a.b".into()))),
        (
            "id_token_crit_unsupported",
            Box::new(move |n| {
                let header = json!({"alg":"RS256","kid":"rsa","crit":["exp"]});
                Some(k.sign_with_header(JwsAlg::Rs256, &header, &id_claims(n)))
            }),
        ),
    ];
    for (code, make) in cases {
        let sent = start(&h);
        h.platform
            .on(Post, "/token")
            .respond(200, oidc_tokens(make(&sent.nonce).as_deref()));
        if code == "id_token_unknown_kid" {
            h.platform.on(Get, "/jwks").respond(200, jwk_set()); // the one refetch
        }
        let e = block_on(h.client().handle_callback(&sent.callback(""))).unwrap_err();
        assert_eq!(e.code(), code, "{e}");
        assert!(
            !h.client().has_pending_login(),
            "{code}: pending login deleted"
        );
        let kept = h.client().access_token().unwrap();
        assert_eq!(
            kept.secret(),
            earlier.secret(),
            "{code}: earlier session kept"
        );
        assert_eq!(h.client().user().unwrap().sub(), Some("user-42"));
        assert!(
            h.platform.unanswered().is_empty(),
            "{code}: all answers used"
        );
    }
}

#[test]
fn a_failed_first_login_stores_nothing() {
    let h = tab();
    let sent = start(&h);
    let id = signed(&id_claims("wrong"));
    h.platform
        .on(Post, "/token")
        .respond(200, oidc_tokens(Some(&id)));
    h.platform.on(Get, "/jwks").respond(200, jwk_set());
    let e = block_on(h.client().handle_callback(&sent.callback(""))).unwrap_err();
    assert_eq!(e.code(), "id_token_nonce_mismatch");
    assert!(h.session_record().is_none());
    assert!(!h.client().is_authenticated());
    assert!(h.client().user().is_none());
}

#[test]
fn max_age_requires_a_recent_auth_time() {
    let h = tab();
    let opts = || LoginOptions {
        extra_params: [("max_age".to_string(), "60".to_string())].into(),
        return_to: None,
    };
    let sent = h.start_login(&h.client(), opts());
    let id = signed(&id_claims(&sent.nonce));
    h.platform
        .on(Post, "/token")
        .respond(200, oidc_tokens(Some(&id)));
    h.platform.on(Get, "/jwks").respond(200, jwk_set());
    let e = block_on(h.client().handle_callback(&sent.callback(""))).unwrap_err();
    assert_eq!(e.code(), "id_token_auth_time_invalid");

    let sent = h.start_login(&h.client(), opts());
    let mut claims = id_claims(&sent.nonce);
    claims["auth_time"] = (T0 / 1000 - 30).into();
    let id = signed(&claims);
    h.platform
        .on(Post, "/token")
        .respond(200, oidc_tokens(Some(&id)));
    block_on(h.client().handle_callback(&sent.callback(""))).unwrap();

    let bad = LoginOptions {
        extra_params: [("max_age".to_string(), "soon".to_string())].into(),
        return_to: None,
    };
    let e = block_on(h.client().start_login(bad)).unwrap_err();
    assert_eq!(e.code(), "invalid_config");
}

#[test]
fn rfc9207_iss_parameter() {
    let iss = "&iss=http%3A%2F%2F127.0.0.1%3A9000";
    // Advertised: iss is required and must match.
    let mut advertised = openid_config().validate().unwrap();
    advertised.authorization_response_iss_parameter_supported = true;
    let h = TestTab::with_config(advertised);
    for (extra, code) in [
        ("", "issuer_mismatch"),
        ("&iss=https%3A%2F%2Fevil.example", "issuer_mismatch"),
        ("&iss=http%3A%2F%2F127.0.0.1%3A9000%2F", "issuer_mismatch"),
    ] {
        let sent = start(&h);
        let e = block_on(h.client().handle_callback(&sent.callback(extra))).unwrap_err();
        assert_eq!(e.code(), code, "{extra}");
        assert!(!h.client().has_pending_login());
    }
    assert!(h.platform.sent().is_empty(), "no code was exchanged");
    let sent = start(&h);
    let id = signed(&id_claims(&sent.nonce));
    h.platform
        .on(Post, "/token")
        .respond(200, oidc_tokens(Some(&id)));
    h.platform.on(Get, "/jwks").respond(200, jwk_set());
    block_on(h.client().handle_callback(&sent.callback(iss))).unwrap();

    // Not advertised: absent is fine, but a present iss must still match.
    let h = tab();
    let sent = start(&h);
    let e = block_on(
        h.client()
            .handle_callback(&sent.callback("&iss=https%3A%2F%2Fevil.example")),
    )
    .unwrap_err();
    assert_eq!(e.code(), "issuer_mismatch");
    logged_in(&h);
    let sent = start(&h);
    let id = signed(&id_claims(&sent.nonce));
    h.platform
        .on(Post, "/token")
        .respond(200, oidc_tokens(Some(&id)));
    block_on(h.client().handle_callback(&sent.callback(iss))).unwrap();
}

#[test]
fn messenger_hand_off_returns_the_code_and_the_verifier_of_the_sent_challenge() {
    let h = tab();
    let sent = h.start_login(
        &h.client(),
        LoginOptions {
            extra_params: [("max_age".to_string(), "900".to_string())].into(),
            return_to: None,
        },
    );
    let iss = "&iss=http%3A%2F%2F127.0.0.1%3A9000";
    let handoff = h.client().messenger_auth_code(&sent.callback(iss)).unwrap();
    assert_eq!(handoff.auth_code.secret(), "CODE-1");
    assert_eq!(handoff.redirect_uri, "http://127.0.0.1:8080/");
    let challenge = encode_url(&Sha256::digest(handoff.code_verifier.secret().as_bytes()));
    assert_eq!(
        challenge, sent.challenge,
        "the verifier of the challenge that was sent"
    );
    assert_eq!(handoff.nonce.unwrap().secret(), sent.nonce);
    assert_eq!(handoff.max_age, Some(900));
    assert_eq!(handoff.iss.as_deref(), Some(ISSUER));
    assert!(!h.client().has_pending_login(), "pending login cleared");
    assert!(h.platform.sent().is_empty(), "the code is not exchanged");
    assert!(!h.client().is_authenticated());
    // Single use: the same callback again has no pending login.
    let e = err(h.client().messenger_auth_code(&sent.callback("")));
    assert_eq!(e.code(), "missing_pending_login");

    // Without iss and max_age, those fields are absent.
    let sent = start(&h);
    let handoff = h.client().messenger_auth_code(&sent.callback("")).unwrap();
    assert!(handoff.iss.is_none() && handoff.max_age.is_none());
}

#[test]
fn messenger_hand_off_refuses_bad_callbacks() {
    let h = tab();
    start(&h);
    let forged = WebUrl::parse("http://127.0.0.1:8080/?code=CODE-1&state=forged").unwrap();
    let e = err(h.client().messenger_auth_code(&forged));
    assert_eq!(e.code(), "state_mismatch");
    assert!(!h.client().has_pending_login(), "pending login cleared");

    let sent = start(&h);
    let e = err(h
        .client()
        .messenger_auth_code(&sent.callback("&iss=https%3A%2F%2Fevil.example")));
    assert_eq!(e.code(), "issuer_mismatch");

    start(&h);
    let plain = WebUrl::parse("http://127.0.0.1:8080/?page=2").unwrap();
    let e = err(h.client().messenger_auth_code(&plain));
    assert_eq!(e, Error::Callback(CallbackError::NotACallback));
    assert_eq!(e.code(), "not_a_callback");
    assert!(
        h.client().has_pending_login(),
        "not a callback: pending login kept"
    );

    let sent = start(&h);
    let denied = WebUrl::parse(&format!(
        "http://127.0.0.1:8080/?error=access_denied&state={}",
        sent.state
    ))
    .unwrap();
    let e = err(h.client().messenger_auth_code(&denied));
    assert_eq!(e.code(), "authorization_error");
}

#[test]
fn userinfo_is_checked_against_the_id_token_subject() {
    let h = tab();
    logged_in(&h);
    let userinfo = || h.platform.on(Get, "/me");
    userinfo().respond(200, r#"{"sub":"user-42","email":"grace@example.com"}"#);
    let info = block_on(h.client().load_userinfo()).unwrap();
    assert_eq!(info.claims()["email"], "grace@example.com");
    let last = h.platform.requests.borrow().last().cloned().unwrap();
    assert_eq!(last.url, format!("{ISSUER}/me"));
    assert_eq!(last.header("authorization"), Some("Bearer AT-1"));

    userinfo().respond(200, r#"{"sub":"user-43","email":"mallory@example.com"}"#);
    let e = block_on(h.client().load_userinfo()).unwrap_err();
    assert_eq!(e.code(), "userinfo_sub_mismatch");
    assert!(h.client().is_authenticated(), "the session is not at fault");

    userinfo().respond(401, "");
    let e = block_on(h.client().load_userinfo()).unwrap_err();
    assert_eq!(e.code(), "login_required");
    assert!(
        !h.client().is_authenticated(),
        "a refused token clears the session"
    );

    let e = block_on(h.client().load_userinfo()).unwrap_err();
    assert_eq!(e.code(), "login_required");
    assert_eq!(
        h.platform.sent()[2..],
        [
            format!("GET {ISSUER}/me"),
            format!("GET {ISSUER}/me"),
            format!("GET {ISSUER}/me")
        ],
        "without a session, no request"
    );
}

#[test]
fn userinfo_needs_an_endpoint() {
    let mut c = openid_config().validate().unwrap();
    c.userinfo_endpoint = None;
    let h = TestTab::with_config(c);
    logged_in(&h);
    let e = block_on(h.client().load_userinfo()).unwrap_err();
    assert_eq!(e.code(), "invalid_config");
}

#[test]
fn discovered_configuration_drives_the_flow() {
    let platform = FakePlatform::at(T0);
    let cache = DocumentCache::default();
    let mut document = discovery_document(ISSUER);
    document["authorization_response_iss_parameter_supported"] = true.into();
    platform
        .on(Get, "/.well-known/openid-configuration")
        .respond(200, document);
    let metadata = block_on(discover(&platform, &cache, ISSUER)).unwrap();
    let raw = RawConfig {
        client_id: Some(CLIENT_ID.into()),
        redirect_uri: Some(REDIRECT_URI.into()),
        scopes: vec!["openid".into()],
        ..Default::default()
    };
    let h = TestTab::with_config(raw.with_discovery(metadata).unwrap());
    let sent = start(&h);
    // The flag came from discovery: no iss, no login.
    let e = block_on(h.client().handle_callback(&sent.callback(""))).unwrap_err();
    assert_eq!(e.code(), "issuer_mismatch");
}

/// Logs in with a refresh token in the token response.
fn logged_in_with_refresh_token(h: &TestTab) {
    let sent = start(h);
    let mut claims = id_claims(&sent.nonce);
    claims["auth_time"] = (T0 / 1000 - 60).into();
    let id = signed(&claims);
    let tokens = oidc_tokens(Some(&id)).with("refresh_token", "RT-1");
    h.platform.on(Post, "/token").respond(200, tokens);
    h.platform.on(Get, "/jwks").respond(200, jwk_set());
    block_on(h.client().handle_callback(&sent.callback(""))).unwrap();
}

/// A refresh whose response carries an ID token with these claims.
fn refresh_with_id_token(h: &TestTab, edit: impl FnOnce(&mut Value)) -> Result<(), Error> {
    let mut claims = id_claims("");
    claims.as_object_mut().unwrap().remove("nonce");
    claims["iat"] = (T0 / 1000 + 1).into();
    edit(&mut claims);
    let id = signed(&claims);
    let body = tokens("AT-2", Some("RT-2"), Some(3600)).id_token(&id);
    h.platform.on(Post, "/token").respond(200, body);
    block_on(h.client().refresh()).map(|_| ())
}

#[test]
fn a_refreshed_id_token_is_verified_and_names_the_same_user() {
    // OIDC Core §12.2: same user, new claims: accepted, the claims are the new ones.
    let h = tab();
    logged_in_with_refresh_token(&h);
    refresh_with_id_token(&h, |c| c["name"] = "Grace B. Hopper".into()).unwrap();
    assert_eq!(h.platform.verifications.get(), 2);
    let user = h.client().user().unwrap();
    assert_eq!(user.claims()["name"], "Grace B. Hopper");
    assert_eq!(
        h.client().stored_session().unwrap().access_token.secret(),
        "AT-2"
    );

    // Another subject: refused, and the session ends (its refresh token is spent).
    let h = tab();
    logged_in_with_refresh_token(&h);
    let e = refresh_with_id_token(&h, |c| c["sub"] = "mallory".into()).unwrap_err();
    assert_eq!(e.code(), "id_token_sub_mismatch");
    assert!(h.client().stored_session().is_none());

    // Another audience: refused the same way (every check of the login applies).
    let h = tab();
    logged_in_with_refresh_token(&h);
    let e = refresh_with_id_token(&h, |c| c["aud"] = "someone-else".into()).unwrap_err();
    assert_eq!(e.code(), "id_token_aud_mismatch");
    assert!(h.client().stored_session().is_none());
}

#[test]
fn a_refreshed_id_token_is_held_to_the_logins_claims() {
    // OIDC Core §12.2, claim by claim: each change is refused and the session ends.
    type Edit = fn(&mut Value);
    let cases: [(&str, Edit, &str); 6] = [
        (
            "iss",
            |c| c["iss"] = "https://other.example".into(),
            "id_token_iss_mismatch",
        ),
        (
            "aud list",
            |c| c["aud"] = json!([CLIENT_ID, "other"]),
            "id_token_azp_mismatch",
        ),
        (
            "azp",
            |c| c["azp"] = CLIENT_ID.into(),
            "id_token_azp_mismatch",
        ),
        (
            "auth_time",
            |c| c["auth_time"] = (T0 / 1000 - 5).into(),
            "id_token_auth_time_invalid",
        ),
        (
            "nonce",
            |c| c["nonce"] = "another-nonce".into(),
            "id_token_nonce_mismatch",
        ),
        (
            "sub",
            |c| c["sub"] = "user-43".into(),
            "id_token_sub_mismatch",
        ),
    ];
    for (what, edit, code) in cases {
        let h = tab();
        logged_in_with_refresh_token(&h); // its ID token has an auth_time to compare with
        let e = refresh_with_id_token(&h, edit).unwrap_err();
        assert_eq!(e.code(), code, "{what}");
        assert!(h.client().stored_session().is_none(), "{what}");
    }
    // The login's own nonce repeated, or no nonce, is fine.
    let h = tab();
    logged_in_with_refresh_token(&h);
    let nonce = h.client().user().unwrap().claims()["nonce"]
        .as_str()
        .unwrap()
        .to_string();
    refresh_with_id_token(&h, move |c| c["nonce"] = nonce.as_str().into()).unwrap();
    refresh_with_id_token(&h, |_| {}).unwrap();
}

#[test]
fn id_token_times_are_checked_on_the_servers_clock() {
    // The browser's clock is 10 minutes fast; the ID token lives 5 minutes.
    let run = |date: Option<&str>| {
        let h = tab();
        h.platform.now.set(T0 + 600_000);
        let sent = start(&h);
        let mut claims = id_claims(&sent.nonce);
        claims["exp"] = (T0 / 1000 + 300).into();
        let id = signed(&claims);
        let headers: Vec<(&str, &str)> = date.map(|d| ("date", d)).into_iter().collect();
        h.platform
            .on(Post, "/token")
            .respond_with(200, &headers, oidc_tokens(Some(&id)));
        h.platform.on(Get, "/jwks").respond(200, jwk_set());
        block_on(h.client().handle_callback(&sent.callback(""))).map(|_| ())
    };
    // The token response's Date header gives the server's time: accepted.
    run(Some("Fri, 15 Jan 2027 08:00:00 GMT")).unwrap();
    // Without it, the browser's clock is all there is: expired.
    assert_eq!(run(None).unwrap_err().code(), "id_token_expired");
}

const TENANT: &str = "https://as.example/tenant";

/// A tenant's document: logout and revocation too, `plain` offered beside S256 (we use S256
/// all the same), and an extension we do not know.
fn tenant_doc() -> Value {
    let mut doc = discovery_document(TENANT);
    doc["end_session_endpoint"] = format!("{TENANT}/logout").into();
    doc["revocation_endpoint"] = format!("{TENANT}/revoke").into();
    doc["code_challenge_methods_supported"] = json!(["plain", "S256"]);
    doc["some_extension"] = json!({"nested": [1, 2]});
    doc
}

#[test]
fn discovery_is_fetched_once_and_applied() {
    let platform = FakePlatform::at(0);
    let cache = DocumentCache::default();
    platform
        .on(
            Get,
            "https://as.example/tenant/.well-known/openid-configuration",
        )
        .respond(200, tenant_doc());
    let m = block_on(discover(&platform, &cache, TENANT)).unwrap();
    let again = block_on(discover(&platform, &cache, TENANT)).unwrap();
    assert_eq!(m, again);
    assert_eq!(platform.requests.borrow().len(), 1, "cached for the page");
    assert_eq!(
        platform.requests.borrow()[0].url,
        "https://as.example/tenant/.well-known/openid-configuration"
    );
    // A failed fetch is not cached.
    let other = "https://other.example";
    let other_document = platform.on(
        Get,
        "https://other.example/.well-known/openid-configuration",
    );
    other_document.respond(500, "");
    assert_eq!(
        block_on(discover(&platform, &cache, other))
            .unwrap_err()
            .code(),
        "discovery_failed"
    );
    other_document.fail_network();
    assert_eq!(
        block_on(discover(&platform, &cache, other)),
        Err(Error::Network(None))
    );

    let raw = RawConfig {
        client_id: Some("app".into()),
        redirect_uri: Some("https://app.example/".into()),
        scopes: vec!["openid".into()],
        clock_tolerance_seconds: Some(5),
        ..Default::default()
    };
    let config = raw.with_discovery(m.clone()).unwrap();
    assert_eq!(config.issuer.as_deref(), Some(TENANT));
    assert_eq!(
        config.jwks_uri.as_ref().unwrap().as_str(),
        "https://as.example/tenant/jwks"
    );
    assert!(config.api_base.is_none(), "apiBase is not guessed");
    assert_eq!(config.clock_tolerance_s, 5);
    assert!(config.revocation_endpoint.is_some() && config.end_session_endpoint.is_some());

    let mut flagged = m.clone();
    flagged.authorization_response_iss_parameter_supported = true;
    let raw = RawConfig {
        client_id: Some("app".into()),
        redirect_uri: Some("https://app.example/".into()),
        ..Default::default()
    };
    assert!(
        raw.with_discovery(flagged)
            .unwrap()
            .authorization_response_iss_parameter_supported
    );

    let raw = RawConfig {
        client_id: Some("app".into()),
        redirect_uri: Some("https://app.example/".into()),
        token_endpoint: Some("https://elsewhere.example/token".into()),
        ..Default::default()
    };
    match raw.discovery_issuer().unwrap_err() {
        ConfigError::Invalid { field, .. } => assert_eq!(field, "tokenEndpoint"),
        other => panic!("{other:?}"),
    }
    match raw.with_discovery(m).unwrap_err() {
        ConfigError::Invalid { field, .. } => assert_eq!(field, "tokenEndpoint"),
        other => panic!("{other:?}"),
    }
    let no_issuer = RawConfig {
        client_id: Some("app".into()),
        ..Default::default()
    };
    assert!(no_issuer.discovery_issuer().is_err());
    let genesys = RawConfig {
        region: Some("mypurecloud.ie".into()),
        issuer: Some(TENANT.into()),
        ..Default::default()
    };
    assert!(genesys.discovery_issuer().is_err());
}

#[test]
fn a_deferred_discovery_refuses_bad_settings_before_any_fetch() {
    // PkceClient.discover on a signed-out page checks the settings with the issuer standing in
    // for the endpoints, then fetches in the background: the same refusals as with_discovery.
    let good = RawConfig {
        issuer: Some(TENANT.into()),
        client_id: Some("app".into()),
        redirect_uri: Some("https://app.example/".into()),
        scopes: vec!["openid".into()],
        ..Default::default()
    };
    let checked = good.precheck_discovery().unwrap();
    assert_eq!(checked.client_id, "app");
    let field = |raw: RawConfig| match raw.precheck_discovery().unwrap_err() {
        ConfigError::Invalid { field, .. } => field,
        other => panic!("{other:?}"),
    };
    let bad_redirect = RawConfig {
        redirect_uri: Some("javascript:alert(1)".into()),
        ..good.clone()
    };
    assert_eq!(field(bad_redirect), "redirectUri");
    let bad_scope = RawConfig {
        scopes: vec!["openid profile".into()],
        ..good.clone()
    };
    assert_eq!(field(bad_scope), "scopes");
    let endpoint_given = RawConfig {
        token_endpoint: Some("https://elsewhere.example/token".into()),
        ..good.clone()
    };
    assert_eq!(field(endpoint_given), "tokenEndpoint");
    let no_issuer = RawConfig {
        issuer: None,
        ..good
    };
    assert_eq!(field(no_issuer), "issuer");
}

#[test]
fn the_jwk_set_is_fetched_beside_the_token_request() {
    // Start-up: the callback page does not wait for the token response to ask for the keys.
    let h = tab();
    let sent = start(&h);
    let id = signed(&id_claims(&sent.nonce));
    h.platform
        .on(Post, "/token")
        .respond(200, oidc_tokens(Some(&id)));
    h.platform.on(Get, "/jwks").respond(200, jwk_set());
    h.platform.slow_fetch.set(true);
    crate::core::testing::block_on_yielding(h.client().handle_callback(&sent.callback("")))
        .unwrap();
    assert_eq!(
        *h.platform.fetch_log.borrow(),
        [
            "start POST /token",
            "start GET /jwks",
            "end POST /token",
            "end GET /jwks"
        ]
    );
    // The keys are then in the page's cache: verifying needed no second fetch.
    assert_eq!(h.platform.sent().len(), 2);
}

#[test]
fn a_page_without_a_session_can_put_discovery_off() {
    // PkceClient.discover defers the fetch when the tab lacks the document and holds no
    // session: the two questions it asks.
    let h = tab();
    let raw = RawConfig {
        client_id: Some(CLIENT_ID.into()),
        redirect_uri: Some(REDIRECT_URI.into()),
        issuer: Some(ISSUER.into()),
        ..Default::default()
    };
    assert!(discovery_needs_fetch(&h.documents, &raw, T0));
    h.documents.put(
        &format!("{ISSUER}/.well-known/openid-configuration"),
        "{}",
        None,
        T0,
    );
    assert!(!discovery_needs_fetch(&h.documents, &raw, T0));
    assert!(!has_stored_session(&*h.sessions, CLIENT_ID));
    logged_in_with_refresh_token(&h);
    assert!(has_stored_session(&*h.sessions, CLIENT_ID));
    assert!(!has_stored_session(&*h.sessions, "another-client"));
}
