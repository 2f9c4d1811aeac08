//! Input files that are not what they seem: a requirements file, package.json, .npmrc,
//! Brewfile or lockfile that is a FIFO, `/dev/zero` or a 2 GB sparse file is refused at once
//! with an error naming it, under a memory limit the guard would blow if it read them. A pipe
//! the user gave as a file (`-r /dev/stdin`, `-r <(...)`, `brew bundle --file=-`) is read
//! once, checked, and reaches the real tool unchanged; a named FIFO is refused.

use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use crate::pip::sandbox_with_wheels;
use crate::sandbox::{Sandbox, assert_code, run, run_with_stdin, text};

fn mkfifo(p: &Path) {
    let c = std::ffi::CString::new(p.as_os_str().as_encoded_bytes()).unwrap();
    // SAFETY: a valid NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
}

/// Run `c` under a 1 GiB address-space limit, failing the test if it has not ended within
/// 20 s (a guard that blocks on a FIFO or reads /dev/zero would).
fn bounded(c: Command) -> Output {
    let program = c.get_program().to_owned();
    let mut sh = Command::new("sh");
    sh.arg("-c")
        .arg("ulimit -v 1048576; exec \"$@\"")
        .arg("sh")
        .arg(program)
        .args(c.get_args());
    for (k, v) in c.get_envs() {
        match v {
            Some(v) => sh.env(k, v),
            None => sh.env_remove(k),
        };
    }
    if let Some(d) = c.get_current_dir() {
        sh.current_dir(d);
    }
    sh.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = sh.spawn().unwrap();
    let start = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if start.elapsed() > Duration::from_secs(20) {
            let _ = child.kill();
            panic!("still running after 20 s: {c:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    child.wait_with_output().unwrap()
}

#[test]
fn hostile_input_files_are_refused_at_once_naming_the_file() {
    let sb = Sandbox::new();
    let w = sb.work();
    let sparse = |p: &Path| std::fs::File::create(p).unwrap().set_len(2 << 30).unwrap();
    let zero = |p: &Path| std::os::unix::fs::symlink("/dev/zero", p).unwrap();
    let cases: Vec<(&str, &str, &[&str])> = vec![
        (
            "requirements.txt",
            "requirements.txt",
            &["pip", "install", "-r", "requirements.txt"],
        ),
        ("package.json", "package.json", &["npm", "install"]),
        (".npmrc", ".npmrc", &["npm", "install", "lodash"]),
        ("Brewfile", "Brewfile", &["brew", "bundle"]),
        ("package-lock.json", "package-lock.json", &["npm", "ci"]),
    ];
    for (kind, want) in [
        ("fifo", "a FIFO (named pipe): installguard cannot read it"),
        ("zero", "a character device, not a regular file"),
        (
            "sparse",
            "2147483648 bytes, more than the 67108864-byte limit",
        ),
    ] {
        for (file, shown, args) in &cases {
            for f in [
                "requirements.txt",
                "package.json",
                ".npmrc",
                "Brewfile",
                "package-lock.json",
            ] {
                let _ = std::fs::remove_file(w.join(f));
            }
            // The other files a command needs, as ordinary files.
            std::fs::write(w.join("package.json"), r#"{"name":"p","version":"1.0.0"}"#).unwrap();
            std::fs::write(
                w.join("package-lock.json"),
                r#"{"name":"p","lockfileVersion":3,"packages":{}}"#,
            )
            .unwrap();
            let p = w.join(file);
            let _ = std::fs::remove_file(&p);
            match kind {
                "fifo" => mkfifo(&p),
                "zero" => zero(&p),
                _ => sparse(&p),
            }
            let mut all = vec!["check", "--"];
            all.extend_from_slice(args);
            let out = bounded(sb.ig(&all));
            assert_code(&out, 2);
            let err = text(&out.stderr);
            assert!(
                err.contains(shown) && err.contains(want),
                "{kind} {file}: {err}"
            );
        }
    }
    // Through the shim (the real tool is never reached), the refusal is logged.
    let p = w.join("requirements.txt");
    let _ = std::fs::remove_file(&p);
    mkfifo(&p);
    let out = bounded(sb.cmd("pip", &["install", "-r", "requirements.txt"]));
    assert_code(&out, 2);
    let last = sb.log_records().pop().unwrap();
    assert_eq!(last["decision"], "blocked");
    assert!(
        last["reason"]
            .as_str()
            .unwrap()
            .contains("requirements.txt"),
        "{last}"
    );
}

fn pip_r(wheels: &Path, target: &Path, file: &str) -> String {
    format!(
        "pip install --no-index --find-links '{}' --target '{}' -r {file}",
        wheels.display(),
        target.display()
    )
}

#[test]
fn a_pipe_given_as_a_requirements_file_is_checked_and_reaches_pip_unchanged() {
    let (sb, wheels) = sandbox_with_wheels(&["igtest-piped", "1337test"]);
    let target = sb.path("target");
    // -r /dev/stdin: the guard reads the requirement, pip still gets it and installs it.
    let c = sb.cmd("sh", &["-c", &pip_r(&wheels, &target, "/dev/stdin")]);
    let out = run_with_stdin(c, b"igtest-piped\n");
    assert_code(&out, 0);
    assert!(
        target.join("igtest_piped/__init__.py").exists(),
        "pip got nothing: {}",
        text(&out.stderr)
    );
    let last = sb.log_records().pop().unwrap();
    assert_eq!(last["decision"], "allowed");
    assert_eq!(last["targets"][1]["name"], "igtest-piped", "{last}");
    assert_eq!(last["targets"][1]["origin"], "/dev/stdin:1", "{last}");
    // Process substitution (/dev/fd/63 in bash), read once through the shim: installed.
    std::fs::remove_dir_all(&target).unwrap();
    let out = run(sb.cmd(
        "bash",
        &[
            "-c",
            &pip_r(&wheels, &target, "<(printf 'igtest-piped\\n')"),
        ],
    ));
    assert_code(&out, 0);
    assert!(
        target.join("igtest_piped/__init__.py").exists(),
        "{}",
        text(&out.stderr)
    );
    // And what the pipe says is checked: a malicious package in it is blocked.
    let out = run(sb.cmd(
        "bash",
        &[
            "-c",
            &pip_r(&wheels, &sb.path("t2"), "<(printf '1337test\\n')"),
        ],
    ));
    assert_code(&out, 3);
    assert!(!sb.path("t2").exists());
    assert_eq!(sb.log_records().pop().unwrap()["decision"], "blocked");
    // A named FIFO cannot be handed on: refused at once, naming it, before any writer shows up.
    let fifo = sb.work().join("reqs.fifo");
    mkfifo(&fifo);
    let out = bounded(sb.cmd("sh", &["-c", &pip_r(&wheels, &target, "reqs.fifo")]));
    assert_code(&out, 2);
    let err = text(&out.stderr);
    assert!(
        err.contains("reqs.fifo") && err.contains("a FIFO (named pipe)"),
        "{err}"
    );
}

#[test]
fn brew_bundle_reads_a_brewfile_from_standard_input_once() {
    let sb = Sandbox::new();
    let rec = sb.path("brew-stdin");
    sb.script("brew", &format!("#!/bin/sh\ncat > '{}'\n", rec.display()));
    let out = run_with_stdin(sb.cmd("brew", &["bundle", "--file=-"]), b"brew \"wget\"\n");
    assert_code(&out, 0);
    assert_eq!(std::fs::read_to_string(&rec).unwrap(), "brew \"wget\"\n");
    let last = sb.log_records().pop().unwrap();
    assert_eq!(last["targets"][1]["name"], "wget", "{last}");
}

/// The light shim decides from argv alone: a command that installs nothing reaches the real
/// tool without installguard opening a project file (each one here is a FIFO, which the guard
/// refuses, so a look at any of them would end in exit 2), while an install with the same files
/// still goes to the full guard, which refuses them naming the file and runs nothing.
#[test]
fn a_pass_through_command_never_opens_the_project_files() {
    let mut sb = Sandbox::new();
    // yarn 1 reads the project (`packageManager`, `.yarnrc.yml`) to know which grammar applies:
    // the old light shim did too, for `yarn --version`.
    sb.extra_path.push(crate::tools::js_tool("yarn"));
    let w = sb.work();
    for f in [
        "package.json",
        "package-lock.json",
        "yarn.lock",
        "pyproject.toml",
        "requirements.txt",
        "uv.lock",
        "poetry.lock",
        "Brewfile",
    ] {
        mkfifo(&w.join(f));
    }
    // (The real tools' own `--version` does not read the project either; most of their other
    // commands would block on these FIFOs themselves.)
    for (program, args) in [("yarn", &["--version"][..]), ("npm", &["--version"][..])] {
        let out = bounded(sb.cmd(program, args));
        assert_code(&out, 0);
        assert!(
            !text(&out.stdout).is_empty() && !text(&out.stderr).contains("installguard"),
            "{program} {args:?}: {}{}",
            text(&out.stdout),
            text(&out.stderr)
        );
    }
    // Nothing went through the guard, so nothing was logged.
    assert!(sb.log_records().is_empty(), "{:?}", sb.log_records());
    for (program, args) in [
        ("npm", &["install"][..]),
        ("yarn", &["add", "left-pad"][..]),
    ] {
        let out = bounded(sb.cmd(program, args));
        assert_code(&out, 2);
        let err = text(&out.stderr);
        assert!(
            err.contains("package.json") && err.contains("nothing was installed"),
            "{program} {args:?}: {err}"
        );
    }
    assert_eq!(sb.log_records().len(), 2);
}
