//! Homebrew command lines: which formulae, casks, taps and Brewfile entries a `brew` invocation would install.
//! Follows docs/cli-grammar.md §3 (Homebrew's `brew.sh`, `cli/parser.rb`, `cmd/*.rb`, `bundle/*.rb`).
//! Does not run Ruby: a Brewfile line that is not a literal entry is an error, never skipped. Does not
//! decide formula-versus-cask for a bare name (it is reported as a formula unless `--cask`), resolve
//! formula aliases or renames, or read `brew exec`/external commands (they pass through).//! Here: what each command installs. `options` (the commands and Ruby OptionParser) and
//! `brewfile` (the Brewfile reader) sit next to it.

mod brewfile;
mod options;
#[cfg(test)]
mod tests;

use std::path::{Path, PathBuf};

use super::{Error, World};
use crate::ecosystem::{Ecosystem, Manager};
use crate::request::{Origin, Request, Source, SourceKind, Target, TargetKind};
use brewfile::*;
use options::*;

/// Environment variables that move where Homebrew downloads metadata, bottles or every artifact
/// from (`env_config.rb`).
const INDEX_ENV: [&str; 3] = [
    "HOMEBREW_API_DOMAIN",
    "HOMEBREW_BOTTLE_DOMAIN",
    "HOMEBREW_ARTIFACT_DOMAIN",
];

/// Read `brew <args>`. See the module documentation for what is and is not understood.
/// The command of a brew command line that may install, and argv as brew.sh leaves it (a
/// leading `-v` moved to the end), read from argv alone; `None`: it installs nothing
/// (help, or a command other than install, reinstall, fetch, upgrade, tap, bundle and
/// version-install), whatever the files say.
fn installing_command(args: &[String]) -> Option<(Command, Vec<String>)> {
    // brew.sh: a leading `-v` moves to the end (`brew -v install x` = `brew install x -v`).
    let mut args: Vec<String> = args.to_vec();
    if args.first().is_some_and(|a| a == "-v") {
        args.rotate_left(1);
    }
    // brew.sh: a help flag anywhere before `--` shows help.
    if args
        .iter()
        .take_while(|a| *a != "--")
        .any(|a| HELP_FLAGS.contains(&a.as_str()))
    {
        return None;
    }
    // The command must come first; `brew --verbose install x` is an unknown command.
    let cmd = args.first().and_then(|w| Command::from_word(w))?;
    Some((cmd, args))
}

/// `brew <args>` installs nothing, whatever the files say (see [`installing_command`]).
pub(crate) fn installs_nothing(args: &[String]) -> bool {
    installing_command(args).is_none()
}

