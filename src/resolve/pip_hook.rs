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
        ("INSTALLGUARD_PIP_INSTALLING", files.installing.clone().into()),
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
