//! Client configuration: the Genesys Cloud preset, the generic form, and their validation.
//!
//! Configuration arrives from JavaScript as a camelCase object ([`RawConfig`]) and is
//! validated once, at construction, into a [`Config`] that the rest of the library trusts.

use crate::core::WebUrl;

use crate::core::error::ConfigError;
use crate::core::genesys::genesys_domain;
use crate::core::json::Value;
use crate::core::options::{read, refuse, Spec};

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
            _ => Err(refuse("storage", "must be \"session\" or \"memory\"")),
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

/// The rule of each key of [`CONFIG_KEYS`], in the same order.
const CONFIG_SPECS: &[Spec] = &[
    Spec::Str,
    Spec::Str,
    Spec::Str,
    Spec::Strings,
    Spec::Str,
    Spec::Str,
    Spec::Str,
    Spec::StringMap,
    Spec::OneOf(&["session", "memory"], "must be \"session\" or \"memory\""),
    Spec::Str,
    Spec::Str,
    Spec::Str,
    Spec::Str,
    Spec::Str,
    Spec::Whole,
    Spec::Whole,
    Spec::Whole,
    Spec::Str,
    Spec::Flag,
    Spec::OneOf(&["refresh", "silent"], "must be \"refresh\" or \"silent\""),
];

