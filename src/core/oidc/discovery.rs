//! OpenID Provider discovery ([OpenID Connect Discovery 1.0 §4]): fetching
//! `<issuer>/.well-known/openid-configuration`, checking it, and turning it into a [`Config`].
//!
//! The checks: the document's `issuer` must be exactly the configured one (§4.3, which defends
//! against a document that speaks for another provider); `S256` must be among
//! `code_challenge_methods_supported` when the provider lists them (RFC 8414 §2); every
//! endpoint passes the same https-or-loopback rule as configured endpoints
//! ([`parse_endpoint`]). The `authorization_response_iss_parameter_supported` flag
//! (RFC 9207 §3) is kept, so callbacks must then carry `iss`.
//!
//! [OpenID Connect Discovery 1.0 §4]: https://openid.net/specs/openid-connect-discovery-1_0.html#ProviderConfig

use crate::core::WebUrl;

use crate::core::error::{ConfigError, DiscoveryError};
use crate::core::http::{HttpRequest, HttpResponse};
use crate::core::json::{self, Object, Value};
use crate::core::oauth::{parse_endpoint, parse_issuer, Config, RawConfig};

/// The well-known path appended to the issuer (OIDC Discovery §4).
pub const WELL_KNOWN_PATH: &str = "/.well-known/openid-configuration";

/// The largest discovery document read, in bytes (256 KiB: real ones are a few KiB); a larger
/// body is refused before parsing.
pub const MAX_DISCOVERY_LEN: usize = 256 * 1024;

/// The discovery document URL: the issuer with any trailing `/` removed, then
/// [`WELL_KNOWN_PATH`] (OIDC Discovery §4: "remove any terminating /").
pub fn discovery_url(issuer: &str) -> Result<WebUrl, ConfigError> {
    let issuer = parse_issuer("issuer", issuer)?;
    let end = issuer
        .bytes()
        .rposition(|b| b != b'/')
        .map_or(0, |last| last + 1);
    let mut text = String::from(issuer.get(..end).unwrap_or(""));
    text.push_str(WELL_KNOWN_PATH);
    parse_endpoint("issuer", &text)
}

/// The discovery request (OIDC Discovery §4.1): a GET of [`discovery_url`].
pub fn discovery_request(issuer: &str) -> Result<HttpRequest, ConfigError> {
    Ok(HttpRequest::get_json(&discovery_url(issuer)?, None))
}

/// The provider metadata fields the library uses (OIDC Discovery §3, RFC 8414 §2,
/// RFC 9207 §3), validated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProviderMetadata {
    /// The issuer identifier, equal to the configured one.
    pub issuer: String,
    /// The authorization endpoint.
    pub authorization_endpoint: WebUrl,
    /// The token endpoint.
    pub token_endpoint: WebUrl,
    /// The JWK Set with the ID token signing keys.
    pub jwks_uri: WebUrl,
    /// The UserInfo endpoint, if offered.
    pub userinfo_endpoint: Option<WebUrl>,
    /// The RP-initiated logout endpoint, if offered.
    pub end_session_endpoint: Option<WebUrl>,
    /// The token revocation endpoint, if offered.
    pub revocation_endpoint: Option<WebUrl>,
    /// RFC 9207: every authorization response carries `iss`.
    pub authorization_response_iss_parameter_supported: bool,
}

/// The endpoint fields read, in the order they are checked; the first three are required.
const ENDPOINTS: [&str; 6] = [
    "authorization_endpoint",
    "token_endpoint",
    "jwks_uri",
    "userinfo_endpoint",
    "end_session_endpoint",
    "revocation_endpoint",
];

/// The wrong-type refusal of every metadata field.
const WRONG_TYPE: DiscoveryError =
    DiscoveryError::InvalidDocument("a metadata field has the wrong type");

