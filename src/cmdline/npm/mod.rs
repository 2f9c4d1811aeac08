//! npm and npx command lines (npm 11.19.1): which packages `install`, `ci`, `update`, `exec`/`npx`, `init <x>`, `link`, `dedupe` and `audit fix` would fetch, and which registries they use.
//! Emulates nopt option parsing, cmd-list `deref`, npm-package-arg and npx's argv rewrite; reads package.json, lockfiles and
//! `.npmrc` only through [`World`]. Does not resolve versions, walk transitive dependencies, expand workspaces or judge packages.
//! Here: what each command installs. `options` (nopt and its tables), `commands` (cmd-list),
//! `spec` (npa) and `files` (package.json, lockfiles, .npmrc, registries) are reusable by the
//! other npm-registry managers (pnpm, yarn, bun).

mod commands;
pub(crate) mod files;
mod options;
pub(crate) mod scripts;
pub(crate) mod spec;
#[cfg(test)]
mod tests;
pub(crate) mod workspaces;

use std::collections::HashSet;
use std::path::PathBuf;

use super::{Error, World};
use crate::cmdline::yarn::lockfile as yarn_lockfile;
use crate::ecosystem::{Ecosystem, Manager};
use crate::request::{Origin, Request, Source, SourceKind, Target, TargetKind};
use commands::*;
use files::*;
use options::*;
use spec::*;
use workspaces::Member;

const ECO: Ecosystem = Ecosystem::Npm;

/// The default registry; lockfile `resolved` URLs under it are registry packages.
const DEFAULT_REGISTRY: &str = "https://registry.npmjs.org/";

/// Parse the arguments after `npm`.
pub fn parse(args: &[String], world: &dyn World) -> Result<Request, Error> {
    parse_as("npm", args, world)
}

/// Parse the arguments after `npx`: apply npx-cli.js's rewrite, then read it as `npm exec`.
pub fn parse_npx(args: &[String], world: &dyn World) -> Result<Request, Error> {
    parse_as("npx", &npx_argv(args), world)
}

/// What the project files are read for.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// `install`/`install-test` without specs: the lockfile if any, plus manifest deps it lacks.
    Install,
    /// `ci`/`install-ci-test`: exactly the lockfile.
    Ci,
    /// `update` without names: the manifest ranges.
    Update,
    /// `dedupe`, `audit fix`: re-resolve the whole tree.
    Refresh,
    /// `install`/`update`/`link` with packages named, inside a project: the tree is reified as
    /// for `Install`, but npm runs none of the project's own lifecycle scripts.
    Alongside,
}

struct Invocation<'a> {
    world: &'a dyn World,
    cli: ParsedArgs,
    cwd: PathBuf,
    global: bool,
    cli_prefix: Option<PathBuf>,
    local_prefix: PathBuf,
    omit: HashSet<&'static str>,
    /// The install-time code found while reading (see `scripts`).
    scripts: std::cell::RefCell<Vec<crate::scripts::Script>>,
}

fn pass(program: &str) -> Request {
    Request::pass_through(program, Manager::Npm)
}

/// The command an npm command line runs when it may install something, read from argv alone
/// (nopt and cmd-list); `None`: it installs nothing (a version or usage query, `run`, `ls`,
/// `view`, `audit` without `fix`, `init` without an initializer, ...). [`parse_as`] reads the
/// files only past this point, and the light shim execs the real npm when it says `None`.
fn installing_command(cli: &ParsedArgs) -> Option<&'static str> {
    if cli.flag("versions") == Some(true) {
        return None;
    }
    let cmd = cli.positionals.first().and_then(|c| deref(c))?;
    if cli.flag("version") == Some(true) || cli.flag("usage") == Some(true) {
        return None;
    }
    let next = cli.positionals.get(1).map(String::as_str);
    match cmd {
        "install" | "install-test" | "ci" | "install-ci-test" | "update" | "dedupe" | "exec"
        | "link" | "rebuild" => Some(cmd),
        "audit" if next == Some("fix") => Some(cmd),
        "init" if next.is_some() => Some(cmd),
        _ => None,
    }
}

/// `npm <args>` installs nothing, whatever the files say (see [`installing_command`]).
pub(crate) fn installs_nothing(args: &[String]) -> bool {
    installing_command(&nopt(args)).is_none()
}

