//! The JavaScript face: the `PkceClient` class ([`client`]), the free functions acting on one
//! configured client ([`functions`]), the `GuestTokenSource` class ([`guest`]), the frame bridge (`FrameBridge`, `HostedClient`, [`bridge`]), and the conversions between JavaScript values and the
//! core's ([`convert`]). Conversion only: every decision is the core's, every browser call the
//! browser layer's. The TypeScript declarations are in `types.d.ts`.

mod bridge;
mod client;
mod convert;
mod functions;
mod guest;
mod popup;

use wasm_bindgen::prelude::*;

pub use bridge::{genesys_host_origin, FrameBridge, HostedClient};
pub use client::PkceClient;
pub use convert::{is_pixie_auth_error, to_js_error};
pub use functions::*;
pub use guest::GuestTokenSource;

/// The hand-written TypeScript declarations (types that wasm-bindgen cannot derive: the
/// configuration union, events, claims, the error codes).
#[wasm_bindgen(typescript_custom_section)]
const TS_TYPES: &'static str = include_str!("types.d.ts");
