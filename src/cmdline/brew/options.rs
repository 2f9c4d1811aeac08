//! Homebrew's commands that install something and their options as Ruby's OptionParser reads
//! them (`cli/parser.rb`, `cmd/*.rb`): spellings, values, abbreviations. Pure; does not decide
//! what a command installs.

use super::*;

/// Tokens that make `brew.sh` show help instead of running the command (scan stops at `--`).
pub(super) const HELP_FLAGS: [&str; 4] = ["--help", "-h", "--usage", "-?"];

/// `cli/parser.rb` `global_options`: every command has these.
const GLOBAL_OPTS: &[&str] = &["-d|--debug", "-q|--quiet", "-v|--verbose", "-h|--help"];

/// `cli/parser.rb` `global_cask_options` (install, upgrade, reinstall).
const CASK_VALUE_OPTS: &[&str] = &[
    "--appdir=",
    "--appimagedir=",
    "--keyboard-layoutdir=",
    "--colorpickerdir=",
    "--prefpanedir=",
    "--qlplugindir=",
    "--mdimporterdir=",
    "--dictionarydir=",
    "--fontdir=",
    "--servicedir=",
    "--input-methoddir=",
    "--internet-plugindir=",
    "--audio-unit-plugindir=",
    "--vst-plugindir=",
    "--vst3-plugindir=",
    "--screen-saverdir=",
    "--language=",
];

/// `cmd/install.rb`.
const INSTALL_OPTS: &[&str] = &[
    "--display-times",
    "-f|--force",
    "-n|--dry-run",
    "--ask",
    "-y|--yes|--no-ask",
    "--formula|--formulae",
    "--env=",
    "--ignore-dependencies",
    "--only-dependencies",
    "--cc=",
    "-s|--build-from-source",
    "--force-bottle",
    "--include-test",
    "--HEAD",
    "--fetch-HEAD",
    "--keep-tmp",
    "--debug-symbols",
    "--build-bottle",
    "--skip-post-install",
    "--skip-link",
    "--as-dependency",
    "--bottle-arch=",
    "-i|--interactive",
    "-g|--git",
    "--overwrite",
    "--cask|--casks",
    "--[no-]binaries",
    "--require-sha",
    "--[no-]quarantine",
    "--[no-]login-items",
    "--adopt",
    "--skip-cask-deps",
    "--zap",
];

/// `cmd/upgrade.rb`.
const UPGRADE_OPTS: &[&str] = &[
    "--display-times",
    "-f|--force",
    "-n|--dry-run",
    "--ask",
    "-y|--yes|--no-ask",
    "--formula|--formulae",
    "-s|--build-from-source",
    "-i|--interactive",
    "--force-bottle",
    "--fetch-HEAD",
    "--keep-tmp",
    "--debug-symbols",
    "--overwrite",
    "--cask|--casks",
    "--skip-cask-deps",
    "-g|--greedy",
    "--greedy-latest",
    "--greedy-auto-updates",
    "--[no-]binaries",
    "--require-sha",
    "--[no-]quarantine",
];

/// `cmd/reinstall.rb`.
const REINSTALL_OPTS: &[&str] = &[
    "--display-times",
    "-f|--force",
    "--ask",
    "-y|--yes|--no-ask",
    "--formula|--formulae",
    "-s|--build-from-source",
    "-i|--interactive",
    "--force-bottle",
    "--keep-tmp",
    "--debug-symbols",
    "-g|--git",
    "--cask|--casks",
    "--[no-]binaries",
    "--require-sha",
    "--[no-]quarantine",
    "--adopt",
    "--skip-cask-deps",
    "--zap",
];

/// `cmd/fetch.rb`.
const FETCH_OPTS: &[&str] = &[
    "--os=",
    "--arch=",
    "--bottle-tag=",
    "--concurrency=",
    "--HEAD",
    "-f|--force",
    "--retry",
    "--deps",
    "-s|--build-from-source",
    "--build-bottle",
    "--force-bottle",
    "--[no-]quarantine",
    "--formula|--formulae",
    "--cask|--casks",
];

/// `cmd/tap.rb`.
const TAP_OPTS: &[&str] = &["--custom-remote", "--repair", "--eval-all", "-f|--force"];

/// `cmd/bundle.rb`.
const BUNDLE_OPTS: &[&str] = &[
    "--file=",
    "--global",
    "--no-upgrade",
    "--upgrade",
    "--upgrade-formulae=|--upgrade-formula=",
    "--install",
    "--services",
    "-f|--force",
    "--cleanup",
    "--all",
    "--formula|--formulae|--brews",
    "--cask|--casks",
    "--tap|--taps",
    "--mas",
    "--whalebrew",
    "--vscode",
    "--go",
    "--no-vscode",
    "--describe",
    "--no-restart",
    "--zap",
    "--check",
];