/// `npx <args>` installs nothing: only a version or usage query (npx is `npm exec`).
pub(crate) fn npx_installs_nothing(args: &[String]) -> bool {
    installs_nothing(&npx_argv(args))
}

fn npx_argv(args: &[String]) -> Vec<String> {
    let mut argv = vec!["exec".to_string()];
    argv.extend(npx_rewrite(args));
    argv
}

fn parse_as(program: &str, args: &[String], world: &dyn World) -> Result<Request, Error> {
    let cli = nopt(args);
    let Some(cmd) = installing_command(&cli) else {
        return Ok(pass(program));
    };
    let Placement {
        cwd,
        global,
        cli_prefix,
        local_prefix,
    } = placement(&cli, world);
    let omit = omit_set(&cli, world);
    let ctx = Invocation {
        world,
        cli,
        cwd,
        global,
        cli_prefix,
        local_prefix,
        omit,
        scripts: std::cell::RefCell::default(),
    };
    let rest: Vec<String> = ctx.cli.positionals[1..].to_vec();
    let targets = match cmd {
        "install" | "install-test" => ctx.install(&rest)?,
        "ci" | "install-ci-test" => {
            if ctx.global {
                return Err(Error::usage("`npm ci` does not work for global packages"));
            }
            ctx.project(Mode::Ci)?
        }
        "update" => ctx.update(&rest)?,
        "dedupe" => ctx.refresh()?,
        "audit" if rest.first().map(String::as_str) == Some("fix") => ctx.refresh()?,
        "exec" => match ctx.exec(&rest)? {
            Some(t) => t,
            None => return Ok(pass(program)),
        },
        "init" if !rest.is_empty() => {
            let mut args = rest.clone();
            args[0] = create_package(&rest[0])?;
            match ctx.exec(&args)? {
                Some(t) => t,
                None => return Ok(pass(program)),
            }
        }
        "link" => ctx.link(&rest)?,
        // `rebuild [names]` runs the install scripts of installed packages (downloading
        // nothing): those named, else every one the project holds (its lockfile and
        // manifest); globally without names, whatever is installed there.
        "rebuild" if !rest.is_empty() => rest
            .iter()
            .map(|a| ctx.spec_target(a))
            .collect::<Result<_, _>>()?,
        "rebuild" if ctx.global => vec![Target::all_outdated(ECO)],
        "rebuild" => ctx.project(Mode::Install)?,
        _ => return Ok(pass(program)),
    };
    let sources = ctx.sources(&targets)?;
    // What the command line names (`project` covered what the project's files hold).
    let named: Vec<Target> = targets
        .iter()
        .filter(|t| t.origin == Origin::Argv && t.kind != TargetKind::Manifest)
        .cloned()
        .collect();
    ctx.scripts
        .borrow_mut()
        .extend(scripts::named(world, &named));
    Ok(Request {
        program: program.to_string(),
        manager: Manager::Npm,
        installs: true,
        targets,
        sources,
        grammar: None,
        scripts: ctx.scripts.take(),
    })
}

/// What the resolution stage needs to know about an `npm` command line: which command it
/// runs, where its project is, which arguments are package specs, and the flags that change
/// what is written. Pure; `None` when the command installs nothing from a registry tree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shape {
    /// The command after cmd-list aliases (`install`, `ci`, `update`, `exec`, ...).
    pub command: &'static str,
    /// Where in argv the command word is.
    pub command_at: usize,
    /// Where in argv each package spec is (positionals after the command, the prefix aside).
    pub specs_at: Vec<usize>,
    pub global: bool,
    /// The project directory (`--prefix`, else the nearest directory with package.json or
    /// node_modules).
    pub local_prefix: PathBuf,
    /// The directory npm runs in (relative path specs are read from there).
    pub cwd: PathBuf,
    /// `--no-save` / `--save=false`: package.json and the lockfile stay as they are.
    pub no_save: bool,
    /// `--package-lock-only`, `--dry-run`: nothing is installed and no script runs.
    pub nothing_installed: bool,
    /// `--no-package-lock`: npm neither reads nor writes a lockfile.
    pub no_lockfile: bool,
}

