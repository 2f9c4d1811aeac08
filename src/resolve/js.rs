//! pnpm and bun: resolve `add` / `install` in a private copy of the project with the tool's
//! own `--lockfile-only --ignore-scripts` (packuments only: no tarball, no script, no
//! node_modules), read the lockfile it wrote (`pnpm-lock.yaml` v9, text `bun.lock`), diff it
//! against the project's, and plan the real install: the checked package.json and lockfile put
//! in place, then the command as typed with `--frozen-lockfile`, so the tool installs that
//! lockfile or fails rather than resolving anew; the lockfile is compared after. Pure except
//! [`resolve`]; `dlx`/`bunx` are in `oneoff`. Does not resolve workspaces, `-g`,
//! `--dir`/`--cwd`/`--filter`, yarn (yarn 1 has no lockfile-only mode, berry's fetches every
//! archive) or `bun.lockb`.

use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};
use std::ffi::OsString;
use std::path::Path;

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
}

impl Js {
    fn name(self) -> &'static str {
        match self {
            Js::Pnpm => "pnpm",
            Js::Bun => "bun",
        }
    }

    fn lockfile(self) -> &'static str {
        match self {
            Js::Pnpm => "pnpm-lock.yaml",
            Js::Bun => "bun.lock",
        }
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
}

