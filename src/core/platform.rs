//! What the protocol needs from its environment: the [`Platform`] trait (randomness, SHA-256,
//! HTTP, signature checks, AES-GCM, the clock, timers, cross-tab locks and messages) and the
//! [`LockGuard`] its locks return. The browser layer implements it over WebCrypto, `fetch`,
//! Web Locks and BroadcastChannel; the tests over a deterministic fake.

use super::error::Error;
use super::http::{HttpRequest, HttpResponse};
use super::oidc::{Jwk, JwsAlg};
use super::secret::ChannelKey;

/// What the protocol needs from its environment. The browser implementation uses
/// `crypto.getRandomValues`, `crypto.subtle.digest`, `fetch` and `Date.now()`.
#[allow(async_fn_in_trait)] // single-threaded (wasm32): no Send bound is wanted.
pub trait Platform {
    /// Fills `buf` with cryptographically secure random bytes.
    fn random_bytes(&self, buf: &mut [u8]) -> Result<(), Error>;
    /// SHA-256 of `data`.
    async fn sha256(&self, data: &[u8]) -> Result<[u8; 32], Error>;
    /// Sends a request; `Err(Error::Network(_))` when no response arrived.
    async fn fetch(&self, request: HttpRequest) -> Result<HttpResponse, Error>;
    /// Verifies a JWS signature (RFC 7515 §5.2 step 8) over `signing_input` with the public
    /// `key`, which the core has already matched to `alg` and checked
    /// ([`Jwk::check_material`]). `Ok(false)` for a signature that does not verify; an `Err`
    /// only when the check could not be made (e.g. the browser refused to import the key).
    /// For ECDSA, `signature` is JWS's raw `r || s`, which is also WebCrypto's format.
    async fn verify_signature(
        &self,
        alg: JwsAlg,
        key: &Jwk,
        signing_input: &[u8],
        signature: &[u8],
    ) -> Result<bool, Error>;
    /// AES-256-GCM (NIST SP 800-38D) under the 256-bit `key` (base64url of its bytes, which is
    /// also a JWK's `k`) with the 96-bit `iv` and the
    /// additional data `aad`, as WebCrypto's `encrypt` and `decrypt` do. With `encrypt`, `data`
    /// is the plaintext and the result the ciphertext with its 128-bit tag appended; without,
    /// `data` is such a ciphertext and the result its plaintext, or an `Err` when the tag does
    /// not verify (another key, IV or additional data, an altered or truncated ciphertext).
    /// The core picks the IV (random, once per message) and everything else; this only runs
    /// the cipher.
    async fn aes_gcm(
        &self,
        encrypt: bool,
        key: &ChannelKey,
        iv: &[u8; 12],
        aad: &[u8],
        data: &[u8],
    ) -> Result<Vec<u8>, Error>;
    /// The current time in milliseconds since the Unix epoch.
    fn now_ms(&self) -> u64;
    /// Waits `ms` milliseconds (`setTimeout`); the fake advances its clock.
    async fn sleep(&self, ms: u64);
    /// Takes the lock `name`, shared by every tab of the origin (Web Locks) or, where Web Locks
    /// are missing, by this tab only. Waits for it; dropping the guard releases it.
    async fn lock(&self, name: &str) -> LockGuard;
    /// Posts `message` to this client's sibling tabs (BroadcastChannel). False where they
    /// cannot be reached.
    fn broadcast(&self, message: &str) -> bool;
}

/// A held lock ([`Platform::lock`]); dropping it releases the lock.
pub struct LockGuard(Option<Box<dyn FnOnce()>>);

impl LockGuard {
    /// A guard that runs `release` when dropped.
    pub fn new(release: impl FnOnce() + 'static) -> Self {
        LockGuard(Some(Box::new(release)))
    }

    /// A guard with nothing to release.
    pub fn none() -> Self {
        LockGuard(None)
    }
}

impl Drop for LockGuard {
    fn drop(&mut self) {
        if let Some(release) = self.0.take() {
            release();
        }
    }
}

impl core::fmt::Debug for LockGuard {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("LockGuard")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lock_guard_releases_once_on_drop() {
        let released = std::rc::Rc::new(std::cell::Cell::new(0));
        let r = released.clone();
        let guard = LockGuard::new(move || r.set(r.get() + 1));
        assert_eq!(released.get(), 0);
        drop(guard);
        assert_eq!(released.get(), 1);
        drop(LockGuard::none());
    }
}
