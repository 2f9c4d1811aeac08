//! The audit log against a hostile or broken file system, through the real binary: a guard
//! killed with SIGKILL while the tool runs leaves an incomplete invocation (not a missing or
//! corrupt record); the log or its lock replaced by a symbolic link or a FIFO is refused without
//! hanging or writing elsewhere; a full disk (a real 64 KiB tmpfs, mounted when the tests run
//! as root) and a file-size limit (RLIMIT_FSIZE, everywhere) block a required install before
//! the tool runs and never tear a record. Every wait is bounded.

use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use crate::sandbox::{Sandbox, assert_code, text};

const LOG: &str = "state/installguard/audit.jsonl";

/// A sandbox whose stand-in brew records each call; `sleep` as an argument makes it write its
/// pid to `brew-pid` and sleep.
fn sandbox() -> Sandbox {
    let sb = Sandbox::new();
    let rec = sb.path("brew-calls");
    let pid = sb.path("brew-pid");
    sb.script(
        "brew",
        &format!(
            "#!/bin/sh\nprintf '%s\\n' \"$*\" >> '{}'\ncase \"$*\" in *sleep*) echo $$ > '{}'; exec sleep 30;; esac\nexit 0\n",
            rec.display(),
            pid.display()
        ),
    );
    sb
}

fn calls(sb: &Sandbox) -> usize {
    std::fs::read_to_string(sb.path("brew-calls"))
        .unwrap_or_default()
        .lines()
        .count()
}

fn brew(sb: &Sandbox, args: &[&str], env: &[(&str, &str)]) -> Command {
    crate::audit::guarded(sb, "brew", args, env)
}

