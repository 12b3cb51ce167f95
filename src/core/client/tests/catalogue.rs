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

/// `returnTo` comes back as the path of the redirect URI's origin it resolves to, accepted
/// only when that is the text given (as `location.pathname` gives it); what could turn into
/// another origin or path, or that the browser would rewrite, is refused before anything is
/// stored (the cases themselves are in `oauth::authorize`'s tests).
#[test]
fn return_to_is_restored_resolved_and_hostile_forms_store_nothing() {
    let h = TestTab::new(generic_config());
    let sent = h.start_login(
        &h.client(),
        LoginOptions {
            return_to: Some("/a/inbox?tab=2%20x#top".into()),
            ..Default::default()
        },
    );
    h.platform.on(Post, "/token").respond(200, tokens_1());
    let summary = block_on(h.client().handle_callback(&sent.callback(""))).unwrap();
    assert_eq!(summary.return_to.as_deref(), Some("/a/inbox?tab=2%20x#top"));
    for bad in [
        "/a/./b/../inbox",
        "/inbox?tab=2 x",
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

// ---- the token response -------------------------------------------------------------------

fn token_response(body: &str) -> Result<TokenResponse, TokenError> {
    process_token_response(
        &HttpResponse {
            status: 200,
            headers: vec![],
            body: body.into(),
        },
        0,
    )
}

/// Duplicate members in the token response: the last wins, as `JSON.parse` reads it.
#[test]
fn duplicate_members_in_the_token_response_last_wins() {
    let r = token_response(
        r#"{"access_token":"AT-forged","token_type":"Bearer","expires_in":60,
            "refresh_token":"RT-forged","access_token":"AT-1","expires_in":3600,
            "refresh_token":"RT-1","scope":"admin","scope":"profile"}"#,
    )
    .unwrap();
    assert_eq!(r.access_token.secret(), "AT-1");
    assert_eq!(r.expires_in, Some(3600));
    assert_eq!(r.refresh_token.unwrap().secret(), "RT-1");
    assert_eq!(r.scope.as_deref(), Some("profile"));
    assert!(
        token_response(r#"{"access_token":"a","token_type":"mac","token_type":"Bearer"}"#).is_ok()
    );
    assert_eq!(
        token_response(r#"{"access_token":"a","token_type":"Bearer","token_type":"mac"}"#).err(),
        Some(TokenError::InvalidResponse("token_type is not Bearer"))
    );
    assert_eq!(
        token_response(r#"{"access_token":"a","token_type":"Bearer","access_token":""}"#).err(),
        Some(TokenError::InvalidResponse("access_token is missing"))
    );
    let r = token_response(
        r#"{"access_token":"a","token_type":"Bearer","refresh_token":"RT","refresh_token":null}"#,
    )
    .unwrap();
    assert!(r.refresh_token.is_none(), "a later null removes it");
}

/// `expires_in` in every shape: whole numbers (and digit strings, which some servers send)
/// are read, a fraction is dropped, anything above a year is clamped to
/// [`MAX_EXPIRES_IN_S`]; an exponent, a negative number (even -0), a number beyond u64 or
/// another type is refused; `null` means "not said".
#[test]
fn expires_in_matrix() {
    let cases: &[(&str, Result<Option<u64>, ()>)] = &[
        ("3600", Ok(Some(3600))),
        ("0", Ok(Some(0))),
        ("3600.5", Ok(Some(3600))),
        ("3600.999999999999999999", Ok(Some(3600))),
        ("\"3600\"", Ok(Some(3600))),
        ("31536000", Ok(Some(MAX_EXPIRES_IN_S))),
        ("31536001", Ok(Some(MAX_EXPIRES_IN_S))),
        ("18446744073709551615", Ok(Some(MAX_EXPIRES_IN_S))),
        ("\"18446744073709551615\"", Ok(Some(MAX_EXPIRES_IN_S))),
        ("null", Ok(None)),
        ("3.6e3", Err(())),
        ("36E2", Err(())),
        ("1e300", Err(())),
        ("1e400", Err(())),
        ("18446744073709551616", Err(())),
        ("\"18446744073709551616\"", Err(())),
        ("-1", Err(())),
        ("-0", Err(())),
        ("-0.0", Err(())),
        ("\"\"", Err(())),
        ("\"3600.0\"", Err(())),
        ("\"-1\"", Err(())),
        ("\" 3600\"", Err(())),
        ("true", Err(())),
        ("[3600]", Err(())),
        ("{}", Err(())),
    ];
    for (value, expected) in cases {
        let body = format!(r#"{{"access_token":"a","token_type":"Bearer","expires_in":{value}}}"#);
        let got = token_response(&body).map(|r| r.expires_in).map_err(|_| ());
        assert_eq!(&got, expected, "expires_in: {value}");
    }
}

/// Very large and deeply nested bodies from each endpoint are refused before or while
/// parsing, with the stage's own code, and never panic: the token response (64 KiB), the JWK
/// Set (64 KiB), discovery (256 KiB), UserInfo (64 KiB), nesting deeper than 64 everywhere.
#[test]
fn huge_and_deeply_nested_bodies_are_refused_by_every_stage() {
    let ok = |body: String| HttpResponse {
        status: 200,
        headers: vec![],
        body,
    };
    let padded = |limit: usize, head: &str| format!(r#"{{{head}"pad":"{}"}}"#, "x".repeat(limit));
    let deep = |head: &str| format!(r#"{{{head}"deep":{}{}}}"#, "[".repeat(65), "]".repeat(65));
    let token_head = r#""access_token":"a","token_type":"Bearer","#;
    for body in [padded(MAX_TOKEN_RESPONSE_LEN, token_head), deep(token_head)] {
        assert_eq!(
            process_token_response(&ok(body), 0).err(),
            Some(TokenError::InvalidResponse("the body is not a JSON object"))
        );
    }
    for body in [padded(MAX_JWKS_LEN, r#""keys":[],"#), deep(r#""keys":[],"#)] {
        assert!(matches!(
            process_jwks_response(&ok(body)),
            Err(JwksError::Invalid(_))
        ));
    }
    let issuer = "http://127.0.0.1:9000";
    let doc = crate::core::testing::discovery_document(issuer).to_string();
    let head = format!("{},", &doc[1..doc.len() - 1]);
    for body in [padded(MAX_DISCOVERY_LEN, &head), deep(&head)] {
        let e = Error::from(process_discovery_response(&ok(body), issuer).err().unwrap());
        assert_eq!(e.code(), "invalid_discovery");
    }
    assert!(process_discovery_response(&ok(doc), issuer).is_ok());
    for body in [
        padded(MAX_USERINFO_LEN, r#""sub":"user-42","#),
        deep(r#""sub":"user-42","#),
    ] {
        let e = process_userinfo_response(&ok(body), "user-42")
            .err()
            .unwrap();
        assert_eq!(e.code(), "userinfo_invalid");
    }
}

/// A 307 or 308 from the token endpoint would re-send the code and verifier elsewhere. The
/// requests that carry a secret go with `redirect: "error"` (`login.rs`
/// `requests_that_carry_a_secret_refuse_redirects`); a platform that still hands a 3xx back
/// gets `token_exchange_failed` with its status, and nothing is sent again.
#[test]
fn a_redirect_from_the_token_endpoint_is_not_followed() {
    for status in [307, 308] {
        let h = TestTab::new(generic_config());
        let sent = h.start_login(&h.client(), LoginOptions::default());
        h.platform.on(Post, "/token").respond_with(
            status,
            &[("location", "https://evil.example/token")],
            "",
        );
        let e = block_on(h.client().handle_callback(&sent.callback(""))).unwrap_err();
        assert_eq!(e.code(), "token_exchange_failed");
        assert_eq!(e.http_status(), Some(status));
        assert_eq!(h.platform.sent(), ["POST http://127.0.0.1:9000/token"]);
        assert!(!h.client().is_authenticated());
    }
}

// ---- callbacks in the wrong shape -----------------------------------------------------------

/// The code in the fragment, in both the query and the fragment, or tokens in the URL (an
/// implicit-style or injected response): refused as `invalid_callback` before any exchange,
/// the pending login deleted, and the URL is recognised as a callback so the address bar is
/// cleaned of all of it (fragment included).
#[test]
fn callbacks_with_the_code_in_the_fragment_or_tokens_in_the_url_are_refused() {
    let h = TestTab::new(generic_config());
    h.login(&h.client(), tokens_1());
    let before = h.session_record();
    for shape in [
        "#code=CODE-1&state={state}",
        "?code=CODE-1&state={state}#code=CODE-2&state={state}",
        "?state={state}#code=CODE-1",
        "?code=CODE-1&state={state}&access_token=AT-evil&token_type=Bearer",
        "?code=CODE-1&state={state}&id_token=eyJhbGciOiJub25lIn0.e30.",
        "?code=CODE-1&state={state}#access_token=AT-evil&token_type=Bearer",
        "#access_token=AT-evil&token_type=Bearer&expires_in=3600&state={state}",
        "?refresh_token=RT-evil&state={state}",
        "#error=access_denied&state={state}",
    ] {
        let sent = h.start_login(&h.client(), LoginOptions::default());
        let url = format!(
            "http://127.0.0.1:8080/{}",
            shape.replace("{state}", &sent.state)
        );
        let url = WebUrl::parse(&url).unwrap();
        assert!(
            is_callback(&url),
            "{shape}: taken as a callback, so it is cleaned"
        );
        let clean = clean_callback_url(&url);
        assert_eq!(clean.as_str(), "http://127.0.0.1:8080/", "{shape}");
        let e = block_on(h.client().handle_callback(&url)).unwrap_err();
        assert_eq!(
            e,
            Error::Callback(CallbackError::UnexpectedResponse),
            "{shape}"
        );
        assert_eq!(e.code(), "invalid_callback");
        assert!(!h.client().has_pending_login(), "{shape}: single use");
        assert_eq!(
            h.session_record(),
            before,
            "{shape}: the session is untouched"
        );
    }
    assert!(h.platform.sent().is_empty(), "nothing was exchanged");
}

// ---- callApi: the token goes under the API base only ---------------------------------------

/// Targets beside the API base (`/v2evil`), above it through dot segments and their
/// percent-encoded forms, at another origin, with credentials, scheme-relative or with
/// backslashes: `invalid_api_url`, and the request is never built. (The URL rules themselves
/// are in `weburl/tests.rs`: `issue_10_*`.)
#[test]
fn call_api_targets_outside_the_api_base_are_refused() {
    let h = TestTab::new(RawConfig {
        api_base: Some("https://api.example/v2".into()),
        ..generic_config()
    });
    let c = h.client();
    for good in [
        "/users/me",
        "users/me?x=1",
        "https://api.example/v2/users",
        "https://api.example/v2",
    ] {
        assert!(c.api_url(good).is_ok(), "{good}");
    }
    for bad in [
        "https://api.example/v2evil",
        "https://api.example/v2evil/users",
        "https://api.example/v",
        "https://api.example/",
        "../admin",
        "/../admin",
        "x/../../admin",
        "%2e%2e/admin",
        ".%2E/admin",
        "%2E%2e/admin",
        "https://api.example/v2/../admin",
        "https://api.example/v2/%2e%2e/admin",
        "https://api.example/v2/.%2e/admin",
        "https://user:pw@api.example/v2/users",
        "https://api.example@evil.example/v2",
        "https://api.example.evil.example/v2",
        "http://api.example/v2",
        "https://api.example:444/v2",
        "//evil.example/v2",
        "/\\evil.example",
        "\\\\evil.example",
        "javascript:alert(1)",
        "\tx",
        " /x",
    ] {
        assert_eq!(c.api_url(bad).unwrap_err(), Error::InvalidApiUrl, "{bad:?}");
    }
}

// ---- OpenID RP conformance modules, through the whole login ----------------------------------

/// The OpenID Foundation's RP tests (`oidcc-client-test-*`) that apply to a code-flow public
/// client, each through the whole login on the fake provider: start, callback, token
/// response with the ID token the module describes, verification. A refused login stores no
/// session and leaves no pending login. (The checks one by one are in `id_token.rs`; the
/// refresh modules, `oidcc-client-test-refresh-token-invalid-*`, are `oidc.rs`
/// `a_refreshed_id_token_is_held_to_the_logins_claims`.)
mod oidcc {
    use serde_json::{json, Value};

    use crate::core::testing::keys::test_keys;
    use crate::core::testing::{block_on, id_claims, id_token, jwk_set, openid_config, tokens};
    use crate::core::testing::{TestTab, CLIENT_ID, T0};
    use crate::core::Method::{Get, Post};
    use crate::core::*;

    /// Logs in on a fresh OpenID tab whose provider answers with the ID token `make` builds
    /// for the login's nonce, and with `jwks`.
    fn login(
        make: impl FnOnce(&str) -> String,
        jwks: Value,
    ) -> (Result<SessionSummary, Error>, TestTab) {
        let h = TestTab::new(openid_config());
        let sent = h.start_login(&h.client(), LoginOptions::default());
        let body = tokens("AT-1", None, Some(3600))
            .scope("openid profile")
            .id_token(&make(&sent.nonce));
        h.platform.on(Post, "/token").respond(200, body);
        h.platform
            .on(Get, "/jwks")
            .respond(200, &jwks)
            .respond(200, &jwks);
        let r = block_on(h.client().handle_callback(&sent.callback("")));
        (r, h)
    }

    /// The module's login is refused with `code`, storing nothing.
    #[track_caller]
    fn refused(code: &str, make: impl FnOnce(&str) -> String, jwks: Value) {
        let (r, h) = login(make, jwks);
        assert_eq!(r.err().map(|e| e.code()), Some(code));
        assert!(h.session_record().is_none(), "no session");
        assert!(!h.client().has_pending_login(), "no pending login");
    }

    /// The module's login succeeds.
    #[track_caller]
    fn accepted(make: impl FnOnce(&str) -> String, jwks: Value) {
        let (r, h) = login(make, jwks);
        assert!(r.is_ok(), "{:?}", r.err());
        assert!(h.client().user().is_some());
    }

    fn claims_with(nonce: &str, edit: impl FnOnce(&mut serde_json::Map<String, Value>)) -> Value {
        let mut c = id_claims(nonce);
        edit(c.as_object_mut().unwrap());
        c
    }

    fn rs256(claims: &Value) -> String {
        id_token(JwsAlg::Rs256, claims)
    }

    fn tampered(token: String) -> String {
        let (input, sig) = token.rsplit_once('.').unwrap();
        let mut sig = decode_url(sig).unwrap();
        sig[0] ^= 1;
        format!("{input}.{}", encode_url(&sig))
    }

    #[test]
    fn oidcc_client_test() {
        accepted(|n| rs256(&id_claims(n)), jwk_set());
    }

    #[test]
    fn oidcc_client_test_nonce_invalid() {
        refused(
            "id_token_nonce_mismatch",
            |_| rs256(&id_claims("another-login")),
            jwk_set(),
        );
    }

    #[test]
    fn oidcc_client_test_invalid_aud() {
        let make = |n: &str| {
            rs256(&claims_with(n, |c| {
                drop(c.insert("aud".into(), "other".into()))
            }))
        };
        refused("id_token_aud_mismatch", make, jwk_set());
    }

    #[test]
    fn oidcc_client_test_missing_aud() {
        refused(
            "id_token_aud_mismatch",
            |n| rs256(&claims_with(n, |c| drop(c.remove("aud")))),
            jwk_set(),
        );
    }

    #[test]
    fn oidcc_client_test_invalid_iss() {
        let make = |n: &str| {
            rs256(&claims_with(n, |c| {
                drop(c.insert("iss".into(), "https://evil.example".into()))
            }))
        };
        refused("id_token_iss_mismatch", make, jwk_set());
    }

    #[test]
    fn oidcc_client_test_missing_sub() {
        refused(
            "id_token_malformed",
            |n| rs256(&claims_with(n, |c| drop(c.remove("sub")))),
            jwk_set(),
        );
    }

    #[test]
    fn oidcc_client_test_missing_iat() {
        refused(
            "id_token_malformed",
            |n| rs256(&claims_with(n, |c| drop(c.remove("iat")))),
            jwk_set(),
        );
    }

    #[test]
    fn oidcc_client_test_idtoken_sig_none() {
        let make = |n: &str| {
            let header = encode_url(br#"{"alg":"none"}"#);
            format!(
                "{header}.{}.",
                encode_url(id_claims(n).to_string().as_bytes())
            )
        };
        // As the module sends it, with an empty signature part: malformed before the algorithm
        // is even looked at (with a signature, `alg: none` is id_token_alg_unsupported:
        // id_token.rs `alg_none_is_refused`).
        refused("id_token_malformed", make, jwk_set());
    }

    #[test]
    fn oidcc_client_test_invalid_sig_rs256() {
        refused(
            "id_token_signature_invalid",
            |n| tampered(rs256(&id_claims(n))),
            jwk_set(),
        );
    }

    #[test]
    fn oidcc_client_test_invalid_sig_es256() {
        let make = |n: &str| tampered(id_token(JwsAlg::Es256, &id_claims(n)));
        refused("id_token_signature_invalid", make, jwk_set());
    }

    #[test]
    fn oidcc_client_test_invalid_sig_hs256() {
        // Keyed with the provider's public RSA modulus, as an algorithm-confusion attack would.
        let make = |n: &str| {
            let header = json!({"alg":"HS256","kid":"rsa"});
            test_keys().sign_with_header(JwsAlg::Rs256, &header, &id_claims(n))
        };
        refused("id_token_alg_unsupported", make, jwk_set());
    }

    #[test]
    fn oidcc_client_test_kid_absent_single_jwks() {
        let make = |n: &str| {
            test_keys().sign_with_header(JwsAlg::Rs256, &json!({"alg":"RS256"}), &id_claims(n))
        };
        accepted(
            make,
            json!({"keys":[test_keys().jwk(JwsAlg::Rs256, "rsa")]}),
        );
    }

    #[test]
    fn oidcc_client_test_kid_absent_multiple_jwks() {
        // Two RSA keys and no kid: refused rather than "try them all" (both are allowed).
        let make = |n: &str| {
            test_keys().sign_with_header(JwsAlg::Rs256, &json!({"alg":"RS256"}), &id_claims(n))
        };
        let mut other = test_keys().jwk(JwsAlg::Rs256, "rsa-2");
        other["n"] = encode_url(&[0xc5; 256]).into();
        let set = json!({"keys":[test_keys().jwk(JwsAlg::Rs256, "rsa"), other]});
        refused("id_token_key_ambiguous", make, set);
    }

    #[test]
    fn oidcc_client_test_signing_key_rotation() {
        // The page holds the JWK Set of a minute ago; the token is signed with a key published
        // since: the set is fetched again once, and the login succeeds.
        let h = TestTab::new(openid_config());
        let old = json!({"keys":[test_keys().jwk(JwsAlg::Es256, "p256")]});
        h.documents.put(
            "http://127.0.0.1:9000/jwks",
            &old.to_string(),
            None,
            T0 - 3_600_000,
        );
        let sent = h.start_login(&h.client(), LoginOptions::default());
        let body = tokens("AT-1", None, Some(3600))
            .scope("openid profile")
            .id_token(&rs256(&id_claims(&sent.nonce)));
        h.platform.on(Post, "/token").respond(200, body);
        h.platform.on(Get, "/jwks").respond(200, jwk_set());
        let r = block_on(h.client().handle_callback(&sent.callback("")));
        assert!(r.is_ok(), "{:?}", r.err());
        assert_eq!(
            h.platform
                .sent()
                .iter()
                .filter(|r| r.ends_with("/jwks"))
                .count(),
            1
        );
    }

    #[test]
    fn oidcc_client_test_userinfo_invalid_sub() {
        let h = TestTab::new(openid_config());
        h.login_openid(
            &h.client(),
            tokens("AT-1", None, Some(3600)).scope("openid profile"),
            |_| {},
        );
        h.platform
            .on(Get, "/me")
            .respond(200, json!({"sub": "someone-else", "name": "Mallory"}));
        let e = block_on(h.client().load_userinfo()).unwrap_err();
        assert_eq!(e.code(), "userinfo_sub_mismatch");
    }

    #[test]
    fn oidcc_client_test_discovery_issuer_mismatch() {
        let platform = crate::core::testing::FakePlatform::at(T0);
        let mut doc = crate::core::testing::discovery_document("http://127.0.0.1:9000");
        doc["issuer"] = "https://evil.example".into();
        platform
            .on(Get, "/.well-known/openid-configuration")
            .respond(200, doc);
        let raw = RawConfig {
            issuer: Some("http://127.0.0.1:9000".into()),
            client_id: Some(CLIENT_ID.into()),
            redirect_uri: Some("http://127.0.0.1:8080/".into()),
            scopes: vec!["openid".into()],
            ..Default::default()
        };
        let e = block_on(discover_config(&platform, &DocumentCache::default(), raw)).unwrap_err();
        assert_eq!(e.code(), "discovery_issuer_mismatch");
    }
}

/// RFC 9700 §2.6 / CORS: the protocol's requests are cross-origin fetches that carry no
/// cookies (`credentials: "omit"`), so a token endpoint's CORS answer never needs
/// `Access-Control-Allow-Credentials`, and no ambient authority rides along: each request of
/// an OpenID login (token, JWK Set), a refresh, a UserInfo call and a logout (revocation).
#[test]
fn protocol_requests_carry_no_cookies() {
    use crate::core::testing::{openid_config, ISSUER};
    use crate::core::Method::Get;
    let h = TestTab::new(RawConfig {
        revocation_endpoint: Some(format!("{ISSUER}/revoke")),
        ..openid_config()
    });
    let sent = h.start_login(&h.client(), LoginOptions::default());
    let claims = crate::core::testing::id_claims(&sent.nonce);
    let id = crate::core::testing::id_token(JwsAlg::Rs256, &claims);
    let first = tokens("AT-1", Some("RT-1"), Some(3600)).scope("openid");
    h.token_endpoint().respond(200, first.id_token(&id));
    h.platform
        .on(Get, "/jwks")
        .respond(200, crate::core::testing::jwk_set());
    block_on(h.client().handle_callback(&sent.callback(""))).unwrap();
    h.token_endpoint()
        .respond(200, tokens("AT-2", Some("RT-2"), Some(3600)));
    block_on(h.client().refresh()).unwrap();
    h.platform
        .on(Get, "/me")
        .respond(200, r#"{"sub":"user-42"}"#);
    block_on(h.client().load_userinfo()).unwrap();
    h.platform.on(Post, "/revoke").respond(200, "");
    let session = h.client().end_local_session();
    block_on(h.client().finish_logout(session, &LogoutOptions::default())).unwrap();
    let requests = h.platform.requests.borrow();
    assert_eq!(requests.len(), 5, "{:?}", h.platform.sent());
    for r in requests.iter() {
        assert_eq!(
            r.credentials,
            Credentials::Omit,
            "{} {}",
            r.method.as_str(),
            r.url
        );
    }
}
