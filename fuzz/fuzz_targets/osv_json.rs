//! cargo-fuzz target `osv_json`: runs `installguard::fuzzing` target `osv_json` (see `src/fuzzing.rs`).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| installguard::fuzzing::run("osv_json", data));
