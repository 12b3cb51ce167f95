//! Genesys Cloud's own session endings: deleting the access token
//! (`DELETE /api/v2/tokens/me`), and its logout page. Genesys offers no RFC 7009 revocation
//! endpoint to PKCE clients; the deletion request revokes the token presented as the bearer.

use crate::core::WebUrl;

use crate::core::http::{Credentials, HttpRequest, Method};
use crate::core::secret::AccessToken;

/// Genesys Cloud: `DELETE https://api.<domain>/api/v2/tokens/me`, which revokes the access
/// token presented as the bearer.
pub fn genesys_token_deletion_request(domain: &str, access_token: &AccessToken) -> HttpRequest {
    let bearer = access_token.bearer_header();
    HttpRequest {
        method: Method::Delete,
        url: {
            let mut url = String::from("https://api.");
            url.push_str(domain);
            url.push_str("/api/v2/tokens/me");
            url
        },
        headers: vec![("Authorization", bearer)],
        body: None,
        credentials: Credentials::Omit,
    }
}

/// Genesys Cloud's logout page: `https://login.<domain>/logout?client_id=...&redirect_uri=...`.
/// `None` only if `domain` is not a host name (never for the region table's).
pub fn genesys_logout_url(domain: &str, client_id: &str, redirect_uri: &WebUrl) -> Option<WebUrl> {
    let mut text = String::from("https://login.");
    text.push_str(domain);
    text.push_str("/logout");
    let page = WebUrl::parse(&text).ok()?;
    Some(page.with_query_appended(&[
        ("client_id", client_id),
        ("redirect_uri", redirect_uri.as_str()),
    ]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn genesys_deletion() {
        let r = genesys_token_deletion_request("mypurecloud.ie", &AccessToken::new("AT-9"));
        assert_eq!(r.method, Method::Delete);
        assert_eq!(r.url, "https://api.mypurecloud.ie/api/v2/tokens/me");
        assert_eq!(r.header("authorization"), Some("Bearer AT-9"));
        assert!(r.body.is_none());
    }
}
