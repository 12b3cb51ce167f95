//! Logins that stay on the page: in a popup (`loginPopup`, for an app inside a frame, where
//! a redirect would leave the host page and the login page refuses to be framed) and in a
//! hidden frame with `prompt=none` (`renewSilently`, OIDC Core §3.1.2.1, for servers that
//! give a browser app no refresh token).
//!
//! The pending login ([`InPageLogin`]) lives in the opener's memory only: nothing is written
//! to the redirect store, so these logins work where sessionStorage is blocked, and a
//! redirect page that finds no pending login of its own for the callback relays it to the
//! window that opened it ([`Client::relays_callback`]). The relayed callback goes through the
//! checks of `handleCallback()`: [`validate_callback`] (freshness, the authorization server,
//! the redirect URI where it arrived, `state` — the login's one-time id, compared in constant
//! time and used once —, RFC 9207 `iss`), then the code exchange and the ID token checks.

use super::{Client, Platform, PENDING_KEY};
use crate::core::error::{CallbackError, ConfigError, Error, PopupError};
use crate::core::json::Value;
use crate::core::oauth::{
    callback_state, is_callback, validate_callback, CallbackParams, LoginOptions, PendingLogin,
    ValidatedCallback,
};
use crate::core::options::{read, Spec};
use crate::core::secret::constant_time_eq;
use crate::core::session::{
    lock_name, Event, Origin, SessionSummary, TabMessage, TokenRefreshed, SIBLING_QUERY_MS,
};
use crate::core::WebUrl;

/// How long `loginPopup()` waits for the popup's answer by default: 5 minutes.
pub const DEFAULT_POPUP_TIMEOUT_S: u64 = 300;
/// How long `renewSilently()` waits for the hidden frame's answer by default: 10 seconds.
pub const DEFAULT_SILENT_TIMEOUT_S: u64 = 10;
/// The longest time-out accepted: the pending login's own lifetime, 10 minutes.
const MAX_TIMEOUT_S: u64 = 600;

fn default_timeout_s(silent: bool) -> u64 {
    if silent {
        DEFAULT_SILENT_TIMEOUT_S
    } else {
        DEFAULT_POPUP_TIMEOUT_S
    }
}

/// The options of `loginPopup()` and `renewSilently()`: `extraParams` and `returnTo` as for
/// `login()`, and `timeoutSeconds`.
#[derive(Debug)]
pub struct InPageOptions {
    /// The login options.
    pub login: LoginOptions,
    /// How long to wait for the answer, in ms.
    pub timeout_ms: u64,
}

impl InPageOptions {
    /// No options: the default time-out of a popup login, or of a silent renewal (`silent`).
    pub fn defaults(silent: bool) -> InPageOptions {
        InPageOptions {
            login: LoginOptions::default(),
            timeout_ms: default_timeout_s(silent) * 1000,
        }
    }

    /// Reads the options object (`null` for none); `silent` picks the default time-out.
    pub fn from_json(value: &Value, silent: bool) -> Result<InPageOptions, ConfigError> {
        let default = default_timeout_s(silent);
        if value.is_null() {
            return Ok(InPageOptions::defaults(silent));
        }
        let what = if silent {
            "renewSilentlyOptions"
        } else {
            "loginPopupOptions"
        };
        let mut f = read(
            value,
            what,
            &["timeoutSeconds", "extraParams", "returnTo"],
            &[
                Spec::Range(1, MAX_TIMEOUT_S, "must be between 1 and 600"),
                Spec::StringMap,
                Spec::Str,
            ],
        )?;
        let timeout = f.number().unwrap_or(default);
        Ok(InPageOptions {
            login: LoginOptions {
                extra_params: f.string_map(),
                return_to: f.string(),
            },
            timeout_ms: timeout * 1000,
        })
    }
}

/// A login in progress in a popup or a hidden frame: its verifier, state and nonce, held in
/// the opener's memory only. Holds secrets, so it has no `Debug`; used once.
pub struct InPageLogin {
    pending: PendingLogin,
    /// `prompt=none`: the server's `login_required` and `interaction_required` get their own
    /// codes, and the new ID token must name the session's subject.
    silent: Option<Option<String>>,
}

impl InPageLogin {
    /// Whether this is a silent renewal (hidden frame, `prompt=none`).
    pub fn is_silent(&self) -> bool {
        self.silent.is_some()
    }
}

impl<P: Platform> Client<P> {
    /// Starts a popup login (`silent: false`) or a silent renewal (`silent: true`): a fresh
    /// verifier, state and nonce, kept in the returned [`InPageLogin`] (not in storage), and
    /// the authorization URL to open in the popup or the hidden frame. A silent renewal asks
    /// for `prompt=none` (OIDC Core §3.1.2.1: the server must not show anything, it answers at
    /// once, whatever `prompt` was configured) and, when the session has a verified ID token,
    /// must name the same subject.
    pub async fn start_in_page_login(
        &self,
        mut options: LoginOptions,
        silent: bool,
    ) -> Result<(InPageLogin, WebUrl), Error> {
        let silent = self.silent_request(&mut options, silent);
        let (pending, url) = self.prepare_login(options).await?;
        Ok((InPageLogin { pending, silent }, url))
    }

