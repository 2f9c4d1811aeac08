//! The effective policy applied to one request and its evaluation: rule actions turn the
//! reputation findings' severities, the policy adds its own findings (deny-list, unknown
//! registry, unpinned version, stale data), and allows and exceptions lift findings to info.
//! Pure: the time and the data's age are arguments. A deny is never lifted.

use super::parse::url_host_path;
use super::{Action, Policy, Value, default_action};
use crate::ecosystem::Ecosystem;
use crate::request::{Request, SourceKind, Target, TargetKind};
use crate::verdict::{self, Evaluation, Finding, Rule, Severity, pinned_version};

/// How old the reputation data is.
#[derive(Debug, Clone, Copy)]
pub struct DataAge {
    pub now: i64,
    /// The newest report's time (Unix seconds), when known.
    pub newest_report: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Applied {
    pub evaluation: Evaluation,
    /// An exception lifted at least one warn- or block-level finding.
    pub by_exception: bool,
    /// Things a person should know (an exception that would have matched has expired).
    pub notes: Vec<String>,
}

fn severity(a: Action) -> Severity {
    match a {
        Action::Allow => Severity::Info,
        Action::Warn => Severity::Warn,
        Action::Block => Severity::Block,
    }
}

/// A policy that raises a rule above its built-in action lifts every finding of that rule to
/// at least the new action; one that lowers it caps them. Version-aware nuances (a pinned clean
/// release is info) survive a raise only where they are already as high.
fn shift(builtin: Severity, default: Action, policy: Action) -> Severity {
    let p = severity(policy);
    match policy.cmp(&default) {
        std::cmp::Ordering::Greater => builtin.max(p),
        std::cmp::Ordering::Less => builtin.min(p),
        std::cmp::Ordering::Equal => builtin,
    }
}

fn policy_finding(
    target: &str,
    ecosystem: Ecosystem,
    rule: Rule,
    action: Action,
    message: String,
    origin: String,
) -> Finding {
    Finding {
        target: target.to_string(),
        ecosystem,
        rule,
        severity: severity(action),
        message,
        report: None,
        imitates: None,
        imitation_kind: None,
        registry: None,
        origin,
        allowed_by: None,
    }
}

fn is_package(t: &Target) -> bool {
    matches!(
        t.kind,
        TargetKind::Registry | TargetKind::Alias | TargetKind::Formula | TargetKind::Cask
    ) && t.name.is_some()
}

/// True when `url` is one of `allowed` or under one (host and path prefix; scheme and credentials
/// ignored).
pub fn url_allowed(url: &str, allowed: &[String]) -> bool {
    let Some(got) = url_host_path(url) else {
        return false;
    };
    allowed
        .iter()
        .filter_map(|a| url_host_path(a))
        .any(|a| got == a || got.strip_prefix(&a).is_some_and(|r| r.starts_with('/')))
}

fn tap_norm(tap: &str) -> String {
    let lower = tap.to_ascii_lowercase();
    match lower.split_once('/') {
        Some((user, repo)) => format!("{user}/{}", repo.strip_prefix("homebrew-").unwrap_or(repo)),
        None => lower,
    }
}

fn days(secs: i64) -> i64 {
    secs / 86_400
}

pub fn apply(policy: &Policy, request: &Request, evaluation: Evaluation, data: DataAge) -> Applied {
    let mut findings = evaluation.findings;
    // 1. Rule actions turn the reputation findings.
    for f in &mut findings {
        f.severity = shift(f.severity, default_action(f.rule), policy.rule(f.rule));
    }
    // 2. The policy's own findings.
    let add = |rule: Rule| Some(policy.rule(rule)).filter(|a| *a != Action::Allow);
    for t in request.targets.iter().filter(|t| is_package(t)) {
        let name = t.name.as_deref().unwrap_or_default();
        let pinned = pinned_version(t.ecosystem, t.spec.as_deref());
        if let Some(action) = add(Rule::DenyList)
            && let Some(d) = policy
                .deny
                .iter()
                .find(|d| d.value.matches(t.ecosystem, name, pinned.as_deref(), true))
        {
            let unpinned = if d.value.version.is_some() && pinned.is_none() {
                " (this install does not pin a version, so it may get a denied one)"
            } else {
                ""
            };
            findings.push(policy_finding(
                t.label(),
                t.ecosystem,
                Rule::DenyList,
                action,
                format!(
                    "`{name}` is denied by the {} policy (`{}`, {}){unpinned}. Choose another package, or ask whoever manages that policy",
                    d.layer.label(),
                    d.value.text,
                    d.at.short()
                ),
                t.origin.to_string(),
            ));
        }
        if let Some(action) = add(Rule::UnpinnedVersion)
            && pinned.is_none()
            && t.ecosystem != Ecosystem::Brew
        {
            let how = match t.ecosystem {
                Ecosystem::Pypi => format!("`{name}==X.Y.Z`"),
                _ => format!("`{name}@X.Y.Z`"),
            };
            findings.push(policy_finding(
                t.label(),
                t.ecosystem,
                Rule::UnpinnedVersion,
                action,
                format!("`{name}` is installed without an exact version; pin one, like {how}"),
                t.origin.to_string(),
            ));
        }
    }
    if let Some(action) = add(Rule::UnknownRegistry) {
        let mut check = |eco: Ecosystem,
                         key: &str,
                         what: &str,
                         location: &str,
                         origin: String,
                         ok: &dyn Fn(&[String]) -> bool| {
            let Some(set) = policy.sources(key) else {
                return;
            };
            let Value::List(list) = &set.value else {
                return;
            };
            if ok(list) {
                return;
            }
            let shown = crate::redact::text(location);
            findings.push(policy_finding(
                &shown,
                eco,
                Rule::UnknownRegistry,
                action,
                format!(
                    "{what} `{shown}` is not one the policy allows for {eco} ([sources] {key} = [{}], {} policy {}). Use an allowed one, or ask your security team to add it",
                    list.iter().map(|s| format!("\"{s}\"")).collect::<Vec<_>>().join(", "),
                    set.layer.label(),
                    set.at.short()
                ),
                origin,
            ));
        };
        for s in &request.sources {
            let what = match s.kind {
                SourceKind::Index => "the index",
                SourceKind::ExtraIndex => "the extra index",
                SourceKind::ScopedRegistry => "the scoped registry",
                SourceKind::FindLinks | SourceKind::Tap | SourceKind::NoIndex => continue,
            };
            check(
                s.ecosystem,
                s.ecosystem.as_str(),
                what,
                &s.location,
                s.origin.to_string(),
                &|l| url_allowed(&s.location, l),
            );
        }
        for t in &request.targets {
            let tap = match (t.kind, t.name.as_deref()) {
                (TargetKind::Tap, Some(n)) => n.to_string(),
                (TargetKind::Formula | TargetKind::Cask, Some(n))
                    if n.matches('/').count() == 2 =>
                {
                    n.rsplit_once('/')
                        .map(|(tap, _)| tap.to_string())
                        .unwrap_or_default()
                }
                _ => continue,
            };
            let norm = tap_norm(&tap);
            check(
                Ecosystem::Brew,
                "brew-taps",
                "the tap",
                &tap,
                t.origin.to_string(),
                &|l| l.iter().any(|a| tap_norm(a) == norm),
            );
        }
    }
    if let Some(action) = add(Rule::StaleData)
        && let Some((max, set)) = policy.max_age()
        && let Some(newest) = data.newest_report
        && data.now - newest > max as i64
    {
        let max_text = match &set.value {
            Value::Secs(_, s) => s.clone(),
            _ => String::new(),
        };
        findings.push(policy_finding(
            "reputation data",
            request.manager.ecosystem(),
            Rule::StaleData,
            action,
            format!(
                "the reputation data is {} days old (newest report {}), more than the policy's max-age of {max_text} ({} policy {}). Run `installguard update`",
                days(data.now - newest),
                &crate::time::format_rfc3339(newest)[..10],
                set.layer.label(),
                set.at.short()
            ),
            "policy".into(),
        ));
    }
    // 3. Allows and exceptions lift package findings (never a deny) to info.
    let mut by_exception = false;
    let mut notes = Vec::new();
    for f in &mut findings {
        if matches!(
            f.rule,
            Rule::DenyList | Rule::UnknownRegistry | Rule::StaleData
        ) || f.severity == Severity::Info
        {
            continue;
        }
        let Some(t) = request.targets.iter().find(|t| {
            t.label() == f.target && t.ecosystem == f.ecosystem && t.origin.to_string() == f.origin
        }) else {
            continue;
        };
        let Some(name) = t.name.as_deref() else {
            continue;
        };
        let pinned = pinned_version(t.ecosystem, t.spec.as_deref());
        let hit =
            |p: &super::PackagePattern| p.matches(t.ecosystem, name, pinned.as_deref(), false);
        if let Some(a) = policy.allow.iter().find(|a| hit(&a.value)) {
            f.severity = Severity::Info;
            f.allowed_by = Some(format!(
                "allowed by `{}` in the {} policy ({})",
                a.value.text,
                a.layer.label(),
                a.at.short()
            ));
            continue;
        }
        let matching = policy.exceptions.iter().filter(|e| hit(&e.package));
        let mut expired = None;
        for e in matching {
            if e.ends_unix > data.now {
                f.severity = Severity::Info;
                f.allowed_by = Some(format!(
                    "exception for `{}` until {} ({}; {} policy {})",
                    e.package.text,
                    e.expires,
                    e.reason,
                    e.layer.label(),
                    e.at.short()
                ));
                by_exception = true;
                expired = None;
                break;
            }
            expired = Some(e);
        }
        if let Some(e) = expired {
            notes.push(format!(
                "the exception for `{}` ({}) expired on {}; renew it with a new date and reason if it is still needed",
                e.package.text,
                e.at.short(),
                e.expires
            ));
        }
    }
    notes.dedup();
    Applied {
        evaluation: Evaluation {
            verdict: verdict::verdict_of(&findings),
            findings,
        },
        by_exception,
        notes,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ecosystem::Manager;
    use crate::policy::{DEFAULT_POLICY, LayerKind, merge, parse};
    use crate::request::{Origin, Source};

    fn policy(user: &str) -> Policy {
        let (d, _) = parse(DEFAULT_POLICY, "default", LayerKind::Default);
        let (u, diags) = parse(user, "user.toml", LayerKind::User);
        assert!(!crate::policy::diag::has_errors(&diags), "{diags:?}");
        merge(vec![d, u], 0).0
    }

    fn run(
        user: &str,
        eco: Ecosystem,
        name: &str,
        spec: Option<&str>,
        sources: Vec<Source>,
    ) -> Applied {
        let req = Request {
            program: "t".into(),
            manager: match eco {
                Ecosystem::Pypi => Manager::Pip,
                Ecosystem::Npm => Manager::Npm,
                Ecosystem::Brew => Manager::Brew,
            },
            installs: true,
            targets: vec![Target::registry(eco, name, spec, Origin::Argv)],
            sources,
        };
        let eval = verdict::evaluate(&req, &crate::reputation::store::embedded_data());
        let data = DataAge {
            now: 1_767_225_600,
            newest_report: Some(1_735_689_599),
        };
        apply(&policy(user), &req, eval, data)
    }

    fn rules(a: &Applied) -> Vec<(Rule, Severity)> {
        a.evaluation
            .findings
            .iter()
            .map(|f| (f.rule, f.severity))
            .collect()
    }

    #[test]
    fn table() {
        use crate::verdict::Verdict::*;
        use Ecosystem::*;
        let idx = |url: &str, kind| {
            vec![Source {
                ecosystem: Pypi,
                kind,
                location: url.into(),
                scope: None,
                origin: Origin::Argv,
            }]
        };
        for (user, eco, name, spec, sources, want) in [
            ("", Pypi, "reqeusts", None, vec![], Warn),
            (
                "[rules]\nimitation = \"block\"",
                Pypi,
                "reqeusts",
                None,
                vec![],
                Block,
            ),
            (
                "[rules]\nimitation = \"allow\"",
                Pypi,
                "reqeusts",
                None,
                vec![],
                Allow,
            ),
            (
                "[rules]\nmalicious = \"warn\"",
                Pypi,
                "1337test",
                None,
                vec![],
                Warn,
            ),
            (
                "[packages]\nallow = [\"pkg:pypi/reqeusts\"]",
                Pypi,
                "reqeusts",
                None,
                vec![],
                Allow,
            ),
            (
                "[packages]\nallow = [\"pkg:pypi/reqeusts@1.0\"]",
                Pypi,
                "reqeusts",
                None,
                vec![],
                Warn,
            ),
            (
                "[packages]\nallow = [\"pkg:pypi/reqeusts@1.*\"]",
                Pypi,
                "reqeusts",
                Some("==1.2"),
                vec![],
                Allow,
            ),
            (
                "[packages]\ndeny = [\"pkg:npm/left-*\"]",
                Npm,
                "left-pad",
                None,
                vec![],
                Block,
            ),
            (
                "[packages]\ndeny = [\"pkg:npm/left-pad\"]\nallow = [\"pkg:npm/left-pad\"]",
                Npm,
                "left-pad",
                None,
                vec![],
                Block,
            ),
            (
                "[packages]\ndeny = [\"pkg:npm/fsevents@<2\"]",
                Npm,
                "fsevents",
                Some("2.3.3"),
                vec![],
                Allow,
            ),
            (
                "[packages]\ndeny = [\"pkg:npm/fsevents@<2\"]",
                Npm,
                "fsevents",
                None,
                vec![],
                Block,
            ),
            (
                "[rules]\nunpinned-version = \"warn\"",
                Npm,
                "lodash",
                None,
                vec![],
                Warn,
            ),
            (
                "[rules]\nunpinned-version = \"warn\"",
                Npm,
                "lodash",
                Some("4.17.21"),
                vec![],
                Allow,
            ),
            (
                "[sources]\npypi = [\"https://pypi.org/simple\"]",
                Pypi,
                "requests",
                None,
                idx("https://user:pw@pypi.org/simple/", SourceKind::Index),
                Allow,
            ),
            (
                "[sources]\npypi = [\"https://pypi.org/simple\"]",
                Pypi,
                "requests",
                None,
                idx("https://evil.example/simple", SourceKind::ExtraIndex),
                Block,
            ),
            (
                "[sources]\npypi = [\"https://pypi.org/simple\"]",
                Pypi,
                "requests",
                None,
                idx("https://pypi.org/simplex", SourceKind::Index),
                Block,
            ),
            (
                "[sources]\npypi = [\"https://pypi.org/simple\"]",
                Pypi,
                "requests",
                None,
                idx("/tmp/wheels", SourceKind::FindLinks),
                Allow,
            ),
            (
                "",
                Pypi,
                "requests",
                None,
                idx("https://evil.example/simple", SourceKind::ExtraIndex),
                Allow,
            ),
            (
                "[data]\nmax-age = \"30d\"",
                Pypi,
                "requests",
                None,
                vec![],
                Warn,
            ),
            (
                "[data]\nmax-age = \"30d\"\n[rules]\nstale-data = \"block\"",
                Pypi,
                "requests",
                None,
                vec![],
                Block,
            ),
            (
                "[data]\nmax-age = \"1000d\"",
                Pypi,
                "requests",
                None,
                vec![],
                Allow,
            ),
            (
                "[[exceptions]]\npackage = \"pkg:pypi/reqeusts\"\nreason = \"ok'd\"\nexpires = 2030-01-01",
                Pypi,
                "reqeusts",
                None,
                vec![],
                Allow,
            ),
            (
                "[[exceptions]]\npackage = \"pkg:pypi/reqeusts\"\nreason = \"ok'd\"\nexpires = 2025-01-01",
                Pypi,
                "reqeusts",
                None,
                vec![],
                Warn,
            ),
        ] {
            let a = run(user, eco, name, spec, sources);
            assert_eq!(
                a.evaluation.verdict,
                want,
                "{user:?} {name} {spec:?}: {:?}",
                rules(&a)
            );
        }
    }

    #[test]
    fn exceptions_say_so() {
        let user = "[[exceptions]]\npackage = \"pkg:pypi/reqeusts\"\nreason = \"reviewed\"\nexpires = 2030-01-01";
        let a = run(user, Ecosystem::Pypi, "reqeusts", None, vec![]);
        assert!(a.by_exception);
        let by = a.evaluation.findings[0].allowed_by.as_deref().unwrap();
        assert!(
            by.contains("until 2030-01-01 (reviewed; user policy user.toml:1)"),
            "{by}"
        );
        let user = "[[exceptions]]\npackage = \"pkg:pypi/reqeusts\"\nreason = \"reviewed\"\nexpires = 2025-01-01";
        let a = run(user, Ecosystem::Pypi, "reqeusts", None, vec![]);
        assert!(!a.by_exception);
        assert!(
            a.notes[0].contains("expired on 2025-01-01"),
            "{:?}",
            a.notes
        );
    }
}
