//! A throw-away HOME with XDG dirs, a shim directory of argv[0] links to the built binary
//! first on PATH, and helpers to run commands in it.

use std::os::unix::fs::PermissionsExt;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

pub const BIN: &str = env!("CARGO_BIN_EXE_installguard");
/// The small pass-through binary the shim links point to (as `shell-init` makes them).
pub const LIGHT_BIN: &str = env!("CARGO_BIN_EXE_installguard-shim");

pub struct Sandbox {
    pub dir: tempfile::TempDir,
    /// Extra directories placed after the shims and before the inherited PATH.
    pub extra_path: Vec<PathBuf>,
}

impl Sandbox {
    pub fn new() -> Sandbox {
        let dir = tempfile::tempdir().unwrap();
        for d in [
            "home", "state", "config", "data", "cache", "shims", "bin", "work",
        ] {
            std::fs::create_dir_all(dir.path().join(d)).unwrap();
        }
        for name in [
            "pip", "pip3", "pip3.11", "npm", "npx", "brew", "python3", "uv", "uvx", "pipx",
            "poetry", "yarn", "pnpm", "pnpx", "bun", "bunx",
        ] {
            std::os::unix::fs::symlink(LIGHT_BIN, dir.path().join("shims").join(name)).unwrap();
        }
        Sandbox {
            dir,
            extra_path: Vec::new(),
        }
    }

    pub fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    pub fn work(&self) -> PathBuf {
        self.path("work")
    }

    /// PATH: shims, then the sandbox's bin/, then extras, then the inherited PATH.
    pub fn path_var(&self) -> std::ffi::OsString {
        let mut dirs = vec![self.path("shims"), self.path("bin")];
        dirs.extend(self.extra_path.iter().cloned());
        if let Some(p) = std::env::var_os("PATH") {
            dirs.extend(std::env::split_paths(&p));
        }
        std::env::join_paths(dirs).unwrap()
    }

    /// A command in the sandbox: program resolved on the sandbox PATH (so `pip` is the shim).
    pub fn cmd(&self, program: &str, args: &[&str]) -> Command {
        let path = self.path_var();
        let resolved = if program.contains('/') {
            PathBuf::from(program)
        } else {
            std::env::split_paths(&path)
                .map(|d| d.join(program))
                .find(|p| p.is_file())
                .unwrap_or_else(|| PathBuf::from(program))
        };
        let mut c = Command::new(resolved);
        // The machine's own pip/npm/Homebrew settings must not leak into the sandbox.
        for (key, _) in std::env::vars_os() {
            let k = key.to_string_lossy().to_ascii_lowercase();
            if k.starts_with("pip_")
                || k.starts_with("npm_config_")
                || k.starts_with("homebrew_")
                || k.starts_with("uv_")
                || k.starts_with("pipx_")
                || k.starts_with("poetry_")
            {
                c.env_remove(&key);
            }
        }
        c.args(args)
            .current_dir(self.work())
            .env("PATH", path)
            .env("HOME", self.path("home"))
            .env("XDG_STATE_HOME", self.path("state"))
            .env("XDG_CONFIG_HOME", self.path("config"))
            .env("XDG_DATA_HOME", self.path("data"))
            .env("XDG_CACHE_HOME", self.path("cache"))
            .env("PIP_CONFIG_FILE", "/dev/null")
            .env("PIP_DISABLE_PIP_VERSION_CHECK", "1")
            .env("PIP_NO_INPUT", "1")
            // uv, pipx and poetry: no user or system configuration, nothing from the network.
            .env("UV_NO_CONFIG", "1")
            .env("UV_OFFLINE", "1")
            .env("UV_CACHE_DIR", self.path("cache/uv"))
            .env("PIPX_HOME", self.path("data/pipx"))
            .env("PIPX_BIN_DIR", self.path("data/pipx/bin"))
            .env("POETRY_CONFIG_DIR", self.path("config/pypoetry"))
            .env("POETRY_CACHE_DIR", self.path("cache/pypoetry"))
            .env("npm_config_cache", self.path("cache/npm"))
            .env("npm_config_update_notifier", "false")
            .env("npm_config_audit", "false")
            .env("npm_config_fund", "false")
            // Registry signals may ask only loopback hosts (the servers the tests start): no
            // test can reach the internet, whatever its policy says (debug builds only).
            .env("INSTALLGUARD_TEST_NETWORK", "loopback")
            .env_remove("INSTALLGUARD_YES")
            .env_remove("INSTALLGUARD_ACTIVE")
            .stdin(Stdio::null());
        if let Some(root) = std::env::var_os("PYENV_ROOT") {
            // pyenv's own shims find their interpreters through PYENV_ROOT, which defaults
            // to ~/.pyenv and so would break under the sandbox's HOME.
            c.env("PYENV_ROOT", root);
        }
        c
    }

    /// `installguard <args>` in the sandbox.
    pub fn ig(&self, args: &[&str]) -> Command {
        self.cmd(BIN, args)
    }

    /// Write an executable script into the sandbox's bin/. A `brew` stand-in whose body does
    /// not handle `--dry-run` answers the guard's resolve-only run (`brew install --dry-run`)
    /// with an empty plan, before the body runs: tests of other things see only real runs.
    pub fn script(&self, name: &str, body: &str) -> PathBuf {
        let p = self.path("bin").join(name);
        let body = match body.strip_prefix("#!/bin/sh\n") {
            Some(rest) if name == "brew" && !body.contains("--dry-run") => {
                format!("#!/bin/sh\ncase \" $* \" in *\" --dry-run \"*) exit 0;; esac\n{rest}")
            }
            _ => body.to_string(),
        };
        std::fs::write(&p, body).unwrap();
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
        p
    }

    /// One record per guarded command: the stored records without the `starting` ones (an
    /// install that ran has `starting` before the tool and `finished` after it).
    pub fn outcomes(&self) -> Vec<serde_json::Value> {
        self.log_records()
            .into_iter()
            .filter(|r| r["event"] != "starting")
            .collect()
    }

    pub fn log_records(&self) -> Vec<serde_json::Value> {
        let p = self.path("state/installguard/audit.jsonl");
        match std::fs::read_to_string(p) {
            Ok(t) => t
                .lines()
                .map(|l| serde_json::from_str(l).unwrap())
                .collect(),
            Err(_) => Vec::new(),
        }
    }
}

pub fn run(mut c: Command) -> Output {
    c.output().unwrap()
}

/// Run `c` with `input` written to its standard input (a pipe), capturing its output.
pub fn run_with_stdin(mut c: Command, input: &[u8]) -> Output {
    use std::io::Write;
    c.stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = c.spawn().unwrap();
    child.stdin.take().unwrap().write_all(input).unwrap();
    child.wait_with_output().unwrap()
}

pub fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// Assert an exit code, printing both streams when it differs.
#[track_caller]
pub fn assert_code(out: &Output, code: i32) {
    assert_eq!(
        out.status.code(),
        Some(code),
        "stdout:\n{}\nstderr:\n{}",
        text(&out.stdout),
        text(&out.stderr)
    );
}
