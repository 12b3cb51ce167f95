//! The client's tests, one file per part of the flow, all on the fake platform of
//! `core::testing`.

mod catalogue;
mod channel;
mod guest;
mod id_token;
mod lifecycle;
mod login;
mod oidc;
mod popup;
