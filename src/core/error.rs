//! Error types, one enum per protocol stage, named after the specs.
//!
//! Each error has a stable snake_case [`Error::code`] (the JavaScript `error.code`) and a
//! human message. No message ever contains a verifier, a code, a token or a response body:
//! the only server-provided text carried is the OAuth `error` code, restricted to the
//! RFC 6749 §5.2 character set, and an authorization `error_description` kept apart from the
//! message.

use core::fmt;

/// Invalid configuration, reported when a client is constructed.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ConfigError {
    /// A field is missing or malformed; the text says which and why.
    Invalid {
        /// The camelCase name of the configuration field.
        field: &'static str,
        /// What is wrong with it.
        reason: String,
    },
    /// The Genesys Cloud region is not one we know.
    UnknownRegion {
        /// The region as given.
        given: String,
    },
}

/// The authorization response (the callback) was refused (RFC 6749 §4.1.2, RFC 9207).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum CallbackError {
    /// A response parameter appeared more than once (RFC 6749 §3.1).
    DuplicateParameter(&'static str),
    /// The URL carries neither a `code` nor an `error`: this is not a callback.
    NotACallback,
    /// There is no pending login in this tab: the login was started elsewhere, already
    /// finished, or the callback was opened twice.
    MissingPendingLogin,
    /// The pending login is older than the allowed 10 minutes.
    PendingLoginExpired,
    /// `state` is missing or differs from the pending login's (CSRF, RFC 6749 §10.12).
    StateMismatch,
    /// `iss` is missing or differs from the expected issuer (mix-up defence, RFC 9207 §2.4).
    IssuerMismatch,
    /// The server answered with an error (RFC 6749 §4.1.2.1), e.g. `access_denied`.
    Authorization {
        /// The OAuth `error` code.
        error: String,
        /// The server's `error_description`, sanitized; never part of the message.
        description: Option<String>,
    },
    /// A success response without a `code`.
    MissingCode,
}

/// The token endpoint exchange or refresh failed (RFC 6749 §5).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum TokenError {
    /// The server answered with an OAuth error (RFC 6749 §5.2), e.g. `invalid_grant`.
    OAuth {
        /// The OAuth `error` code.
        error: String,
        /// The HTTP status.
        status: u16,
        /// Seconds from a `Retry-After` header, if any.
        retry_after: Option<u64>,
    },
    /// The server answered with a non-success status and no OAuth error body.
    HttpStatus {
        /// The HTTP status.
        status: u16,
        /// Seconds from a `Retry-After` header, if any.
        retry_after: Option<u64>,
    },
    /// A success status whose body is not a valid token response (RFC 6749 §5.1).
    InvalidResponse(&'static str),
}

impl TokenError {
    /// Whether retrying later may succeed: 5xx, 429, and `temporarily_unavailable`. Permanent
    /// errors such as `invalid_grant` or `invalid_client` are never retried.
    pub fn is_transient(&self) -> bool {
        match self {
            TokenError::OAuth { error, status, .. } => {
                error == "temporarily_unavailable" || *status == 429 || *status >= 500
            }
            TokenError::HttpStatus { status, .. } => *status == 429 || *status >= 500,
            TokenError::InvalidResponse(_) => false,
        }
    }

    /// The server's `Retry-After`, in seconds, when it sent one.
    pub fn retry_after(&self) -> Option<u64> {
        match self {
            TokenError::OAuth { retry_after, .. } | TokenError::HttpStatus { retry_after, .. } => {
                *retry_after
            }
            TokenError::InvalidResponse(_) => None,
        }
    }
}

/// OpenID Provider discovery failed (OpenID Connect Discovery 1.0 §4).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum DiscoveryError {
    /// The discovery document could not be fetched: a non-200 answer (§4.2).
    HttpStatus(u16),
    /// The answer is not a usable OpenID Provider metadata document (§3, §4.2).
    InvalidDocument(&'static str),
    /// An endpoint URL in the document is not https (or loopback http), or malformed.
    InvalidEndpoint {
        /// The metadata field, e.g. `token_endpoint`.
        field: &'static str,
        /// What is wrong with it.
        reason: String,
    },
    /// The document's `issuer` is not exactly the configured issuer (§4.3: impersonation).
    IssuerMismatch,
    /// `code_challenge_methods_supported` is given and lacks `S256` (RFC 8414 §2, RFC 7636).
    S256Unsupported,
}

