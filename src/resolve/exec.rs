//! The edge of resolution: a private work directory that disappears with its owner, running a
//! real tool in resolve-only mode with a deadline (its output captured in files, never on the
//! user's terminal, so a grandchild holding a pipe open cannot make the guard wait), and
//! reading back what an install left to prove it matches what was checked. Decides nothing.

use std::ffi::{OsStr, OsString};
use std::os::unix::fs::DirBuilderExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use super::{Verify, npm, pip};

/// A directory under the system temp dir, 0700, removed (with everything in it) on drop.
#[derive(Debug)]
pub struct Workdir {
    path: PathBuf,
}

impl Workdir {
    pub fn new() -> std::io::Result<Workdir> {
        let base = std::env::temp_dir();
        for attempt in 0..16u32 {
            let id = crate::audit::invocation_id();
            let path = base.join(format!("installguard-resolve-{}-{attempt}", &id[24..]));
            match std::fs::DirBuilder::new().mode(0o700).create(&path) {
                Ok(()) => return Ok(Workdir { path }),
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
                Err(e) => return Err(e),
            }
        }
        Err(std::io::Error::other(
            "cannot create a private work directory in the temp dir",
        ))
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for Workdir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.path);
    }
}

/// The real tool and how the guard runs it.
#[derive(Debug, Clone)]
pub struct Tool {
    pub real: PathBuf,
    pub argv0: OsString,
    /// Environment for every run the guard makes (the recursion marker).
    pub env: Vec<(OsString, OsString)>,
}

/// What a resolve-only run did.
#[derive(Debug)]
pub struct Ran {
    /// The exit code; `None` when it was killed (by the deadline or a signal).
    pub code: Option<i32>,
    pub timed_out: bool,
    /// The signal that ended it, when it was not the deadline (Ctrl-C, `kill`).
    pub signal: Option<i32>,
    /// stdout and stderr, as text (lossy), capped.
    pub stdout: String,
    pub stderr: String,
}

impl Ran {
    pub fn ok(&self) -> bool {
        self.code == Some(0)
    }

    /// Why it did not finish, when it was stopped rather than failing on its own: the
    /// deadline, or a signal.
    pub fn stopped(&self, tool: &'static str, timeout: Duration) -> Option<super::Unresolved> {
        if self.timed_out {
            return Some(super::Unresolved::new(
                tool,
                super::Failure::Timeout,
                format!("{tool} took longer than {} s", timeout.as_secs()),
            ));
        }
        self.signal.map(|sig| {
            let mut u = super::Unresolved::new(
                tool,
                super::Failure::Interrupted,
                format!("{tool} was ended by signal {sig} while resolving"),
            );
            u.signal = Some(sig);
            u
        })
    }

    /// Both streams, for searching the tool's messages.
    pub fn output(&self) -> String {
        format!("{}\n{}", self.stdout, self.stderr)
    }
}

/// At most this much of each stream is read back (pip at -vv on a large tree writes a lot).
const OUTPUT_CAP: u64 = 32 * 1024 * 1024;

/// Run `tool args` in `cwd` with `env` added, stdin closed and output into files of `work`;
/// killed after `timeout`.
pub fn run(
    tool: &Tool,
    args: &[OsString],
    cwd: &Path,
    env: &[(OsString, OsString)],
    work: &Workdir,
    timeout: Duration,
) -> std::io::Result<Ran> {
    use std::os::unix::process::CommandExt;
    let n = std::fs::read_dir(work.path())?.count();
    let out_path = work.path().join(format!("out-{n}.log"));
    let err_path = work.path().join(format!("err-{n}.log"));
    let stdout = std::fs::File::create(&out_path)?;
    let stderr = std::fs::File::create(&err_path)?;
    let mut cmd = Command::new(&tool.real);
    cmd.arg0(&tool.argv0)
        .args(args)
        .current_dir(cwd)
        .stdin(Stdio::null())
        .stdout(stdout)
        .stderr(stderr);
    for (k, v) in tool.env.iter().chain(env) {
        cmd.env(k, v);
    }
    // A Ctrl-C or `kill` meant for the guard ends the resolve-only run too, and the guard
    // lives to say so (and installs nothing).
    let mut child = crate::shim::spawn_forwarded(&mut cmd)?;
    let pid = child.id();
    let (tx, rx) = std::sync::mpsc::channel();
    let waiter = std::thread::spawn(move || {
        let _ = tx.send(child.wait());
    });
    let (status, timed_out) = match rx.recv_timeout(timeout) {
        Ok(s) => (s?, false),
        Err(_) => {
            // SAFETY: kill on the pid of our own child, which has not been reaped (the
            // waiter thread still waits for it).
            unsafe {
                libc::kill(pid as libc::pid_t, libc::SIGKILL);
            }
            let s = rx.recv().map_err(std::io::Error::other)??;
            (s, true)
        }
    };
    let _ = waiter.join();
    // A run that caught the signal and exited with a code of its own was still stopped.
    let sent = crate::shim::stop_forwarding();
    let read = |p: &Path| {
        crate::files::read_regular(p, OUTPUT_CAP)
            .map(|b| String::from_utf8_lossy(&b).into_owned())
            .unwrap_or_default()
    };
    use std::os::unix::process::ExitStatusExt;
    Ok(Ran {
        code: if timed_out { None } else { status.code() },
        timed_out,
        signal: if timed_out {
            None
        } else {
            status.signal().or(sent)
        },
        stdout: read(&out_path),
        stderr: read(&err_path),
    })
}

