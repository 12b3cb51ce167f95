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
use crate::core::options::Options;
use crate::core::weburl::WebUrl;

/// Every key the options object may have.
pub const GUEST_OPTION_KEYS: &[&str] = &[
    "endpoint",
    "body",
    "refreshLeadSeconds",
    "minValidity",
    "credentials",
    "jwksUri",
    "issuer",
    "audience",
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

fn invalid(field: &'static str, reason: &str) -> ConfigError {
    ConfigError::Invalid {
        field,
        reason: reason.into(),
    }
}

fn seconds_ms(o: &Options<'_>, key: &'static str, default: u64) -> Result<u64, ConfigError> {
    match o.whole_number(key)?.unwrap_or(default) {
        s if s <= MAX_LEAD_S => Ok(s * 1000),
        _ => Err(invalid(key, "must be between 0 and 86400 seconds")),
    }
}

impl GuestOptions {
    /// Reads the options object (as JSON, without `body` when it is a function).
    pub fn from_json(value: &Value) -> Result<GuestOptions, ConfigError> {
        let o = Options::new(value, "options", GUEST_OPTION_KEYS)?;
        if value.get("body").is_some_and(|b| !b.is_null()) {
            return Err(invalid(
                "body",
                "must be a function returning the request body object",
            ));
        }
        let endpoint = o
            .string("endpoint")?
            .filter(|e| !e.trim().is_empty())
            .ok_or_else(|| invalid("endpoint", "is required: the site's guest token URL"))?;
        let credentials = match o.string("credentials")? {
            None => Credentials::Omit,
            Some(name) => Credentials::from_name(&name).ok_or_else(|| {
                invalid(
                    "credentials",
                    "must be \"omit\", \"same-origin\" or \"include\"",
                )
            })?,
        };
        let jwks_uri = o.string("jwksUri")?;
        let issuer = o.string("issuer")?.filter(|s| !s.is_empty());
        let audience = o.string("audience")?.filter(|s| !s.is_empty());
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
                return Err(invalid(
                    missing,
                    "is needed too: verification takes jwksUri, issuer and audience together",
                ));
            }
        };
        Ok(GuestOptions {
            endpoint,
            refresh_lead_ms: seconds_ms(&o, "refreshLeadSeconds", DEFAULT_GUEST_REFRESH_LEAD_S)?,
            min_validity_ms: seconds_ms(&o, "minValidity", DEFAULT_GUEST_MIN_VALIDITY_S)?,
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
