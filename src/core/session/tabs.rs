//! Many tabs, one refresh-token family.
//!
//! sessionStorage is per tab, but a duplicated tab starts with a copy of it, refresh token
//! included. With rotation (RFC 9700 §4.14.2) only the first tab to present that token gets a
//! new one; a sibling presenting the old one gets `invalid_grant` (oidc-client-ts #430), and a
//! server with reuse detection may revoke the whole family. So:
//!
//! - tabs refresh one at a time per family, under a Web Lock named after the family
//!   ([`lock_name`]: a hash of the refresh token, never the token);
//! - the tab that refreshed posts the new session on a BroadcastChannel ([`channel_name`]);
//!   a tab adopts it only if it still holds one of the replaced tokens (the message's
//!   `families`, the session's lineage), so an unrelated login in another tab is untouched;
//! - inside the lock a tab first checks whether its token was replaced meanwhile, then asks
//!   the siblings ([`TabMessage::Query`]) and waits briefly for an answer, which covers a
//!   message that arrives after the lock and a tab that was frozen or discarded while a sibling
//!   rotated;
//! - logout is posted too, and ends the session in every tab of the family.
//!
//! # The channel is not a trust boundary
//!
//! A BroadcastChannel reaches every document of the origin: other tabs, iframes, and any
//! other app or script served from the same origin, whether or not it is a sibling. So every
//! message is sealed: AES-256-GCM (NIST SP 800-38D) under the key of one family, which only
//! a holder of that family's current token can derive ([`channel_key_input`]). A listener
//! without the token reads nothing and cannot forge, alter, re-route or replay a message:
//!
//! - **key**: SHA-256 over `00 00 00 01 || token || "pixie-auth tab channel v1"`, the one-step
//!   key derivation of NIST SP 800-56C Rev. 2 §4.1 (option 1, one block) with the token as the
//!   shared secret and the label as its fixed info. The token is a secret of at least 128 bits
//!   from the server, so one hash extracts a uniform key (HKDF's extract-then-expand would add
//!   an HMAC keyed with a public salt and nothing else); and it reuses the `digest` the family
//!   id already needs, where HKDF in WebCrypto takes an import and a `deriveBits` more. The
//!   label keeps the key apart from the family id, which is a hash of the token alone and is
//!   public (lock names). The token is the refresh token, or the access token of a session
//!   without one: whatever names the family ([`family_id`]). A duplicated tab holds the same
//!   access token, so siblings share such a session's family too: a silent renewal (which
//!   such a session relies on) runs under the family's lock and is shared like a refresh,
//!   the old family put in the new session's lineage (`Client::renew_silently`);
//! - **rotation re-keys**: the family of a rotated refresh token is a new family with a new
//!   key. The `refreshed` message announcing a rotation is sealed under the *replaced*
//!   family's key, which the siblings still hold; a tab that adopted it then uses the new key.
//!   A session keeps the keys of its lineage ([`crate::core::Session::lineage_keys`]), so it
//!   can answer the query of a tab that comes back several rotations behind, and end it at
//!   logout;
//! - **routing data is authenticated**: the clear header (version, kind, family, time) and the
//!   client id are the cipher's additional data, so a message cannot be moved to another
//!   family, kind or client, nor its time changed;
//! - **replays**: the receiver refuses a message more than [`MESSAGE_WINDOW_MS`] from its own
//!   clock (tabs of one browser share the system clock), and one whose tag is among the last
//!   64 it opened or posted ([`Envelope::id`]; a family posts a few messages per refresh, so
//!   that covers the window);
//! - a message that is malformed, stale, replayed or does not open is dropped silently
//!   ([`Received::Dropped`]): never thrown, never logged, its content never read.
//!
//! Beyond the cipher, a session a sibling shares is checked like one from the server: its ID
//! token is verified again (signature and claims, OIDC Core §12.2 against this tab's own
//! login) and its claims are recomputed from it, never taken from the message.
//!
//! What this does not protect against: a script that can read this origin's sessionStorage
//! reads the refresh token, and with it the key (same origin, same trust); a holder of an
//! *old* refresh token of the family (within its lineage of [`crate::core::LINEAGE_LEN`]
//! generations) can ask for the current session, which is what lets a tab that was frozen
//! catch up; and anyone on the channel sees that messages pass, their kind, family id (a hash)
//! and size. `shareAcrossTabs: false` opens no channel at all.
//!
//! # Wire format
//!
//! One text message per post: `p1.<kind>.<family>.<sentAt>.<sealed>`, where `kind` is
//! `refreshed`, `loggedOut` or `query`, `family` the family id whose key sealed it, `sentAt`
//! the sender's clock in ms since the Unix epoch (decimal), and `sealed` the base64url (no
//! padding) of the 96-bit random IV, the ciphertext, and the 128-bit tag. The plaintext is the
//! [`TabMessage`] as JSON; the additional data is the header (the text up to the last dot),
//! a line feed, and the client id.

