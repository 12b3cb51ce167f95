//! The session lifecycle's browser glue in real browsers: timers and wake-ups, the
//! BroadcastChannel, Web Locks and the per-tab fallback, WebCrypto's AES-GCM for the sealed
//! tab channel, and two clients in one page acting as sibling tabs against a fake token
//! endpoint (`window.fetch` replaced), with a third listener on their channel.
//!
//! Run with `wasm-pack test --headless --chrome` (or `--firefox`).
#![cfg(target_arch = "wasm32")]

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use js_sys::{Object, Reflect, JSON};
use pixie_auth::api::PkceClient;
use pixie_auth::browser::tabs::{self, TabChannel};
use pixie_auth::browser::timers::{self, Wakeup, COARSE_CHECK_MS, MIN_REARM_MS};
use pixie_auth::browser::BrowserPlatform;
use pixie_auth::core::{channel_key_input, ChannelKey, Platform};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::{spawn_local, JsFuture};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen(inline_js = r#"
export function install_fake_server() {
  const state = { refreshTokens: [], api: [], rejectOnce: new Set(), generation: 1 };
  const realFetch = globalThis.fetch;
  const json = (status, body) =>
    new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });
  const tokens = (n) => ({ access_token: "AT-" + n, token_type: "Bearer", expires_in: 3600,
    refresh_token: "RT-" + n });
  globalThis.fetch = async (input, init) => {
    const req = input instanceof Request ? input : new Request(input, init);
    const url = new URL(req.url);
    const body = await req.text();
    if (url.pathname === "/token") {
      const form = new URLSearchParams(body);
      if (form.get("grant_type") === "authorization_code") return json(200, tokens(state.generation));
      if (form.get("grant_type") === "refresh_token") {
        const rt = form.get("refresh_token");
        state.refreshTokens.push(rt);
        // Rotation with reuse detection: only the current generation is accepted.
        if (rt !== "RT-" + state.generation) return json(400, { error: "invalid_grant" });
        state.generation += 1;
        return json(200, tokens(state.generation));
      }
      return json(400, { error: "unsupported_grant_type" });
    }
    if (url.pathname === "/api/echo") {
      const auth = req.headers.get("authorization");
      state.api.push({ auth, body });
      if (state.rejectOnce.delete(auth)) return new Response("", { status: 401 });
      return new Response(body, { status: 200 });
    }
    return new Response("", { status: 404 });
  };
  state.restore = () => { globalThis.fetch = realFetch; };
  return state;
}

export function refresh_tokens(state) { return state.refreshTokens.join(","); }
export function api_log(state) { return JSON.stringify(state.api); }
export function reject_once(state, auth) { state.rejectOnce.add(auth); }
export function restore(state) { state.restore(); }

export function hide_web_apis() {
  const saved = { bc: globalThis.BroadcastChannel };
  Object.defineProperty(navigator, "locks", { value: undefined, configurable: true });
  globalThis.BroadcastChannel = undefined;
  return saved;
}
export function restore_web_apis(saved) {
  delete navigator.locks;
  globalThis.BroadcastChannel = saved.bc;
}

export function block_session_storage() {
  const saved = Object.getOwnPropertyDescriptor(window, "sessionStorage");
  Object.defineProperty(window, "sessionStorage", {
    configurable: true, get() { throw new DOMException("blocked", "SecurityError"); } });
  return saved;
}
export function restore_session_storage(saved) {
  if (saved) Object.defineProperty(window, "sessionStorage", saved);
  else delete window.sessionStorage;
}
"#)]
extern "C" {
    fn install_fake_server() -> JsValue;
    fn refresh_tokens(state: &JsValue) -> String;
    fn api_log(state: &JsValue) -> String;
    fn reject_once(state: &JsValue, auth: &str);
    fn restore(state: &JsValue);
    fn hide_web_apis() -> JsValue;
    fn restore_web_apis(saved: &JsValue);
    fn block_session_storage() -> JsValue;
    fn restore_session_storage(saved: &JsValue);
}

