//! cargo-fuzz target `yarn_lock`: runs `installguard::fuzzing` target `yarn_lock` (see `src/fuzzing.rs`).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| installguard::fuzzing::run("yarn_lock", data));