pub fn parse(args: &[String], world: &dyn World) -> Result<Request, Error> {
    let pass = || Ok(Request::pass_through("brew", Manager::Brew));
    let Some((cmd, args)) = installing_command(args) else {
        return pass();
    };
    let parsed = parse_options(cmd, &args[1..])?;
    if parsed.has("help") {
        return pass();
    }
    let mut b = Builder::default();
    match cmd {
        Command::Install | Command::Reinstall | Command::Fetch | Command::Upgrade => {
            let kind = forced_kind(cmd, &parsed)?;
            if parsed.named.is_empty() {
                if cmd != Command::Upgrade {
                    return Err(Error::usage(format!(
                        "brew {}: this command requires at least 1 formula or cask argument",
                        cmd.name()
                    )));
                }
                b.targets.push(Target {
                    ecosystem: Ecosystem::Brew,
                    kind: TargetKind::AllOutdated,
                    name: None,
                    spec: None,
                    origin: Origin::Argv,
                    claimed: None,
                    resolved: None,
                });
            }
            for name in &parsed.named {
                b.package(name, kind, None, Origin::Argv);
            }
        }
        Command::Tap => {
            if parsed.has("repair") || parsed.named.is_empty() {
                return pass();
            }
            if parsed.named.len() > 2 {
                return Err(Error::usage(
                    "brew tap: this command does not take more than 2 arguments",
                ));
            }
            b.tap(
                &parsed.named[0],
                parsed.named.get(1).map(String::as_str),
                Origin::Argv,
            );
        }
        Command::VersionInstall => {
            let (formula, version) = match parsed.named.as_slice() {
                [f] => match f.rsplit_once('@') {
                    Some((base, v)) if !base.is_empty() && !v.is_empty() => (base, v),
                    _ => {
                        return Err(Error::usage(
                            "brew version-install: specify a version with <formula> <version> or <formula>@<version>",
                        ));
                    }
                },
                [f, v] => (
                    f.rsplit_once('@').map_or(f.as_str(), |(base, _)| base),
                    v.as_str(),
                ),
                _ => {
                    return Err(Error::usage(
                        "brew version-install: this command takes 1 or 2 arguments",
                    ));
                }
            };
            b.package(formula, TargetKind::Formula, Some(version), Origin::Argv);
        }
        Command::Bundle => {
            if !bundle(&parsed, world, &mut b)? {
                return pass();
            }
        }
    }
    for var in INDEX_ENV {
        if let Some(value) = world.env(var) {
            let value = value.to_string_lossy().into_owned();
            if !value.is_empty() {
                b.sources.push(Source {
                    ecosystem: Ecosystem::Brew,
                    kind: SourceKind::Index,
                    location: value,
                    scope: None,
                    origin: Origin::Env(var.to_string()),
                });
            }
        }
    }
    Ok(Request {
        program: "brew".to_string(),
        manager: Manager::Brew,
        installs: true,
        targets: b.targets,
        sources: b.sources,
        grammar: None,
        scripts: Vec::new(),
    })
}

/// `--cask`/`--casks` and `--formula`/`--formulae` (they conflict with each other).
fn forced_kind(cmd: Command, parsed: &Parsed) -> Result<TargetKind, Error> {
    match (parsed.has("cask"), parsed.has("formula")) {
        (true, true) => Err(Error::usage(format!(
            "brew {}: options --cask and --formula are mutually exclusive",
            cmd.name()
        ))),
        (true, false) => Ok(TargetKind::Cask),
        _ => Ok(TargetKind::Formula),
    }
}

#[derive(Default)]
struct Builder {
    targets: Vec<Target>,
    sources: Vec<Source>,
}

/// How Homebrew reads one name (`formulary.rb`, `tap_constants.rb`).
enum NameForm<'a> {
    Url,
    Path,
    /// `homebrew/core/wget`, `homebrew/cask/firefox`: the short name, and whether it is a cask.
    Official(&'a str, bool),
    /// `user/repo/name`: the tap (`user/repo`, `homebrew-` prefix dropped).
    Tapped(String),
    Plain,
}

fn is_tap_word(s: &str) -> bool {
    !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

fn is_url(s: &str) -> bool {
    let Some((scheme, _)) = s.split_once("://") else {
        return false;
    };
    let mut chars = scheme.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '.' | '-'))
}

/// A bottle file name: `foo--1.0.arm64_sonoma.bottle.tar.gz`, `….bottle.1.tar.gz`.
fn is_bottle(s: &str) -> bool {
    s.contains(".bottle.") && (s.ends_with(".tar.gz") || s.ends_with(".json"))
}

fn classify(name: &str) -> NameForm<'_> {
    if is_url(name) {
        return NameForm::Url;
    }
    if name.starts_with('/')
        || name.starts_with("./")
        || name.starts_with("../")
        || name.starts_with('~')
        || name == "."
        || name == ".."
        || name.ends_with(".rb")
        || name.ends_with(".json")
        || is_bottle(name)
    {
        return NameForm::Path;
    }
    let parts: Vec<&str> = name.split('/').collect();
    if let [user, repo, short] = parts.as_slice()
        && is_tap_word(user)
        && is_tap_word(repo)
        && !short.is_empty()
    {
        let repo = repo.strip_prefix("homebrew-").unwrap_or(repo);
        if user.eq_ignore_ascii_case("homebrew") {
            if repo.eq_ignore_ascii_case("core") {
                return NameForm::Official(short, false);
            }
            if repo.eq_ignore_ascii_case("cask") {
                return NameForm::Official(short, true);
            }
        }
        return NameForm::Tapped(format!("{user}/{repo}"));
    }
    NameForm::Plain
}

