//! pip's option grammar as optparse reads it (pip 26.3 tables, `cli/cmdoptions.py`): which
//! spellings exist, which take a value, which commands accept them, abbreviations. Pure; does
//! not decide what the options mean for an install.

use super::*;

/// Commands an option belongs to (bit set).
pub(crate) const INSTALL: u8 = 1;
pub(crate) const DOWNLOAD: u8 = 2;
pub(crate) const WHEEL: u8 = 4;
pub(crate) const LOCK: u8 = 8;
/// Accepted by the main parser, before the command word.
pub(crate) const MAIN: u8 = 16;
pub(crate) const REQ_CMDS: u8 = INSTALL | DOWNLOAD | WHEEL | LOCK;
pub(crate) const GENERAL: u8 = REQ_CMDS | MAIN;
/// Options of the requirements-file line parser (their own table, no command).
pub(crate) const FILE: u8 = 32;

/// What an option does for us; most options only matter for whether they consume a value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Effect {
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
pub(crate) struct PipOption {
    pub(crate) long: &'static [&'static str],
    pub(crate) short: &'static str,
    pub(crate) value: bool,
    pub(crate) act: Effect,
    pub(crate) cmds: u8,
}

pub(super) const fn flag(
    long: &'static [&'static str],
    short: &'static str,
    cmds: u8,
) -> PipOption {
    PipOption {
        long,
        short,
        value: false,
        act: Effect::Plain,
        cmds,
    }
}
/// A flag that matters to us (it takes no value but has an [`Effect`]).
const fn flag_act(long: &'static [&'static str], cmds: u8, effect: Effect) -> PipOption {
    PipOption {
        long,
        short: "",
        value: false,
        act: effect,
        cmds,
    }
}
pub(super) const fn val(
    long: &'static [&'static str],
    short: &'static str,
    cmds: u8,
    act: Effect,
) -> PipOption {
    PipOption {
        long,
        short,
        value: true,
        act,
        cmds,
    }
}

