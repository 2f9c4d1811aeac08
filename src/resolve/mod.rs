//! Resolution: before an install, the real tool itself works out the whole dependency tree in a
//! resolve-only mode that runs no package code (npm `--package-lock-only --ignore-scripts` in a
//! temporary copy of the project, pip `--dry-run --report --only-binary :all:`, brew
//! `--dry-run`); every package of that tree is then checked like the ones on the command line,
//! and the real install is pinned to exactly the checked tree (the checked lockfile put in
//! place, pip `--require-hashes`, brew with `HOMEBREW_NO_AUTO_UPDATE=1`) and verified after.
//! npm and pip may instead resolve and install as one process whose hook hands the tree over
//! and waits for the verdict (`hook`, `npm_hook`, `pip_hook`).
//!
//! The pieces: one submodule per tool, each split into a pure part (reading lockfiles and
//! reports, diffing, building the pinned command lines: table-tested) and its edge (running the
//! tool); `exec` runs a tool with a deadline and captured output in a private work directory;
//! this file holds the shared types, [`merge`] (resolved packages → request targets, pure) and
//! [`Failure`] (why a tree could not be resolved, so the policy can decide). Decides nothing
//! about safety: the resolved tree goes through the same `verdict`, `signals` and `policy` as
//! a command line.

pub mod brew;
pub mod exec;
pub mod hook;
pub mod js;
pub mod npm;
pub mod npm_hook;
pub mod oneoff;
pub mod pip;
pub mod pip_hook;
pub mod pipx;
pub mod stage;
pub mod uv;
pub mod uv_project;

use std::ffi::OsString;
use std::path::PathBuf;
use std::time::Duration;

use crate::ecosystem::Ecosystem;
use crate::policy::{Policy, Value};
use crate::request::{Origin, Request, Resolved, Target, TargetKind};
use crate::verdict::{self, Finding, Rule, Severity};

/// The `[resolve]` settings of the effective policy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    pub enabled: bool,
    /// How long one resolve-only run may take.
    pub timeout: Duration,
    /// The real install's environment (its recursion marker) when the resolver may start the
    /// install itself and hold it until the verdict (npm and pip as one process); empty: it
    /// may not.
    pub install_env: Vec<(&'static str, std::ffi::OsString)>,
}

/// The default `[resolve] timeout`.
pub const TIMEOUT: Duration = Duration::from_secs(120);

impl Settings {
    pub fn from_policy(policy: &Policy) -> Settings {
        Settings {
            enabled: !matches!(
                policy.get("resolve.enabled").map(|s| &s.value),
                Some(Value::Bool(false))
            ),
            timeout: match policy.get("resolve.timeout").map(|s| &s.value) {
                Some(Value::Secs(n, _)) => Duration::from_secs((*n).max(1)),
                _ => TIMEOUT,
            },
            install_env: Vec::new(),
        }
    }
}

/// One package of a resolved tree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Package {
    pub ecosystem: Ecosystem,
    pub name: String,
    pub resolved: Resolved,
}

/// A resolved tree and how to install exactly it.
#[derive(Debug, Default)]
pub struct Resolution {
    /// `npm`, `pip`, `brew`.
    pub tool: &'static str,
    pub packages: Vec<Package>,
    pub plan: Plan,
    /// Things a person should know about the resolution (shown, and logged).
    pub notes: Vec<String>,
}

/// How the real tool is run once the install is allowed.
#[derive(Debug, Default)]
pub struct Plan {
    /// Runs of the real tool, in order; empty: the user's command as typed. A step that fails
    /// stops the plan with its exit code.
    pub steps: Vec<Step>,
    /// What to compare after the install to prove it installed what was checked.
    pub verify: Option<Verify>,
    /// Files put in place before the first step; the originals come back if the install fails
    /// (npm writes package.json and its lockfile only when it succeeds).
    pub writes: Vec<FileWrite>,
    /// The files stay when a step fails: for a one-off run the step's exit code is the
    /// program's, not the install's.
    pub keep_writes: bool,
    /// npm or pip already running the install, waiting for the verdict on the tree it handed
    /// over (no steps then); dropped unanswered, it is told no.
    pub hooked: Option<Box<hook::Hooked>>,
    /// Keeps the work directory (the checked lock, reports) until the install has run: held
    /// for its `Drop`, which removes it.
    #[allow(dead_code)]
    pub workdir: Option<exec::Workdir>,
    /// The install is the process that resolved the checked tree (npm or pip under its hook):
    /// pinned without steps.
    pub one_process: bool,
    /// How the real tool runs, for the record (npm, pip: one process, or why two).
    pub runs: Option<String>,
}

