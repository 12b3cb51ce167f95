//! What the provider sends in the tests, built once: configurations, token responses,
//! ID-token claims and signed ID tokens, JWK Sets, discovery documents.

use std::fmt;

use serde_json::{json, Value};

use super::keys::test_keys;
use crate::core::oauth::RawConfig;
use crate::core::oidc::JwsAlg;

/// The tests' "now": 2027-01-15T08:00:00Z, in ms since the Unix epoch.
pub const T0: u64 = 1_800_000_000_000;
/// The provider of the generic configurations (a loopback address, so `http:` is allowed).
pub const ISSUER: &str = "http://127.0.0.1:9000";
/// The client id of the shared configurations.
pub const CLIENT_ID: &str = "demo";
/// The app's redirect URI in the shared configurations.
pub const REDIRECT_URI: &str = "http://127.0.0.1:8080/";

/// The generic configuration the suites share: plain OAuth 2.0 (scope `profile`, no
/// `openid`), authorization and token endpoints at [`ISSUER`] (`/auth`, `/token`), and an
/// API base there.
pub fn generic_config() -> RawConfig {
    RawConfig {
        client_id: Some(CLIENT_ID.into()),
        redirect_uri: Some(REDIRECT_URI.into()),
        authorization_endpoint: Some(format!("{ISSUER}/auth")),
        token_endpoint: Some(format!("{ISSUER}/token")),
        api_base: Some(format!("{ISSUER}/")),
        scopes: vec!["profile".into()],
        ..Default::default()
    }
}

/// [`generic_config`] with a revocation endpoint (`/revoke`) and an end-session endpoint
/// (`/session/end`).
pub fn revocation_config() -> RawConfig {
    RawConfig {
        revocation_endpoint: Some(format!("{ISSUER}/revoke")),
        end_session_endpoint: Some(format!("{ISSUER}/session/end")),
        ..generic_config()
    }
}

/// [`generic_config`] as OpenID Connect: scopes `openid profile`, the issuer, its JWK Set
/// (`/jwks`) and UserInfo endpoint (`/me`), configured by hand (see [`discovery_document`]
/// for the discovered form).
pub fn openid_config() -> RawConfig {
    RawConfig {
        issuer: Some(ISSUER.into()),
        jwks_uri: Some(format!("{ISSUER}/jwks")),
        userinfo_endpoint: Some(format!("{ISSUER}/me")),
        scopes: vec!["openid".into(), "profile".into()],
        ..generic_config()
    }
}

/// The Genesys Cloud preset for the `mypurecloud.ie` region (token endpoint
/// `https://login.mypurecloud.ie/oauth/token`, API `https://api.mypurecloud.ie/`).
pub fn genesys_config() -> RawConfig {
    RawConfig {
        region: Some("mypurecloud.ie".into()),
        client_id: Some(CLIENT_ID.into()),
        redirect_uri: Some("https://app.example/".into()),
        ..Default::default()
    }
}

/// A token response (RFC 6749 §5.1) being built; its `Display` is the JSON body.
pub struct Tokens(Value);

/// A Bearer token response with this access token, and a refresh token and `expires_in`
/// when given.
pub fn tokens(access_token: &str, refresh_token: Option<&str>, expires_in: Option<u64>) -> Tokens {
    let mut v = json!({"access_token": access_token, "token_type": "Bearer"});
    if let Some(rt) = refresh_token {
        v["refresh_token"] = rt.into();
    }
    if let Some(e) = expires_in {
        v["expires_in"] = e.into();
    }
    Tokens(v)
}

impl Tokens {
    /// With this `scope`.
    pub fn scope(self, scope: &str) -> Self {
        self.with("scope", scope)
    }

    /// With this `id_token`.
    pub fn id_token(self, id_token: &str) -> Self {
        self.with("id_token", id_token)
    }

    /// With the member `name` set to `value`.
    pub fn with(mut self, name: &str, value: impl Into<Value>) -> Self {
        self.0[name] = value.into();
        self
    }
}

impl fmt::Display for Tokens {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

/// The claims of a valid ID token from [`ISSUER`] for [`CLIENT_ID`], issued at [`T0`] and
/// valid for ten minutes, for the user `user-42` ("Grace Hopper", grace@example.com).
pub fn id_claims(nonce: &str) -> Value {
    json!({
        "iss": ISSUER, "sub": "user-42", "aud": CLIENT_ID, "exp": T0 / 1000 + 600,
        "iat": T0 / 1000, "nonce": nonce, "name": "Grace Hopper", "email": "grace@example.com",
    })
}

/// The `kid` of the test key for `alg` in [`jwk_set`].
pub fn kid(alg: JwsAlg) -> &'static str {
    match alg {
        JwsAlg::Es256 => "p256",
        JwsAlg::Es384 => "p384",
        _ => "rsa",
    }
}

/// An ID token of `claims` signed as `alg` with the test key [`jwk_set`] holds for it.
pub fn id_token(alg: JwsAlg, claims: &Value) -> String {
    test_keys().sign(alg, kid(alg), claims)
}

/// The provider's JWK Set: the test keys for RSA (`rsa`), P-256 (`p256`), P-384 (`p384`).
pub fn jwk_set() -> Value {
    let k = test_keys();
    json!({"keys": [
        k.jwk(JwsAlg::Rs256, kid(JwsAlg::Rs256)),
        k.jwk(JwsAlg::Es256, kid(JwsAlg::Es256)),
        k.jwk(JwsAlg::Es384, kid(JwsAlg::Es384)),
    ]})
}

/// The discovery document (OpenID Connect Discovery 1.0 §3) of `issuer`, with its endpoints
/// at the paths of [`openid_config`] (`/auth`, `/token`, `/jwks`, `/me`) under it.
pub fn discovery_document(issuer: &str) -> Value {
    json!({
        "issuer": issuer,
        "authorization_endpoint": format!("{issuer}/auth"),
        "token_endpoint": format!("{issuer}/token"),
        "jwks_uri": format!("{issuer}/jwks"),
        "userinfo_endpoint": format!("{issuer}/me"),
        "code_challenge_methods_supported": ["S256"],
        "response_types_supported": ["code"],
    })
}
