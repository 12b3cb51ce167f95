//! The authorization request (RFC 6749 §4.1.1 with RFC 7636 §4.3) and the pending login
//! that remembers it across the redirect.

use crate::core::WebUrl;

use super::config::Config;
use super::pkce::{CodeChallenge, CODE_CHALLENGE_METHOD};
use crate::core::error::ConfigError;
use crate::core::json::{self, Object, ObjectWriter, Value};
use crate::core::options::{read, Spec};
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

/// The keys of `login()`'s options.
const LOGIN_OPTION_KEYS: &[&str] = &["extraParams", "returnTo"];
const LOGIN_OPTION_SPECS: &[Spec] = &[Spec::StringMap, Spec::Str];

impl LoginOptions {
    /// Reads `login()`'s options object: `extraParams` and `returnTo`, nothing else.
    pub fn from_json(value: &Value) -> Result<LoginOptions, ConfigError> {
        let mut f = read(value, "loginOptions", LOGIN_OPTION_KEYS, LOGIN_OPTION_SPECS)?;
        Ok(LoginOptions {
            extra_params: f.string_map(),
            return_to: f.string(),
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
    /// The redirect URI sent (the token request must repeat it, RFC 6749 §4.1.3); the
    /// callback must arrive at its origin and path.
    pub redirect_uri: String,
    /// The authorization server the login was made for ([`Config::authorization_server`]):
    /// only a client of that server may take the callback (mix-up defence).
    pub server: String,
    /// When the login started, in milliseconds since the epoch.
    pub created_at: u64,
    /// The path to restore after the callback, as [`return_to_path`] resolved it.
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
            .string("server", &self.server)
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
        let mut o = json::parse_limited(text, 16 * 1024).ok()?.into_object()?;
        let number = |o: &Object, key| o.get(key).and_then(Value::as_u64);
        let created_at = number(&o, "createdAt")?;
        let max_age = number(&o, "maxAge");
        // Moved out, not copied; one way out when one is missing.
        let mut string = |key| match o.remove(key) {
            Some(Value::String(s)) => Some(s),
            _ => None,
        };
        let (Some(state), Some(verifier), Some(redirect_uri), Some(server)) = (
            string("state"),
            string("codeVerifier"),
            string("redirectUri"),
            string("server"),
        ) else {
            return None;
        };
        Some(PendingLogin {
            state: State::new(state),
            code_verifier: CodeVerifier::new(verifier),
            nonce: string("nonce").map(Nonce::new),
            redirect_uri,
            server,
            created_at,
            return_to: string("returnTo"),
            max_age,
        })
    }

    /// Whether the pending login is older than [`PENDING_LOGIN_TTL_MS`] (or from the future,
    /// which means the clock jumped or the record was tampered with).
    pub fn is_expired(&self, now_ms: u64) -> bool {
        now_ms.saturating_sub(self.created_at) > PENDING_LOGIN_TTL_MS
            || self.created_at > now_ms + 60_000
    }
}

/// Checks a `returnTo` text by resolving it against the redirect URI with [`WebUrl`]: it must
/// be a path of the app's origin, already in the form the browser resolves it to (as
/// `location.pathname + location.search + location.hash` give it), so what is restored is
/// exactly the resolved URL's path, query and fragment, and no browser, router or later
/// reader can take it for another origin or another path. Refused: anything not starting with
/// one `/` (`//host`, `/\\host`, `https://…`, `path`); anything the browser would rewrite —
/// dot segments (`/.//host` resolves to `//host`), a backslash, a tab, CR or LF, any other
/// control, space or non-ASCII character (U+2028…), which it drops or percent-encodes; a
/// percent-encoded `/` or `\\` in the path (`/%2F%2Fhost`, `/%5Chost`: a router that decodes
/// the path would see `//host`); an `@` in the first segment (`/user@host`: an authority to
/// whatever drops or doubles the leading `/`).
pub fn return_to_path(redirect_uri: &WebUrl, text: &str) -> Result<String, ConfigError> {
    let origin = redirect_uri.origin();
    let mut absolute = String::from(origin);
    absolute.push_str(text);
    let url = WebUrl::parse(&absolute).map_err(|_| bad_return_to())?;
    let path = url.path().as_bytes();
    // Plain loops over the bytes (the iterator adapters were instantiations of their own).
    let mut encoded_separator = false;
    for i in 0..path.len() {
        if let Some([b'%', b'2', b'f' | b'F'] | [b'%', b'5', b'c' | b'C']) = path.get(i..i + 3) {
            encoded_separator = true;
        }
    }
    let mut at_in_first_segment = false;
    for &b in path.get(1..).unwrap_or_default() {
        if b == b'/' {
            break;
        }
        at_in_first_segment |= b == b'@';
    }
    if url.as_str() == absolute
        && url.origin() == origin
        && text.starts_with('/')
        && !url.path().starts_with("//")
        && !encoded_separator
        && !at_in_first_segment
    {
        // `absolute` is the origin followed by `text`, unchanged.
        Ok(text.to_string())
    } else {
        Err(bad_return_to())
    }
}

#[cold]
#[inline(never)]
fn bad_return_to() -> ConfigError {
    ConfigError::Invalid {
        field: "returnTo",
        reason: "must be a path of this origin as location.pathname gives it (e.g. \
                 /inbox?tab=2), with no encoded '/' or '\\', or '@' in its first segment"
            .into(),
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
            server: "https://as.example".into(),
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

    fn return_to(text: &str) -> Result<String, ConfigError> {
        return_to_path(&WebUrl::parse("https://app.example/cb?x=1").unwrap(), text)
    }

    #[test]
    fn pending_login_round_trips_with_its_binding() {
        let mut p = pending();
        p.return_to = Some("/inbox".into());
        p.max_age = Some(30);
        let back = PendingLogin::from_json(&p.to_json()).unwrap();
        assert_eq!(back.server, "https://as.example");
        assert_eq!(back.redirect_uri, "https://app.example/cb?x=1");
        assert_eq!(back.return_to.as_deref(), Some("/inbox"));
        assert_eq!(back.max_age, Some(30));
        assert_eq!(back.nonce.unwrap().secret(), "n0");
        // A record without its binding (written by an older version, or tampered with) is
        // not a pending login.
        let unbound = p.to_json().replace(r#""server":"https://as.example","#, "");
        assert!(PendingLogin::from_json(&unbound).is_none(), "{unbound}");
    }

    /// The catalogue's `returnTo` cases (docs/security.md): a same-origin path in the form the
    /// browser resolves it to comes back as that; whatever could read as another origin or
    /// another path, or that the browser would rewrite, is refused.
    #[test]
    fn return_to_accepts_same_origin_paths_and_restores_them_resolved() {
        for (text, restored) in [
            ("/", "/"),
            ("/inbox?tab=2#x", "/inbox?tab=2#x"),
            ("/caf%C3%A9/my%20page", "/caf%C3%A9/my%20page"),
            ("/search?q=a%2Fb&next=//x", "/search?q=a%2Fb&next=//x"),
            ("/u/@name", "/u/@name"),
            ("/a%40b", "/a%40b"),
            ("/javascript:alert(1)", "/javascript:alert(1)"),
        ] {
            assert_eq!(return_to(text).as_deref(), Ok(restored), "{text:?}");
        }
    }

    #[test]
    fn return_to_refuses_what_could_become_another_origin_or_path() {
        for bad in [
            // Not a path, or not one of this origin.
            "",
            "inbox",
            "https://evil.example/",
            "javascript:alert(1)",
            " /inbox",
            // Scheme-relative and its look-alikes.
            "//evil.example/",
            "/\\evil.example",
            "\\\\evil.example",
            "/a\\b",
            // Dot segments that make the resolved path start with `//`.
            "/.//evil.example",
            "/..//evil.example",
            "/%2e//evil.example",
            "/a/..//evil.example",
            // Anything the browser would rewrite: what was checked would not be what is restored.
            "/a/./b",
            "/a/../b",
            "/a/%2e%2E/c",
            "/my page",
            "/x?q=a b",
            "/x#a b",
            "/x?it's",
            // Percent-encoded separators in the path (a decoding router sees `//`, `\\`).
            "/%2F%2Fevil.example",
            "/%2f%2fevil.example",
            "/%2Fevil.example",
            "/%5Cevil.example",
            "/%5cevil.example",
            "/a/%2F/b",
            // Control characters and line separators, anywhere.
            "/\tevil",
            "/a\nb",
            "/a\rb",
            "/a\u{0}b",
            "/a\u{7f}b",
            "/a\u{85}b",
            "/a\u{2028}b",
            "/a\u{2029}b",
            "/a?q=\u{2028}",
            "/a\u{a0}b",
            "/caf\u{e9}",
            // An `@` where it could read as credentials before a host.
            "/evil.example@app.example",
            "/@evil.example",
            "/user:pw@evil.example/x",
        ] {
            assert!(return_to(bad).is_err(), "{bad:?} was accepted");
        }
        let message = err(return_to("//evil.example")).to_string();
        assert!(!message.contains("evil"), "{message}");
    }

    fn err<T>(r: Result<T, ConfigError>) -> ConfigError {
        match r {
            Ok(_) => panic!("expected an error"),
            Err(e) => e,
        }
    }
}
