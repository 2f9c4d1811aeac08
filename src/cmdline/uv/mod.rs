//! uv's command line (uv 0.13.9) and `uvx`: what `uv pip install|sync|compile`, `uv add`,
//! `remove`, `sync`, `lock`, `export`, `tree`, `run`, `build`, `version` (when it re-locks),
//! `uv tool install|run|upgrade` and `uvx` would install, and from which indexes — from argv,
//! requirements and project files, `uv.lock`, PEP 723 script blocks, `UV_*` variables and
//! `uv.toml` / `[tool.uv]` settings (all through [`World`]). Every other command passes through.
//! Pure; never runs uv, never resolves. Here: the command words, the collected options and what
//! each command reads; `options` holds the generated option table.

pub(crate) mod options;
#[cfg(test)]
mod tests;

use std::path::{Path, PathBuf};

use super::pip::reqfile::{FileItems, read_requirements};
use super::pip::requirement::{classify_editable, classify_line};
use super::pyproject::{self, Toml, join};
use super::{Error, World, pylock};
use crate::ecosystem::{Ecosystem, Manager, pep503};
use crate::request::{Origin, Request, Source, SourceKind, Target, TargetKind};
use options::*;

/// The options one invocation collected: spelling, value, in argv order.
type Opts = Vec<(&'static str, Option<String>)>;

fn values<'a>(opts: &'a Opts, names: &[&str]) -> impl Iterator<Item = &'a str> {
    let names: Vec<String> = names.iter().map(std::string::ToString::to_string).collect();
    opts.iter()
        .filter(move |(n, _)| names.iter().any(|x| x == n))
        .filter_map(|(_, v)| v.as_deref())
}

fn has(opts: &Opts, names: &[&str]) -> bool {
    opts.iter().any(|(n, _)| names.contains(n))
}

/// A help or version query (`uv format --version 0.9.1` names ruff's version: not one).
fn is_help((spell, value): &(&'static str, Option<String>)) -> bool {
    value.is_none() && matches!(*spell, "-h" | "--help" | "-V" | "--version")
}

fn pass() -> Result<Request, Error> {
    Ok(Request::pass_through("uv", Manager::Uv))
}

/// The command of a uv command line that may install, where its own arguments start and the
/// options read before them, from argv alone; `Ok(None)`: it installs nothing (help, a version
/// query, `init`, `venv`, `python`, `cache`, `pip list`, ...), whatever the files say.
fn installing_command(args: &[String]) -> Result<Option<(u32, usize, Opts)>, Error> {
    let mut i = 0;
    let mut level = TOP;
    let mut opts: Opts = Vec::new();
    loop {
        let Some(arg) = args.get(i) else {
            return Ok(None);
        };
        if arg.starts_with('-') && arg.len() > 1 && arg != "--" {
            let read = read_option(args, &mut i, level, "uv")?;
            if read.iter().any(is_help) {
                return Ok(None);
            }
            opts.extend(read);
            continue;
        }
        i += 1;
        let next = match (level, arg.as_str()) {
            (TOP, "pip") => PIP,
            (TOP, "tool") => TOOL,
            (TOP, "add") => ADD,
            (TOP, "remove") => REMOVE,
            (TOP, "sync") => SYNC,
            (TOP, "lock") => LOCK,
            (TOP, "run") => RUN,
            (TOP, "export") => EXPORT,
            (TOP, "tree") => TREE,
            (TOP, "build") => BUILD,
            (TOP, "version") => VERSION,
            (TOP, "venv") => VENV,
            (TOP, "format") => FORMAT,
            (TOP, "check") => CHECK,
            (TOP, "self") => SELF,
            (SELF, "update") => SELF_UPDATE,
            (PIP, "install") => PIP_INSTALL,
            (PIP, "sync") => PIP_SYNC,
            (PIP, "compile") => PIP_COMPILE,
            (TOOL, "install") => TOOL_INSTALL,
            (TOOL, "run" | "uvx") => TOOL_RUN,
            (TOOL, "upgrade" | "update") => TOOL_UPGRADE,
            // Every other command (init, python, cache, self version, help, pip list, tool
            // list, ...) installs no package (src/cmdline/words/uv.tsv says why for each);
            // an unknown one is uv's error to report.
            _ => return Ok(None),
        };
        level = next;
        if !matches!(level, PIP | TOOL | SELF) {
            return Ok(Some((level, i, opts)));
        }
    }
}

/// `uv <args>` installs nothing, whatever the files say (see [`installing_command`]).
pub(crate) fn installs_nothing(args: &[String]) -> bool {
    matches!(installing_command(args), Ok(None))
}

/// `uv <args>`.
pub fn parse(args: &[String], world: &dyn World) -> Result<Request, Error> {
    let Some((level, i, opts)) = installing_command(args)? else {
        return pass();
    };
    command(level, &args[i..], opts, world)
}

/// `uvx <args>`: `uv tool run`.
pub fn parse_uvx(args: &[String], world: &dyn World) -> Result<Request, Error> {
    let mut req = command(UVX, args, Vec::new(), world)?;
    req.program = "uvx".into();
    Ok(req)
}

/// The options and positionals of one command, then what it installs.
fn command(
    level: u32,
    args: &[String],
    mut opts: Opts,
    world: &dyn World,
) -> Result<Request, Error> {
    let what = name_of(level);
    let mut positionals: Vec<String> = Vec::new();
    let trailing = matches!(level, RUN | TOOL_RUN | UVX);
    let mut i = 0;
    while i < args.len() {
        let arg = &args[i];
        if trailing && !positionals.is_empty() {
            // Everything after the command belongs to it.
            positionals.extend(args[i..].iter().cloned());
            break;
        }
        if arg == "--" {
            positionals.extend(args[i + 1..].iter().cloned());
            break;
        }
        if arg.starts_with('-') && arg.len() > 1 {
            let read = read_option(args, &mut i, level, what)?;
            if read.iter().any(is_help) {
                return pass();
            }
            opts.extend(read);
            continue;
        }
        positionals.push(arg.clone());
        i += 1;
    }
    // `--directory` (or UV_WORKING_DIR) changes the directory everything is relative to.
    let dir = values(&opts, &["--directory"])
        .last()
        .map(str::to_string)
        .or_else(|| env(world, "UV_WORKING_DIR"));
    let moved = dir.map(|d| super::Moved::new(world, &d));
    let world: &dyn World = moved.as_ref().map_or(world, |m| m);
    let mut cx = Cx {
        level,
        what,
        opts,
        world,
        out: FileItems::default(),
    };
    if !cx.targets(&positionals)? {
        return pass();
    }
    let mut sources = cx.sources()?;
    sources.append(&mut cx.out.sources);
    Ok(Request {
        grammar: None,
        program: "uv".into(),
        manager: Manager::Uv,
        installs: true,
        targets: cx.out.targets,
        sources,
        scripts: Vec::new(),
    })
}

fn name_of(level: u32) -> &'static str {
    match level {
        PIP_INSTALL => "uv pip install",
        PIP_SYNC => "uv pip sync",
        PIP_COMPILE => "uv pip compile",
        ADD => "uv add",
        REMOVE => "uv remove",
        SYNC => "uv sync",
        LOCK => "uv lock",
        RUN => "uv run",
        EXPORT => "uv export",
        TREE => "uv tree",
        BUILD => "uv build",
        VERSION => "uv version",
        VENV => "uv venv",
        FORMAT => "uv format",
        CHECK => "uv check",
        SELF_UPDATE => "uv self update",
        TOOL_INSTALL => "uv tool install",
        TOOL_RUN => "uv tool run",
        TOOL_UPGRADE => "uv tool upgrade",
        UVX => "uvx",
        _ => "uv",
    }
}

