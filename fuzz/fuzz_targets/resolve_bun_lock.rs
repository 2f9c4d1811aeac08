//! cargo-fuzz target `resolve_bun_lock`: runs `installguard::fuzzing` target `resolve_bun_lock` (see `src/fuzzing.rs`).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| installguard::fuzzing::run("resolve_bun_lock", data));
