//! The whole login flow against a fake platform: what is sent, what is stored, what survives.

use crate::core::WebUrl;

use crate::core::testing::{block_on, generic_config, tokens, TestTab, Tokens, T0};
use crate::core::Method::Post;
use crate::core::*;

/// The token response of a successful login: AT-1 for an hour, with refresh token RT-1.
fn tokens_1() -> Tokens {
    tokens("AT-1", Some("RT-1"), Some(3600)).scope("profile")
}

fn tab() -> TestTab {
    TestTab::new(generic_config())
}

#[test]
fn login_then_callback_stores_a_session() {
    let h = tab();
    let sent = h.start_login(
        &h.client(),
        LoginOptions {
            return_to: Some("/inbox".into()),
            ..Default::default()
        },
    );
    assert!(h.client().has_pending_login());
    h.platform.on(Post, "/token").respond(200, tokens_1());
    let summary = block_on(h.client().handle_callback(&sent.callback(""))).unwrap();
    assert_eq!(summary.expires_at, Some(T0 + 3_600_000));
    assert!(summary.has_refresh_token);
    assert_eq!(summary.return_to.as_deref(), Some("/inbox"));
    assert!(!h.client().has_pending_login(), "pending login deleted");

    // The token request: the verifier whose challenge went out, no secret.
    assert_eq!(h.platform.sent(), ["POST http://127.0.0.1:9000/token"]);
    let requests = h.platform.requests.borrow();
    let form = requests[0].form_params();
    let get = |k: &str| form.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
    assert_eq!(get("grant_type").as_deref(), Some("authorization_code"));
    assert_eq!(get("code").as_deref(), Some("CODE-1"));
    assert_eq!(get("client_id").as_deref(), Some("demo"));
    assert_eq!(
        get("redirect_uri").as_deref(),
        Some("http://127.0.0.1:8080/")
    );
    assert_eq!(get("code_verifier").unwrap().len(), 43);
    assert!(get("client_secret").is_none());

    // Reload: a new client on the same storage picks the session up, no redirect.
    let reloaded = h.client();
    assert!(reloaded.is_authenticated());
    assert_eq!(reloaded.access_token().unwrap().secret(), "AT-1");
}

#[test]
fn challenge_matches_the_exchanged_verifier() {
    use sha2::{Digest, Sha256};
    let h = tab();
    let url = block_on(h.client().start_login(LoginOptions::default())).unwrap();
    let q: Vec<(String, String)> = url.query_pairs().into_owned().collect();
    let get = |k: &str| {
        q.iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.clone())
            .unwrap()
    };
    assert!(
        !q.iter().any(|(k, _)| k == "nonce"),
        "no nonce without the openid scope"
    );
    let cb = WebUrl::parse(&format!(
        "http://127.0.0.1:8080/?code=c&state={}",
        get("state")
    ))
    .unwrap();
    h.platform.on(Post, "/token").respond(200, tokens_1());
    block_on(h.client().handle_callback(&cb)).unwrap();
    let verifier = h.platform.form(0, "code_verifier").unwrap();
    let expected = crate::core::b64::encode_url(&Sha256::digest(verifier.as_bytes()));
    assert_eq!(get("code_challenge"), expected);
}

#[test]
fn bad_callbacks_delete_the_pending_login_and_keep_the_session() {
    let h = tab();
    // An existing session from an earlier login.
    h.login(&h.client(), tokens_1());

    let cases: Vec<(&str, &str)> = vec![
        ("code=x&state=forged", "state_mismatch"),
        ("code=x", "state_mismatch"),
        ("code=a&code=b&state=s", "invalid_callback"),
    ];
    for (query, code) in cases {
        h.start_login(&h.client(), LoginOptions::default());
        let url = WebUrl::parse(&format!("http://127.0.0.1:8080/?{query}")).unwrap();
        let e = block_on(h.client().handle_callback(&url)).unwrap_err();
        assert_eq!(e.code(), code, "{query}");
        assert!(
            !h.client().has_pending_login(),
            "{query}: pending login deleted"
        );
        assert!(h.client().is_authenticated(), "{query}: session survives");
    }
    assert!(
        h.platform.requests.borrow().is_empty(),
        "no exchange for a bad callback"
    );
}

#[test]
fn replayed_callback_has_no_pending_login() {
    let h = tab();
    let sent = h.start_login(&h.client(), LoginOptions::default());
    h.platform.on(Post, "/token").respond(200, tokens_1());
    block_on(h.client().handle_callback(&sent.callback(""))).unwrap();
    let e = block_on(h.client().handle_callback(&sent.callback(""))).unwrap_err();
    assert_eq!(e, Error::Callback(CallbackError::MissingPendingLogin));
    assert!(h.client().is_authenticated());
    assert_eq!(
        h.platform.requests.borrow().len(),
        1,
        "the replay sends nothing"
    );
}