impl RawConfig {
    /// Reads the configuration object an app passed, as JSON: every key must be one of
    /// [`CONFIG_KEYS`] (a typo is refused, naming the likely key), and each value of its type.
    pub fn from_json(value: &Value) -> Result<RawConfig, ConfigError> {
        let mut f = read(value, "config", CONFIG_KEYS, CONFIG_SPECS)?;
        Ok(RawConfig {
            region: f.string(),
            client_id: f.string(),
            redirect_uri: f.string(),
            scopes: f.strings(),
            authorization_endpoint: f.string(),
            token_endpoint: f.string(),
            api_base: f.string(),
            extra_params: f.string_map(),
            storage: match f.choice() {
                Some(1) => StorageMode::Memory,
                _ => StorageMode::Session,
            },
            issuer: f.string(),
            jwks_uri: f.string(),
            userinfo_endpoint: f.string(),
            end_session_endpoint: f.string(),
            revocation_endpoint: f.string(),
            clock_tolerance_seconds: f.number(),
            refresh_lead_seconds: f.number(),
            expiring_lead_seconds: f.number(),
            post_logout_redirect_uri: f.string(),
            share_across_tabs: f.boolean(),
            auto_renew_silent: f.choice() == Some(1),
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
        _ => Err(refuse(field, "must be between 0 and 86400 seconds")),
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
    let url = WebUrl::parse(value.trim()).map_err(|e| refuse(field, e.message()))?;
    if !url.is_https() && !url.is_loopback() {
        return Err(refuse(
            field,
            "must use https (plain http is allowed only on localhost, 127.0.0.1 and [::1])",
        ));
    }
    if url.fragment().is_some() {
        return Err(refuse(field, "must not contain a fragment (#...)"));
    }
    Ok(url)
}

/// Parses an issuer identifier (OIDC Discovery §2, RFC 8414 §2): an https URL (or http on a
/// loopback host) with no query, fragment or credentials. Returns it exactly as given, since
/// issuers are compared as strings.
pub fn parse_issuer(field: &'static str, value: &str) -> Result<String, ConfigError> {
    if value.trim() != value {
        return Err(refuse(field, "must not have surrounding spaces"));
    }
    let url = parse_endpoint(field, value)?;
    if url.query().is_some() || value.contains('?') {
        return Err(refuse(field, "must not contain a query (?...)"));
    }
    Ok(value.to_string())
}

/// Whether `openid` is among `scopes`.
#[inline(never)]
fn names_openid(scopes: &[String]) -> bool {
    scopes.iter().any(|s| s == "openid")
}

/// RFC 6749 §3.3: scope-token = 1*( %x21 / %x23-5B / %x5D-7E ).
fn is_scope_token(s: &str) -> bool {
    // A loop: `bytes().all(..)` was an instantiation of its own.
    for b in s.bytes() {
        if !matches!(b, 0x21 | 0x23..=0x5B | 0x5D..=0x7E) {
            return false;
        }
    }
    !s.is_empty()
}

/// Where [`RawConfig::validate`] keeps the URLs it parsed, one slot each: every early return
/// then drops the one array, not a different set of values per error.
const REDIRECT: usize = 0;
const AUTHORIZE: usize = 1;
const TOKEN: usize = 2;
const API_BASE: usize = 3;
const JWKS: usize = 4;
const USERINFO: usize = 5;
// 6: endSessionEndpoint.
const REVOCATION: usize = 7;
const POST_LOGOUT: usize = 8;

/// Parses `value`, when given, into `slot` with [`parse_endpoint`].
#[inline(never)]
fn endpoint_into(
    slot: &mut Option<WebUrl>,
    field: &'static str,
    value: &Option<String>,
) -> Result<(), ConfigError> {
    if let Some(value) = value {
        *slot = Some(parse_endpoint(field, value)?);
    }
    Ok(())
}

/// The Genesys Cloud URL `https://<host><domain><path>`, into `slot`.
#[inline(never)]
fn genesys_into(
    slot: &mut Option<WebUrl>,
    host: &str,
    domain: &str,
    path: &str,
) -> Result<(), ConfigError> {
    let mut text = String::from("https://");
    text.push_str(host);
    text.push_str(domain);
    text.push_str(path);
    endpoint_into(slot, "region", &Some(text))
}

#[cold]
#[inline(never)]
fn refuse_value(field: &'static str, text: &str, rest: &str) -> ConfigError {
    ConfigError::Invalid {
        field,
        reason: quoted(text, rest),
    }
}

impl RawConfig {
    /// Validates the raw configuration.
    pub fn validate(&self) -> Result<Config, ConfigError> {
        let client_id = self.client_id.as_deref().unwrap_or_default();
        if client_id.trim().is_empty() {
            return Err(refuse("clientId", "is required"));
        }
        let mut urls: [Option<WebUrl>; 9] = Default::default();
        let mut issuer = None;
        if self.redirect_uri.is_none() {
            return Err(refuse("redirectUri", "is required"));
        }
        endpoint_into(&mut urls[REDIRECT], "redirectUri", &self.redirect_uri)?;
        if let Some(s) = self.scopes.iter().find(|s| !is_scope_token(s)) {
            return Err(refuse_value(
                "scopes",
                s,
                " is not a valid scope (one scope per array item, no spaces)",
            ));
        }
        if let Some((name, _)) = self
            .extra_params
            .iter()
            .find(|(name, _)| name.is_empty() || RESERVED_PARAMS.contains(&name.as_str()))
        {
            return Err(refuse_value(
                "extraParams",
                name,
                " is set by the library and cannot be overridden",
            ));
        }
        let provider = match &self.region {
            Some(region) => {
                if self.authorization_endpoint.is_some() || self.token_endpoint.is_some() {
                    return Err(refuse(
                        "region",
                        "give either a Genesys region or explicit endpoints, not both",
                    ));
                }
                let Some(domain) = genesys_domain(region) else {
                    return Err(unknown_region(region));
                };
                match &self.api_base {
                    Some(_) => endpoint_into(&mut urls[API_BASE], "apiBase", &self.api_base)?,
                    None => genesys_into(&mut urls[API_BASE], "api.", domain, "/")?,
                }
                genesys_into(&mut urls[AUTHORIZE], "login.", domain, "/oauth/authorize")?;
                genesys_into(&mut urls[TOKEN], "login.", domain, "/oauth/token")?;
                Provider::Genesys { domain }
            }
            None => {
                if self.authorization_endpoint.is_none() {
                    return Err(refuse(
                        "authorizationEndpoint",
                        "is required (or give a Genesys `region`)",
                    ));
                }
                if self.token_endpoint.is_none() {
                    return Err(refuse(
                        "tokenEndpoint",
                        "is required (or give a Genesys `region`)",
                    ));
                }
                endpoint_into(&mut urls[API_BASE], "apiBase", &self.api_base)?;
                endpoint_into(
                    &mut urls[AUTHORIZE],
                    "authorizationEndpoint",
                    &self.authorization_endpoint,
                )?;
                endpoint_into(&mut urls[TOKEN], "tokenEndpoint", &self.token_endpoint)?;
                Provider::Generic
            }
        };
        if let Some(i) = &self.issuer {
            issuer = Some(parse_issuer("issuer", i)?);
        }
        endpoint_into(&mut urls[JWKS], "jwksUri", &self.jwks_uri)?;
        if names_openid(&self.scopes) && (issuer.is_none() || urls[JWKS].is_none()) {
            return Err(refuse(
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
            return Err(refuse(
                "clockToleranceSeconds",
                "must be at most 600 (ten minutes)",
            ));
        }
        for (slot, (field, value)) in urls[USERINFO..=REVOCATION].iter_mut().zip([
            ("userinfoEndpoint", &self.userinfo_endpoint),
            ("endSessionEndpoint", &self.end_session_endpoint),
            ("revocationEndpoint", &self.revocation_endpoint),
        ]) {
            endpoint_into(slot, field, value)?;
        }
        let refresh_lead_ms = lead_ms(
            "refreshLeadSeconds",
            self.refresh_lead_seconds,
            DEFAULT_REFRESH_LEAD_S,
        )?;
        let expiring_lead_ms = lead_ms(
            "expiringLeadSeconds",
            self.expiring_lead_seconds,
            DEFAULT_EXPIRING_LEAD_S,
        )?;
        endpoint_into(
            &mut urls[POST_LOGOUT],
            "postLogoutRedirectUri",
            &self.post_logout_redirect_uri,
        )?;
        let [Some(redirect_uri), Some(authorization_endpoint), Some(token_endpoint), api_base, jwks_uri, userinfo_endpoint, end_session_endpoint, revocation_endpoint, post_logout_redirect_uri] =
            urls
        else {
            // Not reached: the three are parsed above or refused.
            return Err(refuse("redirectUri", "is required"));
        };
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
            userinfo_endpoint,
            end_session_endpoint,
            revocation_endpoint,
            authorization_response_iss_parameter_supported: false,
            clock_tolerance_s,
            refresh_lead_ms,
            expiring_lead_ms,
            post_logout_redirect_uri,
            share_across_tabs: self.share_across_tabs.unwrap_or(true),
            auto_renew_silent: self.auto_renew_silent,
        })
    }
}

#[cold]
#[inline(never)]
fn unknown_region(region: &str) -> ConfigError {
    ConfigError::UnknownRegion {
        given: region.to_string(),
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
        names_openid(&self.scopes)
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
    fn one_spec_per_key() {
        assert_eq!(CONFIG_KEYS.len(), CONFIG_SPECS.len());
        let err = from_json(r#"{"autoRenew":"never"}"#)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains(r#"`autoRenew`: must be "refresh" or "silent""#),
            "{err}"
        );
        let err = from_json(r#"{"autoRenew":true}"#).unwrap_err().to_string();
        assert!(err.contains("`autoRenew`: must be a string"), "{err}");
        assert!(
            from_json(r#"{"autoRenew":"silent"}"#)
                .unwrap()
                .auto_renew_silent
        );
        assert!(
            !from_json(r#"{"autoRenew":"refresh"}"#)
                .unwrap()
                .auto_renew_silent
        );
        let err = from_json(r#"{"refreshLeadSeconds":-1}"#)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("`refreshLeadSeconds`: must be a whole number, 0 or more"),
            "{err}"
        );
        let err = from_json(r#"{"extraParams":{"a":1}}"#)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("`extraParams`: must be an object of string values"),
            "{err}"
        );
        let err = from_json(r#"{"scopes":["a",1]}"#).unwrap_err().to_string();
        assert!(
            err.contains("`scopes`: must be an array of strings"),
            "{err}"
        );
        let err = from_json(r#"{"scopes":"openid"}"#).unwrap_err().to_string();
        assert!(
            err.contains(r#"must be an array of strings, e.g. ["openid"]"#),
            "{err}"
        );
        let raw = from_json(
            r#"{"region":"r","clientId":"c","redirectUri":"u","scopes":["a","b"],
            "authorizationEndpoint":"ae","tokenEndpoint":"te","apiBase":"ab",
            "extraParams":{"x":"1","y":"2"},"storage":"memory","issuer":"i","jwksUri":"j",
            "userinfoEndpoint":"ue","endSessionEndpoint":"ee","revocationEndpoint":"re",
            "clockToleranceSeconds":1,"refreshLeadSeconds":2,"expiringLeadSeconds":3,
            "postLogoutRedirectUri":"p","shareAcrossTabs":false,"autoRenew":"silent"}"#,
        )
        .unwrap();
        assert_eq!(raw.region.as_deref(), Some("r"));
        assert_eq!(raw.client_id.as_deref(), Some("c"));
        assert_eq!(raw.redirect_uri.as_deref(), Some("u"));
        assert_eq!(raw.scopes, ["a", "b"]);
        assert_eq!(raw.authorization_endpoint.as_deref(), Some("ae"));
        assert_eq!(raw.token_endpoint.as_deref(), Some("te"));
        assert_eq!(raw.api_base.as_deref(), Some("ab"));
        assert_eq!(
            raw.extra_params,
            [("x".into(), "1".into()), ("y".into(), "2".into())]
        );
        assert_eq!(raw.storage, StorageMode::Memory);
        assert_eq!(raw.issuer.as_deref(), Some("i"));
        assert_eq!(raw.jwks_uri.as_deref(), Some("j"));
        assert_eq!(raw.userinfo_endpoint.as_deref(), Some("ue"));
        assert_eq!(raw.end_session_endpoint.as_deref(), Some("ee"));
        assert_eq!(raw.revocation_endpoint.as_deref(), Some("re"));
        assert_eq!(raw.clock_tolerance_seconds, Some(1));
        assert_eq!(raw.refresh_lead_seconds, Some(2));
        assert_eq!(raw.expiring_lead_seconds, Some(3));
        assert_eq!(raw.post_logout_redirect_uri.as_deref(), Some("p"));
        assert_eq!(raw.share_across_tabs, Some(false));
        assert!(raw.auto_renew_silent);
        let none = from_json("{}").unwrap();
        assert!(none.share_across_tabs.is_none() && none.scopes.is_empty());
        assert!(!none.auto_renew_silent && none.clock_tolerance_seconds.is_none());
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
