//! The guard's part for install-time code and the watch, kept out of `guard` so the
//! orchestration stays readable: the `[scripts]` findings merged into the decision, the answer
//! to install-time code warnings (the prompt's menu, or `[scripts] non-interactive`), the
//! approvals written to the user policy, the scripts-off flag added to the real tool's command
//! line (and refused when the command line asks for the opposite), and the watch's report on the
//! terminal. Decides with the policy; prints through `output`.

use std::ffi::OsString;

use crate::ecosystem::Manager;
use crate::output::{self, say};
use crate::policy::scripts::{Gate, Judged, Status, Tool, gate};
use crate::policy::{self, Applied, Policy};
use crate::request::Request;
use crate::scripts::{Owner, project_digest};
use crate::verdict::{self, Rule, Severity};
use crate::watch;

/// Merge the `[scripts]` judgement of `request`'s install-time code into `applied`.
pub fn apply(applied: &mut Applied, policy: &Policy, request: &Request) {
    let judged = policy::scripts::judge(policy, &request.scripts, Tool::of(request));
    applied
        .evaluation
        .findings
        .extend(judged.findings.iter().cloned());
    applied.evaluation.verdict = verdict::verdict_of(&applied.evaluation.findings);
    applied.loosened.extend(judged.loosened.iter().cloned());
    applied.scripts = judged;
}

/// Builds accepted so the tree could be resolved (`build-from-source`, by the person or the
/// policy): their code ran to learn the tree, so their `build` entries are not asked about
/// again; they run as accepted (`allowed`, saying by what). `built` holds the names (or specs)
/// the resolution had to build.
pub fn accept_builds(applied: &mut Applied, request: &Request, built: &[String]) {
    if built.is_empty() {
        return;
    }
    let mut lifted: Vec<String> = Vec::new();
    let scripts = &mut applied.scripts;
    for ((s, st), by) in request
        .scripts
        .iter()
        .zip(scripts.status.iter_mut())
        .zip(scripts.allowed_by.iter_mut())
    {
        let named = s.package.as_deref().is_some_and(|p| {
            let p = s.ecosystem.normalize(p);
            built.iter().any(|b| s.ecosystem.normalize(b) == p)
        });
        if s.kind == crate::scripts::Kind::Build && *st == Status::Ask && named {
            *st = Status::Allowed;
            *by = Some("its build was accepted to resolve the tree (build-from-source)".into());
            lifted.push(s.who());
        }
    }
    let kept =
        |f: &verdict::Finding| !(f.rule == Rule::InstallScript && lifted.contains(&f.target));
    scripts.findings.retain(kept);
    applied.evaluation.findings.retain(kept);
    applied.evaluation.verdict = verdict::verdict_of(&applied.evaluation.findings);
}

fn is_script_rule(r: Rule) -> bool {
    matches!(r, Rule::InstallScript | Rule::ProjectScript)
}

/// True when every warn-level finding is about install-time code (so its own menu and
/// `[scripts] non-interactive` answer them).
pub fn only_script_warnings(applied: &Applied) -> bool {
    let mut warn = applied
        .evaluation
        .findings
        .iter()
        .filter(|f| f.severity == Severity::Warn)
        .peekable();
    warn.peek().is_some() && warn.all(|f| is_script_rule(f.rule))
}

/// True when `rule` may be lifted by a dated exception (install-time code is approved instead).
pub fn exception_may_lift(rule: Rule) -> bool {
    !is_script_rule(rule)
}

/// How the install-time code warnings were answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    /// Run it as the tool would (at the prompt: `by_user`; else by `[scripts] non-interactive`).
    Run { by_user: bool, reason: String },
    /// Approved at the prompt and remembered in the user policy.
    Approved { reason: String },
    /// Install with the scripts-off flag.
    Off { by_user: bool, reason: String },
    /// Nothing is installed.
    Refuse { by_user: bool, reason: String },
    /// Nothing is installed: Ctrl-C at the menu.
    Interrupted { reason: String },
}

/// The gate that holds back every script the policy asks about, if the tool has one.
fn gate_for_asked(applied: &Applied, request: &Request) -> Option<Gate> {
    let mut gates = request
        .scripts
        .iter()
        .zip(&applied.scripts.status)
        .filter(|(_, st)| **st == Status::Ask)
        .map(|(s, _)| gate(Tool::of(request), s));
    let first = gates.next()??;
    gates.all(|g| g == Some(first)).then_some(first)
}

/// How the install-time code warnings can be answered: at a terminal, or unattended (no
/// terminal, or inside another guarded install, where no prompt is shown).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Asking {
    Terminal,
    NoTerminal,
    Nested,
}

