//! # pixie-auth
//!
//! Secret-less login for single-page apps: OAuth 2.0 Authorization Code with PKCE
//! ([RFC 7636](https://www.rfc-editor.org/rfc/rfc7636)), following the OAuth 2.0 Security Best
//! Current Practice ([RFC 9700](https://www.rfc-editor.org/rfc/rfc9700)), compiled to
//! WebAssembly. Works with Genesys Cloud (a region preset) and any standards-following server.
//!
//! - [`core`]: the protocol, pure Rust, no browser: tested natively with `cargo test`.
//! - `browser` (wasm32 only): thin adapters over WebCrypto, sessionStorage, fetch and history.
//! - `api` (wasm32 only): the JavaScript face, `PkceClient` and the free functions.

pub mod core;

#[cfg(target_arch = "wasm32")]
pub mod api;
#[cfg(target_arch = "wasm32")]
pub mod browser;

/// The allocator of the wasm build: talc (about 5 KB smaller than the default dlmalloc, and
/// maintained; wee_alloc is neither maintained nor leak-free). The page runs one thread.
#[cfg(all(target_arch = "wasm32", not(target_feature = "atomics")))]
#[global_allocator]
static ALLOCATOR: talc::wasm::WasmDynamicTalc = talc::wasm::new_wasm_dynamic_allocator();
