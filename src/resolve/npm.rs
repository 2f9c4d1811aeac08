//! npm: resolve `npm install|update` in a temporary copy of the project with
//! `--package-lock-only --ignore-scripts` (packuments only: no tarball, no script, no
//! node_modules), read the lockfile npm wrote, diff it against the project's, and plan the real
//! install from exactly that lockfile (put in place, then `npm install` without specs, which
//! installs the lock as it is and checks every tarball's integrity). `npm ci`: the project's
//! lockfile is the tree. Pure except [`resolve`]. Does not read `yarn.lock`, pnpm or bun
//! lockfiles, resolves no folder installs nor projects whose package.json has `file:`
//! dependencies (reported unresolved and checked by name; a local tarball on the command line
//! is resolved, given absolute, the written files respelled for the project), and
//! leaves `exec`/`npx` to `oneoff`. `-g`: resolved in an empty folder, the named packages
//! pinned. `--no-save` / `--no-package-lock`: resolved like a saving install, the checked files
//! put in place for the install and put back after it, npm's record of what it installed
//! compared.

use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};
use std::ffi::OsString;
use std::path::Path;

use serde_json::Value as Json;

use super::exec::{self, Tool, Workdir};
use super::{
    Failure, FileWrite, Outcome, Package, Plan, Resolution, Settings, Step, Unresolved, Verify,
    npm_hook,
};
use crate::cmdline::npm::Shape;
use crate::ecosystem::Ecosystem;
use crate::request::Resolved;

const TOOL: &str = "npm";

/// The lockfile names npm reads, in its order of preference.
pub const LOCKFILES: [&str; 2] = ["npm-shrinkwrap.json", "package-lock.json"];

/// One `packages` entry of a v2/v3 lockfile.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Entry {
    pub name: String,
    pub version: Option<String>,
    pub integrity: Option<String>,
    pub resolved: Option<String>,
    pub has_install_script: bool,
    pub link: bool,
    pub in_bundle: bool,
    /// Names of the packages it depends on (all kinds: it does not matter which for "who
    /// pulls this in").
    pub deps: Vec<String>,
}

/// A lockfile: entries by their path (`node_modules/a/node_modules/b`; `""` is the root).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Lock {
    pub entries: BTreeMap<String, Entry>,
}

/// What the install must leave in the lockfile for one checked entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pin {
    pub path: String,
    pub version: Option<String>,
    pub integrity: Option<String>,
}

/// Read a lockfile npm 7+ writes (lockfileVersion 2 or 3: the `packages` map).
pub fn parse_lock(bytes: &[u8]) -> Result<Lock, String> {
    let doc: Json = serde_json::from_slice(bytes).map_err(|e| format!("not JSON: {e}"))?;
    let version = doc["lockfileVersion"].as_u64().unwrap_or(0);
    let Some(packages) = doc["packages"].as_object() else {
        return Err(format!(
            "lockfileVersion {version} has no `packages` map (npm 7 or newer writes one)"
        ));
    };
    let mut lock = Lock::default();
    for (path, e) in packages {
        let deps = ["dependencies", "optionalDependencies", "peerDependencies"]
            .iter()
            .filter_map(|k| e[*k].as_object())
            .flat_map(|m| m.keys().cloned())
            .collect();
        let name = e["name"]
            .as_str()
            .map_or_else(|| name_of(path).to_string(), str::to_string);
        let s = |k: &str| e[k].as_str().map(str::to_string);
        lock.entries.insert(
            path.clone(),
            Entry {
                name,
                version: s("version"),
                integrity: s("integrity"),
                resolved: s("resolved"),
                has_install_script: e["hasInstallScript"].as_bool() == Some(true),
                link: e["link"].as_bool() == Some(true),
                in_bundle: e["inBundle"].as_bool() == Some(true),
                deps,
            },
        );
    }
    Ok(lock)
}

/// The package name a lockfile path installs: what follows the last `node_modules/`.
pub fn name_of(path: &str) -> &str {
    match path.rfind("node_modules/") {
        Some(i) => &path[i + "node_modules/".len()..],
        None => path,
    }
}

/// Where node would find `dep` required from the package at `from` (the nearest
/// `node_modules/dep` up the tree).
fn locate<'a>(lock: &'a Lock, from: &str, dep: &str) -> Option<&'a str> {
    let mut base = from.to_string();
    loop {
        let candidate = if base.is_empty() {
            format!("node_modules/{dep}")
        } else {
            format!("{base}/node_modules/{dep}")
        };
        if let Some((k, _)) = lock.entries.get_key_value(&candidate) {
            return Some(k.as_str());
        }
        if base.is_empty() {
            return None;
        }
        base = match base.rfind("/node_modules/") {
            Some(i) => base[..i].to_string(),
            None => String::new(),
        };
    }
}

/// For every entry reachable from the root: the chain of package names from a direct
/// dependency down to its parent (empty for direct dependencies). Breadth first, so each
/// gets its shortest chain.
fn chains(lock: &Lock) -> HashMap<String, Vec<String>> {
    let mut out: HashMap<String, Vec<String>> = HashMap::new();
    let mut queue: VecDeque<String> = VecDeque::new();
    if let Some(root) = lock.entries.get("") {
        for d in &root.deps {
            if let Some(p) = locate(lock, "", d)
                && !out.contains_key(p)
            {
                out.insert(p.to_string(), Vec::new());
                queue.push_back(p.to_string());
            }
        }
    }
    while let Some(path) = queue.pop_front() {
        let Some(e) = lock.entries.get(&path) else {
            continue;
        };
        let mut chain = out.get(&path).cloned().unwrap_or_default();
        chain.push(e.name.clone());
        for d in &e.deps {
            if let Some(p) = locate(lock, &path, d)
                && !out.contains_key(p)
            {
                out.insert(p.to_string(), chain.clone());
                queue.push_back(p.to_string());
            }
        }
    }
    out
}

