//! yarn command lines, yarn 1 (classic, 1.22.22) and yarn ≥ 2 (berry, 4.18.1): which packages
//! `add`, `install` / bare `yarn`, `up` / `upgrade`, `dlx`, `create`, `global add`, `remove`,
//! `unplug`, `dedupe`, `workspace <name> <cmd>` and `workspaces foreach <cmd>` would fetch,
//! from which registries. The version is decided as yarn decides it (`yarnPath` /
//! `yarn-path`, else the project's `packageManager`); when neither says, the command line is
//! read with both grammars and the union is checked (`Request::grammar` says which applied).
//! Reads package.json, workspaces, `yarn.lock`, `.yarnrc`, `.yarnrc.yml` and `.npmrc` only
//! through [`World`]. Does not resolve versions.

mod berry;
mod classic;
pub(crate) mod lockfile;
pub(crate) mod syml;
#[cfg(test)]
mod tests;

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use super::npm::files::{
    RegistryConfig, keyed_registries, npmrc_sources, read_json, read_text, registries_from,
    registry_prefixes, registry_sources, source,
};
use super::npm::spec::{SpecType, npa};
use super::npm::workspaces;
use super::yaml;
use super::{Error, Moved, World};
use crate::ecosystem::{Ecosystem, Manager};
use crate::request::{Origin, Request, Source, SourceKind, Target, TargetKind};

const ECO: Ecosystem = Ecosystem::Npm;

/// Which yarn runs, and why we think so.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Version {
    Classic(String),
    Berry(String),
    Unknown,
}

/// Parse the arguments after `yarn`.
/// `yarn <args>` installs nothing, whatever the files say: neither yarn 1 nor yarn ≥ 2 would
/// install anything with it, so which one the project uses (files) does not matter.
pub(crate) fn installs_nothing(args: &[String]) -> bool {
    classic::installs_nothing(args) && berry::installs_nothing(args)
}

pub fn parse(args: &[String], world: &dyn World) -> Result<Request, Error> {
    match decide_version(world, world.cwd())? {
        Version::Classic(why) => with_grammar(classic::parse(args, world), &why),
        Version::Berry(why) => with_grammar(berry::parse(args, world), &why),
        Version::Unknown => {
            let why = "yarn (no yarnPath and no packageManager says which: read as both 1.x and ≥ 2, the union is checked)";
            let a = classic::parse(args, world);
            let b = berry::parse(args, world);
            with_grammar(union(a, b), why)
        }
    }
}

fn with_grammar(r: Result<Request, Error>, why: &str) -> Result<Request, Error> {
    r.map(|mut req| {
        if req.installs {
            req.grammar = Some(why.to_string());
        }
        req
    })
}

/// Both readings of one command line: it installs if either reading does (the targets and
/// sources of both); an error in either reading of an install is an error.
fn union(a: Result<Request, Error>, b: Result<Request, Error>) -> Result<Request, Error> {
    match (a, b) {
        (Ok(a), Ok(b)) if !a.installs && !b.installs => Ok(a),
        (Ok(mut a), Ok(b)) => {
            a.installs = true;
            for t in b.targets {
                if !a.targets.contains(&t) {
                    a.targets.push(t);
                }
            }
            for s in b.sources {
                if !a.sources.contains(&s) {
                    a.sources.push(s);
                }
            }
            // Either yarn may run: the code of both readings (yarn 1 runs the more).
            for s in b.scripts {
                if !a.scripts.contains(&s) {
                    a.scripts.push(s);
                }
            }
            Ok(a)
        }
        (Err(e), Ok(r)) | (Ok(r), Err(e)) if !r.installs => {
            // One reading passes through, the other cannot read it at all: that reading
            // would reject it, and the tool that runs is one of the two. Fail closed.
            Err(e)
        }
        (Err(e), _) | (_, Err(e)) => Err(e),
    }
}

/// How many tokens a yarn 1 global option takes at `token` (itself, and its value when it
/// takes one and has no `=`); `None` when it is not a global option (a command's own option,
/// a positional). For the resolution, which keeps an `add`'s global options on the install it
/// runs instead.
pub(crate) fn classic_global(token: &str) -> Option<usize> {
    use crate::cmdline::argtable::Arity;
    if let Some(long) = token.strip_prefix("--") {
        let (name, valued) = long
            .split_once('=')
            .map_or((long, false), |(n, _)| (n, true));
        let o = classic::GLOBAL.iter().find(|o| o.long.contains(&name))?;
        return Some(if !valued && matches!(o.arity, Arity::Value) {
            2
        } else {
            1
        });
    }
    let mut short = token.strip_prefix('-')?.chars();
    let (Some(c), None) = (short.next(), short.next()) else {
        return None;
    };
    classic::GLOBAL
        .iter()
        .any(|o| o.short == Some(c))
        .then_some(1)
}

