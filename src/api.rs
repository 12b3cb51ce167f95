//! The JavaScript face: the `PkceClient` class and the free functions acting on one
//! configured client. Converts core errors into JS `Error`s with a stable `code`.

use std::cell::RefCell;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;

use js_sys::{Object, Promise, Reflect};
use url::Url;
use wasm_bindgen::prelude::*;
use web_sys::{Request, RequestInit};

use crate::browser::runtime::Runtime;
use crate::browser::storage::SessionStore;
use crate::browser::{fetch, location, BrowserPlatform};
use crate::core::discover;
use crate::core::AccessToken;
use crate::core::DocumentCache;
use crate::core::LoginOptions;
use crate::core::LogoutOptions;
use crate::core::{clean_callback_url, is_callback};
use crate::core::{CallbackError, ConfigError, Error};
use crate::core::{Client, LogoutOutcome, RevocationStatus};
use crate::core::{Config, RawConfig, StorageKind};
use crate::core::{Event, StorageFallback};
use crate::core::{MemoryStore, Store};

#[wasm_bindgen(typescript_custom_section)]
const TS_TYPES: &'static str = r#"
/** A Genesys Cloud region: its domain or its id. */
export type GenesysRegion =
  | "mypurecloud.com" | "use2.us-gov-pure.cloud" | "usw2.pure.cloud" | "cac1.pure.cloud"
  | "sae1.pure.cloud" | "mxc1.pure.cloud" | "mypurecloud.ie" | "euw2.pure.cloud"
  | "mypurecloud.de" | "euc2.pure.cloud" | "edee1.eusc-pure.cloud" | "mec1.pure.cloud"
  | "aps1.pure.cloud" | "apse1.pure.cloud" | "mypurecloud.com.au" | "mypurecloud.jp"
  | "apne2.pure.cloud" | "apne3.pure.cloud"
  | "us_east_1" | "us_east_2" | "us_west_2" | "ca_central_1" | "sa_east_1" | "mx_central_1"
  | "eu_west_1" | "eu_west_2" | "eu_central_1" | "eu_central_2" | "eusc_de_east_1"
  | "me_central_1" | "ap_south_1" | "ap_southeast_1" | "ap_southeast_2" | "ap_northeast_1"
  | "ap_northeast_2" | "ap_northeast_3";

/** Settings shared by every configuration form. */
export interface CommonConfig {
  /** The OAuth client id (Genesys: the "Code Authorization" client with PKCE). */
  clientId: string;
  /** The redirect URI exactly as registered; https, or http on localhost/127.0.0.1/[::1]. */
  redirectUri: string;
  /**
   * Scopes to request, one per item. With "openid" (OpenID Connect), a nonce is sent and the
   * ID token is verified (signature with the provider's keys, iss, aud, azp, exp, iat, nonce).
   */
  scopes?: string[];
  /**
   * Extra authorization parameters (Genesys: org, provider, login_hint, prompt, target).
   * A `max_age` (seconds) makes the ID token's auth_time checked (OIDC Core 3.1.2.1).
   */
  extraParams?: Record<string, string>;
  /** Where the session lives: "session" (sessionStorage, default) or "memory". */
  storage?: "session" | "memory";
  /** Allowed clock skew for the ID token's exp, iat, nbf and auth_time: default 60, at most 600. */
  clockToleranceSeconds?: number;
  /** Refresh this many seconds before the access token expires (default 60, 0-86400). A
   * token living less than twice this is refreshed halfway through its life. */
  refreshLeadSeconds?: number;
  /** Emit "tokenExpiring" this many seconds before expiry when the token will not be renewed
   * automatically: no refresh token, or refreshing keeps failing (default 300, 0-86400). */
  expiringLeadSeconds?: number;
  /** Where the server sends the browser back after logout({ redirect: true }); must be
   * registered there. Default: redirectUri. */
  postLogoutRedirectUri?: string;
}

/**
 * OpenID Connect endpoints given by hand (PkceClient.discover fetches them instead).
 * With the "openid" scope, `issuer` and `jwksUri` are required.
 */
export interface OidcEndpoints {
  /** The issuer identifier, exactly as the provider spells it (compared as a string). */
  issuer?: string;
  /** The provider's JWK Set (its ID token signing keys). */
  jwksUri?: string;
  /** The UserInfo endpoint, for loadUserInfo(). */
  userinfoEndpoint?: string;
  /** The OpenID Connect end_session_endpoint, used by logout({ redirect: true }). Wins over
   * the Genesys Cloud logout page when both apply. */
  endSessionEndpoint?: string;
  /** The token revocation endpoint (RFC 7009). logout() revokes the refresh token there
   * (the access token when there is none). */
  revocationEndpoint?: string;
}

/** Genesys Cloud preset: endpoints derive from the region. */
export interface GenesysConfig extends CommonConfig, OidcEndpoints {
  region: GenesysRegion;
  /** Overrides https://api.<region domain>. */
  apiBase?: string;
}

/** Any standards-following OAuth 2.0 server. */
export interface GenericConfig extends CommonConfig, OidcEndpoints {
  authorizationEndpoint: string;
  tokenEndpoint: string;
  /** Base URL for callApi paths. */
  apiBase?: string;
}

/** Where a client keeps its session; "memory-fallback" when sessionStorage is blocked. */
export type StorageMode = "session" | "memory" | "memory-fallback";

/** The configuration of a PkceClient. */
export type PkceConfig = GenesysConfig | GenericConfig;

