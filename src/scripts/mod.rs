//! Install-time code: what a command will run besides copying files — npm lifecycle scripts
//! (the project's own and dependencies'), the `node-gyp rebuild` npm adds for a `binding.gyp`,
//! a git dependency's `prepare`, a Python build backend (`setup.py`) for sdists, local
//! directories and VCS requirements, and `.pth` files in wheels (run at every interpreter
//! start). The model ([`Script`]) and pure extractors that take parsed data (a manifest's or a
//! lockfile's JSON, a target list, a wheel's bytes), so any manager's parser can call them.
//! Does not judge (that is `policy::scripts`) and does not read files itself.

pub mod npm;
pub mod pip;
pub mod resolved;

use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::ecosystem::Ecosystem;
use crate::names::serde_by_name;
use crate::request::Origin;

/// Whose code it is: this decides which `[scripts]` setting applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Owner {
    /// The project the command installs in (npm's root package; the project directory pip
    /// builds): `[scripts] project`.
    Project,
    /// A local directory named as a dependency (`npm install ../lib`, `pip install ./vendor/x`):
    /// the user's own code too, so also `[scripts] project`.
    Local,
    /// A package fetched from a registry, a URL or a git repository: `[scripts] dependencies`.
    Dependency,
}

impl Owner {
    pub fn as_str(self) -> &'static str {
        match self {
            Owner::Project => "project",
            Owner::Local => "local",
            Owner::Dependency => "dependency",
        }
    }
}

serde_by_name!(Owner, as_str);

/// What kind of install-time code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Kind {
    /// A lifecycle script from a package.json that could be read (`event` and `command` set).
    Lifecycle,
    /// `node-gyp rebuild`, which npm runs for a package with a `binding.gyp` and no
    /// `install`/`preinstall` script.
    NodeGyp,
    /// A dependency the lockfile flags with `hasInstallScript` (text unknown unless it is
    /// already in `node_modules`).
    InstallScript,
    /// A git dependency: npm runs its `prepare` (in a clone, with its dev dependencies) when it
    /// fetches it, then its install scripts.
    GitPrepare,
    /// A Python build: the build backend (`setup.py`, `setuptools.build_meta`, ...) of an
    /// sdist, a local directory or a VCS checkout.
    Build,
    /// A wheel that ships `.pth` files: lines starting with `import` run at every start of
    /// the interpreter it is installed into.
    Pth,
    /// Code that may run but cannot be seen before installing: the dependencies a registry
    /// package pulls in (npm resolves them at install time), index packages pip may build from
    /// an sdist. `command` says why it is unseen.
    Unseen,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Lifecycle => "lifecycle",
            Kind::NodeGyp => "node-gyp",
            Kind::InstallScript => "install-script",
            Kind::GitPrepare => "git-prepare",
            Kind::Build => "build",
            Kind::Pth => "pth",
            Kind::Unseen => "unseen",
        }
    }
}

serde_by_name!(Kind, as_str);

/// One piece of install-time code the command will (or may) run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Script {
    pub ecosystem: Ecosystem,
    pub owner: Owner,
    pub kind: Kind,
    /// The package whose code it is (None for an unnamed project).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub package: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// The lifecycle event (`postinstall`), or the build step (`build`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub event: Option<String>,
    /// Its text where known (`node scripts/setup.js`, `setup.py (setuptools.build_meta)`), or
    /// for unseen code why it cannot be seen.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub command: Option<String>,
    /// Where it was found (`package.json:5`, `package-lock.json:42`, `argv`).
    pub origin: Origin,
    /// For the project's own code: the directory, which keys an approval.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dir: Option<String>,
    /// What an approval covers: a digest of the code's text (or of the files that hold it).
    #[serde(skip)]
    pub digest: Option<String>,
    /// Unseen only because the tree is not resolved yet (what npm resolves itself, index
    /// packages pip may build): a resolution of the whole tree replaces it with what it found.
    #[serde(skip)]
    pub until_resolved: bool,
}

impl Script {
    /// A script with the fields every kind has; the rest are set by the caller.
    pub fn new(ecosystem: Ecosystem, owner: Owner, kind: Kind, origin: Origin) -> Script {
        Script {
            ecosystem,
            owner,
            kind,
            package: None,
            version: None,
            event: None,
            command: None,
            origin,
            dir: None,
            digest: None,
            until_resolved: false,
        }
    }

