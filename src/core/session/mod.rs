//! The session lifecycle: what a login leaves ([`Session`], kept in storage), when to refresh
//! it ([`next_step`]), how to retry ([`retry_decision`]), the server's clock
//! ([`clock_offset_ms`]), sibling tabs sharing one refresh-token family ([`TabMessage`]), and
//! the events the app hears ([`Event`]). Pure decisions; `client` carries them out.

mod backoff;
mod clock;
mod events;
mod record;
mod schedule;
mod tabs;

#[doc(hidden)]
pub mod fuzzing;

pub use backoff::{
    backoff_delay_ms, cooldown_ms, retry_decision, Retry, BASE_DELAY_MS, COOLDOWN_BASE_MS,
    COOLDOWN_MAX_MS, MAX_ATTEMPTS, MAX_BACKOFF_MS, MAX_RETRY_AFTER_MS, MAX_WAIT_MS,
};
pub use clock::{
    access_token_expiry, clock_offset_ms, to_browser_ms, unverified_jwt_payload,
    unverified_jwt_times, JwtTimes,
};
pub use events::{
    is_event_name, Event, ExpiredReason, LoggedOut, Origin, SessionExpired, StorageFallback,
    TokenExpiring, TokenRefreshed, EVENT_NAMES,
};
pub use record::{Session, SessionSummary, EXPIRY_MARGIN_MS, LINEAGE_LEN};
pub use schedule::{
    after_api_response, next_step, refresh_due_at, ApiStep, Leads, RefreshHistory, SessionTimes,
    Step, MIN_REFRESH_INTERVAL_MS,
};
pub use tabs::{
    channel_key_input, channel_name, family_id, lock_name, Dropped, Envelope, MessageKind,
    Received, TabMessage, CHANNEL_KEY_LABEL, FAMILY_ID_LEN, IV_LEN, MAX_MESSAGE_LEN,
    MESSAGE_WINDOW_MS, SIBLING_QUERY_MS, TAG_LEN, WIRE_VERSION,
};
