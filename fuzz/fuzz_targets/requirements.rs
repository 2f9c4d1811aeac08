//! cargo-fuzz target `requirements`: runs `installguard::fuzzing` target `requirements` (see `src/fuzzing.rs`).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| installguard::fuzzing::run("requirements", data));
