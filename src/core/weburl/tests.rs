//! `WebUrl`: hand-written cases first (what is accepted and how it is serialized, what is
//! refused and why, the issue 10 cases, the accessors and helpers), then the differential run
//! against the `url` crate on generated texts, then the code's discipline.

use super::generate::{punycode, Gen, IDN_RANGES};
use super::{parse, UrlError, WebUrl};
use std::collections::BTreeMap;

#[path = "differential.rs"]
mod differential;

use differential::{Outcome, Stricter};

fn ok(text: &str) -> WebUrl {
    match WebUrl::parse(text) {
        Ok(url) => url,
        Err(e) => panic!("{text:?} refused: {e:?}"),
    }
}

fn err(text: &str) -> UrlError {
    match WebUrl::parse(text) {
        Ok(url) => panic!("{text:?} accepted as {}", url.as_str()),
        Err(e) => e,
    }
}

// ---- accepted, and serialized as WHATWG does ------------------------------------------------

#[test]
fn accepted_texts_serialize_as_whatwg_and_the_url_crate_do() {
    let cases: &[(&str, &str)] = &[
        ("https://api.example", "https://api.example/"),
        (
            "HTTPS://API.Example.COM/Path",
            "https://api.example.com/Path",
        ),
        ("hTTp://localhost:8080", "http://localhost:8080/"),
        ("http://example.com:80/", "http://example.com/"),
        ("https://example.com:443/x", "https://example.com/x"),
        ("http://example.com:443/", "http://example.com:443/"),
        ("https://example.com:80/", "https://example.com:80/"),
        ("https://example.com:0/", "https://example.com:0/"),
        ("https://example.com:65535/", "https://example.com:65535/"),
        ("https://example.com./", "https://example.com./"),
        ("https://a-b--c.example/", "https://a-b--c.example/"),
        ("https://-x-.example/", "https://-x-.example/"),
        ("https://123.example/", "https://123.example/"),
        ("https://foo.0xg/", "https://foo.0xg/"),
        ("http://127.0.0.1:3000/cb", "http://127.0.0.1:3000/cb"),
        ("http://0.0.0.0/", "http://0.0.0.0/"),
        ("http://255.255.255.255/", "http://255.255.255.255/"),
        ("http://[::1]/", "http://[::1]/"),
        ("http://[0:0:0:0:0:0:0:1]:8080/", "http://[::1]:8080/"),
        ("http://[2001:DB8::A:0:0:1]/", "http://[2001:db8::a:0:0:1]/"),
        (
            "http://[2001:db8:0:0:1:0:0:1]/",
            "http://[2001:db8::1:0:0:1]/",
        ),
        ("http://[1:0:1:0:1:0:1:0]/", "http://[1:0:1:0:1:0:1:0]/"),
        ("http://[::]/", "http://[::]/"),
        ("http://[1::]/", "http://[1::]/"),
        ("http://[0001:0db8::]/", "http://[1:db8::]/"),
        ("http://[::ffff:1.2.3.4]/", "http://[::ffff:102:304]/"),
        ("http://[::127.0.0.1]/", "http://[::7f00:1]/"),
        (
            "https://xn--bcher-kva.example/",
            "https://xn--bcher-kva.example/",
        ),
        (
            "https://XN--BCHER-KVA.EXAMPLE/",
            "https://xn--bcher-kva.example/",
        ),
        (
            "https://xn--e1afmkfd.xn--p1ai/",
            "https://xn--e1afmkfd.xn--p1ai/",
        ),
        ("https://xn--wgv71a119e.jp/", "https://xn--wgv71a119e.jp/"),
        // Paths: dot segments in every form, resolved.
        ("https://a.example", "https://a.example/"),
        ("https://a.example?x", "https://a.example/?x"),
        ("https://a.example#f", "https://a.example/#f"),
        ("https://a.example/b/c/..", "https://a.example/b/"),
        ("https://a.example/b/c/../", "https://a.example/b/"),
        ("https://a.example/b/./c", "https://a.example/b/c"),
        ("https://a.example/b/.", "https://a.example/b/"),
        ("https://a.example/..", "https://a.example/"),
        ("https://a.example/../../x", "https://a.example/x"),
        ("https://a.example/b/%2e%2e/c", "https://a.example/c"),
        ("https://a.example/b/%2E%2e/c", "https://a.example/c"),
        ("https://a.example/b/.%2E/c", "https://a.example/c"),
        ("https://a.example/b/%2e./c", "https://a.example/c"),
        ("https://a.example/b/%2E/c", "https://a.example/b/c"),
        ("https://a.example/b/%2e", "https://a.example/b/"),
        ("https://a.example/b/...", "https://a.example/b/..."),
        (
            "https://a.example/b/%2e%2e%2e",
            "https://a.example/b/%2e%2e%2e",
        ),
        (
            "https://a.example/b/..%2f../c",
            "https://a.example/b/..%2f../c",
        ),
        ("https://a.example//x//", "https://a.example//x//"),
        ("https://a.example/a//..", "https://a.example/a/"),
        ("https://a.example/c:/x/..", "https://a.example/c:/"),
        ("https://a.example/c://..", "https://a.example/c:/"),
        ("https://a.example/cd:/..", "https://a.example/"),
        ("https://a.example/.?q", "https://a.example/?q"),
        ("https://a.example/b/..#f", "https://a.example/#f"),
        // Percent-encoding: the path, query and fragment sets; escapes kept, even invalid.
        (
            "https://a.example/a b\"<>`{}",
            "https://a.example/a%20b%22%3C%3E%60%7B%7D",
        ),
        (
            "https://a.example/é/\u{2028}",
            "https://a.example/%C3%A9/%E2%80%A8",
        ),
        (
            "https://a.example/%zz/%/%4/%41",
            "https://a.example/%zz/%/%4/%41",
        ),
        ("https://a.example/\u{1}\u{7f}", "https://a.example/%01%7F"),
        (
            "https://a.example/'[]@:;=!$&()*+,~",
            "https://a.example/'[]@:;=!$&()*+,~",
        ),
        (
            "https://a.example/?a b\"'<>`{}|^",
            "https://a.example/?a%20b%22%27%3C%3E`{}|^",
        ),
        (
            "https://a.example/?é=\u{0}x",
            "https://a.example/?%C3%A9=%00x",
        ),
        (
            "https://a.example/?q#a b\"'<>`{}|^#",
            "https://a.example/?q#a%20b%22'%3C%3E%60{}|^#",
        ),
        ("https://a.example/#\u{0}é", "https://a.example/#%00%C3%A9"),
        ("https://a.example/??##", "https://a.example/??##"),
        ("https://a.example/?", "https://a.example/?"),
        ("https://a.example/#", "https://a.example/#"),
    ];
    for (input, expected) in cases {
        let url = ok(input);
        assert_eq!(url.as_str(), *expected, "{input:?}");
        assert_eq!(
            differential::check(input),
            Ok(Outcome::BothAccept),
            "{input:?}"
        );
    }
}