/**
 * The configuration of PkceClient.discover: every endpoint comes from
 * `<issuer>/.well-known/openid-configuration` (OpenID Connect Discovery 1.0).
 */
export interface DiscoveryConfig extends CommonConfig {
  /**
   * The issuer identifier, exactly as the provider's discovery document spells it
   * (`https://id.example.com` and `https://id.example.com/` are different issuers).
   */
  issuer: string;
  /** Base URL for callApi paths; none unless given. */
  apiBase?: string;
}

/** Per-login options. */
export interface LoginOptions {
  /** Extra authorization parameters for this login only (e.g. prompt, max_age, login_hint). */
  extraParams?: Record<string, string>;
  /** A same-origin path restored in the address bar after the callback. */
  returnTo?: string;
}

/** A JSON value, as a claim can hold. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** The postal address claim (OIDC Core 5.1.1). */
export type AddressClaim = {
  formatted?: string;
  street_address?: string;
  locality?: string;
  region?: string;
  postal_code?: string;
  country?: string;
};

/** The standard claims about the user (OIDC Core 5.1), all optional; others may appear too. */
export interface StandardClaims {
  name?: string;
  given_name?: string;
  family_name?: string;
  middle_name?: string;
  nickname?: string;
  preferred_username?: string;
  profile?: string;
  picture?: string;
  website?: string;
  email?: string;
  email_verified?: boolean;
  gender?: string;
  birthdate?: string;
  zoneinfo?: string;
  locale?: string;
  phone_number?: string;
  phone_number_verified?: boolean;
  address?: AddressClaim;
  /** Seconds since the epoch. */
  updated_at?: number;
  [claim: string]: JsonValue | undefined;
}

/**
 * The claims of the verified ID token (OIDC Core 2): its signature, iss, aud, azp, exp, iat,
 * nonce (and auth_time with max_age) were checked when the session was made.
 */
export interface IdTokenClaims extends StandardClaims {
  /** The issuer. */
  iss: string;
  /** The subject: the user's stable id at the issuer. */
  sub: string;
  /** The audience: this client id, or a list containing it. */
  aud: string | string[];
  /** Expiry, seconds since the epoch. */
  exp: number;
  /** Issue time, seconds since the epoch. */
  iat: number;
  /** When the user authenticated, seconds since the epoch. */
  auth_time?: number;
  nonce?: string;
  acr?: string;
  amr?: string[];
  azp?: string;
  at_hash?: string;
  sid?: string;
}

/** A UserInfo response (OIDC Core 5.3.2) whose sub equals the ID token's. */
export interface UserInfo extends StandardClaims {
  sub: string;
}

/**
 * What Genesys Web Messenger's AuthProvider `getAuthCode` command resolves with, for an
 * "OpenID Connect Messenger Configuration": Messenger (Genesys) redeems the code itself.
 */
export interface MessengerAuthCode {
  /** The authorization code, not redeemed. */
  authCode: string;
  /** The redirect URI of the authorization request, which the exchange must repeat. */
  redirectUri: string;
  /**
   * The PKCE code_verifier whose S256 challenge was sent. The only place pixie-auth ever
   * hands out a verifier: whoever redeems the code must present it.
   */
  codeVerifier: string;
  /** The nonce sent (with the openid scope), for the ID token check. */
  nonce?: string;
  /** The max_age sent, in seconds, when one was (extraParams.max_age). */
  maxAge?: number;
  /** The authorization response's iss parameter (RFC 9207), when the provider sent one. */
  iss?: string;
}

/** The non-secret view of a session. */
export interface SessionSummary {
  /** Access-token expiry in ms since the epoch (compare with Date.now()), or null if unknown. */
  expiresAt: number | null;
  /** Granted scope, space-separated, or null. */
  scope: string | null;
  hasRefreshToken: boolean;
  hasIdToken: boolean;
  /** After handleCallback: the returnTo given to login(), already restored. */
  returnTo?: string;
  /** How many times this session was refreshed (by this tab or a sibling tab). */
  refreshCount: number;
  /** When it was last refreshed, ms since the epoch (browser clock), or null. */
  lastRefreshAt: number | null;
  /** The server's clock minus the browser's, in ms, measured at the last token response from
   * its Date header or a JWT's iat; null when unknown. Expiry is already corrected for it. */
  clockOffsetMs: number | null;
}

/** Options of logout(). */
export interface LogoutOptions {
  /** Also end the session at the server by sending the browser to its logout page (Genesys
   * Cloud: https://login.<domain>/logout; OpenID Connect: endSessionEndpoint with client_id
   * and post_logout_redirect_uri). Ignored for a generic server without endSessionEndpoint. */
  redirect?: boolean;
  /** Absolute URL the server sends the browser back to (must be registered there).
   * Default: postLogoutRedirectUri, else redirectUri. */
  returnTo?: string;
  /** Also send the ID token as id_token_hint (default false). The logout request is a browser
   * navigation, so the ID token then lands in the address bar, the history and the provider's
   * access logs; turn it on only where the provider insists on the hint. */
  sendIdTokenHint?: boolean;
}

/** What logout() did beyond ending the local session, which it always does first. */
export interface LogoutResult {
  /** "revoked": every revocation request succeeded; "failed": one failed (see error);
   * "skipped": nothing to revoke or nowhere to do it. */
  revocation: "revoked" | "failed" | "skipped";
  /** The revocation failure (code "revocation_failed"), or null. */
  error: PixieAuthError | null;
  /** Where the browser is being sent (the server's logout page), or null. */
  redirectTo: string | null;
}