use super::record::Session;
use crate::core::b64::{decode_url, encode_url};
use crate::core::json::{self, push_u64, Object, Value};

/// Characters of base64url kept from the SHA-256 of a token: 22 characters, 132 bits.
pub const FAMILY_ID_LEN: usize = 22;

/// How long a tab waits, inside the refresh lock, for a sibling to answer its
/// [`TabMessage::Query`].
pub const SIBLING_QUERY_MS: u64 = 150;

/// How far a message's `sentAt` may lie from the receiver's clock, either way: one minute.
/// Messages between live tabs arrive within milliseconds; a message held back longer (a tab
/// frozen in the background) is refused, and the tab asks again when it needs to
/// ([`TabMessage::Query`]).
pub const MESSAGE_WINDOW_MS: u64 = 60_000;

/// The version tag that starts every message.
pub const WIRE_VERSION: &str = "p1";

/// The fixed info of the channel key derivation: names its purpose and version.
pub const CHANNEL_KEY_LABEL: &str = "pixie-auth tab channel v1";

/// The longest message read from the channel, in characters (a session carried in a
/// `refreshed` message is at most 64 KiB, as stored).
pub const MAX_MESSAGE_LEN: usize = 96 * 1024;

/// The AES-GCM IV length: 96 bits, random per message.
pub const IV_LEN: usize = 12;

/// The AES-GCM tag length: 128 bits.
pub const TAG_LEN: usize = 16;

/// The family id of a token, from its SHA-256 digest: base64url, truncated. Names the lock
/// and tags messages; the token itself never leaves storage this way.
pub fn family_id(sha256_of_token: &[u8; 32]) -> String {
    let mut id = encode_url(sha256_of_token);
    id.truncate(FAMILY_ID_LEN);
    id
}

/// What SHA-256 is taken of to make the channel key of the family of `token`:
/// `00 00 00 01 || token || CHANNEL_KEY_LABEL` (NIST SP 800-56C Rev. 2 §4.1, option 1). The
/// result holds the token: hash it, then drop it.
pub fn channel_key_input(token: &str) -> Vec<u8> {
    let mut input = Vec::with_capacity(4 + token.len() + CHANNEL_KEY_LABEL.len());
    input.extend_from_slice(&[0, 0, 0, 1]);
    input.extend_from_slice(token.as_bytes());
    input.extend_from_slice(CHANNEL_KEY_LABEL.as_bytes());
    input
}

/// The BroadcastChannel of a client id's tabs.
pub fn channel_name(client_id: &str) -> String {
    let mut name = String::from("pixie:");
    name.push_str(client_id);
    name
}

/// The Web Lock that serializes refreshes of one refresh-token family.
pub fn lock_name(client_id: &str, family: &str) -> String {
    let mut name = channel_name(client_id);
    name.push_str(":refresh:");
    name.push_str(family);
    name
}

/// The kind of a [`TabMessage`], in clear in its header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MessageKind {
    /// [`TabMessage::Refreshed`].
    Refreshed,
    /// [`TabMessage::LoggedOut`].
    LoggedOut,
    /// [`TabMessage::Query`].
    Query,
}

