//! ID token validation, [OpenID Connect Core 1.0 §3.1.3.7], step by step.
//!
//! [`verify_id_token`] parses the JWS (refusing `none`, HMAC, unknown algorithms and `crit`
//! before any key is fetched), selects the provider's key by `kid` (refetching the JWK Set
//! once on an unknown `kid`), has the platform verify the signature, and only then reads the
//! claims with [`validate_claims`]. The clock is injected (`now_ms`), with a tolerance.
//!
//! Steps not taken, and why: 1 (decrypting a JWE: no encrypted ID tokens are requested, so a
//! five-part token is refused as malformed); 12 (`acr`: never requested); the optional
//! `at_hash` check (§3.1.3.8: the access token comes straight from the token endpoint over TLS,
//! where it is OPTIONAL).
//!
//! [OpenID Connect Core 1.0 §3.1.3.7]: https://openid.net/specs/openid-connect-core-1_0.html#IDTokenValidation

use crate::core::error::IdTokenError;
use crate::core::json::{self, Object, Value};
use crate::core::secret::{constant_time_eq, Nonce};

/// What an ID token is checked against.
#[derive(Debug, Clone, Copy)]
pub struct IdTokenCheck<'a> {
    /// The issuer identifier, compared exactly (step 2).
    pub issuer: &'a str,
    /// This client's id, which `aud` must contain (step 3).
    pub client_id: &'a str,
    /// The nonce sent with the authorization request (step 11), when one was.
    pub nonce: Option<&'a Nonce>,
    /// The `max_age` sent with the authorization request (step 13), when one was.
    pub max_age: Option<u64>,
    /// The current time, in milliseconds since the Unix epoch.
    pub now_ms: u64,
    /// The allowed clock skew in seconds (steps 9, 10, 13).
    pub tolerance_s: u64,
}

/// The claims of an ID token that passed [`crate::core::verify_id_token`] (or were stored after passing it,
/// see [`crate::core::session::Session`]). Personal data, not secrets: a `Debug` that prints
/// nothing but the subject is provided.
///
/// Kept with the payload's JSON text, which is what is stored and handed to JavaScript
/// (`JSON.parse` reads it exactly as signed, numbers included).
#[derive(Clone, PartialEq)]
pub struct IdTokenClaims {
    claims: Object,
    json: String,
}

impl IdTokenClaims {
    /// The subject (`sub`), the stable user identifier at the issuer (OIDC Core §2).
    pub fn sub(&self) -> Option<&str> {
        self.claims.get("sub").and_then(Value::as_str)
    }

    /// Every claim, as in the token's payload.
    pub fn claims(&self) -> &Object {
        &self.claims
    }

    /// Claims read back from storage (their JSON text, as [`IdTokenClaims::to_json`] gave
    /// it); `None` for text that is not a JSON object.
    pub fn from_stored_json(json: String) -> Option<IdTokenClaims> {
        let claims = json::parse_object(&json, json::DEFAULT_MAX_LEN)?;
        Some(IdTokenClaims { claims, json })
    }

    /// The payload's JSON object text, as signed.
    pub fn to_json(&self) -> &str {
        &self.json
    }
}

impl core::fmt::Debug for IdTokenClaims {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("IdTokenClaims")
            .field("sub", &self.sub())
            .finish_non_exhaustive()
    }
}

/// The largest NumericDate accepted, in seconds: the year 9999 (253402300799). A later time
/// is refused as malformed rather than read as "never expires".
pub const MAX_NUMERIC_DATE_S: u64 = 253_402_300_799;

/// A NumericDate (RFC 7519 §2) in milliseconds: a non-negative JSON number of seconds, a
/// fraction allowed, read exactly (no float), at most [`MAX_NUMERIC_DATE_S`]. A string, a
/// negative number (`-0` too), or a larger one is refused.
pub fn numeric_date_ms(claims: &Object, name: &str) -> Result<Option<u64>, IdTokenError> {
    match claims.get(name) {
        None => Ok(None),
        Some(Value::Number(n)) => match n.scaled_u64(3) {
            Some(ms) if ms / 1000 <= MAX_NUMERIC_DATE_S => Ok(Some(ms)),
            _ => Err(IdTokenError::Malformed(
                "a time claim is not a valid NumericDate",
            )),
        },
        Some(_) => Err(IdTokenError::Malformed("a time claim is not a number")),
    }
}

