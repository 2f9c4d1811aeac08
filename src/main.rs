//! The `installguard` binary: everything lives in the library; see `cli::main`.

fn main() {
    std::process::exit(installguard::cli::main());
}
