//! Whole-tree resolution with the real tools: npm against a registry served on 127.0.0.1, pip
//! against wheels and sdists in a local folder, and the recording brew stand-in answering
//! `--dry-run` as brew prints it. Each test proves both halves: what is checked before any
//! package code runs (a registry log with packuments only, markers that do not exist), and
//! that what gets installed is what was checked.

use std::path::{Path, PathBuf};

use crate::pip::{
    build_wheel_requiring, install_args, pip_install, python_starts, sandbox_with_wheels, venv,
};
use crate::registry::{Pkg, Registry};
use crate::sandbox::{Sandbox, assert_code, run, text};

/// The packages the npm-family resolution tests serve: `igtest-clean`, whose dependency
/// `000webhost-admin` is reported malicious (OpenSSF MAL-2024-11848) and has a postinstall that
/// writes `marker`; then a clean tree, `igtest-app` → `igtest-leaf` 2.1.0.
fn hostile_and_clean_trees(marker: &Path) -> [Pkg; 4] {
    [
        Pkg::new("igtest-clean").dep("000webhost-admin", "^1.0.0"),
        Pkg::new("000webhost-admin").postinstall(&format!("touch {}", marker.display())),
        Pkg::new("igtest-app").dep("igtest-leaf", "^2.0.0"),
        Pkg::new("igtest-leaf").version("2.1.0"),
    ]
}

fn npm_project() -> Sandbox {
    let sb = Sandbox::new();
    std::fs::write(
        sb.work().join("package.json"),
        "{\n  \"name\": \"proj\",\n  \"version\": \"1.0.0\"\n}\n",
    )
    .unwrap();
    sb
}

/// Every request was for a packument (`/name`), never a tarball (`/name/-/name-1.0.0.tgz`).
#[track_caller]
fn metadata_only(reg: &Registry) {
    let seen = reg.seen();
    assert!(!seen.is_empty(), "the registry was never asked");
    assert!(
        seen.iter().all(|p| !p.contains("/-/")),
        "a tarball was downloaded before the decision: {seen:?}"
    );
}

/// The install was the `tool` process that resolved the checked tree (npm 11, pip 23.2.1
/// under its hook).
#[track_caller]
fn one_process(record: &serde_json::Value, tool: &str) {
    assert!(
        record["resolution"]["runs"]
            .as_str()
            .is_some_and(|r| r.starts_with(&format!("one {tool} process"))),
        "{record:#}"
    );
}

#[track_caller]
fn one_npm_process(record: &serde_json::Value) {
    one_process(record, "npm");
}

#[track_caller]
fn one_pip_process(record: &serde_json::Value) {
    one_process(record, "pip");
}

fn checked<'a>(record: &'a serde_json::Value, name: &str) -> &'a serde_json::Value {
    record["targets"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == name)
        .unwrap_or_else(|| panic!("no target {name} in {record:#}"))
}

#[test]
fn npm_a_malicious_dependency_with_an_install_script_is_blocked_before_any_tarball() {
    let sb = npm_project();
    let marker = sb.path("postinstall-ran");
    // `000webhost-admin` is reported malicious (OpenSSF MAL-2024-11848); here it is the
    // dependency of a clean-looking package, and its postinstall would write the marker.
    let reg = Registry::start_tree(
        &sb.path("cache/reg"),
        &hostile_and_clean_trees(&marker)[..2],
    );
    let before = std::fs::read(sb.work().join("package.json")).unwrap();
    // `check --resolve` shows the whole tree, install-time code included, and changes nothing.
    let out = run(sb.ig(&[
        "check",
        "--resolve",
        "--json",
        "--",
        "npm",
        "install",
        "--registry",
        &reg.url,
        "igtest-clean",
    ]));
    assert_code(&out, 3);
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["resolution"]["status"], "resolved", "{doc:#}");
    let evil = checked(&doc, "000webhost-admin");
    assert_eq!(evil["resolved"]["install_code"][0], "install-script");
    assert_eq!(evil["origin"], "npm resolution: required by igtest-clean");
    metadata_only(&reg);
    assert!(!sb.work().join("package-lock.json").exists() && !marker.exists());
    let out = run(sb.cmd("npm", &["install", "--registry", &reg.url, "igtest-clean"]));
    assert_code(&out, 3);
    let err = text(&out.stderr);
    assert!(err.contains("MAL-2024-11848"), "{err}");
    assert!(err.contains("required by igtest-clean"), "{err}");
    metadata_only(&reg);
    assert!(!marker.exists(), "the install script ran");
    assert!(
        !sb.work().join("node_modules").exists(),
        "something was installed"
    );
    assert!(!sb.work().join("package-lock.json").exists());
    assert_eq!(
        std::fs::read(sb.work().join("package.json")).unwrap(),
        before
    );

    let log = sb.outcomes();
    assert_eq!(log.len(), 1);
    assert_eq!(log[0]["decision"], "blocked");
    assert_eq!(log[0]["resolution"]["status"], "resolved");
    one_npm_process(&log[0]);
    let evil = checked(&log[0], "000webhost-admin");
    assert_eq!(evil["resolved"]["version"], "1.0.0");
    assert_eq!(evil["resolved"]["direct"], false);
    assert_eq!(evil["resolved"]["install_code"][0], "install-script");
    assert!(
        evil["resolved"]["integrity"]
            .as_str()
            .unwrap()
            .starts_with("sha512-")
    );
    assert_eq!(evil["findings"][0]["rule"], "malicious");
    assert_eq!(checked(&log[0], "igtest-clean")["resolved"]["direct"], true);

    // A reviewer's question: which machines installed (or tried to) this exact version?
    let out = run(sb.ig(&["log", "--json", "--package", "000webhost-admin@1.0.0"]));
    assert_code(&out, 0);
    assert_eq!(
        text(&out.stdout).lines().count(),
        1,
        "{}",
        text(&out.stdout)
    );
    let out = run(sb.ig(&["log", "--json", "--package", "000webhost-admin@9.9.9"]));
    assert_eq!(text(&out.stdout).lines().count(), 0);
}

#[test]
fn npm_a_clean_tree_installs_exactly_the_checked_lockfile() {
    let sb = npm_project();
    let reg = Registry::start_tree(
        &sb.path("cache/reg"),
        &[
            Pkg::new("igtest-app").dep("igtest-mid", "^1.0.0"),
            Pkg::new("igtest-mid").dep("igtest-leaf", "^2.0.0"),
            Pkg::new("igtest-leaf").version("2.0.0-rc.1"),
            Pkg::new("igtest-leaf").version("2.1.0"),
        ],
    );
    let out = run(sb.cmd("npm", &["install", "--registry", &reg.url, "igtest-app"]));
    assert_code(&out, 0);
    for n in ["igtest-app", "igtest-mid", "igtest-leaf"] {
        assert!(
            sb.work()
                .join("node_modules")
                .join(n)
                .join("index.js")
                .exists(),
            "{n}: {}",
            text(&out.stderr)
        );
    }
    // The user's command kept its meaning: package.json names the new dependency.
    let pj = std::fs::read_to_string(sb.work().join("package.json")).unwrap();
    assert!(pj.contains("\"igtest-app\": \"^1.0.0\""), "{pj}");

    let log = sb.outcomes();
    assert_eq!(log.len(), 1);
    let r = &log[0];
    assert_eq!(r["decision"], "allowed");
    assert_eq!(r["exit_code"], 0);
    assert_eq!(r["resolution"]["status"], "resolved");
    assert_eq!(r["resolution"]["packages"], 3);
    assert_eq!(r["resolution"]["transitive"], 2);
    assert_eq!(r["resolution"]["verified"], true, "{r:#}");
    assert_eq!(r["resolution"]["pinned"], true, "{r:#}");
    one_npm_process(r);
    let leaf = checked(r, "igtest-leaf");
    assert_eq!(leaf["resolved"]["version"], "2.1.0");
    assert_eq!(leaf["resolved"]["direct"], false);
    assert_eq!(
        leaf["resolved"]["required_by"],
        serde_json::json!(["igtest-app", "igtest-mid"])
    );
    // What is installed is the checked lockfile, entry for entry.
    let lock: serde_json::Value =
        serde_json::from_slice(&std::fs::read(sb.work().join("package-lock.json")).unwrap())
            .unwrap();
    let installed: serde_json::Value = serde_json::from_slice(
        &std::fs::read(sb.work().join("node_modules/.package-lock.json")).unwrap(),
    )
    .unwrap();
    for (path, entry) in lock["packages"].as_object().unwrap() {
        if path.is_empty() {
            continue;
        }
        let name = path.trim_start_matches("node_modules/");
        let t = checked(r, name);
        assert_eq!(t["resolved"]["version"], entry["version"], "{path}");
        assert_eq!(t["resolved"]["integrity"], entry["integrity"], "{path}");
        assert_eq!(
            installed["packages"][path]["version"], entry["version"],
            "{path}"
        );
        assert_eq!(
            installed["packages"][path]["integrity"], entry["integrity"],
            "{path}"
        );
    }
    let out = run(sb.ig(&["log", "--package", "igtest-leaf@2.1.0"]));
    assert!(text(&out.stdout).contains("npm"), "{}", text(&out.stdout));
}

fn signal_tree(sb: &Sandbox) -> Registry {
    Registry::start_tree(
        &sb.path("cache/reg"),
        &[
            Pkg::new("igtest-app").dep("igtest-leaf", "^2.0.0"),
            Pkg::new("igtest-leaf").version("2.1.0"),
        ],
    )
}

/// A SIGTERM that reaches the guard just as it starts npm (the one process that resolves and
/// then installs; the debug-build hook puts the signal before npm is registered for
/// forwarding) reaches npm while it resolves: nothing is decided, nothing written.
#[test]
fn npm_a_signal_as_the_one_npm_process_starts_ends_it_before_anything_is_written() {
    let sb = npm_project();
    let before = std::fs::read(sb.work().join("package.json")).unwrap();
    let reg = signal_tree(&sb);
    let mut c = sb.cmd("npm", &["install", "--registry", &reg.url, "igtest-app"]);
    c.env("INSTALLGUARD_TEST_SIGNAL_AT_SPAWN", "1:TERM");
    let out = run(c);
    let code = out
        .status
        .code()
        .unwrap_or_else(|| panic!("{:?}", out.status));
    assert_eq!(code, 128 + 15, "{}", text(&out.stderr));
    let r = &sb.outcomes()[0];
    assert_ne!(r["decision"], "allowed", "{r:#}");
    assert_eq!(
        std::fs::read(sb.work().join("package.json")).unwrap(),
        before
    );
    assert!(!sb.work().join("package-lock.json").exists());
    assert!(!sb.work().join("node_modules/igtest-app").exists());
}

/// A SIGTERM that reaches the guard after it decided, before npm's go-ahead: npm (holding
/// the checked tree) is stopped, nothing written.
#[test]
fn npm_a_signal_before_the_go_ahead_stops_the_one_npm_process() {
    let sb = npm_project();
    let before = std::fs::read(sb.work().join("package.json")).unwrap();
    let reg = signal_tree(&sb);
    let mut c = sb.cmd("npm", &["install", "--registry", &reg.url, "igtest-app"]);
    c.env("INSTALLGUARD_TEST_SIGNAL_BEFORE_TOOL", "TERM");
    let out = run(c);
    assert_eq!(out.status.code(), Some(128 + 15), "{}", text(&out.stderr));
    let r = &sb.outcomes()[0];
    one_npm_process(r);
    assert_eq!(
        std::fs::read(sb.work().join("package.json")).unwrap(),
        before
    );
    assert!(!sb.work().join("package-lock.json").exists());
    assert!(!sb.work().join("node_modules/igtest-app").exists());
    metadata_only(&reg);
}

/// The two-step path (`--no-save`: resolve-only, then the install from the checked files): a
/// SIGTERM just as the real npm starts reaches it, and the checked package.json and lockfile
/// the guard put in place are taken back.
#[test]
fn npm_a_signal_as_the_real_tool_starts_ends_it_and_restores_the_files() {
    let sb = npm_project();
    let before = std::fs::read(sb.work().join("package.json")).unwrap();
    let reg = signal_tree(&sb);
    let mut c = sb.cmd(
        "npm",
        &["install", "--no-save", "--registry", &reg.url, "igtest-app"],
    );
    // The first child is the resolve-only run, the second the real npm.
    c.env("INSTALLGUARD_TEST_SIGNAL_AT_SPAWN", "2:TERM");
    let out = run(c);
    let code = out
        .status
        .code()
        .unwrap_or_else(|| panic!("{:?}", out.status));
    assert_ne!(code, 0, "{}", text(&out.stderr));
    let r = &sb.outcomes()[0];
    assert_eq!(r["decision"], "allowed");
    assert_eq!(r["exit_code"], code, "{r:#}");
    assert!(
        r["resolution"]["runs"]
            .as_str()
            .unwrap()
            .starts_with("two npm runs"),
        "{r:#}"
    );
    assert_eq!(
        std::fs::read(sb.work().join("package.json")).unwrap(),
        before,
        "package.json is restored"
    );
    assert!(!sb.work().join("package-lock.json").exists());
    assert!(!sb.work().join("node_modules/igtest-app").exists());
}

#[test]
fn npm_unreachable_registry_is_an_outage_not_a_missing_package_and_the_policy_decides() {
    let sb = npm_project();
    let dead = crate::http::refusing();
    // Default: names-only checks, said as info; npm then fails on its own.
    let out = run(sb.cmd(
        "npm",
        &[
            "install",
            "--fetch-retries=0",
            "--registry",
            &dead,
            "igtest-anything",
        ],
    ));
    assert_ne!(out.status.code(), Some(0));
    let log = sb.outcomes();
    assert_eq!(log[0]["resolution"]["status"], "unresolved");
    assert_eq!(log[0]["resolution"]["why"], "offline", "{:#}", log[0]);
    assert_eq!(log[0]["decision"], "allowed");
    // An organisation that fails closed.
    let out = run(sb.ig(&[
        "run",
        "--set",
        "rules.unresolved=block",
        "--",
        "npm",
        "install",
        "--registry",
        &dead,
        "igtest-anything",
    ]));
    assert_code(&out, 3);
    assert!(
        text(&out.stderr).contains("not resolved"),
        "{}",
        text(&out.stderr)
    );
    // npx too: an outage, not a missing package, and npx then fails on its own.
    let out = run(sb.cmd(
        "npx",
        &[
            "--yes",
            "--fetch-retries=0",
            "--registry",
            &dead,
            "igtest-anything",
        ],
    ));
    assert_ne!(out.status.code(), Some(0));
    let r = sb.outcomes().pop().unwrap();
    assert_eq!(r["program"], "npx");
    assert_eq!(r["resolution"]["why"], "offline", "{r:#}");
}

fn pip_sandbox() -> (Sandbox, PathBuf) {
    let (sb, wheels) = sandbox_with_wheels(&[]);
    std::fs::create_dir_all(&wheels).unwrap();
    (sb, wheels)
}

