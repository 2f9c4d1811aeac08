//! uv projects: resolve `uv add`, `uv sync` and `uv lock` in a private copy of the project
//! (pyproject.toml, uv.lock, uv.toml, .python-version) with uv's own locking and `--no-build`
//! (`uv add --no-sync --no-build`, `uv lock --no-build`, pointed at the copy with `--project`
//! so the command line's relative paths still mean what they mean: metadata only, nothing
//! built, nothing installed), read the uv.lock it wrote (every package with its version,
//! source, file hashes and dependencies), diff it against the project's, and plan the real
//! run: the checked pyproject.toml and uv.lock put in place, then the command as typed with
//! `--locked` (uv installs exactly that lock or fails; the `--upgrade` options, spent on the
//! checked lock, are left out, as uv refuses them with `--locked`) and no checked package
//! built (`UV_NO_BUILD_PACKAGE`); the lock is compared after. `uv sync --frozen` installs the
//! project's lock as it is: read, not resolved. Pure except [`resolve`]. Does not resolve
//! workspaces, local path sources, `--directory` / `--project` / `--script` (or
//! `UV_PROJECT` / `UV_WORKING_DIR`).

use std::collections::{HashMap, HashSet, VecDeque};
use std::ffi::OsString;
use std::path::{Path, PathBuf};

use super::exec::{Tool, Workdir};
use super::uv::fail;
use super::{
    Builds, Failure, FileWrite, Outcome, Package, Plan, Resolution, Step, Unresolved, Verify,
};
use crate::cmdline::uv::{Command, Scan};
use crate::ecosystem::pep503;

const TOOL: &str = "uv";
const LOCKFILE: &str = "uv.lock";
const CAP: u64 = 64 << 20;

/// One `[[package]]` of a uv.lock.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Locked {
    pub name: String,
    pub version: String,
    /// `registry`, `git`, `url`, `path`, `directory`, `editable`, `virtual`.
    pub source: String,
    /// The source's value (the index URL, the repository, the path).
    pub location: String,
    /// Every file hash (the sdist's first, then the wheels').
    pub hashes: Vec<String>,
    pub wheels: usize,
    pub sdist: bool,
    /// Names (PEP 503) of what it depends on: plain, optional and dev dependencies.
    pub deps: Vec<String>,
}

impl Locked {
    /// The project itself or a workspace member: built from the working tree, not checked
    /// as a package.
    pub fn local(&self) -> bool {
        matches!(self.source.as_str(), "directory" | "editable" | "virtual")
    }

    /// Installing it means building it: nothing but an sdist, or a checkout.
    pub fn builds(&self) -> bool {
        !self.local() && (self.source == "git" || self.wheels == 0)
    }
}

/// Read a uv.lock (`version = 1`).
pub fn parse_lock(text: &str) -> Result<Vec<Locked>, String> {
    let doc = crate::contain::contain({
        let text = text.to_string();
        move || toml_edit::Document::parse(text)
    })
    .map_err(|why| format!("not valid TOML ({why})"))?
    .map_err(|e| format!("not valid TOML: {}", e.message().trim()))?;
    let root = doc.as_table();
    if root.get("version").and_then(toml_edit::Item::as_integer) != Some(1) {
        return Err("lock `version` is not 1 (installguard reads uv.lock version 1)".into());
    }
    let Some(packages) = root
        .get("package")
        .and_then(toml_edit::Item::as_array_of_tables)
    else {
        return Ok(Vec::new());
    };
    let str_of = |t: &dyn toml_edit::TableLike, k: &str| {
        t.get(k)
            .and_then(toml_edit::Item::as_str)
            .map(str::to_string)
    };
    let mut out = Vec::new();
    for t in packages {
        let name = str_of(t, "name").ok_or("a [[package]] without a name")?;
        let version = str_of(t, "version").unwrap_or_default();
        let (source, location) = t
            .get("source")
            .and_then(toml_edit::Item::as_table_like)
            .and_then(|s| {
                s.iter()
                    .next()
                    .map(|(k, v)| (k.to_string(), v.as_str().unwrap_or("").to_string()))
            })
            .unwrap_or_else(|| ("registry".into(), String::new()));
        let mut hashes = Vec::new();
        let sdist = t.get("sdist").and_then(toml_edit::Item::as_table_like);
        if let Some(h) = sdist.and_then(|s| str_of(s, "hash")) {
            hashes.push(h);
        }
        let wheels: Vec<&toml_edit::Value> = t
            .get("wheels")
            .and_then(toml_edit::Item::as_array)
            .map(|a| a.iter().collect())
            .unwrap_or_default();
        for w in &wheels {
            if let Some(h) = w
                .as_inline_table()
                .and_then(|w| w.get("hash"))
                .and_then(toml_edit::Value::as_str)
            {
                hashes.push(h.to_string());
            }
        }
        let mut deps = Vec::new();
        let mut push_deps = |item: Option<&toml_edit::Item>| {
            let Some(a) = item.and_then(toml_edit::Item::as_array) else {
                return;
            };
            for d in a.iter().filter_map(toml_edit::Value::as_inline_table) {
                if let Some(n) = d.get("name").and_then(toml_edit::Value::as_str) {
                    let n = pep503(n);
                    if !deps.contains(&n) {
                        deps.push(n);
                    }
                }
            }
        };
        push_deps(t.get("dependencies"));
        for group in ["optional-dependencies", "dev-dependencies"] {
            if let Some(g) = t.get(group).and_then(toml_edit::Item::as_table_like) {
                for (_, v) in g.iter() {
                    push_deps(Some(v));
                }
            }
        }
        out.push(Locked {
            name,
            version,
            source,
            location,
            hashes,
            wheels: wheels.len(),
            sdist: sdist.is_some(),
            deps,
        });
    }
    Ok(out)
}