fn env(world: &dyn World, key: &str) -> Option<String> {
    world
        .env(key)
        .map(|v| v.to_string_lossy().into_owned())
        .filter(|v| !v.is_empty())
}

/// uv's boolish environment values.
fn env_true(world: &dyn World, key: &str) -> bool {
    env(world, key).is_some_and(|v| {
        matches!(
            v.to_ascii_lowercase().as_str(),
            "1" | "true" | "yes" | "y" | "on" | "t"
        )
    })
}

/// `--with a,b[x,y]>=1,<2`: comma-separated outside brackets, a comma before a version
/// operator continues the specifier (uv-cli `CommaSeparatedRequirements`).
pub fn split_with(value: &str) -> Vec<String> {
    let mut depth = 0usize;
    let mut start = 0;
    let mut parts = Vec::new();
    for (i, c) in value.char_indices() {
        match c {
            '[' => depth += 1,
            ']' => depth = depth.saturating_sub(1),
            ',' if depth == 0 => {
                let next = value[i + 1..].chars().find(|c| !c.is_whitespace());
                if matches!(next, Some('!' | '=' | '<' | '>' | '~')) {
                    continue;
                }
                parts.push(value[start..i].trim());
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(value[start..].trim());
    parts
        .into_iter()
        .filter(|p| !p.is_empty())
        .map(str::to_string)
        .collect()
}

/// One command being read.
struct Cx<'a> {
    level: u32,
    what: &'static str,
    opts: Opts,
    world: &'a dyn World,
    out: FileItems,
}

impl Cx<'_> {
    fn err(&self, msg: impl std::fmt::Display) -> Error {
        Error::usage(format!("{}: {msg}", self.what))
    }

    fn has(&self, names: &[&str]) -> bool {
        has(&self.opts, names)
    }

    fn values(&self, names: &[&str]) -> Vec<String> {
        values(&self.opts, names).map(str::to_string).collect()
    }

    /// A requirement from argv (`uv add`, `uv pip install`, `--with`): PEP 508, a URL, a path.
    fn requirement(&mut self, spec: &str) -> Result<(), Error> {
        let t = classify_line(spec, self.world).map_err(|e| self.err(e))?;
        self.out.targets.push(t);
        Ok(())
    }

    /// `--with a,b[x,y]>=1,<2`: several requirements ([`split_with`]).
    fn comma_requirements(&mut self, value: &str) -> Result<(), Error> {
        for p in split_with(value) {
            self.requirement(&p)?;
        }
        Ok(())
    }

    /// A file of requirements as uv reads `-r` and `uv pip sync|compile` sources: a
    /// pyproject.toml / setup.cfg / setup.py (the project's dependencies), a `pylock.toml`, a
    /// PEP 723 script, else a requirements.txt.
    fn requirements_file(&mut self, path: &str, extras: &[String]) -> Result<(), Error> {
        self.out.targets.push(Target::unnamed(
            Ecosystem::Pypi,
            TargetKind::RequirementsFile,
            path,
            Origin::Argv,
        ));
        let file = Path::new(path)
            .file_name()
            .map(|f| f.to_string_lossy().into_owned())
            .unwrap_or_default();
        let dir = path
            .rsplit_once('/')
            .map_or(".", |(d, _)| if d.is_empty() { "/" } else { d });
        if matches!(file.as_str(), "pyproject.toml" | "setup.cfg" | "setup.py") {
            return pyproject::project(self.world, dir, extras, &mut self.out);
        }
        if file.starts_with("pylock.") && file.ends_with(".toml") {
            let toml = Toml::read(self.world, path)?
                .ok_or_else(|| Error::bad_file(format!("{path}: no such file")))?;
            return pylock::pylock(&toml, &mut self.out);
        }
        if file.ends_with(".py") {
            if let Some(meta) = pyproject::script_metadata(self.world, path)? {
                return pyproject::script_dependencies(&meta, &mut self.out.targets);
            }
            return Err(Error::bad_file(format!(
                "{path}: a Python script without a `# /// script` block names no requirements"
            )));
        }
        read_requirements(self.world, path, false, &Origin::Argv, &mut self.out)
    }

    fn extras(&self) -> Vec<String> {
        let mut out = Vec::new();
        for v in self.values(&["--extra"]) {
            out.extend(v.split(',').map(|e| pep503(e.trim())));
        }
        out
    }

    /// Read what the command installs into `self.out`; false when it installs nothing.
    fn targets(&mut self, positionals: &[String]) -> Result<bool, Error> {
        let world = self.world;
        // Overrides replace requirements (a URL there is what gets installed): read them.
        let mut overrides = self.values(&["--overrides", "--override"]);
        if overrides.is_empty()
            && let Some(v) = env(world, "UV_OVERRIDE")
        {
            overrides.extend(v.split_whitespace().map(str::to_string));
        }
        for f in overrides {
            read_requirements(world, &f, false, &Origin::Argv, &mut self.out)?;
        }
        match self.level {
            PIP_INSTALL => {
                for p in positionals {
                    self.requirement(p)?;
                }
                let extras = self.all_extras_or(self.extras());
                for f in self.values(&["-r", "--requirements", "--requirement"]) {
                    self.requirements_file(&f, &extras)?;
                }
                for e in self.values(&["-e", "--editable"]) {
                    let t = classify_editable(&e, world).map_err(|m| self.err(m))?;
                    self.out.targets.push(t);
                }
                self.pip_groups()?;
                if positionals.is_empty() && self.out.targets.is_empty() && !self.has(&["--group"])
                {
                    return Err(self.err(
                        "the following required arguments were not provided: <PACKAGE|--requirements <REQUIREMENTS>|--editable <EDITABLE>|--group <GROUP>>",
                    ));
                }
            }
            PIP_SYNC | PIP_COMPILE => {
                let extras = self.all_extras_or(self.extras());
                for f in positionals {
                    self.requirements_file(f, &extras)?;
                }
                self.pip_groups()?;
            }
            ADD => {
                if positionals.is_empty() && !self.has(&["-r", "--requirements", "--requirement"]) {
                    return Err(self.err(
                        "the following required arguments were not provided: <PACKAGES|--requirements <REQUIREMENTS>>",
                    ));
                }
                for p in positionals {
                    self.requirement(p)?;
                }
                for f in self.values(&["-r", "--requirements", "--requirement"]) {
                    self.requirements_file(&f, &[])?;
                }
                self.project_or_script()?;
            }
            REMOVE | LOCK | EXPORT | TREE | SYNC => self.project_or_script()?,
            VERSION => {
                // Reading the version installs nothing; setting or bumping it re-locks and
                // syncs the project (unless --dry-run).
                let sets = !positionals.is_empty() || self.has(&["--bump"]);
                if !sets || self.has(&["--dry-run"]) {
                    return Ok(false);
                }
                self.project()?;
            }
            BUILD => {
                let dir = positionals.first().map_or(".", String::as_str);
                let Some(toml) = Toml::read(world, &join(dir, "pyproject.toml"))? else {
                    return Ok(true);
                };
                if let Some(item) = toml.get(&["build-system", "requires"]) {
                    toml.requirements(item, "[build-system] requires", &mut self.out.targets)?;
                }
            }
            RUN => self.run(positionals)?,
            VENV => {
                // `--seed` (or UV_VENV_SEED) installs pip, and setuptools and wheel for a
                // Python before 3.12, from the index in effect (measured, 0.13.9 on 3.11: it
                // asks the index for all three); the Python is not known here, so all three
                // are checked.
                if !self.has(&["--seed"]) && !env_true(world, "UV_VENV_SEED") {
                    return Ok(false);
                }
                for name in ["pip", "setuptools", "wheel"] {
                    self.implied(name, None);
                }
            }
            FORMAT => {
                // uv downloads a ruff release binary (measured, 0.13.9: from releases.astral.sh
                // or GitHub, the newest in astral's version manifest unless `--version` names
                // one; not from the index) and runs it: checked by name as the PyPI project
                // ruff, which the same releases are published as.
                let version = self.values(&["--version"]).pop();
                self.implied("ruff", version.as_deref());
            }
            CHECK => {
                // uv syncs the project (unless --no-sync), then downloads a ty release binary
                // as `format` does ruff (measured) and runs it: ty by name, as for ruff.
                let version = self.values(&["--ty-version"]).pop();
                self.implied("ty", version.as_deref());
                if !self.has(&["--no-sync"]) && !env_true(world, "UV_NO_SYNC") {
                    self.project_or_script()?;
                }
            }
            SELF_UPDATE => {
                // A uv installed by its standalone installer downloads a release of itself
                // (from GitHub, not an index) and replaces its binary: checked by name.
                self.implied("uv", positionals.first().map(String::as_str));
            }
            TOOL_INSTALL | TOOL_RUN | UVX => self.tool(positionals)?,
            TOOL_UPGRADE => {
                if self.has(&["--all"]) || positionals.is_empty() {
                    self.out.targets.push(Target::all_outdated(Ecosystem::Pypi));
                }
                for p in positionals {
                    self.requirement(p)?;
                }
            }
            _ => {}
        }
        pyproject::expand_local_projects(world, &mut self.out)?;
        Ok(true)
    }

    /// A package the command installs or runs without naming it on the command line (the
    /// seed packages of `uv venv --seed`, ruff for `uv format`): by name, at `version` when
    /// one was asked for.
    fn implied(&mut self, name: &str, version: Option<&str>) {
        let spec = version.map(|v| {
            if v.starts_with(|c: char| c.is_ascii_digit()) {
                format!("=={v}")
            } else {
                v.to_string()
            }
        });
        self.out.targets.push(Target::registry(
            Ecosystem::Pypi,
            name,
            spec.as_deref(),
            Origin::Argv,
        ));
    }

    fn all_extras_or(&self, extras: Vec<String>) -> Vec<String> {
        if self.has(&["--all-extras"]) {
            return vec!["*".into()];
        }
        extras
    }

    /// `uv pip install --group [path:]name`: a PEP 735 group (of ./pyproject.toml by default).
    fn pip_groups(&mut self) -> Result<(), Error> {
        for g in self.values(&["--group"]) {
            let (path, group) = match g.rsplit_once(':') {
                Some((p, g)) => (p.to_string(), g.to_string()),
                None => ("pyproject.toml".to_string(), g.clone()),
            };
            let Some(toml) = Toml::read(self.world, &path)? else {
                return Err(Error::bad_file(format!(
                    "{path}: no such file (named by --group {g})"
                )));
            };
            pyproject::dependency_group(&toml, &group, &mut self.out.targets)?;
        }
        Ok(())
    }

    /// `--script PATH` works on a PEP 723 script instead of the project.
    fn project_or_script(&mut self) -> Result<(), Error> {
        if let Some(script) = self.values(&["--script"]).last().cloned() {
            return self.script(&script);
        }
        self.project()
    }

    fn script(&mut self, path: &str) -> Result<(), Error> {
        match pyproject::script_metadata(self.world, path)? {
            Some(meta) => {
                pyproject::script_dependencies(&meta, &mut self.out.targets)?;
                self.settings(&meta, &["tool", "uv"])
            }
            // `uv add --script` on a script without a block creates one: nothing to read.
            None => Ok(()),
        }
    }

    /// The project uv works on (the nearest pyproject.toml from the working directory or
    /// `--project`), what syncing it installs — dependencies, the default `dev` group and the
    /// requested groups and extras, `[tool.uv]` dependency settings and sources — and its
    /// `uv.lock` (every locked package: a superset of what one sync installs).
    fn project(&mut self) -> Result<(), Error> {
        let world = self.world;
        let start = self
            .values(&["--project"])
            .last()
            .cloned()
            .or_else(|| env(world, "UV_PROJECT"))
            .unwrap_or_else(|| ".".into());
        let Some(dir) = find_up(world, &start, "pyproject.toml") else {
            if matches!(
                self.level,
                REMOVE | LOCK | EXPORT | TREE | SYNC | ADD | VERSION
            ) {
                return Err(Error::bad_file(format!(
                    "{}: no `pyproject.toml` found in `{start}` or any parent directory",
                    self.what
                )));
            }
            return Ok(());
        };
        let manifest = join(&dir, "pyproject.toml");
        let extras = self.all_extras_or(self.extras());
        let Some(toml) = Toml::read(world, &manifest)? else {
            return Ok(());
        };
        if toml.get(&["project"]).is_some() {
            pyproject::project(world, &dir, &extras, &mut self.out)?;
        }
        if extras.iter().any(|e| e == "*")
            && let Some(table) = toml
                .get(&["project", "optional-dependencies"])
                .and_then(toml_edit::Item::as_table_like)
        {
            for (_, item) in table.iter() {
                toml.requirements(
                    item,
                    "[project.optional-dependencies]",
                    &mut self.out.targets,
                )?;
            }
        }
        // Groups: `dev` (and `[tool.uv] default-groups`) unless turned off, plus requested ones.
        let defined = pyproject::group_names(&toml);
        let mut groups: Vec<String> = Vec::new();
        let only = self.values(&["--only-group"]);
        if self.has(&["--all-groups"]) {
            groups.extend(defined.iter().cloned());
        } else if !only.is_empty() || self.has(&["--only-dev"]) {
            groups.extend(only.iter().map(|g| pep503(g)));
            if self.has(&["--only-dev"]) {
                groups.push("dev".into());
            }
        } else {
            let no_defaults = self.has(&["--no-default-groups"]);
            if !no_defaults && !self.has(&["--no-dev"]) {
                let defaults = toml
                    .get(&["tool", "uv", "default-groups"])
                    .and_then(|i| i.as_array())
                    .map_or_else(
                        || vec!["dev".to_string()],
                        |a| a.iter().filter_map(|v| v.as_str()).map(pep503).collect(),
                    );
                groups.extend(defaults);
            }
            if self.has(&["--dev"]) {
                groups.push("dev".into());
            }
            groups.extend(self.values(&["--group"]).iter().map(|g| pep503(g)));
        }
        let excluded: Vec<String> = self
            .values(&["--no-group"])
            .iter()
            .map(|g| pep503(g))
            .collect();
        groups.retain(|g| !excluded.contains(g));
        let mut seen = Vec::new();
        for g in groups {
            if seen.contains(&g) || !defined.contains(&g) {
                continue;
            }
            seen.push(g.clone());
            pyproject::dependency_group(&toml, &g, &mut self.out.targets)?;
        }
        // The legacy dev group and the dependency settings of [tool.uv].
        for (key, what) in [
            ("dev-dependencies", "[tool.uv] dev-dependencies"),
            ("override-dependencies", "[tool.uv] override-dependencies"),
        ] {
            if let Some(item) = toml.get(&["tool", "uv", key]) {
                toml.requirements(item, what, &mut self.out.targets)?;
            }
        }
        self.tool_uv_sources(&toml)?;
        // `--frozen` on add/remove/lock: uv writes pyproject.toml without resolving or syncing.
        if (!self.has(&["--frozen"]) || matches!(self.level, SYNC | RUN | EXPORT | TREE))
            && let Some(lock_dir) = find_up(world, &dir, "uv.lock")
        {
            let path = join(&lock_dir, "uv.lock");
            if let Some(lock) = Toml::read(world, &path)? {
                self.out.targets.push(Target::unnamed(
                    Ecosystem::Pypi,
                    TargetKind::Lockfile,
                    &path,
                    Origin::Argv,
                ));
                pylock::uv_lock(&lock, &mut self.out)?;
            }
        }
        Ok(())
    }

    /// `[tool.uv.sources]`: a dependency taken from git, a URL or a path instead of the index.
    fn tool_uv_sources(&mut self, toml: &Toml) -> Result<(), Error> {
        let Some(table) = toml
            .get(&["tool", "uv", "sources"])
            .and_then(toml_edit::Item::as_table_like)
        else {
            return Ok(());
        };
        for (name, item) in table.iter() {
            let entries: Vec<&dyn toml_edit::TableLike> = match item {
                toml_edit::Item::Value(toml_edit::Value::Array(a)) => a
                    .iter()
                    .filter_map(|v| v.as_inline_table().map(|t| t as &dyn toml_edit::TableLike))
                    .collect(),
                other => other.as_table_like().into_iter().collect(),
            };
            for t in entries {
                let s = |k: &str| t.get(k).and_then(toml_edit::Item::as_str);
                let (kind, spec) = if let Some(g) = s("git") {
                    (TargetKind::Git, g)
                } else if let Some(u) = s("url") {
                    (TargetKind::Url, u)
                } else if let Some(p) = s("path") {
                    (TargetKind::Path, p)
                } else {
                    continue; // `index = "name"` or `workspace = true`
                };
                self.out.targets.push(Target {
                    claimed: None,
                    ecosystem: Ecosystem::Pypi,
                    kind,
                    name: Some(name.to_string()),
                    spec: Some(spec.to_string()),
                    origin: toml.origin(item.span()),
                    resolved: None,
                });
            }
        }
        Ok(())
    }

    /// `uv run [--with ...] [--script] <command> ...`: the script's PEP 723 dependencies when
    /// the command is a script that has them, else the project's; plus `--with` packages.
    fn run(&mut self, positionals: &[String]) -> Result<(), Error> {
        for w in self.values(&["--with", "-w", "--with-editable"]) {
            self.comma_requirements(&w)?;
        }
        for f in self.values(&["--with-requirements"]) {
            self.requirements_file(&f, &[])?;
        }
        let command = positionals.first();
        let module = self.has(&["-m", "--module"]);
        if let Some(cmd) = command {
            let lower = cmd.to_ascii_lowercase();
            if (lower.starts_with("https://") || lower.starts_with("http://"))
                && lower
                    .split(['?', '#'])
                    .next()
                    .unwrap_or("")
                    .ends_with(".py")
            {
                // A remote script: uv downloads it and installs what its block names.
                self.out.targets.push(Target::unnamed(
                    Ecosystem::Pypi,
                    TargetKind::DynamicDependencies,
                    &format!("uv downloads the script {cmd} and installs the dependencies its `# /// script` block names"),
                    Origin::Argv,
                ));
                return Ok(());
            }
        }
        if let Some(cmd) = command
            && !module
            && (self.has(&["--script", "-s"]) || cmd.ends_with(".py") || cmd.ends_with(".pyw"))
            && self.world.is_file(Path::new(cmd))
            && let Some(meta) = pyproject::script_metadata(self.world, cmd)?
        {
            pyproject::script_dependencies(&meta, &mut self.out.targets)?;
            return self.settings(&meta, &["tool", "uv"]);
        }
        // The command runs with the environment's bin/ first on PATH, in front of the shim
        // links: a guarded program it names (`uv run pip install x`) is read here.
        if let Some(cmd) = command
            && super::Program::from_name(cmd.as_ref()).is_some()
        {
            let args: Vec<std::ffi::OsString> = positionals[1..]
                .iter()
                .map(std::ffi::OsString::from)
                .collect();
            let inner = super::understand(cmd.as_ref(), &args, self.world)?;
            if inner.installs {
                self.out.targets.extend(inner.targets);
                self.out.sources.extend(inner.sources);
            }
        }
        if self.has(&["--no-project", "--isolated"]) || self.has(&["--no-sync"]) {
            return Ok(());
        }
        self.project()
    }

    /// `uv tool install <spec>`, `uv tool run` / `uvx <command>`: the package (`--from`, else
    /// the command; `name@version` pins), `--with`, `--with-editable`, `--with-requirements`.
    fn tool(&mut self, positionals: &[String]) -> Result<(), Error> {
        let from = self.values(&["--from"]).last().cloned();
        let first = positionals.first().cloned();
        match (from, first) {
            (Some(f), _) => self.tool_spec(&f)?,
            (None, Some(p)) => self.tool_spec(&p)?,
            (None, None) if self.level == TOOL_INSTALL => {
                return Err(
                    self.err("the following required arguments were not provided: <PACKAGE>")
                );
            }
            // `uvx` alone lists the installed tools.
            (None, None) => {}
        }
        for w in self.values(&["--with", "-w", "--with-editable", "--with-executables-from"]) {
            self.comma_requirements(&w)?;
        }
        for f in self.values(&["--with-requirements"]) {
            self.requirements_file(&f, &[])?;
        }
        Ok(())
    }

    /// `name@version` (and `name@latest`) as the tool commands accept it, else a requirement.
    fn tool_spec(&mut self, spec: &str) -> Result<(), Error> {
        if let Some((name, version)) = spec.split_once('@')
            && !name.contains(['/', ' ', ':'])
            && !version.contains(['/', ':', ' '])
            && !version.is_empty()
        {
            let version = (version != "latest").then(|| format!("=={version}"));
            let bare = name.split('[').next().unwrap_or(name);
            self.out.targets.push(Target::registry(
                Ecosystem::Pypi,
                bare,
                version.as_deref(),
                Origin::Argv,
            ));
            return Ok(());
        }
        self.requirement(spec)
    }

    /// Index settings of a settings table (`uv.toml` top level, `[tool.uv]`, a script's
    /// `[tool.uv]`) as sources, in the order uv uses them.
    fn settings(&mut self, toml: &Toml, keys: &[&str]) -> Result<(), Error> {
        let mut s = Settings::default();
        s.read(toml, keys, self.level)?;
        s.into_sources(&mut self.out.sources);
        Ok(())
    }

    /// Every index and find-links location the command uses: the command line, then `UV_*`
    /// variables, then `--config-file` or the project, user and system `uv.toml` /
    /// `[tool.uv]`. One default index (the first that sets it), every extra index.
    fn sources(&self) -> Result<Vec<Source>, Error> {
        let world = self.world;
        let mut s = Settings::default();
        let argv = |names: &[&str], kind: SourceKind, s: &mut Settings| {
            for v in self.values(names) {
                for url in split_indexes(&v, kind) {
                    s.push(kind, &url, Origin::Argv);
                }
            }
        };
        argv(
            &["--default-index", "--index-url", "-i"],
            SourceKind::Index,
            &mut s,
        );
        argv(
            &["--index", "--extra-index-url"],
            SourceKind::ExtraIndex,
            &mut s,
        );
        argv(&["--find-links", "-f"], SourceKind::FindLinks, &mut s);
        if self.has(&["--no-index"]) {
            s.no_index = Some(Origin::Argv);
        }
        for (var, kind, opt) in [
            ("UV_DEFAULT_INDEX", SourceKind::Index, "--default-index"),
            ("UV_INDEX_URL", SourceKind::Index, "--index-url"),
            ("UV_INDEX", SourceKind::ExtraIndex, "--index"),
            (
                "UV_EXTRA_INDEX_URL",
                SourceKind::ExtraIndex,
                "--extra-index-url",
            ),
            ("UV_FIND_LINKS", SourceKind::FindLinks, "--find-links"),
        ] {
            // clap reads the variable only when the option is not on the command line.
            if self.has(&[opt]) {
                continue;
            }
            if let Some(v) = env(world, var) {
                for url in split_indexes(&v, kind) {
                    s.push(kind, &url, Origin::Env(var.into()));
                }
            }
        }
        if let Some(backend) = self
            .values(&["--torch-backend"])
            .last()
            .cloned()
            .or_else(|| env(world, "UV_TORCH_BACKEND"))
        {
            let origin = if self.has(&["--torch-backend"]) {
                Origin::Argv
            } else {
                Origin::Env("UV_TORCH_BACKEND".into())
            };
            s.push(
                SourceKind::ExtraIndex,
                &format!("https://download.pytorch.org/whl/{backend}"),
                origin,
            );
        }
        // Configuration files.
        let config_file = self
            .values(&["--config-file"])
            .last()
            .cloned()
            .or_else(|| env(world, "UV_CONFIG_FILE"));
        // The deprecated global `--isolated` turns configuration off, except for `uv run` and
        // `uv tool run`, where it is their own option (an isolated environment).
        let isolated = self.has(&["--isolated"]) && !matches!(self.level, RUN | TOOL_RUN | UVX);
        let no_config = self.has(&["--no-config"]) || isolated || env_true(world, "UV_NO_CONFIG");
        let mut files: Vec<(String, Vec<&str>)> = Vec::new();
        if let Some(f) = config_file {
            if !world.is_file(Path::new(&f)) {
                return Err(Error::bad_file(format!(
                    "{f}: no such uv configuration file"
                )));
            }
            files.push((f, vec![]));
        } else if !no_config {
            if !matches!(self.level, TOOL_INSTALL | TOOL_RUN | TOOL_UPGRADE | UVX) {
                let start = self
                    .values(&["--project"])
                    .last()
                    .cloned()
                    .or_else(|| env(world, "UV_PROJECT"))
                    .unwrap_or_else(|| ".".into());
                if let Some(f) = project_settings(world, &start)? {
                    files.push(f);
                }
            }
            if let Some(f) = user_config(world) {
                files.push((f, vec![]));
            }
            if !env_true(world, "UV_NO_SYSTEM_CONFIG")
                && let Some(f) = system_config(world)
            {
                files.push((f, vec![]));
            }
        }
        for (file, keys) in files {
            if let Some(toml) = Toml::read(world, &file)? {
                s.read(&toml, &keys, self.level)?;
            }
        }
        let mut out = Vec::new();
        s.into_sources(&mut out);
        Ok(out)
    }
}

/// Index values: `UV_INDEX` and `--index` take whitespace-separated `[name=]url` entries.
fn split_indexes(v: &str, kind: SourceKind) -> Vec<String> {
    let entries: Vec<&str> = match kind {
        SourceKind::FindLinks => v.split([',', ' ']).collect(),
        SourceKind::ExtraIndex => v.split_whitespace().collect(),
        _ => vec![v.trim()],
    };
    entries
        .into_iter()
        .filter(|e| !e.is_empty())
        .map(|e| match e.split_once('=') {
            // `name=url`: a name is a plain word, a URL has a scheme or a path.
            Some((name, url)) if !name.contains(['/', ':']) && !name.is_empty() => url.to_string(),
            _ => e.to_string(),
        })
        .collect()
}

/// The nearest ancestor of `start` (inclusive) holding `file`, as a path to show.
fn find_up(world: &dyn World, start: &str, file: &str) -> Option<String> {
    let mut dir = PathBuf::from(start);
    let abs = world.cwd().join(&dir);
    for (i, ancestor) in abs.ancestors().enumerate() {
        if world.is_file(&ancestor.join(file)) {
            return Some(if i == 0 {
                dir.to_string_lossy().into_owned()
            } else {
                ancestor.to_string_lossy().into_owned()
            });
        }
        dir.push("..");
        if i > 64 {
            break;
        }
    }
    None
}

/// `FilesystemOptions::find`: the nearest directory with a `uv.toml`, or a pyproject.toml that
/// has `[tool.uv]`.
fn project_settings(
    world: &dyn World,
    start: &str,
) -> Result<Option<(String, Vec<&'static str>)>, Error> {
    let abs = world.cwd().join(start);
    for (i, ancestor) in abs.ancestors().enumerate() {
        let shown = |f: &str| {
            if i == 0 {
                join(start, f)
            } else {
                ancestor.join(f).to_string_lossy().into_owned()
            }
        };
        if world.is_file(&ancestor.join("uv.toml")) {
            return Ok(Some((shown("uv.toml"), vec![])));
        }
        let pyproject = ancestor.join("pyproject.toml");
        if world.is_file(&pyproject)
            && let Some(toml) = Toml::read(world, &shown("pyproject.toml"))?
            && toml.get(&["tool", "uv"]).is_some()
        {
            return Ok(Some((shown("pyproject.toml"), vec!["tool", "uv"])));
        }
        if i > 64 {
            break;
        }
    }
    Ok(None)
}

fn user_config(world: &dyn World) -> Option<String> {
    let base = env(world, "XDG_CONFIG_HOME").or_else(|| {
        world
            .home()
            .map(|h| h.join(".config").to_string_lossy().into_owned())
    })?;
    let f = format!("{}/uv/uv.toml", base.trim_end_matches('/'));
    world.is_file(Path::new(&f)).then_some(f)
}

fn system_config(world: &dyn World) -> Option<String> {
    let dirs = env(world, "XDG_CONFIG_DIRS").unwrap_or_else(|| "/etc/xdg".into());
    dirs.split(':')
        .filter(|d| !d.is_empty())
        .map(|d| format!("{}/uv/uv.toml", d.trim_end_matches('/')))
        .chain(std::iter::once("/etc/uv/uv.toml".to_string()))
        .find(|f| world.is_file(Path::new(f)))
}

/// Index settings gathered from every layer, highest precedence first.
#[derive(Default)]
struct Settings {
    default: Option<(String, Origin)>,
    extra: Vec<(String, Origin)>,
    find_links: Vec<(String, Origin)>,
    no_index: Option<Origin>,
}

impl Settings {
    fn push(&mut self, kind: SourceKind, url: &str, origin: Origin) {
        match kind {
            SourceKind::Index => {
                if self.default.is_none() {
                    self.default = Some((url.to_string(), origin));
                }
            }
            SourceKind::FindLinks => self.find_links.push((url.to_string(), origin)),
            _ => self.extra.push((url.to_string(), origin)),
        }
    }

    /// The index keys of one settings table (`[[index]]`, `index-url`, `extra-index-url`,
    /// `find-links`, `no-index`, and under `[pip]` for the `uv pip` commands).
    fn read(&mut self, toml: &Toml, keys: &[&str], level: u32) -> Result<(), Error> {
        let Some(table) = pyproject::get_table(toml, keys) else {
            return Ok(());
        };
        let mut tables: Vec<&dyn toml_edit::TableLike> = vec![table];
        if matches!(level, PIP_INSTALL | PIP_SYNC | PIP_COMPILE)
            && let Some(pip) = table.get("pip").and_then(toml_edit::Item::as_table_like)
        {
            tables.insert(0, pip);
        }
        for t in tables {
            if let Some(item) = t.get("index") {
                let entries: Vec<&dyn toml_edit::TableLike> = match item {
                    toml_edit::Item::ArrayOfTables(a) => {
                        a.iter().map(|x| x as &dyn toml_edit::TableLike).collect()
                    }
                    toml_edit::Item::Value(toml_edit::Value::Array(a)) => a
                        .iter()
                        .filter_map(|v| v.as_inline_table().map(|x| x as &dyn toml_edit::TableLike))
                        .collect(),
                    _ => return Err(toml.error(item.span(), "`index` must be an array of tables")),
                };
                for e in entries {
                    let Some(url) = e.get("url").and_then(toml_edit::Item::as_str) else {
                        return Err(toml.error(item.span(), "an `index` entry needs a `url`"));
                    };
                    let origin = toml.origin(e.get("url").and_then(toml_edit::Item::span));
                    let default = e.get("default").and_then(toml_edit::Item::as_bool) == Some(true);
                    let kind = if default {
                        SourceKind::Index
                    } else {
                        SourceKind::ExtraIndex
                    };
                    self.push(kind, url, origin);
                }
            }
            if let Some(item) = t.get("index-url")
                && let Some(url) = item.as_str()
            {
                self.push(SourceKind::Index, url, toml.origin(item.span()));
            }
            for (key, kind) in [
                ("extra-index-url", SourceKind::ExtraIndex),
                ("find-links", SourceKind::FindLinks),
            ] {
                if let Some(item) = t.get(key) {
                    for (url, origin) in toml.strings(item, key)? {
                        self.push(kind, &url, origin);
                    }
                }
            }
            if let Some(item) = t.get("no-index")
                && item.as_bool() == Some(true)
                && self.no_index.is_none()
            {
                self.no_index = Some(toml.origin(item.span()));
            }
        }
        Ok(())
    }

    fn into_sources(self, out: &mut Vec<Source>) {
        let src = |kind, location: String, origin| Source {
            ecosystem: Ecosystem::Pypi,
            kind,
            location,
            scope: None,
            origin,
        };
        if let Some((url, origin)) = self.default {
            out.push(src(SourceKind::Index, url, origin));
        }
        for (url, origin) in self.extra {
            if !out.iter().any(|s| s.location == url) {
                out.push(src(SourceKind::ExtraIndex, url, origin));
            }
        }
        for (url, origin) in self.find_links {
            out.push(src(SourceKind::FindLinks, url, origin));
        }
        if let Some(origin) = self.no_index {
            out.push(src(SourceKind::NoIndex, "--no-index".into(), origin));
        }
    }
}

/// One option of a `uv pip install` command line, with the arguments it spans.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UvOption {
    pub spell: &'static str,
    pub value: Option<String>,
    /// `args[start..end]` holds it (a cluster of short flags shares one argument).
    pub start: usize,
    pub end: usize,
    /// Before the `pip` word (uv's global options).
    pub global: bool,
}