/// The provider's JWK Set (RFC 7517 §5, OIDC Core §10.1.1) could not be fetched or read.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum JwksError {
    /// The `jwks_uri` answered with a non-200 status.
    HttpStatus(u16),
    /// The JWK Set, or the key it selected, is unusable.
    Invalid(&'static str),
}

/// The ID token was refused (OIDC Core §3.1.3.7, RFC 7515, RFC 7519, RFC 8725).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum IdTokenError {
    /// Not a JWS in compact serialization (three base64url parts, JSON header and payload),
    /// or a required claim is missing or has the wrong type.
    Malformed(&'static str),
    /// The `alg` is `none`, an HMAC algorithm (a public client has no shared secret), or one
    /// we do not implement. Carries the sanitized name.
    AlgUnsupported(String),
    /// The header lists `crit` extensions (RFC 7515 §4.1.11); we understand none.
    CritUnsupported,
    /// The signature does not verify with the selected key.
    SignatureInvalid,
    /// No key in the JWK Set fits the token's `kid` and `alg`, even after refetching it.
    UnknownKid,
    /// The token names no `kid` and several keys fit (OIDC Core §10.1 requires a `kid`).
    KeyAmbiguous,
    /// `iss` is not exactly the issuer (step 2).
    IssMismatch,
    /// `aud` does not contain the client id (step 3).
    AudMismatch,
    /// `azp` is missing with several audiences, or is not the client id (steps 4, 5).
    AzpMismatch,
    /// `exp` has passed, beyond the clock tolerance (step 9).
    Expired,
    /// `iat` is in the future, beyond the clock tolerance (step 10).
    IatFuture,
    /// `nbf` is in the future, beyond the clock tolerance (RFC 7519 §4.1.5).
    NotYetValid,
    /// `nonce` is missing or differs from the one sent (step 11: replay defence).
    NonceMismatch,
    /// `max_age` was requested and `auth_time` is missing or too old (step 13).
    AuthTimeInvalid,
    /// An ID token from a refresh names another subject than the login's (OIDC Core §12.2).
    SubMismatch,
}

/// The UserInfo request failed (OIDC Core §5.3).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum UserInfoError {
    /// The UserInfo endpoint answered with a non-success status other than 401.
    HttpStatus(u16),
    /// The answer is not a JSON object with a `sub` (§5.3.2), or is a signed/encrypted JWT.
    Invalid(&'static str),
    /// The answer's `sub` is not the ID token's (§5.3.2: token substitution).
    SubMismatch,
}

/// A token revocation request failed (RFC 7009 §2.2.1).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum RevocationError {
    /// No answer arrived (offline, DNS, CORS refusal).
    Network,
    /// The server answered with an OAuth error, e.g. `unsupported_token_type`.
    OAuth {
        /// The OAuth `error` code.
        error: String,
        /// The HTTP status.
        status: u16,
    },
    /// The server answered with a non-success status and no OAuth error body.
    HttpStatus {
        /// The HTTP status.
        status: u16,
    },
}

