//! One npm process for a project install (npm 11, the major it was measured with): the real
//! npm CLI runs under node
//! with installguard's hook (`npm_hook.js`, embedded here, written 0600 into the private work
//! directory) and the user's arguments unchanged. The hook builds the ideal tree with scripts
//! off, hands over its lockfile, and waits on descriptor 3 for the verdict; npm then installs
//! exactly that tree or stops before writing anything. This module starts that process, waits
//! for the lockfile (or npm's end: resolution failed, classified like the resolve-only run),
//! and sends the verdict (a handle dropped unanswered says no). It checks nothing itself.

use std::ffi::OsString;
use std::fs::File;
use std::io::Write;
use std::os::fd::{AsRawFd, RawFd};
use std::os::unix::fs::OpenOptionsExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::time::{Duration, Instant};

use super::exec::Workdir;
use super::{Failure, Unresolved, npm};
use crate::shim::ChildEnd;

const HOOK: &str = include_str!("npm_hook.js");
const LOCK_ENV: &str = "INSTALLGUARD_NPM_LOCK";
const VERDICT_FD: RawFd = 3;

/// The real npm as node runs it: `node` beside the resolved npm binary and npm's own
/// `bin/npm-cli.js`; `None` (use the two-step path) when the binary is not npm's CLI script
/// (a volta or corepack shim, a wrapper) or the npm is older than 7 (no Arborist).
/// The npm majors the hook was measured with.
pub const MEASURED_MAJORS: std::ops::RangeInclusive<u64> = 11..=11;

pub fn locate(real: &Path) -> Option<(PathBuf, PathBuf)> {
    let cli = std::fs::canonicalize(real).ok()?;
    if cli.file_name()? != "npm-cli.js" {
        return None;
    }
    let root = cli.parent()?.parent()?;
    let manifest: serde_json::Value = serde_json::from_slice(
        &crate::files::read_regular(&root.join("package.json"), 1 << 20).ok()?,
    )
    .ok()?;
    let major: u64 = manifest["version"]
        .as_str()?
        .split('.')
        .next()?
        .parse()
        .ok()?;
    // The hook leans on Arborist's `reify`/`buildIdealTree` and `@npmcli/run-script`: only the
    // majors it was measured with run this way (npm 11.19.1); the others keep the two runs, so a
    // later npm whose install no longer goes through `reify` can never install unchecked.
    if manifest["name"] != "npm" || !MEASURED_MAJORS.contains(&major) {
        return None;
    }
    let node = real.with_file_name("node");
    let node = if node.is_file() {
        node
    } else {
        root.ancestors()
            .map(|d| d.join("bin/node"))
            .find(|p| p.is_file())?
    };
    Some((node, cli))
}

/// npm running under the hook, before or after its verdict.
#[derive(Debug)]
pub struct Hooked {
    child: Child,
    verdict: Option<File>,
    lock: PathBuf,
    /// The termination signal sent to npm on the guard's behalf, once it has ended.
    signal: Option<i32>,
}

