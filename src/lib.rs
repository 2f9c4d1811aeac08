//! installguard: checks every pip, npm and brew install against policy and reputation data
//! before the real tool runs. The library holds everything; `main.rs` only calls [`cli::main`].

pub mod cmdline;
pub mod ecosystem;
pub mod request;
