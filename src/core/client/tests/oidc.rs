//! The OpenID Connect login flow against a fake platform: login with `openid` → callback →
//! token response with an ID token signed by a test key → JWK Set fetched → session stored
//! with the verified claims; every failure leaves no new session. Also RFC 9207 `iss`, the
//! Genesys Messenger hand-off and UserInfo.

use std::rc::Rc;

use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use url::Url;

use crate::core::testing::keys::test_keys;
use crate::core::testing::{block_on, FakePlatform};
use crate::core::*;

const T0: u64 = 1_800_000_000_000;
const ISSUER: &str = "http://127.0.0.1:9000";
const CLIENT: &str = "demo";

struct Harness {
    platform: FakePlatform,
    sessions: Rc<MemoryStore>,
    pending: Rc<MemoryStore>,
    documents: Rc<DocumentCache>,
    config: Config,
}

/// What a login sent: its state and nonce, and the challenge.
struct Sent {
    state: String,
    nonce: String,
    challenge: String,
}

impl Sent {
    fn callback(&self, extra: &str) -> Url {
        Url::parse(&format!(
            "http://127.0.0.1:8080/?code=CODE-1&state={}{extra}",
            self.state
        ))
        .unwrap()
    }
}

fn config() -> Config {
    RawConfig {
        client_id: Some(CLIENT.into()),
        redirect_uri: Some("http://127.0.0.1:8080/".into()),
        authorization_endpoint: Some(format!("{ISSUER}/auth")),
        token_endpoint: Some(format!("{ISSUER}/token")),
        issuer: Some(ISSUER.into()),
        jwks_uri: Some(format!("{ISSUER}/jwks")),
        userinfo_endpoint: Some(format!("{ISSUER}/me")),
        scopes: vec!["openid".into(), "profile".into()],
        ..Default::default()
    }
    .validate()
    .unwrap()
}

fn jwks() -> String {
    let k = test_keys();
    json!({"keys": [k.jwk(JwsAlg::Rs256, "rsa"), k.jwk(JwsAlg::Es256, "p256")]}).to_string()
}

fn id_claims(nonce: &str) -> Value {
    json!({
        "iss": ISSUER, "sub": "user-42", "aud": CLIENT, "exp": T0 / 1000 + 600,
        "iat": T0 / 1000, "nonce": nonce, "name": "Grace Hopper",
    })
}

fn tokens(id_token: Option<&str>) -> String {
    let mut t = json!({"access_token":"AT-1","token_type":"Bearer","expires_in":3600,
        "scope":"openid profile"});
    if let Some(id) = id_token {
        t["id_token"] = id.into();
    }
    t.to_string()
}

impl Harness {
    fn new() -> Self {
        Self::with_config(config())
    }

    fn with_config(config: Config) -> Self {
        Harness {
            platform: FakePlatform::at(T0),
            sessions: Rc::default(),
            pending: Rc::default(),
            documents: Rc::default(),
            config,
        }
    }

    fn client(&self) -> Client<&FakePlatform> {
        Client::new(
            self.config.clone(),
            &self.platform,
            Box::new(self.sessions.clone()),
            Box::new(self.pending.clone()),
        )
        .with_document_cache(self.documents.clone())
    }

    fn login_with(&self, options: LoginOptions) -> Sent {
        let url = block_on(self.client().start_login(options)).unwrap();
        let get = |name: &str| {
            url.query_pairs()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.into_owned())
                .unwrap_or_default()
        };
        Sent {
            state: get("state"),
            nonce: get("nonce"),
            challenge: get("code_challenge"),
        }
    }

    fn login(&self) -> Sent {
        self.login_with(LoginOptions::default())
    }

    /// A full successful login; returns what was sent.
    fn logged_in(&self) -> Sent {
        let sent = self.login();
        let id = test_keys().sign(JwsAlg::Rs256, "rsa", &id_claims(&sent.nonce));
        self.platform.respond(200, &tokens(Some(&id)));
        if self.documents.get(&format!("{ISSUER}/jwks")).is_none() {
            self.platform.respond(200, &jwks());
        }
        block_on(self.client().handle_callback(&sent.callback(""))).unwrap();
        sent
    }

    fn requests(&self) -> Vec<String> {
        self.platform
            .requests
            .borrow()
            .iter()
            .map(|r| r.url.clone())
            .collect()
    }
}

