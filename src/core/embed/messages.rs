//! The bridge's wire schema. Every message is a plain object; the browser layer hands its
//! `JSON.stringify` text here, at most [`MAX_BRIDGE_MESSAGE_LEN`] bytes, and everything that is not
//! exactly one of the shapes below is [`DropReason`] and counted in [`BridgeStats`], never
//! thrown.
//!
//! The library's own messages carry `"pixie": "`[`BRIDGE_PROTOCOL`]`"`:
//!
//! | from  | `type`     | members                                               |
//! |-------|------------|-------------------------------------------------------|
//! | frame | `ready`    | the handshake; the host answers `ack`                 |
//! | frame | `token`    | `id` (integer): asks for an access token; `refresh: true` after a 401 |
//! | host  | `ack`      | the handshake's answer                                |
//! | host  | `token`    | `id` (the request's, or `null` when pushed after a refresh), `accessToken`, `expiresAt` (ms or `null`) |
//! | host  | `error`    | `id`, `code` (`login_required`)                        |
//! | host  | `loggedOut`| the host's session ended                              |
//!
//! The `token` answer is the only message that carries a token, and it carries the access
//! token only: never the refresh token or the ID token.
//!
//! A frame's other messages are the app's events (`{ type: "queue-position", position: 3 }`,
//! Genesys' `genesys-cloud-embed:session-start`...): a plain object whose `type` is a short
//! name ([`app_event_type_ok`]), re-emitted to the host app's `bridge.on(type)` handlers as
//! the parsed copy (no functions, getters or prototypes survive the JSON text).

use crate::core::json::{self, Object, ObjectWriter, Value};
use crate::core::AccessToken;

/// The value of the `pixie` member that marks the library's own messages (version 1).
pub const BRIDGE_PROTOCOL: &str = "bridge/1";
/// The largest message accepted, as JSON text (16 KiB): a bigger one is dropped unread.
pub const MAX_BRIDGE_MESSAGE_LEN: usize = 16 * 1024;
/// The largest integer a JavaScript number holds exactly (`Number.MAX_SAFE_INTEGER`).
const MAX_SAFE_INTEGER: u64 = (1 << 53) - 1;
/// The longest `type` of an app event.
pub const MAX_EVENT_TYPE_LEN: usize = 64;

/// A message from the frame to the host.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FrameMessage {
    /// The handshake.
    Ready,
    /// A token request: its `id`, and whether the frame's token was refused (401), so the
    /// host refreshes first.
    TokenRequest {
        /// The request's id, echoed in the answer.
        id: u64,
        /// True after the API refused the token the frame holds.
        refresh: bool,
    },
    /// An app event: its `type` and the whole object (the parsed copy).
    AppEvent {
        /// The `type` member.
        kind: String,
        /// The message, as a JSON object.
        value: Value,
    },
}

/// A message from the host to the frame. Holds a token: no `Debug`.
pub enum HostMessage {
    /// The handshake's answer.
    Ack,
    /// An access token: the answer to request `id`, or pushed (`None`) after a refresh.
    Token {
        /// The request answered; `None` when pushed.
        id: Option<u64>,
        /// The access token.
        token: AccessToken,
        /// When it expires, ms since the epoch (the host's browser clock), when known.
        expires_at: Option<u64>,
    },
    /// A refused request: its `id` and the error code (`login_required`).
    Error {
        /// The request answered.
        id: Option<u64>,
        /// The code the frame's call rejects with.
        code: String,
    },
    /// The host's session ended (logout, or it expired).
    LoggedOut,
}

/// Why a message was dropped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DropReason {
    /// Made by a script (`event.isTrusted` false): its `origin` and `source` are whatever
    /// the script wrote.
    Untrusted,
    /// From another window than the one the bridge talks to.
    Source,
    /// From the right window, but another origin (the frame navigated elsewhere).
    Origin,
    /// Not one of the accepted shapes: not a plain object, too large, no valid `type`,
    /// unknown library message, bad members.
    Invalid,
}

/// What a bridge received: accepted messages and the dropped ones by reason. Counters only:
/// a dropped message is never kept or echoed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct BridgeStats {
    /// Messages accepted.
    pub accepted: u32,
    /// Dropped: made by a script.
    pub untrusted: u32,
    /// Dropped: another window.
    pub source: u32,
    /// Dropped: the right window at another origin.
    pub origin: u32,
    /// Dropped: not a valid message.
    pub invalid: u32,
}

