//! cargo-fuzz target `argv_pipx`: runs `installguard::fuzzing` target `argv_pipx` (see `src/fuzzing.rs`).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| installguard::fuzzing::run("argv_pipx", data));
