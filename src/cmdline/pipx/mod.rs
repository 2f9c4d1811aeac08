//! pipx's command line (pipx 1.18.4, argparse): what `pipx install`, `inject`, `run`,
//! `upgrade`, `install-all`, `upgrade-all`, `upgrade-shared`, `reinstall[-all]` and `runpip`
//! would install, and from where. pipx hands the packages to pip (or uv with `--backend uv`),
//! so `--index-url`, `--pip-args` and pip's own configuration (`PIP_*`, pip.conf) are read
//! through the pip parser. Pure; never runs pipx. Every other command passes through.
//! The option table was generated from pipx 1.18.4's own parser (`pipx.main.get_command_parser`).

#[cfg(test)]
mod tests;

use std::path::Path;

use super::pip;
use super::pip::reqfile::{FileItems, read_requirements, shlex_split};
use super::pip::requirement::classify_line;
use super::pyproject;
use super::{Error, World};
use crate::ecosystem::{Ecosystem, Manager};
use crate::request::{Origin, Request, Target, TargetKind};

const INSTALL: u16 = 1;
const INSTALL_ALL: u16 = 1 << 1;
const INJECT: u16 = 1 << 2;
const RUN: u16 = 1 << 3;
const UPGRADE: u16 = 1 << 4;
const UPGRADE_ALL: u16 = 1 << 5;
const UPGRADE_SHARED: u16 = 1 << 6;
const REINSTALL: u16 = 1 << 7;
const REINSTALL_ALL: u16 = 1 << 8;
const RUNPIP: u16 = 1 << 9;
/// `pipx repair [packages]`: reinstalls environments that cannot run their interpreter.
const REPAIR: u16 = 1 << 10;
const ALL: u16 = (1 << 11) - 1;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Arity {
    Flag,
    One,
    /// `nargs='+'`: every following token that is not an option.
    Many,
}

struct PipxOpt {
    long: &'static [&'static str],
    short: &'static str,
    arity: Arity,
    cmds: u16,
}

const fn flag(long: &'static [&'static str], short: &'static str, cmds: u16) -> PipxOpt {
    PipxOpt {
        long,
        short,
        arity: Arity::Flag,
        cmds,
    }
}
const fn val(long: &'static [&'static str], short: &'static str, cmds: u16) -> PipxOpt {
    PipxOpt {
        long,
        short,
        arity: Arity::One,
        cmds,
    }
}
const fn many(long: &'static [&'static str], short: &'static str, cmds: u16) -> PipxOpt {
    PipxOpt {
        long,
        short,
        arity: Arity::Many,
        cmds,
    }
}

