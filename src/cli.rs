//! installguard's own command line (clap): the verbs `run`, `bypass`, `check`, `log`, `shell-init`,
//! `doctor` and `data build`, plus argv[0] dispatch when the binary is invoked through a shim
//! link named `pip`, `npm`, .... Parses our arguments only, never the wrapped tool's.

use std::ffi::OsString;
use std::path::PathBuf;

use clap::{Parser, Subcommand};

use crate::exit;
use crate::guard;
use crate::output::say;
use crate::setup::Shell;

#[derive(Parser)]
#[command(
    name = "installguard",
    version,
    about = "Checks every pip, uv, pipx, poetry, npm, yarn, pnpm, bun and brew install against reputation data before the real tool runs",
    long_about = "installguard stands in front of pip, uv/uvx, pipx, poetry, npm/npx, yarn, \
pnpm/pnpx, bun/bunx and brew. Its shims work out exactly which \
packages a command would install, check them against known-malicious reports and look-alikes of \
popular packages, ask you (or block) when something is wrong, run the real tool, and record the \
decision in an audit log.\n\nSet up: eval \"$(installguard shell-init bash)\"   (or zsh / fish)\n\
Try it: installguard check -- pip install reqeusts\n\
Exit codes: see the table in README.md (\"Exit codes\")."
)]
struct Cli {
    /// Override a policy setting for this command, e.g. --set rules.imitation=block (repeatable;
    /// the highest layer, still bound by the machine policy's locks)
    #[arg(long = "set", value_name = "KEY=VALUE", global = true)]
    set: Vec<String>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run a guarded command: check what it installs, then run the real tool (what shims call)
    #[command(
        arg_required_else_help = true,
        after_help = "installguard's own options (--yes, --set) go BEFORE the program: \
`installguard run --yes -- npx -y cowsay`; everything from the program on belongs to the tool \
and reaches it byte for byte. Commands that install nothing go straight to the real tool. \
Exit codes: the real tool's own when it ran, else see the table in README.md (\"Exit codes\")."
    )]
    Run {
        /// Accept warn-level findings without asking (never overrides a block). Same as INSTALLGUARD_YES=1
        #[arg(short, long)]
        yes: bool,
        #[command(flatten)]
        command: ToolCommand,
    },
    /// Run one command WITHOUT the guard's decision, on purpose and on the record
    #[command(
        arg_required_else_help = true,
        after_help = "The escape hatch for a command installguard gets wrong: the real tool runs \
whatever the findings (they are still shown), and the audit log records it with decided_by \
\"bypass\" and your reason. Installs the command starts in turn (lifecycle scripts, build steps) \
are checked as usual. Refused when the policy sets [prompt] allow-bypass = false.\n\
Example: installguard bypass --reason \"vendor tool, ticket SEC-123\" -- pip install ./vendor/tool\n\
Exit codes: the real tool's own when it ran, else see the table in README.md (\"Exit codes\")."
    )]
    Bypass {
        /// Why (required; written to the audit log)
        #[arg(long, value_name = "TEXT", required = true)]
        reason: String,
        #[command(flatten)]
        command: ToolCommand,
    },
    /// Show what a command would install and the verdict, without running anything
    #[command(
        arg_required_else_help = true,
        after_help = "Example: installguard check -- pip install reqeusts\n\
Exit codes: see the table in README.md (\"Exit codes\")."
    )]
    Check {
        /// One JSON object on stdout (targets, sources, findings, verdict)
        #[arg(long)]
        json: bool,
        /// Also resolve the whole dependency tree with the real tool in its resolve-only mode
        /// (no package code runs; it asks the registry), and check every package of it
        #[arg(long)]
        resolve: bool,
        #[command(flatten)]
        command: ToolCommand,
    },
    /// Show recent install decisions from the audit log, newest last
    #[command(
        after_help = "Times: 2026-11-28T10:00:00Z, 2026-11-28 (UTC midnight) or an age \
like 24h, 7d. To check the log for tampering: installguard audit verify\n\
Exit codes: see the table in README.md (\"Exit codes\")."
    )]
    Log {
        /// Print the records exactly as stored (JSON Lines); same as --format json
        #[arg(long)]
        json: bool,
        /// text, json (the records as stored) or ocsf (OCSF 1.8 Application Lifecycle events)
        #[arg(long, value_name = "FORMAT", value_parser = ["text", "json", "ocsf"])]
        format: Option<String>,
        /// How many of the most recent matching records to show (text: 20 unless given;
        /// json and ocsf exports: every matching record unless given)
        #[arg(short = 'n', long)]
        limit: Option<usize>,
        /// Only decisions at or after this time
        #[arg(long, value_name = "TIME")]
        since: Option<String>,
        /// Only decisions before this time
        #[arg(long, value_name = "TIME")]
        until: Option<String>,
        /// Only this program (`pip` also matches pip3 and pip3.X)
        #[arg(long)]
        program: Option<String>,
        /// Only decisions about this package (name, or part of a URL/path spec)
        #[arg(long)]
        package: Option<String>,
        /// Only allowed, blocked or declined decisions
        #[arg(long, value_parser = ["allowed", "blocked", "declined"])]
        decision: Option<String>,
        /// Only installs during which the watch saw startup locations change or credentials read
        #[arg(long)]
        behaviour: bool,
    },
    /// Check the audit log's hash chain for tampering
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// Print the lines that put installguard's shims first on PATH, for your shell's rc file
    #[command(
        after_help = "bash: add  eval \"$(installguard shell-init bash)\"  to ~/.bashrc\n\
zsh:  add  eval \"$(installguard shell-init zsh)\"  to ~/.zshrc\n\
fish: add  installguard shell-init fish | source  to ~/.config/fish/config.fish"
    )]
    ShellInit { shell: Shell },
    /// Check the setup: real tools found, shims first on PATH, data age
    #[command(
        after_help = "Exit codes: 0 when nothing needs fixing, 1 when a problem is listed; see the table \
in README.md (\"Exit codes\")."
    )]
    Doctor,
    /// Update the reputation data from OSV feeds (npm/all.zip and PyPI/all.zip)
    #[command(
        after_help = "The feeds' malicious-package (MAL-) reports are stored in \
$XDG_DATA_HOME/installguard/reputation.igrep and looked up together with the embedded snapshot: an \
update only adds. A failed update leaves the previous data in use.\n\
Limits per feed: 10 s to resolve and to connect, 30 s for the response and for each read, \
--max-time overall (default 600 s).\n\
Offline or behind a firewall: download npm/all.zip and PyPI/all.zip elsewhere and use --from DIR, \
or set [data] feed in the machine or user policy to your organisation's mirror.\n\
Exit codes: see the table in README.md (\"Exit codes\")."
    )]
    Update {
        /// A feed base URL (https://...; http only for loopback) or a local directory holding
        /// npm/all.zip and PyPI/all.zip. Default: OSV's public bulk-download location
        #[arg(long, value_name = "URL|DIR")]
        from: Option<String>,
        /// Accept a feed that is older or much smaller than the data in use
        #[arg(long)]
        force: bool,
        /// Allow plain http for a non-loopback host (an internal mirror you trust)
        #[arg(long)]
        allow_http: bool,
        /// Largest archive accepted, in bytes
        #[arg(long, default_value_t = crate::update::DEFAULT_MAX_BYTES, hide = true)]
        max_bytes: u64,
        /// Give up on a feed that has not fully arrived after this many seconds
        #[arg(long, value_name = "SECS", default_value_t = crate::update::Limits::DEFAULT.budget.as_secs(),
              value_parser = clap::value_parser!(u64).range(1..))]
        max_time: u64,
        /// The background refresh started after an install ([data] auto-update): quiet, and
        /// its outcome is recorded for `installguard doctor`
        #[arg(long, hide = true)]
        auto: bool,
    },
    /// Validate policy files, or show the effective policy and where each value comes from
    #[command(
        after_help = "Layers, lowest first: built-in defaults, /etc/installguard/policy.toml \
(machine; must be owned by root and writable only by root), $XDG_CONFIG_HOME/installguard/policy.toml \
(user), .installguard.toml in this or a parent directory (project; may only tighten), \
INSTALLGUARD_POLICY_SET (key=value entries separated by ; or newlines), --set KEY=VALUE.\n\
Exit codes: see the table in README.md (\"Exit codes\")."
    )]
    Policy {
        #[command(subcommand)]
        command: PolicyCommand,
    },
    /// Build or inspect reputation data
    Data {
        #[command(subcommand)]
        command: DataCommand,
    },
}

