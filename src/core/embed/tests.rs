use super::*;
use crate::core::{Error, WebUrl};

fn origin(text: &str) -> ExactOrigin {
    ExactOrigin::parse(text).unwrap_or_else(|e| panic!("{text}: {e:?}"))
}

#[test]
fn a_configured_origin_is_normalised_as_the_browser_serialises_event_origin() {
    for (given, normal) in [
        ("https://crm.example", "https://crm.example"),
        ("https://crm.example/", "https://crm.example"),
        ("HTTPS://CRM.Example", "https://crm.example"),
        ("https://crm.example:443", "https://crm.example"),
        ("https://crm.example:8443", "https://crm.example:8443"),
        ("http://127.0.0.1:8081", "http://127.0.0.1:8081"),
        ("http://localhost:80/", "http://localhost"),
        ("http://[::1]:9000", "http://[::1]:9000"),
    ] {
        assert_eq!(origin(given).as_str(), normal, "{given}");
    }
}

#[test]
fn matching_is_exact_no_prefix_suffix_scheme_or_port_slack() {
    let crm = origin("https://crm.example");
    assert!(crm.matches("https://crm.example"));
    for other in [
        "https://crm.example.evil",
        "https://crm.example:444",
        "https://crm.example:443", // a browser never sends the default port
        "http://crm.example",
        "https://sub.crm.example",
        "https://evilcrm.example",
        "https://crm.exampl",
        "https://crm.example/",
        "HTTPS://CRM.EXAMPLE", // a browser sends it lower case: anything else is not a browser
        "https://CRM.example",
        "null",
        "",
        "*",
        " https://crm.example",
    ] {
        assert!(!crm.matches(other), "{other} matched");
    }
    let local = origin("http://127.0.0.1:8081");
    assert!(local.matches("http://127.0.0.1:8081"));
    assert!(!local.matches("http://127.0.0.1:8082"));
    assert!(!local.matches("http://localhost:8081"));
    assert!(!local.matches("https://127.0.0.1:8081"));
}

#[test]
fn a_configured_origin_that_is_not_an_exact_trustworthy_origin_is_refused() {
    for bad in [
        "null",
        "NULL",
        "*",
        "",
        "crm.example",
        "//crm.example",
        "https://crm.example/app",
        "https://crm.example/?x=1",
        "https://crm.example#top",
        "https://user@crm.example",
        "http://crm.example", // plain http off loopback
        "ftp://crm.example",
        "data:text/html,hi",
        "javascript:alert(1)",
        "https://*.crm.example",
        "https://crm.example:99999",
        "https://crm.example:",
    ] {
        let e = ExactOrigin::parse(bad).expect_err(bad);
        assert_eq!(Error::from(e.clone()).code(), "invalid_origin", "{bad}");
        let mut text = String::new();
        e.describe(&mut text);
        if bad.len() > 4 {
            assert!(!text.contains(bad), "the message echoes {bad}");
        }
    }
}

#[test]
fn genesys_host_origin_accepts_the_region_tables_https_origins_only() {
    let host = genesys_host_origin(
        "?gcHostOrigin=https%3A%2F%2Fapps.mypurecloud.ie&gcTargetEnv=prod-euw1",
        None,
    )
    .unwrap();
    assert_eq!(host.origin.as_str(), "https://apps.mypurecloud.ie");
    assert_eq!(host.region, "eu_west_1");
    assert_eq!(host.domain, "mypurecloud.ie");
    assert_eq!(host.target_env.as_deref(), Some("prod-euw1"));
    // Without the `?`, the default port written out, and the region expected.
    let host = genesys_host_origin(
        "conversationId=1&gcHostOrigin=https://apps.usw2.pure.cloud:443",
        Some("us-west-2"),
    )
    .unwrap();
    assert_eq!(host.origin.as_str(), "https://apps.usw2.pure.cloud");
    assert_eq!(host.target_env, None);
    assert_eq!(
        genesys_host_origin(
            "gcHostOrigin=https://mypurecloud.com",
            Some("mypurecloud.com")
        )
        .unwrap()
        .region,
        "us_east_1"
    );
}

