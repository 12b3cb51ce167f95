//! `callback`: the check `pixie_auth::core::fuzzing::check_callback` (its doc says what it asserts).
//! `cargo test` replays `fuzz/corpus/callback/` through the same check on stable.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| pixie_auth::core::fuzzing::check_callback(data));