/// Read `npm <args>` for the resolution stage (see [`Shape`]).
pub fn shape(args: &[String], world: &dyn World) -> Option<Shape> {
    let cli = nopt(args);
    let cmd = cli.positionals.first().and_then(|c| deref(c))?;
    let command_at = *cli.positional_at.first()?;
    let Placement {
        cwd,
        global,
        local_prefix,
        ..
    } = placement(&cli, world);
    let env_flag = |k: &str| npm_env(world, k).map(|(_, v)| v);
    let specs_at = cli
        .positionals
        .iter()
        .zip(&cli.positional_at)
        .skip(1)
        .filter(|(a, _)| resolve_path(&cwd, a) != local_prefix)
        .map(|(_, &at)| at)
        .collect();
    let flag_on = |k: &str| {
        cli.flag(k)
            .or_else(|| env_flag(k).map(|v| v == "true"))
            .unwrap_or(false)
    };
    Some(Shape {
        command: cmd,
        command_at,
        specs_at,
        global,
        local_prefix,
        cwd,
        no_save: cli.flag("save") == Some(false) || env_flag("save").is_some_and(|v| v == "false"),
        nothing_installed: flag_on("package-lock-only") || flag_on("dry-run"),
        no_lockfile: cli.flag("package-lock") == Some(false)
            || env_flag("package-lock").is_some_and(|v| v == "false"),
    })
}

/// What the resolution stage needs to know about `npm exec` / `npx` (the arguments as `npm exec`
/// reads them, `exec` first; for npx after its rewrite): the packages it would fetch and where
/// each is written, the options that are npm configuration (kept for the resolve-only run), and
/// the bare command a local or global bin may answer. Pure; `None` when it is not `exec`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExecShape {
    /// Each package: where it is written and the spec. `inline`: the argument is
    /// `--package=<spec>` (the spec is its part after `=`); else the argument is the spec.
    pub specs: Vec<ExecSpec>,
    /// No `--package`: the first positional names both the package and the command, and a bin
    /// of that name in the project or the global prefix runs without fetching anything.
    pub bare: Option<String>,
    /// `--call` / `-c` given.
    pub call: bool,
    /// `-w` / `--workspace` / `--workspaces`: the folders the command runs in (each selected
    /// member's, the root's with `--include-workspace-root`), or why they are not known (npm
    /// refuses a name that matches no member too). `None`: not in workspaces.
    pub workspaces: Option<Result<Vec<PathBuf>, String>>,
    /// The arguments that are npm configuration (`--registry x`, `--cache=y`), not exec's own.
    pub config_at: Vec<usize>,
    pub cwd: PathBuf,
    pub local_prefix: PathBuf,
}

/// One package `npm exec` would fetch (see [`ExecShape`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExecSpec {
    pub at: usize,
    pub inline: bool,
    pub spec: String,
}

/// The `--package` values written before `end` (`--package=x`, `--package x`, and `-p x` when
/// `short` is set), with where each is: for bunx and pnpm dlx, whose options end at the
/// command.
pub fn package_options(args: &[String], end: usize, short: bool) -> Vec<ExecSpec> {
    let mut specs = Vec::new();
    let mut i = 0;
    while i < end.min(args.len()) {
        let a = &args[i];
        if let Some(v) = a.strip_prefix("--package=") {
            specs.push(ExecSpec {
                at: i,
                inline: true,
                spec: v.to_string(),
            });
        } else if (a == "--package" || (short && a == "-p")) && i + 1 < end {
            specs.push(ExecSpec {
                at: i + 1,
                inline: false,
                spec: args[i + 1].clone(),
            });
            i += 1;
        }
        i += 1;
    }
    specs
}

