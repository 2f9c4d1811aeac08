//! pip: resolve `pip install` with the same pip, interpreter, options and configuration, as
//! `--dry-run --report` with `--only-binary :all:` (index packages are never built to learn
//! their dependencies; direct references that need a build are only resolved when that build
//! is allowed), read the report (every distribution to install with its sha256), and plan the
//! real install from a `--require-hashes` lock built from it, keeping the user's placement and
//! index options (direct references that cannot be hash-pinned — local directories, editables,
//! VCS checkouts — follow with `--no-deps`, VCS pinned to the resolved commit). When the guard
//! may start the install itself and the pip is the one measured, one pip process does both
//! instead ([`pip_hook`]: the same report, handed over before anything is installed); every
//! other case keeps the two runs and records why. Pure except [`resolve`]. Does not resolve
//! `pip download|wheel|lock`, and reads pip's own words to tell an outage from a missing package.

use std::collections::{HashMap, VecDeque};
use std::ffi::OsString;

use serde_json::Value as Json;

use super::exec::{self, Tool, Workdir};
use super::{Builds, Failure, Outcome, Package, Plan, Resolution, Step, Unresolved, Verify};
use super::{hook, pip_hook};
use crate::cmdline::pip::Scan;
use crate::ecosystem::{Ecosystem, pep503};
use crate::request::{Request, Resolved, SourceKind, TargetKind};

const TOOL: &str = "pip";

/// What a `build-from-source` finding says happens next.
const NOT_BUILT: &str = "nothing was built; if you go ahead, installguard builds it, checks what it requires, and asks again if that needs a second look";

/// One distribution of pip's installation report.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Item {
    pub name: String,
    pub version: String,
    pub url: String,
    /// The sha256 of the archive (none for directories and VCS checkouts).
    pub sha256: Option<String>,
    pub is_direct: bool,
    pub requested: bool,
    pub editable: bool,
    /// `dir_info`: a local directory.
    pub dir: bool,
    /// `vcs_info`: (vcs, commit id).
    pub vcs: Option<(String, String)>,
    /// Names (PEP 503) of what it requires, markers not evaluated.
    pub requires: Vec<String>,
}

impl Item {
    /// Whether installing it means building it (it is not a wheel).
    pub fn builds(&self) -> bool {
        self.dir
            || self.vcs.is_some()
            || !self
                .url
                .split(['#', '?'])
                .next()
                .unwrap_or("")
                .to_ascii_lowercase()
                .ends_with(".whl")
    }
}

/// What the installed set must match for one checked distribution.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pin {
    pub name: String,
    pub version: String,
    pub sha256: Option<String>,
}

/// Read pip's installation report (format "0" of pip 22.2, "1" since 23.0).
pub fn parse_report(bytes: &[u8]) -> Result<Vec<Item>, String> {
    let doc: Json = serde_json::from_slice(bytes).map_err(|e| format!("not JSON: {e}"))?;
    match doc["version"].as_str() {
        Some("0" | "1") => {}
        other => {
            return Err(format!(
                "installation report format {} is not one installguard reads (0 or 1)",
                other.unwrap_or("?")
            ));
        }
    }
    let Some(install) = doc["install"].as_array() else {
        return Err("the report has no `install` list".into());
    };
    let mut out = Vec::new();
    for it in install {
        let meta = &it["metadata"];
        let (Some(name), Some(version)) = (meta["name"].as_str(), meta["version"].as_str()) else {
            return Err("a report item has no metadata name or version".into());
        };
        let info = &it["download_info"];
        let archive = &info["archive_info"];
        let sha256 = archive["hashes"]["sha256"]
            .as_str()
            .map(str::to_string)
            .or_else(|| {
                archive["hash"]
                    .as_str()
                    .and_then(|h| h.strip_prefix("sha256="))
                    .map(str::to_string)
            });
        let vcs = info["vcs_info"].as_object().map(|v| {
            (
                v.get("vcs")
                    .and_then(Json::as_str)
                    .unwrap_or("git")
                    .to_string(),
                v.get("commit_id")
                    .and_then(Json::as_str)
                    .unwrap_or("")
                    .to_string(),
            )
        });
        let requires = meta["requires_dist"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(Json::as_str)
                    .filter_map(requirement_name)
                    .collect()
            })
            .unwrap_or_default();
        out.push(Item {
            name: name.to_string(),
            version: version.to_string(),
            url: info["url"].as_str().unwrap_or("").to_string(),
            sha256,
            is_direct: it["is_direct"].as_bool() == Some(true),
            requested: it["requested"].as_bool() == Some(true),
            editable: info["dir_info"]["editable"].as_bool() == Some(true),
            dir: info["dir_info"].is_object(),
            vcs,
            requires,
        });
    }
    Ok(out)
}