impl MessageKind {
    /// The name on the wire and in the JSON: `refreshed`, `loggedOut`, `query`.
    pub fn as_str(self) -> &'static str {
        match self {
            MessageKind::Refreshed => "refreshed",
            MessageKind::LoggedOut => "loggedOut",
            MessageKind::Query => "query",
        }
    }

    fn from_name(name: &str) -> Option<MessageKind> {
        match name {
            "refreshed" => Some(MessageKind::Refreshed),
            "loggedOut" => Some(MessageKind::LoggedOut),
            "query" => Some(MessageKind::Query),
            _ => None,
        }
    }
}

/// A message between sibling tabs, as JSON text: `{"refreshed":{...}}`, `{"loggedOut":{...}}`
/// or `{"query":{...}}`; on the channel always sealed in an [`Envelope`]. Holds tokens (in
/// `Refreshed`): no `Debug`.
pub enum TabMessage {
    /// A tab refreshed (or answers a query): here is the current session. `families` are the
    /// family ids of its token and of the refresh tokens it replaced (its lineage, newest
    /// first).
    Refreshed {
        /// The session's family, then the replaced ones: a tab holding one of these adopts
        /// `session`.
        families: Vec<String>,
        /// The new session (boxed: it is by far the largest variant). Its `idTokenClaims`
        /// are never trusted: the receiver verifies the ID token again and recomputes them.
        session: Box<Session>,
    },
    /// A tab logged out; `families` are the families it ends.
    LoggedOut {
        /// A tab whose current family or lineage meets these ends its session.
        families: Vec<String>,
    },
    /// A tab about to refresh asks whether a sibling already replaced `family`.
    Query {
        /// The family about to be refreshed.
        family: String,
    },
}

impl TabMessage {
    /// The message's kind.
    pub fn kind(&self) -> MessageKind {
        match self {
            TabMessage::Refreshed { .. } => MessageKind::Refreshed,
            TabMessage::LoggedOut { .. } => MessageKind::LoggedOut,
            TabMessage::Query { .. } => MessageKind::Query,
        }
    }

    /// The message as JSON text (the plaintext that is sealed).
    pub fn to_json(&self) -> String {
        let strings =
            |list: &[String]| Value::Array(list.iter().map(|f| f.as_str().into()).collect());
        let mut body = Object::new();
        match self {
            TabMessage::Refreshed { families, session } => {
                body.set("families", strings(families));
                body.set("session", session.to_value());
            }
            TabMessage::LoggedOut { families } => {
                body.set("families", strings(families));
            }
            TabMessage::Query { family } => {
                body.set("family", family.as_str().into());
            }
        }
        let mut message = Object::new();
        message.insert(self.kind().as_str().into(), body.into());
        Value::from(message).to_json()
    }

    /// Parses a message's JSON; `None` for anything else.
    pub fn parse(text: &str) -> Option<TabMessage> {
        let message = json::parse_object(text, MAX_MESSAGE_LEN)?;
        if message.len() != 1 {
            return None;
        }
        let (tag, body) = message.into_iter().next()?;
        let mut body = body.into_object()?;
        let families = |body: &Object| -> Option<Vec<String>> {
            body.get("families")?
                .as_array()?
                .iter()
                .map(|v| v.as_str().map(str::to_string))
                .collect()
        };
        match MessageKind::from_name(&tag)? {
            MessageKind::Refreshed => {
                let families = families(&body)?;
                let session = Session::from_value(body.remove("session")?.into_object()?)?;
                Some(TabMessage::Refreshed {
                    families,
                    session: Box::new(session),
                })
            }
            MessageKind::LoggedOut => Some(TabMessage::LoggedOut {
                families: families(&body)?,
            }),
            MessageKind::Query => Some(TabMessage::Query {
                family: body.get("family")?.as_str()?.to_string(),
            }),
        }
    }
}

/// A sealed message as it travels on the channel (see the module's wire format). Only its
/// header is readable; [`Envelope::sealed`] opens with the family's key alone.
pub struct Envelope {
    /// The kind, in clear (authenticated).
    pub kind: MessageKind,
    /// The family whose key sealed the message (authenticated).
    pub family: String,
    /// When it was sent, ms since the Unix epoch on the sender's clock (authenticated).
    pub sent_at: u64,
    /// The AES-GCM IV.
    pub iv: [u8; IV_LEN],
    /// The ciphertext with its tag.
    pub sealed: Vec<u8>,
}

