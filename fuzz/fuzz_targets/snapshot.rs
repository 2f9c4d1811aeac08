//! cargo-fuzz target `snapshot`: runs `installguard::fuzzing` target `snapshot` (see `src/fuzzing.rs`).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| installguard::fuzzing::run("snapshot", data));
