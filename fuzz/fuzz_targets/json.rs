//! The JSON reader and writer: the crate's own checks (no panic, error offsets inside the
//! input, write(parse(x)) reads back equal and writes the same, number accessors agree), then
//! the differential check against serde_json. `cargo test` replays `fuzz/corpus/json/` through
//! both on stable.
#![no_main]

use libfuzzer_sys::fuzz_target;
use pixie_auth::core::json;

#[path = "../../src/core/json/differential.rs"]
#[allow(dead_code)]
mod differential;

fuzz_target!(|data: &[u8]| {
    json::fuzzing::json(data);
    if let Err(why) = differential::check(data) {
        panic!("{why}");
    }
});
