//! Logout: token revocation (RFC 7009), Genesys Cloud's token deletion, and the logout
//! redirects (OpenID Connect RP-Initiated Logout 1.0, Genesys Cloud's `/logout`).
//!
//! The order is fixed by [`crate::core::Client::end_session`]: the local session is deleted
//! first, so a failing server can never leave a session behind; the requests built here come
//! after.

use crate::core::WebUrl;

use super::config::{parse_endpoint, Config, Provider};
use super::token::oauth_error_code;
use crate::core::error::ConfigError;
use crate::core::error::RevocationError;
use crate::core::genesys::genesys_logout_url;
use crate::core::http::{HttpRequest, HttpResponse};
use crate::core::json::{self, Value};
use crate::core::options::{read, Spec};
use crate::core::secret::{AccessToken, IdToken, RefreshToken};

/// Options of `logout()`, as JavaScript passes them (camelCase keys).
#[derive(Debug, Default)]
pub struct LogoutOptions {
    /// Also end the session at the server by sending the browser there (Genesys Cloud's
    /// `/logout`, or the OpenID Connect `end_session_endpoint`).
    pub redirect: bool,
    /// Where the server sends the browser back (must be registered there); defaults to
    /// `postLogoutRedirectUri`, else `redirectUri`.
    pub return_to: Option<String>,
    /// Send the ID token as `id_token_hint` to the end-session endpoint. Off by default: the
    /// request is a browser navigation (RP-Initiated Logout 1.0 §2, GET), so the ID token would
    /// land in the address bar, the history and the server's access logs. `client_id` and
    /// `post_logout_redirect_uri` are sent instead, which the spec allows; some providers then
    /// ask the user to confirm. Turn it on where the provider insists on the hint.
    pub send_id_token_hint: bool,
}

impl LogoutOptions {
    /// Reads `logout()`'s options object: `redirect`, `returnTo`, `sendIdTokenHint`.
    pub fn from_json(value: &Value) -> Result<LogoutOptions, ConfigError> {
        let mut f = read(
            value,
            "logoutOptions",
            &["redirect", "returnTo", "sendIdTokenHint"],
            &[Spec::Flag, Spec::Str, Spec::Flag],
        )?;
        Ok(LogoutOptions {
            redirect: f.flag(),
            return_to: f.string(),
            send_id_token_hint: f.flag(),
        })
    }
}

