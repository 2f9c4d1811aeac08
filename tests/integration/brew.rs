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

#[test]
fn termination_signal_is_forwarded_to_the_real_tool() {
    let sb = Sandbox::new();
    let marker = sb.path("got-term");
    sb.script(
        "brew",
        &format!(
            "#!/bin/sh\ntrap 'echo term > \"{}\"; exit 7' TERM\necho started > \"{}.started\"\nwhile :; do sleep 0.05; done\n",
            marker.display(),
            marker.display()
        ),
    );
    let mut child = sb.cmd("brew", &["install", "wget"]).spawn().unwrap();
    let started = std::path::PathBuf::from(format!("{}.started", marker.display()));
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while !started.exists() {
        assert!(
            std::time::Instant::now() < deadline,
            "stand-in never started"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    unsafe {
        libc::kill(child.id() as i32, libc::SIGTERM);
    }
    let status = child.wait().unwrap();
    assert_eq!(
        status.code(),
        Some(7),
        "the guard waits and exits with the child's code"
    );
    assert!(marker.exists(), "the child received SIGTERM");
    assert_eq!(sb.outcomes()[0]["exit_code"], 7);
}
