//! Evaluation: turns a [`Request`] and the reputation data into findings and one verdict.
//! Pure: no I/O, no prompts. Severities here are the built-in defaults; `policy::apply` turns
//! them by the organisation's rules and adds the policy's own findings.

use serde::Serialize;

use crate::ecosystem::Ecosystem;
use crate::names::serde_by_name;
use crate::reputation::Data;
use crate::reputation::imitation::{self, ImitationKind};
use crate::reputation::snapshot::{PopularList, Report, Snapshot};
use crate::request::{Request, Target, TargetKind};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    Info,
    Warn,
    Block,
}

impl Severity {
    /// The name in JSON and the log (`warn`).
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warn => "warn",
            Severity::Block => "block",
        }
    }

    /// How a finding's severity is shown in stderr messages and `check` output (`WARN`).
    pub fn label(self) -> &'static str {
        match self {
            Severity::Block => "BLOCK",
            Severity::Warn => "WARN",
            Severity::Info => "info",
        }
    }
}

serde_by_name!(Severity, as_str);

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Verdict {
    Allow,
    Warn,
    Block,
}

impl Verdict {
    /// The name in JSON, the log and `check` output (`allow`).
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Allow => "allow",
            Verdict::Warn => "warn",
            Verdict::Block => "block",
        }
    }
}

serde_by_name!(Verdict, as_str);

/// Which check produced a finding; stable ids for policies and log consumers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rule {
    /// A report marks the package (or the requested version) malicious.
    Malicious,
    /// The name imitates a popular package.
    Imitation,
    /// The target is not a registry package, so reputation data cannot vouch for it.
    UncheckedSource,
    /// The policy's `[packages] deny` names the package.
    DenyList,
    /// The command points to an index, registry or tap the policy's `[sources]` does not list.
    UnknownRegistry,
    /// The install does not pin an exact version.
    UnpinnedVersion,
    /// The reputation data is older than the policy's `[data] max-age`.
    StaleData,
    /// The registry says the package first appeared less than `[signals] new-package-age` ago.
    NewPackage,
    /// The registry says the version that would be installed is younger than
    /// `[signals] new-version-age` (a cooldown, reported, never enforced by changing versions).
    NewVersion,
    /// The registry or index the command uses does not know the name.
    UnknownPackage,
    /// The registry itself has taken the package down: npm's `0.0.1-security` placeholder,
    /// a PEP 792 `quarantined` project.
    RegistryFlagged,
    /// A registry could not be asked (or did not say what the signals need).
    RegistryUnavailable,
    /// A local project computes its dependencies in build code (`setup.py`, `dynamic`), so
    /// what it installs cannot be known without running that code.
    HiddenDependencies,
    /// A lockfile entry's `resolved` tarball (or its integrity) belongs to another package or
    /// version than the entry claims: the file was edited to install something else.
    LockfileMismatch,
    /// The whole dependency tree could not be resolved (offline, the tool refused, too old a
    /// tool, a command resolution does not cover): only the names the command shows were
    /// checked.
    Unresolved,
    /// Installing (or resolving) a package builds it from source, which runs its own code
    /// (a PyPI sdist's setup.py or build backend, a local directory, a VCS checkout).
    BuildFromSource,
    /// A dependency's install-time code (install script, git `prepare`, an sdist's build) that
    /// `[scripts] allow` does not cover; its action is `[scripts] dependencies`.
    InstallScript,
    /// The project's own install-time code (lifecycle scripts, its build), not yet approved;
    /// its action is `[scripts] project`.
    ProjectScript,
}

impl Rule {
    pub const ALL: [Rule; 18] = [
        Rule::Malicious,
        Rule::Imitation,
        Rule::UncheckedSource,
        Rule::DenyList,
        Rule::UnknownRegistry,
        Rule::UnpinnedVersion,
        Rule::StaleData,
        Rule::NewPackage,
        Rule::NewVersion,
        Rule::UnknownPackage,
        Rule::RegistryFlagged,
        Rule::RegistryUnavailable,
        Rule::HiddenDependencies,
        Rule::LockfileMismatch,
        Rule::Unresolved,
        Rule::BuildFromSource,
        Rule::InstallScript,
        Rule::ProjectScript,
    ];

