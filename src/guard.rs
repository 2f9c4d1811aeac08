//! The guarded path that shims call: understand → evaluate → decide → run → log.
//! Orchestration only; each step lives in its own module. Pass-through commands are handed to
//! the real tool before any data is loaded, so they cost one process start and a PATH walk.

use std::ffi::{OsStr, OsString};
use std::io::Write;

use crate::audit::{self, DecidedBy, Decision, Record};
use crate::cmdline::{self, ErrorKind, Program};
use crate::exit;
use crate::install_code;
use crate::output::{self, say};
use crate::policy::{self, Action};
use crate::prompt;
use crate::reputation::data::Freshness;
use crate::reputation::store;
use crate::request::Request;
use crate::resolve;
use crate::shim::{self, ChildEnd};
use crate::signals;
use crate::verdict::{self, Evaluation, Rule, Severity, Verdict};
use crate::world::OsWorld;

pub struct RunOptions {
    /// Accept warn-level findings without asking (`--yes`, `INSTALLGUARD_YES=1`).
    pub yes: bool,
    /// Policy overrides from the command line (`--set KEY=VALUE`).
    pub overrides: Vec<String>,
    /// `installguard bypass --reason TEXT`: run the tool whatever the findings, on the record.
    pub bypass: Option<String>,
}

fn yes_from_env() -> bool {
    std::env::var_os("INSTALLGUARD_YES").is_some_and(|v| v == "1" || v == "true" || v == "yes")
}

/// The shell-visible name of the program (`pip3`, `npm`), as the real tool's argv[0].
fn argv0(program: &OsStr) -> &OsStr {
    std::path::Path::new(program).file_name().unwrap_or(program)
}

/// `installguard run <program> [args...]` (and `bypass`, and every shim). Returns the process
/// exit code.
pub fn run(program: &OsStr, args: &[OsString], opts: RunOptions) -> i32 {
    if Program::from_name(program).is_none() {
        say!(
            "installguard does not guard `{}`: expected {}; nothing was run",
            program.to_string_lossy(),
            cmdline::guarded_list()
        );
        return exit::USAGE;
    }
    let path_var = std::env::var_os("PATH");
    let real = match shim::find_real(argv0(program), path_var.as_deref()) {
        Ok(p) => p,
        Err(e) => {
            say!("{e}");
            return exit::NOT_FOUND;
        }
    };
    let tool = Tool {
        argv0: shim::real_argv0(program, &real),
        shown: argv0(program).to_string_lossy().into_owned(),
        real,
    };
    let nesting = shim::Nesting::from_marker(std::env::var_os(shim::MARKER).as_deref());
    let world = match OsWorld::reading_pipes() {
        Ok(w) => w,
        Err(e) => {
            say!(
                "cannot read the current directory ({e}); refusing to guess what would be installed"
            );
            return exit::USAGE;
        }
    };
    let (mut request, unreadable) = match cmdline::understand(program, args, &world) {
        Ok(r) => (r, None),
        Err(e) => {
            if e.kind == ErrorKind::BadFile {
                say!("{e}");
            } else {
                say!("cannot understand this command line: {e}");
            }
            (unreadable_request(program), Some(e))
        }
    };
    let handovers = world.handovers();
    match (&unreadable, &opts.bypass) {
        (None, _) if !request.installs => {
            return tool.pass_through(&shim::without_auto_install(program, args), &handovers);
        }
        (Some(e), None) => {
            if e.kind == ErrorKind::BadFile {
                say!("nothing was installed: fix the file above and run the command again");
            } else {
                say!(
                    "nothing was run. If the command is correct, please report it as an installguard bug \
                     (`installguard bypass --reason TEXT -- ...` runs it anyway, on the record)"
                );
            }
            return refuse_unreadable(program, args, &e.message, &opts.overrides, &nesting);
        }
        _ => {}
    }
    cmdline::install_time_code(&mut request, &world);

    let loaded = store::load();
    for w in loaded.notices(crate::time::now_unix()) {
        say!("{w}");
    }
    let policy = policy::load(&opts.overrides);
    let freshness = loaded.data.freshness(crate::time::now_unix());
    let invocation = audit::invocation_id();
    let kind = Program::from_name(program).expect("checked above");
    // The guard's own resolve-only runs of the real tool carry the internal marker: an install
    // that code in them starts is checked like any other, but never resolves again.
    let resolver = resolve::exec::Tool {
        real: tool.real.clone(),
        argv0: tool.argv0.clone(),
        env: vec![(shim::MARKER.into(), nesting.child_marker(&invocation, true))],
    };
    let names_only = |request: &Request| {
        let mut raw = verdict::evaluate(request, &loaded.data);
        signals::check(request, &policy.policy, loaded.data.popular(), &mut raw);
        let mut applied = apply_policy(&policy.policy, request, raw, &loaded);
        install_code::apply(&mut applied, &policy.policy, request);
        applied
    };
    let (checked, mut outcome) = if !policy.is_valid() {
        let outcome = invalid_policy(&request, &policy);
        let applied = policy::Applied {
            evaluation: verdict::evaluate(&request, &loaded.data),
            by_exception: false,
            notes: Vec::new(),
            loosened: Vec::new(),
            scripts: policy::scripts::Judged::default(),
        };
        (Checked::names(&request, applied), outcome)
    } else if nesting.depth > shim::MAX_DEPTH {
        let applied = names_only(&request);
        let outcome = too_deep(&request, &nesting);
        (Checked::names(&request, applied), outcome)
    } else if let Some(reason) = &opts.bypass {
        let applied = names_only(&request);
        let outcome = bypass(
            &request,
            &applied.evaluation,
            &policy.policy,
            reason,
            unreadable.as_ref(),
        );
        (Checked::names(&request, applied), outcome)
    } else {
        let how = Resolving {
            kind,
            tool: &resolver,
            args,
            world: &world,
            // Inside the guard's own resolve-only run, or reading a pipe the tool would read
            // again: the names are checked, the tree is not resolved.
            allowed: !nesting.internal && handovers.is_empty(),
            // npm may run the install as the process that resolves it, held until the verdict:
            // it gets the real install's marker.
            install_env: vec![(shim::MARKER, nesting.child_marker(&invocation, false))],
        };
        check_and_decide(
            &request,
            &policy.policy,
            &loaded,
            &freshness,
            &opts,
            &nesting,
            &how,
        )
    };
    let Checked {
        request,
        applied,
        resolution,
        ..
    } = checked;
    let evaluation = &applied.evaluation;
    let settings = audit_settings(&policy.policy);
    let mut record = Record::new(
        &request,
        args,
        evaluation,
        &loaded,
        outcome.decision,
        outcome.decided_by,
    );
    record.invocation = invocation;
    record.nested = nested(&nesting);
    if record.reason.is_none()
        && let Some(reason) = &outcome.reason
    {
        record.reason = Some(crate::redact::Redacted::new(reason));
    }
    // Nothing was shown for a clean install: say how old the data is at most once a day.
    if record.decision == Decision::Allowed
        && evaluation.verdict == Verdict::Allow
        && let Some(hint) = freshness.hint()
        && store::stale_reminder_due(crate::time::now_unix())
    {
        say!("{hint} (this reminder shows at most once a day)");
    }
    let loosened: Vec<&policy::Loosening> =
        applied.loosened.iter().chain(&outcome.loosened).collect();
    record.loosened = crate::redact::RedactedJson::from_serialize(&loosened);
    if let Some(r) = &resolution {
        record.resolution = crate::redact::RedactedJson::from_value(resolve::record_json(r, None));
    }
    // The scripts-off flag: asked for at the prompt or by `[scripts] non-interactive`, or
    // required by `[scripts]` itself; added to the real tool's command line (and to every
    // step of a resolved install's plan), never silently.
    let gate = outcome
        .scripts_off
        .or(applied.scripts.off.as_ref().map(|(g, _)| *g));
    let mut real_args = args.to_vec();
    let mut resolution = resolution;
    if record.decision == Decision::Allowed
        && let Some(g) = gate
    {
        let planned = match &mut resolution {
            Some(resolve::Outcome::Resolved(r)) => r.plan.steps.iter_mut().collect(),
            _ => Vec::new(),
        };
        match install_code::add_flag(&request, args, g).and_then(|typed| {
            let mut steps = Vec::new();
            for step in &planned {
                steps.push(install_code::add_flag(&request, &step.args, g)?.0);
            }
            Ok((typed, steps))
        }) {
            Ok(((with, added), steps)) => {
                for (step, with) in planned.into_iter().zip(steps) {
                    step.args = with;
                }
                if !added.is_empty() {
                    let why = applied
                        .scripts
                        .off
                        .as_ref()
                        .map(|(_, w)| w.clone())
                        .filter(|_| outcome.scripts_off.is_none())
                        .unwrap_or_else(|| "your answer at the prompt".into());
                    say!(
                        "installguard adds {added} to the {} command line, so install-time code does not run ({why})",
                        request.program
                    );
                    record.added_args = vec![crate::redact::Redacted::new(&added)];
                }
                real_args = with;
            }
            Err(e) => {
                say!("{e}; the real {} was not run", request.program);
                outcome = Outcome::new(Decision::Blocked, DecidedBy::Policy);
                outcome.reason = Some(e);
                record.decision = Decision::Blocked;
                record.decided_by = DecidedBy::Policy;
                record.reason = outcome.reason.as_deref().map(crate::redact::Redacted::new);
            }
        }
    }
    let scripts_json = install_code::record_json(
        &request,
        &applied.scripts,
        outcome.scripts.as_ref(),
        record.decision == Decision::Allowed && gate.is_some(),
    );
    // Masked like the rest of the record: a secret typed on the command line may have been
    // read as a package name.
    let secrets = crate::redact::argv_secrets(args);
    record.scripts = crate::redact::RedactedJson::from_serialize_masking(&scripts_json, &secrets);
    // A tool already running under its hook (npm, pip), holding the checked tree: told why it
    // stops, in its own error line.
    if record.decision != Decision::Allowed
        && let Some(resolve::Outcome::Resolved(r)) = &mut resolution
        && let Some(h) = r.plan.hooked.as_mut()
    {
        h.refuse(if record.decision == Decision::Blocked {
            "the install was blocked"
        } else {
            "the install was declined"
        });
    }
    match record.decision {
        Decision::Blocked => write_log(record, &settings, outcome.block_code),
        Decision::Declined => write_log(record, &settings, outcome.exit.unwrap_or(exit::DECLINED)),
        Decision::Allowed => {
            // Installs the tool starts in turn (lifecycle scripts, build steps) are checked
            // too: the marker tells them they run inside this invocation.
            let marker = nesting.child_marker(&record.invocation, false);
            // The watch runs around the outermost install only: it already sees everything a
            // nested one does.
            let watch = (policy.policy.watch_enabled() && nesting.depth == 0).then(|| {
                (
                    install_code::watch_context(&request),
                    policy.policy.choice("watch.on-finding") == "fail",
                )
            });
            let run = Running {
                tool: &tool,
                args: &real_args,
                marker,
                handovers: &handovers,
                resolution,
                watch,
                scripts_off: gate.is_some(),
            };
            let (code, ran) = run_logged(record, &settings, run);
            if ran && policy.is_valid() {
                crate::update::after_install(&policy.policy, &loaded);
            }
            code
        }
    }
}

