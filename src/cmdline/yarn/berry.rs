//! yarn ≥ 2 (berry, 4.18.1): clipanion routes the command path (`add`, `workspaces
//! foreach`, none is `install`, an unknown word runs a script), then reads that command's
//! options anywhere among its positionals (`--no-x` for booleans, `-abc` clusters); anything
//! it does not know is an error, as in yarn. Tables copied from the option declarations of
//! the commands in `@yarnpkg/cli-dist` 4.18.1 (hidden legacy ones included). Pure.

use super::*;
use crate::cmdline::argtable::{self, Arity::*, Opt, Stop, Style, opt};

const STYLE: Style = Style {
    negations: true,
    attached_short_value: false,
    flag_equals: false,
    unknown_is_error: true,
};

const MODE: Opt = opt(&["mode"], None, Value);

pub(super) const INSTALL: &[Opt] = &[
    opt(&["json"], None, Flag),
    opt(&["immutable"], None, Flag),
    opt(&["immutable-cache"], None, Flag),
    opt(&["refresh-lockfile"], None, Flag),
    opt(&["check-cache"], None, Flag),
    opt(&["check-resolutions"], None, Flag),
    opt(&["inline-builds"], None, Flag),
    MODE,
    opt(&["cache-folder"], None, Value),
    opt(&["frozen-lockfile"], None, Flag),
    opt(&["ignore-engines"], None, Flag),
    opt(&["non-interactive"], None, Flag),
    opt(&["prefer-offline"], None, Flag),
    opt(&["production"], None, Flag),
    opt(&["registry"], None, Value),
    opt(&["silent"], None, Flag),
    opt(&["network-timeout"], None, Value),
];

pub(super) const ADD: &[Opt] = &[
    opt(&["json"], None, Flag),
    opt(&["fixed"], Some('F'), Flag),
    opt(&["exact"], Some('E'), Flag),
    opt(&["tilde"], Some('T'), Flag),
    opt(&["caret"], Some('C'), Flag),
    opt(&["dev"], Some('D'), Flag),
    opt(&["peer"], Some('P'), Flag),
    opt(&["optional"], Some('O'), Flag),
    opt(&["prefer-dev"], None, Flag),
    opt(&["interactive"], Some('i'), Flag),
    opt(&["cached"], None, Flag),
    opt(&["time-gate"], None, Flag),
    MODE,
    opt(&["silent"], None, Flag),
];

const UP: &[Opt] = &[
    opt(&["interactive"], Some('i'), Flag),
    opt(&["fixed"], Some('F'), Flag),
    opt(&["exact"], Some('E'), Flag),
    opt(&["tilde"], Some('T'), Flag),
    opt(&["caret"], Some('C'), Flag),
    opt(&["recursive"], Some('R'), Flag),
    opt(&["time-gate"], None, Flag),
    MODE,
];

const DLX: &[Opt] = &[
    opt(&["package"], Some('p'), Value),
    opt(&["quiet"], Some('q'), Flag),
];

const REMOVE: &[Opt] = &[opt(&["all"], Some('A'), Flag), MODE];
const PLUGIN_IMPORT: &[Opt] = &[opt(&["checksum"], None, Flag)];

const UNPLUG: &[Opt] = &[
    opt(&["all"], Some('A'), Flag),
    opt(&["recursive"], Some('R'), Flag),
    opt(&["json"], None, Flag),
];

const LINK: &[Opt] = &[
    opt(&["all"], Some('A'), Flag),
    opt(&["private"], Some('p'), Flag),
    opt(&["relative"], Some('r'), Flag),
];

const DEDUPE: &[Opt] = &[
    opt(&["strategy"], Some('s'), Value),
    opt(&["check"], Some('c'), Flag),
    opt(&["json"], None, Flag),
    MODE,
];

const FOCUS: &[Opt] = &[
    opt(&["json"], None, Flag),
    opt(&["production"], None, Flag),
    opt(&["all"], Some('A'), Flag),
];

