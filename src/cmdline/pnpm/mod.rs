//! pnpm command lines (pnpm 12.21.0, the Rust port; its grammar is clap's): which packages
//! `add`, `install`/`i` (with names it is `add`), `install-test`, `update`/`up`/`upgrade`,
//! `dlx` (and `pnpx`/`pnx`), `create`, `ci`, `dedupe`, `fetch`, `deploy`, `remove`, `link`
//! and `with` would fetch, and from which registries; and `run`/`exec`/`start`/`test`/a
//! script name, which run `pnpm install` first when `verifyDepsBeforeRun` says so (its
//! default). A project install reads the workspace (`pnpm-workspace.yaml`), every member's
//! package.json and `pnpm-lock.yaml`. Reads files only through [`World`]. Does not resolve
//! versions, and does not judge whether node_modules is out of date.

mod lockfile;
mod options;
#[cfg(test)]
mod tests;

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use super::argtable::{self, Arity, Opt, Stop, Style};
use super::npm::files::{
    npmrc_sources, read_json, read_text, registries_from, scoped_registry_key, source,
};
use super::npm::spec::{SpecType, npa};
use super::npm::workspaces;
use super::yaml;
use super::{Error, Moved, World};
use crate::ecosystem::{Ecosystem, Manager};
use crate::request::{Origin, Request, Source, SourceKind, Target, TargetKind};
use options::*;

const ECO: Ecosystem = Ecosystem::Npm;

const STYLE: Style = Style {
    negations: true,
    attached_short_value: true,
    flag_equals: true,
    unknown_is_error: true,
};

/// Parse the arguments after `pnpm` (or `pn`).
pub fn parse(args: &[String], world: &dyn World) -> Result<Request, Error> {
    parse_as("pnpm", args, world)
}

/// `pnpx`/`pnx` are `pnpm dlx`.
pub fn parse_pnpx(args: &[String], world: &dyn World) -> Result<Request, Error> {
    parse_as("pnpx", &pnpx_argv(args), world)
}

/// What the resolution stage needs to know about `pnpm dlx` (the arguments after `pnpm`,
/// `dlx` among them; for `pnpx` with `dlx` put first): the packages it fetches and where each
/// is written, the options that change what is resolved, and the directory it runs in. Pure;
/// `None` when it is not `dlx`, runs nothing, or the command cannot be placed in `args`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DlxShape {
    pub specs: Vec<crate::cmdline::npm::ExecSpec>,
    pub bare: Option<String>,
    /// `--config.<key>=<value>` and `--registry=<url>` as written, for the resolve-only run.
    pub config: Vec<String>,
    /// `--dir`, else the working directory.
    pub dir: std::path::PathBuf,
}

/// Read `pnpm dlx …` for the resolution stage (see [`DlxShape`]).
pub fn dlx_shape(args: &[String], world: &dyn World) -> Option<DlxShape> {
    use crate::cmdline::npm::ExecSpec;
    let (filtered, _) = pre_pass(args);
    let ci = command_index(&filtered).ok()??;
    if filtered[ci] != "dlx" {
        return None;
    }
    let mut rest: Vec<String> = filtered[..ci].to_vec();
    rest.extend(filtered[ci + 1..].iter().cloned());
    let help: &[Opt] = &[
        argtable::opt(&["help"], Some('h'), Arity::Flag),
        argtable::opt(&["silent"], Some('s'), Arity::Flag),
    ];
    let p = argtable::parse(&rest, &[GLOBAL, help, DLX], STYLE, Stop::FirstPositional).ok()?;
    if p.rest.is_empty() || p.has("help") || p.has("version") {
        return None;
    }
    let first = args.len().checked_sub(p.rest.len())?;
    if args[first..] != p.rest[..] {
        return None;
    }
    let mut specs = crate::cmdline::npm::package_options(args, first, false);
    let mut config: Vec<String> = args[..first]
        .iter()
        .filter(|a| a.starts_with("--config."))
        .cloned()
        .collect();
    if specs.len() != p.values("package").len() {
        return None;
    }
    if let Some(r) = p.value("registry") {
        config.push(format!("--registry={r}"));
    }
    let bare = specs.is_empty().then(|| p.rest[0].clone());
    if let Some(b) = &bare {
        specs.push(ExecSpec {
            at: first,
            inline: false,
            spec: b.clone(),
        });
    }
    Some(DlxShape {
        specs,
        bare,
        config,
        dir: p.value("dir").map_or_else(
            || world.cwd().to_path_buf(),
            |d| crate::cmdline::npm::files::resolve_path(world.cwd(), d),
        ),
    })
}

