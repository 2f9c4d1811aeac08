//! `yarn.lock` in both formats: yarn 1's text format (`syml`) and berry's YAML with
//! `__metadata`, as targets. Every entry is one target, named by what it really fetches: a
//! classic entry's `resolved` registry tarball (whose name and version must be the entry's
//! own, else the `lockfile-mismatch` rule), a berry entry's `resolution`. Shared with npm,
//! which follows a classic `yarn.lock` when a project has no package-lock. Pure apart from
//! `World`; does not resolve anything.

use std::path::Path;

use super::syml::{self, Syml};
use crate::cmdline::npm::files::{Integrities, tarball_mismatch};
use crate::cmdline::npm::spec::{SpecType, npa, starts_with_ci, tarball_name_version};
use crate::cmdline::yaml::{self, Node};
use crate::cmdline::{Error, World};
use crate::ecosystem::Ecosystem;
use crate::request::{Origin, Target, TargetKind};

const ECO: Ecosystem = Ecosystem::Npm;

/// yarn 1's default registry; its tarball URLs are registry packages like npm's.
pub(crate) const YARN_REGISTRY: &str = "https://registry.yarnpkg.com/";

/// A parsed `yarn.lock`.
pub(crate) enum YarnLock {
    Classic { path: String, doc: Syml },
    Berry { path: String, doc: Node },
}

/// Read `path`; Ok(None) when it does not exist.
pub(crate) fn read(world: &dyn World, path: &Path) -> Result<Option<YarnLock>, Error> {
    let shown = path.display().to_string();
    let bytes = match world.read_file(path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(Error::bad_file(format!("{shown}: {e}"))),
    };
    let text = String::from_utf8_lossy(&bytes);
    if is_berry(&text) {
        let doc = yaml::parse(&text, &shown)?;
        Ok(Some(YarnLock::Berry { path: shown, doc }))
    } else {
        let doc = syml::parse(&text, &shown)?;
        Ok(Some(YarnLock::Classic { path: shown, doc }))
    }
}

/// Berry's lockfile is YAML with a top-level `__metadata` key.
pub(crate) fn is_berry(text: &str) -> bool {
    text.lines()
        .any(|l| l.starts_with("__metadata:") || l.starts_with("\"__metadata\":"))
}

impl YarnLock {
    pub(crate) fn path(&self) -> &str {
        match self {
            YarnLock::Classic { path, .. } | YarnLock::Berry { path, .. } => path,
        }
    }

    pub(crate) fn is_berry(&self) -> bool {
        matches!(self, YarnLock::Berry { .. })
    }

    /// Every entry as a target; `registries` are the URL prefixes whose tarballs count as
    /// registry packages (yarn's and npm's defaults are always among them).
    pub(crate) fn targets(&self, registries: &[String]) -> Vec<Target> {
        match self {
            YarnLock::Classic { path, doc } => classic_targets(path, doc, registries),
            YarnLock::Berry { path, doc } => berry_targets(path, doc),
        }
    }
}

/// The package name of a lockfile key or resolution (`@s/x@^1` → `@s/x`), and the rest.
pub(crate) fn split_name(key: &str) -> Option<(&str, &str)> {
    let at = key.get(1..)?.find('@')? + 1;
    Some((&key[..at], &key[at + 1..]))
}

fn is_registry_url(url: &str, registries: &[String]) -> bool {
    (starts_with_ci(url, "https:") || starts_with_ci(url, "http:"))
        && (starts_with_ci(url, YARN_REGISTRY)
            || starts_with_ci(url, "https://registry.npmjs.org/")
            || registries.iter().any(|r| starts_with_ci(url, r)))
}

fn classic_targets(path: &str, doc: &Syml, registries: &[String]) -> Vec<Target> {
    let mut out = Vec::new();
    let mut integrities = Integrities::default();
    let mut last_line = 0;
    for e in doc.entries() {
        // `"a@^1", a@^1.2:` is one entry under several keys: one target.
        if e.line == last_line {
            continue;
        }
        last_line = e.line;
        let origin = Origin::File {
            path: path.to_string(),
            line: e.line,
        };
        let t = classic_target(&e.key, &e.value, registries, origin);
        out.push(match e.value.get_str("integrity") {
            Some(i) => integrities.check_str(t, i),
            None => t,
        });
    }
    out
}

