//! cargo-fuzz target `resolve_pip_report`: runs `installguard::fuzzing` target `resolve_pip_report` (see `src/fuzzing.rs`).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| installguard::fuzzing::run("resolve_pip_report", data));
