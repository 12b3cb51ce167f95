//! The checks behind the `jwt`, `jwks` and `discovery` fuzz targets (`fuzz/fuzz_targets/`,
//! nightly) and the corpus replay in `cargo test` (stable); the list of every target is in
//! `src/core/fuzzing/mod.rs`. Not part of the API: hidden from the docs, and the release
//! `.wasm` never calls it. A check panics when the code under test is wrong.

use super::discovery::{process_discovery_response, MAX_DISCOVERY_LEN};
use super::jwks::{process_jwks_response, Jwk, MAX_JWKS_LEN, MIN_RSA_BITS};
use super::jwt::{parse_compact, AlgFamily, JwsAlg, JwsHeader, MAX_JWS_PART_LEN};
use crate::core::b64::{decode_url, encode_url};
use crate::core::error::{Error, IdTokenError};
use crate::core::fuzzing::input::{check_error, FuzzBytes};
use crate::core::http::HttpResponse;
use crate::core::json::{self, Value};
use crate::core::oauth::{parse_endpoint, RawConfig};
use crate::core::WebUrl;

/// Compact JWS parsing on arbitrary input: as text (first byte even), or as a header, a
/// payload and a signature separated by NUL bytes that the check encodes itself (odd), so
/// the header rules are reached:
///
/// - what is accepted is three canonical base64url parts (each re-encodes to itself, so no
///   two spellings of one token), the signing input is the first two, the header's `alg` is
///   on the allow-list and its `kid` is the header's, the payload text parses to the claims;
/// - for a token the check built, it is accepted exactly when the header is a JSON object
///   with an allowed `alg`, no `crit` and a string (or no) `kid`, and the payload is a UTF-8
///   JSON object, both within [`MAX_JWS_PART_LEN`], and the signature is not empty;
/// - a refusal is a typed error with a clean message.
pub fn check_jws(data: &[u8]) {
    let mut input = FuzzBytes::new(data);
    let built = input.byte() % 2 == 1;
    let (token, expected) = if built {
        let header = input.bytes_until(0);
        let payload = input.bytes_until(0);
        let signature = input.rest();
        let token = [header, payload, signature].map(encode_url).join(".");
        (token, Some(well_formed(header, payload, signature)))
    } else {
        (input.rest_text(), None)
    };
    match parse_compact(&token) {
        Ok(jws) => {
            assert!(expected != Some(false), "accepted a token the rules refuse");
            let parts: Vec<&str> = token.split('.').collect();
            assert!(
                parts.len() == 3,
                "accepted a token of {} parts",
                parts.len()
            );
            assert!(
                jws.signing_input() == &token.as_bytes()[..parts[0].len() + 1 + parts[1].len()],
                "the signing input is not the first two parts"
            );
            assert!(
                encode_url(jws.signature()) == parts[2],
                "the signature part is not canonical base64url"
            );
            let header = decode_url(parts[0]).expect("an accepted header is base64url");
            assert!(
                encode_url(&header) == parts[0],
                "a non-canonical header part"
            );
            let header = json::parse_bytes(&header, usize::MAX)
                .ok()
                .and_then(Value::into_object)
                .expect("an accepted header is a JSON object");
            assert!(
                header.get("alg").and_then(Value::as_str) == Some(jws.header.alg.name()),
                "the algorithm is not the header's"
            );
            assert!(
                JwsAlg::from_name(jws.header.alg.name()) == Some(jws.header.alg),
                "an algorithm off the allow-list"
            );
            assert!(header.get("crit").is_none(), "accepted crit");
            assert!(
                jws.header.kid.as_deref() == header.get("kid").and_then(Value::as_str),
                "the kid is not the header's"
            );
            let (claims, text) = jws.into_unverified_claims();
            assert!(
                encode_url(text.as_bytes()) == parts[1],
                "the payload text is not the payload part"
            );
            assert!(
                json::parse(&text).ok() == Some(Value::Object(claims)),
                "the claims are not the payload's"
            );
        }
        Err(e) => {
            assert!(expected != Some(true), "refused a well-formed token: {e:?}");
            check_error(&Error::IdToken(e));
        }
    }
}

/// Whether a token built from these decoded parts must be accepted by [`parse_compact`].
fn well_formed(header: &[u8], payload: &[u8], signature: &[u8]) -> bool {
    let object = |bytes: &[u8]| {
        (bytes.len() <= MAX_JWS_PART_LEN)
            .then(|| json::parse_bytes(bytes, usize::MAX).ok())
            .flatten()
            .and_then(Value::into_object)
    };
    let Some(h) = object(header) else {
        return false;
    };
    let alg_ok = h
        .get("alg")
        .and_then(Value::as_str)
        .is_some_and(|a| JwsAlg::from_name(a).is_some());
    let kid_ok = matches!(h.get("kid"), None | Some(Value::Null | Value::String(_)));
    alg_ok
        && kid_ok
        && h.get("crit").is_none()
        && core::str::from_utf8(payload).is_ok()
        && object(payload).is_some()
        && !signature.is_empty()
}

