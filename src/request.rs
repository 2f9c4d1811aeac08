//! What a command line asks for: the install targets and package sources it names.
//! Pure data. Produced by `cmdline`, consumed by `verdict`; serialised as the `check --json` contract.

use serde::{Serialize, Serializer};

use crate::names::serde_by_name;

use crate::ecosystem::{Ecosystem, Manager};

/// Everything installguard understood about one invocation of pip, npm or brew.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Request {
    /// What the user typed (`pip3`, `python3`, `npx`, ...).
    pub program: String,
    pub manager: Manager,
    /// True when the command fetches, builds or installs packages (install family).
    pub installs: bool,
    pub targets: Vec<Target>,
    /// Indexes, registries and taps the command, its environment or its files point to.
    pub sources: Vec<Source>,
    /// Which grammar the command line was read with, when the program has more than one
    /// (`yarn`: classic or berry) and why (`yarn 4 (berry): packageManager at package.json:3`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub grammar: Option<String>,
    /// The install-time code the command will (or may) run: lifecycle scripts, install
    /// scripts, builds, `.pth` files.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub scripts: Vec<crate::scripts::Script>,
}

impl Request {
    /// A command that installs nothing (help, list, uninstall, ...).
    pub fn pass_through(program: &str, manager: Manager) -> Request {
        Request {
            program: program.to_string(),
            manager,
            installs: false,
            targets: Vec::new(),
            sources: Vec::new(),
            grammar: None,
            scripts: Vec::new(),
        }
    }
}

/// One thing that would be installed, or a file that lists things to install.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Target {
    pub ecosystem: Ecosystem,
    pub kind: TargetKind,
    /// The package name as it will be looked up (for an npm alias: the real package).
    pub name: Option<String>,
    /// Version specifier, tag, URL or path, as written.
    pub spec: Option<String>,
    pub origin: Origin,
    /// What the file claimed this entry is (`lodash@4.17.21`), when that differs from what it
    /// really fetches (`name`/`spec`, read from its `resolved` tarball URL): a lockfile whose
    /// entry points at another package's tarball (the `lockfile-mismatch` rule).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub claimed: Option<String>,
    /// What resolving the whole tree found for this package (the exact version, integrity,
    /// whether it is a direct or transitive dependency, install-time code); `None` when the
    /// command was not resolved (see `resolve`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resolved: Option<Resolved>,
}

/// One package as a resolution (a lockfile the tool wrote, pip's report, brew's dry run) says
/// it will be installed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Resolved {
    /// The tool that resolved it (`npm`, `pip`, `brew`).
    pub by: String,
    /// The exact version (none for Homebrew's dry run, which names formulae only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// npm: the SRI integrity (`sha512-…`); PyPI: `sha256:<hex>` of the file to install.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub integrity: Option<String>,
    /// A direct dependency (asked for, or listed by the project), else transitive.
    pub direct: bool,
    /// For a transitive dependency: the chain of packages that pulls it in, from the direct
    /// dependency down to its parent.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub required_by: Vec<String>,
    /// Where it comes from: `registry`, `git`, `url`, `path`, `bundled` (inside its parent's
    /// tarball), `link` (a workspace or local folder).
    pub source: String,
    /// The file or repository fetched, when the resolution says (credentials redacted in logs).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// `added`, `changed` (from `previous`) or `unchanged` against the project's lockfile.
    pub change: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub previous: Option<String>,
    /// Code that runs when it is installed, as far as the resolution can see: `install-script`
    /// (npm `hasInstallScript`: preinstall/install/postinstall), `git-prepare` (a git dependency
    /// is packed by running its `prepare`), `build` (a PyPI sdist, local directory or VCS
    /// checkout is built: its setup.py / build backend runs), `post-install` (Homebrew).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub install_code: Vec<String>,
}

impl Target {
    pub fn registry(
        ecosystem: Ecosystem,
        name: &str,
        spec: Option<&str>,
        origin: Origin,
    ) -> Target {
        Target {
            ecosystem,
            kind: TargetKind::Registry,
            name: Some(name.to_string()),
            spec: spec.map(str::to_string),
            origin,
            claimed: None,
            resolved: None,
        }
    }

    /// Everything already installed, upgraded to whatever is newest (`brew upgrade`,
    /// `pipx upgrade-all`): nothing about it is known before it is fetched.
    pub fn all_outdated(ecosystem: Ecosystem) -> Target {
        Target {
            claimed: None,
            ecosystem,
            kind: TargetKind::AllOutdated,
            name: None,
            spec: None,
            origin: Origin::Argv,
            resolved: None,
        }
    }

    /// A target that names no registry package (URL, git, local path, file).
    pub fn unnamed(ecosystem: Ecosystem, kind: TargetKind, spec: &str, origin: Origin) -> Target {
        Target {
            ecosystem,
            kind,
            name: None,
            spec: Some(spec.to_string()),
            origin,
            claimed: None,
            resolved: None,
        }
    }