fn pass(program: &str) -> Request {
    Request::pass_through(program, Manager::Pnpm)
}

/// The universal pre-passes: `--config.<key>=<value>` settings taken out of argv, and
/// `--silent`/`-s` (a reporter shorthand) dropped.
fn pre_pass(args: &[String]) -> (Vec<String>, Vec<(String, String)>) {
    let mut out = Vec::new();
    let mut config = Vec::new();
    let mut iter = args.iter();
    while let Some(a) = iter.next() {
        if a == "--" {
            out.push(a.clone());
            out.extend(iter.by_ref().cloned());
            break;
        }
        if let Some(kv) = a.strip_prefix("--config.") {
            let (k, v) = kv.split_once('=').unwrap_or((kv, "true"));
            config.push((k.to_string(), v.to_string()));
            continue;
        }
        if a == "--silent" {
            continue;
        }
        out.push(a.clone());
    }
    (recursive_prefix(out), config)
}

/// `pnpm recursive <command>` (`multi`, `m`) is `pnpm --recursive <command>`: the command
/// word is the next one.
fn recursive_prefix(mut args: Vec<String>) -> Vec<String> {
    if let Ok(Some(ci)) = command_index(&args)
        && matches!(args[ci].as_str(), "recursive" | "multi" | "m")
    {
        args[ci] = "--recursive".into();
    }
    args
}

/// The command's position: the first token that is not an option or a global option's value.
/// An option this table does not know before it leaves the command unknowable: an error.
fn command_index(args: &[String]) -> Result<Option<usize>, Error> {
    let mut i = 0;
    while i < args.len() {
        let a = &args[i];
        if a == "--" {
            return Ok(None);
        }
        if !a.starts_with('-') || a == "-" {
            return Ok(Some(i));
        }
        if matches!(a.as_str(), "-v" | "--version" | "-h" | "--help" | "-s") {
            i += 1;
            continue;
        }
        // Parse this one option alone; a value it takes is the next token.
        let probe = argtable::parse(&args[i..=i], &[GLOBAL], STYLE, Stop::Never);
        match probe {
            Ok(_) => i += 1,
            Err(e) if e.message.contains("needs a value") => i += 2,
            Err(e) => return Err(e),
        }
    }
    Ok(None)
}

/// How many tokens the option at `token` takes before the command word (itself, and its value
/// when it takes one as the next token): for the resolution, which finds the command as this
/// reader does (`pnpm --filter a add x`).
pub(crate) fn leading_option_len(token: &str) -> usize {
    if token.starts_with("--config.")
        || matches!(
            token,
            "-v" | "--version" | "-h" | "--help" | "-s" | "--silent"
        )
    {
        return 1;
    }
    match argtable::parse(&[token.to_string()], &[GLOBAL], STYLE, Stop::Never) {
        Err(e) if e.message.contains("needs a value") => 2,
        _ => 1,
    }
}

use crate::cmdline::npm::scripts::js_project;
use crate::scripts::npm::{PNPM_DEPS, PNPM_ROOT_EVENTS};

/// The commands that may install (with their aliases); every other one passes through.
const INSTALLING: &[&str] = &[
    "add",
    "install",
    "i",
    "install-test",
    "it",
    "update",
    "up",
    "upgrade",
    "dlx",
    "create",
    "ci",
    "clean-install",
    "ic",
    "install-clean",
    "dedupe",
    "fetch",
    "deploy",
    "remove",
    "uninstall",
    "rm",
    "un",
    "uni",
    "link",
    "ln",
    "with",
    "self-update",
    "pipeline",
    "unlink",
    "dislink",
    "rebuild",
    "rb",
];

