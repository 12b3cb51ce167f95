//! The hostile-input catalogue (docs/security.md), natively where the core decides: one test
//! per way an attacker or a broken server can fail us, named after the OpenID RP conformance
//! module where one fits (`oidcc_client_test_*`). Each asserts the refusal by its code, that
//! nothing is stored, and which requests went out.

use std::rc::Rc;

use crate::core::testing::{block_on, generic_config, tokens, TestTab, Tokens};
use crate::core::Method::Post;
use crate::core::*;

/// The token response of a successful login: AT-1 for an hour, with refresh token RT-1.
fn tokens_1() -> Tokens {
    tokens("AT-1", Some("RT-1"), Some(3600)).scope("profile")
}

/// A store that says it outlives the page, like sessionStorage.
struct KeptStore(Rc<MemoryStore>);

impl Store for KeptStore {
    fn get(&self, key: &str) -> Result<Option<String>, Error> {
        self.0.get(key)
    }
    fn set(&self, key: &str, value: &str) -> Result<(), Error> {
        self.0.set(key, value)
    }
    fn remove(&self, key: &str) -> Result<(), Error> {
        self.0.remove(key)
    }
    fn outlives_page(&self) -> bool {
        true
    }
}

// ---- the pending login: bound to its server and its redirect URI ---------------------------

/// Two clients with one client id and different authorization servers on one page share the
/// pending-login key: a login started by one is refused by the other (a mix-up that holds
/// without RFC 9207 `iss`, as with Genesys), and the pending login is gone either way.
#[test]
fn a_pending_login_taken_by_a_client_of_another_server_is_a_mix_up() {
    let h = TestTab::new(generic_config());
    let other_server = RawConfig {
        authorization_endpoint: Some("https://evil.example/auth".into()),
        token_endpoint: Some("https://evil.example/token".into()),
        ..generic_config()
    }
    .validate()
    .unwrap();
    let other = Client::new(
        other_server,
        &h.platform,
        Box::new(h.sessions.clone()),
        Box::new(h.pending.clone()),
    );
    let sent = h.start_login(&h.client(), LoginOptions::default());
    let e = block_on(other.handle_callback(&sent.callback(""))).unwrap_err();
    assert_eq!(e, Error::Callback(CallbackError::ServerMismatch));
    assert_eq!(e.code(), "issuer_mismatch");
    assert!(!h.client().has_pending_login(), "single use");
    assert!(h.platform.sent().is_empty(), "the code went nowhere");
    // The Messenger hand-off is held to the same binding.
    let sent = h.start_login(&h.client(), LoginOptions::default());
    let e = crate::core::testing::err(other.messenger_auth_code(&sent.callback("")));
    assert_eq!(e.code(), "issuer_mismatch");
    assert!(!h.client().has_pending_login());
    // An OpenID Connect client is bound to its issuer, not its token endpoint.
    let issuer = |issuer: &str| {
        RawConfig {
            issuer: Some(issuer.into()),
            ..generic_config()
        }
        .validate()
        .unwrap()
    };
    assert_eq!(
        issuer("https://as.example").authorization_server(),
        "https://as.example"
    );
    assert_eq!(
        generic_config().validate().unwrap().authorization_server(),
        "http://127.0.0.1:9000/token"
    );
    let first = TestTab::with_config(issuer("https://as.example"));
    let sent = first.start_login(&first.client(), LoginOptions::default());
    let second = Client::new(
        issuer("https://other.example"),
        &first.platform,
        Box::new(first.sessions.clone()),
        Box::new(first.pending.clone()),
    );
    let e = block_on(second.handle_callback(&sent.callback(""))).unwrap_err();
    assert_eq!(e.code(), "issuer_mismatch");
    assert!(first.platform.sent().is_empty());
}

