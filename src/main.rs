//! The `installguard` binary: everything lives in the library; see `cli::main`.

fn main() {
    installguard::contain::install_hook();
    std::process::exit(installguard::cli::main());
}
