//! The whole login flow against a fake platform: what is sent, what is stored, what survives.

use std::rc::Rc;

use url::Url;

use crate::core::testing::{block_on, FakePlatform};
use crate::core::*;

const T0: u64 = 1_800_000_000_000;
const TOKENS: &str = r#"{"access_token":"AT-1","token_type":"Bearer","expires_in":3600,"refresh_token":"RT-1","scope":"openid users:readonly"}"#;

struct Harness {
    platform: FakePlatform,
    sessions: Rc<MemoryStore>,
    pending: Rc<MemoryStore>,
}

impl Harness {
    fn new() -> Self {
        Harness {
            platform: FakePlatform::at(T0),
            sessions: Rc::default(),
            pending: Rc::default(),
        }
    }

    fn client(&self) -> Client<&FakePlatform> {
        let config = RawConfig {
            client_id: Some("demo".into()),
            redirect_uri: Some("http://127.0.0.1:8080/".into()),
            authorization_endpoint: Some("http://127.0.0.1:9000/auth".into()),
            token_endpoint: Some("http://127.0.0.1:9000/token".into()),
            api_base: Some("http://127.0.0.1:9000/".into()),
            // Plain OAuth 2.0 here; the OpenID Connect flow is in oidc_tests.rs.
            scopes: vec!["users:readonly".into()],
            ..Default::default()
        }
        .validate()
        .unwrap();
        Client::new(
            config,
            &self.platform,
            Box::new(self.sessions.clone()),
            Box::new(self.pending.clone()),
        )
    }

    /// Starts a login and returns the callback URL the server would redirect to.
    fn login(&self, options: LoginOptions) -> (Url, String) {
        let url = block_on(self.client().start_login(options)).ok().unwrap();
        let state = url
            .query_pairs()
            .find(|(k, _)| k == "state")
            .unwrap()
            .1
            .into_owned();
        let cb = Url::parse(&format!("http://127.0.0.1:8080/?code=CODE-1&state={state}")).unwrap();
        (cb, state)
    }
}

fn err<T>(r: Result<T, Error>) -> Error {
    match r {
        Ok(_) => panic!("expected an error"),
        Err(e) => e,
    }
}

#[test]
fn login_then_callback_stores_a_session() {
    let h = Harness::new();
    let (callback, _) = h.login(LoginOptions {
        return_to: Some("/inbox".into()),
        ..Default::default()
    });
    assert!(h.client().has_pending_login());
    h.platform.respond(200, TOKENS);
    let summary = block_on(h.client().handle_callback(&callback))
        .ok()
        .unwrap();
    assert_eq!(summary.expires_at, Some(T0 + 3_600_000));
    assert!(summary.has_refresh_token);
    assert_eq!(summary.return_to.as_deref(), Some("/inbox"));
    assert!(!h.client().has_pending_login(), "pending login deleted");

    // The token request: the verifier whose challenge went out, no secret.
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
    assert_eq!(reloaded.access_token().ok().unwrap().secret(), "AT-1");
}

#[test]
fn challenge_matches_the_exchanged_verifier() {
    use sha2::{Digest, Sha256};
    let h = Harness::new();
    let url = block_on(h.client().start_login(LoginOptions::default()))
        .ok()
        .unwrap();
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
    let cb = Url::parse(&format!(
        "http://127.0.0.1:8080/?code=c&state={}",
        get("state")
    ))
    .unwrap();
    h.platform.respond(200, TOKENS);
    block_on(h.client().handle_callback(&cb)).ok().unwrap();
    let verifier = h.platform.requests.borrow()[0]
        .form_params()
        .into_iter()
        .find(|(k, _)| k == "code_verifier")
        .unwrap()
        .1;
    let expected = crate::core::b64::encode_url(&Sha256::digest(verifier.as_bytes()));
    assert_eq!(get("code_challenge"), expected);
}