/// The token a revocation request names.
pub enum Revocable<'a> {
    /// A refresh token (revoking it also ends its grant's access tokens, RFC 7009 §2.1).
    Refresh(&'a RefreshToken),
    /// An access token, when there is no refresh token.
    Access(&'a AccessToken),
}

/// The revocation request (RFC 7009 §2.1): a form POST of `token`, `token_type_hint` and,
/// as a public client, `client_id` (RFC 7009 §2.1 refers to RFC 6749 §2.3 client
/// authentication; a public client identifies itself only).
pub fn revocation_request(config: &Config, endpoint: &WebUrl, token: Revocable<'_>) -> HttpRequest {
    let (token, hint) = match token {
        Revocable::Refresh(t) => (t.secret(), "refresh_token"),
        Revocable::Access(t) => (t.secret(), "access_token"),
    };
    HttpRequest::form_post(
        endpoint,
        &[
            ("token", token),
            ("token_type_hint", hint),
            ("client_id", &config.client_id),
        ],
    )
}

/// Checks a revocation (or token deletion) response. RFC 7009 §2.2: 200 means revoked (an
/// already invalid token is also a 200); any 2xx is accepted, since Genesys Cloud's deletion
/// may answer 202 or 204.
pub fn process_revocation_response(response: &HttpResponse) -> Result<(), RevocationError> {
    if (200..300).contains(&response.status) {
        return Ok(());
    }
    let error = oauth_error_code(json::parse_object(&response.body, 16 * 1024).as_ref());
    Err(match error {
        Some(error) => RevocationError::OAuth {
            error,
            status: response.status,
        },
        None => RevocationError::HttpStatus {
            status: response.status,
        },
    })
}

/// The RP-initiated logout request (OpenID Connect RP-Initiated Logout 1.0 §2):
/// `id_token_hint` when an ID token is held, `client_id`, and `post_logout_redirect_uri`.
/// Query parameters already on the endpoint are kept.
pub fn end_session_url(
    endpoint: &WebUrl,
    id_token_hint: Option<&IdToken>,
    client_id: &str,
    post_logout_redirect_uri: &WebUrl,
) -> WebUrl {
    let mut pairs = Vec::with_capacity(3);
    if let Some(id) = id_token_hint {
        pairs.push(("id_token_hint", id.secret()));
    }
    pairs.push(("client_id", client_id));
    pairs.push((
        "post_logout_redirect_uri",
        post_logout_redirect_uri.as_str(),
    ));
    endpoint.with_query_appended(&pairs)
}

/// Where a logout with `options` sends the browser: `None` without `redirect: true`, or when
/// the server has no logout page we know of (a generic server without `endSessionEndpoint`).
/// An explicit `endSessionEndpoint` wins over the Genesys Cloud preset.
pub fn logout_redirect(
    config: &Config,
    options: &LogoutOptions,
    id_token: Option<&IdToken>,
) -> Result<Option<WebUrl>, ConfigError> {
    let back = match &options.return_to {
        Some(u) => parse_endpoint("returnTo", u)?,
        None => config
            .post_logout_redirect_uri
            .clone()
            .unwrap_or_else(|| config.redirect_uri.clone()),
    };
    if !options.redirect {
        return Ok(None);
    }
    let id_token = id_token.filter(|_| options.send_id_token_hint);
    Ok(match (&config.end_session_endpoint, &config.provider) {
        (Some(ep), _) => Some(end_session_url(ep, id_token, &config.client_id, &back)),
        (None, Provider::Genesys { domain }) => {
            genesys_logout_url(domain, &config.client_id, &back)
        }
        (None, Provider::Generic) => None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::http::Method;
    use crate::core::oauth::RawConfig;

    fn genesys() -> Config {
        RawConfig {
            region: Some("mypurecloud.ie".into()),
            client_id: Some("cid".into()),
            redirect_uri: Some("https://app.example/cb".into()),
            ..Default::default()
        }
        .validate()
        .unwrap()
    }

    fn generic(end_session: Option<&str>) -> Config {
        RawConfig {
            client_id: Some("cid".into()),
            redirect_uri: Some("https://app.example/cb".into()),
            authorization_endpoint: Some("https://as.example/a".into()),
            token_endpoint: Some("https://as.example/t".into()),
            revocation_endpoint: Some("https://as.example/revoke".into()),
            end_session_endpoint: end_session.map(str::to_string),
            ..Default::default()
        }
        .validate()
        .unwrap()
    }

    #[test]
    fn revocation_form() {
        let c = generic(None);
        let ep = c.revocation_endpoint.clone().unwrap();
        let r = revocation_request(&c, &ep, Revocable::Refresh(&RefreshToken::new("RT 1")));
        assert_eq!(r.method, Method::Post);
        assert_eq!(r.url, "https://as.example/revoke");
        assert_eq!(
            r.header("content-type"),
            Some("application/x-www-form-urlencoded")
        );
        assert_eq!(
            r.body.as_deref(),
            Some("token=RT+1&token_type_hint=refresh_token&client_id=cid")
        );
        assert!(!format!("{r:?}").contains("RT"));
        let r = revocation_request(&c, &ep, Revocable::Access(&AccessToken::new("AT")));
        assert_eq!(
            r.form_params()[1],
            ("token_type_hint".into(), "access_token".into())
        );
    }

    #[test]
    fn revocation_responses() {
        let resp = |status, body: &str| HttpResponse {
            status,
            headers: vec![],
            body: body.into(),
        };
        assert_eq!(process_revocation_response(&resp(200, "")), Ok(()));
        assert_eq!(process_revocation_response(&resp(204, "")), Ok(()));
        assert_eq!(
            process_revocation_response(&resp(400, r#"{"error":"unsupported_token_type"}"#)),
            Err(RevocationError::OAuth {
                error: "unsupported_token_type".into(),
                status: 400
            })
        );
        assert_eq!(
            process_revocation_response(&resp(503, "<html>")),
            Err(RevocationError::HttpStatus { status: 503 })
        );
    }

    #[test]
    fn genesys_logout_redirect() {
        let c = genesys();
        let opts = LogoutOptions {
            redirect: true,
            return_to: None,
            send_id_token_hint: false,
        };
        let url = logout_redirect(&c, &opts, None).unwrap().unwrap();
        assert_eq!(
            url.as_str(),
            "https://login.mypurecloud.ie/logout?client_id=cid&redirect_uri=https%3A%2F%2Fapp.example%2Fcb"
        );
        let opts = LogoutOptions {
            redirect: true,
            return_to: Some("https://app.example/bye".into()),
            ..Default::default()
        };
        let url = logout_redirect(&c, &opts, None).unwrap().unwrap();
        assert!(url
            .as_str()
            .ends_with("redirect_uri=https%3A%2F%2Fapp.example%2Fbye"));
        assert_eq!(
            logout_redirect(&c, &LogoutOptions::default(), None).unwrap(),
            None
        );
    }

    #[test]
    fn end_session_redirect_with_id_token_hint() {
        let c = generic(Some("https://as.example/session/end?x=1"));
        let opts = LogoutOptions {
            redirect: true,
            return_to: None,
            send_id_token_hint: true,
        };
        let id = IdToken::new("h.p.s");
        let url = logout_redirect(&c, &opts, Some(&id)).unwrap().unwrap();
        let q: Vec<(String, String)> = url.query_pairs().into_owned().collect();
        let want: Vec<(String, String)> = [
            ("x", "1"),
            ("id_token_hint", "h.p.s"),
            ("client_id", "cid"),
            ("post_logout_redirect_uri", "https://app.example/cb"),
        ]
        .iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect();
        assert_eq!(q, want);
        assert_eq!(url.path(), "/session/end");
        // Without an ID token the hint is left out.
        let url = logout_redirect(&c, &opts, None).unwrap().unwrap();
        assert!(!url.as_str().contains("id_token_hint"));
        // A generic server without an end-session endpoint has no logout page.
        assert_eq!(logout_redirect(&generic(None), &opts, None).unwrap(), None);
        // A bad returnTo is refused, redirect or not.
        let bad = LogoutOptions {
            redirect: false,
            return_to: Some("http://evil.example/".into()),
            ..Default::default()
        };
        assert!(logout_redirect(&c, &bad, None).is_err());
    }

    #[test]
    fn the_id_token_stays_out_of_the_logout_url_unless_asked() {
        let c = RawConfig {
            client_id: Some("cid".into()),
            redirect_uri: Some("https://app.example/".into()),
            authorization_endpoint: Some("https://op.example/auth".into()),
            token_endpoint: Some("https://op.example/token".into()),
            end_session_endpoint: Some("https://op.example/logout".into()),
            ..Default::default()
        }
        .validate()
        .unwrap();
        let id = IdToken::new("h.p.s");
        let mut opts = LogoutOptions {
            redirect: true,
            ..Default::default()
        };
        let url = logout_redirect(&c, &opts, Some(&id)).unwrap().unwrap();
        assert_eq!(
            url.as_str(),
            "https://op.example/logout?client_id=cid&post_logout_redirect_uri=https%3A%2F%2Fapp.example%2F"
        );
        opts.send_id_token_hint = true;
        let url = logout_redirect(&c, &opts, Some(&id)).unwrap().unwrap();
        assert!(url
            .as_str()
            .starts_with("https://op.example/logout?id_token_hint=h.p.s&"));
    }
}
