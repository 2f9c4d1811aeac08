//! cargo-fuzz target `pnpm_workspace`: runs `installguard::fuzzing` target `pnpm_workspace` (see `src/fuzzing.rs`).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| installguard::fuzzing::run("pnpm_workspace", data));
