//! Client configuration: the Genesys Cloud preset, the generic form, and their validation.
//!
//! Configuration arrives from JavaScript as a camelCase object ([`RawConfig`]) and is
//! validated once, at construction, into a [`Config`] that the rest of the library trusts.

use crate::core::WebUrl;

use crate::core::error::ConfigError;
use crate::core::genesys::genesys_domain;
use crate::core::json::Value;
use crate::core::options::Options;

/// Where the session (tokens) is kept. The configuration asks for `"session"` or `"memory"`;
/// a client reports what it got, which is [`StorageMode::MemoryFallback`] where
/// sessionStorage was asked for but the browser blocks it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum StorageMode {
    /// `sessionStorage`: per tab, survives reloads, gone when the tab closes. The default.
    #[default]
    Session,
    /// Memory only: gone on reload. The pending login still uses sessionStorage, since it
    /// must survive the redirect to the authorization server.
    Memory,
    /// sessionStorage was asked for but is blocked (private modes, sandboxed frames): memory,
    /// with a warning. Never a configuration value.
    MemoryFallback,
}

impl StorageMode {
    /// The JavaScript name: `"session"`, `"memory"` or `"memory-fallback"`.
    pub fn as_str(self) -> &'static str {
        match self {
            StorageMode::Session => "session",
            StorageMode::Memory => "memory",
            StorageMode::MemoryFallback => "memory-fallback",
        }
    }
}

impl StorageMode {
    /// The storage a configuration names: `"session"` or `"memory"`.
    pub fn from_config(name: &str) -> Result<StorageMode, ConfigError> {
        match name {
            "session" => Ok(StorageMode::Session),
            "memory" => Ok(StorageMode::Memory),
            _ => Err(invalid("storage", "must be \"session\" or \"memory\"")),
        }
    }
}

/// The configuration object as JavaScript passes it (camelCase keys). Either `region` (the
/// Genesys Cloud preset) or `authorizationEndpoint` + `tokenEndpoint` (generic) is required.
#[derive(Debug, Default, Clone)]
pub struct RawConfig {
    /// Genesys Cloud region domain or id, e.g. `mypurecloud.ie` or `eu_west_1`.
    pub region: Option<String>,
    /// The OAuth client id.
    pub client_id: Option<String>,
    /// The registered redirect URI (where the callback lands).
    pub redirect_uri: Option<String>,
    /// The scopes to request.
    pub scopes: Vec<String>,
    /// Generic: the authorization endpoint URL.
    pub authorization_endpoint: Option<String>,
    /// Generic: the token endpoint URL.
    pub token_endpoint: Option<String>,
    /// Base URL that `callApi` resolves relative paths against.
    pub api_base: Option<String>,
    /// Extra authorization request parameters (Genesys: org, provider, login_hint, prompt, target).
    pub extra_params: Vec<(String, String)>,
    /// `"session"` (default) or `"memory"`.
    pub storage: StorageMode,
    /// OpenID Connect: the issuer identifier, exactly as the provider spells it (OIDC Core §2,
    /// `iss`). Required with the `openid` scope; `PkceClient.discover` fetches the endpoints
    /// from `<issuer>/.well-known/openid-configuration`.
    pub issuer: Option<String>,
    /// OpenID Connect: the provider's JWK Set URL (OIDC Discovery §3 `jwks_uri`). Required with
    /// the `openid` scope unless discovered.
    pub jwks_uri: Option<String>,
    /// OpenID Connect: the UserInfo endpoint (OIDC Core §5.3), for `loadUserInfo()`.
    pub userinfo_endpoint: Option<String>,
    /// The RP-initiated logout endpoint (OpenID Connect RP-Initiated Logout 1.0 §2).
    pub end_session_endpoint: Option<String>,
    /// The token revocation endpoint (RFC 7009 §2).
    pub revocation_endpoint: Option<String>,
    /// Allowed clock skew, in seconds, for the ID token's times (default 60, at most 600).
    pub clock_tolerance_seconds: Option<u64>,
    /// Refresh this many seconds before the access token expires (default 60).
    pub refresh_lead_seconds: Option<u64>,
    /// Emit `tokenExpiring` this many seconds before expiry when the token will not be renewed
    /// automatically (default 300).
    pub expiring_lead_seconds: Option<u64>,
    /// Where the server sends the browser after a logout redirect (must be registered);
    /// defaults to `redirectUri`.
    pub post_logout_redirect_uri: Option<String>,
    /// Whether tabs holding copies of one session share refreshes and logout over the sealed
    /// tab channel (default true; `false` opens no channel).
    pub share_across_tabs: Option<bool>,
    /// `autoRenew`: `"refresh"` (default: renew with the refresh token, warn with
    /// `tokenExpiring` when there is none) or `"silent"` (without a usable refresh token, renew
    /// in a hidden frame with `prompt=none`, `renewSilently()`, where it would only warn).
    pub auto_renew_silent: bool,
}