/// The project name a PEP 508 requirement starts with, normalised.
pub fn requirement_name(req: &str) -> Option<String> {
    let end = req
        .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')))
        .unwrap_or(req.len());
    (end > 0).then(|| pep503(&req[..end]))
}

/// Report items as packages: direct when requested, else with the chain that requires them.
pub fn packages(items: &[Item]) -> Vec<Package> {
    let by_name: HashMap<String, &Item> = items.iter().map(|i| (pep503(&i.name), i)).collect();
    let mut chains: HashMap<String, Vec<String>> = HashMap::new();
    let mut queue: VecDeque<String> = VecDeque::new();
    for i in items.iter().filter(|i| i.requested) {
        chains.insert(pep503(&i.name), Vec::new());
        queue.push_back(pep503(&i.name));
    }
    while let Some(n) = queue.pop_front() {
        let Some(item) = by_name.get(&n) else {
            continue;
        };
        let mut chain = chains.get(&n).cloned().unwrap_or_default();
        chain.push(item.name.clone());
        for r in &item.requires {
            if by_name.contains_key(r) && !chains.contains_key(r) {
                chains.insert(r.clone(), chain.clone());
                queue.push_back(r.clone());
            }
        }
    }
    items
        .iter()
        .map(|i| {
            let source = if i.vcs.is_some() {
                "git"
            } else if i.url.starts_with("file:") && i.is_direct {
                "path"
            } else if i.is_direct {
                "url"
            } else {
                "registry"
            };
            Package {
                ecosystem: Ecosystem::Pypi,
                name: i.name.clone(),
                resolved: Resolved {
                    by: TOOL.into(),
                    version: Some(i.version.clone()),
                    integrity: i.sha256.as_ref().map(|h| format!("sha256:{h}")),
                    direct: i.requested,
                    required_by: chains.get(&pep503(&i.name)).cloned().unwrap_or_default(),
                    source: source.into(),
                    url: (!i.url.is_empty()).then(|| i.url.clone()),
                    change: "added".into(),
                    previous: None,
                    install_code: if i.builds() {
                        vec!["build".into()]
                    } else {
                        Vec::new()
                    },
                },
            }
        })
        .collect()
}

/// The requirements file the real install reads: every hash-pinnable distribution as
/// `name==version --hash=sha256:…` (a direct archive as `name @ url --hash=…`), after the index
/// options the user's requirements files set (their lines are not read again). Items that
/// cannot be pinned by hash (directories, editables, VCS) are left for [`direct_args`].
pub fn lock_text(items: &[Item], request: &Request) -> String {
    let mut out = String::from(
        "# written by installguard from pip's resolution; every file pinned by hash\n",
    );
    for s in request.sources.iter().filter(|s| {
        s.ecosystem == Ecosystem::Pypi && matches!(s.origin, crate::request::Origin::File { .. })
    }) {
        let opt = match s.kind {
            SourceKind::Index => "--index-url",
            SourceKind::ExtraIndex => "--extra-index-url",
            SourceKind::FindLinks => "--find-links",
            SourceKind::NoIndex => {
                out.push_str("--no-index\n");
                continue;
            }
            _ => continue,
        };
        out.push_str(&format!("{opt} {}\n", s.location));
    }
    for i in items.iter().filter(|i| lockable(i)) {
        match (&i.sha256, i.is_direct) {
            (Some(h), false) => {
                out.push_str(&format!("{}=={} --hash=sha256:{h}\n", i.name, i.version));
            }
            (Some(h), true) => out.push_str(&format!("{} @ {} --hash=sha256:{h}\n", i.name, i.url)),
            (None, _) => {}
        }
    }
    out
}

/// Can it go in the hash-pinned lock?
fn lockable(i: &Item) -> bool {
    i.sha256.is_some() && !i.dir && i.vcs.is_none() && !i.editable
}

