//! The authorization request (RFC 6749 §4.1.1 with RFC 7636 §4.3) and the pending login
//! that remembers it across the redirect.

use crate::core::WebUrl;

use super::config::Config;
use super::pkce::{CodeChallenge, CODE_CHALLENGE_METHOD};
use crate::core::error::ConfigError;
use crate::core::json::{self, ObjectWriter, Value};
use crate::core::options::Options;
use crate::core::secret::{CodeVerifier, Nonce, State};

/// How long a pending login stays acceptable: 10 minutes.
pub const PENDING_LOGIN_TTL_MS: u64 = 10 * 60 * 1000;

/// Per-call options of `login()`, as JavaScript passes them (camelCase keys).
#[derive(Debug, Default)]
pub struct LoginOptions {
    /// Extra authorization parameters for this login only (added to the configured ones,
    /// overriding a configured parameter of the same name).
    pub extra_params: Vec<(String, String)>,
    /// A same-origin path (e.g. `/inbox?tab=2`) to restore in the address bar after the callback.
    pub return_to: Option<String>,
}

impl LoginOptions {
    /// Reads `login()`'s options object: `extraParams` and `returnTo`, nothing else.
    pub fn from_json(value: &Value) -> Result<LoginOptions, ConfigError> {
        let o = Options::new(value, "loginOptions", &["extraParams", "returnTo"])?;
        Ok(LoginOptions {
            extra_params: o.string_map("extraParams")?,
            return_to: o.string("returnTo")?,
        })
    }