/// Every error the library reports.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Error {
    /// See [`ConfigError`].
    Config(ConfigError),
    /// See [`CallbackError`].
    Callback(CallbackError),
    /// The authorization-code exchange failed; see [`TokenError`].
    TokenExchange(TokenError),
    /// A request could not be sent or got no answer (offline, DNS, CORS refusal, ...).
    Network,
    /// There is no valid session (none, expired, or refused by the API): log in again.
    LoginRequired(&'static str),
    /// Browser storage refused to work and no fallback was possible.
    StorageUnavailable,
    /// A refresh (RFC 6749 §6) failed and the session is kept: the failure was transient and
    /// retried [`crate::core::backoff::MAX_ATTEMPTS`] times, or the server refused the client
    /// (e.g. `invalid_client`), so automatic refresh stops for this refresh token.
    Refresh(TokenError),
    /// The server refused the refresh token (`invalid_grant`: expired, revoked or already
    /// rotated): the session was ended. Surfaced as `login_required`.
    RefreshRejected(TokenError),
    /// A refresh was asked for, but the session holds no refresh token.
    NoRefreshToken,
    /// Token revocation at logout failed (RFC 7009 §2.2.1, or Genesys `DELETE
    /// /api/v2/tokens/me`). The local session is gone regardless.
    Revocation(RevocationError),
    /// A browser API failed in a way that is not the caller's fault (e.g. WebCrypto missing).
    Platform(&'static str),
    /// `callApi` was given a URL outside the configured API base, where the token must not go.
    InvalidApiUrl,
    /// See [`DiscoveryError`].
    Discovery(DiscoveryError),
    /// See [`JwksError`].
    Jwks(JwksError),
    /// See [`IdTokenError`].
    IdToken(IdTokenError),
    /// See [`UserInfoError`].
    UserInfo(UserInfoError),
    /// A call that needs an authorization response (the Messenger hand-off) was made on a
    /// page that is not one: start a login first.
    NotACallback,
}

impl Error {
    /// The stable snake_case code surfaced to JavaScript as `error.code`.
    pub fn code(&self) -> &'static str {
        match self {
            Error::Config(_) => "invalid_config",
            Error::Callback(e) => match e {
                CallbackError::DuplicateParameter(_) | CallbackError::NotACallback => {
                    "invalid_callback"
                }
                CallbackError::MissingPendingLogin => "missing_pending_login",
                CallbackError::PendingLoginExpired => "pending_login_expired",
                CallbackError::StateMismatch => "state_mismatch",
                CallbackError::IssuerMismatch => "issuer_mismatch",
                CallbackError::Authorization { .. } => "authorization_error",
                CallbackError::MissingCode => "invalid_callback",
            },
            Error::TokenExchange(TokenError::InvalidResponse(_)) => "invalid_token_response",
            Error::TokenExchange(_) => "token_exchange_failed",
            Error::Network => "network_error",
            Error::LoginRequired(_) => "login_required",
            Error::StorageUnavailable => "storage_unavailable",
            Error::Platform(_) => "platform_error",
            Error::InvalidApiUrl => "invalid_api_url",
            Error::Discovery(e) => match e {
                DiscoveryError::HttpStatus(_) => "discovery_failed",
                DiscoveryError::InvalidDocument(_) | DiscoveryError::InvalidEndpoint { .. } => {
                    "invalid_discovery"
                }
                DiscoveryError::IssuerMismatch => "discovery_issuer_mismatch",
                DiscoveryError::S256Unsupported => "discovery_s256_unsupported",
            },
            Error::Jwks(JwksError::HttpStatus(_)) => "jwks_fetch_failed",
            Error::Jwks(JwksError::Invalid(_)) => "jwks_invalid",
            Error::IdToken(e) => match e {
                IdTokenError::Malformed(_) => "id_token_malformed",
                IdTokenError::AlgUnsupported(_) => "id_token_alg_unsupported",
                IdTokenError::CritUnsupported => "id_token_crit_unsupported",
                IdTokenError::SignatureInvalid => "id_token_signature_invalid",
                IdTokenError::UnknownKid => "id_token_unknown_kid",
                IdTokenError::KeyAmbiguous => "id_token_key_ambiguous",
                IdTokenError::IssMismatch => "id_token_iss_mismatch",
                IdTokenError::AudMismatch => "id_token_aud_mismatch",
                IdTokenError::AzpMismatch => "id_token_azp_mismatch",
                IdTokenError::Expired => "id_token_expired",
                IdTokenError::IatFuture => "id_token_iat_future",
                IdTokenError::NotYetValid => "id_token_nbf_future",
                IdTokenError::NonceMismatch => "id_token_nonce_mismatch",
                IdTokenError::AuthTimeInvalid => "id_token_auth_time_invalid",
                IdTokenError::SubMismatch => "id_token_sub_mismatch",
            },
            Error::UserInfo(e) => match e {
                UserInfoError::HttpStatus(_) => "userinfo_failed",
                UserInfoError::Invalid(_) => "userinfo_invalid",
                UserInfoError::SubMismatch => "userinfo_sub_mismatch",
            },
            Error::NotACallback => "not_a_callback",
            Error::Refresh(TokenError::InvalidResponse(_)) => "invalid_token_response",
            Error::Refresh(_) => "refresh_failed",
            Error::RefreshRejected(_) => "login_required",
            Error::NoRefreshToken => "no_refresh_token",
            Error::Revocation(_) => "revocation_failed",
        }
    }

    /// Every code [`Error::code`] can return, for the TypeScript union and its test.
    pub const CODES: &'static [&'static str] = &[
        "invalid_config",
        "invalid_callback",
        "missing_pending_login",
        "pending_login_expired",
        "state_mismatch",
        "issuer_mismatch",
        "authorization_error",
        "invalid_token_response",
        "token_exchange_failed",
        "network_error",
        "login_required",
        "storage_unavailable",
        "platform_error",
        "invalid_api_url",
        "discovery_failed",
        "invalid_discovery",
        "discovery_issuer_mismatch",
        "discovery_s256_unsupported",
        "jwks_fetch_failed",
        "jwks_invalid",
        "id_token_malformed",
        "id_token_alg_unsupported",
        "id_token_crit_unsupported",
        "id_token_signature_invalid",
        "id_token_unknown_kid",
        "id_token_key_ambiguous",
        "id_token_iss_mismatch",
        "id_token_aud_mismatch",
        "id_token_azp_mismatch",
        "id_token_expired",
        "id_token_iat_future",
        "id_token_nbf_future",
        "id_token_nonce_mismatch",
        "id_token_auth_time_invalid",
        "id_token_sub_mismatch",
        "userinfo_failed",
        "userinfo_invalid",
        "userinfo_sub_mismatch",
        "not_a_callback",
        "refresh_failed",
        "no_refresh_token",
        "revocation_failed",
    ];

    /// The OAuth `error` code from the server, when there is one.
    pub fn oauth_error(&self) -> Option<&str> {
        match self {
            Error::Callback(CallbackError::Authorization { error, .. })
            | Error::TokenExchange(TokenError::OAuth { error, .. })
            | Error::Refresh(TokenError::OAuth { error, .. })
            | Error::RefreshRejected(TokenError::OAuth { error, .. })
            | Error::Revocation(RevocationError::OAuth { error, .. }) => Some(error),
            _ => None,
        }
    }

    /// Whether trying again later may succeed: no answer at all, or a transient token
    /// endpoint failure ([`TokenError::is_transient`]).
    pub fn is_transient(&self) -> bool {
        match self {
            Error::Network => true,
            Error::TokenExchange(e) | Error::Refresh(e) => e.is_transient(),
            _ => false,
        }
    }

    /// The server's `Retry-After`, in seconds, when it sent one.
    pub fn retry_after(&self) -> Option<u64> {
        match self {
            Error::TokenExchange(e) | Error::Refresh(e) => e.retry_after(),
            _ => None,
        }
    }

    /// The HTTP status behind the error, when there is one.
    pub fn http_status(&self) -> Option<u16> {
        match self {
            Error::TokenExchange(TokenError::OAuth { status, .. })
            | Error::TokenExchange(TokenError::HttpStatus { status, .. })
            | Error::Discovery(DiscoveryError::HttpStatus(status))
            | Error::Jwks(JwksError::HttpStatus(status))
            | Error::UserInfo(UserInfoError::HttpStatus(status))
            | Error::Refresh(TokenError::OAuth { status, .. })
            | Error::Refresh(TokenError::HttpStatus { status, .. })
            | Error::RefreshRejected(TokenError::OAuth { status, .. })
            | Error::Revocation(RevocationError::OAuth { status, .. })
            | Error::Revocation(RevocationError::HttpStatus { status }) => Some(*status),
            _ => None,
        }
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConfigError::Invalid { field, reason } => write!(f, "invalid `{field}`: {reason}"),
            ConfigError::UnknownRegion { given } => write!(
                f,
                "unknown Genesys Cloud region {:?}; use one of: {}",
                sanitize(given, 64),
                super::config::genesys_region_list()
            ),
        }
    }
}