/// The commands that run a script or a bin, and so `pnpm install` first when the setting
/// `verifyDepsBeforeRun` is `install` (pnpm 12's default) or `prompt` and `node_modules` is
/// out of date. A command word that is not one of pnpm's own ([`BUILTIN`]) runs the script of
/// that name, and does the same.
const RUNNING: &[&str] = &[
    "run",
    "run-script",
    "exec",
    "start",
    "test",
    "t",
    "tst",
    "restart",
];

/// pnpm's own commands (and common aliases) that neither install nor run a script: passed
/// through whatever the files say. From `pnpm --help` (12.21.0).
const BUILTIN: &[&str] = &[
    "access",
    "init",
    "outdated",
    "audit",
    "change",
    "version",
    "lane",
    "bugs",
    "list",
    "ls",
    "ll",
    "la",
    "licenses",
    "fund",
    "why",
    "view",
    "info",
    "show",
    "sbom",
    "whoami",
    "deprecate",
    "undeprecate",
    "unpublish",
    "star",
    "unstar",
    "stars",
    "dist-tag",
    "ping",
    "doctor",
    "search",
    "pack",
    "publish",
    "stage",
    "patch",
    "patch-commit",
    "patch-remove",
    "peers",
    "set-script",
    "tasks",
    "completion",
    "stop",
    "find-hash",
    "runtime",
    "env",
    "shim",
    "bin",
    "clean",
    "purge",
    "root",
    "prefix",
    "config",
    "get",
    "set",
    "pkg",
    "pack-app",
    "store",
    "cache",
    "cat-file",
    "cat-index",
    "ignored-builds",
    "approve-builds",
    "permissions",
    "approve",
    "import",
    "prune",
    "docs",
    "repo",
    "setup",
    "login",
    "team",
    "owner",
    "logout",
    "edit",
    "profile",
    "token",
    "xmas",
    "help",
    // Aliases `pnpm help` prints (12.21.0).
    "issues",
    "licences",
    "c",
    "dist-tags",
    "home",
    "adduser",
    "owners",
    "rt",
    "s",
    "se",
    "find",
    "ss",
    "v",
];

/// Whether `cmd` (not an installing one) runs a script or a bin (see [`RUNNING`]).
fn runs(cmd: &str) -> bool {
    RUNNING.contains(&cmd) || !BUILTIN.contains(&cmd)
}

/// Whether the command word `cmd` runs a script or a bin, installing only through
/// `verifyDepsBeforeRun` (for the resolution stage, which does not run that install ahead).
pub(crate) fn runs_script(cmd: &str) -> bool {
    !INSTALLING.contains(&cmd) && runs(cmd)
}

/// Where the command of a pnpm command line that may install is (argv alone: the
/// pre-passes, the global options before the command, [`INSTALLING`], and the commands that
/// may install first, [`runs`]); `Ok(None)`: it installs nothing, whatever the files say.
fn installing_command(args: &[String]) -> Result<Option<usize>, Error> {
    Ok(command_index(args)?.filter(|&ci| {
        let cmd = args[ci].as_str();
        INSTALLING.contains(&cmd) || runs(cmd)
    }))
}

/// `pnpm <args>` installs nothing, whatever the files say (see [`installing_command`]).
pub(crate) fn installs_nothing(args: &[String]) -> bool {
    matches!(installing_command(&pre_pass(args).0), Ok(None))
}

/// `pnpx <args>` installs nothing (it is `pnpm dlx`, which always may).
pub(crate) fn pnpx_installs_nothing(args: &[String]) -> bool {
    installs_nothing(&pnpx_argv(args))
}

fn pnpx_argv(args: &[String]) -> Vec<String> {
    let mut argv = vec!["dlx".to_string()];
    argv.extend(args.iter().cloned());
    argv
}

