//! Error types, one enum per protocol stage, named after the specs.
//!
//! Each error has a stable snake_case [`Error::code`] (the JavaScript `error.code`) and a
//! human message. No message ever contains a verifier, a code, a token or a response body:
//! the only server-provided text carried is the OAuth `error` code, restricted to the
//! RFC 6749 §5.2 character set, and an authorization `error_description` kept apart from the
//! message.

use core::fmt;

pub use super::embed::EmbedError;
pub use super::guest::GuestTokenError;
pub use super::oauth::{CallbackError, ConfigError, PopupError, RevocationError, TokenError};
pub use super::oidc::{DiscoveryError, IdTokenError, JwksError, UserInfoError};

/// The name of the JavaScript exception behind a browser failure, kept as gloo's `JsError`
/// keeps it: a `TypeError` from `fetch` (no answer: offline, DNS, a CORS refusal) is not an
/// `AbortError` or a `TimeoutError`, and a `QuotaExceededError` (storage full) is not a
/// `SecurityError` (storage blocked). Only a known name is kept, never the exception's message,
/// which could quote a URL or a value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum JsErrorName {
    /// `fetch` got no answer: offline, DNS, TLS, or a CORS refusal.
    TypeError,
    /// The operation was aborted.
    AbortError,
    /// The operation timed out.
    TimeoutError,
    /// A network error reported as a DOMException.
    NetworkError,
    /// The browser forbids it here (blocked storage, insecure context, sandbox).
    SecurityError,
    /// Storage is full.
    QuotaExceededError,
    /// The user or the browser refused permission.
    NotAllowedError,
    /// The browser does not support it (e.g. a key type in WebCrypto).
    NotSupportedError,
    /// The object was in the wrong state for the call.
    InvalidStateError,
    /// WebCrypto refused the data (e.g. a malformed key).
    DataError,
    /// WebCrypto's operation failed.
    OperationError,
    /// Any other exception.
    Other,
}

impl JsErrorName {
    const NAMES: [(&'static str, JsErrorName); 11] = [
        ("TypeError", JsErrorName::TypeError),
        ("AbortError", JsErrorName::AbortError),
        ("TimeoutError", JsErrorName::TimeoutError),
        ("NetworkError", JsErrorName::NetworkError),
        ("SecurityError", JsErrorName::SecurityError),
        ("QuotaExceededError", JsErrorName::QuotaExceededError),
        ("NotAllowedError", JsErrorName::NotAllowedError),
        ("NotSupportedError", JsErrorName::NotSupportedError),
        ("InvalidStateError", JsErrorName::InvalidStateError),
        ("DataError", JsErrorName::DataError),
        ("OperationError", JsErrorName::OperationError),
    ];

    /// The name an exception's `name` property holds; [`JsErrorName::Other`] for any other.
    pub fn from_name(name: &str) -> JsErrorName {
        JsErrorName::NAMES
            .iter()
            .find(|(n, _)| *n == name)
            .map_or(JsErrorName::Other, |(_, v)| *v)
    }

    /// The exception's name as JavaScript spells it (`"Error"` for [`JsErrorName::Other`]).
    pub fn as_str(self) -> &'static str {
        JsErrorName::NAMES
            .iter()
            .find(|(_, v)| *v == self)
            .map_or("Error", |(n, _)| n)
    }

