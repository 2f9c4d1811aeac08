//! cargo-fuzz target `yarnrc`: runs `installguard::fuzzing` target `yarnrc` (see `src/fuzzing.rs`).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| installguard::fuzzing::run("yarnrc", data));