    /// For a silent renewal (`silent`), `prompt=none` in `options` (in place of any `prompt`)
    /// and the subject the new ID token must name; `None` for a popup login. A plain function:
    /// no part of the state machine (size).
    #[inline(never)]
    fn silent_request(&self, options: &mut LoginOptions, silent: bool) -> Option<Option<String>> {
        if !silent {
            return None;
        }
        options.extra_params.retain(|(k, _)| k != "prompt");
        options
            .extra_params
            .push(("prompt".to_string(), "none".to_string()));
        Some(
            self.stored_session()
                .and_then(|s| s.id_token_claims)
                .and_then(|c| c.sub().map(str::to_string)),
        )
    }

    /// Finishes a popup or silent login with the callback its redirect page relayed
    /// ([`read_relay_message`](crate::core::read_relay_message)): the checks of [`Client::handle_callback`],
    /// the exchange, the ID token, the session. A failure leaves any session as it was.
    ///
    /// For a silent renewal the server's `login_required` is `login_required` (the user must
    /// sign in interactively; the session is kept until it expires), `interaction_required`,
    /// `consent_required` and `account_selection_required` are `interaction_required`, and an
    /// ID token naming another subject than the session's is `id_token_sub_mismatch`.
    pub async fn finish_in_page_login(
        &self,
        login: InPageLogin,
        relayed: Result<CallbackParams, CallbackError>,
    ) -> Result<SessionSummary, Error> {
        // The checks and the renewal's bookkeeping are plain functions around the one await
        // (`redeem`, for both kinds): only the pending login and the subject are held (size).
        let (validated, before) = self.accept_relayed(&login, relayed)?;
        let InPageLogin { pending, silent } = login;
        let summary = self
            .redeem(
                validated,
                pending,
                silent.as_ref().and_then(Option::as_deref),
            )
            .await?;
        match silent {
            Some(_) => self.renewed(before, summary),
            None => Ok(summary),
        }
    }

    /// The relayed callback of `login`, validated as `handleCallback()` validates one (for a
    /// silent renewal, the server's answers that need the user get their own codes), and the
    /// refresh count of the session a silent renewal continues (0 for a popup login).
    #[inline(never)]
    fn accept_relayed(
        &self,
        login: &InPageLogin,
        relayed: Result<CallbackParams, CallbackError>,
    ) -> Result<(ValidatedCallback, u32), Error> {
        let validated = relayed.and_then(|params| {
            validate_callback(
                params,
                Some(&login.pending),
                self.config.authorization_server(),
                self.platform.now_ms(),
                self.issuer_check(),
            )
        });
        let validated = validated.map_err(|e| match e {
            CallbackError::Authorization { error, description } if login.is_silent() => {
                silent_error(&error).unwrap_or(Error::Callback(CallbackError::Authorization {
                    error,
                    description,
                }))
            }
            e => e.into(),
        })?;
        let before = match login.is_silent() {
            true => self.stored_session().map_or(0, |s| s.refresh_count),
            false => 0,
        };
        Ok((validated, before))
    }

    /// After a silent renewal redeemed its code: the renewal continues the session, so its
    /// count goes on from `before` and the app hears of the new token as of a refresh
    /// (`tokenRefreshed`).
    #[inline(never)]
    fn renewed(&self, before: u32, summary: SessionSummary) -> Result<SessionSummary, Error> {
        let Some(mut session) = self.stored_session() else {
            return Ok(summary);
        };
        let now = self.platform.now_ms();
        session.refresh_count = before.saturating_add(1);
        session.last_refresh_at = Some(now);
        self.save_session(&session)?;
        self.push_event(Event::TokenRefreshed(TokenRefreshed {
            expires_at: session.expires_at,
            refresh_count: session.refresh_count,
            last_refresh_at: now,
            rotated: false,
            origin: Origin::ThisTab,
        }));
        let mut summary = session.summary();
        summary.return_to = None;
        Ok(summary)
    }

