//! The checks behind the `callback` and `token` fuzz targets (`fuzz/fuzz_targets/`, nightly)
//! and the corpus replay in `cargo test` (stable); the list of every target is in
//! `src/core/fuzzing/mod.rs`. Not part of the API: hidden from the docs, and the release
//! `.wasm` never calls it. A check panics when the code under test is wrong.

use super::authorize::PendingLogin;
use super::callback::{
    clean_callback_url, is_callback, parse_callback, validate_callback, IssuerCheck,
    CALLBACK_PARAMS, IMPLICIT_PARAMS,
};
use super::token::{process_token_response, MAX_EXPIRES_IN_S, MAX_TOKEN_RESPONSE_LEN};
use crate::core::error::{CallbackError, Error, TokenError};
use crate::core::fuzzing::input::{check_error, FuzzBytes};
use crate::core::http::HttpResponse;
use crate::core::httpdate::{parse_http_date, parse_retry_after};
use crate::core::json::{self, Object, Value};
use crate::core::sanitize::sanitize;
use crate::core::secret::{CodeVerifier, Nonce, State};
use crate::core::WebUrl;

const SERVER: &str = "https://as.example";
const REDIRECT: &str = "https://app.example/cb";
const STATE: &str = "good-state";

fn pending() -> PendingLogin {
    PendingLogin {
        state: State::new(STATE),
        code_verifier: CodeVerifier::new("verifier-".repeat(5)),
        nonce: Some(Nonce::new("nonce-nonce-nonce")),
        redirect_uri: REDIRECT.into(),
        server: SERVER.into(),
        created_at: 1_000,
        return_to: None,
        max_age: None,
    }
}