/// Run with a deadline: a hang is a test failure, never a stuck test.
fn bounded(mut c: Command) -> Output {
    let mut child = c
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if child.try_wait().unwrap().is_some() {
            return child.wait_with_output().unwrap();
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let out = child.wait_with_output().unwrap();
            panic!(
                "hung for 30 s:\nstdout:\n{}\nstderr:\n{}",
                text(&out.stdout),
                text(&out.stderr)
            );
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

fn ig(sb: &Sandbox, args: &[&str]) -> Output {
    bounded(sb.ig(args))
}

fn mkfifo(p: &Path) {
    let c = std::ffi::CString::new(p.as_os_str().as_encoded_bytes()).unwrap();
    // SAFETY: a valid NUL-terminated path.
    assert_eq!(
        unsafe { libc::mkfifo(c.as_ptr(), 0o600) },
        0,
        "{}",
        p.display()
    );
}

#[test]
fn a_guard_killed_while_the_tool_runs_leaves_an_incomplete_invocation() {
    let sb = sandbox();
    let mut guard = brew(&sb, &["install", "wget", "sleep"], &[])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let pid_file = sb.path("brew-pid");
    let deadline = Instant::now() + Duration::from_secs(20);
    while !std::fs::read_to_string(&pid_file).is_ok_and(|p| p.ends_with('\n')) {
        assert!(Instant::now() < deadline, "brew never started");
        std::thread::sleep(Duration::from_millis(20));
    }
    // While the guard waits for the tool, its invocation is in progress, not incomplete.
    let out = ig(&sb, &["log"]);
    let s = text(&out.stdout);
    assert!(
        s.contains(&format!(
            "IN PROGRESS: allowed and started; pid {}",
            guard.id()
        )),
        "{s}"
    );
    let s = text(&ig(&sb, &["audit", "verify"]).stdout);
    assert!(
        s.contains(&format!("pid {} is still running on this host", guard.id())),
        "{s}"
    );
    // The shim exec'd the guard, so the child's pid is the guard's.
    guard.kill().unwrap(); // SIGKILL
    guard.wait().unwrap();
    let brew_pid: i32 = std::fs::read_to_string(&pid_file)
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    // SAFETY: plain kill(2) of the stand-in we started (now orphaned).
    unsafe { libc::kill(brew_pid, libc::SIGKILL) };

    let recs = sb.log_records();
    assert_eq!(recs.len(), 1, "{recs:?}");
    assert_eq!(recs[0]["event"], "starting");
    assert_eq!(recs[0]["decision"], "allowed");
    let out = ig(&sb, &["audit", "verify"]);
    assert_code(&out, 0);
    let s = text(&out.stdout);
    assert!(s.contains("audit log OK: 1 record(s)"), "{s}");
    assert!(s.contains("1 incomplete invocation(s)"), "{s}");
    assert!(
        s.contains(&format!(
            "incomplete: {}:1: seq 1: `brew`",
            sb.path(LOG).display()
        )),
        "{s}"
    );
    assert!(s.contains(recs[0]["invocation"].as_str().unwrap()), "{s}");
    // On the host that wrote it, verify knows the guard's process is gone.
    assert!(
        s.contains(&format!(
            "pid {} is gone: the guard was killed while the tool ran",
            recs[0]["pid"]
        )),
        "{s}"
    );
    let out = ig(&sb, &["log"]);
    assert_code(&out, 0);
    assert!(
        text(&out.stdout).contains(&format!(
            "INCOMPLETE: allowed and started, but no outcome was recorded: pid {} is gone",
            recs[0]["pid"]
        )),
        "{}",
        text(&out.stdout)
    );
    // The chain goes on; a complete invocation afterwards is not incomplete.
    assert_code(&bounded(brew(&sb, &["install", "jq"], &[])), 0);
    let out = ig(&sb, &["audit", "verify"]);
    assert_code(&out, 0);
    let s = text(&out.stdout);
    assert!(s.contains("3 record(s), seq 1..3"), "{s}");
    assert!(s.contains("1 incomplete invocation(s)"), "{s}");
}

/// With the log unusable (`why` names what it is): an install that does not require the log
/// goes ahead and warns; one that requires it does not run.
fn refused_log(sb: &Sandbox, why: &str) {
    let before = calls(sb);
    let out = bounded(brew(sb, &["install", "wget"], &[]));
    assert_code(&out, 0);
    let err = text(&out.stderr);
    assert!(
        err.contains("WARNING: could not write the audit log"),
        "{err}"
    );
    assert!(err.contains(why), "{err}");
    assert_eq!(calls(sb), before + 1);
    let out = bounded(brew(
        sb,
        &["install", "jq"],
        &[("INSTALLGUARD_AUDIT_REQUIRED", "1")],
    ));
    assert_code(&out, 5);
    assert!(text(&out.stderr).contains(why), "{}", text(&out.stderr));
    assert_eq!(calls(sb), before + 1, "brew must not run");
}

#[test]
fn the_log_cannot_be_pointed_elsewhere_through_a_symbolic_link() {
    let sb = sandbox();
    let bashrc = sb.path("home/.bashrc");
    std::fs::write(&bashrc, "# mine\n").unwrap();
    std::fs::create_dir_all(sb.path("state/installguard")).unwrap();
    let log = sb.path(LOG);
    for target in [bashrc.clone(), PathBuf::from("/dev/null")] {
        let _ = std::fs::remove_file(&log);
        std::os::unix::fs::symlink(&target, &log).unwrap();
        // Not required: the install goes ahead, with a warning that says why nothing is logged.
        refused_log(&sb, "symbolic link");
        // verify does not call a redirected log OK.
        let out = ig(&sb, &["audit", "verify"]);
        assert_code(&out, 5);
        assert!(
            text(&out.stderr).contains("redirected"),
            "{}",
            text(&out.stderr)
        );
    }
    assert_eq!(std::fs::read_to_string(&bashrc).unwrap(), "# mine\n");
    // The lock file as a link is refused the same way.
    std::fs::remove_file(&log).unwrap();
    let lock = sb.path("state/installguard/audit.jsonl.lock");
    let _ = std::fs::remove_file(&lock);
    std::os::unix::fs::symlink(&bashrc, &lock).unwrap();
    let out = bounded(brew(
        &sb,
        &["install", "jq"],
        &[("INSTALLGUARD_AUDIT_REQUIRED", "1")],
    ));
    assert_code(&out, 5);
    assert!(
        text(&out.stderr).contains("symbolic link"),
        "{}",
        text(&out.stderr)
    );
    assert_eq!(std::fs::read_to_string(&bashrc).unwrap(), "# mine\n");
}

#[test]
fn a_fifo_in_place_of_the_log_or_its_lock_hangs_nothing() {
    let sb = sandbox();
    let dir = sb.path("state/installguard");
    std::fs::create_dir_all(&dir).unwrap();
    for name in ["audit.jsonl", "audit.jsonl.lock"] {
        for f in ["audit.jsonl", "audit.jsonl.lock"] {
            let _ = std::fs::remove_file(dir.join(f));
        }
        mkfifo(&dir.join(name));
        refused_log(&sb, "FIFO");
    }
    // Reading a FIFO log does not hang either.
    let _ = std::fs::remove_file(dir.join("audit.jsonl.lock"));
    let _ = std::fs::remove_file(dir.join("audit.jsonl"));
    mkfifo(&dir.join("audit.jsonl"));
    assert_code(&ig(&sb, &["audit", "verify"]), 5);
    let out = ig(&sb, &["log"]);
    assert_code(&out, 2);
    assert!(text(&out.stderr).contains("FIFO"), "{}", text(&out.stderr));
}

#[test]
fn log_files_are_private() {
    let sb = sandbox();
    assert_code(&bounded(brew(&sb, &["install", "wget"], &[])), 0);
    let mode = |rel: &str| {
        std::fs::metadata(sb.path(rel))
            .unwrap()
            .permissions()
            .mode()
            & 0o777
    };
    assert_eq!(mode("state/installguard"), 0o700);
    assert_eq!(mode(LOG), 0o600);
    assert_eq!(mode("state/installguard/audit.jsonl.lock"), 0o600);
    // A log someone opened up is narrowed again on the next write.
    std::fs::set_permissions(sb.path(LOG), std::fs::Permissions::from_mode(0o644)).unwrap();
    assert_code(&bounded(brew(&sb, &["install", "jq"], &[])), 0);
    assert_eq!(mode(LOG), 0o600);
}

/// How many records the log holds, after checking that it ends in a whole line and verifies.
fn intact(sb: &Sandbox) -> usize {
    let bytes = std::fs::read(sb.path(LOG)).unwrap_or_default();
    assert!(bytes.is_empty() || bytes.ends_with(b"\n"), "a torn record");
    assert_code(&ig(sb, &["audit", "verify"]), 0);
    sb.log_records().len()
}

/// Fault injection by the file-size limit: `RLIMIT_FSIZE` a little above the log's size (and
/// SIGXFSZ ignored, as a shell's `trap '' XFSZ; ulimit -f` would).
#[test]
fn a_file_size_limit_blocks_a_required_install_before_the_tool_and_tears_nothing() {
    let sb = sandbox();
    assert_code(&bounded(brew(&sb, &["install", "wget"], &[])), 0);
    let before = intact(&sb);
    // Room for a small record, not for a `starting` one and the outcome it needs after it.
    let size = std::fs::metadata(sb.path(LOG)).unwrap().len();
    let limit = size + 1200;
    let limited = |args: &[&str], env: &[(&str, &str)]| {
        let mut c = brew(&sb, args, env);
        // SAFETY: only async-signal-safe calls between fork and exec.
        unsafe {
            c.pre_exec(move || {
                libc::signal(libc::SIGXFSZ, libc::SIG_IGN);
                let lim = libc::rlimit {
                    rlim_cur: limit as libc::rlim_t,
                    rlim_max: limit as libc::rlim_t,
                };
                if libc::setrlimit(libc::RLIMIT_FSIZE, &raw const lim) != 0 {
                    return Err(std::io::Error::last_os_error());
                }
                Ok(())
            });
        }
        bounded(c)
    };
    let out = limited(&["install", "jq"], &[("INSTALLGUARD_AUDIT_REQUIRED", "1")]);
    assert_code(&out, 5);
    let err = text(&out.stderr);
    assert!(err.contains("file-size limit"), "{err}");
    assert!(err.contains("the real brew was not run"), "{err}");
    assert_eq!(calls(&sb), 1, "brew must not run");
    // The refusal itself fits and is logged: one whole `decided` record, nothing torn.
    assert_eq!(intact(&sb), before + 1);
    let last = sb.log_records().pop().unwrap();
    assert_eq!(
        (
            last["event"].as_str(),
            last["decision"].as_str(),
            last["decided_by"].as_str()
        ),
        (Some("decided"), Some("blocked"), Some("audit"))
    );
    // Not required: the install goes ahead and says that it was not logged.
    let out = limited(&["install", "jq"], &[]);
    assert_code(&out, 0);
    assert!(
        text(&out.stderr).contains("WARNING"),
        "{}",
        text(&out.stderr)
    );
    assert_eq!(calls(&sb), 2);
    assert_eq!(intact(&sb), before + 1);
}

/// A 64 KiB tmpfs mounted on the log's directory, unmounted on drop.
struct Tmpfs(PathBuf);

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(&self.0).status();
    }
}