/** "tokenExpiring": the access token expires soon and will NOT be renewed automatically (no
 * refresh token, or refreshing keeps failing). Once per token, expiringLeadSeconds before
 * expiry: send the user through login() at a convenient moment. */
export interface TokenExpiringEvent {
  /** Expiry, ms since the epoch (browser clock). */
  expiresAt: number;
  /** Whole seconds left (0 when already expired). */
  secondsLeft: number;
  /** True when a refresh token is held but refreshing fails (it is retried, paced). */
  hasRefreshToken: boolean;
}

/** "tokenRefreshed": a new access token is in use (refreshed here, or by a sibling tab). */
export interface TokenRefreshedEvent {
  /** The new expiry, ms since the epoch (browser clock), or null when unknown. */
  expiresAt: number | null;
  refreshCount: number;
  lastRefreshAt: number;
  /** Whether the server rotated the refresh token. */
  rotated: boolean;
  /** "other-tab": a sibling tab of the same session refreshed and shared the result. */
  origin: "this-tab" | "other-tab";
}

/** "sessionExpired": the session ended without logout(); calls reject with login_required. */
export interface SessionExpiredEvent {
  /** "expired": the access token expired and cannot be renewed; "refresh_rejected": the server
   * refused the refresh token (invalid_grant); "unauthorized": the API answered 401 and a
   * refresh could not fix it. */
  reason: "expired" | "refresh_rejected" | "unauthorized";
  code: "login_required";
}

/** "loggedOut": logout() ended the session, in this tab or a sibling tab of the session. */
export interface LoggedOutEvent {
  origin: "this-tab" | "other-tab";
}

/** "storageFallback": sessionStorage is blocked; the session lives in memory (a reload or the
 * login redirect loses it). Emitted once, on a microtask after construction. */
export interface StorageFallbackEvent {
  requested: "session";
  actual: "memory";
}

/** Every event and its payload. Payloads never hold a token. */
export interface PixieEventMap {
  tokenExpiring: TokenExpiringEvent;
  tokenRefreshed: TokenRefreshedEvent;
  sessionExpired: SessionExpiredEvent;
  loggedOut: LoggedOutEvent;
  storageFallback: StorageFallbackEvent;
}

/** The name of an event. */
export type PixieEventName = keyof PixieEventMap;

/** A handler of the event K. */
export type PixieEventHandler<K extends PixieEventName> = (event: PixieEventMap[K]) => void;

export interface PkceClient {
  /** Calls handler with each K event (a handler is added once, like addEventListener).
   * Throws invalid_config for an unknown event name. */
  on<K extends PixieEventName>(name: K, handler: PixieEventHandler<K>): void;
  /** Removes a handler added with on(). */
  off<K extends PixieEventName>(name: K, handler: PixieEventHandler<K>): void;
}

/** on() on the configured client. */
export function on<K extends PixieEventName>(name: K, handler: PixieEventHandler<K>): void;
/** off() on the configured client. */
export function off<K extends PixieEventName>(name: K, handler: PixieEventHandler<K>): void;

/** Every code a pixie-auth rejection can carry. */
export type PixieErrorCode =
  | "invalid_config" | "invalid_callback" | "state_mismatch" | "missing_pending_login"
  | "pending_login_expired" | "issuer_mismatch" | "authorization_error"
  | "token_exchange_failed" | "invalid_token_response" | "network_error" | "login_required"
  | "storage_unavailable" | "platform_error" | "invalid_api_url"
  | "discovery_failed" | "invalid_discovery" | "discovery_issuer_mismatch"
  | "discovery_s256_unsupported" | "jwks_fetch_failed" | "jwks_invalid"
  | "id_token_malformed" | "id_token_alg_unsupported" | "id_token_crit_unsupported"
  | "id_token_signature_invalid" | "id_token_unknown_kid" | "id_token_key_ambiguous"
  | "id_token_iss_mismatch" | "id_token_aud_mismatch" | "id_token_azp_mismatch"
  | "id_token_expired" | "id_token_iat_future" | "id_token_nbf_future"
  | "id_token_nonce_mismatch" | "id_token_auth_time_invalid" | "id_token_sub_mismatch"
  | "userinfo_failed" | "userinfo_invalid" | "userinfo_sub_mismatch" | "not_a_callback"
  | "refresh_failed" | "no_refresh_token" | "revocation_failed";

/** The Error every pixie-auth rejection is. Its message never holds a secret. */
export interface PixieAuthError extends Error {
  name: "PixieAuthError";
  code: PixieErrorCode;
  /** The server's OAuth error code (e.g. "access_denied", "invalid_grant"). */
  oauthError?: string;
  /** The server's error_description for authorization errors (sanitized, for display). */
  errorDescription?: string;
  /** The HTTP status behind a token, discovery, JWK Set or UserInfo endpoint failure. */
  status?: number;
}
"#;

/// Converts a core error into a JS `Error` with `name`, `code` and, when known, `oauthError`,
/// `errorDescription` and `status`.
pub fn to_js_error(error: &Error) -> JsValue {
    let e = js_sys::Error::new(&error.to_string());
    e.set_name("PixieAuthError");
    let set = |k: &str, v: JsValue| {
        let _ = Reflect::set(&e, &k.into(), &v);
    };
    set("code", error.code().into());
    if let Some(oauth) = error.oauth_error() {
        set("oauthError", oauth.into());
    }
    if let Some(status) = error.http_status() {
        set("status", status.into());
    }
    if let Error::Callback(CallbackError::Authorization {
        description: Some(d),
        ..
    }) = error
    {
        set("errorDescription", d.as_str().into());
    }
    e.into()
}