/// The commands the resolution stage resolves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Command {
    PipInstall,
    Add,
    Sync,
    Lock,
    ToolInstall,
    /// `uv tool run` and `uvx`.
    ToolRun,
    /// `uv run`.
    Run,
    /// `uv remove`.
    Remove,
    /// `uv export` (it locks the project first).
    Export,
}

/// A uv command line read for the resolution stage: which command, its options and where the
/// positional arguments are (for `uv tool run` / `uvx`, the first positional is the command to
/// run and everything after it is the tool's own; so for `uv run`). Pure; `None` for any other command (or help).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scan {
    pub command: Command,
    pub options: Vec<UvOption>,
    pub positionals: Vec<usize>,
    /// Where the command word is (`install` of `uv pip install`; 0 for `uvx`).
    pub command_at: usize,
}

impl Scan {
    /// Whether an option of this spelling was given (any spelling in `names`).
    pub fn has(&self, names: &[&str]) -> bool {
        self.options.iter().any(|o| names.contains(&o.spell))
    }

    /// Whether `spell` is an option the command `to` accepts too (uv's own table).
    pub fn accepted_by(spell: &str, to: Command) -> bool {
        options::OPTIONS
            .iter()
            .any(|o| o.spell == spell && o.cmds & level_of(to) != 0)
    }
}