/// What the allowed install runs: the real tool, the command line, the marker for what it
/// starts, the pipes the guard read, the resolution (its plan pins the install) and the watch.
struct Running<'a> {
    tool: &'a Tool,
    args: &'a [OsString],
    marker: OsString,
    handovers: &'a [crate::world::Handover],
    resolution: Option<resolve::Outcome>,
    /// Watch the install (and whether a finding fails it).
    watch: Option<(crate::watch::Context, bool)>,
    /// Install-time code is off (`[scripts]` or the answer at the prompt).
    scripts_off: bool,
}

/// Run the real tool between two records of one invocation (the exit code, and whether the tool
/// ran): `starting`, written before the tool
/// runs (so a guard killed meanwhile leaves evidence, and `[audit] required` is proven on disk
/// before anything is installed), then `finished` with the outcome. A resolved tree is
/// installed by its plan (the checked lockfile put in place, the hash-pinned runs) and
/// compared after; otherwise the command runs as typed.
fn run_logged(
    mut record: Record,
    settings: &audit::AuditSettings,
    mut run: Running,
) -> (i32, bool) {
    record.event = audit::Event::Starting;
    let report = audit::commit(settings, record.clone());
    for w in &report.warnings {
        say!("WARNING: {w}");
    }
    if let Some(e) = report.failure {
        say!("{e}");
        say!(
            "the real {} was not run. Nothing was installed.",
            record.program
        );
        // Close the invocation: after its `starting` record if that was written.
        let mut closing = if report.appended.is_some() {
            record.finished(None)
        } else {
            let mut r = record.clone();
            r.event = audit::Event::Decided;
            r
        };
        closing.decision = Decision::Blocked;
        closing.decided_by = DecidedBy::Audit;
        closing.reason = Some(crate::redact::Redacted::new(&e.to_string()));
        for w in audit::commit(settings, closing).warnings {
            say!("WARNING: {w}");
        }
        return (exit::DATA, false);
    }
    let tool = run.tool;
    // npm or pip already running, holding the checked tree: the install is its go-ahead.
    let mut hooked = match &mut run.resolution {
        Some(resolve::Outcome::Resolved(r)) => r.plan.hooked.take(),
        _ => None,
    };
    let plan = match &run.resolution {
        Some(resolve::Outcome::Resolved(r)) if !r.plan.steps.is_empty() || hooked.is_some() => {
            Some(&r.plan)
        }
        _ => None,
    };
    let as_typed = [resolve::Step {
        args: run.args.to_vec(),
        env: Vec::new(),
    }];
    let (steps, handovers): (&[resolve::Step], _) = match plan {
        Some(p) => (&p.steps, &[][..]),
        None => (&as_typed, run.handovers),
    };
    let writes = plan.map(|p| p.writes.as_slice()).unwrap_or_default();
    if let Err(e) = resolve::exec::put_in_place(writes) {
        resolve::exec::restore(writes, true);
        say!("cannot put the checked package.json / lockfile in place: {e}; nothing was installed");
        record.reason = Some(crate::redact::Redacted::new(&format!(
            "the checked lockfile could not be put in place: {e}"
        )));
        return (write_log(record.finished(None), settings, 1), false);
    }
    // The watch: a snapshot just before the tool starts, reads watched while it runs.
    let watching = run
        .watch
        .map(|(ctx, fail)| (crate::watch::start(ctx), fail));
    let mut outcome = (Some(0), 0);
    if let Some(h) = &mut hooked {
        // The same rule as for a tool not yet started: a signal the guard was given while it
        // checked or asked means npm is told no.
        if let Some(sig) = shim::take_held_signal() {
            h.refuse(&format!("stopped by signal {sig}"));
            say!(
                "stopped by signal {sig} before {} installed anything; it was told not to",
                tool.shown
            );
            record.reason = Some(crate::redact::Redacted::new(&format!(
                "the guard was stopped by signal {sig} before the install"
            )));
            outcome = (None, 128 + sig);
        } else {
            let end = h.allow(run.scripts_off);
            if let ChildEnd::Signaled(sig) = end {
                say!("{} was ended by signal {sig}", tool.shown);
            }
            outcome = (Some(end.code()), end.code());
        }
    }
    for step in steps {
        let mut env = vec![(shim::MARKER, run.marker.clone())];
        env.extend(step.env.iter().cloned());
        if let Some(sig) = shim::take_held_signal() {
            say!(
                "stopped by signal {sig} before {} started; it was not run",
                tool.shown
            );
            record.reason = Some(crate::redact::Redacted::new(&format!(
                "the guard was stopped by signal {sig} before the tool started"
            )));
            outcome = (None, 128 + sig);
            break;
        }
        outcome = match shim::spawn_and_wait(&tool.real, &tool.argv0, &step.args, &env, handovers) {
            Ok(end) => {
                if let ChildEnd::Signaled(sig) = end {
                    say!("{} was ended by signal {sig}", tool.shown);
                }
                (Some(end.code()), end.code())
            }
            Err(e) => {
                say!("cannot run {}: {e}", tool.real.display());
                record.reason = Some(crate::redact::Redacted::new(&format!(
                    "the real tool could not be run: {e}"
                )));
                (None, exit::for_spawn_error(&e))
            }
        };
        if outcome.0 != Some(0) {
            break;
        }
    }
    let (exit_code, mut code) = outcome;
    // npm writes package.json and its lockfile only when it succeeds: so does the guard (a
    // one-off run's files stay: its exit code is the program's). Files that were only the
    // install's input (`--no-save`) go back either way.
    let failed = exit_code != Some(0) && !plan.is_some_and(|p| p.keep_writes);
    resolve::exec::restore(writes, failed);
    if let Some(r) = &run.resolution {
        let verified = plan
            .and_then(|p| p.verify.as_ref())
            .filter(|_| exit_code == Some(0))
            .map(resolve::exec::verify);
        if let Some(v) = &verified {
            if !v.drift.is_empty() {
                say!(
                    "WARNING: what was installed differs from the checked tree ({} difference(s)): {}",
                    v.drift.len(),
                    v.drift
                        .iter()
                        .take(5)
                        .cloned()
                        .collect::<Vec<_>>()
                        .join("; ")
                );
            }
            if let Some(why) = &v.unverifiable {
                say!("the install could not be compared with the checked tree: {why}");
            }
        }
        record.resolution =
            crate::redact::RedactedJson::from_value(resolve::record_json(r, verified.as_ref()));
    }
    let mut finished = record.finished(exit_code);
    if let Some((w, fail)) = watching {
        let report = w.finish();
        install_code::print_report(&report, &record.program);
        let secrets = crate::redact::argv_secrets(run.args);
        finished.behaviour =
            crate::redact::RedactedJson::from_serialize_masking(&report.behaviour, &secrets);
        finished.watch =
            crate::redact::RedactedJson::from_serialize_masking(&report.coverage, &secrets);
        if fail && !report.behaviour.is_empty() && code == 0 {
            say!(
                "exiting with {}: [watch] on-finding = \"fail\"",
                exit::BEHAVIOUR
            );
            code = exit::BEHAVIOUR;
        }
    }
    (write_log(finished, settings, code), exit_code.is_some())
}

