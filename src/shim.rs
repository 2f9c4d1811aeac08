//! The shim edge: find the real pip/npm/brew on PATH with installguard's own shims skipped,
//! then either hand over (`exec`, for commands that install nothing) or spawn, forward
//! SIGINT/SIGTERM/SIGHUP, wait, and report the child's status. Decides nothing about safety.

use std::ffi::{OsStr, OsString};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Set on the real tool's environment: an installguard invocation that sees it is running
/// inside a guarded command (a wrapper script calling pip again, npm lifecycle scripts) and
/// passes straight through instead of checking and prompting twice.
pub const MARKER: &str = "INSTALLGUARD_ACTIVE";

/// Written into every script shim; a file that contains it is never taken for the real tool.
pub const SCRIPT_SHIM_TAG: &[u8] = b"installguard-shim";

#[derive(Debug)]
pub enum LookupError {
    /// No executable of that name on PATH, shims aside.
    NotFound {
        program: String,
        shims_seen: Vec<PathBuf>,
    },
}

impl std::fmt::Display for LookupError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LookupError::NotFound {
                program,
                shims_seen,
            } if shims_seen.is_empty() => {
                write!(
                    f,
                    "`{program}` is not installed: no `{program}` found on PATH"
                )
            }
            LookupError::NotFound {
                program,
                shims_seen,
            } => write!(
                f,
                "`{program}` is not installed: the only `{program}` on PATH is installguard's own shim ({}); install the real {program} or put its directory on PATH",
                shims_seen
                    .iter()
                    .map(|p| p.display().to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        }
    }
}

/// The file name of the small pass-through binary that shim links point to.
pub const LIGHT_BIN: &str = "installguard-shim";
/// The file name of the full binary.
pub const FULL_BIN: &str = "installguard";

/// Our own executables: this one and its siblings `installguard` / `installguard-shim`, all
/// canonical. A PATH entry that resolves to one of them is a shim, never the real tool.
pub fn our_binaries() -> Vec<PathBuf> {
    let Some(me) = std::env::current_exe()
        .ok()
        .and_then(|p| p.canonicalize().ok())
    else {
        return Vec::new();
    };
    let mut ours = vec![me.clone()];
    if let Some(dir) = me.parent() {
        for name in [FULL_BIN, LIGHT_BIN] {
            if let Ok(p) = dir.join(name).canonicalize()
                && !ours.contains(&p)
            {
                ours.push(p);
            }
        }
    }
    ours
}

/// Is `candidate` one of our shims: a link to one of our binaries, or a script carrying our tag?
pub fn is_shim(candidate: &Path, ours: &[PathBuf]) -> bool {
    if let Ok(target) = candidate.canonicalize()
        && ours.contains(&target)
    {
        return true;
    }
    let Ok(mut file) = std::fs::File::open(candidate) else {
        return false;
    };
    let mut head = [0u8; 512];
    let n = file.read(&mut head).unwrap_or(0);
    head[..n].starts_with(b"#!")
        && head[..n]
            .windows(SCRIPT_SHIM_TAG.len())
            .any(|w| w == SCRIPT_SHIM_TAG)
}

/// The real `program` on `path_var`, skipping every shim. `program` may also be a path
/// (`/usr/bin/pip3`), which is used as it is.
pub fn find_real(program: &OsStr, path_var: Option<&OsStr>) -> Result<PathBuf, LookupError> {
    let name = Path::new(program);
    if name.components().count() > 1 {
        return Ok(name.to_path_buf());
    }
    let ours = our_binaries();
    let mut shims_seen = Vec::new();
    // Empty PATH entries mean "the current directory" to a shell; a guard must not run a
    // `pip` that happens to sit in the directory being worked on, so they are dropped.
    let dirs: Vec<PathBuf> = std::env::split_paths(path_var.unwrap_or_default())
        .filter(|d| !d.as_os_str().is_empty())
        .collect();
    let search = std::env::join_paths(&dirs).unwrap_or_default();
    let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("/"));
    if let Ok(candidates) = which::which_in_all(name, Some(&search), cwd) {
        for candidate in candidates {
            if is_shim(&candidate, &ours) {
                shims_seen.push(candidate);
                continue;
            }
            return Ok(candidate);
        }
    }
    Err(LookupError::NotFound {
        program: program.to_string_lossy().into_owned(),
        shims_seen,
    })
}

