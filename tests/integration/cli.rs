//! installguard's own commands: `check` (the JSON contract and exit codes), `log`,
//! `shell-init`, `doctor`.

use crate::sandbox::{Sandbox, assert_code, run, text};

fn check_json(sb: &Sandbox, args: &[&str]) -> (i32, serde_json::Value) {
    let mut all = vec!["check", "--json", "--"];
    all.extend_from_slice(args);
    let out = run(sb.ig(&all));
    let doc = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}\n{}", text(&out.stdout), text(&out.stderr)));
    (out.status.code().unwrap(), doc)
}

#[test]
fn check_exit_codes_follow_the_verdict() {
    let sb = Sandbox::new();
    for (args, code, verdict) in [
        (&["npm", "install", "lodash"][..], 0, "allow"),
        (&["pip", "install", "reqeusts"][..], 1, "warn"),
        (&["pip", "install", "1337test"][..], 3, "block"),
        (
            &["python3", "-m", "pip.__pip-runner__", "install", "1337test"][..],
            3,
            "block",
        ),
        (&["npm", "--version"][..], 0, "allow"),
    ] {
        let (got, doc) = check_json(&sb, args);
        assert_eq!(
            (got, doc["verdict"].as_str().unwrap()),
            (code, verdict),
            "{args:?}"
        );
    }
    let out = run(sb.ig(&["check", "--", "cargo", "install", "x"]));
    assert_code(&out, 2);
    let out = run(sb.ig(&["check"]));
    assert_code(&out, 2);
}

#[test]
fn check_json_contract() {
    let sb = Sandbox::new();
    let (_, doc) = check_json(&sb, &["pip3", "install", "reqeusts>=2"]);
    assert_eq!(doc["program"], "pip3");
    assert_eq!(doc["manager"], "pip");
    assert_eq!(doc["installs"], true);
    let t = &doc["targets"][0];
    assert_eq!(t["ecosystem"], "pypi");
    assert_eq!(t["kind"], "registry");
    assert_eq!(t["name"], "reqeusts");
    assert_eq!(t["origin"], "argv");
    let f = &doc["findings"][0];
    assert_eq!(f["rule"], "imitation");
    assert_eq!(f["severity"], "warn");
    assert_eq!(f["imitates"], "requests");
    assert_eq!(f["target"], "reqeusts");
    assert!(
        f["message"]
            .as_str()
            .unwrap()
            .contains("Did you mean `requests`?")
    );
    assert!(doc["sources"].is_array());
    assert_eq!(doc["data"]["origin"], "embedded snapshot");
    assert!(
        doc["data"]["age-days"].as_i64().unwrap() > 600,
        "{}",
        doc["data"]
    );
}

#[test]
fn check_human_output_names_the_verdict() {
    let sb = Sandbox::new();
    let out = run(sb.ig(&["check", "npm", "install", "lodahs"]));
    assert_code(&out, 1);
    let s = text(&out.stdout);
    assert!(s.contains("lodahs") && s.contains("verdict: warn"), "{s}");
}

