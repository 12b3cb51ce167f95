//! The pure protocol core: no browser, no JavaScript, no I/O.
//!
//! Read top to bottom, these modules are the whole protocol: [`config`] (what the app
//! configured), [`pkce`] and [`authorize`] (the request), [`callback`] (the response),
//! [`token`] (the exchange), [`session`] (what a login leaves), and [`client`] which strings
//! them together over a [`client::Platform`]. The session lifecycle adds [`schedule`] (when to
//! refresh), [`backoff`] (retries), [`clock`] (drift), [`tabs`] (sibling tabs), [`logout`]
//! and [`events`]. Everything here is tested with `cargo test`.

pub mod authorize;
pub mod b64;
pub mod backoff;
pub mod callback;
pub mod client;
pub mod clock;
pub mod config;
pub mod error;
pub mod events;
pub mod http;
pub mod httpdate;
pub mod logout;
pub mod pkce;
pub mod schedule;
pub mod secret;
pub mod session;
pub mod store;
pub mod tabs;
pub mod token;

#[cfg(test)]
mod client_tests;
#[cfg(test)]
mod lifecycle_tests;
#[cfg(test)]
pub(crate) mod testing;

pub use error::{CallbackError, ConfigError, Error, TokenError};