/// The real tool behind a guarded command.
struct Tool {
    real: std::path::PathBuf,
    /// Its argv[0] ([`shim::real_argv0`]).
    argv0: OsString,
    /// The name for messages (`pip3`).
    shown: String,
}

impl Tool {
    /// Hand a command that installs nothing to the real tool: `exec`, or, when the guard read
    /// a pipe the command names, spawn it with the same bytes on a fresh pipe.
    fn pass_through(&self, args: &[OsString], handovers: &[crate::world::Handover]) -> i32 {
        if let Some(sig) = shim::take_held_signal() {
            say!(
                "stopped by signal {sig} before {} started; it was not run",
                self.shown
            );
            return 128 + sig;
        }
        if handovers.is_empty() {
            let e = shim::exec(&self.real, &self.argv0, args, &[]);
            say!("cannot run {}: {e}", self.real.display());
            return exit::for_spawn_error(&e);
        }
        match shim::spawn_and_wait(&self.real, &self.argv0, args, &[], handovers) {
            Ok(end) => end.code(),
            Err(e) => {
                say!("cannot run {}: {e}", self.real.display());
                exit::for_spawn_error(&e)
            }
        }
    }
}

/// What the record says about where this install runs (None at the top level).
fn nested(nesting: &shim::Nesting) -> Option<audit::Nested> {
    (nesting.depth > 0).then(|| audit::Nested {
        depth: nesting.depth,
        parent: nesting.parent.clone(),
        foreign: nesting.foreign,
    })
}

/// The request recorded for a command that could not be understood: an install of nothing
/// known.
fn unreadable_request(program: &OsStr) -> Request {
    let manager = Program::from_name(program).map_or(
        crate::ecosystem::Manager::Pip,
        super::cmdline::Program::manager,
    );
    let mut request = Request::pass_through(&argv0(program).to_string_lossy(), manager);
    request.installs = true;
    request
}

/// The request as checked (with the resolved tree in it), its evaluation after policy, and
/// what resolution came to (`None`: not attempted).
struct Checked {
    request: Request,
    applied: policy::Applied,
    resolution: Option<resolve::Outcome>,
    /// Resolution waits for the decision on what the command itself names.
    deferred: bool,
}

impl Checked {
    /// Names only: the request as the command line has it, nothing resolved.
    fn names(request: &Request, applied: policy::Applied) -> Checked {
        Checked {
            request: request.clone(),
            applied,
            resolution: None,
            deferred: false,
        }
    }
}

/// Check the command, resolve its tree, check that, and decide. A command whose named packages
/// are already blocked is not resolved (the tool fetches nothing); one they warn about is decided first
/// (the tool is not even asked about a typosquat before you confirm it), then resolved. When
/// learning the tree needs a build that runs package code, that is decided first too; once
/// allowed, the tree is resolved with the build. After the first decision, only what a later
/// round adds is decided again (at most four rounds).
fn check_and_decide(
    request: &Request,
    policy: &policy::Policy,
    loaded: &store::Loaded,
    freshness: &Freshness,
    opts: &RunOptions,
    nesting: &shim::Nesting,
    how: &Resolving,
) -> (Checked, Outcome) {
    let mut settings = resolve::Settings::from_policy(policy);
    settings.enabled &= how.allowed;
    settings.install_env.clone_from(&how.install_env);
    let mut step = Round {
        first: true,
        decided: false,
        builds: resolve::Builds::default(),
    };
    let mut accepted: Vec<(String, Rule, String)> = Vec::new();
    let key = |f: &verdict::Finding| (f.target.clone(), f.rule, f.origin.clone());
    // The last decision that allowed the install: what a later round keeps when it adds
    // nothing to decide.
    let mut allowed: Option<Outcome> = None;
    // What was accepted to be built so the tree could be resolved: its code has run by then,
    // so `[scripts]` does not ask about the same build again.
    let mut built: Vec<String> = Vec::new();
    for round in 1..=4 {
        let mut checked = check_tree(request, policy, loaded, how, &settings, &step);
        install_code::accept_builds(&mut checked.applied, &checked.request, &built);
        if let Some(resolve::Outcome::Unresolved(u)) = &checked.resolution
            && u.failure == resolve::Failure::Interrupted
        {
            say!("{}; nothing was installed", u.detail);
            let mut o = Outcome::new(Decision::Declined, DecidedBy::User);
            o.reason = Some(u.detail.clone());
            o.exit = Some(128 + u.signal.unwrap_or(2));
            return (checked, o);
        }
        let outcome = if step.first {
            decide(
                request,
                how.args,
                &checked.applied,
                policy,
                opts,
                freshness,
                nesting,
            )
        } else {
            let new: Vec<verdict::Finding> = checked
                .applied
                .evaluation
                .findings
                .iter()
                .filter(|f| f.severity >= Severity::Warn && !accepted.contains(&key(f)))
                .cloned()
                .collect();
            if new.is_empty() {
                allowed
                    .take()
                    .unwrap_or_else(|| Outcome::new(Decision::Allowed, DecidedBy::Policy))
            } else {
                say!("the whole dependency tree showed more to check:");
                let delta = policy::Applied {
                    evaluation: Evaluation {
                        verdict: verdict::verdict_of(&new),
                        findings: new,
                    },
                    by_exception: false,
                    notes: Vec::new(),
                    loosened: Vec::new(),
                    // The install-time code's answer covers all of it (the new finding's too).
                    scripts: checked.applied.scripts.clone(),
                };
                let mut o = decide(
                    &checked.request,
                    how.args,
                    &delta,
                    policy,
                    opts,
                    freshness,
                    nesting,
                );
                if let Some(before) = allowed.take() {
                    o.loosened.splice(0..0, before.loosened);
                }
                o
            }
        };
        if checked.applied.evaluation.verdict != Verdict::Allow
            && let Some(resolve::Outcome::Resolved(r)) = &checked.resolution
        {
            say!(
                "{} resolved {} package(s) to check ({} direct)",
                r.tool,
                r.packages.len(),
                r.packages.iter().filter(|p| p.resolved.direct).count()
            );
        }
        if let Some(resolve::Outcome::Resolved(r)) = &checked.resolution {
            for n in &r.notes {
                say!("{n}");
            }
        }
        let (needs, builds) = match &checked.resolution {
            Some(resolve::Outcome::Unresolved(u)) if u.failure == resolve::Failure::NeedsBuild => {
                (u.needs, u.builds.as_slice())
            }
            _ => (resolve::Builds::default(), &[][..]),
        };
        let deferred = checked.deferred;
        let widens = (needs.direct && !step.builds.direct) || (needs.index && !step.builds.index);
        if outcome.decision != Decision::Allowed || !(widens || deferred) || round == 4 {
            return (checked, outcome);
        }
        accepted.extend(
            checked
                .applied
                .evaluation
                .findings
                .iter()
                .filter(|f| f.severity >= Severity::Warn)
                .map(key),
        );
        built.extend(builds.iter().cloned());
        allowed = Some(outcome);
        step.first = false;
        step.decided = true;
        step.builds.direct |= needs.direct;
        step.builds.index |= needs.index;
    }
    unreachable!("the loop returns by its last round")
}