impl Builder {
    /// A formula or cask as named on the line or in a Brewfile (`kind` is Formula or Cask).
    fn package(&mut self, name: &str, kind: TargetKind, spec: Option<&str>, origin: Origin) {
        let spec = spec.map(str::to_string);
        let (kind, name, spec) = match classify(name) {
            NameForm::Url => (TargetKind::Url, None, Some(name.to_string())),
            NameForm::Path => (TargetKind::Path, None, Some(name.to_string())),
            NameForm::Official(short, cask) => {
                let kind = if cask { TargetKind::Cask } else { kind };
                (kind, Some(short.to_string()), spec)
            }
            NameForm::Tapped(tap) => {
                // Auto-tapped (and trusted) by the install: report the new tap too.
                self.tap(&tap, None, origin.clone());
                (kind, Some(name.to_string()), spec)
            }
            NameForm::Plain => (kind, Some(name.to_string()), spec),
        };
        self.targets.push(Target {
            ecosystem: Ecosystem::Brew,
            kind,
            name,
            spec,
            origin,
            claimed: None,
            resolved: None,
        });
    }

    /// A tap: `user/repo` with an optional clone URL. One target and one source per tap name.
    fn tap(&mut self, name: &str, url: Option<&str>, origin: Origin) {
        let name = match name.split_once('/') {
            Some((user, repo)) if is_tap_word(user) && is_tap_word(repo) => {
                format!("{user}/{}", repo.strip_prefix("homebrew-").unwrap_or(repo))
            }
            _ => name.to_string(),
        };
        let exists = self.targets.iter().any(|t| {
            t.kind == TargetKind::Tap
                && t.spec.as_deref() == url
                && t.name
                    .as_deref()
                    .is_some_and(|n| n.eq_ignore_ascii_case(&name))
        });
        if exists {
            return;
        }
        self.targets.push(Target {
            ecosystem: Ecosystem::Brew,
            kind: TargetKind::Tap,
            name: Some(name.clone()),
            spec: url.map(str::to_string),
            origin: origin.clone(),
            claimed: None,
            resolved: None,
        });
        self.sources.push(Source {
            ecosystem: Ecosystem::Brew,
            kind: SourceKind::Tap,
            location: url.map_or(name, str::to_string),
            scope: None,
            origin,
        });
    }
}

/// `brew bundle`: returns false when the subcommand installs nothing.
fn bundle(parsed: &Parsed, world: &dyn World, b: &mut Builder) -> Result<bool, Error> {
    let sub = parsed.named.first().map(String::as_str);
    let installs = match sub {
        None | Some("install" | "upgrade") => {
            if parsed.named.len() > 1 {
                return Err(Error::usage(
                    "brew bundle: this command does not take more than 1 subcommand argument",
                ));
            }
            if parsed.has("install") {
                return Err(Error::usage(
                    "brew bundle: `--install` cannot be used with `install`, `upgrade` or no subcommand",
                ));
            }
            true
        }
        // `--install` runs `brew bundle install` before the other subcommand.
        Some(
            "exec" | "sh" | "env" | "dump" | "cleanup" | "check" | "list" | "edit" | "add"
            | "remove",
        ) => parsed.has("install"),
        Some(other) => {
            return Err(Error::usage(format!(
                "brew bundle: unknown subcommand: {other}"
            )));
        }
    };
    if !installs {
        return Ok(false);
    }
    let (path, origin) = brewfile_path(parsed, world)?;
    let shown = path.to_string_lossy().into_owned();
    b.targets.push(Target::unnamed(
        Ecosystem::Brew,
        TargetKind::Brewfile,
        &shown,
        origin,
    ));
    let bytes = world.read_file(&path).map_err(|e| {
        if e.kind() == std::io::ErrorKind::NotFound {
            Error::bad_file(format!("{shown}: no Brewfile found"))
        } else {
            Error::bad_file(format!("{shown}: cannot read Brewfile: {e}"))
        }
    })?;
    let text = String::from_utf8(bytes)
        .map_err(|_| Error::bad_file(format!("{shown}: Brewfile is not valid UTF-8")))?;
    read_brewfile(&text, &shown, b, world)?;
    Ok(true)
}