/// Answer the install-time code warnings: at a terminal with the menu, else with
/// `[scripts] non-interactive`.
pub fn answer(request: &Request, applied: &Applied, policy: &Policy, asking: Asking) -> Answer {
    let gate = gate_for_asked(applied, request);
    let without = match asking {
        Asking::Nested => "inside another guarded install",
        _ => "without a terminal",
    };
    if asking != Asking::Terminal {
        let mode = policy.choice("scripts.non-interactive");
        let place = policy
            .get("scripts.non-interactive")
            .filter(|s| s.layer != policy::LayerKind::Default)
            .map_or("built-in default".to_string(), |s| {
                format!("{} policy {}", s.layer.label(), s.at.short())
            });
        let setting = format!("[scripts] non-interactive = \"{mode}\" ({place})");
        return match (mode, gate) {
            ("allow", _) => {
                say!("running it {without}: {setting}; the watch reports what it does");
                Answer::Run {
                    by_user: false,
                    reason: format!("install-time code run {without} by {setting}"),
                }
            }
            ("off", Some(g)) => {
                say!("installing without it ({}): {setting}", g.flag);
                Answer::Off {
                    by_user: false,
                    reason: format!("install-time code held back with {} by {setting}", g.flag),
                }
            }
            _ => {
                say!(
                    "nothing was installed: {setting}{}. Approve it in your policy ([scripts] allow or projects), or run the command at a terminal",
                    if mode == "off" {
                        ", and the tool cannot hold this code back"
                    } else {
                        ""
                    }
                );
                Answer::Refuse {
                    by_user: false,
                    reason: format!("install-time code refused {without} by {setting}"),
                }
            }
        };
    }
    let user_file = policy::load::user_path();
    let approvable = applied
        .scripts
        .status
        .iter()
        .zip(&request.scripts)
        .all(|(st, s)| {
            *st != Status::Ask
                || match s.owner {
                    Owner::Dependency => s.package.is_some(),
                    _ => s.dir.is_some(),
                }
        });
    let locked = ["scripts.allow", "scripts.projects"]
        .iter()
        .any(|k| policy.locked(k).is_some());
    let offer = approvable && !locked && user_file.is_some();
    match crate::prompt::choose_scripts(offer, gate.map(|g| g.flag)) {
        Ok(crate::prompt::ScriptChoice::Once) => Answer::Run {
            by_user: true,
            reason: "install-time code run once at the prompt".into(),
        },
        Ok(crate::prompt::ScriptChoice::Off) => Answer::Off {
            by_user: true,
            reason: format!(
                "installed without its install-time code ({}) at the prompt",
                gate.map_or("", |g| g.flag)
            ),
        },
        Ok(crate::prompt::ScriptChoice::Approve) => {
            let path = user_file.expect("offered only with a user file");
            match approve(request, applied, &path) {
                Ok(what) => {
                    say!("approved {what} in {}", path.display());
                    Answer::Approved {
                        reason: format!("install-time code approved at the prompt: {what}"),
                    }
                }
                Err(e) => {
                    say!(
                        "cannot write the approval to {}: {e}; nothing was installed",
                        path.display()
                    );
                    Answer::Refuse {
                        by_user: true,
                        reason: format!("the approval could not be written: {e}"),
                    }
                }
            }
        }
        Ok(crate::prompt::ScriptChoice::Interrupted) => {
            say!("interrupted; nothing was installed");
            Answer::Interrupted {
                reason: "interrupted at the prompt (Ctrl-C)".into(),
            }
        }
        Ok(crate::prompt::ScriptChoice::Cancel) => {
            say!("cancelled; nothing was installed");
            Answer::Refuse {
                by_user: true,
                reason: "cancelled at the prompt".into(),
            }
        }
        Err(e) => {
            say!("cannot read the answer ({e}); nothing was installed");
            Answer::Refuse {
                by_user: false,
                reason: format!("the answer could not be read: {e}"),
            }
        }
    }
}

