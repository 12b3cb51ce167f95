//! The bridge's decisions: what the host answers a token request with, when the frame asks
//! again, and where the frame's `callApi` may send its token.

use crate::core::{AccessToken, Error, WebUrl, EXPIRY_MARGIN_MS};

/// The host's default margin: a token expiring within 60 s is refreshed before it is handed
/// over, so the embedded app does not get a token that dies during its start-up.
pub const HOST_MARGIN_DEFAULT_MS: u64 = 60_000;
/// The frame asks again when its token has less than this left (30 s).
pub const FRAME_MIN_VALIDITY_DEFAULT_MS: u64 = 30_000;
/// How long the frame waits for the host's answer before `host_unavailable` (10 s).
pub const BRIDGE_TIMEOUT_DEFAULT_MS: u64 = 10_000;

/// Whether a frame's reported 401 may make the host refresh its current token (the one
/// received at `current`): only when that is the token the frame was last handed (`served`:
/// if the host has a newer one, the frame's 401 was for an older token, and the newer one is
/// answered as it is), and at most once per token (`forced`: the token a frame's 401 last
/// refreshed). Bounds the refreshes a frame can cause to one per token.
pub fn forced_refresh_allowed(current: u64, served: Option<u64>, forced: Option<u64>) -> bool {
    served == Some(current) && forced != Some(current)
}

/// What the host does with a token request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HostStep {
    /// Answer with the session's access token now.
    Answer,
    /// Refresh first (the token expires within the margin, or the frame's was refused),
    /// then decide again with `refreshed: true`.
    RefreshFirst,
    /// Answer `login_required`: there is no session, or its token is dead and cannot be
    /// renewed.
    LoginRequired,
}

/// The host's answer policy. `expires_at` is the session's (`None`: there is no session;
/// `Some(None)`: a session whose expiry is unknown), `can_refresh` whether it holds a refresh
/// token, `forced` whether the frame reported a refused token, `refreshed` whether a refresh
/// was just tried (then the token is answered as long as it is fresh at all, even within the
/// margin: a server issuing tokens shorter than the margin must not loop).
pub fn host_token_step(
    expires_at: Option<Option<u64>>,
    now_ms: u64,
    margin_ms: u64,
    can_refresh: bool,
    forced: bool,
    refreshed: bool,
) -> HostStep {
    let Some(expires_at) = expires_at else {
        return HostStep::LoginRequired;
    };
    let fresh = expires_at.is_none_or(|e| now_ms.saturating_add(EXPIRY_MARGIN_MS) < e);
    if refreshed {
        return if fresh {
            HostStep::Answer
        } else {
            HostStep::LoginRequired
        };
    }
    let within_margin = expires_at.is_some_and(|e| now_ms.saturating_add(margin_ms) >= e);
    match (forced || within_margin, can_refresh, fresh) {
        (true, true, _) => HostStep::RefreshFirst,
        (_, _, true) => HostStep::Answer,
        _ => HostStep::LoginRequired,
    }
}

/// The frame's token, in memory only. Holds a token: no `Debug`.
pub struct FrameToken {
    /// The access token the host handed over.
    pub token: AccessToken,
    /// When it expires (ms since the epoch, the host's clock), when known.
    pub expires_at: Option<u64>,
}

impl FrameToken {
    /// Whether it is good for at least `min_validity_ms` more: otherwise the frame asks the
    /// host again. A token of unknown expiry is kept until the API refuses it.
    pub fn usable(&self, now_ms: u64, min_validity_ms: u64) -> bool {
        self.expires_at
            .is_none_or(|e| now_ms.saturating_add(min_validity_ms) < e)
    }

    /// Whether it is still fresh at all (`isAuthenticated()`).
    pub fn fresh(&self, now_ms: u64) -> bool {
        self.usable(now_ms, EXPIRY_MARGIN_MS)
    }
}

/// Resolves the frame's `callApi` target under its `apiBase`, as the client does
/// ([`WebUrl::resolve_under`]): the token goes nowhere else (`invalid_api_url`). Without an
/// `apiBase` every call is refused.
pub fn hosted_api_url(base: Option<&WebUrl>, path_or_url: &str) -> Result<String, Error> {
    base.ok_or(Error::InvalidApiUrl)?
        .resolve_under(path_or_url)
        .map(WebUrl::into_string)
        .map_err(|_| Error::InvalidApiUrl)
}
