//! The frame bridge's browser glue in real browsers (Chromium and Firefox): the host's end
//! (`shareWithFrame`) answering a same-origin `srcdoc` frame against a fake token endpoint
//! (`window.fetch` replaced), what it drops and counts (another frame, the page itself, a
//! script-made event, malformed messages), the token it pushes after a refresh and the
//! `loggedOut` after a logout; the frame's end (`fromHost`) outside a frame; the argument
//! errors. The cross-origin flows are in tests/e2e/bridge.test.mjs.
//!
//! Run with `wasm-pack test --headless --chrome --test web_bridge` (or `--firefox`).
#![cfg(target_arch = "wasm32")]

use js_sys::{Promise, Reflect, JSON};
use pixie_auth::api::{genesys_host_origin, PkceClient};
use pixie_auth::browser::timers;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen(inline_js = r#"
export function install_token_server() {
  let n = 0;
  globalThis.fetch = async (input, init) => {
    const req = input instanceof Request ? input : new Request(input, init);
    if (new URL(req.url).pathname === "/token") {
      n += 1;
      return new Response(JSON.stringify({ access_token: "AT-" + n, token_type: "Bearer",
        expires_in: 3600, refresh_token: "RT-" + n, scope: "profile" }),
        { status: 200, headers: { "content-type": "application/json" } });
    }
    return new Response("{}", { status: 200, headers: { "content-type": "application/json" } });
  };
}
// A same-origin frame whose script records every message and, once loaded, says ready and
// asks for a token, then posts malformed messages.
export function make_frame(id) {
  const f = document.createElement("iframe");
  f.id = id;
  document.body.append(f);
  return f;
}
export function start_frame(f, ask) {
  const origin = JSON.stringify(location.origin);
  f.srcdoc = `<script>
    window.got = [];
    addEventListener("message", (e) => got.push({ origin: e.origin, data: e.data }));
    if (${ask}) {
      parent.postMessage({ pixie: "bridge/1", type: "ready" }, ${origin});
      parent.postMessage({ pixie: "bridge/1", type: "token", id: 1 }, ${origin});
      parent.postMessage([1, 2], ${origin});
      parent.postMessage({ type: "x".repeat(65) }, ${origin});
      parent.postMessage({ type: "big", pad: "x".repeat(20000) }, ${origin});
      parent.postMessage({ type: "queue-position", position: 3 }, ${origin});
    }
  <\/script>`;
}
export function got(f) {
  return JSON.stringify(f.contentWindow.got ?? null);
}
export function post_to_self(data) {
  window.postMessage(data, location.origin);
}
export function forge(f, data) {
  window.dispatchEvent(new MessageEvent("message", { data, origin: location.origin, source: f.contentWindow }));
}
export function page_body() {
  return document.body;
}
export function page_origin() {
  return location.origin;
}
"#)]
extern "C" {
    fn install_token_server();
    fn make_frame(id: &str) -> JsValue;
    fn start_frame(frame: &JsValue, ask: bool);
    fn got(frame: &JsValue) -> String;
    fn post_to_self(data: &JsValue);
    fn forge(frame: &JsValue, data: &JsValue);
    fn page_origin() -> String;
    fn page_body() -> JsValue;
}

fn json(text: &str) -> JsValue {
    JSON::parse(text).unwrap()
}

fn config() -> JsValue {
    json(
        r#"{"clientId":"bridge","redirectUri":"http://127.0.0.1:9/cb",
        "authorizationEndpoint":"http://127.0.0.1:9/auth","tokenEndpoint":"http://127.0.0.1:9/token",
        "apiBase":"http://127.0.0.1:9/","storage":"memory","scopes":["profile"],
        "shareAcrossTabs":false}"#,
    )
}

async fn await_js(p: Promise) -> Result<JsValue, JsValue> {
    JsFuture::from(p).await
}

