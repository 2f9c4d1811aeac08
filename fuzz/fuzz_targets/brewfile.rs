//! cargo-fuzz target `brewfile`: runs `installguard::fuzzing` target `brewfile` (see `src/fuzzing.rs`).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| installguard::fuzzing::run("brewfile", data));