/// How the tree is resolved: which tool's resolver, the real tool as the guard runs it, the
/// command line, the files, and whether resolving is allowed here at all.
struct Resolving<'a> {
    kind: Program,
    tool: &'a resolve::exec::Tool,
    args: &'a [OsString],
    world: &'a dyn cmdline::World,
    allowed: bool,
    /// The real install's environment, for a resolver that starts the install itself.
    install_env: Vec<(&'static str, OsString)>,
}

/// Where the decide-and-resolve loop is.
struct Round {
    /// The first decision is on everything; later ones only on what is new.
    first: bool,
    /// The user or policy has already allowed what the command names.
    decided: bool,
    builds: resolve::Builds,
}

/// One round of checks: the verdict on what the command names (reputation, registry signals,
/// policy); unless that blocks (or warns and nothing was decided yet), the resolved tree
/// merged in (or why it could not be resolved) and checked whole.
fn check_tree(
    request: &Request,
    policy: &policy::Policy,
    loaded: &store::Loaded,
    how: &Resolving,
    settings: &resolve::Settings,
    step: &Round,
) -> Checked {
    let mut raw = verdict::evaluate(request, &loaded.data);
    signals::check(request, policy, loaded.data.popular(), &mut raw);
    let named = apply_policy(policy, request, raw.clone(), loaded)
        .evaluation
        .verdict;
    let deferred = settings.enabled && named == Verdict::Warn && !step.decided;
    let resolution = (settings.enabled && named != Verdict::Block && !deferred).then(|| {
        resolve::stage::resolve(
            how.kind,
            how.tool,
            how.args,
            request,
            how.world,
            settings,
            step.builds,
        )
    });
    let (merged, extra) = match &resolution {
        Some(resolve::Outcome::Resolved(r)) => (resolve::merge(request, r), Vec::new()),
        Some(resolve::Outcome::Unresolved(u)) => (
            request.clone(),
            resolve::unresolved_findings(request, u, how.world.cwd()),
        ),
        _ => (request.clone(), Vec::new()),
    };
    // The resolved tree is checked whole: the command's own packages again at their resolved
    // versions (registry answers come from the cache), the rest for the first time.
    if matches!(resolution, Some(resolve::Outcome::Resolved(_))) {
        raw = verdict::evaluate(&merged, &loaded.data);
        signals::check(&merged, policy, loaded.data.popular(), &mut raw);
    }
    raw.findings.extend(extra);
    raw.verdict = verdict::verdict_of(&raw.findings);
    let mut applied = apply_policy(policy, &merged, raw, loaded);
    install_code::apply(&mut applied, policy, &merged);
    Checked {
        request: merged,
        applied,
        resolution,
        deferred,
    }
}

/// An install whose command line or input file cannot be read is refused (exit 2); the
/// refusal is a decision like any other, so it is logged with the reason.
fn refuse_unreadable(
    program: &OsStr,
    args: &[OsString],
    reason: &str,
    overrides: &[String],
    nesting: &shim::Nesting,
) -> i32 {
    let request = unreadable_request(program);
    let loaded = store::load();
    let evaluation = Evaluation {
        verdict: Verdict::Block,
        findings: Vec::new(),
    };
    let settings = audit_settings(&policy::load(overrides).policy);
    let mut record = Record::new(
        &request,
        args,
        &evaluation,
        &loaded,
        Decision::Blocked,
        DecidedBy::Policy,
    );
    record.nested = nested(nesting);
    record.reason = Some(crate::redact::Redacted::new(&format!(
        "could not be understood: {reason}"
    )));
    write_log(record, &settings, exit::USAGE)
}

/// Guarded installs nested deeper than [`shim::MAX_DEPTH`]: a loop, refused.
fn too_deep(request: &Request, nesting: &shim::Nesting) -> Outcome {
    say!(
        "this {} install runs {} guarded installs deep (the limit is {}): installs that keep \
         starting installs are a loop, so the real {} was not run",
        request.program,
        nesting.depth,
        shim::MAX_DEPTH,
        request.program
    );
    let mut o = Outcome::new(Decision::Blocked, DecidedBy::Policy);
    o.reason = Some(format!(
        "nested {} guarded installs deep (limit {})",
        nesting.depth,
        shim::MAX_DEPTH
    ));
    o
}

/// `installguard bypass --reason TEXT`: the findings are shown and logged, and the real tool
/// runs whatever they say, unless the policy forbids bypassing.
fn bypass(
    request: &Request,
    evaluation: &Evaluation,
    policy: &policy::Policy,
    reason: &str,
    unreadable: Option<&cmdline::Error>,
) -> Outcome {
    let reason = reason.trim();
    let (allowed, set) = policy.allow_bypass();
    // A bypass is the largest loosening there is: logged as one, with where it came from.
    let mut loosening = policy::Loosening {
        target: "the guard's decision".into(),
        rule: None,
        from: evaluation.verdict.as_str().into(),
        to: "bypassed".into(),
        by: format!("installguard bypass --reason {reason:?}"),
        layer: policy::LayerKind::CommandLine.label().into(),
        at: "argv".into(),
        refused: None,
    };
    if !allowed || reason.is_empty() {
        let why = if reason.is_empty() {
            "a bypass needs a reason (--reason TEXT): it goes to the audit log".to_string()
        } else {
            let at = set
                .map(|s| format!("{} policy {}", s.layer.label(), s.at.short()))
                .unwrap_or_default();
            format!("the policy forbids bypassing the guard ([prompt] allow-bypass = false, {at})")
        };
        say!("{why}; the real {} was not run", request.program);
        let mut o = Outcome::new(Decision::Blocked, DecidedBy::Policy);
        o.reason = Some(format!("bypass refused: {why}"));
        loosening.refused = Some(why);
        o.loosened.push(loosening);
        return o;
    }
    if evaluation
        .findings
        .iter()
        .any(|f| f.severity >= Severity::Warn)
    {
        say!("bypassing these findings on purpose:");
        print_findings(evaluation, Severity::Warn);
    }
    say!(
        "running the real {} WITHOUT the guard's decision, on the record (decided_by \"bypass\"); \
         installs it starts in turn are still checked",
        request.program
    );
    let mut o = Outcome::new(Decision::Allowed, DecidedBy::Bypass);
    o.reason = Some(match unreadable {
        Some(e) => format!("bypass: {reason} (could not be understood: {})", e.message),
        None => format!("bypass: {reason}"),
    });
    o.loosened.push(loosening);
    o
}

