//! bun command lines (bun 1.4.5): which packages `add`/`a`, `install`/`i` (with names it is
//! `add`), `update`, `remove`, `link`, `x`, `create` and `bunx` would fetch, and from which
//! registries (`--registry`, `BUN_CONFIG_REGISTRY`, `NPM_CONFIG_REGISTRY`, `bunfig.toml`
//! `[install]` and `[install.scopes]`, `.npmrc`). A project install reads package.json, its
//! workspaces and `bun.lock`; a project with only the binary `bun.lockb` is refused with the
//! command that writes `bun.lock`. Reads files only through [`World`]. Does not resolve
//! versions. What bun's runtime would auto-install for code that imports a missing package is
//! not seen: a command that runs code gets `--no-install` instead ([`runs_code`]).

pub(crate) mod lockfile;
mod options;
#[cfg(test)]
mod tests;

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use super::argtable::{self, Arity, Opt, Stop, Style};
use super::npm::files::{npmrc_sources, registries_from, resolve_path, source};
use super::npm::spec::{SpecType, npa};
use super::npm::workspaces;
use super::{Error, Moved, World};
use crate::ecosystem::{Ecosystem, Manager};
use crate::request::{Origin, Request, Source, SourceKind, Target, TargetKind};
use options::*;

const ECO: Ecosystem = Ecosystem::Npm;

const STYLE: Style = Style {
    negations: false,
    attached_short_value: false,
    flag_equals: false,
    unknown_is_error: true,
};

const HELP: &[Opt] = &[argtable::opt(&["help"], Some('h'), Arity::Flag)];

/// bun's subcommands that do not run code in its runtime (installs, package management,
/// bundling, scaffolding): a first positional not listed here nor `run`/`test`/`exec`/`repl`
/// is a file or a package.json script, which bun runs.
const NOT_RUNTIME: &[&str] = &[
    "add",
    "a",
    "install",
    "i",
    "update",
    "remove",
    "rm",
    "r",
    "uninstall",
    "ci",
    "dedupe",
    "prune",
    "link",
    "unlink",
    "pm",
    "outdated",
    "audit",
    "info",
    "why",
    "publish",
    "patch",
    "patch-commit",
    "build",
    "init",
    "create",
    "c",
    "upgrade",
    "completions",
    "discord",
    "help",
    "x",
    "feedback",
];

/// Whether `bun <args>` runs code in bun's runtime (`bun run`, `bun test`, `bun exec`, `bun
/// repl`, `bun <file or script>`, `bun -e`/`-p`): code that, when no `node_modules` is found
/// above it (or with `--install=force`), auto-installs the packages it imports at run time,
/// from the registry, without any lockfile or check (measured with bun 1.4.5: `bun a.ts`
/// fetched the imported package's packument and tarball). The guard runs it with
/// `--no-install`, which wins over `--install=…` and bunfig in either order.
pub fn runs_code(args: &[String]) -> bool {
    match args.iter().find(|a| !a.starts_with('-')) {
        Some(first) => !NOT_RUNTIME.contains(&first.as_str()),
        None => args.iter().any(|a| {
            matches!(a.as_str(), "-e" | "-p" | "--eval" | "--print")
                || a.starts_with("--eval=")
                || a.starts_with("--print=")
        }),
    }
}

/// Parse the arguments after `bun`.
use crate::cmdline::npm::scripts::js_project;
use crate::scripts::npm::{BUN_DEPS, BUN_ROOT_EVENTS};

