//! Fuzz targets: one plain function per kind of outside input installguard reads (command
//! lines of every guarded program, every file format the parsers read, the policy, both
//! reputation data formats, OSV feeds, registry answers, redaction, the audit-log verifier,
//! and what the tools print or write when resolving only). A target must return, without panicking, whatever the bytes; a panic that
//! `contain::contain` catches inside a third-party parser is the designed outcome, not a crash.
//! They are driven by the stable harness (`tests/fuzz.rs`: a bounded mutation run over
//! `fuzz/corpus/<target>/`, part of `cargo test` and of `.ci/run`) and by the cargo-fuzz crate
//! in `fuzz/` for long runs on nightly. Not part of installguard's interface: hidden from the
//! docs, no stability promise; it reads and writes nothing but a temporary file for the audit
//! verifier.

use std::borrow::Cow;
use std::ffi::OsString;
use std::os::unix::ffi::OsStringExt;

use crate::cmdline::testworld::MemWorld;
use crate::ecosystem::Ecosystem;

/// One fuzz target: its name (the corpus directory and the cargo-fuzz binary) and its function.
pub struct Target {
    pub name: &'static str,
    pub run: fn(&[u8]),
}

/// Run the target named `name` on `data` (what each cargo-fuzz binary calls). Unknown names
/// do nothing.
pub fn run(name: &str, data: &[u8]) {
    if let Some(t) = TARGETS.iter().find(|t| t.name == name) {
        (t.run)(data);
    }
}

/// The arguments in `data`: NUL- or newline-separated, any bytes (non-UTF-8 included).
fn args(data: &[u8]) -> Vec<OsString> {
    data.split(|&b| b == 0 || b == b'\n')
        .map(|a| OsString::from_vec(a.to_vec()))
        .collect()
}

/// A small project for argv targets: files the arguments may name.
fn project() -> MemWorld {
    MemWorld::new()
        .file(
            "package.json",
            r#"{"name":"p","dependencies":{"lodash":"^4"}}"#,
        )
        .file(
            "pyproject.toml",
            "[project]\nname = \"p\"\ndependencies = [\"six\"]\n",
        )
        .file("requirements.txt", "six\n-r more.txt\n")
        .file("more.txt", "idna\n")
        .file("Brewfile", "brew \"wget\"\n")
        .dir("packages")
}

/// `program args...` on a small project, the arguments from `data`.
fn argv(program: &str, data: &[u8]) {
    let _ = crate::cmdline::understand(program.as_ref(), &args(data), &project());
}

/// `program args...` where `file` holds `data` (and `extra` files what the command needs).
fn file(program: &str, argv: &[&str], file: &str, extra: &[(&str, &str)], data: &[u8]) {
    let mut w = MemWorld::new();
    for (p, c) in extra {
        w = w.file(p, c);
    }
    let mut w = w.env("PIP_CONFIG_FILE", "/project/pip.conf");
    w.files.insert(w.cwd.join(file), data.to_vec());
    let args: Vec<OsString> = argv.iter().map(OsString::from).collect();
    let _ = crate::cmdline::understand(program.as_ref(), &args, &w);
}

const PACKAGE_JSON: (&str, &str) = ("package.json", r#"{"name":"p","version":"1.0.0"}"#);
const PYPROJECT: (&str, &str) = (
    "pyproject.toml",
    "[project]\nname = \"p\"\nversion = \"1\"\nrequires-python = \">=3.8\"\n",
);

fn text(data: &[u8]) -> Cow<'_, str> {
    String::from_utf8_lossy(data)
}

fn policy(data: &[u8]) {
    use crate::policy::LayerKind;
    let kind = match data.first().map(|b| b % 3) {
        Some(0) => LayerKind::Machine,
        Some(1) => LayerKind::Project,
        _ => LayerKind::User,
    };
    let _ = crate::policy::parse::parse(&text(data), "fuzz.toml", kind);
}

/// The embedded format is trusted (it is part of the binary): `open` must not panic on any
/// bytes; lookups in a damaged one may panic inside the fst library, which is contained.
fn snapshot(data: &[u8]) {
    use crate::reputation::Snapshot;
    let Ok(snap) = Snapshot::open(Cow::Borrowed(data)) else {
        return;
    };
    let _ = crate::contain::contain(|| {
        let _ = snap.malicious(Ecosystem::Npm, "lodash");
        let _ = snap.popular_rank(crate::reputation::snapshot::PopularList::Npm, "lodash");
        let _ = crate::reputation::imitation::check(&snap, Ecosystem::Pypi, "reqeusts");
    });
}

