//! Public provider documents kept for the page and for the tab: the discovery document
//! ([OpenID Connect Discovery 1.0 §4]) and the JWK Set ([RFC 7517 §5]).
//!
//! Both are public and change rarely. They are fetched once per page and shared by every
//! client on it (the JavaScript face keeps one cache per page), and kept for the tab too
//! (sessionStorage, under `pixie:doc:<url>`), for as long as the server's `Cache-Control:
//! max-age` says ([`DOCUMENT_TTL_DEFAULT_S`] when it says nothing, at most
//! [`DOCUMENT_TTL_MAX_S`]), so that the callback page and reloads do not fetch them again:
//! the login page fetched them before the redirect. A JWK Set is fetched again when an ID
//! token names a key it lacks (key rotation, OIDC Core §10.1.1). Only documents that were read
//! successfully are kept; a failed fetch is retried next time. They are public, so the tab's
//! copy holds no secret.
//!
//! [OpenID Connect Discovery 1.0 §4]: https://openid.net/specs/openid-connect-discovery-1_0.html#ProviderConfig
//! [RFC 7517 §5]: https://www.rfc-editor.org/rfc/rfc7517#section-5

use std::cell::RefCell;

use crate::core::json::{self, Object, Value};
use crate::core::store::Store;

/// How long the tab keeps a document whose response gave no `max-age`: 10 minutes (as long
/// as a login may take, so the callback page finds what the login page fetched).
pub const DOCUMENT_TTL_DEFAULT_S: u64 = 600;
/// The longest the tab keeps a document, whatever its `max-age`: a day.
pub const DOCUMENT_TTL_MAX_S: u64 = 86_400;

/// The prefix of the tab's copies in storage: `pixie:doc:<url>`. Public documents only.
pub const DOCUMENT_KEY_PREFIX: &str = "pixie:doc:";

/// Document bodies by URL (a few per page: a list is enough, and smaller in the .wasm than a
/// `BTreeMap`), with an optional copy for the tab. Single-threaded (wasm32): interior
/// mutability with `RefCell`, and no borrow is ever held across an `await`.
#[derive(Default)]
pub struct DocumentCache {
    bodies: RefCell<Vec<(String, String)>>,
    tab: Option<Box<dyn Store>>,
}

impl core::fmt::Debug for DocumentCache {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let bodies = self.bodies.borrow();
        f.debug_set()
            .entries(bodies.iter().map(|(u, _)| u))
            .finish()
    }
}

impl DocumentCache {
    /// A cache that also keeps its documents in `tab` (the tab's sessionStorage).
    pub fn with_tab_store(tab: Box<dyn Store>) -> DocumentCache {
        DocumentCache {
            bodies: RefCell::default(),
            tab: Some(tab),
        }
    }

    fn tab_key(url: &str) -> String {
        let mut key = String::from(DOCUMENT_KEY_PREFIX);
        key.push_str(url);
        key
    }

    /// The cached body for `url` at `now_ms`: the page's copy, else an unexpired copy of the
    /// tab's (an expired or unreadable one is deleted).
    pub fn get(&self, url: &str, now_ms: u64) -> Option<String> {
        if let Some(body) = self.page_copy(url) {
            return Some(body);
        }
        let tab = self.tab.as_ref()?;
        let key = Self::tab_key(url);
        let record = tab.get(&key).ok()??;
        let entry = json::parse_object(&record, json::DEFAULT_MAX_LEN);
        let fresh = entry
            .as_ref()
            .and_then(|e| e.get("expiresAt")?.as_u64())
            .is_some_and(|at| now_ms < at);
        match entry.and_then(|mut e| e.remove("body")?.into_string()) {
            Some(body) if fresh => {
                self.remember(url, &body);
                Some(body)
            }
            _ => {
                let _ = tab.remove(&key);
                None
            }
        }
    }

    fn page_copy(&self, url: &str) -> Option<String> {
        let bodies = self.bodies.borrow();
        bodies
            .iter()
            .find(|(u, _)| u == url)
            .map(|(_, b)| b.clone())
    }