    /// The stable id (`deny-list`), as in policies and JSON.
    pub fn id(self) -> &'static str {
        match self {
            Rule::Malicious => "malicious",
            Rule::Imitation => "imitation",
            Rule::UncheckedSource => "unchecked-source",
            Rule::DenyList => "deny-list",
            Rule::UnknownRegistry => "unknown-registry",
            Rule::UnpinnedVersion => "unpinned-version",
            Rule::StaleData => "stale-data",
            Rule::NewPackage => "new-package",
            Rule::NewVersion => "new-version",
            Rule::UnknownPackage => "unknown-package",
            Rule::RegistryFlagged => "registry-flagged",
            Rule::RegistryUnavailable => "registry-unavailable",
            Rule::HiddenDependencies => "hidden-dependencies",
            Rule::LockfileMismatch => "lockfile-mismatch",
            Rule::Unresolved => "unresolved",
            Rule::BuildFromSource => "build-from-source",
            Rule::InstallScript => "install-script",
            Rule::ProjectScript => "project-script",
        }
    }
}

serde_by_name!(Rule, id);

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// The target's label (name, else spec).
    pub target: String,
    pub ecosystem: Ecosystem,
    pub rule: Rule,
    pub severity: Severity,
    /// One or two sentences a person understands, including what to do instead.
    pub message: String,
    /// The report id that marks the package malicious.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub report: Option<String>,
    /// The popular package this name imitates.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub imitates: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub imitation_kind: Option<ImitationKind>,
    /// What a registry said (registry-signal findings): the URL asked and the dates.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub registry: Option<RegistryEvidence>,
    /// Where the target came from (`argv`, `file:line`, `env:VAR`).
    pub origin: String,
    /// Set when a policy allow or exception lifted this finding to info: which one and where.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub allowed_by: Option<String>,
}

/// The evidence behind a registry-signal finding. URLs are redacted.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct RegistryEvidence {
    /// The URL asked (the package's packument or project page), credentials removed.
    pub url: String,
    /// When the answer was fetched (RFC 3339); older than now when it came from the cache.
    pub fetched: String,
    /// When the package first appeared on that registry (RFC 3339).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_published: Option<String>,
    /// The version judged: the pinned one, else the newest release.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version_published: Option<String>,
    /// `security-placeholder`, or a PEP 792 status such as `quarantined`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Evaluation {
    pub verdict: Verdict,
    pub findings: Vec<Finding>,
}

pub fn evaluate(request: &Request, snap: &Data) -> Evaluation {
    let mut findings = Vec::new();
    for target in &request.targets {
        check_target(target, snap, &mut findings);
    }
    Evaluation {
        verdict: verdict_of(&findings),
        findings,
    }
}

/// The verdict is the highest severity among the findings.
pub fn verdict_of(findings: &[Finding]) -> Verdict {
    match findings.iter().map(|f| f.severity).max() {
        Some(Severity::Block) => Verdict::Block,
        Some(Severity::Warn) => Verdict::Warn,
        _ => Verdict::Allow,
    }
}

impl Finding {
    /// A finding with no evidence beyond its message.
    pub fn new(
        target: String,
        ecosystem: Ecosystem,
        rule: Rule,
        severity: Severity,
        message: String,
        origin: String,
    ) -> Finding {
        Finding {
            target,
            ecosystem,
            rule,
            severity,
            message,
            report: None,
            imitates: None,
            imitation_kind: None,
            registry: None,
            origin,
            allowed_by: None,
        }
    }
}

pub(crate) fn finding(target: &Target, rule: Rule, severity: Severity, message: String) -> Finding {
    Finding::new(
        target.label().to_string(),
        target.ecosystem,
        rule,
        severity,
        message,
        target.origin.to_string(),
    )
}