/// What the install left, compared with what was checked.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Verified {
    /// Each difference, as a sentence (`lodash 4.17.21 was installed but not checked`).
    pub drift: Vec<String>,
    /// Why nothing could be compared, when nothing could.
    pub unverifiable: Option<String>,
}

/// Read what the install left and compare it with the checked tree.
pub fn verify(v: &Verify) -> Verified {
    if let Verify::Environment { dir, expect } = v {
        return match distributions(dir) {
            Ok(found) => Verified {
                drift: super::environment_drift(expect, &found),
                unverifiable: None,
            },
            Err(e) => Verified {
                drift: Vec::new(),
                unverifiable: Some(format!("{}: {e}", dir.display())),
            },
        };
    }
    let npx_lock;
    let (path, cap) = match v {
        Verify::NpmLock { path, .. }
        | Verify::NpmInstalled { path, .. }
        | Verify::PipReport { path, .. }
        | Verify::Unchanged { path, .. } => (path, 256 << 20),
        // Compared above, from the environment's directory.
        Verify::Environment { dir, .. } => (dir, 0),
        Verify::NpxTree { dir, .. } => {
            npx_lock = dir.join("package-lock.json");
            (&npx_lock, 256 << 20)
        }
        Verify::BunxTree { dir, .. } => {
            npx_lock = dir.join("bun.lock");
            (&npx_lock, 256 << 20)
        }
        Verify::PnpmDlx { dlx, wanted, .. } => {
            match super::oneoff::dlx_trees(dlx, wanted).into_iter().next() {
                Some((p, _)) => npx_lock = p.join("pnpm-lock.yaml"),
                None => {
                    return Verified {
                        drift: Vec::new(),
                        unverifiable: Some(format!(
                            "no tree of pnpm dlx for {wanted} in {}",
                            dlx.display()
                        )),
                    };
                }
            }
            (&npx_lock, 256 << 20)
        }
    };
    let bytes = match crate::files::read_regular(path, cap) {
        Ok(b) => b,
        Err(e) => {
            return Verified {
                drift: Vec::new(),
                unverifiable: Some(format!("{}: {e}", path.display())),
            };
        }
    };
    let drift = match v {
        Verify::NpmLock { expect, .. } => npm::drift(expect, &bytes, true),
        Verify::NpmInstalled { expect, .. } => npm::drift(expect, &bytes, false),
        Verify::NpxTree { dir, expect } => npm::drift(expect, &bytes, true).map(|mut d| {
            let ran_here = crate::files::read_regular(&dir.join("package.json"), 16 << 20)
                .ok()
                .and_then(|b| serde_json::from_slice::<serde_json::Value>(&b).ok())
                .is_some_and(|m| m["_npx"].is_object());
            if !ran_here {
                d.push(format!(
                    "npx did not run from {}, where the checked tree was put",
                    dir.display()
                ));
            }
            d
        }),
        Verify::PnpmDlx { expect, .. } => super::js::parse_pnpm(&String::from_utf8_lossy(&bytes))
            .map(|lock| {
                super::oneoff::entries(&lock)
                    .into_iter()
                    .filter(|e| !expect.contains(e))
                    .map(|e| format!("{e} was installed by pnpm dlx but was not checked"))
                    .collect()
            }),
        Verify::BunxTree { dir, expect } => super::js::parse_bun(&String::from_utf8_lossy(&bytes))
            .map(|lock| {
                let got = super::oneoff::entries(&lock);
                let mut d: Vec<String> = got
                    .iter()
                    .filter(|e| !expect.contains(e))
                    .map(|e| format!("{e} is in bun.lock but was not checked"))
                    .chain(
                        expect
                            .iter()
                            .filter(|e| !got.contains(e))
                            .map(|e| format!("{e} was checked but is not in bun.lock")),
                    )
                    .collect();
                if !dir.join("node_modules").is_dir() {
                    d.push(format!(
                        "bunx did not install into {}, where the checked tree was put",
                        dir.display()
                    ));
                }
                d
            }),
        Verify::PipReport { expect, .. } => pip::drift(expect, &bytes),
        Verify::Environment { .. } => Ok(Vec::new()),
        Verify::Unchanged { bytes: want, .. } => Ok(if *want == bytes {
            Vec::new()
        } else {
            vec![format!(
                "{} changed during the install",
                path.file_name().unwrap_or_default().to_string_lossy()
            )]
        }),
    };
    match drift {
        Ok(drift) => Verified {
            drift,
            unverifiable: None,
        },
        Err(e) => Verified {
            drift: Vec::new(),
            unverifiable: Some(format!("{}: {e}", path.display())),
        },
    }
}

