//! Organisation policy through the real binary: the machine file in a temporary root (the
//! debug-only INSTALLGUARD_TEST_MACHINE_POLICY), user and project files, `--set`, invalid
//! policies blocking installs but not pass-through commands, `policy check`/`show`, the
//! no-terminal setting, and the prompt's exception on a real pseudo-terminal.

use std::os::unix::fs::PermissionsExt;

use crate::pty::answer_in;
use crate::sandbox::{Sandbox, assert_code, run, text};

const MACHINE: &str = "INSTALLGUARD_TEST_MACHINE_POLICY";

fn sandbox() -> Sandbox {
    let sb = Sandbox::new();
    sb.script("brew", "#!/bin/sh\necho ran brew \"$*\"\n");
    sb
}

fn machine(sb: &Sandbox, text: &str) -> std::path::PathBuf {
    let p = sb.path("etc-policy.toml");
    std::fs::write(&p, text).unwrap();
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o644)).unwrap();
    p
}

fn user(sb: &Sandbox, text: &str) {
    std::fs::create_dir_all(sb.path("config/installguard")).unwrap();
    std::fs::write(sb.path("config/installguard/policy.toml"), text).unwrap();
}

fn project(sb: &Sandbox, text: &str) {
    std::fs::write(sb.work().join(".installguard.toml"), text).unwrap();
}

fn ig(sb: &Sandbox, args: &[&str]) -> std::process::Output {
    let mut c = sb.ig(args);
    c.env(MACHINE, sb.path("etc-policy.toml"));
    run(c)
}

fn brew(sb: &Sandbox, args: &[&str]) -> std::process::Output {
    let mut c = sb.cmd("brew", args);
    c.env(MACHINE, sb.path("etc-policy.toml"));
    run(c)
}

#[test]
fn user_deny_blocks_through_the_shim_and_check() {
    let sb = sandbox();
    user(&sb, "[packages]\ndeny = [\"pkg:brew/wget\"]\n");
    let out = brew(&sb, &["install", "wget"]);
    assert_code(&out, 3);
    assert!(
        text(&out.stderr).contains("denied by the user policy"),
        "{}",
        text(&out.stderr)
    );
    assert!(!text(&out.stdout).contains("ran brew"));
    assert_code(&ig(&sb, &["check", "--", "brew", "install", "wget"]), 3);
    assert_code(&ig(&sb, &["check", "--", "brew", "install", "jq"]), 0);
}

#[test]
fn a_project_cannot_loosen_and_an_invalid_policy_blocks_installs_only() {
    let sb = sandbox();
    project(&sb, "[rules]\nimitation = \"allow\"\n");
    let out = brew(&sb, &["install", "jq"]);
    assert_code(&out, 2);
    let err = text(&out.stderr);
    assert!(err.contains(".installguard.toml:2:13: error:"), "{err}");
    assert!(
        err.contains("cloned repository must not weaken the guard"),
        "{err}"
    );
    // Pass-through commands still run.
    let out = brew(&sb, &["list"]);
    assert_code(&out, 0);
    assert!(text(&out.stdout).contains("ran brew list"));
    // Tightening is fine.
    project(&sb, "[rules]\nimitation = \"block\"\n");
    assert_code(&brew(&sb, &["install", "wgett"]), 3);
    // The project file is found from a subdirectory too.
    std::fs::create_dir_all(sb.work().join("sub")).unwrap();
    let mut c = sb.ig(&["check", "--", "brew", "install", "wgett"]);
    c.current_dir(sb.work().join("sub"))
        .env(MACHINE, sb.path("etc-policy.toml"));
    assert_code(&run(c), 3);
}

#[test]
fn machine_locks_beat_later_layers_and_name_both_files() {
    let sb = sandbox();
    let m = machine(
        &sb,
        "lock = [\"rules.imitation\"]\n[rules]\nimitation = \"block\"\n",
    );
    user(&sb, "[rules]\nimitation = \"warn\"\n");
    let out = ig(&sb, &["policy", "check"]);
    assert_code(&out, 2);
    let s = text(&out.stdout);
    assert!(s.contains("config/installguard/policy.toml:2:13: error: `rules.imitation` is locked by the machine policy"), "{s}");
    assert!(s.contains(&format!("({}:1)", m.display())), "{s}");
    // --set and the environment are bound by the lock too.
    user(&sb, "");
    let out = ig(
        &sb,
        &[
            "--set",
            "rules.imitation=allow",
            "check",
            "--",
            "brew",
            "install",
            "wgett",
        ],
    );
    assert_code(&out, 2);
    let mut c = sb.ig(&["check", "--", "brew", "install", "wgett"]);
    c.env(MACHINE, &m)
        .env("INSTALLGUARD_POLICY_SET", "rules.imitation=allow");
    assert_code(&run(c), 2);
    assert_code(&ig(&sb, &["check", "--", "brew", "install", "wgett"]), 3);
}

