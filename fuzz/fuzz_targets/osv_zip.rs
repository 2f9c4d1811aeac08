//! cargo-fuzz target `osv_zip`: runs `installguard::fuzzing` target `osv_zip` (see `src/fuzzing.rs`).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| installguard::fuzzing::run("osv_zip", data));