impl BridgeStats {
    /// Counts a dropped message.
    pub fn drop(&mut self, why: DropReason) {
        let n = match why {
            DropReason::Untrusted => &mut self.untrusted,
            DropReason::Source => &mut self.source,
            DropReason::Origin => &mut self.origin,
            DropReason::Invalid => &mut self.invalid,
        };
        *n = n.saturating_add(1);
    }

    /// Counts an accepted message.
    pub fn accept(&mut self) {
        self.accepted = self.accepted.saturating_add(1);
    }

    /// All dropped messages.
    pub fn dropped(&self) -> u32 {
        self.untrusted
            .saturating_add(self.source)
            .saturating_add(self.origin)
            .saturating_add(self.invalid)
    }

    /// `{ accepted, dropped, droppedBy: { untrusted, source, origin, invalid } }`, for
    /// `stats()`.
    pub fn to_value(&self) -> Value {
        let mut by = Object::new();
        for (k, v) in [
            ("untrusted", self.untrusted),
            ("source", self.source),
            ("origin", self.origin),
            ("invalid", self.invalid),
        ] {
            by.insert(k.into(), u64::from(v).into());
        }
        let mut o = Object::new();
        o.insert("accepted".into(), u64::from(self.accepted).into());
        o.insert("dropped".into(), u64::from(self.dropped()).into());
        o.insert("droppedBy".into(), by.into());
        o.into()
    }
}

/// Whether `kind` may be an app event's `type`: 1 to [`MAX_EVENT_TYPE_LEN`] characters, ASCII
/// letters, digits, `-`, `_`, `.` and `:` (`genesys-cloud-embed:queue-position`).
pub fn app_event_type_ok(kind: &str) -> bool {
    !kind.is_empty()
        && kind.len() <= MAX_EVENT_TYPE_LEN
        && kind
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b':'))
}

/// The message object, when `text` is a JSON object of at most [`MAX_BRIDGE_MESSAGE_LEN`] bytes.
fn object(text: &str) -> Result<Object, DropReason> {
    json::parse_limited(text, MAX_BRIDGE_MESSAGE_LEN)
        .ok()
        .and_then(Value::into_object)
        .ok_or(DropReason::Invalid)
}

/// Whether `o` is one of the library's messages; `Err` when it has a `pixie` member that is
/// not [`BRIDGE_PROTOCOL`].
fn is_ours(o: &Object) -> Result<bool, DropReason> {
    match o.get("pixie") {
        None => Ok(false),
        Some(v) if v.as_str() == Some(BRIDGE_PROTOCOL) => Ok(true),
        Some(_) => Err(DropReason::Invalid),
    }
}

/// Only the members `allowed` (and `pixie`, `type`) may be present.
fn only(o: &Object, allowed: &[&str]) -> Result<(), DropReason> {
    let ok = o
        .iter()
        .all(|(k, _)| k == "pixie" || k == "type" || allowed.contains(&k.as_str()));
    ok.then_some(()).ok_or(DropReason::Invalid)
}

fn id_of(o: &Object) -> Result<Option<u64>, DropReason> {
    match o.get("id") {
        None => Ok(None),
        Some(Value::Null) => Ok(None),
        Some(v) => v.as_u64().map(Some).ok_or(DropReason::Invalid),
    }
}

impl FrameMessage {
    /// Reads a frame's message (its JSON text).
    pub fn parse(text: &str) -> Result<FrameMessage, DropReason> {
        let o = object(text)?;
        let kind = o
            .get("type")
            .and_then(Value::as_str)
            .ok_or(DropReason::Invalid)?;
        if !is_ours(&o)? {
            if !app_event_type_ok(kind) {
                return Err(DropReason::Invalid);
            }
            return Ok(FrameMessage::AppEvent {
                kind: kind.to_string(),
                value: o.into(),
            });
        }
        match kind {
            "ready" => only(&o, &[]).map(|_| FrameMessage::Ready),
            "token" => {
                only(&o, &["id", "refresh"])?;
                let id = id_of(&o)?.ok_or(DropReason::Invalid)?;
                let refresh = match o.get("refresh") {
                    None => false,
                    Some(v) => v.as_bool().ok_or(DropReason::Invalid)?,
                };
                Ok(FrameMessage::TokenRequest { id, refresh })
            }
            _ => Err(DropReason::Invalid),
        }
    }