/// The JWK Set on arbitrary input (first byte: bit 0 wraps the rest as the members of
/// `{"keys":[…]}`, bit 1 makes the status 404):
///
/// - a 200 whose body is an object with a `keys` array is accepted, anything else refused
///   with a typed error;
/// - the keys kept are the array's readable RSA and EC keys, in order;
/// - for every algorithm and every `kid` (each key's, none, an unknown one), [`JwkSet::select`]
///   returns the one fitting key, `unknown_kid` when none fits and `key_ambiguous` when two
///   do: never the first of several;
/// - [`Jwk::check_material`] never panics and passes only an RSA key of at least
///   [`MIN_RSA_BITS`] with an odd exponent of at least 3, or EC coordinates of the curve's
///   size.
///
/// [`JwkSet::select`]: super::JwkSet::select
pub fn check_jwks(data: &[u8]) {
    let mut input = FuzzBytes::new(data);
    let selector = input.byte();
    let rest = input.rest_text();
    let body = if selector & 1 == 1 {
        format!("{{\"keys\":[{rest}]}}")
    } else {
        rest
    };
    let status = if selector & 2 == 2 { 404 } else { 200 };
    let doc = json::parse_limited(&body, MAX_JWKS_LEN)
        .ok()
        .and_then(Value::into_object);
    let array = doc
        .as_ref()
        .and_then(|d| d.get("keys"))
        .and_then(Value::as_array);
    let response = HttpResponse {
        status,
        headers: vec![],
        body,
    };
    let set = match process_jwks_response(&response) {
        Err(e) => {
            assert!(
                status != 200 || array.is_none(),
                "refused a JWK Set with a keys array"
            );
            check_error(&Error::Jwks(e));
            return;
        }
        Ok(set) => set,
    };
    let array = array.expect("accepted a JWK Set without a keys array");
    assert!(status == 200, "accepted a {status}");
    let readable: Vec<Jwk> = array
        .iter()
        .filter_map(Jwk::from_json)
        .filter(|k| k.kty == "RSA" || k.kty == "EC")
        .collect();
    assert!(
        set.keys == readable,
        "the keys kept are not the readable ones"
    );

    let mut kids: Vec<Option<String>> = vec![None, Some("no-such-kid".into())];
    kids.extend(set.keys.iter().filter_map(|k| k.kid.clone()).map(Some));
    for alg in JwsAlg::ALL {
        for kid in &kids {
            let header = JwsHeader {
                alg,
                kid: kid.clone(),
            };
            let matches = |k: &Jwk| {
                k.fits(alg)
                    && kid
                        .as_deref()
                        .is_none_or(|kid| k.kid.as_deref() == Some(kid))
            };
            let fitting = set.keys.iter().filter(|k| matches(k)).count();
            match set.select(&header) {
                Ok(key) => assert!(
                    fitting == 1 && matches(key),
                    "selected a key that does not fit, or one of several"
                ),
                Err(IdTokenError::UnknownKid) => {
                    assert!(fitting == 0, "a fitting key was not found")
                }
                Err(IdTokenError::KeyAmbiguous) => {
                    assert!(fitting >= 2, "one fitting key called ambiguous")
                }
                Err(_) => panic!("select refused oddly"),
            }
        }
        for key in &set.keys {
            if key.fits(alg) {
                check_material(key, alg);
            }
        }
    }
}

fn check_material(key: &Jwk, alg: JwsAlg) {
    let field = |v: &Option<String>| v.as_deref().and_then(decode_url);
    match key.check_material(alg) {
        Err(e) => {
            check_error(&Error::Jwks(e));
        }
        Ok(()) => match alg.family() {
            AlgFamily::RsaPkcs1 | AlgFamily::RsaPss => {
                let n = field(&key.n).expect("passed an RSA key without n");
                let e = field(&key.e).expect("passed an RSA key without e");
                let n = &n[n.iter().position(|b| *b != 0).unwrap_or(n.len())..];
                let bits = n.len() * 8 - n.first().map_or(0, |b| b.leading_zeros() as usize);
                assert!(bits >= MIN_RSA_BITS, "passed a {bits}-bit RSA key");
                let e = &e[e.iter().position(|b| *b != 0).unwrap_or(e.len())..];
                assert!(
                    e.last().is_some_and(|b| b & 1 == 1) && (e.len() > 1 || e[0] >= 3),
                    "passed an RSA exponent that is even or below 3"
                );
            }
            AlgFamily::Ecdsa => {
                let size = if alg == JwsAlg::Es256 { 32 } else { 48 };
                assert!(
                    field(&key.x).is_some_and(|x| x.len() == size)
                        && field(&key.y).is_some_and(|y| y.len() == size),
                    "passed EC coordinates of the wrong size"
                );
            }
        },
    }
}

