//! The authorization response (RFC 6749 §4.1.2): parsing the callback URL and validating it
//! against the pending login. Only [`validate_callback`] can make a [`ValidatedCallback`], and
//! the code exchange accepts nothing else.

use crate::core::weburl::{form_pairs, FormPairs};
use crate::core::WebUrl;

use super::authorize::PendingLogin;
use crate::core::error::CallbackError;
use crate::core::json::{Object, Value};
use crate::core::sanitize::sanitize;
use crate::core::secret::{constant_time_eq, AuthorizationCode};

/// The parameters of an authorization response that the library reads or removes.
pub const CALLBACK_PARAMS: &[&str] = &[
    "code",
    "state",
    "error",
    "error_description",
    "error_uri",
    "iss",
    "session_state",
];

/// The parameters of an implicit-style response (RFC 6749 §4.2.2): tokens in the URL. This
/// library never asks for them (`response_type=code`); a response carrying them is refused,
/// and they leave the address bar like the others.
pub const IMPLICIT_PARAMS: &[&str] = &[
    "access_token",
    "id_token",
    "refresh_token",
    "token_type",
    "expires_in",
];

/// Whether `name` is removed from a callback URL: a response or an implicit-style parameter.
fn is_response_param(name: &str) -> bool {
    CALLBACK_PARAMS.contains(&name) || IMPLICIT_PARAMS.contains(&name)
}

/// The pairs of the URL's fragment, read as a form (`#code=…&state=…`).
fn fragment_pairs(url: &WebUrl) -> FormPairs<'_> {
    form_pairs(url.fragment().unwrap_or(""))
}

/// The parameters as found in the callback URL, before validation. Holds the code, so it has
/// no `Debug`.
pub struct CallbackParams {
    /// Where the response arrived: the URL's origin and path.
    at: String,
    code: Option<AuthorizationCode>,
    state: Option<String>,
    error: Option<String>,
    error_description: Option<String>,
    iss: Option<String>,
}

/// Whether a URL looks like an authorization response: a `code` or an `error` in its query,
/// or any response or token parameter in its fragment or query (an implicit-style or
/// fragment response, which [`parse_callback`] refuses). Such a URL is cleaned from the
/// address bar whatever happens next.
pub fn is_callback(url: &WebUrl) -> bool {
    url.query_pairs()
        .any(|(k, _)| k == "code" || k == "error" || IMPLICIT_PARAMS.contains(&k.as_ref()))
        || fragment_pairs(url).any(|(k, _)| is_response_param(&k))
}

/// Reads the callback parameters from the URL's query, refusing any that appear twice
/// (RFC 6749 §3.1: "Request and response parameters MUST NOT be included more than once"),
/// tokens in the URL (an implicit-style response, RFC 6749 §4.2.2, which RFC 9700 §2.1.2
/// says not to use), and response parameters in the fragment (`response_mode=query` is the
/// code flow's; a code in the fragment, or in both places, is not what was asked for).
pub fn parse_callback(url: &WebUrl) -> Result<CallbackParams, CallbackError> {
    if url
        .query_pairs()
        .any(|(k, _)| IMPLICIT_PARAMS.contains(&k.as_ref()))
        || fragment_pairs(url).any(|(k, _)| is_response_param(&k))
    {
        return Err(CallbackError::UnexpectedResponse);
    }
    let mut found: [Option<String>; 5] = Default::default();
    let names = ["code", "state", "error", "error_description", "iss"];
    for (k, v) in url.query_pairs() {
        if let Some((name, slot)) = names.iter().zip(&mut found).find(|(n, _)| **n == k) {
            if slot.is_some() {
                return Err(CallbackError::DuplicateParameter(name));
            }
            *slot = Some(v.into_owned());
        }
    }
    let [code, state, error, error_description, iss] = found;
    if code.is_none() && error.is_none() {
        return Err(CallbackError::NotACallback);
    }
    Ok(CallbackParams {
        at: origin_and_path(url.as_str()).into(),
        code: code.map(AuthorizationCode::new),
        state,
        error,
        error_description,
        iss,
    })
}

/// The `type` of the message a redirect page in a popup or a hidden frame posts to the window
/// that opened it ([`relay_message`]).
pub const RELAY_TYPE: &str = "pixie-auth:callback";