fn code_of(e: &JsValue) -> String {
    Reflect::get(e, &"code".into())
        .unwrap()
        .as_string()
        .unwrap()
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

fn stat(stats: &JsValue, path: &[&str]) -> u32 {
    let mut v = stats.clone();
    for key in path {
        v = Reflect::get(&v, &(*key).into()).unwrap();
    }
    v.as_f64().unwrap() as u32
}

#[wasm_bindgen_test]
async fn the_host_answers_its_frame_with_the_access_token_only_and_drops_everything_else() {
    install_token_server();
    let client = PkceClient::new(config()).unwrap();
    log_in(&client).await;
    let frame = make_frame("shared");
    let twin = make_frame("twin");
    let origin = json(&format!(r#"{{"origin":"{}"}}"#, page_origin()));
    let bridge = client.share_with_frame(frame.clone(), origin).unwrap();
    start_frame(&frame, true);
    start_frame(&twin, true);
    timers::sleep(500).await;

    let seen = got(&frame);
    assert!(seen.contains(r#""type":"ack""#), "{seen}");
    assert!(seen.contains(r#""accessToken":"AT-1""#), "{seen}");
    assert!(
        !seen.contains("RT-1") && !seen.contains("refresh"),
        "{seen}"
    );
    assert_eq!(got(&twin), "[]", "the other frame was answered");

    let before = bridge.stats().unwrap();
    // The page itself, and a script-made event claiming the frame's window and origin.
    post_to_self(&json(r#"{"pixie":"bridge/1","type":"token","id":7}"#));
    forge(
        &frame,
        &json(r#"{"pixie":"bridge/1","type":"token","id":8}"#),
    );
    timers::sleep(200).await;
    let after = bridge.stats().unwrap();
    // ready, token, queue-position from the frame.
    assert_eq!(stat(&after, &["accepted"]), 3);
    // [1,2], a 65-character type, 20 kB from the frame.
    assert_eq!(stat(&after, &["droppedBy", "invalid"]), 3);
    // The twin's six and the page's own one.
    assert_eq!(stat(&after, &["droppedBy", "source"]), 7);
    assert_eq!(stat(&after, &["droppedBy", "untrusted"]), 1);
    assert_eq!(stat(&before, &["droppedBy", "untrusted"]), 0);
    assert_eq!(
        got(&frame).matches("accessToken").count(),
        1,
        "one answer only"
    );

    // A refresh pushes the new token to the frame it served; a logout pushes loggedOut.
    await_js(client.refresh()).await.unwrap();
    timers::sleep(200).await;
    let seen = got(&frame);
    assert!(seen.contains(r#""id":null,"accessToken":"AT-2""#), "{seen}");
    let _ = client.logout(JsValue::UNDEFINED);
    timers::sleep(200).await;
    assert!(got(&frame).contains(r#""type":"loggedOut""#));
    assert_eq!(got(&twin), "[]");

    // Closed: nothing more is answered.
    bridge.close();
    start_frame(&frame, true);
    timers::sleep(300).await;
    assert_eq!(got(&frame), "[]");
}

#[wasm_bindgen_test]
async fn a_host_without_a_session_answers_login_required() {
    install_token_server();
    let client = PkceClient::new(config()).unwrap();
    let frame = make_frame("no-session");
    let origin = json(&format!(r#"{{"origin":"{}"}}"#, page_origin()));
    let _bridge = client.share_with_frame(frame.clone(), origin).unwrap();
    start_frame(&frame, true);
    timers::sleep(400).await;
    let seen = got(&frame);
    assert!(
        seen.contains(r#""type":"error","id":1,"code":"login_required""#),
        "{seen}"
    );
    assert!(!seen.contains("accessToken"), "{seen}");
}

#[wasm_bindgen_test]
async fn outside_a_frame_from_host_is_host_unavailable_at_once() {
    let hosted = PkceClient::from_host(json(&format!(
        r#"{{"hostOrigin":"{}","apiBase":"http://127.0.0.1:9/"}}"#,
        page_origin()
    )))
    .unwrap();
    let started = js_sys::Date::now();
    let e = await_js(hosted.get_access_token()).await.unwrap_err();
    assert_eq!(code_of(&e), "host_unavailable");
    assert!(js_sys::Date::now() - started < 1_000.0);
    assert!(!hosted.is_authenticated());
    let e = await_js(hosted.call_api("/api".into(), JsValue::UNDEFINED))
        .await
        .unwrap_err();
    assert_eq!(code_of(&e), "host_unavailable");
}

#[wasm_bindgen_test]
fn bad_origins_options_and_arguments_throw_typed_errors() {
    for (options, code) in [
        (r#"{"hostOrigin":"*"}"#, "invalid_origin"),
        (r#"{"hostOrigin":"null"}"#, "invalid_origin"),
        (
            r#"{"hostOrigin":"http://portal.example"}"#,
            "invalid_origin",
        ),
        (
            r#"{"hostOrigin":"https://portal.example/app"}"#,
            "invalid_origin",
        ),
        (r#"{}"#, "invalid_config"),
        (
            r#"{"hostOrigin":"https://portal.example","storage":"local"}"#,
            "invalid_config",
        ),
    ] {
        let e = PkceClient::from_host(json(options)).err().expect(options);
        assert_eq!(code_of(&e), code, "{options}");
    }
    let client = PkceClient::new(config()).unwrap();
    let body = page_body();
    let e = client
        .share_with_frame(body, json(r#"{"origin":"https://crm.example"}"#))
        .err()
        .unwrap();
    assert_eq!(code_of(&e), "invalid_argument");
    let frame = make_frame("bad-origin");
    let e = client
        .share_with_frame(frame, json(r#"{"origin":"https://crm.example.evil/x"}"#))
        .err()
        .unwrap();
    assert_eq!(code_of(&e), "invalid_origin");

    let host = genesys_host_origin(
        "?gcHostOrigin=https%3A%2F%2Fapps.mypurecloud.ie&gcTargetEnv=prod".into(),
        JsValue::UNDEFINED,
    )
    .unwrap();
    assert_eq!(
        JSON::stringify(&host).unwrap().as_string().unwrap(),
        r#"{"origin":"https://apps.mypurecloud.ie","region":"eu_west_1","domain":"mypurecloud.ie","targetEnv":"prod"}"#
    );
    let e = genesys_host_origin(
        "?gcHostOrigin=https://apps.mypurecloud.ie:444".into(),
        JsValue::UNDEFINED,
    )
    .unwrap_err();
    assert_eq!(code_of(&e), "invalid_origin");
}
