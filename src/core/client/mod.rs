//! The login flow, independent of any browser: a [`Client`] drives the protocol through a
//! [`Platform`] (randomness, SHA-256, HTTP, clock) and two [`Store`]s (session, pending login).
//! The browser layer supplies a WebCrypto/fetch platform; tests supply a fake one.
//!
//! The session lifecycle (refresh, expiry, sibling tabs) is in the `lifecycle` submodule,
//! logout in `end_session`, guest tokens for web messaging ([`GuestTokens`]) in `guest`.

mod channel;
mod end_session;
mod guest;
mod join;
mod lifecycle;
mod oidc;
mod popup;
#[cfg(test)]
mod tests;

pub use end_session::{LogoutOutcome, RevocationStatus};
pub use guest::{GuestBody, GuestSink, GuestTokens};
pub use lifecycle::{ApiResponse, RefreshOutcome};
pub use oidc::{discover, discover_config, discovery_needs_fetch, load_jwks, verify_id_token};
pub use popup::{InPageLogin, InPageOptions, DEFAULT_POPUP_TIMEOUT_S, DEFAULT_SILENT_TIMEOUT_S};

use join::join;

use std::future::Future;
use std::rc::Rc;

use crate::core::WebUrl;

use crate::core::cache::DocumentCache;
use crate::core::error::{CallbackError, ConfigError, Error, IdTokenError, TokenError};
use crate::core::genesys::MessengerAuthCode;
use crate::core::oauth::{
    authorization_url, code_exchange_request, parse_callback, requested_max_age, return_to_path,
    validate_callback, CodeChallenge, Config, IssuerCheck, LoginOptions, PendingLogin,
    ValidatedCallback, RESERVED_PARAMS,
};
use crate::core::oidc::{
    process_userinfo_response, userinfo_request, IdTokenCheck, IdTokenClaims, UserInfo,
};
use crate::core::platform::Platform;
use crate::core::secret::{AccessToken, CodeVerifier, Nonce, State};
use crate::core::session::{Session, SessionSummary};
use crate::core::store::Store;

/// A login client for one OAuth client id.
pub struct Client<P: Platform> {
    config: Config,
    platform: P,
    sessions: Box<dyn Store>,
    pending: Box<dyn Store>,
    documents: Rc<DocumentCache>,
    lifecycle: lifecycle::Lifecycle,
}

const SESSION_KEY: &str = "session";
const PENDING_KEY: &str = "pending";

/// Whether `store` holds a session of the client `client_id` (read, not validated): a page
/// with none needs nothing from the provider until the app starts a login.
pub fn has_stored_session(store: &dyn Store, client_id: &str) -> bool {
    let mut key = String::from("pixie:");
    key.push_str(client_id);
    key.push(':');
    key.push_str(SESSION_KEY);
    matches!(store.get(&key), Ok(Some(_)))
}

impl<P: Platform> Client<P> {
    /// Makes a client. `sessions` keeps the tokens; `pending` keeps the pending login and must
    /// survive the redirect to the authorization server (sessionStorage in a browser).
    pub fn new(
        config: Config,
        platform: P,
        sessions: Box<dyn Store>,
        pending: Box<dyn Store>,
    ) -> Self {
        Client {
            config,
            platform,
            sessions,
            pending,
            documents: Rc::default(),
            lifecycle: Default::default(),
        }
    }

    /// Shares a cache of provider documents (JWK Set) with other clients of the page, so they
    /// are fetched once per page rather than once per client.
    pub fn with_document_cache(mut self, documents: Rc<DocumentCache>) -> Self {
        self.documents = documents;
        self
    }

    /// The validated configuration.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// The platform.
    pub fn platform(&self) -> &P {
        &self.platform
    }

    fn key(&self, name: &str) -> String {
        let mut k = self.config.storage_prefix();
        k.push_str(name);
        k
    }

    /// 32 random bytes: the entropy of a verifier, a state or a nonce.
    fn random_32(&self) -> Result<[u8; 32], Error> {
        let mut bytes = [0u8; 32];
        self.platform.random_bytes(&mut bytes)?;
        Ok(bytes)
    }