#[test]
fn bad_callbacks_delete_the_pending_login_and_keep_the_session() {
    let h = Harness::new();
    // An existing session from an earlier login.
    let (cb, _) = h.login(LoginOptions::default());
    h.platform.respond(200, TOKENS);
    block_on(h.client().handle_callback(&cb)).ok().unwrap();

    let cases: Vec<(&str, &str)> = vec![
        ("code=x&state=forged", "state_mismatch"),
        ("code=x", "state_mismatch"),
        ("code=a&code=b&state=s", "invalid_callback"),
    ];
    for (query, code) in cases {
        h.login(LoginOptions::default());
        let url = Url::parse(&format!("http://127.0.0.1:8080/?{query}")).unwrap();
        let e = err(block_on(h.client().handle_callback(&url)));
        assert_eq!(e.code(), code, "{query}");
        assert!(
            !h.client().has_pending_login(),
            "{query}: pending login deleted"
        );
        assert!(h.client().is_authenticated(), "{query}: session survives");
    }
    assert_eq!(
        h.platform.requests.borrow().len(),
        1,
        "no exchange for a bad callback"
    );
}

#[test]
fn replayed_callback_has_no_pending_login() {
    let h = Harness::new();
    let (cb, _) = h.login(LoginOptions::default());
    h.platform.respond(200, TOKENS);
    block_on(h.client().handle_callback(&cb)).ok().unwrap();
    let e = err(block_on(h.client().handle_callback(&cb)));
    assert_eq!(e, Error::Callback(CallbackError::MissingPendingLogin));
    assert!(h.client().is_authenticated());
}

#[test]
fn denied_consent_is_an_authorization_error() {
    let h = Harness::new();
    let (_, state) = h.login(LoginOptions::default());
    let url = Url::parse(&format!(
        "http://127.0.0.1:8080/?error=access_denied&state={state}"
    ))
    .unwrap();
    let e = err(block_on(h.client().handle_callback(&url)));
    assert_eq!(e.code(), "authorization_error");
    assert_eq!(e.oauth_error(), Some("access_denied"));
    assert!(!h.client().has_pending_login());
}

#[test]
fn expired_pending_login_is_refused() {
    let h = Harness::new();
    let (cb, _) = h.login(LoginOptions::default());
    h.platform.now.set(T0 + 10 * 60 * 1000 + 1);
    assert_eq!(
        err(block_on(h.client().handle_callback(&cb))).code(),
        "pending_login_expired"
    );
}

#[test]
fn not_a_callback_keeps_the_pending_login() {
    let h = Harness::new();
    h.login(LoginOptions::default());
    let url = Url::parse("http://127.0.0.1:8080/?page=2").unwrap();
    assert_eq!(
        err(block_on(h.client().handle_callback(&url))).code(),
        "not_a_callback"
    );
    assert!(h.client().has_pending_login());
}