/// A callback handled at another origin or path than the login's redirect URI (another page
/// of the app that calls handleCallback(), or a URL passed by hand) is refused, and the
/// pending login is gone.
#[test]
fn a_pending_login_taken_at_another_path_is_refused() {
    let h = TestTab::new(generic_config());
    for elsewhere in [
        "http://127.0.0.1:8080/other",
        "http://127.0.0.1:8080/other/",
        "http://127.0.0.1:8081/",
        "http://localhost:8080/",
        "https://127.0.0.1:8080/",
    ] {
        let sent = h.start_login(&h.client(), LoginOptions::default());
        let url = WebUrl::parse(&format!("{elsewhere}?code=CODE-1&state={}", sent.state)).unwrap();
        let e = block_on(h.client().handle_callback(&url)).unwrap_err();
        assert_eq!(
            e,
            Error::Callback(CallbackError::RedirectUriMismatch),
            "{elsewhere}"
        );
        assert_eq!(e.code(), "redirect_uri_mismatch");
        assert!(!h.client().has_pending_login(), "{elsewhere}: single use");
    }
    assert!(h.platform.sent().is_empty(), "no code was exchanged");
    // At the redirect URI itself, with other query parameters the app keeps, it works.
    let sent = h.start_login(&h.client(), LoginOptions::default());
    h.platform.on(Post, "/token").respond(200, tokens_1());
    let url = WebUrl::parse(&format!(
        "http://127.0.0.1:8080/?lang=en&code=CODE-1&state={}",
        sent.state
    ))
    .unwrap();
    assert!(block_on(h.client().handle_callback(&url)).is_ok());
}

// ---- returnTo: restored resolved, never raw ----------------------------------------------------

/// `returnTo` comes back as the resolved path of the redirect URI's origin (dot segments
/// gone, characters encoded as the browser would), never as the text given; what could turn
/// into another origin or path is refused before anything is stored (the cases themselves are
/// in `oauth::authorize`'s tests).
#[test]
fn return_to_is_restored_resolved_and_hostile_forms_store_nothing() {
    let h = TestTab::new(generic_config());
    let sent = h.start_login(
        &h.client(),
        LoginOptions {
            return_to: Some("/a/./b/../inbox?tab=2 x".into()),
            ..Default::default()
        },
    );
    h.platform.on(Post, "/token").respond(200, tokens_1());
    let summary = block_on(h.client().handle_callback(&sent.callback(""))).unwrap();
    assert_eq!(summary.return_to.as_deref(), Some("/a/inbox?tab=2%20x"));
    for bad in [
        "/.//evil.example",
        "/%2F%2Fevil.example",
        "/%5Cevil.example",
        "/\tevil",
        "/a\u{2028}b",
        "/evil.example@app",
        "//evil.example",
        "/\\evil.example",
    ] {
        let options = LoginOptions {
            return_to: Some(bad.into()),
            ..Default::default()
        };
        let e = block_on(h.client().start_login(options)).unwrap_err();
        assert_eq!(e.code(), "invalid_config", "{bad:?}");
        assert!(!h.client().has_pending_login(), "{bad:?}");
    }
}

// ---- blocked sessionStorage: a redirect login refuses up front ---------------------------------

/// A redirect login whose pending login would live in memory (sessionStorage blocked) would
/// come back to `missing_pending_login`; it is refused before anything happens, with
/// `storage_unavailable` and a message pointing at the popup login.
#[test]
fn a_redirect_login_without_storage_that_outlives_the_page_is_refused_up_front() {
    let h = TestTab::new(generic_config());
    let e = h.client().check_redirect_login().unwrap_err();
    assert_eq!(e, Error::RedirectNeedsStorage);
    assert_eq!(e.code(), "storage_unavailable");
    assert!(e.message().contains("loginPopup()"), "{}", e.message());
    assert!(!h.client().has_pending_login());
    let kept = Client::new(
        h.config().clone(),
        &h.platform,
        Box::new(h.sessions.clone()),
        Box::new(KeptStore(h.pending.clone())),
    );
    assert_eq!(kept.check_redirect_login(), Ok(()));
}

// ---- ID tokens: what the catalogue adds to id_token.rs --------------------------------------