fn non_empty_env(world: &dyn World, key: &str) -> Option<String> {
    world
        .env(key)
        .map(|v| v.to_string_lossy().into_owned())
        .filter(|v| !v.is_empty())
}

/// `bundle/brewfile.rb` `Brewfile.path`, then `Pathname#expand_path(Dir.pwd)`.
fn brewfile_path(parsed: &Parsed, world: &dyn World) -> Result<(PathBuf, Origin), Error> {
    let file = parsed.value("file").filter(|f| !f.is_empty());
    let global = parsed.has("global");
    if global && file.is_some() {
        return Err(Error::usage(
            "brew bundle: options --file and --global are mutually exclusive",
        ));
    }
    let env_file = non_empty_env(world, "HOMEBREW_BUNDLE_FILE");
    let home = world.home();
    let (name, origin) = if global {
        if let Some(g) = non_empty_env(world, "HOMEBREW_BUNDLE_FILE_GLOBAL") {
            (g, Origin::Env("HOMEBREW_BUNDLE_FILE_GLOBAL".to_string()))
        } else {
            if env_file.is_some() {
                return Err(Error::usage(
                    "brew bundle: 'HOMEBREW_BUNDLE_FILE' cannot be specified with '--global'",
                ));
            }
            let Some(home) = home.clone() else {
                return Err(Error::usage(
                    "brew bundle --global: no home directory to find ~/.Brewfile in",
                ));
            };
            let legacy = home.join(".Brewfile");
            // bin/brew sets HOMEBREW_USER_CONFIG_HOME from XDG_CONFIG_HOME or ~/.homebrew.
            let chosen = if let Some(xdg) = non_empty_env(world, "XDG_CONFIG_HOME") {
                let xdg_file = Path::new(&xdg).join("homebrew").join("Brewfile");
                if world.is_file(&xdg_file) || !world.is_file(&legacy) {
                    xdg_file
                } else {
                    legacy
                }
            } else {
                let user = home.join(".homebrew").join("Brewfile");
                if world.is_file(&user) { user } else { legacy }
            };
            (chosen.to_string_lossy().into_owned(), Origin::Argv)
        }
    } else if let Some(f) = file {
        // `-` is standard input: read (once) as /dev/stdin, and handed on to brew unchanged.
        let f = if f == "-" { "/dev/stdin" } else { f };
        (f.to_string(), Origin::Argv)
    } else if let Some(e) = env_file {
        (e, Origin::Env("HOMEBREW_BUNDLE_FILE".to_string()))
    } else {
        ("Brewfile".to_string(), Origin::Argv)
    };
    let path = if name == "~" {
        home.ok_or_else(|| Error::usage("brew bundle: no home directory to expand `~`"))?
    } else if let Some(rest) = name.strip_prefix("~/") {
        home.ok_or_else(|| Error::usage("brew bundle: no home directory to expand `~`"))?
            .join(rest)
    } else if name.starts_with('~') {
        return Err(Error::usage(format!(
            "brew bundle: cannot resolve `{name}` (another user's home directory)"
        )));
    } else {
        world.cwd().join(&name)
    };
    Ok((path, origin))
}