/// The callback URL handling on arbitrary text (the first byte picks a prefix: none, the
/// redirect URI's query, its query after a good `state`, or its fragment):
///
/// - [`clean_callback_url`] keeps the origin, the path and every other query pair, drops the
///   fragment, is idempotent, and leaves nothing [`is_callback`] or [`parse_callback`] sees;
/// - [`parse_callback`] accepts only what [`is_callback`] flags, with each response
///   parameter at most once, no token parameter and no response parameter in the fragment;
/// - [`validate_callback`] against a pending login of this tab gives exactly the outcome the
///   rules give (binding, then `state`, then `iss`, then `error`, then a non-empty `code`),
///   the code it returns is the one in the URL, another server's client always gets
///   `server_mismatch`;
/// - no refusal's message depends on the code or the verifier: the same URL with another
///   code, against a login with another verifier, is refused in the same words.
pub fn check_callback(data: &[u8]) {
    let mut input = FuzzBytes::new(data);
    let mode = input.byte();
    let rest = input.rest_text();
    let text = match mode % 4 {
        0 => rest,
        1 => format!("{REDIRECT}?{rest}"),
        2 => format!("{REDIRECT}?state={STATE}&{rest}"),
        _ => format!("{REDIRECT}#{rest}"),
    };
    let Ok(url) = WebUrl::parse(&text) else {
        return;
    };
    let response_param = |k: &str| CALLBACK_PARAMS.contains(&k) || IMPLICIT_PARAMS.contains(&k);
    let pairs: Vec<(String, String)> = url.query_pairs().into_owned().collect();
    let fragment_pairs: Vec<(String, String)> =
        url::form_urlencoded::parse(url.fragment().unwrap_or("").as_bytes())
            .into_owned()
            .collect();
    let looks = is_callback(&url);

    // Cleaning.
    let clean = clean_callback_url(&url);
    assert!(clean.fragment().is_none(), "the clean URL has a fragment");
    assert!(
        clean.origin() == url.origin() && clean.path() == url.path(),
        "cleaning changed the origin or the path"
    );
    let kept: Vec<(String, String)> = clean.query_pairs().into_owned().collect();
    let expected: Vec<(String, String)> = pairs
        .iter()
        .filter(|(k, _)| !response_param(k))
        .cloned()
        .collect();
    assert!(kept == expected, "cleaning changed the other query pairs");
    assert!(
        !is_callback(&clean),
        "the clean URL still looks like a callback"
    );
    assert!(
        clean_callback_url(&clean) == clean,
        "cleaning is not idempotent"
    );
    assert!(
        matches!(parse_callback(&clean), Err(CallbackError::NotACallback)),
        "the clean URL parses as a callback"
    );

    // Parsing.
    let count = |name: &str| pairs.iter().filter(|(k, _)| k == name).count();
    let value = |name: &str| {
        pairs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    let code = value("code").unwrap_or("");
    let refusal = |e: CallbackError| {
        check_error(&Error::from(e));
    };
    let issuer = match (mode >> 2) % 3 {
        0 => None,
        n => Some(IssuerCheck {
            issuer: SERVER,
            required: n == 2,
        }),
    };
    match parse_callback(&url) {
        Err(e) => {
            if let CallbackError::DuplicateParameter(name) = e {
                assert!(
                    count(name) > 1,
                    "a parameter given once was called repeated"
                );
            }
            refusal(e);
            secrets_do_not_show(&url, &pairs, issuer);
            return;
        }
        Ok(_) => {
            assert!(
                looks,
                "parse_callback accepted what is_callback does not flag"
            );
            for name in ["code", "state", "error", "error_description", "iss"] {
                assert!(count(name) <= 1, "a repeated {name} was accepted");
            }
            assert!(
                !pairs
                    .iter()
                    .any(|(k, _)| IMPLICIT_PARAMS.contains(&k.as_str())),
                "a token in the query was accepted"
            );
            assert!(
                !fragment_pairs.iter().any(|(k, _)| response_param(k)),
                "a response parameter in the fragment was accepted"
            );
            assert!(
                value("code").is_some() || value("error").is_some(),
                "accepted without code or error"
            );
        }
    }
    let params = || parse_callback(&url).unwrap_or_else(|_| unreachable!());
    let p = pending();

    // Another server's client, and no pending login.
    assert!(
        validate_callback(params(), Some(&p), "https://other.example", 2_000, None).err()
            == Some(CallbackError::ServerMismatch),
        "another server's client took the callback"
    );
    assert!(
        validate_callback(params(), None, SERVER, 2_000, None).err()
            == Some(CallbackError::MissingPendingLogin),
        "validated without a pending login"
    );

    // The rules, in order.
    let mut at = String::from(url.origin());
    at.push_str(url.path());
    let expected = if at != REDIRECT {
        Err(CallbackError::RedirectUriMismatch)
    } else if value("state") != Some(STATE) {
        Err(CallbackError::StateMismatch)
    } else if issuer.is_some_and(|check| match value("iss") {
        Some(iss) => iss != check.issuer,
        None => check.required,
    }) {
        Err(CallbackError::IssuerMismatch)
    } else if let Some(error) = value("error") {
        Err(CallbackError::Authorization {
            error: sanitize(error, 64),
            description: value("error_description").map(|d| sanitize(d, 300)),
        })
    } else if code.is_empty() {
        Err(CallbackError::MissingCode)
    } else {
        Ok(code)
    };
    match validate_callback(params(), Some(&p), SERVER, 2_000, issuer) {
        Ok(v) => {
            assert!(
                expected == Ok(v.code().secret()),
                "validated a callback the rules refuse, or with another code"
            );
            assert!(
                v.iss() == value("iss"),
                "the validated iss is not the URL's"
            );
        }
        Err(e) => {
            assert!(
                expected.as_ref().err() == Some(&e),
                "refused for the wrong reason"
            );
            refusal(e);
        }
    }

    secrets_do_not_show(&url, &pairs, issuer);
}

/// No secret in a message: the same callback URL with every code replaced (an empty one kept
/// empty), against a pending login with another verifier, is refused in the same words.
fn secrets_do_not_show(url: &WebUrl, pairs: &[(String, String)], issuer: Option<IssuerCheck<'_>>) {
    let mut marked = String::from(url.origin());
    marked.push_str(url.path());
    if url.query().is_some() {
        let mut query = url::form_urlencoded::Serializer::new(String::new());
        for (k, v) in pairs {
            let v = if k == "code" && !v.is_empty() {
                "marker-code"
            } else {
                v
            };
            query.append_pair(k, v);
        }
        marked.push('?');
        marked.push_str(&query.finish());
    }
    if let Some(f) = url.fragment() {
        marked.push('#');
        marked.push_str(f);
    }
    let marked = WebUrl::parse(&marked).expect("the marked callback URL does not parse");
    let mut other = pending();
    other.code_verifier = CodeVerifier::new("another-verifier-".repeat(3));
    let message = |url: &WebUrl, p: &PendingLogin| {
        parse_callback(url)
            .and_then(|params| validate_callback(params, Some(p), SERVER, 2_000, issuer))
            .err()
            .map(|e| Error::from(e).message())
    };
    assert!(
        message(url, &pending()) == message(&marked, &other),
        "a refusal's message depends on the authorization code or the verifier"
    );
}

/// `object` with each string member named in `keys` replaced by `mark` of it (an empty
/// string kept empty), as JSON text: the same document with other secrets.
pub(crate) fn with_secrets_replaced(
    object: &Object,
    keys: &[&str],
    mark: &dyn Fn(&str) -> String,
) -> String {
    let mut copy = object.clone();
    for key in keys {
        if let Some(Value::String(s)) = object.get(key) {
            if !s.is_empty() {
                copy.insert((*key).to_string(), Value::String(mark(s)));
            }
        }
    }
    Value::Object(copy).to_json()
}

/// The token endpoint response on arbitrary input (the first byte picks the status and
/// whether a `Date`, a `Retry-After` and the browser's clock follow, each up to a line feed;
/// the rest is the body):
///
/// - success needs status 200 and a JSON object with a non-empty `access_token` and a Bearer
///   `token_type`; every value returned is the body's (`expires_in` clamped to
///   [`MAX_EXPIRES_IN_S`]), the server's date is the `Date` header's;
/// - a refusal of another status is an OAuth error (its sanitized `error`) or an HTTP status
///   error, with that status and the `Retry-After` wait; a refusal of a 200 is
///   `invalid_response`;
/// - no refusal's message depends on a token: the same document with other tokens is
///   refused in the same words.
pub fn check_token_response(data: &[u8]) {
    let mut input = FuzzBytes::new(data);
    let selector = input.byte();
    let status = [200, 200, 200, 200, 400, 401, 429, 503][usize::from(selector % 8)];
    let mut headers = Vec::new();
    if selector & 8 != 0 {
        headers.push(("date".to_string(), input.text_until(b'\n')));
    }
    if selector & 16 != 0 {
        headers.push(("Retry-After".to_string(), input.text_until(b'\n')));
    }
    let now = if selector & 32 != 0 {
        input.u64()
    } else {
        1_800_000_000_000
    };
    let response = HttpResponse {
        status,
        headers,
        body: input.rest_text(),
    };
    let doc = json::parse_limited(&response.body, MAX_TOKEN_RESPONSE_LEN)
        .ok()
        .and_then(Value::into_object);
    let field = |key: &str| {
        doc.as_ref()
            .and_then(|d| d.get(key))
            .and_then(Value::as_str)
            .map(str::to_string)
    };
    let retry_after = response
        .header("retry-after")
        .and_then(|v| parse_retry_after(v, now));
    match process_token_response(&response, now) {
        Ok(t) => {
            assert!(status == 200, "accepted a {status} response");
            assert!(
                field("access_token").as_deref() == Some(t.access_token.secret())
                    && !t.access_token.secret().is_empty(),
                "the access token is not the body's"
            );
            assert!(
                field("token_type").is_some_and(|t| t.eq_ignore_ascii_case("bearer")),
                "accepted a token_type other than Bearer"
            );
            assert!(
                t.expires_in.is_none_or(|s| s <= MAX_EXPIRES_IN_S),
                "expires_in is not clamped"
            );
            let given = doc.as_ref().and_then(|d| d.get("expires_in"));
            if let Some(n) = given.and_then(Value::as_u64) {
                assert!(
                    t.expires_in == Some(n.min(MAX_EXPIRES_IN_S)),
                    "expires_in is not the body's"
                );
            }
            if given.is_none_or(Value::is_null) {
                assert!(t.expires_in.is_none(), "an expires_in out of nowhere");
            }
            assert!(
                t.refresh_token.as_ref().map(|r| r.secret().to_string()) == field("refresh_token"),
                "the refresh token is not the body's"
            );
            assert!(
                t.id_token.as_ref().map(|r| r.secret().to_string()) == field("id_token"),
                "the ID token is not the body's"
            );
            assert!(t.scope == field("scope"), "the scope is not the body's");
            assert!(
                t.server_date_ms == response.header("date").and_then(parse_http_date),
                "the server date is not the Date header's"
            );
        }
        Err(e) => {
            match &e {
                TokenError::OAuth {
                    error,
                    status: s,
                    retry_after: r,
                } => {
                    assert!(*s == status && status != 200, "an OAuth error of a 200");
                    assert!(
                        field("error").map(|e| sanitize(&e, 64)).as_ref() == Some(error),
                        "the OAuth error is not the body's, sanitized"
                    );
                    assert!(*r == retry_after, "the wait is not Retry-After's");
                }
                TokenError::HttpStatus {
                    status: s,
                    retry_after: r,
                } => {
                    assert!(
                        *s == status && status != 200,
                        "an HTTP status error of a 200"
                    );
                    assert!(*r == retry_after, "the wait is not Retry-After's");
                }
                TokenError::InvalidResponse(_) => {
                    assert!(status == 200, "a {status} refused as invalid_response")
                }
            }
            for wrapped in [Error::TokenExchange(e.clone()), Error::Refresh(e.clone())] {
                check_error(&wrapped);
            }
            // No token in a message: the same document with other tokens is refused in the
            // same words.
            if let Some(doc) = &doc {
                let marked = HttpResponse {
                    body: with_secrets_replaced(
                        doc,
                        &["access_token", "refresh_token", "id_token"],
                        &|_| "marker-token".into(),
                    ),
                    ..response.clone()
                };
                let again = process_token_response(&marked, now).err();
                assert!(
                    again.map(|a| Error::Refresh(a).message()) == Some(Error::Refresh(e).message()),
                    "a refusal's message depends on a token"
                );
            }
        }
    }
}
