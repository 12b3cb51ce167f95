//! When to fetch a guest token ([`next_guest_step`]), when a held one is good enough for
//! `getToken()` ([`is_usable`]), and what the app hears ([`GuestEvent`]).
//! Pure functions of the held token's times, the failed cycles, and `now` (browser clock,
//! injected).
//!
//! As for the session, timers are hints: the browser layer wakes up at the step's time, at
//! least every 30 seconds, and when the tab becomes visible, and asks again; a due time that
//! passed while the machine slept is due now, and a token that expired meanwhile is forgotten.

use crate::core::json::{Object, Value};
use crate::core::secret::GuestJwt;
use crate::core::session::{cooldown_ms, refresh_due_at};

/// Two fetches of guest tokens are at least this far apart when the previous one succeeded,
/// so an endpoint minting tokens that are born (nearly) expired cannot make the page loop.
pub const MIN_GUEST_REFRESH_INTERVAL_MS: u64 = 2_000;

/// The times of the token held, browser clock, ms.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GuestTimes {
    /// When it was issued (its `iat`, translated), or when it arrived.
    pub issued_at: u64,
    /// When it expires (its `exp`, translated).
    pub expires_at: u64,
    /// When it arrived.
    pub received_at: u64,
}

/// The fetch cycles that failed since the last token, for pacing the next automatic one.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct GuestFailures {
    /// Consecutive failed cycles (each of up to three requests).
    pub count: u32,
    /// No automatic cycle before this time (browser clock, ms).
    pub retry_at: u64,
}

impl GuestFailures {
    /// Records a failed cycle at `now`: the next automatic one waits 15 s, 30 s, 60 s... up to
    /// 5 minutes, or longer when the server's `Retry-After` says so ([`cooldown_ms`]).
    pub fn record(&mut self, now: u64, retry_after_s: Option<u64>) {
        self.count = self.count.saturating_add(1);
        self.retry_at = now.saturating_add(cooldown_ms(self.count, retry_after_s));
    }
}

/// What is due.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GuestStep {
    /// Nothing now; ask again at this time (browser clock, ms), or when something changes.
    Wait(Option<u64>),
    /// Fetch a token now (`tokenExpiring` first, when one is held).
    Fetch,
    /// The token held has expired: forget it.
    Forget,
}

/// When the held token is due for replacement: `lead_ms` before `exp`, halfway through a
/// lifetime shorter than twice the lead ([`refresh_due_at`], as for access tokens), and not
/// sooner than [`MIN_GUEST_REFRESH_INTERVAL_MS`] after it arrived.
pub fn guest_refresh_at(t: &GuestTimes, lead_ms: u64) -> u64 {
    refresh_due_at(t.issued_at, t.expires_at, lead_ms)
        .max(t.received_at.saturating_add(MIN_GUEST_REFRESH_INTERVAL_MS))
}

/// Whether `getToken()` may hand out the held token at `now`: it stays valid for
/// `min_validity_ms` more, or half its lifetime when that is shorter (so a token living less
/// than twice `minValidity` is still handed out until its halfway point).
pub fn is_usable(t: &GuestTimes, min_validity_ms: u64, now: u64) -> bool {
    let lifetime = t.expires_at.saturating_sub(t.issued_at);
    now.saturating_add(min_validity_ms.min(lifetime / 2)) < t.expires_at
}

/// The next step at `now`, given the held token (if any) and the failed cycles since the last
/// token. Without a token: fetch at once, or after the cooldown of a failed cycle. With one:
/// forget it once expired; fetch at [`guest_refresh_at`] (after the cooldown when the last
/// cycle failed); else wait for the earlier of that and the expiry.
pub fn next_guest_step(
    held: Option<GuestTimes>,
    failures: GuestFailures,
    lead_ms: u64,
    now: u64,
) -> GuestStep {
    let pace = if failures.count > 0 {
        failures.retry_at
    } else {
        0
    };
    let Some(t) = held else {
        return if now >= pace {
            GuestStep::Fetch
        } else {
            GuestStep::Wait(Some(pace))
        };
    };
    if now >= t.expires_at {
        return GuestStep::Forget;
    }
    let due = guest_refresh_at(&t, lead_ms).max(pace);
    if now >= due {
        GuestStep::Fetch
    } else {
        GuestStep::Wait(Some(due.min(t.expires_at)))
    }
}