impl Envelope {
    /// The clear header of a message: `p1.<kind>.<family>.<sentAt>`.
    pub fn header(kind: MessageKind, family: &str, sent_at: u64) -> String {
        let mut header = String::from(WIRE_VERSION);
        for part in [kind.as_str(), family] {
            header.push('.');
            header.push_str(part);
        }
        header.push('.');
        push_u64(&mut header, sent_at);
        header
    }

    /// The additional data a message is sealed with: its header, a line feed, the client id.
    pub fn additional_data(header: &str, client_id: &str) -> Vec<u8> {
        let mut aad = Vec::with_capacity(header.len() + 1 + client_id.len());
        aad.extend_from_slice(header.as_bytes());
        aad.push(b'\n');
        aad.extend_from_slice(client_id.as_bytes());
        aad
    }

    /// The wire text of a sealed message: the header, a dot, base64url of `iv || sealed`.
    pub fn wire(header: &str, iv: &[u8; IV_LEN], sealed: &[u8]) -> String {
        let mut body = Vec::with_capacity(IV_LEN + sealed.len());
        body.extend_from_slice(iv);
        body.extend_from_slice(sealed);
        let mut text = String::from(header);
        text.push('.');
        text.push_str(&encode_url(&body));
        text
    }

    /// Reads a message's envelope; `None` for anything that is not one (wrong version, kind
    /// or field, a body too short to hold an IV and a tag, too long a text).
    pub fn parse(text: &str) -> Option<Envelope> {
        if text.len() > MAX_MESSAGE_LEN {
            return None;
        }
        // `p1.<kind>.<family>.<sentAt>.<body>`: no field has a dot (the body is base64url).
        let mut fields = [""; 4];
        let mut rest = text.strip_prefix("p1.")?;
        for field in &mut fields {
            (*field, rest) = rest.split_once('.').unwrap_or((rest, ""));
        }
        let [kind, family, sent_at, body] = fields;
        // A dot after the body (`….<body>.`) leaves `rest` empty too: refused, so each message
        // has one spelling.
        if body.is_empty() || !rest.is_empty() || text.ends_with('.') {
            return None;
        }
        let bytes = decode_url(body)?;
        if bytes.len() < IV_LEN + TAG_LEN {
            return None;
        }
        let (iv, sealed) = bytes.split_first_chunk::<IV_LEN>()?;
        Some(Envelope {
            kind: MessageKind::from_name(kind)?,
            family: family.to_string(),
            // Only what the sender wrote opens: the header is rebuilt from these values for
            // the additional data, so another spelling of the same time does not.
            sent_at: json::parse_u64(sent_at)?,
            iv: *iv,
            sealed: sealed.to_vec(),
        })
    }

    /// The additional data this envelope must have been sealed with, for `client_id`.
    pub fn aad(&self, client_id: &str) -> Vec<u8> {
        Self::additional_data(
            &Self::header(self.kind, &self.family, self.sent_at),
            client_id,
        )
    }

    /// The message's identity for replay detection: its tag, which no one without the key
    /// can make and which differs for any other message.
    pub fn id(&self) -> [u8; TAG_LEN] {
        // An envelope from `parse` always holds a tag; one made by hand without one has the
        // id of zeros rather than a panic.
        self.sealed.last_chunk().copied().unwrap_or([0; TAG_LEN])
    }
}

/// Why a message from the channel was dropped (silently: never thrown, never logged).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dropped {
    /// Not a sealed message (another library's, a forgery in clear, a truncated text), or one
    /// whose opened content does not match its header.
    Malformed,
    /// Sent more than [`MESSAGE_WINDOW_MS`] away from this tab's clock.
    Stale,
    /// A message this tab already received.
    Replayed,
    /// Did not open under the family's key: forged, sealed under another key, altered, or
    /// moved to another kind, family or client (the additional data differs).
    Undecryptable,
    /// A shared session whose ID token failed verification (signature, issuer, audience,
    /// another user, expired...), or that lacks one where this tab has one.
    Unverified,
}

