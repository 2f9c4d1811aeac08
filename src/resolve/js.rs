//! pnpm, bun and yarn: resolve `add` / `install` in a private copy of the project with scripts
//! off, read the lockfile the tool wrote (`pnpm-lock.yaml` v9, text `bun.lock`, `yarn.lock` in
//! both formats), diff it against the project's, and plan the real install: the checked
//! package.json and lockfile put in place, then an install that takes that lockfile as it is or
//! fails (`--frozen-lockfile`; yarn ≥ 2 `--immutable`); the lockfile is compared after.
//! pnpm and bun resolve with `--lockfile-only` (packuments only: no tarball, no node_modules).
//! yarn has no such mode: yarn ≥ 2 `--mode=update-lockfile` fetches every archive into a
//! private cache (and its mirror, yarn's global cache) to compute its checksum, yarn 1
//! `add --ignore-scripts` fetches the tree (into the user's cache) and unpacks it into the
//! private copy; neither runs package code, and the package.json of every package fetched is
//! read for install scripts (yarn.lock has no such flag). Pure except
//! [`resolve`] and the readers of the private copy. A workspace is copied whole (every
//! member's package.json), so `--filter`, `-r` and a command typed in a member resolve as
//! typed; `pnpm add -g` / `bun add -g` / yarn 1's `global add` resolve in an empty folder and
//! install the named packages pinned; `-C`/`--dir`/`--cwd` name the project copied.
//! `dlx`/`bunx` are in `oneoff`, except `yarn dlx` (berry), resolved here like an `add` in a
//! copy of its temporary project and run offline on the checked archives. Does not resolve
//! `bun.lockb` or a global install with a directory option.

use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};
use std::ffi::OsString;
use std::io::Read;
use std::path::{Path, PathBuf};

use serde_json::Value as Json;

use super::exec::{self, Tool, Workdir};
use super::{Failure, FileWrite, Outcome, Package, Plan, Resolution, Step, Unresolved, Verify};
use crate::cmdline::yarn::lockfile::split_name;
use crate::ecosystem::Ecosystem;
use crate::request::Resolved;

/// Which tool.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Js {
    Pnpm,
    Bun,
    /// yarn 1 (classic).
    YarnClassic,
    /// yarn ≥ 2 (berry).
    YarnBerry,
}

impl Js {
    fn name(self) -> &'static str {
        match self {
            Js::Pnpm => "pnpm",
            Js::Bun => "bun",
            Js::YarnClassic | Js::YarnBerry => "yarn",
        }
    }

    fn lockfile(self) -> &'static str {
        match self {
            Js::Pnpm => "pnpm-lock.yaml",
            Js::Bun => "bun.lock",
            Js::YarnClassic | Js::YarnBerry => "yarn.lock",
        }
    }

    fn is_yarn(self) -> bool {
        matches!(self, Js::YarnClassic | Js::YarnBerry)
    }
}

/// One package of a lockfile: name, version, integrity, whether it declares install scripts,
/// and the names of what it depends on.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Entry {
    pub name: String,
    pub version: String,
    pub integrity: Option<String>,
    pub url: Option<String>,
    pub install_script: bool,
    pub deps: Vec<String>,
    /// Where it comes from when the lockfile says (`registry`, `url`, `git`); empty: told
    /// from the version.
    pub source: &'static str,
}

/// A lockfile: the project's direct dependencies (of every workspace), the version each
/// resolved to where the lockfile says, and every package by `name@version`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Lock {
    pub direct: Vec<String>,
    pub direct_version: BTreeMap<String, String>,
    pub entries: BTreeMap<String, Entry>,
}

/// Read a `pnpm-lock.yaml` (lockfile v9: `importers`, `packages`, `snapshots`).
pub fn parse_pnpm(text: &str) -> Result<Lock, String> {
    let doc = crate::cmdline::yaml::parse(text, "pnpm-lock.yaml").map_err(|e| e.message)?;
    let version = doc.get_str("lockfileVersion").unwrap_or("");
    if !version.starts_with('9') {
        return Err(format!(
            "lockfileVersion {version:?} (installguard resolves with v9)"
        ));
    }
    let mut lock = Lock::default();
    // Every importer: the root (`.`) and each workspace member.
    for (importer, node) in doc
        .get("importers")
        .map(super::super::cmdline::yaml::Node::entries)
        .unwrap_or_default()
    {
        for group in ["dependencies", "devDependencies", "optionalDependencies"] {
            for (name, dep) in node
                .get(group)
                .map(super::super::cmdline::yaml::Node::entries)
                .unwrap_or_default()
            {
                if !lock.direct.contains(name) {
                    lock.direct.push(name.clone());
                }
                if importer == "."
                    && let Some(v) = dep.get_str("version")
                {
                    let v = v.split('(').next().unwrap_or(v);
                    lock.direct_version.insert(name.clone(), v.to_string());
                }
            }
        }
    }
    for (key, node) in doc
        .get("packages")
        .map(super::super::cmdline::yaml::Node::entries)
        .unwrap_or_default()
    {
        let Some((name, version)) = split_name(key) else {
            continue;
        };
        let res = node.get("resolution");
        lock.entries.insert(
            format!("{name}@{version}"),
            Entry {
                name: name.to_string(),
                version: version.to_string(),
                integrity: res.and_then(|r| r.get_str("integrity")).map(str::to_string),
                url: res.and_then(|r| r.get_str("tarball")).map(str::to_string),
                install_script: node.get_str("requiresBuild") == Some("true"),
                deps: Vec::new(),
                source: "",
            },
        );
    }
    for (key, node) in doc
        .get("snapshots")
        .map(super::super::cmdline::yaml::Node::entries)
        .unwrap_or_default()
    {
        let base = key.split('(').next().unwrap_or(key);
        let Some(e) = lock.entries.get_mut(base) else {
            continue;
        };
        for group in ["dependencies", "optionalDependencies"] {
            for (name, _) in node
                .get(group)
                .map(super::super::cmdline::yaml::Node::entries)
                .unwrap_or_default()
            {
                e.deps.push(name.clone());
            }
        }
    }
    Ok(lock)
}

/// Read a text `bun.lock` (JSON with trailing commas): `workspaces[""]` and `packages`, each
/// `[ "name@version", url, { dependencies, hasInstallScript, ... }, integrity ]`.
pub fn parse_bun(text: &str) -> Result<Lock, String> {
    let doc: Json = serde_json::from_str(&crate::cmdline::bun::lockfile::strict_json(text))
        .map_err(|e| format!("not JSON: {e}"))?;
    let mut lock = Lock::default();
    // Every workspace: the root (`""`) and each member.
    for ws in doc["workspaces"]
        .as_object()
        .into_iter()
        .flat_map(|m| m.values())
    {
        for group in ["dependencies", "devDependencies", "optionalDependencies"] {
            for name in ws[group].as_object().into_iter().flat_map(|m| m.keys()) {
                if !lock.direct.contains(name) {
                    lock.direct.push(name.clone());
                }
            }
        }
    }
    let Some(packages) = doc["packages"].as_object() else {
        return Err("no `packages` map".into());
    };
    for (key, entry) in packages {
        let Some(id) = entry[0].as_str() else {
            continue;
        };
        let Some((name, version)) = split_name(id) else {
            continue;
        };
        // A workspace member is the project's own folder.
        if version.starts_with("workspace:") {
            continue;
        }
        // The package at the top of node_modules, under its own name: the direct one.
        if key == name {
            lock.direct_version
                .insert(name.to_string(), version.to_string());
        }
        let meta = &entry[2];
        let deps = ["dependencies", "optionalDependencies"]
            .iter()
            .filter_map(|g| meta[*g].as_object())
            .flat_map(|m| m.keys().cloned())
            .collect();
        lock.entries.insert(
            format!("{name}@{version}"),
            Entry {
                name: name.to_string(),
                version: version.to_string(),
                integrity: entry[3].as_str().map(str::to_string),
                url: entry[1]
                    .as_str()
                    .filter(|u| !u.is_empty())
                    .map(str::to_string),
                install_script: meta["hasInstallScript"].as_bool() == Some(true),
                deps,
                source: "",
            },
        );
    }
    Ok(lock)
}