    fn remember(&self, url: &str, body: &str) {
        let mut bodies = self.bodies.borrow_mut();
        bodies.retain(|(u, _)| u != url);
        bodies.push((url.to_string(), body.to_string()));
    }

    /// Keeps `body` as the document at `url` (call only after it was read successfully): for
    /// the page, and for the tab for `max_age_s` (the response's `Cache-Control: max-age`;
    /// [`DOCUMENT_TTL_DEFAULT_S`] when `None`, at most [`DOCUMENT_TTL_MAX_S`]; `Some(0)` keeps
    /// it for the page only).
    pub fn put(&self, url: &str, body: &str, max_age_s: Option<u64>, now_ms: u64) {
        self.remember(url, body);
        let ttl_s = max_age_s
            .unwrap_or(DOCUMENT_TTL_DEFAULT_S)
            .min(DOCUMENT_TTL_MAX_S);
        if let (Some(tab), true) = (&self.tab, ttl_s > 0) {
            let mut entry = Object::new();
            entry.set("expiresAt", now_ms.saturating_add(ttl_s * 1000).into());
            entry.set("body", body.into());
            // A full or blocked storage only costs a fetch on the next page.
            let _ = tab.set(&Self::tab_key(url), &Value::from(entry).to_json());
        }
    }

    /// Forgets every document, the tab's copies included (for tests, and for apps that want
    /// a fresh start).
    pub fn clear(&self) {
        let urls: Vec<String> = self.bodies.borrow_mut().drain(..).map(|(u, _)| u).collect();
        if let Some(tab) = &self.tab {
            for url in urls {
                let _ = tab.remove(&Self::tab_key(&url));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::store::MemoryStore;
    use std::rc::Rc;

    #[test]
    fn the_tab_keeps_documents_for_their_max_age() {
        let tab = Rc::new(MemoryStore::default());
        let page = DocumentCache::with_tab_store(Box::new(tab.clone()));
        page.put("https://as.example/jwks", "{\"keys\":[]}", Some(60), 1_000);
        assert_eq!(
            page.get("https://as.example/jwks", 1_000).as_deref(),
            Some("{\"keys\":[]}")
        );
        // The next page of the tab (a new cache on the same storage) finds it until it expires.
        let next = DocumentCache::with_tab_store(Box::new(tab.clone()));
        assert!(next.get("https://as.example/jwks", 60_999).is_some());
        let later = DocumentCache::with_tab_store(Box::new(tab.clone()));
        assert!(later.get("https://as.example/jwks", 61_000).is_none());
        assert!(
            tab.get("pixie:doc:https://as.example/jwks")
                .unwrap()
                .is_none(),
            "an expired copy is deleted"
        );
    }

    #[test]
    fn ttl_defaults_caps_and_page_only() {
        let tab = Rc::new(MemoryStore::default());
        let page = DocumentCache::with_tab_store(Box::new(tab.clone()));
        page.put("a", "A", None, 0);
        page.put("b", "B", Some(10 * DOCUMENT_TTL_MAX_S), 0);
        page.put("c", "C", Some(0), 0);
        let next = DocumentCache::with_tab_store(Box::new(tab.clone()));
        assert!(next.get("a", DOCUMENT_TTL_DEFAULT_S * 1000 - 1).is_some());
        let next = DocumentCache::with_tab_store(Box::new(tab.clone()));
        assert!(next.get("a", DOCUMENT_TTL_DEFAULT_S * 1000).is_none());
        assert!(next.get("b", DOCUMENT_TTL_MAX_S * 1000).is_none(), "capped");
        assert!(next.get("c", 0).is_none(), "max-age=0: page only");
        assert_eq!(page.get("c", u64::MAX).as_deref(), Some("C"));
        // Junk in storage is deleted, not trusted.
        tab.set("pixie:doc:d", "not json").unwrap();
        assert!(next.get("d", 0).is_none());
        assert!(tab.get("pixie:doc:d").unwrap().is_none());
        page.clear();
        assert!(tab.get("pixie:doc:a").unwrap().is_none());
    }
}
