//! pip's command line: which requirements, requirements files, editables and package indexes an
//! invocation of `pip install|download|wheel|lock` names, from argv, requirements files, `PIP_*`
//! environment variables and pip.conf files (all read through [`World`]). Pure; never runs pip,
//! never resolves dependencies, never fetches remote requirements files, never judges a package.

use std::collections::HashSet;
use std::path::{Component, Path, PathBuf};

use super::{Error, World};
use crate::ecosystem::{Ecosystem, Manager};
use crate::request::{Origin, Request, Source, SourceKind, Target, TargetKind};

/// Commands an option belongs to (bit set).
const INSTALL: u8 = 1;
const DOWNLOAD: u8 = 2;
const WHEEL: u8 = 4;
const LOCK: u8 = 8;
/// Accepted by the main parser, before the command word.
const MAIN: u8 = 16;
const REQ_CMDS: u8 = INSTALL | DOWNLOAD | WHEEL | LOCK;
const GENERAL: u8 = REQ_CMDS | MAIN;
/// Options of the requirements-file line parser (their own table, no command).
const FILE: u8 = 32;

/// What an option does for us; most options only matter for whether they consume a value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Act {
    Plain,
    Help,
    Version,
    Requirement,
    Constraint,
    Editable,
    IndexUrl,
    ExtraIndexUrl,
    FindLinks,
    /// `--no-index`: no index at all, only `--find-links` locations.
    NoIndex,
    Group,
    Script,
    /// `--refresh-package` rejects a value starting with `-`.
    RefreshPackage,
}

/// One optparse option: its spellings, whether it takes a value, and where it is accepted.
#[derive(Debug)]
struct Opt {
    long: &'static [&'static str],
    short: &'static str,
    value: bool,
    act: Act,
    cmds: u8,
}

const fn flag(long: &'static [&'static str], short: &'static str, cmds: u8) -> Opt {
    Opt {
        long,
        short,
        value: false,
        act: Act::Plain,
        cmds,
    }
}
/// A flag that matters to us (it takes no value but has an [`Act`]).
const fn flag_act(long: &'static [&'static str], cmds: u8, act: Act) -> Opt {
    Opt {
        long,
        short: "",
        value: false,
        act,
        cmds,
    }
}
const fn val(long: &'static [&'static str], short: &'static str, cmds: u8, act: Act) -> Opt {
    Opt {
        long,
        short,
        value: true,
        act,
        cmds,
    }
}

/// pip 26.3 options of the general group and of install/download/wheel/lock
/// (cli-grammar.md §1.5; pypa/pip `cli/cmdoptions.py`, `commands/*.py`).
const OPTIONS: &[Opt] = &[
    // General options.
    Opt {
        long: &["--help"],
        short: "h",
        value: false,
        act: Act::Help,
        cmds: GENERAL,
    },
    Opt {
        long: &["--version"],
        short: "V",
        value: false,
        act: Act::Version,
        cmds: GENERAL,
    },
    flag(&["--debug"], "", GENERAL),
    flag(&["--isolated"], "", GENERAL),
    flag(&["--require-virtualenv", "--require-venv"], "", GENERAL),
    val(&["--python"], "", GENERAL, Act::Plain),
    flag(&["--verbose"], "v", GENERAL),
    flag(&["--quiet"], "q", GENERAL),
    val(
        &["--log", "--log-file", "--local-log"],
        "",
        GENERAL,
        Act::Plain,
    ),
    flag(&["--no-input"], "", GENERAL),
    val(&["--keyring-provider"], "", GENERAL, Act::Plain),
    val(&["--proxy"], "", GENERAL, Act::Plain),
    flag(&["--no-proxy-env"], "", GENERAL),
    val(&["--retries"], "", GENERAL, Act::Plain),
    val(&["--resume-retries"], "", GENERAL, Act::Plain),
    val(&["--timeout", "--default-timeout"], "", GENERAL, Act::Plain),
    val(&["--exists-action"], "", GENERAL, Act::Plain),
    val(&["--trusted-host"], "", GENERAL, Act::Plain),
    val(&["--cert"], "", GENERAL, Act::Plain),
    val(&["--client-cert"], "", GENERAL, Act::Plain),
    val(&["--cache-dir"], "", GENERAL, Act::Plain),
    flag(&["--no-cache-dir"], "", GENERAL),
    flag(&["--disable-pip-version-check"], "", GENERAL),
    flag(&["--no-color"], "", GENERAL),
    flag(&["--no-python-version-warning"], "", GENERAL),
    val(&["--use-feature"], "", GENERAL, Act::Plain),
    val(&["--use-deprecated"], "", GENERAL, Act::Plain),
    // Requirement commands.
    val(&["--requirement"], "r", REQ_CMDS, Act::Requirement),
    val(&["--constraint"], "c", REQ_CMDS, Act::Constraint),
    val(&["--build-constraint"], "", REQ_CMDS, Act::Plain),
    val(&["--requirements-from-script"], "", REQ_CMDS, Act::Script),
    val(&["--editable"], "e", INSTALL | WHEEL | LOCK, Act::Editable),
    val(&["--group"], "", REQ_CMDS, Act::Group),
    flag(&["--no-deps", "--no-dependencies"], "", REQ_CMDS),
    flag(
        &["--only-deps", "--only-dependencies"],
        "",
        INSTALL | DOWNLOAD | LOCK,
    ),
    val(
        &["--src", "--source", "--source-dir", "--source-directory"],
        "",
        REQ_CMDS,
        Act::Plain,
    ),
    flag(&["--ignore-requires-python"], "", REQ_CMDS),
    flag(&["--no-build-isolation"], "", REQ_CMDS),
    flag(&["--use-pep517"], "", REQ_CMDS),
    flag(&["--check-build-dependencies"], "", REQ_CMDS),
    val(
        &["--config-settings"],
        "C",
        INSTALL | WHEEL | LOCK,
        Act::Plain,
    ),
    val(&["--progress-bar"], "", REQ_CMDS, Act::Plain),
    flag(&["--require-hashes"], "", REQ_CMDS),
    flag(&["--no-require-hashes"], "", REQ_CMDS),
    flag(&["--no-clean"], "", REQ_CMDS),
    // Index group.
    val(&["--index-url", "--pypi-url"], "i", REQ_CMDS, Act::IndexUrl),
    val(&["--extra-index-url"], "", REQ_CMDS, Act::ExtraIndexUrl),
    flag_act(&["--no-index"], REQ_CMDS, Act::NoIndex),
    val(&["--find-links"], "f", REQ_CMDS, Act::FindLinks),
    val(&["--uploaded-prior-to"], "", REQ_CMDS, Act::Plain),
    val(&["--refresh-package"], "", REQ_CMDS, Act::RefreshPackage),
    // Package selection group.
    flag(&["--pre"], "", REQ_CMDS),
    val(&["--all-releases"], "", REQ_CMDS, Act::Plain),
    val(&["--only-final"], "", REQ_CMDS, Act::Plain),
    val(&["--no-binary"], "", REQ_CMDS, Act::Plain),
    val(&["--only-binary"], "", REQ_CMDS, Act::Plain),
    flag(&["--prefer-binary"], "", REQ_CMDS),
    // Target python (install, download).
    val(&["--platform"], "", INSTALL | DOWNLOAD, Act::Plain),
    val(&["--python-version"], "", INSTALL | DOWNLOAD, Act::Plain),
    val(&["--implementation"], "", INSTALL | DOWNLOAD, Act::Plain),
    val(&["--abi"], "", INSTALL | DOWNLOAD, Act::Plain),
    // install only.
    flag(&["--dry-run"], "", INSTALL),
    val(&["--target"], "t", INSTALL, Act::Plain),
    flag(&["--user"], "", INSTALL),
    flag(&["--no-user"], "", INSTALL),
    val(&["--root"], "", INSTALL, Act::Plain),
    val(&["--prefix"], "", INSTALL, Act::Plain),
    flag(&["--upgrade"], "U", INSTALL),
    val(&["--upgrade-strategy"], "", INSTALL, Act::Plain),
    flag(&["--force-reinstall"], "", INSTALL),
    flag(&["--ignore-installed"], "I", INSTALL),
    flag(&["--break-system-packages"], "", INSTALL),
    flag(&["--compile"], "", INSTALL),
    flag(&["--no-compile"], "", INSTALL),
    flag(&["--no-warn-script-location"], "", INSTALL),
    flag(&["--no-warn-conflicts"], "", INSTALL),
    val(&["--root-user-action"], "", INSTALL, Act::Plain),
    val(&["--report"], "", INSTALL, Act::Plain),
    // download, wheel, lock.
    val(
        &["--dest", "--destination-dir", "--destination-directory"],
        "d",
        DOWNLOAD,
        Act::Plain,
    ),
    val(&["--wheel-dir"], "w", WHEEL, Act::Plain),
    flag(&["--no-verify"], "", WHEEL),
    val(&["--output"], "o", LOCK, Act::Plain),
    // Requirements-file line options (req/req_file.py SUPPORTED_OPTIONS[_REQ]).
    val(&["--index-url", "--pypi-url"], "i", FILE, Act::IndexUrl),
    val(&["--extra-index-url"], "", FILE, Act::ExtraIndexUrl),
    flag_act(&["--no-index"], FILE, Act::NoIndex),
    val(&["--constraint"], "c", FILE, Act::Constraint),
    val(&["--requirement"], "r", FILE, Act::Requirement),
    val(&["--editable"], "e", FILE, Act::Editable),
    val(&["--find-links"], "f", FILE, Act::FindLinks),
    val(&["--no-binary"], "", FILE, Act::Plain),
    val(&["--only-binary"], "", FILE, Act::Plain),
    flag(&["--prefer-binary"], "", FILE),
    flag(&["--require-hashes"], "", FILE),
    flag(&["--no-require-hashes"], "", FILE),
    flag(&["--pre"], "", FILE),
    val(&["--all-releases"], "", FILE, Act::Plain),
    val(&["--only-final"], "", FILE, Act::Plain),
    val(&["--trusted-host"], "", FILE, Act::Plain),
    val(&["--use-feature"], "", FILE, Act::Plain),
    val(&["--hash"], "", FILE, Act::Plain),
    val(&["--config-settings"], "C", FILE, Act::Plain),
];

/// Options that older pips accept and 26.3 rejects. They match when spelled exactly, and as an
/// abbreviation only when no current option does (so their value is never taken for a package).
const REMOVED_OPTIONS: &[Opt] = &[
    val(
        &["--global-option"],
        "",
        INSTALL | DOWNLOAD | WHEEL | FILE,
        Act::Plain,
    ),
    val(&["--build-option"], "", INSTALL | WHEEL, Act::Plain),
    val(&["--install-option"], "", INSTALL | FILE, Act::Plain),
    val(
        &["--build", "--build-dir", "--build-directory"],
        "b",
        INSTALL | DOWNLOAD | WHEEL,
        Act::Plain,
    ),
    flag(&["--no-use-pep517"], "", INSTALL | DOWNLOAD | WHEEL),
];

/// The install-family commands and their option bit.
const COMMANDS: &[(&str, u8)] = &[
    ("install", INSTALL),
    ("download", DOWNLOAD),
    ("wheel", WHEEL),
    ("lock", LOCK),
];