// ---- refused, and why --------------------------------------------------------------------------

#[test]
fn refusals_name_their_reason() {
    use UrlError::*;
    let cases: &[(&str, UrlError)] = &[
        ("", NotAbsolute),
        ("/path", NotAbsolute),
        ("//evil.com", NotAbsolute),
        ("evil.com/x", NotAbsolute),
        ("?x", NotAbsolute),
        ("1http://a/", NotAbsolute),
        ("ftp://a.example/", Scheme),
        ("javascript:alert(1)", Scheme),
        ("data:text/html,x", Scheme),
        ("httpss://a/", Scheme),
        ("http:a.example", Scheme),
        ("http:/a.example", Scheme),
        ("localhost:8080", Scheme),
        ("https://user:pw@api.example/", Credentials),
        ("https://api.example@evil.com/", Credentials),
        ("https://@api.example/", Credentials),
        ("https://:@api.example/", Credentials),
        ("https://a@b@c/", Credentials),
        ("https:///a.example/", Host),
        ("https://", Host),
        ("https://:443/", Host),
        ("https://a_b.example/", Host),
        ("https://münchen.example/", Host),
        ("https://m%C3%BCnchen.example/", Host),
        ("https://%61.example/", Host),
        ("https://a*b/", Host),
        ("https://a b/", Host),
        ("https://.example/", Host),
        ("https://a..example/", Host),
        ("https://example.com../", Host),
        ("https://./", Host),
        ("https://127.1/", Host),
        ("https://0x7f.0.0.1/", Host),
        ("https://0x7f.1/", Host),
        ("https://0177.0.0.1/", Host),
        ("https://127.0.0.01/", Host),
        ("https://127.0.0.1./", Host),
        ("https://2130706433/", Host),
        ("https://256.0.0.1/", Host),
        ("https://1.2.3.4.5/", Host),
        ("https://example.123/", Host),
        ("https://foo.0x/", Host),
        ("https://foo.0x1f/", Host),
        ("https://[::1/", Host),
        ("https://[::1]x/", Host),
        ("https://[::1%25eth0]/", Host),
        ("https://[1:2:3:4:5:6:7:8:9]/", Host),
        ("https://[1::2::3]/", Host),
        ("https://[:1]/", Host),
        ("https://[1:]/", Host),
        ("https://[::1.2.3]/", Host),
        ("https://[::01.2.3.4]/", Host),
        ("https://[::256.2.3.4]/", Host),
        ("https://[1:2:3:4:5:6:7:1.2.3.4]/", Host),
        ("https://[12345::]/", Host),
        ("https://[g::]/", Host),
        ("https://xn--/", Host),
        ("https://xn--zz.example/", Host),
        ("https://xn--abc-.example/", Host),
        ("https://xn---abc.example/", Host),
        ("https://xn--ls8h.example/", Host), // an emoji: outside the agreed characters
        ("https://xn--mgbh0fb.example/", Host), // Arabic: right-to-left
        ("https://xn--80ak6aa92e.com/", Host), // "аррӏе": U+04CF is not in the list
        ("https://a.example:/", Port),
        ("https://a.example:0443/", Port),
        ("https://a.example:00/", Port),
        ("https://a.example:65536/", Port),
        ("https://a.example:99999999999999999999/", Port),
        ("https://a.example:8a/", Port),
        ("https://a.example:-1/", Port),
        ("https://a.example:80:80/", Port),
        (" https://a.example/", Character),
        ("https://a.example/ ", Character),
        ("\u{0}https://a.example/", Character),
        ("https://a.example/\u{1f}", Character),
        ("https://a.example/a\tb", Character),
        ("https://a.example/a\nb", Character),
        ("https://a.example/a\rb", Character),
        ("ht\ttps://a.example/", Character),
        ("https://a.exa\nmple/", Character),
        ("\\\\evil.com", Character),
        ("https:\\\\evil.com", Character),
        ("https://a.example\\@evil.com/", Character),
        ("https://a.example/a\\b", Character),
        ("https://a.example/?a\\b", Character),
        ("https://a.example/a^b", Character),
        ("https://a.example/a|b", Character),
        ("https://a.example/c:/..", Character),
        ("https://a.example/x/C:/%2e%2e/y", Character),
    ];
    for (input, expected) in cases {
        assert_eq!(err(input), *expected, "{input:?}");
    }
}