#[test]
fn genesys_host_origin_refuses_what_genesys_own_sdk_lets_through() {
    for search in [
        "",
        "?gcTargetEnv=prod",
        "?gcHostOrigin=http://apps.mypurecloud.com",
        "?gcHostOrigin=https://apps.mypurecloud.com:444",
        "?gcHostOrigin=https://apps.mypurecloud.com.evil",
        "?gcHostOrigin=https://apps.mypurecloud.com.evil.example",
        "?gcHostOrigin=https://evilmypurecloud.com",
        "?gcHostOrigin=https://a.b.mypurecloud.com",
        "?gcHostOrigin=https://pure.cloud",
        "?gcHostOrigin=https://evil.pure.cloud",
        "?gcHostOrigin=http://localhost:8080",
        "?gcHostOrigin=https://localhost",
        "?gcHostOrigin=null",
        "?gcHostOrigin=https://apps.mypurecloud.com/path",
        "?gcHostOrigin=https://apps.mypurecloud.com&gcHostOrigin=https://evil.example",
        "?gcHostOrigin=https://apps.mypurecloud.com&gcTargetEnv=dev",
        "?gcHostOrigin=https://apps.mypurecloud.com&gcTargetEnv=prod-",
        "?gcHostOrigin=https://apps.mypurecloud.com&gcTargetEnv=prod-EUW1",
    ] {
        let e = genesys_host_origin(search, None).expect_err(search);
        assert_eq!(e.code(), "invalid_origin", "{search}");
    }
    // A real Genesys origin, but of another region than the configured one.
    let e = genesys_host_origin(
        "?gcHostOrigin=https://apps.mypurecloud.de",
        Some("eu_west_1"),
    )
    .unwrap_err();
    assert_eq!(e.code(), "invalid_origin");
    assert!(
        genesys_host_origin("?gcHostOrigin=https://apps.mypurecloud.de", Some("nowhere")).is_err()
    );
}

