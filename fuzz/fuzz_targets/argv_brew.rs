//! cargo-fuzz target `argv_brew`: runs `installguard::fuzzing` target `argv_brew` (see `src/fuzzing.rs`).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| installguard::fuzzing::run("argv_brew", data));
