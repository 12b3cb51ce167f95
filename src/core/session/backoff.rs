//! Retrying transient failures: exponential backoff with jitter, a server's `Retry-After`
//! (RFC 9110 §10.2.3) honoured, and a hard cap of [`MAX_ATTEMPTS`] attempts, so no request loop
//! is unbounded. Pure: the randomness is passed in, the waiting is the platform's.
//!
//! Also the pacing of automatic refresh cycles after one failed ([`cooldown_ms`]).

use crate::core::error::Error;

/// At most this many attempts of one request (the first one included).
pub const MAX_ATTEMPTS: u32 = 3;
/// The backoff ceiling after the first failure; it doubles per failure.
pub const BASE_DELAY_MS: u64 = 1_000;
/// No computed backoff exceeds this.
pub const MAX_BACKOFF_MS: u64 = 8_000;
/// No single wait exceeds this, whatever `Retry-After` says: a refresh that is due in a
/// minute cannot wait an hour, and a broken header must not freeze the session. A larger
/// `Retry-After` still delays the next automatic refresh cycle (see [`cooldown_ms`]).
pub const MAX_WAIT_MS: u64 = 30_000;

/// What to do after a failed attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Retry {
    /// Wait this many milliseconds, then try again.
    After(u64),
    /// Report the failure: it is permanent, or the attempts are used up.
    GiveUp,
}

/// The backoff before the attempt following failed attempt number `failed_attempt` (1-based):
/// "equal jitter", a uniform pick in `[ceiling / 2, ceiling]` where the ceiling is
/// [`BASE_DELAY_MS`] doubled per earlier failure, capped at [`MAX_BACKOFF_MS`]. `jitter` is a
/// random number (any `u32`).
pub fn backoff_delay_ms(failed_attempt: u32, jitter: u32) -> u64 {
    let doublings = failed_attempt.saturating_sub(1).min(16);
    let ceiling = (BASE_DELAY_MS << doublings).min(MAX_BACKOFF_MS);
    let floor = ceiling / 2;
    floor + u64::from(jitter) % (ceiling - floor + 1)
}

/// Decides whether to retry after attempt `failed_attempt` (1-based) failed with `error`.
/// Only transient failures ([`Error::is_transient`]: no answer, 5xx, 429,
/// `temporarily_unavailable`) are retried; `invalid_grant`, `invalid_client` and malformed
/// responses never are. The wait is the jittered backoff or the server's `Retry-After`,
/// whichever is longer, capped at [`MAX_WAIT_MS`].
pub fn retry_decision(error: &Error, failed_attempt: u32, jitter: u32) -> Retry {
    if failed_attempt >= MAX_ATTEMPTS || !error.is_transient() {
        return Retry::GiveUp;
    }
    let server = error.retry_after().unwrap_or(0).saturating_mul(1000);
    Retry::After(
        backoff_delay_ms(failed_attempt, jitter)
            .max(server)
            .min(MAX_WAIT_MS),
    )
}

/// The first automatic retry after a failed refresh cycle waits this long.
pub const COOLDOWN_BASE_MS: u64 = 15_000;
/// Automatic refresh cycles are never further apart than this while they keep failing.
pub const COOLDOWN_MAX_MS: u64 = 5 * 60_000;
/// The longest `Retry-After` the pacing of automatic cycles honours.
pub const MAX_RETRY_AFTER_MS: u64 = 60 * 60_000;