fn js_err(error: Error) -> JsValue {
    to_js_error(&error)
}

fn config_error(field: &'static str, e: impl ToString) -> JsValue {
    js_err(
        ConfigError::Invalid {
            field,
            reason: e.to_string(),
        }
        .into(),
    )
}

fn warn(message: &str) {
    web_sys::console::warn_1(&message.into());
}

/// How a client keeps its session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum StorageMode {
    Session,
    Memory,
    /// sessionStorage was asked for but is blocked: memory, with a warning.
    MemoryFallback,
}

/// A PKCE login client. See the README for the full JavaScript API.
#[wasm_bindgen]
pub struct PkceClient {
    inner: Rc<Client<BrowserPlatform>>,
    mode: StorageMode,
    runtime: Rc<Runtime>,
}

impl PkceClient {
    /// A client on the validated configuration: sessionStorage (or memory, with a warning,
    /// where it is blocked), sharing the page's provider documents.
    fn from_config(config: Config) -> PkceClient {
        let session_store = SessionStore::open();
        if session_store.is_err() {
            warn(
                "pixie-auth: sessionStorage is unavailable (blocked by the browser); \
                 keeping the session in memory, where a reload or a redirect loses it",
            );
        }
        let memory = || Box::new(MemoryStore::default()) as Box<dyn Store>;
        let (sessions, pending, mode): (Box<dyn Store>, Box<dyn Store>, _) =
            match (&session_store, config.storage) {
                (Ok(s), StorageKind::Session) => (
                    Box::new(s.clone()),
                    Box::new(s.clone()),
                    StorageMode::Session,
                ),
                (Ok(s), StorageKind::Memory) => {
                    (memory(), Box::new(s.clone()), StorageMode::Memory)
                }
                (Err(_), StorageKind::Memory) => (memory(), memory(), StorageMode::Memory),
                (Err(_), StorageKind::Session) => (memory(), memory(), StorageMode::MemoryFallback),
            };
        let runtime = Runtime::start(config, sessions, pending, page_documents());
        if mode == StorageMode::MemoryFallback {
            runtime
                .client()
                .push_event(Event::StorageFallback(StorageFallback {
                    requested: "session",
                    actual: "memory",
                }));
        }
        PkceClient {
            inner: runtime.client().clone(),
            mode,
            runtime,
        }
    }

    /// `PkceClient.discover` without the promise.
    async fn discovered(config: JsValue) -> Result<PkceClient, JsValue> {
        let raw: RawConfig =
            serde_wasm_bindgen::from_value(config).map_err(|e| config_error("config", e))?;
        let issuer = raw
            .discovery_issuer()
            .map_err(|e| js_err(e.into()))?
            .to_string();
        let metadata = discover(&BrowserPlatform::default(), &page_documents(), &issuer)
            .await
            .map_err(js_err)?;
        let config = raw.with_discovery(metadata).map_err(|e| js_err(e.into()))?;
        Ok(PkceClient::from_config(config))
    }
}

#[wasm_bindgen]
impl PkceClient {
    /// Validates the configuration and picks up a stored session (so a reload keeps the user
    /// logged in). Throws a `PixieAuthError` with code `invalid_config` on bad configuration.
    #[wasm_bindgen(constructor)]
    pub fn new(
        #[wasm_bindgen(unchecked_param_type = "PkceConfig")] config: JsValue,
    ) -> Result<PkceClient, JsValue> {
        let raw: RawConfig =
            serde_wasm_bindgen::from_value(config).map_err(|e| config_error("config", e))?;
        let config = raw.validate().map_err(|e| js_err(e.into()))?;
        Ok(PkceClient::from_config(config))
    }

    /// Makes a client from the provider's discovery document (OpenID Connect Discovery 1.0
    /// §4): fetches `<issuer>/.well-known/openid-configuration` (once per page), requires its
    /// `issuer` to equal the configured one exactly and `S256` among
    /// `code_challenge_methods_supported` when listed, and takes the endpoints from it (each
    /// https, or http on a loopback host). `apiBase` stays unset unless given. Rejects with
    /// `invalid_config`, `network_error`, `discovery_failed`, `invalid_discovery`,
    /// `discovery_issuer_mismatch` or `discovery_s256_unsupported`.
    #[wasm_bindgen(unchecked_return_type = "Promise<PkceClient>")]
    pub fn discover(
        #[wasm_bindgen(unchecked_param_type = "DiscoveryConfig")] config: JsValue,
    ) -> Promise {
        promise(async move { Ok(PkceClient::discovered(config).await?.into()) })
    }

    /// Where the session is kept: `"session"`, `"memory"`, or `"memory-fallback"` when
    /// sessionStorage was wanted but is blocked.
    #[wasm_bindgen(getter, js_name = storageMode, unchecked_return_type = "StorageMode")]
    pub fn storage_mode(&self) -> String {
        match self.mode {
            StorageMode::Session => "session",
            StorageMode::Memory => "memory",
            StorageMode::MemoryFallback => "memory-fallback",
        }
        .into()
    }

