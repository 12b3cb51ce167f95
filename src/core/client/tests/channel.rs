//! The sealed tab channel under attack, one test per attack (docs/security.md's catalogue):
//! another document of the origin listening on `pixie:<clientId>` without the family's token
//! forges, replays, alters, re-routes and re-labels messages, and a sibling shares a session
//! whose ID token does not verify. Every one is dropped silently, counted, and changes
//! nothing; `shareAcrossTabs: false` posts nothing at all.

use serde_json::Value;

use crate::core::b64::{decode_url, encode_url};
use crate::core::testing::{
    block_on, channel_key_of, family_of_token as family, generic_config, id_claims, id_token,
    jwk_set, open_as, openid_config, tokens, Peer, TestTab, CLIENT_ID, T0,
};
use crate::core::Method::{Get, Post};
use crate::core::*;

/// A signed-in tab (plain OAuth, AT-1 / RT-1) and its duplicate.
fn two_tabs() -> (TestTab, TestTab) {
    let a = TestTab::new(generic_config());
    a.login(&a.client(), tokens("AT-1", Some("RT-1"), Some(3600)));
    let b = a.duplicate();
    (a, b)
}

/// A genuine `loggedOut` of RT-1's family, as a sibling would seal it at T0.
fn genuine_logout() -> String {
    let message = TabMessage::LoggedOut {
        families: vec![family("RT-1")],
    };
    Peer::holding("RT-1").seal(&message, T0)
}

/// The message's body (IV, ciphertext, tag) decoded, edited, and put back.
fn edit_body(wire: &str, edit: impl FnOnce(&mut Vec<u8>)) -> String {
    let (header, body) = wire.rsplit_once('.').unwrap();
    let mut bytes = decode_url(body).unwrap();
    edit(&mut bytes);
    format!("{header}.{}", encode_url(&bytes))
}

/// The message with its clear header's field `i` (0 version, 1 kind, 2 family, 3 time)
/// replaced.
fn edit_header(wire: &str, i: usize, value: &str) -> String {
    let mut parts: Vec<&str> = wire.split('.').collect();
    parts[i] = value;
    parts.join(".")
}

/// Asserts that `tab`'s client drops `wire` for `why`, counts it, and still holds its
/// session (AT-1, RT-1), with no event and nothing posted.
fn assert_dropped(tab: &TestTab, wire: &str, why: Dropped) {
    let c = tab.client();
    let posted = tab.platform.broadcasts.borrow().len();
    assert_eq!(
        block_on(c.receive_tab_message(wire)),
        Received::Dropped(why)
    );
    assert_eq!(c.dropped_tab_messages(), 1);
    assert_eq!(tab.stored_at().as_deref(), Some("AT-1"));
    assert_eq!(tab.stored_rt().as_deref(), Some("RT-1"));
    assert!(c.take_events().is_empty());
    assert_eq!(tab.platform.broadcasts.borrow().len(), posted);
}