/// Read `npm exec …` for the resolution stage (see [`ExecShape`]).
pub fn exec_shape(args: &[String], world: &dyn World) -> Option<ExecShape> {
    /// exec's own options and the ones that would make the resolve-only run global: not
    /// passed on. (`--prefix` is: it moves the global prefix whose bins npx runs, and the
    /// resolve-only run's own `--prefix` comes after it.)
    const OWN: [&str; 8] = [
        "package",
        "call",
        "yes",
        "workspace",
        "workspaces",
        "include-workspace-root",
        "global",
        "location",
    ];
    let cli = nopt(args);
    if cli.positionals.first().and_then(|c| deref(c)) != Some("exec") {
        return None;
    }
    let Placement {
        cwd, local_prefix, ..
    } = placement(&cli, world);
    let mut specs = Vec::new();
    let mut config_at = Vec::new();
    for ((key, value), &(start, end)) in cli.settings.iter().zip(&cli.spans) {
        if key == "package" {
            if let OptValue::Str(v) = value {
                specs.push(ExecSpec {
                    at: end,
                    inline: start == end,
                    spec: v.clone(),
                });
            }
        } else if !OWN.contains(&key.as_str()) {
            config_at.extend(start..=end);
        }
    }
    config_at.dedup();
    let call = cli.string("call").is_some_and(|c| !c.is_empty());
    let mut bare = None;
    if specs.is_empty()
        && !call
        && let (Some(first), Some(&at)) = (cli.positionals.get(1), cli.positional_at.get(1))
    {
        specs.push(ExecSpec {
            at,
            inline: false,
            spec: first.clone(),
        });
        bare = Some(first.clone());
    }
    let in_workspaces =
        !cli.strings("workspace").is_empty() || cli.flag("workspaces") == Some(true);
    let ctx = Invocation {
        world,
        cli,
        cwd,
        global: false,
        cli_prefix: None,
        local_prefix,
        omit: HashSet::new(),
        scripts: std::cell::RefCell::default(),
    };
    let workspaces = in_workspaces.then(|| ctx.exec_dirs());
    Some(ExecShape {
        specs,
        bare,
        call,
        workspaces,
        config_at,
        cwd: ctx.cwd,
        local_prefix: ctx.local_prefix,
    })
}

/// npx-cli.js's rewrite of `npx ARGS` into the arguments of `npm exec` (without `exec`).
pub fn npx_args(args: &[String]) -> Vec<String> {
    npx_rewrite(args)
}

/// Where an npm command works: global or not, and its prefixes.
struct Placement {
    cwd: PathBuf,
    global: bool,
    cli_prefix: Option<PathBuf>,
    local_prefix: PathBuf,
}

fn placement(cli: &ParsedArgs, world: &dyn World) -> Placement {
    let cwd = world.cwd().to_path_buf();
    let env_flag = |k: &str| npm_env(world, k).map(|(_, v)| v);
    let global = match (cli.flag("global"), cli.string("location")) {
        (_, Some("global")) | (Some(true), _) => true,
        (Some(false), _) | (_, Some("user" | "project")) => false,
        (None, _) => {
            env_flag("global").is_some_and(|v| v == "true")
                || env_flag("location").is_some_and(|v| v == "global")
        }
    };
    let cli_prefix = cli.string("prefix").map(|p| resolve_path(&cwd, p));
    let local_prefix = match &cli_prefix {
        Some(p) => p.clone(),
        None => cwd
            .ancestors()
            .find(|d| {
                world.is_file(&d.join("package.json")) || world.is_dir(&d.join("node_modules"))
            })
            .unwrap_or(&cwd)
            .to_path_buf(),
    };
    Placement {
        cwd,
        global,
        cli_prefix,
        local_prefix,
    }
}

/// Dependency types left out (`--omit`, `--production`, `NODE_ENV=production`, ...).
fn omit_set(cli: &ParsedArgs, world: &dyn World) -> HashSet<&'static str> {
    const TYPES_: [&str; 3] = ["dev", "optional", "peer"];
    let pick = |v: &str| TYPES_.iter().find(|t| **t == v).copied();
    let mut omit: Vec<&'static str> = cli.strings("omit").iter().filter_map(|v| pick(v)).collect();
    if !cli.settings.iter().any(|(k, _)| k == "omit") {
        match npm_env(world, "omit") {
            Some((_, v)) => omit.extend(v.split([',', ' ', '\n']).filter_map(pick)),
            None => {
                if world.env("NODE_ENV").is_some_and(|v| v == "production") {
                    omit.push("dev");
                }
            }
        }
    }
    let mut include: Vec<&'static str> = cli
        .strings("include")
        .iter()
        .filter_map(|v| pick(v))
        .collect();
    let only = cli.string("only").unwrap_or("");
    if only == "prod" || only == "production" || cli.flag("production") == Some(true) {
        omit.push("dev");
    } else if cli.flag("production") == Some(false) {
        include.push("dev");
    }
    if cli.string("also").is_some_and(|a| a.starts_with("dev")) || cli.flag("dev") == Some(true) {
        include.push("dev");
    }
    match cli.flag("optional") {
        Some(false) => omit.push("optional"),
        Some(true) => include.push("optional"),
        None => {}
    }
    omit.into_iter().filter(|t| !include.contains(t)).collect()
}