/// pipx 1.18.4's options of the install-family commands (generated, see the module notes).
#[rustfmt::skip]
const OPTIONS: &[PipxOpt] = &[
    val(&["--app"], "", INSTALL),
    val(&["--backend"], "", INSTALL | INSTALL_ALL | INJECT | UPGRADE | UPGRADE_ALL | REINSTALL | REINSTALL_ALL | RUN | REPAIR),
    val(&["--cooldown"], "", INSTALL | INSTALL_ALL | INJECT | UPGRADE | UPGRADE_ALL | RUN),
    flag(&["--editable"], "e", INSTALL | INSTALL_ALL | INJECT | UPGRADE | UPGRADE_ALL | RUN),
    flag(&["--fetch-missing-python"], "", INSTALL | INSTALL_ALL | UPGRADE | REINSTALL | REINSTALL_ALL | RUN | REPAIR),
    val(&["--fetch-python"], "", INSTALL | INSTALL_ALL | UPGRADE | REINSTALL | REINSTALL_ALL | RUN | REPAIR),
    flag(&["--force"], "f", INSTALL | INSTALL_ALL | INJECT | UPGRADE | UPGRADE_ALL),
    flag(&["--global"], "", ALL),
    flag(&["--include-apps"], "", INJECT),
    flag(&["--include-deps"], "", INSTALL | INJECT),
    flag(&["--include-injected"], "", UPGRADE | UPGRADE_ALL),
    val(&["--include-resources-from"], "", INSTALL | INJECT),
    val(&["--index-url"], "i", INSTALL | INSTALL_ALL | INJECT | UPGRADE | UPGRADE_ALL | RUN),
    flag(&["--install"], "", UPGRADE),
    val(&["--lock"], "", INSTALL),
    flag(&["--no-cache"], "", RUN),
    flag(&["--no-path-check"], "", RUN),
    val(&["--output"], "", INSTALL | INJECT | UPGRADE | UPGRADE_ALL | UPGRADE_SHARED | REINSTALL | REINSTALL_ALL | REPAIR),
    flag(&["--path"], "", RUN),
    val(&["--pip-args"], "", INSTALL | INSTALL_ALL | INJECT | UPGRADE | UPGRADE_ALL | UPGRADE_SHARED | RUN),
    val(&["--preinstall"], "", INSTALL),
    flag(&["--pypackages"], "", RUN),
    val(&["--python"], "", INSTALL | INSTALL_ALL | UPGRADE | REINSTALL | REINSTALL_ALL | RUN | REPAIR),
    val(&["--python-args"], "", RUN),
    flag(&["--quiet"], "q", ALL),
    flag(&["--refresh"], "", RUN),
    many(&["--skip"], "", UPGRADE_ALL | REINSTALL_ALL),
    flag(&["--skip-maintenance"], "", ALL),
    val(&["--spec"], "", RUN),
    val(&["--suffix"], "", INSTALL),
    flag(&["--system-site-packages"], "", INSTALL | INSTALL_ALL | INJECT | UPGRADE | UPGRADE_ALL | RUN),
    flag(&["--upgrade"], "U", INSTALL),
    val(&["--upgrade-strategy"], "", INSTALL),
    flag(&["--verbose"], "v", ALL),
    val(&["--with"], "", RUN),
    flag(&["--with-suffix"], "", INJECT),
    flag(&["--help"], "h", ALL),
    val(&["--requirement"], "r", INJECT),
];

const COMMANDS: &[(&str, u16)] = &[
    ("install", INSTALL),
    ("install-all", INSTALL_ALL),
    ("inject", INJECT),
    ("run", RUN),
    ("upgrade", UPGRADE),
    ("upgrade-all", UPGRADE_ALL),
    ("upgrade-shared", UPGRADE_SHARED),
    ("reinstall", REINSTALL),
    ("reinstall-all", REINSTALL_ALL),
    ("runpip", RUNPIP),
    ("repair", REPAIR),
];

/// argparse's `_parse_optional`: a token is an option when it starts with `-`, is not a lone
/// `-`, and has no space in it (`--pip-args '--index-url x'` is a value).
fn is_option(arg: &str) -> bool {
    if !arg.starts_with('-') || arg.len() < 2 {
        return false;
    }
    // `--opt=value with spaces` is still an option: the `=` split comes before the space test.
    let name = arg.split_once('=').map_or(arg, |(n, _)| n);
    !name.contains(' ') && (arg.contains('=') || !arg.contains(' '))
}

/// The option a long spelling means: exact, else a unique prefix (`allow_abbrev`).
fn lookup_long(name: &str, mask: u16, what: &str) -> Result<&'static PipxOpt, Error> {
    let in_cmd = || OPTIONS.iter().filter(|o| o.cmds & mask != 0);
    if let Some(o) = in_cmd().find(|o| o.long.contains(&name)) {
        return Ok(o);
    }
    let hits: Vec<(&str, &'static PipxOpt)> = in_cmd()
        .flat_map(|o| {
            o.long
                .iter()
                .filter(|l| l.starts_with(name))
                .map(move |l| (*l, o))
        })
        .collect();
    match hits.as_slice() {
        [(_, o)] => Ok(o),
        [] => Err(Error::usage(format!(
            "{what}: unrecognized arguments: {name}"
        ))),
        _ => {
            let names: Vec<&str> = hits.iter().map(|(l, _)| *l).collect();
            Err(Error::usage(format!(
                "{what}: ambiguous option: {name} could match {}",
                names.join(", ")
            )))
        }
    }
}

