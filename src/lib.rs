//! installguard: checks every install of the guarded package managers against policy and
//! reputation data before the real tool runs. The library holds everything; `main.rs` only
//! calls [`cli::main`]. Only what the binaries, benches, examples and tests use is `pub`.

pub(crate) mod audit;
pub mod cli;
pub mod cmdline;
pub(crate) mod commands;
pub mod contain;
pub(crate) mod dirs;
pub mod ecosystem;
pub(crate) mod exit;
pub(crate) mod files;
#[doc(hidden)]
pub mod fuzzing;
pub(crate) mod guard;
pub(crate) mod install_code;
mod names;
pub(crate) mod output;
pub(crate) mod policy;
pub(crate) mod prompt;
pub(crate) mod redact;
pub mod reputation;
pub mod request;
pub(crate) mod resolve;
pub(crate) mod scripts;
pub(crate) mod setup;
pub mod shim;
pub(crate) mod signals;
pub mod time;
pub(crate) mod update;
pub mod verdict;
pub(crate) mod version;
pub(crate) mod watch;
pub(crate) mod world;
