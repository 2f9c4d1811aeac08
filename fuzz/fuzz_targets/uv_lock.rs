//! cargo-fuzz target `uv_lock`: runs `installguard::fuzzing` target `uv_lock` (see `src/fuzzing.rs`).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| installguard::fuzzing::run("uv_lock", data));
