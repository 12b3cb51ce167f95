//! The guest token endpoint's request/process pair: [`guest_token_request`] builds the POST,
//! [`process_guest_token_response`] reads the answer into a [`GuestToken`] or a
//! [`GuestTokenError`].
//!
//! The browser does not trust what it reads from the token: without verification configured,
//! `exp` and `iat` only schedule the next request (the token comes over TLS from the site's
//! own endpoint, and the chat service is what checks it).

use crate::core::error::ConfigError;
use crate::core::guest::errors::GuestTokenError;
use crate::core::guest::options::GuestOptions;
use crate::core::http::{HttpRequest, HttpResponse, Method};
use crate::core::httpdate::{parse_http_date, parse_retry_after};
use crate::core::json::{self, Object, Value};
use crate::core::oidc::MAX_NUMERIC_DATE_S;
use crate::core::secret::GuestJwt;
use crate::core::session::{clock_offset_ms, to_browser_ms, unverified_jwt_payload, JwtTimes};

/// The largest guest token response read, in bytes; a larger one is refused unparsed.
pub const MAX_GUEST_RESPONSE_LEN: usize = 32 * 1024;

/// A guest token as received, with its times on the browser's clock. No `Debug`: it holds the
/// token.
#[derive(Clone, PartialEq, Eq)]
pub struct GuestToken {
    /// The token.
    pub jwt: GuestJwt,
    /// When it was issued (browser clock, ms): its `iat` translated, else when it arrived.
    pub issued_at: u64,
    /// When it expires (browser clock, ms): its `exp` translated with the clock offset.
    pub expires_at: u64,
    /// The server's clock minus the browser's, in ms: from the `Date` header, else the
    /// token's `iat`; `None` when neither told.
    pub clock_offset_ms: Option<i64>,
    /// The server's time when it answered (ms since the epoch), to check the token's times on.
    pub server_now_ms: u64,
}

/// The POST to the guest token endpoint: `body` (the app's `body()` as JSON text; `None`
/// sends `{}`) must be a JSON object. With `current`, the token still held and unexpired, it
/// goes along as `Authorization: Bearer`, so the endpoint may keep the same guest (and
/// conversation) across refreshes. A request that carries a body never follows redirects.
pub fn guest_token_request(
    options: &GuestOptions,
    body: Option<String>,
    current: Option<&GuestJwt>,
) -> Result<HttpRequest, ConfigError> {
    let body = body.unwrap_or_else(|| "{}".into());
    if json::parse_object(&body, json::DEFAULT_MAX_LEN).is_none() {
        return Err(ConfigError::Invalid {
            field: "body",
            reason: "must return an object (or nothing)".into(),
        });
    }
    let mut headers = vec![
        ("Content-Type", "application/json".into()),
        ("Accept", "application/json".into()),
    ];
    if let Some(jwt) = current {
        let mut bearer = String::from("Bearer ");
        bearer.push_str(jwt.secret());
        headers.push(("Authorization", bearer));
    }
    Ok(HttpRequest {
        method: Method::Post,
        url: options.endpoint.clone(),
        headers,
        body: Some(body),
        credentials: options.credentials,
    })
}

fn invalid(why: &'static str) -> GuestTokenError {
    GuestTokenError::Invalid(why)
}

/// A time claim in whole seconds: absent is `None`; anything but a JSON integer from 0 to
/// [`MAX_NUMERIC_DATE_S`] (a fraction, an exponent, a string, `1e300`, a negative number) is
/// refused.
fn whole_seconds(claims: &Object, name: &str) -> Result<Option<u64>, GuestTokenError> {
    match claims.get(name) {
        None => Ok(None),
        Some(v) => match v.as_u64() {
            Some(s) if s <= MAX_NUMERIC_DATE_S => Ok(Some(s)),
            _ => Err(invalid(
                "its exp or iat is not a whole number of seconds since 1970",
            )),
        },
    }
}

/// Reads a guest token endpoint's answer, received at `now_ms` (browser clock).
///
/// - 2xx: a JSON object (at most [`MAX_GUEST_RESPONSE_LEN`] bytes) with a non-empty string
///   `accessToken` (or `access_token`) that is a JWT whose payload has an integer `exp` after
///   the server's time (its `Date` header, else the token's `iat`, else the browser's clock),
///   and, when present, an integer `iat` not after `exp`;
/// - 429: [`GuestTokenError::RateLimited`]; any other status: [`GuestTokenError::Failed`].
///   Both with the server's wait: `Retry-After` in seconds or as an HTTP date (counted from
///   the response's `Date`, not the browser's clock), else the JSON body's `retryAfter`.
pub fn process_guest_token_response(
    response: &HttpResponse,
    now_ms: u64,
) -> Result<GuestToken, GuestTokenError> {
    let date = response.header("date").and_then(parse_http_date);
    let body = json::parse_object(&response.body, MAX_GUEST_RESPONSE_LEN);
    if !(200..300).contains(&response.status) {
        let retry_after = response
            .header("retry-after")
            .and_then(|v| parse_retry_after(v, date.unwrap_or(now_ms)))
            .or_else(|| body.as_ref()?.get("retryAfter")?.as_u64());
        return Err(match response.status {
            429 => GuestTokenError::RateLimited { retry_after },
            status => GuestTokenError::Failed {
                status,
                retry_after,
            },
        });
    }
    let body = body.ok_or(invalid("the body is not a JSON object"))?;
    let jwt = match body.get("accessToken").or_else(|| body.get("access_token")) {
        Some(Value::String(t)) if !t.is_empty() => t,
        Some(_) => return Err(invalid("accessToken is not a non-empty string")),
        None => return Err(invalid("the body has no accessToken")),
    };
    let claims =
        unverified_jwt_payload(jwt).ok_or(invalid("it is not a JWT, so its exp cannot be read"))?;
    let exp = whole_seconds(&claims, "exp")?.ok_or(invalid("it has no exp"))?;
    let iat = whole_seconds(&claims, "iat")?;
    if iat.is_some_and(|iat| iat > exp) {
        return Err(invalid("its iat is after its exp"));
    }
    let times = JwtTimes {
        iat,
        exp: Some(exp),
    };
    let offset = clock_offset_ms(date, Some(&times), None, now_ms);
    let server_now_ms = now_ms.saturating_add_signed(offset.unwrap_or(0));
    if exp * 1000 <= server_now_ms {
        return Err(invalid("its exp is already past"));
    }
    Ok(GuestToken {
        jwt: GuestJwt::new(jwt.as_str()),
        issued_at: iat.map_or(now_ms, |s| to_browser_ms(s * 1000, offset).min(now_ms)),
        expires_at: to_browser_ms(exp * 1000, offset),
        clock_offset_ms: offset,
        server_now_ms,
    })
}
