//! The UserInfo endpoint ([OpenID Connect Core 1.0 §5.3]): a GET with the access token as a
//! Bearer token (RFC 6750 §2.1), answered with the user's claims as JSON.
//!
//! §5.3.2: "The sub Claim in the UserInfo Response MUST be verified to exactly match the sub
//! Claim in the ID Token; if they do not match, the UserInfo Response values MUST NOT be used."
//! Signed or encrypted (`application/jwt`) responses are not supported and are refused.
//!
//! [OpenID Connect Core 1.0 §5.3]: https://openid.net/specs/openid-connect-core-1_0.html#UserInfo

use crate::core::WebUrl;

use crate::core::error::{Error, UserInfoError};
use crate::core::http::{HttpRequest, HttpResponse};
use crate::core::json::{self, Object, Value};
use crate::core::secret::AccessToken;

/// The UserInfo request (§5.3.1): `GET` with `Authorization: Bearer <access token>`.
pub fn userinfo_request(endpoint: &WebUrl, access_token: &AccessToken) -> HttpRequest {
    let bearer = access_token.bearer_header();
    HttpRequest::get_json(endpoint, Some(bearer))
}

/// The largest UserInfo response read, in bytes (64 KiB); a larger body is refused before
/// parsing.
pub const MAX_USERINFO_LEN: usize = 64 * 1024;

/// UserInfo claims whose `sub` is the ID token's, with the response's JSON text. Personal
/// data: `Debug` prints only the subject.
pub struct UserInfo {
    claims: Object,
    json: String,
}

impl UserInfo {
    /// The claims.
    pub fn claims(&self) -> &Object {
        &self.claims
    }

    /// The response's JSON object text.
    pub fn to_json(&self) -> &str {
        &self.json
    }
}

impl core::fmt::Debug for UserInfo {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("UserInfo")
            .field("sub", &self.claims.get("sub").and_then(Value::as_str))
            .finish_non_exhaustive()
    }
}

/// Validates a UserInfo response (§5.3.2, §5.3.3) for the user whose ID token had `sub`.
///
/// A 401 means the access token was refused (RFC 6750 §3.1): `login_required`. Other
/// failures are `userinfo_failed` (status) or `userinfo_invalid` (body); a different `sub` is
/// `userinfo_sub_mismatch`, and the claims are dropped.
pub fn process_userinfo_response(
    response: &HttpResponse,
    expected_sub: &str,
) -> Result<UserInfo, Error> {
    match response.status {
        200 => {}
        401 => {
            return Err(Error::LoginRequired(
                "the UserInfo endpoint refused the access token (401)",
            ))
        }
        status => return Err(UserInfoError::HttpStatus(status).into()),
    }
    let jwt = response.header("content-type").is_some_and(|t| {
        let jwt = b"application/jwt";
        t.trim_start()
            .as_bytes()
            .get(..jwt.len())
            .is_some_and(|prefix| prefix.eq_ignore_ascii_case(jwt))
    });
    if jwt {
        return Err(
            UserInfoError::Invalid("signed or encrypted responses are not supported").into(),
        );
    }
    let claims = json::parse_object(&response.body, MAX_USERINFO_LEN)
        .ok_or(UserInfoError::Invalid("the body is not a JSON object"))?;
    match claims.get("sub") {
        Some(Value::String(sub)) if sub == expected_sub => Ok(UserInfo {
            claims,
            json: response.body.clone(),
        }),
        Some(Value::String(_)) => Err(UserInfoError::SubMismatch.into()),
        _ => Err(UserInfoError::Invalid("sub is missing").into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn response(status: u16, content_type: &str, body: &str) -> HttpResponse {
        HttpResponse {
            status,
            headers: vec![("content-type".into(), content_type.into())],
            body: body.into(),
        }
    }

    #[test]
    fn request_is_a_bearer_get() {
        let url = WebUrl::parse("https://as.example/me").unwrap();
        let r = userinfo_request(&url, &AccessToken::new("AT"));
        assert_eq!(r.method.as_str(), "GET");
        assert_eq!(r.url, "https://as.example/me");
        assert_eq!(r.header("authorization"), Some("Bearer AT"));
        assert!(r.body.is_none());
        assert!(!format!("{r:?}").contains("AT\""));
    }

    #[test]
    fn claims_for_the_same_subject() {
        let r = response(
            200,
            "application/json; charset=utf-8",
            r#"{"sub":"u1","email":"a@b"}"#,
        );
        let info = process_userinfo_response(&r, "u1").unwrap();
        assert_eq!(info.claims()["email"], "a@b");
        assert_eq!(info.to_json(), r#"{"sub":"u1","email":"a@b"}"#);
    }

    #[test]
    fn sub_must_match_the_id_token() {
        let r = response(
            200,
            "application/json",
            r#"{"sub":"someone-else","email":"x@y"}"#,
        );
        let e = process_userinfo_response(&r, "u1").unwrap_err();
        assert_eq!(e, Error::UserInfo(UserInfoError::SubMismatch));
        assert_eq!(e.code(), "userinfo_sub_mismatch");
        for body in [r#"{"email":"x@y"}"#, r#"{"sub":1}"#, "[]", "nope"] {
            let e = process_userinfo_response(&response(200, "application/json", body), "u1");
            assert_eq!(e.unwrap_err().code(), "userinfo_invalid", "{body}");
        }
    }

    #[test]
    fn failures() {
        let e = process_userinfo_response(&response(401, "", ""), "u1").unwrap_err();
        assert_eq!(e.code(), "login_required");
        let e = process_userinfo_response(&response(503, "", ""), "u1").unwrap_err();
        assert_eq!(e.code(), "userinfo_failed");
        assert_eq!(e.http_status(), Some(503));
        let e = process_userinfo_response(&response(200, "application/jwt", "a.b.c"), "u1");
        assert_eq!(e.unwrap_err().code(), "userinfo_invalid");
    }
}
