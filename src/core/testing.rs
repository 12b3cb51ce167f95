//! Test doubles for the core: a fake platform with a programmable token endpoint and clock,
//! RustCrypto signature checks, and test signing keys to make ID tokens with.

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::future::Future;
use std::pin::pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

use sha2::{Digest, Sha256};

use crate::core::error::{Error, JwksError};
use crate::core::http::{HttpRequest, HttpResponse};
use crate::core::oidc::{Jwk, JwsAlg};
use crate::core::platform::{LockGuard, Platform};

/// Runs a future whose awaits all complete at once (the fake platform never waits).
pub fn block_on<F: Future>(fut: F) -> F::Output {
    let mut fut = pin!(fut);
    let mut cx = Context::from_waker(Waker::noop());
    match fut.as_mut().poll(&mut cx) {
        Poll::Ready(v) => v,
        Poll::Pending => panic!("the fake platform never suspends"),
    }
}

/// An unsigned JWT with the given payload (the signature part is junk: never checked).
pub fn jwt(payload: &str) -> String {
    format!(
        "{}.{}.c2ln",
        crate::core::b64::encode_url(br#"{"alg":"RS256"}"#),
        crate::core::b64::encode_url(payload.as_bytes())
    )
}

/// A hook run by the fake platform at a point of the flow (simulates a sibling tab).
pub type Hook = Box<dyn FnOnce()>;

/// A platform with a deterministic random source, a settable clock, and queued responses.
/// `sleep` advances the clock and records the delay; locks are recorded (and `on_lock` runs
/// while "waiting" for one); broadcasts are recorded and reach siblings only when
/// `siblings` is set.
#[derive(Default)]
pub struct FakePlatform {
    pub now: Cell<u64>,
    counter: Cell<u8>,
    pub responses: RefCell<VecDeque<Result<HttpResponse, Error>>>,
    pub requests: RefCell<Vec<HttpRequest>>,
    /// How many signatures were checked.
    pub verifications: Cell<u32>,
    pub sleeps: RefCell<Vec<u64>>,
    pub locks: RefCell<Vec<String>>,
    pub held: Rc<Cell<u32>>,
    pub broadcasts: RefCell<Vec<String>>,
    pub siblings: Cell<bool>,
    pub on_lock: RefCell<Option<Hook>>,
    pub on_sleep: RefCell<Option<Hook>>,
    pub on_fetch: RefCell<Option<Hook>>,
}

impl FakePlatform {
    pub fn at(now: u64) -> Self {
        let p = FakePlatform::default();
        p.now.set(now);
        p
    }

    pub fn respond(&self, status: u16, body: &str) {
        self.responses.borrow_mut().push_back(Ok(HttpResponse {
            status,
            headers: vec![("content-type".into(), "application/json".into())],
            body: body.into(),
        }));
    }

    pub fn fail_network(&self) {
        self.responses
            .borrow_mut()
            .push_back(Err(Error::Network(None)));
    }

    /// Queues a response with extra headers.
    pub fn respond_with(&self, status: u16, headers: &[(&str, &str)], body: &str) {
        self.responses.borrow_mut().push_back(Ok(HttpResponse {
            status,
            headers: headers
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            body: body.into(),
        }));
    }

    /// The form parameter `name` of request number `i`.
    pub fn form(&self, i: usize, name: &str) -> Option<String> {
        self.requests.borrow()[i]
            .form_params()
            .into_iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v)
    }
}

impl Platform for FakePlatform {
    fn random_bytes(&self, buf: &mut [u8]) -> Result<(), Error> {
        let c = self.counter.get().wrapping_add(1);
        self.counter.set(c);
        for (i, b) in buf.iter_mut().enumerate() {
            *b = c.wrapping_mul(31).wrapping_add(i as u8);
        }
        Ok(())
    }

    async fn sha256(&self, data: &[u8]) -> Result<[u8; 32], Error> {
        Ok(Sha256::digest(data).into())
    }