/// The commands that fetch, build or install something.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Command {
    Install,
    Reinstall,
    Upgrade,
    Fetch,
    Tap,
    Bundle,
    VersionInstall,
}

impl Command {
    /// `brew.sh` maps aliases; only `instal` reaches the install family. No prefix abbreviation.
    pub(super) fn from_word(word: &str) -> Option<Command> {
        Some(match word {
            "install" | "instal" => Command::Install,
            "reinstall" => Command::Reinstall,
            "upgrade" => Command::Upgrade,
            "fetch" => Command::Fetch,
            "tap" => Command::Tap,
            "bundle" => Command::Bundle,
            "version-install" => Command::VersionInstall,
            _ => return None,
        })
    }

    pub(super) fn name(self) -> &'static str {
        match self {
            Command::Install => "install",
            Command::Reinstall => "reinstall",
            Command::Upgrade => "upgrade",
            Command::Fetch => "fetch",
            Command::Tap => "tap",
            Command::Bundle => "bundle",
            Command::VersionInstall => "version-install",
        }
    }

    fn specs(self) -> Vec<&'static str> {
        let own: &[&str] = match self {
            Command::Install => INSTALL_OPTS,
            Command::Reinstall => REINSTALL_OPTS,
            Command::Upgrade => UPGRADE_OPTS,
            Command::Fetch => FETCH_OPTS,
            Command::Tap => TAP_OPTS,
            Command::Bundle => BUNDLE_OPTS,
            Command::VersionInstall => &[],
        };
        let mut all = own.to_vec();
        if matches!(
            self,
            Command::Install | Command::Reinstall | Command::Upgrade
        ) {
            all.extend_from_slice(CASK_VALUE_OPTS);
        }
        all.extend_from_slice(GLOBAL_OPTS);
        all
    }

    /// `formula_options` in the command's `cmd_args`: `--with-x`/`--without-x` are accepted.
    pub(super) fn formula_options(self) -> bool {
        matches!(
            self,
            Command::Install | Command::Reinstall | Command::Upgrade
        )
    }
}

/// One option as Ruby's OptionParser knows it.
struct BrewOption {
    /// The first long name, without dashes: identifies the option's effect.
    pub(super) canon: String,
    pub(super) longs: Vec<String>,
    pub(super) shorts: Vec<char>,
    pub(super) takes_value: bool,
}

fn build_opts(specs: &[&str]) -> Vec<BrewOption> {
    let mut opts: Vec<BrewOption> = Vec::new();
    for spec in specs {
        let mut opt = BrewOption {
            canon: String::new(),
            longs: Vec::new(),
            shorts: Vec::new(),
            takes_value: false,
        };
        for part in spec.split('|') {
            if let Some(long) = part.strip_prefix("--") {
                let long = match long.strip_suffix('=') {
                    Some(l) => {
                        opt.takes_value = true;
                        l
                    }
                    None => long,
                };
                if let Some(base) = long.strip_prefix("[no-]") {
                    opt.longs.push(base.to_string());
                    opt.longs.push(format!("no-{base}"));
                } else {
                    opt.longs.push(long.to_string());
                }
            } else if let Some(short) = part.strip_prefix('-') {
                opt.shorts.extend(short.chars());
            }
        }
        // A command's own `-d/--debug` shadows the global one of the same name.
        opt.longs
            .retain(|l| !opts.iter().any(|o| o.longs.iter().any(|x| x == l)));
        opt.shorts
            .retain(|s| !opts.iter().any(|o| o.shorts.contains(s)));
        if opt.longs.is_empty() && opt.shorts.is_empty() {
            continue;
        }
        opt.canon = opt.longs.first().cloned().unwrap_or_default();
        opts.push(opt);
    }
    opts
}

/// Ruby `OptionParser::Completion.regexp`: every run of word characters in `key` matches the
/// start of a run of word characters in `cand`, other characters match themselves; the match is
/// case-insensitive and anchored at the start only (`--b-f-s` completes `--build-from-source`).
fn abbrev_matches(key: &str, cand: &str) -> bool {
    let is_w = |ch: char| ch.is_ascii_alphanumeric() || ch == '_';
    let k: Vec<char> = key.chars().collect();
    let c: Vec<char> = cand.chars().collect();
    let (mut i, mut j) = (0, 0);
    while i < k.len() {
        if is_w(k[i]) {
            while i < k.len() && is_w(k[i]) {
                if j >= c.len() || !k[i].eq_ignore_ascii_case(&c[j]) {
                    return false;
                }
                i += 1;
                j += 1;
            }
            while j < c.len() && is_w(c[j]) {
                j += 1;
            }
        } else {
            if j >= c.len() || c[j] != k[i] {
                return false;
            }
            i += 1;
            j += 1;
        }
    }
    true
}

enum Resolved {
    Found(usize),
    Ambiguous(Vec<String>),
    Invalid,
}