/// Write the approvals for every script the policy asked about: dependencies by name
/// (`pkg:npm/esbuild`, any version, as pnpm and bun remember them), project code by directory
/// and digest. Returns what was approved, for the message and the log.
fn approve(
    request: &Request,
    applied: &Applied,
    path: &std::path::Path,
) -> std::io::Result<String> {
    let mut allow: Vec<String> = Vec::new();
    let mut projects: Vec<(String, String, String)> = Vec::new();
    let today = crate::time::format_rfc3339(crate::time::now_unix())[..10].to_string();
    for (s, st) in request.scripts.iter().zip(&applied.scripts.status) {
        if *st != Status::Ask {
            continue;
        }
        match (s.owner, &s.package, &s.dir) {
            (Owner::Dependency, Some(name), _) => {
                let purl = policy::purl::format(s.ecosystem, name, None);
                if !allow.contains(&purl) {
                    allow.push(purl);
                }
            }
            (_, _, Some(dir)) => {
                if let Some(d) = project_digest(&request.scripts, dir)
                    && !projects.iter().any(|(p, _, _)| p == dir)
                {
                    projects.push((dir.clone(), d, today.clone()));
                }
            }
            _ => {}
        }
    }
    policy::edit::add_script_approvals(path, &allow, &projects)?;
    let mut what: Vec<String> = allow;
    what.extend(
        projects
            .iter()
            .map(|(d, _, _)| format!("the install-time code of {d}")),
    );
    Ok(what.join(", "))
}

/// The record's `scripts`: each piece with its status once the answer is known.
pub fn record_json(
    request: &Request,
    judged: &Judged,
    answer: Option<&Answer>,
    off: bool,
) -> serde_json::Value {
    let mut j = judged.clone();
    for (st, s) in j.status.iter_mut().zip(&request.scripts) {
        *st = match (answer, *st) {
            (_, Status::Blocked) => Status::Blocked,
            _ if off
                && gate(Tool::of(request), s).is_some_and(|g| g.all || *st == Status::Unseen) =>
            {
                Status::Off
            }
            (Some(Answer::Approved { .. }), Status::Ask) => Status::Approved,
            (Some(Answer::Run { .. }), Status::Ask) => Status::Allowed,
            (_, other) => other,
        };
    }
    j.json(&request.scripts)
}

/// Where the scripts-off flag goes in the real tool's arguments: npm reads options anywhere
/// before `--`, so first (before the command word, where `npx` also reads it as npm's own);
/// pip only after its command word (`install --only-binary=:all: ...`).
fn flag_position(manager: Manager, program: &str, args: &[String]) -> Option<usize> {
    match manager {
        // npm, pnpm, bun and yarn 1 read options before the command word as their own.
        Manager::Npm | Manager::Pnpm | Manager::Bun | Manager::Yarn => Some(0),
        Manager::Pip => {
            let (skip, rest) = if program.starts_with("python") {
                let rest = crate::cmdline::python::pip_args(args)?;
                (args.len() - rest.len(), rest)
            } else {
                (0, args)
            };
            let scan = crate::cmdline::pip::scan(rest).ok()??;
            Some(skip + scan.command_at + 1)
        }
        _ => None,
    }
}

/// Arguments that ask for the opposite of the gate: the person asked for the code to run.
fn contradicts(gate: Gate, args: &[String]) -> Option<String> {
    let hit = |a: &str| match gate.flag {
        "--ignore-scripts" => {
            a == "--no-ignore-scripts"
                || a == "--ignore-scripts=false"
                || a == "--dangerously-allow-all-scripts"
        }
        _ => a == "--no-binary" || a.starts_with("--no-binary="),
    };
    args.iter()
        .take_while(|a| *a != "--")
        .find(|a| hit(a))
        .cloned()
}

/// The real tool's arguments with the gate's flag added (and what was added), or why it
/// cannot be added.
pub fn add_flag(
    request: &Request,
    args: &[OsString],
    gate: Gate,
) -> Result<(Vec<OsString>, String), String> {
    let text: Vec<String> = args
        .iter()
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
    if let Some(a) = contradicts(gate, &text) {
        return Err(format!(
            "the command line asks for install-time code to run ({a}), but the policy holds it back with {}",
            gate.flag
        ));
    }
    if text.iter().any(|a| a == gate.flag) {
        return Ok((args.to_vec(), String::new()));
    }
    let at = flag_position(request.manager, &request.program, &text).ok_or_else(|| {
        format!(
            "installguard cannot tell where {} goes on this command line",
            gate.flag
        )
    })?;
    let mut out = args.to_vec();
    out.insert(at.min(out.len()), OsString::from(gate.flag));
    Ok((out, gate.flag.to_string()))
}

/// What the watch needs to know about the install: whose credential files the tool reads
/// itself, and whether it fetches git dependencies (which use SSH keys and git credentials).
pub fn watch_context(request: &Request) -> watch::Context {
    use crate::request::TargetKind;
    let git = request.targets.iter().any(|t| t.kind == TargetKind::Git)
        || request
            .scripts
            .iter()
            .any(|s| s.kind == crate::scripts::Kind::GitPrepare);
    watch::Context {
        ecosystem: request.manager.ecosystem(),
        git,
        // SAFETY: geteuid has no preconditions.
        root: unsafe { libc::geteuid() } == 0,
    }
}

