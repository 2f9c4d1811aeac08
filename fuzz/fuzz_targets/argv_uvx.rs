//! cargo-fuzz target `argv_uvx`: runs `installguard::fuzzing` target `argv_uvx` (see `src/fuzzing.rs`).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| installguard::fuzzing::run("argv_uvx", data));
