//! cargo-fuzz target `policy`: runs `installguard::fuzzing` target `policy` (see `src/fuzzing.rs`).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| installguard::fuzzing::run("policy", data));