    /// The library's messages as JSON text (what the frame posts); `None` for an app event,
    /// which is posted as the app's object ([`FrameMessage::AppEvent`]'s `value`).
    pub fn to_json(&self) -> Option<String> {
        let (id, refresh) = match self {
            FrameMessage::Ready => (None, false),
            FrameMessage::TokenRequest { id, refresh } => (Some(*id), *refresh),
            FrameMessage::AppEvent { .. } => return None,
        };
        let mut out = String::new();
        let mut o = ours(&mut out, if id.is_some() { "token" } else { "ready" });
        if let Some(id) = id {
            o.u64("id", id);
        }
        if refresh {
            o.bool("refresh", true);
        }
        o.finish();
        Some(out)
    }
}

/// `{ "pixie": "bridge/1", "type": kind` written to `out`, the rest to follow.
fn ours<'a>(out: &'a mut String, kind: &str) -> ObjectWriter<'a> {
    let mut o = ObjectWriter::new(out);
    o.string("pixie", BRIDGE_PROTOCOL).string("type", kind);
    o
}

/// An `id` or `expiresAt` member: the number, or `null`.
fn opt(o: &mut ObjectWriter<'_>, key: &str, n: Option<u64>) {
    match n {
        Some(n) => o.u64(key, n),
        None => o.null(key),
    };
}

impl HostMessage {
    /// Reads a host's message (its JSON text). Anything but the library's messages is
    /// invalid: the host has no app events for the frame.
    pub fn parse(text: &str) -> Result<HostMessage, DropReason> {
        let o = object(text)?;
        if !is_ours(&o)? {
            return Err(DropReason::Invalid);
        }
        let kind = o.get("type").and_then(Value::as_str);
        match kind {
            Some("ack") => only(&o, &[]).map(|_| HostMessage::Ack),
            Some("loggedOut") => only(&o, &[]).map(|_| HostMessage::LoggedOut),
            Some("token") => {
                only(&o, &["id", "accessToken", "expiresAt"])?;
                let token = o
                    .get("accessToken")
                    .and_then(Value::as_str)
                    .filter(|t| !t.is_empty())
                    .ok_or(DropReason::Invalid)?;
                let expires_at = match o.get("expiresAt") {
                    None | Some(Value::Null) => None,
                    Some(v) => Some(v.as_u64().ok_or(DropReason::Invalid)?),
                };
                Ok(HostMessage::Token {
                    id: id_of(&o)?,
                    token: AccessToken::new(token),
                    expires_at,
                })
            }
            Some("error") => {
                only(&o, &["id", "code"])?;
                let code = o
                    .get("code")
                    .and_then(Value::as_str)
                    .filter(|c| app_event_type_ok(c))
                    .ok_or(DropReason::Invalid)?;
                Ok(HostMessage::Error {
                    id: id_of(&o)?,
                    code: code.to_string(),
                })
            }
            _ => Err(DropReason::Invalid),
        }
    }

    /// The message as JSON text (what the host posts); `None` when a number is past
    /// 2^53 - 1, which a JavaScript number cannot hold exactly (such a message is not sent).
    pub fn to_json(&self) -> Option<String> {
        let mut out = String::new();
        let (kind, id, expires_at) = match self {
            HostMessage::Ack => ("ack", None, None),
            HostMessage::LoggedOut => ("loggedOut", None, None),
            HostMessage::Token { id, expires_at, .. } => ("token", *id, *expires_at),
            HostMessage::Error { id, .. } => ("error", *id, None),
        };
        if id.max(expires_at) > Some(MAX_SAFE_INTEGER) {
            return None;
        }
        let mut o = ours(&mut out, kind);
        match self {
            HostMessage::Ack | HostMessage::LoggedOut => {}
            HostMessage::Token { token, .. } => {
                opt(&mut o, "id", id);
                o.string("accessToken", token.secret());
                opt(&mut o, "expiresAt", expires_at);
            }
            HostMessage::Error { code, .. } => {
                opt(&mut o, "id", id);
                o.string("code", code);
            }
        }
        o.finish();
        Some(out)
    }
}
