//! installguard's own command line (clap): the verbs `run`, `check`, `log`, `shell-init`,
//! `doctor` and `data build`, plus argv[0] dispatch when the binary is invoked through a shim
//! link named `pip`, `npm`, .... Parses our arguments only, never the wrapped tool's.

use std::ffi::OsString;
use std::io::Write;
use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

use crate::exit;
use crate::guard;

#[derive(Parser)]
#[command(
    name = "installguard",
    version,
    about = "Checks every pip, npm and brew install against reputation data before the real tool runs",
    long_about = "installguard stands in front of pip, npm and brew. Its shims work out exactly which \
packages a command would install, check them against known-malicious reports and look-alikes of \
popular packages, ask you (or block) when something is wrong, run the real tool, and record the \
decision in an audit log.\n\nSet up: eval \"$(installguard shell-init bash)\"   (or zsh / fish)\n\
Try it: installguard check -- pip install reqeusts"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run a guarded command: check what it installs, then run the real tool (what shims call)
    #[command(
        arg_required_else_help = true,
        after_help = "Commands that install nothing go straight to the real tool. Exit codes: the real \
tool's own when it ran; 2 the command or a file it reads could not be understood; 3 blocked; \
4 declined or no terminal to ask on; 127 the real tool is not installed."
    )]
    Run {
        /// Accept warn-level findings without asking (never overrides a block). Same as INSTALLGUARD_YES=1
        #[arg(short, long)]
        yes: bool,
        /// What you typed: pip, pip3, pip3.X, python, python3[.X] (only `-m pip` is checked), npm, npx, brew
        program: OsString,
        /// The arguments, passed to the real tool byte for byte
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        args: Vec<OsString>,
    },
    /// Show what a command would install and the verdict, without running anything
    #[command(
        arg_required_else_help = true,
        after_help = "Example: installguard check -- pip install reqeusts\n\
Exit codes: 0 allow, 1 warn-level findings, 3 block, 2 usage or unreadable input."
    )]
    Check {
        /// One JSON object on stdout (targets, sources, findings, verdict)
        #[arg(long)]
        json: bool,
        /// The program, as you would type it (pip, npm, brew, ...)
        program: OsString,
        /// Its arguments
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        args: Vec<OsString>,
    },
    /// Show recent install decisions from the audit log, newest last
    Log {
        /// Print the records exactly as stored (JSON Lines)
        #[arg(long)]
        json: bool,
        /// How many of the most recent records to show
        #[arg(short = 'n', long, default_value_t = 20)]
        limit: usize,
    },
    /// Print the lines that put installguard's shims first on PATH, for your shell's rc file
    #[command(
        after_help = "bash: add  eval \"$(installguard shell-init bash)\"  to ~/.bashrc\n\
zsh:  add  eval \"$(installguard shell-init zsh)\"  to ~/.zshrc\n\
fish: add  installguard shell-init fish | source  to ~/.config/fish/config.fish"
    )]
    ShellInit { shell: Shell },
    /// Check the setup: real tools found, shims first on PATH, data age
    Doctor,
    /// Build or inspect reputation data
    Data {
        #[command(subcommand)]
        command: DataCommand,
    },
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

#[derive(Clone, Copy, ValueEnum)]
pub enum Shell {
    Bash,
    Zsh,
    Fish,
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
        return guard::run(name, &args, guard::RunOptions { yes: false });
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
        Command::Run { yes, program, args } => {
            guard::run(&program, &args, guard::RunOptions { yes })
        }
        Command::Check {
            json,
            program,
            args,
        } => {
            // `check -- pip install x`: clap keeps a leading `--` only when it is explicit.
            guard::check(&program, &args, json)
        }
        Command::Log { json, limit } => crate::commands::log(json, limit),
        Command::ShellInit { shell } => crate::commands::shell_init(shell),
        Command::Doctor => crate::commands::doctor(),
        Command::Data { command } => match command {
            DataCommand::Build { source, out } => crate::commands::data_build(&source, &out),
            DataCommand::Info => crate::commands::data_info(),
        },
    }
}

/// Write to stdout, ignoring a closed pipe (`installguard log | head`).
pub fn out(text: &str) {
    let _ = std::io::stdout().lock().write_all(text.as_bytes());
}
