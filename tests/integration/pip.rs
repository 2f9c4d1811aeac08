//! The real pip (in a virtualenv the tests create) behind the shims, installing wheels the
//! tests build into a local `--find-links` directory with `--no-index`: nothing leaves the
//! machine.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use crate::sandbox::{Sandbox, assert_code, run, text};

/// A virtualenv shared by every pip test (creating one takes seconds). Tests install with
/// `--target` into their own directories, so they never touch it or each other. Each start of
/// its interpreter appends its pid to the file `$IGTEST_PYTHON_STARTS` names, when set (a `.pth`
/// line, which pip may have `site` read again: [`python_starts`] counts distinct pids).
pub fn venv() -> &'static Path {
    static VENV: OnceLock<PathBuf> = OnceLock::new();
    VENV.get_or_init(|| {
        let dir =
            std::env::temp_dir().join(format!("installguard-test-venv-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let st = Command::new("python3")
            .args(["-m", "venv"])
            .arg(&dir)
            .env_remove("INSTALLGUARD_ACTIVE")
            .status()
            .expect("python3 is needed for the pip tests");
        assert!(st.success(), "python3 -m venv failed");
        let lib = std::fs::read_dir(dir.join("lib"))
            .unwrap()
            .flatten()
            .find(|e| e.file_name().to_string_lossy().starts_with("python3"))
            .expect("lib/python3.* in the venv")
            .path();
        std::fs::write(
            lib.join("site-packages/igtest_starts.pth"),
            "import os; p = os.environ.get('IGTEST_PYTHON_STARTS'); p and open(p, 'a').write(f'{os.getpid()}\\n')\n",
        )
        .unwrap();
        dir
    })
}

/// How many times the test venv's interpreter started for `cmd` (pip processes: nothing else
/// the guard runs is Python), with `cmd`'s output.
pub fn python_starts(sb: &Sandbox, mut cmd: Command) -> (std::process::Output, usize) {
    let count = sb.path(&format!("python-starts-{}", std::process::id()));
    let _ = std::fs::remove_file(&count);
    cmd.env("IGTEST_PYTHON_STARTS", &count);
    let out = run(cmd);
    let pids: std::collections::BTreeSet<String> = std::fs::read_to_string(&count)
        .unwrap_or_default()
        .lines()
        .map(str::to_string)
        .collect();
    (out, pids.len())
}

/// Build a minimal pure-Python wheel `name-version` into `dir`.
pub fn build_wheel(dir: &Path, name: &str, version: &str) {
    build_wheel_with(dir, name, version, false);
}

/// Like [`build_wheel`], with `Requires-Dist` lines.
pub fn build_wheel_requiring(dir: &Path, name: &str, version: &str, requires: &[&str]) {
    build_wheel_full(dir, name, version, false, requires);
}

/// Build a wheel as [`build_wheel`] does; with `app`, it also has a console script `name`
/// printing `ran` (pipx and `uv tool` install applications).
pub fn build_wheel_with(dir: &Path, name: &str, version: &str, app: bool) {
    build_wheel_full(dir, name, version, app, &[]);
}

pub fn build_wheel_full(dir: &Path, name: &str, version: &str, app: bool, requires: &[&str]) {
    let script = r#"
import base64, hashlib, sys, zipfile, os
out, name, version, app = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4] == "app"
requires = "".join(f"Requires-Dist: {r}\n" for r in sys.argv[5:])
mod = name.replace('-', '_')
dist = f"{mod}-{version}.dist-info"
files = {
    f"{mod}/__init__.py": f"VERSION = {version!r}\ndef main():\n    print('ran')\n",
    f"{dist}/METADATA": f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n{requires}",
    f"{dist}/WHEEL": "Wheel-Version: 1.0\nGenerator: installguard-tests\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
}
if app:
    files[f"{dist}/entry_points.txt"] = f"[console_scripts]\n{name} = {mod}:main\n"
record = []
for path, body in files.items():
    digest = base64.urlsafe_b64encode(hashlib.sha256(body.encode()).digest()).rstrip(b'=').decode()
    record.append(f"{path},sha256={digest},{len(body)}")
record.append(f"{dist}/RECORD,,")
files[f"{dist}/RECORD"] = "\n".join(record) + "\n"
os.makedirs(out, exist_ok=True)
with zipfile.ZipFile(os.path.join(out, f"{mod}-{version}-py3-none-any.whl"), "w") as z:
    for path, body in files.items():
        z.writestr(path, body)
"#;
    let st = Command::new("python3")
        .args(["-c", script])
        .arg(dir)
        .args([name, version, if app { "app" } else { "lib" }])
        .args(requires)
        .env_remove("INSTALLGUARD_ACTIVE")
        .status()
        .unwrap();
    assert!(st.success());
}

