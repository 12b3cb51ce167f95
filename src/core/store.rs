//! Storage behind a small trait, so the browser's sessionStorage and an in-memory store are
//! interchangeable (and tests need no browser).

use std::cell::RefCell;
use std::collections::BTreeMap;

use super::error::Error;

/// A string key-value store. Takes `&self`: implementations use interior mutability.
pub trait Store {
    /// Reads a value.
    fn get(&self, key: &str) -> Result<Option<String>, Error>;
    /// Writes a value.
    fn set(&self, key: &str, value: &str) -> Result<(), Error>;
    /// Deletes a value (absent is fine).
    fn remove(&self, key: &str) -> Result<(), Error>;
}

/// A store in memory: gone when the page unloads.
#[derive(Debug, Default)]
pub struct MemoryStore {
    map: RefCell<BTreeMap<String, String>>,
}

impl Store for MemoryStore {
    fn get(&self, key: &str) -> Result<Option<String>, Error> {
        Ok(self.map.borrow().get(key).cloned())
    }

    fn set(&self, key: &str, value: &str) -> Result<(), Error> {
        self.map
            .borrow_mut()
            .insert(key.to_string(), value.to_string());
        Ok(())
    }

    fn remove(&self, key: &str) -> Result<(), Error> {
        self.map.borrow_mut().remove(key);
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
        s.remove("k").unwrap();
        s.remove("k").unwrap();
        assert_eq!(s.get("k").unwrap(), None);
    }
}