/// The claim checks of OIDC Core §3.1.3.7 on a payload (`claims`, read from the JSON text
/// `json`) whose signature has verified.
pub fn validate_claims(
    claims: Object,
    json: String,
    check: &IdTokenCheck<'_>,
) -> Result<IdTokenClaims, IdTokenError> {
    let tolerance_ms = check.tolerance_s.saturating_mul(1000);
    let now = check.now_ms;

    // §2: `sub` is REQUIRED, a non-empty string.
    match claims.get("sub") {
        Some(Value::String(s)) if !s.is_empty() => {}
        _ => return Err(IdTokenError::Malformed("sub is missing")),
    }

    // Step 2: the Issuer Identifier MUST exactly match the value of the `iss` claim.
    if claims.get("iss").and_then(Value::as_str) != Some(check.issuer) {
        return Err(IdTokenError::IssMismatch);
    }

    // Step 3: `aud` MUST contain the client_id (a string, or an array of strings).
    const AUD_TYPE: IdTokenError =
        IdTokenError::Malformed("aud is not a string or an array of strings");
    let (audiences, ours) = match claims.get("aud") {
        Some(Value::String(a)) => (1, a == check.client_id),
        Some(Value::Array(list)) => {
            let mut ours = false;
            for a in list {
                ours |= a.as_str().ok_or(AUD_TYPE)? == check.client_id;
            }
            (list.len(), ours)
        }
        None => return Err(IdTokenError::AudMismatch),
        Some(_) => return Err(AUD_TYPE),
    };
    if !ours {
        return Err(IdTokenError::AudMismatch);
    }

    // Steps 4 and 5: with several audiences `azp` must be present, and when present it must
    // be this client (so a token issued to another party that merely lists us is refused).
    match claims.get("azp") {
        None if audiences > 1 => return Err(IdTokenError::AzpMismatch),
        None => {}
        Some(Value::String(azp)) if azp == check.client_id => {}
        Some(Value::String(_)) => return Err(IdTokenError::AzpMismatch),
        Some(_) => return Err(IdTokenError::Malformed("azp is not a string")),
    }

    // Steps 6, 7 and 8 (signature, algorithm, no MAC) happened before, in `verify_id_token`.

    // Step 9: the current time MUST be before `exp` (REQUIRED), allowing for clock skew.
    let exp = numeric_date_ms(&claims, "exp")?.ok_or(IdTokenError::Malformed("exp is missing"))?;
    if now >= exp.saturating_add(tolerance_ms) {
        return Err(IdTokenError::Expired);
    }

    // Step 10: `iat` (REQUIRED) must not lie in the future beyond the tolerance.
    let iat = numeric_date_ms(&claims, "iat")?.ok_or(IdTokenError::Malformed("iat is missing"))?;
    if iat > now.saturating_add(tolerance_ms) {
        return Err(IdTokenError::IatFuture);
    }
    // RFC 7519 §4.1.5: a token is not accepted before its `nbf`, when it has one.
    if let Some(nbf) = numeric_date_ms(&claims, "nbf")? {
        if nbf > now.saturating_add(tolerance_ms) {
            return Err(IdTokenError::NotYetValid);
        }
    }

    // Step 11: when a nonce was sent, the `nonce` claim MUST be present and equal to it.
    if let Some(sent) = check.nonce {
        match claims.get("nonce") {
            Some(Value::String(got))
                if constant_time_eq(got.as_bytes(), sent.secret().as_bytes()) => {}
            _ => return Err(IdTokenError::NonceMismatch),
        }
    }

    // Step 12 (`acr`) does not apply: no acr_values are requested.

    // Step 13: when max_age was requested, `auth_time` MUST be present and not too old. A
    // present one is a NumericDate either way (a refresh compares it with the login's).
    let auth_time = numeric_date_ms(&claims, "auth_time")?;
    if let Some(max_age) = check.max_age {
        let auth_time = auth_time.ok_or(IdTokenError::AuthTimeInvalid)?;
        let limit = auth_time
            .saturating_add(max_age.saturating_mul(1000))
            .saturating_add(tolerance_ms);
        if now > limit {
            return Err(IdTokenError::AuthTimeInvalid);
        }
    }

    Ok(IdTokenClaims { claims, json })
}