/// A sandbox with the test venv's tools on PATH after the shims and wheels of `names` (1.0.0)
/// in a local find-links directory.
pub fn sandbox_with_wheels(names: &[&str]) -> (Sandbox, PathBuf) {
    let mut sb = Sandbox::new();
    sb.extra_path.push(venv().join("bin"));
    let wheels = sb.path("wheels");
    for n in names {
        build_wheel(&wheels, n, "1.0.0");
    }
    (sb, wheels)
}

/// `pip install` of `pkg` from the local wheels into `target`, as `program` (`pip`, or e.g.
/// `installguard bypass --reason why -- pip`) sees its arguments.
pub fn install_args<'a>(
    program: &[&'a str],
    wheels: &'a Path,
    target: &'a Path,
    pkg: &'a str,
) -> Vec<&'a str> {
    let mut v = program.to_vec();
    v.extend([
        "install",
        "--no-index",
        "--find-links",
        wheels.to_str().unwrap(),
        "--target",
        target.to_str().unwrap(),
        pkg,
    ]);
    v
}

pub fn pip_install(sb: &Sandbox, wheels: &Path, target: &Path, pkg: &str) -> Command {
    sb.cmd("pip", &install_args(&[], wheels, target, pkg))
}

#[test]
fn clean_install_runs_the_real_pip_and_is_logged() {
    let (sb, wheels) = sandbox_with_wheels(&["igtest-clean"]);
    let target = sb.path("target");
    let out = run(pip_install(&sb, &wheels, &target, "igtest-clean"));
    assert_code(&out, 0);
    assert!(
        target.join("igtest_clean/__init__.py").exists(),
        "{}",
        text(&out.stderr)
    );
    let log = sb.outcomes();
    assert_eq!(log.len(), 1);
    assert_eq!(log[0]["decision"], "allowed");
    assert_eq!(log[0]["exit_code"], 0);
    assert_eq!(log[0]["program"], "pip");
    assert_eq!(log[0]["targets"][0]["name"], "igtest-clean");
}

#[test]
fn typosquat_without_a_terminal_exits_4_and_never_runs_pip() {
    let (sb, wheels) = sandbox_with_wheels(&["reqeusts"]);
    let target = sb.path("target");
    let out = run(pip_install(&sb, &wheels, &target, "reqeusts"));
    assert_code(&out, 4);
    let err = text(&out.stderr);
    assert!(err.contains("`requests`"), "{err}");
    assert!(err.contains("INSTALLGUARD_YES=1"), "{err}");
    assert!(!target.exists(), "pip must not have run");
    assert!(out.stdout.is_empty(), "guard messages go to stderr only");
    let log = sb.log_records();
    assert_eq!(log[0]["decision"], "declined");
    assert_eq!(log[0]["decided_by"], "no-terminal");
    assert_eq!(log[0]["exit_code"], serde_json::Value::Null);
}

#[test]
fn yes_from_the_environment_accepts_warnings() {
    let (sb, wheels) = sandbox_with_wheels(&["reqeusts"]);
    let target = sb.path("target");
    let mut c = pip_install(&sb, &wheels, &target, "reqeusts");
    c.env("INSTALLGUARD_YES", "1");
    let out = run(c);
    assert_code(&out, 0);
    assert!(target.join("reqeusts/__init__.py").exists());
    assert_eq!(sb.log_records()[0]["decided_by"], "yes");
}