fn check_target(target: &Target, snap: &Data, out: &mut Vec<Finding>) {
    let eco = target.ecosystem;
    if let Some(claimed) = &target.claimed {
        let real = match (&target.name, &target.spec) {
            (Some(n), Some(v)) if target.kind != TargetKind::Url => format!("{n}@{v}"),
            (Some(n), _) => n.clone(),
            (None, Some(s)) => s.clone(),
            (None, None) => "another package".to_string(),
        };
        out.push(finding(
            target,
            Rule::LockfileMismatch,
            Severity::Block,
            format!(
                "the lockfile entry for `{claimed}` fetches `{real}`: its resolved tarball or integrity belongs to another package, so the file was edited to install something else. Regenerate the lockfile from the registry"
            ),
        ));
    }
    match target.kind {
        TargetKind::Registry | TargetKind::Alias | TargetKind::Formula | TargetKind::Cask => {}
        TargetKind::Git | TargetKind::Url => {
            out.push(finding(
                target,
                Rule::UncheckedSource,
                Severity::Info,
                format!(
                    "`{}` is fetched from {}, not the registry: reputation data cannot vouch for it",
                    target.spec.as_deref().unwrap_or("?"),
                    if target.kind == TargetKind::Git { "a git repository" } else { "a URL" }
                ),
            ));
            // A `name @ url` or `name@git…` still names a package: check the name too.
            if target.name.is_none() {
                return;
            }
        }
        TargetKind::Path => {
            out.push(finding(
                target,
                Rule::UncheckedSource,
                Severity::Info,
                format!(
                    "`{}` is a local path: its own dependencies are resolved when it is built",
                    target.spec.as_deref().unwrap_or("?")
                ),
            ));
            // A wheel or sdist file names its project (and version): check that name.
            if target.name.is_none() {
                return;
            }
        }
        TargetKind::DynamicDependencies => {
            out.push(finding(
                target,
                Rule::HiddenDependencies,
                Severity::Warn,
                format!(
                    "{}: they cannot be known without running the project's code, so installguard cannot check them",
                    target.spec.as_deref().unwrap_or("the project computes its dependencies when it is built")
                ),
            ));
            return;
        }
        TargetKind::RequirementsFile => {
            let spec = target.spec.as_deref().unwrap_or("");
            if is_remote(spec) {
                out.push(finding(
                    target,
                    Rule::UncheckedSource,
                    Severity::Warn,
                    format!(
                        "requirements file `{spec}` is fetched by pip at install time, so its packages cannot be checked; download it and pass the local copy"
                    ),
                ));
            }
            return;
        }
        TargetKind::Tap => {
            out.push(finding(
                target,
                Rule::UncheckedSource,
                Severity::Info,
                format!(
                    "tap `{}` adds a third-party formula repository; its formulae run Ruby code at install",
                    target.label()
                ),
            ));
            return;
        }
        TargetKind::Manifest | TargetKind::Lockfile | TargetKind::Brewfile => return,
        TargetKind::AllOutdated => {
            out.push(finding(
                target,
                Rule::UncheckedSource,
                Severity::Info,
                "upgrades every outdated package; new versions are not known until they are fetched"
                    .into(),
            ));
            return;
        }
    }
    let Some(name) = target.name.as_deref() else {
        return;
    };
    let normalized = eco.normalize(name);
    if let Some(report) = snap.malicious(eco, &normalized) {
        let popular = is_popular(snap.popular(), eco, &normalized);
        if let Some(f) = malicious_finding(target, &report, popular) {
            out.push(f);
        }
        if report.all_versions() || !popular {
            return;
        }
    }
    if let Some(imitation) = imitation::check(snap.popular(), eco, &normalized) {
        let what = match imitation.kind {
            ImitationKind::Typo => "looks like a typo of",
            ImitationKind::DoubledLetter => "doubles or drops a letter of",
            ImitationKind::Truncation => "is cut short from",
            ImitationKind::Garble => "garbles the letters of",
            ImitationKind::Lookalike => {
                "uses look-alike characters (`0` for `o`, `1` for `l`) to imitate"
            }
            ImitationKind::ScopeConfusion => "copies the name of the scoped package",
            ImitationKind::Combo => "glues a filler word onto",
            ImitationKind::VersionTag => "puts a version number on",
        };
        let mut f = finding(
            target,
            Rule::Imitation,
            Severity::Warn,
            format!(
                "`{name}` {what} the popular package `{}` ({}). Did you mean `{}`?",
                imitation.imitates,
                popularity(eco, imitation.rank),
                imitation.imitates
            ),
        );
        f.imitates = Some(imitation.imitates);
        f.imitation_kind = Some(imitation.kind);
        out.push(f);
    }
}