/// The watch's report on the terminal, after the tool's own output.
pub fn print_report(report: &watch::Report, program: &str) {
    if !report.behaviour.is_empty() {
        say!(
            "WARNING: while `{program}` ran, installguard saw {} startup location(s) change or credential store(s) being read:",
            report.behaviour.len()
        );
        let mut lines = String::new();
        for b in &report.behaviour {
            lines.push_str(&format!("  {}\n", b.line()));
        }
        output::err(&lines);
        say!(
            "look at what the install ran (`installguard log --behaviour` has the record); undo what you did not expect"
        );
    }
    if !report.coverage.problems.is_empty() {
        say!(
            "the watch was incomplete: {}",
            report.coverage.problems.join("; ")
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(manager: Manager, program: &str) -> Request {
        let mut r = Request::pass_through(program, manager);
        r.installs = true;
        r
    }

    fn added(manager: Manager, program: &str, gate: Gate, argv: &str) -> Result<String, String> {
        let args: Vec<OsString> = argv.split_whitespace().map(OsString::from).collect();
        add_flag(&req(manager, program), &args, gate).map(|(a, _)| {
            a.iter()
                .map(|a| a.to_string_lossy().into_owned())
                .collect::<Vec<_>>()
                .join(" ")
        })
    }

    const NPM: Gate = Gate {
        flag: "--ignore-scripts",
        all: true,
    };
    const PIP: Gate = Gate {
        flag: "--only-binary=:all:",
        all: false,
    };

    #[test]
    fn a_build_accepted_to_resolve_the_tree_is_not_asked_about_again() {
        use crate::ecosystem::Ecosystem;
        use crate::request::Origin;
        use crate::scripts::{Kind, Script};
        let (policy, _) = crate::policy::merge::merge(
            vec![
                crate::policy::parse::parse(
                    crate::policy::DEFAULT_POLICY,
                    "default",
                    crate::policy::LayerKind::Default,
                )
                .0,
            ],
            0,
        );
        let mut r = req(Manager::Pip, "pip");
        let build = |name: &str| {
            let mut s = Script::new(
                Ecosystem::Pypi,
                Owner::Dependency,
                Kind::Build,
                Origin::Argv,
            );
            s.package = Some(name.into());
            s.version = Some("1.0".into());
            s
        };
        r.scripts = vec![build("Probe_Pkg"), build("other")];
        let mut applied = Applied {
            evaluation: verdict::Evaluation {
                verdict: verdict::Verdict::Allow,
                findings: Vec::new(),
            },
            by_exception: false,
            notes: Vec::new(),
            loosened: Vec::new(),
            scripts: Judged::default(),
        };
        apply(&mut applied, &policy, &r);
        assert_eq!(applied.evaluation.findings.len(), 2);
        accept_builds(&mut applied, &r, &["probe-pkg".to_string()]);
        assert_eq!(applied.scripts.status, [Status::Allowed, Status::Ask]);
        assert!(applied.scripts.allowed_by[0].is_some());
        let left: Vec<&str> = applied
            .evaluation
            .findings
            .iter()
            .map(|f| f.target.as_str())
            .collect();
        assert_eq!(left, ["other@1.0"]);
        assert_eq!(applied.evaluation.verdict, verdict::Verdict::Warn);
    }

    #[test]
    fn where_the_flag_goes() {
        assert_eq!(
            added(Manager::Npm, "npm", NPM, "install x").unwrap(),
            "--ignore-scripts install x"
        );
        assert_eq!(
            added(Manager::Npm, "npx", NPM, "exec cowsay -- --x").unwrap(),
            "--ignore-scripts exec cowsay -- --x"
        );
        assert_eq!(
            added(Manager::Npm, "npm", NPM, "ci --ignore-scripts").unwrap(),
            "ci --ignore-scripts"
        );
        assert_eq!(
            added(Manager::Pip, "pip", PIP, "-q --log l.txt install requests").unwrap(),
            "-q --log l.txt install --only-binary=:all: requests"
        );
        assert_eq!(
            added(Manager::Pip, "python3", PIP, "-m pip install requests").unwrap(),
            "-m pip install --only-binary=:all: requests"
        );
        let e = added(Manager::Npm, "npm", NPM, "install --no-ignore-scripts x").unwrap_err();
        assert!(e.contains("--no-ignore-scripts"), "{e}");
        assert!(added(Manager::Pip, "pip", PIP, "install --no-binary :all: x").is_err());
        // After `--` it is an argument of something else, not a request.
        assert!(added(Manager::Npm, "npm", NPM, "exec x -- --no-ignore-scripts").is_ok());
    }
}