#[test]
fn a_machine_policy_others_can_write_is_refused() {
    let sb = sandbox();
    let m = machine(&sb, "[rules]\nimitation = \"block\"\n");
    std::fs::set_permissions(&m, std::fs::Permissions::from_mode(0o666)).unwrap();
    let out = brew(&sb, &["install", "jq"]);
    assert_code(&out, 2);
    assert!(
        text(&out.stderr).contains("refusing the machine policy"),
        "{}",
        text(&out.stderr)
    );
    assert!(text(&out.stderr).contains("anyone can write to it"));
    std::fs::set_permissions(&m, std::fs::Permissions::from_mode(0o664)).unwrap();
    assert!(text(&brew(&sb, &["install", "jq"]).stderr).contains("its group"));
    std::fs::set_permissions(&m, std::fs::Permissions::from_mode(0o644)).unwrap();
    assert_code(&brew(&sb, &["install", "jq"]), 0);
}

#[test]
fn set_overrides_and_show_names_the_layer() {
    let sb = sandbox();
    user(&sb, "[rules]\nunpinned-version = \"warn\"\n");
    let out = ig(&sb, &["--set", "rules.imitation=block", "policy", "show"]);
    assert_code(&out, 0);
    let s = text(&out.stdout);
    assert!(s.contains("imitation = \"block\""), "{s}");
    assert!(s.contains("# command line: --set:1"), "{s}");
    assert!(s.contains("unpinned-version = \"warn\""), "{s}");
    assert!(s.contains("# user: "), "{s}");
    assert!(
        s.contains("malicious = \"block\"                          # built-in"),
        "{s}"
    );
    assert_code(
        &ig(
            &sb,
            &[
                "--set",
                "rules.imitation=block",
                "check",
                "--",
                "brew",
                "install",
                "wgett",
            ],
        ),
        3,
    );
    let out = ig(
        &sb,
        &[
            "--set",
            "rules.imitaton=block",
            "check",
            "--",
            "brew",
            "install",
            "jq",
        ],
    );
    assert_code(&out, 2);
    assert!(
        text(&out.stderr).contains("did you mean `imitation`?"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn policy_check_a_file_and_the_example() {
    let sb = sandbox();
    let example = concat!(env!("CARGO_MANIFEST_DIR"), "/config/example-policy.toml");
    let out = ig(&sb, &["policy", "check", "--layer", "machine", example]);
    assert_code(&out, 0);
    assert!(
        text(&out.stdout).contains("policy OK"),
        "{}",
        text(&out.stdout)
    );
    // As the README and the file's own header show it: it locks, so it is a machine policy.
    let out = ig(&sb, &["policy", "check", example]);
    assert_code(&out, 0);
    assert!(
        text(&out.stdout).contains("(machine)"),
        "{}",
        text(&out.stdout)
    );
    let out = ig(&sb, &["policy", "check", "--layer", "user", example]);
    assert_code(&out, 2);
    let bad = sb.path("bad.toml");
    std::fs::write(&bad, "[rules]\nimitation = 3\n[[exceptions]]\npackage = \"pkg:npm/nothing-flags-this-name-zz\"\nreason = \"testing\"\nexpires = 2099-01-01\n").unwrap();
    let out = ig(&sb, &["policy", "check", bad.to_str().unwrap()]);
    assert_code(&out, 2);
    let s = text(&out.stdout);
    assert!(
        s.contains("bad.toml:2:13: error: `rules.imitation` must be"),
        "{s}"
    );
    assert!(s.contains("never matches"), "{s}");
    assert!(
        s.contains("policy INVALID: 1 error(s), 1 warning(s)"),
        "{s}"
    );
}

#[test]
fn without_a_terminal_the_policy_decides() {
    let sb = sandbox();
    let out = brew(&sb, &["install", "wgett"]);
    assert_code(&out, 4);
    assert!(text(&out.stderr).contains("no terminal"));
    user(&sb, "[prompt]\nnon-interactive = \"allow\"\n");
    let out = brew(&sb, &["install", "wgett"]);
    assert_code(&out, 0);
    assert!(
        text(&out.stderr).contains("non-interactive = \"allow\""),
        "{}",
        text(&out.stderr)
    );
    let rec = sb.log_records();
    assert_eq!(rec.last().unwrap()["decided_by"], "policy");
}

#[test]
fn an_exception_lifts_findings_and_is_logged_as_such() {
    let sb = sandbox();
    user(
        &sb,
        "[[exceptions]]\npackage = \"pkg:brew/wgett\"\nreason = \"our own formula\"\nexpires = 2099-12-31\n",
    );
    let out = brew(&sb, &["install", "wgett"]);
    assert_code(&out, 0);
    assert_eq!(sb.log_records().last().unwrap()["decided_by"], "exception");
}

#[test]
fn stale_data_at_block_level_fails_closed_with_5() {
    let sb = sandbox();
    user(
        &sb,
        "[data]\nmax-age = \"30d\"\n[rules]\nstale-data = \"block\"\n",
    );
    let out = brew(&sb, &["install", "jq"]);
    assert_code(&out, 5);
    assert!(
        text(&out.stderr).contains("installguard update"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn the_prompt_can_add_a_dated_exception() {
    let sb = sandbox();
    user(&sb, "# my settings\n[rules]\nimitation = \"warn\"\n");
    let (code, screen, calls) = answer_in(&sb, &["install", "wgett"], b"jj\r", |c| {
        c.env(MACHINE, sb.path("etc-policy.toml"))
    });
    assert_eq!(code, Some(0), "{screen}");
    assert!(screen.contains("did you mean `wget`?"), "{screen}");
    assert!(
        screen.contains("rules.imitation = \"warn\" (user policy"),
        "{screen}"
    );
    assert!(
        screen.contains("added an exception for pkg:brew/wgett"),
        "{screen}"
    );
    assert_eq!(calls, "install wgett\n");
    let file = std::fs::read_to_string(sb.path("config/installguard/policy.toml")).unwrap();
    assert!(
        file.starts_with("# my settings\n[rules]\nimitation = \"warn\"\n"),
        "{file}"
    );
    assert!(
        file.contains(
            "[[exceptions]]\npackage = \"pkg:brew/wgett\"\nreason = \"added at the prompt by "
        ),
        "{file}"
    );
    // The next install is lifted by it without asking.
    assert_code(&brew(&sb, &["install", "wgett"]), 0);
    assert_eq!(sb.log_records().last().unwrap()["decided_by"], "exception");
}

#[test]
fn the_prompt_offers_no_exception_when_the_policy_forbids_it() {
    let sb = sandbox();
    machine(&sb, "[prompt]\nallow-exceptions = false\n");
    // Two steps down would be the exception; with two choices it stays on Install anyway.
    let (code, screen, _) = answer_in(&sb, &["install", "wgett"], b"q", |c| {
        c.env(MACHINE, sb.path("etc-policy.toml"))
    });
    assert_eq!(code, Some(4), "{screen}");
    assert!(!screen.contains("Add an exception"), "{screen}");
}

/// The machine policy locks `rules.malicious`: a user allow-list or exception does not lift a
/// known-malicious package, through the shim or `check`; the message and the log name the lock
/// and the attempt. Unlocked, the same allow lifts it, and the log says where that came from.
#[test]
fn a_machine_lock_holds_against_user_allows_and_exceptions() {
    let sb = sandbox();
    let m = machine(
        &sb,
        "lock = [\"rules.malicious\"]\n[rules]\nmalicious = \"block\"\n",
    );
    let u = sb.path("config/installguard/policy.toml");
    for (policy, what) in [
        (
            "[packages]\nallow = [\"pkg:pypi/*\"]\n",
            "allow `pkg:pypi/*`",
        ),
        (
            "[[exceptions]]\npackage = \"pkg:pypi/1337test\"\nreason = \"trust me\"\nexpires = 2099-01-01\n",
            "exception for `pkg:pypi/1337test`",
        ),
    ] {
        user(&sb, policy);
        let mut c = sb.cmd("pip", &["install", "1337test"]);
        c.env(MACHINE, &m);
        let out = run(c);
        assert_code(&out, 3);
        let err = text(&out.stderr);
        assert!(err.contains(what), "{err}");
        assert!(
            err.contains(&format!("user policy {}:", u.display())),
            "{err}"
        );
        assert!(
            err.contains(&format!(
                "`rules.malicious` is locked by the machine policy ({}:1)",
                m.display()
            )),
            "{err}"
        );
        let rec = sb.log_records().pop().unwrap();
        assert_eq!(rec["decision"], "blocked");
        let l = &rec["loosened"][0];
        assert_eq!(l["rule"], "malicious");
        assert_eq!(l["layer"], "user");
        assert!(
            l["refused"]
                .as_str()
                .unwrap()
                .contains("locked by the machine policy"),
            "{rec}"
        );
        assert_code(&ig(&sb, &["check", "--", "pip", "install", "1337test"]), 3);
    }
    // Without the lock the user's allow lifts it: check says allow.
    machine(&sb, "");
    user(&sb, "[packages]\nallow = [\"pkg:pypi/*\"]\n");
    assert_code(&ig(&sb, &["check", "--", "pip", "install", "1337test"]), 0);
}

#[test]
fn every_loosening_is_logged_with_where_it_came_from() {
    let sb = sandbox();
    user(&sb, "[packages]\nallow = [\"pkg:brew/wgett\"]\n");
    assert_code(&brew(&sb, &["install", "wgett"]), 0);
    let rec = sb.outcomes().pop().unwrap();
    let l = &rec["loosened"][0];
    assert_eq!(
        (
            l["target"].as_str(),
            l["rule"].as_str(),
            l["from"].as_str(),
            l["to"].as_str()
        ),
        (Some("wgett"), Some("imitation"), Some("warn"), Some("info"))
    );
    assert_eq!(l["by"], "allow `pkg:brew/wgett`");
    assert!(
        l["at"]
            .as_str()
            .unwrap()
            .ends_with("config/installguard/policy.toml:2"),
        "{l}"
    );
    // A rule lowered on the command line, and --yes, each with their place.
    user(&sb, "");
    let mut c = sb.ig(&[
        "--set",
        "rules.imitation=allow",
        "run",
        "brew",
        "install",
        "wgett",
    ]);
    c.env(MACHINE, sb.path("etc-policy.toml"));
    assert_code(&run(c), 0);
    let rec = sb.outcomes().pop().unwrap();
    let all = rec["loosened"].as_array().unwrap();
    assert!(
        all.iter().any(|l| l["target"] == "rules.imitation"
            && l["at"] == "--set:1"
            && l["layer"] == "command line"),
        "{rec}"
    );
    let mut c = sb.ig(&["run", "--yes", "brew", "install", "wgett"]);
    c.env(MACHINE, sb.path("etc-policy.toml"));
    assert_code(&run(c), 0);
    let rec = sb.outcomes().pop().unwrap();
    assert_eq!(rec["decided_by"], "yes");
    assert_eq!(rec["loosened"][0]["by"], "--yes");
    assert_eq!(rec["loosened"][0]["at"], "argv");
    // With the machine locking prompt.non-interactive, --yes is refused and says why.
    let m = machine(&sb, "lock = [\"prompt.non-interactive\"]\n");
    let mut c = sb.ig(&["run", "--yes", "brew", "install", "wgett"]);
    c.env(MACHINE, &m);
    let out = run(c);
    assert_code(&out, 4);
    assert!(
        text(&out.stderr).contains("--yes is ignored"),
        "{}",
        text(&out.stderr)
    );
    let rec = sb.outcomes().pop().unwrap();
    assert!(
        rec["loosened"][0]["refused"]
            .as_str()
            .unwrap()
            .contains("locked"),
        "{rec}"
    );
}

/// Nothing in the environment or on the command line overrides a block, and the audit
/// variables are bound by machine locks like every other layer.
#[test]
fn overrides_cannot_lower_a_block_and_audit_variables_obey_locks() {
    let sb = sandbox();
    let out = ig(
        &sb,
        &[
            "--set",
            "rules.malicious=allow",
            "check",
            "--",
            "pip",
            "install",
            "1337test",
        ],
    );
    assert_code(&out, 2);
    assert!(
        text(&out.stderr)
            .contains("nothing in the environment or on the command line overrides a block"),
        "{}",
        text(&out.stderr)
    );
    let mut c = sb.ig(&["check", "--", "pip", "install", "1337test"]);
    c.env(MACHINE, sb.path("etc-policy.toml"))
        .env("INSTALLGUARD_POLICY_SET", "packages.allow=[\"pkg:pypi/*\"]");
    let out = run(c);
    assert_code(&out, 2);
    assert!(
        text(&out.stderr).contains("INSTALLGUARD_POLICY_SET:1:17: error: allows and exceptions cannot come from the environment"),
        "{}",
        text(&out.stderr)
    );
    let m = machine(&sb, "lock = [\"audit\"]\n[audit]\nrequired = true\n");
    for (var, value) in [
        ("INSTALLGUARD_AUDIT_REQUIRED", "0"),
        ("INSTALLGUARD_AUDIT_SYSLOG", "udp://127.0.0.1:9"),
    ] {
        let mut c = sb.cmd("brew", &["install", "jq"]);
        c.env(MACHINE, &m).env(var, value);
        let out = run(c);
        assert_code(&out, 2);
        let err = text(&out.stderr);
        assert!(err.contains(&format!("{var}:1:")), "{err}");
        assert!(
            err.contains(&format!("locked by the machine policy ({}:1)", m.display())),
            "{err}"
        );
        assert!(!text(&out.stdout).contains("ran brew"));
    }
}

/// Policy text that crashed the TOML parser (toml_edit 0.23: `==\n.=`), and a FIFO named
/// `.installguard.toml`, are errors naming the file: no crash, no hang, and the refused
/// install is logged.
#[test]
fn a_hostile_project_file_is_an_error_naming_it() {
    let sb = sandbox();
    let file = sb.work().join(".installguard.toml");
    std::fs::write(&file, "==\n.=").unwrap();
    let out = ig(&sb, &["check", "--", "brew", "install", "jq"]);
    assert_code(&out, 2);
    assert!(
        text(&out.stderr).contains(&format!("{}:1:", file.display())),
        "{}",
        text(&out.stderr)
    );
    let out = brew(&sb, &["install", "jq"]);
    assert_code(&out, 2);
    assert!(!text(&out.stdout).contains("ran brew"));
    let rec = sb.log_records().pop().unwrap();
    assert_eq!(rec["decision"], "blocked");
    std::fs::remove_file(&file).unwrap();
    let c = std::ffi::CString::new(file.as_os_str().as_encoded_bytes()).unwrap();
    // SAFETY: a valid NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
    let mut c = sb.ig(&["check", "--", "brew", "install", "jq"]);
    c.env(MACHINE, sb.path("etc-policy.toml"))
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    let mut child = c.spawn().unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while child.try_wait().unwrap().is_none() {
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            panic!("a FIFO named .installguard.toml hangs check");
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    let out = child.wait_with_output().unwrap();
    assert_code(&out, 2);
    assert!(
        text(&out.stderr).contains("a FIFO"),
        "{}",
        text(&out.stderr)
    );
}

/// The commands that download a tool rather than a package (src/cmdline/words: `uv format`'s
/// ruff, `uv check`'s ty, `uv self update`, `pnpm self-update`, `bun upgrade`, `yarn set
/// version`, `yarn policies set-version`, `pnpm with`) are checked by the package name the tool
/// is published under: a user deny of that name blocks each of them, and nothing else.
#[test]
fn a_denied_tool_blocks_the_commands_that_download_it() {
    let sb = sandbox();
    user(
        &sb,
        "[packages]\ndeny = [\"pkg:pypi/ruff\", \"pkg:pypi/ty\", \"pkg:pypi/uv\", \"pkg:pypi/setuptools\", \"pkg:npm/pnpm\", \"pkg:npm/bun\", \"pkg:npm/@yarnpkg/cli-dist\", \"pkg:npm/yarn\"]\n",
    );
    std::fs::write(
        sb.work().join("package.json"),
        r#"{"name":"p","version":"1.0.0","packageManager":"yarn@4.18.1"}"#,
    )
    .unwrap();
    std::fs::create_dir_all(sb.work().join("classic")).unwrap();
    std::fs::write(
        sb.work().join("classic/package.json"),
        r#"{"name":"c","version":"1.0.0","packageManager":"yarn@1.22.22"}"#,
    )
    .unwrap();
    for argv in [
        &["uv", "format"][..],
        &["uv", "format", "--version", "0.9.1"],
        &["uv", "check", "--no-sync"],
        &["uv", "self", "update"],
        &["uv", "venv", "--seed"],
        &["pnpm", "self-update"],
        &["pnpm", "self-update", "12.22.0"],
        &["bun", "upgrade"],
        &["yarn", "set", "version", "stable"],
        &["yarn", "policies", "set-version", "1.22.0"],
    ] {
        let mut args = vec!["check", "--"];
        args.extend_from_slice(argv);
        let mut c = sb.ig(&args);
        c.env(MACHINE, sb.path("etc-policy.toml"));
        // yarn 1 where the project says so.
        if argv[1] == "policies" {
            c.current_dir(sb.work().join("classic"));
        }
        let out = run(c);
        assert_code(&out, 3);
        assert!(
            text(&out.stdout).contains("denied by the user policy"),
            "{argv:?}: {}",
            text(&out.stdout)
        );
    }
    assert_code(&ig(&sb, &["check", "--", "uv", "venv"]), 0);
    assert_code(&ig(&sb, &["check", "--", "uv", "self", "version"]), 0);
}
