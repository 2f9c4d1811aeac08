//! cargo-fuzz target `yarnrc_yml`: runs `installguard::fuzzing` target `yarnrc_yml` (see `src/fuzzing.rs`).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| installguard::fuzzing::run("yarnrc_yml", data));
