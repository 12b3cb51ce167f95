//! One browser tab in the tests: a [`FakePlatform`], the tab's session and pending-login
//! storage, the page's document cache, and a configuration, with the login steps written once.

use std::fmt::Display;
use std::rc::Rc;

use crate::core::WebUrl;

use super::block_on;
use super::builders::{id_claims, id_token, jwk_set, Tokens, T0};
use super::platform::{Answers, FakePlatform};
use crate::core::cache::DocumentCache;
use crate::core::client::Client;
use crate::core::http::Method;
use crate::core::oauth::{Config, LoginOptions, RawConfig};
use crate::core::oidc::JwsAlg;
use crate::core::store::{MemoryStore, Store};

/// A client on a [`TestTab`]'s platform.
pub type TestClient<'a> = Client<&'a FakePlatform>;

/// What a started login sent in its authorization URL.
pub struct Sent {
    /// The `state` parameter.
    pub state: String,
    /// The `nonce` parameter (empty without `openid`).
    pub nonce: String,
    /// The `code_challenge` parameter.
    pub challenge: String,
}

impl Sent {
    /// The callback the server would redirect to: `code=CODE-1`, this `state`, then `extra`
    /// (such as `"&iss=..."`).
    pub fn callback(&self, extra: &str) -> WebUrl {
        WebUrl::parse(&format!(
            "http://127.0.0.1:8080/?code=CODE-1&state={}{extra}",
            self.state
        ))
        .unwrap()
    }
}

/// One tab: a fake platform (its clock at [`T0`]), its own sessionStorage and pending-login
/// store, the page's cache of provider documents, and a configuration. [`TestTab::client`]
/// is a page load on that storage; keep one client where the test is one page, make another
/// where the test reloads.
pub struct TestTab {
    pub platform: FakePlatform,
    pub sessions: Rc<MemoryStore>,
    pub pending: Rc<MemoryStore>,
    pub documents: Rc<DocumentCache>,
    config: Config,
}

impl TestTab {
    /// A tab with this configuration (which must validate).
    pub fn new(raw: RawConfig) -> Self {
        Self::with_config(raw.validate().unwrap())
    }

    /// A tab with this validated configuration (for one adjusted after validation).
    pub fn with_config(config: Config) -> Self {
        TestTab {
            platform: FakePlatform::at(T0),
            sessions: Rc::default(),
            pending: Rc::default(),
            documents: Rc::default(),
            config,
        }
    }

    /// The configuration.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// A client for a page load in this tab: this tab's storage and document cache.
    pub fn client(&self) -> TestClient<'_> {
        Client::new(
            self.config.clone(),
            &self.platform,
            Box::new(self.sessions.clone()),
            Box::new(self.pending.clone()),
        )
        .with_document_cache(self.documents.clone())
    }

    /// The answers of the configured token endpoint (`POST /token`, or Genesys's
    /// `/oauth/token`).
    pub fn token_endpoint(&self) -> Answers<'_> {
        self.platform
            .on(Method::Post, self.config.token_endpoint.path())
    }

    /// Starts a login on `c` and returns what the authorization URL carried.
    pub fn start_login(&self, c: &TestClient<'_>, options: LoginOptions) -> Sent {
        let url = block_on(c.start_login(options)).unwrap();
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

    /// Logs in on `c`: starts a login, has the token endpoint answer 200 with `tokens`,
    /// handles the callback, and forgets the requests it took, so the test's requests are
    /// counted from zero. (An OpenID configuration also needs the JWK Set answered.)
    pub fn login(&self, c: &TestClient<'_>, tokens: impl Display) {
        let sent = self.start_login(c, LoginOptions::default());
        self.token_endpoint().respond(200, tokens);
        self.finish_login(c, &sent);
    }

    /// [`TestTab::login`] with exactly these headers on the token response.
    pub fn login_with(&self, c: &TestClient<'_>, headers: &[(&str, &str)], tokens: impl Display) {
        let sent = self.start_login(c, LoginOptions::default());
        self.token_endpoint().respond_with(200, headers, tokens);
        self.finish_login(c, &sent);
    }

    /// Logs in on `c` with OpenID Connect: as [`TestTab::login`], the token response also
    /// carrying an RS256 ID token of [`id_claims`] for the login's nonce (plus `extra` claims),
    /// and the JWK Set answered. Returns the ID token.
    pub fn login_openid(
        &self,
        c: &TestClient<'_>,
        tokens: Tokens,
        extra: impl FnOnce(&mut serde_json::Value),
    ) -> String {
        let sent = self.start_login(c, LoginOptions::default());
        let mut claims = id_claims(&sent.nonce);
        extra(&mut claims);
        let id = id_token(JwsAlg::Rs256, &claims);
        self.token_endpoint().respond(200, tokens.id_token(&id));
        self.platform
            .on(Method::Get, "/jwks")
            .respond(200, jwk_set());
        self.finish_login(c, &sent);
        id
    }

    fn finish_login(&self, c: &TestClient<'_>, sent: &Sent) {
        block_on(c.handle_callback(&sent.callback(""))).unwrap();
        self.platform.requests.borrow_mut().clear();
    }

    /// A duplicate of this tab (the browser's "Duplicate tab"): a copy of its sessionStorage's
    /// session, its own platform (clock at this tab's time), memory and document cache.
    pub fn duplicate(&self) -> TestTab {
        let dup = TestTab::with_config(self.config.clone());
        dup.platform.now.set(self.platform.now.get());
        if let Some(s) = self.session_record() {
            dup.sessions.set(&self.session_key(), &s).unwrap();
        }
        dup
    }

    /// The storage key of the session (`pixie:demo:session`).
    pub fn session_key(&self) -> String {
        self.config.storage_prefix() + "session"
    }

    /// The storage key of the pending login (`pixie:demo:pending`).
    pub fn pending_key(&self) -> String {
        self.config.storage_prefix() + "pending"
    }

    /// The session as stored (JSON text), if any.
    pub fn session_record(&self) -> Option<String> {
        self.sessions.get(&self.session_key()).unwrap()
    }

    /// The pending login as stored (JSON text), if any.
    pub fn pending_record(&self) -> Option<String> {
        self.pending.get(&self.pending_key()).unwrap()
    }

    /// The stored session's access token.
    pub fn stored_at(&self) -> Option<String> {
        self.client()
            .stored_session()
            .map(|s| s.access_token.secret().to_string())
    }

    /// The stored session's refresh token.
    pub fn stored_rt(&self) -> Option<String> {
        self.client()
            .stored_session()?
            .refresh_token
            .map(|t| t.secret().to_string())
    }
}
