//! The pure parts of guest tokens: options, the request, the answer (every way `exp` can be
//! wrong), `Retry-After` in each form, the schedule, the events.

use serde_json::json;

use super::*;
use crate::core::error::ConfigError;
use crate::core::http::{Credentials, HttpResponse, Method};
use crate::core::json::parse;
use crate::core::secret::GuestJwt;
use crate::core::testing::{err, jwt, T0};

const ENDPOINT: &str = "http://127.0.0.1:9100/api/internal/guest-token";

fn options(value: serde_json::Value) -> Result<GuestOptions, ConfigError> {
    GuestOptions::from_json(&parse(&value.to_string()).unwrap())
}

fn resolved() -> GuestOptions {
    options(json!({"endpoint": "/api/internal/guest-token"}))
        .unwrap()
        .with_endpoint(ENDPOINT)
        .unwrap()
}

fn field_and_reason(e: ConfigError) -> (&'static str, String) {
    match e {
        ConfigError::Invalid { field, reason } => (field, reason),
        other => panic!("{other:?}"),
    }
}

#[test]
fn options_defaults_and_exact_keys() {
    let o = options(json!({"endpoint": "/api/internal/guest-token"})).unwrap();
    assert_eq!(
        o.endpoint, "/api/internal/guest-token",
        "resolved by the browser later"
    );
    assert_eq!(o.refresh_lead_ms, DEFAULT_GUEST_REFRESH_LEAD_S * 1000);
    assert_eq!(o.min_validity_ms, DEFAULT_GUEST_MIN_VALIDITY_S * 1000);
    assert_eq!(o.credentials, Credentials::Omit);
    assert_eq!(o.verification, None);

    let (field, reason) =
        field_and_reason(options(json!({"endpoint": "/x", "refreshLead": 5})).unwrap_err());
    assert_eq!(field, "options");
    assert!(reason.contains("\"refreshLead\""), "{reason}");
    let (_, reason) =
        field_and_reason(options(json!({"endpoint": "/x", "minvalidity": 5})).unwrap_err());
    assert!(reason.contains("did you mean \"minValidity\""), "{reason}");
    assert_eq!(
        field_and_reason(options(json!({})).unwrap_err()).0,
        "endpoint"
    );
    assert_eq!(
        field_and_reason(options(json!({"endpoint": " "})).unwrap_err()).0,
        "endpoint"
    );
    assert_eq!(
        field_and_reason(options(json!("/x")).unwrap_err()).0,
        "options"
    );
}

#[test]
fn options_values_are_checked() {
    // body reaches the core only when it is not a function (JSON.stringify drops functions).
    for body in [json!({"name": "x"}), json!("x"), json!(1)] {
        let e = options(json!({"endpoint": "/x", "body": body})).unwrap_err();
        assert_eq!(field_and_reason(e).0, "body");
    }
    assert!(options(json!({"endpoint": "/x", "body": null})).is_ok());
    let o = options(
        json!({"endpoint": "/x", "refreshLeadSeconds": 30, "minValidity": 0,
        "credentials": "include"}),
    )
    .unwrap();
    assert_eq!((o.refresh_lead_ms, o.min_validity_ms), (30_000, 0));
    assert_eq!(o.credentials, Credentials::Include);
    for (key, value) in [
        ("refreshLeadSeconds", json!(1.5)),
        ("refreshLeadSeconds", json!(-1)),
        ("refreshLeadSeconds", json!(86_401)),
        ("minValidity", json!("60")),
        ("credentials", json!("cors")),
        ("credentials", json!(true)),
    ] {
        let e = options(json!({"endpoint": "/x", key: value})).unwrap_err();
        assert_eq!(field_and_reason(e).0, key, "{key}: {value}");
    }
}