/// Fault injection by a really full file system. Needs root to mount (CI runs as root); as
/// another user it says so and returns, and the RLIMIT_FSIZE test above covers the same path.
#[test]
fn a_full_disk_blocks_a_required_install_before_the_tool_and_tears_nothing() {
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } != 0 {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI runs the tests as root, which this test needs to mount a tmpfs"
        );
        eprintln!("SKIPPED: mounting a tmpfs needs root");
        return;
    }
    let sb = sandbox();
    let dir = sb.path("state/installguard");
    std::fs::create_dir_all(&dir).unwrap();
    let ok = Command::new("mount")
        .args(["-t", "tmpfs", "-o", "size=64k,mode=0700", "tmpfs"])
        .arg(&dir)
        .status()
        .unwrap()
        .success();
    assert!(ok, "mount -t tmpfs failed");
    let _mounted = Tmpfs(dir.clone());
    assert_code(&bounded(brew(&sb, &["install", "wget"], &[])), 0);
    let before = intact(&sb);
    // Fill the file system but one page.
    let mut st: libc::statvfs = unsafe { std::mem::zeroed() };
    let c = std::ffi::CString::new(dir.as_os_str().as_encoded_bytes()).unwrap();
    // SAFETY: a valid path and a zeroed out-parameter.
    assert_eq!(unsafe { libc::statvfs(c.as_ptr(), &raw mut st) }, 0);
    let free = st.f_bavail as u64 * st.f_frsize as u64;
    std::fs::write(dir.join("filler"), vec![0u8; (free - 4096) as usize]).unwrap();

    let out = bounded(brew(
        &sb,
        &["install", "jq"],
        &[("INSTALLGUARD_AUDIT_REQUIRED", "1")],
    ));
    assert_code(&out, 5);
    let err = text(&out.stderr);
    assert!(err.contains("the disk is full"), "{err}");
    assert!(err.contains("the real brew was not run"), "{err}");
    assert_eq!(calls(&sb), 1, "brew must not run");
    assert_eq!(intact(&sb), before, "nothing written, nothing torn");
    assert!(
        std::fs::read(sb.path(LOG)).unwrap().ends_with(b"\n"),
        "the log ends in a whole record"
    );
    let out = bounded(brew(&sb, &["install", "jq"], &[]));
    assert_code(&out, 0);
    assert!(
        text(&out.stderr).contains("the disk is full"),
        "{}",
        text(&out.stderr)
    );
    assert_eq!(calls(&sb), 2);
    assert_eq!(intact(&sb), before);
    // With room again, the chain goes on.
    std::fs::remove_file(dir.join("filler")).unwrap();
    assert_code(&bounded(brew(&sb, &["install", "curl"], &[])), 0);
    assert_eq!(sb.log_records().len(), 4);
    intact(&sb);
}
