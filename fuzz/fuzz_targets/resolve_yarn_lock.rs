//! cargo-fuzz target `resolve_yarn_lock`: runs `installguard::fuzzing` target `resolve_yarn_lock` (see `src/fuzzing.rs`).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| installguard::fuzzing::run("resolve_yarn_lock", data));