    /// What the exception means here, in a few words, for error messages.
    fn meaning(self) -> &'static str {
        match self {
            JsErrorName::TypeError => "no answer: offline, DNS, TLS or a CORS refusal",
            JsErrorName::AbortError => "aborted",
            JsErrorName::TimeoutError => "timed out",
            JsErrorName::SecurityError => "forbidden by the browser here",
            JsErrorName::QuotaExceededError => "storage is full",
            JsErrorName::NotAllowedError => "not allowed",
            _ => "the browser refused",
        }
    }
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
    /// A request could not be sent or got no answer (offline, DNS, CORS refusal, ...), with
    /// the name of the browser's exception when there was one.
    Network(Option<JsErrorName>),
    /// There is no valid session (none, expired, or refused by the API): log in again.
    LoginRequired(&'static str),
    /// Browser storage refused to work and no fallback was possible, with the name of the
    /// browser's exception (`SecurityError`: blocked; `QuotaExceededError`: full).
    StorageUnavailable(Option<JsErrorName>),
    /// A refresh (RFC 6749 §6) failed and the session is kept: the failure was transient and
    /// retried [`crate::core::MAX_ATTEMPTS`] times, or the server refused the client
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
    /// A login that leaves the page (a redirect) was asked for where its pending login could
    /// only live in memory (sessionStorage blocked): the callback page would find none, so it
    /// is refused before navigating. Surfaced as `storage_unavailable`.
    RedirectNeedsStorage,
    /// A JavaScript argument is not what its TypeScript type says (a number where a string or
    /// a `URL` goes, a handler that is not a function...); the text names it and what it must
    /// be. Nothing was done.
    InvalidArgument(&'static str),
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
    /// See [`GuestTokenError`].
    GuestToken(GuestTokenError),
    /// See [`EmbedError`]: the session bridge between a host page and its frames.
    Embed(EmbedError),
    /// See [`PopupError`].
    Popup(PopupError),
}

impl Error {
    /// The stable snake_case code surfaced to JavaScript as `error.code`.
    pub fn code(&self) -> &'static str {
        match self {
            Error::Config(_) => "invalid_config",
            Error::Callback(e) => match e {
                CallbackError::DuplicateParameter(_) => "invalid_callback",
                CallbackError::NotACallback => "not_a_callback",
                CallbackError::MissingPendingLogin => "missing_pending_login",
                CallbackError::PendingLoginExpired => "pending_login_expired",
                CallbackError::StateMismatch => "state_mismatch",
                CallbackError::IssuerMismatch | CallbackError::ServerMismatch => "issuer_mismatch",
                CallbackError::RedirectUriMismatch => "redirect_uri_mismatch",
                CallbackError::Authorization { .. } => "authorization_error",
                CallbackError::MissingCode | CallbackError::UnexpectedResponse => {
                    "invalid_callback"
                }
            },
            Error::TokenExchange(TokenError::InvalidResponse(_)) => "invalid_token_response",
            Error::TokenExchange(_) => "token_exchange_failed",
            Error::Network(_) => "network_error",
            Error::LoginRequired(_) => "login_required",
            Error::StorageUnavailable(_) | Error::RedirectNeedsStorage => "storage_unavailable",
            Error::InvalidArgument(_) => "invalid_argument",
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
            Error::Refresh(TokenError::InvalidResponse(_)) => "invalid_token_response",
            Error::Refresh(_) => "refresh_failed",
            Error::RefreshRejected(_) => "login_required",
            Error::NoRefreshToken => "no_refresh_token",
            Error::Revocation(_) => "revocation_failed",
            Error::GuestToken(e) => e.code(),
            Error::Embed(e) => e.code(),
            Error::Popup(e) => e.code(),
        }
    }

    /// Every code [`Error::code`] can return, for the TypeScript union and its test.
    pub const CODES: &'static [&'static str] = &[
        "invalid_config",
        "invalid_argument",
        "invalid_callback",
        "missing_pending_login",
        "pending_login_expired",
        "state_mismatch",
        "issuer_mismatch",
        "redirect_uri_mismatch",
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
        "guest_token_failed",
        "guest_token_invalid",
        "rate_limited",
        "invalid_origin",
        "host_unavailable",
        "popup_blocked",
        "popup_closed",
        "popup_timeout",
        "silent_timeout",
        "silent_frame_refused",
        "interaction_required",
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
            Error::Network(_) => true,
            Error::TokenExchange(e) | Error::Refresh(e) => e.is_transient(),
            Error::GuestToken(e) => e.is_transient(),
            _ => false,
        }
    }

    /// The server's `Retry-After`, in seconds, when it sent one.
    pub fn retry_after(&self) -> Option<u64> {
        match self {
            Error::TokenExchange(e) | Error::Refresh(e) => e.retry_after(),
            Error::GuestToken(e) => e.retry_after(),
            _ => None,
        }
    }

    /// The name of the browser exception behind a network, storage or platform failure.
    pub fn js_error_name(&self) -> Option<JsErrorName> {
        match self {
            Error::Network(name) | Error::StorageUnavailable(name) => *name,
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
            Error::GuestToken(e) => e.status(),
            _ => None,
        }
    }
}