/// Every key of the configuration object.
pub const CONFIG_KEYS: &[&str] = &[
    "region",
    "clientId",
    "redirectUri",
    "scopes",
    "authorizationEndpoint",
    "tokenEndpoint",
    "apiBase",
    "extraParams",
    "storage",
    "issuer",
    "jwksUri",
    "userinfoEndpoint",
    "endSessionEndpoint",
    "revocationEndpoint",
    "clockToleranceSeconds",
    "refreshLeadSeconds",
    "expiringLeadSeconds",
    "postLogoutRedirectUri",
    "shareAcrossTabs",
    "autoRenew",
];

impl RawConfig {
    /// Reads the configuration object an app passed, as JSON: every key must be one of
    /// [`CONFIG_KEYS`] (a typo is refused, naming the likely key), and each value of its type.
    pub fn from_json(value: &Value) -> Result<RawConfig, ConfigError> {
        let o = Options::new(value, "config", CONFIG_KEYS)?;
        Ok(RawConfig {
            region: o.string("region")?,
            client_id: o.string("clientId")?,
            redirect_uri: o.string("redirectUri")?,
            scopes: o.strings("scopes")?,
            authorization_endpoint: o.string("authorizationEndpoint")?,
            token_endpoint: o.string("tokenEndpoint")?,
            api_base: o.string("apiBase")?,
            extra_params: o.string_map("extraParams")?,
            storage: match o.string("storage")? {
                Some(name) => StorageMode::from_config(&name)?,
                None => StorageMode::Session,
            },
            issuer: o.string("issuer")?,
            jwks_uri: o.string("jwksUri")?,
            userinfo_endpoint: o.string("userinfoEndpoint")?,
            end_session_endpoint: o.string("endSessionEndpoint")?,
            revocation_endpoint: o.string("revocationEndpoint")?,
            clock_tolerance_seconds: o.whole_number("clockToleranceSeconds")?,
            refresh_lead_seconds: o.whole_number("refreshLeadSeconds")?,
            expiring_lead_seconds: o.whole_number("expiringLeadSeconds")?,
            post_logout_redirect_uri: o.string("postLogoutRedirectUri")?,
            share_across_tabs: o.boolean("shareAcrossTabs")?,
            auto_renew_silent: match o.string("autoRenew")?.as_deref() {
                None | Some("refresh") => false,
                Some("silent") => true,
                Some(_) => return Err(invalid("autoRenew", "must be \"refresh\" or \"silent\"")),
            },
        })
    }
}

/// Which kind of server the client talks to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Provider {
    /// Genesys Cloud, with its domain (e.g. `mypurecloud.ie`).
    Genesys {
        /// The region's domain.
        domain: &'static str,
    },
    /// Any standards-following OAuth 2.0 server.
    Generic,
}