#[test]
fn denied_consent_is_an_authorization_error() {
    let h = tab();
    let sent = h.start_login(&h.client(), LoginOptions::default());
    let url = WebUrl::parse(&format!(
        "http://127.0.0.1:8080/?error=access_denied&state={}",
        sent.state
    ))
    .unwrap();
    let e = block_on(h.client().handle_callback(&url)).unwrap_err();
    assert_eq!(e.code(), "authorization_error");
    assert_eq!(e.oauth_error(), Some("access_denied"));
    assert!(!h.client().has_pending_login());
}

#[test]
fn expired_pending_login_is_refused() {
    let h = tab();
    let sent = h.start_login(&h.client(), LoginOptions::default());
    h.platform.now.set(T0 + 10 * 60 * 1000 + 1);
    assert_eq!(
        block_on(h.client().handle_callback(&sent.callback("")))
            .unwrap_err()
            .code(),
        "pending_login_expired"
    );
}

#[test]
fn not_a_callback_keeps_the_pending_login() {
    let h = tab();
    h.start_login(&h.client(), LoginOptions::default());
    let url = WebUrl::parse("http://127.0.0.1:8080/?page=2").unwrap();
    assert_eq!(
        block_on(h.client().handle_callback(&url))
            .unwrap_err()
            .code(),
        "not_a_callback"
    );
    assert!(h.client().has_pending_login());
}

