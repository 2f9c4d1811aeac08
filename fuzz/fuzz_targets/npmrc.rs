//! cargo-fuzz target `npmrc`: runs `installguard::fuzzing` target `npmrc` (see `src/fuzzing.rs`).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| installguard::fuzzing::run("npmrc", data));