/// How long to wait before the next automatic refresh cycle after `failures` consecutive
/// failed cycles (each of up to [`MAX_ATTEMPTS`] requests): 15 s, 30 s, 60 s, ... capped at
/// 5 minutes, or longer when the server's `Retry-After` says so (capped at an hour). So an agent
/// who loses the network mid-call keeps the session and it renews when the network returns,
/// with a bounded request rate meanwhile.
pub fn cooldown_ms(failures: u32, retry_after_s: Option<u64>) -> u64 {
    let doublings = failures.saturating_sub(1).min(16);
    let pace = (COOLDOWN_BASE_MS << doublings).min(COOLDOWN_MAX_MS);
    let server = retry_after_s
        .unwrap_or(0)
        .saturating_mul(1000)
        .min(MAX_RETRY_AFTER_MS);
    pace.max(server)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::error::{Error, TokenError};

    fn http(status: u16, retry_after: Option<u64>) -> Error {
        Error::Refresh(TokenError::HttpStatus {
            status,
            retry_after,
        })
    }

    fn oauth(error: &str, status: u16) -> Error {
        Error::Refresh(TokenError::OAuth {
            error: error.into(),
            status,
            retry_after: None,
        })
    }

    #[test]
    fn backoff_doubles_with_jitter_within_bounds() {
        for jitter in [0, 1, 7, 499, 500, 501, 12_345, u32::MAX / 2, u32::MAX] {
            let first = backoff_delay_ms(1, jitter);
            assert!((500..=1_000).contains(&first), "{first}");
            let second = backoff_delay_ms(2, jitter);
            assert!((1_000..=2_000).contains(&second), "{second}");
            let late = backoff_delay_ms(30, jitter);
            assert!((4_000..=MAX_BACKOFF_MS).contains(&late), "{late}");
        }
        assert_eq!(backoff_delay_ms(1, 0), 500);
        assert_eq!(backoff_delay_ms(1, 500), 1_000);
        assert_eq!(backoff_delay_ms(1, 501), 500);
        // Different random numbers spread the retries of many clients.
        assert_ne!(backoff_delay_ms(1, 3), backoff_delay_ms(1, 300));
    }

    #[test]
    fn exactly_three_attempts() {
        let e = http(503, None);
        assert!(matches!(retry_decision(&e, 1, 0), Retry::After(_)));
        assert!(matches!(retry_decision(&e, 2, 0), Retry::After(_)));
        assert_eq!(retry_decision(&e, 3, 0), Retry::GiveUp);
        assert_eq!(retry_decision(&e, 4, 0), Retry::GiveUp);
        assert!(matches!(
            retry_decision(&Error::Network(None), 1, 0),
            Retry::After(_)
        ));
        assert_eq!(retry_decision(&Error::Network(None), 3, 0), Retry::GiveUp);
    }

    #[test]
    fn permanent_errors_are_not_retried() {
        for e in [
            oauth("invalid_grant", 400),
            oauth("invalid_client", 401),
            oauth("unauthorized_client", 400),
            http(400, None),
            http(404, Some(1)),
            Error::Refresh(TokenError::InvalidResponse("x")),
            Error::RefreshRejected(TokenError::HttpStatus {
                status: 503,
                retry_after: None,
            }),
            Error::LoginRequired("x"),
        ] {
            assert_eq!(retry_decision(&e, 1, 0), Retry::GiveUp, "{e:?}");
        }
        assert!(matches!(
            retry_decision(&oauth("temporarily_unavailable", 400), 1, 0),
            Retry::After(_)
        ));
        assert!(matches!(
            retry_decision(&http(429, None), 1, 0),
            Retry::After(_)
        ));
    }

    #[test]
    fn retry_after_is_honoured_and_capped() {
        assert_eq!(
            retry_decision(&http(429, Some(5)), 1, 0),
            Retry::After(5_000)
        );
        // A Retry-After shorter than the backoff does not shorten it.
        assert_eq!(
            retry_decision(&http(503, Some(0)), 2, 0),
            Retry::After(1_000)
        );
        // An absurd Retry-After is capped.
        assert_eq!(
            retry_decision(&http(503, Some(86_400)), 1, 0),
            Retry::After(MAX_WAIT_MS)
        );
        assert_eq!(
            retry_decision(&http(503, Some(u64::MAX)), 1, 0),
            Retry::After(MAX_WAIT_MS)
        );
    }

    #[test]
    fn cooldown_between_failed_cycles() {
        assert_eq!(cooldown_ms(1, None), 15_000);
        assert_eq!(cooldown_ms(2, None), 30_000);
        assert_eq!(cooldown_ms(3, None), 60_000);
        assert_eq!(cooldown_ms(10, None), COOLDOWN_MAX_MS);
        assert_eq!(cooldown_ms(u32::MAX, None), COOLDOWN_MAX_MS);
        assert_eq!(cooldown_ms(1, Some(120)), 120_000);
        assert_eq!(cooldown_ms(1, Some(u64::MAX)), MAX_RETRY_AFTER_MS);
    }
}
