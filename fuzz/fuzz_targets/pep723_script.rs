//! cargo-fuzz target `pep723_script`: runs `installguard::fuzzing` target `pep723_script` (see `src/fuzzing.rs`).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| installguard::fuzzing::run("pep723_script", data));