/// Where an entry comes from, from its `resolved` (absent for registry packages when npm is
/// set to omit it) and flags.
fn source_of(e: &Entry) -> &'static str {
    if e.link {
        return "link";
    }
    if e.in_bundle {
        return "bundled";
    }
    match e.resolved.as_deref() {
        None => "registry",
        Some(r) if r.starts_with("git") || r.starts_with("github:") => "git",
        Some(r) if r.starts_with("file:") || !r.contains(':') => "path",
        Some(r) if r.contains("/-/") && r.ends_with(".tgz") => "registry",
        Some(_) => "url",
    }
}

/// The packages of `new` (the lockfile npm wrote), each marked added, changed or unchanged
/// against `old` (the project's lockfile before, if any). Workspace folders and the root are
/// the project's own code and are left out; links are listed as `link`.
pub fn packages(new: &Lock, old: Option<&Lock>) -> Vec<Package> {
    let chains = chains(new);
    let mut out = Vec::new();
    for (path, e) in &new.entries {
        if path.is_empty() || !path.contains("node_modules/") {
            continue;
        }
        let before = old.and_then(|o| o.entries.get(path));
        let (change, previous) = match before {
            None => ("added", None),
            Some(b) if b.version != e.version || b.integrity != e.integrity => {
                ("changed", b.version.clone())
            }
            Some(_) => ("unchanged", None),
        };
        let source = source_of(e);
        let mut install_code = Vec::new();
        if e.has_install_script {
            install_code.push("install-script".to_string());
        }
        if source == "git" {
            install_code.push("git-prepare".to_string());
        }
        let chain = chains.get(path);
        out.push(Package {
            ecosystem: Ecosystem::Npm,
            name: e.name.clone(),
            resolved: Resolved {
                by: TOOL.into(),
                version: e.version.clone(),
                integrity: e.integrity.clone(),
                direct: chain.is_some_and(Vec::is_empty),
                required_by: chain.cloned().unwrap_or_default(),
                source: source.into(),
                url: e.resolved.clone().filter(|r| r.contains(':')),
                change: change.into(),
                previous,
                install_code,
            },
        });
    }
    out
}

/// The pins the installed lockfile must keep: every entry of the checked one.
pub fn pins(lock: &Lock) -> Vec<Pin> {
    lock.entries
        .iter()
        .filter(|(p, _)| !p.is_empty())
        .map(|(p, e)| Pin {
            path: p.clone(),
            version: e.version.clone(),
            integrity: e.integrity.clone(),
        })
        .collect()
}

/// Differences between the checked pins and the lockfile the install left; a checked entry
/// missing from it is drift only when `missing_is_drift` (npm's hidden lockfile lists what was
/// installed, not other platforms' optional packages or omitted dev dependencies).
pub fn drift(
    expect: &[Pin],
    installed: &[u8],
    missing_is_drift: bool,
) -> Result<Vec<String>, String> {
    let lock = parse_lock(installed)?;
    let mut out = Vec::new();
    let mut seen = HashSet::new();
    for pin in expect {
        seen.insert(pin.path.as_str());
        match lock.entries.get(&pin.path) {
            None if !missing_is_drift => {}
            None => out.push(format!(
                "{} was checked but is not in the lockfile",
                pin.path
            )),
            Some(e) if e.version != pin.version || e.integrity != pin.integrity => {
                out.push(format!(
                    "{} is {} in the lockfile, {} was checked",
                    pin.path,
                    e.version.as_deref().unwrap_or("?"),
                    pin.version.as_deref().unwrap_or("?")
                ));
            }
            Some(_) => {}
        }
    }
    for (path, e) in &lock.entries {
        if !path.is_empty() && !seen.contains(path.as_str()) {
            out.push(format!(
                "{path} {} is in the lockfile but was not checked",
                e.version.as_deref().unwrap_or("")
            ));
        }
    }
    Ok(out)
}

/// Why npm failed, from its output.
pub fn classify(output: &str) -> Failure {
    const OFFLINE: [&str; 10] = [
        "ECONNREFUSED",
        "ENOTFOUND",
        "ETIMEDOUT",
        "EAI_AGAIN",
        "ECONNRESET",
        "ENETUNREACH",
        "EHOSTUNREACH",
        "ENOTCACHED",
        "socket hang up",
        "network request to",
    ];
    if OFFLINE.iter().any(|m| output.contains(m)) {
        Failure::Offline
    } else if output.contains("code E404") || output.contains("code ETARGET") {
        Failure::NotFound
    } else {
        Failure::ToolFailed
    }
}

/// The options that make `npm install|update` resolve only: write the lockfile, fetch only
/// packuments, run no script, give up at once when the registry does not answer.
pub fn resolve_only_flags(prefix: &Path, timeout_ms: u64) -> Vec<OsString> {
    let mut p = OsString::from("--prefix=");
    p.push(prefix);
    vec![
        "--package-lock-only".into(),
        "--ignore-scripts".into(),
        "--no-audit".into(),
        "--no-fund".into(),
        "--fetch-retries=0".into(),
        format!("--fetch-timeout={timeout_ms}").into(),
        "--no-progress".into(),
        "--update-notifier=false".into(),
        p,
    ]
}

/// The real install's arguments: the user's, without the package specs (they are in the
/// checked package.json and lockfile now), and `update` becomes `install` (the checked lock
/// already holds the updates).
pub fn install_args(args: &[OsString], shape: &Shape) -> Vec<OsString> {
    args.iter()
        .enumerate()
        .filter(|(i, _)| !shape.specs_at.contains(i))
        .map(|(i, a)| {
            if i == shape.command_at && shape.command == "update" {
                OsString::from("install")
            } else {
                a.clone()
            }
        })
        .collect()
}