fn parse_as(program: &str, args: &[String], world: &dyn World) -> Result<Request, Error> {
    let (args, config) = pre_pass(args);
    let Some(ci) = installing_command(&args)? else {
        return Ok(pass(program));
    };
    let cmd = args[ci].as_str();
    if !INSTALLING.contains(&cmd) {
        return parse_run(program, &args, ci, &config, world);
    }
    let table: &[&[Opt]] = match cmd {
        "add" => &[ADD],
        "install" | "i" => &[INSTALL],
        "install-test" | "it" => &[INSTALL_TEST],
        "update" | "up" | "upgrade" => &[UPDATE],
        "dlx" => &[DLX],
        "create" => &[CREATE],
        "ci" | "clean-install" | "ic" | "install-clean" => &[CI],
        "dedupe" => &[DEDUPE],
        "fetch" => &[FETCH],
        "deploy" => &[INSTALL, DEPLOY],
        "remove" | "uninstall" | "rm" | "un" | "uni" => &[REMOVE],
        "link" | "ln" => &[LINK],
        "with" => &[WITH],
        "self-update" => &[SELF_UPDATE],
        "pipeline" => &[INSTALL],
        "unlink" | "dislink" => &[UNLINK],
        "rebuild" | "rb" => &[REBUILD],
        _ => return Ok(pass(program)),
    };
    let mut rest: Vec<String> = args[..ci].to_vec();
    rest.extend(args[ci + 1..].iter().cloned());
    if rest.iter().any(|a| a == "-h" || a == "--help") && !matches!(cmd, "dlx" | "create" | "with")
    {
        return Ok(pass(program));
    }
    // dlx/create/with: options, then the command and its own arguments.
    let stop = if matches!(cmd, "dlx" | "create" | "with") {
        Stop::FirstPositional
    } else {
        Stop::Never
    };
    let help: &[Opt] = &[
        argtable::opt(&["help"], Some('h'), Arity::Flag),
        argtable::opt(&["silent"], Some('s'), Arity::Flag),
    ];
    let mut tables: Vec<&[Opt]> = vec![GLOBAL, help];
    tables.extend_from_slice(table);
    let mut p = argtable::parse(&rest, &tables, STYLE, stop)?;
    if stop == Stop::Never {
        // After `--` clap takes everything as positionals.
        let tail = std::mem::take(&mut p.rest);
        p.positionals.extend(tail);
    }
    if stop == Stop::FirstPositional && p.rest.is_empty() {
        return Ok(pass(program));
    }
    let world = Moved::to(world, p.value("dir"));
    let world: &dyn World = &world;
    let global = p.has("global") && p.flag("global") != Some(false);
    let project = Project::find(world, p.flag("workspace-root") == Some(true))?;
    let sources = sources(world, &project, p.value("registry"), &config)?;
    let mut omit: HashSet<&'static str> = HashSet::new();
    let prod = p.flag("prod") == Some(true)
        || (world.env("NODE_ENV").is_some_and(|v| v == "production") && !p.has("dev"));
    if prod {
        omit.insert("dev");
    }
    if p.flag("dev") == Some(true) && matches!(cmd, "install" | "i" | "ci" | "deploy") {
        omit.insert("optional");
        omit.insert("peer");
    }
    if p.flag("optional") == Some(false) {
        omit.insert("optional");
    }
    let read_project = |lock_only: bool| project.targets(world, &omit, lock_only);
    let specs = |list: &[String]| -> Result<Vec<Target>, Error> {
        list.iter().map(|s| spec_target(s)).collect()
    };
    let targets = match cmd {
        "add" | "install" | "i" if !p.positionals.is_empty() => {
            let mut t = specs(&p.positionals)?;
            if !global {
                t.extend(read_project(false)?);
            }
            t
        }
        "add" => return Ok(pass(program)),
        // `remove -g` takes global packages away; nothing is installed.
        "remove" | "uninstall" | "rm" | "un" | "uni" if global => return Ok(pass(program)),
        "install" | "i" | "install-test" | "it" | "ci" | "clean-install" | "ic"
        | "install-clean" | "dedupe" | "deploy" | "remove" | "uninstall" | "rm" | "un" | "uni" => {
            read_project(false)?
        }
        // `pipeline` runs a frozen install of the lockfile before its tasks.
        // `rebuild` runs a headless install of the lockfile first (measured, 12.21.0: without
        // pnpm-lock.yaml it stops with "Headless installation requires a pnpm-lock.yaml"),
        // then the dependencies' build scripts.
        "fetch" | "pipeline" | "rebuild" | "rb" => read_project(true)?,
        // `unlink` reinstalls the linked packages from the registry: the project's own.
        "unlink" | "dislink" => read_project(false)?,
        "update" | "up" | "upgrade" => {
            let named: Vec<String> = p
                .positionals
                .iter()
                .filter(|s| !s.contains('*'))
                .cloned()
                .collect();
            let mut t = named
                .iter()
                .map(|n| {
                    let name = npa(n)
                        .ok()
                        .and_then(|s| s.name)
                        .unwrap_or_else(|| n.clone());
                    Target::registry(ECO, &name, None, Origin::Argv)
                })
                .collect::<Vec<_>>();
            if global {
                if t.is_empty() {
                    t.push(Target::all_outdated(ECO));
                }
            } else {
                t.extend(read_project(false)?);
            }
            t
        }
        "link" | "ln" => {
            let mut t: Vec<Target> = p
                .positionals
                .iter()
                .map(|d| Target::unnamed(ECO, TargetKind::Path, d, Origin::Argv))
                .collect();
            t.extend(read_project(false)?);
            t
        }
        "dlx" => {
            let packages = p.values("package");
            if packages.is_empty() {
                vec![spec_target(&p.rest[0])?]
            } else {
                packages
                    .iter()
                    .map(|s| spec_target(s))
                    .collect::<Result<_, _>>()?
            }
        }
        "create" => vec![spec_target(&create_package(&p.rest[0])?)?],
        // `pnpm self-update [version|range|tag]`: pnpm from the registry (default `latest`)
        // replaces the running one.
        "self-update" => {
            let version = p.positionals.first().map_or("latest", String::as_str);
            vec![Target::registry(ECO, "pnpm", Some(version), Origin::Argv)]
        }
        "with" => {
            // `pnpm with <version|current> <args>`: that pnpm (from the registry) runs the args.
            let version = p.rest[0].as_str();
            let mut t = Vec::new();
            if version != "current" {
                t.push(Target::registry(ECO, "pnpm", Some(version), Origin::Argv));
            }
            let inner = parse_as(program, &p.rest[1..], world)?;
            if !inner.installs && t.is_empty() {
                return Ok(inner);
            }
            t.extend(inner.targets);
            t
        }
        _ => return Ok(pass(program)),
    };
    // `pnpm install` runs the project's own lifecycle scripts; dependencies' only if allowed.
    let root_events = match cmd {
        "install" | "i" if p.positionals.is_empty() && !global => PNPM_ROOT_EVENTS,
        _ => &[],
    };
    Ok(install_request(
        program,
        world,
        &project,
        root_events,
        targets,
        sources,
        None,
    ))
}

