//! pipx: resolve `pipx install`, `run`, `inject` and `upgrade` with pip's own resolve-only
//! run (the `pip` resolver of this crate: `--dry-run --report --only-binary :all:`) under the
//! interpreter pipx uses (`--python`, else `PIPX_DEFAULT_PYTHON`, else pipx's own), with
//! pipx's `--index-url`, `--requirement` and `--pip-args`: for a new environment (install,
//! run) with `--ignore-installed`; for an existing one (inject, upgrade) against that
//! environment (`pip --python <its interpreter>`, which needs no pip inside it: pipx's uv
//! backend installs none), so the report is the delta; `upgrade` asks for what the
//! environment's `pipx_metadata.json` says it was installed from (`--upgrade`, its recorded
//! pip arguments, `--include-injected`). Then pipx runs as typed with the checked versions as
//! constraints (`PIP_CONSTRAINT` and `UV_CONSTRAINT`: pipx 1.18 installs with uv when it finds
//! one; the environment is not recorded, unlike `--pip-args`, which pipx keeps for every later
//! upgrade). pip 23.2.1 takes no hashes in constraints and pipx always names the package on
//! pip's command line, so the pin is by version (each file is checked against the index's own
//! hash); the environment is compared after (a new one: exactly the checked set; an existing
//! one: what it held with every checked package at its checked version). Pure except
//! [`resolve`] and what it runs. Does not resolve (checked by name, with the reason):
//! `upgrade` of several environments, `upgrade-all`, `upgrade-shared`, `reinstall*`,
//! `--backend uv`, `--editable`, `--system-site-packages`, `pipx run` of a script.

use std::ffi::OsString;
use std::path::PathBuf;

use super::exec::{self, Tool, Workdir};
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

/// Where pipx keeps its environments (`pipx environment --value PIPX_LOCAL_VENVS`).
fn venvs(
    tool: &Tool,
    world: &dyn World,
    work: &Workdir,
    timeout: std::time::Duration,
) -> Option<PathBuf> {
    let ask = ["environment", "--value", "PIPX_LOCAL_VENVS"].map(OsString::from);
    let ran = exec::run(tool, &ask, world.cwd(), &[], work, timeout).ok()?;
    let venvs = ran.stdout.trim();
    (ran.ok() && !venvs.is_empty()).then(|| PathBuf::from(venvs))
}

/// What `pipx upgrade` asks the environment's installer for, from the environment's
/// `pipx_metadata.json`: the main package (and, with `--include-injected`, the injected ones)
/// as it was installed (`package_or_url`), with the pip arguments pipx recorded. Pure.
pub fn upgrade_argv(metadata: &[u8], injected: bool) -> Result<Vec<String>, String> {
    let doc: serde_json::Value =
        serde_json::from_slice(metadata).map_err(|e| format!("not valid JSON: {e}"))?;
    let mut packages = vec![&doc["main_package"]];
    if injected && let Some(map) = doc["injected_packages"].as_object() {
        packages.extend(map.values());
    }
    let mut out: Vec<String> = vec!["--upgrade".into()];
    // The main package's pip arguments (pipx records the same ones for what it injects).
    for a in doc["main_package"]["pip_args"]
        .as_array()
        .into_iter()
        .flatten()
    {
        out.push(
            a.as_str()
                .ok_or("`pip_args` holds something other than text")?
                .to_string(),
        );
    }
    for p in packages {
        let spec = p["package_or_url"]
            .as_str()
            .ok_or("a package without `package_or_url`")?;
        out.push(spec.to_string());
    }
    Ok(out)
}

