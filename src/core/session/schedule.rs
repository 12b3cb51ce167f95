//! When to refresh, warn or give up: pure functions of the session's times, what this tab
//! remembers, and `now` (browser clock, injected).
//!
//! Timers in a browser are hints: a sleeping laptop or a throttled background tab fires them
//! late or never. So the browser layer wakes up at [`next_step`]'s time, at least every
//! 30 seconds, and whenever the tab becomes visible, and asks again: a due time that passed
//! while the machine slept is simply due now.

use super::backoff::cooldown_ms;
use super::record::{Session, EXPIRY_MARGIN_MS};

/// The session's times, without its secrets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionTimes {
    /// When the tokens were received (browser clock, ms).
    pub issued_at: u64,
    /// When the access token expires (browser clock, ms), if known.
    pub expires_at: Option<u64>,
    /// Whether a refresh token is held.
    pub has_refresh_token: bool,
    /// When the session was last refreshed, if it was.
    pub last_refresh_at: Option<u64>,
}

impl SessionTimes {
    /// The times of `session`.
    pub fn of(session: &Session) -> Self {
        SessionTimes {
            issued_at: session.issued_at,
            expires_at: session.expires_at,
            has_refresh_token: session.refresh_token.is_some(),
            last_refresh_at: session.last_refresh_at,
        }
    }
}

/// Automatic refreshes are at least this far apart, so a server handing out tokens that are
/// born expired (`expires_in: 0`, a skewed `exp`) cannot make the page refresh in a loop.
pub const MIN_REFRESH_INTERVAL_MS: u64 = 10_000;

/// The configured lead times.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Leads {
    /// Refresh this long before expiry.
    pub refresh_ms: u64,
    /// Warn this long before expiry when the token will not be renewed.
    pub expiring_ms: u64,
}

/// What a tab remembers about the current access token (not stored: per tab, per token).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RefreshHistory {
    /// The `issued_at` of the token this history is about; the history of another token is void.
    pub token_issued_at: u64,
    /// Consecutive failed refresh cycles.
    pub failures: u32,
    /// No automatic refresh before this time (browser clock, ms).
    pub retry_at: u64,
    /// The server refused this client (a permanent error other than `invalid_grant`):
    /// automatic refresh stops for this token; it is treated as if there were no refresh token.
    pub refresh_disabled: bool,
    /// The expiry for which `tokenExpiring` was emitted.
    pub warned_for: Option<u64>,
}

impl RefreshHistory {
    /// This history if it is about the token issued at `issued_at`, else a blank one.
    pub fn for_token(&self, issued_at: u64) -> RefreshHistory {
        if self.token_issued_at == issued_at {
            self.clone()
        } else {
            RefreshHistory {
                token_issued_at: issued_at,
                ..RefreshHistory::default()
            }
        }
    }

    /// Records a failed refresh cycle at `now`.
    pub fn record_failure(&mut self, now: u64, transient: bool, retry_after_s: Option<u64>) {
        self.failures = self.failures.saturating_add(1);
        self.retry_at = now.saturating_add(cooldown_ms(self.failures, retry_after_s));
        if !transient {
            self.refresh_disabled = true;
        }
    }
}

/// What is due.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// Nothing now; ask again at this time (browser clock, ms), or when something changes.
    Wait(Option<u64>),
    /// Refresh the access token now.
    Refresh,
    /// Emit `tokenExpiring` now.
    WarnExpiring,
    /// The access token expired and will not be renewed: end the session.
    Expire,
}

/// When a refresh is due: `lead` before expiry, but not earlier than halfway through the
/// token's lifetime, so a token that lives shorter than twice the lead is not refreshed in a
/// loop.
pub fn refresh_due_at(issued_at: u64, expires_at: u64, lead_ms: u64) -> u64 {
    let lifetime = expires_at.saturating_sub(issued_at);
    expires_at - lead_ms.min(lifetime / 2)
}

