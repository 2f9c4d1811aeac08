//! cargo-fuzz target `argv_bun`: runs `installguard::fuzzing` target `argv_bun` (see `src/fuzzing.rs`).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| installguard::fuzzing::run("argv_bun", data));