/// Local `file:`/`link:` or path dependencies in a manifest: their relative paths would not
/// hold in the temporary copy.
fn local_deps(manifest: &Json) -> Vec<String> {
    let mut out = Vec::new();
    for k in [
        "dependencies",
        "devDependencies",
        "optionalDependencies",
        "peerDependencies",
    ] {
        if let Some(m) = manifest[k].as_object() {
            for (name, spec) in m {
                let s = spec.as_str().unwrap_or("");
                if s.starts_with("file:")
                    || s.starts_with("link:")
                    || s.starts_with('.')
                    || s.starts_with('/')
                    || s.starts_with('~')
                {
                    out.push(format!("{name}@{s}"));
                }
            }
        }
    }
    out
}

/// The workspace patterns a manifest names (`"workspaces": [...]` or `{"packages": [...]}`,
/// as npm, yarn and bun read them).
pub(crate) fn workspace_patterns(manifest: &Json) -> Vec<&str> {
    match &manifest["workspaces"] {
        Json::Array(a) => a.iter().filter_map(Json::as_str).collect(),
        Json::Object(o) => o
            .get("packages")
            .and_then(Json::as_array)
            .map(|a| a.iter().filter_map(Json::as_str).collect())
            .unwrap_or_default(),
        _ => Vec::new(),
    }
}

/// The workspace folders a manifest names (`packages/*`, `apps/web`); `Err` for patterns
/// this copy does not expand (`**`, character classes).
fn workspace_dirs(project: &Path, manifest: &Json) -> Result<Vec<String>, String> {
    expand_workspaces(project, &workspace_patterns(manifest))
}

/// The folders (with a package.json) that workspace patterns name, relative to `project`;
/// `Err` for patterns the private copy does not expand (`**`, negations, character classes).
pub(crate) fn expand_workspaces(project: &Path, patterns: &[&str]) -> Result<Vec<String>, String> {
    let mut out = Vec::new();
    for p in patterns {
        let p = p.trim_start_matches("./").trim_end_matches('/');
        if p.contains("..") || p.starts_with('/') {
            return Err(format!("workspace `{p}` is outside the project"));
        }
        match p.strip_suffix("/*") {
            Some(dir) if !dir.contains(['*', '?', '[', '{', '!']) => {
                let Ok(rd) = std::fs::read_dir(project.join(dir)) else {
                    continue;
                };
                let mut found: Vec<String> = rd
                    .flatten()
                    .filter(|e| e.path().join("package.json").is_file())
                    .map(|e| format!("{dir}/{}", e.file_name().to_string_lossy()))
                    .collect();
                found.sort();
                out.extend(found);
            }
            None if !p.contains(['*', '?', '[', '{', '!']) => out.push(p.to_string()),
            _ => {
                return Err(format!(
                    "workspace pattern `{p}` is not resolved by installguard"
                ));
            }
        }
    }
    Ok(out)
}

const MANIFEST_CAP: u64 = 64 << 20;