/// Read a `yarn.lock` in either format (yarn 1's text, berry's YAML with `__metadata`). The
/// direct dependencies are not in it (yarn 1 has no importers): [`direct_of`] adds them.
pub fn parse_yarn(text: &str) -> Result<Lock, String> {
    use crate::cmdline::yarn::{lockfile, syml};
    let mut lock = Lock::default();
    if lockfile::is_berry(text) {
        let doc = crate::cmdline::yaml::parse(text, "yarn.lock").map_err(|e| e.message)?;
        for (key, node) in doc.entries() {
            if key == "__metadata" {
                continue;
            }
            let first = key.split(", ").next().unwrap_or(key);
            let resolution = node.get_str("resolution").unwrap_or(first);
            let Some((name, reference)) = split_name(resolution) else {
                continue;
            };
            let (protocol, rest) = reference.split_once(':').unwrap_or(("", reference));
            let source = match protocol {
                // The project's own folders; a patch wraps a package that has its own entry.
                "workspace" | "patch" | "virtual" => continue,
                "npm" => "registry",
                "file" | "portal" | "link" | "exec" => "path",
                "http" | "https" if !reference.contains(".git#") => "url",
                _ => "git",
            };
            let version =
                node.get_str("version")
                    .unwrap_or(if source == "registry" { rest } else { "" });
            let deps = ["dependencies", "optionalDependencies"]
                .iter()
                .filter_map(|g| node.get(g))
                .flat_map(|m| m.entries().iter().map(|(n, _)| n.clone()))
                .collect();
            lock.entries.insert(
                format!("{name}@{version}"),
                Entry {
                    name: name.to_string(),
                    version: version.to_string(),
                    integrity: node.get_str("checksum").map(str::to_string),
                    url: (source != "registry").then(|| reference.to_string()),
                    install_script: false,
                    deps,
                    source,
                },
            );
        }
        return Ok(lock);
    }
    let doc = syml::parse(text, "yarn.lock").map_err(|e| e.message)?;
    for e in doc.entries() {
        let Some((folder, range)) = split_name(&e.key) else {
            continue;
        };
        // `alias@npm:real@^1` installs `real`.
        let name = range
            .strip_prefix("npm:")
            .and_then(split_name)
            .map_or(folder, |(real, _)| real);
        let Some(version) = e.value.get_str("version") else {
            continue;
        };
        let resolved = e
            .value
            .get_str("resolved")
            .map(|r| r.split('#').next().unwrap_or(r));
        let source = match resolved {
            Some(r) if r.starts_with("git") || r.contains("codeload.github.com") => "git",
            Some(r) if r.starts_with("file:") || !r.contains(':') => "path",
            Some(r) if r.contains("/-/") && r.ends_with(".tgz") => "registry",
            Some(_) => "url",
            None => "registry",
        };
        let deps = ["dependencies", "optionalDependencies"]
            .iter()
            .filter_map(|g| e.value.get(g))
            .flat_map(|m| m.entries().iter().map(|d| d.key.clone()))
            .collect();
        lock.entries
            .entry(format!("{name}@{version}"))
            .or_insert_with(|| Entry {
                name: name.to_string(),
                version: version.to_string(),
                integrity: e.value.get_str("integrity").map(str::to_string),
                url: resolved.map(str::to_string),
                install_script: false,
                deps,
                source,
            });
    }
    Ok(lock)
}

/// The names a package.json depends on directly (every group that installs).
pub fn direct_of(manifest: &Json) -> Vec<String> {
    ["dependencies", "devDependencies", "optionalDependencies"]
        .iter()
        .filter_map(|g| manifest[*g].as_object())
        .flat_map(|m| m.keys().cloned())
        .collect()
}

/// Whether a package.json runs code when its package is installed: an install lifecycle
/// script, or a `binding.gyp` (the implicit `node-gyp rebuild`).
fn runs_code(manifest: &Json, binding_gyp: bool) -> bool {
    let s = &manifest["scripts"];
    ["preinstall", "install", "postinstall"]
        .iter()
        .any(|k| s[*k].is_string())
        || binding_gyp
}

/// `name@version` of every package under a `node_modules` tree (yarn 1's private install)
/// that runs code when installed. Nested `node_modules` are followed to a bounded depth.
pub fn scripts_in_tree(node_modules: &Path) -> HashSet<String> {
    let mut out = HashSet::new();
    let mut stack: Vec<(PathBuf, usize)> = vec![(node_modules.to_path_buf(), 0)];
    while let Some((dir, depth)) = stack.pop() {
        let Ok(rd) = std::fs::read_dir(&dir) else {
            continue;
        };
        for e in rd.flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            let path = e.path();
            if !e.file_type().is_ok_and(|t| t.is_dir()) || name.starts_with('.') {
                continue;
            }
            if name.starts_with('@') && depth < 64 {
                stack.push((path, depth + 1));
                continue;
            }
            if let Ok(Some(b)) = read(&path.join("package.json"))
                && let Ok(m) = serde_json::from_slice::<Json>(&b)
                && runs_code(&m, path.join("binding.gyp").is_file())
                && let (Some(n), Some(v)) = (m["name"].as_str(), m["version"].as_str())
            {
                out.insert(format!("{n}@{v}"));
            }
            if depth < 64 {
                stack.push((path.join("node_modules"), depth + 1));
            }
        }
    }
    out
}

/// `name@version` of every package in yarn ≥ 2's cache archives (`node_modules/<name>/` in
/// each zip) that runs code when installed; `Err` names an archive that cannot be read.
pub fn scripts_in_zips(cache: &Path) -> Result<HashSet<String>, String> {
    let mut out = HashSet::new();
    let Ok(rd) = std::fs::read_dir(cache) else {
        return Ok(out);
    };
    for e in rd.flatten() {
        let path = e.path();
        if path.extension().is_none_or(|x| x != "zip") {
            continue;
        }
        let bytes = read(&path)?.unwrap_or_default();
        let found = zip_scripts_of(&bytes).map_err(|err| format!("{}: {err}", path.display()))?;
        out.extend(found);
    }
    Ok(out)
}

/// The `name@version` of the packages in one archive that run code when installed, read
/// under `contain` (the archive was made from a downloaded tarball).
pub fn zip_scripts_of(bytes: &[u8]) -> Result<Vec<String>, String> {
    crate::contain::contain(|| zip_scripts(bytes))
        .map_err(|panic| format!("the zip reader failed on it ({panic})"))?
}

fn zip_scripts(bytes: &[u8]) -> Result<Vec<String>, String> {
    let mut z = zip::ZipArchive::new(std::io::Cursor::new(bytes)).map_err(|e| e.to_string())?;
    let mut manifests: Vec<(String, Json)> = Vec::new();
    let mut gyp: HashSet<String> = HashSet::new();
    for i in 0..z.len() {
        let mut f = z.by_index(i).map_err(|e| e.to_string())?;
        let name = f.name().map_err(|e| e.to_string())?.to_string();
        let parts: Vec<&str> = name.split('/').collect();
        let (dir, file) = match parts.as_slice() {
            ["node_modules", n, file] if !n.starts_with('@') => ((*n).to_string(), *file),
            ["node_modules", s, n, file] if s.starts_with('@') => (format!("{s}/{n}"), *file),
            _ => continue,
        };
        match file {
            "binding.gyp" => {
                gyp.insert(dir);
            }
            "package.json" => {
                let mut text = Vec::new();
                (&mut f)
                    .take(4 << 20)
                    .read_to_end(&mut text)
                    .map_err(|e| format!("{name}: {e}"))?;
                if let Ok(m) = serde_json::from_slice::<Json>(&text) {
                    manifests.push((dir, m));
                }
            }
            _ => {}
        }
    }
    Ok(manifests
        .into_iter()
        .filter(|(dir, m)| runs_code(m, gyp.contains(dir)))
        .filter_map(|(_, m)| {
            Some(format!(
                "{}@{}",
                m["name"].as_str()?,
                m["version"].as_str()?
            ))
        })
        .collect())
}

/// The packages of `new`, marked against `old`, with the chain that pulls each in (by name:
/// these lockfiles keep one version per name in the common case).
pub fn packages(tool: Js, new: &Lock, old: Option<&Lock>) -> Vec<Package> {
    let by_name: HashMap<&str, &Entry> =
        new.entries.values().map(|e| (e.name.as_str(), e)).collect();
    let mut chains: HashMap<String, Vec<String>> = HashMap::new();
    let mut queue: VecDeque<String> = VecDeque::new();
    for d in &new.direct {
        if chains.insert(d.clone(), Vec::new()).is_none() {
            queue.push_back(d.clone());
        }
    }
    while let Some(n) = queue.pop_front() {
        let Some(e) = by_name.get(n.as_str()) else {
            continue;
        };
        let mut chain = chains.get(&n).cloned().unwrap_or_default();
        chain.push(e.name.clone());
        for d in &e.deps {
            if !chains.contains_key(d) {
                chains.insert(d.clone(), chain.clone());
                queue.push_back(d.clone());
            }
        }
    }
    let before: HashSet<&String> = old.map(|o| o.entries.keys().collect()).unwrap_or_default();
    let old_versions: HashMap<&str, &str> = old
        .map(|o| {
            o.entries
                .values()
                .map(|e| (e.name.as_str(), e.version.as_str()))
                .collect()
        })
        .unwrap_or_default();
    new.entries
        .iter()
        .map(|(key, e)| {
            let (change, previous) = if before.contains(key) {
                ("unchanged", None)
            } else if let Some(v) = old_versions.get(e.name.as_str()) {
                ("changed", Some(v.to_string()))
            } else {
                ("added", None)
            };
            let chain = chains.get(&e.name);
            Package {
                ecosystem: Ecosystem::Npm,
                name: e.name.clone(),
                resolved: Resolved {
                    by: tool.name().into(),
                    version: Some(e.version.clone()),
                    integrity: e.integrity.clone(),
                    direct: new.direct.contains(&e.name),
                    required_by: chain.cloned().unwrap_or_default(),
                    source: if !e.source.is_empty() {
                        e.source
                    } else if e.version.contains(':') {
                        "url"
                    } else {
                        "registry"
                    }
                    .into(),
                    url: e.url.clone(),
                    change: change.into(),
                    previous,
                    install_code: match (e.install_script, e.source) {
                        (true, _) => vec!["install-script".into()],
                        (false, "git") => vec!["git-prepare".into()],
                        _ => Vec::new(),
                    },
                },
            }
        })
        .collect()
}

/// Why the tool failed, from its output.
pub fn classify(output: &str) -> Failure {
    const OFFLINE: [&str; 6] = [
        "ECONNREFUSED",
        "ENOTFOUND",
        "ETIMEDOUT",
        "EAI_AGAIN",
        "ConnectionRefused",
        "ConnectionClosed",
    ];
    if OFFLINE.iter().any(|m| output.contains(m)) {
        Failure::Offline
    } else if output.contains("ERR_PNPM_FETCH_404")
        || output.contains("404")
        || output.contains("ERR_PNPM_NO_MATCHING_VERSION")
        || output.contains("No version matching")
        || output.contains("Package not found")
        || output.contains("Couldn't find any versions")
        || output.contains("Couldn't find package")
        || output.contains("No candidates found")
    {
        Failure::NotFound
    } else {
        Failure::ToolFailed
    }
}

