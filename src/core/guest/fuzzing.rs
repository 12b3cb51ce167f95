//! The checks behind the `guest` and `options` fuzz targets (`fuzz/fuzz_targets/`, nightly)
//! and the corpus replay in `cargo test` (stable); the list of every target is in
//! `src/core/fuzzing/mod.rs`. Not part of the API: hidden from the docs, and the release
//! `.wasm` never calls it. A check panics when the code under test is wrong.

use super::errors::GuestTokenError;
use super::options::{GuestOptions, GUEST_OPTION_KEYS};
use super::token::{process_guest_token_response, MAX_GUEST_RESPONSE_LEN};
use crate::core::b64::encode_url;
use crate::core::error::Error;
use crate::core::fuzzing::input::{check_error, FuzzBytes};
use crate::core::http::HttpResponse;
use crate::core::json::{self, Value};
use crate::core::oauth::fuzzing::with_secrets_replaced;
use crate::core::oauth::{LoginOptions, LogoutOptions, RawConfig, CONFIG_KEYS};
use crate::core::oidc::MAX_NUMERIC_DATE_S;
use crate::core::session::unverified_jwt_payload;

/// The guest token endpoint's answer on arbitrary input (first byte: the status, whether a
/// `Date` and a `Retry-After` follow, each up to a line feed, whether the browser's clock
/// follows as eight bytes, and whether the rest is the body or a JWT payload the check
/// wraps in a token and a body):
///
/// - what is accepted is a 2xx whose `accessToken` (or `access_token`) is the token returned,
///   a JWT with an integer `exp` up to [`MAX_NUMERIC_DATE_S`] after the server's time and
///   an `iat` (when given) not after it; it was issued no later than it arrived;
/// - a 429 is `rate_limited`, another non-2xx `failed` with its status;
/// - no refusal's message depends on the token: the same answer with another signature (or
///   another opaque token) is refused in the same words.
pub fn check_guest_token(data: &[u8]) {
    let mut input = FuzzBytes::new(data);
    let selector = input.byte();
    let status = [200, 200, 201, 200, 429, 500, 401, 200][usize::from(selector % 8)];
    let mut headers = Vec::new();
    if selector & 8 != 0 {
        headers.push(("date".to_string(), input.text_until(b'\n')));
    }
    if selector & 16 != 0 {
        headers.push(("retry-after".to_string(), input.text_until(b'\n')));
    }
    let now = if selector & 32 != 0 {
        input.u64()
    } else {
        1_800_000_000_000
    };
    let body = if selector & 64 != 0 {
        let payload = encode_url(input.rest());
        format!("{{\"accessToken\":\"eyJhbGciOiJSUzI1NiJ9.{payload}.c2ln\"}}")
    } else {
        input.rest_text()
    };
    let doc = json::parse_limited(&body, MAX_GUEST_RESPONSE_LEN)
        .ok()
        .and_then(Value::into_object);
    let token = doc
        .as_ref()
        .and_then(|d| d.get("accessToken").or_else(|| d.get("access_token")))
        .and_then(Value::as_str)
        .map(str::to_string);
    let response = HttpResponse {
        status,
        headers,
        body,
    };
    match process_guest_token_response(&response, now) {
        Ok(t) => {
            assert!((200..300).contains(&status), "accepted a {status}");
            assert!(
                token.as_deref() == Some(t.jwt.secret()),
                "the token is not the body's"
            );
            let claims = unverified_jwt_payload(t.jwt.secret()).expect("accepted a non-JWT");
            let exp = claims
                .get("exp")
                .and_then(Value::as_u64)
                .expect("no integer exp");
            assert!(exp <= MAX_NUMERIC_DATE_S, "an exp beyond the last date");
            assert!(exp * 1000 > t.server_now_ms, "accepted an expired token");
            if let Some(iat) = claims.get("iat") {
                let iat = iat.as_u64().expect("a non-integer iat");
                assert!(iat <= exp, "accepted iat after exp");
            }
            assert!(t.issued_at <= now, "issued after it arrived");
        }
        Err(e) => {
            match &e {
                GuestTokenError::RateLimited { .. } => {
                    assert!(status == 429, "a {status} called rate limited")
                }
                GuestTokenError::Failed { status: s, .. } => {
                    assert!(
                        *s == status && !(200..300).contains(s),
                        "failed with another status"
                    )
                }
                GuestTokenError::Invalid(_) => {
                    assert!((200..300).contains(&status), "a {status} called invalid")
                }
                #[allow(unreachable_patterns)]
                _ => {}
            }
            check_error(&Error::GuestToken(e.clone()));
            // No token in a message: the same answer with the token's signature replaced (or
            // a token that is not a JWT replaced by another) is refused in the same words.
            if let Some(doc) = &doc {
                let mark = |token: &str| match token.split('.').collect::<Vec<_>>()[..] {
                    [header, payload, _] => format!("{header}.{payload}.marker-signature"),
                    _ => "marker-opaque-token".into(),
                };
                let marked = HttpResponse {
                    body: with_secrets_replaced(doc, &["accessToken", "access_token"], &mark),
                    ..response.clone()
                };
                let again = process_guest_token_response(&marked, now).err();
                assert!(
                    again.map(|a| Error::GuestToken(a).message())
                        == Some(Error::GuestToken(e).message()),
                    "a refusal's message depends on the token"
                );
            }
        }
    }
}

/// The options objects an app passes, read from arbitrary JSON (first byte: which one, and
/// whether the rest is wrapped as members after a valid `clientId` and `redirectUri`):
///
/// - a key that is not the object's is refused, naming it (sanitized);
/// - every refusal is a typed `invalid_config` error in our own words, one clean line;
/// - a configuration that reads and validates has https (or loopback) endpoints.
pub fn check_options(data: &[u8]) {
    let mut input = FuzzBytes::new(data);
    let selector = input.byte();
    let rest = input.rest_text();
    let text = if selector & 4 != 0 {
        format!("{{\"clientId\":\"app\",\"redirectUri\":\"https://app.example/cb\",{rest}}}")
    } else {
        rest
    };
    let Ok(value) = json::parse(&text) else {
        return;
    };
    let known: &[&str] = match selector % 4 {
        0 => CONFIG_KEYS,
        1 => &["extraParams", "returnTo"],
        2 => &["redirect", "returnTo", "sendIdTokenHint"],
        _ => GUEST_OPTION_KEYS,
    };
    let unknown = value
        .as_object()
        .and_then(|o| o.iter().find(|(k, _)| !known.contains(&k.as_str())))
        .map(|(k, _)| k.clone());
    let result = match selector % 4 {
        0 => RawConfig::from_json(&value)
            .and_then(|raw| raw.validate())
            .map(|config| {
                for url in [&config.authorization_endpoint, &config.token_endpoint] {
                    assert!(
                        url.is_https() || url.is_loopback(),
                        "a configured endpoint that is neither https nor loopback"
                    );
                }
            }),
        1 => LoginOptions::from_json(&value).map(drop),
        2 => LogoutOptions::from_json(&value).map(drop),
        _ => GuestOptions::from_json(&value).map(drop),
    };
    match result {
        Ok(()) => assert!(unknown.is_none(), "an unknown key was accepted"),
        Err(e) => {
            let error = Error::Config(e);
            assert!(
                error.code() == "invalid_config",
                "options refused as {}",
                error.code()
            );
            let message = check_error(&error);
            if let Some(key) = unknown {
                let shown: String = crate::core::sanitize(&key, 40);
                assert!(
                    message.contains(&shown),
                    "the refusal of an unknown key does not name it"
                );
            }
        }
    }
}