impl fmt::Display for CallbackError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CallbackError::DuplicateParameter(p) => {
                write!(f, "the callback URL repeats the `{p}` parameter")
            }
            CallbackError::NotACallback => {
                f.write_str("this URL is not an authorization callback (no code or error)")
            }
            CallbackError::MissingPendingLogin => f.write_str(
                "no login is pending in this tab (it was started in another tab, already \
                 completed, or the callback was opened twice); start a new login",
            ),
            CallbackError::PendingLoginExpired => {
                f.write_str("the login took longer than 10 minutes; start a new login")
            }
            CallbackError::StateMismatch => f.write_str(
                "the callback's state does not match the login started in this tab \
                 (possible cross-site request forgery); start a new login",
            ),
            CallbackError::IssuerMismatch => f.write_str(
                "the callback's issuer (iss) is missing or not the configured one \
                 (possible mix-up attack)",
            ),
            CallbackError::Authorization { error, .. } => {
                write!(f, "the authorization server refused the login: {error}")
            }
            CallbackError::MissingCode => f.write_str("the callback has no authorization code"),
        }
    }
}

impl fmt::Display for TokenError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TokenError::OAuth { error, status, .. } => {
                write!(f, "the token endpoint answered {status} {error}")
            }
            TokenError::HttpStatus { status, .. } => {
                write!(f, "the token endpoint answered HTTP {status}")
            }
            TokenError::InvalidResponse(why) => write!(f, "invalid token response: {why}"),
        }
    }
}

