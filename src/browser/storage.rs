//! `sessionStorage` behind the core's [`Store`] trait.
//!
//! Not gloo-storage: its `SessionStorage::raw()` panics where storage is blocked (Safari
//! private mode, sandboxed iframes, disabled cookies), which would abort the whole wasm
//! instance. Here, opening is a fallible probe, and every later failure is a typed error.

use web_sys::Storage;

use super::window;
use crate::core::Error;
use crate::core::Store;

/// The tab's `sessionStorage`.
#[derive(Debug, Clone)]
pub struct SessionStore {
    storage: Storage,
}

impl SessionStore {
    /// Opens sessionStorage and proves it works with a write and a delete. Fails where the
    /// browser blocks it (the getter throws, returns null, or writes throw).
    pub fn open() -> Result<Self, Error> {
        let storage = window()?
            .session_storage()
            .ok()
            .flatten()
            .ok_or(Error::StorageUnavailable)?;
        const PROBE: &str = "pixie:probe";
        storage
            .set_item(PROBE, "1")
            .map_err(|_| Error::StorageUnavailable)?;
        storage
            .remove_item(PROBE)
            .map_err(|_| Error::StorageUnavailable)?;
        Ok(SessionStore { storage })
    }
}

impl Store for SessionStore {
    fn get(&self, key: &str) -> Result<Option<String>, Error> {
        self.storage
            .get_item(key)
            .map_err(|_| Error::StorageUnavailable)
    }

    fn set(&self, key: &str, value: &str) -> Result<(), Error> {
        self.storage
            .set_item(key, value)
            .map_err(|_| Error::StorageUnavailable)
    }

    fn remove(&self, key: &str) -> Result<(), Error> {
        self.storage
            .remove_item(key)
            .map_err(|_| Error::StorageUnavailable)
    }
}
