//! The verdict pipe shared by the one-process installs (npm under `npm_hook.js`, pip under
//! `pip_hook.py`): the real tool starts with installguard's hook and the user's arguments, the
//! hook writes the tree the tool would install to a file the guard names (why it could not, in
//! that name + `.error`), then waits on descriptor 3 for one line: `ok` (or `ok
//! ignore-scripts`) lets it install exactly that tree, anything else or the pipe closing stops
//! it before it installs anything. This module starts that process with termination signals
//! forwarded, waits for the hand-over or the tool's end, and sends the verdict (a handle
//! dropped unanswered says no). It knows nothing of either tool's files and checks nothing.

use std::ffi::OsString;
use std::fs::File;
use std::io::Write;
use std::os::fd::{AsRawFd, RawFd};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::time::{Duration, Instant};

use super::{Failure, Unresolved};
use crate::shim::ChildEnd;

const VERDICT_FD: RawFd = 3;

/// A tool running under its hook, before or after its verdict.
#[derive(Debug)]
pub struct Hooked {
    child: Child,
    verdict: Option<File>,
    handover: PathBuf,
    /// The termination signal sent to the tool on the guard's behalf, once it has ended.
    signal: Option<i32>,
}

/// Why no tree was handed over; the tool has ended (told no when it had not).
#[derive(Debug, PartialEq, Eq)]
pub enum Stop {
    /// Ended by this termination signal (forwarded on the guard's behalf, or its own).
    Signal(i32),
    /// Ended before it had a tree: what its hook wrote to `.error` (empty: nothing).
    Ended(String),
    /// Took longer than this.
    Timeout(Duration),
    /// The hand-over file could not be read.
    Unreadable(String),
}

impl Stop {
    /// As an unresolved tree of `tool`: a signal, a timeout or an unreadable hand-over mean
    /// the same for every tool; `ended` says what the hook's own words (`.error`) mean.
    pub fn unresolved(
        self,
        tool: &'static str,
        ended: impl FnOnce(&str) -> Unresolved,
    ) -> Unresolved {
        match self {
            Stop::Signal(sig) => {
                let mut u = Unresolved::new(
                    tool,
                    Failure::Interrupted,
                    format!("{tool} was ended by signal {sig} while resolving"),
                );
                u.signal = Some(sig);
                u
            }
            Stop::Ended(why) => ended(&why),
            Stop::Timeout(t) => Unresolved::new(
                tool,
                Failure::Timeout,
                format!("{tool} took longer than {} s", t.as_secs()),
            ),
            Stop::Unreadable(e) => Unresolved::new(tool, Failure::ToolFailed, e),
        }
    }
}

/// Start `program lead… args…` where the guard runs (the user's tool and arguments; `env`
/// added: the real install's), with `handover_env` naming `handover`, where the hook writes
/// the tree; descriptor 3 is the read end of the verdict pipe.
pub fn start(
    program: &Path,
    lead: &[OsString],
    args: &[OsString],
    env: &[(&str, OsString)],
    handover_env: &str,
    handover: PathBuf,
) -> std::io::Result<Hooked> {
    let (read, write) = crate::shim::cloexec_pipe()?;
    let mut cmd = Command::new(program);
    cmd.args(lead).args(args).env(handover_env, &handover);
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
        handover,
        signal: None,
    })
}

/// Write the hook's source 0600 into the private work directory `dir`, as `name`.
pub fn write_hook(dir: &Path, name: &str, source: &str) -> std::io::Result<PathBuf> {
    use std::os::unix::fs::OpenOptionsExt;
    let path = dir.join(name);
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&path)?
        .write_all(source.as_bytes())?;
    Ok(path)
}

impl Hooked {
    /// The tree the tool would install, once its hook has written it; or why there is none
    /// (the tool ended, or `timeout` passed: it is then told no, and has ended).
    pub fn handover(&mut self, timeout: Duration) -> Result<Vec<u8>, Stop> {
        const REFUSED: &str = "installguard could not check the tree";
        let deadline = Instant::now() + timeout;
        loop {
            match std::fs::read(&self.handover) {
                Ok(b) => return Ok(b),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => {
                    self.refuse(REFUSED);
                    return Err(Stop::Unreadable(format!(
                        "{}: {e}",
                        self.handover.display()
                    )));
                }
            }
            if !matches!(self.child.try_wait(), Ok(None)) {
                let end = self.refuse(REFUSED);
                return Err(match (end, self.signal) {
                    (ChildEnd::Signaled(sig), _) | (_, Some(sig)) => Stop::Signal(sig),
                    _ => {
                        Stop::Ended(std::fs::read_to_string(self.error_file()).unwrap_or_default())
                    }
                });
            }
            if Instant::now() >= deadline {
                self.refuse(REFUSED);
                return Err(Stop::Timeout(timeout));
            }
            std::thread::sleep(Duration::from_millis(2));
        }
    }

    /// Where the hook says why it could not hand a tree over.
    fn error_file(&self) -> PathBuf {
        let mut name = self.handover.clone().into_os_string();
        name.push(".error");
        PathBuf::from(name)
    }

    /// Let the tool install the tree it handed over (`scripts_off`: with no install-time
    /// script run) and wait for it to end.
    pub fn allow(&mut self, scripts_off: bool) -> ChildEnd {
        self.send(if scripts_off {
            "ok ignore-scripts"
        } else {
            "ok"
        })
    }

    /// Stop the tool before it installs anything (`why` in its message) and wait for it.
    pub fn refuse(&mut self, why: &str) -> ChildEnd {
        self.send(&why.replace('\n', " "))
    }

    fn send(&mut self, line: &str) -> ChildEnd {
        if let Some(mut w) = self.verdict.take() {
            // The tool may have ended already: a closed pipe is its answer.
            let _ = w.write_all(format!("{line}\n").as_bytes());
        }
        let status = self.child.wait();
        self.signal = crate::shim::stop_forwarding();
        status.map_or(ChildEnd::Exited(1), ChildEnd::of)
    }
}

impl Drop for Hooked {
    /// Never allowed: the tool is told no and waited for, so nothing is installed unchecked.
    fn drop(&mut self) {
        if self.verdict.is_some() {
            self.refuse("not allowed");
        }
    }
}