/// One run of the real tool: its arguments (after argv[0]) and extra environment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    pub args: Vec<OsString>,
    pub env: Vec<(&'static str, OsString)>,
}

/// A file to write before the install, with what was there before (`None`: nothing), and
/// whether it stays after an install that succeeded (npm `--no-save`: the checked files are
/// the install's input only, and the user's come back after it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileWrite {
    pub path: PathBuf,
    pub bytes: Vec<u8>,
    pub original: Option<Vec<u8>>,
    pub keep: bool,
}

/// What is compared after the install.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verify {
    /// npm: the project's lockfile must still hold exactly the checked entries.
    NpmLock {
        path: PathBuf,
        expect: Vec<npm::Pin>,
    },
    /// npm `--no-save` / `--no-package-lock`: what npm records as installed
    /// (`node_modules/.package-lock.json`) must be checked entries; checked ones it did not
    /// install (other platforms' optional packages, omitted dev dependencies) are not drift.
    NpmInstalled {
        path: PathBuf,
        expect: Vec<npm::Pin>,
    },
    /// pip: the installation report of the locked run lists only checked files.
    PipReport {
        path: PathBuf,
        expect: Vec<pip::Pin>,
    },
    /// pnpm, bun: the lockfile is byte for byte the checked one.
    Unchanged { path: PathBuf, bytes: Vec<u8> },
    /// `uv tool install`: the tool's environment (`dir`) holds exactly the checked
    /// distributions (its `lib/*/site-packages/*.dist-info`).
    Environment { dir: PathBuf, expect: Vec<pip::Pin> },
    /// npx: the tree it installed in its cache directory holds exactly the checked entries, and
    /// npx marked that directory as the one it ran from (`_npx` in its package.json).
    NpxTree { dir: PathBuf, expect: Vec<npm::Pin> },
    /// bunx: the lockfile in its cache directory holds exactly the checked packages
    /// (`name@version integrity`, sorted), and the tree was installed there.
    BunxTree { dir: PathBuf, expect: Vec<String> },
    /// pnpm dlx: the newest tree in its cache for exactly the pinned packages holds only
    /// checked packages (`name@version integrity`).
    PnpmDlx {
        dlx: PathBuf,
        wanted: serde_json::Value,
        expect: Vec<String>,
    },
}

/// The arguments as text, for the command-line readers (non-UTF-8 bytes replaced; the real
/// run gets the arguments as they were).
pub(crate) fn lossy(args: &[OsString]) -> Vec<String> {
    args.iter()
        .map(|a| a.to_string_lossy().into_owned())
        .collect()
}

/// Each difference between the checked distributions and those an environment holds
/// (`(name, version)`), as a sentence. Pure.
pub fn environment_drift(expect: &[pip::Pin], found: &[(String, String)]) -> Vec<String> {
    use crate::ecosystem::pep503;
    let mut out = Vec::new();
    for (name, version) in found {
        match expect.iter().find(|p| pep503(&p.name) == pep503(name)) {
            None => out.push(format!("{name} {version} was installed but not checked")),
            Some(p) if !crate::version::compare(Ecosystem::Pypi, &p.version, version).is_eq() => {
                out.push(format!(
                    "{name} {version} was installed, {} was checked",
                    p.version
                ));
            }
            Some(_) => {}
        }
    }
    for p in expect {
        if !found.iter().any(|(n, _)| pep503(n) == pep503(&p.name)) {
            out.push(format!(
                "{} {} was checked but not installed",
                p.name, p.version
            ));
        }
    }
    out
}

/// Why a tree could not be resolved.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Failure {
    /// The registry or index could not be reached (connection refused, DNS, timeout).
    Offline,
    /// The tool says a package or version does not exist.
    NotFound,
    /// The tool refused the command for another reason (conflicts, bad manifest, ...).
    ToolFailed,
    /// The tool is too old for a resolve-only mode (pip < 22.2).
    OldTool,
    /// installguard does not resolve this kind of command (yet), or its input.
    Unsupported,
    /// The resolve-only run took longer than `[resolve] timeout`.
    Timeout,
    /// Learning the tree needs a build that runs package code, which was not allowed.
    NeedsBuild,
    /// The resolve-only run was ended by a signal (Ctrl-C, `kill`): nothing is installed.
    Interrupted,
}