/// Where the command of a bun command line that may install is, and which one (argv alone:
/// bun 1.4.5 takes the first word that is not an option as the command, even when it is the
/// value of an option before it); `None`: it installs nothing here, whatever the files say.
/// bun's other spellings are folded: `i` and `ci` are `install`, `a` is `add`, `rm`, `r` and
/// `uninstall` are `remove`; `dedupe` re-resolves the project and installs it.
fn installing_command(args: &[String]) -> Option<(usize, &'static str)> {
    let ci = args.iter().position(|a| !a.starts_with('-'))?;
    let cmd = match args[ci].as_str() {
        "add" | "a" => "add",
        "install" | "i" | "ci" => "install",
        "dedupe" => "dedupe",
        "update" => "update",
        "remove" | "rm" | "r" | "uninstall" => "remove",
        "link" => "link",
        "x" => "x",
        "create" | "c" => "create",
        // bun downloads a release of itself (GitHub) and replaces its binary.
        "upgrade" => "upgrade",
        // `bun pm trust <names>|--all` runs the lifecycle scripts of installed dependencies.
        "pm" if args[ci + 1..]
            .iter()
            .find(|a| !a.starts_with('-'))
            .is_some_and(|a| a == "trust") =>
        {
            "trust"
        }
        _ => return None,
    };
    Some((ci, cmd))
}

/// `bun <args>` installs nothing, whatever the files say (see [`installing_command`]).
pub(crate) fn installs_nothing(args: &[String]) -> bool {
    installing_command(args).is_none()
}

pub fn parse(args: &[String], world: &dyn World) -> Result<Request, Error> {
    let Some((ci, cmd)) = installing_command(args) else {
        return Ok(pass("bun"));
    };
    let table: &[Opt] = match cmd {
        "add" | "install" => ADD,
        "dedupe" => DEDUPE,
        "update" => UPDATE,
        "remove" => REMOVE,
        "link" => &[],
        "upgrade" => UPGRADE,
        "trust" => TRUST,
        "create" => return parse_create(&args[ci + 1..], world),
        "x" => {
            let mut rest = args[..ci].to_vec();
            rest.extend(args[ci + 1..].iter().cloned());
            return parse_x("bun", &rest, world);
        }
        _ => return Ok(pass("bun")),
    };
    // Like bun, read the options over the whole line and drop the first positional: when an
    // option before it took the command word as its value (`--cwd add run dep`: the project in
    // `add/`, the package `dep`), the word bun drops is the next one.
    let mut p = argtable::parse(args, &[INSTALL, table, HELP], STYLE, Stop::Never)?;
    if !p.positionals.is_empty() {
        p.positionals.remove(0);
    }
    if p.has("help") || p.has("check") {
        return Ok(pass("bun"));
    }
    let world = Moved::to(world, p.value("cwd"));
    let world: &dyn World = &world;
    let sources = sources(world, p.value("registry"), p.value("config"))?;
    let global = p.has("global");
    let mut omit: HashSet<&'static str> = HashSet::new();
    if p.has("production") || world.env("NODE_ENV").is_some_and(|v| v == "production") {
        omit.insert("dev");
    }
    for o in p.values("omit") {
        for part in o.split(',') {
            match part.trim() {
                "dev" => omit.insert("dev"),
                "optional" => omit.insert("optional"),
                "peer" => omit.insert("peer"),
                _ => false,
            };
        }
    }
    let project = || project_targets(world, &omit);
    let specs = |list: &[String]| -> Result<Vec<Target>, Error> {
        list.iter().map(|s| spec_target(s)).collect()
    };
    let targets = match cmd {
        "add" | "install" if !p.positionals.is_empty() => {
            let mut t = specs(&p.positionals)?;
            if !global {
                t.extend(project()?);
            }
            t
        }
        "add" => return Ok(pass("bun")),
        "install" | "remove" if global => return Ok(pass("bun")),
        "install" | "remove" | "dedupe" => project()?,
        "update" => {
            let mut t: Vec<Target> = p
                .positionals
                .iter()
                .map(|n| {
                    let name = npa(n)
                        .ok()
                        .and_then(|s| s.name)
                        .unwrap_or_else(|| n.clone());
                    Target::registry(ECO, &name, None, Origin::Argv)
                })
                .collect();
            if global {
                if t.is_empty() {
                    t.push(Target::all_outdated(ECO));
                }
            } else {
                t.extend(project()?);
            }
            t
        }
        // `bun link <name>` links a registered local package; `bun link` registers this one.
        "link" => return Ok(pass("bun")),
        // Checked by name: bun's releases are published as the npm package `bun` too.
        "upgrade" => vec![Target::registry(
            ECO,
            "bun",
            p.has("canary").then_some("canary"),
            Origin::Argv,
        )],
        // The packages whose scripts run: those named, or (`--all`) every untrusted one in
        // the project, which its files list.
        "trust" if p.has("all") => project()?,
        "trust" => {
            let names = p.positionals.get(1..).unwrap_or_default();
            if names.is_empty() {
                return Ok(pass("bun"));
            }
            names
                .iter()
                .map(|n| Target::registry(ECO, n, None, Origin::Argv))
                .collect()
        }
        _ => return Ok(pass("bun")),
    };
    // `bun install` and `bun add` run the project's own lifecycle scripts; dependencies' only
    // when trusted.
    let root_events = match cmd {
        "add" | "install" if !global => BUN_ROOT_EVENTS,
        _ => &[],
    };
    let mut r = request("bun", targets, sources);
    r.scripts = js_project(world, world.cwd(), root_events, BUN_DEPS, Origin::Argv);
    Ok(r)
}