#[test]
fn login_sends_a_nonce_and_stores_it_with_the_pending_login() {
    let h = Harness::new();
    let sent = h.login();
    assert_eq!(sent.nonce.len(), 43, "32 random bytes, base64url");
    assert_ne!(sent.nonce, sent.state);
    let pending = h.pending.get_raw("pixie:demo:pending");
    assert!(pending.contains(&sent.nonce));
}

#[test]
fn openid_login_verifies_the_id_token_and_keeps_the_claims() {
    let h = Harness::new();
    let sent = h.login();
    let id = test_keys().sign(JwsAlg::Rs256, "rsa", &id_claims(&sent.nonce));
    h.platform.respond(200, &tokens(Some(&id)));
    h.platform.respond(200, &jwks());
    let summary = block_on(h.client().handle_callback(&sent.callback(""))).unwrap();
    assert!(summary.has_id_token);
    assert_eq!(
        h.requests(),
        vec![format!("{ISSUER}/token"), format!("{ISSUER}/jwks")]
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
    let sent = h.login();
    let id = test_keys().sign(JwsAlg::Es256, "p256", &id_claims(&sent.nonce));
    h.platform.respond(200, &tokens(Some(&id)));
    block_on(h.client().handle_callback(&sent.callback(""))).unwrap();
    assert_eq!(
        h.requests().len(),
        3,
        "token only: the JWK Set is cached for the page"
    );

    // Once the access token expires, there is no user.
    h.platform.now.set(T0 + 3_600_000);
    assert!(h.client().user().is_none());
}

#[test]
fn every_id_token_failure_stores_no_session_and_keeps_the_earlier_one() {
    let h = Harness::new();
    h.logged_in();
    let earlier = h.client().access_token().unwrap();
    let k = test_keys();
    fn signed(claims: &Value) -> String {
        test_keys().sign(JwsAlg::Rs256, "rsa", claims)
    }
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
                c["aud"] = json!([CLIENT, "someone-else"]);
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
        let sent = h.login();
        h.platform
            .respond(200, &tokens(make(&sent.nonce).as_deref()));
        if code == "id_token_unknown_kid" {
            h.platform.respond(200, &jwks()); // the one refetch
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
            h.platform.responses.borrow().is_empty(),
            "{code}: all answers used"
        );
    }
}

#[test]
fn a_failed_first_login_stores_nothing() {
    let h = Harness::new();
    let sent = h.login();
    let id = test_keys().sign(JwsAlg::Rs256, "rsa", &id_claims("wrong"));
    h.platform.respond(200, &tokens(Some(&id)));
    h.platform.respond(200, &jwks());
    let e = block_on(h.client().handle_callback(&sent.callback(""))).unwrap_err();
    assert_eq!(e.code(), "id_token_nonce_mismatch");
    assert!(h.sessions.get_raw_opt("pixie:demo:session").is_none());
    assert!(!h.client().is_authenticated());
    assert!(h.client().user().is_none());
}