/// The message a redirect page in a popup or a hidden frame posts to its opener or parent (to
/// its own origin only): `{ type, url }`, `url` the response's origin and path with its response
/// parameters only (`code`, `state`, `iss`, `error`...: no fragment, none of the app's own
/// parameters, never a token). A response this page refuses ([`parse_callback`] fails:
/// repeated parameters, tokens in the URL) is relayed as `{ type, invalid: true }`, without it.
pub fn relay_message(url: &WebUrl) -> Value {
    let mut o = Object::new();
    o.set("type", RELAY_TYPE.into());
    match parse_callback(url) {
        Ok(_) => {
            let keep = |name: &str| !CALLBACK_PARAMS.contains(&name);
            let relayed = url.without_fragment().with_query_pairs_removed(&keep);
            o.set("url", relayed.as_str().into())
        }
        Err(_) => o.set("invalid", true.into()),
    };
    o.into()
}

/// Reads a message posted by a redirect page ([`relay_message`]) as [`parse_callback`] reads a
/// callback URL. `None` when it is not one (another `type`, not an object, no absolute `url`):
/// such a message is ignored. `Some(Err)` when the redirect page refused the response
/// (`invalid_callback`) or the URL is no callback.
pub fn read_relay_message(value: &Value) -> Option<Result<CallbackParams, CallbackError>> {
    let o = value.as_object()?;
    if o.get("type")?.as_str()? != RELAY_TYPE {
        return None;
    }
    if o.get("invalid").and_then(Value::as_bool) == Some(true) {
        return Some(Err(CallbackError::UnexpectedResponse));
    }
    let url = WebUrl::parse(o.get("url")?.as_str()?).ok()?;
    Some(parse_callback(&url))
}

/// The `state` parameter of the callback at `url`, if it has exactly one.
pub fn callback_state(url: &WebUrl) -> Option<String> {
    let mut state = None;
    for (name, value) in url.query_pairs() {
        if name == "state" && state.replace(value).is_some() {
            return None;
        }
    }
    state.map(|s| s.into_owned())
}

/// A serialized URL's origin and path: everything before its query or fragment.
fn origin_and_path(url: &str) -> &str {
    let end = url.bytes().position(|b| b == b'?' || b == b'#');
    url.get(..end.unwrap_or(url.len())).unwrap_or(url)
}

/// A callback that passed every check: its code may be exchanged.
pub struct ValidatedCallback {
    code: AuthorizationCode,
    iss: Option<String>,
}

impl ValidatedCallback {
    /// The authorization code.
    pub fn code(&self) -> &AuthorizationCode {
        &self.code
    }

    /// The `iss` parameter, when the server sent one (RFC 9207).
    pub fn iss(&self) -> Option<&str> {
        self.iss.as_deref()
    }

    /// Takes the code out, for hand-offs that exchange it elsewhere (Genesys Messenger).
    pub fn into_code(self) -> AuthorizationCode {
        self.code
    }
}

/// What the issuer check of RFC 9207 expects.
#[derive(Debug, Clone, Copy)]
pub struct IssuerCheck<'a> {
    /// The expected issuer identifier.
    pub issuer: &'a str,
    /// Whether the server advertises `authorization_response_iss_parameter_supported`, which
    /// makes `iss` mandatory.
    pub required: bool,
}