impl fmt::Display for DiscoveryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DiscoveryError::HttpStatus(status) => {
                write!(
                    f,
                    "the discovery document could not be fetched (HTTP {status})"
                )
            }
            DiscoveryError::InvalidDocument(why) => write!(f, "invalid discovery document: {why}"),
            DiscoveryError::InvalidEndpoint { field, reason } => {
                write!(f, "the discovery document's `{field}` {reason}")
            }
            DiscoveryError::IssuerMismatch => f.write_str(
                "the discovery document's issuer is not exactly the configured issuer \
                 (check the scheme, host, path and trailing slash)",
            ),
            DiscoveryError::S256Unsupported => f.write_str(
                "the provider does not list S256 in code_challenge_methods_supported; \
                 pixie-auth only uses S256 PKCE",
            ),
        }
    }
}

impl fmt::Display for JwksError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            JwksError::HttpStatus(status) => {
                write!(f, "the provider's keys (jwks_uri) answered HTTP {status}")
            }
            JwksError::Invalid(why) => write!(f, "the provider's key set is unusable: {why}"),
        }
    }
}

impl fmt::Display for IdTokenError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ID token refused: ")?;
        match self {
            IdTokenError::Malformed(why) => f.write_str(why),
            IdTokenError::AlgUnsupported(alg) => write!(
                f,
                "signature algorithm {alg:?} is not accepted (RS256/384/512, PS256/384/512, \
                 ES256, ES384 are)"
            ),
            IdTokenError::CritUnsupported => {
                f.write_str("the header lists critical extensions (crit) that are not understood")
            }
            IdTokenError::SignatureInvalid => f.write_str("the signature is invalid"),
            IdTokenError::UnknownKid => {
                f.write_str("no key of the provider's key set fits its kid and alg")
            }
            IdTokenError::KeyAmbiguous => {
                f.write_str("it names no kid and the provider's key set has several fitting keys")
            }
            IdTokenError::IssMismatch => f.write_str("iss is not the issuer"),
            IdTokenError::AudMismatch => f.write_str("aud does not contain this client id"),
            IdTokenError::AzpMismatch => {
                f.write_str("azp is missing (with several audiences) or not this client id")
            }
            IdTokenError::Expired => {
                f.write_str("it has expired (check the device clock if this persists)")
            }
            IdTokenError::IatFuture => {
                f.write_str("it was issued in the future (check the device clock)")
            }
            IdTokenError::NotYetValid => {
                f.write_str("it is not valid yet (nbf; check the device clock)")
            }
            IdTokenError::NonceMismatch => {
                f.write_str("nonce is missing or not the one this login sent (possible replay)")
            }
            IdTokenError::AuthTimeInvalid => {
                f.write_str("auth_time is missing or older than the requested max_age")
            }
            IdTokenError::SubMismatch => {
                f.write_str("a refreshed ID token names another user than the login's")
            }
        }
    }
}