fn read(path: &Path) -> Result<Option<Vec<u8>>, String> {
    match crate::files::read_regular(path, MANIFEST_CAP) {
        Ok(b) => Ok(Some(b)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(format!("{}: {e}", path.display())),
    }
}

/// Resolve an `npm` command (see the module doc). `args` are the arguments after `npm`.
pub fn resolve(tool: &Tool, args: &[OsString], shape: &Shape, settings: &Settings) -> Outcome {
    let timeout = settings.timeout;
    let unsupported =
        |why: &str| Outcome::Unresolved(Unresolved::new(TOOL, Failure::Unsupported, why));
    if shape.nothing_installed {
        return Outcome::NotNeeded;
    }
    match shape.command {
        "install" | "update" | "ci" => {}
        other => return unsupported(&format!("`npm {other}` is checked by name only")),
    }
    if shape.global {
        return match shape.command {
            "install" if !shape.specs_at.is_empty() => match global(tool, args, shape, timeout) {
                Ok(o) => o,
                Err(u) => Outcome::Unresolved(u),
            },
            _ => unsupported(
                "global updates and installs of the current directory have no lockfile to pin; checked by name only",
            ),
        };
    }
    match project(tool, args, shape, settings) {
        Ok(o) => o,
        Err(u) => Outcome::Unresolved(u),
    }
}

fn project(
    tool: &Tool,
    args: &[OsString],
    shape: &Shape,
    settings: &Settings,
) -> Result<Outcome, Unresolved> {
    let timeout = settings.timeout;
    let fail = |f: Failure, d: String| Unresolved::new(TOOL, f, d);
    let prefix = &shape.local_prefix;
    let manifest_bytes =
        read(&prefix.join("package.json")).map_err(|e| fail(Failure::ToolFailed, e))?;
    let (lock_name, old_lock_bytes) = {
        let mut found = ("package-lock.json", None);
        for name in LOCKFILES {
            if let Some(b) = read(&prefix.join(name)).map_err(|e| fail(Failure::ToolFailed, e))? {
                found = (name, Some(b));
                break;
            }
        }
        found
    };
    if shape.command == "ci" {
        let Some(bytes) = old_lock_bytes else {
            return Ok(Outcome::NotNeeded); // npm ci refuses by itself
        };
        let lock = parse_lock(&bytes)
            .map_err(|e| fail(Failure::Unsupported, format!("{lock_name}: {e}")))?;
        let mut packages = packages(&lock, None);
        for p in &mut packages {
            p.resolved.change = "added".into();
        }
        return Ok(Outcome::Resolved(Resolution {
            tool: TOOL,
            packages,
            plan: Plan {
                verify: Some(Verify::NpmLock {
                    path: prefix.join(lock_name),
                    expect: pins(&lock),
                }),
                ..Plan::default()
            },
            notes: Vec::new(),
        }));
    }
    let manifest: Json = match &manifest_bytes {
        Some(b) => serde_json::from_slice(b)
            .map_err(|e| fail(Failure::ToolFailed, format!("package.json: not JSON: {e}")))?,
        None => Json::Null,
    };
    let locals = local_deps(&manifest);
    if !locals.is_empty() {
        return Err(fail(
            Failure::Unsupported,
            format!(
                "local dependencies ({}) are not resolved",
                locals.join(", ")
            ),
        ));
    }
    let workspaces =
        workspace_dirs(prefix, &manifest).map_err(|e| fail(Failure::Unsupported, e))?;
    let paths = path_specs(args, shape).map_err(|e| fail(Failure::Unsupported, e))?;
    // One npm process when the guard may start the install itself; else why two runs.
    let two_runs = if settings.install_env.is_empty() {
        None
    } else if shape.no_save || shape.no_lockfile {
        Some(
            "--no-save / --no-package-lock (the checked files are put in place, then back)"
                .to_string(),
        )
    } else if !paths.is_empty() {
        Some("a local path spec (resolved in a private copy of the project)".to_string())
    } else {
        match npm_hook::locate(&tool.real) {
            Some((node, cli)) => {
                let old_lock = old_lock_bytes.as_deref().and_then(|b| parse_lock(b).ok());
                return one_process(
                    &node,
                    &cli,
                    args,
                    settings,
                    &prefix.join(lock_name),
                    old_lock.as_ref(),
                );
            }
            None => Some(format!(
                "{} is not the own npm-cli.js of an npm the one-process hook was measured with (npm 11; or a wrapper or shim): resolved first, then installed",
                tool.real.display()
            )),
        }
    };
    let work =
        Workdir::new().map_err(|e| fail(Failure::ToolFailed, format!("work directory: {e}")))?;
    let copy = work.path().join("project");
    let put = |rel: &str, bytes: &[u8]| -> Result<(), Unresolved> {
        let to = copy.join(rel);
        if let Some(d) = to.parent() {
            std::fs::create_dir_all(d)
                .map_err(|e| fail(Failure::ToolFailed, format!("{}: {e}", d.display())))?;
        }
        std::fs::write(&to, bytes)
            .map_err(|e| fail(Failure::ToolFailed, format!("{}: {e}", to.display())))
    };
    std::fs::create_dir_all(&copy).map_err(|e| fail(Failure::ToolFailed, format!("{e}")))?;
    if let Some(b) = &manifest_bytes {
        put("package.json", b)?;
    }
    // `--no-package-lock`: npm resolves without reading the lockfile; so does the copy.
    if let Some(b) = old_lock_bytes.as_ref().filter(|_| !shape.no_lockfile) {
        put(lock_name, b)?;
    }
    if let Some(b) = read(&prefix.join(".npmrc")).map_err(|e| fail(Failure::ToolFailed, e))? {
        put(".npmrc", &b)?;
    }
    for w in &workspaces {
        let rel = format!("{w}/package.json");
        if let Some(b) = read(&prefix.join(&rel)).map_err(|e| fail(Failure::ToolFailed, e))? {
            put(&rel, &b)?;
        }
    }
    let timeout_ms = timeout.as_millis().clamp(1_000, 60_000) as u64;
    // The lockfile is the resolution's output even when the user keeps npm from writing one.
    let mut flags = resolve_only_flags(&copy, timeout_ms);
    flags.extend(["--save=true".into(), "--package-lock=true".into()]);
    let run_args = super::with_options(&absolute_args(args, &paths), dashes_at(args), &flags);
    let ran = exec::run(tool, &run_args, &copy, &[], &work, timeout)
        .map_err(|e| fail(Failure::ToolFailed, format!("cannot run npm: {e}")))?;
    if let Some(u) = ran.stopped(TOOL, timeout) {
        return Err(u);
    }
    if !ran.ok() {
        let out = ran.output();
        return Err(fail(classify(&out), super::tail(&ran.stderr, 3)));
    }
    // npm writes the shrinkwrap when the project has one, else package-lock.json.
    let new_lock_bytes = read(&copy.join(lock_name))
        .map_err(|e| fail(Failure::ToolFailed, e))?
        .ok_or_else(|| fail(Failure::ToolFailed, format!("npm wrote no {lock_name}")))?;
    let new_lock_bytes = respelled(new_lock_bytes, &paths, &copy, prefix)
        .map_err(|e| fail(Failure::Unsupported, format!("{lock_name}: {e}")))?;
    let new_lock = parse_lock(&new_lock_bytes)
        .map_err(|e| fail(Failure::ToolFailed, format!("{lock_name}: {e}")))?;
    let old_lock = old_lock_bytes
        .as_deref()
        .filter(|_| !shape.no_lockfile)
        .and_then(|b| parse_lock(b).ok());
    let new_manifest = read(&copy.join("package.json"))
        .map_err(|e| fail(Failure::ToolFailed, e))?
        .map(|b| respelled(b, &paths, &copy, prefix))
        .transpose()
        .map_err(|e| fail(Failure::Unsupported, format!("package.json: {e}")))?;
    // `--no-save`: neither file stays; `--no-package-lock`: the lockfile does not.
    let mut writes = Vec::new();
    for (name, new, old, keep) in [
        ("package.json", new_manifest, manifest_bytes, !shape.no_save),
        (
            lock_name,
            Some(new_lock_bytes),
            old_lock_bytes,
            !shape.no_save && !shape.no_lockfile,
        ),
    ] {
        if let Some(new) = new
            && old.as_deref() != Some(new.as_slice())
        {
            writes.push(FileWrite {
                path: prefix.join(name),
                bytes: new,
                original: old,
                keep,
            });
        }
    }
    let mut step = install_args(args, shape);
    let mut notes = Vec::new();
    let expect = pins(&new_lock);
    let verify = if shape.no_save || shape.no_lockfile {
        // npm installs from the checked lockfile only when it reads one.
        if shape.no_lockfile {
            step = super::with_options(&step, dashes_at(&step), &["--package-lock=true".into()]);
        }
        notes.push(
            "the checked package.json and lockfile were npm's input for this install and were \
             put back after it (--no-save / --no-package-lock): npm's record of what it \
             installed (node_modules/.package-lock.json) is compared with the checked tree"
                .to_string(),
        );
        Verify::NpmInstalled {
            path: prefix.join("node_modules/.package-lock.json"),
            expect,
        }
    } else {
        Verify::NpmLock {
            path: prefix.join(lock_name),
            expect,
        }
    };
    Ok(Outcome::Resolved(Resolution {
        tool: TOOL,
        packages: packages(&new_lock, old_lock.as_ref()),
        plan: Plan {
            steps: vec![Step {
                args: step,
                env: Vec::new(),
            }],
            verify: Some(verify),
            writes,
            keep_writes: false,
            workdir: Some(work),
            runs: two_runs.map(|why| format!("{TWO_NPM}: {why}")),
            ..Plan::default()
        },
        notes,
    }))
}

/// How a project install ran, for the record.
const ONE_NPM: &str = "one npm process (the install waited for the verdict on its own tree)";
const TWO_NPM: &str = "two npm runs (resolve-only, then the install from the checked lockfile)";

/// A project install as one npm process ([`npm_hook`]): npm runs with the user's arguments
/// where they typed them, hands over the tree it would install and waits; the plan holds it
/// (no steps, nothing put in place: npm writes its files itself) and compares the lockfile it
/// writes with the one checked. `lock` is where that lockfile goes, `old` what it held.
fn one_process(
    node: &Path,
    cli: &Path,
    args: &[OsString],
    settings: &Settings,
    lock: &Path,
    old: Option<&Lock>,
) -> Result<Outcome, Unresolved> {
    let fail = |f: Failure, d: String| Unresolved::new(TOOL, f, d);
    let work =
        Workdir::new().map_err(|e| fail(Failure::ToolFailed, format!("work directory: {e}")))?;
    let mut hooked = npm_hook::start(node, cli, args, &settings.install_env, &work)
        .map_err(|e| fail(Failure::ToolFailed, format!("cannot run npm: {e}")))?;
    let bytes = npm_hook::lockfile(&mut hooked, settings.timeout)?;
    // Anything wrong from here drops `hooked` unanswered: npm is told no.
    let new =
        parse_lock(&bytes).map_err(|e| fail(Failure::ToolFailed, format!("npm's tree: {e}")))?;
    Ok(Outcome::Resolved(Resolution {
        tool: TOOL,
        packages: packages(&new, old),
        plan: Plan {
            verify: Some(Verify::NpmLock {
                path: lock.to_path_buf(),
                expect: pins(&new),
            }),
            hooked: Some(Box::new(hooked)),
            one_process: true,
            runs: Some(ONE_NPM.into()),
            workdir: Some(work),
            ..Plan::default()
        },
        notes: Vec::new(),
    }))
}

/// `npm install -g <specs>`: resolved as a project of its own in an empty private directory
/// (`--global=false`), then installed globally with each registry spec pinned to the checked
/// version. A global install keeps no lockfile, so its dependencies are pinned by npm's own
/// resolution at install time, not by the guard: said in a note, and nothing is compared after.
fn global(
    tool: &Tool,
    args: &[OsString],
    shape: &Shape,
    timeout: std::time::Duration,
) -> Result<Outcome, Unresolved> {
    let fail = |f: Failure, d: String| Unresolved::new(TOOL, f, d);
    let work =
        Workdir::new().map_err(|e| fail(Failure::ToolFailed, format!("work directory: {e}")))?;
    let copy = work.path().join("global");
    std::fs::create_dir_all(&copy).map_err(|e| fail(Failure::ToolFailed, e.to_string()))?;
    let timeout_ms = timeout.as_millis().clamp(1_000, 60_000) as u64;
    let mut flags = resolve_only_flags(&copy, timeout_ms);
    flags.extend(["--global=false".into(), "--location=project".into()]);
    let paths = path_specs(args, shape).map_err(|e| fail(Failure::Unsupported, e))?;
    let run_args = super::with_options(&absolute_args(args, &paths), dashes_at(args), &flags);
    let ran = exec::run(tool, &run_args, &copy, &[], &work, timeout)
        .map_err(|e| fail(Failure::ToolFailed, format!("cannot run npm: {e}")))?;
    if let Some(u) = ran.stopped(TOOL, timeout) {
        return Err(u);
    }
    if !ran.ok() {
        return Err(fail(classify(&ran.output()), super::tail(&ran.stderr, 3)));
    }
    let bytes = read(&copy.join("package-lock.json"))
        .map_err(|e| fail(Failure::ToolFailed, e))?
        .ok_or_else(|| fail(Failure::ToolFailed, "npm wrote no package-lock.json".into()))?;
    let lock = parse_lock(&bytes)
        .map_err(|e| fail(Failure::ToolFailed, format!("package-lock.json: {e}")))?;
    let real = pin_specs(args, shape, &lock);
    Ok(Outcome::Resolved(Resolution {
        tool: TOOL,
        packages: packages(&lock, None),
        plan: Plan {
            steps: vec![Step {
                args: real,
                env: Vec::new(),
            }],
            workdir: Some(work),
            ..Plan::default()
        },
        notes: vec![
            "a global install keeps no lockfile: the packages named are pinned to the checked \
             versions, their dependencies are resolved again by npm as it installs"
                .into(),
        ],
    }))
}

/// The arguments with every registry spec pinned to the version the lockfile resolved for it
/// (`lodash` → `lodash@4.17.21`, `@s/x@^2` → `@s/x@2.1.0`); git, URL and path specs as they are.
pub fn pin_specs(args: &[OsString], shape: &Shape, lock: &Lock) -> Vec<OsString> {
    use crate::cmdline::npm::spec::{SpecType, npa};
    args.iter()
        .enumerate()
        .map(|(i, a)| {
            if !shape.specs_at.contains(&i) {
                return a.clone();
            }
            let text = a.to_string_lossy();
            let Ok(spec) = npa(&text) else {
                return a.clone();
            };
            let Some(name) = spec.name.filter(|_| spec.ty == SpecType::Registry) else {
                return a.clone();
            };
            match lock
                .entries
                .get(&format!("node_modules/{name}"))
                .and_then(|e| e.version.as_deref())
            {
                Some(v) => OsString::from(format!("{name}@{v}")),
                None => a.clone(),
            }
        })
        .collect()
}

/// A local tarball spec (`./x.tgz`, `file:../x.tgz`, `name@/abs/x.tgz`) on the command line, made
/// absolute for the resolve-only run in the private copy: npm reads it from its working
/// directory and saves it relative to the project (`file:<relative>`), so the copy's files
/// spell it relative to the copy and are respelled for the project before they are used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PathSpec {
    /// Where in argv.
    pub at: usize,
    /// The argument for the resolve-only run (`[name@]file:<absolute>`).
    pub absolute: String,
    /// The tarball, absolute.
    pub target: std::path::PathBuf,
}