/// The checked packages of a lock (the project and workspace members left out): direct when
/// the project depends on them, else with the chain that pulls them in; added, changed or
/// unchanged against the project's lock before.
pub fn packages(new: &[Locked], old: Option<&[Locked]>) -> Vec<Package> {
    let by_name: HashMap<String, &Locked> = new.iter().map(|l| (pep503(&l.name), l)).collect();
    let mut chains: HashMap<String, Vec<String>> = HashMap::new();
    let mut queue: VecDeque<String> = VecDeque::new();
    for root in new.iter().filter(|l| l.local()) {
        for d in &root.deps {
            if by_name.get(d).is_some_and(|l| !l.local()) && !chains.contains_key(d) {
                chains.insert(d.clone(), Vec::new());
                queue.push_back(d.clone());
            }
        }
    }
    let direct: HashSet<String> = chains.keys().cloned().collect();
    while let Some(n) = queue.pop_front() {
        let Some(l) = by_name.get(&n) else { continue };
        let mut chain = chains.get(&n).cloned().unwrap_or_default();
        chain.push(l.name.clone());
        for d in &l.deps {
            if !chains.contains_key(d) {
                chains.insert(d.clone(), chain.clone());
                queue.push_back(d.clone());
            }
        }
    }
    let before: HashMap<String, &Locked> = old
        .unwrap_or_default()
        .iter()
        .map(|l| (pep503(&l.name), l))
        .collect();
    new.iter()
        .filter(|l| !l.local())
        .map(|l| {
            let key = pep503(&l.name);
            let (change, previous) = match before.get(&key) {
                Some(o) if o.version == l.version && o.hashes == l.hashes => ("unchanged", None),
                Some(o) => ("changed", Some(o.version.clone())),
                None => ("added", None),
            };
            let mut p = super::uv::package_of(
                &l.name,
                &l.version,
                &l.hashes,
                direct.contains(&key),
                chains.get(&key).cloned().unwrap_or_default(),
            );
            let r = &mut p.resolved;
            r.source.clone_from(&l.source);
            r.url = (!l.location.is_empty()).then(|| l.location.clone());
            r.change = change.into();
            r.previous = previous;
            if l.builds() {
                r.install_code = vec!["build".into()];
            }
            p
        })
        .collect()
}

/// Options that spend themselves on the lock (uv refuses them with `--locked`).
const SPENT_ON_THE_LOCK: &[&str] = &["--upgrade", "-U", "--upgrade-package", "-P"];

/// Options that put the command outside the project as found from the working directory.
const ELSEWHERE: &[&str] = &["--directory", "--project", "--script"];

