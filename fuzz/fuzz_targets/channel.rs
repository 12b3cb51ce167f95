//! `channel`: the check `pixie_auth::core::fuzzing::check_tab_channel` (its doc says what it asserts).
//! `cargo test` replays `fuzz/corpus/channel/` through the same check on stable.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| pixie_auth::core::fuzzing::check_tab_channel(data));