#[test]
fn max_age_requires_a_recent_auth_time() {
    let h = Harness::new();
    let opts = || LoginOptions {
        extra_params: [("max_age".to_string(), "60".to_string())].into(),
        return_to: None,
    };
    let sent = h.login_with(opts());
    let id = test_keys().sign(JwsAlg::Rs256, "rsa", &id_claims(&sent.nonce));
    h.platform.respond(200, &tokens(Some(&id)));
    h.platform.respond(200, &jwks());
    let e = block_on(h.client().handle_callback(&sent.callback(""))).unwrap_err();
    assert_eq!(e.code(), "id_token_auth_time_invalid");

    let sent = h.login_with(opts());
    let mut claims = id_claims(&sent.nonce);
    claims["auth_time"] = (T0 / 1000 - 30).into();
    let id = test_keys().sign(JwsAlg::Rs256, "rsa", &claims);
    h.platform.respond(200, &tokens(Some(&id)));
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
    let mut advertised = config();
    advertised.authorization_response_iss_parameter_supported = true;
    let h = Harness::with_config(advertised);
    for (extra, code) in [
        ("", "issuer_mismatch"),
        ("&iss=https%3A%2F%2Fevil.example", "issuer_mismatch"),
        ("&iss=http%3A%2F%2F127.0.0.1%3A9000%2F", "issuer_mismatch"),
    ] {
        let sent = h.login();
        let e = block_on(h.client().handle_callback(&sent.callback(extra))).unwrap_err();
        assert_eq!(e.code(), code, "{extra}");
        assert!(!h.client().has_pending_login());
    }
    assert!(h.requests().is_empty(), "no code was exchanged");
    let sent = h.login();
    let id = test_keys().sign(JwsAlg::Rs256, "rsa", &id_claims(&sent.nonce));
    h.platform.respond(200, &tokens(Some(&id)));
    h.platform.respond(200, &jwks());
    block_on(h.client().handle_callback(&sent.callback(iss))).unwrap();

    // Not advertised: absent is fine, but a present iss must still match.
    let h = Harness::new();
    let sent = h.login();
    let e = block_on(
        h.client()
            .handle_callback(&sent.callback("&iss=https%3A%2F%2Fevil.example")),
    )
    .unwrap_err();
    assert_eq!(e.code(), "issuer_mismatch");
    h.logged_in();
    let sent = h.login();
    let id = test_keys().sign(JwsAlg::Rs256, "rsa", &id_claims(&sent.nonce));
    h.platform.respond(200, &tokens(Some(&id)));
    block_on(h.client().handle_callback(&sent.callback(iss))).unwrap();
}

#[test]
fn messenger_hand_off_returns_the_code_and_the_verifier_of_the_sent_challenge() {
    let h = Harness::new();
    let sent = h.login_with(LoginOptions {
        extra_params: [("max_age".to_string(), "900".to_string())].into(),
        return_to: None,
    });
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
    assert!(h.requests().is_empty(), "the code is not exchanged");
    assert!(!h.client().is_authenticated());
    // Single use: the same callback again has no pending login.
    let e = h
        .client()
        .messenger_auth_code(&sent.callback(""))
        .err()
        .unwrap();
    assert_eq!(e.code(), "missing_pending_login");

    // Without iss and max_age, those fields are absent.
    let sent = h.login();
    let handoff = h.client().messenger_auth_code(&sent.callback("")).unwrap();
    assert!(handoff.iss.is_none() && handoff.max_age.is_none());
}

#[test]
fn messenger_hand_off_refuses_bad_callbacks() {
    let h = Harness::new();
    h.login();
    let forged = Url::parse("http://127.0.0.1:8080/?code=CODE-1&state=forged").unwrap();
    let e = h.client().messenger_auth_code(&forged).err().unwrap();
    assert_eq!(e.code(), "state_mismatch");
    assert!(!h.client().has_pending_login(), "pending login cleared");

    let sent = h.login();
    let e = h
        .client()
        .messenger_auth_code(&sent.callback("&iss=https%3A%2F%2Fevil.example"))
        .err()
        .unwrap();
    assert_eq!(e.code(), "issuer_mismatch");

    h.login();
    let plain = Url::parse("http://127.0.0.1:8080/?page=2").unwrap();
    let e = h.client().messenger_auth_code(&plain).err().unwrap();
    assert_eq!(e, Error::Callback(CallbackError::NotACallback));
    assert_eq!(e.code(), "not_a_callback");
    assert!(
        h.client().has_pending_login(),
        "not a callback: pending login kept"
    );

    let sent = h.login();
    let denied = Url::parse(&format!(
        "http://127.0.0.1:8080/?error=access_denied&state={}",
        sent.state
    ))
    .unwrap();
    let e = h.client().messenger_auth_code(&denied).err().unwrap();
    assert_eq!(e.code(), "authorization_error");
}

