//! No `Debug` output of a public type ever holds a secret (verifier, state, nonce, code,
//! tokens): every public type that can hold one either has no `Debug` at all (checked at
//! compile time) or one that redacts it (printed here, with a marker in every secret).
#![cfg(not(target_arch = "wasm32"))]

use pixie_auth::core::json;
use pixie_auth::core::*;
use static_assertions::assert_not_impl_any;

/// Every secret below contains this marker; no `Debug` output may.
const MARK: &str = "SECRET-7f3a";

fn secret(kind: &str) -> String {
    format!("{kind}-{MARK}")
}

fn assert_clean(what: &str, printed: String) {
    assert!(!printed.contains(MARK), "{what} prints a secret: {printed}");
    assert!(!printed.is_empty(), "{what} printed nothing");
}

// Types that hold secrets and must have no `Debug` at all.
assert_not_impl_any!(Session: core::fmt::Debug);
assert_not_impl_any!(PendingLogin: core::fmt::Debug);
assert_not_impl_any!(TokenResponse: core::fmt::Debug);
assert_not_impl_any!(TabMessage: core::fmt::Debug);
assert_not_impl_any!(MessengerAuthCode: core::fmt::Debug);
assert_not_impl_any!(ValidatedCallback: core::fmt::Debug);
assert_not_impl_any!(CallbackParams: core::fmt::Debug);
assert_not_impl_any!(GuestToken: core::fmt::Debug);
assert_not_impl_any!(GuestEvent: core::fmt::Debug);

#[test]
fn secret_newtypes_redact() {
    assert_clean(
        "CodeVerifier",
        format!("{:?}", CodeVerifier::new(secret("v"))),
    );
    assert_clean("State", format!("{:?}", State::new(secret("s"))));
    assert_clean("Nonce", format!("{:?}", Nonce::new(secret("n"))));
    assert_clean(
        "AuthorizationCode",
        format!("{:?}", AuthorizationCode::new(secret("c"))),
    );
    assert_clean(
        "AccessToken",
        format!("{:?}", AccessToken::new(secret("a"))),
    );
    assert_clean(
        "RefreshToken",
        format!("{:?}", RefreshToken::new(secret("r"))),
    );
    assert_clean("IdToken", format!("{:?}", IdToken::new(secret("i"))));
    let printed = format!("{:?}", ChannelKey::new(secret("k")));
    assert_clean("ChannelKey", printed);
    assert_clean("GuestJwt", format!("{:?}", GuestJwt::new(secret("g"))));
}

#[test]
fn containers_of_secrets_redact() {
    let store = MemoryStore::default();
    store
        .set(
            "pixie:app:session",
            &format!(r#"{{"accessToken":"{}"}}"#, secret("a")),
        )
        .unwrap();
    let printed = format!("{store:?}");
    assert_clean("MemoryStore", printed.clone());
    assert!(
        printed.contains("pixie:app:session"),
        "keys are shown: {printed}"
    );

    let hint = WebUrl::parse("https://as.example/logout")
        .unwrap()
        .with_query_appended(&[("id_token_hint", &secret("i"))]);
    let outcome = LogoutOutcome {
        revocation: RevocationStatus::Failed,
        error: Some(Error::Network(None)),
        redirect_to: Some(hint),
    };
    assert_clean("LogoutOutcome", format!("{outcome:?}"));

    let endpoint = WebUrl::parse("https://as.example/token").unwrap();
    let request = HttpRequest::form_post(&endpoint, &[("refresh_token", &secret("r"))]);
    assert_clean("HttpRequest", format!("{request:?}"));
    let response = HttpResponse {
        status: 200,
        headers: vec![],
        body: format!(r#"{{"access_token":"{}"}}"#, secret("a")),
    };
    assert_clean("HttpResponse", format!("{response:?}"));
    let value = json::parse(&response.body).unwrap();
    assert_clean("json::Value", format!("{value:?}"));
}

#[test]
fn errors_and_claims_redact() {
    // A token endpoint that echoes the refresh token in its error body: the error keeps only
    // the sanitized OAuth code.
    let response = HttpResponse {
        status: 400,
        headers: vec![],
        body: format!(
            r#"{{"error":"invalid_grant","error_description":"{}"}}"#,
            secret("r")
        ),
    };
    let e = process_token_response(&response, 0).err().unwrap();
    assert_clean("TokenError", format!("{e:?} {e}"));
    let claims =
        IdTokenClaims::from_stored_json(format!(r#"{{"sub":"u","nonce":"{}"}}"#, secret("n")))
            .unwrap();
    assert_clean("IdTokenClaims", format!("{claims:?}"));
    let body = format!(r#"{{"sub":"u","secret_claim":"{}"}}"#, secret("x"));
    let info = process_userinfo_response(
        &HttpResponse {
            status: 200,
            headers: vec![],
            body,
        },
        "u",
    )
    .unwrap();
    assert_clean("UserInfo", format!("{info:?}"));
}