/// The updated format is not trusted (a file in the data directory): open, verify and look
/// up without panicking, contained or not.
fn updated(data: &[u8]) {
    let Ok(u) = crate::reputation::updated::Updated::open(data) else {
        return;
    };
    let _ = u.verify();
    let _ = u.malicious(Ecosystem::Npm, "lodash");
    let _ = u.malicious(Ecosystem::Pypi, "requests");
    let _ = u.len();
}

fn osv_zip(data: &[u8]) {
    let eco = if data.len().is_multiple_of(2) {
        Ecosystem::Npm
    } else {
        Ecosystem::Pypi
    };
    let _ = crate::reputation::feed::parse_zip(eco, "fuzz/all.zip", data, 1_800_000_000);
}

/// One OSV record, put into an archive as `MAL-0.json` (the zip layer is `osv_zip`'s).
fn osv_json(data: &[u8]) {
    use std::io::Write;
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    if zip.start_file("MAL-0.json", options).is_err() || zip.write_all(data).is_err() {
        return;
    }
    let Ok(bytes) = zip.finish() else { return };
    let _ = crate::reputation::feed::parse_zip(
        Ecosystem::Npm,
        "fuzz/all.zip",
        bytes.get_ref(),
        1_800_000_000,
    );
}

/// Redaction must be total and idempotent: redacting twice changes nothing more.
fn redact(data: &[u8]) {
    let s = text(data);
    let once = crate::redact::text(&s);
    assert_eq!(
        crate::redact::text(&once),
        once,
        "redaction is not idempotent"
    );
    let _ = crate::redact::argv(&args(data));
    if let Ok(v) = serde_json::from_slice::<serde_json::Value>(data) {
        let _ = crate::redact::json(v);
    }
}