fn level_of(c: Command) -> u32 {
    match c {
        Command::PipInstall => PIP_INSTALL,
        Command::Add => ADD,
        Command::Sync => SYNC,
        Command::Lock => LOCK,
        Command::ToolInstall => TOOL_INSTALL,
        Command::ToolRun => TOOL_RUN,
        Command::Run => RUN,
        Command::Remove => REMOVE,
        Command::Export => EXPORT,
    }
}

/// `uv <args>` (or `uvx <args>` when `uvx`) read for the resolution stage.
pub fn scan(args: &[String], uvx: bool) -> Option<Scan> {
    let mut i = 0;
    let mut level = if uvx { UVX } else { TOP };
    let mut out = Scan {
        command: Command::ToolRun,
        options: Vec::new(),
        positionals: Vec::new(),
        command_at: 0,
    };
    let mut command = uvx.then_some(Command::ToolRun);
    let mut ended = false;
    while i < args.len() {
        let arg = &args[i];
        if matches!(command, Some(Command::ToolRun | Command::Run)) && !out.positionals.is_empty() {
            // Everything after the command to run is the tool's.
            out.positionals.extend(i..args.len());
            break;
        }
        if !ended && arg == "--" && command.is_some() {
            ended = true;
            i += 1;
            continue;
        }
        if !ended && arg.starts_with('-') && arg.len() > 1 {
            let start = i;
            let read = read_option(args, &mut i, level, "uv").ok()?;
            if read.iter().any(is_help) {
                return None;
            }
            for (spell, value) in read {
                out.options.push(UvOption {
                    spell,
                    value,
                    start,
                    end: i,
                    global: command.is_none(),
                });
            }
            continue;
        }
        if command.is_some() {
            out.positionals.push(i);
            i += 1;
            continue;
        }
        let (next, cmd) = match (level, arg.as_str()) {
            (TOP, "pip") => (PIP, None),
            (TOP, "tool") => (TOOL, None),
            (TOP, "add") => (ADD, Some(Command::Add)),
            (TOP, "sync") => (SYNC, Some(Command::Sync)),
            (TOP, "lock") => (LOCK, Some(Command::Lock)),
            (TOP, "run") => (RUN, Some(Command::Run)),
            (TOP, "remove") => (REMOVE, Some(Command::Remove)),
            (TOP, "export") => (EXPORT, Some(Command::Export)),
            (PIP, "install") => (PIP_INSTALL, Some(Command::PipInstall)),
            (TOOL, "install") => (TOOL_INSTALL, Some(Command::ToolInstall)),
            (TOOL, "run" | "uvx") => (TOOL_RUN, Some(Command::ToolRun)),
            _ => return None,
        };
        level = next;
        if cmd.is_some() {
            out.command_at = i;
        }
        command = cmd;
        i += 1;
    }
    out.command = command?;
    Some(out)
}