/// A lockfile: the project's direct dependencies and every package by `name@version`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Lock {
    pub direct: Vec<String>,
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
    if let Some(root) = doc.get("importers").and_then(|i| i.get(".")) {
        for group in ["dependencies", "devDependencies", "optionalDependencies"] {
            for (name, _) in root
                .get(group)
                .map(super::super::cmdline::yaml::Node::entries)
                .unwrap_or_default()
            {
                lock.direct.push(name.clone());
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
    let root = &doc["workspaces"][""];
    for group in ["dependencies", "devDependencies", "optionalDependencies"] {
        if let Some(m) = root[group].as_object() {
            lock.direct.extend(m.keys().cloned());
        }
    }
    let Some(packages) = doc["packages"].as_object() else {
        return Err("no `packages` map".into());
    };
    for entry in packages.values() {
        let Some(id) = entry[0].as_str() else {
            continue;
        };
        let Some((name, version)) = split_name(id) else {
            continue;
        };
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
            },
        );
    }
    Ok(lock)
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
                    source: if e.version.contains(':') {
                        "url"
                    } else {
                        "registry"
                    }
                    .into(),
                    url: e.url.clone(),
                    change: change.into(),
                    previous,
                    install_code: if e.install_script {
                        vec!["install-script".into()]
                    } else {
                        Vec::new()
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
    {
        Failure::NotFound
    } else {
        Failure::ToolFailed
    }
}

/// Options that change which project the command works on, or put it outside one: those
/// commands are checked by name.
const ELSEWHERE: &[&str] = &[
    "-g",
    "--global",
    "-C",
    "--dir",
    "--cwd",
    "-F",
    "--filter",
    "-w",
    "--workspace-root",
    "--recursive",
    "-r",
    "--location",
];

const CAP: u64 = 64 << 20;

fn read(path: &Path) -> Result<Option<Vec<u8>>, String> {
    match crate::files::read_regular(path, CAP) {
        Ok(b) => Ok(Some(b)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(format!("{}: {e}", path.display())),
    }
}

/// Resolve `pnpm|bun add|install …` (see the module doc).
pub fn resolve(
    tool_kind: Js,
    tool: &Tool,
    args: &[OsString],
    timeout: std::time::Duration,
) -> Outcome {
    let name = tool_kind.name();
    let text: Vec<String> = args
        .iter()
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
    let unsupported =
        |why: String| Outcome::Unresolved(Unresolved::new(name, Failure::Unsupported, why));
    let Some(command) = text.iter().find(|a| !a.starts_with('-')) else {
        return Outcome::NotNeeded;
    };
    if !matches!(command.as_str(), "add" | "a" | "install" | "i") {
        return unsupported(format!("`{name} {command}` is checked by name only"));
    }
    if let Some(o) = text.iter().find(|a| {
        let opt = a.split('=').next().unwrap_or(a);
        ELSEWHERE.contains(&opt)
    }) {
        return unsupported(format!(
            "`{o}`: installs outside this project or across workspaces are checked by name only"
        ));
    }
    if text.iter().any(|a| {
        matches!(
            a.as_str(),
            "--lockfile-only" | "--dry-run" | "--frozen-lockfile"
        )
    }) {
        return Outcome::NotNeeded;
    }
    match project(tool_kind, tool, args, timeout) {
        Ok(o) => o,
        Err(u) => Outcome::Unresolved(u),
    }
}

fn project(
    kind: Js,
    tool: &Tool,
    args: &[OsString],
    timeout: std::time::Duration,
) -> Result<Outcome, Unresolved> {
    let name = kind.name();
    let fail = |f: Failure, d: String| Unresolved::new(name, f, d);
    let cwd = std::env::current_dir().map_err(|e| fail(Failure::ToolFailed, e.to_string()))?;
    let prefix = cwd
        .ancestors()
        .find(|d| d.join("package.json").is_file())
        .unwrap_or(&cwd)
        .to_path_buf();
    let manifest = read(&prefix.join("package.json")).map_err(|e| fail(Failure::ToolFailed, e))?;
    let parsed: Json = manifest
        .as_deref()
        .and_then(|b| serde_json::from_slice(b).ok())
        .unwrap_or(Json::Null);
    if !parsed["workspaces"].is_null() || prefix.join("pnpm-workspace.yaml").exists() {
        return Err(fail(
            Failure::Unsupported,
            "workspaces are checked by name only".into(),
        ));
    }
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
    std::fs::create_dir_all(&copy).map_err(|e| fail(Failure::ToolFailed, e.to_string()))?;
    for f in ["package.json", lockname, ".npmrc", "bunfig.toml"] {
        if let Some(b) = read(&prefix.join(f)).map_err(|e| fail(Failure::ToolFailed, e))? {
            std::fs::write(copy.join(f), b)
                .map_err(|e| fail(Failure::ToolFailed, e.to_string()))?;
        }
    }
    let mut run_args = args.to_vec();
    let at = run_args
        .iter()
        .position(|a| a == "--")
        .unwrap_or(run_args.len());
    let mut extra: Vec<OsString> = vec!["--lockfile-only".into(), "--ignore-scripts".into()];
    if kind == Js::Pnpm {
        extra.extend([
            "--config.update-notifier=false".into(),
            "--config.fetch-retries=0".into(),
        ]);
    }
    run_args.splice(at..at, extra);
    let ran = exec::run(tool, &run_args, &copy, &[], &work, timeout)
        .map_err(|e| fail(Failure::ToolFailed, format!("cannot run {name}: {e}")))?;
    if let Some(u) = ran.stopped(name, timeout) {
        return Err(u);
    }
    if !ran.ok() {
        return Err(fail(classify(&ran.output()), super::tail(&ran.output(), 3)));
    }
    let new_bytes = read(&copy.join(lockname))
        .map_err(|e| fail(Failure::ToolFailed, e))?
        .ok_or_else(|| fail(Failure::ToolFailed, format!("{name} wrote no {lockname}")))?;
    let parse = |b: &[u8]| {
        let t = String::from_utf8_lossy(b);
        match kind {
            Js::Pnpm => parse_pnpm(&t),
            Js::Bun => parse_bun(&t),
        }
    };
    let new =
        parse(&new_bytes).map_err(|e| fail(Failure::Unsupported, format!("{lockname}: {e}")))?;
    let old = old_bytes.as_deref().and_then(|b| parse(b).ok());
    let new_manifest =
        read(&copy.join("package.json")).map_err(|e| fail(Failure::ToolFailed, e))?;
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
            });
        }
    }
    let mut real = args.to_vec();
    let at = real.iter().position(|a| a == "--").unwrap_or(real.len());
    real.insert(at, "--frozen-lockfile".into());
    Ok(Outcome::Resolved(Resolution {
        tool: name,
        packages: packages(kind, &new, old.as_ref()),
        plan: Plan {
            steps: vec![Step {
                args: real,
                env: Vec::new(),
            }],
            verify: Some(Verify::Unchanged {
                path: prefix.join(lockname),
                bytes: new_bytes,
            }),
            writes,
            keep_writes: false,
            workdir: Some(work),
        },
        notes: Vec::new(),
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
    }
}