fn popularity(eco: Ecosystem, rank: u32) -> String {
    match (eco, rank) {
        (Ecosystem::Brew, _) | (_, 0) => format!("a {eco} package"),
        (Ecosystem::Pypi, r) => format!("#{r} by downloads on PyPI"),
        (Ecosystem::Npm, r) => format!("#{r} by downloads on npm"),
    }
}

fn is_remote(spec: &str) -> bool {
    let lower = spec.to_ascii_lowercase();
    ["http://", "https://", "ftp://"]
        .iter()
        .any(|p| lower.starts_with(p))
}

/// Whether `normalized` is on one of `eco`'s popular lists (the embedded snapshot's).
pub(crate) fn is_popular(snap: &Snapshot, eco: Ecosystem, normalized: &str) -> bool {
    PopularList::for_ecosystem(eco)
        .iter()
        .any(|&l| snap.popular_rank(l, normalized).is_some())
}

/// Malicious reports are version-aware for popular packages (a hijacked release of a real
/// project); for any other package a report taints every version.
fn malicious_finding(target: &Target, report: &Report, popular: bool) -> Option<Finding> {
    let name = target.label();
    let affected = describe_affected(report);
    let (severity, message) = if report.all_versions() {
        (
            Severity::Block,
            format!(
                "`{name}` is a known malicious package ({}, published {}). Do not install it; if you meant a similar name, check its spelling on the registry",
                report.id,
                date(&report.published)
            ),
        )
    } else if !popular {
        (
            Severity::Block,
            format!(
                "`{name}` is a known malicious package ({}: {affected}); every version of a package published for malware is treated as malicious",
                report.id
            ),
        )
    } else {
        match target.pinned_version() {
            Some(v) if version_affected(target.ecosystem, report, &v) => (
                Severity::Block,
                format!(
                    "`{name}` {v} is a malicious release ({}: {affected}). Pin a version outside the affected ones",
                    report.id
                ),
            ),
            Some(v) => (
                Severity::Info,
                format!(
                    "`{name}` had malicious releases ({}: {affected}); the pinned {v} is not one of them",
                    report.id
                ),
            ),
            None => (
                Severity::Warn,
                format!(
                    "`{name}` had malicious releases ({}: {affected}) and this install does not pin a version; pin one outside the affected ones",
                    report.id
                ),
            ),
        }
    };
    let mut f = finding(target, Rule::Malicious, severity, message);
    f.report = Some(report.id.clone());
    Some(f)
}

fn date(rfc3339: &str) -> &str {
    rfc3339.get(..10).unwrap_or(rfc3339)
}

fn describe_affected(report: &Report) -> String {
    let mut parts: Vec<String> = Vec::new();
    if let Some(v) = &report.versions
        && !v.is_empty()
    {
        parts.push(format!("versions {}", v.join(", ")));
    }
    if !report.ranges.is_empty() {
        parts.push(format!("ranges {}", report.ranges.join("; ")));
    }
    if parts.is_empty() {
        "all versions".into()
    } else {
        parts.join(" and ")
    }
}