/// Every deliberate refusal above that WHATWG (the `url` crate) accepts is explained by the
/// differential check, with the reason expected.
#[test]
fn refusals_stricter_than_whatwg_are_the_listed_ones() {
    use Stricter::*;
    let cases: &[(&str, Stricter)] = &[
        ("ftp://a.example/", OtherScheme),
        ("javascript:alert(1)", OtherScheme),
        ("http:a.example", Slashes),
        ("http:/a.example", Slashes),
        ("https:///a.example/", Slashes),
        (" https://a.example/", EdgeCharacter),
        ("https://a.example/\u{1f}", EdgeCharacter),
        ("https://a.example/a\tb", TabOrNewline),
        ("https://a.example\\@evil.com/", Backslash),
        ("https:\\\\evil.com", Backslash),
        ("https://a.example/a^b", CaretOrPipeInPath),
        ("https://a.example/a|b", CaretOrPipeInPath),
        ("https://0.example/v:/..", DriveLetterDotDot),
        ("https://a.example/x/C:/./%2e%2e/y", DriveLetterDotDot),
        ("https://user:pw@api.example/", Credentials),
        ("https://api.example@evil.com/", Credentials),
        ("https://@api.example/", Credentials),
        ("https://a_b.example/", HostCharacter),
        ("https://%61.example/", HostCharacter),
        ("https://.example/", EmptyLabel),
        ("https://a..example/", EmptyLabel),
        ("https://./", EmptyLabel),
        ("https://127.1/", NonCanonicalIpv4),
        ("https://0x7f.0.0.1/", NonCanonicalIpv4),
        ("https://0177.0.0.1/", NonCanonicalIpv4),
        ("https://127.0.0.1./", NonCanonicalIpv4),
        ("https://2130706433/", NonCanonicalIpv4),
        ("https://xn--ls8h.example/", Idn),
        ("https://xn--mgbh0fb.example/", Idn),
        ("https://a.example:/", PortForm),
        ("https://a.example:0443/", PortForm),
    ];
    for (input, expected) in cases {
        assert_eq!(
            differential::check(input),
            Ok(Outcome::Stricter(*expected)),
            "{input:?}"
        );
    }
}

