//! The sealed tab channel on a [`Client`]: the keys a tab holds (its family's, derived from its
//! token, and its lineage's, kept with the session), sealing and posting a [`TabMessage`],
//! and opening what arrives. The format and the rules are in `session::tabs`; what a message
//! does is decided in `lifecycle` ([`Client::receive_tab_message`]). The platform only runs
//! the cipher and moves the text.

use std::cell::{Cell, RefCell};

use super::{Client, Platform};
use crate::core::error::Error;
use crate::core::secret::ChannelKey;
use crate::core::session::{
    channel_key_input, Dropped, Envelope, Session, TabMessage, IV_LEN, MESSAGE_WINDOW_MS, TAG_LEN,
};

/// How many message tags a tab remembers: the last 64 it opened or posted. A family posts a
/// few messages per refresh, so the tags of every message still inside the window
/// ([`MESSAGE_WINDOW_MS`]) are remembered, and older messages are refused by the window.
pub const SEEN_LEN: usize = 64;

/// The tags of the last [`SEEN_LEN`] messages a tab opened or posted: a message whose tag is
/// here is a replay.
#[derive(Default)]
pub(super) struct SeenMessages {
    tags: RefCell<Vec<[u8; TAG_LEN]>>,
    next: Cell<usize>,
}

impl SeenMessages {
    fn contains(&self, id: &[u8; TAG_LEN]) -> bool {
        self.tags.borrow().contains(id)
    }

    fn insert(&self, id: [u8; TAG_LEN]) {
        let mut tags = self.tags.borrow_mut();
        if tags.len() < SEEN_LEN {
            tags.push(id);
        } else {
            let next = self.next.get();
            tags[next] = id;
            self.next.set((next + 1) % SEEN_LEN);
        }
    }
}

/// The key `session` holds for `family`: its own (`own`, from [`Client::own_family`]), or one
/// of its lineage's. `None` for a family it has no key for.
pub(super) fn key_for(
    session: &Session,
    own: &(String, ChannelKey),
    family: &str,
) -> Option<ChannelKey> {
    if family == own.0 {
        return Some(own.1.clone());
    }
    let i = session.lineage.iter().position(|f| f == family)?;
    session.lineage_keys.get(i).cloned()
}

/// The token that names a session's family ([`crate::core::family_id`]): its refresh token,
/// else its access token.
pub(super) fn family_token(session: &Session) -> &str {
    match &session.refresh_token {
        Some(rt) => rt.secret(),
        None => session.access_token.secret(),
    }
}

impl<P: Platform> Client<P> {
    /// The channel key of the family of `token` (`session::tabs`: SHA-256 of
    /// [`channel_key_input`]).
    pub async fn channel_key(&self, token: &str) -> Result<ChannelKey, Error> {
        Ok(ChannelKey::from_digest(
            &self.platform.sha256(&channel_key_input(token)).await?,
        ))
    }

    /// A session's own family: its id ([`crate::core::family_id`]) and its channel key, both
    /// from its token.
    pub(super) async fn own_family(
        &self,
        session: &Session,
    ) -> Result<(String, ChannelKey), Error> {
        let token = family_token(session);
        let family = self.token_family(token).await?;
        Ok((family, self.channel_key(token).await?))
    }

    /// Seals `message` under `key`, the key of `family`, and posts it to the siblings. False
    /// when nothing was posted: sharing is off (`shareAcrossTabs: false`), there is no channel,
    /// or the cipher failed.
    pub(super) async fn post(&self, family: &str, key: &ChannelKey, message: &TabMessage) -> bool {
        if !self.config.share_across_tabs {
            return false;
        }
        let mut iv = [0u8; IV_LEN];
        if self.platform.random_bytes(&mut iv).is_err() {
            return false;
        }
        let now = self.platform.now_ms();
        let header = Envelope::header(message.kind(), family, now);
        let aad = Envelope::additional_data(&header, &self.config.client_id);
        let plaintext = message.to_json();
        let Ok(sealed) = self
            .platform
            .aes_gcm(true, key, &iv, &aad, plaintext.as_bytes())
            .await
        else {
            return false;
        };
        let wire = Envelope::wire(&header, &iv, &sealed);
        // A tab's own message played back to it is a replay too.
        if let Some(e) = Envelope::parse(&wire) {
            self.lifecycle.seen.insert(e.id());
        }
        self.platform.broadcast(&wire)
    }

    /// Opens `envelope` with `key`: the message, or why it was dropped. Checks the window
    /// and the replay record (the tags of the messages this tab opened or posted) before the
    /// cipher, and records the tag only of a message that opened (so no one can fill the
    /// record with forgeries).
    pub(super) async fn open_envelope(
        &self,
        envelope: &Envelope,
        key: &ChannelKey,
    ) -> Result<TabMessage, Dropped> {
        let now = self.platform.now_ms();
        if now.abs_diff(envelope.sent_at) > MESSAGE_WINDOW_MS {
            return Err(Dropped::Stale);
        }
        let id = envelope.id();
        if self.lifecycle.seen.contains(&id) {
            return Err(Dropped::Replayed);
        }
        let aad = envelope.aad(&self.config.client_id);
        let plaintext = self
            .platform
            .aes_gcm(false, key, &envelope.iv, &aad, &envelope.sealed)
            .await
            .map_err(|_| Dropped::Undecryptable)?;
        self.lifecycle.seen.insert(id);
        core::str::from_utf8(&plaintext)
            .ok()
            .and_then(TabMessage::parse)
            .filter(|m| m.kind() == envelope.kind)
            .ok_or(Dropped::Malformed)
    }
}