#[test]
fn verification_takes_all_three_settings() {
    let o = options(
        json!({"endpoint": "/x", "jwksUri": "http://127.0.0.1:9000/jwks",
        "issuer": "http://127.0.0.1:9000/api/v2/webchat/guest", "audience": "chat"}),
    )
    .unwrap();
    let v = o.verification.unwrap();
    assert_eq!(v.jwks_uri.as_str(), "http://127.0.0.1:9000/jwks");
    assert_eq!(
        (v.issuer.as_str(), v.audience.as_str()),
        ("http://127.0.0.1:9000/api/v2/webchat/guest", "chat")
    );
    for (given, missing) in [
        (json!({"issuer": "i", "audience": "a"}), "jwksUri"),
        (
            json!({"jwksUri": "https://k.example/jwks", "audience": "a"}),
            "issuer",
        ),
        (
            json!({"jwksUri": "https://k.example/jwks", "issuer": "i"}),
            "audience",
        ),
        (
            json!({"jwksUri": "https://k.example/jwks", "issuer": "i", "audience": ""}),
            "audience",
        ),
    ] {
        let mut o = given.clone();
        o["endpoint"] = json!("/x");
        assert_eq!(
            field_and_reason(options(o).unwrap_err()).0,
            missing,
            "{given}"
        );
    }
    let e = options(
        json!({"endpoint": "/x", "jwksUri": "http://keys.example/jwks",
        "issuer": "i", "audience": "a"}),
    )
    .unwrap_err();
    assert_eq!(field_and_reason(e).0, "jwksUri", "plain http off loopback");
}

#[test]
fn the_resolved_endpoint_must_be_https_or_loopback() {
    let o = options(json!({"endpoint": "/x"})).unwrap();
    assert!(o.clone().with_endpoint("https://www.example.com/x").is_ok());
    assert!(o.clone().with_endpoint("http://localhost:8080/x").is_ok());
    for bad in [
        "http://www.example.com/x",
        "ftp://127.0.0.1/x",
        "https://user:pw@www.example.com/x",
        "https://www.example.com/x#f",
        "not a url",
    ] {
        let e = o.clone().with_endpoint(bad).unwrap_err();
        assert_eq!(field_and_reason(e).0, "endpoint", "{bad}");
    }
}