/// What `decide` settled: the decision, who made it, the exit code if the tool is not run, and
/// a reason for the log.
struct Outcome {
    decision: Decision,
    decided_by: DecidedBy,
    /// Exit code when blocked: 3, or 5 when only stale data blocks (fail closed on data).
    block_code: i32,
    reason: Option<String>,
    /// Loosenings the decision itself made (`--yes`) or refused, for the log.
    loosened: Vec<policy::Loosening>,
    /// The exit code when the command ends without the real tool for another reason than a
    /// block (an interrupted resolution: 128 + the signal; Ctrl-C at the prompt: 130).
    exit: Option<i32>,
    /// How install-time code warnings were answered.
    scripts: Option<install_code::Answer>,
    /// Install with the tool's scripts-off flag (the answer, or `[scripts] non-interactive`).
    scripts_off: Option<policy::scripts::Gate>,
}

impl Outcome {
    fn new(decision: Decision, decided_by: DecidedBy) -> Outcome {
        Outcome {
            decision,
            decided_by,
            block_code: exit::BLOCKED,
            reason: None,
            loosened: Vec::new(),
            exit: None,
            scripts: None,
            scripts_off: None,
        }
    }
}

/// `--yes` / `INSTALLGUARD_YES=1`, as a loosening with its place; `refused` (and said) when
/// the machine policy locks `prompt.non-interactive`: then warnings are confirmed at a
/// terminal or not at all.
fn yes_request(opts: &RunOptions, policy: &policy::Policy) -> Option<policy::Loosening> {
    let (by, layer, at) = if opts.yes {
        ("--yes", policy::LayerKind::CommandLine, "argv")
    } else if yes_from_env() {
        (
            "INSTALLGUARD_YES=1",
            policy::LayerKind::Env,
            "env:INSTALLGUARD_YES",
        )
    } else {
        return None;
    };
    let mut l = policy::Loosening {
        target: "warn-level findings".into(),
        rule: None,
        from: "ask".into(),
        to: "accepted".into(),
        by: by.into(),
        layer: layer.label().into(),
        at: at.into(),
        refused: None,
    };
    if let Some(lock) = policy.locked("prompt.non-interactive") {
        l.refused = Some(format!(
            "`prompt.non-interactive` is locked by the machine policy ({})",
            lock.at.short()
        ));
    }
    Some(l)
}

/// The audit settings: the policy's `[audit]` (the `INSTALLGUARD_AUDIT_*` variables are an
/// environment layer of the policy, so machine locks bind them like any other layer).
fn audit_settings(policy: &policy::Policy) -> audit::AuditSettings {
    policy.audit_settings()
}

/// The policy applied to the evaluation, with the data's age from the snapshot in use.
fn apply_policy(
    policy: &policy::Policy,
    request: &Request,
    evaluation: Evaluation,
    loaded: &store::Loaded,
) -> policy::Applied {
    let now = crate::time::now_unix();
    let data = policy::DataAge {
        now,
        newest_report: loaded.data.freshness(now).newest_report,
    };
    policy::apply(policy, request, evaluation, data)
}

/// An invalid policy blocks installs (exit 2) and says how to find out why.
fn invalid_policy(request: &Request, loaded: &policy::Loaded) -> Outcome {
    for d in loaded.errors() {
        output::err(&d.render());
    }
    say!(
        "the installguard policy above is invalid, so installs are blocked until it is fixed; the real {} was not run. \
         Check it with `installguard policy check`",
        request.program
    );
    let mut o = Outcome::new(Decision::Blocked, DecidedBy::Policy);
    o.block_code = exit::USAGE;
    o.reason = Some("the policy is invalid".into());
    o
}

/// Apply the verdict: block, ask, or go ahead. Prints the explanation on stderr.
fn decide(
    request: &Request,
    args: &[OsString],
    applied: &policy::Applied,
    policy: &policy::Policy,
    opts: &RunOptions,
    freshness: &Freshness,
    nesting: &shim::Nesting,
) -> Outcome {
    let evaluation = &applied.evaluation;
    for n in &applied.notes {
        say!("{n}");
    }
    let yes_req = yes_request(opts, policy);
    let refused_yes = yes_req.clone().filter(|l| l.refused.is_some());
    let yes = yes_req.filter(|l| l.refused.is_none());
    if let Some(l) = &refused_yes
        && evaluation.verdict == Verdict::Warn
    {
        say!(
            "{} is ignored: {}, so warnings are confirmed at a terminal or not at all",
            l.by,
            l.refused.as_deref().unwrap_or_default()
        );
    }
    let mut outcome = decide_warn_or_not(
        request,
        args,
        applied,
        policy,
        yes.as_ref(),
        freshness,
        nesting,
    );
    if evaluation.verdict == Verdict::Warn {
        outcome.loosened.extend(refused_yes);
    }
    outcome
}

