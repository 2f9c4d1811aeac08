//! yarn 1 (classic, 1.22.22): `src/cli/index.js` finds the command (the first token that is
//! neither an option nor bound to a global option that takes a value; none is `install`, an
//! unknown one is `run`), then commander 2 reads the options of the command and the global
//! ones. Tables copied from its `setFlags` and `commander.option` calls. Pure.

use super::*;
use crate::cmdline::argtable::{self, Arity::*, Opt, Stop, Style, opt};

const STYLE: Style = Style {
    negations: false,
    attached_short_value: false,
    flag_equals: false,
    unknown_is_error: true,
};

pub(super) const GLOBAL: &[Opt] = &[
    opt(&["version"], Some('v'), Flag),
    opt(&["no-default-rc"], None, Flag),
    opt(&["use-yarnrc"], None, Value),
    opt(&["verbose"], None, Flag),
    opt(&["offline"], None, Flag),
    opt(&["prefer-offline"], None, Flag),
    opt(&["enable-pnp", "pnp"], None, Flag),
    opt(&["disable-pnp"], None, Flag),
    opt(&["strict-semver"], None, Flag),
    opt(&["json"], None, Flag),
    opt(&["ignore-scripts"], None, Flag),
    opt(&["har"], None, Flag),
    opt(&["ignore-platform"], None, Flag),
    opt(&["ignore-engines"], None, Flag),
    opt(&["ignore-optional"], None, Flag),
    opt(&["force"], None, Flag),
    opt(&["skip-integrity-check"], None, Flag),
    opt(&["check-files"], None, Flag),
    opt(&["no-bin-links"], None, Flag),
    opt(&["flat"], None, Flag),
    opt(&["prod", "production"], None, Optional),
    opt(&["no-lockfile"], None, Flag),
    opt(&["pure-lockfile"], None, Flag),
    opt(&["frozen-lockfile"], None, Flag),
    opt(&["update-checksums"], None, Flag),
    opt(&["link-duplicates"], None, Flag),
    opt(&["link-folder"], None, Value),
    opt(&["global-folder"], None, Value),
    opt(&["modules-folder"], None, Value),
    opt(&["preferred-cache-folder"], None, Value),
    opt(&["cache-folder"], None, Value),
    opt(&["mutex"], None, Value),
    opt(&["emoji"], None, Optional),
    opt(&["silent"], Some('s'), Flag),
    opt(&["cwd"], None, Value),
    opt(&["proxy"], None, Value),
    opt(&["https-proxy"], None, Value),
    opt(&["registry"], None, Value),
    opt(&["no-progress"], None, Flag),
    opt(&["network-concurrency"], None, Value),
    opt(&["network-timeout"], None, Value),
    opt(&["non-interactive"], None, Flag),
    opt(&["scripts-prepend-node-path"], None, Optional),
    opt(&["no-node-version-check"], None, Flag),
    opt(&["focus"], None, Flag),
    opt(&["otp"], None, Value),
    opt(&["help"], Some('h'), Flag),
];

pub(super) const ADD: &[Opt] = &[
    opt(&["ignore-workspace-root-check"], Some('W'), Flag),
    opt(&["dev"], Some('D'), Flag),
    opt(&["peer"], Some('P'), Flag),
    opt(&["optional"], Some('O'), Flag),
    opt(&["exact"], Some('E'), Flag),
    opt(&["tilde"], Some('T'), Flag),
    opt(&["audit"], Some('A'), Flag),
];

pub(super) const INSTALL: &[Opt] = &[
    opt(&["audit"], Some('A'), Flag),
    opt(&["global"], Some('g'), Flag),
    opt(&["save"], Some('S'), Flag),
    opt(&["save-dev"], Some('D'), Flag),
    opt(&["save-peer"], Some('P'), Flag),
    opt(&["save-optional"], Some('O'), Flag),
    opt(&["save-exact"], Some('E'), Flag),
    opt(&["save-tilde"], Some('T'), Flag),
];

const UPGRADE: &[Opt] = &[
    opt(&["scope"], Some('S'), Value),
    opt(&["latest"], Some('L'), Flag),
    opt(&["exact"], Some('E'), Flag),
    opt(&["pattern"], Some('P'), Optional),
    opt(&["tilde"], Some('T'), Flag),
    opt(&["caret"], Some('C'), Flag),
    opt(&["audit"], Some('A'), Flag),
];

const UPGRADE_INTERACTIVE: &[Opt] = &[
    opt(&["scope"], Some('S'), Value),
    opt(&["latest"], None, Flag),
    opt(&["exact"], Some('E'), Flag),
    opt(&["tilde"], Some('T'), Flag),
    opt(&["caret"], Some('C'), Flag),
];