#[test]
fn token_endpoint_failures() {
    let h = Harness::new();
    let (cb, _) = h.login(LoginOptions::default());
    h.platform.respond(
        400,
        r#"{"error":"invalid_grant","error_description":"code CODE-1 used"}"#,
    );
    let e = err(block_on(h.client().handle_callback(&cb)));
    assert_eq!(e.code(), "token_exchange_failed");
    assert_eq!(e.oauth_error(), Some("invalid_grant"));
    assert!(!e.to_string().contains("CODE-1"));
    assert!(!h.client().has_pending_login());
    assert!(!h.client().is_authenticated());

    // A transient failure is retried with backoff: three attempts in all, then reported.
    let (cb, _) = h.login(LoginOptions::default());
    let sent = h.platform.requests.borrow().len();
    h.platform.fail_network();
    h.platform.respond(503, "");
    h.platform.fail_network();
    assert_eq!(
        err(block_on(h.client().handle_callback(&cb))),
        Error::Network(None)
    );
    assert_eq!(h.platform.requests.borrow().len(), sent + 3);
    assert_eq!(h.platform.sleeps.borrow().len(), 2);
    // ... and a retry that succeeds completes the login.
    let (cb, _) = h.login(LoginOptions::default());
    h.platform.respond(502, "");
    h.platform.respond(200, TOKENS);
    assert!(block_on(h.client().handle_callback(&cb)).is_ok());
    h.client().logout();

    let (cb, _) = h.login(LoginOptions::default());
    h.platform
        .respond(200, r#"{"access_token":"x","token_type":"mac"}"#);
    let e = err(block_on(h.client().handle_callback(&cb)));
    assert_eq!(
        e,
        Error::TokenExchange(TokenError::InvalidResponse("token_type is not Bearer"))
    );
    assert_eq!(e.code(), "invalid_token_response");
}

#[test]
fn expired_session_requires_login_and_is_cleared() {
    let h = Harness::new();
    let (cb, _) = h.login(LoginOptions::default());
    h.platform.respond(200, TOKENS);
    block_on(h.client().handle_callback(&cb)).ok().unwrap();
    h.platform.now.set(T0 + 3_600_000);
    // With a refresh token the session is kept for a refresh...
    assert_eq!(err(h.client().access_token()).code(), "login_required");
    assert!(h.client().stored_session().is_some());
    // ... without one it is cleared.
    let (cb, _) = h.login(LoginOptions::default());
    h.platform.respond(
        200,
        r#"{"access_token":"AT-1","token_type":"Bearer","expires_in":3600}"#,
    );
    block_on(h.client().handle_callback(&cb)).ok().unwrap();
    h.platform.now.set(T0 + 2 * 3_600_000);
    assert_eq!(err(h.client().access_token()).code(), "login_required");
    assert!(h.client().stored_session().is_none());
    assert_eq!(
        err(h.client().access_token()),
        Error::LoginRequired("there is no session")
    );
}

#[test]
fn corrupt_storage_is_treated_as_absent() {
    let h = Harness::new();
    h.sessions.set("pixie:demo:session", "{not json").unwrap();
    assert!(!h.client().is_authenticated());
    assert_eq!(h.sessions.get("pixie:demo:session").unwrap(), None);
    h.pending
        .set("pixie:demo:pending", r#"{"state":"s"}"#)
        .unwrap();
    let url = Url::parse("http://127.0.0.1:8080/?code=c&state=s").unwrap();
    assert_eq!(
        err(block_on(h.client().handle_callback(&url))).code(),
        "missing_pending_login"
    );
}

#[test]
fn login_options_are_checked() {
    let h = Harness::new();
    let bad = LoginOptions {
        return_to: Some("https://evil.example/".into()),
        ..Default::default()
    };
    assert_eq!(
        err(block_on(h.client().start_login(bad))).code(),
        "invalid_config"
    );
    let bad = LoginOptions {
        extra_params: [("code_challenge_method".to_string(), "plain".to_string())].into(),
        ..Default::default()
    };
    assert_eq!(
        err(block_on(h.client().start_login(bad))).code(),
        "invalid_config"
    );
    assert!(!h.client().has_pending_login());
}

#[test]
fn api_urls_stay_under_the_api_base() {
    let h = Harness::new();
    let c = h.client();
    assert_eq!(
        c.api_url("/api/v2/users/me").ok().unwrap(),
        "http://127.0.0.1:9000/api/v2/users/me"
    );
    assert_eq!(
        c.api_url("api/v2/x?y=1").ok().unwrap(),
        "http://127.0.0.1:9000/api/v2/x?y=1"
    );
    assert_eq!(
        c.api_url("http://127.0.0.1:9000/api/v2/x").ok().unwrap(),
        "http://127.0.0.1:9000/api/v2/x"
    );
    for bad in [
        "https://evil.example/api",
        "http://127.0.0.1:9001/api",
        "//evil.example/x",
    ] {
        assert_eq!(err(c.api_url(bad)), Error::InvalidApiUrl, "{bad}");
    }
}

#[test]
fn logout_clears_everything() {
    let h = Harness::new();
    let (cb, _) = h.login(LoginOptions::default());
    h.platform.respond(200, TOKENS);
    block_on(h.client().handle_callback(&cb)).ok().unwrap();
    h.login(LoginOptions::default());
    h.client().logout();
    assert!(!h.client().is_authenticated());
    assert!(!h.client().has_pending_login());
    assert_eq!(err(h.client().access_token()).code(), "login_required");
}