    /// Starts a login (RFC 6749 §4.1.1 + RFC 7636 §4): makes a fresh verifier, state and (for
    /// OpenID Connect) nonce, stores them as this tab's pending login, and returns the
    /// authorization URL to send the browser to.
    pub async fn start_login(&self, options: LoginOptions) -> Result<WebUrl, Error> {
        let (pending, url) = self.prepare_login(options).await?;
        self.pending
            .set(&self.key(PENDING_KEY), &pending.to_json())?;
        Ok(url)
    }

    /// A fresh pending login and its authorization URL, stored nowhere.
    async fn prepare_login(&self, options: LoginOptions) -> Result<(PendingLogin, WebUrl), Error> {
        let return_to = match &options.return_to {
            Some(text) => Some(return_to_path(&self.config.redirect_uri, text)?),
            None => None,
        };
        if let Some((name, _)) = options
            .extra_params
            .iter()
            .find(|(k, _)| RESERVED_PARAMS.contains(&k.as_str()))
        {
            return Err(ConfigError::Invalid {
                field: "extraParams",
                reason: crate::core::oauth::quoted(
                    name,
                    " is set by the library and cannot be overridden",
                ),
            }
            .into());
        }
        let max_age = requested_max_age(&self.config, &options)?;
        let verifier = CodeVerifier::from_random_bytes(&self.random_32()?);
        let state = State::from_random_bytes(&self.random_32()?);
        let nonce = if self.config.is_openid() {
            Some(Nonce::from_random_bytes(&self.random_32()?))
        } else {
            None
        };
        let digest = self.platform.sha256(verifier.secret().as_bytes()).await?;
        let challenge = CodeChallenge::from_sha256_digest(&digest);
        let pending = PendingLogin {
            state,
            code_verifier: verifier,
            nonce,
            redirect_uri: self.config.redirect_uri.as_str().to_string(),
            server: self.config.authorization_server().to_string(),
            created_at: self.platform.now_ms(),
            return_to,
            max_age,
        };
        let url = authorization_url(&self.config, &pending, &challenge, &options);
        Ok((pending, url))
    }

    /// Whether a login that leaves the page (a redirect) can keep its pending login until the
    /// callback: not when the pending login lives in memory (sessionStorage blocked, storage
    /// `memory` without it), where the callback page would find none. Refused up front with
    /// `storage_unavailable`, before anything is stored or the browser navigates; a login that
    /// stays on the page (a popup) does not need it.
    pub fn check_redirect_login(&self) -> Result<(), Error> {
        if self.pending.outlives_page() {
            Ok(())
        } else {
            Err(Error::RedirectNeedsStorage)
        }
    }

    /// Reads and deletes this tab's pending login. A record that cannot be read is deleted
    /// and treated as absent.
    fn take_pending(&self) -> Result<Option<PendingLogin>, Error> {
        let key = self.key(PENDING_KEY);
        let raw = self.pending.get(&key)?;
        self.pending.remove(&key)?;
        Ok(raw
            .and_then(|r| PendingLogin::from_json(&r))
            .filter(|p| p.code_verifier.is_well_formed()))
    }

    /// Whether this tab has a login in progress.
    pub fn has_pending_login(&self) -> bool {
        matches!(self.pending.get(&self.key(PENDING_KEY)), Ok(Some(_)))
    }

