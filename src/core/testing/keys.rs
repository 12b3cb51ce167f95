//! Test signing keys (RSA 2048, P-256, P-384), made deterministically from fixed seeds, and
//! the RustCrypto verification behind [`FakePlatform::verify_signature`](super::FakePlatform);
//! AES-256-GCM behind its `seal` and `open`.

use std::sync::OnceLock;

use rsa::rand_core::{impls, CryptoRng, Error as RngError, RngCore};
use rsa::traits::PublicKeyParts;
use rsa::{BigUint, Pkcs1v15Sign, Pss, RsaPrivateKey, RsaPublicKey};
use serde_json::{json, Value};
use sha2::{Digest, Sha256, Sha384, Sha512};

use crate::core::b64::{decode_url, encode_url};
use crate::core::error::{Error, JwksError};
use crate::core::oidc::{Jwk, JwsAlg};

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
                let vk = p256::ecdsa::VerifyingKey::from_sec1_bytes(&sec1).map_err(|_| BAD_KEY)?;
                p256::ecdsa::Signature::from_slice(signature)
                    .is_ok_and(|sig| vk.verify(input, &sig).is_ok())
            } else {
                let vk = p384::ecdsa::VerifyingKey::from_sec1_bytes(&sec1).map_err(|_| BAD_KEY)?;
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

/// AES-256-GCM encryption with RustCrypto: ciphertext || tag, as WebCrypto gives it.
pub fn aes_gcm_seal(
    key: &[u8; 32],
    iv: &[u8; 12],
    aad: &[u8],
    plaintext: &[u8],
) -> Option<Vec<u8>> {
    use aes_gcm::aead::{Aead, KeyInit, Payload};
    let cipher = aes_gcm::Aes256Gcm::new(key.into());
    let payload = Payload {
        msg: plaintext,
        aad,
    };
    cipher.encrypt(iv.into(), payload).ok()
}

/// AES-256-GCM decryption with RustCrypto; `None` when the tag does not verify.
pub fn aes_gcm_open(key: &[u8; 32], iv: &[u8; 12], aad: &[u8], sealed: &[u8]) -> Option<Vec<u8>> {
    use aes_gcm::aead::{Aead, KeyInit, Payload};
    let cipher = aes_gcm::Aes256Gcm::new(key.into());
    cipher.decrypt(iv.into(), Payload { msg: sealed, aad }).ok()
}