/// The distributions an environment holds: `(name, version)` of each
/// `lib/<python>/site-packages/<name>-<version>.dist-info`.
pub fn distributions(env: &Path) -> std::io::Result<Vec<(String, String)>> {
    let mut out = Vec::new();
    for py in std::fs::read_dir(env.join("lib"))? {
        let site = py?.path().join("site-packages");
        let Ok(entries) = std::fs::read_dir(&site) else {
            continue;
        };
        for e in entries {
            let name = e?.file_name().to_string_lossy().into_owned();
            if let Some((n, v)) = name
                .strip_suffix(".dist-info")
                .and_then(|d| d.split_once('-'))
            {
                out.push((n.to_string(), v.to_string()));
            }
        }
    }
    Ok(out)
}

/// Write the plan's files, keeping the originals' bytes to restore.
pub fn put_in_place(writes: &[super::FileWrite]) -> std::io::Result<()> {
    for w in writes {
        // A missing directory (a one-off runner's cache entry) is made private: bunx refuses
        // a `.bunx-<uid>` others may write to.
        if let Some(dir) = w.path.parent()
            && !dir.is_dir()
        {
            std::fs::DirBuilder::new()
                .recursive(true)
                .mode(0o700)
                .create(dir)?;
        }
        write_atomic(&w.path, &w.bytes)?;
    }
    Ok(())
}

/// Put back what was there before [`put_in_place`]: every file after a failed install (npm
/// writes package.json and its lockfile only when it succeeds), else those not kept.
pub fn restore(writes: &[super::FileWrite], failed: bool) {
    for w in writes.iter().filter(|w| failed || !w.keep) {
        match &w.original {
            Some(b) => {
                let _ = write_atomic(&w.path, b);
            }
            None => {
                let _ = std::fs::remove_file(&w.path);
            }
        }
    }
}

/// Replace `path` by a sibling file renamed over it, keeping the old file's permissions.
fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let dir = path.parent().unwrap_or(Path::new("."));
    let name = path.file_name().unwrap_or(OsStr::new("file"));
    let mut tmp_name = OsString::from(".");
    tmp_name.push(name);
    tmp_name.push(".installguard-tmp");
    let tmp = dir.join(tmp_name);
    let mode = std::fs::metadata(path).ok().map(|m| m.permissions());
    {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
    }
    if let Some(m) = mode {
        std::fs::set_permissions(&tmp, m)?;
    }
    std::fs::rename(&tmp, path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_run_past_its_deadline_is_killed_and_said_so() {
        let work = Workdir::new().unwrap();
        let tool = Tool {
            real: "/bin/sh".into(),
            argv0: "sh".into(),
            env: vec![],
        };
        let args: Vec<OsString> = ["-c", "echo out; echo err >&2; exec sleep 30"]
            .iter()
            .map(OsString::from)
            .collect();
        let ran = run(
            &tool,
            &args,
            work.path(),
            &[],
            &work,
            Duration::from_millis(300),
        )
        .unwrap();
        assert!(ran.timed_out);
        assert_eq!(ran.code, None);
        assert_eq!(ran.stdout, "out\n");
        assert_eq!(ran.stderr, "err\n");
        let path = work.path().to_path_buf();
        drop(work);
        assert!(!path.exists(), "the work directory goes with its owner");
    }

    #[test]
    fn files_are_put_in_place_and_restored() {
        let work = Workdir::new().unwrap();
        let a = work.path().join("a.json");
        std::fs::write(&a, "old").unwrap();
        let writes = vec![
            super::super::FileWrite {
                path: a.clone(),
                bytes: b"new".to_vec(),
                original: Some(b"old".to_vec()),
                keep: true,
            },
            super::super::FileWrite {
                path: work.path().join("b.json"),
                bytes: b"made".to_vec(),
                original: None,
                keep: true,
            },
        ];
        put_in_place(&writes).unwrap();
        assert_eq!(std::fs::read_to_string(&a).unwrap(), "new");
        restore(&writes, false);
        assert_eq!(
            std::fs::read_to_string(&a).unwrap(),
            "new",
            "kept after a success"
        );
        restore(&writes, true);
        assert_eq!(std::fs::read_to_string(&a).unwrap(), "old");
        assert!(!work.path().join("b.json").exists());
    }
}
