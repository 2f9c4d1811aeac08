//! uv projects: resolve `uv add`, `remove`, `sync`, `lock`, `run` and `export` in a private copy of
//! the project (pyproject.toml, uv.lock, uv.toml, .python-version; for a member or the root of a uv
//! workspace, the workspace root's files and every member's pyproject.toml, found with
//! `[tool.uv.workspace]` `members` / `exclude`) with uv's own locking and `--no-build` (`uv
//! add|remove --no-sync --no-build`, `uv lock --no-build`, pointed at the copy with `--directory
//! <where uv works> --project <the copy>`, so `--directory`, `--project`, `UV_WORKING_DIR`,
//! `UV_PROJECT` and the command line's relative paths keep their meaning: metadata only, nothing
//! built, nothing installed; `uv sync`, `uv run` and `uv export` lock with the options `uv lock`
//! also reads), read the uv.lock it wrote (every package with its version, source, file hashes and
//! dependencies), diff it against the project's, and plan the real run: every file uv changed in
//! the copy put in place, then the command as typed with `--locked` (uv installs exactly that lock
//! or fails; the `--upgrade` options, spent on the checked lock, are left out, as uv refuses them
//! with `--locked`) and no checked package built (`UV_NO_BUILD_PACKAGE`); the lock is compared
//! after. `uv run` resolves the project like `uv sync` unless it does not sync it (`--no-sync`,
//! `--no-project`, `[tool.uv] managed = false`), a script with inline metadata from its own lock
//! (`<script>.lock`, locked the same way with `--script`), and its `--with` requirements with
//! `resolve::uv`'s compile, pinned with `--with-requirements`. `--frozen` installs the lock as it
//! is: read, not resolved. Local path sources inside the copied directory come along (a directory's
//! pyproject.toml: uv reads its static metadata without building it; a file as it is). Pure except
//! [`resolve`] and what it calls. Does not resolve (checked by name, an `unresolved` finding says
//! why): a path source outside that directory, `--script` of add/lock/sync, a script without a
//! lock, a remote script, `--with-editable`, a guarded program `uv run` starts.

use std::collections::{HashMap, HashSet, VecDeque};
use std::ffi::OsString;
use std::path::{Path, PathBuf};