/// Start `node -r <hook> <npm-cli.js> args` where the guard runs (the user's npm, their
/// arguments, `env` added: the real install's), the hook written into `work`.
pub fn start(
    node: &Path,
    cli: &Path,
    args: &[OsString],
    env: &[(&str, OsString)],
    work: &Workdir,
) -> std::io::Result<Hooked> {
    let hook = work.path().join("npm-hook.js");
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&hook)?
        .write_all(HOOK.as_bytes())?;
    let lock = work.path().join("npm-ideal-lock.json");
    let (read, write) = crate::shim::cloexec_pipe()?;
    let mut cmd = Command::new(node);
    cmd.arg("-r")
        .arg(&hook)
        .arg(cli)
        .args(args)
        .env(LOCK_ENV, &lock);
    for (k, v) in env {
        cmd.env(k, v);
    }
    let from = read.as_raw_fd();
    // SAFETY: only async-signal-safe calls (dup2, fcntl) between fork and exec.
    unsafe {
        cmd.pre_exec(move || {
            if from == VERDICT_FD {
                libc::fcntl(VERDICT_FD, libc::F_SETFD, 0);
            } else if libc::dup2(from, VERDICT_FD) < 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    let child = crate::shim::spawn_forwarded(&mut cmd)?;
    drop(read);
    Ok(Hooked {
        child,
        verdict: Some(write),
        lock,
        signal: None,
    })
}

impl Hooked {
    /// The lockfile of the tree npm would install, once it has one; or why it has none: npm
    /// ended (resolution failed, npm reported why on stderr: classified from what the hook
    /// kept), or `timeout` passed (npm is then told no, and has ended).
    pub fn lockfile(&mut self, timeout: Duration) -> Result<Vec<u8>, (Unresolved, ChildEnd)> {
        let fail = |f: Failure, d: String| Unresolved::new("npm", f, d);
        let deadline = Instant::now() + timeout;
        loop {
            match std::fs::read(&self.lock) {
                Ok(b) => return Ok(b),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => {
                    let end = self.refuse("installguard could not check the tree");
                    return Err((
                        fail(Failure::ToolFailed, format!("{}: {e}", self.lock.display())),
                        end,
                    ));
                }
            }
            match self.child.try_wait() {
                Ok(Some(_)) | Err(_) => {
                    let end = self.refuse("installguard could not check the tree");
                    let why = std::fs::read_to_string(self.lock.with_extension("json.error"))
                        .unwrap_or_default();
                    let u = match (end, self.signal) {
                        (ChildEnd::Signaled(sig), _) | (_, Some(sig)) => {
                            let mut u = fail(
                                Failure::Interrupted,
                                format!("npm was ended by signal {sig} while resolving"),
                            );
                            u.signal = Some(sig);
                            u
                        }
                        _ if why.is_empty() => fail(
                            Failure::ToolFailed,
                            "npm ended before it had a tree to install (its messages are above)"
                                .into(),
                        ),
                        _ => fail(npm::classify(&why), why.trim().to_string()),
                    };
                    return Err((u, end));
                }
                Ok(None) => {}
            }
            if Instant::now() >= deadline {
                let end = self.refuse("installguard could not check the tree");
                return Err((
                    fail(
                        Failure::Timeout,
                        format!("npm took longer than {} s", timeout.as_secs()),
                    ),
                    end,
                ));
            }
            std::thread::sleep(Duration::from_millis(2));
        }
    }

    /// Let npm install the tree it handed over (`scripts_off`: with no install-time script
    /// run) and wait for it to end.
    pub fn allow(&mut self, scripts_off: bool) -> ChildEnd {
        self.send(if scripts_off {
            "ok ignore-scripts"
        } else {
            "ok"
        })
    }

    /// Stop npm before it writes anything (EGUARD, `why` in its message) and wait for it.
    pub fn refuse(&mut self, why: &str) -> ChildEnd {
        self.send(&why.replace('\n', " "))
    }

    fn send(&mut self, line: &str) -> ChildEnd {
        if let Some(mut w) = self.verdict.take() {
            // npm may have ended already: a closed pipe is its answer.
            let _ = w.write_all(format!("{line}\n").as_bytes());
        }
        let status = self.child.wait();
        self.signal = crate::shim::stop_forwarding();
        status.map_or(ChildEnd::Exited(1), ChildEnd::of)
    }
}

impl Drop for Hooked {
    /// Never allowed: npm is told no and waited for, so nothing is installed unchecked.
    fn drop(&mut self) {
        if self.verdict.is_some() {
            self.refuse("not allowed");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_wrapper_is_not_npm() {
        let work = Workdir::new().unwrap();
        let fake = work.path().join("npm");
        std::fs::write(&fake, "#!/bin/sh\n").unwrap();
        assert!(locate(&fake).is_none());
    }

    /// The real npm of this machine, a project with no dependencies (nothing fetched): the
    /// tree comes back, a refusal leaves no lockfile, the go-ahead installs.
    #[test]
    fn npm_waits_for_the_verdict_and_writes_nothing_when_refused() {
        let npm = crate::shim::find_real("npm".as_ref(), std::env::var_os("PATH").as_deref())
            .expect("npm on PATH (the tests use the machine's real npm)");
        let (node, cli) = locate(&npm).expect("this machine's npm is npm-cli.js, 7 or newer");
        let project = Workdir::new().unwrap();
        std::fs::write(
            project.path().join("package.json"),
            "{\"name\":\"p\",\"version\":\"1.0.0\"}",
        )
        .unwrap();
        let mut prefix = OsString::from("--prefix=");
        prefix.push(project.path());
        let args: Vec<OsString> = vec![
            "install".into(),
            "--no-audit".into(),
            "--no-fund".into(),
            prefix,
        ];
        for allowed in [false, true] {
            let work = Workdir::new().unwrap();
            // npm's cache and logs stay in the work directory.
            let env = [(
                "npm_config_cache",
                work.path().join("cache").into_os_string(),
            )];
            let mut h = start(&node, &cli, &args, &env, &work).unwrap();
            let lock = h
                .lockfile(Duration::from_secs(60))
                .map_err(|(u, _)| u.detail)
                .unwrap();
            let lock: serde_json::Value = serde_json::from_slice(&lock).unwrap();
            assert_eq!(lock["name"], "p");
            let end = if allowed {
                h.allow(false)
            } else {
                h.refuse("blocked by the test")
            };
            assert_eq!(end == ChildEnd::Exited(0), allowed, "{end:?}");
            assert_eq!(project.path().join("package-lock.json").exists(), allowed);
        }
    }
}