/// `PROGRAM [ARGS]` of `run`, `bypass` and `check`: everything from the program on belongs to
/// the tool (our options come before it).
#[derive(clap::Args)]
struct ToolCommand {
    /// The command as you would type it: a guarded name (pip, pip3.X, python[3[.X]] with
    /// `-m pip`, uv, uvx, pipx, poetry, npm, npx, yarn, pnpm, pnpx, bun, bunx, brew; `doctor`
    /// lists them all), then its arguments, passed to the real tool byte for byte
    #[arg(
        value_name = "PROGRAM [ARGS]",
        required = true,
        num_args = 1..,
        trailing_var_arg = true,
        allow_hyphen_values = true
    )]
    command: Vec<OsString>,
}

impl ToolCommand {
    /// The program and its arguments. A leading `--` is the end of installguard's options, not
    /// the program.
    fn split(self) -> (OsString, Vec<OsString>) {
        let mut command = self.command;
        if command.first().is_some_and(|c| c == "--") {
            command.remove(0);
        }
        let mut words = command.into_iter();
        let program = words.next().unwrap_or_default();
        (program, words.collect())
    }
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Walk the hash chain (rotated files too) and name the first broken record by line
    #[command(
        after_help = "A broken chain means edited, deleted, reordered or truncated records. A clean \
cut of the newest records is only visible against an off-host copy: pass the newest `hash` your \
syslog received as --anchor.\nExit codes: see the table in README.md (\"Exit codes\")."
    )]
    Verify {
        /// Verify this file (and its rotated siblings) instead of the local log
        #[arg(long)]
        file: Option<PathBuf>,
        /// A record hash known from an off-host copy (syslog) that must be in the chain
        #[arg(long, value_name = "HASH")]
        anchor: Option<String>,
    },
}

