//! cargo-fuzz target `updated`: runs `installguard::fuzzing` target `updated` (see `src/fuzzing.rs`).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| installguard::fuzzing::run("updated", data));
