//! The hostile-input catalogue (docs/security.md), natively where the core decides: one test
//! per way an attacker or a broken server can fail us, named after the OpenID RP conformance
//! module where one fits (`oidcc_client_test_*`). Each asserts the refusal by its code, that
//! nothing is stored, and which requests went out.

use std::rc::Rc;

use crate::core::testing::{block_on, generic_config, tokens, TestTab, Tokens};
use crate::core::Method::Post;
use crate::core::*;

/// The token response of a successful login: AT-1 for an hour, with refresh token RT-1.
fn tokens_1() -> Tokens {
    tokens("AT-1", Some("RT-1"), Some(3600)).scope("profile")
}

/// A store that says it outlives the page, like sessionStorage.
struct KeptStore(Rc<MemoryStore>);

impl Store for KeptStore {
    fn get(&self, key: &str) -> Result<Option<String>, Error> {
        self.0.get(key)
    }
    fn set(&self, key: &str, value: &str) -> Result<(), Error> {
        self.0.set(key, value)
    }
    fn remove(&self, key: &str) -> Result<(), Error> {
        self.0.remove(key)
    }
    fn outlives_page(&self) -> bool {
        true
    }
}

// ---- the pending login: bound to its server and its redirect URI ---------------------------

/// Two clients with one client id and different authorization servers on one page share the
/// pending-login key: a login started by one is refused by the other (a mix-up that holds
/// without RFC 9207 `iss`, as with Genesys), and the pending login is gone either way.
#[test]
fn a_pending_login_taken_by_a_client_of_another_server_is_a_mix_up() {
    let h = TestTab::new(generic_config());
    let other_server = RawConfig {
        authorization_endpoint: Some("https://evil.example/auth".into()),
        token_endpoint: Some("https://evil.example/token".into()),
        ..generic_config()
    }
    .validate()
    .unwrap();
    let other = Client::new(
        other_server,
        &h.platform,
        Box::new(h.sessions.clone()),
        Box::new(h.pending.clone()),
    );
    let sent = h.start_login(&h.client(), LoginOptions::default());
    let e = block_on(other.handle_callback(&sent.callback(""))).unwrap_err();
    assert_eq!(e, Error::Callback(CallbackError::ServerMismatch));
    assert_eq!(e.code(), "issuer_mismatch");
    assert!(!h.client().has_pending_login(), "single use");
    assert!(h.platform.sent().is_empty(), "the code went nowhere");
    // The Messenger hand-off is held to the same binding.
    let sent = h.start_login(&h.client(), LoginOptions::default());
    let e = crate::core::testing::err(other.messenger_auth_code(&sent.callback("")));
    assert_eq!(e.code(), "issuer_mismatch");
    assert!(!h.client().has_pending_login());
    // An OpenID Connect client is bound to its issuer, not its token endpoint.
    let issuer = |issuer: &str| {
        RawConfig {
            issuer: Some(issuer.into()),
            ..generic_config()
        }
        .validate()
        .unwrap()
    };
    assert_eq!(
        issuer("https://as.example").authorization_server(),
        "https://as.example"
    );
    assert_eq!(
        generic_config().validate().unwrap().authorization_server(),
        "http://127.0.0.1:9000/token"
    );
    let first = TestTab::with_config(issuer("https://as.example"));
    let sent = first.start_login(&first.client(), LoginOptions::default());
    let second = Client::new(
        issuer("https://other.example"),
        &first.platform,
        Box::new(first.sessions.clone()),
        Box::new(first.pending.clone()),
    );
    let e = block_on(second.handle_callback(&sent.callback(""))).unwrap_err();
    assert_eq!(e.code(), "issuer_mismatch");
    assert!(first.platform.sent().is_empty());
}

