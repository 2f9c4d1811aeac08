//! cargo-fuzz target `audit_log`: runs `installguard::fuzzing` target `audit_log` (see `src/fuzzing.rs`).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| installguard::fuzzing::run("audit_log", data));