use super::exec::Tool;
use super::uv::fail;
use super::{
    Builds, Failure, FileWrite, Outcome, Package, Plan, Resolution, Step, Unresolved, Verify,
};
use crate::cmdline::World;
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
    // A script's lock (and a workspace root without a project) names what it requires in
    // `[manifest] requirements`: a local root, as a project's own entry is.
    let required: Vec<String> = root
        .get("manifest")
        .and_then(|m| m.get("requirements"))
        .and_then(toml_edit::Item::as_array)
        .into_iter()
        .flatten()
        .filter_map(|r| r.as_inline_table()?.get("name")?.as_str().map(pep503))
        .collect();
    if !required.is_empty() {
        out.push(Locked {
            name: "(requirements)".into(),
            source: "virtual".into(),
            deps: required,
            ..Locked::default()
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

/// Options that say where uv works: the resolve-only run gets its own, absolute.
const PLACES: &[&str] = &["--directory", "--project"];

/// Options of `uv run` that add requirements to its environment: in the real run, the one
/// checked lock replaces them.
const WITH: &[&str] = &["--with", "-w", "--with-requirements"];

/// The user's arguments without the options `drop` names, with `insert` put before argument
/// `at` (an argument that also holds other options, a cluster like `-qU`, stays whole:
/// `None`, uv then refuses it itself).
fn without(
    args: &[OsString],
    scan: &Scan,
    drop: &[&str],
    at: usize,
    insert: &[OsString],
) -> Option<Vec<OsString>> {
    let mut out = Vec::new();
    let mut i = 0;
    while i <= args.len() {
        if i == at {
            out.extend_from_slice(insert);
        }
        if i == args.len() {
            break;
        }
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

/// Where options put into the command go: before a `--`, and for `uv run` before the command
/// it runs; else at the end.
fn options_end(args: &[OsString], scan: &Scan) -> usize {
    let dashes = dashes_at(args, scan).unwrap_or(args.len());
    match scan.command {
        Command::Run => scan.positionals.first().map_or(dashes, |&p| p.min(dashes)),
        _ => dashes,
    }
}

/// Where uv works and where it looks for the project from: `--directory` (else
/// `UV_WORKING_DIR`) from the working directory, then `--project` (else `UV_PROJECT`) from
/// there; the last of each counts. Pure (`env` reads the environment).
pub fn places(scan: &Scan, cwd: &Path, env: &dyn Fn(&str) -> Option<String>) -> (PathBuf, PathBuf) {
    let last = |spell: &str, var: &str| {
        scan.options
            .iter()
            .rev()
            .find(|o| o.spell == spell)
            .and_then(|o| o.value.clone())
            .or_else(|| env(var))
            .filter(|v| !v.is_empty())
    };
    let base = super::lexical(
        &last("--directory", "UV_WORKING_DIR").map_or_else(|| cwd.to_path_buf(), |d| cwd.join(d)),
    );
    let start = last("--project", "UV_PROJECT").map_or_else(|| base.clone(), |p| base.join(p));
    (base.clone(), super::lexical(&start))
}

/// The resolve-only run: `uv add|remove … --no-sync` as typed, `uv lock` with the options of a
/// `uv sync`, `uv run` or `uv export` that `uv lock` also reads; always on the copy (`--project`) from
/// `base` (`--directory`: the command line's relative paths keep their meaning), `--no-build`
/// unless an index build was allowed. `None`: an argument mixes options that cannot be split.
pub fn resolve_args(
    args: &[OsString],
    scan: &Scan,
    base: &Path,
    place: &[OsString],
    builds: Builds,
) -> Option<Vec<OsString>> {
    let mut out: Vec<OsString> = match scan.command {
        Command::Sync | Command::Run | Command::Export => {
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
                // `--isolated` and `--script` (a flag) are `uv run`'s own; to `uv lock` they
                // mean "read no configuration" and "lock this script".
                let keep = group
                    .iter()
                    .filter(|o| o.global || Scan::accepted_by(o.spell, Command::Lock))
                    .filter(|o| {
                        !PLACES.contains(&o.spell)
                            && !matches!(o.spell, "--isolated" | "--script" | "-s")
                    })
                    .count();
                if keep == group.len() {
                    out.extend_from_slice(&args[i..group[0].end]);
                } else if keep > 0 {
                    return None;
                }
            }
            out
        }
        _ => without(args, scan, PLACES, args.len(), &[])?,
    };
    let mut extra: Vec<OsString> = vec!["--directory".into(), base.into()];
    extra.extend_from_slice(place);
    if matches!(scan.command, Command::Add | Command::Remove) && !scan.has(&["--no-sync"]) {
        extra.push("--no-sync".into());
    }
    if !builds.index {
        extra.push("--no-build".into());
    }
    // `--` cannot come before the command word, nor be an option's value.
    let at = out.iter().position(|a| a == "--").unwrap_or(out.len());
    out.splice(at..at, extra);
    Some(out)
}

/// The real run: the command as typed, without the options spent on the lock, with
/// `--locked` when `locked` (unless given), and for `uv run` the checked lock of its `--with`
/// requirements in place of them. `None`: an argument mixes options that cannot be split.
pub fn install_args(
    args: &[OsString],
    scan: &Scan,
    locked: bool,
    with_lock: Option<&Path>,
) -> Option<Vec<OsString>> {
    let mut drop = SPENT_ON_THE_LOCK.to_vec();
    let mut insert: Vec<OsString> = Vec::new();
    if locked && !scan.has(&["--locked"]) {
        insert.push("--locked".into());
    }
    if let Some(lock) = with_lock {
        drop.extend_from_slice(WITH);
        insert.extend(["--with-requirements".into(), lock.into()]);
    }
    without(args, scan, &drop, options_end(args, scan), &insert)
}

fn read(path: &Path) -> Result<Option<Vec<u8>>, String> {
    match crate::files::read_regular(path, CAP) {
        Ok(b) => Ok(Some(b)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(format!("{}: {e}", path.display())),
    }
}

/// The local paths a pyproject.toml takes dependencies from (`[tool.uv.sources]`, `path`).
fn path_sources(manifest: &str) -> Vec<String> {
    let Ok(doc) = toml_edit::Document::parse(manifest.to_string()) else {
        return Vec::new();
    };
    let Some(sources) = doc
        .get("tool")
        .and_then(|t| t.get("uv"))
        .and_then(|uv| uv.get("sources"))
        .and_then(toml_edit::Item::as_table_like)
    else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let mut one = |t: &dyn toml_edit::TableLike| {
        if let Some(p) = t.get("path").and_then(toml_edit::Item::as_str) {
            out.push(p.to_string());
        }
    };
    for (_, v) in sources.iter() {
        if let Some(t) = v.as_table_like() {
            one(t);
        }
        for t in v
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(toml_edit::Value::as_inline_table)
        {
            one(t);
        }
    }
    out
}

/// Resolve `uv add|remove|sync|lock|run|export` (see the module doc). `args` are uv's arguments.
pub fn resolve(
    tool: &Tool,
    args: &[OsString],
    scan: &Scan,
    world: &dyn World,
    builds: Builds,
    timeout: std::time::Duration,
) -> Outcome {
    if scan.command != Command::Run && scan.has(&["--script"]) {
        return Outcome::Unresolved(fail(
            Failure::Unsupported,
            "`--script`: a script's own lock is checked by name only".into(),
        ));
    }
    // Nothing is installed or written: the names are the whole story.
    let nothing = match scan.command {
        Command::Add | Command::Remove | Command::Export => scan.has(&["--frozen"]),
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
    let resolved = match scan.command {
        Command::Run => run(tool, args, scan, world, builds, timeout),
        _ => project(tool, args, scan, world, builds, timeout)
            .map(|r| r.map_or(Outcome::NotNeeded, Outcome::Resolved)),
    };
    match resolved {
        Ok(o) => o,
        Err(u) => Outcome::Unresolved(u),
    }
}

/// uv's boolish environment values (`UV_FROZEN=1`).
fn env_true(world: &dyn World, key: &str) -> bool {
    world.env(key).is_some_and(|v| {
        matches!(
            v.to_string_lossy().to_ascii_lowercase().as_str(),
            "1" | "true" | "yes" | "y" | "on" | "t"
        )
    })
}

/// Options of `uv run` about the project that `uv pip compile` refuses without one.
const PROJECT_ONLY: &[&str] = &["--extra", "--all-extras", "--group"];

/// `uv run` (see the module doc): the project's environment resolved like `uv sync` unless it
/// is not synced (a script's from its own lock), the `--with` requirements compiled like a
/// tool's; then the command with `--locked` and the checked `--with` lock.
fn run(
    tool: &Tool,
    args: &[OsString],
    scan: &Scan,
    world: &dyn World,
    builds: Builds,
    timeout: std::time::Duration,
) -> Result<Outcome, Unresolved> {
    let unsupported = |why: String| Err(fail(Failure::Unsupported, why));
    let command = scan
        .positionals
        .first()
        .map(|&i| args[i].to_string_lossy().into_owned());
    if scan.has(&["--with-editable"]) {
        return unsupported(
            "`uv run --with-editable`: uv builds the editable project itself; checked by name only"
                .into(),
        );
    }
    let env = |k: &str| world.env(k).map(|v| v.to_string_lossy().into_owned());
    let (base, _) = places(scan, world.cwd(), &env);
    let mut script = None;
    if let Some(cmd) = command.as_deref()
        && !scan.has(&["-m", "--module"])
    {
        let lower = cmd.to_ascii_lowercase();
        if lower.starts_with("https://") || lower.starts_with("http://") {
            return unsupported(format!(
                "uv downloads the script {cmd} and installs what it names only then; checked by name only"
            ));
        }
        let named = scan.has(&["--script", "-s"]) || cmd.ends_with(".py") || cmd.ends_with(".pyw");
        let path = base.join(cmd);
        if named
            && world.is_file(&path)
            && crate::cmdline::pyproject::script_metadata(world, &path.to_string_lossy())
                .is_ok_and(|m| m.is_some())
        {
            script = Some(path);
        }
        if crate::cmdline::Program::from_name(cmd.as_ref()).is_some() {
            let rest: Vec<OsString> = scan.positionals[1..]
                .iter()
                .map(|&i| args[i].clone())
                .collect();
            if crate::cmdline::understand(cmd.as_ref(), &rest, world).is_ok_and(|r| r.installs) {
                return unsupported(format!(
                    "`uv run {cmd} …` installs with the environment's own {cmd}, which no shim sees: checked by name only"
                ));
            }
        }
    }
    let frozen = scan.has(&["--frozen"]) || env_true(world, "UV_FROZEN");
    let part = match script {
        Some(path) => {
            let locking = script_locking(&path);
            if !world.is_file(&locking.root.join(&locking.lock)) {
                return unsupported(format!(
                    "`uv run {}`: a script with inline metadata and no lock is resolved by uv while it runs; checked by name only (`uv lock --script` writes the lock installguard resolves and pins)",
                    command.unwrap_or_default()
                ));
            }
            Some(lock_in_a_copy(
                tool, args, scan, &base, &locking, frozen, builds, timeout,
            )?)
        }
        None if scan.has(&["--no-sync", "--no-project"])
            || env_true(world, "UV_NO_SYNC")
            || env_true(world, "UV_NO_PROJECT")
            || unmanaged(world, scan) =>
        {
            None
        }
        None => project(tool, args, scan, world, builds, timeout)?,
    };
    // The lock is installed as checked (`--frozen`: as it is).
    let locked = part.is_some() && !frozen;
    let mut r = part.unwrap_or_else(|| Resolution {
        tool: TOOL,
        ..Resolution::default()
    });
    let with = super::uv::with_inputs(scan);
    let mut with_lock = None;
    if !with.specs.is_empty() || !with.files.is_empty() {
        let work = match r.plan.workdir.take() {
            Some(w) => w,
            None => super::uv::workdir()?,
        };
        let mut compile_scan = scan.clone();
        compile_scan
            .options
            .retain(|o| !PROJECT_ONLY.contains(&o.spell));
        let (lock, pins) =
            super::uv::compile(tool, args, &compile_scan, &with, builds, timeout, &work)?;
        r.packages.extend(super::uv::packages(&pins));
        r.plan.workdir = Some(work);
        r.notes.push(
            "`uv run --with`: the extra environment is pinned to the checked versions (--with-requirements; uv takes no hashes there)".into(),
        );
        with_lock = Some(lock);
    }
    if !locked && with_lock.is_none() {
        // Nothing resolved to pin: the lock as it is (`--frozen`), or nothing.
        return Ok(if r.packages.is_empty() && r.notes.is_empty() {
            Outcome::NotNeeded
        } else {
            Outcome::Resolved(r)
        });
    }
    let real = install_args(args, scan, locked, with_lock.as_deref()).ok_or_else(split)?;
    let env = r.plan.steps.pop().map(|s| s.env).unwrap_or_default();
    r.plan.steps = vec![Step { args: real, env }];
    Ok(Outcome::Resolved(r))
}

/// Whether the project `uv run` finds says `[tool.uv] managed = false`: uv then neither locks
/// nor syncs it.
fn unmanaged(world: &dyn World, scan: &Scan) -> bool {
    let env = |k: &str| world.env(k).map(|v| v.to_string_lossy().into_owned());
    let (_, start) = places(scan, world.cwd(), &env);
    project_root(&start)
        .and_then(|dir| read(&dir.join("pyproject.toml")).ok().flatten())
        .and_then(|b| toml_edit::Document::parse(String::from_utf8_lossy(&b).into_owned()).ok())
        .and_then(|doc| {
            doc.get("tool")?
                .get("uv")?
                .get("managed")
                .and_then(toml_edit::Item::as_bool)
        })
        == Some(false)
}

fn split() -> Unresolved {
    fail(
        Failure::Unsupported,
        "an argument clusters `-U` or `-P` with other flags; checked by name only".into(),
    )
}

/// What uv locks and where: the directory the files come from (a workspace's root, the
/// project's, the script's), the files copied from it (relative; each one uv changes is
/// written back), the lock, and what points uv at the copy (`--project <dir>`, `--script
/// <file>`, relative to the root).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Locking {
    pub root: PathBuf,
    pub files: Vec<PathBuf>,
    pub lock: PathBuf,
    pub place: (&'static str, PathBuf),
}

/// A script with inline metadata and its own lock (`<script>.lock` beside it).
fn script_locking(path: &Path) -> Locking {
    let name = path.file_name().map(PathBuf::from).unwrap_or_default();
    let mut lock = name.clone().into_os_string();
    lock.push(".lock");
    Locking {
        root: path.parent().map(Path::to_path_buf).unwrap_or_default(),
        files: vec![name.clone()],
        lock: lock.into(),
        place: ("--script", name),
    }
}

/// The project in `dir` as uv locks it: alone, or as a member (or the root) of the uv
/// workspace of the nearest ancestor whose `[tool.uv.workspace]` takes it in, with every
/// member's pyproject.toml. `Err`: a pyproject.toml that cannot be read or has local path
/// sources (uv builds them itself).
pub fn project_locking(world: &dyn World, dir: &Path) -> Result<Locking, String> {
    const SETTINGS: [&str; 3] = ["pyproject.toml", "uv.toml", ".python-version"];
    let mut locking = Locking {
        root: dir.to_path_buf(),
        files: SETTINGS.iter().map(PathBuf::from).collect(),
        lock: LOCKFILE.into(),
        place: ("--project", PathBuf::new()),
    };
    for ancestor in dir.ancestors() {
        let manifest = ancestor.join("pyproject.toml");
        let Some(text) = read(&manifest)? else {
            continue;
        };
        let doc = toml_edit::Document::parse(String::from_utf8_lossy(&text).into_owned()).map_err(
            |e| {
                format!(
                    "{}: not valid TOML: {}",
                    manifest.display(),
                    e.message().trim()
                )
            },
        )?;
        let Some(ws) = doc
            .get("tool")
            .and_then(|t| t.get("uv"))
            .and_then(|u| u.get("workspace"))
        else {
            continue;
        };
        let globs = |key: &str| -> Vec<PathBuf> {
            let mut out = Vec::new();
            for g in ws
                .get(key)
                .and_then(toml_edit::Item::as_array)
                .into_iter()
                .flatten()
                .filter_map(toml_edit::Value::as_str)
            {
                crate::cmdline::npm::workspaces::expand_one(world, ancestor, g, &mut out);
            }
            out
        };
        let excluded = globs("exclude");
        let members: Vec<PathBuf> = globs("members")
            .into_iter()
            .filter(|m| !excluded.contains(m) && world.is_file(&m.join("pyproject.toml")))
            .collect();
        if ancestor == dir || members.iter().any(|m| m == dir) {
            locking.root = ancestor.to_path_buf();
            locking.place.1 = dir.strip_prefix(ancestor).unwrap_or(dir).to_path_buf();
            for m in members {
                if let Ok(rel) = m.strip_prefix(ancestor)
                    && !rel.as_os_str().is_empty()
                {
                    locking.files.push(rel.join("pyproject.toml"));
                }
            }
            locking.files.sort();
            locking.files.dedup();
        }
        // The nearest workspace decides: uv looks no further.
        break;
    }
    // Local path sources inside the root come along: a directory's pyproject.toml (uv reads
    // its static metadata without building it), a wheel or sdist file as it is; their own
    // path sources in turn.
    let mut next = 0;
    while next < locking.files.len() {
        let f = locking.files[next].clone();
        next += 1;
        if !f.ends_with("pyproject.toml") {
            continue;
        }
        let path = locking.root.join(&f);
        let text = read(&path)?.unwrap_or_default();
        for source in path_sources(&String::from_utf8_lossy(&text)) {
            let dir = path.parent().unwrap_or(&locking.root);
            let target = super::lexical(&dir.join(&source));
            let Ok(rel) = target.strip_prefix(&locking.root) else {
                return Err(format!(
                    "{}: the path source `{source}` is outside the project, which is not copied; checked by name only",
                    path.display()
                ));
            };
            let rel = if world.is_dir(&target) {
                rel.join("pyproject.toml")
            } else {
                rel.to_path_buf()
            };
            if !locking.files.contains(&rel) && locking.files.len() < 4096 {
                locking.files.push(rel);
            }
        }
    }
    Ok(locking)
}

/// The project's tree, resolved in a private copy; `None` when uv finds no project.
fn project(
    tool: &Tool,
    args: &[OsString],
    scan: &Scan,
    world: &dyn World,
    builds: Builds,
    timeout: std::time::Duration,
) -> Result<Option<Resolution>, Unresolved> {
    let env = |k: &str| world.env(k).map(|v| v.to_string_lossy().into_owned());
    let (base, start) = places(scan, world.cwd(), &env);
    let Some(dir) = project_root(&start) else {
        // uv says there is no project; nothing is installed.
        return Ok(None);
    };
    let locking = project_locking(world, &dir).map_err(|e| fail(Failure::Unsupported, e))?;
    let frozen = matches!(scan.command, Command::Sync | Command::Run)
        && (scan.has(&["--frozen"]) || env_true(world, "UV_FROZEN"));
    lock_in_a_copy(tool, args, scan, &base, &locking, frozen, builds, timeout).map(Some)
}

/// Lock `locking` in a private copy (uv run from `base`, the command's own options) and plan
/// the real run from the checked lock; `frozen`: the lock as it is is the tree.
#[allow(clippy::too_many_arguments)]
fn lock_in_a_copy(
    tool: &Tool,
    args: &[OsString],
    scan: &Scan,
    base: &Path,
    locking: &Locking,
    frozen: bool,
    builds: Builds,
    timeout: std::time::Duration,
) -> Result<Resolution, Unresolved> {
    let root = &locking.root;
    let lock_name = locking.lock.display().to_string();
    let parse = |b: &[u8]| {
        parse_lock(&String::from_utf8_lossy(b))
            .map_err(|e| fail(Failure::Unsupported, format!("{lock_name}: {e}")))
    };
    let old_lock = read(&root.join(&locking.lock)).map_err(|e| fail(Failure::ToolFailed, e))?;
    if frozen {
        // uv installs the lock as it is: it is the tree.
        let Some(bytes) = &old_lock else {
            return Err(fail(
                Failure::ToolFailed,
                format!("`--frozen` without a {lock_name}"),
            ));
        };
        return Ok(Resolution {
            tool: TOOL,
            packages: packages(&parse(bytes)?, None),
            notes: vec![format!("`--frozen`: uv installs {lock_name} as it is")],
            ..Resolution::default()
        });
    }
    let work = super::uv::workdir()?;
    let copy = work.path().join("project");
    let mut originals = Vec::new();
    for f in locking.files.iter().chain([&locking.lock]) {
        let Some(b) = read(&root.join(f)).map_err(|e| fail(Failure::ToolFailed, e))? else {
            originals.push((f, None));
            continue;
        };
        let to = copy.join(f);
        if let Some(parent) = to.parent() {
            std::fs::create_dir_all(parent)
                .map_err(|e| fail(Failure::ToolFailed, e.to_string()))?;
        }
        std::fs::write(&to, &b).map_err(|e| fail(Failure::ToolFailed, e.to_string()))?;
        originals.push((f, Some(b)));
    }
    let (flag, at) = &locking.place;
    let place = [OsString::from(*flag), copy.join(at).into_os_string()];
    let resolve_args = resolve_args(args, scan, base, &place, builds).ok_or_else(split)?;
    super::uv::run_uv(tool, &resolve_args, base, &work, timeout).map_err(|mut u| {
        if u.failure == Failure::NeedsBuild {
            u.detail = "nothing was built; if you go ahead, uv builds it to learn what it requires and installguard checks that".into();
        }
        u
    })?;
    let new_bytes = read(&copy.join(&locking.lock))
        .map_err(|e| fail(Failure::ToolFailed, e))?
        .ok_or_else(|| fail(Failure::ToolFailed, format!("uv wrote no {lock_name}")))?;
    let new = parse(&new_bytes)?;
    // uv writes a local index or find-links folder relative to the project: the copy's.
    let new_bytes = relocate(&new_bytes, &new, &copy, root);
    let new = parse(&new_bytes)?;
    let old = old_lock.as_deref().and_then(|b| parse(b).ok());
    let building: Vec<&Locked> = new.iter().filter(|l| l.builds()).collect();
    if !building.is_empty() && !builds.index {
        return Err(Unresolved::needs_build(
            TOOL,
            "nothing was built; the checked lock has no wheel for it, so installing it builds it",
            building.iter().map(|l| l.name.clone()).collect(),
            Builds {
                direct: false,
                index: true,
            },
        ));
    }
    // Every file uv changed in the copy (pyproject.toml for `uv add`, the lock) is put in place;
    // for `uv remove`, the lock only: removing is not idempotent, so the real run removes from
    // pyproject.toml itself and `--locked` holds it to the checked lock.
    let mut writes = Vec::new();
    for (f, old) in originals {
        if scan.command == Command::Remove && f != &locking.lock {
            continue;
        }
        let new = if f == &locking.lock {
            Some(new_bytes.clone())
        } else {
            read(&copy.join(f)).map_err(|e| fail(Failure::ToolFailed, e))?
        };
        if let Some(new) = new
            && old.as_deref() != Some(new.as_slice())
        {
            writes.push(FileWrite {
                path: root.join(f),
                bytes: new,
                original: old,
                keep: true,
            });
        }
    }
    let real = install_args(args, scan, true, None).ok_or_else(split)?;
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
    Ok(Resolution {
        tool: TOOL,
        packages: packages(&new, old.as_deref()),
        plan: Plan {
            steps: vec![Step { args: real, env }],
            verify: Some(Verify::Unchanged {
                path: root.join(&locking.lock),
                bytes: new_bytes,
            }),
            writes,
            keep_writes: false,
            workdir: Some(work),
            ..Plan::default()
        },
        notes: Vec::new(),
    })
}

/// A lock uv wrote in the copy `from`, as uv writes it for the project in `to`: each local
/// registry (an index or find-links folder, which uv records relative to the project) made
/// relative to `to`. Pure.
pub fn relocate(lock: &[u8], locked: &[Locked], from: &Path, to: &Path) -> Vec<u8> {
    let mut text = String::from_utf8_lossy(lock).into_owned();
    let mut done: Vec<&str> = Vec::new();
    for l in locked {
        let old = l.location.as_str();
        if l.source != "registry"
            || old.contains("://")
            || old.contains(['"', '\\'])
            || done.contains(&old)
        {
            continue;
        }
        done.push(old);
        let target = super::lexical(&from.join(old));
        let new = relative(&target, to);
        text = text.replace(
            &format!("registry = \"{old}\""),
            &format!("registry = \"{new}\""),
        );
    }
    text.into_bytes()
}

/// `path` relative to `base` (both absolute, lexical), `/`-separated as uv writes it.
fn relative(path: &Path, base: &Path) -> String {
    let (p, b): (Vec<_>, Vec<_>) = (path.components().collect(), base.components().collect());
    let common = p.iter().zip(&b).take_while(|(x, y)| x == y).count();
    let mut parts: Vec<String> = vec!["..".to_string(); b.len() - common];
    parts.extend(
        p[common..]
            .iter()
            .map(|c| c.as_os_str().to_string_lossy().into_owned()),
    );
    if parts.is_empty() {
        ".".into()
    } else {
        parts.join("/")
    }
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
        let copy: Vec<OsString> = ["--project", "/tmp/copy"].map(OsString::from).to_vec();
        let copy = copy.as_slice();
        let base = Path::new("/w/p");
        let place = ["--directory", "/w/p", "--project", "/tmp/copy"];
        let (a, s) = args("-q --project sub add --dev x -r req.txt -- y");
        let got = strings(&resolve_args(&a, &s, base, copy, Builds::default()).unwrap());
        let mut want = vec!["-q", "add", "--dev", "x", "-r", "req.txt"];
        want.extend(place);
        want.extend(["--no-sync", "--no-build", "--", "y"]);
        assert_eq!(got, want, "the user's own places are the work dir's");
        // `uv sync`: `uv lock` with the options it also reads, none of the install ones.
        let (a, s) =
            args("sync --extra e --upgrade-package p --inexact --python 3.11 -q --directory d");
        let allowed = Builds {
            direct: false,
            index: true,
        };
        let got = strings(&resolve_args(&a, &s, base, copy, allowed).unwrap());
        let mut want = vec!["lock", "--upgrade-package", "p", "--python", "3.11", "-q"];
        want.extend(place);
        assert_eq!(got, want);
        // `uv run`: the same, without the command it runs or `--with` / `--isolated`.
        let (a, s) = args("run --with w --isolated -U --script python -c --with");
        let got = strings(&resolve_args(&a, &s, base, copy, allowed).unwrap());
        let mut want = vec!["lock", "-U"];
        want.extend(place);
        assert_eq!(got, want);
    }

    #[test]
    fn the_project_is_found_from_directory_then_project() {
        let cwd = Path::new("/home/u/w");
        let none = |_: &str| None;
        let (_, s) = args("--directory ../d sync --project ./p/../q");
        assert_eq!(
            places(&s, cwd, &none),
            (PathBuf::from("/home/u/d"), PathBuf::from("/home/u/d/q"))
        );
        let env = |k: &str| (k == "UV_PROJECT").then(|| "/abs".to_string());
        let (_, s) = args("sync");
        assert_eq!(places(&s, cwd, &env), (cwd.into(), PathBuf::from("/abs")));
        let (_, s) = args("--project x sync");
        assert_eq!(
            places(&s, cwd, &env).1,
            PathBuf::from("/home/u/w/x"),
            "the command line before the environment"
        );
    }

    #[test]
    fn the_real_run_is_the_command_as_typed_locked_without_upgrades() {
        let (a, s) = args("add x -U --group g -P y -- z");
        assert_eq!(
            strings(&install_args(&a, &s, true, None).unwrap()),
            ["add", "x", "--group", "g", "--locked", "--", "z"]
        );
        let (a, s) = args("sync --locked --all-extras");
        assert_eq!(
            strings(&install_args(&a, &s, true, None).unwrap()),
            ["sync", "--locked", "--all-extras"]
        );
        let (a, s) = args("sync -qU");
        assert!(
            install_args(&a, &s, true, None).is_none(),
            "a cluster is not split"
        );
        // `uv run`: before the command it runs, the checked lock for `--with`.
        let lock = Path::new("/tmp/w.txt");
        let (a, s) = args("run --with a,b -q --with-requirements r.txt cmd --with x");
        assert_eq!(
            strings(&install_args(&a, &s, true, Some(lock)).unwrap()),
            [
                "run",
                "-q",
                "--locked",
                "--with-requirements",
                "/tmp/w.txt",
                "cmd",
                "--with",
                "x"
            ]
        );
        let (a, s) = args("run --no-project -w a -- cmd");
        assert_eq!(
            strings(&install_args(&a, &s, false, Some(lock)).unwrap()),
            [
                "run",
                "--no-project",
                "--with-requirements",
                "/tmp/w.txt",
                "--",
                "cmd"
            ]
        );
    }

    #[test]
    fn local_path_sources_are_read_from_the_manifest() {
        assert_eq!(
            path_sources("[tool.uv.sources]\nlib = { path = \"../lib\" }\n"),
            ["../lib"]
        );
        assert_eq!(
            path_sources("[tool.uv.sources]\nlib = [{ path = \"a\", marker = \"x\" }]\n"),
            ["a"]
        );
        assert!(path_sources("[tool.uv.sources]\nlib = { git = \"https://x\" }\n").is_empty());
        assert!(path_sources("[tool.uv.sources]\nm = { workspace = true }\n").is_empty());
        assert!(path_sources("[project]\nname = \"a\"\n").is_empty());
    }

    #[test]
    fn a_local_registry_is_recorded_relative_to_the_real_project() {
        let lock = "version = 1\n\n[[package]]\nname = \"a\"\nversion = \"1\"\nsource = { registry = \"../../../w/p/wheels\" }\nwheels = [{ path = \"a-1-py3-none-any.whl\" }]\n\n[[package]]\nname = \"b\"\nversion = \"1\"\nsource = { registry = \"https://i/simple\" }\n";
        let locked = parse_lock(lock).unwrap();
        let got = relocate(
            lock.as_bytes(),
            &locked,
            Path::new("/c/o/py"),
            Path::new("/w/p"),
        );
        let got = String::from_utf8(got).unwrap();
        assert!(got.contains("registry = \"wheels\""), "{got}");
        assert!(got.contains("registry = \"https://i/simple\""), "{got}");
        assert_eq!(relative(Path::new("/a/w"), Path::new("/a/b/c")), "../../w");
        assert_eq!(relative(Path::new("/a/b"), Path::new("/a/b")), ".");
    }

    #[test]
    fn a_scripts_lock_names_its_requirements_as_direct() {
        let text = "version = 1\nrevision = 3\n\n[manifest]\nrequirements = [{ name = \"App_X\" }]\n\n[[package]]\nname = \"app-x\"\nversion = \"1\"\nsource = { registry = \"https://i/simple\" }\ndependencies = [{ name = \"dep\" }]\nwheels = [{ url = \"https://i/a.whl\", hash = \"sha256:a\" }]\n\n[[package]]\nname = \"dep\"\nversion = \"2\"\nsource = { registry = \"https://i/simple\" }\nwheels = [{ url = \"https://i/d.whl\", hash = \"sha256:d\" }]\n";
        let lock = parse_lock(text).unwrap();
        let pkgs = packages(&lock, None);
        assert_eq!(pkgs.len(), 2, "the requirements are no package");
        assert!(pkgs[0].resolved.direct);
        assert_eq!(pkgs[1].resolved.required_by, ["app-x"]);
        let l = script_locking(Path::new("/w/tools/s.py"));
        assert_eq!(l.root, Path::new("/w/tools"));
        assert_eq!(l.lock, Path::new("s.py.lock"));
        assert_eq!(l.place, ("--script", PathBuf::from("s.py")));
    }

    #[test]
    fn a_workspace_member_is_locked_from_the_root_with_every_member() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path();
        let write = |rel: &str, text: &str| {
            let p = root.join(rel);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, text).unwrap();
        };
        write(
            "pyproject.toml",
            "[project]\nname = \"r\"\n[tool.uv.workspace]\nmembers = [\"packages/*\"]\nexclude = [\"packages/skip\"]\n",
        );
        write("packages/a/pyproject.toml", "[project]\nname = \"a\"\n");
        write("packages/b/pyproject.toml", "[project]\nname = \"b\"\n");
        write("packages/skip/pyproject.toml", "[project]\nname = \"s\"\n");
        std::fs::create_dir_all(root.join("packages/empty")).unwrap();
        let world = crate::world::OsWorld::new().unwrap();
        let l = project_locking(&world, &root.join("packages/a")).unwrap();
        assert_eq!(l.root, root);
        assert_eq!(l.place, ("--project", PathBuf::from("packages/a")));
        let files: Vec<String> = l.files.iter().map(|f| f.display().to_string()).collect();
        assert_eq!(
            files,
            [
                ".python-version",
                "packages/a/pyproject.toml",
                "packages/b/pyproject.toml",
                "pyproject.toml",
                "uv.toml"
            ]
        );
        // An excluded directory is a project of its own; the root is the workspace's.
        let alone = project_locking(&world, &root.join("packages/skip")).unwrap();
        assert_eq!(alone.root, root.join("packages/skip"));
        assert_eq!(project_locking(&world, root).unwrap().files.len(), 5);
        // Path sources inside come along (a directory's manifest, a file as it is); one
        // outside cannot be copied.
        write(
            "packages/b/pyproject.toml",
            "[project]\nname = \"b\"\n[tool.uv.sources]\nx = { path = \"../../libs/x\" }\nw = { path = \"w.whl\" }\n",
        );
        write("libs/x/pyproject.toml", "[project]\nname = \"x\"\n");
        write("packages/b/w.whl", "");
        let files = project_locking(&world, root).unwrap().files;
        assert!(
            files.contains(&PathBuf::from("libs/x/pyproject.toml"))
                && files.contains(&PathBuf::from("packages/b/w.whl")),
            "{files:?}"
        );
        write(
            "packages/b/pyproject.toml",
            "[project]\nname = \"b\"\n[tool.uv.sources]\nx = { path = \"../../../x\" }\n",
        );
        let err = project_locking(&world, root).unwrap_err();
        assert!(err.contains("packages/b/pyproject.toml"), "{err}");
    }
}