/// Validates the callback against the pending login of this tab: a pending login must
/// exist and be fresh, have been made for this client's authorization `server` (a callback
/// taken by a client of another server is a mix-up, RFC 9700 §4.4.2) and have its redirect
/// URI where the response arrived (origin and path, RFC 6749 §3.1.2: no other page takes the
/// code); `state` must match (RFC 6749 §10.12), `iss` must match when known (RFC 9207 §2.4),
/// then an `error` is reported as such, and a `code` must be present.
pub fn validate_callback(
    params: CallbackParams,
    pending: Option<&PendingLogin>,
    server: &str,
    now_ms: u64,
    issuer: Option<IssuerCheck<'_>>,
) -> Result<ValidatedCallback, CallbackError> {
    let pending = pending.ok_or(CallbackError::MissingPendingLogin)?;
    if pending.is_expired(now_ms) {
        return Err(CallbackError::PendingLoginExpired);
    }
    if pending.server != server {
        return Err(CallbackError::ServerMismatch);
    }
    if origin_and_path(&pending.redirect_uri) != params.at {
        return Err(CallbackError::RedirectUriMismatch);
    }
    match &params.state {
        Some(s) if constant_time_eq(s.as_bytes(), pending.state.secret().as_bytes()) => {}
        _ => return Err(CallbackError::StateMismatch),
    }
    if let Some(check) = issuer {
        match &params.iss {
            Some(iss) if iss == check.issuer => {}
            None if !check.required => {}
            _ => return Err(CallbackError::IssuerMismatch),
        }
    }
    if let Some(error) = params.error {
        return Err(CallbackError::Authorization {
            error: sanitize(&error, 64),
            description: params.error_description.map(|d| sanitize(&d, 300)),
        });
    }
    let code = params
        .code
        .filter(|c| !c.secret().is_empty())
        .ok_or(CallbackError::MissingCode)?;
    Ok(ValidatedCallback {
        code,
        iss: params.iss,
    })
}

