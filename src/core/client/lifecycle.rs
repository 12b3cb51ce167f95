//! The session lifecycle on a [`Client`]: retried token requests, refresh with rotation under
//! a cross-tab lock, the scheduler's steps, the 401 path of `callApi`, and messages from
//! sibling tabs. Events for the app are queued here and drained by the browser layer
//! ([`Client::take_events`]).

use std::cell::{Cell, RefCell};
use std::future::Future;

use super::{Client, Platform};
use crate::core::error::{Error, TokenError};
use crate::core::http::HttpRequest;
use crate::core::oauth::{process_token_response, refresh_request, TokenResponse};
use crate::core::oidc::IdTokenClaims;
use crate::core::secret::AccessToken;
use crate::core::secret::ChannelKey;
use crate::core::session::{
    after_api_response, family_id, lock_name, next_step, refresh_due_at, retry_decision, ApiStep,
    Dropped, Envelope, Event, ExpiredReason, Leads, Origin, Received, RefreshHistory, Retry,
    Session, SessionTimes, Step, TabMessage, TokenExpiring, TokenRefreshed,
    MIN_REFRESH_INTERVAL_MS, SIBLING_QUERY_MS,
};

/// The lifecycle state of one client in one tab (memory only).
#[derive(Default)]
pub(super) struct Lifecycle {
    history: RefCell<RefreshHistory>,
    events: RefCell<Vec<Event>>,
    in_flight: Cell<u32>,
    /// The tags of the channel messages opened lately (replay detection).
    pub(super) seen: super::channel::SeenMessages,
    /// How many channel messages were dropped ([`Received::Dropped`]).
    dropped: Cell<u32>,
    /// `autoRenew: "silent"`: a silent renewal is due instead of a `tokenExpiring` warning.
    silent_due: Cell<bool>,
}

/// Counts a refresh in flight for as long as it lives.
struct InFlight<'a>(&'a Cell<u32>);

impl<'a> InFlight<'a> {
    fn enter(counter: &'a Cell<u32>) -> Self {
        counter.set(counter.get() + 1);
        InFlight(counter)
    }
}

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.set(self.0.get().saturating_sub(1));
    }
}

/// What [`Client::call_api`] needs to know of an API response: its status.
pub trait ApiResponse {
    /// The HTTP status.
    fn status(&self) -> u16;
}

impl ApiResponse for crate::core::http::HttpResponse {
    fn status(&self) -> u16 {
        self.status
    }
}

/// How a refresh ended well.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefreshOutcome {
    /// This tab refreshed.
    Refreshed,
    /// Nothing was sent: while this tab waited, its session was replaced (a sibling tab
    /// refreshed and shared the result, or a concurrent call in this tab already did).
    AlreadyRefreshed,
}

fn is_invalid_grant(e: &Error) -> bool {
    matches!(e, Error::Refresh(TokenError::OAuth { error, .. }) if error == "invalid_grant")
}

impl<P: Platform> Client<P> {
    /// Drains the events queued for the app, oldest first.
    pub fn take_events(&self) -> Vec<Event> {
        std::mem::take(&mut *self.lifecycle.events.borrow_mut())
    }

    /// Queues an event for the app (the browser layer's own, e.g. `storageFallback`).
    pub fn push_event(&self, event: Event) {
        self.lifecycle.events.borrow_mut().push(event);
    }

    fn leads(&self) -> Leads {
        Leads {
            refresh_ms: self.config.refresh_lead_ms,
            expiring_ms: self.config.expiring_lead_ms,
        }
    }

    fn random_u32(&self) -> Result<u32, Error> {
        let mut b = [0u8; 4];
        self.platform.random_bytes(&mut b)?;
        Ok(u32::from_le_bytes(b))
    }