/// Read the option at `args[*i]`: every (long name, value) it sets.
fn read_option(
    args: &[String],
    i: &mut usize,
    mask: u16,
    what: &str,
) -> Result<Vec<(&'static str, Vec<String>)>, Error> {
    let arg = args[*i].as_str();
    *i += 1;
    let take =
        |opt: &PipxOpt, attached: Option<&str>, i: &mut usize| -> Result<Vec<String>, Error> {
            let shown = opt.long[0];
            match (opt.arity, attached) {
                (Arity::Flag, Some(_)) => Err(Error::usage(format!(
                    "{what}: argument {shown}: ignored explicit argument"
                ))),
                (Arity::Flag, None) => Ok(Vec::new()),
                (_, Some(v)) => Ok(vec![v.to_string()]),
                (Arity::One, None) => match args.get(*i) {
                    Some(v) if !is_option(v) && v != "--" => {
                        *i += 1;
                        Ok(vec![v.clone()])
                    }
                    _ => Err(Error::usage(format!(
                        "{what}: argument {shown}: expected one argument"
                    ))),
                },
                (Arity::Many, None) => {
                    let mut out = Vec::new();
                    while let Some(v) = args.get(*i).filter(|v| !is_option(v) && *v != "--") {
                        out.push(v.clone());
                        *i += 1;
                    }
                    if out.is_empty() {
                        return Err(Error::usage(format!(
                            "{what}: argument {shown}: expected at least one argument"
                        )));
                    }
                    Ok(out)
                }
            }
        };
    if arg.starts_with("--") {
        let (name, attached) = match arg.split_once('=') {
            Some((n, v)) => (n, Some(v)),
            None => (arg, None),
        };
        let opt = lookup_long(name, mask, what)?;
        let values = take(opt, attached, i)?;
        return Ok(vec![(opt.long[0], values)]);
    }
    let mut out = Vec::new();
    let cluster = &arg[1..];
    for (pos, c) in cluster.char_indices() {
        let Some(opt) = OPTIONS
            .iter()
            .find(|o| o.cmds & mask != 0 && o.short.contains(c))
        else {
            return Err(Error::usage(format!(
                "{what}: unrecognized arguments: -{c}"
            )));
        };
        let rest = &cluster[pos + c.len_utf8()..];
        if opt.arity == Arity::Flag {
            out.push((opt.long[0], Vec::new()));
            continue;
        }
        let attached = (!rest.is_empty()).then(|| rest.strip_prefix('=').unwrap_or(rest));
        let values = take(opt, attached, i)?;
        out.push((opt.long[0], values));
        break;
    }
    Ok(out)
}

fn pass() -> Result<Request, Error> {
    Ok(Request::pass_through("pipx", Manager::Pipx))
}

