//! cargo-fuzz target `argv_yarn`: runs `installguard::fuzzing` target `argv_yarn` (see `src/fuzzing.rs`).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| installguard::fuzzing::run("argv_yarn", data));