/// The audit-log verifier over a log file holding `data` (and the log reader `log` uses).
fn audit_log(data: &[u8]) {
    let Ok(dir) = tempfile_dir() else { return };
    let path = dir.join("audit.jsonl");
    if std::fs::write(&path, data).is_ok() {
        let _ = crate::audit::verify(&path, Some("0"), true);
        let _ = crate::audit::read(&path);
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// A fresh private directory under the system's temporary directory.
fn tempfile_dir() -> std::io::Result<std::path::PathBuf> {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    let dir = std::env::temp_dir().join(format!(
        "installguard-fuzz-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    ));
    std::fs::create_dir_all(&dir)?;
    Ok(dir)
}

fn npm_packument(data: &[u8]) {
    let _ = crate::signals::npm::parse(data);
}

fn pypi_page(data: &[u8]) {
    let ct = if data.first() == Some(&b'<') {
        "text/html"
    } else {
        "application/vnd.pypi.simple.v1+json"
    };
    let _ = crate::signals::pypi::parse(data, Some(ct), "requests");
}

/// What `npm install --package-lock-only` writes: read, diffed, pinned, and compared as the
/// after-install check compares it.
fn resolve_npm_lock(data: &[u8]) {
    use crate::resolve::npm;
    if let Ok(lock) = npm::parse_lock(data) {
        let _ = npm::packages(&lock, Some(&lock));
        let _ = npm::drift(&npm::pins(&lock), data, true);
    }
}

/// What `pip install --dry-run --report` writes, and the after-install comparison.
fn resolve_pip_report(data: &[u8]) {
    use crate::resolve::pip;
    if let Ok(items) = pip::parse_report(data) {
        let _ = pip::packages(&items);
        let _ = pip::drift(&pip::pins(&items), data);
    }
}

/// What `uv pip compile --generate-hashes` writes.
fn resolve_uv_lock(data: &[u8]) {
    let locked = crate::resolve::uv::parse_lock(&text(data));
    let _ = crate::resolve::uv::packages(&locked);
}

/// What `brew install --dry-run` prints.
fn resolve_brew_dry_run(data: &[u8]) {
    let names = crate::resolve::brew::parse_dry_run(&text(data));
    let _ = crate::resolve::brew::packages(&names);
}

/// The lockfile pnpm, bun or yarn writes when resolving only, diffed against itself.
fn resolve_js_lock(tool: crate::resolve::js::Js, data: &[u8]) {
    use crate::resolve::js;
    let parsed = match tool {
        js::Js::Pnpm => js::parse_pnpm(&text(data)),
        js::Js::Bun => js::parse_bun(&text(data)),
        js::Js::YarnClassic | js::Js::YarnBerry => js::parse_yarn(&text(data)),
    };
    if let Ok(lock) = parsed {
        let _ = js::packages(tool, &lock, Some(&lock));
    }
}

/// An archive in yarn ≥ 2's cache, read for the install scripts of the package in it.
fn resolve_yarn_zip(data: &[u8]) {
    let _ = crate::resolve::js::zip_scripts_of(data);
}

/// The tools' error output, read to say why a resolution failed.
fn resolve_tool_output(data: &[u8]) {
    let t = text(data);
    let _ = crate::resolve::npm::classify(&t);
    let _ = crate::resolve::js::classify(&t);
    let _ = crate::resolve::uv::classify(&t);
}

macro_rules! targets {
    ($($name:literal => $f:expr),* $(,)?) => {
        /// Every target, by name.
        pub const TARGETS: &[Target] = &[$(Target { name: $name, run: $f }),*];
    };
}

targets! {
    // Command lines (NUL- or newline-separated arguments).
    "argv_pip" => |d| argv("pip", d),
    "argv_python" => |d| argv("python3", d),
    "argv_uv" => |d| argv("uv", d),
    "argv_uvx" => |d| argv("uvx", d),
    "argv_pipx" => |d| argv("pipx", d),
    "argv_poetry" => |d| argv("poetry", d),
    "argv_npm" => |d| argv("npm", d),
    "argv_npx" => |d| argv("npx", d),
    "argv_yarn" => |d| argv("yarn", d),
    "argv_pnpm" => |d| argv("pnpm", d),
    "argv_pnpx" => |d| argv("pnpx", d),
    "argv_bun" => |d| argv("bun", d),
    "argv_bunx" => |d| argv("bunx", d),
    "argv_brew" => |d| argv("brew", d),
    // Files, each read by the command that reads it.
    "requirements" => |d| file("pip", &["install", "-r", "r.txt"], "r.txt", &[], d),
    "pip_conf" => |d| file("pip", &["install", "six"], "pip.conf", &[], d),
    "pyproject" => |d| file("pip", &["install", "."], "pyproject.toml", &[], d),
    "setup_cfg" => |d| file("pip", &["install", "."], "setup.cfg", &[("setup.py", "")], d),
    "pep723_script" => |d| file("uv", &["run", "s.py"], "s.py", &[], d),
    "uv_toml" => |d| file("uv", &["--config-file", "uv.toml", "pip", "install", "six"], "uv.toml", &[], d),
    "uv_lock" => |d| file("uv", &["sync"], "uv.lock", &[PYPROJECT], d),
    "poetry_lock" => |d| file("poetry", &["install"], "poetry.lock", &[PYPROJECT], d),
    "pylock" => |d| file("uv", &["pip", "install", "-r", "pylock.toml"], "pylock.toml", &[], d),
    "package_json" => |d| file("npm", &["install"], "package.json", &[], d),
    "package_lock" => |d| file("npm", &["ci"], "package-lock.json", &[PACKAGE_JSON], d),
    "npmrc" => |d| file("npm", &["install", "lodash"], ".npmrc", &[], d),
    "yarn_lock" => |d| file("yarn", &["install"], "yarn.lock", &[PACKAGE_JSON], d),
    "yarnrc" => |d| file("yarn", &["add", "lodash"], ".yarnrc", &[PACKAGE_JSON], d),
    "yarnrc_yml" => |d| file("yarn", &["add", "lodash"], ".yarnrc.yml", &[PACKAGE_JSON], d),
    "pnpm_lock" => |d| file("pnpm", &["install"], "pnpm-lock.yaml", &[PACKAGE_JSON], d),
    "pnpm_workspace" => |d| file("pnpm", &["install"], "pnpm-workspace.yaml", &[PACKAGE_JSON], d),
    "bun_lock" => |d| file("bun", &["install"], "bun.lock", &[PACKAGE_JSON], d),
    "bunfig" => |d| file("bun", &["add", "lodash"], "bunfig.toml", &[PACKAGE_JSON], d),
    "brewfile" => |d| file("brew", &["bundle"], "Brewfile", &[], d),
    // Policy, data, feeds, registry answers, redaction, the log.
    "policy" => policy,
    "snapshot" => snapshot,
    "updated" => updated,
    "osv_zip" => osv_zip,
    "osv_json" => osv_json,
    "npm_packument" => npm_packument,
    "pypi_page" => pypi_page,
    "redact" => redact,
    "audit_log" => audit_log,
    // What the tools print or write when installguard asks them to resolve only.
    "resolve_npm_lock" => resolve_npm_lock,
    "resolve_pip_report" => resolve_pip_report,
    "resolve_uv_lock" => resolve_uv_lock,
    "resolve_brew_dry_run" => resolve_brew_dry_run,
    "resolve_pnpm_lock" => |d| resolve_js_lock(crate::resolve::js::Js::Pnpm, d),
    "resolve_bun_lock" => |d| resolve_js_lock(crate::resolve::js::Js::Bun, d),
    "resolve_yarn_lock" => |d| resolve_js_lock(crate::resolve::js::Js::YarnBerry, d),
    "resolve_yarn_zip" => resolve_yarn_zip,
    "resolve_tool_output" => resolve_tool_output,
}