const FOREACH: &[Opt] = &[
    opt(&["from"], None, Value),
    opt(&["all"], Some('A'), Flag),
    opt(&["recursive"], Some('R'), Flag),
    opt(&["worktree"], Some('W'), Flag),
    opt(&["verbose"], Some('v'), Flag),
    opt(&["parallel"], Some('p'), Flag),
    opt(&["interlaced"], Some('i'), Flag),
    opt(&["jobs"], Some('j'), Value),
    opt(&["topological"], Some('t'), Flag),
    opt(&["topological-dev"], None, Flag),
    opt(&["include"], None, Value),
    opt(&["exclude"], None, Value),
    opt(&["private"], None, Flag),
    opt(&["since"], None, Equals),
    opt(&["dry-run"], Some('n'), Flag),
];

const UPGRADE_INTERACTIVE: &[Opt] = &[MODE];
const HELP: &[Opt] = &[opt(&["help"], Some('h'), Flag)];
const UNLINK: &[Opt] = &[opt(&["all"], Some('A'), Flag)];
/// `yarn init [-p] [-w] [-i[=version]] [-n name] [<initializer> ...]` (4.18.1).
const INIT: &[Opt] = &[
    opt(&["private"], Some('p'), Flag),
    opt(&["workspace"], Some('w'), Flag),
    opt(&["install"], Some('i'), Equals),
    opt(&["name"], Some('n'), Value),
];
const SET_VERSION: &[Opt] = &[
    opt(&["yarn-path"], None, Flag),
    opt(&["only-if-needed"], None, Flag),
];
/// `yarn set version from sources` and `yarn plugin import from sources`.
const FROM_SOURCES: &[Opt] = &[
    opt(&["path"], None, Value),
    opt(&["repository"], None, Value),
    opt(&["branch"], None, Value),
    opt(&["plugin"], None, Value),
    opt(&["dry-run"], Some('n'), Flag),
    opt(&["no-minify"], None, Flag),
    opt(&["force"], Some('f'), Flag),
    opt(&["skip-plugins"], None, Flag),
];
/// Where `from sources` clones yarn from unless `--repository` says otherwise.
const YARN_SOURCES: &str = "https://github.com/yarnpkg/berry.git";

/// `yarn init` installs when it names an initializer (a package yarn fetches and runs) or
/// `--install` (a yarn release); an argument the table does not know: assume it does.
fn init_installs(rest: &[String]) -> bool {
    argtable::parse(rest, &[INIT, HELP], STYLE, Stop::FirstPositional)
        .map_or(true, |p| !p.rest.is_empty() || p.has("install"))
}

/// A berry spec: `name@npm:range` is the registry package `name` (berry's protocol prefix),
/// everything else as npm reads it (yarn's local protocols as paths).
fn berry_spec(arg: &str) -> Result<Target, Error> {
    if let Some((name, range)) = lockfile::split_name(arg).or_else(|| {
        (!arg.starts_with('@'))
            .then(|| arg.split_once('@'))
            .flatten()
    }) && let Some(r) = range.strip_prefix("npm:")
        && lockfile::split_name(r).is_none()
        && !r.contains('@')
    {
        return spec_target(&format!("{name}@{r}"));
    }
    spec_target(arg)
}

/// What yarn ≥ 2 reads before any file: `--cwd`, the command path that may install, the
/// table of its options and the arguments after the path.
struct Front<'a> {
    cwd: Option<String>,
    cmd: Vec<&'a str>,
    table: &'static [Opt],
    rest: &'a [String],
}