impl Failure {
    pub fn as_str(self) -> &'static str {
        match self {
            Failure::Offline => "offline",
            Failure::NotFound => "not-found",
            Failure::ToolFailed => "tool-failed",
            Failure::OldTool => "old-tool",
            Failure::Unsupported => "unsupported",
            Failure::Timeout => "timeout",
            Failure::NeedsBuild => "needs-build",
            Failure::Interrupted => "interrupted",
        }
    }
}

/// A tree that could not be resolved, and why (for the finding and the log).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unresolved {
    pub tool: &'static str,
    pub failure: Failure,
    /// One or two sentences: what happened, in the tool's words where they help.
    pub detail: String,
    /// For [`Failure::NeedsBuild`]: what would be built (names or specs), and which kind of
    /// build the next round must allow.
    pub builds: Vec<String>,
    pub needs: Builds,
    /// For [`Failure::Interrupted`]: the signal.
    pub signal: Option<i32>,
}

impl Unresolved {
    /// Learning the tree needs `builds` built first (which runs their code), with the kind of
    /// build the next round must allow.
    pub fn needs_build(
        tool: &'static str,
        detail: impl Into<String>,
        builds: Vec<String>,
        needs: Builds,
    ) -> Unresolved {
        let mut u = Unresolved::new(tool, Failure::NeedsBuild, detail);
        u.builds = builds;
        u.needs = needs;
        u
    }

    pub fn new(tool: &'static str, failure: Failure, detail: impl Into<String>) -> Unresolved {
        Unresolved {
            tool,
            failure,
            detail: detail.into(),
            builds: Vec::new(),
            needs: Builds::default(),
            signal: None,
        }
    }
}

/// What the resolution stage came to.
#[derive(Debug)]
pub enum Outcome {
    Resolved(Resolution),
    Unresolved(Unresolved),
    /// Nothing is installed (`npm install --dry-run`, `--package-lock-only`), or the command
    /// is not one the stage looks at: the checks on the command line stand alone.
    NotNeeded,
}

/// What the builds of this round may do: run a direct reference's build (a local project, a
/// VCS checkout, an sdist URL), and build index packages that have no wheel.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Builds {
    pub direct: bool,
    pub index: bool,
}

/// The request with the resolved tree in it: each package attached to the target that names
/// it (the command line's `x` gets x's resolved version), or added as a target of its own
/// (a transitive dependency, origin "<tool> resolution: required by <parent>"); the install-time
/// code it runs merged into the request's scripts (`scripts::resolved`). Pure.
pub fn merge(request: &Request, resolution: &Resolution) -> Request {
    let mut out = request.clone();
    for p in &resolution.packages {
        let norm = p.ecosystem.normalize(&p.name);
        let same = |t: &Target| {
            t.resolved.is_none()
                && t.ecosystem == p.ecosystem
                && matches!(
                    t.kind,
                    TargetKind::Registry
                        | TargetKind::Alias
                        | TargetKind::Formula
                        | TargetKind::Cask
                )
                && t.name
                    .as_deref()
                    .is_some_and(|n| p.ecosystem.normalize(n) == norm)
                && t.pinned_version().is_none_or(|v| {
                    p.resolved
                        .version
                        .as_deref()
                        .is_none_or(|r| crate::version::compare(p.ecosystem, &v, r).is_eq())
                })
        };
        if let Some(t) = out.targets.iter_mut().find(|t| same(t)) {
            t.resolved = Some(p.resolved.clone());
            continue;
        }
        let spec = p.resolved.version.as_deref().map(|v| match p.ecosystem {
            Ecosystem::Pypi => format!("=={v}"),
            _ => v.to_string(),
        });
        let kind = if p.ecosystem == Ecosystem::Brew {
            TargetKind::Formula
        } else {
            TargetKind::Registry
        };
        let mut t = Target::registry(
            p.ecosystem,
            &p.name,
            spec.as_deref(),
            Origin::Resolved {
                tool: resolution.tool.to_string(),
                parent: p.resolved.required_by.last().cloned(),
            },
        );
        t.kind = kind;
        t.resolved = Some(p.resolved.clone());
        out.targets.push(t);
    }
    // The install-time code the tree runs joins the list `[scripts]` judges.
    crate::scripts::resolved::merge(&mut out);
    out
}