/// yarn's own choice of version: a `yarnPath` (berry's `.yarnrc.yml`, also honoured by yarn
/// 1.22) or `yarn-path` (`.yarnrc`) in the nearest rc file that sets one, unless
/// `YARN_IGNORE_PATH`; else the `packageManager` field of the nearest package.json (what
/// Corepack runs).
pub(crate) fn decide_version(world: &dyn World, cwd: &Path) -> Result<Version, Error> {
    let ignore_path = world.env("YARN_IGNORE_PATH").is_some_and(|v| !v.is_empty());
    for dir in cwd.ancestors() {
        if ignore_path {
            break;
        }
        let yml = dir.join(".yarnrc.yml");
        if let Some((value, line)) = rc_yml_scalar(world, &yml, "yarnPath")? {
            return Ok(version_of_release(
                &value,
                &format!("yarnPath in {}:{line}", yml.display()),
            ));
        }
        let rc = dir.join(".yarnrc");
        if let Some((value, line)) = rc_scalar(world, &rc, "yarn-path")? {
            return Ok(version_of_release(
                &value,
                &format!("yarn-path in {}:{line}", rc.display()),
            ));
        }
    }
    for dir in cwd.ancestors() {
        let path = dir.join("package.json");
        let Some(pj) = read_json(world, &path)? else {
            continue;
        };
        let Some(pm) = pj.value.get("packageManager").and_then(|v| v.as_str()) else {
            return Ok(Version::Unknown);
        };
        let line = pj.lines.line(&["packageManager"]);
        let Some(v) = pm.strip_prefix("yarn@") else {
            return Ok(Version::Unknown);
        };
        let why = format!("packageManager {pm} in {}:{line}", pj.path);
        return Ok(
            match v.split('.').next().and_then(|m| m.parse::<u32>().ok()) {
                Some(1) => Version::Classic(format!("yarn 1 (classic): {why}")),
                Some(_) => Version::Berry(format!("yarn ≥ 2 (berry): {why}")),
                None => Version::Unknown,
            },
        );
    }
    Ok(Version::Unknown)
}

/// The version a release file's name gives (`.yarn/releases/yarn-4.1.0.cjs`).
fn version_of_release(path: &str, why: &str) -> Version {
    let file = path.rsplit(['/', '\\']).next().unwrap_or(path);
    let major = file
        .strip_prefix("yarn-")
        .and_then(|v| v.split('.').next())
        .and_then(|m| m.parse::<u32>().ok());
    match major {
        Some(1) => Version::Classic(format!("yarn 1 (classic): {why}")),
        Some(_) => Version::Berry(format!("yarn ≥ 2 (berry): {why}")),
        None => Version::Unknown,
    }
}

/// A top-level scalar of a `.yarnrc.yml`, with its line.
fn rc_yml_scalar(
    world: &dyn World,
    path: &Path,
    key: &str,
) -> Result<Option<(String, u32)>, Error> {
    let Some(text) = read_text(world, path)? else {
        return Ok(None);
    };
    let doc = yaml::parse(&text, &path.display().to_string())?;
    Ok(doc
        .entries()
        .iter()
        .rev()
        .find(|(k, _)| k == key)
        .and_then(|(_, v)| v.str().map(|s| (s.to_string(), v.line))))
}

/// A top-level value of a `.yarnrc`, with its line.
fn rc_scalar(world: &dyn World, path: &Path, key: &str) -> Result<Option<(String, u32)>, Error> {
    let Some(text) = read_text(world, path)? else {
        return Ok(None);
    };
    let doc = syml::parse(&text, &path.display().to_string())?;
    Ok(doc
        .entries()
        .iter()
        .rev()
        .find(|e| e.key == key)
        .and_then(|e| e.value.str().map(|s| (s.to_string(), e.line))))
}

