//! pip's command line: which requirements, requirements files, editables and package indexes an
//! invocation of `pip install|download|wheel|lock` names, from argv, requirements files, `PIP_*`
//! environment variables and pip.conf files (all read through [`World`]). Pure; never runs pip,
//! never resolves dependencies, never fetches remote requirements files, never judges a package.
//! Here: reading argv and putting the pieces together. `options` (optparse tables),
//! `requirement` (PEP 508 and requirement-line classification), `reqfile` (requirements files)
//! and `config` (pip.conf, `PIP_*`) are reusable by the other Python managers (uv, pipx, poetry).

pub(crate) mod config;
pub(crate) mod options;
pub(crate) mod reqfile;
pub(crate) mod requirement;
pub(crate) mod scripts;
#[cfg(test)]
mod tests;

use std::collections::HashSet;
use std::path::Path;

use super::{Error, World, pyproject};
use crate::ecosystem::{Ecosystem, Manager};
use crate::request::{Origin, Request, Source, SourceKind, Target, TargetKind};
use config::*;
use options::*;
use reqfile::*;
use requirement::*;

/// One option of a pip command line after the command word, with the arguments it spans.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Occurrence {
    /// `args[start..end]` holds it (with its value when the value is a separate argument).
    pub start: usize,
    pub end: usize,
    /// It shares its argument with other short options (`-Ur req.txt`).
    pub cluster: bool,
    /// Its first long spelling (`--requirement`).
    pub long: &'static str,
    pub value: Option<String>,
    pub(crate) effect: Effect,
}

impl Occurrence {
    /// A requirement, constraint, editable, group or script: what it installs, not how.
    pub fn names_packages(&self) -> bool {
        matches!(
            self.effect,
            Effect::Requirement
                | Effect::Constraint
                | Effect::Editable
                | Effect::Group
                | Effect::Script
        )
    }
}

/// A pip command line read as optparse reads it: the command, every option after it, and
/// where the positional requirements are. Pure; what the pieces mean is [`parse`]'s job.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scan {
    pub command: String,
    pub command_at: usize,
    pub options: Vec<Occurrence>,
    /// Where in argv each positional requirement is.
    pub positionals: Vec<usize>,
    /// Where `--` ends the options, if it does.
    pub dashes_at: Option<usize>,
    mask: u8,
}

/// Scan `pip <args>`; `None` when it is help, a version query or not a requirement command.
pub fn scan(args: &[String]) -> Result<Option<Scan>, Error> {
    // Main parser: general options only, stops at the first positional (the command).
    let mut i = 0;
    let mut ended = false;
    let mut dashes_at = None;
    let command_at = loop {
        let Some(arg) = args.get(i) else {
            return Ok(None);
        };
        if arg == "--" {
            ended = true;
            dashes_at = Some(i);
            i += 1;
            match args.get(i) {
                Some(_) => break i,
                None => return Ok(None),
            }
        }
        if !is_option(arg) {
            break i;
        }
        let mut on_option = |opt: &PipOption, _value: Option<&str>| match opt.act {
            Effect::Help | Effect::Version => Flow::Stop,
            _ => Flow::Go,
        };
        match read_option(args, &mut i, MAIN, "pip", &mut on_option)? {
            Flow::Go => {}
            Flow::Stop => return Ok(None),
        }
    };
    let command = args[command_at].as_str();
    let Some(&(_, mask)) = COMMANDS.iter().find(|(name, _)| *name == command) else {
        return Ok(None);
    };
    let mut scan = Scan {
        command: command.to_string(),
        command_at,
        options: Vec::new(),
        positionals: Vec::new(),
        dashes_at,
        mask,
    };
    let mut i = command_at + 1;
    while i < args.len() {
        let arg = &args[i];
        if ended || !is_option(arg) {
            scan.positionals.push(i);
            i += 1;
            continue;
        }
        if arg == "--" {
            ended = true;
            scan.dashes_at = Some(i);
            i += 1;
            continue;
        }
        let start = i;
        let mut found: Vec<(&'static PipOption, Option<String>)> = Vec::new();
        let mut on_option = |opt: &'static PipOption, value: Option<&str>| {
            if opt.act == Effect::Help {
                return Flow::Stop;
            }
            found.push((opt, value.map(str::to_string)));
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
            Flow::Stop => return Ok(None),
        }
        let cluster = found.len() > 1;
        scan.options
            .extend(found.into_iter().map(|(opt, value)| Occurrence {
                start,
                end: i,
                cluster,
                long: opt.long.first().copied().unwrap_or(""),
                value,
                effect: opt.act,
            }));
    }
    Ok(Some(scan))
}

