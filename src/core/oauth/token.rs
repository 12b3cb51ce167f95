//! The token endpoint (RFC 6749 §3.2): the authorization-code exchange (§4.1.3, with the PKCE
//! `code_verifier` of RFC 7636 §4.5), the refresh request (§6), and the response (§5.1, §5.2).
//! Public client: `client_id` in the body, never a secret.

use super::callback::ValidatedCallback;
use super::config::Config;
use crate::core::error::TokenError;
use crate::core::http::{HttpRequest, HttpResponse};
use crate::core::httpdate::{parse_http_date, parse_retry_after};
use crate::core::json::{self, Object, Value};
use crate::core::sanitize::sanitize;
use crate::core::secret::{AccessToken, CodeVerifier, IdToken, RefreshToken};

/// Builds the authorization-code token request. It takes a [`ValidatedCallback`], so a code
/// that did not pass the state check cannot be exchanged.
pub fn code_exchange_request(
    config: &Config,
    callback: &ValidatedCallback,
    verifier: &CodeVerifier,
    redirect_uri: &str,
) -> HttpRequest {
    HttpRequest::form_post(
        &config.token_endpoint,
        &[
            ("grant_type", "authorization_code"),
            ("code", callback.code().secret()),
            ("redirect_uri", redirect_uri),
            ("client_id", &config.client_id),
            ("code_verifier", verifier.secret()),
        ],
    )
}

/// Builds the refresh request (RFC 6749 §6).
pub fn refresh_request(config: &Config, refresh_token: &RefreshToken) -> HttpRequest {
    HttpRequest::form_post(
        &config.token_endpoint,
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh_token.secret()),
            ("client_id", &config.client_id),
        ],
    )
}

/// A successful token response, validated. Holds tokens, so it has no `Debug`.
pub struct TokenResponse {
    /// The access token.
    pub access_token: AccessToken,
    /// The lifetime in seconds, when the server said.
    pub expires_in: Option<u64>,
    /// The granted scope, when the server said (RFC 6749 §5.1: omitted means as requested).
    pub scope: Option<String>,
    /// A refresh token, when issued.
    pub refresh_token: Option<RefreshToken>,
    /// An ID token, when issued (OIDC Core §3.1.3.3).
    pub id_token: Option<IdToken>,
    /// The server's clock at the response (from its `Date` header), in ms since the epoch.
    pub server_date_ms: Option<u64>,
}

/// The longest access-token lifetime believed, in seconds (a year): a larger `expires_in` is
/// clamped to it, so an absurd value cannot make a token "never expire".
pub const MAX_EXPIRES_IN_S: u64 = 365 * 24 * 3600;

/// The largest token response read, in bytes (64 KiB: tokens are a few KiB at most); a larger
/// body is refused before parsing.
pub const MAX_TOKEN_RESPONSE_LEN: usize = 64 * 1024;

fn opt_string(map: &Object, key: &str) -> Result<Option<String>, TokenError> {
    match map.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if !s.is_empty() => Ok(Some(s.clone())),
        Some(_) => Err(TokenError::InvalidResponse(match key {
            "refresh_token" => "refresh_token is not a non-empty string",
            "id_token" => "id_token is not a non-empty string",
            "scope" => "scope is not a string",
            _ => "a field has the wrong type",
        })),
    }
}

/// The `error` code of an error response's JSON object (RFC 6749 §5.2), sanitized to its
/// character set and 64 characters; `None` when there is none (or nothing is left of it).
#[inline(never)]
pub(crate) fn oauth_error_code(body: Option<&Object>) -> Option<String> {
    let error = sanitize(body?.get("error")?.as_str()?, 64);
    (!error.is_empty()).then_some(error)
}

/// `expires_in` (RFC 6749 §5.1, seconds): a non-negative integer, or a decimal whose fraction
/// is dropped, or a string of digits (some servers send one); clamped to [`MAX_EXPIRES_IN_S`].
/// A negative number, an exponent form (`1e300`), a number beyond `u64` or any other type is
/// refused.
fn expires_in(map: &Object) -> Result<Option<u64>, TokenError> {
    let seconds = match map.get("expires_in") {
        None | Some(Value::Null) => return Ok(None),
        Some(Value::Number(n)) if !n.as_str().bytes().any(|b| b | 0x20 == b'e') => n.scaled_u64(0),
        Some(Value::String(s)) if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) => {
            json::parse_u64(s)
        }
        Some(_) => None,
    };
    seconds
        .map(|s| Some(s.min(MAX_EXPIRES_IN_S)))
        .ok_or(TokenError::InvalidResponse(
            "expires_in is not a non-negative whole number of seconds",
        ))
}