/// A callback handled at another origin or path than the login's redirect URI (another page
/// of the app that calls handleCallback(), or a URL passed by hand) is refused, and the
/// pending login is gone.
#[test]
fn a_pending_login_taken_at_another_path_is_refused() {
    let h = TestTab::new(generic_config());
    for elsewhere in [
        "http://127.0.0.1:8080/other",
        "http://127.0.0.1:8080/other/",
        "http://127.0.0.1:8081/",
        "http://localhost:8080/",
        "https://127.0.0.1:8080/",
    ] {
        let sent = h.start_login(&h.client(), LoginOptions::default());
        let url = WebUrl::parse(&format!("{elsewhere}?code=CODE-1&state={}", sent.state)).unwrap();
        let e = block_on(h.client().handle_callback(&url)).unwrap_err();
        assert_eq!(
            e,
            Error::Callback(CallbackError::RedirectUriMismatch),
            "{elsewhere}"
        );
        assert_eq!(e.code(), "redirect_uri_mismatch");
        assert!(!h.client().has_pending_login(), "{elsewhere}: single use");
    }
    assert!(h.platform.sent().is_empty(), "no code was exchanged");
    // At the redirect URI itself, with other query parameters the app keeps, it works.
    let sent = h.start_login(&h.client(), LoginOptions::default());
    h.platform.on(Post, "/token").respond(200, tokens_1());
    let url = WebUrl::parse(&format!(
        "http://127.0.0.1:8080/?lang=en&code=CODE-1&state={}",
        sent.state
    ))
    .unwrap();
    assert!(block_on(h.client().handle_callback(&url)).is_ok());
}

// ---- returnTo: restored resolved, never raw ----------------------------------------------------

/// `returnTo` comes back as the resolved path of the redirect URI's origin (dot segments
/// gone, characters encoded as the browser would), never as the text given; what could turn
/// into another origin or path is refused before anything is stored (the cases themselves are
/// in `oauth::authorize`'s tests).
#[test]
fn return_to_is_restored_resolved_and_hostile_forms_store_nothing() {
    let h = TestTab::new(generic_config());
    let sent = h.start_login(
        &h.client(),
        LoginOptions {
            return_to: Some("/a/./b/../inbox?tab=2 x".into()),
            ..Default::default()
        },
    );
    h.platform.on(Post, "/token").respond(200, tokens_1());
    let summary = block_on(h.client().handle_callback(&sent.callback(""))).unwrap();
    assert_eq!(summary.return_to.as_deref(), Some("/a/inbox?tab=2%20x"));
    for bad in [
        "/.//evil.example",
        "/%2F%2Fevil.example",
        "/%5Cevil.example",
        "/\tevil",
        "/a\u{2028}b",
        "/evil.example@app",
        "//evil.example",
        "/\\evil.example",
    ] {
        let options = LoginOptions {
            return_to: Some(bad.into()),
            ..Default::default()
        };
        let e = block_on(h.client().start_login(options)).unwrap_err();
        assert_eq!(e.code(), "invalid_config", "{bad:?}");
        assert!(!h.client().has_pending_login(), "{bad:?}");
    }
}

// ---- blocked sessionStorage: a redirect login refuses up front ---------------------------------

/// A redirect login whose pending login would live in memory (sessionStorage blocked) would
/// come back to `missing_pending_login`; it is refused before anything happens, with
/// `storage_unavailable` and a message pointing at the popup login.
#[test]
fn a_redirect_login_without_storage_that_outlives_the_page_is_refused_up_front() {
    let h = TestTab::new(generic_config());
    let e = h.client().check_redirect_login().unwrap_err();
    assert_eq!(e, Error::RedirectNeedsStorage);
    assert_eq!(e.code(), "storage_unavailable");
    assert!(e.message().contains("loginPopup()"), "{}", e.message());
    assert!(!h.client().has_pending_login());
    let kept = Client::new(
        h.config().clone(),
        &h.platform,
        Box::new(h.sessions.clone()),
        Box::new(KeptStore(h.pending.clone())),
    );
    assert_eq!(kept.check_redirect_login(), Ok(()));
}