/// pip 26.3 options of the general group and of install/download/wheel/lock
/// (docs/cli-grammar.md §1.5; pypa/pip `cli/cmdoptions.py`, `commands/*.py`).
pub(crate) const OPTIONS: &[PipOption] = &[
    // General options.
    PipOption {
        long: &["--help"],
        short: "h",
        value: false,
        act: Effect::Help,
        cmds: GENERAL,
    },
    PipOption {
        long: &["--version"],
        short: "V",
        value: false,
        act: Effect::Version,
        cmds: GENERAL,
    },
    flag(&["--debug"], "", GENERAL),
    flag(&["--isolated"], "", GENERAL),
    flag(&["--require-virtualenv", "--require-venv"], "", GENERAL),
    val(&["--python"], "", GENERAL, Effect::Plain),
    flag(&["--verbose"], "v", GENERAL),
    flag(&["--quiet"], "q", GENERAL),
    val(
        &["--log", "--log-file", "--local-log"],
        "",
        GENERAL,
        Effect::Plain,
    ),
    flag(&["--no-input"], "", GENERAL),
    val(&["--keyring-provider"], "", GENERAL, Effect::Plain),
    val(&["--proxy"], "", GENERAL, Effect::Plain),
    flag(&["--no-proxy-env"], "", GENERAL),
    val(&["--retries"], "", GENERAL, Effect::Plain),
    val(&["--resume-retries"], "", GENERAL, Effect::Plain),
    val(
        &["--timeout", "--default-timeout"],
        "",
        GENERAL,
        Effect::Plain,
    ),
    val(&["--exists-action"], "", GENERAL, Effect::Plain),
    val(&["--trusted-host"], "", GENERAL, Effect::Plain),
    val(&["--cert"], "", GENERAL, Effect::Plain),
    val(&["--client-cert"], "", GENERAL, Effect::Plain),
    val(&["--cache-dir"], "", GENERAL, Effect::Plain),
    flag(&["--no-cache-dir"], "", GENERAL),
    flag(&["--disable-pip-version-check"], "", GENERAL),
    flag(&["--no-color"], "", GENERAL),
    flag(&["--no-python-version-warning"], "", GENERAL),
    val(&["--use-feature"], "", GENERAL, Effect::Plain),
    val(&["--use-deprecated"], "", GENERAL, Effect::Plain),
    // Requirement commands.
    val(&["--requirement"], "r", REQ_CMDS, Effect::Requirement),
    val(&["--constraint"], "c", REQ_CMDS, Effect::Constraint),
    val(&["--build-constraint"], "", REQ_CMDS, Effect::Plain),
    val(
        &["--requirements-from-script"],
        "",
        REQ_CMDS,
        Effect::Script,
    ),
    val(
        &["--editable"],
        "e",
        INSTALL | WHEEL | LOCK,
        Effect::Editable,
    ),
    val(&["--group"], "", REQ_CMDS, Effect::Group),
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
        Effect::Plain,
    ),
    flag(&["--ignore-requires-python"], "", REQ_CMDS),
    flag(&["--no-build-isolation"], "", REQ_CMDS),
    flag(&["--use-pep517"], "", REQ_CMDS),
    flag(&["--check-build-dependencies"], "", REQ_CMDS),
    val(
        &["--config-settings"],
        "C",
        INSTALL | WHEEL | LOCK,
        Effect::Plain,
    ),
    val(&["--progress-bar"], "", REQ_CMDS, Effect::Plain),
    flag(&["--require-hashes"], "", REQ_CMDS),
    flag(&["--no-require-hashes"], "", REQ_CMDS),
    flag(&["--no-clean"], "", REQ_CMDS),
    // Index group.
    val(
        &["--index-url", "--pypi-url"],
        "i",
        REQ_CMDS,
        Effect::IndexUrl,
    ),
    val(&["--extra-index-url"], "", REQ_CMDS, Effect::ExtraIndexUrl),
    flag_act(&["--no-index"], REQ_CMDS, Effect::NoIndex),
    val(&["--find-links"], "f", REQ_CMDS, Effect::FindLinks),
    val(&["--uploaded-prior-to"], "", REQ_CMDS, Effect::Plain),
    val(&["--refresh-package"], "", REQ_CMDS, Effect::RefreshPackage),
    // Package selection group.
    flag(&["--pre"], "", REQ_CMDS),
    val(&["--all-releases"], "", REQ_CMDS, Effect::Plain),
    val(&["--only-final"], "", REQ_CMDS, Effect::Plain),
    val(&["--no-binary"], "", REQ_CMDS, Effect::Plain),
    val(&["--only-binary"], "", REQ_CMDS, Effect::Plain),
    flag(&["--prefer-binary"], "", REQ_CMDS),
    // Target python (install, download).
    val(&["--platform"], "", INSTALL | DOWNLOAD, Effect::Plain),
    val(&["--python-version"], "", INSTALL | DOWNLOAD, Effect::Plain),
    val(&["--implementation"], "", INSTALL | DOWNLOAD, Effect::Plain),
    val(&["--abi"], "", INSTALL | DOWNLOAD, Effect::Plain),
    // install only.
    flag(&["--dry-run"], "", INSTALL),
    val(&["--target"], "t", INSTALL, Effect::Plain),
    flag(&["--user"], "", INSTALL),
    flag(&["--no-user"], "", INSTALL),
    val(&["--root"], "", INSTALL, Effect::Plain),
    val(&["--prefix"], "", INSTALL, Effect::Plain),
    flag(&["--upgrade"], "U", INSTALL),
    val(&["--upgrade-strategy"], "", INSTALL, Effect::Plain),
    flag(&["--force-reinstall"], "", INSTALL),
    flag(&["--ignore-installed"], "I", INSTALL),
    flag(&["--break-system-packages"], "", INSTALL),
    flag(&["--compile"], "", INSTALL),
    flag(&["--no-compile"], "", INSTALL),
    flag(&["--no-warn-script-location"], "", INSTALL),
    flag(&["--no-warn-conflicts"], "", INSTALL),
    val(&["--root-user-action"], "", INSTALL, Effect::Plain),
    val(&["--report"], "", INSTALL, Effect::Plain),
    // download, wheel, lock.
    val(
        &["--dest", "--destination-dir", "--destination-directory"],
        "d",
        DOWNLOAD,
        Effect::Plain,
    ),
    val(&["--wheel-dir"], "w", WHEEL, Effect::Plain),
    flag(&["--no-verify"], "", WHEEL),
    val(&["--output"], "o", LOCK, Effect::Plain),
    // Requirements-file line options (req/req_file.py SUPPORTED_OPTIONS[_REQ]).
    val(&["--index-url", "--pypi-url"], "i", FILE, Effect::IndexUrl),
    val(&["--extra-index-url"], "", FILE, Effect::ExtraIndexUrl),
    flag_act(&["--no-index"], FILE, Effect::NoIndex),
    val(&["--constraint"], "c", FILE, Effect::Constraint),
    val(&["--requirement"], "r", FILE, Effect::Requirement),
    val(&["--editable"], "e", FILE, Effect::Editable),
    val(&["--find-links"], "f", FILE, Effect::FindLinks),
    val(&["--no-binary"], "", FILE, Effect::Plain),
    val(&["--only-binary"], "", FILE, Effect::Plain),
    flag(&["--prefer-binary"], "", FILE),
    flag(&["--require-hashes"], "", FILE),
    flag(&["--no-require-hashes"], "", FILE),
    flag(&["--pre"], "", FILE),
    val(&["--all-releases"], "", FILE, Effect::Plain),
    val(&["--only-final"], "", FILE, Effect::Plain),
    val(&["--trusted-host"], "", FILE, Effect::Plain),
    val(&["--use-feature"], "", FILE, Effect::Plain),
    val(&["--hash"], "", FILE, Effect::Plain),
    val(&["--config-settings"], "C", FILE, Effect::Plain),
];

