//! cargo-fuzz target `argv_poetry`: runs `installguard::fuzzing` target `argv_poetry` (see `src/fuzzing.rs`).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| installguard::fuzzing::run("argv_poetry", data));