/// Parse the arguments after `bunx` (`bun x`): its options, then the package (or `-p`) and
/// the command's own arguments, which are not bunx's ("Flags for the package go after its
/// name").
pub fn parse_bunx(args: &[String], world: &dyn World) -> Result<Request, Error> {
    parse_x("bunx", args, world)
}

/// What the resolution stage needs to know about `bunx ARGS` (the arguments after `bunx`, or
/// after `bun x`): the packages it fetches and where each is written, `--registry`, and the
/// bare command a local bin may answer. Pure; `None` when nothing is run or a package option
/// is written in a form this does not place (`-pname`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct XShape {
    pub specs: Vec<crate::cmdline::npm::ExecSpec>,
    pub bare: Option<String>,
    pub registry: Option<String>,
    /// The options that change what is resolved (`--registry=…`, `--minimum-release-age=…`,
    /// `--ca=…`, `--cafile=…`), for the resolve-only run.
    pub config: Vec<String>,
    /// `--cwd`: where bunx looks for local bins.
    pub cwd: PathBuf,
}

/// Read `bunx ARGS` for the resolution stage (see [`XShape`]).
pub fn x_shape(args: &[String], world: &dyn World) -> Option<XShape> {
    use crate::cmdline::npm::ExecSpec;
    const VERSION: &[Opt] = &[argtable::opt(&["version"], Some('v'), Arity::Flag)];
    let p = argtable::parse(args, &[X, HELP, VERSION], STYLE, Stop::FirstPositional).ok()?;
    if p.has("version") || p.has("help") || p.rest.is_empty() {
        return None;
    }
    let first_at = args.len() - p.rest.len();
    let mut specs = crate::cmdline::npm::package_options(args, first_at, true);
    if specs.len() != p.values("package").len() {
        return None;
    }
    let bare = specs.is_empty().then(|| p.rest[0].clone());
    if let Some(b) = &bare {
        specs.push(ExecSpec {
            at: first_at,
            inline: false,
            spec: b.clone(),
        });
    }
    let config = ["registry", "minimum-release-age", "ca", "cafile"]
        .iter()
        .filter_map(|k| p.value(k).map(|v| format!("--{k}={v}")))
        .collect();
    Some(XShape {
        specs,
        bare,
        config,
        registry: p.value("registry").map(str::to_string),
        cwd: p.value("cwd").map_or_else(
            || world.cwd().to_path_buf(),
            |c| resolve_path(world.cwd(), c),
        ),
    })
}

