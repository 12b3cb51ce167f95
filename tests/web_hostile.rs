//! Hostile JavaScript values thrown at every exported function and method, in real browsers
//! (`wasm-pack test --headless --chrome` and `--firefox`): undefined, null, numbers (NaN and
//! the infinities too), booleans, objects, arrays, a `URL`, 1 MB strings, a BigInt, a symbol,
//! a function, proxies whose every trap throws, objects with throwing getters or `toJSON`,
//! frozen, null-prototype, cyclic and boxed values.
//!
//! Each call must answer with a typed `PixieAuthError` (thrown by a synchronous call, a
//! rejection — never a synchronous throw — from one returning a promise) or with the answer
//! its declaration documents for that value (`isCallback` → `false`, `loginUrl({})` → a URL,
//! `on("loggedOut", fn)` → nothing). Never a wasm trap (`RuntimeError: memory access out of
//! bounds`, which wasm-bindgen `String` parameters gave a non-string), never a raw
//! `TypeError`. Afterwards the client still works: its stored session still reads, a login
//! URL can still be made, a new client can be made. The class methods are called from
//! JavaScript, through the generated glue, as an app calls them.
#![cfg(target_arch = "wasm32")]

use js_sys::{Array, Function, Promise, Reflect};
use pixie_auth::api::{self as api, GuestTokenSource, PkceClient};
use pixie_auth::core::Error;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen(inline_js = r#"
export function hostile_values() {
  const thrower = () => { throw new TypeError("hostile trap"); };
  const proxy = new Proxy({}, {
    get: thrower, has: thrower, ownKeys: thrower, getPrototypeOf: thrower,
    getOwnPropertyDescriptor: thrower, set: thrower, defineProperty: thrower, apply: thrower,
  });
  const getters = {};
  for (const key of ["clientId", "redirectUri", "issuer", "returnTo", "redirect", "method",
      "headers", "body", "href", "name", "code", "endpoint", "toString", "valueOf"]) {
    Object.defineProperty(getters, key, { enumerable: true, get() { throw new Error("getter " + key); } });
  }
  const cyclic = { clientId: "x" };
  cyclic.self = cyclic;
  const huge = "x".repeat(1 << 20);
  class ThrowingUrl extends URL { get href() { throw new Error("href"); } }
  return [
    ["undefined", undefined], ["null", null], ["0", 0], ["-1", -1], ["1.5", 1.5], ["NaN", NaN],
    ["Infinity", Infinity], ["-Infinity", -Infinity], ["true", true], ["false", false],
    ["{}", {}], ["[]", []], ["[1, 'a', {}]", [1, "a", {}]],
    ["URL", new URL("https://evil.example/cb?code=stolen&state=forged")],
    ["URL subclass with a throwing href", new ThrowingUrl("https://evil.example/")],
    ["1 MB string", huge], ["1 MB URL", "https://evil.example/" + huge],
    ["1 MB path", "/" + huge], ["BigInt", 10n ** 30n], ["Symbol", Symbol("hostile")],
    ["function", () => 1], ["proxy whose traps throw", proxy],
    ["throwing getters", getters], ["throwing toJSON", { toJSON() { throw new Error("toJSON"); } }],
    ["frozen", Object.freeze({ a: Object.freeze([1]) })], ["null prototype", Object.create(null)],
    ["cyclic", cyclic], ["Date", new Date(0)], ["boxed string", new String("/api/x")],
    ["RegExp", /x/g], ["Promise", Promise.resolve(1)],
  ];
}

const MARKS = /RuntimeError|unreachable|memory access|out of bounds|Reflect\.get|invalid type|expected|wasm/;

// A problem with `e`, or null when it is a typed PixieAuthError with a clean message.
function untyped(e, codes) {
  if (e === null || typeof e !== "object") return "threw a non-object: " + String(typeof e);
  if (e.name !== "PixieAuthError") return "threw " + e.name + ": " + String(e.message).slice(0, 120);
  if (!codes.includes(e.code)) return "unknown code " + e.code;
  if (typeof e.message !== "string" || e.message.length > 600) return "bad message length";
  if (MARKS.test(e.message)) return "message leaks internals: " + e.message.slice(0, 160);
  if (e.message.includes("xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx")) return "message echoes the input";
  return null;
}

// Runs `call(value)`: kind "sync" (returns or throws) or "promise" (returns a promise that
// settles; a synchronous throw is a failure). `fine(result, value)` says whether a
// non-error answer is the documented one.
async function check(name, call, kind, fine, value, label, codes, failures) {
  const where = name + " with " + label;
  let result;
  try {
    result = call(value);
  } catch (e) {
    if (kind === "promise") { failures.push(where + ": threw synchronously: " + (untyped(e, codes) ?? e.code)); return; }
    const problem = untyped(e, codes);
    if (problem) failures.push(where + ": " + problem);
    return;
  }
  if (kind === "promise") {
    if (!(result instanceof Promise)) { failures.push(where + ": returned no promise"); return; }
    try {
      result = await result;
    } catch (e) {
      const problem = untyped(e, codes);
      if (problem) failures.push(where + ": " + problem);
      return;
    }
  }
  if (!fine(result, value)) failures.push(where + ": answered " + String(result).slice(0, 80));
}

const isUrlish = (v) => typeof v === "string" || v instanceof URL;
const never = () => false;
const nothing = (r) => r === undefined;

// Every method of `client` (a PkceClient whose session is stored), `blocked` (a PkceClient
// without sessionStorage: its login() refuses before navigating) and `guest` (a
// GuestTokenSource), every static, and the free functions given in `free` (wrapped Rust
// calls), with every hostile value in each argument position.
export async function throw_everything(client, blocked, guest, free, codes, token) {
  const Client = client.constructor;
  const Guest = guest.constructor;
  const handler = () => {};
  const calls = [
    ["new PkceClient(v)", (v) => new Client(v), "sync", never],
    ["PkceClient.discover(v)", (v) => Client.discover(v), "promise", never],
    ["loginUrl(v)", (v) => client.loginUrl(v), "promise",
      (r) => typeof r === "string" && r.startsWith("http://127.0.0.1:9/auth?")],
    ["login(v)", (v) => blocked.login(v), "promise", never],
    ["isCallback(v)", (v) => client.isCallback(v), "sync",
      (r, v) => typeof r === "boolean" && (r === false || isUrlish(v))],
    ["handleCallback(v)", (v) => client.handleCallback(v), "promise", never],
    ["messengerAuthCode(v)", (v) => client.messengerAuthCode(v), "promise", never],
    ["callApi(v)", (v) => client.callApi(v), "promise", (r, v) => r instanceof Response && isUrlish(v)],
    ["callApi('/api/x', v)", (v) => client.callApi("/api/x", v), "promise",
      (r, v) => r instanceof Response && (v === undefined || v === null || typeof v === "object" || typeof v === "function")],
    ["getAccessToken(v)", (v) => client.getAccessToken(v), "promise", (r) => r === token],
    ["refresh(v)", (v) => client.refresh(v), "promise", never],
    // window.open answers null here (block_popups: the browser's popup blocker), so the
    // options decide: invalid_config, else popup_blocked. The popup itself is the e2e tests'.
    ["loginPopup(v)", (v) => client.loginPopup(v), "promise", never],
    // Valid options open a hidden frame at a port that refuses connections: the browser's
    // error page is of another origin, so silent_frame_refused (or silent_timeout).
    ["renewSilently(v)", (v) => client.renewSilently(v), "promise", never],
    ["loadUserInfo(v)", (v) => client.loadUserInfo(v), "promise", never],
    ["getUser(v)", (v) => client.getUser(v), "sync", (r) => r === null],
    ["getSession(v)", (v) => client.getSession(v), "sync", (r) => r !== null && r.expiresAt > Date.now()],
    ["isAuthenticated(v)", (v) => client.isAuthenticated(v), "sync", (r) => r === true],
    ["storageMode", () => client.storageMode, "sync", (r) => r === "session"],
    ["on(v, handler)", (v) => client.on(v, handler), "sync", never],
    ["on('loggedOut', v)", (v) => client.on("loggedOut", v), "sync", (r, v) => nothing(r) && typeof v === "function"],
    ["off(v, handler)", (v) => client.off(v, handler), "sync", never],
    ["off('loggedOut', v)", (v) => client.off("loggedOut", v), "sync", (r, v) => nothing(r) && typeof v === "function"],
    ["new GuestTokenSource(v)", (v) => new Guest(v), "sync", never],
    ["guest.on(v, handler)", (v) => guest.on(v, handler), "sync", never],
    ["guest.on('tokenRefreshed', v)", (v) => guest.on("tokenRefreshed", v), "sync", (r, v) => nothing(r) && typeof v === "function"],
    ["guest.off(v, handler)", (v) => guest.off(v, handler), "sync", never],
    ["guest.onToken(v)", (v) => guest.onToken(v), "sync", (r, v) => nothing(r) && typeof v === "function"],
    ["guest.offToken(v)", (v) => guest.offToken(v), "sync", (r, v) => nothing(r) && typeof v === "function"],
  ];
  for (const [name, [call, kind, fine]] of Object.entries(free)) calls.push([name, call, kind, fine]);
  const failures = [];
  let made = 0;
  for (const [name, call, kind, fine] of calls) {
    for (const [label, value] of hostile_values()) {
      await check(name, call, kind, fine, value, label, codes, failures);
      made += 1;
    }
    // A handler the hostile values added (the function) is removed again.
    client.off("loggedOut", handler);
  }
  return { failures, made };
}

// The free functions' expectations, by name: [kind, fine].
export function free_expectations() {
  return {
    "configure(v)": ["sync", never],
    "configureWithDiscovery(v)": ["promise", never],
    "free login(v)": ["promise", never],
    "free handleCallback(v)": ["promise", never],
    "free messengerAuthCode(v)": ["promise", never],
    "free callApi(v)": ["promise", (r, v) => r instanceof Response && isUrlish(v)],
    "free callApi('/api/x', v)": ["promise",
      (r, v) => r instanceof Response && (v === undefined || v === null || typeof v === "object" || typeof v === "function")],
    "free on(v, handler)": ["sync", never],
    "free on('loggedOut', v)": ["sync", (r, v) => nothing(r) && typeof v === "function"],
    "free off(v, handler)": ["sync", never],
    "free logout(v)": ["promise", (r, v) => r && r.revocation === "skipped"],
    "free loginPopup(v)": ["promise", never],
    "free renewSilently(v)": ["promise", never],
    "isPixieAuthError(v)": ["sync", (r) => r === false],
  };
}

// Logout logs out whatever its options (documented): each hostile value gets a stored
// session, and logout resolves (valid options) or rejects typed (invalid ones) and the
// session is gone either way.
export async function logout_with_everything(client, seed, codes) {
  const failures = [];
  let made = 0;
  for (const [label, value] of hostile_values()) {
    seed();
    if (!client.isAuthenticated()) { failures.push("logout with " + label + ": the seeded session did not read"); continue; }
    await check("logout(v)", (v) => client.logout(v), "promise",
      (r) => r && r.revocation === "skipped" && r.redirectTo === null, value, label, codes, failures);
    if (client.getSession() !== null) failures.push("logout(v) with " + label + ": the session survived");
    made += 1;
  }
  return { failures, made };
}

let savedOpen;
export function block_popups() {
  savedOpen = window.open;
  window.open = () => null;
}
export function restore_popups() {
  if (savedOpen) window.open = savedOpen;
}

export function install_fake_fetch() {
  const state = { requests: 0, realFetch: globalThis.fetch };
  globalThis.fetch = async (input, init) => {
    state.requests += 1;
    const req = input instanceof Request ? input : new Request(input, init);
    return new Response("{}", { status: new URL(req.url).pathname.startsWith("/api/") ? 200 : 404 });
  };
  return state;
}
export function restore_fetch(state) { globalThis.fetch = state.realFetch; }

let savedStorage;
export function block_session_storage() {
  savedStorage = Object.getOwnPropertyDescriptor(window, "sessionStorage");
  Object.defineProperty(window, "sessionStorage", {
    configurable: true,
    get() { throw new DOMException("The operation is insecure.", "SecurityError"); },
  });
}
export function restore_session_storage() {
  if (savedStorage) Object.defineProperty(window, "sessionStorage", savedStorage);
}

export function config(clientId) {
  return {
    clientId,
    redirectUri: "http://127.0.0.1:8080/",
    authorizationEndpoint: "http://127.0.0.1:9/auth",
    tokenEndpoint: "http://127.0.0.1:9/token",
    apiBase: "http://127.0.0.1:9/",
    scopes: ["profile"],
  };
}
"#)]
extern "C" {
    fn hostile_values() -> Array;
    fn free_expectations() -> JsValue;
    async fn throw_everything(
        client: JsValue,
        blocked: JsValue,
        guest: JsValue,
        free: &JsValue,
        codes: &Array,
        token: &str,
    ) -> JsValue;
    async fn logout_with_everything(client: &JsValue, seed: &Function, codes: &Array) -> JsValue;
    fn install_fake_fetch() -> JsValue;
    fn restore_fetch(state: &JsValue);
    fn block_session_storage();
    fn restore_session_storage();
    fn block_popups();
    fn restore_popups();
    fn config(client_id: &str) -> JsValue;
}

const TOKEN: &str = "AT-hostile-0123456789";

fn session_storage() -> web_sys::Storage {
    web_sys::window()
        .unwrap()
        .session_storage()
        .unwrap()
        .unwrap()
}

/// Stores a fresh session (an hour left, no refresh token) for `client_id`.
fn seed_session(client_id: &str) -> String {
    let expires = js_sys::Date::now() as u64 + 3_600_000;
    let record = format!(r#"{{"accessToken":"{TOKEN}","expiresAt":{expires},"issuedAt":1}}"#);
    session_storage()
        .set_item(&format!("pixie:{client_id}:session"), &record)
        .unwrap();
    record
}

fn codes() -> Array {
    Error::CODES.iter().map(|c| JsValue::from_str(c)).collect()
}

fn get(value: &JsValue, key: &str) -> JsValue {
    Reflect::get(value, &key.into()).unwrap()
}

/// A Rust call as a JS function: its `Err` is thrown, as the generated glue throws it.
fn wrap(f: impl Fn(JsValue) -> Result<JsValue, JsValue> + 'static) -> JsValue {
    Closure::<dyn Fn(JsValue) -> Result<JsValue, JsValue>>::new(f).into_js_value()
}

/// The free functions, each wrapped with its expectation from `free_expectations()`.
fn free_functions() -> JsValue {
    let handler: JsValue = Function::new_no_args("").into();
    let h = handler.clone();
    let h2 = handler.clone();
    let calls: Vec<(&str, JsValue)> = vec![
        (
            "configure(v)",
            wrap(|v| api::configure(v).map(|_| JsValue::UNDEFINED)),
        ),
        (
            "configureWithDiscovery(v)",
            wrap(|v| Ok(api::configure_with_discovery(v).into())),
        ),
        ("free login(v)", wrap(|v| Ok(api::login_fn(v).into()))),
        (
            "free handleCallback(v)",
            wrap(|v| Ok(api::handle_callback_fn(v).into())),
        ),
        (
            "free messengerAuthCode(v)",
            wrap(|v| Ok(api::messenger_auth_code_fn(v).into())),
        ),
        (
            "free callApi(v)",
            wrap(|v| Ok(api::call_api_fn(v, JsValue::UNDEFINED).into())),
        ),
        (
            "free callApi('/api/x', v)",
            wrap(|v| Ok(api::call_api_fn("/api/x".into(), v).into())),
        ),
        (
            "free on(v, handler)",
            wrap(move |v| api::on_fn(v, h.clone()).map(|_| JsValue::UNDEFINED)),
        ),
        (
            "free on('loggedOut', v)",
            wrap(|v| api::on_fn("loggedOut".into(), v).map(|_| JsValue::UNDEFINED)),
        ),
        (
            "free off(v, handler)",
            wrap(move |v| api::off_fn(v, h2.clone()).map(|_| JsValue::UNDEFINED)),
        ),
        ("free logout(v)", wrap(|v| Ok(api::logout_fn(v).into()))),
        (
            "free loginPopup(v)",
            wrap(|v| Ok(api::login_popup_fn(v).into())),
        ),
        (
            "free renewSilently(v)",
            wrap(|v| Ok(api::renew_silently_fn(v).into())),
        ),
        (
            "isPixieAuthError(v)",
            wrap(|v| Ok(api::is_pixie_auth_error(&v).into())),
        ),
    ];
    let expectations = free_expectations();
    let out = js_sys::Object::new();
    for (name, call) in calls {
        let expected = Array::from(&get(&expectations, name));
        assert_eq!(expected.length(), 2, "{name} has its expectation");
        let entry = Array::of3(&call, &expected.get(0), &expected.get(1));
        Reflect::set(&out, &name.into(), &entry).unwrap();
    }
    out.into()
}

fn report(outcome: &JsValue, expected_calls: u32) {
    let failures = Array::from(&get(outcome, "failures"));
    let made = get(outcome, "made").as_f64().unwrap() as u32;
    let list: Vec<String> = failures.iter().filter_map(|f| f.as_string()).collect();
    assert!(
        list.is_empty(),
        "{} failures:\n{}",
        list.len(),
        list.join("\n")
    );
    assert!(made >= expected_calls, "only {made} calls were made");
}

#[wasm_bindgen_test]
async fn every_export_answers_hostile_values_with_typed_errors_and_keeps_working() {
    let fake = install_fake_fetch();
    let record = seed_session("hostile");
    let client = PkceClient::new(config("hostile")).unwrap();
    assert!(client.is_authenticated(), "the seeded session reads");
    block_session_storage();
    let blocked = PkceClient::new(config("hostile-blocked"));
    // The free functions act on a client without sessionStorage too: their login() refuses
    // before it could navigate away from the test page.
    let configured = api::configure(config("hostile-free"));
    restore_session_storage();
    let blocked = blocked.unwrap();
    configured.unwrap();
    assert_eq!(blocked.storage_mode(), "memory-fallback");
    let guest_options = js_sys::Object::new();
    Reflect::set(&guest_options, &"endpoint".into(), &"/guest".into()).unwrap();
    let guest = GuestTokenSource::new(guest_options.into()).unwrap();

    let values = hostile_values().length();
    block_popups();
    let outcome = throw_everything(
        client.into(),
        blocked.into(),
        guest.into(),
        &free_functions(),
        &codes(),
        TOKEN,
    )
    .await;
    restore_popups();
    report(&outcome, values * 42);

    // The instance and the session are unharmed.
    assert_eq!(
        session_storage()
            .get_item("pixie:hostile:session")
            .unwrap()
            .as_deref(),
        Some(record.as_str()),
        "the stored session is the one seeded"
    );
    let again = PkceClient::new(config("hostile")).unwrap();
    assert!(again.is_authenticated());
    let summary = again.get_session();
    assert!(get(&summary, "expiresAt").as_f64().unwrap() > js_sys::Date::now());
    let token = JsFuture::from(again.get_access_token()).await.unwrap();
    assert_eq!(token.as_string().as_deref(), Some(TOKEN));
    let url = JsFuture::from(again.login_url(JsValue::UNDEFINED))
        .await
        .unwrap()
        .as_string()
        .unwrap();
    assert!(url.contains("code_challenge_method=S256"), "{url}");
    restore_fetch(&fake);
}

#[wasm_bindgen_test]
async fn logout_logs_out_whatever_its_options_and_answers_typed() {
    let seed = Closure::<dyn Fn()>::new(|| {
        seed_session("hostile-logout");
    })
    .into_js_value();
    let client = PkceClient::new(config("hostile-logout")).unwrap();
    let values = hostile_values().length();
    let outcome = logout_with_everything(&client.into(), seed.unchecked_ref(), &codes()).await;
    report(&outcome, values);
    // And the client still logs in.
    seed_session("hostile-logout");
    let client = PkceClient::new(config("hostile-logout")).unwrap();
    assert!(client.is_authenticated());
    let url: Promise = client.login_url(JsValue::UNDEFINED);
    assert!(JsFuture::from(url).await.unwrap().is_string());
}