/// The user's arguments without the options `drop` names (an argument that also holds other
/// options, a cluster like `-qU`, stays whole: `None`, uv then refuses it itself).
fn without(args: &[OsString], scan: &Scan, drop: &[&str]) -> Option<Vec<OsString>> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < args.len() {
        let group: Vec<_> = scan.options.iter().filter(|o| o.start == i).collect();
        if group.is_empty() {
            out.push(args[i].clone());
            i += 1;
            continue;
        }
        let dropped = group.iter().filter(|o| drop.contains(&o.spell)).count();
        if dropped > 0 && dropped < group.len() {
            return None;
        }
        if dropped == 0 {
            out.extend_from_slice(&args[i..group[0].end]);
        }
        i = group[0].end;
    }
    Some(out)
}

/// Where uv's options end: a `--` after the command word.
fn dashes_at(args: &[OsString], scan: &Scan) -> Option<usize> {
    args.iter()
        .enumerate()
        .skip(scan.command_at + 1)
        .find(|(i, a)| *a == "--" && !scan.options.iter().any(|o| o.start < *i && *i < o.end))
        .map(|(i, _)| i)
}

/// The resolve-only run: `uv add … --no-sync` as typed, `uv lock` with the options of a
/// `uv sync` that `uv lock` also reads; always on the copy (`--project`), `--no-build` unless
/// an index build was allowed. `None`: an argument mixes options that cannot be split.
pub fn resolve_args(
    args: &[OsString],
    scan: &Scan,
    copy: &Path,
    builds: Builds,
) -> Option<Vec<OsString>> {
    let mut out: Vec<OsString> = match scan.command {
        Command::Sync => {
            let mut out = Vec::new();
            for i in 0..args.len() {
                if i == scan.command_at {
                    out.push("lock".into());
                    continue;
                }
                let group: Vec<_> = scan.options.iter().filter(|o| o.start == i).collect();
                if group.is_empty() {
                    continue;
                }
                let keep = group
                    .iter()
                    .filter(|o| o.global || Scan::accepted_by(o.spell, Command::Lock))
                    .count();
                if keep == group.len() {
                    out.extend_from_slice(&args[i..group[0].end]);
                } else if keep > 0 {
                    return None;
                }
            }
            out
        }
        _ => args.to_vec(),
    };
    let mut extra: Vec<OsString> = vec!["--project".into(), copy.into()];
    if scan.command == Command::Add && !scan.has(&["--no-sync"]) {
        extra.push("--no-sync".into());
    }
    if !builds.index {
        extra.push("--no-build".into());
    }
    let at = match scan.command {
        Command::Sync => out.len(),
        _ => dashes_at(args, scan).unwrap_or(out.len()),
    };
    out.splice(at..at, extra);
    Some(out)
}

/// The real run: the command as typed, without the options spent on the lock, with
/// `--locked` (unless given). `None`: an argument mixes options that cannot be split.
pub fn install_args(args: &[OsString], scan: &Scan) -> Option<Vec<OsString>> {
    let mut out = without(args, scan, SPENT_ON_THE_LOCK)?;
    if !scan.has(&["--locked"]) {
        // The dropped options all follow the command word, so it is still where it was.
        let at = out
            .iter()
            .enumerate()
            .skip(scan.command_at + 1)
            .find(|(_, a)| *a == "--")
            .map_or(out.len(), |(i, _)| i);
        out.insert(at, "--locked".into());
    }
    Some(out)
}

fn read(path: &Path) -> Result<Option<Vec<u8>>, String> {
    match crate::files::read_regular(path, CAP) {
        Ok(b) => Ok(Some(b)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(format!("{}: {e}", path.display())),
    }
}

/// Why the project cannot be resolved in a copy: a workspace, or local path sources.
fn not_copyable(manifest: &str) -> Option<&'static str> {
    let doc = toml_edit::Document::parse(manifest.to_string()).ok()?;
    let uv = doc.get("tool").and_then(|t| t.get("uv"))?;
    if uv.get("workspace").is_some() {
        return Some("workspaces are checked by name only (their uv.lock is read)");
    }
    let local = uv
        .get("sources")
        .and_then(toml_edit::Item::as_table_like)
        .is_some_and(|s| {
            s.iter().any(|(_, v)| {
                let one = |t: &dyn toml_edit::TableLike| t.contains_key("path");
                v.as_table_like().is_some_and(one)
                    || v.as_array().is_some_and(|a| {
                        a.iter()
                            .filter_map(toml_edit::Value::as_inline_table)
                            .any(|t| t.contains_key("path"))
                    })
            })
        });
    local.then_some("local path sources are built by uv itself; checked by name only")
}