/// Options that older pips accept and 26.3 rejects. They match when spelled exactly, and as an
/// abbreviation only when no current option does (so their value is never taken for a package).
pub(crate) const REMOVED_OPTIONS: &[PipOption] = &[
    val(
        &["--global-option"],
        "",
        INSTALL | DOWNLOAD | WHEEL | FILE,
        Effect::Plain,
    ),
    val(&["--build-option"], "", INSTALL | WHEEL, Effect::Plain),
    val(&["--install-option"], "", INSTALL | FILE, Effect::Plain),
    val(
        &["--build", "--build-dir", "--build-directory"],
        "b",
        INSTALL | DOWNLOAD | WHEEL,
        Effect::Plain,
    ),
    flag(&["--no-use-pep517"], "", INSTALL | DOWNLOAD | WHEEL),
];

/// The install-family commands and their option bit.
pub(crate) const COMMANDS: &[(&str, u8)] = &[
    ("install", INSTALL),
    ("download", DOWNLOAD),
    ("wheel", WHEEL),
    ("lock", LOCK),
];

/// Whether optparse treats the token as an option (a lone `-` is a positional).
pub(super) fn is_option(arg: &str) -> bool {
    arg.starts_with('-') && arg.len() > 1
}

pub(crate) enum Flow {
    Go,
    Stop,
}

/// Values collected per option kind, in order, with where each came from.
#[derive(Default)]
pub(super) struct Collected {
    pub(super) items: Vec<(Effect, String, Origin)>,
}

impl Collected {
    pub(super) fn push(&mut self, act: Effect, value: String, origin: Origin) {
        self.items.push((act, value, origin));
    }

    pub(super) fn get(&self, act: Effect) -> Vec<(String, Origin)> {
        self.items
            .iter()
            .filter(|(a, _, _)| *a == act)
            .map(|(_, v, o)| (v.clone(), o.clone()))
            .collect()
    }
}

/// Find the option a long spelling means: exact match, else a unique prefix (optparse
/// `_match_abbrev`), else a removed option. `what` names the parser in messages.
pub(crate) fn lookup_long(name: &str, mask: u8, what: &str) -> Result<&'static PipOption, Error> {
    let in_mask = |o: &&PipOption| o.cmds & mask != 0;
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
        let mut hits: Vec<(&str, &'static PipOption)> = Vec::new();
        for o in table.iter().filter(in_mask) {
            for l in o.long {
                if l.starts_with(name) {
                    hits.push((l, o));
                }
            }
        }
        match hits.len() {
            0 => {}
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

pub(crate) fn lookup_short(c: char, mask: u8, what: &str) -> Result<&'static PipOption, Error> {
    OPTIONS
        .iter()
        .chain(REMOVED_OPTIONS)
        .find(|o| o.cmds & mask != 0 && o.short.contains(c))
        .ok_or_else(|| Error::usage(format!("{what}: no such option: -{c}")))
}

/// Read the option at `args[*i]` (and its value), advancing `*i` past what it consumed.
pub(crate) fn read_option(
    args: &[String],
    i: &mut usize,
    mask: u8,
    what: &str,
    on: &mut dyn FnMut(&'static PipOption, Option<&str>) -> Flow,
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

fn check_value(opt: &PipOption, shown: &str, value: &str, what: &str) -> Result<(), Error> {
    if opt.act == Effect::RefreshPackage && value.starts_with('-') {
        return Err(Error::usage(format!(
            "{what}: {shown} value must not start with '-' (got {value})"
        )));
    }
    Ok(())
}
