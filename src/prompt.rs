//! The terminal edge: whether a person can be asked, and asking them. Never waits for input
//! that cannot come: without a terminal (or in CI) it says so instead of prompting.

use std::io::IsTerminal;

/// True when stdin and stderr are terminals and we are not in CI.
pub fn interactive() -> bool {
    std::io::stdin().is_terminal() && std::io::stderr().is_terminal() && !in_ci()
}

fn in_ci() -> bool {
    std::env::var_os("CI").is_some_and(|v| !v.is_empty() && v != "false" && v != "0")
}

/// Ask a yes/no question on stderr; the default answer is No.
pub fn confirm(question: &str) -> std::io::Result<bool> {
    dialoguer::Confirm::new()
        .with_prompt(question)
        .default(false)
        .interact_on(&dialoguer::console::Term::stderr())
        .map_err(|dialoguer::Error::IO(e)| e)
}
