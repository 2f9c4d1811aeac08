//! cargo-fuzz target `argv_bunx`: runs `installguard::fuzzing` target `argv_bunx` (see `src/fuzzing.rs`).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| installguard::fuzzing::run("argv_bunx", data));