fn decide_warn_or_not(
    request: &Request,
    args: &[OsString],
    applied: &policy::Applied,
    policy: &policy::Policy,
    yes: Option<&policy::Loosening>,
    freshness: &Freshness,
    nesting: &shim::Nesting,
) -> Outcome {
    let evaluation = &applied.evaluation;
    match evaluation.verdict {
        Verdict::Allow => {
            let lifted: Vec<_> = evaluation
                .findings
                .iter()
                .filter_map(|f| f.allowed_by.as_ref().map(|a| (f, a)))
                .collect();
            for (f, by) in &lifted {
                say!("{} [{}]: {by}", f.target, f.rule.id());
            }
            if applied.by_exception {
                Outcome::new(Decision::Allowed, DecidedBy::Exception)
            } else {
                Outcome::new(Decision::Allowed, DecidedBy::Policy)
            }
        }
        Verdict::Block => {
            say!("blocked this {} command:", request.program);
            print_findings(evaluation, Severity::Warn);
            explain(request, args, evaluation, policy);
            if let Some(hint) = freshness.hint() {
                say!("{hint}");
            }
            say!(
                "the real {} was not run. Nothing was installed.",
                request.program
            );
            let data_only = evaluation
                .findings
                .iter()
                .filter(|f| f.severity == Severity::Block)
                .all(|f| f.rule == Rule::StaleData);
            let mut o = Outcome::new(Decision::Blocked, DecidedBy::Policy);
            if data_only {
                o.block_code = exit::DATA;
            }
            o
        }
        Verdict::Warn => {
            say!("this install needs a second look:");
            print_findings(evaluation, Severity::Warn);
            explain(request, args, evaluation, policy);
            if let Some(hint) = freshness.hint() {
                say!("{hint}");
            }
            if let Some(l) = yes {
                say!("going ahead: warnings accepted with {}", l.by);
                let mut o = Outcome::new(Decision::Allowed, DecidedBy::Yes);
                o.loosened.push(l.clone());
                return o;
            }
            if install_code::only_script_warnings(applied) {
                return script_outcome(request, applied, policy, nesting);
            }
            // Nested installs run unattended (inside a lifecycle script or a build step): no
            // prompt, the non-interactive policy decides.
            if nesting.depth > 0 || !prompt::interactive() {
                let without = if nesting.depth > 0 {
                    "inside another guarded install"
                } else {
                    "without a terminal"
                };
                if policy.non_interactive() == Action::Allow {
                    let at = policy
                        .get("prompt.non-interactive")
                        .map(|s| format!("{} policy {}", s.layer.label(), s.at.short()))
                        .unwrap_or_default();
                    say!(
                        "going ahead {without}: the policy sets [prompt] non-interactive = \"allow\" ({at})"
                    );
                    let mut o = Outcome::new(Decision::Allowed, DecidedBy::Policy);
                    o.reason = Some(format!("warn-level findings allowed {without} by policy"));
                    return o;
                }
                let no_prompt = if nesting.depth > 0 {
                    "this install runs inside another guarded install (a lifecycle script or build \
                     step), where no prompt is shown"
                        .to_string()
                } else if let Some(why) = prompt::why_not_asked() {
                    why
                } else {
                    "there is no terminal".to_string()
                };
                say!(
                    "a confirmation is needed but {no_prompt}, so nothing was installed. \
                     Fix the command (see the hints above), or accept these warnings with \
                     `installguard run --yes -- {} ...` or INSTALLGUARD_YES=1.",
                    request.program
                );
                return Outcome::new(Decision::Declined, DecidedBy::NoTerminal);
            }
            let candidates = exception_candidates(request, evaluation, policy);
            let user_file = policy::load::user_path();
            let offer = policy.allow_exceptions() && !candidates.is_empty() && user_file.is_some();
            match prompt::choose(offer, EXCEPTION_DAYS) {
                Ok(prompt::Choice::Install) => {
                    let mut o = Outcome::new(Decision::Allowed, DecidedBy::User);
                    o.reason = Some("installed anyway at the prompt".into());
                    o
                }
                Ok(prompt::Choice::Exception) => {
                    let path = user_file.expect("offered only with a user file");
                    let expires = crate::time::format_rfc3339(
                        crate::time::now_unix() + i64::from(EXCEPTION_DAYS) * 86_400,
                    )[..10]
                        .to_string();
                    let user = audit::user_name();
                    for (purl, why) in &candidates {
                        let reason = format!("added at the prompt by {user}: {why}");
                        if let Err(e) = policy::edit::add_exception(&path, purl, &reason, &expires)
                        {
                            say!(
                                "cannot add the exception to {}: {e}; nothing was installed",
                                path.display()
                            );
                            return Outcome::new(Decision::Declined, DecidedBy::User);
                        }
                    }
                    let list: Vec<&str> = candidates.iter().map(|(p, _)| p.as_str()).collect();
                    say!(
                        "added an exception for {} until {expires} to {}",
                        list.join(", "),
                        path.display()
                    );
                    let mut o = Outcome::new(Decision::Allowed, DecidedBy::User);
                    o.reason = Some(format!(
                        "exception added at the prompt for {} until {expires}",
                        list.join(", ")
                    ));
                    o
                }
                Ok(prompt::Choice::Cancel) => {
                    say!("cancelled; nothing was installed");
                    Outcome::new(Decision::Declined, DecidedBy::User)
                }
                Ok(prompt::Choice::Interrupted) => {
                    say!("interrupted; nothing was installed");
                    let mut o = Outcome::new(Decision::Declined, DecidedBy::Interrupt);
                    o.reason = Some("interrupted at the prompt (Ctrl-C)".into());
                    o.exit = Some(exit::INTERRUPTED);
                    o
                }
                Err(e) => {
                    say!("cannot read the answer ({e}); nothing was installed");
                    Outcome::new(Decision::Declined, DecidedBy::NoTerminal)
                }
            }
        }
    }
}

/// The outcome of install-time code warnings (the only warnings of this install): the menu at
/// a terminal, else `[scripts] non-interactive`.
fn script_outcome(
    request: &Request,
    applied: &policy::Applied,
    policy: &policy::Policy,
    nesting: &shim::Nesting,
) -> Outcome {
    // Nested installs run unattended (inside a lifecycle script or a build step): no prompt.
    let asking = if nesting.depth > 0 {
        install_code::Asking::Nested
    } else if prompt::interactive() {
        install_code::Asking::Terminal
    } else {
        install_code::Asking::NoTerminal
    };
    let answer = install_code::answer(request, applied, policy, asking);
    let (decision, by_user, reason) = match &answer {
        install_code::Answer::Run { by_user, reason }
        | install_code::Answer::Off { by_user, reason } => (Decision::Allowed, *by_user, reason),
        install_code::Answer::Approved { reason } => (Decision::Allowed, true, reason),
        install_code::Answer::Refuse { by_user, reason } => (Decision::Declined, *by_user, reason),
        install_code::Answer::Interrupted { reason } => (Decision::Declined, true, reason),
    };
    let interrupted = matches!(answer, install_code::Answer::Interrupted { .. });
    let by = match (by_user, decision) {
        _ if interrupted => DecidedBy::Interrupt,
        (true, _) => DecidedBy::User,
        (false, Decision::Declined) => DecidedBy::NoTerminal,
        (false, _) => DecidedBy::Policy,
    };
    let mut o = Outcome::new(decision, by);
    if interrupted {
        o.exit = Some(exit::INTERRUPTED);
    }
    o.reason = Some(reason.clone());
    if let install_code::Answer::Off { .. } = answer {
        o.scripts_off = request
            .scripts
            .iter()
            .find_map(|s| policy::scripts::gate(policy::scripts::Tool::of(request), s));
    }
    o.scripts = Some(answer);
    o
}

/// How long an exception added at the prompt lasts.
const EXCEPTION_DAYS: u32 = 30;

/// The purls an exception would need to lift every warn-level finding, with what each is
/// about; empty when some warn-level finding is not about a package an exception can lift.
fn exception_candidates(
    request: &Request,
    evaluation: &Evaluation,
    policy: &policy::Policy,
) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    for f in evaluation
        .findings
        .iter()
        .filter(|f| f.severity == Severity::Warn)
    {
        // A user exception cannot lift a rule the machine policy locks.
        if matches!(
            f.rule,
            Rule::DenyList | Rule::UnknownRegistry | Rule::StaleData
        ) || !install_code::exception_may_lift(f.rule)
            || policy.locked(&format!("rules.{}", f.rule.id())).is_some()
        {
            return Vec::new();
        }
        let Some(t) = request.targets.iter().find(|t| {
            t.label() == f.target && t.ecosystem == f.ecosystem && t.origin.to_string() == f.origin
        }) else {
            return Vec::new();
        };
        let Some(name) = t.name.as_deref() else {
            return Vec::new();
        };
        let pinned = t.pinned_version();
        let purl = policy::purl::format(t.ecosystem, name, pinned.as_deref());
        let why = match &f.imitates {
            Some(i) => format!("{} finding (looks like {i})", f.rule.id()),
            None => format!("{} finding", f.rule.id()),
        };
        if !out.iter().any(|(p, _)| *p == purl) {
            out.push((purl, why));
        }
    }
    out
}

/// Under the findings: which rule made them this severe and where it is set, and what to do
/// instead.
fn explain(request: &Request, args: &[OsString], evaluation: &Evaluation, policy: &policy::Policy) {
    let mut rules: Vec<Rule> = Vec::new();
    for f in evaluation
        .findings
        .iter()
        .filter(|f| f.severity >= Severity::Warn)
    {
        if let Some(i) = &f.imitates {
            let typed = request
                .targets
                .iter()
                .find(|t| t.label() == f.target)
                .and_then(|t| t.name.as_deref())
                .unwrap_or(&f.target);
            match corrected_command(&request.program, args, typed, i) {
                Some(cmd) => say!("  instead: did you mean `{i}`?  {cmd}"),
                None if f.origin == "argv" => say!("  instead: did you mean `{i}`?"),
                None => say!("  instead: did you mean `{i}`? (in {})", f.origin),
            }
        }
        if let Some(r) = &f.report {
            say!("  report: {r} (https://osv.dev/vulnerability/{r})");
        }
        if let Some(r) = &f.registry
            && f.rule != Rule::RegistryUnavailable
        {
            say!(
                "  registry: {} (answer from {} UTC)",
                r.url,
                r.fetched.get(..16).unwrap_or(&r.fetched).replace('T', " ")
            );
        }
        if !rules.contains(&f.rule) {
            rules.push(f.rule);
        }
    }
    for r in rules {
        let key = policy::rule_key(r);
        let (value, from) = match policy.get(&key) {
            Some(s) if s.layer != policy::LayerKind::Default => (
                policy.rule(r).as_str(),
                format!("{} policy {}", s.layer.label(), s.at.short()),
            ),
            _ => (policy.rule(r).as_str(), "built-in default".to_string()),
        };
        say!("  rule: {key} = \"{value}\" ({from})");
    }
}