const GLOBAL_CMD: &[Opt] = &[opt(&["prefix"], None, Value), opt(&["latest"], None, Flag)];

const NONE: &[Opt] = &[];

/// `yarn policies set-version [version] [--rc]`.
const POLICIES: &[Opt] = &[opt(&["rc"], None, Flag)];

/// The commands yarn 1 knows (`src/cli/commands/index.js` and its aliases); anything else
/// runs a script or a binary.
const COMMANDS: &[&str] = &[
    "access",
    "add",
    "audit",
    "autoclean",
    "bin",
    "cache",
    "check",
    "config",
    "create",
    "dedupe",
    "exec",
    "generateLockEntry",
    "generate-lock-entry",
    "global",
    "help",
    "import",
    "info",
    "init",
    "install",
    "licenses",
    "link",
    "lockfile",
    "login",
    "logout",
    "list",
    "node",
    "outdated",
    "owner",
    "pack",
    "policies",
    "prune",
    "publish",
    "remove",
    "run",
    "tag",
    "team",
    "unplug",
    "unlink",
    "upgrade",
    "version",
    "versions",
    "why",
    "workspaces",
    "workspace",
    "upgradeInteractive",
    "upgrade-interactive",
];

fn global_opt(token: &str) -> Option<&'static Opt> {
    let name = token.trim_start_matches('-');
    if token.starts_with("--") {
        GLOBAL.iter().find(|o| o.long.contains(&name))
    } else {
        let mut cs = name.chars();
        let c = cs.next()?;
        cs.next()
            .is_none()
            .then(|| GLOBAL.iter().find(|o| o.short == Some(c)))?
    }
}

/// `firstNonFlagIndex`: the command's position.
fn command_index(args: &[String]) -> Option<usize> {
    args.iter().enumerate().position(|(i, a)| {
        let bound = i > 0
            && args[i - 1].starts_with('-')
            && global_opt(&args[i - 1]).is_some_and(|o| matches!(o.arity, Value | Optional));
        !a.starts_with('-') && !bound
    })
}

/// What yarn 1 reads before any file: the command that may install, its options, and the
/// arguments a proxy command (`create`, `workspace`) keeps for the program it runs.
struct Front<'a> {
    cmd: &'a str,
    p: argtable::Parsed,
    tail: Vec<String>,
}

/// Read a yarn 1 command line up to the point where files matter, from argv alone;
/// `Ok(None)`: it installs nothing (a version or help query, `run`, a script name, `list`, ...),
/// whatever the files say.
fn installing_command(args: &[String]) -> Result<Option<Front<'_>>, Error> {
    if args.first().map(String::as_str) == Some("-v") {
        return Ok(None);
    }
    let (pre, cmd, rest): (Vec<String>, &str, Vec<String>) = match command_index(args) {
        Some(i) => (args[..i].to_vec(), args[i].as_str(), args[i + 1..].to_vec()),
        None => (args.to_vec(), "", Vec::new()),
    };
    let is_help = |a: &String| a == "--help" || a == "-h";
    if pre.iter().any(is_help) || (COMMANDS.contains(&cmd) && rest.first().is_some_and(is_help)) {
        return Ok(None);
    }
    let cmd = if cmd.is_empty() { "install" } else { cmd };
    let table: &[Opt] = match cmd {
        "install" => INSTALL,
        "add" => ADD,
        "upgrade" => UPGRADE,
        "upgrade-interactive" | "upgradeInteractive" => UPGRADE_INTERACTIVE,
        "global" => GLOBAL_CMD,
        "create" | "remove" | "unplug" | "workspace" => NONE,
        "policies" => POLICIES,
        _ => return Ok(None),
    };
    // Proxy commands keep everything after their own arguments for the program they run.
    let (rest, tail): (Vec<String>, Vec<String>) = match cmd {
        "create" => split_after_positionals(&rest, 1),
        "workspace" => split_after_positionals(&rest, 2),
        _ => (rest, Vec::new()),
    };
    let mut all = pre.clone();
    all.extend(rest);
    let p = argtable::parse(&all, &[GLOBAL, table], STYLE, Stop::Never)?;
    if p.flag("help") == Some(true) || p.flag("version") == Some(true) {
        return Ok(None);
    }
    Ok(Some(Front { cmd, p, tail }))
}

/// `yarn <args>` read as yarn 1 installs nothing, whatever the files say (see
/// [`installing_command`]).
pub(super) fn installs_nothing(args: &[String]) -> bool {
    matches!(installing_command(args), Ok(None))
}