#[test]
fn error_messages_never_echo_the_input() {
    let secret = "SECRET-CODE";
    for text in [
        "https://SECRET-CODE@a/",
        "https://a/SECRET-CODE^",
        "ftp://SECRET-CODE/",
        "https://SECRET-CODE_/",
        "https://a:SECRET-CODE/",
        "SECRET-CODE",
    ] {
        let e = err(text);
        assert!(!e.message().contains(secret), "{e:?}");
        assert!(!e.message().is_empty());
        assert_eq!(e.to_string(), e.message());
    }
}

#[test]
fn debug_shows_origin_and_path_never_query_or_fragment() {
    let url = ok("https://app.example/cb?code=SECRET&state=S#access_token=T");
    let shown = format!("{url:?}");
    assert_eq!(shown, "WebUrl(https://app.example/cb?…#…)");
    assert!(!shown.contains("SECRET") && !shown.contains("T)"));
    assert_eq!(
        format!("{:?}", ok("https://a.example/x")),
        "WebUrl(https://a.example/x)"
    );
}

// ---- issue 10: callApi and returnTo -----------------------------------------------------------

#[test]
fn issue_10_a_path_beside_the_base_is_not_under_it() {
    let base = ok("https://api.example/v2");
    assert!(ok("https://api.example/v2").is_under(&base));
    assert!(ok("https://api.example/v2/").is_under(&base));
    assert!(ok("https://api.example/v2/users/me?x=1#f").is_under(&base));
    assert!(!ok("https://api.example/v2evil").is_under(&base));
    assert!(!ok("https://api.example/v").is_under(&base));
    assert!(!ok("https://api.example/").is_under(&base));
    assert!(!ok("https://api.example/V2/x").is_under(&base));
    // A final slash on the base is not significant.
    let slash = ok("https://api.example/v2/");
    assert!(ok("https://api.example/v2").is_under(&slash));
    assert!(ok("https://api.example/v2/x").is_under(&slash));
    assert!(!ok("https://api.example/v2evil").is_under(&slash));
    // A root base covers its whole origin, and only it.
    let root = ok("https://api.example");
    assert!(ok("https://api.example/anything").is_under(&root));
    assert!(!ok("https://api.example.evil.com/").is_under(&root));
    assert!(!ok("https://api.example:8443/").is_under(&root));
    assert!(!ok("http://api.example/").is_under(&root));
    assert!(ok("https://API.EXAMPLE:443/x").is_under(&root));
}

#[test]
fn issue_10_dot_segments_resolve_before_the_under_check() {
    let base = ok("https://api.example/v2");
    for text in [
        "https://api.example/v2/../admin",
        "https://api.example/v2/%2e%2e/admin",
        "https://api.example/v2/.%2E/admin",
        "https://api.example/v2/%2E%2e/admin",
        "https://api.example/v2/%2e./admin",
        "https://api.example/v2/x/../../admin",
    ] {
        let url = ok(text);
        assert_eq!(url.path(), "/admin", "{text}");
        assert!(!url.is_under(&base), "{text}");
    }
    let url = ok("https://api.example/v2/x/./../y");
    assert_eq!(url.path(), "/v2/y");
    assert!(url.is_under(&base));
    for target in [
        "../admin",
        "/../admin",
        "%2e%2e/admin",
        ".%2E/admin",
        "x/../../admin",
        "..",
        "https://api.example/v2/../admin",
    ] {
        assert_eq!(
            base.resolve_under(target),
            Err(UrlError::NotUnder),
            "{target}"
        );
    }
}

#[test]
fn issue_10_credentials_scheme_relative_backslashes_and_line_breaks_are_refused() {
    assert_eq!(err("https://api.example@evil.com/"), UrlError::Credentials);
    assert_eq!(err("https://user:pw@api.example/"), UrlError::Credentials);
    assert_eq!(err("//evil.com"), UrlError::NotAbsolute);
    assert_eq!(err("\\\\evil.com"), UrlError::Character);
    assert_eq!(err("/\\evil.com"), UrlError::Character);
    assert_eq!(err("https://api.example/\tx"), UrlError::Character);
    assert_eq!(err("https://api.example/\nx"), UrlError::Character);
    // U+2028 is no line break to a URL parser: percent-encoded, as the browser does, so it
    // reaches no header or page raw.
    assert_eq!(ok("https://api.example/a\u{2028}b").path(), "/a%E2%80%A8b");
    let base = ok("https://api.example/v2");
    for target in ["//evil.com", "//evil.com/v2"] {
        assert_eq!(
            base.resolve_under(target),
            Err(UrlError::NotAbsolute),
            "{target}"
        );
    }
    for target in [
        "\\\\evil.com",
        "/\\evil.com",
        "x\ty",
        "x\ny",
        " /x",
        "\u{0}/x",
        "x ",
    ] {
        assert_eq!(
            base.resolve_under(target),
            Err(UrlError::Character),
            "{target:?}"
        );
    }
    for target in [
        "https://evil.com/v2",
        "https://api.example.evil.com/v2",
        "http://api.example/v2",
        "https://api.example:444/v2",
        "https://api.example/v2evil",
    ] {
        assert_eq!(
            base.resolve_under(target),
            Err(UrlError::NotUnder),
            "{target}"
        );
    }
    assert_eq!(
        base.resolve_under("https://api.example@evil.com/v2"),
        Err(UrlError::Credentials)
    );
    assert_eq!(
        base.resolve_under("javascript:alert(1)"),
        Err(UrlError::Scheme)
    );
}

