//! The tab channel as another document of the origin sees it: [`Peer`] seals and opens
//! messages with RustCrypto and the key of a token it holds (a sibling tab), or with a key
//! or family of its own choosing (an attacker), independently of the client's own code.

use std::sync::atomic::{AtomicU64, Ordering};

use sha2::{Digest, Sha256};

use super::builders::CLIENT_ID;
use super::keys::{aes_gcm_open, aes_gcm_seal};
use crate::core::secret::ChannelKey;
use crate::core::session::{channel_key_input, family_id, Envelope, MessageKind, TabMessage};

/// The family id of a token.
pub fn family_of_token(token: &str) -> String {
    family_id(&Sha256::digest(token.as_bytes()).into())
}

/// The channel key of a token's family.
pub fn channel_key_of(token: &str) -> ChannelKey {
    ChannelKey::from_digest(&Sha256::digest(channel_key_input(token)).into())
}

/// A document on the channel of a client id: seals under `key`, naming `family` in the header.
pub struct Peer {
    /// The client id whose channel it posts on (it is in the additional data).
    pub client_id: String,
    /// The family it names in its headers.
    pub family: String,
    /// The key it seals with.
    pub key: ChannelKey,
}

impl Peer {
    /// A sibling tab of [`CLIENT_ID`] holding `token`: the family and key of that token.
    pub fn holding(token: &str) -> Peer {
        Peer {
            client_id: CLIENT_ID.into(),
            family: family_of_token(token),
            key: channel_key_of(token),
        }
    }

    /// Seals `message` sent at `sent_at`, as a sibling would.
    pub fn seal(&self, message: &TabMessage, sent_at: u64) -> String {
        self.seal_text(message.kind(), &message.to_json(), sent_at)
    }

    /// Seals any `plaintext` under a header of `kind`.
    pub fn seal_text(&self, kind: MessageKind, plaintext: &str, sent_at: u64) -> String {
        static IVS: AtomicU64 = AtomicU64::new(1);
        let mut iv = [0u8; 12];
        iv[..8].copy_from_slice(&IVS.fetch_add(1, Ordering::Relaxed).to_be_bytes());
        let header = Envelope::header(kind, &self.family, sent_at);
        let aad = Envelope::additional_data(&header, &self.client_id);
        let sealed =
            aes_gcm_seal(&self.key.bytes().unwrap(), &iv, &aad, plaintext.as_bytes()).unwrap();
        Envelope::wire(&header, &iv, &sealed)
    }

    /// Opens a message from the channel with this peer's key; `None` when it does not open
    /// (or names another family).
    pub fn open(&self, wire: &str) -> Option<TabMessage> {
        let e = Envelope::parse(wire)?;
        if e.family != self.family {
            return None;
        }
        let text = aes_gcm_open(
            &self.key.bytes()?,
            &e.iv,
            &e.aad(&self.client_id),
            &e.sealed,
        )?;
        TabMessage::parse(std::str::from_utf8(&text).ok()?)
    }
}

/// Opens a message from the channel as a sibling holding `token` would.
pub fn open_as(token: &str, wire: &str) -> Option<TabMessage> {
    Peer::holding(token).open(wire)
}
