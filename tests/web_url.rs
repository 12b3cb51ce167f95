//! `core::WebUrl` against the browser's own `URL` parser, in Chromium and Firefox
//! (`wasm-pack test --headless --chrome` / `--firefox`): every generated text we accept, the
//! browser accepts too, with the same `href`, `origin`, `hostname`, `port`, `pathname`,
//! `search` and `hash`; and every character an `xn--` label may encode is kept by the browser.
//! (The native tests hold the same parser to the `url` crate.)
#![cfg(target_arch = "wasm32")]

use pixie_auth::core::WebUrl;
use wasm_bindgen::prelude::*;
use wasm_bindgen_test::*;

#[path = "../src/core/weburl/generate.rs"]
mod generate;

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen(inline_js = r#"
export function browser_url(s) {
  try {
    const u = new URL(s);
    return [u.href, u.origin, u.hostname, u.port, u.pathname, u.search, u.hash].join("\n");
  } catch (e) {
    return undefined;
  }
}
"#)]
extern "C" {
    fn browser_url(s: &str) -> Option<String>;
}

/// What the browser's `URL` says of `url`, when it is what we say.
fn expected(url: &WebUrl) -> String {
    let port = url.port().map(|p| p.to_string()).unwrap_or_default();
    let search = match url.query() {
        Some(q) if !q.is_empty() => format!("?{q}"),
        _ => String::new(),
    };
    let hash = match url.fragment() {
        Some(f) if !f.is_empty() => format!("#{f}"),
        _ => String::new(),
    };
    [
        url.as_str(),
        url.origin(),
        url.host(),
        &port,
        url.path(),
        &search,
        &hash,
    ]
    .join("\n")
}

#[wasm_bindgen_test]
fn every_accepted_generated_url_is_the_browsers_url() {
    let mut generator = generate::Gen::new(0x0062_726f_7773);
    let (mut accepted, mut browser_only, mut both_refuse) = (0, 0, 0);
    for _ in 0..20_000 {
        let text = generator.url();
        match (WebUrl::parse(&text), browser_url(&text)) {
            (Ok(ours), Some(theirs)) => {
                assert_eq!(theirs, expected(&ours), "{text:?}");
                accepted += 1;
            }
            (Ok(ours), None) => panic!("{text:?}: the browser refuses {}", ours.as_str()),
            (Err(_), Some(_)) => browser_only += 1,
            (Err(_), None) => both_refuse += 1,
        }
    }
    console_log!(
        "20,000 generated: {accepted} accepted by both, {browser_only} refused by us only, \
         {both_refuse} by both"
    );
    assert!(accepted > 5_000, "{accepted}");
}

#[wasm_bindgen_test]
fn issue_10_cases_resolve_as_in_the_browser() {
    for (text, path) in [
        ("https://api.example/v2/../admin", "/admin"),
        ("https://api.example/v2/%2e%2e/admin", "/admin"),
        ("https://api.example/v2/.%2E/admin", "/admin"),
        ("https://api.example/v2/%2E./admin", "/admin"),
        ("https://api.example/v2/x/./%2e/../y", "/v2/y"),
        ("https://api.example/v2/a\u{2028}b", "/v2/a%E2%80%A8b"),
    ] {
        let ours = WebUrl::parse(text).unwrap();
        assert_eq!(ours.path(), path, "{text}");
        assert_eq!(browser_url(text).unwrap(), expected(&ours), "{text}");
    }
    // What we refuse as credentials, the browser reads as credentials: the host is the last.
    let theirs = browser_url("https://api.example@evil.com/v2").unwrap();
    assert!(theirs.contains("\nhttps://evil.com\n"), "{theirs}");
}

#[wasm_bindgen_test]
fn the_browser_keeps_every_character_an_xn_label_may_encode() {
    let mut n = 0;
    for &(lo, hi) in generate::IDN_RANGES {
        for c in lo..=hi {
            let c = char::from_u32(c).unwrap();
            let text = format!("https://xn--{}.example/", generate::punycode(&['a', c]));
            let ours = WebUrl::parse(&text).unwrap();
            assert_eq!(
                browser_url(&text).as_deref(),
                Some(expected(&ours).as_str()),
                "U+{:04X}",
                c as u32
            );
            n += 1;
        }
    }
    console_log!("{n} characters kept");
}