#[test]
fn issue_10_return_to_cases() {
    // returnTo is an absolute URL of the app's origin.
    let app = ok("https://app.example/");
    let cases: &[(&str, Result<&str, UrlError>)] = &[
        (
            "https://app.example/.//evil.com",
            Ok("https://app.example//evil.com"),
        ),
        (
            "https://app.example/%2F%2Fevil.com",
            Ok("https://app.example/%2F%2Fevil.com"),
        ),
        (
            "https://app.example/%5Cevil.com",
            Ok("https://app.example/%5Cevil.com"),
        ),
        ("https://app.example/\\evil.com", Err(UrlError::Character)),
        ("https://app.example/\tx", Err(UrlError::Character)),
        (
            "https://app.example/\u{2028}",
            Ok("https://app.example/%E2%80%A8"),
        ),
        ("https://evil.com@app.example/", Err(UrlError::Credentials)),
        ("https://app.example@evil.com/", Err(UrlError::Credentials)),
    ];
    for (text, expected) in cases {
        let got = WebUrl::parse(text);
        assert_eq!(
            got.as_ref().map(WebUrl::as_str),
            expected.as_ref().copied(),
            "{text:?}"
        );
        // Whatever is accepted stays on the app's origin.
        if let Ok(url) = got {
            assert!(url.is_under(&app), "{text:?}");
        }
    }
}

#[test]
fn resolve_under_appends_paths_like_the_lead_did_and_resolves_like_the_browser() {
    let base = ok("https://api.example/v2");
    let cases: &[(&str, &str)] = &[
        ("/users/me?x=1", "https://api.example/v2/users/me?x=1"),
        ("users/me", "https://api.example/v2/users/me"),
        ("/users/a b", "https://api.example/v2/users/a%20b"),
        (
            "/users/é?q=é",
            "https://api.example/v2/users/%C3%A9?q=%C3%A9",
        ),
        ("/x/../y", "https://api.example/v2/y"),
        ("/", "https://api.example/v2/"),
        ("", "https://api.example/v2"),
        ("?x=1", "https://api.example/v2?x=1"),
        ("#top", "https://api.example/v2#top"),
        ("https://api.example/v2/abs", "https://api.example/v2/abs"),
        (
            "HTTPS://API.EXAMPLE:443/v2/abs",
            "https://api.example/v2/abs",
        ),
    ];
    for (target, expected) in cases {
        let url = base.resolve_under(target).unwrap();
        assert_eq!(url.as_str(), *expected, "{target:?}");
    }
    let slash = ok("https://api.example/v2/?ignored#too");
    assert_eq!(
        slash.resolve_under("/users").unwrap().as_str(),
        "https://api.example/v2/users"
    );
    assert_eq!(
        slash.resolve_under("?x").unwrap().as_str(),
        "https://api.example/v2/?x"
    );
    let root = ok("https://api.mypurecloud.ie/");
    assert_eq!(
        root.resolve_under("/api/v2/users/me").unwrap().as_str(),
        "https://api.mypurecloud.ie/api/v2/users/me"
    );
    assert_eq!(
        root.resolve_under("api/v2/users/me").unwrap().as_str(),
        "https://api.mypurecloud.ie/api/v2/users/me"
    );
}

// ---- accessors and helpers ---------------------------------------------------------------------