/// Read a yarn ≥ 2 command line up to the point where files matter, from argv alone; `None`:
/// it installs nothing (a version or help query, `run`, a script name, `info`, ...), whatever
/// the files say.
fn installing_command(args: &[String]) -> Option<Front<'_>> {
    // Leading options: only `--cwd` may precede the command path; `-v`/`-h` print and exit.
    let lead = args.iter().take_while(|a| a.starts_with('-')).count();
    if matches!(
        args.first().map(String::as_str),
        Some("-v" | "--version" | "-h" | "--help")
    ) {
        return None;
    }
    let mut cwd: Option<String> = None;
    let mut i = 0;
    while i < lead {
        let a = &args[i];
        if a == "--cwd" {
            cwd = args.get(i + 1).cloned();
            i += 2;
        } else if let Some(v) = a.strip_prefix("--cwd=") {
            cwd = Some(v.to_string());
            i += 1;
        } else {
            break;
        }
    }
    let args = &args[i.min(args.len())..];
    let word = |k: usize| args.get(k).map(String::as_str);
    // The command path, and the table of its options.
    let (path_len, table): (usize, &[Opt]) = match (word(0), word(1)) {
        (None, _) => (0, INSTALL),
        (Some(a), _) if a.starts_with('-') => (0, INSTALL),
        (Some("install"), _) => (1, INSTALL),
        (Some("add"), _) => (1, ADD),
        (Some("up"), _) => (1, UP),
        (Some("dlx"), _) => (1, DLX),
        (Some("create"), _) => (1, DLX),
        (Some("remove"), _) => (1, REMOVE),
        (Some("unplug"), _) => (1, UNPLUG),
        (Some("link"), _) => (1, LINK),
        (Some("dedupe"), _) => (1, DEDUPE),
        (Some("upgrade-interactive"), _) => (1, UPGRADE_INTERACTIVE),
        (Some("workspaces"), Some("focus")) => (2, FOCUS),
        (Some("workspaces"), Some("foreach")) => (2, FOREACH),
        (Some("workspace"), _) => (1, &[]),
        (Some("plugin"), Some("import"))
            if word(2) == Some("from") && word(3) == Some("sources") =>
        {
            (4, FROM_SOURCES)
        }
        (Some("plugin"), Some("import")) => (2, PLUGIN_IMPORT),
        (Some("set"), Some("version")) if word(2) == Some("from") && word(3) == Some("sources") => {
            (4, FROM_SOURCES)
        }
        (Some("set"), Some("version")) => (2, SET_VERSION),
        (Some("unlink"), _) => (1, UNLINK),
        (Some("rebuild"), _) => (1, &[]),
        (Some("init"), _) if init_installs(&args[1..]) => (1, INIT),
        _ => return None,
    };
    let cmd: Vec<&str> = args[..path_len].iter().map(String::as_str).collect();
    let rest = &args[path_len..];
    if rest.iter().any(|a| a == "-h" || a == "--help")
        && !matches!(
            cmd.as_slice(),
            ["dlx" | "create" | "workspace" | "init"] | ["workspaces", "foreach"]
        )
    {
        return None;
    }
    Some(Front {
        cwd,
        cmd,
        table,
        rest,
    })
}

/// `yarn <args>` read as yarn ≥ 2 installs nothing, whatever the files say (see
/// [`installing_command`]).
pub(super) fn installs_nothing(args: &[String]) -> bool {
    installing_command(args).is_none()
}

