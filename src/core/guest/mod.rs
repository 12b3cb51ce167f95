//! Guest tokens for web messaging: an anonymous visitor's short-lived JWT, fetched from the
//! site's own guest token endpoint (which holds the only secret) and kept in memory only.
//!
//! Pure request/process code over plain values, like every stage below `client/`:
//!
//! - `options`: the options of `new GuestTokenSource(...)` ([`GuestOptions`]);
//! - `token`: the POST to the endpoint ([`guest_token_request`]) and its answer
//!   ([`process_guest_token_response`]: `accessToken`, the JWT's integer `exp` and `iat`, the
//!   server's clock from `Date`, 429 and `Retry-After`);
//! - `schedule`: when to fetch ([`next_guest_step`]: `refreshLeadSeconds` before `exp`,
//!   halfway through a shorter lifetime), when a held token will do ([`is_usable`]), and the
//!   events ([`GuestEvent`]);
//! - `errors`: [`GuestTokenError`] (`guest_token_failed`, `rate_limited`,
//!   `guest_token_invalid`).
//!
//! `client::GuestTokens` carries it out: one request in flight, retries with backoff
//! (`session::retry_decision`), optional verification with the ID token's code
//! (`verify_id_token`).

mod errors;
mod options;
mod schedule;
mod token;

#[doc(hidden)]
pub mod fuzzing;

#[cfg(test)]
mod tests;

pub use errors::GuestTokenError;
pub use options::{
    GuestOptions, GuestVerification, DEFAULT_GUEST_MIN_VALIDITY_S, DEFAULT_GUEST_REFRESH_LEAD_S,
    GUEST_OPTION_KEYS,
};
pub use schedule::{
    guest_refresh_at, is_usable, next_guest_step, GuestEvent, GuestFailures, GuestStep, GuestTimes,
    GUEST_EVENT_NAMES, MIN_GUEST_REFRESH_INTERVAL_MS,
};
pub use token::{
    guest_token_request, process_guest_token_response, GuestToken, MAX_GUEST_RESPONSE_LEN,
};