/// A spec from the command line (`yarn add x`, `yarn dlx -p x`): npm-package-arg forms, plus
/// yarn's own protocols (`patch:`, `portal:`, `link:`, `exec:`, `workspace:`) as local sources.
fn spec_target(arg: &str) -> Result<Target, Error> {
    if let Some((name, range)) = lockfile::split_name(arg).or_else(|| {
        (!arg.starts_with('@'))
            .then(|| arg.split_once('@'))
            .flatten()
    }) && let Some((proto, _)) = range.split_once(':')
        && matches!(
            proto,
            "patch" | "portal" | "link" | "exec" | "workspace" | "file"
        )
    {
        return Ok(Target {
            ecosystem: ECO,
            kind: TargetKind::Path,
            name: Some(name.to_string()),
            spec: Some(range.to_string()),
            origin: Origin::Argv,
            claimed: None,
            resolved: None,
        });
    }
    let spec = npa(arg).map_err(|e| Error::usage(format!("invalid package spec `{arg}`: {e}")))?;
    if spec.ty == SpecType::Registry && spec.name.is_none() {
        return Err(Error::usage(format!(
            "invalid package spec `{arg}`: not a package name"
        )));
    }
    Ok(spec.target(Origin::Argv))
}

/// `yarn create <x>` / `yarn global add create-<x>`: the create package (`coerceCreatePackageName`).
fn create_package(arg: &str) -> Result<String, Error> {
    if arg.starts_with('/') || arg.starts_with('.') {
        return Err(Error::usage(format!(
            "yarn create {arg}: not a package name"
        )));
    }
    let (scope, rest) = match arg.strip_prefix('@') {
        Some(r) => match r.split_once('/') {
            Some((s, rest)) => (format!("@{s}"), rest.to_string()),
            None => (format!("@{r}"), String::new()),
        },
        None => (String::new(), arg.to_string()),
    };
    if scope == "@" {
        return Err(Error::usage(format!("yarn create {arg}: empty scope")));
    }
    let (name, version) = match rest.split_once('@') {
        Some((n, v)) => (n.to_string(), Some(v.to_string())),
        None => (rest, None),
    };
    let name = name.split('/').next().unwrap_or("").to_string();
    let created = if name.is_empty() {
        "create".to_string()
    } else {
        format!("create-{name}")
    };
    let full = if scope.is_empty() {
        created
    } else {
        format!("{scope}/{created}")
    };
    Ok(match version {
        Some(v) => format!("{full}@{v}"),
        None => full,
    })
}

/// What a project install fetches: the manifests' dependency groups (root and workspace
/// members) and every `yarn.lock` entry, unless the lockfile is not read.
struct ProjectRead<'a> {
    world: &'a dyn World,
    cwd: PathBuf,
    omit: HashSet<&'static str>,
    read_lock: bool,
    registries: Vec<String>,
}

impl ProjectRead<'_> {
    fn targets(&self) -> Result<Vec<Target>, Error> {
        let Some((root, mut out)) =
            workspaces::project_manifests(self.world, &self.cwd, &self.omit)?
        else {
            return Ok(Vec::new());
        };
        if self.read_lock
            && let Some(lock) = lockfile::read(self.world, &root.join("yarn.lock"))?
        {
            out.push(Target::unnamed(
                ECO,
                TargetKind::Lockfile,
                lock.path(),
                Origin::Argv,
            ));
            out.extend(lock.targets(&self.registries));
        }
        Ok(out)
    }
}

/// yarn 1's registries: `--registry`, `yarn_registry` / `npm_config_registry` in the
/// environment, `.yarnrc` files (cwd up to /, then the user's) and the npmrc files yarn 1
/// also reads (project `.npmrc` up to /, the user's).
fn classic_sources(
    world: &dyn World,
    cwd: &Path,
    cli_registry: Option<&str>,
) -> Result<Vec<Source>, Error> {
    let mut out = Vec::new();
    if let Some(r) = cli_registry {
        out.push(source(SourceKind::Index, r, None, Origin::Argv));
    }
    for var in ["YARN_REGISTRY", "yarn_registry"] {
        if let Some(v) = world.env(var).filter(|v| !v.is_empty()) {
            out.push(source(
                SourceKind::Index,
                &v.to_string_lossy(),
                None,
                Origin::Env(var.into()),
            ));
        }
    }
    let home = world.home();
    let mut rc_files: Vec<PathBuf> = cwd.ancestors().map(|d| d.join(".yarnrc")).collect();
    if let Some(h) = &home {
        rc_files.push(h.join(".yarnrc"));
    }
    rc_files.dedup();
    for path in rc_files {
        let Ok(Some(text)) = read_text(world, &path) else {
            continue;
        };
        let Ok(doc) = syml::parse(&text, &path.display().to_string()) else {
            continue;
        };
        out.extend(keyed_registries(
            &path.display().to_string(),
            doc.entries().iter().filter_map(|e| {
                let key = e.key.trim_start_matches("--").trim_start_matches("*.");
                Some((key, e.value.str()?, e.line))
            }),
        ));
    }
    // The npm side of yarn 1's config: environment and npmrc files (ancestors, then home).
    let config = RegistryConfig {
        world,
        cwd,
        project: None,
        userconfig: None,
        globalconfig: None,
        cli_settings: Vec::new(),
    };
    out.extend(registry_sources(&config, &[])?);
    for dir in cwd.ancestors() {
        let path = dir.join(".npmrc");
        if home.as_ref().is_some_and(|h| h.join(".npmrc") == path) {
            continue;
        }
        out.extend(npmrc_sources(world, &path)?);
    }
    Ok(out)
}

