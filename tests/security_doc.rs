//! docs/security.md names the tests that prove each entry: every test name it gives (a
//! snake_case name in backticks, with or without its module path) is a function of the
//! crate's tests, so a renamed or deleted test fails here until the page follows.
#![cfg(not(target_arch = "wasm32"))]

use std::collections::BTreeSet;
use std::fs;
use std::path::Path;

/// Words in backticks on the page that are protocol names, not tests.
const PROTOCOL_NAMES: &[&str] = &[
    "account_selection_required",
    "at_hash",
    "auth_time",
    "authorization_response_iss_parameter_supported",
    "c_hash",
    "client_secret",
    "code_challenge_methods_supported",
    "consent_required",
    "invalid_grant",
    "jwks_uri",
    "key_ops",
    "max_age",
    "refresh_token",
    "serde_json",
    "token_type",
];

fn functions_under(dir: &Path, out: &mut BTreeSet<String>) {
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            functions_under(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            let text = fs::read_to_string(&path).unwrap();
            for piece in text.split("fn ").skip(1) {
                let name: String = piece
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                    .collect();
                out.insert(name);
            }
        }
    }
}

#[test]
fn every_test_named_in_docs_security_exists() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let page = fs::read_to_string(root.join("docs/security.md")).unwrap();
    let mut functions = BTreeSet::new();
    functions_under(&root.join("src"), &mut functions);
    functions_under(&root.join("tests"), &mut functions);
    let codes = pixie_auth::core::Error::CODES;
    let mut named = 0;
    let mut missing = Vec::new();
    for token in page.split('`').skip(1).step_by(2) {
        let is_name = token.contains('_')
            && token
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == ':');
        if !is_name || codes.contains(&token) || PROTOCOL_NAMES.contains(&token) {
            continue;
        }
        named += 1;
        let function = token.rsplit("::").next().unwrap();
        if !functions.contains(function) {
            missing.push(token);
        }
    }
    assert!(named > 100, "only {named} test names found on the page");
    assert!(
        missing.is_empty(),
        "docs/security.md names no such test: {missing:?}"
    );
}