/// The direct references that cannot be hash-pinned, as pip arguments for a `--no-deps` run:
/// `-e <dir>`, `<dir>`, `<vcs>+<url>@<commit>`.
pub fn direct_args(items: &[Item]) -> Vec<OsString> {
    let mut out = Vec::new();
    for i in items.iter().filter(|i| !lockable(i) && i.is_direct) {
        let path = || {
            let p = i.url.strip_prefix("file://").unwrap_or(&i.url);
            percent_decode(p)
        };
        if i.editable {
            out.push("-e".into());
            out.push(path().into());
        } else if i.dir {
            out.push(path().into());
        } else if let Some((vcs, commit)) = &i.vcs {
            // PEP 610: the URL without the `vcs+` prefix and without a revision.
            let base = i.url.split('#').next().unwrap_or(&i.url);
            let base = base.strip_prefix(&format!("{vcs}+")).unwrap_or(base);
            out.push(format!("{} @ {vcs}+{base}@{commit}", i.name).into());
        }
    }
    out
}

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let hex = |c: u8| (c as char).to_digit(16);
        if b[i] == b'%'
            && i + 2 < b.len()
            && let (Some(h), Some(l)) = (hex(b[i + 1]), hex(b[i + 2]))
        {
            out.push((h * 16 + l) as u8);
            i += 3;
            continue;
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Pins the installed set is compared with.
pub fn pins(items: &[Item]) -> Vec<Pin> {
    items
        .iter()
        .filter(|i| lockable(i))
        .map(|i| Pin {
            name: pep503(&i.name),
            version: i.version.clone(),
            sha256: i.sha256.clone(),
        })
        .collect()
}

/// Differences between the checked pins and the report of the locked install.
pub fn drift(expect: &[Pin], report: &[u8]) -> Result<Vec<String>, String> {
    let items = parse_report(report)?;
    let mut out = Vec::new();
    for i in &items {
        let name = pep503(&i.name);
        match expect.iter().find(|p| p.name == name) {
            None => out.push(format!(
                "{} {} was installed but not checked",
                i.name, i.version
            )),
            Some(p) if p.version != i.version || (p.sha256.is_some() && p.sha256 != i.sha256) => {
                out.push(format!(
                    "{} {} was installed, {} was checked",
                    i.name, i.version, p.version
                ));
            }
            Some(_) => {}
        }
    }
    Ok(out)
}

/// What pip's debug output says about a failed (or successful) resolution.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Log {
    /// A URL pip could not fetch for lack of a connection.
    pub unreachable: Option<String>,
    /// Projects with sdists that `--only-binary :all:` skipped (pip: "No sources permitted").
    pub sdist_only: Vec<(String, String)>,
    /// `No matching distribution found for X`.
    pub missing: Vec<String>,
    /// pip does not know `--dry-run` or `--report` (older than 22.2).
    pub too_old: bool,
}

/// Read pip's output at `-vv`.
pub fn read_log(text: &str) -> Log {
    let mut log = Log::default();
    for line in text.lines() {
        let line = line.trim();
        if line.contains("no such option: --dry-run") || line.contains("no such option: --report") {
            log.too_old = true;
        }
        if let Some(rest) = line.strip_prefix("Could not fetch URL ")
            && (rest.contains("connection error")
                || rest.contains("NewConnectionError")
                || rest.contains("Max retries exceeded")
                || rest.contains("ProxyError")
                || rest.contains("timed out"))
            && log.unreachable.is_none()
        {
            log.unreachable = Some(rest.split(": ").next().unwrap_or(rest).to_string());
        }
        if let Some(rest) = line.strip_prefix("Skipping link: No sources permitted for ")
            && let Some((name, url)) = rest.split_once(": ")
            && !log.sdist_only.iter().any(|(n, u)| n == name && u == url)
        {
            log.sdist_only.push((name.to_string(), url.to_string()));
        }
        if let Some(rest) = line.strip_prefix("ERROR: No matching distribution found for ") {
            log.missing.push(rest.trim().to_string());
        }
    }
    log
}

/// Why the resolution failed, from pip's log.
pub fn classify(log: &Log) -> Failure {
    if log.too_old {
        Failure::OldTool
    } else if log.unreachable.is_some() {
        Failure::Offline
    } else if !log.sdist_only.is_empty() {
        Failure::NeedsBuild
    } else if !log.missing.is_empty() {
        Failure::NotFound
    } else {
        Failure::ToolFailed
    }
}