#[test]
fn token_endpoint_failures() {
    let h = tab();
    let token = || h.platform.on(Post, "/token");
    let sent = h.start_login(&h.client(), LoginOptions::default());
    token().respond(
        400,
        r#"{"error":"invalid_grant","error_description":"code CODE-1 used"}"#,
    );
    let e = block_on(h.client().handle_callback(&sent.callback(""))).unwrap_err();
    assert_eq!(e.code(), "token_exchange_failed");
    assert_eq!(e.oauth_error(), Some("invalid_grant"));
    assert!(!e.to_string().contains("CODE-1"));
    assert!(!h.client().has_pending_login());
    assert!(!h.client().is_authenticated());

    // A transient failure is retried with backoff: three attempts in all, then reported.
    let sent = h.start_login(&h.client(), LoginOptions::default());
    let before = h.platform.requests.borrow().len();
    token().fail_network().respond(503, "").fail_network();
    assert_eq!(
        block_on(h.client().handle_callback(&sent.callback(""))).unwrap_err(),
        Error::Network(None)
    );
    assert_eq!(h.platform.requests.borrow().len(), before + 3);
    assert_eq!(h.platform.sleeps.borrow().len(), 2);
    assert!(h.platform.unanswered().is_empty(), "all three answers used");
    // ... and a retry that succeeds completes the login.
    let sent = h.start_login(&h.client(), LoginOptions::default());
    token().respond(502, "").respond(200, tokens_1());
    assert!(block_on(h.client().handle_callback(&sent.callback(""))).is_ok());
    h.client().logout();

    let sent = h.start_login(&h.client(), LoginOptions::default());
    token().respond(200, r#"{"access_token":"x","token_type":"mac"}"#);
    let e = block_on(h.client().handle_callback(&sent.callback(""))).unwrap_err();
    assert_eq!(
        e,
        Error::TokenExchange(TokenError::InvalidResponse("token_type is not Bearer"))
    );
    assert_eq!(e.code(), "invalid_token_response");
    assert_eq!(
        h.platform.sent(),
        ["POST http://127.0.0.1:9000/token"; 7],
        "every attempt went to the token endpoint"
    );
}

#[test]
fn expired_session_requires_login_and_is_cleared() {
    let h = tab();
    h.login(&h.client(), tokens_1());
    h.platform.now.set(T0 + 3_600_000);
    // With a refresh token the session is kept for a refresh...
    assert_eq!(
        h.client().access_token().unwrap_err().code(),
        "login_required"
    );
    assert!(h.client().stored_session().is_some());
    // ... without one it is cleared.
    h.login(&h.client(), tokens("AT-1", None, Some(3600)));
    h.platform.now.set(T0 + 2 * 3_600_000);
    assert_eq!(
        h.client().access_token().unwrap_err().code(),
        "login_required"
    );
    assert!(h.client().stored_session().is_none());
    assert_eq!(
        h.client().access_token().unwrap_err(),
        Error::LoginRequired("there is no session")
    );
}

#[test]
fn corrupt_storage_is_treated_as_absent() {
    let h = tab();
    h.sessions.set(&h.session_key(), "{not json").unwrap();
    assert!(!h.client().is_authenticated());
    assert_eq!(h.session_record(), None);
    h.pending.set(&h.pending_key(), r#"{"state":"s"}"#).unwrap();
    let url = WebUrl::parse("http://127.0.0.1:8080/?code=c&state=s").unwrap();
    assert_eq!(
        block_on(h.client().handle_callback(&url))
            .unwrap_err()
            .code(),
        "missing_pending_login"
    );
}

#[test]
fn login_options_are_checked() {
    let h = tab();
    let bad = LoginOptions {
        return_to: Some("https://evil.example/".into()),
        ..Default::default()
    };
    assert_eq!(
        block_on(h.client().start_login(bad)).unwrap_err().code(),
        "invalid_config"
    );
    let bad = LoginOptions {
        extra_params: [("code_challenge_method".to_string(), "plain".to_string())].into(),
        ..Default::default()
    };
    assert_eq!(
        block_on(h.client().start_login(bad)).unwrap_err().code(),
        "invalid_config"
    );
    assert!(!h.client().has_pending_login());
}

#[test]
fn api_urls_stay_under_the_api_base() {
    let h = tab();
    let c = h.client();
    assert_eq!(
        c.api_url("/api/v2/users/me").unwrap(),
        "http://127.0.0.1:9000/api/v2/users/me"
    );
    assert_eq!(
        c.api_url("api/v2/x?y=1").unwrap(),
        "http://127.0.0.1:9000/api/v2/x?y=1"
    );
    assert_eq!(
        c.api_url("http://127.0.0.1:9000/api/v2/x").unwrap(),
        "http://127.0.0.1:9000/api/v2/x"
    );
    for bad in [
        "https://evil.example/api",
        "http://127.0.0.1:9001/api",
        "//evil.example/x",
    ] {
        assert_eq!(c.api_url(bad).unwrap_err(), Error::InvalidApiUrl, "{bad}");
    }
}

#[test]
fn logout_clears_everything() {
    let h = tab();
    h.login(&h.client(), tokens_1());
    h.start_login(&h.client(), LoginOptions::default());
    h.client().logout();
    assert!(!h.client().is_authenticated());
    assert!(!h.client().has_pending_login());
    assert_eq!(
        h.client().access_token().unwrap_err().code(),
        "login_required"
    );
}

#[test]
fn without_openid_an_id_token_is_neither_stored_nor_reported() {
    // A server that sends an id_token although openid was not requested: nothing verifies
    // it, so it is dropped (no session field, no summary flag, no logout hint).
    let h = tab();
    let sent = h.start_login(&h.client(), LoginOptions::default());
    let body = tokens_1().id_token("eyJhbGciOiJub25lIn0.eyJzdWIiOiJtYWxsb3J5In0.");
    h.platform.on(Post, "/token").respond(200, body);
    let summary = block_on(h.client().handle_callback(&sent.callback(""))).unwrap();
    assert!(!summary.has_id_token);
    let session = h.client().stored_session().unwrap();
    assert!(session.id_token.is_none() && session.id_token_claims.is_none());
    assert!(!h.session_record().unwrap().contains("idToken"));
    assert!(h.client().user().is_none());

    // Nor after a refresh.
    let body = tokens("AT-2", Some("RT-2"), Some(3600)).id_token("eyJhbGciOiJub25lIn0.e30.");
    h.platform.on(Post, "/token").respond(200, body);
    block_on(h.client().refresh()).unwrap();
    assert!(h.client().stored_session().unwrap().id_token.is_none());
}

#[test]
fn requests_that_carry_a_secret_refuse_redirects() {
    // A 307/308 would re-send the body (code, verifier, refresh token) or the bearer token
    // elsewhere: those requests go with redirect "error"; public documents may follow.
    let h = tab();
    let sent = h.start_login(&h.client(), LoginOptions::default());
    h.platform.on(Post, "/token").respond(200, tokens_1());
    block_on(h.client().handle_callback(&sent.callback(""))).unwrap();
    let exchange = h.platform.requests.borrow()[0].clone();
    assert!(!exchange.follows_redirects(), "code exchange");

    let config = h.config().clone();
    let endpoint = WebUrl::parse("http://127.0.0.1:9000/x").unwrap();
    let rt = RefreshToken::new("RT");
    let at = AccessToken::new("AT");
    assert!(!refresh_request(&config, &rt).follows_redirects());
    let revoke = revocation_request(&config, &endpoint, Revocable::Refresh(&rt));
    assert!(!revoke.follows_redirects());
    assert!(!userinfo_request(&endpoint, &at).follows_redirects());
    assert!(!genesys_token_deletion_request("mypurecloud.ie", &at).follows_redirects());
    assert!(jwks_request(&endpoint).follows_redirects());
    assert!(discovery_request("http://127.0.0.1:9000")
        .unwrap()
        .follows_redirects());
}