    /// Builds the authorization URL and stores the pending login, without navigating.
    #[wasm_bindgen(js_name = loginUrl, unchecked_return_type = "Promise<string>")]
    pub fn login_url(
        &self,
        #[wasm_bindgen(unchecked_optional_param_type = "LoginOptions")] options: JsValue,
    ) -> Promise {
        let inner = self.inner.clone();
        promise(async move {
            let options = parse_login_options(options)?;
            let url = inner.start_login(options).await.map_err(js_err)?;
            Ok(JsValue::from(url.as_str()))
        })
    }

    /// Starts a login: stores the pending login and sends the browser to the authorization
    /// server. The promise resolves as the navigation starts.
    #[wasm_bindgen(unchecked_return_type = "Promise<void>")]
    pub fn login(
        &self,
        #[wasm_bindgen(unchecked_optional_param_type = "LoginOptions")] options: JsValue,
    ) -> Promise {
        let inner = self.inner.clone();
        promise(async move {
            let options = parse_login_options(options)?;
            let url = inner.start_login(options).await.map_err(js_err)?;
            location::navigate(url.as_str()).map_err(js_err)?;
            Ok(JsValue::UNDEFINED)
        })
    }

    /// Whether `url` (default: the current page) is an authorization response.
    #[wasm_bindgen(js_name = isCallback)]
    pub fn is_callback(&self, url: Option<String>) -> bool {
        let href = url.or_else(|| location::current_url().ok());
        href.and_then(|h| Url::parse(&h).ok())
            .is_some_and(|u| is_callback(&u))
    }

    /// Handles the authorization response in `url` (default: the current page): removes the
    /// response parameters from the address bar at once, checks state (and `iss`, RFC 9207),
    /// exchanges the code, verifies the ID token when `openid` was requested (OIDC Core
    /// §3.1.3.7, signature checked with WebCrypto against the provider's JWK Set), stores the
    /// session, and restores `returnTo`. Rejects with a `PixieAuthError`; a failure leaves any
    /// existing session in place.
    #[wasm_bindgen(js_name = handleCallback, unchecked_return_type = "Promise<SessionSummary>")]
    pub fn handle_callback(&self, url: Option<String>) -> Promise {
        let inner = self.inner.clone();
        let runtime = self.runtime.clone();
        pumped(runtime, async move {
            let from_page = url.is_none();
            let href = match url {
                Some(u) => u,
                None => location::current_url().map_err(js_err)?,
            };
            let parsed =
                Url::parse(&href).map_err(|_| js_err(CallbackError::NotACallback.into()))?;
            if from_page && is_callback(&parsed) {
                location::replace_url(clean_callback_url(&parsed).as_str()).map_err(js_err)?;
            }
            let summary = inner.handle_callback(&parsed).await.map_err(js_err)?;
            if let (true, Some(path)) = (from_page, &summary.return_to) {
                location::replace_url(path).map_err(js_err)?;
            }
            to_js(&summary)
        })
    }

    /// The Genesys Web Messenger hand-off, for an "OpenID Connect Messenger Configuration"
    /// where Messenger redeems the code itself: on the callback page (`url`, default: the
    /// current page), call this instead of `handleCallback()` and resolve the AuthProvider
    /// `getAuthCode` command with the result. It removes the code and state from the address
    /// bar, runs the same callback checks (pending login, state, `iss`), deletes the pending
    /// login, restores `returnTo`, and resolves with `{ authCode, redirectUri, codeVerifier,
    /// nonce?, maxAge?, iss? }` without exchanging the code. Single use: keep the result
    /// for the page if Messenger asks again.
    ///
    /// This is the only call that ever hands out the PKCE `code_verifier`: Genesys needs it
    /// to redeem the code (RFC 7636 §4.5). Rejects with `not_a_callback` when the URL is not an
    /// authorization response (start a login with `login()` then), or with the callback codes
    /// (`state_mismatch`, `missing_pending_login`, `issuer_mismatch`, `authorization_error`...).
    #[wasm_bindgen(js_name = messengerAuthCode, unchecked_return_type = "Promise<MessengerAuthCode>")]
    pub fn messenger_auth_code(&self, url: Option<String>) -> Promise {
        let inner = self.inner.clone();
        promise(async move {
            let from_page = url.is_none();
            let href = match url {
                Some(u) => u,
                None => location::current_url().map_err(js_err)?,
            };
            let parsed = Url::parse(&href).map_err(|_| js_err(Error::NotACallback))?;
            if from_page && is_callback(&parsed) {
                location::replace_url(clean_callback_url(&parsed).as_str()).map_err(js_err)?;
            }
            let handoff = inner.messenger_auth_code(&parsed).map_err(js_err)?;
            if let (true, Some(path)) = (from_page, &handoff.return_to) {
                location::replace_url(path).map_err(js_err)?;
            }
            let out = Object::new();
            let set = |k: &str, v: JsValue| {
                let _ = Reflect::set(&out, &k.into(), &v);
            };
            set("authCode", handoff.auth_code.secret().into());
            set("redirectUri", handoff.redirect_uri.as_str().into());
            set("codeVerifier", handoff.code_verifier.secret().into());
            if let Some(nonce) = &handoff.nonce {
                set("nonce", nonce.secret().into());
            }
            if let Some(max_age) = handoff.max_age {
                set("maxAge", (max_age as f64).into());
            }
            if let Some(iss) = &handoff.iss {
                set("iss", iss.as_str().into());
            }
            Ok(out.into())
        })
    }

