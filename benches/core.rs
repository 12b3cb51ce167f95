//! Native micro-benchmarks of the protocol core (`npm run bench` / `cargo bench`).
//! Plain `Instant` timing over many iterations; prints ns per operation. Not a test: numbers go
//! into notes, never into assertions.

use std::hint::black_box;
use std::time::Instant;

use pixie_auth::core::json;
use pixie_auth::core::process_token_response;
use pixie_auth::core::CodeChallenge;
use pixie_auth::core::HttpResponse;
use pixie_auth::core::RawConfig;
use pixie_auth::core::WebUrl as Url;
use pixie_auth::core::{authorization_url, LoginOptions, PendingLogin};
use pixie_auth::core::{clean_callback_url, parse_callback, validate_callback};
use pixie_auth::core::{CodeVerifier, Nonce, State};

fn bench(name: &str, iterations: u32, mut f: impl FnMut()) {
    for _ in 0..iterations / 10 {
        f();
    }
    let start = Instant::now();
    for _ in 0..iterations {
        f();
    }
    let ns = start.elapsed().as_nanos() as f64 / f64::from(iterations);
    println!("{name:<44} {ns:>10.0} ns/op");
}

fn main() {
    let raw = || RawConfig {
        region: Some("mypurecloud.ie".into()),
        client_id: Some("6f1b3c7e-1111-4a2b-9c3d-000000000000".into()),
        redirect_uri: Some("https://app.example/callback".into()),
        scopes: vec![
            "openid".into(),
            "users:readonly".into(),
            "conversations".into(),
        ],
        extra_params: [("org".to_string(), "acme".to_string())].into(),
        // The openid scope needs the issuer and the JWK Set to verify ID tokens with.
        issuer: Some("https://login.mypurecloud.ie".into()),
        jwks_uri: Some("https://login.mypurecloud.ie/.well-known/jwks.json".into()),
        ..Default::default()
    };
    let config = raw().validate().unwrap();
    let pending = PendingLogin {
        state: State::from_random_bytes(&[7; 32]),
        code_verifier: CodeVerifier::from_random_bytes(&[9; 32]),
        nonce: Some(Nonce::from_random_bytes(&[3; 32])),
        redirect_uri: config.redirect_uri.as_str().to_string(),
        created_at: 1_000,
        return_to: None,
        max_age: None,
    };
    let challenge = CodeChallenge::from_sha256_digest(&[5; 32]);
    let options = LoginOptions::default();
    let callback = Url::parse(&format!(
        "https://app.example/callback?code=SplxlOBeZQQYbYS6WxSbIA&state={}&iss=https%3A%2F%2Flogin.mypurecloud.ie",
        pending.state.secret()
    ))
    .unwrap();
    let token_response = HttpResponse {
        status: 200,
        headers: vec![("date".into(), "Sat, 21 Nov 2026 09:31:25 GMT".into())],
        body: r#"{"access_token":"eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiIxMjM0In0.c2ln","token_type":"bearer","expires_in":86399,"refresh_token":"8xLOxBtZp8","scope":"openid users:readonly"}"#.into(),
    };
    let stored = r#"{"accessToken":"AT","expiresAt":1800000000000,"scope":"openid","refreshToken":"RT","issuedAt":1}"#;

    println!(
        "pixie-auth core, native ({} build)",
        if cfg!(debug_assertions) {
            "debug"
        } else {
            "release"
        }
    );
    bench("config validation (Genesys preset)", 100_000, || {
        black_box(raw().validate().unwrap());
    });
    bench("verifier from 32 random bytes", 1_000_000, || {
        black_box(CodeVerifier::from_random_bytes(black_box(&[9; 32])));
    });
    bench("authorization URL", 200_000, || {
        black_box(authorization_url(&config, &pending, &challenge, &options));
    });
    bench("callback parse + validate", 200_000, || {
        let p = parse_callback(black_box(&callback)).ok().unwrap();
        black_box(
            validate_callback(p, Some(&pending), 2_000, None)
                .ok()
                .unwrap(),
        );
    });
    bench("callback URL cleaning", 200_000, || {
        black_box(clean_callback_url(black_box(&callback)));
    });
    bench("token response validation", 200_000, || {
        black_box(
            process_token_response(black_box(&token_response), 0)
                .ok()
                .unwrap(),
        );
    });
    bench("stored session parse", 200_000, || {
        black_box(pixie_auth::core::Session::from_json(stored).unwrap());
    });

    // The crate's own JSON layer against serde_json::Value, on the documents it will read.
    let documents = [
        ("token response", token_response.body.clone()),
        ("JWK Set (2 RSA, 1 EC)", JWKS.to_string()),
        ("discovery document", DISCOVERY.to_string()),
    ];
    for (name, doc) in &documents {
        let ours = json::parse(doc).unwrap();
        let theirs: serde_json::Value = serde_json::from_str(doc).unwrap();
        bench(
            &format!("json parse {name} ({} B)", doc.len()),
            100_000,
            || {
                black_box(json::parse(black_box(doc)).unwrap());
            },
        );
        bench("  serde_json::Value, same", 100_000, || {
            black_box(serde_json::from_str::<serde_json::Value>(black_box(doc)).unwrap());
        });
        bench(&format!("json write {name}"), 100_000, || {
            black_box(black_box(&ours).to_json());
        });
        bench("  serde_json::to_string, same", 100_000, || {
            black_box(serde_json::to_string(black_box(&theirs)).unwrap());
        });
    }
}

