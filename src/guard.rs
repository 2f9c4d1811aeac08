//! The guarded path that shims call: understand → evaluate → decide → run → log.
//! Orchestration only; each step lives in its own module. Pass-through commands are handed to
//! the real tool before any data is loaded, so they cost one process start and a PATH walk.

use std::ffi::{OsStr, OsString};
use std::io::Write;

use crate::audit::{self, DecidedBy, Decision, Record};
use crate::cmdline::{self, ErrorKind, Program};
use crate::exit;
use crate::prompt;
use crate::reputation::store;
use crate::request::Request;
use crate::shim::{self, ChildEnd};
use crate::verdict::{self, Evaluation, Severity, Verdict};
use crate::world::OsWorld;

/// Print a guard message on stderr (never stdout: the wrapped tool's output stays clean).
macro_rules! say {
    ($($arg:tt)*) => {{
        let _ = writeln!(std::io::stderr(), "installguard: {}", format_args!($($arg)*));
    }};
}

pub struct RunOptions {
    /// Accept warn-level findings without asking (`--yes`, `INSTALLGUARD_YES=1`).
    pub yes: bool,
}

fn yes_from_env() -> bool {
    std::env::var_os("INSTALLGUARD_YES").is_some_and(|v| v == "1" || v == "true" || v == "yes")
}

/// The shell-visible name of the program (`pip3`, `npm`), as the real tool's argv[0].
fn argv0(program: &OsStr) -> &OsStr {
    std::path::Path::new(program).file_name().unwrap_or(program)
}

/// `installguard run <program> [args...]`. Returns the process exit code.
pub fn run(program: &OsStr, args: &[OsString], opts: RunOptions) -> i32 {
    let path_var = std::env::var_os("PATH");
    let real = match shim::find_real(argv0(program), path_var.as_deref()) {
        Ok(p) => p,
        Err(e) => {
            say!("{e}");
            return exit::NOT_FOUND;
        }
    };
    let marker = argv0(program).to_string_lossy().into_owned();
    let pass_through = |why: Option<String>| -> i32 {
        if let Some(why) = why {
            say!("{why}");
        }
        let e = shim::exec(&real, argv0(program), args, &marker);
        say!("cannot run {}: {e}", real.display());
        exit::for_spawn_error(&e)
    };
    // Already inside a guarded command (a wrapper calling pip again, an npm lifecycle script).
    if std::env::var_os(shim::MARKER).is_some() || Program::from_name(program).is_none() {
        return pass_through(None);
    }
    let world = match OsWorld::new() {
        Ok(w) => w,
        Err(e) => {
            say!(
                "cannot read the current directory ({e}); refusing to guess what would be installed"
            );
            return exit::USAGE;
        }
    };
    let request = match cmdline::understand(program, args, &world) {
        Ok(r) => r,
        Err(e) if e.kind == ErrorKind::BadFile => {
            say!("{e}");
            say!("nothing was installed: fix the file above and run the command again");
            return exit::USAGE;
        }
        Err(e) => {
            say!("cannot understand this command line: {e}");
            say!(
                "nothing was run. If the command is correct, please report it as an installguard bug"
            );
            return exit::USAGE;
        }
    };
    if !request.installs {
        return pass_through(None);
    }

    let loaded = store::load();
    if let Some(w) = &loaded.warning {
        say!("{w}");
    }
    let evaluation = verdict::evaluate(&request, &loaded.snapshot);
    let (decision, decided_by) = decide(&request, &evaluation, &opts);
    let mut record = record(&request, args, &evaluation, decision, decided_by);
    let code = match decision {
        Decision::Blocked => exit::BLOCKED,
        Decision::Declined => exit::DECLINED,
        Decision::Allowed => match shim::spawn_and_wait(&real, argv0(program), args, &marker) {
            Ok(end) => {
                record.exit_code = Some(end.code());
                if let ChildEnd::Signaled(sig) = end {
                    say!("{} was ended by signal {sig}", marker);
                }
                end.code()
            }
            Err(e) => {
                say!("cannot run {}: {e}", real.display());
                exit::for_spawn_error(&e)
            }
        },
    };
    write_log(&record);
    code
}

/// Apply the verdict: block, ask, or go ahead. Prints the explanation on stderr.
fn decide(request: &Request, evaluation: &Evaluation, opts: &RunOptions) -> (Decision, DecidedBy) {
    match evaluation.verdict {
        Verdict::Allow => (Decision::Allowed, DecidedBy::Policy),
        Verdict::Block => {
            say!("blocked this {} command:", request.program);
            print_findings(evaluation, Severity::Warn);
            say!(
                "the real {} was not run. Nothing was installed.",
                request.program
            );
            (Decision::Blocked, DecidedBy::Policy)
        }
        Verdict::Warn => {
            say!("this install needs a second look:");
            print_findings(evaluation, Severity::Warn);
            if opts.yes || yes_from_env() {
                say!("going ahead: warnings accepted with --yes / INSTALLGUARD_YES=1");
                return (Decision::Allowed, DecidedBy::Yes);
            }
            if !prompt::interactive() {
                say!(
                    "a confirmation is needed but there is no terminal, so nothing was installed. \
                     Fix the command (see the hints above), or accept these warnings with \
                     `installguard run --yes {} ...` or INSTALLGUARD_YES=1.",
                    request.program
                );
                return (Decision::Declined, DecidedBy::NoTerminal);
            }
            match prompt::confirm("Install anyway?") {
                Ok(true) => (Decision::Allowed, DecidedBy::User),
                Ok(false) => {
                    say!("cancelled; nothing was installed");
                    (Decision::Declined, DecidedBy::User)
                }
                Err(e) => {
                    say!("cannot read the answer ({e}); nothing was installed");
                    (Decision::Declined, DecidedBy::NoTerminal)
                }
            }
        }
    }
}