#[derive(Subcommand)]
enum PolicyCommand {
    /// Report every problem in the policy files in effect (or in FILE alone, judged as the
    /// layer its path makes it: the machine path, a .installguard.toml, the user path; a file
    /// elsewhere that sets `lock` as the machine policy, else as a user policy)
    #[command(
        after_help = "Exit codes: 0 valid, 2 invalid (installs are blocked until it is fixed); see the \
table in README.md (\"Exit codes\")."
    )]
    Check {
        file: Option<PathBuf>,
        /// Judge FILE as this layer instead of by its path
        #[arg(long, value_name = "LAYER", value_parser = ["machine", "user", "project"], requires = "file")]
        layer: Option<String>,
    },
    /// Print the effective policy, each value with the layer and line it came from
    Show,
}

#[derive(Subcommand)]
enum DataCommand {
    /// Build a snapshot from a source directory laid out like the project's data sources
    /// (malicious/*.jsonl, popular/{pypi,npm}.tsv, popular/brew-{formulae,casks}.txt)
    Build {
        /// The source directory
        source: PathBuf,
        /// Where to write the snapshot
        #[arg(long, short)]
        out: PathBuf,
    },
    /// Show what the reputation data in use contains and how old it is
    Info,
}

/// The binary's entry point: returns the exit code.
pub fn main() -> i32 {
    let mut argv = std::env::args_os();
    let argv0 = argv.next().unwrap_or_default();
    // Invoked through a shim link named like the tool: behave as `installguard run <name>`.
    if let Some(name) = std::path::Path::new(&argv0).file_name()
        && crate::cmdline::Program::from_name(name).is_some()
    {
        let args: Vec<OsString> = argv.collect();
        return guard::run(
            name,
            &args,
            guard::RunOptions {
                yes: false,
                overrides: Vec::new(),
                bypass: None,
            },
        );
    }
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() {
                exit::USAGE
            } else {
                exit::OK
            };
        }
    };
    match cli.command {
        Command::Run { yes, command } => {
            let (program, args) = command.split();
            guard::run(
                &program,
                &args,
                guard::RunOptions {
                    yes,
                    overrides: cli.set,
                    bypass: None,
                },
            )
        }
        Command::Bypass { reason, command } => {
            let (program, args) = command.split();
            guard::run(
                &program,
                &args,
                guard::RunOptions {
                    yes: false,
                    overrides: cli.set,
                    bypass: Some(reason),
                },
            )
        }
        Command::Check {
            json,
            resolve,
            command,
        } => {
            let (program, args) = command.split();
            guard::check(&program, &args, json, resolve, &cli.set)
        }
        Command::Log {
            json,
            format,
            limit,
            since,
            until,
            program,
            package,
            decision,
            behaviour,
        } => {
            let now = crate::time::now_unix();
            let when = |s: Option<String>| s.map(|s| crate::audit::parse_when(&s, now)).transpose();
            let query = (|| -> Result<crate::audit::Query, String> {
                Ok(crate::audit::Query {
                    since: when(since)?,
                    until: when(until)?,
                    program,
                    package,
                    decision: decision
                        .as_deref()
                        .map(crate::audit::parse_decision)
                        .transpose()?,
                    behaviour,
                })
            })();
            let format = match (json, format.as_deref()) {
                (true, _) => Ok(crate::audit::LogFormat::Json),
                (false, None) => Ok(crate::audit::LogFormat::Text),
                (false, Some(f)) => f.parse(),
            };
            match (query, format) {
                (Ok(q), Ok(f)) => crate::commands::log(&q, f, limit),
                (Err(e), _) | (_, Err(e)) => {
                    say!("{e}");
                    exit::USAGE
                }
            }
        }
        Command::Audit {
            command: AuditCommand::Verify { file, anchor },
        } => crate::audit::verify_command(file, anchor.as_deref()),
        Command::ShellInit { shell } => crate::setup::shell_init(shell),
        Command::Doctor => crate::commands::doctor(),
        Command::Update {
            from,
            force,
            allow_http,
            max_bytes,
            max_time,
            auto,
        } => crate::update::run(&crate::update::Options {
            from,
            force,
            allow_http,
            max_bytes,
            limits: crate::update::Limits {
                budget: std::time::Duration::from_secs(max_time),
                ..crate::update::Limits::DEFAULT
            },
            auto,
        }),
        Command::Policy { command } => match command {
            PolicyCommand::Check { file, layer } => {
                crate::commands::policy_check(file.as_deref(), layer.as_deref(), &cli.set)
            }
            PolicyCommand::Show => crate::commands::policy_show(&cli.set),
        },
        Command::Data { command } => match command {
            DataCommand::Build { source, out } => crate::commands::data_build(&source, &out),
            DataCommand::Info => crate::commands::data_info(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(line: &str) -> Result<Cli, clap::Error> {
        Cli::try_parse_from(std::iter::once("installguard").chain(line.split_whitespace()))
    }

    fn words(args: &[OsString]) -> String {
        let v: Vec<String> = args.iter().map(|a| a.to_string_lossy().into()).collect();
        v.join(" ")
    }

    /// (command line, --yes, --set values, program, the tool's arguments)
    #[test]
    fn our_options_come_before_the_program_and_the_rest_is_the_tools() {
        for (line, want_yes, want_set, want_program, want_args) in [
            ("run npx -y cowsay", false, "", "npx", "-y cowsay"),
            ("run npx --yes lodahs", false, "", "npx", "--yes lodahs"),
            (
                "run npm --yes install x",
                false,
                "",
                "npm",
                "--yes install x",
            ),
            ("run --yes -- npx -y cowsay", true, "", "npx", "-y cowsay"),
            ("run -y npm i x --set a=b", true, "", "npm", "i x --set a=b"),
            (
                "--set a=b run npm i --set c=d",
                false,
                "a=b",
                "npm",
                "i --set c=d",
            ),
            (
                "run --set a=b pip install x",
                false,
                "a=b",
                "pip",
                "install x",
            ),
            ("run -- pip -- x", false, "", "pip", "-- x"),
            ("run pip --help", false, "", "pip", "--help"),
            ("run pip -h", false, "", "pip", "-h"),
        ] {
            let cli = parse(line).unwrap_or_else(|e| panic!("{line}: {e}"));
            let Command::Run { yes, command } = cli.command else {
                panic!("{line}: not run");
            };
            let (program, args) = command.split();
            assert_eq!(
                (
                    yes,
                    cli.set.join(" "),
                    program.to_string_lossy().into_owned(),
                    words(&args)
                ),
                (
                    want_yes,
                    want_set.to_string(),
                    want_program.to_string(),
                    want_args.to_string()
                ),
                "{line}"
            );
        }
    }

    #[test]
    fn check_and_bypass_read_the_command_the_same_way() {
        let cli = parse("check --json -- npx -y --json x").unwrap();
        let Command::Check { json, command, .. } = cli.command else {
            panic!("not check")
        };
        let (program, args) = command.split();
        assert!(json);
        assert_eq!(program, "npx");
        assert_eq!(words(&args), "-y --json x");
        let cli = parse("bypass --reason why -- pip install --reason x").unwrap();
        let Command::Bypass { reason, command } = cli.command else {
            panic!("not bypass")
        };
        assert_eq!(reason, "why");
        assert_eq!(words(&command.split().1), "install --reason x");
        assert!(
            parse("bypass -- pip install x").is_err(),
            "the reason is required"
        );
        assert!(parse("run").is_err());
    }
}