    /// The claims of the verified ID token of the current session, or `null` (no session, an
    /// expired one, or no `openid` scope). Verified once, when the session was made; read back
    /// from the session after a reload without verifying again (the session lives in this
    /// origin's storage, where whoever could forge it could read the tokens as well).
    #[wasm_bindgen(js_name = getUser, unchecked_return_type = "IdTokenClaims | null")]
    pub fn get_user(&self) -> JsValue {
        self.inner
            .user()
            .and_then(|c| js_sys::JSON::parse(c.to_json()).ok())
            .unwrap_or(JsValue::NULL)
    }

    /// Fetches the user's claims from the UserInfo endpoint (OIDC Core §5.3) with the access
    /// token. Resolves only when the response's `sub` equals the ID token's; otherwise rejects
    /// with `userinfo_sub_mismatch` and the claims are dropped. A 401 clears the session
    /// (`login_required`); other failures are `userinfo_failed` or `userinfo_invalid`.
    #[wasm_bindgen(js_name = loadUserInfo, unchecked_return_type = "Promise<UserInfo>")]
    pub fn load_user_info(&self) -> Promise {
        let inner = self.inner.clone();
        promise(async move {
            let info = inner.load_userinfo().await.map_err(js_err)?;
            js_sys::JSON::parse(info.to_json()).map_err(|_| js_err(Error::Platform("JSON.parse")))
        })
    }

    /// `fetch` with `Authorization: Bearer <access token>`. A path is resolved against the API
    /// base; an absolute URL must lie under it. Resolves with the `Response`.
    ///
    /// An expired access token is refreshed first when a refresh token is held. When the API
    /// answers 401, the token is refreshed (or a newer one a concurrent call got is used) and
    /// the request is sent once more (a copy made before the first send, so the body goes
    /// again). Without a usable session, when the refresh is refused (`invalid_grant`), or when
    /// the retry gets 401 too, the session is ended (`sessionExpired`) and the promise rejects
    /// with `login_required` (no redirect: the app decides when to call `login()`).
    #[wasm_bindgen(js_name = callApi, unchecked_return_type = "Promise<Response>")]
    pub fn call_api(
        &self,
        path: String,
        #[wasm_bindgen(unchecked_optional_param_type = "RequestInit")] init: JsValue,
    ) -> Promise {
        let inner = self.inner.clone();
        pumped(self.runtime.clone(), async move {
            let url = inner.api_url(&path).map_err(js_err)?;
            let token = inner.api_token().await.map_err(js_err)?;
            let init: RequestInit = if init.is_undefined() || init.is_null() {
                RequestInit::new()
            } else {
                init.unchecked_into()
            };
            // A malformed init (bad method, bad header) is the caller's error: rethrow it as is.
            let request = Request::new_with_str_and_init(&url, &init)?;
            let spare = request.clone()?;
            set_bearer(&request, &token)?;
            let response = fetch::fetch_request(&request).await.map_err(js_err)?;
            if response.status() != 401 {
                return Ok(response.into());
            }
            let token = inner
                .after_unauthorized(&token, false)
                .await
                .map_err(js_err)?;
            set_bearer(&spare, &token)?;
            let response = fetch::fetch_request(&spare).await.map_err(js_err)?;
            if response.status() == 401 {
                inner
                    .after_unauthorized(&token, true)
                    .await
                    .map_err(js_err)?;
            }
            Ok(response.into())
        })
    }

    /// Refreshes the access token now (normally automatic, `refreshLeadSeconds` before
    /// expiry). Tabs sharing the session refresh it once between them. Resolves with the
    /// session summary; rejects with `no_refresh_token`, `login_required` (no session, or the
    /// refresh token was refused: the session is ended), `refresh_failed` or `network_error`
    /// (the session is kept).
    #[wasm_bindgen(unchecked_return_type = "Promise<SessionSummary>")]
    pub fn refresh(&self) -> Promise {
        let inner = self.inner.clone();
        pumped(self.runtime.clone(), async move {
            inner.refresh().await.map_err(js_err)?;
            match inner.stored_session() {
                Some(s) => to_js(&s.summary()),
                None => Err(js_err(Error::LoginRequired("there is no session"))),
            }
        })
    }

    /// THE WAY TO READ THE RAW ACCESS TOKEN, on purpose: for an API `callApi` cannot reach
    /// (e.g. a WebSocket or a third-party SDK). Refreshes first when it expired. Never log it
    /// or store it; prefer `callApi`. Rejects with `login_required` without a usable session.
    #[wasm_bindgen(js_name = getAccessToken, unchecked_return_type = "Promise<string>")]
    pub fn get_access_token(&self) -> Promise {
        let inner = self.inner.clone();
        pumped(self.runtime.clone(), async move {
            let token = inner.api_token().await.map_err(js_err)?;
            Ok(JsValue::from(token.secret()))
        })
    }

    /// Adds an event handler (TypeScript signature in `PkceClient`'s interface).
    #[wasm_bindgen(skip_typescript)]
    pub fn on(&self, name: String, handler: JsValue) -> Result<(), JsValue> {
        let handler = handler
            .dyn_into()
            .map_err(|_| config_error("handler", "must be a function"))?;
        self.runtime.on(&name, handler).map_err(js_err)
    }