/// What became of a message from the channel ([`crate::core::Client::receive_tab_message`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Received {
    /// Opened and acted on: a session adopted, this tab logged out, or a query answered.
    Applied,
    /// Nothing to do: another family's message (no key for it here), an authentic message
    /// about an older generation, no session in this tab, or sharing turned off.
    Ignored,
    /// Refused, and why.
    Dropped(Dropped),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_ids() {
        let id = family_id(&[0xfb; 32]);
        assert_eq!(id.len(), FAMILY_ID_LEN);
        assert!(id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'));
        assert_ne!(family_id(&[1; 32]), family_id(&[2; 32]));
        assert_eq!(channel_name("demo"), "pixie:demo");
        assert_eq!(lock_name("demo", &id), format!("pixie:demo:refresh:{id}"));
    }

    #[test]
    fn messages_round_trip() {
        let m = TabMessage::Query { family: "f".into() };
        assert_eq!(m.to_json(), r#"{"query":{"family":"f"}}"#);
        assert_eq!(m.kind(), MessageKind::Query);
        assert!(matches!(
            TabMessage::parse(r#"{"loggedOut":{"families":["a","b"]}}"#),
            Some(TabMessage::LoggedOut { families }) if families == ["a", "b"]
        ));
        for junk in [
            "",
            "{}",
            r#"{"refreshed":{"families":[]}}"#,
            r#"{"hello":{}}"#,
            "[1]",
        ] {
            assert!(TabMessage::parse(junk).is_none(), "{junk}");
        }
    }

    #[test]
    fn the_key_input_is_counter_token_label() {
        let input = channel_key_input("RT-1");
        assert_eq!(input, b"\0\0\0\x01RT-1pixie-auth tab channel v1");
    }

    #[test]
    fn envelopes_round_trip_and_refuse_anything_else() {
        let family = family_id(&[7; 32]);
        let header = Envelope::header(MessageKind::LoggedOut, &family, 1_800_000_000_123);
        assert_eq!(header, format!("p1.loggedOut.{family}.1800000000123"));
        let sealed: Vec<u8> = (0..40).collect();
        let wire = Envelope::wire(&header, &[9; IV_LEN], &sealed);
        let e = Envelope::parse(&wire).unwrap();
        assert_eq!(
            (e.kind, e.family.as_str(), e.sent_at),
            (MessageKind::LoggedOut, family.as_str(), 1_800_000_000_123)
        );
        assert_eq!((e.iv, e.sealed.as_slice()), ([9; IV_LEN], &sealed[..]));
        assert_eq!(e.id()[..], sealed[40 - TAG_LEN..]);
        assert_eq!(
            e.aad("demo"),
            format!("p1.loggedOut.{family}.1800000000123\ndemo").into_bytes()
        );

        let body = encode_url(&[0; IV_LEN + TAG_LEN]);
        let short = encode_url(&[0; IV_LEN + TAG_LEN - 1]);
        for junk in [
            String::new(),
            r#"{"loggedOut":{"families":["a"]}}"#.to_string(),
            format!("p2.query.{family}.1.{body}"),
            format!("p1.hello.{family}.1.{body}"),
            format!("p1.query.{family}.1.{short}"),
            format!("p1.query.{family}.-1.{body}"),
            format!("p1.query.{family}.99999999999999999999.{body}"),
            format!("p1.query.{family}.1.{body}.x"),
            // Found by the `channel` fuzz target: a trailing dot was read as the same message.
            format!("p1.query.{family}.1.{body}."),
            format!("p1.query.{family}.1.{body}="),
            format!("p1.query.{family}.1"),
            format!("p1.query.{family}.1.{}", "A".repeat(MAX_MESSAGE_LEN)),
        ] {
            assert!(Envelope::parse(&junk).is_none(), "{junk}");
        }
        assert!(Envelope::parse(&format!("p1.query.{family}.0.{body}")).is_some());
    }
}
