//! The authenticated Genesys Cloud Web Messenger hand-off.
//!
//! With an "OpenID Connect Messenger Configuration", Genesys Web Messenger exchanges the
//! authorization code itself, server-side at Genesys, and asks the page for it through the
//! `getAuthCode` command of its [AuthProvider plugin]. The page starts an ordinary login
//! (`login()`, with the `openid` scope); on the callback page, instead of `handleCallback()`,
//! it takes a [`MessengerAuthCode`] from [`Client::messenger_auth_code`], which runs every
//! callback check (pending login, state, RFC 9207 `iss`) but does not exchange the code.
//!
//! This is the one place where the PKCE `code_verifier` leaves the library: whoever redeems the
//! code must prove possession of it (RFC 7636 §4.5), and here that is Genesys, not us.
//!
//! [AuthProvider plugin]: https://developer.genesys.cloud/commdigital/digital/webmessaging/messengersdk/SDKCommandsEvents/authProviderPlugin
//! [`Client::messenger_auth_code`]: crate::core::Client::messenger_auth_code

use crate::core::secret::{AuthorizationCode, CodeVerifier, Nonce};

/// What `getAuthCode` resolves with: `{ authCode, redirectUri, codeVerifier, nonce?, maxAge?,
/// iss? }`. Holds secrets (code, verifier, nonce), so it has no `Debug`.
pub struct MessengerAuthCode {
    /// The authorization code from the callback (RFC 6749 §4.1.2), not yet redeemed.
    pub auth_code: AuthorizationCode,
    /// The redirect URI the authorization request used; the exchange must repeat it
    /// (RFC 6749 §4.1.3).
    pub redirect_uri: String,
    /// The PKCE verifier whose S256 challenge was sent (RFC 7636 §4.1). Handed out on purpose.
    pub code_verifier: CodeVerifier,
    /// The OpenID Connect nonce sent (OIDC Core §3.1.2.1), for Genesys to check in the ID token.
    pub nonce: Option<Nonce>,
    /// The `max_age` sent (OIDC Core §3.1.2.1), in seconds, when one was.
    pub max_age: Option<u64>,
    /// The callback's `iss` parameter (RFC 9207), when the provider sent one; already checked
    /// against the configured issuer.
    pub iss: Option<String>,
    /// The `returnTo` path given to `login()`. Not for Messenger: the JavaScript face restores
    /// it in the address bar, as `handleCallback()` does.
    pub return_to: Option<String>,
}