mod id_tokens {
    use std::sync::OnceLock;

    use rsa::traits::PublicKeyParts;
    use rsa::{BigUint, Pkcs1v15Sign, RsaPrivateKey};
    use serde_json::{json, Value};
    use sha2::{Digest, Sha256};

    use crate::core::testing::keys::{test_keys, SeededRng};
    use crate::core::testing::{id_claims, jwk_set, openid_config, TestTab, T0};
    use crate::core::Method::Get;
    use crate::core::*;

    const NOW_S: u64 = T0 / 1000;
    const JWKS: &str = "GET http://127.0.0.1:9000/jwks";

    /// A page with the shared OpenID configuration and no JWK Set answer queued.
    fn page() -> TestTab {
        TestTab::new(openid_config())
    }

    /// Checks `token` as a login that sent the nonce `nonce-1` would, on `tab`.
    fn verify(tab: &TestTab, token: &str) -> Result<IdTokenClaims, Error> {
        let config = tab.config();
        let nonce = Nonce::new("nonce-1");
        let check = IdTokenCheck {
            issuer: config.issuer.as_deref().unwrap(),
            client_id: &config.client_id,
            nonce: Some(&nonce),
            max_age: None,
            now_ms: tab.platform.now_ms(),
            tolerance_s: DEFAULT_CLOCK_TOLERANCE_S,
        };
        block_on(verify_id_token(
            &tab.platform,
            &tab.documents,
            config.jwks_uri.as_ref().unwrap(),
            &IdToken::new(token),
            &check,
        ))
    }

    use crate::core::testing::block_on;

    /// `token` checked against the provider's JWK Set (`jwks`, answered once).
    fn check_with(
        jwks: impl std::fmt::Display,
        token: &str,
    ) -> (Result<IdTokenClaims, Error>, TestTab) {
        let tab = page();
        tab.platform.on(Get, "/jwks").respond(200, jwks);
        let r = verify(&tab, token);
        (r, tab)
    }