/// `npm init <x>` / `npm create <x>`: the create-package that gets run.
fn create_package(initer: &str) -> Result<String, Error> {
    if let Some(rest) = initer.strip_prefix('@')
        && !rest.is_empty()
        && !rest.contains('/')
    {
        let mut parts = rest.split('@');
        let scope = parts.next().unwrap_or("");
        return Ok(match parts.next() {
            Some(v) if !v.is_empty() => format!("@{scope}/create@{v}"),
            _ => format!("@{scope}/create"),
        });
    }
    let spec = npa(initer).map_err(|e| Error::usage(format!("npm init {initer}: {e}")))?;
    match spec.ty {
        SpecType::Git if spec.hosted.is_some() => {
            let (user, project) = spec.hosted.unwrap_or_default();
            Ok(initer.replacen(
                &format!("{user}/{project}"),
                &format!("{user}/create-{project}"),
                1,
            ))
        }
        SpecType::Registry | SpecType::Alias if spec.name.is_some() => {
            let name = spec.name.unwrap_or_default();
            let created = match name.split_once('/') {
                Some((scope, n)) if name.starts_with('@') => format!("{scope}/create-{n}"),
                _ => format!("create-{name}"),
            };
            Ok(match &spec.written {
                Some(w) => format!("{created}@{w}"),
                None => created,
            })
        }
        _ => Err(Error::usage(format!("Unrecognized initializer: {initer}"))),
    }
}