#[test]
fn accessors_give_the_parts() {
    let url = ok("HTTPS://Api.Example:8443/a/./b/../c?x=1&y=%20#frag");
    assert_eq!(url.as_str(), "https://api.example:8443/a/c?x=1&y=%20#frag");
    assert_eq!(url.scheme(), "https");
    assert!(url.is_https());
    assert_eq!(url.host(), "api.example");
    assert_eq!(url.port(), Some(8443));
    assert_eq!(url.port_or_default(), 8443);
    assert_eq!(url.origin(), "https://api.example:8443");
    assert_eq!(url.path(), "/a/c");
    assert_eq!(url.query(), Some("x=1&y=%20"));
    assert_eq!(url.fragment(), Some("frag"));
    assert_eq!(
        url.without_fragment().as_str(),
        "https://api.example:8443/a/c?x=1&y=%20"
    );
    let pairs: Vec<(String, String)> = url.query_pairs().into_owned().collect();
    assert_eq!(pairs, [("x".into(), "1".into()), ("y".into(), " ".into())]);
    let plain = ok("http://[::1]/");
    assert_eq!(
        (
            plain.scheme(),
            plain.host(),
            plain.port(),
            plain.port_or_default()
        ),
        ("http", "[::1]", None, 80)
    );
    assert_eq!((plain.query(), plain.fragment()), (None, None));
    assert_eq!(plain.query_pairs().count(), 0);
    let bare = ok("https://a.example/?#");
    assert_eq!((bare.query(), bare.fragment()), (Some(""), Some("")));
    assert_eq!(String::from(bare.clone()), "https://a.example/?#");
    assert_eq!(bare.clone().into_string(), bare.as_ref());
}

#[test]
fn loopback_is_localhost_127_slash_8_and_ipv6_one() {
    for text in [
        "http://localhost/",
        "http://LOCALHOST:3000/",
        "http://127.0.0.1/",
        "http://127.255.0.9/",
        "http://[::1]:8080/",
        "http://[0:0::1]/",
    ] {
        assert!(ok(text).is_loopback(), "{text}");
    }
    for text in [
        "http://localhost./",
        "http://a.localhost/",
        "http://127.example/",
        "http://128.0.0.1/",
        "http://[::2]/",
        "http://[::ffff:127.0.0.1]/",
        "https://example.com/",
    ] {
        assert!(!ok(text).is_loopback(), "{text}");
    }
}

#[test]
fn query_helpers_match_the_url_crate_byte_for_byte() {
    let url = ok("https://as.example/authorize?audience=x#keep");
    let out = url.with_query_appended(&[
        ("client_id", "my app"),
        ("redirect_uri", "https://app.example/cb?x=1&y=é"),
        ("scope", "openid profile"),
        ("state", "a+b/c=d"),
    ]);
    let mut theirs = url::Url::parse(url.as_str()).unwrap();
    theirs
        .query_pairs_mut()
        .append_pair("client_id", "my app")
        .append_pair("redirect_uri", "https://app.example/cb?x=1&y=é")
        .append_pair("scope", "openid profile")
        .append_pair("state", "a+b/c=d");
    assert_eq!(out.as_str(), theirs.as_str());
    assert_eq!(
        out.as_str(),
        "https://as.example/authorize?audience=x&client_id=my+app&redirect_uri=https%3A%2F%2Fapp.\
         example%2Fcb%3Fx%3D1%26y%3D%C3%A9&scope=openid+profile&state=a%2Bb%2Fc%3Dd#keep"
    );
    assert_eq!(out.fragment(), Some("keep"));
    assert_eq!(
        ok("https://a.example/p")
            .with_query_appended(&[("a", "1")])
            .as_str(),
        "https://a.example/p?a=1"
    );
    assert_eq!(
        ok("https://a.example/p?")
            .with_query_appended(&[("a", "1")])
            .as_str(),
        "https://a.example/p?a=1"
    );

    let callback = ok("https://app.example/cb?keep=1&code=C&state=S&iss=I&x=a+b#frag");
    let clean = callback.with_query_pairs_removed(&|name| ["code", "state", "iss"].contains(&name));
    assert_eq!(clean.as_str(), "https://app.example/cb?keep=1&x=a+b#frag");
    assert_eq!(
        clean.without_fragment().as_str(),
        "https://app.example/cb?keep=1&x=a+b"
    );
    let only = ok("https://app.example/cb?code=C&state=S");
    assert_eq!(
        only.with_query_pairs_removed(&|n| n == "code" || n == "state")
            .as_str(),
        "https://app.example/cb"
    );
    // Re-encoded as url would: %20 becomes +, empty pieces go.
    assert_eq!(
        ok("https://a.example/?a=%20&&b&c=%2B")
            .with_query_pairs_removed(&|_| false)
            .as_str(),
        "https://a.example/?a=+&b=&c=%2B"
    );
    assert_eq!(
        ok("https://a.example/?")
            .with_query_pairs_removed(&|_| false)
            .as_str(),
        "https://a.example/"
    );
    assert_eq!(
        ok("https://a.example/#f")
            .with_query_pairs_removed(&|_| true)
            .as_str(),
        "https://a.example/#f"
    );
}

