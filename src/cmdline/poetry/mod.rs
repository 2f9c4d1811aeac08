//! poetry's command line (poetry 2.5.1, cleo): what `poetry add`, `install`, `sync`,
//! `update`, `lock`, `remove`, `build`, `self add|update|install|sync|lock|remove` and
//! `poetry run <guarded program>` would install, from argv, the project's pyproject.toml
//! (PEP 621 `[project]`, `[tool.poetry]` dependencies and groups, PEP 735 groups) and
//! `poetry.lock`, and from which sources (`[[tool.poetry.source]]`). Everything else passes
//! through. Pure; never runs poetry. The option table is poetry 2.5.1's own definitions
//! (`Application().find(name).definition`); cleo has no abbreviations of options or commands.

#[cfg(test)]
mod tests;

use std::ffi::OsString;

use toml_edit::Item;

use super::pip::reqfile::FileItems;
use super::pip::requirement::{classify_line, pep508};
use super::pyproject::{self, Toml, join};
use super::{Error, World, pylock};
use crate::ecosystem::{Ecosystem, Manager, pep503};
use crate::request::{Origin, Request, Source, SourceKind, Target, TargetKind};

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Flag,
    /// Takes a value (`--opt=v`, `--opt v`, `-ov`, `-o v`).
    Value,
}

/// (name, shortcut, kind, commands that accept it; `None` = global).
type Opt = (
    &'static str,
    Option<char>,
    Kind,
    Option<&'static [&'static str]>,
);

const GROUPS: &[&str] = &["install", "sync", "update"];

/// poetry 2.5.1's options of the commands read here, and the global ones.
#[rustfmt::skip]
const OPTIONS: &[Opt] = &[
    ("help", Some('h'), Kind::Flag, None),
    ("quiet", Some('q'), Kind::Flag, None),
    ("verbose", Some('v'), Kind::Flag, None),
    ("version", Some('V'), Kind::Flag, None),
    ("ansi", None, Kind::Flag, None),
    ("no-ansi", None, Kind::Flag, None),
    ("no-interaction", Some('n'), Kind::Flag, None),
    ("no-plugins", None, Kind::Flag, None),
    ("no-cache", None, Kind::Flag, None),
    ("project", Some('P'), Kind::Value, None),
    ("directory", Some('C'), Kind::Value, None),
    ("group", Some('G'), Kind::Value, Some(&["add", "remove"])),
    ("dev", Some('D'), Kind::Flag, Some(&["add", "remove"])),
    ("editable", Some('e'), Kind::Flag, Some(&["add", "self add"])),
    ("extras", Some('E'), Kind::Value, Some(&["add", "install", "sync", "self add", "debug resolve"])),
    ("optional", None, Kind::Value, Some(&["add"])),
    ("python", None, Kind::Value, Some(&["add", "debug resolve"])),
    ("tree", None, Kind::Flag, Some(&["debug resolve"])),
    ("install", None, Kind::Flag, Some(&["debug resolve"])),
    ("platform", None, Kind::Value, Some(&["add"])),
    ("markers", None, Kind::Value, Some(&["add"])),
    ("source", None, Kind::Value, Some(&["add", "self add"])),
    ("allow-prereleases", None, Kind::Flag, Some(&["add", "self add"])),
    ("dry-run", None, Kind::Flag, Some(&["add", "install", "update", "sync", "remove", "self install", "self add", "self update", "self sync", "self remove"])),
    ("lock", None, Kind::Flag, Some(&["add", "update", "remove"])),
    ("without", None, Kind::Value, Some(GROUPS)),
    ("with", None, Kind::Value, Some(GROUPS)),
    ("only", None, Kind::Value, Some(GROUPS)),
    ("sync", None, Kind::Flag, Some(&["install", "update", "self install"])),
    ("no-root", None, Kind::Flag, Some(&["install", "sync"])),
    ("no-directory", None, Kind::Flag, Some(&["install", "sync"])),
    ("all-extras", None, Kind::Flag, Some(&["install", "sync"])),
    ("all-groups", None, Kind::Flag, Some(&["install", "sync"])),
    ("only-root", None, Kind::Flag, Some(&["install", "sync"])),
    ("compile", None, Kind::Flag, Some(&["install", "sync"])),
    ("regenerate", None, Kind::Flag, Some(&["lock", "self lock"])),
    ("preview", None, Kind::Flag, Some(&["self update"])),
    ("format", Some('f'), Kind::Value, Some(&["build"])),
    ("clean", None, Kind::Flag, Some(&["build"])),
    ("local-version", Some('l'), Kind::Value, Some(&["build"])),
    ("output", Some('o'), Kind::Value, Some(&["build"])),
    ("config-settings", Some('c'), Kind::Value, Some(&["build"])),
];

