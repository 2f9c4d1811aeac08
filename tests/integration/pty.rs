//! The warn-level prompt on a real pseudo-terminal: a menu whose default (Enter) is Cancel;
//! `j` then Enter installs anyway; `q` cancels. `answer_in` is shared with `policy.rs`.

use std::io::{Read, Write};
use std::os::fd::{FromRawFd, OwnedFd};
use std::process::Stdio;
use std::time::{Duration, Instant};

use crate::sandbox::{Sandbox, text};

/// Run `brew install wgett` (recording stand-in) on a pty, answer `answer` at the prompt.
fn answer_prompt(answer: &[u8]) -> (Option<i32>, String, String) {
    let sb = Sandbox::new();
    answer_in(&sb, &["install", "wgett"], answer, |c| c)
}

/// Run `brew <args>` in `sb` (recording stand-in) on a pty, with `setup` applied to the
/// command, and type `answer` once the prompt shows. Returns the exit code, the screen and
/// the recorded brew calls.
pub fn answer_in(
    sb: &Sandbox,
    args: &[&str],
    answer: &[u8],
    setup: impl FnOnce(&mut std::process::Command) -> &mut std::process::Command,
) -> (Option<i32>, String, String) {
    let rec = sb.path("brew-calls");
    sb.script(
        "brew",
        &format!("#!/bin/sh\necho \"$*\" >> '{}'\n", rec.display()),
    );
    let mut cmd = sb.cmd("brew", args);
    setup(&mut cmd);
    let (code, screen) = on_pty(cmd, Some(("Install anyway?", answer)));
    let calls = std::fs::read_to_string(&rec).unwrap_or_default();
    (code, screen, calls)
}

/// Run `cmd` with a new pseudo-terminal as its stdin, stdout and stderr, typing `answer.1`
/// once the screen shows `answer.0`. Returns the exit code and everything it wrote. Fails
/// the test if the command has not ended after 30 s.
pub fn on_pty(cmd: std::process::Command, answer: Option<(&str, &[u8])>) -> (Option<i32>, String) {
    on_pty_then(cmd, answer, || {})
}

/// [`on_pty`], calling `meanwhile` once the prompt shows, before typing the answer.
pub fn on_pty_then(
    mut cmd: std::process::Command,
    answer: Option<(&str, &[u8])>,
    meanwhile: impl FnOnce(),
) -> (Option<i32>, String) {
    let mut meanwhile = Some(meanwhile);
    let (mut master, mut slave) = (0, 0);
    let rc = unsafe {
        libc::openpty(
            &raw mut master,
            &raw mut slave,
            std::ptr::null_mut(),
            std::ptr::null(),
            std::ptr::null(),
        )
    };
    assert_eq!(rc, 0, "openpty");
    let master = unsafe { OwnedFd::from_raw_fd(master) };
    let slave = unsafe { OwnedFd::from_raw_fd(slave) };
    cmd.env_remove("CI")
        .env("TERM", "xterm")
        .stdin(Stdio::from(slave.try_clone().unwrap()))
        .stdout(Stdio::from(slave.try_clone().unwrap()))
        .stderr(Stdio::from(slave));
    let mut child = cmd.spawn().unwrap();
    let mut reader = std::fs::File::from(master.try_clone().unwrap());
    let mut writer = std::fs::File::from(master);
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut buf = [0u8; 4096];
        loop {
            match reader.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    if tx.send(buf[..n].to_vec()).is_err() {
                        break;
                    }
                }
            }
        }
    });
    let mut screen = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut answered = answer.is_none();
    loop {
        if let Ok(chunk) = rx.recv_timeout(Duration::from_millis(50)) {
            screen.extend_from_slice(&chunk);
        }
        if let Some((prompt, keys)) = answer
            && !answered
            && text(&screen).contains(prompt)
        {
            // The menu reads keys in raw mode once it is drawn; a key typed before that is
            // read by the terminal's line discipline (Ctrl-C would be eaten there).
            std::thread::sleep(Duration::from_millis(300));
            if let Some(f) = meanwhile.take() {
                f();
            }
            writer.write_all(keys).unwrap();
            answered = true;
        }
        if let Some(status) = child.try_wait().unwrap() {
            while let Ok(chunk) = rx.recv_timeout(Duration::from_millis(100)) {
                screen.extend_from_slice(&chunk);
            }
            return (status.code(), text(&screen));
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("pty test timed out; screen so far:\n{}", text(&screen));
        }
    }
}