/// The user's own command with `name` replaced by `suggestion` in the one argument that names
/// it (`npx lodahs` → `npx lodash`, `python -m pip install --user reqeusts==2` → `python -m pip
/// install --user requests==2`): the same program, form and flags, shell-quoted where needed.
/// None when no argument names it (it came from a file, or inside an option's value).
fn corrected_command(
    program: &str,
    args: &[OsString],
    name: &str,
    suggestion: &str,
) -> Option<String> {
    let names_it = |arg: &str| {
        !arg.starts_with('-')
            && arg.len() >= name.len()
            && arg.is_char_boundary(name.len())
            && arg[..name.len()].eq_ignore_ascii_case(name)
            && arg[name.len()..]
                .chars()
                .next()
                .is_none_or(|c| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '/')))
    };
    let at = args
        .iter()
        .rposition(|a| a.to_str().is_some_and(names_it))?;
    // Shown as the audit log shows argv: a secret given as its own argument
    // (`--_authToken X`) is masked whole, which redacting the printed line cannot do.
    let shown = crate::redact::argv(args);
    let typed = shown.get(at).filter(|a| names_it(a))?;
    let mut words = vec![shell_word(program)];
    for (i, a) in shown.iter().enumerate() {
        if i == at {
            words.push(shell_word(&format!("{suggestion}{}", &typed[name.len()..])));
        } else {
            words.push(shell_word(a));
        }
    }
    Some(words.join(" "))
}

/// `word` as a POSIX shell word: as is when it holds only safe characters, else single-quoted.
fn shell_word(word: &str) -> String {
    let safe = !word.is_empty()
        && word
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "@%+=:,./_-^~".contains(c));
    if safe {
        word.to_string()
    } else {
        format!("'{}'", word.replace('\'', "'\\''"))
    }
}

fn print_findings(evaluation: &Evaluation, min: Severity) {
    for f in evaluation.findings.iter().filter(|f| f.severity >= min) {
        let level = f.severity.label();
        let origin = if f.origin == "argv" {
            String::new()
        } else {
            format!(" (from {})", f.origin)
        };
        output::err(&format!(
            "  {level:5} [{}] {}{origin}\n",
            f.rule.id(),
            f.message
        ));
    }
}

/// Commit the record (log, then syslog) and return the exit code: `code`, or 5
/// (`exit::DATA`) when the policy requires a record that could not be written or delivered
/// after the real tool ran.
fn write_log(record: Record, settings: &audit::AuditSettings, code: i32) -> i32 {
    let ran = record.exit_code.is_some();
    let report = audit::commit(settings, record);
    for w in &report.warnings {
        say!("WARNING: {w}");
    }
    match report.failure {
        None => code,
        Some(e) => {
            say!("{e}");
            if ran {
                say!("the install ran, but the record the policy requires is missing");
                exit::DATA
            } else {
                code
            }
        }
    }
}

/// `installguard check`: the same understanding and evaluation, nothing run.
pub fn check(
    program: &OsStr,
    args: &[OsString],
    json: bool,
    resolve: bool,
    overrides: &[String],
) -> i32 {
    let world = match OsWorld::reading_pipes() {
        Ok(w) => w,
        Err(e) => {
            say!("cannot read the current directory: {e}");
            return exit::USAGE;
        }
    };
    let mut request = match cmdline::understand(program, args, &world) {
        Ok(r) => r,
        Err(e) => {
            say!("{e}");
            return exit::USAGE;
        }
    };
    cmdline::install_time_code(&mut request, &world);
    let loaded = store::load();
    for w in loaded.notices(crate::time::now_unix()) {
        say!("{w}");
    }
    let policy = policy::load(overrides);
    if request.installs && !policy.is_valid() {
        for d in policy.errors() {
            output::err(&d.render());
        }
        say!("the installguard policy above is invalid, so installs are blocked until it is fixed");
        return exit::USAGE;
    }
    let (request, applied, resolution) = match resolving_tool(program, resolve && request.installs)
    {
        Some(tool) => {
            let how = Resolving {
                kind: Program::from_name(program).expect("resolving_tool checked it"),
                tool: &tool,
                args,
                world: &world,
                allowed: true,
                // Nothing is installed: resolve-only runs.
                install_env: Vec::new(),
            };
            let settings = resolve::Settings::from_policy(&policy.policy);
            // Nothing is installed here, so nothing waits for a decision: resolve right away.
            let round = Round {
                first: true,
                decided: true,
                builds: resolve::Builds::default(),
            };
            let c = check_tree(&request, &policy.policy, &loaded, &how, &settings, &round);
            (c.request, c.applied, c.resolution)
        }
        None => {
            let mut raw = verdict::evaluate(&request, &loaded.data);
            signals::check(&request, &policy.policy, loaded.data.popular(), &mut raw);
            let mut applied = apply_policy(&policy.policy, &request, raw, &loaded);
            install_code::apply(&mut applied, &policy.policy, &request);
            (request, applied, None)
        }
    };
    for n in &applied.notes {
        say!("{n}");
    }
    let judged = applied.scripts;
    let evaluation = applied.evaluation;
    let freshness = loaded.data.freshness(crate::time::now_unix());
    if json {
        let doc = serde_json::json!({
            "program": request.program,
            "manager": request.manager,
            "installs": request.installs,
            "targets": request.targets,
            "sources": request.sources,
            "verdict": evaluation.verdict,
            "findings": evaluation.findings,
            "scripts": judged.json(&request.scripts),
            "policy": policy.policy.layers.iter().filter(|l| l.present && l.kind != policy::LayerKind::Default).map(|l| format!("{}: {}", l.kind.label(), l.name)).collect::<Vec<_>>(),
            "data": data_json(&loaded, &freshness),
            "resolution": resolution.as_ref().map(|r| resolve::record_json(r, None)),
        });
        let mut doc = doc;
        if let Some(g) = &request.grammar {
            doc["grammar"] = serde_json::Value::String(g.clone());
        }
        // Redacted, and a secret typed on the command line masked wherever it was copied (an
        // argument after `--_authToken` read as a package name).
        let secrets = crate::redact::argv_secrets(args);
        let doc = crate::redact::RedactedJson::from_serialize_masking(&doc, &secrets)
            .value()
            .clone();
        output::out(&format!(
            "{}\n",
            serde_json::to_string_pretty(&doc).unwrap_or_default()
        ));
    } else {
        let mut text = Vec::new();
        let _ = write_human(&mut text, &request, &evaluation, &judged);
        if request.installs
            && let Some(hint) = freshness.hint()
        {
            let _ = writeln!(text, "data: {hint}");
        }
        let mut shown = String::from_utf8_lossy(&text).into_owned();
        for secret in crate::redact::argv_secrets(args) {
            shown = shown.replace(&secret, "***");
        }
        output::out_text(&crate::redact::text(&shown));
    }
    exit::for_check(evaluation.verdict)
}

