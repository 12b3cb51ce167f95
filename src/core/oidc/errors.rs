//! The errors of the OpenID Connect stages: discovery, the JWK Set, the ID token, UserInfo.
//! [`crate::core::Error`] wraps them and gives each its code.

use core::fmt;

use crate::core::json::push_u64;

/// OpenID Provider discovery failed (OpenID Connect Discovery 1.0 §4).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum DiscoveryError {
    /// The discovery document could not be fetched: a non-200 answer (§4.2).
    HttpStatus(u16),
    /// The answer is not a usable OpenID Provider metadata document (§3, §4.2).
    InvalidDocument(&'static str),
    /// An endpoint URL in the document is not https (or loopback http), or malformed.
    InvalidEndpoint {
        /// The metadata field, e.g. `token_endpoint`.
        field: &'static str,
        /// What is wrong with it.
        reason: String,
    },
    /// The document's `issuer` is not exactly the configured issuer (§4.3: impersonation).
    IssuerMismatch,
    /// `code_challenge_methods_supported` is given and lacks `S256` (RFC 8414 §2, RFC 7636).
    S256Unsupported,
}

/// The provider's JWK Set (RFC 7517 §5, OIDC Core §10.1.1) could not be fetched or read.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum JwksError {
    /// The `jwks_uri` answered with a non-200 status.
    HttpStatus(u16),
    /// The JWK Set, or the key it selected, is unusable.
    Invalid(&'static str),
}

/// The ID token was refused (OIDC Core §3.1.3.7, RFC 7515, RFC 7519, RFC 8725).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum IdTokenError {
    /// Not a JWS in compact serialization (three base64url parts, JSON header and payload),
    /// or a required claim is missing or has the wrong type.
    Malformed(&'static str),
    /// The `alg` is `none`, an HMAC algorithm (a public client has no shared secret), or one
    /// we do not implement. Carries the sanitized name.
    AlgUnsupported(String),
    /// The header lists `crit` extensions (RFC 7515 §4.1.11); we understand none.
    CritUnsupported,
    /// The signature does not verify with the selected key.
    SignatureInvalid,
    /// No key in the JWK Set fits the token's `kid` and `alg`, even after refetching it.
    UnknownKid,
    /// The token names no `kid` and several keys fit (OIDC Core §10.1 requires a `kid`).
    KeyAmbiguous,
    /// `iss` is not exactly the issuer (step 2).
    IssMismatch,
    /// `aud` does not contain the client id (step 3).
    AudMismatch,
    /// `azp` is missing with several audiences, or is not the client id (steps 4, 5).
    AzpMismatch,
    /// `exp` has passed, beyond the clock tolerance (step 9).
    Expired,
    /// `iat` is in the future, beyond the clock tolerance (step 10).
    IatFuture,
    /// `nbf` is in the future, beyond the clock tolerance (RFC 7519 §4.1.5).
    NotYetValid,
    /// `nonce` is missing or differs from the one sent (step 11: replay defence).
    NonceMismatch,
    /// `max_age` was requested and `auth_time` is missing or too old (step 13).
    AuthTimeInvalid,
    /// An ID token from a refresh names another subject than the login's (OIDC Core §12.2).
    SubMismatch,
}

/// The UserInfo request failed (OIDC Core §5.3).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum UserInfoError {
    /// The UserInfo endpoint answered with a non-success status other than 401.
    HttpStatus(u16),
    /// The answer is not a JSON object with a `sub` (§5.3.2), or is a signed/encrypted JWT.
    Invalid(&'static str),
    /// The answer's `sub` is not the ID token's (§5.3.2: token substitution).
    SubMismatch,
}

impl DiscoveryError {
    /// Appends the message (it never holds a secret) to `out`; built without `core::fmt`.
    pub fn describe(&self, out: &mut String) {
        match self {
            DiscoveryError::HttpStatus(status) => {
                out.push_str("the discovery document could not be fetched (HTTP ");
                push_u64(out, u64::from(*status));
                out.push(')');
            }
            DiscoveryError::InvalidDocument(why) => {
                out.push_str("invalid discovery document: ");
                out.push_str(why);
            }
            DiscoveryError::InvalidEndpoint { field, reason } => {
                out.push_str("the discovery document's `");
                out.push_str(field);
                out.push_str("` ");
                out.push_str(reason);
            }
            DiscoveryError::IssuerMismatch => out.push_str(
                "the discovery document's issuer is not exactly the configured issuer \
                 (check the scheme, host, path and trailing slash)",
            ),
            DiscoveryError::S256Unsupported => out.push_str(
                "the provider does not list S256 in code_challenge_methods_supported; \
                 pixie-auth only uses S256 PKCE",
            ),
        }
    }
}

