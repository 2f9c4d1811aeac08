//! pipx: resolve `pipx install` and `pipx run` with pip's own resolve-only run (the `pip`
//! resolver of this crate: `--dry-run --report --only-binary :all:`, plus `--ignore-installed`
//! since pipx installs into a new environment) under the interpreter pipx will use (`--python`,
//! else `PIPX_DEFAULT_PYTHON`, else pipx's own), with pipx's `--index-url` and `--pip-args`;
//! then run pipx as typed with the checked versions as constraints (`PIP_CONSTRAINT` and
//! `UV_CONSTRAINT`: pipx 1.18 installs with uv when it finds one; the environment is not
//! recorded, unlike `--pip-args`, which pipx keeps for every later upgrade). pip 23.2.1 takes
//! no hashes in constraints and pipx always names the package on pip's command line, so the
//! pin is by version (each file is checked against the index's own hash); a `pipx install` of
//! one package is compared after with the environment pipx created. Pure except [`resolve`].
//! Does not resolve `inject`, `upgrade*`, `reinstall*`, `--backend uv`, `--editable`,
//! `--system-site-packages` or `pipx run` of a script.

use std::ffi::OsString;
use std::path::PathBuf;

use super::exec::{self, Tool};
use super::{Builds, Failure, Outcome, Plan, Step, Unresolved, Verify, pip};
use crate::cmdline::World;
use crate::cmdline::pipx::Scan;
use crate::request::Request;

const TOOL: &str = "pipx";

/// pip's arguments for the resolve-only run of what pipx would install.
pub fn pip_argv(scan: &Scan) -> Vec<String> {
    let mut out: Vec<String> = vec!["install".into(), "--ignore-installed".into()];
    out.extend(scan.pip_args.iter().cloned());
    out.extend(scan.specs.iter().cloned());
    out
}

/// The constraints file: every checked package at its checked version.
pub fn constraints(packages: &[super::Package]) -> String {
    packages
        .iter()
        .filter_map(|p| {
            p.resolved
                .version
                .as_deref()
                .map(|v| format!("{}=={v}\n", p.name))
        })
        .collect()
}

/// The interpreter a `--python` value names: a path, `3.11` (`python3.11` on PATH), or a
/// program name on PATH.
pub fn python_named(value: &str) -> String {
    if !value.contains('/')
        && value.chars().next().is_some_and(|c| c.is_ascii_digit())
        && value.chars().all(|c| c.is_ascii_digit() || c == '.')
    {
        format!("python{value}")
    } else {
        value.to_string()
    }
}

/// The interpreter pipx uses for a new environment.
fn interpreter(tool: &Tool, scan: &Scan, world: &dyn World) -> Result<PathBuf, String> {
    let env = |k: &str| {
        world
            .env(k)
            .map(|v| v.to_string_lossy().into_owned())
            .filter(|v| !v.is_empty())
    };
    let named = scan
        .python
        .as_deref()
        .map(python_named)
        .or_else(|| env("PIPX_DEFAULT_PYTHON"));
    if let Some(name) = named {
        if name.contains('/') {
            return Ok(world.cwd().join(name));
        }
        let path = env("PATH").unwrap_or_default();
        return which::which_in(&name, Some(path), world.cwd())
            .map_err(|e| format!("cannot find the interpreter `{name}` pipx would use: {e}"));
    }
    // pipx's own interpreter: its script's `#!` line.
    let head = crate::files::read_regular(&tool.real, 4096)
        .map_err(|e| format!("{}: {e}", tool.real.display()))?;
    let first = String::from_utf8_lossy(&head);
    first
        .lines()
        .next()
        .and_then(|l| l.strip_prefix("#!"))
        .map(str::trim)
        .filter(|p| p.starts_with('/') && !p.contains(' '))
        .map(PathBuf::from)
        .ok_or_else(|| {
            format!(
                "{} does not start with a `#!` naming its Python",
                tool.real.display()
            )
        })
}