fn parse_x(program: &str, args: &[String], world: &dyn World) -> Result<Request, Error> {
    const VERSION: &[Opt] = &[argtable::opt(&["version"], Some('v'), Arity::Flag)];
    let p = argtable::parse(args, &[X, HELP, VERSION], STYLE, Stop::FirstPositional)?;
    if p.has("version") || (p.has("help") && p.rest.is_empty()) {
        return Ok(pass(program));
    }
    let Some(first) = p.rest.first() else {
        return Ok(pass(program));
    };
    let world = Moved::to(world, p.value("cwd"));
    let world: &dyn World = &world;
    let sources = sources(world, p.value("registry"), None)?;
    let packages = p.values("package");
    let targets = if packages.is_empty() {
        vec![spec_target(first)?]
    } else {
        packages
            .iter()
            .map(|s| spec_target(s))
            .collect::<Result<_, _>>()?
    };
    Ok(request(program, targets, sources))
}

/// `bun create <template> [dest]` (bun 1.4.5's help): an npm template runs `bunx
/// create-<template>` (fetched, then run: measured, `bun create vite` asked for create-vite's
/// packument); `<user>/<repo>` is downloaded from GitHub. Both are checked; what a GitHub
/// template's own install then fetches is not seen (the resolution stage says so). A local
/// template of that name (`~/.bun-create/<name>`), which bun prefers, is checked as the npm one.
/// A React component file (`bun create ./App.tsx`), whose set-up adds packages of bun's
/// choosing, is not read here: it passes as before.
fn parse_create(args: &[String], world: &dyn World) -> Result<Request, Error> {
    if args.iter().any(|a| a == "--help" || a == "-h") {
        return Ok(pass("bun"));
    }
    let Some(template) = args.iter().find(|a| !a.starts_with('-')) else {
        return Ok(pass("bun"));
    };
    if [".jsx", ".tsx"].iter().any(|e| template.ends_with(e)) {
        return Ok(pass("bun"));
    }
    let spec = if template.contains('/') && !template.starts_with('@') {
        format!("github:{template}")
    } else {
        super::pnpm::create_package(template)?
    };
    let sources = sources(world, None, None)?;
    Ok(request("bun", vec![spec_target(&spec)?], sources))
}

fn request(program: &str, targets: Vec<Target>, sources: Vec<Source>) -> Request {
    Request {
        program: program.to_string(),
        manager: Manager::Bun,
        installs: true,
        targets,
        sources,
        grammar: None,
        scripts: Vec::new(),
    }
}

fn pass(program: &str) -> Request {
    Request::pass_through(program, Manager::Bun)
}

fn spec_target(arg: &str) -> Result<Target, Error> {
    let spec = npa(arg).map_err(|e| Error::usage(format!("invalid package spec `{arg}`: {e}")))?;
    if spec.ty == SpecType::Registry && spec.name.is_none() {
        return Err(Error::usage(format!(
            "invalid package spec `{arg}`: not a package name"
        )));
    }
    Ok(spec.target(Origin::Argv))
}

/// The project's manifests (root and workspace members) and `bun.lock`.
fn project_targets(world: &dyn World, omit: &HashSet<&str>) -> Result<Vec<Target>, Error> {
    let Some((root, mut out)) = workspaces::project_manifests(world, world.cwd(), omit)? else {
        return Ok(Vec::new());
    };
    if let Some((path, entries)) = lockfile::read(world, &root)? {
        out.push(Target::unnamed(
            ECO,
            TargetKind::Lockfile,
            &path,
            Origin::Argv,
        ));
        out.extend(entries);
    }
    Ok(out)
}

fn line_at(text: &str, offset: usize) -> u32 {
    let upto = text.get(..offset.min(text.len())).unwrap_or("");
    u32::try_from(upto.matches('\n').count() + 1).unwrap_or(u32::MAX)
}

