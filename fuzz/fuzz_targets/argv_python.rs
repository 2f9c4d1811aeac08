//! cargo-fuzz target `argv_python`: runs `installguard::fuzzing` target `argv_python` (see `src/fuzzing.rs`).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| installguard::fuzzing::run("argv_python", data));