/// The whole job of the small `installguard-shim` binary that shim links point to: a command
/// that installs nothing is handed to the real tool at once (`exec`); anything else, or
/// anything not understood, goes to the full `installguard run`, which checks and explains.
/// It links only the command-line parsers, so starting it costs less than the full binary.
pub fn light_main() -> i32 {
    let mut argv = std::env::args_os();
    let argv0 = argv.next().unwrap_or_default();
    let mut name = Path::new(&argv0)
        .file_name()
        .unwrap_or(&argv0)
        .to_os_string();
    // Called by its own name (the shell functions for `python -m pip`): the program comes first.
    if name == LIGHT_BIN {
        name = argv.next().unwrap_or_default();
    }
    let args: Vec<OsString> = argv.collect();
    let delegate = |name: &OsStr, args: &[OsString]| -> i32 {
        let full = std::env::current_exe()
            .ok()
            .and_then(|p| p.canonicalize().ok())
            .and_then(|p| p.parent().map(|d| d.join(FULL_BIN)));
        let Some(full) = full else {
            crate::output::say!(
                "cannot find the installguard binary next to {LIGHT_BIN}; nothing was run"
            );
            return crate::exit::NOT_FOUND;
        };
        let mut cmd = Command::new(&full);
        cmd.arg("run").arg(name).args(args);
        let e = std::os::unix::process::CommandExt::exec(&mut cmd);
        crate::output::say!("cannot run {}: {e}; nothing was run", full.display());
        crate::exit::NOT_FOUND
    };
    if crate::cmdline::Program::from_name(&name).is_none() {
        return delegate(&name, &args);
    }
    let Ok(real) = find_real(&name, std::env::var_os("PATH").as_deref()) else {
        return delegate(&name, &args);
    };
    // Inside an already guarded command (see MARKER), or nothing to install: straight through.
    let installs = std::env::var_os(MARKER).is_none()
        && crate::world::OsWorld::new()
            .ok()
            .and_then(|w| crate::cmdline::understand(&name, &args, &w).ok())
            .is_none_or(|r| r.installs);
    if installs {
        return delegate(&name, &args);
    }
    let marker = name.to_string_lossy().into_owned();
    let e = exec(&real, &name, &args, &marker);
    crate::output::say!("cannot run {}: {e}", real.display());
    crate::exit::for_spawn_error(&e)
}

/// How the real tool ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChildEnd {
    Exited(i32),
    Signaled(i32),
}

impl ChildEnd {
    /// The exit code a shell would report: the child's code, or 128 + signal.
    pub fn code(self) -> i32 {
        match self {
            ChildEnd::Exited(c) => c,
            ChildEnd::Signaled(s) => 128 + s,
        }
    }
}

fn command(real: &Path, argv0: &OsStr, args: &[OsString], marker: &str) -> Command {
    use std::os::unix::process::CommandExt;
    let mut cmd = Command::new(real);
    cmd.arg0(argv0).args(args).env(MARKER, marker);
    cmd
}

/// Replace this process with the real tool (pass-through). Returns only on failure.
pub fn exec(real: &Path, argv0: &OsStr, args: &[OsString], marker: &str) -> std::io::Error {
    use std::os::unix::process::CommandExt;
    command(real, argv0, args, marker).exec()
}