/// Ruby OptionParser long-option lookup: exact name first, then completion. Among several
/// completions the shortest wins when it is a prefix of the others or they name the same option
/// (`--cas` → `--cask`, `--forc` → `--force`); otherwise the option is ambiguous.
fn resolve_long(opts: &[BrewOption], name: &str) -> Resolved {
    for (i, o) in opts.iter().enumerate() {
        if o.longs.iter().any(|l| l == name) {
            return Resolved::Found(i);
        }
    }
    let mut cands: Vec<(usize, &str)> = Vec::new();
    for (i, o) in opts.iter().enumerate() {
        for l in &o.longs {
            if abbrev_matches(name, l) {
                cands.push((i, l.as_str()));
            }
        }
    }
    cands.sort_by_key(|(_, l)| l.len());
    let Some(&(mut ci, mut cn)) = cands.first() else {
        return Resolved::Invalid;
    };
    for &(ki, kn) in &cands[1..] {
        if ki == ci {
            continue;
        }
        if cn.starts_with(kn) {
            ci = ki;
            cn = kn;
            continue;
        }
        if kn.starts_with(cn) {
            continue;
        }
        return Resolved::Ambiguous(cands.iter().map(|(_, l)| format!("--{l}")).collect());
    }
    Resolved::Found(ci)
}

/// What `cli/parser.rb` made of the arguments after the command.
#[derive(Default)]
pub(super) struct Parsed {
    pub(super) named: Vec<String>,
    pub(super) switches: Vec<String>,
    pub(super) values: Vec<(String, String)>,
}

impl Parsed {
    pub(super) fn has(&self, canon: &str) -> bool {
        self.switches.iter().any(|s| s == canon)
    }

    pub(super) fn value(&self, canon: &str) -> Option<&str> {
        self.values
            .iter()
            .rev()
            .find(|(k, _)| k == canon)
            .map(|(_, v)| v.as_str())
    }
}

/// `cli/parser.rb` `parse_remaining`: everything after the first `--` is named; before it, each
/// token is fed to OptionParser alone, and an option that needs a value takes the next token.
pub(super) fn parse_options(cmd: Command, args: &[String]) -> Result<Parsed, Error> {
    let opts = build_opts(&cmd.specs());
    let (before, after) = match args.iter().position(|a| a == "--") {
        Some(sep) => (&args[..sep], &args[sep + 1..]),
        None => (args, &[][..]),
    };
    let invalid = |what: &str| {
        Error::usage(format!(
            "brew {}: invalid option: {what} (Homebrew would refuse it)",
            cmd.name()
        ))
    };
    let mut out = Parsed::default();
    let mut i = 0;
    while i < before.len() {
        let arg = &before[i];
        if let Some(body) = arg.strip_prefix("--") {
            let (raw_name, inline) = match body.split_once('=') {
                Some((n, v)) => (n, Some(v)),
                None => (body, None),
            };
            let name = raw_name.replace('_', "-");
            match resolve_long(&opts, &name) {
                Resolved::Found(idx) => {
                    let opt = &opts[idx];
                    if opt.takes_value {
                        let value = match inline {
                            Some(v) => v.to_string(),
                            None => {
                                i += 1;
                                match before.get(i) {
                                    Some(v) => v.clone(),
                                    None => {
                                        return Err(Error::usage(format!(
                                            "brew {}: missing argument: {arg}",
                                            cmd.name()
                                        )));
                                    }
                                }
                            }
                        };
                        out.values.push((opt.canon.clone(), value));
                    } else if inline.is_some() {
                        return Err(Error::usage(format!(
                            "brew {}: needless argument: {arg}",
                            cmd.name()
                        )));
                    } else {
                        out.switches.push(opt.canon.clone());
                    }
                }
                Resolved::Ambiguous(cands) => {
                    return Err(Error::usage(format!(
                        "brew {}: ambiguous option: {arg} ({})",
                        cmd.name(),
                        cands.join(" ")
                    )));
                }
                Resolved::Invalid => {
                    let formula_opt = name.starts_with("with-") || name.starts_with("without-");
                    if !(cmd.formula_options() && formula_opt) {
                        return Err(invalid(arg));
                    }
                }
            }
        } else if let Some(cluster) = arg.strip_prefix('-').filter(|c| !c.is_empty()) {
            // Short switches, possibly clustered (`-sv`). No short option here takes a value.
            for ch in cluster.chars() {
                let Some(opt) = opts.iter().find(|o| o.shorts.contains(&ch)) else {
                    return Err(invalid(arg));
                };
                if opt.takes_value {
                    return Err(invalid(arg));
                }
                out.switches.push(opt.canon.clone());
            }
        } else {
            out.named.push(arg.clone());
        }
        i += 1;
    }
    out.named.extend(after.iter().cloned());
    Ok(out)
}
