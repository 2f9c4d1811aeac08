//! cargo-fuzz target `argv_npx`: runs `installguard::fuzzing` target `argv_npx` (see `src/fuzzing.rs`).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| installguard::fuzzing::run("argv_npx", data));