impl fmt::Display for DiscoveryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut text = String::new();
        self.describe(&mut text);
        f.write_str(&text)
    }
}

impl JwksError {
    /// Appends the message (it never holds a secret) to `out`; built without `core::fmt`.
    pub fn describe(&self, out: &mut String) {
        match self {
            JwksError::HttpStatus(status) => {
                out.push_str("the provider's keys (jwks_uri) answered HTTP ");
                push_u64(out, u64::from(*status));
            }
            JwksError::Invalid(why) => {
                out.push_str("the provider's key set is unusable: ");
                out.push_str(why);
            }
        }
    }
}

impl fmt::Display for JwksError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut text = String::new();
        self.describe(&mut text);
        f.write_str(&text)
    }
}

impl IdTokenError {
    /// Appends the message (it never holds a secret) to `out`; built without `core::fmt`.
    pub fn describe(&self, out: &mut String) {
        out.push_str("ID token refused: ");
        match self {
            IdTokenError::Malformed(why) => out.push_str(why),
            IdTokenError::AlgUnsupported(alg) => {
                out.push_str("signature algorithm ");
                out.push('"');
                out.push_str(alg);
                out.push('"');
                out.push_str(
                    " is not accepted (RS256/384/512, PS256/384/512, \
                 ES256, ES384 are)",
                );
            }
            IdTokenError::CritUnsupported => {
                out.push_str("the header lists critical extensions (crit) that are not understood")
            }
            IdTokenError::SignatureInvalid => out.push_str("the signature is invalid"),
            IdTokenError::UnknownKid => {
                out.push_str("no key of the provider's key set fits its kid and alg")
            }
            IdTokenError::KeyAmbiguous => {
                out.push_str("it names no kid and the provider's key set has several fitting keys")
            }
            IdTokenError::IssMismatch => out.push_str("iss is not the issuer"),
            IdTokenError::AudMismatch => out.push_str("aud does not contain this client id"),
            IdTokenError::AzpMismatch => {
                out.push_str("azp is missing (with several audiences) or not this client id")
            }
            IdTokenError::Expired => {
                out.push_str("it has expired (check the device clock if this persists)")
            }
            IdTokenError::IatFuture => {
                out.push_str("it was issued in the future (check the device clock)")
            }
            IdTokenError::NotYetValid => {
                out.push_str("it is not valid yet (nbf; check the device clock)")
            }
            IdTokenError::NonceMismatch => {
                out.push_str("nonce is missing or not the one this login sent (possible replay)")
            }
            IdTokenError::AuthTimeInvalid => {
                out.push_str("auth_time is missing or older than the requested max_age")
            }
            IdTokenError::SubMismatch => {
                out.push_str("a refreshed ID token names another user than the login's")
            }
        }
    }
}

impl fmt::Display for IdTokenError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut text = String::new();
        self.describe(&mut text);
        f.write_str(&text)
    }
}

impl UserInfoError {
    /// Appends the message (it never holds a secret) to `out`; built without `core::fmt`.
    pub fn describe(&self, out: &mut String) {
        match self {
            UserInfoError::HttpStatus(status) => {
                out.push_str("the UserInfo endpoint answered HTTP ");
                push_u64(out, u64::from(*status));
            }
            UserInfoError::Invalid(why) => {
                out.push_str("invalid UserInfo response: ");
                out.push_str(why);
            }
            UserInfoError::SubMismatch => out.push_str(
                "the UserInfo response's sub is not the ID token's; its claims were discarded",
            ),
        }
    }
}

impl fmt::Display for UserInfoError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut text = String::new();
        self.describe(&mut text);
        f.write_str(&text)
    }
}