/// The local tarball specs among the command's specs (see [`PathSpec`]); a folder, a `~/`
/// spec or one whose text cannot be respelled safely (not UTF-8, quotes, backslashes) is
/// refused with why.
pub fn path_specs(args: &[OsString], shape: &Shape) -> Result<Vec<PathSpec>, String> {
    let mut out = Vec::new();
    for &at in &shape.specs_at {
        let Some(text) = args.get(at).and_then(|a| a.to_str()) else {
            continue;
        };
        if let Some(mut p) = tarball_spec(text, &shape.cwd)? {
            p.at = at;
            out.push(p);
        }
    }
    Ok(out)
}

/// One spec read from `cwd`: `Some` for a local tarball (its `at` left 0), `None` for any
/// spec that is not a path, an error for a folder or a path written in a way not respelled.
pub fn tarball_spec(text: &str, cwd: &Path) -> Result<Option<PathSpec>, String> {
    use crate::cmdline::npm::spec::{SpecType, npa};
    let Ok(spec) = npa(text) else { return Ok(None) };
    if !matches!(spec.ty, SpecType::File | SpecType::Directory) {
        return Ok(None);
    }
    let (name, rest) = match &spec.name {
        Some(n) => (Some(n.as_str()), &text[n.len() + 1..]),
        None => (None, text),
    };
    let raw = rest
        .get(..5)
        .filter(|p| p.eq_ignore_ascii_case("file:"))
        .map_or(rest, |_| &rest[5..]);
    if spec.ty == SpecType::Directory {
        return Err(format!(
            "`{text}` is a folder: npm links it and places its dependencies by where it is \
             (hoisted when it is inside the project), which a private copy elsewhere cannot \
             reproduce; not resolved"
        ));
    }
    if raw.starts_with('~') || raw.contains(['"', '\\']) {
        return Err(format!(
            "`{text}`: a path spec written this way is not resolved"
        ));
    }
    let target = lexical(&cwd.join(raw));
    let Some(abs) = target.to_str() else {
        return Err(format!("`{text}`: the path is not UTF-8"));
    };
    Ok(Some(PathSpec {
        at: 0,
        absolute: match name {
            Some(n) => format!("{n}@file:{abs}"),
            None => format!("file:{abs}"),
        },
        target: target.clone(),
    }))
}