/// Endpoint `field` of the document (`None` when absent or null), checked; one out-of-line
/// function for every field.
#[inline(never)]
fn endpoint(
    doc: &Object,
    field: &'static str,
    required: bool,
) -> Result<Option<WebUrl>, DiscoveryError> {
    let Some(text) = doc.opt_str(field).map_err(|_| WRONG_TYPE)? else {
        if required {
            return Err(DiscoveryError::InvalidEndpoint {
                field,
                reason: "is missing".into(),
            });
        }
        return Ok(None);
    };
    match parse_endpoint(field, text) {
        Ok(url) => Ok(Some(url)),
        Err(ConfigError::Invalid { reason, .. }) => {
            Err(DiscoveryError::InvalidEndpoint { field, reason })
        }
        Err(_) => Err(DiscoveryError::InvalidDocument("an endpoint is invalid")),
    }
}

/// Validates a discovery response (OIDC Discovery §4.2, §4.3) against the configured issuer.
pub fn process_discovery_response(
    response: &HttpResponse,
    issuer: &str,
) -> Result<ProviderMetadata, DiscoveryError> {
    if response.status != 200 {
        return Err(DiscoveryError::HttpStatus(response.status));
    }
    // Read by hand from a JSON object (smaller in wasm than a serde derive); a field we use
    // with the wrong type fails the whole document.
    let doc = json::parse_object(&response.body, MAX_DISCOVERY_LEN).ok_or(
        DiscoveryError::InvalidDocument("it is not a JSON object of OpenID Provider metadata"),
    )?;
    // §4.3: "The issuer value returned MUST be identical to the Issuer URL that was used as
    // the prefix to /.well-known/openid-configuration to retrieve the configuration".
    if doc.opt_str("issuer").map_err(|_| WRONG_TYPE)? != Some(issuer) {
        return Err(DiscoveryError::IssuerMismatch);
    }
    // RFC 8414 §2: when the list is given, S256 must be on it (we send nothing else).
    match doc.get("code_challenge_methods_supported") {
        None | Some(Value::Null) => {}
        Some(Value::Array(methods)) => {
            if !methods.iter().any(|m| m.as_str() == Some("S256")) {
                return Err(DiscoveryError::S256Unsupported);
            }
        }
        Some(_) => return Err(WRONG_TYPE),
    }
    let iss_parameter = match doc.get("authorization_response_iss_parameter_supported") {
        None | Some(Value::Null) => false,
        Some(Value::Bool(b)) => *b,
        Some(_) => return Err(WRONG_TYPE),
    };
    let mut urls: [Option<WebUrl>; 6] = Default::default();
    for (i, (slot, field)) in urls.iter_mut().zip(ENDPOINTS).enumerate() {
        *slot = endpoint(&doc, field, i < 3)?;
    }
    let [Some(authorization_endpoint), Some(token_endpoint), Some(jwks_uri), userinfo_endpoint, end_session_endpoint, revocation_endpoint] =
        urls
    else {
        // Never: `endpoint` refuses a missing required one.
        return Err(DiscoveryError::InvalidDocument("an endpoint is invalid"));
    };
    Ok(ProviderMetadata {
        issuer: issuer.to_string(),
        authorization_endpoint,
        token_endpoint,
        jwks_uri,
        userinfo_endpoint,
        end_session_endpoint,
        revocation_endpoint,
        authorization_response_iss_parameter_supported: iss_parameter,
    })
}

impl RawConfig {
    /// For `PkceClient.discover`: the issuer to discover, after checking that the app gave
    /// none of the settings that come from the discovery document (nor a Genesys `region`).
    /// Checked before anything is fetched.
    pub fn discovery_issuer(&self) -> Result<&str, ConfigError> {
        self.refuse_discovered_fields()?;
        let issuer = self.issuer.as_deref().ok_or(ConfigError::Invalid {
            field: "issuer",
            reason: "is required for discover()".into(),
        })?;
        parse_issuer("issuer", issuer)?;
        Ok(issuer)
    }

    /// For a `PkceClient.discover` that puts the fetch off: the configuration checked as it
    /// will be once the document is in, the issuer standing in for every endpoint, so bad
    /// settings are refused before anything is fetched. Only for the checks and the settings
    /// that need no endpoint (client id, storage): the real endpoints come from the document.
    pub fn precheck_discovery(&self) -> Result<Config, ConfigError> {
        let issuer = self.discovery_issuer()?;
        let mut probe = self.clone();
        probe.authorization_endpoint = Some(issuer.into());
        probe.token_endpoint = Some(issuer.into());
        probe.jwks_uri = Some(issuer.into());
        probe.validate()
    }

