//! Logout on a [`Client`]: local session first, then the siblings, then the server.

use crate::core::WebUrl;

use super::{Client, Platform};
use crate::core::error::{Error, RevocationError};
use crate::core::genesys::genesys_token_deletion_request;
use crate::core::http::HttpRequest;
use crate::core::oauth::{
    logout_redirect, process_revocation_response, revocation_request, LogoutOptions, Provider,
    Revocable,
};
use crate::core::session::{Event, LoggedOut, Origin, Session, TabMessage};

/// Whether the server was told to revoke the tokens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RevocationStatus {
    /// Every revocation request succeeded.
    Revoked,
    /// A revocation request failed (see [`LogoutOutcome::error`]).
    Failed,
    /// Nothing to revoke, or nowhere to do it (no session, no revocation endpoint and not
    /// Genesys Cloud, or only an expired access token).
    Skipped,
}

/// What `logout()` did beyond ending the local session, which it always does. Its `Debug`
/// shows the redirect's origin only: the logout URL may carry an `id_token_hint`.
pub struct LogoutOutcome {
    /// The revocation.
    pub revocation: RevocationStatus,
    /// The first revocation failure (code `revocation_failed`), when one happened.
    pub error: Option<Error>,
    /// Where to send the browser (the server's logout page), when asked and known.
    pub redirect_to: Option<WebUrl>,
}

impl core::fmt::Debug for LogoutOutcome {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("LogoutOutcome")
            .field("revocation", &self.revocation)
            .field("error", &self.error)
            .field(
                "redirect_to",
                &self.redirect_to.as_ref().map(WebUrl::origin),
            )
            .finish()
    }
}

impl<P: Platform> Client<P> {
    async fn revoke(&self, request: HttpRequest) -> Result<(), Error> {
        let response = self
            .platform
            .fetch(request)
            .await
            .map_err(|_| Error::Revocation(RevocationError::Network))?;
        process_revocation_response(&response).map_err(Error::Revocation)
    }

    /// Logs out:
    ///
    /// 1. deletes the session and any pending login from storage, FIRST, so a failing server
    ///    can never leave a session behind, and queues `loggedOut` ([`Client::end_local_session`],
    ///    synchronous, so the session is gone even if the rest is never awaited);
    /// 2. tells sibling tabs of the same family to end theirs;
    /// 3. revokes: the refresh token (else the access token) at the revocation endpoint
    ///    (RFC 7009 §2.1) when one is configured; for Genesys Cloud, the access token with
    ///    `DELETE /api/v2/tokens/me` while it is still valid;
    /// 4. works out the logout redirect when `options.redirect` asks for one.
    ///
    /// A revocation failure is reported in the outcome, not as an error. The only error is an
    /// invalid `options.returnTo` (`invalid_config`), reported after steps 1-3 were done.
    pub async fn end_session(&self, options: &LogoutOptions) -> Result<LogoutOutcome, Error> {
        let session = self.end_local_session();
        self.finish_logout(session, options).await
    }

    /// Step 1 of [`Client::end_session`]: deletes the session and the pending login, queues
    /// `loggedOut`, and returns the session that was stored, for [`Client::finish_logout`].
    pub fn end_local_session(&self) -> Option<Session> {
        let session = self.stored_session();
        self.logout();
        self.push_event(Event::LoggedOut(LoggedOut {
            origin: Origin::ThisTab,
        }));
        session
    }

    /// Step 2: a `loggedOut` for each family the session can reach, its own and each of its
    /// lineage's with a key (a sibling that missed some rotations still holds an older one),
    /// each sealed under that family's key.
    async fn post_logged_out(&self, session: &Session) {
        let Ok((own, key)) = self.own_family(session).await else {
            return;
        };
        let families =
            std::iter::once((&own, &key)).chain(session.lineage.iter().zip(&session.lineage_keys));
        for (family, key) in families {
            let message = TabMessage::LoggedOut {
                families: vec![family.clone()],
            };
            self.post(family, key, &message).await;
        }
    }

    /// Steps 2-4 of [`Client::end_session`], for the `session` that
    /// [`Client::end_local_session`] removed.
    pub async fn finish_logout(
        &self,
        session: Option<Session>,
        options: &LogoutOptions,
    ) -> Result<LogoutOutcome, Error> {
        let mut outcome = LogoutOutcome {
            revocation: RevocationStatus::Skipped,
            error: None,
            redirect_to: None,
        };
        if let Some(s) = &session {
            self.post_logged_out(s).await;
            let mut requests = Vec::new();
            if let Some(endpoint) = &self.config.revocation_endpoint {
                let token = match &s.refresh_token {
                    Some(rt) => Revocable::Refresh(rt),
                    None => Revocable::Access(&s.access_token),
                };
                requests.push(revocation_request(&self.config, endpoint, token));
            }
            if let Provider::Genesys { domain } = self.config.provider {
                if s.is_fresh(self.platform.now_ms()) {
                    requests.push(genesys_token_deletion_request(domain, &s.access_token));
                }
            }
            for request in requests {
                outcome.revocation = RevocationStatus::Revoked;
                if let Err(e) = self.revoke(request).await {
                    outcome.error.get_or_insert(e);
                }
            }
            if outcome.error.is_some() {
                outcome.revocation = RevocationStatus::Failed;
            }
        }
        let id_token = session.as_ref().and_then(|s| s.id_token.as_ref());
        outcome.redirect_to = logout_redirect(&self.config, options, id_token)?;
        Ok(outcome)
    }
}
