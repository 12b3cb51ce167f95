//! The fuzz targets of the core: each is a check shared by `fuzz/fuzz_targets/<name>.rs`
//! (nightly, cargo-fuzz) and the corpus replay in `cargo test` (stable), so both check the same
//! things. Not part of the API: hidden from the docs, and the release `.wasm` never calls it.
//!
//! A check panics when the code under test is wrong; that is the fuzzer's signal. Each check
//! asserts what the code promises on any input (refusals are typed errors with clean messages
//! that quote no secret, what is accepted is what the input says, round trips are exact), not
//! only that it returns. The shared pieces (reading an input, the rules of an error) are in
//! [`input`]. Adding a target: a check beside its module (`json/fuzzing.rs`,
//! `oauth/fuzzing.rs`; a leaf's here, as `httpdate.rs`), an entry in
//! [`TARGETS`], a `fuzz/fuzz_targets/<name>.rs` calling it (with the module's differential
//! check, when it has one), and a `fuzz/corpus/<name>/` folder (the replay test below refuses a
//! folder without a target and a target without a folder).

use super::json;
use super::weburl;

mod httpdate;
pub mod input;

pub use super::guest::fuzzing::{check_guest_token, check_options};
pub use super::oauth::fuzzing::{check_callback, check_token_response};
pub use super::oidc::fuzzing::{check_discovery, check_jwks, check_jws};
pub use super::session::fuzzing::{check_stored, check_tab_channel};
pub use super::weburl::fuzzing::url;
pub use httpdate::check_http_date;

/// A fuzz target's check: panics when the code under test misbehaves on `data`.
pub type Check = fn(data: &[u8]);

/// Every target: its name (the `fuzz/fuzz_targets/<name>.rs` binary and the
/// `fuzz/corpus/<name>/` folder) and its check.
pub const TARGETS: &[(&str, Check)] = &[
    ("json", json::fuzzing::json),
    ("url", weburl::fuzzing::url),
    ("callback", check_callback),
    ("token", check_token_response),
    ("jwt", check_jws),
    ("jwks", check_jwks),
    ("discovery", check_discovery),
    ("httpdate", check_http_date),
    ("guest", check_guest_token),
    ("channel", check_tab_channel),
    ("stored", check_stored),
    ("options", check_options),
];

/// Every file of every folder of `fuzz/corpus/` goes through its fuzz target's check: `npm
/// test` needs no nightly. A folder without a target, or a target without a folder, fails. The
/// modules replay their own folder through their differential checks too (serde_json for
/// `json`, the `url` crate for `url`).
#[test]
#[cfg(not(target_arch = "wasm32"))] // reads fuzz/corpus/
fn fuzz_corpus_replays_through_the_fuzz_checks() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/corpus");
    let mut seen = Vec::new();
    for dir in std::fs::read_dir(&root).unwrap() {
        let dir = dir.unwrap().path();
        let name = dir.file_name().unwrap().to_string_lossy().into_owned();
        let (_, check) = TARGETS
            .iter()
            .find(|(n, _)| *n == name)
            .unwrap_or_else(|| panic!("fuzz/corpus/{name} has no target in fuzzing::TARGETS"));
        let mut files = 0;
        for file in std::fs::read_dir(&dir).unwrap() {
            let path = file.unwrap().path();
            let data = std::fs::read(&path).unwrap();
            if std::panic::catch_unwind(|| check(&data)).is_err() {
                panic!("{} fails its fuzz check", path.display());
            }
            files += 1;
        }
        assert!(files > 0, "fuzz/corpus/{name} is empty");
        seen.push(name);
    }
    for (name, _) in TARGETS {
        assert!(seen.iter().any(|s| s == name), "no fuzz/corpus/{name}");
    }
}

/// The files of `fuzz/corpus/<name>/`, for the modules' own replays.
#[cfg(all(test, not(target_arch = "wasm32")))]
pub(crate) fn corpus(name: &str) -> Vec<(std::path::PathBuf, Vec<u8>)> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz/corpus")
        .join(name);
    std::fs::read_dir(dir)
        .unwrap()
        .map(|f| {
            let path = f.unwrap().path();
            let data = std::fs::read(&path).unwrap();
            (path, data)
        })
        .collect()
}