/// URL schemes that make a requirement a URL (`vcs/versioncontrol.py` `is_url`).
const URL_SCHEMES: &[&str] = &["http", "https", "file", "ftp"];
const VCS_SCHEMES: &[&str] = &[
    "bzr+http",
    "bzr+https",
    "bzr+ssh",
    "bzr+sftp",
    "bzr+ftp",
    "bzr+lp",
    "bzr+file",
    "git+http",
    "git+https",
    "git+ssh",
    "git+git",
    "git+file",
    "hg+file",
    "hg+http",
    "hg+https",
    "hg+ssh",
    "hg+static-http",
    "svn+ssh",
    "svn+http",
    "svn+https",
    "svn+svn",
    "svn+file",
];
/// Bare VCS names an editable may start with (`git:` becomes `git+git:`).
const VCS_NAMES: &[&str] = &["git", "hg", "svn", "bzr"];
const ARCHIVE_EXTENSIONS: &[&str] = &[
    ".zip",
    ".whl",
    ".tar.bz2",
    ".tbz",
    ".tar.gz",
    ".tgz",
    ".tar",
    ".tar.xz",
    ".txz",
    ".tlz",
    ".tar.lz",
    ".tar.lzma",
];
/// Version-specifier operators, longest first.
const OPERATORS: &[&str] = &["===", "~=", "==", "!=", "<=", ">=", "<", ">"];

/// Config keys and `PIP_*` variables that feed the options we care about.
const CONFIG_KEYS: &[(&str, Act)] = &[
    ("index-url", Act::IndexUrl),
    ("pypi-url", Act::IndexUrl),
    ("extra-index-url", Act::ExtraIndexUrl),
    ("find-links", Act::FindLinks),
    ("no-index", Act::NoIndex),
    ("requirement", Act::Requirement),
    ("editable", Act::Editable),
    ("constraint", Act::Constraint),
];

/// Nested requirements files deeper than this are refused (pip would hit its recursion limit).
const MAX_DEPTH: usize = 64;

/// Read `pip <args>`: what it would install and which package sources it would use.
pub fn parse(args: &[String], world: &dyn World) -> Result<Request, Error> {
    let pass = || Ok(Request::pass_through("pip", Manager::Pip));
    // Main parser: general options only, stops at the first positional (the command).
    let mut i = 0;
    let mut ended = false;
    let command_at = loop {
        let Some(arg) = args.get(i) else {
            return pass();
        };
        if arg == "--" {
            ended = true;
            i += 1;
            match args.get(i) {
                Some(_) => break i,
                None => return pass(),
            }
        }
        if !is_option(arg) {
            break i;
        }
        let mut on_option = |opt: &Opt, _value: Option<&str>| match opt.act {
            Act::Help | Act::Version => Flow::Stop,
            _ => Flow::Go,
        };
        match read_option(args, &mut i, MAIN, "pip", &mut on_option)? {
            Flow::Go => {}
            Flow::Stop => return pass(),
        }
    };
    let command = args[command_at].as_str();
    let Some(&(_, mask)) = COMMANDS.iter().find(|(name, _)| *name == command) else {
        return pass();
    };
    let mut cli = Collected::default();
    let mut positionals: Vec<&str> = Vec::new();
    let mut i = command_at + 1;
    while i < args.len() {
        let arg = &args[i];
        if ended || !is_option(arg) {
            positionals.push(arg);
            i += 1;
            continue;
        }
        if arg == "--" {
            ended = true;
            i += 1;
            continue;
        }
        let mut on_option = |opt: &Opt, value: Option<&str>| {
            match opt.act {
                Act::Help => return Flow::Stop,
                Act::Version | Act::Plain | Act::RefreshPackage => {}
                act => cli.push(act, value.unwrap_or_default().to_string(), Origin::Argv),
            }
            Flow::Go
        };
        match read_option(
            args,
            &mut i,
            mask,
            &format!("pip {command}"),
            &mut on_option,
        )? {
            Flow::Go => {}
            Flow::Stop => return pass(),
        }
    }

    // `--isolated` is recognised by exact string anywhere in argv (`cli/main.py`).
    let isolated = args.iter().any(|a| a == "--isolated");
    let defaults = configured_defaults(world, command, mask, isolated)?;

    let mut out = Out::default();
    for p in &positionals {
        let target =
            classify_line(p, world).map_err(|e| Error::usage(format!("pip {command}: {e}")))?;
        out.targets.push(with_origin(target, Origin::Argv));
    }
    for act in [Act::Editable, Act::Requirement, Act::Constraint] {
        for (value, origin) in defaults.get(act).iter().chain(&cli.get(act)) {
            match act {
                Act::Editable => {
                    let t = classify_editable(value, world)
                        .map_err(|e| Error::usage(format!("pip {command}: {e}")))?;
                    out.targets.push(with_origin(t, origin.clone()));
                }
                _ => {
                    let constraint = act == Act::Constraint;
                    if !constraint {
                        out.targets.push(Target::unnamed(
                            Ecosystem::Pypi,
                            TargetKind::RequirementsFile,
                            value,
                            origin.clone(),
                        ));
                    }
                    let mut seen = HashSet::new();
                    read_requirements(world, value, constraint, origin, &mut seen, 0, &mut out)?;
                }
            }
        }
    }
    for (value, origin) in &cli.get(Act::Group) {
        let (path, group) = match value.rsplit_once(':') {
            Some((path, group)) => (path.to_string(), group),
            None => ("pyproject.toml".to_string(), value.as_str()),
        };
        out.targets.push(Target::unnamed(
            Ecosystem::Pypi,
            TargetKind::Manifest,
            &format!("{path}:{group}"),
            origin.clone(),
        ));
    }
    for (value, origin) in &cli.get(Act::Script) {
        out.targets.push(Target::unnamed(
            Ecosystem::Pypi,
            TargetKind::Manifest,
            value,
            origin.clone(),
        ));
    }

    // Sources: the command line replaces a configured index; list options append to it.
    let mut sources = Vec::new();
    let index_from_cli = !cli.get(Act::IndexUrl).is_empty();
    for (act, kind) in [
        (Act::IndexUrl, SourceKind::Index),
        (Act::ExtraIndexUrl, SourceKind::ExtraIndex),
        (Act::FindLinks, SourceKind::FindLinks),
    ] {
        let configured = if act == Act::IndexUrl && index_from_cli {
            &[][..]
        } else {
            defaults.get(act)
        };
        for (value, origin) in configured.iter().chain(&cli.get(act)) {
            sources.push(source(kind, value, origin.clone()));
        }
    }
    if let Some(origin) = no_index(&cli, &defaults)? {
        sources.push(source(SourceKind::NoIndex, "--no-index", origin));
    }
    sources.append(&mut out.sources);
    Ok(Request {
        program: "pip".to_string(),
        manager: Manager::Pip,
        installs: true,
        targets: out.targets,
        sources,
    })
}

/// Where `--no-index` comes from, if it is in effect: the command line, else the last of
/// pip.conf / `PIP_NO_INDEX` (a boolean there, read like pip's `strtobool`).
fn no_index(cli: &Collected, defaults: &Defaults) -> Result<Option<Origin>, Error> {
    if let Some((_, origin)) = cli.get(Act::NoIndex).pop() {
        return Ok(Some(origin));
    }
    let Some((value, origin)) = defaults.get(Act::NoIndex).last() else {
        return Ok(None);
    };
    match value.trim().to_ascii_lowercase().as_str() {
        "y" | "yes" | "t" | "true" | "on" | "1" => Ok(Some(origin.clone())),
        "n" | "no" | "f" | "false" | "off" | "0" => Ok(None),
        other => {
            let msg = format!(
                "{origin}: no-index = {other:?} is not a valid value (pip accepts true/false, yes/no, on/off, 1/0)"
            );
            Err(match origin {
                Origin::File { .. } => Error::bad_file(msg),
                _ => Error::usage(msg),
            })
        }
    }
}

fn source(kind: SourceKind, location: &str, origin: Origin) -> Source {
    Source {
        ecosystem: Ecosystem::Pypi,
        kind,
        location: location.to_string(),
        scope: None,
        origin,
    }
}

fn with_origin(mut target: Target, origin: Origin) -> Target {
    target.origin = origin;
    target
}

/// Whether optparse treats the token as an option (a lone `-` is a positional).
fn is_option(arg: &str) -> bool {
    arg.starts_with('-') && arg.len() > 1
}

enum Flow {
    Go,
    Stop,
}

/// Values collected per option kind, in order, with where each came from.
#[derive(Default)]
struct Collected {
    items: Vec<(Act, String, Origin)>,
}

impl Collected {
    fn push(&mut self, act: Act, value: String, origin: Origin) {
        self.items.push((act, value, origin));
    }

    fn get(&self, act: Act) -> Vec<(String, Origin)> {
        self.items
            .iter()
            .filter(|(a, _, _)| *a == act)
            .map(|(_, v, o)| (v.clone(), o.clone()))
            .collect()
    }
}

/// Find the option a long spelling means: exact match, else a unique prefix (optparse
/// `_match_abbrev`), else a removed option. `what` names the parser in messages.
fn lookup_long(name: &str, mask: u8, what: &str) -> Result<&'static Opt, Error> {
    let in_mask = |o: &&Opt| o.cmds & mask != 0;
    let all = || {
        OPTIONS
            .iter()
            .filter(in_mask)
            .chain(REMOVED_OPTIONS.iter().filter(in_mask))
    };
    if let Some(o) = all().find(|o| o.long.contains(&name)) {
        return Ok(o);
    }
    for table in [OPTIONS, REMOVED_OPTIONS] {
        let mut hits: Vec<(&str, &'static Opt)> = Vec::new();
        for o in table.iter().filter(in_mask) {
            for l in o.long {
                if l.starts_with(name) {
                    hits.push((l, o));
                }
            }
        }
        match hits.len() {
            0 => continue,
            1 => return Ok(hits[0].1),
            _ => {
                let mut names: Vec<&str> = hits.iter().map(|(l, _)| *l).collect();
                names.sort_unstable();
                return Err(Error::usage(format!(
                    "{what}: option {name} is ambiguous ({})",
                    names.join(", ")
                )));
            }
        }
    }
    Err(Error::usage(format!("{what}: no such option: {name}")))
}

fn lookup_short(c: char, mask: u8, what: &str) -> Result<&'static Opt, Error> {
    OPTIONS
        .iter()
        .chain(REMOVED_OPTIONS)
        .find(|o| o.cmds & mask != 0 && o.short.contains(c))
        .ok_or_else(|| Error::usage(format!("{what}: no such option: -{c}")))
}

/// Read the option at `args[*i]` (and its value), advancing `*i` past what it consumed.
fn read_option(
    args: &[String],
    i: &mut usize,
    mask: u8,
    what: &str,
    on: &mut dyn FnMut(&Opt, Option<&str>) -> Flow,
) -> Result<Flow, Error> {
    let arg = args[*i].as_str();
    *i += 1;
    if arg.starts_with("--") {
        let (name, attached) = match arg.split_once('=') {
            Some((n, v)) => (n, Some(v)),
            None => (arg, None),
        };
        let opt = lookup_long(name, mask, what)?;
        let shown = opt
            .long
            .iter()
            .find(|l| l.starts_with(name))
            .unwrap_or(&name);
        if !opt.value {
            if attached.is_some() {
                return Err(Error::usage(format!(
                    "{what}: {shown} option does not take a value (in {arg})"
                )));
            }
            return Ok(on(opt, None));
        }
        let value = match attached {
            Some(v) => v,
            None => {
                let v = args.get(*i).ok_or_else(|| {
                    Error::usage(format!("{what}: {shown} option requires an argument"))
                })?;
                *i += 1;
                v.as_str()
            }
        };
        check_value(opt, shown, value, what)?;
        return Ok(on(opt, Some(value)));
    }
    // A cluster of short options: `-Ur req.txt`, `-qqr r.txt`, `-ihttps://...`.
    let cluster = &arg[1..];
    for (pos, c) in cluster.char_indices() {
        let opt = lookup_short(c, mask, what)?;
        if !opt.value {
            if let Flow::Stop = on(opt, None) {
                return Ok(Flow::Stop);
            }
            continue;
        }
        let rest = &cluster[pos + c.len_utf8()..];
        let value = if rest.is_empty() {
            let v = args
                .get(*i)
                .ok_or_else(|| Error::usage(format!("{what}: -{c} option requires an argument")))?;
            *i += 1;
            v.as_str()
        } else {
            rest
        };
        check_value(opt, &format!("-{c}"), value, what)?;
        return Ok(on(opt, Some(value)));
    }
    Ok(Flow::Go)
}

