//! cargo-fuzz target `poetry_lock`: runs `installguard::fuzzing` target `poetry_lock` (see `src/fuzzing.rs`).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| installguard::fuzzing::run("poetry_lock", data));
