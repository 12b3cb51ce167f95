//! `sessionStorage` behind the core's [`Store`] trait, and the choice of stores for a client.
//!
//! gloo-storage's `SessionStorage::raw()` panics where storage is blocked (Safari private
//! mode, sandboxed iframes, disabled cookies), which would abort the whole wasm instance. So
//! [`SessionStore::open`] first probes sessionStorage itself, fallibly (the getter may throw or
//! return null, a write may throw), and only then calls `raw()`, which the probe has proven
//! cannot panic. Every later failure is a typed error.

use gloo_storage::Storage as _;
use web_sys::Storage;

use super::{js_error_name, window};
use crate::core::{DocumentCache, Error, MemoryStore, StorageMode, Store};

/// The tab's `sessionStorage`.
#[derive(Debug, Clone)]
pub struct SessionStore {
    storage: Storage,
}

impl SessionStore {
    /// Opens sessionStorage and proves it works with a write and a delete. Fails where the
    /// browser blocks it (the getter throws, returns null, or writes throw), with the name of
    /// the browser's exception.
    pub fn open() -> Result<Self, Error> {
        let probed = window()?
            .session_storage()
            .map_err(|e| Error::StorageUnavailable(js_error_name(&e)))?
            .ok_or(Error::StorageUnavailable(None))?;
        const PROBE: &str = "pixie:probe";
        let unavailable = |e| Error::StorageUnavailable(js_error_name(&e));
        probed.set_item(PROBE, "1").map_err(unavailable)?;
        probed.remove_item(PROBE).map_err(unavailable)?;
        // Cannot panic now: the window and its sessionStorage exist and work (see above).
        Ok(SessionStore {
            storage: gloo_storage::SessionStorage::raw(),
        })
    }
}

impl Store for SessionStore {
    fn get(&self, key: &str) -> Result<Option<String>, Error> {
        self.storage
            .get_item(key)
            .map_err(|e| Error::StorageUnavailable(js_error_name(&e)))
    }

    fn set(&self, key: &str, value: &str) -> Result<(), Error> {
        self.storage
            .set_item(key, value)
            .map_err(|e| Error::StorageUnavailable(js_error_name(&e)))
    }

    fn remove(&self, key: &str) -> Result<(), Error> {
        self.storage
            .remove_item(key)
            .map_err(|e| Error::StorageUnavailable(js_error_name(&e)))
    }

    fn outlives_page(&self) -> bool {
        true
    }
}

/// Where a client keeps its session (`sessions`) and its pending login (`pending`), and what
/// it got of what it asked for (`mode`).
pub struct Stores {
    /// The session's store.
    pub sessions: Box<dyn Store>,
    /// The pending login's store: sessionStorage whenever it works, since the pending login
    /// must survive the redirect to the authorization server.
    pub pending: Box<dyn Store>,
    /// [`StorageMode::MemoryFallback`] when sessionStorage was asked for but is blocked.
    pub mode: StorageMode,
}

/// The stores for the storage a configuration asks for. Where sessionStorage is blocked,
/// both fall back to memory, with one console warning; the caller reports
/// [`StorageMode::MemoryFallback`] to the app.
pub fn open_stores(requested: StorageMode) -> Stores {
    let memory = || Box::new(MemoryStore::default()) as Box<dyn Store>;
    match (SessionStore::open(), requested) {
        (Ok(s), StorageMode::Memory) => Stores {
            sessions: memory(),
            pending: Box::new(s),
            mode: StorageMode::Memory,
        },
        (Ok(s), _) => Stores {
            sessions: Box::new(s.clone()),
            pending: Box::new(s),
            mode: StorageMode::Session,
        },
        (Err(_), StorageMode::Memory) => Stores {
            sessions: memory(),
            pending: memory(),
            mode: StorageMode::Memory,
        },
        (Err(_), _) => {
            web_sys::console::warn_1(
                &"pixie-auth: sessionStorage is unavailable (blocked by the browser); keeping \
                  the session in memory, where a reload or a redirect loses it"
                    .into(),
            );
            Stores {
                sessions: memory(),
                pending: memory(),
                mode: StorageMode::MemoryFallback,
            }
        }
    }
}

/// The page's cache of public provider documents, kept for the tab in sessionStorage where
/// it works (see [`crate::core::DocumentCache`]), else for the page only.
pub fn document_cache() -> DocumentCache {
    match SessionStore::open() {
        Ok(store) => DocumentCache::with_tab_store(Box::new(store)),
        Err(_) => DocumentCache::default(),
    }
}