fn classic_target(key: &str, entry: &Syml, registries: &[String], origin: Origin) -> Target {
    let version = entry.get_str("version").map(str::to_string);
    let resolved = entry.get_str("resolved").map(str::to_string);
    let mk = |kind, name: &str, spec: Option<String>| Target {
        ecosystem: ECO,
        kind,
        name: Some(name.to_string()),
        spec,
        origin: origin.clone(),
        claimed: None,
        resolved: None,
    };
    let (folder, range) = split_name(key).unwrap_or((key, ""));
    // What the key asks for: a registry name, an alias's real package, or another source.
    let (real, kind) = match npa(key) {
        Ok(spec) if spec.ty == SpecType::Alias => (
            spec.real.map_or_else(|| folder.to_string(), |(r, _)| r),
            TargetKind::Alias,
        ),
        Ok(spec) if spec.ty == SpecType::Registry => (folder.to_string(), TargetKind::Registry),
        Ok(spec) => (folder.to_string(), spec.target(origin.clone()).kind),
        Err(_) => (folder.to_string(), TargetKind::Path),
    };
    if let Some(r) = &resolved
        && let Some(m) = tarball_mismatch(folder, &real, version.as_deref(), r, &origin)
    {
        return m;
    }
    match &resolved {
        Some(r) if is_registry_url(r, registries) => mk(kind_of_registry(kind), &real, version),
        None if matches!(kind, TargetKind::Registry | TargetKind::Alias) => {
            mk(kind, &real, version)
        }
        Some(r) if starts_with_ci(r, "git") || r.contains("codeload.github.com") => {
            mk(TargetKind::Git, &real, Some(r.clone()))
        }
        Some(r) if starts_with_ci(r, "http:") || starts_with_ci(r, "https:") => {
            // A tarball URL elsewhere: still checked under the name it carries.
            let name = tarball_name_version(r).map_or(real.clone(), |(n, _)| n);
            mk(TargetKind::Url, &name, Some(r.clone()))
        }
        Some(r) => mk(TargetKind::Path, &real, Some(r.clone())),
        None => mk(kind, &real, Some(range.to_string())),
    }
}

fn kind_of_registry(kind: TargetKind) -> TargetKind {
    if kind == TargetKind::Alias {
        TargetKind::Alias
    } else {
        TargetKind::Registry
    }
}

fn berry_targets(path: &str, doc: &Node) -> Vec<Target> {
    let mut out = Vec::new();
    for (key, entry) in doc.entries() {
        if key == "__metadata" {
            continue;
        }
        let origin = Origin::File {
            path: path.to_string(),
            line: entry.line,
        };
        if let Some(t) = berry_target(key, entry, origin) {
            out.push(t);
        }
    }
    out
}

/// A berry entry by its `resolution` (`name@npm:1.2.3`, `name@https://…`, `name@git…`);
/// workspaces, patches and virtual packages fetch nothing of their own (the package they
/// wrap has an entry of its own).
fn berry_target(key: &str, entry: &Node, origin: Origin) -> Option<Target> {
    let first_key = key.split(", ").next().unwrap_or(key);
    let resolution = entry.get_str("resolution").unwrap_or(first_key);
    let (name, reference) = split_name(resolution)?;
    let (folder, _) = split_name(first_key).unwrap_or((name, ""));
    let mk = |kind, name: &str, spec: &str| {
        Some(Target {
            ecosystem: ECO,
            kind,
            name: Some(name.to_string()),
            spec: Some(spec.to_string()),
            origin: origin.clone(),
            claimed: None,
            resolved: None,
        })
    };
    let (protocol, rest) = reference.split_once(':').unwrap_or(("", reference));
    match protocol {
        "npm" => {
            let kind = if name == folder {
                TargetKind::Registry
            } else {
                TargetKind::Alias
            };
            mk(kind, name, rest)
        }
        "workspace" | "patch" | "virtual" => None,
        "file" | "portal" | "link" | "exec" => mk(TargetKind::Path, name, reference),
        "http" | "https" => {
            if reference.contains(".git#") || reference.contains("#commit=") {
                return mk(TargetKind::Git, name, reference);
            }
            let real = tarball_name_version(reference).map_or(name.to_string(), |(n, _)| n);
            mk(TargetKind::Url, &real, reference)
        }
        p if p.starts_with("git") || p == "github" || p == "ssh" => {
            mk(TargetKind::Git, name, reference)
        }
        _ => mk(TargetKind::Url, name, reference),
    }
}