/// The request of a command that installs in `project`: its targets and sources, and the
/// lifecycle scripts `root_events` of the project that the install runs.
fn install_request(
    program: &str,
    world: &dyn World,
    project: &Project,
    root_events: &[&str],
    targets: Vec<Target>,
    sources: Vec<Source>,
    grammar: Option<String>,
) -> Request {
    let start = project
        .root
        .clone()
        .unwrap_or_else(|| world.cwd().to_path_buf());
    let scripts = js_project(world, &start, root_events, PNPM_DEPS, Origin::Argv);
    Request {
        program: program.to_string(),
        manager: Manager::Pnpm,
        installs: true,
        targets,
        sources,
        grammar,
        scripts,
    }
}

/// `pnpm run|exec|start|test|<script>`: with `verifyDepsBeforeRun` at `install` or `prompt`,
/// pnpm runs `pnpm install` first when `node_modules` is out of date, so the project's
/// packages are what `pnpm install` would install (whether they are out of date is not
/// judged: all of them are checked). With `false`, `warn`, `error` or `true` it installs
/// nothing. The options after the command are read leniently (only `--dir` and
/// `--workspace-root` matter; the rest belong to the script or to pnpm's run).
fn parse_run(
    program: &str,
    args: &[String],
    ci: usize,
    config: &[(String, String)],
    world: &dyn World,
) -> Result<Request, Error> {
    const LENIENT: Style = Style {
        unknown_is_error: false,
        ..STYLE
    };
    let mut rest: Vec<String> = args[..ci].to_vec();
    rest.extend(args[ci + 1..].iter().cloned());
    let help: &[Opt] = &[argtable::opt(&["help"], Some('h'), Arity::Flag)];
    let p = argtable::parse(&rest, &[GLOBAL, help], LENIENT, Stop::FirstPositional)?;
    if p.has("help") {
        return Ok(pass(program));
    }
    let world = Moved::to(world, p.value("dir"));
    let world: &dyn World = &world;
    let project = Project::find(world, p.flag("workspace-root") == Some(true))?;
    let Some((setting, from)) = verify_deps_before_run(world, &project, config)? else {
        return Ok(pass(program));
    };
    if project.root.is_none() {
        return Ok(pass(program));
    }
    let mut omit: HashSet<&'static str> = HashSet::new();
    if world.env("NODE_ENV").is_some_and(|v| v == "production") {
        omit.insert("dev");
    }
    let targets = project.targets(world, &omit, false)?;
    let sources = sources(world, &project, p.value("registry"), config)?;
    Ok(install_request(
        program,
        world,
        &project,
        PNPM_ROOT_EVENTS,
        targets,
        sources,
        Some(format!(
            "`pnpm install` first: verifyDepsBeforeRun is `{setting}` ({from}), so pnpm installs the project before it runs when node_modules is out of date"
        )),
    ))
}