    async fn fetch(&self, request: HttpRequest) -> Result<HttpResponse, Error> {
        self.requests.borrow_mut().push(request);
        if let Some(hook) = self.on_fetch.borrow_mut().take() {
            hook();
        }
        self.responses
            .borrow_mut()
            .pop_front()
            .expect("an unexpected request was sent")
    }

    async fn verify_signature(
        &self,
        alg: JwsAlg,
        key: &Jwk,
        signing_input: &[u8],
        signature: &[u8],
    ) -> Result<bool, Error> {
        self.verifications.set(self.verifications.get() + 1);
        keys::verify(alg, key, signing_input, signature)
    }

    fn now_ms(&self) -> u64 {
        self.now.get()
    }

    async fn sleep(&self, ms: u64) {
        self.sleeps.borrow_mut().push(ms);
        self.now.set(self.now.get() + ms);
        if let Some(hook) = self.on_sleep.borrow_mut().take() {
            hook();
        }
    }

    async fn lock(&self, name: &str) -> LockGuard {
        assert_eq!(self.held.get(), 0, "locks are not re-entered");
        self.locks.borrow_mut().push(name.to_string());
        if let Some(hook) = self.on_lock.borrow_mut().take() {
            hook();
        }
        self.held.set(1);
        let held = self.held.clone();
        LockGuard::new(move || held.set(0))
    }

    fn broadcast(&self, message: &str) -> bool {
        self.broadcasts.borrow_mut().push(message.to_string());
        self.siblings.get()
    }
}

impl<T: Platform> Platform for &T {
    fn random_bytes(&self, buf: &mut [u8]) -> Result<(), Error> {
        (**self).random_bytes(buf)
    }

    async fn sha256(&self, data: &[u8]) -> Result<[u8; 32], Error> {
        (**self).sha256(data).await
    }

    async fn fetch(&self, request: HttpRequest) -> Result<HttpResponse, Error> {
        (**self).fetch(request).await
    }

    async fn verify_signature(
        &self,
        alg: JwsAlg,
        key: &Jwk,
        signing_input: &[u8],
        signature: &[u8],
    ) -> Result<bool, Error> {
        (**self)
            .verify_signature(alg, key, signing_input, signature)
            .await
    }

    fn now_ms(&self) -> u64 {
        (**self).now_ms()
    }

    async fn sleep(&self, ms: u64) {
        (**self).sleep(ms).await
    }

    async fn lock(&self, name: &str) -> LockGuard {
        (**self).lock(name).await
    }

    fn broadcast(&self, message: &str) -> bool {
        (**self).broadcast(message)
    }
}

/// Test signing keys (RSA 2048, P-256, P-384), made deterministically from fixed seeds, and
/// the RustCrypto verification behind [`FakePlatform::verify_signature`].
pub mod keys {
    use std::sync::OnceLock;

    use rsa::rand_core::{impls, CryptoRng, Error as RngError, RngCore};
    use rsa::traits::PublicKeyParts;
    use rsa::{BigUint, Pkcs1v15Sign, Pss, RsaPrivateKey, RsaPublicKey};
    use serde_json::{json, Value};
    use sha2::{Digest, Sha256, Sha384, Sha512};

    use super::{Error, Jwk, JwksError, JwsAlg};
    use crate::core::b64::{decode_url, encode_url};

    /// A deterministic "random" stream (SHA-256 in counter mode) so test keys, and so the
    /// fixtures pasted into the browser tests, are the same on every run. Tests only.
    pub struct SeededRng {
        seed: [u8; 32],
        counter: u64,
    }

    impl SeededRng {
        pub fn new(label: &str) -> Self {
            SeededRng {
                seed: Sha256::digest(label.as_bytes()).into(),
                counter: 0,
            }
        }
    }