pub(super) fn parse(args: &[String], world: &dyn World) -> Result<Request, Error> {
    let Some(Front { cmd, p, tail }) = installing_command(args)? else {
        return Ok(pass());
    };
    let mut positionals = p.positionals.clone();
    positionals.extend(p.rest.iter().cloned());
    let world = Moved::to(world, p.value("cwd"));
    let world: &dyn World = &world;
    let sources = classic_sources(world, world.cwd(), p.value("registry"))?;
    let production = match p.options.iter().rev().find(|(k, _)| *k == "prod") {
        Some((_, v)) => !matches!(v.as_deref(), Some("false" | "0")),
        None => world.env("NODE_ENV").is_some_and(|v| v == "production"),
    };
    let mut omit = HashSet::new();
    if production {
        omit.insert("dev");
    }
    if p.has("ignore-optional") {
        omit.insert("optional");
    }
    let project = ProjectRead {
        world,
        cwd: world.cwd().to_path_buf(),
        omit,
        read_lock: !p.has("no-lockfile"),
        registries: prefixes(&sources),
    };
    let specs = |list: &[String]| -> Result<Vec<Target>, Error> {
        list.iter().map(|s| spec_target(s)).collect()
    };
    let targets = match cmd {
        // `yarn install <pkg>` only says "use yarn add"; `-g` was removed.
        "install" if !positionals.is_empty() || p.has("global") => return Ok(pass()),
        "install" | "remove" | "unplug" | "upgrade-interactive" | "upgradeInteractive" => {
            project.targets()?
        }
        "add" if positionals.is_empty() => return Ok(pass()),
        "add" | "upgrade" => {
            let mut t = specs(&positionals)?;
            t.extend(project.targets()?);
            t
        }
        "global" => match positionals.first().map(String::as_str) {
            Some("add") if positionals.len() > 1 => specs(&positionals[1..])?,
            Some("upgrade" | "upgrade-interactive") if positionals.len() > 1 => {
                specs(&positionals[1..])?
            }
            Some("upgrade" | "upgrade-interactive") => vec![Target::all_outdated(ECO)],
            _ => return Ok(pass()),
        },
        "create" => match positionals.first() {
            Some(x) => vec![spec_target(&create_package(x)?)?],
            None => return Ok(pass()),
        },
        // `policies set-version [v]` downloads that yarn release (default: the newest 1.x;
        // `--rc` the release candidate) into the project, and every later yarn runs it.
        "policies" => match positionals.first().map(String::as_str) {
            Some("set-version") => {
                let v = positionals.get(1).map_or("1", String::as_str);
                let v = if p.has("rc") && v == "1" { "rc" } else { v };
                vec![super::yarn_release(if v == "latest" { "1" } else { v })?]
            }
            _ => return Ok(pass()),
        },
        "workspace" => {
            let (Some(name), Some(_)) = (positionals.first(), positionals.get(1)) else {
                return Ok(pass());
            };
            let dir = workspace_dir(world, name)?;
            let inner = Moved::at(world, dir);
            let mut sub: Vec<String> = positionals[1..].to_vec();
            sub.extend(tail);
            return parse(&sub, &inner);
        }
        _ => return Ok(pass()),
    };
    // `yarn install` and `yarn add` run the project's own lifecycle scripts, and every
    // dependency's.
    let root_events = match cmd {
        "install" | "add" => crate::scripts::npm::YARN1_ROOT_EVENTS,
        _ => &[],
    };
    let mut r = installs(targets, sources);
    r.scripts = crate::cmdline::npm::scripts::js_project(
        world,
        world.cwd(),
        root_events,
        crate::scripts::npm::YARN1_DEPS,
        Origin::Argv,
    );
    Ok(r)
}

/// The first `n` positionals (with the options among them) stay; the rest is the proxied
/// program's argv.
fn split_after_positionals(args: &[String], n: usize) -> (Vec<String>, Vec<String>) {
    let mut seen = 0;
    for (i, a) in args.iter().enumerate() {
        if !a.starts_with('-') {
            seen += 1;
            if seen == n {
                return (args[..=i].to_vec(), args[i + 1..].to_vec());
            }
        }
    }
    (args.to_vec(), Vec::new())
}

/// `yarn workspace <name>`: the member directory of that name, as yarn finds it.
pub(super) fn workspace_dir(world: &dyn World, name: &str) -> Result<PathBuf, Error> {
    let Some((root, pj)) = workspaces::project_root(world, world.cwd())? else {
        return Err(Error::usage(
            "yarn workspace: not inside a project".to_string(),
        ));
    };
    let pats = workspaces::patterns(&pj)?;
    workspaces::members(world, &root, &pats)?
        .into_iter()
        .find(|m| m.name() == Some(name))
        .map(|m| m.dir)
        .ok_or_else(|| {
            Error::usage(format!(
                "yarn workspace {name}: no such workspace in {}",
                pj.path
            ))
        })
}
