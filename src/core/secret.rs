//! Secret values as newtypes: redacted `Debug`, no `Display`, an explicit accessor.
//!
//! Every value that would let someone act as the user (PKCE verifier, state, nonce,
//! authorization code, tokens) lives in one of these types, so it cannot reach a log line or an
//! error message through `{:?}` by accident. Read the value with `secret()`, on purpose.

macro_rules! secret_type {
    ($(#[$meta:meta])* $name:ident $(, $derive:ident)*) => {
        $(#[$meta])*
        #[derive(PartialEq, Eq $(, $derive)*)]
        pub struct $name(String);

        impl $name {
            /// Wraps a value received from the server or read back from storage.
            pub fn new(value: impl Into<String>) -> Self {
                Self(value.into())
            }

            /// The secret value itself. Call only where it must leave the library
            /// (a request body, a header, storage).
            pub fn secret(&self) -> &str {
                &self.0
            }
        }

        impl core::fmt::Debug for $name {
            fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
                f.write_str(concat!(stringify!($name), "(<redacted>)"))
            }
        }
    };
}

secret_type!(
    /// The PKCE `code_verifier` (RFC 7636 §4.1). Deliberately not `Clone`: it is made once per
    /// login, stored with the pending login and consumed by the code exchange.
    CodeVerifier
);
secret_type!(
    /// The `state` value that binds the callback to the login that started it (RFC 6749 §10.12).
    State, Clone
);
secret_type!(
    /// The OpenID Connect `nonce` (OIDC Core §3.1.2.1) that binds the ID token to this login.
    Nonce, Clone
);
secret_type!(
    /// An authorization code from the callback (RFC 6749 §4.1.2). Single use.
    AuthorizationCode
);
secret_type!(
    /// A bearer access token (RFC 6750).
    AccessToken, Clone
);
secret_type!(
    /// A refresh token (RFC 6749 §1.5).
    RefreshToken, Clone
);
secret_type!(
    /// A raw, compact-serialized ID token (OIDC Core §2).
    IdToken, Clone
);
secret_type!(
    /// The AES-256-GCM key of one refresh-token family's tab channel, as base64url of its 32
    /// bytes: SHA-256 of [`crate::core::channel_key_input`] of the family's token. Whoever
    /// holds it reads and writes the family's messages, so it is a secret like the token: kept
    /// only with the session (the keys of its lineage).
    ChannelKey, Clone
);

impl ChannelKey {
    /// The key of a derivation's digest.
    pub fn from_digest(digest: &[u8; 32]) -> Self {
        ChannelKey(crate::core::b64::encode_url(digest))
    }

    /// The key's 32 bytes, for the cipher; `None` for a stored value that is not a key.
    pub fn bytes(&self) -> Option<[u8; 32]> {
        let decoded = crate::core::b64::decode_url(&self.0)?;
        let mut key = [0u8; 32];
        (decoded.len() == 32).then(|| key.copy_from_slice(&decoded))?;
        Some(key)
    }
}
secret_type!(
    /// A guest token for web messaging: the JWT a site's guest token endpoint hands out
    /// (`GuestTokenSource`). Held in memory only.
    GuestJwt, Clone
);

impl AccessToken {
    /// The `Authorization` header value for this token: `Bearer <token>` (RFC 6750 §2.1).
    pub fn bearer_header(&self) -> String {
        let mut value = String::with_capacity(7 + self.0.len());
        value.push_str("Bearer ");
        value.push_str(&self.0);
        value
    }
}

/// Compares two byte strings in time that depends only on their lengths, so a mismatching
/// `state` or `nonce` does not reveal how many leading bytes were right.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_is_redacted() {
        let values: [&dyn core::fmt::Debug; 8] = [
            &CodeVerifier::new("verifier-secret"),
            &State::new("state-secret"),
            &Nonce::new("nonce-secret"),
            &AuthorizationCode::new("code-secret"),
            &AccessToken::new("access-secret"),
            &RefreshToken::new("refresh-secret"),
            &IdToken::new("id-secret"),
            &ChannelKey::new("channel-key-secret"),
        ];
        for v in values {
            let printed = format!("{v:?}");
            assert!(!printed.contains("secret"), "{printed}");
            assert!(printed.contains("<redacted>"));
        }
    }

    #[test]
    fn round_trips_as_a_plain_string() {
        let t = AccessToken::new("abc");
        assert_eq!(t.secret(), "abc");
        assert_eq!(AccessToken::new(t.secret()), t);
    }

    #[test]
    fn channel_keys_are_base64url_of_32_bytes() {
        let key = ChannelKey::from_digest(&[0xfb; 32]);
        assert_eq!(key.secret().len(), 43);
        assert_eq!(key.bytes(), Some([0xfb; 32]));
        assert_eq!(ChannelKey::new("AAAA").bytes(), None, "not 32 bytes");
        assert_eq!(ChannelKey::new("not base64url!").bytes(), None);
    }

    #[test]
    fn bearer_header() {
        assert_eq!(AccessToken::new("abc").bearer_header(), "Bearer abc");
    }

    #[test]
    fn constant_time_eq_works() {
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"abcd"));
        assert!(constant_time_eq(b"", b""));
    }
}
