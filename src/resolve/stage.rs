//! The resolution stage as the guard runs it: which tool's resolver a command goes to (pip,
//! `python -m pip`, npm, pnpm, bun, yarn, brew, `uv pip install`, uv projects, uv tools and
//! `uvx`, pipx, and the one-off runners npx / `npm exec`, `pnpm dlx` / pnpx, bunx / `bun x`),
//! with the same real tool, arguments and environment the install will use. Dispatch only;
//! each tool's module does the work. Commands no resolver covers are reported unresolved (the
//! policy decides what that means), never silently skipped.

use std::ffi::OsString;

use super::exec::Tool;
use super::{
    Builds, Failure, Outcome, Settings, Unresolved, brew, js, npm, oneoff, pip, pipx, uv,
    uv_project,
};
use crate::cmdline::uv::Command;
use crate::cmdline::{Program, World};
use crate::request::Request;

/// Resolve the tree `program args` would install.
pub fn resolve(
    kind: Program,
    tool: &Tool,
    args: &[OsString],
    request: &Request,
    world: &dyn World,
    settings: &Settings,
    builds: Builds,
) -> Outcome {
    let text = super::lossy(args);
    match kind {
        Program::Pip | Program::Python => {
            let (prefix_len, pip_text) = match kind {
                Program::Python => match crate::cmdline::python::pip_args(&text) {
                    Some(rest) => (text.len() - rest.len(), rest),
                    None => return Outcome::NotNeeded,
                },
                _ => (0, &text[..]),
            };
            let Ok(Some(scan)) = crate::cmdline::pip::scan(pip_text) else {
                return Outcome::NotNeeded;
            };
            pip::resolve(
                tool,
                &args[..prefix_len],
                &args[prefix_len..],
                &scan,
                request,
                builds,
                settings,
            )
        }
        Program::Npm => match crate::cmdline::npm::shape(&text, world) {
            Some(shape) if shape.command == "exec" => {
                oneoff::npm_exec(oneoff::Runner::NpmExec, tool, args, world, settings.timeout)
            }
            Some(shape) => npm::resolve(tool, args, &shape, settings),
            None => Outcome::NotNeeded,
        },
        Program::Npx => oneoff::npm_exec(oneoff::Runner::Npx, tool, args, world, settings.timeout),
        Program::Brew => brew::resolve(tool, args, request, settings.timeout),
        Program::Pnpm if crate::cmdline::pnpm::dlx_shape(&text, world).is_some() => {
            oneoff::pnpm_dlx(tool, args, false, world, settings.timeout)
        }
        Program::Pnpm => js::resolve(js::Js::Pnpm, tool, args, settings.timeout),
        Program::Pnpx => oneoff::pnpm_dlx(tool, args, true, world, settings.timeout),
        Program::Bun
            if text
                .iter()
                .find(|a| !a.starts_with('-'))
                .map(String::as_str)
                == Some("x") =>
        {
            let at = text.iter().position(|a| a == "x").unwrap_or(0);
            oneoff::bunx(tool, args, at + 1, world, settings.timeout)
        }
        Program::Bun => js::resolve(js::Js::Bun, tool, args, settings.timeout),
        Program::Yarn => js::resolve_yarn(tool, args, settings.timeout),
        Program::Bunx => oneoff::bunx(tool, args, 0, world, settings.timeout),
        Program::Uv | Program::Uvx => {
            match crate::cmdline::uv::scan(&text, kind == Program::Uvx).map(|s| (s.command, s)) {
                Some((Command::PipInstall | Command::ToolInstall | Command::ToolRun, scan)) => {
                    // `uvx` cannot compile: its `uv` (installed beside it) does.
                    let uv_tool = (kind == Program::Uvx).then(|| Tool {
                        real: std::fs::canonicalize(&tool.real)
                            .unwrap_or_else(|_| tool.real.clone())
                            .with_file_name("uv"),
                        argv0: "uv".into(),
                        env: tool.env.clone(),
                    });
                    let tool = uv_tool.as_ref().unwrap_or(tool);
                    uv::resolve(tool, args, &scan, request, builds, settings.timeout)
                }
                Some((
                    Command::Add
                    | Command::Remove
                    | Command::Sync
                    | Command::Lock
                    | Command::Run
                    | Command::Export,
                    scan,
                )) => uv_project::resolve(tool, args, &scan, world, builds, settings.timeout),
                None => Outcome::Unresolved(Unresolved::new(
                    "uv",
                    Failure::Unsupported,
                    "installguard resolves `uv pip install`, `uv add|remove|sync|lock|run|export`, `uv tool install|run` and `uvx`; this command is checked by name",
                )),
            }
        }
        Program::Pipx => match crate::cmdline::pipx::scan(&text) {
            Some(scan) => {
                pipx::resolve(tool, args, &scan, request, world, builds, settings.timeout)
            }
            None => Outcome::Unresolved(Unresolved::new(
                "pipx",
                Failure::Unsupported,
                "installguard resolves `pipx install`, `run`, `inject` and `upgrade`; this command is checked by name",
            )),
        },
        // Measured (poetry 2.5.1): `poetry lock` / `poetry add --lock` builds an sdist whose
        // metadata it cannot trust (PKG-INFO before 2.2) to learn its dependencies, running its
        // build backend, and has no option that refuses to: resolving first would itself run
        // package code. Its lockfile and pyproject.toml are checked by name instead.
        Program::Poetry => Outcome::Unresolved(Unresolved::new(
            "poetry",
            Failure::Unsupported,
            "poetry is not resolved first: `poetry lock` builds sdists to learn their dependencies (running their code) and cannot be told not to; poetry.lock and pyproject.toml are checked by name",
        )),
    }
}
