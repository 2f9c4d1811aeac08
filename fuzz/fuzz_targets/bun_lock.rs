//! cargo-fuzz target `bun_lock`: runs `installguard::fuzzing` target `bun_lock` (see `src/fuzzing.rs`).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| installguard::fuzzing::run("bun_lock", data));