    impl RngCore for SeededRng {
        fn next_u32(&mut self) -> u32 {
            impls::next_u32_via_fill(self)
        }
        fn next_u64(&mut self) -> u64 {
            impls::next_u64_via_fill(self)
        }
        fn fill_bytes(&mut self, dest: &mut [u8]) {
            for chunk in dest.chunks_mut(32) {
                self.counter += 1;
                let block = Sha256::new()
                    .chain_update(self.seed)
                    .chain_update(self.counter.to_be_bytes())
                    .finalize();
                chunk.copy_from_slice(&block[..chunk.len()]);
            }
        }
        fn try_fill_bytes(&mut self, dest: &mut [u8]) -> Result<(), RngError> {
            self.fill_bytes(dest);
            Ok(())
        }
    }

    impl CryptoRng for SeededRng {}

    /// The provider's signing keys in the tests.
    pub struct TestKeys {
        pub rsa: RsaPrivateKey,
        pub p256: p256::ecdsa::SigningKey,
        pub p384: p384::ecdsa::SigningKey,
    }

    /// The keys, made once per test process (RSA key generation takes a moment).
    pub fn test_keys() -> &'static TestKeys {
        static KEYS: OnceLock<TestKeys> = OnceLock::new();
        KEYS.get_or_init(|| {
            let mut rng = SeededRng::new("pixie-auth test rsa");
            let scalar = |label: &str| -> [u8; 32] { Sha256::digest(label.as_bytes()).into() };
            let mut p384_scalar = [0u8; 48];
            SeededRng::new("pixie-auth test p384").fill_bytes(&mut p384_scalar);
            TestKeys {
                rsa: RsaPrivateKey::new(&mut rng, 2048).expect("RSA key generation"),
                p256: p256::ecdsa::SigningKey::from_slice(&scalar("pixie-auth test p256"))
                    .expect("P-256 key"),
                p384: p384::ecdsa::SigningKey::from_slice(&p384_scalar).expect("P-384 key"),
            }
        })
    }

    fn digest(alg: JwsAlg, data: &[u8]) -> Vec<u8> {
        match alg.hash_len() {
            32 => Sha256::digest(data).to_vec(),
            48 => Sha384::digest(data).to_vec(),
            _ => Sha512::digest(data).to_vec(),
        }
    }

    fn pkcs1(alg: JwsAlg) -> Pkcs1v15Sign {
        match alg.hash_len() {
            32 => Pkcs1v15Sign::new::<Sha256>(),
            48 => Pkcs1v15Sign::new::<Sha384>(),
            _ => Pkcs1v15Sign::new::<Sha512>(),
        }
    }

    fn pss(alg: JwsAlg) -> Pss {
        match alg.hash_len() {
            32 => Pss::new_with_salt::<Sha256>(32),
            48 => Pss::new_with_salt::<Sha384>(48),
            _ => Pss::new_with_salt::<Sha512>(64),
        }
    }

    impl TestKeys {
        /// The public JWK that verifies `alg`, with this `kid`.
        pub fn jwk(&self, alg: JwsAlg, kid: &str) -> Value {
            match alg {
                JwsAlg::Es256 => {
                    let p = self.p256.verifying_key().to_encoded_point(false);
                    json!({"kty":"EC","crv":"P-256","kid":kid,"use":"sig",
                        "x":encode_url(p.x().unwrap()),"y":encode_url(p.y().unwrap())})
                }
                JwsAlg::Es384 => {
                    let p = self.p384.verifying_key().to_encoded_point(false);
                    json!({"kty":"EC","crv":"P-384","kid":kid,"use":"sig",
                        "x":encode_url(p.x().unwrap()),"y":encode_url(p.y().unwrap())})
                }
                _ => {
                    let public = self.rsa.to_public_key();
                    json!({"kty":"RSA","kid":kid,"use":"sig",
                        "n":encode_url(&public.n().to_bytes_be()),
                        "e":encode_url(&public.e().to_bytes_be())})
                }
            }
        }

        /// Signs `signing_input` as `alg` would (ECDSA: raw `r || s`).
        pub fn sign_raw(&self, alg: JwsAlg, signing_input: &[u8]) -> Vec<u8> {
            use p256::ecdsa::signature::Signer;
            match alg {
                JwsAlg::Es256 => {
                    let sig: p256::ecdsa::Signature = self.p256.sign(signing_input);
                    sig.to_bytes().to_vec()
                }
                JwsAlg::Es384 => {
                    let sig: p384::ecdsa::Signature = self.p384.sign(signing_input);
                    sig.to_bytes().to_vec()
                }
                JwsAlg::Ps256 | JwsAlg::Ps384 | JwsAlg::Ps512 => {
                    let mut rng = SeededRng::new(&String::from_utf8_lossy(signing_input));
                    self.rsa
                        .sign_with_rng(&mut rng, pss(alg), &digest(alg, signing_input))
                        .unwrap()
                }
                _ => self
                    .rsa
                    .sign(pkcs1(alg), &digest(alg, signing_input))
                    .unwrap(),
            }
        }

        /// A compact JWS of `claims` with this `header` (whose `alg` is not checked, so tests
        /// can lie in it), signed with the key for `alg`.
        pub fn sign_with_header(&self, alg: JwsAlg, header: &Value, claims: &Value) -> String {
            let input = format!(
                "{}.{}",
                encode_url(header.to_string().as_bytes()),
                encode_url(claims.to_string().as_bytes())
            );
            let sig = self.sign_raw(alg, input.as_bytes());
            format!("{input}.{}", encode_url(&sig))
        }

        /// A compact JWS of `claims` with header `{"alg": alg, "kid": kid}`.
        pub fn sign(&self, alg: JwsAlg, kid: &str, claims: &Value) -> String {
            self.sign_with_header(alg, &json!({"alg": alg.name(), "kid": kid}), claims)
        }
    }

    /// Verifies like WebCrypto would: `Ok(false)` for a bad signature, `Err` for a key that
    /// cannot be imported.
    pub fn verify(alg: JwsAlg, key: &Jwk, input: &[u8], signature: &[u8]) -> Result<bool, Error> {
        use p256::ecdsa::signature::Verifier;
        const BAD_KEY: Error = Error::Jwks(JwksError::Invalid("the key could not be imported"));
        let field = |v: &Option<String>| v.as_deref().and_then(decode_url).ok_or(BAD_KEY);
        match alg {
            JwsAlg::Es256 | JwsAlg::Es384 => {
                let mut sec1 = vec![4u8];
                sec1.extend(field(&key.x)?);
                sec1.extend(field(&key.y)?);
                Ok(if alg == JwsAlg::Es256 {
                    let vk =
                        p256::ecdsa::VerifyingKey::from_sec1_bytes(&sec1).map_err(|_| BAD_KEY)?;
                    p256::ecdsa::Signature::from_slice(signature)
                        .is_ok_and(|sig| vk.verify(input, &sig).is_ok())
                } else {
                    let vk =
                        p384::ecdsa::VerifyingKey::from_sec1_bytes(&sec1).map_err(|_| BAD_KEY)?;
                    p384::ecdsa::Signature::from_slice(signature)
                        .is_ok_and(|sig| vk.verify(input, &sig).is_ok())
                })
            }
            _ => {
                let public = RsaPublicKey::new(
                    BigUint::from_bytes_be(&field(&key.n)?),
                    BigUint::from_bytes_be(&field(&key.e)?),
                )
                .map_err(|_| BAD_KEY)?;
                let hashed = digest(alg, input);
                Ok(match alg {
                    JwsAlg::Ps256 | JwsAlg::Ps384 | JwsAlg::Ps512 => {
                        public.verify(pss(alg), &hashed, signature).is_ok()
                    }
                    _ => public.verify(pkcs1(alg), &hashed, signature).is_ok(),
                })
            }
        }
    }
}