// ---- IDN: the agreed characters ----------------------------------------------------------------

#[test]
fn the_generator_and_the_parser_agree_on_the_idn_characters() {
    for c in 0..0x11_0000u32 {
        let listed = IDN_RANGES.iter().any(|&(lo, hi)| (lo..=hi).contains(&c));
        assert_eq!(parse::is_idn_char(c), listed, "U+{c:04X}");
    }
}

/// Every agreed character, alone and after `a`, as Punycode: we accept it, and the `url` crate
/// serializes it the same (the browsers are checked by `tests/web_url.rs`).
#[test]
fn every_agreed_idn_character_is_accepted_as_punycode() {
    let mut n = 0;
    for &(lo, hi) in IDN_RANGES {
        for c in lo..=hi {
            let c = char::from_u32(c).unwrap();
            for label in [vec![c], vec!['a', c], vec![c, c, 'z']] {
                let text = format!("https://xn--{}.example/", punycode(&label));
                assert_eq!(
                    differential::check(&text),
                    Ok(Outcome::BothAccept),
                    "{text}"
                );
                n += 1;
            }
        }
    }
    assert!(n > 90_000, "{n}");
    // Punycode of characters outside the list is refused; url (without IDNA tables) takes it.
    for c in [
        'ß', 'ς', 'A', 'À', '\u{301}', '\u{200d}', 'ا', '😀', '\u{e000}',
    ] {
        let text = format!("https://xn--{}.example/", punycode(&['a', c]));
        assert_eq!(err(&text), UrlError::Host, "{text}");
    }
}

// ---- differential run against the url crate ----------------------------------------------------

#[derive(Debug, Default)]
struct Tally {
    inputs: u64,
    both_accept: u64,
    both_reject: u64,
    stricter: BTreeMap<Stricter, u64>,
}

fn differential(count: u64, seed: u64) -> Tally {
    let mut generator = Gen::new(seed);
    let mut tally = Tally::default();
    for _ in 0..count {
        let text = generator.url();
        tally.inputs += 1;
        match differential::check(&text) {
            Ok(Outcome::BothAccept) => {
                tally.both_accept += 1;
                if std::panic::catch_unwind(|| super::fuzzing::check(&text)).is_err() {
                    panic!("seed {seed}: the fuzz check failed on {text:?}");
                }
            }
            Ok(Outcome::BothReject) => tally.both_reject += 1,
            Ok(Outcome::Stricter(why)) => *tally.stricter.entry(why).or_default() += 1,
            Err(why) => {
                let ours = WebUrl::parse(&text);
                let theirs = url::Url::parse(&text).map(String::from);
                panic!("seed {seed}: {why}: {text:?}: ours {ours:?}, url {theirs:?}");
            }
        }
    }
    tally
}

