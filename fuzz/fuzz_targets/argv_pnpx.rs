//! cargo-fuzz target `argv_pnpx`: runs `installguard::fuzzing` target `argv_pnpx` (see `src/fuzzing.rs`).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| installguard::fuzzing::run("argv_pnpx", data));