/// A validated configuration.
#[derive(Debug, Clone)]
pub struct Config {
    /// The OAuth client id.
    pub client_id: String,
    /// The redirect URI, exactly as registered.
    pub redirect_uri: WebUrl,
    /// The scopes to request (may be empty).
    pub scopes: Vec<String>,
    /// The authorization endpoint (RFC 6749 §3.1).
    pub authorization_endpoint: WebUrl,
    /// The token endpoint (RFC 6749 §3.2).
    pub token_endpoint: WebUrl,
    /// The API base for `callApi`, if any.
    pub api_base: Option<WebUrl>,
    /// Extra authorization parameters, in order.
    pub extra_params: Vec<(String, String)>,
    /// Where the session lives.
    pub storage: StorageMode,
    /// The kind of server.
    pub provider: Provider,
    /// The OpenID Connect issuer identifier, exactly as configured or discovered (never
    /// normalized: `https://as.example` and `https://as.example/` are different issuers).
    pub issuer: Option<String>,
    /// The provider's JWK Set (OIDC Discovery §3).
    pub jwks_uri: Option<WebUrl>,
    /// The UserInfo endpoint (OIDC Core §5.3).
    pub userinfo_endpoint: Option<WebUrl>,
    /// The RP-initiated logout endpoint (OpenID Connect RP-Initiated Logout 1.0 §2).
    pub end_session_endpoint: Option<WebUrl>,
    /// The token revocation endpoint (RFC 7009 §2).
    pub revocation_endpoint: Option<WebUrl>,
    /// Whether the server promised an `iss` parameter in every authorization response
    /// (RFC 9207 §3, from discovery), which makes it mandatory in the callback.
    pub authorization_response_iss_parameter_supported: bool,
    /// Allowed clock skew for ID token times, in seconds.
    pub clock_tolerance_s: u64,
    /// Refresh this long before the access token expires, in ms.
    pub refresh_lead_ms: u64,
    /// Warn (`tokenExpiring`) this long before expiry when no automatic renewal will happen.
    pub expiring_lead_ms: u64,
    /// Where to come back after a logout redirect, when set (else `redirect_uri`).
    pub post_logout_redirect_uri: Option<WebUrl>,
    /// Whether this client talks to its sibling tabs (`shareAcrossTabs`, default true). When
    /// false no channel is opened and nothing is posted or received; refreshes of one family
    /// are still serialized by its Web Lock, which carries no token.
    pub share_across_tabs: bool,
    /// `autoRenew: "silent"`: without a usable refresh token the lifecycle renews in a hidden
    /// frame (`prompt=none`) where it would only warn with `tokenExpiring`.
    pub auto_renew_silent: bool,
}

/// Default of `refreshLeadSeconds`.
pub const DEFAULT_REFRESH_LEAD_S: u64 = 60;
/// Default of `expiringLeadSeconds`.
pub const DEFAULT_EXPIRING_LEAD_S: u64 = 300;
/// The largest lead time accepted: a day.
pub const MAX_LEAD_S: u64 = 86_400;

fn lead_ms(field: &'static str, value: Option<u64>, default: u64) -> Result<u64, ConfigError> {
    match value.unwrap_or(default) {
        s if s <= MAX_LEAD_S => Ok(s * 1000),
        _ => Err(invalid(field, "must be between 0 and 86400 seconds")),
    }
}

/// The default clock tolerance for `exp`, `iat`, `nbf` and `auth_time`: 60 seconds.
pub const DEFAULT_CLOCK_TOLERANCE_S: u64 = 60;

/// The largest accepted `clockToleranceSeconds`: 10 minutes.
pub const MAX_CLOCK_TOLERANCE_S: u64 = 600;

/// Authorization request parameters the library sets itself; an app may not override them.
pub const RESERVED_PARAMS: &[&str] = &[
    "client_id",
    "response_type",
    "redirect_uri",
    "scope",
    "state",
    "code_challenge",
    "code_challenge_method",
    "nonce",
    "response_mode",
    "request",
    "request_uri",
];

