//! cargo-fuzz target `package_lock`: runs `installguard::fuzzing` target `package_lock` (see `src/fuzzing.rs`).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| installguard::fuzzing::run("package_lock", data));