    /// Sends a token request (code exchange or refresh), retrying transient failures with
    /// backoff and jitter ([`retry_decision`]): at most
    /// [`MAX_ATTEMPTS`](crate::core::session::MAX_ATTEMPTS) requests. `stage` wraps the token
    /// endpoint's errors. Returns the response and the time it arrived.
    pub(super) async fn token_request(
        &self,
        request: HttpRequest,
        stage: fn(TokenError) -> Error,
    ) -> Result<(TokenResponse, u64), Error> {
        let mut attempt = 1;
        loop {
            let result = match self.platform.fetch(request.clone()).await {
                Ok(response) => {
                    let now = self.platform.now_ms();
                    process_token_response(&response, now)
                        .map(|mut t| {
                            // Without the openid scope nothing verifies an ID token: it is
                            // neither stored, nor reported, nor ever sent as a hint.
                            if !self.config.is_openid() {
                                t.id_token = None;
                            }
                            (t, now)
                        })
                        .map_err(stage)
                }
                Err(e) => Err(e),
            };
            let error = match result {
                Ok(done) => return Ok(done),
                Err(e) => e,
            };
            match retry_decision(&error, attempt, self.random_u32()?) {
                Retry::After(ms) => self.platform.sleep(ms).await,
                Retry::GiveUp => return Err(error),
            }
            attempt += 1;
        }
    }

    /// The family id of a token ([`family_id`]).
    pub(super) async fn token_family(&self, secret: &str) -> Result<String, Error> {
        Ok(family_id(&self.platform.sha256(secret.as_bytes()).await?))
    }