/// Options that change which project the command works on in a way the private copy does not
/// reproduce: those commands are checked by name. (A workspace is copied whole, so `--filter`,
/// `-r` and `-w` resolve as typed; `-g` resolves in an empty folder; `-C`/`--dir`/`--cwd` move
/// the project the copy is made of.)
const ELSEWHERE: &[&str] = &["--location"];

/// The same for yarn (whose `-C` and `-F` are `--caret` and `--fixed`).
const YARN_ELSEWHERE: &[&str] = &[
    "--modules-folder",
    "--link-folder",
    "--global-folder",
    "--no-lockfile",
    "--pure-lockfile",
];

const CAP: u64 = 64 << 20;

fn read(path: &Path) -> Result<Option<Vec<u8>>, String> {
    match crate::files::read_regular(path, CAP) {
        Ok(b) => Ok(Some(b)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(format!("{}: {e}", path.display())),
    }
}

/// The option that moves the command to another directory (pnpm `-C`/`--dir`, bun and yarn
/// `--cwd`): its value, and the positions of its tokens.
fn dir_option(kind: Js, text: &[String]) -> Option<(String, Vec<usize>)> {
    let names: &[&str] = if kind == Js::Pnpm {
        &["-C", "--dir"]
    } else {
        &["--cwd"]
    };
    for (i, a) in text.iter().enumerate() {
        if a == "--" {
            break;
        }
        for n in names {
            if a == n {
                return text.get(i + 1).map(|v| (v.clone(), vec![i, i + 1]));
            }
            if let Some(v) = a.strip_prefix(n).and_then(|r| r.strip_prefix('=')) {
                return Some((v.to_string(), vec![i]));
            }
            // clap's attached short value: `-Cdir`.
            if *n == "-C"
                && let Some(v) = a.strip_prefix("-C").filter(|v| !v.is_empty())
            {
                return Some((v.to_string(), vec![i]));
            }
        }
    }
    None
}

/// The working directory the command acts in (the real one, moved by [`dir_option`]), and the
/// arguments without that option, for the runs made there.
fn moved(
    kind: Js,
    args: &[OsString],
    text: &[String],
) -> Result<(PathBuf, Vec<OsString>, Vec<String>), Unresolved> {
    let cwd = std::env::current_dir()
        .map_err(|e| Unresolved::new(kind.name(), Failure::ToolFailed, e.to_string()))?;
    Ok(match dir_option(kind, text) {
        Some((dir, at)) => (
            cwd.join(dir),
            args.iter()
                .enumerate()
                .filter(|(i, _)| !at.contains(i))
                .map(|(_, a)| a.clone())
                .collect(),
            text.iter()
                .enumerate()
                .filter(|(i, _)| !at.contains(i))
                .map(|(_, a)| a.clone())
                .collect(),
        ),
        None => (cwd, args.to_vec(), text.to_vec()),
    })
}

/// Where the command word is: the first argument that is not an option (for yarn and pnpm,
/// nor the value of a global option before it).
fn command_at(kind: Js, text: &[String]) -> Option<usize> {
    let mut i = 0;
    while i < text.len() {
        let a = &text[i];
        if a == "--" {
            return None;
        }
        if !a.starts_with('-') {
            return Some(i);
        }
        i += match kind {
            Js::YarnClassic | Js::YarnBerry => crate::cmdline::yarn::classic_global(a).unwrap_or(1),
            Js::Pnpm => crate::cmdline::pnpm::leading_option_len(a),
            Js::Bun => 1,
        };
    }
    None
}

/// Resolve `yarn [add|install] …`: which yarn runs is asked of the tool itself (`--version`,
/// in the working directory: a `yarnPath`, Corepack's `packageManager` and PATH all decide it),
/// then the command is resolved as [`resolve`] does for that yarn.
pub fn resolve_yarn(tool: &Tool, args: &[OsString], timeout: std::time::Duration) -> Outcome {
    let text = super::lossy(args);
    if command_at(Js::YarnBerry, &text).is_some_and(|i| text[i] == "dlx") {
        let kind = moved(Js::YarnBerry, args, &text)
            .and_then(|(cwd, _, _)| yarn_kind(tool, &cwd, timeout).map(|k| (k, cwd)));
        match kind {
            Ok((Js::YarnBerry, cwd)) => {
                return dlx(tool, args, &cwd, timeout).unwrap_or_else(Outcome::Unresolved);
            }
            Ok(_) => {}
            Err(u) => return Outcome::Unresolved(u),
        }
    }
    // Decide what is not resolved before running yarn at all.
    if let Some(o) = command_outcome(Js::YarnClassic, &text) {
        return o;
    }
    let kind = match moved(Js::YarnClassic, args, &text)
        .and_then(|(cwd, _, _)| yarn_kind(tool, &cwd, timeout))
    {
        Ok(k) => k,
        Err(u) => return Outcome::Unresolved(u),
    };
    resolve(kind, tool, args, timeout)
}

/// Ask the yarn that will run in `cwd` which major version it is.
fn yarn_kind(tool: &Tool, cwd: &Path, timeout: std::time::Duration) -> Result<Js, Unresolved> {
    let fail = |d: String| Unresolved::new("yarn", Failure::ToolFailed, d);
    let work = Workdir::new().map_err(|e| fail(format!("work directory: {e}")))?;
    let timeout = timeout.min(std::time::Duration::from_secs(30));
    let ran = exec::run(tool, &["--version".into()], cwd, &[], &work, timeout)
        .map_err(|e| fail(format!("cannot run yarn: {e}")))?;
    if let Some(u) = ran.stopped("yarn", timeout) {
        return Err(u);
    }
    // The version is the last line (Corepack may say something first).
    let version = ran.stdout.lines().last().unwrap_or("").trim();
    match version.split('.').next().map(str::parse::<u32>) {
        Some(Ok(1)) if ran.ok() => Ok(Js::YarnClassic),
        Some(Ok(n)) if ran.ok() && n >= 2 => Ok(Js::YarnBerry),
        _ => Err(fail(format!(
            "`yarn --version` did not say which yarn runs: {}",
            super::tail(&ran.output(), 2)
        ))),
    }
}

/// What the stage does with a command before any tool runs: `None` to resolve it, else the
/// outcome (not resolved, with why; or nothing to resolve).
fn command_outcome(kind: Js, text: &[String]) -> Option<Outcome> {
    let name = kind.name();
    let unsupported = |why: String| {
        Some(Outcome::Unresolved(Unresolved::new(
            name,
            Failure::Unsupported,
            why,
        )))
    };
    let at = command_at(kind, text);
    match at.map(|i| text[i].as_str()) {
        None if !kind.is_yarn() => return Some(Outcome::NotNeeded),
        // Bare `yarn` installs.
        None | Some("add" | "install") => {}
        Some("a" | "i") if !kind.is_yarn() => {}
        // yarn 1's `global add` (yarn ≥ 2 has no `global`).
        Some("global")
            if kind == Js::YarnClassic
                && at
                    .and_then(|i| command_at(kind, &text[i + 1..]).map(|j| &text[i + 1 + j]))
                    .is_some_and(|sub| sub == "add") => {}
        Some("dlx") if kind.is_yarn() => {
            return unsupported(
                "yarn 1 has no dlx command (it would run a script named dlx): checked by name only"
                    .into(),
            );
        }
        Some(command) if kind == Js::Pnpm && crate::cmdline::pnpm::runs_script(command) => {
            return unsupported(format!(
                "`pnpm {command}` installs only through verifyDepsBeforeRun, when node_modules is out of date; installguard does not run that install ahead of the script: the project's packages are checked by name only"
            ));
        }
        Some(command) => return unsupported(format!("`{name} {command}` is checked by name only")),
    }
    // bun takes the value of a `--cwd` before the command as the command word (and drops the
    // next word instead): the runs made without that option would read another command
    // (`bun --cwd add run x` adds x in add/; `run x` there would run x).
    if kind == Js::Bun && at.is_some_and(|i| i > 0 && text[i - 1] == "--cwd") {
        return unsupported(
            "bun read the folder named by --cwd as its command: checked by name only".into(),
        );
    }
    let elsewhere = if kind.is_yarn() {
        YARN_ELSEWHERE
    } else {
        ELSEWHERE
    };
    if let Some(o) = text.iter().find(|a| {
        let opt = a.split('=').next().unwrap_or(a);
        elsewhere.contains(&opt)
    }) {
        return unsupported(format!(
            "`{o}`: installs outside this project, across workspaces or without a lockfile are checked by name only"
        ));
    }
    let update_lockfile = text
        .windows(2)
        .any(|w| w[0] == "--mode" && w[1] == "update-lockfile");
    if update_lockfile
        || text.iter().any(|a| {
            matches!(
                a.as_str(),
                "--lockfile-only"
                    | "--dry-run"
                    | "--frozen-lockfile"
                    | "--immutable"
                    | "--mode=update-lockfile"
            )
        })
    {
        return Some(Outcome::NotNeeded);
    }
    None
}

/// Resolve `pnpm|bun|yarn add|install …` (see the module doc).
pub fn resolve(
    tool_kind: Js,
    tool: &Tool,
    args: &[OsString],
    timeout: std::time::Duration,
) -> Outcome {
    let text = super::lossy(args);
    if let Some(o) = command_outcome(tool_kind, &text) {
        return o;
    }
    let global = if tool_kind.is_yarn() {
        command_at(tool_kind, &text).is_some_and(|i| text[i] == "global")
    } else {
        text.iter().any(|a| a == "-g" || a == "--global")
    };
    let done = if global {
        if dir_option(tool_kind, &text).is_some() {
            return Outcome::Unresolved(Unresolved::new(
                tool_kind.name(),
                Failure::Unsupported,
                "a global install with a directory option is checked by name only",
            ));
        }
        self::global(tool_kind, tool, args, timeout)
    } else {
        project(tool_kind, tool, args, &text, timeout)
    };
    done.unwrap_or_else(Outcome::Unresolved)
}

/// `pnpm add -g` / `bun add -g <specs>` / `yarn global add <specs>` (yarn 1): resolved as a
/// project of its own in an empty private folder (`add` there), then installed globally
/// with each registry spec pinned to the checked version. A global install keeps no lockfile
/// the guard can put in place, so the dependencies are resolved again by the tool as it
/// installs: said in a note.
fn global(
    kind: Js,
    tool: &Tool,
    args: &[OsString],
    timeout: std::time::Duration,
) -> Result<Outcome, Unresolved> {
    let name = kind.name();
    let fail = |f: Failure, d: String| Unresolved::new(name, f, d);
    let work =
        Workdir::new().map_err(|e| fail(Failure::ToolFailed, format!("work directory: {e}")))?;
    let copy = work.path().join("global");
    let put = |to: PathBuf, b: &[u8]| {
        std::fs::write(&to, b)
            .map_err(|e| fail(Failure::ToolFailed, format!("{}: {e}", to.display())))
    };
    std::fs::create_dir_all(&copy).map_err(|e| fail(Failure::ToolFailed, e.to_string()))?;
    // No project configuration: a global install reads the user's and the global one, as
    // this run does (the same HOME and environment).
    put(copy.join("package.json"), b"{}\n")?;
    let local = local_of_global(kind, args);
    let bytes = run_resolve_only(kind, tool, (&local, &[]), &copy, &copy, &work, timeout)?;
    let mut lock = parse_lock(kind, &bytes)
        .map_err(|e| fail(Failure::Unsupported, format!("{}: {e}", kind.lockfile())))?;
    if kind.is_yarn() {
        // yarn 1 put each package it added at the top of the private node_modules.
        let nm = copy.join("node_modules");
        let added: Json = read(&copy.join("package.json"))
            .ok()
            .flatten()
            .and_then(|b| serde_json::from_slice(&b).ok())
            .unwrap_or(Json::Null);
        lock.direct = direct_of(&added);
        for n in &lock.direct {
            if let Some(v) = read(&nm.join(n).join("package.json"))
                .ok()
                .flatten()
                .and_then(|b| serde_json::from_slice::<Json>(&b).ok())
                .and_then(|m| m["version"].as_str().map(str::to_string))
            {
                lock.direct_version.insert(n.clone(), v);
            }
        }
        let scripted = scripts_in_tree(&nm);
        for (key, e) in &mut lock.entries {
            e.install_script = scripted.contains(key);
        }
    }
    Ok(Outcome::Resolved(Resolution {
        tool: name,
        packages: packages(kind, &lock, None),
        plan: Plan {
            steps: vec![Step {
                args: pin_global(args, &lock),
                env: Vec::new(),
            }],
            workdir: Some(work),
            ..Plan::default()
        },
        notes: vec![format!(
            "a global install keeps no lockfile the guard can put in place: the packages named \
             are pinned to the checked versions, their dependencies are resolved again by {name} \
             as it installs"
        )],
    }))
}

/// The packages `yarn dlx` (yarn ≥ 2) installs, from the arguments after `dlx`: the `-p` /
/// `--package` specs, else the command as a spec. Each must be a registry spec; an option
/// yarn's dlx does not have, or nothing to run, is an error saying so. Pure.
pub fn dlx_specs(after: &[String]) -> Result<Vec<String>, String> {
    use crate::cmdline::npm::spec::{SpecType, npa};
    let mut packages = Vec::new();
    let mut i = 0;
    let command = loop {
        let Some(a) = after.get(i) else {
            return Err("yarn dlx names no command to run".into());
        };
        match a.as_str() {
            "-p" | "--package" => match after.get(i + 1) {
                Some(v) => {
                    packages.push(v.clone());
                    i += 2;
                }
                None => return Err(format!("`{a}` has no value")),
            },
            "-q" | "--quiet" => i += 1,
            _ if a.starts_with("--package=") => {
                packages.push(a["--package=".len()..].to_string());
                i += 1;
            }
            _ if a.starts_with('-') => {
                return Err(format!(
                    "`{a}` is not an option of yarn dlx installguard reads"
                ));
            }
            _ => break a,
        }
    };
    if packages.is_empty() {
        packages.push(command.clone());
    }
    for p in &packages {
        match npa(p) {
            Ok(spec) if spec.ty == SpecType::Registry && spec.name.is_some() => {}
            _ => {
                return Err(format!(
                    "`{p}` is not a registry spec (git, URL, path, alias and protocol specs of \
                     yarn dlx are checked by name only)"
                ));
            }
        }
    }
    Ok(packages)
}

/// The settings of the real `yarn dlx` run: yarn's global folder is the private one the
/// resolution filled (its cache holds exactly the checked archives, its metadata cache the
/// registry's answers), offline mode makes yarn pick only versions whose archive is there,
/// and no network means nothing else can be fetched. The temporary project keeps its own
/// cache, with that folder's cache as its mirror.
fn dlx_env(global: &Path) -> Vec<(&'static str, OsString)> {
    vec![
        ("YARN_GLOBAL_FOLDER", global.as_os_str().to_owned()),
        ("YARN_ENABLE_GLOBAL_CACHE", "false".into()),
        ("YARN_ENABLE_OFFLINE_MODE", "true".into()),
        ("YARN_ENABLE_NETWORK", "false".into()),
    ]
}

/// `yarn dlx …` under yarn ≥ 2. yarn dlx installs `add --fixed <specs>` into a temporary
/// project (`$TMPDIR/xfs-*/dlx-<pid>`: package.json `{}`, an empty yarn.lock, the project's
/// .yarnrc.yml) that it removes after the run, and reads no lockfile. The same `add` is
/// resolved first in a private copy of that project with a private global folder
/// (`--mode=update-lockfile` fetches the archives into it), every entry is checked, and the
/// real run gets that folder with offline mode on and the network off (see [`dlx_env`]): yarn
/// resolves only among the checked archives and fetches nothing (measured with yarn 4.18.1:
/// a newer version published after the check is not taken, a spec outside the checked tree
/// fails with "No candidates found", the registry is not asked).
fn dlx(
    tool: &Tool,
    args: &[OsString],
    cwd: &Path,
    timeout: std::time::Duration,
) -> Result<Outcome, Unresolved> {
    let kind = Js::YarnBerry;
    let fail = |f: Failure, d: String| Unresolved::new("yarn", f, d);
    let (_, _, text) = moved(kind, args, &super::lossy(args))?;
    let at = command_at(kind, &text).unwrap_or(0);
    let specs = dlx_specs(&text[at + 1..]).map_err(|e| fail(Failure::Unsupported, e))?;
    let work =
        Workdir::new().map_err(|e| fail(Failure::ToolFailed, format!("work directory: {e}")))?;
    let copy = work.path().join("dlx");
    let global = work.path().join("global");
    let prefix = project_root(kind, cwd);
    let setup = || -> Result<(), String> {
        std::fs::create_dir_all(&copy).map_err(|e| e.to_string())?;
        std::fs::write(copy.join("package.json"), b"{}\n").map_err(|e| e.to_string())?;
        std::fs::write(copy.join("yarn.lock"), b"").map_err(|e| e.to_string())?;
        if let Some(b) = read(&prefix.join(".yarnrc.yml"))? {
            std::fs::write(copy.join(".yarnrc.yml"), b).map_err(|e| e.to_string())?;
        }
        // The project's plugins and release, at the relative paths its .yarnrc.yml names.
        for d in YARN_DIRS {
            copy_tree(&prefix.join(d), &copy.join(d), 0)?;
        }
        Ok(())
    };
    setup().map_err(|e| fail(Failure::ToolFailed, e))?;
    let mut add: Vec<OsString> = vec!["add".into(), "--fixed".into(), "--".into()];
    add.extend(specs.iter().map(OsString::from));
    let extra = [("YARN_GLOBAL_FOLDER".into(), global.as_os_str().to_owned())];
    let bytes = run_resolve_only(kind, tool, (&add, &extra), &copy, &copy, &work, timeout)?;
    let mut lock = parse_lock(kind, &bytes)
        .map_err(|e| fail(Failure::Unsupported, format!("yarn.lock: {e}")))?;
    let manifest: Json = read(&copy.join("package.json"))
        .ok()
        .flatten()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .unwrap_or(Json::Null);
    lock.direct = direct_of(&manifest);
    let scripted =
        scripts_in_zips(&work.path().join("cache")).map_err(|e| fail(Failure::ToolFailed, e))?;
    for (key, e) in &mut lock.entries {
        e.install_script = scripted.contains(key);
    }
    Ok(Outcome::Resolved(Resolution {
        tool: "yarn",
        packages: packages(kind, &lock, None),
        plan: Plan {
            steps: vec![Step {
                args: args.to_vec(),
                env: dlx_env(&global),
            }],
            workdir: Some(work),
            keep_writes: true,
            ..Plan::default()
        },
        notes: vec![
            "yarn dlx reads no lockfile and removes its temporary project after the run: it runs \
             offline with a private global folder that holds only the checked archives, so it \
             can install nothing but the checked packages (the tree is not compared after: it \
             is gone)"
                .to_string(),
        ],
    }))
}

/// The arguments of a global install as a project's: without `-g` / `--global`; for yarn 1's
/// `global add`, `add` with the options `add` knows (not `global`'s `--prefix <dir>`,
/// `--latest`).
fn local_of_global(kind: Js, args: &[OsString]) -> Vec<OsString> {
    if !kind.is_yarn() {
        return args
            .iter()
            .filter(|a| *a != "-g" && *a != "--global")
            .cloned()
            .collect();
    }
    let text = super::lossy(args);
    let at = command_at(kind, &text);
    let mut out = Vec::new();
    let mut i = 0;
    while i < args.len() {
        match text[i].as_str() {
            _ if Some(i) == at => {}
            "--prefix" => i += 1,
            "--latest" => {}
            t if t.starts_with("--prefix=") => {}
            _ => out.push(args[i].clone()),
        }
        i += 1;
    }
    out
}

/// The arguments with every registry spec the lockfile resolved for the project pinned to
/// that version (`x` → `x@1.2.0`); other arguments (options, their values, git, URL and path
/// specs) as they are.
pub fn pin_global(args: &[OsString], lock: &Lock) -> Vec<OsString> {
    use crate::cmdline::npm::spec::{SpecType, npa};
    args.iter()
        .map(|a| {
            let text = a.to_string_lossy();
            if text.starts_with('-') {
                return a.clone();
            }
            let Ok(spec) = npa(&text) else {
                return a.clone();
            };
            match spec
                .name
                .filter(|n| spec.ty == SpecType::Registry && lock.direct.contains(n))
                .and_then(|n| lock.direct_version.get(&n).map(|v| format!("{n}@{v}")))
            {
                Some(pinned) => OsString::from(pinned),
                None => a.clone(),
            }
        })
        .collect()
}

/// `args` without `--mode` (and its value): the resolve-only run sets its own.
fn without_mode(args: &[OsString]) -> Vec<OsString> {
    let mut out = Vec::new();
    let mut skip = false;
    for a in args {
        if std::mem::take(&mut skip) {
            continue;
        }
        if a == "--mode" {
            skip = true;
        } else if !a.to_string_lossy().starts_with("--mode=") {
            out.push(a.clone());
        }
    }
    out
}

/// The resolve-only run: its arguments and environment. `args` are the user's, with the
/// command word made explicit (`install` for a bare `yarn`).
fn resolve_only(
    kind: Js,
    args: &[OsString],
    cache: &Path,
) -> (Vec<OsString>, Vec<(OsString, OsString)>) {
    let dashes = args.iter().position(|a| a == "--");
    match kind {
        Js::Pnpm | Js::Bun => {
            let mut extra: Vec<OsString> =
                vec!["--lockfile-only".into(), "--ignore-scripts".into()];
            if kind == Js::Pnpm {
                extra.extend([
                    "--config.update-notifier=false".into(),
                    "--config.fetch-retries=0".into(),
                ]);
            }
            (super::with_options(args, dashes, &extra), Vec::new())
        }
        Js::YarnClassic => {
            // The user's cache, as the install will use: yarn 1 unpacks every package to
            // resolve, and a private cache would fetch the whole tree twice (measured: 4×
            // the direct install for 111 packages). Unpacked files in a cache run nothing.
            let extra: Vec<OsString> = vec![
                "--ignore-scripts".into(),
                "--non-interactive".into(),
                "--no-progress".into(),
            ];
            (super::with_options(args, dashes, &extra), Vec::new())
        }
        Js::YarnBerry => {
            let args = without_mode(args);
            let dashes = args.iter().position(|a| a == "--");
            // A private cache, read for the install scripts; with the global cache as its
            // mirror (berry's default), which the install uses: archives already there are
            // copied, new ones are fetched once for both.
            let env = [
                ("YARN_ENABLE_GLOBAL_CACHE", OsString::from("false")),
                ("YARN_CACHE_FOLDER", cache.as_os_str().to_owned()),
                ("YARN_ENABLE_SCRIPTS", "false".into()),
                ("YARN_ENABLE_IMMUTABLE_INSTALLS", "false".into()),
                ("YARN_ENABLE_TELEMETRY", "false".into()),
                ("YARN_ENABLE_PROGRESS_BARS", "false".into()),
                ("YARN_HTTP_RETRY", "0".into()),
            ];
            (
                super::with_options(&args, dashes, &["--mode=update-lockfile".into()]),
                env.into_iter().map(|(k, v)| (k.into(), v)).collect(),
            )
        }
    }
}

/// The real install: the user's command with the tool's "this lockfile or fail" flag; for a
/// yarn `add` (whose packages are in the checked package.json now), `install` with the
/// options that still apply (yarn 1's global options; berry's `--mode`, `--json`).
pub fn install_args(kind: Js, args: &[OsString], text: &[String]) -> Vec<OsString> {
    let at = command_at(kind, text);
    let dashes = args.iter().position(|a| a == "--");
    let is_add = at.is_some_and(|i| text[i] == "add");
    match kind {
        Js::Pnpm | Js::Bun => super::with_options(args, dashes, &["--frozen-lockfile".into()]),
        Js::YarnClassic if is_add => {
            let mut out: Vec<OsString> = vec!["install".into()];
            let mut i = 0;
            while i < args.len() {
                match crate::cmdline::yarn::classic_global(&text[i]) {
                    Some(n) if Some(i) != at => {
                        out.extend(args[i..(i + n).min(args.len())].iter().cloned());
                        i += n;
                    }
                    _ => i += 1,
                }
            }
            out.push("--frozen-lockfile".into());
            out
        }
        Js::YarnBerry if is_add => {
            // What precedes the command (`--cwd <dir>`), then `install`.
            let mut out: Vec<OsString> = args[..at.unwrap_or(0)].to_vec();
            out.extend(["install".into(), "--immutable".into()]);
            for (i, a) in text.iter().enumerate() {
                if a == "--json" || a.starts_with("--mode=") {
                    out.push(args[i].clone());
                } else if a == "--mode" && i + 1 < args.len() {
                    out.extend([args[i].clone(), args[i + 1].clone()]);
                }
            }
            out
        }
        Js::YarnClassic => super::with_options(args, dashes, &["--frozen-lockfile".into()]),
        Js::YarnBerry => super::with_options(args, dashes, &["--immutable".into()]),
    }
}

/// The files copied into the private project besides package.json and the lockfile: each
/// tool's configuration (registries, scopes, auth stay the user's), and yarn's
/// `yarnPath` / `yarn-path` release, plugins and patches.
const CONFIG: &[&str] = &[
    ".npmrc",
    "bunfig.toml",
    ".yarnrc",
    ".yarnrc.yml",
    "pnpm-workspace.yaml",
];
const YARN_DIRS: &[&str] = &[".yarn/releases", ".yarn/plugins", ".yarn/patches"];

/// Copy the regular files under `from` to `to` (a bounded depth; no links followed).
fn copy_tree(from: &Path, to: &Path, depth: usize) -> Result<(), String> {
    let Ok(rd) = std::fs::read_dir(from) else {
        return Ok(());
    };
    std::fs::create_dir_all(to).map_err(|e| format!("{}: {e}", to.display()))?;
    for e in rd.flatten() {
        let Ok(t) = e.file_type() else { continue };
        let (src, dst) = (e.path(), to.join(e.file_name()));
        if t.is_dir() && depth < 8 {
            copy_tree(&src, &dst, depth + 1)?;
        } else if t.is_file()
            && let Some(b) = read(&src)?
        {
            std::fs::write(&dst, b).map_err(|e| format!("{}: {e}", dst.display()))?;
        }
    }
    Ok(())
}

/// Run the resolve-only command in `dir` (its cache in `work`; `extra` added to its
/// environment) and read back the lockfile it wrote in `root`.
fn run_resolve_only(
    kind: Js,
    tool: &Tool,
    (args, extra): (&[OsString], &[(OsString, OsString)]),
    dir: &Path,
    root: &Path,
    work: &Workdir,
    timeout: std::time::Duration,
) -> Result<Vec<u8>, Unresolved> {
    let name = kind.name();
    let fail = |f: Failure, d: String| Unresolved::new(name, f, d);
    let (run_args, mut env) = resolve_only(kind, args, &work.path().join("cache"));
    env.extend(extra.iter().cloned());
    let ran = exec::run(tool, &run_args, dir, &env, work, timeout)
        .map_err(|e| fail(Failure::ToolFailed, format!("cannot run {name}: {e}")))?;
    if let Some(u) = ran.stopped(name, timeout) {
        return Err(u);
    }
    if !ran.ok() {
        return Err(fail(classify(&ran.output()), super::tail(&ran.output(), 3)));
    }
    let lockname = kind.lockfile();
    read(&root.join(lockname))
        .map_err(|e| fail(Failure::ToolFailed, e))?
        .ok_or_else(|| fail(Failure::ToolFailed, format!("{name} wrote no {lockname}")))
}

/// Read the lockfile `kind` writes.
fn parse_lock(kind: Js, bytes: &[u8]) -> Result<Lock, String> {
    let text = String::from_utf8_lossy(bytes);
    match kind {
        Js::Pnpm => parse_pnpm(&text),
        Js::Bun => parse_bun(&text),
        Js::YarnClassic | Js::YarnBerry => parse_yarn(&text),
    }
}

/// The project the command works on: the workspace root above `cwd` (pnpm: the folder of
/// `pnpm-workspace.yaml`; bun, yarn: a package.json with `workspaces`), else the nearest
/// package.json's folder, else `cwd`.
fn project_root(kind: Js, cwd: &Path) -> PathBuf {
    let workspace_root = cwd.ancestors().find(|d| {
        if kind == Js::Pnpm {
            return d.join("pnpm-workspace.yaml").is_file();
        }
        read(&d.join("package.json"))
            .ok()
            .flatten()
            .and_then(|b| serde_json::from_slice::<Json>(&b).ok())
            .is_some_and(|m| !super::npm::workspace_patterns(&m).is_empty())
    });
    workspace_root
        .or_else(|| cwd.ancestors().find(|d| d.join("package.json").is_file()))
        .unwrap_or(cwd)
        .to_path_buf()
}

/// The workspace members' folders, relative to the root (pnpm: `pnpm-workspace.yaml`'s
/// `packages`; bun, yarn: package.json's `workspaces`); `Err` for what the private copy cannot
/// reproduce.
fn members(kind: Js, root: &Path, manifest: &Json) -> Result<Vec<String>, String> {
    if kind != Js::Pnpm {
        return super::npm::expand_workspaces(root, &super::npm::workspace_patterns(manifest));
    }
    let Some(b) = read(&root.join("pnpm-workspace.yaml"))? else {
        return Ok(Vec::new());
    };
    let doc = crate::cmdline::yaml::parse(&String::from_utf8_lossy(&b), "pnpm-workspace.yaml")
        .map_err(|e| e.message)?;
    let patterns: Vec<&str> = doc
        .get("packages")
        .map(crate::cmdline::yaml::Node::items)
        .unwrap_or_default()
        .iter()
        .filter_map(crate::cmdline::yaml::Node::str)
        .collect();
    super::npm::expand_workspaces(root, &patterns)
}

fn project(
    kind: Js,
    tool: &Tool,
    args: &[OsString],
    text: &[String],
    timeout: std::time::Duration,
) -> Result<Outcome, Unresolved> {
    let name = kind.name();
    let fail = |f: Failure, d: String| Unresolved::new(name, f, d);
    // Runs in the copy are made where the command acts, without the option that moved it.
    let (cwd, here_args, here_text) = moved(kind, args, text)?;
    let prefix = project_root(kind, &cwd);
    let manifest = read(&prefix.join("package.json")).map_err(|e| fail(Failure::ToolFailed, e))?;
    let parsed: Json = manifest
        .as_deref()
        .and_then(|b| serde_json::from_slice(b).ok())
        .unwrap_or(Json::Null);
    let members = members(kind, &prefix, &parsed).map_err(|e| fail(Failure::Unsupported, e))?;
    if kind == Js::Bun && prefix.join("bun.lockb").exists() && !prefix.join("bun.lock").exists() {
        return Err(fail(
            Failure::Unsupported,
            "bun.lockb (binary) is not read; `bun install --save-text-lockfile` writes bun.lock"
                .into(),
        ));
    }
    let lockname = kind.lockfile();
    let old_bytes = read(&prefix.join(lockname)).map_err(|e| fail(Failure::ToolFailed, e))?;
    let work =
        Workdir::new().map_err(|e| fail(Failure::ToolFailed, format!("work directory: {e}")))?;
    let copy = work.path().join("project");
    let cache = work.path().join("cache");
    std::fs::create_dir_all(&copy).map_err(|e| fail(Failure::ToolFailed, e.to_string()))?;
    for f in ["package.json", lockname].iter().chain(CONFIG) {
        if let Some(b) = read(&prefix.join(f)).map_err(|e| fail(Failure::ToolFailed, e))? {
            std::fs::write(copy.join(f), b)
                .map_err(|e| fail(Failure::ToolFailed, e.to_string()))?;
        }
    }
    if kind.is_yarn() {
        for d in YARN_DIRS {
            copy_tree(&prefix.join(d), &copy.join(d), 0)
                .map_err(|e| fail(Failure::ToolFailed, e))?;
        }
    }
    // Every member's manifest, so the tool sees the same workspace.
    let mut member_manifests = Vec::new();
    for m in &members {
        let rel = format!("{m}/package.json");
        let b = read(&prefix.join(&rel))
            .map_err(|e| fail(Failure::ToolFailed, e))?
            .unwrap_or_default();
        let to = copy.join(&rel);
        std::fs::create_dir_all(copy.join(m))
            .and_then(|()| std::fs::write(&to, &b))
            .map_err(|e| fail(Failure::ToolFailed, format!("{}: {e}", to.display())))?;
        member_manifests.push((rel, b));
    }
    // The command runs where it was typed: the root or a member.
    let here = copy.join(cwd.strip_prefix(&prefix).unwrap_or(Path::new("")));
    std::fs::create_dir_all(&here).map_err(|e| fail(Failure::ToolFailed, e.to_string()))?;
    let mut typed = here_args;
    if command_at(kind, &here_text).is_none() {
        typed.insert(0, "install".into());
    }
    let new_bytes = run_resolve_only(kind, tool, (&typed, &[]), &here, &copy, &work, timeout)?;
    let mut new = parse_lock(kind, &new_bytes)
        .map_err(|e| fail(Failure::Unsupported, format!("{lockname}: {e}")))?;
    let old = old_bytes.as_deref().and_then(|b| parse_lock(kind, b).ok());
    let new_manifest =
        read(&copy.join("package.json")).map_err(|e| fail(Failure::ToolFailed, e))?;
    let mut notes = Vec::new();
    if kind.is_yarn() {
        let m: Json = new_manifest
            .as_deref()
            .and_then(|b| serde_json::from_slice(b).ok())
            .unwrap_or(Json::Null);
        new.direct = direct_of(&m);
        for (rel, _) in &member_manifests {
            let m: Json = read(&copy.join(rel))
                .ok()
                .flatten()
                .and_then(|b| serde_json::from_slice(&b).ok())
                .unwrap_or(Json::Null);
            new.direct.extend(direct_of(&m));
        }
        let scripted = if kind == Js::YarnBerry {
            notes.push(
                "yarn ≥ 2 has no metadata-only resolution: it fetched the archives to \
                 compute their checksums (into a private cache and yarn's global one, its \
                 mirror; no package code ran); the install takes them from there and checks \
                 them against yarn.lock"
                    .to_string(),
            );
            scripts_in_zips(&cache).map_err(|e| fail(Failure::ToolFailed, e))?
        } else {
            notes.push(
                "yarn 1 has no lockfile-only mode: the tree was fetched and unpacked into a \
                 private copy with scripts off (no package code ran)"
                    .to_string(),
            );
            scripts_in_tree(&copy.join("node_modules"))
        };
        for (key, e) in &mut new.entries {
            e.install_script = scripted.contains(key);
        }
    }
    let mut writes = Vec::new();
    for (file, new, old) in [
        ("package.json", new_manifest, manifest),
        (lockname, Some(new_bytes.clone()), old_bytes),
    ] {
        if let Some(new) = new
            && old.as_deref() != Some(new.as_slice())
        {
            writes.push(FileWrite {
                path: prefix.join(file),
                bytes: new,
                original: old,
                keep: true,
            });
        }
    }
    // A member the command added to (`--filter`, or typed in its folder).
    for (rel, old) in member_manifests {
        if let Some(new) = read(&copy.join(&rel)).map_err(|e| fail(Failure::ToolFailed, e))?
            && new != old
        {
            writes.push(FileWrite {
                path: prefix.join(&rel),
                bytes: new,
                original: Some(old),
                keep: true,
            });
        }
    }
    Ok(Outcome::Resolved(Resolution {
        tool: name,
        packages: packages(kind, &new, old.as_ref()),
        plan: Plan {
            steps: vec![Step {
                args: install_args(kind, args, text),
                env: Vec::new(),
            }],
            verify: Some(Verify::Unchanged {
                path: prefix.join(lockname),
                bytes: new_bytes,
            }),
            writes,
            keep_writes: false,
            workdir: Some(work),
            ..Plan::default()
        },
        notes,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    const PNPM: &str = "lockfileVersion: '9.0'\n\nsettings:\n  autoInstallPeers: true\n\nimporters:\n\n  .:\n    dependencies:\n      clean:\n        specifier: ^1.0.0\n        version: 1.0.0\n\npackages:\n\n  clean@1.0.0:\n    resolution: {integrity: sha512-c}\n\n  evil@1.0.0:\n    resolution: {integrity: sha512-e}\n\n  leaf@2.0.0-rc.1:\n    resolution: {integrity: sha512-l}\n\nsnapshots:\n\n  clean@1.0.0:\n    dependencies:\n      evil: 1.0.0\n\n  evil@1.0.0:\n    dependencies:\n      leaf: 2.0.0-rc.1\n\n  leaf@2.0.0-rc.1: {}\n";

    const BUN: &str = r#"{
  "lockfileVersion": 2,
  "workspaces": {
    "": {
      "name": "proj",
      "dependencies": {
        "clean": "^1.0.0",
      },
    },
  },
  "packages": {
    "clean": ["clean@1.0.0", "http://r/clean/-/clean-1.0.0.tgz", { "dependencies": { "evil": "^1.0.0" } }, "sha512-c"],

    "evil": ["evil@1.0.0", "http://r/evil/-/evil-1.0.0.tgz", { "hasInstallScript": true }, "sha512-e"],
  }
}"#;

    #[test]
    fn pnpm_and_bun_lockfiles_give_the_tree() {
        let lock = parse_pnpm(PNPM).unwrap();
        assert_eq!(lock.direct, ["clean"]);
        let pkgs = packages(Js::Pnpm, &lock, None);
        let get = |n: &str| pkgs.iter().find(|p| p.name == n).unwrap();
        assert!(get("clean").resolved.direct);
        assert_eq!(get("leaf").resolved.required_by, ["clean", "evil"]);
        assert_eq!(get("leaf").resolved.version.as_deref(), Some("2.0.0-rc.1"));
        assert_eq!(get("evil").resolved.integrity.as_deref(), Some("sha512-e"));

        let lock = parse_bun(BUN).unwrap();
        let pkgs = packages(Js::Bun, &lock, None);
        let evil = pkgs.iter().find(|p| p.name == "evil").unwrap();
        assert_eq!(evil.resolved.install_code, ["install-script"]);
        assert_eq!(evil.resolved.required_by, ["clean"]);
        assert!(parse_pnpm("lockfileVersion: '6.0'\n").is_err());
    }

    #[test]
    fn diff_against_the_old_lockfile() {
        let new = parse_pnpm(PNPM).unwrap();
        let mut old = new.clone();
        old.entries.remove("evil@1.0.0");
        let e = old.entries.remove("leaf@2.0.0-rc.1").unwrap();
        old.entries.insert(
            "leaf@1.0.0".into(),
            Entry {
                version: "1.0.0".into(),
                ..e
            },
        );
        let pkgs = packages(Js::Pnpm, &new, Some(&old));
        let change = |n: &str| {
            pkgs.iter()
                .find(|p| p.name == n)
                .unwrap()
                .resolved
                .change
                .clone()
        };
        assert_eq!(change("clean"), "unchanged");
        assert_eq!(change("evil"), "added");
        assert_eq!(change("leaf"), "changed");
    }

    #[test]
    fn failures_are_told_apart() {
        assert_eq!(
            classify("ERR_PNPM_META_FETCH_FAIL ... ECONNREFUSED"),
            Failure::Offline
        );
        assert_eq!(
            classify("ERR_PNPM_FETCH_404 GET http://r/nope: Not Found - 404"),
            Failure::NotFound
        );
        assert_eq!(
            classify("error: ConnectionRefused downloading package manifest x"),
            Failure::Offline
        );
        assert_eq!(classify("ERR_PNPM_PEER_DEP_ISSUES"), Failure::ToolFailed);
        assert_eq!(
            classify("error Error: connect ECONNREFUSED 127.0.0.1:9"),
            Failure::Offline
        );
        assert_eq!(
            classify("error Couldn't find package \"x\" on the \"npm\" registry."),
            Failure::NotFound
        );
        assert_eq!(
            classify("➤ YN0035: │ Package not found\n➤ YN0035: │   Response Code: 404 (Not Found)"),
            Failure::NotFound
        );
    }

    const BERRY: &str = "__metadata:\n  version: 10\n  cacheKey: 10c0\n\n\"@s/evil@npm:^1.0.0\":\n  version: 1.0.0\n  resolution: \"@s/evil@npm:1.0.0\"\n  checksum: 10c0/7eff\n  languageName: node\n  linkType: hard\n\n\"clean@npm:^1.0.0, clean@npm:^1.0\":\n  version: 1.0.0\n  resolution: \"clean@npm:1.0.0\"\n  dependencies:\n    \"@s/evil\": \"npm:^1.0.0\"\n  checksum: 10c0/0459\n  languageName: node\n  linkType: hard\n\n\"g@https://h/g.git#commit=abc\":\n  version: 0.1.0\n  resolution: \"g@https://h/g.git#commit=abc\"\n  languageName: node\n  linkType: hard\n\n\"p@workspace:.\":\n  version: 0.0.0-use.local\n  resolution: \"p@workspace:.\"\n  dependencies:\n    clean: \"npm:^1.0.0\"\n  languageName: unknown\n  linkType: soft\n";

    const CLASSIC: &str = "# yarn lockfile v1\n\n\n\"@s/evil@^1.0.0\":\n  version \"1.0.0\"\n  resolved \"http://r/@s/evil/-/evil-1.0.0.tgz#68812e\"\n  integrity sha512-J5L\n\nclean@^1.0.0, clean@^1.0:\n  version \"1.0.0\"\n  resolved \"http://r/clean/-/clean-1.0.0.tgz#b381\"\n  integrity sha512-fRq\n  dependencies:\n    \"@s/evil\" \"^1.0.0\"\n\n\"al@npm:real@^2\":\n  version \"2.0.0\"\n  resolved \"http://r/real/-/real-2.0.0.tgz\"\n";

    #[test]
    fn yarn_lockfiles_in_both_formats_give_the_tree() {
        let manifest: Json = serde_json::from_str(
            r#"{"dependencies": {"clean": "^1.0.0"}, "devDependencies": {"al": "npm:real@^2"}}"#,
        )
        .unwrap();
        for text in [BERRY, CLASSIC] {
            let mut lock = parse_yarn(text).unwrap();
            lock.direct = direct_of(&manifest);
            lock.entries
                .get_mut("@s/evil@1.0.0")
                .unwrap()
                .install_script = true;
            let pkgs = packages(Js::YarnBerry, &lock, None);
            let get = |n: &str| pkgs.iter().find(|p| p.name == n).unwrap();
            assert!(get("clean").resolved.direct, "{text}");
            let evil = &get("@s/evil").resolved;
            assert_eq!(evil.required_by, ["clean"], "{text}");
            assert_eq!(evil.install_code, ["install-script"]);
            assert_eq!(evil.source, "registry");
            assert_eq!(evil.by, "yarn");
            assert!(
                !pkgs.iter().any(|p| p.name == "p"),
                "the workspace is the project"
            );
        }
        let berry = parse_yarn(BERRY).unwrap();
        assert_eq!(
            berry.entries["clean@1.0.0"].integrity.as_deref(),
            Some("10c0/0459")
        );
        let git = &berry.entries["g@0.1.0"];
        assert_eq!(git.source, "git");
        let pkgs = packages(Js::YarnBerry, &berry, None);
        let g = pkgs.iter().find(|p| p.name == "g").unwrap();
        assert_eq!(g.resolved.install_code, ["git-prepare"]);
        let classic = parse_yarn(CLASSIC).unwrap();
        assert_eq!(
            classic.entries.len(),
            3,
            "one entry under two keys is one package"
        );
        let real = &classic.entries["real@2.0.0"];
        assert_eq!(real.url.as_deref(), Some("http://r/real/-/real-2.0.0.tgz"));
        assert_eq!(
            classic.entries["clean@1.0.0"].integrity.as_deref(),
            Some("sha512-fRq")
        );
    }

    fn os(v: &[&str]) -> (Vec<OsString>, Vec<String>) {
        (
            v.iter().map(OsString::from).collect(),
            v.iter().map(|s| (*s).to_string()).collect(),
        )
    }

    #[test]
    fn yarn_installs_the_checked_lockfile_with_the_options_that_still_apply() {
        let (a, t) = os(&[
            "add",
            "-D",
            "--cache-folder",
            "c",
            "x",
            "--registry=http://r/",
            "-E",
        ]);
        assert_eq!(
            install_args(Js::YarnClassic, &a, &t),
            os(&[
                "install",
                "--cache-folder",
                "c",
                "--registry=http://r/",
                "--frozen-lockfile"
            ])
            .0
        );
        let (a, t) = os(&["--offline", "add", "x"]);
        assert_eq!(
            install_args(Js::YarnClassic, &a, &t),
            os(&["install", "--offline", "--frozen-lockfile"]).0
        );
        let (a, t) = os(&["add", "-D", "x", "--mode", "skip-build", "--json"]);
        assert_eq!(
            install_args(Js::YarnBerry, &a, &t),
            os(&["install", "--immutable", "--mode", "skip-build", "--json"]).0
        );
        let (a, t) = os(&["--production"]);
        assert_eq!(
            install_args(Js::YarnClassic, &a, &t),
            os(&["--production", "--frozen-lockfile"]).0
        );
        let (a, t) = os(&["install", "--check-cache"]);
        assert_eq!(
            install_args(Js::YarnBerry, &a, &t),
            os(&["install", "--check-cache", "--immutable"]).0
        );
        let (a, _) = os(&["add", "x", "--mode=skip-build"]);
        assert_eq!(without_mode(&a), os(&["add", "x"]).0,);
    }

    #[test]
    fn which_yarn_commands_are_resolved() {
        let outcome = |v: &[&str]| {
            let (_, t) = os(v);
            match command_outcome(Js::YarnClassic, &t) {
                None => "resolve",
                Some(Outcome::NotNeeded) => "not-needed",
                Some(Outcome::Unresolved(_)) => "unresolved",
                Some(Outcome::Resolved(_)) => unreachable!(),
            }
        };
        assert_eq!(outcome(&[]), "resolve");
        assert_eq!(outcome(&["--cache-folder", "add", "install"]), "resolve");
        assert_eq!(outcome(&["add", "-C", "-F", "x"]), "resolve");
        assert_eq!(outcome(&["install", "--frozen-lockfile"]), "not-needed");
        assert_eq!(
            outcome(&["add", "x", "--mode", "update-lockfile"]),
            "not-needed"
        );
        assert_eq!(outcome(&["dlx", "x"]), "unresolved");
        // Past a global option's value too, with yarn 1's own reason (yarn ≥ 2's dlx is
        // resolved before this, in `resolve_yarn`).
        let (_, t) = os(&["--cwd", "sub", "dlx", "x"]);
        match command_outcome(Js::YarnClassic, &t) {
            Some(Outcome::Unresolved(u)) => {
                assert!(u.detail.contains("yarn 1 has no dlx"), "{u:?}");
            }
            _ => panic!("yarn --cwd sub dlx x is resolved"),
        }
        let specs = |v: &[&str]| dlx_specs(&os(v).1);
        assert_eq!(specs(&["cowsay", "-p", "x"]).unwrap(), ["cowsay"]);
        assert_eq!(
            specs(&[
                "-q",
                "-p",
                "a@1",
                "--package=@s/b@^2",
                "--package",
                "c",
                "run",
                "-p"
            ])
            .unwrap(),
            ["a@1", "@s/b@^2", "c"]
        );
        for (bad, says) in [
            (&["-p"][..], "`-p` has no value"),
            (&["-q"], "names no command"),
            (&["--cache-folder", "x", "run"], "`--cache-folder`"),
            (&["-p", "github:a/b", "b"], "`github:a/b`"),
            (&["./dir"], "`./dir`"),
            (&["-p", "x@npm:y@1", "x"], "`x@npm:y@1`"),
        ] {
            let e = specs(bad).unwrap_err();
            assert!(e.contains(says), "{bad:?}: {e}");
        }
        assert_eq!(outcome(&["global", "add", "x"]), "resolve");
        assert_eq!(outcome(&["global", "remove", "x"]), "unresolved");
        let (a, _) = os(&["global", "add", "--prefix", "/p", "x", "--latest", "-D"]);
        assert_eq!(
            local_of_global(Js::YarnClassic, &a),
            os(&["add", "x", "-D"]).0
        );
        let (_, t) = os(&["global", "add", "x"]);
        assert!(
            command_outcome(Js::YarnBerry, &t).is_some(),
            "berry has no global"
        );
        assert_eq!(outcome(&["--cwd", "sub", "add", "x"]), "resolve");
        let (_, t) = os(&["--cwd", "add", "run", "x"]);
        assert!(
            matches!(command_outcome(Js::Bun, &t), Some(Outcome::Unresolved(_))),
            "bun's --cwd value read as the command is not resolved without the option"
        );
        let (_, t) = os(&["--cwd=add", "add", "x"]);
        assert!(command_outcome(Js::Bun, &t).is_none());
        for (kind, v, dir) in [
            (Js::Pnpm, &["-C", "sub", "add", "x"][..], "sub"),
            (Js::Pnpm, &["--dir=sub", "add", "x"][..], "sub"),
            (Js::Pnpm, &["add", "-Csub", "x"][..], "sub"),
            (Js::Bun, &["add", "--cwd", "sub", "x"][..], "sub"),
            (
                Js::YarnBerry,
                &["--cwd", "sub", "add", "-C", "x"][..],
                "sub",
            ),
        ] {
            let (a, t) = os(v);
            let (cwd, rest, _) = moved(kind, &a, &t).unwrap();
            assert!(cwd.ends_with(dir), "{v:?}");
            assert_eq!(
                rest.len(),
                a.len() - if v.contains(&"sub") { 2 } else { 1 },
                "{v:?}"
            );
        }
        let (a, t) = os(&["--cwd", "sub", "add", "-D", "x"]);
        assert_eq!(
            install_args(Js::YarnBerry, &a, &t),
            os(&["--cwd", "sub", "install", "--immutable"]).0
        );
        assert_eq!(outcome(&["add", "x", "--pure-lockfile"]), "unresolved");
        let (_, t) = os(&["add", "x", "--location", "global"]);
        assert!(matches!(
            command_outcome(Js::Pnpm, &t),
            Some(Outcome::Unresolved(_))
        ));
        let (_, t) = os(&["--filter", "a", "--config.x=1", "add", "x"]);
        assert_eq!(command_at(Js::Pnpm, &t), Some(3));
        assert!(command_outcome(Js::Pnpm, &t).is_none());
    }

    /// `pnpm run` installs only through verifyDepsBeforeRun: not run ahead, said why.
    #[test]
    fn pnpm_run_is_checked_by_name_with_why() {
        for line in [
            &["run", "build"][..],
            &["build"],
            &["exec", "ls"],
            &["-C", "sub", "test"],
        ] {
            let (_, t) = os(line);
            match command_outcome(Js::Pnpm, &t) {
                Some(Outcome::Unresolved(u)) => {
                    assert!(
                        u.detail.contains("verifyDepsBeforeRun"),
                        "{line:?}: {}",
                        u.detail
                    );
                }
                _ => panic!("{line:?}: not unresolved"),
            }
        }
        let (_, t) = os(&["update"]);
        match command_outcome(Js::Pnpm, &t) {
            Some(Outcome::Unresolved(u)) => assert!(!u.detail.contains("verifyDepsBeforeRun")),
            _ => panic!("update: not unresolved"),
        }
    }

    #[test]
    fn install_scripts_are_read_from_yarns_archives_and_unpacked_trees() {
        let mut buf = std::io::Cursor::new(Vec::new());
        {
            let mut z = zip::ZipWriter::new(&mut buf);
            let o = zip::write::SimpleFileOptions::default();
            for (path, body) in [
                (
                    "node_modules/@s/evil/package.json",
                    r#"{"name":"@s/evil","version":"1.0.0","scripts":{"postinstall":"x"}}"#,
                ),
                (
                    "node_modules/gyp/package.json",
                    r#"{"name":"gyp","version":"2.0.0"}"#,
                ),
                ("node_modules/gyp/binding.gyp", "{}"),
                (
                    "node_modules/plain/package.json",
                    r#"{"name":"plain","version":"1.0.0","scripts":{"test":"x"}}"#,
                ),
                (
                    "node_modules/plain/sub/package.json",
                    r#"{"name":"inner","version":"1.0.0","scripts":{"install":"x"}}"#,
                ),
            ] {
                z.start_file(path, o).unwrap();
                std::io::Write::write_all(&mut z, body.as_bytes()).unwrap();
            }
            z.finish().unwrap();
        }
        let mut found = zip_scripts_of(buf.get_ref()).unwrap();
        found.sort();
        assert_eq!(found, ["@s/evil@1.0.0", "gyp@2.0.0"]);
        assert!(zip_scripts_of(b"not a zip").is_err());

        let t = tempfile::tempdir().unwrap();
        let nm = t.path().join("node_modules");
        for (dir, body) in [
            (
                "@s/evil",
                r#"{"name":"@s/evil","version":"1.0.0","scripts":{"preinstall":"x"}}"#,
            ),
            ("plain", r#"{"name":"plain","version":"1.0.0"}"#),
            (
                "plain/node_modules/deep",
                r#"{"name":"deep","version":"3.0.0","scripts":{"install":"x"}}"#,
            ),
        ] {
            std::fs::create_dir_all(nm.join(dir)).unwrap();
            std::fs::write(nm.join(dir).join("package.json"), body).unwrap();
        }
        let found = scripts_in_tree(&nm);
        assert_eq!(found.len(), 2);
        assert!(found.contains("@s/evil@1.0.0") && found.contains("deep@3.0.0"));
    }

    #[test]
    fn workspaces_and_global_pins() {
        let pnpm = "lockfileVersion: '9.0'\n\nimporters:\n\n  .:\n    dependencies:\n      clean:\n        specifier: ^1.0.0\n        version: 1.0.0(peer@2.0.0)\n\n  packages/a:\n    dependencies:\n      b:\n        specifier: workspace:*\n        version: link:../b\n      leaf:\n        specifier: ^2\n        version: 2.1.0\n\npackages:\n\n  clean@1.0.0:\n    resolution: {integrity: sha512-c}\n\n  leaf@2.1.0:\n    resolution: {integrity: sha512-l}\n";
        let lock = parse_pnpm(pnpm).unwrap();
        assert_eq!(lock.direct, ["clean", "b", "leaf"]);
        assert_eq!(lock.direct_version["clean"], "1.0.0");
        assert!(
            !lock.direct_version.contains_key("leaf"),
            "a member's, not the root's"
        );
        let bun = r#"{"lockfileVersion": 1, "workspaces": {"": {"name": "root"}, "packages/a": {"name": "a", "dependencies": {"clean": "^1"}}},
          "packages": {"a": ["a@workspace:packages/a"], "clean": ["clean@1.0.0", "", {}, "sha512-c"], "x/clean": ["clean@0.9.0", "", {}, "sha512-o"]}}"#;
        let lock = parse_bun(bun).unwrap();
        assert_eq!(lock.direct, ["clean"]);
        assert_eq!(lock.direct_version["clean"], "1.0.0");
        assert_eq!(
            lock.entries.len(),
            2,
            "the member is not a package: {lock:?}"
        );
        let args: Vec<OsString> = [
            "add",
            "-g",
            "--store-dir",
            "../s",
            "clean",
            "git+https://h/x.git",
            "other",
        ]
        .iter()
        .map(OsString::from)
        .collect();
        assert_eq!(
            pin_global(&args, &lock),
            [
                "add",
                "-g",
                "--store-dir",
                "../s",
                "clean@1.0.0",
                "git+https://h/x.git",
                "other"
            ]
            .map(OsString::from)
        );

        let t = tempfile::tempdir().unwrap();
        let root = t.path();
        std::fs::create_dir_all(root.join("packages/a/src")).unwrap();
        std::fs::write(
            root.join("package.json"),
            r#"{"workspaces": ["packages/*"]}"#,
        )
        .unwrap();
        std::fs::write(root.join("packages/a/package.json"), "{}").unwrap();
        std::fs::write(
            root.join("pnpm-workspace.yaml"),
            "packages:\n  - packages/*\n",
        )
        .unwrap();
        let inner = root.join("packages/a/src");
        assert_eq!(project_root(Js::Bun, &inner), root);
        assert_eq!(project_root(Js::Pnpm, &inner), root);
        let m: Json = serde_json::from_str(r#"{"workspaces": ["packages/*"]}"#).unwrap();
        assert_eq!(members(Js::YarnBerry, root, &m).unwrap(), ["packages/a"]);
        assert_eq!(
            members(Js::Pnpm, root, &Json::Null).unwrap(),
            ["packages/a"]
        );
        std::fs::write(
            root.join("pnpm-workspace.yaml"),
            "packages:\n  - '!**/test/**'\n",
        )
        .unwrap();
        assert!(members(Js::Pnpm, root, &Json::Null).is_err());
    }
}