/// Resolve `pipx install|run` (see the module doc). `args` are pipx's arguments.
pub fn resolve(
    tool: &Tool,
    args: &[OsString],
    scan: &Scan,
    request: &Request,
    world: &dyn World,
    builds: Builds,
    timeout: std::time::Duration,
) -> Outcome {
    let unsupported =
        |why: String| Outcome::Unresolved(Unresolved::new(TOOL, Failure::Unsupported, why));
    if let Some(why) = &scan.unsupported {
        return unsupported(why.clone());
    }
    let python = match interpreter(tool, scan, world) {
        Ok(p) => p,
        Err(why) => return unsupported(why),
    };
    let text = pip_argv(scan);
    let Ok(Some(pip_scan)) = crate::cmdline::pip::scan(&text) else {
        return unsupported("pipx's `--pip-args` are not a pip install pip reads".into());
    };
    let py = Tool {
        argv0: python.clone().into(),
        real: python,
        env: tool.env.clone(),
    };
    let argv: Vec<OsString> = text.iter().map(OsString::from).collect();
    let prefix = [OsString::from("-m"), OsString::from("pip")];
    let mut r = match pip::resolve(&py, &prefix, &argv, &pip_scan, request, builds, timeout) {
        Outcome::Resolved(r) => r,
        Outcome::Unresolved(mut u) => {
            u.tool = TOOL;
            return Outcome::Unresolved(u);
        }
        Outcome::NotNeeded => return Outcome::NotNeeded,
    };
    let Some(work) = r.plan.workdir.take() else {
        return unsupported("pip's resolution kept no work directory".into());
    };
    let file = work.path().join("pipx-constraints.txt");
    if let Err(e) = std::fs::write(&file, constraints(&r.packages)) {
        return Outcome::Unresolved(Unresolved::new(
            TOOL,
            Failure::ToolFailed,
            format!("{}: {e}", file.display()),
        ));
    }
    // pipx installs with pip or, when it finds uv (on PATH or beside itself), with uv: both
    // read a list of constraint files from the environment; the user's own stay.
    let env = ["PIP_CONSTRAINT", "UV_CONSTRAINT"].map(|key| {
        let mut value = world.env(key).unwrap_or_default();
        if !value.is_empty() {
            value.push(" ");
        }
        value.push(file.as_os_str());
        (key, value)
    });
    // The environment pipx creates is compared after (`pipx environment` says where pipx
    // keeps them).
    let verify = scan.environment.as_ref().and_then(|name| {
        let ask = ["environment", "--value", "PIPX_LOCAL_VENVS"].map(OsString::from);
        let ran = exec::run(tool, &ask, world.cwd(), &[], &work, timeout).ok()?;
        let venvs = ran.stdout.trim();
        (ran.ok() && !venvs.is_empty()).then(|| Verify::Environment {
            dir: PathBuf::from(venvs).join(name),
            expect: r
                .packages
                .iter()
                .filter_map(|p| {
                    Some(pip::Pin {
                        name: p.name.clone(),
                        version: p.resolved.version.clone()?,
                        sha256: None,
                    })
                })
                .collect(),
        })
    });
    r.tool = TOOL;
    r.plan = Plan {
        steps: vec![Step {
            args: args.to_vec(),
            env: env.to_vec(),
        }],
        verify,
        writes: Vec::new(),
        keep_writes: false,
        workdir: Some(work),
    };
    r.notes.push(
        "pipx installs with the checked versions as constraints (pip and uv take no hashes there: pinned by version)".into(),
    );
    if scan.command == "run" {
        r.notes
            .push("`pipx run` reuses an environment it cached in the last 14 days as it is".into());
    }
    Outcome::Resolved(r)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pipx_becomes_a_pip_dry_run_into_a_new_environment() {
        let text: Vec<String> = [
            "install",
            "--index-url",
            "http://127.0.0.1:1/simple",
            "--pip-args=--no-index --find-links 'w d'",
            "--preinstall",
            "pre",
            "app>=1",
        ]
        .map(String::from)
        .to_vec();
        let scan = crate::cmdline::pipx::scan(&text).unwrap();
        assert_eq!(
            scan.environment.as_deref(),
            Some("app"),
            "--preinstall goes into it"
        );
        assert_eq!(
            pip_argv(&scan),
            [
                "install",
                "--ignore-installed",
                "--index-url=http://127.0.0.1:1/simple",
                "--no-index",
                "--find-links",
                "w d",
                "pre",
                "app>=1"
            ]
        );
        let run: Vec<String> = ["run", "--spec", "app==2", "--with", "w", "cmd", "--x"]
            .map(String::from)
            .to_vec();
        let scan = crate::cmdline::pipx::scan(&run).unwrap();
        assert_eq!(scan.specs, ["w", "app==2"]);
        let one: Vec<String> = ["install", "--suffix", "_2", "My_App[x]>=1"]
            .map(String::from)
            .to_vec();
        let scan = crate::cmdline::pipx::scan(&one).unwrap();
        assert_eq!(scan.environment.as_deref(), Some("my-app-2"));
        let two: Vec<String> = ["install", "a", "b"].map(String::from).to_vec();
        let scan = crate::cmdline::pipx::scan(&two).unwrap();
        assert_eq!(scan.environment, None, "two packages: two environments");
        let editable: Vec<String> = ["install", "-e", "."].map(String::from).to_vec();
        assert!(
            crate::cmdline::pipx::scan(&editable)
                .unwrap()
                .unsupported
                .is_some()
        );
        let script: Vec<String> = ["run", "tool.py"].map(String::from).to_vec();
        assert!(
            crate::cmdline::pipx::scan(&script)
                .unwrap()
                .unsupported
                .is_some()
        );
        let inject: Vec<String> = ["inject", "env", "x"].map(String::from).to_vec();
        assert!(crate::cmdline::pipx::scan(&inject).is_none());
    }

    #[test]
    fn the_pins_and_the_interpreter() {
        assert_eq!(python_named("3.11"), "python3.11");
        assert_eq!(python_named("/usr/bin/python3"), "/usr/bin/python3");
        assert_eq!(python_named("pypy3"), "pypy3");
        let p = super::super::Package {
            ecosystem: crate::ecosystem::Ecosystem::Pypi,
            name: "dep".into(),
            resolved: crate::request::Resolved {
                version: Some("1.2.0".into()),
                ..crate::request::Resolved::default()
            },
        };
        assert_eq!(constraints(&[p]), "dep==1.2.0\n");
    }
}
