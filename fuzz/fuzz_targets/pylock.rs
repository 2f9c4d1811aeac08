//! cargo-fuzz target `pylock`: runs `installguard::fuzzing` target `pylock` (see `src/fuzzing.rs`).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| installguard::fuzzing::run("pylock", data));
