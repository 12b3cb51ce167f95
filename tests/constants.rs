//! tests/shared/constants.json against the crate: the full-flow tests and their harness read
//! that file (tests/shared/constants.mjs) instead of repeating the crate's values, and this test
//! fails when the file and the crate's consts disagree. Native only; nothing of it reaches the
//! wasm build.
#![cfg(not(target_arch = "wasm32"))]

use std::collections::BTreeSet;

use pixie_auth::core::{
    channel_name, Config, Error, ExpiredReason, Origin, RawConfig, BASE_DELAY_MS, CALLBACK_PARAMS,
    DEFAULT_GUEST_MIN_VALIDITY_S, DEFAULT_GUEST_REFRESH_LEAD_S, DEFAULT_REFRESH_LEAD_S,
    DOCUMENT_KEY_PREFIX, EVENT_NAMES, EXPIRY_MARGIN_MS, GUEST_EVENT_NAMES, MAX_ATTEMPTS,
    MIN_GUEST_REFRESH_INTERVAL_MS, MIN_REFRESH_INTERVAL_MS, PENDING_LOGIN_TTL_MS,
};
use serde_json::{json, Value};

const CONSTANTS: &str = include_str!("shared/constants.json");

fn constants() -> Value {
    serde_json::from_str(CONSTANTS).expect("tests/shared/constants.json is JSON")
}

/// `constants[section][name]`, which must exist.
fn get<'a>(c: &'a Value, path: &str) -> &'a Value {
    path.split('.').fold(c, |v, key| {
        v.get(key)
            .unwrap_or_else(|| panic!("constants.json has no {path}"))
    })
}

fn text<'a>(c: &'a Value, path: &str) -> &'a str {
    get(c, path)
        .as_str()
        .unwrap_or_else(|| panic!("{path} is a string"))
}

fn number(c: &Value, path: &str) -> u64 {
    get(c, path)
        .as_u64()
        .unwrap_or_else(|| panic!("{path} is a whole number"))
}

fn strings(c: &Value, path: &str) -> Vec<String> {
    serde_json::from_value(get(c, path).clone())
        .unwrap_or_else(|_| panic!("{path} is a list of strings"))
}

/// Fills `{name}` placeholders.
fn fill(template: &str, values: &[(&str, &str)]) -> String {
    values.iter().fold(template.to_owned(), |t, (name, value)| {
        t.replace(&format!("{{{name}}}"), value)
    })
}

fn config(raw: Value) -> Config {
    let raw = pixie_auth::core::json::parse(&raw.to_string()).expect("JSON");
    let raw = RawConfig::from_json(&raw).expect("a RawConfig");
    raw.validate().expect("a valid config")
}

#[test]
fn storage_keys_are_the_clients_namespace() {
    let c = constants();
    let cfg = config(json!({
        "clientId": "app-1",
        "redirectUri": "https://app.example/",
        "authorizationEndpoint": "https://as.example/authorize",
        "tokenEndpoint": "https://as.example/token",
    }));
    let prefix = fill(text(&c, "storage.keyPrefix"), &[("clientId", "app-1")]);
    assert_eq!(prefix, cfg.storage_prefix());
    assert!(prefix.starts_with(text(&c, "storage.namespace")));
    // The names after the prefix are private to core::client; the full-flow tests check them
    // against the library in the browser (the keys a login leaves in sessionStorage).
    // The tab's copies of public provider documents (discovery, JWK Set) share the namespace
    // but not any client's prefix.
    assert_eq!(text(&c, "storage.documentPrefix"), DOCUMENT_KEY_PREFIX);
    assert!(DOCUMENT_KEY_PREFIX.starts_with(text(&c, "storage.namespace")));
    for key in ["storage.sessionKey", "storage.pendingKey"] {
        let k = fill(text(&c, key), &[("clientId", "app-1")]);
        assert!(
            k.starts_with(&prefix) && k.len() > prefix.len(),
            "{key}: {k}"
        );
    }
}

#[test]
fn tab_channel_name() {
    let c = constants();
    let id = [("clientId", "app-1")];
    assert_eq!(
        fill(text(&c, "tabs.broadcastChannel"), &id),
        channel_name("app-1")
    );
}

#[test]
fn timings() {
    let c = constants();
    assert_eq!(number(&c, "timing.pendingLoginTtlMs"), PENDING_LOGIN_TTL_MS);
    assert_eq!(
        number(&c, "timing.defaultRefreshLeadS"),
        DEFAULT_REFRESH_LEAD_S
    );
    assert_eq!(
        number(&c, "timing.minRefreshIntervalMs"),
        MIN_REFRESH_INTERVAL_MS
    );
    assert_eq!(number(&c, "timing.expiryMarginMs"), EXPIRY_MARGIN_MS);
    assert_eq!(number(&c, "retry.maxAttempts"), u64::from(MAX_ATTEMPTS));
    assert_eq!(number(&c, "retry.baseDelayMs"), BASE_DELAY_MS);
}

#[test]
fn callback_params() {
    assert_eq!(strings(&constants(), "callbackParams"), CALLBACK_PARAMS);
}