/// The event names an app subscribes to with `guest.on(name, handler)`, in the order of
/// [`GuestEvent`]'s named variants.
pub const GUEST_EVENT_NAMES: [&str; 3] = ["tokenExpiring", "tokenRefreshed", "tokenExpired"];

/// What the app hears. Payloads carry times, counts and codes, never the token: only
/// [`GuestEvent::Token`] does, and it goes to the `onToken` handlers alone.
#[derive(Clone, PartialEq, Eq)]
pub enum GuestEvent {
    /// A new token (the first included), for the `onToken` handlers.
    Token(GuestJwt),
    /// `tokenExpiring`: a fetch for a new token is about to start while this one is held:
    /// hold outgoing messages until `tokenRefreshed` (or `tokenExpired`).
    Expiring {
        /// When the held token expires (browser clock, ms).
        expires_at: u64,
        /// Whole seconds it has left.
        seconds_left: u64,
    },
    /// `tokenRefreshed`: a new token is in (the first included), and the `onToken` handlers
    /// have it: resume.
    Refreshed {
        /// When the new token expires (browser clock, ms).
        expires_at: u64,
        /// When it will be replaced (browser clock, ms): [`guest_refresh_at`].
        refresh_at: u64,
        /// How many tokens followed the first one (0 for the first).
        refresh_count: u32,
        /// When this one arrived (browser clock, ms).
        last_refresh_at: u64,
    },
    /// `tokenExpired`: no token could be had: a cycle of up to three requests failed, or,
    /// after one did, the token still held expired.
    Expired {
        /// The error code of the last attempt.
        code: &'static str,
        /// Its HTTP status, when there was one.
        status: Option<u16>,
        /// The server's `Retry-After`, in seconds, when it sent one.
        retry_after: Option<u64>,
        /// When the token still held stops working (browser clock, ms); `None` when there is
        /// none any more.
        expires_at: Option<u64>,
        /// When the next automatic cycle runs (browser clock, ms); `getToken()` tries at once.
        retry_at: u64,
    },
}

fn opt(value: Option<u64>) -> Value {
    value.map_or(Value::Null, Value::from)
}

impl GuestEvent {
    /// The name apps subscribe with; `None` for [`GuestEvent::Token`] (`onToken`).
    pub fn name(&self) -> Option<&'static str> {
        Some(match self {
            GuestEvent::Token(_) => return None,
            GuestEvent::Expiring { .. } => GUEST_EVENT_NAMES[0],
            GuestEvent::Refreshed { .. } => GUEST_EVENT_NAMES[1],
            GuestEvent::Expired { .. } => GUEST_EVENT_NAMES[2],
        })
    }

    /// The payload for the handlers (camelCase keys, as `GuestEventMap` declares them);
    /// `null` for [`GuestEvent::Token`], whose token is no payload.
    pub fn payload(&self) -> Value {
        let mut o = Object::new();
        match self {
            GuestEvent::Token(_) => return Value::Null,
            GuestEvent::Expiring {
                expires_at,
                seconds_left,
            } => {
                o.set("expiresAt", (*expires_at).into());
                o.set("secondsLeft", (*seconds_left).into());
            }
            GuestEvent::Refreshed {
                expires_at,
                refresh_at,
                refresh_count,
                last_refresh_at,
            } => {
                o.set("expiresAt", (*expires_at).into());
                o.set("refreshAt", (*refresh_at).into());
                o.set("refreshCount", u64::from(*refresh_count).into());
                o.set("lastRefreshAt", (*last_refresh_at).into());
            }
            GuestEvent::Expired {
                code,
                status,
                retry_after,
                expires_at,
                retry_at,
            } => {
                o.set("code", (*code).into());
                o.set("status", opt(status.map(u64::from)));
                o.set("retryAfter", opt(*retry_after));
                o.set("expiresAt", opt(*expires_at));
                o.set("retryAt", (*retry_at).into());
            }
        }
        o.into()
    }
}
