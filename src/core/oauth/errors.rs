//! The errors of the OAuth stages: configuration, the authorization response (callback), the
//! token endpoint, and revocation. [`crate::core::Error`] wraps them and gives each its code.

use core::fmt;

use crate::core::json::push_u64;

use crate::core::genesys::genesys_region_list;
use crate::core::sanitize::sanitize;

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
    /// The URL carries neither a `code` nor an `error`: this page is not an authorization
    /// response (start a login first). The pending login is kept.
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
    /// The pending login was made for another authorization server than this client's (two
    /// clients of one client id on a page): a mix-up (RFC 9700 §4.4.2). Code `issuer_mismatch`.
    ServerMismatch,
    /// The response arrived at another origin or path than the pending login's redirect URI.
    RedirectUriMismatch,
    /// The server answered with an error (RFC 6749 §4.1.2.1), e.g. `access_denied`.
    Authorization {
        /// The OAuth `error` code.
        error: String,
        /// The server's `error_description`, sanitized; never part of the message.
        description: Option<String>,
    },
    /// A success response without a `code`.
    MissingCode,
    /// Tokens in the callback URL (an implicit-style response), or response parameters in
    /// its fragment: never what this library asks for (`response_type=code`, query mode).
    UnexpectedResponse,
}

/// A login that stays on the page failed: in a popup (`loginPopup`) or in a hidden frame with
/// `prompt=none` (`renewSilently`, OIDC Core §3.1.2.1). Nothing was stored; any session is
/// left as it was.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum PopupError {
    /// The browser refused to open the popup (not called from a user gesture, or a popup
    /// blocker).
    Blocked,
    /// The user closed the popup before the login finished.
    Closed,
    /// No answer came from the popup in time.
    Timeout,
    /// No answer came from the hidden frame in time.
    SilentTimeout,
    /// The hidden frame showed a page of another origin instead of answering: the server
    /// forbids framing (`X-Frame-Options`, CSP `frame-ancestors`) or showed a page despite
    /// `prompt=none`.
    FrameRefused,
    /// The server needs the user for more than a sign-in (`interaction_required`,
    /// `consent_required`, `account_selection_required`, OIDC Core §3.1.2.6): use `loginPopup()`
    /// or `login()`.
    InteractionRequired,
}

impl PopupError {
    /// The stable code.
    pub fn code(self) -> &'static str {
        match self {
            PopupError::Blocked => "popup_blocked",
            PopupError::Closed => "popup_closed",
            PopupError::Timeout => "popup_timeout",
            PopupError::SilentTimeout => "silent_timeout",
            PopupError::FrameRefused => "silent_frame_refused",
            PopupError::InteractionRequired => "interaction_required",
        }
    }

    /// The message (no secret).
    pub fn message(self) -> &'static str {
        match self {
            PopupError::Blocked => "the browser blocked the login popup (call loginPopup() from a click)",
            PopupError::Closed => "the login popup was closed before the login finished",
            PopupError::Timeout => "the login popup gave no answer in time",
            PopupError::SilentTimeout => "the silent renewal frame gave no answer in time",
            PopupError::FrameRefused => {
                "the authorization server refused to answer in a hidden frame (framing forbidden?)"
            }
            PopupError::InteractionRequired => {
                "the authorization server needs the user (consent or account choice): log in interactively"
            }
        }
    }
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

impl ConfigError {
    /// Appends the message (it never holds a secret) to `out`; built without `core::fmt`.
    pub fn describe(&self, out: &mut String) {
        match self {
            ConfigError::Invalid { field, reason } => {
                out.push_str("invalid `");
                out.push_str(field);
                out.push_str("`: ");
                out.push_str(reason);
            }
            ConfigError::UnknownRegion { given } => {
                out.push_str("unknown Genesys Cloud region ");
                out.push('"');
                out.push_str(&sanitize(given, 64));
                out.push('"');
                out.push_str("; use one of: ");
                out.push_str(&genesys_region_list());
            }
        }
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut text = String::new();
        self.describe(&mut text);
        f.write_str(&text)
    }
}

impl CallbackError {
    /// Appends the message (it never holds a secret) to `out`; built without `core::fmt`.
    pub fn describe(&self, out: &mut String) {
        match self {
            CallbackError::DuplicateParameter(p) => {
                out.push_str("the callback URL repeats the `");
                out.push_str(p);
                out.push_str("` parameter");
            }
            CallbackError::NotACallback => out.push_str(
                "this page is not an authorization callback (no code or error in its URL); \
                     start a login first",
            ),
            CallbackError::MissingPendingLogin => out.push_str(
                "no login is pending in this tab (it was started in another tab, already \
                 completed, or the callback was opened twice); start a new login",
            ),
            CallbackError::PendingLoginExpired => {
                out.push_str("the login took longer than 10 minutes; start a new login")
            }
            CallbackError::StateMismatch => out.push_str(
                "the callback's state does not match the login started in this tab \
                 (possible cross-site request forgery); start a new login",
            ),
            CallbackError::IssuerMismatch => out.push_str(
                "the callback's issuer (iss) is missing or not the configured one \
                 (possible mix-up attack)",
            ),
            CallbackError::ServerMismatch => out.push_str(
                "the login in progress is for another authorization server (possible mix-up \
                 attack)",
            ),
            CallbackError::RedirectUriMismatch => {
                out.push_str("the callback is not at the login's redirect URI")
            }
            CallbackError::Authorization { error, .. } => {
                out.push_str("the authorization server refused the login: ");
                out.push_str(error);
            }
            CallbackError::MissingCode => out.push_str("the callback has no authorization code"),
            CallbackError::UnexpectedResponse => out.push_str(
                "the callback carries tokens or response parameters in its fragment; this \
                 library only accepts an authorization code in the query (response_type=code)",
            ),
        }
    }
}

impl fmt::Display for CallbackError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut text = String::new();
        self.describe(&mut text);
        f.write_str(&text)
    }
}

impl TokenError {
    /// Appends the message (it never holds a secret) to `out`; built without `core::fmt`.
    pub fn describe(&self, out: &mut String) {
        match self {
            TokenError::OAuth { error, status, .. } => {
                out.push_str("the token endpoint answered ");
                push_u64(out, u64::from(*status));
                out.push(' ');
                out.push_str(error);
            }
            TokenError::HttpStatus { status, .. } => {
                out.push_str("the token endpoint answered HTTP ");
                push_u64(out, u64::from(*status));
            }
            TokenError::InvalidResponse(why) => {
                out.push_str("invalid token response: ");
                out.push_str(why);
            }
        }
    }
}

impl fmt::Display for TokenError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut text = String::new();
        self.describe(&mut text);
        f.write_str(&text)
    }
}

impl RevocationError {
    /// Appends the message (it never holds a secret) to `out`; built without `core::fmt`.
    pub fn describe(&self, out: &mut String) {
        out.push_str("token revocation failed (the local session is ended regardless): ");
        match self {
            RevocationError::Network => out.push_str("the server could not be reached"),
            RevocationError::OAuth { error, status } => {
                out.push_str("the server answered ");
                push_u64(out, u64::from(*status));
                out.push(' ');
                out.push_str(error);
            }
            RevocationError::HttpStatus { status } => {
                out.push_str("the server answered HTTP ");
                push_u64(out, u64::from(*status));
            }
        }
    }
}

impl fmt::Display for RevocationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut text = String::new();
        self.describe(&mut text);
        f.write_str(&text)
    }
}