/// `pip <args>` installs nothing, whatever the files and settings say: [`scan`] finds no
/// requirement command (help, a version query, `list`, `show`, `uninstall`, ...).
pub(crate) fn installs_nothing(args: &[String]) -> bool {
    matches!(scan(args), Ok(None))
}

/// Read `pip <args>`: what it would install and which package sources it would use.
pub fn parse(args: &[String], world: &dyn World) -> Result<Request, Error> {
    let pass = || Ok(Request::pass_through("pip", Manager::Pip));
    let Some(scan) = scan(args)? else {
        return pass();
    };
    let command = scan.command.as_str();
    let mask = scan.mask;
    let mut cli = Collected::default();
    for o in &scan.options {
        match o.effect {
            Effect::Help | Effect::Version | Effect::Plain | Effect::RefreshPackage => {}
            act => cli.push(act, o.value.clone().unwrap_or_default(), Origin::Argv),
        }
    }
    let positionals: Vec<&str> = scan.positionals.iter().map(|&i| args[i].as_str()).collect();

    // `--isolated` is recognised by exact string anywhere in argv (`cli/main.py`).
    let isolated = args.iter().any(|a| a == "--isolated");
    let defaults = configured_defaults(world, command, mask, isolated)?;

    let mut out = FileItems::default();
    for p in &positionals {
        let target =
            classify_line(p, world).map_err(|e| Error::usage(format!("pip {command}: {e}")))?;
        out.targets.push(with_origin(target, Origin::Argv));
    }
    for act in [Effect::Editable, Effect::Requirement, Effect::Constraint] {
        for (value, origin) in defaults.get(act).iter().chain(&cli.get(act)) {
            match act {
                Effect::Editable => {
                    let t = classify_editable(value, world)
                        .map_err(|e| Error::usage(format!("pip {command}: {e}")))?;
                    out.targets.push(with_origin(t, origin.clone()));
                }
                _ => {
                    let constraint = act == Effect::Constraint;
                    if !constraint {
                        out.targets.push(Target::unnamed(
                            Ecosystem::Pypi,
                            TargetKind::RequirementsFile,
                            value,
                            origin.clone(),
                        ));
                    }
                    read_requirements(world, value, constraint, origin, &mut out)?;
                }
            }
        }
    }
    for (value, origin) in &cli.get(Effect::Group) {
        // `[path:]group`, split at the rightmost `:`; the path must name a pyproject.toml.
        let (path, group) = match value.rsplit_once(':') {
            Some((path, group)) => (path.to_string(), group),
            None => ("pyproject.toml".to_string(), value.as_str()),
        };
        if Path::new(&path).file_name() != Some("pyproject.toml".as_ref()) {
            return Err(Error::usage(format!(
                "pip {command}: --group {value}: the group file must be named 'pyproject.toml' (got {path})"
            )));
        }
        out.targets.push(Target::unnamed(
            Ecosystem::Pypi,
            TargetKind::Manifest,
            &format!("{path}:{group}"),
            origin.clone(),
        ));
        let Some(toml) = pyproject::Toml::read(world, &path)? else {
            return Err(Error::bad_file(format!(
                "{path}: no such file (named by --group {value})"
            )));
        };
        pyproject::dependency_group(&toml, group, &mut out.targets)?;
    }
    for (value, origin) in &cli.get(Effect::Script) {
        out.targets.push(Target::unnamed(
            Ecosystem::Pypi,
            TargetKind::Manifest,
            value,
            origin.clone(),
        ));
        if let Some(meta) = pyproject::script_metadata(world, value)? {
            pyproject::script_dependencies(&meta, &mut out.targets)?;
        }
    }
    pyproject::expand_local_projects(world, &mut out)?;

    // Sources: the command line replaces a configured index; list options append to it.
    let mut sources = Vec::new();
    let index_from_cli = !cli.get(Effect::IndexUrl).is_empty();
    for (act, kind) in [
        (Effect::IndexUrl, SourceKind::Index),
        (Effect::ExtraIndexUrl, SourceKind::ExtraIndex),
        (Effect::FindLinks, SourceKind::FindLinks),
    ] {
        let configured = if act == Effect::IndexUrl && index_from_cli {
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
        grammar: None,
        scripts: Vec::new(),
    })
}

/// Where `--no-index` comes from, if it is in effect: the command line, else the last of
/// pip.conf / `PIP_NO_INDEX` (a boolean there, read like pip's `strtobool`).
fn no_index(cli: &Collected, defaults: &Defaults) -> Result<Option<Origin>, Error> {
    if let Some((_, origin)) = cli.get(Effect::NoIndex).pop() {
        return Ok(Some(origin));
    }
    let Some((value, origin)) = defaults.get(Effect::NoIndex).last() else {
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