impl fmt::Display for UserInfoError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            UserInfoError::HttpStatus(status) => {
                write!(f, "the UserInfo endpoint answered HTTP {status}")
            }
            UserInfoError::Invalid(why) => write!(f, "invalid UserInfo response: {why}"),
            UserInfoError::SubMismatch => f.write_str(
                "the UserInfo response's sub is not the ID token's; its claims were discarded",
            ),
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Config(e) => write!(f, "invalid configuration: {e}"),
            Error::Callback(e) => e.fmt(f),
            Error::TokenExchange(e) => e.fmt(f),
            Error::Network => f.write_str("network error: the server could not be reached"),
            Error::LoginRequired(why) => write!(f, "login required: {why}"),
            Error::StorageUnavailable => f.write_str("browser storage is unavailable"),
            Error::Platform(why) => write!(f, "browser API failure: {why}"),
            Error::InvalidApiUrl => f.write_str(
                "callApi only sends the token to the configured API base; \
                 pass a path or a URL under it",
            ),
            Error::Discovery(e) => e.fmt(f),
            Error::Jwks(e) => e.fmt(f),
            Error::IdToken(e) => e.fmt(f),
            Error::UserInfo(e) => e.fmt(f),
            Error::NotACallback => f.write_str(
                "this page is not an authorization callback (no code or error in its URL); \
                 start a login first",
            ),
            Error::Refresh(e) => write!(f, "token refresh failed: {e}"),
            Error::RefreshRejected(e) => {
                write!(f, "login required: the refresh token was refused ({e})")
            }
            Error::NoRefreshToken => {
                f.write_str("the session has no refresh token; call login() when convenient")
            }
            Error::Revocation(e) => e.fmt(f),
        }
    }
}

impl fmt::Display for RevocationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("token revocation failed (the local session is ended regardless): ")?;
        match self {
            RevocationError::Network => f.write_str("the server could not be reached"),
            RevocationError::OAuth { error, status } => {
                write!(f, "the server answered {status} {error}")
            }
            RevocationError::HttpStatus { status } => {
                write!(f, "the server answered HTTP {status}")
            }
        }
    }
}

impl From<ConfigError> for Error {
    fn from(e: ConfigError) -> Self {
        Error::Config(e)
    }
}

impl From<CallbackError> for Error {
    fn from(e: CallbackError) -> Self {
        Error::Callback(e)
    }
}

impl From<DiscoveryError> for Error {
    fn from(e: DiscoveryError) -> Self {
        Error::Discovery(e)
    }
}

impl From<JwksError> for Error {
    fn from(e: JwksError) -> Self {
        Error::Jwks(e)
    }
}

impl From<IdTokenError> for Error {
    fn from(e: IdTokenError) -> Self {
        Error::IdToken(e)
    }
}

impl From<UserInfoError> for Error {
    fn from(e: UserInfoError) -> Self {
        Error::UserInfo(e)
    }
}