/// Resolve `uv add|sync|lock` (see the module doc). `args` are uv's arguments.
pub fn resolve(
    tool: &Tool,
    args: &[OsString],
    scan: &Scan,
    builds: Builds,
    timeout: std::time::Duration,
) -> Outcome {
    let unsupported = |why: &str| Outcome::Unresolved(fail(Failure::Unsupported, why.to_string()));
    if let Some(o) = scan.options.iter().find(|o| ELSEWHERE.contains(&o.spell)) {
        return unsupported(&format!(
            "`{}`: commands on another directory, project or script are checked by name only",
            o.spell
        ));
    }
    if let Some(key) = ["UV_PROJECT", "UV_WORKING_DIR"]
        .into_iter()
        .find(|k| std::env::var_os(k).is_some_and(|v| !v.is_empty()))
    {
        return unsupported(&format!(
            "`{key}` moves the project uv works on; checked by name only"
        ));
    }
    // Nothing is installed or written: the names are the whole story.
    let nothing = match scan.command {
        Command::Add => scan.has(&["--frozen"]),
        Command::Lock => scan.has(&[
            "--frozen",
            "--dry-run",
            "--check",
            "--locked",
            "--check-exists",
        ]),
        _ => scan.has(&["--dry-run"]),
    };
    if nothing {
        return Outcome::NotNeeded;
    }
    match project(tool, args, scan, builds, timeout) {
        Ok(o) => o,
        Err(u) => Outcome::Unresolved(u),
    }
}

fn project(
    tool: &Tool,
    args: &[OsString],
    scan: &Scan,
    builds: Builds,
    timeout: std::time::Duration,
) -> Result<Outcome, Unresolved> {
    let cwd = std::env::current_dir().map_err(|e| fail(Failure::ToolFailed, e.to_string()))?;
    let Some(root) = project_root(&cwd) else {
        // uv says there is no project; nothing is installed.
        return Ok(Outcome::NotNeeded);
    };
    let manifest = read(&root.join("pyproject.toml"))
        .map_err(|e| fail(Failure::ToolFailed, e))?
        .unwrap_or_default();
    for dir in root.ancestors() {
        let text = read(&dir.join("pyproject.toml"))
            .ok()
            .flatten()
            .map(|b| String::from_utf8_lossy(&b).into_owned())
            .unwrap_or_default();
        if let Some(why) = not_copyable(&text) {
            return Err(fail(Failure::Unsupported, why.into()));
        }
    }
    let old_lock = read(&root.join(LOCKFILE)).map_err(|e| fail(Failure::ToolFailed, e))?;
    let parse = |b: &[u8]| parse_lock(&String::from_utf8_lossy(b));
    if scan.command == Command::Sync && scan.has(&["--frozen"]) {
        // uv installs the lock as it is: it is the tree.
        let Some(bytes) = &old_lock else {
            return Err(fail(
                Failure::ToolFailed,
                "`--frozen` without a uv.lock".into(),
            ));
        };
        let lock = parse(bytes).map_err(|e| fail(Failure::Unsupported, format!("uv.lock: {e}")))?;
        return Ok(Outcome::Resolved(Resolution {
            tool: TOOL,
            packages: packages(&lock, None),
            notes: vec!["`--frozen`: uv installs the project's uv.lock as it is".into()],
            ..Resolution::default()
        }));
    }
    let work =
        Workdir::new().map_err(|e| fail(Failure::ToolFailed, format!("work directory: {e}")))?;
    let copy = work.path().join("project");
    std::fs::create_dir_all(&copy).map_err(|e| fail(Failure::ToolFailed, e.to_string()))?;
    for f in ["pyproject.toml", LOCKFILE, "uv.toml", ".python-version"] {
        if let Some(b) = read(&root.join(f)).map_err(|e| fail(Failure::ToolFailed, e))? {
            std::fs::write(copy.join(f), b)
                .map_err(|e| fail(Failure::ToolFailed, e.to_string()))?;
        }
    }
    let split = || {
        fail(
            Failure::Unsupported,
            "an argument clusters `-U` or `-P` with other flags; checked by name only".into(),
        )
    };
    let resolve_args = resolve_args(args, scan, &copy, builds).ok_or_else(split)?;
    super::uv::run_uv(tool, &resolve_args, &cwd, &work, timeout).map_err(|mut u| {
        if u.failure == Failure::NeedsBuild {
            u.detail = "nothing was built; if you go ahead, uv builds it to learn what it requires and installguard checks that".into();
        }
        u
    })?;
    let new_bytes = read(&copy.join(LOCKFILE))
        .map_err(|e| fail(Failure::ToolFailed, e))?
        .ok_or_else(|| fail(Failure::ToolFailed, "uv wrote no uv.lock".into()))?;
    let new = parse(&new_bytes).map_err(|e| fail(Failure::Unsupported, format!("uv.lock: {e}")))?;
    let old = old_lock.as_deref().and_then(|b| parse(b).ok());
    let building: Vec<&Locked> = new.iter().filter(|l| l.builds()).collect();
    if !building.is_empty() && !builds.index {
        return Err(Unresolved::needs_build(
            TOOL,
            "nothing was built; the checked uv.lock has no wheel for it, so installing it builds it",
            building.iter().map(|l| l.name.clone()).collect(),
            Builds {
                direct: false,
                index: true,
            },
        ));
    }
    let new_manifest =
        read(&copy.join("pyproject.toml")).map_err(|e| fail(Failure::ToolFailed, e))?;
    let mut writes = Vec::new();
    for (file, new, old) in [
        ("pyproject.toml", new_manifest, Some(manifest)),
        (LOCKFILE, Some(new_bytes.clone()), old_lock),
    ] {
        if let Some(new) = new
            && old.as_deref() != Some(new.as_slice())
        {
            writes.push(FileWrite {
                path: root.join(file),
                bytes: new,
                original: old,
                keep: true,
            });
        }
    }
    let real = install_args(args, scan).ok_or_else(split)?;
    // No checked package is built by the real run (unless building them was allowed).
    let no_build: Vec<String> = new
        .iter()
        .filter(|l| !(l.local() || builds.index && l.builds()))
        .map(|l| l.name.clone())
        .collect();
    let mut env = Vec::new();
    if !no_build.is_empty() {
        env.push(("UV_NO_BUILD_PACKAGE", OsString::from(no_build.join(" "))));
    }
    Ok(Outcome::Resolved(Resolution {
        tool: TOOL,
        packages: packages(&new, old.as_deref()),
        plan: Plan {
            steps: vec![Step { args: real, env }],
            verify: Some(Verify::Unchanged {
                path: root.join(LOCKFILE),
                bytes: new_bytes,
            }),
            writes,
            keep_writes: false,
            workdir: Some(work),
        },
        notes: Vec::new(),
    }))
}

