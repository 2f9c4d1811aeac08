//! cargo-fuzz target `bunfig`: runs `installguard::fuzzing` target `bunfig` (see `src/fuzzing.rs`).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| installguard::fuzzing::run("bunfig", data));