    /// The exact version this target installs, when known: the resolved one, else a pin on
    /// the command line or in a file (`==1.2`, npm `1.2.3`), or the version a PyPI wheel or
    /// sdist file name carries.
    pub fn pinned_version(&self) -> Option<String> {
        if let Some(v) = self.resolved.as_ref().and_then(|r| r.version.clone()) {
            return Some(v);
        }
        match (self.kind, self.ecosystem) {
            (TargetKind::Path | TargetKind::Url, Ecosystem::Pypi) => {
                let spec = self.spec.as_deref()?;
                let file = spec.split(['#', '?']).next().unwrap_or(spec);
                let file = file.rsplit('/').next().unwrap_or(file);
                crate::ecosystem::pypi_archive(file).map(|(_, version)| version)
            }
            _ => crate::verdict::pinned_version(self.ecosystem, self.spec.as_deref()),
        }
    }

    /// How the target is shown to a person: the name, else the spec.
    pub fn label(&self) -> &str {
        self.name
            .as_deref()
            .or(self.spec.as_deref())
            .unwrap_or("(unnamed)")
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TargetKind {
    /// A package from the ecosystem's registry or index, by name.
    Registry,
    /// npm `alias@npm:real@range`: installs `real` under another name.
    Alias,
    /// A git repository (VCS URL, GitHub shorthand).
    Git,
    /// An archive or project fetched from a URL.
    Url,
    /// A local directory or archive.
    Path,
    /// A pip requirements file (its lines become targets of their own).
    RequirementsFile,
    /// A project manifest (`package.json`) whose dependencies get installed.
    Manifest,
    /// A lockfile (`package-lock.json`, `npm-shrinkwrap.json`).
    Lockfile,
    /// A Homebrew formula.
    Formula,
    /// A Homebrew cask.
    Cask,
    /// A Homebrew tap (a new source of formulae).
    Tap,
    /// A Brewfile read by `brew bundle`.
    Brewfile,
    /// Everything already installed that is outdated (`brew upgrade`, `npm update`).
    AllOutdated,
    /// A local project whose dependencies are computed by its own build code (a `setup.py`,
    /// `dynamic = ["dependencies"]`): they cannot be known without running it. `spec` says why.
    DynamicDependencies,
}

impl TargetKind {
    /// The name in JSON and `check` output (`all-outdated`).
    pub fn as_str(self) -> &'static str {
        match self {
            TargetKind::Registry => "registry",
            TargetKind::Alias => "alias",
            TargetKind::Git => "git",
            TargetKind::Url => "url",
            TargetKind::Path => "path",
            TargetKind::RequirementsFile => "requirements-file",
            TargetKind::Manifest => "manifest",
            TargetKind::Lockfile => "lockfile",
            TargetKind::Formula => "formula",
            TargetKind::Cask => "cask",
            TargetKind::Tap => "tap",
            TargetKind::Brewfile => "brewfile",
            TargetKind::AllOutdated => "all-outdated",
            TargetKind::DynamicDependencies => "dynamic-dependencies",
        }
    }
}

serde_by_name!(TargetKind, as_str);

/// Where a target or source came from, so a person can find it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    Argv,
    /// An environment variable, e.g. `PIP_REQUIREMENT`.
    Env(String),
    /// A line of a file (1-based).
    File {
        path: String,
        line: u32,
    },
    /// Found by resolving the whole tree with `tool`; `parent` is the package that requires
    /// it (none for a direct dependency).
    Resolved {
        tool: String,
        parent: Option<String>,
    },
}

impl std::fmt::Display for Origin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Origin::Argv => f.write_str("argv"),
            Origin::Env(var) => write!(f, "env:{var}"),
            Origin::File { path, line } => write!(f, "{path}:{line}"),
            Origin::Resolved { tool, parent: None } => write!(f, "{tool} resolution"),
            Origin::Resolved {
                tool,
                parent: Some(p),
            } => write!(f, "{tool} resolution: required by {p}"),
        }
    }
}

impl Serialize for Origin {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// A package index or registry a command points to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Source {
    pub ecosystem: Ecosystem,
    pub kind: SourceKind,
    /// The URL (credentials are the audit module's job to redact) or tap name.
    pub location: String,
    /// For an npm scoped registry: the scope (`@corp`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
    pub origin: Origin,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SourceKind {
    /// Replaces the default index/registry.
    Index,
    /// Adds an index next to the default one (pip `--extra-index-url`).
    ExtraIndex,
    /// A place pip looks for archives (`-f/--find-links`).
    FindLinks,
    /// No index at all (pip `--no-index`, `PIP_NO_INDEX`, `no-index` in pip.conf or a
    /// requirements file): only find-links locations are used. `location` is `--no-index`.
    NoIndex,
    /// An npm registry for one scope.
    ScopedRegistry,
    /// A Homebrew tap.
    Tap,
}

impl SourceKind {
    /// The name in JSON and `check` output (`tap`).
    pub fn as_str(self) -> &'static str {
        match self {
            SourceKind::Index => "index",
            SourceKind::ExtraIndex => "extra-index",
            SourceKind::FindLinks => "find-links",
            SourceKind::NoIndex => "no-index",
            SourceKind::ScopedRegistry => "scoped-registry",
            SourceKind::Tap => "tap",
        }
    }
}

serde_by_name!(SourceKind, as_str);