/// The URL without the authorization response parameters, for `history.replaceState`, so no
/// code or state stays in the address bar, the history or a later `Referer`.
/// Response and token parameters leave the query, and the fragment goes entirely (it can
/// only carry what this library never asked for).
pub fn clean_callback_url(url: &WebUrl) -> WebUrl {
    url.without_fragment()
        .with_query_pairs_removed(&is_response_param)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::secret::{CodeVerifier, State};

    const AS: &str = "https://as.example";

    fn pending() -> PendingLogin {
        PendingLogin {
            state: State::new("good-state"),
            code_verifier: CodeVerifier::new("v".repeat(43)),
            nonce: None,
            redirect_uri: "https://app.example/cb".into(),
            server: AS.into(),
            created_at: 1_000,
            return_to: None,
            max_age: None,
        }
    }

    fn run(query: &str) -> Result<ValidatedCallback, CallbackError> {
        let url = WebUrl::parse(&format!("https://app.example/cb?{query}")).unwrap();
        validate_callback(parse_callback(&url)?, Some(&pending()), AS, 2_000, None)
    }

    #[test]
    fn good_callback() {
        let v = run("code=abc&state=good-state").unwrap();
        assert_eq!(v.code().secret(), "abc");
        assert_eq!(v.iss(), None);
    }

    #[test]
    fn duplicated_parameters_are_refused() {
        for q in [
            "code=a&code=b&state=good-state",
            "code=a&state=good-state&state=good-state",
            "error=x&error=y&state=good-state",
            "code=a&state=good-state&iss=a&iss=b",
        ] {
            assert!(
                matches!(run(q), Err(CallbackError::DuplicateParameter(_))),
                "{q}"
            );
        }
    }

    #[test]
    fn state_must_match() {
        assert!(matches!(run("code=a"), Err(CallbackError::StateMismatch)));
        assert!(matches!(
            run("code=a&state=bad-state"),
            Err(CallbackError::StateMismatch)
        ));
        assert!(matches!(
            run("code=a&state="),
            Err(CallbackError::StateMismatch)
        ));
        assert!(matches!(
            run("code=a&state=good-stat"),
            Err(CallbackError::StateMismatch)
        ));
        // An error response with a forged state is a state mismatch, not a server error.
        assert!(matches!(
            run("error=access_denied&state=x"),
            Err(CallbackError::StateMismatch)
        ));
    }

    #[test]
    fn missing_and_expired_pending_login() {
        let url = WebUrl::parse("https://app.example/cb?code=a&state=good-state").unwrap();
        let r = validate_callback(parse_callback(&url).unwrap(), None, AS, 2_000, None);
        assert!(matches!(r, Err(CallbackError::MissingPendingLogin)));
        let r = validate_callback(
            parse_callback(&url).unwrap(),
            Some(&pending()),
            AS,
            1_000 + 10 * 60 * 1000 + 1,
            None,
        );
        assert!(matches!(r, Err(CallbackError::PendingLoginExpired)));
    }

    #[test]
    fn error_response_is_surfaced_with_its_code() {
        match run("error=access_denied&error_description=The+user+said+%22no%22&state=good-state") {
            Err(CallbackError::Authorization { error, description }) => {
                assert_eq!(error, "access_denied");
                assert_eq!(description.as_deref(), Some("The user said no"));
            }
            other => panic!("{:?}", other.err()),
        }
    }

    #[test]
    fn missing_code_and_not_a_callback() {
        assert!(matches!(
            run("code=&state=good-state"),
            Err(CallbackError::MissingCode)
        ));
        assert!(matches!(
            run("state=good-state"),
            Err(CallbackError::NotACallback)
        ));
        assert!(matches!(run(""), Err(CallbackError::NotACallback)));
    }

    #[test]
    fn issuer_check_rfc9207() {
        let url = |q: &str| {
            WebUrl::parse(&format!(
                "https://app.example/cb?code=a&state=good-state{q}"
            ))
            .unwrap()
        };
        let check = |required| {
            Some(IssuerCheck {
                issuer: "https://as.example",
                required,
            })
        };
        let p = pending();
        let ok = |q: &str, required| {
            validate_callback(
                parse_callback(&url(q)).unwrap(),
                Some(&p),
                AS,
                2_000,
                check(required),
            )
        };
        assert!(ok("&iss=https%3A%2F%2Fas.example", true).is_ok());
        assert!(ok("", false).is_ok());
        assert!(matches!(ok("", true), Err(CallbackError::IssuerMismatch)));
        assert!(matches!(
            ok("&iss=https%3A%2F%2Fevil.example", false),
            Err(CallbackError::IssuerMismatch)
        ));
        assert!(matches!(
            ok("&iss=https%3A%2F%2Fas.example%2F", true),
            Err(CallbackError::IssuerMismatch)
        ));
    }

    /// The catalogue's "pending login taken by another client or path" (docs/security.md).
    #[test]
    fn a_pending_login_is_bound_to_its_server_and_its_redirect_uri() {
        let at = |url: &str| parse_callback(&WebUrl::parse(url).unwrap()).unwrap();
        let good = "https://app.example/cb?code=a&state=good-state";
        let check = |url: &str, server: &str| {
            validate_callback(at(url), Some(&pending()), server, 2_000, None).map(|_| ())
        };
        assert!(check(good, AS).is_ok());
        // A client of another authorization server (same client id, one page) takes it.
        for other in [
            "https://evil.example",
            "https://as.example/",
            "https://AS.example",
        ] {
            assert_eq!(
                check(good, other),
                Err(CallbackError::ServerMismatch),
                "{other}"
            );
        }
        // The response arrives at another origin or path than the login's redirect URI.
        for url in [
            "https://app.example/other?code=a&state=good-state",
            "https://app.example/cb/?code=a&state=good-state",
            "https://app.example/CB?code=a&state=good-state",
            "https://app.example/?code=a&state=good-state",
            "https://app.example:8443/cb?code=a&state=good-state",
            "http://app.example/cb?code=a&state=good-state",
            "https://evil.example/cb?code=a&state=good-state",
        ] {
            assert_eq!(
                check(url, AS),
                Err(CallbackError::RedirectUriMismatch),
                "{url}"
            );
        }
        // Its own query and the redirect URI's query are not part of the binding; dot
        // segments are resolved first.
        assert!(check("https://app.example/cb?x=1&code=a&state=good-state", AS).is_ok());
        assert!(check("https://app.example/a/../cb?code=a&state=good-state", AS).is_ok());
        // The binding is checked before state: an error response there is refused too.
        assert_eq!(
            check("https://app.example/other?error=access_denied&state=x", AS),
            Err(CallbackError::RedirectUriMismatch)
        );
    }

    #[test]
    fn clean_url_drops_response_parameters_only() {
        let u = WebUrl::parse(
            "https://app.example/cb?keep=1&code=a&state=s&iss=i&session_state=x#frag",
        )
        .unwrap();
        assert_eq!(
            clean_callback_url(&u).as_str(),
            "https://app.example/cb?keep=1"
        );
        let u = WebUrl::parse("https://app.example/cb?error=access_denied&state=s").unwrap();
        assert_eq!(clean_callback_url(&u).as_str(), "https://app.example/cb");
        assert!(is_callback(&u));
        assert!(!is_callback(
            &WebUrl::parse("https://app.example/cb?x=1").unwrap()
        ));
    }
}