/// The finding for a tree that could not be resolved: rule `unresolved`, info by default
/// (names-only checks); or `build-from-source` (warn by default) when a build would have to
/// run package code first.
pub fn unresolved_findings(
    request: &Request,
    u: &Unresolved,
    cwd: &std::path::Path,
) -> Vec<Finding> {
    let target = Target::unnamed(
        request.manager.ecosystem(),
        TargetKind::Manifest,
        "(the dependency tree)",
        Origin::Argv,
    );
    let mut out = Vec::new();
    if u.failure == Failure::NeedsBuild {
        for b in &u.builds {
            let t = Target::unnamed(
                request.manager.ecosystem(),
                TargetKind::Path,
                b,
                Origin::Argv,
            );
            // Your own project, in the working directory: you are building it on purpose.
            let (severity, whose) = if in_project(b, cwd) {
                (Severity::Info, "your project's")
            } else {
                (Severity::Warn, "its")
            };
            let mut f = verdict::finding(
                &t,
                Rule::BuildFromSource,
                severity,
                format!(
                    "installing `{b}` builds it from source, which runs {whose} own code (setup.py \
                     or its build backend) before installguard can see what it installs; {}",
                    u.detail
                ),
            );
            f.target.clone_from(b);
            out.push(f);
        }
    }
    let what = match u.failure {
        Failure::Offline => "the registry or index could not be reached",
        Failure::NotFound => "the tool says a package or version does not exist",
        Failure::ToolFailed => "the tool refused to resolve it",
        Failure::OldTool => "the tool is too old to resolve without installing",
        Failure::Unsupported => "installguard does not resolve this command",
        Failure::Timeout => "resolving took longer than [resolve] timeout",
        Failure::NeedsBuild => "learning it needs a build that runs package code",
        Failure::Interrupted => "resolving was interrupted",
    };
    out.push(verdict::finding(
        &target,
        Rule::Unresolved,
        Severity::Info,
        format!(
            "the dependency tree was not resolved ({what}: {}); only the packages named by the \
             command and its files were checked",
            u.detail
        ),
    ));
    out
}

/// A local path inside the working directory (`.`, `./lib`, `-e .`'s path, `file:///cwd/x`).
pub fn in_project(spec: &str, cwd: &std::path::Path) -> bool {
    let s = spec.strip_prefix("file://").unwrap_or(spec);
    if s.contains("://") || s.starts_with("git+") || s.contains(" @ ") {
        return false;
    }
    let norm = lexical(&cwd.join(s));
    norm.starts_with(cwd) && std::fs::metadata(&norm).is_ok_and(|m| m.is_dir())
}

/// `path` with its `.` and `..` parts taken out by their names (no link is followed), so
/// its ancestors are the directories it names. Pure.
pub fn lexical(path: &std::path::Path) -> std::path::PathBuf {
    let mut norm = std::path::PathBuf::new();
    for c in path.components() {
        match c {
            std::path::Component::ParentDir => {
                norm.pop();
            }
            std::path::Component::CurDir => {}
            other => norm.push(other),
        }
    }
    norm
}

/// The resolution part of an audit record: which tool, what came of it, and how many packages.
pub fn record_json(outcome: &Outcome, verified: Option<&exec::Verified>) -> serde_json::Value {
    match outcome {
        Outcome::NotNeeded => serde_json::Value::Null,
        Outcome::Unresolved(u) => serde_json::json!({
            "tool": u.tool,
            "status": "unresolved",
            "why": u.failure.as_str(),
            "detail": u.detail,
        }),
        Outcome::Resolved(r) => {
            let direct = r.packages.iter().filter(|p| p.resolved.direct).count();
            let mut v = serde_json::json!({
                "tool": r.tool,
                "status": "resolved",
                "packages": r.packages.len(),
                "direct": direct,
                "transitive": r.packages.len() - direct,
                "pinned": !r.plan.steps.is_empty() || !r.plan.writes.is_empty() || r.plan.one_process,
            });
            if let Some(runs) = &r.plan.runs {
                v["runs"] = serde_json::json!(runs);
            }
            if !r.notes.is_empty() {
                v["notes"] = serde_json::json!(r.notes);
            }
            if let Some(ver) = verified {
                v["verified"] = serde_json::json!(ver.drift.is_empty());
                if !ver.drift.is_empty() {
                    v["drift"] = serde_json::json!(ver.drift);
                }
                if let Some(w) = &ver.unverifiable {
                    v["unverifiable"] = serde_json::json!(w);
                }
            }
            v
        }
    }
}

/// Arguments with `extra` put where the tool still reads them as options: before a `--`
/// that ends the options, else at the end.
pub fn with_options(
    args: &[OsString],
    dashes_at: Option<usize>,
    extra: &[OsString],
) -> Vec<OsString> {
    let at = dashes_at.unwrap_or(args.len()).min(args.len());
    let mut out = args[..at].to_vec();
    out.extend_from_slice(extra);
    out.extend_from_slice(&args[at..]);
    out
}