fn now() -> f64 {
    js_sys::Date::now()
}

/// Waits until `done()` holds, polling every 10 ms, at most `max_ms`.
async fn eventually(max_ms: u64, done: impl Fn() -> bool) -> bool {
    let start = now();
    while !done() {
        if now() - start > max_ms as f64 {
            return false;
        }
        timers::sleep(10).await;
    }
    true
}

// -------------------------------------------------------------------------------------------
// Timers and wake-ups

#[wasm_bindgen_test]
async fn sleep_waits_about_as_long_as_asked() {
    let start = now();
    timers::sleep(40).await;
    let waited = now() - start;
    assert!(waited >= 35.0, "{waited}");
}

#[wasm_bindgen_test]
async fn the_wakeup_timer_is_clamped_and_fires() {
    let fired = Rc::new(Cell::new(0));
    let f = fired.clone();
    let wakeup = Wakeup::new(move || f.set(f.get() + 1)).unwrap();
    let t = now() as u64;
    // Far away: checked again after the coarse interval, never later.
    wakeup.arm(Some(t + 10 * 60_000), t);
    assert_eq!(wakeup.armed_delay(), Some(COARSE_CHECK_MS));
    // Already due (e.g. after the laptop slept): soon, but never a tight loop.
    wakeup.arm(Some(t - 60_000), t);
    assert_eq!(wakeup.armed_delay(), Some(MIN_REARM_MS));
    assert!(eventually(3_000, || fired.get() == 1).await, "timer fired");
    wakeup.arm(None, t);
    assert_eq!(wakeup.armed_delay(), None);
    // Re-arming replaces the previous timer rather than adding one.
    wakeup.arm(Some(t), t);
    wakeup.arm(Some(t), t);
    timers::sleep(MIN_REARM_MS + 500).await;
    assert_eq!(fired.get(), 2);
}

#[wasm_bindgen_test]
async fn the_wakeup_listens_for_visibility_and_network() {
    let fired = Rc::new(Cell::new(0));
    let f = fired.clone();
    let wakeup = Wakeup::new(move || f.set(f.get() + 1)).unwrap();
    let window = web_sys::window().unwrap();
    let document = window.document().unwrap();
    window
        .dispatch_event(&web_sys::Event::new("online").unwrap())
        .unwrap();
    assert_eq!(fired.get(), 1, "online");
    document
        .dispatch_event(&web_sys::Event::new("visibilitychange").unwrap())
        .unwrap();
    // The tab is visible in a test browser unless it is hidden: then the event is ignored.
    let expected = if document.hidden() { 1 } else { 2 };
    assert_eq!(fired.get(), expected, "visibilitychange");
    drop(wakeup);
    window
        .dispatch_event(&web_sys::Event::new("online").unwrap())
        .unwrap();
    assert_eq!(fired.get(), expected, "listeners removed on drop");
}

// -------------------------------------------------------------------------------------------
// BroadcastChannel and locks

