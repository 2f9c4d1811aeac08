//! cargo-fuzz target `resolve_yarn_zip`: runs `installguard::fuzzing` target `resolve_yarn_zip` (see `src/fuzzing.rs`).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| installguard::fuzzing::run("resolve_yarn_zip", data));