/// Berry's registries: `npmRegistryServer` and `npmScopes.<scope>.npmRegistryServer` in every
/// `.yarnrc.yml` from the project up to / and in the user's, and `YARN_NPM_REGISTRY_SERVER`.
/// Berry does not read npmrc files.
fn berry_sources(world: &dyn World, cwd: &Path) -> Result<Vec<Source>, Error> {
    let mut out = Vec::new();
    let var = "YARN_NPM_REGISTRY_SERVER";
    if let Some(v) = world.env(var).filter(|v| !v.is_empty()) {
        out.push(source(
            SourceKind::Index,
            &v.to_string_lossy(),
            None,
            Origin::Env(var.into()),
        ));
    }
    let name = world.env("YARN_RC_FILENAME").map_or_else(
        || ".yarnrc.yml".into(),
        |v| v.to_string_lossy().into_owned(),
    );
    let mut files: Vec<PathBuf> = cwd.ancestors().map(|d| d.join(&name)).collect();
    if let Some(h) = world.home() {
        files.push(h.join(&name));
    }
    files.dedup();
    for path in files {
        let Some(text) = read_text(world, &path)? else {
            continue;
        };
        let shown = path.display().to_string();
        let doc = yaml::parse(&text, &shown)?;
        fn server(node: &yaml::Node) -> Option<(&str, u32)> {
            let r = node.get("npmRegistryServer")?;
            Some((r.str()?, r.line))
        }
        let scoped = doc
            .get("npmScopes")
            .map(yaml::Node::entries)
            .unwrap_or_default()
            .iter()
            .filter_map(|(scope, conf)| {
                server(conf).map(|(url, line)| (Some(scope.as_str()), url, line))
            });
        let default = server(&doc).map(|(url, line)| (None, url, line));
        out.extend(registries_from(&shown, default.into_iter().chain(scoped)));
    }
    Ok(out)
}

/// Registry URL prefixes whose tarballs count as registry packages.
fn prefixes(sources: &[Source]) -> Vec<String> {
    let mut p = registry_prefixes(sources);
    p.push(lockfile::YARN_REGISTRY.to_string());
    p
}

/// A request that installs `targets` from `sources`.
fn installs(targets: Vec<Target>, sources: Vec<Source>) -> Request {
    Request {
        program: "yarn".into(),
        manager: Manager::Yarn,
        installs: true,
        targets,
        sources,
        grammar: None,
        scripts: Vec::new(),
    }
}

fn pass() -> Request {
    Request::pass_through("yarn", Manager::Yarn)
}

/// The yarn release `yarn set version <v>` (yarn ≥ 2) and `yarn policies set-version <v>`
/// (yarn 1) download and every later yarn in the project runs:
/// `classic` is yarn 1 (`yarn`), a tag or version is yarn ≥ 2 (`@yarnpkg/cli-dist`, the
/// package its releases are published as), a URL or path is what it names.
pub(super) fn yarn_release(v: &str) -> Result<Target, Error> {
    if v.contains('/') || v.contains(':') || v.ends_with(".js") || v.ends_with(".cjs") {
        return Ok(Target::unnamed(ECO, TargetKind::Url, v, Origin::Argv));
    }
    let (name, range) = match v {
        "classic" => ("yarn", "1"),
        "rc" => ("yarn", "rc"),
        "latest" | "berry" | "stable" => ("@yarnpkg/cli-dist", "latest"),
        _ if v.starts_with("1.") || v == "1" => ("yarn", v),
        _ => ("@yarnpkg/cli-dist", v),
    };
    spec_target(&format!("{name}@{range}"))
}