fn print_findings(evaluation: &Evaluation, min: Severity) {
    for f in evaluation.findings.iter().filter(|f| f.severity >= min) {
        let level = match f.severity {
            Severity::Block => "BLOCK",
            Severity::Warn => "WARN",
            Severity::Info => "info",
        };
        let origin = if f.origin == "argv" {
            String::new()
        } else {
            format!(" (from {})", f.origin)
        };
        let _ = writeln!(
            std::io::stderr(),
            "  {level:5} [{}] {}{origin}",
            rule_id(f.rule),
            f.message
        );
    }
}

fn rule_id(rule: verdict::Rule) -> String {
    serde_json::to_value(rule)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

fn record(
    request: &Request,
    args: &[OsString],
    evaluation: &Evaluation,
    decision: Decision,
    decided_by: DecidedBy,
) -> Record {
    Record {
        time: crate::time::now_rfc3339(),
        user: audit::user_name(),
        host: audit::host_name(),
        pid: std::process::id(),
        cwd: std::env::current_dir()
            .map(|p| p.display().to_string())
            .unwrap_or_default(),
        program: request.program.clone(),
        argv: args
            .iter()
            .map(|a| a.to_string_lossy().into_owned())
            .collect(),
        targets: serde_json::to_value(&request.targets).unwrap_or_default(),
        findings: serde_json::to_value(&evaluation.findings).unwrap_or_default(),
        verdict: verdict_str(evaluation.verdict).into(),
        decision,
        decided_by,
        exit_code: None,
        version: env!("CARGO_PKG_VERSION").into(),
    }
}

fn verdict_str(v: Verdict) -> &'static str {
    match v {
        Verdict::Allow => "allow",
        Verdict::Warn => "warn",
        Verdict::Block => "block",
    }
}

fn write_log(record: &Record) {
    let Some(path) = audit::log_path() else {
        say!(
            "WARNING: no state directory (HOME and XDG_STATE_HOME are unset); this decision was not logged"
        );
        return;
    };
    if let Err(e) = audit::append(&path, record) {
        say!(
            "WARNING: could not write the audit log {}: {e}",
            path.display()
        );
    }
}

/// `installguard check`: the same understanding and evaluation, nothing run.
pub fn check(program: &OsStr, args: &[OsString], json: bool) -> i32 {
    let world = match OsWorld::new() {
        Ok(w) => w,
        Err(e) => {
            say!("cannot read the current directory: {e}");
            return exit::USAGE;
        }
    };
    let request = match cmdline::understand(program, args, &world) {
        Ok(r) => r,
        Err(e) => {
            say!("{e}");
            return exit::USAGE;
        }
    };
    let loaded = store::load();
    if let Some(w) = &loaded.warning {
        say!("{w}");
    }
    let evaluation = verdict::evaluate(&request, &loaded.snapshot);
    let mut out = std::io::stdout().lock();
    if json {
        let meta = loaded.snapshot.meta();
        let doc = serde_json::json!({
            "program": request.program,
            "manager": request.manager,
            "installs": request.installs,
            "targets": request.targets,
            "sources": request.sources,
            "verdict": evaluation.verdict,
            "findings": evaluation.findings,
            "data": {
                "origin": loaded.origin.to_string(),
                "built": meta.built,
                "newest-report": meta.newest_report,
            },
        });
        let _ = writeln!(
            out,
            "{}",
            serde_json::to_string_pretty(&doc).unwrap_or_default()
        );
    } else {
        let _ = write_human(&mut out, &request, &evaluation);
    }
    exit::for_check(evaluation.verdict)
}

fn write_human(
    out: &mut impl Write,
    request: &Request,
    evaluation: &Evaluation,
) -> std::io::Result<()> {
    if !request.installs {
        writeln!(
            out,
            "{}: this command installs nothing; it would pass straight through",
            request.program
        )?;
        return Ok(());
    }
    writeln!(
        out,
        "{} ({}) would install:",
        request.program,
        request.manager.as_str()
    )?;
    if request.targets.is_empty() {
        writeln!(out, "  (no packages named)")?;
    }
    for t in &request.targets {
        let spec = match (&t.name, &t.spec) {
            (Some(_), Some(s)) => format!(" {s}"),
            _ => String::new(),
        };
        let kind = serde_json::to_value(t.kind)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default();
        writeln!(
            out,
            "  {}{spec}  [{} {kind}, {}]",
            t.label(),
            t.ecosystem,
            t.origin
        )?;
    }
    for s in &request.sources {
        writeln!(out, "  source: {} ({:?}, {})", s.location, s.kind, s.origin)?;
    }
    for f in &evaluation.findings {
        let level = match f.severity {
            Severity::Block => "BLOCK",
            Severity::Warn => "WARN",
            Severity::Info => "info",
        };
        writeln!(out, "  {level:5} [{}] {}", rule_id(f.rule), f.message)?;
    }
    writeln!(out, "verdict: {}", verdict_str(evaluation.verdict))
}