/// The commands read here (every other one passes through).
const COMMANDS: &[&str] = &[
    "add",
    "install",
    "sync",
    "update",
    "lock",
    "remove",
    "build",
    "run",
    "self add",
    "self install",
    "self update",
    "self sync",
    "self lock",
    "self remove",
    "debug resolve",
];

fn pass() -> Result<Request, Error> {
    Ok(Request::pass_through("poetry", Manager::Poetry))
}

fn find(name: &str, short: Option<char>, command: &str) -> Option<&'static Opt> {
    OPTIONS.iter().find(|(n, s, _, cmds)| {
        (short.is_some() && *s == short || short.is_none() && *n == name)
            && cmds.is_none_or(|c| c.contains(&command))
    })
}

/// `poetry <args>`.
/// The command of a poetry command line that may install (one of [`COMMANDS`]), where its
/// first word is and how many words it has, read from argv alone; `None`: it installs
/// nothing, whatever the files say.
fn installing_command(args: &[String]) -> Option<(&'static str, usize, usize)> {
    // The command: the first one or two words that are not options (or option values).
    let mut words: Vec<(usize, &str)> = Vec::new();
    let mut i = 0;
    while i < args.len() && words.len() < 2 {
        let a = args[i].as_str();
        if a == "--" {
            break;
        }
        if a.starts_with('-') && a != "-" {
            let takes = matches!(a, "-C" | "-P" | "--directory" | "--project");
            i += if takes { 2 } else { 1 };
            continue;
        }
        words.push((i, a));
        i += 1;
    }
    let &(first_at, first) = words.first()?;
    let (command, cmd_words) = match words.get(1) {
        Some(&(_, second)) if matches!(first, "self" | "debug") => (format!("{first} {second}"), 2),
        _ => (first.to_string(), 1),
    };
    let command = COMMANDS.iter().find(|c| **c == command).copied()?;
    Some((command, first_at, cmd_words))
}

/// `poetry <args>` installs nothing, whatever the files say (see [`installing_command`]).
pub(crate) fn installs_nothing(args: &[String]) -> bool {
    installing_command(args).is_none()
}