/// `check --resolve`: the real tool as the guard runs it for a resolve-only run (marked
/// internal, so nothing it starts resolves again); `None` when not asked or not found.
fn resolving_tool(program: &OsStr, wanted: bool) -> Option<resolve::exec::Tool> {
    if !wanted {
        return None;
    }
    let path_var = std::env::var_os("PATH");
    let real = match shim::find_real(argv0(program), path_var.as_deref()) {
        Ok(p) => p,
        Err(e) => {
            say!("{e}; the tree is not resolved");
            return None;
        }
    };
    let nesting = shim::Nesting::from_marker(std::env::var_os(shim::MARKER).as_deref());
    if nesting.internal {
        return None;
    }
    Some(resolve::exec::Tool {
        argv0: shim::real_argv0(program, &real),
        real,
        env: vec![(
            shim::MARKER.into(),
            nesting.child_marker(&audit::invocation_id(), true),
        )],
    })
}

/// `check --json`'s `data`: which data, how old, whether to refresh it, and its parts.
fn data_json(loaded: &store::Loaded, freshness: &Freshness) -> serde_json::Value {
    let embedded = loaded.data.embedded();
    let path = match &loaded.origin {
        store::DataOrigin::Updated(p) => Some(p.display().to_string()),
        store::DataOrigin::Embedded => None,
    };
    let updated = loaded.data.updated().map(|u| {
        let m = u.meta();
        serde_json::json!({
            "path": path,
            "built": m.built,
            "newest-report": m.newest_report,
            "reports": m.malicious_count,
            "sha256": loaded.integrity.as_ref().map(|i| i.sha256.as_str()),
            "feeds": m.feeds.iter().map(|f| f.source.as_str()).collect::<Vec<_>>(),
        })
    });
    serde_json::json!({
        "origin": loaded.origin.to_string(),
        "built": loaded.built(),
        "newest-report": loaded.newest_report(),
        "age-days": freshness.age_days,
        "stale": freshness.stale,
        "refresh": freshness.stale.then_some("installguard update"),
        "warning": loaded.warning,
        "embedded": {
            "newest-report": embedded.newest_report,
            "reports": embedded.malicious_count,
        },
        "updated": updated,
    })
}

fn write_human(
    out: &mut impl Write,
    request: &Request,
    evaluation: &Evaluation,
    scripts: &policy::scripts::Judged,
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
    if let Some(g) = &request.grammar {
        writeln!(out, "  read as {g}")?;
    }
    if request.targets.is_empty() {
        writeln!(out, "  (no packages named)")?;
    }
    for t in &request.targets {
        let spec = match (&t.name, &t.spec) {
            (Some(_), Some(s)) => format!(" {s}"),
            _ => String::new(),
        };
        let kind = t.kind.as_str();
        writeln!(
            out,
            "  {}{spec}  [{} {kind}, {}]",
            t.label(),
            t.ecosystem,
            t.origin
        )?;
    }
    for s in &request.sources {
        writeln!(
            out,
            "  source: {} ({}, {})",
            s.location,
            s.kind.as_str(),
            s.origin
        )?;
    }
    if !request.scripts.is_empty() {
        writeln!(out, "install-time code (runs during the install):")?;
        for ((s, st), by) in request
            .scripts
            .iter()
            .zip(&scripts.status)
            .zip(&scripts.allowed_by)
        {
            let who = match s.kind {
                crate::scripts::Kind::Unseen => "(not visible)".to_string(),
                _ => s.who(),
            };
            writeln!(
                out,
                "  {:8} {who}  {}  [{}]",
                st.as_str(),
                s.what(),
                s.origin
            )?;
            if let Some(by) = by {
                writeln!(out, "           {by}")?;
            }
        }
    }
    for f in &evaluation.findings {
        let level = f.severity.label();
        writeln!(out, "  {level:5} [{}] {}", f.rule.id(), f.message)?;
        if let Some(by) = &f.allowed_by {
            writeln!(out, "        {by}")?;
        }
    }
    writeln!(out, "verdict: {}", evaluation.verdict.as_str())
}

#[cfg(test)]
mod tests {
    use super::corrected_command;
    use std::ffi::OsString;

    fn fix(cmd: &str, name: &str, suggestion: &str) -> Option<String> {
        let mut words = cmd.split(' ');
        let program = words.next().unwrap();
        let args: Vec<OsString> = words.map(OsString::from).collect();
        corrected_command(program, &args, name, suggestion)
    }

    #[test]
    fn suggestions_keep_the_command_form_and_flags() {
        for (cmd, name, good, want) in [
            ("npx lodahs", "lodahs", "lodash", "npx lodash"),
            (
                "npx -y lodahs@4 --help",
                "lodahs",
                "lodash",
                "npx -y lodash@4 --help",
            ),
            ("npm i -D lodahs", "lodahs", "lodash", "npm i -D lodash"),
            (
                "python -m pip install --user reqeusts",
                "reqeusts",
                "requests",
                "python -m pip install --user requests",
            ),
            (
                "python3.12 -Im pip install reqeusts==2.31",
                "reqeusts",
                "requests",
                "python3.12 -Im pip install requests==2.31",
            ),
            (
                "pip install Reqeusts[socks]>=2",
                "reqeusts",
                "requests",
                "pip install 'requests[socks]>=2'",
            ),
            (
                "uv pip install reqeusts",
                "reqeusts",
                "requests",
                "uv pip install requests",
            ),
            (
                "uv add --dev reqeusts",
                "reqeusts",
                "requests",
                "uv add --dev requests",
            ),
            ("uvx reqeusts", "reqeusts", "requests", "uvx requests"),
            (
                "pipx install --force reqeusts",
                "reqeusts",
                "requests",
                "pipx install --force requests",
            ),
            (
                "pipx run reqeusts",
                "reqeusts",
                "requests",
                "pipx run requests",
            ),
            (
                "poetry add -G dev reqeusts",
                "reqeusts",
                "requests",
                "poetry add -G dev requests",
            ),
            (
                "yarn add -D lodahs",
                "lodahs",
                "lodash",
                "yarn add -D lodash",
            ),
            ("yarn dlx lodahs", "lodahs", "lodash", "yarn dlx lodash"),
            (
                "pnpm add -D lodahs",
                "lodahs",
                "lodash",
                "pnpm add -D lodash",
            ),
            ("pnpx lodahs", "lodahs", "lodash", "pnpx lodash"),
            ("pnpm dlx lodahs", "lodahs", "lodash", "pnpm dlx lodash"),
            ("bun add -d lodahs", "lodahs", "lodash", "bun add -d lodash"),
            ("bunx lodahs", "lodahs", "lodash", "bunx lodash"),
            ("bun x lodahs", "lodahs", "lodash", "bun x lodash"),
            (
                "brew install --cask wgett",
                "wgett",
                "wget",
                "brew install --cask wget",
            ),
            (
                "npm i @types/nod",
                "@types/nod",
                "@types/node",
                "npm i @types/node",
            ),
        ] {
            assert_eq!(fix(cmd, name, good).as_deref(), Some(want), "{cmd}");
        }
    }

    #[test]
    fn secrets_in_the_command_stay_masked() {
        let got = fix(
            "npm install lodahs --_authToken CanaryAuth3z --registry https://x:pw@r/",
            "lodahs",
            "lodash",
        )
        .unwrap();
        assert!(
            !got.contains("CanaryAuth3z") && !got.contains("pw@"),
            "{got}"
        );
        assert!(
            got.starts_with("npm install lodash --_authToken '***'"),
            "{got}"
        );
    }

    #[test]
    fn no_command_when_no_argument_names_the_package() {
        // From a file, or a longer name that only starts with it.
        assert_eq!(fix("pip install -r reqs.txt", "reqeusts", "requests"), None);
        assert_eq!(fix("npm i lodahs-x", "lodahs", "lodash"), None);
        assert_eq!(fix("npm i --registry=lodahs", "lodahs", "lodash"), None);
    }
}