/// Validates a token endpoint response (RFC 6749 §5.1 success, §5.2 error).
///
/// Success needs status 200, a JSON object (at most [`MAX_TOKEN_RESPONSE_LEN`] bytes), a
/// non-empty `access_token`, and `token_type` `Bearer` (case-insensitive, RFC 6749 §7.1,
/// RFC 6750). `expires_in`, when present, is read as [`expires_in`] says.
pub fn process_token_response(
    response: &HttpResponse,
    now_ms: u64,
) -> Result<TokenResponse, TokenError> {
    let retry_after = response
        .header("retry-after")
        .and_then(|v| parse_retry_after(v, now_ms));
    let json = json::parse_object(&response.body, MAX_TOKEN_RESPONSE_LEN);
    if response.status != 200 {
        let error = oauth_error_code(json.as_ref());
        return Err(match error {
            Some(error) => TokenError::OAuth {
                error,
                status: response.status,
                retry_after,
            },
            None => TokenError::HttpStatus {
                status: response.status,
                retry_after,
            },
        });
    }
    let mut map = json.ok_or(TokenError::InvalidResponse("the body is not a JSON object"))?;
    match map.get("token_type") {
        Some(Value::String(t)) if t.eq_ignore_ascii_case("bearer") => {}
        Some(Value::String(_)) => {
            return Err(TokenError::InvalidResponse("token_type is not Bearer"))
        }
        _ => return Err(TokenError::InvalidResponse("token_type is missing")),
    }
    let access_token = match map.remove("access_token") {
        Some(Value::String(s)) if !s.is_empty() => AccessToken::new(s),
        _ => return Err(TokenError::InvalidResponse("access_token is missing")),
    };
    Ok(TokenResponse {
        access_token,
        expires_in: expires_in(&map)?,
        scope: opt_string(&map, "scope")?,
        refresh_token: opt_string(&map, "refresh_token")?.map(RefreshToken::new),
        id_token: opt_string(&map, "id_token")?.map(IdToken::new),
        server_date_ms: response.header("date").and_then(parse_http_date),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::oauth::{parse_callback, validate_callback, PendingLogin, RawConfig};
    use crate::core::secret::State;

    fn ok(body: &str) -> HttpResponse {
        HttpResponse {
            status: 200,
            headers: vec![],
            body: body.into(),
        }
    }

    fn err(body: &str) -> TokenError {
        crate::core::testing::err(process_token_response(&ok(body), 0))
    }

    #[test]
    fn full_success_response() {
        let mut r = ok(
            r#"{"access_token":"at","token_type":"bearer","expires_in":3600,
            "scope":"openid users:readonly","refresh_token":"rt","id_token":"a.b.c"}"#,
        );
        r.headers
            .push(("date".into(), "Thu, 01 Jan 1970 00:01:00 GMT".into()));
        let t = process_token_response(&r, 0).unwrap();
        assert_eq!(t.access_token.secret(), "at");
        assert_eq!(t.expires_in, Some(3600));
        assert_eq!(t.scope.as_deref(), Some("openid users:readonly"));
        assert_eq!(t.refresh_token.unwrap().secret(), "rt");
        assert_eq!(t.id_token.unwrap().secret(), "a.b.c");
        assert_eq!(t.server_date_ms, Some(60_000));
    }

    #[test]
    fn minimal_and_lenient_forms() {
        let t = process_token_response(&ok(r#"{"access_token":"at","token_type":"Bearer"}"#), 0)
            .unwrap();
        assert_eq!(t.expires_in, None);
        assert!(t.refresh_token.is_none());
        let t = process_token_response(
            &ok(r#"{"access_token":"at","token_type":"BEARER","expires_in":"86399"}"#),
            0,
        )
        .unwrap();
        assert_eq!(t.expires_in, Some(86399));
    }

    #[test]
    fn invalid_success_bodies() {
        assert_eq!(
            err("not json"),
            TokenError::InvalidResponse("the body is not a JSON object")
        );
        assert_eq!(
            err("[1]"),
            TokenError::InvalidResponse("the body is not a JSON object")
        );
        assert_eq!(
            err(r#"{"token_type":"Bearer"}"#),
            TokenError::InvalidResponse("access_token is missing")
        );
        assert_eq!(
            err(r#"{"access_token":"","token_type":"Bearer"}"#),
            TokenError::InvalidResponse("access_token is missing")
        );
        assert_eq!(
            err(r#"{"access_token":5,"token_type":"Bearer"}"#),
            TokenError::InvalidResponse("access_token is missing")
        );
        assert_eq!(
            err(r#"{"access_token":"a"}"#),
            TokenError::InvalidResponse("token_type is missing")
        );
        assert_eq!(
            err(r#"{"access_token":"a","token_type":"mac"}"#),
            TokenError::InvalidResponse("token_type is not Bearer")
        );
        assert_eq!(
            err(r#"{"access_token":"a","token_type":"DPoP"}"#),
            TokenError::InvalidResponse("token_type is not Bearer")
        );
        assert!(matches!(
            err(r#"{"access_token":"a","token_type":"Bearer","expires_in":-1}"#),
            TokenError::InvalidResponse(_)
        ));
        assert!(matches!(
            err(r#"{"access_token":"a","token_type":"Bearer","expires_in":"soon"}"#),
            TokenError::InvalidResponse(_)
        ));
        assert!(matches!(
            err(r#"{"access_token":"a","token_type":"Bearer","refresh_token":7}"#),
            TokenError::InvalidResponse(_)
        ));
    }

    #[test]
    fn error_responses() {
        let r = HttpResponse {
            status: 400,
            headers: vec![],
            body: r#"{"error":"invalid_grant","error_description":"code abc123 was used"}"#.into(),
        };
        let e = crate::core::testing::err(process_token_response(&r, 0));
        assert_eq!(
            e,
            TokenError::OAuth {
                error: "invalid_grant".into(),
                status: 400,
                retry_after: None
            }
        );
        // The description (which may echo secrets) is not kept anywhere.
        assert!(!e.to_string().contains("abc123"));
        let r = HttpResponse {
            status: 503,
            headers: vec![("retry-after".into(), "5".into())],
            body: "<html>down</html>".into(),
        };
        assert_eq!(
            crate::core::testing::err(process_token_response(&r, 0)),
            TokenError::HttpStatus {
                status: 503,
                retry_after: Some(5)
            }
        );
        // A 200 is required: 201 with a token is still an error.
        let r = HttpResponse {
            status: 201,
            headers: vec![],
            body: r#"{"access_token":"a","token_type":"Bearer"}"#.into(),
        };
        assert!(matches!(
            process_token_response(&r, 0),
            Err(TokenError::HttpStatus { status: 201, .. })
        ));
    }

    #[test]
    fn requests_carry_no_secret_but_the_verifier() {
        let config = RawConfig {
            client_id: Some("cid".into()),
            redirect_uri: Some("https://app.example/cb".into()),
            authorization_endpoint: Some("https://as.example/a".into()),
            token_endpoint: Some("https://as.example/t".into()),
            ..Default::default()
        }
        .validate()
        .unwrap();
        let pending = PendingLogin {
            state: State::new("s"),
            code_verifier: CodeVerifier::new("ver".repeat(15)),
            nonce: None,
            redirect_uri: "https://app.example/cb".into(),
            server: "https://as.example".into(),
            created_at: 0,
            return_to: None,
            max_age: None,
        };
        let url =
            crate::core::WebUrl::parse("https://app.example/cb?code=the+code&state=s").unwrap();
        let cb = validate_callback(
            parse_callback(&url).unwrap(),
            Some(&pending),
            "https://as.example",
            1,
            None,
        )
        .unwrap();
        let req =
            code_exchange_request(&config, &cb, &pending.code_verifier, &pending.redirect_uri);
        assert_eq!(req.url, "https://as.example/t");
        assert_eq!(
            req.header("content-type"),
            Some("application/x-www-form-urlencoded")
        );
        let p = req.form_params();
        let want: Vec<(String, String)> = [
            ("grant_type", "authorization_code"),
            ("code", "the code"),
            ("redirect_uri", "https://app.example/cb"),
            ("client_id", "cid"),
            ("code_verifier", &"ver".repeat(15)),
        ]
        .iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect();
        assert_eq!(p, want);
        assert!(!format!("{req:?}").contains("the+code"));
        let r = refresh_request(&config, &RefreshToken::new("rt"));
        assert_eq!(
            r.form_params()[0],
            ("grant_type".into(), "refresh_token".into())
        );
        assert!(r.form_params().iter().all(|(k, _)| k != "client_secret"));
    }
}
