//! The strict URL parser (`core::WebUrl`): the crate's own checks (no panic, the serialization
//! parses back to itself, parts and derived URLs consistent), then the differential check
//! against the `url` crate (identical wherever we accept; every refusal of what it accepts one
//! of the listed deliberate ones). `cargo test` replays `fuzz/corpus/url/` through both on
//! stable.
//!
//! Here the `url` crate has full IDNA (this package's lock takes idna_adapter's Unicode back
//! end; the crate's own lock pins the ASCII-only one for size), so an accepted `xn--` label is
//! also checked against UTS #46.
#![no_main]

use libfuzzer_sys::fuzz_target;
use pixie_auth::core::{fuzzing, UrlError, WebUrl};

#[path = "../../src/core/weburl/differential.rs"]
#[allow(dead_code)]
mod differential;

fuzz_target!(|data: &[u8]| {
    fuzzing::url(data);
    if let Err(why) = differential::check(&String::from_utf8_lossy(data)) {
        panic!("{why}");
    }
});
