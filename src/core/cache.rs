//! Public provider documents kept for the life of the page: the discovery document
//! ([OpenID Connect Discovery 1.0 §4]) and the JWK Set ([RFC 7517 §5]).
//!
//! Both are public and change rarely, so they are fetched once per page and shared by every
//! client on it (the JavaScript face keeps one cache per page). A JWK Set is fetched again only
//! when an ID token names a key it lacks (key rotation, OIDC Core §10.1.1). Only documents that
//! were read successfully are kept; a failed fetch is retried next time.
//!
//! [OpenID Connect Discovery 1.0 §4]: https://openid.net/specs/openid-connect-discovery-1_0.html#ProviderConfig
//! [RFC 7517 §5]: https://www.rfc-editor.org/rfc/rfc7517#section-5

use std::cell::RefCell;

/// Document bodies by URL (a few per page: a list is enough, and smaller in the .wasm than a
/// `BTreeMap`). Single-threaded (wasm32): interior mutability with `RefCell`, and
/// no borrow is ever held across an `await`.
#[derive(Debug, Default)]
pub struct DocumentCache {
    bodies: RefCell<Vec<(String, String)>>,
}

impl DocumentCache {
    /// The cached body for `url`, if any.
    pub fn get(&self, url: &str) -> Option<String> {
        let bodies = self.bodies.borrow();
        bodies
            .iter()
            .find(|(u, _)| u == url)
            .map(|(_, b)| b.clone())
    }

    /// Keeps `body` as the document at `url` (call only after it was read successfully).
    pub fn put(&self, url: &str, body: &str) {
        let mut bodies = self.bodies.borrow_mut();
        bodies.retain(|(u, _)| u != url);
        bodies.push((url.to_string(), body.to_string()));
    }

    /// Forgets every document (for tests, and for apps that want a fresh start).
    pub fn clear(&self) {
        self.bodies.borrow_mut().clear();
    }
}
