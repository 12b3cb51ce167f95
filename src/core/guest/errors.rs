//! The errors of guest tokens, one enum for the stage ([`GuestTokenError`]); surfaced as
//! `guest_token_failed`, `rate_limited` and `guest_token_invalid` (see
//! [`crate::core::Error::code`]). No message quotes the token or a response body.

use crate::core::error::IdTokenError;
use crate::core::json::push_u64;

/// Why no guest token came from the site's guest token endpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum GuestTokenError {
    /// The endpoint answered with an error status other than 429 (`guest_token_failed`, with
    /// `status`). 408 and 5xx are retried; other statuses (400, 403, 404, 413, 415...) are the
    /// site's configuration and are not.
    Failed {
        /// The HTTP status.
        status: u16,
        /// The server's `Retry-After` (header or JSON `retryAfter`), in seconds.
        retry_after: Option<u64>,
    },
    /// The endpoint answered 429 (`rate_limited`, with `retryAfter` when it said how long to
    /// wait).
    RateLimited {
        /// The server's `Retry-After` (header or JSON `retryAfter`), in seconds.
        retry_after: Option<u64>,
    },
    /// A success whose token cannot be used (`guest_token_invalid`): no `accessToken`, not a
    /// JWT, an `exp` that is missing, not a whole number, or already past.
    Invalid(&'static str),
    /// The token did not pass verification against the configured JWK Set, `issuer` and
    /// `audience` (`guest_token_invalid`): the ID token check that failed.
    Unverified(IdTokenError),
    /// The source was stopped (`guest_token_failed`, no status).
    Stopped,
}

impl GuestTokenError {
    /// The stable code: `guest_token_failed`, `rate_limited` or `guest_token_invalid`.
    pub fn code(&self) -> &'static str {
        match self {
            GuestTokenError::Failed { .. } | GuestTokenError::Stopped => "guest_token_failed",
            GuestTokenError::RateLimited { .. } => "rate_limited",
            GuestTokenError::Invalid(_) | GuestTokenError::Unverified(_) => "guest_token_invalid",
        }
    }

    /// Whether another attempt may succeed: 429, 408 and 5xx.
    pub fn is_transient(&self) -> bool {
        match self {
            GuestTokenError::RateLimited { .. } => true,
            GuestTokenError::Failed { status, .. } => *status == 408 || *status >= 500,
            _ => false,
        }
    }

    /// The server's `Retry-After`, in seconds.
    pub fn retry_after(&self) -> Option<u64> {
        match self {
            GuestTokenError::Failed { retry_after, .. }
            | GuestTokenError::RateLimited { retry_after } => *retry_after,
            _ => None,
        }
    }

    /// The HTTP status behind the error.
    pub fn status(&self) -> Option<u16> {
        match self {
            GuestTokenError::Failed { status, .. } => Some(*status),
            GuestTokenError::RateLimited { .. } => Some(429),
            _ => None,
        }
    }

    /// Appends the message to `out` (never the token, never a body).
    pub fn describe(&self, out: &mut String) {
        match self {
            GuestTokenError::Failed { status, .. } => {
                out.push_str("the guest token endpoint answered HTTP ");
                push_u64(out, u64::from(*status));
            }
            GuestTokenError::RateLimited { retry_after } => {
                out.push_str("the guest token endpoint is rate limiting this page (429)");
                if let Some(s) = retry_after {
                    out.push_str("; retry after ");
                    push_u64(out, *s);
                    out.push_str(" s");
                }
            }
            GuestTokenError::Invalid(why) => {
                out.push_str("the guest token endpoint sent an unusable token: ");
                out.push_str(why);
            }
            GuestTokenError::Unverified(e) => {
                out.push_str("the guest token failed verification: ");
                e.describe(out);
            }
            GuestTokenError::Stopped => out.push_str("the guest token source was stopped"),
        }
    }
}
