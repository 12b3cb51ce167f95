//! OAuth 2.0 with PKCE, the protocol itself: what the app configured ([`Config`]), the
//! authorization request ([`authorization_url`], with the PKCE challenge of RFC 7636), the
//! authorization response ([`validate_callback`]: state, RFC 9207 `iss`), the token endpoint
//! ([`code_exchange_request`], [`refresh_request`], [`process_token_response`]) and the
//! server side of logout (RFC 7009 revocation, RP-initiated logout). Pure request/process
//! functions over plain values: nothing here sends a request.

mod authorize;
mod callback;
mod config;
mod errors;
mod logout;
mod pkce;
mod token;

#[doc(hidden)]
pub mod fuzzing;

pub use authorize::{
    authorization_url, requested_max_age, return_to_path, LoginOptions, PendingLogin,
    PENDING_LOGIN_TTL_MS,
};
pub use callback::{
    callback_state, clean_callback_url, is_callback, parse_callback, read_relay_message,
    relay_message, validate_callback, CallbackParams, IssuerCheck, ValidatedCallback,
    CALLBACK_PARAMS, RELAY_TYPE,
};
pub use config::{
    parse_endpoint, parse_issuer, quoted, Config, Provider, RawConfig, StorageMode, CONFIG_KEYS,
    DEFAULT_CLOCK_TOLERANCE_S, DEFAULT_EXPIRING_LEAD_S, DEFAULT_REFRESH_LEAD_S,
    MAX_CLOCK_TOLERANCE_S, MAX_LEAD_S, RESERVED_PARAMS,
};
pub use errors::{CallbackError, ConfigError, PopupError, RevocationError, TokenError};
pub use logout::{
    end_session_url, logout_redirect, process_revocation_response, revocation_request,
    LogoutOptions, Revocable,
};
pub use pkce::{CodeChallenge, CODE_CHALLENGE_METHOD, STATE_ENTROPY_BYTES, VERIFIER_ENTROPY_BYTES};
pub use token::{
    code_exchange_request, process_token_response, refresh_request, TokenResponse,
    MAX_EXPIRES_IN_S, MAX_TOKEN_RESPONSE_LEN,
};
