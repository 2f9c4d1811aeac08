//! cargo-fuzz target `package_json`: runs `installguard::fuzzing` target `package_json` (see `src/fuzzing.rs`).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| installguard::fuzzing::run("package_json", data));
