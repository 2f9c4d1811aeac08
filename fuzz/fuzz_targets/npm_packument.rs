//! cargo-fuzz target `npm_packument`: runs `installguard::fuzzing` target `npm_packument` (see `src/fuzzing.rs`).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| installguard::fuzzing::run("npm_packument", data));