#[test]
fn log_shows_decisions_newest_last() {
    let sb = Sandbox::new();
    sb.script("brew", "#!/bin/sh\nexit 0\n");
    assert_code(&run(sb.cmd("brew", &["install", "wget"])), 0);
    assert_code(&run(sb.cmd("brew", &["install", "jq"])), 0);
    let out = run(sb.ig(&["log"]));
    assert_code(&out, 0);
    let s = text(&out.stdout);
    let (w, j) = (
        s.find("install wget").unwrap(),
        s.find("install jq").unwrap(),
    );
    assert!(w < j, "{s}");
    let out = run(sb.ig(&["log", "--json"]));
    let lines: Vec<serde_json::Value> = text(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .filter(|r| r["event"] != "starting")
        .collect();
    assert_eq!(lines.len(), 2);
    for key in [
        "time",
        "user",
        "host",
        "cwd",
        "program",
        "argv",
        "targets",
        "findings",
        "decision",
        "exit_code",
    ] {
        assert!(lines[0].get(key).is_some(), "record lacks {key}");
    }
}

#[test]
fn shell_init_creates_shim_links_and_puts_them_first() {
    let sb = Sandbox::new();
    let out = run(sb.ig(&["shell-init", "bash"]));
    assert_code(&out, 0);
    let script = text(&out.stdout);
    let shims = sb.path("data/installguard/shims");
    assert!(script.contains(&*shims.to_string_lossy()), "{script}");
    // A link for every guarded name whose real tool is on PATH; none for a tool that is not
    // (a `brew` link on a machine without brew would make `command -v brew` lie).
    for name in ["pip", "pip3", "npm", "npx"] {
        let target = std::fs::read_link(shims.join(name)).unwrap();
        assert_eq!(
            target,
            std::path::Path::new(crate::sandbox::LIGHT_BIN)
                .canonicalize()
                .unwrap()
        );
    }
    assert!(!shims.join("brew").exists());
    // Every guarded name is a function in that shell, and the shell says which.
    for name in ["pip", "pip3", "python", "python3", "npm", "npx", "brew"] {
        assert!(
            script.contains(&format!("function {name} {{")),
            "{name}: {script}"
        );
    }
    assert!(script.contains("INSTALLGUARD_FUNCTIONS"), "{script}");
    // The printed lines work in a real bash: PATH starts with the shims, python3 is a function.
    let probe = format!("{script}\nprintf '%s\\n' \"${{PATH%%:*}}\"; type -t python3");
    let out = run(sb.cmd("bash", &["-c", &probe]));
    assert_eq!(
        text(&out.stdout),
        format!("{}\nfunction\n", shims.display())
    );
    // `python3 -m pip install` typed in that shell is guarded (no terminal here: exit 4), and
    // any other python3 use runs the interpreter.
    let probe = format!("{script}\npython3 -m pip install --no-index reqeusts");
    let out = run(sb.cmd("bash", &["-c", &probe]));
    assert_code(&out, 4);
    assert!(
        text(&out.stderr).contains("`requests`"),
        "{}",
        text(&out.stderr)
    );
    let probe = format!("{script}\npython3 -c 'print(6*7)'");
    let out = run(sb.cmd("bash", &["-c", &probe]));
    assert_eq!(text(&out.stdout), "42\n");
    for shell in ["zsh", "fish"] {
        assert_code(&run(sb.ig(&["shell-init", shell])), 0);
    }
    assert_code(&run(sb.ig(&["shell-init", "tcsh"])), 2);
    // Shells starting at once all get their functions and links.
    std::fs::remove_dir_all(&shims).unwrap();
    let children: Vec<_> = (0..8)
        .map(|_| {
            let mut c = sb.ig(&["shell-init", "bash"]);
            c.stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped());
            c.spawn().unwrap()
        })
        .collect();
    for child in children {
        let out = child.wait_with_output().unwrap();
        assert_code(&out, 0);
        assert!(text(&out.stdout).contains("function pip {"));
    }
    assert!(std::fs::read_link(shims.join("pip")).is_ok());
    // A data directory that cannot be written: no links, but the functions still come, and
    // the shell is told what that means.
    let mut c = sb.ig(&["shell-init", "bash"]);
    c.env("XDG_DATA_HOME", "/proc/no-such-dir");
    let out = run(c);
    assert_code(&out, 0);
    assert!(text(&out.stdout).contains("function pip {"));
    assert!(
        text(&out.stderr).contains("scripts, sh -c and make are NOT guarded"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn doctor_reports_tools_shims_and_data() {
    let sb = Sandbox::new();
    // A PATH the test controls: the shims, then only the host's python3/pip/npm (whatever else
    // the host has, brew included, stays out of sight).
    let tools = sb.path("tools");
    std::fs::create_dir_all(&tools).unwrap();
    let host = std::env::var_os("PATH").unwrap_or_default();
    for name in ["pip", "pip3", "python3", "npm", "npx"] {
        if let Some(real) = std::env::split_paths(&host)
            .map(|d| d.join(name))
            .find(|p| p.is_file())
        {
            std::os::unix::fs::symlink(real, tools.join(name)).unwrap();
        }
    }
    let path = std::env::join_paths([sb.path("shims"), tools.clone()]).unwrap();
    let doctor_run = || {
        let mut c = sb.ig(&["doctor"]);
        c.env("PATH", &path);
        run(c)
    };
    let doctor = || text(&doctor_run().stdout);
    let out = doctor_run();
    let s = text(&out.stdout);
    assert!(s.contains("install commands"), "{s}");
    assert!(
        s.lines()
            .any(|l| l.trim_start().starts_with("npm ")
                && l.contains("guarded (link first on PATH)")),
        "{s}"
    );
    assert!(s.contains("days old (newest report 2024-12-31)"), "{s}");
    assert!(
        s.contains("signals  on: asks https://registry.npmjs.org/, https://pypi.org/simple/"),
        "{s}"
    );
    // The embedded data is far older than a week: doctor counts it as a problem.
    assert!(s.contains("STALE    the reputation data is"), "{s}");
    assert_eq!(out.status.code(), Some(1), "{s}");
    assert!(s.contains("brew           not installed"), "{s}");
    // With a brew on that PATH, doctor names it, and as not guarded: no link, no function.
    std::fs::remove_file(sb.path("shims/brew")).unwrap();
    let brew = tools.join("brew");
    std::fs::write(&brew, "#!/bin/sh\n").unwrap();
    std::fs::set_permissions(&brew, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let s = doctor();
    let line = s
        .lines()
        .find(|l| l.trim_start().starts_with("brew "))
        .unwrap_or_else(|| panic!("{s}"));
    assert!(line.ends_with(&*brew.to_string_lossy()), "{s}");
    assert!(
        line.contains("NOT guarded (") && !line.contains("guarded (link"),
        "{s}"
    );
    assert!(s.contains("no shim link on PATH for: brew"), "{s}");
    // A package manager installguard does not handle yet is named as unguarded.
    let cargo = tools.join("cargo");
    std::fs::copy(&brew, &cargo).unwrap();
    let s = doctor();
    assert!(s.contains("their installs are not checked: cargo"), "{s}");
}

#[test]
fn every_guarded_name_has_a_script_shim_in_the_repo() {
    let repo_shims = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("shims");
    for g in installguard::cmdline::GUARDED {
        let script = std::fs::read_to_string(repo_shims.join(g.name))
            .unwrap_or_else(|e| panic!("shims/{}: {e}", g.name));
        assert!(
            script.contains("installguard-shim")
                && script.contains(&format!("run {} \"$@\"", g.name)),
            "shims/{}:\n{script}",
            g.name
        );
    }
}

#[test]
fn script_shims_from_the_repo_hand_over_to_installguard() {
    let sb = Sandbox::new();
    let repo_shims = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("shims");
    sb.script("brew", "#!/bin/sh\necho real-brew \"$@\"\n");
    let mut c = sb.cmd(
        repo_shims.join("brew").to_str().unwrap(),
        &["install", "wget"],
    );
    let path = std::env::join_paths(
        [repo_shims.clone(), sb.path("bin")]
            .into_iter()
            .chain(std::env::split_paths(&std::env::var_os("PATH").unwrap())),
    )
    .unwrap();
    c.env("PATH", path)
        .env("INSTALLGUARD_BIN", crate::sandbox::BIN);
    let out = run(c);
    assert_code(&out, 0);
    assert_eq!(text(&out.stdout), "real-brew install wget\n");
    // Without installguard the shim refuses with a message rather than running brew unchecked.
    let mut c = sb.cmd(
        repo_shims.join("brew").to_str().unwrap(),
        &["install", "wget"],
    );
    c.env("INSTALLGUARD_BIN", "/nonexistent/installguard");
    let out = run(c);
    assert_code(&out, 127);
    assert!(text(&out.stderr).contains("was not run"));
}

#[test]
fn control_characters_from_argv_are_printed_escaped() {
    let sb = Sandbox::new();
    let hostile = "evil\u{1b}[2J\rrequests\u{202e}lmth";
    for program in ["pip", "npm"] {
        let out = run(sb.ig(&["check", "--", program, "install", hostile]));
        let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
        for shown in [&stdout, &stderr] {
            assert!(
                !shown.contains(['\u{1b}', '\r', '\u{202e}']),
                "{program}: raw control characters printed: {shown:?}"
            );
        }
        let all = format!("{stdout}{stderr}");
        assert!(
            all.contains("evil\\") && all.contains("[2J\\r") && all.contains("202e}lmth"),
            "{program}: the argument is not shown escaped:\n{stdout}\n{stderr}"
        );
    }
    // Refused installs are logged with their argv; `log` shows the record escaped.
    let out = run(sb.ig(&["run", "npm", "install", hostile]));
    assert_code(&out, 2);
    let out = run(sb.ig(&["log"]));
    let shown = text(&out.stdout);
    assert!(
        shown.contains("npm install evil\\x1b[2J\\rrequests\\u{202e}lmth"),
        "{shown:?}"
    );
    assert!(!shown.contains(['\u{1b}', '\r', '\u{202e}']), "{shown:?}");
}

#[test]
fn check_prints_source_kinds_as_the_json_names_them() {
    let sb = Sandbox::new();
    let out = run(sb.ig(&[
        "check",
        "--",
        "pip",
        "install",
        "--index-url",
        "https://pypi.example/simple",
        "--find-links",
        "/tmp/wheels",
        "six",
    ]));
    let s = text(&out.stdout);
    assert!(s.contains("(index, argv)"), "{s}");
    assert!(s.contains("(find-links, argv)"), "{s}");
    assert!(!s.contains("FindLinks"), "{s}");
}