#[test]
fn events() {
    let c = constants();
    assert_eq!(strings(&c, "eventNames"), EVENT_NAMES);
    let origins = [Origin::ThisTab, Origin::OtherTab].map(|o| Value::from(o.as_str()));
    assert_eq!(get(&c, "eventOrigins").as_array().unwrap(), &origins);
    let reasons = [
        ExpiredReason::Expired,
        ExpiredReason::RefreshRejected,
        ExpiredReason::Unauthorized,
    ]
    .map(|r| Value::from(r.as_str()));
    assert_eq!(
        get(&c, "sessionExpiredReasons").as_array().unwrap(),
        &reasons
    );
}

#[test]
fn guest_tokens() {
    let c = constants();
    assert_eq!(strings(&c, "guest.eventNames"), GUEST_EVENT_NAMES);
    assert_eq!(
        number(&c, "guest.defaultRefreshLeadS"),
        DEFAULT_GUEST_REFRESH_LEAD_S
    );
    assert_eq!(
        number(&c, "guest.defaultMinValidityS"),
        DEFAULT_GUEST_MIN_VALIDITY_S
    );
    assert_eq!(
        number(&c, "guest.minRefreshIntervalMs"),
        MIN_GUEST_REFRESH_INTERVAL_MS
    );
}

#[test]
fn error_codes() {
    let listed = strings(&constants(), "errorCodes");
    let listed_set: BTreeSet<&str> = listed.iter().map(String::as_str).collect();
    assert_eq!(listed_set.len(), listed.len(), "no code twice");
    let crate_set: BTreeSet<&str> = Error::CODES.iter().copied().collect();
    let missing: Vec<_> = crate_set.difference(&listed_set).collect();
    let unknown: Vec<_> = listed_set.difference(&crate_set).collect();
    assert!(
        missing.is_empty() && unknown.is_empty(),
        "errorCodes: missing {missing:?}, not a code of the crate {unknown:?}"
    );
}

/// The code lists the READMEs print (the workspace's and the npm package's, each after "The
/// codes:" up to the paragraph's end) name every code of the crate, once, and nothing else.
#[test]
fn readme_error_code_lists() {
    let crate_set: BTreeSet<&str> = Error::CODES.iter().copied().collect();
    for (file, text) in [
        ("README.md", include_str!("../README.md")),
        ("npm/README.md", include_str!("../npm/README.md")),
    ] {
        let start = text
            .find("The codes:")
            .unwrap_or_else(|| panic!("{file} has no \"The codes:\" list"));
        let list = &text[start..];
        let list = &list[..list.find("\n\n").unwrap_or(list.len())];
        let listed: Vec<&str> = list.split('`').skip(1).step_by(2).collect();
        let listed_set: BTreeSet<&str> = listed.iter().copied().collect();
        assert_eq!(
            listed_set.len(),
            listed.len(),
            "{file}: a code listed twice"
        );
        let missing: Vec<_> = crate_set.difference(&listed_set).collect();
        let unknown: Vec<_> = listed_set.difference(&crate_set).collect();
        assert!(
            missing.is_empty() && unknown.is_empty(),
            "{file}: missing {missing:?}, not a code of the crate {unknown:?}"
        );
    }
}

/// The npm package's README names every event (in its API tour), and no other.
#[test]
fn package_readme_event_list() {
    let text = include_str!("../npm/README.md");
    let start = text
        .find("// Events: ")
        .expect("the API tour lists the events");
    let line = &text[start + "// Events: ".len()..];
    let line = &line[..line.find('\n').unwrap()];
    let listed: Vec<&str> = line.trim_end_matches('.').split(", ").collect();
    assert_eq!(listed, EVENT_NAMES);
}

/// Every entry of the file is one of those checked above: a value added without a check here
/// would be a second source again.
#[test]
fn nothing_unchecked() {
    let checked = [
        "$comment",
        "storage.namespace",
        "storage.keyPrefix",
        "storage.sessionKey",
        "storage.pendingKey",
        "storage.documentPrefix",
        "tabs.broadcastChannel",
        "timing.pendingLoginTtlMs",
        "timing.defaultRefreshLeadS",
        "timing.minRefreshIntervalMs",
        "timing.expiryMarginMs",
        "retry.maxAttempts",
        "retry.baseDelayMs",
        "callbackParams",
        "eventNames",
        "eventOrigins",
        "sessionExpiredReasons",
        "guest.eventNames",
        "guest.defaultRefreshLeadS",
        "guest.defaultMinValidityS",
        "guest.minRefreshIntervalMs",
        "errorCodes",
    ];
    fn leaves(prefix: &str, v: &Value, out: &mut BTreeSet<String>) {
        match v {
            Value::Object(map) => {
                for (k, inner) in map {
                    let path = if prefix.is_empty() {
                        k.clone()
                    } else {
                        format!("{prefix}.{k}")
                    };
                    leaves(&path, inner, out);
                }
            }
            _ => {
                out.insert(prefix.to_owned());
            }
        }
    }
    let mut found = BTreeSet::new();
    leaves("", &constants(), &mut found);
    assert_eq!(found, checked.iter().map(|s| s.to_string()).collect());
}
