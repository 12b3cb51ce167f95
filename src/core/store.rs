//! Storage behind a small trait, so the browser's sessionStorage and an in-memory store are
//! interchangeable (and tests need no browser).

use std::cell::RefCell;

use crate::core::error::Error;

/// A string key-value store. Takes `&self`: implementations use interior mutability.
pub trait Store {
    /// Reads a value.
    fn get(&self, key: &str) -> Result<Option<String>, Error>;
    /// Writes a value.
    fn set(&self, key: &str, value: &str) -> Result<(), Error>;
    /// Deletes a value (absent is fine).
    fn remove(&self, key: &str) -> Result<(), Error>;
    /// Whether what is written here is still there after the tab navigates away and back
    /// (sessionStorage: yes; memory: no), as a redirect login's pending login must be.
    fn outlives_page(&self) -> bool {
        false
    }
}

/// A store in memory: gone when the page unloads. It holds a handful of keys, so a list is
/// enough (and smaller in the .wasm than a `BTreeMap` with its rebalancing). It holds
/// sessions, so its `Debug` shows the keys only, never a value.
#[derive(Default)]
pub struct MemoryStore {
    map: RefCell<Vec<(String, String)>>,
}

impl core::fmt::Debug for MemoryStore {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let map = self.map.borrow();
        f.debug_set().entries(map.iter().map(|(k, _)| k)).finish()
    }
}

impl Store for MemoryStore {
    fn get(&self, key: &str) -> Result<Option<String>, Error> {
        let map = self.map.borrow();
        Ok(map.iter().find(|(k, _)| k == key).map(|(_, v)| v.clone()))
    }

    fn set(&self, key: &str, value: &str) -> Result<(), Error> {
        self.remove(key)?;
        self.map
            .borrow_mut()
            .push((key.to_string(), value.to_string()));
        Ok(())
    }

    fn remove(&self, key: &str) -> Result<(), Error> {
        self.map.borrow_mut().retain(|(k, _)| k != key);
        Ok(())
    }
}

impl<S: Store + ?Sized> Store for std::rc::Rc<S> {
    fn get(&self, key: &str) -> Result<Option<String>, Error> {
        (**self).get(key)
    }

    fn set(&self, key: &str, value: &str) -> Result<(), Error> {
        (**self).set(key, value)
    }

    fn remove(&self, key: &str) -> Result<(), Error> {
        (**self).remove(key)
    }

    fn outlives_page(&self) -> bool {
        (**self).outlives_page()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn memory_store_round_trip() {
        let s = MemoryStore::default();
        assert_eq!(s.get("k").unwrap(), None);
        s.set("k", "v").unwrap();
        assert_eq!(s.get("k").unwrap().as_deref(), Some("v"));
        s.set("k", "w").unwrap();
        s.set("l", "x").unwrap();
        assert_eq!(s.get("k").unwrap().as_deref(), Some("w"));
        assert_eq!(s.get("l").unwrap().as_deref(), Some("x"));
        s.remove("k").unwrap();
        s.remove("k").unwrap();
        assert_eq!(s.get("k").unwrap(), None);
    }
}
