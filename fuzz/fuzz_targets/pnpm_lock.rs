//! cargo-fuzz target `pnpm_lock`: runs `installguard::fuzzing` target `pnpm_lock` (see `src/fuzzing.rs`).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| installguard::fuzzing::run("pnpm_lock", data));