/// The user's arguments for a run that installs from the lock: every option that is not a
/// requirement source (positionals, `-r`, `-c`, `-e`, `--group`, `-I`-like flags stay), and
/// never `--no-require-hashes` or `--report` (the guard's own report is added).
pub fn kept_options(args: &[OsString], scan: &Scan) -> Vec<OsString> {
    let drop_long = |long: &str| matches!(long, "--no-require-hashes" | "--report" | "--dry-run");
    let mut out: Vec<OsString> =
        args[..=scan.command_at.min(args.len().saturating_sub(1))].to_vec();
    let mut i = scan.command_at + 1;
    for o in &scan.options {
        if o.start < i {
            continue; // another option of the same short-option cluster
        }
        let group: Vec<&crate::cmdline::pip::Occurrence> =
            scan.options.iter().filter(|x| x.start == o.start).collect();
        let keep_all = group
            .iter()
            .all(|x| !x.names_packages() && !drop_long(x.long));
        if keep_all {
            out.extend_from_slice(&args[o.start..o.end]);
        } else {
            for x in group
                .iter()
                .filter(|x| !x.names_packages() && !drop_long(x.long))
            {
                match &x.value {
                    Some(v) => out.push(format!("{}={v}", x.long).into()),
                    None => out.push(x.long.into()),
                }
            }
        }
        i = o.end;
    }
    out
}

/// Direct references in the request that have to be built to learn what they install: local
/// directories and sdists, VCS checkouts, sdist URLs (wheels need no build).
pub fn direct_builds(request: &Request) -> Vec<String> {
    request
        .targets
        .iter()
        .filter(|t| t.ecosystem == Ecosystem::Pypi)
        .filter(|t| matches!(t.kind, TargetKind::Path | TargetKind::Git | TargetKind::Url))
        .filter_map(|t| t.spec.clone())
        .filter(|s| {
            !s.split(['#', '?'])
                .next()
                .unwrap_or("")
                .to_ascii_lowercase()
                .ends_with(".whl")
        })
        .collect()
}

/// What the resolve-only run adds to the user's arguments: a dry run writing its report to
/// `report`, no prompt, no retry, a bounded wait, no progress bar, and no self version check
/// (pip would otherwise read its state file and may ask PyPI about pip itself: time and a
/// request that say nothing about the tree). With index builds not allowed, wheels only.
/// Nothing here changes what pip resolves.
pub fn resolve_only_flags(report: &std::path::Path, builds: Builds) -> Vec<OsString> {
    let mut out: Vec<OsString> = vec![
        "--dry-run".into(),
        "--report".into(),
        report.into(),
        "--no-input".into(),
        "--retries".into(),
        "0".into(),
        "--timeout".into(),
        "15".into(),
        "--progress-bar".into(),
        "off".into(),
        "--disable-pip-version-check".into(),
    ];
    if !builds.index {
        out.extend(["--only-binary".into(), ":all:".into()]);
    }
    out
}

/// Resolve a `pip install` (see the module doc). `prefix` comes before pip's own arguments
/// (`-m pip` for `python -m pip`); `args` are pip's arguments; `settings.install_env` empty: the
/// guard may not start the install itself (two runs).
pub fn resolve(
    tool: &Tool,
    prefix: &[OsString],
    args: &[OsString],
    scan: &Scan,
    request: &Request,
    builds: Builds,
    settings: &super::Settings,
) -> Outcome {
    let (timeout, install_env) = (settings.timeout, &settings.install_env);
    if scan.command != "install" {
        return Outcome::Unresolved(Unresolved::new(
            TOOL,
            Failure::Unsupported,
            format!("`pip {}` is checked by name only", scan.command),
        ));
    }
    let has = |long: &str| scan.options.iter().any(|o| o.long == long);
    let direct = direct_builds(request);
    if !direct.is_empty() && !builds.direct {
        return Outcome::Unresolved(Unresolved::needs_build(
            TOOL,
            NOT_BUILT,
            direct,
            Builds {
                direct: true,
                index: false,
            },
        ));
    }
    if has("--no-binary") && !builds.index {
        let named = scan
            .options
            .iter()
            .filter(|o| o.long == "--no-binary")
            .filter_map(|o| o.value.clone())
            .collect();
        return Outcome::Unresolved(Unresolved::needs_build(
            TOOL,
            "--no-binary asks pip to build from source",
            named,
            Builds {
                direct: false,
                index: true,
            },
        ));
    }
    // One pip process when the guard may start the install itself; else why two runs.
    let mut failed_once = false;
    let two_runs = if install_env.is_empty() {
        None
    } else {
        match one_process_gate(tool, prefix, scan, request, builds) {
            Err(why) => Some(why),
            Ok((python, version, argv0)) => {
                let at = Launch {
                    python: &python,
                    version: &version,
                    argv0: &argv0,
                    env: install_env,
                };
                match one_process(&at, args, scan, timeout) {
                    Ok(o) => return o,
                    Err(None) => {
                        // pip could not resolve; the resolve-only run at -vv says why.
                        failed_once = true;
                        Some("the one pip process could not resolve the tree".into())
                    }
                    Err(Some(why)) => Some(why),
                }
            }
        }
    };
    let mut out = run(
        tool,
        prefix,
        args,
        scan,
        request,
        builds,
        timeout,
        failed_once,
    );
    if let Ok(Outcome::Resolved(r)) = &mut out
        && let Some(why) = two_runs
        && !r.plan.steps.is_empty()
    {
        r.plan.runs = Some(format!("{TWO_PIP}: {why}"));
    }
    out.unwrap_or_else(Outcome::Unresolved)
}

