//! The light shim's decision, from argv alone: a command line that certainly installs nothing
//! goes straight to the real tool; anything else (or anything not read as text) goes to the
//! full guard. Reads no file and no environment variable, and decides nothing else.
//!
//! Each manager's answer is the front half of its own parser (`installs_nothing` next to
//! `parse`, sharing the same function), the half that reads only argv: whatever it passes,
//! [`super::understand`] passes too, for every project, configuration and environment. What
//! the full parser passes only after reading files (`npm exec` of a local bin, `yarn add`
//! without a package, ...) goes to the guard, which reads them. No environment variable makes
//! these command lines install: the parsers read `npm_config_*`, `PIP_*`, `UV_*`, ... only
//! for what an install fetches and from where, after the command is known to install.

use std::ffi::{OsStr, OsString};

use super::{Program, bun, npm, pip, pipx, pnpm, poetry, python, uv, yarn};

/// What the light shim does with a command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Passage {
    /// It installs nothing, whatever the files say: `exec` the real tool now.
    Exec,
    /// It may install, or argv alone cannot tell: hand it to the full guard.
    Guard,
}

/// Decide for `program args` (the program as typed: a name or a path). An unguarded program,
/// or an argument that is not UTF-8 (never read as text here), goes to the guard.
pub fn passage(program: &OsStr, args: &[OsString]) -> Passage {
    let Some(kind) = Program::from_name(program) else {
        return Passage::Guard;
    };
    let Some(args) = args
        .iter()
        .map(|a| a.to_str().map(str::to_string))
        .collect::<Option<Vec<String>>>()
    else {
        return Passage::Guard;
    };
    let nothing = match kind {
        Program::Pip => pip::installs_nothing(&args),
        Program::Python => python::pip_args(&args).is_none_or(pip::installs_nothing),
        Program::Npm => npm::installs_nothing(&args),
        Program::Npx => npm::npx_installs_nothing(&args),
        Program::Brew => super::brew::installs_nothing(&args),
        Program::Uv => uv::installs_nothing(&args),
        Program::Pipx => pipx::installs_nothing(&args),
        Program::Poetry => poetry::installs_nothing(&args),
        Program::Yarn => yarn::installs_nothing(&args),
        Program::Pnpm => pnpm::installs_nothing(&args),
        Program::Pnpx => pnpm::pnpx_installs_nothing(&args),
        Program::Bun => bun::installs_nothing(&args),
        // `uvx` and `bunx` always run a tool they may fetch.
        Program::Uvx | Program::Bunx => false,
    };
    if nothing {
        Passage::Exec
    } else {
        Passage::Guard
    }
}

#[cfg(test)]
mod tests;
