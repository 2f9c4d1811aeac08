//! cargo-fuzz target `argv_pip`: runs `installguard::fuzzing` target `argv_pip` (see `src/fuzzing.rs`).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| installguard::fuzzing::run("argv_pip", data));