    fn refuse_discovered_fields(&self) -> Result<(), ConfigError> {
        let given = [
            ("region", self.region.is_some()),
            (
                "authorizationEndpoint",
                self.authorization_endpoint.is_some(),
            ),
            ("tokenEndpoint", self.token_endpoint.is_some()),
            ("jwksUri", self.jwks_uri.is_some()),
            ("userinfoEndpoint", self.userinfo_endpoint.is_some()),
            ("endSessionEndpoint", self.end_session_endpoint.is_some()),
            ("revocationEndpoint", self.revocation_endpoint.is_some()),
        ];
        if let Some((field, _)) = given.iter().find(|(_, set)| *set) {
            return Err(ConfigError::Invalid {
                field,
                reason: "comes from the discovery document; do not give it with discover()".into(),
            });
        }
        Ok(())
    }

    /// The configuration for `PkceClient.discover`: the endpoints come from `metadata`, so the
    /// app must not give its own (nor a Genesys `region`); `apiBase` stays unset unless given.
    pub fn with_discovery(mut self, metadata: ProviderMetadata) -> Result<Config, ConfigError> {
        self.refuse_discovered_fields()?;
        if self.issuer.as_deref().is_some_and(|i| i != metadata.issuer) {
            return Err(ConfigError::Invalid {
                field: "issuer",
                reason: "is not the issuer of this discovery document".into(),
            });
        }
        let text = |u: Option<WebUrl>| u.map(String::from);
        self.issuer = Some(metadata.issuer);
        self.authorization_endpoint = Some(metadata.authorization_endpoint.into());
        self.token_endpoint = Some(metadata.token_endpoint.into());
        self.jwks_uri = Some(metadata.jwks_uri.into());
        self.userinfo_endpoint = text(metadata.userinfo_endpoint);
        self.end_session_endpoint = text(metadata.end_session_endpoint);
        self.revocation_endpoint = text(metadata.revocation_endpoint);
        let mut config = self.validate()?;
        config.authorization_response_iss_parameter_supported =
            metadata.authorization_response_iss_parameter_supported;
        Ok(config)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const ISSUER: &str = "https://as.example/tenant";

    fn doc() -> serde_json::Value {
        json!({
            "issuer": ISSUER,
            "authorization_endpoint": "https://as.example/tenant/authorize",
            "token_endpoint": "https://as.example/tenant/token",
            "jwks_uri": "https://as.example/tenant/jwks",
            "userinfo_endpoint": "https://as.example/tenant/me",
            "end_session_endpoint": "https://as.example/tenant/logout",
            "revocation_endpoint": "https://as.example/tenant/revoke",
            "code_challenge_methods_supported": ["plain", "S256"],
            "response_types_supported": ["code"],
            "some_extension": {"nested": [1, 2]},
        })
    }

    fn process(doc: &serde_json::Value, issuer: &str) -> Result<ProviderMetadata, DiscoveryError> {
        let response = HttpResponse {
            status: 200,
            headers: vec![],
            body: doc.to_string(),
        };
        process_discovery_response(&response, issuer)
    }

    #[test]
    fn well_known_url() {
        let url = |i| discovery_url(i).unwrap().into_string();
        assert_eq!(
            url("https://as.example"),
            "https://as.example/.well-known/openid-configuration"
        );
        assert_eq!(
            url("https://as.example/"),
            "https://as.example/.well-known/openid-configuration"
        );
        assert_eq!(
            url("https://as.example/tenant/"),
            "https://as.example/tenant/.well-known/openid-configuration"
        );
        assert_eq!(
            url("http://localhost:9000/realms/x"),
            "http://localhost:9000/realms/x/.well-known/openid-configuration"
        );
        assert!(discovery_url("http://as.example").is_err());
        assert!(discovery_url("https://as.example?x=1").is_err());
        let req = discovery_request(ISSUER).unwrap();
        assert_eq!(req.method.as_str(), "GET");
        assert!(req.body.is_none());
    }

    #[test]
    fn good_document() {
        let m = process(&doc(), ISSUER).unwrap();
        assert_eq!(m.issuer, ISSUER);
        assert_eq!(m.token_endpoint.as_str(), "https://as.example/tenant/token");
        assert_eq!(m.jwks_uri.as_str(), "https://as.example/tenant/jwks");
        assert_eq!(
            m.revocation_endpoint.unwrap().as_str(),
            "https://as.example/tenant/revoke"
        );
        assert_eq!(
            m.end_session_endpoint.unwrap().as_str(),
            "https://as.example/tenant/logout"
        );
        assert!(!m.authorization_response_iss_parameter_supported);
        // Without the methods list, S256 is assumed (many providers omit it).
        let mut d = doc();
        d.as_object_mut()
            .unwrap()
            .remove("code_challenge_methods_supported");
        d["authorization_response_iss_parameter_supported"] = true.into();
        let m = process(&d, ISSUER).unwrap();
        assert!(m.authorization_response_iss_parameter_supported);
        assert!(m.userinfo_endpoint.is_some());
    }

    #[test]
    fn issuer_must_match_exactly() {
        assert_eq!(
            process(&doc(), "https://as.example/tenant/"),
            Err(DiscoveryError::IssuerMismatch)
        );
        let mut d = doc();
        d["issuer"] = "https://as.example/tenant/".into();
        assert_eq!(process(&d, ISSUER), Err(DiscoveryError::IssuerMismatch));
        d["issuer"] = "https://evil.example/tenant".into();
        assert_eq!(process(&d, ISSUER), Err(DiscoveryError::IssuerMismatch));
        d["issuer"] = "HTTPS://as.example/tenant".into();
        assert_eq!(process(&d, ISSUER), Err(DiscoveryError::IssuerMismatch));
        d.as_object_mut().unwrap().remove("issuer");
        assert_eq!(process(&d, ISSUER), Err(DiscoveryError::IssuerMismatch));
    }

    #[test]
    fn s256_must_be_listed_when_methods_are() {
        let mut d = doc();
        d["code_challenge_methods_supported"] = json!(["plain"]);
        assert_eq!(process(&d, ISSUER), Err(DiscoveryError::S256Unsupported));
        d["code_challenge_methods_supported"] = json!([]);
        assert_eq!(process(&d, ISSUER), Err(DiscoveryError::S256Unsupported));
    }

    #[test]
    fn endpoints_must_be_https_or_loopback() {
        for field in [
            "authorization_endpoint",
            "token_endpoint",
            "jwks_uri",
            "userinfo_endpoint",
            "end_session_endpoint",
            "revocation_endpoint",
        ] {
            let mut d = doc();
            d[field] = "http://as.example/x".into();
            match process(&d, ISSUER) {
                Err(DiscoveryError::InvalidEndpoint { field: f, .. }) => assert_eq!(f, field),
                other => panic!("{field}: {other:?}"),
            }
        }
        for field in ["authorization_endpoint", "token_endpoint", "jwks_uri"] {
            let mut d = doc();
            d.as_object_mut().unwrap().remove(field);
            assert!(
                matches!(
                    process(&d, ISSUER),
                    Err(DiscoveryError::InvalidEndpoint { .. })
                ),
                "{field} is required"
            );
        }
        // Loopback http is fine for a local provider.
        let mut d = doc();
        d["issuer"] = "http://127.0.0.1:9000".into();
        d["token_endpoint"] = "http://127.0.0.1:9000/token".into();
        assert!(process(&d, "http://127.0.0.1:9000").is_ok());
    }

    #[test]
    fn bad_documents() {
        let r = |status, body: &str| HttpResponse {
            status,
            headers: vec![],
            body: body.into(),
        };
        assert_eq!(
            process_discovery_response(&r(404, "{}"), ISSUER),
            Err(DiscoveryError::HttpStatus(404))
        );
        for body in ["", "[]", "<html>", r#"{"issuer": 5}"#] {
            assert!(matches!(
                process_discovery_response(&r(200, body), ISSUER),
                Err(DiscoveryError::InvalidDocument(_))
            ));
        }
        let mut d = doc();
        d["code_challenge_methods_supported"] = "S256".into();
        assert!(matches!(
            process(&d, ISSUER),
            Err(DiscoveryError::InvalidDocument(_))
        ));
    }
}