/// How a `pip install` ran, for the record.
const ONE_PIP: &str = "one pip process (the install waited for the verdict on its own tree)";
const TWO_PIP: &str = "two pip runs (resolve-only, then the install from the hash-pinned lock)";

/// Whether this install may run as one pip process ([`pip_hook`]): the interpreter, pip's
/// version and argv[0], or why it keeps the two runs. Everything the two runs handle specially
/// (builds, direct references, the user's own dry run) keeps them.
fn one_process_gate(
    tool: &Tool,
    prefix: &[OsString],
    scan: &Scan,
    request: &Request,
    builds: Builds,
) -> Result<(std::path::PathBuf, String, OsString), String> {
    let has = |long: &str| scan.options.iter().any(|o| o.long == long);
    if has("--dry-run") {
        return Err("--dry-run (pip only resolves)".into());
    }
    if builds.direct || builds.index {
        return Err("a build was allowed (resolved with it, then installed from the lock)".into());
    }
    if has("--use-deprecated") {
        return Err("--use-deprecated (another resolver)".into());
    }
    if request.targets.iter().any(|t| {
        t.ecosystem == Ecosystem::Pypi
            && matches!(t.kind, TargetKind::Path | TargetKind::Git | TargetKind::Url)
    }) {
        return Err("a direct reference (a local path, URL or VCS checkout)".into());
    }
    pip_hook::locate(&tool.real, prefix)
}

/// The pip the one process runs: its interpreter, version, argv[0], and the real install's
/// environment.
struct Launch<'a> {
    python: &'a std::path::Path,
    version: &'a str,
    argv0: &'a OsString,
    env: &'a [(&'static str, OsString)],
}

/// A `pip install` as one pip process: the tree pip hands over, with the process held in the
/// plan until the verdict; `Err(None)`: pip could not resolve; `Err(Some(why))`: it cannot run
/// this way (the two runs follow).
fn one_process(
    at: &Launch,
    args: &[OsString],
    scan: &Scan,
    timeout: std::time::Duration,
) -> Result<Outcome, Option<String>> {
    let unresolved = |u: Unresolved| Ok(Outcome::Unresolved(u));
    let fail = |d: String| unresolved(Unresolved::new(TOOL, Failure::ToolFailed, d));
    let work = match Workdir::new() {
        Ok(w) => w,
        Err(e) => return fail(format!("work directory: {e}")),
    };
    let full = super::with_options(args, scan.dashes_at, &pip_hook::flags());
    let (mut hooked, files) =
        match pip_hook::start(at.python, at.version, at.argv0, &full, at.env, &work) {
            Ok(h) => h,
            Err(e) => return fail(format!("cannot run {}: {e}", at.python.display())),
        };
    let bytes = match hooked.handover(timeout) {
        Ok(b) => b,
        Err(s) => {
            return match s {
                hook::Stop::Ended(why) => match pip_hook::ended(&why) {
                    pip_hook::Ended::Unmeasured(why) => Err(Some(why)),
                    pip_hook::Ended::Failed => Err(None),
                },
                _ => unresolved(s.unresolved(TOOL, |why| {
                    Unresolved::new(TOOL, Failure::ToolFailed, why.trim())
                })),
            };
        }
    };
    // Anything wrong from here drops `hooked` unanswered: pip is told no.
    let items = match parse_report(&bytes) {
        Ok(i) => i,
        Err(e) => return fail(format!("pip's report: {e}")),
    };
    Ok(Outcome::Resolved(Resolution {
        tool: TOOL,
        packages: packages(&items),
        plan: Plan {
            verify: Some(Verify::PipReport {
                path: files.installing,
                expect: pins(&items),
            }),
            hooked: Some(Box::new(hooked)),
            one_process: true,
            runs: Some(ONE_PIP.into()),
            workdir: Some(work),
            ..Plan::default()
        },
        notes: Vec::new(),
    }))
}