/// The setting `verifyDepsBeforeRun` and where it was read, as pnpm 12.21.0 layers it
/// (measured): `PNPM_CONFIG_VERIFY_DEPS_BEFORE_RUN` (or lower case), then
/// `--config.verify-deps-before-run=`, then `pnpm-workspace.yaml`, then the global
/// `config.yaml`; absent, it is `install`. `Ok(None)` when it installs nothing (`false`,
/// `true`, `warn`, `error`); a value pnpm rejects is an error naming where it was read. pnpm
/// reads it from no `.npmrc` and no `npm_config_*` variable.
fn verify_deps_before_run(
    world: &dyn World,
    project: &Project,
    config: &[(String, String)],
) -> Result<Option<(String, String)>, Error> {
    let mut found: Option<(String, String)> = None;
    for var in [
        "PNPM_CONFIG_VERIFY_DEPS_BEFORE_RUN",
        "pnpm_config_verify_deps_before_run",
    ] {
        if let Some(v) = world.env(var) {
            found = Some((v.to_string_lossy().into_owned(), format!("env {var}")));
            break;
        }
    }
    if found.is_none()
        && let Some((_, v)) = config
            .iter()
            .rev()
            .find(|(k, _)| k == "verify-deps-before-run" || k == "verifyDepsBeforeRun")
    {
        found = Some((v.clone(), "--config.verify-deps-before-run".to_string()));
    }
    if found.is_none()
        && let Some((path, doc)) = &project.workspace
        && let Some(n) = doc.get("verifyDepsBeforeRun")
    {
        found = Some((
            n.str().unwrap_or("").to_string(),
            format!("{path}:{}", n.line),
        ));
    }
    if found.is_none()
        && let Some(h) = world.home()
    {
        let config_home = world
            .env("XDG_CONFIG_HOME")
            .filter(|v| !v.is_empty())
            .map_or_else(|| h.join(".config"), PathBuf::from);
        let path = config_home.join("pnpm").join("config.yaml");
        if let Some(text) = read_text(world, &path)? {
            let shown = path.display().to_string();
            let doc = yaml::parse(&text, &shown)?;
            if let Some(n) = doc.get("verifyDepsBeforeRun") {
                found = Some((
                    n.str().unwrap_or("").to_string(),
                    format!("{shown}:{}", n.line),
                ));
            }
        }
    }
    let (value, from) = found.unwrap_or_else(|| ("install".into(), "pnpm's default".into()));
    match value.as_str() {
        "install" | "prompt" => Ok(Some((value, from))),
        "false" | "true" | "warn" | "error" => Ok(None),
        _ => {
            let message = format!(
                "{from}: verifyDepsBeforeRun `{value}` is not one pnpm accepts (install, prompt, warn, error, true, false)"
            );
            Err(if from.ends_with(".yaml") || from.contains(".yaml:") {
                Error::bad_file(message)
            } else {
                Error::usage(message)
            })
        }
    }
}

