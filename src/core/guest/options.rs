//! The options of `new GuestTokenSource(options)`, read with exact keys
//! ([`GUEST_OPTION_KEYS`]: an unknown key is refused, naming it).
//!
//! `body` is a JavaScript function, which JSON cannot carry: the browser layer takes it out of
//! the object and calls it for each request; the JSON text the core reads then has no `body`
//! (`JSON.stringify` leaves functions out), and a `body` that is there is not a function.

use crate::core::error::ConfigError;
use crate::core::http::Credentials;
use crate::core::json::Value;
use crate::core::oauth::{parse_endpoint, MAX_LEAD_S};
use crate::core::options::{read, refuse, Spec};
use crate::core::weburl::WebUrl;

/// Every key the options object may have, in the order they are checked.
pub const GUEST_OPTION_KEYS: &[&str] = &[
    "body",
    "endpoint",
    "credentials",
    "jwksUri",
    "issuer",
    "audience",
    "refreshLeadSeconds",
    "minValidity",
];

/// The rule of each key of [`GUEST_OPTION_KEYS`], in the same order.
const GUEST_OPTION_SPECS: &[Spec] = &[
    Spec::Refused("must be a function returning the request body object"),
    Spec::Filled("is required: the site's guest token URL"),
    Spec::OneOf(
        &Credentials::NAMES,
        "must be \"omit\", \"same-origin\" or \"include\"",
    ),
    Spec::Str,
    Spec::Text,
    Spec::Text,
    Spec::Range(0, MAX_LEAD_S, "must be between 0 and 86400 seconds"),
    Spec::Range(0, MAX_LEAD_S, "must be between 0 and 86400 seconds"),
];

/// Default of `refreshLeadSeconds`: a new token is fetched 10 minutes before `exp`.
pub const DEFAULT_GUEST_REFRESH_LEAD_S: u64 = 600;
/// Default of `minValidity`: `getToken()` resolves with a token valid at least this long.
pub const DEFAULT_GUEST_MIN_VALIDITY_S: u64 = 60;

/// What verifies a guest token, when configured: its signature against the JWK Set, `iss`
/// and `aud` (compared exactly), `exp`, `iat` (and `nbf`), as an ID token is checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GuestVerification {
    /// The JWK Set of the guest tokens' signer.
    pub jwks_uri: WebUrl,
    /// The `iss` the tokens carry.
    pub issuer: String,
    /// An `aud` the tokens carry.
    pub audience: String,
}

/// The validated options of a guest token source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GuestOptions {
    /// The endpoint: as given until the browser resolved it against the page
    /// ([`GuestOptions::with_endpoint`]), then absolute.
    pub endpoint: String,
    /// Fetch a new token this long before `exp` (halfway through a shorter lifetime), in ms.
    pub refresh_lead_ms: u64,
    /// `getToken()` wants a token valid at least this long (at most half its lifetime), in ms.
    pub min_validity_ms: u64,
    /// Whether the endpoint gets the page's cookies.
    pub credentials: Credentials,
    /// Signature and claim checks, when `jwksUri`, `issuer` and `audience` are given.
    pub verification: Option<GuestVerification>,
}

impl GuestOptions {
    /// Reads the options object (as JSON, without `body` when it is a function).
    pub fn from_json(value: &Value) -> Result<GuestOptions, ConfigError> {
        let mut f = read(value, "options", GUEST_OPTION_KEYS, GUEST_OPTION_SPECS)?;
        f.skip();
        let endpoint = f.string().unwrap_or_default();
        let credentials = match f.choice() {
            None | Some(0) => Credentials::Omit,
            Some(1) => Credentials::SameOrigin,
            Some(_) => Credentials::Include,
        };
        let jwks_uri = f.string();
        let issuer = f.string();
        let audience = f.string();
        let refresh_lead_ms = f.number().unwrap_or(DEFAULT_GUEST_REFRESH_LEAD_S) * 1000;
        let min_validity_ms = f.number().unwrap_or(DEFAULT_GUEST_MIN_VALIDITY_S) * 1000;
        let verification = match (jwks_uri, issuer, audience) {
            (None, None, None) => None,
            (Some(uri), Some(issuer), Some(audience)) => Some(GuestVerification {
                jwks_uri: parse_endpoint("jwksUri", &uri)?,
                issuer,
                audience,
            }),
            (uri, issuer, _) => {
                let missing = if uri.is_none() {
                    "jwksUri"
                } else if issuer.is_none() {
                    "issuer"
                } else {
                    "audience"
                };
                return Err(refuse(
                    missing,
                    "is needed too: verification takes jwksUri, issuer and audience together",
                ));
            }
        };
        Ok(GuestOptions {
            endpoint,
            refresh_lead_ms,
            min_validity_ms,
            credentials,
            verification,
        })
    }

    /// Takes the endpoint as the browser resolved it against the page (an absolute URL):
    /// https, or http on a loopback host, with no fragment and no credentials.
    pub fn with_endpoint(mut self, absolute: &str) -> Result<GuestOptions, ConfigError> {
        self.endpoint = parse_endpoint("endpoint", absolute)?.into_string();
        Ok(self)
    }
}