/// Resolve `pipx install|run|inject|upgrade` (see the module doc). `args` are pipx's
/// arguments.
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
    let probe = match Workdir::new() {
        Ok(w) => w,
        Err(e) => return unsupported(format!("work directory: {e}")),
    };
    let env_dir = scan
        .environment
        .as_ref()
        .and_then(|name| Some(venvs(tool, world, &probe, timeout)?.join(name)));
    // `inject` and `upgrade` change an environment that exists: pip resolves against it
    // (`--python` its interpreter: the delta), and it is compared after as it was plus that.
    let existing = matches!(scan.command, "inject" | "upgrade");
    let mut before = Vec::new();
    let mut prefix = vec![OsString::from("-m"), OsString::from("pip")];
    let text = if existing {
        let Some(dir) = env_dir.as_ref().filter(|d| d.join("bin/python").exists()) else {
            return Outcome::Unresolved(Unresolved::new(
                TOOL,
                Failure::ToolFailed,
                format!(
                    "pipx has no environment `{}` to {}",
                    scan.environment.as_deref().unwrap_or_default(),
                    scan.command
                ),
            ));
        };
        before = exec::distributions(dir).unwrap_or_default();
        // pip takes `--python` before its command only.
        prefix.extend(["--python".into(), dir.join("bin/python").into_os_string()]);
        let mut text: Vec<String> = vec!["install".into()];
        if scan.command == "upgrade" {
            let meta = dir.join("pipx_metadata.json");
            let read = crate::files::read_regular(&meta, 16 << 20)
                .map_err(|e| e.to_string())
                .and_then(|b| upgrade_argv(&b, scan.include_injected));
            match read {
                Ok(words) => text.extend(words),
                Err(e) => return unsupported(format!("{}: {e}", meta.display())),
            }
        }
        text.extend(scan.pip_args.iter().cloned());
        text.extend(scan.specs.iter().cloned());
        text
    } else {
        pip_argv(scan)
    };
    let Ok(Some(pip_scan)) = crate::cmdline::pip::scan(&text) else {
        return unsupported("pipx's `--pip-args` are not a pip install pip reads".into());
    };
    let py = Tool {
        argv0: python.clone().into(),
        real: python,
        env: tool.env.clone(),
    };
    let argv: Vec<OsString> = text.iter().map(OsString::from).collect();
    // pipx installs with its own pip (or uv) later, pinned by constraints: pip's two runs'
    // resolution, never its one process (no install environment).
    let settings = super::Settings {
        enabled: true,
        timeout,
        install_env: Vec::new(),
    };
    let mut r = match pip::resolve(&py, &prefix, &argv, &pip_scan, request, builds, &settings) {
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
    // The environment is compared after: what it held (for inject and upgrade), with every
    // checked package at its checked version.
    let verify = env_dir.map(|dir| Verify::Environment {
        dir,
        expect: expected(&before, &r.packages),
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
        ..Plan::default()
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

/// What an environment holds after the install: what it held (`before`, `(name, version)`)
/// with each checked package at its checked version. Pure.
pub fn expected(before: &[(String, String)], checked: &[super::Package]) -> Vec<pip::Pin> {
    use crate::ecosystem::pep503;
    let pin = |name: &str, version: &str| pip::Pin {
        name: name.to_string(),
        version: version.to_string(),
        sha256: None,
    };
    let mut out: Vec<pip::Pin> = checked
        .iter()
        .filter_map(|p| Some(pin(&p.name, p.resolved.version.as_deref()?)))
        .collect();
    for (name, version) in before {
        if !out.iter().any(|p| pep503(&p.name) == pep503(name)) {
            out.push(pin(name, version));
        }
    }
    out
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
        let inject: Vec<String> = ["inject", "My_Env", "x", "-r", "r.txt"]
            .map(String::from)
            .to_vec();
        let scan = crate::cmdline::pipx::scan(&inject).unwrap();
        assert_eq!(scan.environment.as_deref(), Some("my-env"));
        assert_eq!(
            (scan.specs, scan.pip_args),
            (vec!["x".into()], vec!["-r".into(), "r.txt".into()])
        );
        let upgrade: Vec<String> = ["upgrade", "a", "b"].map(String::from).to_vec();
        assert!(
            crate::cmdline::pipx::scan(&upgrade)
                .unwrap()
                .unsupported
                .is_some(),
            "one environment at a time"
        );
        let list: Vec<String> = ["list"].map(String::from).to_vec();
        assert!(crate::cmdline::pipx::scan(&list).is_none());
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

    #[test]
    fn an_upgrade_asks_for_what_the_environment_was_installed_from() {
        let meta = br#"{"main_package": {"package_or_url": "app>=1", "pip_args": ["--no-index", "--find-links", "/w"]},
            "injected_packages": {"x": {"package_or_url": "x", "pip_args": ["--no-index", "--find-links", "/w"]}}}"#;
        assert_eq!(
            upgrade_argv(meta, false).unwrap(),
            ["--upgrade", "--no-index", "--find-links", "/w", "app>=1"]
        );
        assert_eq!(upgrade_argv(meta, true).unwrap().last().unwrap(), "x");
        assert!(upgrade_argv(b"{}", false).is_err());
        let pkg = |n: &str, v: &str| super::super::Package {
            ecosystem: crate::ecosystem::Ecosystem::Pypi,
            name: n.into(),
            resolved: crate::request::Resolved {
                version: Some(v.into()),
                ..crate::request::Resolved::default()
            },
        };
        let before = [
            ("app".to_string(), "1.0".to_string()),
            ("Dep_X".into(), "1".into()),
        ];
        let got: Vec<(String, String)> = expected(&before, &[pkg("dep-x", "2"), pkg("new", "3")])
            .into_iter()
            .map(|p| (p.name, p.version))
            .collect();
        assert_eq!(
            got,
            [
                ("dep-x".to_string(), "2".to_string()),
                ("new".into(), "3".into()),
                ("app".into(), "1.0".into())
            ],
            "what it held, with each checked package at its checked version"
        );
    }
}