/// A spec from the command line, as npm-package-arg reads it; pnpm's `workspace:`, `link:`
/// and `catalog:` protocols name local or already-declared packages.
fn spec_target(arg: &str) -> Result<Target, Error> {
    let spec = npa(arg).map_err(|e| Error::usage(format!("invalid package spec `{arg}`: {e}")))?;
    if spec.ty == SpecType::Registry && spec.name.is_none() {
        return Err(Error::usage(format!(
            "invalid package spec `{arg}`: not a package name"
        )));
    }
    let mut t = spec.target(Origin::Argv);
    if let Some(w) = &spec.written
        && (w.starts_with("workspace:") || w.starts_with("link:"))
    {
        t.kind = TargetKind::Path;
    }
    Ok(t)
}

/// `pnpm create <x>` (and `bun create <x>`): `create-x`, `@s` → `@s/create`, `@s/x` →
/// `@s/create-x`.
pub(crate) fn create_package(arg: &str) -> Result<String, Error> {
    if let Some(rest) = arg.strip_prefix('@') {
        let (scope, name) = rest.split_once('/').unwrap_or((rest, ""));
        let (name, version) = match name.split_once('@') {
            Some((n, v)) => (n, Some(v)),
            None => (name, None),
        };
        let created = if name.is_empty() {
            format!("@{scope}/create")
        } else {
            format!("@{scope}/create-{name}")
        };
        return Ok(match version {
            Some(v) => format!("{created}@{v}"),
            None => created,
        });
    }
    if arg.starts_with("create-") {
        return Ok(arg.to_string());
    }
    Ok(format!("create-{arg}"))
}

/// The workspace (or lone project) an install runs in.
struct Project {
    /// The directory of `pnpm-workspace.yaml`, else of the nearest package.json.
    root: Option<PathBuf>,
    /// The workspace file, parsed.
    workspace: Option<(String, yaml::Node)>,
}

impl Project {
    fn find(world: &dyn World, workspace_root: bool) -> Result<Project, Error> {
        let cwd = world.cwd();
        for dir in cwd.ancestors() {
            let path = dir.join("pnpm-workspace.yaml");
            if let Some(text) = read_text(world, &path)? {
                let shown = path.display().to_string();
                let doc = yaml::parse(&text, &shown)?;
                return Ok(Project {
                    root: Some(dir.to_path_buf()),
                    workspace: Some((shown, doc)),
                });
            }
        }
        if workspace_root {
            return Err(Error::usage(
                "--workspace-root may only be used inside a workspace".to_string(),
            ));
        }
        let root = cwd
            .ancestors()
            .find(|d| world.is_file(&d.join("package.json")))
            .map(Path::to_path_buf);
        Ok(Project {
            root,
            workspace: None,
        })
    }