    /// The family id of a session: of its refresh token, else of its access token.
    pub fn family_of<'a>(
        &'a self,
        session: &'a Session,
    ) -> impl Future<Output = Result<String, Error>> + 'a {
        self.token_family(super::channel::family_token(session))
    }

    fn history_for(&self, session: &Session) -> RefreshHistory {
        self.lifecycle.history.borrow().for_token(session.issued_at)
    }

    fn can_refresh(&self, session: &Session) -> bool {
        session.refresh_token.is_some() && !self.history_for(session).refresh_disabled
    }

    /// What the scheduler should do now ([`next_step`]).
    pub fn next_step(&self) -> Step {
        let session = self.stored_session();
        let times = session.as_ref().map(SessionTimes::of);
        let now = self.platform.now_ms();
        let step = next_step(
            times,
            &self.lifecycle.history.borrow(),
            self.leads(),
            now,
            self.lifecycle.in_flight.get() > 0,
        );
        // `autoRenew: "silent"` renews where the warning would be, but like a refresh not
        // before halfway through the token's life nor sooner than MIN_REFRESH_INTERVAL_MS after
        // the last renewal, so a lead longer than the token's lifetime cannot renew in a loop.
        if let (true, Step::WarnExpiring, Some(t)) = (self.config.auto_renew_silent, step, times) {
            if let Some(expires_at) = t.expires_at {
                let floor = refresh_due_at(t.issued_at, expires_at, self.config.expiring_lead_ms)
                    .max(
                        t.last_refresh_at
                            .map_or(0, |at| at + MIN_REFRESH_INTERVAL_MS),
                    );
                if now < floor {
                    return Step::Wait(Some(floor));
                }
            }
        }
        step
    }

    /// When the scheduler should next wake up (browser clock, ms): `None` when nothing is
    /// scheduled, now when something is due.
    pub fn next_wake(&self) -> Option<u64> {
        match self.next_step() {
            Step::Wait(at) => at,
            _ => Some(self.platform.now_ms()),
        }
    }

    /// Does whatever is due now: refresh, warn (`tokenExpiring`), or end an expired session
    /// (`sessionExpired`). Call it from a timer, and when the tab wakes up. A failed refresh
    /// is paced by [`RefreshHistory::record_failure`], so repeated ticks never loop on requests.
    pub async fn tick(&self) {
        for _ in 0..4 {
            match self.next_step() {
                Step::Wait(_) => return,
                Step::Refresh => {
                    let _ = self.refresh().await;
                }
                Step::WarnExpiring => self.warn_expiring(),
                Step::Expire => self.expire(ExpiredReason::Expired),
            }
        }
    }

    fn warn_expiring(&self) {
        let Some(session) = self.stored_session() else {
            return;
        };
        let Some(expires_at) = session.expires_at else {
            return;
        };
        let mut history = self.history_for(&session);
        history.warned_for = Some(expires_at);
        *self.lifecycle.history.borrow_mut() = history;
        if self.config.auto_renew_silent {
            // Once per token (the history says it was handled): the browser layer renews in a
            // hidden frame, and warns after all if that fails (silent_renewal_failed).
            self.lifecycle.silent_due.set(true);
            return;
        }
        self.push_expiring_warning(&session, expires_at);
    }

    /// With `autoRenew: "silent"`: whether a silent renewal is due now (asked once: the
    /// answer is reset). The browser layer runs it after [`Client::tick`].
    pub fn take_silent_renewal_due(&self) -> bool {
        self.lifecycle.silent_due.replace(false)
    }

    /// With `autoRenew: "silent"`: the silent renewal failed, so the app gets the
    /// `tokenExpiring` warning it would have had (when the session is still the same one).
    pub fn silent_renewal_failed(&self) {
        if let Some(session) = self.stored_session() {
            if let Some(expires_at) = session.expires_at {
                self.push_expiring_warning(&session, expires_at);
            }
        }
    }

    fn push_expiring_warning(&self, session: &Session, expires_at: u64) {
        let now = self.platform.now_ms();
        self.push_event(Event::TokenExpiring(TokenExpiring {
            expires_at,
            seconds_left: expires_at.saturating_sub(now) / 1000,
            has_refresh_token: session.refresh_token.is_some(),
        }));
    }

    /// Ends the session without a logout and tells the app why.
    fn expire(&self, reason: ExpiredReason) {
        self.clear_session();
        self.push_event(Event::session_expired(reason));
    }

    /// Whether the stored session is no longer `start` (replaced by a sibling's, a concurrent
    /// refresh's or silent renewal's, or a new login). `login_required` when it is gone (logged out meanwhile).
    pub(super) fn superseded(&self, start: &Session) -> Result<bool, Error> {
        let now = self
            .stored_session()
            .ok_or(Error::LoginRequired("the session ended during the refresh"))?;
        Ok(now.refresh_token != start.refresh_token
            || now.issued_at != start.issued_at
            || now.access_token != start.access_token)
    }

    /// Refreshes the access token (RFC 6749 §6), once per refresh-token family across tabs:
    ///
    /// 1. take the family's lock (Web Locks; a per-tab lock where missing);
    /// 2. if the session was replaced while waiting, stop: nothing is sent;
    /// 3. ask sibling tabs whether one holds a newer generation, and wait briefly
    ///    ([`SIBLING_QUERY_MS`]); an answer is adopted by [`Client::receive_tab_message`], and
    ///    then nothing is sent either;
    /// 4. send the refresh request (retried with backoff when transient), store the session
    ///    (rotation bookkeeping: [`Session::refreshed`]), and post it to the siblings.
    ///
    /// `invalid_grant` ends the session (`sessionExpired`, and the error's code is
    /// `login_required`). Other failures keep the session and pace the next automatic attempt;
    /// a permanent one (e.g. `invalid_client`) stops automatic refresh for this token.
    pub async fn refresh(&self) -> Result<RefreshOutcome, Error> {
        let _in_flight = InFlight::enter(&self.lifecycle.in_flight);
        let start = self
            .stored_session()
            .ok_or(Error::LoginRequired("there is no session"))?;
        let result = self.refresh_locked(&start).await;
        match &result {
            Err(Error::RefreshRejected(_))
            | Err(Error::LoginRequired(_))
            | Err(Error::NoRefreshToken)
            | Ok(_) => {}
            Err(e) => {
                let permanent = matches!(e, Error::Refresh(t) if !t.is_transient());
                let mut history = self.history_for(&start);
                history.record_failure(self.platform.now_ms(), !permanent, e.retry_after());
                *self.lifecycle.history.borrow_mut() = history;
            }
        }
        result
    }

    async fn refresh_locked(&self, start: &Session) -> Result<RefreshOutcome, Error> {
        let rt = start.refresh_token.clone().ok_or(Error::NoRefreshToken)?;
        let (family, key) = self.own_family(start).await?;
        let _lock = self
            .platform
            .lock(&lock_name(&self.config.client_id, &family))
            .await;
        if self.superseded(start)? {
            return Ok(RefreshOutcome::AlreadyRefreshed);
        }
        let query = TabMessage::Query {
            family: family.clone(),
        };
        if self.post(&family, &key, &query).await {
            self.platform.sleep(SIBLING_QUERY_MS).await;
            if self.superseded(start)? {
                return Ok(RefreshOutcome::AlreadyRefreshed);
            }
        }
        let request = refresh_request(&self.config, &rt);
        let result = self.token_request(request, Error::Refresh).await;
        // A logout or a new login while the request was in flight wins.
        if self.superseded(start)? {
            return Ok(RefreshOutcome::AlreadyRefreshed);
        }
        let (tokens, now) = match result {
            Ok(ok) => ok,
            Err(e) if is_invalid_grant(&e) => {
                self.expire(ExpiredReason::RefreshRejected);
                return Err(match e {
                    Error::Refresh(t) => Error::RefreshRejected(t),
                    other => other,
                });
            }
            Err(e) => return Err(e),
        };
        let current = self
            .stored_session()
            .ok_or(Error::LoginRequired("the session ended during the refresh"))?;
        // OIDC Core §12.2: a new ID token is verified, and must name the same user. A token
        // that fails ends the session: the old refresh token is already spent at the server.
        let claims = match (&tokens.id_token, self.config.is_openid()) {
            (Some(id), true) => {
                match self
                    .verify_refreshed_id_token(
                        id,
                        current.id_token_claims.as_ref(),
                        tokens.server_date_ms.unwrap_or(now),
                    )
                    .await
                {
                    Ok(claims) => Some(claims),
                    Err(e) => {
                        self.expire(ExpiredReason::RefreshRejected);
                        return Err(e);
                    }
                }
            }
            _ => None,
        };
        let mut next = current.refreshed(tokens, now, &family, key.clone());
        if claims.is_some() {
            next.id_token_claims = claims;
        }
        let rotated = next.refresh_token.as_ref() != Some(&rt);
        self.save_session(&next)?;
        self.push_event(Event::TokenRefreshed(TokenRefreshed {
            expires_at: next.expires_at,
            refresh_count: next.refresh_count,
            last_refresh_at: now,
            rotated,
            origin: Origin::ThisTab,
        }));
        // Sealed under the presented token's family: the siblings still hold that one.
        if let Ok(own) = self.family_of(&next).await {
            self.share(next, own, &family, &key).await;
        }
        Ok(RefreshOutcome::Refreshed)
    }

    /// Posts `session` to the siblings, tagged with its family `own` and its lineage, sealed
    /// under `key`, the key of `family` (which the receivers hold).
    pub(super) async fn share(
        &self,
        session: Session,
        own: String,
        family: &str,
        key: &ChannelKey,
    ) {
        let mut families = vec![own];
        families.extend(session.lineage.iter().cloned());
        let message = TabMessage::Refreshed {
            families,
            session: Box::new(session),
        };
        self.post(family, key, &message).await;
    }

    /// The access token for an API call, refreshing first when it expired and a refresh token
    /// is held. `login_required` when there is no session, or it expired and cannot be renewed
    /// (then the session is ended and `sessionExpired` queued). This is how `callApi` and
    /// `getAccessToken()` get their token.
    ///
    /// Not an `async fn` of its own: the future is [`Client::usable_token`]'s (size).
    pub fn api_token(&self) -> impl Future<Output = Result<AccessToken, Error>> + '_ {
        self.usable_token(None)
    }

    /// After the API answered 401 to a request sent with `used`: the token to retry with
    /// (a concurrent call's newer one, or a fresh one from a refresh), or `login_required`
    /// with the session ended when the request was already retried or the token cannot be
    /// renewed ([`after_api_response`]).
    pub fn after_unauthorized<'a>(
        &'a self,
        used: &'a AccessToken,
        retried: bool,
    ) -> impl Future<Output = Result<AccessToken, Error>> + 'a {
        self.usable_token(Some((used, retried)))
    }

    /// [`Client::api_token`] (`unauthorized` is `None`) and [`Client::after_unauthorized`]
    /// (the token the API refused, and whether it was a retry) in one state machine (size):
    /// the synchronous decision ([`Client::token_step`]), then the refresh when it asks for one.
    async fn usable_token(
        &self,
        unauthorized: Option<(&AccessToken, bool)>,
    ) -> Result<AccessToken, Error> {
        if let Some(token) = self.token_step(unauthorized)? {
            return Ok(token);
        }
        self.refresh().await?;
        self.session()
            .map(|s| s.access_token)
            .ok_or(Error::LoginRequired("the session expired"))
    }

    /// What [`Client::usable_token`] does without a request: `Some` token to use as it is,
    /// `None` to refresh first, or `login_required` (the session ended where it cannot be
    /// renewed, with the reason queued).
    fn token_step(
        &self,
        unauthorized: Option<(&AccessToken, bool)>,
    ) -> Result<Option<AccessToken>, Error> {
        let session = self
            .stored_session()
            .ok_or(Error::LoginRequired("there is no session"))?;
        let fresh = session.is_fresh(self.platform.now_ms());
        let Some((used, retried)) = unauthorized else {
            if fresh {
                return Ok(Some(session.access_token));
            }
            if !self.can_refresh(&session) {
                self.expire(ExpiredReason::Expired);
                return Err(Error::LoginRequired("the session expired"));
            }
            return Ok(None);
        };
        if !retried && session.access_token != *used && fresh {
            return Ok(Some(session.access_token));
        }
        match after_api_response(401, retried, self.can_refresh(&session)) {
            ApiStep::RefreshAndRetry => Ok(None),
            ApiStep::EndSession | ApiStep::Deliver => {
                self.expire(ExpiredReason::Unauthorized);
                Err(Error::LoginRequired(
                    "the API refused the access token (401)",
                ))
            }
        }
    }

    /// `callApi`'s token handling around `send`, which sends the app's request once with the
    /// given access token as its bearer and answers with the response (the browser layer sends
    /// a copy of the request the second time, so its body goes again).
    ///
    /// The token is the session's, refreshed first when it expired ([`Client::api_token`]).
    /// On a 401 the request is sent once more with a newer token ([`Client::after_unauthorized`]:
    /// a concurrent call's, or a fresh one from a refresh); a second 401, a refused refresh or
    /// no session at all ends in `login_required` with the session ended. Any other status is
    /// the app's to read.
    pub async fn call_api<R: ApiResponse>(
        &self,
        mut send: impl AsyncFnMut(&AccessToken) -> Result<R, Error>,
    ) -> Result<R, Error> {
        let token = self.api_token().await?;
        let response = send(&token).await?;
        if response.status() != 401 {
            return Ok(response);
        }
        let token = self.after_unauthorized(&token, false).await?;
        let response = send(&token).await?;
        if response.status() == 401 {
            self.after_unauthorized(&token, true).await?;
        }
        Ok(response)
    }

    /// How many channel messages this client dropped as malformed, stale, replayed,
    /// undecryptable or unverified (see [`Received::Dropped`]); for tests and diagnostics.
    pub fn dropped_tab_messages(&self) -> u32 {
        self.lifecycle.dropped.get()
    }

    fn drop_message(&self, why: Dropped) -> Received {
        self.lifecycle.dropped.set(self.lifecycle.dropped.get() + 1);
        Received::Dropped(why)
    }

    /// Handles a text from the tab channel: an [`Envelope`] opened with the key this tab
    /// holds for its family (see `session::tabs` for the format and what it protects), then:
    ///
    /// - `refreshed`: adopted when this tab holds a refresh token the sender's replaced (the
    ///   sender's lineage), or the same one with an older access token, and, with OpenID
    ///   Connect, only once its ID token verified again ([`Client::adopted_claims`]);
    /// - `loggedOut`: ends this tab's session when it belongs to the same family;
    /// - `query`: answered with this tab's session, sealed under the asked family's key, when
    ///   this tab holds a newer generation of the asked family, or the same one.
    ///
    /// A message for a family this tab has no key for is ignored; one that is malformed,
    /// stale, replayed, does not open or does not verify is dropped and counted
    /// ([`Client::dropped_tab_messages`]). Nothing is ever thrown or logged. With
    /// `shareAcrossTabs: false` every message is ignored.
    pub async fn receive_tab_message(&self, text: &str) -> Received {
        if !self.config.share_across_tabs {
            return Received::Ignored;
        }
        let Some(envelope) = Envelope::parse(text) else {
            return self.drop_message(Dropped::Malformed);
        };
        let Some(mut current) = self.stored_session() else {
            return Received::Ignored;
        };
        let Ok(own) = self.own_family(&current).await else {
            return Received::Ignored;
        };
        let Some(key) = super::channel::key_for(&current, &own, &envelope.family) else {
            return Received::Ignored;
        };
        let family = own.0;
        let message = match self.open_envelope(&envelope, &key).await {
            Ok(message) => message,
            Err(why) => return self.drop_message(why),
        };
        // The awaits above may have let the session change: act only on what was examined.
        if self.superseded(&current).unwrap_or(true) {
            return Received::Ignored;
        }
        match message {
            TabMessage::Refreshed {
                families,
                mut session,
            } => {
                // Sealed under an older generation of this tab's family: this tab is newer.
                if envelope.family != family {
                    return Received::Ignored;
                }
                let newer_generation = families.iter().skip(1).any(|f| *f == family);
                let same_but_newer = families.first() == Some(&family)
                    && session.issued_at > current.issued_at
                    && session.refresh_token == current.refresh_token;
                if !(newer_generation || same_but_newer) {
                    return Received::Ignored;
                }
                session.id_token_claims =
                    match self.adopted_claims(&mut session, &mut current).await {
                        Ok(claims) => claims,
                        Err(()) => return self.drop_message(Dropped::Unverified),
                    };
                if self.superseded(&current).unwrap_or(true) {
                    return Received::Ignored;
                }
                if self.save_session(&session).is_err() {
                    return Received::Ignored;
                }
                let rotated = session.refresh_token != current.refresh_token;
                self.push_event(Event::TokenRefreshed(TokenRefreshed {
                    expires_at: session.expires_at,
                    refresh_count: session.refresh_count,
                    last_refresh_at: session.last_refresh_at.unwrap_or(session.issued_at),
                    rotated,
                    origin: Origin::OtherTab,
                }));
                Received::Applied
            }
            TabMessage::LoggedOut { families } => {
                let mut ours = std::iter::once(&family).chain(current.lineage.iter());
                if !ours.any(|f| families.contains(f)) {
                    return Received::Ignored;
                }
                self.logout();
                self.push_event(Event::LoggedOut(crate::core::session::LoggedOut {
                    origin: Origin::OtherTab,
                }));
                Received::Applied
            }
            TabMessage::Query { family: asked } => {
                // A query asks about the family whose key sealed it, which is this tab's or
                // one of its lineage's (it opened).
                if asked != envelope.family {
                    return self.drop_message(Dropped::Malformed);
                }
                self.share(current, family, &asked, &key).await;
                Received::Applied
            }
        }
    }

    /// The claims of a session a sibling shared, never the ones it carries: recomputed from
    /// its ID token, verified again (signature and claims) and held to this tab's login: the
    /// same `iss`, `sub`, `aud` and `azp` (OIDC Core §12.2). Its `nonce` and `auth_time` are
    /// the sibling's to check: a silent renewal's ID token carries that renewal's nonce (the
    /// sibling checked it against its own request) and a newer `auth_time` when the user
    /// signed in at the server again; a flag saying "renewed" would add nothing, since whoever
    /// can seal a message can set it. The time checks are
    /// made when the sibling received the tokens (its `issuedAt`, on the server's clock by the
    /// offset it measured, never later than now), as the sibling itself checked them: a
    /// sibling answering a query may hold an ID token received long ago. The ID token this
    /// tab already holds and verified keeps its claims.
    ///
    /// Without OpenID Connect a shared ID token is dropped (never stored, reported, or sent
    /// as a hint) and there are no claims. `Err` refuses the session: a token that fails, or
    /// none where this tab has verified claims.
    async fn adopted_claims(
        &self,
        session: &mut Session,
        current: &mut Session,
    ) -> Result<Option<IdTokenClaims>, ()> {
        if !self.config.is_openid() {
            session.id_token = None;
            return Ok(None);
        }
        let Some(id_token) = &session.id_token else {
            return match current.id_token_claims {
                None => Ok(None),
                Some(_) => Err(()),
            };
        };
        if current.id_token.as_ref() == Some(id_token) && current.id_token_claims.is_some() {
            return Ok(current.id_token_claims.take());
        }
        let received = session.issued_at.min(self.platform.now_ms());
        let at = received.saturating_add_signed(session.clock_offset_ms.unwrap_or(0));
        self.verify_same_user_id_token(id_token, current.id_token_claims.as_ref(), at, false)
            .await
            .map(Some)
            .map_err(|_| ())
    }
}