fn sha256_hex(path: &Path) -> String {
    let out = std::process::Command::new("python3")
        .args([
            "-c",
            "import hashlib, sys; print(hashlib.sha256(open(sys.argv[1], 'rb').read()).hexdigest())",
        ])
        .arg(path)
        .env_remove("INSTALLGUARD_ACTIVE")
        .output()
        .unwrap();
    text(&out.stdout).trim().to_string()
}

#[test]
fn pip_a_clean_wheel_requiring_a_malicious_package_is_blocked_and_nothing_installed() {
    let (sb, wheels) = pip_sandbox();
    // `1337test` is reported malicious (MAL-2024-4720).
    build_wheel_requiring(&wheels, "igtest-clean", "1.0.0", &["1337test>=1"]);
    build_wheel_requiring(&wheels, "1337test", "1.0.0", &[]);
    let target = sb.path("target");
    let (out, starts) = python_starts(&sb, pip_install(&sb, &wheels, &target, "igtest-clean"));
    assert_code(&out, 3);
    assert_eq!(starts, 1, "exactly one pip process: {}", text(&out.stderr));
    one_pip_process(&sb.outcomes()[0]);
    let err = text(&out.stderr);
    assert!(err.contains("MAL-2024-4720"), "{err}");
    assert!(err.contains("required by igtest-clean"), "{err}");
    assert!(!target.exists(), "nothing may be installed");
    let log = sb.outcomes();
    assert_eq!(log[0]["decision"], "blocked");
    let bad = checked(&log[0], "1337test");
    assert_eq!(bad["resolved"]["version"], "1.0.0");
    assert!(
        bad["resolved"]["integrity"]
            .as_str()
            .unwrap()
            .starts_with("sha256:")
    );
}

#[test]
fn pip_a_clean_tree_installs_from_a_hash_pinned_lock() {
    let (sb, wheels) = pip_sandbox();
    build_wheel_requiring(&wheels, "igtest-app", "1.0.0", &["igtest-dep"]);
    build_wheel_requiring(&wheels, "igtest-dep", "1.0.0", &[]);
    build_wheel_requiring(&wheels, "igtest-dep", "1.1rc1", &[]);
    let target = sb.path("target");
    let (out, starts) = python_starts(&sb, pip_install(&sb, &wheels, &target, "igtest-app"));
    assert_code(&out, 0);
    assert_eq!(starts, 1, "exactly one pip process: {}", text(&out.stderr));
    assert!(
        target.join("igtest_app/__init__.py").exists(),
        "{}",
        text(&out.stderr)
    );
    assert!(target.join("igtest_dep/__init__.py").exists());
    let r = &sb.outcomes()[0];
    assert_eq!(r["resolution"]["status"], "resolved", "{r:#}");
    assert_eq!(r["resolution"]["verified"], true, "{r:#}");
    one_pip_process(r);
    let dep = checked(r, "igtest-dep");
    // PEP 440: 1.1rc1 is a pre-release, not picked without --pre.
    assert_eq!(dep["resolved"]["version"], "1.0.0");
    assert_eq!(dep["resolved"]["direct"], false);
    // What was checked is each file pip installed, by hash.
    for (name, file) in [
        ("igtest-app", "igtest_app-1.0.0-py3-none-any.whl"),
        ("igtest-dep", "igtest_dep-1.0.0-py3-none-any.whl"),
    ] {
        assert_eq!(
            checked(r, name)["resolved"]["integrity"],
            format!("sha256:{}", sha256_hex(&wheels.join(file))),
            "{r:#}"
        );
    }
    // `python -m pip` runs as one process too, with the same interpreter.
    let target = sb.path("target-m");
    let mut args = vec!["-m", "pip"];
    args.extend(install_args(&[], &wheels, &target, "igtest-app"));
    let (out, starts) = python_starts(&sb, sb.cmd("python3", &args));
    assert_code(&out, 0);
    assert_eq!(starts, 1, "{}", text(&out.stderr));
    assert!(target.join("igtest_dep/__init__.py").exists());
    let r = sb.outcomes().pop().unwrap();
    assert_eq!(r["program"], "python3", "{r:#}");
    assert_eq!(r["resolution"]["verified"], true, "{r:#}");
    one_pip_process(&r);
}

/// A pip the one process was not measured with (here a wrapper in front of the real pip)
/// keeps the two runs, and the record says why.
#[test]
fn pip_behind_a_wrapper_keeps_the_two_runs_and_says_why() {
    let (sb, wheels) = pip_sandbox();
    build_wheel_requiring(&wheels, "igtest-app", "1.0.0", &["igtest-dep"]);
    build_wheel_requiring(&wheels, "igtest-dep", "1.0.0", &[]);
    sb.script(
        "pip",
        &format!(
            "#!/bin/sh\nexec {} \"$@\"\n",
            venv().join("bin/pip").display()
        ),
    );
    let target = sb.path("target");
    let (out, starts) = python_starts(&sb, pip_install(&sb, &wheels, &target, "igtest-app"));
    assert_code(&out, 0);
    assert_eq!(starts, 2, "{}", text(&out.stderr));
    assert!(target.join("igtest_dep/__init__.py").exists());
    let r = &sb.outcomes()[0];
    let runs = r["resolution"]["runs"].as_str().unwrap_or_default();
    assert!(
        runs.starts_with("two pip runs") && runs.contains("wrapper or shim"),
        "{r:#}"
    );
    assert_eq!(r["resolution"]["verified"], true, "{r:#}");
}

/// A wheel replaced in the find-links folder after pip resolved and the guard checked it
/// (while the prompt about the tree waits): pip, told to go ahead, installs nothing, since the
/// file is not the checked one.
#[test]
fn pip_a_file_changed_after_the_check_is_not_installed() {
    let (sb, wheels) = pip_sandbox();
    // `reqeusts` looks like `requests`: a warning about the tree, asked about on a terminal.
    build_wheel_requiring(&wheels, "igtest-app", "1.0.0", &["reqeusts"]);
    build_wheel_requiring(&wheels, "reqeusts", "1.0.0", &[]);
    let target = sb.path("target");
    let other = sb.path("other");
    build_wheel_requiring(&other, "reqeusts", "1.0.0", &["igtest-never"]);
    let wheel = wheels.join("reqeusts-1.0.0-py3-none-any.whl");
    let (code, screen) = crate::pty::on_pty_then(
        pip_install(&sb, &wheels, &target, "igtest-app"),
        Some(("Install anyway?", b"j\r")),
        || std::fs::rename(other.join("reqeusts-1.0.0-py3-none-any.whl"), &wheel).unwrap(),
    );
    assert_ne!(code, Some(0), "{screen}");
    assert!(
        screen.contains("is not the file that was checked"),
        "{screen}"
    );
    assert!(!target.exists(), "nothing may be installed: {screen}");
    let r = sb.outcomes().pop().unwrap();
    assert_eq!(r["decision"], "allowed", "{r:#}");
    one_pip_process(&r);
}

/// A SIGTERM that reaches the guard just as it starts pip (the one process that resolves and
/// then installs): it reaches pip while it resolves; nothing is decided, nothing installed.
#[test]
fn pip_a_signal_as_the_one_pip_process_starts_ends_it_before_anything_is_installed() {
    let (sb, wheels) = pip_sandbox();
    build_wheel_requiring(&wheels, "igtest-app", "1.0.0", &[]);
    let target = sb.path("target");
    let mut c = pip_install(&sb, &wheels, &target, "igtest-app");
    c.env("INSTALLGUARD_TEST_SIGNAL_AT_SPAWN", "1:TERM");
    let out = run(c);
    assert_eq!(out.status.code(), Some(128 + 15), "{}", text(&out.stderr));
    let r = &sb.outcomes()[0];
    assert_ne!(r["decision"], "allowed", "{r:#}");
    assert_eq!(r["resolution"]["why"], "interrupted", "{r:#}");
    assert!(!target.exists());
}

/// A SIGTERM that reaches the guard after it decided, before pip's go-ahead: pip (holding the
/// checked tree) is stopped, nothing installed.
#[test]
fn pip_a_signal_before_the_go_ahead_stops_the_one_pip_process() {
    let (sb, wheels) = pip_sandbox();
    build_wheel_requiring(&wheels, "igtest-app", "1.0.0", &[]);
    let target = sb.path("target");
    let mut c = pip_install(&sb, &wheels, &target, "igtest-app");
    c.env("INSTALLGUARD_TEST_SIGNAL_BEFORE_TOOL", "TERM");
    let (out, starts) = python_starts(&sb, c);
    assert_eq!(out.status.code(), Some(128 + 15), "{}", text(&out.stderr));
    assert_eq!(starts, 1);
    let r = &sb.outcomes()[0];
    one_pip_process(r);
    assert!(!target.exists());
}

/// When the one pip process cannot resolve, the resolve-only run at -vv says why, as before:
/// an unreachable index is an outage, a name no index has is missing; the policy decides
/// (default: names-only checks, and pip then fails on its own).
#[test]
fn pip_an_unreachable_index_is_an_outage_and_a_missing_package_is_not_found() {
    let (sb, wheels) = pip_sandbox();
    let dead = crate::http::refusing();
    let target = sb.path("target");
    let out = run(sb.cmd(
        "pip",
        &[
            "install",
            "--index-url",
            &format!("{dead}/simple"),
            "--target",
            target.to_str().unwrap(),
            "igtest-anything",
        ],
    ));
    assert_ne!(out.status.code(), Some(0));
    let r = sb.outcomes().pop().unwrap();
    assert_eq!(r["resolution"]["why"], "offline", "{r:#}");
    assert_eq!(r["decision"], "allowed", "{r:#}");
    let out = run(pip_install(&sb, &wheels, &target, "igtest-nope"));
    assert_ne!(out.status.code(), Some(0));
    let r = sb.outcomes().pop().unwrap();
    assert_eq!(r["resolution"]["why"], "not-found", "{r:#}");
    assert!(!target.exists());
}

/// An sdist whose build code appends to `marker` whenever it runs: an in-tree PEP 517 backend
/// that needs nothing from an index (the tests have none).
fn build_sdist(dir: &Path, name: &str, version: &str, marker: &Path) {
    let script = r#"
import io, os, sys, tarfile
out, name, version, marker = sys.argv[1:5]
mod = name.replace("-", "_")
backend = f"""
open({marker!r}, 'a').write('ran\\n')
import base64, hashlib, os, zipfile
NAME, VERSION, MOD = {name!r}, {version!r}, {mod!r}
DIST = f"{{MOD}}-{{VERSION}}.dist-info"
META = f"Metadata-Version: 2.1\\nName: {{NAME}}\\nVersion: {{VERSION}}\\n"
def get_requires_for_build_wheel(config_settings=None):
    return []
def prepare_metadata_for_build_wheel(directory, config_settings=None):
    os.makedirs(os.path.join(directory, DIST))
    open(os.path.join(directory, DIST, "METADATA"), "w").write(META)
    return DIST
def build_wheel(directory, config_settings=None, metadata_directory=None):
    files = {{f"{{MOD}}/__init__.py": "", f"{{DIST}}/METADATA": META,
             f"{{DIST}}/WHEEL": "Wheel-Version: 1.0\\nGenerator: t\\nRoot-Is-Purelib: true\\nTag: py3-none-any\\n"}}
    record = [f"{{p}},sha256={{base64.urlsafe_b64encode(hashlib.sha256(b.encode()).digest()).rstrip(b'=').decode()}},{{len(b)}}" for p, b in files.items()]
    files[f"{{DIST}}/RECORD"] = "\\n".join(record + [f"{{DIST}}/RECORD,,"]) + "\\n"
    whl = f"{{MOD}}-{{VERSION}}-py3-none-any.whl"
    with zipfile.ZipFile(os.path.join(directory, whl), "w") as z:
        for p, b in files.items():
            z.writestr(p, b)
    return whl
"""
pyproject = '[build-system]\nrequires = []\nbuild-backend = "backend"\nbackend-path = ["."]\n'
pkg_info = f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n"
base = f"{name}-{version}"
os.makedirs(out, exist_ok=True)
with tarfile.open(os.path.join(out, base + ".tar.gz"), "w:gz") as t:
    for path, body in {f"{base}/backend.py": backend, f"{base}/pyproject.toml": pyproject, f"{base}/PKG-INFO": pkg_info}.items():
        data = body.encode(); info = tarfile.TarInfo(path); info.size = len(data)
        t.addfile(info, io.BytesIO(data))
"#;
    let st = std::process::Command::new("python3")
        .args(["-c", script])
        .arg(dir)
        .args([name, version])
        .arg(marker)
        .env_remove("INSTALLGUARD_ACTIVE")
        .status()
        .unwrap();
    assert!(st.success());
}

#[test]
fn pip_an_sdist_is_not_built_before_the_decision_nor_without_a_terminal() {
    let (sb, wheels) = pip_sandbox();
    let marker = sb.path("setup-py-ran");
    build_sdist(&wheels, "igtest-probe", "2.0", &marker);
    let target = sb.path("target");
    let probe = |sb: &Sandbox| pip_install(sb, &wheels, &target, "igtest-probe");
    let out = run(probe(&sb));
    assert_code(&out, 4);
    let err = text(&out.stderr);
    assert!(err.contains("build-from-source"), "{err}");
    assert!(!marker.exists(), "setup.py ran before the decision");
    assert!(!target.exists());
    let r = &sb.outcomes()[0];
    assert_eq!(r["decision"], "declined");
    assert_eq!(r["resolution"]["why"], "needs-build", "{r:#}");

    // Accepted (`--yes`): now it is built, its tree checked, and installed.
    let mut c = probe(&sb);
    c.env("INSTALLGUARD_YES", "1");
    let out = run(c);
    assert_code(&out, 0);
    assert!(marker.exists(), "{}", text(&out.stderr));
    let r = sb.outcomes().pop().unwrap();
    assert_eq!(r["resolution"]["status"], "resolved", "{r:#}");
    assert_eq!(
        checked(&r, "igtest-probe")["resolved"]["install_code"][0],
        "build"
    );
    // The same build is in the install-time code `[scripts]` judges, already accepted: it is
    // not asked about a second time.
    let s = &r["scripts"][0];
    assert_eq!(
        (s["package"].as_str(), s["kind"].as_str()),
        (Some("igtest-probe"), Some("build"))
    );
    assert_eq!(s["status"], "allowed", "{r:#}");
    assert!(
        s["allowed_by"]
            .as_str()
            .unwrap()
            .contains("build-from-source"),
        "{r:#}"
    );
    let rules: Vec<&serde_json::Value> = r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| &f["rule"])
        .collect();
    assert!(
        !rules.contains(&&serde_json::json!("install-script")),
        "{r:#}"
    );
}

