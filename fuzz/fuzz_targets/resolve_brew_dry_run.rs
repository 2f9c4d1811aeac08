//! cargo-fuzz target `resolve_brew_dry_run`: runs `installguard::fuzzing` target `resolve_brew_dry_run` (see `src/fuzzing.rs`).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| installguard::fuzzing::run("resolve_brew_dry_run", data));