/// The next step for a session at `now`. `busy` is true while a refresh is in flight.
pub fn next_step(
    session: Option<SessionTimes>,
    history: &RefreshHistory,
    leads: Leads,
    now: u64,
    busy: bool,
) -> Step {
    let Some(s) = session else {
        return Step::Wait(None);
    };
    // Without a known expiry there is nothing to schedule: a 401 drives the refresh.
    let (Some(expires_at), false) = (s.expires_at, busy) else {
        return Step::Wait(None);
    };
    let history = history.for_token(s.issued_at);
    let warn_at = expires_at.saturating_sub(leads.expiring_ms);
    let warned = history.warned_for == Some(expires_at);
    if s.has_refresh_token && !history.refresh_disabled {
        // The access token is dead and the last refresh (with its retries) failed: the
        // session has failed for good. It ends (`sessionExpired`) rather than lingering with
        // a token no API accepts; the app sends the user through login() again.
        let dead_at = expires_at.saturating_sub(EXPIRY_MARGIN_MS);
        if history.failures > 0 && now >= dead_at {
            return Step::Expire;
        }
        let due = refresh_due_at(s.issued_at, expires_at, leads.refresh_ms)
            .max(history.retry_at)
            .max(s.last_refresh_at.map_or(0, |t| t + MIN_REFRESH_INTERVAL_MS));
        if now >= due {
            return Step::Refresh;
        }
        // Refreshing is failing: warn the app in time to log in again by hand.
        if history.failures > 0 && !warned {
            if now >= warn_at {
                return Step::WarnExpiring;
            }
            return Step::Wait(Some(due.min(warn_at).min(dead_at)));
        }
        if history.failures > 0 {
            return Step::Wait(Some(due.min(dead_at)));
        }
        return Step::Wait(Some(due));
    }
    let dead_at = expires_at.saturating_sub(EXPIRY_MARGIN_MS);
    if now >= dead_at {
        return Step::Expire;
    }
    if !warned {
        if now >= warn_at {
            return Step::WarnExpiring;
        }
        return Step::Wait(Some(warn_at.min(dead_at)));
    }
    Step::Wait(Some(dead_at))
}

/// What `callApi` does with an API response.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ApiStep {
    /// Hand the response to the app.
    Deliver,
    /// Refresh the access token (or pick up one a concurrent call just got) and send the
    /// request again, once.
    RefreshAndRetry,
    /// The token is refused and cannot be renewed: end the session (`login_required`).
    EndSession,
}