pub(super) fn parse(args: &[String], world: &dyn World) -> Result<Request, Error> {
    let Some(Front {
        cwd,
        cmd,
        table,
        rest,
    }) = installing_command(args)
    else {
        return Ok(pass());
    };
    let world = Moved::to(world, cwd.as_deref());
    let world: &dyn World = &world;
    let sources = berry_sources(world, world.cwd())?;
    let project = ProjectRead {
        world,
        cwd: world.cwd().to_path_buf(),
        omit: HashSet::new(),
        read_lock: true,
        registries: prefixes(&sources),
    };
    // Commands that run another command: their own options come first, then the command.
    let stop = match cmd.as_slice() {
        ["dlx" | "create" | "workspace" | "init"] | ["workspaces", "foreach"] => {
            Stop::FirstPositional
        }
        _ => Stop::Never,
    };
    let mut p = argtable::parse(rest, &[table, HELP], STYLE, stop)?;
    if stop == Stop::Never {
        // After `--`, clipanion reads everything as positionals.
        let tail = std::mem::take(&mut p.rest);
        p.positionals.extend(tail);
    }
    if p.flag("help") == Some(true) && stop == Stop::Never {
        return Ok(pass());
    }
    let mut sources = sources;
    if let Some(r) = p.value("registry") {
        // `install --registry` (hidden, legacy): yarn refuses it, but it names a registry.
        sources.insert(0, source(SourceKind::Index, r, None, Origin::Argv));
    }
    let specs = |list: &[String]| -> Result<Vec<Target>, Error> {
        list.iter().map(|s| berry_spec(s)).collect()
    };
    let targets = match cmd.as_slice() {
        [] | ["install"] if !p.positionals.is_empty() => return Ok(pass()),
        []
        | ["install" | "dedupe" | "remove" | "unplug" | "upgrade-interactive" | "unlink"]
        | ["workspaces", "focus"] => project.targets()?,
        // `rebuild [names]` re-runs the build scripts of installed packages: those named, else
        // the project's.
        ["rebuild"] if !p.positionals.is_empty() => specs(&p.positionals)?,
        ["rebuild"] => project.targets()?,
        ["add"] if p.positionals.is_empty() => return Ok(pass()),
        ["add"] => {
            let mut t = specs(&p.positionals)?;
            t.extend(project.targets()?);
            t
        }
        ["up"] => {
            // `yarn up '@babel/*'`: patterns name packages already in the project.
            let named: Vec<String> = p
                .positionals
                .iter()
                .filter(|s| !s.contains('*'))
                .cloned()
                .collect();
            let mut t = specs(&named)?;
            t.extend(project.targets()?);
            t
        }
        ["link"] => {
            let mut t: Vec<Target> = p
                .positionals
                .iter()
                .map(|d| Target::unnamed(ECO, TargetKind::Path, d, Origin::Argv))
                .collect();
            t.extend(project.targets()?);
            t
        }
        ["dlx" | "create"] => {
            let packages = p.values("package");
            let Some(command) = p.rest.first() else {
                return Ok(pass());
            };
            if !packages.is_empty() {
                packages
                    .iter()
                    .map(|s| berry_spec(s))
                    .collect::<Result<_, _>>()?
            } else if cmd == ["create"] {
                vec![berry_spec(&create_package(command)?)?]
            } else {
                vec![berry_spec(command)?]
            }
        }
        ["workspace"] => {
            let (Some(name), Some(_)) = (p.rest.first(), p.rest.get(1)) else {
                return Ok(pass());
            };
            let dir = super::classic::workspace_dir(world, name)?;
            return parse(&p.rest[1..], &Moved::at(world, dir));
        }
        ["workspaces", "foreach"] => {
            if p.rest.is_empty() {
                return Ok(pass());
            }
            // The command runs in each selected workspace; they share the project's lockfile
            // and configuration, so reading it once from here covers what each run adds.
            return parse(&p.rest, world);
        }
        ["init"] => {
            // `-i[=version]` downloads that yarn (`set version`) first; the initializer is a
            // package yarn fetches and runs as it is named (measured, 4.18.1: `yarn init vite`
            // fetches `vite`).
            let mut t = Vec::new();
            if p.has("install") {
                t.push(yarn_release(p.value("install").unwrap_or("latest"))?);
            }
            if let Some(initializer) = p.rest.first() {
                t.push(berry_spec(initializer)?);
            }
            t
        }
        ["set", "version"] => match p.positionals.first() {
            Some(v) => vec![yarn_release(v)?],
            None => return Ok(pass()),
        },
        // Cloned from a repository and built: no package to check by name, the repository is
        // the target (the policy decides about unchecked sources).
        ["set" | "plugin", "version" | "import", "from", "sources"] => {
            let repo = p.value("repository").unwrap_or(YARN_SOURCES);
            vec![Target::unnamed(ECO, TargetKind::Git, repo, Origin::Argv)]
        }
        ["plugin", "import"] => match p.positionals.first() {
            // Plugins are code yarn downloads (from the official list, a URL or a path) and runs.
            Some(x) => vec![Target::unnamed(ECO, TargetKind::Url, x, Origin::Argv)],
            None => return Ok(pass()),
        },
        _ => return Ok(pass()),
    };
    // `yarn install` and `yarn add` run the project's own lifecycle scripts (no `prepare`).
    let root_events = match cmd.as_slice() {
        [] | ["install" | "add"] => crate::scripts::npm::BERRY_ROOT_EVENTS,
        _ => &[],
    };
    let mut r = installs(targets, sources);
    r.scripts = crate::cmdline::npm::scripts::js_project(
        world,
        world.cwd(),
        root_events,
        crate::scripts::npm::BERRY_DEPS,
        Origin::Argv,
    );
    Ok(r)
}
