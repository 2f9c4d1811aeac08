//! cargo-fuzz target `argv_npm`: runs `installguard::fuzzing` target `argv_npm` (see `src/fuzzing.rs`).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| installguard::fuzzing::run("argv_npm", data));