fn invalid(field: &'static str, reason: impl Into<String>) -> ConfigError {
    ConfigError::Invalid {
        field,
        reason: reason.into(),
    }
}

/// `"<text>"<rest>`, with `text` sanitized: a message naming what the app gave.
pub fn quoted(text: &str, rest: &str) -> String {
    let mut out = String::from("\"");
    out.push_str(&crate::core::sanitize::sanitize(text, 64));
    out.push('"');
    out.push_str(rest);
    out
}

/// Parses an endpoint URL ([`WebUrl`]: absolute, no credentials, canonical): https (or http
/// on a loopback host), no fragment.
pub fn parse_endpoint(field: &'static str, value: &str) -> Result<WebUrl, ConfigError> {
    let url = WebUrl::parse(value.trim()).map_err(|e| invalid(field, e.message()))?;
    if !url.is_https() && !url.is_loopback() {
        return Err(invalid(
            field,
            "must use https (plain http is allowed only on localhost, 127.0.0.1 and [::1])",
        ));
    }
    if url.fragment().is_some() {
        return Err(invalid(field, "must not contain a fragment (#...)"));
    }
    Ok(url)
}

/// Parses an issuer identifier (OIDC Discovery §2, RFC 8414 §2): an https URL (or http on a
/// loopback host) with no query, fragment or credentials. Returns it exactly as given, since
/// issuers are compared as strings.
pub fn parse_issuer(field: &'static str, value: &str) -> Result<String, ConfigError> {
    if value.trim() != value {
        return Err(invalid(field, "must not have surrounding spaces"));
    }
    let url = parse_endpoint(field, value)?;
    if url.query().is_some() || value.contains('?') {
        return Err(invalid(field, "must not contain a query (?...)"));
    }
    Ok(value.to_string())
}

/// RFC 6749 §3.3: scope-token = 1*( %x21 / %x23-5B / %x5D-7E ).
fn is_scope_token(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| matches!(b, 0x21 | 0x23..=0x5B | 0x5D..=0x7E))
}

