//! Browser tests of the browser layer, with real WebCrypto, sessionStorage and fetch:
//! `wasm-pack test --headless --chrome` and `--firefox`.
#![cfg(target_arch = "wasm32")]

use js_sys::Reflect;
use pixie_auth::api::PkceClient;
use pixie_auth::browser::storage::SessionStore;
use pixie_auth::browser::{crypto, fetch, BrowserPlatform};
use pixie_auth::core::CodeChallenge;
use pixie_auth::core::HttpRequest;
use pixie_auth::core::LoginOptions;
use pixie_auth::core::RawConfig;
use pixie_auth::core::Store;
use pixie_auth::core::WebUrl as Url;
use pixie_auth::core::{Client, Platform};
use pixie_auth::core::{Error, JsErrorName};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen(inline_js = r#"
let saved;
export function block_session_storage() {
  saved = Object.getOwnPropertyDescriptor(window, "sessionStorage");
  Object.defineProperty(window, "sessionStorage", {
    configurable: true,
    get() { throw new DOMException("The operation is insecure.", "SecurityError"); },
  });
}
export function restore_session_storage() {
  if (saved) Object.defineProperty(window, "sessionStorage", saved);
}
export function config(clientId) {
  return {
    clientId,
    redirectUri: "http://127.0.0.1:8080/",
    authorizationEndpoint: "http://127.0.0.1:9000/auth",
    tokenEndpoint: "http://127.0.0.1:9/token",
    apiBase: "http://127.0.0.1:9/",
    scopes: ["profile"],
  };
}
"#)]
extern "C" {
    fn block_session_storage();
    fn restore_session_storage();
    fn config(client_id: &str) -> JsValue;
}

fn session_storage() -> web_sys::Storage {
    web_sys::window()
        .unwrap()
        .session_storage()
        .unwrap()
        .unwrap()
}

fn code_of(err: &JsValue) -> String {
    Reflect::get(err, &"code".into())
        .unwrap()
        .as_string()
        .unwrap_or_default()
}

fn core_client(client_id: &str) -> Client<BrowserPlatform> {
    let text = js_sys::JSON::stringify(&config(client_id)).unwrap();
    let value = pixie_auth::core::json::parse(&text.as_string().unwrap()).unwrap();
    let raw = RawConfig::from_json(&value).unwrap();
    let store = SessionStore::open().unwrap();
    Client::new(
        raw.validate().unwrap(),
        BrowserPlatform::default(),
        Box::new(store.clone()),
        Box::new(store),
    )
}

#[wasm_bindgen_test]
async fn rfc7636_vector_through_subtle_crypto() {
    let digest = crypto::sha256(b"dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk")
        .await
        .unwrap();
    let challenge = CodeChallenge::from_sha256_digest(&digest);
    assert_eq!(
        challenge.as_str(),
        "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
    );
}

#[wasm_bindgen_test]
fn get_random_values_fills_the_buffer() {
    let (mut a, mut b) = ([0u8; 32], [0u8; 32]);
    crypto::random_bytes(&mut a).unwrap();
    crypto::random_bytes(&mut b).unwrap();
    assert_ne!(a, [0u8; 32]);
    assert_ne!(a, b);
}

#[wasm_bindgen_test]
async fn login_url_stores_a_pending_login_with_a_real_challenge() {
    let client = core_client("t-pending");
    let url = client.start_login(LoginOptions::default()).await.unwrap();
    let raw = session_storage()
        .get_item("pixie:t-pending:pending")
        .unwrap()
        .unwrap();
    let pending: serde_json::Value = serde_json::from_str(&raw).unwrap();
    let verifier = pending["codeVerifier"].as_str().unwrap();
    assert_eq!(verifier.len(), 43);
    let expected =
        CodeChallenge::from_sha256_digest(&crypto::sha256(verifier.as_bytes()).await.unwrap());
    let challenge = url
        .query_pairs()
        .find(|(k, _)| k == "code_challenge")
        .unwrap()
        .1;
    assert_eq!(challenge, expected.as_str());
    assert!(
        !url.as_str().contains(verifier),
        "the verifier never goes in the URL"
    );
    client.logout();
    assert!(session_storage()
        .get_item("pixie:t-pending:pending")
        .unwrap()
        .is_none());
}

#[wasm_bindgen_test]
fn session_storage_round_trip() {
    let store = SessionStore::open().unwrap();
    store.set("pixie:test:k", "v").unwrap();
    assert_eq!(
        session_storage()
            .get_item("pixie:test:k")
            .unwrap()
            .as_deref(),
        Some("v")
    );
    assert_eq!(store.get("pixie:test:k").unwrap().as_deref(), Some("v"));
    store.remove("pixie:test:k").unwrap();
    assert_eq!(store.get("pixie:test:k").unwrap(), None);
}

#[wasm_bindgen_test]
async fn stale_pending_login_is_refused() {
    let client = core_client("t-expiry");
    let url = client.start_login(LoginOptions::default()).await.unwrap();
    let state = url
        .query_pairs()
        .find(|(k, _)| k == "state")
        .unwrap()
        .1
        .into_owned();
    // Age the stored record by 11 minutes, as if the user took that long on the login page.
    let key = "pixie:t-expiry:pending";
    let mut pending: serde_json::Value =
        serde_json::from_str(&session_storage().get_item(key).unwrap().unwrap()).unwrap();
    let aged = BrowserPlatform::default().now_ms() - 11 * 60 * 1000;
    pending["createdAt"] = aged.into();
    session_storage()
        .set_item(key, &pending.to_string())
        .unwrap();
    let cb = Url::parse(&format!("http://127.0.0.1:8080/?code=c&state={state}")).unwrap();
    let err = client.handle_callback(&cb).await.unwrap_err();
    assert_eq!(err.code(), "pending_login_expired");
    assert!(
        session_storage().get_item(key).unwrap().is_none(),
        "deleted whatever the outcome"
    );
}

#[wasm_bindgen_test]
async fn reload_picks_the_stored_session_up() {
    // What an earlier page load of this tab left behind.
    let expires = BrowserPlatform::default().now_ms() + 3_600_000;
    session_storage()
        .set_item(
            "pixie:t-reload:session",
            &format!(
                r#"{{"accessToken":"AT","expiresAt":{expires},"scope":"openid","refreshToken":"RT","issuedAt":1}}"#
            ),
        )
        .unwrap();
    let client = PkceClient::new(config("t-reload")).unwrap();
    assert_eq!(client.storage_mode(), "session");
    assert!(client.is_authenticated());
    let summary = client.get_session();
    assert_eq!(
        Reflect::get(&summary, &"expiresAt".into())
            .unwrap()
            .as_f64(),
        Some(expires as f64)
    );
    assert_eq!(
        Reflect::get(&summary, &"hasRefreshToken".into())
            .unwrap()
            .as_bool(),
        Some(true)
    );
    assert!(Reflect::get(&summary, &"accessToken".into())
        .unwrap()
        .is_undefined());
    let _ = client.logout(JsValue::UNDEFINED);
    assert!(!client.is_authenticated());
    assert!(session_storage()
        .get_item("pixie:t-reload:session")
        .unwrap()
        .is_none());
}

#[wasm_bindgen_test]
async fn bad_callback_rejects_with_a_coded_error_and_keeps_the_session() {
    let expires = BrowserPlatform::default().now_ms() + 3_600_000;
    let session = format!(r#"{{"accessToken":"AT","expiresAt":{expires},"issuedAt":1}}"#);
    session_storage()
        .set_item("pixie:t-bad:session", &session)
        .unwrap();
    let client = PkceClient::new(config("t-bad")).unwrap();
    JsFuture::from(client.login_url(JsValue::UNDEFINED))
        .await
        .unwrap();
    let cb = "http://127.0.0.1:8080/?code=c&state=forged".to_string();
    let err = JsFuture::from(client.handle_callback(Some(cb)))
        .await
        .unwrap_err();
    assert_eq!(code_of(&err), "state_mismatch");
    assert!(err.is_instance_of::<js_sys::Error>());
    let message = js_sys::Error::from(err).message().as_string().unwrap();
    assert!(message.contains("state"), "{message}");
    assert!(session_storage()
        .get_item("pixie:t-bad:pending")
        .unwrap()
        .is_none());
    assert!(
        client.is_authenticated(),
        "the earlier session survives a bad callback"
    );
    let _ = client.logout(JsValue::UNDEFINED);
}

#[wasm_bindgen_test]
async fn call_api_without_a_session_is_login_required() {
    let client = PkceClient::new(config("t-api")).unwrap();
    let err = JsFuture::from(client.call_api("/api/v2/users/me".into(), JsValue::UNDEFINED))
        .await
        .unwrap_err();
    assert_eq!(code_of(&err), "login_required");
    let err = JsFuture::from(client.call_api("https://evil.example/".into(), JsValue::UNDEFINED))
        .await
        .unwrap_err();
    assert_eq!(code_of(&err), "invalid_api_url");
}

#[wasm_bindgen_test]
async fn unreachable_server_is_a_network_error() {
    let url = Url::parse("http://127.0.0.1:9/token").unwrap();
    let request = HttpRequest::form_post(&url, &[("grant_type", "x")]);
    // fetch rejects with a TypeError: the name is kept (a refusal is not a time-out).
    let err = fetch::send(request).await.unwrap_err();
    assert_eq!(err, Error::Network(Some(JsErrorName::TypeError)));
    let js = pixie_auth::api::to_js_error(&err);
    assert_eq!(code_of(&js), "network_error");
    assert_eq!(
        Reflect::get(&js, &"jsErrorName".into())
            .unwrap()
            .as_string()
            .as_deref(),
        Some("TypeError")
    );
}

/// What a call threw (`unwrap_err()` would need a `Debug` of the value: `PkceClient` has
/// none, as it reaches the session).
fn thrown<T>(result: Result<T, JsValue>) -> JsValue {
    match result {
        Ok(_) => panic!("expected a thrown error"),
        Err(e) => e,
    }
}

#[wasm_bindgen_test]
fn invalid_config_throws_a_coded_error() {
    let err = thrown(PkceClient::new(JsValue::from_str("nope")));
    assert_eq!(code_of(&err), "invalid_config");
    let cfg = config("t-cfg");
    Reflect::set(
        &cfg,
        &"tokenEndpoint".into(),
        &"http://as.example/token".into(),
    )
    .unwrap();
    let err = thrown(PkceClient::new(cfg));
    assert_eq!(code_of(&err), "invalid_config");
    let message = js_sys::Error::from(err).message().as_string().unwrap();
    assert!(
        message.contains("tokenEndpoint") && message.contains("https"),
        "{message}"
    );
}

#[wasm_bindgen_test]
async fn blocked_session_storage_falls_back_to_memory() {
    block_session_storage();
    // The getter throws a SecurityError: its name is kept.
    assert_eq!(
        SessionStore::open().err(),
        Some(Error::StorageUnavailable(Some(JsErrorName::SecurityError)))
    );
    let client = PkceClient::new(config("t-blocked"));
    restore_session_storage();
    let client = client.unwrap();
    assert_eq!(client.storage_mode(), "memory-fallback");
    // Logins still start (the pending login lives in memory) and nothing panics.
    let url = JsFuture::from(client.login_url(JsValue::UNDEFINED))
        .await
        .unwrap();
    assert!(url
        .as_string()
        .unwrap()
        .contains("code_challenge_method=S256"));
    assert!(!client.is_authenticated());
    assert!(session_storage()
        .get_item("pixie:t-blocked:pending")
        .unwrap()
        .is_none());
}

#[wasm_bindgen(inline_js = r#"
export function look_alikes() {
  const named = (name, code) => Object.assign(new Error("x"), { name, code });
  const hostile = { name: "PixieAuthError" };
  Object.defineProperty(hostile, "code", { get() { throw new Error("getter"); } });
  return [
    undefined, null, "PixieAuthError", 42, new Error("plain"), new TypeError("t"),
    named("PixieAuthError", undefined), named("PixieAuthError", 42),
    named("PixieAuthError", null), named("Error", "invalid_config"),
    { name: "pixieautherror", code: "invalid_config" }, hostile,
    new Proxy({}, { get() { throw new Error("trap"); } }),
  ];
}
export function look_alike_of_ours() {
  return { name: "PixieAuthError", code: "state_mismatch", message: "copied" };
}
"#)]
extern "C" {
    fn look_alikes() -> js_sys::Array;
    fn look_alike_of_ours() -> JsValue;
}

#[wasm_bindgen_test]
fn is_pixie_auth_error_accepts_our_errors_and_nothing_else() {
    use pixie_auth::api::is_pixie_auth_error;
    // What the library throws and rejects with.
    let thrown = thrown(PkceClient::new(JsValue::from_str("nope")));
    assert!(is_pixie_auth_error(&thrown));
    for error in [Error::Network(None), Error::NoRefreshToken] {
        assert!(is_pixie_auth_error(&pixie_auth::api::to_js_error(&error)));
    }
    // The check is by shape (the name and a string code), which a structured clone keeps.
    assert!(is_pixie_auth_error(&look_alike_of_ours()));
    for (i, value) in look_alikes().iter().enumerate() {
        assert!(!is_pixie_auth_error(&value), "look-alike #{i} was taken");
    }
}
