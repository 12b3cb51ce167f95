//! Embedded clients: the postMessage session bridge between a host page and the frames it
//! embeds, and the Genesys Cloud host-origin check for apps embedded there.
//!
//! - [`ExactOrigin`] (`origin`): a configured origin, normalised once (scheme, host and
//!   port as the browser serialises `event.origin`), then matched by string equality only:
//!   no wildcard, no prefix, no suffix, so `https://crm.example.evil`,
//!   `https://crm.example:444` and `http://crm.example` are all other origins;
//! - [`genesys_host_origin`] (`genesys`): the `gcHostOrigin` / `gcTargetEnv` query
//!   parameters Genesys Cloud appends to an embedded app's URL, checked against the region
//!   table;
//! - the wire schema (`messages`): [`FrameMessage`] (frame to host) and [`HostMessage`]
//!   (host to frame), read from size-limited JSON text only, anything else dropped and
//!   counted in [`BridgeStats`];
//! - the policies (`policy`): what the host answers a token request with
//!   ([`host_token_step`]: the access token only, refreshed first when it would expire within
//!   the margin), and when the frame's in-memory token must be asked for again
//!   ([`FrameToken`]);
//! - the options of both ends ([`ShareOptions`], [`HostedOptions`]);
//! - the errors ([`EmbedError`]: `invalid_origin`, `host_unavailable`).
//!
//! Nothing here touches a window: the browser layer (`src/browser/frames.rs`) checks
//! `event.isTrusted` and `event.source`, hands the message's JSON text and `event.origin`
//! here, and posts what this builds with the exact target origin.

mod errors;
mod genesys;
mod messages;
mod options;
mod origin;
mod policy;

#[cfg(test)]
mod tests;

pub use errors::EmbedError;
pub use genesys::{genesys_host_origin, GenesysHost};
pub use messages::{
    app_event_type_ok, BridgeStats, DropReason, FrameMessage, HostMessage, BRIDGE_PROTOCOL,
    MAX_BRIDGE_MESSAGE_LEN, MAX_EVENT_TYPE_LEN,
};
pub use options::{HostedOptions, ShareOptions, HOSTED_OPTION_KEYS, SHARE_OPTION_KEYS};
pub use origin::ExactOrigin;
pub use policy::{
    forced_refresh_allowed, host_token_step, hosted_api_url, FrameToken, HostStep,
    BRIDGE_TIMEOUT_DEFAULT_MS, FRAME_MIN_VALIDITY_DEFAULT_MS, HOST_MARGIN_DEFAULT_MS,
};