/// The last `n` non-empty lines of a tool's output, for a message.
pub fn tail(text: &str, n: usize) -> String {
    let lines: Vec<&str> = text
        .lines()
        .map(str::trim_end)
        .filter(|l| !l.trim().is_empty())
        .collect();
    lines[lines.len().saturating_sub(n)..].join(" / ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ecosystem::Manager;

    /// `npm install <name>@<spec>`, understood.
    fn npm_request(name: &str, spec: Option<&str>) -> Request {
        Request {
            program: "npm".into(),
            manager: Manager::Npm,
            installs: true,
            targets: vec![Target::registry(Ecosystem::Npm, name, spec, Origin::Argv)],
            scripts: Vec::new(),
            sources: vec![],
            grammar: None,
        }
    }

    fn pkg(name: &str, version: &str, direct: bool, parent: Option<&str>) -> Package {
        Package {
            ecosystem: Ecosystem::Npm,
            name: name.into(),
            resolved: Resolved {
                by: "npm".into(),
                version: Some(version.into()),
                direct,
                required_by: parent.map(|p| vec![p.to_string()]).unwrap_or_default(),
                source: "registry".into(),
                change: "added".into(),
                ..Resolved::default()
            },
        }
    }

    #[test]
    fn merge_attaches_to_the_command_lines_target_and_adds_the_rest() {
        let request = npm_request("clean", None);
        let resolution = Resolution {
            tool: "npm",
            packages: vec![
                pkg("clean", "1.0.0", true, None),
                pkg("evil", "2.0.0-rc.1", false, Some("clean")),
            ],
            ..Resolution::default()
        };
        let merged = merge(&request, &resolution);
        assert_eq!(merged.targets.len(), 2);
        assert_eq!(merged.targets[0].pinned_version().as_deref(), Some("1.0.0"));
        assert_eq!(merged.targets[0].origin, Origin::Argv);
        let evil = &merged.targets[1];
        assert_eq!(evil.pinned_version().as_deref(), Some("2.0.0-rc.1"));
        assert_eq!(evil.origin.to_string(), "npm resolution: required by clean");
    }

    #[test]
    fn a_pinned_target_of_another_version_is_not_the_resolved_one() {
        let request = npm_request("a", Some("1.0.0"));
        let resolution = Resolution {
            tool: "npm",
            packages: vec![pkg("a", "2.0.0", false, Some("b"))],
            ..Resolution::default()
        };
        let merged = merge(&request, &resolution);
        assert_eq!(merged.targets.len(), 2);
        assert!(merged.targets[0].resolved.is_none());
    }

    #[test]
    fn an_environment_is_compared_both_ways() {
        let pin = |n: &str, v: &str| pip::Pin {
            name: n.into(),
            version: v.into(),
            sha256: None,
        };
        let found = |v: &[(&str, &str)]| -> Vec<(String, String)> {
            v.iter()
                .map(|(n, v)| (n.to_string(), v.to_string()))
                .collect()
        };
        let expect = [pin("igtest-app", "1.0"), pin("dep", "1.2.0")];
        assert!(
            environment_drift(&expect, &found(&[("igtest_app", "1.0.0"), ("dep", "1.2")]))
                .is_empty(),
            "names and versions compare the PyPI way"
        );
        assert_eq!(
            environment_drift(&expect, &found(&[("igtest_app", "1.0"), ("evil", "1")])),
            [
                "evil 1 was installed but not checked",
                "dep 1.2.0 was checked but not installed"
            ]
        );
        assert_eq!(
            environment_drift(&expect[1..], &found(&[("dep", "1.3")])),
            ["dep 1.3 was installed, 1.2.0 was checked"]
        );
    }

    #[test]
    fn options_go_before_the_dashes() {
        let a: Vec<OsString> = ["install", "x", "--", "y"]
            .iter()
            .map(OsString::from)
            .collect();
        let e = vec![OsString::from("--z")];
        let got = with_options(&a, Some(2), &e);
        assert_eq!(got, ["install", "x", "--z", "--", "y"].map(OsString::from));
        assert_eq!(
            with_options(&a[..2], None, &e),
            ["install", "x", "--z"].map(OsString::from)
        );
        assert_eq!(tail("a\n\nb\nc\n", 2), "b / c");
    }
}
