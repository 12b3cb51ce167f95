//! The checks behind the `channel` and `stored` fuzz targets (`fuzz/fuzz_targets/`, nightly)
//! and the corpus replay in `cargo test` (stable); the list of every target is in
//! `src/core/fuzzing/mod.rs`. Not part of the API: hidden from the docs, and the release
//! `.wasm` never calls it. A check panics when the code under test is wrong.

use super::record::Session;
use super::tabs::{Envelope, TabMessage, MAX_MESSAGE_LEN, TAG_LEN};
use crate::core::fuzzing::input::FuzzBytes;
use crate::core::oauth::PendingLogin;

/// The tab channel's wire format on arbitrary text (first byte even: a sealed message's
/// envelope; odd: a message's JSON, as it is once opened):
///
/// - an envelope that is read has a header and a body that build the same wire text again
///   (only the spelling of its time may differ, which then opens under no key, since the
///   additional data is rebuilt from the value), a family without a dot, a body holding a
///   tag, and its identity is that tag;
/// - a message that is read writes JSON that reads back to the same kind and writes the same
///   text again (the session it carries included).
pub fn check_tab_channel(data: &[u8]) {
    let mut input = FuzzBytes::new(data);
    let envelope = input.byte() % 2 == 0;
    let text = input.rest_text();
    if envelope {
        let Some(e) = Envelope::parse(&text) else {
            return;
        };
        assert!(
            text.len() <= MAX_MESSAGE_LEN,
            "read a message over the limit"
        );
        assert!(!e.family.contains('.'), "a family with a dot");
        assert!(e.sealed.len() >= TAG_LEN, "a body without room for a tag");
        assert!(
            e.id()[..] == e.sealed[e.sealed.len() - TAG_LEN..],
            "the identity is not the tag"
        );
        let header = Envelope::header(e.kind, &e.family, e.sent_at);
        let wire = Envelope::wire(&header, &e.iv, &e.sealed);
        let sent_at = text.split('.').nth(3).unwrap_or_default();
        if sent_at == e.sent_at.to_string() {
            assert!(wire == text, "an envelope does not write back to its text");
        }
        let again = Envelope::parse(&wire).expect("a written envelope does not parse");
        assert!(
            again.kind == e.kind
                && again.family == e.family
                && again.sent_at == e.sent_at
                && again.iv == e.iv
                && again.sealed == e.sealed,
            "a written envelope reads back differently"
        );
        let mut aad = header.into_bytes();
        aad.extend_from_slice(b"\nclient");
        assert!(
            e.aad("client") == aad,
            "the additional data is not header, LF, client id"
        );
    } else if let Some(message) = TabMessage::parse(&text) {
        let json = message.to_json();
        let again = TabMessage::parse(&json).expect("a written message does not parse");
        assert!(
            again.kind() == message.kind(),
            "a written message changed kind"
        );
        assert!(again.to_json() == json, "writing a message is not stable");
    }
}

/// The records this library keeps in storage, read back from arbitrary text (first byte
/// even: a [`Session`]; odd: a [`PendingLogin`]): what is read writes a record that reads
/// back and writes the same text again, keeping every secret.
pub fn check_stored(data: &[u8]) {
    let mut input = FuzzBytes::new(data);
    let session = input.byte() % 2 == 0;
    let text = input.rest_text();
    if session {
        let Some(s) = Session::from_json(&text) else {
            return;
        };
        let json = s.to_json();
        let again = Session::from_json(&json).expect("a written session does not read back");
        assert!(again.to_json() == json, "writing a session is not stable");
        assert!(
            again.access_token.secret() == s.access_token.secret()
                && again.refresh_token.as_ref().map(|t| t.secret())
                    == s.refresh_token.as_ref().map(|t| t.secret())
                && again.id_token.as_ref().map(|t| t.secret())
                    == s.id_token.as_ref().map(|t| t.secret()),
            "a token changed in storage"
        );
        assert!(
            again.lineage.len() == s.lineage.len()
                && again.lineage_keys.len() == s.lineage_keys.len(),
            "the lineage changed in storage"
        );
    } else {
        let Some(p) = PendingLogin::from_json(&text) else {
            return;
        };
        let json = p.to_json();
        let again = PendingLogin::from_json(&json).expect("a written login does not read back");
        assert!(
            again.to_json() == json,
            "writing a pending login is not stable"
        );
        assert!(
            again.state.secret() == p.state.secret()
                && again.code_verifier.secret() == p.code_verifier.secret()
                && again.redirect_uri == p.redirect_uri
                && again.server == p.server
                && again.created_at == p.created_at,
            "a pending login changed in storage"
        );
    }
}