/// `registry` and `scopes` of a bunfig's `[install]`: a URL string or `{ url = … }`.
fn bunfig_sources(world: &dyn World, path: &Path, out: &mut Vec<Source>) -> Result<(), Error> {
    let text = match world.read_file(path) {
        Ok(b) => String::from_utf8_lossy(&b).into_owned(),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(Error::bad_file(format!("{}: {e}", path.display()))),
    };
    let shown = path.display().to_string();
    let parsed =
        crate::contain::contain(|| toml_edit::Document::parse(text.as_str())).map_err(|panic| {
            Error::bad_file(format!(
                "{shown}: the TOML parser failed on it ({panic}; a bug, please report it)"
            ))
        })?;
    let doc = parsed.map_err(|e| {
        let line = e.span().map_or(1, |s| line_at(&text, s.start));
        Error::bad_file(format!(
            "{shown}:{line}: not valid TOML: {}",
            e.message().trim()
        ))
    })?;
    let Some(install) = doc
        .as_table()
        .get("install")
        .and_then(|i| i.as_table_like())
    else {
        return Ok(());
    };
    let url_of = |item: &toml_edit::Item| -> Option<(String, u32)> {
        let line = item.span().map_or(1, |s| line_at(&text, s.start));
        if let Some(s) = item.as_str() {
            return Some((s.to_string(), line));
        }
        let t = item.as_table_like()?;
        let u = t.get("url")?;
        Some((
            u.as_str()?.to_string(),
            u.span().map_or(line, |s| line_at(&text, s.start)),
        ))
    };
    let default = install
        .get("registry")
        .and_then(url_of)
        .map(|(url, line)| (None, url, line));
    let scoped = install
        .get("scopes")
        .and_then(|s| s.as_table_like())
        .into_iter()
        .flat_map(|t| t.iter())
        .filter_map(|(scope, item)| url_of(item).map(|(url, line)| (Some(scope), url, line)));
    out.extend(registries_from(&shown, default.into_iter().chain(scoped)));
    Ok(())
}

/// bun's registries, highest first: `--registry`, `BUN_CONFIG_REGISTRY`,
/// `NPM_CONFIG_REGISTRY`/`npm_config_registry`, the project's `bunfig.toml` (or `-c FILE`),
/// the global `$XDG_CONFIG_HOME/.bunfig.toml` / `~/.bunfig.toml`, then `.npmrc` (project and
/// home).
fn sources(
    world: &dyn World,
    cli_registry: Option<&str>,
    config: Option<&str>,
) -> Result<Vec<Source>, Error> {
    let mut out = Vec::new();
    if let Some(r) = cli_registry {
        out.push(source(SourceKind::Index, r, None, Origin::Argv));
    }
    for var in [
        "BUN_CONFIG_REGISTRY",
        "NPM_CONFIG_REGISTRY",
        "npm_config_registry",
    ] {
        if let Some(v) = world.env(var).filter(|v| !v.is_empty()) {
            out.push(source(
                SourceKind::Index,
                &v.to_string_lossy(),
                None,
                Origin::Env(var.into()),
            ));
        }
    }
    let cwd = world.cwd().to_path_buf();
    let project_rc = match config {
        Some(c) => resolve_path(&cwd, c),
        None => cwd.join("bunfig.toml"),
    };
    bunfig_sources(world, &project_rc, &mut out)?;
    let mut globals: Vec<PathBuf> = Vec::new();
    if let Some(x) = world.env("XDG_CONFIG_HOME").filter(|v| !v.is_empty()) {
        globals.push(PathBuf::from(x).join(".bunfig.toml"));
    }
    if let Some(h) = world.home() {
        globals.push(h.join(".bunfig.toml"));
    }
    if let Some(g) = globals.into_iter().find(|g| world.is_file(g)) {
        bunfig_sources(world, &g, &mut out)?;
    }
    let mut rcs = vec![cwd.join(".npmrc")];
    if let Some(h) = world.home() {
        rcs.push(h.join(".npmrc"));
    }
    rcs.dedup();
    for path in rcs {
        out.extend(npmrc_sources(world, &path)?);
    }
    Ok(out)
}