/// Keeps server-provided text to the RFC 6749 §5.2 `error` character set
/// (%x20-21 / %x23-5B / %x5D-7E) and at most `max` characters.
pub fn sanitize(text: &str, max: usize) -> String {
    text.chars()
        .filter(|c| matches!(*c as u32, 0x20..=0x21 | 0x23..=0x5B | 0x5D..=0x7E))
        .take(max)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_stable() {
        assert_eq!(
            Error::Callback(CallbackError::StateMismatch).code(),
            "state_mismatch"
        );
        assert_eq!(Error::Network.code(), "network_error");
        let e = Error::TokenExchange(TokenError::OAuth {
            error: "invalid_grant".into(),
            status: 400,
            retry_after: None,
        });
        assert_eq!(e.code(), "token_exchange_failed");
        assert_eq!(e.oauth_error(), Some("invalid_grant"));
        assert_eq!(e.http_status(), Some(400));
        assert_eq!(
            e.to_string(),
            "the token endpoint answered 400 invalid_grant"
        );
    }

    #[test]
    fn transient_classification() {
        let oauth = |error: &str, status| TokenError::OAuth {
            error: error.into(),
            status,
            retry_after: None,
        };
        assert!(!oauth("invalid_grant", 400).is_transient());
        assert!(!oauth("invalid_client", 401).is_transient());
        assert!(oauth("temporarily_unavailable", 400).is_transient());
        assert!(TokenError::HttpStatus {
            status: 503,
            retry_after: None
        }
        .is_transient());
        assert!(TokenError::HttpStatus {
            status: 429,
            retry_after: Some(3)
        }
        .is_transient());
        assert!(!TokenError::HttpStatus {
            status: 404,
            retry_after: None
        }
        .is_transient());
    }

    #[test]
    fn every_code_is_listed_and_in_the_typescript_union() {
        let samples = [
            Error::Config(ConfigError::UnknownRegion { given: "x".into() }),
            Error::Callback(CallbackError::NotACallback),
            Error::Callback(CallbackError::MissingPendingLogin),
            Error::Callback(CallbackError::PendingLoginExpired),
            Error::Callback(CallbackError::StateMismatch),
            Error::Callback(CallbackError::IssuerMismatch),
            Error::Callback(CallbackError::MissingCode),
            Error::TokenExchange(TokenError::InvalidResponse("x")),
            Error::TokenExchange(TokenError::HttpStatus {
                status: 500,
                retry_after: None,
            }),
            Error::Network,
            Error::LoginRequired("x"),
            Error::StorageUnavailable,
            Error::Platform("x"),
            Error::InvalidApiUrl,
            Error::Discovery(DiscoveryError::HttpStatus(404)),
            Error::Discovery(DiscoveryError::InvalidDocument("x")),
            Error::Discovery(DiscoveryError::InvalidEndpoint {
                field: "jwks_uri",
                reason: "x".into(),
            }),
            Error::Discovery(DiscoveryError::IssuerMismatch),
            Error::Discovery(DiscoveryError::S256Unsupported),
            Error::Jwks(JwksError::HttpStatus(500)),
            Error::Jwks(JwksError::Invalid("x")),
            Error::IdToken(IdTokenError::Malformed("x")),
            Error::IdToken(IdTokenError::AlgUnsupported("HS256".into())),
            Error::IdToken(IdTokenError::CritUnsupported),
            Error::IdToken(IdTokenError::SignatureInvalid),
            Error::IdToken(IdTokenError::UnknownKid),
            Error::IdToken(IdTokenError::KeyAmbiguous),
            Error::IdToken(IdTokenError::IssMismatch),
            Error::IdToken(IdTokenError::AudMismatch),
            Error::IdToken(IdTokenError::AzpMismatch),
            Error::IdToken(IdTokenError::Expired),
            Error::IdToken(IdTokenError::IatFuture),
            Error::IdToken(IdTokenError::NotYetValid),
            Error::IdToken(IdTokenError::NonceMismatch),
            Error::IdToken(IdTokenError::AuthTimeInvalid),
            Error::IdToken(IdTokenError::SubMismatch),
            Error::UserInfo(UserInfoError::HttpStatus(500)),
            Error::UserInfo(UserInfoError::Invalid("x")),
            Error::UserInfo(UserInfoError::SubMismatch),
            Error::NotACallback,
            Error::Refresh(TokenError::HttpStatus {
                status: 503,
                retry_after: None,
            }),
            Error::RefreshRejected(TokenError::OAuth {
                error: "invalid_grant".into(),
                status: 400,
                retry_after: None,
            }),
            Error::NoRefreshToken,
            Error::Revocation(RevocationError::Network),
        ];
        let mut seen: Vec<&str> = samples.iter().map(Error::code).collect();
        for code in &seen {
            assert!(
                Error::CODES.contains(code),
                "{code} is missing from Error::CODES"
            );
        }
        seen.push("authorization_error");
        seen.push("token_exchange_failed");
        for code in Error::CODES {
            assert!(
                seen.contains(code),
                "{code} is listed but never produced here"
            );
        }
        let mut sorted = Error::CODES.to_vec();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(sorted.len(), Error::CODES.len(), "duplicate codes");
        // The TypeScript `PixieErrorCode` union in src/api.rs lists exactly these codes.
        let api = include_str!("../api.rs");
        let start = api.find("export type PixieErrorCode =").expect("the union");
        let union = &api[start..start + api[start..].find(';').unwrap()];
        let mut in_union: Vec<&str> = union.split('"').skip(1).step_by(2).collect();
        in_union.sort_unstable();
        assert_eq!(in_union, sorted);
        // No message carries a secret-looking placeholder or a newline.
        for e in &samples {
            assert!(!e.to_string().contains('\n'));
        }
    }

    #[test]
    fn sanitize_strips_quotes_backslashes_and_controls() {
        assert_eq!(sanitize("a\"b\\c\nd<e>", 100), "abcd<e>");
        assert_eq!(sanitize("abcdef", 3), "abc");
    }
}
