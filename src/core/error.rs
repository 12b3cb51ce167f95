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
            Error::Refresh(TokenError::InvalidResponse(_)) => "invalid_token_response",
            Error::Refresh(_) => "refresh_failed",
            Error::RefreshRejected(_) => "login_required",
            Error::NoRefreshToken => "no_refresh_token",
            Error::Revocation(_) => "revocation_failed",
        }
    }

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
    fn sanitize_strips_quotes_backslashes_and_controls() {
        assert_eq!(sanitize("a\"b\\c\nd<e>", 100), "abcd<e>");
        assert_eq!(sanitize("abcdef", 3), "abc");
    }
}
