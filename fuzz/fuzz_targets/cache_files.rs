#![no_main]
//! Fuzz target `cache_files`: the body is `hedge::fuzzing::run`, so that `cargo test` builds it too.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    hedge::fuzzing::run("cache_files", data);
});