/// The project directory uv finds from `cwd`: the nearest one with a pyproject.toml.
pub fn project_root(cwd: &Path) -> Option<PathBuf> {
    cwd.ancestors()
        .find(|d| d.join("pyproject.toml").is_file())
        .map(Path::to_path_buf)
}

#[cfg(test)]
mod tests {
    use super::*;

    const LOCK: &str = r#"version = 1
revision = 3
requires-python = ">=3.9"

[[package]]
name = "app"
version = "0.1"
source = { virtual = "." }
dependencies = [{ name = "clean" }]

[package.dev-dependencies]
dev = [{ name = "tester" }]

[[package]]
name = "clean"
version = "1.0"
source = { registry = "http://127.0.0.1:1/simple/" }
dependencies = [{ name = "evil" }]
sdist = { url = "http://127.0.0.1:1/files/clean-1.0.tar.gz", hash = "sha256:c0" }
wheels = [{ url = "http://127.0.0.1:1/files/clean-1.0-py3-none-any.whl", hash = "sha256:c1" }]

[[package]]
name = "evil"
version = "2.0rc1"
source = { registry = "http://127.0.0.1:1/simple/" }
sdist = { url = "http://127.0.0.1:1/files/evil-2.0rc1.tar.gz", hash = "sha256:e0" }

[[package]]
name = "tester"
version = "3"
source = { git = "https://example.invalid/tester?rev=abc#abc" }
"#;

    fn args(s: &str) -> (Vec<OsString>, Scan) {
        let text: Vec<String> = s.split_whitespace().map(str::to_string).collect();
        let scan = crate::cmdline::uv::scan(&text, false).unwrap();
        (text.into_iter().map(OsString::from).collect(), scan)
    }

    fn strings(v: &[OsString]) -> Vec<String> {
        v.iter().map(|a| a.to_string_lossy().into_owned()).collect()
    }