#[test]
fn frame_messages_are_read_strictly_and_app_events_kept_as_plain_copies() {
    assert_eq!(
        FrameMessage::parse(r#"{"pixie":"bridge/1","type":"ready"}"#),
        Ok(FrameMessage::Ready)
    );
    assert_eq!(
        FrameMessage::parse(r#"{"pixie":"bridge/1","type":"token","id":7}"#),
        Ok(FrameMessage::TokenRequest {
            id: 7,
            refresh: false
        })
    );
    assert_eq!(
        FrameMessage::parse(r#"{"pixie":"bridge/1","type":"token","id":8,"refresh":true}"#),
        Ok(FrameMessage::TokenRequest {
            id: 8,
            refresh: true
        })
    );
    let event =
        FrameMessage::parse(r#"{"type":"genesys-cloud-embed:queue-position","position":3}"#)
            .unwrap();
    match event {
        FrameMessage::AppEvent { kind, value } => {
            assert_eq!(kind, "genesys-cloud-embed:queue-position");
            assert_eq!(value.get("position").and_then(|v| v.as_u64()), Some(3));
        }
        other => panic!("{other:?}"),
    }
    let big = format!(
        r#"{{"type":"x","pad":"{}"}}"#,
        "a".repeat(MAX_BRIDGE_MESSAGE_LEN)
    );
    for bad in [
        "",
        "null",
        "\"token\"",
        "[1]",
        "{}",
        r#"{"type":1}"#,
        r#"{"type":""}"#,
        r#"{"type":"has space"}"#,
        r#"{"type":"<script>"}"#,
        r#"{"pixie":"bridge/2","type":"ready"}"#,
        r#"{"pixie":true,"type":"ready"}"#,
        r#"{"pixie":"bridge/1","type":"ack"}"#,
        r#"{"pixie":"bridge/1","type":"what"}"#,
        r#"{"pixie":"bridge/1","type":"ready","extra":1}"#,
        r#"{"pixie":"bridge/1","type":"token"}"#,
        r#"{"pixie":"bridge/1","type":"token","id":-1}"#,
        r#"{"pixie":"bridge/1","type":"token","id":"1"}"#,
        r#"{"pixie":"bridge/1","type":"token","id":1,"refresh":"yes"}"#,
        &big,
    ] {
        assert_eq!(FrameMessage::parse(bad), Err(DropReason::Invalid), "{bad}");
    }
    let long_type = format!(r#"{{"type":"{}"}}"#, "a".repeat(MAX_EVENT_TYPE_LEN + 1));
    assert_eq!(FrameMessage::parse(&long_type), Err(DropReason::Invalid));
}

#[test]
fn host_messages_round_trip_and_only_the_token_answer_carries_a_token() {
    let token = HostMessage::Token {
        id: Some(3),
        token: crate::core::AccessToken::new("at-1"),
        expires_at: Some(1_000),
    };
    let text = token.to_json().unwrap();
    assert_eq!(
        text,
        r#"{"pixie":"bridge/1","type":"token","id":3,"accessToken":"at-1","expiresAt":1000}"#
    );
    match HostMessage::parse(&text).unwrap() {
        HostMessage::Token {
            id,
            token,
            expires_at,
        } => {
            assert_eq!(
                (id, token.secret(), expires_at),
                (Some(3), "at-1", Some(1_000))
            );
        }
        _ => panic!("not a token"),
    }
    for msg in [
        HostMessage::Ack,
        HostMessage::LoggedOut,
        HostMessage::Error {
            id: Some(1),
            code: "login_required".into(),
        },
    ] {
        let text = msg.to_json().unwrap();
        assert!(!text.contains("accessToken"), "{text}");
        assert!(HostMessage::parse(&text).is_ok(), "{text}");
    }
    for bad in [
        r#"{"type":"token","accessToken":"x"}"#,
        r#"{"pixie":"bridge/1","type":"token","accessToken":""}"#,
        r#"{"pixie":"bridge/1","type":"token","accessToken":"x","refreshToken":"y"}"#,
        r#"{"pixie":"bridge/1","type":"token","accessToken":"x","expiresAt":"soon"}"#,
        r#"{"pixie":"bridge/1","type":"error","code":"bad code"}"#,
        r#"{"pixie":"bridge/1","type":"ready"}"#,
    ] {
        assert!(HostMessage::parse(bad).is_err(), "{bad}");
    }
}

#[test]
fn stats_count_every_drop_by_reason() {
    let mut stats = BridgeStats::default();
    stats.accept();
    for why in [
        DropReason::Untrusted,
        DropReason::Source,
        DropReason::Source,
        DropReason::Origin,
        DropReason::Invalid,
    ] {
        stats.drop(why);
    }
    assert_eq!(stats.dropped(), 5);
    assert_eq!(
        stats.to_value().to_json(),
        r#"{"accepted":1,"dropped":5,"droppedBy":{"untrusted":1,"source":2,"origin":1,"invalid":1}}"#
    );
}

#[test]
fn the_host_refreshes_a_token_that_would_die_within_the_margin_before_handing_it_over() {
    let now = 1_000_000;
    let m = HOST_MARGIN_DEFAULT_MS;
    let step = |exp, can, forced, refreshed| host_token_step(exp, now, m, can, forced, refreshed);
    // No session.
    assert_eq!(step(None, true, false, false), HostStep::LoginRequired);
    // Plenty of time left: answered as it is.
    assert_eq!(
        step(Some(Some(now + 10 * m)), true, false, false),
        HostStep::Answer
    );
    assert_eq!(step(Some(None), false, false, false), HostStep::Answer);
    // Within the margin: refreshed first when it can be.
    assert_eq!(
        step(Some(Some(now + m - 1)), true, false, false),
        HostStep::RefreshFirst
    );
    assert_eq!(
        step(Some(Some(now + m)), true, false, false),
        HostStep::RefreshFirst
    );
    // It cannot be refreshed: still answered while fresh, else login_required.
    assert_eq!(
        step(Some(Some(now + m - 1)), false, false, false),
        HostStep::Answer
    );
    assert_eq!(
        step(Some(Some(now + 1)), false, false, false),
        HostStep::LoginRequired
    );
    assert_eq!(
        step(Some(Some(now - 1)), false, false, false),
        HostStep::LoginRequired
    );
    // The frame's token was refused (401): refresh even with time left.
    assert_eq!(
        step(Some(Some(now + 10 * m)), true, true, false),
        HostStep::RefreshFirst
    );
    // After the refresh: answered if fresh at all, even within the margin (no loop).
    assert_eq!(
        step(Some(Some(now + m / 2)), true, false, true),
        HostStep::Answer
    );
    assert_eq!(
        step(Some(Some(now)), true, false, true),
        HostStep::LoginRequired
    );
}

#[test]
fn a_frames_401_makes_the_host_refresh_once_and_only_the_token_it_was_handed() {
    // The frame holds the current token (issued at 5) and the API refused it: refresh.
    assert!(forced_refresh_allowed(5, Some(5), None));
    // Once per token: a second 401 for the same token is not another refresh.
    assert!(!forced_refresh_allowed(5, Some(5), Some(5)));
    // The host has a newer token than the frame's: answer it, no refresh.
    assert!(!forced_refresh_allowed(9, Some(5), Some(5)));
    assert!(!forced_refresh_allowed(9, Some(5), None));
    // Never served: nothing to have been refused.
    assert!(!forced_refresh_allowed(5, None, None));
}

#[test]
fn the_frame_asks_again_before_its_token_expires() {
    let t = |expires_at| FrameToken {
        token: crate::core::AccessToken::new("x"),
        expires_at,
    };
    let now = 1_000_000;
    let min = FRAME_MIN_VALIDITY_DEFAULT_MS;
    assert!(t(Some(now + min + 1)).usable(now, min));
    assert!(!t(Some(now + min)).usable(now, min));
    assert!(t(Some(now + min)).fresh(now));
    assert!(!t(Some(now)).fresh(now));
    assert!(t(None).usable(now, min));
}

#[test]
fn the_frames_call_api_sends_its_token_under_its_api_base_only() {
    let base = WebUrl::parse("https://api.example/v2").unwrap();
    assert_eq!(
        hosted_api_url(Some(&base), "users/me").unwrap(),
        "https://api.example/v2/users/me"
    );
    for bad in [
        "https://evil.example/v2/users/me",
        "https://api.example/v2evil",
        "//evil.example/x",
    ] {
        assert_eq!(
            hosted_api_url(Some(&base), bad).unwrap_err().code(),
            "invalid_api_url",
            "{bad}"
        );
    }
    assert_eq!(
        hosted_api_url(None, "users/me").unwrap_err().code(),
        "invalid_api_url"
    );
}

#[test]
fn the_options_of_both_ends_are_read_with_exact_keys() {
    let json = |t: &str| crate::core::json::parse(t).unwrap();
    let share = ShareOptions::from_json(&json(r#"{"origin":"HTTPS://CRM.example:443"}"#)).unwrap();
    assert_eq!(share.origin.as_str(), "https://crm.example");
    assert_eq!(share.margin_ms, HOST_MARGIN_DEFAULT_MS);
    let share = ShareOptions::from_json(&json(
        r#"{"origin":"https://crm.example","minValiditySeconds":600}"#,
    ))
    .unwrap();
    assert_eq!(share.margin_ms, 600_000);
    for (bad, code) in [
        ("{}", "invalid_config"),
        (r#"{"origin":"*"}"#, "invalid_origin"),
        (
            r#"{"origin":"https://crm.example","targetOrigin":"*"}"#,
            "invalid_config",
        ),
        (
            r#"{"origin":"https://crm.example","minValiditySeconds":-1}"#,
            "invalid_config",
        ),
    ] {
        assert_eq!(
            ShareOptions::from_json(&json(bad)).unwrap_err().code(),
            code,
            "{bad}"
        );
    }
    let hosted = HostedOptions::from_json(&json(
        r#"{"hostOrigin":"https://portal.example","apiBase":"https://api.example/v2"}"#,
    ))
    .unwrap();
    assert_eq!(hosted.host_origin.as_str(), "https://portal.example");
    assert_eq!(hosted.timeout_ms, BRIDGE_TIMEOUT_DEFAULT_MS);
    assert_eq!(hosted.min_validity_ms, FRAME_MIN_VALIDITY_DEFAULT_MS);
    assert_eq!(hosted.api_base.unwrap().as_str(), "https://api.example/v2");
    for (bad, code) in [
        ("{}", "invalid_config"),
        (r#"{"hostOrigin":"null"}"#, "invalid_origin"),
        (
            r#"{"hostOrigin":"http://portal.example"}"#,
            "invalid_origin",
        ),
        (
            r#"{"hostOrigin":"https://portal.example","apiBase":"ftp://x"}"#,
            "invalid_config",
        ),
        (
            r#"{"hostOrigin":"https://portal.example","storage":"local"}"#,
            "invalid_config",
        ),
    ] {
        assert_eq!(
            HostedOptions::from_json(&json(bad)).unwrap_err().code(),
            code,
            "{bad}"
        );
    }
}

#[test]
fn a_host_message_with_a_number_javascript_cannot_hold_is_not_written() {
    let token = |id, expires_at| HostMessage::Token {
        id,
        token: crate::core::AccessToken::new("at-1"),
        expires_at,
    };
    let safe = (1u64 << 53) - 1;
    assert!(token(Some(1), Some(safe)).to_json().is_some());
    assert!(token(Some(1), Some(safe + 1)).to_json().is_none());
    assert!(token(Some(safe + 1), None).to_json().is_none());
    let error = HostMessage::Error {
        id: Some(safe + 1),
        code: "login_required".into(),
    };
    assert!(error.to_json().is_none());
}
