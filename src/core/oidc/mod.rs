//! OpenID Connect on top of OAuth: provider metadata ([`process_discovery_response`],
//! OpenID Connect Discovery 1.0), JWS compact parsing ([`parse_compact`]), the provider's keys
//! ([`JwkSet`]), the ID token checks of OIDC Core §3.1.3.7 ([`validate_claims`]) and UserInfo
//! (§5.3). Pure request/process code: the fetching is done by `client`, through a Platform.

mod discovery;
mod errors;
mod id_token;
mod jwks;
mod jwt;
mod userinfo;

#[doc(hidden)]
pub mod fuzzing;

pub use discovery::{
    discovery_request, discovery_url, process_discovery_response, ProviderMetadata,
    MAX_DISCOVERY_LEN, WELL_KNOWN_PATH,
};
pub use errors::{DiscoveryError, IdTokenError, JwksError, UserInfoError};
pub use id_token::{
    numeric_date_ms, validate_claims, IdTokenCheck, IdTokenClaims, MAX_NUMERIC_DATE_S,
};
pub use jwks::{
    jwks_request, process_jwks_response, Jwk, JwkSet, KeySource, MAX_JWKS_LEN, MIN_RSA_BITS,
};
pub use jwt::{parse_compact, AlgFamily, JwsAlg, JwsHeader, UnverifiedJws, MAX_JWS_PART_LEN};
pub use userinfo::{process_userinfo_response, userinfo_request, UserInfo, MAX_USERINFO_LEN};