    /// The RFC 9207 check for callbacks: when the issuer is known, a present `iss` must equal
    /// it, and it must be present when discovery said the server always sends it.
    fn issuer_check(&self) -> Option<IssuerCheck<'_>> {
        self.config.issuer.as_deref().map(|issuer| IssuerCheck {
            issuer,
            required: self.config.authorization_response_iss_parameter_supported,
        })
    }

    /// Parses the authorization response at `url` and validates it against this tab's pending
    /// login, which is deleted whatever the outcome: it must have been made for this client's
    /// authorization server and the redirect URI where `url` is. A URL with neither `code` nor `error` is
    /// `not_a_callback` and leaves the pending login in place.
    fn take_callback(&self, url: &WebUrl) -> Result<(ValidatedCallback, PendingLogin), Error> {
        let parsed = parse_callback(url);
        if let Err(CallbackError::NotACallback) = parsed {
            return Err(CallbackError::NotACallback.into());
        }
        let pending = self.take_pending()?;
        let validated = validate_callback(
            parsed?,
            pending.as_ref(),
            self.config.authorization_server(),
            self.platform.now_ms(),
            self.issuer_check(),
        )?;
        let pending = pending.ok_or(CallbackError::MissingPendingLogin)?;
        Ok((validated, pending))
    }

    /// Handles the authorization response at `url`: validates it against the pending login
    /// (which is deleted whatever the outcome; `state`, RFC 6749 §10.12, and `iss`, RFC 9207),
    /// exchanges the code (RFC 6749 §4.1.3 with the PKCE verifier), validates the token
    /// response and, with the `openid` scope, the ID token (OIDC Core §3.1.3.7, see
    /// [`verify_id_token`]), then stores the session with the verified claims.
    ///
    /// A failure leaves any existing session untouched. A URL with neither `code` nor `error`
    /// is refused with `not_a_callback` and leaves the pending login in place.
    pub async fn handle_callback(&self, url: &WebUrl) -> Result<SessionSummary, Error> {
        let (validated, pending) = self.take_callback(url)?;
        self.redeem(validated, pending, None).await
    }

    /// Exchanges a validated callback's code, verifies the ID token (and, when `same_sub` is
    /// given, that it names that subject), stores the session and returns its summary. A
    /// failure leaves any existing session untouched.
    async fn redeem(
        &self,
        validated: ValidatedCallback,
        pending: PendingLogin,
        same_sub: Option<&str>,
    ) -> Result<SessionSummary, Error> {
        let request = code_exchange_request(
            &self.config,
            &validated,
            &pending.code_verifier,
            &pending.redirect_uri,
        );
        let exchange = self.token_request(request, Error::TokenExchange);
        // With OpenID Connect the ID token's keys are fetched beside the token request (or
        // found in the tab's cache), not after it. A failure here is not final: the
        // verification below asks again.
        // One await of the exchange (size): without keys to load, `keys` is done at once.
        let jwks_uri = (self.config.jwks_uri.as_ref()).filter(|_| self.config.is_openid());
        let keys = async move {
            if let Some(jwks_uri) = jwks_uri {
                let _ = load_jwks(&self.platform, &self.documents, jwks_uri, false).await;
            }
        };
        let (tokens, now) = join(exchange, keys).await.0?;
        let claims = if self.config.is_openid() {
            // OIDC Core §3.1.3.3: with the openid scope the token response carries an ID token.
            let id_token = tokens.id_token.as_ref().ok_or(Error::TokenExchange(
                TokenError::InvalidResponse("id_token is missing (the openid scope was requested)"),
            ))?;
            // The ID token's times are checked on the server's clock when its `Date` header
            // says what that is, so a browser clock that is off does not refuse good tokens.
            let server_now = tokens.server_date_ms.unwrap_or(now);
            Some(self.verify_id_token(id_token, &pending, server_now).await?)
        } else {
            None
        };
        if let Some(sub) = same_sub {
            if claims.as_ref().and_then(IdTokenClaims::sub) != Some(sub) {
                return Err(IdTokenError::SubMismatch.into());
            }
        }
        let mut session = Session::from_token_response(tokens, now, &self.config.scopes);
        session.id_token_claims = claims;
        self.save_session(&session)?;
        let mut summary = session.summary();
        summary.return_to = pending.return_to;
        Ok(summary)
    }

    /// Verifies an ID token from the token endpoint for this pending login (the future of
    /// [`Client::check_id_token`], not one of its own: size).
    fn verify_id_token<'a>(
        &'a self,
        id_token: &'a crate::core::secret::IdToken,
        pending: &'a PendingLogin,
        now_ms: u64,
    ) -> impl Future<Output = Result<IdTokenClaims, Error>> + 'a {
        self.check_id_token(id_token, pending.nonce.as_ref(), pending.max_age, now_ms)
    }

    /// An ID token from a refresh response (OIDC Core §12.2): verified like the login's
    /// (signature, `iss`, `aud`, `azp`, times), then held to the login's ID token: the same
    /// `iss`, `sub`, `aud` and `azp`; `auth_time`, when present, unchanged; `nonce` absent or
    /// the login's.
    pub(crate) fn verify_refreshed_id_token<'a>(
        &'a self,
        id_token: &'a crate::core::secret::IdToken,
        login: Option<&'a IdTokenClaims>,
        now_ms: u64,
    ) -> impl Future<Output = Result<IdTokenClaims, Error>> + 'a {
        self.verify_same_user_id_token(id_token, login, now_ms, true)
    }

    /// An ID token verified like the login's, then held to `login`'s `iss`, `sub`, `aud` and
    /// `azp`; with `same_authentication` (a refresh) also to its `auth_time` and `nonce`.
    /// Without it (a session a sibling tab shares, which may come from a silent renewal: a new
    /// authorization with its own nonce, checked by that tab against its own request, and an
    /// `auth_time` that is newer when the user signed in at the server again) the same user
    /// is enough.
    pub(crate) async fn verify_same_user_id_token(
        &self,
        id_token: &crate::core::secret::IdToken,
        login: Option<&IdTokenClaims>,
        now_ms: u64,
        same_authentication: bool,
    ) -> Result<IdTokenClaims, Error> {
        let claims = self.check_id_token(id_token, None, None, now_ms).await?;
        let Some(login) = login else {
            return Ok(claims);
        };
        let (new, old) = (claims.claims(), login.claims());
        let same = |name: &str| new.get(name) == old.get(name);
        // `auth_time` is the original authentication's: when both tokens carry one, equal.
        let auth_time_kept = new.get("auth_time").is_none() || old.get("auth_time").is_none();
        let refused = if !same("sub") {
            Some(IdTokenError::SubMismatch)
        } else if !same("iss") {
            Some(IdTokenError::IssMismatch)
        } else if !same("aud") {
            Some(IdTokenError::AudMismatch)
        } else if !same("azp") {
            Some(IdTokenError::AzpMismatch)
        } else if !same_authentication {
            None
        } else if !(auth_time_kept || same("auth_time")) {
            Some(IdTokenError::AuthTimeInvalid)
        } else if new.get("nonce").is_some() && !same("nonce") {
            Some(IdTokenError::NonceMismatch)
        } else {
            None
        };
        match refused {
            Some(e) => Err(e.into()),
            None => Ok(claims),
        }
    }

    async fn check_id_token(
        &self,
        id_token: &crate::core::secret::IdToken,
        nonce: Option<&Nonce>,
        max_age: Option<u64>,
        now_ms: u64,
    ) -> Result<IdTokenClaims, Error> {
        let missing = |field| {
            Error::from(ConfigError::Invalid {
                field,
                reason: "is required with the openid scope".into(),
            })
        };
        let issuer = self
            .config
            .issuer
            .as_deref()
            .ok_or_else(|| missing("issuer"))?;
        let jwks_uri = self
            .config
            .jwks_uri
            .as_ref()
            .ok_or_else(|| missing("jwksUri"))?;
        let check = IdTokenCheck {
            issuer,
            client_id: &self.config.client_id,
            nonce,
            max_age,
            now_ms,
            tolerance_s: self.config.clock_tolerance_s,
        };
        verify_id_token(&self.platform, &self.documents, jwks_uri, id_token, &check).await
    }

    /// The Genesys Web Messenger hand-off (see [`MessengerAuthCode`]): runs the callback checks
    /// of [`Client::handle_callback`] on `url` (pending login, state, RFC 9207 `iss`) and,
    /// instead of exchanging the code, returns it with the PKCE verifier, the nonce and
    /// `max_age` for Messenger to redeem. The pending login is deleted.
    ///
    /// This is the only call that hands out the `code_verifier`. On a URL that is not an
    /// authorization response it fails with `not_a_callback` and keeps the pending login.
    pub fn messenger_auth_code(&self, url: &WebUrl) -> Result<MessengerAuthCode, Error> {
        let (validated, pending) = self.take_callback(url)?;
        Ok(MessengerAuthCode {
            iss: validated.iss().map(str::to_string),
            auth_code: validated.into_code(),
            redirect_uri: pending.redirect_uri,
            code_verifier: pending.code_verifier,
            nonce: pending.nonce,
            max_age: pending.max_age,
            return_to: pending.return_to,
        })
    }

    /// The verified ID token claims of the current session (fresh access token), if any.
    pub fn user(&self) -> Option<IdTokenClaims> {
        self.session().and_then(|s| s.id_token_claims)
    }

    /// Fetches the user's claims from the UserInfo endpoint (OIDC Core §5.3) with the access
    /// token, and returns them when their `sub` is the ID token's (§5.3.2). A 401 clears the
    /// session (`login_required`), like `callApi`.
    pub async fn load_userinfo(&self) -> Result<UserInfo, Error> {
        let endpoint = self.config.userinfo_endpoint.as_ref().ok_or_else(|| {
            Error::from(ConfigError::Invalid {
                field: "userinfoEndpoint",
                reason: "is not configured (nor in the discovery document)".into(),
            })
        })?;
        let token = self.access_token()?;
        let session = self
            .stored_session()
            .ok_or(Error::LoginRequired("there is no session"))?;
        let sub = session
            .id_token_claims
            .as_ref()
            .and_then(|c| c.sub().map(str::to_string))
            .ok_or(Error::LoginRequired(
                "the session has no verified ID token (log in with the openid scope)",
            ))?;
        let response = self
            .platform
            .fetch(userinfo_request(endpoint, &token))
            .await?;
        let result = process_userinfo_response(&response, &sub);
        if let Err(Error::LoginRequired(_)) = result {
            self.clear_session();
        }
        result
    }

    /// The stored session, fresh or not. An unreadable record is deleted.
    pub fn stored_session(&self) -> Option<Session> {
        let key = self.key(SESSION_KEY);
        let raw = self.sessions.get(&key).ok()??;
        match Session::from_json(&raw) {
            Some(s) => Some(s),
            None => {
                let _ = self.sessions.remove(&key);
                None
            }
        }
    }

    /// The session, if its access token is still fresh.
    pub fn session(&self) -> Option<Session> {
        self.stored_session()
            .filter(|s| s.is_fresh(self.platform.now_ms()))
    }

    /// Whether there is a session with a fresh access token.
    pub fn is_authenticated(&self) -> bool {
        self.session().is_some()
    }

    /// Saves the session.
    pub fn save_session(&self, session: &Session) -> Result<(), Error> {
        self.sessions
            .set(&self.key(SESSION_KEY), &session.to_json())
    }

    /// Deletes the session (not the pending login).
    pub fn clear_session(&self) {
        let _ = self.sessions.remove(&self.key(SESSION_KEY));
    }

    /// The access token, without refreshing, or `login_required` when there is none or it
    /// expired (the stale session is cleared unless it holds a refresh token, which
    /// [`Client::api_token`] would use).
    pub fn access_token(&self) -> Result<AccessToken, Error> {
        match self.stored_session() {
            None => Err(Error::LoginRequired("there is no session")),
            Some(s) if !s.is_fresh(self.platform.now_ms()) => {
                if s.refresh_token.is_none() {
                    self.clear_session();
                }
                Err(Error::LoginRequired("the session expired"))
            }
            Some(s) => Ok(s.access_token),
        }
    }

    /// Resolves a `callApi` target against the API base ([`WebUrl::resolve_under`]): a path
    /// is appended to the base's path; an absolute URL is taken as it is. Either way the
    /// result, dot segments (and their percent-encoded forms) resolved as the browser resolves
    /// them, must lie under the base at a segment boundary (`/v2evil` is not under `/v2`), with
    /// no credentials: the token is never sent anywhere else (`invalid_api_url`).
    pub fn api_url(&self, path_or_url: &str) -> Result<String, Error> {
        match &self.config.api_base {
            Some(base) => base
                .resolve_under(path_or_url)
                .map(WebUrl::into_string)
                .map_err(|_| Error::InvalidApiUrl),
            None if WebUrl::parse(path_or_url).is_ok() || path_or_url.starts_with("//") => {
                Err(Error::InvalidApiUrl)
            }
            None => Err(ConfigError::Invalid {
                field: "apiBase",
                reason: "is needed to call an API by path".into(),
            }
            .into()),
        }
    }

    /// Ends the session locally: deletes the session and any pending login.
    pub fn logout(&self) {
        self.clear_session();
        let _ = self.pending.remove(&self.key(PENDING_KEY));
    }
}