fn check_value(opt: &Opt, shown: &str, value: &str, what: &str) -> Result<(), Error> {
    if opt.act == Act::RefreshPackage && value.starts_with('-') {
        return Err(Error::usage(format!(
            "{what}: {shown} value must not start with '-' (got {value})"
        )));
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Requirement classification (req/constructors.py `install_req_from_line`, `parse_editable`).

fn url_scheme(s: &str) -> Option<String> {
    let (scheme, _) = s.split_once(':')?;
    Some(scheme.to_ascii_lowercase())
}

fn is_url(s: &str) -> bool {
    url_scheme(s)
        .is_some_and(|sc| URL_SCHEMES.contains(&sc.as_str()) || VCS_SCHEMES.contains(&sc.as_str()))
}

fn url_kind(url: &str) -> TargetKind {
    match url_scheme(url) {
        Some(sc) if VCS_SCHEMES.contains(&sc.as_str()) => TargetKind::Git,
        _ => TargetKind::Url,
    }
}

fn looks_like_path(s: &str) -> bool {
    s.contains('/') || s.starts_with('.')
}

/// `name[extras]` at the end of a path: (path, had extras).
fn strip_extras(s: &str) -> &str {
    if s.ends_with(']')
        && let Some(open) = s.rfind('[')
        && open > 0
        && !s[open + 1..s.len() - 1].is_empty()
        && !s[open + 1..s.len() - 1].contains(']')
    {
        return &s[..open];
    }
    s
}

fn archive_ext(path: &str) -> Option<&'static str> {
    let lower = path.to_ascii_lowercase();
    ARCHIVE_EXTENSIONS
        .iter()
        .copied()
        .find(|ext| lower.ends_with(ext))
}

fn file_name_of(s: &str) -> &str {
    let s = s.split(['#', '?']).next().unwrap_or(s);
    s.rsplit('/').next().unwrap_or(s)
}

/// (name, version) of a wheel file name `name-ver[-build]-py-abi-plat.whl`.
fn wheel_name(file: &str) -> Option<(String, String)> {
    let stem = file
        .strip_suffix(".whl")
        .or_else(|| file.strip_suffix(".WHL"))?;
    let parts: Vec<&str> = stem.split('-').collect();
    if !(parts.len() == 5 || parts.len() == 6) || parts.iter().any(|p| p.is_empty()) {
        return None;
    }
    valid_name(parts[0]).then(|| (parts[0].replace('_', "-"), parts[1].replace('_', "-")))
}

/// Project name of an archive file name: wheel name, or the sdist part before `-<digit>`.
fn archive_name(file: &str) -> Option<String> {
    if let Some((name, _)) = wheel_name(file) {
        return Some(name);
    }
    let ext = archive_ext(file)?;
    let stem = &file[..file.len() - ext.len()];
    let (name, version) = stem.rsplit_once('-')?;
    (version.starts_with(|c: char| c.is_ascii_digit()) && valid_name(name))
        .then(|| name.to_string())
}

/// `#egg=name` (extras stripped) if it is a valid project name.
fn egg_name(url: &str) -> Option<String> {
    let (_, fragment) = url.split_once('#')?;
    let egg = fragment.split('&').find_map(|kv| kv.strip_prefix("egg="))?;
    let egg = strip_extras(egg);
    valid_name(egg).then(|| egg.to_string())
}

fn url_target(url: &str) -> Target {
    let name = wheel_name(file_name_of(url))
        .map(|(n, _)| n)
        .or_else(|| egg_name(url));
    Target {
        ecosystem: Ecosystem::Pypi,
        kind: url_kind(url),
        name,
        spec: Some(url.to_string()),
        origin: Origin::Argv,
    }
}

fn path_target(written: &str, path: &str) -> Target {
    Target {
        ecosystem: Ecosystem::Pypi,
        kind: TargetKind::Path,
        name: archive_name(file_name_of(path)),
        spec: Some(written.to_string()),
        origin: Origin::Argv,
    }
}

fn installable_dir(world: &dyn World, dir: &str) -> bool {
    let d = Path::new(dir);
    world.is_file(&d.join("pyproject.toml")) || world.is_file(&d.join("setup.py"))
}

/// One requirement as pip reads a positional argument or a requirements-file line.
fn classify_line(line: &str, world: &dyn World) -> Result<Target, String> {
    let sep = if is_url(line) { "; " } else { ";" };
    let req = line.split_once(sep).map_or(line, |(r, _)| r);
    if is_url(req) {
        return Ok(url_target(req.trim_end()));
    }
    let path = strip_extras(req);
    if looks_like_path(req) && world.is_dir(Path::new(path)) {
        if !installable_dir(world, path) {
            return Err(format!(
                "directory {req:?} is not installable: neither 'setup.py' nor 'pyproject.toml' found"
            ));
        }
        return Ok(path_target(req, path));
    }
    if archive_ext(path).is_some() {
        let pep508_url = req
            .split_once('@')
            .is_some_and(|(left, _)| !looks_like_path(left));
        if world.is_file(Path::new(path)) || !pep508_url {
            return Ok(path_target(req, path));
        }
    }
    let parsed = pep508(line).map_err(|e| {
        let hint = if looks_like_path(req) {
            " (it looks like a path, but no such directory or archive)"
        } else {
            ""
        };
        format!("invalid requirement {line:?}: {e}{hint}")
    })?;
    Ok(parsed.into_target())
}

/// An editable (`-e`): a local project directory, a `file:` URL, or a VCS URL with a name.
fn classify_editable(value: &str, world: &dyn World) -> Result<Target, String> {
    let path = strip_extras(value);
    if world.is_dir(Path::new(path)) {
        if !installable_dir(world, path) {
            return Err(format!(
                "editable {value:?} does not appear to be a Python project: neither 'setup.py' nor 'pyproject.toml' found"
            ));
        }
        return Ok(path_target(value, path));
    }
    let lower = value.to_ascii_lowercase();
    if lower.starts_with("file:") {
        return Ok(url_target(path));
    }
    let mut url = value.to_string();
    if let Some(v) = VCS_NAMES
        .iter()
        .find(|v| lower.starts_with(&format!("{v}:")))
    {
        url = format!("{v}+{value}");
    }
    if url_scheme(&url).is_some_and(|sc| VCS_SCHEMES.contains(&sc.as_str())) {
        let mut t = url_target(value);
        t.kind = TargetKind::Git;
        if t.name.is_none() {
            return Err(format!(
                "could not detect requirement name for editable {value:?}, please specify one with #egg=your_package_name"
            ));
        }
        return Ok(t);
    }
    // pip >= 25: `-e name @ vcs+url`.
    if let Ok(p) = pep508(value)
        && p.url.is_some()
    {
        return Ok(p.into_target());
    }
    Err(format!(
        "{value:?} is not a valid editable requirement: it should be a path to a local project or a VCS URL"
    ))
}

/// The parts of a PEP 508 requirement we keep.
struct Pep508 {
    name: String,
    spec: Option<String>,
    url: Option<String>,
}

impl Pep508 {
    fn into_target(self) -> Target {
        match self.url {
            Some(url) => Target {
                ecosystem: Ecosystem::Pypi,
                kind: url_kind(&url),
                name: Some(self.name),
                spec: Some(url),
                origin: Origin::Argv,
            },
            None => Target::registry(
                Ecosystem::Pypi,
                &self.name,
                self.spec.as_deref(),
                Origin::Argv,
            ),
        }
    }
}

fn valid_name(s: &str) -> bool {
    let b = s.as_bytes();
    !b.is_empty()
        && b.iter()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'.' | b'_' | b'-'))
        && b[0].is_ascii_alphanumeric()
        && b[b.len() - 1].is_ascii_alphanumeric()
}

/// A small cursor over a string, char-safe.
struct Cur<'a> {
    s: &'a str,
    at: usize,
}

impl<'a> Cur<'a> {
    fn rest(&self) -> &'a str {
        &self.s[self.at..]
    }
    fn ws(&mut self) {
        let r = self.rest();
        self.at += r.len() - r.trim_start().len();
    }
    fn eat(&mut self, t: &str) -> bool {
        if self.rest().starts_with(t) {
            self.at += t.len();
            true
        } else {
            false
        }
    }
    fn take_while(&mut self, f: impl Fn(char) -> bool) -> &'a str {
        let r = self.rest();
        let n = r.find(|c: char| !f(c)).unwrap_or(r.len());
        self.at += n;
        &r[..n]
    }
    fn done(&self) -> bool {
        self.at >= self.s.len()
    }
}

fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-')
}

/// Parse `name[extras] (specifiers) ; marker` or `name[extras] @ url ; marker`.
fn pep508(s: &str) -> Result<Pep508, String> {
    let mut c = Cur { s, at: 0 };
    c.ws();
    let name = c.take_while(is_name_char);
    if !valid_name(name) {
        return Err(format!("{name:?} is not a valid project name"));
    }
    c.ws();
    if c.eat("[") {
        loop {
            c.ws();
            let extra = c.take_while(is_name_char);
            c.ws();
            if !extra.is_empty() && !valid_name(extra) {
                return Err(format!("invalid extra {extra:?}"));
            }
            if c.eat("]") {
                break;
            }
            if extra.is_empty() || !c.eat(",") {
                return Err("malformed extras".to_string());
            }
        }
        c.ws();
    }
    if c.eat("@") {
        c.ws();
        let url = c.take_while(|ch| !ch.is_whitespace());
        if url.is_empty() {
            return Err("missing URL after '@'".to_string());
        }
        c.ws();
        if !c.done() {
            if !c.eat(";") {
                return Err(format!("unexpected text after URL: {:?}", c.rest()));
            }
            marker(&mut c)?;
        }
        return Ok(Pep508 {
            name: name.to_string(),
            spec: None,
            url: Some(url.to_string()),
        });
    }
    let paren = c.eat("(");
    let mut specs: Vec<String> = Vec::new();
    loop {
        c.ws();
        let Some(op) = OPERATORS.iter().find(|op| c.rest().starts_with(**op)) else {
            break;
        };
        c.at += op.len();
        c.ws();
        let version = if *op == "===" {
            c.take_while(|ch| !ch.is_whitespace() && !matches!(ch, ',' | ';' | ')'))
        } else {
            c.take_while(|ch| {
                ch.is_ascii_alphanumeric() || matches!(ch, '.' | '*' | '+' | '!' | '-' | '_')
            })
        };
        if version.is_empty() {
            return Err(format!("missing version after {op}"));
        }
        specs.push(format!("{op}{version}"));
        c.ws();
        if !c.eat(",") {
            break;
        }
    }
    if paren {
        c.ws();
        if specs.is_empty() || !c.eat(")") {
            return Err("malformed version specifier in parentheses".to_string());
        }
    }
    c.ws();
    if !c.done() {
        if !c.eat(";") {
            return Err(format!("unexpected text {:?}", c.rest()));
        }
        marker(&mut c)?;
    }
    let spec = (!specs.is_empty()).then(|| specs.join(","));
    Ok(Pep508 {
        name: name.to_string(),
        spec,
        url: None,
    })
}