impl Invocation<'_> {
    /// A spec from the command line as a target; npm rejects what npa rejects.
    fn spec_target(&self, arg: &str) -> Result<Target, Error> {
        let spec =
            npa(arg).map_err(|e| Error::usage(format!("invalid package spec `{arg}`: {e}")))?;
        if spec.ty == SpecType::Registry && spec.name.is_none() {
            return Err(Error::usage(format!(
                "invalid package spec `{arg}`: not a package name"
            )));
        }
        Ok(spec.target(Origin::Argv))
    }

    /// The prefix positionals are compared against (`args.filter(a => resolve(a) !== npm.prefix)`).
    fn is_prefix(&self, arg: &str) -> bool {
        let prefix = if self.global {
            self.cli_prefix.as_ref()
        } else {
            Some(&self.local_prefix)
        };
        prefix.is_some_and(|p| resolve_path(&self.cwd, arg) == *p)
    }

    /// The registries this invocation uses (see [`registry_sources`]).
    fn sources(&self, targets: &[Target]) -> Result<Vec<Source>, Error> {
        let config = RegistryConfig {
            world: self.world,
            cwd: &self.cwd,
            project: (!self.global).then_some(self.local_prefix.as_path()),
            userconfig: self.cli.string("userconfig"),
            globalconfig: self.cli.string("globalconfig"),
            cli_settings: self
                .cli
                .settings
                .iter()
                .filter_map(|(k, v)| match v {
                    OptValue::Str(url) => Some((k.as_str(), url.as_str())),
                    _ => None,
                })
                .collect(),
        };
        registry_sources(&config, targets)
    }

    fn dot(&self) -> Target {
        Target::unnamed(ECO, TargetKind::Path, ".", Origin::Argv)
    }

    fn install(&self, rest: &[String]) -> Result<Vec<Target>, Error> {
        let specs: Vec<&String> = rest.iter().filter(|a| !self.is_prefix(a)).collect();
        if specs.is_empty() {
            return if self.global {
                Ok(vec![self.dot()])
            } else {
                self.project(Mode::Install)
            };
        }
        if self.global && specs.iter().any(|s| s.is_empty()) {
            return Err(Error::usage("npm install -g \"\": empty package spec"));
        }
        let mut targets = specs
            .iter()
            .map(|s| self.spec_target(s))
            .collect::<Result<Vec<_>, _>>()?;
        // Inside a project npm reifies the whole tree, not only what was named: whatever
        // package.json and the lockfile hold is installed too (the fake-interview-repo case).
        if !self.global {
            targets.extend(self.project(Mode::Alongside)?);
        }
        Ok(targets)
    }

    fn update(&self, rest: &[String]) -> Result<Vec<Target>, Error> {
        if rest.is_empty() {
            return if self.global {
                Ok(vec![Target {
                    ecosystem: ECO,
                    kind: TargetKind::AllOutdated,
                    name: None,
                    spec: None,
                    origin: Origin::Argv,
                    claimed: None,
                    resolved: None,
                }])
            } else {
                self.project(Mode::Update)
            };
        }
        let mut targets: Vec<Target> = rest
            .iter()
            .map(|n| {
                let name = match npa(n) {
                    Ok(Spec {
                        name: Some(name), ..
                    }) => name,
                    _ => n.clone(),
                };
                Target::registry(ECO, &name, None, Origin::Argv)
            })
            .collect();
        if !self.global {
            targets.extend(self.project(Mode::Alongside)?);
        }
        Ok(targets)
    }

    fn refresh(&self) -> Result<Vec<Target>, Error> {
        if self.global {
            return self.update(&[]);
        }
        self.project(Mode::Refresh)
    }

    fn link(&self, rest: &[String]) -> Result<Vec<Target>, Error> {
        let specs: Vec<&String> = rest.iter().filter(|a| !self.is_prefix(a)).collect();
        if specs.is_empty() {
            return Ok(vec![self.dot()]);
        }
        let mut targets = specs
            .iter()
            .map(|s| self.spec_target(s))
            .collect::<Result<Vec<_>, _>>()?;
        if !self.global {
            targets.extend(self.project(Mode::Alongside)?);
        }
        Ok(targets)
    }

    /// `npm exec`: the `--package` values, else the first positional. None: nothing is fetched.
    fn exec(&self, rest: &[String]) -> Result<Option<Vec<Target>>, Error> {
        let mut packages = self.cli.strings("package");
        if packages.is_empty()
            && !self.cli.settings.iter().any(|(k, _)| k == "package")
            && let Some((_, v)) = npm_env(self.world, "package")
        {
            packages.push(v);
        }
        let call = self.cli.string("call").filter(|c| !c.is_empty());
        if call.is_some() && !rest.is_empty() {
            return Err(Error::usage(
                "npm exec: --call cannot be combined with positional arguments",
            ));
        }
        if !packages.is_empty() {
            return packages
                .iter()
                .map(|p| self.spec_target(p))
                .collect::<Result<_, _>>()
                .map(Some);
        }
        match rest.first() {
            Some(first) if call.is_none() => Ok(Some(vec![self.spec_target(first)?])),
            _ => Ok(None),
        }
    }

    /// The folders `npm exec -w …` / `--workspaces` runs in (npm 11: once in each, looking for
    /// the bin in that folder's `node_modules/.bin` and up, and in its package.json): each
    /// selected member's, and the root's with `--include-workspace-root`.
    fn exec_dirs(&self) -> Result<Vec<PathBuf>, String> {
        let pj = read_json(self.world, &self.local_prefix.join("package.json"))
            .map_err(|e| e.message)?
            .ok_or_else(|| format!("no package.json in {}", self.local_prefix.display()))?;
        let (members, _, _) = self.workspace_members(&pj).map_err(|e| e.message)?;
        let mut dirs: Vec<PathBuf> = members.into_iter().map(|m| m.dir).collect();
        if self.cli.flag("include-workspace-root") == Some(true) {
            dirs.insert(0, self.local_prefix.clone());
        }
        if dirs.is_empty() {
            return Err(format!("{} has no workspaces", pj.path));
        }
        Ok(dirs)
    }

    /// The workspace members whose manifests this invocation installs: all of them, or those
    /// `-w`/`--workspace` names (by name, path or parent directory; one that names nothing is
    /// refused as npm refuses it); whether the root's own dependencies count; and the names of
    /// all members (a dependency on one is linked, not fetched).
    fn workspace_members(
        &self,
        pj: &JsonFile,
    ) -> Result<(Vec<Member>, bool, HashSet<String>), Error> {
        let patterns = workspaces::patterns(pj)?;
        let all = workspaces::members(self.world, &self.local_prefix, &patterns)?;
        let names: HashSet<String> = all
            .iter()
            .filter_map(|m| m.name().map(str::to_string))
            .collect();
        let wanted = self.cli.strings("workspace");
        if wanted.is_empty() || self.cli.flag("workspaces") == Some(true) {
            return Ok((all, true, names));
        }
        let mut keep = vec![false; all.len()];
        for w in &wanted {
            let path = resolve_path(&self.cwd, w);
            let mut any = false;
            for (i, m) in all.iter().enumerate() {
                if m.name() == Some(w.as_str()) || m.dir.starts_with(&path) {
                    keep[i] = true;
                    any = true;
                }
            }
            if !any {
                return Err(Error::usage(format!(
                    "--workspace={w}: no workspace of {} has that name or path",
                    pj.path
                )));
            }
        }
        let members = all
            .into_iter()
            .zip(keep)
            .filter_map(|(m, k)| k.then_some(m))
            .collect();
        Ok((
            members,
            self.cli.flag("include-workspace-root") == Some(true),
            names,
        ))
    }

    /// The manifest/lockfile of the local prefix and what it installs: the dependency groups
    /// of package.json and of its workspace members, and every lockfile entry (transitive
    /// ones included) of npm-shrinkwrap.json, package-lock.json, or the yarn.lock npm follows
    /// when there is neither.
    fn project(&self, mode: Mode) -> Result<Vec<Target>, Error> {
        let prefix = &self.local_prefix;
        let pj_path = prefix.join("package.json");
        let Some(pj) = read_json(self.world, &pj_path)? else {
            // No project here: npm writes an empty package.json and installs nothing (npm ci
            // refuses by itself). Nothing to check, so nothing to refuse.
            return Ok(Vec::new());
        };
        let (members, with_root, member_names) = self.workspace_members(&pj)?;
        let (mut targets, manifest) =
            workspaces::manifest_targets(&pj, &members, with_root, &self.omit, &member_names)?;
        let use_lock = self.cli.flag("package-lock") != Some(false) && mode != Mode::Update;
        let mut lock = None;
        if use_lock {
            for name in ["npm-shrinkwrap.json", "package-lock.json"] {
                if let Some(f) = read_json(self.world, &prefix.join(name))? {
                    lock = Some(f);
                    break;
                }
            }
        }
        // npm runs the project's own lifecycle scripts on `npm install` with no package named
        // (not global) and `npm ci`; `ci` installs every dependency anew.
        let code = (
            !self.global && matches!(mode, Mode::Install | Mode::Ci),
            mode == Mode::Ci,
        );
        match &lock {
            Some(lock) => {
                targets.push(Target::unnamed(
                    ECO,
                    TargetKind::Lockfile,
                    &lock.path,
                    Origin::Argv,
                ));
                let registries = registry_prefixes(&self.sources(&[])?);
                let (entries, _top, all) = lock_entries(lock, &self.omit, &registries);
                targets.extend(entries);
                let mut unlocked = Vec::new();
                if mode != Mode::Ci {
                    unlocked.extend(
                        manifest
                            .iter()
                            .filter(|(dep, _)| !all.contains(dep))
                            .map(|(_, t)| t.clone()),
                    );
                }
                self.scripts.borrow_mut().extend(scripts::project(
                    self.world,
                    prefix,
                    &pj,
                    Some(lock),
                    &unlocked,
                    code,
                    &self.omit,
                ));
                targets.extend(unlocked);
            }
            None if mode == Mode::Ci => {
                return Err(Error::bad_file(format!(
                    "{}: not found (npm ci installs exactly package-lock.json or npm-shrinkwrap.json)",
                    show(&prefix.join("package-lock.json"))
                )));
            }
            None => {
                let unlocked: Vec<Target> = manifest.into_iter().map(|(_, t)| t).collect();
                self.scripts.borrow_mut().extend(scripts::project(
                    self.world, prefix, &pj, None, &unlocked, code, &self.omit,
                ));
                targets.extend(unlocked);
                // arborist: with no package-lock, the specs a classic yarn.lock pins are
                // fetched from its `resolved` URLs (shrinkwrap.js `checkYarnLock`). npm's own
                // reader cannot use berry's YAML lockfile, so that one does not count.
                if use_lock
                    && let Some(yarn) = yarn_lockfile::read(self.world, &prefix.join("yarn.lock"))?
                    && !yarn.is_berry()
                {
                    targets.push(Target::unnamed(
                        ECO,
                        TargetKind::Lockfile,
                        yarn.path(),
                        Origin::Argv,
                    ));
                    let registries = registry_prefixes(&self.sources(&[])?);
                    targets.extend(yarn.targets(&registries));
                }
            }
        }
        Ok(targets)
    }
}
