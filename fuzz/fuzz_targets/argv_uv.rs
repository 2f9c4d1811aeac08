//! cargo-fuzz target `argv_uv`: runs `installguard::fuzzing` target `argv_uv` (see `src/fuzzing.rs`).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| installguard::fuzzing::run("argv_uv", data));