const ISSUER: &str = "https://as.example";

/// Discovery on arbitrary input (first byte: bit 0 wraps the rest as members after the right
/// `issuer`, bit 1 makes the status 500):
///
/// - what is accepted is a 200 whose `issuer` is exactly the configured one, whose
///   `code_challenge_methods_supported` (when listed) has `S256`, and whose endpoints are
///   the document's, each passing the configured-endpoint rule (https or loopback, no
///   fragment);
/// - the accepted metadata, with a valid app configuration, always makes a configuration
///   with those endpoints and the `iss` parameter flag;
/// - a refusal is a typed error with a clean message.
pub fn check_discovery(data: &[u8]) {
    let mut input = FuzzBytes::new(data);
    let selector = input.byte();
    let rest = input.rest_text();
    let body = if selector & 1 == 1 {
        format!("{{\"issuer\":\"{ISSUER}\",{rest}}}")
    } else {
        rest
    };
    let status = if selector & 2 == 2 { 500 } else { 200 };
    let doc = json::parse_limited(&body, MAX_DISCOVERY_LEN)
        .ok()
        .and_then(Value::into_object);
    let response = HttpResponse {
        status,
        headers: vec![],
        body,
    };
    let metadata = match process_discovery_response(&response, ISSUER) {
        Err(e) => {
            check_error(&Error::Discovery(e));
            return;
        }
        Ok(m) => m,
    };
    assert!(status == 200, "accepted a {status}");
    let doc = doc.expect("accepted a document that is not a JSON object");
    let text = |key: &str| doc.get(key).and_then(Value::as_str);
    assert!(
        metadata.issuer == ISSUER && text("issuer") == Some(ISSUER),
        "accepted another issuer"
    );
    if let Some(methods) = doc
        .get("code_challenge_methods_supported")
        .and_then(Value::as_array)
    {
        assert!(
            methods.iter().any(|m| m.as_str() == Some("S256")),
            "accepted a provider without S256"
        );
    }
    let check = |key: &'static str, url: Option<&WebUrl>| {
        assert!(
            url.map(WebUrl::as_str)
                == text(key)
                    .and_then(|t| parse_endpoint(key, t).ok())
                    .as_ref()
                    .map(WebUrl::as_str),
            "{key} is not the document's"
        );
        if let Some(url) = url {
            assert!(
                (url.is_https() || url.is_loopback()) && url.fragment().is_none(),
                "{key} breaks the endpoint rule"
            );
        }
    };
    check(
        "authorization_endpoint",
        Some(&metadata.authorization_endpoint),
    );
    check("token_endpoint", Some(&metadata.token_endpoint));
    check("jwks_uri", Some(&metadata.jwks_uri));
    check("userinfo_endpoint", metadata.userinfo_endpoint.as_ref());
    check(
        "end_session_endpoint",
        metadata.end_session_endpoint.as_ref(),
    );
    check("revocation_endpoint", metadata.revocation_endpoint.as_ref());
    assert!(
        metadata.authorization_response_iss_parameter_supported
            == (doc.get("authorization_response_iss_parameter_supported")
                == Some(&Value::Bool(true))),
        "the iss parameter flag is not the document's"
    );

    let raw = RawConfig {
        client_id: Some("app".into()),
        redirect_uri: Some("https://app.example/cb".into()),
        scopes: vec!["openid".into()],
        issuer: Some(ISSUER.into()),
        ..RawConfig::default()
    };
    let expected = metadata.clone();
    match raw.with_discovery(metadata) {
        Ok(config) => {
            assert!(
                config.token_endpoint == expected.token_endpoint
                    && config.authorization_endpoint == expected.authorization_endpoint
                    && config.jwks_uri.as_ref() == Some(&expected.jwks_uri)
                    && config.authorization_response_iss_parameter_supported
                        == expected.authorization_response_iss_parameter_supported,
                "the configuration is not the metadata's"
            );
        }
        Err(e) => panic!(
            "valid metadata and a valid app configuration made no configuration: {}",
            Error::from(e).message()
        ),
    }
}
