//! Homebrew has no real tool on Linux CI, so a recording stand-in `brew` (it appends its argv to
//! a file) shows what reached "the real tool" and what did not.

use std::os::unix::ffi::OsStrExt;

use crate::sandbox::{Sandbox, assert_code, run, text};

fn with_recording_brew() -> Sandbox {
    let sb = Sandbox::new();
    let rec = sb.path("brew-calls");
    sb.script(
        "brew",
        &format!(
            "#!/bin/sh\nprintf '%s\\n' \"$*\" >> '{}'\n[ \"$2\" = --dry-run ] && exit 0\necho \"brew stdout\"\n[ \"$1\" = fail ] && exit 42\nexit 0\n",
            rec.display()
        ),
    );
    sb
}

fn calls(sb: &Sandbox) -> String {
    std::fs::read_to_string(sb.path("brew-calls")).unwrap_or_default()
}

#[test]
fn clean_formula_reaches_brew_and_stdout_is_untouched() {
    let sb = with_recording_brew();
    let out = run(sb.cmd("brew", &["install", "wget"]));
    assert_code(&out, 0);
    assert_eq!(text(&out.stdout), "brew stdout\n");
    // The guard's resolve-only run first (its empty plan adds nothing), then the install,
    // which does not auto-update brew between the check and the install.
    assert_eq!(calls(&sb), "install --dry-run wget\ninstall wget\n");
    assert_eq!(sb.log_records()[0]["targets"][0]["name"], "wget");
}

#[test]
fn lookalike_formula_never_reaches_brew_without_a_terminal() {
    let sb = with_recording_brew();
    let out = run(sb.cmd("brew", &["install", "wgett"]));
    assert_code(&out, 4);
    assert!(
        text(&out.stderr).contains("`wget`"),
        "{}",
        text(&out.stderr)
    );
    assert_eq!(calls(&sb), "");
}

#[test]
fn exit_code_of_the_real_tool_passes_through() {
    let sb = with_recording_brew();
    let out = run(sb.cmd("brew", &["fail"]));
    assert_code(&out, 42);
    assert_eq!(calls(&sb), "fail\n");
}