#[wasm_bindgen_test]
async fn broadcast_channel_round_trip_between_two_objects() {
    let got_a: Rc<RefCell<Vec<String>>> = Rc::default();
    let got_b: Rc<RefCell<Vec<String>>> = Rc::default();
    let (ga, gb) = (got_a.clone(), got_b.clone());
    let a = TabChannel::open("pixie:test-channel", move |m| ga.borrow_mut().push(m)).unwrap();
    let b = TabChannel::open("pixie:test-channel", move |m| gb.borrow_mut().push(m)).unwrap();
    assert!(a.post(r#"{"query":{"family":"f"}}"#));
    assert!(eventually(2_000, || got_b.borrow().len() == 1).await);
    assert_eq!(got_b.borrow()[0], r#"{"query":{"family":"f"}}"#);
    assert!(b.post("pong"));
    assert!(eventually(2_000, || got_a.borrow().len() == 1).await);
    timers::sleep(50).await;
    assert_eq!(*got_a.borrow(), ["pong"], "a channel does not hear itself");
    assert_eq!(got_b.borrow().len(), 1);
    drop(b);
    a.post("after close");
    timers::sleep(50).await;
    assert_eq!(got_b.borrow().len(), 1, "a dropped channel hears nothing");
}

// -------------------------------------------------------------------------------------------
// The sealed channel's crypto: WebCrypto

fn hex(text: &str) -> Vec<u8> {
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).unwrap())
        .collect()
}

#[wasm_bindgen_test]
async fn webcrypto_aes_gcm_is_the_specified_cipher_and_refuses_tampering() {
    // Test case 16 of the GCM specification (McGrew and Viega): AES-256, 96-bit IV, additional
    // data. The native fake passes the same vector (core::client::tests::channel).
    let key: [u8; 32] = hex("feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308")
        .try_into()
        .unwrap();
    let key = ChannelKey::from_digest(&key);
    let iv: [u8; 12] = hex("cafebabefacedbaddecaf888").try_into().unwrap();
    let aad = hex("feedfacedeadbeeffeedfacedeadbeefabaddad2");
    let plaintext = hex(concat!(
        "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72",
        "1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39"
    ));
    let expected = hex(concat!(
        "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa",
        "8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662",
        "76fc6ece0f4e1768cddf8853bb2d551b"
    ));
    let p = BrowserPlatform::default();
    let sealed = p.aes_gcm(true, &key, &iv, &aad, &plaintext).await.unwrap();
    assert_eq!(sealed, expected, "WebCrypto's AES-256-GCM, tag appended");
    assert_eq!(
        p.aes_gcm(false, &key, &iv, &aad, &sealed).await,
        Ok(plaintext.clone())
    );
    // Tampered anywhere, it does not open: nothing is thrown, an `Err` comes back.
    for i in [0, 30, sealed.len() - 1] {
        let mut bad = sealed.clone();
        bad[i] ^= 0x01;
        assert!(
            p.aes_gcm(false, &key, &iv, &aad, &bad).await.is_err(),
            "byte {i}"
        );
    }
    assert!(p
        .aes_gcm(false, &key, &iv, &aad, &sealed[..sealed.len() - 1])
        .await
        .is_err());
    assert!(p
        .aes_gcm(false, &key, &iv, &aad, &sealed[..10])
        .await
        .is_err());
    assert!(p
        .aes_gcm(false, &key, &iv, b"other", &sealed)
        .await
        .is_err());
    let mut other_iv = iv;
    other_iv[0] ^= 1;
    assert!(p
        .aes_gcm(false, &key, &other_iv, &aad, &sealed)
        .await
        .is_err());
    assert!(p
        .aes_gcm(
            false,
            &ChannelKey::from_digest(&[0; 32]),
            &iv,
            &aad,
            &sealed
        )
        .await
        .is_err());
    // Not a 256-bit key: refused as well, not thrown.
    assert!(p
        .aes_gcm(true, &ChannelKey::new("AAAA"), &iv, &aad, &plaintext)
        .await
        .is_err());
}

#[wasm_bindgen_test]
async fn the_channel_key_is_derived_in_the_browser_as_in_the_core() {
    // SHA-256(00000001 || "RT-1" || "pixie-auth tab channel v1"), the value the native tests pin.
    let digest = BrowserPlatform::default()
        .sha256(&channel_key_input("RT-1"))
        .await
        .unwrap();
    assert_eq!(
        ChannelKey::from_digest(&digest).secret(),
        "M05ldvwvjt7kDi1O6eEp-yzDeLL_MDYiVuQPqxZvKso"
    );
}

/// Takes `name` with `take`, then checks that a second taker waits for the release.
async fn check_exclusion<F, Fut>(name: &'static str, take: F)
where
    F: Fn(&'static str) -> Fut + 'static,
    Fut: std::future::Future<Output = pixie_auth::core::LockGuard> + 'static,
{
    let take = Rc::new(take);
    let first = take(name).await;
    let second_got_it = Rc::new(Cell::new(false));
    let flag = second_got_it.clone();
    let t = take.clone();
    spawn_local(async move {
        let _g = t(name).await;
        flag.set(true);
    });
    timers::sleep(80).await;
    assert!(!second_got_it.get(), "{name}: the second taker waits");
    drop(first);
    assert!(
        eventually(2_000, || second_got_it.get()).await,
        "{name}: released"
    );
}

#[wasm_bindgen_test]
async fn web_locks_are_exclusive_where_present() {
    if !tabs::web_locks_available() {
        web_sys::console::log_1(&"Web Locks are not available here: skipped".into());
        return;
    }
    check_exclusion("pixie:test:web-lock", |n| async move {
        tabs::web_lock(n).await.unwrap()
    })
    .await;
    // The lock is released on drop: taking it again succeeds at once.
    let g = tabs::web_lock("pixie:test:web-lock").await.unwrap();
    drop(g);
}

#[wasm_bindgen_test]
async fn the_per_tab_fallback_lock_is_exclusive() {
    check_exclusion("pixie:test:local-lock", tabs::local_lock).await;
    // Three takers are served in order.
    let order: Rc<RefCell<Vec<u8>>> = Rc::default();
    let first = tabs::local_lock("pixie:test:fifo").await;
    for i in 1..=2u8 {
        let o = order.clone();
        spawn_local(async move {
            let _g = tabs::local_lock("pixie:test:fifo").await;
            o.borrow_mut().push(i);
        });
    }
    timers::sleep(20).await;
    drop(first);
    assert!(eventually(1_000, || order.borrow().len() == 2).await);
    assert_eq!(*order.borrow(), [1, 2]);
}

#[wasm_bindgen_test]
async fn without_web_locks_and_broadcast_channel_it_degrades_to_per_tab() {
    let saved = hide_web_apis();
    assert!(!tabs::web_locks_available());
    let opened = TabChannel::open("pixie:test:none", |_| {});
    let guard = tabs::lock("pixie:test:degraded").await;
    let warned = tabs::degraded_warning_given();
    restore_web_apis(&saved);
    assert!(opened.is_none(), "no BroadcastChannel: no channel");
    assert!(warned, "said so with console.warn");
    // The fallback lock still excludes within the tab.
    let second = Rc::new(Cell::new(false));
    let flag = second.clone();
    spawn_local(async move {
        let _g = tabs::local_lock("pixie:test:degraded").await;
        flag.set(true);
    });
    timers::sleep(50).await;
    assert!(!second.get());
    drop(guard);
    assert!(eventually(1_000, || second.get()).await);
    // A client still works without them (per-tab behaviour).
    let saved = hide_web_apis();
    let client = PkceClient::new(config("degraded"));
    restore_web_apis(&saved);
    assert!(client.is_ok());
}

// -------------------------------------------------------------------------------------------
// Two clients in one page = two sibling tabs

fn config(client_id: &str) -> JsValue {
    config_with(client_id, "")
}

/// [`config`] with `extra` members (`,"key":value...`).
fn config_with(client_id: &str, extra: &str) -> JsValue {
    JSON::parse(&format!(
        r#"{{"clientId":"{client_id}","redirectUri":"http://127.0.0.1:9/cb",
        "authorizationEndpoint":"http://127.0.0.1:9/auth","tokenEndpoint":"http://127.0.0.1:9/token",
        "apiBase":"http://127.0.0.1:9/","storage":"memory","scopes":["profile"]{extra}}}"#
    ))
    .unwrap()
}

/// A third document's view of a channel: every message it hears on `name`.
fn listen(name: &str) -> (Log, TabChannel) {
    let heard: Log = Rc::default();
    let h = heard.clone();
    let channel = TabChannel::open(name, move |m| h.borrow_mut().push(m)).unwrap();
    (heard, channel)
}

async fn await_js(p: js_sys::Promise) -> Result<JsValue, JsValue> {
    JsFuture::from(p).await
}

async fn log_in(client: &PkceClient) {
    let url = await_js(client.login_url(JsValue::UNDEFINED))
        .await
        .unwrap()
        .as_string()
        .unwrap();
    let state = url::Url::parse(&url)
        .unwrap()
        .query_pairs()
        .find(|(k, _)| k == "state")
        .unwrap()
        .1
        .into_owned();
    let cb = format!("http://127.0.0.1:9/cb?code=c&state={state}");
    await_js(client.handle_callback(cb.into())).await.unwrap();
}

type Log = Rc<RefCell<Vec<String>>>;
type Handlers = Vec<Closure<dyn FnMut(JsValue)>>;

/// Records every event of `client` as "name:payload-json".
fn record(client: &PkceClient) -> (Log, Handlers) {
    let log: Log = Rc::default();
    let mut keep = Vec::new();
    for name in [
        "tokenRefreshed",
        "loggedOut",
        "sessionExpired",
        "tokenExpiring",
    ] {
        let l = log.clone();
        let handler = Closure::<dyn FnMut(JsValue)>::new(move |payload: JsValue| {
            let json = JSON::stringify(&payload).unwrap().as_string().unwrap();
            l.borrow_mut().push(format!("{name}:{json}"));
        });
        client
            .on(name.into(), handler.as_ref().clone())
            .expect("a known event");
        keep.push(handler);
    }
    (log, keep)
}

async fn token_of(client: &PkceClient) -> String {
    await_js(client.get_access_token())
        .await
        .unwrap()
        .as_string()
        .unwrap()
}

#[wasm_bindgen_test]
async fn sibling_tabs_refresh_a_rotating_token_exactly_once() {
    let server = install_fake_server();
    // Another document of the origin listens on the clients' channel.
    let (heard, listener) = listen("pixie:siblings");
    let a = PkceClient::new(config("siblings")).unwrap();
    let b = PkceClient::new(config("siblings")).unwrap();
    let (log_a, _keep_a) = record(&a);
    let (log_b, _keep_b) = record(&b);
    log_in(&a).await;
    log_in(&b).await; // the same RT-1: as a duplicated tab has
    assert_eq!(token_of(&a).await, "AT-1");

    // Both refresh at once: one request reaches the server, nobody presents a revoked token.
    let (pa, pb) = (a.refresh(), b.refresh());
    let ra = await_js(pa).await;
    let rb = await_js(pb).await;
    let tried = refresh_tokens(&server);
    assert!(ra.is_ok() && rb.is_ok(), "both resolve; server saw {tried}");
    assert_eq!(tried, "RT-1", "exactly one refresh");
    // Whoever refreshed shares the rotated session; the other tab adopts it.
    let rotated = |log: &Log| log.borrow().iter().any(|e| e.contains(r#""rotated":true"#));
    assert!(
        eventually(2_000, || rotated(&log_a) && rotated(&log_b)).await,
        "both tabs moved to the rotated token: {:?} {:?}",
        log_a.borrow(),
        log_b.borrow()
    );
    let adopted = |log: &Log| {
        log.borrow()
            .iter()
            .any(|e| e.contains(r#""rotated":true"#) && e.contains("other-tab"))
    };
    assert!(adopted(&log_a) || adopted(&log_b));
    assert_eq!(token_of(&a).await, "AT-2");
    assert_eq!(token_of(&b).await, "AT-2");

    // A 401: refresh once (RT-2), resend the same body once.
    reject_once(&server, "Bearer AT-2");
    let init = Object::new();
    Reflect::set(&init, &"method".into(), &"POST".into()).unwrap();
    Reflect::set(&init, &"body".into(), &"the payload".into()).unwrap();
    let response: web_sys::Response = await_js(a.call_api("/api/echo".into(), init.into()))
        .await
        .unwrap()
        .unchecked_into();
    assert_eq!(response.status(), 200);
    let text = await_js(response.text().unwrap()).await.unwrap();
    assert_eq!(text.as_string().unwrap(), "the payload");
    let calls = api_log(&server);
    assert_eq!(
        calls,
        r#"[{"auth":"Bearer AT-2","body":"the payload"},{"auth":"Bearer AT-3","body":"the payload"}]"#
    );
    assert_eq!(refresh_tokens(&server), "RT-1,RT-2");
    // The sibling picked up AT-3 from the broadcast, without a request of its own.
    assert!(
        eventually(2_000, || log_b
            .borrow()
            .iter()
            .filter(|e| e.starts_with("tokenRefreshed"))
            .count()
            >= 2)
        .await
    );
    assert_eq!(token_of(&b).await, "AT-3");
    assert_eq!(refresh_tokens(&server), "RT-1,RT-2");

    // The summary shows the refresh statistics.
    let summary = b.get_session();
    let count = Reflect::get(&summary, &"refreshCount".into()).unwrap();
    assert_eq!(count.as_f64(), Some(2.0));
    assert!(Reflect::get(&summary, &"lastRefreshAt".into())
        .unwrap()
        .as_f64()
        .is_some());

    // The listener heard the queries and the sessions, sealed: no token in clear.
    assert!(
        heard.borrow().len() >= 3,
        "{} messages",
        heard.borrow().len()
    );
    for m in heard.borrow().iter() {
        assert!(m.starts_with("p1."), "{m}");
        assert!(!m.contains("AT-") && !m.contains("RT-"), "{m}");
    }
    // Its forgeries change nothing: a logout in the old clear format, a sealed-looking one of
    // its own, a tampered copy and replays of what it heard.
    let family = heard.borrow()[0].split('.').nth(2).unwrap().to_string();
    let mut forged = vec![
        format!(r#"{{"loggedOut":{{"families":["{family}"]}}}}"#),
        format!("p1.loggedOut.{family}.{}.{}", now() as u64, "A".repeat(64)),
    ];
    for m in heard.borrow().iter() {
        forged.push(m.clone());
        let (head, body) = m.rsplit_once('.').unwrap();
        let flipped = if body.starts_with('A') { 'B' } else { 'A' };
        forged.push(format!("{head}.{flipped}{}", &body[1..]));
    }
    for m in &forged {
        assert!(listener.post(m));
    }
    timers::sleep(300).await;
    assert!(a.is_authenticated() && b.is_authenticated());
    assert_eq!(token_of(&a).await, "AT-3");
    assert_eq!(token_of(&b).await, "AT-3");
    assert_eq!(
        refresh_tokens(&server),
        "RT-1,RT-2",
        "no refresh was set off"
    );
    let loggedout = |log: &Log| log.borrow().iter().any(|e| e.starts_with("loggedOut"));
    assert!(!loggedout(&log_a) && !loggedout(&log_b));

    // Logout in one tab ends the other; logout() clears synchronously.
    let pending = a.logout(JsValue::UNDEFINED);
    assert!(!a.is_authenticated(), "gone before the promise settles");
    let result = await_js(pending).await.unwrap();
    assert_eq!(
        JSON::stringify(&result).unwrap().as_string().unwrap(),
        r#"{"revocation":"skipped","error":null,"redirectTo":null}"#
    );
    assert!(eventually(2_000, || !b.is_authenticated()).await);
    assert!(
        eventually(1_000, || log_b
            .borrow()
            .iter()
            .any(|e| e == r#"loggedOut:{"origin":"other-tab"}"#))
        .await
    );
    assert!(log_a
        .borrow()
        .iter()
        .any(|e| e == r#"loggedOut:{"origin":"this-tab"}"#));
    // No event handed a token to the app, and the logout went sealed too.
    for e in log_a.borrow().iter().chain(log_b.borrow().iter()) {
        assert!(!e.contains("AT-") && !e.contains("RT-"), "{e}");
    }
    assert!(heard
        .borrow()
        .iter()
        .any(|m| m.starts_with("p1.loggedOut.")));
    for m in heard.borrow().iter() {
        assert!(!m.contains("AT-") && !m.contains("RT-"), "{m}");
    }
    restore(&server);
}

#[wasm_bindgen_test]
async fn share_across_tabs_false_opens_no_channel() {
    let server = install_fake_server();
    let (heard, _listener) = listen("pixie:unshared");
    let a = PkceClient::new(config_with("unshared", r#","shareAcrossTabs":false"#)).unwrap();
    let b = PkceClient::new(config_with("unshared", r#","shareAcrossTabs":false"#)).unwrap();
    log_in(&a).await;
    log_in(&b).await;
    await_js(a.refresh()).await.unwrap();
    assert_eq!(token_of(&a).await, "AT-2");
    let _ = await_js(a.logout(JsValue::UNDEFINED)).await;
    timers::sleep(200).await;
    assert!(
        heard.borrow().is_empty(),
        "nothing posted: {:?}",
        heard.borrow()
    );
    assert!(b.is_authenticated(), "the other client heard no logout");
    assert_eq!(token_of(&b).await, "AT-1", "nor a refresh");
    restore(&server);
}

#[wasm_bindgen_test]
async fn handlers_are_checked_and_removable() {
    let client = PkceClient::new(config("handlers")).unwrap();
    let bad = client.on(
        "tokenexpiring".into(),
        js_sys::Function::new_no_args("").into(),
    );
    let code = Reflect::get(&bad.unwrap_err(), &"code".into()).unwrap();
    assert_eq!(code.as_string().as_deref(), Some("invalid_config"));
    assert!(client.on("loggedOut".into(), JsValue::from(5)).is_err());

    let calls = Rc::new(Cell::new(0));
    let c = calls.clone();
    let handler = Closure::<dyn FnMut(JsValue)>::new(move |_: JsValue| c.set(c.get() + 1));
    let f: JsValue = handler.as_ref().clone();
    client.on("loggedOut".into(), f.clone()).unwrap();
    client.on("loggedOut".into(), f.clone()).unwrap(); // added once
    let _ = await_js(client.logout(JsValue::UNDEFINED)).await;
    assert_eq!(calls.get(), 1);
    client.off("loggedOut".into(), f).unwrap();
    let _ = await_js(client.logout(JsValue::UNDEFINED)).await;
    assert_eq!(calls.get(), 1, "removed");
    // A handler that throws does not stop the others.
    let thrower = js_sys::Function::new_no_args("throw new Error('app bug')");
    client.on("loggedOut".into(), thrower.into()).unwrap();
    let c = calls.clone();
    let second = Closure::<dyn FnMut(JsValue)>::new(move |_: JsValue| c.set(c.get() + 10));
    client
        .on("loggedOut".into(), second.as_ref().clone())
        .unwrap();
    let _ = await_js(client.logout(JsValue::UNDEFINED)).await;
    assert_eq!(calls.get(), 11);
    // Invalid logout options reject, after logging out all the same.
    let bad = JSON::parse(r#"{"redirect":true,"returnTo":"javascript:alert(1)"}"#).unwrap();
    let err = await_js(client.logout(bad)).await.unwrap_err();
    let code = Reflect::get(&err, &"code".into()).unwrap();
    assert_eq!(code.as_string().as_deref(), Some("invalid_config"));
}

#[wasm_bindgen_test]
async fn blocked_session_storage_emits_storage_fallback() {
    let saved = block_session_storage();
    let client = PkceClient::new(JSON::parse(
        r#"{"clientId":"fallback","redirectUri":"http://127.0.0.1:9/cb",
        "authorizationEndpoint":"http://127.0.0.1:9/auth","tokenEndpoint":"http://127.0.0.1:9/token"}"#,
    )
    .unwrap());
    restore_session_storage(&saved);
    let client = client.unwrap();
    assert_eq!(client.storage_mode(), "memory-fallback");
    let got: Log = Rc::default();
    let g = got.clone();
    let handler = Closure::<dyn FnMut(JsValue)>::new(move |p: JsValue| {
        g.borrow_mut()
            .push(JSON::stringify(&p).unwrap().as_string().unwrap())
    });
    // Subscribed right after construction: the event comes on a microtask, not before.
    client
        .on("storageFallback".into(), handler.as_ref().clone())
        .unwrap();
    assert!(eventually(1_000, || !got.borrow().is_empty()).await);
    assert_eq!(
        *got.borrow(),
        [r#"{"requested":"session","actual":"memory"}"#]
    );
}
