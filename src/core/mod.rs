//! The pure protocol core: no browser, no JavaScript, no I/O.
//!
//! Read top to bottom, these modules are the whole protocol: [`config`] (what the app
//! configured), [`pkce`] and [`authorize`] (the request), [`callback`] (the response),
//! [`token`] (the exchange), [`session`] (what a login leaves), and [`client`] which strings
//! them together over a [`client::Platform`]. Everything here is tested with `cargo test`.
//!
//! OpenID Connect on top: [`discovery`] (provider metadata), [`jwt`] (JWS parsing), [`jwks`]
//! (the provider's keys), [`id_token`] (the §3.1.3.7 checks), [`userinfo`], [`messenger`]
//! (handing the code to Genesys Web Messenger instead of exchanging it), and [`cache`]
//! (public documents kept for the page).
//!
//! The session lifecycle: [`schedule`] (when to refresh), [`backoff`] (retries), [`clock`]
//! (drift), [`tabs`] (sibling tabs), [`logout`] and [`events`].

pub mod authorize;
pub mod b64;
pub mod backoff;
pub mod cache;
pub mod callback;
pub mod client;
pub mod clock;
pub mod config;
pub mod discovery;
pub mod error;
pub mod events;
pub mod http;
pub mod httpdate;
pub mod id_token;
pub mod json;
pub mod jwks;
pub mod jwt;
pub mod logout;
pub mod messenger;
pub mod pkce;
pub mod schedule;
pub mod secret;
pub mod session;
pub mod store;
pub mod tabs;
pub mod token;
pub mod userinfo;

#[cfg(test)]
mod client_tests;
#[cfg(test)]
mod lifecycle_tests;
#[cfg(test)]
mod oidc_tests;
#[cfg(test)]
pub(crate) mod testing;

pub use error::{
    CallbackError, ConfigError, DiscoveryError, Error, IdTokenError, JwksError, TokenError,
    UserInfoError,
};