#[test]
fn missing_real_tool_exits_127_with_a_message() {
    let sb = Sandbox::new();
    let mut c = sb.cmd("brew", &["install", "wget"]);
    // Only the shim directory on PATH: there is no real brew anywhere.
    c.env("PATH", sb.path("shims"));
    let out = run(c);
    assert_code(&out, 127);
    assert!(
        text(&out.stderr).contains("not installed"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn non_utf8_arguments_pass_through_byte_for_byte() {
    let sb = with_recording_brew();
    let mut c = sb.cmd("brew", &["list"]);
    c.arg(std::ffi::OsStr::from_bytes(b"caf\xe9"));
    let out = run(c);
    assert_code(&out, 0);
    let recorded = std::fs::read(sb.path("brew-calls")).unwrap();
    assert_eq!(recorded, b"list caf\xe9\n");
}

/// A stand-in brew that writes its pid to `brew-pids` (one line per run, resolve-only runs
/// included), writes `got-term`/`got-int` when it traps the signal and exits 7/8, and otherwise
/// never ends. `started`, a FIFO, is opened for writing once the traps are set: the test's
/// reader wakes then, with no polling.
fn with_waiting_brew() -> Sandbox {
    let sb = Sandbox::new();
    let (pids, got, started) = (sb.path("brew-pids"), sb.path("got"), sb.path("started"));
    let c = std::ffi::CString::new(started.as_os_str().as_bytes()).unwrap();
    // SAFETY: a valid NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
    sb.script(
        "brew",
        &format!(
            "#!/bin/sh\necho $$ >> '{pids}'\ntrap 'echo term > \"{got}-term\"; exit 7' TERM\ntrap 'echo int > \"{got}-int\"; exit 8' INT\ncase \" $* \" in *\" --dry-run \"*) exit 0;; esac\necho $$ > '{started}'\nwhile :; do sleep 0.05; done\n",
            pids = pids.display(),
            got = got.display(),
            started = started.display(),
        ),
    );
    sb
}

/// Wait for the guard at most `secs`: a hang is a failure that names itself, and kills the
/// guard and every stand-in it started, never a stuck test.
fn wait_bounded(sb: &Sandbox, child: std::process::Child, secs: u64) -> std::process::Output {
    let pid = child.id();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(child.wait_with_output());
    });
    match rx.recv_timeout(std::time::Duration::from_secs(secs)) {
        Ok(out) => out.unwrap(),
        Err(_) => {
            let pids = std::fs::read_to_string(sb.path("brew-pids")).unwrap_or_default();
            for p in pids.lines().filter_map(|l| l.trim().parse::<i32>().ok()) {
                // SAFETY: plain kill(2) of a stand-in this test started.
                unsafe { libc::kill(p, libc::SIGKILL) };
            }
            // SAFETY: plain kill(2) of the guard this test started.
            unsafe { libc::kill(pid as i32, libc::SIGKILL) };
            panic!("the guard hung for {secs} s after a termination signal");
        }
    }
}

#[test]
fn termination_signal_is_forwarded_to_the_real_tool() {
    let sb = with_waiting_brew();
    let child = sb
        .cmd("brew", &["install", "wget"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Blocks until the stand-in (the real install, its traps set) opens the FIFO.
    let (tx, rx) = std::sync::mpsc::channel();
    let started = sb.path("started");
    std::thread::spawn(move || {
        let _ = tx.send(std::fs::read_to_string(started));
    });
    assert!(
        rx.recv_timeout(std::time::Duration::from_secs(30))
            .is_ok_and(|r| r.is_ok()),
        "the stand-in never started"
    );
    // SAFETY: plain kill(2) of the guard this test started.
    unsafe {
        libc::kill(child.id() as i32, libc::SIGTERM);
    }
    let out = wait_bounded(&sb, child, 30);
    assert_eq!(
        out.status.code(),
        Some(7),
        "the guard waits and exits with the child's code: {}",
        text(&out.stderr)
    );
    assert!(sb.path("got-term").exists(), "the child received SIGTERM");
    assert_eq!(sb.outcomes()[0]["exit_code"], 7);
}

/// A signal that reaches the guard right after a child was started and before it was
/// registered for forwarding (the debug-build hook sends it there, at the Nth child) is
/// still delivered: the resolve-only run (first child) ends and nothing is installed; the
/// real tool (second child) ends and the guard exits with its code. Never a hang.
#[test]
fn a_signal_between_spawn_and_forwarding_is_not_lost() {
    for (sig, name) in [(libc::SIGTERM, "TERM"), (libc::SIGINT, "INT")] {
        for at in [2, 1] {
            let sb = with_waiting_brew();
            let child = sb
                .cmd("brew", &["install", "wget"])
                .env("INSTALLGUARD_TEST_SIGNAL_AT_SPAWN", format!("{at}:{name}"))
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap();
            let out = wait_bounded(&sb, child, 30);
            let code = out.status.code();
            let runs = std::fs::read_to_string(sb.path("brew-pids"))
                .unwrap_or_default()
                .lines()
                .count();
            let outcome = sb.outcomes().first().cloned().unwrap_or_default();
            let why = format!("{name} at child {at}: {code:?} {}", text(&out.stderr));
            if at == 1 {
                assert_eq!(code, Some(128 + sig), "{why}");
                assert!(runs <= 1, "the real install never ran: {why}");
                assert!(outcome["exit_code"].is_null(), "{why}");
                assert_eq!(outcome["decision"], "declined", "{why}");
            } else {
                // Killed before its trap was set (128+N), or trapped it (7/8).
                let trapped = if sig == libc::SIGTERM { 7 } else { 8 };
                assert!(code == Some(128 + sig) || code == Some(trapped), "{why}");
                // The real tool ran (it may have died before it wrote its pid): its end is logged.
                assert_eq!(outcome["decision"], "allowed", "{why}");
                assert_eq!(outcome["exit_code"], code.unwrap(), "{why}");
            }
        }
    }
}

/// A signal that reaches the guard while no child runs (after the dry run, while it checks or
/// asks; the debug-build hook sends it just before the tool would start) stops the guard:
/// the real install never starts, the guard exits 128+N, and the record says why.
#[test]
fn a_signal_while_the_guard_checks_means_the_tool_never_starts() {
    for (sig, name) in [(libc::SIGTERM, "TERM"), (libc::SIGINT, "INT")] {
        let sb = with_waiting_brew();
        let child = sb
            .cmd("brew", &["install", "wget"])
            .env("INSTALLGUARD_TEST_SIGNAL_BEFORE_TOOL", name)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let out = wait_bounded(&sb, child, 30);
        let why = format!("{name}: {:?} {}", out.status.code(), text(&out.stderr));
        assert_eq!(out.status.code(), Some(128 + sig), "{why}");
        let runs = std::fs::read_to_string(sb.path("brew-pids"))
            .unwrap_or_default()
            .lines()
            .count();
        assert_eq!(runs, 1, "only the dry run ran: {why}");
        assert!(!sb.path("started").is_file(), "{why}");
        assert!(text(&out.stderr).contains("it was not run"), "{why}");
        let outcome = sb.outcomes().first().cloned().unwrap_or_default();
        assert!(outcome["exit_code"].is_null(), "{why}");
        assert!(
            outcome["reason"]
                .as_str()
                .is_some_and(|r| r.contains("before the tool started")),
            "{why}: {outcome}"
        );
    }
}