#[test]
fn tab_channel_forged_messages_without_the_key_are_dropped() {
    let (_, b) = two_tabs();
    let f = family("RT-1");
    // The old clear format, and envelopes whose body was never sealed with the key: random
    // bytes, or sealed under keys an attacker could compute from what is public (the family
    // id, the channel name).
    let random = format!("p1.loggedOut.{f}.{T0}.{}", encode_url(&[7; 64]));
    let guessed = |key: [u8; 32]| Peer {
        client_id: CLIENT_ID.into(),
        family: f.clone(),
        key: ChannelKey::from_digest(&key),
    };
    let logout = TabMessage::LoggedOut {
        families: vec![f.clone()],
    };
    use sha2::{Digest, Sha256};
    for (wire, why) in [
        (
            format!(r#"{{"loggedOut":{{"families":["{f}"]}}}}"#),
            Dropped::Malformed,
        ),
        (random, Dropped::Undecryptable),
        (guessed([0; 32]).seal(&logout, T0), Dropped::Undecryptable),
        (
            guessed(Sha256::digest(f.as_bytes()).into()).seal(&logout, T0),
            Dropped::Undecryptable,
        ),
        (
            guessed(Sha256::digest(b"pixie:demo").into()).seal(&logout, T0),
            Dropped::Undecryptable,
        ),
    ] {
        let tab = b.duplicate();
        assert_dropped(&tab, &wire, why);
    }
    // The genuine message, for contrast, does log out.
    assert_eq!(
        block_on(b.client().receive_tab_message(&genuine_logout())),
        Received::Applied
    );
    assert!(b.stored_at().is_none());
}

#[test]
fn tab_channel_a_message_sealed_under_another_familys_key_is_dropped() {
    let (_, b) = two_tabs();
    // An attacker with a login of its own (RT-X) seals under its key but names RT-1's family.
    let mut peer = Peer::holding("RT-X");
    peer.family = family("RT-1");
    let logout = TabMessage::LoggedOut {
        families: vec![family("RT-1")],
    };
    assert_dropped(&b, &peer.seal(&logout, T0), Dropped::Undecryptable);
    // Under its own family's name it is simply not for this tab.
    let theirs = Peer::holding("RT-X").seal(&logout, T0);
    assert_eq!(
        block_on(b.client().receive_tab_message(&theirs)),
        Received::Ignored
    );
    assert_eq!(b.stored_rt().as_deref(), Some("RT-1"));
}

#[test]
fn tab_channel_a_replayed_message_is_dropped() {
    let (a, b) = two_tabs();
    let ca = a.client();
    // A sibling's query, answered once; the same text again is a replay and gets no answer.
    let query = Peer::holding("RT-1").seal(
        &TabMessage::Query {
            family: family("RT-1"),
        },
        T0,
    );
    assert_eq!(block_on(ca.receive_tab_message(&query)), Received::Applied);
    assert_eq!(a.platform.broadcasts.borrow().len(), 1);
    assert_eq!(
        block_on(ca.receive_tab_message(&query)),
        Received::Dropped(Dropped::Replayed)
    );
    assert_eq!(a.platform.broadcasts.borrow().len(), 1, "answered once");
    assert_eq!(ca.dropped_tab_messages(), 1);

    // A logout captured and replayed later: after the window it is stale (and it is
    // forgotten from the replay record, which the window makes unnecessary).
    b.platform.now.set(T0 + MESSAGE_WINDOW_MS + 1);
    assert_dropped(&b, &genuine_logout(), Dropped::Stale);
    // A message dated ahead of this tab's clock by more than the window, too.
    let ahead = Peer::holding("RT-1").seal(
        &TabMessage::LoggedOut {
            families: vec![family("RT-1")],
        },
        T0 + 3 * MESSAGE_WINDOW_MS,
    );
    assert_dropped(&b.duplicate(), &ahead, Dropped::Stale);
}

#[test]
fn tab_channel_a_truncated_or_bit_flipped_message_is_dropped() {
    let (_, b) = two_tabs();
    let genuine = genuine_logout();
    let flipped = |i: usize| edit_body(&genuine, |bytes| bytes[i] ^= 0x01);
    for (wire, why) in [
        (flipped(0), Dropped::Undecryptable),  // in the IV
        (flipped(12), Dropped::Undecryptable), // in the ciphertext
        (
            edit_body(&genuine, |bytes| {
                let last = bytes.len() - 1;
                bytes[last] ^= 0x80 // in the tag
            }),
            Dropped::Undecryptable,
        ),
        (
            edit_body(&genuine, |bytes| bytes.truncate(bytes.len() - 1)),
            Dropped::Undecryptable,
        ),
        (
            edit_body(&genuine, |bytes| bytes.truncate(IV_LEN + TAG_LEN - 1)),
            Dropped::Malformed,
        ),
        (
            genuine[..genuine.len() - 4].to_string(),
            Dropped::Undecryptable,
        ),
        (genuine[..40].to_string(), Dropped::Malformed),
        (
            edit_header(&genuine, 3, &(T0 + 1).to_string()),
            Dropped::Undecryptable,
        ),
    ] {
        assert_dropped(&b.duplicate(), &wire, why);
    }
}

#[test]
fn tab_channel_a_message_moved_to_another_kind_or_client_is_dropped() {
    let (a, b) = two_tabs();
    // A genuine query relabeled as a logout: the header is additional data.
    let query = Peer::holding("RT-1").seal(
        &TabMessage::Query {
            family: family("RT-1"),
        },
        T0,
    );
    let relabeled = edit_header(&query, 1, "loggedOut");
    assert_dropped(&b, &relabeled, Dropped::Undecryptable);
    // A genuine logout of another client id's channel (same token): its client id is
    // additional data too.
    let mut other_client = Peer::holding("RT-1");
    other_client.client_id = "another-app".into();
    let logout = TabMessage::LoggedOut {
        families: vec![family("RT-1")],
    };
    assert_dropped(
        &b.duplicate(),
        &other_client.seal(&logout, T0),
        Dropped::Undecryptable,
    );
    // A key holder whose sealed content disagrees with its header is malformed.
    let mixed = Peer::holding("RT-1").seal_text(MessageKind::LoggedOut, &query_json(), T0);
    assert_dropped(&a, &mixed, Dropped::Malformed);
}

fn query_json() -> String {
    TabMessage::Query {
        family: family("RT-1"),
    }
    .to_json()
}

#[test]
fn tab_channel_a_rotated_family_is_re_keyed() {
    let (a, b) = two_tabs();
    let (ca, cb) = (a.client(), b.client());
    for (n, old) in [(2, "RT-1"), (3, "RT-2")] {
        a.platform.on(Post, "/token").respond(
            200,
            tokens(&format!("AT-{n}"), Some(&format!("RT-{n}")), Some(3600)),
        );
        block_on(ca.refresh()).unwrap();
        let msg = a.platform.broadcasts.borrow().last().unwrap().clone();
        assert!(open_as(old, &msg).is_some(), "sealed under {old}'s key");
        assert_eq!(block_on(cb.receive_tab_message(&msg)), Received::Applied);
    }
    // The second rotation's message does not open with the first family's key: RT-1's key
    // no longer reads what the family says.
    let second = a.platform.broadcasts.borrow().last().unwrap().clone();
    assert!(open_as("RT-1", &second).is_none());
    // Nor does A's logout, now under RT-3's key (and those of its lineage).
    a.platform.broadcasts.borrow_mut().clear();
    block_on(ca.end_session(&LogoutOptions::default())).unwrap();
    let logouts: Vec<String> = a.platform.broadcasts.borrow().clone();
    assert_eq!(logouts.len(), 3, "RT-3's family, then RT-2's and RT-1's");
    assert!(open_as("RT-3", &logouts[0]).is_some());
    assert!(open_as("RT-2", &logouts[0]).is_none() && open_as("RT-1", &logouts[0]).is_none());
    assert_eq!(b.stored_rt().as_deref(), Some("RT-3"));
    // B followed both rotations and keeps the replaced families' keys.
    let s = cb.stored_session().unwrap();
    assert_eq!(s.lineage, [family("RT-2"), family("RT-1")]);
    assert!(s.lineage_keys == [channel_key_of("RT-2"), channel_key_of("RT-1")]);
}

#[test]
fn tab_channel_a_tab_several_rotations_behind_is_answered_and_logged_out_under_its_old_key() {
    let (a, b) = two_tabs();
    let ca = a.client();
    for n in 2..=4 {
        a.platform.on(Post, "/token").respond(
            200,
            tokens(&format!("AT-{n}"), Some(&format!("RT-{n}")), Some(3600)),
        );
        block_on(ca.refresh()).unwrap();
    }
    a.platform.broadcasts.borrow_mut().clear();
    // B still holds RT-1 (it missed three rotations) and asks; A answers under RT-1's key.
    let cb = b.client();
    let query = Peer::holding("RT-1").seal(
        &TabMessage::Query {
            family: family("RT-1"),
        },
        T0,
    );
    assert_eq!(block_on(ca.receive_tab_message(&query)), Received::Applied);
    let answer = a.platform.broadcasts.borrow()[0].clone();
    assert_eq!(block_on(cb.receive_tab_message(&answer)), Received::Applied);
    assert_eq!(b.stored_rt().as_deref(), Some("RT-4"));

    // Another tab still on RT-2 hears A's logout under RT-2's key.
    let c = TestTab::new(generic_config());
    c.sessions
        .set(&c.session_key(), &behind(&a, "AT-2", "RT-2"))
        .unwrap();
    a.platform.broadcasts.borrow_mut().clear();
    block_on(ca.end_session(&LogoutOptions::default())).unwrap();
    let logouts = a.platform.broadcasts.borrow().clone();
    let cc = c.client();
    let received: Vec<Received> = logouts
        .iter()
        .map(|m| block_on(cc.receive_tab_message(m)))
        .collect();
    assert!(received.contains(&Received::Applied), "{received:?}");
    assert!(c.stored_at().is_none());
}

/// A session record of `tab`'s login with these tokens and no lineage: a tab left behind.
fn behind(tab: &TestTab, at: &str, rt: &str) -> String {
    let mut s = Session::from_json(&tab.session_record().unwrap()).unwrap();
    s.access_token = AccessToken::new(at);
    s.refresh_token = Some(RefreshToken::new(rt));
    s.lineage.clear();
    s.lineage_keys.clear();
    s.to_json()
}

#[test]
fn share_across_tabs_false_posts_and_reads_nothing() {
    let raw = RawConfig {
        share_across_tabs: Some(false),
        ..generic_config()
    };
    let a = TestTab::new(raw);
    let ca = a.client();
    a.login(&ca, tokens("AT-1", Some("RT-1"), Some(3600)));
    a.platform.siblings.set(true); // a channel would reach someone
    a.platform
        .on(Post, "/token")
        .respond(200, tokens("AT-2", Some("RT-2"), Some(3600)));
    assert_eq!(block_on(ca.refresh()), Ok(RefreshOutcome::Refreshed));
    assert!(a.platform.sleeps.borrow().is_empty(), "no query, no wait");
    assert_eq!(a.platform.locks.borrow().len(), 1, "the Web Lock stays");
    // A sibling's genuine messages are not read.
    let query = Peer::holding("RT-2").seal(
        &TabMessage::Query {
            family: family("RT-2"),
        },
        T0,
    );
    let logout = Peer::holding("RT-2").seal(
        &TabMessage::LoggedOut {
            families: vec![family("RT-2")],
        },
        T0,
    );
    for m in [&query, &logout] {
        assert_eq!(block_on(ca.receive_tab_message(m)), Received::Ignored);
    }
    assert_eq!(a.stored_rt().as_deref(), Some("RT-2"));
    block_on(ca.end_session(&LogoutOptions::default())).unwrap();
    assert!(a.platform.broadcasts.borrow().is_empty(), "nothing posted");
    assert_eq!(ca.dropped_tab_messages(), 0);
}

// ---------------------------------------------------------------------------------------------
// A shared session is verified again (OpenID Connect)

/// A tab signed in with OpenID Connect (AT-1 / RT-1, an ID token for user-42) and its
/// duplicate, which has not fetched the JWK Set yet.
fn openid_tabs() -> (TestTab, TestTab) {
    let a = TestTab::new(openid_config());
    let tokens = tokens("AT-1", Some("RT-1"), Some(3600)).scope("openid profile");
    a.login_openid(&a.client(), tokens, |_| {});
    let b = a.duplicate();
    (a, b)
}

/// An ID token a refresh would bring: the login's claims, no nonce, issued a second after
/// T0, edited.
fn refreshed_id_token(edit: impl FnOnce(&mut Value)) -> String {
    let mut claims = id_claims("");
    claims.as_object_mut().unwrap().remove("nonce");
    claims["iat"] = (T0 / 1000 + 1).into();
    claims["name"] = "Grace B. Hopper".into();
    edit(&mut claims);
    id_token(JwsAlg::Rs256, &claims)
}

/// What a sibling holding RT-1 shares after rotating to AT-2 / RT-2 with this ID token (and
/// these claims, which no receiver may trust).
fn shared_session(tab: &TestTab, id_token: &str, claims: Option<&str>) -> String {
    let mut s = Session::from_json(&tab.session_record().unwrap()).unwrap();
    s.access_token = AccessToken::new("AT-2");
    s.refresh_token = Some(RefreshToken::new("RT-2"));
    s.id_token = Some(IdToken::new(id_token));
    if let Some(claims) = claims {
        s.id_token_claims = Some(IdTokenClaims::from_stored_json(claims.to_string()).unwrap());
    }
    s.issued_at = T0 + 1000;
    s.refresh_count = 1;
    s.lineage = vec![family("RT-1")];
    s.lineage_keys = vec![channel_key_of("RT-1")];
    let message = TabMessage::Refreshed {
        families: vec![family("RT-2"), family("RT-1")],
        session: Box::new(s),
    };
    Peer::holding("RT-1").seal(&message, T0 + 1000)
}

#[test]
fn tab_channel_a_shared_session_is_verified_again_and_its_claims_recomputed() {
    let (_, b) = openid_tabs();
    b.platform.on(Get, "/jwks").respond(200, jwk_set());
    let forged = r#"{"iss":"http://127.0.0.1:9000","sub":"mallory","aud":"demo","name":"Mallory"}"#;
    let msg = shared_session(&b, &refreshed_id_token(|_| {}), Some(forged));
    let cb = b.client();
    assert_eq!(block_on(cb.receive_tab_message(&msg)), Received::Applied);
    assert_eq!(
        b.platform.verifications.get(),
        1,
        "the ID token was verified"
    );
    assert_eq!(b.stored_at().as_deref(), Some("AT-2"));
    let user = cb.user().unwrap();
    assert_eq!(
        user.sub(),
        Some("user-42"),
        "the claims came from the ID token"
    );
    assert_eq!(
        user.claims().get("name").and_then(|v| v.as_str()),
        Some("Grace B. Hopper")
    );
}

/// Asserts that a shared session with this ID token is refused: dropped as unverified,
/// counted, and this tab keeps its own session and user.
fn assert_refused(id_token: &str) {
    let (_, b) = openid_tabs();
    b.platform.on(Get, "/jwks").respond(200, jwk_set());
    let cb = b.client();
    let msg = shared_session(&b, id_token, None);
    assert_eq!(
        block_on(cb.receive_tab_message(&msg)),
        Received::Dropped(Dropped::Unverified)
    );
    assert_eq!(cb.dropped_tab_messages(), 1);
    assert_eq!(b.stored_at().as_deref(), Some("AT-1"));
    assert_eq!(b.stored_rt().as_deref(), Some("RT-1"));
    assert_eq!(cb.user().unwrap().sub(), Some("user-42"));
    assert!(cb.take_events().is_empty());
}

#[test]
fn tab_channel_a_shared_session_for_another_user_is_refused() {
    assert_refused(&refreshed_id_token(|c| c["sub"] = "mallory".into()));
}

#[test]
fn tab_channel_a_shared_session_with_a_bad_signature_is_refused() {
    let token = refreshed_id_token(|_| {});
    let (input, signature) = token.rsplit_once('.').unwrap();
    let mut sig = decode_url(signature).unwrap();
    sig[10] ^= 0x01;
    assert_refused(&format!("{input}.{}", encode_url(&sig)));
}

#[test]
fn tab_channel_a_shared_session_with_an_expired_id_token_is_refused() {
    // Expired two minutes before the sibling received it (beyond the 60 s tolerance).
    assert_refused(&refreshed_id_token(|c| {
        c["iat"] = (T0 / 1000 - 720).into();
        c["exp"] = (T0 / 1000 - 120).into();
    }));
}

#[test]
fn tab_channel_a_shared_session_without_an_id_token_is_refused() {
    let (_, b) = openid_tabs();
    let mut s = Session::from_json(&b.session_record().unwrap()).unwrap();
    s.access_token = AccessToken::new("AT-2");
    s.refresh_token = Some(RefreshToken::new("RT-2"));
    s.id_token = None;
    s.issued_at = T0 + 1000;
    let message = TabMessage::Refreshed {
        families: vec![family("RT-2"), family("RT-1")],
        session: Box::new(s),
    };
    let cb = b.client();
    let msg = Peer::holding("RT-1").seal(&message, T0 + 1000);
    assert_eq!(
        block_on(cb.receive_tab_message(&msg)),
        Received::Dropped(Dropped::Unverified)
    );
    assert_eq!(b.stored_at().as_deref(), Some("AT-1"));
}

#[test]
fn a_sibling_refresh_with_a_new_id_token_is_adopted_after_verification() {
    // The real flow: A refreshes with a new ID token and shares; B verifies it and adopts.
    let (a, b) = openid_tabs();
    let ca = a.client();
    a.platform.on(Post, "/token").respond(
        200,
        tokens("AT-2", Some("RT-2"), Some(3600)).id_token(&refreshed_id_token(|_| {})),
    );
    block_on(ca.refresh()).unwrap();
    let msg = a.platform.broadcasts.borrow().last().unwrap().clone();
    b.platform.on(Get, "/jwks").respond(200, jwk_set());
    let cb = b.client();
    assert_eq!(block_on(cb.receive_tab_message(&msg)), Received::Applied);
    assert_eq!(b.stored_rt().as_deref(), Some("RT-2"));
    assert_eq!(
        cb.user()
            .unwrap()
            .claims()
            .get("name")
            .and_then(|v| v.as_str()),
        Some("Grace B. Hopper")
    );
    // A refresh whose response kept the login's ID token: B already verified that one and
    // keeps its claims, without a new signature check.
    let checks = b.platform.verifications.get();
    a.platform
        .on(Post, "/token")
        .respond(200, tokens("AT-3", Some("RT-3"), Some(3600)));
    block_on(ca.refresh()).unwrap();
    let msg = a.platform.broadcasts.borrow().last().unwrap().clone();
    assert_eq!(block_on(cb.receive_tab_message(&msg)), Received::Applied);
    assert_eq!(b.platform.verifications.get(), checks);
    assert_eq!(b.stored_rt().as_deref(), Some("RT-3"));
}

#[test]
fn tab_channel_a_tabs_own_message_played_back_to_it_is_a_replay() {
    let (a, _) = two_tabs();
    let ca = a.client();
    a.platform
        .on(Post, "/token")
        .respond(200, tokens("AT-2", Some("RT-2"), Some(3600)));
    block_on(ca.refresh()).unwrap();
    for own in a.platform.broadcasts.borrow().clone() {
        assert_eq!(
            block_on(ca.receive_tab_message(&own)),
            Received::Dropped(Dropped::Replayed)
        );
    }
    assert_eq!(
        a.platform.broadcasts.borrow().len(),
        2,
        "the query, the session"
    );
}

/// Bytes from hex.
fn hex(text: &str) -> Vec<u8> {
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).unwrap())
        .collect()
}

