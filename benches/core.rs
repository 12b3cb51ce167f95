//! Native micro-benchmarks of the protocol core (`npm run bench` / `cargo bench`).
//! Plain `Instant` timing over many iterations; prints ns per operation. Not a test: numbers go
//! into notes, never into assertions.

use std::hint::black_box;
use std::time::Instant;

use pixie_auth::core::process_token_response;
use pixie_auth::core::CodeChallenge;
use pixie_auth::core::HttpResponse;
use pixie_auth::core::RawConfig;
use pixie_auth::core::{authorization_url, LoginOptions, PendingLogin};
use pixie_auth::core::{clean_callback_url, parse_callback, validate_callback};
use pixie_auth::core::{CodeVerifier, Nonce, State};
use url::Url;

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
        redirect_uri: config.redirect_uri.to_string(),
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
}