impl RawConfig {
    /// Validates the raw configuration.
    pub fn validate(&self) -> Result<Config, ConfigError> {
        let client_id = self.client_id.as_deref().unwrap_or_default();
        if client_id.trim().is_empty() {
            return Err(invalid("clientId", "is required"));
        }
        let redirect_uri = parse_endpoint(
            "redirectUri",
            self.redirect_uri
                .as_deref()
                .ok_or_else(|| invalid("redirectUri", "is required"))?,
        )?;
        for s in &self.scopes {
            if !is_scope_token(s) {
                return Err(invalid(
                    "scopes",
                    quoted(
                        s,
                        " is not a valid scope (one scope per array item, no spaces)",
                    ),
                ));
            }
        }
        for (name, _) in &self.extra_params {
            if name.is_empty() || RESERVED_PARAMS.contains(&name.as_str()) {
                return Err(invalid(
                    "extraParams",
                    quoted(name, " is set by the library and cannot be overridden"),
                ));
            }
        }
        let (provider, authorization_endpoint, token_endpoint, api_base) = match &self.region {
            Some(region) => {
                if self.authorization_endpoint.is_some() || self.token_endpoint.is_some() {
                    return Err(invalid(
                        "region",
                        "give either a Genesys region or explicit endpoints, not both",
                    ));
                }
                let domain = genesys_domain(region).ok_or_else(|| ConfigError::UnknownRegion {
                    given: region.clone(),
                })?;
                let at = |host: &str, path: &str| {
                    let mut text = String::from("https://");
                    text.push_str(host);
                    text.push_str(domain);
                    text.push_str(path);
                    parse_endpoint("region", &text)
                };
                let api_base = match &self.api_base {
                    Some(base) => parse_endpoint("apiBase", base)?,
                    None => at("api.", "/")?,
                };
                (
                    Provider::Genesys { domain },
                    at("login.", "/oauth/authorize")?,
                    at("login.", "/oauth/token")?,
                    Some(api_base),
                )
            }
            None => {
                let auth = self.authorization_endpoint.as_deref().ok_or_else(|| {
                    invalid(
                        "authorizationEndpoint",
                        "is required (or give a Genesys `region`)",
                    )
                })?;
                let token = self.token_endpoint.as_deref().ok_or_else(|| {
                    invalid("tokenEndpoint", "is required (or give a Genesys `region`)")
                })?;
                let api_base = self
                    .api_base
                    .as_deref()
                    .map(|b| parse_endpoint("apiBase", b))
                    .transpose()?;
                (
                    Provider::Generic,
                    parse_endpoint("authorizationEndpoint", auth)?,
                    parse_endpoint("tokenEndpoint", token)?,
                    api_base,
                )
            }
        };
        let issuer = self
            .issuer
            .as_deref()
            .map(|i| parse_issuer("issuer", i))
            .transpose()?;
        let endpoint = |field, value: &Option<String>| {
            value
                .as_deref()
                .map(|v| parse_endpoint(field, v))
                .transpose()
        };
        let jwks_uri = endpoint("jwksUri", &self.jwks_uri)?;
        if self.scopes.iter().any(|s| s == "openid") && (issuer.is_none() || jwks_uri.is_none()) {
            return Err(invalid(
                if issuer.is_none() {
                    "issuer"
                } else {
                    "jwksUri"
                },
                "is required with the openid scope, to verify the ID token \
                 (give `issuer` and `jwksUri`, or use PkceClient.discover)",
            ));
        }
        let clock_tolerance_s = self
            .clock_tolerance_seconds
            .unwrap_or(DEFAULT_CLOCK_TOLERANCE_S);
        if clock_tolerance_s > MAX_CLOCK_TOLERANCE_S {
            return Err(invalid(
                "clockToleranceSeconds",
                "must be at most 600 (ten minutes)",
            ));
        }
        Ok(Config {
            client_id: client_id.to_string(),
            redirect_uri,
            scopes: self.scopes.clone(),
            authorization_endpoint,
            token_endpoint,
            api_base,
            extra_params: self.extra_params.clone(),
            storage: self.storage,
            provider,
            issuer,
            jwks_uri,
            userinfo_endpoint: endpoint("userinfoEndpoint", &self.userinfo_endpoint)?,
            end_session_endpoint: endpoint("endSessionEndpoint", &self.end_session_endpoint)?,
            revocation_endpoint: endpoint("revocationEndpoint", &self.revocation_endpoint)?,
            authorization_response_iss_parameter_supported: false,
            clock_tolerance_s,
            refresh_lead_ms: lead_ms(
                "refreshLeadSeconds",
                self.refresh_lead_seconds,
                DEFAULT_REFRESH_LEAD_S,
            )?,
            expiring_lead_ms: lead_ms(
                "expiringLeadSeconds",
                self.expiring_lead_seconds,
                DEFAULT_EXPIRING_LEAD_S,
            )?,
            post_logout_redirect_uri: endpoint(
                "postLogoutRedirectUri",
                &self.post_logout_redirect_uri,
            )?,
            share_across_tabs: self.share_across_tabs.unwrap_or(true),
            auto_renew_silent: self.auto_renew_silent,
        })
    }
}

impl Config {
    /// The namespace of this client's storage keys: `pixie:<clientId>:`.
    pub fn storage_prefix(&self) -> String {
        let mut prefix = String::from("pixie:");
        prefix.push_str(&self.client_id);
        prefix.push(':');
        prefix
    }

    /// The authorization server a pending login is bound to: the issuer when known, else the
    /// token endpoint (a Genesys region, a plain OAuth 2.0 server). A callback taken by a
    /// client of another server is refused, which defends against mix-ups even where the
    /// server sends no RFC 9207 `iss` (RFC 9700 §4.4.2: per-server binding of the login).
    pub fn authorization_server(&self) -> &str {
        self.issuer
            .as_deref()
            .unwrap_or(self.token_endpoint.as_str())
    }