impl Error {
    /// Appends the message (it never holds a secret) to `out`; built without `core::fmt`.
    pub fn describe(&self, out: &mut String) {
        match self {
            Error::Config(e) => {
                out.push_str("invalid configuration: ");
                e.describe(out);
            }
            Error::Callback(e) => e.describe(out),
            Error::TokenExchange(e) => e.describe(out),
            Error::Network(None) => out.push_str("network error: the server could not be reached"),
            Error::Network(Some(name)) => {
                out.push_str("network error: the server could not be reached (");
                out.push_str(name.as_str());
                out.push_str(": ");
                out.push_str(name.meaning());
                out.push(')');
            }
            Error::LoginRequired(why) => {
                out.push_str("login required: ");
                out.push_str(why);
            }
            Error::StorageUnavailable(None) => out.push_str("browser storage is unavailable"),
            Error::StorageUnavailable(Some(name)) => {
                out.push_str("browser storage is unavailable (");
                out.push_str(name.as_str());
                out.push_str(": ");
                out.push_str(name.meaning());
                out.push(')');
            }
            Error::RedirectNeedsStorage => out.push_str(
                "sessionStorage is blocked, so a redirect login would lose the login in \
                 progress; use loginPopup()",
            ),
            Error::InvalidArgument(why) => {
                out.push_str("invalid argument: ");
                out.push_str(why);
            }
            Error::Platform(why) => {
                out.push_str("browser API failure: ");
                out.push_str(why);
            }
            Error::InvalidApiUrl => out.push_str(
                "callApi only sends the token to the configured API base; \
                 pass a path or a URL under it",
            ),
            Error::Discovery(e) => e.describe(out),
            Error::Jwks(e) => e.describe(out),
            Error::IdToken(e) => e.describe(out),
            Error::UserInfo(e) => e.describe(out),
            Error::Refresh(e) => {
                out.push_str("token refresh failed: ");
                e.describe(out);
            }
            Error::RefreshRejected(e) => {
                out.push_str("login required: the refresh token was refused (");
                e.describe(out);
                out.push(')');
            }
            Error::NoRefreshToken => {
                out.push_str("the session has no refresh token; call login() when convenient")
            }
            Error::Revocation(e) => e.describe(out),
            Error::GuestToken(e) => e.describe(out),
            Error::Embed(e) => e.describe(out),
            Error::Popup(e) => out.push_str(e.message()),
        }
    }
}

impl Error {
    /// The message, for the JavaScript `error.message`: never a secret.
    pub fn message(&self) -> String {
        let mut text = String::new();
        self.describe(&mut text);
        text
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut text = String::new();
        self.describe(&mut text);
        f.write_str(&text)
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

impl From<GuestTokenError> for Error {
    fn from(e: GuestTokenError) -> Self {
        Error::GuestToken(e)
    }
}

impl From<EmbedError> for Error {
    fn from(e: EmbedError) -> Self {
        Error::Embed(e)
    }
}

impl From<PopupError> for Error {
    fn from(e: PopupError) -> Self {
        Error::Popup(e)
    }
}

impl From<UserInfoError> for Error {
    fn from(e: UserInfoError) -> Self {
        Error::UserInfo(e)
    }
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
        assert_eq!(Error::Network(None).code(), "network_error");
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
            Error::Callback(CallbackError::ServerMismatch),
            Error::Callback(CallbackError::RedirectUriMismatch),
            Error::Callback(CallbackError::MissingCode),
            Error::Callback(CallbackError::UnexpectedResponse),
            Error::TokenExchange(TokenError::InvalidResponse("x")),
            Error::TokenExchange(TokenError::HttpStatus {
                status: 500,
                retry_after: None,
            }),
            Error::Network(None),
            Error::Network(Some(JsErrorName::TypeError)),
            Error::LoginRequired("x"),
            Error::StorageUnavailable(Some(JsErrorName::QuotaExceededError)),
            Error::Platform("x"),
            Error::RedirectNeedsStorage,
            Error::InvalidArgument("x"),
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
            Error::GuestToken(GuestTokenError::Failed {
                status: 502,
                retry_after: None,
            }),
            Error::GuestToken(GuestTokenError::Stopped),
            Error::GuestToken(GuestTokenError::RateLimited {
                retry_after: Some(2),
            }),
            Error::GuestToken(GuestTokenError::Invalid("x")),
            Error::GuestToken(GuestTokenError::Unverified(IdTokenError::AudMismatch)),
            Error::Embed(EmbedError::InvalidOrigin("x")),
            Error::Embed(EmbedError::HostUnavailable("x")),
            Error::Popup(PopupError::Blocked),
            Error::Popup(PopupError::Closed),
            Error::Popup(PopupError::Timeout),
            Error::Popup(PopupError::SilentTimeout),
            Error::Popup(PopupError::FrameRefused),
            Error::Popup(PopupError::InteractionRequired),
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
        // The TypeScript `PixieErrorCode` union in src/api/types.d.ts lists exactly these codes.
        let api = include_str!("../api/types.d.ts");
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
}