    /// Manifests of the root and every member, and the lockfile's packages (`lock_only`:
    /// only the lockfile, as `pnpm fetch` reads it).
    fn targets(
        &self,
        world: &dyn World,
        omit: &HashSet<&str>,
        lock_only: bool,
    ) -> Result<Vec<Target>, Error> {
        let Some(root) = &self.root else {
            return Ok(Vec::new());
        };
        let mut out = Vec::new();
        if !lock_only && let Some(pj) = read_json(world, &root.join("package.json"))? {
            let patterns: Vec<String> = self
                .workspace
                .as_ref()
                .and_then(|(_, doc)| doc.get("packages"))
                .map(|p| {
                    p.items()
                        .iter()
                        .filter_map(|i| i.str().map(str::to_string))
                        .collect()
                })
                .unwrap_or_default();
            let members = workspaces::members(world, root, &patterns)?;
            let names: HashSet<String> = members
                .iter()
                .filter_map(|m| m.name().map(str::to_string))
                .collect();
            let (files, deps) = workspaces::manifest_targets(&pj, &members, true, omit, &names)?;
            out.extend(files);
            out.extend(deps.into_iter().map(|(_, t)| t));
        }
        if let Some((path, entries)) = lockfile::read(world, &root.join("pnpm-lock.yaml"))? {
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
}

/// pnpm's registries: `--registry`, `--config.registry=` / `--config.@s:registry=`,
/// `PNPM_CONFIG_REGISTRY`, `pnpm-workspace.yaml` (`registry`, `registries`), and the npmrc
/// files (the project's and the workspace root's `.npmrc`, `~/.npmrc`, pnpm's global `rc`).
/// pnpm no longer reads `npm_config_*` variables.
fn sources(
    world: &dyn World,
    project: &Project,
    cli_registry: Option<&str>,
    config: &[(String, String)],
) -> Result<Vec<Source>, Error> {
    let mut out = Vec::new();
    if let Some(r) = cli_registry {
        out.push(source(SourceKind::Index, r, None, Origin::Argv));
    }
    for (k, v) in config {
        if k == "registry" {
            out.push(source(SourceKind::Index, v, None, Origin::Argv));
        } else if let Some(scope) = scoped_registry_key(k) {
            out.push(source(
                SourceKind::ScopedRegistry,
                v,
                Some(scope),
                Origin::Argv,
            ));
        }
    }
    for var in ["PNPM_CONFIG_REGISTRY", "pnpm_config_registry"] {
        if let Some(v) = world.env(var).filter(|v| !v.is_empty()) {
            out.push(source(
                SourceKind::Index,
                &v.to_string_lossy(),
                None,
                Origin::Env(var.into()),
            ));
            break;
        }
    }
    if let Some((path, doc)) = &project.workspace {
        // `registry`, and `registries`: `default` and one per `@scope`.
        let default = doc.get("registry").map(|r| (None, r));
        let map = doc
            .get("registries")
            .map(yaml::Node::entries)
            .unwrap_or_default()
            .iter()
            .filter_map(|(k, v)| match k.as_str() {
                "default" => Some((None, v)),
                s if s.starts_with('@') => Some((Some(s), v)),
                _ => None,
            });
        out.extend(registries_from(
            path,
            default
                .into_iter()
                .chain(map)
                .filter_map(|(scope, v)| Some((scope, v.str()?, v.line))),
        ));
    }
    let mut rc_files: Vec<PathBuf> = Vec::new();
    rc_files.push(world.cwd().join(".npmrc"));
    if let Some(root) = &project.root {
        rc_files.push(root.join(".npmrc"));
    }
    if let Some(h) = world.home() {
        rc_files.push(h.join(".npmrc"));
        let config_home = world
            .env("XDG_CONFIG_HOME")
            .filter(|v| !v.is_empty())
            .map_or_else(|| h.join(".config"), PathBuf::from);
        rc_files.push(config_home.join("pnpm").join("rc"));
    }
    rc_files.dedup();
    for path in rc_files {
        out.extend(npmrc_sources(world, &path)?);
    }
    Ok(out)
}