#[test]
fn the_channel_key_and_cipher_are_the_documented_ones() {
    // The key: SHA-256(00000001 || token || label), pinned (tests/web_lifecycle.rs checks the
    // browser's against the same value).
    let tab = TestTab::new(generic_config());
    let key = block_on(tab.client().channel_key("RT-1")).unwrap();
    assert_eq!(key.secret(), "M05ldvwvjt7kDi1O6eEp-yzDeLL_MDYiVuQPqxZvKso");
    assert!(key == channel_key_of("RT-1"));
    // The fake's cipher is AES-256-GCM: test case 16 of the GCM specification (McGrew and
    // Viega), which the browser test runs through WebCrypto.
    let k: [u8; 32] = hex("feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308")
        .try_into()
        .unwrap();
    let iv: [u8; 12] = hex("cafebabefacedbaddecaf888").try_into().unwrap();
    let aad = hex("feedfacedeadbeeffeedfacedeadbeefabaddad2");
    let plaintext = hex(
        "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72\
         1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39",
    );
    let expected = hex(
        "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa\
         8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662\
         76fc6ece0f4e1768cddf8853bb2d551b",
    );
    let p = &tab.platform;
    let k = ChannelKey::from_digest(&k);
    let sealed = block_on(p.aes_gcm(true, &k, &iv, &aad, &plaintext)).unwrap();
    assert_eq!(sealed, expected);
    assert_eq!(
        block_on(p.aes_gcm(false, &k, &iv, &aad, &sealed)),
        Ok(plaintext)
    );
    assert!(block_on(p.aes_gcm(false, &k, &iv, b"", &sealed)).is_err());
}
