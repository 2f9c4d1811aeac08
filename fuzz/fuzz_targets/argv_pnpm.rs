//! cargo-fuzz target `argv_pnpm`: runs `installguard::fuzzing` target `argv_pnpm` (see `src/fuzzing.rs`).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| installguard::fuzzing::run("argv_pnpm", data));