/// Decides after an API response with `status`. Only a 401 (RFC 6750 §3.1 `invalid_token`)
/// concerns the token; a 403 is a permission problem the app handles. A request is retried at
/// most once.
pub fn after_api_response(status: u16, retried: bool, can_refresh: bool) -> ApiStep {
    match (status, retried, can_refresh) {
        (401, false, true) => ApiStep::RefreshAndRetry,
        (401, _, _) => ApiStep::EndSession,
        _ => ApiStep::Deliver,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const T0: u64 = 1_800_000_000_000;
    const HOUR: u64 = 3_600_000;
    const LEADS: Leads = Leads {
        refresh_ms: 60_000,
        expiring_ms: 300_000,
    };

    fn times(rt: bool) -> Option<SessionTimes> {
        Some(SessionTimes {
            issued_at: T0,
            expires_at: Some(T0 + HOUR),
            has_refresh_token: rt,
            last_refresh_at: None,
        })
    }

    fn step(rt: bool, history: &RefreshHistory, now: u64) -> Step {
        next_step(times(rt), history, LEADS, now, false)
    }

    #[test]
    fn refresh_is_due_lead_before_expiry() {
        let m = RefreshHistory::default();
        assert_eq!(step(true, &m, T0), Step::Wait(Some(T0 + HOUR - 60_000)));
        assert_eq!(
            step(true, &m, T0 + HOUR - 60_001),
            Step::Wait(Some(T0 + HOUR - 60_000))
        );
        assert_eq!(step(true, &m, T0 + HOUR - 60_000), Step::Refresh);
        // Woken from sleep long after the due time (even after expiry): due at once.
        assert_eq!(step(true, &m, T0 + 5 * HOUR), Step::Refresh);
        // A refresh in flight: nothing else is started.
        assert_eq!(
            next_step(times(true), &m, LEADS, T0 + HOUR, true),
            Step::Wait(None)
        );
        assert_eq!(next_step(None, &m, LEADS, T0, false), Step::Wait(None));
        let unknown = Some(SessionTimes {
            issued_at: T0,
            expires_at: None,
            has_refresh_token: true,
            last_refresh_at: None,
        });
        assert_eq!(next_step(unknown, &m, LEADS, T0, false), Step::Wait(None));
    }

    #[test]
    fn configurable_lead_and_short_lifetimes() {
        let leads = Leads {
            refresh_ms: 600_000,
            ..LEADS
        };
        assert_eq!(
            next_step(times(true), &RefreshHistory::default(), leads, T0, false),
            Step::Wait(Some(T0 + HOUR - 600_000))
        );
        // A 60 s token with a 60 s lead is refreshed at 30 s, not immediately and forever.
        assert_eq!(refresh_due_at(T0, T0 + 60_000, 60_000), T0 + 30_000);
        assert_eq!(refresh_due_at(T0, T0, 60_000), T0);
        assert_eq!(refresh_due_at(T0, T0 + HOUR, 0), T0 + HOUR);
    }

    #[test]
    fn tokens_born_expired_do_not_refresh_in_a_loop() {
        let born_expired = SessionTimes {
            issued_at: T0,
            expires_at: Some(T0),
            has_refresh_token: true,
            last_refresh_at: Some(T0),
        };
        let m = RefreshHistory::default();
        assert_eq!(
            next_step(Some(born_expired), &m, LEADS, T0, false),
            Step::Wait(Some(T0 + MIN_REFRESH_INTERVAL_MS))
        );
        assert_eq!(
            next_step(
                Some(born_expired),
                &m,
                LEADS,
                T0 + MIN_REFRESH_INTERVAL_MS,
                false
            ),
            Step::Refresh
        );
    }

    #[test]
    fn without_refresh_token_warn_then_expire() {
        let mut m = RefreshHistory::default();
        let warn_at = T0 + HOUR - 300_000;
        assert_eq!(step(false, &m, T0), Step::Wait(Some(warn_at)));
        assert_eq!(step(false, &m, warn_at), Step::WarnExpiring);
        m = m.for_token(T0);
        m.warned_for = Some(T0 + HOUR);
        let dead_at = T0 + HOUR - EXPIRY_MARGIN_MS;
        assert_eq!(step(false, &m, warn_at), Step::Wait(Some(dead_at)));
        assert_eq!(step(false, &m, dead_at), Step::Expire);
        // Woken after expiry without having warned: the session ends, no stale warning.
        assert_eq!(
            step(false, &RefreshHistory::default(), T0 + 2 * HOUR),
            Step::Expire
        );
    }

    #[test]
    fn failing_refresh_backs_off_and_warns() {
        let mut m = RefreshHistory::default().for_token(T0);
        let due = T0 + HOUR - 60_000;
        m.record_failure(due, true, None);
        assert_eq!(m.retry_at, due + 15_000);
        // Within the expiring lead already: warn first, then wait for the cooldown.
        assert_eq!(step(true, &m, due), Step::WarnExpiring);
        m.warned_for = Some(T0 + HOUR);
        assert_eq!(step(true, &m, due), Step::Wait(Some(due + 15_000)));
        assert_eq!(step(true, &m, due + 15_000), Step::Refresh);
        // Failing for good: once the access token is dead, the session ends.
        m.record_failure(T0 + HOUR - 20_000, true, None);
        assert_eq!(m.retry_at, T0 + HOUR - 20_000 + 30_000);
        assert_eq!(
            step(true, &m, T0 + HOUR - 10_000),
            Step::Wait(Some(T0 + HOUR - 5_000))
        );
        assert_eq!(step(true, &m, T0 + HOUR - 5_000), Step::Expire);
        assert_eq!(step(true, &m, T0 + HOUR + 2), Step::Expire);
        // RefreshHistory about an older token is void.
        let fresh = SessionTimes {
            issued_at: T0 + HOUR,
            expires_at: Some(T0 + 2 * HOUR),
            has_refresh_token: true,
            last_refresh_at: Some(T0 + HOUR),
        };
        assert_eq!(
            next_step(Some(fresh), &m, LEADS, T0 + HOUR + 2, false),
            Step::Wait(Some(fresh.expires_at.unwrap() - 60_000))
        );
    }

    #[test]
    fn permanent_failure_stops_refreshing() {
        let mut m = RefreshHistory::default().for_token(T0);
        m.record_failure(T0 + HOUR - 60_000, false, None);
        assert!(m.refresh_disabled);
        // Treated as if there were no refresh token: warn, then expire.
        assert_eq!(step(true, &m, T0 + HOUR - 60_000), Step::WarnExpiring);
        assert_eq!(step(true, &m, T0 + HOUR), Step::Expire);
    }

    #[test]
    fn api_401_refreshes_once_then_ends() {
        assert_eq!(after_api_response(200, false, true), ApiStep::Deliver);
        assert_eq!(after_api_response(403, false, true), ApiStep::Deliver);
        assert_eq!(after_api_response(500, false, true), ApiStep::Deliver);
        assert_eq!(
            after_api_response(401, false, true),
            ApiStep::RefreshAndRetry
        );
        assert_eq!(after_api_response(401, true, true), ApiStep::EndSession);
        assert_eq!(after_api_response(401, false, false), ApiStep::EndSession);
        assert_eq!(after_api_response(200, true, true), ApiStep::Deliver);
    }
}