#[test]
fn the_request_posts_json_without_cookies() {
    let o = resolved();
    let r = guest_token_request(&o, Some(r#"{"name":"Ada"}"#.into()), None).unwrap();
    assert_eq!(r.method, Method::Post);
    assert_eq!(r.url, ENDPOINT);
    assert_eq!(r.header("content-type"), Some("application/json"));
    assert_eq!(r.header("accept"), Some("application/json"));
    assert_eq!(r.header("authorization"), None);
    assert_eq!(r.body.as_deref(), Some(r#"{"name":"Ada"}"#));
    assert_eq!(r.credentials, Credentials::Omit);
    assert!(!r.follows_redirects(), "a body never follows a redirect");
    let r = guest_token_request(&o, None, None).unwrap();
    assert_eq!(r.body.as_deref(), Some("{}"));
    // The token held goes along, so the endpoint may keep the same guest.
    let held = GuestJwt::new("a.b.c");
    let r = guest_token_request(&o, None, Some(&held)).unwrap();
    assert_eq!(r.header("authorization"), Some("Bearer a.b.c"));
    for body in ["[1]", "\"x\"", "3", "not json", ""] {
        let e = guest_token_request(&o, Some(body.into()), None).unwrap_err();
        assert_eq!(field_and_reason(e).0, "body", "{body}");
    }
}

const NOW_S: u64 = T0 / 1000;

fn ok(body: serde_json::Value) -> HttpResponse {
    answer(200, &[], &body.to_string())
}

fn answer(status: u16, headers: &[(&str, &str)], body: &str) -> HttpResponse {
    HttpResponse {
        status,
        headers: headers
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        body: body.into(),
    }
}

fn with_claims(claims: &str) -> HttpResponse {
    ok(json!({ "accessToken": jwt(claims) }))
}

fn invalid_reason(response: &HttpResponse) -> &'static str {
    match process_guest_token_response(response, T0) {
        Err(GuestTokenError::Invalid(why)) => why,
        Err(other) => panic!("{other:?}"),
        Ok(_) => panic!("accepted"),
    }
}

#[test]
fn a_good_answer_gives_the_token_and_its_times() {
    let token = jwt(&format!(r#"{{"iat":{NOW_S},"exp":{}}}"#, NOW_S + 1800));
    let t = process_guest_token_response(&ok(json!({ "accessToken": token })), T0).unwrap();
    assert_eq!(t.jwt.secret(), token);
    assert_eq!(t.issued_at, T0);
    assert_eq!(t.expires_at, T0 + 1_800_000);
    // Without a Date header the offset comes from iat: here the clocks agree.
    assert_eq!(t.clock_offset_ms, Some(0));
    // access_token (snake case) is read too; no iat: issued when it arrived.
    let t = process_guest_token_response(
        &ok(json!({ "access_token": jwt(&format!(r#"{{"exp":{}}}"#, NOW_S + 60)) })),
        T0,
    )
    .unwrap();
    assert_eq!(
        (t.issued_at, t.expires_at, t.clock_offset_ms),
        (T0, T0 + 60_000, None)
    );
}

#[test]
fn exp_is_read_on_the_servers_clock() {
    // The browser's clock is 10 minutes fast: the server's Date says T0, the browser T0 + 10 min.
    let fast = T0 + 600_000;
    let claims = format!(r#"{{"iat":{NOW_S},"exp":{}}}"#, NOW_S + 1800);
    let mut r = with_claims(&claims);
    r.headers
        .push(("date".into(), "Fri, 15 Jan 2027 08:00:00 GMT".into()));
    assert_eq!(
        crate::core::parse_http_date("Fri, 15 Jan 2027 08:00:00 GMT"),
        Some(T0)
    );
    let t = process_guest_token_response(&r, fast).unwrap();
    assert_eq!(t.clock_offset_ms, Some(-600_000));
    assert_eq!(
        t.expires_at,
        fast + 1_800_000,
        "exp translated to the browser's clock"
    );
    assert_eq!(t.server_now_ms, T0);
    // A token valid for the server is not refused because the browser's clock is ahead of exp.
    let short = format!(r#"{{"exp":{}}}"#, NOW_S + 60);
    let mut r = with_claims(&short);
    r.headers
        .push(("date".into(), "Fri, 15 Jan 2027 08:00:00 GMT".into()));
    assert!(process_guest_token_response(&r, fast).is_ok());
}

#[test]
fn exp_edge_cases_are_guest_token_invalid() {
    let exp = NOW_S + 600;
    for claims in [
        r#"{"sub":"x"}"#.to_string(),    // missing
        format!(r#"{{"exp":{exp}.5}}"#), // a fraction
        format!(r#"{{"exp":{exp}.0}}"#), // not written as an integer
        r#"{"exp":1.8e9}"#.into(),       // an exponent
        r#"{"exp":1e300}"#.into(),       // huge
        format!(r#"{{"exp":"{exp}"}}"#), // a string
        r#"{"exp":-5}"#.into(),          // negative
        r#"{"exp":null}"#.into(),
        r#"{"exp":18446744073709551616}"#.into(), // past u64
        r#"{"exp":253402300800}"#.into(),         // past the year 9999
        format!(r#"{{"exp":{exp},"iat":"now"}}"#),
        format!(r#"{{"exp":{exp},"iat":1.5}}"#),
    ] {
        let why = invalid_reason(&with_claims(&claims));
        assert!(why.contains("exp"), "{claims}: {why}");
    }
    // Past on the server's clock, or at this very second.
    for past in [NOW_S - 1, NOW_S, 0] {
        let why = invalid_reason(&with_claims(&format!(r#"{{"exp":{past}}}"#)));
        assert_eq!(why, "its exp is already past", "{past}");
    }
    let why = invalid_reason(&with_claims(&format!(
        r#"{{"exp":{exp},"iat":{}}}"#,
        exp + 1
    )));
    assert_eq!(why, "its iat is after its exp");
}

#[test]
fn an_unusable_body_is_guest_token_invalid() {
    for body in [
        "".to_string(),
        "not json".into(),
        "[]".into(),
        json!({}).to_string(),
        json!({"accessToken": ""}).to_string(),
        json!({"accessToken": 7}).to_string(),
        json!({"accessToken": "opaque-token"}).to_string(),
        json!({"accessToken": "a.b"}).to_string(),
        json!({"accessToken": jwt("not json")}).to_string(),
        format!(
            "{{\"accessToken\":\"{}\"}}{}",
            jwt(r#"{"exp":1}"#),
            " ".repeat(MAX_GUEST_RESPONSE_LEN)
        ),
    ] {
        invalid_reason(&answer(200, &[], &body));
    }
    // A message never quotes the token.
    let e = err(process_guest_token_response(
        &with_claims(r#"{"exp":"SECRET"}"#),
        T0,
    ));
    let mut text = String::new();
    e.describe(&mut text);
    assert!(!text.contains("SECRET") && !text.contains('.'), "{text}");
}

#[test]
fn rate_limits_and_failures_carry_the_servers_wait() {
    let limited = |headers: &[(&str, &str)], body: &str| match process_guest_token_response(
        &answer(429, headers, body),
        T0,
    ) {
        Err(e @ GuestTokenError::RateLimited { .. }) => e,
        other => panic!("{}", other.is_ok()),
    };
    // Seconds.
    assert_eq!(limited(&[("retry-after", "2")], "").retry_after(), Some(2));
    // An HTTP date, counted from the response's Date, not the browser's clock.
    let e = limited(
        &[
            ("date", "Fri, 15 Jan 2027 08:00:00 GMT"),
            ("retry-after", "Fri, 15 Jan 2027 08:00:03 GMT"),
        ],
        "",
    );
    assert_eq!(e.retry_after(), Some(3));
    let skewed = err(process_guest_token_response(
        &answer(
            429,
            &[
                ("date", "Fri, 15 Jan 2027 08:00:00 GMT"),
                ("retry-after", "Fri, 15 Jan 2027 08:00:03 GMT"),
            ],
            "",
        ),
        T0 + 3_600_000,
    ));
    assert_eq!(
        skewed.retry_after(),
        Some(3),
        "a browser an hour fast waits 3 s too"
    );
    // JSON only, and both (the header wins).
    assert_eq!(
        limited(&[], r#"{"error":"rate_limited","retryAfter":4}"#).retry_after(),
        Some(4)
    );
    assert_eq!(
        limited(&[("retry-after", "2")], r#"{"retryAfter":9}"#).retry_after(),
        Some(2)
    );
    assert_eq!(limited(&[], "").retry_after(), None);
    assert_eq!(limited(&[], r#"{"retryAfter":"soon"}"#).retry_after(), None);
    let e = limited(&[("retry-after", "2")], "");
    assert_eq!(
        (e.code(), e.status(), e.is_transient()),
        ("rate_limited", Some(429), true)
    );

    for (status, transient) in [
        (502, true),
        (503, true),
        (500, true),
        (408, true),
        (400, false),
        (403, false),
        (404, false),
        (413, false),
        (415, false),
        (401, false),
    ] {
        let e = err(process_guest_token_response(
            &answer(status, &[], r#"{"error":"upstream_failed","message":"x"}"#),
            T0,
        ));
        assert_eq!(
            e,
            GuestTokenError::Failed {
                status,
                retry_after: None
            }
        );
        assert_eq!(
            (e.code(), e.status(), e.is_transient()),
            ("guest_token_failed", Some(status), transient)
        );
    }
    let e = err(process_guest_token_response(
        &answer(503, &[("retry-after", "5")], ""),
        T0,
    ));
    assert_eq!(e.retry_after(), Some(5));
}

fn times(issued: u64, lifetime_s: u64) -> GuestTimes {
    GuestTimes {
        issued_at: issued,
        expires_at: issued + lifetime_s * 1000,
        received_at: issued,
    }
}

#[test]
fn the_schedule_refreshes_lead_before_exp_or_halfway() {
    let none = GuestFailures::default();
    let lead = 600_000;
    // No token yet: fetch at once.
    assert_eq!(next_guest_step(None, none, lead, T0), GuestStep::Fetch);
    // A 30-minute token: refresh 10 minutes before exp.
    let t = times(T0, 1800);
    assert_eq!(guest_refresh_at(&t, lead), T0 + 1_200_000);
    assert_eq!(
        next_guest_step(Some(t), none, lead, T0),
        GuestStep::Wait(Some(T0 + 1_200_000))
    );
    assert_eq!(
        next_guest_step(Some(t), none, lead, T0 + 1_200_000),
        GuestStep::Fetch
    );
    // A 15-minute token (shorter than twice the lead): halfway.
    let t = times(T0, 900);
    assert_eq!(guest_refresh_at(&t, lead), T0 + 450_000);
    // A few seconds in tests: halfway too, never sooner than 2 s after it arrived.
    assert_eq!(guest_refresh_at(&times(T0, 6), lead), T0 + 3_000);
    assert_eq!(
        guest_refresh_at(&times(T0, 1), lead),
        T0 + MIN_GUEST_REFRESH_INTERVAL_MS
    );
    // Woken after a sleep: due at once; woken after exp: the token is forgotten, then fetched.
    let t = times(T0, 1800);
    assert_eq!(
        next_guest_step(Some(t), none, lead, T0 + 1_500_000),
        GuestStep::Fetch
    );
    assert_eq!(
        next_guest_step(Some(t), none, lead, T0 + 1_800_000),
        GuestStep::Forget
    );
    assert_eq!(
        next_guest_step(None, none, lead, T0 + 9_999_999),
        GuestStep::Fetch
    );
}

#[test]
fn failed_cycles_are_paced() {
    let lead = 600_000;
    let mut f = GuestFailures::default();
    f.record(T0, None);
    assert_eq!(
        f,
        GuestFailures {
            count: 1,
            retry_at: T0 + 15_000
        }
    );
    assert_eq!(
        next_guest_step(None, f, lead, T0),
        GuestStep::Wait(Some(T0 + 15_000))
    );
    assert_eq!(
        next_guest_step(None, f, lead, T0 + 15_000),
        GuestStep::Fetch
    );
    f.record(T0 + 15_000, None);
    assert_eq!(f.retry_at, T0 + 15_000 + 30_000);
    // A Retry-After longer than the pace wins.
    let mut g = GuestFailures::default();
    g.record(T0, Some(120));
    assert_eq!(g.retry_at, T0 + 120_000);
    // With a token still held: the next attempt after the pace, the wake-up no later than exp.
    let t = times(T0, 20);
    assert_eq!(
        next_guest_step(Some(t), g, lead, T0 + 10_000),
        GuestStep::Wait(Some(T0 + 20_000))
    );
    assert_eq!(
        next_guest_step(Some(t), g, lead, T0 + 20_000),
        GuestStep::Forget
    );
}

#[test]
fn a_held_token_is_usable_with_min_validity_left() {
    let t = times(T0, 1800);
    assert!(is_usable(&t, 60_000, T0));
    assert!(is_usable(&t, 60_000, T0 + 1_739_999));
    assert!(!is_usable(&t, 60_000, T0 + 1_740_000));
    assert!(!is_usable(&t, 0, T0 + 1_800_000));
    // A token living less than twice minValidity: usable until halfway.
    let short = times(T0, 6);
    assert!(is_usable(&short, 60_000, T0 + 2_999));
    assert!(!is_usable(&short, 60_000, T0 + 3_000));
}

#[test]
fn event_payloads_carry_times_and_codes_never_the_token() {
    let cases = [
        (
            GuestEvent::Expiring {
                expires_at: 5,
                seconds_left: 0,
            },
            "tokenExpiring",
            r#"{"expiresAt":5,"secondsLeft":0}"#,
        ),
        (
            GuestEvent::Refreshed {
                expires_at: 9,
                refresh_at: 8,
                refresh_count: 2,
                last_refresh_at: 7,
            },
            "tokenRefreshed",
            r#"{"expiresAt":9,"refreshAt":8,"refreshCount":2,"lastRefreshAt":7}"#,
        ),
        (
            GuestEvent::Expired {
                code: "rate_limited",
                status: Some(429),
                retry_after: Some(2),
                expires_at: None,
                retry_at: 11,
            },
            "tokenExpired",
            r#"{"code":"rate_limited","status":429,"retryAfter":2,"expiresAt":null,"retryAt":11}"#,
        ),
    ];
    for (event, name, json) in cases {
        assert_eq!(event.name(), Some(name));
        assert!(GUEST_EVENT_NAMES.contains(&name));
        assert_eq!(event.payload().to_json(), json);
    }
    let token = GuestEvent::Token(GuestJwt::new("a.b.c"));
    assert_eq!(token.name(), None);
    assert!(token.payload().is_null());
}
