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
//! A BroadcastChannel is same-origin, the same trust boundary as sessionStorage; tokens never
//! go to localStorage.

use super::record::Session;
use crate::core::b64::encode_url;
use crate::core::json::{self, Object, Value};

/// Characters of base64url kept from the SHA-256 of a token: 22 characters, 132 bits.
pub const FAMILY_ID_LEN: usize = 22;

/// How long a tab waits, inside the refresh lock, for a sibling to answer its
/// [`TabMessage::Query`].
pub const SIBLING_QUERY_MS: u64 = 150;

/// The family id of a token, from its SHA-256 digest: base64url, truncated. Names the lock
/// and tags messages; the token itself never leaves storage this way.
pub fn family_id(sha256_of_token: &[u8; 32]) -> String {
    let mut id = encode_url(sha256_of_token);
    id.truncate(FAMILY_ID_LEN);
    id
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

/// A message between sibling tabs, as JSON text: `{"refreshed":{...}}`, `{"loggedOut":{...}}`
/// or `{"query":{...}}`. Holds tokens (in `Refreshed`): no `Debug`.
pub enum TabMessage {
    /// A tab refreshed (or answers a query): here is the current session. `families` are the
    /// family ids of the refresh tokens it replaced (its lineage, newest first).
    Refreshed {
        /// Replaced families: a tab holding one of these adopts `session`.
        families: Vec<String>,
        /// The new session (boxed: it is by far the largest variant).
        session: Box<Session>,
    },
    /// A tab logged out; `families` are its current family and lineage.
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
    /// The message as JSON text.
    pub fn to_json(&self) -> String {
        let strings =
            |list: &[String]| Value::Array(list.iter().map(|f| f.as_str().into()).collect());
        let mut body = Object::new();
        let tag = match self {
            TabMessage::Refreshed { families, session } => {
                body.insert("families".into(), strings(families));
                body.insert("session".into(), session.to_value());
                "refreshed"
            }
            TabMessage::LoggedOut { families } => {
                body.insert("families".into(), strings(families));
                "loggedOut"
            }
            TabMessage::Query { family } => {
                body.insert("family".into(), family.as_str().into());
                "query"
            }
        };
        let mut message = Object::new();
        message.insert(tag.into(), body.into());
        Value::from(message).to_json()
    }

    /// Parses a message; `None` for anything else on the channel.
    pub fn parse(text: &str) -> Option<TabMessage> {
        let mut message = json::parse_limited(text, 64 * 1024).ok()?.into_object()?;
        if message.len() != 1 {
            return None;
        }
        let (tag, body) = message
            .iter()
            .next()
            .map(|(k, _)| k.clone())
            .and_then(|k| message.remove(&k).map(|v| (k, v)))?;
        let mut body = body.into_object()?;
        let families = |body: &Object| -> Option<Vec<String>> {
            body.get("families")?
                .as_array()?
                .iter()
                .map(|v| v.as_str().map(str::to_string))
                .collect()
        };
        match tag.as_str() {
            "refreshed" => {
                let families = families(&body)?;
                let session = Session::from_value(body.remove("session")?.into_object()?)?;
                Some(TabMessage::Refreshed {
                    families,
                    session: Box::new(session),
                })
            }
            "loggedOut" => Some(TabMessage::LoggedOut {
                families: families(&body)?,
            }),
            "query" => Some(TabMessage::Query {
                family: body.get("family")?.as_str()?.to_string(),
            }),
            _ => None,
        }
    }
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
}
