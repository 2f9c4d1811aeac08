//! cargo-fuzz target `uv_toml`: runs `installguard::fuzzing` target `uv_toml` (see `src/fuzzing.rs`).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| installguard::fuzzing::run("uv_toml", data));