    /// Removes an event handler.
    #[wasm_bindgen(skip_typescript)]
    pub fn off(&self, name: String, handler: JsValue) -> Result<(), JsValue> {
        let handler = handler
            .dyn_into()
            .map_err(|_| config_error("handler", "must be a function"))?;
        self.runtime.off(&name, &handler).map_err(js_err)
    }

    /// Whether a session with an unexpired access token exists.
    #[wasm_bindgen(js_name = isAuthenticated)]
    pub fn is_authenticated(&self) -> bool {
        self.inner.is_authenticated()
    }

    /// The current session's summary, or `null`.
    #[wasm_bindgen(js_name = getSession, unchecked_return_type = "SessionSummary | null")]
    pub fn get_session(&self) -> JsValue {
        self.inner
            .session()
            .and_then(|s| to_js(&s.summary()).ok())
            .unwrap_or(JsValue::NULL)
    }

    /// Logs out. Synchronously, before the promise is even returned: deletes the session and
    /// any pending login from storage and emits `loggedOut`, so the user is logged out even if
    /// the promise is never awaited or the server fails. Then: ends the session in sibling tabs
    /// of the same session; revokes the refresh token (else the access token) at
    /// `revocationEndpoint` (RFC 7009) and, for Genesys Cloud, deletes the access token
    /// (`DELETE /api/v2/tokens/me`); with `{ redirect: true }`, sends the browser to the
    /// server's logout page. Resolves with a `LogoutResult` (a revocation failure is reported
    /// there, not as a rejection); rejects only for invalid options (`invalid_config`), after
    /// having logged out and revoked all the same.
    #[wasm_bindgen(unchecked_return_type = "Promise<LogoutResult>")]
    pub fn logout(
        &self,
        #[wasm_bindgen(unchecked_optional_param_type = "LogoutOptions")] options: JsValue,
    ) -> Promise {
        let parsed = parse_logout_options(options);
        let session = self.inner.end_local_session();
        self.runtime.pump();
        let inner = self.inner.clone();
        pumped(self.runtime.clone(), async move {
            let default = LogoutOptions::default();
            let options = parsed.as_ref().unwrap_or(&default);
            let outcome = inner.finish_logout(session, options).await;
            let options_ok = parsed?;
            let outcome = outcome.map_err(js_err)?;
            if let (true, Some(url)) = (options_ok.redirect, &outcome.redirect_to) {
                location::navigate(url.as_str()).map_err(js_err)?;
            }
            Ok(logout_result(&outcome))
        })
    }
}

/// What every promise-returning method runs.
type Work = Pin<Box<dyn Future<Output = Result<JsValue, JsValue>>>>;

/// Runs `work` as a promise. The future is boxed first so that `future_to_promise` and its
/// task machinery exist once in the .wasm, not once per method (size).
fn promise(work: impl Future<Output = Result<JsValue, JsValue>> + 'static) -> Promise {
    wasm_bindgen_futures::future_to_promise(Box::pin(work) as Work)
}

/// Runs `work` as a promise, then delivers the events it queued and re-arms the timer.
fn pumped(
    runtime: Rc<Runtime>,
    work: impl Future<Output = Result<JsValue, JsValue>> + 'static,
) -> Promise {
    pumped_work(runtime, Box::pin(work))
}

fn pumped_work(runtime: Rc<Runtime>, work: Work) -> Promise {
    promise(async move {
        let result = work.await;
        runtime.pump();
        result
    })
}

fn set_bearer(request: &Request, token: &AccessToken) -> Result<(), JsValue> {
    let bearer = token.bearer_header();
    request.headers().set("Authorization", &bearer)
}

fn parse_logout_options(options: JsValue) -> Result<LogoutOptions, JsValue> {
    if options.is_undefined() || options.is_null() {
        return Ok(LogoutOptions::default());
    }
    serde_wasm_bindgen::from_value(options).map_err(|e| config_error("logoutOptions", e))
}

fn logout_result(outcome: &LogoutOutcome) -> JsValue {
    let result = js_sys::Object::new();
    let set = |k: &str, v: JsValue| {
        let _ = Reflect::set(&result, &k.into(), &v);
    };
    set(
        "revocation",
        match outcome.revocation {
            RevocationStatus::Revoked => "revoked",
            RevocationStatus::Failed => "failed",
            RevocationStatus::Skipped => "skipped",
        }
        .into(),
    );
    set(
        "error",
        outcome.error.as_ref().map_or(JsValue::NULL, to_js_error),
    );
    set(
        "redirectTo",
        outcome
            .redirect_to
            .as_ref()
            .map_or(JsValue::NULL, |u| u.as_str().into()),
    );
    result.into()
}

fn parse_login_options(options: JsValue) -> Result<LoginOptions, JsValue> {
    if options.is_undefined() || options.is_null() {
        return Ok(LoginOptions::default());
    }
    serde_wasm_bindgen::from_value(options).map_err(|e| config_error("loginOptions", e))
}

fn to_js<T: serde::Serialize>(value: &T) -> Result<JsValue, JsValue> {
    let serializer = serde_wasm_bindgen::Serializer::new().serialize_missing_as_null(true);
    value
        .serialize(&serializer)
        .map_err(|_| js_err(Error::Platform("serialize")))
}

thread_local! {
    static DEFAULT: RefCell<Option<Rc<PkceClient>>> = const { RefCell::new(None) };
    /// Discovery documents and JWK Sets, fetched once per page and shared by every client.
    static DOCUMENTS: Rc<DocumentCache> = Rc::default();
}

fn page_documents() -> Rc<DocumentCache> {
    DOCUMENTS.with(Rc::clone)
}

