//! The check behind the `url` fuzz target (`fuzz/fuzz_targets/url.rs`, nightly) and the corpus
//! replay in `cargo test` (stable). Not part of the API: hidden from the docs, and the release
//! `.wasm` never calls it. The differential half (against the `url` crate) is in
//! `differential.rs`, test code.
//!
//! A check panics when the code under test is wrong; that is the fuzzer's signal.

use super::{parse, UrlError, WebUrl};

/// [`WebUrl::parse`] on arbitrary bytes (read as UTF-8, invalid sequences replaced): parsing
/// never panics; a refusal has a message; what is accepted is ASCII, parses again to itself,
/// and its accessors, derived URLs and base checks agree with each other.
pub fn url(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    check(&text);
}

/// [`url`] on a text.
pub fn check(text: &str) {
    let url = match WebUrl::parse(text) {
        Ok(url) => url,
        Err(e) => {
            assert!(!e.message().is_empty(), "an error without a message");
            return;
        }
    };
    let s = url.as_str();
    assert!(s.is_ascii(), "the serialization is not ASCII");
    assert!(
        WebUrl::parse(s).as_ref() == Ok(&url),
        "the serialization does not parse back to itself"
    );

    // The parts put together are the whole.
    let mut whole = String::from(url.origin());
    whole.push_str(url.path());
    if let Some(q) = url.query() {
        whole.push('?');
        whole.push_str(q);
    }
    if let Some(f) = url.fragment() {
        whole.push('#');
        whole.push_str(f);
    }
    assert!(
        whole == s,
        "origin + path + query + fragment is not the URL"
    );
    let mut origin = String::from(url.scheme());
    origin.push_str("://");
    origin.push_str(url.host());
    if let Some(port) = url.port() {
        origin.push(':');
        origin.push_str(&port.to_string());
    }
    assert!(
        origin == url.origin(),
        "scheme, host and port are not the origin"
    );
    assert!(
        url.port() != Some(if url.is_https() { 443 } else { 80 }),
        "the default port is kept"
    );
    assert!(
        url.path().starts_with('/'),
        "the path does not start with /"
    );
    assert!(
        url.path().split('/').all(|s| !is_dot_segment(s)),
        "a dot segment is left in the path"
    );
    assert!(!url.host().is_empty(), "an empty host");

    // Derived URLs are URLs, and what they say they are.
    let appended = url.with_query_appended(&[("k y", "v&=é"), ("", "")]);
    assert!(
        WebUrl::parse(appended.as_str()).as_ref() == Ok(&appended),
        "with_query_appended gives a URL that parses differently"
    );
    let pairs: Vec<(String, String)> = appended.query_pairs().into_owned().collect();
    assert!(
        pairs.ends_with(&[
            ("k y".into(), "v&=é".into()),
            (String::new(), String::new())
        ]),
        "with_query_appended lost a pair"
    );
    assert!(
        appended.fragment() == url.fragment(),
        "with_query_appended lost the fragment"
    );
    let none = url.with_query_pairs_removed(&|_| true);
    assert!(none.query().is_none(), "removing every pair left a query");
    assert!(
        none.origin() == url.origin() && none.path() == url.path(),
        "removing pairs changed the origin or the path"
    );
    let all = url.with_query_pairs_removed(&|_| false);
    assert!(
        WebUrl::parse(all.as_str()).as_ref() == Ok(&all),
        "with_query_pairs_removed gives a URL that parses differently"
    );
    let kept: Vec<(String, String)> = all.query_pairs().into_owned().collect();
    let before: Vec<(String, String)> = url.query_pairs().into_owned().collect();
    assert!(kept == before, "keeping every pair changed them");
    let bare = url.without_fragment();
    assert!(
        bare.fragment().is_none() && s.starts_with(bare.as_str()),
        "without_fragment is not a prefix without fragment"
    );

    // Base checks.
    assert!(url.is_under(&url), "a URL is not under itself");
    let resolved = url.resolve_under("");
    assert!(
        resolved.as_ref().map(WebUrl::path) == Ok(url.path()),
        "resolve_under(\"\") is not the base path"
    );
    match url.resolve_under("x/../y") {
        Ok(child) => assert!(
            child.is_under(&url) && child.path().ends_with("/y"),
            "resolve_under resolved a path wrongly"
        ),
        Err(_) => panic!("resolve_under refused a plain path"),
    }
    // `..` never climbs above the base (a base path's final `/` is not significant).
    match url.resolve_under("../../..") {
        Ok(up) => assert!(
            up.path() == url.path() || Some(up.path()) == url.path().strip_suffix('/'),
            "resolve_under let .. out"
        ),
        // Character: `..` would remove a segment like `c:`.
        Err(e) => assert!(
            e == UrlError::NotUnder || e == UrlError::Character,
            "resolve_under refused .. oddly"
        ),
    }
    assert!(
        parse::scheme_end(s.as_bytes()) == Some(url.scheme().len()),
        "the scheme is not where it should be"
    );
}

fn is_dot_segment(segment: &str) -> bool {
    ["." as &str, "%2e", "..", ".%2e", "%2e.", "%2e%2e"]
        .iter()
        .any(|d| segment.eq_ignore_ascii_case(d))
}