    /// Whether `openid` is among the scopes (OpenID Connect is in use).
    pub fn is_openid(&self) -> bool {
        self.scopes.iter().any(|s| s == "openid")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::genesys::GENESYS_REGIONS;

    fn generic() -> RawConfig {
        RawConfig {
            client_id: Some("app".into()),
            redirect_uri: Some("https://app.example/cb".into()),
            authorization_endpoint: Some("https://as.example/authorize".into()),
            token_endpoint: Some("https://as.example/token".into()),
            ..Default::default()
        }
    }

    fn field_of(e: ConfigError) -> &'static str {
        match e {
            ConfigError::Invalid { field, .. } => field,
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn genesys_preset_by_domain_and_id() {
        for region in [
            "mypurecloud.ie",
            "eu_west_1",
            "EU-WEST-1",
            "login.mypurecloud.ie",
        ] {
            let c = RawConfig {
                region: Some(region.into()),
                client_id: Some("id".into()),
                redirect_uri: Some("https://app.example/".into()),
                ..Default::default()
            }
            .validate()
            .unwrap();
            assert_eq!(
                c.authorization_endpoint.as_str(),
                "https://login.mypurecloud.ie/oauth/authorize"
            );
            assert_eq!(
                c.token_endpoint.as_str(),
                "https://login.mypurecloud.ie/oauth/token"
            );
            assert_eq!(c.api_base.unwrap().as_str(), "https://api.mypurecloud.ie/");
            assert_eq!(
                c.provider,
                Provider::Genesys {
                    domain: "mypurecloud.ie"
                }
            );
        }
    }

    #[test]
    fn region_table_is_consistent() {
        for (id, domain) in GENESYS_REGIONS {
            assert_eq!(genesys_domain(id), Some(*domain));
            assert_eq!(genesys_domain(domain), Some(*domain));
        }
        assert_eq!(genesys_domain("usw2.pure.cloud"), Some("usw2.pure.cloud"));
        assert_eq!(
            genesys_domain("use2.us-gov-pure.cloud"),
            Some("use2.us-gov-pure.cloud")
        );
        assert_eq!(
            genesys_domain("mypurecloud.com.au"),
            Some("mypurecloud.com.au")
        );
        assert_eq!(genesys_domain("example.com"), None);
    }

    #[test]
    fn unknown_region_lists_valid_ones() {
        let err = RawConfig {
            region: Some("mars_north_1".into()),
            client_id: Some("id".into()),
            redirect_uri: Some("https://app.example/".into()),
            ..Default::default()
        }
        .validate()
        .unwrap_err();
        let text = err.to_string();
        assert!(text.contains("mars_north_1"), "{text}");
        assert!(text.contains("mypurecloud.ie (eu_west_1)"), "{text}");
        assert!(text.contains("apse1.pure.cloud"), "{text}");
    }

    #[test]
    fn generic_config_validates() {
        let c = generic().validate().unwrap();
        assert_eq!(c.provider, Provider::Generic);
        assert!(c.api_base.is_none());
        assert_eq!(c.storage, StorageMode::Session);
        assert_eq!(c.storage_prefix(), "pixie:app:");
    }

    #[test]
    fn https_required_except_loopback() {
        for ok in [
            "https://x.example/a",
            "http://localhost:8080/",
            "http://127.0.0.1/",
            "http://127.9.9.9:1/",
            "http://[::1]:80/",
        ] {
            assert!(parse_endpoint("tokenEndpoint", ok).is_ok(), "{ok}");
        }
        for bad in [
            "http://x.example/",
            "http://localhost.evil.example/",
            "ftp://x.example/",
            "javascript:alert(1)",
            "https://x.example/#frag",
            "https://user:pw@x.example/",
            "not a url",
            "/relative",
        ] {
            assert!(parse_endpoint("tokenEndpoint", bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn missing_and_bad_fields_name_the_field() {
        let mut c = generic();
        c.client_id = None;
        assert_eq!(field_of(c.validate().unwrap_err()), "clientId");
        let mut c = generic();
        c.redirect_uri = Some("http://app.example/cb".into());
        assert_eq!(field_of(c.validate().unwrap_err()), "redirectUri");
        let mut c = generic();
        c.token_endpoint = None;
        assert_eq!(field_of(c.validate().unwrap_err()), "tokenEndpoint");
        let mut c = generic();
        c.scopes = vec!["openid profile".into()];
        assert_eq!(field_of(c.validate().unwrap_err()), "scopes");
        let mut c = generic();
        c.scopes = vec![String::new()];
        assert_eq!(field_of(c.validate().unwrap_err()), "scopes");
        let mut c = generic();
        c.extra_params = [("state".to_string(), "x".to_string())].into();
        assert_eq!(field_of(c.validate().unwrap_err()), "extraParams");
        let mut c = generic();
        c.region = Some("mypurecloud.com".into());
        assert_eq!(field_of(c.validate().unwrap_err()), "region");
    }

    #[test]
    fn openid_needs_issuer_and_keys() {
        let mut c = generic();
        c.scopes = vec!["openid".into()];
        assert_eq!(field_of(c.validate().unwrap_err()), "issuer");
        let mut c = generic();
        c.scopes = vec!["openid".into()];
        c.issuer = Some("https://as.example".into());
        assert_eq!(field_of(c.validate().unwrap_err()), "jwksUri");
        let mut c = generic();
        c.scopes = vec!["openid".into()];
        c.issuer = Some("https://as.example".into());
        c.jwks_uri = Some("https://as.example/jwks".into());
        c.userinfo_endpoint = Some("https://as.example/me".into());
        let ok = c.validate().unwrap();
        assert_eq!(
            ok.issuer.as_deref(),
            Some("https://as.example"),
            "not normalized"
        );
        assert_eq!(ok.clock_tolerance_s, 60);
        assert!(!ok.authorization_response_iss_parameter_supported);
        assert_eq!(
            ok.userinfo_endpoint.unwrap().as_str(),
            "https://as.example/me"
        );
    }

    #[test]
    fn oidc_fields_are_validated() {
        for bad in [
            "http://as.example",
            "https://as.example?tenant=1",
            "https://as.example/#x",
            " https://as.example",
            "as.example",
        ] {
            let mut c = generic();
            c.issuer = Some(bad.into());
            assert_eq!(field_of(c.validate().unwrap_err()), "issuer", "{bad}");
        }
        assert!(parse_issuer("issuer", "http://127.0.0.1:9000/realms/x").is_ok());
        let mut c = generic();
        c.jwks_uri = Some("http://as.example/jwks".into());
        assert_eq!(field_of(c.validate().unwrap_err()), "jwksUri");
        let mut c = generic();
        c.revocation_endpoint = Some("http://as.example/revoke".into());
        assert_eq!(field_of(c.validate().unwrap_err()), "revocationEndpoint");
        let mut c = generic();
        c.end_session_endpoint = Some("ftp://as.example/".into());
        assert_eq!(field_of(c.validate().unwrap_err()), "endSessionEndpoint");
        let mut c = generic();
        c.clock_tolerance_seconds = Some(601);
        assert_eq!(field_of(c.validate().unwrap_err()), "clockToleranceSeconds");
        let mut c = generic();
        c.clock_tolerance_seconds = Some(0);
        assert_eq!(c.validate().unwrap().clock_tolerance_s, 0);
    }

    #[test]
    fn lifecycle_keys() {
        let c = generic().validate().unwrap();
        assert_eq!(c.refresh_lead_ms, 60_000);
        assert_eq!(c.expiring_lead_ms, 300_000);
        assert!(c.revocation_endpoint.is_none() && c.end_session_endpoint.is_none());
        let raw = from_json(
            r#"{"clientId":"x","redirectUri":"https://app.example/","region":"eu_west_1",
            "refreshLeadSeconds":120,"expiringLeadSeconds":0,
            "revocationEndpoint":"https://as.example/revoke",
            "endSessionEndpoint":"https://as.example/logout",
            "postLogoutRedirectUri":"https://app.example/bye"}"#,
        )
        .unwrap();
        let c = raw.validate().unwrap();
        assert_eq!(c.refresh_lead_ms, 120_000);
        assert_eq!(c.expiring_lead_ms, 0);
        assert_eq!(
            c.revocation_endpoint.unwrap().as_str(),
            "https://as.example/revoke"
        );
        assert_eq!(
            c.post_logout_redirect_uri.unwrap().as_str(),
            "https://app.example/bye"
        );
        let mut c = generic();
        c.refresh_lead_seconds = Some(86_401);
        assert_eq!(field_of(c.validate().unwrap_err()), "refreshLeadSeconds");
        let mut c = generic();
        c.revocation_endpoint = Some("http://as.example/revoke".into());
        assert_eq!(field_of(c.validate().unwrap_err()), "revocationEndpoint");
        let mut c = generic();
        c.end_session_endpoint = Some("https://as.example/#x".into());
        assert_eq!(field_of(c.validate().unwrap_err()), "endSessionEndpoint");
    }

    fn from_json(text: &str) -> Result<RawConfig, ConfigError> {
        RawConfig::from_json(&crate::core::json::parse(text).unwrap())
    }

    #[test]
    fn share_across_tabs_defaults_to_true_and_is_a_boolean() {
        assert!(generic().validate().unwrap().share_across_tabs);
        let with = |value: &str| {
            from_json(&format!(
                r#"{{"clientId":"x","redirectUri":"https://app.example/","region":"eu_west_1",
                "shareAcrossTabs":{value}}}"#
            ))
        };
        assert!(!with("false").unwrap().validate().unwrap().share_across_tabs);
        assert!(with("true").unwrap().validate().unwrap().share_across_tabs);
        assert!(with("null").unwrap().validate().unwrap().share_across_tabs);
        let err = with(r#""no""#).unwrap_err();
        assert_eq!(field_of(err.clone()), "shareAcrossTabs");
        assert!(err.to_string().contains("must be true or false"), "{err}");
        let typo = from_json(r#"{"shareAcrossTab":false}"#).unwrap_err();
        assert!(
            typo.to_string()
                .contains("(did you mean \"shareAcrossTabs\"?)"),
            "{typo}"
        );
    }

    #[test]
    fn unknown_keys_are_rejected() {
        let err = from_json(r#"{"clientID":"x"}"#).unwrap_err();
        assert!(
            err.to_string()
                .contains("\"clientID\" (did you mean \"clientId\"?)"),
            "{err}"
        );
        let ok = from_json(r#"{"clientId":"x","storage":"memory","scopes":["a"]}"#).unwrap();
        assert_eq!(ok.storage, StorageMode::Memory);
        // A single string where a list is meant is refused, not read as no scope at all.
        let err = from_json(r#"{"clientId":"x","scopes":"openid"}"#).unwrap_err();
        assert_eq!(field_of(err), "scopes");
    }

    #[test]
    fn storage_is_session_or_memory() {
        let storage = |json: &str| from_json(json).map(|c| c.storage);
        assert_eq!(storage("{}").unwrap(), StorageMode::Session);
        assert_eq!(
            storage(r#"{"storage":"session"}"#).unwrap(),
            StorageMode::Session
        );
        let err = storage(r#"{"storage":"local"}"#).unwrap_err().to_string();
        assert!(
            err.contains(r#"`storage`: must be "session" or "memory""#),
            "{err}"
        );
        assert!(storage(r#"{"storage":1}"#).is_err());
    }
}
