//! cargo-fuzz target `setup_cfg`: runs `installguard::fuzzing` target `setup_cfg` (see `src/fuzzing.rs`).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| installguard::fuzzing::run("setup_cfg", data));
