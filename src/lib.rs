//! installguard: checks every pip, npm and brew install against policy and reputation data
//! before the real tool runs. The library holds everything; `main.rs` only calls [`cli::main`].

pub mod audit;
pub mod cli;
pub mod cmdline;
pub mod commands;
pub mod contain;
pub mod dirs;
pub mod ecosystem;
pub mod exit;
pub mod files;
#[doc(hidden)]
pub mod fuzzing;
pub mod guard;
pub mod install_code;
mod names;
pub mod output;
pub mod policy;
pub mod prompt;
pub mod redact;
pub mod reputation;
pub mod request;
pub mod resolve;
pub mod scripts;
pub mod setup;
pub mod shim;
pub mod signals;
pub mod time;
pub mod update;
pub mod verdict;
pub mod version;
pub mod watch;
pub mod world;
