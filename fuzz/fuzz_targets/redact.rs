//! cargo-fuzz target `redact`: runs `installguard::fuzzing` target `redact` (see `src/fuzzing.rs`).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| installguard::fuzzing::run("redact", data));