#[test]
fn userinfo_is_checked_against_the_id_token_subject() {
    let h = Harness::new();
    h.logged_in();
    h.platform
        .respond(200, r#"{"sub":"user-42","email":"grace@example.com"}"#);
    let info = block_on(h.client().load_userinfo()).unwrap();
    assert_eq!(info.claims()["email"], "grace@example.com");
    let last = h.platform.requests.borrow().last().cloned().unwrap();
    assert_eq!(last.url, format!("{ISSUER}/me"));
    assert_eq!(last.header("authorization"), Some("Bearer AT-1"));

    h.platform
        .respond(200, r#"{"sub":"user-43","email":"mallory@example.com"}"#);
    let e = block_on(h.client().load_userinfo()).unwrap_err();
    assert_eq!(e.code(), "userinfo_sub_mismatch");
    assert!(h.client().is_authenticated(), "the session is not at fault");

    h.platform.respond(401, "");
    let e = block_on(h.client().load_userinfo()).unwrap_err();
    assert_eq!(e.code(), "login_required");
    assert!(
        !h.client().is_authenticated(),
        "a refused token clears the session"
    );

    let e = block_on(h.client().load_userinfo()).unwrap_err();
    assert_eq!(e.code(), "login_required");
}

#[test]
fn userinfo_needs_an_endpoint() {
    let mut c = config();
    c.userinfo_endpoint = None;
    let h = Harness::with_config(c);
    h.logged_in();
    let e = block_on(h.client().load_userinfo()).unwrap_err();
    assert_eq!(e.code(), "invalid_config");
}

#[test]
fn discovered_configuration_drives_the_flow() {
    let platform = FakePlatform::at(T0);
    let cache = DocumentCache::default();
    platform.respond(
        200,
        &json!({
            "issuer": ISSUER,
            "authorization_endpoint": format!("{ISSUER}/auth"),
            "token_endpoint": format!("{ISSUER}/token"),
            "jwks_uri": format!("{ISSUER}/jwks"),
            "userinfo_endpoint": format!("{ISSUER}/me"),
            "code_challenge_methods_supported": ["S256"],
            "authorization_response_iss_parameter_supported": true,
        })
        .to_string(),
    );
    let metadata = block_on(discover(&platform, &cache, ISSUER)).unwrap();
    let raw = RawConfig {
        client_id: Some(CLIENT.into()),
        redirect_uri: Some("http://127.0.0.1:8080/".into()),
        scopes: vec!["openid".into()],
        ..Default::default()
    };
    let h = Harness::with_config(raw.with_discovery(metadata).unwrap());
    let sent = h.login();
    // The flag came from discovery: no iss, no login.
    let e = block_on(h.client().handle_callback(&sent.callback(""))).unwrap_err();
    assert_eq!(e.code(), "issuer_mismatch");
}

/// Raw store access for assertions.
trait Raw {
    fn get_raw(&self, key: &str) -> String;
    fn get_raw_opt(&self, key: &str) -> Option<String>;
}

impl Raw for Rc<MemoryStore> {
    fn get_raw(&self, key: &str) -> String {
        self.get_raw_opt(key).unwrap()
    }
    fn get_raw_opt(&self, key: &str) -> Option<String> {
        use crate::core::store::Store;
        self.get(key).unwrap()
    }
}

/// Logs in with a refresh token in the token response.
fn logged_in_with_refresh_token(h: &Harness) {
    let sent = h.login();
    let id = test_keys().sign(JwsAlg::Rs256, "rsa", &id_claims(&sent.nonce));
    let mut t: Value = serde_json::from_str(&tokens(Some(&id))).unwrap();
    t["refresh_token"] = "RT-1".into();
    h.platform.respond(200, &t.to_string());
    h.platform.respond(200, &jwks());
    block_on(h.client().handle_callback(&sent.callback(""))).unwrap();
}

/// A refresh whose response carries an ID token with these claims.
fn refresh_with_id_token(h: &Harness, edit: impl FnOnce(&mut Value)) -> Result<(), Error> {
    let mut claims = id_claims("");
    claims.as_object_mut().unwrap().remove("nonce");
    claims["iat"] = (T0 / 1000 + 1).into();
    edit(&mut claims);
    let id = test_keys().sign(JwsAlg::Rs256, "rsa", &claims);
    let body = json!({"access_token":"AT-2","token_type":"Bearer","expires_in":3600,
        "refresh_token":"RT-2","id_token": id});
    h.platform.respond(200, &body.to_string());
    block_on(h.client().refresh()).map(|_| ())
}

#[test]
fn a_refreshed_id_token_is_verified_and_names_the_same_user() {
    // OIDC Core §12.2: same user, new claims: accepted, the claims are the new ones.
    let h = Harness::new();
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
    let h = Harness::new();
    logged_in_with_refresh_token(&h);
    let e = refresh_with_id_token(&h, |c| c["sub"] = "mallory".into()).unwrap_err();
    assert_eq!(e.code(), "id_token_sub_mismatch");
    assert!(h.client().stored_session().is_none());

    // Another audience: refused the same way (every check of the login applies).
    let h = Harness::new();
    logged_in_with_refresh_token(&h);
    let e = refresh_with_id_token(&h, |c| c["aud"] = "someone-else".into()).unwrap_err();
    assert_eq!(e.code(), "id_token_aud_mismatch");
    assert!(h.client().stored_session().is_none());
}

#[test]
fn id_token_times_are_checked_on_the_servers_clock() {
    // The browser's clock is 10 minutes fast; the ID token lives 5 minutes.
    let run = |date: Option<&str>| {
        let h = Harness::new();
        h.platform.now.set(T0 + 600_000);
        let sent = h.login();
        let mut claims = id_claims(&sent.nonce);
        claims["exp"] = (T0 / 1000 + 300).into();
        let id = test_keys().sign(JwsAlg::Rs256, "rsa", &claims);
        let headers: Vec<(&str, &str)> = date.map(|d| ("date", d)).into_iter().collect();
        h.platform.respond_with(200, &headers, &tokens(Some(&id)));
        h.platform.respond(200, &jwks());
        block_on(h.client().handle_callback(&sent.callback(""))).map(|_| ())
    };
    // The token response's Date header gives the server's time: accepted.
    run(Some("Fri, 15 Jan 2027 08:00:00 GMT")).unwrap();
    // Without it, the browser's clock is all there is: expired.
    assert_eq!(run(None).unwrap_err().code(), "id_token_expired");
}

const TENANT: &str = "https://as.example/tenant";

fn tenant_doc() -> serde_json::Value {
    json!({
        "issuer": TENANT,
        "authorization_endpoint": "https://as.example/tenant/authorize",
        "token_endpoint": "https://as.example/tenant/token",
        "jwks_uri": "https://as.example/tenant/jwks",
        "userinfo_endpoint": "https://as.example/tenant/me",
        "end_session_endpoint": "https://as.example/tenant/logout",
        "revocation_endpoint": "https://as.example/tenant/revoke",
        "code_challenge_methods_supported": ["plain", "S256"],
        "response_types_supported": ["code"],
        "some_extension": {"nested": [1, 2]},
    })
}

#[test]
fn discovery_is_fetched_once_and_applied() {
    let platform = FakePlatform::at(0);
    let cache = DocumentCache::default();
    platform.respond(200, &tenant_doc().to_string());
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
    platform.respond(500, "");
    assert_eq!(
        block_on(discover(&platform, &cache, other))
            .unwrap_err()
            .code(),
        "discovery_failed"
    );
    platform.fail_network();
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