#[test]
fn pip_without_report_support_falls_back_to_names_with_an_info_finding() {
    let (sb, wheels) = pip_sandbox();
    build_wheel_requiring(&wheels, "igtest-old", "1.0.0", &[]);
    let real = venv().join("bin/pip");
    // A pip older than 22.2 rejects the options; the stand-in passes everything else through.
    sb.script(
        "pip",
        &format!(
            "#!/bin/sh\nfor a in \"$@\"; do [ \"$a\" = --dry-run ] && {{ echo 'no such option: --dry-run' >&2; exit 2; }}; done\nexec {} \"$@\"\n",
            real.display()
        ),
    );
    let target = sb.path("target");
    let out = run(pip_install(&sb, &wheels, &target, "igtest-old"));
    assert_code(&out, 0);
    assert!(target.join("igtest_old/__init__.py").exists());
    let r = &sb.outcomes()[0];
    assert_eq!(r["resolution"]["why"], "old-tool", "{r:#}");
    assert!(
        r["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["rule"] == "unresolved"
                && f["severity"] == "info"
                && f["message"].as_str().unwrap().contains("22.2")),
        "{r:#}"
    );
}

fn recording_brew(sb: &Sandbox, dry_run: &str) -> PathBuf {
    let rec = sb.path("brew-calls");
    let plan = sb.path("brew-plan");
    std::fs::write(&plan, dry_run).unwrap();
    sb.script(
        "brew",
        &format!(
            "#!/bin/sh\nprintf '%s NO_AUTO_UPDATE=%s\\n' \"$*\" \"$HOMEBREW_NO_AUTO_UPDATE\" >> '{}'\n\
             for a in \"$@\"; do [ \"$a\" = --dry-run ] && {{ cat '{}'; exit 0; }}; done\n\
             echo installed\n",
            rec.display(),
            plan.display()
        ),
    );
    rec
}

#[test]
fn brew_checks_the_dependencies_its_dry_run_names_and_installs_without_updating() {
    let sb = Sandbox::new();
    let rec = recording_brew(
        &sb,
        "==> Would install 1 formula:\nwget\n==> Would install 2 dependencies for wget:\nlibidn2 opensssl\n",
    );
    // `opensssl` imitates `openssl`: a dependency no command line named.
    let out = run(sb.cmd("brew", &["install", "wget"]));
    assert_code(&out, 4);
    assert!(
        text(&out.stderr).contains("openssl"),
        "{}",
        text(&out.stderr)
    );
    assert_eq!(
        std::fs::read_to_string(&rec).unwrap(),
        "install --dry-run wget NO_AUTO_UPDATE=\n"
    );
    let sb = Sandbox::new();
    let rec = recording_brew(
        &sb,
        "==> Would install 1 formula:\nwget\n==> Would install 1 dependency for wget:\nlibidn2\n",
    );
    let out = run(sb.cmd("brew", &["install", "wget"]));
    assert_code(&out, 0);
    assert_eq!(text(&out.stdout), "installed\n");
    assert_eq!(
        std::fs::read_to_string(&rec).unwrap(),
        "install --dry-run wget NO_AUTO_UPDATE=\ninstall wget NO_AUTO_UPDATE=1\n"
    );
    let r = &sb.outcomes()[0];
    assert_eq!(checked(r, "libidn2")["resolved"]["required_by"][0], "wget");
}

/// A sandbox whose PATH has the real uv (from the tools setup step) behind the shim.
fn uv_sandbox() -> (Sandbox, PathBuf) {
    let (sb, wheels) = pip_sandbox();
    std::os::unix::fs::symlink(
        crate::tools::python_tools().join("uv"),
        sb.path("bin").join("uv"),
    )
    .unwrap();
    (sb, wheels)
}

fn uv_install(sb: &Sandbox, wheels: &Path, target: &Path, pkg: &str) -> std::process::Command {
    let python = venv().join("bin/python");
    let mut args = install_args(&["pip"], wheels, target, pkg);
    args.extend(["--python", python.to_str().unwrap()]);
    sb.cmd("uv", &args)
}

#[test]
fn uv_a_malicious_dependency_is_blocked_and_a_clean_tree_installs_from_the_hashed_lock() {
    let (sb, wheels) = uv_sandbox();
    hostile_and_clean_wheels(&wheels);
    let bad = sb.path("bad");
    let out = run(uv_install(&sb, &wheels, &bad, "igtest-clean"));
    blocked_by_a_dependency(&out);
    assert!(!bad.exists(), "nothing may be installed");

    let good = sb.path("good");
    let out = run(uv_install(&sb, &wheels, &good, "igtest-app"));
    assert_code(&out, 0);
    assert!(
        good.join("igtest_dep/__init__.py").exists(),
        "{}",
        text(&out.stderr)
    );
    let r = sb.outcomes().pop().unwrap();
    assert_eq!(r["resolution"]["tool"], "uv");
    assert_eq!(r["resolution"]["status"], "resolved", "{r:#}");
    let dep = checked(&r, "igtest-dep");
    assert_eq!(dep["resolved"]["version"], "1.2.0");
    assert_eq!(dep["resolved"]["required_by"][0], "igtest-app");
    assert!(
        dep["resolved"]["integrity"]
            .as_str()
            .unwrap()
            .starts_with("sha256:")
    );
}

#[test]
fn uv_an_sdist_is_not_built_before_the_decision() {
    let (sb, wheels) = uv_sandbox();
    let marker = sb.path("backend-ran");
    build_sdist(&wheels, "igtest-probe", "2.0", &marker);
    let target = sb.path("target");
    let out = run(uv_install(&sb, &wheels, &target, "igtest-probe"));
    assert_code(&out, 4);
    assert!(
        text(&out.stderr).contains("build-from-source"),
        "{}",
        text(&out.stderr)
    );
    assert!(
        !marker.exists(),
        "the build backend ran before the decision"
    );
    assert!(!target.exists());
}

/// pnpm, bun or yarn (the real tool from the setup step) in a project whose registry is the
/// loopback one, in each tool's own configuration file.
fn js_project(tool: &str, reg: &Registry, sb: &mut Sandbox) {
    sb.extra_path.push(crate::tools::js_tool(tool));
    let w = sb.work();
    std::fs::write(w.join(".npmrc"), format!("registry={}/\n", reg.url)).unwrap();
    std::fs::write(
        w.join("bunfig.toml"),
        format!("[install]\nregistry = \"{}/\"\n", reg.url),
    )
    .unwrap();
    std::fs::write(w.join(".yarnrc"), format!("registry \"{}/\"\n", reg.url)).unwrap();
    std::fs::write(
        w.join(".yarnrc.yml"),
        format!(
            "npmRegistryServer: \"{}\"\nunsafeHttpWhitelist:\n  - 127.0.0.1\nnodeLinker: node-modules\nenableTelemetry: false\n",
            reg.url
        ),
    )
    .unwrap();
}

/// How one JS tool is driven in [`js_resolves_the_whole_tree`].
struct JsTool<'a> {
    /// The npm package of the tool (`tools::JS_TOOLS`) and the command it is run as.
    package: &'a str,
    program: &'a str,
    lockfile: &'a str,
    /// The project's package.json (yarn's `packageManager` says which yarn).
    package_json: Option<&'a str>,
    env: &'a [(&'a str, &'a str)],
    /// yarn fetches archives to resolve (berry: for checksums; 1: it has no lockfile-only
    /// mode); pnpm and bun fetch packuments only.
    fetches_archives: bool,
    /// The resolution says which package runs an install script (pnpm-lock.yaml v9 does not).
    sees_scripts: bool,
    /// The linker leaves every package at `node_modules/<name>` (not pnpm's store layout).
    flat: bool,
}

/// The same two proofs as for npm: a malicious dependency with an install script is blocked
/// before any package code runs (with packuments only fetched where the tool allows it), and a
/// clean tree installs exactly the checked lockfile.
fn js_resolves_the_whole_tree(t: &JsTool) {
    let (program, lockfile) = (t.program, t.lockfile);
    let mut sb = npm_project();
    if let Some(pj) = t.package_json {
        std::fs::write(sb.work().join("package.json"), pj).unwrap();
    }
    let marker = sb.path("postinstall-ran");
    // Published long ago: berry's time gate quarantines a version without a date.
    let reg = Registry::start_tree_dated(
        &sb.path("cache/reg"),
        &hostile_and_clean_trees(&marker),
        Some("2020-01-01T00:00:00.000Z"),
    );
    js_project(t.package, &reg, &mut sb);
    let cmd = |sb: &Sandbox, pkg: &str| {
        let mut c = sb.cmd(program, &["add", pkg]);
        for (k, v) in t.env {
            c.env(k, v);
        }
        c
    };
    let before = std::fs::read(sb.work().join("package.json")).unwrap();
    let out = run(cmd(&sb, "igtest-clean"));
    assert_code(&out, 3);
    let err = text(&out.stderr);
    assert!(
        err.contains("MAL-2024-11848") && err.contains("required by igtest-clean"),
        "{err}"
    );
    if t.fetches_archives {
        assert!(
            reg.seen().iter().any(|p| p.contains("/-/")),
            "{:?}",
            reg.seen()
        );
    } else {
        metadata_only(&reg);
    }
    assert!(!marker.exists(), "the install script ran");
    assert!(!sb.work().join("node_modules").exists());
    assert!(!sb.work().join(lockfile).exists());
    assert_eq!(
        std::fs::read(sb.work().join("package.json")).unwrap(),
        before
    );
    let r = sb.outcomes().pop().unwrap();
    assert_eq!(r["decision"], "blocked", "{r:#}");
    assert_eq!(r["resolution"]["tool"], program);
    let evil = checked(&r, "000webhost-admin");
    assert_eq!(evil["resolved"]["version"], "1.0.0");
    assert_eq!(evil["resolved"]["direct"], false);
    if t.sees_scripts {
        assert_eq!(
            evil["resolved"]["install_code"][0], "install-script",
            "{r:#}"
        );
    }

    let out = run(cmd(&sb, "igtest-app"));
    assert_code(&out, 0);
    let nm = sb.work().join("node_modules");
    assert!(
        nm.join("igtest-app/index.js").exists(),
        "{}",
        text(&out.stderr)
    );
    // pnpm keeps dependencies of dependencies in its own store layout.
    assert!(
        nm.join("igtest-leaf/index.js").exists()
            || nm
                .join(".pnpm/igtest-leaf@2.1.0/node_modules/igtest-leaf/index.js")
                .exists(),
        "{}",
        text(&out.stderr)
    );
    let r = sb.outcomes().pop().unwrap();
    assert_eq!(r["resolution"]["status"], "resolved", "{r:#}");
    assert_eq!(r["resolution"]["verified"], true, "{r:#}");
    assert_eq!(r["resolution"]["transitive"], 1, "{r:#}");
    let leaf = checked(&r, "igtest-leaf");
    assert_eq!(leaf["resolved"]["version"], "2.1.0");
    assert_eq!(leaf["resolved"]["required_by"][0], "igtest-app");
    let pj = std::fs::read_to_string(sb.work().join("package.json")).unwrap();
    assert!(pj.contains("igtest-app"), "{pj}");
    if t.flat {
        // What is installed is what was checked, package for package.
        for target in r["targets"].as_array().unwrap() {
            let Some(version) = target["resolved"]["version"].as_str() else {
                continue;
            };
            let name = target["name"].as_str().unwrap();
            let installed: serde_json::Value =
                serde_json::from_slice(&std::fs::read(nm.join(name).join("package.json")).unwrap())
                    .unwrap();
            assert_eq!(installed["version"], version, "{name}");
        }
    }
}

/// pnpm or bun: packuments only, the rest as given.
fn lockfile_only<'a>(package: &'a str, lockfile: &'a str) -> JsTool<'a> {
    JsTool {
        package,
        program: package,
        lockfile,
        package_json: None,
        env: &[],
        fetches_archives: false,
        sees_scripts: true,
        flat: true,
    }
}

#[test]
fn pnpm_resolves_the_whole_tree_before_anything_runs() {
    js_resolves_the_whole_tree(&JsTool {
        sees_scripts: false,
        flat: false,
        ..lockfile_only("pnpm", "pnpm-lock.yaml")
    });
}

#[test]
fn bun_resolves_the_whole_tree_before_anything_runs() {
    js_resolves_the_whole_tree(&lockfile_only("bun", "bun.lock"));
}

