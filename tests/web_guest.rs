//! `GuestTokenSource` in real browsers, through its JavaScript face, against a fake guest token
//! endpoint (`window.fetch` replaced): the request (a POST of JSON, no cookies, the endpoint
//! resolved against the page, `body()` called per request), one request for concurrent
//! callers, memory only, event payloads without the token, options refused with their key,
//! the typed rejection with `status` and `retryAfter`.
//!
//! Run with `wasm-pack test --headless --chrome` (or `--firefox`).
#![cfg(target_arch = "wasm32")]

use js_sys::{Array, Function, Object, Promise, Reflect, JSON};
use pixie_auth::api::GuestTokenSource;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen(inline_js = r#"
const b64 = (o) => btoa(JSON.stringify(o)).replace(/=+$/, "").replace(/\+/g, "-").replace(/\//g, "_");
export function guest_jwt(lifetime_s) {
  const now = Math.floor(Date.now() / 1000);
  return `${b64({ alg: "RS256" })}.${b64({ iat: now, exp: now + lifetime_s, sub: "g" })}.c2ln`;
}
export function install_guest_endpoint(answers) {
  const state = { requests: [], answers, realFetch: globalThis.fetch };
  globalThis.fetch = async (input) => {
    const req = input instanceof Request ? input : new Request(input);
    state.requests.push({
      url: req.url, method: req.method, credentials: req.credentials, redirect: req.redirect,
      contentType: req.headers.get("content-type"), authorization: req.headers.get("authorization"),
      body: await req.text(),
    });
    const [status, headers, body] = state.answers.shift() ?? [500, {}, ""];
    return new Response(body, { status, headers });
  };
  return state;
}
export function requests(state) { return JSON.stringify(state.requests); }
export function restore(state) { globalThis.fetch = state.realFetch; }
export function recorder() {
  const seen = [];
  const fn = (value) => { seen.push(value); };
  fn.seen = seen;
  return fn;
}
export function seen(fn) { return JSON.stringify(fn.seen); }
export function counting_body(value) {
  const fn = () => { fn.calls += 1; return value; };
  fn.calls = 0;
  return fn;
}
export function calls(fn) { return fn.calls; }
export function storage_size() { return localStorage.length + sessionStorage.length; }
"#)]
extern "C" {
    fn guest_jwt(lifetime_s: u32) -> String;
    fn install_guest_endpoint(answers: &JsValue) -> JsValue;
    fn requests(state: &JsValue) -> String;
    fn restore(state: &JsValue);
    fn recorder() -> Function;
    fn seen(f: &Function) -> String;
    fn counting_body(value: &JsValue) -> Function;
    fn calls(f: &Function) -> u32;
    fn storage_size() -> u32;
}

fn json(text: &str) -> JsValue {
    JSON::parse(text).unwrap()
}

fn get(value: &JsValue, key: &str) -> JsValue {
    Reflect::get(value, &key.into()).unwrap()
}

fn options(pairs: &[(&str, JsValue)]) -> JsValue {
    let o = Object::new();
    for (k, v) in pairs {
        Reflect::set(&o, &(*k).into(), v).unwrap();
    }
    o.into()
}

/// An answer of the fake endpoint: `[status, headers, body]`.
fn answer(status: u16, headers: &str, body: &str) -> JsValue {
    Array::of3(&status.into(), &json(headers), &body.into()).into()
}

fn token_answer(token: &str) -> JsValue {
    let body = JSON::stringify(&options(&[("accessToken", token.into())])).unwrap();
    answer(
        200,
        r#"{"content-type":"application/json"}"#,
        &body.as_string().unwrap(),
    )
}

async fn settle(promise: Promise) -> Result<JsValue, JsValue> {
    JsFuture::from(promise).await
}

#[wasm_bindgen_test]
async fn one_post_of_json_without_cookies_for_every_waiting_caller_and_memory_only() {
    let token = guest_jwt(1800);
    let state = install_guest_endpoint(&Array::of1(&token_answer(&token)));
    let stored_before = storage_size();
    let body = counting_body(&json(
        r#"{"name":"Site Visitor","customAttributes":{"topic":"x"}}"#,
    ));
    let source = GuestTokenSource::new(options(&[
        ("endpoint", "/api/internal/guest-token".into()),
        ("body", body.clone().into()),
    ]))
    .unwrap();
    let on_token = recorder();
    let refreshed = recorder();
    source.on_token(on_token.clone().into()).unwrap();
    source
        .on("tokenRefreshed", refreshed.clone().into())
        .unwrap();
    let calls_at_once = [source.get_token(), source.get_token(), source.get_token()];
    for promise in calls_at_once {
        assert_eq!(settle(promise).await.unwrap(), token);
    }

    let sent = json(&requests(&state));
    let sent = Array::from(&sent);
    assert_eq!(
        sent.length(),
        1,
        "one request for three callers (and the first tick)"
    );
    let r = sent.get(0);
    let origin = web_sys::window().unwrap().location().origin().unwrap();
    assert_eq!(
        get(&r, "url"),
        format!("{origin}/api/internal/guest-token"),
        "resolved against the page"
    );
    assert_eq!(get(&r, "method"), "POST");
    assert_eq!(get(&r, "credentials"), "omit", "no cookies unless asked");
    assert_eq!(
        get(&r, "redirect"),
        "error",
        "a body never follows a redirect"
    );
    assert_eq!(get(&r, "contentType"), "application/json");
    assert!(
        get(&r, "authorization").is_null(),
        "no token yet, none sent"
    );
    assert_eq!(
        get(&r, "body"),
        r#"{"name":"Site Visitor","customAttributes":{"topic":"x"}}"#
    );
    assert_eq!(calls(&body), 1, "body() ran for the one request");
    assert_eq!(seen(&on_token), format!(r#"["{token}"]"#), "onToken: once");
    let payloads = seen(&refreshed);
    assert!(
        !payloads.contains(&token),
        "no event payload holds the token"
    );
    let first = Array::from(&json(&payloads)).get(0);
    assert_eq!(get(&first, "refreshCount"), 0);
    assert!(get(&first, "expiresAt").as_f64().unwrap() > js_sys::Date::now());
    assert_eq!(storage_size(), stored_before, "nothing in Web Storage");

    // A handler added late gets the token held at once.
    let late = recorder();
    source.on_token(late.clone().into()).unwrap();
    assert_eq!(seen(&late), format!(r#"["{token}"]"#));
    source.off_token(late.clone().into()).unwrap();

    source.stop();
    let e = settle(source.get_token()).await.unwrap_err();
    assert_eq!(get(&e, "code"), "guest_token_failed");
    restore(&state);
}

#[wasm_bindgen_test]
async fn options_are_refused_naming_the_key_and_credentials_are_passed_on() {
    let e = GuestTokenSource::new(options(&[
        ("endpoint", "/x".into()),
        ("refreshLead", 60.into()),
    ]))
    .err()
    .unwrap();
    assert_eq!(get(&e, "name"), "PixieAuthError");
    assert_eq!(get(&e, "code"), "invalid_config");
    let message = get(&e, "message").as_string().unwrap();
    assert!(message.contains("\"refreshLead\""), "{message}");
    let e = GuestTokenSource::new(options(&[("endpoint", "/x".into()), ("body", "x".into())]))
        .err()
        .unwrap();
    assert!(get(&e, "message").as_string().unwrap().contains("body"));
    let e = GuestTokenSource::new(options(&[("endpoint", "http://www.example.com/x".into())]))
        .err()
        .unwrap();
    assert!(get(&e, "message").as_string().unwrap().contains("https"));

    let token = guest_jwt(600);
    let state = install_guest_endpoint(&Array::of1(&token_answer(&token)));
    let source = GuestTokenSource::new(options(&[
        ("endpoint", "/x".into()),
        ("credentials", "include".into()),
    ]))
    .unwrap();
    assert_eq!(settle(source.get_token()).await.unwrap(), token);
    let r = Array::from(&json(&requests(&state))).get(0);
    assert_eq!(get(&r, "credentials"), "include");
    let e = source.on("tokenexpired", recorder().into()).err().unwrap();
    assert_eq!(get(&e, "code"), "invalid_config");
    source.stop();
    restore(&state);
}

#[wasm_bindgen_test]
async fn a_long_rate_limit_rejects_with_rate_limited_status_and_retry_after() {
    let state = install_guest_endpoint(&Array::of1(&answer(
        429,
        r#"{"content-type":"application/json","retry-after":"120"}"#,
        r#"{"error":"rate_limited","retryAfter":120}"#,
    )));
    let source = GuestTokenSource::new(options(&[("endpoint", "/x".into())])).unwrap();
    let expired = recorder();
    source.on("tokenExpired", expired.clone().into()).unwrap();
    let e = settle(source.get_token()).await.unwrap_err();
    assert_eq!(get(&e, "name"), "PixieAuthError");
    assert_eq!(get(&e, "code"), "rate_limited");
    assert_eq!(get(&e, "status"), 429);
    assert_eq!(get(&e, "retryAfter"), 120);
    let payload = Array::from(&json(&seen(&expired))).get(0);
    assert_eq!(get(&payload, "code"), "rate_limited");
    assert_eq!(get(&payload, "retryAfter"), 120);
    assert!(get(&payload, "expiresAt").is_null(), "null, not undefined");
    assert!(get(&payload, "retryAt").as_f64().unwrap() >= js_sys::Date::now() + 100_000.0);
    assert_eq!(Array::from(&json(&requests(&state))).length(), 1);
    source.stop();
    restore(&state);
}
