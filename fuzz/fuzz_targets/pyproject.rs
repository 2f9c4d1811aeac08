//! cargo-fuzz target `pyproject`: runs `installguard::fuzzing` target `pyproject` (see `src/fuzzing.rs`).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| installguard::fuzzing::run("pyproject", data));
