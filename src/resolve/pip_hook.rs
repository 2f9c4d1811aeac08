//! One pip process for `pip install` (pip 23.2.1, the version it was measured with): pip's own
//! interpreter runs installguard's bootstrap (`pip_hook.py`, embedded here, written 0600 into
//! the private work directory) with the user's pip arguments and the resolve-only run's safety
//! options (wheels only, no prompt, no retry, a bounded wait, no self version check). The
//! bootstrap lets pip resolve (every file downloaded and checked against its index hash before
//! `Resolver.resolve` returns), hands over pip's installation report, and waits on descriptor
//! 3 for the verdict ([`hook`]); pip then installs exactly those files (copied into the work
//! directory and hashed again first) or stops before installing anything. This module finds
//! the interpreter and pip's version (every other case keeps the two runs, and says why) and
//! starts that process. It checks nothing itself.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use super::exec::Workdir;
use super::hook::{self, Hooked};

const HOOK: &str = include_str!("pip_hook.py");
const REPORT_ENV: &str = "INSTALLGUARD_PIP_REPORT";
/// What the bootstrap's `.error` starts with when the pip it imported is not the one named.
const UNMEASURED: &str = "installguard-unmeasured:";

/// The pip versions the bootstrap was measured with (it wraps pip internals:
/// `Resolver.resolve`, `install_given_reqs`, `InstallCommand.run`).
pub const MEASURED: &[&str] = &["23.2.1"];

/// What the one pip process adds to the user's arguments: the resolve-only run's safety
/// options (no prompt, no retry, a bounded wait, no self version check, wheels only: nothing
/// is built), without its `--dry-run --report`.
pub fn flags() -> Vec<OsString> {
    [
        "--no-input",
        "--retries",
        "0",
        "--timeout",
        "15",
        "--disable-pip-version-check",
        "--only-binary",
        ":all:",
    ]
    .map(OsString::from)
    .to_vec()
}

/// The real pip as one process runs it: the interpreter, pip's version and argv[0]; or why it
/// cannot (then the two runs). `prefix` is what came before pip's own arguments (`-m pip` for
/// `python -m pip`, nothing for the `pip` script `real`).
pub fn locate(real: &Path, prefix: &[OsString]) -> Result<(PathBuf, String, OsString), String> {
    let head = |p: &Path| -> Result<Vec<u8>, String> {
        crate::files::read_regular(p, 64 << 10).map_err(|e| format!("{}: {e}", p.display()))
    };
    let (python, argv0) = if prefix.is_empty() {
        let script = head(real)?;
        let text = String::from_utf8_lossy(&script);
        let first = text.lines().next().unwrap_or("");
        let python = first
            .strip_prefix("#!")
            .map(str::trim)
            .filter(|p| p.starts_with('/') && !p.contains(' '))
            .map(PathBuf::from)
            .filter(|p| p.is_file());
        match python {
            Some(p) if text.contains("from pip._internal.cli.main import main") => {
                (p, real.as_os_str().to_owned())
            }
            _ => {
                return Err(format!(
                    "{} is not pip's own console script naming its interpreter (a wrapper or shim)",
                    real.display()
                ));
            }
        }
    } else if prefix == ["-m", "pip"] || prefix == ["-mpip"] {
        if head(real)?.starts_with(b"#!") {
            return Err(format!(
                "{} is a script, not the interpreter itself (a wrapper or shim)",
                real.display()
            ));
        }
        (real.to_path_buf(), OsString::from("__main__.py"))
    } else {
        return Err("interpreter options before `-m pip`".into());
    };
    let version = version_beside(&python).ok_or_else(|| {
        format!(
            "pip's version could not be read beside {} (lib/python3*/site-packages/pip-*.dist-info)",
            python.display()
        )
    })?;
    if !MEASURED.contains(&version.as_str()) {
        return Err(format!(
            "pip {version} is not a version the one-process hook was measured with ({})",
            MEASURED.join(", ")
        ));
    }
    Ok((python, version, argv0))
}

/// The version of the pip installed for `python`: `<bin>/../lib/python3*/site-packages/
/// pip-<version>.dist-info` (a venv, or an installation's own prefix). The bootstrap checks it
/// again against the pip it imports.
fn version_beside(python: &Path) -> Option<String> {
    let lib = python.parent()?.parent()?.join("lib");
    let mut found = None;
    for dir in std::fs::read_dir(&lib).ok()?.flatten() {
        if !dir.file_name().to_string_lossy().starts_with("python3") {
            continue;
        }
        let Ok(entries) = std::fs::read_dir(dir.path().join("site-packages")) else {
            continue;
        };
        for e in entries.flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            if let Some(v) = name
                .strip_prefix("pip-")
                .and_then(|r| r.strip_suffix(".dist-info"))
            {
                if found.is_some() {
                    return None; // two pips: which one runs is not known
                }
                found = Some(v.to_string());
            }
        }
    }
    found
}

/// What [`start`]ed pip came to before its verdict.
pub enum Ended {
    /// The pip it imported is not the one measured: keep the two runs, for this reason.
    Unmeasured(String),
    /// pip could not resolve (its words were kept back): the resolve-only run learns why.
    Failed,
}

/// Files of one pip process in the work directory.
pub struct Files {
    /// pip's installation report of the tree it would install.
    pub report: PathBuf,
    /// What it installed: each file's name, version and sha256, hashed after the verdict.
    pub installing: PathBuf,
}

