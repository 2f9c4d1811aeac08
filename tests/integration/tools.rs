//! The real package managers the tests run, installed once per target directory from their
//! registries in a setup step (pinned versions), under a lock so parallel test threads and
//! test processes share one copy. This is the only place tests reach a registry; a registry
//! that cannot be reached is a test failure that says so, never a silent skip.

use std::io::Write;
use std::os::unix::io::AsRawFd;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

/// The Python tools and the versions the grammars were checked against (docs/cli-grammar.md).
pub const PYTHON_TOOLS: &[(&str, &str)] =
    &[("uv", "0.13.9"), ("pipx", "1.18.4"), ("poetry", "2.5.1")];

/// `$CARGO_TARGET_TMPDIR/tools`: kept between runs, so the download happens once.
fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("tools")
}

/// Hold an exclusive lock on `path` while `f` runs (other processes wait).
fn locked<T>(path: &Path, f: impl FnOnce() -> T) -> T {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(path)
        .unwrap();
    // SAFETY: flock on a descriptor we own; released when `file` is dropped.
    let rc = unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX) };
    assert_eq!(rc, 0, "cannot lock {}", path.display());
    let out = f();
    drop(file);
    out
}

/// A virtualenv holding uv, pipx and poetry at the pinned versions; its `bin/` directory.
pub fn python_tools() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let tag: Vec<String> = PYTHON_TOOLS
            .iter()
            .map(|(n, v)| format!("{n}-{v}"))
            .collect();
        let venv = root().join(format!("py-{}", tag.join("-")));
        let done = venv.join(".installed");
        locked(&root().join("py.lock"), || {
            if done.exists() {
                return;
            }
            let _ = std::fs::remove_dir_all(&venv);
            let st = Command::new("python3")
                .args(["-m", "venv"])
                .arg(&venv)
                .env_remove("INSTALLGUARD_ACTIVE")
                .status()
                .expect("python3 is needed to install the Python tools for the tests");
            assert!(st.success(), "python3 -m venv {} failed", venv.display());
            let specs: Vec<String> = PYTHON_TOOLS
                .iter()
                .map(|(n, v)| format!("{n}=={v}"))
                .collect();
            let out = Command::new(venv.join("bin/pip"))
                .args(["install", "--quiet", "--disable-pip-version-check"])
                .args(&specs)
                .env_remove("INSTALLGUARD_ACTIVE")
                .output()
                .unwrap();
            assert!(
                out.status.success(),
                "setup step: could not install {} from PyPI (the integration tests need the \
                 package registry once to install the real tools):\n{}",
                specs.join(" "),
                String::from_utf8_lossy(&out.stderr)
            );
            let mut f = std::fs::File::create(&done).unwrap();
            writeln!(f, "{}", specs.join(" ")).unwrap();
        });
        venv.join("bin")
    })
}

/// The JavaScript package managers and the versions the grammars were checked against
/// (docs/cli-grammar.md): npm package, version, and the directory of its installed bins.
pub const JS_TOOLS: &[(&str, &str)] = &[
    ("yarn", "1.22.22"),
    ("@yarnpkg/cli-dist", "4.18.1"),
    ("pnpm", "12.21.0"),
    ("bun", "1.4.5"),
];

/// One JS tool installed with the machine's npm into its own prefix (yarn classic and berry
/// both ship a `yarn` bin, so each gets its own directory); its `node_modules/.bin`.
pub fn js_tool(package: &str) -> PathBuf {
    static DIRS: OnceLock<std::sync::Mutex<std::collections::HashMap<String, PathBuf>>> =
        OnceLock::new();
    let dirs = DIRS.get_or_init(Default::default);
    if let Some(d) = dirs.lock().unwrap().get(package) {
        return d.clone();
    }
    let version = JS_TOOLS
        .iter()
        .find(|(n, _)| *n == package)
        .map_or_else(|| panic!("{package} is not in JS_TOOLS"), |(_, v)| *v);
    let dir = root().join(format!("js-{}-{version}", package.replace(['@', '/'], "_")));
    let done = dir.join(".installed");
    locked(&root().join("js.lock"), || {
        if done.exists() {
            return;
        }
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let spec = format!("{package}@{version}");
        let npm = which::which("npm").expect("npm is needed to install the JS tools for the tests");
        let out = Command::new(npm)
            .args([
                "install",
                "--no-audit",
                "--no-fund",
                "--no-save",
                "--prefix",
            ])
            .arg(&dir)
            .arg(&spec)
            .env_remove("INSTALLGUARD_ACTIVE")
            .env_remove("npm_config_registry")
            .env_remove("NPM_CONFIG_REGISTRY")
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "setup step: could not install {spec} from the npm registry (the integration tests \
             need the package registry once to install the real tools):\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let mut f = std::fs::File::create(&done).unwrap();
        writeln!(f, "{spec}").unwrap();
    });
    let bin = dir.join("node_modules/.bin");
    dirs.lock()
        .unwrap()
        .insert(package.to_string(), bin.clone());
    bin
}