fn default_client() -> Result<Rc<PkceClient>, JsValue> {
    DEFAULT.with(|d| d.borrow().clone()).ok_or_else(|| {
        config_error(
            "config",
            "no client is configured: call configure(config) first",
        )
    })
}

fn reject(e: JsValue) -> Promise {
    Promise::reject(&e)
}

/// Sets the client the free functions act on. Throws `invalid_config` on bad configuration.
#[wasm_bindgen]
pub fn configure(
    #[wasm_bindgen(unchecked_param_type = "PkceConfig")] config: JsValue,
) -> Result<(), JsValue> {
    let client = Rc::new(PkceClient::new(config)?);
    DEFAULT.with(|d| *d.borrow_mut() = Some(client));
    Ok(())
}

/// Sets the client the free functions act on from the provider's discovery document, like
/// `PkceClient.discover`.
#[wasm_bindgen(js_name = configureWithDiscovery, unchecked_return_type = "Promise<void>")]
pub fn configure_with_discovery(
    #[wasm_bindgen(unchecked_param_type = "DiscoveryConfig")] config: JsValue,
) -> Promise {
    promise(async move {
        let client = PkceClient::discovered(config).await?;
        DEFAULT.with(|d| *d.borrow_mut() = Some(Rc::new(client)));
        Ok(JsValue::UNDEFINED)
    })
}

/// `login()` on the configured client.
#[wasm_bindgen(js_name = login, unchecked_return_type = "Promise<void>")]
pub fn login_fn(
    #[wasm_bindgen(unchecked_optional_param_type = "LoginOptions")] options: JsValue,
) -> Promise {
    default_client().map_or_else(reject, |c| c.login(options))
}

/// `handleCallback()` on the configured client.
#[wasm_bindgen(js_name = handleCallback, unchecked_return_type = "Promise<SessionSummary>")]
pub fn handle_callback_fn(url: Option<String>) -> Promise {
    default_client().map_or_else(reject, |c| c.handle_callback(url))
}

/// `callApi()` on the configured client.
#[wasm_bindgen(js_name = callApi, unchecked_return_type = "Promise<Response>")]
pub fn call_api_fn(
    path: String,
    #[wasm_bindgen(unchecked_optional_param_type = "RequestInit")] init: JsValue,
) -> Promise {
    default_client().map_or_else(reject, |c| c.call_api(path, init))
}

/// `isAuthenticated()` on the configured client (false when none is configured).
#[wasm_bindgen(js_name = isAuthenticated)]
pub fn is_authenticated_fn() -> bool {
    default_client().is_ok_and(|c| c.is_authenticated())
}

/// `getSession()` on the configured client (null when none is configured).
#[wasm_bindgen(js_name = getSession, unchecked_return_type = "SessionSummary | null")]
pub fn get_session_fn() -> JsValue {
    default_client().map_or(JsValue::NULL, |c| c.get_session())
}

/// `getUser()` on the configured client (null when none is configured).
#[wasm_bindgen(js_name = getUser, unchecked_return_type = "IdTokenClaims | null")]
pub fn get_user_fn() -> JsValue {
    default_client().map_or(JsValue::NULL, |c| c.get_user())
}

/// `loadUserInfo()` on the configured client.
#[wasm_bindgen(js_name = loadUserInfo, unchecked_return_type = "Promise<UserInfo>")]
pub fn load_user_info_fn() -> Promise {
    default_client().map_or_else(reject, |c| c.load_user_info())
}

/// `messengerAuthCode()` on the configured client.
#[wasm_bindgen(js_name = messengerAuthCode, unchecked_return_type = "Promise<MessengerAuthCode>")]
pub fn messenger_auth_code_fn(url: Option<String>) -> Promise {
    default_client().map_or_else(reject, |c| c.messenger_auth_code(url))
}

/// `logout()` on the configured client; without one, resolves with nothing done.
#[wasm_bindgen(js_name = logout, unchecked_return_type = "Promise<LogoutResult>")]
pub fn logout_fn(
    #[wasm_bindgen(unchecked_optional_param_type = "LogoutOptions")] options: JsValue,
) -> Promise {
    match default_client() {
        Ok(c) => c.logout(options),
        Err(_) => Promise::resolve(&logout_result(&LogoutOutcome {
            revocation: RevocationStatus::Skipped,
            error: None,
            redirect_to: None,
        })),
    }
}

/// `refresh()` on the configured client.
#[wasm_bindgen(js_name = refresh, unchecked_return_type = "Promise<SessionSummary>")]
pub fn refresh_fn() -> Promise {
    default_client().map_or_else(reject, |c| c.refresh())
}

/// `getAccessToken()` on the configured client: the raw token, on purpose.
#[wasm_bindgen(js_name = getAccessToken, unchecked_return_type = "Promise<string>")]
pub fn get_access_token_fn() -> Promise {
    default_client().map_or_else(reject, |c| c.get_access_token())
}

/// `on()` on the configured client (TypeScript signature in the custom section).
#[wasm_bindgen(js_name = on, skip_typescript)]
pub fn on_fn(name: String, handler: JsValue) -> Result<(), JsValue> {
    default_client()?.on(name, handler)
}

/// `off()` on the configured client.
#[wasm_bindgen(js_name = off, skip_typescript)]
pub fn off_fn(name: String, handler: JsValue) -> Result<(), JsValue> {
    default_client()?.off(name, handler)
}