    /// A popup login (`silent: false`) or a silent renewal (`renewSilently()`, `silent: true`):
    /// one flow for both (size). `drive` opens the authorization URL in the popup or a hidden
    /// frame and answers with what its redirect page relayed.
    ///
    /// A silent renewal is shared with the sibling tabs as a refresh is. A session with no
    /// refresh token (the reason to renew silently) names its family by its access token, and
    /// a duplicated tab holds the same one, so siblings share the family's lock and channel key
    /// (`session::tabs`). So, as [`Client::refresh`] does:
    ///
    /// 1. take the family's lock: siblings whose lifecycle renews at the same moment renew one
    ///    at a time;
    /// 2. if the session was replaced while waiting (a sibling renewed and shared it), stop:
    ///    no frame, no request, the current session's summary;
    /// 3. ask the siblings whether one holds a newer generation, and wait briefly
    ///    ([`SIBLING_QUERY_MS`]);
    /// 4. renew in the frame; a logout or a new login meanwhile wins (nothing is redeemed);
    ///    the new session's lineage starts with the old family (its key kept), and it is
    ///    posted to the siblings sealed under the old family's key, which they hold. They
    ///    adopt it after verifying its ID token again ([`Client::receive_tab_message`]).
    ///
    /// A popup login, or a silent one with no session, is a plain login: no lock, nothing
    /// shared.
    pub async fn in_page_login(
        &self,
        options: LoginOptions,
        silent: bool,
        drive: impl AsyncFnOnce(&WebUrl) -> Result<Result<CallbackParams, CallbackError>, Error>,
    ) -> Result<SessionSummary, Error> {
        let start = match silent {
            true => self.stored_session(),
            false => None,
        };
        // The renewed session's family, its key and its lock, held to the end.
        let mut shared = None;
        if let Some(start) = &start {
            let (family, key) = self.own_family(start).await?;
            let lock = self
                .platform
                .lock(&lock_name(&self.config.client_id, &family))
                .await;
            if self.superseded(start)? {
                return self.current_summary();
            }
            let query = TabMessage::Query {
                family: family.clone(),
            };
            if self.post(&family, &key, &query).await {
                self.platform.sleep(SIBLING_QUERY_MS).await;
                if self.superseded(start)? {
                    return self.current_summary();
                }
            }
            shared = Some((family, key, lock));
        }
        // The steps of `start_in_page_login` and `finish_in_page_login`, here rather than
        // through their futures: one flat state machine (size).
        let mut options = options;
        let subject = self.silent_request(&mut options, silent);
        let (pending, url) = self.prepare_login(options).await?;
        let login = InPageLogin {
            pending,
            silent: subject,
        };
        let relayed = drive(&url).await?;
        if let Some(start) = &start {
            if self.superseded(start)? {
                return self.current_summary();
            }
        }
        let (validated, before) = self.accept_relayed(&login, relayed)?;
        let InPageLogin { pending, silent } = login;
        let same_sub = silent.as_ref().and_then(Option::as_deref);
        let summary = self.redeem(validated, pending, same_sub).await?;
        let summary = match silent {
            Some(_) => self.renewed(before, summary)?,
            None => summary,
        };
        if let (Some(start), Some((family, key, _lock))) = (&start, &shared) {
            if let Some(mut next) = self.stored_session() {
                let own = self.family_of(&next).await?;
                next.descends_from(start, &own, family, key.clone());
                self.save_session(&next)?;
                self.share(next, own, family, key).await;
            }
        }
        Ok(summary)
    }

    /// A silent renewal (`renewSilently()`): [`Client::in_page_login`] with `silent: true`.
    pub async fn renew_silently(
        &self,
        options: LoginOptions,
        drive: impl AsyncFnOnce(&WebUrl) -> Result<Result<CallbackParams, CallbackError>, Error>,
    ) -> Result<SessionSummary, Error> {
        self.in_page_login(options, true, drive).await
    }

    /// The stored session's summary, for a renewal that found the session replaced (by a
    /// sibling's renewal, or a new login); `login_required` when it is gone.
    #[inline(never)]
    fn current_summary(&self) -> Result<SessionSummary, Error> {
        self.stored_session()
            .map(|s| s.summary())
            .ok_or(Error::LoginRequired("the session ended during the renewal"))
    }

    /// Whether the callback at `url` is not this tab's to redeem: it is an authorization
    /// response, and this tab has no pending login with its `state`. A redirect page opened as
    /// a popup or in a frame then relays it to its opener or parent; a page that started a
    /// redirect login itself handles it.
    pub fn relays_callback(&self, url: &WebUrl) -> bool {
        if !is_callback(url) {
            return false;
        }
        let pending = self
            .pending
            .get(&self.key(PENDING_KEY))
            .ok()
            .flatten()
            .and_then(|raw| PendingLogin::from_json(&raw));
        match (pending, callback_state(url)) {
            (Some(p), Some(state)) => {
                !constant_time_eq(p.state.secret().as_bytes(), state.as_bytes())
            }
            _ => true,
        }
    }
}

/// The codes a `prompt=none` request answers with when the user is needed (OIDC Core
/// §3.1.2.6).
fn silent_error(error: &str) -> Option<Error> {
    match error {
        "login_required" => Some(Error::LoginRequired(
            "the authorization server needs the user to sign in (prompt=none)",
        )),
        "interaction_required" | "consent_required" | "account_selection_required" => {
            Some(PopupError::InteractionRequired.into())
        }
        _ => None,
    }
}