const JWKS: &str = r#"{"keys":[{"kty":"RSA","use":"sig","kid":"2c1f0e4a","alg":"RS256","n":"yXc7bFgKzOe3nK4oHk1bX4q8u2zKpZkqJc8HfQk4h6WmP2m7Jt0v9lYf3oQ1XyBq0mKkR8e6d9gVx2Jr1sL4aTz0c5nY7uW3iE8pD2hF6bG1jK9lM0nO3qR4sT5uV6wX7yZ8aB9cD0eF1gH2iJ3kL4mN5oP6qR7sT8uV9wX0yZ1aB2cD3eF4gH5iJ6kL7mN8oP9qR0sT1uV2wX3yZ4aB5cD6eF7gH8iJ9kL0mN1oP2qR3sT4uV5wX6yZ7aB8cD9eF0gH1iJ2kL3mN4oP5qR6sT7uV8wX9yZ0aB1cD2eF3gH4iJ5kL6mN7oP8qR9sT0uV1wX2yZ3aB4cD5eF6gH7iJ8kL9mN0oP1qR2sT3uV4wX5yZ6aB7cD8eF9gH0iJ1kL2mN3oP4qR5sT6uV7wX8yZ9aB0cD1eF2gH3iJ4kL5mN6oP7qR8sT9uV0wX1yZ2aB3cD4eF5gH6iJ7kL8mN9oP0qR1sT2uV3w","e":"AQAB"},{"kty":"RSA","use":"sig","kid":"7d3b9a11","alg":"RS256","n":"0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw","e":"AQAB"},{"kty":"EC","use":"sig","kid":"ec-1","alg":"ES256","crv":"P-256","x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU","y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"}]}"#;

const DISCOVERY: &str = r#"{"issuer":"https://login.example.com","authorization_endpoint":"https://login.example.com/oauth/authorize","token_endpoint":"https://login.example.com/oauth/token","userinfo_endpoint":"https://login.example.com/userinfo","jwks_uri":"https://login.example.com/.well-known/jwks.json","end_session_endpoint":"https://login.example.com/logout","revocation_endpoint":"https://login.example.com/oauth/revoke","introspection_endpoint":"https://login.example.com/oauth/introspect","registration_endpoint":"https://login.example.com/register","scopes_supported":["openid","profile","email","address","phone","offline_access"],"response_types_supported":["code","code id_token","id_token","none"],"response_modes_supported":["query","fragment","form_post"],"grant_types_supported":["authorization_code","implicit","refresh_token","client_credentials"],"subject_types_supported":["public","pairwise"],"id_token_signing_alg_values_supported":["RS256","PS256","ES256","EdDSA"],"token_endpoint_auth_methods_supported":["client_secret_basic","client_secret_post","private_key_jwt","none"],"claims_supported":["sub","iss","aud","exp","iat","auth_time","nonce","acr","amr","azp","name","given_name","family_name","email","email_verified","locale","picture"],"code_challenge_methods_supported":["S256"],"claims_parameter_supported":false,"request_parameter_supported":false,"request_uri_parameter_supported":true,"require_request_uri_registration":false,"backchannel_logout_supported":true,"frontchannel_logout_supported":true,"authorization_response_iss_parameter_supported":true,"claim_types_supported":["normal"],"ui_locales_supported":["en-US","de-DE","fr-FR"]}"#;