/// Markers are dropped, but an empty one is an error.
fn marker(c: &mut Cur) -> Result<(), String> {
    c.ws();
    if c.done() {
        return Err("empty environment marker".to_string());
    }
    c.at = c.s.len();
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Requirements files (req/req_file.py).

#[derive(Default)]
struct Out {
    targets: Vec<Target>,
    sources: Vec<Source>,
}

fn has_scheme(s: &str) -> bool {
    matches!(url_scheme(s).as_deref(), Some("http" | "https" | "file"))
}

/// The local path of a `file:` URL.
fn file_url_path(url: &str) -> &str {
    let rest = url.get(5..).unwrap_or_default();
    match rest.strip_prefix("//") {
        // The host part (`localhost` or empty) is dropped.
        Some(r) => r.find('/').map_or("", |i| &r[i..]),
        None => rest,
    }
}

/// `os.path.dirname(parent)` joined with `child`, or a URL-join when the parent is a URL.
fn join_nested(parent: &str, child: &str) -> String {
    if has_scheme(parent) {
        if has_scheme(child) {
            return child.to_string();
        }
        let base = parent.split(['#', '?']).next().unwrap_or(parent);
        let dir = base.rfind('/').map_or(base, |i| &base[..=i]);
        return format!("{dir}{child}");
    }
    if has_scheme(child) || child.starts_with('/') {
        return child.to_string();
    }
    match parent.rfind('/') {
        Some(i) => format!("{}/{}", &parent[..i], child),
        None => child.to_string(),
    }
}

/// Lexically normalised absolute path, for recognising a file seen before.
fn normalise(world: &dyn World, p: &str) -> PathBuf {
    let mut out = PathBuf::new();
    for comp in world.cwd().join(p).components() {
        match comp {
            Component::ParentDir => {
                out.pop();
            }
            Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}

fn read_requirements(
    world: &dyn World,
    path: &str,
    constraint: bool,
    from: &Origin,
    seen: &mut HashSet<PathBuf>,
    depth: usize,
    out: &mut Out,
) -> Result<(), Error> {
    let local = if path.to_ascii_lowercase().starts_with("file:") {
        file_url_path(path)
    } else if has_scheme(path) {
        // Remote: its content is only known after fetching.
        return Ok(());
    } else {
        path
    };
    let via = match from {
        Origin::Argv => String::new(),
        o => format!(" (referenced at {o})"),
    };
    let key = normalise(world, local);
    if !seen.insert(key) || depth > MAX_DEPTH {
        return Err(Error::bad_file(format!(
            "{path}: requirements file includes itself{via}"
        )));
    }
    let bytes = world.read_file(Path::new(local)).map_err(|e| {
        Error::bad_file(format!(
            "{path}: could not open requirements file: {e}{via}"
        ))
    })?;
    let text = decode(&bytes).map_err(|e| Error::bad_file(format!("{path}: {e}{via}")))?;
    for (lineno, line) in logical_lines(&text, world) {
        let at = Origin::File {
            path: path.to_string(),
            line: lineno,
        };
        let bad = |msg: String| Error::bad_file(format!("{path}:{lineno}: {msg}"));
        let (req, opts) = break_args_options(&line);
        let words = shlex_split(&opts)
            .map_err(|e| bad(format!("could not split options {opts:?}: {e}")))?;
        let mut found = Collected::default();
        let mut i = 0;
        while i < words.len() {
            if !is_option(&words[i]) {
                // optparse leaves stray positionals in the option part; pip ignores them.
                i += 1;
                continue;
            }
            let mut on = |opt: &Opt, value: Option<&str>| {
                if opt.act != Act::Plain {
                    found.push(opt.act, value.unwrap_or_default().to_string(), at.clone());
                }
                Flow::Go
            };
            read_option(&words, &mut i, FILE, "requirements file", &mut on)
                .map_err(|e| bad(e.message))?;
        }
        if !req.trim().is_empty() {
            let t = classify_line(req.trim(), world).map_err(bad)?;
            if !constraint {
                out.targets.push(with_origin(t, at));
            }
            continue;
        }
        if let Some((value, _)) = found.get(Act::Editable).into_iter().next() {
            let t = classify_editable(&value, world).map_err(bad)?;
            if !constraint {
                out.targets.push(with_origin(t, at));
            }
            continue;
        }
        let nested = found
            .get(Act::Requirement)
            .into_iter()
            .next()
            .map(|(v, _)| (v, false))
            .or_else(|| {
                found
                    .get(Act::Constraint)
                    .into_iter()
                    .next()
                    .map(|(v, _)| (v, true))
            });
        if let Some((child, nested_constraint)) = nested {
            let joined = join_nested(path, &child);
            if !nested_constraint {
                out.targets.push(Target::unnamed(
                    Ecosystem::Pypi,
                    TargetKind::RequirementsFile,
                    &joined,
                    at.clone(),
                ));
            }
            read_requirements(world, &joined, nested_constraint, &at, seen, depth + 1, out)?;
            continue;
        }
        if let Some((v, o)) = found.get(Act::IndexUrl).into_iter().next() {
            out.sources.push(source(SourceKind::Index, &v, o));
        }
        if let Some((_, o)) = found.get(Act::NoIndex).into_iter().next() {
            out.sources
                .push(source(SourceKind::NoIndex, "--no-index", o));
        }
        for (v, o) in found.get(Act::ExtraIndexUrl) {
            out.sources.push(source(SourceKind::ExtraIndex, &v, o));
        }
        if let Some((v, o)) = found.get(Act::FindLinks).into_iter().next() {
            // A relative find-links path is tried relative to the file first.
            let beside = join_nested(path, &v);
            let loc = if !has_scheme(&v)
                && beside != v
                && (world.is_dir(Path::new(&beside)) || world.is_file(Path::new(&beside)))
            {
                beside
            } else {
                v
            };
            out.sources.push(source(SourceKind::FindLinks, &loc, o));
        }
    }
    Ok(())
}

/// `auto_decode`: BOMs, a PEP 263 coding comment in the first two lines, else UTF-8.
fn decode(bytes: &[u8]) -> Result<String, String> {
    let utf16 = |data: &[u8], le: bool| -> Result<String, String> {
        let units: Vec<u16> = data
            .chunks(2)
            .map(|c| {
                let pair = [c[0], *c.get(1).unwrap_or(&0)];
                if le {
                    u16::from_le_bytes(pair)
                } else {
                    u16::from_be_bytes(pair)
                }
            })
            .collect();
        String::from_utf16(&units).map_err(|_| "invalid UTF-16".to_string())
    };
    if let Some(rest) = bytes.strip_prefix(b"\xef\xbb\xbf") {
        return String::from_utf8(rest.to_vec()).map_err(|_| "invalid UTF-8 after BOM".to_string());
    }
    if let Some(rest) = bytes.strip_prefix(b"\xff\xfe") {
        // pip tries the UTF-16 BOM before the UTF-32-LE one, so it reads those as UTF-16 too.
        return utf16(rest, true);
    }
    if let Some(rest) = bytes.strip_prefix(b"\xfe\xff") {
        return utf16(rest, false);
    }
    if let Some(rest) = bytes.strip_prefix(b"\x00\x00\xfe\xff") {
        return rest
            .chunks(4)
            .map(|c| {
                let mut b = [0u8; 4];
                b[..c.len()].copy_from_slice(c);
                char::from_u32(u32::from_be_bytes(b)).ok_or_else(|| "invalid UTF-32".to_string())
            })
            .collect();
    }
    for line in bytes.split(|b| *b == b'\n').take(2) {
        let line = String::from_utf8_lossy(line);
        let trimmed = line.trim_start_matches([' ', '\t', '\x0c']);
        if let Some(after) = trimmed.strip_prefix('#')
            && let Some(pos) = after.find("coding")
        {
            let rest = &after[pos + 6..];
            if let Some(rest) = rest.strip_prefix([':', '='].as_slice()) {
                let enc: String = rest
                    .trim_start_matches([' ', '\t'])
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
                    .collect::<String>()
                    .to_ascii_lowercase()
                    .replace('_', "-");
                match enc.as_str() {
                    "utf-8" | "utf8" => {}
                    "latin-1" | "latin1" | "iso-8859-1" | "iso8859-1" | "l1" => {
                        return Ok(bytes.iter().map(|b| char::from(*b)).collect());
                    }
                    "ascii" | "us-ascii" if bytes.is_ascii() => {}
                    other => return Err(format!("unsupported coding {other:?}")),
                }
                break;
            }
        }
    }
    String::from_utf8(bytes.to_vec())
        .map_err(|_| "not valid UTF-8 and no BOM or coding declaration".to_string())
}

/// Python `str.splitlines()` line boundaries.
fn split_lines(text: &str) -> Vec<&str> {
    let mut lines = Vec::new();
    let mut start = 0;
    let mut chars = text.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        if matches!(
            c,
            '\n' | '\r'
                | '\x0b'
                | '\x0c'
                | '\x1c'
                | '\x1d'
                | '\x1e'
                | '\u{85}'
                | '\u{2028}'
                | '\u{2029}'
        ) {
            lines.push(&text[start..i]);
            let mut end = i + c.len_utf8();
            if c == '\r' && chars.peek().is_some_and(|(_, n)| *n == '\n') {
                chars.next();
                end += 1;
            }
            start = end;
        }
    }
    if start < text.len() {
        lines.push(&text[start..]);
    }
    lines
}

/// `COMMENT_RE.match`: `#` at the start or after leading whitespace.
fn is_comment(line: &str) -> bool {
    line.trim_start().starts_with('#')
}

/// `COMMENT_RE.sub("", line)`: drop from the first `#` that starts the line or follows whitespace.
fn strip_comment(line: &str) -> &str {
    let mut prev_ws = true;
    for (i, c) in line.char_indices() {
        if c == '#' && prev_ws {
            return line[..i].trim_end();
        }
        prev_ws = c.is_whitespace();
    }
    line
}

/// Continuations joined, comments stripped, blank lines dropped, `${VAR}` expanded.
fn logical_lines(text: &str, world: &dyn World) -> Vec<(u32, String)> {
    let mut joined: Vec<(u32, String)> = Vec::new();
    let mut pending: Option<(u32, String)> = None;
    for (idx, line) in split_lines(text).into_iter().enumerate() {
        let number = u32::try_from(idx + 1).unwrap_or(u32::MAX);
        if !line.ends_with('\\') || is_comment(line) {
            let line = if is_comment(line) {
                format!(" {line}")
            } else {
                line.to_string()
            };
            match pending.take() {
                Some((n, mut acc)) => {
                    acc.push_str(&line);
                    joined.push((n, acc));
                }
                None => joined.push((number, line)),
            }
        } else {
            let piece = line.trim_matches('\\');
            match pending.as_mut() {
                Some((_, acc)) => acc.push_str(piece),
                None => pending = Some((number, piece.to_string())),
            }
        }
    }
    joined.extend(pending);
    joined
        .into_iter()
        .filter_map(|(n, line)| {
            let line = strip_comment(&line).trim().to_string();
            (!line.is_empty()).then(|| (n, expand_env(&line, world)))
        })
        .collect()
}

/// `${NAME}` with NAME in `[A-Z0-9_]+`, replaced when set and non-empty.
fn expand_env(line: &str, world: &dyn World) -> String {
    let mut names: Vec<&str> = Vec::new();
    let mut rest = line;
    while let Some(pos) = rest.find("${") {
        let after = &rest[pos + 2..];
        let len = after
            .find(|c: char| !(c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_'))
            .unwrap_or(after.len());
        if len > 0 && after[len..].starts_with('}') {
            names.push(&after[..len]);
            rest = &after[len + 1..];
        } else {
            rest = after;
        }
    }
    let mut out = line.to_string();
    for name in names {
        if let Some(value) = world.env(name).map(|v| v.to_string_lossy().into_owned())
            && !value.is_empty()
        {
            out = out.replace(&format!("${{{name}}}"), &value);
        }
    }
    out
}

/// Split at the first space-separated token starting with `-` (requirement, options).
fn break_args_options(line: &str) -> (String, String) {
    let tokens: Vec<&str> = line.split(' ').collect();
    let cut = tokens
        .iter()
        .position(|t| t.starts_with('-'))
        .unwrap_or(tokens.len());
    (tokens[..cut].join(" "), tokens[cut..].join(" "))
}

/// POSIX `shlex.split`.
fn shlex_split(s: &str) -> Result<Vec<String>, String> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut in_word = false;
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        match c {
            c if c.is_whitespace() => {
                if in_word {
                    words.push(std::mem::take(&mut word));
                    in_word = false;
                }
            }
            '\'' => {
                in_word = true;
                loop {
                    match chars.next() {
                        Some('\'') => break,
                        Some(ch) => word.push(ch),
                        None => return Err("no closing quotation".to_string()),
                    }
                }
            }
            '"' => {
                in_word = true;
                loop {
                    match chars.next() {
                        Some('"') => break,
                        Some('\\') => match chars.next() {
                            Some(ch @ ('"' | '\\' | '$' | '`' | '\n')) => word.push(ch),
                            Some(ch) => {
                                word.push('\\');
                                word.push(ch);
                            }
                            None => return Err("no closing quotation".to_string()),
                        },
                        Some(ch) => word.push(ch),
                        None => return Err("no closing quotation".to_string()),
                    }
                }
            }
            '\\' => {
                in_word = true;
                match chars.next() {
                    Some(ch) => word.push(ch),
                    None => return Err("no escaped character".to_string()),
                }
            }
            c => {
                in_word = true;
                word.push(c);
            }
        }
    }
    if in_word {
        words.push(word);
    }
    Ok(words)
}

// ---------------------------------------------------------------------------------------------
// pip.conf files and PIP_* variables (configuration.py, cli/parser.py `_update_defaults`).

/// Values that come before the command line's: the last of [global], [<command>], env wins
/// per option (no merging), and command-line list options append to them.
#[derive(Default)]
struct Defaults {
    per_act: Vec<(Act, Vec<(String, Origin)>)>,
}

impl Defaults {
    fn get(&self, act: Act) -> &[(String, Origin)] {
        self.per_act
            .iter()
            .find(|(a, _)| *a == act)
            .map_or(&[], |(_, v)| v.as_slice())
    }
    fn set(&mut self, act: Act, values: Vec<(String, Origin)>) {
        self.per_act.retain(|(a, _)| *a != act);
        self.per_act.push((act, values));
    }
}

/// One `section.key = value` from a config file.
struct ConfItem {
    section: String,
    key: String,
    value: String,
    file: String,
    line: u32,
}

fn env_string(world: &dyn World, key: &str) -> Option<String> {
    world.env(key).map(|v| v.to_string_lossy().into_owned())
}

/// The config files pip would load, lowest priority first.
fn config_files(world: &dyn World, isolated: bool) -> Vec<String> {
    let config_file = env_string(world, "PIP_CONFIG_FILE");
    if config_file.as_deref() == Some("/dev/null") {
        return Vec::new();
    }
    let mut files = Vec::new();
    let xdg_dirs = env_string(world, "XDG_CONFIG_DIRS").filter(|s| !s.is_empty());
    for dir in xdg_dirs
        .as_deref()
        .unwrap_or("/etc/xdg")
        .split(':')
        .filter(|d| !d.is_empty())
    {
        files.push(format!("{}/pip/pip.conf", dir.trim_end_matches('/')));
    }
    files.push("/etc/pip.conf".to_string());
    // PIP_CONFIG_FILE is read even with --isolated (configuration.py reads os.environ directly).
    let env_file_exists = config_file
        .as_deref()
        .is_some_and(|f| !f.is_empty() && world.is_file(Path::new(f)));
    if !isolated && !env_file_exists {
        let home = world.home().map(|h| h.to_string_lossy().into_owned());
        if let Some(home) = &home {
            files.push(format!("{home}/.pip/pip.conf"));
            // macOS: pip's user config dir is under Application Support (appdirs.py).
            #[cfg(target_os = "macos")]
            files.push(format!("{home}/Library/Application Support/pip/pip.conf"));
        }
        match env_string(world, "XDG_CONFIG_HOME").filter(|s| !s.is_empty()) {
            Some(x) => files.push(format!("{}/pip/pip.conf", x.trim_end_matches('/'))),
            None => {
                if let Some(home) = &home {
                    files.push(format!("{home}/.config/pip/pip.conf"));
                }
            }
        }
    }
    if let Some(venv) = env_string(world, "VIRTUAL_ENV").filter(|s| !s.is_empty()) {
        files.push(format!("{}/pip.conf", venv.trim_end_matches('/')));
    }
    if let Some(f) = config_file.filter(|f| !f.is_empty()) {
        files.push(f);
    }
    files
}

/// Parse an INI file the way `configparser.RawConfigParser` does (strict, no interpolation).
fn parse_ini(file: &str, text: &str) -> Result<Vec<ConfItem>, Error> {
    let mut items: Vec<ConfItem> = Vec::new();
    let mut section: Option<String> = None;
    let mut sections_seen: HashSet<String> = HashSet::new();
    let mut current: Option<usize> = None;
    for (idx, raw) in split_lines(text).into_iter().enumerate() {
        let lineno = u32::try_from(idx + 1).unwrap_or(u32::MAX);
        let bad = |what: &str| Error::bad_file(format!("{file}:{lineno}: {what}"));
        let stripped = raw.trim();
        if stripped.starts_with('#') || stripped.starts_with(';') {
            continue;
        }
        if stripped.is_empty() {
            current = None;
            continue;
        }
        if raw.starts_with(char::is_whitespace)
            && let Some(ci) = current
        {
            let item = &mut items[ci];
            item.value.push('\n');
            item.value.push_str(stripped);
            continue;
        }
        if let Some(inner) = stripped.strip_prefix('[').and_then(|s| s.strip_suffix(']')) {
            if !sections_seen.insert(inner.to_string()) {
                return Err(bad(&format!("duplicate section [{inner}]")));
            }
            section = Some(inner.to_string());
            current = None;
            continue;
        }
        let Some(sec) = &section else {
            return Err(bad("file contains no section headers"));
        };
        let Some(pos) = stripped.find(['=', ':']) else {
            return Err(bad(&format!("cannot parse line {stripped:?}")));
        };
        let key = stripped[..pos].trim().to_lowercase();
        let value = stripped[pos + 1..].trim().to_string();
        if items.iter().any(|it| it.section == *sec && it.key == key) {
            return Err(bad(&format!("duplicate option {key:?} in section [{sec}]")));
        }
        items.push(ConfItem {
            section: sec.clone(),
            key,
            value,
            file: file.to_string(),
            line: lineno,
        });
        current = Some(items.len() - 1);
    }
    Ok(items)
}

fn configured_defaults(
    world: &dyn World,
    command: &str,
    mask: u8,
    isolated: bool,
) -> Result<Defaults, Error> {
    // Merged config: a later file overrides the same section.key of an earlier one.
    let mut merged: Vec<ConfItem> = Vec::new();
    for file in config_files(world, isolated) {
        if !world.is_file(Path::new(&file)) {
            continue;
        }
        let bytes = world
            .read_file(Path::new(&file))
            .map_err(|e| Error::bad_file(format!("{file}: could not read pip config file: {e}")))?;
        let text = String::from_utf8(bytes)
            .map_err(|_| Error::bad_file(format!("{file}: pip config file is not valid UTF-8")))?;
        for mut item in parse_ini(&file, &text)? {
            item.section = item.section.to_lowercase();
            item.key = item.key.replace('_', "-");
            let key = item.key.trim_start_matches("--").to_string();
            item.key = key;
            merged.retain(|m| !(m.section == item.section && m.key == item.key));
            merged.push(item);
        }
    }
    let mut defaults = Defaults::default();
    let accepts = |act: Act| OPTIONS.iter().any(|o| o.act == act && o.cmds & mask != 0);
    let mut apply = |key: &str, value: &str, origin: Origin| {
        let Some(&(_, act)) = CONFIG_KEYS.iter().find(|(k, _)| *k == key) else {
            return;
        };
        if value.trim().is_empty() || !accepts(act) {
            return;
        }
        let values = if matches!(act, Act::IndexUrl | Act::NoIndex) {
            vec![(value.trim().to_string(), origin)]
        } else {
            value
                .split_whitespace()
                .map(|v| (v.to_string(), origin.clone()))
                .collect()
        };
        defaults.set(act, values);
    };
    for section in ["global", command] {
        for item in merged.iter().filter(|m| m.section == section) {
            apply(
                &item.key,
                &item.value,
                Origin::File {
                    path: item.file.clone(),
                    line: item.line,
                },
            );
        }
    }
    if !isolated {
        for (key, _) in CONFIG_KEYS {
            let var = format!("PIP_{}", key.to_ascii_uppercase().replace('-', "_"));
            if let Some(value) = env_string(world, &var) {
                apply(key, &value, Origin::Env(var));
            }
        }
    }
    Ok(defaults)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cmdline::cases::{argv, matches, render};
    use crate::cmdline::testworld::MemWorld;
    use proptest::prelude::*;

    /// Files every case can see (cwd is /project).
    fn world() -> MemWorld {
        MemWorld::new()
            .file("req.txt", "requests>=1\nflask  # web\n")
            .file("r2.txt", "six==1.16.0\n")
            .file("cont.txt", "-e ./proj\n-r \\\n   r2.txt\n\\\nattrs \\\n  ==23.1\nfoo-bar[x,y]>=2,<3 ; python_version > '3'\n")
            .file("idx.txt", "-i https://corp/simple\n--extra-index-url https://extra/simple\n-f ./wheels\n--index https://abbr/simple\nclick\n")
            .file("opts.txt", "--no-binary :all:\n--only-binary=:none:\n--pre\n--prefer-binary\n--require-hashes\n--trusted-host h\n--use-feature fast-deps\nnumpy --hash=sha256:abc -C k=v\npandas --config-settings=a=b\n")
            .file("bad.txt", "requests\nbar#x\n")
            .file("badopt.txt", "flask\n--target /tmp\n")
            .file("self.txt", "a\n-r self.txt\n")
            .file("loop1.txt", "-r loop2.txt\n")
            .file("loop2.txt", "-r ./loop1.txt\n")
            .file("sub/base.txt", "-r common.txt\nx1\n")
            .file("sub/common.txt", "common\n-e ./proj\n")
            .file("env.txt", "${PKG}==${VER}\n$PKG\n${lower}x\n")
            .file("cons.txt", "-r inner.txt\nsix<2\n")
            .file("inner.txt", "inner-pkg\n")
            .file("withc.txt", "-c cons.txt\nouter\n")
            .file("remote.txt", "-r https://example.com/more.txt\nlocal-pkg\n")
            .file("lineopts.txt", "foo -r r2.txt\n-r r2.txt -i https://ignored/\n")
            .file("reqline.txt", "https://x.org/pkg-1.0-py3-none-any.whl ; python_version>'3'\nname @ git+https://g/r.git\n./proj\n")
            .file("quote.txt", "--index-url 'https://q/simple\n")
            .file("tabs.txt", "foo\t--hash=sha256:x\n")
            .file("comment.txt", "# only a comment \\\nnext\npkg#egg=x\n")
            .file("unterminated.txt", "a \\\nb\\\n")
            .file("latin.txt", "# -*- coding: latin-1 -*-\nlatinpkg\n")
            .file("ambig.txt", "--e x\n")
            .file("flageq.txt", "--pre=1\n")
            .file("fl.txt", "-f wheels\n-f https://links/\n")
            .file("sub/wheels/.keep", "")
            .file("sub/fl.txt", "-f wheels\n")
            .file("noidx.txt", "--no-index\nlocalpkg\n")
            .file("empty.txt", "")
            .file("proj/pyproject.toml", "")
            .file("legacy/setup.py", "")
            .file("lib-2.0.tar.gz", "")
            .file("cfg/pip.conf", "[global]\nindex-url = https://cfg/simple\nextra-index-url =\n    https://e1/simple\n    https://e2/simple\n\n[install]\nrequirement = r2.txt\n")
            .file("cfg/dl.conf", "[download]\nfind-links = https://dl/links\n[install]\neditable = ./proj\n")
            .file("cfg/bad.conf", "[global]\nindex-url https//x\n")
            .file("cfg/nosect.conf", "index-url = https://x\n")
            .file("cfg/dup2.conf", "[global]\nindex-url = a\nINDEX-URL = b\n")
            .file("cfg/dup.conf", "[global]\nindex-url = a\nindex_url = b\n")
            .file("xdg/pip/pip.conf", "[global]\nfind-links = https://xdg-home/links\n")
            .file("xdgdirs/pip/pip.conf", "[global]\nindex-url = https://xdg-global/simple\n")
            .file("venv/pip.conf", "[install]\nextra-index-url = https://venv/simple\n")
            .dir("proj")
            .dir("legacy")
            .dir("notproj")
            .dir("sub/wheels")
            .dir("wheels")
    }

    fn with_bytes(mut w: MemWorld, path: &str, bytes: Vec<u8>) -> MemWorld {
        w.files.insert(PathBuf::from("/project").join(path), bytes);
        w
    }

    /// Every case `(env K=V;K2=V2, argv after pip, expected)` on the world `make` builds.
    fn check(cases: &[(&str, &str, &str)], make: impl Fn() -> MemWorld) {
        let mut failures = Vec::new();
        for (env, line, want) in cases {
            let mut w = make();
            for kv in env.split(';').filter(|s| !s.is_empty()) {
                let (k, v) = kv.split_once('=').unwrap();
                w = w.env(k, v);
            }
            let got = render(&parse(&argv(line), &w));
            if !matches(&got, want) {
                failures.push(format!(
                    "  [{env}] pip {line}\n    want: {want}\n    got:  {got}"
                ));
            }
        }
        assert!(
            failures.is_empty(),
            "{} failing cases:\n{}",
            failures.len(),
            failures.join("\n")
        );
    }

    /// (env `K=V;K2=V2`, argv after `pip`, expected outcome in the `cmdline::cases` notation).
    /// Checked against pip 23.2.1's own parser unless marked "26.x".
    #[rustfmt::skip]
    const CASES: &[(&str, &str, &str)] = &[
        // Commands and pass-through.
        ("", "", "PASS"),
        ("", "list", "PASS"),
        ("", "uninstall flask", "PASS"),
        ("", "freeze", "PASS"),
        ("", "help install", "PASS"),
        ("", "instal flask", "PASS"),
        ("", "i flask", "PASS"),
        ("", "-h", "PASS"),
        ("", "--help install flask", "PASS"),
        ("", "-V", "PASS"),
        ("", "--version", "PASS"),
        ("", "--vers", "PASS"),
        ("", "install -h flask", "PASS"),
        ("", "install flask --help", "PASS"),
        ("", "install -qh flask", "PASS"),
        ("", "install --he flask", "PASS"),
        ("", "config set global.index-url https://x", "PASS"),
        ("", "-", "PASS"),
        ("", "install", "(none)"),
        ("", "install flask", "flask"),
        ("", "download flask -d out", "flask"),
        ("", "wheel flask -w out", "flask"),
        ("", "lock flask -o pylock.toml", "flask"),
        // The command word is the first positional; general options before it.
        ("", "--log install install flask", "flask"),
        ("", "-v --isolated install flask", "flask"),
        ("", "--python /usr/bin/python3 install flask", "flask"),
        ("", "--proxy http://p:8080 install flask", "flask"),
        ("", "--index-url https://x install flask", "!usage: pip: no such option: --index-url"),
        ("", "-r req.txt install", "!usage: pip: no such option: -r"),
        ("", "--bogus install flask", "!usage: pip: no such option: --bogus"),
        ("", "-- install flask", "flask"),
        // -V after the command is not the main parser's: pip 23.2.1 still installs.
        ("", "install -V flask", "flask"),
        // Value options: all four spellings.
        ("", "install --target lib flask", "flask"),
        ("", "install --target=lib flask", "flask"),
        ("", "install -t lib flask", "flask"),
        ("", "install -tlib flask", "flask"),
        ("", "install --prefix /opt flask --root / --src src", "flask"),
        ("", "install --log install flask", "flask"),
        ("", "install --report report.json --dry-run flask", "flask"),
        ("", "install --cache-dir cache --cert ca.pem --client-cert c.pem flask", "flask"),
        ("", "install --platform linux --python-version 3.11 --implementation cp --abi cp311 --only-binary=:all: --target t flask", "flask"),
        ("", "install --upgrade-strategy eager -U flask", "flask"),
        ("", "install --progress-bar off --root-user-action ignore --exists-action w flask", "flask"),
        ("", "install --keyring-provider disabled --retries 3 --timeout 5 --resume-retries 2 flask", "flask"),
        ("", "install --use-feature fast-deps --use-deprecated legacy-certs flask", "flask"),
        ("", "install -C --build-option=--x flask", "flask"),
        ("", "install --config-settings k=v flask", "flask"),
        ("", "install --build-constraint bc.txt flask", "flask"),
        ("", "install --uploaded-prior-to P3D flask", "flask"),
        ("", "install --all-releases flask --only-final six requests", "requests"),
        ("", "install --refresh-package flask six", "six"),
        ("", "install --refresh-package -r req.txt", "!usage: pip install: --refresh-package value must not start*"),
        ("", "install --no-binary requests flask", "flask"),
        ("", "install --no-binary=:all: flask", "flask"),
        ("", "install --only-binary flask,six requests", "requests"),
        ("", "download -d install flask", "flask"),
        ("", "download --dest out --platform x --no-deps flask", "flask"),
        ("", "wheel --wheel-dir out --no-verify flask", "flask"),
        ("", "lock --output out.toml flask", "flask"),
        ("", "install --exists-action", "!usage: pip install: --exists-action option requires an argument"),
        ("", "install -r", "!usage: pip install: -r option requires an argument"),
        // Removed options still consume their value (older pips).
        ("", "install --global-option=--no-ext flask", "flask"),
        ("", "install --install-option --prefix=/x flask", "flask"),
        ("", "install --build-option --x flask", "flask"),
        ("", "install -b build flask", "flask"),
        ("", "install --build-dir build flask", "flask"),
        ("", "install --no-use-pep517 flask", "flask"),
        // Commands own their options: -t is install-only, -d download-only.
        ("", "download -t x flask", "!usage: pip download: no such option: -t"),
        ("", "install -d x flask", "!usage: pip install: no such option: -d"),
        ("", "lock -U flask", "!usage: pip lock: no such option: -U"),
        ("", "download -e ./proj", "!usage: pip download: no such option: -e"),
        // Clustered short options.
        ("", "install -Ur req.txt", "requirements-file:req.txt | requests >=1 <req.txt:1> | flask <req.txt:2>"),
        ("", "install -qqr r2.txt", "requirements-file:r2.txt | six ==1.16.0 <r2.txt:1>"),
        ("", "install -rr2.txt", "requirements-file:r2.txt | six ==1.16.0 <r2.txt:1>"),
        ("", "install -Uqt target flask", "flask"),
        ("", "install -ve ./proj", "path:./proj"),
        ("", "install -ihttps://x/simple flask", "flask || index:https://x/simple"),
        ("", "install -Ux flask", "!usage: pip install: no such option: -x"),
        // Abbreviations: exact wins, unique prefix works, ambiguous is an error.
        ("", "install --pre flask", "flask"),
        ("", "install --prefi /opt flask", "flask"),
        ("", "install --ind https://x flask", "flask || index:https://x"),
        ("", "install --in https://x flask", "flask || index:https://x"),
        ("", "install --ext https://e flask", "flask || extra-index:https://e"),
        ("", "install --fi ./wheels flask", "flask || find-links:./wheels"),
        ("", "install --ta lib flask", "flask"),
        ("", "install --ed ./proj", "path:./proj"),
        ("", "install --cons c.txt flask", "!file: c.txt: could not open*"),
        ("", "install --rep out.json flask", "flask"),
        ("", "install --sr src flask", "flask"),
        ("", "install --source src flask", "flask"),
        ("", "install --log- l flask", "flask"),
        // 26.x: --requirements-from-script makes every prefix of --requirement ambiguous.
        ("", "install --requirem req.txt", "!usage: pip install: option --requirem is ambiguous (--requirement, --requirements-from-script)"),
        ("", "install --requirement req.txt", "requirements-file:req.txt | requests >=1 <req.txt:1> | flask <req.txt:2>"),
        ("", "install --req req.txt", "!usage: pip install: option --req is ambiguous*"),
        ("", "install --con c.txt flask", "!usage: pip install: option --con is ambiguous (--config-settings, --constraint)"),
        ("", "install --pref x flask", "!usage: pip install: option --pref is ambiguous (--prefer-binary, --prefix)"),
        ("", "install --us x flask", "!usage: pip install: option --us is ambiguous*"),
        ("", "install --only x flask", "!usage: pip install: option --only is ambiguous*"),
        ("", "install --no-b x flask", "!usage: pip install: option --no-b is ambiguous*"),
        ("", "install --lo x flask", "!usage: pip install: option --lo is ambiguous (--local-log, --log, --log-file)"),
        // A removed option matches by prefix only when no current option does.
        ("", "install --install-o x flask", "flask"),
        // Unknown options fail closed; flags reject =value.
        ("", "install --frobnicate flask", "!usage: pip install: no such option: --frobnicate"),
        ("", "install --user=1 flask", "!usage: pip install: --user option does not take a value (in --user=1)"),
        ("", "install --no-cache-dir=1 flask", "!usage: pip install: --no-cache-dir option does not take*"),
        ("", "install --upg=1 flask", "!usage: pip install: option --upg is ambiguous*"),
        // `--` ends options.
        ("", "install -- -e", "!usage: pip install: invalid requirement \"-e\"*"),
        ("", "install -- --pre flask", "!usage: pip install: invalid requirement \"--pre\"*"),
        ("", "install flask -- six", "flask | six"),
        // PEP 508 positionals.
        ("", "install requests>=1.0,<2", "requests >=1.0,<2"),
        ("", "install 'requests (>=1.0)'", "requests >=1.0"),
        ("", "install '  requests  ==  2.0.0  '", "requests ==2.0.0"),
        ("", "install Flask_Login[extra1,extra2]~=0.6", "Flask_Login ~=0.6"),
        ("", "install 'foo==1.2.*; python_version < \"3.8\"'", "foo ==1.2.*"),
        ("", "install foo===weird!", "foo ===weird!"),
        ("", "install foo!=1.0 bar<=2 baz>3", "foo !=1.0 | bar <=2 | baz >3"),
        ("", "install 'pkg @ https://h/pkg-1.0.tar.gz'", "url:pkg https://h/pkg-1.0.tar.gz"),
        ("", "install 'pkg[x] @ git+https://g/r.git@v1 ; os_name == \"nt\"'", "git:pkg git+https://g/r.git@v1"),
        ("", "install bar#x", "!usage: pip install: invalid requirement \"bar#x\"*"),
        ("", "install foo_", "!usage: pip install: invalid requirement \"foo_\"*"),
        ("", "install 'foo ==1' ' bar'", "foo ==1 | bar"),
        ("", "install 'foo 1.0'", "!usage: *"),
        // 26.x (packaging >= 22): an empty marker is an error; 23.2.1 accepted it.
        ("", "install foo;", "!usage: pip install: invalid requirement \"foo;\": empty environment marker"),
        ("", "install 'foo (>=1'", "!usage: *"),
        ("", "install ''", "!usage: *"),
        ("", "install ünïcode", "!usage: *"),
        ("", "install requests", "requests"),
        // URLs.
        ("", "install https://h/requests-2.31.0-py3-none-any.whl", "url:requests https://h/requests-2.31.0-py3-none-any.whl"),
        ("", "install https://h/archive.zip#egg=mypkg", "url:mypkg https://h/archive.zip#egg=mypkg"),
        ("", "install https://h/archive.tar.gz", "url:https://h/archive.tar.gz"),
        ("", "install ftp://h/x.tgz file:///tmp/y.whl", "url:ftp://h/x.tgz | url:file:///tmp/y.whl"),
        ("", "install git+https://github.com/o/r.git#egg=r", "git:r git+https://github.com/o/r.git#egg=r"),
        ("", "install git+ssh://git@github.com/o/r.git", "git:git+ssh://git@github.com/o/r.git"),
        ("", "install hg+https://h/r svn+svn://h/r bzr+lp:r", "git:hg+https://h/r | git:svn+svn://h/r | git:bzr+lp:r"),
        ("", "install 'https://h/x.whl; python_version>\"3\"'", "url:https://h/x.whl"),
        ("", "install HTTPS://H/Pkg.zip", "url:HTTPS://H/Pkg.zip"),
        // Plain git:// is not a URL for a positional (pip: invalid requirement).
        ("", "install git://h/r.git", "!usage: *"),
        // Local paths.
        ("", "install ./proj", "path:./proj"),
        ("", "install ./proj[dev]", "path:./proj[dev]"),
        ("", "install legacy/", "path:legacy/"),
        ("", "install ./notproj", "!usage: pip install: directory \"./notproj\" is not installable*"),
        ("", "install ./missing", "!usage: pip install: invalid requirement \"./missing\"*"),
        ("", "install proj", "proj"),
        ("", "install lib-2.0.tar.gz", "path:lib lib-2.0.tar.gz"),
        ("", "install missing-1.0-py3-none-any.whl", "path:missing missing-1.0-py3-none-any.whl"),
        ("", "install ../dist/My_Pkg-1.0-py3-none-any.whl", "path:My-Pkg ../dist/My_Pkg-1.0-py3-none-any.whl"),
        ("", "install 'pkg@https://h/pkg.zip'", "url:pkg https://h/pkg.zip"),
        // Editables.
        ("", "install -e ./proj", "path:./proj"),
        ("", "install -e proj", "path:proj"),
        ("", "install --editable=./proj[dev]", "path:./proj[dev]"),
        ("", "install -e git+https://g/r.git#egg=r", "git:r git+https://g/r.git#egg=r"),
        ("", "install -e git://g/r.git#egg=r", "git:r git://g/r.git#egg=r"),
        ("", "install -e git+https://g/r.git", "!usage: pip install: could not detect requirement name*"),
        // 26.x: `-e name @ vcs-url`.
        ("", "install -e 'r @ git+https://g/r.git'", "git:r git+https://g/r.git"),
        ("", "install -e file:///src/p#egg=p", "url:p file:///src/p#egg=p"),
        ("", "install -e ./missing", "!usage: pip install: \"./missing\" is not a valid editable*"),
        ("", "install -e notproj", "!usage: pip install: editable \"notproj\" does not appear*"),
        ("", "install -e flask", "!usage: *"),
        ("", "wheel -e ./proj flask", "flask | path:./proj"),
        // Requirements files.
        ("", "install -r req.txt", "requirements-file:req.txt | requests >=1 <req.txt:1> | flask <req.txt:2>"),
        ("", "install -r req.txt --no-binary flask requests", "requests | requirements-file:req.txt | requests >=1 <req.txt:1> | flask <req.txt:2>"),
        ("", "install -r cont.txt", "requirements-file:cont.txt | path:./proj <cont.txt:1> | requirements-file:r2.txt <cont.txt:2> | six ==1.16.0 <r2.txt:1> | attrs ==23.1 <cont.txt:4> | foo-bar >=2,<3 <cont.txt:7>"),
        ("", "install -r idx.txt", "requirements-file:idx.txt | click <idx.txt:5> || index:https://corp/simple <idx.txt:1> | extra-index:https://extra/simple <idx.txt:2> | find-links:./wheels <idx.txt:3> | index:https://abbr/simple <idx.txt:4>"),
        ("", "install -r opts.txt", "requirements-file:opts.txt | numpy <opts.txt:8> | pandas <opts.txt:9>"),
        ("", "install -r bad.txt", "!file: bad.txt:2: invalid requirement \"bar#x\"*"),
        ("", "install -r badopt.txt", "!file: badopt.txt:2: requirements file: no such option: --target"),
        ("", "install -r missing.txt", "!file: missing.txt: could not open requirements file*"),
        ("", "install -r self.txt", "!file: self.txt: requirements file includes itself (referenced at self.txt:2)"),
        ("", "install -r loop1.txt", "!file: ./loop1.txt: requirements file includes itself (referenced at loop2.txt:1)"),
        ("", "install -r sub/base.txt", "requirements-file:sub/base.txt | requirements-file:sub/common.txt <sub/base.txt:1> | common <sub/common.txt:1> | path:./proj <sub/common.txt:2> | x1 <sub/base.txt:2>"),
        ("PKG=django;VER=4.2", "install -r env.txt", "!file: env.txt:2: invalid requirement \"$PKG\"*"),
        ("", "install -r https://example.com/r.txt", "requirements-file:https://example.com/r.txt"),
        ("", "install -r remote.txt", "requirements-file:remote.txt | requirements-file:https://example.com/more.txt <remote.txt:1> | local-pkg <remote.txt:2>"),
        ("", "install -r file:///project/r2.txt", "requirements-file:file:///project/r2.txt | six ==1.16.0 <file:///project/r2.txt:1>"),
        ("", "install -c cons.txt flask", "flask | requirements-file:inner.txt <cons.txt:1> | inner-pkg <inner.txt:1>"),
        ("", "install -r withc.txt", "requirements-file:withc.txt | requirements-file:inner.txt <cons.txt:1> | inner-pkg <inner.txt:1> | outer <withc.txt:2>"),
        ("", "install -c https://h/c.txt flask", "flask"),
        ("", "install -r lineopts.txt", "requirements-file:lineopts.txt | foo <lineopts.txt:1> | requirements-file:r2.txt <lineopts.txt:2> | six ==1.16.0 <r2.txt:1>"),
        ("", "install -r reqline.txt", "requirements-file:reqline.txt | url:pkg https://x.org/pkg-1.0-py3-none-any.whl <reqline.txt:1> | git:name git+https://g/r.git <reqline.txt:2> | path:./proj <reqline.txt:3>"),
        ("", "install -r quote.txt", "!file: quote.txt:1: could not split options*"),
        ("", "install -r tabs.txt", "!file: tabs.txt:1: invalid requirement*"),
        ("", "install -r comment.txt", "!file: comment.txt:3: invalid requirement \"pkg#egg=x\"*"),
        ("", "install -r unterminated.txt", "!file: unterminated.txt:1: invalid requirement \"a b\"*"),
        ("", "install -r latin.txt", "requirements-file:latin.txt | latinpkg <latin.txt:2>"),
        ("", "install -r ambig.txt", "!file: ambig.txt:1: requirements file: option --e is ambiguous (--editable, --extra-index-url)"),
        ("", "install -r flageq.txt", "!file: flageq.txt:1: requirements file: --pre option does not take a value*"),
        ("", "install -r fl.txt -r sub/fl.txt", "requirements-file:fl.txt | requirements-file:sub/fl.txt || find-links:wheels <fl.txt:1> | find-links:https://links/ <fl.txt:2> | find-links:sub/wheels <sub/fl.txt:1>"),
        ("", "install -r empty.txt", "requirements-file:empty.txt"),
        ("", "install -r r2.txt -r r2.txt", "requirements-file:r2.txt | six ==1.16.0 <r2.txt:1> | requirements-file:r2.txt | six ==1.16.0 <r2.txt:1>"),
        // Sources on argv.
        ("", "install -i https://a --extra-index-url https://b -f ./wheels flask", "flask || index:https://a | extra-index:https://b | find-links:./wheels"),
        ("", "install --pypi-url https://a flask", "flask || index:https://a"),
        ("", "install --index-url=https://u:p@a/simple flask", "flask || index:https://u:p@a/simple"),
        ("", "install --no-index -f ./wheels flask", "flask || find-links:./wheels | no-index:--no-index"),
        ("", "install --no-ind flask", "flask || no-index:--no-index"),
        ("", "install -r noidx.txt", "requirements-file:noidx.txt | localpkg <noidx.txt:2> || no-index:--no-index <noidx.txt:1>"),
        ("PIP_NO_INDEX=1", "install flask", "flask || no-index:--no-index <env:PIP_NO_INDEX>"),
        ("PIP_NO_INDEX=off", "install flask", "flask"),
        ("PIP_NO_INDEX=1", "install --isolated flask", "flask"),
        ("PIP_NO_INDEX=maybe", "install flask", "!usage: env:PIP_NO_INDEX: no-index = \"maybe\" is not a valid value*"),
        // Environment.
        ("PIP_INDEX_URL=https://env/simple", "install flask", "flask || index:https://env/simple <env:PIP_INDEX_URL>"),
        ("PIP_INDEX_URL=https://env/simple", "install -i https://cli flask", "flask || index:https://cli"),
        ("PIP_EXTRA_INDEX_URL=https://a https://b", "install --extra-index-url https://c flask", "flask || extra-index:https://a <env:PIP_EXTRA_INDEX_URL> | extra-index:https://b <env:PIP_EXTRA_INDEX_URL> | extra-index:https://c"),
        ("PIP_FIND_LINKS=/w1 /w2", "download flask", "flask || find-links:/w1 <env:PIP_FIND_LINKS> | find-links:/w2 <env:PIP_FIND_LINKS>"),
        ("PIP_REQUIREMENT=r2.txt", "install flask", "flask | requirements-file:r2.txt <env:PIP_REQUIREMENT> | six ==1.16.0 <r2.txt:1>"),
        ("PIP_REQUIREMENT=r2.txt", "install -r req.txt", "requirements-file:r2.txt <env:PIP_REQUIREMENT> | six ==1.16.0 <r2.txt:1> | requirements-file:req.txt | requests >=1 <req.txt:1> | flask <req.txt:2>"),
        ("PIP_EDITABLE=./proj", "install", "path:./proj <env:PIP_EDITABLE>"),
        ("PIP_EDITABLE=./proj", "download flask", "flask"),
        ("PIP_REQUIREMENT=missing.txt", "install flask", "!file: missing.txt: could not open*"),
        ("PIP_CONSTRAINT=cons.txt", "install flask", "flask | requirements-file:inner.txt <cons.txt:1> | inner-pkg <inner.txt:1>"),
        ("PIP_INDEX_URL=", "install flask", "flask"),
        ("PIP_INDEX_URL=https://env", "install --isolated flask", "flask"),
        ("PIP_REQUIREMENT=r2.txt", "--isolated install flask", "flask"),
        ("PIP_REQUIREMENT=r2.txt", "install --log --isolated flask", "flask"),
        // `--isol` sets the option but pip still reads the environment.
        ("PIP_INDEX_URL=https://env", "install --isol flask", "flask || index:https://env <env:PIP_INDEX_URL>"),
        // Config files.
        ("PIP_CONFIG_FILE=cfg/pip.conf", "install flask", "flask | requirements-file:r2.txt <cfg/pip.conf:8> | six ==1.16.0 <r2.txt:1> || index:https://cfg/simple <cfg/pip.conf:2> | extra-index:https://e1/simple <cfg/pip.conf:3> | extra-index:https://e2/simple <cfg/pip.conf:3>"),
        ("PIP_CONFIG_FILE=cfg/pip.conf", "download flask", "flask || index:https://cfg/simple <cfg/pip.conf:2> | extra-index:https://e1/simple <cfg/pip.conf:3> | extra-index:https://e2/simple <cfg/pip.conf:3>"),
        ("PIP_CONFIG_FILE=cfg/pip.conf;PIP_INDEX_URL=https://env", "install --isolated flask", "flask | requirements-file:r2.txt <cfg/pip.conf:8> | six ==1.16.0 <r2.txt:1> || index:https://cfg/simple <cfg/pip.conf:2> | extra-index:https://e1/simple <cfg/pip.conf:3> | extra-index:https://e2/simple <cfg/pip.conf:3>"),
        ("PIP_CONFIG_FILE=cfg/pip.conf;PIP_EXTRA_INDEX_URL=https://env", "wheel flask", "flask || index:https://cfg/simple <cfg/pip.conf:2> | extra-index:https://env <env:PIP_EXTRA_INDEX_URL>"),
        ("PIP_CONFIG_FILE=cfg/dl.conf", "download flask", "flask || find-links:https://dl/links <cfg/dl.conf:2>"),
        ("PIP_CONFIG_FILE=cfg/dl.conf", "install flask", "flask | path:./proj <cfg/dl.conf:4>"),
        ("PIP_CONFIG_FILE=cfg/bad.conf", "install flask", "!file: cfg/bad.conf:2: cannot parse line*"),
        ("PIP_CONFIG_FILE=cfg/nosect.conf", "install flask", "!file: cfg/nosect.conf:1: file contains no section headers"),
        // configparser keeps `index-url` and `index_url` apart; pip then lets the later win.
        ("PIP_CONFIG_FILE=cfg/dup.conf", "install flask", "flask || index:b <cfg/dup.conf:3>"),
        ("PIP_CONFIG_FILE=cfg/dup2.conf", "install flask", "!file: cfg/dup2.conf:3: duplicate option*"),
        ("PIP_CONFIG_FILE=cfg/missing.conf", "install flask", "flask"),
        ("PIP_CONFIG_FILE=cfg/bad.conf", "list", "PASS"),
        ("XDG_CONFIG_HOME=/project/xdg", "install flask", "flask || find-links:https://xdg-home/links </project/xdg/pip/pip.conf:2>"),
        ("XDG_CONFIG_HOME=/project/xdg", "install --isolated flask", "flask"),
        ("XDG_CONFIG_HOME=/project/xdg;PIP_CONFIG_FILE=cfg/dl.conf", "install flask", "flask | path:./proj <cfg/dl.conf:4>"),
        ("XDG_CONFIG_DIRS=/project/xdgdirs", "install --isolated flask", "flask || index:https://xdg-global/simple </project/xdgdirs/pip/pip.conf:2>"),
        ("VIRTUAL_ENV=/project/venv", "install flask", "flask || extra-index:https://venv/simple </project/venv/pip.conf:2>"),
        ("VIRTUAL_ENV=/project/venv;PIP_CONFIG_FILE=/dev/null", "install flask", "flask"),
        // --group and --requirements-from-script name manifests whose dependencies get installed.
        ("", "install --group dev", "manifest:pyproject.toml:dev"),
        ("", "install --group sub/pyproject.toml:test flask", "flask | manifest:sub/pyproject.toml:test"),
        ("", "install --requirements-from-script tool.py", "manifest:tool.py"),
    ];

    #[test]
    fn pip_command_lines() {
        check(CASES, world);
    }

    /// Encodings and per-user config files that would disturb the other cases.
    #[test]
    #[rustfmt::skip]
    fn pip_encodings_and_home_config() {
        let utf16 = |le: bool, s: &str| -> Vec<u8> {
            let mut out = if le {
                vec![0xff, 0xfe]
            } else {
                vec![0xfe, 0xff]
            };
            for u in s.encode_utf16() {
                out.extend(if le { u.to_le_bytes() } else { u.to_be_bytes() });
            }
            out
        };
        let w = || {
            let w = world().file("bom8.txt", "\u{feff}bompkg\n");
            let w = with_bytes(w, "u16le.txt", utf16(true, "wide-le\r\n-r r2.txt\n"));
            let w = with_bytes(w, "u16be.txt", utf16(false, "wide-be\n"));
            let w = with_bytes(w, "latin1raw.txt", b"caf\xe9\n".to_vec());
            let w = w.file(
                "/home/user/.pip/pip.conf",
                "[global]\nindex-url = https://legacy/simple\n",
            );
            w.file(
                "/home/user/.config/pip/pip.conf",
                "[install]\nextra-index-url = https://user/simple\n",
            )
        };
        check(
            &[
                ("", "install -r bom8.txt", "requirements-file:bom8.txt | bompkg <bom8.txt:1> || index:https://legacy/simple </home/user/.pip/pip.conf:2> | extra-index:https://user/simple </home/user/.config/pip/pip.conf:2>"),
                ("", "install --isolated -r u16le.txt", "requirements-file:u16le.txt | wide-le <u16le.txt:1> | requirements-file:r2.txt <u16le.txt:2> | six ==1.16.0 <r2.txt:1>"),
                ("", "install --isolated -r u16be.txt", "requirements-file:u16be.txt | wide-be <u16be.txt:1>"),
                ("", "install --isolated -r latin1raw.txt", "!file: latin1raw.txt: not valid UTF-8*"),
                // PIP_CONFIG_FILE exists, so the user files are skipped.
                ("PIP_CONFIG_FILE=cfg/dl.conf", "download flask", "flask || find-links:https://dl/links <cfg/dl.conf:2>"),
                ("PIP_CONFIG_FILE=cfg/missing.conf", "download flask", "flask || index:https://legacy/simple </home/user/.pip/pip.conf:2>"),
            ],
            w,
        );
    }

    /// Requirements-file details that are easier to state on their own.
    #[test]
    fn pip_requirement_file_lines() {
        let w = world();
        let lines: Vec<(u32, String)> = logical_lines("a \\\n b\n# c \\\nd  # e\n\n  \nf\\", &w);
        assert_eq!(
            lines,
            vec![
                (1, "a  b".to_string()),
                (4, "d".to_string()),
                (7, "f".to_string())
            ]
        );
        let w = world().env("PKG", "django").env("VER", "4.2");
        assert_eq!(
            expand_env("${PKG}==${VER} $PKG ${lower} ${PKG", &w),
            "django==4.2 $PKG ${lower} ${PKG"
        );
        assert_eq!(
            shlex_split(r#"-i "a b" 'c d' e\ f"#).unwrap(),
            vec!["-i", "a b", "c d", "e f"]
        );
        assert_eq!(
            break_args_options("foo>=1 ; x --hash=y -C z"),
            ("foo>=1 ; x".to_string(), "--hash=y -C z".to_string())
        );
        assert_eq!(split_lines("a\r\nb\rc\u{2028}d"), vec!["a", "b", "c", "d"]);
        assert_eq!(join_nested("sub/base.txt", "x.txt"), "sub/x.txt");
        assert_eq!(join_nested("base.txt", "/abs/x.txt"), "/abs/x.txt");
        assert_eq!(
            join_nested("https://h/a/b.txt", "c.txt"),
            "https://h/a/c.txt"
        );
        assert_eq!(file_url_path("file:///project/r.txt"), "/project/r.txt");
        assert_eq!(
            file_url_path("file://localhost/project/r.txt"),
            "/project/r.txt"
        );
    }

    #[test]
    #[rustfmt::skip]
    fn pip_env_expansion_in_files() {
        let w = || world().file("env1.txt", "${PKG}==${VER}\n${EMPTY}-x>=1 ; extra\n").file("env2.txt", "ok\n${UNSET}x\n");
        check(&[
            ("PKG=django;VER=4.2;EMPTY=", "install -r env1.txt", "!file: env1.txt:2: invalid requirement \"${EMPTY}-x>=1 ; extra\"*"),
            ("PKG=django;VER=4.2", "install -r env1.txt", "!file: env1.txt:2:*"),
            ("PKG=django;VER=4.2", "install -r env2.txt", "!file: env2.txt:2: invalid requirement \"${UNSET}x\"*"),
            ("PKG=django;VER=4.2;UNSET=y", "install -r env2.txt", "requirements-file:env2.txt | ok <env2.txt:1> | yx <env2.txt:2>"),
            ("PKG=django;VER=4.2", "install -r env.txt --no-deps", "!file: env.txt:2: invalid requirement \"$PKG\"*"),
            ("PKG=django;VER=4.2", "install -r envok.txt", "requirements-file:envok.txt | django ==4.2 <envok.txt:1>"),
        ], || w().file("envok.txt", "${PKG}==${VER}\n"));
    }

    #[rustfmt::skip]
    const TOKENS: &[&str] = &[
        "install",
        "download",
        "wheel",
        "lock",
        "list",
        "-r",
        "-e",
        "-c",
        "-i",
        "-f",
        "-U",
        "-q",
        "-Ur",
        "-qqr",
        "--",
        "-",
        "--pre",
        "--prefix",
        "--pref",
        "--req",
        "--requirement",
        "--editable=",
        "--index-url=",
        "--isolated",
        "--log",
        "-h",
        "-V",
        "--user=1",
        "req.txt",
        "cont.txt",
        "self.txt",
        "bad.txt",
        "env.txt",
        "./proj",
        "./proj[dev]",
        "proj",
        "flask",
        "flask>=1",
        "bar#x",
        "x @ ",
        "git+https://g/r.git#egg=r",
        "https://h/x.whl",
        "é",
        "ü[",
        "[]",
        "a;",
        "\u{2028}",
        "${X}",
        "=",
        "--no-binary",
        "-Cé",
        "-iü",
        "--é",
        "-é",
        "file:",
        "file://",
        "pkg-1.0-py3-none-any.whl",
        "'",
        "\"",
        "\\",
        "(",
        ")",
        ">=",
        "==",
        "@",
        ";",
        "#",
        "name @ url ;",
    ];

    proptest! {
        #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]
        #[test]
        fn parse_never_panics(
            picks in proptest::collection::vec(
                prop_oneof![
                    (0..TOKENS.len()).prop_map(|i| TOKENS[i].to_string()),
                    "[-a-z=@#;.\\[\\]/:${}() éü\\\\']{0,12}",
                    any::<String>(),
                ],
                0..8,
            ),
            file in "[-a-z=@#;.\\[\\]/:${}()\n\\\\ éü']{0,40}",
        ) {
            let w = world()
                .file("fuzz.txt", &file)
                .env("PIP_REQUIREMENT", "fuzz.txt")
                .env("X", "-r fuzz.txt");
            let _ = parse(&picks, &w);
        }
    }
}