    #[test]
    fn the_lock_gives_versions_hashes_sources_and_who_pulls_what_in() {
        let lock = parse_lock(LOCK).unwrap();
        assert_eq!(lock.len(), 4);
        assert!(lock[0].local());
        assert_eq!(lock[0].deps, ["clean", "tester"]);
        assert_eq!(lock[1].hashes, ["sha256:c0", "sha256:c1"]);
        assert!(!lock[1].builds());
        assert!(lock[2].builds(), "an sdist without a wheel is built");
        assert!(lock[3].builds(), "a git checkout is built");
        let pkgs = packages(&lock, None);
        assert_eq!(pkgs.len(), 3, "the project itself is not a package");
        assert!(pkgs[0].resolved.direct);
        assert_eq!(pkgs[1].resolved.required_by, ["clean"]);
        assert!(!pkgs[1].resolved.direct);
        assert_eq!(pkgs[1].resolved.install_code, ["build"]);
        assert_eq!(pkgs[2].resolved.source, "git");
        assert!(pkgs[2].resolved.direct);
        assert!(parse_lock("version = 2\n").is_err());
        assert!(parse_lock("version = 1\n[[package]]\nversion = \"1\"\n").is_err());
    }

    #[test]
    fn the_new_lock_is_diffed_against_the_old_one() {
        let new = parse_lock(LOCK).unwrap();
        let old_text = LOCK
            .replace("2.0rc1", "1.9")
            .replace("name = \"tester\"", "name = \"other\"");
        let old = parse_lock(&old_text).unwrap();
        let pkgs = packages(&new, Some(&old));
        let change: Vec<(&str, &str, Option<&str>)> = pkgs
            .iter()
            .map(|p| {
                (
                    p.name.as_str(),
                    p.resolved.change.as_str(),
                    p.resolved.previous.as_deref(),
                )
            })
            .collect();
        assert_eq!(
            change,
            [
                ("clean", "unchanged", None),
                ("evil", "changed", Some("1.9")),
                ("tester", "added", None)
            ]
        );
    }

    #[test]
    fn the_resolve_only_run_locks_a_copy_and_builds_nothing() {
        let copy = Path::new("/tmp/copy");
        let (a, s) = args("-q add --dev x -r req.txt -- y");
        let got = strings(&resolve_args(&a, &s, copy, Builds::default()).unwrap());
        assert_eq!(
            got,
            [
                "-q",
                "add",
                "--dev",
                "x",
                "-r",
                "req.txt",
                "--project",
                "/tmp/copy",
                "--no-sync",
                "--no-build",
                "--",
                "y"
            ]
        );
        // `uv sync`: `uv lock` with the options it also reads, none of the install ones.
        let (a, s) = args("sync --extra e --upgrade-package p --inexact --python 3.11 -q");
        let allowed = Builds {
            direct: false,
            index: true,
        };
        let got = strings(&resolve_args(&a, &s, copy, allowed).unwrap());
        assert_eq!(
            got,
            [
                "lock",
                "--upgrade-package",
                "p",
                "--python",
                "3.11",
                "-q",
                "--project",
                "/tmp/copy"
            ]
        );
    }

    #[test]
    fn the_real_run_is_the_command_as_typed_locked_without_upgrades() {
        let (a, s) = args("add x -U --group g -P y -- z");
        assert_eq!(
            strings(&install_args(&a, &s).unwrap()),
            ["add", "x", "--group", "g", "--locked", "--", "z"]
        );
        let (a, s) = args("sync --locked --all-extras");
        assert_eq!(
            strings(&install_args(&a, &s).unwrap()),
            ["sync", "--locked", "--all-extras"]
        );
        let (a, s) = args("sync -qU");
        assert!(install_args(&a, &s).is_none(), "a cluster is not split");
    }

    #[test]
    fn workspaces_and_local_sources_are_not_resolved_in_a_copy() {
        assert!(not_copyable("[tool.uv.workspace]\nmembers = [\"a/*\"]\n").is_some());
        assert!(not_copyable("[tool.uv.sources]\nlib = { path = \"../lib\" }\n").is_some());
        assert!(
            not_copyable("[tool.uv.sources]\nlib = [{ path = \"a\", marker = \"x\" }]\n").is_some()
        );
        assert!(not_copyable("[tool.uv.sources]\nlib = { git = \"https://x\" }\n").is_none());
        assert!(not_copyable("[project]\nname = \"a\"\n").is_none());
    }
}
