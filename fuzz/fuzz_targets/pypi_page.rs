//! cargo-fuzz target `pypi_page`: runs `installguard::fuzzing` target `pypi_page` (see `src/fuzzing.rs`).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| installguard::fuzzing::run("pypi_page", data));
