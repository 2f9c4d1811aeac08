//! cargo-fuzz target `resolve_tool_output`: runs `installguard::fuzzing` target `resolve_tool_output` (see `src/fuzzing.rs`).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| installguard::fuzzing::run("resolve_tool_output", data));
