//! cargo-fuzz target `pip_conf`: runs `installguard::fuzzing` target `pip_conf` (see `src/fuzzing.rs`).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| installguard::fuzzing::run("pip_conf", data));