/// The exact version a spec pins, if it pins one: pip `==1.2` / `===1.2`, npm `1.2.3`,
/// `=1.2.3`, `v1.2.3`, `1.0.0-rc.1` (any exact SemVer version; ranges and tags pin nothing).
pub fn pinned_version(eco: Ecosystem, spec: Option<&str>) -> Option<String> {
    let spec = spec?.trim();
    let v = match eco {
        Ecosystem::Pypi => {
            let v = spec
                .strip_prefix("===")
                .or_else(|| spec.strip_prefix("=="))?
                .trim();
            if v.contains([',', '*', ';']) {
                return None;
            }
            v.to_string()
        }
        Ecosystem::Npm => {
            if !crate::version::is_exact(eco, spec) {
                return None;
            }
            crate::version::canonical(eco, spec)
        }
        Ecosystem::Brew => return None,
    };
    Some(v)
}

fn version_affected(eco: Ecosystem, report: &Report, v: &str) -> bool {
    if let Some(list) = &report.versions
        && list
            .iter()
            .any(|x| x == v || crate::version::compare(eco, x, v).is_eq())
    {
        return true;
    }
    report
        .ranges
        .iter()
        .any(|range| crate::version::in_range(eco, v, range))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::request::Origin;

    fn eval(eco: Ecosystem, name: &str, spec: Option<&str>) -> Evaluation {
        let snap = crate::reputation::store::embedded_data();
        let req = Request {
            program: "t".into(),
            manager: crate::ecosystem::Manager::Npm,
            installs: true,
            targets: vec![Target::registry(eco, name, spec, Origin::Argv)],
            sources: vec![],
            grammar: None,
            scripts: Vec::new(),
        };
        evaluate(&req, &snap)
    }

    #[test]
    fn verdict_table() {
        use Verdict::*;
        for (eco, name, spec, want) in [
            (Ecosystem::Pypi, "requests", None, Allow),
            (Ecosystem::Pypi, "reqeusts", None, Warn),
            (Ecosystem::Pypi, "1337test", None, Block),
            (Ecosystem::Pypi, "1337test", Some("==99"), Block),
            (Ecosystem::Npm, "lodash", None, Allow),
            (Ecosystem::Npm, "lodahs", None, Warn),
            (Ecosystem::Npm, "fsevents", Some("1.2.10"), Block),
            (Ecosystem::Npm, "fsevents", Some("2.3.3"), Allow),
            (Ecosystem::Npm, "fsevents", None, Warn),
            (Ecosystem::Npm, "@solana/web3.js", Some("1.95.6"), Block),
            (Ecosystem::Npm, "@solana/web3.js", Some("1.95.8"), Allow),
            (Ecosystem::Brew, "wget", None, Allow),
        ] {
            assert_eq!(eval(eco, name, spec).verdict, want, "{eco} {name} {spec:?}");
        }
    }

    #[test]
    fn block_names_the_report() {
        let e = eval(Ecosystem::Pypi, "1337test", None);
        assert_eq!(e.findings[0].report.as_deref(), Some("MAL-2024-4720"));
        let e = eval(Ecosystem::Pypi, "reqeusts", None);
        assert_eq!(e.findings[0].imitates.as_deref(), Some("requests"));
    }

    #[test]
    fn pins() {
        assert_eq!(
            pinned_version(Ecosystem::Pypi, Some("==1.2")),
            Some("1.2".into())
        );
        assert_eq!(pinned_version(Ecosystem::Pypi, Some(">=1.2")), None);
        assert_eq!(pinned_version(Ecosystem::Pypi, Some("==1.*")), None);
        assert_eq!(
            pinned_version(Ecosystem::Npm, Some("v1.2.3")),
            Some("1.2.3".into())
        );
        assert_eq!(pinned_version(Ecosystem::Npm, Some("^1.2.3")), None);
        assert_eq!(pinned_version(Ecosystem::Npm, Some("latest")), None);
    }
}