fn seed() -> u64 {
    std::env::var("PIXIE_URL_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0x0075_726c)
}

/// 20,000 generated texts; `PIXIE_URL_COUNT=n` changes the count, `PIXIE_URL_SEED=n` the seed.
#[test]
fn differential_against_the_url_crate() {
    let count = std::env::var("PIXIE_URL_COUNT")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(20_000);
    let tally = differential(count, seed());
    eprintln!("{tally:?}");
    assert_eq!(tally.inputs, count);
    // The generator reaches every case it is meant to: a third accepted by both, and every
    // deliberate refusal.
    assert!(tally.both_accept > count / 3, "{tally:?}");
    assert!(tally.both_reject > 0, "{tally:?}");
    for why in [
        Stricter::OtherScheme,
        Stricter::Slashes,
        Stricter::EdgeCharacter,
        Stricter::TabOrNewline,
        Stricter::Backslash,
        Stricter::CaretOrPipeInPath,
        Stricter::DriveLetterDotDot,
        Stricter::Credentials,
        Stricter::HostCharacter,
        Stricter::EmptyLabel,
        Stricter::NonCanonicalIpv4,
        Stricter::Idn,
        Stricter::PortForm,
    ] {
        assert!(
            tally.stricter.contains_key(&why),
            "{why:?} never seen: {tally:?}"
        );
    }
}

/// The long run: 1,000,000 generated texts.
/// `cargo test --release --lib weburl::tests::differential_million -- --ignored --nocapture`
#[test]
#[ignore]
fn differential_million() {
    let start = std::time::Instant::now();
    let tally = differential(1_000_000, seed());
    eprintln!("{tally:?} in {:?}", start.elapsed());
    assert_eq!(tally.inputs, 1_000_000);
}

/// Every file of `fuzz/corpus/url/` through the differential check (`core::fuzzing` runs each
/// through the fuzz target's own check).
#[test]
#[cfg(not(target_arch = "wasm32"))] // reads fuzz/corpus/
fn fuzz_corpus_passes_the_differential_check() {
    for (path, data) in crate::core::fuzzing::corpus("url") {
        if let Err(why) = differential::check(&String::from_utf8_lossy(&data)) {
            panic!("{}: {why}", path.display());
        }
    }
}

// ---- discipline of the non-test code -----------------------------------------------------------

#[test]
#[cfg(not(target_arch = "wasm32"))] // reads the source files
fn the_code_has_no_float_no_format_no_panic_and_no_indexing() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/src/core/weburl/");
    for file in ["mod.rs", "parse.rs", "form.rs"] {
        let text = std::fs::read_to_string(format!("{dir}{file}")).unwrap();
        let code: String = text
            .lines()
            .filter(|l| !l.trim_start().starts_with("//"))
            .collect::<Vec<_>>()
            .join("\n");
        for banned in [
            "f32",
            "f64",
            "format!",
            "{:?}",
            "write!",
            "to_string()",
            "println!",
            ".unwrap()",
            ".expect(",
            "panic!",
            "unreachable!",
            "assert",
            "<T:",
            "impl Fn",
            "crate::",
        ] {
            assert!(!code.contains(banned), "{file} uses {banned}");
        }
        // No indexing: a `[` right after a name, `)` or `]` would index.
        for (n, line) in code.lines().enumerate() {
            for (i, _) in line.match_indices('[') {
                let indexing = line[..i]
                    .chars()
                    .last()
                    .is_some_and(|c| c.is_alphanumeric() || c == '_' || c == ')' || c == ']');
                assert!(!indexing, "{file}:{}: indexing: {line}", n + 1);
            }
        }
    }
}

// ---- the form codec against the url crate's form_urlencoded ------------------------------------

/// A text of form syntax and its edge cases: `&`, `=`, `+`, `%` with and without two hex
/// digits, encoded invalid UTF-8, raw non-ASCII, spaces, the bytes `byte_serialize` keeps.
fn form_text(generator: &mut Gen) -> String {
    const PIECES: &[&str] = &[
        "&",
        "&&",
        "=",
        "==",
        "+",
        "%",
        "%2",
        "%20",
        "%2B",
        "%3d",
        "%26",
        "%zz",
        "%C3%A9",
        "%FF",
        "%E2%82",
        "%ed%a0%80",
        "a",
        "Z",
        "0",
        "*",
        "-",
        ".",
        "_",
        "~",
        " ",
        "é",
        "€",
        "😀",
        "/",
        "?",
        "#",
        "\"",
        "code",
        "state",
        "\t",
        "\u{7f}",
        "\u{0}",
    ];
    let mut text = String::new();
    for _ in 0..generator.rng.below(12) {
        text.push_str(generator.rng.pick(PIECES));
    }
    text
}

/// `form_pairs` reads what `form_urlencoded::parse` reads, and `push_form_pair` writes what
/// `form_urlencoded::Serializer::append_pair` writes, on 20,000 generated texts (more with
/// `PIXIE_URL_COUNT`).
#[test]
fn form_codec_matches_form_urlencoded() {
    let count = std::env::var("PIXIE_URL_COUNT")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(20_000);
    let mut generator = Gen::new(seed());
    for _ in 0..count {
        let text = form_text(&mut generator);
        let ours: Vec<(String, String)> = super::form_pairs(&text).into_owned().collect();
        let theirs: Vec<(String, String)> = url::form_urlencoded::parse(text.as_bytes())
            .into_owned()
            .collect();
        assert_eq!(ours, theirs, "form_pairs({text:?})");
        let value = form_text(&mut generator);
        let mut ours = String::new();
        let mut theirs = url::form_urlencoded::Serializer::new(String::new());
        for (name, value) in [(text.as_str(), value.as_str()), ("", ""), (&value, &text)] {
            super::push_form_pair(&mut ours, 0, name, value);
            theirs.append_pair(name, value);
        }
        assert_eq!(ours, theirs.finish(), "push_form_pair({text:?}, {value:?})");
    }
}