#[test]
fn known_malicious_is_blocked_even_with_yes() {
    // `1337test` is reported malicious (MAL-2024-4720); the wheel exists locally, so only the
    // guard stands between the user and the install.
    let (sb, wheels) = sandbox_with_wheels(&["1337test"]);
    let target = sb.path("target");
    let mut c = pip_install(&sb, &wheels, &target, "1337test");
    c.env("INSTALLGUARD_YES", "1");
    let out = run(c);
    assert_code(&out, 3);
    assert!(
        text(&out.stderr).contains("MAL-2024-4720"),
        "{}",
        text(&out.stderr)
    );
    assert!(!target.exists());
    assert_eq!(sb.log_records()[0]["decision"], "blocked");
}

#[test]
fn pips_own_failure_code_passes_through() {
    let (sb, wheels) = sandbox_with_wheels(&[]);
    std::fs::create_dir_all(&wheels).unwrap();
    let target = sb.path("target");
    let out = run(pip_install(&sb, &wheels, &target, "igtest-not-there"));
    assert_code(&out, 1);
    assert!(
        text(&out.stderr).contains("No matching distribution"),
        "{}",
        text(&out.stderr)
    );
    assert_eq!(sb.outcomes()[0]["exit_code"], 1);
}

#[test]
fn pass_through_stdout_is_byte_for_byte_the_real_pips() {
    let (sb, _) = sandbox_with_wheels(&[]);
    let through = run(sb.cmd("pip", &["--version"]));
    let direct = run(sb.cmd(venv().join("bin/pip").to_str().unwrap(), &["--version"]));
    assert_code(&through, 0);
    assert_eq!(through.stdout, direct.stdout);
    assert!(through.stderr.is_empty(), "{}", text(&through.stderr));
    assert!(
        sb.log_records().is_empty(),
        "pass-through commands are not install decisions"
    );
}

#[test]
fn python_dash_m_pip_is_guarded() {
    let (sb, wheels) = sandbox_with_wheels(&["reqeusts"]);
    let target = sb.path("target");
    let out = run(sb.ig(&[
        "run",
        "python3",
        "-m",
        "pip",
        "install",
        "--no-index",
        "-f",
        wheels.to_str().unwrap(),
        "-t",
        target.to_str().unwrap(),
        "reqeusts",
    ]));
    assert_code(&out, 4);
    assert!(!target.exists());
    // Anything else python does passes straight through.
    let out = run(sb.ig(&["run", "python3", "-c", "print('hi')"]));
    assert_code(&out, 0);
    assert_eq!(text(&out.stdout), "hi\n");
}

#[test]
fn requirements_file_targets_are_checked_with_their_line() {
    let (sb, wheels) = sandbox_with_wheels(&["igtest-ok", "reqeusts"]);
    std::fs::write(
        sb.work().join("requirements.txt"),
        "# deps\nigtest-ok\nreqeusts==1.0.0\n",
    )
    .unwrap();
    let target = sb.path("target");
    let out = run(sb.cmd(
        "pip",
        &[
            "install",
            "--no-index",
            "-f",
            wheels.to_str().unwrap(),
            "-t",
            target.to_str().unwrap(),
            "-r",
            "requirements.txt",
        ],
    ));
    assert_code(&out, 4);
    assert!(
        text(&out.stderr).contains("requirements.txt:3"),
        "{}",
        text(&out.stderr)
    );
    assert!(!target.exists());
}

#[test]
fn an_unreadable_requirements_file_refuses_the_install_and_logs_why() {
    let (sb, _) = sandbox_with_wheels(&[]);
    let out = run(sb.cmd("pip", &["install", "-r", "missing.txt"]));
    assert_code(&out, 2);
    assert!(
        text(&out.stderr).contains("missing.txt"),
        "{}",
        text(&out.stderr)
    );
    let log = sb.outcomes();
    assert_eq!(log.len(), 1);
    assert_eq!(log[0]["decision"], "blocked");
    assert!(
        log[0]["reason"].as_str().unwrap().contains("missing.txt"),
        "{}",
        log[0]
    );
}