#[allow(clippy::too_many_arguments)]
fn run(
    tool: &Tool,
    prefix: &[OsString],
    args: &[OsString],
    scan: &Scan,
    request: &Request,
    builds: Builds,
    timeout: std::time::Duration,
    failed_once: bool,
) -> Result<Outcome, Unresolved> {
    let fail = |f: Failure, d: String| Unresolved::new(TOOL, f, d);
    let has = |long: &str| scan.options.iter().any(|o| o.long == long);
    let work =
        Workdir::new().map_err(|e| fail(Failure::ToolFailed, format!("work directory: {e}")))?;
    let report = work.path().join("report.json");
    let quiet = scan.options.iter().filter(|o| o.long == "--quiet").count();
    let mut extra = resolve_only_flags(&report, builds);
    let cwd = std::env::current_dir().map_err(|e| fail(Failure::ToolFailed, e.to_string()))?;
    let dry_run = |extra: &[OsString]| {
        let mut full: Vec<OsString> = prefix.to_vec();
        full.extend(super::with_options(args, scan.dashes_at, extra));
        let ran = exec::run(tool, &full, &cwd, &[], &work, timeout)
            .map_err(|e| fail(Failure::ToolFailed, format!("cannot run pip: {e}")))?;
        match ran.stopped(TOOL, timeout) {
            Some(u) => Err(u),
            None => Ok(ran),
        }
    };
    // After the one pip process failed to resolve, only the run that says why.
    let mut ran = if failed_once {
        None
    } else {
        Some(dry_run(&extra)?)
    };
    if ran.as_ref().is_none_or(|r| !r.ok()) && !builds.index {
        // pip says why only in its debug log (an unreachable index and a project with only
        // sdists both end in "No matching distribution"): ask again, at -vv. Logging every
        // link costs seconds on large trees, so only a failure pays for it. Nothing is built:
        // --only-binary :all: still holds.
        extra.extend(std::iter::repeat_n(OsString::from("-v"), 2 + quiet));
        ran = Some(dry_run(&extra)?);
    }
    let Some(ran) = ran else {
        return Err(fail(Failure::ToolFailed, "pip could not resolve".into()));
    };
    let log = read_log(&ran.output());
    if !ran.ok() {
        let failure = classify(&log);
        let detail = match failure {
            Failure::OldTool => "this pip has no --dry-run --report (pip 22.2 or newer has); upgrade pip to have the whole tree checked".to_string(),
            Failure::Offline => format!("could not reach {}", log.unreachable.clone().unwrap_or_default()),
            Failure::NeedsBuild => NOT_BUILT.to_string(),
            _ => super::tail(&ran.stderr, 2),
        };
        let mut u = fail(failure, detail);
        if failure == Failure::NeedsBuild {
            u.builds = log.sdist_only.iter().map(|(n, _)| n.clone()).collect();
            u.builds.dedup();
            u.needs.index = true;
        }
        return Err(u);
    }
    let bytes = crate::files::read_regular(&report, 256 << 20)
        .map_err(|e| fail(Failure::ToolFailed, format!("pip's report: {e}")))?;
    let items = parse_report(&bytes)
        .map_err(|e| fail(Failure::ToolFailed, format!("pip's report: {e}")))?;
    let notes = Vec::new();
    if has("--dry-run") {
        // The user's own dry run installs nothing: run it as typed.
        return Ok(Outcome::Resolved(Resolution {
            tool: TOOL,
            packages: packages(&items),
            plan: Plan::default(),
            notes,
        }));
    }
    let lock = work.path().join("locked.txt");
    std::fs::write(&lock, lock_text(&items, request))
        .map_err(|e| fail(Failure::ToolFailed, format!("{}: {e}", lock.display())))?;
    let kept = kept_options(args, scan);
    let mut steps = Vec::new();
    let user_report = has("--report");
    let post = work.path().join("installed.json");
    if items.iter().any(lockable) {
        let mut a: Vec<OsString> = prefix.to_vec();
        // The lock is the whole checked closure: pip installs exactly its lines and resolves
        // nothing again.
        let mut extra: Vec<OsString> = vec![
            "--require-hashes".into(),
            "--no-deps".into(),
            "-r".into(),
            lock.clone().into(),
        ];
        if !builds.index && !items.iter().any(|i| lockable(i) && i.builds()) {
            extra.extend(["--only-binary".into(), ":all:".into()]);
        }
        if !user_report {
            extra.extend(["--report".into(), post.clone().into()]);
        }
        a.extend(super::with_options(&kept, None, &extra));
        steps.push(Step {
            args: a,
            env: Vec::new(),
        });
    }
    let direct = direct_args(&items);
    if !direct.is_empty() {
        let mut a: Vec<OsString> = prefix.to_vec();
        let mut extra = vec![OsString::from("--no-deps")];
        extra.extend(direct);
        a.extend(super::with_options(&kept, None, &extra));
        steps.push(Step {
            args: a,
            env: Vec::new(),
        });
    }
    if steps.is_empty() {
        // Everything is already installed: nothing to pin, the command runs as typed.
        return Ok(Outcome::Resolved(Resolution {
            tool: TOOL,
            packages: packages(&items),
            plan: Plan::default(),
            notes,
        }));
    }
    let verify = (!user_report && items.iter().any(lockable)).then(|| Verify::PipReport {
        path: post,
        expect: pins(&items),
    });
    Ok(Outcome::Resolved(Resolution {
        tool: TOOL,
        packages: packages(&items),
        plan: Plan {
            steps,
            verify,
            writes: Vec::new(),
            keep_writes: false,
            workdir: Some(work),
            ..Plan::default()
        },
        notes,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ecosystem::Manager;
    use crate::request::{Origin, Source};

    const REPORT: &str = r#"{"version": "1", "pip_version": "23.2.1", "install": [
      {"download_info": {"url": "file:///w/clean-1.0.0-py3-none-any.whl",
         "archive_info": {"hash": "sha256=aa", "hashes": {"sha256": "aa"}}},
       "is_direct": false, "requested": true,
       "metadata": {"name": "Clean", "version": "1.0.0", "requires_dist": ["evil_pkg>=1; python_version > '3'", "mid"]}},
      {"download_info": {"url": "https://files/mid-2.0.tar.gz", "archive_info": {"hash": "sha256=bb"}},
       "is_direct": false, "requested": false,
       "metadata": {"name": "mid", "version": "2.0", "requires_dist": ["evil-pkg"]}},
      {"download_info": {"url": "file:///w/evil_pkg-1.0-py3-none-any.whl", "archive_info": {"hashes": {"sha256": "cc"}}},
       "is_direct": false, "requested": false,
       "metadata": {"name": "evil-pkg", "version": "1.0"}},
      {"download_info": {"url": "file:///home/me/proj%20x", "dir_info": {"editable": true}},
       "is_direct": true, "requested": true,
       "metadata": {"name": "proj", "version": "0.1"}},
      {"download_info": {"url": "https://example.org/r.git", "vcs_info": {"vcs": "git", "requested_revision": "v2", "commit_id": "9a7e"}},
       "is_direct": true, "requested": true,
       "metadata": {"name": "fromgit", "version": "2.0"}}
    ], "environment": {}}"#;

    #[test]
    fn report_items_become_packages_with_hashes_and_chains() {
        let items = parse_report(REPORT.as_bytes()).unwrap();
        let pkgs = packages(&items);
        let get = |n: &str| pkgs.iter().find(|p| p.name == n).unwrap();
        assert!(get("Clean").resolved.direct);
        assert_eq!(
            get("Clean").resolved.integrity.as_deref(),
            Some("sha256:aa")
        );
        assert_eq!(get("Clean").resolved.install_code, Vec::<String>::new());
        assert_eq!(get("evil-pkg").resolved.required_by, ["Clean"]);
        assert_eq!(get("mid").resolved.install_code, ["build"]);
        assert_eq!(get("proj").resolved.source, "path");
        assert_eq!(get("fromgit").resolved.source, "git");
        assert!(parse_report(br#"{"version": "2", "install": []}"#).is_err());
    }

    #[test]
    fn the_resolve_only_run_skips_the_self_check_and_builds_only_when_allowed() {
        let report = std::path::Path::new("/w/report.json");
        let flags = |builds| -> Vec<String> {
            resolve_only_flags(report, builds)
                .iter()
                .map(|f| f.to_string_lossy().into_owned())
                .collect()
        };
        let wheels = flags(Builds::default());
        assert_eq!(
            wheels,
            [
                "--dry-run",
                "--report",
                "/w/report.json",
                "--no-input",
                "--retries",
                "0",
                "--timeout",
                "15",
                "--progress-bar",
                "off",
                "--disable-pip-version-check",
                "--only-binary",
                ":all:"
            ]
        );
        let built = flags(Builds {
            direct: true,
            index: true,
        });
        assert!(built.contains(&"--disable-pip-version-check".to_string()));
        assert!(!built.contains(&"--only-binary".to_string()));
    }

    #[test]
    fn the_lock_pins_files_by_hash_and_keeps_the_files_index_options() {
        let items = parse_report(REPORT.as_bytes()).unwrap();
        let request = Request {
            program: "pip".into(),
            manager: Manager::Pip,
            installs: true,
            targets: vec![],
            scripts: Vec::new(),
            sources: vec![
                Source {
                    ecosystem: Ecosystem::Pypi,
                    kind: SourceKind::ExtraIndex,
                    location: "https://mirror/simple".into(),
                    scope: None,
                    origin: Origin::File {
                        path: "req.txt".into(),
                        line: 1,
                    },
                },
                Source {
                    ecosystem: Ecosystem::Pypi,
                    kind: SourceKind::Index,
                    location: "https://argv/simple".into(),
                    scope: None,
                    origin: Origin::Argv,
                },
            ],
            grammar: None,
        };
        let text = lock_text(&items, &request);
        assert!(
            text.contains("--extra-index-url https://mirror/simple\n"),
            "{text}"
        );
        assert!(
            !text.contains("argv"),
            "command-line options stay on the command line: {text}"
        );
        assert!(text.contains("Clean==1.0.0 --hash=sha256:aa\n"));
        assert!(text.contains("mid==2.0 --hash=sha256:bb\n"));
        assert!(text.contains("evil-pkg==1.0 --hash=sha256:cc\n"));
        assert!(!text.contains("proj"));
        assert_eq!(
            direct_args(&items),
            [
                "-e",
                "/home/me/proj x",
                "fromgit @ git+https://example.org/r.git@9a7e"
            ]
            .map(OsString::from)
        );
    }

    #[test]
    fn drift_after_the_install() {
        let items = parse_report(REPORT.as_bytes()).unwrap();
        let expect = pins(&items);
        let ok = r#"{"version": "1", "install": [{"download_info": {"url": "u", "archive_info": {"hashes": {"sha256": "cc"}}}, "metadata": {"name": "evil_pkg", "version": "1.0"}}]}"#;
        assert!(drift(&expect, ok.as_bytes()).unwrap().is_empty());
        let bad = r#"{"version": "1", "install": [{"download_info": {"url": "u"}, "metadata": {"name": "other", "version": "1"}},
            {"download_info": {"url": "u", "archive_info": {"hashes": {"sha256": "zz"}}}, "metadata": {"name": "mid", "version": "2.0"}}]}"#;
        assert_eq!(drift(&expect, bad.as_bytes()).unwrap().len(), 2);
    }

    #[test]
    fn pips_log_tells_an_outage_from_a_missing_package_and_a_missing_wheel() {
        let offline = "Could not fetch URL http://127.0.0.1:9/simple/requests/: connection error: HTTPConnectionPool(host='127.0.0.1', port=9): Max retries exceeded - skipping\nERROR: No matching distribution found for requests";
        let log = read_log(offline);
        assert_eq!(classify(&log), Failure::Offline);
        assert_eq!(
            log.unreachable.as_deref(),
            Some("http://127.0.0.1:9/simple/requests/")
        );
        let sdist = "Skipping link: No sources permitted for probe: file:///w/probe-2.0.tar.gz\nERROR: No matching distribution found for probe";
        let log = read_log(sdist);
        assert_eq!(classify(&log), Failure::NeedsBuild);
        assert_eq!(
            log.sdist_only,
            [(
                "probe".to_string(),
                "file:///w/probe-2.0.tar.gz".to_string()
            )]
        );
        assert_eq!(
            classify(&read_log("ERROR: No matching distribution found for nope")),
            Failure::NotFound
        );
        assert_eq!(
            classify(&read_log("no such option: --report")),
            Failure::OldTool
        );
    }

    #[test]
    fn kept_options_drop_requirement_sources_and_hash_escapes() {
        let argv: Vec<String> = [
            "install",
            "-Ur",
            "req.txt",
            "--target",
            "/t",
            "x",
            "-e",
            ".",
            "--no-require-hashes",
            "-q",
        ]
        .iter()
        .map(std::string::ToString::to_string)
        .collect();
        let scan = crate::cmdline::pip::scan(&argv).unwrap().unwrap();
        let args: Vec<OsString> = argv.iter().map(OsString::from).collect();
        assert_eq!(
            kept_options(&args, &scan),
            ["install", "--upgrade", "--target", "/t", "-q"].map(OsString::from)
        );
    }
}
