//! The session lifecycle events an app can subscribe to, and their payloads.
//!
//! Payloads are summaries: no payload type has a field that could hold a token, so a handler
//! that logs its argument leaks nothing. An app that needs the token asks for it on purpose
//! (`getAccessToken()`).

use crate::core::json::{Object, Value};

/// Which tab did something.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// This tab.
    ThisTab,
    /// A sibling tab sharing the session (a duplicated tab), over the BroadcastChannel.
    OtherTab,
}

/// `tokenExpiring`: the access token expires soon and will NOT be renewed automatically
/// (there is no refresh token, or refreshing keeps failing). Emitted once per access token,
/// `expiringLeadSeconds` before expiry: time to send the user through `login()` at a
/// convenient moment (e.g. after the current call).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenExpiring {
    /// When the access token expires, ms since the epoch (browser clock).
    pub expires_at: u64,
    /// Whole seconds left (0 when already expired).
    pub seconds_left: u64,
    /// Whether a refresh token is held (true: refreshing failed and is retried later).
    pub has_refresh_token: bool,
}

/// `tokenRefreshed`: a new access token is in use.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenRefreshed {
    /// The new expiry, ms since the epoch (browser clock), or null when unknown.
    pub expires_at: Option<u64>,
    /// The session's refresh count after this refresh.
    pub refresh_count: u32,
    /// When the refresh happened, ms since the epoch (browser clock).
    pub last_refresh_at: u64,
    /// Whether the server rotated the refresh token.
    pub rotated: bool,
    /// `"this-tab"`, or `"other-tab"` when a sibling refreshed and shared the result.
    pub origin: Origin,
}

/// Why a session ended without a logout.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExpiredReason {
    /// The access token expired and could not be renewed (no usable refresh token).
    Expired,
    /// The server refused the refresh token (`invalid_grant`).
    RefreshRejected,
    /// The API refused the access token (401) and a refresh could not fix it.
    Unauthorized,
}

/// `sessionExpired`: the session ended without a logout; calls now reject with
/// `login_required` until the user logs in again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionExpired {
    /// Why.
    pub reason: ExpiredReason,
    /// The error code calls now reject with: always `"login_required"`.
    pub code: &'static str,
}

/// `loggedOut`: the session was ended by `logout()`, here or in a sibling tab.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoggedOut {
    /// `"this-tab"` or `"other-tab"`.
    pub origin: Origin,
}

/// `storageFallback`: sessionStorage was wanted but the browser blocks it; the session lives
/// in memory, so a reload or the login redirect loses it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StorageFallback {
    /// Always `"session"`.
    pub requested: &'static str,
    /// Always `"memory"`.
    pub actual: &'static str,
}

/// An event for the app, with its payload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// See [`TokenExpiring`].
    TokenExpiring(TokenExpiring),
    /// See [`TokenRefreshed`].
    TokenRefreshed(TokenRefreshed),
    /// See [`SessionExpired`].
    SessionExpired(SessionExpired),
    /// See [`LoggedOut`].
    LoggedOut(LoggedOut),
    /// See [`StorageFallback`].
    StorageFallback(StorageFallback),
}

/// The names apps subscribe with, in the order of [`Event`]'s variants.
pub const EVENT_NAMES: [&str; 5] = [
    "tokenExpiring",
    "tokenRefreshed",
    "sessionExpired",
    "loggedOut",
    "storageFallback",
];

impl Origin {
    /// `"this-tab"` or `"other-tab"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Origin::ThisTab => "this-tab",
            Origin::OtherTab => "other-tab",
        }
    }
}

impl ExpiredReason {
    /// `"expired"`, `"refresh_rejected"` or `"unauthorized"`.
    pub fn as_str(self) -> &'static str {
        match self {
            ExpiredReason::Expired => "expired",
            ExpiredReason::RefreshRejected => "refresh_rejected",
            ExpiredReason::Unauthorized => "unauthorized",
        }
    }
}

/// `Some(n)` as a number, `None` as `null`.
fn opt_u64(value: Option<u64>) -> Value {
    value.map_or(Value::Null, Value::from)
}

impl Event {
    /// The payload handed to the app's handlers (camelCase keys, as the TypeScript
    /// `PixieEventMap` declares them).
    pub fn payload(&self) -> Value {
        let mut o = Object::new();
        match self {
            Event::TokenExpiring(e) => {
                o.set("expiresAt", e.expires_at.into());
                o.set("secondsLeft", e.seconds_left.into());
                o.set("hasRefreshToken", e.has_refresh_token.into());
            }
            Event::TokenRefreshed(e) => {
                o.set("expiresAt", opt_u64(e.expires_at));
                o.set("refreshCount", u64::from(e.refresh_count).into());
                o.set("lastRefreshAt", e.last_refresh_at.into());
                o.set("rotated", e.rotated.into());
                o.set("origin", e.origin.as_str().into());
            }
            Event::SessionExpired(e) => {
                o.set("reason", e.reason.as_str().into());
                o.set("code", e.code.into());
            }
            Event::LoggedOut(e) => o.set("origin", e.origin.as_str().into()),
            Event::StorageFallback(e) => {
                o.set("requested", e.requested.into());
                o.set("actual", e.actual.into());
            }
        }
        o.into()
    }

    /// The name apps subscribe with (`auth.on(name, handler)`).
    pub fn name(&self) -> &'static str {
        EVENT_NAMES[match self {
            Event::TokenExpiring(_) => 0,
            Event::TokenRefreshed(_) => 1,
            Event::SessionExpired(_) => 2,
            Event::LoggedOut(_) => 3,
            Event::StorageFallback(_) => 4,
        }]
    }

    /// A [`SessionExpired`] event.
    pub fn session_expired(reason: ExpiredReason) -> Self {
        Event::SessionExpired(SessionExpired {
            reason,
            code: "login_required",
        })
    }
}

/// Whether `name` is an event name apps may subscribe to.
pub fn is_event_name(name: &str) -> bool {
    EVENT_NAMES.contains(&name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payloads_serialize_as_documented() {
        let cases = [
            (
                Event::TokenExpiring(TokenExpiring {
                    expires_at: 5,
                    seconds_left: 0,
                    has_refresh_token: false,
                }),
                "tokenExpiring",
                r#"{"expiresAt":5,"secondsLeft":0,"hasRefreshToken":false}"#,
            ),
            (
                Event::TokenRefreshed(TokenRefreshed {
                    expires_at: None,
                    refresh_count: 2,
                    last_refresh_at: 9,
                    rotated: true,
                    origin: Origin::OtherTab,
                }),
                "tokenRefreshed",
                r#"{"expiresAt":null,"refreshCount":2,"lastRefreshAt":9,"rotated":true,"origin":"other-tab"}"#,
            ),
            (
                Event::session_expired(ExpiredReason::RefreshRejected),
                "sessionExpired",
                r#"{"reason":"refresh_rejected","code":"login_required"}"#,
            ),
            (
                Event::LoggedOut(LoggedOut {
                    origin: Origin::ThisTab,
                }),
                "loggedOut",
                r#"{"origin":"this-tab"}"#,
            ),
            (
                Event::StorageFallback(StorageFallback {
                    requested: "session",
                    actual: "memory",
                }),
                "storageFallback",
                r#"{"requested":"session","actual":"memory"}"#,
            ),
        ];
        for (event, name, json) in cases {
            assert_eq!(event.name(), name);
            assert!(is_event_name(name));
            assert_eq!(event.payload().to_json(), json);
        }
        assert!(!is_event_name("tokenexpiring"));
    }
}