/// Run the real tool to completion, forwarding termination signals sent to us.
pub fn spawn_and_wait(
    real: &Path,
    argv0: &OsStr,
    args: &[OsString],
    marker: &str,
) -> std::io::Result<ChildEnd> {
    use std::os::unix::process::ExitStatusExt;
    let mut child = command(real, argv0, args, marker).spawn()?;
    signals::forward_to(child.id() as libc::pid_t);
    let status = child.wait();
    signals::stop_forwarding();
    let status = status?;
    Ok(match (status.code(), status.signal()) {
        (Some(c), _) => ChildEnd::Exited(c),
        (None, Some(s)) => ChildEnd::Signaled(s),
        (None, None) => ChildEnd::Exited(1),
    })
}

mod signals {
    //! Forwarding SIGINT/SIGTERM/SIGHUP/SIGQUIT to the child. A signal the terminal sent to the
    //! whole foreground process group already reached the child, so only signals sent to us
    //! by another process (`kill`) are forwarded; either way we stay alive to log the outcome.
    use std::sync::atomic::{AtomicI32, Ordering};

    static CHILD: AtomicI32 = AtomicI32::new(0);
    const SIGNALS: [libc::c_int; 4] = [libc::SIGINT, libc::SIGTERM, libc::SIGHUP, libc::SIGQUIT];

    /// Signals generated by `kill(2)`/`sigqueue(3)` rather than by the terminal driver.
    fn sent_by_process(code: libc::c_int) -> bool {
        #[cfg(target_os = "linux")]
        {
            code == libc::SI_USER || code == libc::SI_QUEUE || code == libc::SI_TKILL
        }
        #[cfg(not(target_os = "linux"))]
        {
            code == libc::SI_USER || code == libc::SI_QUEUE
        }
    }

    extern "C" fn handler(sig: libc::c_int, info: *mut libc::siginfo_t, _: *mut libc::c_void) {
        let pid = CHILD.load(Ordering::SeqCst);
        // SAFETY: the kernel passes a valid siginfo_t for SA_SIGINFO handlers; kill is
        // async-signal-safe.
        let code = if info.is_null() {
            libc::SI_USER
        } else {
            unsafe { (*info).si_code }
        };
        if pid > 0 && sent_by_process(code) {
            unsafe {
                libc::kill(pid, sig);
            }
        }
    }

    pub fn forward_to(pid: libc::pid_t) {
        CHILD.store(pid, Ordering::SeqCst);
        for sig in SIGNALS {
            // SAFETY: installing a handler that only reads an atomic and calls kill.
            unsafe {
                let mut action: libc::sigaction = std::mem::zeroed();
                action.sa_sigaction = handler as *const () as usize;
                action.sa_flags = libc::SA_SIGINFO | libc::SA_RESTART;
                libc::sigemptyset(&mut action.sa_mask);
                libc::sigaction(sig, &action, std::ptr::null_mut());
            }
        }
    }

    pub fn stop_forwarding() {
        CHILD.store(0, Ordering::SeqCst);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn write_exec(path: &Path, body: &str) {
        std::fs::write(path, body).unwrap();
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
    }

    #[test]
    fn script_shims_are_skipped_and_the_next_tool_is_found() {
        let t = tempfile::tempdir().unwrap();
        let (shims, real) = (t.path().join("shims"), t.path().join("bin"));
        std::fs::create_dir_all(&shims).unwrap();
        std::fs::create_dir_all(&real).unwrap();
        write_exec(
            &shims.join("pip"),
            "#!/bin/sh\n# installguard-shim\nexec installguard run pip \"$@\"\n",
        );
        write_exec(&real.join("pip"), "#!/bin/sh\necho real\n");
        std::fs::write(real.join("npm"), "not executable").unwrap();
        let path = std::env::join_paths([&shims, &real]).unwrap();
        assert_eq!(
            find_real(OsStr::new("pip"), Some(&path)).unwrap(),
            real.join("pip")
        );
        let err = find_real(OsStr::new("npm"), Some(&path)).unwrap_err();
        assert!(err.to_string().contains("not installed"), "{err}");
        let only_shims = std::env::join_paths([&shims]).unwrap();
        let err = find_real(OsStr::new("pip"), Some(&only_shims)).unwrap_err();
        assert!(err.to_string().contains("installguard's own shim"), "{err}");
    }
}