#[test]
fn yes_at_the_prompt_runs_the_tool() {
    let (code, screen, calls) = answer_prompt(b"j\r");
    assert_eq!(code, Some(0), "{screen}");
    assert!(screen.contains("`wget`"), "{screen}");
    // The embedded data is old: the prompt says so and how to refresh it.
    assert!(
        screen
            .contains("days old (newest report 2024-12-31); refresh it with `installguard update`"),
        "{screen}"
    );
    assert_eq!(calls, "install wgett\n");
}

#[test]
fn no_at_the_prompt_cancels() {
    let (code, screen, calls) = answer_prompt(b"q");
    assert_eq!(code, Some(4), "{screen}");
    assert!(screen.contains("cancelled"), "{screen}");
    assert_eq!(calls, "");
}

#[test]
fn enter_takes_the_default_which_is_no() {
    let (code, screen, calls) = answer_prompt(b"\r");
    assert_eq!(code, Some(4), "{screen}");
    assert!(screen.contains("Cancel"), "{screen}");
    assert_eq!(calls, "");
}

#[test]
fn ctrl_c_at_the_prompt_exits_130_logs_the_decline_and_shows_the_cursor() {
    let sb = Sandbox::new();
    let (code, screen, calls) = answer_in(&sb, &["install", "wgett"], b"\x03", |c| c);
    assert_eq!(code, Some(130), "{screen}");
    assert_eq!(calls, "", "nothing was installed");
    assert!(screen.contains("interrupted"), "{screen}");
    // dialoguer hides the cursor while the menu is shown; it must come back.
    let hidden = screen
        .rfind("\x1b[?25l")
        .expect("the menu hides the cursor");
    let shown = screen.rfind("\x1b[?25h").unwrap_or(0);
    assert!(shown > hidden, "the cursor stays hidden: {screen:?}");
    let log = std::fs::read_to_string(sb.path("state/installguard/audit.jsonl")).unwrap();
    let last: serde_json::Value = serde_json::from_str(log.lines().last().unwrap()).unwrap();
    assert_eq!(last["decision"], "declined", "{last}");
    assert_eq!(last["decided_by"], "interrupt", "{last}");
}

#[test]
fn ci_on_a_real_terminal_says_why_it_did_not_ask() {
    let sb = Sandbox::new();
    let rec = sb.path("brew-calls");
    sb.script(
        "brew",
        &format!("#!/bin/sh\necho \"$*\" >> '{}'\n", rec.display()),
    );
    let cmd = sb.cmd("brew", &["install", "wgett"]);
    // on_pty removes CI from the environment it is given; `env` puts it back for the guard.
    let mut wrapped = std::process::Command::new("/usr/bin/env");
    wrapped
        .arg("CI=1")
        .arg(cmd.get_program())
        .args(cmd.get_args());
    for (k, v) in cmd.get_envs() {
        match v {
            Some(v) => wrapped.env(k, v),
            None => wrapped.env_remove(k),
        };
    }
    if let Some(d) = cmd.get_current_dir() {
        wrapped.current_dir(d);
    }
    let (code, screen) = on_pty(wrapped, None);
    assert_eq!(code, Some(4), "{screen}");
    assert!(screen.contains("CI=1 is set"), "{screen}");
    assert!(!rec.exists(), "nothing was installed");
}