    /// Code that may run but cannot be seen before installing, and why.
    pub fn unseen(
        ecosystem: Ecosystem,
        package: Option<&str>,
        why: String,
        origin: Origin,
    ) -> Script {
        let mut s = Script::new(ecosystem, Owner::Dependency, Kind::Unseen, origin);
        s.package = package.map(str::to_string);
        s.command = Some(why);
        s
    }

    /// How it is named for people: `esbuild@0.28.2`, `proj`, `this project`.
    pub fn who(&self) -> String {
        match (&self.package, &self.version) {
            (Some(p), Some(v)) => format!("{p}@{v}"),
            (Some(p), None) => p.clone(),
            (None, _) if self.owner == Owner::Project => "this project".into(),
            (None, _) => self.dir.clone().unwrap_or_else(|| "(unnamed)".into()),
        }
    }

    /// `postinstall: node x.js`, `install script`, `build: setup.py`, ...
    pub fn what(&self) -> String {
        let head = match (self.kind, &self.event) {
            (Kind::Lifecycle | Kind::NodeGyp, Some(e)) => e.clone(),
            (Kind::InstallScript, _) => "install script".into(),
            (Kind::GitPrepare, _) => "git dependency (prepare and install scripts)".into(),
            (Kind::Build, _) => "build".into(),
            (Kind::Pth, _) => ".pth file (runs at every interpreter start)".into(),
            (Kind::Unseen, _) => "not visible before installing".into(),
            (_, None) => self.kind.as_str().into(),
        };
        match &self.command {
            Some(c) => format!("{head}: {c}"),
            None => head,
        }
    }
}

/// `a, b, c, d, e, …`: the first five names of a list, for a message.
pub fn some_names<'a>(names: impl IntoIterator<Item = &'a str>) -> String {
    let all: Vec<&str> = names.into_iter().collect();
    let mut shown: Vec<&str> = all.iter().take(5).copied().collect();
    if all.len() > 5 {
        shown.push("…");
    }
    shown.join(", ")
}

/// A digest of some text: the first 16 bytes of its SHA-256, in hex.
pub fn digest(parts: &[&[u8]]) -> String {
    let mut h = Sha256::new();
    for p in parts {
        h.update((p.len() as u64).to_le_bytes());
        h.update(p);
    }
    h.finalize()[..16]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The digest of a project's own code as one approval covers it: every project-owned script
/// of `dir`, in a stable order. None when it has none.
pub fn project_digest(scripts: &[Script], dir: &str) -> Option<String> {
    let mut parts: Vec<String> = scripts
        .iter()
        .filter(|s| s.owner != Owner::Dependency && s.dir.as_deref() == Some(dir))
        .map(|s| {
            format!(
                "{}\0{}\0{}",
                s.kind.as_str(),
                s.event.as_deref().unwrap_or(""),
                s.digest.as_deref().or(s.command.as_deref()).unwrap_or("")
            )
        })
        .collect();
    if parts.is_empty() {
        return None;
    }
    parts.sort();
    parts.dedup();
    let refs: Vec<&[u8]> = parts.iter().map(std::string::String::as_bytes).collect();
    Some(digest(&refs))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_digests() {
        let mut s = Script::new(
            Ecosystem::Npm,
            Owner::Project,
            Kind::Lifecycle,
            Origin::Argv,
        );
        s.event = Some("postinstall".into());
        s.command = Some("node x.js".into());
        s.dir = Some("/p".into());
        assert_eq!(
            (s.who().as_str(), s.what().as_str()),
            ("this project", "postinstall: node x.js")
        );
        let d1 = project_digest(std::slice::from_ref(&s), "/p").unwrap();
        assert_eq!(d1.len(), 32);
        let mut changed = s.clone();
        changed.command = Some("node y.js".into());
        assert_ne!(project_digest(&[changed], "/p").unwrap(), d1);
        assert_eq!(project_digest(&[s], "/other"), None);
        // The parts are length-prefixed: moving a byte between them changes the digest.
        assert_ne!(digest(&[b"ab", b"c"]), digest(&[b"a", b"bc"]));
    }
}