/// Start `python <bootstrap> args` where the guard runs (`args`: the user's pip arguments with
/// [`flags`] added; `env`: the real install's), the bootstrap written into `work`.
pub fn start(
    python: &Path,
    version: &str,
    argv0: &OsString,
    args: &[OsString],
    env: &[(&str, OsString)],
    work: &Workdir,
) -> std::io::Result<(Hooked, Files)> {
    let hook = hook::write_hook(work.path(), "pip-hook.py", HOOK)?;
    let files = Files {
        report: work.path().join("pip-report.json"),
        installing: work.path().join("pip-installing.json"),
    };
    let mut env = env.to_vec();
    env.extend([
        (
            "INSTALLGUARD_PIP_INSTALLING",
            files.installing.clone().into(),
        ),
        ("INSTALLGUARD_PIP_VERSION", version.into()),
        ("INSTALLGUARD_PIP_ARGV0", argv0.clone()),
    ]);
    let hooked = hook::start(
        python,
        &[hook.into_os_string()],
        args,
        &env,
        REPORT_ENV,
        files.report.clone(),
    )?;
    Ok((hooked, files))
}

/// What the bootstrap's `.error` text means.
pub fn ended(why: &str) -> Ended {
    match why.strip_prefix(UNMEASURED) {
        Some(rest) => Ended::Unmeasured(format!(
            "the pip its interpreter imports is not the one measured ({})",
            rest.trim()
        )),
        None => Ended::Failed,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(a: &[&str]) -> Vec<OsString> {
        a.iter().map(OsString::from).collect()
    }

    /// An installation laid out as `bin/python` and `lib/python3.11/site-packages/<dists>`.
    fn layout(dists: &[&str]) -> Workdir {
        let w = Workdir::new().unwrap();
        std::fs::create_dir_all(w.path().join("bin")).unwrap();
        std::fs::write(w.path().join("bin/python"), b"\x7fELF").unwrap();
        let site = w.path().join("lib/python3.11/site-packages");
        std::fs::create_dir_all(&site).unwrap();
        for d in dists {
            std::fs::create_dir(site.join(d)).unwrap();
        }
        w
    }

    #[test]
    fn only_the_measured_pip_beside_its_interpreter_runs_as_one_process() {
        let m = args(&["-m", "pip"]);
        let w = layout(&["pip-23.2.1.dist-info", "requests-2.0.dist-info"]);
        let python = w.path().join("bin/python");
        let (p, version, argv0) = locate(&python, &m).unwrap();
        assert_eq!((p, version.as_str()), (python.clone(), "23.2.1"));
        assert_eq!(argv0, "__main__.py");
        // pip's own console script names the interpreter in its `#!` line.
        let script = w.path().join("bin/pip");
        std::fs::write(
            &script,
            format!(
                "#!{}\nimport re, sys\nfrom pip._internal.cli.main import main\nsys.exit(main())\n",
                python.display()
            ),
        )
        .unwrap();
        assert_eq!(locate(&script, &[]).unwrap().0, python);
        let e = locate(&python, &args(&["-I", "-m", "pip"])).unwrap_err();
        assert!(e.contains("interpreter options"), "{e}");

        let newer = layout(&["pip-99.0.dist-info"]);
        let e = locate(&newer.path().join("bin/python"), &m).unwrap_err();
        assert!(e.contains("pip 99.0 is not a version"), "{e}");
        let two = layout(&["pip-23.2.1.dist-info", "pip-24.0.dist-info"]);
        assert!(locate(&two.path().join("bin/python"), &m).is_err());
        let none = layout(&[]);
        let e = locate(&none.path().join("bin/python"), &m).unwrap_err();
        assert!(e.contains("could not be read"), "{e}");
    }

    #[test]
    fn a_wrapper_or_a_shim_is_not_pip() {
        let w = layout(&["pip-23.2.1.dist-info"]);
        let shim = w.path().join("bin/pip");
        // pyenv's shims, wrappers: a shell script in front of the real pip.
        std::fs::write(&shim, "#!/usr/bin/env bash\nexec pyenv exec pip \"$@\"\n").unwrap();
        let e = locate(&shim, &[]).unwrap_err();
        assert!(e.contains("wrapper or shim"), "{e}");
        // pip's long-path launcher (`#!/bin/sh` then `'''exec' python`): not a direct `#!`.
        std::fs::write(
            &shim,
            "#!/bin/sh\n'''exec' /very/long/python \"$0\" \"$@\"\n' '''\nfrom pip._internal.cli.main import main\n",
        )
        .unwrap();
        assert!(locate(&shim, &[]).is_err());
        // `python -m pip` through a script in front of the interpreter.
        let e = locate(&shim, &args(&["-m", "pip"])).unwrap_err();
        assert!(e.contains("not the interpreter itself"), "{e}");
    }

    #[test]
    fn the_bootstraps_words_tell_another_pip_from_a_failed_resolution() {
        assert!(matches!(
            ended("installguard-unmeasured: pip 24.0, not 23.2.1"),
            Ended::Unmeasured(w) if w.contains("pip 24.0, not 23.2.1")
        ));
        assert!(matches!(
            ended("DistributionNotFound: No matching distribution found for x"),
            Ended::Failed
        ));
        assert!(matches!(ended(""), Ended::Failed));
        // The one process never resolves with a build allowed, nor asks.
        let f = flags();
        assert!(f.windows(2).any(|w| w == ["--only-binary", ":all:"]));
        assert!(f.contains(&OsString::from("--no-input")));
        assert!(!f.contains(&OsString::from("--dry-run")));
    }
}