/// `args` with each path spec absolute (see [`PathSpec`]).
fn absolute_args(args: &[OsString], paths: &[PathSpec]) -> Vec<OsString> {
    let mut out = args.to_vec();
    for p in paths {
        out[p.at] = OsString::from(&p.absolute);
    }
    out
}

/// A file npm wrote in the copy, its path specs respelled for the project; refused when a
/// spelling relative to the copy is left (npm saved it in a way not foreseen).
pub fn respelled(
    bytes: Vec<u8>,
    paths: &[PathSpec],
    copy: &Path,
    project: &Path,
) -> Result<Vec<u8>, String> {
    if paths.is_empty() {
        return Ok(bytes);
    }
    let text = String::from_utf8(bytes).map_err(|_| "not UTF-8".to_string())?;
    let out = respell(&text, paths, copy, project);
    let work = copy.parent().unwrap_or(copy);
    let left = |p: &PathSpec| {
        let from = relative(copy, &p.target);
        from != relative(project, &p.target) && out.contains(&from)
    };
    if paths.iter().any(left) || out.contains(&*work.to_string_lossy()) {
        return Err(
            "npm saved a local path relative to the private copy in a way installguard does \
             not respell"
                .into(),
        );
    }
    Ok(out.into_bytes())
}

/// `path` with `.` and `..` taken out, without reading the file system (Node's `path.resolve`).
fn lexical(path: &Path) -> std::path::PathBuf {
    use std::path::Component;
    let mut out = std::path::PathBuf::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

/// Node's `path.relative(from, to)` for absolute, lexical paths (`""` when they are equal).
pub fn relative(from: &Path, to: &Path) -> String {
    let a: Vec<_> = from.components().collect();
    let b: Vec<_> = to.components().collect();
    let common = a.iter().zip(&b).take_while(|(x, y)| x == y).count();
    let mut parts: Vec<String> = vec!["..".into(); a.len() - common];
    parts.extend(
        b[common..]
            .iter()
            .map(|c| c.as_os_str().to_string_lossy().into_owned()),
    );
    parts.join("/")
}

/// The copy's package.json or lockfile text with each tarball spec respelled from the copy
/// (`"file:<relative to copy>`) to the project.
pub fn respell(text: &str, specs: &[PathSpec], copy: &Path, project: &Path) -> String {
    let mut out = text.to_string();
    for s in specs {
        let (from, to) = (relative(copy, &s.target), relative(project, &s.target));
        out = out.replace(&format!("\"file:{from}"), &format!("\"file:{to}"));
    }
    out
}

/// Where a bare `--` ends npm's options.
fn dashes_at(args: &[OsString]) -> Option<usize> {
    args.iter().position(|a| a == "--")
}

#[cfg(test)]
mod tests {
    use super::*;

    const LOCK: &str = r#"{
      "name": "proj", "lockfileVersion": 3, "requires": true,
      "packages": {
        "": {"name": "proj", "dependencies": {"clean": "^1.0.0", "other": "^2"}},
        "node_modules/clean": {"version": "1.0.0", "integrity": "sha512-c",
            "dependencies": {"evil": "^1.0.0", "shared": "1"}},
        "node_modules/clean/node_modules/shared": {"version": "1.0.0", "integrity": "sha512-s1"},
        "node_modules/evil": {"version": "1.0.0", "integrity": "sha512-e", "hasInstallScript": true,
            "dependencies": {"shared": "2"}},
        "node_modules/shared": {"version": "2.0.0", "integrity": "sha512-s2"},
        "node_modules/other": {"version": "2.1.0-beta.1", "resolved": "git+ssh://git@github.com/o/other.git#abc"},
        "node_modules/alias": {"name": "real-pkg", "version": "3.0.0", "resolved": "https://registry.npmjs.org/real-pkg/-/real-pkg-3.0.0.tgz", "integrity": "sha512-r"},
        "packages/ws": {"name": "ws-local", "version": "0.0.1"},
        "node_modules/ws-local": {"resolved": "packages/ws", "link": true}
      }
    }"#;

    fn by_path<'a>(pkgs: &'a [Package], name: &str, version: &str) -> &'a Package {
        pkgs.iter()
            .find(|p| p.name == name && p.resolved.version.as_deref() == Some(version))
            .unwrap_or_else(|| panic!("{name} {version} missing"))
    }

    #[test]
    fn lockfile_entries_become_packages_with_who_pulls_them_in() {
        let lock = parse_lock(LOCK.as_bytes()).unwrap();
        let pkgs = packages(&lock, None);
        assert_eq!(
            pkgs.len(),
            7,
            "workspace folders and the root are left out: {pkgs:#?}"
        );
        let clean = by_path(&pkgs, "clean", "1.0.0");
        assert!(clean.resolved.direct && clean.resolved.required_by.is_empty());
        let evil = by_path(&pkgs, "evil", "1.0.0");
        assert!(!evil.resolved.direct);
        assert_eq!(evil.resolved.required_by, ["clean"]);
        assert_eq!(evil.resolved.install_code, ["install-script"]);
        assert_eq!(evil.resolved.source, "registry");
        assert_eq!(evil.resolved.integrity.as_deref(), Some("sha512-e"));
        // node's lookup: clean's own nested copy, evil's from the top.
        assert_eq!(
            by_path(&pkgs, "shared", "1.0.0").resolved.required_by,
            ["clean"]
        );
        assert_eq!(
            by_path(&pkgs, "shared", "2.0.0").resolved.required_by,
            ["clean", "evil"]
        );
        let other = by_path(&pkgs, "other", "2.1.0-beta.1");
        assert_eq!(other.resolved.source, "git");
        assert_eq!(other.resolved.install_code, ["git-prepare"]);
        // An alias is checked under the package it really installs.
        assert_eq!(
            by_path(&pkgs, "real-pkg", "3.0.0").resolved.source,
            "registry"
        );
        let link = pkgs.iter().find(|p| p.name == "ws-local").unwrap();
        assert_eq!(link.resolved.source, "link");
    }

    #[test]
    fn diff_against_the_old_lockfile() {
        let new = parse_lock(LOCK.as_bytes()).unwrap();
        let mut old = new.clone();
        old.entries.remove("node_modules/evil");
        old.entries.get_mut("node_modules/clean").unwrap().version = Some("0.9.0".into());
        let pkgs = packages(&new, Some(&old));
        assert_eq!(by_path(&pkgs, "evil", "1.0.0").resolved.change, "added");
        let clean = by_path(&pkgs, "clean", "1.0.0");
        assert_eq!(clean.resolved.change, "changed");
        assert_eq!(clean.resolved.previous.as_deref(), Some("0.9.0"));
        assert_eq!(
            by_path(&pkgs, "shared", "2.0.0").resolved.change,
            "unchanged"
        );
    }

    #[test]
    fn drift_names_every_difference() {
        let lock = parse_lock(LOCK.as_bytes()).unwrap();
        let expect = pins(&lock);
        assert_eq!(
            drift(&expect, LOCK.as_bytes(), true).unwrap(),
            Vec::<String>::new()
        );
        let changed = LOCK
            .replace("\"sha512-e\"", "\"sha512-other\"")
            .replace("\"node_modules/shared\"", "\"node_modules/sneaky\"");
        let d = drift(&expect, changed.as_bytes(), true).unwrap();
        assert_eq!(d.len(), 3, "{d:?}");
        // npm's record of what it installed: a checked entry it left out is not drift.
        let d = drift(&expect, changed.as_bytes(), false).unwrap();
        assert_eq!(d.len(), 2, "{d:?}");
        assert!(
            d.iter()
                .any(|l| l.contains("node_modules/sneaky") && l.contains("not checked"))
        );
        assert!(parse_lock(br#"{"lockfileVersion": 1, "dependencies": {}}"#).is_err());
        assert!(parse_lock(b"{").is_err());
    }

    #[test]
    fn failures_are_told_apart() {
        for (out, want) in [
            (
                "npm error code ECONNREFUSED\nnpm error errno ECONNREFUSED",
                Failure::Offline,
            ),
            ("npm error code ENOTFOUND", Failure::Offline),
            (
                "npm error code E404\nnpm error 404 Not Found - GET http://r/x",
                Failure::NotFound,
            ),
            (
                "npm error code ETARGET\nnpm error notarget No matching version",
                Failure::NotFound,
            ),
            ("npm error code ERESOLVE", Failure::ToolFailed),
        ] {
            assert_eq!(classify(out), want, "{out}");
        }
    }

    #[test]
    fn the_real_install_drops_the_specs_and_keeps_the_options() {
        let args: Vec<OsString> = ["update", "--registry", "http://r/", "clean", "-D"]
            .iter()
            .map(OsString::from)
            .collect();
        let shape = Shape {
            command: "update",
            command_at: 0,
            specs_at: vec![3],
            global: false,
            cwd: "/p".into(),
            local_prefix: "/p".into(),
            no_save: false,
            nothing_installed: false,
            no_lockfile: false,
        };
        assert_eq!(
            install_args(&args, &shape),
            ["install", "--registry", "http://r/", "-D"].map(OsString::from)
        );
    }

    #[test]
    fn global_specs_are_pinned_to_the_checked_versions() {
        let lock = parse_lock(LOCK.as_bytes()).unwrap();
        let args: Vec<OsString> = ["i", "-g", "clean", "other@^2", "git+https://h/x.git"]
            .iter()
            .map(OsString::from)
            .collect();
        let shape = Shape {
            command: "install",
            command_at: 0,
            specs_at: vec![2, 3, 4],
            global: true,
            cwd: "/p".into(),
            local_prefix: "/p".into(),
            no_save: false,
            nothing_installed: false,
            no_lockfile: false,
        };
        assert_eq!(
            pin_specs(&args, &shape, &lock),
            [
                "i",
                "-g",
                "clean@1.0.0",
                "other@2.1.0-beta.1",
                "git+https://h/x.git"
            ]
            .map(OsString::from)
        );
    }

    #[test]
    fn local_and_workspace_dependencies() {
        let m: Json = serde_json::from_str(
            r#"{"dependencies": {"a": "^1", "b": "file:../b", "c": "./c"}, "workspaces": ["packages/*"]}"#,
        )
        .unwrap();
        assert_eq!(local_deps(&m), ["b@file:../b", "c@./c"]);
        let t = tempfile::tempdir().unwrap();
        for d in ["packages/one", "packages/two", "packages/empty"] {
            std::fs::create_dir_all(t.path().join(d)).unwrap();
        }
        std::fs::write(t.path().join("packages/one/package.json"), "{}").unwrap();
        std::fs::write(t.path().join("packages/two/package.json"), "{}").unwrap();
        assert_eq!(
            workspace_dirs(t.path(), &m).unwrap(),
            ["packages/one", "packages/two"]
        );
        let deep: Json = serde_json::from_str(r#"{"workspaces": ["packages/**"]}"#).unwrap();
        assert!(workspace_dirs(t.path(), &deep).is_err());
    }

    #[test]
    fn local_tarballs_are_made_absolute_and_respelled_for_the_project() {
        let cwd = Path::new("/p/sub");
        let t = tarball_spec("./x.tgz", cwd).unwrap().unwrap();
        assert_eq!(t.absolute, "file:/p/sub/x.tgz");
        let named = tarball_spec("n@file:../y.tgz", cwd).unwrap().unwrap();
        assert_eq!(named.absolute, "n@file:/p/y.tgz");
        assert!(tarball_spec("lodash@^4", cwd).unwrap().is_none());
        assert!(tarball_spec("github:u/r", cwd).unwrap().is_none());
        assert!(
            tarball_spec("./lib", cwd)
                .unwrap_err()
                .contains("is a folder")
        );
        assert!(tarball_spec("~/x.tgz", cwd).is_err());

        assert_eq!(
            relative(Path::new("/t/w/project"), Path::new("/p/sub/x.tgz")),
            "../../../p/sub/x.tgz"
        );
        assert_eq!(
            relative(Path::new("/p"), Path::new("/p/sub/x.tgz")),
            "sub/x.tgz"
        );
        let copy = Path::new("/t/w/project");
        let text = r#"{"dependencies": {"x": "file:../../../p/sub/x.tgz"}}"#;
        assert_eq!(
            respell(text, std::slice::from_ref(&t), copy, Path::new("/p")),
            r#"{"dependencies": {"x": "file:sub/x.tgz"}}"#
        );
        assert_eq!(
            respelled(text.into(), std::slice::from_ref(&t), copy, Path::new("/p")).unwrap(),
            br#"{"dependencies": {"x": "file:sub/x.tgz"}}"#
        );
        // A spelling npm chose that is not the foreseen one is refused, not passed on.
        let odd = r#"{"dependencies": {"x": "file:/t/w/project/../x.tgz"}}"#;
        assert!(respelled(odd.into(), &[t], copy, Path::new("/p")).is_err());
    }
}