    fn code(r: &Result<IdTokenClaims, Error>) -> &'static str {
        match r {
            Ok(_) => "ok",
            Err(e) => e.code(),
        }
    }

    /// A compact JWS of these exact header and payload texts (duplicate members survive),
    /// signed RS256 with `key`.
    fn sign_text(key: &RsaPrivateKey, header: &str, payload: &str) -> String {
        let input = format!(
            "{}.{}",
            encode_url(header.as_bytes()),
            encode_url(payload.as_bytes())
        );
        let sig = key
            .sign(
                Pkcs1v15Sign::new::<Sha256>(),
                &Sha256::digest(input.as_bytes()),
            )
            .unwrap();
        format!("{input}.{}", encode_url(&sig))
    }

    fn provider() -> &'static RsaPrivateKey {
        &test_keys().rsa
    }

    /// An attacker's RSA 2048 key, made once.
    fn attacker() -> &'static RsaPrivateKey {
        static KEY: OnceLock<RsaPrivateKey> = OnceLock::new();
        KEY.get_or_init(|| {
            RsaPrivateKey::new(&mut SeededRng::new("pixie-auth attacker rsa"), 2048).unwrap()
        })
    }

    fn rsa_jwk(key: &RsaPrivateKey, kid: &str) -> Value {
        let public = key.to_public_key();
        json!({"kty":"RSA","kid":kid,"use":"sig",
            "n":encode_url(&public.n().to_bytes_be()),"e":encode_url(&public.e().to_bytes_be())})
    }

    /// The valid claims (nonce `nonce-1`) as compact JSON text.
    fn payload() -> String {
        id_claims("nonce-1").to_string()
    }

    /// `payload()` with `extra` members appended at its end (later members win).
    fn payload_then(extra: &str) -> String {
        let p = payload();
        format!("{},{extra}}}", &p[..p.len() - 1])
    }

    /// Duplicate members in the ID token's header: the last one wins, as `JSON.parse` reads
    /// it, so what is checked is what a JavaScript verifier would check.
    #[test]
    fn duplicate_members_in_the_id_token_header_last_wins() {
        let key = provider();
        let cases = [
            (r#"{"alg":"none","kid":"rsa","alg":"RS256"}"#, "ok"),
            (
                r#"{"alg":"RS256","kid":"rsa","alg":"none"}"#,
                "id_token_alg_unsupported",
            ),
            (
                r#"{"alg":"RS256","kid":"rsa","alg":"HS256"}"#,
                "id_token_alg_unsupported",
            ),
            (r#"{"alg":"RS256","kid":"evil","kid":"rsa"}"#, "ok"),
            (
                r#"{"alg":"RS256","crit":["exp"],"crit":[],"kid":"rsa"}"#,
                "id_token_crit_unsupported",
            ),
        ];
        for (header, expected) in cases {
            let (r, _) = check_with(jwk_set(), &sign_text(key, header, &payload()));
            assert_eq!(code(&r), expected, "{header}");
        }
        // The kid that counts is the last: an unknown one, in a set fetched just now.
        let token = sign_text(
            key,
            r#"{"alg":"RS256","kid":"rsa","kid":"evil"}"#,
            &payload(),
        );
        let (r, tab) = check_with(jwk_set(), &token);
        assert_eq!(code(&r), "id_token_unknown_kid");
        assert_eq!(tab.platform.sent(), [JWKS]);
    }

    /// Duplicate members in the ID token's payload: the last wins, before any claim check.
    #[test]
    fn duplicate_members_in_the_id_token_payload_last_wins() {
        let key = provider();
        let header = r#"{"alg":"RS256","kid":"rsa"}"#;
        let first_sub = format!(r#"{{"sub":"mallory",{}"#, &payload()[1..]);
        let (r, _) = check_with(jwk_set(), &sign_text(key, header, &first_sub));
        assert_eq!(r.unwrap().sub(), Some("user-42"), "the later sub");
        for (extra, expected) in [
            (r#""sub":"mallory""#, "ok"),
            (r#""aud":"another-client""#, "id_token_aud_mismatch"),
            (r#""iss":"https://evil.example""#, "id_token_iss_mismatch"),
            (r#""nonce":"replayed""#, "id_token_nonce_mismatch"),
            (&format!(r#""exp":{}"#, NOW_S - 3600), "id_token_expired"),
        ] {
            let (r, _) = check_with(jwk_set(), &sign_text(key, header, &payload_then(extra)));
            assert_eq!(code(&r), expected, "{extra}");
            if expected == "ok" {
                let claims = r.unwrap();
                assert_eq!(claims.sub(), Some("mallory"));
                // What the app reads (JSON.parse of the text) is what was checked.
                let parsed: Value = serde_json::from_str(claims.to_json()).unwrap();
                assert_eq!(parsed["sub"], "mallory");
            }
        }
    }

    /// Duplicate members in the JWK Set: the last `keys`, and the last `n` of a key, count.
    #[test]
    fn duplicate_members_in_the_jwk_set_last_wins() {
        let token = sign_text(provider(), r#"{"alg":"RS256","kid":"rsa"}"#, &payload());
        let real = rsa_jwk(provider(), "rsa");
        let forged = rsa_jwk(attacker(), "rsa");
        let sets = [
            (format!(r#"{{"keys":[{forged}],"keys":[{real}]}}"#), "ok"),
            (
                format!(r#"{{"keys":[{real}],"keys":[{forged}]}}"#),
                "id_token_signature_invalid",
            ),
            (
                format!(r#"{{"keys":[{real}],"keys":[]}}"#),
                "id_token_unknown_kid",
            ),
        ];
        for (set, expected) in sets {
            let tab = page();
            tab.platform
                .on(Get, "/jwks")
                .respond(200, &set)
                .respond(200, &set);
            assert_eq!(code(&verify(&tab, &token)), expected, "{set}");
        }
        let n = |k: &Value| k["n"].as_str().unwrap().to_string();
        let key_with = |first: &str, last: &str| {
            format!(
                r#"{{"keys":[{{"kty":"RSA","kid":"rsa","n":"{first}","e":"AQAB","n":"{last}"}}]}}"#
            )
        };
        let (r, _) = check_with(key_with(&n(&forged), &n(&real)), &token);
        assert_eq!(code(&r), "ok");
        let (r, _) = check_with(key_with(&n(&real), &n(&forged)), &token);
        assert_eq!(code(&r), "id_token_signature_invalid");
    }

    /// A NumericDate (`exp` here; `iat`, `nbf` and `auth_time` are read alike) in every shape a
    /// broken or hostile server can give: exact integers and decimals are read without a
    /// float; exponents are read exactly when they fit; anything beyond the year 9999, beyond
    /// u64, negative (even -0), or not a number is refused as malformed, never "never expires".
    #[test]
    fn numeric_date_matrix() {
        let key = provider();
        let header = r#"{"alg":"RS256","kid":"rsa"}"#;
        let later = NOW_S + 600;
        let cases: Vec<(String, &str)> = vec![
            (later.to_string(), "ok"),
            (format!("{later}.5"), "ok"),
            (format!("{later}.999999999999999999999"), "ok"),
            (format!("{}e0", later), "ok"),
            ("1.8000006e9".into(), "ok"),
            ("18000006E2".into(), "ok"),
            ("18000006E8".into(), "id_token_malformed"),
            (format!("{}", NOW_S - 3600), "id_token_expired"),
            (format!("{}.5", NOW_S - 3600), "id_token_expired"),
            ("0".into(), "id_token_expired"),
            ("253402300799".into(), "ok"),
            ("253402300800".into(), "id_token_malformed"),
            ("1e300".into(), "id_token_malformed"),
            ("1e400".into(), "id_token_malformed"),
            ("18446744073709551616".into(), "id_token_malformed"),
            ("18446744073709551615".into(), "id_token_malformed"),
            ("-1".into(), "id_token_malformed"),
            ("-0".into(), "id_token_malformed"),
            ("-0.0".into(), "id_token_malformed"),
            (format!("\"{later}\""), "id_token_malformed"),
            ("null".into(), "id_token_malformed"),
            ("true".into(), "id_token_malformed"),
            ("[1]".into(), "id_token_malformed"),
            ("{}".into(), "id_token_malformed"),
        ];
        for (exp, expected) in &cases {
            let text = payload_then(&format!(r#""exp":{exp}"#));
            let (r, _) = check_with(jwk_set(), &sign_text(key, header, &text));
            assert_eq!(code(&r), *expected, "exp: {exp}");
        }
        // The same shapes in iat, nbf and auth_time are refused the same way.
        for claim in ["iat", "nbf", "auth_time"] {
            for bad in [
                "1e300",
                "-0.0",
                "\"1\"",
                "null",
                "true",
                "18446744073709551616",
            ] {
                let text = payload_then(&format!(r#""{claim}":{bad}"#));
                let (r, _) = check_with(jwk_set(), &sign_text(key, header, &text));
                assert_eq!(code(&r), "id_token_malformed", "{claim}: {bad}");
            }
        }
    }

    /// `oidcc-client-test-invalid-sig-rs256` with the key carried by the token itself: a
    /// header `jwk`, `jku`, `x5u` or `x5c` holding an attacker's key is never used or fetched;
    /// the provider's key from `jwks_uri` decides, and `jwks_uri` is the only request made.
    #[test]
    fn jose_headers_carrying_an_attackers_key_are_ignored() {
        let mine = rsa_jwk(attacker(), "rsa");
        let x5c = encode_std(b"not the provider's certificate");
        let headers = [
            json!({"alg":"RS256","kid":"rsa","jwk":mine}),
            json!({"alg":"RS256","jwk":mine}),
            json!({"alg":"RS256","kid":"rsa","jku":"https://evil.example/jwks"}),
            json!({"alg":"RS256","kid":"rsa","x5u":"https://evil.example/cert.pem"}),
            json!({"alg":"RS256","kid":"rsa","x5c":[x5c]}),
            json!({"alg":"RS256","kid":"rsa","jwk":mine,"jku":"https://evil.example/jwks",
                "x5u":"https://evil.example/cert.pem","x5c":[x5c]}),
        ];
        for header in &headers {
            let token = sign_text(attacker(), &header.to_string(), &payload());
            let (r, tab) = check_with(jwk_set(), &token);
            assert_eq!(code(&r), "id_token_signature_invalid", "{header}");
            assert_eq!(tab.platform.sent(), [JWKS], "{header}: only jwks_uri");
            // Signed by the provider, the same headers verify: they are merely ignored.
            let token = sign_text(provider(), &header.to_string(), &payload());
            let (r, tab) = check_with(jwk_set(), &token);
            assert_eq!(code(&r), "ok", "{header}");
            assert_eq!(tab.platform.sent(), [JWKS]);
        }
        // An embedded key under a kid the provider does not have: unknown, and still only
        // jwks_uri is asked.
        let header = json!({"alg":"RS256","kid":"attacker","jwk":rsa_jwk(attacker(), "attacker"),
            "jku":"https://evil.example/jwks"});
        let token = sign_text(attacker(), &header.to_string(), &payload());
        let (r, tab) = check_with(jwk_set(), &token);
        assert_eq!(code(&r), "id_token_unknown_kid");
        assert_eq!(tab.platform.sent(), [JWKS]);
    }

    fn encode_std(bytes: &[u8]) -> String {
        use base64::Engine as _;
        base64::engine::general_purpose::STANDARD.encode(bytes)
    }

    /// RSA keys of 512 and 1024 bits, published by the provider and really signing the
    /// token: refused as `jwks_invalid` before any signature check (RFC 7518 §3.3: 2048 bits
    /// or larger), so a factorable key cannot sign a login.
    #[test]
    fn short_rsa_keys_with_real_signatures_are_refused() {
        for bits in [512, 1024] {
            let label = format!("pixie-auth weak rsa {bits}");
            let weak = RsaPrivateKey::new(&mut SeededRng::new(&label), bits).unwrap();
            let token = sign_text(&weak, r#"{"alg":"RS256","kid":"weak"}"#, &payload());
            // The signature is real: the weak key verifies it.
            let (input, sig) = token.rsplit_once('.').unwrap();
            weak.to_public_key()
                .verify(
                    Pkcs1v15Sign::new::<Sha256>(),
                    &Sha256::digest(input.as_bytes()),
                    &decode_url(sig).unwrap(),
                )
                .unwrap();
            let set = json!({"keys":[rsa_jwk(&weak, "weak")]});
            let (r, tab) = check_with(set, &token);
            assert_eq!(code(&r), "jwks_invalid", "{bits} bits");
            assert_eq!(
                tab.platform.verifications.get(),
                0,
                "{bits}: no crypto asked"
            );
        }
    }

    /// An RSA key with `e = 1`: the "signature" is the PKCS#1 v1.5 encoded digest itself
    /// (s^1 mod n = s), which anyone can compute without a private key. Refused as
    /// `jwks_invalid` before any signature check.
    #[test]
    fn rsa_key_with_exponent_one_is_refused() {
        let n = provider().to_public_key().n().clone();
        let header = r#"{"alg":"RS256","kid":"e1"}"#;
        let input = format!(
            "{}.{}",
            encode_url(header.as_bytes()),
            encode_url(payload().as_bytes())
        );
        // EMSA-PKCS1-v1_5 (RFC 8017 §9.2) for SHA-256, as long as the modulus.
        let prefix = [
            0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02,
            0x01, 0x05, 0x00, 0x04, 0x20,
        ];
        let k = n.to_bytes_be().len();
        let mut em = vec![0x00, 0x01];
        em.resize(k - prefix.len() - 32 - 1, 0xff);
        em.push(0x00);
        em.extend(prefix);
        em.extend(Sha256::digest(input.as_bytes()));
        assert_eq!(em.len(), k);
        // With e = 1 the forgery verifies mathematically: s^e mod n is the encoded message.
        let s = BigUint::from_bytes_be(&em);
        assert_eq!(
            s.modpow(&BigUint::from(1u8), &n).to_bytes_be(),
            em[1..].to_vec()
        );
        let token = format!("{input}.{}", encode_url(&em));
        let set =
            json!({"keys":[{"kty":"RSA","kid":"e1","n":encode_url(&n.to_bytes_be()),"e":"AQ"}]});
        let (r, tab) = check_with(set, &token);
        assert_eq!(code(&r), "jwks_invalid");
        assert_eq!(tab.platform.verifications.get(), 0, "no crypto asked");
        for e in ["Ag", "AAE", "AQA"] {
            let set =
                json!({"keys":[{"kty":"RSA","kid":"e1","n":encode_url(&n.to_bytes_be()),"e":e}]});
            assert_eq!(code(&check_with(set, &token).0), "jwks_invalid", "e={e}");
        }
    }

    /// An EC key whose point is not on its curve. The core checks the coordinates' sizes;
    /// whether the point is on the curve is the platform's check at import (WebCrypto's in the
    /// browser: tests/web_oidc.rs `off_curve_points_are_refused_by_webcrypto`; RustCrypto's in
    /// this fake). Either way `jwks_invalid`, and the token is not accepted.
    #[test]
    fn off_curve_ec_point_is_refused_at_import() {
        let token = test_keys().sign(JwsAlg::Es256, "p256", &id_claims("nonce-1"));
        let mut set = jwk_set();
        set["keys"][1]["y"] = encode_url(&[1u8; 32]).into();
        let (r, tab) = check_with(&set, &token);
        assert_eq!(code(&r), "jwks_invalid");
        assert_eq!(
            tab.platform.verifications.get(),
            1,
            "the platform was asked"
        );
        // The curve's own size is the core's check: no platform call.
        set["keys"][1]["y"] = encode_url(&[1u8; 31]).into();
        let (r, tab) = check_with(&set, &token);
        assert_eq!(code(&r), "jwks_invalid");
        assert_eq!(tab.platform.verifications.get(), 0);
    }

    /// Very large and deeply nested ID tokens: each part is refused before parsing when over
    /// `MAX_JWS_PART_LEN`, and a payload nested deeper than 64 is malformed.
    #[test]
    fn huge_and_deeply_nested_id_tokens_are_malformed() {
        let key = provider();
        let header = r#"{"alg":"RS256","kid":"rsa"}"#;
        let big = payload_then(&format!(r#""pad":"{}""#, "x".repeat(MAX_JWS_PART_LEN)));
        let (r, tab) = check_with(jwk_set(), &sign_text(key, header, &big));
        assert_eq!(code(&r), "id_token_malformed");
        assert!(
            tab.platform.sent().is_empty(),
            "refused before the keys are fetched"
        );
        let big_header = format!(
            r#"{{"alg":"RS256","kid":"rsa","pad":"{}"}}"#,
            "x".repeat(MAX_JWS_PART_LEN)
        );
        let (r, _) = check_with(jwk_set(), &sign_text(key, &big_header, &payload()));
        assert_eq!(code(&r), "id_token_malformed");
        let deep = payload_then(&format!(r#""deep":{}{}"#, "[".repeat(100), "]".repeat(100)));
        let (r, _) = check_with(jwk_set(), &sign_text(key, header, &deep));
        assert_eq!(code(&r), "id_token_malformed");
        // 60 levels are fine.
        let nested = payload_then(&format!(r#""deep":{}{}"#, "[".repeat(60), "]".repeat(60)));
        let (r, _) = check_with(jwk_set(), &sign_text(key, header, &nested));
        assert_eq!(code(&r), "ok");
    }
}