    /// The per-login value of the authorization parameter `name`.
    pub fn param(&self, name: &str) -> Option<&str> {
        self.extra_params
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// What this tab remembers between `login()` and the callback. Kept in sessionStorage, deleted
/// by the callback whatever its outcome. Holds secrets, so it has no `Debug`.
pub struct PendingLogin {
    /// The `state` sent in the request.
    pub state: State,
    /// The PKCE verifier whose challenge was sent.
    pub code_verifier: CodeVerifier,
    /// The OIDC nonce, when `openid` was requested.
    pub nonce: Option<Nonce>,
    /// The redirect URI sent (the token request must repeat it, RFC 6749 §4.1.3).
    pub redirect_uri: String,
    /// When the login started, in milliseconds since the epoch.
    pub created_at: u64,
    /// The path to restore after the callback.
    pub return_to: Option<String>,
    /// The `max_age` sent (OIDC Core §3.1.2.1), in seconds: the ID token's `auth_time` is then
    /// checked (§3.1.3.7 step 13), and the Messenger hand-off passes it on.
    pub max_age: Option<u64>,
}

impl PendingLogin {
    /// The record as stored: a JSON object with camelCase keys.
    pub fn to_json(&self) -> String {
        let mut out = String::new();
        let mut w = ObjectWriter::new(&mut out);
        w.string("state", self.state.secret())
            .string("codeVerifier", self.code_verifier.secret())
            .string("redirectUri", &self.redirect_uri)
            .u64("createdAt", self.created_at);
        if let Some(nonce) = &self.nonce {
            w.string("nonce", nonce.secret());
        }
        if let Some(path) = &self.return_to {
            w.string("returnTo", path);
        }
        if let Some(max_age) = self.max_age {
            w.u64("maxAge", max_age);
        }
        w.finish();
        out
    }

    /// Reads a stored record; `None` for anything that is not one (it is then treated as
    /// absent, and deleted).
    pub fn from_json(text: &str) -> Option<PendingLogin> {
        let value = json::parse_limited(text, 16 * 1024).ok()?;
        let string = |key| value.get(key).and_then(Value::as_str).map(str::to_string);
        let number = |key| value.get(key).and_then(Value::as_u64);
        Some(PendingLogin {
            state: State::new(string("state")?),
            code_verifier: CodeVerifier::new(string("codeVerifier")?),
            nonce: string("nonce").map(Nonce::new),
            redirect_uri: string("redirectUri")?,
            created_at: number("createdAt")?,
            return_to: string("returnTo"),
            max_age: number("maxAge"),
        })
    }

    /// Whether the pending login is older than [`PENDING_LOGIN_TTL_MS`] (or from the future,
    /// which means the clock jumped or the record was tampered with).
    pub fn is_expired(&self, now_ms: u64) -> bool {
        now_ms.saturating_sub(self.created_at) > PENDING_LOGIN_TTL_MS
            || self.created_at > now_ms + 60_000
    }
}

/// Checks a `returnTo` path: same-origin, absolute path, no scheme or authority.
pub fn validate_return_to(path: &str) -> Result<(), ConfigError> {
    let ok = path.starts_with('/')
        && !path.starts_with("//")
        && !path.contains('\\')
        && !path.chars().any(char::is_control);
    if ok {
        Ok(())
    } else {
        Err(ConfigError::Invalid {
            field: "returnTo",
            reason: "must be a same-origin path starting with a single '/'".into(),
        })
    }
}

/// The `max_age` authorization parameter (OIDC Core §3.1.2.1) this login sends, from the
/// per-login parameters or else the configured ones: a non-negative integer of seconds.
pub fn requested_max_age(
    config: &Config,
    options: &LoginOptions,
) -> Result<Option<u64>, ConfigError> {
    let value = options.param("max_age").or_else(|| {
        config
            .extra_params
            .iter()
            .find(|(k, _)| k == "max_age")
            .map(|(_, v)| v.as_str())
    });
    value
        .map(|v| {
            v.parse::<u64>().map_err(|_| ConfigError::Invalid {
                field: "extraParams",
                reason: "max_age must be a whole number of seconds".into(),
            })
        })
        .transpose()
}

/// Builds the authorization URL (RFC 6749 §4.1.1, RFC 7636 §4.3).
pub fn authorization_url(
    config: &Config,
    pending: &PendingLogin,
    challenge: &CodeChallenge,
    options: &LoginOptions,
) -> WebUrl {
    let scope = config.scopes.join(" ");
    let mut pairs: Vec<(&str, &str)> = vec![
        ("client_id", &config.client_id),
        ("response_type", "code"),
        ("redirect_uri", &pending.redirect_uri),
    ];
    if !config.scopes.is_empty() {
        pairs.push(("scope", &scope));
    }
    pairs.push(("code_challenge", challenge.as_str()));
    pairs.push(("code_challenge_method", CODE_CHALLENGE_METHOD));
    pairs.push(("state", pending.state.secret()));
    if let Some(nonce) = &pending.nonce {
        pairs.push(("nonce", nonce.secret()));
    }
    for (k, v) in &config.extra_params {
        if options.param(k).is_none() {
            pairs.push((k, v));
        }
    }
    for (k, v) in &options.extra_params {
        pairs.push((k, v));
    }
    config.authorization_endpoint.with_query_appended(&pairs)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::oauth::RawConfig;

    fn config() -> Config {
        RawConfig {
            client_id: Some("my client".into()),
            redirect_uri: Some("https://app.example/cb?x=1".into()),
            authorization_endpoint: Some("https://as.example/authorize?tenant=a".into()),
            token_endpoint: Some("https://as.example/token".into()),
            scopes: vec!["openid".into(), "users:readonly".into()],
            issuer: Some("https://as.example".into()),
            jwks_uri: Some("https://as.example/jwks".into()),
            extra_params: [
                ("org".to_string(), "acme & co".to_string()),
                ("prompt".to_string(), "login".to_string()),
            ]
            .into(),
            ..Default::default()
        }
        .validate()
        .unwrap()
    }

    fn pending() -> PendingLogin {
        PendingLogin {
            state: State::new("st"),
            code_verifier: CodeVerifier::new("v".repeat(43)),
            nonce: Some(Nonce::new("n0")),
            redirect_uri: "https://app.example/cb?x=1".into(),
            created_at: 1_000,
            return_to: None,
            max_age: None,
        }
    }

    #[test]
    fn url_has_every_parameter_encoded() {
        let challenge = CodeChallenge::from_sha256_digest(&[0; 32]);
        let url = authorization_url(&config(), &pending(), &challenge, &LoginOptions::default());
        let pairs: Vec<(String, String)> = url.query_pairs().into_owned().collect();
        let get = |k: &str| pairs.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
        assert_eq!(get("tenant"), Some("a"), "existing query kept");
        assert_eq!(get("client_id"), Some("my client"));
        assert_eq!(get("response_type"), Some("code"));
        assert_eq!(get("redirect_uri"), Some("https://app.example/cb?x=1"));
        assert_eq!(get("scope"), Some("openid users:readonly"));
        assert_eq!(get("code_challenge"), Some(challenge.as_str()));
        assert_eq!(get("code_challenge_method"), Some("S256"));
        assert_eq!(get("state"), Some("st"));
        assert_eq!(get("nonce"), Some("n0"));
        assert_eq!(get("org"), Some("acme & co"));
        // The raw query encodes spaces and reserved characters.
        let raw = url.query().unwrap();
        assert!(raw.contains("scope=openid+users%3Areadonly"), "{raw}");
        assert!(
            raw.contains("redirect_uri=https%3A%2F%2Fapp.example%2Fcb%3Fx%3D1"),
            "{raw}"
        );
        assert!(raw.contains("org=acme+%26+co"), "{raw}");
        assert!(!raw.contains("code_verifier"));
        assert!(!raw.contains(&"v".repeat(43)));
    }

    #[test]
    fn per_call_params_override_configured_ones() {
        let opts = LoginOptions {
            extra_params: [("prompt".to_string(), "none".to_string())].into(),
            return_to: None,
        };
        let url = authorization_url(
            &config(),
            &pending(),
            &CodeChallenge::from_sha256_digest(&[1; 32]),
            &opts,
        );
        let prompts: Vec<String> = url
            .query_pairs()
            .filter(|(k, _)| k == "prompt")
            .map(|(_, v)| v.into_owned())
            .collect();
        assert_eq!(prompts, vec!["none".to_string()]);
    }

    #[test]
    fn max_age_comes_from_login_or_config_params() {
        let mut c = config();
        assert_eq!(requested_max_age(&c, &LoginOptions::default()), Ok(None));
        c.extra_params.push(("max_age".into(), "300".into()));
        assert_eq!(
            requested_max_age(&c, &LoginOptions::default()),
            Ok(Some(300))
        );
        let opts = |v: &str| LoginOptions {
            extra_params: [("max_age".to_string(), v.to_string())].into(),
            return_to: None,
        };
        assert_eq!(requested_max_age(&c, &opts("0")), Ok(Some(0)));
        assert!(requested_max_age(&c, &opts("-1")).is_err());
        assert!(requested_max_age(&c, &opts("1h")).is_err());
    }

    #[test]
    fn pending_login_expiry() {
        let p = pending();
        assert!(!p.is_expired(1_000));
        assert!(!p.is_expired(1_000 + PENDING_LOGIN_TTL_MS));
        assert!(p.is_expired(1_001 + PENDING_LOGIN_TTL_MS));
        let mut future = pending();
        future.created_at = 10_000_000;
        assert!(future.is_expired(1_000));
    }

    #[test]
    fn return_to_must_be_same_origin_path() {
        assert!(validate_return_to("/inbox?tab=2#x").is_ok());
        for bad in [
            "//evil.example/",
            "https://evil.example/",
            "inbox",
            "/\\evil",
            "/a\nb",
        ] {
            assert!(validate_return_to(bad).is_err(), "{bad}");
        }
    }
}