pub fn parse(args: &[String], world: &dyn World) -> Result<Request, Error> {
    let Some((command, first_at, cmd_words)) = installing_command(args) else {
        return pass();
    };
    if command == "run" {
        return run(args, first_at, world);
    }
    let what = format!("poetry {command}");
    let mut opts: Vec<(&'static str, Option<String>)> = Vec::new();
    let mut positionals: Vec<String> = Vec::new();
    let mut skipped = 0;
    let mut i = 0;
    let mut options_end = false;
    while i < args.len() {
        let a = &args[i];
        i += 1;
        if !options_end && a == "--" {
            options_end = true;
            continue;
        }
        if !options_end && a.starts_with('-') && a != "-" {
            let (name, attached) = if let Some(long) = a.strip_prefix("--") {
                match long.split_once('=') {
                    Some((n, v)) => (n.to_string(), Some(v.to_string())),
                    None => (long.to_string(), None),
                }
            } else {
                // cleo `_parse_short_option_set`: flags until the first option that takes a
                // value, which takes the rest of the token (or the next token).
                let chars: Vec<char> = a[1..].chars().collect();
                let mut found = None;
                for (k, &c) in chars.iter().enumerate() {
                    // `-vv`, `-vvv`: verbosity levels.
                    if c == 'v' {
                        continue;
                    }
                    let Some(opt) = find("", Some(c), command) else {
                        return Err(Error::usage(format!(
                            "{what}: the option \"{c}\" does not exist"
                        )));
                    };
                    if opt.2 == Kind::Value {
                        let rest: String = chars[k + 1..].iter().collect();
                        found = Some((opt.0.to_string(), (!rest.is_empty()).then_some(rest)));
                        break;
                    }
                    opts.push((opt.0, None));
                }
                match found {
                    Some(f) => f,
                    None => continue,
                }
            };
            // Shorts were resolved to their long name above.
            let Some(opt) = find(&name, None, command) else {
                return Err(Error::usage(format!(
                    "{what}: the option \"--{name}\" does not exist"
                )));
            };
            if opt.0 == "help" || opt.0 == "version" && command != "version" {
                return pass();
            }
            let value = match (opt.2, attached) {
                (Kind::Flag, Some(_)) => {
                    return Err(Error::usage(format!(
                        "{what}: the \"--{}\" option does not accept a value",
                        opt.0
                    )));
                }
                (Kind::Flag, None) => None,
                (Kind::Value, Some(v)) if !v.is_empty() => Some(v),
                (Kind::Value, _) => match args.get(i) {
                    Some(v) if !v.starts_with('-') || v.is_empty() => {
                        i += 1;
                        Some(v.clone())
                    }
                    _ => {
                        return Err(Error::usage(format!(
                            "{what}: the \"--{}\" option requires a value",
                            opt.0
                        )));
                    }
                },
            };
            opts.push((opt.0, value));
            continue;
        }
        // The command words themselves are the first positionals.
        if skipped < cmd_words {
            skipped += 1;
            continue;
        }
        positionals.push(a.clone());
    }
    if opts.iter().any(|(n, _)| matches!(*n, "help" | "version")) {
        return pass();
    }
    let get = |n: &str| -> Vec<String> {
        opts.iter()
            .filter(|(o, _)| *o == n)
            .filter_map(|(_, v)| v.clone())
            .flat_map(|v| {
                v.split(',')
                    .map(|s| s.trim().to_string())
                    .collect::<Vec<_>>()
            })
            .filter(|s| !s.is_empty())
            .collect()
    };
    let has = |n: &str| opts.iter().any(|(o, _)| *o == n);
    let dir = get("directory").last().cloned();
    let moved = dir.map(|d| super::Moved::new(world, &d));
    let world: &dyn World = moved.as_ref().map_or(world, |m| m);
    let mut out = FileItems::default();
    let mut sources = Vec::new();
    match command {
        // `debug resolve [<package>...]` resolves the packages (or the project) as `lock`
        // does, building an sdist to learn its dependencies when it must (its code runs).
        "debug resolve" if !positionals.is_empty() => {
            for p in &positionals {
                out.targets
                    .push(spec_target(p, world).map_err(|e| Error::usage(format!("{what}: {e}")))?);
            }
        }
        "add" | "self add" => {
            if positionals.is_empty() {
                return Err(Error::usage(format!(
                    "{what}: not enough arguments (missing: \"name\")"
                )));
            }
            for p in &positionals {
                out.targets
                    .push(spec_target(p, world).map_err(|e| Error::usage(format!("{what}: {e}")))?);
            }
        }
        "remove" | "self remove" if positionals.is_empty() => {
            return Err(Error::usage(format!(
                "{what}: not enough arguments (missing: \"packages\")"
            )));
        }
        "self update" => {
            let spec = positionals.first().map(|v| format!("=={v}"));
            out.targets.push(Target::registry(
                Ecosystem::Pypi,
                "poetry",
                spec.as_deref(),
                Origin::Argv,
            ));
        }
        _ => {}
    }
    if let Some(sub) = command.strip_prefix("self ") {
        // `self add X` installs X (read above) and `self update [V]` poetry itself; the others
        // work on poetry's own project (its lock, and the packages `self add` put in its
        // `additional` group) as `install`/`sync`/`lock`/`remove` do on a project.
        if matches!(sub, "install" | "sync" | "lock" | "remove") {
            match system_project(world) {
                Some(dir) => project(world, &dir, sub, &get, &has, &mut out, &mut sources)?,
                // Not written yet: poetry writes it with poetry itself as its only dependency.
                None => out.targets.push(Target::registry(
                    Ecosystem::Pypi,
                    "poetry",
                    None,
                    Origin::Argv,
                )),
            }
        }
    } else if command == "debug resolve" {
        if positionals.is_empty() {
            let project_dir = get("project").last().cloned().unwrap_or_else(|| ".".into());
            project(
                world,
                &project_dir,
                "lock",
                &get,
                &has,
                &mut out,
                &mut sources,
            )?;
        }
    } else if command == "build" {
        let project_dir = get("project").last().cloned().unwrap_or_else(|| ".".into());
        if let Some(toml) = Toml::read(world, &join(&project_dir, "pyproject.toml"))?
            && let Some(item) = toml.get(&["build-system", "requires"])
        {
            toml.requirements(item, "[build-system] requires", &mut out.targets)?;
        }
    } else {
        let project_dir = get("project").last().cloned().unwrap_or_else(|| ".".into());
        project(
            world,
            &project_dir,
            command,
            &get,
            &has,
            &mut out,
            &mut sources,
        )?;
    }
    sources.append(&mut out.sources);
    Ok(Request {
        grammar: None,
        program: "poetry".into(),
        manager: Manager::Poetry,
        installs: true,
        targets: out.targets,
        sources,
        scripts: Vec::new(),
    })
}

/// `poetry run <program> ...`: poetry only runs it, in the project's environment; when that
/// program installs (`poetry run pip install x`), it is read as that program.
fn run(args: &[String], run_at: usize, world: &dyn World) -> Result<Request, Error> {
    let rest = &args[run_at + 1..];
    let rest = if rest.first().is_some_and(|a| a == "--") {
        &rest[1..]
    } else {
        rest
    };
    let Some(program) = rest.first() else {
        return pass();
    };
    let inner: Vec<OsString> = rest[1..].iter().map(OsString::from).collect();
    if super::Program::from_name(program.as_ref()).is_none() {
        return pass();
    }
    let mut req = super::understand(program.as_ref(), &inner, world)?;
    if !req.installs {
        return pass();
    }
    req.program = "poetry".into();
    Ok(req)
}

/// A package as `poetry add` takes it: `name`, `name@constraint` (`@latest`), a PEP 508
/// requirement, a git/URL/path source.
fn spec_target(spec: &str, world: &dyn World) -> Result<Target, String> {
    let lower = spec.to_ascii_lowercase();
    if lower.starts_with("git+")
        || lower.starts_with("git@")
        || lower.contains("://")
        || spec.starts_with('.')
        || spec.starts_with('/')
    {
        return classify_line(spec, world);
    }
    if let Some((name, constraint)) = spec.split_once('@') {
        let bare = name.split('[').next().unwrap_or(name).trim();
        if !crate::ecosystem::valid_pypi_name(bare) {
            return Err(format!("invalid package {spec:?}"));
        }
        let c = constraint.trim();
        let spec = if c == "latest" || c.is_empty() {
            None
        } else if c.starts_with(|ch: char| ch.is_ascii_digit()) {
            Some(format!("=={c}"))
        } else {
            Some(c.to_string())
        };
        return Ok(Target::registry(
            Ecosystem::Pypi,
            bare,
            spec.as_deref(),
            Origin::Argv,
        ));
    }
    let p = pep508(spec).map_err(|e| format!("invalid package {spec:?}: {e}"))?;
    Ok(p.into_target())
}

/// The nearest pyproject.toml from `start` upwards, as a path to show.
/// The directory of poetry's own project (`self` commands), when its pyproject.toml exists:
/// `$POETRY_CONFIG_DIR`, else platformdirs' user config dir for `pypoetry`
/// (`$XDG_CONFIG_HOME/pypoetry` or `~/.config/pypoetry`; macOS: `~/Library/Application
/// Support/pypoetry`), as poetry's `locations.py` has it. Never its parents: a pyproject.toml
/// above the config dir is not poetry's.
fn system_project(world: &dyn World) -> Option<String> {
    let non_empty = |k: &str| {
        world
            .env(k)
            .map(|v| v.to_string_lossy().into_owned())
            .filter(|v| !v.trim().is_empty())
    };
    let home = || world.home().map(|h| h.to_string_lossy().into_owned());
    let dir = match non_empty("POETRY_CONFIG_DIR") {
        Some(d) => d,
        #[cfg(target_os = "macos")]
        None => format!("{}/Library/Application Support/pypoetry", home()?),
        #[cfg(not(target_os = "macos"))]
        None => match non_empty("XDG_CONFIG_HOME") {
            Some(x) => join(&x, "pypoetry"),
            None => format!("{}/.config/pypoetry", home()?),
        },
    };
    world
        .is_file(std::path::Path::new(&join(&dir, "pyproject.toml")))
        .then_some(dir)
}

fn find_project(world: &dyn World, start: &str) -> Option<String> {
    let abs = world.cwd().join(start);
    for (i, a) in abs.ancestors().enumerate() {
        if world.is_file(&a.join("pyproject.toml")) {
            return Some(if i == 0 {
                start.to_string()
            } else {
                a.to_string_lossy().into_owned()
            });
        }
        if i > 64 {
            break;
        }
    }
    None
}

/// What installing, updating or locking the project touches: its dependencies (PEP 621 and
/// `[tool.poetry.dependencies]`), the groups the command selects, extras, and every package of
/// `poetry.lock`; its `[[tool.poetry.source]]` indexes.
fn project(
    world: &dyn World,
    start: &str,
    command: &str,
    get: &dyn Fn(&str) -> Vec<String>,
    has: &dyn Fn(&str) -> bool,
    out: &mut FileItems,
    sources: &mut Vec<Source>,
) -> Result<(), Error> {
    let Some(dir) = find_project(world, start) else {
        return Err(Error::bad_file(format!(
            "poetry {command}: poetry could not find a pyproject.toml file in {start} or its parents"
        )));
    };
    let path = join(&dir, "pyproject.toml");
    let Some(toml) = Toml::read(world, &path)? else {
        return Ok(());
    };
    let extras: Vec<String> = if has("all-extras") {
        toml.get(&["project", "optional-dependencies"])
            .and_then(Item::as_table_like)
            .map(|t| t.iter().map(|(k, _)| k.to_string()).collect())
            .unwrap_or_default()
    } else {
        get("extras")
    };
    let only_root = has("only-root");
    let only = get("only");
    if !only_root {
        // Main dependencies (unless --only names groups without `main`).
        if only.is_empty() || only.iter().any(|g| g == "main") {
            if toml.get(&["project", "dependencies"]).is_some() || toml.get(&["project"]).is_some()
            {
                let mut sub = FileItems::default();
                pyproject::project(world, &dir, &extras, &mut sub)?;
                out.targets.append(&mut sub.targets);
            }
            if let Some(deps) = toml
                .get(&["tool", "poetry", "dependencies"])
                .and_then(Item::as_table_like)
            {
                let wanted = poetry_extra_packages(&toml, &extras)?;
                for (name, item) in deps.iter() {
                    if pyproject::poetry_optional(item) && !wanted.contains(&pep503(name)) {
                        continue;
                    }
                    pyproject::poetry_dependency(&toml, name, item, &mut out.targets)?;
                }
            }
        }
        for group in selected_groups(&toml, command, get, has) {
            group_targets(&toml, &group, &mut out.targets)?;
        }
    }
    poetry_sources(&toml, sources)?;
    let lock = join(&dir, "poetry.lock");
    if let Some(lock_toml) = Toml::read(world, &lock)? {
        out.targets.push(Target::unnamed(
            Ecosystem::Pypi,
            TargetKind::Lockfile,
            &lock,
            Origin::Argv,
        ));
        pylock::poetry_lock(&lock_toml, out)?;
    }
    Ok(())
}

/// Package names the requested `[tool.poetry.extras]` turn on.
fn poetry_extra_packages(toml: &Toml, extras: &[String]) -> Result<Vec<String>, Error> {
    let wanted: Vec<String> = extras.iter().map(|e| pep503(e)).collect();
    let mut out = Vec::new();
    if let Some(t) = toml
        .get(&["tool", "poetry", "extras"])
        .and_then(Item::as_table_like)
    {
        for (extra, item) in t.iter() {
            if wanted.contains(&pep503(extra)) {
                out.extend(
                    toml.strings(item, "[tool.poetry.extras]")?
                        .into_iter()
                        .map(|(n, _)| pep503(&n)),
                );
            }
        }
    }
    Ok(out)
}

/// Every group: `[tool.poetry.group.*]` (with `optional`), the legacy dev-dependencies and
/// PEP 735 `[dependency-groups]`.
fn all_groups(toml: &Toml) -> Vec<(String, bool)> {
    let mut out: Vec<(String, bool)> = Vec::new();
    if let Some(t) = toml
        .get(&["tool", "poetry", "group"])
        .and_then(Item::as_table_like)
    {
        for (name, item) in t.iter() {
            let optional = item
                .as_table_like()
                .and_then(|g| g.get("optional"))
                .and_then(Item::as_bool)
                .unwrap_or(false);
            out.push((pep503(name), optional));
        }
    }
    if toml.get(&["tool", "poetry", "dev-dependencies"]).is_some()
        && !out.iter().any(|(g, _)| g == "dev")
    {
        out.push(("dev".into(), false));
    }
    for g in pyproject::group_names(toml) {
        if !out.iter().any(|(x, _)| *x == g) {
            out.push((g, false));
        }
    }
    out
}

/// The groups an install selects: non-optional ones, plus `--with`, minus `--without`; or
/// `--only` (and `--all-groups`). `update` and `lock` resolve every group.
fn selected_groups(
    toml: &Toml,
    command: &str,
    get: &dyn Fn(&str) -> Vec<String>,
    has: &dyn Fn(&str) -> bool,
) -> Vec<String> {
    let groups = all_groups(toml);
    if matches!(command, "lock" | "update" | "add" | "remove") || has("all-groups") {
        return groups.into_iter().map(|(g, _)| g).collect();
    }
    let only: Vec<String> = get("only").iter().map(|g| pep503(g)).collect();
    if !only.is_empty() {
        return groups
            .into_iter()
            .map(|(g, _)| g)
            .filter(|g| only.contains(g))
            .collect();
    }
    let with: Vec<String> = get("with").iter().map(|g| pep503(g)).collect();
    let without: Vec<String> = get("without").iter().map(|g| pep503(g)).collect();
    groups
        .into_iter()
        .filter(|(g, optional)| (!optional || with.contains(g)) && !without.contains(g))
        .map(|(g, _)| g)
        .collect()
}

fn group_targets(toml: &Toml, group: &str, out: &mut Vec<Target>) -> Result<(), Error> {
    let table = toml
        .get(&["tool", "poetry", "group"])
        .and_then(Item::as_table_like)
        .and_then(|t| t.iter().find(|(k, _)| pep503(k) == group).map(|(_, v)| v))
        .and_then(|g| g.get("dependencies"))
        .and_then(Item::as_table_like)
        .or_else(|| {
            (group == "dev")
                .then(|| {
                    toml.get(&["tool", "poetry", "dev-dependencies"])
                        .and_then(Item::as_table_like)
                })
                .flatten()
        });
    if let Some(deps) = table {
        for (name, item) in deps.iter() {
            pyproject::poetry_dependency(toml, name, item, out)?;
        }
    }
    if pyproject::group_names(toml).iter().any(|g| g == group) {
        pyproject::dependency_group(toml, group, out)?;
    }
    Ok(())
}

/// `[[tool.poetry.source]]`: a `primary` (or legacy `default`) source replaces PyPI; the
/// others (`supplemental`, `explicit`, legacy `secondary`) are used for some packages.
fn poetry_sources(toml: &Toml, out: &mut Vec<Source>) -> Result<(), Error> {
    let Some(item) = toml.get(&["tool", "poetry", "source"]) else {
        return Ok(());
    };
    let Some(list) = item.as_array_of_tables() else {
        return Err(toml.error(
            item.span(),
            "[[tool.poetry.source]] must be an array of tables",
        ));
    };
    let mut primary_seen = false;
    for t in list {
        let Some(url) = t.get("url").and_then(Item::as_str) else {
            continue; // the implicit PyPI source (`name = "PyPI"` with a priority)
        };
        let priority = t
            .get("priority")
            .and_then(Item::as_str)
            .unwrap_or("primary");
        let legacy_default = t.get("default").and_then(Item::as_bool) == Some(true);
        let kind = if (priority == "primary" || legacy_default) && !primary_seen {
            primary_seen = true;
            SourceKind::Index
        } else {
            SourceKind::ExtraIndex
        };
        out.push(Source {
            ecosystem: Ecosystem::Pypi,
            kind,
            location: url.to_string(),
            scope: None,
            origin: toml.origin(t.get("url").and_then(Item::span)),
        });
    }
    Ok(())
}
