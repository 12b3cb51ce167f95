//! The pure protocol core: no browser, no JavaScript, no I/O.
//!
//! The folders are the stages, read bottom to top:
//!
//! - small shared leaves: [`Error`] and its codes (`error`), secrets with redacted `Debug`
//!   (`secret`), plain HTTP request/response values (`http`), HTTP dates (`httpdate`),
//!   base64url (`b64`), storage ([`Store`]), the page's cache of public documents
//!   ([`DocumentCache`]), the text filter for server-provided strings (`sanitize`), and the
//!   crate's own JSON reader and writer ([`json`], a public module: its names are generic),
//!   and strict absolute URLs ([`WebUrl`], `weburl`);
//! - `genesys/`: the Genesys Cloud region table, its token deletion and logout page, and the
//!   Web Messenger hand-off ([`MessengerAuthCode`]);
//! - `oauth/`: the protocol itself: configuration ([`Config`]), PKCE and the authorization
//!   request, the callback ([`validate_callback`]), the token endpoint, revocation;
//! - `oidc/`: OpenID Connect on top: discovery, JWS parsing, the JWK Set, the ID token checks
//!   of OIDC Core §3.1.3.7, UserInfo;
//! - `session/`: the session lifecycle: the stored [`Session`], when to refresh, retries and
//!   backoff, the server's clock, sibling tabs, events;
//! - `guest/`: guest tokens for web messaging: the request to the site's guest token
//!   endpoint, its answer, when to fetch the next one, the events ([`GuestOptions`]);
//! - [`Platform`] (`platform`): what the protocol needs from its environment;
//! - `embed/`: embedded clients: exact origins ([`ExactOrigin`]), the host-frame session
//!   bridge's messages and policies, the Genesys Cloud host origin ([`genesys_host_origin`]);
//! - `client/`: the [`Client`] that strings the stages together over a [`Platform`] and two
//!   [`Store`]s, and [`GuestTokens`] for guest tokens; the only part that sends requests.
//!
//! Every stage below `client/` is request/process code over plain values, and no module
//! imports from one above it (`tests/layout.rs` checks it). The modules are private and
//! their items re-exported here, so paths into the core survive moves between modules.
//! Everything here is tested natively with `cargo test`.

mod b64;
mod cache;
mod client;
mod embed;
mod error;
mod genesys;
mod guest;
mod http;
mod httpdate;
pub mod json;
mod oauth;
mod oidc;
mod options;
mod platform;
mod sanitize;
mod secret;
mod session;
mod store;
mod weburl;

#[doc(hidden)]
pub mod fuzzing;

#[cfg(test)]
pub(crate) mod testing;

pub use b64::{decode_url, encode_url};
pub use cache::{DocumentCache, DOCUMENT_KEY_PREFIX, DOCUMENT_TTL_DEFAULT_S, DOCUMENT_TTL_MAX_S};
pub use client::{
    discover, discover_config, discovery_needs_fetch, has_stored_session, load_jwks,
    verify_id_token, ApiResponse, Client, GuestBody, GuestSink, GuestTokens, InPageLogin,
    InPageOptions, LogoutOutcome, RefreshOutcome, RevocationStatus, DEFAULT_POPUP_TIMEOUT_S,
    DEFAULT_SILENT_TIMEOUT_S,
};
pub use embed::*;
pub use error::{Error, JsErrorName};
pub use genesys::*;
pub use guest::*;
pub use http::{Credentials, HttpRequest, HttpResponse, Method};
pub use httpdate::{parse_http_date, parse_retry_after};
pub use oauth::*;
pub use oidc::*;
pub use platform::{LockGuard, Platform};
pub use sanitize::sanitize;
pub use secret::*;
pub use session::*;
pub use store::{MemoryStore, Store};
pub use weburl::{UrlError, WebUrl};
