//! The pure protocol core: no browser, no JavaScript, no I/O.
//!
//! Read top to bottom, these modules are the whole protocol: [`config`] (what the app
//! configured), [`pkce`] and [`authorize`] (the request), [`callback`] (the response),
//! [`token`] (the exchange), [`session`] (what a login leaves), and [`client`] which strings
//! them together over a [`client::Platform`]. Everything here is tested with `cargo test`.

pub mod authorize;
pub mod b64;
pub mod callback;
pub mod client;
pub mod config;
pub mod error;
pub mod http;
pub mod httpdate;
pub mod pkce;
pub mod secret;
pub mod session;
pub mod store;
pub mod token;

#[cfg(test)]
mod client_tests;
#[cfg(test)]
pub(crate) mod testing;

pub use error::{CallbackError, ConfigError, Error, TokenError};