#[test]
fn yarn_berry_resolves_the_whole_tree_before_anything_runs() {
    js_resolves_the_whole_tree(&JsTool {
        program: "yarn",
        package_json: Some(r#"{"name":"proj","version":"1.0.0","packageManager":"yarn@4.18.1"}"#),
        env: &[("COREPACK_ENABLE_STRICT", "0")],
        fetches_archives: true,
        ..lockfile_only("@yarnpkg/cli-dist", "yarn.lock")
    });
}

#[test]
fn yarn_classic_resolves_the_whole_tree_before_anything_runs() {
    js_resolves_the_whole_tree(&JsTool {
        package_json: Some(r#"{"name":"proj","version":"1.0.0","packageManager":"yarn@1.22.22"}"#),
        env: &[("YARN_IGNORE_PATH", "1")],
        fetches_archives: true,
        ..lockfile_only("yarn", "yarn.lock")
    });
}

#[test]
fn npm_global_installs_are_resolved_first_and_pinned() {
    let sb = npm_project();
    let marker = sb.path("postinstall-ran");
    let reg = Registry::start_tree(&sb.path("cache/reg"), &hostile_and_clean_trees(&marker));
    let prefix = sb.path("global");
    let global = |pkg: &str| {
        sb.cmd(
            "npm",
            &[
                "install",
                "-g",
                "--prefix",
                prefix.to_str().unwrap(),
                "--registry",
                &reg.url,
                pkg,
            ],
        )
    };
    let out = run(global("igtest-clean"));
    assert_code(&out, 3);
    assert!(
        text(&out.stderr).contains("required by igtest-clean"),
        "{}",
        text(&out.stderr)
    );
    metadata_only(&reg);
    assert!(!marker.exists() && !prefix.join("lib/node_modules").exists());

    let out = run(global("igtest-app"));
    assert_code(&out, 0);
    assert!(
        prefix.join("lib/node_modules/igtest-app/index.js").exists(),
        "{}",
        text(&out.stderr)
    );
    let r = sb.outcomes().pop().unwrap();
    assert_eq!(r["resolution"]["status"], "resolved", "{r:#}");
    assert_eq!(checked(&r, "igtest-leaf")["resolved"]["version"], "2.1.0");
    assert!(
        r["resolution"]["notes"][0]
            .as_str()
            .unwrap()
            .contains("global"),
        "{r:#}"
    );
    // The project the command ran in was left alone.
    assert!(!sb.work().join("package-lock.json").exists());
}

/// A workspace whose member `packages/a` depends on `dep`: pnpm's `pnpm-workspace.yaml`, bun's
/// and yarn's `workspaces`.
fn workspace(sb: &Sandbox, dep: &str) {
    let w = sb.work();
    std::fs::write(
        w.join("package.json"),
        r#"{"name":"root","version":"1.0.0","private":true,"workspaces":["packages/*"]}"#,
    )
    .unwrap();
    std::fs::write(w.join("pnpm-workspace.yaml"), "packages:\n  - packages/*\n").unwrap();
    std::fs::create_dir_all(w.join("packages/a")).unwrap();
    std::fs::write(
        w.join("packages/a/package.json"),
        format!(r#"{{"name":"a","version":"1.0.0","dependencies":{{"{dep}":"^1.0.0"}}}}"#),
    )
    .unwrap();
}

#[test]
fn workspaces_are_resolved_with_every_member() {
    // (tool package, program, lockfile, fetches archives to resolve)
    for (package, program, lockfile, archives) in [
        ("pnpm", "pnpm", "pnpm-lock.yaml", false),
        ("bun", "bun", "bun.lock", false),
        ("yarn", "yarn", "yarn.lock", true),
        ("@yarnpkg/cli-dist", "yarn", "yarn.lock", true),
    ] {
        let tool = package;
        let mut sb = npm_project();
        let marker = sb.path("postinstall-ran");
        let reg = Registry::start_tree_dated(
            &sb.path("cache/reg"),
            &hostile_and_clean_trees(&marker),
            Some("2020-01-01T00:00:00.000Z"),
        );
        js_project(package, &reg, &mut sb);
        workspace(&sb, "igtest-clean");
        let install = || {
            let mut c = sb.cmd(program, &["install"]);
            c.env("YARN_IGNORE_PATH", "1")
                .env("COREPACK_ENABLE_STRICT", "0");
            c
        };
        let out = run(install());
        assert_code(&out, 3);
        let err = text(&out.stderr);
        assert!(err.contains("required by igtest-clean"), "{tool}: {err}");
        if !archives {
            metadata_only(&reg);
        }
        assert!(!marker.exists(), "{tool}: the install script ran");
        assert!(!sb.work().join("node_modules").exists());
        assert!(!sb.work().join(lockfile).exists());
        let r = sb.outcomes().pop().unwrap();
        assert_eq!(r["decision"], "blocked", "{tool}: {r:#}");
        assert_eq!(r["resolution"]["status"], "resolved", "{tool}: {r:#}");
        assert_eq!(checked(&r, "igtest-clean")["resolved"]["direct"], true);

        workspace(&sb, "igtest-app");
        let out = run(install());
        assert_code(&out, 0);
        let r = sb.outcomes().pop().unwrap();
        assert_eq!(r["resolution"]["status"], "resolved", "{tool}: {r:#}");
        assert_eq!(r["resolution"]["verified"], true, "{tool}: {r:#}");
        assert_eq!(
            checked(&r, "igtest-leaf")["resolved"]["required_by"][0],
            "igtest-app"
        );
        assert!(
            !r["targets"]
                .as_array()
                .unwrap()
                .iter()
                .any(|t| t["name"] == "a" && !t["resolved"].is_null()),
            "{tool}: the member is the project's own folder: {r:#}"
        );
        assert!(sb.work().join(lockfile).exists(), "{}", text(&out.stderr));
        // In the member's node_modules, or hoisted to the root's.
        assert!(
            [
                "packages/a/node_modules/igtest-app",
                "node_modules/igtest-app"
            ]
            .iter()
            .any(|p| sb.work().join(p).exists()),
            "{tool}: {}",
            text(&out.stderr)
        );
        if tool == "pnpm" {
            // A member's own add, typed at the root: the member's package.json is the one
            // written.
            let out = run(sb.cmd("pnpm", &["--filter", "a", "add", "igtest-leaf@^2"]));
            assert_code(&out, 0);
            let r = sb.outcomes().pop().unwrap();
            assert_eq!(r["resolution"]["status"], "resolved", "{r:#}");
            assert_eq!(r["resolution"]["verified"], true, "{r:#}");
            let pj = std::fs::read_to_string(sb.work().join("packages/a/package.json")).unwrap();
            assert!(pj.contains("igtest-leaf"), "{pj}");
        }
    }
}

#[test]
fn global_installs_are_resolved_first_and_pinned() {
    for tool in ["pnpm", "bun", "yarn"] {
        let mut sb = npm_project();
        let marker = sb.path("postinstall-ran");
        let reg = Registry::start_tree(&sb.path("cache/reg"), &hostile_and_clean_trees(&marker));
        sb.extra_path.push(crate::tools::js_tool(tool));
        // A global install reads the user's configuration, not the project's.
        let home = sb.path("home");
        std::fs::write(home.join(".npmrc"), format!("registry={}/\n", reg.url)).unwrap();
        std::fs::write(
            home.join(".bunfig.toml"),
            format!("[install]\nregistry = \"{}/\"\n", reg.url),
        )
        .unwrap();
        let pnpm_home = sb.path("pnpm-home");
        let bun_home = sb.path("bun-home");
        sb.extra_path.push(pnpm_home.join("bin"));
        let global = |pkg: &str| {
            let args = if tool == "yarn" {
                ["global", "add", pkg]
            } else {
                ["add", "-g", pkg]
            };
            let mut c = sb.cmd(tool, &args);
            c.env("PNPM_HOME", &pnpm_home)
                .env("BUN_INSTALL", &bun_home)
                .env("pnpm_config_update_notifier", "false");
            c
        };
        let out = run(global("igtest-clean"));
        assert_code(&out, 3);
        assert!(
            text(&out.stderr).contains("required by igtest-clean"),
            "{tool}: {}",
            text(&out.stderr)
        );
        if tool != "yarn" {
            metadata_only(&reg); // yarn 1 unpacks the tree to resolve it
        }
        assert!(!marker.exists(), "{tool}: the install script ran");
        // Where each keeps its global package.json (yarn 1: its global folder, under the
        // config or data dirs; its cache of unpacked packages is elsewhere).
        let manifests = match tool {
            "pnpm" => vec![pnpm_home.join("global")],
            "bun" => vec![bun_home.join("install/global")],
            _ => vec![home.clone(), sb.path("config"), sb.path("data")],
        };
        let global_manifests = |needle: &str| {
            std::process::Command::new("grep")
                .args(["-rh", "--include=package.json", needle])
                .args(&manifests)
                .output()
                .unwrap()
                .stdout
        };
        assert!(global_manifests("igtest-clean").is_empty(), "{tool}");
        let r = sb.outcomes().pop().unwrap();
        assert_eq!(r["decision"], "blocked", "{tool}: {r:#}");
        assert_eq!(checked(&r, "000webhost-admin")["resolved"]["direct"], false);

        let out = run(global("igtest-app"));
        assert_code(&out, 0);
        let r = sb.outcomes().pop().unwrap();
        assert_eq!(r["resolution"]["status"], "resolved", "{tool}: {r:#}");
        assert_eq!(checked(&r, "igtest-leaf")["resolved"]["version"], "2.1.0");
        assert!(
            r["resolution"]["notes"][0]
                .as_str()
                .unwrap()
                .contains("global"),
            "{r:#}"
        );
        // The named package was installed pinned to the checked version.
        assert!(
            !global_manifests("\"igtest-app\": \"1.0.0\"").is_empty(),
            "{tool}: no pinned igtest-app in {:?}: {}",
            manifests,
            text(&out.stderr)
        );
        // The project the command ran in was left alone.
        assert!(!sb.work().join("node_modules").exists());
    }
}

#[test]
fn npm_no_save_and_no_package_lock_install_the_checked_tree_and_write_what_npm_would() {
    for flag in ["--no-save", "--no-package-lock"] {
        let sb = npm_project();
        let marker = sb.path("postinstall-ran");
        let reg = Registry::start_tree(&sb.path("cache/reg"), &hostile_and_clean_trees(&marker));
        let before = std::fs::read(sb.work().join("package.json")).unwrap();
        let install = |pkg: &str| sb.cmd("npm", &["install", flag, "--registry", &reg.url, pkg]);
        let out = run(install("igtest-clean"));
        assert_code(&out, 3);
        assert!(
            text(&out.stderr).contains("required by igtest-clean"),
            "{flag}: {}",
            text(&out.stderr)
        );
        metadata_only(&reg);
        assert!(!marker.exists(), "{flag}: the install script ran");
        assert!(!sb.work().join("node_modules").exists());
        let r = sb.outcomes().pop().unwrap();
        assert_eq!(r["decision"], "blocked", "{flag}: {r:#}");
        assert_eq!(
            checked(&r, "000webhost-admin")["resolved"]["version"],
            "1.0.0"
        );

        let out = run(install("igtest-app"));
        assert_code(&out, 0);
        let nm = sb.work().join("node_modules");
        assert!(
            nm.join("igtest-leaf/index.js").exists(),
            "{flag}: {}",
            text(&out.stderr)
        );
        let r = sb.outcomes().pop().unwrap();
        assert_eq!(r["resolution"]["status"], "resolved", "{flag}: {r:#}");
        assert_eq!(r["resolution"]["verified"], true, "{flag}: {r:#}");
        assert_eq!(r["resolution"]["transitive"], 1, "{flag}: {r:#}");
        // What npm records as installed is the checked tree.
        let installed: serde_json::Value =
            serde_json::from_slice(&std::fs::read(nm.join(".package-lock.json")).unwrap()).unwrap();
        for name in ["igtest-app", "igtest-leaf"] {
            let t = checked(&r, name);
            let e = &installed["packages"][format!("node_modules/{name}")];
            assert_eq!(e["version"], t["resolved"]["version"], "{flag} {name}");
            assert_eq!(e["integrity"], t["resolved"]["integrity"], "{flag} {name}");
        }
        // npm's own meaning: --no-save writes neither file, --no-package-lock no lockfile.
        assert!(
            !sb.work().join("package-lock.json").exists(),
            "{flag}: the lockfile was left"
        );
        let pj = std::fs::read(sb.work().join("package.json")).unwrap();
        if flag == "--no-save" {
            assert_eq!(pj, before, "{flag}");
        } else {
            assert!(
                String::from_utf8_lossy(&pj).contains("igtest-app"),
                "{flag}"
            );
        }
    }
}

#[test]
fn a_directory_option_resolves_the_project_it_names() {
    // (tool package, program, its directory option before the command or after it)
    for (package, program, args) in [
        ("pnpm", "pnpm", &["-C", "sub", "add"][..]),
        ("bun", "bun", &["add", "--cwd", "sub"][..]),
        ("yarn", "yarn", &["--cwd", "sub", "add"][..]),
        ("@yarnpkg/cli-dist", "yarn", &["--cwd", "sub", "add"][..]),
    ] {
        let mut sb = npm_project();
        let marker = sb.path("postinstall-ran");
        let reg = Registry::start_tree_dated(
            &sb.path("cache/reg"),
            &hostile_and_clean_trees(&marker),
            Some("2020-01-01T00:00:00.000Z"),
        );
        js_project(package, &reg, &mut sb);
        let (w, sub) = (sb.work(), sb.work().join("sub"));
        std::fs::create_dir_all(&sub).unwrap();
        for f in [
            "package.json",
            ".npmrc",
            "bunfig.toml",
            ".yarnrc",
            ".yarnrc.yml",
        ] {
            std::fs::rename(w.join(f), sub.join(f)).unwrap();
        }
        let install = |pkg: &str| {
            let mut a = args.to_vec();
            a.push(pkg);
            let mut c = sb.cmd(program, &a);
            c.env("YARN_IGNORE_PATH", "1")
                .env("COREPACK_ENABLE_STRICT", "0");
            c
        };
        let out = run(install("igtest-clean"));
        assert_code(&out, 3);
        assert!(!marker.exists(), "{package}: the install script ran");
        let r = sb.outcomes().pop().unwrap();
        assert_eq!(r["resolution"]["status"], "resolved", "{package}: {r:#}");

        let out = run(install("igtest-app"));
        assert_code(&out, 0);
        let r = sb.outcomes().pop().unwrap();
        assert_eq!(r["resolution"]["status"], "resolved", "{package}: {r:#}");
        assert_eq!(r["resolution"]["verified"], true, "{package}: {r:#}");
        assert_eq!(checked(&r, "igtest-leaf")["resolved"]["version"], "2.1.0");
        assert!(
            sub.join("node_modules/igtest-app").exists(),
            "{package}: {}",
            text(&out.stderr)
        );
        let pj = std::fs::read_to_string(sub.join("package.json")).unwrap();
        assert!(pj.contains("igtest-app"), "{package}: {pj}");
        assert!(!w.join("node_modules").exists(), "{package}");
    }
}

/// The real npx of this machine (not the sandbox's shim), for a run the guard does not see.
fn unguarded_npx() -> PathBuf {
    std::env::split_paths(&std::env::var_os("PATH").unwrap())
        .map(|d| d.join("npx"))
        .find(|p| p.is_file())
        .expect("npx on PATH")
}

/// The trees npx is asked to run: the hostile one, and the clean one with a bin that prints its
/// arguments.
fn runnable_trees(marker: &Path) -> Vec<Pkg> {
    let [clean, evil, app, leaf] = hostile_and_clean_trees(marker);
    vec![clean.bin(), evil, app.bin(), leaf]
}

/// The trees npx installed in its cache (`_npx/<hash>`), as their lockfiles.
fn npx_trees(sb: &Sandbox) -> Vec<serde_json::Value> {
    let Ok(dirs) = std::fs::read_dir(sb.path("cache/npm/_npx")) else {
        return Vec::new();
    };
    dirs.flatten()
        .filter(|d| d.path().join("node_modules").is_dir())
        .map(|d| {
            serde_json::from_slice(&std::fs::read(d.path().join("package-lock.json")).unwrap())
                .unwrap()
        })
        .collect()
}

#[test]
fn npx_resolves_what_it_would_run_blocks_a_malicious_dependency_and_runs_the_checked_tree() {
    let sb = npm_project();
    let marker = sb.path("postinstall-ran");
    let reg = Registry::start_tree(&sb.path("cache/reg"), &runnable_trees(&marker));
    let out = run(sb.cmd("npx", &["--yes", "--registry", &reg.url, "igtest-clean"]));
    assert_code(&out, 3);
    let err = text(&out.stderr);
    assert!(
        err.contains("MAL-2024-11848") && err.contains("required by igtest-clean"),
        "{err}"
    );
    metadata_only(&reg);
    assert!(!marker.exists(), "the install script ran");
    assert!(npx_trees(&sb).is_empty(), "npx installed something");
    let r = sb.outcomes().pop().unwrap();
    assert_eq!(r["decision"], "blocked");
    assert_eq!(r["resolution"]["status"], "resolved", "{r:#}");
    let evil = checked(&r, "000webhost-admin");
    assert_eq!(evil["resolved"]["version"], "1.0.0");
    assert_eq!(evil["resolved"]["direct"], false);
    assert_eq!(evil["resolved"]["install_code"][0], "install-script");
    let out = run(sb.ig(&["log", "--json", "--package", "000webhost-admin@1.0.0"]));
    assert_eq!(text(&out.stdout).lines().count(), 1);

    // The clean tree runs, the program's arguments (npm options among them) untouched, its
    // output byte for byte.
    let out = run(sb.cmd(
        "npx",
        &[
            "--registry",
            &reg.url,
            "igtest-app",
            "a b",
            "--registry",
            "-c",
            "x",
        ],
    ));
    assert_code(&out, 0);
    assert_eq!(
        text(&out.stdout),
        r#"["a b","--registry","-c","x"]"#,
        "{}",
        text(&out.stderr)
    );
    let r = sb.outcomes().pop().unwrap();
    assert_eq!(r["decision"], "allowed");
    assert_eq!(r["resolution"]["status"], "resolved", "{r:#}");
    assert_eq!(r["resolution"]["verified"], true, "{r:#}");
    assert_eq!(r["resolution"]["transitive"], 1);
    let leaf = checked(&r, "igtest-leaf");
    assert_eq!(leaf["resolved"]["version"], "2.1.0");
    assert_eq!(leaf["resolved"]["required_by"][0], "igtest-app");
    // The tree npx ran from is the checked lockfile, entry for entry.
    let trees = npx_trees(&sb);
    assert_eq!(trees.len(), 1);
    let entries = trees[0]["packages"].as_object().unwrap();
    assert_eq!(entries.len(), 3, "{entries:#?}");
    for (path, e) in entries.iter().filter(|(p, _)| !p.is_empty()) {
        let t = checked(&r, path.trim_start_matches("node_modules/"));
        assert_eq!(t["resolved"]["version"], e["version"], "{path}");
        assert_eq!(t["resolved"]["integrity"], e["integrity"], "{path}");
    }
    let out = run(sb.ig(&["log", "--package", "igtest-leaf@2.1.0"]));
    assert!(text(&out.stdout).contains("npx"), "{}", text(&out.stdout));

    // Run again: npx reuses its tree, which is checked again, and nothing is fetched anew.
    let out = run(sb.cmd("npx", &["--registry", &reg.url, "igtest-app", "again"]));
    assert_code(&out, 0);
    assert_eq!(text(&out.stdout), r#"["again"]"#);
    let r = sb.outcomes().pop().unwrap();
    assert!(
        r["resolution"]["notes"][0]
            .as_str()
            .unwrap()
            .contains("reuses"),
        "{r:#}"
    );
    assert_eq!(checked(&r, "igtest-leaf")["resolved"]["version"], "2.1.0");
    // `npm exec --package=…` is the same run (npx's cache directory is keyed by the pinned spec).
    let out = run(sb.cmd(
        "npm",
        &[
            "exec",
            "--registry",
            &reg.url,
            "--package=igtest-app",
            "--",
            "igtest-app",
            "z",
        ],
    ));
    assert_code(&out, 0);
    assert_eq!(text(&out.stdout), r#"["z"]"#, "{}", text(&out.stderr));
    let r = sb.outcomes().pop().unwrap();
    assert_eq!(r["program"], "npm");
    assert_eq!(r["resolution"]["verified"], true, "{r:#}");
    assert!(
        r["resolution"]["notes"][0]
            .as_str()
            .unwrap()
            .contains("reuses")
    );
}

/// Earlier, unguarded: npx installed `igtest-app@<version>` from a registry whose igtest-app
/// depended on a malicious package.
fn npx_kept_a_hostile_tree(sb: &Sandbox, version: &str) {
    let hostile = Registry::start_tree(
        &sb.path(&format!("cache/reg-{version}")),
        &[
            Pkg::new("igtest-app")
                .version(version)
                .dep("000webhost-admin", "^1.0.0")
                .bin(),
            Pkg::new("000webhost-admin"),
        ],
    );
    let out = run(sb.cmd(
        unguarded_npx().to_str().unwrap(),
        &[
            "--yes",
            "--registry",
            &hostile.url,
            &format!("igtest-app@{version}"),
        ],
    ));
    assert_code(&out, 0);
}

/// A bin `name` in `dir`/node_modules/.bin that prints `local <its arguments>`.
fn local_bin(dir: &Path, name: &str) {
    let bin = dir.join("node_modules/.bin");
    std::fs::create_dir_all(&bin).unwrap();
    let tool = bin.join(name);
    std::fs::write(&tool, "#!/bin/sh\nprintf 'local %s' \"$*\"\n").unwrap();
    std::fs::set_permissions(&tool, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
}

#[test]
fn npx_a_reused_tree_with_an_unchecked_malicious_package_is_caught() {
    let sb = npm_project();
    let marker = sb.path("postinstall-ran");
    npx_kept_a_hostile_tree(&sb, "1.0.0");
    assert_eq!(npx_trees(&sb).len(), 1);
    // Now the registry's igtest-app 1.0.0 resolves clean, but npx would reuse its old tree.
    let reg = Registry::start_tree(&sb.path("cache/reg"), &runnable_trees(&marker));
    let out = run(sb.cmd("npx", &["--registry", &reg.url, "igtest-app", "x"]));
    assert_code(&out, 3);
    assert!(out.stdout.is_empty(), "the program ran");
    let err = text(&out.stderr);
    assert!(err.contains("MAL-2024-11848"), "{err}");
    let r = sb.outcomes().pop().unwrap();
    assert!(
        r["resolution"]["notes"][0]
            .as_str()
            .unwrap()
            .contains("reuses"),
        "{r:#}"
    );
}

#[test]
fn npx_an_exact_version_finds_the_tree_npx_kept_without_resolving_and_checks_it() {
    let sb = npm_project();
    let marker = sb.path("postinstall-ran");
    // Guarded: the clean tree, resolved, checked and run.
    let reg = Registry::start_tree(&sb.path("cache/reg"), &runnable_trees(&marker));
    let out = run(sb.cmd("npx", &["--registry", &reg.url, "igtest-app@1.0.0", "a"]));
    assert_code(&out, 0);
    assert_eq!(text(&out.stdout), r#"["a"]"#, "{}", text(&out.stderr));
    // Again: the exact version names npx's tree, which is checked and run without the
    // resolve-only run (it would ask for the leaf's packument; npx itself asks for the app's).
    let before = reg.seen().len();
    let out = run(sb.cmd("npx", &["--registry", &reg.url, "igtest-app@1.0.0", "b"]));
    let asked = reg.seen()[before..].to_vec();
    assert!(
        !asked.iter().any(|p| p.contains("igtest-leaf")),
        "{asked:?}"
    );
    let r = sb.outcomes().pop().unwrap();
    assert_eq!(r["resolution"]["status"], "resolved", "{r:#}");
    assert!(
        r["resolution"]["notes"][0]
            .as_str()
            .unwrap()
            .contains("reuses"),
        "{r:#}"
    );
    assert_eq!(checked(&r, "igtest-leaf")["resolved"]["version"], "2.1.0");
    assert_code(&out, 0);
    assert_eq!(text(&out.stdout), r#"["b"]"#, "{}", text(&out.stderr));
    assert_eq!(r["resolution"]["verified"], true, "{r:#}");

    // Another exact version whose tree npx kept, unguarded, holds a malicious package; found
    // the same way (no registry answers now), it is blocked before it runs.
    npx_kept_a_hostile_tree(&sb, "3.0.0");
    let dead = crate::http::refusing();
    let out = run(sb.cmd("npx", &["--registry", &dead, "igtest-app@3.0.0", "x"]));
    assert_code(&out, 3);
    assert!(out.stdout.is_empty(), "the program ran");
    assert!(
        text(&out.stderr).contains("MAL-2024-11848"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn npm_exec_in_workspaces_resolves_what_it_would_fetch_unless_each_workspace_has_the_bin() {
    let sb = npm_project();
    let marker = sb.path("postinstall-ran");
    let reg = Registry::start_tree(&sb.path("cache/reg"), &runnable_trees(&marker));
    let w = sb.work();
    std::fs::write(
        w.join("package.json"),
        r#"{"name":"root","version":"1.0.0","private":true,"workspaces":["packages/*"]}"#,
    )
    .unwrap();
    for m in ["a", "b"] {
        std::fs::create_dir_all(w.join("packages").join(m)).unwrap();
        std::fs::write(
            w.join("packages").join(m).join("package.json"),
            format!(r#"{{"name":"{m}","version":"1.0.0"}}"#),
        )
        .unwrap();
    }
    let out = run(sb.cmd(
        "npm",
        &[
            "exec",
            "-w",
            "a",
            "--registry",
            &reg.url,
            "--",
            "igtest-clean",
        ],
    ));
    assert_code(&out, 3);
    assert!(
        text(&out.stderr).contains("MAL-2024-11848"),
        "{}",
        text(&out.stderr)
    );
    assert!(!marker.exists(), "the install script ran");
    assert!(npx_trees(&sb).is_empty(), "npx installed something");
    // Both workspaces run the checked tree (npx installs it once and reuses it).
    let out = run(sb.cmd(
        "npx",
        &["--workspaces", "--registry", &reg.url, "igtest-app", "x"],
    ));
    assert_code(&out, 0);
    assert_eq!(
        text(&out.stdout).matches(r#"["x"]"#).count(),
        2,
        "{}",
        text(&out.stderr)
    );
    let r = sb.outcomes().pop().unwrap();
    assert_eq!(r["resolution"]["status"], "resolved", "{r:#}");
    assert_eq!(r["resolution"]["verified"], true, "{r:#}");
    assert_eq!(checked(&r, "igtest-leaf")["resolved"]["version"], "2.1.0");
    // A bin in every workspace (here the root's, found from each) answers: nothing is fetched.
    local_bin(&w, "igtest-tool");
    let dead = crate::http::refusing();
    let out = run(sb.cmd(
        "npm",
        &[
            "exec",
            "-w",
            "b",
            "--registry",
            &dead,
            "--",
            "igtest-tool",
            "y",
        ],
    ));
    assert_code(&out, 0);
    assert_eq!(text(&out.stdout), "local y");
    assert!(sb.outcomes().pop().unwrap()["resolution"].is_null());
}

#[test]
fn npx_a_local_bin_fetches_nothing_and_is_not_resolved() {
    let sb = npm_project();
    local_bin(&sb.work(), "igtest-tool");
    let dead = crate::http::refusing();
    let out = run(sb.cmd("npx", &["--registry", &dead, "igtest-tool", "y"]));
    assert_code(&out, 0);
    assert_eq!(text(&out.stdout), "local y");
    let r = sb.outcomes().pop().unwrap();
    assert!(r["resolution"].is_null(), "{r:#}");
}

/// A one-off runner against the hostile and clean trees: `program lead… igtest-clean` is blocked
/// with packuments only fetched and no script run; `program lead… igtest-app <args>` runs with
/// the program's arguments untouched, its tree on the record and compared after; `again`
/// (another spelling) is blocked the same way, then reuses that tree, which is checked again.
/// `lead` gets the registry URL.
fn one_off_runner(tool: &str, program: &str, again: &[&str], lead: fn(&str) -> Vec<String>) {
    let mut sb = npm_project();
    let marker = sb.path("postinstall-ran");
    let reg = Registry::start_tree(&sb.path("cache/reg"), &runnable_trees(&marker));
    js_project(tool, &reg, &mut sb);
    let cmd = |program: &str, args: &[&str]| {
        // `bun x`/`pnpm dlx`: the runner's own options come after its command word.
        let word = usize::from(matches!(args.first(), Some(&("x" | "dlx"))));
        let mut all: Vec<String> = args[..word].iter().map(|a| (*a).to_string()).collect();
        all.extend(lead(&reg.url));
        all.extend(args[word..].iter().map(|a| (*a).to_string()));
        let all: Vec<&str> = all.iter().map(String::as_str).collect();
        run(sb.cmd(program, &all))
    };
    let out = cmd(program, &["igtest-clean"]);
    assert_code(&out, 3);
    let err = text(&out.stderr);
    assert!(
        err.contains("MAL-2024-11848") && err.contains("required by igtest-clean"),
        "{err}"
    );
    metadata_only(&reg);
    assert!(!marker.exists(), "the install script ran");
    let r = sb.outcomes().pop().unwrap();
    assert_eq!(r["resolution"]["tool"], tool, "{r:#}");
    assert_eq!(checked(&r, "000webhost-admin")["resolved"]["direct"], false);
    // The other spelling goes through its own dispatch: it is blocked the same way.
    let mut args = again[1..].to_vec();
    args.push("igtest-clean");
    assert_code(&cmd(again[0], &args), 3);
    metadata_only(&reg);
    assert!(!marker.exists(), "the install script ran");

    let out = cmd(
        program,
        &["igtest-app", "a b", "--registry", "-p", "--package", "-c"],
    );
    assert_code(&out, 0);
    assert_eq!(
        text(&out.stdout),
        r#"["a b","--registry","-p","--package","-c"]"#,
        "{}",
        text(&out.stderr)
    );
    let r = sb.outcomes().pop().unwrap();
    assert_eq!(r["resolution"]["status"], "resolved", "{r:#}");
    assert_eq!(r["resolution"]["verified"], true, "{r:#}");
    let leaf = checked(&r, "igtest-leaf");
    assert_eq!(leaf["resolved"]["version"], "2.1.0");
    assert_eq!(leaf["resolved"]["required_by"][0], "igtest-app");

    let mut args = again[1..].to_vec();
    args.extend(["igtest-app", "again"]);
    let out = cmd(again[0], &args);
    assert_code(&out, 0);
    assert_eq!(text(&out.stdout), r#"["again"]"#);
    let r = sb.outcomes().pop().unwrap();
    assert!(
        r["resolution"]["notes"][0]
            .as_str()
            .unwrap()
            .contains("reuse"),
        "{r:#}"
    );
    assert_eq!(r["resolution"]["verified"], true, "{r:#}");
}

#[test]
fn bunx_resolves_what_it_would_run_first_and_runs_the_checked_tree() {
    // bunx installs in its own cache directory, where the project's bunfig.toml is not read:
    // the registry is given on the command line.
    one_off_runner("bun", "bunx", &["bun", "x"], |url| {
        vec![format!("--registry={url}/")]
    });
}

#[test]
fn pnpm_dlx_resolves_what_it_would_run_first_and_runs_it_pinned() {
    one_off_runner("pnpm", "pnpx", &["pnpm", "dlx"], |_| Vec::new());
}

#[test]
fn yarn_dlx_resolves_first_and_runs_offline_on_exactly_the_checked_archives() {
    let mut sb = npm_project();
    let marker = sb.path("postinstall-ran");
    // Published long ago: berry's time gate quarantines a version without a date.
    let reg = Registry::start_tree_dated(
        &sb.path("cache/reg"),
        &runnable_trees(&marker),
        Some("2020-01-01T00:00:00.000Z"),
    );
    js_project("@yarnpkg/cli-dist", &reg, &mut sb);
    std::fs::write(
        sb.work().join("package.json"),
        r#"{"name":"proj","version":"1.0.0","packageManager":"yarn@4.18.1"}"#,
    )
    .unwrap();
    let yarn = |args: &[&str]| {
        let mut c = sb.cmd("yarn", args);
        c.env("COREPACK_ENABLE_STRICT", "0");
        run(c)
    };
    let out = yarn(&["dlx", "igtest-clean"]);
    assert_code(&out, 3);
    let err = text(&out.stderr);
    assert!(
        err.contains("MAL-2024-11848") && err.contains("required by igtest-clean"),
        "{err}"
    );
    assert!(!marker.exists(), "the install script ran");
    assert_eq!(sb.outcomes().pop().unwrap()["resolution"]["tool"], "yarn");

    reg.requests.lock().unwrap().clear();
    let out = yarn(&["dlx", "-q", "-p", "igtest-app", "igtest-app", "a b", "-p"]);
    assert_code(&out, 0);
    assert_eq!(
        text(&out.stdout),
        r#"["a b","-p"]"#,
        "{}",
        text(&out.stderr)
    );
    let r = sb.outcomes().pop().unwrap();
    assert_eq!(r["resolution"]["status"], "resolved", "{r:#}");
    let leaf = checked(&r, "igtest-leaf");
    assert_eq!(leaf["resolved"]["version"], "2.1.0");
    assert_eq!(leaf["resolved"]["required_by"][0], "igtest-app");
    // The resolution fetched each packument and archive once; the run asked for nothing (it
    // was offline, on the checked archives).
    let mut seen = reg.seen();
    assert!(seen.iter().any(|p| p.contains("/-/")), "{seen:?}");
    let n = seen.len();
    seen.sort();
    seen.dedup();
    assert_eq!(seen.len(), n, "asked twice: {seen:?}");
    // Nothing of the run stays in the project.
    assert!(!sb.work().join("yarn.lock").exists());
}

#[test]
fn yarn_dlx_of_a_non_registry_spec_stays_checked_by_name_and_says_why() {
    let mut sb = Sandbox::new();
    sb.extra_path
        .push(crate::tools::js_tool("@yarnpkg/cli-dist"));
    let out = run(sb.ig(&[
        "check",
        "--resolve",
        "--json",
        "--",
        "yarn",
        "dlx",
        "-p",
        "github:a/b",
        "b",
    ]));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["resolution"]["why"], "unsupported", "{doc:#}");
    assert!(
        doc["resolution"]["detail"]
            .as_str()
            .unwrap()
            .contains("github:a/b"),
        "{doc:#}"
    );
}

/// A uv project in `<work>/u` whose default index is `index`, and `uv <args>` run in it with
/// the test venv's interpreter (the index is on 127.0.0.1: not offline, config read).
fn uv_project<'a>(sb: &'a Sandbox, index: &str) -> impl Fn(&[&str]) -> std::process::Output + 'a {
    let dir = sb.work().join("u");
    uv_project_at(&dir, index, &[]);
    move |args: &[&str]| uv_in(sb, &dir, args)
}

/// Write the project of [`uv_project`] into `dir`, depending on `deps`.
fn uv_project_at(dir: &Path, index: &str, deps: &[&str]) {
    std::fs::create_dir_all(dir).unwrap();
    let deps: Vec<String> = deps.iter().map(|d| format!("\"{d}\"")).collect();
    std::fs::write(
        dir.join("pyproject.toml"),
        format!(
            "[project]\nname = \"app\"\nversion = \"0.1\"\nrequires-python = \">=3.9\"\ndependencies = [{}]\n\n[[tool.uv.index]]\nurl = \"{index}/simple/\"\ndefault = true\n",
            deps.join(", ")
        ),
    )
    .unwrap();
}

/// `uv <args>` through the shim in `cwd`, with the test venv's interpreter and no download.
fn uv_in(sb: &Sandbox, cwd: &Path, args: &[&str]) -> std::process::Output {
    let mut c = sb.cmd("uv", args);
    c.current_dir(cwd)
        .env_remove("UV_OFFLINE")
        .env_remove("UV_NO_CONFIG")
        .env("UV_PYTHON", venv().join("bin/python"))
        .env("UV_PYTHON_DOWNLOADS", "never");
    run(c)
}

/// The `*.dist-info` directories of the project's environment (`name-version`, sorted).
fn installed(venv_dir: &Path) -> Vec<String> {
    let lib = venv_dir.join("lib");
    let Ok(mut pys) = std::fs::read_dir(&lib) else {
        return Vec::new();
    };
    let site = pys.next().unwrap().unwrap().path().join("site-packages");
    let mut out: Vec<String> = std::fs::read_dir(site)
        .unwrap()
        .filter_map(|e| {
            let n = e.unwrap().file_name().to_string_lossy().into_owned();
            n.strip_suffix(".dist-info").map(str::to_string)
        })
        .filter(|n| !n.starts_with("app-"))
        .collect();
    out.sort();
    out
}

/// The last record: `igtest-app`'s tree resolved by `tool`, its dependency checked with version,
/// chain and hash; and, when given, the environment holding exactly that tree.
#[track_caller]
fn app_checked(
    sb: &Sandbox,
    out: &std::process::Output,
    tool: &str,
    env: Option<&Path>,
) -> serde_json::Value {
    assert_code(out, 0);
    if let Some(env) = env {
        assert_eq!(
            installed(env),
            ["igtest_app-1.0.0", "igtest_dep-1.2.0"],
            "{}",
            text(&out.stderr)
        );
    }
    let r = sb.outcomes().pop().unwrap();
    assert_eq!(r["resolution"]["tool"], tool, "{r:#}");
    assert_eq!(r["resolution"]["status"], "resolved", "{r:#}");
    assert_eq!(r["resolution"]["pinned"], true, "{r:#}");
    let dep = checked(&r, "igtest-dep");
    assert_eq!(dep["resolved"]["version"], "1.2.0");
    assert_eq!(dep["resolved"]["required_by"][0], "igtest-app");
    assert!(
        dep["resolved"]["integrity"]
            .as_str()
            .unwrap()
            .starts_with("sha256:"),
        "{dep:#}"
    );
    r
}

#[test]
fn uv_add_resolves_the_tree_first_and_installs_exactly_the_checked_lock() {
    let (sb, index, marker) = uv_trees();
    let uv = uv_project(&sb, &index.url);
    let dir = sb.work().join("u");
    let manifest = std::fs::read(dir.join("pyproject.toml")).unwrap();

    // A clean package whose wheel requires a malicious one: blocked, nothing written.
    let out = uv(&["add", "igtest-clean"]);
    blocked_by_a_dependency(&out);
    assert_eq!(std::fs::read(dir.join("pyproject.toml")).unwrap(), manifest);
    assert!(!dir.join("uv.lock").exists() && !dir.join(".venv").exists());

    // An sdist-only package: not built before the decision, nor without a terminal.
    let out = uv(&["add", "igprobe"]);
    never_built(&out, &marker);
    assert_eq!(std::fs::read(dir.join("pyproject.toml")).unwrap(), manifest);

    // A clean tree: installed from exactly the checked lock.
    let out = uv(&["add", "igtest-app"]);
    let r = app_checked(&sb, &out, "uv", Some(&dir.join(".venv")));
    assert_eq!(r["resolution"]["verified"], true, "{r:#}");
    let lock = std::fs::read_to_string(dir.join("uv.lock")).unwrap();
    assert!(
        lock.contains("igtest-dep") && !lock.contains("igprobe"),
        "{lock}"
    );

    // `uv sync` and `uv lock` of that project: resolved, nothing changes.
    let out = uv(&["sync"]);
    assert_code(&out, 0);
    let out = uv(&["lock"]);
    assert_code(&out, 0);
    assert_eq!(std::fs::read_to_string(dir.join("uv.lock")).unwrap(), lock);
    let outcomes = sb.outcomes();
    for r in &outcomes[outcomes.len() - 2..] {
        assert_eq!(r["resolution"]["status"], "resolved", "{r:#}");
        assert_eq!(r["resolution"]["verified"], true, "{r:#}");
        assert_eq!(checked(r, "igtest-dep")["resolved"]["change"], "unchanged");
    }
    assert!(!marker.exists());

    // `uv export` locks first: resolved, and its output reaches stdout untouched.
    let out = uv(&["export", "--no-hashes", "--no-header"]);
    assert_code(&out, 0);
    assert!(
        text(&out.stdout).contains("igtest-dep==1.2.0"),
        "{}",
        text(&out.stdout)
    );
    let r = sb.outcomes().pop().unwrap();
    assert_eq!(r["resolution"]["status"], "resolved", "{r:#}");
    assert_eq!(r["resolution"]["verified"], true, "{r:#}");

    // `uv remove`: re-locked in the copy, then synced from exactly that lock.
    let out = uv(&["remove", "igtest-app"]);
    assert_code(&out, 0);
    let r = sb.outcomes().pop().unwrap();
    assert_eq!(r["resolution"]["status"], "resolved", "{r:#}");
    assert_eq!(r["resolution"]["verified"], true, "{r:#}");
    assert!(installed(&dir.join(".venv")).is_empty());
    assert!(
        !std::fs::read_to_string(dir.join("uv.lock"))
            .unwrap()
            .contains("igtest")
    );
}

/// `tool` (from the tools setup step) on the sandbox's PATH, and the applications the tool
/// tests install: `igtest-clean` whose wheel requires a malicious package, `igtest-app` with a
/// clean dependency, and the sdist `igprobe` whose build backend writes the returned marker.
fn app_trees(sb: &Sandbox, wheels: &Path, tool: &str) -> PathBuf {
    std::os::unix::fs::symlink(
        crate::tools::python_tools().join(tool),
        sb.path("bin").join(tool),
    )
    .unwrap();
    crate::pip::build_wheel_full(wheels, "igtest-clean", "1.0.0", true, &["1337test"]);
    build_wheel_requiring(wheels, "1337test", "1.0.0", &[]);
    crate::pip::build_wheel_full(wheels, "igtest-app", "1.0.0", true, &["igtest-dep>=1"]);
    build_wheel_requiring(wheels, "igtest-dep", "1.2.0", &[]);
    let marker = sb.path("backend-ran");
    build_sdist(wheels, "igprobe", "2.0", &marker);
    marker
}

#[test]
fn uvx_and_uv_tool_install_resolve_the_tools_environment_first_and_pin_it() {
    let (sb, wheels) = uv_sandbox();
    let marker = app_trees(&sb, &wheels, "uvx");
    let python = venv().join("bin/python");
    let tools = sb.path("data/uv-tools");
    let run_uv = |program: &str, words: &[&str], pkg: &str| {
        let mut args = words.to_vec();
        args.extend([
            "--no-index",
            "--find-links",
            wheels.to_str().unwrap(),
            "--python",
            python.to_str().unwrap(),
            pkg,
        ]);
        let mut c = sb.cmd(program, &args);
        c.env("UV_TOOL_DIR", &tools)
            .env("UV_TOOL_BIN_DIR", sb.path("data/uv-bin"));
        run(c)
    };
    for (program, words) in [("uvx", &[][..]), ("uv", &["tool", "install"][..])] {
        let out = run_uv(program, words, "igtest-clean");
        assert_code(&out, 3);
        let err = text(&out.stderr);
        assert!(
            err.contains("MAL-2024-4720") && err.contains("required by igtest-clean"),
            "{program}: {err}"
        );
        assert!(out.stdout.is_empty());
        assert!(!tools.exists(), "{program} must not have run");
        let out = run_uv(program, words, "igprobe");
        assert_code(&out, 4);
        assert!(
            text(&out.stderr).contains("build-from-source"),
            "{}",
            text(&out.stderr)
        );
        assert!(!marker.exists(), "the build backend ran");
    }
    // uvx: the tool runs with the checked environment, its output untouched.
    let out = run_uv("uvx", &[], "igtest-app");
    assert_eq!(text(&out.stdout), "ran\n", "{}", text(&out.stderr));
    app_checked(&sb, &out, "uv", None);
    // uv tool install: the tool's environment holds exactly the checked set.
    let out = run_uv("uv", &["tool", "install"], "igtest-app");
    let r = app_checked(&sb, &out, "uv", Some(&tools.join("igtest-app")));
    assert_eq!(r["resolution"]["verified"], true, "{r:#}");
    assert!(sb.path("data/uv-bin/igtest-app").exists());
}

#[test]
fn pipx_install_and_run_resolve_the_environment_first_and_pin_it() {
    let (sb, wheels) = pip_sandbox();
    let marker = app_trees(&sb, &wheels, "pipx");
    let python = venv().join("bin/python");
    let pip_args = format!("--pip-args=--no-index --find-links {}", wheels.display());
    let pipx = |words: &[&str]| {
        let mut args = vec![words[0], "--python", python.to_str().unwrap(), &pip_args];
        args.extend_from_slice(&words[1..]);
        let mut c = sb.cmd("pipx", &args);
        // pipx's own housekeeping (upgrading its shared pip) must not reach the internet.
        c.env("PIP_INDEX_URL", "http://127.0.0.1:9/simple");
        run(c)
    };
    let venvs = sb.path("data/pipx/venvs");
    let out = pipx(&["install", "igtest-clean"]);
    blocked_by_a_dependency(&out);
    assert!(
        !venvs.join("igtest-clean").exists(),
        "pipx must not have run"
    );
    let out = pipx(&["install", "igprobe"]);
    never_built(&out, &marker);
    assert!(!venvs.join("igprobe").exists());

    let out = pipx(&["install", "igtest-app"]);
    let r = app_checked(&sb, &out, "pipx", Some(&venvs.join("igtest-app")));
    assert_eq!(r["resolution"]["verified"], true, "{r:#}");

    // `pipx run` goes through `uv tool run` (pipx finds the uv installed beside it), which
    // has no `--no-index`: the wheels come from an index on 127.0.0.1.
    let index = crate::python_tools::local_index(&wheels);
    let index_url = format!("{}/simple/", index.url);
    let pipx_run = |spec: &str| {
        let args = [
            "run",
            "--python",
            python.to_str().unwrap(),
            "--index-url",
            &index_url,
            "--spec",
            spec,
            spec,
        ];
        let mut c = sb.cmd("pipx", &args);
        c.env_remove("UV_OFFLINE");
        run(c)
    };
    let out = pipx_run("igtest-app");
    assert_code(&out, 0);
    assert_eq!(text(&out.stdout), "ran\n", "{}", text(&out.stderr));
    assert_eq!(
        sb.outcomes().pop().unwrap()["resolution"]["status"],
        "resolved"
    );
    let out = pipx_run("igtest-clean");
    assert_code(&out, 3);
    assert!(out.stdout.is_empty());
}

/// An sdist that must be built to learn its dependencies was not built: no terminal, so the
/// `build-from-source` finding stopped the install (exit 4) before the backend ran.
#[track_caller]
fn never_built(out: &std::process::Output, marker: &Path) {
    assert_code(out, 4);
    assert!(
        text(&out.stderr).contains("build-from-source"),
        "{}",
        text(&out.stderr)
    );
    assert!(!marker.exists(), "the build backend ran");
}

/// Exit 3 for the malicious package `igtest-clean` pulls in, named with who requires it.
#[track_caller]
fn blocked_by_a_dependency(out: &std::process::Output) {
    assert_code(out, 3);
    let err = text(&out.stderr);
    assert!(
        err.contains("MAL-2024-4720") && err.contains("required by igtest-clean"),
        "{err}"
    );
}

/// `igtest-clean` requiring the malicious `1337test`, and `igtest-app` → `igtest-dep` 1.2.0.
fn hostile_and_clean_wheels(wheels: &Path) {
    build_wheel_requiring(wheels, "igtest-clean", "1.0.0", &["1337test"]);
    build_wheel_requiring(wheels, "1337test", "1.0.0", &[]);
    build_wheel_requiring(wheels, "igtest-app", "1.0.0", &["igtest-dep>=1"]);
    build_wheel_requiring(wheels, "igtest-dep", "1.2.0", &[]);
}

/// The wheels of the uv project tests (the hostile and the clean tree) served on 127.0.0.1,
/// and the marker the sdist `igprobe`'s build backend writes.
fn uv_trees() -> (Sandbox, crate::http::Server, PathBuf) {
    let (sb, wheels) = uv_sandbox();
    hostile_and_clean_wheels(&wheels);
    let marker = sb.path("backend-ran");
    build_sdist(&wheels, "igprobe", "2.0", &marker);
    let index = crate::python_tools::local_index(&wheels);
    (sb, index, marker)
}

#[test]
fn uv_directory_and_project_resolve_the_project_they_name_not_the_working_directory() {
    let (sb, index, _) = uv_trees();
    let dir = sb.work().join("u");
    uv_project_at(&dir, &index.url, &[]);
    let manifest = std::fs::read(dir.join("pyproject.toml")).unwrap();
    let work = sb.work();

    // Malicious transitive → exit 3, resolved in a copy of `u`, nothing written or installed.
    for args in [
        &["--directory", "u", "add", "igtest-clean"][..],
        &["add", "--project", "u", "igtest-clean"][..],
    ] {
        let out = uv_in(&sb, &work, args);
        assert_code(&out, 3);
        let err = text(&out.stderr);
        assert!(
            err.contains("MAL-2024-4720") && err.contains("required by igtest-clean"),
            "{args:?}: {err}"
        );
        let r = sb.outcomes().pop().unwrap();
        assert_eq!(r["resolution"]["status"], "resolved", "{r:#}");
        assert_eq!(std::fs::read(dir.join("pyproject.toml")).unwrap(), manifest);
        assert!(!dir.join("uv.lock").exists() && !dir.join(".venv").exists());
    }
    assert!(!work.join("uv.lock").exists() && !work.join(".venv").exists());

    // A clean tree through `--project`: exactly the checked lock is installed in `u`.
    let out = uv_in(&sb, &work, &["add", "--project", "u", "igtest-app"]);
    let r = app_checked(&sb, &out, "uv", Some(&dir.join(".venv")));
    assert_eq!(r["resolution"]["verified"], true, "{r:#}");
    // `--directory` with a sync: resolved from `u`, nothing changes.
    let lock = std::fs::read(dir.join("uv.lock")).unwrap();
    let out = uv_in(&sb, &work, &["--directory", "u", "sync"]);
    let r = app_checked(&sb, &out, "uv", Some(&dir.join(".venv")));
    assert_eq!(r["resolution"]["verified"], true, "{r:#}");
    assert_eq!(checked(&r, "igtest-dep")["resolved"]["change"], "unchanged");
    assert_eq!(std::fs::read(dir.join("uv.lock")).unwrap(), lock);
}

#[test]
fn uv_run_syncs_exactly_the_checked_lock_and_pins_its_with_requirements() {
    let (sb, index, marker) = uv_trees();
    let dir = sb.work().join("u");
    let show = "import importlib.metadata as m; print(m.version('igtest-dep'))";

    // The project's own dependency pulls in a malicious package: exit 3, no environment.
    uv_project_at(&dir, &index.url, &["igtest-clean"]);
    let out = uv_in(&sb, &dir, &["run", "python", "-c", "print('ran')"]);
    blocked_by_a_dependency(&out);
    assert!(out.stdout.is_empty());
    assert!(!dir.join(".venv").exists() && !dir.join("uv.lock").exists());

    // A clean project: synced from exactly the checked lock, then the command runs.
    uv_project_at(&dir, &index.url, &["igtest-app"]);
    let out = uv_in(&sb, &dir, &["run", "python", "-c", show]);
    assert_eq!(text(&out.stdout), "1.2.0\n", "{}", text(&out.stderr));
    let r = app_checked(&sb, &out, "uv", Some(&dir.join(".venv")));
    assert_eq!(r["resolution"]["verified"], true, "{r:#}");
    assert!(dir.join("uv.lock").exists());

    // `--with`: a malicious transitive is blocked; an sdist is not built without a terminal.
    let out = uv_in(
        &sb,
        &dir,
        &["run", "--with", "igtest-clean", "python", "-c", show],
    );
    assert_code(&out, 3);
    assert!(out.stdout.is_empty());
    let out = uv_in(
        &sb,
        &dir,
        &["run", "--with", "igprobe", "python", "-c", show],
    );
    never_built(&out, &marker);

    // `--no-project --with`: only the extra environment, compiled, checked and pinned.
    let url = format!("{}/simple/", index.url);
    let out = uv_in(
        &sb,
        &sb.work(),
        &[
            "run",
            "--no-project",
            "--default-index",
            &url,
            "--with",
            "igtest-app",
            "python",
            "-c",
            show,
        ],
    );
    assert_eq!(text(&out.stdout), "1.2.0\n", "{}", text(&out.stderr));
    let r = app_checked(&sb, &out, "uv", None);
    assert!(
        r["resolution"]["notes"][0]
            .as_str()
            .unwrap()
            .contains("--with"),
        "{r:#}"
    );

    // A project uv does not manage is neither locked nor synced by uv run: nothing resolved,
    // no uv.lock written into it.
    let unmanaged = sb.work().join("plain");
    uv_project_at(&unmanaged, &index.url, &["igtest-app"]);
    let mut manifest = std::fs::read_to_string(unmanaged.join("pyproject.toml")).unwrap();
    manifest.push_str("\n[tool.uv]\nmanaged = false\n");
    std::fs::write(unmanaged.join("pyproject.toml"), manifest).unwrap();
    let out = uv_in(&sb, &unmanaged, &["run", "python", "-c", "print('ran')"]);
    assert_eq!(text(&out.stdout), "ran\n", "{}", text(&out.stderr));
    assert!(sb.outcomes().pop().unwrap()["resolution"].is_null());
    assert!(!unmanaged.join("uv.lock").exists() && !unmanaged.join(".venv").exists());
}

#[test]
fn uv_workspace_members_are_locked_whole_and_a_members_sync_installs_the_checked_lock() {
    let (sb, index, _) = uv_trees();
    let ws = sb.work().join("ws");
    std::fs::create_dir_all(&ws).unwrap();
    std::fs::write(
        ws.join("pyproject.toml"),
        format!(
            "[project]\nname = \"root\"\nversion = \"0.1\"\nrequires-python = \">=3.9\"\ndependencies = []\n\n[tool.uv.workspace]\nmembers = [\"packages/*\"]\n\n[[tool.uv.index]]\nurl = \"{}/simple/\"\ndefault = true\n",
            index.url
        ),
    )
    .unwrap();
    let member = |name: &str, deps: &str| {
        let dir = ws.join("packages").join(name);
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(
            dir.join("pyproject.toml"),
            format!("[project]\nname = \"{name}\"\nversion = \"0.1\"\nrequires-python = \">=3.9\"\ndependencies = [{deps}]\n"),
        )
        .unwrap();
        dir
    };
    let m = member("m", "\"igtest-app\"");
    // Another member's dependency pulls in a malicious package: the workspace's lock holds
    // it, so syncing `m` is blocked too, and nothing is written or installed.
    member("n", "\"igtest-clean\"");
    let out = uv_in(&sb, &m, &["sync"]);
    blocked_by_a_dependency(&out);
    assert!(!ws.join("uv.lock").exists() && !ws.join(".venv").exists());
    assert!(!m.join("uv.lock").exists() && !m.join(".venv").exists());

    // A clean workspace: the member's sync installs exactly the checked workspace lock.
    member("n", "");
    let out = uv_in(&sb, &m, &["sync"]);
    let r = app_checked(&sb, &out, "uv", Some(&ws.join(".venv")));
    assert_eq!(r["resolution"]["verified"], true, "{r:#}");
    assert!(ws.join("uv.lock").exists() && !m.join("uv.lock").exists());
}

#[test]
fn uv_run_of_a_script_resolves_its_own_lock_and_says_why_without_one() {
    let (sb, index, _) = uv_trees();
    let url = format!("{}/simple/", index.url);
    let script = |name: &str, dep: &str| {
        std::fs::write(
            sb.work().join(name),
            format!("# /// script\n# dependencies = [\"{dep}\"]\n# ///\nimport importlib.metadata as m\nprint(m.version('igtest-dep'))\n"),
        )
        .unwrap();
    };
    let uv = |args: &[&str]| {
        let mut all = vec!["--default-index", url.as_str()];
        all.splice(0..0, args[..1].iter().copied());
        all.extend_from_slice(&args[1..]);
        uv_in(&sb, &sb.work(), &all)
    };
    script("s.py", "igtest-app");
    // Without a lock: uv resolves it while it runs; the record says so.
    let out = uv(&["run", "s.py"]);
    assert_code(&out, 0);
    let r = sb.outcomes().pop().unwrap();
    assert_eq!(r["resolution"]["status"], "unresolved", "{r:#}");
    assert!(
        r["resolution"]["detail"]
            .as_str()
            .unwrap()
            .contains("uv lock --script"),
        "{r:#}"
    );
    // With its lock: resolved, checked, and run from exactly that lock.
    assert_code(&uv(&["lock", "--script", "s.py"]), 0);
    let lock = std::fs::read(sb.work().join("s.py.lock")).unwrap();
    let out = uv(&["run", "s.py"]);
    assert_eq!(text(&out.stdout), "1.2.0\n", "{}", text(&out.stderr));
    let r = app_checked(&sb, &out, "uv", None);
    assert_eq!(r["resolution"]["verified"], true, "{r:#}");
    assert_eq!(std::fs::read(sb.work().join("s.py.lock")).unwrap(), lock);

    // A script whose lock holds a malicious transitive: exit 3, the script never runs.
    script("bad.py", "igtest-clean");
    assert_code(&uv(&["lock", "--script", "bad.py"]), 0);
    let out = uv(&["run", "bad.py"]);
    blocked_by_a_dependency(&out);
    assert!(out.stdout.is_empty());
}

#[test]
fn pipx_inject_and_upgrade_resolve_against_the_environment_and_pin_the_delta() {
    let (sb, wheels) = pip_sandbox();
    app_trees(&sb, &wheels, "pipx");
    build_wheel_requiring(&wheels, "igtest-extra", "1.0.0", &["igtest-leaf"]);
    build_wheel_requiring(&wheels, "igtest-leaf", "1.0.0", &[]);
    let python = venv().join("bin/python");
    let pip_args = format!("--pip-args=--no-index --find-links {}", wheels.display());
    let pipx = |words: &[&str]| {
        let mut args = vec![words[0], &pip_args];
        args.extend_from_slice(&words[1..]);
        let mut c = sb.cmd("pipx", &args);
        // pipx's own housekeeping (upgrading its shared pip) must not reach the internet.
        c.env("PIP_INDEX_URL", "http://127.0.0.1:9/simple");
        run(c)
    };
    let env = sb.path("data/pipx/venvs/igtest-app");
    let held = || {
        let mut names: Vec<String> = std::fs::read_dir(env.join("lib"))
            .unwrap()
            .flat_map(|py| std::fs::read_dir(py.unwrap().path().join("site-packages")).unwrap())
            .filter_map(|e| {
                let n = e.unwrap().file_name().to_string_lossy().into_owned();
                n.strip_suffix(".dist-info").map(str::to_string)
            })
            .collect();
        names.sort();
        names
    };
    assert_code(
        &pipx(&[
            "install",
            "--python",
            python.to_str().unwrap(),
            "igtest-app",
        ]),
        0,
    );
    let installed = held();
    assert_eq!(installed, ["igtest_app-1.0.0", "igtest_dep-1.2.0"]);

    // inject: a malicious transitive is blocked and nothing lands in the environment.
    let out = pipx(&["inject", "igtest-app", "igtest-clean"]);
    blocked_by_a_dependency(&out);
    assert_eq!(held(), installed);
    // A clean one: only the delta is checked, and the environment is what it held plus it.
    let out = pipx(&["inject", "igtest-app", "igtest-extra"]);
    assert_code(&out, 0);
    let r = sb.outcomes().pop().unwrap();
    assert_eq!(r["resolution"]["status"], "resolved", "{r:#}");
    assert_eq!(r["resolution"]["packages"], 2, "{r:#}");
    assert_eq!(r["resolution"]["verified"], true, "{r:#}");
    assert_eq!(
        checked(&r, "igtest-leaf")["resolved"]["required_by"][0],
        "igtest-extra"
    );
    let injected = held();
    assert_eq!(
        injected,
        [
            "igtest_app-1.0.0",
            "igtest_dep-1.2.0",
            "igtest_extra-1.0.0",
            "igtest_leaf-1.0.0"
        ]
    );

    // upgrade: the newer release's malicious dependency is blocked, the environment unchanged.
    crate::pip::build_wheel_full(&wheels, "igtest-app", "1.2.0", true, &["1337test"]);
    let out = pipx(&["upgrade", "igtest-app"]);
    assert_code(&out, 3);
    assert!(
        text(&out.stderr).contains("MAL-2024-4720"),
        "{}",
        text(&out.stderr)
    );
    assert_eq!(held(), injected);
    // A clean newer release: upgraded to exactly the checked versions.
    std::fs::remove_file(wheels.join("igtest_app-1.2.0-py3-none-any.whl")).unwrap();
    crate::pip::build_wheel_full(&wheels, "igtest-app", "1.1.0", true, &["igtest-dep>=1.3"]);
    build_wheel_requiring(&wheels, "igtest-dep", "1.3.0", &[]);
    let out = pipx(&["upgrade", "igtest-app"]);
    assert_code(&out, 0);
    let r = sb.outcomes().pop().unwrap();
    assert_eq!(r["resolution"]["status"], "resolved", "{r:#}");
    assert_eq!(r["resolution"]["verified"], true, "{r:#}");
    assert_eq!(checked(&r, "igtest-dep")["resolved"]["version"], "1.3.0");
    assert_eq!(
        held(),
        [
            "igtest_app-1.1.0",
            "igtest_dep-1.3.0",
            "igtest_extra-1.0.0",
            "igtest_leaf-1.0.0"
        ]
    );
}

#[test]
fn uv_a_path_source_inside_the_project_is_locked_with_it_and_its_dependencies_checked() {
    let (sb, index, _) = uv_trees();
    let dir = sb.work().join("u");
    uv_project_at(&dir, &index.url, &["lib"]);
    let mut manifest = std::fs::read_to_string(dir.join("pyproject.toml")).unwrap();
    manifest.push_str("\n[tool.uv.sources]\nlib = { path = \"libs/lib\" }\n");
    std::fs::write(dir.join("pyproject.toml"), manifest).unwrap();
    let lib = |dep: &str| {
        std::fs::create_dir_all(dir.join("libs/lib")).unwrap();
        std::fs::write(
            dir.join("libs/lib/pyproject.toml"),
            format!("[project]\nname = \"lib\"\nversion = \"0.2\"\nrequires-python = \">=3.9\"\ndependencies = [\"{dep}\"]\n\n[tool.uv]\npackage = false\n"),
        )
        .unwrap();
    };
    // The local library's dependency pulls in a malicious package: exit 3, nothing written.
    lib("igtest-clean");
    let out = uv_in(&sb, &dir, &["sync"]);
    blocked_by_a_dependency(&out);
    assert!(!dir.join("uv.lock").exists() && !dir.join(".venv").exists());
    // A clean one: its tree is checked and installed exactly.
    lib("igtest-app");
    let out = uv_in(&sb, &dir, &["sync"]);
    let r = app_checked(&sb, &out, "uv", Some(&dir.join(".venv")));
    assert_eq!(r["resolution"]["verified"], true, "{r:#}");
}

#[test]
fn uv_a_local_find_links_folder_is_locked_relative_to_the_real_project_not_the_copy() {
    let (sb, index, _) = uv_trees();
    let dir = sb.work().join("u");
    uv_project_at(&dir, &index.url, &[]);
    // The wheels in a folder of the project, named relatively: uv records it in uv.lock
    // relative to the project, so the checked lock must say `wheels`, not a path from the copy.
    std::fs::create_dir_all(dir.join("wheels")).unwrap();
    for name in ["igtest_app-1.0.0", "igtest_dep-1.2.0"] {
        let file = format!("{name}-py3-none-any.whl");
        std::fs::copy(
            sb.path("wheels").join(&file),
            dir.join("wheels").join(&file),
        )
        .unwrap();
    }
    let local = ["--no-index", "--find-links", "wheels"];
    let out = uv_in(&sb, &dir, &[&["add"][..], &local, &["igtest-app"]].concat());
    assert_code(&out, 0);
    assert_eq!(
        installed(&dir.join(".venv")),
        ["igtest_app-1.0.0", "igtest_dep-1.2.0"]
    );
    // (A local wheel has no hash in uv.lock: the version is what is pinned.)
    let r = sb.outcomes().pop().unwrap();
    assert_eq!(r["resolution"]["status"], "resolved", "{r:#}");
    assert_eq!(r["resolution"]["verified"], true, "{r:#}");
    assert_eq!(checked(&r, "igtest-dep")["resolved"]["version"], "1.2.0");
    let lock = std::fs::read_to_string(dir.join("uv.lock")).unwrap();
    assert!(lock.contains("registry = \"wheels\""), "{lock}");
    let show = "import importlib.metadata as m; print(m.version('igtest-dep'))";
    let out = uv_in(
        &sb,
        &dir,
        &[&["run"][..], &local, &["python", "-c", show]].concat(),
    );
    assert_eq!(text(&out.stdout), "1.2.0\n", "{}", text(&out.stderr));
    assert_eq!(std::fs::read_to_string(dir.join("uv.lock")).unwrap(), lock);
}

/// A bare git repository made from a package (`name`, its `dependencies` JSON, a `prepare`
/// script that writes `marker`): `git+file://` serves it with no network.
fn git_package(sb: &Sandbox, name: &str, deps: &str, marker: &Path) -> String {
    let src = sb.path(&format!("cache/{name}-src"));
    std::fs::create_dir_all(&src).unwrap();
    std::fs::write(
        src.join("package.json"),
        format!(
            r#"{{"name":"{name}","version":"1.0.0","bin":{{"{name}":"index.js"}},"scripts":{{"prepare":"touch {}"}},"dependencies":{deps}}}"#,
            marker.display()
        ),
    )
    .unwrap();
    std::fs::write(
        src.join("index.js"),
        "#!/usr/bin/env node\nconsole.log('ran');\n",
    )
    .unwrap();
    let git = |dir: &Path, args: &[&str]| {
        let out = std::process::Command::new("git")
            .current_dir(dir)
            .args(args)
            .output()
            .unwrap();
        assert!(out.status.success(), "git {args:?}: {}", text(&out.stderr));
    };
    git(&src, &["init", "-q"]);
    git(&src, &["add", "-A"]);
    git(
        &src,
        &[
            "-c",
            "user.email=t@t",
            "-c",
            "user.name=t",
            "commit",
            "-qm",
            "v1",
        ],
    );
    let bare = sb.path(&format!("cache/{name}.git"));
    git(
        &sb.path("cache"),
        &[
            "clone",
            "-q",
            "--bare",
            &src.to_string_lossy(),
            &bare.to_string_lossy(),
        ],
    );
    format!("git+file://{}", bare.display())
}

/// npx of a git spec and of an alias: resolved like a registry spec (npm's lock-only run
/// reads the git package's manifest from a clone and runs neither its `prepare` nor an
/// install in the clone), checked under the real names, and run pinned to the checked commit.
#[test]
fn npx_git_and_alias_specs_are_resolved_and_checked_under_the_real_names() {
    let sb = npm_project();
    let marker = sb.path("postinstall-ran");
    let prepared = sb.path("prepare-ran");
    let reg = Registry::start_tree(&sb.path("cache/reg"), &runnable_trees(&marker));
    let hostile = git_package(&sb, "gbad", r#"{"000webhost-admin":"^1.0.0"}"#, &prepared);
    let out = run(sb.cmd(
        "npx",
        &[
            "--yes",
            "--registry",
            &reg.url,
            "--package",
            &hostile,
            "--",
            "gbad",
        ],
    ));
    assert_code(&out, 3);
    let err = text(&out.stderr);
    assert!(
        err.contains("MAL-2024-11848") && err.contains("required by gbad"),
        "{err}"
    );
    assert!(!marker.exists(), "the install script ran");
    assert!(
        !prepared.exists(),
        "the git package's prepare ran before the decision"
    );
    metadata_only(&reg);
    assert!(npx_trees(&sb).is_empty(), "npx installed something");
    let r = sb.outcomes().pop().unwrap();
    assert_eq!(r["resolution"]["status"], "resolved", "{r:#}");
    let g = checked(&r, "gbad");
    assert_eq!(g["resolved"]["source"], "git");
    assert!(
        g["resolved"]["url"].as_str().unwrap().contains('#'),
        "the commit is recorded: {g:#}"
    );

    // An innocent alias of the hostile tree: checked under the package it really installs.
    let out = run(sb.cmd(
        "npx",
        &[
            "--yes",
            "--registry",
            &reg.url,
            "--package",
            "nice@npm:igtest-clean@^1",
            "--",
            "igtest-clean",
        ],
    ));
    assert_code(&out, 3);
    let err = text(&out.stderr);
    assert!(err.contains("MAL-2024-11848"), "{err}");
    let r = sb.outcomes().pop().unwrap();
    assert_eq!(r["resolution"]["status"], "resolved", "{r:#}");
    assert_eq!(checked(&r, "igtest-clean")["resolved"]["version"], "1.0.0");
    assert!(!marker.exists() && npx_trees(&sb).is_empty());

    // A clean git package runs from the checked commit; its prepare runs only now, after the
    // decision (a warned install-time script: no terminal, the [scripts] default lets it run).
    let clean = git_package(&sb, "ggood", r#"{"igtest-leaf":"^2.0.0"}"#, &prepared);
    let out = run(sb.cmd(
        "npx",
        &[
            "--yes",
            "--registry",
            &reg.url,
            "--package",
            &clean,
            "--",
            "ggood",
        ],
    ));
    assert_code(&out, 0);
    assert_eq!(text(&out.stdout).trim(), "ran", "{}", text(&out.stderr));
    // Listed once, by the resolved package and its commit (the command line's unnamed git
    // spec gave way to it).
    let err = text(&out.stderr);
    assert!(
        err.contains("`ggood@1.0.0`'s install-time code") && !err.contains("(unnamed)"),
        "{err}"
    );
    let r = sb.outcomes().pop().unwrap();
    assert_eq!(r["resolution"]["status"], "resolved", "{r:#}");
    assert_eq!(r["resolution"]["verified"], true, "{r:#}");
    assert_eq!(checked(&r, "igtest-leaf")["resolved"]["version"], "2.1.0");
    let trees = npx_trees(&sb);
    assert_eq!(trees.len(), 1);
    let commit = checked(&r, "ggood")["resolved"]["url"].clone();
    assert_eq!(
        trees[0]["packages"]["node_modules/ggood"]["resolved"],
        commit
    );
}

/// `npm install` of local tarballs and folders: npm reads them from where it runs, so the
/// resolve-only run gets them as absolute paths and the checked package.json and lockfile are
/// respelled for the project (`file:app.tgz`, as npm writes them); their dependencies are
/// checked like any others.
#[test]
fn npm_local_tarballs_and_folders_are_resolved_and_installed_as_checked() {
    let sb = npm_project();
    let marker = sb.path("postinstall-ran");
    let reg = Registry::start_tree(&sb.path("cache/reg"), &runnable_trees(&marker));
    std::fs::copy(
        sb.path("cache/reg/igtest-clean-1.0.0.tgz"),
        sb.work().join("clean.tgz"),
    )
    .unwrap();
    let out = run(sb.cmd("npm", &["install", "--registry", &reg.url, "./clean.tgz"]));
    assert_code(&out, 3);
    let err = text(&out.stderr);
    assert!(
        err.contains("MAL-2024-11848") && err.contains("required by igtest-clean"),
        "{err}"
    );
    assert!(!marker.exists(), "the install script ran");
    assert!(!sb.work().join("node_modules").exists());
    let r = sb.outcomes().pop().unwrap();
    assert_eq!(r["resolution"]["status"], "resolved", "{r:#}");
    assert_eq!(checked(&r, "igtest-clean")["resolved"]["source"], "path");

    std::fs::copy(
        sb.path("cache/reg/igtest-app-1.0.0.tgz"),
        sb.work().join("app.tgz"),
    )
    .unwrap();
    let out = run(sb.cmd("npm", &["install", "--registry", &reg.url, "./app.tgz"]));
    assert_code(&out, 0);
    let pj = std::fs::read_to_string(sb.work().join("package.json")).unwrap();
    assert!(pj.contains("\"igtest-app\": \"file:app.tgz\""), "{pj}");
    assert!(sb.work().join("node_modules/igtest-leaf/index.js").exists());
    let r = sb.outcomes().pop().unwrap();
    assert_eq!(r["resolution"]["status"], "resolved", "{r:#}");
    assert_eq!(r["resolution"]["verified"], true, "{r:#}");
    assert_eq!(checked(&r, "igtest-leaf")["resolved"]["version"], "2.1.0");

    // A folder is linked and its dependencies are placed by where it is: not resolved from a
    // copy elsewhere, and the record says so.
    let sb = npm_project();
    let lib = sb.work().join("lib");
    std::fs::create_dir_all(&lib).unwrap();
    std::fs::write(
        lib.join("package.json"),
        r#"{"name":"lib","version":"1.0.0","dependencies":{"igtest-leaf":"^2.0.0"}}"#,
    )
    .unwrap();
    let out = run(sb.cmd("npm", &["install", "--registry", &reg.url, "file:lib"]));
    assert_code(&out, 0);
    let r = sb.outcomes().pop().unwrap();
    assert_eq!(r["resolution"]["status"], "unresolved", "{r:#}");
    assert!(
        r["resolution"]["detail"]
            .as_str()
            .unwrap()
            .contains("is a folder"),
        "{r:#}"
    );
}

/// npx of a local tarball: resolved from where npx runs, its dependencies checked, and run
/// from the checked lockfile placed in npx's directory for that spec.
#[test]
fn npx_a_local_tarball_is_resolved_and_runs_the_checked_tree() {
    let sb = npm_project();
    let marker = sb.path("postinstall-ran");
    let reg = Registry::start_tree(&sb.path("cache/reg"), &runnable_trees(&marker));
    for n in ["igtest-clean", "igtest-app"] {
        std::fs::copy(
            sb.path(&format!("cache/reg/{n}-1.0.0.tgz")),
            sb.work().join(format!("{n}.tgz")),
        )
        .unwrap();
    }
    let out = run(sb.cmd(
        "npx",
        &["--yes", "--registry", &reg.url, "./igtest-clean.tgz"],
    ));
    assert_code(&out, 3);
    let err = text(&out.stderr);
    assert!(
        err.contains("MAL-2024-11848") && err.contains("required by igtest-clean"),
        "{err}"
    );
    assert!(!marker.exists(), "the install script ran");
    assert!(npx_trees(&sb).is_empty(), "npx installed something");

    let out = run(sb.cmd(
        "npx",
        &["--yes", "--registry", &reg.url, "./igtest-app.tgz", "x"],
    ));
    assert_code(&out, 0);
    assert_eq!(text(&out.stdout), r#"["x"]"#, "{}", text(&out.stderr));
    let r = sb.outcomes().pop().unwrap();
    assert_eq!(r["resolution"]["status"], "resolved", "{r:#}");
    assert_eq!(r["resolution"]["verified"], true, "{r:#}");
    assert_eq!(checked(&r, "igtest-leaf")["resolved"]["version"], "2.1.0");
    assert_eq!(npx_trees(&sb).len(), 1);
}

/// bun's runtime auto-installs what a file imports when no node_modules is found (measured
/// unguarded here: the packument and the tarball are fetched and the file runs). Guarded, it
/// runs with `--no-install`, says so, and nothing is fetched; once the package is added (a
/// checked install) the file runs.
#[test]
fn bun_running_a_file_does_not_auto_install_its_imports_unchecked() {
    let mut sb = Sandbox::new();
    let marker = sb.path("postinstall-ran");
    let reg = Registry::start_tree(&sb.path("cache/reg"), &runnable_trees(&marker));
    js_project("bun", &reg, &mut sb);
    std::fs::write(
        sb.work().join("a.ts"),
        "import leaf from 'igtest-leaf';\nconsole.log('leaf', leaf);\n",
    )
    .unwrap();
    let unguarded = std::process::Command::new(crate::tools::js_tool("bun").join("bun"))
        .arg("a.ts")
        .current_dir(sb.work())
        .env("HOME", sb.path("cache/unguarded-home"))
        .env("BUN_INSTALL_CACHE_DIR", sb.path("cache/unguarded-bun"))
        .env_remove("INSTALLGUARD_ACTIVE")
        .output()
        .unwrap();
    assert_eq!(
        text(&unguarded.stdout),
        "leaf ok\n",
        "{}",
        text(&unguarded.stderr)
    );
    assert!(
        reg.seen().iter().any(|p| p.ends_with(".tgz")),
        "{:?}",
        reg.seen()
    );
    let before = reg.seen().len();

    for args in [
        &["a.ts"][..],
        &["run", "a.ts"],
        &["--install=force", "a.ts"],
    ] {
        let out = run(sb.cmd("bun", args));
        assert_code(&out, 1);
        let err = text(&out.stderr);
        assert!(
            err.contains("--no-install") && err.contains("Cannot find package"),
            "{err}"
        );
        assert_eq!(
            reg.seen().len(),
            before,
            "bun fetched at run time: {:?}",
            reg.seen()
        );
    }
    let out = run(sb.cmd("bun", &["add", "igtest-leaf"]));
    assert_code(&out, 0);
    let out = run(sb.cmd("bun", &["a.ts"]));
    assert_code(&out, 0);
    assert_eq!(text(&out.stdout), "leaf ok\n");
    assert!(
        !text(&out.stderr).contains("--no-install"),
        "{}",
        text(&out.stderr)
    );
}