/// One pipx command line, read: the command, its options (name, values) and positionals.
struct Read {
    command: &'static str,
    mask: u16,
    opts: Vec<(&'static str, Vec<String>)>,
    positionals: Vec<String>,
}

/// `pipx <args>` installs nothing, whatever the files say (see [`read_args`]).
pub(crate) fn installs_nothing(args: &[String]) -> bool {
    matches!(read_args(args), Ok(None))
}

/// Read `pipx <args>` (argv alone); `None` for a command that installs nothing, or help.
fn read_args(args: &[String]) -> Result<Option<Read>, Error> {
    // The main parser knows only -h and --version before the command.
    let Some(first) = args.first() else {
        return Ok(None);
    };
    let Some(&(command, mask)) = COMMANDS.iter().find(|(c, _)| c == first) else {
        return Ok(None);
    };
    let what = format!("pipx {command}");
    let mut opts: Vec<(&'static str, Vec<String>)> = Vec::new();
    let mut positionals: Vec<String> = Vec::new();
    // Positionals are matched in one run (argparse); a later stray one is an error.
    let mut run_ended = false;
    let mut i = 1;
    while i < args.len() {
        let arg = &args[i];
        // `run APP ...` and `runpip ENV ...` hand everything after to the app / pip.
        if matches!(mask, RUN | RUNPIP) && !positionals.is_empty() {
            positionals.extend(args[i..].iter().cloned());
            break;
        }
        if arg == "--" {
            positionals.extend(args[i + 1..].iter().cloned());
            break;
        }
        if is_option(arg) {
            let read = read_option(args, &mut i, mask, &what)?;
            if read.iter().any(|(n, _)| *n == "--help") {
                return Ok(None);
            }
            if !positionals.is_empty() {
                run_ended = true;
            }
            opts.extend(read);
            continue;
        }
        if run_ended && !matches!(mask, RUN | RUNPIP) {
            return Err(Error::usage(format!(
                "{what}: unrecognized arguments: {arg}"
            )));
        }
        positionals.push(arg.clone());
        i += 1;
    }
    Ok(Some(Read {
        command,
        mask,
        opts,
        positionals,
    }))
}

/// `pipx install|run|inject|upgrade` read for the resolution stage: what pip is asked to
/// install into the new (or, for `inject` and `upgrade`, the existing) environment, and how.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scan {
    /// `install`, `run`, `inject` or `upgrade`.
    pub command: &'static str,
    /// The requirements pip installs (`--preinstall`, the package specs; for `run`, `--with`
    /// and `--spec` or the app; for `inject`, the packages after the environment; for
    /// `upgrade`, none: they are in the environment's metadata).
    pub specs: Vec<String>,
    /// pip's own arguments from `--index-url` and `--pip-args` (shell words).
    pub pip_args: Vec<String>,
    /// `--python`.
    pub python: Option<String>,
    /// Why the environment cannot be resolved with pip beforehand, when it cannot.
    pub unsupported: Option<String>,
    /// `pipx install` of one package: the name of the environment it creates (pipx's
    /// `canonicalize_name(package + suffix)`), when the spec starts with a plain name; for
    /// `inject` and `upgrade`, the environment they change.
    pub environment: Option<String>,
    /// `upgrade --include-injected`: the injected packages are upgraded too.
    pub include_injected: bool,
}

/// Read `pipx install|run|inject|upgrade` for the resolution stage. Pure; `None` for other
/// commands.
pub fn scan(args: &[String]) -> Option<Scan> {
    let read = read_args(args).ok()??;
    let get = |name: &str| -> Vec<String> {
        read.opts
            .iter()
            .filter(|(n, _)| *n == name)
            .flat_map(|(_, v)| v.iter().cloned())
            .collect()
    };
    let has = |name: &str| read.opts.iter().any(|(n, _)| *n == name);
    let mut specs = Vec::new();
    match read.mask {
        INSTALL => {
            specs.extend(get("--preinstall"));
            specs.extend(read.positionals.iter().cloned());
        }
        RUN => {
            specs.extend(get("--with"));
            match get("--spec").last() {
                Some(s) => specs.push(s.clone()),
                None => specs.extend(read.positionals.iter().find(|p| *p != "--").cloned()),
            }
        }
        INJECT => specs.extend(read.positionals.iter().skip(1).cloned()),
        UPGRADE => {}
        _ => return None,
    }
    let mut pip_args: Vec<String> = get("--index-url")
        .into_iter()
        .map(|u| format!("--index-url={u}"))
        .collect();
    for f in get("--requirement") {
        pip_args.extend(["-r".to_string(), f]);
    }
    for a in get("--pip-args") {
        pip_args.extend(shlex_split(&a).ok()?);
    }
    let unsupported = if get("--backend").iter().any(|b| b != "pip") {
        Some("`--backend uv`: the environment is installed by uv; checked by name only")
    } else if has("--editable") {
        Some("`--editable` installs a local project; checked by name only")
    } else if has("--system-site-packages") {
        Some(
            "`--system-site-packages`: what pip leaves out depends on the system's packages; checked by name only",
        )
    } else if read.mask == UPGRADE && read.positionals.len() != 1 {
        Some("`pipx upgrade` of several environments is checked by name only")
    } else if read.mask == RUN
        && get("--spec").is_empty()
        && read
            .positionals
            .first()
            .is_some_and(|a| a.ends_with(".py") || a.contains("://"))
    {
        Some(
            "`pipx run` of a script installs what its `# /// script` block names; checked by name only",
        )
    } else {
        None
    };
    let environment = match (read.mask, read.positionals.as_slice()) {
        (INSTALL, [one]) => {
            let end = one
                .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')))
                .unwrap_or(one.len());
            (end > 0 && !one[end..].starts_with(['/', ':'])).then(|| {
                crate::ecosystem::pep503(&format!(
                    "{}{}",
                    &one[..end],
                    get("--suffix").last().map_or("", String::as_str)
                ))
            })
        }
        (INJECT | UPGRADE, [env, ..]) => Some(crate::ecosystem::pep503(env)),
        _ => None,
    };
    Some(Scan {
        include_injected: has("--include-injected"),
        environment,
        command: read.command,
        specs,
        pip_args,
        python: get("--python").last().cloned(),
        unsupported: unsupported.map(str::to_string),
    })
}

/// `pipx <args>`.
pub fn parse(args: &[String], world: &dyn World) -> Result<Request, Error> {
    let Some(Read {
        command,
        mask,
        opts,
        positionals,
    }) = read_args(args)?
    else {
        return pass();
    };
    let what = format!("pipx {command}");
    let get = |name: &str| -> Vec<String> {
        opts.iter()
            .filter(|(n, _)| *n == name)
            .flat_map(|(_, v)| v.iter().cloned())
            .collect()
    };
    let mut out = FileItems::default();
    let requirement = |spec: &str, out: &mut FileItems| -> Result<(), Error> {
        let t = classify_line(spec, world).map_err(|e| Error::usage(format!("{what}: {e}")))?;
        out.targets.push(t);
        Ok(())
    };
    let all_outdated =
        |out: &mut FileItems| out.targets.push(Target::all_outdated(Ecosystem::Pypi));
    match mask {
        INSTALL => {
            if positionals.is_empty() {
                return Err(Error::usage(format!(
                    "{what}: the following arguments are required: package_spec"
                )));
            }
            for p in get("--preinstall").iter().chain(&positionals) {
                requirement(p, &mut out)?;
            }
        }
        INJECT => {
            if positionals.is_empty() {
                return Err(Error::usage(format!(
                    "{what}: the following arguments are required: package"
                )));
            }
            // The first positional names the pipx environment; the rest are installed into it.
            for p in &positionals[1..] {
                requirement(p, &mut out)?;
            }
            for f in get("--requirement") {
                out.targets.push(Target::unnamed(
                    Ecosystem::Pypi,
                    TargetKind::RequirementsFile,
                    &f,
                    Origin::Argv,
                ));
                read_requirements(world, &f, false, &Origin::Argv, &mut out)?;
            }
        }
        UPGRADE => {
            // Upgrades the named environments' packages to their newest versions.
            for p in &positionals {
                requirement(p, &mut out)?;
            }
        }
        UPGRADE_ALL | UPGRADE_SHARED | REINSTALL | REINSTALL_ALL | REPAIR => {
            all_outdated(&mut out);
        }
        INSTALL_ALL => {
            let Some(file) = positionals.first() else {
                return Err(Error::usage(format!(
                    "{what}: the following arguments are required: spec_metadata_file"
                )));
            };
            install_all(world, file, &mut out)?;
        }
        RUN => run(
            world,
            &what,
            &get("--spec"),
            &get("--with"),
            &positionals,
            &mut out,
        )?,
        RUNPIP => {
            // `pipx runpip ENV <pip args>`: pip inside a pipx environment.
            let Some(rest) = positionals.get(1..) else {
                return pass();
            };
            let mut req = pip::parse(rest, world)?;
            req.program = "pipx".into();
            req.manager = Manager::Pipx;
            return Ok(req);
        }
        _ => return pass(),
    }
    // pip does the installing: --index-url, --pip-args and pip's configuration apply.
    let mut pip_argv: Vec<String> = vec!["install".into()];
    for url in get("--index-url") {
        pip_argv.push(format!("--index-url={url}"));
    }
    for a in get("--pip-args") {
        let words =
            shlex_split(&a).map_err(|e| Error::usage(format!("{what}: --pip-args {a:?}: {e}")))?;
        pip_argv.extend(words);
    }
    let pip_req = pip::parse(&pip_argv, world).map_err(|e| Error {
        kind: e.kind,
        message: format!("{what} --pip-args: {}", e.message),
    })?;
    out.targets.extend(pip_req.targets);
    pyproject::expand_local_projects(world, &mut out)?;
    let mut sources = pip_req.sources;
    sources.append(&mut out.sources);
    Ok(Request {
        grammar: None,
        program: "pipx".into(),
        manager: Manager::Pipx,
        installs: true,
        targets: out.targets,
        sources,
        scripts: Vec::new(),
    })
}

/// `pipx run [--spec S] [--with W] APP ARGS`: the package (`--spec`, else the app name, which
/// may carry a version), or a local script's PEP 723 dependencies.
fn run(
    world: &dyn World,
    what: &str,
    spec: &[String],
    with: &[String],
    positionals: &[String],
    out: &mut FileItems,
) -> Result<(), Error> {
    let app = positionals.iter().find(|p| *p != "--");
    let Some(app) = app else {
        return Err(Error::usage(format!(
            "{what}: the following arguments are required: app ..."
        )));
    };
    let requirement = |spec: &str, out: &mut FileItems| -> Result<(), Error> {
        let t = classify_line(spec, world).map_err(|e| Error::usage(format!("{what}: {e}")))?;
        out.targets.push(t);
        Ok(())
    };
    for w in with {
        requirement(w, out)?;
    }
    if let Some(s) = spec.last() {
        return requirement(s, out);
    }
    if world.is_file(Path::new(app)) {
        // A local script: its `# /// script` dependencies (none: plain python).
        if let Some(meta) = pyproject::script_metadata(world, app)? {
            pyproject::script_dependencies(&meta, &mut out.targets)?;
        }
        return Ok(());
    }
    let lower = app.to_ascii_lowercase();
    if (lower.starts_with("http://") || lower.starts_with("https://"))
        && lower
            .split(['?', '#'])
            .next()
            .unwrap_or("")
            .ends_with(".py")
    {
        out.targets.push(Target::unnamed(
            Ecosystem::Pypi,
            TargetKind::DynamicDependencies,
            &format!("pipx downloads the script {app} and installs the dependencies its `# /// script` block names"),
            Origin::Argv,
        ));
        return Ok(());
    }
    requirement(app, out)
}

/// `pipx install-all spec.json` (the output of `pipx list --json`): each environment's main
/// package and injected packages.
fn install_all(world: &dyn World, file: &str, out: &mut FileItems) -> Result<(), Error> {
    let Some(text) = pyproject::read_text(world, file)? else {
        return Err(Error::bad_file(format!("{file}: no such file")));
    };
    let doc: serde_json::Value = serde_json::from_str(&text)
        .map_err(|e| Error::bad_file(format!("{file}:{}: not valid JSON: {e}", e.line())))?;
    let Some(venvs) = doc.get("venvs").and_then(|v| v.as_object()) else {
        return Err(Error::bad_file(format!(
            "{file}: no `venvs` object (is it `pipx list --json` output?)"
        )));
    };
    // The line of `"package_or_url": "<spec>"` (serde_json keeps no positions).
    let line_of = |needle: &str| -> u32 {
        let quoted = serde_json::to_string(needle).unwrap_or_default();
        text.lines()
            .position(|l| l.contains("\"package_or_url\"") && l.contains(&quoted))
            .map_or(1, |i| i as u32 + 1)
    };
    for venv in venvs.values() {
        let meta = venv.get("metadata");
        let main = meta.and_then(|m| m.get("main_package"));
        let injected = meta
            .and_then(|m| m.get("injected_packages"))
            .and_then(|v| v.as_object());
        let packages = main
            .into_iter()
            .chain(injected.into_iter().flat_map(|m| m.values()));
        for p in packages {
            let Some(spec) = p.get("package_or_url").and_then(|v| v.as_str()) else {
                continue;
            };
            let mut t = classify_line(spec, world)
                .map_err(|e| Error::bad_file(format!("{file}:{}: {e}", line_of(spec))))?;
            t.origin = Origin::File {
                path: file.to_string(),
                line: line_of(spec),
            };
            out.targets.push(t);
        }
    }
    Ok(())
}
